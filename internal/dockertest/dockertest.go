// Package dockertest gives tests a real Docker engine to work with: it
// skips or fails when there is none (VIGIE_INTEGRATION set: fail), builds
// a busybox test image with `docker import` (no registry is reachable), and
// removes exactly what a test created, by label.
package dockertest

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// Label marks everything tests create.
const Label = "vigie.test"

// Need skips the test when no Docker engine answers, or fails it when
// VIGIE_INTEGRATION is set (the test command sets it and starts dockerd).
func Need(tb testing.TB) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := exec.CommandContext(ctx, "docker", "info", "--format", "{{.ServerVersion}}").Run(); err != nil {
		if os.Getenv("VIGIE_INTEGRATION") == "" {
			tb.Skipf("no Docker engine: %v", err)
		}
		tb.Fatalf("Docker engine required (VIGIE_INTEGRATION is set): %v", err)
	}
}

var (
	imgOnce sync.Once
	imgName string
	imgErr  error
)

// Image returns a busybox image built for the tests (once per binary).
func Image(tb testing.TB) string {
	tb.Helper()
	imgOnce.Do(func() { imgName, imgErr = build() })
	if imgErr != nil {
		tb.Fatalf("test image: %v", imgErr)
	}
	return imgName
}

func build() (string, error) {
	const name = "vigie-test/busybox:cli"
	return name, importImage(nil, name)
}

// importImage imports the busybox rootfs as name into the engine that
// `docker` reaches with the extra global arguments (nil: the default one).
func importImage(global []string, name string) error {
	buf, err := rootfs()
	if err != nil {
		return err
	}
	cmd := exec.Command("docker", append(global[:len(global):len(global)], "import", "-", name)...)
	cmd.Stdin = buf
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("docker import: %v: %s", err, out)
	}
	return nil
}

// rootfs is a tar of a minimal busybox root filesystem.
func rootfs() (*bytes.Buffer, error) {
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return nil, fmt.Errorf("busybox-static is needed: %w", err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(h *tar.Header, data []byte) error {
		h.ModTime = time.Unix(0, 0)
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	for _, d := range []string{"bin/", "etc/", "tmp/"} {
		if err := add(&tar.Header{Name: d, Typeflag: tar.TypeDir, Mode: 0o755}, nil); err != nil {
			return nil, err
		}
	}
	if err := add(&tar.Header{Name: "bin/busybox", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(bb))}, bb); err != nil {
		return nil, err
	}
	for _, app := range []string{"sh", "sleep", "echo", "cat", "env", "wget", "id", "yes", "head", "true", "false", "ls", "printf", "test", "kill"} {
		if err := add(&tar.Header{Name: "bin/" + app, Typeflag: tar.TypeSymlink, Linkname: "busybox", Mode: 0o777}, nil); err != nil {
			return nil, err
		}
	}
	passwd := []byte("root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n")
	group := []byte("root:x:0:\nnode:x:1000:\n")
	if err := add(&tar.Header{Name: "etc/passwd", Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(passwd))}, passwd); err != nil {
		return nil, err
	}
	if err := add(&tar.Header{Name: "etc/group", Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(group))}, group); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return &buf, nil
}

// Docker runs the docker CLI (fixtures only) and returns its output.
func Docker(tb testing.TB, args ...string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("docker %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// Compose runs docker-compose (v1) or `docker compose` for a fixture
// project, and removes the project when the test ends.
func Compose(tb testing.TB, dir, project string, args ...string) string {
	tb.Helper()
	argv := append([]string{"-p", project}, args...)
	name := "docker-compose"
	if _, err := exec.LookPath(name); err != nil {
		name, argv = "docker", append([]string{"compose"}, argv...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, argv...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("%s %s: %v: %s", name, strings.Join(argv, " "), err, out)
	}
	return string(out)
}

// ComposeCommand is the compose CLI present here, as compose.command.
func ComposeCommand() []string {
	if _, err := exec.LookPath("docker-compose"); err == nil {
		return []string{"docker-compose"}
	}
	return []string{"docker", "compose"}
}

// Cleanup removes every container of a compose project, at the end.
func Cleanup(tb testing.TB, project string) {
	tb.Cleanup(func() {
		ids, _ := exec.Command("docker", "ps", "-aq", "--filter", "label=com.docker.compose.project="+project).Output()
		for _, id := range strings.Fields(string(ids)) {
			_ = exec.Command("docker", "rm", "-f", id).Run()
		}
		_ = exec.Command("docker", "network", "rm", project+"_default").Run()
	})
}

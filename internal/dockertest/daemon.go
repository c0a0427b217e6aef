package dockertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Daemon is a private dockerd a test owns: its own socket, data and exec
// roots and network namespace, no bridge and no iptables rules, so it never
// disturbs the main engine. Tests use it as a second host, or to restart an engine under a
// watcher.
type Daemon struct {
	// Host is the DOCKER_HOST of this daemon (unix:///tmp/…/docker.sock).
	Host string

	dir string
	mu  sync.Mutex
	cmd *exec.Cmd
	log *os.File
}

// StartDaemon starts a private dockerd with the test image imported into
// it (Image reports its name), and stops and removes it when the test ends.
func StartDaemon(tb testing.TB) *Daemon {
	tb.Helper()
	Need(tb)
	for _, bin := range []string{"dockerd", "unshare"} {
		if _, err := exec.LookPath(bin); err != nil {
			tb.Fatalf("%s needed for a private engine: %v", bin, err)
		}
	}
	// A short path: unix socket paths are limited to 108 bytes.
	dir, err := os.MkdirTemp("", "vd")
	if err != nil {
		tb.Fatal(err)
	}
	d := &Daemon{Host: "unix://" + filepath.Join(dir, "docker.sock"), dir: dir}
	tb.Cleanup(func() {
		if ids, err := exec.Command("docker", "-H", d.Host, "ps", "-aq").Output(); err == nil {
			for _, id := range strings.Fields(string(ids)) {
				_ = exec.Command("docker", "-H", d.Host, "rm", "-f", id).Run()
			}
		}
		d.stop()
		_ = os.RemoveAll(dir)
	})
	d.Start(tb)
	if err := importImage([]string{"-H", d.Host}, DaemonImage); err != nil {
		tb.Fatalf("test image in the private engine: %v", err)
	}
	return d
}

// DaemonImage is the busybox image present in every private daemon.
const DaemonImage = "vigie-test/busybox:daemon"

// Start (re)starts the daemon and waits until it answers.
func (d *Daemon) Start(tb testing.TB) {
	tb.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cmd != nil {
		tb.Fatal("private dockerd already running")
	}
	log, err := os.OpenFile(filepath.Join(d.dir, "dockerd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		tb.Fatal(err)
	}
	// Its own network namespace: a second dockerd in the host's namespace
	// tears down the main engine's docker0 bridge. The unix socket is a
	// file, reachable from here all the same.
	cmd := exec.Command("unshare", "--net", "--", "dockerd",
		"--host", d.Host,
		"--data-root", filepath.Join(d.dir, "data"),
		"--exec-root", filepath.Join(d.dir, "exec"),
		"--pidfile", filepath.Join(d.dir, "docker.pid"),
		"--bridge", "none", "--iptables=false", "--ip-masq=false")
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		log.Close()
		tb.Fatalf("start dockerd: %v", err)
	}
	d.cmd, d.log = cmd, log
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := exec.CommandContext(ctx, "docker", "-H", d.Host, "info", "--format", "{{.ServerVersion}}").Run()
		cancel()
		if err == nil {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	tail, _ := os.ReadFile(filepath.Join(d.dir, "dockerd.log"))
	if len(tail) > 2000 {
		tail = tail[len(tail)-2000:]
	}
	tb.Fatalf("private dockerd did not answer on %s within 30s: %s", d.Host, tail)
}

// Stop stops the daemon (SIGTERM, then SIGKILL after 20 s) and waits.
func (d *Daemon) Stop(tb testing.TB) {
	tb.Helper()
	if !d.stop() {
		tb.Fatal("private dockerd was not running")
	}
}

func (d *Daemon) stop() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cmd == nil {
		return false
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = d.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = d.cmd.Process.Kill()
		<-done
	}
	d.log.Close()
	d.cmd, d.log = nil, nil
	return true
}

// Restart stops and starts the daemon.
func (d *Daemon) Restart(tb testing.TB) {
	tb.Helper()
	d.Stop(tb)
	d.Start(tb)
}

// Docker runs the docker CLI against this daemon and returns its output.
func (d *Daemon) Docker(tb testing.TB, args ...string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", append([]string{"-H", d.Host}, args...)...).CombinedOutput()
	if err != nil {
		tb.Fatalf("docker -H %s %s: %v: %s", d.Host, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// String names the daemon in test messages.
func (d *Daemon) String() string { return fmt.Sprintf("private dockerd %s", d.Host) }

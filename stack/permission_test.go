package stack_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"vigie/stack"
)

// A socket vigie may not open (mode 0600, owned by root, vigie running as
// nobody): the host error says so and what to do. Root is never denied, so
// the test binary runs itself again as nobody; the child part is the same
// test with VIGIE_EACCES_SOCK set.
func TestPermissionDeniedHint(t *testing.T) {
	if sock := os.Getenv("VIGIE_EACCES_SOCK"); sock != "" {
		permissionChild(t, sock)
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a copy of the test binary as nobody")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skipf("no user nobody: %v", err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	t.Parallel()

	// A directory nobody can enter, holding a copy of this binary and a
	// socket only root may open.
	dir, err := os.MkdirTemp("", "vigie-eacces-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "stack.test")
	if err := copyFile(self, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "docker.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := os.Chmod(sock, 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-test.run=^TestPermissionDeniedHint$", "-test.v", "-test.count=1")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "VIGIE_EACCES_SOCK=" + sock}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	out, err := cmd.CombinedOutput()
	t.Logf("as nobody:\n%s", out)
	if err != nil {
		t.Fatalf("child run as nobody: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: TestPermissionDeniedHint") {
		t.Fatal("the child did not run the test")
	}
}

func permissionChild(t *testing.T, sock string) {
	if os.Geteuid() == 0 {
		t.Fatal("child runs as root")
	}
	s, err := stack.New([]stack.HostSpec{{Name: "guarded", Endpoint: "unix://" + sock}}, 10*time.Second, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	states := s.Snapshot(context.Background())
	err = states[0].Err
	var he *stack.HostError
	if !errors.As(err, &he) {
		t.Fatalf("snapshot error %v (%T), want *HostError", err, err)
	}
	msg := err.Error()
	t.Logf("error: %s", msg)
	if he.Host != "guarded" || !strings.HasPrefix(msg, "host guarded (unix://"+sock+"): ") {
		t.Errorf("message %q does not name the host", msg)
	}
	if !strings.Contains(msg, "permission denied on the Docker socket") || !strings.Contains(msg, "group_add") {
		t.Errorf("message %q does not say the socket is denied and what to do", msg)
	}
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

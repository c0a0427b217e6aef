package stack

// Unit tests of unexported parts: no Docker needed.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
)

// slowCheck returns after the run's deadline.
type slowCheck struct{ d time.Duration }

func (slowCheck) Name() string { return "slow" }

func (c slowCheck) Run(ctx context.Context, _ *Target) ([]Finding, error) {
	time.Sleep(c.d)
	return []Finding{{Message: "late"}}, errors.New("late")
}

type panicCheck struct{}

func (panicCheck) Name() string { return "panics" }

func (panicCheck) Run(context.Context, *Target) ([]Finding, error) { panic("boom") }

// A check that outlives its timeout is reported as timed out, and its late
// results are dropped without a data race (run with -race).
func TestRunCheckTimeout(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	fs, err := runCheck(ctx, slowCheck{100 * time.Millisecond}, &Target{})
	if err == nil || err.Error() != "timed out" || fs != nil {
		t.Fatalf("runCheck = %v, %v; want timed out", fs, err)
	}
	time.Sleep(200 * time.Millisecond) // let the check return
	fs, err = runCheck(context.Background(), panicCheck{}, &Target{})
	if err == nil || !strings.Contains(err.Error(), "panic: boom") || fs != nil {
		t.Fatalf("runCheck of a panicking check = %v, %v", fs, err)
	}
}

// The error mapping of explain: one line naming the host and what to check.
func TestExplainHints(t *testing.T) {
	e := &engine{name: "nas", endpoint: "unix:///run/docker.sock"}
	for _, tc := range []struct {
		name string
		err  error
		want string // in the message; "" = no HostError
	}{
		{"eacces", &net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("connect", syscall.EACCES)}, "permission denied on the Docker socket"},
		{"client permission text", fmt.Errorf("permission denied while trying to connect to the docker API at unix:///run/docker.sock"), "group_add"},
		{"enoent", fmt.Errorf("failed to connect: %w", &net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("connect", syscall.ENOENT)}), "no Docker socket there"},
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, "cannot connect: is dockerd running"},
		{"deadline", fmt.Errorf("list: %w", context.DeadlineExceeded), "no answer in time"},
		{"proxy refusal", cerrdefs.ErrPermissionDenied.WithMessage("forbidden"), "refused the call"},
		{"other", errors.New("something odd"), "something odd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := e.explain(tc.err)
			var he *HostError
			if !errors.As(err, &he) {
				t.Fatalf("explain(%v) = %v (%T), want *HostError", tc.err, err, err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "host nas (unix:///run/docker.sock): ") || !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
				t.Errorf("message %q: want one line naming the host and containing %q", msg, tc.want)
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("%v does not wrap %v", err, tc.err)
			}
		})
	}
	if err := e.explain(context.Canceled); err != context.Canceled {
		t.Errorf("explain(Canceled) = %v, want it unchanged", err)
	}
	var nf *NotFoundError
	if err := e.explain(cerrdefs.ErrNotFound.WithMessage("no such container: x")); !errors.As(err, &nf) || nf.Host != "nas" {
		t.Errorf("explain(not found) = %v (%T), want *NotFoundError", err, err)
	}
	if e.explain(nil) != nil {
		t.Error("explain(nil) != nil")
	}
}

// Where the config_files label entries of compose v1.29 and v2 are looked
// for.
func TestComposeFilePaths(t *testing.T) {
	for _, tc := range []struct {
		name  string
		wd    string
		files []string
		f     string
		want  []string
	}{
		{"v2 absolute", "/srv/app", []string{"/srv/app/compose.yml"}, "/srv/app/compose.yml", []string{"/srv/app/compose.yml"}},
		{"v1 run in the project dir", "/srv/app", []string{"docker-compose.yml"}, "docker-compose.yml", []string{"/srv/app/docker-compose.yml"}},
		{"v1 run from the parent", "/srv/app", []string{"app/docker-compose.yml", "app/override.yml"}, "app/override.yml", []string{"/srv/app/override.yml", "/srv/app/app/override.yml"}},
		{"v1 second file elsewhere", "/srv/app", []string{"app/dc.yml", "common/base.yml"}, "common/base.yml", []string{"/srv/common/base.yml", "/srv/app/common/base.yml", "/srv/app/base.yml"}},
		{"v1 run from a sibling", "/srv/app", []string{"../app/dc.yml"}, "../app/dc.yml", []string{"/srv/app/dc.yml"}},
		{"v1 --project-directory", "/elsewhere", []string{"app/dc.yml"}, "app/dc.yml", []string{"/elsewhere/app/dc.yml", "/elsewhere/dc.yml"}},
		{"no working dir", "", []string{"dc.yml"}, "dc.yml", []string{"dc.yml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := composeFilePaths(Container{WorkingDir: tc.wd, ConfigFiles: tc.files}, tc.f)
			if !slices.Equal(got, tc.want) {
				t.Errorf("composeFilePaths(%q, %q, %q) = %q, want %q", tc.wd, tc.files, tc.f, got, tc.want)
			}
		})
	}
}

// cap_drop ALL with a writable volume is flagged for a container started
// as root (its entrypoint chowns, then writes), not for one started as
// another user, whose process has no effective capability to lose.
func TestCapabilitiesRootOnly(t *testing.T) {
	vol := []Mount{{Type: "volume", Destination: "/data", RW: true}}
	mk := func(name, user string, add ...string) Container {
		return Container{Name: name, User: user, CapDrop: []string{"ALL"}, CapAdd: add, Mounts: vol}
	}
	tgt := &Target{Containers: []Container{
		mk("pg", ""), mk("root0", "0:0"), mk("ok", "", "DAC_OVERRIDE", "FOWNER"),
		mk("vigie", "65532:65532"), mk("n8n", "node"),
		{Name: "ro", CapDrop: []string{"ALL"}, Mounts: []Mount{{Type: "bind", Destination: "/etc/x", RW: false}}},
	}}
	fs, err := capabilities{}.Run(context.Background(), tgt)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.Container)
	}
	if !slices.Equal(got, []string{"pg", "root0"}) {
		t.Errorf("flagged %v, want [pg root0]", got)
	}
}

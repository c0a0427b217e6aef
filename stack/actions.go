package stack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"vigie/internal/ctxtime"
)

// writer is what actions need of a host beyond reading.
type writer interface {
	Restart(ctx context.Context, id string, grace time.Duration) error
	Start(ctx context.Context, id string) error
	Stop(ctx context.Context, id string, grace time.Duration) error
}

// stopGrace is how long a container has to stop before SIGKILL.
const stopGrace = 10 * time.Second

func (s *Stack) writer(host string) (writer, error) {
	e := s.Engine(host)
	if e == nil {
		return nil, fmt.Errorf("no host %q", host)
	}
	w, ok := e.(writer)
	if !ok {
		return nil, fmt.Errorf("host %s: actions are not supported", host)
	}
	return w, nil
}

// RestartContainer restarts a container. A restart keeps the container's
// environment: env files are not reread (corpus §11.18).
func (s *Stack) RestartContainer(ctx context.Context, c Container) error {
	w, err := s.writer(c.Host)
	if err != nil {
		return err
	}
	return w.Restart(ctx, c.ID, stopGrace)
}

// StartContainer starts a stopped container.
func (s *Stack) StartContainer(ctx context.Context, c Container) error {
	w, err := s.writer(c.Host)
	if err != nil {
		return err
	}
	return w.Start(ctx, c.ID)
}

// StopContainer stops a container.
func (s *Stack) StopContainer(ctx context.Context, c Container) error {
	w, err := s.writer(c.Host)
	if err != nil {
		return err
	}
	return w.Stop(ctx, c.ID, stopGrace)
}

// Compose runs the compose CLI (`docker compose` or `docker-compose`).
type Compose struct {
	Command []string
	Timeout time.Duration
}

// ComposeError is a failed compose command, with its (redacted) output.
type ComposeError struct {
	Command string
	Output  string
	Err     error
}

func (e *ComposeError) Error() string {
	return fmt.Sprintf("%s failed: %v", e.Command, e.Err)
}

func (e *ComposeError) Unwrap() error { return e.Err }

// ErrComposeMissing says the compose CLI is not installed.
var ErrComposeMissing = errors.New("the compose CLI is not installed")

// ComposeCall is one compose invocation: its files, project and directory.
type ComposeCall struct {
	Host    string
	Project string
	Files   []string
	Dir     string
	Args    []string // after the global flags: up -d …
}

// String is the command line as a plan shows it.
func (c ComposeCall) String(cmd []string) string {
	return strings.Join(c.argv(cmd), " ")
}

func (c ComposeCall) argv(cmd []string) []string {
	argv := append([]string{}, cmd...)
	if c.Project != "" {
		argv = append(argv, "-p", c.Project)
	}
	for _, f := range c.Files {
		argv = append(argv, "-f", f)
	}
	return append(argv, c.Args...)
}

// RecreateCall is the compose call that force-recreates a container's
// service from its compose labels, which is what rereads env files.
func RecreateCall(c Container) (ComposeCall, error) {
	if c.Project == "" || c.Service == "" {
		return ComposeCall{}, fmt.Errorf("%s is not a compose container (no compose labels): it cannot be recreated by vigie", c.Name)
	}
	if len(c.ConfigFiles) == 0 {
		return ComposeCall{}, fmt.Errorf("%s: its compose labels name no compose file", c.Name)
	}
	call := ComposeCall{Host: c.Host, Project: c.Project, Dir: c.WorkingDir,
		Args: []string{"up", "-d", "--force-recreate", "--no-deps", c.Service}}
	for _, f := range c.ConfigFiles {
		paths := composeFilePaths(c, strings.TrimSpace(f))
		found := ""
		for _, p := range paths {
			if _, err := os.Stat(p); err == nil {
				found = p
				break
			}
		}
		if found == "" {
			return ComposeCall{}, fmt.Errorf("compose file %s of %s is missing on this machine", f, c.Name)
		}
		call.Files = append(call.Files, found)
	}
	if call.Dir == "" {
		call.Dir = filepath.Dir(call.Files[0])
	}
	return call, nil
}

// RunCompose runs a compose call against its host (DOCKER_HOST set to the
// host's endpoint), under the compose timeout, and returns its output.
func (s *Stack) RunCompose(ctx context.Context, cmp Compose, call ComposeCall) (string, error) {
	if len(cmp.Command) == 0 {
		cmp.Command = []string{"docker", "compose"}
	}
	if _, err := exec.LookPath(cmp.Command[0]); err != nil {
		return "", fmt.Errorf("%w: %s not found (set compose.command)", ErrComposeMissing, cmp.Command[0])
	}
	timeout := cmp.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	argv := call.argv(cmp.Command)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = call.Dir
	cmd.Env = os.Environ()
	for _, h := range s.hosts {
		if h.spec.Name == call.Host {
			cmd.Env = append(cmd.Env, "DOCKER_HOST="+h.spec.Endpoint)
			if h.spec.TLS != nil {
				cmd.Env = append(cmd.Env, "DOCKER_TLS_VERIFY=1", "DOCKER_CERT_PATH="+filepath.Dir(h.spec.TLS.Cert))
			}
		}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	text := strings.TrimSpace(out.String())
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			err = fmt.Errorf("no result within %s", timeout)
		}
		return text, &ComposeError{Command: strings.Join(argv, " "), Output: text, Err: err}
	}
	return text, nil
}

// WaitRunning polls the host until a container matching want is running
// (and healthy, when it has a healthcheck) or the timeout passes.
func (s *Stack) WaitRunning(ctx context.Context, host string, want func(Container) bool, timeout time.Duration) (Container, time.Duration, error) {
	start := time.Now()
	deadline := start.Add(timeout)
	var last Container
	for {
		e := s.Engine(host)
		if e == nil {
			return last, 0, fmt.Errorf("no host %q", host)
		}
		cctx, cancel := context.WithTimeout(ctx, s.timeout)
		cs, err := e.Containers(cctx, true)
		cancel()
		if err == nil {
			for _, c := range cs {
				if !want(c) {
					continue
				}
				last = c
				if c.State == "running" && (c.Health == "" || c.Health == "healthy") {
					return c, time.Since(start), nil
				}
			}
		}
		if time.Now().After(deadline) {
			switch {
			case last.ID == "":
				return last, time.Since(start), fmt.Errorf("no container after %s", timeout.Round(time.Second))
			case last.State == "running":
				return last, time.Since(start), fmt.Errorf("running but %s after %s", orWord(last.Health, "not healthy"), timeout.Round(time.Second))
			}
			return last, time.Since(start), fmt.Errorf("%s after %s", last.State, timeout.Round(time.Second))
		}
		if err := ctxtime.Sleep(ctx, 500*time.Millisecond); err != nil {
			return last, time.Since(start), err
		}
	}
}

// WaitGone polls the host until no container matches want.
func (s *Stack) WaitGone(ctx context.Context, host string, want func(Container) bool, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	for {
		e := s.Engine(host)
		if e == nil {
			return 0, fmt.Errorf("no host %q", host)
		}
		cctx, cancel := context.WithTimeout(ctx, s.timeout)
		cs, err := e.Containers(cctx, true)
		cancel()
		if err == nil {
			left := 0
			for _, c := range cs {
				if want(c) {
					left++
				}
			}
			if left == 0 {
				return time.Since(start), nil
			}
			if time.Since(start) > timeout {
				return time.Since(start), fmt.Errorf("%d container(s) still there after %s", left, timeout.Round(time.Second))
			}
		}
		if err := ctxtime.Sleep(ctx, 500*time.Millisecond); err != nil {
			return time.Since(start), err
		}
	}
}

func orWord(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

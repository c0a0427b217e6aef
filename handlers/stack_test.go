package handlers

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"vigie/stack"
)

// fakeStack is a function-field fake of our Stack interface, for rendering
// tests; the real Docker path is tested in stack and cli.
type fakeStack struct {
	snapshot func() []stack.HostState
	find     func(name string) ([]stack.Container, []stack.HostState, error)
	logs     func(c stack.Container, n int) ([]stack.LogLine, error)
	checks   func(o stack.CheckOptions) (stack.Report, error)
}

func (f *fakeStack) Snapshot(context.Context) []stack.HostState { return f.snapshot() }
func (f *fakeStack) Find(_ context.Context, name string) ([]stack.Container, []stack.HostState, error) {
	return f.find(name)
}
func (f *fakeStack) Logs(_ context.Context, c stack.Container, n int) ([]stack.LogLine, error) {
	return f.logs(c, n)
}
func (f *fakeStack) Stats(context.Context, stack.Container) (stack.Stats, error) {
	return stack.Stats{CPUPercent: 1.5, MemoryUsage: 300 << 20}, nil
}
func (f *fakeStack) RunChecks(_ context.Context, _ []stack.Check, o stack.CheckOptions) (stack.Report, error) {
	return f.checks(o)
}

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func sampleStates() []stack.HostState {
	c := func(name, project, svc, state, health string, exit, restarts int, oom bool) stack.Container {
		return stack.Container{Host: "prod", ID: "0123456789abcdef", Name: name, Project: project, Service: svc, State: state,
			Health: health, ExitCode: exit, RestartCount: restarts, OOMKilled: oom, FinishedAt: t0.Add(-3 * time.Minute),
			StartedAt: t0.Add(-time.Hour), Image: "x", MemoryLimit: 512 << 20}
	}
	return []stack.HostState{
		{Host: "prod", Containers: []stack.Container{
			c("javisi_caddy", "javisi", "caddy", "running", "healthy", 0, 0, false),
			c("javisi_nocodb", "javisi", "nocodb", "restarting", "", 1, 12, false),
			c("javisi_grafana", "javisi", "grafana", "running", "unhealthy", 0, 0, false),
			c("javisi_n8n", "javisi", "n8n", "exited", "", 137, 1, true),
			c("javisi_palais", "javisi", "palais", "exited", "", 2, 0, false),
			c("adhoc", "", "", "exited", "", 0, 0, false),
		}},
		{Host: "workstation", Err: &stack.HostError{Host: "workstation", Endpoint: "ssh://pi", Hint: "cannot connect: is dockerd running on that host and the endpoint right?"}},
	}
}

func stackMux(t *testing.T, fs *fakeStack) *Mux {
	m := newMux(t)
	m.deps.Stack = fs
	return m
}

func TestStatusGolden(t *testing.T) {
	golden(t, "status", dump([]Reply{StatusReply(sampleStates(), t0)}))
}

func TestCheckGolden(t *testing.T) {
	rep := stack.Report{Checked: 6, Findings: []stack.Finding{
		{Check: "restart loop", Severity: stack.Critical, Host: "prod", Service: "nocodb", Message: "restart loop: 12 restarts — the logs match §41.1", Sections: []string{"41.1"}, Details: []string{"ERROR … password authentication failed"}},
		{Check: "env_file drift", Severity: stack.Warning, Host: "prod", Service: "nocodb", Message: "env file changed since the container was created: force-recreate needed", Sections: []string{"41.2", "11.18"}, Details: []string{"changed: NC_DB"}},
	}, Failed: []string{"host workstation (ssh://pi): cannot connect"}}
	golden(t, "check", dump([]Reply{CheckReply("Check", "", rep), CheckReply("Check", "caddy", stack.Report{Checked: 1})}))
}

func TestStackCommands(t *testing.T) {
	states := sampleStates()
	fs := &fakeStack{
		snapshot: func() []stack.HostState { return states },
		find: func(name string) ([]stack.Container, []stack.HostState, error) {
			for _, c := range states[0].Containers {
				if c.Service == name {
					return []stack.Container{c}, states, nil
				}
			}
			return nil, states, &stack.UnknownServiceError{Name: name, Known: []string{"caddy", "nocodb"}}
		},
		logs: func(c stack.Container, n int) ([]stack.LogLine, error) {
			var out []stack.LogLine
			for i := 0; i < n; i++ {
				out = append(out, stack.LogLine{Time: t0, Text: "INFO all good token=sk-0123456789abcdefghij"})
			}
			out = append(out, stack.LogLine{Time: t0, Text: `ERROR [ExceptionHandler] error: password authentication failed for user "nocodb"`})
			return out, nil
		},
		checks: func(o stack.CheckOptions) (stack.Report, error) {
			if o.Diagnoser == nil || o.MemoryMinimums["litellm"].Section != "10.2" {
				return stack.Report{}, errors.New("check options not wired")
			}
			return stack.Report{Checked: 1}, nil
		},
	}
	m := stackMux(t, fs)
	run := func(cmd, args string) string {
		rec := &recorder{}
		if err := m.Handle(context.Background(), Request{Command: cmd, Args: args}, rec); err != nil {
			t.Fatal(err)
		}
		return dump(rec.replies)
	}
	if got := run("logs", "nocodb 10"); !strings.Contains(got, "§41.1") || strings.Contains(got, "sk-0123456789abcdefghij") || !strings.Contains(got, "▶ 10:00:00 ERROR") {
		t.Errorf("logs: %s", got)
	}
	if got := run("logs", "nocodb 2000"); !strings.Contains(got, "<file nocodb.log.txt") {
		t.Errorf("a long tail should be a file: %s", got)
	}
	for args, want := range map[string]string{
		"":             "usage: /logs SERVICE [LINES]",
		"nocodb many":  "LINES must be a number from 1 to 2000",
		"nocodb 0":     "LINES must be a number",
		"nocodb 99999": "LINES must be a number",
		"ghost":        `no service or container "ghost" on any host — known: caddy, nocodb`,
	} {
		if got := run("logs", args); !strings.Contains(got, want) || strings.Count(got, "\n") != 1 {
			t.Errorf("/logs %s = %q, want one line with %q", args, got, want)
		}
	}
	if got := run("status", "nocodb"); !strings.Contains(got, "restarting") || !strings.Contains(got, "/logs nocodb") {
		t.Errorf("status nocodb: %s", got)
	}
	if got := run("status", "a b"); !strings.Contains(got, "one service at a time") {
		t.Errorf("status a b: %s", got)
	}
	if got := run("check", ""); !strings.Contains(got, "no finding on 1 container") {
		t.Errorf("check: %s", got)
	}
	if got := run("scan", "x"); !strings.Contains(got, "takes no argument") {
		t.Errorf("scan x: %s", got)
	}
}

func TestHostErrorIsOneClearLine(t *testing.T) {
	fs := &fakeStack{find: func(string) ([]stack.Container, []stack.HostState, error) {
		return nil, nil, &stack.HostError{Host: "local", Endpoint: "unix:///var/run/docker.sock", Hint: "permission denied on the Docker socket: run vigie as a member of the socket's group"}
	}}
	m := stackMux(t, fs)
	rec := &recorder{}
	if err := m.Handle(context.Background(), Request{Command: "logs", Args: "caddy"}, rec); err != nil {
		t.Fatal(err)
	}
	got := dump(rec.replies)
	if !strings.Contains(got, "host local (unix:///var/run/docker.sock): permission denied") || strings.Count(got, "\n") != 1 {
		t.Errorf("got %q", got)
	}
}

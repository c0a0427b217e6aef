package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"time"

	"vigie/handlers"
	"vigie/metrics"
	"vigie/stack"
)

// stack builds the Docker clients of the configured hosts once.
func (e *env) stack() (*stack.Stack, error) {
	if e.stk != nil {
		return e.stk, nil
	}
	var specs []stack.HostSpec
	for _, h := range e.cfg.DockerHosts() {
		sp := stack.HostSpec{Name: h.Name, Endpoint: h.Endpoint}
		if h.TLS != nil {
			sp.TLS = &stack.TLSFiles{CA: h.TLS.CA, Cert: h.TLS.Cert, Key: h.TLS.Key}
		}
		specs = append(specs, sp)
	}
	s, err := stack.New(specs, e.cfg.Checks.Timeout.Std(), e.log.With().Str("component", "stack").Logger())
	if err != nil {
		return nil, err
	}
	s.ObserveErrors(func(string) { e.met.Error(metrics.ComponentDocker) })
	e.stk = s
	return s, nil
}

func cmdStatus(ctx context.Context, e *env, fs *flag.FlagSet, args []string) int {
	if len(args) > 1 {
		return e.usageErr(fs, "one service at a time, e.g. `vigie status nocodb`")
	}
	mux, err := e.handlers()
	if err != nil {
		return e.fail("%v", err)
	}
	if isJSON(fs) {
		s, err := e.stack()
		if err != nil {
			return e.fail("%v", err)
		}
		var states []stack.HostState
		if len(args) == 1 {
			found, st, err := s.Find(ctx, args[0])
			if err != nil {
				return e.fail("%v", err)
			}
			states = []stack.HostState{}
			for _, h := range st {
				h.Containers = nil
				for _, c := range found {
					if c.Host == h.Host {
						h.Containers = append(h.Containers, c)
					}
				}
				states = append(states, h)
			}
		} else {
			states = s.Snapshot(ctx)
		}
		return e.printJSON(statusJSON(states))
	}
	if len(args) == 1 {
		return e.runHandler(ctx, mux, handlers.Request{Command: "status", Args: args[0]})
	}
	s, err := e.stack()
	if err != nil {
		return e.fail("%v", err)
	}
	states := s.Snapshot(ctx)
	fmt.Fprint(e.io.Out, RenderText(handlers.StatusReply(states, time.Now()), e.io.Color))
	for _, st := range states {
		if st.Err != nil {
			return ExitFailure // a host could not be asked
		}
	}
	return ExitOK
}

type containerJSON struct {
	Host         string    `json:"host"`
	Name         string    `json:"name"`
	ID           string    `json:"id"`
	Project      string    `json:"project"`
	Service      string    `json:"service"`
	Image        string    `json:"image"`
	State        string    `json:"state"`
	Health       string    `json:"health"`
	RestartCount int       `json:"restart_count"`
	ExitCode     int       `json:"exit_code"`
	OOMKilled    bool      `json:"oom_killed"`
	StartedAt    time.Time `json:"started_at"`
	FinishedAt   time.Time `json:"finished_at"`
	MemoryLimit  int64     `json:"memory_limit"`
	Problem      string    `json:"problem"`
}

type hostJSON struct {
	Host       string          `json:"host"`
	Error      string          `json:"error,omitempty"`
	Containers []containerJSON `json:"containers"`
}

// statusJSON never carries environment values.
func statusJSON(states []stack.HostState) []hostJSON {
	out := []hostJSON{}
	for _, st := range states {
		h := hostJSON{Host: st.Host, Containers: []containerJSON{}}
		if st.Err != nil {
			h.Error = st.Err.Error()
		}
		for _, c := range st.Containers {
			h.Containers = append(h.Containers, containerJSON{
				Host: c.Host, Name: c.Name, ID: c.ShortID(), Project: c.Project, Service: c.Service, Image: c.Image,
				State: c.State, Health: c.Health, RestartCount: c.RestartCount, ExitCode: c.ExitCode, OOMKilled: c.OOMKilled,
				StartedAt: c.StartedAt, FinishedAt: c.FinishedAt, MemoryLimit: c.MemoryLimit, Problem: c.Problem(),
			})
		}
		out = append(out, h)
	}
	return out
}

func cmdLogs(ctx context.Context, e *env, fs *flag.FlagSet, args []string) int {
	if len(args) < 1 || len(args) > 2 {
		return e.usageErr(fs, "usage: vigie logs SERVICE [LINES]")
	}
	mux, err := e.handlers()
	if err != nil {
		return e.fail("%v", err)
	}
	return e.runHandler(ctx, mux, handlers.Request{Command: "logs", Args: strings.Join(args, " ")})
}

func cmdCheck(ctx context.Context, e *env, fs *flag.FlagSet, args []string) int {
	return e.runChecks(ctx, fs, args, "check")
}

func cmdScan(ctx context.Context, e *env, fs *flag.FlagSet, args []string) int {
	if len(args) > 0 {
		return e.usageErr(fs, "scan takes no argument")
	}
	return e.runChecks(ctx, fs, args, "scan")
}

// runChecks runs /check or /scan; exit 1 when there are findings.
func (e *env) runChecks(ctx context.Context, fs *flag.FlagSet, args []string, what string) int {
	if len(args) > 1 {
		return e.usageErr(fs, "one service at a time, e.g. `vigie check nocodb`")
	}
	s, err := e.stack()
	if err != nil {
		return e.fail("%v", err)
	}
	mux, err := e.handlers()
	if err != nil {
		return e.fail("%v", err)
	}
	svc := strings.Join(args, "")
	checks := stack.Checks()
	if what == "scan" {
		checks = []stack.Check{stack.ScanCheck()}
	}
	rep, err := s.RunChecks(ctx, checks, mux.CheckOptions(svc))
	if err != nil {
		return e.fail("%v", err)
	}
	if isJSON(fs) {
		type findingJSON struct {
			Check     string   `json:"check"`
			Severity  string   `json:"severity"`
			Host      string   `json:"host"`
			Container string   `json:"container"`
			Service   string   `json:"service"`
			Message   string   `json:"message"`
			Sections  []string `json:"sections"`
			Details   []string `json:"details"`
		}
		out := struct {
			Checked  int           `json:"checked"`
			Findings []findingJSON `json:"findings"`
			Failed   []string      `json:"failed"`
		}{Checked: rep.Checked, Findings: []findingJSON{}, Failed: nonNil(rep.Failed)}
		for _, f := range rep.Findings {
			out.Findings = append(out.Findings, findingJSON{f.Check, string(f.Severity), f.Host, f.Container, f.Service, f.Message, nonNil(f.Sections), nonNil(f.Details)})
		}
		enc := json.NewEncoder(e.io.Out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(out); err != nil {
			return e.fail("write output: %v", err)
		}
	} else {
		title := "Check"
		if what == "scan" {
			title = "Scan"
		}
		fmt.Fprint(e.io.Out, RenderText(handlers.CheckReply(title, svc, rep), e.io.Color))
	}
	if len(rep.Findings) > 0 || len(rep.Failed) > 0 {
		return ExitFailure
	}
	return ExitOK
}

package stack

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"syscall"
)

// Check is one read-only check derived from the corpus.
type Check interface {
	Name() string
	Run(ctx context.Context, t *Target) ([]Finding, error)
}

// Match is a corpus section proposed for some text.
type Match struct {
	ID, Title  string
	Confidence string
}

// Diagnoser matches text against the corpus (the knowledge engine, wired in
// by the caller so that stack does not depend on it).
type Diagnoser interface {
	Diagnose(text string) (matches []Match, abstained bool)
}

// MemoryMinimum is a corpus rule: a service needs at least Bytes of memory.
type MemoryMinimum struct {
	Bytes   int64
	Section string
}

// Target is what a check looks at: one host's containers and the means to
// look further (logs, images, files when the host is local).
type Target struct {
	Host       string
	Containers []Container // the containers checked (one service, or all)
	All        []Container // every container of the host
	Engine     Engine
	Local      bool   // the host's files (compose, env files) are readable here
	SocketPath string // the local Docker socket, "" when remote

	Diagnoser        Diagnoser
	MemoryMinimums   map[string]MemoryMinimum // by service name
	LogLines         int
	RestartThreshold int

	// ReadFile reads a file of the host (os.ReadFile when local).
	ReadFile func(path string) ([]byte, error)
	// SocketGID returns the group id owning the Docker socket.
	SocketGID func() (int, error)
}

// Checks is the ordered list of checks /check runs.
func Checks() []Check {
	return []Check{
		envFileDrift{},
		healthcheckLocalhost{},
		unhealthyProbe{},
		socketGroup{},
		sandboxImage{},
		pg18Mount{},
		capabilities{},
		oomKilled{},
		memoryMinimum{},
		restartLoop{},
	}
}

// ScanCheck is the log-signature check /scan runs on its own.
func ScanCheck() Check { return logSignatures{} }

// CheckOptions are the settings of a check run.
type CheckOptions struct {
	Service          string // "" = every container
	Diagnoser        Diagnoser
	MemoryMinimums   map[string]MemoryMinimum
	LogLines         int
	RestartThreshold int
}

// Report is the outcome of a check run over every host.
type Report struct {
	Findings []Finding
	Failed   []string // checks or hosts that could not run, one line each
	Checked  int      // containers looked at
}

// RunChecks runs the checks over every host, each check in parallel under a
// timeout; one failing check or host never hides the others.
func (s *Stack) RunChecks(ctx context.Context, checks []Check, o CheckOptions) (Report, error) {
	var (
		states []HostState
		rep    Report
	)
	if o.Service != "" {
		found, st, err := s.Find(ctx, o.Service)
		if err != nil {
			return rep, err
		}
		states = st
		byHost := map[string][]Container{}
		for _, c := range found {
			byHost[c.Host] = append(byHost[c.Host], c)
		}
		for i := range states {
			states[i].Containers, _ = filterHost(states[i].Containers, byHost[states[i].Host])
		}
	} else {
		states = s.Snapshot(ctx)
	}
	if o.LogLines <= 0 {
		o.LogLines = 200
	}
	if o.RestartThreshold <= 0 {
		o.RestartThreshold = 3
	}
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for _, st := range states {
		if st.Err != nil {
			rep.Failed = append(rep.Failed, st.Err.Error())
			continue
		}
		all := st.Containers
		checked := st.Containers
		if o.Service != "" {
			checked = selected(st)
		}
		if len(checked) == 0 {
			continue
		}
		rep.Checked += len(checked)
		t := s.target(st.Host, checked, all, o)
		for _, c := range checks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cctx, cancel := context.WithTimeout(ctx, s.timeout)
				defer cancel()
				fs, err := runCheck(cctx, c, t)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					rep.Failed = append(rep.Failed, fmt.Sprintf("check %s on host %s: %v", c.Name(), st.Host, err))
				}
				for i := range fs {
					fs[i].Check = c.Name()
					fs[i].Host = st.Host
				}
				rep.Findings = append(rep.Findings, fs...)
			}()
		}
	}
	wg.Wait()
	sortFindings(rep.Findings)
	sort.Strings(rep.Failed)
	return rep, nil
}

// runCheck runs one check, turning a panic into an error. A check that
// outlives ctx is reported as timed out; its late results go to a buffered
// channel nobody reads (not to the results already returned: a data race).
func runCheck(ctx context.Context, c Check, t *Target) ([]Finding, error) {
	type result struct {
		fs  []Finding
		err error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if p := recover(); p != nil {
				r = result{err: fmt.Errorf("panic: %v", p)}
			}
			done <- r
		}()
		r.fs, r.err = c.Run(ctx, t)
	}()
	select {
	case r := <-done:
		return r.fs, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("timed out")
	}
}

// filterHost marks the containers of a host that were found; the marked
// ones are kept in the Containers of the state through selected().
func filterHost(all, found []Container) ([]Container, bool) {
	ids := map[string]bool{}
	for _, c := range found {
		ids[c.ID] = true
	}
	for i := range all {
		if ids[all[i].ID] {
			if all[i].Labels == nil {
				all[i].Labels = map[string]string{}
			}
			all[i].Labels[selectedLabel] = "1"
		}
	}
	return all, len(found) > 0
}

const selectedLabel = "vigie.internal.selected"

func selected(st HostState) []Container {
	var out []Container
	for _, c := range st.Containers {
		if c.Labels[selectedLabel] == "1" {
			out = append(out, c)
		}
	}
	return out
}

func (s *Stack) target(hostName string, checked, all []Container, o CheckOptions) *Target {
	t := &Target{
		Host: hostName, Containers: checked, All: all, Engine: s.Engine(hostName),
		Local: s.Local(hostName), SocketPath: s.SocketPath(hostName),
		Diagnoser: o.Diagnoser, MemoryMinimums: o.MemoryMinimums,
		LogLines: o.LogLines, RestartThreshold: o.RestartThreshold,
	}
	if t.Local {
		t.ReadFile = os.ReadFile
		sock := t.SocketPath
		t.SocketGID = func() (int, error) {
			st, err := os.Stat(sock)
			if err != nil {
				return 0, err
			}
			if sys, ok := st.Sys().(*syscall.Stat_t); ok {
				return int(sys.Gid), nil
			}
			return 0, fmt.Errorf("no owner for %s", sock)
		}
	}
	return t
}

var severityRank = map[Severity]int{Critical: 0, Warning: 1, Info: 2}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if severityRank[a.Severity] != severityRank[b.Severity] {
			return severityRank[a.Severity] < severityRank[b.Severity]
		}
		if a.Host != b.Host {
			return a.Host < b.Host
		}
		if a.Container != b.Container {
			return a.Container < b.Container
		}
		return a.Check < b.Check
	})
}

// finding starts a finding about a container.
func finding(c Container, sev Severity, msg string, sections ...string) Finding {
	return Finding{Severity: sev, Container: c.Name, Service: c.Service, Project: c.Project, Message: msg, Sections: sections}
}

// diagnoseLines matches log or probe text against the corpus and returns
// the confident sections, "" titles included for the message.
func diagnoseLines(d Diagnoser, text string) []Match {
	if d == nil || strings.TrimSpace(text) == "" {
		return nil
	}
	ms, abstained := d.Diagnose(text)
	if abstained {
		return nil
	}
	var out []Match
	for _, m := range ms {
		if m.Confidence == "high" || m.Confidence == "medium" {
			out = append(out, m)
		}
		if len(out) == 2 {
			break
		}
	}
	return out
}

func ids(ms []Match) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

// recentLogText returns the last lines of a container's log as text.
func recentLogText(ctx context.Context, t *Target, c Container, n int) (string, []LogLine, error) {
	lines, err := t.Engine.Logs(ctx, c.ID, n)
	if err != nil {
		return "", nil, err
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.Text)
		b.WriteByte('\n')
	}
	return b.String(), lines, nil
}

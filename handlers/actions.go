package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"vigie/redact"
	"vigie/runbooks"
	"vigie/stack"
	"vigie/store"
)

// Executor is what actions need of the stack.
type Executor interface {
	Find(ctx context.Context, name string) ([]stack.Container, []stack.HostState, error)
	Engine(host string) stack.Engine
	RestartContainer(ctx context.Context, c stack.Container) error
	StartContainer(ctx context.Context, c stack.Container) error
	StopContainer(ctx context.Context, c stack.Container) error
	RunCompose(ctx context.Context, cmp stack.Compose, call stack.ComposeCall) (string, error)
	WaitRunning(ctx context.Context, host string, want func(stack.Container) bool, timeout time.Duration) (stack.Container, time.Duration, error)
	WaitGone(ctx context.Context, host string, want func(stack.Container) bool, timeout time.Duration) (time.Duration, error)
}

// Pending keeps plans waiting for confirmation, so that a restart neither
// orphans nor double-runs a button.
type Pending interface {
	PutPending(ctx context.Context, p store.PendingAction) error
	GetPending(ctx context.Context, id string) (store.PendingAction, error)
	TransitionPending(ctx context.Context, id, from, to string) (store.PendingAction, error)
}

// ActionSettings configure remediation.
type ActionSettings struct {
	Runbooks   []runbooks.Runbook
	Executor   Executor
	Pending    Pending
	Compose    stack.Compose
	ReadOnly   bool
	ConfirmTTL time.Duration
	// Expect, when set, is told before an action touches containers, so
	// that the alert watcher does not report what an operator just asked
	// for (a restart is a death too). Empty fields match anything.
	Expect func(host, project, service, name string, within time.Duration)
}

// locks serialise actions per target: one action on a service at a time.
type locks struct {
	mu   sync.Mutex
	busy map[string]bool
}

func (l *locks) try(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.busy == nil {
		l.busy = map[string]bool{}
	}
	if l.busy[key] {
		return false
	}
	l.busy[key] = true
	return true
}

func (l *locks) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.busy, key)
}

// step is one resolved action: what will run, on what.
type step struct {
	spec      runbooks.Step
	container stack.Container // container actions
	call      stack.ComposeCall
	line      string // what the plan shows
}

func (m *Mux) actionsEnabled() error {
	a := m.deps.Actions
	if a.ReadOnly {
		return Userf("actions are disabled in this vigie (safety.read_only): nothing was done")
	}
	if a.Executor == nil || a.Pending == nil || len(a.Runbooks) == 0 {
		return Userf("actions are not available in this vigie (no Docker host or no store)")
	}
	return nil
}

// runbookFor picks the runbook of a command: /recreate SVC, /restart SVC,
// /opencut on|off|status.
func (m *Mux) runbookFor(cmd string, args []string) (runbooks.Runbook, map[string]string, error) {
	var cands []runbooks.Runbook
	for _, r := range m.deps.Actions.Runbooks {
		if r.Command == cmd {
			cands = append(cands, r)
		}
	}
	if len(cands) == 0 {
		return runbooks.Runbook{}, nil, Userf("no runbook for /%s", cmd)
	}
	rb := cands[0]
	if rb.Subcommand != "" {
		var modes []string
		for _, r := range cands {
			modes = append(modes, r.Subcommand)
		}
		if len(args) == 0 {
			return rb, nil, Userf("usage: /%s %s", cmd, strings.Join(modes, "|"))
		}
		r, ok := runbooks.ForCommand(m.deps.Actions.Runbooks, cmd, args[0])
		if !ok {
			return rb, nil, Userf("usage: /%s %s", cmd, strings.Join(modes, "|"))
		}
		rb, args = r, args[1:]
	}
	params := map[string]string{}
	for i, p := range rb.Params {
		if i < len(args) {
			params[p.Name] = args[i]
		}
	}
	if len(args) > len(rb.Params) {
		return rb, nil, Userf("too many arguments: /%s takes %d", cmd, len(rb.Params))
	}
	for _, p := range rb.Params {
		if p.Required && params[p.Name] == "" {
			return rb, nil, Userf("usage: /%s %s", cmd, strings.ToUpper(p.Name))
		}
	}
	return rb, params, nil
}

// resolve turns a plan's steps into concrete targets on the live stack.
func (m *Mux) resolve(ctx context.Context, plan runbooks.Plan) ([]step, error) {
	ex := m.deps.Actions.Executor
	var out []step
	for _, s := range plan.Steps {
		st := step{spec: s}
		switch s.Kind {
		case runbooks.ContainerRestart, runbooks.ContainerStart, runbooks.ContainerStop, runbooks.ComposeRecreate:
			found, _, err := ex.Find(ctx, s.Target)
			if err != nil {
				return nil, stackErr(err)
			}
			if s.Host != "" {
				var on []stack.Container
				for _, c := range found {
					if c.Host == s.Host {
						on = append(on, c)
					}
				}
				if len(on) == 0 {
					return nil, Userf("no %s on host %s", s.Target, s.Host)
				}
				found = on
			}
			if len(found) > 1 {
				var names []string
				for _, c := range found {
					names = append(names, c.Host+"/"+c.Name)
				}
				return nil, Userf("%s names %d containers (%s): name one container", s.Target, len(found), strings.Join(names, ", "))
			}
			st.container = found[0]
			verb := strings.TrimPrefix(string(s.Kind), "container.")
			st.line = fmt.Sprintf("%s container %s on %s", verb, st.container.Name, st.container.Host)
			if s.Kind == runbooks.ComposeRecreate {
				call, err := stack.RecreateCall(st.container)
				if err != nil {
					return nil, &UserError{Msg: err.Error()}
				}
				st.call = call
				st.line = fmt.Sprintf("on %s: %s", call.Host, call.String(m.deps.Actions.Compose.Command))
			}
		case runbooks.ComposeUp, runbooks.ComposeDown, runbooks.ComposePs:
			if ex.Engine(s.Host) == nil {
				return nil, Userf("no Docker host %q in the configuration (hosts:)", s.Host)
			}
			if _, err := os.Stat(s.File); err != nil {
				return nil, Userf("compose file %s is missing on this machine: nothing was done", s.File)
			}
			args := map[runbooks.Kind][]string{runbooks.ComposeUp: {"up", "-d"}, runbooks.ComposeDown: {"down"}, runbooks.ComposePs: {"ps"}}[s.Kind]
			st.call = stack.ComposeCall{Host: s.Host, Project: s.Project, Files: []string{s.File}, Dir: filepath.Dir(s.File), Args: args}
			st.line = fmt.Sprintf("on %s: %s", s.Host, st.call.String(m.deps.Actions.Compose.Command))
		default:
			return nil, Userf("action %s is not supported here", s.Kind)
		}
		out = append(out, st)
	}
	return out, nil
}

// runAction answers /recreate, /restart, /opencut: a plan with ✅ Confirm
// and ❌ Cancel, kept in the store; read-only runbooks run at once.
func runAction(ctx context.Context, m *Mux, req Request, out Replier) error {
	if err := m.actionsEnabled(); err != nil {
		return err
	}
	rb, params, err := m.runbookFor(req.Command, strings.Fields(req.Args))
	if err != nil {
		return err
	}
	plan, err := rb.Render(params)
	if err != nil {
		return &UserError{Msg: err.Error()}
	}
	steps, err := m.resolve(ctx, plan)
	if err != nil {
		return err
	}
	if plan.ReadOnly() {
		return m.execute(ctx, req, rb, steps, "", out)
	}
	var raw [8]byte
	_, _ = rand.Read(raw[:])
	id := hex.EncodeToString(raw[:])
	ttl := m.deps.Actions.ConfirmTTL
	if ttl <= 0 {
		ttl = 5 * time.Minute
	}
	now := time.Now()
	p := store.PendingAction{ID: id, ChatID: req.ChatID, UserID: req.UserID, Runbook: rb.ID, Version: rb.Version,
		Params: params, Created: now, Expires: now.Add(ttl), State: store.StatePending}
	if err := m.deps.Actions.Pending.PutPending(ctx, p); err != nil {
		return Userf("audit unavailable — nothing was done (%v)", err)
	}
	m.auditAction(ctx, req, rb, id, "requested", "pending", "")
	var lines []string
	for _, s := range steps {
		lines = append(lines, s.line)
	}
	return out.Send(ctx, Reply{
		Blocks: []Block{
			{Kind: Heading, Text: "🛠 " + rb.Title},
			{Kind: Text, Text: confirmText(steps)},
			{Kind: Code, Text: strings.Join(lines, "\n")},
			{Kind: Note, Text: fmt.Sprintf("operators only · expires in %s · runs once", ttl.Round(time.Second))},
		},
		Buttons: [][]Button{{
			{Label: "✅ Confirm", Action: "confirm", Arg: id},
			{Label: "❌ Cancel", Action: "cancel", Arg: id},
		}},
	})
}

func confirmText(steps []step) string {
	var parts []string
	for _, s := range steps {
		if s.spec.Confirm != "" {
			parts = append(parts, s.spec.Confirm)
		}
	}
	if len(parts) == 0 {
		return "This will run:"
	}
	return strings.Join(parts, "\n")
}

// runConfirm runs a confirmed plan once: re-validated, audited before it
// runs and after, verified.
func runConfirm(ctx context.Context, m *Mux, req Request, out Replier) error {
	if err := m.actionsEnabled(); err != nil {
		return err
	}
	id := strings.TrimSpace(req.Args)
	p, err := m.deps.Actions.Pending.GetPending(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Userf("expired — nothing was done")
	case err != nil:
		return Userf("audit unavailable — nothing was done")
	case p.ChatID != req.ChatID:
		return Userf("expired — nothing was done")
	case p.State != store.StatePending:
		return Userf("this plan was already %s — nothing more was done", p.State)
	case time.Now().After(p.Expires):
		_, _ = m.deps.Actions.Pending.TransitionPending(ctx, id, store.StatePending, store.StateExpired)
		return Userf("expired — nothing was done")
	}
	var rb runbooks.Runbook
	for _, r := range m.deps.Actions.Runbooks {
		if r.ID == p.Runbook {
			rb = r
		}
	}
	if rb.ID == "" || rb.Version != p.Version {
		_, _ = m.deps.Actions.Pending.TransitionPending(ctx, id, store.StatePending, store.StateCancelled)
		return Userf("the runbook %s changed since this plan — nothing was done; ask again", p.Runbook)
	}
	plan, err := rb.Render(p.Params)
	if err != nil {
		return &UserError{Msg: err.Error()}
	}
	steps, err := m.resolve(ctx, plan) // the target must still be there
	if err != nil {
		return err
	}
	return m.execute(ctx, req, rb, steps, id, out)
}

func runCancel(ctx context.Context, m *Mux, req Request, out Replier) error {
	if m.deps.Actions.Pending == nil {
		return Userf("nothing to cancel")
	}
	id := strings.TrimSpace(req.Args)
	if _, err := m.deps.Actions.Pending.TransitionPending(ctx, id, store.StatePending, store.StateCancelled); err != nil {
		return Userf("nothing to cancel — nothing was done")
	}
	return out.Send(ctx, Reply{Blocks: []Block{{Kind: Text, Text: "❌ cancelled — nothing was done"}}})
}

// auditAction writes one phase of an action; it reports failure.
func (m *Mux) auditAction(ctx context.Context, req Request, rb runbooks.Runbook, ref, phase, outcome, detail string) error {
	if m.deps.Audit == nil {
		return errors.New("no audit trail")
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditTimeout)
	defer cancel()
	_, err := m.deps.Audit.Audit(ctx, store.AuditEntry{Time: time.Now(), ChatID: req.ChatID, UserID: req.UserID,
		Kind: "action", Command: rb.ID, Args: redact.String(req.Args), Outcome: outcome, Ref: ref, Phase: phase, Detail: detail})
	return err
}

// countAction counts a confirmed action (id is its plan) by outcome;
// read-only runbooks (no plan) are not actions.
func (m *Mux) countAction(id, runbook, outcome string) {
	if id != "" {
		m.deps.Metrics.Action(runbook, outcome)
	}
}

// execute runs resolved steps under per-target locks, after the audit
// record is written; id is the pending plan ("" for read-only runbooks).
func (m *Mux) execute(ctx context.Context, req Request, rb runbooks.Runbook, steps []step, id string, out Replier) error {
	for _, s := range steps {
		key := s.container.Host + "/" + s.container.Name
		if s.container.ID == "" {
			key = s.call.Host + "/" + strings.Join(s.call.Files, ",")
		}
		if !m.locks.try(key) {
			m.countAction(id, rb.ID, "refused")
			return Userf("another action on %s is running — try again when it ends; nothing was done", key)
		}
		defer m.locks.release(key)
	}
	if id != "" {
		if err := m.auditAction(ctx, req, rb, id, "confirmed", "running", ""); err != nil {
			_, _ = m.deps.Actions.Pending.TransitionPending(ctx, id, store.StatePending, store.StateFailed)
			m.countAction(id, rb.ID, "refused")
			return Userf("audit unavailable — nothing was done")
		}
		if _, err := m.deps.Actions.Pending.TransitionPending(ctx, id, store.StatePending, store.StateRunning); err != nil {
			m.countAction(id, rb.ID, "refused")
			if errors.Is(err, store.ErrConflict) {
				return Userf("this plan already ran — nothing more was done")
			}
			return Userf("audit unavailable — nothing was done")
		}
		_ = out.Send(ctx, Reply{Blocks: []Block{{Kind: Heading, Text: "⏳ " + rb.Title + " — running…"}}})
	}
	start := time.Now()
	var results []string
	var failure error
	var output string
	for _, s := range steps {
		res, outp, err := m.runStep(ctx, s)
		output = outp
		if err != nil {
			failure = err
			break
		}
		results = append(results, res)
	}
	outcome, state := "ok", store.StateDone
	if failure != nil {
		outcome, state = "failed: "+failure.Error(), store.StateFailed
		m.countAction(id, rb.ID, "failed")
	} else {
		m.countAction(id, rb.ID, "ok")
	}
	if id != "" {
		_ = m.auditAction(ctx, req, rb, id, "finished", outcome, strings.Join(results, "; "))
		_, _ = m.deps.Actions.Pending.TransitionPending(ctx, id, store.StateRunning, state)
	}
	took := time.Since(start).Round(time.Second)
	if failure != nil {
		blocks := []Block{{Kind: Heading, Text: "⛔ " + rb.Title + " — failed after " + took.String()}, {Kind: Text, Text: failure.Error()}}
		if output != "" {
			blocks = append(blocks, Block{Kind: Code, Text: redact.String(lastLinesOf(output, 20))})
		}
		return out.Send(ctx, Reply{Blocks: blocks})
	}
	blocks := []Block{{Kind: Heading, Text: "✅ " + strings.Join(results, "\n")}}
	if output != "" {
		blocks = append(blocks, Block{Kind: Code, Text: redact.String(lastLinesOf(output, 20))})
	}
	return out.Send(ctx, Reply{Blocks: blocks})
}

// runCompose runs a compose command; on failure the output is compose's own
// (what it printed before failing) when the error carries it.
func (m *Mux) runCompose(ctx context.Context, call stack.ComposeCall) (string, error) {
	output, err := m.deps.Actions.Executor.RunCompose(ctx, m.deps.Actions.Compose, call)
	var ce *stack.ComposeError
	if errors.As(err, &ce) {
		output = ce.Output
	}
	return output, err
}

// runStep runs one step and verifies it; the result reads as a sentence.
func (m *Mux) runStep(ctx context.Context, s step) (result, output string, err error) {
	ex := m.deps.Actions.Executor
	timeout := s.spec.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	c := s.container
	if exp := m.deps.Actions.Expect; exp != nil && s.spec.Kind != runbooks.ComposePs {
		if s.call.Project != "" && c.Name == "" {
			exp(s.call.Host, s.call.Project, "", "", timeout+time.Minute)
		} else {
			exp(c.Host, c.Project, c.Service, c.Name, timeout+time.Minute)
		}
	}
	sameService := func(x stack.Container) bool {
		if c.Project != "" && c.Service != "" {
			return x.Project == c.Project && x.Service == c.Service
		}
		return x.Name == c.Name
	}
	switch s.spec.Kind {
	case runbooks.ContainerRestart, runbooks.ContainerStart:
		if s.spec.Kind == runbooks.ContainerRestart {
			err = ex.RestartContainer(ctx, c)
		} else {
			err = ex.StartContainer(ctx, c)
		}
		if err != nil {
			return "", "", err
		}
		return m.verifyRunning(ctx, c.Host, sameService, c.Label(), strings.TrimPrefix(string(s.spec.Kind), "container.")+"ed", timeout)
	case runbooks.ContainerStop:
		if err := ex.StopContainer(ctx, c); err != nil {
			return "", "", err
		}
		return c.Label() + " stopped", "", nil
	case runbooks.ComposeRecreate:
		if output, err = m.runCompose(ctx, s.call); err != nil {
			return "", output, err
		}
		return m.verifyRunning(ctx, c.Host, sameService, c.Label(), "recreated", timeout)
	case runbooks.ComposeUp, runbooks.ComposeDown, runbooks.ComposePs:
		if output, err = m.runCompose(ctx, s.call); err != nil {
			return "", output, err
		}
		project := func(x stack.Container) bool { return s.call.Project != "" && x.Project == s.call.Project }
		switch s.spec.Kind {
		case runbooks.ComposeUp:
			r, _, err := m.verifyRunning(ctx, s.call.Host, project, s.call.Project, "started", timeout)
			return r, output, err
		case runbooks.ComposeDown:
			took, err := ex.WaitGone(ctx, s.call.Host, project, timeout)
			if err != nil {
				return "", output, err
			}
			return fmt.Sprintf("%s stopped — containers gone after %s", s.call.Project, took.Round(time.Second)), output, nil
		}
		return s.call.Project + " status", output, nil
	}
	return "", "", fmt.Errorf("action %s is not supported", s.spec.Kind)
}

func (m *Mux) verifyRunning(ctx context.Context, host string, want func(stack.Container) bool, name, verb string, timeout time.Duration) (string, string, error) {
	c, took, err := m.deps.Actions.Executor.WaitRunning(ctx, host, want, timeout)
	if err != nil {
		return "", "", fmt.Errorf("%s %s, then not verified: %v", name, verb, err)
	}
	state := "running"
	if c.Health == "healthy" {
		state = "healthy"
	}
	return fmt.Sprintf("%s %s — %s after %s, %d restart%s", name, verb, state, took.Round(time.Second), c.RestartCount, plural(c.RestartCount)), "", nil
}

func lastLinesOf(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// actionButtons offers the runbooks that remedy a section, for a service.
func (m *Mux) actionButtons(section, service string) []Button {
	if m.deps.Actions.ReadOnly || m.deps.Actions.Executor == nil || service == "" {
		return nil
	}
	var out []Button
	for _, rb := range runbooks.ForSection(m.deps.Actions.Runbooks, section) {
		if len(rb.Params) != 1 || rb.Params[0].Infer != "service" {
			continue
		}
		out = append(out, Button{Label: "🛠 " + strings.ToUpper(rb.Command[:1]) + rb.Command[1:] + " " + service, Action: rb.Command, Arg: service})
	}
	return out
}

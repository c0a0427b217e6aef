package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"vigie/knowledge"
	"vigie/stack"
)

// Stack is what the handlers need of the live stack.
type Stack interface {
	Snapshot(ctx context.Context) []stack.HostState
	Find(ctx context.Context, name string) ([]stack.Container, []stack.HostState, error)
	Logs(ctx context.Context, c stack.Container, n int) ([]stack.LogLine, error)
	Stats(ctx context.Context, c stack.Container) (stack.Stats, error)
	RunChecks(ctx context.Context, checks []stack.Check, o stack.CheckOptions) (stack.Report, error)
}

// CheckSettings are the knobs of /check and /scan.
type CheckSettings struct {
	LogLines         int
	RestartThreshold int
}

// Diagnoser adapts the knowledge engine to the checks' matcher.
type Diagnoser struct{ K Knowledge }

// Diagnose matches text and reports the matches, as the checks want them.
func (d Diagnoser) Diagnose(text string) ([]stack.Match, bool) {
	res := d.K.Match(text)
	out := make([]stack.Match, 0, len(res.Matches))
	for _, m := range res.Matches {
		out = append(out, stack.Match{ID: m.ID, Title: cleanTitle(m.Title), Confidence: string(m.Confidence)})
	}
	return out, res.Abstained
}

// memoryMinimums turns the corpus's memory floors into the checks' map.
func memoryMinimums(k Knowledge) map[string]stack.MemoryMinimum {
	mm, ok := k.(interface {
		MemoryMinimums() []knowledge.MemoryMinimum
	})
	if !ok {
		return nil
	}
	out := map[string]stack.MemoryMinimum{}
	for _, m := range mm.MemoryMinimums() {
		out[m.Service] = stack.MemoryMinimum{Bytes: m.Bytes, Section: m.Section}
	}
	return out
}

// stackErr turns stack errors into the one line a user sees.
func stackErr(err error) error {
	var ue *stack.UnknownServiceError
	if errors.As(err, &ue) {
		msg := fmt.Sprintf("no service or container %q on any host", ue.Name)
		if len(ue.Known) > 0 {
			k := ue.Known
			if len(k) > 10 {
				k = append(k[:10:10], "…")
			}
			msg += " — known: " + strings.Join(k, ", ")
		}
		return &UserError{Msg: msg}
	}
	var he *stack.HostError
	if errors.As(err, &he) {
		return &UserError{Msg: joinedHostErrors(err)}
	}
	if errors.Is(err, stack.ErrNoHost) {
		return Userf("no Docker host configured: add one under hosts: in the configuration")
	}
	return err
}

// joinedHostErrors renders one or several host errors, one per line.
func joinedHostErrors(err error) string {
	var lines []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

func (m *Mux) needStack() error {
	if m.deps.Stack == nil {
		return Userf("Docker is not configured for this vigie (no hosts)")
	}
	return nil
}

package handlers

import (
	"context"
	"fmt"
	"strings"

	"vigie/stack"
)

var severityIcon = map[stack.Severity]string{stack.Critical: "⛔", stack.Warning: "⚠️", stack.Info: "ℹ️"}

// CheckOptions are the options /check and /scan run with.
func (m *Mux) CheckOptions(service string) stack.CheckOptions {
	return stack.CheckOptions{
		Service:          service,
		Diagnoser:        Diagnoser{K: m.deps.Knowledge},
		MemoryMinimums:   memoryMinimums(m.deps.Knowledge),
		LogLines:         m.deps.Checks.LogLines,
		RestartThreshold: m.deps.Checks.RestartThreshold,
	}
}

func runCheck(ctx context.Context, m *Mux, req Request, out Replier) error {
	if err := m.needStack(); err != nil {
		return err
	}
	svc := strings.TrimSpace(req.Args)
	if f := strings.Fields(svc); len(f) > 1 {
		return Userf("one service at a time, e.g. /check %s (or /check for all)", f[0])
	}
	rep, err := m.deps.Stack.RunChecks(ctx, stack.Checks(), m.CheckOptions(svc))
	if err != nil {
		return stackErr(err)
	}
	reply := CheckReply("Check", svc, rep)
	var row []Button
	seen := map[string]bool{}
	for _, f := range rep.Findings {
		for _, sec := range f.Sections {
			for _, b := range m.actionButtons(sec, f.Service) {
				if key := b.Action + " " + b.Arg; !seen[key] && len(row) < 3 {
					seen[key] = true
					row = append(row, b)
				}
			}
		}
	}
	if len(row) > 0 {
		reply.Buttons = append([][]Button{row}, reply.Buttons...)
	}
	return out.Send(ctx, reply)
}

func runScan(ctx context.Context, m *Mux, req Request, out Replier) error {
	if err := m.needStack(); err != nil {
		return err
	}
	if strings.TrimSpace(req.Args) != "" {
		return Userf("/scan takes no argument: it reads the last lines of every running container")
	}
	rep, err := m.deps.Stack.RunChecks(ctx, []stack.Check{stack.ScanCheck()}, m.CheckOptions(""))
	if err != nil {
		return stackErr(err)
	}
	return out.Send(ctx, CheckReply("Scan", "", rep))
}

// CheckReply renders findings, worst first, each with the sections it cites.
func CheckReply(what, svc string, rep stack.Report) Reply {
	scope := "all containers"
	if svc != "" {
		scope = svc
	}
	blocks := []Block{{Kind: Heading, Text: fmt.Sprintf("%s — %s", what, scope)}}
	var row []Button
	seen := map[string]bool{}
	switch {
	case len(rep.Findings) == 0 && len(rep.Failed) > 0 && rep.Checked == 0:
		blocks = append(blocks, Block{Kind: Text, Text: "⚠️ nothing could be checked"})
	case len(rep.Findings) == 0:
		blocks = append(blocks, Block{Kind: Text, Text: fmt.Sprintf("✅ no finding on %d container%s", rep.Checked, plural(rep.Checked))})
	}
	for _, f := range rep.Findings {
		line := severityIcon[f.Severity] + " " + f.Host + "/`" + labelOf(f) + "` — " + f.Message
		if len(f.Sections) > 0 {
			line += " (§" + strings.Join(f.Sections, ", §") + ")"
		}
		for _, d := range f.Details {
			line += "\n    " + d
		}
		blocks = append(blocks, Block{Kind: Text, Text: line})
		for _, s := range f.Sections {
			if !seen[s] && len(row) < 4 {
				seen[s] = true
				row = append(row, Button{Label: "📖 " + s, Action: "pitfall", Arg: s})
			}
		}
	}
	if len(rep.Failed) > 0 {
		blocks = append(blocks, Block{Kind: Note, Text: "not checked: " + strings.Join(rep.Failed, "\n")})
	}
	if len(rep.Findings) > 0 {
		blocks = append(blocks, Block{Kind: Note, Text: fmt.Sprintf("%d finding%s on %d container%s checked", len(rep.Findings), plural(len(rep.Findings)), rep.Checked, plural(rep.Checked))})
	}
	r := Reply{Blocks: blocks}
	if len(row) > 0 {
		r.Buttons = [][]Button{row}
	}
	return r
}

func labelOf(f stack.Finding) string {
	if f.Service != "" {
		return f.Service
	}
	return f.Container
}

package handlers

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"vigie/stack"
)

var problemIcon = map[string]string{"exited": "⛔", "restarting": "🔁", "unhealthy": "⚠️", "oom": "💥"}

func runStatus(ctx context.Context, m *Mux, req Request, out Replier) error {
	if err := m.needStack(); err != nil {
		return err
	}
	if name := strings.TrimSpace(req.Args); name != "" {
		if f := strings.Fields(name); len(f) > 1 {
			return Userf("one service at a time, e.g. /status %s", f[0])
		}
		return m.statusOf(ctx, name, out)
	}
	return out.Send(ctx, StatusReply(m.deps.Stack.Snapshot(ctx), time.Now()))
}

// StatusReply renders every host on one screen: problems first, then the
// healthy counts per host and compose project.
func StatusReply(states []stack.HostState, now time.Time) Reply {
	var problems, counts, down []string
	total := 0
	for _, st := range states {
		if st.Err != nil {
			down = append(down, "🚫 "+st.Err.Error())
			continue
		}
		type tally struct{ up, stopped, bad int }
		byProject := map[string]*tally{}
		for _, c := range st.Containers {
			total++
			p := c.Project
			if p == "" {
				p = "(no project)"
			}
			t := byProject[p]
			if t == nil {
				t = &tally{}
				byProject[p] = t
			}
			if pr := c.Problem(); pr != "" {
				t.bad++
				problems = append(problems, problemLine(c, pr, now))
				continue
			}
			if c.State == "running" {
				t.up++
			} else {
				t.stopped++
			}
		}
		names := make([]string, 0, len(byProject))
		for p := range byProject {
			names = append(names, p)
		}
		sort.Strings(names)
		var parts []string
		for _, p := range names {
			t := byProject[p]
			s := fmt.Sprintf("%s %d up", p, t.up)
			if t.stopped > 0 {
				s += fmt.Sprintf(", %d stopped", t.stopped)
			}
			if t.bad > 0 {
				s += fmt.Sprintf(", %d in trouble", t.bad)
			}
			parts = append(parts, s)
		}
		if len(parts) == 0 {
			parts = []string{"no container"}
		}
		icon := "✅"
		for _, p := range names {
			if byProject[p].bad > 0 {
				icon = "⚠️"
			}
		}
		counts = append(counts, icon+" "+st.Host+" — "+strings.Join(parts, " · "))
	}
	blocks := []Block{{Kind: Heading, Text: fmt.Sprintf("Stack status — %d container%s on %d host%s", total, plural(total), len(states), plural(len(states)))}}
	if len(problems) > 0 {
		blocks = append(blocks, Block{Kind: Text, Text: strings.Join(problems, "\n")})
	}
	blocks = append(blocks, Block{Kind: Text, Text: strings.Join(append(counts, down...), "\n")})
	if len(problems) > 0 {
		blocks = append(blocks, Block{Kind: Note, Text: "/check SERVICE explains a problem · /logs SERVICE shows its log"})
	}
	return Reply{Blocks: blocks}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func problemLine(c stack.Container, problem string, now time.Time) string {
	where := c.Host + "/"
	if c.Project != "" {
		where += c.Project + " "
	}
	s := problemIcon[problem] + " " + where + "`" + c.Label() + "`"
	switch problem {
	case "exited":
		s += fmt.Sprintf(" — exited (%d)", c.ExitCode)
		if !c.FinishedAt.IsZero() {
			s += " " + ago(now.Sub(c.FinishedAt)) + " ago"
		}
	case "restarting":
		s += fmt.Sprintf(" — restarting, %d restart%s", c.RestartCount, plural(c.RestartCount))
	case "unhealthy":
		s += " — unhealthy"
	case "oom":
		s += " — killed for memory (OOM)"
		if c.MemoryLimit > 0 {
			s += " under " + humanBytes(c.MemoryLimit)
		}
	}
	if problem != "restarting" && c.RestartCount > 0 {
		s += fmt.Sprintf(", %d restart%s", c.RestartCount, plural(c.RestartCount))
	}
	return s
}

func (m *Mux) statusOf(ctx context.Context, name string, out Replier) error {
	found, states, err := m.deps.Stack.Find(ctx, name)
	if err != nil {
		return stackErr(err)
	}
	now := time.Now()
	var blocks []Block
	for _, c := range found {
		lines := []string{
			fmt.Sprintf("host %s · project %s · container `%s` (%s)", c.Host, orDash(c.Project), c.Name, c.ShortID()),
			"image `" + c.Image + "`",
		}
		state := c.State
		if c.State == "running" && !c.StartedAt.IsZero() {
			state += " for " + ago(now.Sub(c.StartedAt))
		}
		if c.State == "exited" {
			state += fmt.Sprintf(" with code %d", c.ExitCode)
			if !c.FinishedAt.IsZero() {
				state += ", " + ago(now.Sub(c.FinishedAt)) + " ago"
			}
		}
		if c.Health != "" {
			state += " · " + c.Health
		}
		state += fmt.Sprintf(" · %d restart%s", c.RestartCount, plural(c.RestartCount))
		if c.OOMKilled {
			state += " · 💥 OOM killed"
		}
		lines = append(lines, state)
		if c.State == "running" {
			if s, err := m.deps.Stack.Stats(ctx, c); err == nil {
				mem := "memory " + humanBytes(s.MemoryUsage)
				if c.MemoryLimit > 0 {
					mem += fmt.Sprintf(" of %s (%.0f%%)", humanBytes(c.MemoryLimit), 100*float64(s.MemoryUsage)/float64(c.MemoryLimit))
				}
				lines = append(lines, fmt.Sprintf("CPU %.1f%% · %s", s.CPUPercent, mem))
			}
		} else if c.MemoryLimit > 0 {
			lines = append(lines, "memory limit "+humanBytes(c.MemoryLimit))
		}
		if c.Health == "unhealthy" && len(c.HealthLog) > 0 {
			last := strings.TrimSpace(c.HealthLog[len(c.HealthLog)-1].Output)
			if last != "" {
				lines = append(lines, "last probe: "+stack.RedactFor(c, clipRunes(last, 200)))
			}
		}
		icon := "✅"
		if p := c.Problem(); p != "" {
			icon = problemIcon[p]
		} else if c.State != "running" {
			icon = "⏸"
		}
		blocks = append(blocks, Block{Kind: Heading, Text: icon + " " + c.Label()}, Block{Kind: Text, Text: strings.Join(lines, "\n")})
	}
	if down := hostsDown(states); down != "" {
		blocks = append(blocks, Block{Kind: Note, Text: down})
	}
	svc := found[0].Label()
	return out.Send(ctx, Reply{Blocks: blocks, Buttons: [][]Button{{
		{Label: "📋 Logs", Action: "logs", Arg: svc},
		{Label: "🩺 Check", Action: "check", Arg: svc},
	}}})
}

func hostsDown(states []stack.HostState) string {
	var down []string
	for _, st := range states {
		if st.Err != nil {
			down = append(down, "not asked: "+st.Err.Error())
		}
	}
	return strings.Join(down, "\n")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func humanBytes(b int64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.1fG", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%dM", b>>20)
	case b >= 1<<10:
		return fmt.Sprintf("%dK", b>>10)
	}
	return fmt.Sprintf("%dB", b)
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

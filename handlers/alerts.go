package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"vigie/knowledge"
	"vigie/store"
	"vigie/watch"
)

// Alerts is what the handlers need of the watcher.
type Alerts interface {
	Mute(ctx context.Context, m store.Mute) error
	Unmute(ctx context.Context, scope, name string) (bool, error)
	Status(ctx context.Context) watch.Status
	Hosts() []string
}

// Mute durations: a mute under a minute is a typo, over 30 days a
// forgotten one.
const (
	defaultMute = time.Hour
	minMute     = time.Minute
	maxMute     = 30 * 24 * time.Hour
	// summaryItems is how many containers a summary lists by name.
	summaryItems = 25
	// alertFixLines is how much of a section's fix an alert quotes.
	alertFixLines = 8
)

// parseScope reads "[container|project|host] NAME [DURATION]".
func parseScope(args string, withDuration bool) (scope, name string, d time.Duration, err error) {
	f := strings.Fields(args)
	scope = store.ScopeContainer
	if len(f) > 0 {
		switch strings.ToLower(f[0]) {
		case store.ScopeContainer, store.ScopeProject, store.ScopeHost, "service":
			scope = strings.ToLower(f[0])
			if scope == "service" {
				scope = store.ScopeContainer
			}
			f = f[1:]
		}
	}
	if len(f) == 0 {
		return "", "", 0, errors.New("name missing")
	}
	name, f = f[0], f[1:]
	d = defaultMute
	if withDuration && len(f) > 0 {
		d, err = parseMuteDuration(f[0])
		if err != nil {
			return "", "", 0, err
		}
		f = f[1:]
	}
	if len(f) > 0 {
		return "", "", 0, fmt.Errorf("unexpected %q", strings.Join(f, " "))
	}
	return scope, name, d, nil
}

// parseMuteDuration reads 30m, 1h, 24h, 2d or 1w.
func parseMuteDuration(s string) (time.Duration, error) {
	var d time.Duration
	var err error
	switch {
	case strings.HasSuffix(s, "d"), strings.HasSuffix(s, "w"):
		n, perr := strconv.Atoi(s[:len(s)-1])
		unit := 24 * time.Hour
		if strings.HasSuffix(s, "w") {
			unit *= 7
		}
		d, err = time.Duration(n)*unit, perr
	default:
		d, err = time.ParseDuration(s)
	}
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (30m, 1h, 24h, 2d)", s)
	}
	if d < minMute || d > maxMute {
		return 0, fmt.Errorf("a mute lasts from 1m to 30d (got %s)", s)
	}
	return d, nil
}

func (m *Mux) needAlerts() error {
	if m.deps.Alerts == nil {
		return Userf("alerts are off here: set watch.enabled: true and run the bot (vigie run)")
	}
	return nil
}

func runMute(ctx context.Context, m *Mux, req Request, out Replier) error {
	if err := m.needAlerts(); err != nil {
		return err
	}
	scope, name, d, err := parseScope(req.Args, true)
	if err != nil {
		return Userf("%v — usage: /mute NAME [1h|24h|2d], /mute project NAME [DURATION], /mute host NAME [DURATION]", err)
	}
	if scope == store.ScopeHost && !slices.Contains(m.deps.Alerts.Hosts(), name) {
		return Userf("no host %q: hosts are %s", name, strings.Join(m.deps.Alerts.Hosts(), ", "))
	}
	until := time.Now().Add(d)
	err = m.deps.Alerts.Mute(ctx, store.Mute{Scope: scope, Name: name, Until: until, By: req.UserID})
	text := fmt.Sprintf("🔕 Alerts of %s %s muted until %s (%s). /unmute %s lifts it.", scope, name, until.Format("01-02 15:04 MST"), durText(d), unmuteArgs(scope, name))
	if errors.Is(err, watch.ErrNotSaved) {
		m.deps.Log.Warn().Err(err).Msg("mute not saved")
		return out.Send(ctx, Reply{Blocks: []Block{{Kind: Text, Text: text}, {Kind: Note, Text: "⚠️ the store is unavailable: this mute holds until vigie restarts"}}})
	}
	if err != nil {
		return err
	}
	return out.Send(ctx, Reply{Blocks: []Block{{Kind: Text, Text: text}}})
}

func runUnmute(ctx context.Context, m *Mux, req Request, out Replier) error {
	if err := m.needAlerts(); err != nil {
		return err
	}
	scope, name, _, err := parseScope(req.Args, false)
	if err != nil {
		return Userf("%v — usage: /unmute NAME, /unmute project NAME, /unmute host NAME", err)
	}
	found, err := m.deps.Alerts.Unmute(ctx, scope, name)
	note := []Block{}
	if errors.Is(err, watch.ErrNotSaved) {
		m.deps.Log.Warn().Err(err).Msg("unmute not saved")
		note = append(note, Block{Kind: Note, Text: "⚠️ the store is unavailable: the mute may come back when vigie restarts"})
	} else if err != nil {
		return err
	}
	if !found {
		return Userf("%s %s was not muted — /alerts lists the mutes", scope, name)
	}
	return out.Send(ctx, Reply{Blocks: append([]Block{{Kind: Text, Text: fmt.Sprintf("🔔 Alerts of %s %s are back on.", scope, name)}}, note...)})
}

func unmuteArgs(scope, name string) string {
	if scope == store.ScopeContainer {
		return name
	}
	return scope + " " + name
}

func runAlertsStatus(ctx context.Context, m *Mux, req Request, out Replier) error {
	if err := m.needAlerts(); err != nil {
		return err
	}
	st := m.deps.Alerts.Status(ctx)
	var blocks []Block
	if st.Running {
		blocks = append(blocks, Block{Kind: Heading, Text: "Alerts — watching since " + st.Started.Format("01-02 15:04 MST")})
		var hs []string
		for _, h := range st.Hosts {
			if h.Connected {
				hs = append(hs, "✅ "+h.Name)
			} else {
				line := "⚠️ " + h.Name + " reconnecting since " + h.Since.Format("15:04:05")
				if h.Err != "" {
					line += " (" + clipText(h.Err, 120) + ")"
				}
				hs = append(hs, line)
			}
		}
		blocks = append(blocks, Block{Kind: Text, Text: "Hosts: " + strings.Join(hs, " · ")})
	} else {
		blocks = append(blocks, Block{Kind: Heading, Text: "Alerts"}, Block{Kind: Note, Text: "The watcher runs with the bot (vigie run) or vigie watch, not here; the mutes below are the stored ones."})
	}
	if len(st.Mutes) == 0 {
		blocks = append(blocks, Block{Kind: Text, Text: "Mutes: none."})
	} else {
		var ms []string
		for _, mu := range st.Mutes {
			until := "until unmuted"
			if !mu.Until.IsZero() {
				until = "until " + mu.Until.Format("01-02 15:04 MST")
			}
			ms = append(ms, fmt.Sprintf("🔕 %s `%s` %s", mu.Scope, mu.Name, until))
		}
		blocks = append(blocks, Block{Kind: Text, Text: "Mutes:\n" + strings.Join(ms, "\n")})
	}
	if len(st.Recent) > 0 {
		var rs []string
		for i, e := range st.Recent {
			if i == 10 {
				rs = append(rs, fmt.Sprintf("… and %d earlier", len(st.Recent)-10))
				break
			}
			rs = append(rs, entryText(e))
		}
		blocks = append(blocks, Block{Kind: Text, Text: "Recent:\n" + strings.Join(rs, "\n")})
	} else if st.Running {
		blocks = append(blocks, Block{Kind: Text, Text: "Recent: no alert since the watch began."})
	}
	o := st.Options
	facts := []string{
		"cooldown " + durText(o.Cooldown),
		fmt.Sprintf("loop: %d deaths in %s", o.LoopCount, durText(o.LoopWindow)),
		fmt.Sprintf("burst: %d containers in %s", o.BurstContainers, durText(o.BurstWindow)),
	}
	if o.ScanInterval > 0 {
		facts = append(facts, "log scan every "+durText(o.ScanInterval))
	} else {
		facts = append(facts, "log scan off")
	}
	if st.Suppressed > 0 {
		facts = append(facts, fmt.Sprintf("%d silenced by mutes", st.Suppressed))
	}
	if st.Folded > 0 {
		facts = append(facts, fmt.Sprintf("%d folded into summaries", st.Folded))
	}
	if st.LatencyP95 > 0 {
		facts = append(facts, "event→alert p95 "+st.LatencyP95.Round(time.Millisecond).String())
	}
	blocks = append(blocks, Block{Kind: Note, Text: strings.Join(facts, " · ")})
	return out.Send(ctx, Reply{Blocks: blocks})
}

func entryText(e watch.Entry) string {
	s := e.Time.Format("15:04:05") + " "
	switch {
	case e.Items > 0:
		s += fmt.Sprintf("%s: %d containers", e.Kind, e.Items)
	default:
		s += fmt.Sprintf("%s/%s %s", e.Host, e.Name, e.Kind)
		if e.Count > 1 {
			s += fmt.Sprintf(" ×%d", e.Count)
		}
	}
	if e.Recovered {
		s += " → healthy again"
	}
	if e.Muted {
		s += " (muted)"
	}
	return s
}

// durText prints durations without zero units: 1h, 1h30m, 2m5s, 24h.
func durText(d time.Duration) string {
	s := d.Round(time.Second).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func clipText(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// AlertReply renders an alert: what happened, where, the last log lines,
// the likely pitfall with its fix, and buttons to read it, see the logs,
// remedy, or mute.
func (m *Mux) AlertReply(a watch.Alert) Reply {
	switch a.Kind {
	case watch.Burst, watch.Startup, watch.Gap:
		return summaryReply(a)
	}
	target := a.Service
	if target == "" {
		target = a.Name
	}
	var head string
	switch a.Kind {
	case watch.OOM:
		head = fmt.Sprintf("💥 %s killed: out of memory (OOM)", a.Name)
	case watch.Unhealthy:
		head = fmt.Sprintf("🟠 %s is unhealthy", a.Name)
		if !a.Recovered.IsZero() {
			head = fmt.Sprintf("✅ %s is healthy again", a.Name)
		}
	case watch.Loop:
		head = fmt.Sprintf("🔁 %s is restarting in a loop — %d deaths in %s", a.Name, a.Count, durText(a.Last.Sub(a.First)))
	case watch.LogHit:
		head = fmt.Sprintf("🔎 %s: its log matches a known pitfall", a.Name)
	default:
		head = fmt.Sprintf("🔴 %s died — exit %d", a.Name, a.ExitCode)
		if a.Stopped {
			head += " (stopped on request)"
		}
	}
	facts := []string{"host " + a.Host}
	if a.Project != "" {
		facts = append(facts, "project "+a.Project)
	}
	if a.Service != "" && a.Service != a.Name {
		facts = append(facts, "service "+a.Service)
	}
	if a.Image != "" {
		facts = append(facts, "image "+a.Image)
	}
	facts = append(facts, a.First.Local().Format("15:04:05 MST"))
	if a.Count > 1 && a.Kind != watch.Loop {
		facts = append(facts, fmt.Sprintf("×%d, last %s", a.Count, a.Last.Local().Format("15:04:05")))
	}
	if a.Kind == watch.Loop || a.Kind == watch.OOM {
		facts = append(facts, fmt.Sprintf("last exit %d", a.ExitCode))
	}
	blocks := []Block{{Kind: Heading, Text: head}, {Kind: Note, Text: strings.Join(facts, " · ")}}
	if !a.Recovered.IsZero() {
		blocks = append(blocks, Block{Kind: Text, Text: fmt.Sprintf("Unhealthy from %s to %s (%s).", a.First.Local().Format("15:04:05"), a.Recovered.Local().Format("15:04:05"), durText(a.Recovered.Sub(a.First)))})
	}
	if len(a.Lines) > 0 {
		blocks = append(blocks, Block{Kind: Code, Text: strings.Join(a.Lines, "\n")})
	}
	var row []Button
	if p := a.Pitfall; p != nil {
		blocks = append(blocks, Block{Kind: Text, Text: fmt.Sprintf("Likely: **§%s — %s** (confidence %s)", p.ID, cleanTitle(p.Title), p.Confidence)})
		if sec, ok := m.deps.Knowledge.Section(p.ID); ok {
			if fix := sec.Part(knowledge.PartFix); fix != "" {
				blocks = append(blocks, markdownBlocks(firstLines(fix, alertFixLines), "**Fix** — ")...)
			}
		}
		if len(a.Others) > 0 {
			var os []string
			for _, o := range a.Others {
				os = append(os, "§"+o.ID+" "+cleanTitle(o.Title))
			}
			blocks = append(blocks, Block{Kind: Note, Text: "Also possible: " + strings.Join(os, " · ")})
		}
		row = append(row, Button{Label: "📖 §" + p.ID, Action: "pitfall", Arg: p.ID})
	} else if a.Recovered.IsZero() {
		blocks = append(blocks, Block{Kind: Note, Text: "No known pitfall matches its last lines."})
	}
	row = append(row, Button{Label: "📋 Logs", Action: "logs", Arg: target})
	// The section's runbooks act on compose services; a plain container
	// can only be restarted.
	if a.Pitfall != nil && a.Service != "" {
		row = append(row, m.actionButtons(a.Pitfall.ID, a.Service)...)
	}
	if !slices.ContainsFunc(row, func(b Button) bool { return b.Action == "restart" || b.Action == "recreate" }) {
		row = append(row, m.restartButton(target)...)
	}
	mute := []Button{
		{Label: "🔕 1h", Action: "mute", Arg: "container " + a.Name + " 1h"},
		{Label: "🔕 24h", Action: "mute", Arg: "container " + a.Name + " 24h"},
	}
	return Reply{Blocks: blocks, Buttons: [][]Button{row, mute}}
}

// restartButton offers the plain restart runbook when actions are on.
func (m *Mux) restartButton(target string) []Button {
	if m.deps.Actions.ReadOnly || m.deps.Actions.Executor == nil || target == "" {
		return nil
	}
	for _, rb := range m.deps.Actions.Runbooks {
		if rb.Command == "restart" {
			return []Button{{Label: "🛠 Restart " + target, Action: "restart", Arg: target}}
		}
	}
	return nil
}

func summaryReply(a watch.Alert) Reply {
	var head string
	switch a.Kind {
	case watch.Startup:
		head = fmt.Sprintf("👀 Watching %s: %d container%s already in trouble", strings.Join(a.Hosts, ", "), len(a.Items), plural(len(a.Items)))
	case watch.Gap:
		head = fmt.Sprintf("⚠️ %d container%s went down while %s was unreachable", len(a.Items), plural(len(a.Items)), a.Host)
	default:
		n := max(a.Count, len(a.Items))
		head = fmt.Sprintf("🔴 %d containers failed within %s", n, durText(a.Last.Sub(a.First).Round(time.Second)))
		if a.Host != "" {
			head += " on " + a.Host
		}
	}
	blocks := []Block{{Kind: Heading, Text: head}}
	if a.Kind == watch.Burst && a.Count > len(a.Items) {
		blocks = append(blocks, Block{Kind: Note, Text: fmt.Sprintf("%d of them alerted above, one by one, before it was clear they fail together.", a.Count-len(a.Items))})
	}
	var lines []string
	for i, it := range a.Items {
		if i == summaryItems {
			lines = append(lines, fmt.Sprintf("… and %d more", len(a.Items)-summaryItems))
			break
		}
		name := it.Name
		if it.Project != "" {
			name = it.Project + "/" + it.Name
		}
		lines = append(lines, fmt.Sprintf("• %s — %s (%s)", name, it.What, it.Host))
	}
	if len(lines) > 0 {
		blocks = append(blocks, Block{Kind: Text, Text: strings.Join(lines, "\n")})
	}
	if len(a.Unreachable) > 0 {
		blocks = append(blocks, Block{Kind: Text, Text: "⚠️ Unreachable: " + strings.Join(a.Unreachable, ", ") + " — alerts from there resume when it answers."})
	}
	blocks = append(blocks, Block{Kind: Note, Text: "One message for all of them, to spare the chat. /status and /check say more."})
	row := []Button{{Label: "📊 Status", Action: "status"}, {Label: "🩺 Check", Action: "check"}}
	if a.Host != "" && a.Kind == watch.Burst {
		row = append(row, Button{Label: "🔕 " + a.Host + " 1h", Action: "mute", Arg: "host " + a.Host + " 1h"})
	}
	return Reply{Blocks: blocks, Buttons: [][]Button{row}}
}

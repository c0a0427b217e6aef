package watch

import (
	"context"
	"fmt"
	"strings"
	"time"

	"vigie/stack"
)

// shownLines is how many log lines an alert quotes.
const shownLines = 5

// enrich adds to a new alert what inspect knows (OOM, image, compose
// labels, probe outputs) and the pitfall its last log lines match. A host
// that does not answer leaves the alert as the event made it.
func (w *Watcher) enrich(ctx context.Context, al *Alert) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	c, err := w.src.Inspect(ctx, al.Host, al.Name)
	if err != nil {
		w.log.Debug().Err(err).Str("subject", al.Subject()).Msg("inspect for an alert")
		return
	}
	if al.Service == "" {
		al.Service, al.Project = c.Service, c.Project
	}
	if al.Image == "" {
		al.Image = c.Image
	}
	if c.OOMKilled && (al.Kind == Died || al.Kind == Loop) {
		al.Kind = OOM
	}
	var text []string
	if al.Kind == OOM {
		// The log of a process killed for memory rarely says so: tell the
		// matcher what Docker knows.
		text = append(text, fmt.Sprintf("%s: container OOMKilled, exit code 137, out of memory (memory limit %s)", c.Label(), bytesText(c.MemoryLimit)))
	}
	var probes []string
	if al.Kind == Unhealthy {
		for _, p := range c.HealthLog {
			if p.ExitCode != 0 && strings.TrimSpace(p.Output) != "" {
				probes = append(probes, strings.TrimSpace(p.Output))
			}
		}
		if len(probes) > 0 {
			text = append(text, "healthcheck failed: "+probes[len(probes)-1])
		}
	}
	lines, err := w.src.Logs(ctx, c, w.o.LogLines)
	if err != nil {
		w.log.Debug().Err(err).Str("subject", al.Subject()).Msg("logs for an alert")
	}
	for _, l := range lines {
		text = append(text, l.Text)
	}
	var shown []string
	if al.Kind == Unhealthy && len(probes) > 0 {
		shown = append(shown, "probe: "+clip(stack.RedactFor(c, probes[len(probes)-1]), 200))
	}
	for i := max(0, len(lines)-shownLines); i < len(lines); i++ {
		if t := strings.TrimSpace(lines[i].Text); t != "" {
			shown = append(shown, clip(stack.RedactFor(c, t), 200))
		}
	}
	al.Lines = shown
	w.diagnose(al, strings.Join(text, "\n"))
}

// diagnose sets the alert's pitfall from text, when the matcher is sure
// enough not to abstain.
func (w *Watcher) diagnose(al *Alert, text string) {
	if w.o.Diagnoser == nil || strings.TrimSpace(text) == "" {
		return
	}
	ms, abstained := w.o.Diagnoser.Diagnose(text)
	if abstained || len(ms) == 0 {
		return
	}
	al.Pitfall = &Pitfall{ID: ms[0].ID, Title: ms[0].Title, Confidence: ms[0].Confidence}
	for _, m := range ms[1:min(3, len(ms))] {
		al.Others = append(al.Others, Pitfall{ID: m.ID, Title: m.Title, Confidence: m.Confidence})
	}
}

func bytesText(n int64) string {
	if n <= 0 {
		return "none"
	}
	return fmt.Sprintf("%dM", n>>20)
}

// trouble is what /status would flag about a container, as a summary item.
func trouble(c stack.Container) (Item, bool) {
	p := c.Problem()
	if p == "" {
		return Item{}, false
	}
	it := Item{Host: c.Host, Name: c.Name, Service: c.Service, Project: c.Project, What: p}
	switch p {
	case "exited":
		it.What = fmt.Sprintf("exited (%d)", c.ExitCode)
	case "oom":
		it.What = "out of memory"
	}
	return it, true
}

// startup sends one summary of the containers already in trouble, so that
// a restart of vigie says what is wrong without an alert per container.
func (w *Watcher) startup(ctx context.Context) {
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	sum := &Alert{Kind: Startup, First: w.o.Now(), Last: w.o.Now()}
	var keys []alertKey
	for _, hs := range w.src.Snapshot(sctx) {
		sum.Hosts = append(sum.Hosts, hs.Host)
		if hs.Err != nil {
			sum.Unreachable = append(sum.Unreachable, hs.Host)
			continue
		}
		for _, c := range hs.Containers {
			it, ok := trouble(c)
			if !ok {
				continue
			}
			if _, muted := w.mutedBy(c.Host, c.Name, c.Service, c.Project); muted {
				continue
			}
			sum.Items = append(sum.Items, it)
			ev := eventDown
			if c.Health == "unhealthy" && c.State == "running" {
				ev = eventUnhealthy
			}
			keys = append(keys, alertKey{c.Host, c.Name, ev})
		}
	}
	sum.Count = len(sum.Items)
	if len(sum.Items) == 0 && len(sum.Unreachable) == 0 {
		w.log.Info().Strs("hosts", sum.Hosts).Msg("watching: nothing in trouble")
		return
	}
	a := w.deliver(ctx, sum, sum.First)
	// The containers listed are known: their next event within the
	// cooldown raises no new alert.
	for _, k := range keys {
		w.track(ctx, k, &active{key: k, sent: a.sent, msgs: map[int64]int{}, alert: Alert{Host: k.host, Name: k.name, Count: 1}})
	}
}

// reconnected looks, a moment after a host's stream came back, for
// containers that went down while it was broken and that no replayed event
// has alerted (a dockerd restart forgets its events): one summary.
func (w *Watcher) reconnected(host string, lost time.Time) {
	go func() {
		time.Sleep(2 * time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var items []Item
		var keys []alertKey
		for _, hs := range w.src.Snapshot(ctx) {
			if hs.Host != host || hs.Err != nil {
				continue
			}
			for _, c := range hs.Containers {
				if c.State != "exited" && c.State != "dead" || c.ExitCode == 0 && !c.OOMKilled {
					continue
				}
				if c.FinishedAt.Before(lost.Add(-time.Second)) {
					continue // down before the gap: not news
				}
				k := alertKey{c.Host, c.Name, eventDown}
				w.mu.Lock()
				_, known := w.active[k]
				w.mu.Unlock()
				if known {
					continue
				}
				if _, muted := w.mutedBy(c.Host, c.Name, c.Service, c.Project); muted {
					continue
				}
				it, _ := trouble(c)
				items = append(items, it)
				keys = append(keys, k)
			}
		}
		if len(items) == 0 {
			return
		}
		sum := &Alert{Kind: Gap, Host: host, Items: items, Count: len(items), First: lost, Last: w.o.Now()}
		a := w.deliver(ctx, sum, w.o.Now())
		for _, k := range keys {
			w.track(ctx, k, &active{key: k, sent: a.sent, msgs: map[int64]int{}, alert: Alert{Host: k.host, Name: k.name, Count: 1}})
		}
	}()
}

// scanLogs reads the log lines each running container wrote since the last
// scan and alerts on a pitfall they match, once per container × section
// per cooldown. The first pass only marks where the logs stand.
func (w *Watcher) scanLogs(ctx context.Context, first bool) {
	if w.o.Diagnoser == nil {
		return
	}
	sctx, cancel := context.WithTimeout(ctx, w.o.ScanInterval)
	defer cancel()
	now := w.o.Now()
	for _, hs := range w.src.Snapshot(sctx) {
		if hs.Err != nil {
			continue
		}
		for _, c := range hs.Containers {
			if c.State != "running" {
				continue
			}
			mark := c.Host + "/" + c.ID
			w.mu.Lock()
			last, seen := w.scanned[mark]
			w.scanned[mark] = now
			w.mu.Unlock()
			if first {
				continue
			}
			if !seen {
				last = w.started
			}
			lines, err := w.src.Logs(sctx, c, w.o.LogLines)
			if err != nil {
				continue
			}
			var text []string
			var fresh []stack.LogLine
			for _, l := range lines {
				if l.Time.After(last) {
					fresh = append(fresh, l)
					text = append(text, l.Text)
				}
			}
			if len(fresh) == 0 {
				continue
			}
			al := &Alert{Kind: LogHit, Host: c.Host, Name: c.Name, Service: c.Service, Project: c.Project, Image: c.Image, Count: 1, First: fresh[0].Time, Last: fresh[len(fresh)-1].Time}
			w.diagnose(al, strings.Join(text, "\n"))
			if al.Pitfall == nil {
				continue
			}
			if _, muted := w.mutedBy(c.Host, c.Name, c.Service, c.Project); muted {
				continue
			}
			k := alertKey{c.Host, c.Name, eventLogPrefix + al.Pitfall.ID}
			if a := w.lookup(ctx, k, now); a != nil {
				continue
			}
			for i := max(0, len(fresh)-shownLines); i < len(fresh); i++ {
				if t := strings.TrimSpace(fresh[i].Text); t != "" {
					al.Lines = append(al.Lines, clip(stack.RedactFor(c, t), 200))
				}
			}
			w.send(ctx, k, al, nil, now, al.Last)
		}
	}
}

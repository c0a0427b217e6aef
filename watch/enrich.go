package watch

import (
	"context"
	"fmt"
	"strings"
	"time"

	"vigie/internal/ctxtime"
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
// a restart of vigie says what is wrong without an alert per container;
// those alerted within their cooldown (before a restart too) are left out.
func (w *Watcher) startup(ctx context.Context) {
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	sum := &Alert{Kind: Startup, First: w.o.Now(), Last: w.o.Now()}
	var keys []alertKey
	known := 0
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
			ev := eventDown
			if c.Health == "unhealthy" && c.State == "running" {
				ev = eventUnhealthy
			}
			k := alertKey{c.Host, c.Name, ev}
			// Alerted within its cooldown, maybe by the vigie that ran
			// before this one: the chat knows already (a vigie restarting
			// in a loop must not repeat its summary).
			if w.lookup(sctx, k, sum.First) != nil {
				known++
				continue
			}
			sum.Items = append(sum.Items, it)
			keys = append(keys, k)
		}
	}
	sum.Count = len(sum.Items)
	if len(sum.Items) == 0 && len(sum.Unreachable) == 0 {
		w.log.Info().Strs("hosts", sum.Hosts).Int("already_alerted", known).Msg("watching: nothing in trouble that was not alerted already")
		return
	}
	a := w.deliver(ctx, sum, sum.First)
	// The containers listed are known: their next event within the
	// cooldown raises no new alert.
	for _, k := range keys {
		w.track(ctx, k, &active{key: k, sent: a.sent, msgs: map[int64]int{}, alert: Alert{Host: k.host, Name: k.name, Count: 1}})
	}
}

// sawDeath records, as soon as the stream delivers it, that a container's
// death was seen, so that the gap check never reports it again.
func (w *Watcher) sawDeath(ev stack.Event) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lastDie[ev.Host+"/"+ev.Name] = ev.Time
}

// gapCheck looks, a moment after a host's stream (re)opened, for containers
// that went down since lost without any event saying so (a restarted
// dockerd forgets its events; a host unreachable at start had no stream):
// one summary. A death the stream delivered — replayed or live — is never
// in it; one check per host at a time.
func (w *Watcher) gapCheck(ctx context.Context, host string, lost time.Time) {
	w.mu.Lock()
	if w.gapBusy[host] {
		w.mu.Unlock()
		return
	}
	w.gapBusy[host] = true
	w.mu.Unlock()
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		defer func() {
			w.mu.Lock()
			delete(w.gapBusy, host)
			w.mu.Unlock()
		}()
		if ctxtime.Sleep(ctx, gapDelay) != nil {
			return
		}
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		var items []Item
		var keys []alertKey
		for _, hs := range w.src.Snapshot(sctx) {
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
				seenAt, seen := w.lastDie[c.Host+"/"+c.Name]
				_, active := w.active[k]
				w.mu.Unlock()
				if active || seen && !seenAt.Before(c.FinishedAt.Add(-time.Second)) {
					continue // its death came through the stream
				}
				if w.isExpected(c.Host, c.Project, c.Service, c.Name) {
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
		now := w.o.Now()
		sum := &Alert{Kind: Gap, Host: host, Items: items, Count: len(items), First: now, Last: now}
		a := w.deliver(sctx, sum, now)
		if len(a.msgs) == 0 {
			return
		}
		for _, k := range keys {
			w.track(sctx, k, &active{key: k, sent: a.sent, msgs: map[int64]int{}, alert: Alert{Host: k.host, Name: k.name, Count: 1}})
		}
	}()
}

// gapDelay lets the events the engine replays on reconnection arrive first.
var gapDelay = 2 * time.Second

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
	// Where each running container's log stood, by the time of its last
	// line (the host's clock, not ours); containers gone are forgotten.
	marks := map[string]time.Time{}
	defer func() {
		w.mu.Lock()
		w.scanned = marks
		w.mu.Unlock()
	}()
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
			last := w.scanned[mark]
			w.mu.Unlock()
			lines, err := w.src.Logs(sctx, c, w.o.LogLines)
			if err != nil {
				marks[mark] = last
				continue
			}
			marks[mark] = last
			if n := len(lines); n > 0 && lines[n-1].Time.After(last) {
				marks[mark] = lines[n-1].Time
			}
			if first {
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

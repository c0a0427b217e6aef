package watch

import (
	"context"
	"fmt"
	"time"

	"vigie/internal/ctxtime"
	"vigie/stack"
)

// follow keeps one host's event stream open: it pings, subscribes from the
// last event seen, and on a broken stream waits with a growing backoff and
// resumes from there, so that events in the gap come once and only once.
// While the stream is open the host is pinged every livenessEvery: Docker
// events carry no heartbeat, and a half-open connection (an ssh pipe after a
// partition) would otherwise look connected for ever.
func (w *Watcher) follow(ctx context.Context, host string, since time.Time) {
	backoff := w.o.MinBackoff
	// The events at exactly `since` may come again when resuming (the
	// engine's since is inclusive): they are skipped by key.
	seen := map[string]bool{}
	wasUp := false
	for ctx.Err() == nil {
		err := w.ping(ctx, host)
		if err == nil {
			if wasUp {
				w.log.Info().Str("host", host).Time("since", since).Msg("event stream resumed")
			}
			w.setHost(host, true, nil)
			switch {
			case wasUp:
				w.gapCheck(ctx, host, since)
			case time.Since(w.started) > 5*time.Second:
				// Unreachable at start: what went down before it answered
				// is news too.
				w.gapCheck(ctx, host, w.started)
			}
			wasUp = true
			opened := time.Now()
			sctx, cancel := context.WithCancel(ctx)
			alive := make(chan error, 1)
			go func() {
				t := time.NewTicker(livenessEvery)
				defer t.Stop()
				for {
					select {
					case <-sctx.Done():
						return
					case <-t.C:
						if perr := w.ping(sctx, host); perr != nil && sctx.Err() == nil {
							alive <- fmt.Errorf("no answer while streaming: %w", perr)
							cancel()
							return
						}
					}
				}
			}()
			evs, errc := w.src.Events(sctx, host, since)
			for ev := range evs {
				key := fmt.Sprintf("%d/%s/%s", ev.Time.UnixNano(), ev.Container, ev.Action)
				if seen[key] {
					continue
				}
				if ev.Time.After(since) {
					since, seen = ev.Time, map[string]bool{}
				}
				seen[key] = true
				backoff = w.o.MinBackoff
				if ev.Action == "die" {
					w.sawDeath(ev)
				}
				select {
				case w.events <- ev:
				case <-ctx.Done():
					cancel()
					return
				}
			}
			select {
			case err = <-errc:
			case <-ctx.Done():
			}
			cancel()
			if ctx.Err() != nil {
				return
			}
			select {
			case lerr := <-alive:
				err = lerr
			default:
			}
			if time.Since(opened) > 10*time.Second {
				backoff = w.o.MinBackoff
			}
			w.log.Warn().Str("host", host).Err(err).Msg("event stream broken; reconnecting")
		}
		w.setHost(host, false, err)
		if ctxtime.Sleep(ctx, backoff) != nil {
			return
		}
		backoff = min(backoff*2, w.o.MaxBackoff)
	}
}

// livenessEvery spaces the pings of a host whose event stream is open.
var livenessEvery = 30 * time.Second

func (w *Watcher) ping(ctx context.Context, host string) error {
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return w.src.Ping(pctx, host)
}

// interesting says whether an event can make or change an alert.
func interesting(ev stack.Event) bool {
	switch ev.Action {
	case "die", "oom", "kill", "stop", "health_status: unhealthy", "health_status: healthy":
		return true
	}
	return false
}

// intake gathers events into batches: a batch is handed over once no
// event came for Quiet, or MaxHold after its first event, so that
// containers failing together are seen together. A mass stop (docker stop
// of many, compose down) announces itself by its kill requests: while
// enough killed containers have yet to die to make a burst, the batch waits
// for them (up to massHold), so that they end in one summary.
func (w *Watcher) intake(ctx context.Context, batches chan<- []stack.Event) {
	var pending []stack.Event
	var first time.Time
	awaiting := map[string]time.Time{} // killed, not dead yet
	quiet := time.NewTimer(time.Hour)
	quiet.Stop()
	hold := time.NewTimer(time.Hour)
	hold.Stop()
	flush := func() {
		quiet.Stop()
		hold.Stop()
		if len(pending) == 0 {
			return
		}
		select {
		case batches <- pending:
		case <-ctx.Done():
		}
		pending = nil
	}
	// massStop says whether the batch should wait for killed containers.
	massStop := func() bool {
		now := time.Now()
		for k, t := range awaiting {
			if now.Sub(t) > massHold {
				delete(awaiting, k)
			}
		}
		if len(awaiting) == 0 || now.Sub(first) > massHold {
			return false
		}
		dead := map[string]bool{}
		for _, ev := range pending {
			if ev.Action == "die" {
				dead[ev.Host+"/"+ev.Name] = true
			}
		}
		return len(awaiting)+len(dead) >= w.o.BurstContainers
	}
	timeout := func() {
		if massStop() {
			quiet.Reset(massQuiet)
			hold.Reset(max(0, massHold-time.Since(first)))
			return
		}
		flush()
	}
	for {
		select {
		case ev := <-w.events:
			if !interesting(ev) {
				continue
			}
			switch ev.Action {
			case "kill":
				// Only a stop's signals: a HUP or USR1 (reload, log
				// rotation) kills nothing.
				if stopSignal(ev.Labels["signal"]) {
					awaiting[ev.Host+"/"+ev.Name] = time.Now()
				}
			case "die":
				delete(awaiting, ev.Host+"/"+ev.Name)
			}
			if len(pending) == 0 {
				first = time.Now()
				hold.Reset(w.o.MaxHold)
			}
			pending = append(pending, ev)
			quiet.Reset(w.o.Quiet)
		case <-quiet.C:
			timeout()
		case <-hold.C:
			timeout()
		case <-ctx.Done():
			close(batches)
			return
		}
	}
}

// A mass stop is waited for at most massHold (Docker's default stop
// timeout is 10s), and its batch closes massQuiet after the last death.
const (
	massHold  = 15 * time.Second
	massQuiet = time.Second
)

// stopSignal says whether a kill event's signal stops a container: TERM,
// KILL, INT, QUIT (by number or name), or none given.
func stopSignal(sig string) bool {
	switch sig {
	case "", "9", "15", "2", "3", "SIGKILL", "SIGTERM", "SIGINT", "SIGQUIT", "KILL", "TERM", "INT", "QUIT":
		return true
	}
	return false
}

package watch

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"vigie/stack"
	"vigie/store"
)

// Alert state keys in the store, per host × container.
const (
	eventDown      = "down"      // died or killed for memory
	eventOOM       = "oom"       // an OOM kill that did not stop the container
	eventUnhealthy = "unhealthy" // failing healthcheck
	eventLogPrefix = "log:"      // + section id
)

type alertKey struct{ host, name, event string }

// active is an alert sent and still within its cooldown.
type active struct {
	key      alertKey
	alert    Alert
	msgs     map[int64]int // chat → message
	sent     time.Time
	deaths   []time.Time // within the loop window
	dirty    bool        // changed since the last edit
	lastEdit time.Time
	known    bool // content known (sent by this process): it can be edited
}

// failure is one container failing, for burst detection.
type failure struct {
	at   time.Time
	host string
	name string
}

// occurrence is what a batch says of one container.
type occurrence struct {
	host, id, name          string
	service, project        string
	image                   string
	first, last             time.Time
	deaths                  []time.Time
	exitCode                int
	oom, unhealthy, healthy bool
	stopped                 bool
}

// process handles batches and edits until ctx ends.
func (w *Watcher) process(ctx context.Context, batches <-chan []stack.Event) {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	refresh := time.NewTicker(30 * time.Second)
	defer refresh.Stop()
	// The last counts reach the chat, within a bound, whatever ends the
	// loop.
	defer func() {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		w.flushEdits(fctx, true)
	}()
	for {
		select {
		case b, ok := <-batches:
			if !ok {
				return
			}
			w.handle(ctx, b)
		case <-tick.C:
			w.flushEdits(ctx, false)
		case <-refresh.C:
			w.loadMutes(ctx)
			w.expire()
		case <-ctx.Done():
			return
		}
	}
}

// scanLoop runs the periodic log scan until ctx ends; the first pass only
// marks where each log stands.
func (w *Watcher) scanLoop(ctx context.Context) {
	t := time.NewTicker(w.o.ScanInterval)
	defer t.Stop()
	w.scanLogs(ctx, true)
	for {
		select {
		case <-t.C:
			w.scanLogs(ctx, false)
		case <-ctx.Done():
			return
		}
	}
}

// group folds a batch into one occurrence per container.
func (w *Watcher) group(b []stack.Event) []*occurrence {
	byName := map[string]*occurrence{}
	var order []*occurrence
	for _, ev := range b {
		name := ev.Name
		if name == "" {
			name = shortID(ev.Container)
		}
		k := ev.Host + "/" + name
		if ev.Action == "kill" {
			if stopSignal(ev.Labels["signal"]) {
				w.mu.Lock()
				w.lastKill[k] = ev.Time
				w.mu.Unlock()
			}
			continue
		}
		oc, ok := byName[k]
		if !ok {
			oc = &occurrence{host: ev.Host, id: ev.Container, name: name, first: ev.Time,
				service: ev.Labels[stack.LabelService], project: ev.Labels[stack.LabelProject], image: ev.Labels["image"]}
			byName[k] = oc
			order = append(order, oc)
		}
		oc.last = ev.Time
		switch ev.Action {
		case "die":
			code, _ := strconv.Atoi(ev.ExitCode)
			if code == 0 {
				continue
			}
			oc.exitCode = code
			oc.deaths = append(oc.deaths, ev.Time)
			w.mu.Lock()
			if t, ok := w.lastKill[k]; ok && ev.Time.Sub(t) < time.Minute {
				oc.stopped = true
			}
			w.mu.Unlock()
		case "oom":
			oc.oom = true
		case "stop":
			if len(oc.deaths) > 0 {
				oc.stopped = true
			}
		case "health_status: unhealthy":
			oc.unhealthy, oc.healthy = true, false
		case "health_status: healthy":
			oc.healthy, oc.unhealthy = true, false
		}
	}
	return order
}

// handle decides what a batch becomes: new alerts (or one summary),
// updates of alerts within their cooldown, recoveries, nothing when muted.
func (w *Watcher) handle(ctx context.Context, b []stack.Event) {
	now := w.o.Now()
	var fresh []*Alert
	var freshKeys []alertKey
	var latency []time.Time
	var deaths [][]time.Time
	for _, oc := range w.group(b) {
		if oc.healthy {
			w.recover(ctx, oc)
		}
		var ev string
		switch {
		case len(oc.deaths) > 0:
			ev = eventDown
		case oc.oom:
			ev = eventOOM
		case oc.unhealthy:
			ev = eventUnhealthy
		default:
			continue
		}
		if w.isExpected(oc.host, oc.project, oc.service, oc.name) {
			w.log.Info().Str("host", oc.host).Str("container", oc.name).Str("event", ev).Msg("not alerted: an action vigie runs")
			continue
		}
		if m, muted := w.mutedBy(oc.host, oc.name, oc.service, oc.project); muted {
			w.mu.Lock()
			w.suppressed++
			w.mu.Unlock()
			w.log.Info().Str("host", oc.host).Str("container", oc.name).Str("event", ev).Str("mute", m.Scope+" "+m.Name).Msg("alert muted")
			w.remember(Entry{Time: now, Kind: kindOf(oc), Host: oc.host, Name: oc.name, Count: max(1, len(oc.deaths)), Muted: true})
			continue
		}
		k := alertKey{oc.host, oc.name, ev}
		var carried []time.Time
		if a := w.lookup(ctx, k, now); a != nil {
			w.mu.Lock()
			relapse := ev == eventUnhealthy && !a.alert.Recovered.IsZero()
			skeleton := !a.known && len(oc.deaths) > 0 && len(a.deaths)+len(oc.deaths) >= w.o.LoopCount
			if skeleton {
				carried = append([]time.Time(nil), a.deaths...)
			}
			w.mu.Unlock()
			switch {
			case relapse:
				// Unhealthy again after it recovered: news, not an edit
				// nobody is notified of.
			case skeleton:
				// An alert this process cannot edit (sent before a
				// restart, or part of a summary) turned into a loop: say
				// so in a message of its own.
			default:
				w.repeat(ctx, a, oc, now)
				continue
			}
		}
		al := &Alert{Kind: kindOf(oc), Host: oc.host, Name: oc.name, Service: oc.service, Project: oc.project, Image: oc.image,
			ExitCode: oc.exitCode, Count: max(1, len(oc.deaths)), First: oc.first, Last: oc.last, Stopped: oc.stopped}
		ds := append(carried, oc.deaths...)
		if len(ds) >= w.o.LoopCount && al.Kind == Died {
			al.Kind, al.Count, al.First = Loop, len(ds), ds[0]
		}
		fresh = append(fresh, al)
		freshKeys = append(freshKeys, k)
		latency = append(latency, oc.first)
		deaths = append(deaths, ds)
	}
	if len(fresh) == 0 {
		return
	}
	if ok, n, first := w.burstState(fresh, now); ok {
		w.fold(ctx, fresh, freshKeys, now, n, first)
		return
	}
	// Inspect and logs of several containers at once: one slow host does
	// not delay the alerts of the others.
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for _, al := range fresh {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			w.enrich(ctx, al)
		}()
	}
	wg.Wait()
	for i, al := range fresh {
		w.send(ctx, freshKeys[i], al, deaths[i], now, latency[i])
	}
}

func kindOf(oc *occurrence) Kind {
	switch {
	case oc.oom:
		return OOM
	case len(oc.deaths) > 0:
		return Died
	case oc.unhealthy:
		return Unhealthy
	}
	return Died
}

// lookup returns the alert of a key still within its cooldown: from
// memory, else from the store (an alert sent before a restart).
func (w *Watcher) lookup(ctx context.Context, k alertKey, now time.Time) *active {
	w.mu.Lock()
	a, ok := w.active[k]
	w.mu.Unlock()
	if ok {
		if now.Sub(a.sent) < w.o.Cooldown {
			return a
		}
		w.mu.Lock()
		delete(w.active, k)
		w.mu.Unlock()
		return nil
	}
	if w.state == nil {
		return nil
	}
	st, err := w.state.GetAlert(ctx, k.host, k.name, k.event)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			w.log.Warn().Err(err).Msg("alert state not read; alerting")
		}
		return nil
	}
	if now.Sub(st.LastSent) >= w.o.Cooldown {
		return nil
	}
	a = &active{key: k, sent: st.LastSent, msgs: map[int64]int{}, alert: Alert{Host: k.host, Name: k.name, Count: st.Count}}
	if st.ChatID != 0 && st.MessageID != 0 {
		a.msgs[st.ChatID] = st.MessageID
	}
	w.mu.Lock()
	w.active[k] = a
	w.mu.Unlock()
	return a
}

// repeat counts one more occurrence of an alert within its cooldown; the
// alert is edited (spaced by EditEvery) rather than sent again.
func (w *Watcher) repeat(ctx context.Context, a *active, oc *occurrence, now time.Time) {
	w.mu.Lock()
	al := &a.alert
	if len(oc.deaths) > 0 {
		a.deaths = append(a.deaths, oc.deaths...)
		cut := now.Add(-w.o.LoopWindow)
		kept := a.deaths[:0]
		for _, t := range a.deaths {
			if t.After(cut) {
				kept = append(kept, t)
			}
		}
		a.deaths = kept
		al.ExitCode = oc.exitCode
		if oc.oom {
			al.Kind = OOM
		}
		if len(a.deaths) >= w.o.LoopCount && al.Kind != OOM {
			al.Kind = Loop
		}
		al.Count = len(a.deaths)
		if al.Count > 0 {
			al.First = a.deaths[0]
		}
		al.Stopped = al.Stopped && oc.stopped
	} else {
		al.Count++
		al.Recovered = time.Time{}
	}
	al.Last = oc.last
	a.dirty = a.known
	w.rememberLocked(Entry{Time: now, Kind: al.Kind, Host: al.Host, Name: al.Name, Count: al.Count})
	snapshot := *a
	w.mu.Unlock()
	w.persist(ctx, a.key, snapshot)
}

// recover marks an unhealthy alert as recovered.
func (w *Watcher) recover(ctx context.Context, oc *occurrence) {
	k := alertKey{oc.host, oc.name, eventUnhealthy}
	w.mu.Lock()
	a, ok := w.active[k]
	if ok && a.alert.Recovered.IsZero() {
		a.alert.Recovered = oc.last
		a.dirty = a.known
	}
	w.mu.Unlock()
	if ok {
		w.remember(Entry{Time: oc.last, Kind: Unhealthy, Host: oc.host, Name: oc.name, Count: a.alert.Count, Recovered: true})
		w.log.Info().Str("host", oc.host).Str("container", oc.name).Msg("healthy again")
	}
	_ = ctx
}

// bursting records the new failures and says whether they make a burst:
// BurstContainers or more containers failing within BurstWindow, or a
// summary already being added to.
// burstState records the new failures and returns whether they make a
// burst, how many distinct containers failed within the window, and when
// the first of them did (vigie's clock).
func (w *Watcher) burstState(fresh []*Alert, now time.Time) (bool, int, time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	cut := now.Add(-w.o.BurstWindow)
	kept := w.recent[:0]
	for _, f := range w.recent {
		if f.at.After(cut) {
			kept = append(kept, f)
		}
	}
	w.recent = kept
	for _, a := range fresh {
		w.recent = append(w.recent, failure{at: now, host: a.Host, name: a.Name})
	}
	distinct := map[string]bool{}
	for _, f := range w.recent {
		distinct[f.host+"/"+f.name] = true
	}
	first := now
	if len(w.recent) > 0 {
		first = w.recent[0].at
	}
	// A summary is added to for one window from when it was sent: a long
	// incident gets a new one, with its own notification.
	if w.burst != nil && now.Sub(w.burst.sent) < w.o.BurstWindow {
		return true, len(distinct), first
	}
	return len(distinct) >= w.o.BurstContainers, len(distinct), first
}

// maxItems bounds the containers a summary lists.
const maxItems = 200

// fold adds new failures to the burst summary, or starts one.
func (w *Watcher) fold(ctx context.Context, fresh []*Alert, keys []alertKey, now time.Time, distinct int, first time.Time) {
	var items []Item
	for _, a := range fresh {
		items = append(items, Item{Host: a.Host, Name: a.Name, Service: a.Service, Project: a.Project, What: what(*a)})
	}
	w.mu.Lock()
	w.folded += len(fresh)
	b := w.burst
	if b != nil && now.Sub(b.sent) < w.o.BurstWindow {
		listed := map[string]bool{}
		for _, it := range b.alert.Items {
			listed[it.Host+"/"+it.Name] = true
		}
		for _, it := range items {
			if !listed[it.Host+"/"+it.Name] && len(b.alert.Items) < maxItems {
				b.alert.Items = append(b.alert.Items, it)
			}
		}
		b.alert.Count = max(b.alert.Count, distinct, len(b.alert.Items))
		b.alert.Last = now
		b.dirty = true
		w.mu.Unlock()
		for _, k := range keys {
			w.track(ctx, k, &active{key: k, sent: now, msgs: map[int64]int{}, alert: Alert{Host: k.host, Name: k.name, Count: 1}})
		}
		return
	}
	w.mu.Unlock()
	hosts := map[string]bool{}
	for _, it := range items {
		hosts[it.Host] = true
	}
	if len(items) > maxItems {
		items = items[:maxItems]
	}
	// Count is every container failing within the window, those alerted
	// one by one before the burst was seen included.
	sum := &Alert{Kind: Burst, Items: items, Count: max(distinct, len(items)), First: first, Last: now}
	if len(hosts) == 1 {
		sum.Host = items[0].Host
	}
	a := w.deliver(ctx, sum, fresh[0].First)
	if len(a.msgs) == 0 {
		return // delivered nowhere: the next failures try again
	}
	a.sent = now
	w.mu.Lock()
	w.burst = a
	w.mu.Unlock()
	for _, k := range keys {
		w.track(ctx, k, &active{key: k, sent: now, msgs: map[int64]int{}, alert: Alert{Host: k.host, Name: k.name, Count: 1}})
	}
}

// send delivers a new alert and starts its cooldown.
func (w *Watcher) send(ctx context.Context, k alertKey, al *Alert, deaths []time.Time, now, eventAt time.Time) {
	a := w.deliver(ctx, al, eventAt)
	if len(a.msgs) == 0 {
		// Delivered nowhere: no cooldown, the next event alerts again.
		w.mu.Lock()
		delete(w.active, k)
		w.mu.Unlock()
		return
	}
	a.sent, a.deaths = now, deaths
	w.track(ctx, k, a)
}

// deliver sends an alert to every alert chat and returns it as active.
func (w *Watcher) deliver(ctx context.Context, al *Alert, eventAt time.Time) *active {
	a := &active{alert: *al, msgs: map[int64]int{}, known: true, sent: w.o.Now(), lastEdit: w.o.Now()}
	var firstErr error
	for _, chat := range w.o.Chats {
		id, err := w.out.Send(ctx, chat, *al)
		if err != nil {
			w.log.Error().Err(err).Int64("chat_id", chat).Str("alert", string(al.Kind)).Str("subject", al.Subject()).Msg("alert not delivered")
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		a.msgs[chat] = id
	}
	if w.o.Record != nil {
		w.o.Record(*al, len(a.msgs), firstErr)
	}
	took := w.o.Now().Sub(eventAt)
	w.mu.Lock()
	w.latencies = append(w.latencies, took)
	if len(w.latencies) > 200 {
		w.latencies = w.latencies[len(w.latencies)-200:]
	}
	w.rememberLocked(Entry{Time: w.o.Now(), Kind: al.Kind, Host: al.Host, Name: al.Name, Count: al.Count, Items: len(al.Items)})
	w.mu.Unlock()
	if w.o.Metric != nil {
		w.o.Metric(al.Kind)
	}
	w.log.Info().Str("alert", string(al.Kind)).Str("subject", al.Subject()).Int("items", len(al.Items)).Dur("latency", took).Msg("alert sent")
	return a
}

// track keeps an alert for its cooldown, in memory and in the store.
func (w *Watcher) track(ctx context.Context, k alertKey, a *active) {
	w.mu.Lock()
	a.key = k
	w.active[k] = a
	snapshot := *a
	w.mu.Unlock()
	w.persist(ctx, k, snapshot)
}

func (w *Watcher) persist(ctx context.Context, k alertKey, a active) {
	if w.state == nil {
		return
	}
	st := store.AlertState{Host: k.host, Container: k.name, Event: k.event, LastSent: a.sent, Count: max(1, a.alert.Count)}
	chats := make([]int64, 0, len(a.msgs))
	for c := range a.msgs {
		chats = append(chats, c)
	}
	sort.Slice(chats, func(i, j int) bool { return chats[i] < chats[j] })
	if len(chats) > 0 {
		st.ChatID, st.MessageID = chats[0], a.msgs[chats[0]]
	}
	if err := w.state.PutAlert(ctx, st); err != nil {
		w.log.Warn().Err(err).Msg("alert state not saved: the cooldown holds in memory only")
	}
}

// flushEdits edits the alerts that changed, each at most every EditEvery
// (all of them when final).
func (w *Watcher) flushEdits(ctx context.Context, final bool) {
	now := w.o.Now()
	type edit struct {
		a     *active
		msgs  map[int64]int
		alert Alert
	}
	var todo []edit
	w.mu.Lock()
	// Telegram limits edits as it limits messages: all alerts together
	// get one edit per editGap, the oldest change first.
	if !final && now.Sub(w.lastAnyEdit) < w.o.EditGap {
		w.mu.Unlock()
		return
	}
	all := make([]*active, 0, len(w.active)+1)
	for _, a := range w.active {
		all = append(all, a)
	}
	if w.burst != nil {
		all = append(all, w.burst)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].lastEdit.Before(all[j].lastEdit) })
	for _, a := range all {
		if !a.dirty || len(a.msgs) == 0 || (!final && now.Sub(a.lastEdit) < w.o.EditEvery) {
			continue
		}
		a.dirty, a.lastEdit = false, now
		msgs := make(map[int64]int, len(a.msgs))
		for c, id := range a.msgs {
			msgs[c] = id
		}
		todo = append(todo, edit{a, msgs, a.alert})
		if !final {
			w.lastAnyEdit = now
			break
		}
	}
	w.mu.Unlock()
	for _, e := range todo {
		failed := false
		for chat, id := range e.msgs {
			if err := w.out.Edit(ctx, chat, id, e.alert); err != nil {
				failed = true
				w.log.Warn().Err(err).Int64("chat_id", chat).Str("subject", e.alert.Subject()).Msg("alert not updated; tried again later")
			}
		}
		if failed && !final {
			w.mu.Lock()
			e.a.dirty = true
			w.mu.Unlock()
		}
	}
}

// expire forgets alerts past their cooldown and a finished burst.
func (w *Watcher) expire() {
	now := w.o.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	for k, a := range w.active {
		if now.Sub(a.sent) < w.o.Cooldown || a.dirty {
			continue
		}
		// An unhealthy container says when it recovers only once: its
		// alert waits for that, a day at most.
		if k.event == eventUnhealthy && a.known && a.alert.Recovered.IsZero() && now.Sub(a.sent) < 24*time.Hour {
			continue
		}
		delete(w.active, k)
	}
	if w.burst != nil && !w.burst.dirty && now.Sub(w.burst.sent) >= w.o.BurstWindow {
		w.burst = nil
	}
	for k, t := range w.lastKill {
		if now.Sub(t) > time.Hour {
			delete(w.lastKill, k)
		}
	}
	for k, t := range w.lastDie {
		if now.Sub(t) > w.o.Cooldown+time.Hour {
			delete(w.lastDie, k)
		}
	}
}

// what says in a word or two what happened to a container.
func what(a Alert) string {
	switch a.Kind {
	case OOM:
		return "out of memory"
	case Unhealthy:
		return "unhealthy"
	case Loop:
		return fmt.Sprintf("restart loop ×%d", a.Count)
	}
	s := fmt.Sprintf("exit %d", a.ExitCode)
	if a.Stopped {
		s += ", stopped"
	}
	return s
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// clip shortens a line for a chat.
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

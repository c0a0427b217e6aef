package store

// One suite, run against both backends: whatever one backend does, the
// other must do the same, down to the order of lists and the precision of
// times.

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestBolt(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	dirs := map[*testing.T]string{}
	testStore(t, func(t *testing.T) Store {
		t.Helper()
		mu.Lock()
		dir, ok := dirs[t]
		if !ok {
			dir = filepath.Join(t.TempDir(), "data")
			dirs[t] = dir
		}
		mu.Unlock()
		s, err := Open(context.Background(), Options{DataDir: dir}, zerolog.Nop())
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	admin := needPostgres(t)
	var mu sync.Mutex
	dbs := map[*testing.T]string{}
	testStore(t, func(t *testing.T) Store {
		t.Helper()
		mu.Lock()
		u, ok := dbs[t]
		mu.Unlock()
		if !ok {
			u = newDatabase(t, admin)
			mu.Lock()
			dbs[t] = u
			mu.Unlock()
		}
		s, err := Open(context.Background(), Options{URL: u}, zerolog.Nop())
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

// base is a fixed time with nanoseconds and a zone, to prove both backends
// return UTC to the microsecond.
var base = time.Date(2020, 3, 1, 12, 0, 0, 123456789, time.FixedZone("CET", 3600))

// testStore is the conformance suite. open returns a store on the location
// of the test it is given: fresh and empty the first time for a t, the same
// data when called again with that t (after a Close).
func testStore(t *testing.T, open func(t *testing.T) Store) {
	t.Run("audit", func(t *testing.T) {
		t.Parallel()
		testAudit(t, open(t))
	})
	t.Run("pending", func(t *testing.T) {
		t.Parallel()
		testPending(t, open(t))
	})
	t.Run("confirm race", func(t *testing.T) {
		t.Parallel()
		testConfirmRace(t, open(t))
	})
	t.Run("feedback", func(t *testing.T) {
		t.Parallel()
		testFeedback(t, open(t))
	})
	t.Run("alerts", func(t *testing.T) {
		t.Parallel()
		testAlerts(t, open(t))
	})
	t.Run("mutes", func(t *testing.T) {
		t.Parallel()
		testMutes(t, open(t))
	})
	t.Run("reopen", func(t *testing.T) {
		t.Parallel()
		testReopen(t, open)
	})
	t.Run("concurrent audit", func(t *testing.T) {
		t.Parallel()
		testConcurrentAudit(t, open(t))
	})
	t.Run("quota", func(t *testing.T) {
		t.Parallel()
		testQuota(t, open)
	})
	t.Run("ping and close", func(t *testing.T) {
		t.Parallel()
		testPingClose(t, open(t))
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func testAudit(t *testing.T, s Store) {
	ctx := context.Background()
	in := []AuditEntry{
		{Time: base, ChatID: -1001234567890, UserID: 42, Kind: "command", Command: "status", Outcome: "ok",
			Duration: 1500*time.Millisecond + 7, Detail: "12 containers, 1 problem"},
		{Time: base.Add(time.Minute), ChatID: -1001234567890, UserID: 42, Kind: "action", Command: "recreate",
			Args: "nocodb", Outcome: "running", Ref: "a1b2", Phase: "started"},
		{Time: base.Add(2 * time.Minute), ChatID: 7, UserID: 7, Kind: "callback", Command: "confirm",
			Outcome: "refused", Detail: `unicode é ✓ "quotes" \ back`},
	}
	var ids []int64
	for i, e := range in {
		id, err := s.Audit(ctx, e)
		must(t, err)
		if i > 0 && id <= ids[i-1] {
			t.Fatalf("Audit ids %v then %d: not growing", ids, id)
		}
		ids = append(ids, id)
	}
	want := make([]AuditEntry, len(in))
	for i, e := range in {
		e.ID, e.Time = ids[i], normTime(e.Time)
		want[len(in)-1-i] = e
	}
	got, err := s.History(ctx, 0)
	must(t, err)
	same(t, "History(0)", got, want)
	got, err = s.History(ctx, 2)
	must(t, err)
	same(t, "History(2)", got, want[:2])

	// Pasted logs carry NUL bytes and broken UTF-8: both backends keep
	// the same cleaned text.
	dirty, err := s.Audit(ctx, AuditEntry{Time: base.Add(-time.Hour), Kind: "command", Command: "diagnose", Args: "a\x00b\xffc"})
	must(t, err)
	got, err = s.History(ctx, 1)
	must(t, err)
	if len(got) != 1 || got[0].ID != dirty || got[0].Args != "a\uFFFDb\uFFFDc" {
		t.Fatalf("dirty text came back as %+v", got)
	}
	if n, err := s.PruneAudit(ctx, base.Add(-time.Minute)); err != nil || n != 1 {
		t.Fatalf("PruneAudit of the one older entry = %d, %v", n, err)
	}

	before := time.Now()
	id, err := s.Audit(ctx, AuditEntry{Kind: "command", Command: "help", Outcome: "ok"})
	must(t, err)
	got, err = s.History(ctx, 1)
	must(t, err)
	if len(got) != 1 || got[0].ID != id || got[0].Time.Before(before.Add(-time.Millisecond)) || got[0].Time.After(time.Now()) {
		t.Fatalf("entry with a zero time came back as %+v, want id %d and a time of now", got, id)
	}
	if got[0].Time.Location() != time.UTC {
		t.Errorf("time in %v, want UTC", got[0].Time.Location())
	}

	n, err := s.PruneAudit(ctx, base.Add(90*time.Second))
	must(t, err)
	if n != 2 {
		t.Fatalf("PruneAudit removed %d, want 2", n)
	}
	got, err = s.History(ctx, 0)
	must(t, err)
	if len(got) != 2 || got[0].ID != id || got[1].ID != ids[2] {
		t.Fatalf("after prune: %+v, want ids %d and %d", got, id, ids[2])
	}
	n, err = s.PruneAudit(ctx, base.Add(90*time.Second))
	must(t, err)
	if n != 0 {
		t.Fatalf("second PruneAudit removed %d, want 0", n)
	}
	next, err := s.Audit(ctx, AuditEntry{Kind: "command"})
	must(t, err)
	if next <= id {
		t.Fatalf("id %d after prune, not above %d: ids are never reused", next, id)
	}
}

func testPending(t *testing.T, s Store) {
	ctx := context.Background()
	p := PendingAction{ID: "act-1", ChatID: -100, UserID: 42, Runbook: "recreate", Version: "3",
		Params: map[string]string{"service": "nocodb", "host": "vps"}, Created: base, Expires: base.Add(5 * time.Minute), MessageID: 77}
	must(t, s.PutPending(ctx, p))
	want := p
	want.State, want.Created, want.Expires = StatePending, normTime(p.Created), normTime(p.Expires)
	got, err := s.GetPending(ctx, "act-1")
	must(t, err)
	same(t, "GetPending", got, want)

	if _, err := s.GetPending(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetPending(unknown) = %v, want ErrNotFound", err)
	}
	if err := s.PutPending(ctx, PendingAction{}); err == nil {
		t.Fatal("PutPending with no id: no error")
	}

	got, err = s.TransitionPending(ctx, "act-1", StatePending, StateConfirmed)
	must(t, err)
	want.State = StateConfirmed
	same(t, "TransitionPending result", got, want)
	got, err = s.GetPending(ctx, "act-1")
	must(t, err)
	same(t, "GetPending after transition", got, want)

	_, err = s.TransitionPending(ctx, "act-1", StatePending, StateConfirmed)
	if !errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound) {
		t.Fatalf("second confirmation = %v, want ErrConflict", err)
	}
	if !strings.Contains(err.Error(), "confirmed") {
		t.Errorf("conflict error %q does not say the action's state", err)
	}
	if _, err := s.TransitionPending(ctx, "nope", StatePending, StateConfirmed); !errors.Is(err, ErrNotFound) {
		t.Fatalf("TransitionPending(unknown) = %v, want ErrNotFound", err)
	}
	for _, step := range [][2]string{{StateConfirmed, StateRunning}, {StateRunning, StateDone}} {
		if _, err := s.TransitionPending(ctx, "act-1", step[0], step[1]); err != nil {
			t.Fatalf("%s → %s: %v", step[0], step[1], err)
		}
	}

	// No params, no expiry: they come back nil and zero.
	p2 := PendingAction{ID: "act-2", Runbook: "opencut-on", Params: map[string]string{}, Created: base.Add(time.Minute)}
	p3 := PendingAction{ID: "act-3", Runbook: "opencut-off", Created: base.Add(-time.Minute), State: StatePending}
	must(t, s.PutPending(ctx, p2))
	must(t, s.PutPending(ctx, p3))
	got, err = s.GetPending(ctx, "act-2")
	must(t, err)
	same(t, "GetPending(act-2)", got, PendingAction{ID: "act-2", Runbook: "opencut-on", Created: normTime(p2.Created), State: StatePending})

	ids := func(ps []PendingAction) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.ID)
		}
		return out
	}
	list, err := s.ListPending(ctx, StatePending)
	must(t, err)
	same(t, "ListPending(pending)", ids(list), []string{"act-3", "act-2"})
	list, err = s.ListPending(ctx, "")
	must(t, err)
	same(t, "ListPending(all)", ids(list), []string{"act-3", "act-1", "act-2"})
	list, err = s.ListPending(ctx, StateDone)
	must(t, err)
	same(t, "ListPending(done)", ids(list), []string{"act-1"})
	list, err = s.ListPending(ctx, StateExpired)
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("ListPending(expired) = %v, want none", list)
	}

	p2.MessageID, p2.State = 9, StateCancelled
	must(t, s.PutPending(ctx, p2))
	got, err = s.GetPending(ctx, "act-2")
	must(t, err)
	if got.MessageID != 9 || got.State != StateCancelled {
		t.Fatalf("PutPending did not replace: %+v", got)
	}
}

func testConfirmRace(t *testing.T, s Store) {
	ctx := context.Background()
	must(t, s.PutPending(ctx, PendingAction{ID: "race", Runbook: "recreate", Created: base}))
	const n = 20
	var ok, conflicts atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := s.TransitionPending(ctx, "race", StatePending, StateConfirmed)
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, ErrConflict):
				conflicts.Add(1)
			default:
				errs <- err
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("unexpected error: %v", err)
	}
	if ok.Load() != 1 || conflicts.Load() != n-1 {
		t.Fatalf("%d confirmations succeeded and %d conflicted, want 1 and %d", ok.Load(), conflicts.Load(), n-1)
	}
}

func testFeedback(t *testing.T, s Store) {
	ctx := context.Background()
	votes := []struct {
		section, sig string
		up           bool
		user         int64
	}{
		{"41.1", "sigA", true, 1},
		{"41.1", "sigA", true, 2},
		{"41.1", "sigA", false, 3},
		{"41.1", "sigA", false, 1}, // user 1 changes their mind
		{"12.2", "sigA", true, 1},  // another section: another vote
		{"41.1", "sigB", true, 9},  // another signature
		{"41.1", "sigA", false, 1}, // the same vote again counts once
		{"41.1", "sigAB", true, 5}, // shares a prefix with sigA
	}
	for _, v := range votes {
		must(t, s.AddFeedback(ctx, v.section, v.sig, v.up, v.user))
	}
	got, err := s.FeedbackFor(ctx, "sigA")
	must(t, err)
	same(t, "FeedbackFor(sigA)", got, map[string]Feedback{
		"41.1": {Section: "41.1", Up: 1, Down: 2},
		"12.2": {Section: "12.2", Up: 1},
	})
	got, err = s.FeedbackFor(ctx, "sigB")
	must(t, err)
	same(t, "FeedbackFor(sigB)", got, map[string]Feedback{"41.1": {Section: "41.1", Up: 1}})
	// A signature pasted from a chat may be long: it is kept by its hash.
	long := strings.Repeat("ERROR [ExceptionHandler] password authentication failed ", 100)
	must(t, s.AddFeedback(ctx, "41.1", long, true, 1))
	must(t, s.AddFeedback(ctx, "41.1", long+"!", false, 1))
	got, err = s.FeedbackFor(ctx, long)
	must(t, err)
	same(t, "FeedbackFor(long)", got, map[string]Feedback{"41.1": {Section: "41.1", Up: 1}})
	for _, sig := range []string{"sig", "nobody voted", ""} {
		got, err = s.FeedbackFor(ctx, sig)
		must(t, err)
		if got == nil || len(got) != 0 {
			t.Fatalf("FeedbackFor(%q) = %#v, want an empty map", sig, got)
		}
	}
}

func testAlerts(t *testing.T, s Store) {
	ctx := context.Background()
	if _, err := s.GetAlert(ctx, "vps", "nocodb", "die"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetAlert(unknown) = %v, want ErrNotFound", err)
	}
	a := AlertState{Host: "vps", Container: "nocodb", Event: "die", LastSent: base, Count: 1, ChatID: -100, MessageID: 5}
	must(t, s.PutAlert(ctx, a))
	want := a
	want.LastSent = normTime(a.LastSent)
	got, err := s.GetAlert(ctx, "vps", "nocodb", "die")
	must(t, err)
	same(t, "GetAlert", got, want)

	a.Count, a.LastSent, a.MessageID = 3, base.Add(time.Minute), 6
	must(t, s.PutAlert(ctx, a))
	want.Count, want.LastSent, want.MessageID = 3, normTime(a.LastSent), 6
	got, err = s.GetAlert(ctx, "vps", "nocodb", "die")
	must(t, err)
	same(t, "GetAlert after update", got, want)

	// Keys do not run into one another.
	must(t, s.PutAlert(ctx, AlertState{Host: "ab", Container: "c", Event: "oom", Count: 1}))
	for _, k := range [][3]string{{"vps", "nocodb", "oom"}, {"a", "bc", "oom"}, {"abc", "", "oom"}} {
		if _, err := s.GetAlert(ctx, k[0], k[1], k[2]); !errors.Is(err, ErrNotFound) {
			t.Fatalf("GetAlert(%q) = %v, want ErrNotFound", k, err)
		}
	}
	got, err = s.GetAlert(ctx, "ab", "c", "oom")
	must(t, err)
	same(t, "alert with a zero time", got, AlertState{Host: "ab", Container: "c", Event: "oom", Count: 1})
}

func testMutes(t *testing.T, s Store) {
	ctx := context.Background()
	now := time.Now()
	nocodb := Mute{Scope: ScopeContainer, Name: "nocodb", Until: now.Add(time.Hour), By: 42}
	opencut := Mute{Scope: ScopeProject, Name: "opencut", Until: now.Add(-time.Minute), By: 42}
	pi := Mute{Scope: ScopeHost, Name: "pi", By: 7} // until removed
	for _, m := range []Mute{nocodb, opencut, pi} {
		must(t, s.AddMute(ctx, m))
	}
	if err := s.AddMute(ctx, Mute{Scope: "galaxy", Name: "x"}); err == nil {
		t.Fatal("AddMute with scope galaxy: no error")
	}
	norm := func(m Mute) Mute { m.Until = normTime(m.Until); return m }

	got, err := s.ActiveMutes(ctx, now)
	must(t, err)
	same(t, "ActiveMutes(now)", got, []Mute{norm(nocodb), norm(pi)})
	got, err = s.ActiveMutes(ctx, now.Add(2*time.Hour))
	must(t, err)
	same(t, "ActiveMutes(in 2h)", got, []Mute{norm(pi)})

	nocodb.Until, nocodb.By = now.Add(3*time.Hour), 43
	must(t, s.AddMute(ctx, nocodb))
	got, err = s.ActiveMutes(ctx, now.Add(2*time.Hour))
	must(t, err)
	same(t, "ActiveMutes after extending", got, []Mute{norm(nocodb), norm(pi)})

	removed, err := s.RemoveMute(ctx, ScopeContainer, "nocodb")
	must(t, err)
	if !removed {
		t.Fatal("RemoveMute(nocodb) = false, want true")
	}
	removed, err = s.RemoveMute(ctx, ScopeContainer, "nocodb")
	must(t, err)
	if removed {
		t.Fatal("second RemoveMute(nocodb) = true, want false")
	}
	got, err = s.ActiveMutes(ctx, now)
	must(t, err)
	same(t, "ActiveMutes after removal", got, []Mute{norm(pi)})
}

func testReopen(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	id, err := s.Audit(ctx, AuditEntry{Time: base, Kind: "action", Command: "recreate", Ref: "r1", Phase: "finished", Outcome: "ok"})
	must(t, err)
	p := PendingAction{ID: "keep", Runbook: "recreate", Params: map[string]string{"service": "caddy"}, Created: base, Expires: base.Add(time.Hour), State: StateRunning}
	must(t, s.PutPending(ctx, p))
	must(t, s.AddFeedback(ctx, "3.3", "sig", true, 1))
	a := AlertState{Host: "vps", Container: "caddy", Event: "oom", LastSent: base, Count: 2}
	must(t, s.PutAlert(ctx, a))
	m := Mute{Scope: ScopeProject, Name: "javisi", Until: time.Now().Add(time.Hour), By: 1}
	must(t, s.AddMute(ctx, m))
	must(t, s.Close())

	s = open(t)
	hist, err := s.History(ctx, 0)
	must(t, err)
	same(t, "History after reopen", hist, []AuditEntry{{ID: id, Time: normTime(base), Kind: "action", Command: "recreate", Ref: "r1", Phase: "finished", Outcome: "ok"}})
	gotP, err := s.GetPending(ctx, "keep")
	must(t, err)
	p.Created, p.Expires = normTime(p.Created), normTime(p.Expires)
	same(t, "pending after reopen", gotP, p)
	fb, err := s.FeedbackFor(ctx, "sig")
	must(t, err)
	same(t, "feedback after reopen", fb, map[string]Feedback{"3.3": {Section: "3.3", Up: 1}})
	gotA, err := s.GetAlert(ctx, "vps", "caddy", "oom")
	must(t, err)
	a.LastSent = normTime(a.LastSent)
	same(t, "alert after reopen", gotA, a)
	mutes, err := s.ActiveMutes(ctx, time.Now())
	must(t, err)
	m.Until = normTime(m.Until)
	same(t, "mutes after reopen", mutes, []Mute{m})
	next, err := s.Audit(ctx, AuditEntry{Kind: "command"})
	must(t, err)
	if next <= id {
		t.Fatalf("id %d after reopen, not above %d", next, id)
	}
}

func testConcurrentAudit(t *testing.T, s Store) {
	ctx := context.Background()
	const workers, each = 16, 25
	var mu sync.Mutex
	seen := map[int64]bool{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id, err := s.Audit(ctx, AuditEntry{Kind: "command", Command: "status", UserID: int64(w), Detail: fmt.Sprintf("w%d-%d", w, i)})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[id] {
					t.Errorf("id %d given twice", id)
				}
				seen[id] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	hist, err := s.History(ctx, 0)
	must(t, err)
	if len(hist) != workers*each {
		t.Fatalf("History has %d entries, want %d", len(hist), workers*each)
	}
	details := map[string]bool{}
	for i, e := range hist {
		if !seen[e.ID] {
			t.Fatalf("History has id %d that no Audit returned", e.ID)
		}
		if i > 0 && e.ID >= hist[i-1].ID {
			t.Fatalf("History not newest first at %d: %d after %d", i, e.ID, hist[i-1].ID)
		}
		details[e.Detail] = true
	}
	if len(details) != workers*each {
		t.Fatalf("%d distinct entries, want %d", len(details), workers*each)
	}
	keys := make([]int64, 0, len(seen))
	for id := range seen {
		keys = append(keys, id)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	if keys[0] <= 0 {
		t.Fatalf("ids start at %d, want positive", keys[0])
	}
}

func testPingClose(t *testing.T, s Store) {
	ctx := context.Background()
	must(t, s.Ping(ctx))
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.History(cctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("History with a cancelled context = %v, want context.Canceled", err)
	}
	if errors.Is(s.Ping(cctx), ErrUnavailable) {
		t.Fatal("a cancelled context is the caller's doing, not ErrUnavailable")
	}
	must(t, s.Close())
	must(t, s.Close())
	for name, err := range map[string]error{
		"Ping":  s.Ping(ctx),
		"Audit": func() error { _, err := s.Audit(ctx, AuditEntry{}); return err }(),
		"GetAlert": func() error {
			_, err := s.GetAlert(ctx, "a", "b", "c")
			return err
		}(),
	} {
		if !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s after Close = %v, want ErrUnavailable", name, err)
		}
	}
}

// testQuota: 20 concurrent takers of a quota of 5 → exactly 5 granted, the
// count survives a reopen, keys are apart, and no limit means none.
func testQuota(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	var granted atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			used, ok, err := s.TakeQuota(ctx, "llm 2026-11-30", 5)
			if err != nil {
				t.Errorf("TakeQuota: %v", err)
				return
			}
			if ok {
				granted.Add(1)
			}
			if used > 5 {
				t.Errorf("used %d over the limit", used)
			}
		}()
	}
	wg.Wait()
	if n := granted.Load(); n != 5 {
		t.Fatalf("%d takes granted of a quota of 5", n)
	}
	must(t, s.Close())
	s = open(t)
	if used, ok, err := s.TakeQuota(ctx, "llm 2026-11-30", 5); err != nil || ok || used != 5 {
		t.Fatalf("after reopen: used %d ok %v err %v, want 5 false", used, ok, err)
	}
	if used, ok, err := s.TakeQuota(ctx, "llm 2026-12-01", 5); err != nil || !ok || used != 1 {
		t.Fatalf("another day: used %d ok %v err %v", used, ok, err)
	}
	for i := 1; i <= 3; i++ {
		if used, ok, err := s.TakeQuota(ctx, "unlimited", 0); err != nil || !ok || used != i {
			t.Fatalf("no limit, take %d: used %d ok %v err %v", i, used, ok, err)
		}
	}
}

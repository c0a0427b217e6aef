package watch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"vigie/stack"
	"vigie/store"
)

// fakeSource is a function-field-free fake of the stack: the test emits
// events on the open stream, breaks it, and sets what inspect, logs and
// snapshot answer.
type fakeSource struct {
	mu      sync.Mutex
	stream  chan stack.Event
	errc    chan error
	sinces  []time.Time
	pingErr error
	conts   map[string]stack.Container
	logs    map[string][]stack.LogLine
	snap    []stack.HostState
	opened  chan struct{}
}

func newFake() *fakeSource {
	return &fakeSource{conts: map[string]stack.Container{}, logs: map[string][]stack.LogLine{}, opened: make(chan struct{}, 16)}
}

func (f *fakeSource) Hosts() []string { return []string{"h"} }

func (f *fakeSource) Events(ctx context.Context, host string, since time.Time) (<-chan stack.Event, <-chan error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stream, f.errc = make(chan stack.Event, 64), make(chan error, 1)
	f.sinces = append(f.sinces, since)
	out, errc := f.stream, f.errc
	go func() {
		<-ctx.Done()
		f.breakStream(ctx.Err())
	}()
	f.opened <- struct{}{}
	return out, errc
}

func (f *fakeSource) breakStream(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stream == nil {
		return
	}
	f.errc <- err
	close(f.stream)
	f.stream = nil
}

func (f *fakeSource) emit(evs ...stack.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ev := range evs {
		f.stream <- ev
	}
}

func (f *fakeSource) Inspect(_ context.Context, host, id string) (stack.Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.conts[id]
	if !ok {
		return stack.Container{}, fmt.Errorf("no such container %s", id)
	}
	return c, nil
}

func (f *fakeSource) Logs(_ context.Context, c stack.Container, n int) ([]stack.LogLine, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.logs[c.Name], nil
}

func (f *fakeSource) Snapshot(context.Context) []stack.HostState {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.snap
}

func (f *fakeSource) Ping(context.Context, string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pingErr
}

// recorder is a Notifier that keeps what it was given.
type recorder struct {
	fail   bool // Send fails (Telegram down)
	mu     sync.Mutex
	sent   []Alert
	sentAt []time.Time
	edits  []Alert
	next   int
}

func (r *recorder) Send(_ context.Context, _ int64, a Alert) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail {
		return 0, errors.New("Bad Gateway")
	}
	r.sent = append(r.sent, a)
	r.sentAt = append(r.sentAt, time.Now())
	r.next++
	return r.next, nil
}

func (r *recorder) Edit(_ context.Context, _ int64, _ int, a Alert) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.edits = append(r.edits, a)
	return nil
}

func (r *recorder) snapshot() (sent, edits []Alert) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Alert(nil), r.sent...), append([]Alert(nil), r.edits...)
}

// waitSent waits until n alerts were sent, and fails on more.
func (r *recorder) waitSent(t *testing.T, n int, within time.Duration) []Alert {
	t.Helper()
	deadline := time.Now().Add(within)
	for first := true; first || time.Now().Before(deadline); first = false {
		if s, _ := r.snapshot(); len(s) >= n {
			if len(s) > n {
				t.Fatalf("%d alerts sent, want %d: %+v", len(s), n, s)
			}
			return s
		}
		time.Sleep(10 * time.Millisecond)
	}
	s, _ := r.snapshot()
	t.Fatalf("%d alerts sent within %s, want %d: %+v", len(s), within, n, s)
	return nil
}

type diagFunc func(string) ([]stack.Match, bool)

func (d diagFunc) Diagnose(text string) ([]stack.Match, bool) { return d(text) }

// boomDiag knows one pitfall: lines saying "boom".
var boomDiag = diagFunc(func(text string) ([]stack.Match, bool) {
	if strings.Contains(text, "boom") {
		return []stack.Match{{ID: "9.9", Title: "Boom", Confidence: "high"}}, false
	}
	return []stack.Match{{ID: "1.1", Title: "Weak", Confidence: "low"}}, true
})

func start(t *testing.T, f *fakeSource, state State, o Options) (*Watcher, *recorder) {
	t.Helper()
	o.Chats = []int64{1}
	if o.Diagnoser == nil {
		o.Diagnoser = boomDiag
	}
	o.EditEvery, o.EditGap = 50*time.Millisecond, 10*time.Millisecond
	o.MinBackoff, o.MaxBackoff = 20*time.Millisecond, 50*time.Millisecond
	w := New(f, state, o, zerolog.Nop())
	rec := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := w.Run(ctx, rec); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("watcher did not stop")
		}
	})
	select {
	case <-f.opened:
	case <-time.After(5 * time.Second):
		t.Fatal("no event stream opened")
	}
	return w, rec
}

func die(name string, code int, at time.Time) stack.Event {
	return stack.Event{Host: "h", Action: "die", Container: "id-" + name, Name: name, ExitCode: fmt.Sprint(code), Time: at,
		Labels: map[string]string{stack.LabelProject: "javisi", stack.LabelService: name}}
}

func (f *fakeSource) add(name string, lines ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := stack.Container{Host: "h", ID: "id-" + name, Name: name, Service: name, Project: "javisi", Image: name + ":1", State: "exited",
		Env: []string{"DB_PASSWORD=hunter2-secret"}}
	f.conts[c.ID], f.conts[name] = c, c
	for _, l := range lines {
		f.logs[name] = append(f.logs[name], stack.LogLine{Time: time.Now(), Text: l})
	}
}

func TestDeathAlertsOnceWithDiagnosisAndRedaction(t *testing.T) {
	f := newFake()
	f.add("api", "starting", "FATAL boom: cannot connect with password hunter2-secret")
	_, rec := start(t, f, nil, Options{})
	t0 := time.Now()
	f.emit(stack.Event{Host: "h", Action: "kill", Container: "id-other", Name: "other", Time: t0}) // not a failure
	f.emit(die("api", 1, t0))
	sent := rec.waitSent(t, 1, time.Second)
	if took := time.Since(t0); took > time.Second {
		t.Errorf("alert after %s, want < 1s", took)
	}
	a := sent[0]
	if a.Kind != Died || a.Name != "api" || a.ExitCode != 1 || a.Project != "javisi" || a.Pitfall == nil || a.Pitfall.ID != "9.9" {
		t.Fatalf("alert: %+v", a)
	}
	joined := strings.Join(a.Lines, "\n")
	if strings.Contains(joined, "hunter2-secret") || !strings.Contains(joined, "FATAL boom") {
		t.Fatalf("lines not redacted or missing: %q", joined)
	}
	time.Sleep(400 * time.Millisecond)
	rec.waitSent(t, 1, 0)
}

func TestRepeatedDeathsEditOneAlertIntoALoop(t *testing.T) {
	f := newFake()
	f.add("api", "boom")
	_, rec := start(t, f, nil, Options{LoopCount: 3, LoopWindow: time.Minute})
	t0 := time.Now()
	for i := 0; i < 5; i++ {
		f.emit(die("api", 2, t0.Add(time.Duration(i)*time.Second)))
		time.Sleep(250 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	sent, edits := rec.snapshot()
	if len(sent) != 1 {
		t.Fatalf("%d alerts sent, want 1", len(sent))
	}
	if len(edits) < 2 {
		t.Fatalf("%d edits, want the count to rise at least twice", len(edits))
	}
	prev := 0
	for _, e := range edits {
		if e.Count < prev {
			t.Fatalf("count fell: %d after %d", e.Count, prev)
		}
		prev = e.Count
	}
	last := edits[len(edits)-1]
	if last.Kind != Loop || last.Count != 5 || last.Last.Sub(last.First) != 4*time.Second {
		t.Fatalf("last edit: kind %s count %d span %s", last.Kind, last.Count, last.Last.Sub(last.First))
	}
}

func TestManyFailuresAtOnceAreOneSummary(t *testing.T) {
	f := newFake()
	_, rec := start(t, f, nil, Options{BurstContainers: 5, BurstWindow: 10 * time.Second})
	t0 := time.Now()
	var evs []stack.Event
	for i := 0; i < 20; i++ {
		evs = append(evs, die(fmt.Sprintf("c%02d", i), 137, t0))
	}
	f.emit(evs...)
	sent := rec.waitSent(t, 1, time.Second)
	if sent[0].Kind != Burst || len(sent[0].Items) != 20 {
		t.Fatalf("summary: kind %s, %d items", sent[0].Kind, len(sent[0].Items))
	}
	// Two more within the window join the summary by an edit.
	f.emit(die("late1", 1, time.Now()), die("late2", 1, time.Now()))
	time.Sleep(500 * time.Millisecond)
	sent, edits := rec.snapshot()
	if len(sent) != 1 || len(edits) == 0 || len(edits[len(edits)-1].Items) != 22 {
		t.Fatalf("after two more: %d sent, edits %d (last %d items)", len(sent), len(edits), func() int {
			if len(edits) == 0 {
				return 0
			}
			return len(edits[len(edits)-1].Items)
		}())
	}
	// A container of the burst dying again is within its cooldown: quiet.
	f.emit(die("c03", 137, time.Now()))
	time.Sleep(400 * time.Millisecond)
	rec.waitSent(t, 1, 0)
}

func TestMuteHonouredThenExpired(t *testing.T) {
	f := newFake()
	f.add("api", "boom")
	w, rec := start(t, f, nil, Options{})
	if err := w.Mute(context.Background(), store.Mute{Scope: store.ScopeProject, Name: "javisi", Until: time.Now().Add(700 * time.Millisecond)}); !errors.Is(err, ErrNotSaved) {
		t.Fatalf("mute without a store: %v, want ErrNotSaved", err)
	}
	f.emit(die("api", 1, time.Now()))
	time.Sleep(500 * time.Millisecond)
	if s, _ := rec.snapshot(); len(s) != 0 {
		t.Fatalf("muted project alerted: %+v", s)
	}
	if st := w.Status(context.Background()); st.Suppressed != 1 || len(st.Mutes) != 1 {
		t.Fatalf("status: suppressed %d, mutes %+v", st.Suppressed, st.Mutes)
	}
	time.Sleep(400 * time.Millisecond) // the mute has expired
	f.emit(die("api", 1, time.Now()))
	rec.waitSent(t, 1, time.Second)
	if st := w.Status(context.Background()); len(st.Mutes) != 0 {
		t.Fatalf("expired mute still listed: %+v", st.Mutes)
	}
}

func TestResumesFromTheLastEventWithoutDoubles(t *testing.T) {
	f := newFake()
	f.add("api", "boom")
	f.add("db", "boom")
	w, rec := start(t, f, nil, Options{})
	e1 := die("api", 1, time.Now())
	f.emit(e1)
	rec.waitSent(t, 1, time.Second)
	f.mu.Lock()
	f.pingErr = errors.New("connection refused")
	f.mu.Unlock()
	f.breakStream(errors.New("unexpected EOF"))
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if st := w.Status(context.Background()); len(st.Hosts) == 1 && !st.Hosts[0].Connected && strings.Contains(st.Hosts[0].Err, "refused") {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st := w.Status(context.Background()); st.Hosts[0].Connected || !strings.Contains(st.Hosts[0].Err, "connection refused") {
		t.Fatalf("host status while down: %+v", st.Hosts[0])
	}
	f.mu.Lock()
	f.pingErr = nil
	f.mu.Unlock()
	select {
	case <-f.opened:
	case <-time.After(3 * time.Second):
		t.Fatal("no reconnection")
	}
	f.mu.Lock()
	since := f.sinces[len(f.sinces)-1]
	f.mu.Unlock()
	if !since.Equal(e1.Time) {
		t.Fatalf("resumed since %s, want the last event's time %s", since, e1.Time)
	}
	// The engine replays from since, inclusive: e1 again, then the gap.
	f.emit(e1, die("db", 3, time.Now()))
	sent := rec.waitSent(t, 2, time.Second)
	if sent[1].Name != "db" {
		t.Fatalf("second alert: %+v", sent[1])
	}
	time.Sleep(300 * time.Millisecond)
	rec.waitSent(t, 2, 0)
	if st := w.Status(context.Background()); st.Hosts[0].Reconnects != 1 {
		t.Fatalf("reconnects: %d", st.Hosts[0].Reconnects)
	}
}

func TestUnhealthyThenRecoveredEditsTheAlert(t *testing.T) {
	f := newFake()
	f.add("web")
	f.mu.Lock()
	c := f.conts["web"]
	c.State, c.Health = "running", "unhealthy"
	c.HealthLog = []stack.Probe{{ExitCode: 1, Output: "wget: can't connect to remote host: boom refused"}}
	f.conts["web"], f.conts["id-web"] = c, c
	f.mu.Unlock()
	_, rec := start(t, f, nil, Options{})
	at := time.Now()
	f.emit(stack.Event{Host: "h", Action: "health_status: unhealthy", Container: "id-web", Name: "web", Time: at})
	sent := rec.waitSent(t, 1, time.Second)
	if sent[0].Kind != Unhealthy || sent[0].Pitfall == nil || len(sent[0].Lines) == 0 || !strings.HasPrefix(sent[0].Lines[0], "probe: ") {
		t.Fatalf("unhealthy alert: %+v", sent[0])
	}
	f.emit(stack.Event{Host: "h", Action: "health_status: healthy", Container: "id-web", Name: "web", Time: at.Add(5 * time.Second)})
	time.Sleep(500 * time.Millisecond)
	_, edits := rec.snapshot()
	if len(edits) == 0 || !edits[len(edits)-1].Recovered.Equal(at.Add(5*time.Second)) {
		t.Fatalf("no recovery edit: %+v", edits)
	}
	rec.waitSent(t, 1, 0)
}

func TestStartupSummaryThenQuiet(t *testing.T) {
	f := newFake()
	f.snap = []stack.HostState{
		{Host: "h", Containers: []stack.Container{
			{Host: "h", Name: "ok", State: "running"},
			{Host: "h", Name: "down", State: "exited", ExitCode: 1},
			{Host: "h", Name: "sick", State: "running", Health: "unhealthy"},
			{Host: "h", Name: "loop", State: "restarting"},
		}},
		{Host: "pi", Err: errors.New("dial: no route")},
	}
	_, rec := start(t, f, nil, Options{StartupSummary: true})
	sent := rec.waitSent(t, 1, time.Second)
	a := sent[0]
	if a.Kind != Startup || len(a.Items) != 3 || len(a.Unreachable) != 1 || a.Unreachable[0] != "pi" {
		t.Fatalf("startup summary: %+v", a)
	}
	f.emit(die("loop", 1, time.Now()))
	time.Sleep(400 * time.Millisecond)
	rec.waitSent(t, 1, 0)
}

// failingState is a store that is down.
type failingState struct{}

var errDown = fmt.Errorf("store down: %w", store.ErrUnavailable)

func (failingState) GetAlert(context.Context, string, string, string) (store.AlertState, error) {
	return store.AlertState{}, errDown
}
func (failingState) PutAlert(context.Context, store.AlertState) error { return errDown }
func (failingState) AddMute(context.Context, store.Mute) error        { return errDown }
func (failingState) RemoveMute(context.Context, string, string) (bool, error) {
	return false, errDown
}
func (failingState) ActiveMutes(context.Context, time.Time) ([]store.Mute, error) {
	return nil, errDown
}

func TestStoreDownAlertsStillFlow(t *testing.T) {
	f := newFake()
	f.add("api", "boom")
	w, rec := start(t, f, failingState{}, Options{})
	err := w.Mute(context.Background(), store.Mute{Scope: store.ScopeContainer, Name: "db", Until: time.Now().Add(time.Hour)})
	if !errors.Is(err, ErrNotSaved) {
		t.Fatalf("mute with the store down: %v", err)
	}
	f.emit(die("api", 1, time.Now()))
	rec.waitSent(t, 1, time.Second)
	f.emit(die("api", 1, time.Now().Add(time.Second)))
	time.Sleep(300 * time.Millisecond)
	rec.waitSent(t, 1, 0) // the cooldown holds in memory
	if ok, err := w.Unmute(context.Background(), store.ScopeContainer, "db"); !ok || !errors.Is(err, ErrNotSaved) {
		t.Fatalf("unmute: %v %v", ok, err)
	}
}

// openBolt opens a real embedded store in a temporary directory.
func openBolt(t *testing.T) store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), store.Options{DataDir: t.TempDir()}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestCooldownOutlivesARestart(t *testing.T) {
	st := openBolt(t)
	f := newFake()
	f.add("api", "boom")
	ctx, cancel := context.WithCancel(context.Background())
	w := New(f, st, Options{Chats: []int64{1}, Diagnoser: boomDiag}, zerolog.Nop())
	rec := &recorder{}
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(ctx, rec) }()
	<-f.opened
	f.emit(die("api", 1, time.Now()))
	rec.waitSent(t, 1, time.Second)
	time.Sleep(100 * time.Millisecond)
	cancel()
	<-done

	_, rec2 := start(t, f, st, Options{})
	f.emit(die("api", 1, time.Now()))
	time.Sleep(500 * time.Millisecond)
	if s, _ := rec2.snapshot(); len(s) != 0 {
		t.Fatalf("a restarted watcher alerted again within the cooldown: %+v", s)
	}
	f.emit(die("db", 1, time.Now()))
	rec2.waitSent(t, 1, time.Second)
}

// A vigie restarting (a crash loop, a redeploy) does not repeat its start-up
// summary: the containers it listed are within their cooldown, in the store.
func TestStartupSummaryNotRepeatedAfterARestart(t *testing.T) {
	st := openBolt(t)
	f := newFake()
	f.snap = []stack.HostState{{Host: "h", Containers: []stack.Container{
		{Host: "h", Name: "down", State: "exited", ExitCode: 1},
		{Host: "h", Name: "sick", State: "running", Health: "unhealthy"},
	}}}
	run := func() []Alert {
		ctx, cancel := context.WithCancel(context.Background())
		w := New(f, st, Options{Chats: []int64{1}, Diagnoser: boomDiag, StartupSummary: true}, zerolog.Nop())
		rec := &recorder{}
		done := make(chan struct{})
		go func() { defer close(done); _ = w.Run(ctx, rec) }()
		<-f.opened
		time.Sleep(300 * time.Millisecond)
		cancel()
		<-done
		s, _ := rec.snapshot()
		return s
	}
	first := run()
	if len(first) != 1 || first[0].Kind != Startup || len(first[0].Items) != 2 {
		t.Fatalf("first start: %+v", first)
	}
	if again := run(); len(again) != 0 {
		t.Fatalf("a restarted vigie repeated its start-up summary: %+v", again)
	}
	// A container that went wrong since is news: the summary lists it alone.
	f.snap[0].Containers = append(f.snap[0].Containers, stack.Container{Host: "h", Name: "new", State: "exited", ExitCode: 2})
	third := run()
	if len(third) != 1 || len(third[0].Items) != 1 || third[0].Items[0].Name != "new" {
		t.Fatalf("third start: %+v", third)
	}
}

func TestMassStopWaitsForItsKilledContainers(t *testing.T) {
	f := newFake()
	_, rec := start(t, f, nil, Options{BurstContainers: 5})
	now := time.Now()
	var kills []stack.Event
	for i := 0; i < 8; i++ {
		kills = append(kills, stack.Event{Host: "h", Action: "kill", Container: fmt.Sprintf("id-s%d", i), Name: fmt.Sprintf("s%d", i), Time: now})
	}
	f.emit(kills...)
	// The deaths come one by one, further apart than the quiet time.
	for i := 0; i < 8; i++ {
		time.Sleep(300 * time.Millisecond)
		f.emit(die(fmt.Sprintf("s%d", i), 143, time.Now()))
	}
	sent := rec.waitSent(t, 1, 3*time.Second)
	if sent[0].Kind != Burst || len(sent[0].Items) != 8 || !strings.Contains(sent[0].Items[0].What, "stopped") {
		t.Fatalf("mass stop: %+v", sent[0])
	}
	time.Sleep(300 * time.Millisecond)
	rec.waitSent(t, 1, 0)
}

func TestLogScanAlertsNewSignaturesOnce(t *testing.T) {
	f := newFake()
	f.add("grafana", "boom from before the watch") // already there: not news
	f.mu.Lock()
	g := f.conts["grafana"]
	g.State = "running"
	f.snap = []stack.HostState{{Host: "h", Containers: []stack.Container{g}}}
	f.mu.Unlock()
	_, rec := start(t, f, nil, Options{ScanInterval: 200 * time.Millisecond})
	time.Sleep(500 * time.Millisecond)
	if s, _ := rec.snapshot(); len(s) != 0 {
		t.Fatalf("old log lines alerted: %+v", s)
	}
	f.mu.Lock()
	f.logs["grafana"] = append(f.logs["grafana"],
		stack.LogLine{Time: time.Now(), Text: "level=error msg=\"boom: datasource not found\" password=hunter2-secret"})
	f.mu.Unlock()
	sent := rec.waitSent(t, 1, 2*time.Second)
	a := sent[0]
	if a.Kind != LogHit || a.Pitfall == nil || a.Pitfall.ID != "9.9" || len(a.Lines) != 1 || strings.Contains(a.Lines[0], "hunter2-secret") {
		t.Fatalf("log alert: %+v", a)
	}
	// The same signature again is within its cooldown.
	f.mu.Lock()
	f.logs["grafana"] = append(f.logs["grafana"], stack.LogLine{Time: time.Now(), Text: "boom again"})
	f.mu.Unlock()
	time.Sleep(600 * time.Millisecond)
	rec.waitSent(t, 1, 0)
}

func TestOwnActionsAreNotAlerted(t *testing.T) {
	f := newFake()
	f.add("api", "boom")
	f.add("db", "boom")
	w, rec := start(t, f, nil, Options{})
	// A restart of api, a compose down of another project.
	w.Expect("h", "javisi", "api", "api", time.Minute)
	w.Expect("h", "opencut", "", "", time.Minute)
	f.emit(die("api", 137, time.Now()))
	down := die("web", 137, time.Now())
	down.Labels[stack.LabelProject] = "opencut"
	f.emit(down)
	time.Sleep(400 * time.Millisecond)
	if s, _ := rec.snapshot(); len(s) != 0 {
		t.Fatalf("vigie's own actions alerted: %+v", s)
	}
	// Another container of the same project is news.
	f.emit(die("db", 1, time.Now()))
	sent := rec.waitSent(t, 1, time.Second)
	if sent[0].Name != "db" {
		t.Fatalf("alert: %+v", sent[0])
	}
}

func TestUndeliveredAlertIsNotCooledDown(t *testing.T) {
	f := newFake()
	f.add("api", "boom")
	_, rec := start(t, f, nil, Options{})
	rec.mu.Lock()
	rec.fail = true
	rec.mu.Unlock()
	f.emit(die("api", 1, time.Now()))
	time.Sleep(400 * time.Millisecond)
	rec.mu.Lock()
	rec.fail = false
	rec.mu.Unlock()
	// The next death is news again: nothing reached the chat before.
	f.emit(die("api", 1, time.Now()))
	rec.waitSent(t, 1, time.Second)
}

func TestUnhealthyAgainAfterRecoveryIsANewAlert(t *testing.T) {
	f := newFake()
	f.add("web")
	_, rec := start(t, f, nil, Options{})
	at := time.Now()
	ev := func(action string, d time.Duration) stack.Event {
		return stack.Event{Host: "h", Action: action, Container: "id-web", Name: "web", Time: at.Add(d)}
	}
	f.emit(ev("health_status: unhealthy", 0))
	rec.waitSent(t, 1, time.Second)
	f.emit(ev("health_status: healthy", time.Second))
	time.Sleep(300 * time.Millisecond)
	f.emit(ev("health_status: unhealthy", 2*time.Second))
	sent := rec.waitSent(t, 2, time.Second)
	if sent[1].Kind != Unhealthy || !sent[1].Recovered.IsZero() {
		t.Fatalf("relapse: %+v", sent[1])
	}
}

func TestBurstCountsTheFailuresAlertedBeforeIt(t *testing.T) {
	f := newFake()
	_, rec := start(t, f, nil, Options{BurstContainers: 3, BurstWindow: 10 * time.Second})
	f.emit(die("a", 1, time.Now()))
	rec.waitSent(t, 1, time.Second)
	f.emit(die("b", 1, time.Now()))
	rec.waitSent(t, 2, time.Second)
	f.emit(die("c", 1, time.Now()), die("d", 1, time.Now()))
	sent := rec.waitSent(t, 3, time.Second)
	if sent[2].Kind != Burst || sent[2].Count != 4 || len(sent[2].Items) != 2 {
		t.Fatalf("summary: kind %s count %d items %d", sent[2].Kind, sent[2].Count, len(sent[2].Items))
	}
}

func TestReloadSignalsDoNotHoldAlerts(t *testing.T) {
	f := newFake()
	f.add("api", "boom")
	_, rec := start(t, f, nil, Options{BurstContainers: 3})
	now := time.Now()
	for i := 0; i < 6; i++ {
		f.emit(stack.Event{Host: "h", Action: "kill", Container: fmt.Sprintf("id-x%d", i), Name: fmt.Sprintf("x%d", i), Time: now, Labels: map[string]string{"signal": "1"}})
	}
	f.emit(die("api", 1, now))
	rec.waitSent(t, 1, time.Second)
}

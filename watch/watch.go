// Package watch turns the Docker events of every host into alerts: a
// container dying with a non-zero exit, killed for memory, turning unhealthy
// (and recovering), restarting in a loop. Each alert carries the container's
// last log lines, redacted, and the pitfall they match.
//
// Noise is the enemy: the same event of the same container is alerted once
// per cooldown (repeats raise the count of the alert already sent, by an
// edit), many containers failing together become one summary, containers
// already down at start one summary, and mutes by container, project or
// host silence what an operator chose. The event streams reconnect with
// backoff and resume where they broke, so an event in the gap is alerted
// once. No Telegram here: alerts go to a Notifier.
package watch

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"vigie/stack"
	"vigie/store"
)

// Kind is what an alert is about.
type Kind string

// Alert kinds.
const (
	Died      Kind = "died"      // exited with a non-zero code
	OOM       Kind = "oom"       // killed for memory
	Unhealthy Kind = "unhealthy" // its healthcheck fails
	Loop      Kind = "loop"      // died again and again within the loop window
	LogHit    Kind = "log"       // a new pitfall signature in a running container's log
	Burst     Kind = "burst"     // many containers failed together: one summary
	Startup   Kind = "startup"   // containers already in trouble when the watch began
	Gap       Kind = "gap"       // containers that went down while a host was unreachable
)

// Pitfall is a corpus section an alert points to.
type Pitfall struct {
	ID, Title, Confidence string
}

// Item is one container of a summary.
type Item struct {
	Host, Name, Service, Project string
	What                         string // "exit 1", "oom", "unhealthy", "restarting"
}

// Alert is one message about the stack, transport-free.
type Alert struct {
	Kind    Kind
	Host    string
	Name    string // container name
	Service string // compose service, "" when none
	Project string // compose project
	Image   string
	// ExitCode is the last exit code (died, oom, loop).
	ExitCode int
	// Count is how many times the event happened since the alert was sent
	// (at least 1); a loop's deaths within the loop window.
	Count int
	// First and Last are the times of the first and last event counted.
	First, Last time.Time
	// Stopped says the death followed a kill request (docker stop or kill,
	// compose stop or down) rather than a crash.
	Stopped bool
	// Recovered is when an unhealthy container became healthy again.
	Recovered time.Time
	// Lines are the last log lines (or failing probe outputs), redacted.
	Lines []string
	// Pitfall is the section the lines match, nil when none matches well.
	Pitfall *Pitfall
	// Others are the next candidates.
	Others []Pitfall
	// Items are the containers of a summary (burst, startup, gap).
	Items []Item
	// Hosts are the hosts watched (startup) and Unreachable those that
	// could not be read.
	Hosts, Unreachable []string
}

// Subject names what the alert is about, for logs and /alerts.
func (a Alert) Subject() string {
	if a.Name != "" {
		return a.Host + "/" + a.Name
	}
	return a.Host
}

// Source is what the watcher needs of the stack.
type Source interface {
	Hosts() []string
	Events(ctx context.Context, host string, since time.Time) (<-chan stack.Event, <-chan error)
	Inspect(ctx context.Context, host, id string) (stack.Container, error)
	Logs(ctx context.Context, c stack.Container, n int) ([]stack.LogLine, error)
	Snapshot(ctx context.Context) []stack.HostState
	Ping(ctx context.Context, host string) error
}

// State is what the watcher keeps in the store: alert state (for the
// cooldown to outlive a restart) and mutes.
type State interface {
	GetAlert(ctx context.Context, host, container, event string) (store.AlertState, error)
	PutAlert(ctx context.Context, a store.AlertState) error
	AddMute(ctx context.Context, m store.Mute) error
	RemoveMute(ctx context.Context, scope, name string) (bool, error)
	ActiveMutes(ctx context.Context, now time.Time) ([]store.Mute, error)
}

// Notifier delivers alerts to a chat, and updates one already delivered.
type Notifier interface {
	Send(ctx context.Context, chatID int64, a Alert) (messageID int, err error)
	Edit(ctx context.Context, chatID int64, messageID int, a Alert) error
}

// Options tune the watcher; zero values take the defaults of config.
type Options struct {
	// Chats receive the alerts.
	Chats []int64
	// Cooldown: the same event of the same container is alerted once per
	// cooldown; repeats update the alert.
	Cooldown time.Duration
	// LogLines are read for an alert's diagnosis.
	LogLines int
	// LoopCount deaths within LoopWindow make a restart loop.
	LoopCount  int
	LoopWindow time.Duration
	// BurstContainers failing within BurstWindow are one summary.
	BurstContainers int
	BurstWindow     time.Duration
	// StartupSummary sends the containers already in trouble at start.
	StartupSummary bool
	// ScanInterval, when > 0, reads new log lines for pitfall signatures.
	ScanInterval time.Duration
	// Diagnoser matches log lines against the corpus; nil: no diagnosis.
	Diagnoser stack.Diagnoser

	// Quiet and MaxHold shape the short hold that lets a burst gather:
	// events are handled once none came for Quiet, or MaxHold after the
	// first. They bound an alert's latency.
	Quiet, MaxHold time.Duration
	// EditEvery spaces the edits of one alert, EditGap the edits of all
	// alerts together (Telegram limits edits as it limits messages).
	EditEvery, EditGap time.Duration
	// Backoff bounds the reconnection delays of a broken event stream.
	MinBackoff, MaxBackoff time.Duration
	// Now is the clock (tests).
	Now func() time.Time
	// Metric, when set, is told of every alert sent, by kind.
	Metric func(kind Kind)
	// Record, when set, is told of every alert delivered or not (the audit
	// trail): to how many chats it went, and the first error.
	Record func(a Alert, delivered int, err error)
}

func (o *Options) defaults() {
	if o.Cooldown <= 0 {
		o.Cooldown = 10 * time.Minute
	}
	if o.LogLines <= 0 {
		o.LogLines = 100
	}
	if o.LoopCount <= 0 {
		o.LoopCount = 3
	}
	if o.LoopWindow <= 0 {
		o.LoopWindow = 10 * time.Minute
	}
	if o.BurstContainers <= 0 {
		o.BurstContainers = 5
	}
	if o.BurstWindow <= 0 {
		o.BurstWindow = 30 * time.Second
	}
	if o.Quiet <= 0 {
		o.Quiet = 150 * time.Millisecond
	}
	if o.MaxHold <= 0 {
		o.MaxHold = 500 * time.Millisecond
	}
	if o.EditEvery <= 0 {
		o.EditEvery = 2 * time.Second
	}
	if o.EditGap <= 0 {
		o.EditGap = time.Second
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 250 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 15 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Watcher watches the hosts of a Source. Mute, Unmute and Status may be
// called from any goroutine, whether Run is running or not.
type Watcher struct {
	o     Options
	src   Source
	state State
	out   Notifier
	log   zerolog.Logger

	events chan stack.Event

	mu          sync.Mutex
	running     bool
	started     time.Time
	hosts       map[string]*HostStatus
	mutes       []store.Mute
	active      map[alertKey]*active
	recent      []failure // new failures within the burst window
	burst       *active   // the summary being added to, if any
	history     []Entry
	suppressed  int
	folded      int
	lastKill    map[string]time.Time // host/name → last kill request
	expected    []expectation        // vigie's own actions in progress
	lastDie     map[string]time.Time // host/name → last death the stream delivered
	gapBusy     map[string]bool      // hosts with a gap check in flight
	lastAnyEdit time.Time            // the last edit of any alert
	mutesGen    int                  // changes of the mutes in memory
	// unsavedMutes and unsavedUnmutes (by "scope name") are the changes
	// the store did not take: they hold in this process.
	unsavedMutes   map[string]store.Mute
	unsavedUnmutes map[string]bool
	wg             sync.WaitGroup       // goroutines Run waits for
	scanned        map[string]time.Time // host/id → last log line scanned
	latencies      []time.Duration
}

// HostStatus is the state of one host's event stream.
type HostStatus struct {
	Name       string
	Connected  bool
	Since      time.Time // connected or disconnected since
	Err        string    // why the last connection failed or broke
	Reconnects int       // times the stream came back after breaking

	everUp bool
}

// Entry is one alert of the recent history shown by /alerts.
type Entry struct {
	Time      time.Time
	Kind      Kind
	Host      string
	Name      string
	Count     int
	Recovered bool
	Items     int // containers of a summary
	Muted     bool
}

// Status is what /alerts shows.
type Status struct {
	Running    bool
	Started    time.Time
	Hosts      []HostStatus
	Mutes      []store.Mute
	Recent     []Entry
	Suppressed int // events silenced by mutes
	Folded     int // containers folded into summaries
	Options    Options
	// LatencyP95 is the 95th percentile of event-to-delivery times of the
	// recent alerts, 0 when none.
	LatencyP95 time.Duration
}

// New builds a watcher; nothing happens until Run.
func New(src Source, state State, o Options, log zerolog.Logger) *Watcher {
	o.defaults()
	return &Watcher{
		o: o, src: src, state: state, log: log,
		events:         make(chan stack.Event, 256),
		hosts:          map[string]*HostStatus{},
		active:         map[alertKey]*active{},
		lastKill:       map[string]time.Time{},
		lastDie:        map[string]time.Time{},
		gapBusy:        map[string]bool{},
		unsavedMutes:   map[string]store.Mute{},
		unsavedUnmutes: map[string]bool{},
		scanned:        map[string]time.Time{},
	}
}

// ErrRunning says Run was called twice.
var ErrRunning = errors.New("the watcher is already running")

// Run watches until ctx ends, delivering alerts to out: one event stream
// per host, the start-up summary, the periodic log scan.
func (w *Watcher) Run(ctx context.Context, out Notifier) error {
	w.mu.Lock()
	if w.running {
		w.mu.Unlock()
		return ErrRunning
	}
	w.running, w.out = true, out
	w.started = w.o.Now()
	for _, h := range w.src.Hosts() {
		w.hosts[h] = &HostStatus{Name: h, Since: w.started}
	}
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.running = false
		w.mu.Unlock()
	}()
	w.loadMutes(ctx)

	start := w.started
	batches := make(chan []stack.Event, 64)
	for _, h := range w.src.Hosts() {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			w.follow(ctx, h, start)
		}()
	}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		w.intake(ctx, batches)
	}()
	// The start-up summary and the log scan read every container: they
	// never hold up the alerts of the events.
	if w.o.StartupSummary {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			w.startup(ctx)
		}()
	}
	if w.o.ScanInterval > 0 && w.o.Diagnoser != nil {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			w.scanLoop(ctx)
		}()
	}
	w.process(ctx, batches)
	w.wg.Wait()
	return nil
}

// Status reports the streams, the mutes and the recent alerts.
func (w *Watcher) Status(ctx context.Context) Status {
	if !w.isRunning() {
		w.loadMutes(ctx)
	}
	now := w.o.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	st := Status{Running: w.running, Started: w.started, Suppressed: w.suppressed, Folded: w.folded, Options: w.o}
	for _, h := range w.src.Hosts() {
		if hs, ok := w.hosts[h]; ok {
			st.Hosts = append(st.Hosts, *hs)
		}
	}
	for _, m := range w.mutes {
		if m.Until.IsZero() || m.Until.After(now) {
			st.Mutes = append(st.Mutes, m)
		}
	}
	for i := len(w.history) - 1; i >= 0; i-- {
		st.Recent = append(st.Recent, w.history[i])
	}
	if n := len(w.latencies); n > 0 {
		l := append([]time.Duration(nil), w.latencies...)
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
		st.LatencyP95 = l[(n*95+99)/100-1]
	}
	return st
}

// Hosts returns the hosts watched.
func (w *Watcher) Hosts() []string { return w.src.Hosts() }

func (w *Watcher) isRunning() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.running
}

// ErrNotSaved wraps a mute change that holds for this process only: the
// store could not be written.
var ErrNotSaved = errors.New("not saved")

// Mute silences the alerts of a container (its name or compose service), a
// compose project or a host until m.Until. When the store cannot be
// written the mute still holds in this process and the error wraps
// ErrNotSaved.
func (w *Watcher) Mute(ctx context.Context, m store.Mute) error {
	switch m.Scope {
	case store.ScopeContainer, store.ScopeProject, store.ScopeHost:
	default:
		return fmt.Errorf("mute scope %q: must be container, project or host", m.Scope)
	}
	k := m.Scope + " " + m.Name
	w.mu.Lock()
	w.mutesGen++
	w.mutes = append(withoutMute(w.mutes, m.Scope, m.Name), m)
	delete(w.unsavedUnmutes, k)
	w.mu.Unlock()
	var err error
	if w.state == nil {
		err = fmt.Errorf("mute %s %s: no store: %w", m.Scope, m.Name, ErrNotSaved)
	} else if serr := w.state.AddMute(ctx, m); serr != nil {
		err = fmt.Errorf("mute %s %s: %v: %w", m.Scope, m.Name, serr, ErrNotSaved)
	}
	w.mu.Lock()
	if err != nil {
		// Held in this process until it ends, whatever the store says
		// when it is read again.
		w.unsavedMutes[k] = m
	} else {
		delete(w.unsavedMutes, k)
	}
	w.mu.Unlock()
	return err
}

func withoutMute(ms []store.Mute, scope, name string) []store.Mute {
	kept := make([]store.Mute, 0, len(ms))
	for _, x := range ms {
		if x.Scope != scope || x.Name != name {
			kept = append(kept, x)
		}
	}
	return kept
}

// Unmute lifts a mute and says whether there was one.
func (w *Watcher) Unmute(ctx context.Context, scope, name string) (bool, error) {
	k := scope + " " + name
	w.mu.Lock()
	w.mutesGen++
	found := len(withoutMute(w.mutes, scope, name)) != len(w.mutes)
	w.mutes = withoutMute(w.mutes, scope, name)
	delete(w.unsavedMutes, k)
	w.mu.Unlock()
	if w.state == nil {
		return found, nil
	}
	ok, err := w.state.RemoveMute(ctx, scope, name)
	if err != nil {
		w.mu.Lock()
		w.unsavedUnmutes[k] = true
		w.mu.Unlock()
		return found, fmt.Errorf("unmute %s %s: %v: %w", scope, name, err, ErrNotSaved)
	}
	return found || ok, nil
}

// loadMutes reads the mutes from the store, keeping what this process
// could not save; on failure the ones in memory stay. A load that a mute
// or unmute overtook is dropped (the next one is right).
func (w *Watcher) loadMutes(ctx context.Context) {
	if w.state == nil {
		return
	}
	w.mu.Lock()
	gen := w.mutesGen
	w.mu.Unlock()
	ms, err := w.state.ActiveMutes(ctx, w.o.Now())
	if err != nil {
		w.log.Warn().Err(err).Msg("mutes not read from the store; the ones known stay")
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if gen != w.mutesGen {
		return
	}
	for k := range w.unsavedUnmutes {
		scope, name, _ := strings.Cut(k, " ")
		ms = withoutMute(ms, scope, name)
	}
	for _, m := range w.unsavedMutes {
		ms = append(withoutMute(ms, m.Scope, m.Name), m)
	}
	w.mutes = ms
}

// expectation is an action vigie runs: its deaths are not news.
type expectation struct {
	host, project, service, name string
	until                        time.Time
}

// Expect tells the watcher that vigie is about to act on containers (a
// confirmed restart, recreate, compose up or down) for at most within: their
// deaths meanwhile are not alerted. Empty fields match anything.
func (w *Watcher) Expect(host, project, service, name string, within time.Duration) {
	now := w.o.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	kept := w.expected[:0]
	for _, e := range w.expected {
		if e.until.After(now) {
			kept = append(kept, e)
		}
	}
	w.expected = append(kept, expectation{host, project, service, name, now.Add(within)})
}

// isExpected says whether a container is the target of an action vigie runs.
func (w *Watcher) isExpected(host, project, service, name string) bool {
	now := w.o.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, e := range w.expected {
		if !e.until.After(now) || e.host != "" && e.host != host {
			continue
		}
		switch {
		case e.name != "" && e.name == name,
			e.name == "" && e.service != "" && e.service == service && e.project == project,
			e.name == "" && e.service == "" && e.project != "" && e.project == project:
			return true
		}
	}
	return false
}

// mutedBy returns the mute that silences a container, if any.
func (w *Watcher) mutedBy(host, name, service, project string) (store.Mute, bool) {
	now := w.o.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, m := range w.mutes {
		if !m.Until.IsZero() && !m.Until.After(now) {
			continue
		}
		switch {
		case m.Scope == store.ScopeHost && m.Name == host,
			m.Scope == store.ScopeProject && project != "" && m.Name == project,
			m.Scope == store.ScopeContainer && (m.Name == name || service != "" && m.Name == service):
			return m, true
		}
	}
	return store.Mute{}, false
}

func (w *Watcher) setHost(name string, connected bool, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	hs, ok := w.hosts[name]
	if !ok {
		hs = &HostStatus{Name: name}
		w.hosts[name] = hs
	}
	if hs.Connected != connected {
		hs.Since = w.o.Now()
		if connected && hs.everUp {
			hs.Reconnects++
		}
		hs.everUp = hs.everUp || connected
	}
	hs.Connected = connected
	if err != nil {
		hs.Err = err.Error()
	} else if connected {
		hs.Err = ""
	}
}

func (w *Watcher) remember(e Entry) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.rememberLocked(e)
}

// rememberLocked keeps the last 50 entries; w.mu is held.
func (w *Watcher) rememberLocked(e Entry) {
	w.history = append(w.history, e)
	if len(w.history) > 50 {
		w.history = w.history[len(w.history)-50:]
	}
}

// Package metrics counts what vigie does and writes the counts in the
// Prometheus text exposition format (version 0.0.4) for GET /metrics.
//
// It is hand-written rather than built on prometheus/client_golang: vigie
// needs a handful of counters and one histogram, and the text format is
// small and stable, so the static binary stays free of the client library
// and its dependencies. The tests check the output with the reference
// parser (prometheus/common/expfmt).
//
// A *Metrics is passed to the packages that count (no globals); every
// method is safe for concurrent use and does nothing on a nil *Metrics, so
// a component built without metrics needs no special case. No label value
// comes from user input or configuration secrets: kinds, outcomes and
// components are words chosen in vigie's code, runbook ids come from
// validated runbook files.
package metrics

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Update kinds counted by Update: what a Telegram update was.
const (
	// UpdateMessage is a plain text message (an error or log lines).
	UpdateMessage = "message"
	// UpdateCommand is a /command.
	UpdateCommand = "command"
	// UpdateDocument is a file sent for diagnosis.
	UpdateDocument = "document"
	// UpdateCallback is an inline button press.
	UpdateCallback = "callback"
	// UpdateNotAllowed is an update from a chat or user outside the
	// allowlist: dropped without a reply.
	UpdateNotAllowed = "not_allowed"
	// UpdateRateLimited is a message over the user's rate limit.
	UpdateRateLimited = "rate_limited"
)

// Reply kinds counted by Reply: what was delivered to Telegram.
const (
	// ReplyMessage is a message sent.
	ReplyMessage = "message"
	// ReplyEdit is a message edited in place (a plan's progress, a section
	// replacing its summary).
	ReplyEdit = "edit"
	// ReplyDocument is a file sent (long logs).
	ReplyDocument = "document"
)

// Action outcomes counted by Action.
const (
	// ActionOK is an action that ran and whose outcome was verified.
	ActionOK = "ok"
	// ActionFailed is an action that ran and failed, or whose verification
	// failed.
	ActionFailed = "failed"
	// ActionRefused is a confirmed action that did not run: audit
	// unavailable, target busy, plan already used.
	ActionRefused = "refused"
)

// Components whose errors Error counts.
const (
	// ComponentDocker is a failed call to a Docker host (one per call, by
	// host unreachable, timeout, permission denied, refused by a proxy).
	ComponentDocker = "docker"
	// ComponentDB is a failed call to vigie's store (embedded or
	// PostgreSQL).
	ComponentDB = "db"
	// ComponentLLM is a failed call to the language model endpoint.
	ComponentLLM = "llm"
	// ComponentTelegram is a Bot API call that failed after its retries.
	ComponentTelegram = "telegram"
)

const (
	// ContentType is the media type of the text exposition format.
	ContentType = "text/plain; version=0.0.4; charset=utf-8"
)

// MatchBuckets are the upper bounds, in seconds, of the match latency
// histogram: a pasted line takes about a millisecond, a 20 MB log seconds.
func MatchBuckets() []float64 {
	return []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
}

// Metrics holds vigie's counters. Create it with New.
type Metrics struct {
	start    time.Time
	version  string
	updates  *counterVec
	replies  *counterVec
	actions  *counterVec
	alerts   *counterVec
	errors   *counterVec
	match    *histogram
	families []family
}

// New returns counters at zero for a vigie of the given version (a
// build_info label). The known update kinds, reply kinds and error
// components are listed at zero from the first scrape, so that rate() and
// alert rules work before the first event.
func New(version string) *Metrics {
	m := &Metrics{
		start:   time.Now(),
		version: version,
		updates: newCounterVec("vigie_updates_total", "Telegram updates received, by kind (not_allowed and rate_limited ones get no answer).", "kind"),
		replies: newCounterVec("vigie_replies_total", "Replies delivered to Telegram, by kind (message, edit, document).", "kind"),
		actions: newCounterVec("vigie_actions_total", "Confirmed actions, by runbook and outcome (ok, failed, refused).", "runbook", "outcome"),
		alerts:  newCounterVec("vigie_alerts_total", "Alerts sent, by kind.", "kind"),
		errors:  newCounterVec("vigie_errors_total", "Failed calls to a dependency, by component (docker, db, llm, telegram).", "component"),
		match:   newHistogram("vigie_match_duration_seconds", "Time taken to match a text or a log against the pitfall corpus.", MatchBuckets()),
	}
	for _, k := range []string{UpdateMessage, UpdateCommand, UpdateDocument, UpdateCallback, UpdateNotAllowed, UpdateRateLimited} {
		m.updates.add(0, k)
	}
	for _, k := range []string{ReplyMessage, ReplyEdit, ReplyDocument} {
		m.replies.add(0, k)
	}
	for _, c := range []string{ComponentDocker, ComponentDB, ComponentLLM, ComponentTelegram} {
		m.errors.add(0, c)
	}
	m.families = []family{
		gauge{"vigie_build_info", "vigie's version; always 1.", func() []sample {
			return []sample{{labels: []label{{"version", m.version}}, value: 1}}
		}},
		gauge{"vigie_start_time_seconds", "When this vigie process started, in Unix seconds.", func() []sample {
			return []sample{{value: float64(m.start.UnixNano()) / 1e9}}
		}},
		m.updates, m.replies, m.actions, m.alerts, m.errors, m.match,
	}
	return m
}

// Update counts one Telegram update of a kind (UpdateMessage, …).
func (m *Metrics) Update(kind string) {
	if m != nil {
		m.updates.add(1, kind)
	}
}

// Reply counts one reply delivered to Telegram (ReplyMessage, …).
func (m *Metrics) Reply(kind string) {
	if m != nil {
		m.replies.add(1, kind)
	}
}

// Action counts one confirmed action of a runbook by outcome (ActionOK,
// ActionFailed, ActionRefused).
func (m *Metrics) Action(runbook, outcome string) {
	if m != nil {
		m.actions.add(1, runbook, outcome)
	}
}

// Alert counts one alert sent, by kind (die, oom, unhealthy, restart_loop,
// … — the alert watcher's own words).
func (m *Metrics) Alert(kind string) {
	if m != nil {
		m.alerts.add(1, kind)
	}
}

// Error counts one failed call to a dependency (ComponentDocker, …).
func (m *Metrics) Error(component string) {
	if m != nil {
		m.errors.add(1, component)
	}
}

// ObserveMatch records how long one match against the corpus took.
func (m *Metrics) ObserveMatch(d time.Duration) {
	if m != nil {
		m.match.observe(d.Seconds())
	}
}

// WriteText writes every metric in the text exposition format, families
// and series in a stable order.
func (m *Metrics) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, f := range m.families {
		f.write(bw)
	}
	return bw.Flush()
}

// Handler serves GET (and HEAD) /metrics.
func (m *Metrics) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", ContentType)
		if r.Method == http.MethodHead {
			return
		}
		_ = m.WriteText(w)
	})
}

type family interface{ write(w *bufio.Writer) }

type label struct{ name, value string }

type sample struct {
	suffix string
	labels []label
	value  float64
}

func header(w *bufio.Writer, name, help, typ string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, escapeHelp(help), name, typ)
}

func writeSample(w *bufio.Writer, name string, s sample) {
	w.WriteString(name + s.suffix)
	if len(s.labels) > 0 {
		w.WriteByte('{')
		for i, l := range s.labels {
			if i > 0 {
				w.WriteByte(',')
			}
			w.WriteString(l.name + `="` + escapeValue(l.value) + `"`)
		}
		w.WriteByte('}')
	}
	w.WriteByte(' ')
	w.WriteString(formatFloat(s.value))
	w.WriteByte('\n')
}

func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// escapeHelp and escapeValue follow the text format: HELP escapes \ and
// line feeds, label values also ".
func escapeHelp(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(s)
}

func escapeValue(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`).Replace(s)
}

type gauge struct {
	name, help string
	samples    func() []sample
}

func (g gauge) write(w *bufio.Writer) {
	header(w, g.name, g.help, "gauge")
	for _, s := range g.samples() {
		writeSample(w, g.name, s)
	}
}

// counterVec is a counter with labels; series are kept by their joined
// label values.
type counterVec struct {
	name, help string
	labels     []string
	mu         sync.Mutex
	values     map[string]uint64
	series     map[string][]string
}

func newCounterVec(name, help string, labels ...string) *counterVec {
	return &counterVec{name: name, help: help, labels: labels, values: map[string]uint64{}, series: map[string][]string{}}
}

func (c *counterVec) add(n uint64, values ...string) {
	if len(values) != len(c.labels) {
		panic(fmt.Sprintf("metrics: %s takes %d label values, got %d", c.name, len(c.labels), len(values)))
	}
	key := strings.Join(values, "\xff")
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.series[key]; !ok {
		c.series[key] = append([]string(nil), values...)
	}
	c.values[key] += n
}

func (c *counterVec) write(w *bufio.Writer) {
	header(w, c.name, c.help, "counter")
	c.mu.Lock()
	keys := make([]string, 0, len(c.values))
	for k := range c.values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	samples := make([]sample, 0, len(keys))
	for _, k := range keys {
		ls := make([]label, len(c.labels))
		for i, n := range c.labels {
			ls[i] = label{n, c.series[k][i]}
		}
		samples = append(samples, sample{labels: ls, value: float64(c.values[k])})
	}
	c.mu.Unlock()
	for _, s := range samples {
		writeSample(w, c.name, s)
	}
}

// histogram is a Prometheus histogram without labels: cumulative bucket
// counts, a sum and a count.
type histogram struct {
	name, help string
	bounds     []float64
	mu         sync.Mutex
	counts     []uint64 // per bucket, not cumulative; one more for +Inf
	sum        float64
	count      uint64
}

func newHistogram(name, help string, bounds []float64) *histogram {
	return &histogram{name: name, help: help, bounds: bounds, counts: make([]uint64, len(bounds)+1)}
}

func (h *histogram) observe(v float64) {
	i := sort.SearchFloat64s(h.bounds, v) // first bound >= v: le is inclusive
	h.mu.Lock()
	h.counts[i]++
	h.sum += v
	h.count++
	h.mu.Unlock()
}

func (h *histogram) write(w *bufio.Writer) {
	header(w, h.name, h.help, "histogram")
	h.mu.Lock()
	counts := append([]uint64(nil), h.counts...)
	sum, count := h.sum, h.count
	h.mu.Unlock()
	var cum uint64
	for i, b := range h.bounds {
		cum += counts[i]
		writeSample(w, h.name, sample{suffix: "_bucket", labels: []label{{"le", formatFloat(b)}}, value: float64(cum)})
	}
	writeSample(w, h.name, sample{suffix: "_bucket", labels: []label{{"le", "+Inf"}}, value: float64(count)})
	writeSample(w, h.name, sample{suffix: "_sum", value: sum})
	writeSample(w, h.name, sample{suffix: "_count", value: float64(count)})
}

package metrics_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"vigie/internal/doccheck"
	"vigie/metrics"
)

// Parse reads an exposition with the reference parser; it fails the test on
// anything Prometheus would refuse.
func Parse(t *testing.T, r io.Reader) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		t.Fatalf("the exposition does not parse: %v", err)
	}
	return fams
}

// value returns the value of the series of a family whose labels include
// want; -1 when there is none.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
next:
	for _, m := range f.Metric {
		got := map[string]string{}
		for _, l := range m.Label {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		}
	}
	return -1
}

func TestExpositionParsesAndCounts(t *testing.T) {
	m := metrics.New(`v1.2 "quoted" \ back`)
	scrape := func() map[string]*dto.MetricFamily {
		var b bytes.Buffer
		if err := m.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		return Parse(t, &b)
	}
	fams := scrape()
	for name, typ := range map[string]dto.MetricType{
		"vigie_build_info":             dto.MetricType_GAUGE,
		"vigie_start_time_seconds":     dto.MetricType_GAUGE,
		"vigie_updates_total":          dto.MetricType_COUNTER,
		"vigie_replies_total":          dto.MetricType_COUNTER,
		"vigie_errors_total":           dto.MetricType_COUNTER,
		"vigie_match_duration_seconds": dto.MetricType_HISTOGRAM,
	} {
		f := fams[name]
		if f == nil {
			t.Errorf("%s missing", name)
			continue
		}
		if f.GetType() != typ || f.GetHelp() == "" {
			t.Errorf("%s: type %v help %q", name, f.GetType(), f.GetHelp())
		}
	}
	if v := value(fams, "vigie_build_info", map[string]string{"version": `v1.2 "quoted" \ back`}); v != 1 {
		t.Errorf("build_info with an escaped version = %v", v)
	}
	if st := value(fams, "vigie_start_time_seconds", nil); st < float64(time.Now().Add(-time.Minute).Unix()) {
		t.Errorf("start time %v", st)
	}
	// Known series exist at zero before anything happened.
	if v := value(fams, "vigie_errors_total", map[string]string{"component": "llm"}); v != 0 {
		t.Errorf("llm errors before any = %v, want 0", v)
	}
	if v := value(fams, "vigie_updates_total", map[string]string{"kind": "not_allowed"}); v != 0 {
		t.Errorf("not_allowed before any = %v, want 0", v)
	}

	m.Update(metrics.UpdateCommand)
	m.Update(metrics.UpdateCommand)
	m.Update(metrics.UpdateNotAllowed)
	m.Reply(metrics.ReplyMessage)
	m.Action("recreate", metrics.ActionOK)
	m.Action("recreate", metrics.ActionFailed)
	m.Action("opencut-on", metrics.ActionOK)
	m.Alert("oom")
	m.Error(metrics.ComponentDocker)
	m.Error(metrics.ComponentDocker)
	m.Error(metrics.ComponentDB)
	for _, d := range []time.Duration{300 * time.Microsecond, time.Millisecond, 40 * time.Millisecond, 20 * time.Second} {
		m.ObserveMatch(d)
	}

	fams = scrape()
	for _, name := range []string{"vigie_actions_total", "vigie_alerts_total"} {
		if f := fams[name]; f == nil || f.GetType() != dto.MetricType_COUNTER || f.GetHelp() == "" {
			t.Errorf("%s: %v", name, f)
		}
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"vigie_updates_total", map[string]string{"kind": "command"}, 2},
		{"vigie_updates_total", map[string]string{"kind": "not_allowed"}, 1},
		{"vigie_updates_total", map[string]string{"kind": "message"}, 0},
		{"vigie_replies_total", map[string]string{"kind": "message"}, 1},
		{"vigie_actions_total", map[string]string{"runbook": "recreate", "outcome": "ok"}, 1},
		{"vigie_actions_total", map[string]string{"runbook": "recreate", "outcome": "failed"}, 1},
		{"vigie_actions_total", map[string]string{"runbook": "opencut-on", "outcome": "ok"}, 1},
		{"vigie_alerts_total", map[string]string{"kind": "oom"}, 1},
		{"vigie_errors_total", map[string]string{"component": "docker"}, 2},
		{"vigie_errors_total", map[string]string{"component": "db"}, 1},
	} {
		if got := value(fams, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	h := fams["vigie_match_duration_seconds"].Metric[0].Histogram
	if h.GetSampleCount() != 4 {
		t.Errorf("histogram count %d, want 4", h.GetSampleCount())
	}
	if s := h.GetSampleSum(); s < 20.04 || s > 20.05 {
		t.Errorf("histogram sum %v, want 20.0413", s)
	}
	cum := map[float64]uint64{}
	for _, b := range h.Bucket {
		cum[b.GetUpperBound()] = b.GetCumulativeCount()
	}
	// le is inclusive: 1ms falls in the 0.001 bucket; 20s only in +Inf.
	for bound, want := range map[float64]uint64{0.0005: 1, 0.001: 2, 0.025: 2, 0.05: 3, 10: 3} {
		if cum[bound] != want {
			t.Errorf("bucket le=%v: %d, want %d", bound, cum[bound], want)
		}
	}
}

func TestHandler(t *testing.T) {
	m := metrics.New("test")
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	var wg sync.WaitGroup
	for range 8 { // counting while scraping: the race detector watches
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				m.Update(metrics.UpdateMessage)
				m.ObserveMatch(time.Millisecond)
			}
		}()
	}
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	Parse(t, resp.Body)
	resp.Body.Close()
	wg.Wait()
	if ct := resp.Header.Get("Content-Type"); ct != metrics.ContentType {
		t.Errorf("Content-Type %q", ct)
	}
	resp, err = http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	fams := Parse(t, resp.Body)
	resp.Body.Close()
	if v := value(fams, "vigie_updates_total", map[string]string{"kind": "message"}); v != 800 {
		t.Errorf("messages = %v, want 800", v)
	}
	resp, err = http.Post(srv.URL, "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", resp.StatusCode)
	}
}

func TestNilIsNoop(t *testing.T) {
	var m *metrics.Metrics
	m.Update("x")
	m.Reply("x")
	m.Action("x", "y")
	m.Alert("x")
	m.Error("x")
	m.ObserveMatch(time.Second)
}

func TestDocComments(t *testing.T) { doccheck.Check(t, ".", "vigie/metrics", "metrics") }

package health_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"vigie/health"
	"vigie/internal/doccheck"
)

func get(t *testing.T, c *health.Checker) (int, health.Report, string) {
	t.Helper()
	srv := httptest.NewServer(c.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw strings.Builder
	var rep health.Report
	if err := json.NewDecoder(teeReader{resp.Body, &raw}).Decode(&rep); err != nil {
		t.Fatalf("body is not a report: %v", err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	return resp.StatusCode, rep, raw.String()
}

type teeReader struct {
	r interface{ Read([]byte) (int, error) }
	w *strings.Builder
}

func (t teeReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.w.Write(p[:n])
	return n, err
}

func TestHealthyAndFailing(t *testing.T) {
	c := health.New(200 * time.Millisecond)
	if code, rep, _ := get(t, c); code != http.StatusServiceUnavailable || rep.Healthy() {
		t.Errorf("no component: %d %+v, want 503 (nothing registered is not healthy)", code, rep)
	}
	c.Add("corpus", func(context.Context) (string, error) { return "312 sections", nil })
	c.Add("store", func(context.Context) (string, error) { return "bbolt", nil })
	code, rep, _ := get(t, c)
	if code != http.StatusOK || rep.Status != health.OK || rep.Components["corpus"].Detail != "312 sections" {
		t.Fatalf("healthy: %d %+v", code, rep)
	}

	// A failing store: 503, the store named, the others still reported,
	// and a password in the error never served.
	c.Add("store", func(context.Context) (string, error) {
		return "", errors.New("dial postgres://vigie:hunter2-secret@db:5432/vigie: connection refused")
	})
	code, rep, raw := get(t, c)
	if code != http.StatusServiceUnavailable || rep.Status != health.Failing {
		t.Fatalf("failing store: %d %+v", code, rep)
	}
	if st := rep.Components["store"]; st.Status != health.Failing || !strings.Contains(st.Detail, "connection refused") {
		t.Errorf("store: %+v", st)
	}
	if rep.Components["corpus"].Status != health.OK {
		t.Errorf("corpus: %+v", rep.Components["corpus"])
	}
	if strings.Contains(raw, "hunter2") {
		t.Errorf("the password reached /healthz: %s", raw)
	}

	// A hung check fails within the timeout; a panicking one fails too.
	c.Add("store", func(ctx context.Context) (string, error) { <-ctx.Done(); time.Sleep(time.Second); return "late", nil })
	c.Add("bot", func(context.Context) (string, error) { panic("boom") })
	start := time.Now()
	code, rep, _ = get(t, c)
	if took := time.Since(start); took > 800*time.Millisecond {
		t.Errorf("a hung check held /healthz for %s", took)
	}
	if code != http.StatusServiceUnavailable || rep.Components["store"].Detail != "no answer within 200ms" || rep.Components["bot"].Status != health.Failing {
		t.Errorf("hung and panicking: %d %+v", code, rep)
	}
}

func TestMethod(t *testing.T) {
	srv := httptest.NewServer(health.New(0).Handler())
	defer srv.Close()
	resp, err := http.Post(srv.URL, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", resp.StatusCode)
	}
}

func TestDocComments(t *testing.T) { doccheck.Check(t, ".", "vigie/health", "health") }

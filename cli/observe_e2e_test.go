package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"vigie/health"
)

// freeAddr returns a 127.0.0.1 address nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitHealth polls /healthz until it answers want (the bot needs a moment to
// reach the fake Bot API) and returns the report and the raw body.
func waitHealth(t *testing.T, r *running, base string, want int) (health.Report, string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var code int
	var body string
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			code, body = resp.StatusCode, string(b)
			if code == want {
				var rep health.Report
				if err := json.Unmarshal(b, &rep); err != nil {
					t.Fatalf("/healthz body is not JSON: %v: %s", err, b)
				}
				return rep, body
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("/healthz never answered %d (last %d %s)\nlogs:\n%s", want, code, body, r.logs.String())
	return health.Report{}, ""
}

type scrape map[string]*dto.MetricFamily

func scrapeMetrics(t *testing.T, base string) (scrape, string) {
	t.Helper()
	code, body := httpGet(t, base+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: HTTP %d: %s", code, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v\n%s", err, body)
	}
	return fams, body
}

// get returns a counter's value for the series with the given label, or
// the count of a histogram; 0 when absent.
func (s scrape) get(name, label, value string) float64 {
	f := s[name]
	if f == nil {
		return 0
	}
	for _, m := range f.Metric {
		ok := label == ""
		for _, l := range m.Label {
			ok = ok || l.GetName() == label && l.GetValue() == value
		}
		if !ok {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return 0
}

// TestHealthAndMetricsServed runs `vigie run` with http.listen set, against
// the fake Bot API: /healthz reports every component, `vigie healthcheck`
// agrees, /metrics parses with Prometheus' own parser and its values move
// with what the bot does, and neither serves a secret.
func TestHealthAndMetricsServed(t *testing.T) {
	// A Docker host that is not there, so that /status moves the Docker
	// error counter.
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/vigie-metrics-test.sock")
	addr := freeAddr(t)
	base := "http://" + addr
	r := startBot(t, "http:\n  listen: "+addr+"\n")

	rep, body := waitHealth(t, r, base, http.StatusOK)
	if rep.Status != health.OK {
		t.Fatalf("status %q", rep.Status)
	}
	for _, c := range []string{"bot", "store", "corpus"} {
		if rep.Components[c].Status != health.OK || rep.Components[c].Detail == "" {
			t.Errorf("component %s: %+v", c, rep.Components[c])
		}
	}
	if !strings.Contains(rep.Components["bot"].Detail, "polling") || !strings.HasSuffix(rep.Components["corpus"].Detail, " sections") {
		t.Errorf("details: %s", body)
	}

	before, _ := scrapeMetrics(t, base)
	r.fake.SendText(dm, dm, `ERROR [ExceptionHandler] error: password authentication failed for user "nocodb"`)
	r.reply(t, dm, 1)
	r.fake.SendText(dm, dm, "/status")
	r.reply(t, dm, 2)
	r.fake.SendText(foreign, foreign, "hello")

	var after scrape
	var text string
	deadline := time.Now().Add(10 * time.Second)
	for {
		after, text = scrapeMetrics(t, base)
		if after.get("vigie_updates_total", "kind", "not_allowed") >= 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, c := range []struct {
		name, label, value string
		delta              float64
	}{
		{"vigie_updates_total", "kind", "message", 1},
		{"vigie_updates_total", "kind", "command", 1},
		{"vigie_updates_total", "kind", "not_allowed", 1},
		{"vigie_match_duration_seconds", "", "", 1},
		{"vigie_errors_total", "component", "docker", 1},
	} {
		if d := after.get(c.name, c.label, c.value) - before.get(c.name, c.label, c.value); d != c.delta {
			t.Errorf("%s{%s=%q} moved by %v, want %v", c.name, c.label, c.value, d, c.delta)
		}
	}
	if d := after.get("vigie_replies_total", "kind", "message") - before.get("vigie_replies_total", "kind", "message"); d < 2 {
		t.Errorf("replies moved by %v, want at least 2", d)
	}

	// No secret in either endpoint: the bot token, nor its secret half.
	_, body = waitHealth(t, r, base, http.StatusOK)
	secretHalf := r.fake.Token[strings.Index(r.fake.Token, ":")+1:]
	for what, s := range map[string]string{"/metrics": text, "/healthz": body} {
		if strings.Contains(s, secretHalf) {
			t.Errorf("%s holds the bot token", what)
		}
	}

	// vigie healthcheck, with the URL derived from http.listen (the
	// config file startBot wrote) and given with --url.
	cfgPath := strings.TrimSuffix(r.data, "data") + "config.yaml"
	out, errs, code := run(t, "", "healthcheck", "--config", cfgPath)
	t.Logf("vigie healthcheck: %s", strings.TrimSpace(out))
	if code != ExitOK || !strings.HasPrefix(out, "healthy: bot ok (polling") || strings.Count(out, "\n") != 1 {
		t.Errorf("healthcheck: exit %d, out %q, err %q", code, out, errs)
	}
	if _, _, code := run(t, "", "healthcheck", "--url", base+"/healthz"); code != ExitOK {
		t.Errorf("healthcheck --url: exit %d", code)
	}
	if code, _ := httpGet(t, base+"/"); code != http.StatusNotFound {
		t.Errorf("/: %d", code)
	}
}

// With the store down, /healthz answers 503 naming it, and `vigie
// healthcheck` exits 1 with one line saying so — without the password.
func TestHealthStoreDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	t.Setenv("VIGIE_DATABASE_URL", fmt.Sprintf("postgres://vigie:secretpw-health@127.0.0.1:%d/vigie?sslmode=disable&connect_timeout=2", port))
	addr := freeAddr(t)
	r := startBot(t, "http:\n  listen: "+addr+"\n")
	rep, body := waitHealth(t, r, "http://"+addr, http.StatusServiceUnavailable)
	if rep.Status != health.Failing || rep.Components["store"].Status != health.Failing || rep.Components["corpus"].Status != health.OK {
		t.Errorf("report: %s", body)
	}
	if strings.Contains(body, "secretpw-health") {
		t.Errorf("/healthz holds the database password: %s", body)
	}
	out, errs, code := run(t, "", "healthcheck", "--url", "http://"+addr+"/healthz")
	if code != ExitFailure || !strings.Contains(errs, "unhealthy (HTTP 503)") || !strings.Contains(errs, "store failing") || strings.Count(errs, "\n") != 1 || out != "" {
		t.Errorf("healthcheck: exit %d, out %q, err %q", code, out, errs)
	}
	if strings.Contains(errs, "secretpw-health") {
		t.Error("healthcheck printed the password")
	}
}

func TestHealthcheckWithoutServer(t *testing.T) {
	_, errs, code := run(t, "", "healthcheck")
	if code != ExitFailure || !strings.Contains(errs, "http.listen is empty") {
		t.Errorf("no http.listen: exit %d, %q", code, errs)
	}
	addr := freeAddr(t) // nothing listens there
	_, errs, code = run(t, "", "healthcheck", "--url", "http://"+addr+"/healthz", "--timeout", "2s")
	if code != ExitFailure || !strings.Contains(errs, "unhealthy: no answer from http://"+addr+"/healthz: ") || !strings.Contains(errs, "connection refused") {
		t.Errorf("nothing listening: exit %d, %q", code, errs)
	}
}

func TestHealthURL(t *testing.T) {
	for listen, want := range map[string]string{
		":9464":          "http://127.0.0.1:9464/healthz",
		"0.0.0.0:9464":   "http://127.0.0.1:9464/healthz",
		"[::]:9464":      "http://127.0.0.1:9464/healthz",
		"localhost:9464": "http://127.0.0.1:9464/healthz",
		"10.0.0.5:80":    "http://10.0.0.5:80/healthz",
		"[fd00::1]:9464": "http://[fd00::1]:9464/healthz",
	} {
		if got, err := healthURL(listen); err != nil || got != want {
			t.Errorf("healthURL(%q) = %q, %v; want %q", listen, got, err, want)
		}
	}
}

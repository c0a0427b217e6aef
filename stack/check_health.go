package stack

import (
	"context"
	"strings"
)

// healthcheckLocalhost flags healthchecks that probe `localhost`: Alpine
// resolves it to ::1 while most services listen on IPv4 only (2.1).
type healthcheckLocalhost struct{}

func (healthcheckLocalhost) Name() string { return "healthcheck on localhost" }

func (healthcheckLocalhost) Run(_ context.Context, t *Target) ([]Finding, error) {
	var out []Finding
	for _, c := range t.Containers {
		test := strings.Join(c.Healthcheck, " ")
		if len(c.Healthcheck) == 0 || c.Healthcheck[0] == "NONE" || !strings.Contains(test, "localhost") {
			continue
		}
		sev := Warning
		if c.Health == "unhealthy" {
			sev = Critical
		}
		f := finding(c, sev, "healthcheck probes localhost: use 127.0.0.1 (localhost may resolve to IPv6 ::1)", "2.1")
		out = append(out, f)
	}
	return out, nil
}

// unhealthyProbe matches the last outputs of an unhealthy container's
// healthcheck against the corpus.
type unhealthyProbe struct{}

func (unhealthyProbe) Name() string { return "unhealthy" }

func (unhealthyProbe) Run(_ context.Context, t *Target) ([]Finding, error) {
	var out []Finding
	for _, c := range t.Containers {
		if c.Health != "unhealthy" {
			continue
		}
		var b strings.Builder
		for _, p := range c.HealthLog {
			b.WriteString(strings.TrimSpace(p.Output) + "\n")
		}
		ms := diagnoseLines(t.Diagnoser, b.String())
		f := finding(c, Critical, "unhealthy", ids(ms)...)
		if len(ms) > 0 {
			f.Message = "unhealthy — the probe output matches §" + ms[0].ID + " " + ms[0].Title
		}
		if n := len(c.HealthLog); n > 0 {
			last := strings.TrimSpace(c.HealthLog[n-1].Output)
			if last != "" {
				f.Details = append(f.Details, "last probe: "+clipLine(last, 200))
			}
		}
		out = append(out, f)
	}
	return out, nil
}

func clipLine(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

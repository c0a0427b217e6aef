package stack

import (
	"context"
	"fmt"
	"strings"

	"vigie/redact"
)

// restartLoop flags containers restarting, or restarted at least the
// threshold number of times, and matches their last log lines against the
// corpus.
type restartLoop struct{}

func (restartLoop) Name() string { return "restart loop" }

func (restartLoop) Run(ctx context.Context, t *Target) ([]Finding, error) {
	var out []Finding
	for _, c := range t.Containers {
		if c.State != "restarting" && c.RestartCount < t.RestartThreshold {
			continue
		}
		msg := fmt.Sprintf("restart loop: %d restarts", c.RestartCount)
		if c.State == "exited" && c.ExitCode != 0 {
			msg += fmt.Sprintf(", exited with code %d", c.ExitCode)
		}
		text, lines, err := recentLogText(ctx, t, c, t.LogLines)
		if err != nil {
			return out, err
		}
		ms := diagnoseLines(t.Diagnoser, text)
		f := finding(c, Critical, msg, ids(ms)...)
		if len(ms) > 0 {
			f.Message += " — the logs match §" + ms[0].ID + " " + ms[0].Title
		} else {
			f.Message += " — no known pitfall in the last log lines"
		}
		f.Details = lastLines(lines, 3, c)
		out = append(out, f)
	}
	return out, nil
}

// lastLines returns the last n non-empty log lines, redacted with the
// container's own secret values.
func lastLines(lines []LogLine, n int, c Container) []string {
	var out []string
	seen := map[string]bool{}
	for i := len(lines) - 1; i >= 0 && len(out) < n; i-- {
		s := strings.TrimSpace(lines[i].Text)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append([]string{clipLine(RedactFor(c, s), 240)}, out...)
	}
	return out
}

// RedactFor masks secrets in text: the values of the container's
// secret-looking environment variables, then the generic patterns.
func RedactFor(c Container, text string) string {
	var vals []string
	for k, v := range c.EnvMap() {
		if secretKey(k) && len(v) >= 4 {
			vals = append(vals, v)
		}
	}
	return redact.Values(text, vals...)
}

func secretKey(k string) bool {
	k = strings.ToUpper(k)
	for _, w := range []string{"PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "DSN", "DATABASE_URL", "NC_DB", "AUTH"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

package stack

import (
	"context"
	"strings"
)

// logSignatures runs the last lines of every running container through the
// matcher and reports confident matches (/scan).
type logSignatures struct{}

func (logSignatures) Name() string { return "log signatures" }

func (logSignatures) Run(ctx context.Context, t *Target) ([]Finding, error) {
	var out []Finding
	for _, c := range t.Containers {
		if c.State != "running" && c.State != "restarting" {
			continue
		}
		text, lines, err := recentLogText(ctx, t, c, t.LogLines)
		if err != nil {
			return out, err
		}
		ms := diagnoseLines(t.Diagnoser, text)
		if len(ms) == 0 {
			continue
		}
		f := finding(c, Warning, "logs match §"+ms[0].ID+" "+ms[0].Title, ids(ms)...)
		// Quote the lines that carry the error.
		var quoted []string
		for i := len(lines) - 1; i >= 0 && len(quoted) < 2; i-- {
			l := strings.TrimSpace(lines[i].Text)
			if l != "" && looksError(l) {
				quoted = append([]string{clipLine(RedactFor(c, l), 240)}, quoted...)
			}
		}
		f.Details = quoted
		out = append(out, f)
	}
	return out, nil
}

func looksError(s string) bool {
	l := strings.ToLower(s)
	for _, w := range []string{"error", "fail", "fatal", "panic", "denied", "refused", "exception", "invalid", "eacces", "enoent", "not found"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

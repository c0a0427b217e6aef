package cli

import (
	"strings"
	"testing"
)

// With the Docker host down, every Docker command answers one clear line
// naming the host and what to check, and the knowledge commands still work.
func TestDockerUnreachable(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	cases := []struct {
		args []string
		out  bool // the message is on stdout (a report), not stderr
	}{
		{[]string{"status"}, true},
		{[]string{"status", "nocodb"}, false},
		{[]string{"logs", "nocodb"}, false},
		{[]string{"check"}, true},
		{[]string{"check", "nocodb"}, false},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			out, errs, code := run(t, "", c.args...)
			if code != ExitFailure {
				t.Errorf("exit %d", code)
			}
			msg := errs
			if c.out {
				msg = out
			}
			if !strings.Contains(msg, "host local (unix:///nonexistent/docker.sock): no Docker socket there") {
				t.Errorf("stdout %q stderr %q", out, errs)
			}
			if strings.Contains(errs, "panic") {
				t.Errorf("stderr: %s", errs)
			}
		})
	}
	if out, _, code := run(t, "", "diagnose", "Error: spawn docker EACCES"); code != ExitOK || !strings.Contains(out, "§11.13") {
		t.Errorf("diagnose without Docker: %d %s", code, out)
	}
}

func TestDockerBadArgs(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"logs"}, "usage: vigie logs SERVICE [LINES]"},
		{[]string{"logs", "a", "b", "c"}, "usage: vigie logs SERVICE [LINES]"},
		{[]string{"status", "a", "b"}, "one service at a time"},
		{[]string{"scan", "x"}, "scan takes no argument"},
	} {
		_, errs, code := run(t, "", c.args...)
		if code != ExitUsage || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d, %q", c.args, code, errs)
		}
	}
}

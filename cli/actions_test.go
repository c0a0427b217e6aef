package cli

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"vigie/internal/dockertest"
)

// actionProject starts a compose project with one service `app` reading
// app.env, and returns its directory and name.
func actionProject(t *testing.T) (dir, project string) {
	t.Helper()
	dockertest.Need(t)
	img := dockertest.Image(t)
	dir = t.TempDir()
	b := make([]byte, 4)
	rand.Read(b)
	project = "vtact" + hex.EncodeToString(b)
	os.WriteFile(filepath.Join(dir, "app.env"), []byte("APP_MODE=old\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "docker-compose.yml"), []byte(fmt.Sprintf(`version: "3"
services:
  app:
    image: %s
    command: ["sleep", "3600"]
    env_file: app.env
    labels:
      vigie.test: "1"
`, img)), 0o644)
	dockertest.Cleanup(t, project)
	dockertest.Compose(t, dir, project, "up", "-d")
	return dir, project
}

func envOf(t *testing.T, container string) string {
	t.Helper()
	return dockertest.Docker(t, "inspect", "--format", "{{range .Config.Env}}{{println .}}{{end}}", container)
}

var confirmRE = regexp.MustCompile(`/confirm ([0-9a-f]+)`)

// console runs lines in the console and returns its output.
func console(t *testing.T, cfg string, lines ...string) string {
	t.Helper()
	out, errs, code := run(t, strings.Join(lines, "\n\n")+"\n\n/quit\n", "console", "--config", cfg)
	if code != ExitOK {
		t.Fatalf("console exit %d: %s", code, errs)
	}
	return out
}

// TestRestartKeepsEnvRecreateReloads: the corpus's §41.2/§11.18 pitfall,
// for real. A restart keeps the old environment; a recreate loads the new.
func TestRestartKeepsEnvRecreateReloads(t *testing.T) {
	dir, project := actionProject(t)
	container := project + "_app_1"
	os.WriteFile(filepath.Join(dir, "app.env"), []byte("APP_MODE=new\n"), 0o644)
	data := t.TempDir()
	cfg := writeConfig(t, fmt.Sprintf("data_dir: %s\ncompose:\n  command: [%s]\n", data, strings.Join(dockertest.ComposeCommand(), ", ")))

	// Ask, then confirm in a second console session: the plan survives in the store.
	out := console(t, cfg, "/restart "+container)
	m := confirmRE.FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "restart container "+container) {
		t.Fatalf("no plan:\n%s", out)
	}
	out = console(t, cfg, "/confirm "+m[1])
	if !strings.Contains(out, "restarted — running after") {
		t.Fatalf("restart outcome:\n%s", out)
	}
	if env := envOf(t, container); !strings.Contains(env, "APP_MODE=old") {
		t.Fatalf("after a restart the environment changed (it must not):\n%s", env)
	}
	out = console(t, cfg, "/confirm "+m[1])
	if !strings.Contains(out, "already") {
		t.Errorf("a second confirm of the same plan ran again:\n%s", out)
	}

	out = console(t, cfg, "/recreate app")
	m = confirmRE.FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "up -d --force-recreate --no-deps app") {
		t.Fatalf("no recreate plan:\n%s", out)
	}
	out = console(t, cfg, "/confirm "+m[1])
	if !strings.Contains(out, "app recreated — running after") {
		t.Fatalf("recreate outcome:\n%s", out)
	}
	if env := envOf(t, container); !strings.Contains(env, "APP_MODE=new") {
		t.Fatalf("after a recreate the environment is still old:\n%s", env)
	}
	hist, _, _ := run(t, "", "history", "--config", cfg, "50")
	for _, want := range []string{"requested", "confirmed", "finished"} {
		if !strings.Contains(hist, want) {
			t.Errorf("history lacks the %s phase:\n%s", want, hist)
		}
	}
}

func TestActionRefusals(t *testing.T) {
	dir, project := actionProject(t)
	data := t.TempDir()
	cmd := strings.Join(dockertest.ComposeCommand(), ", ")
	plain := "vtplain" + project[5:]
	dockertest.Docker(t, "run", "-d", "--name", plain, "--label", "vigie.test=1", dockertest.Image(t), "sleep", "3600")
	t.Cleanup(func() { dockertest.Docker(t, "rm", "-f", plain) })

	readOnly := writeConfig(t, fmt.Sprintf("data_dir: %s\nsafety: {read_only: true}\n", data))
	if out := console(t, readOnly, "/recreate app"); !strings.Contains(out, "actions are disabled in this vigie (safety.read_only)") {
		t.Errorf("read-only: %s", out)
	}
	if out := console(t, readOnly, "Error: spawn docker EACCES"); strings.Contains(out, "🛠") {
		t.Errorf("read-only mode offered an action button:\n%s", out)
	}

	cfg := writeConfig(t, fmt.Sprintf("data_dir: %s\ncompose:\n  command: [%s]\n", data, cmd))
	for input, want := range map[string]string{
		"/recreate ghost":           `no service or container "ghost"`,
		"/recreate " + plain:        "is not a compose container",
		"/restart":                  "usage: /restart",
		"/opencut sideways":         "usage: /opencut",
		"/confirm 0123456789abcdef": "expired — nothing was done",
		"/cancel 0123456789abcdef":  "nothing to cancel",
	} {
		if out := console(t, cfg, input); !strings.Contains(out, want) {
			t.Errorf("%s → %q, want %q", input, out, want)
		}
	}

	// The compose file disappears between the plan and the confirmation.
	out := console(t, cfg, "/recreate app")
	m := confirmRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no plan: %s", out)
	}
	os.Rename(filepath.Join(dir, "docker-compose.yml"), filepath.Join(dir, "moved.yml"))
	if out := console(t, cfg, "/confirm "+m[1]); !strings.Contains(out, "is missing on this machine") {
		t.Errorf("missing compose file at confirm: %s", out)
	}
	os.Rename(filepath.Join(dir, "moved.yml"), filepath.Join(dir, "docker-compose.yml"))

	// A compose CLI that is not installed.
	noCompose := writeConfig(t, fmt.Sprintf("data_dir: %s\ncompose:\n  command: [no-such-compose]\n", t.TempDir()))
	out = console(t, noCompose, "/recreate app")
	m = confirmRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no plan: %s", out)
	}
	if out := console(t, noCompose, "/confirm "+m[1]); !strings.Contains(out, "no-such-compose not found") {
		t.Errorf("missing compose CLI: %s", out)
	}
}

// OpenCut on/off/status through runbooks pointing at a compose file of the
// test, on a host named workstation.
func TestOpenCutOnOff(t *testing.T) {
	dockertest.Need(t)
	img := dockertest.Image(t)
	dir := t.TempDir()
	b := make([]byte, 4)
	rand.Read(b)
	project := "vtcut" + hex.EncodeToString(b)
	dockertest.Cleanup(t, project)
	file := filepath.Join(dir, "docker-compose-opencut.yml")
	os.WriteFile(file, []byte(fmt.Sprintf(`version: "3"
services:
  opencut:
    image: %s
    command: ["sleep", "3600"]
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
      retries: 3
    labels:
      vigie.test: "1"
`, img)), 0o644)
	rbDir := t.TempDir()
	for _, mode := range []struct{ id, kind, verify string }{{"on", "compose.up", "healthy"}, {"off", "compose.down", "gone"}, {"status", "compose.ps", "none"}} {
		os.WriteFile(filepath.Join(rbDir, "opencut-"+mode.id+".yaml"), []byte(fmt.Sprintf(`id: opencut-%s
title: OpenCut %s (test)
sections: ["0.13"]
command: opencut
subcommand: %s
actions:
  - kind: %s
    host: workstation
    file: %s
    project: %s
    confirm: "OpenCut %s on the workstation"
    verify: %s
    timeout: 60s
`, mode.id, mode.id, mode.id, mode.kind, file, project, mode.id, mode.verify)), 0o644)
	}
	cfg := writeConfig(t, fmt.Sprintf(`data_dir: %s
hosts:
  - {name: workstation, endpoint: "unix:///var/run/docker.sock"}
compose:
  command: [%s]
runbooks:
  dir: %s
`, t.TempDir(), strings.Join(dockertest.ComposeCommand(), ", "), rbDir))

	out := console(t, cfg, "/opencut on")
	m := confirmRE.FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "-f "+file) {
		t.Fatalf("no plan:\n%s", out)
	}
	if out := console(t, cfg, "/confirm "+m[1]); !strings.Contains(out, project+" started — healthy after") {
		t.Fatalf("opencut on:\n%s", out)
	}
	if out := console(t, cfg, "/opencut status"); !strings.Contains(out, "opencut") || strings.Contains(out, "/confirm") {
		t.Errorf("status should run at once, without confirmation:\n%s", out)
	}
	out = console(t, cfg, "/opencut off")
	m = confirmRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no plan:\n%s", out)
	}
	if out := console(t, cfg, "/confirm "+m[1]); !strings.Contains(out, project+" stopped — containers gone") {
		t.Fatalf("opencut off:\n%s", out)
	}
	if ids := dockertest.Docker(t, "ps", "-aq", "--filter", "label=com.docker.compose.project="+project); ids != "" {
		t.Errorf("containers left after off: %s", ids)
	}

	// A compose file that compose refuses: reported with its output.
	os.WriteFile(file, []byte("services:\n  opencut:\n    image: [not, a, string]\n"), 0o644)
	out = console(t, cfg, "/opencut on")
	m = confirmRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no plan:\n%s", out)
	}
	if out := console(t, cfg, "/confirm "+m[1]); !strings.Contains(out, "failed") || !strings.Contains(strings.ToLower(out), "image") {
		t.Errorf("a failing compose command must be reported with its output:\n%s", out)
	}
}

// Through Telegram: a viewer asks, cannot confirm; an operator confirms
// twice quickly and the action runs once; the plan message shows the
// verified outcome in place.
func TestBotActionConfirm(t *testing.T) {
	_, project := actionProject(t)
	container := project + "_app_1"
	started := dockertest.Docker(t, "inspect", "--format", "{{.State.StartedAt}}", container)
	r := startBot(t, fmt.Sprintf("compose:\n  command: [%s]\n", strings.Join(dockertest.ComposeCommand(), ", ")))
	r.fake.SendText(group, viewer, "/restart "+container)
	plan := r.reply(t, group, 1)
	if !strings.Contains(plan.PlainText, "restart container "+container) {
		t.Fatalf("plan: %q", plan.PlainText)
	}
	confirm := button(t, plan, "✅ Confirm")
	r.fake.Press(group, viewer, plan.ID, confirm)
	answers := r.fake.WaitCalls(t, "answerCallbackQuery", 1, 10*time.Second)
	if !strings.Contains(answers[0].Params["text"], "is for operators") || answers[0].Params["show_alert"] != "true" {
		t.Errorf("viewer's confirm answered %v", answers[0].Params)
	}
	if dockertest.Docker(t, "inspect", "--format", "{{.State.StartedAt}}", container) != started {
		t.Fatal("a viewer's confirm restarted the container")
	}
	// The operator taps twice.
	r.fake.Press(group, dm, plan.ID, confirm)
	r.fake.Press(group, dm, plan.ID, confirm)
	answers = r.fake.WaitCalls(t, "answerCallbackQuery", 3, 60*time.Second)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(r.fake.Messages(group)[0].PlainText, "restarted —") {
		time.Sleep(100 * time.Millisecond)
	}
	final := r.fake.Messages(group)[0]
	if !strings.Contains(final.PlainText, "app restarted — running after") || final.Edits < 2 {
		t.Fatalf("the plan message should show progress then outcome, got %d edits: %q", final.Edits, final.PlainText)
	}
	refused := 0
	for _, a := range answers {
		if strings.Contains(a.Params["text"], "already") {
			refused++
		}
	}
	if refused != 1 {
		t.Errorf("the second tap should be refused once, answers: %+v", answers)
	}
	if got := len(r.fake.Messages(group)); got != 1 {
		t.Errorf("%d messages in the group, want the plan only (edited in place)", got)
	}
	if dockertest.Docker(t, "inspect", "--format", "{{.RestartCount}}/{{.State.StartedAt}}", container) == "0/"+started {
		t.Error("the container was not restarted")
	}
}

// No audit, no action: with the store down, a plan is refused and nothing
// runs.
func TestNoAuditNoAction(t *testing.T) {
	_, project := actionProject(t)
	container := project + "_app_1"
	started := dockertest.Docker(t, "inspect", "--format", "{{.State.StartedAt}}", container)
	t.Setenv("VIGIE_DATABASE_URL", "postgres://vigie:pw@127.0.0.1:1/vigie?sslmode=disable&connect_timeout=2")
	cfg := writeConfig(t, fmt.Sprintf("data_dir: %s\n", t.TempDir()))
	out := console(t, cfg, "/restart "+container)
	if !strings.Contains(out, "audit unavailable — nothing was done") || strings.Contains(out, "/confirm") {
		t.Errorf("with the store down: %s", out)
	}
	if dockertest.Docker(t, "inspect", "--format", "{{.State.StartedAt}}", container) != started {
		t.Error("the container was restarted without an audit record")
	}
}

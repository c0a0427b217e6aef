package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vigie/handlers"
)

// run calls Main like the binary would, with no config file around.
func run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	t.Chdir(t.TempDir())
	t.Setenv("VIGIE_CONFIG", "")
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, IO{In: strings.NewReader(stdin), Out: &out, Err: &errb})
	return out.String(), errb.String(), code
}

func TestDiagnoseJSONContract(t *testing.T) {
	out, errs, code := run(t, "", "diagnose", "--json", `ERROR [ExceptionHandler] error: password authentication failed for user "nocodb"`)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got struct {
		Abstained *bool `json:"abstained"`
		Matches   []struct {
			ID         string   `json:"id"`
			Title      string   `json:"title"`
			Score      float64  `json:"score"`
			Confidence string   `json:"confidence"`
			Evidence   []string `json:"evidence"`
		} `json:"matches"`
		Service *string `json:"service"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if got.Abstained == nil || *got.Abstained || got.Service == nil || *got.Service != "nocodb" {
		t.Fatalf("got %s", out)
	}
	if len(got.Matches) == 0 || len(got.Matches) > 5 || got.Matches[0].ID != "41.1" || got.Matches[0].Confidence != "high" || len(got.Matches[0].Evidence) == 0 {
		t.Fatalf("got %s", out)
	}
	for i := 1; i < len(got.Matches); i++ {
		if got.Matches[i].Confidence == "" || got.Matches[i].Score > 1 {
			t.Errorf("match %d: %+v", i, got.Matches[i])
		}
	}
}

func TestDiagnoseAbstainsJSON(t *testing.T) {
	out, _, code := run(t, "", "diagnose", `ERROR Getting updates: telego: getUpdates: api: 409 "Conflict: terminated by other getUpdates request"`, "--json")
	if code != ExitOK || !strings.Contains(out, `"abstained": true`) {
		t.Fatalf("exit %d: %s", code, out)
	}
	if strings.Contains(out, `"confidence": "high"`) || strings.Contains(out, `"confidence": "medium"`) {
		t.Errorf("nearest candidates must be low: %s", out)
	}
}

func TestDiagnoseStdin(t *testing.T) {
	out, errs, code := run(t, "Feb 22 10:14:03 pi node[1]: Error: Cannot find module '/opt/mc/.next/standalone/server.js'\n", "diagnose", "-")
	if code != ExitOK || !strings.Contains(out, "§0.2") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	// A big log on stdin is scanned line by line.
	var b strings.Builder
	for i := 0; i < 30000; i++ {
		b.WriteString("INFO all good here, request handled in 3ms\n")
	}
	b.WriteString(`javisi_nocodb  | ERROR [ExceptionHandler] error: password authentication failed for user "nocodb"` + "\n")
	out, errs, code = run(t, b.String(), "diagnose", "--json", "-")
	if code != ExitOK || !strings.Contains(out, `"id": "41.1"`) {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
}

func TestBadInput(t *testing.T) {
	big := strings.Repeat("error line\n", (21<<20)/11)
	cases := []struct {
		name  string
		stdin string
		args  []string
		code  int
		msg   string
	}{
		{"empty arg", "", []string{"diagnose", ""}, ExitUsage, "nothing to diagnose"},
		{"empty stdin", "", []string{"diagnose", "-"}, ExitUsage, "nothing to diagnose"},
		{"binary", "\x00\x01\x02\x03\x7fELF\x00\x00", []string{"diagnose", "-"}, ExitFailure, "binary"},
		{"too large", big, []string{"diagnose", "-"}, ExitFailure, "limit"},
		{"missing corpus", "", []string{"diagnose", "--corpus", "/nope/TROUBLESHOOTING.md", "x"}, ExitFailure, "no such file"},
		{"unknown command", "", []string{"frobnicate"}, ExitUsage, "unknown command"},
		{"bad flag", "", []string{"diagnose", "--nope", "x"}, ExitUsage, "flag provided but not defined"},
		{"pitfall unknown", "", []string{"pitfall", "77.7"}, ExitFailure, "no section 77.7"},
		{"pitfall no id", "", []string{"pitfall"}, ExitUsage, "give one section id"},
		{"search nothing", "", []string{"search"}, ExitUsage, "search for what"},
		{"eval missing", "", []string{"eval", "/nope.yaml"}, ExitFailure, "no such file"},
		{"eval bad threshold", "", []string{"eval", "--min-top1", "3", "x.yaml"}, ExitUsage, "between 0 and 1"},
		{"missing config", "", []string{"diagnose", "--config", "/nope/config.yaml", "x"}, ExitFailure, "config file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, errs, code := run(t, c.stdin, c.args...)
			if code != c.code || !strings.Contains(errs, c.msg) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", code, c.code, errs, c.msg)
			}
			if strings.Contains(errs, "panic") || strings.Contains(errs, "goroutine") {
				t.Errorf("stderr: %s", errs)
			}
		})
	}
}

func TestCorpusNotMarkdown(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "notes.md")
	if err := os.WriteFile(p, []byte("just some notes\nwithout sections\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errs, code := run(t, "", "search", "--corpus", p, "anything")
	if code != ExitFailure || !strings.Contains(errs, "no numbered sections") || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Errorf("exit %d stderr %q", code, errs)
	}
}

func TestEvalThresholds(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "cases.yaml")
	os.WriteFile(p, []byte(`
- id: nocodb
  text: 'ERROR [ExceptionHandler] error: password authentication failed for user "nocodb"'
  expect: ["41.1"]
  kind: exact
- id: neg
  text: 'FATAL:  sorry, too many clients already'
  expect: []
  kind: negative
- id: wrong-on-purpose
  text: 'Error: spawn docker EACCES'
  expect: ["41.4"]
  kind: real
`), 0o644)
	out, _, code := run(t, "", "eval", p, "--min-top1", "0.5")
	if code != ExitOK || !strings.Contains(out, "top-1: 0.500") || !strings.Contains(out, "wrong-on-purpose") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	_, errs, code := run(t, "", "eval", "--min-top1", "0.9", p)
	if code != ExitFailure || !strings.Contains(errs, "below threshold: top1 0.500 < 0.900") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// Without negative cases there is no abstention recall to claim.
	os.WriteFile(p, []byte("- id: only\n  text: 'Error: spawn docker EACCES'\n  expect: [\"11.13\"]\n  kind: exact\n"), 0o644)
	if out, _, code := run(t, "", "eval", p); code != ExitOK || !strings.Contains(out, "abstention: no negative cases") || strings.Contains(out, "recall") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	os.WriteFile(p, []byte("not: [a list"), 0o644)
	if _, errs, code := run(t, "", "eval", p); code != ExitFailure || !strings.Contains(errs, "not an evaluation file") {
		t.Fatalf("exit %d: %s", code, errs)
	}
}

func TestPitfallAndSearch(t *testing.T) {
	out, _, code := run(t, "", "pitfall", "0.13")
	if code != ExitOK || !strings.Contains(out, "OpenCut") || !strings.Contains(out, "docker compose -f /opt/workstation/docker-compose-opencut.yml up -d") {
		t.Fatalf("exit %d: %s", code, out)
	}
	out, _, code = run(t, "", "pitfall", "--json", "11.14")
	if code != ExitOK || !strings.Contains(out, `"archived": true`) {
		t.Fatalf("exit %d: %s", code, out)
	}
	out, _, code = run(t, "", "search", "restart", "env_file")
	if code != ExitOK || !strings.Contains(out, "§41.2") && !strings.Contains(out, "§11.18") {
		t.Fatalf("exit %d: %s", code, out)
	}
}

func TestConsole(t *testing.T) {
	in := strings.Join([]string{
		"/help",
		"/pitfall 11.13",
		"Feb 22 10:14:03 pi node[1]: node:internal/modules/cjs/loader:1228",
		"Feb 22 10:14:03 pi node[1]: Error: Cannot find module '/opt/mc/.next/standalone/server.js'",
		"",
		"/search caddy websocket",
		"/nope",
		"/pitfall",
		"/quit",
		"never read",
	}, "\n")
	out, errs, code := run(t, in, "console")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"/pitfall ID", "§11.13", "§0.2", "§11.2b", "unknown command /nope", "which section?"} {
		if !strings.Contains(out, want) {
			t.Errorf("console output lacks %q", want)
		}
	}
	if strings.Count(out, "§0.2 —") != 1 {
		t.Errorf("the two pasted lines should make one diagnosis:\n%s", out)
	}
}

func TestConsolePasteEndsOnPause(t *testing.T) {
	r, w := ioPipe()
	var out bytes.Buffer
	done := make(chan int)
	t.Chdir(t.TempDir())
	go func() { done <- Main(context.Background(), []string{"console"}, IO{In: r, Out: &out, Err: &out}) }()
	w.Write([]byte("Error: spawn docker EACCES\n"))
	time.Sleep(4 * pasteIdle)
	w.Write([]byte("/quit\n"))
	select {
	case code := <-done:
		if code != ExitOK || !strings.Contains(out.String(), "§11.13") {
			t.Fatalf("exit %d: %s", code, out.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("console did not answer a paste followed by a pause")
	}
	w.Close()
}

func TestVersionAndHelp(t *testing.T) {
	if out, _, code := run(t, "", "version"); code != ExitOK || !strings.HasPrefix(out, "vigie ") {
		t.Errorf("version: %d %q", code, out)
	}
	if _, errs, code := run(t, ""); code != ExitUsage || !strings.Contains(errs, "console") {
		t.Errorf("no args: %d %q", code, errs)
	}
	if _, errs, code := run(t, "", "help"); code != ExitOK || !strings.Contains(errs, "diagnose") {
		t.Errorf("help: %d %q", code, errs)
	}
}

func TestParseRequest(t *testing.T) {
	for in, want := range map[string][2]string{
		"/pitfall 41.1":                      {"pitfall", "41.1"},
		"/Search@vigie_bot x":                {"search", "x"},
		"/var/log/syslog: permission denied": {"", ""},
		"plain text":                         {"", ""},
		"/help":                              {"help", ""},
	} {
		r := handlers.ParseRequest(in)
		if r.Command != want[0] || r.Args != want[1] {
			t.Errorf("ParseRequest(%q) = %q %q", in, r.Command, r.Args)
		}
		if want[0] == "" && r.Text != in {
			t.Errorf("ParseRequest(%q) lost the text", in)
		}
	}
}

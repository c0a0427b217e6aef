package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vigie/internal/llmfake"
)

const llmKey = "sk-cli-test-litellm-key-0000000"

// llmConfig writes a configuration pointing llm at srv and returns its path;
// the key comes from LITELLM_API_KEY, as in production.
func llmConfig(t *testing.T, srv *llmfake.Server, extra string) string {
	t.Helper()
	t.Setenv("LITELLM_API_KEY", llmKey)
	p := filepath.Join(t.TempDir(), "vigie.yaml")
	cfg := fmt.Sprintf("llm:\n  base_url: %s\n  api_key: ${LITELLM_API_KEY}\n  models: [free-a, free-b]\n  timeout: 2s\n%s", srv.URL, extra)
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDiagnoseShowPrompt(t *testing.T) {
	srv := llmfake.New(t, llmKey, "free-a", "free-b")
	cfg := llmConfig(t, srv, "")
	text := `FATAL:  sorry, too many clients already` + "\nAuthorization: Bearer abcdefghijklmnopqrstuvwx\nPOSTGRES_PASSWORD=hunter2hunter2"
	out, errs, code := run(t, "", "diagnose", "--config", cfg, "--show-prompt", text)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"Nothing was sent", srv.URL + "/chat/completions", "model free-a (then free-b), max_tokens 400, timeout 2s", "--- system", "--- user", "too many clients already", "‹redacted›"} {
		if !strings.Contains(out, want) {
			t.Errorf("preview lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{"abcdefghijklmnopqrstuvwx", "hunter2hunter2", llmKey} {
		if strings.Contains(out, secret) {
			t.Errorf("preview shows %q", secret)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("--show-prompt sent %d requests", n)
	}
	// --json prints the body itself; the same body --llm then sends.
	body, _, code := run(t, "", "diagnose", "--config", cfg, "--show-prompt", "--json", text)
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	srv.Push(llmfake.Answer(`{"ids": [], "explanation": "none"}`))
	if _, errs, code := run(t, "", "diagnose", "--config", cfg, "--llm", text); code != ExitOK {
		t.Fatalf("--llm: exit %d: %s", code, errs)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	if !equalJSON(t, body, string(reqs[0].Body)) {
		t.Fatalf("--show-prompt --json differs from what was sent:\n%s\n%s", body, reqs[0].Body)
	}
	// Without an endpoint the preview still works: it needs no key.
	out, _, code = run(t, "", "diagnose", "--show-prompt", text)
	if code != ExitOK || !strings.Contains(out, "model <llm.models[0]>") {
		t.Fatalf("exit %d: %s", code, out)
	}
}

func equalJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		t.Fatalf("not JSON: %s / %s", a, b)
	}
	xs, _ := json.Marshal(x)
	ys, _ := json.Marshal(y)
	return string(xs) == string(ys)
}

func TestDiagnoseLLM(t *testing.T) {
	srv := llmfake.New(t, llmKey, "free-a", "free-b")
	cfg := llmConfig(t, srv, "")
	srv.Push(llmfake.Credits(), llmfake.Answer(`{"ids": ["41.1"], "explanation": "Le mot de passe du rôle a changé."}`))
	out, errs, code := run(t, "", "diagnose", "--config", cfg, "--llm", `password authentication failed for user "nocodb"`)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "🤖 Model-assisted (free-b) — see §41.1") || !strings.Contains(out, "Le mot de passe du rôle a changé.") {
		t.Fatalf("out:\n%s", out)
	}
	if n := strings.Count(out, "/pitfall 41.1]"); n != 1 {
		t.Errorf("%d buttons for §41.1, want one:\n%s", n, out)
	}
	srv.Push(llmfake.Credits(), llmfake.Credits())
	out, _, code = run(t, "", "diagnose", "--config", cfg, "--llm", "--json", `password authentication failed for user "nocodb"`)
	var got struct {
		Abstained bool
		Matches   []struct{ ID string }
		Model     struct {
			IDs   []string
			Error string
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != ExitOK {
		t.Fatalf("exit %d, %v: %s", code, err, out)
	}
	if got.Matches[0].ID != "41.1" || got.Model.Error != "🤖 the model is out of credits (402): lexical answer only" || got.Model.IDs == nil {
		t.Fatalf("got %+v", got)
	}
}

func TestLLMWithoutEndpoint(t *testing.T) {
	t.Setenv("LITELLM_API_KEY", "")
	for _, args := range [][]string{
		{"diagnose", "--llm", "Error: spawn docker EACCES"},
		{"eval", "--llm", "whatever.yaml"},
	} {
		_, errs, code := run(t, "", args...)
		if code != ExitUsage || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "no model endpoint configured") {
			t.Errorf("%v: exit %d, %q", args, code, errs)
		}
	}
}

func TestEvalLLM(t *testing.T) {
	srv := llmfake.New(t, llmKey, "free-a", "free-b")
	cfg := llmConfig(t, srv, "")
	cases := filepath.Join(t.TempDir(), "cases.yaml")
	// One sure case (the model is not asked), one unsure positive, one
	// negative the matcher abstains on.
	data := `- id: sure
  text: 'ERROR [ExceptionHandler] error: password authentication failed for user "nocodb"'
  expect: ["41.1"]
- id: negative
  text: 'FATAL:  sorry, too many clients already'
  expect: []
- id: unsure
  text: 'my containers keep the old variables after I edit the env file'
  expect: ["41.2"]
`
	if err := os.WriteFile(cases, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	// The model says "none" to everything: the negative stays right, and
	// an unsure positive the matcher got right would be lost.
	srv.Default(llmfake.Answer(`{"ids": [], "explanation": "none"}`))
	out, errs, code := run(t, "", "eval", "--config", cfg, "--llm", "--json", cases)
	if code != ExitOK {
		t.Fatalf("exit %d: %s\n%s", code, errs, out)
	}
	var got struct {
		Lexical, Assisted struct {
			Cases         int
			Top1, Top3    float64
			AbstainRecall float64 `json:"abstain_recall"`
		}
		Lift  map[string]float64
		Model struct {
			Consulted, Answered int
			Failures            map[string]int
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	reqs := len(srv.Requests())
	if got.Model.Consulted == 0 || got.Model.Consulted != reqs || got.Model.Answered != reqs || got.Lexical.Cases != 3 {
		t.Fatalf("consulted %d, answered %d, %d requests: %s", got.Model.Consulted, got.Model.Answered, reqs, out)
	}
	if got.Lift["top1"] != round3(got.Assisted.Top1-got.Lexical.Top1) || got.Assisted.AbstainRecall != 1 {
		t.Fatalf("lift %v: %s", got.Lift, out)
	}
	// The text report names both columns and the lift.
	srv.Default(llmfake.Status(503))
	out, _, code = run(t, "", "eval", "--config", cfg, "--llm", cases)
	if code != ExitOK || !strings.Contains(out, "lexical  assisted") || !strings.Contains(out, "unavailable ×") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

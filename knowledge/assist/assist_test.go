package assist_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"vigie/internal/llmfake"
	"vigie/knowledge/assist"
	"vigie/store"
)

const key = "sk-test-litellm-virtual-key-0001"

var cands = []assist.Candidate{
	{ID: "41.1", Title: "NocoDB — password authentication failed", Symptom: "`password authentication failed for user \"nocodb\"`", Cause: "the role's password changed in PostgreSQL but not in NC_DB"},
	{ID: "41.2", Title: "env_file changed, container not recreated", Symptom: "new value not seen", Cause: "restart keeps the old environment"},
	{ID: "3.1", Title: "PostgreSQL 18 data mount", Symptom: "initdb: directory exists", Cause: "PG 18 moved PGDATA"},
}

// clock is a settable clock for the budget and the breaker.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func setup(t *testing.T, o assist.Options, models ...string) (*llmfake.Server, *assist.Assistant, *clock) {
	t.Helper()
	srv := llmfake.New(t, key, models...)
	if o.Models == nil {
		o.Models = models
	}
	if o.MaxTokens == 0 {
		o.MaxTokens = 400
	}
	if o.Timeout == 0 {
		o.Timeout = 3 * time.Second
	}
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.Local)}
	o.Now = clk.Now
	o.Log = zerolog.Nop()
	return srv, assist.New(assist.NewOpenAI(srv.URL, key, o.Timeout), o), clk
}

func kindOf(err error) string {
	for _, k := range []error{assist.ErrCredits, assist.ErrRateLimited, assist.ErrUnavailable, assist.ErrAuth, assist.ErrModel, assist.ErrInvalidAnswer, assist.ErrBudget, assist.ErrCircuitOpen} {
		if errors.Is(err, k) {
			return k.Error()
		}
	}
	return "?"
}

func TestGoodAnswer(t *testing.T) {
	srv, a, _ := setup(t, assist.Options{}, "free-a")
	srv.Push(llmfake.Answer("```json\n{\"ids\": [\"§41.1\"], \"explanation\": \"Le mot de passe du rôle nocodb a changé.\\nNC_DB garde l'ancien.\"}\n```"))
	v, err := a.Choose(context.Background(), `ERROR password authentication failed for user "nocodb"`, cands)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.IDs) != 1 || v.IDs[0] != "41.1" || v.Model != "free-a" || !strings.HasPrefix(v.Explanation, "Le mot de passe") || strings.Count(v.Explanation, "\n") != 1 {
		t.Fatalf("verdict %+v", v)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Model != "free-a" || reqs[0].MaxTokens != 400 || reqs[0].Status != http.StatusOK {
		t.Fatalf("requests %+v", reqs)
	}
	// The preview is the body: same JSON, byte for byte once compacted.
	want, err := assist.Body(assist.Request{Model: "free-a", Prompt: a.Prompt(`ERROR password authentication failed for user "nocodb"`, cands), MaxTokens: 400})
	if err != nil {
		t.Fatal(err)
	}
	if !sameJSON(t, want, reqs[0].Body) {
		t.Fatalf("body sent differs from the preview\nsent: %s\nwant: %s", reqs[0].Body, want)
	}
	for _, c := range cands {
		if !strings.Contains(reqs[0].Messages[1].Content, "["+c.ID+"] "+c.Title) {
			t.Errorf("candidate %s not in the prompt", c.ID)
		}
	}
}

func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

func TestFailures(t *testing.T) {
	tests := []struct {
		name    string
		replies []llmfake.Reply
		models  []string
		kind    error
		calls   int
		check   func(t *testing.T, err error)
	}{
		{name: "id outside the candidates", replies: []llmfake.Reply{llmfake.Answer(`{"ids": ["99.9"], "explanation": "made up"}`)}, models: []string{"a"}, kind: assist.ErrInvalidAnswer, calls: 1},
		{name: "one good id, one outside", replies: []llmfake.Reply{llmfake.Answer(`{"ids": ["41.1", "12.2"], "explanation": "x"}`)}, models: []string{"a"}, kind: assist.ErrInvalidAnswer, calls: 1},
		{name: "malformed JSON", replies: []llmfake.Reply{llmfake.Answer(`{"ids": ["41.1"], "explanation": "unterminated`)}, models: []string{"a"}, kind: assist.ErrInvalidAnswer, calls: 1},
		{name: "prose instead of JSON", replies: []llmfake.Reply{llmfake.Answer(`I think it is 41.1.`)}, models: []string{"a"}, kind: assist.ErrInvalidAnswer, calls: 1},
		{name: "402 credits", replies: []llmfake.Reply{llmfake.Credits()}, models: []string{"a"}, kind: assist.ErrCredits, calls: 1},
		{name: "402 on every model", replies: []llmfake.Reply{llmfake.Credits(), llmfake.Credits()}, models: []string{"a", "b"}, kind: assist.ErrCredits, calls: 2},
		{name: "502", replies: []llmfake.Reply{llmfake.Status(502)}, models: []string{"a"}, kind: assist.ErrUnavailable, calls: 1},
		{name: "HTML error page", replies: []llmfake.Reply{llmfake.Raw(503, "<html>bad gateway</html>")}, models: []string{"a"}, kind: assist.ErrUnavailable, calls: 1},
		{name: "429 too long to wait", replies: []llmfake.Reply{llmfake.RateLimited("120")}, models: []string{"a"}, kind: assist.ErrRateLimited, calls: 1,
			check: func(t *testing.T, err error) {
				var e *assist.Error
				if !errors.As(err, &e) || e.RetryAfter != 120*time.Second || e.Status != 429 {
					t.Errorf("error %#v, want RetryAfter 120s", err)
				}
			}},
		{name: "no choices", replies: []llmfake.Reply{llmfake.Raw(200, `{"id":"x","object":"chat.completion","choices":[]}`)}, models: []string{"a"}, kind: assist.ErrInvalidAnswer, calls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, a, _ := setup(t, assist.Options{}, tt.models...)
			srv.Push(tt.replies...)
			v, err := a.Choose(context.Background(), "Error: spawn docker EACCES", cands)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("got %+v, %v (%s); want %v", v, err, kindOf(err), tt.kind)
			}
			if n := len(srv.Requests()); n != tt.calls {
				t.Errorf("%d calls, want %d", n, tt.calls)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
		})
	}
}

// TestNextModel: 402, a 5xx, an unknown model and a long rate limit each
// pass to the next model, in order.
func TestNextModel(t *testing.T) {
	good := llmfake.Answer(`{"ids": ["41.2"], "explanation": "restart keeps the env"}`)
	for name, first := range map[string]llmfake.Reply{
		"402": llmfake.Credits(), "500": llmfake.Status(500), "404": llmfake.Status(404), "429 long": llmfake.RateLimited("90"),
	} {
		t.Run(name, func(t *testing.T) {
			srv, a, _ := setup(t, assist.Options{}, "paid", "free")
			srv.Push(first, good)
			start := time.Now()
			v, err := a.Choose(context.Background(), "env not applied", cands)
			if err != nil || v.Model != "free" || v.IDs[0] != "41.2" {
				t.Fatalf("%+v, %v", v, err)
			}
			if el := time.Since(start); el > time.Second {
				t.Errorf("took %v: a long Retry-After must not be waited", el)
			}
			reqs := srv.Requests()
			if len(reqs) != 2 || reqs[0].Model != "paid" || reqs[1].Model != "free" {
				t.Fatalf("requests %+v", reqs)
			}
		})
	}
	// A model the proxy does not know (LiteLLM's 400) passes too.
	srv, a, _ := setup(t, assist.Options{Models: []string{"gone", "free"}}, "free")
	srv.Push(good)
	if v, err := a.Choose(context.Background(), "x", cands); err != nil || v.Model != "free" {
		t.Fatalf("unknown model: %+v, %v", v, err)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	srv, a, _ := setup(t, assist.Options{Timeout: 4 * time.Second}, "free")
	srv.Push(llmfake.RateLimited("1"), llmfake.Answer(`{"ids": [], "explanation": "none fits"}`))
	start := time.Now()
	v, err := a.Choose(context.Background(), "x", cands)
	el := time.Since(start)
	if err != nil || len(v.IDs) != 0 || v.Explanation != "none fits" {
		t.Fatalf("%+v, %v", v, err)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	if gap := reqs[1].Time.Sub(reqs[0].Time); gap < time.Second || el > 3*time.Second {
		t.Errorf("retry %v after the 429, whole call %v; want ≥ 1s and well within the timeout", gap, el)
	}
}

// TestRateLimitRemembered: after a 429 whose Retry-After exceeds the
// timeout, the model is not called again until it has passed.
func TestRateLimitRemembered(t *testing.T) {
	srv, a, clk := setup(t, assist.Options{}, "free")
	srv.Push(llmfake.RateLimited("60"))
	if _, err := a.Choose(context.Background(), "x", cands); !errors.Is(err, assist.ErrRateLimited) {
		t.Fatal(err)
	}
	clk.Add(30 * time.Second)
	_, err := a.Choose(context.Background(), "x", cands)
	var e *assist.Error
	if !errors.As(err, &e) || !errors.Is(err, assist.ErrRateLimited) || e.RetryAfter != 30*time.Second {
		t.Fatalf("second call: %v", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("%d requests, want 1: the endpoint was called while rate-limited", n)
	}
	clk.Add(31 * time.Second)
	srv.Push(llmfake.Answer(`{"ids": ["3.1"], "explanation": "PG 18"}`))
	if v, err := a.Choose(context.Background(), "x", cands); err != nil || v.IDs[0] != "3.1" {
		t.Fatalf("after the pause: %+v, %v", v, err)
	}
}

// TestTimeout: a reply slower than the timeout leaves the lexical answer
// alone within the timeout plus well under a second.
func TestTimeout(t *testing.T) {
	const timeout = time.Second
	srv, a, _ := setup(t, assist.Options{Timeout: timeout}, "slow", "other")
	srv.Default(llmfake.Reply{Content: `{"ids": ["41.1"], "explanation": "late"}`, Delay: 5 * time.Second})
	start := time.Now()
	_, err := a.Choose(context.Background(), "x", cands)
	el := time.Since(start)
	if !errors.Is(err, assist.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want unavailable by deadline", err)
	}
	if el > timeout+time.Second {
		t.Fatalf("took %v, want < %v", el, timeout+time.Second)
	}
	t.Logf("fallback after %v with a %v timeout (extra %v)", el, timeout, el-timeout)
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests: the second model must not be tried once time is up", n)
	}
}

func TestAuth(t *testing.T) {
	srv := llmfake.New(t, key, "a", "b")
	a := assist.New(assist.NewOpenAI(srv.URL, "sk-wrong-key-00000000000", time.Second), assist.Options{Models: []string{"a", "b"}, MaxTokens: 10, Log: zerolog.Nop()})
	_, err := a.Choose(context.Background(), "x", cands)
	if !errors.Is(err, assist.ErrAuth) {
		t.Fatalf("err %v", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests: the same key is refused for every model", n)
	}
}

func TestBreaker(t *testing.T) {
	srv, a, clk := setup(t, assist.Options{BreakerFailures: 3, BreakerPause: 5 * time.Minute}, "a")
	srv.Default(llmfake.Status(503))
	for i := 0; i < 3; i++ {
		if _, err := a.Choose(context.Background(), "x", cands); !errors.Is(err, assist.ErrUnavailable) {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	_, err := a.Choose(context.Background(), "x", cands)
	var e *assist.Error
	if !errors.As(err, &e) || !errors.Is(err, assist.ErrCircuitOpen) || e.RetryAfter != 5*time.Minute {
		t.Fatalf("4th call: %v, want the circuit open for 5m", err)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Fatalf("%d requests, want 3: an open circuit calls nothing", n)
	}
	// After the pause one probe goes; it fails, the circuit opens again.
	clk.Add(5*time.Minute + time.Second)
	if _, err := a.Choose(context.Background(), "x", cands); !errors.Is(err, assist.ErrUnavailable) {
		t.Fatalf("probe: %v", err)
	}
	if _, err := a.Choose(context.Background(), "x", cands); !errors.Is(err, assist.ErrCircuitOpen) {
		t.Fatalf("after a failed probe: %v", err)
	}
	// The next probe succeeds and closes it.
	clk.Add(5*time.Minute + time.Second)
	srv.Default(llmfake.Answer(`{"ids": ["41.1"], "explanation": "ok"}`))
	for i := 0; i < 2; i++ {
		if _, err := a.Choose(context.Background(), "x", cands); err != nil {
			t.Fatalf("after a good probe, call %d: %v", i, err)
		}
	}
	if n := len(srv.Requests()); n != 6 {
		t.Fatalf("%d requests, want 6", n)
	}
	// An invalid answer is the model's fault, not the endpoint's: it never
	// opens the circuit.
	srv.Default(llmfake.Answer("not json"))
	for i := 0; i < 5; i++ {
		if _, err := a.Choose(context.Background(), "x", cands); !errors.Is(err, assist.ErrInvalidAnswer) {
			t.Fatalf("invalid %d: %v", i, err)
		}
	}
}

func TestBudget(t *testing.T) {
	srv, a, clk := setup(t, assist.Options{DailyCalls: 2}, "a")
	srv.Default(llmfake.Answer(`{"ids": ["41.1"], "explanation": "ok"}`))
	for i := 0; i < 2; i++ {
		if _, err := a.Choose(context.Background(), "x", cands); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Choose(context.Background(), "x", cands); !errors.Is(err, assist.ErrBudget) {
		t.Fatalf("third call: %v", err)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}
	// A spent budget is no endpoint failure: the circuit stays closed, and
	// the next day the budget is whole again.
	clk.Add(14 * time.Hour)
	if _, err := a.Choose(context.Background(), "x", cands); err != nil {
		t.Fatalf("next day: %v", err)
	}
	// Every model tried is a call: with two models and a 402 first, one
	// consultation spends two.
	srv2, b, _ := setup(t, assist.Options{DailyCalls: 3}, "paid", "free")
	srv2.Push(llmfake.Credits(), llmfake.Answer(`{"ids": [], "explanation": "none"}`), llmfake.Credits())
	if _, err := b.Choose(context.Background(), "x", cands); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Choose(context.Background(), "x", cands); !errors.Is(err, assist.ErrCredits) {
		t.Fatalf("credits then budget: %v, want the 402 reported", err)
	}
	if n := len(srv2.Requests()); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}
}

// TestSecretsNeverSent plants secrets in the input and in the candidates'
// excerpts and checks every body the endpoint received, whatever it
// answered.
func TestSecretsNeverSent(t *testing.T) {
	secrets := []string{
		"eyJhbGciOiJIUzI1NiJ9.planted-bearer-token",
		"pl4nted-PG-pass",
		"sk-or-v1-planted0123456789abcdef",
		"123456789:AAHplantedTelegramBotTokenValue_0123",
		"planted-password-value",
		"planted-master-key-42",
	}
	input := strings.Join([]string{
		"curl -H 'Authorization: Bearer " + secrets[0] + "' http://litellm:4000/v1/models",
		"DATABASE_URL=postgres://litellm:" + secrets[1] + "@postgresql:5432/litellm",
		`openrouter api_key=` + secrets[2] + ` rejected`,
		"https://api.telegram.org/bot" + secrets[3] + "/getUpdates 409 Conflict",
		"POSTGRES_PASSWORD=" + secrets[4],
		"password authentication failed for user \"nocodb\"",
	}, "\n")
	leaky := append([]assist.Candidate{}, cands...)
	leaky[0].Cause = "set LITELLM_MASTER_KEY=" + secrets[5] + " then recreate"
	srv, a, _ := setup(t, assist.Options{}, "a", "b")
	srv.Push(llmfake.Credits(), llmfake.Answer(`{"ids": ["41.1"], "explanation": "ok"}`), llmfake.RateLimited("100"), llmfake.Status(500), llmfake.Answer("garbage"))
	for i := 0; i < 3; i++ {
		_, _ = a.Choose(context.Background(), input, leaky)
	}
	bodies := srv.Bodies()
	if len(bodies) < 4 {
		t.Fatalf("only %d bodies", len(bodies))
	}
	for i, b := range bodies {
		for _, s := range secrets {
			if strings.Contains(b, s) {
				t.Errorf("body %d holds the planted secret %q", i, s)
			}
		}
		if !strings.Contains(b, "password authentication failed") || !strings.Contains(b, "‹redacted›") {
			t.Errorf("body %d lacks the redacted input: %s", i, b)
		}
	}
	// The preview says the same.
	p := a.Prompt(input, leaky)
	for _, s := range secrets {
		if strings.Contains(p.System+p.User, s) {
			t.Errorf("the preview holds %q", s)
		}
	}
}

func TestNoCandidatesNoCall(t *testing.T) {
	srv, a, _ := setup(t, assist.Options{}, "a")
	if _, err := a.Choose(context.Background(), "x", nil); !errors.Is(err, assist.ErrNoCandidates) {
		t.Fatal(err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("%d requests", n)
	}
}

// BenchmarkFallback measures a consultation that times out: what a
// diagnosis waits beyond the timeout before it shows the lexical answer.
func BenchmarkFallback(b *testing.B) {
	srv := llmfake.New(b, key, "slow")
	srv.Default(llmfake.Reply{Content: "{}", Delay: 10 * time.Second})
	const timeout = 200 * time.Millisecond
	a := assist.New(assist.NewOpenAI(srv.URL, key, timeout), assist.Options{Models: []string{"slow"}, MaxTokens: 10, Timeout: timeout, BreakerFailures: 1 << 30, Log: zerolog.Nop()})
	var worst time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		_, _ = a.Choose(context.Background(), "x", cands)
		worst = max(worst, time.Since(start)-timeout)
	}
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-extra-ms")
}

// TestCallerGivesUp: a caller that cancels gets context.Canceled, and it
// never counts against the endpoint.
func TestCallerGivesUp(t *testing.T) {
	srv, a, _ := setup(t, assist.Options{BreakerFailures: 1}, "slow")
	srv.Default(llmfake.Reply{Content: "{}", Delay: 5 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	if _, err := a.Choose(ctx, "x", cands); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	srv.Default(llmfake.Answer(`{"ids": [], "explanation": "ok"}`))
	if _, err := a.Choose(context.Background(), "x", cands); err != nil {
		t.Fatalf("after a cancel the circuit must stay closed: %v", err)
	}
}

// TestBudgetOutlivesARestart: with the store keeping the count, a vigie
// restarted the same day (a crash loop, a redeploy) has no fresh budget;
// while the store fails, the count is kept in memory.
func TestBudgetOutlivesARestart(t *testing.T) {
	st, err := store.Open(context.Background(), store.Options{DataDir: t.TempDir()}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	quota := func(ctx context.Context, key string, limit int) (bool, error) {
		_, ok, err := st.TakeQuota(ctx, key, limit)
		return ok, err
	}
	srv, a, _ := setup(t, assist.Options{DailyCalls: 2, Quota: quota}, "a")
	srv.Default(llmfake.Answer(`{"ids": ["41.1"], "explanation": "ok"}`))
	for i := 0; i < 2; i++ {
		if _, err := a.Choose(context.Background(), "x", cands); err != nil {
			t.Fatal(err)
		}
	}
	srv2, b, _ := setup(t, assist.Options{DailyCalls: 2, Quota: quota}, "a")
	srv2.Default(llmfake.Answer(`{"ids": ["41.1"], "explanation": "ok"}`))
	if _, err := b.Choose(context.Background(), "x", cands); !errors.Is(err, assist.ErrBudget) {
		t.Fatalf("after a restart the same day: %v, want the budget spent", err)
	}
	if n := len(srv2.Requests()); n != 0 {
		t.Fatalf("%d requests after the restart, want none", n)
	}

	// The store down: counted in memory, the limit still holds.
	down := func(context.Context, string, int) (bool, error) { return false, store.ErrUnavailable }
	srv3, c, _ := setup(t, assist.Options{DailyCalls: 1, Quota: down}, "a")
	srv3.Default(llmfake.Answer(`{"ids": ["41.1"], "explanation": "ok"}`))
	if _, err := c.Choose(context.Background(), "x", cands); err != nil {
		t.Fatalf("store down, first call: %v", err)
	}
	if _, err := c.Choose(context.Background(), "x", cands); !errors.Is(err, assist.ErrBudget) {
		t.Fatalf("store down, second call: %v, want the budget spent", err)
	}
}

package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"vigie/internal/llmfake"
	"vigie/knowledge"
	"vigie/knowledge/assist"
)

// fakeAssistant is a function-field fake of Assistant that records what it
// was asked.
type fakeAssistant struct {
	choose func(input string, cands []assist.Candidate) (assist.Verdict, error)
	mu     sync.Mutex
	inputs []string
	cands  [][]assist.Candidate
}

func (f *fakeAssistant) Choose(_ context.Context, input string, cands []assist.Candidate) (assist.Verdict, error) {
	f.mu.Lock()
	f.inputs = append(f.inputs, input)
	f.cands = append(f.cands, cands)
	f.mu.Unlock()
	return f.choose(input, cands)
}
func (f *fakeAssistant) Timeout() time.Duration { return 15 * time.Second }
func (f *fakeAssistant) DailyCalls() int        { return 200 }
func (f *fakeAssistant) calls() int             { f.mu.Lock(); defer f.mu.Unlock(); return len(f.inputs) }

func newAssistedMux(t testing.TB, a Assistant) *Mux {
	t.Helper()
	secs, err := knowledge.LoadFiles(nil)
	if err != nil {
		t.Fatal(err)
	}
	return NewMux(Deps{Knowledge: knowledge.NewIndex(secs, knowledge.DefaultServices), Log: zerolog.Nop(), MaxInput: 1 << 20, Assist: a})
}

func handle(t *testing.T, m *Mux, req Request) string {
	t.Helper()
	rec := &recorder{}
	if err := m.Handle(context.Background(), req, rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.replies) != 1 {
		t.Fatalf("%d replies: %s", len(rec.replies), dump(rec.replies))
	}
	return dump(rec.replies)
}

const (
	unsureText = `FATAL:  sorry, too many clients already`
	sureText   = `javisi_nocodb  | ERROR [ExceptionHandler] error: password authentication failed for user "nocodb"`
)

func TestAssistGolden(t *testing.T) {
	first := func(expl string) func(string, []assist.Candidate) (assist.Verdict, error) {
		return func(_ string, c []assist.Candidate) (assist.Verdict, error) {
			return assist.Verdict{IDs: []string{c[1].ID}, Explanation: expl, Model: "free-a"}, nil
		}
	}
	cases := []struct {
		name   string
		choose func(string, []assist.Candidate) (assist.Verdict, error)
		req    Request
	}{
		{"diagnose-assist-chosen", first("Trop de connexions : voir la section.\nDeuxième ligne."), Request{Text: unsureText}},
		{"diagnose-assist-none", func(string, []assist.Candidate) (assist.Verdict, error) {
			return assist.Verdict{Explanation: "None of these is about max_connections.", Model: "free-a"}, nil
		}, Request{Text: unsureText}},
		{"diagnose-assist-credits", func(string, []assist.Candidate) (assist.Verdict, error) {
			return assist.Verdict{}, &assist.Error{Kind: assist.ErrCredits, Status: 402, Model: "paid"}
		}, Request{Text: unsureText}},
		{"diagnose-assist-sure", first("unused"), Request{Text: sureText}},
		{"ask-text", first("Asked on purpose."), Request{Command: "ask", Args: sureText}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := handle(t, newAssistedMux(t, &fakeAssistant{choose: c.choose}), c.req)
			// The 🤖 button's reference is random: pin it for the golden.
			if i := strings.Index(got, "/ask #"); i >= 0 {
				got = got[:i+6] + "REF" + got[i+6+12:]
			}
			golden(t, c.name, got)
		})
	}
}

// TestAssistFailuresAddOneLine: whatever goes wrong, the reply is the
// lexical one plus one note.
func TestAssistFailuresAddOneLine(t *testing.T) {
	lexical := handle(t, newMux(t), Request{Text: unsureText})
	for _, tt := range []struct {
		err  error
		want string
	}{
		{&assist.Error{Kind: assist.ErrCredits, Status: 402}, "🤖 the model is out of credits (402): lexical answer only"},
		{&assist.Error{Kind: assist.ErrRateLimited, Status: 429, RetryAfter: 42 * time.Second}, "🤖 the model is rate-limited (429), again in 42s: lexical answer only"},
		{&assist.Error{Kind: assist.ErrUnavailable, Err: fmt.Errorf("x: %w", context.DeadlineExceeded)}, "🤖 the model did not answer within 15s: lexical answer only"},
		{&assist.Error{Kind: assist.ErrUnavailable, Status: 502}, "🤖 the model endpoint is unavailable (502): lexical answer only"},
		{&assist.Error{Kind: assist.ErrCircuitOpen, RetryAfter: 4*time.Minute + 20*time.Second}, "🤖 model calls are paused for 4m after repeated failures: lexical answer only"},
		{&assist.Error{Kind: assist.ErrBudget}, "🤖 today's model budget (200 calls, llm.daily_calls) is spent: lexical answer only until midnight"},
		{&assist.Error{Kind: assist.ErrInvalidAnswer, Err: errors.New(`section "99.9" is not among the candidates`)}, "🤖 the model's answer was unusable: lexical answer only"},
		{&assist.Error{Kind: assist.ErrAuth, Status: 401}, "🤖 the model endpoint refused the key (401) — check llm.api_key or LITELLM_API_KEY: lexical answer only"},
		{&assist.Error{Kind: assist.ErrModel, Status: 400}, "🤖 no configured model accepted the request (400): lexical answer only"},
	} {
		f := &fakeAssistant{choose: func(string, []assist.Candidate) (assist.Verdict, error) { return assist.Verdict{}, tt.err }}
		got := handle(t, newAssistedMux(t, f), Request{Text: unsureText})
		before, after, ok := strings.Cut(lexical, "<button")
		want := before + "[N] " + tt.want + "\n<button" + after
		if !ok || got != want {
			t.Errorf("%v:\n got: %s\nwant: %s", tt.err, got, want)
		}
		if strings.Contains(got, "99.9") {
			t.Errorf("the reason of a discarded answer reached the chat: %s", got)
		}
	}
}

func TestAskButton(t *testing.T) {
	f := &fakeAssistant{choose: func(_ string, c []assist.Candidate) (assist.Verdict, error) {
		return assist.Verdict{IDs: []string{c[0].ID}, Explanation: "asked", Model: "m"}, nil
	}}
	m := newAssistedMux(t, f)
	// A sure diagnosis does not call the model; it offers the button.
	text := sureText + "\nDATABASE_URL=postgres://nocodb:hunter2pw@postgresql:5432/nocodb"
	rec := &recorder{}
	if err := m.Handle(context.Background(), Request{ChatID: 7, Text: text}, rec); err != nil {
		t.Fatal(err)
	}
	if f.calls() != 0 {
		t.Fatalf("the model was called on a sure diagnosis")
	}
	var ask *Button
	for _, row := range rec.replies[0].Buttons {
		for i := range row {
			if row[i].Action == "ask" {
				ask = &row[i]
			}
		}
	}
	if ask == nil {
		t.Fatalf("no 🤖 button: %s", dump(rec.replies))
	}
	// Another chat cannot use the reference.
	if got := handle(t, m, Request{ChatID: 8, Command: ask.Action, Args: ask.Arg, Source: SourceButton}); !strings.Contains(got, "expired") || f.calls() != 0 {
		t.Fatalf("foreign chat: %s", got)
	}
	got := handle(t, m, Request{ChatID: 7, Command: ask.Action, Args: ask.Arg, Source: SourceButton})
	if f.calls() != 1 || !strings.HasPrefix(got, "[T] 🤖 Model-assisted (m) — see §41.1") || strings.Contains(got, "[H]") {
		t.Fatalf("button: %d calls, reply %s", f.calls(), got)
	}
	// What was kept for the button is redacted.
	if strings.Contains(f.inputs[0], "hunter2pw") || !strings.Contains(f.inputs[0], "password authentication failed") {
		t.Errorf("kept input %q", f.inputs[0])
	}
}

func TestAskOff(t *testing.T) {
	got := handle(t, newMux(t), Request{Command: "ask", Args: "anything"})
	if got != "[T] ⚠️ the model is off: set llm.enabled: true and llm.models (and LITELLM_API_KEY) in the configuration\n" {
		t.Fatalf("got %q", got)
	}
	m := newAssistedMux(t, &fakeAssistant{})
	if got := handle(t, m, Request{Command: "ask"}); !strings.Contains(got, "ask about what?") {
		t.Fatalf("empty /ask: %q", got)
	}
	if got := handle(t, m, Request{Command: "ask", Args: "#0123456789ab"}); !strings.Contains(got, "expired") {
		t.Fatalf("unknown ref: %q", got)
	}
}

// TestAssistThroughFake runs the handlers against the fake endpoint: no
// planted secret reaches it, and a reply slower than the timeout leaves
// the lexical answer within the timeout plus under a second.
func TestAssistThroughFake(t *testing.T) {
	const key = "sk-handlers-test-key-000000"
	srv := llmfake.New(t, key, "free-a")
	const timeout = time.Second
	a := assist.New(assist.NewOpenAI(srv.URL, key, timeout), assist.Options{Models: []string{"free-a"}, MaxTokens: 400, Timeout: timeout, Log: zerolog.Nop()})
	m := newAssistedMux(t, a)
	secrets := []string{"Zm9vYmFyYmF6cXV4cXV1eA", "s3cr3t-pg-pw", "sk-proj-plantedKEY0123456789", "987654321:AAEplantedBotTokenForHandlersTest01", "planted-pw-value"}
	text := unsureText + "\n" + strings.Join([]string{
		"Authorization: Bearer " + secrets[0],
		"postgres://app:" + secrets[1] + "@postgresql/app",
		"OPENAI_API_KEY=" + secrets[2],
		"TELEGRAM_BOT_TOKEN=" + secrets[3],
		"PASSWORD=" + secrets[4],
	}, "\n")
	srv.Push(llmfake.Answer(`{"ids": ["99.9"], "explanation": "invented"}`))
	got := handle(t, m, Request{Text: text})
	if !strings.Contains(got, "🤖 the model's answer was unusable: lexical answer only") || strings.Contains(got, "99.9") {
		t.Fatalf("out-of-candidates answer: %s", got)
	}
	srv.Default(llmfake.Reply{Content: `{"ids": [], "explanation": "late"}`, Delay: 5 * time.Second})
	start := time.Now()
	got = handle(t, m, Request{Text: text})
	el := time.Since(start)
	if !strings.Contains(got, "🤖 the model did not answer within 1s: lexical answer only") {
		t.Fatalf("slow: %s", got)
	}
	if el > timeout+time.Second {
		t.Fatalf("reply after %v with a %v timeout", el, timeout)
	}
	t.Logf("lexical reply after %v with a %v model timeout", el, timeout)
	bodies := srv.Bodies()
	if len(bodies) != 2 {
		t.Fatalf("%d bodies", len(bodies))
	}
	for _, b := range bodies {
		for _, s := range secrets {
			if strings.Contains(b, s) {
				t.Errorf("a request body holds %q", s)
			}
		}
	}
}

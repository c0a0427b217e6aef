package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"vigie/knowledge"
	"vigie/knowledge/assist"
	"vigie/redact"
)

// Assistant is what the handlers need of the model assistance
// (assist.Assistant): choose among candidate sections, within its own
// timeout and budget.
type Assistant interface {
	Choose(ctx context.Context, input string, cands []assist.Candidate) (assist.Verdict, error)
	Timeout() time.Duration
	DailyCalls() int
}

// unsure says whether the lexical answer leaves room for the model: it
// abstained, or its best section is not a high-confidence one.
func unsure(res knowledge.Result) bool {
	return res.Abstained || len(res.Matches) > 0 && res.Matches[0].Confidence != knowledge.High
}

// assisted completes a diagnosis reply with the model's part: on unsure
// diagnoses (or always, with force) the model's choice or one line saying
// why there is none; on sure ones a 🤖 button to ask anyway. Without an
// assistant, or without candidates to choose from, the reply is left as it
// is.
func (m *Mux) assisted(ctx context.Context, chatID int64, input string, res knowledge.Result, r Reply, force bool) Reply {
	a := m.deps.Assist
	if a == nil || len(res.Matches) == 0 {
		return r
	}
	if !force && !unsure(res) {
		ref := m.asks.put(chatID, assist.Input(input, res))
		return addButtons(r, Button{Label: "🤖 Ask the model", Action: "ask", Arg: "#" + ref})
	}
	return Assisted(ctx, m.deps.Knowledge, a, input, res, r)
}

// Assisted asks the model about input, whose lexical result is res, and adds
// its answer to r: a block labelled model-assisted citing the sections it
// chose (with their buttons), or one note saying why there is none, the
// lexical answer standing as it is.
func Assisted(ctx context.Context, k Knowledge, a Assistant, input string, res knowledge.Result, r Reply) Reply {
	v, err := a.Choose(ctx, assist.Input(input, res), assist.Candidates(k.Section, res.Matches))
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return r
		}
		r.Blocks = append(r.Blocks, Block{Kind: Note, Text: AssistFailure(err, a)})
		return r
	}
	return WithVerdict(k, r, v)
}

// WithVerdict adds the model's answer to r: the blocks of VerdictBlocks,
// and buttons for the sections it cites that r has none for.
func WithVerdict(k Knowledge, r Reply, v assist.Verdict) Reply {
	blocks, buttons := VerdictBlocks(k, v)
	r.Blocks = append(r.Blocks, blocks...)
	return addButtons(r, buttons...)
}

// VerdictBlocks renders the model's answer, labelled as such and citing
// the sections it chose, with a button for each.
func VerdictBlocks(k Knowledge, v assist.Verdict) ([]Block, []Button) {
	label := "🤖 Model-assisted (" + v.Model + ")"
	if len(v.IDs) == 0 {
		return []Block{{Kind: Text, Text: label + ": none of these pitfalls explains it.\n" + v.Explanation}}, nil
	}
	var cited []string
	var buttons []Button
	for _, id := range v.IDs {
		title := ""
		if s, ok := k.Section(id); ok {
			title = " " + cleanTitle(s.Title)
		}
		cited = append(cited, "§"+id+title)
		buttons = append(buttons, Button{Label: "📖 " + id, Action: "pitfall", Arg: id})
	}
	return []Block{{Kind: Text, Text: label + " — see " + strings.Join(cited, " · ") + "\n" + v.Explanation}}, buttons
}

// AssistFailure is the one line shown when the model did not help; the
// lexical answer above it stands.
func AssistFailure(err error, a Assistant) string {
	var e *assist.Error
	errors.As(err, &e)
	status := func() string {
		if e != nil && e.Status != 0 {
			return fmt.Sprintf(" (%d)", e.Status)
		}
		return ""
	}
	wait := func() string {
		if e == nil || e.RetryAfter <= 0 {
			return ""
		}
		return " for " + roundWait(e.RetryAfter)
	}
	var why string
	switch {
	case errors.Is(err, assist.ErrBudget):
		return fmt.Sprintf("🤖 today's model budget (%d calls, llm.daily_calls) is spent: lexical answer only until midnight", a.DailyCalls())
	case errors.Is(err, assist.ErrCircuitOpen):
		why = "model calls are paused" + wait() + " after repeated failures"
	case errors.Is(err, assist.ErrCredits):
		why = "the model is out of credits (402)"
	case errors.Is(err, assist.ErrRateLimited):
		why = "the model is rate-limited (429)"
		if w := wait(); w != "" {
			why += ", again in" + strings.TrimPrefix(w, " for")
		}
	case errors.Is(err, context.DeadlineExceeded):
		why = "the model did not answer within " + roundWait(a.Timeout())
	case errors.Is(err, assist.ErrAuth):
		why = "the model endpoint refused the key" + status() + " — check llm.api_key or LITELLM_API_KEY"
	case errors.Is(err, assist.ErrUnavailable):
		why = "the model endpoint is unavailable" + status()
	case errors.Is(err, assist.ErrInvalidAnswer):
		why = "the model's answer was unusable"
	case errors.Is(err, assist.ErrModel):
		why = "no configured model accepted the request" + status()
	default:
		why = "the model could not be asked"
	}
	return "🤖 " + why + ": lexical answer only"
}

// roundWait prints a wait as an operator reads it: 40s, 4m, 1h5m.
func roundWait(d time.Duration) string {
	switch {
	case d < time.Second:
		return "1s"
	case d < time.Minute:
		return d.Round(time.Second).String()
	default:
		s := d.Round(time.Minute).String()
		return strings.TrimSuffix(s, "0s")
	}
}

// addButtons adds a row of buttons, leaving out the sections the reply
// already has a button for.
func addButtons(r Reply, bs ...Button) Reply {
	have := map[string]bool{}
	for _, row := range r.Buttons {
		for _, b := range row {
			have[b.Action+" "+b.Arg] = true
		}
	}
	var row []Button
	for _, b := range bs {
		if !have[b.Action+" "+b.Arg] {
			row = append(row, b)
		}
	}
	if len(row) > 0 {
		r.Buttons = append(r.Buttons, row)
	}
	return r
}

// runAsk asks the model: /ask TEXT diagnoses TEXT and asks whatever the
// confidence; /ask #REF (the 🤖 button) asks about an earlier diagnosis of
// this chat and answers with the model's part alone.
func runAsk(ctx context.Context, m *Mux, req Request, out Replier) error {
	if m.deps.Assist == nil {
		return Userf("the model is off: set llm.enabled: true and llm.models (and LITELLM_API_KEY) in the configuration")
	}
	arg := strings.TrimSpace(req.Args)
	if arg == "" {
		return Userf("ask about what? /ask TEXT, or the 🤖 button under a diagnosis")
	}
	if ref, ok := strings.CutPrefix(arg, "#"); ok && !strings.ContainsAny(ref, " \n") {
		input, ok := m.asks.get(req.ChatID, ref)
		if !ok {
			return Userf("that question has expired — paste the error again, or /ask TEXT")
		}
		res := m.deps.Knowledge.Match(input)
		r := m.assisted(ctx, req.ChatID, input, res, Reply{}, true)
		if len(r.Blocks) == 0 {
			return Userf("no pitfall is close enough to ask the model about")
		}
		return out.Send(ctx, r)
	}
	if err := m.checkInput([]byte(arg)); err != nil {
		return err
	}
	res := m.deps.Knowledge.Match(arg)
	r := m.withActions(DiagnosisReply(m.deps.Knowledge, res), res)
	if len(res.Matches) == 0 {
		r.Blocks = append(r.Blocks, Block{Kind: Note, Text: "🤖 no pitfall is close enough to ask the model about"})
		return out.Send(ctx, r)
	}
	return out.Send(ctx, m.assisted(ctx, req.ChatID, arg, res, r, true))
}

// askRefs keeps, for the 🤖 button, the redacted input of recent
// diagnoses, by a random reference bound to the chat. It is bounded: the
// oldest go first.
type askRefs struct {
	mu    sync.Mutex
	byRef map[string]askRef
	order []string
}

type askRef struct {
	chatID int64
	input  string
	at     time.Time
}

// Bounds of askRefs: how many questions are kept and for how long.
const (
	maxAskRefs = 256
	askRefTTL  = 24 * time.Hour
)

func (a *askRefs) put(chatID int64, input string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	ref := hex.EncodeToString(b[:])
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.byRef == nil {
		a.byRef = map[string]askRef{}
	}
	for len(a.order) >= maxAskRefs {
		delete(a.byRef, a.order[0])
		a.order = a.order[1:]
	}
	a.byRef[ref] = askRef{chatID: chatID, input: redact.String(input), at: time.Now()}
	a.order = append(a.order, ref)
	return ref
}

func (a *askRefs) get(chatID int64, ref string) (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r, ok := a.byRef[ref]
	if !ok || r.chatID != chatID || time.Since(r.at) > askRefTTL {
		return "", false
	}
	return r.input, true
}

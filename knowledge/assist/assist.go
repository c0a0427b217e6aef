// Package assist asks a language model, behind an OpenAI-compatible endpoint
// (the stack's LiteLLM proxy), to choose among the candidate sections the
// lexical matcher found and to explain its choice in a few lines.
//
// The model never answers on its own: it is shown the redacted input and
// the candidates (ids, titles, symptom and cause excerpts) and must name
// candidates or none, in a strict JSON shape; an answer naming anything else
// is discarded whole. Every failure is typed (ErrCredits, ErrRateLimited,
// ErrUnavailable, ErrAuth, ErrModel, ErrInvalidAnswer, ErrBudget,
// ErrCircuitOpen) so that callers keep their lexical answer and say in one
// line why the model did not help. Calls are bounded three ways: a timeout
// per consultation (every model tried), a daily budget, and a circuit
// breaker that pauses calls after repeated failures. The one file that
// imports go-openai is openai.go; the rest sees only Completer.
package assist

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"vigie/internal/ctxtime"
)

// Candidate is one corpus section offered to the model.
type Candidate struct {
	ID      string
	Title   string
	Symptom string // excerpt of the section's symptom (or its first lines)
	Cause   string // excerpt of its cause
}

// Verdict is a validated answer of the model.
type Verdict struct {
	// IDs are candidate ids, best first; empty means the model found that
	// no candidate explains the input.
	IDs []string
	// Explanation is 1 to 4 short lines, redacted, without code blocks.
	Explanation string
	// Model is the model that answered.
	Model string
}

// Request is one call to one model.
type Request struct {
	Model     string
	Prompt    Prompt
	MaxTokens int
}

// Completer sends one request and returns the text of the model's answer.
// Its errors are *Error values whose Kind is one of the sentinels below
// (or context errors when the caller's context ends).
type Completer interface {
	Complete(ctx context.Context, r Request) (string, error)
}

// Sentinel kinds of failure, told apart with errors.Is.
var (
	// ErrCredits: the endpoint answered 402, the account is out of credits
	// (OpenRouter reserves max_tokens, corpus §10.5, §11.12).
	ErrCredits = errors.New("out of credits (402)")
	// ErrRateLimited: 429; Error.RetryAfter says for how long, when known.
	ErrRateLimited = errors.New("rate limited (429)")
	// ErrUnavailable: 5xx, a connection failure or no answer in time.
	ErrUnavailable = errors.New("unavailable")
	// ErrAuth: 401 or 403, the key is wrong or lacks access.
	ErrAuth = errors.New("key refused")
	// ErrModel: the endpoint refused this model or request (400, 404, 422).
	ErrModel = errors.New("model refused the request")
	// ErrInvalidAnswer: the model answered, but not a JSON object of the
	// required shape, or it named a section outside the candidates.
	ErrInvalidAnswer = errors.New("invalid answer")
	// ErrBudget: the daily call budget is spent.
	ErrBudget = errors.New("daily budget spent")
	// ErrCircuitOpen: calls are paused after repeated failures.
	ErrCircuitOpen = errors.New("paused after repeated failures")
	// ErrNoCandidates: there is nothing for the model to choose from.
	ErrNoCandidates = errors.New("no candidate sections")
)

// Error is a failed consultation or call. Kind is one of the sentinels;
// Err the underlying cause, for logs (it never holds the key nor the
// prompt).
type Error struct {
	Kind       error
	Model      string        // the model concerned, "" when none was called
	Status     int           // HTTP status, 0 when there was none
	RetryAfter time.Duration // for ErrRateLimited and ErrCircuitOpen: how long to wait, when known
	Err        error
}

// Error returns "model: kind: cause".
func (e *Error) Error() string {
	s := e.Kind.Error()
	if e.Model != "" {
		s = e.Model + ": " + s
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the kind and the cause, so errors.Is finds both.
func (e *Error) Unwrap() []error {
	out := []error{e.Kind}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// Options configure an Assistant.
type Options struct {
	// Models are tried in order.
	Models []string
	// MaxTokens is sent with every call.
	MaxTokens int
	// Timeout bounds one consultation, every model tried; 0 means 15s.
	Timeout time.Duration
	// DailyCalls bounds the calls per local day; 0 means no limit.
	DailyCalls int
	// Quota, when set, keeps the day's count where a restart finds it (the
	// store): it spends one unit of key within limit and says whether it
	// was granted. When it fails the count is kept in memory meanwhile.
	Quota func(ctx context.Context, key string, limit int) (ok bool, err error)
	// BreakerFailures is how many consultations in a row must fail for
	// calls to pause (0: 3); BreakerPause how long they pause (0: 5m).
	BreakerFailures int
	BreakerPause    time.Duration
	// Log receives one line per failed call, never the prompt or the key.
	Log zerolog.Logger
	// Failed, when set, is told of every failed call (metrics).
	Failed func()
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Assistant consults the models. It is safe for concurrent use.
type Assistant struct {
	c      Completer
	o      Options
	log    zerolog.Logger
	now    func() time.Time
	failed func()
	mu     sync.Mutex
	bud    budget
	brk    breaker
	cool   map[string]time.Time // model → rate-limited until
	// quotaDown: the store's quota failed once (one warning).
	quotaDown bool
}

// New returns an Assistant over c.
func New(c Completer, o Options) *Assistant {
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if o.BreakerFailures <= 0 {
		o.BreakerFailures = 3
	}
	if o.BreakerPause <= 0 {
		o.BreakerPause = 5 * time.Minute
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &Assistant{
		c: c, o: o, log: o.Log, now: now, failed: o.Failed,
		bud:  budget{limit: o.DailyCalls},
		brk:  breaker{threshold: o.BreakerFailures, pause: o.BreakerPause},
		cool: map[string]time.Time{},
	}
}

// Models returns the models tried, in order.
func (a *Assistant) Models() []string { return append([]string(nil), a.o.Models...) }

// Timeout returns the bound of one consultation.
func (a *Assistant) Timeout() time.Duration { return a.o.Timeout }

// DailyCalls returns the daily budget (0: none).
func (a *Assistant) DailyCalls() int { return a.o.DailyCalls }

// Prompt returns what Choose would send for input and cands: the preview
// is the message itself.
func (a *Assistant) Prompt(input string, cands []Candidate) Prompt { return BuildPrompt(input, cands) }

// retryMargin is kept free after a Retry-After wait, for the call itself.
const retryMargin = 500 * time.Millisecond

// defaultCooldown is how long a model rate-limited without a Retry-After
// header is left alone.
const defaultCooldown = 10 * time.Second

// Choose asks the models, in order, which candidates explain input. It
// returns within the Timeout (plus the time to notice it): on any failure
// an *Error says why, and the caller keeps its lexical answer.
func (a *Assistant) Choose(ctx context.Context, input string, cands []Candidate) (Verdict, error) {
	if len(cands) == 0 {
		return Verdict{}, &Error{Kind: ErrNoCandidates}
	}
	if len(a.o.Models) == 0 {
		return Verdict{}, &Error{Kind: ErrModel, Err: errors.New("no model configured")}
	}
	a.mu.Lock()
	wait, probe, ok := a.brk.allow(a.now())
	a.mu.Unlock()
	if !ok {
		return Verdict{}, &Error{Kind: ErrCircuitOpen, RetryAfter: wait}
	}
	ctx, cancel := context.WithTimeout(ctx, a.o.Timeout)
	defer cancel()
	p := BuildPrompt(input, cands)
	v, reached, err := a.try(ctx, p, cands)
	a.mu.Lock()
	switch {
	case err == nil || reached:
		// The endpoint answered (perhaps nonsense): it is up.
		a.brk.success()
	case isEndpointFailure(err):
		a.brk.failure(a.now())
	default:
		a.brk.release(probe)
	}
	a.mu.Unlock()
	return v, err
}

// try walks the models; reached says whether any of them answered 200.
func (a *Assistant) try(ctx context.Context, p Prompt, cands []Candidate) (Verdict, bool, error) {
	var errs []error
	reached := false
	for _, model := range a.o.Models {
		a.mu.Lock()
		until, cooling := a.cool[model]
		now := a.now()
		if cooling && now.After(until) {
			delete(a.cool, model)
			cooling = false
		}
		a.mu.Unlock()
		if cooling {
			errs = append(errs, &Error{Kind: ErrRateLimited, Model: model, Status: 429, RetryAfter: until.Sub(now)})
			continue
		}
		for attempt := 0; ; attempt++ {
			text, err := a.call(ctx, model, p)
			if err == nil {
				reached = true
				v, perr := ParseVerdict(text, cands)
				if perr != nil {
					a.log.Warn().Str("model", model).Err(perr).Msg("model answer discarded")
					errs = append(errs, &Error{Kind: ErrInvalidAnswer, Model: model, Err: perr})
					break
				}
				v.Model = model
				return v, true, nil
			}
			a.logFailure(model, err)
			errs = append(errs, err)
			if errors.Is(err, ErrBudget) || errors.Is(err, ErrAuth) || ctx.Err() != nil {
				return Verdict{}, reached, pick(errs, ctx)
			}
			var e *Error
			if errors.As(err, &e) && errors.Is(err, ErrRateLimited) {
				// Wait out a Retry-After that leaves time for the call, once;
				// otherwise leave the model alone that long and move on.
				if attempt == 0 && e.RetryAfter > 0 && fits(ctx, e.RetryAfter+retryMargin) {
					if ctxtime.Sleep(ctx, e.RetryAfter) == nil {
						continue
					}
					return Verdict{}, reached, pick(errs, ctx)
				}
				cool := e.RetryAfter
				if cool <= 0 {
					cool = defaultCooldown
				}
				a.mu.Lock()
				a.cool[model] = a.now().Add(cool)
				a.mu.Unlock()
			}
			break
		}
	}
	return Verdict{}, reached, pick(errs, ctx)
}

// takeBudget spends one call of the day's budget: in the store when there
// is one (a restart does not give a new budget), else — and while the store
// fails — in memory.
func (a *Assistant) takeBudget(ctx context.Context) bool {
	now := a.now()
	if a.o.Quota != nil && a.o.DailyCalls > 0 {
		ok, err := a.o.Quota(ctx, "llm "+now.Local().Format(time.DateOnly), a.o.DailyCalls)
		if err == nil {
			return ok
		}
		a.mu.Lock()
		warn := !a.quotaDown
		a.quotaDown = true
		a.mu.Unlock()
		if warn {
			a.log.Warn().Err(err).Msg("model call budget not saved: counted in memory until the store answers")
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.bud.take(now)
}

// call spends one unit of the budget and makes one request.
func (a *Assistant) call(ctx context.Context, model string, p Prompt) (string, error) {
	if !a.takeBudget(ctx) {
		return "", &Error{Kind: ErrBudget, Err: fmt.Errorf("%d calls today", a.o.DailyCalls)}
	}
	text, err := a.c.Complete(ctx, Request{Model: model, Prompt: p, MaxTokens: a.o.MaxTokens})
	if err == nil {
		return text, nil
	}
	if errors.Is(err, context.Canceled) {
		return "", err // the caller gave up: no fault of the endpoint
	}
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Kind: ErrUnavailable, Model: model, Err: err}
	}
	if e.Model == "" {
		e.Model = model
	}
	return "", e
}

func (a *Assistant) logFailure(model string, err error) {
	var e *Error
	ev := a.log.Warn().Str("model", model)
	if errors.As(err, &e) && e.Status != 0 {
		ev = ev.Int("status", e.Status)
	}
	ev.Err(err).Msg("model call failed")
	if a.failed != nil {
		a.failed()
	}
}

// rank orders the kinds by what helps the operator most when several
// models failed differently: what to fix first.
var rank = []error{ErrAuth, ErrCredits, ErrBudget, ErrRateLimited, ErrUnavailable, ErrInvalidAnswer, ErrModel}

// pick returns the most telling of the errors of one consultation; a
// deadline reached is reported as unavailable with the deadline as cause.
func pick(errs []error, ctx context.Context) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return ctx.Err()
	}
	if ctx.Err() != nil && errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
		for _, err := range errs {
			if errors.Is(err, context.DeadlineExceeded) {
				return err
			}
		}
		return &Error{Kind: ErrUnavailable, Err: context.DeadlineExceeded}
	}
	for _, k := range rank {
		for _, err := range errs {
			if errors.Is(err, k) {
				return err
			}
		}
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return &Error{Kind: ErrUnavailable, Err: errors.New("no model tried")}
}

// isEndpointFailure says whether err counts against the circuit breaker:
// the endpoint or the account failed, not the answer nor our own limits.
func isEndpointFailure(err error) bool {
	return errors.Is(err, ErrUnavailable) || errors.Is(err, ErrCredits) || errors.Is(err, ErrAuth) || errors.Is(err, ErrModel)
}

func fits(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) > d
}

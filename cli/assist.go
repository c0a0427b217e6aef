package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"vigie/handlers"
	"vigie/knowledge"
	"vigie/knowledge/assist"
	"vigie/metrics"
)

func diagnoseFlags(fs *flag.FlagSet) {
	jsonFlag(fs)
	fs.Bool("llm", false, "also ask the model (llm.base_url, llm.models) to choose among the candidates and explain, whatever the confidence")
	fs.Bool("show-prompt", false, "print exactly what --llm would send to the model (redacted), and send nothing")
}

func boolFlag(fs *flag.FlagSet, name string) bool {
	f := fs.Lookup(name)
	return f != nil && f.Value.String() == "true"
}

// assistant builds the model assistance once, nil when no endpoint is
// configured. Building it contacts nothing: no health check is ever made
// (corpus §10.4), the first call is the first request.
func (e *env) assistant() *assist.Assistant {
	if e.asst != nil || !e.cfg.LLM.Configured() {
		return e.asst
	}
	l := e.cfg.LLM
	e.asst = assist.New(assist.NewOpenAI(l.BaseURL, l.APIKey.Reveal(), l.Timeout.Std()), assist.Options{
		Models:     l.Models,
		MaxTokens:  l.MaxTokens,
		Timeout:    l.Timeout.Std(),
		DailyCalls: l.DailyCalls,
		Quota: func(ctx context.Context, key string, limit int) (bool, error) {
			_, ok, err := e.store().TakeQuota(ctx, key, limit)
			return ok, err
		},
		Log:    e.log.With().Str("component", "assist").Logger(),
		Failed: func() { e.met.Error(metrics.ComponentLLM) },
	})
	return e.asst
}

// noEndpoint is the one line of --llm without an endpoint, exit 2.
func (e *env) noEndpoint() int {
	fmt.Fprintln(e.io.Err, "vigie: no model endpoint configured: set llm.base_url and llm.models (and LITELLM_API_KEY) — `vigie diagnose --show-prompt` shows what would be sent")
	return ExitUsage
}

// showPrompt prints what --llm would send, built by the same function that
// builds the request, and sends nothing.
func (e *env) showPrompt(fs *flag.FlagSet, ix *knowledge.Index, text string, res knowledge.Result) int {
	cands := assist.Candidates(ix.Section, res.Matches)
	if len(cands) == 0 {
		fmt.Fprintln(e.io.Out, "nothing would be sent: no pitfall is close enough to ask the model about")
		return ExitOK
	}
	l := e.cfg.LLM
	p := assist.BuildPrompt(assist.Input(text, res), cands)
	model := "<llm.models[0]>"
	if len(l.Models) > 0 {
		model = l.Models[0]
	}
	if isJSON(fs) {
		body, err := assist.Body(assist.Request{Model: model, Prompt: p, MaxTokens: l.MaxTokens})
		if err != nil {
			return e.fail("%v", err)
		}
		fmt.Fprintln(e.io.Out, string(body))
		return ExitOK
	}
	then := ""
	if len(l.Models) > 1 {
		then = " (then " + strings.Join(l.Models[1:], ", ") + ")"
	}
	fmt.Fprintf(e.io.Out, "Nothing was sent. `vigie diagnose --llm` would POST %s/chat/completions\nmodel %s%s, max_tokens %d, timeout %s, these two messages:\n\n",
		strings.TrimRight(l.BaseURL, "/"), model, then, l.MaxTokens, l.Timeout)
	fmt.Fprintf(e.io.Out, "--- system\n%s\n\n--- user\n%s", p.System, p.User)
	return ExitOK
}

type modelJSON struct {
	Model       string   `json:"model,omitempty"`
	IDs         []string `json:"ids"`
	Explanation string   `json:"explanation,omitempty"`
	Error       string   `json:"error,omitempty"`
}

type assistedJSON struct {
	diagnosisJSON
	Model modelJSON `json:"model"`
}

// diagnoseAssisted prints the lexical diagnosis and the model's part: its
// choice, or one line saying why there is none. Either way the exit code
// is that of the diagnosis.
func (e *env) diagnoseAssisted(ctx context.Context, fs *flag.FlagSet, ix *knowledge.Index, text string, res knowledge.Result) int {
	a := e.assistant()
	reply := handlers.DiagnosisReply(ix, res)
	mj := modelJSON{IDs: []string{}}
	cands := assist.Candidates(ix.Section, res.Matches)
	if len(cands) == 0 {
		mj.Error = "🤖 no pitfall is close enough to ask the model about"
		reply.Blocks = append(reply.Blocks, handlers.Block{Kind: handlers.Note, Text: mj.Error})
	} else {
		v, err := a.Choose(ctx, assist.Input(text, res), cands)
		if err != nil {
			mj.Error = handlers.AssistFailure(err, a)
			reply.Blocks = append(reply.Blocks, handlers.Block{Kind: handlers.Note, Text: mj.Error})
		} else {
			mj = modelJSON{Model: v.Model, IDs: append([]string{}, v.IDs...), Explanation: v.Explanation}
			reply = handlers.WithVerdict(ix, reply, v)
		}
	}
	if isJSON(fs) {
		return e.printJSON(assistedJSON{diagnosisJSON: toJSON(res), Model: mj})
	}
	fmt.Fprint(e.io.Out, RenderText(reply, e.io.Color))
	return ExitOK
}

// liftReport compares the matcher with the matcher helped by the model.
type liftReport struct {
	Lexical  knowledge.Report `json:"lexical"`
	Assisted knowledge.Report `json:"assisted"`
	Model    modelStats       `json:"model"`
	Changed  []changedCase    `json:"changed"`
}

type modelStats struct {
	Models    []string       `json:"models"`
	Consulted int            `json:"consulted"` // unsure cases the model was asked about
	Answered  int            `json:"answered"`  // of which it gave a valid verdict
	Failures  map[string]int `json:"failures"`  // by kind
}

type changedCase struct {
	ID       string   `json:"id"`
	Expect   []string `json:"expect"`
	Lexical  string   `json:"lexical"`
	Assisted string   `json:"assisted"`
	// Effect is "better" (the model made the first answer right), "worse"
	// (it made it wrong) or "other" (wrong before and after).
	Effect string `json:"effect"`
}

func (l liftReport) summary() map[string]float64 {
	return map[string]float64{
		"top1":    round3(l.Assisted.Top1 - l.Lexical.Top1),
		"top3":    round3(l.Assisted.Top3 - l.Lexical.Top3),
		"abstain": round3(l.Assisted.AbstainRecall - l.Lexical.AbstainRecall),
	}
}

func round3(f float64) float64 { return float64(int64(f*1000+sign(f)*0.5)) / 1000 }

func sign(f float64) float64 {
	if f < 0 {
		return -1
	}
	return 1
}

// evaluateAssisted measures the model's lift with the policy the bot uses:
// the model is asked only where the matcher is unsure (it abstained, or its
// best answer is not high); a valid verdict replaces the first answers (no
// id: an abstention), a failure leaves the lexical answer.
func (e *env) evaluateAssisted(ctx context.Context, ix *knowledge.Index, cases []knowledge.Case, lexical knowledge.Report) liftReport {
	a := e.assistant()
	l := liftReport{Lexical: lexical, Model: modelStats{Models: a.Models(), Failures: map[string]int{}}}
	lexFirst := map[string]string{}
	asFirst := map[string]string{}
	l.Assisted = knowledge.EvaluateWith(cases, func(c knowledge.Case) knowledge.Answer {
		res := ix.Match(c.Text)
		lex := knowledge.Answer{Abstained: res.Abstained}
		for _, m := range res.Matches {
			lex.IDs = append(lex.IDs, m.ID)
		}
		lexFirst[c.ID] = first(lex)
		asFirst[c.ID] = lexFirst[c.ID]
		if len(res.Matches) == 0 || !res.Abstained && res.Matches[0].Confidence == knowledge.High {
			return lex
		}
		l.Model.Consulted++
		v, err := a.Choose(ctx, assist.Input(c.Text, res), assist.Candidates(ix.Section, res.Matches))
		if err != nil {
			l.Model.Failures[failureKind(err)]++
			e.log.Debug().Str("case", c.ID).Err(err).Msg("model failed: lexical answer kept")
			return lex
		}
		l.Model.Answered++
		out := knowledge.Answer{IDs: append([]string{}, v.IDs...), Abstained: len(v.IDs) == 0}
		for _, id := range lex.IDs {
			if !contains(out.IDs, id) {
				out.IDs = append(out.IDs, id)
			}
		}
		asFirst[c.ID] = first(out)
		return out
	})
	for _, c := range cases {
		lf, af := lexFirst[c.ID], asFirst[c.ID]
		if lf == af {
			continue
		}
		right := func(s string) bool {
			if len(c.Expect) == 0 {
				return s == "abstained"
			}
			return contains(c.Expect, s)
		}
		effect := "other"
		switch {
		case right(af) && !right(lf):
			effect = "better"
		case right(lf) && !right(af):
			effect = "worse"
		}
		l.Changed = append(l.Changed, changedCase{ID: c.ID, Expect: nonNil(c.Expect), Lexical: lf, Assisted: af, Effect: effect})
	}
	return l
}

func first(a knowledge.Answer) string {
	if a.Abstained || len(a.IDs) == 0 {
		return "abstained"
	}
	return a.IDs[0]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func failureKind(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	for _, k := range []error{assist.ErrAuth, assist.ErrCredits, assist.ErrBudget, assist.ErrRateLimited, assist.ErrCircuitOpen, assist.ErrUnavailable, assist.ErrInvalidAnswer, assist.ErrModel} {
		if errors.Is(err, k) {
			return k.Error()
		}
	}
	return "other"
}

func printLift(w io.Writer, l liftReport) {
	positives := 0
	for _, k := range l.Lexical.Kinds {
		if k.Kind != "negative" {
			positives += k.Cases
		}
	}
	fmt.Fprintf(w, "cases: %d (%d expecting a section); models %s\n", l.Lexical.Cases, positives, strings.Join(l.Model.Models, ", "))
	fmt.Fprintf(w, "model asked on %d unsure cases, valid answers %d", l.Model.Consulted, l.Model.Answered)
	if len(l.Model.Failures) > 0 {
		var fs []string
		for k, n := range l.Model.Failures {
			fs = append(fs, fmt.Sprintf("%s ×%d", k, n))
		}
		sort.Strings(fs)
		fmt.Fprintf(w, "; failures (lexical answer kept): %s", strings.Join(fs, ", "))
	}
	fmt.Fprintf(w, "\n\n%-12s %8s %9s %8s\n", "", "lexical", "assisted", "lift")
	s := l.summary()
	fmt.Fprintf(w, "%-12s %8.3f %9.3f %+8.3f\n", "top-1", l.Lexical.Top1, l.Assisted.Top1, s["top1"])
	fmt.Fprintf(w, "%-12s %8.3f %9.3f %+8.3f\n", "top-3", l.Lexical.Top3, l.Assisted.Top3, s["top3"])
	fmt.Fprintf(w, "%-12s %8.3f %9.3f %+8.3f   (recall on negatives)\n", "abstention", l.Lexical.AbstainRecall, l.Assisted.AbstainRecall, s["abstain"])
	if len(l.Changed) == 0 {
		fmt.Fprintln(w, "\nno first answer changed")
		return
	}
	fmt.Fprintf(w, "\nfirst answers changed by the model (%d):\n", len(l.Changed))
	for _, c := range l.Changed {
		mark := map[string]string{"better": "+", "worse": "-", "other": "~"}[c.Effect]
		exp := strings.Join(c.Expect, ",")
		if exp == "" {
			exp = "none"
		}
		fmt.Fprintf(w, "  %s %-44s expected %-11s lexical %-10s → model %s\n", mark, c.ID, exp, c.Lexical, c.Assisted)
	}
}

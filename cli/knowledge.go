package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"vigie/handlers"
	"vigie/knowledge"
)

// diagnosisJSON is the --json contract other tools rely on.
type diagnosisJSON struct {
	Abstained bool        `json:"abstained"`
	Matches   []matchJSON `json:"matches"`
	Service   string      `json:"service"`
}

type matchJSON struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Score      float64  `json:"score"`
	Confidence string   `json:"confidence"`
	Evidence   []string `json:"evidence"`
}

func toJSON(res knowledge.Result) diagnosisJSON {
	out := diagnosisJSON{Abstained: res.Abstained, Service: res.Service, Matches: []matchJSON{}}
	for _, m := range res.Matches {
		ev := m.Evidence
		if ev == nil {
			ev = []string{}
		}
		out.Matches = append(out.Matches, matchJSON{ID: m.ID, Title: m.Title, Score: m.Score, Confidence: string(m.Confidence), Evidence: ev})
	}
	return out
}

func (e *env) printJSON(v any) int {
	enc := json.NewEncoder(e.io.Out)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return e.fail("write output: %v", err)
	}
	return ExitOK
}

func cmdDiagnose(ctx context.Context, e *env, fs *flag.FlagSet, args []string) int {
	ix, err := e.knowledge()
	if err != nil {
		return e.fail("%v", err)
	}
	useLLM, showPrompt := boolFlag(fs, "llm"), boolFlag(fs, "show-prompt")
	if useLLM && showPrompt {
		return e.usageErr(fs, "--llm asks the model, --show-prompt only shows what it would be sent: choose one")
	}
	if useLLM && e.assistant() == nil {
		return e.noEndpoint()
	}
	limit := int64(e.cfg.Knowledge.MaxInputMB) << 20
	var res knowledge.Result
	var text string // the input when it was read whole; "" for a scanned log
	switch {
	case len(args) == 0 && e.io.Interactive:
		return e.usageErr(fs, "nothing to diagnose: give the text as arguments, or `-` to read it from stdin")
	case len(args) == 0 || len(args) == 1 && args[0] == "-":
		// Stdin: read a bounded head to check it, then scan the rest as it
		// streams, so a 20 MB log is never held twice.
		head := make([]byte, 64<<10)
		n, rerr := io.ReadFull(e.io.In, head)
		if rerr != nil && !errors.Is(rerr, io.EOF) && !errors.Is(rerr, io.ErrUnexpectedEOF) {
			return e.fail("read stdin: %v", rerr)
		}
		head = head[:n]
		if err := knowledge.CheckInput(head, limit); err != nil {
			return e.inputErr(err)
		}
		if n < len(head) || n < 64<<10 {
			text = string(head)
			res = ix.Match(text)
			break
		}
		lr := &io.LimitedReader{R: io.MultiReader(strings.NewReader(string(head)), e.io.In), N: limit + 1}
		res, err = ix.ScanErr(lr)
		if err != nil {
			return e.fail("read stdin: %v", err)
		}
		if lr.N <= 0 {
			return e.inputErr(&knowledge.TooLargeError{Size: limit + 1, Limit: limit})
		}
	default:
		text = strings.Join(args, " ")
		if err := knowledge.CheckInput([]byte(text), limit); err != nil {
			return e.inputErr(err)
		}
		res = ix.Match(text)
	}
	switch {
	case showPrompt:
		return e.showPrompt(fs, ix, text, res)
	case useLLM:
		return e.diagnoseAssisted(ctx, fs, ix, text, res)
	case isJSON(fs):
		return e.printJSON(toJSON(res))
	}
	fmt.Fprint(e.io.Out, RenderText(handlers.DiagnosisReply(ix, res), e.io.Color))
	return ExitOK
}

func (e *env) inputErr(err error) int {
	if errors.Is(err, knowledge.ErrEmpty) {
		fmt.Fprintln(e.io.Err, "vigie: nothing to diagnose: the input is empty — pass an error as arguments or pipe a log into `vigie diagnose -`")
		return ExitUsage
	}
	return e.fail("%v", err)
}

func cmdPitfall(ctx context.Context, e *env, fs *flag.FlagSet, args []string) int {
	if len(args) != 1 {
		return e.usageErr(fs, "give one section id, e.g. `vigie pitfall 41.1`")
	}
	ix, err := e.knowledge()
	if err != nil {
		return e.fail("%v", err)
	}
	id := strings.TrimPrefix(args[0], "§")
	sec, ok := ix.Section(id)
	if !ok {
		if near := ix.Suggest(id); len(near) > 0 {
			return e.fail("no section %s in the corpus — close ones: %s", id, strings.Join(near, ", "))
		}
		return e.fail("no section %s in the corpus — `vigie search WORDS` finds sections by their words", id)
	}
	if isJSON(fs) {
		parts := map[string]string{}
		for _, p := range sec.Parts {
			if _, dup := parts[string(p.Kind)]; !dup {
				parts[string(p.Kind)] = p.Text
			}
		}
		return e.printJSON(map[string]any{
			"id": sec.ID, "title": sec.Title, "chapter": sec.Chapter, "archived": sec.Archived,
			"body": sec.Body, "parts": parts, "signatures": nonNil(sec.Signatures), "commands": nonNil(sec.Commands),
			"source": fmt.Sprintf("%s:%d", sec.Source, sec.Line),
		})
	}
	mux, err := e.handlers()
	if err != nil {
		return e.fail("%v", err)
	}
	return e.runHandler(ctx, mux, handlers.Request{Command: "pitfall", Args: id})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func cmdSearch(ctx context.Context, e *env, fs *flag.FlagSet, args []string) int {
	words := strings.TrimSpace(strings.Join(args, " "))
	if words == "" {
		return e.usageErr(fs, "search for what? e.g. `vigie search healthcheck localhost`")
	}
	ix, err := e.knowledge()
	if err != nil {
		return e.fail("%v", err)
	}
	if isJSON(fs) {
		res := ix.Search(words, 10)
		out := make([]map[string]any, 0, len(res))
		for _, m := range res {
			out = append(out, map[string]any{"id": m.ID, "title": m.Title, "score": m.Score})
		}
		return e.printJSON(out)
	}
	mux, err := e.handlers()
	if err != nil {
		return e.fail("%v", err)
	}
	return e.runHandler(ctx, mux, handlers.Request{Command: "search", Args: words})
}

// runHandler runs one request through the handlers and prints the reply; a
// user error is printed on stderr with the failure exit code.
func (e *env) runHandler(ctx context.Context, mux *handlers.Mux, req handlers.Request) int {
	rec := &recorder{}
	if err := mux.Handle(ctx, req, rec); err != nil {
		return e.fail("%v", err)
	}
	code := ExitOK
	for _, r := range rec.replies {
		if isUserError(r) {
			fmt.Fprint(e.io.Err, "vigie: "+strings.TrimPrefix(r.Blocks[0].Text, "⚠️ ")+"\n")
			code = ExitFailure
			continue
		}
		// On a terminal a file is printed, not attached.
		if r.File != nil {
			r.Blocks = append(r.Blocks, handlers.Block{Kind: handlers.Code, Text: strings.TrimRight(string(r.File.Data), "\n")})
			r.File = nil
		}
		fmt.Fprint(e.io.Out, RenderText(r, e.io.Color))
	}
	return code
}

type recorder struct{ replies []handlers.Reply }

func (r *recorder) Send(_ context.Context, rep handlers.Reply) error {
	r.replies = append(r.replies, rep)
	return nil
}

func isUserError(r handlers.Reply) bool {
	return len(r.Blocks) == 1 && strings.HasPrefix(r.Blocks[0].Text, "⚠️ ")
}

func evalFlags(fs *flag.FlagSet) {
	jsonFlag(fs)
	fs.Bool("llm", false, "also ask the model (llm.base_url, llm.models) on the cases the matcher is unsure of, and print the lift; the thresholds then apply to the assisted scores")
	fs.Float64("min-top1", 0, "fail (exit 1) when top-1 accuracy is below this")
	fs.Float64("min-top3", 0, "fail (exit 1) when top-3 accuracy is below this")
	fs.Float64("min-abstain", 0, "fail (exit 1) when abstention recall on negative cases is below this")
}

func floatFlag(fs *flag.FlagSet, name string) float64 {
	var v float64
	fmt.Sscan(fs.Lookup(name).Value.String(), &v)
	return v
}

func cmdEval(ctx context.Context, e *env, fs *flag.FlagSet, args []string) int {
	if len(args) != 1 {
		return e.usageErr(fs, "give one evaluation file, e.g. `vigie eval ../shared/eval/dev-errors.yaml`")
	}
	for _, n := range []string{"min-top1", "min-top3", "min-abstain"} {
		if v := floatFlag(fs, n); v < 0 || v > 1 {
			return e.usageErr(fs, "--%s must be between 0 and 1 (got %v)", n, v)
		}
	}
	if boolFlag(fs, "llm") && e.assistant() == nil {
		return e.noEndpoint()
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return e.fail("evaluation file %s: no such file", args[0])
		}
		return e.fail("evaluation file %s: %v", args[0], err)
	}
	cases, err := knowledge.ParseCases(data)
	if err != nil {
		return e.fail("evaluation file %s: %v", args[0], err)
	}
	ix, err := e.knowledge()
	if err != nil {
		return e.fail("%v", err)
	}
	rep := ix.Evaluate(cases)
	for _, c := range cases {
		for _, id := range c.Expect {
			if _, ok := ix.Section(id); !ok {
				fmt.Fprintf(e.io.Err, "vigie: warning: case %s expects section %s, which the corpus lacks\n", c.ID, id)
			}
		}
	}
	var lift *liftReport
	if boolFlag(fs, "llm") {
		l := e.evaluateAssisted(ctx, ix, cases, rep)
		lift = &l
		rep = l.Assisted
	}
	var failed []string
	check := func(name string, got float64) {
		if min := floatFlag(fs, name); got < min {
			failed = append(failed, fmt.Sprintf("%s %.3f < %.3f", strings.TrimPrefix(name, "min-"), got, min))
		}
	}
	check("min-top1", rep.Top1)
	check("min-top3", rep.Top3)
	check("min-abstain", rep.AbstainRecall)
	switch {
	case lift != nil && isJSON(fs):
		e.printJSON(map[string]any{"lexical": lift.Lexical, "assisted": lift.Assisted, "lift": lift.summary(), "model": lift.Model, "failed": nonNil(failed)})
	case lift != nil:
		printLift(e.io.Out, *lift)
	case isJSON(fs):
		e.printJSON(map[string]any{"report": rep, "failed": nonNil(failed)})
	default:
		printReport(e.io.Out, rep)
	}
	if len(failed) > 0 {
		fmt.Fprintf(e.io.Err, "vigie: below threshold: %s\n", strings.Join(failed, ", "))
		return ExitFailure
	}
	return ExitOK
}

func printReport(w io.Writer, r knowledge.Report) {
	positives := 0
	for _, k := range r.Kinds {
		if k.Kind != "negative" {
			positives += k.Cases
		}
	}
	fmt.Fprintf(w, "cases: %d (%d expecting a section)\n", r.Cases, positives)
	fmt.Fprintf(w, "top-1: %.3f   (first answer right, not abstained)\n", r.Top1)
	fmt.Fprintf(w, "top-3: %.3f   (an expected section among the first three shown)\n", r.Top3)
	if r.Cases == positives {
		fmt.Fprintf(w, "abstention: no negative cases in this file, nothing to measure\n\n")
	} else {
		fmt.Fprintf(w, "abstention: recall %.3f on negatives, precision %.3f\n\n", r.AbstainRecall, r.AbstainPrecision)
	}
	fmt.Fprintf(w, "%-11s %6s %7s %7s\n", "kind", "cases", "top-1", "top-3")
	for _, k := range r.Kinds {
		if k.Kind == "negative" {
			fmt.Fprintf(w, "%-11s %6d %7s %7s   abstained %.3f\n", k.Kind, k.Cases, "-", "-", k.Top1)
			continue
		}
		fmt.Fprintf(w, "%-11s %6d %7.3f %7.3f\n", k.Kind, k.Cases, k.Top1, k.Top3)
	}
	if len(r.Misses) == 0 {
		fmt.Fprintln(w, "\nno misses")
		return
	}
	fmt.Fprintf(w, "\nmisses (%d):\n", len(r.Misses))
	for _, m := range r.Misses {
		exp := strings.Join(m.Expect, ",")
		if exp == "" {
			exp = "none"
		}
		got := strings.Join(m.Got, ",")
		if got == "" {
			got = "-"
		}
		fmt.Fprintf(w, "  %-44s %-10s expected %-11s got %s\n", m.ID, m.Kind, exp, got+" — "+m.Why)
	}
}

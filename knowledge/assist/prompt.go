package assist

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode"

	"vigie/knowledge"
	"vigie/redact"
)

// Prompt is exactly what is sent to the model: a system and a user message.
// BuildPrompt is the only way to make one, so a preview is what is sent.
type Prompt struct {
	System string
	User   string
}

// Limits on what is sent and what is shown.
const (
	// MaxCandidates is how many sections the model is shown.
	MaxCandidates = 5
	// MaxIDs is how many sections a verdict may name.
	MaxIDs = 2
	// maxInputRunes bounds the input sent; longer ones are clipped.
	maxInputRunes = 3000
	// maxExcerptRunes bounds each symptom or cause excerpt.
	maxExcerptRunes = 400
	// maxExplanationRunes and maxExplanationLines bound what is shown.
	maxExplanationRunes = 600
	maxExplanationLines = 4
)

const systemPrompt = `You help the operator of a self-hosted Docker Compose stack match an error to the pitfalls recorded in their troubleshooting corpus.
You are given the operator's input (secrets are already masked as ‹redacted›) and a few candidate sections of the corpus: id, title, symptom and cause.
Choose the candidate sections that explain the input, best first, at most 2. Choose none when no candidate explains it: a wrong section is worse than none.
Never propose a fix, a command or a cause that is not in the candidates; the operator reads the fix in the section you name.
Answer with one JSON object and nothing else:
{"ids": ["<candidate id>"], "explanation": "<2 to 4 short lines>"}
"ids" is [] when no candidate fits. The explanation says why the section fits the input (or why none does), in the language of the operator's input (French or English).`

// BuildPrompt makes the prompt for input and cands. The input and every
// excerpt go through the redactor here, whoever calls, and are clipped.
func BuildPrompt(input string, cands []Candidate) Prompt {
	var b strings.Builder
	b.WriteString("Operator's input:\n<<<\n")
	b.WriteString(clipRunes(strings.TrimSpace(redact.String(sanitize(input))), maxInputRunes))
	b.WriteString("\n>>>\n\nCandidate sections:\n")
	for i, c := range cands {
		if i == MaxCandidates {
			break
		}
		fmt.Fprintf(&b, "\n[%s] %s\n", c.ID, oneLine(redact.String(c.Title)))
		if s := excerpt(c.Symptom); s != "" {
			b.WriteString("Symptom: " + s + "\n")
		}
		if s := excerpt(c.Cause); s != "" {
			b.WriteString("Cause: " + s + "\n")
		}
	}
	return Prompt{System: systemPrompt, User: b.String()}
}

func excerpt(s string) string {
	return clipRunes(oneLine(redact.String(sanitize(s))), maxExcerptRunes)
}

// oneLine folds whitespace runs, line breaks included, into single spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// sanitize drops control characters other than newlines and tabs.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// SectionFunc looks a section up by id (knowledge.Index.Section).
type SectionFunc func(id string) (knowledge.Section, bool)

// Candidates turns the matcher's first matches into candidates, with the
// symptom and cause of each section (or its first lines when it has no
// labelled parts).
func Candidates(section SectionFunc, matches []knowledge.Match) []Candidate {
	var out []Candidate
	for _, m := range matches {
		if len(out) == MaxCandidates {
			break
		}
		c := Candidate{ID: m.ID, Title: m.Title}
		if s, ok := section(m.ID); ok {
			c.Title = s.Title
			c.Symptom = s.Part(knowledge.PartSymptom)
			c.Cause = s.Part(knowledge.PartCause)
			if c.Symptom == "" && c.Cause == "" {
				c.Symptom = s.Body
			}
		}
		out = append(out, c)
	}
	return out
}

// Input is the text the model is shown for a diagnosis: the input itself
// when it is short, else the lines the matcher found telling (a long log's
// error lines), else its beginning. BuildPrompt redacts and clips it.
func Input(text string, res knowledge.Result) string {
	if text != "" && len([]rune(text)) <= maxInputRunes {
		return text
	}
	var lines []string
	seen := map[string]bool{}
	for _, m := range res.Matches {
		if m.Excerpt != "" && !seen[m.Excerpt] {
			seen[m.Excerpt] = true
			lines = append(lines, m.Excerpt)
		}
	}
	if len(lines) > 0 {
		head := fmt.Sprintf("(lines picked from a %d-line log)", res.Lines)
		return head + "\n" + strings.Join(lines, "\n")
	}
	return clipRunes(text, maxInputRunes)
}

// answer is the JSON shape the model must return.
type answer struct {
	IDs         *[]string `json:"ids"`
	Explanation *string   `json:"explanation"`
}

var (
	fenceRE = regexp.MustCompile("(?s)^```[a-zA-Z]*\\s*\n?(.*?)\\s*```$")
	thinkRE = regexp.MustCompile(`(?s)^<think>.*?</think>`)
	codeRE  = regexp.MustCompile("(?s)```.*?(```|$)")
)

// ParseVerdict reads the model's answer: one JSON object
// {"ids": [...], "explanation": "..."}, possibly inside a code fence or
// after a <think> block, nothing else. Unknown fields, a missing field, more
// than MaxIDs ids, or an id that is not a candidate's reject the whole
// answer.
func ParseVerdict(text string, cands []Candidate) (Verdict, error) {
	t := strings.TrimSpace(text)
	t = strings.TrimSpace(thinkRE.ReplaceAllString(t, ""))
	if m := fenceRE.FindStringSubmatch(t); m != nil {
		t = strings.TrimSpace(m[1])
	}
	if t == "" {
		return Verdict{}, errors.New("empty answer")
	}
	dec := json.NewDecoder(strings.NewReader(t))
	dec.DisallowUnknownFields()
	var a answer
	if err := dec.Decode(&a); err != nil {
		return Verdict{}, fmt.Errorf("not the JSON object asked for: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Verdict{}, errors.New("text after the JSON object")
	}
	if a.IDs == nil || a.Explanation == nil {
		return Verdict{}, errors.New(`"ids" and "explanation" are both required`)
	}
	known := map[string]bool{}
	for _, c := range cands {
		known[c.ID] = true
	}
	var ids []string
	seen := map[string]bool{}
	for _, id := range *a.IDs {
		id = strings.TrimPrefix(strings.TrimSpace(id), "§")
		if !known[id] {
			return Verdict{}, fmt.Errorf("section %q is not among the candidates", clipRunes(id, 20))
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) > MaxIDs {
		return Verdict{}, fmt.Errorf("%d sections named, at most %d", len(ids), MaxIDs)
	}
	ex := cleanExplanation(*a.Explanation)
	if ex == "" {
		return Verdict{}, errors.New("empty explanation")
	}
	return Verdict{IDs: ids, Explanation: ex}, nil
}

// cleanExplanation makes the model's text fit to show: redacted, no code
// blocks (commands are the corpus's to give), no control characters, at
// most maxExplanationLines non-blank lines and maxExplanationRunes runes.
func cleanExplanation(s string) string {
	s = codeRE.ReplaceAllString(s, "")
	s = redact.String(sanitize(s))
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.Join(strings.Fields(l), " ")
		if l == "" {
			continue
		}
		if len(lines) == maxExplanationLines {
			lines[len(lines)-1] += " …"
			break
		}
		lines = append(lines, l)
	}
	return clipRunes(strings.Join(lines, "\n"), maxExplanationRunes)
}

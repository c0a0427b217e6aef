// Package knowledge turns the operators' pitfall corpus (Markdown, French or
// English) into sections and matches pasted errors, log lines and whole log
// files against them.
//
// Matching is lexical and offline: a BM25F score over section fields, error
// signatures harvested from the corpus, and an abstention rule that asks the
// best section to explain the error part of the input, not just share its
// vocabulary. A confident wrong answer is the worst outcome, so when the
// evidence is weak the matcher says it knows no pitfall and lists the nearest
// ones as such. No Docker, no Telegram, no network here.
package knowledge

// PartKind names a labelled part of a section ("**Symptôme** : …").
type PartKind string

// The labelled parts recognised in French and English, accents optional.
const (
	PartSymptom    PartKind = "symptom"
	PartCause      PartKind = "cause"
	PartFix        PartKind = "fix"
	PartDiagnostic PartKind = "diagnostic"
	PartVerify     PartKind = "verification"
	PartRule       PartKind = "rule"
)

// Part is one labelled part of a section, its Markdown text as written.
type Part struct {
	Kind  PartKind
	Label string
	Text  string
}

// Section is one numbered pitfall of the corpus ("41.1", "11.2b", "6.2.1").
type Section struct {
	ID       string
	Title    string
	Chapter  string
	Body     string // Markdown as written, sub-headings folded in
	Parts    []Part
	Archived bool
	// Signatures are error strings quoted in the section: backtick spans and
	// code lines that look like an error, and the symptom's code blocks.
	Signatures []string
	// Commands are the shell commands of the section's code blocks.
	Commands []string
	Source   string // file the section comes from
	Line     int    // line of its heading in Source
}

// Part returns the text of the first part of kind k, or "".
func (s *Section) Part(k PartKind) string {
	for _, p := range s.Parts {
		if p.Kind == k {
			return p.Text
		}
	}
	return ""
}

// Confidence grades a match.
type Confidence string

// Confidence levels; Low is what an abstention's nearest candidates carry.
const (
	High   Confidence = "high"
	Medium Confidence = "medium"
	Low    Confidence = "low"
)

// Match is one section proposed for an input, with why.
type Match struct {
	ID         string
	Title      string
	Score      float64 // 0..1, comparable across inputs
	Confidence Confidence
	Archived   bool
	Evidence   []string // "line 3: signature «spawn docker EACCES»", "terms: eacces, spawn"
	Lines      []int    // input lines (1-based) that support it
	Excerpt    string   // the first supporting line as received, clipped
}

// Result is the answer to one input.
type Result struct {
	Abstained bool
	Matches   []Match // best first, at most MaxMatches; when Abstained, the nearest, all Low
	Service   string  // compose service the input is about, "" when unknown
	Signature string  // normalised shape of the error, the key of feedback
	Lines     int     // input lines read
	Scanned   int64   // input bytes read
}

// MaxMatches bounds the matches of a Result.
const MaxMatches = 5

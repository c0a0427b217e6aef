package knowledge

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// ErrNotCorpus says a file holds no numbered pitfall sections.
var ErrNotCorpus = errors.New("no numbered sections (expected headings like `## 3. Chapter` and `### 3.1 Title`)")

var (
	headingRE  = regexp.MustCompile(`^(#{1,6})\s+(.*?)\s*#*\s*$`)
	chapterRE  = regexp.MustCompile(`^(\d+)\.?\s+(.+)$`)
	sectionRE  = regexp.MustCompile(`^(\d+(?:\.\d+)+[a-z]?)\.?\s+(.+)$`)
	labelRE    = regexp.MustCompile(`^\s*(?:[-*+]\s+)?\*\*([^*]{1,60})\*\*\s*(?:\([^)]*\))?\s*:\s*(.*)$`)
	backtickRE = regexp.MustCompile("`([^`\n]{3,300})`")
	quotedRE   = regexp.MustCompile(`"([^"\n]{4,200})"`)
	archivedRE = regexp.MustCompile(`(?i)archiv(e|é|ed)\b`)
	boldRE     = regexp.MustCompile(`\*\*([^*\n]{2,80})\*\*`)
)

// Parse reads one Markdown corpus. Chapters are `## N. Title`; sections are
// headings numbered `N.M` (any depth: `6.2.1`, `11.2b`); deeper unnumbered
// headings fold into their section. A chapter without numbered sections but
// with text is a section of its own (`39`). Fenced code is never a heading.
func Parse(name string, data []byte) ([]Section, error) {
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%s: not UTF-8 text", name)
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, fmt.Errorf("%s: binary file, not Markdown", name)
	}
	var (
		out      []Section
		chapter  string
		chapSec  *Section // the chapter as a section, kept if it has no numbered children
		chapHas  bool
		cur      *Section
		curBody  []string
		chapBody []string
		fence    string
		lineNo   int
		flushCur = func() {
			if cur != nil {
				cur.Body = strings.Join(curBody, "\n")
				curBody = curBody[:0]
				finishSection(cur)
				out = append(out, *cur)
				cur = nil
			}
		}
		flushChap = func() {
			if chapSec != nil {
				chapSec.Body = strings.Join(chapBody, "\n")
			}
			chapBody = chapBody[:0]
			// Unnumbered chapters (a table of contents, a command sheet) are
			// not pitfalls.
			if chapSec != nil && !chapHas && chapSec.ID != "" && strings.TrimSpace(stripRules(chapSec.Body)) != "" && !isTOC(chapSec) {
				finishSection(chapSec)
				out = append(out, *chapSec)
			}
			chapSec, chapHas = nil, false
		}
	)
	for _, line := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") {
		lineNo++
		trimmed := strings.TrimSpace(line)
		if f := fenceOf(trimmed); f != "" {
			if fence == "" {
				fence = f
			} else if strings.HasPrefix(trimmed, fence) && strings.TrimLeft(trimmed, fence[:1]) == "" {
				fence = ""
			}
		} else if fence == "" {
			if m := headingRE.FindStringSubmatch(line); m != nil {
				level, text := len(m[1]), m[2]
				switch {
				case level == 1:
					flushCur()
					flushChap()
					chapter = ""
					continue
				case level == 2:
					flushCur()
					flushChap()
					id, title := "", text
					if c := chapterRE.FindStringSubmatch(text); c != nil {
						id, title = c[1], c[2]
					} else if s := sectionRE.FindStringSubmatch(text); s != nil {
						id, title = s[1], s[2]
					}
					chapter = title
					chapSec = &Section{ID: id, Title: title, Chapter: title, Source: name, Line: lineNo}
					continue
				default:
					if s := sectionRE.FindStringSubmatch(text); s != nil {
						flushCur()
						chapHas = true
						cur = &Section{ID: s[1], Title: s[2], Chapter: chapter, Source: name, Line: lineNo}
						continue
					}
					// Unnumbered sub-heading: folded into its section as bold text.
					line = "**" + text + "**"
				}
			}
		}
		switch {
		case cur != nil:
			curBody = append(curBody, line)
		case chapSec != nil:
			chapBody = append(chapBody, line)
		}
	}
	flushCur()
	flushChap()
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w", name, ErrNotCorpus)
	}
	return out, nil
}

func fenceOf(trimmed string) string {
	for _, f := range []string{"```", "~~~"} {
		if strings.HasPrefix(trimmed, f) {
			n := len(trimmed) - len(strings.TrimLeft(trimmed, f[:1]))
			return strings.Repeat(f[:1], n)
		}
	}
	return ""
}

func stripRules(body string) string {
	var b strings.Builder
	for _, l := range strings.Split(body, "\n") {
		if t := strings.TrimSpace(l); t == "---" || t == "***" {
			continue
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}

// isTOC reports a table of contents: most non-empty lines are links.
func isTOC(s *Section) bool {
	lines, links := 0, 0
	for _, l := range strings.Split(s.Body, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || l == "---" {
			continue
		}
		lines++
		if strings.Contains(l, "](#") {
			links++
		}
	}
	return lines > 0 && links*2 >= lines
}

// finishSection trims the body and derives parts, signatures and commands.
func finishSection(s *Section) {
	s.Body = strings.TrimSpace(stripTrailingRules(s.Body))
	s.Title = strings.TrimSpace(s.Title)
	if archivedRE.MatchString(fold(s.Title)) {
		s.Archived = true
	}
	s.Parts = parseParts(s.Body)
	s.Signatures, s.Commands = harvest(s)
}

func stripTrailingRules(body string) string {
	body = strings.TrimRight(body, " \n")
	for strings.HasSuffix(body, "---") {
		body = strings.TrimRight(strings.TrimSuffix(body, "---"), " \n")
	}
	return body
}

// labelKind maps a folded bold label to a part kind.
func labelKind(label string) (PartKind, bool) {
	l := strings.TrimSpace(fold(label))
	l = strings.TrimLeft(l, "⚠️ ")
	prefixes := []struct {
		p string
		k PartKind
	}{
		{"symptom", PartSymptom}, {"erreur", PartSymptom}, {"error", PartSymptom}, {"probleme", PartSymptom}, {"problem", PartSymptom},
		{"cause", PartCause}, {"root cause", PartCause}, {"bug", PartCause},
		{"fix", PartFix}, {"solution", PartFix}, {"correct", PartFix}, {"workaround", PartFix}, {"contournement", PartFix}, {"resolution", PartFix},
		{"diagnostic", PartDiagnostic}, {"diagnosis", PartDiagnostic},
		{"verification", PartVerify}, {"verifier", PartVerify}, {"verify", PartVerify}, {"check", PartVerify},
		{"regle", PartRule}, {"rule", PartRule},
	}
	for _, p := range prefixes {
		if strings.HasPrefix(l, p.p) {
			return p.k, true
		}
	}
	return "", false
}

// parseParts splits a body at bold labels ("**Cause réelle** : …"). A part
// runs to the next bold label; unknown labels end it.
func parseParts(body string) []Part {
	type partBuf struct {
		Part
		lines []string
	}
	var (
		bufs  []partBuf
		cur   *partBuf
		fence string
	)
	start := func(k PartKind, label, first string) {
		bufs = append(bufs, partBuf{Part: Part{Kind: k, Label: label}, lines: []string{first}})
		cur = &bufs[len(bufs)-1]
	}
	for _, line := range strings.Split(body, "\n") {
		t := strings.TrimSpace(line)
		if f := fenceOf(t); f != "" {
			if fence == "" {
				fence = f
			} else if strings.TrimLeft(t, fence[:1]) == "" {
				fence = ""
			}
		} else if fence == "" {
			if m := labelRE.FindStringSubmatch(line); m != nil {
				cur = nil
				if k, ok := labelKind(m[1]); ok {
					start(k, strings.TrimSpace(m[1]), m[2])
				}
				continue
			}
			if strings.HasPrefix(t, "**") && strings.HasSuffix(t, "**") && len(t) > 4 {
				// A folded sub-heading ends the part; one named like a label
				// ("#### Cause #1 — group_add manquant") starts one.
				cur = nil
				if k, ok := labelKind(strings.Trim(t, "*")); ok {
					start(k, strings.Trim(t, "*"), strings.Trim(t, "*"))
				}
				continue
			}
		}
		if cur != nil {
			cur.lines = append(cur.lines, line)
		}
	}
	parts := make([]Part, 0, len(bufs))
	for _, b := range bufs {
		b.Text = strings.TrimSpace(stripTrailingRules(strings.Join(b.lines, "\n")))
		parts = append(parts, b.Part)
	}
	return parts
}

// errorMarkers are folded word stems that make a line read as an error.
var errorMarkers = []string{
	"error", "erreur", "err_", "fail", "echou", "echec", "fatal", "exception", "denied", "refus",
	"cannot", "can't", "unable", "invalid", "unrecognized", "unknown", "missing", "illegal",
	"panic", "timeout", "timed out", "eacces", "enoent", "eperm", "not found", "no such", "does not exist",
	"n'existe", "introuvable", "expected", "crash", "not allowed", "rejected", "rejete", "refuse",
	"abort", "traceback", "unhealthy", "forbidden", "unauthorized", "bloque", "blocked",
	"expired", "expire", "impossible", "ne peut", "segfault", "killed", "oom", "exited",
	"conflict", "manquant", "inaccessible", "unreachable", "warning", "warn",
	"could not", "couldn't", "unavailable", "not available", "no package", "disallowed",
	"not writable", "unsupported", "not supported", "deprecated", "mismatch", "too many",
	"exceeded", "no space", "out of memory", "bad request", "cannot", "aucun", "erreur",
	"not defined", "undefined", "already in use", "already allocated", "already used", "not permitted",
	"no route", "unexpected", "read-only file system",
}

// isErrorLike reports text that reads as an error message.
func isErrorLike(text string) bool { return containsFolded(text, errorMarkers) }

// containsFolded reports whether text, lower-cased and accents folded,
// contains one of words (written folded).
func containsFolded(text string, words []string) bool {
	f := fold(text)
	for _, w := range words {
		if strings.Contains(f, w) {
			return true
		}
	}
	return false
}

var commandStarts = regexp.MustCompile(`^(?:sudo\s+)?(?:docker|docker-compose|curl|wget|cd|make|ansible|ansible-playbook|ansible-vault|psql|getent|ls|cat|grep|find|sed|tailscale|headscale|systemctl|journalctl|python3|node|npm|npx|dig|xcaddy|caddy|claude|id|sleep|git|rm|tar|export|echo|ssh|Resolve-DnsName)\b`)

// harvest collects the error strings and the shell commands of a section.
func harvest(s *Section) (sigs, cmds []string) {
	seen := map[string]bool{}
	add := func(sig string) {
		sig = strings.TrimSpace(sig)
		for len(sig) >= 2 && (sig[0] == '"' || sig[0] == '\'') && sig[len(sig)-1] == sig[0] {
			sig = strings.TrimSpace(sig[1 : len(sig)-1])
		}
		if len([]rune(sig)) < 6 || seen[sig] || !distinctive(sig) {
			return
		}
		seen[sig] = true
		sigs = append(sigs, sig)
	}
	symptom := ""
	for _, p := range s.Parts {
		if p.Kind == PartSymptom {
			symptom += p.Text + "\n"
		}
	}
	// Every backtick span and quote of a symptom is a signature; elsewhere
	// only those that read as an error.
	for _, text := range []struct {
		t   string
		all bool
	}{{symptom, true}, {s.Title, true}, {s.Body, false}} {
		for _, m := range backtickRE.FindAllStringSubmatch(text.t, -1) {
			if (text.all && !looksLikeCode(m[1])) || isErrorLike(m[1]) && !commandStarts.MatchString(m[1]) {
				add(m[1])
			}
		}
		for _, m := range quotedRE.FindAllStringSubmatch(text.t, -1) {
			if text.all || isErrorLike(m[1]) {
				add(m[1])
			}
		}
	}
	// Code blocks: shell blocks give commands; untyped blocks in or right
	// after a symptom, or reading as errors, give signatures.
	var (
		fence, lang string
		cont        string
	)
	for _, line := range strings.Split(s.Body, "\n") {
		t := strings.TrimSpace(line)
		if f := fenceOf(t); f != "" {
			if fence == "" {
				fence, lang = f, strings.ToLower(strings.TrimSpace(strings.TrimLeft(t, f[:1])))
			} else if strings.TrimLeft(t, fence[:1]) == "" {
				fence, lang = "", ""
			}
			continue
		}
		if fence == "" || t == "" {
			continue
		}
		switch lang {
		case "bash", "sh", "shell", "console", "powershell":
			if strings.HasPrefix(t, "#") {
				continue
			}
			if strings.HasSuffix(t, "\\") {
				cont += strings.TrimSuffix(t, "\\") + " "
				continue
			}
			cmds = append(cmds, strings.Join(strings.Fields(cont+t), " "))
			cont = ""
		case "", "text", "log", "txt", "plaintext":
			if strings.HasPrefix(t, "#") || commandStarts.MatchString(t) {
				continue
			}
			if isErrorLike(t) || strings.Contains(symptom, t) {
				add(t)
			}
		}
	}
	return sigs, cmds
}

// looksLikeCode reports spans that are config or commands, not messages.
func looksLikeCode(s string) bool {
	return commandStarts.MatchString(s) || strings.ContainsAny(s, "{}=") && !isErrorLike(s)
}

// distinctive reports a signature worth matching as a phrase: two words or
// more, or one long compound identifier (ERR_SSL_PROTOCOL_ERROR).
func distinctive(sig string) bool {
	// Without a space, a signature is one token: only an error identifier
	// counts; URLs, host, file and path names say where, not what.
	if !strings.ContainsAny(sig, " \t") && (!strings.Contains(sig, "_") || strings.ContainsAny(sig, "./:")) {
		return false
	}
	units := map[int]int{}
	tokenize(sig, 0, func(t term) {
		if t.weight >= 1 {
			units[t.unit]++
		}
	})
	if len(units) >= 2 {
		return true
	}
	// One word: only an error identifier (ERR_SSL_PROTOCOL_ERROR, a
	// compound of three parts at least, with underscores). Host names and
	// file names (cut.ewutelo.cloud, openclaw.json) say where, not what.
	for _, n := range units {
		if n >= 4 && strings.Contains(sig, "_") && !strings.ContainsAny(sig, "./ ") {
			return true
		}
	}
	return false
}

package bot

import (
	"html"
	"regexp"
	"strings"
	"unicode/utf16"

	"vigie/handlers"
)

// MaxMessage is Telegram's limit on a message's text, in UTF-16 code units.
const MaxMessage = 4096

var (
	boldRE = regexp.MustCompile(`\*\*([^*\n]+)\*\*`)
	codeRE = regexp.MustCompile("`([^`\n]+)`")
)

// inlineHTML escapes a line of Markdown-lite and turns **bold** and `code`
// into tags. Tags never span lines, so any split at a line boundary is safe.
func inlineHTML(s string) string {
	s = html.EscapeString(s)
	s = codeRE.ReplaceAllString(s, "<code>$1</code>")
	s = boldRE.ReplaceAllString(s, "<b>$1</b>")
	return s
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// piece is a self-contained HTML fragment: it opens and closes its tags.
type piece struct {
	html string
	sep  string // what goes before it when it follows another piece
}

// blockPieces renders a block to pieces no longer than max each: long
// blocks are cut at line boundaries, a code block into several <pre>.
func blockPieces(b handlers.Block, max int) []piece {
	var open, close string
	switch b.Kind {
	case handlers.Heading:
		open, close = "<b>", "</b>"
	case handlers.Note:
		open, close = "<i>", "</i>"
	case handlers.Code:
		open, close = "<pre>", "</pre>"
	}
	render := func(line string) string {
		if b.Kind == handlers.Code {
			return html.EscapeString(line)
		}
		return inlineHTML(line)
	}
	var out []piece
	var cur []string
	curLen := utf16Len(open + close)
	flush := func() {
		if len(cur) > 0 {
			out = append(out, piece{html: open + strings.Join(cur, "\n") + close, sep: "\n"})
			cur = nil
			curLen = utf16Len(open + close)
		}
	}
	for _, line := range strings.Split(b.Text, "\n") {
		h := render(line)
		n := utf16Len(h) + 1
		if utf16Len(open+h+close) > max {
			// One line longer than a message: plain escaped text, cut hard.
			flush()
			for _, chunk := range hardSplit(html.EscapeString(line), max) {
				out = append(out, piece{html: chunk, sep: "\n"})
			}
			continue
		}
		if curLen+n > max {
			flush()
		}
		cur = append(cur, h)
		curLen += n
	}
	flush()
	if len(out) > 0 {
		out[0].sep = "\n\n"
	}
	return out
}

// hardSplit cuts escaped text into chunks of at most max UTF-16 units,
// never inside an entity such as &amp;.
func hardSplit(s string, max int) []string {
	var out []string
	for utf16Len(s) > max {
		cut, n := 0, 0
		for i, r := range s {
			w := 1
			if r >= 0x10000 {
				w = 2
			}
			if n+w > max {
				break
			}
			n += w
			cut = i + len(string(r))
		}
		if amp := strings.LastIndexByte(s[:cut], '&'); amp >= 0 && !strings.Contains(s[amp:cut], ";") {
			cut = amp
		}
		if cut == 0 {
			cut = len(s)
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

// RenderHTML renders a reply as Telegram HTML messages, each at most max
// long, split between blocks or at line boundaries, never inside a tag.
func RenderHTML(r handlers.Reply, max int) []string {
	if max <= 0 || max > MaxMessage {
		max = MaxMessage
	}
	var msgs []string
	var cur strings.Builder
	for i, b := range r.Blocks {
		// Telegram refuses a whole message for one byte that is not
		// UTF-8 (a container's log can hold any): such bytes become �.
		b.Text = strings.ToValidUTF8(b.Text, "\uFFFD")
		for j, p := range blockPieces(b, max) {
			sep := p.sep
			if i == 0 && j == 0 || cur.Len() == 0 {
				sep = ""
			}
			if cur.Len() > 0 && utf16Len(cur.String())+utf16Len(sep+p.html) > max {
				msgs = append(msgs, cur.String())
				cur.Reset()
				sep = ""
			}
			cur.WriteString(sep + p.html)
		}
	}
	if cur.Len() > 0 {
		msgs = append(msgs, cur.String())
	}
	return msgs
}

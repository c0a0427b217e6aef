package cli

import (
	"regexp"
	"strings"

	"vigie/handlers"
)

var (
	boldRE = regexp.MustCompile(`\*\*([^*\n]+)\*\*`)
	codeRE = regexp.MustCompile("`([^`\n]+)`")
)

// style is how the console shows text: with ANSI colours on a terminal,
// plain otherwise (pipes, files, tests).
type style struct{ color bool }

func (s style) wrap(code, text string) string {
	if !s.color {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

// inline renders Markdown-lite spans: **bold** and `code`.
func (s style) inline(t string) string {
	t = boldRE.ReplaceAllStringFunc(t, func(m string) string { return s.wrap("1", boldRE.FindStringSubmatch(m)[1]) })
	t = codeRE.ReplaceAllStringFunc(t, func(m string) string { return s.wrap("36", codeRE.FindStringSubmatch(m)[1]) })
	return t
}

// RenderText renders a reply for a terminal or a plain-text file.
func RenderText(r handlers.Reply, color bool) string {
	s := style{color: color}
	var b strings.Builder
	for i, bl := range r.Blocks {
		if i > 0 && bl.Kind != handlers.Code {
			b.WriteString("\n")
		}
		switch bl.Kind {
		case handlers.Heading:
			b.WriteString(s.wrap("1;33", bl.Text) + "\n")
		case handlers.Note:
			b.WriteString(s.wrap("2", s.inline(bl.Text)) + "\n")
		case handlers.Code:
			for _, l := range strings.Split(bl.Text, "\n") {
				b.WriteString("    " + s.wrap("36", l) + "\n")
			}
		default:
			b.WriteString(s.inline(bl.Text) + "\n")
		}
	}
	if r.File != nil {
		b.WriteString(s.wrap("2", "[file "+r.File.Name+"]") + "\n")
	}
	var btns []string
	for _, row := range r.Buttons {
		for _, bt := range row {
			cmd := "/" + bt.Action
			if bt.Arg != "" {
				cmd += " " + bt.Arg
			}
			btns = append(btns, "["+bt.Label+": "+cmd+"]")
		}
	}
	if len(btns) > 0 {
		b.WriteString("\n" + s.wrap("2", strings.Join(btns, "  ")) + "\n")
	}
	return b.String()
}

package handlers

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"vigie/knowledge"
	"vigie/stack"
)

// Bounds of /logs.
const (
	defaultLogLines = 50
	maxLogLines     = 2000
	// inlineLogChars is the most log text sent in a message; more goes as a
	// .txt file.
	inlineLogChars = 3000
)

func runLogs(ctx context.Context, m *Mux, req Request, out Replier) error {
	if err := m.needStack(); err != nil {
		return err
	}
	f := strings.Fields(req.Args)
	if len(f) == 0 || len(f) > 2 {
		return Userf("usage: /logs SERVICE [LINES], e.g. /logs caddy 100")
	}
	n := defaultLogLines
	if len(f) == 2 {
		v, err := strconv.Atoi(f[1])
		if err != nil || v < 1 || v > maxLogLines {
			return Userf("LINES must be a number from 1 to %d (got %q)", maxLogLines, f[1])
		}
		n = v
	}
	found, _, err := m.deps.Stack.Find(ctx, f[0])
	if err != nil {
		return stackErr(err)
	}
	c := found[0]
	lines, err := m.deps.Stack.Logs(ctx, c, n)
	if err != nil {
		return stackErr(err)
	}
	return out.Send(ctx, LogsReply(m.deps.Knowledge, c, lines, len(found)))
}

// LogsReply renders a redacted log tail; lines that match a known pitfall are
// marked, and the sections listed. A long tail goes as a file.
func LogsReply(k Knowledge, c stack.Container, lines []stack.LogLine, matched int) Reply {
	var text strings.Builder
	raw := make([]string, len(lines))
	for i, l := range lines {
		raw[i] = stack.RedactFor(c, l.Text)
	}
	// Known signatures: scan the tail as a log and mark the lines.
	var res knowledge.Result
	if k != nil && len(raw) > 0 {
		res, _ = k.ScanErr(strings.NewReader(strings.Join(raw, "\n")))
	}
	marked := map[int]string{}
	if !res.Abstained {
		for _, mt := range res.Matches {
			for _, ln := range mt.Lines {
				if _, ok := marked[ln]; !ok {
					marked[ln] = mt.ID
				}
			}
		}
	}
	for i, l := range raw {
		prefix := "  "
		if id, ok := marked[i+1]; ok {
			prefix = "▶ "
			_ = id
		}
		ts := ""
		if !lines[i].Time.IsZero() {
			ts = lines[i].Time.UTC().Format("15:04:05") + " "
		}
		text.WriteString(prefix + ts + l + "\n")
	}
	title := fmt.Sprintf("📋 %s — last %d lines (%s/%s)", c.Label(), len(lines), c.Host, c.Name)
	blocks := []Block{{Kind: Heading, Text: title}}
	if matched > 1 {
		blocks = append(blocks, Block{Kind: Note, Text: fmt.Sprintf("%d containers match; this is %s on %s", matched, c.Name, c.Host)})
	}
	var buttons []Button
	if !res.Abstained && len(res.Matches) > 0 {
		var known []string
		for _, mt := range res.Matches {
			known = append(known, fmt.Sprintf("§%s %s (%d line%s)", mt.ID, cleanTitle(mt.Title), len(mt.Lines), plural(len(mt.Lines))))
			if len(buttons) < 3 {
				buttons = append(buttons, Button{Label: "📖 " + mt.ID, Action: "pitfall", Arg: mt.ID})
			}
		}
		blocks = append(blocks, Block{Kind: Text, Text: "▶ known pitfalls: " + strings.Join(known, " · ")})
	}
	body := strings.TrimRight(text.String(), "\n")
	r := Reply{}
	switch {
	case len(lines) == 0:
		blocks = append(blocks, Block{Kind: Note, Text: "the log is empty"})
	case len(body) <= inlineLogChars:
		blocks = append(blocks, Block{Kind: Code, Text: body})
	default:
		blocks = append(blocks, Block{Kind: Note, Text: fmt.Sprintf("%d lines attached as a file", len(lines))})
		r.File = &File{Name: c.Label() + ".log.txt", Data: []byte(body + "\n")}
	}
	r.Blocks = blocks
	if len(buttons) > 0 {
		r.Buttons = [][]Button{buttons}
	}
	return r
}

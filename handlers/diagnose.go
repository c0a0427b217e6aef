package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"vigie/knowledge"
	"vigie/redact"
)

func runDiagnose(ctx context.Context, m *Mux, req Request, out Replier) error {
	return m.diagnoseText(ctx, req.ChatID, req.Args, out)
}

func (m *Mux) diagnoseText(ctx context.Context, chatID int64, text string, out Replier) error {
	if err := m.checkInput([]byte(text)); err != nil {
		return err
	}
	start := time.Now()
	res := m.deps.Knowledge.Match(text)
	m.deps.Metrics.ObserveMatch(time.Since(start))
	r := m.withActions(DiagnosisReply(m.deps.Knowledge, res), res)
	return out.Send(ctx, m.assisted(ctx, chatID, text, res, r, false))
}

// withActions adds the runbook buttons that remedy the diagnosed pitfall,
// for the service the input names.
func (m *Mux) withActions(r Reply, res knowledge.Result) Reply {
	if res.Abstained || len(res.Matches) == 0 {
		return r
	}
	if row := m.actionButtons(res.Matches[0].ID, res.Service); len(row) > 0 {
		r.Buttons = append([][]Button{row}, r.Buttons...)
	}
	return r
}

// checkInput turns the knowledge input errors into one-line user errors.
func (m *Mux) checkInput(b []byte) error {
	err := knowledge.CheckInput(b, m.deps.MaxInput)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, knowledge.ErrEmpty):
		return Userf("nothing to diagnose: paste an error or a few log lines, or send a .log file")
	default:
		return &UserError{Msg: err.Error()}
	}
}

// textExts are the documents diagnosed; others are refused in one line.
var textExts = map[string]bool{".log": true, ".txt": true, ".out": true, ".err": true, "": true, ".json": true, ".jsonl": true}

func (m *Mux) diagnoseDocument(ctx context.Context, req Request, out Replier) error {
	d := req.Doc
	if ext := strings.ToLower(path.Ext(d.Name)); !textExts[ext] {
		return Userf("I read .log and .txt files; %q is not one — paste its text or rename it", d.Name)
	}
	if m.deps.MaxInput > 0 && d.Size > m.deps.MaxInput {
		return &UserError{Msg: (&knowledge.TooLargeError{Size: d.Size, Limit: m.deps.MaxInput}).Error()}
	}
	rc, err := d.Open(ctx)
	if err != nil {
		return fmt.Errorf("open document %q: %w", d.Name, err)
	}
	defer rc.Close()
	limit := m.deps.MaxInput
	if limit <= 0 {
		limit = 1 << 40
	}
	head := make([]byte, 8192)
	n, err := io.ReadFull(rc, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read document %q: %w", d.Name, err)
	}
	head = head[:n]
	if err := m.checkInput(head); err != nil {
		return err
	}
	lr := &io.LimitedReader{R: io.MultiReader(strings.NewReader(string(head)), rc), N: limit + 1}
	start := time.Now()
	res, err := m.deps.Knowledge.ScanErr(lr)
	m.deps.Metrics.ObserveMatch(time.Since(start))
	if err != nil {
		return fmt.Errorf("read document %q: %w", d.Name, err)
	}
	if lr.N <= 0 {
		return &UserError{Msg: (&knowledge.TooLargeError{Size: limit + 1, Limit: limit}).Error()}
	}
	reply := m.withActions(DiagnosisReply(m.deps.Knowledge, res), res)
	reply = m.assisted(ctx, req.ChatID, "", res, reply, false)
	reply.Blocks = append([]Block{{Kind: Note, Text: fmt.Sprintf("%s: %d lines read", d.Name, res.Lines)}}, reply.Blocks...)
	return out.Send(ctx, reply)
}

// DiagnosisReply renders a match result: the best pitfall in full enough to
// act on, other candidates in one line each, or an honest "no known pitfall"
// with the nearest sections.
func DiagnosisReply(k Knowledge, res knowledge.Result) Reply {
	if res.Abstained || len(res.Matches) == 0 {
		blocks := []Block{{Kind: Heading, Text: "No known pitfall matches this."}}
		var row []Button
		if len(res.Matches) > 0 {
			var near []string
			for i, mt := range res.Matches {
				if i == 3 {
					break
				}
				near = append(near, "§"+mt.ID+" "+cleanTitle(mt.Title))
				row = append(row, Button{Label: "📖 " + mt.ID, Action: "pitfall", Arg: mt.ID})
			}
			blocks = append(blocks, Block{Kind: Text, Text: "Nearest, weak evidence: " + strings.Join(near, " · ")})
		}
		blocks = append(blocks, Block{Kind: Note, Text: "Nothing in the corpus explains it. /search WORDS looks sections up by their words."})
		r := Reply{Blocks: blocks}
		if len(row) > 0 {
			r.Buttons = [][]Button{row}
		}
		return r
	}
	best := res.Matches[0]
	var blocks []Block
	if sec, ok := k.Section(best.ID); ok {
		blocks = sectionBlocks(sec, false)
	} else {
		blocks = []Block{{Kind: Heading, Text: "§" + best.ID + " — " + best.Title}}
	}
	// Right under the title: how sure, about what, on what evidence.
	facts := []string{"confidence " + string(best.Confidence)}
	if res.Service != "" {
		facts = append(facts, "service "+res.Service)
	}
	facts = append(facts, best.Evidence...)
	info := []Block{{Kind: Note, Text: strings.Join(facts, " · ")}}
	if best.Excerpt != "" && res.Lines > 1 {
		info = append(info, Block{Kind: Code, Text: redact.String(best.Excerpt)})
	}
	blocks = append(blocks[:1], append(info, blocks[1:]...)...)
	var others []string
	row := []Button{{Label: "📖 Full §" + best.ID, Action: "pitfall", Arg: best.ID}}
	for _, mt := range res.Matches[1:] {
		others = append(others, fmt.Sprintf("§%s %s (%s)", mt.ID, cleanTitle(mt.Title), mt.Confidence))
		if len(row) < 3 {
			row = append(row, Button{Label: "📖 " + mt.ID, Action: "pitfall", Arg: mt.ID})
		}
	}
	if len(others) > 0 {
		blocks = append(blocks, Block{Kind: Text, Text: "Also possible: " + strings.Join(others, " · ")})
	}
	if res.Service != "" {
		row = append(row, Button{Label: "📋 Logs " + res.Service, Action: "logs", Arg: res.Service})
	}
	feedback := []Button{
		{Label: "👍", Action: "feedback", Arg: strings.TrimSpace("up " + best.ID + " " + res.Signature)},
		{Label: "👎", Action: "feedback", Arg: strings.TrimSpace("down " + best.ID + " " + res.Signature)},
	}
	return Reply{Blocks: blocks, Buttons: [][]Button{row, feedback}}
}

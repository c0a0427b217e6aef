package handlers

import (
	"context"
	"strings"

	"vigie/knowledge"
)

func runPitfall(ctx context.Context, m *Mux, req Request, out Replier) error {
	id := strings.TrimPrefix(strings.TrimSpace(req.Args), "§")
	if id == "" {
		return Userf("which section? e.g. /pitfall 41.1 (or /search WORDS to find one)")
	}
	if f := strings.Fields(id); len(f) > 1 {
		return Userf("one section id at a time, e.g. /pitfall %s", f[0])
	}
	sec, ok := m.deps.Knowledge.Section(id)
	if !ok {
		if near := m.deps.Knowledge.Suggest(id); len(near) > 0 {
			return Userf("no section %s in the corpus — close ones: %s", id, strings.Join(near, ", "))
		}
		return Userf("no section %s in the corpus — /search WORDS finds sections by their words", id)
	}
	return out.Send(ctx, Reply{Blocks: sectionBlocks(sec, true)})
}

// partLabels orders and names the labelled parts in replies.
var partLabels = []struct {
	kind  knowledge.PartKind
	label string
}{
	{knowledge.PartSymptom, "Symptom"},
	{knowledge.PartCause, "Why"},
	{knowledge.PartFix, "What to do"},
	{knowledge.PartDiagnostic, "Check"},
	{knowledge.PartVerify, "Verify"},
	{knowledge.PartRule, "Rule"},
}

// summaryLines bounds the unlabelled body shown under a diagnosis.
const summaryLines = 14

// sectionBlocks renders a section: the whole of it, or (full false) what a
// diagnosis needs — why and what to do — with a pointer to the rest.
func sectionBlocks(s knowledge.Section, full bool) []Block {
	blocks := []Block{{Kind: Heading, Text: "§" + s.ID + " — " + cleanTitle(s.Title)}}
	meta := s.Chapter
	if s.Archived {
		meta = "⚠️ archived: kept for history, the service it concerns may be gone · " + meta
	}
	if meta != "" {
		blocks = append(blocks, Block{Kind: Note, Text: meta})
	}
	if full {
		// The whole section as the corpus writes it: its labelled parts
		// in their order and, with them, the text no label introduces
		// (a lead paragraph, a "Cas où…" list), which a view built from
		// the parts alone would drop.
		return append(blocks, markdownBlocks(s.Body, "")...)
	}
	shown := 0
	for _, pl := range partLabels {
		if pl.kind != knowledge.PartCause && pl.kind != knowledge.PartFix && pl.kind != knowledge.PartRule {
			continue
		}
		for _, p := range s.Parts {
			if p.Kind != pl.kind {
				continue
			}
			blocks = append(blocks, markdownBlocks(p.Text, "**"+pl.label+"** — ")...)
			shown++
		}
	}
	if shown == 0 {
		// No why nor what to do labelled: the section's first lines.
		blocks = append(blocks, markdownBlocks(firstLines(s.Body, summaryLines), "")...)
	}
	return blocks
}

// cleanTitle drops the archive marker, which the reply says in words.
func cleanTitle(t string) string {
	for _, m := range []string{"⚠️ ARCHIVÉ", "⚠️ ARCHIVE", "⚠️ ARCHIVED"} {
		if i := strings.Index(t, m); i >= 0 {
			t = strings.TrimRight(t[:i], " —-")
		}
	}
	return t
}

// firstLines keeps the first n lines of a Markdown body, closing an open
// code fence and saying that there is more.
func firstLines(body string, n int) string {
	lines := strings.Split(body, "\n")
	if len(lines) <= n {
		return body
	}
	kept := lines[:n]
	open := false
	for _, l := range kept {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			open = !open
		}
	}
	if open {
		kept = append(kept, "```")
	}
	return strings.Join(kept, "\n") + "\n…"
}

// markdownBlocks splits Markdown into text and code blocks; prefix goes
// before the first text.
func markdownBlocks(md, prefix string) []Block {
	var (
		out  []Block
		buf  []string
		code bool
	)
	flush := func(kind BlockKind) {
		text := strings.Join(buf, "\n")
		buf = buf[:0]
		if kind == Text {
			text = strings.TrimSpace(text)
		} else {
			text = strings.Trim(text, "\n")
		}
		if text == "" && !(kind == Text && prefix != "") {
			return
		}
		if kind == Text && prefix != "" {
			text = prefix + text
			prefix = ""
		}
		out = append(out, Block{Kind: kind, Text: text})
	}
	for _, l := range strings.Split(md, "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			if code {
				flush(Code)
			} else {
				flush(Text)
			}
			code = !code
			continue
		}
		if !code && (t == "---" || t == "***") {
			continue
		}
		buf = append(buf, l)
	}
	if code {
		flush(Code)
	} else {
		flush(Text)
	}
	return out
}

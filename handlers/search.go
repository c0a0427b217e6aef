package handlers

import (
	"context"
	"fmt"
	"strings"
)

func runSearch(ctx context.Context, m *Mux, req Request, out Replier) error {
	words := strings.TrimSpace(req.Args)
	if words == "" {
		return Userf("search for what? e.g. /search healthcheck localhost")
	}
	res := m.deps.Knowledge.Search(words, 8)
	if len(res) == 0 {
		return out.Send(ctx, Reply{Blocks: []Block{{Kind: Text, Text: fmt.Sprintf("No section mentions %q.", words)}}})
	}
	var b strings.Builder
	var row []Button
	for _, r := range res {
		fmt.Fprintf(&b, "§%s — %s\n", r.ID, cleanTitle(r.Title))
		if len(row) < 4 {
			row = append(row, Button{Label: "📖 " + r.ID, Action: "pitfall", Arg: r.ID})
		}
	}
	return out.Send(ctx, Reply{
		Blocks:  []Block{{Kind: Heading, Text: "Sections for “" + words + "”"}, {Kind: Text, Text: strings.TrimRight(b.String(), "\n")}},
		Buttons: [][]Button{row},
	})
}

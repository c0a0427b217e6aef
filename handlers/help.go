package handlers

import (
	"context"
	"strings"
)

func runStart(ctx context.Context, m *Mux, req Request, out Replier) error {
	return out.Send(ctx, Reply{Blocks: []Block{
		{Kind: Heading, Text: "vigie — operator assistant for the stack"},
		{Kind: Text, Text: "Paste an error, a few log lines or send a .log file: I answer with the matching pitfall from TROUBLESHOOTING.md (cause, fix, commands), or say so when I know none."},
		{Kind: Text, Text: helpText(m)},
	}})
}

func runHelp(ctx context.Context, m *Mux, req Request, out Replier) error {
	return out.Send(ctx, Reply{Blocks: []Block{{Kind: Heading, Text: "Commands"}, {Kind: Text, Text: helpText(m)}}})
}

func helpText(m *Mux) string {
	var b strings.Builder
	for _, c := range m.commands {
		if c.Hidden {
			continue
		}
		b.WriteString("/" + c.Name)
		if c.Args != "" {
			b.WriteString(" " + c.Args)
		}
		b.WriteString(" — " + c.Help + "\n")
	}
	b.WriteString("Anything else you send is diagnosed.")
	return b.String()
}

package handlers

import (
	"context"
	"strings"
)

// runFeedback records a 👍/👎 on a diagnosis. Until the store keeps it, it is
// logged, with the section and who gave it.
func runFeedback(ctx context.Context, m *Mux, req Request, out Replier) error {
	f := strings.Fields(req.Args)
	if len(f) != 2 || f[0] != "up" && f[0] != "down" {
		return Userf("usage: /feedback up|down SECTION")
	}
	if _, ok := m.deps.Knowledge.Section(f[1]); !ok {
		return Userf("no section %s in the corpus", f[1])
	}
	m.deps.Log.Info().Str("feedback", f[0]).Str("section", f[1]).Int64("chat_id", req.ChatID).Int64("user_id", req.UserID).Msg("diagnosis feedback")
	icon := "👍"
	if f[0] == "down" {
		icon = "👎"
	}
	return out.Send(ctx, Reply{Blocks: []Block{{Kind: Note, Text: icon + " noted for §" + f[1] + " — thank you"}}})
}

package handlers

import (
	"context"
	"strings"
)

// Feedback keeps the operators' votes on diagnoses.
type Feedback interface {
	AddFeedback(ctx context.Context, section, signature string, up bool, userID int64) error
}

// runFeedback records a 👍/👎 on a diagnosis: the section, the normalised
// error it was given for, and who voted. The ranking of that error follows.
func runFeedback(ctx context.Context, m *Mux, req Request, out Replier) error {
	f := strings.Fields(req.Args)
	if len(f) < 2 || len(f) > 3 || f[0] != "up" && f[0] != "down" {
		return Userf("usage: /feedback up|down SECTION [SIGNATURE]")
	}
	if _, ok := m.deps.Knowledge.Section(f[1]); !ok {
		return Userf("no section %s in the corpus", f[1])
	}
	sig := ""
	if len(f) == 3 {
		sig = f[2]
	}
	m.deps.Log.Info().Str("feedback", f[0]).Str("section", f[1]).Str("signature", sig).Int64("chat_id", req.ChatID).Int64("user_id", req.UserID).Msg("diagnosis feedback")
	if m.deps.Feedback != nil && sig != "" {
		if err := m.deps.Feedback.AddFeedback(ctx, f[1], sig, f[0] == "up", req.UserID); err != nil {
			m.deps.Log.Warn().Err(err).Msg("feedback not stored")
			return Userf("feedback not stored: the store is unavailable — try again later")
		}
	}
	icon := "👍"
	if f[0] == "down" {
		icon = "👎"
	}
	return out.Send(ctx, Reply{Blocks: []Block{{Kind: Note, Text: icon + " noted for §" + f[1] + " — thank you"}}})
}

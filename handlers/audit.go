package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"vigie/redact"
	"vigie/store"
)

// AuditLog keeps the audit trail.
type AuditLog interface {
	Audit(ctx context.Context, e store.AuditEntry) (int64, error)
	History(ctx context.Context, limit int) ([]store.AuditEntry, error)
}

// auditTimeout bounds the write of one audit record.
const auditTimeout = 5 * time.Second

// audit records one handled request; it reports whether it could.
func (m *Mux) audit(ctx context.Context, req Request, outcome string, took time.Duration) error {
	if m.deps.Audit == nil {
		return nil
	}
	kind := "command"
	if req.Source == SourceButton {
		kind = "callback"
	}
	cmd, args := req.Command, req.Args
	switch {
	case cmd == "" && req.Doc != nil:
		cmd, args = "document", req.Doc.Name
	case cmd == "":
		cmd, args = "diagnose", req.Text
	}
	args = redact.String(strings.ReplaceAll(args, "\n", " "))
	if r := []rune(args); len(r) > 200 {
		args = string(r[:199]) + "…"
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditTimeout)
	defer cancel()
	_, err := m.deps.Audit.Audit(ctx, store.AuditEntry{
		Time: time.Now().Add(-took), ChatID: req.ChatID, UserID: req.UserID,
		Kind: kind, Command: cmd, Args: args, Outcome: outcome, Duration: took,
	})
	return err
}

// outcomeOf names how a request ended, for the audit trail.
func outcomeOf(err error) string {
	var ue *UserError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &ue):
		return "refused: " + ue.Msg
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return "error"
}

func runHistory(ctx context.Context, m *Mux, req Request, out Replier) error {
	if m.deps.Audit == nil {
		return Userf("no audit trail in this vigie")
	}
	n := 20
	if a := strings.TrimSpace(req.Args); a != "" {
		v, err := strconv.Atoi(a)
		if err != nil || v < 1 || v > 200 {
			return Userf("N must be a number from 1 to 200 (got %q)", a)
		}
		n = v
	}
	entries, err := m.deps.Audit.History(ctx, n)
	if err != nil {
		if errors.Is(err, store.ErrUnavailable) {
			return Userf("audit unavailable: %v", err)
		}
		return fmt.Errorf("history: %w", err)
	}
	return out.Send(ctx, HistoryReply(entries))
}

// HistoryReply renders audit entries, newest first.
func HistoryReply(entries []store.AuditEntry) Reply {
	if len(entries) == 0 {
		return Reply{Blocks: []Block{{Kind: Text, Text: "The audit trail is empty."}}}
	}
	var b strings.Builder
	for _, e := range entries {
		line := fmt.Sprintf("%s · user %d · /%s", e.Time.Local().Format("01-02 15:04:05"), e.UserID, e.Command)
		if e.Kind == "alert" {
			line = fmt.Sprintf("%s · vigie · alert %s", e.Time.Local().Format("01-02 15:04:05"), e.Command)
		}
		if e.Args != "" {
			line += " " + clipRunes(e.Args, 60)
		}
		if e.Phase != "" {
			line += " · " + e.Phase
		}
		line += " · " + clipRunes(e.Outcome, 80)
		if e.Duration > 0 {
			line += " · " + e.Duration.Round(time.Millisecond).String()
		}
		b.WriteString(line + "\n")
	}
	return Reply{Blocks: []Block{
		{Kind: Heading, Text: fmt.Sprintf("History — last %d", len(entries))},
		{Kind: Code, Text: strings.TrimRight(b.String(), "\n")},
	}}
}

package handlers

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"vigie/knowledge"
	"vigie/store"
)

type knowledgeVotes = knowledge.Votes

// The audit trail is the real embedded store, in a temporary directory.
func TestAuditAndHistory(t *testing.T) {
	st, err := store.Open(context.Background(), store.Options{DataDir: t.TempDir()}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m := newMux(t)
	m.deps.Audit = st
	run := func(req Request) string {
		rec := &recorder{}
		if err := m.Handle(context.Background(), req, rec); err != nil {
			t.Fatal(err)
		}
		return dump(rec.replies)
	}
	run(Request{ChatID: 42, UserID: 42, Command: "pitfall", Args: "41.1", Source: SourceMessage})
	run(Request{ChatID: 42, UserID: 42, Text: "NC_DB=pg://postgresql:5432?u=nocodb&p=hunter2pass&d=nocodb failed", Source: SourceMessage})
	run(Request{ChatID: 42, UserID: 7, Command: "pitfall", Args: "99.9", Source: SourceButton})
	out := run(Request{ChatID: 42, UserID: 42, Command: "history", Args: "10"})
	for _, want := range []string{"/pitfall 41.1 · ok", "/diagnose", "user 7 · /pitfall 99.9 · refused: no section 99.9"} {
		if !strings.Contains(out, want) {
			t.Errorf("history lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "hunter2pass") {
		t.Errorf("a secret reached the audit trail:\n%s", out)
	}
	h, _ := st.History(context.Background(), 10)
	if len(h) < 3 || h[len(h)-1].Kind != "command" {
		t.Fatalf("history %+v", h)
	}
	kinds := map[string]bool{}
	for _, e := range h {
		kinds[e.Kind] = true
	}
	if !kinds["callback"] {
		t.Error("a button press was not audited as a callback")
	}
	for _, bad := range []string{"0", "abc", "500"} {
		if got := run(Request{Command: "history", Args: bad}); !strings.Contains(got, "N must be a number from 1 to 200") {
			t.Errorf("/history %s: %s", bad, got)
		}
	}
}

type downAudit struct{}

func (downAudit) Audit(context.Context, store.AuditEntry) (int64, error) {
	return 0, errors.Join(store.ErrUnavailable, errors.New("PostgreSQL at db:5432: unreachable (is it running?)"))
}
func (downAudit) History(context.Context, int) ([]store.AuditEntry, error) {
	return nil, errors.Join(store.ErrUnavailable, errors.New("PostgreSQL at db:5432: unreachable (is it running?)"))
}

// With the store down, reads go on with a note.
func TestAuditDown(t *testing.T) {
	m := newMux(t)
	m.deps.Audit = downAudit{}
	rec := &recorder{}
	if err := m.Handle(context.Background(), Request{Command: "pitfall", Args: "41.1"}, rec); err != nil {
		t.Fatal(err)
	}
	out := dump(rec.replies)
	if !strings.Contains(out, "§41.1") || !strings.Contains(out, "audit unavailable: this request was not recorded") {
		t.Errorf("got %s", out)
	}
	rec = &recorder{}
	m.Handle(context.Background(), Request{Command: "history"}, rec)
	if out := dump(rec.replies); !strings.Contains(out, "audit unavailable") || !strings.Contains(out, "unreachable") {
		t.Errorf("history with the store down: %s", out)
	}
}

// 👎 on a diagnosis, stored in the real embedded store, reorders the
// candidates when the same error comes back.
func TestFeedbackChangesRanking(t *testing.T) {
	st, err := store.Open(context.Background(), store.Options{DataDir: t.TempDir()}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m := newMux(t)
	m.deps.Feedback = st
	text := `Ansible says the nocodb env file changed and the restart handler ran, but docker inspect still shows the old NC_DB value in Config.Env`
	diagnose := func() Reply {
		rec := &recorder{}
		if err := m.Handle(context.Background(), Request{Text: text, UserID: 42}, rec); err != nil {
			t.Fatal(err)
		}
		return rec.replies[0]
	}
	first := diagnose()
	down := ""
	for _, row := range first.Buttons {
		for _, b := range row {
			if b.Label == "👎" {
				down = b.Arg
			}
		}
	}
	if down == "" {
		t.Fatalf("no 👎 button: %+v", first.Buttons)
	}
	firstID := strings.Fields(down)[1]
	rec := &recorder{}
	m.Handle(context.Background(), Request{Command: "feedback", Args: down, UserID: 42, Source: SourceButton}, rec)
	if !strings.Contains(dump(rec.replies), "noted for §"+firstID) {
		t.Fatalf("feedback reply %s", dump(rec.replies))
	}
	sig := strings.Fields(down)[2]
	fb, err := st.FeedbackFor(context.Background(), sig)
	if err != nil || fb[firstID].Down != 1 {
		t.Fatalf("stored feedback %+v %v", fb, err)
	}
	kx := m.deps.Knowledge.(interface{ SetVotes(knowledgeVotes) })
	kx.SetVotes(func(s string) map[string]int {
		f, _ := st.FeedbackFor(context.Background(), s)
		out := map[string]int{}
		for k, v := range f {
			out[k] = v.Up - v.Down
		}
		return out
	})
	second := diagnose()
	if strings.HasPrefix(second.Blocks[0].Text, "§"+firstID+" ") {
		t.Errorf("§%s is still first after a 👎", firstID)
	}
}

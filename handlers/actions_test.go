package handlers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"vigie/runbooks"
	"vigie/stack"
	"vigie/store"
)

// An expired plan does nothing, and says so; a plan of a runbook that has
// changed since does nothing either.
func TestExpiredAndChangedPlans(t *testing.T) {
	st, err := store.Open(context.Background(), store.Options{DataDir: t.TempDir()}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rbs, err := runbooks.Load("")
	if err != nil {
		t.Fatal(err)
	}
	stk, err := stack.New([]stack.HostSpec{{Name: "local", Endpoint: "unix:///nonexistent.sock"}}, time.Second, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	m := newMux(t)
	m.deps.Audit = st
	m.deps.Actions = ActionSettings{Runbooks: rbs, Executor: stk, Pending: st}
	var restart runbooks.Runbook
	for _, r := range rbs {
		if r.Command == "restart" {
			restart = r
		}
	}
	now := time.Now()
	put := func(id, version string, expires time.Time) {
		if err := st.PutPending(context.Background(), store.PendingAction{ID: id, ChatID: 42, UserID: 42, Runbook: restart.ID,
			Version: version, Params: map[string]string{"service": "app"}, Created: now.Add(-time.Hour), Expires: expires, State: store.StatePending}); err != nil {
			t.Fatal(err)
		}
	}
	confirm := func(id string) string {
		rec := &recorder{}
		if err := m.Handle(context.Background(), Request{ChatID: 42, UserID: 42, Command: "confirm", Args: id, Operator: true}, rec); err != nil {
			t.Fatal(err)
		}
		return dump(rec.replies)
	}
	put("old", restart.Version, now.Add(-time.Minute))
	if got := confirm("old"); !strings.Contains(got, "expired — nothing was done") {
		t.Errorf("expired plan: %s", got)
	}
	if p, _ := st.GetPending(context.Background(), "old"); p.State != store.StateExpired {
		t.Errorf("state %s, want expired", p.State)
	}
	put("changed", "0123456789ab", now.Add(time.Minute))
	if got := confirm("changed"); !strings.Contains(got, "changed since this plan — nothing was done") {
		t.Errorf("changed runbook: %s", got)
	}
	rec := &recorder{}
	m.Handle(context.Background(), Request{ChatID: 42, UserID: 8, Command: "confirm", Args: "old"}, rec)
	if got := dump(rec.replies); !strings.Contains(got, "is for operators") {
		t.Errorf("viewer: %s", got)
	}
}

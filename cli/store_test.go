package cli

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"vigie/store"
)

// The retention loop removes what is older than the retention, at once.
func TestPruneLoop(t *testing.T) {
	dir := t.TempDir()
	open := func(ctx context.Context) (store.Store, error) {
		return store.Open(ctx, store.Options{DataDir: dir}, zerolog.Nop())
	}
	l := &lazyStore{open: open, log: zerolog.Nop()}
	ctx := context.Background()
	for _, age := range []time.Duration{40 * 24 * time.Hour, 10 * 24 * time.Hour, time.Hour} {
		if _, err := l.Audit(ctx, store.AuditEntry{Time: time.Now().Add(-age), Kind: "command", Command: "status", Outcome: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { l.pruneLoop(lctx, 30*24*time.Hour); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		h, _ := l.History(ctx, 0)
		if len(h) == 2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	h, err := l.History(ctx, 0)
	if err != nil || len(h) != 2 {
		t.Fatalf("after pruning: %d entries, %v", len(h), err)
	}
	for _, e := range h {
		if time.Since(e.Time) > 30*24*time.Hour {
			t.Errorf("an entry older than the retention survived: %v", e.Time)
		}
	}
	l.Close()
}

// A store that cannot be opened is tried again only after a pause, and
// its error keeps its kind.
func TestLazyStoreRetries(t *testing.T) {
	calls := 0
	l := &lazyStore{log: zerolog.Nop(), open: func(context.Context) (store.Store, error) {
		calls++
		return nil, &store.Error{Msg: "PostgreSQL at db:5432: unreachable (is it running?)", Kind: store.ErrUnavailable}
	}}
	for i := 0; i < 5; i++ {
		if _, err := l.Audit(context.Background(), store.AuditEntry{}); err == nil {
			t.Fatal("no error")
		}
	}
	if calls != 1 {
		t.Errorf("opened %d times in a burst, want 1 (then after %s)", calls, retryEvery)
	}
	if v := l.votes("sig"); v != nil {
		t.Error("votes from an unavailable store")
	}
}

package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"vigie/handlers"
	"vigie/metrics"
	"vigie/redact"
	"vigie/store"
	"vigie/watch"
)

// lazyStore opens the store on first use and again after a failure, so
// that vigie starts, and reads go on, while PostgreSQL is down: calls fail
// with store.ErrUnavailable until it is back.
type lazyStore struct {
	open func(ctx context.Context) (store.Store, error)
	log  zerolog.Logger
	// onErr is called for each failed call (metrics); nil: not counted.
	onErr func()
	// kind names the backend in /healthz, with no secret.
	kind string

	mu      sync.Mutex
	s       store.Store
	lastTry time.Time
	lastErr error
}

// retryEvery spaces the attempts to open an unavailable store.
const retryEvery = 10 * time.Second

// count counts a failed call: the store unreachable or failing, not a
// missing record or a lost race, which are answers.
func (l *lazyStore) count(err error) error {
	if err != nil && l.onErr != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrConflict) {
		l.onErr()
	}
	return err
}

// ping checks the store answers, for /healthz (not counted: a scrape must
// not move the error counter).
func (l *lazyStore) ping(ctx context.Context) (string, error) {
	s, err := l.get(ctx)
	if err != nil {
		return "", err
	}
	if err := s.Ping(ctx); err != nil {
		return "", err
	}
	return l.kind, nil
}

func (l *lazyStore) get(ctx context.Context) (store.Store, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.s != nil {
		return l.s, nil
	}
	if l.lastErr != nil && time.Since(l.lastTry) < retryEvery {
		return nil, l.lastErr
	}
	l.lastTry = time.Now()
	s, err := l.open(ctx)
	if err != nil {
		l.lastErr = err
		l.log.Warn().Err(err).Msg("store unavailable; it will be tried again")
		return nil, err
	}
	l.s, l.lastErr = s, nil
	return s, nil
}

func (l *lazyStore) Audit(ctx context.Context, e store.AuditEntry) (int64, error) {
	s, err := l.get(ctx)
	if err != nil {
		return 0, l.count(err)
	}
	id, err := s.Audit(ctx, e)
	return id, l.count(err)
}

func (l *lazyStore) History(ctx context.Context, limit int) ([]store.AuditEntry, error) {
	s, err := l.get(ctx)
	if err != nil {
		return nil, l.count(err)
	}
	h, err := s.History(ctx, limit)
	return h, l.count(err)
}

func (l *lazyStore) AddFeedback(ctx context.Context, section, signature string, up bool, userID int64) error {
	s, err := l.get(ctx)
	if err != nil {
		return l.count(err)
	}
	return l.count(s.AddFeedback(ctx, section, signature, up, userID))
}

func (l *lazyStore) GetAlert(ctx context.Context, host, container, event string) (store.AlertState, error) {
	s, err := l.get(ctx)
	if err != nil {
		return store.AlertState{}, err
	}
	return s.GetAlert(ctx, host, container, event)
}

func (l *lazyStore) PutAlert(ctx context.Context, a store.AlertState) error {
	s, err := l.get(ctx)
	if err != nil {
		return err
	}
	return s.PutAlert(ctx, a)
}

func (l *lazyStore) TakeQuota(ctx context.Context, key string, limit int) (int, bool, error) {
	s, err := l.get(ctx)
	if err != nil {
		return 0, false, err
	}
	return s.TakeQuota(ctx, key, limit)
}

func (l *lazyStore) AddMute(ctx context.Context, m store.Mute) error {
	s, err := l.get(ctx)
	if err != nil {
		return err
	}
	return s.AddMute(ctx, m)
}

func (l *lazyStore) RemoveMute(ctx context.Context, scope, name string) (bool, error) {
	s, err := l.get(ctx)
	if err != nil {
		return false, err
	}
	return s.RemoveMute(ctx, scope, name)
}

func (l *lazyStore) ActiveMutes(ctx context.Context, now time.Time) ([]store.Mute, error) {
	s, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return s.ActiveMutes(ctx, now)
}

// recordAlert writes an alert to the audit trail: what, about what, to
// how many chats. A store that does not answer quickly is skipped (the
// alert is logged anyway): the trail never delays an alert.
func (l *lazyStore) recordAlert(a watch.Alert, delivered int, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	e := store.AuditEntry{Kind: "alert", Command: string(a.Kind), Args: a.Subject(), Outcome: "sent"}
	if n := len(a.Items); n > 0 {
		e.Detail = fmt.Sprintf("%d containers", n)
	}
	if a.Pitfall != nil {
		e.Detail = "§" + a.Pitfall.ID
	}
	switch {
	case err != nil && delivered == 0:
		e.Outcome = "error: " + redact.String(err.Error())
	case err != nil:
		e.Outcome = fmt.Sprintf("sent to %d chats; %s", delivered, redact.String(err.Error()))
	}
	e.Args += detailSuffix(e.Detail)
	if _, aerr := l.Audit(ctx, e); aerr != nil {
		l.log.Debug().Err(aerr).Msg("alert not recorded in the audit trail")
	}
}

func detailSuffix(d string) string {
	if d == "" {
		return ""
	}
	return " (" + d + ")"
}

// votes returns the net votes per section for an error, nothing when the
// store does not answer quickly: feedback never slows a diagnosis down.
func (l *lazyStore) votes(signature string) map[string]int {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	s, err := l.get(ctx)
	if err != nil {
		return nil
	}
	fb, err := s.FeedbackFor(ctx, signature)
	if l.count(err) != nil || len(fb) == 0 {
		return nil
	}
	out := make(map[string]int, len(fb))
	for sec, f := range fb {
		out[sec] = f.Up - f.Down
	}
	return out
}

// pruneLoop removes audit entries older than the retention, at start and
// then every hour, until ctx ends.
func (l *lazyStore) pruneLoop(ctx context.Context, retention time.Duration) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if s, err := l.get(ctx); err == nil {
			pctx, cancel := context.WithTimeout(ctx, time.Minute)
			n, err := s.PruneAudit(pctx, time.Now().Add(-retention))
			cancel()
			if l.count(err) != nil {
				l.log.Warn().Err(err).Msg("audit pruning failed")
			} else if n > 0 {
				l.log.Info().Int("removed", n).Dur("retention", retention).Msg("audit pruned")
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (l *lazyStore) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.s == nil {
		return nil
	}
	return l.s.Close()
}

// store returns the audit store (embedded, or PostgreSQL when
// database.url is set); it is opened lazily.
func (e *env) store() *lazyStore {
	if e.st != nil {
		return e.st
	}
	o := store.Options{URL: e.cfg.Database.URL.Reveal(), DataDir: e.cfg.DataDir, Timeout: e.cfg.Database.Timeout.Std()}
	log := e.log.With().Str("component", "store").Logger()
	kind := "embedded (bbolt in " + e.cfg.DataDir + ")"
	if o.URL != "" {
		kind = "PostgreSQL"
	}
	e.st = &lazyStore{log: log, kind: kind, onErr: func() { e.met.Error(metrics.ComponentDB) },
		open: func(ctx context.Context) (store.Store, error) { return store.Open(ctx, o, log) }}
	return e.st
}

func cmdHistory(ctx context.Context, e *env, fs *flag.FlagSet, args []string) int {
	if len(args) > 1 {
		return e.usageErr(fs, "usage: vigie history [N]")
	}
	if isJSON(fs) {
		n := 20
		if len(args) == 1 {
			v, err := strconv.Atoi(args[0])
			if err != nil || v < 1 || v > 200 {
				return e.usageErr(fs, "N must be a number from 1 to 200 (got %q)", args[0])
			}
			n = v
		}
		h, err := e.store().History(ctx, n)
		if err != nil {
			return e.fail("%v", err)
		}
		type entryJSON struct {
			ID         int64     `json:"id"`
			Time       time.Time `json:"time"`
			ChatID     int64     `json:"chat_id"`
			UserID     int64     `json:"user_id"`
			Kind       string    `json:"kind"`
			Command    string    `json:"command"`
			Args       string    `json:"args"`
			Outcome    string    `json:"outcome"`
			DurationMS int64     `json:"duration_ms"`
			Ref        string    `json:"ref,omitempty"`
			Phase      string    `json:"phase,omitempty"`
			Detail     string    `json:"detail,omitempty"`
		}
		out := make([]entryJSON, 0, len(h))
		for _, x := range h {
			out = append(out, entryJSON{x.ID, x.Time, x.ChatID, x.UserID, x.Kind, x.Command, x.Args, x.Outcome, x.Duration.Milliseconds(), x.Ref, x.Phase, x.Detail})
		}
		return e.printJSON(out)
	}
	mux, err := e.handlers()
	if err != nil {
		return e.fail("%v", err)
	}
	return e.runHandler(ctx, mux, handlers.Request{Command: "history", Args: strings.Join(args, " ")})
}

func cmdDB(ctx context.Context, e *env, fs *flag.FlagSet, args []string) int {
	return e.pgCommand(ctx, fs, args, "db")
}

func cmdScores(ctx context.Context, e *env, fs *flag.FlagSet, args []string) int {
	return e.pgCommand(ctx, fs, args, "scores")
}

func (e *env) pgCommand(ctx context.Context, fs *flag.FlagSet, args []string, cmd string) int {
	if len(args) > 1 {
		return e.usageErr(fs, "usage: vigie %s [NAME]", cmd)
	}
	mux, err := e.handlers()
	if err != nil {
		return e.fail("%v", err)
	}
	return e.runHandler(ctx, mux, handlers.Request{Command: cmd, Args: strings.Join(args, " ")})
}

func (l *lazyStore) PutPending(ctx context.Context, p store.PendingAction) error {
	s, err := l.get(ctx)
	if err != nil {
		return l.count(err)
	}
	return l.count(s.PutPending(ctx, p))
}

func (l *lazyStore) GetPending(ctx context.Context, id string) (store.PendingAction, error) {
	s, err := l.get(ctx)
	if err != nil {
		return store.PendingAction{}, l.count(err)
	}
	p, err := s.GetPending(ctx, id)
	return p, l.count(err)
}

func (l *lazyStore) TransitionPending(ctx context.Context, id, from, to string) (store.PendingAction, error) {
	s, err := l.get(ctx)
	if err != nil {
		return store.PendingAction{}, l.count(err)
	}
	p, err := s.TransitionPending(ctx, id, from, to)
	return p, l.count(err)
}

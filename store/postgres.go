package store

// This file is the only one that imports pgx: the PostgreSQL backend of
// Store, and the read-only diagnostics of the stack's own PostgreSQL.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"vigie/redact"
)

// migrations are applied in order, once each, and never edited once
// released: a change to the schema is a new entry.
var migrations = []struct {
	version int
	sql     string
}{
	{1, `
CREATE TABLE vigie_audit (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	time        timestamptz NOT NULL,
	chat_id     bigint NOT NULL,
	user_id     bigint NOT NULL,
	kind        text NOT NULL,
	command     text NOT NULL,
	args        text NOT NULL,
	outcome     text NOT NULL,
	duration_ns bigint NOT NULL,
	ref         text NOT NULL,
	phase       text NOT NULL,
	detail      text NOT NULL
);
CREATE INDEX vigie_audit_time ON vigie_audit (time);
CREATE TABLE vigie_pending (
	id         text PRIMARY KEY,
	chat_id    bigint NOT NULL,
	user_id    bigint NOT NULL,
	runbook    text NOT NULL,
	version    text NOT NULL,
	params     jsonb,
	created    timestamptz,
	expires    timestamptz,
	state      text NOT NULL,
	message_id integer NOT NULL
);
CREATE INDEX vigie_pending_state ON vigie_pending (state);
CREATE TABLE vigie_feedback (
	signature text NOT NULL,
	section   text NOT NULL,
	user_id   bigint NOT NULL,
	up        boolean NOT NULL,
	voted_at  timestamptz NOT NULL,
	PRIMARY KEY (signature, section, user_id)
);
CREATE TABLE vigie_alerts (
	host       text NOT NULL,
	container  text NOT NULL,
	event      text NOT NULL,
	last_sent  timestamptz,
	count      integer NOT NULL,
	chat_id    bigint NOT NULL,
	message_id integer NOT NULL,
	PRIMARY KEY (host, container, event)
);
CREATE TABLE vigie_mutes (
	scope   text NOT NULL,
	name    text NOT NULL,
	until   timestamptz,
	by_user bigint NOT NULL,
	PRIMARY KEY (scope, name)
);`},
	// The phases of one action are read back by their ref.
	{2, `CREATE INDEX vigie_audit_ref ON vigie_audit (ref) WHERE ref <> '';`},
	// Daily budgets (the model calls) outlive a restart.
	{3, `CREATE TABLE vigie_quota (key text PRIMARY KEY, used integer NOT NULL);`},
}

// migrationLock is the advisory lock key that serialises the migrations of
// vigies starting together on one database ("vigie" in ASCII).
const migrationLock int64 = 0x7669676965

// migrateTimeout bounds the migrations at Open when Options.Timeout is
// shorter.
const migrateTimeout = time.Minute

// pgTarget names a server in messages and turns driver errors into
// one-line store errors.
type pgTarget struct {
	server  string // host:port
	user    string
	db      string
	timeout time.Duration
}

func targetOf(c *pgconn.Config, timeout time.Duration) pgTarget {
	return pgTarget{
		server:  net.JoinHostPort(c.Host, strconv.Itoa(int(c.Port))),
		user:    c.User,
		db:      c.Database,
		timeout: timeout,
	}
}

// explain classifies err. Failures to reach or use the server become an
// *Error wrapping ErrUnavailable; the caller's own cancellation stays a
// context error; anything else (a bug, a constraint) keeps the server's
// message with the operation. parent is the caller's context, before the
// store's timeout was added to it.
func (t pgTarget) explain(parent context.Context, op string, err error) error {
	if err == nil || errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) {
		return err
	}
	var se *Error
	if errors.As(err, &se) {
		return err
	}
	at := "PostgreSQL at " + t.server
	unavailable := func(msg string) error { return &Error{Msg: at + ": " + msg, Kind: ErrUnavailable, Err: err} }
	misconfigured := func(msg string) error { return &Error{Msg: at + ": " + msg, Kind: ErrConfig, Err: err} }
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "28P01":
			return misconfigured(fmt.Sprintf("password authentication failed for user %q", t.user))
		case pe.Code == "28000":
			return misconfigured(fmt.Sprintf("user %q may not connect to database %q (pg_hba.conf or role)", t.user, t.db))
		case pe.Code == "3D000":
			return misconfigured(fmt.Sprintf("database %q does not exist", t.db))
		case pe.Code == "53300":
			return unavailable("too many connections")
		case pe.Code == "57014" && parent.Err() == nil:
			return unavailable(fmt.Sprintf("no answer within %s", t.timeout))
		case strings.HasPrefix(pe.Code, "08"), pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03":
			return unavailable("unavailable (" + oneLine(pe.Message) + ")")
		}
		return fmt.Errorf("%s: %s: %w", at, op, err)
	}
	if perr := parent.Err(); perr != nil {
		return fmt.Errorf("%s: %w", op, perr)
	}
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns):
		return unavailable("host not found")
	case errors.Is(err, context.DeadlineExceeded), pgconn.Timeout(err):
		return unavailable(fmt.Sprintf("no answer within %s", t.timeout))
	case connectionLost(err):
		return unavailable("unreachable (is it running?)")
	}
	return fmt.Errorf("%s: %s: %w", at, op, err)
}

// connectionLost tells a failure of the connection itself from a failure
// of a statement.
func connectionLost(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE)
}

// setDefault sets a connection parameter the URL did not set.
func setDefault(params map[string]string, k, v string) {
	if _, ok := params[k]; !ok {
		params[k] = v
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// redactURL returns a connection URL with its password masked, or "" when
// the string is not a URL whose parts are certain (a broken one can hold
// its password anywhere, even where the port should be).
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" || u.Opaque != "" {
		return ""
	}
	var secrets []string
	if u.User != nil {
		if p, ok := u.User.Password(); ok {
			secrets = append(secrets, p)
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	q := u.Query()
	for k := range q {
		if k == "password" || k == "sslpassword" {
			secrets = append(secrets, q.Get(k))
			q.Set(k, "xxxxx")
		}
	}
	u.RawQuery = q.Encode()
	out := strings.Replace(u.String(), "xxxxx", redact.Mask, -1)
	return redact.Values(out, secrets...)
}

// badURL is the error of a connection string pgx cannot parse. The
// parser's own message is left out: it may quote the string, password
// included; the string itself is shown only when it is a URL whose
// password can be masked for certain.
func badURL(key, raw string) error {
	msg := "not a valid PostgreSQL URL"
	if r := redactURL(raw); r != "" && !strings.ContainsAny(r, "\r\n") {
		msg += " (" + r + ")"
	}
	if key != "" {
		msg = key + ": " + msg
	}
	return &Error{Msg: msg}
}

// pgStore is the PostgreSQL backend.
type pgStore struct {
	pool   *pgxpool.Pool
	t      pgTarget
	log    zerolog.Logger
	closed atomic.Bool
}

// openPostgres connects and migrates the schema.
func openPostgres(ctx context.Context, o Options, log zerolog.Logger) (Store, error) {
	cfg, err := pgxpool.ParseConfig(o.URL)
	if err != nil {
		return nil, badURL("database.url", o.URL)
	}
	cfg.ConnConfig.ConnectTimeout = o.Timeout
	setDefault(cfg.ConnConfig.RuntimeParams, "application_name", "vigie")
	// A call that times out closes its connection; the server must not go
	// on running the statement for nobody.
	setDefault(cfg.ConnConfig.RuntimeParams, "statement_timeout", strconv.FormatInt(max(o.Timeout.Milliseconds(), 1), 10))
	t := targetOf(&cfg.ConnConfig.Config, o.Timeout)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, t.explain(ctx, "connect", err)
	}
	pctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, t.explain(ctx, "connect", err)
	}
	// Connecting is bounded by the timeout; a migration that rewrites a
	// big table, or waits for another vigie's, may take longer.
	mt := t
	mt.timeout = max(o.Timeout, migrateTimeout)
	mctx, cancel := context.WithTimeout(ctx, mt.timeout)
	defer cancel()
	from, to, err := migrate(mctx, pool, mt.timeout)
	if err != nil {
		pool.Close()
		return nil, mt.explain(ctx, "migrate schema", err)
	}
	l := log.Info().Str("backend", "postgres").Str("server", t.server).Str("database", t.db).Int("schema", to)
	if from != to {
		l = l.Int("migrated_from", from)
	}
	l.Msg("store opened")
	return &pgStore{pool: pool, t: t, log: log}, nil
}

// migrate applies the migrations not yet recorded, in one transaction
// under an advisory lock, and returns the versions before and after.
func migrate(ctx context.Context, pool *pgxpool.Pool, timeout time.Duration) (from, to int, err error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer rollback(ctx, tx)
	if _, err := tx.Exec(ctx, `SELECT set_config('statement_timeout', $1, true)`, strconv.FormatInt(timeout.Milliseconds(), 10)); err != nil {
		return 0, 0, fmt.Errorf("statement timeout: %w", err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
		return 0, 0, fmt.Errorf("advisory lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS vigie_schema_migrations (
	version    integer PRIMARY KEY,
	applied_at timestamptz NOT NULL
)`); err != nil {
		return 0, 0, fmt.Errorf("create vigie_schema_migrations: %w", err)
	}
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM vigie_schema_migrations`).Scan(&from); err != nil {
		return 0, 0, fmt.Errorf("read schema version: %w", err)
	}
	latest := migrations[len(migrations)-1].version
	if from > latest {
		return 0, 0, &Error{Msg: fmt.Sprintf("database schema version %d is newer than this vigie knows (%d): upgrade vigie", from, latest)}
	}
	for _, m := range migrations {
		if m.version <= from {
			continue
		}
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return 0, 0, fmt.Errorf("migration %d: %w", m.version, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO vigie_schema_migrations (version, applied_at) VALUES ($1, now())`, m.version); err != nil {
			return 0, 0, fmt.Errorf("record migration %d: %w", m.version, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, 0, fmt.Errorf("commit migrations: %w", err)
	}
	return from, latest, nil
}

// rollback ends a transaction that was not committed (a no-op after a
// commit), even when ctx is done, without waiting on a dead server.
func rollback(ctx context.Context, tx pgx.Tx) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	_ = tx.Rollback(rctx)
}

// call runs fn under the store's timeout and explains its error.
func (s *pgStore) call(ctx context.Context, op string, fn func(ctx context.Context) error) error {
	if s.closed.Load() {
		return errClosed
	}
	cctx, cancel := context.WithTimeout(ctx, s.t.timeout)
	defer cancel()
	return s.t.explain(ctx, op, fn(cctx))
}

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return normTime(t)
}

func fromNull(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return normTime(*t)
}

// Audit log.

func (s *pgStore) Audit(ctx context.Context, e AuditEntry) (int64, error) {
	prepareAudit(&e)
	var id int64
	err := s.call(ctx, "audit", func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, `
INSERT INTO vigie_audit (time, chat_id, user_id, kind, command, args, outcome, duration_ns, ref, phase, detail)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			e.Time, e.ChatID, e.UserID, e.Kind, e.Command, e.Args, e.Outcome, int64(e.Duration),
			e.Ref, e.Phase, e.Detail).Scan(&id)
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

func (s *pgStore) History(ctx context.Context, limit int) ([]AuditEntry, error) {
	var lim any // NULL: no limit
	if limit > 0 {
		lim = limit
	}
	var out []AuditEntry
	err := s.call(ctx, "history", func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, `
SELECT id, time, chat_id, user_id, kind, command, args, outcome, duration_ns, ref, phase, detail
FROM vigie_audit ORDER BY id DESC LIMIT $1`, lim)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e AuditEntry
			var ns int64
			if err := rows.Scan(&e.ID, &e.Time, &e.ChatID, &e.UserID, &e.Kind, &e.Command, &e.Args,
				&e.Outcome, &ns, &e.Ref, &e.Phase, &e.Detail); err != nil {
				return err
			}
			e.Time, e.Duration = normTime(e.Time), time.Duration(ns)
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *pgStore) PruneAudit(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.call(ctx, "prune audit", func(ctx context.Context) error {
		tag, err := s.pool.Exec(ctx, `DELETE FROM vigie_audit WHERE time < $1`, before)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, err
	}
	return int(n), nil
}

// Pending actions.

const pendingCols = `id, chat_id, user_id, runbook, version, params, created, expires, state, message_id`

func scanPending(row pgx.Row) (PendingAction, error) {
	var p PendingAction
	var created, expires *time.Time
	if err := row.Scan(&p.ID, &p.ChatID, &p.UserID, &p.Runbook, &p.Version, &p.Params,
		&created, &expires, &p.State, &p.MessageID); err != nil {
		return PendingAction{}, err
	}
	p.Params, p.Created, p.Expires = normParams(p.Params), fromNull(created), fromNull(expires)
	return p, nil
}

func (s *pgStore) PutPending(ctx context.Context, p PendingAction) error {
	if err := checkPending(&p); err != nil {
		return err
	}
	return s.call(ctx, "put pending action", func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `
INSERT INTO vigie_pending (`+pendingCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (id) DO UPDATE SET chat_id = EXCLUDED.chat_id, user_id = EXCLUDED.user_id,
	runbook = EXCLUDED.runbook, version = EXCLUDED.version, params = EXCLUDED.params,
	created = EXCLUDED.created, expires = EXCLUDED.expires, state = EXCLUDED.state,
	message_id = EXCLUDED.message_id`,
			p.ID, p.ChatID, p.UserID, p.Runbook, p.Version, normParams(p.Params),
			nullTime(p.Created), nullTime(p.Expires), p.State, p.MessageID)
		return err
	})
}

func (s *pgStore) GetPending(ctx context.Context, id string) (PendingAction, error) {
	var p PendingAction
	err := s.call(ctx, "get pending action", func(ctx context.Context) error {
		var err error
		p, err = scanPending(s.pool.QueryRow(ctx, `SELECT `+pendingCols+` FROM vigie_pending WHERE id = $1`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("pending action " + id)
		}
		return err
	})
	return p, err
}

func (s *pgStore) TransitionPending(ctx context.Context, id, from, to string) (PendingAction, error) {
	var p PendingAction
	err := s.call(ctx, "transition pending action", func(ctx context.Context) error {
		var err error
		// Row locking makes this single use: a concurrent UPDATE waits for
		// the first one and then finds the state changed.
		p, err = scanPending(s.pool.QueryRow(ctx,
			`UPDATE vigie_pending SET state = $3 WHERE id = $1 AND state = $2 RETURNING `+pendingCols, id, from, to))
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		var state string
		err = s.pool.QueryRow(ctx, `SELECT state FROM vigie_pending WHERE id = $1`, id).Scan(&state)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return notFound("pending action " + id)
		case err != nil:
			return err
		}
		return conflict(id, state, from)
	})
	if err != nil {
		return PendingAction{}, err
	}
	return p, nil
}

func (s *pgStore) ListPending(ctx context.Context, state string) ([]PendingAction, error) {
	var out []PendingAction
	err := s.call(ctx, "list pending actions", func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, `SELECT `+pendingCols+` FROM vigie_pending
WHERE $1 = '' OR state = $1 ORDER BY created NULLS FIRST, id COLLATE "C"`, state)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanPending(rows)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Feedback.

func (s *pgStore) AddFeedback(ctx context.Context, section, signature string, up bool, userID int64) error {
	return s.call(ctx, "add feedback", func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `
INSERT INTO vigie_feedback (signature, section, user_id, up, voted_at) VALUES ($1, $2, $3, $4, now())
ON CONFLICT (signature, section, user_id) DO UPDATE SET up = EXCLUDED.up, voted_at = EXCLUDED.voted_at`,
			signatureKey(signature), cleanText(section), userID, up)
		return err
	})
}

func (s *pgStore) FeedbackFor(ctx context.Context, signature string) (map[string]Feedback, error) {
	out := map[string]Feedback{}
	err := s.call(ctx, "feedback", func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, `
SELECT section, count(*) FILTER (WHERE up), count(*) FILTER (WHERE NOT up)
FROM vigie_feedback WHERE signature = $1 GROUP BY section`, signatureKey(signature))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var f Feedback
			var up, down int64
			if err := rows.Scan(&f.Section, &up, &down); err != nil {
				return err
			}
			f.Up, f.Down = int(up), int(down)
			out[f.Section] = f
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Alerts.

func (s *pgStore) GetAlert(ctx context.Context, host, container, event string) (AlertState, error) {
	a := AlertState{Host: host, Container: container, Event: event}
	err := s.call(ctx, "get alert", func(ctx context.Context) error {
		var last *time.Time
		err := s.pool.QueryRow(ctx, `
SELECT last_sent, count, chat_id, message_id FROM vigie_alerts
WHERE host = $1 AND container = $2 AND event = $3`, host, container, event).
			Scan(&last, &a.Count, &a.ChatID, &a.MessageID)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound(fmt.Sprintf("alert %s/%s/%s", host, container, event))
		}
		a.LastSent = fromNull(last)
		return err
	})
	if err != nil {
		return AlertState{}, err
	}
	return a, nil
}

func (s *pgStore) PutAlert(ctx context.Context, a AlertState) error {
	return s.call(ctx, "put alert", func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `
INSERT INTO vigie_alerts (host, container, event, last_sent, count, chat_id, message_id)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (host, container, event) DO UPDATE SET last_sent = EXCLUDED.last_sent,
	count = EXCLUDED.count, chat_id = EXCLUDED.chat_id, message_id = EXCLUDED.message_id`,
			a.Host, a.Container, a.Event, nullTime(a.LastSent), a.Count, a.ChatID, a.MessageID)
		return err
	})
}

// Quotas.

func (s *pgStore) TakeQuota(ctx context.Context, key string, limit int) (int, bool, error) {
	used, ok := 0, false
	err := s.call(ctx, "take quota", func(ctx context.Context) error {
		// One statement: the row lock serialises concurrent takers, and a
		// taker over the limit updates nothing.
		err := s.pool.QueryRow(ctx, `
INSERT INTO vigie_quota AS q (key, used) VALUES ($1, 1)
ON CONFLICT (key) DO UPDATE SET used = q.used + 1 WHERE $2 <= 0 OR q.used < $2
RETURNING used`, key, limit).Scan(&used)
		if errors.Is(err, pgx.ErrNoRows) {
			return s.pool.QueryRow(ctx, `SELECT used FROM vigie_quota WHERE key = $1`, key).Scan(&used)
		}
		if err == nil {
			ok = true
		}
		return err
	})
	if err != nil {
		return 0, false, err
	}
	return used, ok, nil
}

// Mutes.

func (s *pgStore) AddMute(ctx context.Context, m Mute) error {
	if err := validScope(m.Scope); err != nil {
		return err
	}
	return s.call(ctx, "add mute", func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `
INSERT INTO vigie_mutes (scope, name, until, by_user) VALUES ($1, $2, $3, $4)
ON CONFLICT (scope, name) DO UPDATE SET until = EXCLUDED.until, by_user = EXCLUDED.by_user`,
			m.Scope, m.Name, nullTime(m.Until), m.By)
		return err
	})
}

func (s *pgStore) RemoveMute(ctx context.Context, scope, name string) (bool, error) {
	var n int64
	err := s.call(ctx, "remove mute", func(ctx context.Context) error {
		tag, err := s.pool.Exec(ctx, `DELETE FROM vigie_mutes WHERE scope = $1 AND name = $2`, scope, name)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return false, err
	}
	return n > 0, nil
}

func (s *pgStore) ActiveMutes(ctx context.Context, now time.Time) ([]Mute, error) {
	var out []Mute
	err := s.call(ctx, "active mutes", func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, `
SELECT scope, name, until, by_user FROM vigie_mutes WHERE until IS NULL OR until > $1
ORDER BY scope COLLATE "C", name COLLATE "C"`, normTime(now))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m Mute
			var until *time.Time
			if err := rows.Scan(&m.Scope, &m.Name, &until, &m.By); err != nil {
				return err
			}
			m.Until = fromNull(until)
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *pgStore) Ping(ctx context.Context) error {
	return s.call(ctx, "ping", func(ctx context.Context) error { return s.pool.Ping(ctx) })
}

func (s *pgStore) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.pool.Close()
	s.log.Debug().Str("server", s.t.server).Msg("store closed")
	return nil
}

// Diagnostics of the stack's PostgreSQL. These never write: each runs in
// a READ ONLY transaction with a statement timeout, on a connection of
// its own that is closed on return.

// ModelScore is one row of the n8n model_scores table (corpus §3.3).
type ModelScore struct {
	Model       string
	Calls       int64
	Successes   int64
	SuccessRate float64 // Successes/Calls, 0 when there was no call
	Likes       int64
	Dislikes    int64
	Score       int
}

// Scores reads model_scores, best score first. A database without the
// table gives an error that says so and where the table comes from.
func Scores(ctx context.Context, url string, timeout time.Duration) ([]ModelScore, error) {
	var out []ModelScore
	err := readOnly(ctx, url, timeout, "model_scores", func(ctx context.Context, tx pgx.Tx) error {
		var exists bool
		var db string
		if err := tx.QueryRow(ctx, `SELECT to_regclass('model_scores') IS NOT NULL, current_database()`).
			Scan(&exists, &db); err != nil {
			return err
		}
		if !exists {
			return &Error{Msg: fmt.Sprintf("table model_scores not found in database %q (see §3.3)", db)}
		}
		rows, err := tx.Query(ctx, `
SELECT model::text, coalesce(total_calls, 0)::bigint, coalesce(successful_calls, 0)::bigint,
	coalesce(likes, 0)::bigint, coalesce(dislikes, 0)::bigint, coalesce(score, 0)::integer
FROM model_scores ORDER BY score DESC NULLS LAST, model`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m ModelScore
			if err := rows.Scan(&m.Model, &m.Calls, &m.Successes, &m.Likes, &m.Dislikes, &m.Score); err != nil {
				return err
			}
			if m.Calls > 0 {
				m.SuccessRate = float64(m.Successes) / float64(m.Calls)
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DatabaseSize is one database of a server and its size on disk.
type DatabaseSize struct {
	Name  string
	Bytes int64 // -1 when the user may not connect to it
}

// DBInfo is an overview of a PostgreSQL server.
type DBInfo struct {
	Version        string // server_version, e.g. "18.1 (Debian 18.1-1.pgdg13+2)"
	Databases      []DatabaseSize
	Connections    int // client backends now
	MaxConnections int
}

// Inspect reads the server's version, its databases by size (largest
// first) and its connection count against max_connections.
func Inspect(ctx context.Context, url string, timeout time.Duration) (DBInfo, error) {
	var info DBInfo
	err := readOnly(ctx, url, timeout, "inspect", func(ctx context.Context, tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `
SELECT current_setting('server_version'), current_setting('max_connections')::integer,
	(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::integer`).
			Scan(&info.Version, &info.MaxConnections, &info.Connections); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
SELECT datname::text,
	CASE WHEN has_database_privilege(datname, 'CONNECT') THEN pg_database_size(datname) ELSE -1 END
FROM pg_database WHERE NOT datistemplate ORDER BY 2 DESC, 1`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d DatabaseSize
			if err := rows.Scan(&d.Name, &d.Bytes); err != nil {
				return err
			}
			info.Databases = append(info.Databases, d)
		}
		return rows.Err()
	})
	if err != nil {
		return DBInfo{}, err
	}
	return info, nil
}

// readOnly connects, opens a READ ONLY transaction whose statements time
// out with the call, runs fn and rolls back: nothing can be written even
// by a function or a view that tries.
func readOnly(ctx context.Context, rawURL string, timeout time.Duration, op string, fn func(context.Context, pgx.Tx) error) error {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return badURL("", rawURL)
	}
	cfg.ConnectTimeout = timeout
	setDefault(cfg.RuntimeParams, "application_name", "vigie")
	t := targetOf(&cfg.Config, timeout)
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, cfg)
	if err != nil {
		return t.explain(ctx, op, err)
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	err = func() error {
		tx, err := conn.BeginTx(cctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
		if err != nil {
			return err
		}
		defer rollback(cctx, tx)
		ms := strconv.FormatInt(max(timeout.Milliseconds(), 1), 10)
		if _, err := tx.Exec(cctx, `SELECT set_config('statement_timeout', $1, true)`, ms); err != nil {
			return err
		}
		return fn(cctx, tx)
	}()
	return t.explain(ctx, op, err)
}

package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// serverOf returns host:port of a postgres:// URL, as the errors name it.
func serverOf(t *testing.T, u string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	port := p.Port()
	if port == "" {
		port = "5432"
	}
	return net.JoinHostPort(p.Hostname(), port)
}

func dbName(t *testing.T, u string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(p.Path, "/")
}

// lockedBuffer is a log sink several goroutines may write to.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestPostgresBadURL(t *testing.T) {
	t.Parallel()
	const pw = "s3cret-Pw"
	for _, tc := range []struct{ raw, shown string }{
		{"postgres://vigie:" + pw + "@localhost:notaport/vigie", ""},
		{"postgres://vigie:" + pw + "@localhost/vigie?sslmode=bogus", "postgres://vigie:‹redacted›@localhost/vigie?sslmode=bogus"},
		{"postgresql://vigie@db/vigie?sslmode=bogus&password=" + pw, "postgresql://vigie@db/vigie?password=‹redacted›&sslmode=bogus"},
		{"postgres://vigie:" + pw + "@db:99999999/vigie", "postgres://vigie:‹redacted›@db:99999999/vigie"},
		// Forms whose password could be anywhere: the URL is not shown.
		{"host=localhost port=nope user=vigie password=" + pw, ""},
		{"mysql://vigie:" + pw + "@db:3306/vigie", ""},
		{"vigie:" + pw + "@db:5432/vigie", ""},
		{"postgres://vigie:" + pw + "/x@db:5432/vigie", ""},
		{"postgres://vigie:" + pw + " x@db:5432/vigie", ""},
		{"postgres://vigie:" + pw + "@[db:5432/vigie", ""},
		{"postgres://vigie:" + pw + "%zz@db:5432/vigie", ""},
		{"postgres://vigie@db:" + pw + "/vigie", ""},
	} {
		_, err := Open(context.Background(), Options{URL: tc.raw}, zerolog.Nop())
		if err == nil {
			t.Errorf("Open(%q): no error", tc.raw)
			continue
		}
		want := "database.url: not a valid PostgreSQL URL"
		if tc.shown != "" {
			want += " (" + tc.shown + ")"
		}
		if err.Error() != want {
			t.Errorf("Open(%q) = %q, want %q", tc.raw, err, want)
		}
		for _, leak := range []string{pw, "s3cret", url.QueryEscape(pw)} {
			if strings.Contains(err.Error(), leak) {
				t.Errorf("error shows the password: %q", err)
			}
		}
		assertOneLine(t, err)
		if errors.Is(err, ErrUnavailable) {
			t.Errorf("a bad URL is not ErrUnavailable: %v", err)
		}
	}
}

func TestPostgresUnreachable(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	var logs lockedBuffer
	start := time.Now()
	_, err := Open(context.Background(), Options{
		URL:     fmt.Sprintf("postgres://vigie:s3cret@127.0.0.1:%d/vigie?sslmode=disable", port),
		Timeout: 2 * time.Second,
	}, zerolog.New(&logs))
	want := fmt.Sprintf("PostgreSQL at 127.0.0.1:%d: unreachable (is it running?)", port)
	if err == nil || err.Error() != want {
		t.Fatalf("Open = %v, want %q", err, want)
	}
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("does not wrap ErrUnavailable")
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %v, more than the timeout", took)
	}
	if strings.Contains(logs.String(), "s3cret") {
		t.Errorf("the log shows the password: %s", logs.String())
	}
}

func TestPostgresWrongPassword(t *testing.T) {
	t.Parallel()
	admin := needPostgres(t)
	u := withPassword(t, admin, "wrong-"+randHex(4))
	s, err := Open(context.Background(), Options{URL: u}, zerolog.Nop())
	if err == nil {
		_ = s.Close()
		t.Skip("the server lets this user in without checking the password (trust)")
	}
	p, _ := url.Parse(admin)
	want := fmt.Sprintf("PostgreSQL at %s: password authentication failed for user %q", serverOf(t, admin), p.User.Username())
	if err.Error() != want {
		t.Fatalf("Open = %q, want %q", err, want)
	}
	if !errors.Is(err, ErrConfig) || errors.Is(err, ErrUnavailable) {
		t.Errorf("a wrong password is a configuration error, not an outage")
	}
}

func TestPostgresMissingDatabase(t *testing.T) {
	t.Parallel()
	admin := needPostgres(t)
	name := "vigie_nope_" + randHex(4)
	_, err := Open(context.Background(), Options{URL: withDatabase(t, admin, name)}, zerolog.Nop())
	want := fmt.Sprintf("PostgreSQL at %s: database %q does not exist", serverOf(t, admin), name)
	if err == nil || err.Error() != want {
		t.Fatalf("Open = %v, want %q", err, want)
	}
	if !errors.Is(err, ErrConfig) || errors.Is(err, ErrUnavailable) {
		t.Errorf("a missing database is a configuration error, not an outage")
	}
}

// TestPostgresMigrations starts six vigies together on an empty database:
// one applies the migrations, the others wait on the advisory lock and
// find them done.
func TestPostgresMigrations(t *testing.T) {
	t.Parallel()
	u := newDatabase(t, needPostgres(t))
	var logs lockedBuffer
	log := zerolog.New(&logs)
	const n = 6
	stores := make([]Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			stores[i], errs[i] = Open(context.Background(), Options{URL: u}, log)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open #%d: %v", i, err)
		}
		defer stores[i].Close()
	}
	latest := migrations[len(migrations)-1].version
	want := fmt.Sprintf("%d %d", len(migrations), latest)
	if got := mustSQL(t, u, "SELECT count(*) || ' ' || max(version) FROM vigie_schema_migrations"); got != want {
		t.Fatalf("vigie_schema_migrations: count, max = %s, want %s", got, want)
	}
	if c := strings.Count(logs.String(), `"migrated_from":0`); c != 1 {
		t.Fatalf("%d vigies applied the migrations, want 1; log:\n%s", c, logs.String())
	}
	tables := mustSQL(t, u, `SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'`)
	if tables != "vigie_alerts,vigie_audit,vigie_feedback,vigie_mutes,vigie_pending,vigie_quota,vigie_schema_migrations" {
		t.Errorf("tables: %s", tables)
	}

	mustSQL(t, u, "INSERT INTO vigie_schema_migrations VALUES (999, now())")
	_, err := Open(context.Background(), Options{URL: u}, zerolog.Nop())
	wantErr := fmt.Sprintf("database schema version 999 is newer than this vigie knows (%d): upgrade vigie", latest)
	if err == nil || err.Error() != wantErr {
		t.Fatalf("Open on a newer schema = %v, want %q", err, wantErr)
	}
}

// everyCall calls each method of a store once and returns their errors.
func everyCall(s Store) map[string]error {
	ctx := context.Background()
	out := map[string]error{}
	_, out["Audit"] = s.Audit(ctx, AuditEntry{Kind: "command"})
	_, out["History"] = s.History(ctx, 5)
	_, out["PruneAudit"] = s.PruneAudit(ctx, base)
	out["PutPending"] = s.PutPending(ctx, PendingAction{ID: "p", Created: base})
	_, out["GetPending"] = s.GetPending(ctx, "p")
	_, out["TransitionPending"] = s.TransitionPending(ctx, "p", StatePending, StatePending)
	_, out["ListPending"] = s.ListPending(ctx, "")
	out["AddFeedback"] = s.AddFeedback(ctx, "1.1", "sig", true, 1)
	_, out["FeedbackFor"] = s.FeedbackFor(ctx, "sig")
	out["PutAlert"] = s.PutAlert(ctx, AlertState{Host: "h", Container: "c", Event: "e"})
	_, out["GetAlert"] = s.GetAlert(ctx, "h", "c", "e")
	out["AddMute"] = s.AddMute(ctx, Mute{Scope: ScopeHost, Name: "h"})
	_, out["RemoveMute"] = s.RemoveMute(ctx, ScopeHost, "h")
	_, out["ActiveMutes"] = s.ActiveMutes(ctx, time.Now())
	out["Ping"] = s.Ping(ctx)
	return out
}

// TestPostgresServerDown stops the server under an open store (a crash:
// pg_ctl -m immediate), then freezes it (SIGSTOP: it accepts but never
// answers), and checks that every method fails fast with ErrUnavailable
// and works again once the server is back, with no committed data lost.
func TestPostgresServerDown(t *testing.T) {
	t.Parallel()
	c := ownCluster(t)
	u := newDatabase(t, c.adminURL())
	server := serverOf(t, u)
	const timeout = 2 * time.Second
	s, err := Open(context.Background(), Options{URL: u, Timeout: timeout}, zerolog.Nop())
	must(t, err)
	defer s.Close()
	for name, err := range everyCall(s) {
		if err != nil {
			t.Fatalf("%s with the server up: %v", name, err)
		}
	}
	id, err := s.Audit(context.Background(), AuditEntry{Kind: "action", Detail: "before the crash"})
	must(t, err)

	must(t, c.stop("immediate"))
	for name, err := range timedCalls(t, s, timeout) {
		if !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s with the server down = %v, want ErrUnavailable", name, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), "PostgreSQL at "+server+": ") {
			t.Errorf("%s: %q does not name the server", name, err)
		}
		assertOneLine(t, err)
	}
	if err := s.Ping(context.Background()); err == nil || err.Error() != "PostgreSQL at "+server+": unreachable (is it running?)" {
		t.Errorf("Ping with the server down = %v", err)
	}

	must(t, c.start())
	for name, err := range everyCall(s) {
		if err != nil {
			t.Errorf("%s after the restart: %v", name, err)
		}
	}
	hist, err := s.History(context.Background(), 0)
	must(t, err)
	found := false
	for _, e := range hist {
		found = found || e.ID == id
	}
	if !found {
		t.Fatalf("entry %d committed before the crash is gone", id)
	}

	// A server that accepts connections but never answers: each call gives
	// up at the timeout.
	const short = 700 * time.Millisecond
	s2, err := Open(context.Background(), Options{URL: u, Timeout: short}, zerolog.Nop())
	must(t, err)
	defer s2.Close()
	pids, err := c.pids()
	must(t, err)
	signal := func(sig syscall.Signal) {
		for _, pid := range pids {
			_ = syscall.Kill(pid, sig)
		}
	}
	signal(syscall.SIGSTOP)
	defer signal(syscall.SIGCONT)
	for name, err := range timedCalls(t, s2, short) {
		want := fmt.Sprintf("PostgreSQL at %s: no answer within %s", server, short)
		if !errors.Is(err, ErrUnavailable) || err.Error() != want {
			t.Errorf("%s with the server frozen = %v, want %q", name, err, want)
		}
	}
	start := time.Now()
	_, err = Open(context.Background(), Options{URL: u, Timeout: time.Second}, zerolog.Nop())
	if !errors.Is(err, ErrUnavailable) || time.Since(start) > 1500*time.Millisecond {
		t.Errorf("Open on a frozen server = %v after %v", err, time.Since(start))
	}
	signal(syscall.SIGCONT)
	for name, err := range everyCall(s2) {
		if err != nil {
			t.Errorf("%s after the server thawed: %v", name, err)
		}
	}
}

// timedCalls calls several methods at once and fails the test if one took
// longer than the timeout (plus scheduling slack).
func timedCalls(t *testing.T, s Store, timeout time.Duration) map[string]error {
	t.Helper()
	ctx := context.Background()
	calls := map[string]func() error{
		"Audit":       func() error { _, err := s.Audit(ctx, AuditEntry{Kind: "command"}); return err },
		"History":     func() error { _, err := s.History(ctx, 5); return err },
		"PutPending":  func() error { return s.PutPending(ctx, PendingAction{ID: "q"}) },
		"Transition":  func() error { _, err := s.TransitionPending(ctx, "p", StatePending, StateConfirmed); return err },
		"FeedbackFor": func() error { _, err := s.FeedbackFor(ctx, "sig"); return err },
		"ActiveMutes": func() error { _, err := s.ActiveMutes(ctx, time.Now()); return err },
		"Ping":        func() error { return s.Ping(ctx) },
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	out := map[string]error{}
	for name, call := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			err := call()
			if took := time.Since(start); took > timeout+time.Second {
				t.Errorf("%s took %v, timeout %v", name, took, timeout)
			}
			mu.Lock()
			out[name] = err
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// TestPostgresCrash kills a writer mid-write: every entry whose Audit had
// returned is in the database.
func TestPostgresCrash(t *testing.T) {
	t.Parallel()
	u := newDatabase(t, needPostgres(t))
	s, err := Open(context.Background(), Options{URL: u}, zerolog.Nop())
	must(t, err)
	printed := crashChild(t, "postgres:"+u, 300)
	checkCrashIDs(t, s, printed)
	must(t, s.Close())
}

// modelScoresDDL is the table of corpus §3.3.
const modelScoresDDL = `CREATE TABLE model_scores (
	model text PRIMARY KEY,
	total_calls integer DEFAULT 0, successful_calls integer DEFAULT 0, failed_calls integer DEFAULT 0,
	total_tokens bigint DEFAULT 0, total_cost double precision DEFAULT 0, total_latency_ms double precision DEFAULT 0,
	likes integer DEFAULT 0, dislikes integer DEFAULT 0, score integer DEFAULT 50,
	avg_cost_per_call double precision, avg_latency_ms double precision, source text,
	first_seen timestamptz DEFAULT now(), last_updated timestamptz DEFAULT now())`

func TestScores(t *testing.T) {
	t.Parallel()
	u := newDatabase(t, needPostgres(t))
	mustSQL(t, u, modelScoresDDL+`;
INSERT INTO model_scores (model, total_calls, successful_calls, failed_calls, likes, dislikes, score) VALUES
	('gpt-4o-mini', 200, 190, 10, 12, 1, 88),
	('claude-sonnet', 50, 49, 1, 5, 0, 93),
	('llama-local', 0, 0, 0, 0, 0, 50),
	('deepseek', 10, 4, 6, 0, 3, NULL)`)
	got, err := Scores(context.Background(), u, 5*time.Second)
	must(t, err)
	same(t, "Scores", got, []ModelScore{
		{Model: "claude-sonnet", Calls: 50, Successes: 49, SuccessRate: float64(49) / 50, Likes: 5, Score: 93},
		{Model: "gpt-4o-mini", Calls: 200, Successes: 190, SuccessRate: float64(190) / 200, Likes: 12, Dislikes: 1, Score: 88},
		{Model: "llama-local", Score: 50},
		{Model: "deepseek", Calls: 10, Successes: 4, SuccessRate: float64(4) / 10, Dislikes: 3},
	})
}

func TestScoresMissingTable(t *testing.T) {
	t.Parallel()
	u := newDatabase(t, needPostgres(t))
	_, err := Scores(context.Background(), u, 5*time.Second)
	want := fmt.Sprintf("table model_scores not found in database %q (see §3.3)", dbName(t, u))
	if err == nil || err.Error() != want {
		t.Fatalf("Scores = %v, want %q", err, want)
	}
}

// TestScoresReadOnly proves the transaction is READ ONLY with the
// statement timeout set: a view shows the settings it runs under, and a
// view whose function writes is refused.
func TestScoresReadOnly(t *testing.T) {
	t.Parallel()
	admin := needPostgres(t)

	u := newDatabase(t, admin)
	mustSQL(t, u, `CREATE VIEW model_scores AS SELECT
	current_setting('transaction_read_only') || ' ' || current_setting('statement_timeout') AS model,
	1 AS total_calls, 1 AS successful_calls, 0 AS likes, 0 AS dislikes, 50 AS score`)
	got, err := Scores(context.Background(), u, 3*time.Second)
	must(t, err)
	if len(got) != 1 || got[0].Model != "on 3s" {
		t.Fatalf("the query ran with read-only and statement timeout %+v, want \"on 3s\"", got)
	}

	u = newDatabase(t, admin)
	mustSQL(t, u, `CREATE TABLE written (x integer);
CREATE FUNCTION sneaky() RETURNS integer LANGUAGE plpgsql AS $$ BEGIN INSERT INTO written VALUES (1); RETURN 1; END $$;
CREATE VIEW model_scores AS SELECT 'm'::text AS model, sneaky() AS total_calls, 0 AS successful_calls,
	0 AS likes, 0 AS dislikes, 50 AS score`)
	_, err = Scores(context.Background(), u, 3*time.Second)
	if err == nil || !strings.Contains(err.Error(), "read-only transaction") {
		t.Fatalf("Scores over a writing view = %v, want a read-only refusal", err)
	}
	assertOneLine(t, err)
	if errors.Is(err, ErrUnavailable) {
		t.Errorf("a refused write is not ErrUnavailable")
	}
	if n := mustSQL(t, u, "SELECT count(*) FROM written"); n != "0" {
		t.Fatalf("%s rows written", n)
	}
}

// TestScoresTimeout: a query that runs past the timeout is given up by the
// client and cancelled by the server (statement_timeout), not left running.
func TestScoresTimeout(t *testing.T) {
	t.Parallel()
	u := newDatabase(t, needPostgres(t))
	mustSQL(t, u, `CREATE VIEW model_scores AS SELECT 'slow'::text AS model,
	(SELECT 1 FROM pg_sleep(30)) AS total_calls, 0 AS successful_calls, 0 AS likes, 0 AS dislikes, 50 AS score`)
	start := time.Now()
	_, err := Scores(context.Background(), u, time.Second)
	took := time.Since(start)
	want := fmt.Sprintf("PostgreSQL at %s: no answer within 1s", serverOf(t, u))
	if err == nil || err.Error() != want || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Scores over a slow view = %v, want %q", err, want)
	}
	if took > 2*time.Second {
		t.Errorf("took %v with a 1s timeout", took)
	}
	q := fmt.Sprintf(`SELECT count(*) FROM pg_stat_activity WHERE datname = '%s' AND query LIKE '%%model_scores%%' AND state = 'active' AND pid <> pg_backend_pid()`, dbName(t, u))
	deadline := time.Now().Add(3 * time.Second)
	for mustSQL(t, u, q) != "0" {
		if time.Now().After(deadline) {
			t.Fatal("the slow query still runs on the server")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestInspect(t *testing.T) {
	t.Parallel()
	u := newDatabase(t, needPostgres(t))
	mustSQL(t, u, "CREATE TABLE filler AS SELECT g, repeat('x', 100) AS pad FROM generate_series(1, 10000) g")
	info, err := Inspect(context.Background(), u, 5*time.Second)
	must(t, err)
	if info.Version == "" || info.Version[0] < '1' || info.Version[0] > '9' {
		t.Errorf("Version = %q", info.Version)
	}
	if info.MaxConnections <= 0 || info.Connections < 1 || info.Connections > info.MaxConnections {
		t.Errorf("connections %d of %d", info.Connections, info.MaxConnections)
	}
	var ours *DatabaseSize
	for i, d := range info.Databases {
		if i > 0 && d.Bytes > info.Databases[i-1].Bytes {
			t.Errorf("databases not largest first: %+v", info.Databases)
		}
		if d.Name == dbName(t, u) {
			ours = &info.Databases[i]
		}
		if strings.HasPrefix(d.Name, "template") {
			t.Errorf("template database listed: %s", d.Name)
		}
	}
	if ours == nil || ours.Bytes < 1<<20 {
		t.Fatalf("database %s not listed with its size: %+v", dbName(t, u), info.Databases)
	}
}

func TestDiagnosticsErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, err := Scores(ctx, "postgres://u:s3cret@localhost:nope/n8n", time.Second)
	if err == nil || err.Error() != "not a valid PostgreSQL URL" {
		t.Errorf("Scores(bad URL) = %v", err)
	}
	port := freePort(t)
	_, err = Inspect(ctx, "postgres://u:s3cret@127.0.0.1:"+strconv.Itoa(port)+"/n8n?sslmode=disable", time.Second)
	want := fmt.Sprintf("PostgreSQL at 127.0.0.1:%d: unreachable (is it running?)", port)
	if err == nil || err.Error() != want || !errors.Is(err, ErrUnavailable) {
		t.Errorf("Inspect(nobody listening) = %v, want %q", err, want)
	}

	admin := needPostgres(t)
	_, err = Inspect(ctx, withPassword(t, admin, "wrong"), time.Second)
	if err == nil {
		t.Skip("the server does not check passwords (trust)")
	}
	p, _ := url.Parse(admin)
	want = fmt.Sprintf("PostgreSQL at %s: password authentication failed for user %q", serverOf(t, admin), p.User.Username())
	if err.Error() != want {
		t.Errorf("Inspect(wrong password) = %q, want %q", err, want)
	}
}

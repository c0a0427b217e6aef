package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// adminURL is the PostgreSQL the test command starts (scripts/services.sh).
func adminURL() string {
	if u := os.Getenv("VIGIE_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://vigie:vigie@127.0.0.1:5432/postgres?sslmode=disable"
}

// psql runs SQL with the psql client against url.
func psql(t *testing.T, url, sql string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "psql", url, "-v", "ON_ERROR_STOP=1", "-qc", sql).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	return nil
}

// testDatabase creates a database with a model_scores table and returns its URL.
func testDatabase(t *testing.T) string {
	t.Helper()
	if err := psql(t, adminURL(), "SELECT 1"); err != nil {
		if os.Getenv("VIGIE_INTEGRATION") == "" {
			t.Skipf("no PostgreSQL (%v)", err)
		}
		t.Fatalf("PostgreSQL required (VIGIE_INTEGRATION is set): %v", err)
	}
	b := make([]byte, 4)
	rand.Read(b)
	name := "vigie_cli_" + hex.EncodeToString(b)
	if err := psql(t, adminURL(), "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { psql(t, adminURL(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	url := strings.Replace(adminURL(), "/postgres?", "/"+name+"?", 1)
	if err := psql(t, url, `CREATE TABLE model_scores (model text primary key, total_calls bigint, successful_calls bigint,
		failed_calls bigint, likes bigint, dislikes bigint, score int default 50);
		INSERT INTO model_scores VALUES ('deepseek-v3-free', 120, 110, 10, 9, 1, 81), ('kimi-k2', 5, 1, 4, 0, 2, 20)`); err != nil {
		t.Fatal(err)
	}
	return url
}

func TestDBAndScores(t *testing.T) {
	url := testDatabase(t)
	bad := strings.Replace(url, "vigie:vigie@", "vigie:wrong-pw@", 1)
	empty := adminURL()
	cfg := writeConfig(t, fmt.Sprintf("data_dir: %s\ndiagnostics:\n  postgres:\n    - {name: javisi, url: %q}\n    - {name: badpw, url: %q}\n    - {name: empty, url: %q}\n",
		t.TempDir(), url, bad, empty))
	out, errs, code := run(t, "", "db", "--config", cfg)
	if code != ExitOK || !strings.Contains(out, "javisi: PostgreSQL") || !strings.Contains(out, "connections") {
		t.Fatalf("db: %d %s %s", code, out, errs)
	}
	if !strings.Contains(out, `badpw: PostgreSQL at 127.0.0.1:5432: password authentication failed for user "vigie"`) || strings.Contains(out+errs, "wrong-pw") {
		t.Errorf("wrong password: %s", out)
	}
	out, _, _ = run(t, "", "scores", "--config", cfg)
	if !strings.Contains(out, "deepseek-v3-free") || !strings.Contains(out, "92%") {
		t.Errorf("scores: %s", out)
	}
	if !strings.Contains(out, `table model_scores not found in database "postgres" (see §3.3)`) {
		t.Errorf("missing table: %s", out)
	}
	_, errs, code = run(t, "", "scores", "--config", cfg, "ghost")
	if code != ExitFailure || !strings.Contains(errs, `no PostgreSQL named "ghost"`) {
		t.Errorf("unknown target: %d %s", code, errs)
	}
}

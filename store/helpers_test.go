package store

// Helpers of the tests: a real PostgreSQL found or started here, one
// database per test, fixtures through psql (the code under test uses pgx),
// and the child process of the crash tests.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// systemAdminURL is the cluster and role scripts/services.sh sets up.
const systemAdminURL = "postgres://vigie:vigie@127.0.0.1:5432/postgres?sslmode=disable"

var (
	pgOnce   sync.Once
	pgAdmin  string   // URL of a superuser on the shared server
	pgErr    error    // why there is none
	pgShared *cluster // the throwaway cluster needPostgres started, if any
)

func TestMain(m *testing.M) {
	code := m.Run()
	if pgShared != nil {
		pgShared.remove()
	}
	os.Exit(code)
}

func randHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// unavailable skips the test, or fails it when VIGIE_INTEGRATION is set
// (CI must not skip silently).
func unavailable(tb testing.TB, what string, err error) {
	tb.Helper()
	if os.Getenv("VIGIE_INTEGRATION") != "" {
		tb.Fatalf("VIGIE_INTEGRATION is set but %s: %v (run scripts/services.sh)", what, err)
	}
	tb.Skipf("%s (%v); set VIGIE_INTEGRATION=1 to make this a failure", what, err)
}

// needPostgres returns the URL of a superuser on a real server: the one of
// VIGIE_TEST_DATABASE_URL, else the vigie role of scripts/services.sh,
// else a throwaway cluster started for this test binary.
func needPostgres(tb testing.TB) string {
	tb.Helper()
	pgOnce.Do(func() {
		if u := os.Getenv("VIGIE_TEST_DATABASE_URL"); u != "" {
			if _, err := psql(context.Background(), u, "SELECT 1"); err != nil {
				pgErr = fmt.Errorf("VIGIE_TEST_DATABASE_URL: %w", err)
				return
			}
			pgAdmin = u
			return
		}
		if _, err := psql(context.Background(), systemAdminURL, "SELECT 1"); err == nil {
			pgAdmin = systemAdminURL
			return
		}
		c, err := startCluster()
		if err != nil {
			pgErr = fmt.Errorf("no server at %s and no throwaway cluster: %w", redactURL(systemAdminURL), err)
			return
		}
		pgShared, pgAdmin = c, c.adminURL()
	})
	if pgErr != nil {
		unavailable(tb, "PostgreSQL is not usable", pgErr)
	}
	return pgAdmin
}

// newDatabase creates a database of its own for a test on the server of
// admin and returns its URL; the database is dropped at cleanup.
func newDatabase(tb testing.TB, admin string) string {
	tb.Helper()
	name := "vigie_test_" + randHex(6)
	ctx := context.Background()
	if _, err := psql(ctx, admin, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	tb.Cleanup(func() {
		if _, err := psql(ctx, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop database %s: %v", name, err)
		}
	})
	return withDatabase(tb, admin, name)
}

// withDatabase returns u pointing at another database.
func withDatabase(tb testing.TB, u, db string) string {
	tb.Helper()
	p, err := url.Parse(u)
	if err != nil {
		tb.Fatalf("test database URL must be a postgres:// URL: %v", err)
	}
	p.Path = "/" + db
	return p.String()
}

// withPassword returns u with another password.
func withPassword(tb testing.TB, u, password string) string {
	tb.Helper()
	p, err := url.Parse(u)
	if err != nil || p.User == nil {
		tb.Fatalf("test database URL must be a postgres://user@ URL")
	}
	p.User = url.UserPassword(p.User.Username(), password)
	return p.String()
}

// psql runs SQL with the psql client and returns its unaligned output.
func psql(ctx context.Context, u, sql string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", u, "-c", sql)
	cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=3")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("psql %q: %v: %s", sql, err, strings.TrimSpace(errb.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

func mustSQL(tb testing.TB, u, sql string) string {
	tb.Helper()
	out, err := psql(context.Background(), u, sql)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// freePort returns a TCP port of 127.0.0.1 nobody listens on right now.
func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// cluster is a throwaway PostgreSQL cluster in a temporary directory,
// run as user postgres when the tests run as root.
type cluster struct {
	bin      string // directory of initdb, pg_ctl
	dir      string // socket, password file, log
	data     string
	port     int
	password string
	cred     *syscall.Credential
}

// pgBinDir finds the server binaries: Debian keeps them out of PATH.
func pgBinDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dir := strings.TrimSpace(string(out))
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(found) == 0 {
		return "", errors.New("initdb not found (install postgresql)")
	}
	sort.Slice(found, func(i, j int) bool { return pgMajor(found[i]) > pgMajor(found[j]) })
	return filepath.Dir(found[0]), nil
}

func pgMajor(path string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
	return n
}

// startCluster makes and starts a cluster whose superuser postgres logs in
// with a password over TCP (so a wrong password is refused).
func startCluster() (*cluster, error) {
	bin, err := pgBinDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "vigie-pg-")
	if err != nil {
		return nil, err
	}
	c := &cluster{bin: bin, dir: dir, data: filepath.Join(dir, "data"), password: randHex(12)}
	ok := false
	defer func() {
		if !ok {
			_ = os.RemoveAll(dir)
		}
	}()
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root, initdb needs the user postgres: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
	}
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte(c.password+"\n"), 0o600); err != nil {
		return nil, err
	}
	if c.cred != nil {
		if err := os.Chown(pw, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			return nil, err
		}
	}
	if err := c.run("initdb", "-D", c.data, "-U", "postgres", "--pwfile", pw, "--auth-local=trust",
		"--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"); err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c.port = l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	if err := c.start(); err != nil {
		return nil, err
	}
	ok = true
	return c, nil
}

// run runs one of the server binaries as the cluster's owner.
func (c *cluster) run(name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.Dir = c.dir
	cmd.Env = []string{"PATH=" + c.bin + ":/usr/bin:/bin", "LC_ALL=C", "HOME=" + c.dir}
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second // the postmaster must not hold our pipes
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %v: %s", name, err, strings.TrimSpace(out.String()))
	}
	return nil
}

func (c *cluster) start() error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", c.port, c.dir)
	return c.run("pg_ctl", "-D", c.data, "-l", filepath.Join(c.dir, "log"), "-w", "-t", "30", "-o", opts, "start")
}

// stop stops the server; mode "immediate" is a crash (no checkpoint).
func (c *cluster) stop(mode string) error {
	return c.run("pg_ctl", "-D", c.data, "-m", mode, "-w", "-t", "30", "stop")
}

func (c *cluster) remove() {
	_ = c.stop("immediate")
	_ = os.RemoveAll(c.dir)
}

func (c *cluster) adminURL() string {
	return fmt.Sprintf("postgres://postgres:%s@127.0.0.1:%d/postgres?sslmode=disable", c.password, c.port)
}

// pids returns the postmaster and its children.
func (c *cluster) pids() ([]int, error) {
	b, err := os.ReadFile(filepath.Join(c.data, "postmaster.pid"))
	if err != nil {
		return nil, err
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pm, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return nil, err
	}
	out := []int{pm}
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range procs {
		stat, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// pid (comm) state ppid …: comm may hold spaces, so cut at the last ')'.
		i := bytes.LastIndexByte(stat, ')')
		f := strings.Fields(string(stat[i+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pm) {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			out = append(out, pid)
		}
	}
	return out, nil
}

// ownCluster starts a cluster for one test, which may stop and start it.
func ownCluster(t *testing.T) *cluster {
	t.Helper()
	c, err := startCluster()
	if err != nil {
		unavailable(t, "cannot start a throwaway PostgreSQL cluster", err)
	}
	t.Cleanup(c.remove)
	return c
}

// The crash tests re-execute the test binary as a child that writes audit
// entries until it is killed, printing each ID once Audit has returned.

const crashEnv = "VIGIE_CRASH_CHILD" // "bolt:DIR" or "postgres:URL"

func TestCrashChild(t *testing.T) {
	spec := os.Getenv(crashEnv)
	if spec == "" {
		t.Skip("the child of the crash tests")
	}
	kind, target, _ := strings.Cut(spec, ":")
	o := Options{DataDir: target}
	if kind == "postgres" {
		o = Options{URL: target}
	}
	ctx := context.Background()
	s, err := Open(ctx, o, zerolog.Nop())
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: open:", err)
		os.Exit(3)
	}
	var mu sync.Mutex
	for w := range 4 {
		go func() {
			for i := 0; ; i++ {
				id, err := s.Audit(ctx, AuditEntry{Kind: "action", Command: "crash", Outcome: "running",
					Ref: fmt.Sprintf("w%d-%d", w, i), Detail: strings.Repeat("x", 300+i%700)})
				if err != nil {
					fmt.Fprintln(os.Stderr, "child: audit:", err)
					os.Exit(4)
				}
				mu.Lock()
				_, _ = os.Stdout.WriteString(strconv.FormatInt(id, 10) + "\n")
				mu.Unlock()
			}
		}()
	}
	select {}
}

// crashChild runs the child on spec, reads at least n IDs, SIGKILLs it
// while it writes and returns every ID it printed in full.
func crashChild(t *testing.T, spec string, n int) []int64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+spec)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(stdout)
	var ids []int64
	read := func() error {
		line, err := r.ReadString('\n')
		if err != nil {
			return err // a line without its newline was cut by the kill: not counted
		}
		id, err := strconv.ParseInt(strings.TrimSpace(line), 10, 64)
		if err != nil {
			return fmt.Errorf("child printed %q", line)
		}
		ids = append(ids, id)
		return nil
	}
	for len(ids) < n {
		if err := read(); err != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("child stopped after %d ids: %v; stderr: %s", len(ids), err, stderr.String())
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for {
		if err := read(); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			break
		}
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, want killed; stderr: %s", err, stderr.String())
	}
	return ids
}

// checkCrashIDs asserts every printed ID is in the store, and that a new
// entry gets an ID none of them had.
func checkCrashIDs(t *testing.T, s Store, printed []int64) {
	t.Helper()
	ctx := context.Background()
	hist, err := s.History(ctx, 0)
	if err != nil {
		t.Fatalf("History after the crash: %v", err)
	}
	have := map[int64]bool{}
	for _, e := range hist {
		have[e.ID] = true
	}
	var lost []int64
	maxID := int64(0)
	for _, id := range printed {
		if !have[id] {
			lost = append(lost, id)
		}
		maxID = max(maxID, id)
	}
	if len(lost) > 0 {
		t.Fatalf("%d of %d committed entries lost after the crash, e.g. %v", len(lost), len(printed), lost[:min(len(lost), 10)])
	}
	id, err := s.Audit(ctx, AuditEntry{Kind: "command", Command: "after-crash"})
	if err != nil {
		t.Fatalf("Audit after the crash: %v", err)
	}
	if id <= maxID {
		t.Fatalf("Audit after the crash got id %d, not above the %d already printed", id, maxID)
	}
	t.Logf("%d entries printed before the kill, %d in the store (the rest committed but not yet printed)", len(printed), len(hist))
}

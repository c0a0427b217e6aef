package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func openBoltT(t *testing.T, dir string) Store {
	t.Helper()
	s, err := Open(context.Background(), Options{DataDir: dir}, zerolog.Nop())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// oneLine fails the test when a user-facing message spans lines.
func assertOneLine(t *testing.T, err error) {
	t.Helper()
	if strings.ContainsAny(err.Error(), "\r\n") {
		t.Errorf("error spans several lines: %q", err)
	}
}

func TestBoltCreatesDataDir(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "a", "b")
	openBoltT(t, dir)
	fi, err := os.Stat(dir)
	must(t, err)
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode %v, want 0700", fi.Mode().Perm())
	}
	fi, err = os.Stat(filepath.Join(dir, "vigie.db"))
	must(t, err)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("vigie.db mode %v, want 0600", fi.Mode().Perm())
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".vigie-probe-*"))
	if len(left) > 0 {
		t.Errorf("probe files left behind: %v", left)
	}
}

func TestBoltDataDirErrors(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	file := filepath.Join(tmp, "file")
	must(t, os.WriteFile(file, nil, 0o600))

	cases := []struct {
		name, dir, want string
	}{
		{"empty", "", "data_dir: must not be empty"},
		{"a file", file, "data_dir " + file + ": not a directory"},
		{"under a file", filepath.Join(file, "sub"), "data_dir " + filepath.Join(file, "sub") + ": not a directory"},
	}
	// Root writes anywhere a mode bit forbids; /sys refuses even root.
	if os.Geteuid() != 0 {
		ro := filepath.Join(tmp, "ro")
		must(t, os.Mkdir(ro, 0o500))
		cases = append(cases, struct{ name, dir, want string }{"read-only dir", ro, "data_dir " + ro + ": not writable: permission denied"})
	} else if f, err := os.CreateTemp("/sys", "x"); err == nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
	} else {
		cases = append(cases, struct{ name, dir, want string }{"/sys", "/sys", "data_dir /sys: not writable: "})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(context.Background(), Options{DataDir: tc.dir}, zerolog.Nop())
			if err == nil {
				_ = s.Close()
				t.Fatalf("Open(%q): no error", tc.dir)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("Open(%q) = %q, want %q", tc.dir, err, tc.want)
			}
			assertOneLine(t, err)
			if errors.Is(err, ErrUnavailable) {
				t.Errorf("a configuration mistake is not ErrUnavailable: %v", err)
			}
		})
	}
}

func TestBoltInUse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	openBoltT(t, dir)
	start := time.Now()
	s, err := Open(context.Background(), Options{DataDir: dir}, zerolog.Nop())
	if err == nil {
		_ = s.Close()
		t.Fatal("second Open of the same file: no error")
	}
	want := filepath.Join(dir, "vigie.db") + " is in use by another vigie (bbolt lock)"
	if err.Error() != want {
		t.Fatalf("second Open = %q, want %q", err, want)
	}
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("lock error does not wrap ErrUnavailable")
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("took %v to give up on the lock", took)
	}
}

func TestBoltDamagedFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "vigie.db")
	must(t, os.WriteFile(path, []byte(strings.Repeat("not a bbolt file ", 1000)), 0o600))
	s, err := Open(context.Background(), Options{DataDir: dir}, zerolog.Nop())
	if err == nil {
		_ = s.Close()
		t.Fatal("Open of a damaged file: no error")
	}
	if !strings.HasPrefix(err.Error(), path+": not a vigie store or damaged") {
		t.Fatalf("Open = %q", err)
	}
	assertOneLine(t, err)
}

// TestBoltCrash kills a writer mid-write (SIGKILL: no deferred code, no
// flush) and checks that every entry whose Audit had returned is there and
// that the file passes bbolt's consistency check.
func TestBoltCrash(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	start := time.Now()
	printed := crashChild(t, "bolt:"+dir, 300)
	t.Logf("child killed after %v", time.Since(start).Round(time.Millisecond))
	s := openBoltT(t, dir)
	if err := s.(*boltStore).check(); err != nil {
		t.Fatalf("bbolt check after the crash: %v", err)
	}
	checkCrashIDs(t, s, printed)
	if err := s.(*boltStore).check(); err != nil {
		t.Fatalf("bbolt check after writing again: %v", err)
	}
}

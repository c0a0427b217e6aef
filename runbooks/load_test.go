package runbooks

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// knownSection stands for the corpus in the rule tests: every id but 41.99
// exists.
func knownSection(id string) bool { return id != "41.99" }

// loadOne loads the file called name, holding data, as the only user file
// and with no embedded runbooks, so that each rule is tested alone.
func loadOne(t *testing.T, name string, data []byte) ([]Runbook, error) {
	t.Helper()
	opts := LoadOptions{SectionExists: knownSection}
	return opts.load(fstest.MapFS{}, fstest.MapFS{name: {Data: data}})
}

// problemLines returns the problems of a *ValidationError, one string each.
func problemLines(t *testing.T, err error) []string {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not a *ValidationError", err, err)
	}
	if len(ve.Problems) == 0 {
		t.Fatal("a *ValidationError without problems")
	}
	out := make([]string, len(ve.Problems))
	for i, p := range ve.Problems {
		out[i] = p.String()
	}
	if got := strings.Join(out, "\n"); got != err.Error() {
		t.Errorf("Error() = %q, want the problems one per line %q", err.Error(), got)
	}
	return out
}

// TestInvalid holds one file per rule under testdata/invalid. Each ends with
// the exact problems it must produce, in order, as "# want: " comments at
// its end, where they shift no line.
func TestInvalid(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "invalid", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 40 {
		t.Fatalf("found %d rule files, want one per rule", len(files))
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(strings.TrimSuffix(name, ".yaml"), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for line := range strings.Lines(string(data)) {
				if w, ok := strings.CutPrefix(strings.TrimRight(line, "\n"), "# want: "); ok {
					want = append(want, w)
				}
			}
			if len(want) == 0 {
				t.Fatalf("%s has no \"# want: \" line", path)
			}
			rbs, err := loadOne(t, name, data)
			if err == nil {
				t.Fatalf("loaded %d runbooks, want\n%s", len(rbs), strings.Join(want, "\n"))
			}
			if rbs != nil {
				t.Errorf("returned %d runbooks with the error, want none", len(rbs))
			}
			got := problemLines(t, err)
			if !slices.Equal(got, want) {
				t.Errorf("problems\n got: %s\nwant: %s", strings.Join(got, "\n      "), strings.Join(want, "\n      "))
			}
		})
	}
}

// TestValid loads each file of testdata/valid alone.
func TestValid(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "valid", "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no valid files")
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			rbs, err := loadOne(t, name, data)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if len(rbs) == 0 {
				t.Fatal("no runbook")
			}
		})
	}
}

func TestDecodeAllKeys(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "valid", "numbers-and-aliases.yml"))
	if err != nil {
		t.Fatal(err)
	}
	rbs, err := loadOne(t, "all.yml", data)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	want := Runbook{
		ID:       "all-keys",
		Title:    "Every key of a runbook",
		Sections: []string{"41.2", "41.10", "0.13", "40"},
		Command:  "allkeys",
		Params: []Param{
			{Name: "service", Description: "the service", Required: true, Infer: InferService, Pattern: "(nocodb|palais)"},
			{Name: "file", Description: "the compose file's base name", Pattern: "[a-z-]+"},
		},
		Actions: []Action{
			{Kind: ComposeRecreate, Target: "${service}", Host: "prod", Confirm: "Recreate ${service}.", Verify: VerifyHealthy, Timeout: 90 * time.Second},
			{Kind: ComposeUp, Host: "workstation", File: "/opt/workstation/${file}.yml", Project: "opencut", Target: "web", Confirm: "Recreate ${service}.", Verify: VerifyRunning, Timeout: DefaultTimeout},
			{Kind: ImageExists, Target: "ghcr.io/openclaw/sandbox:1.2@sha256:abc", Verify: VerifyNone, Timeout: DefaultTimeout, ReadOnly: true},
			{Kind: ComposePs, Host: "workstation", File: "/opt/workstation/docker-compose-opencut.yml", Verify: VerifyNone, Timeout: DefaultTimeout, ReadOnly: true},
			{Kind: ContainerStop, Target: "${service}", Confirm: "Stop ${service}.", Verify: VerifyNone, Timeout: 15 * time.Minute},
		},
		Version: hex.EncodeToString(sum[:])[:12],
		Source:  "all.yml",
	}
	if len(rbs) != 1 {
		t.Fatalf("got %d runbooks, want 1", len(rbs))
	}
	assertRunbook(t, rbs[0], want)
}

func assertRunbook(t *testing.T, got, want Runbook) {
	t.Helper()
	if got.ID != want.ID || got.Title != want.Title || got.Command != want.Command || got.Subcommand != want.Subcommand ||
		got.Version != want.Version || got.Source != want.Source || !slices.Equal(got.Sections, want.Sections) {
		t.Errorf("runbook\n got: %+v\nwant: %+v", got, want)
	}
	if !slices.Equal(got.Params, want.Params) {
		t.Errorf("params\n got: %+v\nwant: %+v", got.Params, want.Params)
	}
	if !slices.Equal(got.Actions, want.Actions) {
		t.Errorf("actions\n got: %+v\nwant: %+v", got.Actions, want.Actions)
	}
}

// TestDefaultsFilled checks the defaults each kind gets when the file names
// no verification and no timeout.
func TestDefaultsFilled(t *testing.T) {
	var b strings.Builder
	b.WriteString("id: fill\ntitle: Defaults\ncommand: fill\nparams:\n  - name: service\nactions:\n")
	for _, k := range Kinds() {
		b.WriteString("  - kind: " + string(k) + "\n")
		switch k {
		case ComposeUp, ComposeDown, ComposePs:
			b.WriteString("    host: workstation\n    file: /opt/c.yml\n")
		default:
			b.WriteString("    target: ${service}\n")
		}
		if !k.ReadOnly() {
			b.WriteString("    confirm: Go.\n")
		}
	}
	rbs, err := loadOne(t, "fill.yaml", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	want := map[Kind]Verify{
		ContainerRestart: VerifyRunning, ContainerStart: VerifyRunning, ComposeRecreate: VerifyRunning, ComposeUp: VerifyRunning,
		ContainerStop: VerifyGone, ComposeDown: VerifyGone,
		ComposePs: VerifyNone, ImageExists: VerifyNone,
	}
	if got := rbs[0].Params[0].Pattern; got != DefaultPattern {
		t.Errorf("pattern = %q, want %q", got, DefaultPattern)
	}
	for _, a := range rbs[0].Actions {
		if a.Verify != want[a.Kind] {
			t.Errorf("%s: verify = %q, want %q", a.Kind, a.Verify, want[a.Kind])
		}
		if a.Verify != a.Kind.DefaultVerify() || a.Verify != a.Kind.Verifies()[0] {
			t.Errorf("%s: DefaultVerify and Verifies disagree", a.Kind)
		}
		if a.Timeout != DefaultTimeout {
			t.Errorf("%s: timeout = %s, want %s", a.Kind, a.Timeout, DefaultTimeout)
		}
		if a.ReadOnly != (a.Kind == ComposePs || a.Kind == ImageExists) {
			t.Errorf("%s: ReadOnly = %v", a.Kind, a.ReadOnly)
		}
	}
}

// TestOverride loads a user directory whose recreate.yaml replaces the
// embedded runbook of that id, and which adds one; other files are ignored.
func TestOverride(t *testing.T) {
	defaults, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	rbs, err := Load(filepath.Join("testdata", "override"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range rbs {
		ids = append(ids, r.ID)
	}
	wantIDs := []string{"n8n-restart", "opencut-off", "opencut-on", "opencut-status", "palais-restart", "recreate", "restart"}
	if !slices.Equal(ids, wantIDs) {
		t.Fatalf("ids = %v, want %v", ids, wantIDs)
	}
	r, _ := ByID(rbs, "recreate")
	if r.Source != "recreate.yaml" || r.Title != "Force-recreate a compose service (site version)" || r.Actions[0].Timeout != 10*time.Minute {
		t.Errorf("recreate not replaced: %+v", r)
	}
	if d, _ := ByID(defaults, "recreate"); d.Version == r.Version {
		t.Errorf("the replacement has the default's version %s", r.Version)
	}
	if n, _ := ByID(rbs, "n8n-restart"); n.Source != "n8n-restart.yml" {
		t.Errorf("n8n-restart source = %q", n.Source)
	}
	for _, id := range []string{"restart", "opencut-on"} {
		a, _ := ByID(rbs, id)
		b, _ := ByID(defaults, id)
		if a.Version != b.Version || a.Source != b.Source {
			t.Errorf("%s changed by the user directory: %+v", id, a)
		}
	}
}

// TestDuplicateUserID: two user files may not define the same id, even one
// that replaces a default.
func TestDuplicateUserID(t *testing.T) {
	_, err := Load(filepath.Join("testdata", "duplicate"))
	got := problemLines(t, err)
	want := []string{`b.yaml:1: id: "recreate" defined twice (a.yaml and b.yaml)`}
	if !slices.Equal(got, want) {
		t.Errorf("problems\n got: %q\nwant: %q", got, want)
	}
}

// TestDuplicateDefaultID: two embedded runbooks with one id are a mistake
// too, not a replacement.
func TestDuplicateDefaultID(t *testing.T) {
	rb := []byte("id: twin\ntitle: Twin\nsections: [\"40.4\"]\nactions:\n  - kind: container.restart\n    target: palais\n    confirm: Restart palais.\n")
	defaults := fstest.MapFS{"defaults/a.yaml": {Data: rb}, "defaults/b.yaml": {Data: rb}}
	_, err := LoadOptions{}.load(defaults, nil)
	got := problemLines(t, err)
	want := []string{`defaults/b.yaml:1: id: "twin" defined twice (defaults/a.yaml and defaults/b.yaml)`}
	if !slices.Equal(got, want) {
		t.Errorf("problems\n got: %q\nwant: %q", got, want)
	}
}

// TestCommandConflictWithDefault: a user runbook may not take the command
// of an embedded one it does not replace.
func TestCommandConflictWithDefault(t *testing.T) {
	dir := t.TempDir()
	rb := "id: bounce\ntitle: Bounce\ncommand: restart\nactions:\n  - kind: container.restart\n    target: palais\n    confirm: Restart palais.\n"
	if err := os.WriteFile(filepath.Join(dir, "bounce.yaml"), []byte(rb), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(dir)
	got := problemLines(t, err)
	want := []string{`bounce.yaml:3: command: "restart" is also the command of restart (defaults/restart.yaml)`}
	if !slices.Equal(got, want) {
		t.Errorf("problems\n got: %q\nwant: %q", got, want)
	}
}

// TestProblemsSortedAcrossFiles: problems come file by file, defaults
// first, then in line order.
func TestProblemsSortedAcrossFiles(t *testing.T) {
	bad := "id: B\ntitle: x\ncommand: x\nactions:\n  - kind: nope\n"
	user := fstest.MapFS{
		"b.yaml": {Data: []byte(strings.Replace(bad, "command: x", "command: y", 1))},
		"a.yaml": {Data: []byte(bad)},
	}
	_, err := LoadOptions{}.load(fstest.MapFS{}, user)
	got := problemLines(t, err)
	var files []string
	for _, g := range got {
		f, _, _ := strings.Cut(g, ":")
		files = append(files, f)
	}
	if !slices.IsSorted(files) || len(got) != 4 {
		t.Errorf("problems not sorted by file:\n%s", strings.Join(got, "\n"))
	}
}

func TestLoadDirErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "runbook.yaml")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing")
	tests := []struct{ dir, want string }{
		{missing, "runbooks dir " + missing + ": no such directory"},
		{file, "runbooks dir " + file + ": not a directory"},
	}
	for _, tt := range tests {
		rbs, err := Load(tt.dir)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Load(%q) = %d runbooks, %v; want error %q", tt.dir, len(rbs), err, tt.want)
		}
	}
}

func TestEmptyUserDir(t *testing.T) {
	a, err := Load(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) {
		t.Errorf("an empty user dir changed the runbooks: %d, want %d", len(a), len(b))
	}
}

func TestProblemString(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{File: "x.yaml", Line: 3, Key: "id", Message: "required"}, "x.yaml:3: id: required"},
		{Problem{File: "x.yaml", Line: 3, Message: "did not find expected key"}, "x.yaml:3: did not find expected key"},
		{Problem{File: "x.yaml", Message: "holds no runbook"}, "x.yaml: holds no runbook"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

// TestProblemsAreOneLine: a value with a line break, or a very long one,
// cannot break the one-problem-per-line promise.
func TestProblemsAreOneLine(t *testing.T) {
	data := "id: \"a\\nb\"\ntitle: t\ncommand: c\nactions:\n  - kind: \"" + strings.Repeat("x", 500) + "\\nexec\"\n"
	_, err := loadOne(t, "x.yaml", []byte(data))
	for _, line := range problemLines(t, err) {
		if strings.ContainsAny(line, "\r\n") || len(line) > 300 {
			t.Errorf("problem is not one short line: %q", line)
		}
	}
}

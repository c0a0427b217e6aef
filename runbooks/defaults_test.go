package runbooks_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"vigie/knowledge"
	"vigie/runbooks"
)

// TestDefaults loads the embedded runbooks against the embedded corpus, so a
// runbook naming a section the corpus lost fails here rather than at start.
func TestDefaults(t *testing.T) {
	sections, err := knowledge.Parse(knowledge.DefaultCorpusName, knowledge.DefaultCorpus)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, s := range sections {
		ids[s.ID] = true
	}
	rbs, err := runbooks.LoadOptions{SectionExists: func(id string) bool { return ids[id] }}.Load("")
	if err != nil {
		t.Fatal(err)
	}

	var got []string
	for _, r := range rbs {
		got = append(got, r.ID)
	}
	want := []string{"opencut-off", "opencut-on", "opencut-status", "palais-restart", "recreate", "restart"}
	if !slices.Equal(got, want) {
		t.Fatalf("ids = %v, want %v (sorted)", got, want)
	}

	for _, r := range rbs {
		data, err := os.ReadFile(filepath.FromSlash(r.Source))
		if err != nil {
			t.Fatalf("%s: source %q: %v", r.ID, r.Source, err)
		}
		sum := sha256.Sum256(data)
		if v := hex.EncodeToString(sum[:])[:12]; r.Version != v {
			t.Errorf("%s: version %q, want %q", r.ID, r.Version, v)
		}
		for _, a := range r.Actions {
			if !a.ReadOnly && a.Confirm == "" {
				t.Errorf("%s: %s without a confirmation", r.ID, a.Kind)
			}
		}
	}

	byID := func(id string) runbooks.Runbook {
		r, _ := runbooks.ByID(rbs, id)
		return r
	}

	recreate := byID("recreate")
	if recreate.Command != "recreate" || !slices.Equal(recreate.Sections, []string{"41.2", "11.18", "41.1"}) ||
		len(recreate.Actions) != 1 || recreate.Actions[0].Kind != runbooks.ComposeRecreate || recreate.Actions[0].Target != "${service}" {
		t.Errorf("recreate = %+v", recreate)
	}
	if p, ok := recreate.Param("service"); !ok || !p.Required || p.Infer != runbooks.InferService || p.Pattern != runbooks.DefaultPattern {
		t.Errorf("recreate's service parameter = %+v", p)
	}

	restart := byID("restart")
	if restart.Command != "restart" || !slices.Contains(restart.Sections, "40.4") || restart.Actions[0].Kind != runbooks.ContainerRestart {
		t.Errorf("restart = %+v", restart)
	}
	// 11.18: an operator must not take restart for the fix of a stale env file.
	if !strings.Contains(restart.Title, "NOT reload env files") {
		t.Errorf("restart's title %q does not warn that env files are not reloaded", restart.Title)
	}

	palais := byID("palais-restart")
	if !slices.Equal(palais.Sections, []string{"40.4"}) || len(palais.Params) != 0 ||
		palais.Actions[0].Kind != runbooks.ContainerRestart || palais.Actions[0].Target != "palais" {
		t.Errorf("palais-restart = %+v", palais)
	}

	const file = "/opt/workstation/docker-compose-opencut.yml"
	for _, tt := range []struct {
		id, sub string
		kind    runbooks.Kind
		verify  runbooks.Verify
	}{
		{"opencut-on", "on", runbooks.ComposeUp, runbooks.VerifyRunning},
		{"opencut-off", "off", runbooks.ComposeDown, runbooks.VerifyGone},
		{"opencut-status", "status", runbooks.ComposePs, runbooks.VerifyNone},
	} {
		r := byID(tt.id)
		if r.Command != "opencut" || r.Subcommand != tt.sub || !slices.Equal(r.Sections, []string{"0.13"}) || len(r.Actions) != 1 {
			t.Errorf("%s = %+v", tt.id, r)
			continue
		}
		a := r.Actions[0]
		if a.Kind != tt.kind || a.Host != "workstation" || a.File != file || a.Verify != tt.verify {
			t.Errorf("%s action = %+v", tt.id, a)
		}
	}
	if !byID("opencut-status").ReadOnly() || byID("opencut-on").ReadOnly() {
		t.Error("only opencut-status is read-only")
	}
}

// TestDefaultFilesAllLoaded: every file under defaults/ gives at least one
// runbook, so a file cannot be shipped and silently ignored.
func TestDefaultFilesAllLoaded(t *testing.T) {
	rbs, err := runbooks.Load("")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join("defaults", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !slices.ContainsFunc(rbs, func(r runbooks.Runbook) bool { return r.Source == filepath.ToSlash(f) }) {
			t.Errorf("%s: no runbook loaded from it (only *.yaml are embedded)", f)
		}
	}
}

package runbooks

import (
	"errors"
	"maps"
	"slices"
	"testing"
	"time"
)

func mustLoad(t *testing.T) []Runbook {
	t.Helper()
	rbs, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	return rbs
}

func mustByID(t *testing.T, rbs []Runbook, id string) Runbook {
	t.Helper()
	r, ok := ByID(rbs, id)
	if !ok {
		t.Fatalf("no runbook %q", id)
	}
	return r
}

func TestRenderRecreate(t *testing.T) {
	r := mustByID(t, mustLoad(t), "recreate")
	plan, err := r.Render(map[string]string{"service": "nocodb"})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Runbook != "recreate" || plan.Version != r.Version || plan.Title != r.Title || plan.ReadOnly() {
		t.Errorf("plan = %+v", plan)
	}
	if !maps.Equal(plan.Params, map[string]string{"service": "nocodb"}) {
		t.Errorf("params = %v", plan.Params)
	}
	want := []Step{{
		Kind:    ComposeRecreate,
		Target:  "nocodb",
		Confirm: "Recreate nocodb with compose up -d --force-recreate --no-deps, so that it rereads its env_file. It is down for a few seconds.",
		Verify:  VerifyRunning,
		Timeout: 3 * time.Minute,
	}}
	if !slices.Equal(plan.Steps, want) {
		t.Errorf("steps\n got: %+v\nwant: %+v", plan.Steps, want)
	}
}

func TestRenderOpenCut(t *testing.T) {
	rbs := mustLoad(t)
	on, err := mustByID(t, rbs, "opencut-on").Render(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Step{
		Kind: ComposeUp, Host: "workstation", File: "/opt/workstation/docker-compose-opencut.yml",
		Confirm: "Start OpenCut on workstation (compose up -d of /opt/workstation/docker-compose-opencut.yml).",
		Verify:  VerifyRunning, Timeout: 5 * time.Minute,
	}
	if len(on.Steps) != 1 || on.Steps[0] != want || on.ReadOnly() {
		t.Errorf("opencut-on steps\n got: %+v\nwant: [%+v]", on.Steps, want)
	}
	status, err := mustByID(t, rbs, "opencut-status").Render(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if !status.ReadOnly() || status.Steps[0].Kind != ComposePs {
		t.Errorf("opencut-status plan = %+v, want a read-only compose.ps", status)
	}
}

func TestRenderErrors(t *testing.T) {
	rbs := mustLoad(t)
	recreate := mustByID(t, rbs, "recreate")
	permissive := Runbook{
		ID:     "permissive",
		Params: []Param{{Name: "service", Required: true, Pattern: ".*"}, {Name: "file", Pattern: ".*"}},
		Actions: []Action{
			{Kind: ContainerRestart, Target: "${service}", Confirm: "Restart ${service}."},
			{Kind: ComposeUp, Host: "workstation", File: "/opt/${file}.yml", Confirm: "Up."},
		},
	}
	unanchored := Runbook{
		ID:      "unanchored",
		Params:  []Param{{Name: "service", Required: true, Pattern: "[a-z]+"}},
		Actions: []Action{{Kind: ContainerRestart, Target: "${service}"}},
	}
	tests := []struct {
		name   string
		rb     Runbook
		params map[string]string
		want   string
	}{
		{"missing", recreate, nil, `parameter service: required`},
		{"empty", recreate, map[string]string{"service": ""}, `parameter service: required`},
		{"semicolon", recreate, map[string]string{"service": "x;rm"}, `parameter service: "x;rm" does not match ^[a-z0-9][a-z0-9_.-]*$`},
		{"and", recreate, map[string]string{"service": "nocodb && reboot"}, `parameter service: "nocodb && reboot" does not match ^[a-z0-9][a-z0-9_.-]*$`},
		{"substitution", recreate, map[string]string{"service": "$(reboot)"}, `parameter service: "$(reboot)" does not match ^[a-z0-9][a-z0-9_.-]*$`},
		{"backtick", recreate, map[string]string{"service": "`id`"}, "parameter service: \"`id`\" does not match ^[a-z0-9][a-z0-9_.-]*$"},
		{"pipe", recreate, map[string]string{"service": "a|b"}, `parameter service: "a|b" does not match ^[a-z0-9][a-z0-9_.-]*$`},
		{"newline", recreate, map[string]string{"service": "nocodb\nreboot"}, `parameter service: "nocodb\nreboot" does not match ^[a-z0-9][a-z0-9_.-]*$`},
		{"upper", recreate, map[string]string{"service": "NocoDB"}, `parameter service: "NocoDB" does not match ^[a-z0-9][a-z0-9_.-]*$`},
		{"unknown", recreate, map[string]string{"service": "nocodb", "host": "prod"}, `unknown parameter "host" (runbook recreate takes service)`},
		{"none taken", mustByID(t, rbs, "opencut-on"), map[string]string{"service": "x"}, `unknown parameter "service" (runbook opencut-on takes none)`},
		{"unanchored", unanchored, map[string]string{"service": "nocodb;rm"}, `parameter service: "nocodb;rm" does not match [a-z]+`},
		{"permissive pattern, shell", permissive, map[string]string{"service": "nocodb; reboot"}, `actions[0].target: "nocodb; reboot" looks like a shell command; runbooks run no shell`},
		{"permissive pattern, path", permissive, map[string]string{"service": "nocodb", "file": "../etc/x"}, `actions[1].file: "/opt/../etc/x.yml" must not contain ".."`},
		{"permissive pattern, empty", permissive, map[string]string{"service": "nocodb", "file": ""}, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := tt.rb.Render(tt.params)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Render: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Render = %+v, want error %q", plan, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tt.want)
			}
			var re *RenderError
			if !errors.As(err, &re) || re.Runbook != tt.rb.ID {
				t.Errorf("error %T is not a *RenderError of %s", err, tt.rb.ID)
			}
			if len(plan.Steps) != 0 {
				t.Errorf("a plan came with the error: %+v", plan)
			}
		})
	}
}

func TestRenderAllProblems(t *testing.T) {
	r := Runbook{
		ID: "two",
		Params: []Param{
			{Name: "a", Required: true},
			{Name: "b", Required: true},
		},
		Actions: []Action{{Kind: ContainerRestart, Target: "${a}"}, {Kind: ContainerRestart, Target: "${b}"}},
	}
	_, err := r.Render(map[string]string{"b": "B"})
	want := `parameter a: required; parameter b: "B" does not match ^[a-z0-9][a-z0-9_.-]*$`
	if err == nil || err.Error() != want {
		t.Errorf("Render error = %v, want %q", err, want)
	}
}

func TestForSection(t *testing.T) {
	rbs := mustLoad(t)
	tests := []struct {
		section string
		want    []string
	}{
		{"41.2", []string{"recreate"}},
		{"11.18", []string{"recreate"}},
		{"41.1", []string{"recreate"}},
		{"40.4", []string{"palais-restart", "restart"}},
		{"0.13", []string{"opencut-off", "opencut-on", "opencut-status"}},
		{"41", nil},
		{"99.1", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, r := range ForSection(rbs, tt.section) {
			got = append(got, r.ID)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("ForSection(%q) = %v, want %v", tt.section, got, tt.want)
		}
	}
}

func TestForCommand(t *testing.T) {
	rbs := mustLoad(t)
	tests := []struct {
		command, sub string
		want         string
	}{
		{"recreate", "", "recreate"},
		{"restart", "", "restart"},
		{"opencut", "on", "opencut-on"},
		{"opencut", "off", "opencut-off"},
		{"opencut", "status", "opencut-status"},
		{"opencut", "", ""},
		{"opencut", "reboot", ""},
		{"recreate", "now", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		r, ok := ForCommand(rbs, tt.command, tt.sub)
		if ok != (tt.want != "") || r.ID != tt.want {
			t.Errorf("ForCommand(%q, %q) = %q, %v; want %q", tt.command, tt.sub, r.ID, ok, tt.want)
		}
	}
	if got, want := Subcommands(rbs, "opencut"), []string{"off", "on", "status"}; !slices.Equal(got, want) {
		t.Errorf("Subcommands(opencut) = %v, want %v", got, want)
	}
	if got := Subcommands(rbs, "recreate"); got != nil {
		t.Errorf("Subcommands(recreate) = %v, want none", got)
	}
}

func TestKinds(t *testing.T) {
	for _, k := range Kinds() {
		if !k.Valid() {
			t.Errorf("%s is not Valid", k)
		}
		if k.DefaultVerify() == "" || !slices.Contains(Verifies(), k.DefaultVerify()) {
			t.Errorf("%s has no default verification", k)
		}
	}
	for _, k := range []Kind{"", "exec", "shell", "Container.Restart"} {
		if k.Valid() || k.DefaultVerify() != "" || k.Verifies() != nil {
			t.Errorf("%q is a kind", k)
		}
	}
}

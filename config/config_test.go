package config

import (
	"os"
	"reflect"
	"testing"
)

func TestDockerHosts(t *testing.T) {
	local := func(endpoint string) []Host {
		return []Host{{Name: DefaultHostName, Endpoint: endpoint}}
	}

	unsetEnv(t, EnvDockerHost)
	if got, want := Default().DockerHosts(), local(DefaultDockerEndpoint); !reflect.DeepEqual(got, want) {
		t.Errorf("without %s: %+v, want %+v", EnvDockerHost, got, want)
	}

	t.Setenv(EnvDockerHost, "")
	if got, want := Default().DockerHosts(), local(DefaultDockerEndpoint); !reflect.DeepEqual(got, want) {
		t.Errorf("with %s empty: %+v, want %+v", EnvDockerHost, got, want)
	}

	t.Setenv(EnvDockerHost, "tcp://10.0.0.5:2375")
	if got, want := Default().DockerHosts(), local("tcp://10.0.0.5:2375"); !reflect.DeepEqual(got, want) {
		t.Errorf("with %s set: %+v, want %+v", EnvDockerHost, got, want)
	}

	// Configured hosts win over the environment, and the caller gets its
	// own slice.
	cfg := Default()
	cfg.Hosts = []Host{
		{Name: "prod", Endpoint: "unix:///run/docker.sock"},
		{Name: "pi", Endpoint: "ssh://vigie@pi"},
	}
	got := cfg.DockerHosts()
	if !reflect.DeepEqual(got, cfg.Hosts) {
		t.Fatalf("with hosts: %+v, want %+v", got, cfg.Hosts)
	}
	got[0].Name = "changed"
	if cfg.Hosts[0].Name != "prod" {
		t.Errorf("DockerHosts returned the config's own slice")
	}

	// An explicit empty list is the same as none.
	cfg.Hosts = []Host{}
	if got, want := cfg.DockerHosts(), local("tcp://10.0.0.5:2375"); !reflect.DeepEqual(got, want) {
		t.Errorf("with hosts: []: %+v, want %+v", got, want)
	}
}

// TestDefaultHostIsValid checks that the host DockerHosts makes up passes
// the rules a configured host must pass.
func TestDefaultHostIsValid(t *testing.T) {
	unsetEnv(t, EnvDockerHost)
	cfg := Default()
	cfg.Hosts = cfg.DockerHosts()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestSuggestInLists checks that a misspelt key inside a list item, or a
// key put in the wrong section, gets a suggestion like any other.
func TestSuggestInLists(t *testing.T) {
	clearEnv(t)
	tests := []struct{ text, want string }{
		{"hosts:\n  - name: a\n    tls:\n      cret: x\n", `c.yaml:4: unknown key "hosts[0].tls.cret" (did you mean "cert"?)`},
		{"hosts:\n  - name: a\n  - name: b\n    timeout: 1s\n", `c.yaml:4: unknown key "hosts[1].timeout" (did you mean "checks.timeout"?)`},
		{"host: []\n", `c.yaml:1: unknown key "host" (did you mean "hosts"?)`},
		{"hosts:\n  - name: a\n    tls: true\n", `c.yaml:3: hosts[0].tls: expected a mapping, got true`},
	}
	for _, tt := range tests {
		_, err := parse("c.yaml", []byte(tt.text), os.LookupEnv)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%q:\n got: %v\nwant: %s", tt.text, err, tt.want)
		}
	}
	if got := withoutIndexes("hosts[12].tls"); got != "hosts[].tls" {
		t.Errorf("withoutIndexes = %q", got)
	}
}

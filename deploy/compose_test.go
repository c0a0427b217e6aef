package deploy_test

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"vigie/config"
)

// service is what the tests read of a service in `compose config` output.
type service struct {
	User        string                  `yaml:"user"`
	GroupAdd    []string                `yaml:"group_add"`
	ReadOnly    bool                    `yaml:"read_only"`
	CapDrop     []string                `yaml:"cap_drop"`
	CapAdd      []string                `yaml:"cap_add"`
	SecurityOpt []string                `yaml:"security_opt"`
	Tmpfs       []string                `yaml:"tmpfs"`
	Ports       []any                   `yaml:"ports"`
	Networks    map[string]any          `yaml:"networks"`
	Volumes     []any                   `yaml:"volumes"`
	Environment map[string]*string      `yaml:"environment"`
	Healthcheck struct{ Test []string } `yaml:"healthcheck"`
}

// composeConfig validates a snippet with the compose tool present here
// (docker-compose v1.29, or docker compose v2) and returns its resolved
// services.
func composeConfig(t *testing.T, file string, env ...string) (map[string]service, string, error) {
	t.Helper()
	name, args := "docker-compose", []string{"-p", "vigietest", "-f", file}
	if _, err := exec.LookPath(name); err != nil {
		if _, err := exec.LookPath("docker"); err != nil {
			t.Skip("no compose tool")
		}
		name, args = "docker", append([]string{"compose"}, args...)
	}
	q := exec.Command(name, append(args, "config", "-q")...)
	q.Env = append(os.Environ(), env...)
	if out, err := q.CombinedOutput(); err != nil {
		return nil, string(out), err
	}
	c := exec.Command(name, append(args, "config")...)
	c.Env = q.Env
	out, err := c.Output()
	if err != nil {
		t.Fatalf("%s config: %v", name, err)
	}
	var doc struct {
		Services map[string]service `yaml:"services"`
	}
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("compose config output: %v\n%s", err, out)
	}
	return doc.Services, string(out), nil
}

// checkConventions checks vigie's service against the stack's rules.
func checkConventions(t *testing.T, s service) {
	t.Helper()
	if s.User != "65532:65532" {
		t.Errorf("user %q", s.User)
	}
	if !s.ReadOnly {
		t.Error("read_only is not true")
	}
	if !slices.Equal(s.CapDrop, []string{"ALL"}) || len(s.CapAdd) > 0 {
		t.Errorf("cap_drop %v cap_add %v, want [ALL] and none", s.CapDrop, s.CapAdd)
	}
	if !slices.ContainsFunc(s.SecurityOpt, func(o string) bool { return strings.HasPrefix(o, "no-new-privileges") }) {
		t.Errorf("security_opt %v", s.SecurityOpt)
	}
	if !slices.ContainsFunc(s.Tmpfs, func(o string) bool { return strings.HasPrefix(o, "/tmp") }) {
		t.Errorf("tmpfs %v, want /tmp", s.Tmpfs)
	}
	if len(s.Ports) > 0 {
		t.Errorf("ports %v: vigie publishes none", s.Ports)
	}
	if !slices.Equal(s.Healthcheck.Test, []string{"CMD", "/vigie", "healthcheck"}) {
		t.Errorf("healthcheck %v", s.Healthcheck.Test)
	}
	for _, n := range []string{"egress", "backend", "monitoring"} {
		if _, ok := s.Networks[n]; !ok {
			t.Errorf("not on network %s", n)
		}
	}
	if v := s.Environment["TELEGRAM_BOT_TOKEN"]; v == nil || *v != "123456:snippet-token" {
		t.Errorf("TELEGRAM_BOT_TOKEN not from the environment: %v", v)
	}
}

func TestComposeSnippetDirectSocket(t *testing.T) {
	env := []string{"DOCKER_GID=989", "TELEGRAM_BOT_TOKEN=123456:snippet-token", "COMPOSE_PROJECT_NAME="}
	svcs, out, err := composeConfig(t, "docker-compose.vigie.yml", env...)
	if err != nil {
		t.Fatalf("the snippet does not validate: %v\n%s", err, out)
	}
	s := svcs["vigie"]
	checkConventions(t, s)
	if !slices.Equal(s.GroupAdd, []string{"989"}) {
		t.Errorf("group_add %v, want the socket's GID [989] (§11.13)", s.GroupAdd)
	}
	if !strings.Contains(out, "/var/run/docker.sock:/var/run/docker.sock:ro") {
		t.Error("the socket is not mounted read-only")
	}
	if !strings.Contains(out, "name: javisi_backend") {
		t.Errorf("external networks are not the javisi ones:\n%s", out)
	}
	// Without DOCKER_GID, compose refuses and says what to set.
	_, msg, err := composeConfig(t, "docker-compose.vigie.yml", "TELEGRAM_BOT_TOKEN=x", "DOCKER_GID=")
	if err == nil || !strings.Contains(msg, "stat -c %g /var/run/docker.sock") {
		t.Errorf("without DOCKER_GID: %v %s", err, msg)
	}
}

func TestComposeSnippetProxy(t *testing.T) {
	svcs, out, err := composeConfig(t, "docker-compose.vigie-proxy.yml", "TELEGRAM_BOT_TOKEN=123456:snippet-token")
	if err != nil {
		t.Fatalf("the snippet does not validate: %v\n%s", err, out)
	}
	v := svcs["vigie"]
	checkConventions(t, v)
	if len(v.GroupAdd) > 0 || strings.Contains(strings.Join(toStrings(v.Volumes), " "), "docker.sock") {
		t.Errorf("vigie behind the proxy mounts the socket or adds its group: %v %v", v.Volumes, v.GroupAdd)
	}
	if _, ok := v.Networks["docker-api"]; !ok {
		t.Error("vigie is not on the proxy's network")
	}
	p := svcs["docker-socket-proxy"]
	if !p.ReadOnly || !slices.Equal(p.CapDrop, []string{"ALL"}) || len(p.Ports) > 0 {
		t.Errorf("proxy: read_only %v cap_drop %v ports %v", p.ReadOnly, p.CapDrop, p.Ports)
	}
	if slices.Contains(p.Healthcheck.Test, "localhost") || !strings.Contains(strings.Join(p.Healthcheck.Test, " "), "127.0.0.1") {
		t.Errorf("proxy healthcheck %v (§2.1: 127.0.0.1)", p.Healthcheck.Test)
	}
	// Read-only use and container actions on; every other write off.
	want := map[string]string{"CONTAINERS": "1", "IMAGES": "1", "EVENTS": "1", "PING": "1", "ALLOW_RESTARTS": "1", "ALLOW_START": "1", "ALLOW_STOP": "1",
		"POST": "0", "EXEC": "0", "BUILD": "0", "VOLUMES": "0", "NETWORKS": "0", "SWARM": "0"}
	for k, w := range want {
		if got := p.Environment[k]; got == nil || *got != w {
			t.Errorf("proxy %s = %v, want %s", k, got, w)
		}
	}
	if !strings.Contains(out, "internal: true") {
		t.Error("the proxy's network is not internal")
	}
}

func toStrings(v []any) []string {
	var out []string
	for _, x := range v {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// deploy/config.yaml loads and validates as vigie run would read it, with
// the two hosts of the stack.
func TestDeployConfig(t *testing.T) {
	t.Setenv("VIGIE_CHAT_ID", "-1001234567890")
	t.Setenv("VIGIE_OPERATOR_ID", "123456789")
	t.Setenv("TELEGRAM_BOT_TOKEN", "123456:deploy-config-token")
	cfg, err := config.Load("config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.ValidateBot(); err != nil {
		t.Fatalf("ValidateBot:\n%v", err)
	}
	var names []string
	for _, h := range cfg.DockerHosts() {
		names = append(names, h.Name)
	}
	if !slices.Equal(names, []string{"local", "workstation"}) || cfg.HTTP.Listen != ":9464" || cfg.DataDir != "/data" {
		t.Errorf("hosts %v listen %q data_dir %q", names, cfg.HTTP.Listen, cfg.DataDir)
	}
}

package dockertest

import (
	"os/exec"
	"strings"
	"testing"
)

func TestDaemonRunsAndRestarts(t *testing.T) {
	d := StartDaemon(t)
	id := d.Docker(t, "run", "-d", "--restart", "unless-stopped", DaemonImage, "sleep", "600")
	if got := d.Docker(t, "ps", "-q", "--no-trunc"); !strings.Contains(got, id) {
		t.Fatalf("container %s not listed by the private engine: %q", id, got)
	}
	if main := Docker(t, "ps", "-aq", "--no-trunc"); strings.Contains(main, id) {
		t.Fatal("the private engine's container shows on the main engine")
	}
	d.Restart(t)
	if got := d.Docker(t, "inspect", "-f", "{{.State.Running}}", id); got != "true" {
		t.Fatalf("after a restart the unless-stopped container is running=%s", got)
	}
	// The main engine keeps its bridge network: a container there still
	// starts (a private dockerd outside its own namespace removed docker0).
	Docker(t, "run", "--rm", Image(t), "true")
}

// Through ServeTLS, the daemon answers to a client holding a certificate
// of the CA, and refuses one without.
func TestServeTLS(t *testing.T) {
	srv, cli := NewTLS(t)
	d := StartDaemon(t)
	host := ServeTLS(t, d, srv)
	if !strings.HasPrefix(host, "tcp://127.0.0.1:") {
		t.Fatalf("endpoint %q", host)
	}
	out, err := exec.Command("docker", "-H", host, "--tlsverify", "--tlscacert", cli.CA, "--tlscert", cli.Cert, "--tlskey", cli.Key, "version", "--format", "{{.Server.APIVersion}}").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Fatalf("with the client certificate: %v %s", err, out)
	}
	if out, err := exec.Command("docker", "-H", host, "--tlsverify", "--tlscacert", cli.CA, "version", "--format", "{{.Server.APIVersion}}").CombinedOutput(); err == nil {
		t.Fatalf("without a client certificate the daemon answered: %s", out)
	}
}

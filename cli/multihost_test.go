package cli

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vigie/internal/dockertest"
)

func writeConfig2(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

type hostStatus struct {
	Host       string `json:"host"`
	Error      string `json:"error"`
	Containers []struct {
		Name string `json:"name"`
	} `json:"containers"`
}

func statusJSONOf(t *testing.T, cfg string) ([]hostStatus, int) {
	t.Helper()
	out, errs, code := run(t, "", "status", "--json", "--config", cfg)
	var hs []hostStatus
	if err := json.Unmarshal([]byte(out), &hs); err != nil {
		t.Fatalf("status --json: %v\nstdout %s\nstderr %s", err, out, errs)
	}
	return hs, code
}

func hasContainer(h hostStatus, name string) bool {
	for _, c := range h.Containers {
		if c.Name == name {
			return true
		}
	}
	return false
}

// TestTwoHosts: the main engine as host local and a private dockerd as host
// workstation — reached over its unix socket, and over tcp:// with mutual
// TLS. /status lists the containers of both; with the workstation's engine
// stopped, it still answers within the per-host timeout, with local's
// containers and one line saying the workstation is unreachable.
func TestTwoHosts(t *testing.T) {
	dockertest.Need(t)
	srv, cli := dockertest.NewTLS(t)
	ws := dockertest.StartDaemon(t)
	tlsHost := dockertest.ServeTLS(t, ws, srv)
	suffix := fmt.Sprint(time.Now().UnixNano() % 1e9)
	wsName := "opencut-web-" + suffix
	ws.Docker(t, "run", "-d", "--name", wsName, dockertest.DaemonImage, "sleep", "600")
	localName := "vigie-local-" + suffix
	// --network none: this test needs no network (and docker0 may be gone
	// on a machine where a private dockerd ran in the host namespace).
	dockertest.Docker(t, "run", "-d", "--network", "none", "--name", localName, "--label", dockertest.Label+"=1", dockertest.Image(t), "sleep", "600")
	t.Cleanup(func() { dockertest.Docker(t, "rm", "-f", localName) })

	// A host that accepts connections and never answers: the timeout, not
	// the failure, is what bounds /status.
	hang := filepath.Join(t.TempDir(), "hang.sock")
	ln, err := net.Listen("unix", hang)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()

	const timeout = 3 * time.Second
	cases := []struct {
		name, endpoint, tls string
	}{
		{"unix", ws.Host, ""},
		{"tcp+TLS", tlsHost, fmt.Sprintf("    tls: {ca: %s, cert: %s, key: %s}\n", cli.CA, cli.Cert, cli.Key)},
	}
	cfgs := map[string]string{}
	for _, c := range cases {
		cfgs[c.name] = writeConfig2(t, fmt.Sprintf(`checks:
  timeout: %s
hosts:
  - name: local
    endpoint: unix:///var/run/docker.sock
  - name: workstation
    endpoint: %s
%s`, timeout, c.endpoint, c.tls))
	}

	for _, c := range cases {
		t.Run("up/"+c.name, func(t *testing.T) {
			hs, code := statusJSONOf(t, cfgs[c.name])
			if code != ExitOK || len(hs) != 2 || hs[0].Host != "local" || hs[1].Host != "workstation" {
				t.Fatalf("exit %d, hosts %+v", code, hs)
			}
			if !hasContainer(hs[0], localName) || hasContainer(hs[0], wsName) {
				t.Errorf("local: %+v", hs[0])
			}
			if hs[1].Error != "" || !hasContainer(hs[1], wsName) || len(hs[1].Containers) != 1 {
				t.Errorf("workstation: %+v", hs[1])
			}
			out, _, _ := run(t, "", "status", "--config", cfgs[c.name])
			if !strings.Contains(out, "✅ workstation — (no project) 1 up") || !strings.Contains(out, " local — ") || !strings.Contains(out, "on 2 hosts") {
				t.Errorf("status:\n%s", out)
			}
		})
	}

	// A TLS client without its certificate is refused, in one line naming
	// the host.
	t.Run("tcp+TLS without client certificate", func(t *testing.T) {
		cfg := writeConfig2(t, fmt.Sprintf("checks: {timeout: %s}\nhosts:\n  - {name: local, endpoint: \"unix:///var/run/docker.sock\"}\n  - name: workstation\n    endpoint: %s\n    tls: {ca: %s}\n", timeout, tlsHost, cli.CA))
		hs, _ := statusJSONOf(t, cfg)
		if len(hs) != 2 || !hasContainer(hs[0], localName) || !strings.HasPrefix(hs[1].Error, "host workstation ("+tlsHost+"): ") || len(hs[1].Containers) > 0 {
			t.Errorf("%+v", hs)
		}
	})

	ws.Stop(t)
	for _, c := range cases {
		t.Run("workstation down/"+c.name, func(t *testing.T) {
			start := time.Now()
			out, errs, code := run(t, "", "status", "--config", cfgs[c.name])
			took := time.Since(start)
			if took > timeout+2*time.Second {
				t.Errorf("/status took %s with the workstation down (timeout %s)", took, timeout)
			}
			if code != ExitFailure {
				t.Errorf("exit %d", code)
			}
			var down []string
			for _, l := range strings.Split(out, "\n") {
				if strings.Contains(l, "workstation") {
					down = append(down, l)
				}
			}
			if len(down) != 1 || !strings.HasPrefix(down[0], "🚫 host workstation (") || !strings.Contains(out, " local — ") {
				t.Errorf("status with the workstation down (%s):\n%s\nstderr %s", took, out, errs)
			}
			t.Logf("%s in %s: %s", c.name, took.Round(time.Millisecond), down)
			hs, _ := statusJSONOf(t, cfgs[c.name])
			if !hasContainer(hs[0], localName) || hs[1].Error == "" {
				t.Errorf("json: %+v", hs)
			}
		})
	}

	t.Run("workstation hangs", func(t *testing.T) {
		cfg := writeConfig2(t, fmt.Sprintf("checks: {timeout: %s}\nhosts:\n  - {name: local, endpoint: \"unix:///var/run/docker.sock\"}\n  - {name: workstation, endpoint: \"unix://%s\"}\n", timeout, hang))
		start := time.Now()
		out, _, code := run(t, "", "status", "--config", cfg)
		took := time.Since(start)
		if took < timeout-time.Second || took > timeout+2*time.Second || code != ExitFailure {
			t.Errorf("took %s (timeout %s), exit %d", took, timeout, code)
		}
		if !strings.Contains(out, "🚫 host workstation (unix://"+hang+"): no answer in time") || !strings.Contains(out, " local — ") {
			t.Errorf("status with the workstation hanging:\n%s", out)
		}
		t.Logf("hang: %s", took.Round(time.Millisecond))
	})
}

package deploy_test

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"vigie/internal/dockertest"
	"vigie/internal/tgfake"
)

// runLabel marks what one test run creates, on top of dockertest.Label:
// the engine is shared with other tests, so cleanup removes only ours.
func runLabel(t *testing.T) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "vigie.test.run=" + hex.EncodeToString(b)
}

func cleanupByLabel(t *testing.T, label string) {
	t.Cleanup(func() {
		if ids, err := exec.Command("docker", "ps", "-aq", "--filter", "label="+label).Output(); err == nil {
			for _, id := range strings.Fields(string(ids)) {
				_ = exec.Command("docker", "rm", "-f", "-v", id).Run()
			}
		}
		if vols, err := exec.Command("docker", "volume", "ls", "-q", "--filter", "label="+label).Output(); err == nil {
			for _, v := range strings.Fields(string(vols)) {
				_ = exec.Command("docker", "volume", "rm", "-f", v).Run()
			}
		}
	})
}

// buildScratchImage compiles a static vigie and builds deploy/Dockerfile.scratch
// around it; the image is removed when the test ends.
func buildScratchImage(t *testing.T, label string) string {
	t.Helper()
	ctxDir := t.TempDir()
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X vigie/cli.Version=image-test", "-o", filepath.Join(ctxDir, "vigie"), "./cmd/vigie")
	build.Dir = ".."
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// Static: no interpreter, so it runs on an empty base.
	if out, err := exec.Command("file", filepath.Join(ctxDir, "vigie")).Output(); err == nil && !strings.Contains(string(out), "statically linked") {
		t.Fatalf("the binary is not static: %s", out)
	}
	if err := os.Mkdir(filepath.Join(ctxDir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, "/etc/ssl/certs/ca-certificates.crt", filepath.Join(ctxDir, "ca-certificates.crt"))
	copyFile(t, "Dockerfile.scratch", filepath.Join(ctxDir, "Dockerfile"))
	tag := "vigie-test/vigie:scratch-" + strings.TrimPrefix(label, "vigie.test.run=")
	dockertest.Docker(t, "build", "-q", "--label", dockertest.Label+"=1", "--label", label, "-t", tag, ctxDir)
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", "-f", tag).Run() })
	return tag
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func socketGID(t *testing.T) uint32 {
	t.Helper()
	st, err := os.Stat("/var/run/docker.sock")
	if err != nil {
		t.Fatal(err)
	}
	return st.Sys().(*syscall.Stat_t).Gid
}

// TestScratchImageHealthy builds the FROM-scratch image, runs `vigie run` in
// it the way deploy/docker-compose.vigie.yml does — non-root, read-only root
// filesystem, every capability dropped, no-new-privileges, the Docker socket
// with its group added — against the fake Bot API, and waits until Docker
// reports it healthy through the image's own HEALTHCHECK (`vigie
// healthcheck`, no curl or wget). Then /status answers through the socket,
// `vigie healthcheck` run by docker exec says why it is healthy, and an
// image started without a token stops at once saying what is missing.
func TestScratchImageHealthy(t *testing.T) {
	dockertest.Need(t)
	label := runLabel(t)
	cleanupByLabel(t, label)
	image := buildScratchImage(t, label)

	fake := tgfake.New(t, "")
	port := freePort(t)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`data_dir: /data
log:
  format: json
telegram:
  api_url: %s
  allowed_chats: [42]
  operators: [42]
http:
  listen: "127.0.0.1:%d"
`, fake.URL, port)
	cfgFile := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	vol := "vigie-test-data-" + strings.TrimPrefix(label, "vigie.test.run=")
	dockertest.Docker(t, "volume", "create", "--label", dockertest.Label+"=1", "--label", label, vol)

	started := time.Now()
	id := dockertest.Docker(t, "run", "-d",
		"--label", dockertest.Label+"=1", "--label", label,
		// The fake Bot API listens on the host's 127.0.0.1.
		"--network", "host",
		"--read-only", "--tmpfs", "/tmp",
		"--cap-drop", "ALL", "--security-opt", "no-new-privileges",
		"-v", vol+":/data",
		"-v", cfgFile+":/etc/vigie/config.yaml:ro",
		"-v", "/var/run/docker.sock:/var/run/docker.sock:ro",
		"--group-add", fmt.Sprint(socketGID(t)),
		"-e", "TELEGRAM_BOT_TOKEN="+fake.Token,
		"-e", "VIGIE_POLL_TIMEOUT=2s",
		// The image's HEALTHCHECK command, probed every second here.
		"--health-interval", "1s", "--health-timeout", "5s", "--health-retries", "3", "--health-start-period", "30s",
		image)

	inspect := func(format string) string {
		return dockertest.Docker(t, "inspect", "-f", format, id)
	}
	deadline := time.Now().Add(60 * time.Second)
	status := ""
	for time.Now().Before(deadline) {
		status = inspect("{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}")
		if status == "running healthy" || strings.HasPrefix(status, "exited") {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if status != "running healthy" {
		logs, _ := exec.Command("docker", "logs", "--tail", "30", id).CombinedOutput()
		probes := inspect("{{json .State.Health}}")
		t.Fatalf("container state %q after 60s\nprobes: %s\nlogs:\n%s", status, probes, logs)
	}
	t.Logf("healthy %s after docker run", time.Since(started).Round(100*time.Millisecond))
	if got := inspect("{{json .Config.Healthcheck.Test}}"); got != `["CMD","/vigie","healthcheck"]` {
		t.Errorf("image HEALTHCHECK %s", got)
	}
	if got := inspect("{{.Config.User}}"); got != "65532:65532" {
		t.Errorf("user %q, want 65532:65532", got)
	}
	// The probes Docker ran are vigie healthcheck's one line each.
	if probes := inspect("{{range .State.Health.Log}}{{.ExitCode}} {{.Output}}{{end}}"); !strings.Contains(probes, "0 healthy: bot ok (polling") {
		t.Errorf("probe outputs: %q", probes)
	}

	out := dockertest.Docker(t, "exec", id, "/vigie", "healthcheck")
	t.Logf("docker exec … /vigie healthcheck: %s", out)
	if !strings.HasPrefix(out, "healthy: bot ok (polling") || !strings.Contains(out, "corpus ok (") || !strings.Contains(out, "store ok (embedded (bbolt in /data))") {
		t.Errorf("vigie healthcheck in the container: %q", out)
	}
	if strings.Contains(out, fake.Token) {
		t.Error("the healthcheck printed the token")
	}

	// /status through the mounted socket, as a non-root user with the
	// socket's group (corpus §11.13): it lists this very container.
	fake.SendText(42, 42, "/status")
	var reply string
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if ms := fake.Messages(42); len(ms) > 0 {
			reply = ms[0].PlainText
			break
		}
	}
	if !strings.Contains(reply, "Stack status") || strings.Contains(reply, "permission denied") || strings.Contains(reply, "🚫") {
		t.Errorf("/status from the container: %q", reply)
	}

	// vigie's own checks find nothing to say about vigie deployed this way
	// (socket group, capabilities, healthcheck on 127.0.0.1, memory).
	name := strings.TrimPrefix(inspect("{{.Name}}"), "/")
	chk, err := exec.Command("docker", "exec", id, "/vigie", "check", name).CombinedOutput()
	t.Logf("vigie check %s (exit %v): %s", name, err, strings.TrimSpace(string(chk)))
	if err != nil {
		t.Errorf("vigie check finds something in its own deployment")
	}

	// The embedded store wrote into the named volume, as the image's user.
	if ls := dockertest.Docker(t, "run", "--rm", "--label", dockertest.Label+"=1", "--label", label, "--network", "none", "-v", vol+":/data", dockertest.Image(t), "ls", "-ln", "/data"); !strings.Contains(ls, "65532") {
		t.Errorf("/data in the volume: %q", ls)
	}

	// Without a token, `vigie run` stops at once and says what to set.
	cmd := exec.Command("docker", "run", "--rm", "--label", dockertest.Label+"=1", "--label", label, "--network", "none", "--read-only",
		"-v", cfgFile+":/etc/vigie/config.yaml:ro", image)
	b, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(b), "telegram.token: required (set TELEGRAM_BOT_TOKEN)") {
		t.Errorf("without a token: %v\n%s", err, b)
	}
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	lines := 0
	for sc.Scan() {
		lines++
	}
	if lines > 3 {
		t.Errorf("the missing token took %d lines to say:\n%s", lines, b)
	}
}

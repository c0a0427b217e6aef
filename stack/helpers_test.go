package stack_test

// Helpers of the integration tests: they talk to the local dockerd through
// the docker and docker-compose CLIs (fixtures only; the code under test uses
// the Go client), build the test image themselves and remove exactly what
// they created.

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"vigie/knowledge"
	"vigie/stack"
)

const (
	dockerSock     = "/var/run/docker.sock"
	dockerEndpoint = "unix://" + dockerSock

	// labelTest marks everything the tests create; labelRun marks what this
	// test binary created, so that leftovers of an interrupted run never
	// disturb the assertions.
	labelTest = "vigie.test"
	labelRun  = "vigie.test.run"
)

// runID names this run of the test binary.
var runID = randHex(4)

func randHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

var nonAlnum = regexp.MustCompile(`[^a-z0-9]+`)

// uniqueName returns a name for a fixture: "vt", a hint, and random hex.
// Only [a-z0-9], which compose v1 keeps as is in project names.
func uniqueName(hint string) string {
	h := nonAlnum.ReplaceAllString(strings.ToLower(hint), "")
	if len(h) > 16 {
		h = h[:16]
	}
	return "vt" + h + randHex(3)
}

var (
	pingOnce sync.Once
	pingErr  error
)

// needDocker skips the test when the Docker socket does not answer a ping,
// or fails it when VIGIE_INTEGRATION is set (CI must not skip silently).
func needDocker(tb testing.TB) {
	tb.Helper()
	pingOnce.Do(func() {
		pingErr = pingSocket(dockerSock)
		if pingErr == nil {
			for _, bin := range []string{"docker", "docker-compose"} {
				if _, err := exec.LookPath(bin); err != nil {
					pingErr = fmt.Errorf("%s not in PATH", bin)
				}
			}
		}
	})
	if pingErr == nil {
		return
	}
	if os.Getenv("VIGIE_INTEGRATION") != "" {
		tb.Fatalf("VIGIE_INTEGRATION is set but Docker is not usable: %v (run scripts/services.sh)", pingErr)
	}
	tb.Skipf("Docker not usable (%v); set VIGIE_INTEGRATION=1 to make this a failure", pingErr)
}

// pingSocket sends GET /_ping on a unix socket.
func pingSocket(path string) error {
	hc := &http.Client{
		Timeout: 3 * time.Second,
		Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}},
	}
	resp, err := hc.Get("http://docker/_ping")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: /_ping answered %s", path, resp.Status)
	}
	return nil
}

// cli runs a command (docker, docker-compose) against the local engine.
func cli(ctx context.Context, dir string, stdin []byte, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DOCKER_HOST="+dockerEndpoint, "COMPOSE_INTERACTIVE_NO_CLI=1")
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

// docker runs the docker CLI and fails the test on error.
func docker(tb testing.TB, args ...string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := cli(ctx, "", nil, "docker", args...)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// removeLabelled removes the containers, then networks and volumes, that
// carry every one of the given labels ("k=v"), and nothing else.
func removeLabelled(tb testing.TB, labels ...string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var filters []string
	for _, l := range labels {
		filters = append(filters, "--filter", "label="+l)
	}
	for _, kind := range []struct{ list, rm []string }{
		{[]string{"ps", "-aq"}, []string{"rm", "-f", "-v"}},
		{[]string{"network", "ls", "-q"}, []string{"network", "rm"}},
		{[]string{"volume", "ls", "-q"}, []string{"volume", "rm", "-f"}},
	} {
		out, err := cli(ctx, "", nil, "docker", append(kind.list, filters...)...)
		if err != nil {
			tb.Logf("cleanup: %v", err)
			continue
		}
		if ids := strings.Fields(out); len(ids) > 0 {
			if _, err := cli(ctx, "", nil, "docker", append(kind.rm, ids...)...); err != nil {
				tb.Logf("cleanup: %v", err)
			}
		}
	}
}

// The test image: a static busybox with applet links, a root and a node
// user. Built by `docker import` of a tar made here, once per test binary.
var (
	imageOnce sync.Once
	imageRef  string
	imageErr  error
)

// pgImage is the tag the PostgreSQL 18 test gives the busybox image: the
// check reads the major version from the image reference.
const pgImage = "vigie-test/postgres:18"

var applets = []string{"sh", "sleep", "echo", "cat", "wget", "id", "yes", "head", "dd", "tail", "kill", "true", "false", "env", "ls", "nc", "printf", "test"}

func testImage(tb testing.TB) string {
	tb.Helper()
	imageOnce.Do(func() { imageRef, imageErr = buildImage() })
	if imageErr != nil {
		tb.Fatalf("test image: %v", imageErr)
	}
	return imageRef
}

func buildImage() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return "", fmt.Errorf("a static /bin/busybox is needed (apt-get install busybox-static): %w", err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Unix(1700000000, 0)
	dir := func(name string, mode int64) error {
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, ModTime: mtime})
	}
	file := func(name string, mode int64, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data)), ModTime: mtime}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	steps := []func() error{
		func() error { return dir("bin", 0o755) },
		func() error { return dir("etc", 0o755) },
		func() error { return dir("tmp", 0o1777) },
		func() error { return dir("home", 0o755) },
		func() error { return dir("var", 0o755) },
		func() error { return dir("var/lib", 0o755) },
		func() error { return dir("var/run", 0o755) },
		func() error { return file("bin/busybox", 0o755, bb) },
		func() error {
			return file("etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n"))
		},
		func() error { return file("etc/group", 0o644, []byte("root:x:0:\nnode:x:1000:\n")) },
	}
	for _, a := range applets {
		steps = append(steps, func() error {
			return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: "bin/" + a, Linkname: "busybox", Mode: 0o777, ModTime: mtime})
		})
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return "", err
		}
	}
	if err := tw.Close(); err != nil {
		return "", err
	}
	sum := sha256.Sum256(buf.Bytes())
	ref := "vigie-test/busybox:" + hex.EncodeToString(sum[:])[:12]
	if _, err := cli(ctx, "", nil, "docker", "image", "inspect", "--format", "{{.Id}}", ref); err != nil {
		_, err := cli(ctx, "", buf.Bytes(), "docker", "import",
			"--change", "ENV PATH=/bin",
			"--change", `CMD ["sh"]`,
			"--change", "LABEL "+labelTest+"=1",
			"-", ref)
		if err != nil {
			return "", err
		}
	}
	if _, err := cli(ctx, "", nil, "docker", "tag", ref, pgImage); err != nil {
		return "", err
	}
	return ref, nil
}

// project is a compose v1 project made for one test.
type project struct {
	Name string
	Dir  string // where the compose file is
	File string // the compose file, absolute
}

// composeProject writes a compose file (and extra files) into a new
// directory and runs `docker-compose -p NAME -f FILE up -d` from runDir
// (relative to the project directory; "" = the project directory itself)
// with fileArg as the -f argument ("" = the absolute path). In the YAML,
// @IMAGE@ is the test image, @PGIMAGE@ its PostgreSQL 18 tag and @LABELS@
// the test labels as a flow mapping (for services, networks, volumes);
// the default network gets the labels too. Everything of the project is
// removed when the test ends.
func composeProject(t *testing.T, hint, yml string, files map[string]string, runDir, fileArg string) *project {
	t.Helper()
	img := testImage(t)
	name := uniqueName(hint)
	root := t.TempDir()
	dir := filepath.Join(root, "proj")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	labels := fmt.Sprintf(`{%s: "1", %s: %q}`, labelTest, labelRun, runID)
	yml = strings.NewReplacer("@IMAGE@", img, "@PGIMAGE@", pgImage, "@LABELS@", labels).Replace(yml)
	if !strings.Contains(yml, "\nnetworks:") {
		yml += fmt.Sprintf("networks:\n  default:\n    labels: %s\n", labels)
	}
	p := &project{Name: name, Dir: dir, File: filepath.Join(dir, "docker-compose.yml")}
	if err := os.WriteFile(p.File, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	for n, data := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if fileArg == "" {
		fileArg = p.File
	}
	cwd := dir
	if runDir != "" {
		cwd = filepath.Clean(filepath.Join(dir, runDir))
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		if _, err := cli(ctx, cwd, nil, "docker-compose", "-p", name, "-f", fileArg, "down", "-v", "--remove-orphans", "-t", "0"); err != nil {
			t.Logf("cleanup: %v", err)
		}
		// Whatever compose left: only what carries this project's label.
		removeLabelled(t, labelTest+"=1", "com.docker.compose.project="+name)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := cli(ctx, cwd, nil, "docker-compose", "-p", name, "-f", fileArg, "up", "-d"); err != nil {
		t.Fatal(err)
	}
	return p
}

// container returns the name compose v1 gives the first container of a
// service.
func (p *project) container(service string) string { return p.Name + "_" + service + "_1" }

// runContainer starts a labelled container with `docker run -d OPTS IMAGE
// CMD` (args: OPTS -- CMD) and removes it when the test ends.
func runContainer(t *testing.T, hint string, args ...string) string {
	t.Helper()
	img := testImage(t)
	name := uniqueName(hint)
	t.Cleanup(func() { removeLabelled(t, labelTest+"=1", labelRun+"="+runID, "vigie.test.name="+name) })
	opts, command := args, []string(nil)
	for i, a := range args {
		if a == "--" {
			opts, command = args[:i], args[i+1:]
			break
		}
	}
	full := []string{"run", "-d", "--name", name, "--label", labelTest + "=1", "--label", labelRun + "=" + runID, "--label", "vigie.test.name=" + name}
	full = append(full, opts...)
	full = append(full, img)
	full = append(full, command...)
	docker(t, full...)
	return name
}

// inspect returns a Go template applied to a container's inspect output.
func inspect(t *testing.T, name, format string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := cli(ctx, "", nil, "docker", "inspect", "--format", format, name)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// waitFor polls cond every 250 ms until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s (last state: %s)", timeout, what, last)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// newStack is the stack under test: the local engine only.
func newStack(t testing.TB) *stack.Stack {
	t.Helper()
	s, err := stack.New([]stack.HostSpec{{Name: "local", Endpoint: dockerEndpoint}}, 20*time.Second, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// corpusDiagnoser adapts the real knowledge engine to stack.Diagnoser.
type corpusDiagnoser struct{ ix *knowledge.Index }

func (d corpusDiagnoser) Diagnose(text string) ([]stack.Match, bool) {
	r := d.ix.Match(text)
	out := make([]stack.Match, 0, len(r.Matches))
	for _, m := range r.Matches {
		out = append(out, stack.Match{ID: m.ID, Title: m.Title, Confidence: string(m.Confidence)})
	}
	return out, r.Abstained
}

var (
	diagOnce sync.Once
	diag     corpusDiagnoser
	diagErr  error
)

// diagnoser returns the embedded corpus's matcher, built once.
func diagnoser(t testing.TB) stack.Diagnoser {
	t.Helper()
	diagOnce.Do(func() {
		secs, err := knowledge.LoadFiles(nil)
		if err != nil {
			diagErr = err
			return
		}
		diag = corpusDiagnoser{ix: knowledge.NewIndex(secs, knowledge.DefaultServices)}
	})
	if diagErr != nil {
		t.Fatalf("corpus: %v", diagErr)
	}
	return diag
}

// checkOptions are the options every check run of the tests uses.
func checkOptions(t testing.TB, service string) stack.CheckOptions {
	return stack.CheckOptions{
		Service:          service,
		Diagnoser:        diagnoser(t),
		MemoryMinimums:   map[string]stack.MemoryMinimum{"litellm": {Bytes: 1024 << 20, Section: "10.2"}},
		LogLines:         50,
		RestartThreshold: 3,
	}
}

// runChecks runs every check on one service and returns the findings about
// the given compose project (leftovers of other runs are ignored).
func runChecks(t *testing.T, s *stack.Stack, service, projectName string) []stack.Finding {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep, err := s.RunChecks(ctx, stack.Checks(), checkOptions(t, service))
	if err != nil {
		t.Fatalf("RunChecks(%s): %v", service, err)
	}
	if len(rep.Failed) > 0 {
		t.Errorf("RunChecks(%s): failed: %q", service, rep.Failed)
	}
	if rep.Checked == 0 {
		t.Errorf("RunChecks(%s): no container checked", service)
	}
	var out []stack.Finding
	for _, f := range rep.Findings {
		if f.Project == projectName {
			out = append(out, f)
		}
	}
	for _, f := range out {
		t.Logf("finding: %s", fmtFinding(f))
	}
	return out
}

func fmtFinding(f stack.Finding) string {
	return fmt.Sprintf("[%s] %s %s/%s (%s) %q sections=%v details=%q", f.Severity, f.Check, f.Project, f.Service, f.Container, f.Message, f.Sections, f.Details)
}

// findingOf returns the finding of a check about a service, failing the
// test when there is none.
func findingOf(t *testing.T, fs []stack.Finding, check, service string) stack.Finding {
	t.Helper()
	for _, f := range fs {
		if f.Check == check && f.Service == service {
			return f
		}
	}
	var got []string
	for _, f := range fs {
		got = append(got, fmtFinding(f))
	}
	t.Fatalf("no %q finding for service %s; findings: %q", check, service, got)
	return stack.Finding{}
}

func hasSection(f stack.Finding, id string) bool {
	for _, s := range f.Sections {
		if s == id {
			return true
		}
	}
	return false
}

// wantSections fails the test unless the finding cites every section.
func wantSections(t *testing.T, f stack.Finding, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if !hasSection(f, id) {
			t.Errorf("%s finding cites %v, want §%s", f.Check, f.Sections, id)
		}
	}
}

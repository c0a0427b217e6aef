package stack_test

// Integration tests against the local dockerd: each test plants a fault
// with compose v1.29 or docker run, then runs the checks through the Go
// client and asserts the finding and the corpus sections it cites. A
// healthy control must produce none.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"vigie/stack"
)

// a. A crash loop whose logs carry the NocoDB password error (41.1).
func TestRestartLoopNocoDB(t *testing.T) {
	needDocker(t)
	t.Parallel()
	p := composeProject(t, "crashloop", `version: "2.4"
services:
  nocodb:
    image: @IMAGE@
    restart: always
    labels: @LABELS@
    environment:
      NC_DB_PASSWORD: "hunter2-noco-pw"
    command: ["sh", "-c", "echo 'connecting as nocodb with hunter2-noco-pw'; echo 'ERROR [ExceptionHandler] error: password authentication failed for user \"nocodb\"' >&2; exit 1"]
`, nil, "", "")
	name := p.container("nocodb")
	waitFor(t, 60*time.Second, name+" to restart 3 times", func() (bool, string) {
		out := inspect(t, name, "{{.RestartCount}} {{.State.Status}}")
		n, _ := strconv.Atoi(strings.Fields(out)[0])
		return n >= 3, out
	})

	s := newStack(t)
	fs := runChecks(t, s, "nocodb", p.Name)
	f := findingOf(t, fs, "restart loop", "nocodb")
	wantSections(t, f, "41.1")
	if f.Severity != stack.Critical || f.Container != name {
		t.Errorf("restart loop finding: severity %s container %s, want critical %s", f.Severity, f.Container, name)
	}
	if !strings.Contains(f.Message, "41.1") {
		t.Errorf("message %q does not name §41.1", f.Message)
	}
	if !slices.ContainsFunc(f.Details, func(d string) bool { return strings.Contains(d, "password authentication failed") }) {
		t.Errorf("details %q do not quote the error line", f.Details)
	}
	for _, d := range append(f.Details, f.Message) {
		if strings.Contains(d, "hunter2-noco-pw") {
			t.Errorf("the password leaks in %q", d)
		}
	}
	for _, other := range fs {
		if other.Check != "restart loop" {
			t.Errorf("unexpected finding %s", fmtFinding(other))
		}
	}

	// The log-signature scan (/scan) finds the same section while the
	// container is running or restarting (it flips between the two).
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var scan []stack.Finding
	for ctx.Err() == nil {
		rep, err := s.RunChecks(ctx, []stack.Check{stack.ScanCheck()}, checkOptions(t, "nocodb"))
		if err != nil {
			t.Fatal(err)
		}
		scan = scan[:0]
		for _, f := range rep.Findings {
			if f.Project == p.Name {
				scan = append(scan, f)
			}
		}
		if len(scan) > 0 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(scan) == 0 {
		t.Fatal("log signatures: no finding")
	}
	wantSections(t, scan[0], "41.1")
	for _, d := range scan[0].Details {
		if strings.Contains(d, "hunter2-noco-pw") {
			t.Errorf("the password leaks in %q", d)
		}
	}
}

// b. env_file changed after `up -d`: the container keeps the old values
// (41.2, 11.18). Compose v1.29 writes the config_files label as the -f
// argument was given (relative to the directory compose ran in, which is not
// recorded) and working_dir as the project directory: the three ways of
// calling it must all be read.
func TestEnvFileDrift(t *testing.T) {
	needDocker(t)
	t.Parallel()
	for _, tc := range []struct {
		name, service string
		runDir        string // where docker-compose runs, relative to the project dir
		fileArg       string // the -f argument ("" = absolute path)
		wantLabel     func(p *project) string
	}{
		{"absolute", "envabs", "", "", func(p *project) string { return p.File }},
		{"relative", "envrel", "", "docker-compose.yml", func(*project) string { return "docker-compose.yml" }},
		{"from-parent", "envparent", "..", "proj/docker-compose.yml", func(*project) string { return "proj/docker-compose.yml" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := composeProject(t, "env"+tc.name, fmt.Sprintf(`version: "2.4"
services:
  %s:
    image: @IMAGE@
    command: ["sleep", "3600"]
    env_file: app.env
    environment:
      OVERRIDDEN: from-compose
    labels: @LABELS@
`, tc.service), map[string]string{
				"app.env": "# settings\nAPP_MODE=blue-4711\nQUOTED=\"a b c\"\nexport EXPORTED=exp-1\nOVERRIDDEN=file-1\n",
			}, tc.runDir, tc.fileArg)
			name := p.container(tc.service)
			if got, want := inspect(t, name, `{{index .Config.Labels "com.docker.compose.project.config_files"}}`), tc.wantLabel(p); got != want {
				t.Fatalf("compose wrote config_files %q, the test expects %q", got, want)
			}
			if got := inspect(t, name, `{{index .Config.Labels "com.docker.compose.project.working_dir"}}`); got != p.Dir {
				t.Fatalf("compose wrote working_dir %q, the test expects %q", got, p.Dir)
			}
			s := newStack(t)

			// As created: no drift, and the compose file was found.
			if fs := runChecks(t, s, tc.service, p.Name); len(fs) != 0 {
				t.Fatalf("before the change: %d findings, want none", len(fs))
			}

			// One value changed, one key added, one changed key overridden
			// by environment: (not reported).
			env := filepath.Join(p.Dir, "app.env")
			if err := os.WriteFile(env, []byte("# settings\nAPP_MODE=green-0815\nQUOTED=\"a b c\"\nexport EXPORTED=exp-1\nOVERRIDDEN=file-2\nNEW_FLAG=on-9931\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			fs := runChecks(t, s, tc.service, p.Name)
			f := findingOf(t, fs, "env_file drift", tc.service)
			wantSections(t, f, "41.2", "11.18")
			if len(fs) != 1 {
				t.Errorf("%d findings, want 1", len(fs))
			}
			details := strings.Join(f.Details, "\n")
			if !strings.Contains(details, "changed: APP_MODE") || !strings.Contains(details, "new in the file: NEW_FLAG") {
				t.Errorf("details %q do not name APP_MODE as changed and NEW_FLAG as new", f.Details)
			}
			for _, k := range []string{"OVERRIDDEN", "QUOTED", "EXPORTED"} {
				if strings.Contains(details, k) {
					t.Errorf("details %q name %s, which did not drift", f.Details, k)
				}
			}
			for _, v := range []string{"blue-4711", "green-0815", "on-9931", "file-1", "file-2", "from-compose", "a b c", "exp-1"} {
				if strings.Contains(details, v) || strings.Contains(f.Message, v) {
					t.Errorf("a value (%q) is shown: message %q details %q", v, f.Message, f.Details)
				}
			}

			// The env file gone: the next recreate would fail.
			if tc.name == "absolute" {
				if err := os.Remove(env); err != nil {
					t.Fatal(err)
				}
				fs := runChecks(t, s, tc.service, p.Name)
				f := findingOf(t, fs, "env_file drift", tc.service)
				wantSections(t, f, "41.2")
				if !strings.Contains(f.Message, "unreadable") {
					t.Errorf("message %q does not say the env file is unreadable", f.Message)
				}
			}
		})
	}
}

// c. The Docker socket mounted for a non-root user: without the socket's
// group in group_add every call fails (11.13); with it, no finding.
func TestSocketGroup(t *testing.T) {
	needDocker(t)
	t.Parallel()
	st, err := os.Stat(dockerSock)
	if err != nil {
		t.Fatal(err)
	}
	gid := st.Sys().(*syscall.Stat_t).Gid
	p := composeProject(t, "socket", fmt.Sprintf(`version: "2.4"
services:
  sockbare:
    image: @IMAGE@
    command: ["sleep", "3600"]
    user: "1000:1000"
    volumes: ["/var/run/docker.sock:/var/run/docker.sock"]
    labels: @LABELS@
  sockgrp:
    image: @IMAGE@
    command: ["sleep", "3600"]
    user: "1000:1000"
    group_add: ["%d"]
    volumes: ["/var/run/docker.sock:/var/run/docker.sock"]
    labels: @LABELS@
`, gid), nil, "", "")
	s := newStack(t)

	fs := runChecks(t, s, "sockbare", p.Name)
	f := findingOf(t, fs, "docker.sock without group_add", "sockbare")
	wantSections(t, f, "11.13")
	if !strings.Contains(f.Message, strconv.Itoa(int(gid))) {
		t.Errorf("message %q does not give the socket's gid %d", f.Message, gid)
	}
	if len(fs) != 1 {
		t.Errorf("%d findings for sockbare, want 1", len(fs))
	}

	if fs := runChecks(t, s, "sockgrp", p.Name); len(fs) != 0 {
		t.Errorf("with group_add %d: %d findings, want none", gid, len(fs))
	}
}

// d. A healthcheck probing localhost that fails: 2.1, and the unhealthy
// container itself.
func TestHealthcheckLocalhost(t *testing.T) {
	needDocker(t)
	t.Parallel()
	p := composeProject(t, "hclocal", `version: "2.4"
services:
  hclocal:
    image: @IMAGE@
    command: ["sleep", "3600"]
    labels: @LABELS@
    healthcheck:
      test: ["CMD", "wget", "-q", "-O-", "http://localhost:9/"]
      interval: 1s
      timeout: 5s
      retries: 1
`, nil, "", "")
	name := p.container("hclocal")
	waitFor(t, 60*time.Second, name+" to be unhealthy", func() (bool, string) {
		h := inspect(t, name, "{{.State.Health.Status}}")
		return h == "unhealthy", h
	})
	s := newStack(t)
	fs := runChecks(t, s, "hclocal", p.Name)
	f := findingOf(t, fs, "healthcheck on localhost", "hclocal")
	wantSections(t, f, "2.1")
	if f.Severity != stack.Critical {
		t.Errorf("healthcheck on localhost of an unhealthy container: severity %s, want critical", f.Severity)
	}
	u := findingOf(t, fs, "unhealthy", "hclocal")
	if u.Severity != stack.Critical {
		t.Errorf("unhealthy: severity %s, want critical", u.Severity)
	}
	if !slices.ContainsFunc(u.Details, func(d string) bool { return strings.HasPrefix(d, "last probe: ") }) {
		t.Errorf("unhealthy: details %q do not quote the last probe", u.Details)
	}
	if len(fs) != 2 {
		t.Errorf("%d findings, want 2", len(fs))
	}
}

// e. PostgreSQL 18 with its data mounted at the pre-18 path (3.1); the
// control mounts /var/lib/postgresql.
func TestPG18Mount(t *testing.T) {
	needDocker(t)
	t.Parallel()
	p := composeProject(t, "pg18", `version: "2.4"
services:
  pgbad:
    image: @PGIMAGE@
    command: ["sleep", "3600"]
    volumes: ["pgdata:/var/lib/postgresql/data"]
    labels: @LABELS@
  pggood:
    image: @PGIMAGE@
    command: ["sleep", "3600"]
    volumes: ["pgdata2:/var/lib/postgresql"]
    labels: @LABELS@
volumes:
  pgdata:
    labels: @LABELS@
  pgdata2:
    labels: @LABELS@
`, nil, "", "")
	s := newStack(t)
	fs := runChecks(t, s, "pgbad", p.Name)
	f := findingOf(t, fs, "postgresql 18 data mount", "pgbad")
	wantSections(t, f, "3.1")
	if len(fs) != 1 {
		t.Errorf("%d findings for pgbad, want 1", len(fs))
	}
	if fs := runChecks(t, s, "pggood", p.Name); len(fs) != 0 {
		t.Errorf("PostgreSQL 18 on /var/lib/postgresql: %d findings, want none", len(fs))
	}
}

// f. A container killed for memory, under a limit below the corpus's
// minimum for its service (10.2).
func TestOOMKilled(t *testing.T) {
	needDocker(t)
	t.Parallel()
	p := composeProject(t, "oom", `version: "2.4"
services:
  litellm:
    image: @IMAGE@
    mem_limit: 8m
    memswap_limit: 8m
    labels: @LABELS@
    command: ["sh", "-c", "a=$$(yes | head -c 50000000); echo survived $${#a}"]
`, nil, "", "")
	name := p.container("litellm")
	waitFor(t, 60*time.Second, name+" to be OOM-killed", func() (bool, string) {
		out := inspect(t, name, "{{.State.OOMKilled}} {{.State.Status}} {{.State.ExitCode}}")
		if out == "false exited 137" {
			// Killed for memory, but dockerd 20.10 on cgroup v2 sometimes
			// misses the OOM event that sets the flag: try again.
			docker(t, "start", name)
		}
		return strings.HasPrefix(out, "true exited"), out
	})
	s := newStack(t)
	fs := runChecks(t, s, "litellm", p.Name)
	f := findingOf(t, fs, "OOM killed", "litellm")
	wantSections(t, f, "10.2")
	if f.Severity != stack.Critical || !strings.Contains(f.Message, "8M") {
		t.Errorf("OOM finding: severity %s message %q, want critical naming the 8M limit", f.Severity, f.Message)
	}
	m := findingOf(t, fs, "memory limit below the corpus minimum", "litellm")
	wantSections(t, m, "10.2")
	if !strings.Contains(m.Message, "8M") || !strings.Contains(m.Message, "1G") {
		t.Errorf("memory finding %q does not give 8M and 1G", m.Message)
	}
	if len(fs) != 2 {
		t.Errorf("%d findings, want 2", len(fs))
	}
}

// g. A healthy service: no finding at all.
func TestHealthyControl(t *testing.T) {
	needDocker(t)
	t.Parallel()
	p := composeProject(t, "calm", `version: "2.4"
services:
  calm:
    image: @IMAGE@
    command: ["sleep", "3600"]
    labels: @LABELS@
`, nil, "", "")
	s := newStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := s.RunChecks(ctx, stack.Checks(), checkOptions(t, "calm"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.Project == p.Name {
			t.Errorf("healthy control: %s", fmtFinding(f))
		}
	}
	if len(rep.Failed) > 0 {
		t.Errorf("failed: %q", rep.Failed)
	}
	if rep.Checked < 1 {
		t.Errorf("checked %d containers", rep.Checked)
	}
}

// Snapshot, Find, Logs and Stats on a compose service and a plain container.
func TestSnapshotFindLogsStats(t *testing.T) {
	needDocker(t)
	t.Parallel()
	img := testImage(t)
	p := composeProject(t, "snap", `version: "2.4"
services:
  snapsvc:
    image: @IMAGE@
    labels: @LABELS@
    command: ["sh", "-c", "i=0; while [ $$i -lt 30 ]; do echo out-$$i; echo err-$$i >&2; i=$$((i+1)); done; exec sleep 3600"]
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
      retries: 3
`, nil, "", "")
	plain := runContainer(t, "plain", "--", "sleep", "3600")
	svcName := p.container("snapsvc")
	waitFor(t, 60*time.Second, svcName+" to be healthy", func() (bool, string) {
		h := inspect(t, svcName, "{{.State.Health.Status}}")
		return h == "healthy", h
	})

	s := newStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	states := s.Snapshot(ctx)
	if len(states) != 1 || states[0].Host != "local" || states[0].Err != nil {
		t.Fatalf("snapshot: %+v", states)
	}
	byName := map[string]stack.Container{}
	for _, c := range states[0].Containers {
		byName[c.Name] = c
	}
	c, ok := byName[svcName]
	if !ok {
		t.Fatalf("snapshot lacks %s", svcName)
	}
	if c.Host != "local" || c.Project != p.Name || c.Service != "snapsvc" || c.Health != "healthy" || c.State != "running" || c.Image != img {
		t.Errorf("compose container: host %q project %q service %q health %q state %q image %q", c.Host, c.Project, c.Service, c.Health, c.State, c.Image)
	}
	if c.WorkingDir != p.Dir || !slices.Equal(c.ConfigFiles, []string{p.File}) {
		t.Errorf("compose container: working dir %q config files %q", c.WorkingDir, c.ConfigFiles)
	}
	if c.Label() != "snapsvc" || c.Problem() != "" || c.StartedAt.IsZero() || len(c.ShortID()) != 12 {
		t.Errorf("compose container: label %q problem %q started %v short id %q", c.Label(), c.Problem(), c.StartedAt, c.ShortID())
	}
	pc, ok := byName[plain]
	if !ok {
		t.Fatalf("snapshot lacks %s", plain)
	}
	if pc.Project != "" || pc.Service != "" || pc.Health != "" || pc.Label() != plain || pc.State != "running" {
		t.Errorf("plain container: project %q service %q health %q label %q state %q", pc.Project, pc.Service, pc.Health, pc.Label(), pc.State)
	}

	// Find: by service, by container name, by id prefix.
	found, _, err := s.Find(ctx, "snapsvc")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(found, func(f stack.Container) bool { return f.ID == c.ID }) {
		t.Errorf("Find(snapsvc) = %d containers, lacking %s", len(found), svcName)
	}
	for _, q := range []string{plain, "/" + plain, pc.ID[:12]} {
		found, _, err := s.Find(ctx, q)
		if err != nil {
			t.Fatalf("Find(%s): %v", q, err)
		}
		if len(found) != 1 || found[0].ID != pc.ID {
			t.Errorf("Find(%s) = %d containers, want %s", q, len(found), plain)
		}
	}
	found, _, err = s.Find(ctx, svcName)
	if err != nil || len(found) != 1 || found[0].ID != c.ID {
		t.Errorf("Find(%s) = %d containers, %v", svcName, len(found), err)
	}

	// Logs: demultiplexed, timestamped, both streams, bounded.
	all, err := s.Logs(ctx, c, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 60 {
		t.Fatalf("Logs(1000) = %d lines, want 60: %+v", len(all), all)
	}
	var outs, errs int
	for i, l := range all {
		if l.Time.IsZero() {
			t.Errorf("line %d %q has no time", i, l.Text)
		}
		if i > 0 && l.Time.Before(all[i-1].Time) {
			t.Errorf("line %d %q is before the line preceding it", i, l.Text)
		}
		switch {
		case l.Stream == "stdout" && strings.HasPrefix(l.Text, "out-"):
			outs++
		case l.Stream == "stderr" && strings.HasPrefix(l.Text, "err-"):
			errs++
		default:
			t.Errorf("line %d: stream %s text %q (not demultiplexed?)", i, l.Stream, l.Text)
		}
	}
	if outs != 30 || errs != 30 {
		t.Errorf("%d stdout and %d stderr lines, want 30 and 30", outs, errs)
	}
	tail, err := s.Logs(ctx, c, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(tail) != 5 {
		t.Fatalf("Logs(5) = %d lines", len(tail))
	}
	var lastTen []string
	for _, l := range all[len(all)-10:] {
		lastTen = append(lastTen, l.Text)
	}
	for _, l := range tail {
		if !slices.Contains(lastTen, l.Text) {
			t.Errorf("Logs(5) returned %q, not among the last lines %q", l.Text, lastTen)
		}
	}

	// Stats of a running container.
	st, err := s.Stats(ctx, pc)
	if err != nil {
		t.Fatal(err)
	}
	if st.MemoryUsage <= 0 || st.MemoryLimit <= 0 {
		t.Errorf("stats: %+v, want a memory usage and limit", st)
	}
}

// Find of a name nothing carries.
func TestFindUnknownService(t *testing.T) {
	needDocker(t)
	t.Parallel()
	runContainer(t, "known", "--", "sleep", "3600") // so that the host is not empty
	s := newStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := "no-such-service-" + randHex(3)
	_, _, err := s.Find(ctx, name)
	var ue *stack.UnknownServiceError
	if !errors.As(err, &ue) {
		t.Fatalf("Find(%s) error = %v (%T), want *UnknownServiceError", name, err, err)
	}
	if ue.Name != name || len(ue.Known) == 0 || !strings.Contains(err.Error(), name) {
		t.Errorf("UnknownServiceError %+v: %v", ue, err)
	}
	_, err = s.RunChecks(ctx, stack.Checks(), checkOptions(t, name))
	if !errors.As(err, &ue) {
		t.Errorf("RunChecks(%s) error = %v, want *UnknownServiceError", name, err)
	}
}

// A second host whose socket does not exist: the first one still answers,
// the second is reported with what to check.
func TestSecondHostDown(t *testing.T) {
	needDocker(t)
	t.Parallel()
	name := runContainer(t, "twohosts", "--", "sleep", "3600")
	s, err := stack.New([]stack.HostSpec{
		{Name: "local", Endpoint: dockerEndpoint},
		{Name: "far", Endpoint: "unix:///nonexistent.sock"},
	}, 20*time.Second, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	start := time.Now()
	states := s.Snapshot(ctx)
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("snapshot took %s with a host down", took)
	}
	if len(states) != 2 || states[0].Host != "local" || states[1].Host != "far" {
		t.Fatalf("states: %+v", states)
	}
	if states[0].Err != nil || !slices.ContainsFunc(states[0].Containers, func(c stack.Container) bool { return c.Name == name }) {
		t.Errorf("local: err %v, %d containers, want %s among them", states[0].Err, len(states[0].Containers), name)
	}
	checkHostDown(t, states[1].Err)

	found, fstates, err := s.Find(ctx, name)
	if err != nil || len(found) != 1 || found[0].Host != "local" {
		t.Fatalf("Find(%s) with a host down: %d containers, %v", name, len(found), err)
	}
	checkHostDown(t, fstates[1].Err)

	rep, err := s.RunChecks(ctx, stack.Checks(), checkOptions(t, name))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Failed) != 1 || !strings.Contains(rep.Failed[0], "host far") {
		t.Errorf("report failed lines %q, want one about host far", rep.Failed)
	}
	if rep.Checked != 1 || len(rep.Findings) != 0 {
		t.Errorf("report: checked %d, findings %d, want 1 and 0", rep.Checked, len(rep.Findings))
	}
}

func checkHostDown(t *testing.T, err error) {
	t.Helper()
	var he *stack.HostError
	if !errors.As(err, &he) {
		t.Fatalf("far: error %v (%T), want *HostError", err, err)
	}
	msg := err.Error()
	t.Logf("far: %s", msg)
	if he.Host != "far" || !strings.Contains(msg, "host far") || !strings.Contains(msg, "unix:///nonexistent.sock") {
		t.Errorf("message %q does not name the host and its endpoint", msg)
	}
	if !strings.Contains(msg, "dockerd running") || strings.Contains(msg, "\n") {
		t.Errorf("message %q is not one line saying what to check", msg)
	}
}

// The event stream the watcher reads: a container started after the stream
// opened is seen with its name and labels.
func TestEventsStart(t *testing.T) {
	needDocker(t)
	t.Parallel()
	testImage(t)
	s := newStack(t)
	eng := s.Engine("local")
	if eng == nil {
		t.Fatal("no engine for host local")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	evs, errc := eng.Events(ctx, time.Now().Add(-time.Second))
	name := runContainer(t, "events", "--", "sleep", "3600")
	for {
		select {
		case ev, ok := <-evs:
			if !ok {
				t.Fatalf("event stream closed: %v", <-errc)
			}
			if ev.Name != name || ev.Action != "start" {
				continue
			}
			if ev.Host != "local" || ev.Container == "" || ev.Labels["vigie.test"] != "1" || ev.Time.IsZero() {
				t.Errorf("start event: %+v", ev)
			}
			return
		case <-ctx.Done():
			t.Fatalf("no start event for %s", name)
		}
	}
}

package knowledge

import (
	"slices"
	"strings"
	"testing"
)

func TestFailedPaths(t *testing.T) {
	for text, want := range map[string][]string{
		"Error: EACCES: permission denied, mkdir '/home/node/.openclaw/canvas'":                   {"/home/node/.openclaw/canvas"},
		"open /etc/headscale/config.yaml: no such file or directory":                              {"/etc/headscale/config.yaml"},
		"Warning: Identity file C:/Users/op/.ssh/deploy not accessible: No such file.":            {"/Users/op/.ssh/deploy"},
		"chmod: changing permissions of '/var/lib/postgresql/18/docker': Operation not permitted": {"/var/lib/postgresql/18/docker"},
		// glibc and coreutils in French: « » with no-break spaces.
		"touch: impossible de faire un touch «\u00a0/srv/data/x/y\u00a0»: Aucun fichier ou dossier de ce type": {"/srv/data/x/y"},
		"mkdir: impossible de créer le répertoire «\u00a0/srv/données/x\u00a0»: Permission non accordée":       {"/srv/données/x"},
		"cp: impossible de créer « /srv/app/state/a »: Système de fichiers accessible en lecture seulement":    {"/srv/app/state/a"},
		// Cleaned: a trailing full stop, slash, "..".
		"EACCES: permission denied, scandir /srv/app/state/x/..": {"/srv/app/state"},
		// The failing field of a JSON line is read with its message.
		`{"level":"error","msg":"cannot open","path":"/srv/app/state/db"}`: {"/srv/app/state/db"},
		// A URL's path is not a file; a path on a line that reports no
		// failure on a file is not the failing one.
		"GET https://cut.ewutelo.cloud/api/projects: permission denied": nil,
		"Loading config from /etc/caddy/Caddyfile":                      nil,
		// One component says nothing: /tmp, /data.
		"EACCES: permission denied, open '/data'": nil,
	} {
		var got []string
		for _, fp := range failedPaths(splitLines(text)) {
			got = append(got, fp.path)
		}
		if !slices.Equal(got, want) {
			t.Errorf("failedPaths(%q) = %q, want %q", text, got, want)
		}
	}
}

const pathCorpus = "# T\n\n## 1. App\n\n" +
	"### 1.1 Socket refused\n\n**Symptome** : `Error: EACCES: permission denied, mkdir` when the main agents start: the socket /var/run/app.sock is refused.\n\n**Fix** : group_add.\n\n" +
	"### 1.2 Data volume\n\n**Symptome** : `Error: EACCES: permission denied` when the app writes under /srv/app/state.\n\n**Fix** : chown 1000:1000.\n\n" +
	"### 1.3 Logs\n\nLogs go to /srv/app, rotated daily.\n\n" +
	"### 1.4 Binaries\n\nInstalled under /usr/local/bin by the role.\n"

func pathIndex(t *testing.T) *Index {
	t.Helper()
	secs, err := Parse("t.md", []byte(pathCorpus))
	if err != nil {
		t.Fatal(err)
	}
	return NewIndex(secs, nil)
}

func evidenceOf(m Match) string { return strings.Join(m.Evidence, " | ") }

// A permission error's words are the same for every file; the path it fails
// on tells which pitfall: the section that names the deepest directory of
// that path (/srv/app/state, not /srv/app) wins over one that has more of
// the error's words.
func TestFailedPathNamesTheSection(t *testing.T) {
	ix := pathIndex(t)
	res := ix.Match("Error: EACCES: permission denied, mkdir '/srv/app/state/agents/main'")
	if len(res.Matches) == 0 || res.Matches[0].ID != "1.2" {
		t.Fatalf("want §1.2 (names /srv/app/state) first, got %+v", res.Matches)
	}
	if ev := evidenceOf(res.Matches[0]); !strings.Contains(ev, "line 1: fails on /srv/app/state/agents/main, under /srv/app/state, which the section names") {
		t.Errorf("evidence does not name the path: %s", ev)
	}
	for _, m := range res.Matches[1:] {
		if strings.Contains(evidenceOf(m), "fails on") {
			t.Errorf("§%s credited with a shallower directory: %s", m.ID, evidenceOf(m))
		}
	}
}

// /srv/app names no file: a directory two deep is where many things live.
func TestShallowDirectoryIsNoCredit(t *testing.T) {
	ix := pathIndex(t)
	res := ix.Match("Error: EACCES: permission denied, mkdir '/srv/app/other/place'")
	for _, m := range res.Matches {
		if strings.Contains(evidenceOf(m), "fails on") {
			t.Errorf("§%s credited for /srv/app, two deep: %s", m.ID, evidenceOf(m))
		}
	}
}

// Two file errors whose paths the corpus names equally deep: each section
// is credited with its own path and line.
func TestEqualDepthPathsEachTheirOwn(t *testing.T) {
	ix := pathIndex(t)
	res := ix.Match("Error: EACCES: permission denied, open '/srv/app/state/x'\nError: EACCES: permission denied, connect '/var/run/app.sock'")
	want := map[string]string{
		"1.2": "line 1: fails on /srv/app/state/x, under /srv/app/state,",
		"1.1": "line 2: fails on /var/run/app.sock, which",
	}
	for _, m := range res.Matches {
		if w, ok := want[m.ID]; ok {
			if !strings.Contains(evidenceOf(m), w) {
				t.Errorf("§%s: evidence %q, want %q", m.ID, evidenceOf(m), w)
			}
			delete(want, m.ID)
		}
	}
	if len(want) > 0 {
		t.Errorf("not among the matches: %v (%+v)", want, res.Matches)
	}
}

// On the embedded corpus: OpenClaw's EACCES on its state directory is the
// volume's ownership (§11.2), not the Docker socket (§11.13), whose symptom
// shares every word of the error but the path.
func TestEACCESOnStateDirIsTheVolume(t *testing.T) {
	ix := benchIndex(t)
	res := ix.Match("javisi_openclaw  | Error: EACCES: permission denied, mkdir '/home/node/.openclaw/canvas'")
	if res.Abstained || len(res.Matches) == 0 || res.Matches[0].ID != "11.2" {
		t.Fatalf("want §11.2 answered first, got abstained=%v %+v", res.Abstained, res.Matches)
	}
}

// PostgreSQL 18's entrypoint cannot chmod its data directory: §3.1 (the
// capabilities PG 18 needs, and its volume at /var/lib/postgresql) answers
// on the path: the words alone leave it under the threshold.
func TestChmodOnPGDataIsTheCapabilities(t *testing.T) {
	ix := benchIndex(t)
	res := ix.Match("javisi_postgresql  | fixing permissions on existing directory /var/lib/postgresql/18/docker ... \n" +
		"javisi_postgresql  | chmod: changing permissions of '/var/lib/postgresql/18/docker': Operation not permitted\n" +
		"javisi_postgresql exited with code 1")
	if res.Abstained || len(res.Matches) == 0 || res.Matches[0].ID != "3.1" {
		t.Fatalf("want §3.1 answered, got abstained=%v %+v", res.Abstained, res.Matches)
	}
	if ev := evidenceOf(res.Matches[0]); !strings.Contains(ev, "line 2: fails on /var/lib/postgresql/18/docker, under /var/lib/postgresql,") {
		t.Errorf("evidence: %s", ev)
	}
}

func TestImageRefs(t *testing.T) {
	for text, want := range map[string][]string{
		"docker pull ghcr.io/google/cadvisor:v0.55.1":                            {"ghcr.io/google/cadvisor"},
		"Error response from daemon: manifest for grafana/loki:3.6.50 not found": {"grafana/loki"},
		// Neither a registry nor a tag: a path, a subnet, "i/o".
		"see inventory/hosts.yml, 172.20.1.0/24 and i/o timeout": nil,
		// A URL's host and port are not a registry.
		"curl http://127.0.0.1:4000/health/live": nil,
	} {
		got, _ := imageRefs(text)
		if !slices.Equal(got, want) {
			t.Errorf("imageRefs(%q) = %q, want %q", text, got, want)
		}
	}
}

// An image that cannot be pulled: the pull command names it, the daemon
// only says "manifest unknown". §8.3 names the image (its tags have no v)
// and answers on it; the words alone leave it under the threshold.
func TestImagePullNamesTheSection(t *testing.T) {
	ix := benchIndex(t)
	res := ix.Match("$ docker pull ghcr.io/google/cadvisor:v0.54.0\nError response from daemon: manifest unknown")
	if res.Abstained || len(res.Matches) == 0 || res.Matches[0].ID != "8.3" {
		t.Fatalf("want §8.3 answered, got abstained=%v %+v", res.Abstained, res.Matches)
	}
	if ev := evidenceOf(res.Matches[0]); !strings.Contains(ev, "line 1: image ghcr.io/google/cadvisor:v0.54.0 cannot be pulled; the section names ghcr.io/google/cadvisor") {
		t.Errorf("evidence: %s", ev)
	}
	// The same image named with no pull failure earns nothing.
	res = ix.Match("$ docker pull ghcr.io/google/cadvisor:0.55.1\nStatus: Downloaded newer image for ghcr.io/google/cadvisor:0.55.1")
	for _, m := range res.Matches {
		if strings.Contains(evidenceOf(m), "cannot be pulled") {
			t.Errorf("§%s credited without an image error: %s", m.ID, evidenceOf(m))
		}
	}
}

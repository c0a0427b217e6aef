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
		"mkdir: impossible de créer « /srv/data/x » : Permission refusée":                         {"/srv/data/x"},
		"chmod: changing permissions of '/var/lib/postgresql/18/docker': Operation not permitted": {"/var/lib/postgresql/18/docker"},
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

// A permission error's words are the same for every file; the path it fails
// on tells which pitfall: the section that names the deepest directory of
// that path (/srv/app/state, not /srv/app) wins over one that has more of
// the error's words.
func TestFailedPathNamesTheSection(t *testing.T) {
	md := "# T\n\n## 1. App\n\n" +
		"### 1.1 Socket refused\n\n**Symptome** : `Error: EACCES: permission denied, mkdir` when the main agents start: the socket /var/run/app.sock is refused.\n\n**Fix** : group_add.\n\n" +
		"### 1.2 Data volume\n\n**Symptome** : `Error: EACCES: permission denied` when the app writes under /srv/app/state.\n\n**Fix** : chown 1000:1000.\n\n" +
		"### 1.3 Logs\n\nLogs go to /srv/app, rotated daily.\n\n" +
		"### 1.4 Binaries\n\nInstalled under /usr/local/bin by the role.\n"
	secs, err := Parse("t.md", []byte(md))
	if err != nil {
		t.Fatal(err)
	}
	ix := NewIndex(secs, nil)
	res := ix.Match("Error: EACCES: permission denied, mkdir '/srv/app/state/agents/main'")
	if len(res.Matches) == 0 || res.Matches[0].ID != "1.2" {
		t.Fatalf("want §1.2 (names /srv/app/state) first, got %+v", res.Matches)
	}
	if ev := strings.Join(res.Matches[0].Evidence, " | "); !strings.Contains(ev, "line 1: fails on /srv/app/state") {
		t.Errorf("evidence does not name the path: %s", ev)
	}
	// /usr/local/bin is not a failing file's directory here: no section wins
	// by a path the error does not fail on.
	res = ix.Match("Error: EACCES: permission denied, mkdir '/opt/other/place'")
	for _, m := range res.Matches {
		if strings.Contains(strings.Join(m.Evidence, " "), "fails on") {
			t.Errorf("§%s credited with a path the corpus does not name: %v", m.ID, m.Evidence)
		}
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

package knowledge

import (
	"strings"
	"testing"
)

func TestNormalizeLine(t *testing.T) {
	cases := []struct {
		raw, text, level, service string
	}{
		{"javisi_nocodb  | ERROR [ExceptionHandler] error: boom", "[ExceptionHandler] error: boom", "error", "javisi_nocodb"},
		{"openclaw-gateway-1  | 2026-04-02T14:13:51.430+08:00 [tools] read failed", "[tools] read failed", "", "openclaw-gateway-1"},
		{"\x1b[31mERROR\x1b[0m: red alert", "red alert", "error", ""},
		{"2025-06-19T15:45:46.963293Z ERROR qdrant::startup: Panic occurred", "qdrant::startup: Panic occurred", "error", ""},
		{"Feb 22 10:14:03 workstation-pi node[2841]: Error: Cannot find module 'x'", "Cannot find module 'x'", "error", ""},
		{`{"level":"error","ts":1700000000.1,"msg":"dial tcp: connection refused","logger":"http"}`, "dial tcp: connection refused", "error", ""},
		{`{"level":"error","msg":"dial tcp 127.0.0.1:3100: connect: connection refused","request":{"host":"cut.example.org"},"status":502,"size":0}`, "dial tcp 127.0.0.1:3100: connect: connection refused", "error", ""},
		{`level=warn ts=2026-03-02T10:11:12Z caller=x.go:12 msg="empty ring" component=ingester`, "empty ring", "warn", ""},
		{`[diagnostic] lane task error: lane=subagent error="Error: spawn docker EACCES"`, "[diagnostic] lane task error: ; Error: spawn docker EACCES", "", ""},
		{"ERROR:  relation \"model_scores\" does not exist", "relation \"model_scores\" does not exist", "error", ""},
		{"plain prose with a=b and no pairs worth it", "plain prose with a=b and no pairs worth it", "", ""},
		{"2024-01-01 10:00:00 [WARN] disk almost full", "disk almost full", "warn", ""},
		// The shell reporting a missing command steps aside; a script's name stays.
		{`"stderr": "/bin/sh: 1: dig: not found"`, `"stderr": "dig: not found"`, "", ""},
		{"bash: line 1: jq: command not found", "jq: command not found", "", ""},
		{"/opt/scripts/smoke-test.sh: line 12: dig: command not found", "/opt/scripts/smoke-test.sh: line 12: dig: command not found", "", ""},
		{`OCI runtime exec failed: exec failed: unable to start container process: exec: "curl": executable file not found in $PATH: unknown`, `exec: "curl": executable file not found`, "", ""},
		{"/bin/sh: 1: set: Illegal option -o pipefail", "/bin/sh: 1: set: Illegal option -o pipefail", "", ""},
	}
	for _, c := range cases {
		l := normalizeLine(1, c.raw)
		if l.Text != c.text || l.Level != c.level || l.Service != c.service {
			t.Errorf("normalizeLine(%q)\n got text=%q level=%q service=%q\nwant text=%q level=%q service=%q", c.raw, l.Text, l.Level, l.Service, c.text, c.level, c.service)
		}
	}
}

func TestNormalizeInvalidUTF8(t *testing.T) {
	l := normalizeLine(1, "bad \xff\xfe bytes")
	if !strings.Contains(l.Text, "bad") || !strings.Contains(l.Text, "\uFFFD") {
		t.Errorf("got %q", l.Text)
	}
}

func terms(text string) []string {
	var out []string
	tokenize(text, 0, func(t term) { out = append(out, t.text) })
	return out
}

func TestTokenize(t *testing.T) {
	cases := []struct {
		in   string
		want []string // must all be present
		not  []string // must be absent
	}{
		{"Échec de l'authentification", []string{"fail", "authentific"}, []string{"de", "l"}},
		{"PermissionDenied", []string{"permissiondenied", "permission"}, nil},
		{"model_scores does not exist", []string{"model_scores", "model", "scor", "notfound"}, []string{"does"}},
		{"container a1b2c3d4e5f6 and 1234567890", []string{"container"}, []string{"a1b2c3d4e5f6", "1234567890"}},
		{"Connecting to localhost:3000 ([::1]:3000)", []string{"localhost", "3000", "::1", "ipv6"}, nil},
		{"run provision-postgresql.sh", []string{"provision-postgresql.sh", "provision", "postgresql"}, []string{"sh"}},
		{"mot de passe refusé", []string{"password"}, []string{"mot", "passe"}},
		{"modèles expirés", []string{"model", "expir"}, nil},
		{"Skipping initialization", []string{"initialis"}, nil},
		{"première initialisation", []string{"initialis"}, nil},
		{"the Raspberry reboots: 401 Unauthorized, role does not exist", []string{"pi", "restart", "authoris", "user", "notfound"}, []string{"raspberry", "role"}},
		{"lookup postgresql on 127.0.0.11:53: no such host", []string{"network", "dns", "resolv"}, nil},
		{"JavaScript heap out of memory", []string{"oom", "memory", "max-old-space-size"}, nil},
		{"served at https://javisi.ewutelo.cloud/", []string{"javisi.ewutelo.cloud", "ewutelo.cloud", "javisi", "ewutelo"}, nil},
		{"client_ip 100.64.0.3 over HTTP/2.0", []string{"client_ip"}, []string{"100", "64"}},
		{"authkey already used, too many redirects", []string{"singleus", "redirectloop"}, nil},
		{"E:The repository 'https://pkgs.tailscale.com/stable/debian noble Release'", []string{"repo", "ubuntu", "debian"}, []string{"repository"}},
		{"flag provided but not defined: -health; try --force-recreate", []string{"-health", "health", "-force-recreate", "recreat"}, nil},
		{"dig: command not found; dnsutils n'est pas installé", []string{"dig", "notfound", "notinstall"}, nil},
		{"pre-auth key after a reboot, relancer", []string{"pre-auth", "preauth", "restart"}, []string{"reboot", "relancer"}},
		{"curl -X POST -d name=x https://a-b.example/x-y", []string{"post"}, []string{"-x", "-d", "-b", "-y"}},
	}
	for _, c := range cases {
		got := terms(c.in)
		set := map[string]bool{}
		for _, g := range got {
			set[g] = true
		}
		for _, w := range c.want {
			if !set[w] {
				t.Errorf("tokenize(%q) = %v, missing %q", c.in, got, w)
			}
		}
		for _, w := range c.not {
			if set[w] {
				t.Errorf("tokenize(%q) = %v, has %q", c.in, got, w)
			}
		}
	}
}

func TestStemMergesFrenchAndEnglish(t *testing.T) {
	for _, pair := range [][2]string{{"expired", "expirante"}, {"secondes", "seconds"}, {"modeles", "models"}, {"echoue", "failed"}, {"conteneur", "container"}} {
		if stem(pair[0]) != stem(pair[1]) {
			t.Errorf("stem(%q)=%q != stem(%q)=%q", pair[0], stem(pair[0]), pair[1], stem(pair[1]))
		}
	}
}

func TestInferService(t *testing.T) {
	ix := benchIndex(t)
	for text, want := range map[string]string{
		"javisi_nocodb  | ERROR boom":                          "nocodb",
		"javisi-n8n-1  | Error: listen EADDRINUSE":             "n8n",
		"openclaw-gateway-1  | read failed":                    "openclaw-gateway",
		"docker logs --tail 50 javisi_litellm shows a 402":     "litellm",
		"LiteLLM ignore mes fallbacks":                         "litellm",
		"write /var/lib/docker/tmp/x: no space left on device": "",
		// A service's default port on a local address, when nothing names it.
		"curl -s http://127.0.0.1:4000/health → 401":           "litellm",
		"dial tcp 127.0.0.1:6333: connect: connection refused": "qdrant",
		"dial tcp 127.0.0.1:3100: connect: connection refused": "",
		"curl http://example.org:4000/":                        "",
		// A data source name or a plugin id is not a container, and the
		// host a lookup failed on is the peer, not the erring service.
		`logger=tsdb.postgres dsName=PostgreSQL-n8n level=error msg="Query error" error="dial tcp: lookup postgresql on 127.0.0.11:53: no such host"`: "",
		`logger=tsdb.postgres pluginId=grafana-postgresql-datasource level=error msg="Check health failed"`:                                           "",
		`javisi_grafana  | logger=tsdb.postgres level=error error="dial tcp: lookup postgresql on 127.0.0.11:53: no such host"`:                       "grafana",
	} {
		if got := ix.Match(text).Service; got != want {
			t.Errorf("service of %q = %q, want %q", text, got, want)
		}
	}
}

func TestCheckInput(t *testing.T) {
	if err := CheckInput([]byte("  \n\t "), 0); err != ErrEmpty {
		t.Errorf("blank: %v", err)
	}
	if err := CheckInput([]byte("\x00\x01\x02\x03binary"), 0); err != ErrBinary {
		t.Errorf("NUL bytes: %v", err)
	}
	junk := make([]byte, 4096)
	for i := range junk {
		junk[i] = byte(i*7 + 1)
	}
	if err := CheckInput(junk, 0); err != ErrBinary {
		t.Errorf("junk: %v", err)
	}
	if err := CheckInput([]byte(strings.Repeat("x", 101)), 100); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("too large: %v", err)
	}
	if err := CheckInput([]byte("ok \xff text"), 100); err != nil {
		t.Errorf("invalid UTF-8 should be accepted: %v", err)
	}
}

// An HTTP status given as a JSON number is kept with the context; other
// numbers (sizes, ports, durations) are not.
func TestJSONStatusKept(t *testing.T) {
	l := normalizeLine(1, `{"level":"error","msg":"dial tcp 127.0.0.1:3100: connect: connection refused","status":502,"size":1287,"duration":0.001}`)
	if l.Text != "dial tcp 127.0.0.1:3100: connect: connection refused" {
		t.Errorf("text %q", l.Text)
	}
	if !strings.Contains(l.Context, "502") || strings.Contains(l.Context, "1287") {
		t.Errorf("context %q: want the status and not the size", l.Context)
	}
}

// A logfmt line's values other than the message and the level are its
// context, like a JSON line's other fields; timestamps are not.
func TestLogfmtContext(t *testing.T) {
	l := normalizeLine(1, `logger=tsdb.postgres dsName=PostgreSQL-n8n t=2026-02-17T14:20:55.604Z level=error msg="Check health failed" error="dial tcp: lookup postgresql: no such host"`)
	if l.Text != "Check health failed ; dial tcp: lookup postgresql: no such host" || l.Level != "error" {
		t.Fatalf("text=%q level=%q", l.Text, l.Level)
	}
	if l.Context != "tsdb.postgres ; PostgreSQL-n8n" {
		t.Fatalf("context = %q, want the logger and the data source without the timestamp", l.Context)
	}
}

// A hexadecimal literal is a number, whatever its length; a word that only
// starts like one is not.
func TestHexLiteralIsNoise(t *testing.T) {
	for w, want := range map[string]bool{"0x0": true, "0x1f": true, "0x7fff": true, "0xdeadbeef": true, "0xz": false, "oxford": false, "0x1g": false} {
		if got := isNoise(w); got != want {
			t.Errorf("isNoise(%q) = %v, want %v", w, got, want)
		}
	}
}

// "likes" is a count of votes here (model_scores.likes, likeRatio), not the
// preposition: it must survive stop-word removal, on both sides.
func TestLikesIsAWord(t *testing.T) {
	for _, text := range []string{"12 likes et 0 dislike", "score = (likeRatio * 40)"} {
		found := false
		tokenize(text, 0, func(tm term) { found = found || tm.text == stem("likes") })
		if !found {
			t.Errorf("%q: no term for likes", text)
		}
	}
}

// An API's "Authentication Error" and the corpus's "requires
// Authorization: Bearer" name one concern: a missing or wrong credential.
func TestAuthenticationIsAuthorization(t *testing.T) {
	if a, b := stem("authentication"), stem("authorization"); a != b {
		t.Errorf("stem(authentication)=%q, stem(authorization)=%q", a, b)
	}
}

// A reader that stopped at the limit does not know the size: the message
// does not pretend it does; a known size is given.
func TestTooLargeMessage(t *testing.T) {
	cut := (&TooLargeError{Size: 20<<20 + 1, Limit: 20 << 20}).Error()
	if !strings.HasPrefix(cut, "input is over the 20 MB limit") {
		t.Errorf("cut at the limit: %q", cut)
	}
	known := (&TooLargeError{Size: 50 << 20, Limit: 20 << 20}).Error()
	if !strings.HasPrefix(known, "input is 50 MB, over the 20 MB limit") {
		t.Errorf("known size: %q", known)
	}
}

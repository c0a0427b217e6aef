package knowledge

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loadDataCases reads testdata/match/*.txt: header lines "# expect: ID…"
// (empty: no known pitfall) and "# kind: …", then the pasted text.
func loadDataCases(t testing.TB) []Case {
	t.Helper()
	files, err := filepath.Glob("testdata/match/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no data files: %v", err)
	}
	var cases []Case
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c := Case{ID: strings.TrimSuffix(filepath.Base(f), ".txt")}
		var body []string
		header := true
		for _, line := range strings.Split(string(data), "\n") {
			if header {
				if v, ok := strings.CutPrefix(line, "# expect:"); ok {
					c.Expect = strings.Fields(v)
					continue
				}
				if v, ok := strings.CutPrefix(line, "# kind:"); ok {
					c.Kind = strings.TrimSpace(v)
					continue
				}
				header = false
			}
			body = append(body, line)
		}
		c.Text = strings.Join(body, "\n")
		if c.Kind == "" {
			t.Fatalf("%s: no '# kind:' header", f)
		}
		cases = append(cases, c)
	}
	return cases
}

// TestMatchDataFiles runs the testdata/match cases (our own, not the
// development set's). Exact corpus wording must come first, every time, and
// the ranking must put an expected section in the first three shown for 90 %
// of the cases; every miss is listed.
func TestMatchDataFiles(t *testing.T) {
	ix := benchIndex(t)
	cases := loadDataCases(t)
	for _, c := range cases {
		if c.Kind != "exact" {
			continue
		}
		res := ix.Match(c.Text)
		if res.Abstained || len(res.Matches) == 0 || !contains(c.Expect, res.Matches[0].ID) {
			t.Errorf("%s: exact corpus wording not matched first: %+v", c.ID, res.Matches)
		}
	}
	rep := ix.Evaluate(cases)
	for _, m := range rep.Misses {
		t.Logf("miss %s (%s): expected %v, got %v — %s", m.ID, m.Kind, m.Expect, m.Got, m.Why)
	}
	t.Logf("top-1 %.3f top-3 %.3f abstain recall %.3f precision %.3f", rep.Top1, rep.Top3, rep.AbstainRecall, rep.AbstainPrecision)
	if rep.Top3 < 0.90 {
		t.Errorf("ranking below threshold: top-3 %.3f (≥0.90)", rep.Top3)
	}
}

// TestDevEval runs the shared development set together with the
// testdata/match cases, held to the thresholds, when shared/ is
// beside the checkout (it is in CI).
func TestDevEval(t *testing.T) {
	data, err := os.ReadFile("../../shared/eval/dev-errors.yaml")
	if err != nil {
		t.Skip("shared/eval not beside the checkout")
	}
	cases, err := ParseCases(data)
	if err != nil {
		t.Fatal(err)
	}
	ix := benchIndex(t)
	dev := ix.Evaluate(cases)
	for _, m := range dev.Misses {
		t.Logf("miss %s (%s): expected %v, got %v — %s", m.ID, m.Kind, m.Expect, m.Got, m.Why)
	}
	if dev.Top1 < 0.85 || dev.Top3 < 0.95 || dev.AbstainRecall < 0.80 {
		t.Errorf("development set below thresholds: top-1 %.3f (≥0.85) top-3 %.3f (≥0.95) abstain %.3f (≥0.80)", dev.Top1, dev.Top3, dev.AbstainRecall)
	}
	all := ix.Evaluate(append(cases, loadDataCases(t)...))
	t.Logf("development + testdata: top-1 %.3f top-3 %.3f abstain %.3f", all.Top1, all.Top3, all.AbstainRecall)
	if all.Top1 < 0.85 || all.Top3 < 0.95 || all.AbstainRecall < 0.80 {
		t.Errorf("development + testdata below thresholds: top-1 %.3f (≥0.85) top-3 %.3f (≥0.95) abstain %.3f (≥0.80)", all.Top1, all.Top3, all.AbstainRecall)
	}
}

func TestMatchEdgeInputs(t *testing.T) {
	ix := benchIndex(t)
	for name, text := range map[string]string{
		"empty":      "",
		"spaces":     "   \n\t\n",
		"stopwords":  "the and of le la les",
		"numbers":    "12345678 0xdeadbeef 2026-01-01T00:00:00Z",
		"invalid":    "\xff\xfe\xfd error \xc3\x28",
		"long line":  strings.Repeat("word ", 20000),
		"many lines": strings.Repeat("INFO ok\n", 5000),
	} {
		res := ix.Match(text)
		if !res.Abstained && name != "invalid" {
			t.Errorf("%s: answered %+v", name, res.Matches)
		}
	}
}

func TestMatchConfidentAndExplained(t *testing.T) {
	ix := benchIndex(t)
	res := ix.Match(`javisi_nocodb  | [Nest] 1  - ERROR [ExceptionHandler] error: password authentication failed for user "nocodb"`)
	if res.Abstained || res.Matches[0].ID != "41.1" || res.Matches[0].Confidence != High {
		t.Fatalf("got %+v", res)
	}
	if res.Service != "nocodb" {
		t.Errorf("service = %q", res.Service)
	}
	ev := strings.Join(res.Matches[0].Evidence, " | ")
	if !strings.Contains(ev, "corpus error") || !strings.Contains(ev, "password") {
		t.Errorf("evidence = %q", ev)
	}
	if len(res.Matches) > MaxMatches {
		t.Errorf("%d matches", len(res.Matches))
	}
	for _, m := range res.Matches {
		if m.Score < 0 || m.Score > 1 {
			t.Errorf("score %v out of 0..1", m.Score)
		}
	}
}

func TestArchivedRankedBelowLive(t *testing.T) {
	ix := benchIndex(t)
	// Both 11.22 (archived, Kaneo) and 9.x speak of comments and tasks; an
	// archived section may still win on its own words, but never with a
	// live section of equal evidence: the rank factor is below one.
	sec, _ := ix.Section("11.22")
	if !sec.Archived {
		t.Fatal("11.22 should be archived")
	}
	res := ix.Match(`POST /api/activity/comment with {"taskId":"x","content":"y"} returns 400`)
	if res.Abstained || res.Matches[0].ID != "11.22" || !res.Matches[0].Archived {
		t.Fatalf("got %+v", res.Matches)
	}
}

func TestScanLargeLog(t *testing.T) {
	ix := benchIndex(t)
	data := syntheticLog(4<<20, 7)
	res, err := ix.ScanErr(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if res.Abstained {
		t.Fatal("abstained on a log full of known errors")
	}
	want := map[string]bool{"41.1": false, "11.13": false, "8.5": false, "6.2.1": false, "10.6": false}
	for _, m := range res.Matches {
		if _, ok := want[m.ID]; ok {
			want[m.ID] = true
			if len(m.Lines) == 0 || m.Excerpt == "" {
				t.Errorf("%s: no supporting line", m.ID)
			}
		}
	}
	for id, found := range want {
		if !found {
			t.Errorf("section %s not found in the log; got %+v", id, res.Matches)
		}
	}
	if res.Lines < 10000 || res.Scanned != int64(len(data)) {
		t.Errorf("lines %d scanned %d of %d", res.Lines, res.Scanned, len(data))
	}
}

func TestScanCleanLogAbstains(t *testing.T) {
	ix := benchIndex(t)
	var b strings.Builder
	for i := 0; i < 20000; i++ {
		b.WriteString(fmt.Sprintf(normalLines[i%len(normalLines)], i, i%255, i*7))
		b.WriteByte('\n')
	}
	res := ix.Scan(strings.NewReader(b.String()))
	if !res.Abstained {
		t.Errorf("a clean log gave %+v", res.Matches)
	}
}

func TestScanHugeLine(t *testing.T) {
	ix := benchIndex(t)
	huge := strings.Repeat("a", 3*MaxLineBytes) + "\n" + errorLines[0] + "\n"
	res := ix.Scan(strings.NewReader(huge))
	if res.Abstained || res.Matches[0].ID != "41.1" || res.Lines != 2 {
		t.Errorf("got lines=%d %+v", res.Lines, res.Matches)
	}
}

// TestVotesReorder: a section voted down for an error drops below the next
// candidate for that error, and only for that error.
func TestVotesReorder(t *testing.T) {
	ix := benchIndex(t)
	text := `Ansible says the nocodb env file changed and the restart handler ran, but docker inspect still shows the old NC_DB value in Config.Env`
	before := ix.Match(text)
	if len(before.Matches) < 2 || before.Signature == "" {
		t.Fatalf("need two candidates and a signature: %+v", before)
	}
	first, second := before.Matches[0].ID, before.Matches[1].ID
	again := ix.Match("2026-03-02 " + text + " ")
	if again.Signature != before.Signature {
		t.Error("the signature changed with a timestamp and spaces")
	}
	ix.SetVotes(func(sig string) map[string]int {
		if sig == before.Signature {
			return map[string]int{first: -1}
		}
		return nil
	})
	defer ix.SetVotes(nil)
	after := ix.Match(text)
	if after.Matches[0].ID != second {
		t.Errorf("after a 👎 on §%s, first is §%s, want §%s", first, after.Matches[0].ID, second)
	}
	other := ix.Match(`ERROR [ExceptionHandler] error: password authentication failed for user "nocodb"`)
	if other.Matches[0].ID != "41.1" {
		t.Errorf("votes leaked to another error: %+v", other.Matches[0])
	}
}

// The word pairs of a line around the error (the command run) weigh
// aroundWeight, as its words do: the pairs a section shares with the
// command alone count that much less than had the command been the error.
func TestAroundPairsWeighLess(t *testing.T) {
	ix := benchIndex(t)
	cmd := "sudo tailscale up --login-server=https://singa.ewutelo.cloud --hostname=workstation-pi"
	errText := "backend error: authkey already used"
	pairsOf := func(cmdLevel string) float64 {
		q := &query{lines: []Line{{No: 1, Text: cmd, Level: cmdLevel}, {No: 2, Text: errText, Level: "error"}}, errLine: []bool{cmdLevel == "error", true}}
		cands := make([]*candidate, len(ix.sections))
		for i := range cands {
			cands[i] = &candidate{sec: i, hits: []float64{1}}
		}
		ix.pairHits(q, cands)
		for _, c := range cands {
			if ix.sections[c.sec].ID == "0.6" {
				return c.pairs
			}
		}
		t.Fatal("no section 0.6")
		return 0
	}
	asError, around := pairsOf("error"), pairsOf("")
	if asError == 0 {
		t.Fatal("section 0.6 shares no word pair with the tailscale up command")
	}
	if got := around / asError; math.Abs(got-aroundWeight) > 1e-9 {
		t.Errorf("pairs around the error / as the error = %.3f, want %.2f", got, aroundWeight)
	}
}

// Tailscale's control server is what --login-server names: tailscaled
// failing to fetch its control key points to §0.6 (Headscale unreachable),
// not to the sections that happen to say "key" or "fetch".
func TestControlServerIsLoginServer(t *testing.T) {
	ix := benchIndex(t)
	res := ix.Match(`tailscaled[588]: control: fetch control key: Get "https://singa.ewutelo.cloud/key?v=117": context deadline exceeded`)
	if len(res.Matches) == 0 || res.Matches[0].ID != "0.6" {
		t.Errorf("nearest section %+v, want 0.6 first", res.Matches)
	}
}

// A service under a sub-path is recognised in a URL with or without its
// scheme, as a lone path and as a path setting's value; a file path whose
// first directory is not a service is not one.
func TestServedUnderPath(t *testing.T) {
	ix := benchIndex(t)
	for text, want := range map[string]bool{
		"https://javisi.ewutelo.cloud/grafana/ redirects forever":  true,
		"servir n8n sous javisi.ewutelo.cloud/n8n/ : page blanche": true,
		"with N8N_PATH=/n8n/ the editor stays blank":               true,
		"Caddy: handle_path /qdrant/* strips the prefix":           true,
		"open /etc/caddy/Caddyfile: permission denied":             false,
		"assets load from javisi.ewutelo.cloud/assets/ instead":    false,
		"see docs/n8n/README.md":                                   false,
	} {
		if got := ix.servedUnderPath(text); got != want {
			t.Errorf("servedUnderPath(%q) = %v, want %v", text, got, want)
		}
	}
}

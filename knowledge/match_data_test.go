package knowledge

import (
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

package knowledge

import (
	"strings"
	"sync"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte("## 1. A\n### 1.1 B\n**Symptôme** : `err: x`\n```\n# c\n```\n"))
	f.Add(DefaultCorpus[:4096])
	f.Add([]byte("```\n## 2. inside\n### 2.1 x"))
	f.Add([]byte("## 3\n#### 3.1.1.1.1a deep\n**Fix** (x) :"))
	f.Fuzz(func(t *testing.T, data []byte) {
		secs, err := Parse("fuzz.md", data)
		if err != nil {
			return
		}
		for _, s := range secs {
			if s.ID == "" {
				t.Fatalf("section without id: %+v", s)
			}
		}
		ix := NewIndex(secs, DefaultServices)
		// Any corpus that parses must serve a match and a search: a corpus
		// of one section once panicked the matcher.
		for _, text := range []string{"ERROR err: x failed", "fix"} {
			res := ix.Match(text)
			if len(res.Matches) > len(secs) {
				t.Fatalf("%d matches from %d sections", len(res.Matches), len(secs))
			}
		}
		ix.Search("fix err", 5)
	})
}

var (
	fuzzIxOnce sync.Once
	fuzzIx     *Index
)

func fuzzIndex(t testing.TB) *Index {
	fuzzIxOnce.Do(func() { fuzzIx = benchIndex(t) })
	return fuzzIx
}

func FuzzNormalize(f *testing.F) {
	for _, s := range append(append([]string{}, errorLines...), normalLines...) {
		f.Add(s)
	}
	f.Add("\x1b[31m{\"msg\":[1,{\"error\":\"x\"}]}")
	f.Add("a=b c=\"d\\\"e\" msg=")
	f.Add("Feb 22 10:14:03 h u[1]: \xff")
	f.Fuzz(func(t *testing.T, s string) {
		l := normalizeLine(1, s)
		if len(l.Text) > 4*len(s)+16 {
			t.Fatalf("text grew: %d from %d", len(l.Text), len(s))
		}
		tokenize(s, 0, func(term) {})
	})
}

func FuzzMatch(f *testing.F) {
	f.Add(`ERROR [ExceptionHandler] error: password authentication failed for user "nocodb"`)
	f.Add("::1 [::1]:3000 ::::1")
	f.Add(strings.Repeat("x\n", 200))
	f.Fuzz(func(t *testing.T, s string) {
		res := fuzzIndex(t).Match(s)
		if len(res.Matches) > MaxMatches {
			t.Fatalf("%d matches", len(res.Matches))
		}
		for _, m := range res.Matches {
			if m.Score < 0 || m.Score > 1 || m.ID == "" {
				t.Fatalf("bad match %+v", m)
			}
		}
	})
}

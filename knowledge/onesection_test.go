package knowledge

import (
	"testing"
)

// A corpus of a single section has no runner-up: matching must still work
// (it panicked on the margin over cands[1]).
func TestOneSectionCorpus(t *testing.T) {
	secs, err := Parse("one.md", []byte("# T\n\n## 1. Chap\n\n### 1.1 Only one\n\n**Symptome** : `boom failed`\n\n**Fix** : do it\n"))
	if err != nil {
		t.Fatal(err)
	}
	ix := NewIndex(secs, DefaultServices)
	for _, text := range []string{"boom failed", "nothing like it", "ERROR boom failed again and again"} {
		res := ix.Match(text)
		if len(res.Matches) > 1 {
			t.Errorf("%q: %d matches from a one-section corpus", text, len(res.Matches))
		}
	}
	if res := ix.Match("boom failed"); len(res.Matches) != 1 || res.Matches[0].ID != "1.1" {
		t.Errorf("the one section is not even the nearest: %+v", res)
	}
}

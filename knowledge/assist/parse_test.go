package assist

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParseVerdict(t *testing.T) {
	cands := []Candidate{{ID: "41.1"}, {ID: "11.2b"}, {ID: "3.1"}}
	ok := []struct {
		name, text string
		ids        []string
		expl       string
	}{
		{"plain", `{"ids": ["41.1"], "explanation": "because"}`, []string{"41.1"}, "because"},
		{"fenced json", "```json\n{\"ids\": [\"11.2b\"], \"explanation\": \"x\"}\n```", []string{"11.2b"}, "x"},
		{"fenced bare", "```\n{\"ids\": [], \"explanation\": \"none fits\"}\n```", nil, "none fits"},
		{"think first", "<think>the user…</think>\n{\"ids\": [\"3.1\"], \"explanation\": \"y\"}", []string{"3.1"}, "y"},
		{"section sign and duplicates", `{"ids": ["§41.1", "41.1", " 3.1 "], "explanation": "z"}`, []string{"41.1", "3.1"}, "z"},
		{"code block dropped", "{\"ids\": [\"41.1\"], \"explanation\": \"Le mot de passe a changé.\\n```sh\\nrm -rf /\\n```\\nVoir la section.\"}", []string{"41.1"}, "Le mot de passe a changé.\nVoir la section."},
		{"lines capped", `{"ids": ["41.1"], "explanation": "1\n2\n\n3\n4\n5\n6"}`, []string{"41.1"}, "1\n2\n3\n4 …"},
		{"secret redacted", `{"ids": ["41.1"], "explanation": "use sk-or-v1-abcdefabcdef0123456789"}`, []string{"41.1"}, "use ‹redacted›"},
		{"html kept as text", `{"ids": ["41.1"], "explanation": "<b>x</b> & y"}`, []string{"41.1"}, "<b>x</b> & y"},
	}
	for _, tt := range ok {
		v, err := ParseVerdict(tt.text, cands)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if strings.Join(v.IDs, ",") != strings.Join(tt.ids, ",") || v.Explanation != tt.expl {
			t.Errorf("%s: got %q %q, want %q %q", tt.name, v.IDs, v.Explanation, tt.ids, tt.expl)
		}
	}
	bad := map[string]string{
		"outside":         `{"ids": ["41.2"], "explanation": "x"}`,
		"too many":        `{"ids": ["41.1", "3.1", "11.2b"], "explanation": "x"}`,
		"unknown field":   `{"ids": ["41.1"], "explanation": "x", "fix": "rm -rf /"}`,
		"missing ids":     `{"explanation": "x"}`,
		"missing expl":    `{"ids": ["41.1"]}`,
		"null ids":        `{"ids": null, "explanation": "x"}`,
		"ids not strings": `{"ids": [41.1], "explanation": "x"}`,
		"empty expl":      "{\"ids\": [\"41.1\"], \"explanation\": \" \\n \"}",
		"two objects":     `{"ids": [], "explanation": "x"} {"ids": [], "explanation": "y"}`,
		"trailing prose":  `{"ids": [], "explanation": "x"} hope this helps`,
		"leading prose":   `Sure! {"ids": [], "explanation": "x"}`,
		"array":           `[{"ids": [], "explanation": "x"}]`,
		"empty":           "  ",
		"truncated":       `{"ids": ["41.1"], "explan`,
	}
	for name, text := range bad {
		if v, err := ParseVerdict(text, cands); err == nil {
			t.Errorf("%s: accepted %+v", name, v)
		}
	}
	long := `{"ids": ["41.1"], "explanation": "` + strings.Repeat("é", 2000) + `"}`
	if v, err := ParseVerdict(long, cands); err != nil || len([]rune(v.Explanation)) > maxExplanationRunes {
		t.Errorf("long explanation: %d runes, %v", len([]rune(v.Explanation)), err)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":     0,
		"7":    7 * time.Second,
		"1.5":  1500 * time.Millisecond,
		"-3":   0,
		"soon": 0,
		now.Add(42 * time.Second).Format(http.TimeFormat): 42 * time.Second,
		now.Add(-time.Minute).Format(http.TimeFormat):     0,
	} {
		if got := retryAfter(v, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestBuildPromptBounds(t *testing.T) {
	var many []Candidate
	for i := 0; i < 9; i++ {
		many = append(many, Candidate{ID: string(rune('a' + i)), Title: "t", Symptom: strings.Repeat("s ", 1000), Cause: "line one\n\nline two"})
	}
	p := BuildPrompt(strings.Repeat("x", 10000)+"\x00\x1b[31m", many)
	if n := strings.Count(p.User, "\n["); n != MaxCandidates {
		t.Errorf("%d candidates in the prompt, want %d", n, MaxCandidates)
	}
	if strings.ContainsAny(p.User, "\x00\x1b") {
		t.Errorf("control characters sent")
	}
	if len([]rune(p.User)) > maxInputRunes+MaxCandidates*(2*maxExcerptRunes+60)+200 {
		t.Errorf("prompt of %d runes", len([]rune(p.User)))
	}
	if !strings.Contains(p.User, "Cause: line one line two") {
		t.Errorf("excerpts are not folded to one line:\n%s", p.User)
	}
}

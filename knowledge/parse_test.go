package knowledge

import (
	"os"
	"strings"
	"testing"
)

// TestCorpusLint holds the shipped corpus to what the matcher relies on:
// unique ids, titles, known sections present, signatures that tokenise.
func TestCorpusLint(t *testing.T) {
	secs, err := Parse(DefaultCorpusName, DefaultCorpus)
	if err != nil {
		t.Fatal(err)
	}
	if len(secs) < 90 {
		t.Fatalf("parsed %d sections, the corpus has about 100", len(secs))
	}
	seen := map[string]bool{}
	for _, s := range secs {
		if seen[s.ID] {
			t.Errorf("section %s twice", s.ID)
		}
		seen[s.ID] = true
		if strings.TrimSpace(s.Title) == "" {
			t.Errorf("section %s has no title", s.ID)
		}
		if strings.TrimSpace(s.Body) == "" {
			t.Errorf("section %s has no body", s.ID)
		}
		for _, sig := range s.Signatures {
			n := 0
			tokenize(sig, 0, func(term) { n++ })
			if n == 0 {
				t.Errorf("section %s: signature %q has no word to match", s.ID, sig)
			}
		}
	}
	for _, id := range []string{"0.13", "2.1", "6.2.1", "11.2b", "11.13", "41.1", "41.2", "39", "99"} {
		if !seen[id] {
			t.Errorf("section %s missing", id)
		}
	}
	for _, notSection := range []string{"FAUX", "CORRECT", "Sur", "Verifier", "Cause"} {
		for _, s := range secs {
			if strings.HasPrefix(s.Title, notSection) {
				t.Errorf("a code comment or sub-heading became section %s %q", s.ID, s.Title)
			}
		}
	}
}

func TestCorpusIsUnchangedCopy(t *testing.T) {
	shared, err := os.ReadFile("../../shared/corpus/TROUBLESHOOTING.md")
	if err != nil {
		t.Skip("shared/ not beside the checkout")
	}
	if string(shared) != string(DefaultCorpus) {
		t.Fatal("knowledge/corpus/TROUBLESHOOTING.md differs from shared/corpus/TROUBLESHOOTING.md: ship an unchanged copy")
	}
}

func TestParseStructure(t *testing.T) {
	md := "# Title\n\nintro\n\n## 3. Chapter Three\n\n### 3.1 First\n\n**Symptôme** : it breaks with `Error: boom happened`\n\n```bash\n# not a heading\ndocker logs x\n```\n\n**Cause réelle** : because\n\n#### Sub heading\n\nfolded text\n\n### 3.1b Second ⚠️ ARCHIVÉ\n\n- **Fix** : do it\n- **Verification** : check it\n\n## 4. Lonely chapter\n\nText without numbered sections.\n\n## Unnumbered\n\nnot a pitfall\n"
	secs, err := Parse("t.md", []byte(md))
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, s := range secs {
		ids = append(ids, s.ID)
	}
	if strings.Join(ids, " ") != "3.1 3.1b 4" {
		t.Fatalf("ids = %v, want [3.1 3.1b 4]", ids)
	}
	s := secs[0]
	if s.Chapter != "Chapter Three" || s.Line != 7 {
		t.Errorf("chapter %q line %d", s.Chapter, s.Line)
	}
	if !strings.Contains(s.Body, "# not a heading") || !strings.Contains(s.Body, "folded text") {
		t.Errorf("code comment or sub-heading lost from the body: %q", s.Body)
	}
	if s.Part(PartSymptom) == "" || !strings.HasPrefix(s.Part(PartCause), "because") {
		t.Errorf("parts = %+v", s.Parts)
	}
	if len(s.Signatures) == 0 || s.Signatures[0] != "Error: boom happened" {
		t.Errorf("signatures = %q", s.Signatures)
	}
	if len(s.Commands) != 1 || s.Commands[0] != "docker logs x" {
		t.Errorf("commands = %q", s.Commands)
	}
	if !secs[1].Archived || secs[0].Archived {
		t.Errorf("archived flags: %v %v", secs[0].Archived, secs[1].Archived)
	}
	if secs[1].Part(PartFix) != "do it" || secs[1].Part(PartVerify) != "check it" {
		t.Errorf("bullet parts = %+v", secs[1].Parts)
	}
}

func TestParseLabelsFrenchAndEnglish(t *testing.T) {
	for label, want := range map[string]PartKind{
		"Symptôme": PartSymptom, "Symptome": PartSymptom, "Symptom": PartSymptom,
		"Cause": PartCause, "Cause réelle": PartCause, "Fix": PartFix, "Solution": PartFix,
		"Correct": PartFix, "Diagnostic": PartDiagnostic, "Vérification": PartVerify,
		"Verification": PartVerify, "Règle": PartRule, "Regle": PartRule, "Rule": PartRule,
	} {
		got, ok := labelKind(label)
		if !ok || got != want {
			t.Errorf("labelKind(%q) = %q, %v; want %q", label, got, ok, want)
		}
	}
	if _, ok := labelKind("Capabilities"); ok {
		t.Error("an ordinary bold word was taken as a label")
	}
}

func TestParseRejects(t *testing.T) {
	for name, data := range map[string]string{
		"empty":      "",
		"no numbers": "# Notes\n\n## Some chapter\n\ntext\n",
		"binary":     "\x00\x01\x02ELF",
		"not utf8":   "## 1. A\n### 1.1 B\n\xff\xfe",
	} {
		if _, err := Parse(name, []byte(data)); err == nil {
			t.Errorf("%s: Parse accepted it", name)
		}
	}
}

func TestLoadFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := dir + "/" + name
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := write("a.md", "## 1. A\n### 1.1 One\ntext one\n")
	write("b.md", "## 2. B\n### 2.1 Two\ntext two\n")
	secs, err := LoadFiles([]string{dir})
	if err != nil || len(secs) != 2 {
		t.Fatalf("LoadFiles(dir) = %d sections, %v", len(secs), err)
	}
	dup := write("dup.md.txt", "## 1. A\n### 1.1 Again\n")
	if _, err := LoadFiles([]string{a, dup}); err == nil || !strings.Contains(err.Error(), "defined twice") {
		t.Errorf("duplicate id: err = %v", err)
	}
	for _, bad := range [][]string{{dir + "/missing.md"}, {t.TempDir()}, {write("notes.txt", "just text\n")}} {
		_, err := LoadFiles(bad)
		if err == nil {
			t.Errorf("LoadFiles(%v) accepted it", bad)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("error is not one line: %q", err)
		}
	}
	def, err := LoadFiles(nil)
	if err != nil || len(def) < 90 {
		t.Fatalf("embedded corpus: %d sections, %v", len(def), err)
	}
}

func TestMemoryMinimums(t *testing.T) {
	got := map[string]MemoryMinimum{}
	for _, m := range benchIndex(t).MemoryMinimums() {
		got[m.Service] = m
	}
	if m := got["litellm"]; m.Bytes != 1024<<20 || m.Section != "10.2" {
		t.Errorf("litellm: %+v", m)
	}
	if m := got["openclaw"]; m.Bytes != 1536<<20 || m.Section != "11.2" {
		t.Errorf("openclaw: %+v", m)
	}
}

package config

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeReference keeps the README's configuration reference in step
// with Config (and so with config.example.yaml, which TestExampleHasEveryKey
// ties to Config): every key that holds a value has a row, and every row
// names a real key.
func TestReadmeReference(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	start := strings.Index(text, "### Configuration reference")
	if start < 0 {
		t.Fatal("README.md has no \"### Configuration reference\" section")
	}
	section := text[start:]
	if end := strings.Index(section[4:], "\n## "); end >= 0 {
		section = section[:end+4]
	}
	rows := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([^`]+)` \\|").FindAllStringSubmatch(section, -1) {
		if rows[m[1]] {
			t.Errorf("README reference: %s listed twice", m[1])
		}
		rows[m[1]] = true
	}
	all := keyPaths(reflect.TypeFor[Config](), "", false)
	known := map[string]bool{}
	for _, k := range all {
		known[k] = true
		// A section (a key with keys under it) is not a row; a list of
		// mappings is (its items' keys are rows of their own).
		section := false
		for _, o := range all {
			section = section || strings.HasPrefix(o, k+".")
		}
		if !section && !rows[k] {
			t.Errorf("README reference lacks %s", k)
		}
	}
	for k := range rows {
		if !known[k] {
			t.Errorf("README reference lists %s, which is not a configuration key", k)
		}
	}
	if len(rows) < 30 {
		t.Errorf("only %d rows found in the reference", len(rows))
	}
}

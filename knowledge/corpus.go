package knowledge

import (
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// DefaultCorpus is the stack's TROUBLESHOOTING.md, shipped unchanged.
//
//go:embed corpus/TROUBLESHOOTING.md
var DefaultCorpus []byte

// DefaultCorpusName names the embedded corpus in messages.
const DefaultCorpusName = "embedded:TROUBLESHOOTING.md"

// LoadFiles parses the Markdown corpora at paths (files, or directories
// whose *.md files are read in name order). No paths: the embedded corpus.
// A section id defined twice is an error naming both places.
func LoadFiles(paths []string) ([]Section, error) {
	if len(paths) == 0 {
		return Parse(DefaultCorpusName, DefaultCorpus)
	}
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("corpus %s: no such file or directory", p)
			}
			return nil, fmt.Errorf("corpus %s: %w", p, err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.EqualFold(filepath.Ext(path), ".md") {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("corpus %s: %w", p, err)
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("corpus %s: directory holds no .md file", p)
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	var all []Section
	where := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("corpus %s: %w", f, err)
		}
		secs, err := Parse(f, data)
		if err != nil {
			return nil, fmt.Errorf("corpus %w", err)
		}
		for _, s := range secs {
			at := fmt.Sprintf("%s:%d", s.Source, s.Line)
			if prev, dup := where[s.ID]; dup {
				return nil, fmt.Errorf("corpus: section %s defined twice (%s and %s)", s.ID, prev, at)
			}
			where[s.ID] = at
		}
		all = append(all, secs...)
	}
	return all, nil
}

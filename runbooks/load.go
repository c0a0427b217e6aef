package runbooks

import (
	"cmp"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
)

// defaultFiles are the runbooks shipped in the binary.
//
//go:embed defaults/*.yaml
var defaultFiles embed.FS

// defaultsDir is where the embedded runbooks are, and how their Source
// starts.
const defaultsDir = "defaults"

// LoadOptions are what Load checks against that this package does not know.
type LoadOptions struct {
	// SectionExists reports whether the corpus has a section with this
	// id; a runbook naming one it lacks does not load. Nil checks only
	// the shape of ids.
	SectionExists func(id string) bool
}

// Load returns the embedded runbooks and, when userDir is not "", those in
// its *.yaml and *.yml files, sorted by id. It is LoadOptions{}.Load.
func Load(userDir string) ([]Runbook, error) {
	return LoadOptions{}.Load(userDir)
}

// Load returns the embedded runbooks and, when userDir is not "", those in
// its *.yaml and *.yml files (not its subdirectories), sorted by id. A user
// runbook with the id of an embedded one replaces it; two user runbooks
// with the same id are an error.
//
// A file holds one runbook, or several as YAML documents separated by
// "---". Each is decoded strictly, given its defaults and validated; every
// problem of every file is returned at once as a *ValidationError, and then
// no runbook is: an invalid runbook stops loading. A user directory that
// cannot be read is an error of its own, naming the directory.
func (o LoadOptions) Load(userDir string) ([]Runbook, error) {
	var user fs.FS
	if userDir != "" {
		st, err := os.Stat(userDir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("runbooks dir %s: no such directory", userDir)
		case err != nil:
			return nil, fmt.Errorf("runbooks dir %s: %w", userDir, err)
		case !st.IsDir():
			return nil, fmt.Errorf("runbooks dir %s: not a directory", userDir)
		}
		user = os.DirFS(userDir)
	}
	rbs, err := o.load(defaultFiles, user)
	if err != nil && !isValidation(err) {
		return nil, fmt.Errorf("runbooks dir %s: %w", userDir, err)
	}
	return rbs, err
}

func isValidation(err error) bool {
	var ve *ValidationError
	return errors.As(err, &ve)
}

// source is one file to load.
type source struct {
	name string // as problems and Runbook.Source name it
	data []byte
	user bool
}

// load reads defaults/*.yaml from defaults and, when user is not nil, the
// runbook files at its root.
func (o LoadOptions) load(defaults, user fs.FS) ([]Runbook, error) {
	var files []source
	names, err := fs.Glob(defaults, defaultsDir+"/*.yaml")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		data, err := fs.ReadFile(defaults, name)
		if err != nil {
			return nil, err
		}
		files = append(files, source{name: name, data: data})
	}
	if user != nil {
		entries, err := fs.ReadDir(user, ".")
		if err != nil {
			return nil, err
		}
		// ReadDir sorts by name, so problems come in a stable order.
		for _, e := range entries {
			name := e.Name()
			ext := path.Ext(name)
			if e.IsDir() || strings.HasPrefix(name, ".") || (ext != ".yaml" && ext != ".yml") {
				continue
			}
			data, err := fs.ReadFile(user, name)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			files = append(files, source{name: name, data: data, user: true})
		}
	}
	return o.loadSources(files)
}

// loadSources decodes, fills and validates every file, then resolves ids
// across them: files is ordered defaults first.
func (o LoadOptions) loadSources(files []source) ([]Runbook, error) {
	var ps problems
	byID := map[string]*parsed{}
	for i, f := range files {
		sum := sha256.Sum256(f.data)
		version := hex.EncodeToString(sum[:])[:12]
		for _, p := range parseFile(f.name, i, f.data, &ps) {
			p.rb.Version = version
			p.rb.Source = f.name
			p.fill()
			p.check(o, &ps)
			if p.rb.ID == "" || !idRE.MatchString(p.rb.ID) {
				continue // reported by check
			}
			prev, ok := byID[p.rb.ID]
			if ok && (!f.user || files[prev.order].user) {
				// A user runbook replaces an embedded one; any other
				// repetition is a mistake.
				ps.add(p.file, p.line("id"), "id", "%q defined twice (%s and %s)", p.rb.ID, place(prev, p), place(p, prev))
				continue
			}
			byID[p.rb.ID] = p
		}
	}

	all := make([]*parsed, 0, len(byID))
	for _, p := range byID {
		all = append(all, p)
	}
	// Conflicts are reported on the runbook read last, so that a user
	// file, not the embedded one it collides with, is named.
	slices.SortFunc(all, func(a, b *parsed) int {
		return cmp.Or(cmp.Compare(a.order, b.order), cmp.Compare(a.line(""), b.line("")))
	})
	checkCommands(all, &ps)
	slices.SortFunc(all, func(a, b *parsed) int { return cmp.Compare(a.rb.ID, b.rb.ID) })

	if len(ps) > 0 {
		order := map[string]int{}
		for i, f := range files {
			order[f.name] = i
		}
		slices.SortStableFunc(ps, func(a, b Problem) int {
			return cmp.Or(cmp.Compare(order[a.File], order[b.File]), cmp.Compare(a.Line, b.Line))
		})
		return nil, &ValidationError{Problems: ps}
	}
	out := make([]Runbook, len(all))
	for i, p := range all {
		out[i] = p.rb
	}
	return out, nil
}

// place names where p's id is for a "defined twice" message: the file, and
// the line too when other is in the same file.
func place(p, other *parsed) string {
	if p.file == other.file {
		return fmt.Sprintf("%s:%d", p.file, p.line("id"))
	}
	return p.file
}

// checkCommands reports commands that would be ambiguous: the same command
// and subcommand twice, or a command used both alone and with subcommands.
// all is in the order the runbooks were read, and the later one is
// reported.
func checkCommands(all []*parsed, ps *problems) {
	first := map[string]*parsed{}   // "command subcommand" → runbook
	bare := map[string]*parsed{}    // command → runbook using it alone
	withSub := map[string]*parsed{} // command → runbook using it with a subcommand
	for _, p := range all {
		rb := p.rb
		if rb.Command == "" || !commandRE.MatchString(rb.Command) {
			continue
		}
		key := rb.Command + " " + rb.Subcommand
		if prev, ok := first[key]; ok {
			if rb.Subcommand == "" {
				ps.add(p.file, p.line("command"), "command", "%q is also the command of %s (%s)", rb.Command, prev.rb.ID, prev.file)
			} else {
				ps.add(p.file, p.line("subcommand"), "subcommand", "%q of command %q is also used by %s (%s)", rb.Subcommand, rb.Command, prev.rb.ID, prev.file)
			}
			continue
		}
		first[key] = p
		if rb.Subcommand == "" {
			if other, ok := withSub[rb.Command]; ok {
				ps.add(p.file, p.line("command"), "command", "%q needs a subcommand: %s uses it with one (%s)", rb.Command, other.rb.ID, other.file)
			}
			bare[rb.Command] = p
		} else {
			if other, ok := bare[rb.Command]; ok {
				ps.add(p.file, p.line("subcommand"), "subcommand", "command %q is used alone by %s (%s); give it a subcommand too", rb.Command, other.rb.ID, other.file)
			}
			if _, ok := withSub[rb.Command]; !ok {
				withSub[rb.Command] = p
			}
		}
	}
}

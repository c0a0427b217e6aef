package runbooks

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"vigie/internal/textdist"
)

// The keys of a runbook file, in the order they are documented. Decoding is
// strict: any other key is a problem, with a suggestion when it is a near
// miss.
var (
	runbookKeys = []string{"id", "title", "sections", "command", "subcommand", "params", "actions"}
	paramKeys   = []string{"name", "description", "required", "infer", "pattern"}
	actionKeys  = []string{"kind", "target", "host", "file", "project", "confirm", "verify", "timeout"}
)

// parsed is one runbook as decoded from its document, with where each key
// was, so that validation can name the line.
type parsed struct {
	rb   Runbook
	file string
	// order is the index of the file among those loaded, to sort
	// problems by file.
	order int
	// lines maps a key path ("id", "actions[1].kind", "actions[1]") to
	// its line; "" maps to the document's first line. A key is present
	// in the file exactly when it is in lines.
	lines map[string]int
	// bad holds the key paths whose value did not decode; they have been
	// reported, and validation leaves them alone.
	bad map[string]bool
}

// line returns the line of key, or of its nearest enclosing key when the
// key itself is absent (a missing field is reported where its mapping
// starts).
func (p *parsed) line(key string) int {
	for {
		if l, ok := p.lines[key]; ok {
			return l
		}
		if key == "" {
			return 0
		}
		i := strings.LastIndexAny(key, ".[")
		if i < 0 {
			key = ""
		} else {
			key = key[:i]
		}
	}
}

// has reports whether key is in the file and decoded.
func (p *parsed) has(key string) bool {
	_, ok := p.lines[key]
	return ok && !p.bad[key]
}

// decoder turns the YAML nodes of one document into a parsed runbook,
// reporting every value of the wrong shape.
type decoder struct {
	p  *parsed
	ps *problems
}

func (d *decoder) problem(line int, key, format string, args ...any) {
	d.ps.add(d.p.file, line, key, format, args...)
}

// parseFile decodes every document of data, read from the file called
// name, into a runbook. It reports decoding problems only; defaults and
// validation come after.
func parseFile(name string, order int, data []byte, ps *problems) []*parsed {
	var out []*parsed
	before := len(*ps)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			syntaxProblem(name, err, ps)
			return out
		}
		root := &doc
		if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
			root = root.Content[0]
		}
		if root.Kind == yaml.DocumentNode || (root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null") {
			continue // an empty document, as between two "---"
		}
		p := &parsed{file: name, order: order, lines: map[string]int{"": root.Line}, bad: map[string]bool{}}
		d := decoder{p: p, ps: ps}
		if d.runbook(root) {
			out = append(out, p)
		}
	}
	if len(out) == 0 && len(*ps) == before {
		ps.add(name, 0, "", "holds no runbook")
	}
	return out
}

// syntaxProblem reports a YAML syntax error, "yaml: line 3: did not find
// expected key", as "name:3: did not find expected key".
func syntaxProblem(name string, err error, ps *problems) {
	msg := strings.TrimPrefix(oneLine(err.Error()), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil {
				ps.add(name, n, "", "%s", text)
				return
			}
		}
	}
	ps.add(name, 0, "", "%s", msg)
}

// runbook decodes the root of a document; it returns false when the
// document is not a runbook at all (not a mapping).
func (d *decoder) runbook(n *yaml.Node) bool {
	fields, ok := d.mapping(n, "", runbookKeys)
	if !ok {
		return false
	}
	rb := &d.p.rb
	rb.ID = d.str(fields["id"], "id")
	rb.Title = d.str(fields["title"], "title")
	for i, s := range d.list(fields["sections"], "sections") {
		key := fmt.Sprintf("sections[%d]", i)
		d.p.lines[key] = s.Line
		rb.Sections = append(rb.Sections, d.sectionID(s, key))
	}
	rb.Command = d.str(fields["command"], "command")
	rb.Subcommand = d.str(fields["subcommand"], "subcommand")
	for i, pn := range d.list(fields["params"], "params") {
		rb.Params = append(rb.Params, d.param(pn, fmt.Sprintf("params[%d]", i)))
	}
	for i, an := range d.list(fields["actions"], "actions") {
		rb.Actions = append(rb.Actions, d.action(an, fmt.Sprintf("actions[%d]", i)))
	}
	return true
}

func (d *decoder) param(n *yaml.Node, path string) Param {
	d.p.lines[path] = n.Line
	fields, ok := d.mapping(n, path, paramKeys)
	if !ok {
		d.p.bad[path] = true
		return Param{}
	}
	return Param{
		Name:        d.str(fields["name"], path+".name"),
		Description: d.str(fields["description"], path+".description"),
		Required:    d.boolean(fields["required"], path+".required"),
		Infer:       d.str(fields["infer"], path+".infer"),
		Pattern:     d.str(fields["pattern"], path+".pattern"),
	}
}

func (d *decoder) action(n *yaml.Node, path string) Action {
	d.p.lines[path] = n.Line
	fields, ok := d.mapping(n, path, actionKeys)
	if !ok {
		d.p.bad[path] = true
		return Action{}
	}
	return Action{
		Kind:    Kind(d.str(fields["kind"], path+".kind")),
		Target:  d.str(fields["target"], path+".target"),
		Host:    d.str(fields["host"], path+".host"),
		File:    d.str(fields["file"], path+".file"),
		Project: d.str(fields["project"], path+".project"),
		Confirm: d.str(fields["confirm"], path+".confirm"),
		Verify:  Verify(d.str(fields["verify"], path+".verify")),
		Timeout: d.duration(fields["timeout"], path+".timeout"),
	}
}

// mapping returns the values of mapping n by key, recording the line of
// each key under path. Unknown and repeated keys are reported and left out;
// a node that is not a mapping is reported and yields false.
func (d *decoder) mapping(n *yaml.Node, path string, known []string) (map[string]*yaml.Node, bool) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		what := "a runbook (a mapping)"
		if path != "" {
			what = "a mapping"
		}
		d.problem(n.Line, path, "expected %s, got %s", what, describe(n))
		return nil, false
	}
	fields := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		key := joinKey(path, k.Value)
		switch {
		case k.Kind != yaml.ScalarNode:
			d.problem(k.Line, path, "a key must be a plain word, got %s", describe(k))
		case !slices.Contains(known, k.Value):
			d.problem(k.Line, key, "unknown key%s", suggest(k.Value, known))
		case fields[k.Value] != nil:
			d.problem(k.Line, key, "set twice (first at line %d)", d.p.lines[key])
		default:
			fields[k.Value] = v
			d.p.lines[key] = k.Line
		}
	}
	return fields, true
}

// str decodes a string. A null (`key:` with nothing after it) is "".
func (d *decoder) str(n *yaml.Node, key string) string {
	if n == nil {
		return ""
	}
	n = resolve(n)
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!str":
			return n.Value
		case "!!null":
			return ""
		}
	}
	d.p.bad[key] = true
	d.problem(n.Line, key, "expected a string, got %s", describe(n))
	return ""
}

// sectionID decodes a section id. Numbers are accepted as written, so that
// `sections: [41.2, 41.10]` means what it says (the text "41.10", not the
// float 41.1).
func (d *decoder) sectionID(n *yaml.Node, key string) string {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!str", "!!int", "!!float":
			return n.Value
		}
	}
	d.p.bad[key] = true
	d.problem(n.Line, key, "expected a section id such as \"41.2\", got %s", describe(n))
	return ""
}

func (d *decoder) boolean(n *yaml.Node, key string) bool {
	if n == nil {
		return false
	}
	n = resolve(n)
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!bool":
			if b, err := strconv.ParseBool(n.Value); err == nil {
				return b
			}
		case "!!null":
			return false
		}
	}
	d.p.bad[key] = true
	d.problem(n.Line, key, "expected true or false, got %s", describe(n))
	return false
}

// duration decodes a Go duration such as "90s" or "2m". A null is 0, which
// defaults fill like an absent key.
func (d *decoder) duration(n *yaml.Node, key string) time.Duration {
	if n == nil {
		return 0
	}
	n = resolve(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		delete(d.p.lines, key)
		return 0
	}
	if n.Kind == yaml.ScalarNode {
		v, err := time.ParseDuration(n.Value)
		if err == nil {
			return v
		}
		d.p.bad[key] = true
		msg := fmt.Sprintf("not a duration %s", shown(n.Value))
		if _, err := strconv.ParseFloat(n.Value, 64); err == nil {
			msg += fmt.Sprintf(" (add a unit, e.g. %q)", n.Value+"s")
		}
		d.problem(n.Line, key, "%s", msg)
		return 0
	}
	d.p.bad[key] = true
	d.problem(n.Line, key, "expected a duration such as \"60s\", got %s", describe(n))
	return 0
}

// list returns the items of a sequence; a null is an empty list.
func (d *decoder) list(n *yaml.Node, key string) []*yaml.Node {
	if n == nil {
		return nil
	}
	n = resolve(n)
	switch {
	case n.Kind == yaml.SequenceNode:
		return n.Content
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null":
		return nil
	}
	d.p.bad[key] = true
	d.problem(n.Line, key, "expected a list, got %s", describe(n))
	return nil
}

// resolve follows aliases to the node they stand for.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// describe names what the file holds, for "got ...".
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!str" {
			return shown(n.Value)
		}
		if n.ShortTag() == "!!null" {
			return "nothing"
		}
		return n.Value
	}
	return "something else"
}

// suggest returns ` (did you mean "x"?)` when name is at most two edits from
// a known key.
func suggest(name string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := textdist.Levenshtein(name, k); d < bestDist && d < len(name) {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func joinKey(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

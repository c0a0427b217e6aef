package config

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"vigie/internal/textdist"
)

// decodeError rewrites a yaml decoding error on text (read from the file
// called name) as one line that names the file, the line and the key.
func decodeError(name string, text []byte, fromEnv map[int]bool, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		// A syntax error: "yaml: line 3: did not find expected key", or
		// without a line when the problem is on the first one.
		msg := strings.TrimPrefix(oneLine(err.Error()), "yaml: ")
		if line, rest, ok := cutLine(msg); ok {
			return &fileError{msg: fmt.Sprintf("%s:%d: %s", name, line, rest), err: err}
		}
		return &fileError{msg: fmt.Sprintf("%s: %s", name, msg), err: err}
	}
	idx := indexNodes(text)
	parts := make([]string, 0, len(te.Errors))
	for _, e := range te.Errors {
		parts = append(parts, name+":"+describe(oneLine(e), idx, fromEnv))
	}
	return &fileError{msg: strings.Join(parts, "; "), err: err}
}

// describe rewrites one yaml.TypeError entry as "LINE: message", or
// " message" when it has no line.
//
// yaml.v3 reports these problems as text only ("line 4: field foo not found
// in type config.Log"); describe turns them into messages that name the key
// the way an operator wrote it. An unrecognised message is passed through,
// so a new yaml version degrades to its own wording rather than to a wrong
// one.
func describe(e string, idx nodeIndex, fromEnv map[int]bool) string {
	line, rest, ok := cutLine(e)
	if !ok {
		return " " + e
	}
	if field, ok := between(rest, "field ", " not found in type "); ok {
		path := idx.keyPath(line, field)
		return fmt.Sprintf("%d: unknown key %q%s", line, path, suggest(path))
	}
	if quoted, first, ok := cutAround(rest, "mapping key ", " already defined at line "); ok {
		key, err := strconv.Unquote(quoted)
		if err != nil {
			key = quoted
		}
		return fmt.Sprintf("%d: duplicate key %q (first at line %s)", line, idx.keyPath(line, key), first)
	}
	if field, ok := between(rest, "field ", " already set in type "); ok {
		return fmt.Sprintf("%d: key %q set twice", line, idx.keyPath(line, field))
	}
	if quoted, ok := strings.CutPrefix(rest, notDuration); ok {
		// From Duration.UnmarshalYAML: `not a duration "ten"`.
		if value, err := strconv.Unquote(quoted); err == nil {
			msg := notDuration + quoted
			if _, err := strconv.ParseFloat(value, 64); err == nil {
				msg += fmt.Sprintf(" (add a unit, e.g. %q)", value+"s")
			}
			if fromEnv[line] {
				msg = "not a duration: a value substituted from the environment (not shown)"
			}
			if path := idx.valuePath(line, "!!str", value); path != "" {
				msg = path + ": " + msg
			}
			return fmt.Sprintf("%d: %s", line, msg)
		}
	}
	if what, ok := strings.CutPrefix(rest, "cannot unmarshal "); ok {
		// "!!str `twenty` into int" or "!!seq into string"; the value
		// may itself contain " into ", the Go type may not.
		if i := strings.LastIndex(what, " into "); i >= 0 {
			tag, value, _ := strings.Cut(what[:i], " ")
			value = strings.TrimSuffix(strings.TrimPrefix(value, "`"), "`")
			goType := what[i+len(" into "):]
			got := describeYAML(tag, value)
			if fromEnv[line] && tag != "!!seq" && tag != "!!map" {
				got = "a value substituted from the environment (not shown)"
			}
			msg := fmt.Sprintf("expected %s, got %s", describeGo(goType), got)
			if path := idx.valuePath(line, tag, value); path != "" {
				msg = path + ": " + msg
			}
			return fmt.Sprintf("%d: %s", line, msg)
		}
	}
	return fmt.Sprintf("%d: %s", line, rest)
}

// cutLine splits "line 12: rest" into 12 and "rest".
func cutLine(s string) (int, string, bool) {
	s, ok := strings.CutPrefix(s, "line ")
	if !ok {
		return 0, "", false
	}
	num, rest, ok := strings.Cut(s, ": ")
	if !ok {
		return 0, "", false
	}
	n, err := strconv.Atoi(num)
	if err != nil {
		return 0, "", false
	}
	return n, rest, true
}

// between returns what lies between prefix and sep in s.
func between(s, prefix, sep string) (string, bool) {
	mid, _, ok := cutAround(s, prefix, sep)
	return mid, ok
}

// cutAround splits "PREFIX mid SEP tail" into mid and tail.
func cutAround(s, prefix, sep string) (mid, tail string, ok bool) {
	s, ok = strings.CutPrefix(s, prefix)
	if !ok {
		return "", "", false
	}
	return strings.Cut(s, sep)
}

// describeYAML names what the file holds, for "got ...".
func describeYAML(tag, value string) string {
	switch tag {
	case "!!seq":
		return "a list"
	case "!!map":
		return "a mapping"
	case "!!str":
		return strconv.Quote(value)
	case "!!int", "!!float", "!!bool":
		return value
	}
	return strings.TrimSpace(tag + " " + value)
}

// describeGo names what a Go type accepts, for "expected ...". The types are
// the ones in Config, so their names are known.
func describeGo(goType string) string {
	switch goType {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "string", reflect.TypeFor[Secret]().String():
		return "a string"
	case reflect.TypeFor[Duration]().String():
		return `a duration such as "10s"`
	}
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "map["), strings.HasPrefix(goType, "config."):
		return "a mapping"
	}
	return goType
}

// nodeIndex records where each key and value of a document is, so that a line
// number from yaml can be turned back into the dotted key it belongs to.
type nodeIndex []nodeRef

type nodeRef struct {
	line  int
	key   bool // a mapping key rather than a value
	kind  yaml.Kind
	value string
	path  string // "telegram.allowed_chats[1]"
}

// indexNodes parses text (which has already decoded once, so it is valid
// YAML) into the index; on a parse failure the index is empty and messages
// fall back to yaml's own names.
func indexNodes(text []byte) nodeIndex {
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil {
		return nil
	}
	var idx nodeIndex
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		if n.Kind == yaml.DocumentNode {
			for _, c := range n.Content {
				walk(c, path)
			}
			return
		}
		idx = append(idx, nodeRef{line: n.Line, kind: n.Kind, value: n.Value, path: path})
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := joinKey(path, k.Value)
				idx = append(idx, nodeRef{line: k.Line, key: true, kind: k.Kind, value: k.Value, path: p})
				walk(v, p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	walk(&doc, "")
	return idx
}

// keyPath returns the dotted path of the key called name on line, or name
// itself when the index does not know it.
func (idx nodeIndex) keyPath(line int, name string) string {
	for _, r := range idx {
		if r.key && r.line == line && r.value == name {
			return r.path
		}
	}
	return name
}

// valuePath returns the path of the value on line that yaml complained
// about, matching its kind and (possibly truncated) text; "" when unknown.
func (idx nodeIndex) valuePath(line int, tag, value string) string {
	kind := yaml.ScalarNode
	switch tag {
	case "!!seq":
		kind = yaml.SequenceNode
	case "!!map":
		kind = yaml.MappingNode
	}
	prefix, truncated := strings.CutSuffix(value, "...")
	first := ""
	for _, r := range idx {
		if r.key || r.line != line || r.kind != kind {
			continue
		}
		if kind != yaml.ScalarNode || r.value == value || (truncated && strings.HasPrefix(r.value, prefix)) {
			return r.path
		}
		if first == "" {
			first = r.path
		}
	}
	return first
}

// suggest returns ` (did you mean "x"?)` for an unknown key path: a known key
// at the same level spelt nearly the same, else a known key of the same name
// elsewhere (a setting put under the wrong section).
func suggest(path string) string {
	parent, name := "", path
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		// hosts[2].tls is known as hosts[].tls.
		parent, name = withoutIndexes(path[:i]), path[i+1:]
	}
	best, bestDist := "", 3 // at most two edits
	for _, k := range keyPaths(reflect.TypeFor[Config](), "", false) {
		kp, kn := "", k
		if i := strings.LastIndexByte(k, '.'); i >= 0 {
			kp, kn = k[:i], k[i+1:]
		}
		if kp != parent {
			continue
		}
		if d := textdist.Levenshtein(name, kn); d < bestDist && d < len(name) {
			best, bestDist = k, d
		}
	}
	if best == "" {
		for _, k := range keyPaths(reflect.TypeFor[Config](), "", false) {
			if strings.HasSuffix(k, "."+name) || k == name {
				best = k
				break
			}
		}
	}
	if best == "" {
		return ""
	}
	if parent != "" && strings.HasPrefix(best, parent+".") {
		best = strings.TrimPrefix(best, parent+".")
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// keyPaths lists the dotted yaml key paths of struct type t under prefix:
// every key when leavesOnly is false, only the keys holding values (not
// sections) when it is true. It is how the example file is checked for
// completeness and how misspelt keys get a suggestion, so both follow the
// struct and cannot drift from it.
//
// A list of mappings (hosts) is a leaf: its value, and its default, is the
// whole list. When leavesOnly is false the keys of its items follow it,
// written hosts[].name, so that a misspelt key in an item gets a suggestion
// too.
func keyPaths(t reflect.Type, prefix string, leavesOnly bool) []string {
	var out []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		p := joinKey(prefix, name)
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft.Kind() == reflect.Struct:
			if !leavesOnly {
				out = append(out, p)
			}
			out = append(out, keyPaths(ft, p, leavesOnly)...)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			out = append(out, p)
			if !leavesOnly {
				out = append(out, keyPaths(ft.Elem(), p+"[]", false)...)
			}
		default:
			out = append(out, p)
		}
	}
	return out
}

// withoutIndexes turns "hosts[2].tls" into "hosts[].tls", the form keyPaths
// uses.
func withoutIndexes(path string) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(path, '[')
		if open < 0 {
			break
		}
		end := strings.IndexByte(path[open:], ']')
		if end < 0 {
			break
		}
		b.WriteString(path[:open+1])
		path = path[open+end:] // from the ']'
	}
	b.WriteString(path)
	return b.String()
}

func joinKey(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// oneLine keeps a message on one line, as every load error promises.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

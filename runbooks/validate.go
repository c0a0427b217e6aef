package runbooks

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"time"
)

// Shapes of the names a runbook holds.
var (
	idRE      = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	sectionRE = regexp.MustCompile(`^\d+(\.\d+)*[a-z]?$`)
	// A Telegram bot command: lower case, digits and '_', at most 32.
	commandRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
	paramRE   = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	// Docker's rule for container names, which also covers compose
	// service names.
	nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	// An image reference: [registry[:port]/]repo[:tag][@digest].
	imageRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:/@-]*$`)
	// A host name as the configuration's hosts[].name.
	hostRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	// Compose's rule for project names.
	projectRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	pathRE    = regexp.MustCompile(`^[A-Za-z0-9_./-]+$`)
)

// maxConfirm bounds the confirmation text, which is shown on a chat message
// together with the plan.
const maxConfirm = 300

// fill sets what the file may leave out: the timeout, the verification the
// kind implies, the default parameter pattern, and ReadOnly.
func (p *parsed) fill() {
	rb := &p.rb
	for i := range rb.Params {
		if rb.Params[i].Pattern == "" && !p.has(fmt.Sprintf("params[%d].pattern", i)) {
			rb.Params[i].Pattern = DefaultPattern
		}
	}
	for i := range rb.Actions {
		a := &rb.Actions[i]
		key := fmt.Sprintf("actions[%d]", i)
		if _, set := p.lines[key+".timeout"]; !set {
			a.Timeout = DefaultTimeout
		}
		if a.Verify == "" {
			a.Verify = a.Kind.DefaultVerify()
		}
		a.ReadOnly = a.Kind.ReadOnly()
	}
}

// check validates one runbook on its own; what concerns several runbooks
// (ids and commands used twice) is checked by Load.
func (p *parsed) check(opts LoadOptions, ps *problems) {
	rb := p.rb
	add := func(key, format string, args ...any) {
		ps.add(p.file, p.line(key), key, format, args...)
	}

	switch {
	case p.bad["id"]:
	case rb.ID == "":
		add("id", "required")
	case !idRE.MatchString(rb.ID):
		add("id", "%s must match [a-z0-9][a-z0-9_-]*", shown(rb.ID))
	}

	switch {
	case p.bad["title"]:
	case strings.TrimSpace(rb.Title) == "":
		add("title", "required")
	case strings.ContainsAny(rb.Title, "\r\n"):
		add("title", "must be one line")
	}

	seen := map[string]int{}
	for i, s := range rb.Sections {
		key := fmt.Sprintf("sections[%d]", i)
		switch {
		case p.bad[key]:
		case !sectionRE.MatchString(s):
			add(key, "%s is not a section id (e.g. \"41.2\")", shown(s))
		case seen[s] > 0:
			add(key, "%q listed twice", s)
		case opts.SectionExists != nil && !opts.SectionExists(s):
			add(key, "no section %q in the corpus", s)
		}
		seen[s]++
	}

	if rb.Command != "" && !commandRE.MatchString(rb.Command) {
		add("command", "%s must be a lower-case word (a-z, 0-9, '_', at most 32)", shown(rb.Command))
	}
	switch {
	case rb.Subcommand == "":
	case rb.Command == "" && !p.bad["command"]:
		add("subcommand", "only with a command")
	case !commandRE.MatchString(rb.Subcommand):
		add("subcommand", "%s must be a lower-case word (a-z, 0-9, '_', at most 32)", shown(rb.Subcommand))
	}
	if len(rb.Sections) == 0 && rb.Command == "" && !p.bad["sections"] && !p.bad["command"] {
		add("sections", "a runbook needs sections or a command, else nothing offers it")
	}

	p.checkParams(add)
	p.checkActions(add)
}

func (p *parsed) checkParams(add func(key, format string, args ...any)) {
	rb := p.rb
	seen := map[string]bool{}
	inferred := ""
	for i, prm := range rb.Params {
		key := fmt.Sprintf("params[%d]", i)
		if p.bad[key] {
			continue
		}
		switch {
		case p.bad[key+".name"]:
		case prm.Name == "":
			add(key+".name", "required")
		case !paramRE.MatchString(prm.Name):
			add(key+".name", "%s must match [a-z][a-z0-9_]*", shown(prm.Name))
		case seen[prm.Name]:
			add(key+".name", "%q defined twice", prm.Name)
		case !p.uses(prm.Name):
			add(key+".name", "%q is not used by any action", prm.Name)
		}
		seen[prm.Name] = true

		switch prm.Infer {
		case "":
		case InferService:
			if inferred != "" {
				add(key+".infer", "only one parameter can infer the service (%s does)", inferred)
			}
			inferred = prm.Name
		default:
			if !p.bad[key+".infer"] {
				add(key+".infer", "unknown %s (one of %s, or none)", shown(prm.Infer), InferService)
			}
		}

		if p.bad[key+".pattern"] {
			continue
		}
		if problem := checkPattern(prm.Pattern); problem != "" {
			add(key+".pattern", "%s", problem)
		}
	}
}

// checkPattern returns what is wrong with a parameter's pattern, "" if
// nothing.
func checkPattern(pattern string) string {
	if pattern == "" {
		return "empty (leave the key out for the default)"
	}
	if _, err := compilePattern(pattern); err != nil {
		var se *syntax.Error
		if errors.As(err, &se) {
			return fmt.Sprintf("not a valid regexp (%s)", se.Code)
		}
		return "not a valid regexp"
	}
	return ""
}

// compilePattern compiles a parameter's pattern so that it matches whole
// values only: `[a-z]+` written without anchors must not let "nocodb;rm"
// through because "nocodb" matches.
func compilePattern(pattern string) (*regexp.Regexp, error) {
	// Compiled alone first, so that `a)(?:b`, which the wrapping would
	// make valid, is not.
	if _, err := regexp.Compile(pattern); err != nil {
		return nil, err
	}
	return regexp.Compile(`^(?:` + pattern + `)$`)
}

// uses reports whether any action refers to parameter name.
func (p *parsed) uses(name string) bool {
	for _, a := range p.rb.Actions {
		for _, v := range []string{a.Target, a.Host, a.File, a.Project, a.Confirm} {
			refs, _ := references(v)
			for _, r := range refs {
				if r == name {
					return true
				}
			}
		}
	}
	return false
}

func (p *parsed) checkActions(add func(key, format string, args ...any)) {
	rb := p.rb
	if len(rb.Actions) == 0 && !p.bad["actions"] {
		add("actions", "at least one action is required")
		return
	}
	kinds := make([]string, 0, len(Kinds()))
	for _, k := range Kinds() {
		kinds = append(kinds, string(k))
	}
	for i, a := range rb.Actions {
		key := fmt.Sprintf("actions[%d]", i)
		if p.bad[key] {
			continue
		}
		switch {
		case p.bad[key+".kind"]:
			continue
		case a.Kind == "":
			add(key+".kind", "required (one of %s)", strings.Join(kinds, ", "))
			continue
		case !a.Kind.Valid():
			add(key+".kind", "unknown %s (one of %s)", shown(string(a.Kind)), strings.Join(kinds, ", "))
			continue
		}

		for _, f := range a.fields() {
			fkey := key + "." + f.name
			if p.bad[fkey] {
				continue
			}
			refs, problem := references(f.value)
			if problem == "" {
				for _, r := range refs {
					if _, ok := rb.Param(r); !ok {
						problem = fmt.Sprintf("uses ${%s} but no parameter %q", r, r)
						break
					}
				}
			}
			if problem == "" && f.name != "confirm" {
				// Each reference stands for a value its pattern
				// allows; "x" is one for the default pattern, and
				// Render checks the real values again.
				problem = checkField(a.Kind, f.name, f.value, substitute(f.value, func(string) string { return "x" }))
			}
			if problem != "" {
				add(fkey, "%s", problem)
			}
		}

		if !a.ReadOnly && strings.TrimSpace(a.Confirm) == "" && !p.bad[key+".confirm"] {
			add(key+".confirm", "required for %s (the sentence shown above the Confirm button)", a.Kind)
		}
		if len([]rune(a.Confirm)) > maxConfirm {
			add(key+".confirm", "longer than %d characters", maxConfirm)
		}

		switch verifies := a.Kind.Verifies(); {
		case p.bad[key+".verify"]:
		case !slices.Contains(Verifies(), a.Verify):
			add(key+".verify", "unknown %s (one of %s)", shown(string(a.Verify)), joinVerifies(Verifies()))
		case !slices.Contains(verifies, a.Verify):
			add(key+".verify", "%q does not apply to %s (one of %s)", a.Verify, a.Kind, joinVerifies(verifies))
		}

		if !p.bad[key+".timeout"] && (a.Timeout < MinTimeout || a.Timeout > MaxTimeout) {
			add(key+".timeout", "must be between %s and %s (got %s)", fmtDuration(MinTimeout), fmtDuration(MaxTimeout), fmtDuration(a.Timeout))
		}
	}
}

// field is one of an action's fields that may refer to parameters.
type field struct{ name, value string }

func (a Action) fields() []field {
	return []field{
		{"target", a.Target},
		{"host", a.Host},
		{"file", a.File},
		{"project", a.Project},
		{"confirm", a.Confirm},
	}
}

// use says whether an action of some kind takes a field.
type use int

const (
	unused use = iota
	optional
	required
)

// usage is which of target, host, file and project each kind takes.
func usage(k Kind, name string) use {
	switch k {
	case ContainerRestart, ContainerStart, ContainerStop, ComposeRecreate, ImageExists:
		switch name {
		case "target":
			return required
		case "host":
			return optional
		}
		return unused
	case ComposeUp, ComposePs:
		switch name {
		case "target", "project":
			return optional
		}
		return required // host, file
	case ComposeDown:
		switch name {
		case "project":
			return optional
		case "host", "file":
			return required
		}
		return unused // down stops the whole file
	}
	return optional
}

// checkField returns what is wrong with the value of field name (target,
// host, file or project) of an action of kind k, "" if nothing. value is
// as written, for the message; literal has every ${param} replaced, and its
// shape is what is checked.
func checkField(k Kind, name, value, literal string) string {
	switch usage(k, name) {
	case unused:
		if value == "" {
			return ""
		}
		if k == ComposeRecreate && (name == "file" || name == "project") {
			return fmt.Sprintf("not used by %s (it reads the compose labels of the service's container)", k)
		}
		return fmt.Sprintf("not used by %s", k)
	case required:
		if literal == "" {
			return fmt.Sprintf("required for %s", k)
		}
	}
	if literal == "" {
		return ""
	}
	if looksLikeShell(value) || looksLikeShell(literal) {
		return fmt.Sprintf("%s looks like a shell command; runbooks run no shell", shown(value))
	}
	switch name {
	case "target":
		if k == ImageExists {
			if !imageRE.MatchString(literal) {
				return fmt.Sprintf("%s is not an image reference", shown(value))
			}
			return ""
		}
		if !nameRE.MatchString(literal) {
			return fmt.Sprintf("%s is not a container or service name", shown(value))
		}
	case "host":
		if !hostRE.MatchString(literal) {
			return fmt.Sprintf("%s must match [a-z0-9][a-z0-9_-]* (a host name from the configuration)", shown(value))
		}
	case "file":
		switch {
		case !strings.HasPrefix(literal, "/"):
			return fmt.Sprintf("%s must be an absolute path", shown(value))
		case !pathRE.MatchString(literal):
			return fmt.Sprintf("%s is not a plain path (letters, digits, '.', '_', '-', '/')", shown(value))
		case slices.Contains(strings.Split(literal, "/"), ".."):
			return fmt.Sprintf("%s must not contain \"..\"", shown(value))
		}
	case "project":
		if !projectRE.MatchString(literal) {
			return fmt.Sprintf("%s must match [a-z0-9][a-z0-9_-]* (a compose project name)", shown(value))
		}
	}
	return ""
}

// looksLikeShell reports whether s holds what only a shell would make sense
// of: a command separator, a pipe, a redirection or a substitution.
func looksLikeShell(s string) bool {
	return strings.ContainsAny(s, ";|&`<>\n") || strings.Contains(s, "$(")
}

// references returns the parameter names s refers to as ${name}, in order,
// or what is wrong with a reference.
func references(s string) ([]string, string) {
	var names []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return names, ""
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return names, fmt.Sprintf("unterminated ${ in %s", shown(s))
		}
		name := s[i+2 : i+end]
		if !paramRE.MatchString(name) {
			return names, fmt.Sprintf("%s is not a parameter reference (${name}, name matching [a-z][a-z0-9_]*)", shown(s[i:i+end+1]))
		}
		names = append(names, name)
		s = s[i+end+1:]
	}
}

// substitute replaces each well-formed ${name} in s with value(name).
func substitute(s string, value func(name string) string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			break
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			break
		}
		name := s[i+2 : i+end]
		b.WriteString(s[:i])
		if paramRE.MatchString(name) {
			b.WriteString(value(name))
		} else {
			b.WriteString(s[i : i+end+1])
		}
		s = s[i+end+1:]
	}
	b.WriteString(s)
	return b.String()
}

func joinVerifies(vs []Verify) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// fmtDuration writes d as Go does without trailing zero units: "15m", not
// "15m0s".
func fmtDuration(d time.Duration) string {
	s := d.String()
	if t, ok := strings.CutSuffix(s, "m0s"); ok {
		s = t + "m"
		if t, ok := strings.CutSuffix(s, "h0m"); ok {
			s = t + "h"
		}
	}
	return s
}

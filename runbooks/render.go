package runbooks

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Plan is what a runbook will do with given parameter values: shown to the
// operator for confirmation, then handed to the executor as it is.
type Plan struct {
	// Runbook is the runbook's id.
	Runbook string
	// Title is the runbook's title.
	Title string
	// Version is the runbook's version; the executor refuses a plan whose
	// runbook has changed since it was shown.
	Version string
	// Params holds the values the plan was rendered with, for the audit
	// record.
	Params map[string]string
	// Steps are the actions with every ${param} substituted, in order.
	Steps []Step
}

// ReadOnly reports whether every step only looks, so that the plan needs no
// confirmation.
func (p Plan) ReadOnly() bool {
	for _, s := range p.Steps {
		if !s.ReadOnly {
			return false
		}
	}
	return true
}

// Step is one action of a plan, its parameters substituted: the same
// fields as Action, with every ${name} replaced.
type Step = Action

// RenderError says why parameter values make no plan. Its message is one
// line, safe to show to the user who gave the values.
type RenderError struct {
	// Runbook is the runbook's id.
	Runbook string
	// Problems is never empty, e.g. `parameter service: required`.
	Problems []string
}

// Error joins the problems with "; ".
func (e *RenderError) Error() string { return strings.Join(e.Problems, "; ") }

// Render checks params against r's parameters and returns the plan they make:
// a parameter that is not r's, a required one missing, or a value that does
// not match its pattern is a *RenderError. Inference is the caller's: an
// inferred value is passed in params like a given one.
//
// The substituted target, host, file and project are checked again as Load
// checks literal ones, so that a permissive pattern cannot smuggle a shell
// command or a relative path into a step.
func (r Runbook) Render(params map[string]string) (Plan, error) {
	var errs []string
	for _, name := range slices.Sorted(maps.Keys(params)) {
		if _, ok := r.Param(name); !ok {
			errs = append(errs, fmt.Sprintf("unknown parameter %s (%s)", shown(name), r.takes()))
		}
	}
	values := map[string]string{}
	for _, p := range r.Params {
		v := params[p.Name]
		if v == "" {
			if p.Required {
				errs = append(errs, fmt.Sprintf("parameter %s: required", p.Name))
			}
			continue
		}
		pattern := cmp.Or(p.Pattern, DefaultPattern)
		re, err := compilePattern(pattern)
		if err != nil {
			errs = append(errs, fmt.Sprintf("parameter %s: pattern is not a valid regexp", p.Name))
			continue
		}
		if !re.MatchString(v) {
			errs = append(errs, fmt.Sprintf("parameter %s: %s does not match %s", p.Name, shown(v), pattern))
			continue
		}
		values[p.Name] = v
	}
	if len(errs) > 0 {
		return Plan{}, &RenderError{Runbook: r.ID, Problems: errs}
	}

	value := func(name string) string { return values[name] }
	plan := Plan{Runbook: r.ID, Title: r.Title, Version: r.Version, Params: values}
	for i, a := range r.Actions {
		s := Step{
			Kind:     a.Kind,
			Target:   substitute(a.Target, value),
			Host:     substitute(a.Host, value),
			File:     substitute(a.File, value),
			Project:  substitute(a.Project, value),
			Confirm:  substitute(a.Confirm, value),
			Verify:   a.Verify,
			Timeout:  a.Timeout,
			ReadOnly: a.Kind.ReadOnly(),
		}
		for _, f := range []field{{"target", s.Target}, {"host", s.Host}, {"file", s.File}, {"project", s.Project}} {
			if problem := checkField(a.Kind, f.name, f.value, f.value); problem != "" {
				errs = append(errs, fmt.Sprintf("actions[%d].%s: %s", i, f.name, problem))
			}
		}
		plan.Steps = append(plan.Steps, s)
	}
	if len(errs) > 0 {
		return Plan{}, &RenderError{Runbook: r.ID, Problems: errs}
	}
	return plan, nil
}

// takes says which parameters r takes, for a message.
func (r Runbook) takes() string {
	if len(r.Params) == 0 {
		return "runbook " + r.ID + " takes none"
	}
	names := make([]string, len(r.Params))
	for i, p := range r.Params {
		names[i] = p.Name
	}
	return "runbook " + r.ID + " takes " + strings.Join(names, ", ")
}

// ForSection returns the runbooks of rbs that remedy corpus section id, in
// the order of rbs.
func ForSection(rbs []Runbook, id string) []Runbook {
	var out []Runbook
	for _, r := range rbs {
		if slices.Contains(r.Sections, id) {
			out = append(out, r)
		}
	}
	return out
}

// ForCommand returns the runbook that the chat command `/command
// subcommand` runs; subcommand is "" for a command without one.
func ForCommand(rbs []Runbook, command, subcommand string) (Runbook, bool) {
	for _, r := range rbs {
		if r.Command != "" && r.Command == command && r.Subcommand == subcommand {
			return r, true
		}
	}
	return Runbook{}, false
}

// Subcommands returns the subcommands of command, sorted, e.g. off, on and
// status for opencut; none when the command takes no subcommand or is no
// runbook's.
func Subcommands(rbs []Runbook, command string) []string {
	var out []string
	for _, r := range rbs {
		if r.Command == command && r.Subcommand != "" {
			out = append(out, r.Subcommand)
		}
	}
	slices.Sort(out)
	return out
}

// ByID returns the runbook of rbs called id.
func ByID(rbs []Runbook, id string) (Runbook, bool) {
	for _, r := range rbs {
		if r.ID == id {
			return r, true
		}
	}
	return Runbook{}, false
}

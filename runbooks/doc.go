// Package runbooks holds the remediations vigie can offer: YAML files that
// say which actions to run, on which target, with which parameters and which
// confirmation text. Runbooks are data and actions are code: the set of
// action kinds is closed ([Kind]) and implemented elsewhere in Go, and no
// field of a runbook is ever handed to a shell.
//
// [Load] reads the runbooks embedded in the binary (defaults/*.yaml) and
// those of a user directory, a user runbook replacing the default of the
// same id. Each file goes through the same three steps: a strict decode (an
// unknown or misspelt key is an error, not an ignored setting), defaults
// (timeouts, the verification each kind implies), then validation. Every
// problem of every file is reported at once, each on one line that names the
// file, the line and the key:
//
//	opencut.yaml:12: actions[1].kind: unknown "exec" (one of container.restart, …)
//
// An invalid runbook stops loading, so a typo is found at start-up rather
// than when an operator taps a button.
//
// [Runbook.Render] turns a runbook and its parameter values into a [Plan]:
// the exact steps that would run, with every ${param} substituted after the
// value was checked against the parameter's pattern. Executing and verifying
// a plan is not this package's business; it holds no Docker or chat types.
package runbooks

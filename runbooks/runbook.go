package runbooks

import (
	"slices"
	"time"
)

// Kind is what an action does. The set is closed: each kind is implemented in
// Go by the executor, and a runbook naming any other kind does not load.
type Kind string

// The action kinds.
const (
	// ContainerRestart restarts a container. The container keeps its
	// environment: env files are not reread (corpus 11.18).
	ContainerRestart Kind = "container.restart"
	// ContainerStart starts a stopped container.
	ContainerStart Kind = "container.start"
	// ContainerStop stops a container.
	ContainerStop Kind = "container.stop"
	// ComposeRecreate runs `up -d --force-recreate --no-deps SERVICE`, with
	// the project, files and working directory taken from the container's
	// compose labels. Recreating is what rereads an env file (41.2).
	ComposeRecreate Kind = "compose.recreate"
	// ComposeUp runs `up -d` for a named compose file on a named host.
	ComposeUp Kind = "compose.up"
	// ComposeDown runs `down` for a named compose file on a named host.
	ComposeDown Kind = "compose.down"
	// ComposePs runs `ps` for a named compose file on a named host.
	ComposePs Kind = "compose.ps"
	// ImageExists checks that an image is present on a host.
	ImageExists Kind = "image.exists"
)

// Kinds returns every action kind, in the order the documentation lists
// them.
func Kinds() []Kind {
	return []Kind{
		ContainerRestart, ContainerStart, ContainerStop,
		ComposeRecreate, ComposeUp, ComposeDown, ComposePs,
		ImageExists,
	}
}

// Valid reports whether k is one of [Kinds].
func (k Kind) Valid() bool { return slices.Contains(Kinds(), k) }

// ReadOnly reports whether k only looks: such an action changes nothing, so
// it needs no confirmation and runs even when actions are disabled.
func (k Kind) ReadOnly() bool { return k == ComposePs || k == ImageExists }

// String returns k as written in a runbook.
func (k Kind) String() string { return string(k) }

// DefaultVerify is the verification an action of kind k gets when its
// runbook names none: a container that was (re)started must be running (the
// executor waits for healthy when the service has a healthcheck), one that
// was stopped or brought down must be gone, and a read-only action verifies
// nothing. It returns "" for an unknown kind.
func (k Kind) DefaultVerify() Verify {
	switch k {
	case ContainerRestart, ContainerStart, ComposeRecreate, ComposeUp:
		return VerifyRunning
	case ContainerStop, ComposeDown:
		return VerifyGone
	case ComposePs, ImageExists:
		return VerifyNone
	}
	return ""
}

// Verifies returns the verifications that make sense after an action of kind
// k; the first is its default.
func (k Kind) Verifies() []Verify {
	switch k {
	case ContainerRestart, ContainerStart, ComposeRecreate, ComposeUp:
		return []Verify{VerifyRunning, VerifyHealthy, VerifyNone}
	case ContainerStop, ComposeDown:
		return []Verify{VerifyGone, VerifyNone}
	case ComposePs, ImageExists:
		return []Verify{VerifyNone}
	}
	return nil
}

// Verify is what is checked after an action ran, within its timeout.
type Verify string

// The verifications.
const (
	// VerifyRunning waits until the target runs, and is healthy when it
	// has a healthcheck (decided at run time), without restarting.
	VerifyRunning Verify = "running"
	// VerifyHealthy waits until the target reports healthy; a target
	// without a healthcheck fails it.
	VerifyHealthy Verify = "healthy"
	// VerifyGone waits until no container of the target runs.
	VerifyGone Verify = "gone"
	// VerifyNone checks nothing: the action's own result is the outcome.
	VerifyNone Verify = "none"
)

// Verifies returns every verification.
func Verifies() []Verify {
	return []Verify{VerifyRunning, VerifyHealthy, VerifyGone, VerifyNone}
}

// String returns v as written in a runbook.
func (v Verify) String() string { return string(v) }

// Inference sources of a parameter.
const (
	// InferService fills the parameter with the service (or container)
	// that the diagnosis or finding names.
	InferService = "service"
)

// Defaults and bounds of what a runbook file may leave out or set.
const (
	// DefaultPattern is the pattern a parameter's value must match when
	// its runbook gives none: a service or container name, which cannot
	// hold a space, a slash or a shell metacharacter.
	DefaultPattern = `^[a-z0-9][a-z0-9_.-]*$`
	// DefaultTimeout bounds an action and its verification when the file
	// gives no timeout.
	DefaultTimeout = 60 * time.Second
	// MinTimeout is the shortest timeout a file may give: under a second
	// no container restarts.
	MinTimeout = time.Second
	// MaxTimeout is the longest timeout a file may give: an action holds
	// its target, and its plan message, until it ends.
	MaxTimeout = 15 * time.Minute
)

// Param is one parameter of a runbook, referred to as ${name} in its
// actions.
type Param struct {
	// Name is how actions refer to it: ${name}.
	Name string
	// Description says what the value is, for /help and error messages.
	Description string
	// Required means Render fails without a value.
	Required bool
	// Infer says where the caller takes the value from when the user gave
	// none: InferService for the service of the diagnosis or finding, ""
	// when it must be given.
	Infer string
	// Pattern is the regexp the whole value must match (anchors are
	// implied); DefaultPattern when the file gives none.
	Pattern string
}

// Action is one step of a runbook. Target, Host, File, Project and Confirm
// may refer to parameters as ${name}.
type Action struct {
	// Kind is what the action does.
	Kind Kind
	// Target is the container or service (an image reference for
	// ImageExists, an optional service for ComposeUp and ComposePs),
	// e.g. "${service}" or "palais".
	Target string
	// Host is a host name from the configuration; "" means the host where
	// the target runs. Compose file actions need one.
	Host string
	// File is the absolute path of the compose file on Host, for
	// ComposeUp, ComposeDown and ComposePs.
	File string
	// Project is the compose project name (-p) for ComposeUp, ComposeDown
	// and ComposePs; "" lets compose derive it from the file's directory.
	Project string
	// Confirm is the sentence shown on the plan above the Confirm button.
	Confirm string
	// Verify is what is checked afterwards; filled from
	// Kind.DefaultVerify when the file gives none.
	Verify Verify
	// Timeout bounds the action and its verification (1s to 15m,
	// DefaultTimeout when the file gives none).
	Timeout time.Duration
	// ReadOnly is derived from Kind: the action changes nothing.
	ReadOnly bool
}

// Runbook is one remediation, as loaded and validated.
type Runbook struct {
	// ID names the runbook, e.g. "recreate"; unique.
	ID string
	// Title is one line saying what the runbook does.
	Title string
	// Sections lists the corpus section ids it remedies, e.g. "41.2".
	Sections []string
	// Command is the chat command that runs it, e.g. "recreate"; "" when
	// it is offered only as a button under findings.
	Command string
	// Subcommand is the word after Command that selects this runbook when
	// several share the command, e.g. "on" for `/opencut on`.
	Subcommand string
	// Params lists the parameters its actions refer to.
	Params []Param
	// Actions run in order; never empty.
	Actions []Action
	// Version is the first 12 hex digits of the SHA-256 of the file it was
	// read from, so that a plan confirmed after the file changed can be
	// refused.
	Version string
	// Source is the file it was read from: "defaults/NAME.yaml" for an
	// embedded runbook, the file name for a user one.
	Source string
}

// ReadOnly reports whether every action of r is read-only: such a runbook
// runs without confirmation.
func (r Runbook) ReadOnly() bool {
	for _, a := range r.Actions {
		if !a.Kind.ReadOnly() {
			return false
		}
	}
	return true
}

// Param returns the parameter called name.
func (r Runbook) Param(name string) (Param, bool) {
	for _, p := range r.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

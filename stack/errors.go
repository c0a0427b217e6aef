package stack

import (
	"errors"
	"fmt"
)

// HostError is a failure to talk to one Docker host. Its message is one
// line naming the host and, when known, what to check.
type HostError struct {
	Host     string
	Endpoint string
	Hint     string
	Err      error
}

func (e *HostError) Error() string {
	if e.Hint != "" {
		return fmt.Sprintf("host %s (%s): %s", e.Host, e.Endpoint, e.Hint)
	}
	return fmt.Sprintf("host %s (%s): %v", e.Host, e.Endpoint, e.Err)
}

func (e *HostError) Unwrap() error { return e.Err }

// NotFoundError says a container or image is not on a host.
type NotFoundError struct {
	Host string
	Err  error
}

func (e *NotFoundError) Error() string { return fmt.Sprintf("host %s: %v", e.Host, e.Err) }

func (e *NotFoundError) Unwrap() error { return e.Err }

// UnknownServiceError says no container matches a service or container name.
type UnknownServiceError struct {
	Name  string
	Known []string // services and containers seen, for a suggestion
}

func (e *UnknownServiceError) Error() string {
	msg := fmt.Sprintf("no service or container %q on any host", e.Name)
	if len(e.Known) > 0 {
		n := e.Known
		if len(n) > 12 {
			n = n[:12]
		}
		msg += fmt.Sprintf(" — known: %v", n)
	}
	return msg
}

// ErrNoHost says no host is configured.
var ErrNoHost = errors.New("no Docker host configured")

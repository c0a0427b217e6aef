package stack

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// TLSFiles are the client certificate files of a tcp:// host.
type TLSFiles struct{ CA, Cert, Key string }

// HostSpec says how to reach one Docker host.
type HostSpec struct {
	Name     string
	Endpoint string // unix://, tcp://, ssh://
	TLS      *TLSFiles
}

// Engine is what the stack needs of one Docker host.
type Engine interface {
	Ping(ctx context.Context) (string, error)
	Containers(ctx context.Context, all bool) ([]Container, error)
	Inspect(ctx context.Context, id string) (Container, error)
	Logs(ctx context.Context, id string, n int) ([]LogLine, error)
	Stats(ctx context.Context, id string) (Stats, error)
	ImageExists(ctx context.Context, ref string) (bool, error)
	Events(ctx context.Context, since time.Time) (<-chan Event, <-chan error)
}

type host struct {
	spec HostSpec
	eng  Engine
}

// Stack is the set of Docker hosts vigie looks at. Safe for concurrent use.
type Stack struct {
	hosts   []host
	timeout time.Duration
	log     zerolog.Logger
}

// New makes the clients of the hosts; nothing is contacted yet.
func New(specs []HostSpec, timeout time.Duration, log zerolog.Logger) (*Stack, error) {
	if len(specs) == 0 {
		return nil, ErrNoHost
	}
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	s := &Stack{timeout: timeout, log: log}
	for _, sp := range specs {
		e, err := dialEngine(sp.Name, sp.Endpoint, sp.TLS)
		if err != nil {
			return nil, err
		}
		s.hosts = append(s.hosts, host{spec: sp, eng: e})
	}
	return s, nil
}

// Close releases the clients.
func (s *Stack) Close() error {
	var errs []error
	for _, h := range s.hosts {
		if c, ok := h.eng.(interface{ Close() error }); ok {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}

// ObserveErrors has f called, with the host's name, for every call to a
// Docker host that fails for want of the host (unreachable, timeout,
// permission denied, refused by a proxy) — not for a container that is not
// there. Call it before the Stack is used; f must be safe for concurrent
// use.
func (s *Stack) ObserveErrors(f func(host string)) {
	for _, h := range s.hosts {
		if e, ok := h.eng.(*engine); ok {
			e.onErr = f
		}
	}
}

// Hosts returns the host names, in configuration order.
func (s *Stack) Hosts() []string {
	out := make([]string, len(s.hosts))
	for i, h := range s.hosts {
		out[i] = h.spec.Name
	}
	return out
}

// Timeout is the per-host call timeout.
func (s *Stack) Timeout() time.Duration { return s.timeout }

// Engine returns the engine of a host, nil if there is none by that name.
func (s *Stack) Engine(name string) Engine {
	for _, h := range s.hosts {
		if h.spec.Name == name {
			return h.eng
		}
	}
	return nil
}

// Local reports whether a host's files can be read from here: its engine is
// a local unix socket.
func (s *Stack) Local(name string) bool {
	for _, h := range s.hosts {
		if h.spec.Name == name {
			return strings.HasPrefix(h.spec.Endpoint, "unix://")
		}
	}
	return false
}

// SocketPath returns the unix socket path of a local host, "" otherwise.
func (s *Stack) SocketPath(name string) string {
	for _, h := range s.hosts {
		if h.spec.Name == name && strings.HasPrefix(h.spec.Endpoint, "unix://") {
			return strings.TrimPrefix(h.spec.Endpoint, "unix://")
		}
	}
	return ""
}

// HostState is one host's containers, or why they could not be had.
type HostState struct {
	Host       string
	Containers []Container
	Err        error
	Took       time.Duration
}

// Snapshot lists and inspects the containers of every host in parallel,
// each host under its own timeout: a host down never blocks the others.
func (s *Stack) Snapshot(ctx context.Context) []HostState {
	out := make([]HostState, len(s.hosts))
	var wg sync.WaitGroup
	for i, h := range s.hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hctx, cancel := context.WithTimeout(ctx, s.timeout)
			defer cancel()
			start := time.Now()
			cs, err := h.eng.Containers(hctx, true)
			sort.Slice(cs, func(a, b int) bool {
				if cs[a].Project != cs[b].Project {
					return cs[a].Project < cs[b].Project
				}
				return cs[a].Name < cs[b].Name
			})
			out[i] = HostState{Host: h.spec.Name, Containers: cs, Err: err, Took: time.Since(start)}
			if err != nil {
				s.log.Warn().Str("host", h.spec.Name).Err(err).Msg("host unreachable")
			}
		}()
	}
	wg.Wait()
	return out
}

// Find returns the containers a name designates, on every host: a compose
// service name, a container name, or a container id prefix. The host
// states come back too, so a caller can say which hosts could not be asked.
func (s *Stack) Find(ctx context.Context, name string) ([]Container, []HostState, error) {
	name = strings.TrimSpace(strings.TrimPrefix(name, "/"))
	states := s.Snapshot(ctx)
	var found, byName []Container
	var known []string
	seen := map[string]bool{}
	for _, st := range states {
		for _, c := range st.Containers {
			switch {
			case c.Service == name:
				found = append(found, c)
			case c.Name == name || len(name) >= 6 && strings.HasPrefix(c.ID, name):
				byName = append(byName, c)
			}
			if l := c.Label(); !seen[l] {
				seen[l] = true
				known = append(known, l)
			}
		}
	}
	found = append(found, byName...)
	if len(found) == 0 {
		if err := unreachable(states); err != nil && len(known) == 0 {
			return nil, states, err
		}
		sort.Strings(known)
		return nil, states, &UnknownServiceError{Name: name, Known: known}
	}
	return found, states, nil
}

// unreachable joins the errors of the hosts that could not be asked.
func unreachable(states []HostState) error {
	var errs []error
	for _, st := range states {
		if st.Err != nil {
			errs = append(errs, st.Err)
		}
	}
	return errors.Join(errs...)
}

// Ping checks that a host's engine answers, within the host timeout.
func (s *Stack) Ping(ctx context.Context, hostName string) error {
	e := s.Engine(hostName)
	if e == nil {
		return fmt.Errorf("no host %q", hostName)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	_, err := e.Ping(ctx)
	return err
}

// Inspect returns one container of a host by id or name.
func (s *Stack) Inspect(ctx context.Context, hostName, id string) (Container, error) {
	e := s.Engine(hostName)
	if e == nil {
		return Container{}, fmt.Errorf("no host %q", hostName)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return e.Inspect(ctx, id)
}

// Events streams the container events of a host since a time (zero: from
// now) until ctx ends or the connection breaks; the error channel then
// delivers why. There is no timeout: the stream is meant to last.
func (s *Stack) Events(ctx context.Context, hostName string, since time.Time) (<-chan Event, <-chan error) {
	e := s.Engine(hostName)
	if e == nil {
		out, errc := make(chan Event), make(chan error, 1)
		close(out)
		errc <- fmt.Errorf("no host %q", hostName)
		return out, errc
	}
	return e.Events(ctx, since)
}

// Logs returns the last n log lines of a container.
func (s *Stack) Logs(ctx context.Context, c Container, n int) ([]LogLine, error) {
	e := s.Engine(c.Host)
	if e == nil {
		return nil, fmt.Errorf("no host %q", c.Host)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return e.Logs(ctx, c.ID, n)
}

// Stats samples one container's CPU and memory use.
func (s *Stack) Stats(ctx context.Context, c Container) (Stats, error) {
	e := s.Engine(c.Host)
	if e == nil {
		return Stats{}, fmt.Errorf("no host %q", c.Host)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return e.Stats(ctx, c.ID)
}

// Package health answers GET /healthz: whether each part vigie needs to
// serve (the bot loop, the store, the corpus) works, as JSON, with 200 when
// all do and 503 otherwise. `vigie healthcheck` and a container
// HEALTHCHECK read it; no curl or wget is needed in the image.
//
// Docker hosts are not part of it on purpose: a stack host that is down is
// what vigie reports in /status, not a reason to restart vigie.
package health

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"vigie/redact"
)

// States of a component and of the whole.
const (
	// OK means the component works.
	OK = "ok"
	// Failing means it does not; Detail says why.
	Failing = "failing"
)

const (
	// DefaultTimeout bounds each component's check.
	DefaultTimeout = 3 * time.Second
)

// Check reports on one component: a short detail that is safe to show
// ("312 sections", "polling, Telegram answered 2s ago") and nil, or an
// error saying what is wrong. Details and errors pass through the redactor
// before they are served.
type Check func(ctx context.Context) (detail string, err error)

// Checker runs the checks of the registered components. Safe for
// concurrent use; components may be added while it serves.
type Checker struct {
	mu      sync.Mutex
	names   []string
	checks  map[string]Check
	timeout time.Duration
}

// New returns a Checker with no component; each check is given timeout
// (DefaultTimeout when zero or less).
func New(timeout time.Duration) *Checker {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Checker{checks: map[string]Check{}, timeout: timeout}
}

// Add registers (or replaces) a component's check.
func (c *Checker) Add(name string, check Check) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.checks[name]; !ok {
		c.names = append(c.names, name)
	}
	c.checks[name] = check
}

// Component is one component's state in a Report.
type Component struct {
	// Status is OK or Failing.
	Status string `json:"status"`
	// Detail says what was seen, or why it fails.
	Detail string `json:"detail,omitempty"`
}

// Report is the body of /healthz.
type Report struct {
	// Status is OK when every component is, Failing otherwise (and when
	// there is no component at all).
	Status string `json:"status"`
	// Components are the states by component name.
	Components map[string]Component `json:"components"`
}

// Healthy reports whether the report's status is OK.
func (r Report) Healthy() bool { return r.Status == OK }

// Run checks every component in parallel, each under the timeout.
func (c *Checker) Run(ctx context.Context) Report {
	c.mu.Lock()
	names := append([]string(nil), c.names...)
	checks := make([]Check, len(names))
	for i, n := range names {
		checks[i] = c.checks[n]
	}
	c.mu.Unlock()

	results := make([]Component, len(names))
	var wg sync.WaitGroup
	for i, check := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = c.one(ctx, check)
		}()
	}
	wg.Wait()
	rep := Report{Status: OK, Components: make(map[string]Component, len(names))}
	if len(names) == 0 {
		rep.Status = Failing
	}
	for i, n := range names {
		rep.Components[n] = results[i]
		if results[i].Status != OK {
			rep.Status = Failing
		}
	}
	return rep
}

// one runs a check under the timeout; a check that does not return in time
// is failing (it goes on in the background and its result is dropped).
func (c *Checker) one(ctx context.Context, check Check) Component {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	type result struct {
		detail string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{err: errors.New("the check panicked")}
			}
		}()
		d, err := check(ctx)
		done <- result{d, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return Component{Status: Failing, Detail: redact.String(r.err.Error())}
		}
		return Component{Status: OK, Detail: redact.String(r.detail)}
	case <-ctx.Done():
		return Component{Status: Failing, Detail: "no answer within " + c.timeout.String()}
	}
}

// Handler serves GET (and HEAD) /healthz: the Report as JSON, 200 when
// healthy, 503 otherwise.
func (c *Checker) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		rep := c.Run(r.Context())
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if !rep.Healthy() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		if r.Method == http.MethodHead {
			return
		}
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(rep)
	})
}

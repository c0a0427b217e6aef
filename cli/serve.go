package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"vigie/bot"
	"vigie/health"
)

// Paths served on http.listen.
const (
	healthPath  = "/healthz"
	metricsPath = "/metrics"
)

// healthChecks registers the components /healthz reports: the bot loop
// (through b, set once the bot exists), the store and the corpus.
func (e *env) healthChecks(b *atomic.Pointer[bot.Bot]) *health.Checker {
	c := health.New(health.DefaultTimeout)
	c.Add("bot", func(context.Context) (string, error) {
		if bb := b.Load(); bb != nil {
			return bb.Health()
		}
		return "", errors.New("starting: the Bot API has not answered yet")
	})
	c.Add("store", func(ctx context.Context) (string, error) { return e.store().ping(ctx) })
	c.Add("corpus", func(context.Context) (string, error) {
		if e.index == nil {
			return "", errors.New("not loaded")
		}
		n := len(e.index.Sections())
		if n == 0 {
			return "", errors.New("no section")
		}
		return fmt.Sprintf("%d sections", n), nil
	})
	return c
}

// serveHTTP listens on http.listen and serves /healthz and /metrics until
// ctx ends. A listen failure is returned at once, so that `vigie run`
// stops with one line rather than running blind.
func (e *env) serveHTTP(ctx context.Context, checker *health.Checker) (stop func(), err error) {
	ln, err := net.Listen("tcp", e.cfg.HTTP.Listen)
	if err != nil {
		return nil, fmt.Errorf("http.listen %s: %w", e.cfg.HTTP.Listen, err)
	}
	mux := http.NewServeMux()
	mux.Handle(healthPath, checker.Handler())
	mux.Handle(metricsPath, e.met.Handler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "vigie serves "+healthPath+" and "+metricsPath, http.StatusNotFound)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.log.Error().Err(err).Msg("http server stopped")
		}
	}()
	e.log.Info().Str("listen", ln.Addr().String()).Msg("serving " + healthPath + " and " + metricsPath)
	return func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		<-done
	}, nil
}

// healthURL derives the /healthz URL from a listen address: an empty or
// wildcard host becomes 127.0.0.1 — not localhost, which some images
// resolve to ::1 first (corpus §2.1).
func healthURL(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("http.listen %q is not host:port", listen)
	}
	switch host {
	case "", "0.0.0.0", "::", "localhost":
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + healthPath, nil
}

func healthcheckFlags(fs *flag.FlagSet) {
	fs.String("url", "", "the /healthz URL (default: from http.listen, on 127.0.0.1)")
	fs.Duration("timeout", 5*time.Second, "give up after this long")
}

// cmdHealthcheck asks a running vigie's /healthz and prints one line:
// exit 0 when it answers 200, 1 otherwise. It needs no curl or wget, so a
// FROM-scratch image can use it as its HEALTHCHECK.
func cmdHealthcheck(ctx context.Context, e *env, fs *flag.FlagSet, args []string) int {
	if len(args) > 0 {
		return e.usageErr(fs, "healthcheck takes no argument")
	}
	url := fs.Lookup("url").Value.String()
	timeout := fs.Lookup("timeout").Value.(flag.Getter).Get().(time.Duration)
	if url == "" {
		if !e.cfg.HTTP.Enabled() {
			return e.fail("unhealthy: http.listen is empty, so vigie serves no %s — set it (e.g. 127.0.0.1:9464) or pass --url", healthPath)
		}
		u, err := healthURL(e.cfg.HTTP.Listen)
		if err != nil {
			return e.fail("unhealthy: %v", err)
		}
		url = u
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return e.fail("unhealthy: bad --url: %v", err)
	}
	resp, err := (&http.Client{}).Do(req)
	if err != nil {
		return e.fail("unhealthy: no answer from %s: %v", url, rootCause(err))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	line := summary(body)
	if resp.StatusCode != http.StatusOK {
		return e.fail("unhealthy (HTTP %d): %s", resp.StatusCode, line)
	}
	fmt.Fprintln(e.io.Out, "healthy: "+line)
	return ExitOK
}

// summary turns a /healthz body into one line: "bot ok (polling…), store
// failing (…), …", or the body itself clipped when it is not a report.
func summary(body []byte) string {
	rep, err := decodeReport(body)
	if err != nil {
		s := strings.Join(strings.Fields(string(body)), " ")
		if len(s) > 200 {
			s = s[:200] + "…"
		}
		return s
	}
	var parts []string
	for _, name := range sortedKeys(rep.Components) {
		c := rep.Components[name]
		p := name + " " + c.Status
		if c.Detail != "" {
			p += " (" + c.Detail + ")"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}

// rootCause drops the `Get "http://…":` wrapping of a client error, whose
// URL the message already names.
func rootCause(err error) error {
	var ue *neturl.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func decodeReport(body []byte) (health.Report, error) {
	var rep health.Report
	if err := json.Unmarshal(body, &rep); err != nil {
		return rep, err
	}
	if rep.Status == "" || rep.Components == nil {
		return rep, errors.New("not a health report")
	}
	return rep, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

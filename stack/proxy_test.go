package stack_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"vigie/stack"
)

// readOnlyProxy is a docker-socket-proxy as deployments configure it for
// reading: GET and HEAD pass to the real socket, anything else is refused.
type readOnlyProxy struct {
	mu      sync.Mutex
	methods map[string]int
}

func (p *readOnlyProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.methods[r.Method]++
	p.mu.Unlock()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, `{"message":"forbidden by the socket proxy"}`, http.StatusForbidden)
		return
	}
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: "docker"})
	rp.Transport = &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", dockerSock)
	}}
	rp.FlushInterval = -1
	rp.ServeHTTP(w, r)
}

// TestThroughReadOnlyProxy: everything vigie reads works through a proxy
// that allows only GET and HEAD.
func TestThroughReadOnlyProxy(t *testing.T) {
	needDocker(t)
	name := runContainer(t, "proxied", "--health-cmd", "wget -q -O- http://localhost:9/", "--health-interval", "1s", "--health-retries", "1", "--", "sh", "-c", "echo proxied hello; sleep 3600")

	sock := filepath.Join(t.TempDir(), "proxy.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	proxy := &readOnlyProxy{methods: map[string]int{}}
	srv := &http.Server{Handler: proxy, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	s, err := stack.New([]stack.HostSpec{{Name: "proxied", Endpoint: "unix://" + sock}}, 20*time.Second, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	found, _, err := s.Find(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := s.Logs(ctx, found[0], 10)
	if err != nil || len(lines) == 0 || lines[0].Text != "proxied hello" {
		t.Fatalf("logs through the proxy: %v %+v", err, lines)
	}
	if _, err := s.Stats(ctx, found[0]); err != nil {
		t.Fatalf("stats through the proxy: %v", err)
	}
	rep, err := s.RunChecks(ctx, append(stack.Checks(), stack.ScanCheck()), stack.CheckOptions{Service: name, LogLines: 20})
	if err != nil || len(rep.Failed) > 0 {
		t.Fatalf("checks through the proxy: %v %v", err, rep.Failed)
	}
	proxy.mu.Lock()
	defer proxy.mu.Unlock()
	for m, n := range proxy.methods {
		if m != http.MethodGet && m != http.MethodHead {
			t.Errorf("%d %s request(s) reached the proxy: vigie must only read", n, m)
		}
	}
	if proxy.methods[http.MethodGet] == 0 {
		t.Error("no request went through the proxy")
	}
}

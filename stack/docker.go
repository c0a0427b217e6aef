package stack

// This file is the only one that imports the Docker client.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// engine is one Docker host reached through the Engine API.
type engine struct {
	name     string
	endpoint string
	cli      *client.Client
	onErr    func(host string) // set before first use; nil: not counted
}

// dialEngine makes a client for one host; nothing is sent until a call.
// API versions are negotiated on first use (the engines here speak 1.41).
func dialEngine(name, endpoint string, tls *TLSFiles) (*engine, error) {
	// The client negotiates the API version on its first call.
	var opts []client.Opt
	if strings.HasPrefix(endpoint, "ssh://") {
		dial, err := sshDialer(endpoint)
		if err != nil {
			return nil, fmt.Errorf("host %s: %w", name, err)
		}
		opts = append(opts,
			client.WithHTTPClient(&http.Client{Transport: &http.Transport{DialContext: dial}}),
			client.WithHost("http://docker.example.com"),
			client.WithDialContext(dial))
	} else {
		opts = append(opts, client.WithHost(endpoint))
	}
	if tls != nil {
		opts = append(opts, client.WithTLSClientConfig(tls.CA, tls.Cert, tls.Key))
	}
	c, err := client.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("host %s: %s: %w", name, endpoint, err)
	}
	return &engine{name: name, endpoint: endpoint, cli: c}, nil
}

func (e *engine) Close() error { return e.cli.Close() }

// Ping checks the host answers and returns its API version.
func (e *engine) Ping(ctx context.Context) (string, error) {
	p, err := e.cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true})
	if err != nil {
		return "", e.explain(err)
	}
	return p.APIVersion, nil
}

// Containers lists the containers and inspects each one: health, restart
// count, OOM and limits live only in inspect on API 1.41.
func (e *engine) Containers(ctx context.Context, all bool) ([]Container, error) {
	list, err := e.cli.ContainerList(ctx, client.ContainerListOptions{All: all})
	if err != nil {
		return nil, e.explain(err)
	}
	out := make([]Container, len(list.Items))
	errs := make([]error, len(list.Items))
	sem := make(chan struct{}, 8)
	done := make(chan int, len(list.Items))
	for i, s := range list.Items {
		go func() {
			sem <- struct{}{}
			defer func() { <-sem; done <- i }()
			ins, err := e.cli.ContainerInspect(ctx, s.ID, client.ContainerInspectOptions{})
			if err != nil {
				errs[i] = err
				return
			}
			out[i] = e.fromInspect(ins.Container)
		}()
	}
	for range list.Items {
		<-done
	}
	kept := out[:0]
	for i, c := range out {
		if errs[i] != nil {
			if cerrdefs.IsNotFound(errs[i]) {
				continue // removed between list and inspect
			}
			return nil, e.explain(errs[i])
		}
		kept = append(kept, c)
	}
	return kept, nil
}

// Inspect returns one container by id or name.
func (e *engine) Inspect(ctx context.Context, id string) (Container, error) {
	ins, err := e.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return Container{}, e.explain(err)
	}
	return e.fromInspect(ins.Container), nil
}

func (e *engine) fromInspect(in container.InspectResponse) Container {
	c := Container{Host: e.name, ID: in.ID, Name: strings.TrimPrefix(in.Name, "/"), RestartCount: in.RestartCount}
	c.Created = parseTime(in.Created)
	if in.Config != nil {
		c.Image = in.Config.Image
		c.Env = in.Config.Env
		c.Labels = in.Config.Labels
		c.User = in.Config.User
		if in.Config.Healthcheck != nil {
			c.Healthcheck = in.Config.Healthcheck.Test
		}
	}
	if st := in.State; st != nil {
		c.State = string(st.Status)
		c.ExitCode = st.ExitCode
		c.OOMKilled = st.OOMKilled
		c.Error = st.Error
		c.StartedAt = parseTime(st.StartedAt)
		c.FinishedAt = parseTime(st.FinishedAt)
		if st.Health != nil {
			c.Health = string(st.Health.Status)
			for _, p := range st.Health.Log {
				if p != nil {
					c.HealthLog = append(c.HealthLog, Probe{ExitCode: p.ExitCode, Output: p.Output, End: p.End})
				}
			}
		}
	}
	if hc := in.HostConfig; hc != nil {
		c.CapAdd = hc.CapAdd
		c.CapDrop = hc.CapDrop
		c.GroupAdd = hc.GroupAdd
		c.MemoryLimit = hc.Memory
		c.RestartPolicy = string(hc.RestartPolicy.Name)
	}
	for _, m := range in.Mounts {
		c.Mounts = append(c.Mounts, Mount{Type: string(m.Type), Source: m.Source, Destination: m.Destination, RW: m.RW})
	}
	if c.Labels != nil {
		c.Project = c.Labels[LabelProject]
		c.Service = c.Labels[LabelService]
		c.WorkingDir = c.Labels[LabelWorkingDir]
		if f := c.Labels[LabelConfigFiles]; f != "" {
			c.ConfigFiles = strings.Split(f, ",")
		}
	}
	return c
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() < 2000 {
		return time.Time{}
	}
	return t
}

// Logs returns the last n lines of a container's log, stdout and stderr
// demultiplexed, with their timestamps.
func (e *engine) Logs(ctx context.Context, id string, n int) ([]LogLine, error) {
	rc, err := e.cli.ContainerLogs(ctx, id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Timestamps: true, Tail: strconv.Itoa(n)})
	if err != nil {
		return nil, e.explain(err)
	}
	defer rc.Close()
	ins, err := e.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return nil, e.explain(err)
	}
	var outBuf, errBuf lineCollector
	outBuf.stream, errBuf.stream = "stdout", "stderr"
	if ins.Container.Config != nil && ins.Container.Config.Tty {
		_, err = io.Copy(&outBuf, io.LimitReader(rc, 64<<20))
	} else {
		_, err = stdcopy.StdCopy(&outBuf, &errBuf, io.LimitReader(rc, 64<<20))
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, e.explain(err)
	}
	lines := append(outBuf.done(), errBuf.done()...)
	sortLines(lines)
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines, nil
}

// sortLines orders lines by time; lines without a time keep their place
// after the one before them.
func sortLines(lines []LogLine) {
	sort.SliceStable(lines, func(i, j int) bool {
		if lines[i].Time.IsZero() || lines[j].Time.IsZero() {
			return false
		}
		return lines[i].Time.Before(lines[j].Time)
	})
}

// lineCollector splits a stream into timestamped lines.
type lineCollector struct {
	stream string
	buf    []byte
	lines  []LogLine
}

func (l *lineCollector) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	for {
		i := strings.IndexByte(string(l.buf), '\n')
		if i < 0 {
			break
		}
		l.add(string(l.buf[:i]))
		l.buf = l.buf[i+1:]
	}
	return len(p), nil
}

func (l *lineCollector) add(s string) {
	s = strings.TrimRight(s, "\r")
	ts, text, ok := strings.Cut(s, " ")
	t, err := time.Parse(time.RFC3339Nano, ts)
	if !ok || err != nil {
		l.lines = append(l.lines, LogLine{Stream: l.stream, Text: s})
		return
	}
	l.lines = append(l.lines, LogLine{Time: t, Stream: l.stream, Text: text})
}

func (l *lineCollector) done() []LogLine {
	if len(l.buf) > 0 {
		l.add(string(l.buf))
		l.buf = nil
	}
	return l.lines
}

// Restart restarts a container (SIGTERM, then SIGKILL after grace).
func (e *engine) Restart(ctx context.Context, id string, grace time.Duration) error {
	secs := int(grace.Seconds())
	_, err := e.cli.ContainerRestart(ctx, id, client.ContainerRestartOptions{Timeout: &secs})
	return e.explain(err)
}

// Start starts a stopped container.
func (e *engine) Start(ctx context.Context, id string) error {
	_, err := e.cli.ContainerStart(ctx, id, client.ContainerStartOptions{})
	return e.explain(err)
}

// Stop stops a running container.
func (e *engine) Stop(ctx context.Context, id string, grace time.Duration) error {
	secs := int(grace.Seconds())
	_, err := e.cli.ContainerStop(ctx, id, client.ContainerStopOptions{Timeout: &secs})
	return e.explain(err)
}

// Stats takes one sample of a container's CPU and memory use.
func (e *engine) Stats(ctx context.Context, id string) (Stats, error) {
	res, err := e.cli.ContainerStats(ctx, id, client.ContainerStatsOptions{Stream: false})
	if err != nil {
		return Stats{}, e.explain(err)
	}
	defer res.Body.Close()
	var s container.StatsResponse
	if err := json.NewDecoder(res.Body).Decode(&s); err != nil {
		return Stats{}, fmt.Errorf("host %s: stats of %s: %w", e.name, id, err)
	}
	out := Stats{MemoryUsage: int64(s.MemoryStats.Usage), MemoryLimit: int64(s.MemoryStats.Limit)}
	if cache, ok := s.MemoryStats.Stats["cache"]; ok && int64(cache) < out.MemoryUsage {
		out.MemoryUsage -= int64(cache)
	}
	cpuDelta := float64(s.CPUStats.CPUUsage.TotalUsage) - float64(s.PreCPUStats.CPUUsage.TotalUsage)
	sysDelta := float64(s.CPUStats.SystemUsage) - float64(s.PreCPUStats.SystemUsage)
	if cpuDelta > 0 && sysDelta > 0 {
		cpus := float64(s.CPUStats.OnlineCPUs)
		if cpus == 0 {
			cpus = float64(len(s.CPUStats.CPUUsage.PercpuUsage))
		}
		out.CPUPercent = cpuDelta / sysDelta * cpus * 100
	}
	return out, nil
}

// ImageExists reports whether an image reference is present on the host.
func (e *engine) ImageExists(ctx context.Context, ref string) (bool, error) {
	_, err := e.cli.ImageInspect(ctx, ref)
	if err == nil {
		return true, nil
	}
	if cerrdefs.IsNotFound(err) {
		return false, nil
	}
	return false, e.explain(err)
}

// Events streams the container events of the host since a time; the error
// channel delivers one error when the stream ends.
func (e *engine) Events(ctx context.Context, since time.Time) (<-chan Event, <-chan error) {
	opts := client.EventsListOptions{Filters: client.Filters{}.Add("type", "container")}
	if !since.IsZero() {
		// Seconds and nanoseconds: resuming after a broken stream asks for
		// what came after the last event seen, not its whole second.
		opts.Since = fmt.Sprintf("%d.%09d", since.Unix(), since.Nanosecond())
	}
	res := e.cli.Events(ctx, opts)
	out := make(chan Event)
	errc := make(chan error, 1)
	go func() {
		defer close(out)
		for {
			select {
			case m, ok := <-res.Messages:
				if !ok {
					return
				}
				ev := Event{Host: e.name, Action: string(m.Action), Container: m.Actor.ID, Labels: m.Actor.Attributes, Time: time.Unix(0, m.TimeNano)}
				if m.Actor.Attributes != nil {
					ev.Name = m.Actor.Attributes["name"]
					ev.ExitCode = m.Actor.Attributes["exitCode"]
				}
				select {
				case out <- ev:
				case <-ctx.Done():
					errc <- ctx.Err()
					return
				}
			case err := <-res.Err:
				errc <- e.explain(err)
				return
			case <-ctx.Done():
				errc <- ctx.Err()
				return
			}
		}
	}()
	return out, errc
}

// explain turns a client error into one line naming the host and what to
// check.
func (e *engine) explain(err error) error {
	if err == nil {
		return nil
	}
	var hint string
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		hint = "no answer in time: is the host up and the engine responsive?"
	case errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, syscall.EACCES) || errors.Is(err, os.ErrPermission) || strings.Contains(err.Error(), "permission denied"):
		hint = "permission denied on the Docker socket: run vigie as a member of the socket's group (group_add with its GID), or through a docker-socket-proxy"
	case errors.Is(err, syscall.ENOENT) || strings.Contains(err.Error(), "no such file"):
		hint = "no Docker socket there: is dockerd running, and is DOCKER_HOST / the host's endpoint right?"
	case errors.Is(err, syscall.ECONNREFUSED) || cerrdefs.IsUnavailable(err) || isNetErr(err):
		hint = "cannot connect: is dockerd running on that host and the endpoint right?"
	case cerrdefs.IsNotFound(err):
		return &NotFoundError{Host: e.name, Err: err}
	case cerrdefs.IsPermissionDenied(err):
		hint = "the engine or a socket proxy refused the call: allow it in the proxy's configuration"
	}
	if e.onErr != nil {
		e.onErr(e.name)
	}
	if hint == "" {
		return &HostError{Host: e.name, Endpoint: e.endpoint, Err: err}
	}
	return &HostError{Host: e.name, Endpoint: e.endpoint, Err: err, Hint: hint}
}

func isNetErr(err error) bool {
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &ne) || errors.As(err, &oe)
}

// sshDialer reaches a remote engine the way the docker CLI does: it runs
// `docker system dial-stdio` on the host over ssh and speaks HTTP on its
// stdin and stdout.
func sshDialer(endpoint string) (func(ctx context.Context, network, addr string) (net.Conn, error), error) {
	u := strings.TrimPrefix(endpoint, "ssh://")
	host, port, _ := strings.Cut(u, ":")
	if host == "" {
		return nil, fmt.Errorf("%s: no host", endpoint)
	}
	args := []string{"-o", "BatchMode=yes", "-o", "ConnectTimeout=10"}
	if port != "" {
		args = append(args, "-p", port)
	}
	args = append(args, "--", host, "docker", "system", "dial-stdio")
	return func(ctx context.Context, _, _ string) (net.Conn, error) {
		return dialCommand(ctx, "ssh", args...)
	}, nil
}

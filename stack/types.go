// Package stack looks at the live stack through the Docker Engine API: the
// hosts, their containers with compose labels, state, health and limits,
// logs, stats, images and events, and the read-only checks derived from the
// pitfall corpus. It is the only package that talks to Docker; one file of it
// imports the Docker client.
package stack

import (
	"strings"
	"time"
)

// Compose labels, as both compose v1 and v2 write them.
const (
	LabelProject     = "com.docker.compose.project"
	LabelService     = "com.docker.compose.service"
	LabelConfigFiles = "com.docker.compose.project.config_files"
	LabelWorkingDir  = "com.docker.compose.project.working_dir"
)

// Container is what vigie knows of one container, from the list and inspect
// calls. Env holds KEY=VALUE pairs: values are compared by checks, never shown.
type Container struct {
	Host          string
	ID            string
	Name          string // without the leading slash
	Image         string // as configured, e.g. postgres:18
	Project       string // compose project, "" when not a compose container
	Service       string // compose service
	ConfigFiles   []string
	WorkingDir    string
	State         string // created, running, paused, restarting, removing, exited, dead
	Health        string // healthy, unhealthy, starting, "" when no healthcheck
	HealthLog     []Probe
	RestartCount  int
	ExitCode      int
	OOMKilled     bool
	Error         string
	Created       time.Time
	StartedAt     time.Time
	FinishedAt    time.Time
	Env           []string
	Labels        map[string]string
	Mounts        []Mount
	User          string
	CapAdd        []string
	CapDrop       []string
	GroupAdd      []string
	MemoryLimit   int64 // bytes, 0 = none
	Healthcheck   []string
	RestartPolicy string
}

// Probe is one healthcheck result.
type Probe struct {
	ExitCode int
	Output   string
	End      time.Time
}

// Mount is one mount of a container.
type Mount struct {
	Type        string // bind, volume, tmpfs
	Source      string
	Destination string
	RW          bool
}

// ShortID returns the first 12 characters of the id.
func (c Container) ShortID() string {
	if len(c.ID) > 12 {
		return c.ID[:12]
	}
	return c.ID
}

// Label returns the service name when the container is a compose one, else
// its container name.
func (c Container) Label() string {
	if c.Service != "" {
		return c.Service
	}
	return c.Name
}

// EnvMap returns the environment as a map (values stay in memory only).
func (c Container) EnvMap() map[string]string {
	m := make(map[string]string, len(c.Env))
	for _, kv := range c.Env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// Problem is the worst thing /status shows about a container, "" if none.
func (c Container) Problem() string {
	switch {
	case c.OOMKilled:
		return "oom"
	case c.State == "restarting":
		return "restarting"
	case c.Health == "unhealthy":
		return "unhealthy"
	case c.State == "exited" && c.ExitCode != 0, c.State == "dead":
		return "exited"
	}
	return ""
}

// LogLine is one line of a container's log.
type LogLine struct {
	Time   time.Time
	Stream string // stdout or stderr
	Text   string
}

// Stats is one sample of a container's resource use.
type Stats struct {
	CPUPercent  float64
	MemoryUsage int64
	MemoryLimit int64
}

// Event is one Docker event of interest (used by the watcher).
type Event struct {
	Host      string
	Time      time.Time
	Action    string // die, oom, health_status: unhealthy, start, restart…
	Container string // id
	Name      string
	Labels    map[string]string
	ExitCode  string
}

// Severity grades a finding.
type Severity string

// Severities, worst first.
const (
	Critical Severity = "critical"
	Warning  Severity = "warning"
	Info     Severity = "info"
)

// Finding is one problem a check found, citing the corpus sections it comes
// from.
type Finding struct {
	Check     string
	Severity  Severity
	Host      string
	Container string
	Service   string
	Project   string
	Message   string   // one line, safe to show: names, never values
	Sections  []string // corpus sections, e.g. ["41.2", "11.18"]
	Details   []string // further lines (redacted log lines, key names…)
}

package stack

import (
	"context"
	"regexp"
	"strconv"
	"strings"
)

// pg18Mount flags PostgreSQL 18+ with a mount at /var/lib/postgresql/data:
// from 18 the image keeps its data under /var/lib/postgresql (3.1).
type pg18Mount struct{}

func (pg18Mount) Name() string { return "postgresql 18 data mount" }

var pgTagRE = regexp.MustCompile(`(?i)(?:^|/)postgres(?:ql)?:(\d+)`)

// pgMajor returns the PostgreSQL major version of a container, 0 if none.
func pgMajor(c Container) int {
	if v, ok := c.EnvMap()["PG_MAJOR"]; ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			return n
		}
	}
	if m := pgTagRE.FindStringSubmatch(c.Image); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

func (pg18Mount) Run(_ context.Context, t *Target) ([]Finding, error) {
	var out []Finding
	for _, c := range t.Containers {
		if pgMajor(c) < 18 {
			continue
		}
		for _, m := range c.Mounts {
			if strings.TrimRight(m.Destination, "/") == "/var/lib/postgresql/data" {
				out = append(out, finding(c, Critical, "PostgreSQL 18+ with a mount at /var/lib/postgresql/data: mount /var/lib/postgresql instead (data would not persist, or the server refuses to start)", "3.1"))
				break
			}
		}
	}
	return out, nil
}

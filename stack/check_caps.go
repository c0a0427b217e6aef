package stack

import (
	"context"
	"strings"
)

// capabilities flags cap_drop: ALL with writable mounts but without
// DAC_OVERRIDE or FOWNER: writes into the volumes fail (2.3). Only
// containers started as root are concerned: a process started as another
// user has no effective capability whatever cap_add says (Docker sets no
// ambient capabilities), so for it the fix is the volume's ownership, not
// a capability — vigie's own snippet is such a container.
type capabilities struct{}

func (capabilities) Name() string { return "capabilities for writable mounts" }

func hasCap(list []string, name string) bool {
	for _, c := range list {
		c = strings.ToUpper(strings.TrimPrefix(strings.ToUpper(c), "CAP_"))
		if c == name || c == "ALL" {
			return true
		}
	}
	return false
}

func (capabilities) Run(_ context.Context, t *Target) ([]Finding, error) {
	var out []Finding
	for _, c := range t.Containers {
		if !hasCap(c.CapDrop, "ALL") || !runsAsRoot(c.User) {
			continue
		}
		writable := false
		for _, m := range c.Mounts {
			if m.RW && !isSocketMount(m) && m.Type != "tmpfs" {
				writable = true
			}
		}
		if !writable {
			continue
		}
		var lacking []string
		for _, need := range []string{"DAC_OVERRIDE", "FOWNER"} {
			if !hasCap(c.CapAdd, need) {
				lacking = append(lacking, need)
			}
		}
		if len(lacking) > 0 {
			out = append(out, finding(c, Warning, "cap_drop: ALL with writable mounts but without "+strings.Join(lacking, " and ")+": writes into the volumes may fail", "2.3"))
		}
	}
	return out, nil
}

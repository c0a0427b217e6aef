package stack

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// socketGroup flags containers that mount the Docker socket as a non-root
// user without the socket's group in group_add: every call fails with
// EACCES (11.13, cause 1).
type socketGroup struct{}

func (socketGroup) Name() string { return "docker.sock without group_add" }

func isSocketMount(m Mount) bool {
	return strings.HasSuffix(m.Destination, "/docker.sock") || strings.HasSuffix(m.Source, "/docker.sock")
}

func runsAsRoot(user string) bool {
	u, _, _ := strings.Cut(user, ":")
	return u == "" || u == "0" || u == "root"
}

func (socketGroup) Run(_ context.Context, t *Target) ([]Finding, error) {
	var out []Finding
	for _, c := range t.Containers {
		mounted := false
		for _, m := range c.Mounts {
			mounted = mounted || isSocketMount(m)
		}
		if !mounted || runsAsRoot(c.User) {
			continue
		}
		if t.SocketGID == nil {
			if len(c.GroupAdd) == 0 {
				out = append(out, finding(c, Warning, fmt.Sprintf("mounts the Docker socket as user %s with no group_add: add the socket's group id", c.User), "11.13"))
			}
			continue
		}
		gid, err := t.SocketGID()
		if err != nil {
			return out, fmt.Errorf("stat the Docker socket: %w", err)
		}
		has := false
		for _, g := range c.GroupAdd {
			has = has || g == strconv.Itoa(gid) || g == "docker"
		}
		if !has {
			out = append(out, finding(c, Critical, fmt.Sprintf("mounts the Docker socket as user %s without its group %d in group_add: every call fails with EACCES", c.User, gid), "11.13"))
		}
	}
	return out, nil
}

// sandboxImage flags a running OpenClaw without its sandbox image: subagents
// fail with "spawn docker EACCES" (11.13, cause 2).
type sandboxImage struct{}

// SandboxImage is the image OpenClaw's subagents run in.
const SandboxImage = "openclaw-sandbox:bookworm-slim"

func (sandboxImage) Name() string { return "openclaw sandbox image" }

func (sandboxImage) Run(ctx context.Context, t *Target) ([]Finding, error) {
	for _, c := range t.Containers {
		if c.State != "running" || !strings.Contains(strings.ToLower(c.Service+" "+c.Name+" "+c.Image), "openclaw") || strings.Contains(c.Image, "openclaw-sandbox") {
			continue
		}
		ok, err := t.Engine.ImageExists(ctx, SandboxImage)
		if err != nil {
			return nil, err
		}
		if !ok {
			return []Finding{finding(c, Critical, "image "+SandboxImage+" is absent: subagents cannot start (spawn docker EACCES); rebuild it from the OpenClaw image", "11.13")}, nil
		}
		return nil, nil
	}
	return nil, nil
}

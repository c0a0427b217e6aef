#!/usr/bin/env bash
# Starts the services the integration tests need, as root, before `go test`.
# Idempotent: installs only what is missing, starts only what is not running.
# Prints one status line per service; exits non-zero when one cannot start.
set -euo pipefail

SOCK=/var/run/docker.sock
DOCKERD_LOG=${DOCKERD_LOG:-/tmp/dockerd.log}
WAIT=30

die() { echo "services: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (installs packages, starts dockerd)"

# --- Docker engine, compose v1, static busybox -----------------------------

missing=()
if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
	missing+=(docker.io)
fi
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
[ -x /bin/busybox ] || missing+=(busybox-static)
if [ ${#missing[@]} -gt 0 ]; then
	echo "services: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || die "apt-get update failed"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
		die "apt-get install ${missing[*]} failed"
fi

docker_up() { docker -H "unix://$SOCK" info >/dev/null 2>&1; }

if ! docker_up; then
	if pgrep -x dockerd >/dev/null 2>&1; then
		echo "services: dockerd is running but $SOCK does not answer yet; waiting"
	else
		setsid dockerd --host "unix://$SOCK" >"$DOCKERD_LOG" 2>&1 </dev/null &
	fi
	for _ in $(seq 1 "$WAIT"); do
		docker_up && break
		sleep 1
	done
	docker_up || die "dockerd did not answer on $SOCK within ${WAIT}s; see $DOCKERD_LOG (last lines: $(tail -n 3 "$DOCKERD_LOG" 2>/dev/null | tr '\n' ' '))"
fi

# --- PostgreSQL -------------------------------------------------------------
# (to be added: install/start PostgreSQL here and add its status to the line
# printed below)

echo "services: dockerd $(docker -H "unix://$SOCK" version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null) on $SOCK; $(docker-compose version --short 2>/dev/null | sed 's/^/docker-compose /'); busybox $(/bin/busybox 2>&1 | head -n1 | awk '{print $2}')"

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
# Debian's PostgreSQL 15, cluster 15/main on 127.0.0.1:5432, and a role
# vigie/vigie (superuser: the store tests create and drop databases) that the
# tests reach as postgres://vigie:vigie@127.0.0.1:5432/postgres. Exports nothing.

PG_VERSION=15
PG_CLUSTER=main
PG_BIN=/usr/lib/postgresql/$PG_VERSION/bin

if [ ! -x "$PG_BIN/postgres" ] || ! command -v pg_ctlcluster >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
	echo "services: installing postgresql-$PG_VERSION"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || die "apt-get update failed"
	apt-get install -y -qq --no-install-recommends "postgresql-$PG_VERSION" "postgresql-client-$PG_VERSION" >/dev/null ||
		die "apt-get install postgresql-$PG_VERSION failed"
fi
if ! pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1 == v && $2 == c { found = 1 } END { exit !found }'; then
	pg_createcluster "$PG_VERSION" "$PG_CLUSTER" >/dev/null || die "pg_createcluster $PG_VERSION $PG_CLUSTER failed"
fi
PG_PORT=$(pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1 == v && $2 == c { print $3 }')
PG_LOG=/var/log/postgresql/postgresql-$PG_VERSION-$PG_CLUSTER.log

pg_up() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; }

if ! pg_up; then
	if ! pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1 == v && $2 == c && $4 ~ /^online/ { found = 1 } END { exit !found }'; then
		pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start ||
			die "pg_ctlcluster $PG_VERSION $PG_CLUSTER start failed; see $PG_LOG (last lines: $(tail -n 3 "$PG_LOG" 2>/dev/null | tr '\n' ' '))"
	fi
	for _ in $(seq 1 "$WAIT"); do
		pg_up && break
		sleep 1
	done
	pg_up || die "PostgreSQL $PG_VERSION/$PG_CLUSTER did not answer on 127.0.0.1:$PG_PORT within ${WAIT}s; see $PG_LOG"
fi

pg_vigie() { PGPASSWORD=vigie PGCONNECT_TIMEOUT=5 psql -X -At -h 127.0.0.1 -p "$PG_PORT" -U vigie -d postgres "$@"; }

# Touch the role only when vigie/vigie cannot log in as a superuser.
if [ "$(pg_vigie -c 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user' 2>/dev/null)" != t ]; then
	runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres -c "
DO \$\$
BEGIN
	IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'vigie') THEN
		ALTER ROLE vigie LOGIN SUPERUSER PASSWORD 'vigie';
	ELSE
		CREATE ROLE vigie LOGIN SUPERUSER PASSWORD 'vigie';
	END IF;
END
\$\$;" >/dev/null || die "could not create the PostgreSQL role vigie"
fi
PG_SERVER=$(pg_vigie -c 'SHOW server_version' 2>&1) ||
	die "PostgreSQL on 127.0.0.1:$PG_PORT refused vigie/vigie: $(echo "$PG_SERVER" | head -n 1)"
PG_STATUS="postgresql ${PG_SERVER%% *} ($PG_VERSION/$PG_CLUSTER) on 127.0.0.1:$PG_PORT, role vigie"

echo "services: dockerd $(docker -H "unix://$SOCK" version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null) on $SOCK; $(docker-compose version --short 2>/dev/null | sed 's/^/docker-compose /'); busybox $(/bin/busybox 2>&1 | head -n1 | awk '{print $2}'); $PG_STATUS"

# vigie's image, multi-stage. Two final stages:
#
#   docker build -t vigie .                 the default ("full"): vigie + the
#                                           docker CLI with the compose plugin
#                                           and an ssh client, for compose
#                                           actions (/recreate, /opencut) and
#                                           ssh:// hosts
#   docker build --target slim -t vigie .   vigie alone on an empty base
#                                           (FROM scratch): diagnostics,
#                                           /status, /logs, /check, container
#                                           restart/start/stop, unix:// and
#                                           tcp:// + TLS hosts; no compose
#                                           actions, no ssh:// hosts
#
# Both run as 65532:65532, need no shell, curl or wget (corpus §2.1, §7.1):
# the HEALTHCHECK is `vigie healthcheck`, which asks vigie's own /healthz on
# 127.0.0.1 (set http.listen in the configuration, e.g. ":9464").
# deploy/Dockerfile.scratch is the slim stage built from a binary compiled
# beforehand — what the tests build, since no base image can be pulled there.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X vigie/cli.Version=${VERSION}" -o /out/vigie ./cmd/vigie \
 && mkdir -p /out/data

# --- slim: vigie alone on an empty base --------------------------------------
FROM scratch AS slim
# The Bot API is HTTPS: the CA roots come from the build stage.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/vigie /vigie
# /data belongs to vigie's user, so a fresh named volume mounted there is
# created writable for it (Docker copies the ownership into the volume).
COPY --from=build --chown=65532:65532 /out/data /data
WORKDIR /
USER 65532:65532
ENV VIGIE_CONFIG=/etc/vigie/config.yaml
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/vigie", "healthcheck"]
ENTRYPOINT ["/vigie"]
CMD ["run"]

# --- full (default): vigie + docker CLI + compose plugin + ssh ----------------
# docker:cli is Alpine with the docker CLI, the compose v2 plugin and
# openssh-client (for DOCKER_HOST=ssh://…).
FROM docker:27-cli AS full
RUN addgroup -g 65532 vigie \
 && adduser -D -H -u 65532 -G vigie -h /home/vigie vigie \
 && mkdir -p /data /home/vigie/.ssh \
 && chown -R 65532:65532 /data /home/vigie \
 && chmod 700 /home/vigie/.ssh
COPY --from=build /out/vigie /vigie
WORKDIR /
USER 65532:65532
# The docker CLI writes its config under DOCKER_CONFIG: keep it on the /tmp
# tmpfs, as the root filesystem is read-only in the compose snippets.
ENV VIGIE_CONFIG=/etc/vigie/config.yaml \
    HOME=/home/vigie \
    DOCKER_CONFIG=/tmp/.docker
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/vigie", "healthcheck"]
ENTRYPOINT ["/vigie"]
CMD ["run"]

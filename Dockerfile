# Multi-stage build of a static vigie binary on an empty base image.
# (The deploy issue adds the compose CLI variant and the healthcheck.)
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/vigie ./cmd/vigie

FROM scratch
COPY --from=build /out/vigie /vigie
USER 65532:65532
ENTRYPOINT ["/vigie"]
CMD ["console"]

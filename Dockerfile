# syntax=docker/dockerfile:1
# The API as a small, non-root container: a static binary on distroless.
#
#   docker build -t telecaller-crm-api --build-arg VERSION=$(git describe --always) .
#   docker run --rm -p 8080:8080 -e DATABASE_URL=... -e REDIS_URL=... \
#     -e SUPABASE_JWT_SECRET=... telecaller-crm-api
#
# The default command is `crm serve --migrate`: apply pending migrations
# (under a lock, so replicas may start together), then serve on HTTP_ADDR.
# Pass another subcommand to run it instead, e.g. `... telecaller-crm-api
# migrate status`. All configuration comes from the environment (README.md).
# docker-compose.yml runs it with Postgres and Redis.

FROM golang:1.26-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-trimpath
# Modules first, so code changes reuse the download layer.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
# The GraphiQL assets are committed under playground/dist: no npm here.
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -ldflags "-s -w -X main.version=${VERSION}" -o /out/crm ./cmd/crm

# static: no libc, no shell; nonroot: uid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/crm /crm
USER nonroot:nonroot
ENV HTTP_ADDR=:8080
EXPOSE 8080
ENTRYPOINT ["/crm"]
CMD ["serve", "--migrate"]

# Telecaller CRM API. `make run` and `make test` set up everything they need.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
PKG := ./...
# Starts local Postgres/Redis when DATABASE_URL/REDIS_URL are unset, and
# exports the env for them plus the dev JWT secret.
# The assignment fails the recipe (-e) when the services cannot start.
WITH_SERVICES = svc_env=$$(scripts/services.sh up); set -a; eval "$$svc_env"; set +a;

.PHONY: run test build generate lint services-up services-down check-generated fmt bench fuzz

run: ## migrate, seed demo data, print dev tokens, serve on :8080
	@$(WITH_SERVICES) \
	$(GO) build -o bin/crm ./cmd/crm; \
	bin/crm migrate up; \
	bin/crm seed; \
	echo; echo "Dev tokens (paste into a shell, then: curl -H \"Authorization: Bearer \$$TOKEN_MANAGER\" localhost:8080/api/me):"; \
	bin/crm token --all; echo; \
	echo "GraphQL playground: http://localhost:8080/graphql   REST: http://localhost:8080/api"; \
	exec bin/crm serve

test: ## run every test against real Postgres and Redis
	@$(WITH_SERVICES) $(GO) test -count=1 -timeout 15m $(PKG)

# Each fuzz target runs for FUZZTIME (go test -fuzz); `make test` only
# replays the seeds in testdata/fuzz. New crashers land in testdata/fuzz too.
FUZZTIME ?= 30s
fuzz: ## run every fuzz target for FUZZTIME each (FUZZTIME=2m make fuzz)
	@$(WITH_SERVICES) \
	for pkg in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
		for fn in $$(grep -h '^func Fuzz' $$pkg/*_test.go | sed 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
			echo "== $$pkg $$fn ($(FUZZTIME))"; \
			$(GO) test $$pkg -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) || exit 1; \
		done; \
	done

build:
	$(GO) build -o bin/crm ./cmd/crm

bench: ## load-test the API against raw SQL on the 1M-lead data set (seeds it once); see docs/performance.md
	@$(WITH_SERVICES) scripts/bench.sh

generate: ## regenerate gqlgen code from schema.graphqls
	$(GO) generate ./graph/...
	@! grep -n 'panic(fmt.Errorf("not implemented' graph/*.resolvers.go

check-generated: generate ## fail when generated code is stale
	@git diff --exit-code -- graph/ || (echo "generated code is stale: run make generate" && exit 1)

lint:
	$(GO) vet $(PKG)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

fmt:
	gofmt -w $$(git ls-files '*.go')

.PHONY: playground
playground: ## rebuild the embedded GraphiQL assets in playground/dist (needs npm only)
	cd playground/web && npm ci --no-audit --no-fund && npm run build

services-up: ## start local Postgres and Redis under .data/
	@scripts/services.sh up >/dev/null && echo "services up (Postgres 127.0.0.1:54320, Redis 127.0.0.1:63790)"

services-down:
	@scripts/services.sh down

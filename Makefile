# dabba's two commands: `make run` starts the platform with embedded defaults,
# `make test` runs every test against real PostgreSQL and Redis.
# `make help` lists every target.

GO ?= go
# Tools run at pinned versions through the Go module proxy; nothing to install.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
OAPI_CODEGEN := github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2
# protoc-gen-go at the version of google.golang.org/protobuf in go.mod.
PROTOC_GEN_GO = google.golang.org/protobuf/cmd/protoc-gen-go@$(shell $(GO) list -m -f '{{.Version}}' google.golang.org/protobuf)
# Development state (embedded PostgreSQL, secrets, built binaries); git ignores it.
STATE := .dabba
# Services for the tests: make sure they answer, export TEST_DATABASE_URL and TEST_REDIS_URL, run the command.
WITH_SERVICES := bash .ci/services.sh run
BENCH ?= .
PKG ?= ./...
# The fuzz targets as package:Target; -fuzz takes one target per run, so
# `make fuzz` runs them one after another, each for FUZZTIME.
FUZZ_TARGETS := \
	./store:FuzzDecodeCursor \
	./api:FuzzTokens_TamperedTokenNeverVerifies \
	./api:FuzzTokens_Verify \
	./realtime:FuzzClientFrame_DecodesToTheSameFrameAgain \
	./realtime:FuzzConn_EveryClientFrameGetsOneAnswer \
	./store/cache:FuzzParseNamespace \
	./store/cache:FuzzParseClass \
	./store/cache:FuzzParseTTLOverrides \
	./store/cache:FuzzParsePrincipal \
	./store/cache:FuzzParseMember \
	./store/cache:FuzzKeyspaceParse \
	./store/cache:FuzzSecureKey
FUZZTIME ?= 30s
# Go minimizes every new interesting input for up to 60 s by default,
# during which that worker explores nothing: in a 30 s run one slow
# minimization can take most of the time.
FUZZMINIMIZETIME ?= 2s

.DEFAULT_GOAL := help
.PHONY: help run test test-faults build lint openapi openapi-check client proto bench fuzz services-stop

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

run: ## start dabba; without DATABASE_URL/REDIS_URL it runs embedded PostgreSQL and Redis, loads demo data and simulates customers, kitchens and couriers
	DABBA_ENV=$${DABBA_ENV:-development} $(GO) run ./cmd/dabba serve --simulate

test: ## run every test with the race detector against real PostgreSQL and Redis (started, even installed, when absent)
	$(WITH_SERVICES) $(GO) test -race -count=1 $$($(GO) list ./... | grep -v /internal/faults)
	@# protoactor-go races inside its own code when cluster members come and
	@# go (see actors/cluster_test.go), so the multi-node tests run without -race.
	$(WITH_SERVICES) $(GO) test -count=1 -run '^TestCluster' ./actors/
	@$(MAKE) --no-print-directory test-faults

test-faults: ## only the fault tests: dabba serve processes over private PostgreSQL and Redis, killed and restarted (make test runs them last, two at a time, so they starve no other test)
	$(WITH_SERVICES) $(GO) test -count=1 -parallel 2 -v ./cmd/dabba/internal/faults/

bench: ## run benchmarks against real services (BENCH=regexp PKG=./store/...)
	$(WITH_SERVICES) $(GO) test -run '^$$' -bench '$(BENCH)' -benchmem $(PKG)

fuzz: ## run every fuzz target for FUZZTIME (default 30s) against real Redis; a failing input is written to the package's testdata/fuzz/
	@# Go 1.26 can fail a run that found nothing with "context deadline
	@# exceeded" when -fuzztime ends (golang/go#75804); such a run is
	@# reported but does not fail the target: only a written input does.
	@eval "$$(bash .ci/services.sh env)"; log=$$(mktemp); failed=; summary=; \
	for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t#*:}; \
		echo "fuzz: $$name in $$pkg for $(FUZZTIME)"; \
		{ $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) $$pkg/ 2>&1; echo $$? >"$$log.rc"; } | tee "$$log"; \
		last=$$(grep '^fuzz: elapsed: .*execs' "$$log" | tail -n 1 | sed -E 's/^fuzz: (elapsed: [^,]*, execs: [0-9]+).*/\1/'); \
		if [ "$$(cat "$$log.rc")" = 0 ]; then result=ok; \
		elif grep -q 'context deadline exceeded' "$$log" && ! grep -q 'Failing input written' "$$log"; then result="ok (Go's fuzztime deadline race)"; \
		else result=FAILED; failed="$$failed $$name"; fi; \
		summary="$$summary$$(printf '\n  %-44s %-34s %s' "$$name" "$${last:-no execs reported}" "$$result")"; \
	done; rm -f "$$log" "$$log.rc"; \
	echo "fuzz summary:$$summary"; \
	if [ -n "$$failed" ]; then echo "fuzz: failing inputs found by:$$failed"; exit 1; fi

services-stop: ## stop the PostgreSQL and Redis that make test started
	bash .ci/services.sh stop

build: ## build the dabba binary into .dabba/bin/dabba
	$(GO) build -o $(STATE)/bin/dabba ./cmd/dabba
	@echo "built $(STATE)/bin/dabba"

lint: ## gofmt, go vet (for Linux and macOS) and staticcheck must all be clean
	@unformatted=$$(find . -path './.*' -prune -o -name '*.go' -print | xargs gofmt -l); \
	if [ -n "$$unformatted" ]; then echo "gofmt wants to change (run gofmt -w):"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	GOOS=darwin GOARCH=arm64 $(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

openapi: ## regenerate api/schema_docs.go (schema docs from Go comments) and api/openapi.json from the code
	$(GO) generate ./api
	$(GO) run ./cmd/dabba openapi -o api/openapi.json

openapi-check: ## fail when api/openapi.json, its schema docs or the generated client is not what the code makes
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	cp api/schema_docs.go "$$tmp/schema_docs.go"; $(GO) generate ./api || exit 1; \
	if ! diff -q "$$tmp/schema_docs.go" api/schema_docs.go >/dev/null; then \
		cp "$$tmp/schema_docs.go" api/schema_docs.go; \
		echo "api/schema_docs.go is stale: run make openapi client and commit the result"; exit 1; fi; \
	$(GO) run ./cmd/dabba openapi -o "$$tmp/openapi.json" || exit 1; \
	if ! diff -u api/openapi.json "$$tmp/openapi.json" >"$$tmp/spec.diff"; then \
		head -n 60 "$$tmp/spec.diff"; echo "api/openapi.json is stale: run make openapi client and commit the result"; exit 1; fi; \
	sed "s|^output:.*|output: $$tmp/client.gen.go|" api/client/oapi-codegen.yaml >"$$tmp/oapi-codegen.yaml"; \
	$(GO) run $(OAPI_CODEGEN) -config "$$tmp/oapi-codegen.yaml" api/openapi.json || exit 1; \
	if ! diff -q api/client/client.gen.go "$$tmp/client.gen.go" >/dev/null; then \
		echo "api/client/client.gen.go is stale: run make client and commit the result"; exit 1; fi; \
	echo "api/openapi.json and api/client are up to date"

client: ## regenerate the Go client api/client/client.gen.go from api/openapi.json
	$(GO) run $(OAPI_CODEGEN) -config api/client/oapi-codegen.yaml api/openapi.json

proto: ## regenerate the protobuf messages of actors/ (needs protoc: apt-get install protobuf-compiler)
	@command -v protoc >/dev/null || { echo "protoc is not installed: apt-get install protobuf-compiler (Debian) or brew install protobuf (macOS)"; exit 1; }
	@ls actors/actorspb/*.proto >/dev/null 2>&1 || { echo "no .proto files in actors/actorspb/"; exit 1; }
	GOBIN=$(abspath $(STATE)/bin) $(GO) install $(PROTOC_GEN_GO)
	PATH="$(abspath $(STATE)/bin):$$PATH" protoc --go_out=. --go_opt=paths=source_relative actors/actorspb/*.proto

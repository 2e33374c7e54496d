# ginlogin: the two commands a new user needs are `make run` and `make test`.
GO          ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME    ?= 5s
COVER_MIN   ?= 90
BENCHTIME   ?= 200ms
BENCHCOUNT  ?= 5

.PHONY: run test lint unit cover fuzz bench load

## run: start the example app on 127.0.0.1:8080 with an embedded SQLite database
run:
	$(GO) run ./example

## test: everything CI checks: formatting, vet, staticcheck, race tests, coverage, fuzzing
test: lint unit cover fuzz
	@echo "==> all checks passed"

lint:
	@echo "==> gofmt"
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	@echo "==> go vet"
	$(GO) vet ./...
	@echo "==> staticcheck"
	$(GO) run $(STATICCHECK) ./...

unit:
	@echo "==> go test -race ./... (REDIS_URL=$${REDIS_URL:-unset, using miniredis} DATABASE_URL=$${DATABASE_URL:+set}$${DATABASE_URL:-unset})"
	$(GO) test -race -count=1 ./...

cover:
	@echo "==> coverage of ./ginlogin (minimum $(COVER_MIN)%)"
	@scripts/cover.sh $(COVER_MIN)

fuzz:
	@scripts/fuzz.sh $(FUZZTIME)

## bench: benchmarks next to their baselines, BENCHCOUNT rounds; prints the
## median overhead of ginlogin and whether the performance targets are met.
## The test binary is built once and run once per round (rather than with
## -count, which repeats each benchmark back to back), so that a baseline and
## its ginlogin variant always run under the same machine load.
bench:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(GO) test -c -o "$$tmp/ginlogin.test" ./ginlogin && \
	for i in $$(seq $(BENCHCOUNT)); do \
	  (cd ginlogin && "$$tmp/ginlogin.test" -test.run='^$$' -test.bench=. -test.benchmem -test.benchtime=$(BENCHTIME)) || echo "FAIL: benchmark round $$i"; \
	done | $(GO) run ./internal/benchratio

## load: drive a running instance with many clients (see README, "Running several instances")
load:
	$(GO) run ./cmd/loadgen $(LOADFLAGS)

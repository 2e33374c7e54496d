# ginlogin: the two commands a new user needs are `make run` and `make test`.
GO          ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME    ?= 3000x
COVER_MIN   ?= 90
BENCHTIME   ?= 300ms
BENCHCOUNT  ?= 5
# The library (the root module) and the starter app (example/, a module of
# its own, so it can be copied out). go.work joins them; in workspace mode
# ./... stops at example/go.mod, so every target names both trees.
PKGS        := ./... ./example/...

.PHONY: run test lint unit cover fuzz starter bench bench-http load

## run: start the example app on 127.0.0.1:8080 with an embedded SQLite database
run:
	$(GO) run ./example

## test: everything CI checks: formatting, tidy go.mod files, vet, staticcheck,
## race tests, coverage, fuzzing, and the starter app copied out and built alone
test: lint unit cover fuzz starter
	@echo "==> all checks passed"

lint:
	@echo "==> gofmt"
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	@echo "==> go mod tidy -diff (library, then example/)"
	$(GO) mod tidy -diff
	cd example && $(GO) mod tidy -diff
	@echo "==> go vet"
	$(GO) vet $(PKGS)
	@echo "==> staticcheck"
	$(GO) run $(STATICCHECK) $(PKGS)

unit:
	@echo "==> go test -race $(PKGS) (Redis: $$([ -n "$$REDIS_URL" ] && echo 'REDIS_URL' || echo 'miniredis'); PostgreSQL: $$([ -n "$$DATABASE_URL" ] && echo 'DATABASE_URL' || echo 'skipped without DATABASE_URL'))"
	$(GO) test -race -count=1 $(PKGS)

cover:
	@echo "==> coverage of ./ginlogin (minimum $(COVER_MIN)%)"
	@scripts/cover.sh $(COVER_MIN)

fuzz:
	@scripts/fuzz.sh $(FUZZTIME)

## starter: copy example/ out of the repository, rename its module to
## example.com/mysite as gonew does, and build and test the copy on its own
starter:
	@scripts/copy-starter.sh

## bench: each benchmark next to its baseline, every sub-benchmark in its own
## process, BENCHCOUNT rounds of BENCHTIME; prints the ratios and targets
bench:
	@scripts/bench.sh $(BENCHCOUNT) $(BENCHTIME)

## bench-http: the starter app (SQLite users) against a minimal gin +
## gin-contrib/sessions app (cmd/benchbaseline) over TCP with wrk,
## alternating BENCHHTTPROUNDS rounds of BENCHHTTPTIME; prints req/s,
## p50/p99 and the ratio (target >= 0.5x). Not part of `make test`.
BENCHHTTPROUNDS ?= 4
BENCHHTTPTIME   ?= 10s
bench-http:
	@scripts/bench-http.sh $(BENCHHTTPROUNDS) $(BENCHHTTPTIME)

## load: start two instances of the example app (built with -race; sharing
## REDIS_URL and DATABASE_URL when set, else one SQLite file and cookie
## sessions) and drive them with 200 browsers for 30 s; fails on any 5xx,
## data race or answer for the wrong account. LOADFLAGS passes flags, e.g.
## LOADFLAGS='-clients 50 -duration 10s' or LOADFLAGS='-url http://127.0.0.1:8080 -register'
## (see docs/scaling.md).
load:
	$(GO) run ./example/cmd/loadgen $(LOADFLAGS)

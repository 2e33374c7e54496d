#!/usr/bin/env bash
# Runs every fuzz target briefly: first its seed corpus (with go test), then
# new inputs. The budget is a count of executions per target ("3000x"), not a
# duration: with a duration, Go 1.26's fuzz coordinator can report "context
# deadline exceeded" at the deadline on a loaded machine without having found
# anything (go.dev/issue/75804). A count has no deadline to race. A real
# finding still fails the run and writes its input under testdata/fuzz/.
set -euo pipefail
budget=${1:-3000x}
for pkg in $(go list ./... ./example/...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "==> fuzz $pkg $target for $budget"
    go test -run='^$' -fuzz="^${target}\$" -fuzztime="$budget" "$pkg"
  done
done

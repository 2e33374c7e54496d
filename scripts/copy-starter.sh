#!/usr/bin/env bash
# Copies the starter app (example/) out of the repository as a new user
# would, and checks that the copy builds and passes its tests on its own:
#
#  1. copy example/ (its committed and new files, not ignored ones such as
#     local databases) to a temporary directory;
#  2. rename its module to example.com/mysite the way
#     golang.org/x/tools/cmd/gonew does: the module line of go.mod and every
#     import path under the old module path;
#  3. point the library requirement at this checkout (a replace to its
#     absolute path, where a real copy would require a released version);
#  4. run go build ./... and go test ./... there, outside the workspace
#     (GOWORK=off) and without -mod=mod, so a missing go.sum line, an
#     import of the library's internal/ packages or a leftover import of
#     the old path fails.
#
# The copied tests use the engines the environment names (REDIS_URL,
# DATABASE_URL, PGBIN, CHROME_PATH, or redis-server and chromium on PATH)
# and skip those tests with a message when they are missing, as in the
# repository. KEEP=1 keeps the copy and prints where it is.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
old=github.com/ginlogin/ginlogin/example
new=example.com/mysite
lib=github.com/ginlogin/ginlogin

dir=$(mktemp -d "${TMPDIR:-/tmp}/ginlogin-starter-XXXXXX")
if [ "${KEEP:-}" = 1 ]; then
  echo "==> starter: keeping the copy in $dir"
else
  trap 'rm -rf "$dir"' EXIT
fi

echo "==> starter: copying example/"
cd "$root/example"
if git rev-parse --git-dir >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard . | while IFS= read -r -d '' f; do
    [ -e "$f" ] || continue # deleted in the work tree, not yet committed
    mkdir -p "$dir/$(dirname "$f")"
    cp -p "$f" "$dir/$f"
  done
else
  cp -Rp . "$dir"
fi
echo "    $(find "$dir" -type f | wc -l) files"

echo "==> starter: renaming module $old to $new (as gonew does)"
cd "$dir"
export GOWORK=off GOFLAGS=-mod=readonly
go mod edit -module "$new"
# gonew rewrites import paths only, never other strings or comments: an
# import spec is a line holding just an optional name and the quoted path.
find . -name '*.go' -type f -print0 | xargs -0 sed -E -i \
  "s#^([[:space:]]*(import[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*[[:space:]]+|[._][[:space:]]+)?)\"$old(/[^\"]*)?\"([[:space:]]*(//.*)?)\$#\1\"$new\4\"\5#"
echo "==> starter: requiring the library from this checkout"
go mod edit -dropreplace "$lib" -replace "$lib=$root"
grep -E '^(module|replace) ' go.mod | sed 's/^/    /'

echo "==> starter: checking no package imports $old or $lib/internal"
left=$(go list -deps -test -f '{{.ImportPath}}' ./... | grep -E "^($old(/|\$)|$lib/internal/)" || true)
if [ -n "$left" ]; then
  echo "the copy still imports:"
  echo "$left"
  exit 1
fi

echo "==> starter: go build ./..."
go build ./...
echo "==> starter: go vet ./..."
go vet ./...
echo "==> starter: go test ./... (Redis: $([ -n "${REDIS_URL:-}" ] && echo REDIS_URL || echo miniredis); PostgreSQL: $([ -n "${DATABASE_URL:-}" ] && echo DATABASE_URL || echo 'skipped without DATABASE_URL'))"
go test -count=1 ./...
echo "==> starter: the copy as $new builds and passes its tests"

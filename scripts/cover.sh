#!/usr/bin/env bash
# Runs the library's tests with coverage and fails below the minimum given.
set -euo pipefail
min=${1:-90}
out=$(go test -count=1 -cover ./ginlogin)
echo "$out"
pct=$(echo "$out" | sed -n 's/.*coverage: \([0-9.]*\)% of statements.*/\1/p' | head -1)
if [ -z "$pct" ]; then echo "could not read the coverage"; exit 1; fi
awk -v p="$pct" -v m="$min" 'BEGIN { if (p+0 < m+0) { printf "coverage %.1f%% is below %s%%\n", p, m; exit 1 } }'

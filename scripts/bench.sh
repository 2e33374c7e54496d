#!/usr/bin/env bash
# Runs every sub-benchmark of the library and of the example app in a
# process of its own, for several rounds in alternating order, and prints
# the ratios to each benchmark's baseline (internal/benchratio).
#
# One process per sub-benchmark keeps one variant's garbage and warm caches
# from landing in the next variant's time: run back to back in one process,
# the second of two identical handlers measured 5-8% slower.
set -euo pipefail
rounds=${1:-5}
benchtime=${2:-300ms}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "==> building the benchmark binaries" >&2
go test -c -o "$tmp/ginlogin.test" ./ginlogin
go test -c -o "$tmp/example.test" ./example/app

# suite DIR BINARY PATTERN: lists "dir binary Top/sub" for each sub-benchmark.
suite() {
  (cd "$1" && "$2" -test.run='^$' -test.bench="$3" -test.benchtime=1x) |
    awk -v d="$1" -v b="$2" '/^Benchmark[^ ]*\// { name=$1; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name); print d, b, name }'
}
mapfile -t runs < <(suite ginlogin "$tmp/ginlogin.test" . ; suite example/app "$tmp/example.test" APIMe)
echo "==> ${#runs[@]} sub-benchmarks, $rounds rounds of $benchtime each" >&2

for round in $(seq "$rounds"); do
  echo "==> round $round/$rounds" >&2
  order=("${runs[@]}")
  if (( round % 2 == 0 )); then
    mapfile -t order < <(printf '%s\n' "${runs[@]}" | tac)
  fi
  for run in "${order[@]}"; do
    read -r dir bin name <<<"$run"
    top=${name%%/*}
    sub=${name#*/}
    (cd "$dir" && "$bin" -test.run='^$' -test.bench="^Benchmark${top}\$/^${sub}\$" -test.benchmem -test.benchtime="$benchtime") ||
      echo "FAIL: $name in round $round"
  done
done | tee "${BENCH_LOG:-/dev/null}" | go run ./internal/benchratio

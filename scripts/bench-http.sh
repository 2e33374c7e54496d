#!/usr/bin/env bash
# make bench-http: the starter app (SQLite users, cookie sessions) against a
# minimal gin + gin-contrib/sessions app with a map user lookup
# (cmd/benchbaseline), both over real TCP, driven by the same load tool
# (wrk), in alternating rounds A/B/A/B... in one run. Prints requests per
# second and p50/p99 latency of each round, and the ratio of the medians.
#
#   scripts/bench-http.sh [ROUNDS] [DURATION] [CONNECTIONS]
#
# Target: the starter app serves >= 0.5x the minimal app's requests per
# second for an authenticated GET /api/me. It is a report: it fails only
# when a step fails (a build, a login, a round with errors), not on a
# missed target.
set -euo pipefail
rounds=${1:-4}
duration=${2:-10s}
conns=${3:-32}
threads=${BENCH_HTTP_THREADS:-2}
port_app=${BENCH_HTTP_APP_PORT:-18081}
port_base=${BENCH_HTTP_BASE_PORT:-18082}
target=0.5
# One User-Agent for the login and the load: the app's session protection
# ties a login to its client, and a request from another client would
# rewrite the session every time.
ua="bench-http/1"

command -v wrk >/dev/null || { echo "bench-http: wrk is not installed (Debian: apt-get install wrk)" >&2; exit 1; }
command -v curl >/dev/null || { echo "bench-http: curl is not installed" >&2; exit 1; }
for p in "$port_app" "$port_base"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "bench-http: port $p is in use; set BENCH_HTTP_APP_PORT / BENCH_HTTP_BASE_PORT" >&2
    exit 1
  fi
done

tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "==> building the starter app and cmd/benchbaseline" >&2
go build -o "$tmp/example" ./example
go build -o "$tmp/benchbaseline" ./cmd/benchbaseline

secret=$(head -c 48 /dev/urandom | base64 | tr -d '\n')
password=$(head -c 18 /dev/urandom | base64 | tr -d '\n')
email=bench@example.com
export SECRET_KEY=$secret GIN_MODE=release
app_env=(SQLITE_PATH="$tmp/bench.db" ADDR="127.0.0.1:$port_app" COOKIE_SECURE=false)

echo "==> creating the user in a new SQLite database" >&2
printf '%s\n' "$password" | env "${app_env[@]}" "$tmp/example" user add "$email" Bench >/dev/null

# The starter app writes one log line per request (method, path, status,
# duration); here they go to a file, so the terminal does not slow it down.
echo "==> starting both (the starter app's one-line-per-request log goes to a file, not the terminal)" >&2
env "${app_env[@]}" "$tmp/example" 2>"$tmp/app.log" &
pids+=($!)
"$tmp/benchbaseline" -addr "127.0.0.1:$port_base" 2>"$tmp/base.log" &
pids+=($!)

wait_up() { # URL
  for _ in $(seq 100); do
    curl -fsS -A "$ua" -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench-http: $1 did not come up" >&2
  cat "$tmp/app.log" "$tmp/base.log" >&2
  exit 1
}
wait_up "http://127.0.0.1:$port_app/healthz"
# The baseline answers 401 to /api/me without a session: up is up.
for _ in $(seq 100); do
  curl -sS -A "$ua" -o /dev/null "http://127.0.0.1:$port_base/api/me" 2>/dev/null && break
  sleep 0.1
done

# cookie_header JAR: the cookies of a curl cookie jar as one Cookie header.
cookie_header() {
  sed -e 's/^#HttpOnly_//' -e '/^#/d' -e '/^$/d' "$1" | awk -F'\t' '{printf "%s%s=%s", (n++ ? "; " : ""), $6, $7}'
}

echo "==> logging in to both" >&2
jar_app=$tmp/app.jar
login_page=$(curl -fsS -A "$ua" -c "$jar_app" -b "$jar_app" "http://127.0.0.1:$port_app/login")
csrf=$(printf '%s' "$login_page" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
[ -n "$csrf" ] || { echo "bench-http: no CSRF token on the starter app's login page" >&2; exit 1; }
code=$(curl -sS -A "$ua" -o /dev/null -w '%{http_code}' -c "$jar_app" -b "$jar_app" \
  --data-urlencode "email=$email" --data-urlencode "password=$password" --data-urlencode "csrf_token=$csrf" \
  "http://127.0.0.1:$port_app/login")
[ "$code" = 303 ] || { echo "bench-http: starter app login answered $code" >&2; exit 1; }
jar_base=$tmp/base.jar
code=$(curl -sS -A "$ua" -o /dev/null -w '%{http_code}' -c "$jar_base" --data-urlencode "email=$email" "http://127.0.0.1:$port_base/login")
[ "$code" = 204 ] || { echo "bench-http: baseline login answered $code" >&2; exit 1; }

# check_me NAME PORT JAR: GET /api/me as the browser, keeping any cookie
# the answer sets. The app records a session's last use once a minute by
# rewriting its cookie; wrk would keep sending the old one and make every
# request of a round after the first minute rewrite it again, so each
# round starts with this request, as a browser's next request would.
check_me() {
  local body
  body=$(curl -fsS -A "$ua" -c "$3" -b "$3" -H "Accept: application/json" "http://127.0.0.1:$2/api/me") ||
    { echo "bench-http: $1: GET /api/me with the login's cookies failed" >&2; exit 1; }
  case $body in *"\"email\":\"$email\""*) ;; *) echo "bench-http: $1: GET /api/me answered $body" >&2; exit 1 ;; esac
}
check_me "starter app" "$port_app" "$jar_app"
check_me baseline "$port_base" "$jar_base"

# run NAME PORT JAR: one wrk round; prints "rps p50 p99".
run() {
  local out rps p50 p99 non2xx
  check_me "$1" "$2" "$3"
  out=$(wrk -t"$threads" -c"$conns" -d"$duration" --latency -H "User-Agent: $ua" -H "Accept: application/json" -H "Cookie: $(cookie_header "$3")" "http://127.0.0.1:$2/api/me")
  if grep -q 'Non-2xx' <<<"$out" || grep -q 'Socket errors' <<<"$out"; then
    non2xx=$(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr -s ' ')
    echo "bench-http: $1: errors in the round: $non2xx" >&2
    exit 1
  fi
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  echo "$rps $p50 $p99"
}

echo "==> warming up (2s each, not counted)" >&2
wrk -t1 -c4 -d2s -H "User-Agent: $ua" -H "Cookie: $(cookie_header "$jar_app")" "http://127.0.0.1:$port_app/api/me" >/dev/null
wrk -t1 -c4 -d2s -H "User-Agent: $ua" -H "Cookie: $(cookie_header "$jar_base")" "http://127.0.0.1:$port_base/api/me" >/dev/null

echo "==> $rounds rounds of $duration each, alternating, wrk -t$threads -c$conns, GET /api/me with the login's cookies"
printf '%-6s %-12s %12s %10s %10s\n' round server "req/s" p50 p99
app_rps=()
base_rps=()
for r in $(seq "$rounds"); do
  if (( r % 2 == 1 )); then order=(app base); else order=(base app); fi
  for who in "${order[@]}"; do
    echo "    round $r/$rounds: $who..." >&2
    if [ "$who" = app ]; then
      read -r rps p50 p99 < <(run "starter app" "$port_app" "$jar_app")
      app_rps+=("$rps"); name="starter app"
    else
      read -r rps p50 p99 < <(run baseline "$port_base" "$jar_base")
      base_rps+=("$rps"); name=baseline
    fi
    [ -n "$rps" ] || { echo "bench-http: round $r of $name failed" >&2; exit 1; }
    printf '%-6s %-12s %12s %10s %10s\n' "$r" "$name" "$rps" "$p50" "$p99"
  done
done

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
ma=$(median "${app_rps[@]}")
mb=$(median "${base_rps[@]}")
ratio=$(awk -v a="$ma" -v b="$mb" 'BEGIN {printf "%.2f", a/b}')
verdict=$(awk -v r="$ratio" -v t="$target" 'BEGIN {print (r >= t) ? "PASS" : "MISS"}')
echo
echo "median req/s: starter app $ma, baseline $mb"
echo "$verdict  end to end over TCP, authenticated GET /api/me with SQLite users: starter app ${ratio}× the minimal app's requests per second (target >= ${target}×)"
echo "note: each round starts with a fresh cookie from a GET /api/me, with the login's User-Agent, as a browser's next request"
echo "note: the starter app logged $(wc -l <"$tmp/app.log") lines (one per request) to a file during the run; the baseline logs nothing per request"

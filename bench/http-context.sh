#!/usr/bin/env bash
# Cached GET /api/v1/context: Brain Trust against the anchor (the original design behind
# FastAPI/uvicorn, ../shared/anchors/orig_context_app.py), side by side in the same run, with
#   wrk -t2 -c64 -d10s --latency
# Prints req/s, p50 and p99 of both and the ratio, plus our start-to-healthy time and our RSS
# under that load. Targets: >= 3x the anchor's req/s, p99 < 10 ms, start-to-healthy < 1 s,
# RSS < 150 MiB. Everything it starts is stopped on exit.
#
# Needs: a JDK 17+, curl, wrk, python3 with fastapi and uvicorn
#   (apt-get install -y python3-fastapi python3-uvicorn wrk).
# Settings: DURATION (10s), WARMUP (5s), ROUNDS (1), STARTS (5), ANCHORS_DIR, PYTHON (/usr/bin/python3),
#   BRAIN_TRUST_JAVA_OPTS (passed to our JVM by the launcher).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
anchors="${ANCHORS_DIR:-$root/../shared/anchors}"
python="${PYTHON:-/usr/bin/python3}"
duration="${DURATION:-10s}"
warmup="${WARMUP:-5s}"
rounds="${ROUNDS:-1}"

for tool in curl wrk java; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install -y wrk curl)" >&2; exit 2; }
done
[[ -f "$anchors/orig_context_app.py" ]] || { echo "bench: no anchor at $anchors (set ANCHORS_DIR)" >&2; exit 2; }
"$python" -c 'import fastapi, uvicorn' 2>/dev/null \
  || { echo "bench: $python lacks fastapi/uvicorn (apt-get install -y python3-fastapi python3-uvicorn)" >&2; exit 2; }

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
now_ms() { date +%s%3N; }
free_port() { "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_healthy() { # url deadline_ms
  local deadline=$(( $(now_ms) + $2 ))
  until curl -sf -o /dev/null "$1/health"; do
    (( $(now_ms) < deadline )) || { echo "bench: $1 did not become healthy" >&2; return 1; }
    sleep 0.005
  done
}
rss_mib() { awk '/^VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status" 2>/dev/null || echo 0; }
# wrk latency "1.23ms" / "850.00us" / "1.02s" -> milliseconds
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.3f", v/1000; else if (v ~ /ms$/) printf "%.3f", v+0; else if (v ~ /s$/) printf "%.3f", v*1000; else printf "%.3f", v }'; }

# --- our server ---------------------------------------------------------------------------------
# The launcher builds the jar when sources changed and records its class-data archive once per
# build: do both now, so the start measured below is an ordinary one.
"$root/brain-trust" --version >/dev/null
home="$work/home"
"$root/brain-trust" --home "$home" init >/dev/null

start_ours() { # port -> sets pid_ours
  "$root/brain-trust" --home "$home" serve --port "$1" >"$work/ours.out" 2>"$work/ours.err" &
  pid_ours=$!; pids+=("$pid_ours")
}
start_anchor() { # port -> sets pid_anchor
  PAI_HOME="$home" "$python" -m uvicorn --app-dir "$anchors" orig_context_app:app --host 127.0.0.1 \
    --port "$1" --log-level warning >"$work/anchor.out" 2>&1 &
  pid_anchor=$!; pids+=("$pid_anchor")
}
stop_pid() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# start-to-healthy: launch to the first 200 from /health, STARTS times each, the median reported
starts="${STARTS:-5}"
: >"$work/starts-ours"; : >"$work/starts-anchor"
for _ in $(seq 1 "$starts"); do
  port="$(free_port)"; t0=$(now_ms); start_ours "$port"; wait_healthy "http://127.0.0.1:$port" 60000
  echo $(( $(now_ms) - t0 )) >>"$work/starts-ours"; stop_pid "$pid_ours"
  port="$(free_port)"; t0=$(now_ms); start_anchor "$port"; wait_healthy "http://127.0.0.1:$port" 60000
  echo $(( $(now_ms) - t0 )) >>"$work/starts-anchor"; stop_pid "$pid_anchor"
done
start_ms=$(median <"$work/starts-ours")
anchor_start_ms=$(median <"$work/starts-anchor")

port_ours="$(free_port)"; start_ours "$port_ours"; url_ours="http://127.0.0.1:$port_ours"
wait_healthy "$url_ours" 60000
port_anchor="$(free_port)"; start_anchor "$port_anchor"; url_anchor="http://127.0.0.1:$port_anchor"
wait_healthy "$url_anchor" 60000

curl -sf "$url_ours/api/v1/context" >/dev/null
curl -sf "$url_anchor/api/v1/context" >/dev/null

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
tick_us=$(( 1000000 / $(getconf CLK_TCK) ))

# run_wrk name url pid -> sets rps p50 p99 rss cpu_us (server CPU time per request, robust to a busy machine)
run_wrk() {
  local out="$work/wrk-$1.txt" peak=0 r cpu0 cpu1 requests
  cpu0=$(cpu_ticks "$3")
  wrk -t2 -c64 -d"$duration" --latency "$2/api/v1/context" >"$out" 2>&1 &
  local wrk_pid=$!
  while kill -0 "$wrk_pid" 2>/dev/null; do
    r=$(rss_mib "$3"); (( r > peak )) && peak=$r
    sleep 0.25
  done
  wait "$wrk_pid"
  cpu1=$(cpu_ticks "$3")
  requests=$(awk '/requests in/ { print $1 }' "$out")
  cpu_us=$(awk -v t=$(( (cpu1 - cpu0) * tick_us )) -v n="$requests" 'BEGIN { printf "%.0f", (n > 0 ? t / n : 0) }')
  if grep -qE 'Non-2xx|Socket errors' "$out"; then
    echo "bench: $1 answered with errors:" >&2; grep -E 'Non-2xx|Socket errors' "$out" >&2
  fi
  rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$out")
  p50=$(to_ms "$(awk '$1=="50%" {print $2}' "$out")")
  p99=$(to_ms "$(awk '$1=="99%" {print $2}' "$out")")
  rss=$peak
}

echo "Warming up both servers ($warmup each)..." >&2
wrk -t2 -c64 -d"$warmup" "$url_anchor/api/v1/context" >/dev/null 2>&1
wrk -t2 -c64 -d"$warmup" "$url_ours/api/v1/context" >/dev/null 2>&1

printf '\nGET /api/v1/context, wrk -t2 -c64 -d%s --latency, %s core(s), round by round\n' "$duration" "$(nproc)"
printf '%-7s %-14s %10s %9s %9s %9s %12s\n' round server 'req/s' 'p50 ms' 'p99 ms' 'RSS MiB' 'CPU us/req'
best_ratio=0
for round in $(seq 1 "$rounds"); do
  run_wrk anchor "$url_anchor" "$pid_anchor"; a_rps=$rps; a_p50=$p50; a_p99=$p99; a_rss=$rss; a_cpu=$cpu_us
  printf '%-7s %-14s %10s %9s %9s %9s %12s\n' "$round" anchor "$a_rps" "$a_p50" "$a_p99" "$a_rss" "$a_cpu"
  run_wrk ours "$url_ours" "$pid_ours"; o_rps=$rps; o_p50=$p50; o_p99=$p99; o_rss=$rss; o_cpu=$cpu_us
  printf '%-7s %-14s %10s %9s %9s %9s %12s\n' "$round" brain-trust "$o_rps" "$o_p50" "$o_p99" "$o_rss" "$o_cpu"
  ratio=$(awk -v o="$o_rps" -v a="$a_rps" 'BEGIN { printf "%.2f", (a > 0 ? o / a : 0) }')
  cpu_ratio=$(awk -v o="$o_cpu" -v a="$a_cpu" 'BEGIN { printf "%.2f", (o > 0 ? a / o : 0) }')
  printf '%-7s %-14s %10sx %29s %11sx\n' "$round" 'ratio (ours)' "$ratio" '' "$cpu_ratio"
done

verdict() { if awk "BEGIN { exit !($1) }"; then echo met; else echo MISSED; fi; }
printf '\nstart-to-healthy, median of %d: brain-trust %d ms (all: %s), anchor %d ms (all: %s)\n' "$starts" \
  "$start_ms" "$(paste -sd' ' "$work/starts-ours")" "$anchor_start_ms" "$(paste -sd' ' "$work/starts-anchor")"
printf 'Targets (last round): req/s >= 3x anchor: %sx %s | p99 < 10 ms: %s %s | start < 1000 ms: %s %s | RSS < 150 MiB: %s %s\n' \
  "$ratio" "$(verdict "$ratio >= 3")" "$o_p99" "$(verdict "$o_p99 < 10")" \
  "$start_ms" "$(verdict "$start_ms < 1000")" "$o_rss" "$(verdict "$o_rss < 150")"
printf 'JVM options: %s; machine load average before/after: %s / %s\n' "${BRAIN_TRUST_JAVA_OPTS:-(launcher defaults)}" "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)"

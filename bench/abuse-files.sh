#!/usr/bin/env bash
# Abuse battery, files and skills (issue 11 points 5-8): the server started through the launcher
# (./brain-trust, its -Xmx128m included) meets huge and odd context files and skills that try to
# escape. For each scenario it prints whether the server survived, the worst /health latency seen
# while the scenario ran (probed every 20 ms), and heap (from /metrics) and RSS before and after.
#
#   bash bench/abuse-files.sh            needs curl, mkfifo, git; leaves nothing behind
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
launcher="$here/../brain-trust"
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Build the jar (and record the class-data archive) once, with the caller's environment, before any timed run.
"$launcher" --version >/dev/null

sentinel="bench-sentinel-$$"
base=""
server=""

start_server() { # start_server <log> VAR=value...  (sets $server and $base)
  local log="$1"; shift
  env -i PATH="$PATH" HOME="$work" "$@" "$launcher" serve --port 0 >"$log.out" 2>"$log" &
  server=$!
  pids+=("$server")
  for _ in $(seq 1 1200); do
    grep -q 'serving on' "$log.out" 2>/dev/null && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.05
  done
  base="$(sed -nE 's|.*serving on (http://[^ ]*:[0-9]+).*|\1|p' "$log.out")"
  [[ -n "$base" ]]
}

stop_server() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
}

rss_mib() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$server/status" 2>/dev/null || echo "-"; }
heap_mib() {
  curl -s --max-time 5 "$base/metrics" | awk '/^jvm_memory_used_bytes\{.*area="heap"/ {s += $NF} END {if (s) printf "%.0f", s / 1048576; else print "-"}'
}

probe_start() { # /health every 20 ms, one latency in ms per line
  : >"$work/probe"
  ( while :; do
      curl -s -o /dev/null --max-time 10 -w '%{time_total}\n' "$base/health" >>"$work/probe" || echo 10 >>"$work/probe"
      sleep 0.02
    done ) &
  prober=$!
}
probe_stop() {
  kill "$prober" 2>/dev/null || true
  wait "$prober" 2>/dev/null || true
  sort -g "$work/probe" | tail -1 | awk '{printf "%.0f ms", $1 * 1000}'
}

report() { # report <scenario> <survived> <worst> <heap before> <heap after> <rss before> <rss after> <note>
  printf '%-44s survived: %-3s  worst /health: %-8s  heap: %4s -> %4s MiB  RSS: %4s -> %4s MiB  %s\n' "$@"
}

alive() { kill -0 "$server" 2>/dev/null && [[ "$(curl -s -o /dev/null --max-time 5 -w '%{http_code}' "$base/health")" == 200 ]]; }

context_reads() { # a few rounds of invalidate, context, status
  for _ in $(seq 1 "${1:-10}"); do
    curl -s -o /dev/null --max-time 20 -X POST "$base/api/v1/context/invalidate" || true
    curl -s -o /dev/null --max-time 20 "$base/api/v1/context" || true
    curl -s -o /dev/null --max-time 20 "$base/api/v1/status" || true
  done
}

# --- local mode: huge and odd context files -------------------------------------------------------
home="$work/home"
"$launcher" --home "$home" init >/dev/null 2>&1
start_server "$work/local.log" PAI_HOME="$home" || { echo "the server did not start: $(tail -3 "$work/local.log")"; exit 1; }

scenario() { # scenario <name> <setup command> ; runs context reads while probing /health
  local name="$1" setup="$2" hb rb ha ra worst ok note
  hb="$(heap_mib)"; rb="$(rss_mib)"
  eval "$setup"
  probe_start
  context_reads 10
  worst="$(probe_stop)"
  ok=no; alive && ok=yes
  ha="$(heap_mib)"; ra="$(rss_mib)"
  note="$(curl -s --max-time 20 "$base/api/v1/context" | grep -o "context/$3[^\"]*" | head -1 | cut -c1-70 || true)"
  report "$name" "$ok" "$worst" "$hb" "$ha" "$rb" "$ra" "${note:+warning: $note}"
}

scenario "local: 30 MB context/NOTES.md" \
  "head -c 30000000 /dev/zero | tr '\\0' 'x' > '$home/context/NOTES.md'" "NOTES.md"
rm -f "$home/context/NOTES.md"
scenario "local: FIFO context/PIPE.md" "mkfifo '$home/context/PIPE.md'" "PIPE.md"
rm -f "$home/context/PIPE.md"
scenario "local: folder named context/NOTES.md" "mkdir '$home/context/NOTES.md'" "NOTES.md"
rmdir "$home/context/NOTES.md"
scenario "local: 200 files of 1 MiB (over the 8 MiB total)" \
  "for i in \$(seq -w 1 200); do head -c 1048000 /dev/zero | tr '\\0' 'y' > '$home/context/BULK\$i.md'; done" "BULK"
rm -f "$home/context"/BULK*.md
stop_server

head -c 30000000 /dev/zero | tr '\0' 'x' >"$home/context/NOTES.md"
t0=$(date +%s%N)
if start_server "$work/restart.log" PAI_HOME="$home" && alive; then started=yes; else started=no; fi
report "local: start with a 30 MB NOTES.md present" "$started" "$(( ($(date +%s%N) - t0) / 1000000 )) ms to listen" \
  "-" "$(heap_mib)" "-" "$(rss_mib)" ""
stop_server
rm -f "$home/context/NOTES.md"

# --- cloud mode: a pushed 40 MB context/NOTES.md ---------------------------------------------------
git init -q --bare -b main "$work/remote.git"
git init -q -b main "$work/author"
mkdir -p "$work/author/context"
for f in MISSION GOALS BELIEFS; do echo "$f" >"$work/author/context/$f.md"; done
git -C "$work/author" add . && git -C "$work/author" -c user.name=b -c user.email=b@b commit -qm small
git -C "$work/author" push -q "$work/remote.git" main
start_server "$work/cloud.log" PAI_HOME="$work/cloud-home" BRAIN_TRUST_GIT_URL="$work/remote.git" BRAIN_TRUST_SYNC_INTERVAL=0
for _ in $(seq 1 600); do [[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/ready")" == 200 ]] && break; sleep 0.1; done
hb="$(heap_mib)"; rb="$(rss_mib)"
head -c 30000000 /dev/urandom | base64 -w 100 >"$work/author/context/NOTES.md"
git -C "$work/author" add . && git -C "$work/author" -c user.name=b -c user.email=b@b commit -qm "40 MB of notes"
git -C "$work/author" push -q "$work/remote.git" main
probe_start
curl -s -o /dev/null --max-time 120 -X POST "$base/api/v1/sync" || true
context_reads 5
worst="$(probe_stop)"
ok=no; alive && [[ "$(curl -s "$base/api/v1/context" | grep -c 'NOTES.md is 38.5 MiB')" == 1 ]] && ok=yes
report "cloud: pushed 40 MB context/NOTES.md" "$ok" "$worst" "$hb" "$(heap_mib)" "$rb" "$(rss_mib)" "synced, skipped with a warning"
stop_server
if start_server "$work/cloud-restart.log" PAI_HOME="$work/cloud-home" BRAIN_TRUST_GIT_URL="$work/remote.git" BRAIN_TRUST_SYNC_INTERVAL=0 \
   && alive; then started=yes; else started=no; fi
report "cloud: restart with the 40 MB file synced" "$started" "-" "-" "$(heap_mib)" "-" "$(rss_mib)" ""
stop_server

# --- skills that try to escape or to read the server's secrets ------------------------------------
token="31$$"  # sleep adds its arguments up: "sleep 300 0.31<pid>" is findable and harmless
skill() { printf '%s\n' "#!/bin/sh" "$2" >"$home/skills/$1.sh"; chmod +x "$home/skills/$1.sh"; }
skill setsid_escape "( setsid sleep 300 0.$token >/dev/null 2>&1 & )
echo started"
skill holds_stdout "echo 'the answer'
sleep 120 0.$token &
exit 0"
skill timeout_child "echo partial
sleep 300 0.$token &
wait"
skill peek_secrets "{ tr '\\0' '\\n' </proc/\$PPID/environ; cat /proc/[0-9]*/environ /proc/[0-9]*/cmdline | tr '\\0' '\\n'; env; } 2>/dev/null | grep -ac 'bench-sentine[l]'"
leftovers() { ps -eo args | grep -c "[0]\\.$token" || true; }

for isolation in auto session; do
  start_server "$work/skills-$isolation.log" PAI_HOME="$home" BRAIN_TRUST_SKILL_TIMEOUT=2s BRAIN_TRUST_SKILL_ISOLATION="$isolation" \
    WEBHOOK_SECRET="$sentinel" OPENAI_API_KEY="$sentinel" GITHUB_TOKEN="$sentinel" BRAIN_TRUST_DB_URL="jdbc:sqlite:$work/$sentinel.db"
  mode="$(grep -q 'not in a PID namespace' "$work/skills-$isolation.log" && echo session || echo "$isolation")"
  [[ "$mode" == auto ]] && mode=namespace
  for s in setsid_escape holds_stdout timeout_child peek_secrets; do
    hb="$(heap_mib)"; rb="$(rss_mib)"
    probe_start
    t0=$(date +%s%N)
    body="$(curl -s --max-time 60 -X POST -H 'Content-Type: application/json' -d '{"args":{}}' "$base/api/v1/skills/$s/run")"
    took=$(( ($(date +%s%N) - t0) / 1000000 ))
    worst="$(probe_stop)"
    left="$(leftovers)"
    output="$(printf '%s' "$body" | sed -nE 's/.*"output":"([^"]*)".*/\1/p' | sed 's/\\n/ /g')"
    ok=no
    if alive && [[ "$left" == 0 ]]; then
      case "$s" in
        peek_secrets) [[ "$output" == "0 " ]] && ok=yes ;;
        timeout_child) [[ "$body" == *'"timedOut":true'* && "$output" == "partial " ]] && ok=yes ;;
        *) [[ "$body" == *'"ok":true'* ]] && ok=yes ;;
      esac
    fi
    note="run ${took} ms, leftover processes: $left, output: ${output:-(none)}"
    [[ "$s" == peek_secrets ]] && note="run ${took} ms, lines with a secret: ${output:-?}"
    report "skills ($mode): $s" "$ok" "$worst" "$hb" "$(heap_mib)" "$rb" "$(rss_mib)" "$note"
    # anything that did escape is ours to end
    for p in $(ps -eo pid,args | awk -v t="0.$token" '$0 ~ t && !/awk/ {print $1}'); do kill "$p" 2>/dev/null || true; done
  done
  stop_server
done

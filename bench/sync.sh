#!/usr/bin/env bash
# Sync figures (issue 4), each side by side with its anchor in the same run:
#  1. push-to-live through the webhook against our running server (started by ./brain-trust, as the
#     product runs; no warm-up: the first push after start is counted, and printed on its own too), and the
#     anchor ../shared/anchors/webhook-pull-latency.sh (adnanh/webhook + git pull);
#  2. push-to-live with the webhook off and a 1 s poll interval (target p95 < 1.5 s);
#  3. a sync that finds nothing new on a repository of 5,000 commits and 2,000 files, in-process,
#     and the anchor `git pull -q origin main` on a clone of the same repository (target < 10 ms);
#  4. requests and time per sync against Apache's git-http-backend with basic auth: ours (the token with
#     the first request) beside JGit's default (asks without it, 401, asks again), same repository, same run.
# Sections 1 and 4 start Apache (Debian's apache2, as .ci/run installs it) and need root.
# Usage: bash bench/sync.sh [pushes=50]   (prints the machine's load average too: figures drift with it)
#   SECTIONS="1 3" runs only those sections (default all four).
#   BENCH_BASELINE=1 runs the server with the speed-ups of issue 19 switched off (reading a local remote
#   directly and linking its loose objects, answering a webhook before the checkout and the working tree follow,
#   loading the snapshot after the answer,
#   the start-up warm-up), for a before/after.
#   BENCH_OPTS passes system properties to SyncBench, e.g. BENCH_OPTS="-Dbench.push-with=jgit -Dbench.repack-every=10"
#   for section 1's harder workload (pushes by JGit, which keeps a pack per push, and the remote repacked before every
#   tenth push); by default each push is made by git itself and the remote is never repacked, as in the anchor.
#   Section 1 prints the server's steps per push (first push after start, p50 and p95 of the counted pushes,
#   and of 30 steady-state pushes after them) from the webhook's stepsMs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
anchors="${ANCHORS:-$here/../../shared/anchors}"
[ -d "$anchors" ] || anchors=/work/shared/anchors
pushes="${1:-50}"
cp="$("$here/classpath.sh")"
# The server runs as the product does: through the launcher, with its JVM options and class-data archive.
launcher="$here/../brain-trust"
"$launcher" --version >/dev/null
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
sections="${SECTIONS:-1 2 3 4}"
on() { [[ " $sections " == *" $1 "* ]]; }
# The server logs the steps it runs after answering each push (section 1 lists them under the push's own).
default_opts="$(sed -n 's/^default_opts="\(.*\)"$/\1/p' "$launcher")"
server_opts="${BRAIN_TRUST_JAVA_OPTS:-$default_opts}"
if [[ "${BENCH_BASELINE:-0}" == 1 ]]; then
  server_opts="$server_opts -Dbrain-trust.sync.direct-local-read=false -Dbrain-trust.sync.link-loose-objects=false -Dbrain-trust.sync.settle-after-answer=false -Dbrain-trust.sync.checkout-after-answer=false -Dbrain-trust.sync.warm-up-pushes=0 -Dbrain-trust.sync.load-after-answer=false -Dbrain-trust.http.warm-up-rounds=0"
  echo "baseline: the speed-ups of issue 19 are off"
fi
echo "server JVM options: $server_opts"
export BRAIN_TRUST_JAVA_OPTS="$server_opts -Dbrain-trust.sync.log-steps=true"

p() { grep -E "^$1=" <<<"$2" | head -1 | cut -d= -f2; }
# Runs one SyncBench mode; its log goes to $work/<mode>.log, and its tail to the terminal when it fails.
bench() {
  local mode="$1"; shift
  java ${BENCH_OPTS:-} "$@" -cp "$cp" dev.braintrust.bench.SyncBench "$mode" "$work/$mode" ${pushes_arg:-} 2>"$work/$mode.log" \
    || { echo "SyncBench $mode failed:" >&2; tail -30 "$work/$mode.log" >&2; tail -30 "$work/$mode/server.log" >&2 2>/dev/null; return 1; }
}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

if on 1; then
echo "== 1. push-to-live through the webhook ($pushes pushes, the first after start counted): a bare repository, and Apache's git-http-backend with basic auth"
pushes_arg="$pushes"
ours="$(bench webhook -Dbench.launcher="$launcher")"
echo "$ours" | grep -E '_ms p50|_first_ms|^step '
# Apache runs as root and switches to www-data (the bench runs as root, as .ci/run does)
apache="$(bench webhook-apache -Dbench.launcher="$launcher")"
echo "$apache" | grep -E '_ms p50|_first_ms|^step '
anchor="$(bash "$anchors/webhook-pull-latency.sh" "$pushes")"
echo "$anchor"
a50=$(sed -n 's/.*p50=\([0-9]*\).*/\1/p' <<<"$anchor"); a95=$(sed -n 's/.*p95=\([0-9]*\).*/\1/p' <<<"$anchor")
o50=$(p ours_webhook_push_to_live_p50_ms "$ours"); o95=$(p ours_webhook_push_to_live_p95_ms "$ours")
python3 -c "print('ratio webhook push-to-live, bare repository (ours/anchor): p50 %.2f, p95 %.3f (target <= 0.5)' % ($o50*1000/$a50, $o95*1000/$a95))"
h50=$(p ours_webhook_push_to_live_apache_p50_ms "$apache"); h95=$(p ours_webhook_push_to_live_apache_p95_ms "$apache")
python3 -c "print('ratio webhook push-to-live, Apache smart HTTP (ours/anchor on a bare repository): p50 %.2f, p95 %.3f' % ($h50*1000/$a50, $h95*1000/$a95))"
s95=$(p ours_webhook_push_to_live_steady_p95_ms "$ours"); f=$(p ours_webhook_push_to_live_first_ms "$ours" | cut -d" " -f1)
python3 -c "print('ratio first push after start / our steady p95, bare repository: %.3f (target <= 2)' % ($f/$s95))"
# the first push once the server's start-up warm-up has run (5 s after /ready), a fresh server, five pushes
pushes_arg=5
late="$(bench webhook-late -Dbench.launcher="$launcher")"
echo "$late" | grep -E '_first_ms'
l=$(p ours_webhook_push_to_live_after_warm_up_first_ms "$late" | cut -d" " -f1)
python3 -c "print('ratio first push 5 s after start / our steady p95, bare repository: %.3f' % ($l/$s95))"
pushes_arg="$pushes"
fi

if on 2; then
echo "== 2. push-to-live with the webhook off, poll every 1 s ($pushes pushes)"
bench poll -Dbench.launcher="$launcher" -Dbench.warmup=3 | grep -E '_ms p50|_first_ms'
fi

if on 3; then
echo "== 3. a sync with nothing new: 5,000 commits, 2,000 files"
pushes_arg=""
ours="$(bench nochange)"
echo "$ours" | grep -v '_p[0-9]*_ms='
git clone -q "$work/nochange/big.git" "$work/big/git-clone"
for i in 1 2 3 4 5; do git -C "$work/big/git-clone" pull -q origin main; done
ts=()
for i in $(seq 1 50); do
  t0=$(date +%s%N); git -C "$work/big/git-clone" pull -q origin main; t1=$(date +%s%N); ts+=($(( (t1-t0)/1000 )))
done
anchor="$(printf '%s\n' "${ts[@]}" | sort -n | awk '{a[NR]=$1} END {print "anchor git pull (nothing new) us: p50=" a[int(NR*0.5)] " p95=" a[int(NR*0.95)] " max=" a[NR]}')"
echo "$anchor"
a50=$(sed -n 's/.*p50=\([0-9]*\).*/\1/p' <<<"$anchor")
o50=$(p ours_nochange_service_p50_ms "$ours")
python3 -c "print('ratio no-change sync (ours/git pull): p50 %.2f' % ($o50*1000/$a50))"
fi

if on 4; then
echo "== 4. requests and time per sync against Apache's git-http-backend: ours (the token with the first request) beside JGit's default (401 first)"
pushes_arg=50
bench requests-apache | grep -v '_p[0-9]*_ms='
fi

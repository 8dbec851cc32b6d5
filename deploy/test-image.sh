#!/usr/bin/env bash
# The container image, built and run for real. Installs podman from Debian's packages, makes the two
# base images from Debian packages (no image registry is needed), builds the Dockerfile and runs the
# image the ways the README describes:
#   engine   podman, buildah, runc, podman-compose, mmdebstrap and jq, and the settings they need here
#   bases    stand-ins for eclipse-temurin:17-jdk and :17-jre, made with mmdebstrap, kept between runs
#   build    the Dockerfile (--format docker keeps HEALTHCHECK), its size, user, healthcheck, no apt cache
#   local    local mode, API key as a *_FILE, read-only root, all capabilities dropped, and /tmp the
#            noexec tmpfs Docker mounts; the same image without its SQLite setting must turn unhealthy
#   readonly --read-only with no /tmp mount at all (Docker's --read-only without --tmpfs)
#   sigterm  SIGTERM while a request runs: the request is answered, the server exits within the grace period
#   cloud    init step 'sync --once' then 'serve' on a bare repository mounted in, every secret as a
#            *_FILE, a signed webhook, a wrong signature, JSON logs (every line one object)
#   compose  docker-compose.yml under podman-compose, healthy; with a run database that cannot open, unhealthy
#   kube     deploy/kubernetes rendered by kustomize, then started with 'podman kube play'
#
#   deploy/test-image.sh                  every step, in that order (as root)
#   deploy/test-image.sh build cloud      only those steps (each makes what it needs first)
#
# BT_IMAGE_CACHE (default /var/cache/brain-trust-image) keeps the base images' tarballs between runs, as
# podman's own storage keeps the images and the build's layers; BT_IMAGE_REFRESH=1 makes the base images
# again from today's Debian packages. Extra CA certificates in /usr/local/share/ca-certificates/*.crt (a
# TLS-intercepting proxy's) are passed to the build stage. Containers, pods and volumes it starts are
# named bt-it-* and removed at the end, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${BT_IMAGE_WORK:-$ROOT/target/image-test}
CACHE=${BT_IMAGE_CACHE:-/var/cache/brain-trust-image}
VERSION=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -1)
VERSION=${VERSION%-SNAPSHOT}
IMAGE=localhost/brain-trust:$VERSION
SUITE=bookworm
MIRRORS=("deb http://deb.debian.org/debian $SUITE main" "deb http://deb.debian.org/debian $SUITE-updates main"
         "deb http://deb.debian.org/debian-security $SUITE-security main")
JDK_PACKAGES=ca-certificates,openjdk-17-jdk-headless,curl,wget
JRE_PACKAGES=ca-certificates,openjdk-17-jre-headless
BASE_KEY=$(printf '%s\n' "$SUITE" "${MIRRORS[@]}" "$JDK_PACKAGES" "$JRE_PACKAGES" | sha256sum | cut -c1-12)
JDK_BASE=localhost/brain-trust-base/jdk:$BASE_KEY
JRE_BASE=localhost/brain-trust-base/jre:$BASE_KEY
SECRETS=/run/secrets/brain-trust
export DEBIAN_FRONTEND=noninteractive
mkdir -p "$WORK"

step_started=
declare -a TIMES=()
step() { step_started=${step_started:-$SECONDS}; echo; echo "=== $*"; }
done_step() { TIMES+=("$(printf '%-9s %4d s' "$1" $((SECONDS - step_started)))"); step_started=; }
fail() { echo "FAILED: $*" >&2; exit 1; }
check() { local what=$1; shift; if "$@"; then echo "ok: $what"; else fail "$what"; fi; }

cleanup() {
  command -v podman >/dev/null || return 0
  if [ -s "$WORK/kube/rendered.yaml" ]; then
    podman kube down "$WORK/kube/rendered.yaml" >/dev/null 2>&1 || true
    podman volume rm -f brain-trust-data >/dev/null 2>&1 || true
    podman secret rm brain-trust-secrets >/dev/null 2>&1 || true
    podman volume rm -f brain-trust-secrets >/dev/null 2>&1 || true
  fi
  for project in bt-it-compose bt-it-broken; do
    [ -d "$WORK/$project" ] && (cd "$WORK/$project" && podman-compose -p "$project" down -v >/dev/null 2>&1) || true
  done
  podman ps -a --format '{{.Names}}' | grep '^bt-it-' | xargs -r podman rm -f -t 0 >/dev/null 2>&1 || true
  podman volume ls --format '{{.Name}}' | grep '^bt-it' | xargs -r podman volume rm -f >/dev/null 2>&1 || true
}
trap cleanup EXIT

# Without systemd, podman says at every start and removal of a container with a HEALTHCHECK that it
# cannot set up the timer that would run it; the checks here run it themselves (podman healthcheck run).
podman() { command podman "$@" 2> >(grep -v 'unable to get systemd connection' >&2); }

# The answer's status code, or 000 when nothing answers.
status() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@" || true; }

wait_ready() { # url container [seconds]
  local deadline=$((SECONDS + ${3:-90}))
  while [ "$SECONDS" -lt "$deadline" ]; do
    [ "$(status "$1/ready")" = 200 ] && { echo "ok: $2 is ready"; return 0; }
    [ "$(podman inspect -f '{{.State.Running}}' "$2" 2>/dev/null)" = true ] || break
    sleep 0.5
  done
  echo "--- /ready: $(curl -s --max-time 5 "$1/ready")"; echo "--- logs of $2:"; podman logs "$2" 2>&1 | tail -40
  fail "$2 did not become ready"
}

published() { echo "http://127.0.0.1:$(podman port "$1" 8000 | head -1 | sed 's/.*://')"; }

# A container's view of its own /tmp: "noexec" when mounted so, "read-only" when it cannot be written.
tmp_mount() {
  podman exec "$1" sh -c 'grep -q " /tmp .*noexec" /proc/mounts && echo noexec; touch /tmp/.w 2>/dev/null || echo read-only'
}

healthy() { podman healthcheck run "$1" >/dev/null 2>&1; } # no systemd timer here: run the check once
unhealthy() { ! healthy "$1"; }
# jq's filter gives true for that JSON text (jq 1.6's -e passes on empty input, so the output is read)
jq_ok() { printf '%s' "$1" | jq "$2" 2>/dev/null | grep -qx true; }
file_jq_ok() { jq -s "$2" "$1" 2>/dev/null | grep -qx true; } # the file's JSON values as one array

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# --- engine -------------------------------------------------------------------------------------
engine() {
  step "engine: podman and friends from Debian's packages"
  local missing=()
  for tool in podman buildah runc podman-compose mmdebstrap jq curl openssl git python3; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing for: ${missing[*]}"
    apt-get -o DPkg::Lock::Timeout=900 update -q >/dev/null
    apt-get -o DPkg::Lock::Timeout=900 install -y -q podman buildah runc fuse-overlayfs slirp4netns uidmap \
      podman-compose mmdebstrap jq curl openssl git python3 >/dev/null
  fi
  # What these machines need (each 'podman run' fails otherwise): crun refuses the hybrid cgroup
  # layout, so runc with cgroupfs; the default rlimits are above the hard limits, so explicit ones.
  cat > "$WORK/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
  podman --version
  done_step engine
}
export CONTAINERS_CONF=$WORK/containers.conf

# --- bases --------------------------------------------------------------------------------------
base_image() { # tag packages tarball
  local tag=$1 packages=$2 tar=$3 arch
  arch=$(dpkg --print-architecture)
  if [ "${BT_IMAGE_REFRESH:-}" != 1 ] && podman image exists "$tag"; then
    echo "ok: $tag (kept from an earlier run)"
    return
  fi
  if [ "${BT_IMAGE_REFRESH:-}" = 1 ] || [ ! -s "$tar" ]; then
    echo "making $tar from Debian packages: $packages"
    mkdir -p "$(dirname "$tar")"
    mmdebstrap -q --variant=minbase --include="$packages" "$SUITE" "${tar%.tar}.partial.tar" "${MIRRORS[@]}"
    mv -f "${tar%.tar}.partial.tar" "$tar"
  fi
  podman import -q --change "ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-$arch" --change 'ENV LANG=C.UTF-8' \
    "$tar" "$tag" >/dev/null
  echo "ok: $tag"
}

bases() {
  step "bases: eclipse-temurin stand-ins from Debian packages ($SUITE, key $BASE_KEY)"
  base_image "$JDK_BASE" "$JDK_PACKAGES" "$CACHE/$BASE_KEY/jdk.tar" > "$WORK/base-jdk.log" 2>&1 &
  local jdk=$!
  base_image "$JRE_BASE" "$JRE_PACKAGES" "$CACHE/$BASE_KEY/jre.tar" > "$WORK/base-jre.log" 2>&1 &
  local jre=$!
  local failed=
  wait "$jdk" || failed=1
  wait "$jre" || failed=1
  cat "$WORK/base-jdk.log" "$WORK/base-jre.log"
  [ -z "$failed" ] || fail "making the base images"
  done_step bases
}

# --- build --------------------------------------------------------------------------------------
build() {
  step "build: the Dockerfile with --format docker"
  podman image exists "$JDK_BASE" && podman image exists "$JRE_BASE" || bases
  local args=(--pull=never --format docker --build-arg "JDK_IMAGE=$JDK_BASE" --build-arg "JRE_IMAGE=$JRE_BASE")
  if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
    echo "the build stage trusts $(ls /usr/local/share/ca-certificates/*.crt | tr '\n' ' ')"
    args+=(--build-arg "EXTRA_CA_CERTS=$(cat /usr/local/share/ca-certificates/*.crt)")
  fi
  local started=$SECONDS
  # The build stage gets a tag of its own, so that its layers (Maven's downloads) stay the cache of
  # the next run while what older runs left is pruned.
  podman build -q "${args[@]}" --target build -t "$IMAGE-build-stage" . >/dev/null || fail "podman build (build stage)"
  podman build -q "${args[@]}" -t "$IMAGE" . >/dev/null || fail "podman build"
  echo "built $IMAGE in $((SECONDS - started)) s"
  podman image prune -f >/dev/null
  local bytes
  bytes=$(podman image inspect "$IMAGE" --format '{{.Size}}')
  echo "image size: $((bytes / 1000000)) MB ($bytes bytes)"
  check "runs as user 10001" test "$(podman image inspect "$IMAGE" --format '{{.Config.User}}')" = 10001:10001
  check "the HEALTHCHECK survived the build and probes /ready" \
    sh -c "podman image inspect '$IMAGE' --format '{{json .Config.Healthcheck}}' | grep -q /ready"
  local leftovers
  leftovers=$(podman run --rm --no-healthcheck --entrypoint sh "$IMAGE" -c \
    'find /var/lib/apt/lists /var/cache/apt /usr/local/share/ca-certificates -type f 2>/dev/null | head -5')
  check "no apt lists, apt cache or build-stage CA left in the image${leftovers:+: $leftovers}" test -z "$leftovers"
  check "the history holds no build argument value" \
    sh -c "! podman image history --no-trunc --format '{{.CreatedBy}}' '$IMAGE' | grep -q 'BEGIN CERTIFICATE'"
  done_step build
}

need_image() { podman image exists "$IMAGE" || build; }

# --- fixtures -----------------------------------------------------------------------------------
fixtures() { # made anew once per run
  F=$WORK/fixture
  [ -n "${FIXTURES_MADE:-}" ] && return
  FIXTURES_MADE=1
  rm -rf "$F"; mkdir -p "$F/secrets"
  openssl rand -hex 32 > "$F/secrets/api-key"
  openssl rand -hex 32 > "$F/secrets/webhook-secret"
  echo not-a-real-token > "$F/secrets/git-token"
  echo sk-not-a-real-key > "$F/secrets/openai-api-key"
  chmod 755 "$F/secrets"; chmod 644 "$F"/secrets/*
  git init -q -b main "$F/work"
  mkdir -p "$F/work/context"
  for n in MISSION GOALS BELIEFS; do echo "$n v1" > "$F/work/context/$n.md"; done
  git -C "$F/work" add -A
  git -C "$F/work" -c user.name=ci -c user.email=ci@localhost commit -qm v1
  git clone -q --bare "$F/work" "$F/remote.git"
  chmod -R a+rX "$F/remote.git"
}
fixtures_vars() { fixtures; KEY=$(cat "$F/secrets/api-key"); HOOK=$(cat "$F/secrets/webhook-secret"); }

# A fresh data folder owned by the image's user, with a skill that takes its time.
data_dir() {
  local d=$WORK/data-$1
  rm -rf "$d"; mkdir -p "$d/pai/skills"
  cat > "$d/pai/skills/slow.sh" <<'EOF'
#!/bin/sh
# NAME: slow
# DESCRIPTION: Waits, then answers (for the SIGTERM check).
# PARAM: seconds (int) - how long to wait
sleep "$1"
echo "waited $1 s"
EOF
  chmod 755 "$d/pai/skills/slow.sh"
  chown -R 10001:10001 "$d"
  echo "$d"
}

HARDENED=(--read-only --read-only-tmpfs=false --cap-drop=ALL --security-opt no-new-privileges)
DOCKER_TMP=(--tmpfs /tmp:rw,noexec,nosuid,nodev,size=64m) # what Docker's tmpfs gives: noexec

run_local() { # name data-dir extra-args...
  local name=$1 data=$2; shift 2
  podman run -d --name "$name" -p 127.0.0.1::8000 -v "$data:/data" -v "$F/secrets:$SECRETS:ro" \
    -e BRAIN_TRUST_API_KEY_FILE=$SECRETS/api-key "${HARDENED[@]}" "$@" >/dev/null
}

# --- local --------------------------------------------------------------------------------------
local_mode() {
  need_image; fixtures_vars
  step "local: API key as a file, read-only root, no capabilities, /tmp a noexec tmpfs as Docker mounts it"
  run_local bt-it-local "$(data_dir local)" "${DOCKER_TMP[@]}" "$IMAGE"
  local url; url=$(published bt-it-local)
  wait_ready "$url" bt-it-local
  check "/tmp in the container is noexec" test "$(tmp_mount bt-it-local)" = noexec
  check "/health answers" test "$(status "$url/health")" = 200
  check "the API wants the key" test "$(status "$url/api/v1/status")" = 401
  check "a wrong key is refused" test "$(status -H 'X-API-Key: wrong' "$url/api/v1/status")" = 403
  local answer
  answer=$(curl -fsS -X POST -H "X-API-Key: $KEY" -d '{"args":{"expression":"6*7"}}' "$url/api/v1/skills/calculator/run")
  check "a skill runs (python3 in the image): $answer" jq_ok "$answer" '.ok and (.output | contains("42"))'
  check "the run database was created in the volume" test -s "$WORK/data-local/pai/state/brain-trust.db"
  check "the process runs as 10001" sh -c "podman exec bt-it-local id -u | grep -qx 10001"
  check "HEALTHCHECK says healthy" healthy bt-it-local
  podman rm -f -t 5 bt-it-local >/dev/null

  step "local: an API key given as a plain variable reaches the server over a pipe, not in its environment"
  local plain environ; plain=$(openssl rand -hex 16)
  podman run -d --name bt-it-plain -p 127.0.0.1::8000 -v "$(data_dir plain):/data" -e BRAIN_TRUST_API_KEY="$plain" \
    "${HARDENED[@]}" "${DOCKER_TMP[@]}" "$IMAGE" >/dev/null
  url=$(published bt-it-plain)
  wait_ready "$url" bt-it-plain
  check "the key given as a variable is the server's key" test "$(status -H "X-API-Key: $plain" "$url/api/v1/status")" = 200
  check "process 1 is the server" sh -c "podman exec bt-it-plain cat /proc/1/cmdline | tr '\\0' ' ' | grep -q 'java .*brain-trust.jar serve'"
  environ=$(podman exec bt-it-plain cat /proc/1/environ | tr '\0' '\n')
  check "its environment can be read as a skill would (HOME=/data in it)" grep -qx 'HOME=/data' <<<"$environ"
  check "and the key is not in it" test "$(grep -c "$plain" <<<"$environ")" = 0
  podman rm -f -t 5 bt-it-plain >/dev/null

  step "local: the same without the image's SQLite setting (defect 1) is caught by the HEALTHCHECK"
  local entrypoint
  mapfile -t entrypoint < <(podman image inspect "$IMAGE" --format '{{json .Config.Entrypoint}}' | jq -r '.[] | select(startswith("-Dorg.sqlite.") | not)')
  run_local bt-it-broken "$(data_dir broken)" "${DOCKER_TMP[@]}" --entrypoint "${entrypoint[0]}" "$IMAGE" "${entrypoint[@]:1}" serve
  url=$(published bt-it-broken)
  local deadline=$((SECONDS + 60))
  until [ "$(status "$url/health")" = 200 ] || [ "$SECONDS" -gt "$deadline" ]; do sleep 0.5; done
  sleep 2
  local ready; ready=$(curl -s "$url/ready")
  echo "/ready: $ready"
  check "/ready is 503 and names the failing check to anyone" jq_ok "$ready" '.status == "not_ready" and .checks["run database"] != "ok"'
  ready=$(curl -s -H "X-API-Key: $KEY" "$url/ready")
  echo "/ready with the key: $ready"
  check "and gives the database error with the key" jq_ok "$ready" '.status == "not_ready" and (tostring | test("sqlite|database"; "i"))'
  check "HEALTHCHECK says unhealthy" unhealthy bt-it-broken
  podman rm -f -t 0 bt-it-broken >/dev/null
  done_step local
}

# --- readonly -----------------------------------------------------------------------------------
readonly_mode() {
  need_image; fixtures_vars
  step "readonly: --read-only with no /tmp mount at all: only the data volume is writable"
  run_local bt-it-ro "$(data_dir ro)" "$IMAGE"
  local url; url=$(published bt-it-ro)
  wait_ready "$url" bt-it-ro
  check "/tmp in the container cannot be written" test "$(tmp_mount bt-it-ro)" = read-only
  check "/ cannot be written" sh -c "! podman exec bt-it-ro touch /opt/x 2>/dev/null"
  local answer
  answer=$(curl -fsS -X POST -H "X-API-Key: $KEY" -d '{"args":{"text":"one two three"}}' "$url/api/v1/skills/word_count/run")
  check "a skill runs: $answer" jq_ok "$answer" .ok
  check "HEALTHCHECK says healthy" healthy bt-it-ro
  podman rm -f -t 5 bt-it-ro >/dev/null
  done_step readonly
}

# --- sigterm ------------------------------------------------------------------------------------
sigterm() {
  need_image; fixtures_vars
  step "sigterm: SIGTERM while a request runs"
  run_local bt-it-term "$(data_dir term)" "${DOCKER_TMP[@]}" "$IMAGE"
  local url; url=$(published bt-it-term)
  wait_ready "$url" bt-it-term
  curl -sS --max-time 60 -X POST -H "X-API-Key: $KEY" -d '{"args":{"seconds":"4"}}' \
    -o "$WORK/slow.json" -w '%{http_code}' "$url/api/v1/skills/slow/run" > "$WORK/slow.code" &
  local request=$!
  sleep 1.5
  local started=$SECONDS
  podman stop -t 45 bt-it-term >/dev/null
  local took=$((SECONDS - started)) code
  wait "$request" || true
  code=$(podman inspect bt-it-term --format '{{.State.ExitCode}}')
  echo "answer: $(cat "$WORK/slow.code") $(cat "$WORK/slow.json" 2>/dev/null); stopped in $took s, exit code $code"
  check "the request in flight was answered" grep -qx 200 "$WORK/slow.code"
  check "with the skill's whole output" file_jq_ok "$WORK/slow.json" '.[0].ok and (.[0].output | contains("waited 4 s"))'
  check "stopped well within the 45 s grace period" test "$took" -lt 30
  check "exit code 0 or 143 (SIGTERM), not a kill" sh -c "[ '$code' = 0 ] || [ '$code' = 143 ]"
  check "logged its stop" sh -c "podman logs bt-it-term 2>&1 | grep -q 'Stopped.'"
  podman rm -f bt-it-term >/dev/null
  done_step sigterm
}

# --- cloud --------------------------------------------------------------------------------------
cloud() {
  need_image; fixtures_vars
  step "cloud: init step 'sync --once', then 'serve', on a bare repository mounted in; every secret a *_FILE"
  local data; data=$(data_dir cloud); rm -rf "$data/pai"
  local cloud_args=(-v "$data:/data" -v "$F/secrets:$SECRETS:ro" -v "$F/remote.git:/repo.git:ro" "${HARDENED[@]}" "${DOCKER_TMP[@]}"
    -e BRAIN_TRUST_GIT_URL=file:///repo.git -e BRAIN_TRUST_LOG_FORMAT=json
    -e BRAIN_TRUST_GIT_TOKEN_FILE=$SECRETS/git-token -e BRAIN_TRUST_API_KEY_FILE=$SECRETS/api-key
    -e WEBHOOK_SECRET_FILE=$SECRETS/webhook-secret -e OPENAI_API_KEY_FILE=$SECRETS/openai-api-key)
  podman run --name bt-it-init "${cloud_args[@]}" "$IMAGE" sync --once > "$WORK/init.log" 2>&1 || { cat "$WORK/init.log"; fail "sync --once"; }
  podman rm bt-it-init >/dev/null
  check "the init step cloned the repository: $(head -c 300 "$WORK/init.log")" test -s "$data/pai/context/MISSION.md"
  podman run -d --name bt-it-cloud -p 127.0.0.1::8000 "${cloud_args[@]}" "$IMAGE" serve >/dev/null
  local url; url=$(published bt-it-cloud)
  wait_ready "$url" bt-it-cloud
  check "serves the repository's context" sh -c "curl -fsS -H 'X-API-Key: $KEY' '$url/api/v1/context/MISSION' | grep -q 'MISSION v1'"

  echo "MISSION v2" > "$F/work/context/MISSION.md"
  git -C "$F/work" -c user.name=ci -c user.email=ci@localhost commit -qam v2
  git -C "$F/work" push -q "$F/remote.git" main
  local body='{"ref":"refs/heads/main"}' sig
  sig=$(printf %s "$body" | openssl dgst -sha256 -hmac "$HOOK" | awk '{print $NF}')
  check "a wrong signature is refused" test "$(status -X POST -H 'X-GitHub-Event: push' -H 'X-GitHub-Delivery: bad-1' \
    -H "X-Hub-Signature-256: sha256=$(printf %064d 0)" -d "$body" "$url/api/v1/webhook/sync-context")" = 403
  check "and synced nothing" sh -c "curl -fsS -H 'X-API-Key: $KEY' '$url/api/v1/context/MISSION' | grep -q 'MISSION v1'"
  local answer
  answer=$(curl -sS -X POST -H 'X-GitHub-Event: push' -H 'X-GitHub-Delivery: good-1' -H "X-Hub-Signature-256: sha256=$sig" \
    -d "$body" "$url/api/v1/webhook/sync-context")
  check "the signed webhook synced: $answer" jq_ok "$answer" '.status == "synced"'
  check "the new context is served at once" sh -c "curl -fsS -H 'X-API-Key: $KEY' '$url/api/v1/context/MISSION' | grep -q 'MISSION v2'"
  podman stop -t 45 bt-it-cloud >/dev/null
  podman logs bt-it-cloud > "$WORK/cloud.log" 2>&1
  check "every log line is one JSON object with a level and a message ($(wc -l < "$WORK/cloud.log") lines)" \
    file_jq_ok "$WORK/cloud.log" 'length > 0 and all(type == "object" and has("level") and has("message"))'
  check "the 'serving on' line is JSON too" file_jq_ok "$WORK/cloud.log" 'any(.message | startswith("Brain Trust is serving on"))'
  check "a sync is logged with its revisions filled in" file_jq_ok "$WORK/cloud.log" 'any(.message | test("[0-9a-f]{7,} -> [0-9a-f]{7,}"))'
  check "messages are formatted (no {} left, no arguments list)" \
    file_jq_ok "$WORK/cloud.log" 'all((.message | contains("{}") | not) and (has("arguments") | not))'
  check "no secret in the logs" sh -c "! grep -q -e '$KEY' -e '$HOOK' '$WORK/cloud.log'"
  podman rm bt-it-cloud >/dev/null
  done_step cloud
}

# --- compose ------------------------------------------------------------------------------------
# The project's docker-compose.yml, copied unchanged beside an .env made from .env.example (the
# checkout's own .env, if any, is never touched), plus an override that mounts the bare repository.
compose_project() { # project-dir port [override-lines...]
  local dir=$1 port=$2; shift 2
  rm -rf "$dir"; mkdir -p "$dir"
  cp docker-compose.yml "$dir/"
  sed -e 's#^BRAIN_TRUST_GIT_URL=.*#BRAIN_TRUST_GIT_URL=file:///repo.git#' -e "s#^BRAIN_TRUST_API_KEY=.*#BRAIN_TRUST_API_KEY=$KEY#" \
      -e "s#^WEBHOOK_SECRET=.*#WEBHOOK_SECRET=$HOOK#" .env.example > "$dir/.env"
  echo "BRAIN_TRUST_PUBLISH=127.0.0.1:$port" >> "$dir/.env"
  { printf 'services:\n  brain-trust:\n    volumes:\n      - %s:/repo.git:ro\n' "$F/remote.git"; printf '%s\n' "$@"; } > "$dir/override.yml"
}

compose() {
  need_image; fixtures_vars
  step "compose: docker-compose.yml under podman-compose"
  local dir=$WORK/bt-it-compose port; port=$(free_port)
  compose_project "$dir" "$port"
  (cd "$dir" && podman-compose -p bt-it-compose -f docker-compose.yml -f override.yml up -d --no-build) > "$WORK/compose.log" 2>&1 \
    || { cat "$WORK/compose.log"; fail "podman-compose up"; }
  local ctr; ctr=$(podman ps --filter label=io.podman.compose.project=bt-it-compose --format '{{.Names}}' | head -1)
  [ -n "$ctr" ] || { cat "$WORK/compose.log"; fail "no container from podman-compose"; }
  wait_ready "http://127.0.0.1:$port" "$ctr"
  check "/tmp in the container is noexec, as under Docker" test "$(tmp_mount "$ctr")" = noexec
  check "the root file system is read-only" sh -c "! podman exec '$ctr' touch /opt/x 2>/dev/null"
  check "the compose healthcheck says healthy" healthy "$ctr"
  check "the API wants the key from .env" test "$(status "http://127.0.0.1:$port/api/v1/status")" = 401
  (cd "$dir" && podman-compose -p bt-it-compose down -v) >/dev/null 2>&1

  step "compose: a run database that cannot open makes the compose healthcheck fail"
  local entrypoint
  entrypoint=$(podman image inspect "$IMAGE" --format '{{json .Config.Entrypoint}}' | jq -c '[.[] | select(startswith("-Dorg.sqlite.") | not)]')
  dir=$WORK/bt-it-broken; port=$(free_port)
  compose_project "$dir" "$port" "    entrypoint: $entrypoint" '    command: ["serve"]' # a new entrypoint drops the image's CMD
  (cd "$dir" && podman-compose -p bt-it-broken -f docker-compose.yml -f override.yml up -d --no-build) > "$WORK/compose-broken.log" 2>&1 \
    || { cat "$WORK/compose-broken.log"; fail "podman-compose up"; }
  ctr=$(podman ps --filter label=io.podman.compose.project=bt-it-broken --format '{{.Names}}' | head -1)
  local deadline=$((SECONDS + 60))
  until [ "$(status "http://127.0.0.1:$port/health")" = 200 ] || [ "$SECONDS" -gt "$deadline" ]; do sleep 0.5; done
  check "/health answers" test "$(status "http://127.0.0.1:$port/health")" = 200
  check "/ready does not" test "$(status "http://127.0.0.1:$port/ready")" = 503
  check "the compose healthcheck says unhealthy" unhealthy "$ctr"
  (cd "$dir" && podman-compose -p bt-it-broken down -v) >/dev/null 2>&1
  done_step compose
}

# --- kube ---------------------------------------------------------------------------------------
kube() {
  need_image; fixtures_vars
  step "kube: deploy/kubernetes rendered by kustomize, started with podman kube play"
  if ! command -v kubectl >/dev/null; then # this kind of machine comes with it; Debian has an older one
    apt-get -o DPkg::Lock::Timeout=900 install -y -q kubernetes-client >/dev/null
  fi
  local k=$WORK/kube
  rm -rf "$k"; mkdir -p "$k/overlay"
  cp -r deploy/kubernetes "$k/base"
  kubectl kustomize "$k/base" > "$k/base.yaml" || fail "kustomize deploy/kubernetes"
  check "kustomize renders the manifests ($(grep -c '^kind:' "$k/base.yaml") objects)" grep -q '^kind: Deployment' "$k/base.yaml"
  # This machine's overlay: the image just built, the bare repository on a hostPath, real secrets, and
  # restartPolicy OnFailure, since podman 4.3 restarts init containers by the pod's policy (Always, a
  # Deployment's only one) and never gets past a 'sync --once' that succeeded.
  cat > "$k/overlay/kustomization.yaml" <<EOF
bases: # and 'bases', which it needs for a folder
  - ../base
images:
  - name: brain-trust
    newName: localhost/brain-trust
    newTag: "$VERSION"
patchesJson6902: # not 'patches', which the kustomize of Debian's kubernetes-client (v2) lacks
  - target: {version: v1, kind: ConfigMap, name: brain-trust-config}
    path: configmap-patch.yaml
  - target: {group: apps, version: v1, kind: Deployment, name: brain-trust}
    path: deployment-patch.yaml
EOF
  cat > "$k/overlay/configmap-patch.yaml" <<EOF
- op: replace
  path: /data/BRAIN_TRUST_GIT_URL
  value: file:///repo.git
EOF
  cat > "$k/overlay/deployment-patch.yaml" <<EOF
- op: add
  path: /spec/template/spec/restartPolicy
  value: OnFailure
- op: add
  path: /spec/template/spec/volumes/-
  value: {name: repo, hostPath: {path: $F/remote.git, type: Directory}}
- op: add
  path: /spec/template/spec/initContainers/0/volumeMounts/-
  value: {name: repo, mountPath: /repo.git, readOnly: true}
- op: add
  path: /spec/template/spec/containers/0/volumeMounts/-
  value: {name: repo, mountPath: /repo.git, readOnly: true}
EOF
  # podman 4 ignores a Secret's stringData and writes its data values as they are, undecoded
  local field=stringData
  [ "$(podman version --format '{{.Client.Version}}' | cut -d. -f1)" -ge 5 ] || field=data
  cat > "$k/overlay/secret.yaml" <<EOF
apiVersion: v1
kind: Secret
metadata:
  name: brain-trust-secrets
type: Opaque
$field:
  api-key: "$KEY"
  webhook-secret: "$HOOK"
  git-token: not-a-real-token
  openai-api-key: sk-not-a-real-key
EOF
  kubectl kustomize "$k/overlay" 2>"$WORK/kustomize.err" > "$k/rendered.yaml" || { cat "$WORK/kustomize.err"; fail "kustomize overlay"; }
  check "the rendered Deployment uses a versioned image, pulled only if not present" \
    sh -c "grep -q 'image: brain-trust:$VERSION' '$k/base.yaml' && ! grep -q ':latest' '$k/base.yaml' && grep -q 'imagePullPolicy: IfNotPresent' '$k/base.yaml'"
  # podman 4.3's kube play reads secret volumes from its own secret store, which holds Secret objects
  podman secret rm brain-trust-secrets >/dev/null 2>&1 || true
  podman secret create brain-trust-secrets "$k/overlay/secret.yaml" >/dev/null
  podman volume rm -f brain-trust-data >/dev/null 2>&1 || true
  # From the kube folder: podman looks for a folder named after the image in the current one, to build
  # it, and the checkout's ./brain-trust is the launcher script.
  (cd "$k" && podman kube play --replace rendered.yaml) > "$WORK/kube.log" 2>&1 || { cat "$WORK/kube.log"; fail "podman kube play"; }
  local ctr=brain-trust-pod-0-brain-trust deadline=$((SECONDS + 120)) ready=
  while [ "$SECONDS" -lt "$deadline" ]; do
    ready=$(podman exec "$ctr" curl -s -H "X-API-Key: $KEY" http://127.0.0.1:8000/ready 2>/dev/null || true)
    jq_ok "$ready" '.status == "ready"' && break
    sleep 1
  done
  echo "/ready: $ready"
  check "the server is ready" jq_ok "$ready" '.status == "ready"'
  check "on the clone the init container made (the server's own first sync found it up to date)" \
    jq_ok "$ready" '.sync.lastOutcome == "unchanged"'
  check "as user 10001 on a read-only root file system" \
    sh -c "podman exec '$ctr' id -u | grep -qx 10001 && ! podman exec '$ctr' touch /opt/x 2>/dev/null"
  check "serves the repository's context" \
    sh -c "podman exec '$ctr' curl -fsS -H 'X-API-Key: $KEY' http://127.0.0.1:8000/api/v1/context/MISSION | grep -q MISSION"
  podman kube down "$k/rendered.yaml" >/dev/null 2>&1 || true
  podman volume rm -f brain-trust-data >/dev/null 2>&1 || true
  podman secret rm brain-trust-secrets >/dev/null 2>&1 || true
  done_step kube
}

all=(engine bases build local readonly sigterm cloud compose kube)
steps=("$@"); [ ${#steps[@]} -gt 0 ] || steps=("${all[@]}")
started=$SECONDS
[ -s "$WORK/containers.conf" ] && command -v podman >/dev/null || [[ " ${steps[*]} " == *" engine "* ]] || engine
for s in "${steps[@]}"; do
  case $s in
    engine) engine ;; bases) bases ;; build) build ;; local) local_mode ;; readonly) readonly_mode ;;
    sigterm) sigterm ;; cloud) cloud ;; compose) compose ;; kube) kube ;;
    *) fail "no step '$s' (steps: ${all[*]})" ;;
  esac
done
echo
echo "=== image check passed in $((SECONDS - started)) s:"
printf '  %s\n' "${TIMES[@]}"

#!/usr/bin/env bash
# Starts a command with secrets kept out of its process environment, which any process of the same user
# can read (/proc/<pid>/environ), skills included: the command gets only the harmless variables below, and
# every other one (keys, tokens, the repository and database URLs...) over a pipe that the server reads once
# at start (BRAIN_TRUST_ENV_FD names the descriptor).
#
#   deploy/hand-over-secrets.sh java ... -jar brain-trust.jar serve    (the container image's entrypoint)
#   source deploy/hand-over-secrets.sh; handing_secrets_over java ...  (the launcher ./brain-trust)

# Variables the command keeps in its environment; everything else is handed over the pipe.
kept_variables='^(PATH|HOME|USER|LOGNAME|SHELL|LANG|LANGUAGE|LC_[A-Z_]+|TZ|TMPDIR|TERM|PWD|HOSTNAME|JAVA_HOME|JAVA_TOOL_OPTIONS|XDG_[A-Z_]+|SSH_AUTH_SOCK)$'

handing_secrets_over() {
  local kept=() handed=() name handover
  while IFS= read -r name; do
    if [[ "$name" =~ $kept_variables ]]; then kept+=("$name=${!name}"); else handed+=("$name=${!name}"); fi
  done < <(compgen -e)
  if (( ${#handed[@]} )); then
    exec {handover}< <(printf '%s\0' "${handed[@]}")
    kept+=("BRAIN_TRUST_ENV_FD=$handover")
  fi
  exec env -i "${kept[@]}" "$@"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  (( $# )) || { echo "usage: $0 <command> [argument...]" >&2; exit 2; }
  handing_secrets_over "$@"
fi

# shellcheck shell=bash
# Shared helpers for the integration tests (tests/integration/test-*.sh):
# the TAP kit (tests/lib-tap.sh), the root skip, throwaway accounts and
# payloads, a launcher (or any program) started under
# systemd-socket-activate, and a line-protocol client over bash's /dev/tcp.
#
# Source it from a script running under `set -euo pipefail`. Nothing here
# runs at source time except path resolution.
#
# Environment:
#   OVH_SOURCE_DIR   the checkout (default: two levels above this file)
#   OVH_BUILD_DIR    meson build directory (default ./build)
#   CI=true          a skip for a reason CI can fix becomes a failure

OVH_SOURCE_DIR=$(realpath "${OVH_SOURCE_DIR:-$(dirname "${BASH_SOURCE[0]}")/../..}")
OVH_BUILD_DIR=$(realpath -m "${OVH_BUILD_DIR:-build}")
# shellcheck disable=SC2034 # for the scripts that source this file
OVH_LAUNCHER=$OVH_BUILD_DIR/src/launcher/openvscode-launcher

# ------------------------------------------------------------------ TAP
# The kit every shell test shares (ok, not_ok, expect, skip_all, finish...).
# shellcheck source=tests/lib-tap.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib-tap.sh"

ovh_require_root() {
    [[ $(id -u) == 0 ]] || skip_all "needs root (${1:-switches accounts})"
}

# ovh_require_tools TOOL...: bail (not skip) when one is missing: the
# suite documents its dependencies and CI installs them.
ovh_require_tools() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || bail "$tool not found"
    done
}

# --------------------------------------------------------------- fixtures

# ovh_ensure_account NAME HOME: a system account with a real shell and a
# home under /var/tmp (the launcher refuses nothing about it; VS Code wants
# a login shell). Kept across runs: creating accounts is slow and racy.
ovh_ensure_account() {
    local name=$1 home=$2
    id "$name" >/dev/null 2>&1 && return 0
    useradd --system --create-home --home-dir "$home" --shell /bin/bash "$name"
}

# ovh_account_field NAME FIELD: one passwd field (1 name ... 6 home, 7 shell)
ovh_account_field() {
    getent passwd "$1" | cut -d: -f"$2"
}

# ovh_make_payload DIR [VERSION]: the least the launcher accepts as a
# server tree: out/server-main.js and a package.json with a version.
ovh_make_payload() {
    local dir=$1 version=${2:-1.100.3}
    mkdir -p "$dir/out"
    : >"$dir/out/server-main.js"
    printf '{\n  "name": "openvscode-server",\n  "version": "%s"\n}\n' "$version" >"$dir/package.json"
    chmod -R u=rwX,go=rX "$dir"
}

# A token as the launcher generates them (hex, VS Code's charset).
ovh_new_token() {
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'
}

# ovh_write_secret FILE CONTENT: root-owned 0600, never world-readable,
# not even for an instant
ovh_write_secret() {
    (umask 077 && printf '%s\n' "$2" >"$1")
    chmod 0600 "$1"
}

# ovh_readable_by ACCOUNT PATH: may the account reach PATH? (a checkout
# under /root is not; such files must be copied somewhere public)
ovh_readable_by() {
    setpriv --reuid "$1" --regid "$(id -g "$1")" --init-groups -- test -r "$2"
}

ovh_free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 20000))
        [[ -z $(ss -Htln "sport = :$port") ]] && break
    done
    printf '%s\n' "$port"
}

# ---------------------------------------------------- socket activation

# ovh_activate PORT LOG [ACTIVATE-OPTION...] -- COMMAND...
# Starts COMMAND under systemd-socket-activate listening on 127.0.0.1:PORT
# (COMMAND is exec'd on the first connection, in the same process: the
# launcher, then what it execs, keep this pid). Sets OVH_ACTIVATED_PID.
ovh_activate() {
    local port=$1 log=$2
    shift 2
    local options=()
    while (($#)) && [[ $1 != -- ]]; do
        options+=("$1")
        shift
    done
    [[ ${1:-} == -- ]] && shift
    systemd-socket-activate -l "127.0.0.1:$port" "${options[@]}" "$@" >"$log" 2>&1 &
    OVH_ACTIVATED_PID=$!
    local _
    for _ in $(seq 100); do
        [[ -n $(ss -Htln "sport = :$port") ]] && return 0
        kill -0 "$OVH_ACTIVATED_PID" 2>/dev/null || break
        sleep 0.05
    done
    diag "systemd-socket-activate did not listen on $port:"
    sed 's/^/#   /' "$log" >&2 || true
    return 1
}

# ovh_activated_wait: the activated process's exit status (after the
# conversation ended). Gives up, and kills it, after ${1:-30} s.
ovh_activated_wait() {
    local limit=${1:-30} _
    [[ -n ${OVH_ACTIVATED_PID:-} ]] || return 0
    for _ in $(seq $((limit * 10))); do
        kill -0 "$OVH_ACTIVATED_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$OVH_ACTIVATED_PID" 2>/dev/null; then
        kill -KILL "$OVH_ACTIVATED_PID" 2>/dev/null || true
    fi
    local status=0
    wait "$OVH_ACTIVATED_PID" || status=$?
    OVH_ACTIVATED_PID=
    return "$status"
}

# For cleanup traps: end the activated process if it still runs.
ovh_activated_kill() {
    [[ -n ${OVH_ACTIVATED_PID:-} ]] || return 0
    kill -KILL "$OVH_ACTIVATED_PID" 2>/dev/null || true
    wait "$OVH_ACTIVATED_PID" 2>/dev/null || true
    OVH_ACTIVATED_PID=
}

# ------------------------------------------------------ scratch space
# ovh_scratch NAME: WORK (0700: tokens and configurations, root's) and
# PUBLIC (0755: what the account reads or runs), and the EXIT trap that
# ends the probe's connection and the activated launcher and removes both,
# with the paths a test adds to OVH_SCRATCH_EXTRA (all kept with OVH_KEEP=1).
OVH_SCRATCH_EXTRA=()
ovh_scratch() {
    WORK=$(mktemp -d "/tmp/ovh-$1.XXXXXX")
    PUBLIC=$(mktemp -d "/tmp/ovh-$1-public.XXXXXX")
    chmod 0700 "$WORK"
    chmod 0755 "$PUBLIC"
    trap ovh_scratch_cleanup EXIT
    trap 'exit 130' INT TERM
}

# shellcheck disable=SC2317 # called by the trap
ovh_scratch_cleanup() {
    ovh_disconnect 2>/dev/null || true
    ovh_activated_kill
    if [[ ${OVH_KEEP:-} == 1 ]]; then
        diag "kept $WORK $PUBLIC ${OVH_SCRATCH_EXTRA[*]} (OVH_KEEP=1)"
    else
        rm -rf "$WORK" "$PUBLIC" "${OVH_SCRATCH_EXTRA[@]}"
    fi
}

# ------------------------------------------------------ line protocol
# The probe's protocol: a command line; the answer is lines ending with a
# line holding only ".". (Generic enough for any such test server.)

OVH_CONN=
OVH_REPLY=()

ovh_connect() {
    exec {OVH_CONN}<>"/dev/tcp/127.0.0.1/$1"
}

ovh_disconnect() {
    [[ -n $OVH_CONN ]] || return 0
    printf 'quit\n' 1>&"$OVH_CONN" 2>/dev/null || true
    exec {OVH_CONN}>&-
    OVH_CONN=
}

# ovh_request COMMAND [TIMEOUT]: fills OVH_REPLY with the answer's lines;
# fails when the peer closes or stays silent for TIMEOUT s (default 120).
ovh_request() {
    local line
    OVH_REPLY=()
    printf '%s\n' "$1" 1>&"$OVH_CONN" || return 1
    while :; do
        IFS= read -r -t "${2:-120}" line <&"$OVH_CONN" || return 1
        [[ $line == . ]] && return 0
        OVH_REPLY+=("$line")
    done
}

# ovh_reply_into ARRAY-NAME: key=value lines of OVH_REPLY into an
# associative array (declare -A first); a repeated key keeps the last.
ovh_reply_into() {
    local -n into=$1
    local line
    for line in "${OVH_REPLY[@]}"; do
        [[ $line == *=* ]] || continue
        # shellcheck disable=SC2034 # a nameref: the caller's array
        into[${line%%=*}]=${line#*=}
    done
}

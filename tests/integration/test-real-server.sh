#!/bin/bash
# Integration test: the C launcher in front of a real VS Code server.
#
# Runs openvscode-launcher under systemd-socket-activate, exactly as the
# .socket/.service pair does (the socket is fd 3, the launcher execs node in
# place), against VS Code 1.100.3's own server (scripts/provision-server),
# and checks what a user and an attacker would see: the login flow, that
# every process of the server runs as the account with no capabilities,
# NoNewPrivs and a seccomp filter, and that the token leaks nowhere.
#
#   sudo tests/integration/test-real-server.sh        (TAP on stdout)
#
# Environment:
#   OVH_BUILD_DIR     meson build directory holding src/launcher/openvscode-launcher
#                     (default ./build)
#   OVH_VSCODE_ROOT   server payload (lib/vscode); default: scripts/provision-server
#   OVH_VSCODE_VERSION  another VS Code, as a release tree with its own node
#                     (scripts/provision-server-release, e.g. 1.139.1 on Node 24);
#                     meson runs the test with 1.100.3 (the oldest supported
#                     server, the default) and with today's 1.139.1
#   CI=true           a skip for a reason CI can fix (not root) becomes a failure
#
# Needs root: it creates the throwaway account ovh-itest and the launcher
# must start as root to switch identity. Exit 77 = skipped.
set -euo pipefail

SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(realpath -m "${OVH_BUILD_DIR:-build}")
LAUNCHER=$BUILD/src/launcher/openvscode-launcher
ACCOUNT=ovh-itest
ACCOUNT_HOME=/var/tmp/ovh-itest-home
STATE=$ACCOUNT_HOME/.openvscode-server
ZERO_CAPS=0000000000000000

# The integration helpers (and through them the TAP kit).
# shellcheck source=tests/integration/lib.sh
source "$SRCDIR/tests/integration/lib.sh"

[[ $(id -u) == 0 ]] || skip_all "needs root (creates an account; the launcher switches identity)"
[[ -x $LAUNCHER ]] || bail "no launcher at $LAUNCHER: build it (meson setup build && ninja -C build) or set OVH_BUILD_DIR"
for tool in systemd-socket-activate curl node ss useradd runuser; do
    command -v "$tool" >/dev/null || bail "$tool not found"
done
SERVER_NODE=/usr/bin/node
if [[ -n ${OVH_VSCODE_VERSION:-} ]]; then
    ROOT=$("$SRCDIR/scripts/provision-server-release" --arch amd64 --version "$OVH_VSCODE_VERSION") ||
        bail "scripts/provision-server-release --version $OVH_VSCODE_VERSION failed"
    SERVER_NODE=$ROOT/node
else
    ROOT=${OVH_VSCODE_ROOT:-$("$SRCDIR/scripts/provision-server")} || bail "scripts/provision-server failed"
fi
diag "VS Code $(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$ROOT/package.json" | head -n 1) at $ROOT, node $("$SERVER_NODE" --version)"
[[ -f $ROOT/out/server-main.js ]] || bail "no VS Code server at $ROOT"


# ---------------------------------------------------------------- setup
# Everything secret lives in a root-only directory; what the account must
# read (the preload) in a world-readable one.
WORK=$(mktemp -d /tmp/ovh-itest.XXXXXX)
chmod 0700 "$WORK"
PUBLIC=$(mktemp -d /tmp/ovh-itest-public.XXXXXX)
chmod 0755 "$PUBLIC"

server_pid=
client_pid=

# The server's tree: the main process (the activated pid) and everything
# below it, depth first.
process_tree() {
    local pid=$1 child
    [[ -d /proc/$pid ]] || return 0
    printf '%s\n' "$pid"
    # children files hold space-separated pids
    # shellcheck disable=SC2013
    for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
        process_tree "$child"
    done
}

stop_server() {
    local pids=() pid
    if [[ -n $client_pid ]]; then
        kill "$client_pid" 2>/dev/null || true
        wait "$client_pid" 2>/dev/null || true
        client_pid=
    fi
    [[ -n $server_pid ]] || return 0
    # SIGTERM to the main process orphans the extension host (systemd's
    # KillMode=control-group handles that in the unit): collect the tree
    # first and end each process of it by pid.
    mapfile -t pids < <(process_tree "$server_pid")
    if ((${#pids[@]})); then kill "${pids[@]}" 2>/dev/null || true; fi
    for _ in $(seq 50); do
        local alive=0
        for pid in "${pids[@]}"; do [[ -d /proc/$pid ]] && alive=1; done
        ((alive)) || break
        sleep 0.1
    done
    if ((${#pids[@]})); then kill -KILL "${pids[@]}" 2>/dev/null || true; fi
    wait "$server_pid" 2>/dev/null || true
    server_pid=
}

# Token files the launcher materialised for the server (under /run): outside
# systemd no RuntimeDirectory= removes them.
server_token_files=()

cleanup() {
    stop_server
    ((${#server_token_files[@]})) && rm -f "${server_token_files[@]}"
    rm -rf "$WORK" "$PUBLIC"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! id "$ACCOUNT" >/dev/null 2>&1; then
    useradd --system --create-home --home-dir "$ACCOUNT_HOME" --shell /bin/bash "$ACCOUNT" ||
        bail "cannot create the account $ACCOUNT"
fi
ACCOUNT_UID=$(id -u "$ACCOUNT")
ACCOUNT_GID=$(id -g "$ACCOUNT")

SD_LISTEN_JS=$SRCDIR/src/sd-listen.js
if ! runuser -u "$ACCOUNT" -- test -r "$SD_LISTEN_JS"; then
    # A checkout under a private home: hand the account a copy.
    install -m 0644 "$SD_LISTEN_JS" "$SRCDIR/src/static-compress.js" "$SRCDIR/src/signin.js" "$PUBLIC/"
    SD_LISTEN_JS=$PUBLIC/sd-listen.js
fi


# A client for VS Code's remote protocol (raw, skipWebSocketFrames=true)
# that asks for an extension host, so the tree holds more than the main
# process. The token comes from a file: on argv or in the environment it
# would itself be the leak this test looks for.
cat >"$WORK/exthost-client.js" <<'EOF'
'use strict';
// node exthost-client.js (HOST:PORT|/socket) TOKEN_FILE COMMIT
const net = require('net'), crypto = require('crypto'), fs = require('fs');
const [target, tokenFile, commit] = process.argv.slice(2);
const token = fs.readFileSync(tokenFile, 'utf8').trim();
const sock = target.startsWith('/') ? net.connect(target)
  : net.connect(Number(target.split(':').pop()), target.slice(0, target.lastIndexOf(':')));
// PersistentProtocol header: type u8 (2 = control), id u32, ack u32, length u32
const control = (message) => {
  const data = Buffer.from(JSON.stringify(message));
  const header = Buffer.alloc(13);
  header.writeUInt8(2, 0);
  header.writeUInt32BE(data.length, 9);
  return Buffer.concat([header, data]);
};
let buffer = Buffer.alloc(0), upgraded = false, step = 0;
sock.on('connect', () => sock.write(
  `GET /?reconnectionToken=${crypto.randomUUID()}&reconnection=false&skipWebSocketFrames=true HTTP/1.1\r\n` +
  'Host: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`));
sock.on('data', (chunk) => {
  buffer = Buffer.concat([buffer, chunk]);
  if (!upgraded) {
    const end = buffer.indexOf('\r\n\r\n');
    if (end < 0) return;
    const status = buffer.subarray(0, buffer.indexOf('\r\n')).toString();
    if (!/ 101 /.test(status)) { console.log(`upgrade refused: ${status}`); process.exit(2); }
    upgraded = true;
    buffer = buffer.subarray(end + 4);
    sock.write(control({ type: 'auth', auth: token, data: crypto.randomBytes(8).toString('hex') }));
  }
  while (buffer.length >= 13) {
    const length = buffer.readUInt32BE(9);
    if (buffer.length < 13 + length) return;
    const type = buffer.readUInt8(0), body = buffer.subarray(13, 13 + length).toString();
    buffer = buffer.subarray(13 + length);
    if (type !== 2) continue;
    const message = JSON.parse(body);
    if (message.type === 'error') { console.log(`refused: ${message.reason}`); process.exit(3); }
    if (step === 0 && message.type === 'sign') {
      step = 1;
      sock.write(control({ type: 'connectionType', commit, signedData: message.data,
                           desiredConnectionType: 2 /* extension host */, args: { language: 'en' } }));
    } else if (step === 1) {
      step = 2;
      console.log('accepted');   // stay connected until killed
    }
  }
});
sock.on('error', (e) => { console.log(`socket error: ${e.message}`); process.exit(4); });
sock.on('close', () => { console.log('closed'); process.exit(step === 2 ? 0 : 5); });
EOF

# request PATH [COOKIE_TOKEN [ENCODING]]: prints the HTTP status; body and
# headers in $WORK. ENCODING: an Accept-Encoding to send. curl reads its
# URL and cookie from stdin, never from argv.
request() {
    local path=$1 cookie=${2:-} encoding=${3:-}
    rm -f "$WORK/body" "$WORK/headers"
    {
        printf 'url = "%s%s"\n' "$base_url" "$path"
        [[ -n $cookie ]] && printf 'cookie = "vscode-tkn=%s"\n' "$cookie"
        [[ -n $encoding ]] && printf 'header = "Accept-Encoding: %s"\n' "$encoding"
        [[ -n $unix_socket ]] && printf 'unix-socket = "%s"\n' "$unix_socket"
        printf 'output = "%s"\n' "$WORK/body"
        printf 'dump-header = "%s"\n' "$WORK/headers"
        printf 'write-out = "%%{http_code}"\n'
        printf 'max-time = 60\nsilent\n'
    } | curl -K - || true
}

# start_server NAME LISTEN CONFIG: socket-activated launcher; output in
# $WORK/NAME.out/.err. Returns once the socket is listening (before the
# first connection activates the launcher).
start_server() {
    local name=$1 listen=$2 config=$3
    # PASSWORD_HASH by name: its value comes from this shell's environment.
    systemd-socket-activate -E OVH_SD_LISTEN_JS="$SD_LISTEN_JS" ${PASSWORD_HASH:+-E PASSWORD_HASH} -l "$listen" \
        "$LAUNCHER" -c "$config" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    server_pid=$!
    for _ in $(seq 100); do
        if [[ $listen == /* ]]; then
            [[ -S $listen ]] && return 0
        else
            [[ -n $(ss -Htln "sport = :${listen##*:}") ]] && return 0
        fi
        [[ -d /proc/$server_pid ]] || break
        sleep 0.05
    done
    return 1
}

write_token_pattern() { printf '%s\n' "$1" >"$WORK/token.pattern"; }

# Files that contain the token, from a list; the token is read from a file
# so it does not land on grep's own argv.
files_with_token() { grep -lF -f "$WORK/token.pattern" "$@" 2>/dev/null || true; }

# A /proc/PID/status field, its tab-separated values joined by spaces.
status_field() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' /proc/"$1"/status 2>/dev/null; }

# Every process of the server's tree: account identity, no capabilities in
# any set, NoNewPrivs, seccomp filter; no LISTEN_* and no listening socket
# below the main process.
check_tree() {
    local scenario=$1 pids pid bad
    mapfile -t pids < <(process_tree "$server_pid")
    local names=()
    for pid in "${pids[@]}"; do
        names+=("$pid:$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -m1 -o -- '--type=[A-Za-z]*' || printf 'server-main')")
    done
    diag "$scenario: server tree ${names[*]}"
    if ((${#pids[@]} >= 2)); then
        ok "$scenario: server tree has ${#pids[@]} processes (main + extension host)"
    else
        not_ok "$scenario: server tree has ${#pids[@]} processes (main + extension host)" "expected the extension host below $server_pid"
    fi

    bad=()
    for pid in "${pids[@]}"; do
        local uid gid
        uid=$(status_field "$pid" Uid)
        gid=$(status_field "$pid" Gid)
        [[ $uid == "$ACCOUNT_UID $ACCOUNT_UID $ACCOUNT_UID $ACCOUNT_UID" &&
           $gid == "$ACCOUNT_GID $ACCOUNT_GID $ACCOUNT_GID $ACCOUNT_GID" ]] ||
            bad+=("pid $pid Uid: $uid Gid: $gid")
    done
    if ((${#bad[@]})); then not_ok "$scenario: every process runs as $ACCOUNT ($ACCOUNT_UID:$ACCOUNT_GID) real/effective/saved/fs" "${bad[@]}"
    else ok "$scenario: every process runs as $ACCOUNT ($ACCOUNT_UID:$ACCOUNT_GID) real/effective/saved/fs"; fi

    local set
    for set in CapEff CapPrm CapInh CapBnd CapAmb; do
        bad=()
        for pid in "${pids[@]}"; do
            local value
            value=$(status_field "$pid" "$set")
            [[ $value == "$ZERO_CAPS" ]] || bad+=("pid $pid $set: $value")
        done
        if ((${#bad[@]})); then not_ok "$scenario: $set is $ZERO_CAPS in every process" "${bad[@]}"
        else ok "$scenario: $set is $ZERO_CAPS in every process"; fi
    done

    bad=()
    for pid in "${pids[@]}"; do
        [[ $(status_field "$pid" NoNewPrivs) == 1 ]] || bad+=("pid $pid NoNewPrivs: $(status_field "$pid" NoNewPrivs)")
    done
    if ((${#bad[@]})); then not_ok "$scenario: NoNewPrivs is 1 in every process" "${bad[@]}"
    else ok "$scenario: NoNewPrivs is 1 in every process"; fi

    bad=()
    for pid in "${pids[@]}"; do
        [[ $(status_field "$pid" Seccomp) == 2 ]] || bad+=("pid $pid Seccomp: $(status_field "$pid" Seccomp)")
    done
    if ((${#bad[@]})); then not_ok "$scenario: Seccomp is 2 (filter) in every process" "${bad[@]}"
    else ok "$scenario: Seccomp is 2 (filter) in every process"; fi

    # The main process keeps its exec-time environ in /proc (deleting from
    # process.env does not rewrite it); what matters is what children get.
    local listening
    listening=$(readlink "/proc/$server_pid/fd/3" || true)
    bad=()
    for pid in "${pids[@]:1}"; do
        tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -q '^LISTEN_' && bad+=("pid $pid has LISTEN_* in its environment")
        for fd in /proc/"$pid"/fd/*; do
            [[ $(readlink "$fd" 2>/dev/null) == "$listening" ]] && bad+=("pid $pid holds the listening socket as fd ${fd##*/}")
        done
    done
    if [[ $listening != socket:* ]]; then
        not_ok "$scenario: children have no LISTEN_* and do not hold the listening socket" "fd 3 of $server_pid is '$listening', not a socket"
    elif ((${#bad[@]})); then
        not_ok "$scenario: children have no LISTEN_* and do not hold the listening socket" "${bad[@]}"
    else
        ok "$scenario: children have no LISTEN_* and do not hold the listening socket"
    fi
}

# check_no_leak SCENARIO [STORED_TOKEN_FILE]: the token is in no argv and no
# environment on the whole system, not in the captured output, and in no
# file of the state directory but the token file the server was given
# (which only the account or root can read) and the stored one.
check_no_leak() {
    local scenario=$1 stored=${2:-/nonexistent} found server_token_file
    server_token_file=$(tr '\0' '\n' <"/proc/$server_pid/cmdline" 2>/dev/null |
        sed -n '/^--connection-token-file$/{n;p;q}; s/^--connection-token-file=//p')
    if [[ -n $server_token_file && -f $server_token_file ]]; then
        server_token_files+=("$server_token_file")
        local owner mode
        read -r owner mode < <(stat -c '%u %a' "$server_token_file")
        if [[ $owner =~ ^($ACCOUNT_UID|0)$ && $((8#$mode & 8#077)) == 0 ]]; then
            ok "$scenario: the server's token file $server_token_file is private (uid $owner mode $mode)"
        else
            not_ok "$scenario: the server's token file $server_token_file is private" "uid $owner mode $mode"
        fi
    else
        not_ok "$scenario: the server was given a token file" "--connection-token-file '$server_token_file'"
    fi
    found=$(files_with_token /proc/[0-9]*/cmdline /proc/[0-9]*/environ)
    if [[ -n $found ]]; then
        local who=() f
        # Name the process and the variable, never print the token itself.
        for f in $found; do
            local pid=${f#/proc/}
            pid=${pid%%/*}
            if [[ $f == */environ ]]; then
                who+=("$f ($(cat "/proc/$pid/comm" 2>/dev/null)): variables $(tr '\0' '\n' <"$f" 2>/dev/null |
                    grep -F -f "$WORK/token.pattern" | cut -d= -f1 | tr '\n' ' ')")
            else
                who+=("$f ($(cat "/proc/$pid/comm" 2>/dev/null)): argument $(tr '\0' '\n' <"$f" 2>/dev/null |
                    grep -nF -f "$WORK/token.pattern" | cut -d: -f1 | tr '\n' ' ')")
            fi
        done
        not_ok "$scenario: token in no /proc/*/cmdline or /proc/*/environ" "${who[@]}"
    else
        ok "$scenario: token in no /proc/*/cmdline or /proc/*/environ"
    fi

    found=$(files_with_token "$WORK/$scenario.out" "$WORK/$scenario.err")
    if [[ -n $found ]]; then
        not_ok "$scenario: token not in the server's stdout/stderr" "$found"
    elif ! grep -q 'Extension host agent listening on' "$WORK/$scenario.out"; then
        # Otherwise an empty capture would pass.
        not_ok "$scenario: token not in the server's stdout/stderr" "the capture lacks the server's start banner"
    else
        ok "$scenario: token not in the server's stdout/stderr"
    fi

    found=$(grep -rlF -f "$WORK/token.pattern" "$STATE" 2>/dev/null |
        grep -vxF -e "$(realpath -m "${server_token_file:-/nonexistent}")" -e "$stored" || true)
    if [[ -n $found ]]; then not_ok "$scenario: token in no state file but the token file" "${found//$'\n'/ }"
    else ok "$scenario: token in no state file but the token file"; fi
}

# login_flow SCENARIO TOKEN WHAT: the browser's first visit and the refusals.
login_flow() {
    local scenario=$1 token=$2 what=$3 code started elapsed
    started=$(date +%s%N)
    code=$(request "/?tkn=$token")
    elapsed=$((($(date +%s%N) - started) / 1000000))
    # Compared in the shell: on grep's argv the token would be a leak.
    local cookies
    cookies=$(grep -i '^set-cookie:' "$WORK/headers" 2>/dev/null | tr -d '\r' || true)
    if [[ $code == 302 && $cookies == *": vscode-tkn=$token;"* ]]; then
        ok "$scenario: $what GET /?tkn=TOKEN -> 302 + cookie vscode-tkn (${elapsed} ms)"
    else
        not_ok "$scenario: $what GET /?tkn=TOKEN -> 302 + cookie vscode-tkn" "status $code" \
            "$(sed 's/\r$//' "$WORK/headers" 2>/dev/null | grep -v -i '^set-cookie' | tr '\n' ' ')" \
            "stderr: $(tail -3 "$WORK/$scenario.err" 2>/dev/null | tr '\n' ' ')"
    fi

    code=$(request / "$token")
    if [[ $code == 200 ]] && grep -q 'workbench-web-configuration' "$WORK/body"; then
        ok "$scenario: GET / with the cookie -> 200 workbench"
    else
        not_ok "$scenario: GET / with the cookie -> 200 workbench" "status $code"
    fi

    code=$(request /)
    check "$scenario: GET / without a token -> 403 (got $code)" test "$code" = 403
    code=$(request "/?tkn=$(ovh_new_token)")
    check "$scenario: GET / with a wrong token -> 403 (got $code)" test "$code" = 403
    code=$(request /version)
    commit=$(cat "$WORK/body" 2>/dev/null || true)
    if [[ $code == 200 && $commit =~ ^[0-9a-f]{40}$ ]]; then
        ok "$scenario: GET /version -> 200 ($commit)"
    else
        not_ok "$scenario: GET /version -> 200" "status $code body '$commit'"
    fi

    # The launcher must not stay resident: the activated pid is now node.
    local exe
    exe=$(tr '\0' ' ' <"/proc/$server_pid/cmdline" 2>/dev/null || true)
    if [[ $exe == *"--require $SD_LISTEN_JS "*"/out/server-main.js "* ]]; then
        ok "$scenario: the activated pid $server_pid is the server itself (node --require sd-listen.js server-main.js)"
    else
        not_ok "$scenario: the activated pid $server_pid is the server itself" "cmdline: $exe"
    fi
}

header_of() { sed -n "s/^$1: *//Ip" "$WORK/headers" | tr -d '\r' | head -n 1; }

# browser_request METHOD PATH [HEADER...] [--form FIELDS_FILE]: like
# request, with a browser's headers; the form (a token or a password) is
# read by curl from a file, never from argv.
browser_request() {
    local method=$1 path=$2 h form=
    shift 2
    rm -f "$WORK/body" "$WORK/headers"
    {
        printf 'url = "%s%s"\n' "$base_url" "$path"
        printf 'request = "%s"\n' "$method"
        for h in "$@"; do
            if [[ $h == --form=* ]]; then form=${h#--form=}; continue; fi
            printf 'header = "%s"\n' "$h"
        done
        if [[ -n $form ]]; then
            printf 'data = "@%s"\n' "$form"
            printf 'header = "Content-Type: application/x-www-form-urlencoded"\n'
        fi
        [[ -n $unix_socket ]] && printf 'unix-socket = "%s"\n' "$unix_socket"
        printf 'output = "%s"\n' "$WORK/body"
        printf 'dump-header = "%s"\n' "$WORK/headers"
        printf 'write-out = "%%{http_code}"\n'
        printf 'max-time = 60\nsilent\n'
    } | curl -K - || true
}
NAVIGATE=("Sec-Fetch-Mode: navigate" "Sec-Fetch-Dest: document" "Accept: text/html,application/xhtml+xml,*/*;q=0.8")

# sign_in SCENARIO TOKEN [PASSWORD]: the sign-in page (src/signin.js) in
# front of the real VS Code: a browser's navigation without the token gets
# the page (401), an XHR keeps VS Code's 403, a wrong secret gets the page
# again, the right one VS Code's cookie and a 303 back, and with that
# cookie the workbench loads. No secret in the server's output.
sign_in() {
    local scenario=$1 token=$2 password=${3:-} code cookies location what=token
    [[ -n $password ]] && what=password
    code=$(browser_request GET "/?folder=/tmp" "${NAVIGATE[@]}")
    if [[ $code == 401 ]] && grep -q '<form method="post" action="/sign-in">' "$WORK/body" &&
        [[ $(header_of Content-Security-Policy) == "default-src 'none'; "* ]]; then
        ok "$scenario: a browser without the token gets the sign-in page (401, CSP default-src 'none')"
    else
        not_ok "$scenario: a browser without the token gets the sign-in page (401)" "status $code" \
            "$(head -c 300 "$WORK/body" 2>/dev/null | tr '\n' ' ')"
    fi
    code=$(browser_request GET / "Sec-Fetch-Mode: cors" "Accept: */*")
    expect "$scenario: an XHR without the token keeps VS Code's 403" "$code $(head -c 10 "$WORK/body")" "403 Forbidden."
    code=$(browser_request GET "/?tkn=$(ovh_new_token)" "${NAVIGATE[@]}")
    expect "$scenario: a link with a wrong token: the page, 401" "$code" 401

    printf 'secret=%s&then=%%2F%%3Ffolder%%3D%%2Ftmp' "$(ovh_new_token)" >"$WORK/form"
    code=$(browser_request POST /sign-in "Sec-Fetch-Site: same-origin" "--form=$WORK/form")
    expect "$scenario: a wrong token posted: the page again, 401, no cookie" \
        "$code $(grep -ci '^set-cookie' "$WORK/headers")" "401 0"
    if [[ -n $password ]]; then
        printf 'secret=%s&then=%%2F' "wrong-$password" >"$WORK/form"
        code=$(browser_request POST /sign-in "Sec-Fetch-Site: same-origin" "--form=$WORK/form")
        expect "$scenario: a wrong password posted: 401" "$code" 401
        printf 'secret=%s&then=%%2F%%3Ffolder%%3D%%2Ftmp' "$password" >"$WORK/form"
    else
        printf 'secret=%s&then=%%2F%%3Ffolder%%3D%%2Ftmp' "$token" >"$WORK/form"
    fi
    code=$(browser_request POST /sign-in "Sec-Fetch-Site: same-origin" "--form=$WORK/form")
    rm -f "$WORK/form"
    cookies=$(grep -i '^set-cookie:' "$WORK/headers" 2>/dev/null | tr -d '\r' || true)
    location=$(header_of Location)
    # Compared in the shell: on grep's argv the token would be a leak.
    if [[ $code == 303 && $cookies == *": vscode-tkn=$token; Path=/; Max-Age=3600; SameSite=Lax" &&
        $location == "/?folder=%2Ftmp" ]]; then
        ok "$scenario: the right $what posted: 303 to /?folder=%2Ftmp and VS Code's cookie (Max-Age from CookieLifetime=)"
    else
        not_ok "$scenario: the right secret posted: 303 and VS Code's cookie" "status $code location '$location'" \
            "$(sed 's/\r$//' "$WORK/headers" 2>/dev/null | grep -v -i '^set-cookie' | tr '\n' ' ')"
    fi
    code=$(request "$location" "$token")
    if [[ $code == 200 ]] && grep -q 'workbench-web-configuration' "$WORK/body"; then
        ok "$scenario: ... and with that cookie the workbench loads"
    else
        not_ok "$scenario: ... and with that cookie the workbench loads" "status $code"
    fi
    if grep -q 'signin.js: sign-in failed from 127.0.0.1 (1 in a row)' "$WORK/$scenario.err" &&
        grep -q 'signin.js: signed in from 127.0.0.1' "$WORK/$scenario.err"; then
        ok "$scenario: the journal has the failure and the sign-in with the address"
    else
        not_ok "$scenario: the journal has the failure and the sign-in with the address" \
            "$(grep signin.js "$WORK/$scenario.err" "$WORK/$scenario.out" | head -5 | tr '\n' ' ')"
    fi
    if [[ -n $password ]] && grep -qF -- "$password" "$WORK/$scenario.err" "$WORK/$scenario.out"; then
        not_ok "$scenario: the password is not in the server's output"
    elif [[ -n $password ]]; then
        ok "$scenario: the password is not in the server's output"
    fi
}

# compressed_static SCENARIO TOKEN: VS Code's static files compressed
# (src/static-compress.js). The workbench page must still name them under
# the route the hook knows (QUALITY-COMMIT/static/out/...): a VS Code that
# moved them fails here. Within 3 minutes of the start the background pass
# has compressed them; then the workbench's script comes as brotli or gzip,
# as asked, whose bytes are the file's, with VS Code's headers and Vary;
# without the token it is still VS Code's 403.
compressed_static() {
    local scenario=$1 token=$2 code script rel encoding _ want got
    request / "$token" "" >/dev/null
    script=$(grep -o '[a-z]*-[0-9a-f]\{40\}/static/out/vs/code/browser/workbench/workbench\.js' "$WORK/body" | head -n 1)
    if [[ -n $script ]]; then
        ok "$scenario: the workbench page loads its script from the static route ($script)"
    else
        not_ok "$scenario: the workbench page loads its script from the static route" \
            "no QUALITY-COMMIT/static/out/vs/code/browser/workbench/workbench.js in: $(grep -o '[a-z]*="[^"]*static[^"]*"' "$WORK/body" | head -n 5 | tr '\n' ' ')"
        return
    fi
    rel=${script#*/static/}
    for _ in $(seq 1800); do
        grep -q 'static-compress.js: [0-9]* of [0-9]* static files served compressed' "$WORK/$scenario.err" "$WORK/$scenario.out" && break
        sleep 0.1
    done
    check "$scenario: the server said what it compressed" \
        grep -q 'static-compress.js: [0-9]* of [0-9]* static files served compressed' "$WORK/$scenario.err" "$WORK/$scenario.out"
    request "/$script" "$token" "gzip, deflate, br" >/dev/null
    encoding=$(header_of Content-Encoding)
    expect "$scenario: the workbench script comes compressed with brotli once the background pass is done" "$encoding" br
    want=$(sha256sum <"$ROOT/$rel" | cut -d' ' -f1)
    got=$(node -e 'process.stdout.write(require("zlib").brotliDecompressSync(require("fs").readFileSync(process.argv[1])))' "$WORK/body" | sha256sum | cut -d' ' -f1)
    expect "$scenario: ... and decompresses to the file's bytes ($(stat -c %s "$WORK/body") of $(stat -c %s "$ROOT/$rel") bytes on the wire)" "$got" "$want"
    expect "$scenario: ... with VS Code's type and caching, Vary and an ETag" \
        "$(header_of Content-Type) | $(header_of Cache-Control) | $(header_of Vary) | $(header_of ETag | sed 's/"[A-Za-z0-9_-]\{22\}-br"/ETAG-br/')" \
        "text/javascript | public, max-age=31536000 | Accept-Encoding | ETAG-br"
    request "/$script" "$token" "gzip" >/dev/null
    got=$(gzip -dc <"$WORK/body" | sha256sum | cut -d' ' -f1)
    expect "$scenario: gzip for a client without brotli, the same bytes" "$(header_of Content-Encoding) $got" "gzip $want"
    request "/$script" "$token" "" >/dev/null
    expect "$scenario: no Accept-Encoding: VS Code's own answer, uncompressed" \
        "$(header_of Content-Encoding)-$(sha256sum <"$WORK/body" | cut -d' ' -f1)" "-$want"
    code=$(request "/$script" "" "br")
    expect "$scenario: without the token: VS Code's 403, compressed or not" "$code $(header_of Content-Encoding)" "403 "
    expect "$scenario: the cache is the account's, 0700, in its home" \
        "$(stat -c '%U %a' "$ACCOUNT_HOME/.cache/openvscode-host/static/${script%%/static/*}")" "$ACCOUNT 700"
}

# open_extension_host SCENARIO TARGET TOKEN_FILE: a wrong token is refused
# at the protocol level; the right one gets an extension host process.
open_extension_host() {
    local scenario=$1 target=$2 token_file=$3 answer
    ovh_new_token >"$WORK/wrong-token"
    answer=$(timeout 30 node "$WORK/exthost-client.js" "$target" "$WORK/wrong-token" "$commit" || true)
    check "$scenario: remote protocol with a wrong token is refused ($answer)" \
        test "$answer" = "refused: Unauthorized client refused: auth mismatch"

    node "$WORK/exthost-client.js" "$target" "$token_file" "$commit" >"$WORK/client.out" 2>&1 &
    client_pid=$!
    local pid found=
    for _ in $(seq 200); do
        for pid in $(process_tree "$server_pid"); do
            grep -qa -- '--type=extensionHost' "/proc/$pid/cmdline" 2>/dev/null && found=$pid
        done
        [[ -n $found ]] && break
        sleep 0.05
    done
    if [[ -n $found ]] && grep -qx accepted "$WORK/client.out"; then
        ok "$scenario: remote protocol with the token starts an extension host (pid $found)"
    else
        not_ok "$scenario: remote protocol with the token starts an extension host" \
            "client: $(tr '\n' ' ' <"$WORK/client.out")"
    fi
    # Let it finish starting (it forks nothing else, but must be past exec).
    sleep 1
}

# ------------------------------------------------ scenario 1: [Auth] TokenFile=
token=$(ovh_new_token)
printf '%s\n' "$token" >"$WORK/token"
chmod 0600 "$WORK/token"
write_token_pattern "$token"
cat >"$WORK/tokenfile.conf" <<EOF
[Server]
Root=$ROOT
Node=$SERVER_NODE

[Auth]
TokenFile=$WORK/token
CookieLifetime=1h

[Account]
User=$ACCOUNT
EOF
# The client reads the token as root from its own copy.
cp "$WORK/token" "$WORK/client-token"

# --check from a shell: the plan, with no token in it. --listen stands in
# for the socket systemd would pass.
port=$(ovh_free_port)
check_output=$("$LAUNCHER" -c "$WORK/tokenfile.conf" --check --listen="127.0.0.1:$port" 2>&1) && rc=0 || rc=$?
if ((rc == 0)) && grep -qx "user=$ACCOUNT" <<<"$check_output" &&
    grep -q '^argv=.* --connection-token-file ' <<<"$check_output" &&
    ! grep -qF -f "$WORK/token.pattern" <<<"$check_output"; then
    ok "--check prints the plan (user=$ACCOUNT, argv with --connection-token-file) and no token"
else
    not_ok "--check prints the plan (user=$ACCOUNT, argv with --connection-token-file) and no token" "exit $rc" \
        "$(grep -vF -f "$WORK/token.pattern" <<<"$check_output" | head -20 | tr '\n' '|')"
fi

base_url=http://127.0.0.1:$port
unix_socket=
commit=
if start_server tokenfile "127.0.0.1:$port" "$WORK/tokenfile.conf"; then
    ok "tokenfile: systemd-socket-activate listens on 127.0.0.1:$port"
    login_flow tokenfile "$token" "first connection (activates the launcher):"
    open_extension_host tokenfile "127.0.0.1:$port" "$WORK/client-token"
    check_tree tokenfile
    compressed_static tokenfile "$token"
    sign_in tokenfile "$token"
    check_no_leak tokenfile
else
    not_ok "tokenfile: systemd-socket-activate listens on 127.0.0.1:$port" "$(cat "$WORK/tokenfile.err")"
fi
stop_server

# ---------------------- scenario 1b: a sign-in password from PASSWORD_HASH
# As the container's environment file gives it: the launcher's environment
# (not argv), checked at start, handed to the server in the runtime
# sign-in file, never in the server's environment.
password="pw-$(ovh_new_token | head -c 16)"
PASSWORD_HASH=$(printf '%s\n' "$password" | "$BUILD/src/ctl/openvscodectl" password hash --password-stdin) ||
    bail "openvscodectl password hash failed"
export PASSWORD_HASH
port=$(ovh_free_port)
base_url=http://127.0.0.1:$port
check_output=$("$LAUNCHER" -c "$WORK/tokenfile.conf" --check --listen="127.0.0.1:$port" 2>&1) || true
expect "password: --check names PASSWORD_HASH and the cookie's lifetime" \
    "$(grep -E '^(password|cookie_lifetime)=' <<<"$check_output" | tr '\n' ' ')" "password=PASSWORD_HASH cookie_lifetime=3600 "
if start_server password "127.0.0.1:$port" "$WORK/tokenfile.conf"; then
    request /version >/dev/null
    sign_in password "$token" "$password"
    server_env=$(tr '\0' '\n' <"/proc/$server_pid/environ" | grep -c '^PASSWORD_HASH=' || true)
    expect "password: the hash is not in the server's environment" "$server_env" 0
else
    not_ok "password: systemd-socket-activate listens on 127.0.0.1:$port" "$(cat "$WORK/password.err")"
fi
stop_server
PASSWORD_HASH='$7$CU..../....not-a-hash'
code=0
"$LAUNCHER" -c "$WORK/tokenfile.conf" --check --listen="127.0.0.1:$port" >"$WORK/badhash.out" 2>"$WORK/badhash.err" || code=$?
expect "password: a malformed PASSWORD_HASH: exit 65, one line naming it, no value" \
    "$code $(wc -l <"$WORK/badhash.err") $(grep -c 'not-a-hash' "$WORK/badhash.err")" "65 1 0"
unset PASSWORD_HASH

# ---------------------------------- scenario 2: generated token, AF_UNIX socket
rm -f "$STATE/token"
cat >"$WORK/generated.conf" <<EOF
[Server]
Root=$ROOT
Node=$SERVER_NODE

[Account]
User=$ACCOUNT
EOF
unix_socket=$PUBLIC/ovh.sock
base_url=http://localhost
if start_server generated "$unix_socket" "$WORK/generated.conf"; then
    ok "generated: systemd-socket-activate listens on $unix_socket"
    # The token is generated on activation: the first request triggers it.
    code=$(request /version)
    check "generated: GET /version -> 200 (activates the launcher; got $code)" test "$code" = 200
    if [[ -f $STATE/token ]]; then
        read -r owner mode < <(stat -c '%u %a' "$STATE/token")
        generated=$(cat "$STATE/token")
        check "generated: $STATE/token is owned by $ACCOUNT with mode 600 (got uid $owner mode $mode)" \
            test "$owner:$mode" = "$ACCOUNT_UID:600"
        if [[ $generated =~ ^[0-9a-f]{64}$ ]]; then ok "generated: the token is 32 random bytes in hex"
        else not_ok "generated: the token is 32 random bytes in hex" "length ${#generated}"; fi
        write_token_pattern "$generated"
        cp "$STATE/token" "$WORK/client-token"
        login_flow generated "$generated" "login:"
        open_extension_host generated "$unix_socket" "$WORK/client-token"
        check_tree generated
        check_no_leak generated "$STATE/token"

        # Written once and reused: a restart keeps the token.
        stop_server
        rm -f "$unix_socket"
        if start_server generated-again "$unix_socket" "$WORK/generated.conf"; then
            code=$(request "/?tkn=$generated")
            again=$(cat "$STATE/token" 2>/dev/null || true)
            check "generated: after a restart the same token still logs in (got $code)" \
                test "$code:$again" = "302:$generated"
        else
            not_ok "generated: restart listens on $unix_socket" "$(cat "$WORK/generated-again.err")"
        fi
    else
        not_ok "generated: $STATE/token exists after activation" \
            "stderr: $(tail -5 "$WORK/generated.err" | tr '\n' ' ')"
    fi
else
    not_ok "generated: systemd-socket-activate listens on $unix_socket" "$(cat "$WORK/generated.err")"
fi
stop_server

# ------------------------------ scenario 3: TLS=files on a network address
# HTTPS on the socket systemd passes (src/tls.js). A client in a network
# namespace of its own, joined by a veth pair, reaches the server on a
# non-loopback address: TLS is served there (curl --cacert) and plain HTTP
# redirected; 127.0.0.1 on the same socket stays plain; the sign-in
# cookie gets Secure over TLS only.
NETNS=ovh-itest-tls
HOST_IF=ovhtls0
HOST_ADDR=10.213.77.1
CLIENT_ADDR=10.213.77.2
tls_cleanup() {
    ip netns del "$NETNS" 2>/dev/null || true
    ip link del "$HOST_IF" 2>/dev/null || true
}
# tls_curl host|netns: curl with its config (URL, token) on stdin, never on
# argv; prints the status, body and headers in $WORK.
tls_curl() {
    local where=$1
    rm -f "$WORK/body" "$WORK/headers"
    {
        cat
        printf 'output = "%s"\ndump-header = "%s"\nwrite-out = "%%{http_code}"\nmax-time = 60\nsilent\n' \
            "$WORK/body" "$WORK/headers"
    } | if [[ $where == netns ]]; then ip netns exec "$NETNS" curl -K -; else curl -K -; fi || true
}
location_of() { sed -n 's/^[Ll]ocation: \(.*\)\r$/\1/p' "$WORK/headers"; }
# https_to PATH: the curl config for https://code.test:PORT/PATH from the
# client's namespace, the test CA trusted.
https_to() {
    printf 'url = "https://code.test:%s%s"\nresolve = "code.test:%s:%s"\ncacert = "%s"\n' \
        "$port" "$1" "$port" "$HOST_ADDR" "$WORK/ca.crt"
}
if ! command -v ip >/dev/null || ! command -v openssl >/dev/null; then
    ok "tls: # SKIP needs ip (netns, veth) and openssl"
elif tls_cleanup && ip netns add "$NETNS" && ip link add "$HOST_IF" type veth peer name ovhtls1 &&
    ip link set ovhtls1 netns "$NETNS" && ip addr add "$HOST_ADDR/30" dev "$HOST_IF" && ip link set "$HOST_IF" up &&
    ip -n "$NETNS" addr add "$CLIENT_ADDR/30" dev ovhtls1 && ip -n "$NETNS" link set ovhtls1 up &&
    ip -n "$NETNS" link set lo up; then
    trap 'tls_cleanup; cleanup' EXIT
    # A CA and a server certificate for code.test and the host's veth address.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/ca.key" -out "$WORK/ca.crt" \
        -days 2 -subj "/CN=ovh-itest CA" -addext basicConstraints=critical,CA:TRUE 2>/dev/null
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/tls.key" -out "$WORK/tls.csr" \
        -subj /CN=code.test 2>/dev/null
    printf 'subjectAltName=DNS:code.test,IP:%s\nextendedKeyUsage=serverAuth\n' "$HOST_ADDR" >"$WORK/tls.ext"
    openssl x509 -req -in "$WORK/tls.csr" -CA "$WORK/ca.crt" -CAkey "$WORK/ca.key" -CAcreateserial -days 2 \
        -extfile "$WORK/tls.ext" -out "$WORK/tls.crt" 2>/dev/null
    chmod 0600 "$WORK/tls.key"
    cat >"$WORK/tls.conf" <<EOF
[Server]
Root=$ROOT
Node=$SERVER_NODE
TLS=files
Certificate=$WORK/tls.crt
Key=$WORK/tls.key

[Auth]
TokenFile=$WORK/token

[Account]
User=$ACCOUNT
EOF
    port=$(ovh_free_port)
    check_output=$("$LAUNCHER" -c "$WORK/tls.conf" --check --listen="0.0.0.0:$port" 2>&1) || true
    expect "tls: --check names the source and the certificate's names" \
        "$(grep -E '^tls(_source|_names|_addresses)?=' <<<"$check_output" | tr '\n' ' ')" \
        "tls=files tls_source=files $WORK/tls.crt, $WORK/tls.key tls_names=code.test tls_addresses=$HOST_ADDR "
    if start_server tls "0.0.0.0:$port" "$WORK/tls.conf"; then
        ok "tls: systemd-socket-activate listens on 0.0.0.0:$port"
        code=$(https_to /version | tls_curl netns)
        expect "tls: https://code.test:$port/version from another host, the CA trusted: 200" "$code" 200
        tls_key_file=$(dirname "$(tr '\0' '\n' <"/proc/$server_pid/cmdline" |
            sed -n '/^--connection-token-file$/{n;p;q}')")/tls.key
        server_token_files+=("$tls_key_file" "${tls_key_file%.key}.crt")
        expect "tls: the server's key is the account's, 0400, beside the token" \
            "$(stat -c '%U %a' "$tls_key_file" 2>&1)" "$ACCOUNT 400"
        code=$(printf 'url = "http://%s:%s/some/path?x=1"\nheader = "Host: code.test:%s"\n' "$HOST_ADDR" "$port" \
            "$port" | tls_curl netns)
        expect "tls: plain http from another host: 308 to https, same Host and path" \
            "$code $(location_of)" "308 https://code.test:$port/some/path?x=1"
        code=$(printf 'url = "http://%s:%s/"\nheader = "Host: evil.example/x"\n' "$HOST_ADDR" "$port" |
            tls_curl netns)
        expect "tls: a Host that is not a host[:port] is not used in the redirect" \
            "$code $(location_of)" "308 https://$HOST_ADDR:$port/"
        code=$(https_to /version | grep -v '^cacert' | tls_curl netns)
        expect "tls: a client that does not trust the CA fails its handshake (curl 000)" "$code" 000
        code=$(printf 'url = "http://127.0.0.1:%s/version"\n' "$port" | tls_curl host)
        expect "tls: http://127.0.0.1 on the same socket stays plain, served by VS Code" \
            "$code $(grep -c . "$WORK/body")" "200 1"
        code=$(https_to /version | tls_curl netns)
        expect "tls: the server still serves after the failed handshakes" "$code" 200
        # The workbench over TLS: the token's link, VS Code's cookie, the page.
        code=$({ https_to "/?tkn=$token"; } | tls_curl netns)
        expect "tls: the token's link over https: VS Code's 302" "$code" 302
        code=$({ https_to /; printf 'cookie = "vscode-tkn=%s"\n' "$token"; } | tls_curl netns)
        check "tls: the workbench over https (got $code)" grep -q workbench-web-configuration "$WORK/body"
        # The sign-in form over TLS: VS Code's cookie with Secure; on loopback without.
        printf 'secret=%s&then=%%2F' "$token" >"$WORK/form"
        form_config() {
            printf 'header = "Sec-Fetch-Site: same-origin"\nheader = "Content-Type: application/x-www-form-urlencoded"\n'
            printf 'data-binary = "@%s"\n' "$WORK/form"
        }
        code=$({ https_to /sign-in; form_config; } | tls_curl netns)
        cookie_line=$(grep -i '^set-cookie: vscode-tkn=' "$WORK/headers" | tr -d '\r' || true)
        expect "tls: signing in over https: 303 and VS Code's cookie with Secure" \
            "$code $(grep -ci '; Secure' <<<"$cookie_line")" "303 1"
        code=$({ printf 'url = "http://127.0.0.1:%s/sign-in"\n' "$port"; form_config; } | tls_curl host)
        cookie_line=$(grep -i '^set-cookie: vscode-tkn=' "$WORK/headers" | tr -d '\r' || true)
        expect "tls: signing in on loopback: the cookie without Secure" \
            "$code $(grep -c 'vscode-tkn' <<<"$cookie_line") $(grep -ci '; Secure' <<<"$cookie_line")" "303 1 0"
        # The key is nowhere but its file: no argv, no environment in the tree.
        key_line=$(sed -n 2p "$WORK/tls.key")
        leaks=0
        for pid in $(process_tree "$server_pid"); do
            grep -qaF -- "$key_line" "/proc/$pid/cmdline" "/proc/$pid/environ" 2>/dev/null && leaks=$((leaks + 1))
        done
        expect "tls: the key is in no argv or environment of the server's tree" "$leaks" 0
        expect "tls: the key is not in the server's output" \
            "$(cat "$WORK/tls.out" "$WORK/tls.err" | grep -cF -- "$key_line" || true)" 0
        check "tls: the journal line names HTTPS and the certificate's names" \
            grep -q "<6>HTTPS on 0.0.0.0:$port for code.test, $HOST_ADDR" "$WORK/tls.err"
    else
        not_ok "tls: systemd-socket-activate listens on 0.0.0.0:$port" "$(cat "$WORK/tls.err")"
    fi
    stop_server
    tls_cleanup
else
    tls_cleanup
    not_ok "tls: a network namespace and a veth pair for the client" "ip netns/ip link failed"
fi

finish

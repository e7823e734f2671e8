#!/bin/bash
# System test: faults and bad input on a real systemd, booted with
# systemd-nspawn (tests/system/lib-nspawn.sh), with VS Code's real server.
#
#   1. 200 concurrent first connections at an inactive socket: all answered
#   2. SIGKILL of the server while clients connect: the next connection is
#      served, nothing is refused; crashes at a normal rate stay under the
#      unit's start limit
#   3. the state tree's ownership broken (chown -R root): a clear error
#      naming the tmpfiles command, no server, and served again once it ran
#   4. no space left when the token is generated (a tiny tmpfs over the
#      state directory): a clear error, no empty or partial token file, and
#      the next start after space returns works
#   5. the configuration made invalid while the server runs: --check says so
#      before a restart (openvscodectl check when it is installed), the
#      running server is untouched, a restart fails clearly and leaves the
#      previous state as it was
#   6. bad input in the unit's environment file (EnvironmentFile=): each
#      error is one journal record at priority 3, never the token, and lines
#      systemd itself ignores do not stop the server; openvscodectl check
#      (when installed) reads the file as systemd does: the same exit status
#   7. unauthenticated requests: every route but the documented public ones
#      (docs/SECURITY.md) answers 403
#   8. the token leaks nowhere: every /proc/PID/cmdline and environ, the
#      whole journal, every file under /run, every world-readable file under
#      /var/lib/openvscode-server and /etc
#
#   sudo tests/system/test-faults.sh            (TAP on stdout)
#
# Environment:
#   OVH_CACHE         cache outside the checkout (default /var/cache/openvscode-host)
#   OVH_BUILD_DIR     the test build; the installed build is OVH_BUILD_DIR-faults
#   OVH_VSCODE_ROOT   server payload; default: VS Code 1.139.1 (nspawn_payload)
#   OVH_NODE          node for the server (default: the payload's own)
#   OVH_KEEP=1        keep the scratch directory (container root, logs)
#   CI=true           turn a skip into a failure
#
# Exit: 0 all passed, 1 a check failed, 77 skipped (not root, or this
# machine cannot run systemd-nspawn).
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/system/lib-nspawn.sh
source "$SRC/tests/system/lib-nspawn.sh"

ACCOUNT=openvscode-server
STATE=/var/lib/openvscode-server
TOKEN_FILE=$STATE/.openvscode-server/token
LAUNCHER=/usr/libexec/openvscode-host/openvscode-launcher
PORT=3000
TEST_NODE=/usr/local/lib/ovh-system-test/node
UNIT=openvscode-server.service
SOCKET=openvscode-server.socket

# ---------------------------------------------------------------- TAP
# shellcheck source=tests/lib-tap.sh
source "$SRC/tests/lib-tap.sh"

# ---------------------------------------------------------------- preconditions
reason=$(nspawn_possible) || skip_all "$reason"
for tool in meson ninja python3; do
    command -v "$tool" >/dev/null || bail "$tool not found"
done

t_start=$(now)
nspawn_workdir faults 0700

nspawn_build_root >"$WORK/build-root.log" 2>&1 || { tail -n 30 "$WORK/build-root.log"; bail "cannot build $OVH_ROOT"; }
nspawn_payload

# The build a distribution package would make, kept between runs.
BUILD=${OVH_BUILD_DIR:-$SRC/build}-faults
if [[ ! -f $BUILD/build.ninja ]]; then
    meson setup "$BUILD" "$SRC" --prefix=/usr --sysconfdir=/etc --localstatedir=/var -Dtests=false \
        >"$WORK/meson-setup.log" 2>&1 || { cat "$WORK/meson-setup.log"; bail "meson setup failed"; }
fi
ninja -C "$BUILD" >"$WORK/ninja.log" 2>&1 || { tail -n 30 "$WORK/ninja.log"; bail "build failed"; }

nspawn_enter_cgroup
ROOT=$(nspawn_copy_root "$WORK")
DESTDIR=$ROOT meson install -C "$BUILD" --no-rebuild --quiet >"$WORK/install.log" 2>&1 ||
    { cat "$WORK/install.log"; bail "meson install failed"; }
mkdir -p "$ROOT/usr/lib/openvscode-server" "$ROOT/usr/local/lib/ovh-system-test" "$ROOT/etc/openvscode-server/launcher.conf.d"
touch "$ROOT$TEST_NODE" "$ROOT/usr/local/lib/ovh-system-test/exthost-client.js"
printf '# fault suite: the server'"'"'s node (OVH_NODE), bound in by systemd-nspawn\n[Server]\nNode=%s\n' "$TEST_NODE" \
    >"$ROOT/etc/openvscode-server/launcher.conf.d/50-system-test-node.conf"
chmod 0644 "$ROOT/etc/openvscode-server/launcher.conf.d/50-system-test-node.conf"
# exthost-client.js speaks VS Code's remote protocol (the WebSocket's auth)
NSPAWN_ARGS=(--private-network "--bind-ro=$PAYLOAD:/usr/lib/openvscode-server" "--bind-ro=$NODE:$TEST_NODE"
    "--bind-ro=$SRC/tests/system/exthost-client.js:/usr/local/lib/ovh-system-test/exthost-client.js")
diag "root, server and build ready after $(elapsed "$t_start") s"

nspawn_boot "$ROOT" "ovh-faults-$$" "$WORK/console.log" "${NSPAWN_ARGS[@]}" || bail "the container did not boot"
[[ $NSPAWN_STATE == running ]] || bail "systemd in the container is '$NSPAWN_STATE', not running"

# ---------------------------------------------------------------- helpers
# http PATH [COOKIE]: the status of GET PATH ("000" when no answer). The URL
# goes to curl on stdin: a token in argv would be visible to every process.
http() {
    {
        printf 'url = "http://127.0.0.1:%s%s"\n' "$PORT" "$1"
        [[ -n ${2:-} ]] && printf 'cookie = "vscode-tkn=%s"\n' "$2"
        printf 'output = "/dev/null"\nwrite-out = "%%{http_code}"\nsilent\nmax-time = 30\n'
    } | IN curl -K - 2>/dev/null || true
}
prop() { IN systemctl show -P "$2" "$1"; }
main_pid() { prop "$UNIT" MainPID; }
# start_status: the exit status of the last start, from the launcher as
# ExecStartPre=+ (--prepare-unit, which reads the configuration too) when it
# failed there, else from the main process
start_status() {
    local pre
    pre=$(prop "$UNIT" ExecStartPre | { grep -o 'status=[0-9]*' || true; } | tail -1 | cut -d= -f2)
    if [[ -n $pre && $pre != 0 ]]; then echo "$pre"; else prop "$UNIT" ExecMainStatus; fi
}
read_token() { IN cat "$TOKEN_FILE" 2>/dev/null || true; }
account_pids() { { IN pgrep -u "$ACCOUNT" 2>/dev/null || true; } | tr '\n' ' '; }
stop_service() { IN systemctl stop "$UNIT" 2>/dev/null || true; }
# Back to a clean slate: nothing failed, the socket listening, no server.
reset_units() {
    stop_service
    IN systemctl reset-failed "$UNIT" "$SOCKET" 2>/dev/null || true
    IN systemctl start "$SOCKET"
}
# settle: waits until the service has no job and is not restarting, for
# one second in a row (a failing start may be retried by Restart= and by
# the socket); at most 20 s.
settle() {
    local calm=0 state _
    for _ in $(seq 100); do
        state=$(prop "$UNIT" ActiveState)
        if [[ $state != activating && $state != deactivating && -z $(IN systemctl list-jobs --no-legend 2>/dev/null) ]] &&
            [[ $(prop "$UNIT" SubState) != auto-restart ]]; then
            calm=$((calm + 1))
            ((calm >= 5)) && return 0
        else
            calm=0
        fi
        sleep 0.2
    done
    return 1
}
# starts: how many times the launcher ran since the mark
starts() { launcher_records | grep -cE $'^[0-7]\t' || true; }
CURSOR=
mark_journal() { CURSOR=$(IN journalctl --no-pager -n 0 --show-cursor 2>/dev/null | sed -n 's/^-- cursor: //p'); }
# journal_since [journalctl options...]: JSON records since mark_journal
journal_since() { IN journalctl --no-pager -o json ${CURSOR:+--after-cursor="$CURSOR"} "$@" 2>/dev/null || true; }
# launcher_records: "PRIORITY<TAB>MESSAGE" of the launcher since the mark;
# a MESSAGE journald could not store as text shows as BLOB
launcher_records() {
    journal_since -u "$UNIT" | python3 -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    if e.get("SYSLOG_IDENTIFIER") != "openvscode-launcher":
        continue
    m = e.get("MESSAGE")
    print(e.get("PRIORITY"), m if isinstance(m, str) else "BLOB:" + bytes(m or []).decode("utf-8", "replace"), sep="\t")'
}
# contains_token FILE TOKEN...: does FILE hold one of the tokens? The
# tokens are handed to grep in a file, never in its argv. With no token to
# look for, the answer "no" would mean nothing: that ends the test.
contains_token() {
    local file=$1
    shift
    printf '%s\n' "$@" | sed '/^$/d' >"$WORK/patterns"
    [[ -s $WORK/patterns ]] || bail "no token to look for in $file: the test collected none"
    grep -qaF -f "$WORK/patterns" "$file"
}
tokens_seen=()

# ================================================================ 0. enable
check "systemctl enable --now $SOCKET" IN systemctl enable --now "$SOCKET"
expect "the service waits for the first connection" "$(IN systemctl is-active "$UNIT" || true)" inactive

# ================================================================ 1. 200 concurrent first connections
# /version answers without a token: each of the 200 gets the server's own
# answer or a failure (curl's exit 7 is refused, 52 empty, 56 reset).
mark_journal
t0=$(now)
# shellcheck disable=SC2016 # expanded by the container's shell
IN sh -c 'i=0; while [ $i -lt 200 ]; do
        curl -s -o /dev/null --max-time 60 -w "%{http_code} %{exitcode}\n" http://127.0.0.1:'"$PORT"'/version &
        i=$((i + 1))
    done; wait' >"$WORK/concurrent.txt" 2>&1 || true
t_all=$(elapsed "$t0")
answers=$(awk '{ print $1 "/" $2 }' "$WORK/concurrent.txt" | sort | uniq -c | awk '{ printf "%s%s x%s", sep, $2, $1; sep = ", " }')
diag "200 concurrent first connections: all done after $t_all s; status/curl-exit: $answers"
expect "200 concurrent first connections at an inactive socket: 200 answers" "$(wc -l <"$WORK/concurrent.txt")" 200
expect "all 200 answered 200 (none refused, reset or timed out)" "$(grep -cv '^200 0$' "$WORK/concurrent.txt" || true)" 0
expect "the server started once for them" \
    "$(launcher_records | grep -c $'^6\tstarting VS Code server' || true) $(prop "$UNIT" NRestarts)" "1 0"
TOKEN=$(read_token)
tokens_seen+=("$TOKEN")
check "a token was generated (64 hex digits)" grep -qE '^[0-9a-f]{64}$' <<<"$TOKEN"
expect "the token works (302)" "$(http "/?tkn=$TOKEN")" 302

# ================================================================ 2. SIGKILL
# A client every 50 ms while the main process is killed: the socket is
# systemd's, so nothing is refused; requests in flight at the kill may see
# a reset (reported, not judged: the server died under them).
# shellcheck disable=SC2016 # expanded by the container's shell
IN sh -c 'i=0; while [ $i -lt 80 ]; do curl -s -o /dev/null --max-time 30 -w "%{http_code} %{exitcode}\n" http://127.0.0.1:'"$PORT"'/version; sleep 0.05; i=$((i + 1)); done' \
    >"$WORK/kill-load.txt" 2>&1 &
load=$!
sleep 1
restarts=$(prop "$UNIT" NRestarts)
killed=$(main_pid)
t_kill=$(now)
IN kill -KILL "$killed"
if wait_http "/?tkn=$TOKEN" 302 30; then
    ok "after SIGKILL of the server the next connection is served ($(elapsed "$t_kill") s)"
else
    not_ok "after SIGKILL of the server the next connection is served" "$(IN systemctl status "$UNIT" --no-pager 2>&1 | tail -5)"
fi
wait "$load" || true
diag "SIGKILL under load: $(wc -l <"$WORK/kill-load.txt") requests, status/curl-exit: $(awk '{ print $1 "/" $2 }' "$WORK/kill-load.txt" | sort | uniq -c | awk '{ printf "%s%s x%s", sep, $2, $1; sep = ", " }')"
expect "SIGKILL under load: no connection refused" "$(awk '$2 == 7' "$WORK/kill-load.txt" | wc -l)" 0
expect "systemd restarted it once (Restart=on-failure)" "$(prop "$UNIT" NRestarts)" "$((restarts + 1))"

# A crash every 3 s, six times (start limit: 5 starts in 10 s by default):
# a server that crashes now and then is restarted every time.
limit="$(prop "$UNIT" StartLimitBurst) in $(prop "$UNIT" StartLimitIntervalUSec)"
served=0
for _ in 1 2 3 4 5 6; do
    sleep 2
    IN kill -KILL "$(main_pid)" 2>/dev/null || true
    wait_http "/?tkn=$TOKEN" 302 20 && served=$((served + 1))
done
expect "six crashes 3 s apart (start limit $limit): served after each" "$served" 6
expect "... and neither unit hit a limit or failed" \
    "$(prop "$UNIT" Result) $(IN systemctl is-active "$SOCKET") $(prop "$SOCKET" Result)" "success active success"

# ================================================================ 3. broken ownership
reset_units
IN chown -R root:root "$STATE"
mark_journal
code=$(http /)
settle || diag "the service did not settle within 20 s"
# The launcher answers the waiting connection itself (503, "see the
# journal"), so the socket does not re-trigger the start for it.
expect "ownership broken (chown -R root): the connection gets the launcher's 503, not a server" "$code" 503
records=$(launcher_records)
error=$(grep -m1 $'^3\t' <<<"$records" | cut -f2- || true)
check "... the launcher says why and names the fix: $error" \
    grep -qF "systemd-tmpfiles --create openvscode-server.conf" <<<"$error"
expect "... exit status 77, and not restarted by Restart=" "$(start_status) $(prop "$UNIT" NRestarts)" "77 0"
expect "... no process of the account runs (never a half-usable home)" "$(account_pids)" ""
expect "... the state tree was not touched (still root's)" "$(IN stat -c %U "$STATE/.openvscode-server")" root
diag "ownership broken: $(starts) failed starts (the socket re-triggers for the waiting connection); socket $(IN systemctl is-active "$SOCKET") $(prop "$SOCKET" Result)"
IN systemd-tmpfiles --create openvscode-server.conf 2>/dev/null || true
IN chown "$ACCOUNT:$ACCOUNT" "$TOKEN_FILE"
if wait_http "/?tkn=$TOKEN" 302 15; then
    ok "after systemd-tmpfiles --create the next connection is served, without touching the units"
else
    not_ok "after systemd-tmpfiles --create the next connection is served, without touching the units" \
        "socket: $(IN systemctl is-active "$SOCKET") $(prop "$SOCKET" Result); service: $(prop "$UNIT" Result)" \
        "the socket re-triggered the failing start for the waiting connection until the service's start limit, which fails the socket: the port stays closed until systemctl reset-failed + start of the socket, which the error does not say"
    reset_units
    expect "... and after systemctl reset-failed + start of the socket" "$(http "/?tkn=$TOKEN")" 302
fi

# ================================================================ 4. no space for the token
reset_units
IN mv "$TOKEN_FILE" /root/token.saved
# a tmpfs over the state directory with the tree tmpfiles makes and the
# skeleton files already there, then filled up: the token is the first
# thing the start has to write
IN mount -t tmpfs -o size=256k,mode=0750 tmpfs "$STATE"
IN systemd-tmpfiles --create openvscode-server.conf 2>/dev/null || true
IN sh -c "for f in /etc/skel/.[!.]*; do install -o $ACCOUNT -g $ACCOUNT -m 0644 \"\$f\" $STATE/; done"
IN sh -c "dd if=/dev/zero of=$STATE/filler bs=4k 2>/dev/null; sync" || true
mark_journal
# what starts the server is a user's connection
code=$(http /)
settle || diag "the service did not settle within 20 s"
records=$(launcher_records)
error=$(grep -m1 $'^3\t' <<<"$records" | cut -f2- || true)
check "no space left: a clear error ($error)" grep -qE "token.*No space left on device" <<<"$error"
expect "... the connection got the launcher's 503, exit status 73 (cannot create)" "$code $(start_status)" "503 73"
expect "... no token file, empty or partial, and no temporary file left" \
    "$(IN find "$STATE/.openvscode-server" -maxdepth 1 -name '*token*' | tr '\n' ' ')" ""
expect "... no process of the account runs" "$(account_pids)" ""
diag "after ENOSPC: $(grep -c $'^3\t' <<<"$records" || true) failed starts, NRestarts=$(prop "$UNIT" NRestarts); service $(prop "$UNIT" Result), socket $(IN systemctl is-active "$SOCKET") $(prop "$SOCKET" Result)"
IN rm -f "$STATE/filler"
# the next start after space returns: what a user does is connect again
if wait_http / 403 15; then
    ok "space back: the next connection is served"
else
    not_ok "space back: the next connection is served" \
        "socket: $(IN systemctl is-active "$SOCKET") $(prop "$SOCKET" Result); service: $(prop "$UNIT" Result)" \
        "the failed start was retried (Restart=on-failure: 73 is not in RestartPreventExitStatus=, and the socket re-triggers for the waiting connection) until the start limit, which fails the socket: the port is closed until systemctl reset-failed"
    reset_units
    expect "... after systemctl reset-failed + start of the socket" "$(http /)" 403
fi
new_token=$(read_token)
tokens_seen+=("$new_token")
check "... a complete new token was written (64 hex digits, 0600, the account's)" \
    test "$(grep -cE '^[0-9a-f]{64}$' <<<"$new_token") $(IN stat -c '%a %U' "$TOKEN_FILE" 2>&1)" = "1 600 $ACCOUNT"
expect "... and it works" "$(http "/?tkn=$new_token")" 302
stop_service
IN umount "$STATE"
IN mv /root/token.saved "$TOKEN_FILE"
reset_units
expect "the tmpfs gone, the original token is served again" "$(http "/?tkn=$TOKEN")" 302

# ================================================================ 5. config made invalid while running
main_before=$(main_pid)
snapshot() { IN sh -c "stat -c '%n %U %G %a %s %Y' $TOKEN_FILE $STATE $STATE/.openvscode-server $STATE/.openvscode-server/data $STATE/.openvscode-server/extensions $STATE/.ssh $STATE/workspace; md5sum $TOKEN_FILE"; }
state_before=$(snapshot)
IN sh -c 'printf "[Server]\nTelemetry=sometimes\n" >/etc/openvscode-server/launcher.conf.d/90-broken.conf'
if IN test -x /usr/bin/openvscodectl; then
    CHECK=(/usr/bin/openvscodectl check)
else
    # openvscodectl (the admin tool) is not part of this build yet
    CHECK=("$LAUNCHER" --check)
fi
rc=0
out=$(IN "${CHECK[@]}" 2>&1) || rc=$?
expect "config broken while running: '${CHECK[*]}' exits 78" "$rc" 78
check "... naming the file and line ($out)" grep -qF "90-broken.conf:2" <<<"$out"
expect "... the running server is untouched (same main process, still serving)" \
    "$(main_pid) $(http "/?tkn=$TOKEN")" "$main_before 302"
mark_journal
# Type=exec: `systemctl restart` returns once the launcher is exec'd, before
# it reads the configuration; the failure shows in the unit's state at once.
IN systemctl restart "$UNIT" >/dev/null 2>&1 || true
failed=no
for _ in $(seq 50); do
    [[ $(IN systemctl is-failed "$UNIT" 2>/dev/null || true) == failed ]] && { failed=yes; break; }
    sleep 0.1
done
expect "... the restarted unit fails (systemctl is-failed within 5 s)" "$failed" yes
records=$(launcher_records)
expect "... one error record at priority 3 naming the file" \
    "$(grep -c $'^3\t.*90-broken.conf:2' <<<"$records" || true) $(grep -c $'^3\t' <<<"$records" || true)" "1 1"
got="$(start_status) $(prop "$UNIT" NRestarts) $(account_pids)"
if [[ $got == "78 0 " ]]; then
    ok "... exit 78, not restarted, no server left"
else
    not_ok "... exit 78, not restarted, no server left" "status, restarts, processes: $got (want 78 0)" \
        "$(grep -c $'^3\t' <<<"$records" || true) failed starts; when the error comes from ExecStartPre= (--prepare-unit reads the configuration), Restart=on-failure restarts it: RestartPreventExitStatus= only covers the main process"
fi
expect "... the state and the token are as they were" "$(snapshot)" "$state_before"
IN rm /etc/openvscode-server/launcher.conf.d/90-broken.conf
reset_units
expect "config fixed: served again with the same token" "$(http "/?tkn=$TOKEN")" 302

# ================================================================ 6. the environment file
ENVFILE=/etc/openvscode-server/environment
CTL=
IN test -x /usr/bin/openvscodectl && CTL=/usr/bin/openvscodectl
# env_case NAME EXPECTED-STATUS CONTENT: starts the service with CONTENT as
# the environment file. With a status, the launcher must fail with it and
# say so in one readable journal record, quoting no secret; with 0 the
# server must start and serve. openvscodectl check, when installed, must
# give the same status: it promises to read the file as systemd does.
env_case() {
    local name=$1 want=$2 content=$3 records errors bad=()
    printf '%s' "$content" | IN sh -c "cat >$ENVFILE"
    reset_units
    if [[ -n $CTL ]]; then
        local ctl_rc=0 ctl_out
        ctl_out=$(IN "$CTL" check 2>&1) || ctl_rc=$?
        if [[ $ctl_rc != "$want" ]]; then
            local said="it passes"
            ((ctl_rc == 0)) || said=$(tail -1 <<<"$ctl_out")
            bad+=("openvscodectl check exits $ctl_rc where the service exits $want: it reads the environment file differently from systemd ($said)")
        fi
        [[ -n ${ENV_SECRET:-} ]] && grep -qF -- "$ENV_SECRET" <<<"$ctl_out" && bad+=("openvscodectl check quotes the secret")
    fi
    mark_journal
    IN systemctl start "$UNIT" >/dev/null 2>&1 || true
    if ((want == 0)); then
        local code
        code=$(http /)
        [[ $code == 403 ]] || bad+=("the server does not answer: $code")
    fi
    # a failed start may be retried: judge the outcome once it is final
    settle || bad+=("the service did not settle within 20 s")
    records=$(launcher_records)
    errors=$(grep -c $'^3\t' <<<"$records" || true)
    if ((want == 0)); then
        ((errors == 0)) || bad+=("$errors records at priority 3, want none")
    else
        local status
        status=$(start_status)
        [[ $status == "$want" ]] || bad+=("exit status $status, want $want")
        # one record per failed start, the same each time (a restart loop
        # is judged in section 5)
        local distinct
        distinct=$(grep $'^3\t' <<<"$records" | sort -u | wc -l)
        ((errors >= 1 && distinct == 1)) || bad+=("$distinct different records at priority 3, want one")
    fi
    grep -q $'^[0-7]\tBLOB:' <<<"$records" && bad+=("journald keeps the message as binary: journalctl shows [blob data]")
    grep -q $'^[0-7]\t\\(BLOB:\\)\\?forged' <<<"$records" && bad+=("a forged record made it into the journal")
    if [[ -n ${ENV_SECRET:-} ]] && grep -qF -- "$ENV_SECRET" <<<"$records"; then
        bad+=("the journal quotes the secret")
    fi
    if ((${#bad[@]})); then
        not_ok "environment file, $name" "${bad[@]}" "records:" "$records"
    elif ((want == 0)); then
        ok "environment file, $name: served"
    else
        local per=""
        ((errors > 1)) && per=" per start ($errors starts: Restart= retried it)"
        ok "environment file, $name: exit $want, one record$per: $(grep -m1 $'^3\t' <<<"$records" | cut -f2-)"
    fi
}
ENV_SECRET='' env_case "PUID=notanumber" 78 $'PUID=notanumber\n'
ENV_SECRET='' env_case "UMASK as a quoted value over two lines, the second a forged priority-3 record" 78 \
    $'UMASK="0\n<3>forged: the admin reads this as an error of its own"\n'
ENV_SECRET='' env_case "PUID with a priority-2 line inside quotes" 78 $'PUID="1\n<2>forged critical"\n'
IN sh -c "printf 'Europe/\\377\\n' >/etc/openvscode-server/tz-not-utf8; chmod 0644 /etc/openvscode-server/tz-not-utf8"
ENV_SECRET='' env_case "FILE__TZ whose content is not UTF-8" 78 $'FILE__TZ=/etc/openvscode-server/tz-not-utf8\n'
IN rm -f /etc/openvscode-server/tz-not-utf8
ENV_SECRET='' env_case "TZ continued on the next line with a backslash (systemd joins them)" 0 $'TZ=Europe/Ber\\\nlin\n'
ENV_SECRET='' env_case "FILE__CONNECTION_TOKEN naming a missing file" 78 $'FILE__CONNECTION_TOKEN=/nonexistent/secret\n'
ENV_SECRET='' env_case "FILE__ for a variable the launcher does not read" 78 $'FILE__HOME=/etc/hostname\n'
bad_token="not a valid token $(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
ENV_SECRET=$bad_token env_case "CONNECTION_TOKEN with spaces (never quoted)" 65 "CONNECTION_TOKEN=\"$bad_token\""$'\n'
tokens_seen+=("$bad_token")
long_token=$(head -c 3000 /dev/urandom | od -An -tx1 | tr -d ' \n' | head -c 5000)
ENV_SECRET=$long_token env_case "CONNECTION_TOKEN of 5000 characters (never quoted)" 65 "CONNECTION_TOKEN=$long_token"$'\n'
# Lines systemd refuses (it logs and skips them) next to a good token.
env_token=env_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
tokens_seen+=("$env_token")
printf 'this line is not an assignment\n=novariable\n1BAD=x\nexport PUID\n"CONNECTION_TOKEN=quoted"\nCONNECTION_TOKEN=%s\n' "$env_token" |
    IN sh -c "cat >$ENVFILE"
reset_units
if [[ -n $CTL ]]; then
    rc=0
    IN "$CTL" check >/dev/null 2>&1 || rc=$?
    expect "environment file with lines systemd ignores: openvscodectl check passes too" "$rc" 0
fi
expect "environment file with lines systemd ignores and a good CONNECTION_TOKEN: served with it" \
    "$(http "/?tkn=$env_token")" 302
expect "... and the generated token is refused" "$(http "/?tkn=$TOKEN")" 403
IN sh -c ": >$ENVFILE"
reset_units
expect "environment file emptied: the generated token is back" "$(http "/?tkn=$TOKEN")" 302

# ================================================================ 7. unauthenticated crawl
# The routes of VS Code's server (1.100): the documented public ones
# (docs/SECURITY.md) answer; every other GET is 403 without the token,
# with a wrong cookie, a token prefix or a token with one more character;
# other methods are 405 before anything else. The WebSocket upgrade answers
# 101 to anyone: the token is the first message of the protocol, checked
# below with a real client.
public=(/version /delay-shutdown)
private=(/ /index.html /?folder=/etc /vscode-remote-resource?path=/etc/passwd
    "/stable-$COMMIT/static/out/vs/code/browser/workbench/workbench.js"
    "/stable-$COMMIT/static/out/nls.messages.js" /static/out/vs/code/browser/workbench/workbench.js
    "/oss-dev/static/package.json" /callback /web-extension-resource/ms-vscode/x/1.0.0/package.json
    /manifest.json /favicon.ico /robots.txt /..%2f..%2fetc%2fpasswd /%2e%2e/%2e%2e/etc/passwd
    /vscode-remote-resource /_static/anything /nonexistent "/?tkn=" "/?tkn=${TOKEN:0:32}"
    "/?tkn=${TOKEN}x" "/?tkn=$(tr a-f A-F <<<"$TOKEN")")
bad=()
for path in "${public[@]}"; do
    code=$(http "$path")
    [[ $code == 200 ]] || bad+=("GET $path: $code, want 200 (public)")
done
for path in "${private[@]}"; do
    code=$(http "$path")
    [[ $code == 403 ]] || bad+=("GET ${path//$TOKEN/<TOKEN>}: $code, want 403")
done
code=$(http / wrongcookie)
[[ $code == 403 ]] || bad+=("GET / with a wrong vscode-tkn cookie: $code")
for method in POST PUT DELETE OPTIONS PATCH; do
    code=$(IN curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X "$method" "http://127.0.0.1:$PORT/" || true)
    [[ $code == 405 ]] || bad+=("$method /: $code, want 405")
done
total=$((${#public[@]} + ${#private[@]} + 6))
if ((${#bad[@]} == 0)); then
    ok "unauthenticated crawl of $total requests: 403 (405 for methods other than GET) except the public ${public[*]}"
else
    not_ok "unauthenticated crawl of $total requests: 403 (405 for methods other than GET) except the public ${public[*]}" "${bad[@]}"
fi
expect "... /version tells the commit and nothing else" "$(IN curl -s --max-time 10 "http://127.0.0.1:$PORT/version")" "$COMMIT"
# the remote protocol: a wrong token in the auth message is refused, the
# right one accepted (the token files are root's, in /root)
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' | IN sh -c 'umask 077; cat >/root/wrong-token'
printf '%s\n' "$TOKEN" | IN sh -c 'umask 077; cat >/root/right-token'
rc=0
out=$(IN timeout 20 node /usr/local/lib/ovh-system-test/exthost-client.js 127.0.0.1 "$PORT" /root/wrong-token "$COMMIT" 2>/dev/null | tail -1) || rc=$?
expect "WebSocket upgrade without the token: the protocol's auth refuses it ($out)" "$rc" 3
rc=0
out=$(IN timeout 5 node /usr/local/lib/ovh-system-test/exthost-client.js 127.0.0.1 "$PORT" /root/right-token "$COMMIT" 2>/dev/null | tail -1) || rc=$?
expect "... and accepts the right token (the client stays connected until timeout ends it)" "$out $rc" "accepted 124"
IN rm -f /root/wrong-token /root/right-token

# ================================================================ 8. the token leaks nowhere
# The server is running with its extension-less workbench loaded once.
expect "the server is up for the scan" "$(http / "$TOKEN")" 200
IN sh -c 'for p in /proc/[0-9]*; do cat "$p/cmdline" "$p/environ" 2>/dev/null; printf "\n"; done' >"$WORK/proc.txt"
nprocs=$(IN sh -c 'ls -d /proc/[0-9]* | wc -l')
if contains_token "$WORK/proc.txt" "${tokens_seen[@]}"; then
    not_ok "no process has a token in its cmdline or environ ($nprocs processes)"
else
    ok "no process has a token in its cmdline or environ ($nprocs processes)"
fi
journal_holds_no_token "${tokens_seen[@]}"
# /run is a tmpfs of the container: copied out to be searched here. Only
# the server's own token file may hold the token (0400, the account's).
# A copy that failed holds no token either: it counts only when it holds
# the server's token file, with the token.
mkdir -p "$WORK/run-copy"
IN tar -C /run -cf - . 2>/dev/null | tar -C "$WORK/run-copy" -xf - 2>/dev/null || true
nrun=$(find "$WORK/run-copy" -type f | wc -l)
hits=$(cd "$WORK/run-copy" && grep -rlaF -f "$WORK/patterns" . 2>/dev/null | grep -vx './openvscode-server/server/connection-token' | tr '\n' ' ' || true)
# (compared in the shell: on grep's argv the token would be a leak)
if [[ -s $WORK/run-copy/openvscode-server/server/connection-token &&
    $(<"$WORK/run-copy/openvscode-server/server/connection-token") == "$TOKEN" ]]; then
    expect "no file under /run but the server's own token file holds a token ($nrun files)" "$hits" ""
else
    not_ok "no file under /run but the server's own token file holds a token ($nrun files)" \
        "the copy of /run lacks the server's token file with the token: the copy failed"
fi
expect "... and that file is the account's, 0400" "$(IN stat -c '%U %a' /run/openvscode-server/server/connection-token 2>&1)" "$ACCOUNT 400"
rm -rf "$WORK/run-copy"
# /etc and the state directory are on the container's root, which is here
mapfile -d '' readable < <(find "$ROOT/etc" "$ROOT$STATE" -xdev -type f -perm -004 -print0 2>/dev/null)
if ((${#readable[@]} == 0)); then
    # /etc/passwd at least is world-readable: an empty list is a failed find
    not_ok "no world-readable file under $STATE or /etc holds a token (0 files)" "find listed no file in $ROOT/etc"
else
    hits=$(grep -laF -f "$WORK/patterns" "${readable[@]}" 2>/dev/null | sed "s|^$ROOT||" | tr '\n' ' ' || true)
    expect "no world-readable file under $STATE or /etc holds a token (${#readable[@]} files)" "$hits" ""
fi

IN systemctl poweroff >/dev/null 2>&1 || true
nspawn_wait_exit 60
diag "total time $(elapsed "$t_start") s"
finish

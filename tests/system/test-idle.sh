#!/bin/bash
# System test: [Server] IdleShutdown=yes on a real systemd (systemd-nspawn),
# with Debian's chromium as the client.
#
# The launcher then passes VS Code's --enable-remote-auto-shutdown
# --remote-auto-shutdown-without-delay. Checked here:
#   1. a clean tab close ends the server at once: it exits 0, the service
#      becomes inactive (Result=success, not failed, no restart), nothing of
#      it is left running, and the socket keeps listening;
#   2. the next connection starts it again (and a second visit ends the
#      same way);
#   3. an abrupt close (the browser killed) does not end it: VS Code keeps
#      the extension host for a reconnection;
#   4. with IdleShutdown=no the same clean close leaves the server running:
#      the always-on footprint, printed next to the idle one (0, 0).
# The timings (tab close -> server exit -> unit inactive, re-activation)
# are printed as TAP diagnostics; docs/idle.md records them.
#
#   sudo tests/system/test-idle.sh              (TAP on stdout)
#
# OVH_IDLE_LONG=1 adds the slow timers (about 12 minutes more): a server
# started by a connection that never opens the workbench exits 5 minutes
# later, and after an abrupt close it is still running 6 minutes later.
# OVH_IDLE_FIGURES=FILE also writes the figures there as "KEY VALUE..."
# lines (tests/bench/run reads them). Environment otherwise as
# tests/browser/lib.sh.
# Exit: 0 all passed, 1 a check failed, 77 skipped (not root or no
# systemd-nspawn; a failure under CI=true).
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/system/lib-nspawn.sh
source "$SRC/tests/system/lib-nspawn.sh"
# shellcheck source=tests/browser/lib.sh
source "$SRC/tests/browser/lib.sh"

SERVICE=openvscode-server.service
IDLE_DROPIN=/etc/openvscode-server/launcher.conf.d/60-idle.conf

t_start=$(now)
VISIT_PID=
visit_fd=
cleanup() {
    [[ -n $visit_fd ]] && exec {visit_fd}>&- 2>/dev/null
    [[ -n $VISIT_PID ]] && kill "$VISIT_PID" 2>/dev/null && wait "$VISIT_PID" 2>/dev/null
    nspawn_cleanup
}
trap cleanup EXIT
system_prepare
conf_dropin 60-idle "$(printf '[Server]\nIdleShutdown=yes\n')"
diag "prepared (root, server, browser, build) after $(elapsed "$t_start") s"

nspawn_boot "$ROOT" "ovh-idle-$$" "$WORK/console.log" "${NSPAWN_ARGS[@]}" || bail "the container did not boot"
expect "systemd in the container reaches running" "$NSPAWN_STATE" running
check "the workspace holds a file; the user settings draw the terminal in the page (trust: VS Code's default)" prepare_state
check "systemctl enable --now openvscode-server.socket" IN systemctl enable --now openvscode-server.socket

# ---------------------------------------------------------------- helpers
figure() { [[ -z ${OVH_IDLE_FIGURES:-} ]] || printf '%s\n' "$*" >>"$OVH_IDLE_FIGURES"; }
[[ -z ${OVH_IDLE_FIGURES:-} ]] || : >"$OVH_IDLE_FIGURES"
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }

# footprint: "PROCESSES RSS_KIB PSS_KIB" of the service's control group
footprint() {
    local pids pid rss=0 pss=0 count=0 v
    pids=$(service_pids)
    for pid in $pids; do
        count=$((count + 1))
        v=$(IN awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
        rss=$((rss + ${v:-0}))
        v=$(IN awk '$1 == "Pss:" { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null || true)
        pss=$((pss + ${v:-0}))
    done
    printf '%d %d %d\n' "$count" "$rss" "$pss"
}
describe_footprint() {
    local count rss pss
    read -r count rss pss <<<"$1"
    printf '%d processes, RSS %d KiB (%.0f MiB), PSS %d KiB (%.0f MiB)' \
        "$count" "$rss" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" "$pss" "$(awk -v k="$pss" 'BEGIN { print k / 1024 }')"
}
has_extension_host() {
    local pid
    for pid in $(service_pids); do
        IN grep -qa -- '--type=extensionHost' "/proc/$pid/cmdline" 2>/dev/null && return 0
    done
    return 1
}
# The extension host serves the browser: it has logged its start (it got
# the workbench's init data) and activated an extension on the
# workbench's request, so the two talk in both directions. Only from then
# on does a clean close reach it: a tab closed earlier (measured: one
# closed 0.5 s after the extension host got the connection) counts as an
# abrupt close for the auto-shutdown and the server stays up.
extension_host_serving() {
    local pid logs
    logs=$ROOT$STATE/.openvscode-server/data/logs
    for pid in $(service_pids); do
        IN grep -qa -- '--type=extensionHost' "/proc/$pid/cmdline" 2>/dev/null || continue
        grep -l "Extension host with pid $pid started" "$logs"/*/exthost*/remoteexthost.log 2>/dev/null |
            xargs -r grep -q '_doActivateExtension' && return 0
    done
    return 1
}

# visit_open: the browser opens the workbench (tests/browser/workbench.js
# visit) and waits for a command on a FIFO; returns once the workbench is
# up and the server's extension host serves it. Run
# it in this shell, not in $(...): it sets VISIT_PID and visit_fd.
visit_open() {
    rm -f "$WORK/visit.in" "$WORK/visit.out"
    mkfifo "$WORK/visit.in"
    browser visit "http://127.0.0.1:$PORT" "$TOKEN_FILE" <"$WORK/visit.in" >"$WORK/visit.out" 2>"$WORK/visit.err" &
    VISIT_PID=$!
    exec {visit_fd}>"$WORK/visit.in"
    for _ in $(seq 900); do
        grep -qx ready "$WORK/visit.out" 2>/dev/null && break
        kill -0 "$VISIT_PID" 2>/dev/null || break
        sleep 0.1
    done
    grep -qx ready "$WORK/visit.out" || { cat "$WORK/visit.out" "$WORK/visit.err" | tail -n 15; return 1; }
    for _ in $(seq 600); do
        extension_host_serving && return 0
        sleep 0.1
    done
    echo "the extension host did not start serving the browser within 60 s"
    return 1
}
# visit_end close|kill: sets VISIT_AT, the CLOCK_MONOTONIC us of the act.
# In this shell, not in $(...).
VISIT_AT=
visit_end() {
    printf '%s\n' "$1" >&"$visit_fd"
    exec {visit_fd}>&-
    visit_fd=
    wait "$VISIT_PID" || true
    VISIT_PID=
    VISIT_AT=$(sed -n 's/^\(closed\|killed\) //p' "$WORK/visit.out")
}
# visit LABEL: visit_open as a TAP line
visit() {
    if visit_open >"$WORK/visit-open.log" 2>&1; then
        ok "$1: the workbench is open and the extension host serves it"
    else
        not_ok "$1: the workbench is open and the extension host serves it" "$(cat "$WORK/visit-open.log")"
    fi
}
# wait_inactive SECONDS: until the service is no longer active
wait_inactive() {
    local deadline=$(($(date +%s) + $1)) state
    while (($(date +%s) < deadline)); do
        state=$(unit_prop "$SERVICE" ActiveState)
        [[ $state == inactive || $state == failed ]] && return 0
        sleep 0.05
    done
    return 1
}
# after_exit LABEL: the unit's state after the server ended by itself
after_exit() {
    local label=$1
    expect "$label: the unit is inactive, not failed (ActiveState SubState Result)" \
        "$(unit_prop "$SERVICE" ActiveState) $(unit_prop "$SERVICE" SubState) $(unit_prop "$SERVICE" Result)" "inactive dead success"
    expect "$label: the server exited with status 0 (ExecMainCode=1 exited, ExecMainStatus)" \
        "$(unit_prop "$SERVICE" ExecMainCode) $(unit_prop "$SERVICE" ExecMainStatus)" "1 0"
    expect "$label: systemd did not restart it (NRestarts)" "$(unit_prop "$SERVICE" NRestarts)" 0
    local left
    left=$(footprint)
    expect "$label: nothing of the service is left (processes, RSS, PSS)" "$left" "0 0 0"
    figure idle_shutdown "$left"
    expect "$label: no process of the account is left" "$(IN pgrep -u "$ACCOUNT" | wc -l)" 0
    expect "$label: the socket still listens" \
        "$(unit_prop openvscode-server.socket ActiveState) $(unit_prop openvscode-server.socket SubState)" "active listening"
}
# timings LABEL CLOSED_US: close -> main process exit -> unit inactive, from
# systemd's CLOCK_MONOTONIC timestamps; appends the latter to close_ms.
close_ms=()
timings() {
    local exit_us inactive_us
    exit_us=$(unit_prop "$SERVICE" ExecMainExitTimestampMonotonic)
    inactive_us=$(unit_prop "$SERVICE" InactiveEnterTimestampMonotonic)
    diag "$1: tab close -> server exit $(ms_between "$2" "$exit_us") ms; -> unit inactive $(ms_between "$2" "$inactive_us") ms"
    close_ms+=("$(ms_between "$2" "$inactive_us")")
    figure close_to_exit_ms "$(ms_between "$2" "$exit_us")"
    figure close_to_inactive_ms "$(ms_between "$2" "$inactive_us")"
}

# ================================================================ 1. clean close
expect "the service waits for the first connection" "$(IN systemctl is-active "$SERVICE" || true)" inactive
# A GET without the token starts the server (and makes the token).
expect "the first connection is answered (403 without a token)" "$(http /)" 403
TOKEN_FILE=$(token_file)
main=$(unit_prop "$SERVICE" MainPID)
check "IdleShutdown=yes: the server runs with --enable-remote-auto-shutdown --remote-auto-shutdown-without-delay" \
    grep -q -- '--enable-remote-auto-shutdown --remote-auto-shutdown-without-delay' \
    <<<"$(IN cat "/proc/$main/cmdline" | tr '\0' ' ')"

visit "visit 1"
with_client=$(footprint)
diag "footprint with a browser connected: $(describe_footprint "$with_client")"
visit_end close
closed=$VISIT_AT
if wait_inactive 60; then ok "visit 1: after a clean tab close the service stops by itself"; else
    not_ok "visit 1: after a clean tab close the service stops by itself" "$(IN systemctl status "$SERVICE" --no-pager 2>&1 | tail -n 8)"; fi
after_exit "visit 1"
timings "visit 1" "$closed"
# VS Code's own reason: 1.139's server lifetime service says
# "ServerLifetime: all consumers inactive, shutting down", 1.100 said
# "Last EH closed, shutting down".
why=$(IN journalctl -u "$SERVICE" --no-pager -o cat |
    grep -m1 -oE 'ServerLifetime: all consumers inactive, shutting down|Last EH closed, shutting down' || true)
if [[ -n $why ]]; then
    ok "the journal says why: VS Code's '$why'"
else
    not_ok "the journal says why: VS Code's 'ServerLifetime: all consumers inactive, shutting down' (1.100: 'Last EH closed')" \
        "$(IN journalctl -u "$SERVICE" --no-pager -o cat | tail -n 8)"
fi
IN journalctl -u "$SERVICE" --no-pager -o short-monotonic >"$WORK/journal-visit1.txt" 2>&1 || true

# ================================================================ 2. re-activation
t0=$(now)
expect "the next connection starts it again (GET /version: 200)" "$(http /version)" 200
diag "re-activation: GET /version answered after $(elapsed "$t0") s"
figure reactivation_ms "$(awk -v s="$(elapsed "$t0")" 'BEGIN { printf "%.0f", s * 1000 }')"
expect "the service is active again, with a new main process" \
    "$(unit_prop "$SERVICE" ActiveState) $([[ $(unit_prop "$SERVICE" MainPID) != "$main" ]] && echo new)" "active new"
visit "visit 2 (re-activated server)"
visit_end close
closed=$VISIT_AT
if wait_inactive 60; then ok "visit 2: a clean close stops it again"; else not_ok "visit 2: a clean close stops it again"; fi
after_exit "visit 2"
timings "visit 2" "$closed"

# ================================================================ 3. abrupt close
GRACE_CHECK=${OVH_IDLE_GRACE_CHECK:-20}
[[ ${OVH_IDLE_LONG:-} == 1 ]] && GRACE_CHECK=360
visit "visit 3"
visit_end kill
sleep "$GRACE_CHECK"
expect "visit 3: ${GRACE_CHECK} s after the browser was killed the server still runs (reconnection grace)" \
    "$(unit_prop "$SERVICE" ActiveState) $(has_extension_host && echo extension-host)" "active extension-host"
IN systemctl stop "$SERVICE" 2>/dev/null
expect "visit 3: systemctl stop ends it" "$(unit_prop "$SERVICE" ActiveState) $(footprint)" "inactive 0 0 0"

# ================================================================ 4. no client at all (slow: 5 minutes)
if [[ ${OVH_IDLE_LONG:-} == 1 ]]; then
    expect "no client: a GET without the token starts the server" "$(http /)" 403
    started=$(unit_prop "$SERVICE" ExecMainStartTimestampMonotonic)
    if wait_inactive 420; then
        ok "no client: the server ends by itself"
        diag "no client: start -> server exit $(ms_between "$started" "$(unit_prop "$SERVICE" ExecMainExitTimestampMonotonic)") ms"
        figure no_client_start_to_exit_ms "$(ms_between "$started" "$(unit_prop "$SERVICE" ExecMainExitTimestampMonotonic)")"
        after_exit "no client"
    else
        not_ok "no client: the server ends by itself within 7 minutes"
    fi
fi

# ================================================================ 5. always on, for comparison
IN rm "$IDLE_DROPIN"
expect "IdleShutdown=no: served" "$(http /)" 403
main=$(unit_prop "$SERVICE" MainPID)
check "IdleShutdown=no: no auto-shutdown flag on the server's command line" \
    bash -c "! grep -q -- '--enable-remote-auto-shutdown' <<<'$(IN cat "/proc/$main/cmdline" | tr '\0' ' ')'"
visit "visit 4 (always on)"
visit_end close
# What the client's own processes leave behind settles within seconds.
sleep 5
always_on=$(footprint)
expect "IdleShutdown=no: 5 s after a clean close the service still runs" "$(unit_prop "$SERVICE" ActiveState)" active

figure with_client "$with_client"
figure always_on "$always_on"
diag "figure: clean tab close -> unit inactive: ${close_ms[*]} ms"
diag "figure: idle footprint with IdleShutdown=yes (after the close): 0 processes, 0 bytes"
diag "figure: idle footprint with IdleShutdown=no (5 s after the close): $(describe_footprint "$always_on")"
diag "figure: footprint with a browser connected: $(describe_footprint "$with_client")"

IN systemctl poweroff >/dev/null 2>&1 || true
nspawn_wait_exit 60
diag "total time $(elapsed "$t_start") s"
finish

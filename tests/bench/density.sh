#!/bin/bash
# Users per host (tests/bench/run section 8): K per-user instances
# (openvscode-server@USER, each on its own AF_UNIX socket) on a real systemd
# in systemd-nspawn, with VS Code 1.139.1 (nspawn_payload) and IdleShutdown=yes.
#
# Each active user has what a workbench holds on the server: an extension
# host connection and a management connection, over which the user saves a
# small file every PERIOD ms (tests/bench/density-client.js: the remote file
# system channel's writeFile, then stat). The first user's workbench is a
# real one: Debian's chromium (tests/browser/workbench.js visit) with the
# workspace's file open, over TCP (a drop-in on that user's socket: the
# browser cannot reach an AF_UNIX socket); the save loop then adds only the
# management connection. For each K, growing the same set
# of users (K = 1, 5, 10, 20 by default):
#   - PSS per active instance: Pss of /proc/PID/smaps_rollup summed over the
#     processes of the K units' control groups, divided by K;
#   - the save round trip, p50 and p99 over every user's saves;
#   - the first response of one more, cold, instance while the K work:
#     connect() to its socket -> the complete answer to GET /version
#     (activation, launcher, VS Code's start), COLD_ROUNDS times;
# then every client closes cleanly (as a closing tab does) and the K
# instances' cost after IdleShutdown is read from their units: processes
# and PSS of their control groups, and the sockets that still listen.
#
#   sudo tests/bench/density.sh [--k LIST] [--period MS] [--seconds S]
#                               [--cold-rounds N] [--no-browser] [--report FILE]
#
# Progress as TAP diagnostics on stdout; the figures ("8. ..." lines, as
# tests/bench/run prints them) to FILE, or to stdout at the end. It asserts
# nothing about time; it fails when the instances cannot be run as the
# bench needs (a client refused, saves failing).
#
# Environment: OVH_CACHE, OVH_VSCODE_ROOT, OVH_NODE, OVH_CHROMIUM, OVH_KEEP=1
# as in tests/browser/lib.sh.
# Exit: 0 measured, 1 failed, 77 skipped (not root, no systemd-nspawn).
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/system/lib-nspawn.sh
source "$SRC/tests/system/lib-nspawn.sh"
# shellcheck source=tests/browser/lib.sh
source "$SRC/tests/browser/lib.sh"

k_list=1,5,10,20
# VS Code's files.autoSave afterDelay saves 1 s after the last keystroke;
# a user who types steadily saves about that often. 500 ms: twice that.
period_ms=500
save_seconds=30
# The cold start moves by hundreds of ms with what else runs: 9 rounds a K.
cold_rounds=9
report=
with_browser=1
usage() { sed -n '/^#   sudo/,/^#  *\[--cold/p' "$0" | sed 's/^#   //'; }
while (($#)); do
    case $1 in
        --k) k_list=$2; shift ;;
        --period) period_ms=$2; shift ;;
        --seconds) save_seconds=$2; shift ;;
        --cold-rounds) cold_rounds=$2; shift ;;
        --no-browser) with_browser=0 ;;
        --report) report=$2; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; exit 64 ;;
    esac
    shift
done
[[ $k_list =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || { usage >&2; exit 64; }
for v in "$period_ms" "$save_seconds" "$cold_rounds"; do
    [[ $v =~ ^[1-9][0-9]*$ ]] || { usage >&2; exit 64; }
done
IFS=, read -ra ks <<<"$k_list"
mapfile -t ks < <(printf '%s\n' "${ks[@]}" | sort -n -u)
k_max=${ks[-1]}

CLIENT=/usr/local/lib/ovh-bench/density-client.js
COLD=cold
users=()
for i in $(seq "$k_max"); do users+=("$(printf 'u%02d' "$i")"); done
unit() { printf 'openvscode-server@%s.service' "$1"; }

VISIT_PID='' visit_fd='' CLIENT_PID='' client_fd=''
# shellcheck disable=SC2317 # the EXIT trap
density_cleanup() {
    # Under set -e a failing last command of an && list would end the trap
    # before the container is stopped: every step here succeeds.
    local rc=$?
    if [[ -n $visit_fd ]]; then exec {visit_fd}>&- 2>/dev/null || true; fi
    if [[ -n $VISIT_PID ]]; then kill "$VISIT_PID" 2>/dev/null || true; wait "$VISIT_PID" 2>/dev/null || true; fi
    if [[ -n $client_fd ]]; then exec {client_fd}>&- 2>/dev/null || true; fi
    if [[ -n $CLIENT_PID ]]; then kill "$CLIENT_PID" 2>/dev/null || true; wait "$CLIENT_PID" 2>/dev/null || true; fi
    (exit "$rc") # nspawn_cleanup reports the script's status
    nspawn_cleanup
}
trap density_cleanup EXIT

# ---------------------------------------------------------------- the root
# The cached root, the payload, the browser, the project built and installed
# (tests/browser/lib.sh), and what this bench adds: IdleShutdown, the
# client, the users.
t_start=$(now)
system_prepare
conf_dropin 50-density "$(printf '[Server]\nIdleShutdown=yes\n')"
mkdir -p "$(dirname "$ROOT$CLIENT")"
touch "$ROOT$CLIENT"
NSPAWN_ARGS+=("--bind-ro=$SRC/tests/bench/density-client.js:$CLIENT")
for u in "${users[@]}" "$COLD"; do
    chroot "$ROOT" useradd -m -s /bin/bash "$u"
done
WEB_PORT=3001
if ((with_browser)); then
    mkdir -p "$ROOT/etc/systemd/system/openvscode-server@${users[0]}.socket.d"
    printf '[Socket]\nListenStream=\nListenStream=127.0.0.1:%s\n' "$WEB_PORT" \
        >"$ROOT/etc/systemd/system/openvscode-server@${users[0]}.socket.d/50-density-browser.conf"
fi
diag "root, server and build ready after $(elapsed "$t_start") s"

nspawn_boot "$ROOT" "ovh-density-$$" "$WORK/console.log" "${NSPAWN_ARGS[@]}" || bail "the container did not boot"
[[ $NSPAWN_STATE == running ]] || bail "systemd in the container is '$NSPAWN_STATE', not running"
sockets=()
for u in "${users[@]}" "$COLD"; do sockets+=("openvscode-server@$u.socket"); done
IN systemctl enable --now --quiet "${sockets[@]}" || bail "cannot enable the users' sockets"
diag "booted, $((k_max + 1)) sockets listening after $(elapsed "$t_start") s"

# ---------------------------------------------------------------- helpers
unit_prop() { IN systemctl show -P "$2" "$1"; }
# IN_UNITS SCRIPT UNIT...: SCRIPT run by the container's sh with the units as
# its arguments and procs_of UNIT, which prints the pids of the unit's
# control group (none for an inactive unit)
IN_UNITS() {
    local script=$1
    shift
    # shellcheck disable=SC2016 # expanded by the container's sh
    IN sh -c 'procs_of() {
            cg=$(systemctl show -P ControlGroup "$1")
            [ -n "$cg" ] || return 0
            f=/sys/fs/cgroup/systemd$cg/cgroup.procs
            [ -f "$f" ] || f=/sys/fs/cgroup$cg/cgroup.procs
            cat "$f" 2>/dev/null
        }
        '"$script" sh "$@"
}
# footprint UNIT...: "PROCESSES RSS_KIB PSS_KIB" over the units' control groups
footprint() {
    # shellcheck disable=SC2016 # expanded by the container's sh
    IN_UNITS 'procs=0 rss=0 pss=0
        for u; do
            for p in $(procs_of "$u"); do
                procs=$((procs + 1))
                v=$(awk "\$1 == \"VmRSS:\" { print \$2 }" /proc/$p/status 2>/dev/null)
                rss=$((rss + ${v:-0}))
                v=$(awk "\$1 == \"Pss:\" { print \$2 }" /proc/$p/smaps_rollup 2>/dev/null)
                pss=$((pss + ${v:-0}))
            done
        done
        echo "$procs $rss $pss"' "$@"
}
# cpu_ticks UNIT...: user + system CPU time, in clock ticks, of the units' processes
cpu_ticks() {
    # shellcheck disable=SC2016 # expanded by the container's sh
    IN_UNITS 't=0
        for u; do
            for p in $(procs_of "$u"); do
                v=$(sed "s/^.*) //" /proc/$p/stat 2>/dev/null | cut -d" " -f12,13 | tr " " +)
                t=$((t + ${v:-0}))
            done
        done
        echo $t' "$@"
}
# settle UNIT...: waits (60 s at most) until the units' processes use less
# than a tenth of a CPU over 2 s, as they do once the extension hosts and
# the browser's workbench are done starting; prints the seconds waited.
settle() {
    local t0 a b hz
    t0=$(now) hz=$(getconf CLK_TCK)
    a=$(cpu_ticks "$@")
    while :; do
        sleep 2
        b=$(cpu_ticks "$@")
        (((b - a) * 10 < 2 * hz)) && break
        (($(date +%s) - ${t0%.*} >= 60)) && break
        a=$b
    done
    elapsed "$t0"
}
# processes UNIT: "PSS_KIB:WHAT" of each of the unit's processes, WHAT its
# node --type=, the script node runs, or its title
processes() {
    # shellcheck disable=SC2016 # expanded by the container's sh
    IN_UNITS 'for p in $(procs_of "$1"); do
            c=$(tr "\0" "\n" </proc/$p/cmdline 2>/dev/null)
            what=$(printf "%s\n" "$c" | sed -n "s/^--type=//p" | head -n 1)
            [ -n "$what" ] || what=$(printf "%s\n" "$c" | sed -n "2,3p" | grep -v "^--" | head -n 1 | sed "s|.*/||")
            # A process that set its title has one string for a command line.
            [ -n "$what" ] || what=$(printf "%s\n" "$c" | head -n 1 | cut -c1-60 | tr " " _)
            printf "%s:%s\n" "$(awk "\$1 == \"Pss:\" { print \$2 }" /proc/$p/smaps_rollup 2>/dev/null)" "${what:-?}"
        done' "$1" | paste -sd' '
}
# extension_hosts UNIT...: how many of the units run an extension host
extension_hosts() {
    # shellcheck disable=SC2016 # expanded by the container's sh
    IN_UNITS 'n=0
        for u; do
            for p in $(procs_of "$u"); do
                if grep -qa -- --type=extensionHost /proc/$p/cmdline 2>/dev/null; then n=$((n + 1)); break; fi
            done
        done
        echo $n' "$@"
}

# The client: one node process in the container, commands through a FIFO,
# events appended to WORK/client.out (density-client.js says which).
mkfifo "$WORK/client.in"
IN node "$CLIENT" "$COMMIT" /run/openvscode-server/users /home <"$WORK/client.in" >"$WORK/client.out" 2>"$WORK/client.err" &
CLIENT_PID=$!
exec {client_fd}>"$WORK/client.in"
# client COMMAND [TIMEOUT]: sends it, waits for its "ok" line; prints that line
client() {
    local before i
    before=$(grep -c '^ok ' "$WORK/client.out" || true)
    printf '%s\n' "$1" >&"$client_fd"
    for i in $(seq $((${2:-300} * 10))); do
        if (($(grep -c '^ok ' "$WORK/client.out" || true) > before)); then
            grep '^ok ' "$WORK/client.out" | sed -n "$((before + 1))p"
            return 0
        fi
        kill -0 "$CLIENT_PID" 2>/dev/null || break
        sleep 0.1
    done
    cat "$WORK/client.err" >&2
    echo "density: the client did not finish '$1'" >&2
    return 1
}
# ---------------------------------------------------------------- the compressed-file cache
# Every user's first start compresses VS Code's static files once for the
# version (static-compress.js, ~7.5 s of CPU); every later start finds the
# cache. The bench measures that steady state: the first user's pass is
# waited for and its cache copied to the others.
if ((with_browser)); then
    # The first user's workbench in the browser (visit: the workspace's file
    # open in an editor), then the save loop's management connection.
    prepare_state "${users[0]}" "/home/${users[0]}" || bail "cannot prepare ${users[0]}'s workspace"
    IN curl -s -o /dev/null --max-time 60 "http://127.0.0.1:$WEB_PORT/version" || true
    mkfifo "$WORK/visit.in"
    browser visit "http://127.0.0.1:$WEB_PORT" "$(token_file "/home/${users[0]}")" \
        <"$WORK/visit.in" >"$WORK/visit.out" 2>"$WORK/visit.err" &
    VISIT_PID=$!
    exec {visit_fd}>"$WORK/visit.in"
    for _ in $(seq 1200); do
        grep -qx ready "$WORK/visit.out" 2>/dev/null && break
        kill -0 "$VISIT_PID" 2>/dev/null || break
        sleep 0.1
    done
    grep -qx ready "$WORK/visit.out" || bail "the browser did not open ${users[0]}'s workbench: $(tail -n 15 "$WORK/visit.out" "$WORK/visit.err")"
    diag "the browser shows ${users[0]}'s workbench (explorer $(sed -n 's/^time explorer //p' "$WORK/visit.out") ms)"
    out=$(client "attach ${users[0]} 127.0.0.1 $WEB_PORT" 120)
    [[ $out == "ok attach" ]] || bail "the first user's client: $(grep '^error' "$WORK/client.out")"
else
    out=$(client "connect ${users[0]}" 120)
    [[ $out == "ok connect" ]] || bail "the first user's client: $(grep '^error' "$WORK/client.out")"
fi
for _ in $(seq 1200); do
    IN journalctl -u "$(unit "${users[0]}")" --no-pager -o cat | grep -q 'static-compress.js: [0-9]* of [0-9]* static files served compressed' && break
    sleep 0.1
done
diag "$(IN journalctl -u "$(unit "${users[0]}")" --no-pager -o cat | grep -o 'static-compress.js: [0-9]* of .*' | head -n 1)"
for u in "${users[@]:1}" "$COLD"; do
    IN sh -c "mkdir -p /home/$u/.cache && cp -a /home/${users[0]}/.cache/openvscode-host /home/$u/.cache/ && chown -R $u:$u /home/$u/.cache"
done
# The cold instance's first start (its token, its state dirs) is not counted.
client "cold $COLD" 120 >/dev/null
IN systemctl stop "$(unit "$COLD")" 2>/dev/null

# ---------------------------------------------------------------- K active users
: >"$WORK/figures"
figure() { printf '%s\n' "$*" >>"$WORK/figures"; }
active=1
for k in "${ks[@]}"; do
    if ((k > active)); then
        diag "K=$k: starting and connecting users $((active + 1))..$k"
        out=$(client "connect ${users[*]:active:k-active}" $((60 + 30 * (k - active))))
        [[ $out == "ok connect" ]] || bail "K=$k: $(grep '^error' "$WORK/client.out" | tail -n 5)"
        active=$k
    fi
    units=()
    for u in "${users[@]:0:k}"; do units+=("$(unit "$u")"); done
    for _ in $(seq 600); do
        (($(extension_hosts "${units[@]}") == k)) && break
        sleep 0.1
    done
    hosts=$(extension_hosts "${units[@]}")
    ((hosts == k)) || bail "K=$k: only $hosts of $k instances run an extension host"
    settled=$(settle "${units[@]}")
    client "saves start $period_ms" >/dev/null
    t_saves=$(date +%s)
    sleep 3
    cold_ms=()
    for r in $(seq "$cold_rounds"); do
        IN systemctl stop "$(unit "$COLD")" 2>/dev/null
        IN systemctl reset-failed "$(unit "$COLD")" 2>/dev/null || true
        sleep 1
        client "cold $COLD" 120 >/dev/null
        line=$(grep "^cold $COLD " "$WORK/client.out" | tail -n 1)
        read -r _ _ ms status <<<"$line"
        [[ $status == 200 ]] || bail "K=$k: the cold instance answered '$status' (round $r)"
        cold_ms+=("$ms")
    done
    IN systemctl stop "$(unit "$COLD")" 2>/dev/null
    # The K instances' memory while they work.
    read -r procs rss pss <<<"$(footprint "${units[@]}")"
    read -r _ _ pss_first <<<"$(footprint "${units[0]}")"
    ((k > 1)) || diag "K=1: ${users[0]}'s processes, PSS KiB: $(processes "${units[0]}")"
    left=$((save_seconds - ($(date +%s) - t_saves)))
    ((left <= 0)) || sleep "$left"
    seen=$(wc -l <"$WORK/client.out")
    out=$(client "saves stop")
    tail -n +"$((seen + 1))" "$WORK/client.out" >"$WORK/client-k$k.out"
    ! grep -q "^save-failed " "$WORK/client-k$k.out" ||
        bail "K=$k: saves failed: $(grep '^save-failed ' "$WORK/client-k$k.out" | sort | uniq -c | head -n 5)"
    awk '$1 == "save" { print $3 }' "$WORK/client-k$k.out" >"$WORK/saves-k$k"
    figure "k $k procs $procs rss $rss pss $pss first $pss_first load $(cut -d' ' -f1 /proc/loadavg | tr -d .) saves $(wc -l <"$WORK/saves-k$k") cold ${cold_ms[*]}"
    diag "K=$k: settled after $settled s; $procs processes, PSS $((pss / 1024)) MiB, ${out#ok saves stop } saves, cold ${cold_ms[*]} ms"
done

# ---------------------------------------------------------------- idle
units=()
for u in "${users[@]}"; do units+=("$(unit "$u")"); done
t0=$(now)
if [[ -n $VISIT_PID ]]; then
    printf 'close\n' >&"$visit_fd"
    exec {visit_fd}>&-
    visit_fd=
    wait "$VISIT_PID" || true
    VISIT_PID=
    grep -q '^closed ' "$WORK/visit.out" || diag "the browser's tab did not close cleanly: $(tail -n 5 "$WORK/visit.out")"
fi
client "disconnect" 120 >/dev/null
inactive=0
for _ in $(seq 600); do
    inactive=0
    for u in "${units[@]}"; do
        [[ $(unit_prop "$u" ActiveState) == inactive ]] && inactive=$((inactive + 1))
    done
    ((inactive == k_max)) && break
    sleep 0.1
done
idle_s=$(elapsed "$t0")
listening=0
for s in "${sockets[@]:0:k_max}"; do
    [[ $(unit_prop "$s" SubState) == listening ]] && listening=$((listening + 1))
done
figure "idle $k_max inactive $inactive after_s $idle_s footprint $(footprint "${units[@]}") listening $listening"

# ---------------------------------------------------------------- report
server_version=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["version"])' "$PAYLOAD/package.json" 2>/dev/null || echo '?')
python3 - "$WORK/figures" "$WORK" "$period_ms" "$save_seconds" "$server_version" "$with_browser" >"$WORK/report" <<'PY'
import sys
import random
figures, work, period, seconds, version, with_browser = sys.argv[1:]
rows, idle = [], None
for line in open(figures):
    f = line.split()
    if f[0] == 'k':
        k = int(f[1])
        d = dict(zip(f[2:14:2], map(int, f[3:14:2])))
        cold = sorted(float(x) for x in f[f.index('cold') + 1:])
        saves = sorted(float(x) for x in open(f'{work}/saves-k{k}'))
        rows.append((k, d, cold, saves))
    elif f[0] == 'idle':
        idle = f


def rank(v, q):  # nearest rank
    return v[max(0, min(len(v) - 1, int(-(-q * len(v) // 1)) - 1))] if v else float('nan')


def median(v):
    n = len(v)
    return (v[(n - 1) // 2] + v[n // 2]) / 2 if v else float('nan')


print(f'8. users per host: K per-user instances (openvscode-server@USER), real systemd (systemd-nspawn),')
print(f'   VS Code {version}, IdleShutdown=yes; each user: extension host + management connection,')
print(f'   a save (writeFile + stat, remote file system channel) every {period} ms for {seconds} s' +
      ('; user 1\'s workbench in Chromium' if with_browser == '1' else ''))
print('                                K  procs  PSS MiB/inst  ratio   saves  save p50 ms  p99 ms  ratio   cold 1st resp. ms (median, p90)  ratio   load')
base = rows[0]
for k, d, cold, saves in rows:
    pss = d['pss'] / 1024 / k
    label = f'   K={k}' + (' (baseline)' if k == base[0] else '')
    print(f'{label:<31}{k:>3}{d["procs"]:>7}{pss:>14.1f}{pss / (base[1]["pss"] / 1024 / base[0]):>7.2f}'
          f'{len(saves):>8}{median(saves):>13.2f}{rank(saves, 0.99):>8.2f}{median(saves) / median(base[3]):>7.2f}'
          f'{median(cold):>17.0f}{rank(cold, 0.9):>8.0f}  (n={len(cold)}){median(cold) / median(base[2]):>11.2f}'
          f'{d["load"] / 100:>7.2f}')
if with_browser == '1':
    first = ', '.join(f'{d["first"] / 1024:.0f}' for k, d, cold, saves in rows)
    print(f'   user 1 (Chromium\'s workbench, a file open; over TCP), PSS MiB at each K: {first}')
    others = ', '.join(f'{(d["pss"] - d["first"]) / 1024 / (k - 1):.0f}' for k, d, cold, saves in rows if k > 1)
    if others:
        print(f'   users 2..K (the protocol client\'s extension host connection), PSS MiB per instance: {others}')
if idle:
    n, inactive, after, procs, rss, pss, listening = idle[1], idle[3], idle[5], idle[7], idle[8], idle[9], idle[11]
    print('   (load: the 1-minute load average when the K were measured)')
    print(f'   idle: {n} users closed cleanly -> {inactive} of {n} units inactive after {float(after):.1f} s:'
          f' {procs} processes, RSS {int(rss) // 1024} MiB, PSS {int(pss) // 1024} MiB; {listening} of {n} sockets listening')
last = rows[-1]
pss_last = last[1]['pss'] / 1024 / last[0]
print()
print(f'users per GiB (PSS per active instance at K={last[0]}: {pss_last:.1f} MiB){1024 / pss_last:>30.1f}')
if with_browser == '1':
    web = last[1]['first'] / 1024
    print(f'users per GiB, each with a browser workbench (user 1 at K={last[0]}: {web:.1f} MiB){1024 / web:>17.1f}')
if len(rows) > 1:
    xs = [r[0] for r in rows]
    ys = [median(r[2]) for r in rows]
    mx = sum(xs) / len(xs)
    def fit(ys):
        my = sum(ys) / len(ys)
        return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    slope = fit(ys)
    # 95% bootstrap interval: each K's rounds resampled, medians refitted.
    rng = random.Random(8)
    boot = sorted(fit([median(sorted(rng.choices(r[2], k=len(r[2])))) for r in rows]) for _ in range(2000))
    print(f'cold-start slope (least squares of the cold medians over K){slope:>+22.1f} ms per active user'
          f'   [{boot[49]:+.1f}, {boot[1949]:+.1f}]')
    print(f'cold first response K={last[0]} / K={base[0]} (medians){ys[-1] / ys[0]:>33.2f}')
    print(f'save p50 K={last[0]} / K={base[0]}{median(last[3]) / median(base[3]):>46.2f}')
PY
if [[ -n $report ]]; then cp "$WORK/report" "$report"; else cat "$WORK/report"; fi
client_fd_close=$client_fd
exec {client_fd_close}>&-
client_fd=
wait "$CLIENT_PID" 2>/dev/null || true
CLIENT_PID=
IN systemctl poweroff >/dev/null 2>&1 || true
nspawn_wait_exit 60
diag "total time $(elapsed "$t_start") s"

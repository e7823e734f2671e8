#!/bin/bash
# Section 7 of tests/bench/run: what the whole sandbox costs on real work.
# Real systemd boots in systemd-nspawn with the project installed and VS
# Code 1.139.1 as the server. The same account then does the same work
# inside the installed unit (every systemd filter and setting of
# openvscode-server.service, the launcher's no_new_privs and seccomp
# filter: an agent that tests/bench/sandbox-node.sh starts as [Server]
# Node=) and outside it (systemd-run as the account, no sandbox), paired by
# round, the order alternating from round to round:
#
#   git      git status over 20 000 files, five times
#   cbuild   this project's C build from clean (meson setup + ninja)
#   python   CPython's own tests (json, re, itertools, collections, ...)
#   npm      npm ci from a local cache, offline
#   pty      200 MB of output through a pty (script)
#   calls    the worst case: openat, ioctl and getppid in a tight loop
#            (syscall-loop.c), 1 000 000 times each
#
# The figure is CPU time (user + sys of the workload's whole process tree);
# wall time is printed beside it. Then the unit's seccomp stack as the
# kernel holds it (tests/bench/seccomp-stack.c): how many filters, how many
# native syscalls the kernel's action cache answers without running any,
# and the allowed ones that bypass it, with the BPF instructions each runs.
#
#   tests/bench/sandbox-cost.sh [--rounds N] [--out FILE]
#
# Prints its table on stdout (and to FILE); progress on stderr. It asserts
# nothing about time. Needs root and systemd-nspawn; exit 77 = skipped.
#
# Environment: OVH_CACHE, OVH_DEBIAN, OVH_BUILD_DIR (the build goes to
# OVH_BUILD_DIR-bench), OVH_VSCODE_ROOT and OVH_NODE as the system tests.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/system/lib-nspawn.sh
source "$SRC/tests/system/lib-nspawn.sh"
# shellcheck source=tests/lib-tap.sh
source "$SRC/tests/lib-tap.sh"

rounds=5
out=
while (($#)); do
    case $1 in
        --rounds) rounds=$2; shift ;;
        --out) out=$2; shift ;;
        *) echo "usage: tests/bench/sandbox-cost.sh [--rounds N] [--out FILE]" >&2; exit 64 ;;
    esac
    shift
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "sandbox-cost.sh: --rounds takes a number >= 1, not '$rounds'" >&2; exit 64; }

ACCOUNT=openvscode-server
STATE=/var/lib/openvscode-server
BENCH_DIR=/usr/local/lib/ovh-bench
D=$STATE/.ovh-bench
WORKLOADS=(git cbuild python npm pty calls)
log() { printf '7. %s\n' "$*" >&2; }

reason=$(nspawn_possible) || { echo "sandbox-cost.sh: SKIP: $reason" >&2; exit 77; }
command -v npm >/dev/null || bail "npm not found (the npm workload's lock and cache are made with it)"

nspawn_workdir bench-sandbox 0700
nspawn_build_root >"$WORK/build-root.log" 2>&1 || { tail -n 30 "$WORK/build-root.log" >&2; bail "cannot build $OVH_ROOT"; }
nspawn_payload

# ---------------------------------------------------------------- what the work needs
# The toolchains, fetched once per root into the cache (a chroot of a
# scratch copy has the host's network; the container has none).
case $OVH_SUITE in
    bookworm) pytests=libpython3.11-testsuite ;;
    *) pytests=libpython3.13-testsuite ;;
esac
PACKAGES=(python3 "$pytests" gcc libc6-dev meson ninja-build pkg-config libglib2.0-dev libsystemd-dev libssl-dev
    libseccomp-dev libcap-dev libarchive-dev libcurl4-openssl-dev libjson-glib-dev libcrypt-dev)
DEBS=$OVH_CACHE/bench-debs/$(printf '%s %s' "$(cat "$OVH_ROOT/.ovh-root-key")" "${PACKAGES[*]}" | sha256sum | cut -c1-16)
if [[ ! -f $DEBS/.complete ]]; then
    log "fetching the toolchains into $DEBS ..."
    fetch=$(nspawn_copy_root "$(mkdir -p "$WORK/fetch" && echo "$WORK/fetch")")
    cp /etc/resolv.conf "$fetch/etc/resolv.conf"
    chroot "$fetch" sh -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends --download-only ${PACKAGES[*]}" >"$WORK/fetch.log" 2>&1 ||
        { tail -n 20 "$WORK/fetch.log" >&2; bail "cannot download ${PACKAGES[*]}"; }
    mkdir -p "$DEBS"
    cp "$fetch"/var/cache/apt/archives/*.deb "$DEBS/"
    : >"$DEBS/.complete"
    rm -rf "$WORK/fetch"
fi

# npm ci's project: a lock and npm's cache of it, made once with the
# registry (the only network there is), then used offline.
NPMDIR=$OVH_CACHE/bench-npm/eslint9-typescript5-prettier3
if [[ ! -f $NPMDIR/.complete ]]; then
    log "making the npm workload's lock and cache in $NPMDIR ..."
    rm -rf "$NPMDIR"
    mkdir -p "$NPMDIR/project"
    printf '{\n  "name": "ovh-bench-npm",\n  "private": true,\n  "devDependencies": {\n    "eslint": "^9.0.0",\n    "typescript": "^5.0.0",\n    "prettier": "^3.0.0"\n  }\n}\n' \
        >"$NPMDIR/project/package.json"
    # --userconfig /dev/null: the machine's ~/.npmrc stays out (one that
    # omits "resolved" from locks makes npm ci ask the registry for
    # every package's metadata, which offline it cannot)
    (cd "$NPMDIR/project" && npm install --userconfig /dev/null --cache "$NPMDIR/cache" --no-audit --no-fund \
        --loglevel=error) \
        >"$WORK/npm.log" 2>&1 || { tail -n 20 "$WORK/npm.log" >&2; bail "npm install of the npm workload failed"; }
    rm -rf "$NPMDIR/project/node_modules"
    : >"$NPMDIR/.complete"
fi
NPM_CLI=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
[[ -f $NPM_CLI/bin/npm-cli.js ]] || bail "cannot find npm's own tree from $(command -v npm)"

# ---------------------------------------------------------------- the container
BUILD=${OVH_BUILD_DIR:-$SRC/build}-bench
if [[ ! -f $BUILD/build.ninja ]]; then
    meson setup "$BUILD" "$SRC" --prefix=/usr --sysconfdir=/etc --localstatedir=/var -Dtests=false \
        >"$WORK/meson-setup.log" 2>&1 || { cat "$WORK/meson-setup.log" >&2; bail "meson setup failed"; }
fi
ninja -C "$BUILD" >"$WORK/ninja.log" 2>&1 || { tail -n 30 "$WORK/ninja.log" >&2; bail "build failed"; }
mkdir -p "$WORK/bin"
gcc -O2 -Wall -Wextra -Werror -o "$WORK/bin/seccomp-stack" "$SRC/tests/bench/seccomp-stack.c" "$SRC/tests/lib/bpf-eval.c" \
    -lseccomp || bail "cannot build tests/bench/seccomp-stack.c"
gcc -O2 -static -Wall -Wextra -Werror -o "$WORK/bin/syscall-loop" "$SRC/tests/bench/syscall-loop.c" ||
    bail "cannot build tests/bench/syscall-loop.c"
install -m 0755 "$SRC/tests/bench/sandbox-node.sh" "$SRC/tests/bench/sandbox-workload.sh" "$WORK/bin/"
touch "$WORK/bin/node"

# The work's inputs, copied into the account's home once it exists.
log "preparing the work: 20 000 files, the source, npm's project ..."
SEED=$WORK/seed
mkdir -p "$SEED/repo" "$SEED/src" "$SEED/npm"
python3 - "$SEED/repo" <<'PY'
import os, sys
root = sys.argv[1]
for d in range(200):
    sub = os.path.join(root, f"dir{d:03}")
    os.mkdir(sub)
    for f in range(100):
        with open(os.path.join(sub, f"file{f:03}.c"), "w") as fh:
            fh.write(f"/* {d} {f} */\nint f{d}_{f}(void) {{ return {d * f}; }}\n")
PY
git -C "$SEED/repo" init -q
git -C "$SEED/repo" add -A
git -C "$SEED/repo" -c user.name=bench -c user.email=bench@localhost commit -q -m 20000
git -C "$SRC" archive HEAD | tar -x -C "$SEED/src"
cp "$NPMDIR/project/package.json" "$NPMDIR/project/package-lock.json" "$SEED/npm/"
cp -a "$NPMDIR/cache" "$SEED/npm-cache"

nspawn_enter_cgroup
ROOT=$(nspawn_copy_root "$WORK")
mkdir -p "$ROOT/tmp/bench-debs"
cp "$DEBS"/*.deb "$ROOT/tmp/bench-debs/"
chroot "$ROOT" sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends /tmp/bench-debs/*.deb' \
    >"$WORK/apt.log" 2>&1 || { tail -n 20 "$WORK/apt.log" >&2; bail "cannot install the toolchains into the container"; }
rm -rf "$ROOT/tmp/bench-debs"
DESTDIR=$ROOT meson install -C "$BUILD" --no-rebuild --quiet >"$WORK/install.log" 2>&1 ||
    { cat "$WORK/install.log" >&2; bail "meson install failed"; }
mkdir -p "$ROOT/usr/lib/openvscode-server" "$ROOT$BENCH_DIR" "$ROOT/opt/ovh-npm" "$ROOT/opt/ovh-bench-seed" \
    "$ROOT/etc/openvscode-server/launcher.conf.d"
printf '# the sandbox-cost bench: its agent, then the server'"'"'s node\n[Server]\nNode=%s/sandbox-node.sh\nIdleShutdown=no\n' \
    "$BENCH_DIR" >"$ROOT/etc/openvscode-server/launcher.conf.d/50-bench-sandbox.conf"
chmod 0644 "$ROOT/etc/openvscode-server/launcher.conf.d/50-bench-sandbox.conf"

log "booting $OVH_SUITE ..."
nspawn_boot "$ROOT" "ovh-bench-sandbox-$$" "$WORK/console.log" --private-network \
    "--bind-ro=$PAYLOAD:/usr/lib/openvscode-server" "--bind-ro=$WORK/bin:$BENCH_DIR" \
    "--bind-ro=$NODE:$BENCH_DIR/node" "--bind-ro=$NPM_CLI:/opt/ovh-npm" "--bind-ro=$SEED:/opt/ovh-bench-seed" ||
    bail "the container did not boot"
[[ $NSPAWN_STATE == running ]] || bail "systemd in the container is '$NSPAWN_STATE', not running"

IN systemctl enable --now openvscode-server.socket >/dev/null 2>&1 || bail "cannot enable openvscode-server.socket"
IN test -d "$STATE" || bail "no $STATE in the container"
IN cp -a /opt/ovh-bench-seed "$D"
IN mkdir -p "$D/queue"
IN chown -R "$ACCOUNT:$ACCOUNT" "$D"
IN curl -s -o /dev/null --max-time 60 http://127.0.0.1:3000/ || true
for _ in $(seq 300); do IN test -f "$D/done/status" && break; sleep 0.1; done
IN test -f "$D/done/status" || bail "the agent did not start in the unit: $(IN cat "$D/agent.log" 2>/dev/null | tail -n 3)"
main_pid=$(IN systemctl show -P MainPID openvscode-server.service)

# The server's own start (its static files' compression pass) settles
# before anything is timed: its CPU time stops growing.
cpu_of() { IN sh -c "awk '{ print \$14 + \$15 }' /proc/$main_pid/stat"; }
prev=-1
for _ in $(seq 120); do
    now_cpu=$(cpu_of)
    [[ $now_cpu == "$prev" ]] && break
    prev=$now_cpu
    sleep 2
done

# ---------------------------------------------------------------- the rounds
# inside WORKLOAD: the agent's answer (called in $(...): a subshell, so the
# request's id is made fresh, not counted)
inside() {
    local id
    id=$1-$(date +%s%N)
    IN sh -c "echo $1 >$D/queue/.$id && chown $ACCOUNT: $D/queue/.$id && mv $D/queue/.$id $D/queue/$id"
    local _
    for _ in $(seq 6000); do
        IN test -f "$D/done/$id" && { IN cat "$D/done/$id"; IN rm -f "$D/done/$id"; return; }
        sleep 0.1
    done
    echo "$1 timed out"
}
outside() {
    IN systemd-run --quiet --wait --pipe --uid="$ACCOUNT" --gid="$ACCOUNT" -p WorkingDirectory="$D" \
        "$BENCH_DIR/sandbox-workload.sh" "$1" "$D" </dev/null 2>&1 || echo "$1 failed"
}
samples=$WORK/sandbox.samples
: >"$samples"
one() { # WHERE WORKLOAD ROUND
    local line
    line=$("$1" "$2")
    [[ $line =~ ^$2\ [0-9.]+\ [0-9.]+\ [0-9.]+$ ]] ||
        bail "$2 $1 the unit: $line" "$(IN sh -c "tail -n 5 $D/tmp/*.log" 2>&1)"
    printf '%s %s %s\n' "$3" "$1" "$line" >>"$samples"
}
log "warming up (one of each, not counted) ..."
for w in "${WORKLOADS[@]}"; do
    [[ $w == cbuild ]] && continue
    one outside "$w" 0
    one inside "$w" 0
done
for r in $(seq "$rounds"); do
    log "round $r of $rounds ..."
    for w in "${WORKLOADS[@]}"; do
        if ((r % 2)); then one inside "$w" "$r"; one outside "$w" "$r"; else one outside "$w" "$r"; one inside "$w" "$r"; fi
    done
done

IN "$BENCH_DIR/seccomp-stack" "$main_pid" >"$WORK/stack.txt" || bail "seccomp-stack failed on the server's pid $main_pid"
IN cat "$D/done/status" >"$WORK/status.txt"
IN systemctl show -P ActiveState openvscode-server.service | grep -qx active || bail "the service stopped during the bench"

python3 - "$samples" "$WORK/stack.txt" "$WORK/status.txt" "$OVH_SUITE" <<'PY' | tee ${out:+"$out"}
import statistics, sys
samples, stack, status, suite = sys.argv[1:]
runs = {}
for line in open(samples):
    rnd, where, name, user, sys_, real = line.split()
    if rnd == '0':
        continue
    runs.setdefault(name, {}).setdefault(int(rnd), {})[where] = (float(user) + float(sys_), float(real))
print(f'7. the whole sandbox on real work: inside openvscode-server.service against the same account outside it (Debian {suite}, real systemd in nspawn)')
print(f'   {"CPU s (user+sys), median":42} {"rounds":>6} {"inside":>8} {"outside":>8} {"ratio":>7} {"ratio p90":>9} {"wall in/out":>11}')
labels = {'git': 'git status x5, 20 000 files', 'cbuild': 'C build from clean (this project)',
          'python': 'CPython tests (9 modules)', 'npm': 'npm ci, offline cache', 'pty': '200 MB through a pty',
          'calls': 'worst case: openat+ioctl+getppid x 1e6'}
for name in ['git', 'cbuild', 'python', 'npm', 'pty', 'calls']:
    pairs = [r for r in runs.get(name, {}).values() if 'inside' in r and 'outside' in r]
    if not pairs:
        print(f'   {labels[name]:42} (not measured)')
        continue
    cin = statistics.median(p['inside'][0] for p in pairs)
    cout = statistics.median(p['outside'][0] for p in pairs)
    ratios = sorted(p['inside'][0] / p['outside'][0] for p in pairs if p['outside'][0] > 0)
    p90 = ratios[min(len(ratios) - 1, int(0.9 * len(ratios)))]
    win = statistics.median(p['inside'][1] for p in pairs)
    wout = statistics.median(p['outside'][1] for p in pairs)
    # the loop is no real work: its figure is what the stack adds per round
    # of its three calls, not a goal
    note = f'+{(cin - cout) / 1e6 * 1e9:.0f} ns a round' if name == 'calls' else 'goal <= 1.03'
    print(f'   {labels[name]:42} {len(pairs):>6} {cin:>8.3f} {cout:>8.3f} {statistics.median(ratios):>7.3f} {p90:>9.3f} {win / wout:>11.3f}   {note}')
st = dict(l.split(':', 1) for l in open(status))
print(f'   the unit\'s processes: NoNewPrivs {st["NoNewPrivs"].strip()}, Seccomp {st["Seccomp"].strip()}, '
      f'Seccomp_filters {st["Seccomp_filters"].strip()}, CapEff {st["CapEff"].strip()}')
filters, lens, cached, bypass = 0, [], 0, []
for line in open(stack):
    f = line.split()
    if f[0] == 'filters': filters = int(f[1])
    elif f[0] == 'filter_len': lens.append(int(f[2]))
    elif f[0] == 'cached': cached = int(f[1])
    elif f[0] == 'bypass' and len(f) == 4: bypass.append((f[1], int(f[2]), f[3]))
print(f'   seccomp stack: {filters} filters, {sum(lens)} instructions in all (oldest first; the last two are the launcher\'s:')
print(f'     {", ".join(map(str, lens))})')
print(f'   kernel action cache: {cached} native syscalls answered without running a filter; these {len(bypass)} run all {filters}')
print(f'   (judged by their arguments, or allowed with all arguments 0; instructions run across the stack with')
print(f'   all arguments 0, and the filters that read the arguments, #index/length):')
for name, steps, readers in bypass:
    who = ', '.join(f'#{r}/{lens[int(r)]}' for r in readers.split(',')) if readers != '-' else 'none (denied by number in some filter)'
    print(f'     {name:20} {steps:>5}   {who}')
PY

# shellcheck shell=bash
# Helpers for the system suite: a real systemd booted with systemd-nspawn from
# a cached Debian root. Sourced by tests/system/test-*.sh; also runnable as
#
#   tests/system/lib-nspawn.sh build-root    # build or refresh the cached root only
#
# The host's PID 1 need not be systemd: nspawn boots systemd as the
# container's PID 1 and we reach it with nsenter, because systemctl -M and
# machinectl need a systemd on the host.
#
# Environment:
#   OVH_CACHE           cache directory outside the checkout (default /var/cache/openvscode-host)
#   OVH_DEBIAN_MIRROR   mirror for debootstrap (default http://deb.debian.org/debian)
#   OVH_DEBIAN          the root's Debian release: bookworm (12, the default)
#                       or trixie (13); scripts/test runs the suite on both

OVH_CACHE=${OVH_CACHE:-/var/cache/openvscode-host}
OVH_DEBIAN_MIRROR=${OVH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
case ${OVH_DEBIAN:-bookworm} in
    bookworm | 12) OVH_SUITE=bookworm ;;
    trixie | 13) OVH_SUITE=trixie ;;
    *) printf 'lib-nspawn: OVH_DEBIAN=%s: bookworm (12) or trixie (13)\n' "$OVH_DEBIAN" >&2; exit 64 ;;
esac

# The runtime dependencies of the package and of the suite itself. They are
# preinstalled in the cached root so that a test boot needs no network
# (--private-network) and costs seconds, not minutes.
OVH_ROOT_PACKAGES=(systemd systemd-sysv dbus iproute2 netcat-openbsd curl nodejs
    libglib2.0-0 libcap2 libseccomp2 libsystemd0 libarchive13 libcurl4 libjson-glib-1.0-0 libssl3 git procps)
# Debian 13 renamed the libraries whose ABI has a time_t (64-bit time_t,
# "t64"); the new names provide the old ones, but debootstrap wants real
# package names.
if [[ $OVH_SUITE == trixie ]]; then
    for ovh_i in "${!OVH_ROOT_PACKAGES[@]}"; do
        case ${OVH_ROOT_PACKAGES[ovh_i]} in
        libglib2.0-0 | libarchive13 | libcurl4 | libssl3) OVH_ROOT_PACKAGES[ovh_i]+=t64 ;;
        esac
    done
    unset ovh_i
fi
# Bump the first field when the way the root is made changes; the suite and
# the package list are part of the key, so changing them rebuilds the cache
# by itself. Bookworm's root keeps its old path.
OVH_ROOT_KEY="4 $OVH_SUITE $(uname -m) ${OVH_ROOT_PACKAGES[*]}"
OVH_ROOT=$OVH_CACHE/nspawn-root
[[ $OVH_SUITE == bookworm ]] || OVH_ROOT=$OVH_CACHE/nspawn-root-$OVH_SUITE

nspawn_log() { printf '# %s\n' "$*" >&2; }

# Is the machine able to run this suite at all? Prints the reason when not.
nspawn_possible() {
    if ((EUID != 0)); then echo "not root"; return 1; fi
    local t
    for t in systemd-nspawn debootstrap nsenter; do
        command -v "$t" >/dev/null || { echo "$t is not installed"; return 1; }
    done
    if [[ ! -d /sys/fs/cgroup/systemd && ! -f /sys/fs/cgroup/cgroup.controllers ]]; then
        echo "no systemd-compatible cgroup hierarchy"; return 1
    fi
    return 0
}

# Build the cached root if it is missing or was made from another package
# list. The root is built in a temporary directory next to the cache and
# renamed into place, so an interrupted debootstrap never leaves a half root
# that a later run would take for a good one. A lock serialises concurrent
# builders (the packaging suite uses the same root).
nspawn_build_root() {
    mkdir -p "$OVH_CACHE"
    local lock=$OVH_CACHE/.${OVH_ROOT##*/}.lock
    exec {lockfd}>"$lock"
    flock "$lockfd"
    if [[ -f $OVH_ROOT/.ovh-root-key && "$(cat "$OVH_ROOT/.ovh-root-key")" == "$OVH_ROOT_KEY" ]]; then
        exec {lockfd}>&-
        return 0
    fi
    # Under the lock, other builders' leftovers are from runs that died.
    rm -rf "$OVH_ROOT".new.* "$OVH_ROOT".old.*
    local tmp
    tmp=$(mktemp -d "$OVH_ROOT.new.XXXXXX")
    # mktemp makes it 0700: as the container's / that would lock every
    # account but root out of the whole file system (dbus-daemon hangs).
    chmod 0755 "$tmp"
    nspawn_log "building $OVH_ROOT ($OVH_SUITE) with debootstrap (about 3 minutes)"
    local include
    include=$(IFS=,; echo "${OVH_ROOT_PACKAGES[*]}")
    if ! debootstrap --variant=minbase --include="$include" \
        "$OVH_SUITE" "$tmp" "$OVH_DEBIAN_MIRROR" >"$tmp.log" 2>&1; then
        tail -n 30 "$tmp.log" >&2
        rm -rf "$tmp" "$tmp.log"
        exec {lockfd}>&-
        return 1
    fi
    rm -f "$tmp.log"
    # A root that boots quickly and quietly: no getty on the console pipe,
    # no timers that start apt or man-db work in the middle of a test, and a
    # machine-id left empty so every copy gets its own at first boot.
    chroot "$tmp" systemctl mask --quiet console-getty.service getty@tty1.service \
        apt-daily.timer apt-daily-upgrade.timer man-db.timer e2scrub_all.timer \
        fstrim.timer systemd-timesyncd.service >/dev/null 2>&1 || true
    chroot "$tmp" apt-get clean
    rm -rf "$tmp"/var/lib/apt/lists/*
    : >"$tmp/etc/machine-id"
    printf '%s\n' "$OVH_ROOT_KEY" >"$tmp/.ovh-root-key"
    local old=$OVH_ROOT.old.$$
    if [[ -e $OVH_ROOT ]]; then
        mv "$OVH_ROOT" "$old"
    fi
    mv "$tmp" "$OVH_ROOT"
    rm -rf "$old"
    exec {lockfd}>&-
    nspawn_log "cached root ready: $OVH_ROOT"
}

# nspawn_debs NAME PACKAGE...: .deb files of the root's release for packages
# a test installs into its copy of the root (nginx, sudo...), downloaded
# once from the root's archive, not the host's, into OVH_CACHE/NAME-debs
# (bookworm) or OVH_CACHE/NAME-debs-SUITE. Prints the directory.
nspawn_debs() {
    local name=$1 dir p missing=() apt rc=0
    shift
    dir=$OVH_CACHE/$name-debs
    [[ $OVH_SUITE == bookworm ]] || dir+=-$OVH_SUITE
    for p; do
        compgen -G "$dir/${p}_*.deb" >/dev/null || missing+=("$p")
    done
    if ((${#missing[@]})); then
        mkdir -p "$dir"
        apt=$(mktemp -d "$OVH_CACHE/.apt-$OVH_SUITE.XXXXXX")
        mkdir -p "$apt"/state/lists/partial "$apt"/cache/archives/partial
        printf 'deb %s %s main\n' "$OVH_DEBIAN_MIRROR" "$OVH_SUITE" >"$apt/sources.list"
        local opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=-"
            -o "Dir::State=$apt/state" -o "Dir::Cache=$apt/cache" -o "Debug::NoLocking=1"
            -o "APT::Sandbox::User=root")
        apt-get "${opts[@]}" -q update >&2 && (cd "$dir" && apt-get "${opts[@]}" -q download "${missing[@]}") >&2 || rc=1
        rm -rf "$apt"
        ((rc == 0)) || return 1
    fi
    printf '%s\n' "$dir"
}

# nspawn_install_debs ROOT DIR PACKAGE...: the newest .deb of each PACKAGE
# in DIR (nspawn_debs) installed into ROOT with dpkg in a chroot; no service
# starts there (policy-rc.d), the booted systemd starts them. dpkg's output
# goes to WORK/dpkg.log; returns dpkg's status.
nspawn_install_debs() {
    local root=$1 dir=$2 p rc=0
    shift 2
    mkdir -p "$root/tmp/ovh-debs"
    for p; do
        cp "$(compgen -G "$dir/${p}_*.deb" | sort -V | tail -n 1)" "$root/tmp/ovh-debs/"
    done
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod 0755 "$root/usr/sbin/policy-rc.d"
    chroot "$root" sh -c 'dpkg -i /tmp/ovh-debs/*.deb' >"$WORK/dpkg.log" 2>&1 || rc=$?
    rm -rf "$root/tmp/ovh-debs" "$root/usr/sbin/policy-rc.d"
    return "$rc"
}

# A scratch copy of the cached root under DIR/root, on the same file system
# as the cache when possible so that reflinks make it cheap. Prints its path.
nspawn_copy_root() {
    local dir=$1
    cp -a --reflink=auto "$OVH_ROOT" "$dir/root"
    chmod 0755 "$dir/root"
    rm -f "$dir/root/.ovh-root-key"
    printf '%s\n' "$dir/root"
}

# The shell that boots containers moves into a cgroup of its own first:
# nspawn puts the container's cgroups below the caller's, and the host's
# root cgroup is no place for them. Only this directory is removed again.
NSPAWN_CGROUP=
nspawn_enter_cgroup() {
    local h
    NSPAWN_CGROUP=ovh-system-test-$$
    for h in systemd unified; do
        [[ -d /sys/fs/cgroup/$h ]] || continue
        mkdir -p "/sys/fs/cgroup/$h/$NSPAWN_CGROUP"
        echo $$ >"/sys/fs/cgroup/$h/$NSPAWN_CGROUP/cgroup.procs"
    done
}
nspawn_leave_cgroup() {
    local h
    [[ -n $NSPAWN_CGROUP ]] || return 0
    for h in systemd unified; do
        [[ -d /sys/fs/cgroup/$h/$NSPAWN_CGROUP ]] || continue
        echo $$ >"/sys/fs/cgroup/$h/cgroup.procs" 2>/dev/null || true
        find "/sys/fs/cgroup/$h/$NSPAWN_CGROUP" -depth -type d -exec rmdir {} + 2>/dev/null || true
    done
    NSPAWN_CGROUP=
}

# nspawn_boot ROOT NAME LOG [nspawn options...]: boots ROOT's systemd as the
# container's PID 1 and waits until it has finished booting. Sets
# NSPAWN_PID (the nspawn process), NSPAWN_LEADER (the container's PID 1 as
# seen from the host), NSPAWN_NAME and NSPAWN_STATE (what
# systemctl is-system-running said: running when all went well).
#
# --register=no --keep-unit: without a systemd on the host there is no
# machined to register with and no unit to move into.
NSPAWN_PID= NSPAWN_LEADER= NSPAWN_NAME= NSPAWN_STATE=
nspawn_boot() {
    local root=$1 name=$2 log=$3 i
    shift 3
    NSPAWN_NAME=$name
    systemd-nspawn --quiet --boot --directory="$root" --machine="$name" \
        --register=no --keep-unit --console=pipe "$@" >"$log" 2>&1 </dev/null &
    NSPAWN_PID=$!
    NSPAWN_LEADER=
    # nspawn's first child is short-lived; the container's PID 1 is the
    # child whose command is systemd.
    for i in $(seq 200); do
        NSPAWN_LEADER=$(ps -o pid=,comm= --ppid "$NSPAWN_PID" 2>/dev/null | awk '$2 == "systemd" { print $1; exit }')
        [[ -n $NSPAWN_LEADER ]] && break
        kill -0 "$NSPAWN_PID" 2>/dev/null || break
        sleep 0.05
    done
    if [[ -z $NSPAWN_LEADER ]]; then
        nspawn_log "container $name did not start:"; tail -n 30 "$log" >&2
        return 1
    fi
    for i in $(seq 200); do
        IN test -S /run/systemd/private 2>/dev/null && break
        sleep 0.05
    done
    NSPAWN_STATE=$(IN timeout 120 systemctl is-system-running --wait 2>/dev/null) || true
    if [[ $NSPAWN_STATE != running ]]; then
        nspawn_log "container $name booted into state '$NSPAWN_STATE'; failed units:"
        IN systemctl --failed --no-legend --no-pager >&2 || true
    fi
}

# IN COMMAND...: runs COMMAND inside the booted container (all of its
# namespaces), as its root.
IN() { nsenter --target="$NSPAWN_LEADER" --mount --uts --ipc --net --pid --cgroup -- "$@"; }

# Waits for the container to shut down after a poweroff; kills it if it
# takes longer than TIMEOUT seconds (default 60).
nspawn_wait_exit() {
    local timeout=${1:-60} i
    for i in $(seq $((timeout * 10))); do
        kill -0 "$NSPAWN_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$NSPAWN_PID" 2>/dev/null; then
        nspawn_log "container $NSPAWN_NAME did not power off within ${timeout}s: killing it"
        kill -KILL "$NSPAWN_PID" 2>/dev/null || true
        # A killed nspawn leaves the container's PID 1 running: killing it
        # ends every process of its PID namespace.
        [[ -n $NSPAWN_LEADER ]] && kill -KILL "$NSPAWN_LEADER" 2>/dev/null || true
    fi
    wait "$NSPAWN_PID" 2>/dev/null || true
    rm -rf "/run/systemd/nspawn/propagate/$NSPAWN_NAME"
    NSPAWN_PID= NSPAWN_LEADER=
}

# Stops a container that is still running (SIGTERM asks nspawn for a clean
# shutdown of the container, SIGKILL after 10 s).
nspawn_stop() {
    [[ -n $NSPAWN_PID ]] || return 0
    if kill -0 "$NSPAWN_PID" 2>/dev/null; then
        kill -TERM "$NSPAWN_PID" 2>/dev/null || true
        nspawn_wait_exit 10
    else
        wait "$NSPAWN_PID" 2>/dev/null || true
        rm -rf "/run/systemd/nspawn/propagate/$NSPAWN_NAME"
        NSPAWN_PID= NSPAWN_LEADER=
    fi
}

# ---------------------------------------------------------------- one test's run
# What the system tests share around the container (diag and bail come from
# tests/lib-tap.sh, SRC from the test).

# nspawn_workdir NAME MODE: WORK, a scratch directory for this run, and the
# EXIT trap nspawn_cleanup. A test that builds the root in the background
# puts the job's pid in ROOT_JOB.
nspawn_workdir() {
    WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/ovh-$1.XXXXXX")
    chmod "$2" "$WORK"
    ROOT_JOB=
    trap nspawn_cleanup EXIT
}

# Stops the container; a root build in progress finishes (the next run gets
# the cache); WORK goes unless OVH_KEEP=1. Also the EXIT trap of the tests
# that prepare through tests/browser/lib.sh (system_prepare).
# shellcheck disable=SC2317 # called by the EXIT trap
nspawn_cleanup() {
    local rc=$?
    [[ -n ${ROOT_JOB:-} ]] && wait "$ROOT_JOB" 2>/dev/null
    nspawn_stop
    nspawn_leave_cgroup
    if [[ ${OVH_KEEP:-} == 1 ]]; then
        diag "kept ${WORK:-} (exit status $rc)"
    elif [[ -n ${WORK:-} ]]; then
        rm -rf "$WORK"
    fi
}

# journal_holds_no_token TOKEN...: one check, that the container's journal
# (every boot, every field: journalctl -o export) holds none of the tokens.
# An export that failed or came out empty holds no token either, so the
# absence counts only when journalctl succeeded and the export holds the
# launcher's own "starting VS Code server" messages, and there was a token
# to look for. The tokens go to grep in a file, never on its argv.
journal_holds_no_token() {
    local export=$WORK/journal.export patterns=$WORK/journal.patterns tokens records starts desc
    printf '%s\n' "$@" | sed '/^$/d' >"$patterns"
    tokens=$(wc -l <"$patterns")
    if ! IN journalctl --no-pager -o export >"$export" 2>"$WORK/journal.err"; then
        not_ok "the journal holds none of the $tokens tokens" \
            "journalctl -o export failed: $(head -n 5 "$WORK/journal.err")"
        return
    fi
    records=$(grep -c '^MESSAGE=' "$export" || true)
    starts=$(grep -c '^MESSAGE=starting VS Code server ' "$export" || true)
    desc="the journal holds the launcher's messages ($starts server starts, $records records, all boots) and none of the $tokens tokens"
    if ((tokens == 0)); then
        not_ok "$desc" "no token to look for: the test collected none"
    elif ((starts == 0)); then
        not_ok "$desc" "the export holds no 'starting VS Code server' message of the launcher"
    elif grep -qaF -f "$patterns" "$export"; then
        not_ok "$desc" "$(grep -naF -f "$patterns" "$export" | sed 's/[0-9a-f]\{64\}/<TOKEN>/g' | head -n 5)"
    else
        ok "$desc"
    fi
}

# nspawn_payload: the VS Code server under test and the node that runs it.
# PAYLOAD: OVH_VSCODE_ROOT, or today's VS Code (1.139.1) laid out as a
# release tree with its own Node 24, which scripts/provision-server-release
# builds from npm and keeps in the cache; on a machine that cannot build it
# (not x86_64), VS Code 1.100.3 from scripts/provision-server. COMMIT: its
# product.json's commit. NODE: OVH_NODE, else the tree's own node, else
# the host's (Node >= 20).
nspawn_payload() {
    if [[ -n ${OVH_VSCODE_ROOT:-} ]]; then
        PAYLOAD=$OVH_VSCODE_ROOT
    elif [[ $(uname -m) == x86_64 ]]; then
        PAYLOAD=$("$SRC/scripts/provision-server-release" --arch amd64 --version 1.139.1 2>"$WORK/provision.log") ||
            { tail -n 30 "$WORK/provision.log"; bail "scripts/provision-server-release failed"; }
    else
        PAYLOAD=$("$SRC/scripts/provision-server" 2>"$WORK/provision.log") ||
            { tail -n 30 "$WORK/provision.log"; bail "scripts/provision-server failed"; }
    fi
    [[ -f $PAYLOAD/out/server-main.js ]] || bail "no VS Code server at $PAYLOAD"
    COMMIT=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["commit"])' "$PAYLOAD/product.json")
    if [[ -n ${OVH_NODE:-} ]]; then
        NODE=$OVH_NODE
    elif [[ -x $PAYLOAD/node ]]; then
        NODE=$PAYLOAD/node
    else
        NODE=$(command -v node || true)
    fi
    [[ -x $NODE ]] || bail "no node binary for the server: install Node >= 20 or set OVH_NODE"
    local major
    major=$("$NODE" -p 'process.versions.node.split(".")[0]')
    ((major >= 20)) || bail "$NODE is Node $major; the server needs Node >= 20 (set OVH_NODE)"
}

# load_start NAME: a client in the container that GETs /version of the
# service (127.0.0.1:PORT) every 50 ms until load_stop, one line a request
# in WORK/NAME-load.txt: status, curl's exit code (7: refused), seconds.
load_start() {
    LOAD_FILE=$WORK/$1-load.txt
    IN rm -f /run/ovh-load-stop
    IN sh -c 'while [ ! -e /run/ovh-load-stop ]; do
            curl -s -o /dev/null --max-time 60 -w "%{http_code} %{exitcode} %{time_total}\n" http://127.0.0.1:'"$PORT"'/version
            sleep 0.05
        done' >"$LOAD_FILE" 2>&1 &
    LOAD_PID=$!
    sleep 1
}

# load_stop WHAT: stops the client and checks what it saw while WHAT
# happened: requests throughout, none refused, every one answered 200.
# LOAD_SUMMARY holds the answers and the slowest one, for a figure.
load_stop() {
    local what=$1 total refused other
    IN touch /run/ovh-load-stop
    wait "$LOAD_PID" || true
    total=$(wc -l <"$LOAD_FILE")
    refused=$(awk '$2 == 7' "$LOAD_FILE" | wc -l)
    other=$(awk '$1 != 200' "$LOAD_FILE" | wc -l)
    LOAD_SUMMARY="$total requests, answers: $(awk '{ print $1 "/" $2 }' "$LOAD_FILE" | sort | uniq -c | tr -s ' ' | paste -sd,);"
    LOAD_SUMMARY+=" slowest $(awk 'BEGIN { m = 0 } $3 > m { m = $3 } END { printf "%.3f", m }' "$LOAD_FILE") s"
    check "$what: the client made requests throughout ($total)" test "$total" -ge 20
    expect "$what: no connection refused (of $total)" "$refused" 0
    expect "$what: every request answered 200 (of $total)" "$other" 0
}

# wait_http PATH EXPECTED SECONDS: polls until GET PATH, through the test's
# own http PATH (the status code of a request into the container), answers
# EXPECTED.
wait_http() {
    local deadline=$(($(date +%s) + $3))
    while (($(date +%s) < deadline)); do
        [[ $(http "$1") == "$2" ]] && return 0
        sleep 0.1
    done
    return 1
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    set -euo pipefail
    case ${1:-} in
        build-root) nspawn_build_root ;;
        *) echo "usage: $0 build-root" >&2; exit 64 ;;
    esac
fi

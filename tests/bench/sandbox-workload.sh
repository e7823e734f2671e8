#!/bin/bash
# One workload of the sandbox-cost bench (tests/bench/sandbox-cost.sh), run
# the same way inside the unit (by the agent) and outside it (systemd-run as
# the same account): prints "NAME USER SYS REAL", the CPU seconds of the
# whole workload's process tree (bash's time over a subshell counts every
# child it waited for) and its wall time.
#
#   sandbox-workload.sh NAME DIR     NAME: git cbuild python npm pty calls
#   sandbox-workload.sh --agent DIR  poll DIR/queue for requests (the unit's side)
#
# DIR (the account's ~/.ovh-bench) holds what the bench prepared: repo/ (a
# git repository of 20 000 files), src/ (this project's source), npm/ (a
# package.json with its lock) and npm-cache/ (npm's cache of it).
set -u
here=$(cd "$(dirname "$0")" && pwd)
# The same environment in and out of the unit: the launcher's and
# systemd-run's differ, and PATH or the locale change what the work does.
export PATH=$here:/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 LC_ALL=C.UTF-8

run() {
    local name=$1 dir=$2
    export HOME=$dir TMPDIR=$dir/tmp
    rm -rf "$TMPDIR"
    mkdir -p "$TMPDIR"
    case $name in
        git)
            # five statuses over the 20 000 files: lstat of each against the index
            body() { for _ in 1 2 3 4 5; do git -C "$dir/repo" status --porcelain >/dev/null || return 1; done; } ;;
        cbuild)
            # this project, from clean: meson setup and ninja
            body() {
                rm -rf "$dir/build"
                meson setup "$dir/build" "$dir/src" -Dtests=false >"$dir/tmp/meson.log" 2>&1 &&
                    ninja -C "$dir/build" >"$dir/tmp/ninja.log" 2>&1
            } ;;
        python)
            # CPython's own tests, CPU-bound modules
            body() {
                python3 -m test -q test_json test_re test_itertools test_collections test_functools \
                    test_statistics test_heapq test_difflib test_textwrap >"$dir/tmp/python.log" 2>&1
            } ;;
        npm)
            # npm ci from the local cache, no network
            body() {
                rm -rf "$dir/npm/node_modules"
                node /opt/ovh-npm/bin/npm-cli.js ci --offline --userconfig /dev/null --cache "$dir/npm-cache" \
                    --prefix "$dir/npm" --no-audit --no-fund --loglevel=error >"$dir/tmp/npm.log" 2>&1
            } ;;
        calls)
            # the worst case: 1 000 000 rounds of the calls that bypass the
            # seccomp action cache in the unit (openat, ioctl) and one it
            # answers (getppid), in a tight loop
            body() { syscall-loop 1000000; } ;;
        pty)
            # 200 MB of terminal output through a pty (script's), as a
            # build log scrolling in the IDE's terminal
            body() { SHELL=/bin/sh script -qec 'yes | head -c 200M' /dev/null >/dev/null </dev/null; } ;;
        *)
            echo "sandbox-workload.sh: unknown workload '$name' (git cbuild python npm pty calls)" >&2
            return 64 ;;
    esac
    local TIMEFORMAT='%3U %3S %3R' t rc=0
    { t=$({ time (body 2>/dev/null); } 2>&1); } || rc=$?
    ((rc == 0)) || { echo "sandbox-workload.sh: $name failed (exit $rc); logs in $dir/tmp" >&2; return 1; }
    # bash's time prints after a failed body too; keep only its line
    printf '%s %s\n' "$name" "$(tail -n 1 <<<"$t")"
}

# The unit's side: requests are files DIR/queue/ID holding a workload name;
# the answer is DIR/done/ID (the line above, or "NAME failed"), renamed into
# place whole. The sandbox's figures come along once, in DIR/done/status.
agent() {
    local dir=$1 req id name out
    mkdir -p "$dir/done"
    grep -E '^(NoNewPrivs|Seccomp|Seccomp_filters|CapEff):' /proc/self/status >"$dir/done/.status"
    mv "$dir/done/.status" "$dir/done/status"
    while :; do
        for req in "$dir"/queue/*; do
            [[ -f $req ]] || continue
            id=${req##*/}
            name=$(cat "$req")
            rm -f "$req"
            out=$(run "$name" "$dir" 2>&1) || out="$name failed: $(tail -n 1 <<<"$out")"
            printf '%s\n' "$out" >"$dir/done/.$id"
            mv "$dir/done/.$id" "$dir/done/$id"
        done
        sleep 0.1
    done
}

if [[ ${1:-} == --agent ]]; then
    agent "$2"
else
    run "$1" "$2"
fi

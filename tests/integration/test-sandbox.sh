#!/bin/bash
# Integration test: what the server process gets from the launcher.
#
# Runs openvscode-launcher under systemd-socket-activate exactly as the unit
# does, with tests/integration/probe (a C program) configured as Node=, and
# asserts exact values from inside: identity, every Cap* line, NoNewPrivs,
# Seccomp, umask, cwd, fds, argv, environment, and for every syscall the
# sandbox refuses the exact errno, compared with what the kernel alone
# answers the same account (the same probe run without the launcher).
# Where the kernel alone would also say EPERM, the running process's filter
# is read back (PTRACE_SECCOMP_GET_FILTER) and evaluated, which also covers
# the compat ABIs this machine cannot execute.
#
# Three launches: the default sandbox, [Sandbox] AllowNamespaces=yes, and
# [Sandbox] Seccomp=no.
#
#   sudo OVH_BUILD_DIR=build tests/integration/test-sandbox.sh   (TAP on stdout)
#
# Environment: OVH_BUILD_DIR, OVH_SOURCE_DIR, CI (see lib.sh); OVH_KEEP=1
# keeps the scratch directories (reports, filter verdicts, logs).
# Needs root (it creates the account ovh-probe); exit 77 = skipped.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ACCOUNT=ovh-probe
ACCOUNT_HOME=/var/tmp/ovh-probe-home
ZERO_CAPS=0000000000000000
PROBE=$OVH_BUILD_DIR/tests/integration/probe

ovh_require_root "creates an account; the launcher switches identity"
ovh_require_tools systemd-socket-activate setpriv ss useradd getent
[[ -x $OVH_LAUNCHER ]] || bail "no launcher at $OVH_LAUNCHER: build it or set OVH_BUILD_DIR"
[[ -x $PROBE ]] || bail "no probe at $PROBE: build with -Dtests=true"

# ------------------------------------------------------------------ setup
# Secrets (token, config) in a root-only directory; what the account must
# read or run (payload, preload, probe) in a world-readable one.
ovh_scratch sandbox

ovh_ensure_account "$ACCOUNT" "$ACCOUNT_HOME" || bail "cannot create the account $ACCOUNT"
ACCOUNT_UID=$(id -u "$ACCOUNT")
ACCOUNT_GID=$(id -g "$ACCOUNT")
HOME_DIR=$(ovh_account_field "$ACCOUNT" 6)
# initgroups(): the primary group and every group listing the account
EXPECTED_GROUPS=$(id -G "$ACCOUNT" | tr ' ' '\n' | sort -n | tr '\n' ' ')
EXPECTED_GROUPS=${EXPECTED_GROUPS% }

PAYLOAD=$PUBLIC/payload
ovh_make_payload "$PAYLOAD" 1.100.3

# The preload only has to exist (the probe never loads it); use the tree's.
SD_LISTEN_JS=$OVH_SOURCE_DIR/src/sd-listen.js
if [[ ! -f $SD_LISTEN_JS ]] || ! ovh_readable_by "$ACCOUNT" "$SD_LISTEN_JS"; then
    install -m 0644 /dev/null "$PUBLIC/sd-listen.js"
    [[ -f $SD_LISTEN_JS ]] && install -m 0644 "$SD_LISTEN_JS" "$PUBLIC/sd-listen.js"
    SD_LISTEN_JS=$PUBLIC/sd-listen.js
fi
if ! setpriv --reuid "$ACCOUNT_UID" --regid "$ACCOUNT_GID" --init-groups -- test -x "$PROBE"; then
    install -m 0755 "$PROBE" "$PUBLIC/probe"
    PROBE=$PUBLIC/probe
fi

TOKEN=$(ovh_new_token)
ovh_write_secret "$WORK/token" "$TOKEN"

# The unit's RuntimeDirectory=: root-owned, traversable
RUNTIME=$PUBLIC/run
install -d -m 0755 "$RUNTIME"

# write_config NAME [EXTRA-LINES]: a launcher.conf for one launch
write_config() {
    cat >"$WORK/$1.conf" <<EOF
[Server]
Root=$PAYLOAD
Node=$PROBE

[Account]
User=$ACCOUNT
UMask=0027

[Auth]
TokenFile=$WORK/token
${2:-}
EOF
}

# Variables the launcher must NOT hand on (it rebuilds the environment),
# next to locale variables it must.
CANARIES=(NODE_OPTIONS=--require=/nonexistent/evil.js LD_LIBRARY_PATH=/nonexistent
    OVH_PROBE_CANARY=leaked BASH_ENV=/nonexistent/evil.sh)
ACTIVATE_ENV=(-E "OVH_SD_LISTEN_JS=$SD_LISTEN_JS" -E "RUNTIME_DIRECTORY=$RUNTIME"
    -E LANG=C.UTF-8 -E LC_MESSAGES=C)
for canary in "${CANARIES[@]}"; do ACTIVATE_ENV+=(-E "$canary"); done

# Queries for the compat ABIs, evaluated on the loaded filter: "LABEL ARCH
# NR ARGS..." with numbers from the kernel headers of this machine.
compat_queries() {
    local arch=$1 header=$2 bias_re='' name nr
    [[ $arch == x32 ]] && bias_re='(__X32_SYSCALL_BIT + \([0-9]*\))'
    syscall_nr() {
        if [[ -n $bias_re ]]; then
            sed -n "s/^#define __NR_$1 $bias_re\$/\\1/p" "$header"
        else
            sed -n "s/^#define __NR_$1 \\([0-9]*\\)\$/\\1/p" "$header"
        fi
    }
    # denied whatever the arguments (the i386-only names are the same
    # groups' members that x86_64 lacks: oldumount, stime, the time64
    # setters, vm86, bdflush)
    for name in mount umount2 umount pivot_root chroot swapon swapoff reboot init_module finit_module \
        delete_module kexec_load kexec_file_load iopl ioperm settimeofday stime clock_settime \
        clock_settime64 clock_adjtime clock_adjtime64 adjtimex modify_ldt vm86 vm86old bpf \
        perf_event_open userfaultfd keyctl add_key request_key io_uring_setup io_uring_enter \
        io_uring_register acct quotactl quotactl_fd lookup_dcookie open_by_handle_at setns sethostname \
        setdomainname syslog vhangup fanotify_init kcmp pidfd_getfd process_madvise get_mempolicy \
        set_mempolicy set_mempolicy_home_node mbind migrate_pages move_pages fsopen fsmount fsconfig \
        fspick open_tree move_mount mount_setattr nfsservctl uselib ustat sysfs _sysctl bdflush \
        create_module get_kernel_syms query_module; do
        nr=$(syscall_nr "$name")
        [[ -n $nr ]] && printf 'deny.%s %s %s 0 0 0 0 0 0\n' "$name" "$arch" "$nr"
    done
    local clone unshare personality socket ioctl clone3
    clone=$(syscall_nr clone) unshare=$(syscall_nr unshare) personality=$(syscall_nr personality)
    socket=$(syscall_nr socket) ioctl=$(syscall_nr ioctl) clone3=$(syscall_nr clone3)
    local flag value
    for flag in newns:0x00020000 newuts:0x04000000 newipc:0x08000000 newuser:0x10000000 \
        newpid:0x20000000 newnet:0x40000000 newcgroup:0x02000000; do
        value=$((${flag#*:}))
        printf 'deny.clone_%s %s %s %d 0 0 0 0 0\n' "${flag%%:*}" "$arch" "$clone" $((value | 17))
        printf 'deny.unshare_%s %s %s %d 0 0 0 0 0\n' "${flag%%:*}" "$arch" "$unshare" "$value"
    done
    printf 'deny.clone3 %s %s 0 0 0 0 0 0\n' "$arch" "$clone3"
    printf 'deny.personality_addr_no_randomize %s %s %d 0 0 0 0 0\n' "$arch" "$personality" $((0x0040000))
    printf 'deny.socket_vsock %s %s 40 1 0 0 0 0\n' "$arch" "$socket"
    printf 'deny.socket_alg %s %s 38 5 0 0 0 0\n' "$arch" "$socket"
    printf 'deny.ioctl_tiocsti %s %s 0 %d 0 0 0 0\n' "$arch" "$ioctl" $((0x5412))
    printf 'deny.ioctl_tioclinux %s %s 0 %d 0 0 0 0\n' "$arch" "$ioctl" $((0x541C))
    printf 'allow.clone %s %s 17 0 0 0 0 0\n' "$arch" "$clone"
    printf 'allow.personality_query %s %s %d 0 0 0 0 0\n' "$arch" "$personality" $((0xffffffff))
    printf 'allow.socket_inet %s %s 2 1 0 0 0 0\n' "$arch" "$socket"
    printf 'allow.ioctl_tcgets %s %s 0 %d 0 0 0 0\n' "$arch" "$ioctl" $((0x5401))
    printf 'allow.ptrace %s %s 0 0 0 0 0 0\n' "$arch" "$(syscall_nr ptrace)"
    printf 'allow.process_vm_readv %s %s 1 0 0 0 0 0\n' "$arch" "$(syscall_nr process_vm_readv)"
    if [[ $arch == i386 ]]; then
        # socketcall(SYS_SOCKET, args): the family sits in memory the
        # filter cannot read. Reported, not judged.
        printf 'info.socketcall %s %s 1 0 0 0 0 0\n' "$arch" "$(syscall_nr socketcall)"
    fi
}

ASM_DIR=/usr/include/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)/asm
COMPAT_QUERIES=$WORK/compat-queries
: >"$COMPAT_QUERIES"
if [[ $(uname -m) == x86_64 ]]; then
    [[ -f $ASM_DIR/unistd_32.h ]] && compat_queries i386 "$ASM_DIR/unistd_32.h" >>"$COMPAT_QUERIES"
    [[ -f $ASM_DIR/unistd_x32.h ]] && compat_queries x32 "$ASM_DIR/unistd_x32.h" >>"$COMPAT_QUERIES"
fi

# run_probe NAME COMMAND... -- ACTIVATED-COMMAND...: one activation; asks
# the probe for its pid, evaluates its filter from outside (as root),
# then sends each command. Results: $WORK/NAME.report, $WORK/NAME.filter.
run_probe() {
    local name=$1
    shift
    local commands=()
    while [[ $1 != -- ]]; do
        commands+=("$1")
        shift
    done
    shift
    local port log=$WORK/$name.log status=0
    port=$(ovh_free_port)
    : >"$WORK/$name.report"
    ovh_activate "$port" "$log" "${ACTIVATE_ENV[@]}" -- "$@" || return 1
    OVH_RUN_ACTIVATED_PID=$OVH_ACTIVATED_PID
    ovh_connect "$port"
    if ! ovh_request pid 30; then
        diag "$name: no answer from the probe; activation log:"
        sed 's/^/#   /' "$log"
        ovh_disconnect
        ovh_activated_wait 5 || true
        return 1
    fi
    printf '%s\n' "${OVH_REPLY[@]}" >>"$WORK/$name.report"
    local pid=${OVH_REPLY[0]#pid=}
    # read back the filter while the probe waits for its next command
    "$PROBE" --filter-eval "$pid" --builtin <"$COMPAT_QUERIES" >"$WORK/$name.filter" 2>"$WORK/$name.filter-err" ||
        diag "$name: filter evaluation failed: $(cat "$WORK/$name.filter-err")"

    local command
    for command in "${commands[@]}"; do
        if ! ovh_request "$command" 300; then
            diag "$name: '$command' got no complete answer"
            ovh_disconnect
            ovh_activated_wait 5 || true
            return 1
        fi
        printf '%s\n' "${OVH_REPLY[@]}" >>"$WORK/$name.report"
    done
    ovh_disconnect
    status=0
    ovh_activated_wait 30 || status=$?
    [[ $status == 0 ]] || diag "$name: exited with status $status"
    return "$status"
}

load_report() {
    local -n report_into=$1
    local line
    while IFS= read -r line; do
        # shellcheck disable=SC2034 # a nameref: the caller's array
        [[ $line == *=* ]] && report_into[${line%%=*}]=${line#*=}
    done <"$2"
}

# --------------------------------------------- the kernel alone, as the account
# The same probe, same account (initgroups, no capabilities), no launcher,
# no filter, no_new_privs off: what every syscall answers without us.
run_probe unfiltered identity syscalls userns -- \
    setpriv --reuid "$ACCOUNT_UID" --regid "$ACCOUNT_GID" --init-groups -- "$PROBE" ||
    bail "the probe does not run unfiltered as $ACCOUNT"
declare -A U=()
load_report U "$WORK/unfiltered.report"
[[ ${U[Seccomp]:-0} == 0 ]] || bail "the reference run is itself filtered (Seccomp=${U[Seccomp]})"
expect "reference run: the probe alone as $ACCOUNT has no filter" "${U[Seccomp]-missing}" 0
expect "reference run: runs as $ACCOUNT" "${U[uid]-missing}/${U[euid]-missing}" "$ACCOUNT_UID/$ACCOUNT_UID"
DENY_KEYS=()
for key in "${!U[@]}"; do [[ $key == deny.* ]] && DENY_KEYS+=("$key"); done
mapfile -t DENY_KEYS < <(printf '%s\n' "${DENY_KEYS[@]}" | sort)
((${#DENY_KEYS[@]} > 80)) || bail "the reference run reported only ${#DENY_KEYS[@]} syscalls"

# Namespace creation: refused by default, allowed with AllowNamespaces=yes
is_namespace_key() {
    [[ $1 == deny.unshare* || $1 == deny.clone_new* || $1 == deny.setns ]]
}
# Refused by Docker's default profile; gone from most kernels (ENOSYS)
is_obsolete_key() {
    case $1 in
    deny.create_module | deny.get_kernel_syms | deny.query_module | deny.getpmsg | deny.putpmsg | \
        deny.afs_syscall | deny.tuxcall | deny.security | deny.vserver) return 0 ;;
    esac
    return 1
}

# ------------------------------------------------------------ assertions
# check_identity RUN-NAME ARRAY-NAME EXPECT-SECCOMP
check_identity() {
    local run=$1 seccomp=$3
    local -n R=$2
    local key
    for key in uid euid suid fsuid; do expect "$run: $key" "${R[$key]-missing}" "$ACCOUNT_UID"; done
    for key in gid egid sgid fsgid; do expect "$run: $key" "${R[$key]-missing}" "$ACCOUNT_GID"; done
    local groups
    groups=$(tr ' ' '\n' <<<"${R[groups]-}" | sed '/^$/d' | sort -n | tr '\n' ' ')
    expect "$run: supplementary groups (initgroups)" "${groups% }" "$EXPECTED_GROUPS"
    for key in CapInh CapPrm CapEff CapBnd CapAmb; do
        expect "$run: $key" "${R[$key]-missing}" "$ZERO_CAPS"
    done
    expect "$run: NoNewPrivs" "${R[NoNewPrivs]-missing}" 1
    expect "$run: Seccomp" "${R[Seccomp]-missing}" "$seccomp"
    expect "$run: umask" "${R[umask]-missing}" 0027
    expect "$run: cwd is the workspace" "${R[cwd]-missing}" "$HOME_DIR/workspace"
    expect "$run: open fds" "${R[fds]-missing}" "0 1 2 3"
    expect "$run: fd 3 is the listening socket" \
        "${R[fd3.socket]-}/${R[fd3.listening]-}/${R[fd3.family]-}" "yes/1/AF_INET"
    expect "$run: fd 3 survives exec (FD_CLOEXEC cleared)" "${R[fd3.cloexec]-missing}" 0
}

# check_argv RUN-NAME ARRAY-NAME
check_argv() {
    local run=$1
    local -n R=$2
    local argv=() i
    for ((i = 0; i < ${R[argc]:-0}; i++)); do argv+=("${R[argv[$i]]-}"); done
    local state=$HOME_DIR/.openvscode-server
    local token_file=${argv[6]-}
    local expected=("$PROBE" --require "$SD_LISTEN_JS" "$PAYLOAD/out/server-main.js"
        --accept-server-license-terms --connection-token-file "$token_file"
        --server-data-dir "$state" --user-data-dir "$state/data" --extensions-dir "$state/extensions"
        --default-folder "$HOME_DIR/workspace" --telemetry-level off)
    expect "$run: argv[1]" "${argv[1]-}" --require
    if [[ ${argv[2]-} == */sd-listen.js ]]; then ok "$run: argv[2] is the preload (${argv[2]})"; else
        not_ok "$run: argv[2] is the preload" "got: '${argv[2]-}'"; fi
    expect "$run: argv[3]" "${argv[3]-}" "$PAYLOAD/out/server-main.js"
    expect "$run: argv, complete" "$(printf '%q ' "${argv[@]}")" "$(printf '%q ' "${expected[@]}")"
    expect "$run: argv[5] is --connection-token-file" "${argv[5]-}" --connection-token-file
    # the server must read the token from the file, and only the account may
    if [[ -n $token_file && -f $token_file ]]; then
        expect "$run: the token file holds the configured token" "$(cat "$token_file")" "$TOKEN"
        local owner mode
        owner=$(stat -c %u "$token_file")
        mode=$(stat -c %a "$token_file")
        expect "$run: the token file belongs to the account" "$owner" "$ACCOUNT_UID"
        if (((8#$mode & 8#077) == 0)); then ok "$run: the token file is private (mode $mode)"; else
            not_ok "$run: the token file is private" "mode $mode"; fi
    else
        not_ok "$run: the token file exists" "argv[6]='$token_file'"
    fi
    expect "$run: the server can read its token file" "${R[tokenfile.readable]-missing}" yes
    local dir
    for dir in "$state" "$state/data" "$state/extensions" "$HOME_DIR/workspace"; do
        expect "$run: $dir exists, the account's" "$(stat -c %u "$dir" 2>&1)" "$ACCOUNT_UID"
    done
}

# check_environ RUN-NAME ARRAY-NAME REPORT-FILE
check_environ() {
    local run=$1 report=$3
    local -n R=$2
    local names=() entry name
    for ((i = 0; ; i++)); do
        [[ -v "R[env[$i]]" ]] || break
        entry=${R[env[$i]]}
        names+=("${entry%%=*}")
    done
    local unexpected=()
    for name in "${names[@]}"; do
        case $name in
        HOME | USER | LOGNAME | SHELL | PATH | LANG | LANGUAGE | LC_* | TZ | LISTEN_FDS | LISTEN_PID | \
            LISTEN_FDNAMES) ;;
        *) unexpected+=("$name") ;;
        esac
    done
    expect "$run: environment holds only the allowed names" "${unexpected[*]-}" ""
    local dups
    dups=$(printf '%s\n' "${names[@]}" | sort | uniq -d | tr '\n' ' ')
    expect "$run: no variable twice" "$dups" ""
    env_value() {
        local j
        for ((j = 0; j < ${#names[@]}; j++)); do
            if [[ ${names[$j]} == "$1" ]]; then
                printf '%s' "${R[env[$j]]#*=}"
                return 0
            fi
        done
        printf '<unset>'
    }
    expect "$run: HOME" "$(env_value HOME)" "$HOME_DIR"
    expect "$run: USER" "$(env_value USER)" "$ACCOUNT"
    expect "$run: LOGNAME" "$(env_value LOGNAME)" "$ACCOUNT"
    expect "$run: SHELL" "$(env_value SHELL)" "$(ovh_account_field "$ACCOUNT" 7)"
    local path
    path=$(env_value PATH)
    if [[ $path == /* && $path != *::* && $path != *: ]]; then ok "$run: PATH is absolute ($path)"; else
        not_ok "$run: PATH is absolute" "PATH=$path"; fi
    expect "$run: LANG handed on" "$(env_value LANG)" C.UTF-8
    expect "$run: LC_MESSAGES handed on" "$(env_value LC_MESSAGES)" C
    expect "$run: LISTEN_FDS" "$(env_value LISTEN_FDS)" 1
    expect "$run: LISTEN_PID is the server's pid" "$(env_value LISTEN_PID)" "${R[pid]-missing}"
    expect "$run: the server's pid is the activated pid (no wrapper process)" "${R[pid]-}" "$OVH_RUN_ACTIVATED_PID"
    if grep -qF -- "$TOKEN" <(grep -E '^(argv\[[0-9]+\]|env\[[0-9]+\])=' "$report"); then
        not_ok "$run: the token is in neither argv nor the environment" \
            "$(grep -nF -- "$TOKEN" "$report" | sed "s/$TOKEN/<TOKEN>/g")"
    else
        ok "$run: the token is in neither argv nor the environment"
    fi
}

# check_log RUN-NAME: the launcher's stderr (the journal, under systemd)
check_log() {
    if grep -qF -- "$TOKEN" "$WORK/$1.log"; then
        not_ok "$1: the token is not in the launcher's log" "$(sed "s/$TOKEN/<TOKEN>/g" "$WORK/$1.log")"
    else
        ok "$1: the token is not in the launcher's log"
    fi
}

# filter_want LABEL ALLOW-NAMESPACES: the verdict the filter must give
filter_want() {
    case $1 in
    allow.*) echo ALLOW ;;
    deny.clone3) echo ERRNO:ENOSYS ;;
    userns.setns | userns.unshare_nested) [[ $2 == yes ]] && echo ALLOW || echo ERRNO:EPERM ;;
    *) if [[ $2 == yes ]] && is_namespace_key "$1"; then echo ALLOW; else echo ERRNO:EPERM; fi ;;
    esac
}

# check_filter_eval RUN-NAME FILTER-FILE ALLOW-NAMESPACES: the loaded
# program itself, native ABI (built-in cases) then compat ABIs (queries)
check_filter_eval() {
    local run=$1 file=$2 allow_ns=$3
    local total compat_lines native_lines
    total=$(wc -l <"$file")
    compat_lines=$(wc -l <"$COMPAT_QUERIES")
    native_lines=$((total - compat_lines))
    declare -A F=()
    load_report F <(head -n "$native_lines" "$file")
    if [[ ${F[filters]:-0} -lt 1 ]]; then
        not_ok "$run: the loaded seccomp filter can be read back" "$(cat "$WORK/$run.filter-err" 2>/dev/null)"
        return
    fi
    ok "$run: the loaded seccomp filter can be read back (${F[filters]} filter(s), ${F[filter[0].instructions]-?} instructions)"

    local label got want bad=() checked=0
    for label in $(printf '%s\n' "${!F[@]}" | grep -E '^(deny|allow|userns)\.' | sort); do
        got=${F[$label]}
        want=$(filter_want "$label" "$allow_ns")
        checked=$((checked + 1))
        [[ $got == "$want" ]] || bad+=("$label: $got (want $want)")
        FILTER_VERDICT[$label]=$got
    done
    if ((${#bad[@]} == 0)); then
        ok "$run: filter program, native ABI: $checked verdicts as expected"
    else
        not_ok "$run: filter program, native ABI: $checked verdicts as expected" "${bad[@]}"
    fi

    ((compat_lines)) || return 0
    local results=() i=0 query qlabel qarch compat_bad=() compat_checked=0
    mapfile -t results < <(tail -n "$compat_lines" "$file")
    while IFS= read -r query; do
        read -r qlabel qarch _ <<<"$query"
        got=${results[$i]#*=}
        i=$((i + 1))
        case $qlabel in
        info.*)
            diag "$run: $qarch $qlabel: $got (the family is in memory the filter cannot read)"
            continue
            ;;
        allow.*)
            # x32 does not execute on most kernels: refusing it all is fine
            [[ $qarch == x32 || $got == ALLOW ]] || compat_bad+=("$qarch $qlabel: $got (want ALLOW)")
            ;;
        *)
            if [[ $allow_ns == yes ]] && is_namespace_key "$qlabel"; then
                continue
            fi
            # refused in any way (EPERM, ENOSYS, kill) is as strict
            [[ $got != ALLOW ]] || compat_bad+=("$qarch $qlabel: ALLOW (want it refused)")
            ;;
        esac
        compat_checked=$((compat_checked + 1))
    done <"$COMPAT_QUERIES"
    if ((${#compat_bad[@]} == 0)); then
        ok "$run: filter program, compat ABIs (i386, x32): $compat_checked verdicts as expected"
    else
        not_ok "$run: filter program, compat ABIs (i386, x32): $compat_checked verdicts as expected" \
            "${compat_bad[@]}"
    fi
}

# check_denials RUN-NAME ARRAY-NAME ALLOW-NAMESPACES: each syscall's errno
# in the sandbox against the kernel alone
check_denials() {
    local run=$1 allow_ns=$3
    local -n R=$2
    local key got ref want name
    for key in "${DENY_KEYS[@]}"; do
        name=${key#deny.}
        got=${R[$key]-missing}
        ref=${U[$key]}
        if [[ $ref == undefined ]]; then
            ok "$run: $key # SKIP not defined by this architecture's headers"
            continue
        fi
        if [[ $allow_ns == yes ]] && is_namespace_key "$key"; then
            # allowed now: the kernel's own answer comes back
            expect "$run: $key reaches the kernel (AllowNamespaces=yes)" "$got" "$ref"
            continue
        fi
        want=EPERM
        [[ $name == clone3 ]] && want=ENOSYS
        if is_obsolete_key "$key" && [[ $ref == ENOSYS && $got == ENOSYS ]]; then
            ok "$run: $key refused (ENOSYS: this kernel lacks it; filter says ${FILTER_VERDICT[$key]-?})"
            continue
        fi
        if [[ $got != "$want" ]]; then
            not_ok "$run: $key = $want" "got: $got (the kernel alone: $ref)"
        elif [[ $ref != "$want" ]]; then
            ok "$run: $key = $want from the filter (the kernel alone: $ref)"
        elif [[ ${FILTER_VERDICT[$key]-} == "ERRNO:$want" ]]; then
            # the kernel alone also says EPERM: the filter program decides
            ok "$run: $key = $want, by the filter program (the kernel alone also says $ref)"
        else
            not_ok "$run: $key = $want from the filter" \
                "the kernel alone also says $ref and the filter program says ${FILTER_VERDICT[$key]-unknown}"
        fi
    done
}

# check_works RUN-NAME ARRAY-NAME: what the IDE needs still works
check_works() {
    local run=$1
    local -n R=$2
    local key
    for key in $(printf '%s\n' "${!U[@]}" | grep '^works\.' | sort); do
        expect "$run: $key" "${R[$key]-missing}" ok
    done
}

# check_userns RUN-NAME ARRAY-NAME ALLOW-NAMESPACES
check_userns() {
    local run=$1 allow_ns=$3
    local -n R=$2
    local key got ref
    if [[ $allow_ns != yes ]]; then
        expect "$run: no user namespace can be made" "${R[userns.setup]-missing}" EPERM
        for key in ns.unshare_user ns.unshare_user_mount ns.clone_newuser; do
            expect "$run: $key refused" "${R[$key]-missing}" EPERM
        done
        return
    fi
    for key in ns.unshare_user ns.unshare_user_mount ns.clone_newuser; do
        expect "$run: $key works (AllowNamespaces=yes)" "${R[$key]-missing}" ok
    done
    expect "$run: userns.setup" "${R[userns.setup]-missing}" ok
    expect "$run: userns.map (uid/gid maps written)" "${R[userns.map]-missing}" ok
    [[ ${U[userns.setup]-} == ok ]] || {
        not_ok "$run: the kernel alone lets $ACCOUNT make user namespaces" "userns.setup=${U[userns.setup]-}"
        return
    }
    # Inside its own user namespace the account holds every capability,
    # so the kernel fails these on their arguments; the filter must not
    # let them reach it.
    for key in $(printf '%s\n' "${!U[@]}" | grep '^userns\.' | grep -v -E '^userns\.(setup|map)$' | sort); do
        got=${R[$key]-missing}
        ref=${U[$key]}
        case $key in
        userns.setns | userns.unshare_nested)
            expect "$run: $key reaches the kernel" "$got" "$ref"
            ;;
        *)
            if [[ $got == EPERM && $ref != EPERM ]]; then
                ok "$run: $key = EPERM from the filter, with every capability in the namespace (the kernel alone: $ref)"
            else
                not_ok "$run: $key = EPERM from the filter inside a user namespace" "got: $got (the kernel alone: $ref)"
            fi
            ;;
        esac
    done
}

# ------------------------------------------------------------ 1. default
declare -A FILTER_VERDICT=()
write_config default ""
if run_probe default report -- "$OVH_LAUNCHER" -c "$WORK/default.conf"; then
    ok "default: the launcher execs the server and it exits 0"
else
    not_ok "default: the launcher execs the server and it exits 0" "$(sed 's/^/  /' "$WORK/default.log")"
fi
declare -A D=()
load_report D "$WORK/default.report"
if ((${#D[@]} < 20)); then
    not_ok "default: the probe answered" "$(cat "$WORK/default.log")"
else
    check_identity default D 2
    check_argv default D
    check_environ default D "$WORK/default.report"
    check_log default
    check_filter_eval default "$WORK/default.filter" no
    check_denials default D no
    check_works default D
    check_userns default D no
fi

# -------------------------------------------------- 2. AllowNamespaces=yes
FILTER_VERDICT=()
write_config namespaces $'\n[Sandbox]\nAllowNamespaces=yes'
if run_probe namespaces report -- "$OVH_LAUNCHER" -c "$WORK/namespaces.conf"; then
    ok "namespaces: the launcher execs the server and it exits 0"
else
    not_ok "namespaces: the launcher execs the server and it exits 0" "$(sed 's/^/  /' "$WORK/namespaces.log")"
fi
declare -A N=()
load_report N "$WORK/namespaces.report"
if ((${#N[@]} < 20)); then
    not_ok "namespaces: the probe answered" "$(cat "$WORK/namespaces.log")"
else
    check_identity namespaces N 2
    check_filter_eval namespaces "$WORK/namespaces.filter" yes
    check_denials namespaces N yes
    check_works namespaces N
    check_userns namespaces N yes
fi

# ----------------------------------------------------------- 3. Seccomp=no
write_config noseccomp $'\n[Sandbox]\nSeccomp=no'
if run_probe noseccomp identity syscalls -- "$OVH_LAUNCHER" -c "$WORK/noseccomp.conf"; then
    ok "noseccomp: the launcher execs the server and it exits 0"
else
    not_ok "noseccomp: the launcher execs the server and it exits 0" "$(sed 's/^/  /' "$WORK/noseccomp.log")"
fi
declare -A S=()
load_report S "$WORK/noseccomp.report"
if ((${#S[@]} < 20)); then
    not_ok "noseccomp: the probe answered" "$(cat "$WORK/noseccomp.log")"
else
    # without the filter, identity, capabilities and no_new_privs still hold
    check_identity noseccomp S 0
    expect "noseccomp: no filter loaded at all" "$(sed -n 's/^filters=//p' "$WORK/noseccomp.filter")" 0
    # and every syscall gets the kernel's own answer: nothing else filters
    differ=()
    for key in "${DENY_KEYS[@]}"; do
        [[ ${S[$key]-missing} == "${U[$key]}" ]] || differ+=("$key: ${S[$key]-missing} (the kernel alone: ${U[$key]})")
    done
    if ((${#differ[@]} == 0)); then
        ok "noseccomp: every syscall gets the kernel's own answer (${#DENY_KEYS[@]} checked)"
    else
        not_ok "noseccomp: every syscall gets the kernel's own answer" "${differ[@]}"
    fi
    check_works noseccomp S
fi

finish

#!/bin/bash
# [Server] Node= of the "ways out" system test (tests/system/test-escape.sh).
# The launcher executes it as the server itself: as the account (or the
# per-user instance's user), in the unit's mounts and control group, after
# the capability drop, no_new_privs and the seccomp filter. From there it
# tries every way out the test knows, writes one NAME=RESULT line per
# attempt to ~/.ovh-escape/result, and then becomes node (same pid, so the
# socket systemd passed stays valid).
#
# Its targets (other instances' pids, sockets and tokens, the ssh key) come
# from /run/ovh-escape/, which the test writes as root before the start;
# escape-probe (escape-probe.c) and node are next to this script.
set -u
plan=/run/ovh-escape
me=$(id -un)
out=$HOME/.ovh-escape
here=$(dirname "$0")
probe=$here/escape-probe
mkdir -p "$out"
# one NAME RESULT: RESULT on one line (newlines become " | ")
one() { printf '%s=%s\n' "$1" "$(printf '%s' "$2" | tr '\n' '|' | sed 's/|/ | /g')"; }
# run COMMAND...: "rc=STATUS OUTPUT" of a command with a time limit (stdin
# is the caller's: /dev/null from systemd unless redirected)
run() {
    local o rc
    o=$(timeout 20 "$@" 2>&1)
    rc=$?
    # ssh ends its messages with \r\n
    o=${o//$'\r'/}
    printf 'rc=%s %s' "$rc" "$o"
}
{
    one uid "$(id -u)"
    one nnp "$(awk '$1 == "NoNewPrivs:" { print $2 }' /proc/self/status)"
    one seccomp "$(awk '$1 == "Seccomp:" { print $2 }' /proc/self/status)"

    # ssh: the IDE's own key in its own authorized_keys, then a login as
    # itself; the same key in a normal user's authorized_keys is the control.
    if [[ -f $plan/ssh_key ]]; then
        install -d -m 0700 "$HOME/.ssh"
        install -m 0600 "$plan/ssh_key" "$out/ssh_key"
        cat "$plan/ssh_key.pub" >>"$HOME/.ssh/authorized_keys"
        chmod 0600 "$HOME/.ssh/authorized_keys"
        ssh_opts=(-i "$out/ssh_key" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
            -o ConnectTimeout=10)
        one ssh_self "$(run ssh "${ssh_opts[@]}" "$me@127.0.0.1" id -un)"
        one ssh_control "$(run ssh "${ssh_opts[@]}" "$(cat "$plan/ssh_control_user")@127.0.0.1" id -un)"
    fi

    # cron and at: a job for later, outside the unit
    one crontab "$(printf '* * * * * id\n' | run crontab -)"
    one at "$(printf 'id\n' | run at now)"
    # a systemd user manager, or a transient unit of the system manager
    one linger "$(run loginctl enable-linger "$me")"
    one systemd_run_user "$(run systemd-run --user --wait --pipe true)"
    one systemd_run "$(run systemd-run --wait --pipe true)"

    # the classics
    one ptrace_own_child "$(run "$probe" ptrace-child)"
    if [[ -f $plan/other_pid.$me ]]; then
        other=$(cat "$plan/other_pid.$me")
        one ptrace_other "$(run "$probe" ptrace "$other")"
        one proc_other "$(run "$probe" open "/proc/$other/status")"
        one proc_other_environ "$(run "$probe" open "/proc/$other/environ")"
    fi
    one proc_self "$(run "$probe" open /proc/self/status)"
    [[ -f $plan/other_socket.$me ]] && one socket_other "$(run "$probe" connect "$(cat "$plan/other_socket.$me")")"
    [[ -f $plan/other_token.$me ]] && one token_other "$(run "$probe" open "$(cat "$plan/other_token.$me")")"
    one tiocsti "$(run "$probe" tiocsti)"
    one int80_getpid "$(run "$probe" int80-getpid)"
    one int80_unshare "$(run "$probe" int80-unshare)"
    one io_uring "$(run "$probe" io_uring)"
    one userns "$(run "$probe" userns)"
    one unshare_Ur "$(run unshare -Ur true)"

    # sudo, when the test enabled it: the password is in ~/.ovh-escape/sudo
    if [[ -f $out/sudo ]]; then
        # -k: a cached timestamp must not answer for the password.
        one sudo "$(run sudo -k -S -p '' id -u <"$out/sudo")"
    fi
} >"$out/result.tmp" 2>&1
mv "$out/result.tmp" "$out/result"
exec "$here/node" "$@"

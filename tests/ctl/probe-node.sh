#!/bin/sh
# [Server] Node= of openvscodectl's system test (tests/system/test-ctl.sh).
# The launcher executes it as the server itself: after the identity switch,
# the capability drop, no_new_privs (or not, with AllowSudo=yes) and the
# seccomp filter, with the server's umask and environment. It records what
# that process sees, and what `sudo -S id -u` answers it with the passwords
# the test left in ~/.ovh-probe, then becomes node (same pid, so the socket
# systemd passed stays valid).
dir=$HOME/.ovh-probe
mkdir -p "$dir"
{
    echo "uid=$(id -u)"
    echo "nnp=$(awk '$1 == "NoNewPrivs:" { print $2 }' /proc/self/status)"
    echo "seccomp=$(awk '$1 == "Seccomp:" { print $2 }' /proc/self/status)"
    rm -f "$dir/created"
    : >"$dir/created"
    echo "mode=$(stat -c %a "$dir/created")"
    echo "zone=$(date +%Z)"
    for name in sudo-right sudo-wrong; do
        [ -f "$dir/$name" ] || continue
        # -k: a cached sudo timestamp must not answer for the password. The
        # redirections are the account's own on purpose.
        # shellcheck disable=SC2024
        out=$(sudo -k -S -p '' id -u <"$dir/$name" 2>"$dir/$name.err")
        echo "$name=$? $out"
    done
} >"$dir/result.tmp" 2>&1
mv "$dir/result.tmp" "$dir/result"
exec /usr/local/lib/ovh-system-test/node "$@"

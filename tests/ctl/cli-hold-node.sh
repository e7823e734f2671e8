#!/bin/sh
# [Server] Node= of the extension CLI's sandbox checks in
# tests/system/test-ctl.sh. The launcher (or openvscodectl) executes it in
# place of node, after the identity switch, the capability drop,
# no_new_privs and the seccomp filter. As VS Code's CLI listing extensions,
# and only while the test holds ~/.ovh-cli-hold, it writes its pid there
# and waits (at most 60 s) for ~/.ovh-cli-hold/go, so the test can look at
# the CLI's process, and attack it, while it runs. Then it becomes node.
hold=$HOME/.ovh-cli-hold
for a in "$@"; do
    if [ "$a" = --list-extensions ] && [ -d "$hold" ]; then
        echo $$ >"$hold/pid.tmp" && mv "$hold/pid.tmp" "$hold/pid"
        i=0
        while [ ! -e "$hold/go" ] && [ $i -lt 600 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        break
    fi
done
exec /usr/local/lib/ovh-system-test/node "$@"

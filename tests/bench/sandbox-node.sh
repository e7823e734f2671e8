#!/bin/bash
# [Server] Node= of the sandbox-cost bench (tests/bench/sandbox-cost.sh).
# The launcher executes it as the server itself: as the account, in the
# unit's mounts and control group, after the capability drop, no_new_privs
# and the seccomp filter. When the bench left a queue in ~/.ovh-bench, it
# starts the agent there (a process of the unit, with the unit's whole
# sandbox), then becomes node (same pid: the socket systemd passed stays
# valid). The agent runs each workload the bench asks for and ends with
# the unit (KillMode=control-group).
here=$(dirname "$0")
dir=$HOME/.ovh-bench
if [[ -d $dir/queue ]]; then
    # without the socket systemd passed (fd 3) and its LISTEN_* variables:
    # they are node's alone
    (
        unset LISTEN_FDS LISTEN_PID LISTEN_FDNAMES
        exec 3>&- "$here/sandbox-workload.sh" --agent "$dir" </dev/null >>"$dir/agent.log" 2>&1
    ) &
fi
exec "$here/node" "$@"

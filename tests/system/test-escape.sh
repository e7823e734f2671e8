#!/bin/bash
# System test "ways out": every way for the IDE's account to start a process
# outside its unit, or to reach another instance, tried from inside the
# service and refused, each with its exact error and a control that shows
# the same attempt works where it is allowed (so that the test fails when a
# fix is reverted). docs/SECURITY.md, "Ways out of the sandbox", lists them.
#
# A copy of the cached Debian root (tests/system/lib-nspawn.sh) gets
# openssh-server, cron, at, sudo and libpam-systemd (their .deb files are
# fetched once into the cache; the container is offline), the project
# (meson install) and the package's install step (debian's postinst:
# the account's expiry, sshd reloaded). The attempts run as the server
# itself: [Server] Node= is tests/system/escape-node.sh, which the launcher
# executes after the identity switch, no_new_privs and the seccomp filter,
# in the unit's mounts and control group; it records each attempt and then
# execs node. The same runs in a per-user instance (alice's).
#
#   ssh      the IDE's own key in ~/.ssh/authorized_keys, ssh ACCOUNT@127.0.0.1:
#            DenyUsers (the sshd_config.d drop-in), and with the drop-in
#            removed, the account's expiry; control: the key logs in as bob
#   cron, at crontab/at in the service: no setgid/setuid under no_new_privs;
#            a job in the spools anyway: cron and atd refuse the expired
#            account; control: bob's jobs run
#   user manager  user@UID.service (linger) fails at PAM; control: bob's starts
#   su, login     refused for the expired account, even with sudo's password;
#            control: su to alice, login -f bob; sudo itself works
#   classics ptrace of the other instance, its /proc, another user's socket
#            and token, TIOCSTI, int 0x80, io_uring, user namespaces;
#            controls: ptrace of its own child, the same syscalls as bob
#            outside the unit
#
#   sudo tests/system/test-escape.sh          (TAP on stdout)
#
# Environment:
#   OVH_CACHE         cache outside the checkout (default /var/cache/openvscode-host)
#   OVH_BUILD_DIR     the test build; the installed build is OVH_BUILD_DIR-escape
#   OVH_VSCODE_ROOT   server payload; default: VS Code 1.139.1 (nspawn_payload)
#   OVH_NODE          node for the server (default: the payload's own)
#   OVH_KEEP=1        keep the scratch directory
#   CI=true           turn a skip into a failure
#
# Exit: 0 all passed, 1 a check failed, 77 skipped (not root, or this
# machine cannot run systemd-nspawn).
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/system/lib-nspawn.sh
source "$SRC/tests/system/lib-nspawn.sh"

ACCOUNT=openvscode-server
STATE=/var/lib/openvscode-server
PORT=3000
TEST_DIR=/usr/local/lib/ovh-system-test
PLAN=/run/ovh-escape
DROPIN=/etc/ssh/sshd_config.d/openvscode-host.conf
ESCAPE_PACKAGES=(openssh-server cron at sudo libpam-systemd)

# ---------------------------------------------------------------- TAP
# shellcheck source=tests/lib-tap.sh
source "$SRC/tests/lib-tap.sh"
t_start=$(now)

# ---------------------------------------------------------------- preconditions
reason=$(nspawn_possible) || skip_all "$reason"
for tool in meson ninja gcc curl; do
    command -v "$tool" >/dev/null || bail "$tool not found"
done

nspawn_workdir escape 0700
nspawn_build_root >"$WORK/build-root.log" 2>&1 || { tail -n 30 "$WORK/build-root.log"; bail "cannot build $OVH_ROOT"; }
nspawn_payload

# The daemons' .deb files with what they need beyond the cached root,
# fetched once per root (in a chroot of a scratch copy, which has the host's
# network) and kept in the cache.
DEBS=$OVH_CACHE/escape-debs/$(printf '%s %s' "$(cat "$OVH_ROOT/.ovh-root-key")" "${ESCAPE_PACKAGES[*]}" | sha256sum | cut -c1-16)
if [[ ! -f $DEBS/.complete ]]; then
    fetch=$WORK/fetch-root
    mkdir -p "$fetch"
    fetch=$(nspawn_copy_root "$fetch")
    cp /etc/resolv.conf "$fetch/etc/resolv.conf"
    chroot "$fetch" sh -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends --download-only ${ESCAPE_PACKAGES[*]}" >"$WORK/fetch.log" 2>&1 ||
        { tail -n 20 "$WORK/fetch.log"; bail "cannot download ${ESCAPE_PACKAGES[*]} into $DEBS"; }
    mkdir -p "$DEBS"
    cp "$fetch"/var/cache/apt/archives/*.deb "$DEBS/"
    : >"$DEBS/.complete"
    rm -rf "$WORK/fetch-root"
fi

# The build a distribution package would make, kept between runs.
BUILD=${OVH_BUILD_DIR:-$SRC/build}-escape
if [[ ! -f $BUILD/build.ninja ]]; then
    meson setup "$BUILD" "$SRC" --prefix=/usr --sysconfdir=/etc --localstatedir=/var -Dtests=false \
        >"$WORK/meson-setup.log" 2>&1 || { cat "$WORK/meson-setup.log"; bail "meson setup failed"; }
fi
ninja -C "$BUILD" >"$WORK/ninja.log" 2>&1 || { tail -n 30 "$WORK/ninja.log"; bail "build failed"; }
mkdir -p "$WORK/bin"
gcc -O2 -Wall -Wextra -Werror -o "$WORK/bin/escape-probe" "$SRC/tests/system/escape-probe.c" ||
    bail "cannot build tests/system/escape-probe.c"
install -m 0755 "$SRC/tests/system/escape-node.sh" "$WORK/bin/escape-node.sh"
touch "$WORK/bin/node"

nspawn_enter_cgroup
ROOT=$(nspawn_copy_root "$WORK")
mkdir -p "$ROOT/tmp/escape-debs"
cp "$DEBS"/*.deb "$ROOT/tmp/escape-debs/"
chroot "$ROOT" sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends /tmp/escape-debs/*.deb' \
    >"$WORK/apt.log" 2>&1 || { tail -n 20 "$WORK/apt.log"; bail "cannot install ${ESCAPE_PACKAGES[*]} into the container"; }
rm -rf "$ROOT/tmp/escape-debs"
DESTDIR=$ROOT meson install -C "$BUILD" --no-rebuild --quiet >"$WORK/install.log" 2>&1 ||
    { cat "$WORK/install.log"; bail "meson install failed"; }
mkdir -p "$ROOT/usr/lib/openvscode-server" "$ROOT$TEST_DIR" "$ROOT/etc/openvscode-server/launcher.conf.d"
install -m 0755 "$SRC/debian/openvscode-host.postinst" "$ROOT/root/openvscode-host.postinst"
printf '# the ways-out test: the attempts, then the server'"'"'s node\n[Server]\nNode=%s/escape-node.sh\n' "$TEST_DIR" \
    >"$ROOT/etc/openvscode-server/launcher.conf.d/50-system-test-escape.conf"
chmod 0644 "$ROOT/etc/openvscode-server/launcher.conf.d/50-system-test-escape.conf"
NSPAWN_ARGS=(--private-network "--bind-ro=$PAYLOAD:/usr/lib/openvscode-server"
    "--bind-ro=$WORK/bin:$TEST_DIR" "--bind-ro=$NODE:$TEST_DIR/node")
diag "root, daemons, build and probe ready after $(elapsed "$t_start") s"

t_boot=$(now)
nspawn_boot "$ROOT" "ovh-escape-$$" "$WORK/console.log" "${NSPAWN_ARGS[@]}" || bail "the container did not boot"
[[ $NSPAWN_STATE == running ]] || bail "systemd in the container is '$NSPAWN_STATE', not running"
diag "booted in $(elapsed "$t_boot") s"

# ---------------------------------------------------------------- helpers
unit_prop() { IN systemctl show -P "$2" "$1"; }
# start_default RUN / start_alice RUN: stop the server, then the next
# connection to its socket starts it, and with it escape-node.sh; once node
# answers, what it recorded is kept as $WORK/RUN.result.
start_default() {
    IN rm -f "$STATE/.ovh-escape/result"
    IN systemctl stop openvscode-server.service 2>/dev/null || true
    IN systemctl reset-failed openvscode-server.service 2>/dev/null || true
    IN curl -s -o /dev/null --max-time 60 "http://127.0.0.1:$PORT/" || true
    IN cat "$STATE/.ovh-escape/result" >"$WORK/$1.result" 2>/dev/null || true
}
start_alice() {
    IN rm -f /home/alice/.ovh-escape/result
    IN systemctl stop openvscode-server@alice.service 2>/dev/null || true
    IN curl -s -o /dev/null --max-time 60 --unix-socket /run/openvscode-server/users/alice.sock http://localhost/ || true
    IN cat /home/alice/.ovh-escape/result >"$WORK/$1.result" 2>/dev/null || true
}
# result RUN NAME: what escape-node.sh recorded for attempt NAME in RUN
result() { sed -n "s/^$2=//p" "$WORK/$1.result" 2>/dev/null || true; }
# as USER COMMAND...: outside any unit, as USER (no no_new_privs, no filter)
as() { local u=$1; shift; IN runuser -u "$u" -- "$@"; }
journal() { IN journalctl --no-pager -o cat "$@" 2>/dev/null || true; }
# journal_has DESCRIPTION TEXT [journalctl options]: TEXT in the journal,
# waited for up to 45 s: a daemon logs a refusal when it gets to that job,
# which may be well after the control job the test waited for (seen on
# Debian 13 under load).
journal_has() {
    local desc=$1 text=$2 _
    shift 2
    for _ in $(seq 450); do
        journal "$@" | grep -qF -- "$text" && { ok "$desc"; return; }
        sleep 0.1
    done
    not_ok "$desc" "no line with: $text" "$(journal "$@" | tail -n 5)"
}
# wait_file PATH SECONDS: until PATH exists in the container
wait_file() {
    local _
    for _ in $(seq $(($2 * 10))); do IN test -e "$1" && return 0; sleep 0.1; done
    return 1
}
# exists PATH: "present" or "absent"
exists() { IN test -e "$1" && echo present || echo absent; }

# ================================================================ the package's install step
check "the daemons run: ssh, cron, atd" IN systemctl is-active --quiet ssh.service cron.service atd.service
expect "before the install step the account is not expired" "$(IN getent shadow "$ACCOUNT" | cut -d: -f8)" ""
check "debian/openvscode-host.postinst configure (a first installation)" IN /root/openvscode-host.postinst configure ""
expect "the account is expired (shadow's expiry day 1: 2 Jan 1970)" "$(IN getent shadow "$ACCOUNT" | cut -d: -f8)" 1
expect "sshd's configuration denies the account (the sshd_config.d drop-in)" \
    "$(IN sshd -T -C "user=$ACCOUNT,host=localhost,addr=127.0.0.1" | grep -i '^denyusers')" "denyusers $ACCOUNT"

# The other users: bob, a normal user (the controls), and alice, who has a
# per-user instance (openvscode-server@alice).
IN useradd -m -s /bin/bash bob
IN useradd -m -s /bin/bash alice
printf 'bob:bob pass word\nalice:alice pass word\n' | IN chpasswd
IN mkdir -p "$PLAN"
IN ssh-keygen -q -t ed25519 -N '' -C ways-out -f "$PLAN/ssh_key"
IN chmod 0644 "$PLAN/ssh_key"
IN install -d -o bob -g bob -m 0700 /home/bob/.ssh
IN install -o bob -g bob -m 0600 "$PLAN/ssh_key.pub" /home/bob/.ssh/authorized_keys
IN sh -c "echo bob >$PLAN/ssh_control_user"
check "systemctl enable --now openvscode-server@alice.socket" IN systemctl enable --now openvscode-server@alice.socket
check "systemctl enable --now openvscode-server.socket" IN systemctl enable --now openvscode-server.socket

# alice's instance first, so that the default one has a pid to attack;
# then alice's again, against the default one's.
start_alice first
alice_main=$(unit_prop openvscode-server@alice.service MainPID)
IN sh -c "echo $alice_main >$PLAN/other_pid.$ACCOUNT; echo /run/openvscode-server/users/alice.sock >$PLAN/other_socket.$ACCOUNT;
    echo /home/alice/.openvscode-server/token >$PLAN/other_token.$ACCOUNT"
start_default default
default_main=$(unit_prop openvscode-server.service MainPID)
IN sh -c "echo $default_main >$PLAN/other_pid.alice; echo $STATE/.openvscode-server/token >$PLAN/other_token.alice"
start_alice alice
alice_main=$(unit_prop openvscode-server@alice.service MainPID)
IN sh -c "echo $alice_main >$PLAN/other_pid.$ACCOUNT"
D=default A=alice

expect "inside the service: the attempts ran as the account, NoNewPrivs 1, Seccomp 2" \
    "$(result $D uid) $(result $D nnp) $(result $D seccomp)" "$(IN id -u "$ACCOUNT") 1 2"
expect "inside alice's instance: the attempts ran as alice, NoNewPrivs 1, Seccomp 2" \
    "$(result $A uid) $(result $A nnp) $(result $A seccomp)" "$(IN id -u alice) 1 2"
expect "both servers run after the attempts (node, exec'd by escape-node.sh)" \
    "$(IN readlink "/proc/$default_main/exe") $(IN readlink "/proc/$alice_main/exe")" "$TEST_DIR/node $TEST_DIR/node"

# ================================================================ ssh
expect_match "ssh: the IDE's own key, ssh $ACCOUNT@127.0.0.1 from the service: refused" \
    "$(result $D ssh_self)" "^rc=255 .*$ACCOUNT@127\.0\.0\.1: Permission denied \(publickey,password\)\.$"
# OpenSSH 10 (Debian 13) logs a connection's lines as sshd-session.
journal_has "ssh: sshd says why: DenyUsers" \
    "User $ACCOUNT from 127.0.0.1 not allowed because listed in DenyUsers" -t sshd -t sshd-session
expect_match "ssh control: the same key logs in as bob from the service" "$(result $D ssh_control)" '^rc=0 (.* \| )?bob$'
expect_match "ssh: alice's own login stays hers (her key, from her instance)" "$(result $A ssh_self)" '^rc=0 (.* \| )?alice$'
expect "ssh: alice's account is not expired" "$(IN getent shadow alice | cut -d: -f8)" ""
# The expiry on its own: the drop-in set aside, sshd reloaded.
IN mv "$DROPIN" /root/sshd-dropin.conf 2>/dev/null || true
IN systemctl reload ssh.service
start_default default-without-dropin
expect_match "ssh without the drop-in: refused by the account's expiry" \
    "$(result default-without-dropin ssh_self)" "^rc=255 .*Your account has expired; please contact your system administrator\. \| Connection closed by 127\.0\.0\.1 port 22"
journal_has "ssh without the drop-in: sshd's PAM account stage refused it" \
    "fatal: Access denied for user $ACCOUNT by PAM account configuration [preauth]" -t sshd -t sshd-session
journal_has "ssh without the drop-in: pam_unix says why" \
    "pam_unix(sshd:account): account $ACCOUNT has expired (account expired)" -t sshd -t sshd-session
expect_match "ssh control without the drop-in: bob's login" "$(result default-without-dropin ssh_control)" '^rc=0 (.* \| )?bob$'
IN mv /root/sshd-dropin.conf "$DROPIN" 2>/dev/null || true
IN systemctl reload ssh.service

# ================================================================ cron and at
expect "crontab in the service: refused (setgid crontab under no_new_privs)" \
    "$(result $D crontab)" "rc=1 /var/spool/cron/: mkstemp: Permission denied"
expect "at in the service: refused (setuid at under no_new_privs)" \
    "$(result $D at)" "rc=1 You do not have permission to use at."
expect "crontab in alice's instance: refused the same way" "$(result $A crontab)" "rc=1 /var/spool/cron/: mkstemp: Permission denied"
expect "at in alice's instance: refused the same way" "$(result $A at)" "rc=1 You do not have permission to use at."
# A job that reached the spools anyway (an ssh session, an administrator):
# cron and atd must not run it. @reboot jobs run when cron starts without
# its /run/crond.reboot mark.
for u in "$ACCOUNT" bob; do
    printf '@reboot id -un >/tmp/cron-ran.%s\n' "$u" | IN crontab -u "$u" -
done
IN rm -f /run/crond.reboot
IN systemctl restart cron.service
if wait_file /tmp/cron-ran.bob 15; then ok "cron control: bob's @reboot job ran"; else not_ok "cron control: bob's @reboot job ran" "$(journal -u cron.service | tail -n 5)"; fi
# The refusal first: cron may get to the account's job after bob's.
# The whole journal: the line names its daemon and the account.
journal_has "cron: refused by its PAM account stage" "pam_unix(cron:account): account $ACCOUNT has expired (account expired)"
expect "cron: the account's job did not run" "$(exists /tmp/cron-ran.$ACCOUNT)" absent
for u in "$ACCOUNT" bob; do
    printf 'id -un >/tmp/at-ran.%s\n' "$u" | as "$u" at now >/dev/null 2>&1
done
if wait_file /tmp/at-ran.bob 15; then ok "at control: bob's job ran"; else not_ok "at control: bob's job ran" "$(journal -u atd.service | tail -n 5)"; fi
journal_has "at: atd refused it at its PAM account stage" "pam_unix(atd:account): account $ACCOUNT has expired (account expired)"
expect "at: the account's job did not run" "$(exists /tmp/at-ran.$ACCOUNT)" absent

# ================================================================ a user manager
# systemd 252 and 257 word it differently; neither finds a bus.
expect_match "systemd-run --user in the service: no user manager to talk to" \
    "$(result $D systemd_run_user)" \
    '^rc=1 Failed to connect to (bus: No medium found|user scope bus via local transport: .* not defined)'

expect "loginctl enable-linger in the service: refused" "$(result $D linger)" "rc=1 Could not enable linger: Access denied"
expect "systemd-run (the system manager) in the service: refused" \
    "$(result $D systemd_run)" "rc=1 Failed to start transient service unit: Access denied"
account_uid=$(IN id -u "$ACCOUNT")
bob_uid=$(IN id -u bob)
IN loginctl enable-linger "$ACCOUNT" bob
IN systemctl start "user@$account_uid.service" "user@$bob_uid.service" >/dev/null 2>&1 || true
expect "user manager control: bob's user@$bob_uid.service (lingering) runs" "$(IN systemctl is-active "user@$bob_uid.service" || true)" active
expect "user manager: the account's user@$account_uid.service fails at PAM (224)" \
    "$(IN systemctl is-active "user@$account_uid.service" || true) $(unit_prop "user@$account_uid.service" ExecMainStatus)" "failed 224"
journal_has "user manager: refused by PAM's account stage (service systemd-user)" \
    "pam_unix(systemd-user:account): account $ACCOUNT has expired (account expired)"
IN loginctl disable-linger "$ACCOUNT" bob

# ================================================================ login
# login_f USER: LOGIN_OUT, what `login -f USER` prints on a terminal
# (script's pty), its lines joined by '|'. script runs its command with
# $SHELL -c; login must be that shell's own process (exec): login hangs
# up its terminal (vhangup) before it starts, and a shell that forks it
# instead, as Debian 13's dash does for `sh -c "login -f bob"` (with
# SHELL unset, script takes /bin/sh), is hung up with it and login never
# answers. The time it took is a diag line.
login_f() {
    local start=$SECONDS
    LOGIN_OUT=$(IN timeout 45 script -qec "exec login -f $1" /dev/null </dev/null 2>&1 | tr -d '\r' | sed '/^$/d' | paste -sd'|' || true)
    diag "login -f $1: $((SECONDS - start)) s"
}
login_f "$ACCOUNT"
expect "login -f $ACCOUNT: refused" "$LOGIN_OUT" "Your account has expired; please contact your system administrator.|Authentication failure"
login_f bob
expect_match "login control: login -f bob opens a session" "${LOGIN_OUT%%|*}" "^Linux "

# ================================================================ sudo, and su with sudo's password
printf 'right horse battery\n' | IN openvscodectl sudo enable --password-stdin --accept-root >"$WORK/sudo.out" 2>&1 ||
    not_ok "openvscodectl sudo enable" "$(cat "$WORK/sudo.out")"
IN install -d -o "$ACCOUNT" -g "$ACCOUNT" -m 0700 "$STATE/.ovh-escape"
printf 'right horse battery\n' | IN sh -c "cat >$STATE/.ovh-escape/sudo; chown $ACCOUNT: $STATE/.ovh-escape/sudo; chmod 0600 $STATE/.ovh-escape/sudo"
start_default default-sudo
expect_match "sudo (enabled) still works for the expired account: sudo -S id -u in the service gives 0" \
    "$(result default-sudo sudo)" '^rc=0 (.* \| )?0$'
expect "with sudo (no no_new_privs) crontab and at in the service still fail: ProtectSystem=strict" \
    "$(result default-sudo nnp) $(result default-sudo crontab) / $(result default-sudo at)" \
    "0 rc=1 /var/spool/cron/: mkstemp: Read-only file system / rc=1 warning: commands will be executed using /bin/sh | Cannot open lockfile /var/spool/cron/atjobs/.SEQ: Read-only file system"
IN rm -f "$STATE/.ovh-escape/sudo"
su_out=$(printf 'right horse battery\n' | as bob su -c 'id -un' "$ACCOUNT" 2>&1 | tr '\n' '|' || true)
expect "su $ACCOUNT with sudo's password: refused" "$su_out" \
    "Password: Your account has expired; please contact your system administrator.|su: Authentication failure|"
journal_has "su: refused by its PAM account stage" "pam_unix(su:account): account $ACCOUNT has expired (account expired)"
expect "su control: bob to alice with her password" "$(printf 'alice pass word\n' | as bob su -c 'id -un' alice 2>/dev/null || true)" alice
IN openvscodectl sudo disable >/dev/null 2>&1 || true

# ================================================================ the classics
expect "ptrace control: a process of the service attaches to its own child (debuggers)" "$(result $D ptrace_own_child)" "rc=0 ok"
expect "ptrace of alice's server from the service: EPERM" "$(result $D ptrace_other)" "rc=1 EPERM"
expect "ptrace of the default server from alice's instance: EPERM" "$(result $A ptrace_other)" "rc=1 EPERM"
expect "/proc of alice's server from the service: invisible (ENOENT)" \
    "$(result $D proc_other) / $(result $D proc_other_environ)" "rc=1 ENOENT / rc=1 ENOENT"
expect "/proc of the default server from alice's instance: invisible (ENOENT)" "$(result $A proc_other)" "rc=1 ENOENT"
expect "/proc control: its own /proc/self/status" "$(result $D proc_self)" "rc=0 ok"
expect "/proc control: bob, outside any unit, reads /proc/$alice_main/status" "$(as bob "$TEST_DIR/escape-probe" open "/proc/$alice_main/status")" ok
expect "alice's socket from the service: EACCES" "$(result $D socket_other)" "rc=1 EACCES"
expect "alice's token from the service: EACCES (ProtectHome=yes)" "$(result $D token_other)" "rc=1 EACCES"
expect "the default token from alice's instance: EACCES" "$(result $A token_other)" "rc=1 EACCES"
expect "socket and token control: alice herself" \
    "$(as alice "$TEST_DIR/escape-probe" connect /run/openvscode-server/users/alice.sock) $(as alice "$TEST_DIR/escape-probe" open /home/alice/.openvscode-server/token)" "ok ok"
for h in D A; do
    home=${!h}
    label=$([[ $h == D ]] && echo "the service" || echo "alice's instance")
    expect "TIOCSTI on its controlling pty in $label: EPERM" "$(result "$home" tiocsti)" "rc=1 EPERM"
    expect "int 0x80 getpid in $label: killed (SIGSYS, SystemCallArchitectures=native)" "$(result "$home" int80_getpid)" "rc=1 signal SIGSYS"
    expect "int 0x80 unshare(CLONE_NEWUSER) in $label: killed (SIGSYS)" "$(result "$home" int80_unshare)" "rc=1 signal SIGSYS"
    expect "io_uring_setup in $label: EPERM" "$(result "$home" io_uring)" "rc=1 EPERM"
    expect "unshare(CLONE_NEWUSER) in $label: EPERM" "$(result "$home" userns)" "rc=1 EPERM"
    expect "unshare -Ur in $label: refused" "$(result "$home" unshare_Ur)" "rc=1 unshare: unshare failed: Operation not permitted"
done
controls=$(for a in tiocsti int80-getpid int80-unshare io_uring userns; do printf '%s=%s ' "$a" "$(as bob "$TEST_DIR/escape-probe" "$a")"; done)
expect "syscall controls: the same attempts as bob outside any unit succeed" "$controls" \
    "tiocsti=ok int80-getpid=ok int80-unshare=ok io_uring=ok userns=ok "
expect "unshare -Ur control: bob outside any unit" "$(as bob unshare -Ur id -u 2>&1)" 0

IN systemctl poweroff >/dev/null 2>&1 || true
nspawn_wait_exit 60
diag "total time $(elapsed "$t_start") s"
finish

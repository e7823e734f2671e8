#!/bin/bash
# System test of openvscodectl: every verb, and its error paths, on a real
# systemd booted with systemd-nspawn (tests/system/lib-nspawn.sh), with the
# project installed as a distribution package would install it and VS
# Code's real server as the payload (nspawn_payload, tests/system/lib-nspawn.sh).
#
#   url, token show/rotate     the URL answers 302, the old token 403 after a rotation
#   install/uninstall/list-extensions
#                              a .vsix built here (tests/ctl/probe-extension), installed
#                              offline, loaded by the running server (asked over VS Code's
#                              remote protocol: tests/ctl/scan-extensions.js); a vsix that
#                              is not a zip and an id the offline host cannot fetch fail
#                              with one line and leave nothing behind
#   the extension CLI's sandbox
#                              as root it runs in a unit with the service's sandbox: while
#                              it runs (tests/ctl/cli-hold-node.sh holds it), a process of
#                              the server cannot use its /proc/PID/root to read another home
#                              or write past ProtectSystem= (default and per-user instance);
#                              no capability, no_new_privs, seccomp, no tty, its own session;
#                              the unit's sandbox properties are the service's; an
#                              extension's name with escape sequences is printed escaped
#   [Server] Extensions=       missing ones installed at start, a failure only logged
#   set-user                   PUID/PGID: the server runs as another account and group
#   sudo enable/disable/status sudo -S id -u in a process of the server gives 0 with the
#                              password, fails without; NoNewPrivs is 1 again after disable;
#                              SUDO_PASSWORD in the environment file applied at start
#   TZ, UMASK                  a process of the server sees the zone, creates 0640 files
#   import-config              a container-shaped /config; the server starts with it
#   status, check              the live sandbox from /proc; the launcher's --check
#
# Processes "of the server" are observed through [Server] Node=
# tests/ctl/probe-node.sh: the launcher executes it as the server (same
# identity, sandbox, umask and environment) and it execs node.
#
#   sudo tests/system/test-ctl.sh            (TAP on stdout)
#
# Environment: as tests/system/test-nspawn.sh (OVH_CACHE, OVH_VSCODE_ROOT,
# OVH_NODE, OVH_KEEP=1, CI=true turns a skip into a failure).
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
TEST_NODE=/usr/local/lib/ovh-system-test/node
TEST_DIR=/usr/local/lib/ovh-ctl-test # tests/ctl, read-only in the container
CTL=/usr/bin/openvscodectl
DROPINS=/etc/systemd/system/openvscode-server.service.d
# written by the launcher's --prepare-unit at each start (src/core/unit.h)
ACCOUNT_DROPIN=/run/systemd/system/openvscode-server.service.d/40-openvscode-account.conf
CONFD=/etc/openvscode-server/launcher.conf.d

# ---------------------------------------------------------------- TAP
# shellcheck source=tests/lib-tap.sh
source "$SRC/tests/lib-tap.sh"
t_start=$(now)

# ---------------------------------------------------------------- preconditions
reason=$(nspawn_possible) || skip_all "$reason"
for tool in meson ninja python3 apt-get; do
    command -v "$tool" >/dev/null || bail "$tool not found"
done

nspawn_workdir ctl 0700

nspawn_build_root >"$WORK/build-root.log" 2>&1 &
ROOT_JOB=$!
nspawn_payload

# sudo is not part of the cached root: its .deb, fetched once from Debian's
# archive into the cache, is installed into this test's copy.
DEBS=$(nspawn_debs ctl sudo 2>"$WORK/apt.log") || { cat "$WORK/apt.log"; bail "cannot download sudo's .deb ($OVH_SUITE)"; }
wait "$ROOT_JOB" || { cat "$WORK/build-root.log"; ROOT_JOB=; bail "cannot build the cached root $OVH_ROOT"; }
ROOT_JOB=
nspawn_enter_cgroup

# ---------------------------------------------------------------- install
ROOT=$(nspawn_copy_root "$WORK")
meson setup "$WORK/build" "$SRC" --prefix=/usr --sysconfdir=/etc --localstatedir=/var \
    -Dtests=false >"$WORK/meson-setup.log" 2>&1 || { cat "$WORK/meson-setup.log"; bail "meson setup failed"; }
ninja -C "$WORK/build" >"$WORK/ninja.log" 2>&1 || { tail -n 30 "$WORK/ninja.log"; bail "build failed"; }
DESTDIR=$ROOT meson install -C "$WORK/build" --no-rebuild --quiet >"$WORK/install.log" 2>&1 ||
    { cat "$WORK/install.log"; bail "meson install failed"; }
cp "$DEBS"/sudo_*.deb "$ROOT/tmp/"
chroot "$ROOT" sh -c 'dpkg -i /tmp/sudo_*.deb && rm /tmp/sudo_*.deb' >"$WORK/dpkg.log" 2>&1 ||
    { cat "$WORK/dpkg.log"; bail "cannot install sudo into the container"; }
mkdir -p "$ROOT/usr/lib/openvscode-server" "$ROOT$TEST_DIR" "$(dirname "$ROOT$TEST_NODE")"
touch "$ROOT$TEST_NODE"
printf '# system test: the server'"'"'s node (OVH_NODE), bound in by systemd-nspawn\n[Server]\nNode=%s\n' "$TEST_NODE" \
    >"$ROOT$CONFD/50-system-test-node.conf"
chmod 0644 "$ROOT$CONFD/50-system-test-node.conf"

# The .vsix, built here from tests/ctl/probe-extension; one copy only root can
# read (install-extension copies it for the account), one the account reads
# (Extensions= at start runs as the account), and a file that is no zip.
VSIX_NAME=ovhtest.probe-1.0.0.vsix
python3 "$SRC/tests/ctl/make-vsix.py" "$SRC/tests/ctl/probe-extension" "$WORK/$VSIX_NAME"
install -m 0600 "$WORK/$VSIX_NAME" "$ROOT/root/$VSIX_NAME"
mkdir -p "$ROOT/srv/vsix"
install -m 0644 "$WORK/$VSIX_NAME" "$ROOT/srv/vsix/$VSIX_NAME"
printf 'this is not a zip archive\n' >"$ROOT/root/broken.vsix"
diag "built and installed after $(elapsed "$t_start") s"

NSPAWN_ARGS=(--private-network
    "--bind-ro=$PAYLOAD:/usr/lib/openvscode-server"
    "--bind-ro=$NODE:$TEST_NODE"
    "--bind-ro=$SRC/tests/ctl:$TEST_DIR")

# ---------------------------------------------------------------- helpers
# http PATH: the status of GET PATH; the URL goes to curl on stdin (a
# token in argv would be visible to every process).
http() {
    printf 'url = "http://127.0.0.1:%s%s"\noutput = "/dev/null"\nwrite-out = "%%{http_code}"\nsilent\nmax-time = 30\n' \
        "$PORT" "$1" | IN curl -K - 2>/dev/null || true
}
http_url() {
    printf 'url = "%s"\noutput = "/dev/null"\nwrite-out = "%%{http_code}"\nsilent\nmax-time = 30\n' "$1" |
        IN curl -K - 2>/dev/null || true
}
unit_prop() { IN systemctl show -P "$2" "$1"; }
main_pid() { unit_prop openvscode-server.service MainPID; }
status_field() { IN awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status" 2>/dev/null; }
stop_service() { IN systemctl stop openvscode-server.service 2>/dev/null || true; }
# restart_service: stop, then the next connection starts it; waits for it.
start_service() {
    IN systemctl reset-failed openvscode-server.service 2>/dev/null || true
    local code
    code=$(http /)
    [[ $code == 403 ]] || { diag "first connection answered $code"; IN systemctl status openvscode-server.service --no-pager 2>&1 | tail -5 | sed 's/^/# /'; }
}
restart_service() { stop_service; start_service; }
ctl() { IN "$CTL" "$@"; }
# as USER COMMAND...: a command as another user of the container
as() { local u=$1; shift; IN runuser -u "$u" -- "$@"; }
tokens_seen=()
# scan_extensions TOKEN: the extensions the running server has loaded
scan_extensions() {
    printf '%s\n' "$1" | IN sh -c 'umask 077; cat >/run/ovh-ctl-test-token'
    IN "$TEST_NODE" "$TEST_DIR/scan-extensions.js" 127.0.0.1 "$PORT" /run/ovh-ctl-test-token "$COMMIT" \
        2>>"$WORK/scan-extensions.err" || true
    IN rm -f /run/ovh-ctl-test-token
}
# probe: what the server's own process saw at its last start (probe-node.sh)
probe_value() { IN sed -n "s/^$1=//p" "$PROBE_HOME/.ovh-probe/result" 2>/dev/null || true; }
PROBE_HOME=$STATE
use_probe() {
    printf '[Server]\nNode=%s/probe-node.sh\n' "$TEST_DIR" | IN sh -c "umask 022; cat >$CONFD/60-system-test-probe.conf"
}
no_probe() { IN rm -f "$CONFD/60-system-test-probe.conf"; }
probe_run() { IN rm -f "$PROBE_HOME/.ovh-probe/result"; restart_service; }
listing() { IN sh -c "cd '$1' 2>/dev/null && find . -printf '%p %u %m %s\n' | sort" 2>&1 || true; }
journal_since() { IN journalctl --no-pager -o json --since "@$1" -u openvscode-server.service 2>/dev/null || true; }
# journal_lines SINCE PRIORITY TEXT: launcher lines at PRIORITY containing TEXT
journal_lines() {
    journal_since "$1" | python3 -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    if e.get("PRIORITY") == sys.argv[1] and sys.argv[2] in str(e.get("MESSAGE", "")):
        print(e["MESSAGE"])' "$2" "$3"
}
# one_line_error DESCRIPTION EXPECTED_RC COMMAND...: fails with that code
# and exactly one line on stderr that starts with "openvscodectl: "
one_line_error() {
    local desc=$1 want=$2 rc=0; shift 2
    "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
    local lines
    lines=$(grep -c . "$WORK/err" || true)
    if [[ $rc == "$want" && $lines == 1 ]] && grep -q '^openvscodectl: ' "$WORK/err"; then
        ok "$desc (exit $rc: $(cat "$WORK/err"))"
    else
        not_ok "$desc" "exit $rc (want $want), $lines stderr lines:" "$(cat "$WORK/err")" "stdout: $(head -c 500 "$WORK/out")"
    fi
}

# ================================================================ boot
# The host's environment reaches the container's commands through nsenter;
# this one makes node warn on every start there.
unset NODE_EXTRA_CA_CERTS
t_boot=$(date +%s.%N)
nspawn_boot "$ROOT" "ovh-ctl-$$" "$WORK/console.log" "${NSPAWN_ARGS[@]}" || bail "the container did not boot"
expect "container boots into running ($(elapsed "$t_boot") s)" "$NSPAWN_STATE" running
uid=$(IN id -u "$ACCOUNT")

# ---------------------------------------------------------------- the CLI itself
help_ok=()
for verb in url token install-extension uninstall-extension list-extensions set-user sudo import-config status check; do
    out=$(ctl "$verb" --help 2>&1) && [[ $out == *"openvscodectl $verb"* ]] && help_ok+=("$verb")
done
expect "--help of every verb (10) exits 0 and names the verb" "${#help_ok[@]}" 10
expect "openvscodectl --help lists the 10 verbs" "$(ctl --help | grep -cE '^  (url|token|install-extension|uninstall-extension|list-extensions|set-user|sudo|import-config|status|check) ')" 10
one_line_error "an unknown verb is a usage error" 64 ctl frobnicate
check "the man page is installed" IN test -f /usr/share/man/man1/openvscodectl.1
check "the bash completion is installed" IN test -f /usr/share/bash-completion/completions/openvscodectl

# ---------------------------------------------------------------- service absent
IN systemctl mask --quiet openvscode-server.socket
one_line_error "url with the socket unit masked (absent): 69" 69 ctl url
IN systemctl unmask --quiet openvscode-server.socket
# Without the service there is no sandbox to copy: the CLI does not run.
IN systemctl mask --quiet openvscode-server.service
one_line_error "list-extensions with the service unit masked: no sandbox to run the CLI in, 69" 69 ctl list-extensions
IN systemctl unmask --quiet openvscode-server.service

# ---------------------------------------------------------------- url, token
check "systemctl enable --now openvscode-server.socket" IN systemctl enable --now openvscode-server.socket
expect "no token exists before the first start" "$(IN test -e $STATE/.openvscode-server/token && echo yes || echo no)" no
urls=$(ctl url 2>"$WORK/err") || not_ok "url as root" "$(cat "$WORK/err")"
token=$(IN cat "$STATE/.openvscode-server/token" 2>/dev/null || true)
tokens_seen+=("$token")
expect_match "url before the first start makes the generated token, as the launcher would (64 hex)" "$token" '^[0-9a-f]{64}$'
expect "the generated token file is the account's, 0600" "$(IN stat -c '%U %a' $STATE/.openvscode-server/token)" "$ACCOUNT 600"
expect "url: one URL per address, each with the token" \
    "$(grep -c "^https\?://.*:$PORT/?tkn=$token\$" <<<"$urls")" "$(grep -c . <<<"$urls")"
# TLS=auto (the default): https for every address but loopback (tls.js).
expect "url: https for the non-loopback addresses, http for loopback" \
    "$(grep -v -c -E "^(https://|http://(127\.0\.0\.1|\[::1\]|localhost)[:/])" <<<"$urls")" 0
expect_match "url: the loopback address is among them" "$urls" "http://127.0.0.1:$PORT/\\?tkn="
expect "the URL of url answers 302 (the first connection starts the server)" \
    "$(http_url "$(grep -m1 "^http://127.0.0.1:" <<<"$urls")")" 302
expect "token show is the same token" "$(ctl token show)" "$token"
expect "url as the account gives the same URLs" "$(as "$ACCOUNT" "$CTL" url 2>/dev/null)" "$urls"
one_line_error "url as another user: permission error" 77 as nobody "$CTL" url
check "the error names no token" bash -c "! grep -qF '$token' '$WORK/out' '$WORK/err'"
one_line_error "token show as another user: permission error" 77 as nobody "$CTL" token show
one_line_error "token rotate as the account: root only" 77 as "$ACCOUNT" "$CTL" token rotate
one_line_error "url --user of an account that does not exist: 67" 67 ctl url --user ghost

# status
status=$(ctl status)
expect_match "status: socket active and enabled" "$status" "Socket: openvscode-server.socket active enabled"
expect_match "status: listen address" "$status" "Listen: \\[::\\]:$PORT"
vscode_version=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["version"])' "$PAYLOAD/package.json")
expect_match "status: the server's kind, version and how it was chosen" "$status" \
    "Server: code-server 4\\.[0-9.]+ \\(VS Code ${vscode_version//./\\.}\\) /usr/lib/openvscode-server, chosen by the packaged server \\(/usr/lib/openvscode-server\\)"
expect_match "status: token source, generated" "$status" "Token source: generated \\($STATE/.openvscode-server/token\\)"
pid=$(main_pid)
sandbox_ok=1
for f in Uid Gid CapInh CapPrm CapEff CapBnd CapAmb NoNewPrivs Seccomp; do
    want=$(status_field "$pid" "$f")
    got=$(sed -n "s/^Sandbox $f: //p" <<<"$status")
    [[ -n $want && $got == "$want" ]] || { sandbox_ok=0; not_ok "status: Sandbox $f of pid $pid" "status: '$got'" "/proc:   '$want'"; }
done
((sandbox_ok)) && ok "status: the live sandbox (Uid Gid Cap* NoNewPrivs Seccomp) is /proc/$pid/status's"
expect "status: the sandbox is the expected one" \
    "$(sed -n 's/^Sandbox \(Uid\|CapEff\|CapBnd\|NoNewPrivs\|Seccomp\): //p' <<<"$status" | paste -sd' ')" \
    "$uid $uid $uid $uid 0000000000000000 0000000000000000 1 2"
check "status never shows the token" bash -c "! grep -qF '$token' <<<'$status'"
# status --json: the same facts, as one object.
status_json=$(ctl status --json)
expect "status --json: socket, listen, server, account, token source and sandbox as the text says" \
    "$(python3 -c '
import json, sys
s = json.load(sys.stdin)
sb = s["sandbox"]
print(s["socket"]["unit"], s["socket"]["active_state"], s["socket"]["unit_file_state"], ",".join(s["socket"]["listen"]),
      s["service"]["active_state"], s["service"]["main_pid"],
      s["server"]["found"], s["server"]["kind"], s["server"]["vscode_version"], s["server"]["root"],
      s["update_available"], s["account"]["name"], s["account"]["uid"], s["token_source"],
      sb["Uid"].split()[0], sb["CapEff"], sb["NoNewPrivs"], sb["Seccomp"])' <<<"$status_json" 2>&1)" \
    "openvscode-server.socket active enabled [::]:$PORT active $pid True code-server $vscode_version /usr/lib/openvscode-server None $ACCOUNT $uid generated ($STATE/.openvscode-server/token) $uid 0000000000000000 1 2"
check "status --json never shows the token" bash -c "! grep -qF '$token' <<<'$status_json'"

# token rotate
rotate=$(ctl token rotate 2>&1) || not_ok "token rotate" "$rotate"
new_token=$(ctl token show)
tokens_seen+=("$new_token")
check "token rotate: a new 64-hex token ($rotate)" bash -c "[[ '$new_token' =~ ^[0-9a-f]{64}\$ && '$new_token' != '$token' ]]"
expect "token rotate: the file stays the account's, 0600" "$(IN stat -c '%U %a' $STATE/.openvscode-server/token)" "$ACCOUNT 600"
expect "token rotate: no temporary file left" "$(IN find $STATE/.openvscode-server -maxdepth 1 -name '.token.*' | wc -l)" 0
expect "after rotate the old token gets 403" "$(http "/?tkn=$token")" 403
expect "after rotate the new token gets 302" "$(http "/?tkn=$new_token")" 302
check "rotate printed no token" bash -c "! grep -qF '$new_token' <<<'$rotate'"
token=$new_token

# ---------------------------------------------------------------- extensions
EXT=$STATE/.openvscode-server/extensions
before=$(listing "$EXT")
one_line_error "install-extension of a .vsix that is not a zip: 65" 65 ctl install-extension /root/broken.vsix
one_line_error "install-extension of an id the offline host cannot fetch: 69" 69 ctl install-extension nosuch.extension
expect_match "... and the error says why and what to do" "$(cat "$WORK/err")" "marketplace.*\\.vsix"
one_line_error "install-extension as another user: permission error" 77 as nobody "$CTL" install-extension "ovhtest.probe"
one_line_error "uninstall-extension of something that is not an id: usage" 64 ctl uninstall-extension 'not an id'
expect "after the failures the extensions directory is unchanged (nothing half-installed)" "$(listing "$EXT")" "$before"
expect "list-extensions is empty" "$(ctl list-extensions)" ""

out=$(ctl install-extension "/root/$VSIX_NAME" 2>&1) && ok "install-extension of the .vsix built here (root-only file)" ||
    not_ok "install-extension of the .vsix built here" "$out"
expect "list-extensions shows it" "$(ctl list-extensions --show-versions)" "ovhtest.probe@1.0.0"
expect "list-extensions as the account shows it too" "$(as "$ACCOUNT" "$CTL" list-extensions)" "ovhtest.probe"
expect "the extension's files are the account's" \
    "$(IN find "$EXT" ! -user "$ACCOUNT" | wc -l) $(IN stat -c %U "$EXT/ovhtest.probe-1.0.0/package.json")" "0 $ACCOUNT"
expect "the copy made for the account is gone" \
    "$(IN sh -c "ls -d /tmp/openvscodectl-* $STATE/.openvscode-server/openvscodectl-* 2>/dev/null | wc -l")" 0
restart_service
expect "the running server has loaded it (scanExtensions over VS Code's remote protocol)" \
    "$(scan_extensions "$token")" "ovhtest.probe"
out=$(ctl uninstall-extension ovhtest.probe 2>&1) && ok "uninstall-extension ovhtest.probe" || not_ok "uninstall-extension" "$out"
expect "list-extensions no longer shows it" "$(ctl list-extensions)" ""
one_line_error "uninstall-extension of an extension that is not installed: 65" 65 ctl uninstall-extension ovhtest.probe

# [Server] Extensions=: the vsix (named publisher.name-version.vsix) and an
# id the offline host cannot fetch
printf '[Server]\nExtensions=/srv/vsix/%s nosuch.missing\n' "$VSIX_NAME" | IN sh -c "umask 022; cat >$CONFD/70-extensions.conf"
t0=$(date +%s)
restart_service
expect "Extensions=: the server starts although one cannot be installed" "$(http "/?tkn=$token")" 302
expect "Extensions=: the .vsix was installed before the start" "$(ctl list-extensions)" "ovhtest.probe"
expect "Extensions=: the running server has it" "$(scan_extensions "$token")" "ovhtest.probe"
check "Extensions=: the failure is logged at priority 4" test -n "$(journal_lines "$t0" 4 'nosuch.missing')"
expect_match "status lists Extensions=" "$(ctl status)" "Extensions at start: /srv/vsix/$VSIX_NAME nosuch.missing"
sleep 1
t0=$(date +%s)
restart_service
expect "Extensions=: at the next start only the missing one is tried" \
    "$(journal_lines "$t0" 6 'installing' | grep -c "$VSIX_NAME" || true) $(journal_lines "$t0" 6 'installing' | grep -c nosuch.missing || true)" "0 1"
IN rm -f "$CONFD/70-extensions.conf"

# ---------------------------------------------------------------- TZ and UMASK
use_probe
printf 'TZ=Asia/Tokyo\nUMASK=027\n' | IN sh -c 'cat >/etc/openvscode-server/environment'
probe_run
expect "TZ from the environment file: date +%Z in a process of the server" "$(probe_value zone)" JST
expect "UMASK from the environment file: a file created by the server is 0640" "$(probe_value mode)" 640
expect "that process is the account's, with no_new_privs and seccomp" \
    "$(probe_value uid) $(probe_value nnp) $(probe_value seccomp)" "$uid 1 2"
IN sh -c ': >/etc/openvscode-server/environment'

# ---------------------------------------------------------------- sudo
expect_match "sudo status: disabled" "$(ctl sudo status)" "sudo: disabled"
shadow_before=$(IN getent shadow "$ACCOUNT" | cut -d: -f2)
one_line_error "sudo enable with a bad hash: 65" 65 ctl sudo enable --password-hash 'not-a-hash'
one_line_error "sudo enable with a bare salt: 65" 65 ctl sudo enable --password-hash '$6$saltsalt'
one_line_error "sudo enable as another user: permission error" 77 as nobody "$CTL" sudo enable --password-stdin
one_line_error "sudo enable with both password options: usage" 64 ctl sudo enable --password-stdin --password-hash x
expect "after the failures: no sudoers rule, no drop-in, the password unchanged" \
    "$(IN ls /etc/sudoers.d/openvscode-server $DROPINS/50-openvscodectl-sudo.conf 2>/dev/null | wc -l) $(IN getent shadow "$ACCOUNT" | cut -d: -f2)" \
    "0 $shadow_before"

IN install -d -o "$ACCOUNT" -g "$ACCOUNT" -m 0700 "$STATE/.ovh-probe"
IN sh -c "printf 'right horse battery\n' >$STATE/.ovh-probe/sudo-right; printf 'wrong\n' >$STATE/.ovh-probe/sudo-wrong; chown $ACCOUNT: $STATE/.ovh-probe/sudo-*; chmod 600 $STATE/.ovh-probe/sudo-*"
# sudo makes the account root on the host: without a terminal to confirm
# on, enable needs --accept-root, and refuses before it changes anything.
# setsid: no controlling terminal, whoever runs the test.
sudo_enable_unconfirmed() { printf 'right horse battery\n' | IN setsid -w "$CTL" sudo enable --password-stdin; }
one_line_error "sudo enable without a terminal and without --accept-root: usage, refused" 64 sudo_enable_unconfirmed
expect_match "... and it says the account becomes root on this host" "$(cat "$WORK/err")" "root on this host.*--accept-root"
expect "after the refusal: no sudoers rule, no drop-in, the password unchanged" \
    "$(IN ls /etc/sudoers.d/openvscode-server $DROPINS/50-openvscodectl-sudo.conf 2>/dev/null | wc -l) $(IN getent shadow "$ACCOUNT" | cut -d: -f2)" \
    "0 $shadow_before"
printf 'right horse battery\n' | IN "$CTL" sudo enable --password-stdin --accept-root >"$WORK/out" 2>"$WORK/err" &&
    ok "sudo enable --password-stdin --accept-root" ||
    not_ok "sudo enable --password-stdin --accept-root" "$(cat "$WORK/err")"
expect_match "sudo --help says it is root on this host" "$(ctl sudo --help)" "ROOT ON THIS HOST"
expect_match "sudo enable says it is a privilege-escalation path" "$(cat "$WORK/err")" "privilege-escalation path"
check "the sudoers rule passes visudo -c" IN visudo -c -q -f /etc/sudoers.d/openvscode-server
expect "the sudoers rule is root's, 0440" "$(IN stat -c '%U %a' /etc/sudoers.d/openvscode-server)" "root 440"
expect_match "the account has a yescrypt password now" "$(IN getent shadow "$ACCOUNT" | cut -d: -f2)" '^\$y\$'
expect_match "sudo status: enabled" "$(ctl sudo status)" "sudo: enabled"
probe_run
expect "sudo -S id -u with the password in a process of the server: 0" "$(probe_value sudo-right)" "0 0"
expect_match "sudo -S id -u with a wrong password fails" "$(probe_value sudo-wrong)" '^1 $'
pid=$(main_pid)
expect "with sudo the server keeps no_new_privs off and the unit's bounding set, nothing else" \
    "$(status_field "$pid" NoNewPrivs) $(status_field "$pid" CapEff) $(status_field "$pid" CapPrm) $(status_field "$pid" Seccomp)" \
    "0 0000000000000000 0000000000000000 2"
diag "CapBnd with sudo enabled: $(status_field "$pid" CapBnd)"
out=$(ctl sudo disable 2>&1) && ok "sudo disable" || not_ok "sudo disable" "$out"
expect "disable removed the rule, the drop-in and AllowSudo=" \
    "$(IN ls /etc/sudoers.d/openvscode-server $DROPINS/50-openvscodectl-sudo.conf $CONFD/90-openvscodectl-sudo.conf 2>/dev/null | wc -l)" 0
expect "disable restored the account's password field" "$(IN getent shadow "$ACCOUNT" | cut -d: -f2)" "$shadow_before"
probe_run
expect_match "after disable sudo fails" "$(probe_value sudo-right)" '^1 $'
pid=$(main_pid)
expect "after disable NoNewPrivs is 1 and every capability set empty again" \
    "$(status_field "$pid" NoNewPrivs) $(status_field "$pid" CapBnd) $(status_field "$pid" CapEff)" \
    "1 0000000000000000 0000000000000000"

# SUDO_PASSWORD in the environment file, applied at start by the unit's
# ExecStartPre=+openvscode-launcher --prepare-unit.
printf 'SUDO_PASSWORD=right horse battery\n' | IN sh -c 'cat >/etc/openvscode-server/environment'
probe_run
expect "SUDO_PASSWORD at start: sudo -S id -u gives 0" "$(probe_value sudo-right)" "0 0"
expect "SUDO_PASSWORD at start: the server runs without no_new_privs" "$(status_field "$(main_pid)" NoNewPrivs)" 0
expect_match "sudo status: managed by the environment" "$(ctl sudo status)" "managed by: SUDO_PASSWORD"
one_line_error "sudo disable while SUDO_PASSWORD is set: refused, config error" 78 ctl sudo disable
IN sh -c ': >/etc/openvscode-server/environment'
probe_run
expect_match "SUDO_PASSWORD removed: sudo fails at the next start" "$(probe_value sudo-right)" '^1 $'
expect "SUDO_PASSWORD removed: no_new_privs again, files gone" \
    "$(status_field "$(main_pid)" NoNewPrivs) $(IN ls /etc/sudoers.d/openvscode-server 2>/dev/null | wc -l)" "1 0"
IN rm -f "$STATE/.ovh-probe/sudo-right" "$STATE/.ovh-probe/sudo-wrong"
no_probe

# ---------------------------------------------------------------- set-user
IN groupadd -g 2345 devs
IN useradd -m -u 1234 -s /bin/bash dev
one_line_error "set-user of an account that does not exist: 67" 67 ctl set-user ghost
one_line_error "set-user root: refused" 78 ctl set-user root
one_line_error "set-user as another user: permission error" 77 as nobody "$CTL" set-user dev
printf 'PUID=1234\n' | IN sh -c 'cat >/etc/openvscode-server/environment'
one_line_error "set-user while PUID is set in the environment file: 78" 78 ctl set-user dev
IN sh -c ': >/etc/openvscode-server/environment'
expect "after the failures nothing was written" \
    "$(IN ls $CONFD/90-openvscodectl-user.conf /etc/tmpfiles.d/openvscode-server.conf $ACCOUNT_DROPIN 2>/dev/null | wc -l)" 0
out=$(ctl set-user dev devs 2>&1) && ok "set-user dev devs" || not_ok "set-user dev devs" "$out"
expect "set-user applied the tmpfiles override: dev's server state is dev:devs" \
    "$(IN stat -c '%U:%G %a' /home/dev/.openvscode-server /home/dev/.openvscode-server/extensions 2>&1 | paste -sd' ')" \
    "dev:devs 700 dev:devs 700"
# Before the service's next start the unit lacks the account drop-in
# (ProtectHome=yes hides /home/dev): the CLI's unit adds its BindPaths=.
stop_service
IN rm -f "$ACCOUNT_DROPIN"
IN systemctl daemon-reload
ctl list-extensions >"$WORK/out" 2>"$WORK/err" && rc=0 || rc=$?
expect "set-user, before the start: list-extensions runs in dev's home (exit, stdout, stderr)" \
    "$rc $(cat "$WORK/out") $(cat "$WORK/err")" "0  "
start_service
pid=$(main_pid)
expect "set-user: the server runs as 1234:2345" "$(status_field "$pid" Uid) / $(status_field "$pid" Gid)" \
    "1234 1234 1234 1234 / 2345 2345 2345 2345"
expect "set-user: systemd starts the service as dev:devs (the account drop-in)" \
    "$(IN systemctl show -P User openvscode-server.service) $(IN systemctl show -P Group openvscode-server.service) $(IN grep -c '^User=dev$' "$ACCOUNT_DROPIN" 2>&1)" \
    "dev devs 1"
dev_token=$(IN cat /home/dev/.openvscode-server/token 2>/dev/null || true)
tokens_seen+=("$dev_token")
expect "set-user: dev's URL answers 302" "$(http_url "$(ctl url | grep -m1 '^http://127.0.0.1:')")" 302
expect "set-user: the URL carries dev's token" "$(ctl token show)" "$dev_token"
out=$(ctl set-user "$ACCOUNT" 2>&1) && ok "set-user $ACCOUNT: back to the default" || not_ok "set-user back" "$out"
expect "back to the default: the overrides are gone" \
    "$(IN ls $CONFD/90-openvscodectl-user.conf /etc/tmpfiles.d/openvscode-server.conf $ACCOUNT_DROPIN 2>/dev/null | wc -l)" 0
start_service
expect "back to the default: the server runs as $ACCOUNT again" "$(status_field "$(main_pid)" Uid)" "$uid $uid $uid $uid"

# sudo belongs to the account it was enabled for. Enabled for the default
# account, then the service moved to dev: set-user refuses, and when the
# account changes anyway (PUID), disable restores the default account's
# password and leaves dev's alone (it once locked dev's and kept the
# default account's sudo hash).
IN sh -c 'echo "dev:\$6\$devsalt\$devshadowvalue" | chpasswd -e'
dev_shadow=$(IN getent shadow dev | cut -d: -f2)
default_shadow=$(IN getent shadow "$ACCOUNT" | cut -d: -f2)
printf 'right horse battery\n' | IN "$CTL" sudo enable --password-stdin --accept-root >"$WORK/out" 2>"$WORK/err" ||
    not_ok "sudo enable for the account switch" "$(cat "$WORK/err")"
one_line_error "set-user dev while sudo is enabled for $ACCOUNT: refused, config error" 78 ctl set-user dev
expect_match "... naming the account sudo is enabled for and the way out" "$(cat "$WORK/err")" \
    "sudo is enabled for $ACCOUNT; run openvscodectl sudo disable first"
expect "after the refusal nothing of set-user was written" \
    "$(IN ls $CONFD/90-openvscodectl-user.conf /etc/tmpfiles.d/openvscode-server.conf 2>/dev/null | wc -l)" 0
printf 'PUID=1234\nPGID=2345\n' | IN sh -c 'cat >/etc/openvscode-server/environment'
restart_service
expect "PUID moved the service to dev with sudo still enabled for $ACCOUNT" "$(status_field "$(main_pid)" Uid | cut -d' ' -f1)" 1234
out=$(ctl sudo disable 2>&1) && ok "sudo disable while the service runs as dev" || not_ok "sudo disable as dev" "$out"
expect "disable restored $ACCOUNT's password (the account sudo was enabled for)" \
    "$(IN getent shadow "$ACCOUNT" | cut -d: -f2)" "$default_shadow"
expect "disable left dev's own password alone" "$(IN getent shadow dev | cut -d: -f2)" "$dev_shadow"
expect "disable removed the rule and the drop-ins" \
    "$(IN ls /etc/sudoers.d/openvscode-server $DROPINS/50-openvscodectl-sudo.conf $CONFD/90-openvscodectl-sudo.conf 2>/dev/null | wc -l)" 0
IN sh -c ': >/etc/openvscode-server/environment'
restart_service

# ---------------------------------------------------------------- a per-user instance (--user)
IN useradd -m -s /bin/bash alice
IN systemctl enable --now --quiet openvscode-server@alice.socket
alice_url=$(ctl url --user alice 2>&1) || not_ok "url --user alice" "$alice_url"
alice_token=$(ctl token show --user alice 2>/dev/null || true)
tokens_seen+=("$alice_token")
expect "url --user alice: the AF_UNIX socket and alice's token, before her first start" "$alice_url" \
    "http://localhost/?tkn=$alice_token (through the AF_UNIX socket /run/openvscode-server/users/alice.sock)"
expect "alice's URL answers 302 on her socket" \
    "$(printf 'url = "http://localhost/?tkn=%s"\nunix-socket = "/run/openvscode-server/users/alice.sock"\noutput = "/dev/null"\nwrite-out = "%%{http_code}"\nsilent\nmax-time = 30\n' "$alice_token" | IN curl -K - || true)" 302
expect "url --user alice as alice herself" "$(as alice "$CTL" url --user alice 2>&1)" "$alice_url"
one_line_error "url --user alice as dev: permission error" 77 as dev "$CTL" url --user alice
IN systemctl disable --now --quiet openvscode-server@alice.socket openvscode-server@alice.service

# ---------------------------------------------------------------- import-config
# A container-shaped /config: files of the container's abc (uid 911).
FIX=$ROOT/srv/config
mkdir -p "$FIX/workspace/project" "$FIX/.openvscode-server/data/User" "$FIX/.openvscode-server/data/logs/old" \
    "$FIX/.ssh" "$FIX/custom-cont-init.d"
printf 'hello from the container\n' >"$FIX/workspace/project/README.md"
ln -s project/README.md "$FIX/workspace/readme-link"
printf '{\n    "editor.fontSize": 17,\n    "files.autoSave": "afterDelay"\n}\n' >"$FIX/.openvscode-server/data/User/settings.json"
printf 'old log\n' >"$FIX/.openvscode-server/data/logs/old/remoteagent.log"
printf 'not a real key\n' >"$FIX/.ssh/id_ed25519"
chmod 0600 "$FIX/.ssh/id_ed25519"
printf '# the container user'"'"'s bashrc\nalias ll="ls -l"\n' >"$FIX/.bashrc"
printf '[user]\n\tname = Container User\n' >"$FIX/.gitconfig"
printf '#!/bin/sh\necho init\n' >"$FIX/custom-cont-init.d/10-hook"
"$NODE" "$PAYLOAD/out/server-main.js" --extensions-dir "$FIX/.openvscode-server/extensions" \
    --user-data-dir "$WORK/cli-data" --install-extension "$WORK/$VSIX_NAME" >"$WORK/fixture-ext.log" 2>&1 ||
    { cat "$WORK/fixture-ext.log"; bail "cannot install the extension into the fixture"; }
chown -R 911:911 "$FIX"
one_line_error "import-config of a directory that is not a container's /config: 65" 65 ctl import-config /etc
# The extension leaves the home first, so that only the import can bring it
# back; a start lets the server clean the uninstalled one away.
ctl uninstall-extension ovhtest.probe >/dev/null 2>&1 || true
restart_service
expect "before the import the server has no extension" "$(scan_extensions "$token")" ""
stop_service
# An uninstall that the server has not yet carried out. VS Code 1.100's
# server left the entry in extensions/.obsolete through the start above;
# 1.139's leaves none (seen in this test). The entry is written as the
# account, in VS Code's own form, so the import meets the case it must
# handle: a home that marked the extension it brings back as uninstalled.
ext_folder=$(ls "$FIX/.openvscode-server/extensions" | grep -m1 '^ovhtest\.probe-')
as "$ACCOUNT" sh -c "umask 077; printf '{\"%s\":true}' '$ext_folder' >$STATE/.openvscode-server/extensions/.obsolete"
home_before=$(listing "$STATE")
out=$(ctl import-config --dry-run /srv/config 2>&1) && ok "import-config --dry-run" || not_ok "import-config --dry-run" "$out"
expect_match "--dry-run lists what it would copy" "$out" "copy +\\.openvscode-server/data/User/settings\\.json"
expect_match "--dry-run lists the conflicting .bashrc" "$out" "conflict \\.bashrc"
expect_match "--dry-run skips the container's hooks" "$out" "skip +custom-cont-init\\.d"
expect "--dry-run changed nothing" "$(listing "$STATE")" "$home_before"
ctl import-config /srv/config >"$WORK/out" 2>"$WORK/err" && rc=0 || rc=$?
expect "import-config with a conflict and no --force: 73" "$rc" 73
expect_match "... with one line naming --force" "$(cat "$WORK/err")" "^openvscodectl: .*--force"
expect "... and nothing changed" "$(listing "$STATE")" "$home_before"
out=$(ctl import-config --force /srv/config 2>&1) && ok "import-config --force" || not_ok "import-config --force" "$out"
diag "$(tail -2 <<<"$out")"
expect_match "import-config reports what it did" "$(grep '^Imported' <<<"$out")" "^Imported /srv/config into $STATE as $ACCOUNT: [0-9]+ files"
expect_match "import-config took the imported extension off the home's .obsolete" "$out" "1 imported extensions were listed as uninstalled"
expect "imported files are the account's" "$(IN find "$STATE" ! -user "$ACCOUNT" | wc -l)" 0
expect "imported settings.json" "$(IN cat "$STATE/.openvscode-server/data/User/settings.json")" \
    "$(cat "$FIX/.openvscode-server/data/User/settings.json")"
expect "imported the workspace and its link" \
    "$(IN cat "$STATE/workspace/project/README.md") $(IN readlink "$STATE/workspace/readme-link")" \
    "hello from the container project/README.md"
expect "imported .ssh keeps 0600, .bashrc replaced" \
    "$(IN stat -c %a "$STATE/.ssh/id_ed25519") $(IN grep -c 'alias ll' "$STATE/.bashrc")" "600 1"
expect "the container's hooks and old logs were not imported" \
    "$(IN ls -d "$STATE/custom-cont-init.d" "$STATE/.openvscode-server/data/logs/old" 2>/dev/null | wc -l)" 0
start_service
expect "after the import the server starts (302)" "$(http "/?tkn=$token")" 302
expect "after the import the running server has the container's extension" "$(scan_extensions "$token")" "ovhtest.probe"
expect "after the import list-extensions shows it" "$(ctl list-extensions)" "ovhtest.probe"
expect "the server kept the imported settings" "$(IN grep -c '"editor.fontSize": 17' "$STATE/.openvscode-server/data/User/settings.json")" 1

# ---------------------------------------------------------------- check
out=$(ctl check 2>&1) && ok "check: the launcher's --check exits 0" || not_ok "check" "$out"
expect_match "check prints the plan" "$out" "user=$ACCOUNT"
check "check prints no token" bash -c "! grep -qF '$token' <<<'$out'"
printf '[Server]\nTelemetry=sometimes\n' | IN sh -c "umask 022; cat >$CONFD/80-broken.conf"
ctl check >"$WORK/out" 2>"$WORK/err" && rc=0 || rc=$?
expect "check of a broken configuration: the launcher's 78" "$rc" 78
expect_match "... with the launcher's one line naming the file" "$(cat "$WORK/err")" "80-broken.conf:2"
IN rm -f "$CONFD/80-broken.conf"

# ---------------------------------------------------------------- the extension CLI's sandbox
# The extension verbs run VS Code's CLI for root. It must run where the
# server runs: in the service's sandbox, not in root's mount namespace,
# session and terminal, where a process of the server (same uid) could use
# its /proc/PID/root to leave the sandbox. openvscodectl runs under
# script(1), so it has a terminal and a session to leak; the CLI holds
# (tests/ctl/cli-hold-node.sh as Node=) while a process in the service's
# mount namespace, as the account and without capabilities, attacks it.
IN useradd -m -s /bin/bash bob
IN sh -c 'chmod 0755 /home/bob; echo bob-secret >/home/bob/secret; chmod 0644 /home/bob/secret'
printf '[Server]\nNode=%s/cli-hold-node.sh\n' "$TEST_DIR" | IN sh -c "umask 022; cat >$CONFD/60-system-test-cli-hold.conf"
# The properties the CLI's unit copies from the service (src/core/systemd.c).
sandbox_properties=$(sed -n '/ovh_systemd_sandbox_properties\[\] = {/,/NULL/p' "$SRC/src/core/systemd.c" | grep -o '"[A-Za-z]*"' | tr -d '"' || true)
# stat_field PID N: field N of /proc/PID/stat (6 session, 7 tty_nr)
stat_field() { IN sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f$(($2 - 2)); }
# sorted VALUE: the words of a property value in order (sets come in any order)
sorted() { tr ' ' '\n' <<<"$1" | sort | paste -sd' '; }

# cli_sandbox LABEL ACCOUNT HOME SERVICE TARGET LISTED [--user NAME]: LISTED
# is what list-extensions prints in the end
cli_sandbox() {
    local label=$1 acct=$2 home=$3 service=$4 target=$5 listed=$6
    shift 6
    local hold=$home/.ovh-cli-hold pid= spid ctl_pid unit job i rc=0
    IN rm -rf "$hold"
    IN install -d -o "$acct" -g "$(IN id -g "$acct")" -m 0700 "$hold"
    # A file the account may write by its permissions, read-only in the service.
    IN install -o "$acct" -m 0644 /dev/null "$target"
    IN script -qec "$CTL list-extensions $*" /dev/null >"$WORK/hold.out" 2>&1 &
    job=$!
    for i in $(seq 300); do
        pid=$(IN cat "$hold/pid" 2>/dev/null || true)
        [[ -n $pid ]] && break
        sleep 0.1
    done
    if [[ -z $pid ]]; then
        not_ok "$label: the CLI runs and holds" "$(cat "$WORK/hold.out")"
        IN touch "$hold/go"
        wait "$job" || true
        return
    fi
    spid=$(unit_prop "$service" MainPID)
    # A process of the server: its mount namespace, the account, no capabilities.
    from_server() {
        IN nsenter -t "$spid" -m -- setpriv --reuid="$acct" --regid="$(IN id -g "$acct")" --clear-groups \
            --inh-caps=-all --bounding-set=-all --no-new-privs -- sh -c "$1" sh "$pid" "$target" 2>&1 || true
    }
    expect "$label: the server itself can neither read /home/bob/secret nor write $target" \
        "$(from_server 'cat /home/bob/secret >/dev/null 2>&1 && echo read; { echo x >>"$2"; } 2>/dev/null && echo write; echo done')" done
    expect "$label: nor through the running CLI's /proc/PID/root (another home, past ProtectSystem=)" \
        "$(from_server 'cat "/proc/$1/root/home/bob/secret" 2>/dev/null; { echo x >>"/proc/$1/root$2"; } 2>/dev/null && echo write; echo done')" done
    expect "$label: $target is untouched" "$(IN stat -c %s "$target")" 0
    expect "$label: the CLI has no capability, no_new_privs and the filter (CapEff CapPrm CapBnd NoNewPrivs Seccomp)" \
        "$(status_field "$pid" CapEff) $(status_field "$pid" CapPrm) $(status_field "$pid" CapBnd) $(status_field "$pid" NoNewPrivs) $(status_field "$pid" Seccomp)" \
        "0000000000000000 0000000000000000 0000000000000000 1 2"
    ctl_pid=$(IN pgrep -xo openvscodectl || true)
    expect "$label: openvscodectl has a terminal, the CLI none (tty_nr)" \
        "$([[ -n $ctl_pid && $(stat_field "$ctl_pid" 7) != 0 ]] && echo tty) $(stat_field "$pid" 7)" "tty 0"
    check "$label: the CLI's session is not openvscodectl's" \
        test -n "$ctl_pid" -a "$(stat_field "$pid" 6)" != "$(stat_field "$ctl_pid" 6)"
    unit=$(IN sed -n 's|.*/\(openvscode-server-cli-[0-9a-f]*\.service\)$|\1|p' "/proc/$pid/cgroup" | head -n 1)
    expect_match "$label: the CLI runs in a transient unit of its own" "$unit" '^openvscode-server-cli-[0-9a-f]{16}\.service$'
    if [[ -n $unit ]]; then
        local differ=() p n=0
        for p in $sandbox_properties; do
            n=$((n + 1))
            [[ $(sorted "$(unit_prop "$service" "$p")") == "$(sorted "$(unit_prop "$unit" "$p")")" ]] || differ+=("$p")
        done
        expect "$label: the unit's $n sandbox properties are $service's (those that differ)" "${differ[*]:-none}" none
        expect "$label: the unit runs as the account, with NoNewPrivileges and no capability" \
            "$(unit_prop "$unit" User) $(unit_prop "$unit" NoNewPrivileges) $(unit_prop "$unit" CapabilityBoundingSet)" \
            "$acct yes "
    else
        not_ok "$label: the unit's sandbox properties are $service's" "no unit"
        not_ok "$label: the unit runs as the account, with NoNewPrivileges and no capability" "no unit"
    fi
    IN touch "$hold/go"
    wait "$job" || rc=$?
    expect "$label: list-extensions ends well once the CLI goes on" "$rc $(tr -d '\r' <"$WORK/hold.out")" "0 $listed"
    expect "$label: nothing of the unit is left" \
        "$(IN systemctl list-units --all --no-legend 'openvscode-server-cli-*' | wc -l)" 0
    IN rm -rf "$hold"
}
check "the server runs" test -n "$(main_pid)"
cli_sandbox "default instance" "$ACCOUNT" "$STATE" openvscode-server.service /usr/local/lib/ovh-cli-target \
    ovhtest.probe

IN systemctl enable --now --quiet openvscode-server@alice.socket
IN systemctl start openvscode-server@alice.service
cli_sandbox "per-user instance" alice /home/alice openvscode-server@alice.service /usr/local/lib/ovh-cli-target-alice "" \
    --user alice
IN systemctl disable --now --quiet openvscode-server@alice.socket openvscode-server@alice.service
IN rm -f "$CONFD/60-system-test-cli-hold.conf"

# An extension's name with an escape sequence (it would retitle the admin's
# terminal): openvscodectl prints it escaped.
mkdir -p "$WORK/esc-extension"
cp "$SRC/tests/ctl/probe-extension/extension.js" "$WORK/esc-extension/"
python3 -c 'import json, sys
m = json.load(open(sys.argv[1])); m["name"] = "esc\u001b]0;pwned\u0007name"
json.dump(m, open(sys.argv[2], "w"))' "$SRC/tests/ctl/probe-extension/package.json" "$WORK/esc-extension/package.json"
python3 "$SRC/tests/ctl/make-vsix.py" "$WORK/esc-extension" "$WORK/ovhtest.esc.vsix"
install -m 0600 "$WORK/ovhtest.esc.vsix" "$ROOT/root/ovhtest.esc.vsix"
out=$(ctl install-extension /root/ovhtest.esc.vsix 2>&1) && ok "install-extension of an extension whose name holds ESC ] 0 ; ... BEL" ||
    not_ok "install-extension of the escape extension" "$out"
ctl list-extensions --show-versions >"$WORK/esc.out" 2>&1 || true
check "list-extensions prints the name escaped: ovhtest.esc\x1b]0;pwned\x07name@1.0.0" \
    grep -qxF 'ovhtest.esc\x1b]0;pwned\x07name@1.0.0' "$WORK/esc.out"
expect "list-extensions writes no control character but newlines" "$(tr -d '\n' <"$WORK/esc.out" | LC_ALL=C grep -c '[[:cntrl:]]' || true)" 0

# ---------------------------------------------------------------- the token never leaks
journal_holds_no_token "${tokens_seen[@]}"

IN systemctl poweroff >/dev/null 2>&1 || true
nspawn_wait_exit 60
diag "total time $(elapsed "$t_start") s"
finish

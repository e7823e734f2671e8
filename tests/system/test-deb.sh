#!/bin/bash
# System test: the Debian packages on a real systemd, installed, upgraded,
# removed and purged with apt inside a systemd-nspawn container.
#
# The packages come from tests/package/build-debs (cached): the payload
# openvscode-server, VS Code 1.139.1 with its own Node 24 (the release
# tarball that tests/package/make-payload-tarball makes with
# OVH_PAYLOAD_VSCODE=1.139.1, packed with zstd), openvscode-host as the
# tree builds it (the "new" build) and the same tree built with a lower version (the "previous"
# build, VERSION~prev1). The container is a copy of the cached Debian root
# (tests/system/lib-nspawn.sh), offline (--private-network): everything the
# packages depend on is preinstalled there, and apt installs the .deb files
# from a bind mount.
#
#   1. without the payload: the socket listens, the first connection fails
#      with the launcher's error naming the fix;
#   2. install: socket enabled and active, service inactive, the first
#      connection served (figure: apt-get install -> first response);
#   3. upgrade previous -> new while a client connects every 50 ms: no
#      connection refused, the server restarted after the new files were
#      in place, the socket never restarted, settings, extensions and token
#      kept; a reinstalled payload restarts the server through the trigger;
#   4. remove: servers (default and per-user) and socket stopped, socket
#      disabled, configuration kept; a reinstallation enables it again;
#   5. purge: configuration and generated token gone, workspace/, settings
#      and the account kept (README.Debian).
#
#   sudo tests/system/test-deb.sh          (TAP on stdout)
#
# Environment:
#   OVH_CACHE      cache outside the checkout (default /var/cache/openvscode-host)
#   OVH_DEB_DIR    take openvscode-host_*.deb and openvscode-server_*.deb from
#                  here instead of building them (the "previous" build is
#                  still built from the tree)
#   OVH_KEEP=1     keep the scratch directory
#   CI=true        turn a skip into a failure
#
# Exit: 0 all passed, 1 a check failed, 77 skipped (not root, or no nspawn).
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/system/lib-nspawn.sh
source "$SRC/tests/system/lib-nspawn.sh"

ACCOUNT=openvscode-server
STATE=/var/lib/openvscode-server
PORT=3000

# ---------------------------------------------------------------- TAP
# shellcheck source=tests/lib-tap.sh
source "$SRC/tests/lib-tap.sh"
t_start=$(now)

# ---------------------------------------------------------------- preconditions
reason=$(nspawn_possible) || skip_all "$reason"
command -v curl >/dev/null || bail "curl not found"
# systemd-nspawn copies the host's /dev/null into the container.
[[ -c /dev/null ]] || bail "the host's /dev/null is not a character device: mknod -m 666 /dev/null c 1 3"

nspawn_workdir deb 0755

# The cached root and the packages, side by side on a cold machine.
nspawn_build_root >"$WORK/build-root.log" 2>&1 &
ROOT_JOB=$!
DEBS=$WORK/debs
mkdir -p "$DEBS/prev" "$DEBS/new"
version=$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version)
prev_version="$version~prev1"
build_log=$WORK/build-debs.log
if [[ -n ${OVH_DEB_DIR:-} ]]; then
    cp "$OVH_DEB_DIR"/openvscode-host_*.deb "$OVH_DEB_DIR"/openvscode-server_*.deb "$DEBS/new/" ||
        bail "no openvscode-host and openvscode-server .deb files in $OVH_DEB_DIR"
else
    # Today's VS Code as the payload; zstd: xz would spend minutes on its
    # 700 MB (the package suite lints the default payload with xz).
    tarball=$(OVH_PAYLOAD_VSCODE=1.139.1 "$SRC/tests/package/make-payload-tarball" amd64 2>"$build_log") ||
        { tail -n 30 "$build_log"; bail "tests/package/make-payload-tarball failed"; }
    new=$(OVH_PAYLOAD_TARBALL=$tarball DPKG_DEB_COMPRESSOR_TYPE=zstd "$SRC/tests/package/build-debs" --payload-only 2>>"$build_log") ||
        { tail -n 30 "$build_log"; bail "tests/package/build-debs --payload-only failed"; }
    # openvscode-host as the package suite builds and lints it (xz).
    new+=$'\n'$("$SRC/tests/package/build-debs" --host-only 2>>"$build_log") ||
        { tail -n 30 "$build_log"; bail "tests/package/build-debs --host-only failed"; }
    mapfile -t new <<<"$new"
    cp "${new[@]}" "$DEBS/new/"
fi
prev=$("$SRC/tests/package/build-debs" --host-only --version "$prev_version" 2>>"$build_log") ||
    { tail -n 30 "$build_log"; bail "tests/package/build-debs --version $prev_version failed"; }
mapfile -t prev <<<"$prev"
cp "${prev[@]}" "$DEBS/prev/"
wait "$ROOT_JOB" || { cat "$WORK/build-root.log"; ROOT_JOB=; bail "cannot build the cached root $OVH_ROOT"; }
ROOT_JOB=
new_host=$(cd "$DEBS/new" && ls openvscode-host_*.deb)
payload=$(cd "$DEBS/new" && ls openvscode-server_*.deb)
prev_host=$(cd "$DEBS/prev" && ls openvscode-host_*.deb)
new_version=$(dpkg-deb -f "$DEBS/new/$new_host" Version)
diag "packages: prev/$prev_host new/$new_host new/$payload ($(du -k "$DEBS/new/$payload" | cut -f1) KiB), ready after $(elapsed "$t_start") s"
nspawn_enter_cgroup

# ---------------------------------------------------------------- helpers
ROOT=$(nspawn_copy_root "$WORK")
NSPAWN_ARGS=(--private-network "--bind-ro=$DEBS:/mnt/debs")

# http [PATH]: the HTTP status of GET PATH on the socket's port ("000" when
# the connection failed). The URL goes to curl on stdin: a token in argv
# would be visible to every process.
http() {
    printf 'url = "http://127.0.0.1:%s%s"\noutput = "/dev/null"\nwrite-out = "%%{http_code}"\nsilent\nmax-time = 30\n' \
        "$PORT" "${1:-/}" | IN curl -K - 2>/dev/null || true
}
unit_prop() { IN systemctl show -P "$2" "$1"; }
main_pid() { unit_prop openvscode-server.service MainPID; }
is_active() { IN systemctl is-active "$1" 2>/dev/null || true; }
is_enabled() { IN systemctl is-enabled "$1" 2>/dev/null || true; }
token_file=$STATE/.openvscode-server/token
read_token() { IN cat "$token_file" 2>/dev/null || true; }
apt_install() { IN env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"; }
apt_run() { IN env DEBIAN_FRONTEND=noninteractive apt-get -y -q "$@"; }
# The monotonic clock, in microseconds, that systemd's *TimestampMonotonic
# properties use (the container shares the host's kernel clock).
now_us() { awk '{ printf "%d", $1 * 1000000 }' /proc/uptime; }
# starts COUNT: how many times the launcher has started a server.
starts() { IN journalctl -u openvscode-server.service -o cat --no-pager 2>/dev/null | grep -c '^starting VS Code server' || true; }

# ================================================================ boot
t_boot=$(date +%s.%N)
nspawn_boot "$ROOT" "ovh-deb-$$" "$WORK/console.log" "${NSPAWN_ARGS[@]}" || bail "the container did not boot"
expect "container boots: systemd reaches running ($(elapsed "$t_boot") s)" "$NSPAWN_STATE" running

# ================================================================ 1. without the payload
if apt_install --no-install-recommends "/mnt/debs/prev/$prev_host" >"$WORK/apt-1.log" 2>&1; then
    ok "apt-get install openvscode-host alone (previous build $prev_version)"
else
    not_ok "apt-get install openvscode-host alone" "$(tail -n 20 "$WORK/apt-1.log")"
fi
expect "without the payload: the socket is enabled and listening" \
    "$(is_enabled openvscode-server.socket) $(is_active openvscode-server.socket)" "enabled active"
# The connection waits in the backlog while the service fails: a short
# timeout (the socket gives up after the service's start limit).
IN curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$PORT/" || true
missing=$(IN journalctl -u openvscode-server.service -o cat --no-pager 2>/dev/null | grep -m1 'no VS Code server' || true)
check "without the payload: the journal names the fixes ($missing)" \
    grep -q 'install one with openvscodectl server install code-server (or the openvscode-server package)' <<<"$missing"
expect "without the payload: the launcher exits 66 (EX_NOINPUT), not restarted" \
    "$(unit_prop openvscode-server.service ExecMainStatus) $(unit_prop openvscode-server.service NRestarts)" "66 0"
IN systemctl reset-failed openvscode-server.service openvscode-server.socket >/dev/null 2>&1 || true
apt_run purge openvscode-host >"$WORK/apt-1p.log" 2>&1 || not_ok "purge after the payload check" "$(tail "$WORK/apt-1p.log")"
IN rm -rf "$STATE"
IN userdel "$ACCOUNT" >/dev/null 2>&1 || true

# ================================================================ 2. install
t0=$(date +%s.%N)
if apt_install "/mnt/debs/prev/$prev_host" "/mnt/debs/new/$payload" >"$WORK/apt-2.log" 2>&1; then
    ok "apt-get install openvscode-host ($prev_version) and $payload"
else
    not_ok "apt-get install openvscode-host and openvscode-server" "$(tail -n 20 "$WORK/apt-2.log")"
fi
t_installed=$(elapsed "$t0")
expect "install: socket enabled and active" \
    "$(is_enabled openvscode-server.socket) $(is_active openvscode-server.socket)" "enabled active"
# indirect: not enabled itself, only through the socket its Also= names.
expect "install: service not enabled itself (indirect, through the socket) and inactive" \
    "$(is_enabled openvscode-server.service) $(is_active openvscode-server.service)" "indirect inactive"
expect "install: the update timer ships disabled and stopped (openvscodectl server update --timer runs only when the admin enables it)" \
    "$(is_enabled openvscode-server-update.timer) $(is_active openvscode-server-update.timer)" "disabled inactive"
t1=$(date +%s.%N)
first=$(http /)
install_to_first=$(elapsed "$t0")
first_after_apt=$(elapsed "$t1")
expect "install: the first connection is served by VS Code's server (403 without a token)" "$first" 403
diag "figure: install to first response $install_to_first s (apt-get install of both packages $t_installed s, then the first connection $first_after_apt s)"
expect "install: service active after the first connection" "$(is_active openvscode-server.service)" active
main=$(main_pid)
expect "install: the server runs the payload's own node" "$(IN readlink "/proc/$main/exe")" /usr/lib/openvscode-server/node
token=$(read_token)
check "install: a token was generated" bash -c "[[ '$token' =~ ^[0-9a-f]{64}\$ ]]"
expect "install: GET /?tkn=TOKEN answers 302" "$(http "/?tkn=$token")" 302

# What a user makes: settings, an extension, a file in the workspace.
IN runuser -u "$ACCOUNT" -- sh -c "
    mkdir -p $STATE/.openvscode-server/data/User $STATE/.openvscode-server/extensions/ovh-test.sample-1.0.0 &&
    printf '{\"editor.fontSize\": 15}\n' >$STATE/.openvscode-server/data/User/settings.json &&
    printf '{\"name\": \"sample\", \"publisher\": \"ovh-test\", \"version\": \"1.0.0\", \"engines\": {\"vscode\": \"*\"}}\n' \
        >$STATE/.openvscode-server/extensions/ovh-test.sample-1.0.0/package.json &&
    printf 'work\n' >$STATE/workspace/notes.txt"
kept() {
    IN sh -c "cat $STATE/.openvscode-server/data/User/settings.json \
        $STATE/.openvscode-server/extensions/ovh-test.sample-1.0.0/package.json $token_file $STATE/workspace/notes.txt" |
        sha256sum | cut -c1-16
}
kept_before=$(kept)

# ================================================================ 3. upgrade under load
socket_since=$(unit_prop openvscode-server.socket ActiveEnterTimestampMonotonic)
old_main=$(main_pid)
starts_before=$(starts)
load_start upgrade
t_upgrade=$(now_us)
t0=$(date +%s.%N)
if apt_install "/mnt/debs/new/$new_host" >"$WORK/apt-3.log" 2>&1; then
    ok "apt-get install: upgrade $prev_version -> $new_version while a client connects every 50 ms"
else
    not_ok "apt-get install: upgrade to $new_version" "$(tail -n 20 "$WORK/apt-3.log")"
fi
t_upgraded=$(elapsed "$t0")
# Until the new server has answered a while.
for _ in $(seq 100); do [[ $(http /version) == 200 ]] && break; sleep 0.1; done
sleep 1
load_stop upgrade
diag "figure: upgrade took $t_upgraded s; during it $LOAD_SUMMARY (the slowest waited in the socket's backlog while the server restarted)"
# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
expect "upgrade: openvscode-host is now $new_version" "$(IN dpkg-query -W -f='${Version}' openvscode-host)" "$new_version"
new_main=$(main_pid)
started=$(unit_prop openvscode-server.service ExecMainStartTimestampMonotonic)
check "upgrade: the server restarted (main pid $old_main -> $new_main)" test "$new_main" != "$old_main" -a "$new_main" != 0
check "upgrade: ... after the upgrade began, on the new files" test "${started:-0}" -gt "$t_upgrade"
expect "upgrade: the launcher started exactly one new server" "$(starts)" "$((starts_before + 1))"
expect "upgrade: the socket was not restarted" "$(unit_prop openvscode-server.socket ActiveEnterTimestampMonotonic)" "$socket_since"
expect "upgrade: settings, the extension, the token and the workspace are unchanged" "$(kept)" "$kept_before"
expect "upgrade: the token still opens the IDE (302)" "$(http "/?tkn=$token")" 302

# A new payload (here the same one reinstalled) restarts the server through
# openvscode-host's file trigger on /usr/lib/openvscode-server.
old_main=$(main_pid)
if apt_install --reinstall "/mnt/debs/new/$payload" >"$WORK/apt-3r.log" 2>&1; then
    ok "apt-get install --reinstall $payload"
else
    not_ok "apt-get install --reinstall the payload" "$(tail -n 20 "$WORK/apt-3r.log")"
fi
check "payload reinstalled: the trigger restarted the server (main pid $old_main -> $(main_pid))" \
    test "$(main_pid)" != "$old_main" -a "$(main_pid)" != 0
expect "payload reinstalled: served (302)" "$(http "/?tkn=$token")" 302

# ================================================================ 4. remove
IN useradd -m -s /bin/bash alice
IN systemctl enable --now openvscode-server@alice.socket >/dev/null 2>&1
IN curl -s -o /dev/null --max-time 30 --unix-socket /run/openvscode-server/users/alice.sock http://localhost/ || true
expect "a per-user instance runs before the removal" "$(is_active openvscode-server@alice.service)" active
if apt_run remove openvscode-host >"$WORK/apt-4.log" 2>&1; then ok "apt-get remove openvscode-host"; else
    not_ok "apt-get remove openvscode-host" "$(tail -n 20 "$WORK/apt-4.log")"; fi
expect "remove: the socket, the service and alice's instance are stopped" \
    "$(is_active openvscode-server.socket) $(is_active openvscode-server.service) $(is_active openvscode-server@alice.service) $(is_active openvscode-server@alice.socket)" \
    "inactive inactive inactive inactive"
expect "remove: no process of the account or alice is left" "$(IN pgrep -u "$ACCOUNT,alice" | wc -l)" 0
expect "remove: port $PORT is closed" "$(http /)" 000
check "remove: the socket is disabled (no link left in sockets.target.wants)" \
    IN test ! -e /etc/systemd/system/sockets.target.wants/openvscode-server.socket -a ! -L /etc/systemd/system/sockets.target.wants/openvscode-server.socket
check "remove: the configuration is kept" IN test -f /etc/openvscode-server/launcher.conf
expect "remove: the token is kept" "$(read_token)" "$token"
# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
expect "remove: the package is in state config-files" "$(IN dpkg-query -W -f='${db:Status-Abbrev}' openvscode-host)" "rc "

if apt_install "/mnt/debs/new/$new_host" >"$WORK/apt-4i.log" 2>&1; then ok "reinstall after remove"; else
    not_ok "reinstall after remove" "$(tail -n 20 "$WORK/apt-4i.log")"; fi
expect "reinstall: the socket is enabled and active again" \
    "$(is_enabled openvscode-server.socket) $(is_active openvscode-server.socket)" "enabled active"
expect "reinstall: served with the same token (302)" "$(http "/?tkn=$token")" 302

# ================================================================ 5. purge
if apt_run purge openvscode-host >"$WORK/apt-5.log" 2>&1; then ok "apt-get purge openvscode-host"; else
    not_ok "apt-get purge openvscode-host" "$(tail -n 20 "$WORK/apt-5.log")"; fi
check "purge: /etc/openvscode-server is gone" IN test ! -e /etc/openvscode-server
check "purge: the generated token is gone" IN test ! -e "$token_file"
expect "purge: the workspace is kept" "$(IN cat "$STATE/workspace/notes.txt" 2>&1)" work
check "purge: settings and extensions are kept" \
    IN test -f "$STATE/.openvscode-server/data/User/settings.json" -a -f "$STATE/.openvscode-server/extensions/ovh-test.sample-1.0.0/package.json"
check "purge: the account is kept" IN getent passwd "$ACCOUNT"
# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
expect "purge: the package is gone from dpkg's database" "$(IN dpkg-query -W -f='${db:Status-Abbrev}' openvscode-host 2>/dev/null || echo none)" none
expect "purge: no unit of the package is left" "$(IN systemctl list-unit-files 'openvscode-server*' --no-legend 2>/dev/null | wc -l)" 0

IN systemctl poweroff >/dev/null 2>&1 || true
nspawn_wait_exit 60
diag "total time $(elapsed "$t_start") s"

finish

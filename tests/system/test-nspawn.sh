#!/bin/bash
# System test: the package on a real systemd, booted with systemd-nspawn.
#
# A cached Debian root (tests/system/lib-nspawn.sh) with the runtime
# dependencies preinstalled gets the project installed into it (meson
# install, or the .deb files of OVH_DEB_DIR), is booted with its own
# systemd as PID 1, and `systemctl enable --now openvscode-server.socket`
# has to be the whole setup. The server payload is VS Code's real server
# (nspawn_payload, tests/system/lib-nspawn.sh). Then: socket activation, the login flow, the
# account and every process's credentials, the journal, restarts under
# load, crash recovery, the token as a credential, a container-style
# environment file, a per-user instance, a changed port, and a poweroff and
# second boot of the same root. Figures (enable -> first response, first
# connection latency) are printed as TAP diagnostics.
#
#   sudo tests/system/test-nspawn.sh            (TAP on stdout)
#
# Environment:
#   OVH_CACHE         cache outside the checkout (default /var/cache/openvscode-host):
#                     the debootstrap root, the VS Code server
#   OVH_VSCODE_ROOT   server payload; default: VS Code 1.139.1 as a release
#                     tree (nspawn_payload, tests/system/lib-nspawn.sh)
#   OVH_NODE          node binary for the server, bound into the container;
#                     default: the payload's own (Node 24), else the host's
#                     (Node >= 20: the payload's native modules are built for
#                     its node's ABI)
#   OVH_DEB_DIR       install openvscode-host_*.deb of this directory instead of
#                     `meson install` (the payload stays the bind-mounted
#                     server: tests/system/test-deb.sh tests the packages
#                     together)
#   OVH_CYCLES        enable/first-connection cycles for the figures (default 5)
#   OVH_KEEP=1        keep the scratch directory (container root, logs)
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
CYCLES=${OVH_CYCLES:-5}
TEST_NODE=/usr/local/lib/ovh-system-test/node

# ---------------------------------------------------------------- TAP
# shellcheck source=tests/lib-tap.sh
source "$SRC/tests/lib-tap.sh"
t_start=$(now)
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# ---------------------------------------------------------------- preconditions
reason=$(nspawn_possible) || skip_all "$reason"
for tool in meson ninja curl python3; do
    command -v "$tool" >/dev/null || bail "$tool not found"
done


nspawn_workdir system 0700

# The two slow, cached preparations run side by side on a cold machine:
# the debootstrap root (about 1 minute) and the VS Code server from npm
# (about 1.5 minutes).
nspawn_build_root >"$WORK/build-root.log" 2>&1 &
ROOT_JOB=$!
nspawn_payload
wait "$ROOT_JOB" || { cat "$WORK/build-root.log"; ROOT_JOB=; bail "cannot build the cached root $OVH_ROOT"; }
ROOT_JOB=
diag "cached root and server ready after $(elapsed "$t_start") s"
nspawn_enter_cgroup

# ---------------------------------------------------------------- install
ROOT=$(nspawn_copy_root "$WORK")
NSPAWN_ARGS=(--private-network
    "--bind-ro=$PAYLOAD:/usr/lib/openvscode-server"
    "--bind-ro=$NODE:$TEST_NODE"
    "--bind-ro=$SRC/tests/system/exthost-client.js:/usr/local/lib/ovh-system-test/exthost-client.js")
mkdir -p "$ROOT/usr/lib/openvscode-server" "$ROOT/usr/local/lib/ovh-system-test"
touch "$ROOT$TEST_NODE" "$ROOT/usr/local/lib/ovh-system-test/exthost-client.js"

if [[ -n ${OVH_DEB_DIR:-} ]]; then
    NSPAWN_ARGS+=("--bind-ro=$(realpath "$OVH_DEB_DIR"):/mnt/debs")
    diag "installing the .deb files of $OVH_DEB_DIR after the first boot"
else
    # The build a distribution package would make.
    meson setup "$WORK/build" "$SRC" --prefix=/usr --sysconfdir=/etc --localstatedir=/var \
        -Dtests=false >"$WORK/meson-setup.log" 2>&1 || { cat "$WORK/meson-setup.log"; bail "meson setup failed"; }
    ninja -C "$WORK/build" >"$WORK/ninja.log" 2>&1 || { tail -n 30 "$WORK/ninja.log"; bail "build failed"; }
    DESTDIR=$ROOT meson install -C "$WORK/build" --no-rebuild --quiet >"$WORK/install.log" 2>&1 ||
        { cat "$WORK/install.log"; bail "meson install failed"; }
    diag "built and installed into the root after $(elapsed "$t_start") s"
fi
# Only what the test machine needs: the payload's node (see OVH_NODE).
mkdir -p "$ROOT/etc/openvscode-server/launcher.conf.d"
printf '# system test: the server'"'"'s node (OVH_NODE), bound in by systemd-nspawn\n[Server]\nNode=%s\n' "$TEST_NODE" \
    >"$ROOT/etc/openvscode-server/launcher.conf.d/50-system-test-node.conf"
chmod 0644 "$ROOT/etc/openvscode-server/launcher.conf.d/50-system-test-node.conf"

# ---------------------------------------------------------------- helpers (inside the container)
# http [-6] PATH [COOKIE]: the HTTP status of GET PATH on the socket's port
# ("000" when the connection failed). The URL goes to curl on stdin: a
# token in argv would be visible to every process.
http() {
    local host=127.0.0.1
    if [[ $1 == -6 ]]; then host='[::1]'; shift; fi
    local path=$1 cookie=${2:-}
    {
        printf 'url = "http://%s:%s%s"\n' "$host" "$PORT" "$path"
        [[ -n $cookie ]] && printf 'cookie = "vscode-tkn=%s"\n' "$cookie"
        printf 'output = "/dev/null"\nwrite-out = "%%{http_code}"\nsilent\nmax-time = 30\n'
    } | IN curl -K - 2>/dev/null || true
}
# headers PATH: the response headers of GET PATH
headers() {
    printf 'url = "http://127.0.0.1:%s%s"\noutput = "/dev/null"\ndump-header = "-"\nsilent\nmax-time = 30\n' "$PORT" "$1" |
        IN curl -K - 2>/dev/null || true
}
unit_prop() { IN systemctl show -P "$2" "$1"; }
main_pid() { unit_prop openvscode-server.service MainPID; }
# service_pids [UNIT]: every process of the unit's control group
service_pids() {
    local cg
    cg=$(unit_prop "${1:-openvscode-server.service}" ControlGroup)
    [[ -n $cg ]] || return 0
    IN cat "/sys/fs/cgroup/systemd$cg/cgroup.procs" 2>/dev/null || IN cat "/sys/fs/cgroup$cg/cgroup.procs" 2>/dev/null || true
}
# status_field PID FIELD: the value of FIELD in /proc/PID/status, its
# columns separated by single spaces ("997 997 997 997").
status_field() { IN awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status" 2>/dev/null; }
# stop_service [UNIT]: stop it (systemctl warns that the socket can start it
# again, which is the point).
# Each phase stops the service and starts it anew through the socket; on a
# fast run systemd's default start limit (5 starts in 10 s) is reached
# (seen on Debian 13's systemd 257): the test's stops also reset it.
stop_service() {
    IN systemctl stop "${1:-openvscode-server.service}" 2>/dev/null
    IN systemctl reset-failed "${1:-openvscode-server.service}" 2>/dev/null || true
}
journal_json() { IN journalctl --no-pager -o json "$@"; }
token_file=$STATE/.openvscode-server/token
read_token() { IN cat "$token_file" 2>/dev/null || true; }
tokens_seen=()

# assert_process_credentials LABEL UID GID [UMASK]: every process of the service
assert_process_credentials() {
    local label=$1 uid=$2 gid=$3 umask=${4:-} pid bad=() count=0 f
    for pid in $(service_pids); do
        count=$((count + 1))
        [[ $(status_field "$pid" Uid) == "$uid $uid $uid $uid" ]] || bad+=("pid $pid Uid $(status_field "$pid" Uid)")
        [[ $(status_field "$pid" Gid) == "$gid $gid $gid $gid" ]] || bad+=("pid $pid Gid $(status_field "$pid" Gid)")
        for f in CapInh CapPrm CapEff CapBnd CapAmb; do
            [[ $(status_field "$pid" $f) == 0000000000000000 ]] || bad+=("pid $pid $f $(status_field "$pid" $f)")
        done
        [[ $(status_field "$pid" NoNewPrivs) == 1 ]] || bad+=("pid $pid NoNewPrivs $(status_field "$pid" NoNewPrivs)")
        [[ $(status_field "$pid" Seccomp) == 2 ]] || bad+=("pid $pid Seccomp $(status_field "$pid" Seccomp)")
        [[ -z $umask || $(status_field "$pid" Umask) == "$umask" ]] || bad+=("pid $pid Umask $(status_field "$pid" Umask)")
    done
    if ((count > 0 && ${#bad[@]} == 0)); then
        ok "$label: all $count processes run as $uid:$gid${umask:+ umask $umask}, Cap* 0, NoNewPrivs 1, Seccomp 2"
    else
        not_ok "$label: all processes run as $uid:$gid, Cap* 0, NoNewPrivs 1, Seccomp 2" "processes: $count" "${bad[@]}"
    fi
}

# start_extension_host TOKEN: a remote-protocol client that makes the server
# start its extension host; returns once that process exists.
CLIENT_PID=
start_extension_host() {
    local token=$1 i
    printf '%s\n' "$token" | IN sh -c 'umask 077; cat >/run/ovh-system-test-token'
    IN node /usr/local/lib/ovh-system-test/exthost-client.js 127.0.0.1 "$PORT" /run/ovh-system-test-token "$COMMIT" \
        >"$WORK/client.out" 2>&1 &
    CLIENT_PID=$!
    for i in $(seq 150); do
        for pid in $(service_pids); do
            IN grep -qa -- '--type=extensionHost' "/proc/$pid/cmdline" 2>/dev/null && return 0
        done
        sleep 0.1
    done
    return 1
}
stop_client() {
    [[ -n $CLIENT_PID ]] || return 0
    IN pkill -f exthost-client.js 2>/dev/null || true
    wait "$CLIENT_PID" 2>/dev/null || true
    CLIENT_PID=
}

# ================================================================ first boot
t_boot=$(date +%s.%N)
nspawn_boot "$ROOT" "ovh-$$" "$WORK/console-1.log" "${NSPAWN_ARGS[@]}" || bail "the container did not boot"
expect "first boot: systemd reaches running ($(elapsed "$t_boot") s)" "$NSPAWN_STATE" running

if [[ -n ${OVH_DEB_DIR:-} ]]; then
    # openvscode-host only: /usr/lib/openvscode-server is the read-only
    # bind mount of the payload, where the openvscode-server package could
    # not unpack.
    check "apt-get install of openvscode-host" IN sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends /mnt/debs/openvscode-host_*.deb'
    # The package enables the socket; this suite wants to do it itself.
    IN systemctl disable --now openvscode-server.socket >/dev/null 2>&1 || true
fi

# --- the account (sysusers.d, applied at boot)
IFS=: read -r pw_name _ pw_uid pw_gid pw_gecos pw_home pw_shell <<<"$(IN getent passwd "$ACCOUNT" || true)"
expect "account $ACCOUNT exists" "${pw_name:-}" "$ACCOUNT"
check "account has a system uid ($pw_uid)" test "${pw_uid:-0}" -ge 1 -a "${pw_uid:-0}" -le 999
expect "account's group is its own" "$(IN getent group "$ACCOUNT" | cut -d: -f3)" "${pw_gid:-}"
expect "account's home and shell" "${pw_home:-} ${pw_shell:-}" "$STATE /bin/bash"
expect "account's description" "${pw_gecos:-}" "OpenVSCode Server"
expect "account has no password (locked)" "$(IN getent shadow "$ACCOUNT" | cut -d: -f2)" '!*'
uid=$pw_uid gid=$pw_gid

# --- the state tree (tmpfiles.d, applied at boot)
expect "state tree owners and modes" \
    "$(IN stat -c '%n %U:%G %a' "$STATE" "$STATE/workspace" "$STATE/.openvscode-server" "$STATE/.ssh" | tr '\n' ';')" \
    "$STATE $ACCOUNT:$ACCOUNT 750;$STATE/workspace $ACCOUNT:$ACCOUNT 755;$STATE/.openvscode-server $ACCOUNT:$ACCOUNT 700;$STATE/.ssh $ACCOUNT:$ACCOUNT 700;"
expect "configuration: launcher.conf root's and readable (the launcher reads it as the account), the environment root's alone" \
    "$(IN stat -c '%n %U %a' /etc/openvscode-server/launcher.conf /etc/openvscode-server/environment | tr '\n' ';')" \
    "/etc/openvscode-server/launcher.conf root 644;/etc/openvscode-server/environment root 600;"

# --- enable --now: the whole setup
expect "socket is not enabled before the administrator asks" "$(IN systemctl is-enabled openvscode-server.socket 2>&1 || true)" disabled
t0=$(date +%s.%N)
check "systemctl enable --now openvscode-server.socket" IN systemctl enable --now openvscode-server.socket
expect "socket is active" "$(IN systemctl is-active openvscode-server.socket || true)" active
expect "service is inactive until the first connection" "$(IN systemctl is-active openvscode-server.service || true)" inactive
expect "port $PORT is held by systemd (PID 1), on IPv4 and IPv6" \
    "$(IN ss -Htln "sport = :$PORT" | awk '{ print $4 }' | paste -sd' ') $(IN ss -Htlnp "sport = :$PORT" | grep -o 'pid=1,' | head -1)" \
    "*:$PORT pid=1,"
first=$(http /)
first_response=$(elapsed "$t0")
expect "first connection is answered by VS Code's server (403 without a token)" "$first" 403
diag "enable --now to first response: $first_response s"
expect "service is active after the first connection" "$(IN systemctl is-active openvscode-server.service || true)" active

# --- the token: generated once, in the state directory, read here by root
token=$(read_token)
tokens_seen+=("$token")
check "a token was generated (64 hex digits)" bash -c "[[ '$token' =~ ^[0-9a-f]{64}\$ ]]"
expect "generated token file is the account's, 0600" "$(IN stat -c '%U %a' "$token_file")" "$ACCOUNT 600"
expect "server's token file in the runtime directory is the account's, 0400; the directory the account's, 0711" \
    "$(IN stat -c '%U %a' /run/openvscode-server/server/connection-token /run/openvscode-server/server | paste -sd' ')" "$ACCOUNT 400 $ACCOUNT 711"
expect "GET /?tkn=TOKEN answers 302" "$(http "/?tkn=$token")" 302
check "the 302 sets the vscode-tkn cookie" bash -c "grep -qi '^set-cookie: vscode-tkn=' <<<'$(headers "/?tkn=$token" | tr -d '\r')'"
expect "GET / with the cookie answers 200 (the workbench)" "$(http / "$token")" 200
expect "GET / without a token answers 403" "$(http /)" 403
expect "GET /?tkn=WRONG answers 403" "$(http "/?tkn=0000$RANDOM")" 403
expect "IPv6 [::1]:$PORT is served too" "$(http -6 "/?tkn=$token")" 302

# --- every process of the service
if start_extension_host "$token"; then
    ok "the remote protocol with the token starts an extension host"
else
    not_ok "the remote protocol with the token starts an extension host" "$(cat "$WORK/client.out")"
fi
pids=($(service_pids))
check "the service has more than one process now (${#pids[@]})" test "${#pids[@]}" -ge 2
assert_process_credentials "default account" "$uid" "$gid" 0022
main=$(main_pid)
cmdline=$(IN cat "/proc/$main/cmdline" | tr '\0' ' ')
check "the main process is node running server-main.js, exec'd in place by the launcher" \
    grep -q -- "^$TEST_NODE --require /usr/libexec/openvscode-host/sd-listen.js /usr/lib/openvscode-server/out/server-main.js " <<<"$cmdline"
leaked=0
for pid in $(service_pids); do
    IN cat "/proc/$pid/cmdline" "/proc/$pid/environ" 2>/dev/null | grep -qaF -- "$token" && leaked=$((leaked + 1))
done
expect "no process of the service has the token in its argv or environment" "$leaked" 0
stop_client

# --- the journal: the launcher's lines, with priorities
journal_json -u openvscode-server.service >"$WORK/journal-1.json"
launcher_lines() {
    python3 - "$WORK/journal-1.json" "$1" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("SYSLOG_IDENTIFIER") == "openvscode-launcher" and str(e.get("MESSAGE", "")).startswith(sys.argv[2]):
        print(e.get("PRIORITY"), e.get("MESSAGE"))
EOF
}
line=$(launcher_lines 'starting VS Code server' | head -1)
expect "journal: '${line#* }' at priority 6 (info)" "${line%% *}" 6
line=$(launcher_lines 'generated a new connection token' | head -1)
expect "journal: '${line#* }' at priority 6 (info)" "${line%% *}" 6

# --- a configuration error: one line at priority 3, and no restart loop
IN sh -c 'printf "[Server]\nTelemetry=sometimes\n" >/etc/openvscode-server/launcher.conf.d/90-broken.conf'
stop_service
IN curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$PORT/" || true
sleep 1
journal_json -u openvscode-server.service >"$WORK/journal-1.json"
broken=$(launcher_lines '/etc/openvscode-server/launcher.conf.d/90-broken.conf' | tail -1)
check "journal: a bad key is one line at priority 3 naming the file ($broken)" bash -c "[[ '${broken%% *}' == 3 ]]"
expect "a configuration error (exit 78) is not restarted" \
    "$(unit_prop openvscode-server.service NRestarts) $(unit_prop openvscode-server.service ExecMainStatus)" "0 78"
IN rm /etc/openvscode-server/launcher.conf.d/90-broken.conf
IN systemctl reset-failed openvscode-server.service openvscode-server.socket
IN systemctl restart openvscode-server.socket
expect "fixed configuration: served again" "$(http "/?tkn=$token")" 302

# --- restart while a client connects every 50 ms: no connection refused
IN sh -c 'i=0; while [ $i -lt 120 ]; do curl -s -o /dev/null --max-time 20 -w "%{http_code} %{exitcode}\n" http://127.0.0.1:'"$PORT"'/version; sleep 0.05; i=$((i + 1)); done' \
    >"$WORK/restart-load.txt" 2>&1 &
load=$!
sleep 1.5
old_main=$(main_pid)
IN systemctl restart openvscode-server.service
wait "$load" || true
new_main=$(main_pid)
check "restart under load: the service restarted (main pid $old_main -> $new_main)" test "$old_main" != "$new_main" -a "$new_main" != 0
total=$(wc -l <"$WORK/restart-load.txt")
refused=$(awk '$2 == 7' "$WORK/restart-load.txt" | wc -l)
failed=$(awk '$1 != 200' "$WORK/restart-load.txt" | wc -l)
diag "restart under load: $total requests, answers: $(awk '{ print $1 "/" $2 }' "$WORK/restart-load.txt" | sort | uniq -c | tr -s ' ' | paste -sd,)"
expect "restart under load: no connection refused (of $total)" "$refused" 0
expect "restart under load: every request answered 200 (of $total)" "$failed" 0

# --- kill -9 of the server's main process: the next connection is served
restarts=$(unit_prop openvscode-server.service NRestarts)
main=$(main_pid)
t_kill=$(date +%s.%N)
IN kill -KILL "$main"
if wait_http "/?tkn=$token" 302 30; then
    ok "after kill -9 of the main process the next connection is served ($(elapsed "$t_kill") s)"
else
    not_ok "after kill -9 of the main process the next connection is served" "$(IN systemctl status openvscode-server.service --no-pager 2>&1 | tail -5)"
fi
expect "systemd restarted it (Restart=on-failure)" "$(unit_prop openvscode-server.service NRestarts)" "$((restarts + 1))"
check "a new main process ($(main_pid))" test "$(main_pid)" != "$main" -a "$(main_pid)" != 0

# --- stop: nothing of the account is left
stop_service
expect "after stop no process of the account is left" "$(IN pgrep -u "$ACCOUNT" | wc -l)" 0
check "after stop the runtime directory is gone" IN test ! -e /run/openvscode-server/server
expect "after stop the socket still listens" "$(IN systemctl is-active openvscode-server.socket || true)" active

# --- the token as a credential (LoadCredential= drop-in) replaces the generated one
cred_token=cred_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
tokens_seen+=("$cred_token")
printf '%s\n' "$cred_token" | IN sh -c 'umask 077; cat >/etc/openvscode-server/connection-token'
IN mkdir -p /etc/systemd/system/openvscode-server.service.d
IN sh -c 'printf "[Service]\nLoadCredential=connection-token:/etc/openvscode-server/connection-token\n" >/etc/systemd/system/openvscode-server.service.d/credential.conf'
IN systemctl daemon-reload
expect "credential: GET /?tkn=CREDENTIAL answers 302" "$(http "/?tkn=$cred_token")" 302
expect "credential: the generated token no longer works (403)" "$(http "/?tkn=$token")" 403
expect "credential: generated token file unchanged" "$(read_token)" "$token"
IN rm /etc/systemd/system/openvscode-server.service.d/credential.conf
IN systemctl daemon-reload
# The unit itself looks for openvscode-server.connection-token in /etc/credstore.
IN mkdir -p /etc/credstore
printf '%s\n' "$cred_token" | IN sh -c 'umask 077; cat >/etc/credstore/openvscode-server.connection-token'
stop_service
expect "credential from /etc/credstore without a drop-in: 302" "$(http "/?tkn=$cred_token")" 302
IN rm /etc/credstore/openvscode-server.connection-token /etc/openvscode-server/connection-token
stop_service
expect "without a credential the generated token is back" "$(http "/?tkn=$token")" 302

# --- a container-style environment file
IN groupadd -g 2345 devs
IN useradd -m -u 1234 -s /bin/bash dev
env_token=env_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
tokens_seen+=("$env_token")
{
    printf '# written by the system test, as a container user would\n'
    printf 'PUID=1234\nPGID=2345\nTZ=Europe/Berlin\nUMASK=027\nCONNECTION_TOKEN=%s\nSUDO_PASSWORD=not-used\n' "$env_token"
} | IN sh -c 'cat >/etc/openvscode-server/environment'
# No drop-in by hand: the unit's ExecStartPre=+ turns PUID/PGID into
# User=/Group= (and shows dev's home, under /home, to the service).
stop_service
status=$(http "/?tkn=$env_token")
expect "environment: CONNECTION_TOKEN is the token (302)" "$status" 302
[[ $status == 302 ]] || IN journalctl -u openvscode-server.service -n 25 --no-pager -o cat | sed 's/^/# journal: /'
expect "environment: the generated token is refused (403)" "$(http "/?tkn=$token")" 403
if start_extension_host "$env_token"; then ok "environment: an extension host starts"; else
    not_ok "environment: an extension host starts" "$(cat "$WORK/client.out")"; fi
assert_process_credentials "environment (PUID=1234 PGID=2345 UMASK=027)" 1234 2345 0027
expect "environment: systemd started the service as dev:devs (the drop-in of --prepare-unit)" \
    "$(IN systemctl show -P User openvscode-server.service) $(IN systemctl show -P Group openvscode-server.service) $(IN grep -c '^BindPaths=/home/dev$' /run/systemd/system/openvscode-server.service.d/40-openvscode-account.conf 2>&1)" \
    "dev devs 1"
main=$(main_pid)
expect "environment: TZ reaches the server" "$(IN cat "/proc/$main/environ" | tr '\0' '\n' | grep '^TZ=' || true)" "TZ=Europe/Berlin"
expect "environment: the server's state is in dev's home, dev's" \
    "$(IN stat -c '%U:%g %a' /home/dev/.openvscode-server 2>&1)" "dev:2345 700"
stop_client
journal_json -u openvscode-server.service >"$WORK/journal-1.json"
# PUID and the credential together: systemd sets the credential up for the
# User= of the start it began, and the account drop-in changes User= during
# that start (ExecStartPre=+, daemon-reload). dev's server must read it.
printf '%s\n' "$cred_token" | IN sh -c 'umask 077; cat >/etc/credstore/openvscode-server.connection-token'
stop_service
status=$(http "/?tkn=$cred_token")
expect "environment + credential: dev's server takes the credential as its token (302)" "$status" 302
[[ $status == 302 ]] || IN journalctl -u openvscode-server.service -n 15 --no-pager -o cat | sed 's/^/# journal: /'
# systemd 252 makes the credential dev's; 257 keeps it root's and grants
# dev read access with an ACL. Either way dev reads it and nobody else does.
credential=/run/credentials/openvscode-server.service/connection-token
expect "environment + credential: the credential is dev's to read, not nobody's ($(IN stat -c '%U %a' "$credential" 2>&1))" \
    "$(IN runuser -u dev -- cat "$credential" >/dev/null 2>&1 && echo dev-reads) $(IN runuser -u nobody -- cat "$credential" >/dev/null 2>&1 || echo nobody-does-not)" \
    "dev-reads nobody-does-not"
IN rm /etc/credstore/openvscode-server.connection-token
check "journal: SUDO_PASSWORD is reported at priority 4 (warning)" \
    bash -c "[[ \$(python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if (e:=json.loads(l)).get(\"PRIORITY\")==\"4\" and \"SUDO_PASSWORD\" in str(e.get(\"MESSAGE\"))))' '$WORK/journal-1.json') -ge 1 ]]"
IN sh -c ': >/etc/openvscode-server/environment'
stop_service
expect "environment emptied: the generated token is back" "$(http "/?tkn=$token")" 302
expect "environment emptied: the account drop-in is gone, the unit's own User= again" \
    "$(IN test -e /run/systemd/system/openvscode-server.service.d/40-openvscode-account.conf && echo present || echo absent) $(IN systemctl show -P User openvscode-server.service)" \
    "absent $ACCOUNT"
assert_process_credentials "default account again" "$uid" "$gid"

# --- a per-user instance: openvscode-server@alice
IN useradd -m -s /bin/bash alice
alice_uid=$(IN id -u alice) alice_gid=$(IN id -g alice)
check "systemctl enable --now openvscode-server@alice.socket" IN systemctl enable --now openvscode-server@alice.socket
expect "alice's socket is hers and the proxy group's, 0660" "$(IN stat -c '%U %G %a' /run/openvscode-server/users/alice.sock 2>&1)" "alice www-data 660"
expect "alice's instance answers on her socket (403 without a token)" \
    "$(IN curl -s -o /dev/null -w '%{http_code}' --max-time 30 --unix-socket /run/openvscode-server/users/alice.sock http://localhost/ || true)" 403
alice_token=$(IN cat /home/alice/.openvscode-server/token 2>/dev/null || true)
tokens_seen+=("$alice_token")
expect "alice's instance has its own token in her home" \
    "$(printf 'url = "http://localhost/?tkn=%s"\nunix-socket = "/run/openvscode-server/users/alice.sock"\noutput = "/dev/null"\nwrite-out = "%%{http_code}"\nsilent\n' "$alice_token" | IN curl -K - || true)" 302
alice_main=$(unit_prop openvscode-server@alice.service MainPID)
expect "alice's server runs as alice with no capabilities" \
    "$(status_field "$alice_main" Uid | cut -d' ' -f1) $(status_field "$alice_main" CapEff) $(status_field "$alice_main" NoNewPrivs) $(status_field "$alice_main" Seccomp)" \
    "$alice_uid 0000000000000000 1 2"
IN systemctl disable --now openvscode-server@alice.socket openvscode-server@alice.service >/dev/null 2>&1
expect "alice's instance stopped: no process of hers is left" "$(IN pgrep -u alice | wc -l)" 0
: "$alice_gid"

# --- the port, changed through a drop-in (systemctl edit)
IN mkdir -p /etc/systemd/system/openvscode-server.socket.d
IN sh -c 'printf "[Socket]\nListenStream=\nListenStream=3001\n" >/etc/systemd/system/openvscode-server.socket.d/port.conf'
IN systemctl daemon-reload
IN systemctl restart openvscode-server.socket
PORT=3001
expect "drop-in port 3001: served" "$(http "/?tkn=$token")" 302
expect "drop-in port 3001: 3000 is closed" "$(IN curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:3000/ || true)" 000

# --- settings made in the IDE, then poweroff
IN runuser -u "$ACCOUNT" -- sh -c "mkdir -p $STATE/.openvscode-server/data/User && printf '{\"editor.fontSize\": 15}\n' >$STATE/.openvscode-server/data/User/settings.json"
settings=$(IN cat "$STATE/.openvscode-server/data/User/settings.json")
t_off=$(date +%s.%N)
IN systemctl poweroff >/dev/null 2>&1 || true
nspawn_wait_exit 60
diag "poweroff took $(elapsed "$t_off") s"

# ================================================================ second boot of the same root
t_boot=$(date +%s.%N)
nspawn_boot "$ROOT" "ovh-$$-2" "$WORK/console-2.log" "${NSPAWN_ARGS[@]}" || bail "the container did not boot a second time"
expect "second boot: systemd reaches running ($(elapsed "$t_boot") s)" "$NSPAWN_STATE" running
expect "second boot: the socket is enabled and listening" \
    "$(IN systemctl is-enabled openvscode-server.socket) $(IN systemctl is-active openvscode-server.socket)" "enabled active"
expect "second boot: the service waits for a connection" "$(IN systemctl is-active openvscode-server.service || true)" inactive
expect "second boot: the port drop-in is kept (3001 serves the same token)" "$(http "/?tkn=$token")" 302
expect "second boot: the token is unchanged" "$(read_token)" "$token"
expect "second boot: settings are kept" "$(IN cat "$STATE/.openvscode-server/data/User/settings.json")" "$settings"
expect "second boot: the account keeps its uid" "$(IN id -u "$ACCOUNT")" "$uid"
check "second boot: the journal of the first boot is kept" test "$(IN journalctl --list-boots --no-pager | wc -l)" -ge 2

# --- figures: enable --now -> first response, and first-connection latency
IN rm -f /etc/systemd/system/openvscode-server.socket.d/port.conf
IN systemctl daemon-reload
PORT=3000
enable_times=() first_times=()
for i in $(seq "$CYCLES"); do
    IN systemctl disable --now openvscode-server.socket openvscode-server.service >/dev/null 2>&1
    t0=$(date +%s.%N)
    IN systemctl enable --now openvscode-server.socket >/dev/null 2>&1
    code=$(http /)
    enable_times+=("$(elapsed "$t0")")
    [[ $code == 403 ]] || not_ok "cycle $i: first response after enable --now" "got $code"
    stop_service
    first_times+=("$(printf 'url = "http://127.0.0.1:%s/"\noutput = "/dev/null"\nwrite-out = "%%{time_total}"\nsilent\nmax-time = 30\n' "$PORT" | IN curl -K - || echo 30)")
done
enable_median=$(printf '%s\n' "${enable_times[@]}" | median)
first_median=$(printf '%s\n' "${first_times[@]}" | median)
diag "figure: enable --now to first response, $CYCLES cycles: ${enable_times[*]} s; median $enable_median s"
diag "figure: first-connection latency (service stopped, socket listening), $CYCLES cycles: ${first_times[*]} s; median $first_median s"
check "figures measured ($CYCLES cycles)" test "${#first_times[@]}" -eq "$CYCLES"

# --- no token, ever, in the journal (every boot, every field)
journal_holds_no_token "${tokens_seen[@]}"

IN systemctl poweroff >/dev/null 2>&1 || true
nspawn_wait_exit 60
diag "total time $(elapsed "$t_start") s"

finish

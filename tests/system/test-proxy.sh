#!/bin/bash
# System test of the reverse-proxy setups (docs/reverse-proxy.md) with
# Debian's nginx and the shipped contrib/nginx files, on a real systemd
# booted with systemd-nspawn (tests/system/lib-nspawn.sh) and VS Code's real
# server as the payload (scripts/provision-server):
#
#   the default instance on /run/openvscode-server/http.sock (the contrib
#   drop-in) behind nginx; alice's and bob's instances behind /u/alice/ and
#   /u/bob/ (BasePath= per user); a VS Code WebSocket upgrade (101) through
#   nginx; isolation between alice and bob; a dev server of alice's on
#   127.0.0.1:5173 as 5173.code.example.org. TLS: the contrib files as
#   shipped, with a self-signed certificate in place of Let's Encrypt's.
#
#   sudo tests/system/test-proxy.sh            (TAP on stdout)
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

STATE=/var/lib/openvscode-server
TEST_NODE=/usr/local/lib/ovh-system-test/node
CONFD=/etc/openvscode-server/launcher.conf.d
LAUNCHER=/usr/libexec/openvscode-host/openvscode-launcher

# ---------------------------------------------------------------- TAP
n=0
failures=0
ok() { n=$((n + 1)); printf 'ok %d - %s\n' "$n" "$1"; }
not_ok() {
    n=$((n + 1)); failures=$((failures + 1))
    printf 'not ok %d - %s\n' "$n" "$1"; shift
    local line
    for line in "$@"; do printf '%s\n' "$line" | sed 's/^/#   /'; done
}
diag() { printf '# %s\n' "$*"; }
check() {
    local desc=$1 out; shift
    if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "$out"; fi
}
expect() {
    if [[ $2 == "$3" ]]; then ok "$1"; else not_ok "$1" "expected: $3" "actual:   $2"; fi
}
skip_all() {
    if [[ ${CI:-} == true ]]; then
        printf '1..1\nnot ok 1 - reverse-proxy system test cannot run: %s (CI=true: this machine must run it)\n' "$1"
        exit 1
    fi
    printf '1..0 # SKIP %s\n' "$1"
    exit 77
}
bail() { printf 'Bail out! %s\n' "$*"; exit 1; }

# ---------------------------------------------------------------- preconditions
reason=$(nspawn_possible) || skip_all "$reason"
for tool in meson ninja python3 apt-get openssl dpkg-deb; do
    command -v "$tool" >/dev/null || bail "$tool not found"
done
NODE=${OVH_NODE:-$(command -v node || true)}
[[ -x $NODE ]] || bail "no node binary for the server: install Node >= 20 or set OVH_NODE"

WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/ovh-proxy.XXXXXX")
chmod 0700 "$WORK"
ROOT_JOB=
cleanup() {
    local rc=$?
    [[ -n $ROOT_JOB ]] && wait "$ROOT_JOB" 2>/dev/null
    nspawn_stop
    nspawn_leave_cgroup
    if [[ ${OVH_KEEP:-} == 1 ]]; then diag "kept $WORK (exit status $rc)"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

nspawn_build_root >"$WORK/build-root.log" 2>&1 &
ROOT_JOB=$!
if [[ -n ${OVH_VSCODE_ROOT:-} ]]; then
    PAYLOAD=$OVH_VSCODE_ROOT
else
    PAYLOAD=$("$SRC/scripts/provision-server" 2>"$WORK/provision.log") ||
        { tail -n 30 "$WORK/provision.log"; bail "scripts/provision-server failed"; }
fi
[[ -f $PAYLOAD/out/server-main.js ]] || bail "no VS Code server at $PAYLOAD"

# nginx is not part of the cached root: Debian's .debs, fetched once into the
# cache (its libraries are already in the root), go into this test's copy.
DEBS=$OVH_CACHE/proxy-debs
if ! compgen -G "$DEBS/nginx_*.deb" >/dev/null || ! compgen -G "$DEBS/nginx-common_*.deb" >/dev/null; then
    mkdir -p "$DEBS"
    (cd "$DEBS" && apt-get download nginx nginx-common) >"$WORK/apt.log" 2>&1 ||
        (apt-get update -q && cd "$DEBS" && apt-get download nginx nginx-common) >>"$WORK/apt.log" 2>&1 ||
        { cat "$WORK/apt.log"; bail "cannot download nginx's .debs into $DEBS"; }
fi
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
cp "$DEBS"/nginx_*.deb "$DEBS"/nginx-common_*.deb "$ROOT/tmp/"
# policy-rc.d: no service is started in the chroot; the booted systemd does.
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 0755 "$ROOT/usr/sbin/policy-rc.d"
chroot "$ROOT" sh -c 'dpkg -i /tmp/nginx-common_*.deb /tmp/nginx_*.deb && rm /tmp/nginx*.deb' >"$WORK/dpkg.log" 2>&1 ||
    { cat "$WORK/dpkg.log"; bail "cannot install nginx into the container"; }
rm -f "$ROOT/usr/sbin/policy-rc.d"
mkdir -p "$ROOT/usr/lib/openvscode-server" "$(dirname "$ROOT$TEST_NODE")"
touch "$ROOT$TEST_NODE"
printf '[Server]\nNode=%s\n' "$TEST_NODE" >"$ROOT$CONFD/50-system-test-node.conf"
chmod 0600 "$ROOT$CONFD/50-system-test-node.conf"

# The contrib files as shipped, a self-signed certificate in the place of
# Let's Encrypt's, and the single-user site under a name of its own (it
# shares code.example.org with the per-user site otherwise).
C=$SRC/contrib
install -D -m 0644 "$C/systemd/openvscode-server.socket.d-unix.conf" "$ROOT/etc/systemd/system/openvscode-server.socket.d/unix.conf"
install -m 0644 "$C/nginx/conf.d/openvscode-upgrade.conf" "$ROOT/etc/nginx/conf.d/"
install -m 0644 "$C/nginx/snippets/openvscode-proxy.conf" "$ROOT/etc/nginx/snippets/"
rm -f "$ROOT/etc/nginx/sites-enabled/default"
for site in openvscode-server openvscode-users openvscode-ports; do
    install -m 0644 "$C/nginx/$site.conf" "$ROOT/etc/nginx/sites-available/"
    ln -s "../sites-available/$site.conf" "$ROOT/etc/nginx/sites-enabled/$site.conf"
done
sed -i 's/server_name code\.example\.org;/server_name single.example.org;/' "$ROOT/etc/nginx/sites-available/openvscode-server.conf"
CERTDIR=$ROOT/etc/letsencrypt/live/code.example.org
mkdir -p "$CERTDIR"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=code.example.org \
    -keyout "$CERTDIR/privkey.pem" -out "$CERTDIR/fullchain.pem" >"$WORK/openssl.log" 2>&1 ||
    { cat "$WORK/openssl.log"; bail "openssl req failed"; }

# Per-user configuration: one launcher.conf per user, through the drop-in
# that docs/reverse-proxy.md gives.
mkdir -p "$ROOT/etc/systemd/system/openvscode-server@.service.d" "$ROOT/etc/openvscode-server/users"
printf '[Service]\nExecStart=\nExecStart=%s --user=%%i -c /etc/openvscode-server/users/%%i.conf\n' "$LAUNCHER" \
    >"$ROOT/etc/systemd/system/openvscode-server@.service.d/50-per-user-config.conf"
for u in alice bob; do
    printf '[Server]\nNode=%s\nBasePath=/u/%s\n' "$TEST_NODE" "$u" >"$ROOT/etc/openvscode-server/users/$u.conf"
    chmod 0600 "$ROOT/etc/openvscode-server/users/$u.conf"
done

NSPAWN_ARGS=(--private-network
    "--bind-ro=$PAYLOAD:/usr/lib/openvscode-server"
    "--bind-ro=$NODE:$TEST_NODE")

# ---------------------------------------------------------------- helpers
# get HOST PATH [curl options...]: the status of GET https://HOST/PATH through
# nginx on 127.0.0.1:443; the URL goes to curl on stdin (a token in argv
# would be visible to every process).
get() {
    local host=$1 path=$2; shift 2
    printf 'url = "https://%s%s"\noutput = "/dev/null"\nwrite-out = "%%{http_code}"\nsilent\nmax-time = 30\ninsecure\nhttp1.1\nresolve = "%s:443:127.0.0.1"\n' \
        "$host" "$path" "$host" | IN curl -K - "$@" 2>/dev/null || true
}
# body HOST PATH JAR: the page after the token's redirect, with the cookie
body() {
    printf 'url = "https://%s%s"\nsilent\nmax-time = 30\ninsecure\nhttp1.1\nlocation\ncookie-jar = "%s"\ncookie = "%s"\nresolve = "%s:443:127.0.0.1"\n' \
        "$1" "$2" "$3" "$3" "$1" | IN curl -K - 2>/dev/null || true
}
unit_prop() { IN systemctl show -P "$2" "$1"; }
token_of() { IN cat "$1/.openvscode-server/token" 2>/dev/null || true; }

# ================================================================ boot
unset NODE_EXTRA_CA_CERTS
nspawn_boot "$ROOT" "ovh-proxy-$$" "$WORK/console.log" "${NSPAWN_ARGS[@]}" || bail "the container did not boot"
expect "container boots into running" "$NSPAWN_STATE" running

check "nginx -t accepts the contrib sites" IN nginx -t
IN systemctl restart nginx
expect "nginx runs" "$(IN systemctl is-active nginx)" active

# ---------------------------------------------------------------- one server on http.sock
check "systemctl enable --now openvscode-server.socket (with the unix.conf drop-in)" IN systemctl enable --now openvscode-server.socket
expect "http.sock: root's, group www-data, 0660" "$(IN stat -c '%U %G %a' /run/openvscode-server/http.sock 2>&1)" "root www-data 660"
expect "port 3000 is not listening" "$(IN curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:3000/ || true)" 000
expect "single: through nginx without a token: 403" "$(get single.example.org /)" 403
token=$(token_of "$STATE")
expect "single: through nginx with the token: 302" "$(get single.example.org "/?tkn=$token")" 302
page=$(body single.example.org "/?tkn=$token" /root/single.jar)
if [[ $page == *vs/code/browser/workbench/workbench* ]]; then ok "single: the workbench HTML through nginx"; else not_ok "single: the workbench HTML through nginx" "$(head -c 300 <<<"$page")"; fi

# ---------------------------------------------------------------- alice and bob
IN useradd -m -s /bin/bash alice
IN useradd -m -s /bin/bash bob
check "enable alice's and bob's sockets" IN systemctl enable --now openvscode-server@alice.socket openvscode-server@bob.socket
expect "their sockets: theirs and www-data's, 0660" \
    "$(IN stat -c '%n %U %G %a' /run/openvscode-server/users/alice.sock /run/openvscode-server/users/bob.sock 2>&1 | paste -sd' ')" \
    "/run/openvscode-server/users/alice.sock alice www-data 660 /run/openvscode-server/users/bob.sock bob www-data 660"
expect "/u/alice/ without a token: 403 (her server starts)" "$(get code.example.org /u/alice/)" 403
expect "/u/bob/ without a token: 403 (his server starts)" "$(get code.example.org /u/bob/)" 403
expect "/u/alice redirects to /u/alice/" "$(get code.example.org /u/alice)" 301
expect "/u/nobody/: no socket, 502" "$(get code.example.org /u/nobody/)" 502
expect "/u/../: refused by the name pattern, 404" "$(get code.example.org '/u/%2e%2e/http/')" 404
alice_token=$(token_of /home/alice)
bob_token=$(token_of /home/bob)
[[ -n $alice_token && -n $bob_token && $alice_token != "$bob_token" ]] && ok "alice and bob have tokens of their own" ||
    not_ok "alice and bob have tokens of their own" "alice: ${#alice_token} chars, bob: ${#bob_token} chars"
for u in alice bob; do
    t=${u}_token
    expect "/u/$u/ with $u's token: 302" "$(get code.example.org "/u/$u/?tkn=${!t}")" 302
    page=$(body code.example.org "/u/$u/?tkn=${!t}" "/root/$u.jar")
    printf '%s\n' "$page" >"$WORK/$u.html"
    if [[ $page == *vs/code/browser/workbench/workbench* ]]; then
        ok "$u's workbench HTML through /u/$u/"
    else not_ok "$u's workbench HTML through /u/$u/" "$(head -c 300 <<<"$page")"; fi
    # The page's own stylesheet, resolved as a browser would, comes through
    # the same sub-path: BasePath and the routing agree.
    css=$(python3 -c 'import re, sys, urllib.parse
m = re.search(r"href=\"([^\"]*workbench\.css)\"", open(sys.argv[1]).read())
print(urllib.parse.urljoin("https://code.example.org/u/" + sys.argv[2] + "/", m.group(1)) if m else "")' "$WORK/$u.html" "$u")
    css_path=/${css#https://code.example.org/}
    if [[ $css_path == /u/$u/* ]]; then ok "$u's workbench.css is under /u/$u/ ($css_path)"; else not_ok "$u's workbench.css is under /u/$u/" "$css"; fi
    expect "$u's workbench.css through nginx: 200" "$(get code.example.org "$css_path" -b "/root/$u.jar")" 200
done
expect "bob's token on alice's instance: 403" "$(get code.example.org "/u/alice/?tkn=$bob_token")" 403
expect "alice's token on bob's instance: 403" "$(get code.example.org "/u/bob/?tkn=$alice_token")" 403

# A real VS Code WebSocket handshake through nginx: the server's own
# upgrade handler answers 101 with the accept key RFC 6455 derives from
# ours, on alice's sub-path, with her cookie.
key=$(head -c 16 /dev/urandom | base64)
accept=$(printf '%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11' "$key" | openssl sha1 -binary | base64)
rtoken=$(cat /proc/sys/kernel/random/uuid)
upgrade=$(printf 'url = "https://code.example.org/u/alice/?reconnectionToken=%s&reconnection=false&skipWebSocketFrames=false"\ninclude\nsilent\nmax-time = 5\ninsecure\nhttp1.1\nno-buffer\ncookie = "%s"\nresolve = "code.example.org:443:127.0.0.1"\nheader = "Connection: Upgrade"\nheader = "Upgrade: websocket"\nheader = "Sec-WebSocket-Version: 13"\nheader = "Sec-WebSocket-Key: %s"\n' \
    "$rtoken" /root/alice.jar "$key" | IN curl -K - 2>/dev/null | tr -d '\r' | sed '/^$/q' || true)
expect "WebSocket upgrade through nginx: 101" "$(head -n1 <<<"$upgrade" | cut -d' ' -f2)" 101
expect "... with the accept key of our key" "$(sed -n 's/^Sec-WebSocket-Accept: //ip' <<<"$upgrade")" "$accept"

# ---------------------------------------------------------------- isolation
# Seen from inside alice's server: its mount namespace, her identity.
apid=$(unit_prop openvscode-server@alice.service MainPID)
as_alice_server() { IN nsenter -t "$apid" -m -- setpriv --reuid=alice --regid=alice --init-groups "$@"; }
expect "alice's server sees no home but hers" "$(as_alice_server ls /home 2>&1)" alice
if as_alice_server cat /home/bob/.openvscode-server/token >/dev/null 2>&1; then
    not_ok "alice's server cannot read bob's token"; else ok "alice's server cannot read bob's token"; fi
IN chmod 0755 /home/bob
if as_alice_server ls /home/bob >/dev/null 2>&1; then
    not_ok "alice's server cannot list bob's home even when it is 0755"; else ok "alice's server cannot list bob's home even when it is 0755"; fi
expect "alice's server cannot connect to bob's socket" \
    "$(as_alice_server curl -s -o /dev/null -w '%{http_code}' --unix-socket /run/openvscode-server/users/bob.sock http://localhost/ 2>/dev/null || true)" 000
expect "alice's server can connect to her own socket (403 without a token)" \
    "$(as_alice_server curl -s -o /dev/null -w '%{http_code}' --unix-socket /run/openvscode-server/users/alice.sock http://localhost/ 2>/dev/null || true)" 403
expect "alice's server runs as alice" "$(IN ps -o user= -p "$apid")" alice

# ---------------------------------------------------------------- port subdomain
IN systemd-run --quiet --uid=alice --unit=alice-dev-server "$TEST_NODE" -e \
    'require("http").createServer((q, r) => r.end("dev server of " + require("os").userInfo().username + " on 5173\n")).listen(5173, "127.0.0.1")'
for _ in $(seq 50); do IN curl -s -o /dev/null http://127.0.0.1:5173/ && break; sleep 0.1; done
dev=$(printf 'url = "https://5173.code.example.org/"\nsilent\nmax-time = 30\ninsecure\nresolve = "5173.code.example.org:443:127.0.0.1"\n' | IN curl -K - 2>/dev/null || true)
expect "5173.code.example.org: alice's dev server on 127.0.0.1:5173 through nginx" "$dev" "dev server of alice on 5173"
expect "80.code.example.org: privileged ports are not proxied (404)" "$(get 80.code.example.org /)" 404
IN systemctl stop alice-dev-server >/dev/null 2>&1 || true

# ---------------------------------------------------------------- restarts
IN systemctl restart openvscode-server.service
expect "after a restart of the default service, http.sock is still there" \
    "$(IN test -S /run/openvscode-server/http.sock && echo yes || echo no)" yes
expect "after a restart of the default service, alice's socket is still there" \
    "$(IN test -S /run/openvscode-server/users/alice.sock && echo yes || echo no)" yes

# Caddy: bookworm's caddy 2.6, its static binary taken out of the .deb, checks
# the shipped Caddyfile (its certificates would need ACME: syntax only).
if compgen -G "$DEBS/caddy_*.deb" >/dev/null || (cd "$DEBS" && apt-get download caddy) >>"$WORK/apt.log" 2>&1; then
    dpkg-deb -x "$(compgen -G "$DEBS/caddy_*.deb" | head -n1)" "$WORK/caddy"
    check "caddy validate accepts contrib/caddy/Caddyfile" \
        "$WORK/caddy/usr/bin/caddy" validate --config "$SRC/contrib/caddy/Caddyfile" --adapter caddyfile
else
    not_ok "caddy validate accepts contrib/caddy/Caddyfile" "cannot download caddy's .deb into $DEBS"
fi

check "journal: no token of alice or bob" IN sh -c "! journalctl --no-pager | grep -qF -e '$alice_token' -e '$bob_token'"

printf '1..%d\n' "$n"
((failures == 0))

#!/bin/bash
# System test of the reverse-proxy setups (docs/reverse-proxy.md) with
# Debian's nginx and caddy and the shipped contrib/ files, on a real systemd
# booted with systemd-nspawn (tests/system/lib-nspawn.sh) and VS Code's real
# server as the payload (nspawn_payload, tests/system/lib-nspawn.sh):
#
#   nginx: the default instance on /run/openvscode-server/http.sock (the
#   contrib drop-in); alice's and bob's instances behind /u/alice/ and
#   /u/bob/ (BasePath= per user); a VS Code WebSocket upgrade (101);
#   alice's workbench in Debian's chromium (tests/browser/workbench.js) at
#   https://code.example.org/u/alice/: it renders, its WebSockets go
#   through nginx, the explorer shows her default folder, her terminal
#   runs, a webview (Markdown preview) renders; isolation between alice
#   and bob; a dev server of alice's on 127.0.0.1:5173 as
#   5173.code.example.org.
#   caddy: the same routes again through the shipped Caddyfile, and
#   alice's workbench in chromium at https://users.code.example.org/u/alice/.
#   TLS: a self-signed certificate in place of Let's Encrypt's (nginx),
#   Caddy's own CA (caddy).
#
#   sudo tests/system/test-proxy.sh            (TAP on stdout)
#
# Environment: see tests/browser/lib.sh (OVH_CACHE, OVH_ARTIFACTS_DIR for
# the screenshot, OVH_CHROMIUM, OVH_VSCODE_ROOT, OVH_NODE, OVH_KEEP=1,
# CI=true turns a skip into a failure).
#
# Exit: 0 all passed, 1 a check failed, 77 skipped (not root, or this
# machine cannot run systemd-nspawn).
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/system/lib-nspawn.sh
source "$SRC/tests/system/lib-nspawn.sh"
# shellcheck source=tests/browser/lib.sh
source "$SRC/tests/browser/lib.sh"

LAUNCHER=/usr/libexec/openvscode-host/openvscode-launcher

# ---------------------------------------------------------------- preconditions
# system_prepare: the cached root, the payload, the browser, the project
# built and installed into a scratch copy of the root (tests/browser/lib.sh).
trap nspawn_cleanup EXIT
system_prepare
for tool in apt-get openssl dpkg-deb; do
    command -v "$tool" >/dev/null || bail "$tool not found"
done

# The proxies are not part of the cached root: Debian's .debs, fetched once
# into the cache, go into this test's copy. nginx's libraries are already
# in the root; caddy's dependencies are not (libnss3-tools for `caddy
# trust`, media-types for its file server).
PROXY_PACKAGES=(nginx nginx-common caddy libnss3-tools libnss3 libnspr4 libsqlite3-0 media-types)
DEBS=$(nspawn_debs proxy "${PROXY_PACKAGES[@]}" 2>"$WORK/apt.log") ||
    { cat "$WORK/apt.log"; bail "cannot download ${PROXY_PACKAGES[*]} ($OVH_SUITE)"; }

# ---------------------------------------------------------------- install
nspawn_install_debs "$ROOT" "$DEBS" "${PROXY_PACKAGES[@]}" ||
    { cat "$WORK/dpkg.log"; bail "cannot install nginx and caddy into the container"; }
# Both want ports 80 and 443: nginx first, caddy when nginx has stopped.
chroot "$ROOT" systemctl disable --quiet caddy.service
# An installed Debian has /etc/hosts (the installer writes it); debootstrap's
# root has none, and caddy resolves "localhost" for its admin endpoint (a
# DNS lookup there fails: the container has no network).
[[ -e $ROOT/etc/hosts ]] || printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$ROOT/etc/hosts"

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
    chmod 0644 "$ROOT/etc/openvscode-server/users/$u.conf" # read by the user's launcher, as the user
done

# ---------------------------------------------------------------- helpers
# get HOST PATH [curl options...]: the status of GET https://HOST/PATH through
# the proxy on 127.0.0.1:443; the URL goes to curl on stdin (a token in argv
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
token_of() { IN cat "$1/.openvscode-server/token" 2>/dev/null || true; }
# encoding HOST PATH JAR ACCEPT: the Content-Encoding of the answer to GET
# https://HOST/PATH with the cookie in JAR and Accept-Encoding: ACCEPT
# ("none" when it has none), after its status.
encoding() {
    printf 'url = "https://%s%s"\noutput = "/dev/null"\ndump-header = "-"\nsilent\nmax-time = 60\ninsecure\nhttp1.1\ncookie = "%s"\nheader = "Accept-Encoding: %s"\nresolve = "%s:443:127.0.0.1"\n' \
        "$1" "$2" "$3" "$4" "$1" | IN curl -K - 2>/dev/null |
        awk 'tolower($1) == "content-encoding:" { e = $2 } NR == 1 { s = $2 } END { printf "%s %s\n", s, e ? e : "none" }' | tr -d '\r'
}
# compression_through NAME HOST PREFIX JAR PAGE: the workbench page comes
# compressed by the proxy, the workbench's script compressed by the server
# (static-compress.js, within 3 minutes of its start) and passed on as it is.
compression_through() {
    local name=$1 host=$2 prefix=$3 jar=$4 page=$5 script _ got
    expect "$name: the workbench page is compressed by the proxy (Accept-Encoding: gzip)" \
        "$(encoding "$host" "$prefix/" "$jar" gzip)" "200 gzip"
    script=$(grep -o '[a-z]*-[0-9a-f]\{40\}/static/out/vs/code/browser/workbench/workbench\.js' <<<"$page" | head -n 1)
    for _ in $(seq 180); do
        got=$(encoding "$host" "$prefix/$script" "$jar" "gzip, deflate, br")
        [[ $got == "200 br" ]] && break
        sleep 1
    done
    expect "$name: the workbench's script comes as the server's brotli, passed on ($script)" "$got" "200 br"
}
# websocket_upgrade HOST PATH JAR KEY: the response head to a VS Code
# WebSocket upgrade of https://HOST/PATH (as the workbench asks for its
# remote connection), with the cookie in JAR.
websocket_upgrade() {
    printf 'url = "https://%s%s?reconnectionToken=%s&reconnection=false&skipWebSocketFrames=false"\ninclude\nsilent\nmax-time = 5\ninsecure\nhttp1.1\nno-buffer\ncookie = "%s"\nresolve = "%s:443:127.0.0.1"\nheader = "Connection: Upgrade"\nheader = "Upgrade: websocket"\nheader = "Sec-WebSocket-Version: 13"\nheader = "Sec-WebSocket-Key: %s"\n' \
        "$1" "$2" "$(cat /proc/sys/kernel/random/uuid)" "$3" "$1" "$4" | IN curl -K - 2>/dev/null | tr -d '\r' | sed '/^$/q' || true
}

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
compression_through "single: nginx" single.example.org "" /root/single.jar "$page"

# ---------------------------------------------------------------- alice and bob
IN useradd -m -s /bin/bash alice
IN useradd -m -s /bin/bash bob
# For the browser: a file in alice's default folder (~/workspace), made as
# alice before her server first starts (the trust prompt is accepted in
# the browser).
check "alice's default folder holds a file; her settings draw the terminal in the page" prepare_state alice /home/alice
check "... and a README.md for a webview (the Markdown preview)" \
    as_user alice "printf '# Through the proxy\n\nalice'\''s workbench at /u/alice/\n' >/home/alice/workspace/README.md"
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
if [[ -n $alice_token && -n $bob_token && $alice_token != "$bob_token" ]]; then ok "alice and bob have tokens of their own"; else
    not_ok "alice and bob have tokens of their own" "alice: ${#alice_token} chars, bob: ${#bob_token} chars"; fi
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
upgrade=$(websocket_upgrade code.example.org /u/alice/ /root/alice.jar "$key")
expect "WebSocket upgrade through nginx: 101" "$(head -n1 <<<"$upgrade" | cut -d' ' -f2)" 101
expect "... with the accept key of our key" "$(sed -n 's/^Sec-WebSocket-Accept: //ip' <<<"$upgrade")" "$accept"

# ---------------------------------------------------------------- alice's workbench in a browser
# alice_in_browser URL SCREENSHOT CERT_FILE...: Debian's chromium
# (tests/browser/workbench.js) in the container's network namespace opens
# URL?tkn=... through the proxy, trusting the certificates in CERT_FILEs:
# the workbench renders under the sub-path, its WebSockets go through the
# proxy, the explorer shows her default folder and her terminal runs as her.
alice_in_browser() {
    local url=$1 shot=$2 rc=0
    shift 2
    mkdir -p "$OVH_ARTIFACTS_DIR"
    rm -f "$shot" "$ROOT/home/alice/terminal.done"
    browser proxied "$url" "$(token_file /home/alice)" "$ROOT/home/alice" "$shot" "$@" \
        >"$WORK/browser.out" 2>"$WORK/browser.err" || rc=$?
    browser_results "$WORK/browser.out" "$rc" "$WORK/browser.err"
    expect "the terminal in alice's workbench ran as alice" "$(cat "$ROOT/home/alice/terminal.done" 2>/dev/null)" alice
    screenshot_kept "$shot"
}
alice_in_browser https://code.example.org/u/alice "$OVH_ARTIFACTS_DIR/proxy-workbench.png" "$CERTDIR/fullchain.pem"

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
# The documented range is 1024-65535, at both ends; 1024 is proxied (502:
# nothing listens there).
expect "80, 1023 and 65536.code.example.org: outside 1024-65535, not proxied (404)" \
    "$(get 80.code.example.org /) $(get 1023.code.example.org /) $(get 65536.code.example.org /)" "404 404 404"
expect "1024.code.example.org: proxied (502: nothing listens on 1024)" "$(get 1024.code.example.org /)" 502

# ---------------------------------------------------------------- restarts
IN systemctl restart openvscode-server.service
expect "after a restart of the default service, http.sock is still there" \
    "$(IN test -S /run/openvscode-server/http.sock && echo yes || echo no)" yes
expect "after a restart of the default service, alice's socket is still there" \
    "$(IN test -S /run/openvscode-server/users/alice.sock && echo yes || echo no)" yes

# ================================================================ caddy
# Debian's caddy (installed from its .deb above, so its postinst made the
# caddy account) with the shipped contrib/caddy/Caddyfile, unchanged below
# the global options block its header describes for a trial: certificates
# from Caddy's own CA (local_certs) instead of ACME, which needs public DNS.
IN systemctl stop nginx
{
    printf '# %s: the global options for a trial (contrib/caddy/Caddyfile)\n{\n\tlocal_certs\n\tskip_install_trust\n}\n\n' "$(basename "$0")"
    cat "$C/caddy/Caddyfile"
} >"$ROOT/etc/caddy/Caddyfile"
check "caddy validate accepts contrib/caddy/Caddyfile" IN caddy validate --config /etc/caddy/Caddyfile --adapter caddyfile
expect "Debian's caddy is in the group www-data (its postinst), so it reaches the sockets" "$(IN id -nG caddy)" "caddy www-data"
if out=$(IN systemctl start caddy 2>&1); then ok "systemctl start caddy (Debian's unit)"; else
    not_ok "systemctl start caddy (Debian's unit)" "$out" "$(IN journalctl -u caddy --no-pager -n 25 -o cat)"; fi
# Caddy issues its certificates in the background after it starts.
for _ in $(seq 100); do [[ $(get code.example.org /) == 403 ]] && break; sleep 0.2; done

expect "caddy, single: without a token: 403" "$(get code.example.org /)" 403
expect "caddy, single: with the token: 302" "$(get code.example.org "/?tkn=$token")" 302
page=$(body code.example.org "/?tkn=$token" /root/caddy-single.jar)
if [[ $page == *vs/code/browser/workbench/workbench* ]]; then ok "caddy, single: the workbench HTML"; else not_ok "caddy, single: the workbench HTML" "$(head -c 300 <<<"$page")"; fi
compression_through "caddy, single" code.example.org "" /root/caddy-single.jar "$page"

U=users.code.example.org
expect "caddy: /u/alice redirects to /u/alice/" "$(get $U /u/alice)" 308
expect "caddy: /u/nobody/: no socket, 502" "$(get $U /u/nobody/)" 502
expect "caddy: /u/../: refused by the name pattern, 404" "$(get $U '/u/%2e%2e/http/')" 404
for u in alice bob; do
    t=${u}_token
    expect "caddy: /u/$u/ without a token: 403" "$(get $U "/u/$u/")" 403
    expect "caddy: /u/$u/ with $u's token: 302" "$(get $U "/u/$u/?tkn=${!t}")" 302
    page=$(body $U "/u/$u/?tkn=${!t}" "/root/caddy-$u.jar")
    if [[ $page == *vs/code/browser/workbench/workbench* ]]; then
        ok "caddy: $u's workbench HTML through /u/$u/"
    else not_ok "caddy: $u's workbench HTML through /u/$u/" "$(head -c 300 <<<"$page")"; fi
done
expect "caddy: bob's token on alice's instance: 403" "$(get $U "/u/alice/?tkn=$bob_token")" 403
expect "caddy: alice's token on bob's instance: 403" "$(get $U "/u/bob/?tkn=$alice_token")" 403

key=$(head -c 16 /dev/urandom | base64)
accept=$(printf '%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11' "$key" | openssl sha1 -binary | base64)
upgrade=$(websocket_upgrade $U /u/alice/ /root/caddy-alice.jar "$key")
expect "caddy: WebSocket upgrade: 101" "$(head -n1 <<<"$upgrade" | cut -d' ' -f2)" 101
expect "caddy: ... with the accept key of our key" "$(sed -n 's/^Sec-WebSocket-Accept: //ip' <<<"$upgrade")" "$accept"
# Caddy's own CA (local_certs) issued its certificates.
alice_in_browser "https://$U/u/alice" "$OVH_ARTIFACTS_DIR/proxy-workbench-caddy.png" \
    "$ROOT"/var/lib/caddy/.local/share/caddy/pki/authorities/local/{root,intermediate}.crt

dev=$(printf 'url = "https://5173.code.example.org/"\nsilent\nmax-time = 30\ninsecure\nresolve = "5173.code.example.org:443:127.0.0.1"\n' | IN curl -K - 2>/dev/null || true)
expect "caddy: 5173.code.example.org is alice's dev server on 127.0.0.1:5173" "$dev" "dev server of alice on 5173"
expect "caddy: 80, 1023 and 65536.code.example.org: outside 1024-65535, not proxied (404)" \
    "$(get 80.code.example.org /) $(get 1023.code.example.org /) $(get 65536.code.example.org /)" "404 404 404"
expect "caddy: 1024.code.example.org: proxied (502: nothing listens on 1024)" "$(get 1024.code.example.org /)" 502
IN systemctl stop alice-dev-server >/dev/null 2>&1 || true

# The tokens go to grep on stdin, not on its command line.
check "journal: no token of alice or bob" IN sh -c '! journalctl --no-pager | grep -qF -f /dev/fd/3' 3<<<"$(printf '%s\n%s\n' "$alice_token" "$bob_token")"

finish

#!/bin/bash
# The proxies of section 6 of tests/bench/run: Debian's nginx and Caddy
# with the shipped contrib/ files, in front of the socket-activated
# service on real systemd (systemd-nspawn), as tests/system/test-proxy.sh
# runs them. The container shares the host's network namespace so that the
# bench's one browser opens these beside the servers on the host's
# loopback: nginx on 443, Caddy on 8443 (its global options; the shipped
# site blocks are unchanged), each with TLS (a self-signed certificate for
# nginx, Caddy's own CA), as a proxy serves them.
#
#   tests/bench/proxy-open.sh DIR
#
# Writes DIR/url-nginx and DIR/url-caddy (the URLs with the token: files,
# never argv), DIR/resolve (Chromium's --host-resolver-rules), then
# DIR/ready; runs until DIR/stop appears or it is signalled, then stops the
# container. On failure it writes DIR/failed with the reason and exits 1.
# Environment as tests/system/test-proxy.sh.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=$1
# shellcheck source=tests/system/lib-nspawn.sh
source "$SRC/tests/system/lib-nspawn.sh"
# shellcheck source=tests/browser/lib.sh
source "$SRC/tests/browser/lib.sh"

# bail (tests/lib-tap.sh) prints on stdout; the bench reads DIR/failed.
bail() {
    printf '%s\n' "$*" >"$OUT/failed"
    exit 1
}
trap nspawn_cleanup EXIT
trap 'exit 1' INT TERM HUP
system_prepare
# The host's network namespace (system_prepare's first argument is
# --private-network).
NSPAWN_ARGS=("${NSPAWN_ARGS[@]:1}")
for port in 80 443 8080 8443; do
    ! (: </dev/tcp/127.0.0.1/$port) 2>/dev/null || bail "port $port is in use on this host; the proxies need it"
done

PROXY_PACKAGES=(nginx nginx-common caddy libnss3-tools libnss3 libnspr4 libsqlite3-0 media-types)
DEBS=$(nspawn_debs proxy "${PROXY_PACKAGES[@]}" 2>"$WORK/apt.log") ||
    bail "cannot download ${PROXY_PACKAGES[*]} ($OVH_SUITE): $(tail -n 1 "$WORK/apt.log")"
nspawn_install_debs "$ROOT" "$DEBS" "${PROXY_PACKAGES[@]}" ||
    bail "cannot install nginx and caddy into the container: $(tail -n 1 "$WORK/dpkg.log")"
[[ -e $ROOT/etc/hosts ]] || printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$ROOT/etc/hosts"

C=$SRC/contrib
install -D -m 0644 "$C/systemd/openvscode-server.socket.d-unix.conf" "$ROOT/etc/systemd/system/openvscode-server.socket.d/unix.conf"
install -m 0644 "$C/nginx/conf.d/openvscode-upgrade.conf" "$ROOT/etc/nginx/conf.d/"
install -m 0644 "$C/nginx/snippets/openvscode-proxy.conf" "$ROOT/etc/nginx/snippets/"
rm -f "$ROOT/etc/nginx/sites-enabled/default"
install -m 0644 "$C/nginx/openvscode-server.conf" "$ROOT/etc/nginx/sites-available/"
ln -s ../sites-available/openvscode-server.conf "$ROOT/etc/nginx/sites-enabled/openvscode-server.conf"
CERTDIR=$ROOT/etc/letsencrypt/live/code.example.org
mkdir -p "$CERTDIR"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=code.example.org \
    -keyout "$CERTDIR/privkey.pem" -out "$CERTDIR/fullchain.pem" >"$WORK/openssl.log" 2>&1 || bail "openssl req failed"
{
    printf '# %s: the global options for a trial beside nginx (contrib/caddy/Caddyfile)\n' "$(basename "$0")"
    printf '{\n\tlocal_certs\n\tskip_install_trust\n\thttp_port 8080\n\thttps_port 8443\n}\n\n'
    cat "$C/caddy/Caddyfile"
} >"$ROOT/etc/caddy/Caddyfile"

unset NODE_EXTRA_CA_CERTS
nspawn_boot "$ROOT" "ovh-bench-proxy-$$" "$WORK/console.log" "${NSPAWN_ARGS[@]}" || bail "the container did not boot"
[[ $NSPAWN_STATE == running ]] || bail "systemd in the container is '$NSPAWN_STATE', not running"
IN systemctl enable --now openvscode-server.socket >/dev/null 2>&1 || bail "cannot enable openvscode-server.socket"
prepare_state || bail "cannot prepare the account's state"
IN systemctl restart nginx || bail "nginx did not start: $(IN journalctl -u nginx -n 3 -o cat --no-pager)"
IN systemctl start caddy || bail "caddy did not start: $(IN journalctl -u caddy -n 3 -o cat --no-pager)"

# The service starts at the first request; its compression pass runs once
# per version, as for the direct target, and the opens find it done.
IN curl -s -o /dev/null --max-time 60 --unix-socket /run/openvscode-server/http.sock http://localhost/version || true
for _ in $(seq 1200); do
    IN journalctl -u openvscode-server.service -o cat --no-pager 2>/dev/null |
        grep -q 'static-compress.js: [0-9]* of [0-9]* static files served compressed' && break
    sleep 0.1
done
token=$(IN cat "$STATE/.openvscode-server/token")
[[ -n $token ]] || bail "no token in the container"
# Caddy issues its certificate in the background after it starts.
for _ in $(seq 150); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' -k --resolve code.example.org:8443:127.0.0.1 https://code.example.org:8443/) == 403 ]] && break
    sleep 0.2
done
umask 077
printf 'https://code.example.org/?tkn=%s\n' "$token" >"$OUT/url-nginx"
printf 'https://code.example.org:8443/?tkn=%s\n' "$token" >"$OUT/url-caddy"
printf 'MAP code.example.org 127.0.0.1\n' >"$OUT/resolve"
: >"$OUT/ready"
while [[ ! -e $OUT/stop ]]; do sleep 0.5; done

#!/bin/bash
# Bad input to the launcher: every case must exit with its exact sysexits
# code, print exactly one line on stderr (an sd-daemon <3> error naming the
# file/line or variable and the fix), execute nothing, and leave the
# account's home untouched.
#
#   OVH_BUILD_DIR=build tests/integration/test-bad-input.sh     (root)
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SRC=$OVH_SOURCE_DIR
LAUNCHER=$OVH_LAUNCHER
ovh_require_root
[[ -x $LAUNCHER ]] || bail "no launcher at $LAUNCHER"

ACCOUNT=ovh-badin
HOME_DIR=/var/tmp/ovh-badin-home
W=$(mktemp -d /tmp/ovh-badin.XXXXXX)
trap 'rm -rf "$W"' EXIT

getent passwd "$ACCOUNT" >/dev/null ||
    useradd --system --no-create-home --home-dir "$HOME_DIR" --shell /bin/bash "$ACCOUNT"
rm -rf "$HOME_DIR"
install -d -m 0750 -o "$ACCOUNT" -g "$ACCOUNT" "$HOME_DIR"

# A payload whose "node" leaves a mark if anything executes it.
mkdir -p "$W/payload/out"
: >"$W/payload/out/server-main.js"
echo '{"name": "fake", "version": "0.0.1"}' >"$W/payload/package.json"
cat >"$W/node" <<SH
#!/bin/sh
touch "$W/EXECUTED"
SH
chmod 0755 "$W/node" "$W"
printf 'goodtoken\n' >"$W/token"
chmod 0600 "$W/token"

snapshot() { { find "$HOME_DIR" /run/openvscode-server/"$ACCOUNT" -printf '%p %m %u %g %s\n' 2>/dev/null || true; } | sort; }
before=$(snapshot)

# refused NAME EXPECTED_RC STDERR_SUBSTRING -- COMMAND...
refused() {
    local name=$1 want=$2 needle=$3
    shift 4
    local rc=0
    rm -f "$W/EXECUTED" "$W/err"
    "$@" >"$W/out" 2>"$W/err" </dev/null || rc=$?
    local lines problems=()
    lines=$(grep -c '' "$W/err" || true)
    ((rc == want)) || problems+=("exit $rc, want $want")
    ((lines == 1)) || problems+=("$lines stderr lines, want 1")
    head -1 "$W/err" | grep -q '^<3>' || problems+=("no <3> prefix")
    grep -qF -- "$needle" "$W/err" || problems+=("stderr lacks '$needle'")
    [[ ! -e $W/EXECUTED ]] || problems+=("the payload was executed")
    [[ $(snapshot) == "$before" ]] || problems+=("the home or runtime dir changed")
    grep -q goodtoken "$W/err" "$W/out" && problems+=("the token was printed")
    if ((${#problems[@]} == 0)); then
        ok "$name (exit $rc)"
    else
        not_ok "$name: ${problems[*]}" "$(sed 's/^/stderr: /' "$W/err")"
    fi
}

conf() { # name text -> path
    printf '%b' "$2" >"$W/$1.conf"
    echo "$W/$1.conf"
}
base="[Server]\nRoot=$W/payload\nNode=$W/node\n[Account]\nUser=$ACCOUNT\n"
good=$(conf good "$base[Auth]\nTokenFile=$W/token\n")
# activated: runs the launcher at once with a passed socket on fd 3, as
# systemd would after the first connection (systemd-socket-activate waits
# for a connection, and cannot pass a datagram or a non-socket fd).
activated() { python3 "$SRC/tests/integration/activate.py" "$@"; }

plan 46
# Sanity: the good configuration passes --check (so the cases below fail
# for their own reason, not because the setup is broken).
rc=0; activated -- "$LAUNCHER" -c "$good" --check >"$W/plan" 2>&1 || rc=$?
if ((rc == 0)) && grep -q "^user=$ACCOUNT$" "$W/plan" && [[ $(snapshot) == "$before" ]]; then
    ok "the good configuration passes --check and changes nothing"
else
    not_ok "good configuration: rc=$rc" "$(cat "$W/plan")"
fi

c=$(conf g1 "$base[Servr]\nRoot=/x\n")
refused "unknown group" 78 "unknown group [Servr]" -- activated -- "$LAUNCHER" -c "$c"
c=$(conf g2 "$base[Auth]\nTokenFil=/x\n")
refused "unknown key names file:line" 78 "g2.conf:7: unknown key TokenFil=" -- activated -- "$LAUNCHER" -c "$c"
c=$(conf g3 "$base[Sandbox]\nSeccomp=perhaps\n")
refused "bad boolean" 78 "g3.conf:7: [Sandbox] Seccomp=perhaps is not a boolean" -- activated -- "$LAUNCHER" -c "$c"
c=$(conf g4 "${base}UMask=0888\n")
refused "bad octal UMask" 78 "g4.conf:6: [Account] UMask=0888 is not an octal umask" -- activated -- "$LAUNCHER" -c "$c"
c=$(conf g5 "[Server]\nRoot=payload\n")
refused "relative path" 78 "g5.conf:2: [Server] Root=payload is not an absolute path" -- activated -- "$LAUNCHER" -c "$c"
printf '[Server]\nRoot=%s/payload\nNode=%s/node\n[Account]\nUser=a\x01b\n' "$W" "$W" >"$W/g6.conf"
refused "control character in a value" 78 "contains a control character" -- activated -- "$LAUNCHER" -c "$W/g6.conf"
{ printf '%b' "$base"; printf 'DefaultFolder=/'; head -c 204800 /dev/zero | tr '\0' a; echo; } >"$W/g7.conf"
refused "a 200 KB line" 78 "g7.conf:6: line is 204815 bytes long" -- activated -- "$LAUNCHER" -c "$W/g7.conf"
{ printf '%b' "$base"; printf 'DefaultFolder=/x\0y\n'; } >"$W/g8.conf"
refused "a NUL byte" 78 "g8.conf:6: contains a NUL byte" -- activated -- "$LAUNCHER" -c "$W/g8.conf"
{ printf '%b' "$base"; printf 'DefaultFolder=/\xff\n'; } >"$W/g9.conf"
refused "invalid UTF-8" 78 "g9.conf:6: is not valid UTF-8" -- activated -- "$LAUNCHER" -c "$W/g9.conf"
c=$(conf u1 "[Server]\nRoot=$W/payload\nNode=$W/node\n[Account]\nUser=no-such-user-ovh\n")
refused "unknown user" 67 "user no-such-user-ovh does not exist" -- activated -- "$LAUNCHER" -c "$c"
c=$(conf u2 "[Server]\nRoot=$W/payload\nNode=$W/node\n[Account]\nUser=root\n")
refused "root as the account" 78 "refusing to run the IDE as root" -- activated -- "$LAUNCHER" -c "$c"
c=$(conf u3 "$base""Group=no-such-group-ovh\n")
refused "unknown account group" 67 "group no-such-group-ovh does not exist" -- activated -- "$LAUNCHER" -c "$c"
c=$(conf p1 "[Server]\nRoot=$W/nothing\nNode=$W/node\n[Account]\nUser=$ACCOUNT\n")
refused "missing payload" 66 "no VS Code server at $W/nothing: neither out/server-main.js nor lib/vscode/out/server-main.js" -- activated -- "$LAUNCHER" -c "$c"
c=$(conf p2 "[Server]\nRoot=$W/payload\nNode=$W/no-node\n[Account]\nUser=$ACCOUNT\n")
refused "missing node" 66 "node missing: $W/no-node" -- activated -- "$LAUNCHER" -c "$c"
c=$(conf t1 "$base[Auth]\nToken=bad token!\n")
chmod 0640 "$c"
refused "token with bad characters" 65 "character outside [0-9A-Za-z_-]" -- activated -- "$LAUNCHER" -c "$c"
c=$(conf t0 "$base[Auth]\nToken=goodtoken\n")
chmod 0644 "$c"
refused "[Auth] Token= in a config file every user can read" 78 "$c:7: [Auth] Token= is in a file every user can read (mode 0644)" -- activated -- "$LAUNCHER" -c "$c"
: >"$W/empty-token"; chmod 0600 "$W/empty-token"
c=$(conf t2 "$base[Auth]\nTokenFile=$W/empty-token\n")
refused "empty token file" 65 "the token file is empty" -- activated -- "$LAUNCHER" -c "$c"
c=$(conf t3 "$base[Auth]\nTokenFile=$W/missing-token\n")
refused "missing token file" 66 "cannot open token file $W/missing-token" -- activated -- "$LAUNCHER" -c "$c"
printf 'goodtoken\n' >"$W/open-token"; chmod 0644 "$W/open-token"
c=$(conf t4 "$base[Auth]\nTokenFile=$W/open-token\n")
refused "world-readable token file" 77 "chmod 0600 $W/open-token" -- activated -- "$LAUNCHER" -c "$c"
for opt in "--connection-token=x" "--host 0.0.0.0" "--port=1" "--socket-path=/tmp/x"; do
    flag=${opt%%[= ]*}
    c=$(conf "x${flag//-/}" "[Server]\nRoot=$W/payload\nNode=$W/node\nExtraArguments=--log info $opt\n[Account]\nUser=$ACCOUNT\n")
    refused "ExtraArguments with $flag" 78 "ExtraArguments= may not contain $flag" -- activated -- "$LAUNCHER" -c "$c"
done
refused "PUID without a passwd entry" 67 "PUID=3999999: no user has this uid" -- \
    env PUID=3999999 python3 "$SRC/tests/integration/activate.py" -- "$LAUNCHER" -c "$good"
refused "FILE__ of an unknown variable" 78 "FILE__PATH: PATH is not a variable" -- \
    env FILE__PATH=/etc/hostname python3 "$SRC/tests/integration/activate.py" -- "$LAUNCHER" -c "$good"
refused "bad TZ" 78 "time zone \"Mars/Olympus\" is not in /usr/share/zoneinfo" -- \
    env TZ=Mars/Olympus python3 "$SRC/tests/integration/activate.py" -- "$LAUNCHER" -c "$good"
c=$(conf s1 "$base[Sandbox]\nDenySyscalls=mountt\n")
refused "unknown syscall name" 78 "DenySyscalls=: mountt is not a system call" -- activated -- "$LAUNCHER" -c "$c"
refused "not activated and no --listen" 64 "no socket: start through openvscode-server.socket" -- \
    env -u LISTEN_FDS -u LISTEN_PID "$LAUNCHER" -c "$good"
refused "two passed sockets" 64 "systemd passed 2 sockets" -- activated --count 2 -- "$LAUNCHER" -c "$good"
refused "zero passed sockets" 64 "systemd passed 0 sockets" -- activated --count 0 -- "$LAUNCHER" -c "$good"
refused "fd 3 is not a socket" 64 "fd 3 passed by systemd is not a socket" -- activated --not-socket -- "$LAUNCHER" -c "$good"
refused "fd 3 is a datagram socket" 64 "not a listening stream socket" -- activated --datagram -- "$LAUNCHER" -c "$good"
refused "--listen while activated" 64 "systemd already passed a socket" -- activated -- "$LAUNCHER" -c "$good" --listen=127.0.0.1:1
refused "unknown option" 64 "unknown option --bogus" -- "$LAUNCHER" --bogus
# Started without root, as the units do (User=): the account systemd chose
# and the configured one must agree, and the files must be readable by it.
refused "started as another account than the configured one" 77 \
    "names $ACCOUNT:$ACCOUNT, but the launcher was started as nobody:nogroup" -- \
    setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/bin/python3 "$SRC/tests/integration/activate.py" -- "$LAUNCHER" -c "$good"
c=$(conf r1 "$base[Auth]\nTokenFile=$W/token\n")
chmod 0600 "$c"
refused "a configuration file the account cannot read" 78 "$c: cannot be read by uid $(id -u "$ACCOUNT")" -- \
    setpriv --reuid="$ACCOUNT" --regid="$ACCOUNT" --init-groups /usr/bin/python3 "$SRC/tests/integration/activate.py" -- "$LAUNCHER" -c "$c"
chmod 0644 "$c"
refused "a token file the account cannot read" 77 "token file $W/token cannot be read by uid $(id -u "$ACCOUNT")" -- \
    setpriv --reuid="$ACCOUNT" --regid="$ACCOUNT" --init-groups /usr/bin/python3 "$SRC/tests/integration/activate.py" -- "$LAUNCHER" -c "$c"

# TLS=files (docs/SECURITY.md, "TLS"): a certificate and key that cannot
# serve stop the start before anything is written or served.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/tls.key" -out "$W/tls.crt" \
    -days 30 -subj /CN=code.test -addext subjectAltName=DNS:code.test 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/other.key" -out "$W/other.crt" \
    -days 30 -subj /CN=other 2>/dev/null
# An expired one: openssl 3.0's req cannot backdate; its ca can.
mkdir "$W/oldca"
: >"$W/oldca/index.txt"
echo 01 >"$W/oldca/serial"
printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s/index.txt\nnew_certs_dir=%s\ndefault_md=sha256\npolicy=p\nserial=%s/serial\n[p]\ncommonName=supplied\n' \
    "$W/oldca" "$W/oldca" "$W/oldca" >"$W/oldca/ca.cnf"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/old.key" -out "$W/oldca/old.csr" \
    -subj /CN=old 2>/dev/null
openssl ca -batch -config "$W/oldca/ca.cnf" -selfsign -keyfile "$W/old.key" -in "$W/oldca/old.csr" -out "$W/old.crt" \
    -startdate 20200101000000Z -enddate 20200201000000Z -notext >/dev/null 2>&1
chmod 0644 "$W"/*.crt "$W"/*.key
tbase="[Account]\nUser=$ACCOUNT\n[Server]\nRoot=$W/payload\nNode=$W/node\n"
c=$(conf tls1 "$tbase""TLS=files\n[Auth]\nTokenFile=$W/token\n")
refused "TLS=files without Certificate= and Key=" 78 "tls1.conf:6: TLS=files without Certificate= and Key=; set" -- activated -- "$LAUNCHER" -c "$c"
c=$(conf tls2 "$tbase""TLS=files\nCertificate=$W/tls.crt\n[Auth]\nTokenFile=$W/token\n")
refused "TLS=files without Key=" 78 "TLS=files without Key=" -- activated -- "$LAUNCHER" -c "$c"
c=$(conf tls3 "$tbase""TLS=files\nCertificate=$W/tls.crt\nKey=$W/other.key\n[Auth]\nTokenFile=$W/token\n")
refused "a key that does not match its certificate" 65 "Key= ($W/other.key) does not belong to the certificate" -- activated -- "$LAUNCHER" -c "$c"
c=$(conf tls4 "$tbase""TLS=files\nCertificate=$W/old.crt\nKey=$W/old.key\n[Auth]\nTokenFile=$W/token\n")
refused "an expired certificate under TLS=files" 65 "($W/old.crt): the certificate expired on 2020-02-01 00:00 UTC; renew it" -- activated -- "$LAUNCHER" -c "$c"
c=$(conf tls5 "$tbase""TLS=files\nCertificate=$W/tls.key\nKey=$W/tls.key\n[Auth]\nTokenFile=$W/token\n")
refused "a key given as the certificate" 65 "not a PEM certificate" -- activated -- "$LAUNCHER" -c "$c"
c=$(conf tls6 "$tbase""TLS=files\nCertificate=$W/tls.crt\nKey=$W/tls.key\n[Auth]\nMode=none\n")
refused "TLS=files with [Auth] Mode=none" 78 "TLS=files needs the connection token" -- activated -- "$LAUNCHER" -c "$c"
# The key readable by root alone, the launcher started as the account (as
# the unit starts it): the fix is the credential.
install -m 0600 -o "$ACCOUNT" -g "$ACCOUNT" "$W/token" "$W/account-token"
install -m 0600 -o root -g root "$W/tls.key" "$W/root.key"
c=$(conf tls7 "$tbase""TLS=files\nCertificate=$W/tls.crt\nKey=$W/root.key\n[Auth]\nTokenFile=$W/account-token\n")
chmod 0644 "$c"
refused "an unreadable key" 77 "cannot read $W/root.key: Permission denied; the server's account reads it: give it as the systemd credential" -- \
    setpriv --reuid="$ACCOUNT" --regid="$ACCOUNT" --init-groups /usr/bin/python3 "$SRC/tests/integration/activate.py" -- "$LAUNCHER" -c "$c"

# A failed start must not leave the connection that triggered it waiting:
# systemd would start the service again and again until its start limit
# fails the socket. The launcher answers it with 503 and the journal hint.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
c=$(conf p3 "[Server]\nRoot=$W/nothing\nNode=$W/node\n[Account]\nUser=$ACCOUNT\n")
rm -f "$W/EXECUTED"
systemd-socket-activate -l "127.0.0.1:$port" "$LAUNCHER" -c "$c" >"$W/sa.out" 2>&1 &
sa=$!
for _ in $(seq 50); do
    ss -ltn | grep -q "127.0.0.1:$port " && break
    sleep 0.1
done
answer=$(curl -s -i --max-time 10 "http://127.0.0.1:$port/" || true)
rc=0
wait "$sa" || rc=$?
if [[ $answer == "HTTP/1.1 503 "* && $answer == *"journalctl -u openvscode-server"* ]] && ((rc == 66)) &&
    [[ ! -e $W/EXECUTED && $(snapshot) == "$before" ]]; then
    ok "a failed activated start answers the waiting connection 503 and exits 66"
else
    not_ok "failed activated start: rc=$rc, answer: ${answer%%$'\r'*}" "$(cat "$W/sa.out")"
fi

finish

#!/bin/bash
# System test of `openvscodectl server` on a real systemd booted with
# systemd-nspawn (tests/system/lib-nspawn.sh): the openvscode-host .deb
# (tests/package/build-debs) installed with apt, and no packaged VS Code
# server at all:
#
#   a release feed     tests/system/feed-server.js in the container serves
#                      files shaped like GitHub's releases API (tag_name,
#                      assets with name, browser_download_url, digest) and
#                      the tarballs: code-server 4.138.0 and 4.139.1 built
#                      from npm and laid out as code-server's releases
#                      (tests/system/release-tarball.sh)
#   a browser across update and rollback
#                      Chromium holds hello.txt with an unsaved edit while the
#                      server is updated, and again while it is rolled back;
#                      each time the workbench reloads, the edit is back
#                      unsaved, and saving writes it through the new server
#                      (tests/browser/workbench.js switch)
#   install → use → update under load → rollback → remove
#                      install code-server from the feed (its latest is
#                      4.138.0); the feed's latest becomes 4.139.1; update
#                      --check and status say so; update while a client
#                      connects every 50 ms: none refused; rollback; remove
#   kinds              a VSCodium-shaped tarball installed with --no-use and
#                      recognised; the launcher's --check names kind and version
#   bad input          one line, a sysexits code, the current server untouched
#                      and serving, no staging left: wrong architecture (the
#                      arm64 tree), not a server, digest mismatch, a truncated
#                      tarball, an entry that escapes, a full disk, two at once
#                      (the lock), the feed unreachable, 404, no asset for this
#                      architecture, a URL without --sha256, removing the
#                      current server, an unknown version
#
# Figures: install time (feed to first answer) and update-to-serving time.
#
#   sudo tests/system/test-server.sh            (TAP on stdout)
#
# Environment: as tests/system/test-nspawn.sh (OVH_CACHE, OVH_DEBIAN,
# OVH_KEEP=1, CI=true turns a skip into a failure).
#
# Exit: 0 all passed, 1 a check failed, 77 skipped (not root, or this
# machine cannot run systemd-nspawn).
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/system/lib-nspawn.sh
source "$SRC/tests/system/lib-nspawn.sh"
# shellcheck source=tests/system/release-tarball.sh
source "$SRC/tests/system/release-tarball.sh"
# The browser (Debian's chromium, playwright-core): tests/browser/lib.sh.
# shellcheck source=tests/browser/lib.sh
source "$SRC/tests/browser/lib.sh"

PORT=3000
FEED_PORT=8765
CTL=/usr/bin/openvscodectl
STORE=/var/lib/openvscode-host/servers
CONFD=/etc/openvscode-server/launcher.conf.d
FEED=/srv/feed # in the container
TEST_DIR=/usr/local/lib/ovh-server-test

# shellcheck source=tests/lib-tap.sh
source "$SRC/tests/lib-tap.sh"
t_start=$(now)

reason=$(nspawn_possible) || skip_all "$reason"
for tool in meson ninja python3 sha256sum gzip; do
    command -v "$tool" >/dev/null || bail "$tool not found"
done
nspawn_workdir server 0700
mkdir "$WORK/browser-home"

nspawn_build_root >"$WORK/build-root.log" 2>&1 &
ROOT_JOB=$!
# The releases: two code-server versions, this machine's architecture;
# the arm64 build of the newer one for the wrong-architecture case.
OLD=$(release_tarball code-server 1.138.0 amd64 2>"$WORK/release-old.log") ||
    { tail -n 30 "$WORK/release-old.log"; bail "cannot build the code-server 4.138.0 tarball"; }
NEW=$(release_tarball code-server 1.139.1 amd64 2>"$WORK/release-new.log") ||
    { tail -n 30 "$WORK/release-new.log"; bail "cannot build the code-server 4.139.1 tarball"; }
CODIUM=$(release_tarball vscodium 1.139.1 amd64 2>"$WORK/release-codium.log") ||
    { tail -n 30 "$WORK/release-codium.log"; bail "cannot build the VSCodium-shaped tarball"; }
ARM64=$(release_tarball code-server 1.139.1 arm64 2>"$WORK/release-arm64.log") ||
    { tail -n 30 "$WORK/release-arm64.log"; bail "cannot build the arm64 code-server tarball"; }
diag "release tarballs ready after $(elapsed "$t_start") s: $(du -sh "$OLD" "$NEW" "$CODIUM" "$ARM64" | awk '{ printf "%s %s; ", $2, $1 }' | sed 's|[^ ]*/||g')"
browser_setup "$SRC" >"$WORK/browser-setup.log" 2>&1 || { cat "$WORK/browser-setup.log"; bail "cannot install the browser"; }
wait "$ROOT_JOB" || { cat "$WORK/build-root.log"; ROOT_JOB=; bail "cannot build the cached root $OVH_ROOT"; }
ROOT_JOB=
nspawn_enter_cgroup

# ---------------------------------------------------------------- install
ROOT=$(nspawn_copy_root "$WORK")
# The package, as an administrator installs it (cached by the tree's
# contents: the package suite and test-deb build the same one).
HOST_DEB=$("$SRC/tests/package/build-debs" --host-only 2>"$WORK/build-debs.log") ||
    { tail -n 30 "$WORK/build-debs.log"; bail "tests/package/build-debs --host-only failed"; }
[[ -f $HOST_DEB ]] || bail "build-debs printed no package: $HOST_DEB"
mkdir -p "$ROOT$FEED/download" "$ROOT$TEST_DIR" "$ROOT/srv/bad" "$ROOT$CONFD"
cp "$SRC/tests/system/feed-server.js" "$ROOT$TEST_DIR/"
printf '[Update]\nFeed=http://127.0.0.1:%s\n' "$FEED_PORT" >"$ROOT$CONFD/50-system-test-feed.conf"
chmod 0644 "$ROOT$CONFD/50-system-test-feed.conf"

# Bad tarballs, made here: not a server; one entry that climbs out; a
# truncated copy of a real one.
mkdir -p "$WORK/notserver/notserver-1.0/docs"
printf 'hello\n' >"$WORK/notserver/notserver-1.0/docs/README"
tar -C "$WORK/notserver" -czf "$ROOT/srv/bad/notserver.tar.gz" notserver-1.0
python3 - "$ROOT/srv/bad/escape.tar.gz" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w:gz") as t:
    for name, data in (("code-server-9.9.9-linux-amd64/out/server-main.js", b"//"),
                       ("code-server-9.9.9-linux-amd64/../../../../../tmp/ovh-escaped", b"owned\n")):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
EOF
head -c "$(($(stat -c %s "$OLD") / 2))" "$OLD" >"$ROOT/srv/bad/truncated.tar.gz"
diag "built and installed after $(elapsed "$t_start") s"

# The feed: GitHub's shape, one release file per tag and one "latest".
sha_old=$(sha256sum "$OLD" | cut -c1-64)
sha_new=$(sha256sum "$NEW" | cut -c1-64)
release_json() { # TAG ASSET SHA256 [ASSET2 SHA2]
    python3 - "$FEED_PORT" "$@" <<'EOF'
import json, sys
port, tag, *assets = sys.argv[1:]
out = {"tag_name": tag, "name": tag, "draft": False, "prerelease": False, "assets": []}
for name, sha in zip(assets[::2], assets[1::2]):
    out["assets"].append({"name": name, "size": 0, "digest": f"sha256:{sha}" if sha != "-" else None,
                          "browser_download_url": f"http://127.0.0.1:{port}/download/{name}"})
print(json.dumps(out, indent=1))
EOF
}
REL=$ROOT$FEED/repos/coder/code-server/releases
mkdir -p "$REL/tags"
release_json v4.138.0 "$(basename "$OLD")" "$sha_old" >"$REL/tags/v4.138.0"
release_json v4.139.1 "$(basename "$NEW")" "$sha_new" >"$REL/tags/v4.139.1"
# a release without a build for this architecture
release_json v4.137.0 code-server-4.137.0-linux-arm64.tar.gz "$sha_old" >"$REL/tags/v4.137.0"
cp "$REL/tags/v4.138.0" "$REL/latest"

NSPAWN_ARGS=(--private-network
    "--bind-ro=$HOST_DEB:/mnt/$(basename "$HOST_DEB")"
    "--bind-ro=$OLD:$FEED/download/$(basename "$OLD")"
    "--bind-ro=$NEW:$FEED/download/$(basename "$NEW")"
    "--bind-ro=$CODIUM:/srv/$(basename "$CODIUM")"
    "--bind-ro=$ARM64:/srv/bad/$(basename "$ARM64")"
    # The store on a file system of its own and of a known size: the full
    # disk case fills it. Three trees and a download fit.
    "--tmpfs=/var/lib/openvscode-host:mode=0755,size=4G")

# ---------------------------------------------------------------- helpers
# expect_has DESCRIPTION TEXT PART: TEXT holds PART, literally.
expect_has() {
    if [[ $2 == *"$3"* ]]; then ok "$1"; else not_ok "$1" "expected to hold: $3" "actual: $2"; fi
}
http() {
    printf 'url = "http://127.0.0.1:%s%s"\noutput = "/dev/null"\nwrite-out = "%%{http_code}"\nsilent\nmax-time = 60\n' \
        "$PORT" "$1" | IN curl -K - 2>/dev/null || true
}
# The commit the running server reports (GET /version answers it).
served_commit() { IN curl -s --max-time 60 "http://127.0.0.1:$PORT/version" 2>/dev/null || true; }
ctl() { IN "$CTL" "$@"; }
current() { IN readlink "$STORE/current" 2>/dev/null || echo none; }
staging_left() { IN sh -c "ls -A $STORE | grep -c '^\.staging-\|^\.removing-'" 2>/dev/null || true; }
commit_of() { tar -xzOf "$1" --wildcards '*/lib/vscode/product.json' | python3 -c 'import json, sys; print(json.load(sys.stdin)["commit"])'; }
COMMIT_OLD=$(commit_of "$OLD")
COMMIT_NEW=$(commit_of "$NEW")

# refused DESC CODE TEXT COMMAND...: one line on stderr starting
# "openvscodectl: " and holding TEXT, exit CODE; then the current server is
# the same, still serves, and no staging directory is left.
refused() {
    local desc=$1 want=$2 text=$3 rc=0 before lines
    shift 3
    before=$(current)
    "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
    lines=$(grep -c . "$WORK/err" || true)
    if [[ $rc == "$want" && $lines == 1 ]] && grep -q '^openvscodectl: ' "$WORK/err" && grep -qF -- "$text" "$WORK/err"; then
        ok "$desc: exit $rc, one line ($(cut -c1-200 "$WORK/err"))"
    else
        not_ok "$desc" "exit $rc (want $want), $lines stderr lines, want \"$text\":" "$(cat "$WORK/err")" \
            "stdout: $(head -c 500 "$WORK/out")"
    fi
    expect "$desc: the current server is unchanged and serves" "$(current) $(http /)" "$before 403"
    expect "$desc: no staging directory left in $STORE" "$(staging_left)" 0
}

# ================================================================ boot
unset NODE_EXTRA_CA_CERTS
t_boot=$(now)
nspawn_boot "$ROOT" "ovh-server-$$" "$WORK/console.log" "${NSPAWN_ARGS[@]}" || bail "the container did not boot"
expect "container boots into running ($(elapsed "$t_boot") s)" "$NSPAWN_STATE" running
IN systemd-run --quiet --unit=ovh-test-feed node "$TEST_DIR/feed-server.js" "$FEED" "$FEED_PORT"
for _ in $(seq 100); do IN curl -s -o /dev/null "http://127.0.0.1:$FEED_PORT/" && break; sleep 0.1; done
if IN env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "/mnt/$(basename "$HOST_DEB")" >"$WORK/apt.log" 2>&1; then
    ok "apt-get install ./$(basename "$HOST_DEB") (Debian $OVH_SUITE)"
else
    not_ok "apt-get install ./$(basename "$HOST_DEB")" "$(tail -n 20 "$WORK/apt.log")"
fi
expect "the package enabled the socket" "$(IN systemctl is-enabled openvscode-server.socket 2>&1)" enabled
check "the workspace holds hello.txt" prepare_state
# An edit held unsaved needs auto save off: today's VS Code saves by itself.
check "the user settings turn auto save off" as_account \
    "umask 077; mkdir -p $STATE/.openvscode-server/data/User && printf '{\"files.autoSave\": \"off\"}\n' >$STATE/.openvscode-server/data/User/settings.json"

LAUNCHER=$(IN dpkg -L openvscode-host | grep '/openvscode-launcher$' | head -n 1)
out=$(IN "$LAUNCHER" --check 2>&1 || true)
expect_has "before any install: --check names the packaged server, missing" "$out" "no VS Code server: /usr/lib/openvscode-server/out/server-main.js not found; install one with openvscodectl server install"
expect_has "server list: nothing installed yet" "$(ctl server list)" "No server installed"

# ================================================================ install
t0=$(now)
if ctl server install code-server >"$WORK/install.out" 2>&1; then
    ok "server install code-server (the feed's latest: 4.138.0)"
else
    not_ok "server install code-server" "$(cat "$WORK/install.out")"
fi
t_installed=$(elapsed "$t0")
code=$(http /)
t_install_first=$(elapsed "$t0")
expect "install: the first connection answers 403 (no token)" "$code" 403
diag "figure: server install code-server $t_installed s (feed, download of $(du -h "$OLD" | cut -f1), unpack, checks, --version in the sandbox); to the first answer $t_install_first s"
expect "install: current is code-server-4.138.0-amd64" "$(current)" code-server-4.138.0-amd64
expect "install: the server that answers is 4.138.0 (its commit)" "$(served_commit)" "$COMMIT_OLD"
check=$(IN "$LAUNCHER" --check 2>&1 || true)
expect_has "--check: server_kind=code-server" "$check" "server_kind=code-server"
expect_has "--check: server_version=1.138.0, server_release=4.138.0" "$check" "server_version=1.138.0"$'\n'"server_release=4.138.0"
expect_has "--check: chosen by openvscodectl server use" "$check" "server_chosen_by=openvscodectl server use ($STORE/current -> code-server-4.138.0-amd64)"
expect_has "--check: root is the entry's lib/vscode, not current/" "$check" "root=$STORE/code-server-4.138.0-amd64/lib/vscode"
main=$(IN systemctl show -P MainPID openvscode-server.service)
expect "install: the server runs the release's own node" "$(IN readlink "/proc/$main/exe")" "$STORE/code-server-4.138.0-amd64/lib/node"
perms=$(IN stat -c '%U %a' "$STORE" "$STORE/code-server-4.138.0-amd64" "$STORE/code-server-4.138.0-amd64/lib/vscode/out/server-main.js" | paste -sd,)
expect "the store is root's and read-only to the account" "$perms" "root 755,root 755,root 644"
json=$(ctl server list --json)
expect "server list --json: kind, release, VS Code version, arch, sha256, current" \
    "$(python3 -c 'import json, sys; s = json.loads(sys.argv[1])[0]; print(s["kind"], s["release"], s["vscode_version"], s["arch"], s["sha256"], s["current"])' "$json")" \
    "code-server 4.138.0 1.138.0 amd64 $sha_old True"
out=$(ctl server install code-server 2>&1 || true)
expect_has "install again: already installed" "$out" "code-server-4.138.0-amd64 is installed already"

# ================================================================ update
expect_has "update --check: 4.138.0 is the newest" "$(ctl server update --check 2>&1)" "4.138.0 is the newest release"
cp "$REL/tags/v4.139.1" "$REL/latest"
expect_has "update --check after a new release: update available" "$(ctl server update --check 2>&1)" "update available: code-server 4.139.1 (installed: 4.138.0)"
expect_has "status: Update available" "$(ctl status 2>&1)" "Update available: code-server 4.139.1"
expect "update --check changed nothing" "$(current)" code-server-4.138.0-amd64

# The browser holds hello.txt with an unsaved edit through the update,
# then through the rollback. It opens what `openvscodectl url` prints for
# the loopback address, as a person would paste it; the token goes to the
# browser in a file only root reads (WORK is 0700), never on argv.
url=$(ctl url 2>&1 | grep -m1 "^http://127\.0\.0\.1:$PORT/?tkn=[0-9a-f]\{64\}\$" || true)
check "openvscodectl url prints the loopback URL with the token" test -n "$url"
TOKEN_FILE=$WORK/url-token
(umask 077 && printf '%s\n' "${url#*\?tkn=}" >"$TOKEN_FILE")
mkfifo "$WORK/browser.in"
browser switch "${url%%/\?tkn=*}" "$TOKEN_FILE" "$ROOT$STATE" 2 <"$WORK/browser.in" \
    >"$WORK/browser.out" 2>"$WORK/browser.err" &
browser_pid=$!
exec {browser_in}>"$WORK/browser.in"
# browser_ready N DESCRIPTION: the browser said "ready" N times (it holds
# an unsaved edit), within 3 minutes.
browser_ready() {
    for _ in $(seq 1800); do
        (($(grep -cx ready "$WORK/browser.out" 2>/dev/null || true) >= $1)) && break
        kill -0 "$browser_pid" 2>/dev/null || break
        sleep 0.1
    done
    if (($(grep -cx ready "$WORK/browser.out" 2>/dev/null || true) >= $1)); then ok "browser: $2"; else
        not_ok "browser: $2" "$(cat "$WORK/browser.out")" "$(tail -n 10 "$WORK/browser.err")"; fi
}
# browser_switched: tells the browser the server changed. One that gave up
# has no reader on the pipe: no SIGPIPE for the test.
browser_switched() {
    kill -0 "$browser_pid" 2>/dev/null && (trap '' PIPE; printf 'switched\n' >&"$browser_in") 2>/dev/null || true
}
browser_ready 1 "the workbench of 4.138.0 holds hello.txt with an unsaved edit"

main_before=$(IN systemctl show -P MainPID openvscode-server.service)
load_start update
t0=$(now)
if ctl server update >"$WORK/update.out" 2>&1; then
    ok "server update (to 4.138.0 -> 4.139.1) while a client connects every 50 ms"
else
    not_ok "server update" "$(cat "$WORK/update.out")"
fi
t_updated=$(elapsed "$t0")
for _ in $(seq 600); do [[ $(served_commit) == "$COMMIT_NEW" ]] && break; sleep 0.1; done
t_serving=$(elapsed "$t0")
sleep 1
load_stop update
diag "figure: server update $t_updated s; update to serving 4.139.1: $t_serving s; during it $LOAD_SUMMARY"
expect "update: the server that answers is 4.139.1" "$(served_commit)" "$COMMIT_NEW"
check "update: the server restarted (main pid $main_before -> $(IN systemctl show -P MainPID openvscode-server.service))" \
    test "$(IN systemctl show -P MainPID openvscode-server.service)" != "$main_before"
expect "update: current 4.139.1, previous 4.138.0" "$(current) $(IN readlink "$STORE/previous")" "code-server-4.139.1-amd64 code-server-4.138.0-amd64"
if ctl status 2>&1 | grep -q 'Update available'; then not_ok "status: no update available after the update"; else ok "status: no update available after the update"; fi

browser_switched
browser_ready 2 "after the update the edit is saved through 4.139.1, and a new one is held unsaved"


# ================================================================ kinds
if ctl server install --no-use "/srv/$(basename "$CODIUM")" >"$WORK/codium.out" 2>&1; then
    ok "install --no-use of a VSCodium REH-web tarball (no top directory)"
else
    not_ok "install --no-use of a VSCodium tarball" "$(cat "$WORK/codium.out")"
fi
expect "install --no-use: current stays 4.139.1" "$(current)" code-server-4.139.1-amd64
expect_match "server list: the VSCodium entry, kind vscodium, VS Code 1.139.1" "$(ctl server list)" "vscodium-1.139.11234-amd64 +vscodium +1.139.11234 +1.139.1 "

# ================================================================ rollback, use, remove
if ctl server rollback >"$WORK/rollback.out" 2>&1; then ok "server rollback"; else not_ok "server rollback" "$(cat "$WORK/rollback.out")"; fi
for _ in $(seq 600); do [[ $(served_commit) == "$COMMIT_OLD" ]] && break; sleep 0.1; done
expect "rollback: 4.138.0 serves again, 4.139.1 is previous" "$(current) $(IN readlink "$STORE/previous") $(served_commit)" \
    "code-server-4.138.0-amd64 code-server-4.139.1-amd64 $COMMIT_OLD"
t_browser=$(now)
browser_switched
exec {browser_in}>&-
rc=0
wait "$browser_pid" || rc=$?
sed -i '/^ready$/d' "$WORK/browser.out"
browser_results "$WORK/browser.out" "$rc" "$WORK/browser.err"
diag "browser: reloaded, restored and saved $(elapsed "$t_browser") s after the rollback"
expect "both edits, typed before the update and before the rollback, are on disk in the account's file" \
    "$(IN stat -c '%U' "$STATE/workspace/hello.txt") $(IN grep -c 'typed before switch [12], saved after it' "$STATE/workspace/hello.txt" || true)" \
    "openvscode-server 2"
if ctl server use 4.139.1 >"$WORK/use.out" 2>&1; then ok "server use 4.139.1 (by release)"; else not_ok "server use 4.139.1" "$(cat "$WORK/use.out")"; fi
for _ in $(seq 600); do [[ $(served_commit) == "$COMMIT_NEW" ]] && break; sleep 0.1; done
expect "use: 4.139.1 serves" "$(current) $(served_commit)" "code-server-4.139.1-amd64 $COMMIT_NEW"

# [Server] Root= wins over the store: a switch then moves the store's
# current and restarts no service, which would change nothing.
IN sh -c "printf '[Server]\nRoot=$STORE/code-server-4.139.1-amd64\n' >$CONFD/60-system-test-root.conf"
pid_before=$(IN systemctl show -P MainPID openvscode-server.service)
ctl server use 4.138.0 >"$WORK/use-root.out" 2>&1 || true
expect_has "use with Root= set: says no service was restarted" "$(cat "$WORK/use-root.out")" \
    "no service restarted: they serve [Server] Root=$STORE/code-server-4.139.1-amd64"
expect "use with Root= set: the store's current moved, the same server process serves Root='s 4.139.1" \
    "$(current) $(IN systemctl show -P MainPID openvscode-server.service) $(served_commit)" \
    "code-server-4.138.0-amd64 $pid_before $COMMIT_NEW"
IN rm -f "$CONFD/60-system-test-root.conf"
if ctl server use 4.139.1 >"$WORK/use.out" 2>&1; then ok "server use 4.139.1 again, Root= gone"; else not_ok "server use 4.139.1 again" "$(cat "$WORK/use.out")"; fi
for _ in $(seq 600); do [[ $(served_commit) == "$COMMIT_NEW" ]] && break; sleep 0.1; done
check "... the service was restarted this time (main PID $pid_before -> $(IN systemctl show -P MainPID openvscode-server.service))" \
    test "$(IN systemctl show -P MainPID openvscode-server.service)" != "$pid_before"
expect "... and 4.139.1 from the store serves" "$(current) $(served_commit)" "code-server-4.139.1-amd64 $COMMIT_NEW"

# ================================================================ bad input
refused "remove the current server" 64 "is the current server; switch to another first" ctl server remove code-server-4.139.1-amd64
refused "remove an unknown version" 66 "no installed server is \"9.9.9\"" ctl server remove 9.9.9
refused "use an unknown version" 66 "no installed server is \"1.2.3\"" ctl server use 1.2.3
refused "wrong architecture (the arm64 build)" 65 "is a server for arm64" ctl server install "/srv/bad/$(basename "$ARM64")"
refused "not a VS Code server tree" 65 "is not a VS Code server tree: expected out/server-main.js" ctl server install /srv/bad/notserver.tar.gz
refused "digest mismatch (a URL with another --sha256)" 65 "the download is corrupt or was tampered with" \
    ctl server install --sha256 "$(printf '0%.0s' $(seq 64))" "http://127.0.0.1:$FEED_PORT/download/$(basename "$OLD")"
refused "a URL without --sha256" 64 "a download needs its digest" ctl server install "http://127.0.0.1:$FEED_PORT/download/$(basename "$OLD")"
refused "a truncated tarball" 65 "truncated or corrupt" ctl server install /srv/bad/truncated.tar.gz
refused "an entry that escapes" 65 "escapes the tree" ctl server install /srv/bad/escape.tar.gz
check "the escaping entry was written nowhere" IN test ! -e /tmp/ovh-escaped
refused "the feed: 404 for a version" 66 "not found (HTTP 404)" ctl server install code-server@9.9.9
refused "the feed: no asset for this architecture" 69 "has no code-server-4.137.0-linux-amd64.tar.gz" ctl server install code-server@4.137.0
printf '[Update]\nFeed=http://127.0.0.1:9\n' | IN sh -c "cat >$CONFD/60-system-test-unreachable.conf"
refused "the feed unreachable" 69 "cannot download it" ctl server update --check
IN rm -f "$CONFD/60-system-test-unreachable.conf"
IN systemd-run --quiet --unit=ovh-test-lock flock "$STORE/.lock" sleep 60
for _ in $(seq 50); do IN systemctl is-active -q ovh-test-lock && break; sleep 0.1; done
sleep 0.5
refused "two at once (the store's lock is held)" 75 "another openvscodectl server command is changing" ctl server install code-server@4.138.0
IN systemctl stop ovh-test-lock
# A full disk: the store's file system keeps less room than a tree needs.
if ctl server remove code-server-4.138.0-amd64 >"$WORK/remove.out" 2>&1; then ok "server remove 4.138.0 (not current)"; else not_ok "server remove 4.138.0" "$(cat "$WORK/remove.out")"; fi
expect "remove: the previous link went with it" "$(IN readlink "$STORE/previous" 2>/dev/null || echo none)" none
avail=$(IN df --output=avail -B1M /var/lib/openvscode-host | tail -1 | tr -d ' ')
IN fallocate -l "$((avail - 120))M" /var/lib/openvscode-host/filler
refused "a full disk while downloading" 74 "the disk is full" ctl server install code-server@4.138.0
refused "a full disk while unpacking (a local tarball)" 74 "the disk is full" ctl server install "/srv/bad/$(basename "$ARM64")"
IN rm -f /var/lib/openvscode-host/filler
expect "server list after all this: 4.139.1 (current) and the VSCodium tree" \
    "$(ctl server list --json | python3 -c 'import json, sys; print(" ".join(sorted(s["name"] + ("*" if s["current"] else "") for s in json.load(sys.stdin))))')" \
    "code-server-4.139.1-amd64* vscodium-1.139.11234-amd64"
t_total=$(elapsed "$t_start")
diag "total time $t_total s"
finish

#!/bin/bash
# System test: the IDE as a person uses it, in a real browser, through the
# socket-activated service on a real systemd (systemd-nspawn).
#
# Debian's chromium, driven by playwright-core (tests/browser/workbench.js),
# opens http://127.0.0.1:3000/?tkn=TOKEN: the workbench renders, the
# explorer lists the workspace, a file opens, an edit and a new file are
# saved (on disk: the account's, with the configured umask 027), the
# integrated terminal runs `id -un`, shows NoNewPrivs 1 and Seccomp 2 and
# makes a git commit; without the token the sign-in page (401), where the
# token signs in. A screenshot of
# the workbench is kept in $OVH_ARTIFACTS_DIR (its path is printed).
#
#   sudo tests/system/test-browser.sh           (TAP on stdout)
#
# Environment: see tests/browser/lib.sh (OVH_CACHE, OVH_ARTIFACTS_DIR,
# OVH_CHROMIUM, OVH_VSCODE_ROOT, OVH_NODE, OVH_KEEP=1, CI=true).
# Exit: 0 all passed, 1 a check failed, 77 skipped (not root, or this
# machine cannot run systemd-nspawn; under CI=true that is a failure).
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/system/lib-nspawn.sh
source "$SRC/tests/system/lib-nspawn.sh"
# shellcheck source=tests/browser/lib.sh
source "$SRC/tests/browser/lib.sh"

t_start=$(now)
trap nspawn_cleanup EXIT
system_prepare
# Not the default 022: a file saved from the browser must show that the
# configured umask reaches the server.
conf_dropin 60-browser-umask "$(printf '[Account]\nUMask=027\n')"
diag "prepared (root, server, browser, build) after $(elapsed "$t_start") s"

nspawn_boot "$ROOT" "ovh-browser-$$" "$WORK/console.log" "${NSPAWN_ARGS[@]}" || bail "the container did not boot"
expect "systemd in the container reaches running" "$NSPAWN_STATE" running
check "the workspace holds a file; the user settings draw the terminal in the page (trust: VS Code's default)" prepare_state
check "systemctl enable --now openvscode-server.socket" IN systemctl enable --now openvscode-server.socket
expect "the service waits for the first connection" "$(IN systemctl is-active openvscode-server.service || true)" inactive
# The first GET (403, no token) starts the server and generates the token.
expect "the first connection is answered (403 without a token)" "$(http /)" 403
TOKEN_FILE=$(token_file)

# ---------------------------------------------------------------- the browser
mkdir -p "$OVH_ARTIFACTS_DIR"
shot=$OVH_ARTIFACTS_DIR/workbench.png
rm -f "$shot"
t_browser=$(now)
rc=0
browser ide "http://127.0.0.1:$PORT" "$TOKEN_FILE" "$ROOT$STATE" "$shot" >"$WORK/browser.out" 2>"$WORK/browser.err" || rc=$?
browser_results "$WORK/browser.out" "$rc" "$WORK/browser.err"
diag "browser session took $(elapsed "$t_browser") s"

# ---------------------------------------------------------------- what landed on disk
expect "the edited file is the account's, mode 644 as it was, and holds the edit" \
    "$(IN stat -c '%U:%G %a' "$STATE/workspace/hello.txt") $(IN grep -c 'edited in the browser' "$STATE/workspace/hello.txt" || true)" \
    "$ACCOUNT:$ACCOUNT 644 1"
expect "the file created in the browser is the account's with umask 027 (mode 640)" \
    "$(IN stat -c '%U:%G %a' "$STATE/workspace/from-the-browser.txt" 2>&1)" "$ACCOUNT:$ACCOUNT 640"
terminal=$(IN cat "$STATE/terminal.done" 2>/dev/null || true)
field() { awk -v k="$1:" '$1 == k { print $2 }' <<<"$terminal"; }
expect "terminal: id -un is the account" "$(sed -n 1p <<<"$terminal")" "$ACCOUNT"
expect "terminal: NoNewPrivs 1, Seccomp 2 (filter mode)" "$(field NoNewPrivs) $(field Seccomp)" "1 2"
check "terminal: the seccomp filters are loaded (Seccomp_filters $(field Seccomp_filters))" test "$(field Seccomp_filters)" -ge 1
expect "terminal: the shell's umask is the configured one" "$(sed -n '/^0[0-7]\{3\}$/p' <<<"$terminal")" 0027
expect "terminal: git commit in the workspace" "$(tail -n 1 <<<"$terminal")" "commit from the browser terminal"
expect "the commit is in the workspace's history, by the account's files" \
    "$(as_account "cd $STATE/workspace && git log -1 --format='%s|%an' && stat -c %U .git/HEAD" 2>&1 | paste -sd' ')" \
    "commit from the browser terminal|browser $ACCOUNT"
expect "the workspace holds exactly what the browser made" \
    "$(as_account "cd $STATE/workspace && git ls-files" | paste -sd' ')" "from-the-browser.txt hello.txt"

# ---------------------------------------------------------------- the service behind it
main=$(unit_prop openvscode-server.service MainPID)
check "it was the socket-activated service: node exec'd by the launcher in place (pid $main)" \
    grep -q -- "--require /usr/libexec/openvscode-host/sd-listen.js" <<<"$(IN cat "/proc/$main/cmdline" | tr '\0' ' ')"
expect "the socket is active and has handed its port to the running service" \
    "$(unit_prop openvscode-server.socket ActiveState) $(unit_prop openvscode-server.socket SubState)" "active running"

# ---------------------------------------------------------------- the screenshot
screenshot_kept "$shot"

IN systemctl poweroff >/dev/null 2>&1 || true
nspawn_wait_exit 60
diag "total time $(elapsed "$t_start") s"
finish

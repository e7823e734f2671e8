#!/bin/bash
# The command line of openvscodectl, offline: --help of every verb, usage
# errors (64), bad data told before anything else (65, 66), root-only verbs
# refused to others (77), no systemd (69). Every error is exactly one line
# on stderr, "openvscodectl: CAUSE; FIX", and nothing else is printed.
# As root, the permission checks run as nobody (setpriv).
set -uo pipefail

SRC=${OVH_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source=tests/lib-tap.sh
source "$SRC/tests/lib-tap.sh"
BUILD=${OVH_BUILD_DIR:?set OVH_BUILD_DIR to a meson build directory}
CTL=$BUILD/src/ctl/openvscodectl
[[ -x $CTL ]] || bail "no $CTL: build it first"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# fails WANT DESCRIPTION COMMAND...: exit WANT, one stderr line, no stdout
fails() {
    local want=$1 desc=$2 rc=0; shift 2
    "$@" >"$WORK/out" 2>"$WORK/err" </dev/null || rc=$?
    local lines
    lines=$(wc -l <"$WORK/err")
    if [[ $rc == "$want" && $lines == 1 && ! -s $WORK/out ]] && grep -q '^openvscodectl: ..*; ' "$WORK/err"; then
        ok "$desc: exit $want, one line"
    else
        not_ok "$desc" "exit $rc (want $want), $lines stderr lines" "$(cat "$WORK/err")" "stdout: $(head -c 300 "$WORK/out")"
    fi
}

# --- help and version
out=$("$CTL" --help) && [[ $out == *"Verbs:"* ]] && ok "--help" || not_ok "--help" "$out"
verbs=(url token install-extension uninstall-extension list-extensions set-user sudo password import-config status check)
for v in "${verbs[@]}"; do
    if out=$("$CTL" "$v" --help 2>&1) && [[ $out == "openvscodectl $v"* && $out == *"--help"* ]]; then
        ok "$v --help"
    else
        not_ok "$v --help" "$out"
    fi
    [[ $("$CTL" --help) == *"  $v "* ]] || not_ok "--help lists $v"
done
out=$("$CTL" --version) && [[ $out =~ ^openvscodectl\ [0-9]+\.[0-9]+ ]] && ok "--version ($out)" || not_ok "--version" "$out"

# --- usage errors
fails 64 "no verb" "$CTL"
fails 64 "unknown verb" "$CTL" frobnicate
fails 64 "unknown option" "$CTL" url --frobnicate
fails 64 "option without its value" "$CTL" url --user
fails 64 "url with an argument" "$CTL" url extra
fails 64 "token without an action" "$CTL" token
fails 64 "token with an unknown action" "$CTL" token frob
fails 64 "sudo without an action" "$CTL" sudo
fails 64 "sudo enable without a password option" "$CTL" sudo enable
fails 64 "sudo enable with both password options" "$CTL" sudo enable --password-stdin --password-hash x
fails 64 "sudo disable with a password option" "$CTL" sudo disable --password-stdin
fails 64 "password without an action" "$CTL" password
fails 64 "password with an unknown action" "$CTL" password change
fails 64 "password clear with --password-stdin" "$CTL" password clear --password-stdin
fails 64 "password hash with --user" "$CTL" password hash --user nobody
fails 64 "password hash without a terminal or --password-stdin" "$CTL" password hash
fails 64 "set-user without a user" "$CTL" set-user
fails 64 "set-user with three arguments" "$CTL" set-user a b c
fails 64 "import-config without a path" "$CTL" import-config
fails 64 "install-extension without an extension" "$CTL" install-extension
fails 64 "install-extension of something that is no id" "$CTL" install-extension 'no id'
fails 64 "uninstall-extension of an id with a version" "$CTL" uninstall-extension a.b@1.0.0
fails 64 "list-extensions with an argument" "$CTL" list-extensions a.b
fails 64 "--user with a slash" "$CTL" status --user ../x

# --- bad data, told before privileges or systemd are looked at
fails 65 "sudo enable with a bad hash" "$CTL" sudo enable --password-hash not-a-hash
fails 65 "sudo enable with a locked hash" "$CTL" sudo enable --password-hash '!*'
fails 65 "sudo enable with a bare salt" "$CTL" sudo enable --password-hash '$6$saltsalt'
fails 65 "password hash of an empty standard input" "$CTL" password hash --password-stdin
out=$(printf '\n' | "$CTL" password hash --password-stdin 2>&1) && not_ok "password hash of an empty line" "$out" ||
    expect_match "password hash of an empty line: refused" "$out" 'the password is empty; give one'
out=$(printf '%s\n' "$(head -c 1100 /dev/zero | tr '\0' a)" | "$CTL" password hash --password-stdin 2>&1) &&
    not_ok "password hash of 1100 bytes" "$out" ||
    expect_match "password hash of 1100 bytes: refused" "$out" 'longer than 1024 bytes'
hash=$(printf 'hunter2\n' | "$CTL" password hash --password-stdin)
expect_match "password hash prints one \$7\$ (scrypt) hash" "$hash" '^\$7\$[./0-9A-Za-z]{11}[^$]*\$[./0-9A-Za-z]{43}$'
fails 66 "install-extension of a missing file" "$CTL" install-extension "$WORK/missing.vsix"
printf 'not a zip\n' >"$WORK/text.vsix"
fails 65 "install-extension of a .vsix that is not a zip" "$CTL" install-extension "$WORK/text.vsix"
printf 'PK\003\004 and then nothing' >"$WORK/truncated.vsix"
fails 65 "install-extension of a truncated zip" "$CTL" install-extension "$WORK/truncated.vsix"
expect_match "... and it says what is wrong with it" "$(cat "$WORK/err")" 'not a \(complete\) zip archive; download the extension again'
mkdir "$WORK/dir.vsix"
fails 65 "install-extension of a directory" "$CTL" install-extension "$WORK/dir.vsix"

# --- root-only verbs, as someone else
if ((EUID == 0)); then
    as_other=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
else
    as_other=()
fi
fails 77 "token rotate as non-root" "${as_other[@]}" "$CTL" token rotate
fails 77 "set-user as non-root" "${as_other[@]}" "$CTL" set-user nobody
fails 77 "sudo status as non-root" "${as_other[@]}" "$CTL" sudo status
fails 77 "sudo enable as non-root" "${as_other[@]}" "$CTL" sudo enable --password-stdin
fails 77 "sudo disable as non-root" "${as_other[@]}" "$CTL" sudo disable
fails 77 "password set as non-root" "${as_other[@]}" "$CTL" password set --password-stdin
fails 77 "password clear as non-root" "${as_other[@]}" "$CTL" password clear
fails 77 "import-config as non-root" "${as_other[@]}" "$CTL" import-config /tmp
fails 77 "check as non-root" "${as_other[@]}" "$CTL" check
fails 65 "a bad hash is told to non-root too (nothing is looked up)" \
    "${as_other[@]}" "$CTL" sudo enable --password-hash bad

# --- without systemd (this machine's PID 1 may not be systemd)
if [[ ! -d /run/systemd/system ]]; then
    fails 69 "url without systemd" "$CTL" url
    fails 69 "status without systemd" "$CTL" status
    ((EUID == 0)) && fails 69 "set-user without systemd" "$CTL" set-user nobody
else
    ok "# SKIP systemd runs here: the no-systemd errors are not reachable"
fi

finish

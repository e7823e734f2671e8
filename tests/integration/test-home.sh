#!/bin/bash
# The first-start skeleton of the account's home and the token files:
# created as the account with the right modes, existing files kept, the
# workspace's contents never touched, broken ownership refused clearly.
#
#   OVH_BUILD_DIR=build tests/integration/test-home.sh     (root)
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SRC=$OVH_SOURCE_DIR
LAUNCHER=$OVH_LAUNCHER
ovh_require_root

ACCOUNT=ovh-home
H=/var/tmp/ovh-home-home
W=$(mktemp -d /tmp/ovh-home.XXXXXX)
trap 'rm -rf "$W" /run/openvscode-server/$ACCOUNT' EXIT
getent passwd "$ACCOUNT" >/dev/null ||
    useradd --system --no-create-home --home-dir "$H" --shell /bin/bash "$ACCOUNT"
rm -rf "$H" /run/openvscode-server/$ACCOUNT
install -d -m 0750 -o "$ACCOUNT" -g "$ACCOUNT" "$H"

mkdir -p "$W/payload/out"
: >"$W/payload/out/server-main.js"
echo '{"version": "0.0.1"}' >"$W/payload/package.json"
chmod 0755 "$W"
printf '[Server]\nRoot=%s/payload\nNode=/bin/true\n[Account]\nUser=%s\n' "$W" "$ACCOUNT" >"$W/launcher.conf"

meta() { stat -c '%U:%G %a' "$1" 2>/dev/null || echo missing; }
launch() { python3 "$SRC/tests/integration/activate.py" -- "$LAUNCHER" -c "$W/launcher.conf"; }

# Things an admin or a restored backup left before the first start.
install -d -m 0755 -o "$ACCOUNT" -g "$ACCOUNT" "$H/workspace" "$H/.ssh"
install -m 0644 -o root -g root /dev/null "$H/workspace/root-owned.txt"
install -d -m 0700 -o nobody -g nogroup "$H/workspace/other-dir"
install -m 0644 -o "$ACCOUNT" -g "$ACCOUNT" /dev/null "$H/.ssh/id_ed25519"
printf '# mine\n' >"$H/.profile"
chown "$ACCOUNT:$ACCOUNT" "$H/.profile"

rc=0
launch >"$W/out" 2>&1 || rc=$?
expect "first start exits like /bin/true" "$rc" 0
expect ".bashrc comes from /etc/skel" "$(cmp -s /etc/skel/.bashrc "$H/.bashrc" && echo same)" same
expect ".bashrc owner and mode" "$(meta "$H/.bashrc")" "$ACCOUNT:$ACCOUNT 644"
expect "an existing .profile is kept" "$(cat "$H/.profile")" "# mine"
expect ".ssh is 0700" "$(meta "$H/.ssh")" "$ACCOUNT:$ACCOUNT 700"
expect "keys in .ssh become 0600" "$(meta "$H/.ssh/id_ed25519")" "$ACCOUNT:$ACCOUNT 600"
expect ".openvscode-server" "$(meta "$H/.openvscode-server")" "$ACCOUNT:$ACCOUNT 700"
expect ".openvscode-server/data" "$(meta "$H/.openvscode-server/data")" "$ACCOUNT:$ACCOUNT 700"
expect ".openvscode-server/extensions" "$(meta "$H/.openvscode-server/extensions")" "$ACCOUNT:$ACCOUNT 700"
expect "generated token file" "$(meta "$H/.openvscode-server/token")" "$ACCOUNT:$ACCOUNT 600"
expect "generated token is 64 hex digits" "$(grep -cE '^[0-9a-f]{64}$' "$H/.openvscode-server/token")" 1
expect "workspace keeps its owner and mode" "$(meta "$H/workspace")" "$ACCOUNT:$ACCOUNT 755"
expect "a root-owned file in workspace keeps its owner" "$(meta "$H/workspace/root-owned.txt")" "root:root 644"
expect "another user's directory in workspace is untouched" "$(meta "$H/workspace/other-dir")" "nobody:nogroup 700"
rt=/run/openvscode-server/$ACCOUNT
expect "runtime directory is the account's only" "$(meta "$rt")" "$ACCOUNT:$ACCOUNT 700"
expect "runtime token file is read-only for the account" "$(meta "$rt/connection-token")" "$ACCOUNT:$ACCOUNT 400"
expect "runtime token equals the generated one" "$(cmp -s "$rt/connection-token" "$H/.openvscode-server/token" && echo same)" same
expect "no temporary files are left" "$(find "$H/.openvscode-server" "$rt" -name '.token.*' | wc -l)" 0
# An empty capture holds no token either: its start line must be there.
expect "the launcher's output has its start line and not the token" \
    "$(grep -c '^<6>starting VS Code server ' "$W/out" || true) $(grep -cf "$H/.openvscode-server/token" "$W/out" || true)" "1 0"

# A second start reuses the token and changes nothing else.
first=$(cat "$H/.openvscode-server/token")
before=$(find "$H" -printf '%p %m %u %s\n' | sort)
launch >/dev/null 2>&1
expect "second start keeps the token" "$(cat "$H/.openvscode-server/token")" "$first"
expect "second start changes nothing in the home" "$(find "$H" -printf '%p %m %u %s\n' | sort)" "$before"

# The unit gives the launcher no CAP_DAC_*: it must get into the account's
# 0750/0700 tree as the account. Drop them from the bounding set (root's
# exec then leaves them out of its permitted set) and start again.
chmod 0750 "$H"
rc=0
setpriv --bounding-set -dac_override,-dac_read_search,-fowner \
    python3 "$SRC/tests/integration/activate.py" -- "$LAUNCHER" -c "$W/launcher.conf" >"$W/out" 2>&1 || rc=$?
expect "a start without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH works" "$rc" 0
expect "... and reuses the token" "$(cat "$H/.openvscode-server/token")" "$first"

# Broken ownership (a restore as root, chown -R root): refused with the fix.
chown root:root "$H/.openvscode-server/data"
before=$(find "$H" -printf '%p %m %u %s\n' | sort)
rc=0
launch >"$W/out" 2>&1 || rc=$?
expect "broken ownership exits 77" "$rc" 77
expect "the error names the path and the fix" \
    "$(grep -c "^<3>$H/.openvscode-server/data belongs to uid 0, not to $ACCOUNT .*run: chown $ACCOUNT:$ACCOUNT $H/.openvscode-server/data" "$W/out")" 1
expect "nothing changed" "$(find "$H" -printf '%p %m %u %s\n' | sort)" "$before"
chown "$ACCOUNT:$ACCOUNT" "$H/.openvscode-server/data"

# A missing home is refused with the tmpfiles fix, nothing is created.
mv "$H" "$H.away"
rc=0
launch >"$W/out" 2>&1 || rc=$?
expect "missing home exits 73" "$rc" 73
expect "the error names systemd-tmpfiles" "$(grep -c 'systemd-tmpfiles --create openvscode-server.conf' "$W/out")" 1
expect "the home was not created" "$(test -e "$H" && echo exists || echo absent)" absent
mv "$H.away" "$H"

finish

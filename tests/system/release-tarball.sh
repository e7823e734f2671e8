# Release tarballs for tests/system/test-server.sh, built from the VS Code
# server trees scripts/provision-server-release makes from npm packages and
# laid out as each upstream lays out its release (docs/server.md):
#
#   code-server   code-server-4.M.P-linux-ARCH/{bin/code-server, lib/node,
#                 lib/vscode/, out/, package.json}
#   vscodium      vscodium-reh-web-linux-NODEARCH-1.M.P0000.tar.gz with the
#                 tree at its top (no directory), node beside out/, and the
#                 product.json VSCodium's build writes (serverApplicationName
#                 codium-server, its four-digit release suffix)
#
# Cached in OVH_CACHE/releases (a build key beside each), gzip -1: the trees
# are VS Code's, hundreds of MB.
#
#   release_tarball KIND VSCODE_VERSION ARCH   prints the tarball's path
# shellcheck shell=bash

RELEASES=${OVH_CACHE:-/var/cache/openvscode-host}/releases

release_tarball() {
    local kind=$1 version=$2 arch=$3 root cs name top key tmp node_arch
    [[ $version =~ ^1\.([0-9]+)\.([0-9]+)$ ]] || { echo "release_tarball: $version is not 1.M.P" >&2; return 1; }
    root=$("$SRC/scripts/provision-server-release" --arch "$arch" --version "$version") || return 1
    cs=$(cd "$root/../.." && pwd) # node_modules/code-server
    case $arch in amd64) node_arch=x64 ;; *) node_arch=$arch ;; esac
    case $kind in
    code-server)
        top=code-server-4.${BASH_REMATCH[1]}.${BASH_REMATCH[2]}-linux-$arch
        name=$top.tar.gz ;;
    vscodium)
        top=
        name=vscodium-reh-web-linux-$node_arch-${version}1234.tar.gz ;;
    *) echo "release_tarball: no layout for $kind" >&2; return 1 ;;
    esac
    key="1 $kind $(cat "$root/../../../../../.complete" 2>/dev/null)"
    mkdir -p "$RELEASES"
    if [[ -f $RELEASES/$name && $(cat "$RELEASES/$name.key" 2>/dev/null) == "$key" ]]; then
        printf '%s\n' "$RELEASES/$name"
        return 0
    fi
    # A farm of hard links on the cache's file system: moving node and
    # writing bin/ there leaves the provisioned tree as it is.
    tmp=$(mktemp -d "$RELEASES/.build-XXXXXX")
    case $kind in
    code-server)
        mkdir -p "$tmp/$top/lib" "$tmp/$top/bin"
        cp -al "$root" "$tmp/$top/lib/vscode"
        mv "$tmp/$top/lib/vscode/node" "$tmp/$top/lib/node"
        cp -al "$cs/out" "$tmp/$top/out"
        cp "$cs/package.json" "$tmp/$top/package.json"
        # code-server's own launcher script (ci/build/code-server.sh).
        printf '#!/usr/bin/env sh\nset -eu\nROOT="$(dirname "$(dirname "$(readlink -f "$0")")")"\nexec "$ROOT/lib/node" "$ROOT" "$@"\n' \
            >"$tmp/$top/bin/code-server"
        chmod 0755 "$tmp/$top/bin/code-server"
        tar -C "$tmp" -cf - "$top" | gzip -1 >"$tmp/$name" ;;
    vscodium)
        cp -al "$root" "$tmp/tree"
        rm "$tmp/tree/product.json" "$tmp/tree/package.json"
        python3 - "$root" "$tmp/tree" "$version" <<'EOF'
import json, sys
src, dst, version = sys.argv[1:]
product = json.load(open(f"{src}/product.json"))
for k in ("codeServerVersion",):
    product.pop(k, None)
product.update(nameShort="VSCodium", nameLong="VSCodium", applicationName="codium",
               serverApplicationName="codium-server", serverDataFolderName=".vscodium-server",
               dataFolderName=".vscode-oss")
json.dump(product, open(f"{dst}/product.json", "w"), indent=2)
package = json.load(open(f"{src}/package.json"))
package["version"] = version + "1234"
json.dump(package, open(f"{dst}/package.json", "w"), indent=2)
EOF
        mkdir -p "$tmp/tree/bin"
        printf '#!/usr/bin/env sh\nROOT="$(dirname "$(dirname "$(readlink -f "$0")")")"\nexec "$ROOT/node" "$ROOT/out/server-main.js" "$@"\n' \
            >"$tmp/tree/bin/codium-server"
        chmod 0755 "$tmp/tree/bin/codium-server"
        tar -C "$tmp/tree" -cf - . | gzip -1 >"$tmp/$name" ;;
    esac
    mv "$tmp/$name" "$RELEASES/$name"
    printf '%s\n' "$key" >"$RELEASES/$name.key"
    rm -rf "$tmp"
    printf '%s\n' "$RELEASES/$name"
}

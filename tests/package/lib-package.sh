# shellcheck shell=bash
# Helpers for building the packages from this tree: sourced by
# tests/package/{build-debs,build-rpm,make-payload-tarball,run} and by the
# system suite's package tests.
#
# Builds happen in a scratch copy of the tree (never in the checkout) and
# their results are cached under OVH_CACHE/packages, keyed by what went
# into them: the tree's tracked files for openvscode-host, the payload
# tarball and the packaging files for openvscode-server. A cache entry is
# complete only when its .complete stamp exists; a lock per entry keeps
# concurrent runs from building the same thing twice.
#
# Environment:
#   OVH_CACHE   cache outside the checkout (default /var/cache/openvscode-host)

OVH_CACHE=${OVH_CACHE:-/var/cache/openvscode-host}
PKG_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PKG_CACHE=$OVH_CACHE/packages

pkg_log() { printf '%s: %s\n' "${PKG_PROG:-package}" "$*" >&2; }
pkg_die() { pkg_log "$*"; exit 1; }

# The Debian architecture a build runs on, and the upstream name of an
# architecture in release tarball names.
pkg_build_arch() { dpkg --print-architecture; }
pkg_upstream_arch() {
    case $1 in
        amd64) echo x64 ;;
        arm64) echo arm64 ;;
        *) pkg_die "no openvscode-server release exists for architecture $1" ;;
    esac
}

# The tree's files as they are in the working tree: tracked files and new
# ones git does not ignore (in a clean clone, exactly the tracked files).
# Build directories, caches and other ignored files never go into a build.
pkg_tracked_files() {
    (cd "$PKG_SRC" && git ls-files -z -co --exclude-standard --deduplicate | while IFS= read -r -d '' f; do
        [[ -f $f || -L $f ]] && printf '%s\0' "$f"
    done)
}

# pkg_export_tree DEST: a copy of those files, tracked ones with the modes
# git records (the working tree's may differ, and meson installs some
# files with their source's mode).
pkg_export_tree() {
    local dest=$1
    mkdir -p "$dest"
    pkg_tracked_files | (cd "$PKG_SRC" && tar --null -T - -cf -) | tar -C "$dest" -xf -
    (cd "$PKG_SRC" && git ls-files -s) | while read -r mode _ _ path; do
        [[ -f $dest/$path && ! -L $dest/$path ]] || continue
        case $mode in
            100755) chmod 0755 "$dest/$path" ;;
            100644) chmod 0644 "$dest/$path" ;;
        esac
    done
}

# pkg_hash_files DIR FILE...: one hash over the names, modes and contents.
pkg_hash_files() {
    local dir=$1
    shift
    (cd "$dir" && for f in "$@"; do
        [[ -e $f ]] || continue
        printf '%s %s %s\n' "$f" "$(stat -c %a "$f")" "$(sha256sum <"$f" | cut -d' ' -f1)"
    done) | sha256sum | cut -c1-16
}

# The hash of everything that makes openvscode-host.
pkg_tree_key() {
    local files=()
    mapfile -d '' files < <(pkg_tracked_files)
    pkg_hash_files "$PKG_SRC" "${files[@]}"
}

# The packaging files that shape a payload package, deb or rpm (the
# changelog is not one of them: the payload is versioned after its own
# release).
pkg_payload_packaging_key() {
    case $1 in
        deb) pkg_hash_files "$PKG_SRC" debian/control debian/rules debian/copyright debian/source/format \
                debian/check-payload-arch debian/openvscode-server.lintian-overrides ;;
        rpm) pkg_hash_files "$PKG_SRC" rpm/openvscode-host.spec rpm/macros.fallback ;;
    esac
}

# pkg_lock NAME: an exclusive lock held on fd PKG_LOCK_FD until pkg_unlock.
PKG_LOCK_FD=
pkg_lock() {
    mkdir -p "$PKG_CACHE"
    exec {PKG_LOCK_FD}>"$PKG_CACHE/.$1.lock"
    flock "$PKG_LOCK_FD"
}
pkg_unlock() {
    [[ -n $PKG_LOCK_FD ]] || return 0
    exec {PKG_LOCK_FD}>&-
    PKG_LOCK_FD=
}

# pkg_prune PATTERN KEEP: removes all but the KEEP newest cache entries
# matching PATTERN (payload entries are large; old ones are of no use).
# An entry made in the last two hours stays whatever its rank: another
# run on this machine (another checkout's suite, scripts/try) may have
# just built it and be about to read it.
pkg_prune() {
    local pattern=$1 keep=$2
    # shellcheck disable=SC2012,SC2086 # PATTERN is a glob; names are ours, without spaces
    { ls -1dt "$PKG_CACHE"/$pattern 2>/dev/null || true; } | { grep -v '\.tmp$' || true; } | tail -n +$((keep + 1)) | while read -r d; do
        [[ -n $(find "$d" -maxdepth 0 -mmin -120 2>/dev/null) ]] && continue
        rm -rf "$d"
    done
    return 0
}

# Debian packages the builds need on this machine (the arrays are used by
# the scripts that source this file). pkg_install_deps
# installs the missing ones (root only); apt waits for other suites'
# apt runs.
# shellcheck disable=SC2034
PKG_DEB_DEPS=(debhelper dpkg-dev lintian rpm rpmlint meson ninja-build pkgconf
    libsystemd-dev libcap-dev libseccomp-dev libglib2.0-dev libarchive-dev libcurl4-openssl-dev libjson-glib-dev libssl-dev
    systemd python3 nodejs git
    libgcc-s1 libgssapi-krb5-2 libkrb5-3 libpcre2-8-0 libstdc++6
    binutils xz-utils file cpio)
# shellcheck disable=SC2034
PKG_CROSS_DEPS_arm64=(crossbuild-essential-arm64 libsystemd-dev:arm64 libcap-dev:arm64
    libseccomp-dev:arm64 libglib2.0-dev:arm64 libarchive-dev:arm64 libcurl4-openssl-dev:arm64 libjson-glib-dev:arm64 libssl-dev:arm64
    libgcc-s1:arm64 libgssapi-krb5-2:arm64 libkrb5-3:arm64 libpcre2-8-0:arm64 libstdc++6:arm64)
# The arm64 test payload's native modules are cross-compiled (kerberos
# needs the GSSAPI headers for arm64).
# shellcheck disable=SC2034
PKG_PAYLOAD_DEPS_arm64=(g++-aarch64-linux-gnu libkrb5-dev:arm64)
# ---------------------------------------------------------------- another Debian release
# The packages are also built and linted on Debian 13 (trixie): in a root
# of that release made with debootstrap and cached in PKG_CACHE/root-SUITE.
# It holds what the build of openvscode-host and lintian need;
# dpkg-buildpackage checks the Build-Depends in it.
# shellcheck disable=SC2034
PKG_ROOT_DEPS=(debhelper dpkg-dev lintian meson ninja-build pkgconf
    libsystemd-dev libcap-dev libseccomp-dev libglib2.0-dev libarchive-dev libcurl4-openssl-dev libjson-glib-dev libssl-dev
    python3 systemd nodejs)

# pkg_release_root SUITE: builds the root if it is missing or was made
# another way, then sets PKG_ROOT and holds a shared lock on it (fd
# PKG_ROOT_FD, inherited by the children) until the process exits, so it is
# not replaced while a build or lintian uses it.
PKG_ROOT='' PKG_ROOT_FD=''
pkg_release_root() {
    local suite=$1 root key tmp
    [[ $suite =~ ^[a-z]+$ ]] || pkg_die "$suite is not a Debian suite name"
    root=$PKG_CACHE/root-$suite
    key="1 $suite $(pkg_build_arch) ${PKG_ROOT_DEPS[*]}"
    mkdir -p "$PKG_CACHE"
    exec {PKG_ROOT_FD}>"$PKG_CACHE/.root-$suite.lock"
    flock -s "$PKG_ROOT_FD"
    if [[ "$(cat "$root/.ovh-root-key" 2>/dev/null)" != "$key" ]]; then
        flock -x "$PKG_ROOT_FD"
        if [[ "$(cat "$root/.ovh-root-key" 2>/dev/null)" != "$key" ]]; then
            rm -rf "$root".new.*
            tmp=$(mktemp -d "$root.new.XXXXXX")
            chmod 0755 "$tmp"
            pkg_log "building the $suite root $root with debootstrap and apt-get (a few minutes)"
            # The build dependencies through apt in the new root, not
            # debootstrap --include: debootstrap does not resolve virtual
            # packages (lintian's libnet-ssleay-perl needs perl-openssl-abi-3).
            if ! debootstrap --variant=minbase "$suite" "$tmp" \
                "${OVH_DEBIAN_MIRROR:-http://deb.debian.org/debian}" >"$tmp.log" 2>&1 ||
                ! cp /etc/resolv.conf "$tmp/etc/resolv.conf" ||
                ! PKG_ROOT=$tmp pkg_in_root / env DEBIAN_FRONTEND=noninteractive sh -c \
                    'apt-get update -q && apt-get install -y -q --no-install-recommends build-essential "$@"' \
                    sh "${PKG_ROOT_DEPS[@]}" >>"$tmp.log" 2>&1; then
                tail -n 30 "$tmp.log" >&2
                rm -rf "$tmp" "$tmp.log"
                return 1
            fi
            rm -f "$tmp.log"
            PKG_ROOT=$tmp pkg_in_root / apt-get clean
            rm -rf "$tmp"/var/lib/apt/lists/*
            mkdir -p "$tmp/build"
            printf '%s\n' "$key" >"$tmp/.ovh-root-key"
            rm -rf "$root"
            mv "$tmp" "$root"
        fi
        flock -s "$PKG_ROOT_FD"
    fi
    PKG_ROOT=$root
}

# pkg_in_root DIR COMMAND...: runs COMMAND in PKG_ROOT with DIR (a path
# inside the root) as its working directory, in a private mount namespace
# with /proc, /dev and a fresh /tmp.
pkg_in_root() {
    # shellcheck disable=SC2016 # expanded by the inner shell
    unshare --mount --propagation private sh -c '
        set -e
        root=$1 dir=$2
        shift 2
        mount -t proc proc "$root/proc"
        mount --rbind /dev "$root/dev"
        mount -t tmpfs tmpfs "$root/tmp"
        exec chroot "$root" sh -c "cd \"\$0\" && exec \"\$@\"" "$dir" "$@"
    ' sh "$PKG_ROOT" "$@"
}

pkg_install_deps() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    ((EUID == 0)) || { pkg_log "missing packages: ${missing[*]} (run as root to install them)"; return 1; }
    pkg_log "installing ${missing[*]}"
    if printf '%s\n' "${missing[@]}" | grep -q ':arm64$' &&
        ! dpkg --print-foreign-architectures | grep -qx arm64; then
        dpkg --add-architecture arm64 || return 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -q >&2 || return 1
    apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}" >&2
}

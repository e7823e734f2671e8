# shellcheck shell=bash
# Host side of the arm64 suite (tests/arm64/run): the cached parts of an
# emulated arm64 Debian machine, and its boot under qemu-system-aarch64.
# Sourced by tests/arm64/run; also runnable on its own:
#
#   tests/arm64/lib-qemu.sh prepare     # build or refresh every cached part
#
# The cache ($OVH_CACHE/arm64-trixie, default /var/cache/openvscode-host/arm64-trixie)
# holds, each keyed by what it is made from and renamed into place only when
# complete (an interrupted build never leaves a part a later run would take
# for a good one):
#
#   root/           debootstrap --arch=arm64 trixie with the runtime packages
#   root.img        ext4 image of root/ plus the unit that runs the suite at boot
#   kernel-KV/      Debian trixie's arm64 kernel and the modules the initramfs loads
#   initrd-KV.gz    busybox initramfs: virtio and ext4 modules, then switch_root
#   debs/           the downloaded kernel and busybox packages
#   apt-trixie/     apt's package lists of trixie for arm64 (the kernel's)
#
# Environment:
#   OVH_CACHE           cache directory outside the checkout (default /var/cache/openvscode-host)
#   OVH_DEBIAN_MIRROR   mirror for debootstrap (default http://deb.debian.org/debian)

ARM64_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OVH_CACHE=${OVH_CACHE:-/var/cache/openvscode-host}
OVH_DEBIAN_MIRROR=${OVH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
ARM64_SUITE=trixie
# One cache per Debian release: a checkout that still boots another
# release (an older branch, another CI job on the same machine) keeps its
# own root and does not rebuild this one, nor this one its.
ARM64_CACHE=$OVH_CACHE/arm64-$ARM64_SUITE

# What the packages need at run time, and what the in-guest suite uses
# (curl, ss from iproute2, ps from procps). apt is in every debootstrap
# root: the suite installs the .deb files with it, offline, so every
# dependency must be here: the launcher's libraries, and the server
# payload's (its own node needs libstdc++ and libgcc; the kerberos module
# GSSAPI). No nodejs: the server runs on the node its payload ships.
ARM64_ROOT_PACKAGES=(systemd systemd-sysv dbus libglib2.0-0t64 libcap2 libseccomp2 libsystemd0
    libarchive13t64 libcurl4t64 libjson-glib-1.0-0 libssl3t64
    libstdc++6 libgcc-s1 libgssapi-krb5-2 libkrb5-3 curl iproute2 procps)
# Bump the first field when the way the root is made changes; the package
# list is part of the key, so changing it rebuilds the root by itself.
ARM64_ROOT_KEY="1 $ARM64_SUITE arm64 ${ARM64_ROOT_PACKAGES[*]}"

# Set by arm64_prepare for arm64_boot.
ARM64_KERNEL='' ARM64_INITRD='' ARM64_IMAGE='' ARM64_KERNEL_VERSION=''

arm64_log() { printf '# %s\n' "$*" >&2; }

# The host packages the suite needs: the emulator, the cross compilers
# (aarch64 for the project, armhf for the 32-bit probe) with the arm64
# libraries the project links, debhelper for the package, qemu-user-static
# for debootstrap's second stage, and the image tools.
ARM64_HOST_PACKAGES=(qemu-system-arm qemu-utils qemu-user-static debootstrap e2fsprogs cpio gzip
    meson ninja-build pkg-config crossbuild-essential-arm64 binutils-aarch64-linux-gnu debhelper dpkg-dev
    gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
    libseccomp-dev:arm64 libcap-dev:arm64 libsystemd-dev:arm64 libglib2.0-dev:arm64
    libarchive-dev:arm64 libcurl4-openssl-dev:arm64 libjson-glib-dev:arm64 libssl-dev:arm64)

# Installs what is missing (root only). Returns non-zero when apt fails.
arm64_install_host_packages() {
    local missing=() p
    for p in "${ARM64_HOST_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    arm64_log "installing ${missing[*]}"
    if ! dpkg --print-foreign-architectures | grep -qx arm64; then
        dpkg --add-architecture arm64 || return 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    # Other suites may run apt at the same time: wait for the lock.
    apt-get -o DPkg::Lock::Timeout=600 update -q >&2 || return 1
    apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}" >&2
}

# Can this machine run qemu-system-aarch64 at all? Prints the reason when
# not: the one reason (with not being root) for the suite to skip.
arm64_possible() {
    if ((EUID != 0)); then echo "not root"; return 1; fi
    command -v qemu-system-aarch64 >/dev/null || { echo "qemu-system-aarch64 is not installed"; return 1; }
    # The emulator itself must start (a broken or partial install, or a
    # machine that forbids it, shows here rather than as a boot timeout).
    # dumpdtb writes through g_file_set_contents (temp file + rename), so
    # it gets a scratch file: given /dev/null it would rename a regular
    # file over the machine's /dev/null.
    local dtb status=0
    dtb=$(mktemp "${TMPDIR:-/tmp}/ovh-arm64-dtb.XXXXXX") || { echo "cannot create a temporary file"; return 1; }
    qemu-system-aarch64 -M virt -cpu max -display none -nic none -S -machine dumpdtb="$dtb" >/dev/null 2>&1 || status=$?
    rm -f "$dtb"
    if ((status)); then
        echo "qemu-system-aarch64 cannot start a virt machine"
        return 1
    fi
    return 0
}

# The other tools: missing ones are a failure, not a reason to skip (the
# suite installs them). Prints the first one missing.
arm64_missing_tool() {
    local t
    for t in qemu-img debootstrap mkfs.ext4 cpio aarch64-linux-gnu-gcc aarch64-linux-gnu-objcopy \
        arm-linux-gnueabihf-gcc meson ninja; do
        command -v "$t" >/dev/null || { echo "$t"; return 0; }
    done
    return 1
}

# One lock for the whole cache: parts depend on each other (the image on
# the root, the initramfs on the kernel) and are rarely rebuilt.
arm64_lock() {
    mkdir -p "$ARM64_CACHE"
    exec {ARM64_LOCK_FD}>"$ARM64_CACHE/.lock"
    flock "$ARM64_LOCK_FD"
}
arm64_unlock() {
    [[ -n ${ARM64_LOCK_FD:-} ]] && exec {ARM64_LOCK_FD}>&-
    ARM64_LOCK_FD=
}

# ---------------------------------------------------------------- root

# debootstrap of a foreign architecture runs the target's maintainer
# scripts, so the host must execute aarch64 binaries: qemu-user through
# binfmt_misc, with the F flag so the interpreter works inside the chroot.
# Only what this function added is removed again afterwards.
ARM64_BINFMT_MOUNTED='' ARM64_BINFMT_REGISTERED=''
arm64_binfmt_on() {
    local dir=/proc/sys/fs/binfmt_misc conf=/usr/lib/binfmt.d/qemu-aarch64.conf
    if [[ ! -e $dir/register ]]; then
        mount -t binfmt_misc binfmt_misc "$dir" || return 1
        ARM64_BINFMT_MOUNTED=1
    fi
    if [[ ! -e $dir/qemu-aarch64 ]]; then
        [[ -f $conf ]] || { arm64_log "no $conf: install qemu-user-static"; return 1; }
        # one write per registration: the kernel parses the whole line at once
        grep -v '^#' "$conf" | head -n 1 >"$dir/register" || return 1
        ARM64_BINFMT_REGISTERED=1
    fi
}
arm64_binfmt_off() {
    local dir=/proc/sys/fs/binfmt_misc
    if [[ -n $ARM64_BINFMT_REGISTERED && -e $dir/qemu-aarch64 ]]; then
        echo -1 >"$dir/qemu-aarch64" || true
    fi
    if [[ -n $ARM64_BINFMT_MOUNTED ]]; then
        umount "$dir" || true
    fi
    ARM64_BINFMT_MOUNTED='' ARM64_BINFMT_REGISTERED=''
}

# Builds $ARM64_CACHE/root unless it is there with the current key.
# Caller holds the lock.
arm64_build_root() {
    local root=$ARM64_CACHE/root
    if [[ -f $root/.ovh-arm64-root-key && "$(cat "$root/.ovh-arm64-root-key")" == "$ARM64_ROOT_KEY" ]]; then
        return 0
    fi
    # Under the lock, leftovers are from runs that died.
    rm -rf "$ARM64_CACHE"/root.new.* "$ARM64_CACHE"/root.old.*
    local tmp include status=0
    tmp=$(mktemp -d "$ARM64_CACHE/root.new.XXXXXX")
    # mktemp makes it 0700: as the machine's / that would lock every
    # account but root out of the whole file system.
    chmod 0755 "$tmp"
    include=$(IFS=,; echo "${ARM64_ROOT_PACKAGES[*]}")
    arm64_log "building the arm64 root with debootstrap (about 5 minutes)"
    arm64_binfmt_on || { rm -rf "$tmp"; return 1; }
    debootstrap --arch=arm64 --variant=minbase --include="$include" \
        "$ARM64_SUITE" "$tmp" "$OVH_DEBIAN_MIRROR" >"$tmp.log" 2>&1 || status=$?
    arm64_binfmt_off
    if ((status)); then
        tail -n 30 "$tmp.log" >&2
        rm -rf "$tmp" "$tmp.log"
        return 1
    fi
    rm -f "$tmp.log"

    # A machine that boots quickly and stays quiet: no timers that start
    # apt or fstrim in the middle of a run, no getty on a console nobody
    # types on (serial-getty@ttyAMA0 is masked on the kernel command line,
    # the other ones here). A fixed machine-id: with an empty one, every
    # boot would be a first boot.
    local unit
    for unit in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer \
        getty@tty1.service console-getty.service systemd-timesyncd.service; do
        ln -sf /dev/null "$tmp/etc/systemd/system/$unit"
    done
    echo ovh-arm64 >"$tmp/etc/hostname"
    tr -d '-' </proc/sys/kernel/random/uuid >"$tmp/etc/machine-id"
    # The image needs none of the downloaded packages or lists; apt
    # installs the suite's .deb files from their paths.
    rm -f "$tmp"/var/cache/apt/archives/*.deb
    rm -rf "$tmp"/var/lib/apt/lists/*
    printf '%s\n' "$ARM64_ROOT_KEY" >"$tmp/.ovh-arm64-root-key"

    local old=$ARM64_CACHE/root.old.$$
    [[ -e $root ]] && mv "$root" "$old"
    mv "$tmp" "$root"
    rm -rf "$old"
    arm64_log "cached arm64 root ready: $root"
}

# ---------------------------------------------------------------- image

# The unit that runs the suite at boot and the script it starts: part of
# the image, so part of its key.
ARM64_GUEST_UNIT=$ARM64_SRC/guest/ovh-arm64-suite.service
ARM64_GUEST_START=$ARM64_SRC/guest/mount-and-run

# Builds $ARM64_CACHE/root.img from the root and the boot unit. The root
# image is only ever read by qemu (each run writes to its own qcow2
# overlay), so runs can share it. Caller holds the lock.
arm64_build_image() {
    local root=$ARM64_CACHE/root image=$ARM64_CACHE/root.img key
    key="3 $ARM64_ROOT_KEY $(cat "$ARM64_GUEST_UNIT" "$ARM64_GUEST_START" | sha256sum | cut -d' ' -f1)"
    if [[ -f $image.key && "$(cat "$image.key")" == "$key" ]]; then
        ARM64_IMAGE=$image
        return 0
    fi
    install -D -m 0644 "$ARM64_GUEST_UNIT" "$root/etc/systemd/system/ovh-arm64-suite.service"
    install -D -m 0755 "$ARM64_GUEST_START" "$root/usr/local/lib/ovh-arm64-boot/mount-and-run"
    # The kernel has no autofs module in this machine: without the mask
    # systemd announces on the console that it cannot start it.
    ln -sf /dev/null "$root/etc/systemd/system/proc-sys-fs-binfmt_misc.automount"
    # The root has no kernel modules (the initramfs loads the few the
    # machine needs): trixie's systemd-modules-load fails without them.
    ln -sf /dev/null "$root/etc/systemd/system/systemd-modules-load.service"
    mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
    ln -sf /etc/systemd/system/ovh-arm64-suite.service \
        "$root/etc/systemd/system/multi-user.target.wants/ovh-arm64-suite.service"
    # Room for the package, the journal and the suite's files on top of
    # the root; the file is sparse, so the headroom costs nothing.
    local size_mb
    size_mb=$(($(du -sm "$root" | cut -f1) + 1536))
    rm -f "$image.new" "$image.key"
    # an existing file: mkfs.ext4 would announce that it creates one
    truncate -s "${size_mb}M" "$image.new"
    arm64_log "building the root image ($size_mb MB, sparse)"
    mkfs.ext4 -q -F -L ovh-arm64-root -E lazy_itable_init=0 -d "$root" "$image.new" "${size_mb}M" || {
        rm -f "$image.new"
        return 1
    }
    mv "$image.new" "$image"
    printf '%s\n' "$key" >"$image.key"
    ARM64_IMAGE=$image
}

# ---------------------------------------------------------------- kernel

# apt-get download into DIR. The _apt sandbox user cannot write to a
# root-only cache directory, and these are Debian's signed packages.
arm64_download() {
    local dir=$1
    shift
    (cd "$dir" && apt-get -q -o APT::Sandbox::User=root download "$@") >&2
}

# arm64_apt COMMAND ARGS...: apt-get or apt-cache on trixie's arm64
# package lists, kept in the cache apart from the host's own apt (the host
# may be another release). The signatures are checked with the host's
# keyring (bookworm's debian-archive-keyring holds trixie's keys).
ARM64_APT=$ARM64_CACHE/apt-$ARM64_SUITE
arm64_apt() {
    local command=$1
    shift
    mkdir -p "$ARM64_APT/lists/partial" "$ARM64_APT/cache/archives/partial"
    [[ -f $ARM64_APT/status ]] || : >"$ARM64_APT/status"
    printf 'deb %s %s main\n' "$OVH_DEBIAN_MIRROR" "$ARM64_SUITE" >"$ARM64_APT/sources.list"
    "$command" -q -o Dir::Etc::SourceList="$ARM64_APT/sources.list" -o Dir::Etc::SourceParts=/nonexistent \
        -o Dir::State::Lists="$ARM64_APT/lists" -o Dir::State::Status="$ARM64_APT/status" \
        -o Dir::Cache="$ARM64_APT/cache" -o Debug::NoLocking=1 -o APT::Sandbox::User=root \
        -o APT::Architecture=arm64 -o APT::Architectures::=arm64 "$@"
}

# The kernel version trixie's linux-image-arm64 points at now (its lists
# refreshed once a day); offline, the newest one already cached.
arm64_kernel_version() {
    local pkg
    if [[ -z $(find "$ARM64_APT/lists" -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null) ]]; then
        arm64_apt apt-get update >&2 || arm64_log "cannot refresh trixie's package lists; using what is cached"
    fi
    pkg=$(arm64_apt apt-cache depends linux-image-arm64 2>/dev/null |
        sed -n 's/^ *Depends: linux-image-\([0-9][^:]*-arm64\)\(:arm64\)\{0,1\}$/\1/p' | head -n 1)
    if [[ -z $pkg ]]; then
        pkg=$(find "$ARM64_CACHE" -maxdepth 1 -name 'kernel-*+deb13-arm64' -type d -printf '%f\n' 2>/dev/null |
            sed 's/^kernel-//' | sort -V | tail -n 1)
    fi
    [[ -n $pkg ]] || return 1
    printf '%s\n' "$pkg"
}

# The modules the initramfs loads to reach an ext4 root on a virtio PCI
# disk: virtio_pci and virtio_blk, ext4, and crc32c_generic, which ext4
# and jbd2 want through the crypto API (a soft dependency, not in their
# depends= list).
ARM64_INITRD_MODULES=(virtio_pci virtio_blk crc32c_generic ext4)

# module_depends KO: the depends= field of a module (read from its
# .modinfo section: the host has no kmod that would read an arm64 module)
arm64_module_depends() {
    aarch64-linux-gnu-objcopy -O binary --only-section=.modinfo "$1" /dev/stdout 2>/dev/null |
        tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '
}

# Extracts vmlinuz and the modules of ARM64_INITRD_MODULES, with their
# dependencies, into $ARM64_CACHE/kernel-KV: modules/*.ko and
# modules/load-order (dependencies first). Caller holds the lock.
arm64_fetch_kernel() {
    local kv dir
    kv=$(arm64_kernel_version) || { arm64_log "no arm64 kernel known: apt-get update with arm64 enabled"; return 1; }
    dir=$ARM64_CACHE/kernel-$kv
    ARM64_KERNEL_VERSION=$kv
    ARM64_KERNEL=$dir/vmlinuz
    [[ -f $dir/.complete ]] && return 0

    mkdir -p "$ARM64_CACHE/debs"
    local deb
    deb=$(find "$ARM64_CACHE/debs" -name "linux-image-${kv}_*_arm64.deb" | head -n 1)
    if [[ -z $deb ]]; then
        (cd "$ARM64_CACHE/debs" && arm64_apt apt-get download "linux-image-$kv") >&2 || return 1
        deb=$(find "$ARM64_CACHE/debs" -name "linux-image-${kv}_*_arm64.deb" | head -n 1)
    fi
    [[ -n $deb ]] || return 1
    local tmp
    rm -rf "$dir" "$dir.new"
    tmp=$dir.new
    mkdir -p "$tmp/extract" "$tmp/modules"
    dpkg-deb -x "$deb" "$tmp/extract" || return 1
    cp "$tmp/extract/boot/vmlinuz-$kv" "$tmp/vmlinuz" || return 1
    local moddir=$tmp/extract/lib/modules/$kv
    [[ -d $moddir ]] || moddir=$tmp/extract/usr/lib/modules/$kv

    # Depth-first: a module's dependencies are loaded before it.
    local -A seen=()
    local order=()
    add_module() {
        local name=$1 ko dep
        [[ -n ${seen[$name]:-} ]] && return 0
        seen[$name]=1
        ko=$(find "$moddir" \( -name "$name.ko" -o -name "$name.ko.xz" -o -name "$name.ko.zst" \) | head -n 1)
        if [[ -z $ko ]]; then
            # built into this kernel: nothing to load
            return 0
        fi
        case $ko in
        *.xz) xz -dc "$ko" >"$tmp/modules/$name.ko" ;;
        *.zst) zstd -qdc "$ko" >"$tmp/modules/$name.ko" ;;
        *) cp "$ko" "$tmp/modules/$name.ko" ;;
        esac
        for dep in $(arm64_module_depends "$tmp/modules/$name.ko"); do
            add_module "$dep"
        done
        order+=("$name")
    }
    local m
    for m in "${ARM64_INITRD_MODULES[@]}"; do add_module "$m"; done
    unset -f add_module
    printf '%s\n' "${order[@]}" >"$tmp/modules/load-order"
    rm -rf "$tmp/extract"
    touch "$tmp/.complete"
    mv "$tmp" "$dir"
    arm64_log "cached arm64 kernel $kv (modules: ${order[*]})"
}

# ---------------------------------------------------------------- initramfs

ARM64_INITRD_INIT=$ARM64_SRC/initramfs-init

# Builds $ARM64_CACHE/initrd-KV.gz: the static arm64 busybox (from
# Debian's busybox-static:arm64, downloaded, not installed: it would
# replace the host's own busybox), the modules and our /init.
arm64_build_initrd() {
    local kv=$ARM64_KERNEL_VERSION
    local out=$ARM64_CACHE/initrd-$kv.gz busybox_deb key
    mkdir -p "$ARM64_CACHE/debs"
    busybox_deb=$(find "$ARM64_CACHE/debs" -name 'busybox-static_*_arm64.deb' | sort -V | tail -n 1)
    if [[ -z $busybox_deb ]]; then
        arm64_download "$ARM64_CACHE/debs" busybox-static:arm64 || return 1
        busybox_deb=$(find "$ARM64_CACHE/debs" -name 'busybox-static_*_arm64.deb' | sort -V | tail -n 1)
    fi
    [[ -n $busybox_deb ]] || return 1
    key="1 $kv ${busybox_deb##*/} $(sha256sum <"$ARM64_INITRD_INIT" | cut -d' ' -f1)"
    ARM64_INITRD=$out
    if [[ -f $out.key && "$(cat "$out.key")" == "$key" ]]; then
        return 0
    fi
    local tmp
    tmp=$(mktemp -d "$ARM64_CACHE/initrd.new.XXXXXX")
    mkdir -p "$tmp/extract" "$tmp/tree/bin" "$tmp/tree/lib/modules" "$tmp/tree/dev" "$tmp/tree/proc" \
        "$tmp/tree/sys" "$tmp/tree/newroot"
    dpkg-deb -x "$busybox_deb" "$tmp/extract" || { rm -rf "$tmp"; return 1; }
    install -m 0755 "$tmp/extract/bin/busybox" "$tmp/tree/bin/busybox"
    install -m 0755 "$ARM64_INITRD_INIT" "$tmp/tree/init"
    cp "$ARM64_CACHE/kernel-$kv/modules/"* "$tmp/tree/lib/modules/"
    (cd "$tmp/tree" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$tmp/initrd.gz" ||
        { rm -rf "$tmp"; return 1; }
    mv "$tmp/initrd.gz" "$out"
    printf '%s\n' "$key" >"$out.key"
    rm -rf "$tmp"
}

# Everything a boot needs, built or refreshed under the lock. Sets
# ARM64_KERNEL, ARM64_INITRD, ARM64_IMAGE.
arm64_prepare() {
    arm64_lock
    local status=0
    arm64_build_root && arm64_build_image && arm64_fetch_kernel && arm64_build_initrd || status=$?
    arm64_unlock
    return "$status"
}

# ---------------------------------------------------------------- boot

# arm64_boot WORK TIMEOUT CONSOLE PAYLOAD-IMG RESULTS-IMG: boots the cached
# image (through a qcow2 overlay in WORK, so the cache stays untouched)
# with the payload disk read-only and the results disk writable, and
# returns qemu's exit status (124: TIMEOUT seconds passed). The console
# goes to CONSOLE, each line prefixed with the host's time when it arrived
# (EPOCHREALTIME), which is how the suite measures the guest from outside.
#
# The disks are told apart by their serial numbers (/sys/block/vdX/serial
# in the guest), not by the order the kernel found them in. qemu's pid
# goes to WORK/qemu.pid (arm64_stop).
arm64_boot() {
    local work=$1 timeout=$2 console=$3 payload=$4 results=$5
    qemu-img create -q -f qcow2 -F raw -b "$ARM64_IMAGE" "$work/root.qcow2" || return 1
    local append="console=ttyAMA0 rw quiet loglevel=3 panic=1 systemd.mask=serial-getty@ttyAMA0.service"
    # cache=unsafe on the root's overlay: it is thrown away after the run,
    # and the guest's flushes (dpkg syncs each of the payload package's
    # 9000 files) would each wait for the busy host's disk.
    # -cpu max: the richest CPU TCG offers, including AArch32 at EL0 when
    # this qemu has it; pauth-impdef: a cheaper pointer-authentication
    # algorithm (the architected one is slow to emulate).
    # shellcheck disable=SC2016 # EPOCHREALTIME expands in the inner bash
    timeout --kill-after=10 "$timeout" qemu-system-aarch64 \
        -M virt -cpu max,pauth-impdef=on -smp 2 -m 2048 -accel tcg,thread=multi \
        -display none -monitor none -serial stdio -no-reboot \
        -kernel "$ARM64_KERNEL" -initrd "$ARM64_INITRD" -append "$append" \
        -drive if=none,file="$work/root.qcow2",format=qcow2,id=root,cache=unsafe \
        -device virtio-blk-pci,drive=root,serial=ovh-root \
        -drive if=none,file="$payload",format=raw,id=payload,readonly=on \
        -device virtio-blk-pci,drive=payload,serial=ovh-payload \
        -drive if=none,file="$results",format=raw,id=results \
        -device virtio-blk-pci,drive=results,serial=ovh-results \
        -nic none -pidfile "$work/qemu.pid" </dev/null 2>&1 |
        while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "${line%$'\r'}"; done >"$console"
    return "${PIPESTATUS[0]}"
}

# arm64_stop WORK: ends the machine arm64_boot started there, if it still
# runs (an interrupted suite must not leave it running until its timeout).
arm64_stop() {
    local pid
    pid=$(cat "$1/qemu.pid" 2>/dev/null) || return 0
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == qemu-system-* ]] || return 0
    kill -TERM "$pid" 2>/dev/null || true
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    set -euo pipefail
    case ${1:-} in
    prepare)
        arm64_prepare
        printf 'kernel %s\ninitrd %s\nimage  %s\n' "$ARM64_KERNEL" "$ARM64_INITRD" "$ARM64_IMAGE"
        ;;
    *)
        echo "usage: $0 prepare" >&2
        exit 64
        ;;
    esac
fi

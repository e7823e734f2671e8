# shellcheck shell=bash
# What tests/system/test-browser.sh, test-idle.sh and test-proxy.sh share: Debian's
# chromium and playwright-core (cached outside the checkout), the project
# installed into a booted systemd-nspawn container, TAP output, and running
# the browser in the container's network namespace.
#
# Sourced after tests/system/lib-nspawn.sh. The browser runs on the host's
# file system (its chromium, node and npm cache) but inside the container's
# network namespace (nsenter --net): the container keeps --private-network
# like the rest of the system suite, and http://127.0.0.1:3000 in the
# browser is the container's socket, served by the container's systemd.
#
# Environment:
#   OVH_CACHE           cache directory (default /var/cache/openvscode-host):
#                       browser-npm/KEY/node_modules, the nspawn root, the server
#   OVH_ARTIFACTS_DIR   where screenshots are kept (default $OVH_CACHE/artifacts)
#   OVH_CHROMIUM        the browser (default /usr/bin/chromium, apt-get install chromium)
#   OVH_VSCODE_ROOT, OVH_NODE, OVH_KEEP=1, CI=true: as in test-nspawn.sh

OVH_ARTIFACTS_DIR=${OVH_ARTIFACTS_DIR:-$OVH_CACHE/artifacts}
OVH_CHROMIUM=${OVH_CHROMIUM:-/usr/bin/chromium}
export OVH_CHROMIUM

ACCOUNT=openvscode-server
STATE=/var/lib/openvscode-server
PORT=3000
TEST_NODE=/usr/local/lib/ovh-system-test/node

# ---------------------------------------------------------------- TAP
# shellcheck source=tests/lib-tap.sh
source "$SRC/tests/lib-tap.sh"

# ---------------------------------------------------------------- the browser
# browser_setup: chromium from Debian (installed when missing) and
# playwright-core from npm into $OVH_CACHE/browser-npm/KEY, KEY a hash of
# package.json and package-lock.json, so a changed pin installs afresh and
# the checkout stays clean. Sets BROWSER_NODE_PATH. Works from an empty cache.
BROWSER_NODE_PATH=
browser_setup() {
    local src=$1/tests/browser key dir lockfd
    if [[ ! -x $OVH_CHROMIUM ]]; then
        [[ $OVH_CHROMIUM == /usr/bin/chromium ]] || { echo "OVH_CHROMIUM=$OVH_CHROMIUM is not executable"; return 1; }
        echo "installing Debian's chromium (about a minute)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium ||
            { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } ||
            { echo "apt-get install chromium failed"; return 1; }
    fi
    command -v npm >/dev/null || { echo "npm is not installed (scripts/install-deps)"; return 1; }
    key=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -c1-16)
    dir=$OVH_CACHE/browser-npm/$key
    mkdir -p "$OVH_CACHE/browser-npm"
    exec {lockfd}>"$OVH_CACHE/browser-npm/.lock"
    flock "$lockfd"
    if [[ ! -f $dir/.complete ]]; then
        rm -rf "$dir"
        mkdir -p "$dir"
        cp "$src/package.json" "$src/package-lock.json" "$dir/"
        # playwright-core downloads no browser; npm ci installs exactly the lock.
        if ! (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts >npm.log 2>&1); then
            cat "$dir/npm.log"
            exec {lockfd}>&-
            return 1
        fi
        touch "$dir/.complete"
    fi
    exec {lockfd}>&-
    BROWSER_NODE_PATH=$dir/node_modules
}

# browser ARGS...: tests/browser/workbench.js in the container's network
# namespace. HOME is a scratch directory: chromium writes its profile there.
# A subshell that execs: started with &, $! is node itself, and a SIGTERM
# to it makes playwright close chromium.
browser() (
    exec nsenter --target="$NSPAWN_LEADER" --net -- \
        env HOME="$WORK/browser-home" NODE_PATH="$BROWSER_NODE_PATH" OVH_CHROMIUM="$OVH_CHROMIUM" \
        node "$SRC/tests/browser/workbench.js" "$@"
)

# browser_results FILE STATUS ERRFILE: turns workbench.js's "ok/not ok DESC"
# lines into TAP and its other lines into diagnostics; a browser that
# failed without saying why (it could not start) is a failure too.
browser_results() {
    local line
    if (($2 != 0)) && ! grep -q '^not ok ' "$1"; then
        not_ok "browser: workbench.js ran (exit status $2)" "$(tail -n 15 "$3")"
    fi
    while IFS= read -r line; do
        case $line in
            'ok '*) ok "browser: ${line#ok }" ;;
            'not ok '*) not_ok "browser: ${line#not ok }" ;;
            '#'*) printf '%s\n' "$line" ;;
            'time '*) diag "browser: ${line#time } ms" ;;
            *) diag "browser: $line" ;;
        esac
    done <"$1"
}

# ---------------------------------------------------------------- the project in a container
# system_prepare: the cached root, the server payload and the project built
# and installed into a scratch copy of the root (as test-nspawn.sh does).
# Sets WORK, ROOT, PAYLOAD, NSPAWN_ARGS; the caller's EXIT trap runs
# nspawn_cleanup (tests/system/lib-nspawn.sh).
system_prepare() {
    local reason
    reason=$(nspawn_possible) || skip_all "$reason"
    # systemd-nspawn copies the host's /dev/null into the container and
    # refuses to start when it is not a device (seen on shared machines:
    # something removed it and a later "> /dev/null" made a plain file).
    [[ -c /dev/null ]] || bail "the host's /dev/null is not a character device: mknod -m 666 /dev/null c 1 3"
    local tool
    for tool in meson ninja curl python3 node; do
        command -v "$tool" >/dev/null || bail "$tool not found"
    done

    WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/ovh-$(basename "$0" .sh).XXXXXX")
    chmod 0700 "$WORK"
    mkdir "$WORK/browser-home"

    # ROOT_JOB: nspawn_cleanup lets a root build finish when this bails.
    nspawn_build_root >"$WORK/build-root.log" 2>&1 &
    ROOT_JOB=$!
    browser_setup "$SRC" >"$WORK/browser-setup.log" 2>&1 ||
        { cat "$WORK/browser-setup.log"; bail "cannot install the browser"; }
    nspawn_payload
    wait "$ROOT_JOB" || { cat "$WORK/build-root.log"; ROOT_JOB=; bail "cannot build the cached root $OVH_ROOT"; }
    ROOT_JOB=
    nspawn_enter_cgroup

    ROOT=$(nspawn_copy_root "$WORK")
    # shellcheck disable=SC2034 # for the sourcing test's nspawn_boot
    NSPAWN_ARGS=(--private-network "--bind-ro=$PAYLOAD:/usr/lib/openvscode-server" "--bind-ro=$NODE:$TEST_NODE")
    mkdir -p "$ROOT/usr/lib/openvscode-server" "$(dirname "$ROOT$TEST_NODE")"
    touch "$ROOT$TEST_NODE"
    meson setup "$WORK/build" "$SRC" --prefix=/usr --sysconfdir=/etc --localstatedir=/var \
        -Dtests=false >"$WORK/meson-setup.log" 2>&1 || { cat "$WORK/meson-setup.log"; bail "meson setup failed"; }
    ninja -C "$WORK/build" >"$WORK/ninja.log" 2>&1 || { tail -n 30 "$WORK/ninja.log"; bail "build failed"; }
    DESTDIR=$ROOT meson install -C "$WORK/build" --no-rebuild --quiet >"$WORK/install.log" 2>&1 ||
        { cat "$WORK/install.log"; bail "meson install failed"; }
    # The server's node (nspawn_payload: the payload's own by default).
    conf_dropin 50-system-test-node "$(printf '[Server]\nNode=%s\n' "$TEST_NODE")"
}

# conf_dropin NAME CONTENT: a launcher.conf.d file in the root (before boot).
conf_dropin() {
    mkdir -p "$ROOT/etc/openvscode-server/launcher.conf.d"
    printf '# %s\n%s\n' "$(basename "$0"): written by the test" "$2" \
        >"$ROOT/etc/openvscode-server/launcher.conf.d/$1.conf"
    chmod 0644 "$ROOT/etc/openvscode-server/launcher.conf.d/$1.conf"
}


# as_user USER COMMAND: a shell command as USER, in the container.
as_user() { IN runuser -u "$1" -- sh -c "$2"; }
# as_account COMMAND: a shell command as the service account, in the container.
as_account() { as_user "$ACCOUNT" "$1"; }

# prepare_state [USER HOME]: what a person's state would hold before the
# first visit: a file in the default folder (an empty folder shows no
# explorer rows). Workspace trust stays VS Code's default (on), and
# tests/browser/workbench.js accepts the prompt as a person would. One
# setting is the test's: the terminal draws its text in the page
# (terminal.integrated.gpuAcceleration off) instead of a WebGL canvas, so
# the test can read what it typed (a Chromium with WebGL, as on Debian 13,
# would draw it where no test reads). Default: the service account and its
# state directory; a per-user instance's state is USER's HOME. Made as
# USER, so nothing depends on the launcher fixing ownership as root.
prepare_state() {
    local user=${1:-$ACCOUNT} home=${2:-$STATE}
    as_user "$user" "umask 022; mkdir -p $home/workspace && printf 'written by the system test\n' >$home/workspace/hello.txt" &&
        as_user "$user" "umask 077; mkdir -p $home/.openvscode-server/data/User &&
            printf '{\"terminal.integrated.gpuAcceleration\": \"off\"}\n' >$home/.openvscode-server/data/User/settings.json"
}

# token_file [HOME]: the generated token of the instance whose state is HOME
# (default: the service account's), copied for the browser into a file only
# root reads (WORK is 0700); prints the path.
# shellcheck disable=SC2120 # HOME is optional
token_file() {
    local home=${1:-$STATE} file=$WORK/token
    [[ -z ${1:-} ]] || file=$WORK/token.$(basename "$home")
    IN cat "$home/.openvscode-server/token" >"$file"
    chmod 0600 "$file"
    printf '%s\n' "$file"
}

# screenshot_kept FILE: a TAP check that the browser left a PNG at FILE.
screenshot_kept() {
    if [[ -s $1 ]] && [[ $(head -c 8 "$1" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]]; then
        ok "screenshot kept: $1 ($(stat -c %s "$1") bytes)"
    else
        not_ok "screenshot kept: $1" "missing or not a PNG"
    fi
    diag "screenshot: $1"
}

unit_prop() { IN systemctl show -P "$2" "$1"; }
# service_pids: every process of the service's control group
service_pids() {
    local cg
    cg=$(unit_prop openvscode-server.service ControlGroup)
    [[ -n $cg ]] || return 0
    IN cat "/sys/fs/cgroup/systemd$cg/cgroup.procs" 2>/dev/null || IN cat "/sys/fs/cgroup$cg/cgroup.procs" 2>/dev/null || true
}
# http PATH: the status of GET PATH in the container ("000": no answer)
http() {
    IN curl -s -o /dev/null -w '%{http_code}' --max-time 60 "http://127.0.0.1:$PORT$1" 2>/dev/null || true
}

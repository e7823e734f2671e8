#!/bin/bash
# Integration test: the seccomp parity table (tests/data/seccomp-parity.tsv)
# against the filter of a running server.
#
# The table lists every syscall Docker's default profile refuses a container
# without capabilities, what the launcher decides for each, and the rows it
# adds or deliberately allows. This test proves each row on this machine:
#
#   native ABI   the row's call is made inside the sandbox and must fail with
#                the exact errno of the table (EPERM, or ENOSYS for clone3);
#                the same call as the same account without the launcher
#                shows what the kernel alone answers. The calls are the
#                probe's own cases (tests/integration/probe.c); rows the
#                probe has no case for are made with python3's ctypes.
#   every ABI    the running server's filter is read back as root
#                (PTRACE_SECCOMP_GET_FILTER, probe --filter-eval) and
#                evaluated for the row's syscall number on the native and the
#                compat ABIs (x86_64: i386, x32; aarch64: arm), whose
#                binaries cannot run here.
#
# It also runs a rootless-container tool (unshare -r) in the default
# sandbox and with [Sandbox] AllowNamespaces=yes. And then that the table
# is complete: every syscall the running filter
# refuses (with zero arguments) on any ABI has a row, and the kernel
# implements no native syscall that neither libseccomp nor the table knows
# (a newer kernel than the table: Docker's profile refuses what it does not
# list, so the table needs a row for it).
#
# With OVH_DOCKER_PROFILE=/path/to/moby/profiles/seccomp/default.json the
# table's docker column is also derived again from the profile itself
# (how to refresh the table when Docker's profile changes).
#
# The last lines are the report: "denied N of the M syscalls ...", the
# extras, and the rows allowed on purpose.
#
#   sudo OVH_BUILD_DIR=build tests/integration/test-parity.sh   (TAP on stdout)
#
# Environment: OVH_BUILD_DIR, OVH_SOURCE_DIR, CI (see lib.sh),
# OVH_DOCKER_PROFILE (default: ../shared/reference/docker-seccomp-default.json
# next to the checkout, when there), OVH_KEEP=1 (keep the scratch directories).
# Needs root (it creates the account ovh-probe); exit 77 = skipped.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ACCOUNT=ovh-probe
ACCOUNT_HOME=/var/tmp/ovh-probe-home
PROBE=$OVH_BUILD_DIR/tests/integration/probe
TABLE=$OVH_SOURCE_DIR/tests/data/seccomp-parity.tsv
# Moby's profile, as the project's shared reference keeps it beside the
# checkout: the docker column is derived from it again when it is there.
if [[ -z ${OVH_DOCKER_PROFILE:-} && -f $OVH_SOURCE_DIR/../shared/reference/docker-seccomp-default.json ]]; then
    OVH_DOCKER_PROFILE=$(cd "$OVH_SOURCE_DIR/../shared/reference" && pwd)/docker-seccomp-default.json
fi

ovh_require_root "creates an account; reads a running process's seccomp filter"
ovh_require_tools systemd-socket-activate setpriv ss useradd python3
[[ -x $OVH_LAUNCHER ]] || bail "no launcher at $OVH_LAUNCHER: build it or set OVH_BUILD_DIR"
[[ -x $PROBE ]] || bail "no probe at $PROBE: build with -Dtests=true"
[[ -f $TABLE ]] || bail "no parity table at $TABLE"
python3 -c 'import ctypes; ctypes.CDLL("libseccomp.so.2")' 2>/dev/null ||
    bail "python3 cannot load libseccomp.so.2 (the syscall numbers of every ABI come from it)"

ovh_scratch parity

# ------------------------------------------------------------ the helper
# One python program does the table work: numbers per ABI, the queries for
# the filter, the raw calls, and the verdicts. It sits in PUBLIC because the
# account runs its "call" and "drift" parts.
PARITY_PY=$PUBLIC/parity.py
cat >"$PARITY_PY" <<'PY'
import ctypes, errno, glob, json, os, re, sys

ABIS = {"x86_64": ["x86_64", "i386", "x32"], "aarch64": ["aarch64", "arm"]}
ALL_ABIS = ["x86_64", "i386", "x32", "aarch64", "arm"]
SCMP = {"x86_64": "x86_64", "i386": "x86", "x32": "x32", "aarch64": "aarch64", "arm": "arm"}
X32_BIT = 0x40000000
DOCKER_VALUES = {"deny", "allow", "deny<4.8"}
OURS_VALUES = {"deny", "enosys", "allow"}

def load_table(path):
    rows, problems = [], []
    for lineno, line in enumerate(open(path), 1):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        f = line.split("\t")
        if len(f) != 8:
            problems.append(f"line {lineno}: {len(f)} columns, want 8")
            continue
        key, syscall, args, nr, abis, docker, ours, why = f
        row = dict(line=lineno, key=key, syscall=syscall, docker=docker, ours=ours, why=why,
                   args=[0] * 6, nr=None, abis=[] if abis == "-" else abis.split(","))
        if args != "-":
            try:
                values = [int(a, 0) for a in args.split(",")]
                row["args"][:len(values)] = values
            except ValueError:
                problems.append(f"line {lineno}: args '{args}' are not numbers")
        if nr != "-":
            if not nr.isdigit():
                problems.append(f"line {lineno}: nr '{nr}' is not a number")
            else:
                row["nr"] = int(nr)
        if docker not in DOCKER_VALUES:
            problems.append(f"line {lineno}: docker '{docker}' is not one of {sorted(DOCKER_VALUES)}")
        if ours not in OURS_VALUES:
            problems.append(f"line {lineno}: ours '{ours}' is not one of {sorted(OURS_VALUES)}")
        if len(why) < 10:
            problems.append(f"line {lineno}: {key} has no rationale")
        for a in row["abis"]:
            if a not in ALL_ABIS:
                problems.append(f"line {lineno}: unknown ABI '{a}'")
        if any(r["key"] == key for r in rows):
            problems.append(f"line {lineno}: key {key} twice")
        rows.append(row)
    return rows, problems

_seccomp = None
def seccomp():
    global _seccomp
    if _seccomp is None:
        _seccomp = ctypes.CDLL("libseccomp.so.2")
        _seccomp.seccomp_arch_resolve_name.restype = ctypes.c_uint32
        _seccomp.seccomp_arch_resolve_name.argtypes = [ctypes.c_char_p]
        _seccomp.seccomp_syscall_resolve_name_arch.argtypes = [ctypes.c_uint32, ctypes.c_char_p]
        _seccomp.seccomp_syscall_resolve_num_arch.restype = ctypes.c_void_p
        _seccomp.seccomp_syscall_resolve_num_arch.argtypes = [ctypes.c_uint32, ctypes.c_int]
    return _seccomp

def arch_token(abi):
    return seccomp().seccomp_arch_resolve_name(SCMP[abi].encode())

_headers = {}
def header_nr(abi, name):
    """i386 socket() and friends: libseccomp names the socketcall() pseudo
    call; the kernel headers have the direct number."""
    if abi not in ("i386", "x32"):
        return None
    if abi not in _headers:
        table = {}
        for path in glob.glob(f"/usr/include/*/asm/unistd_{'32' if abi == 'i386' else 'x32'}.h"):
            for m in re.finditer(r"^#define __NR_(\w+) (?:\(__X32_SYSCALL_BIT \+ )?(\d+)\)?$", open(path).read(), re.M):
                table[m.group(1)] = int(m.group(2)) | (X32_BIT if abi == "x32" else 0)
        _headers[abi] = table
    return _headers[abi].get(name)

def number(abi, row):
    """The number seccomp_data.nr holds when a program of ABI makes the
    row's call, or None where the ABI lacks it."""
    if abi not in row["abis"]:
        return None
    nr = seccomp().seccomp_syscall_resolve_name_arch(arch_token(abi), row["syscall"].encode())
    if nr >= 0:
        return nr
    if row["nr"] is not None:
        return row["nr"] | (X32_BIT if abi == "x32" else 0)
    return header_nr(abi, row["syscall"])

def named_numbers(abi):
    """Every number libseccomp names on ABI: {nr: name}."""
    lib, out = seccomp(), {}
    base = X32_BIT if abi == "x32" else 0
    numbers = list(range(base, base + 1024))
    if abi == "arm":
        numbers += list(range(0x0F0000, 0x0F0010))  # the arm private calls
    libc = ctypes.CDLL(None)
    libc.free.argtypes = [ctypes.c_void_p]
    token = arch_token(abi)
    for n in numbers:
        p = lib.seccomp_syscall_resolve_num_arch(token, n)
        if p:
            out[n] = ctypes.string_at(p).decode()
            libc.free(p)
    return out

def native_abi():
    return {"x86_64": "x86_64", "aarch64": "aarch64"}.get(os.uname().machine)

def cmd_queries(table):
    """Query lines for probe --filter-eval: each row on each ABI here, then
    every number of every ABI here with zero arguments."""
    rows, _ = load_table(table)
    family = ABIS[native_abi()]
    for row in rows:
        for abi in family:
            nr = number(abi, row)
            if nr is not None:
                print(f"row:{row['key']}:{abi} {abi} {nr} " + " ".join(str(a & (2**64 - 1)) for a in row["args"]))
    for abi in family:
        numbers = set(named_numbers(abi))
        numbers |= {r["nr"] | (X32_BIT if abi == "x32" else 0) for r in rows if r["nr"] is not None and abi in r["abis"]}
        for n in sorted(numbers):
            print(f"scan:{abi}:{n} {abi} {n} 0 0 0 0 0 0")

def errno_name(e):
    return errno.errorcode.get(e, str(e))

def raw_syscall(nr, args):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(nr), *[ctypes.c_ulong(a & (2**64 - 1)) for a in args])
    return "ok" if r >= 0 else errno_name(ctypes.get_errno())

def cmd_call(table, keys):
    """Makes the native call of each named row (as whoever runs this)."""
    rows = {r["key"]: r for r in load_table(table)[0]}
    for key in keys:
        row = rows[key]
        print(f"{key}={raw_syscall(number(native_abi(), row), row['args'])}", flush=True)

def cmd_drift(table):
    """Native numbers neither libseccomp nor the table knows, each called
    with zero arguments in a child: all must be ENOSYS."""
    rows, _ = load_table(table)
    abi = native_abi()
    known = set(named_numbers(abi)) | {r["nr"] for r in rows if r["nr"] is not None and abi in r["abis"]}
    for n in range(0, max(known) + 129):
        if n in known:
            continue
        pid = os.fork()
        if pid == 0:
            result = raw_syscall(n, [0] * 6)
            os.write(1, f"{n}={result}\n".encode())
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status):
            print(f"{n}=signal:{os.WTERMSIG(status)}", flush=True)
    print(f"scanned=0-{max(known) + 128}")

def read_pairs(path):
    out = {}
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("out="):
            line = line[4:]
        if "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
    return out

def docker_decisions(profile, names_by_abi):
    """{(syscall, abi): deny|allow|args|deny<4.8} for a container without
    the capabilities the profile's conditional rules name."""
    arch_of = {"x86_64": "amd64", "i386": "x86", "x32": "x32", "aarch64": "arm64", "arm": "arm"}
    p = json.load(open(profile))
    out = {}
    for abi, names in names_by_abi.items():
        for name in names:
            decision = None
            for rule in p["syscalls"]:
                if name not in rule["names"]:
                    continue
                inc, exc = rule.get("includes", {}), rule.get("excludes", {})
                if inc.get("caps") or (inc.get("arches") and arch_of[abi] not in inc["arches"]):
                    continue
                if exc.get("arches") and arch_of[abi] in exc["arches"]:
                    continue
                if rule.get("args"):
                    decision = "args"
                elif inc.get("minKernel"):
                    decision = decision or "deny<4.8"
                elif rule["action"] == "SCMP_ACT_ALLOW":
                    decision = "allow"
            if p["defaultAction"] == "SCMP_ACT_ERRNO" and decision is None:
                decision = "deny"
            out[(name, abi)] = decision or "allow"
    return out

def cmd_judge(table, filt, sandbox, reference, drift, profile):
    """TAP material, one line each: ok|not_ok|skip TAB text [TAB detail]...,
    and diag TAB text for the report."""
    rows, problems = load_table(table)
    native = native_abi()
    family = ABIS[native]
    verdict = read_pairs(filt)
    sb, ref = read_pairs(sandbox), read_pairs(reference)

    def emit(kind, text, *details):
        print("\t".join([kind, text, *details]))

    emit("ok" if not problems else "not_ok", f"the table is well-formed ({len(rows)} rows)", *problems)
    n_filters = int(verdict.get("filters", "0"))
    emit("ok" if n_filters >= 1 else "not_ok",
         f"the running server's seccomp filter is read back ({n_filters} program(s))")

    proven = {}
    for row in rows:
        here = [abi for abi in family if number(abi, row) is not None]
        key = row["key"]
        if not here:
            where = ",".join(row["abis"]) or "no ABI this project builds for"
            emit("skip", f"{key}: {row['ours']} ({where}: not an ABI of this machine)")
            continue
        bad, seen = [], []
        if row["ours"] == "allow":
            for abi in here:
                v = verdict.get(f"row:{key}:{abi}", "missing")
                seen.append(f"{abi} {v}")
                if v != "ALLOW":
                    bad.append(f"{abi}: the filter answers {v}, the table says allow")
            works = sb.get(f"works.{key}")
            if native in here and works is not None:
                seen.append(f"works inside: {works}")
                if works != "ok":
                    bad.append(f"works.{key}={works} inside the sandbox")
        else:
            want = "EPERM" if row["ours"] == "deny" else "ENOSYS"
            for abi in here:
                v = verdict.get(f"row:{key}:{abi}", "missing")
                if abi == native:
                    got = sb.get(f"deny.{key}", sb.get(key, "missing"))
                    alone = ref.get(f"deny.{key}", ref.get(key, "missing"))
                    seen.append(f"{abi} {got} (alone: {alone}; filter {v})")
                    if got != want:
                        bad.append(f"{abi}: the call fails with {got} inside the sandbox, want {want} (alone: {alone})")
                else:
                    seen.append(f"{abi} filter {v}")
                if v != f"ERRNO:{want}":
                    bad.append(f"{abi}: the filter answers {v}, want ERRNO:{want}")
        proven[key] = not bad
        emit("not_ok" if bad else "ok", f"{key}: {row['ours']} - " + "; ".join(seen), *bad)

    # Every number the filter refuses with zero arguments has a row.
    by_name = {}
    for row in rows:
        by_name.setdefault(row["syscall"], []).append(row)
    for abi in family:
        names = named_numbers(abi)
        for row in rows:
            if row["nr"] is not None and abi in row["abis"]:
                names[row["nr"] | (X32_BIT if abi == "x32" else 0)] = row["syscall"]
        refused, missing = 0, []
        for n, name in sorted(names.items()):
            v = verdict.get(f"scan:{abi}:{n}", "missing")
            if v == "ALLOW":
                continue
            refused += 1
            if not any(r["ours"] in ("deny", "enosys") and r["args"] == [0] * 6 and abi in r["abis"]
                       for r in by_name.get(name, [])):
                missing.append(f"{name} ({n}): {v}")
        emit("ok" if not missing else "not_ok",
             f"{abi}: each of the {refused} syscalls the filter refuses outright has a row", *missing)

    # A kernel newer than the table.
    found, scanned = [], "?"
    for line in open(drift):
        k, _, v = line.strip().partition("=")
        if k == "scanned":
            scanned = v
        elif v != "ENOSYS":
            found.append(f"native syscall {k} answers {v}: a syscall newer than the table; add a row")
    emit("ok" if not found else "not_ok",
         f"{native}: no syscall the kernel implements is unknown to both libseccomp and the table (numbers {scanned})",
         *found)

    if profile:
        names_by_abi = {abi: set(named_numbers(abi).values()) for abi in ALL_ABIS}
        for row in rows:
            for abi in row["abis"]:
                names_by_abi[abi].add(row["syscall"])
        decisions = docker_decisions(profile, names_by_abi)
        wrong = []
        for name in sorted({n for (n, _) in decisions}):
            for abi in ALL_ABIS:
                d = decisions.get((name, abi))
                if d is None:
                    continue
                rows_here = [r for r in by_name.get(name, []) if abi in r["abis"]]
                table_docker = {r["docker"] for r in rows_here}
                if d == "deny" and "deny" not in table_docker:
                    wrong.append(f"{name} on {abi}: the profile refuses it, the table has no docker=deny row")
                elif d == "deny<4.8" and "deny<4.8" not in table_docker:
                    wrong.append(f"{name} on {abi}: the profile allows it from Linux 4.8 only; no deny<4.8 row")
                elif d == "args" and "deny" not in table_docker:
                    wrong.append(f"{name} on {abi}: the profile refuses some arguments; no argument row")
                elif d == "allow" and (table_docker & {"deny", "deny<4.8"}):
                    wrong.append(f"{name} on {abi}: the profile allows it, the table says docker refuses it")
        emit("ok" if not wrong else "not_ok", f"the docker column matches {profile}", *wrong)
    else:
        # Re-deriving the column is the refresh a maintainer runs when
        # Docker's profile changes, not a check this machine skips: the
        # column is data in the table, proven against the kernel above.
        emit("diag", "the docker column was not re-derived from a profile: no OVH_DOCKER_PROFILE and no "
             "../shared/reference/docker-seccomp-default.json next to the checkout")

    # The report.
    names = {}
    for row in rows:
        names.setdefault(row["syscall"], []).append(row)
    docker_denied = sorted(n for n, rs in names.items() if any(r["docker"] == "deny" for r in rs))
    ours_too = [n for n in docker_denied
                if all(r["ours"] != "allow" for r in names[n] if r["docker"] == "deny")]
    here = [n for n in docker_denied if any(number(a, r) is not None for r in names[n] for a in family)]
    here_proven = [n for n in here if all(proven.get(r["key"], False) for r in names[n]
                                          if r["docker"] == "deny" and r["ours"] != "allow"
                                          and any(number(a, r) is not None for a in family))
                   and n in ours_too]
    gaps = [r["key"] for r in rows if r["docker"] == "deny" and r["ours"] == "allow"]
    deliberate = [r["key"] for r in rows if r["docker"] == "deny<4.8" and r["ours"] == "allow"]
    extras = [r["key"] for r in rows if r["docker"] == "allow" and r["ours"] != "allow"]
    emit("diag", f"parity: the table denies {len(ours_too)} of the {len(docker_denied)} syscalls Docker's default "
         f"profile refuses a container without capabilities (all ABIs)")
    emit("diag", f"parity: on this machine's ABIs ({', '.join(family)}) {len(here)} of them exist; "
         f"{len(here_proven)} proven denied here")
    emit("diag", f"parity: not denied although Docker refuses them: {', '.join(gaps) or 'none'}")
    emit("diag", f"parity: allowed on purpose (Docker refuses them before Linux 4.8): {', '.join(deliberate)}")
    emit("diag", f"parity: denied beyond Docker: {', '.join(extras)}")

def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "queries":
        cmd_queries(args[0])
    elif cmd == "call":
        cmd_call(args[0], args[1:])
    elif cmd == "drift":
        cmd_drift(args[0])
    elif cmd == "denied-keys":
        for r in load_table(args[0])[0]:
            if r["ours"] != "allow":
                print(r["key"])
    elif cmd == "judge":
        cmd_judge(*args[:5], args[5] if len(args) > 5 else None)
    else:
        sys.exit(f"unknown command {cmd}")

main()
PY
chmod 0644 "$PARITY_PY"
install -m 0644 "$TABLE" "$PUBLIC/table.tsv"

[[ -n $(python3 "$PARITY_PY" queries "$PUBLIC/table.tsv" 2>/dev/null | head -1) ]] ||
    bail "no ABI of this machine ($(uname -m)) is known to the parity helper"

# ------------------------------------------------------------------ setup
ovh_ensure_account "$ACCOUNT" "$ACCOUNT_HOME" || bail "cannot create the account $ACCOUNT"
ACCOUNT_UID=$(id -u "$ACCOUNT")
ACCOUNT_GID=$(id -g "$ACCOUNT")
as_account() { setpriv --reuid "$ACCOUNT_UID" --regid "$ACCOUNT_GID" --init-groups -- "$@"; }
# The account's python: root's PATH may lead to one under /root.
ACCOUNT_PYTHON=
for candidate in /usr/bin/python3 /usr/local/bin/python3 "$(command -v python3)"; do
    if as_account "$candidate" -c 'import ctypes; ctypes.CDLL("libseccomp.so.2")' 2>/dev/null; then
        ACCOUNT_PYTHON=$candidate
        break
    fi
done
[[ -n $ACCOUNT_PYTHON ]] || bail "no python3 that $ACCOUNT can run with libseccomp.so.2"

PAYLOAD=$PUBLIC/payload
ovh_make_payload "$PAYLOAD" 1.100.3
install -m 0644 /dev/null "$PUBLIC/sd-listen.js"
if ! as_account test -x "$PROBE"; then
    install -m 0755 "$PROBE" "$PUBLIC/probe"
    PROBE=$PUBLIC/probe
fi
ovh_write_secret "$WORK/token" "$(ovh_new_token)"
install -d -m 0755 "$PUBLIC/run"
cat >"$WORK/launcher.conf" <<EOF
[Server]
Root=$PAYLOAD
Node=$PROBE

[Account]
User=$ACCOUNT

[Auth]
TokenFile=$WORK/token
EOF
ACTIVATE_ENV=(-E "OVH_SD_LISTEN_JS=$PUBLIC/sd-listen.js" -E "RUNTIME_DIRECTORY=$PUBLIC/run")

# Denied rows the probe has no native case for are called through python
# (allowed ones are not called: ptrace(0) would trace the caller, uretprobe
# outside its trampoline is SIGILL; the filter's verdict proves them).
mapfile -t KEYS < <(python3 "$PARITY_PY" denied-keys "$PUBLIC/table.tsv")
python3 "$PARITY_PY" queries "$PUBLIC/table.tsv" >"$WORK/queries"

# talk NAME COMMAND...: one activation of the probe; each COMMAND's answer
# is appended to $WORK/NAME.report. With FILTER_OUT set, the probe's filter
# is read back and evaluated first (as root, while the probe waits).
talk() {
    local name=$1 port log=$WORK/$1.log command
    shift
    local commands=()
    while [[ $1 != -- ]]; do
        commands+=("$1")
        shift
    done
    shift
    port=$(ovh_free_port)
    : >"$WORK/$name.report"
    ovh_activate "$port" "$log" "${ACTIVATE_ENV[@]}" -- "$@" || return 1
    ovh_connect "$port"
    if ! ovh_request pid 30; then
        sed 's/^/#   /' "$log"
        ovh_disconnect
        ovh_activated_wait 5 || true
        return 1
    fi
    if [[ -n ${FILTER_OUT:-} ]]; then
        "$PROBE" --filter-eval "${OVH_REPLY[0]#pid=}" <"$WORK/queries" >"$FILTER_OUT" 2>"$FILTER_OUT.err" ||
            diag "$name: filter evaluation failed: $(cat "$FILTER_OUT.err")"
    fi
    for command in "${commands[@]}"; do
        if ! ovh_request "$command" 120; then
            diag "$name: '$command' got no complete answer"
            break
        fi
        printf '%s\n' "${OVH_REPLY[@]}" >>"$WORK/$name.report"
    done
    ovh_disconnect
    ovh_activated_wait 30
}

# The kernel alone: the probe's cases as the account, unfiltered.
talk reference syscalls -- setpriv --reuid "$ACCOUNT_UID" --regid "$ACCOUNT_GID" --init-groups -- "$PROBE" || bail "the probe does not run unfiltered as $ACCOUNT"
grep -q '^deny\.' "$WORK/reference.report" || bail "the reference run reported no syscalls"
missing=()
for key in "${KEYS[@]}"; do
    grep -q "^deny\.$key=" "$WORK/reference.report" || missing+=("$key")
done
# only the native rows the probe lacks: the helper skips no ABI itself
native_missing=()
for key in "${missing[@]}"; do
    grep -q "^row:$key:$(uname -m) " "$WORK/queries" && native_missing+=("$key")
done
if ((${#native_missing[@]})); then
    as_account "$ACCOUNT_PYTHON" "$PARITY_PY" call "$PUBLIC/table.tsv" "${native_missing[@]}" >>"$WORK/reference.report" ||
        bail "the raw calls do not run unfiltered as $ACCOUNT"
fi
as_account "$ACCOUNT_PYTHON" "$PARITY_PY" drift "$PUBLIC/table.tsv" >"$WORK/drift" 2>&1 ||
    bail "the scan for syscalls newer than the table failed: $(cat "$WORK/drift")"

# The sandbox: the launcher with its default filter, the probe as node.
sandbox_commands=(syscalls)
((${#native_missing[@]})) &&
    sandbox_commands+=("exec $ACCOUNT_PYTHON $PARITY_PY call $PUBLIC/table.tsv ${native_missing[*]}")
FILTER_OUT=$WORK/filter talk sandbox "${sandbox_commands[@]}" -- "$OVH_LAUNCHER" -c "$WORK/launcher.conf" ||
    bail "the launcher did not run the probe: $(cat "$WORK/sandbox.log")"
[[ -s $WORK/filter ]] || bail "no filter verdicts: $(cat "$WORK/filter.err" 2>/dev/null)"
diag "native rows without a probe case, called through python: ${native_missing[*]:-none}"

# ----------------------------------------- rootless containers
# A rootless-container tool end to end: refused by default, working with
# [Sandbox] AllowNamespaces=yes (the unit also needs RestrictNamespaces=no).
if command -v unshare >/dev/null; then
    cp "$WORK/launcher.conf" "$WORK/namespaces.conf"
    printf '\n[Sandbox]\nAllowNamespaces=yes\n' >>"$WORK/namespaces.conf"
    talk unshare-default "exec unshare -r id -u" -- "$OVH_LAUNCHER" -c "$WORK/launcher.conf" || true
    talk unshare-allowed "exec unshare -r id -u" -- "$OVH_LAUNCHER" -c "$WORK/namespaces.conf" || true
    default_out=$(grep -E '^(out|exit)=' "$WORK/unshare-default.report" | tr '\n' ' ')
    allowed_out=$(grep -E '^(out|exit)=' "$WORK/unshare-allowed.report" | tr '\n' ' ')
    if [[ $default_out == *"Operation not permitted"* && $default_out != *"exit=0 "* ]]; then
        ok "unshare -r (a rootless-container tool) is refused by default: ${default_out% }"
    else
        not_ok "unshare -r is refused by default" "got: $default_out"
    fi
    expect "unshare -r works with [Sandbox] AllowNamespaces=yes (id -u inside is 0)" "${allowed_out% }" "out=0 exit=0"
fi

# ------------------------------------------------------------ verdicts
while IFS=$'\t' read -r kind text details; do
    case $kind in
    ok) ok "$text" ;;
    skip) ok "$text # SKIP" ;;
    diag) diag "$text" ;;
    not_ok)
        IFS=$'\t' read -r -a detail_lines <<<"$details"
        not_ok "$text" "${detail_lines[@]}"
        ;;
    *) not_ok "parity helper output" "$kind $text" ;;
    esac
done < <(python3 "$PARITY_PY" judge "$PUBLIC/table.tsv" "$WORK/filter" "$WORK/sandbox.report" \
    "$WORK/reference.report" "$WORK/drift" ${OVH_DOCKER_PROFILE:+"$OVH_DOCKER_PROFILE"})

finish

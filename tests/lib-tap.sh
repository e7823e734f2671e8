# shellcheck shell=bash
# TAP for the shell tests: tests/system/test-*.sh, tests/unit/test-units.sh
# and tests/integration/test-real-server.sh source it directly, test-browser,
# test-idle and test-proxy through tests/browser/lib.sh. (The other
# integration tests use tests/integration/lib.sh's tap_* functions.)
#
# n counts the checks, failures the failed ones; each test prints its plan
# (1..n) at the end, or calls finish.

n=0
failures=0
ok() { n=$((n + 1)); printf 'ok %d - %s\n' "$n" "$1"; }
# not_ok DESCRIPTION [DIAGNOSTIC LINE...]
not_ok() {
    n=$((n + 1)); failures=$((failures + 1))
    printf 'not ok %d - %s\n' "$n" "$1"; shift
    local line
    for line in "$@"; do printf '%s\n' "$line" | sed 's/^/#   /'; done
}
diag() { printf '# %s\n' "$*"; }
# check DESCRIPTION COMMAND...: ok when COMMAND succeeds; its output otherwise.
check() {
    local desc=$1 out; shift
    if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "$out"; fi
}
# expect DESCRIPTION ACTUAL EXPECTED
expect() {
    if [[ $2 == "$3" ]]; then ok "$1"; else not_ok "$1" "expected: $3" "actual:   $2"; fi
}
# expect_match DESCRIPTION TEXT REGEX
expect_match() {
    if [[ $2 =~ $3 ]]; then ok "$1"; else not_ok "$1" "expected to match: $3" "actual: $2"; fi
}
# A skip is allowed only where the machine cannot run the suite at all;
# under CI the machine must, so there it is a failure.
skip_all() {
    if [[ ${CI:-} == true ]]; then
        printf '1..1\nnot ok 1 - %s cannot run: %s (CI=true: this machine must run it)\n' "$(basename "$0")" "$1"
        exit 1
    fi
    printf '1..0 # SKIP %s\n' "$1"
    exit 77
}
bail() { printf 'Bail out! %s\n' "$*"; exit 1; }
# finish: the plan, and the exit status: 1 when a check failed.
finish() {
    printf '1..%d\n' "$n"
    if ((failures)); then
        diag "$failures of $n checks failed"
        exit 1
    fi
    exit 0
}
now() { date +%s.%N; }
# elapsed FROM [TO]: seconds between two now values (TO: now)
elapsed() { awk -v a="$1" -v b="${2:-$(now)}" 'BEGIN { printf "%.3f", b - a }'; }

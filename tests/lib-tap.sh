# shellcheck shell=bash
# TAP for every shell test, the one kit they all source: tests/system/test-*.sh
# (test-browser, test-idle and test-proxy through tests/browser/lib.sh),
# tests/integration/test-*.sh (all but test-real-server through
# tests/integration/lib.sh), tests/unit/test-units.sh,
# tests/ctl/test-cli.sh, the suites with an entry point of their own
# (tests/fuzz/run, tests/package/run, tests/arm64/run) and the arm64 guest's
# suite (tests/arm64/run ships this file into the guest).
#
# tap_count counts the checks, tap_failures the failed ones (named so that
# a test's own "n" or "failures", local or not, cannot shadow them). The plan
# comes at the end (finish), which TAP allows, so a test can decide its
# checks as it goes; or first, from plan N, when the count is known.

tap_count=0
tap_failures=0
tap_planned=
ok() { tap_count=$((tap_count + 1)); printf 'ok %d - %s\n' "$tap_count" "$1"; }
# not_ok DESCRIPTION [DIAGNOSTIC LINE...]
not_ok() {
    tap_count=$((tap_count + 1)); tap_failures=$((tap_failures + 1))
    printf 'not ok %d - %s\n' "$tap_count" "$1"; shift
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
# The test's name in a skip: tests/SUITE/run is "SUITE suite", any other
# script its file name.
tap_name() {
    if [[ $(basename "$0") == run ]]; then
        printf '%s suite\n' "$(basename "$(dirname "$0")")"
    else
        basename "$0"
    fi
}
# A skip is allowed only where the machine cannot run the suite at all;
# under CI the machine must, so there it is a failure.
skip_all() {
    if [[ ${CI:-} == true ]]; then
        printf '1..1\nnot ok 1 - %s cannot run: %s (CI=true: this machine must run it)\n' "$(tap_name)" "$1"
        exit 1
    fi
    printf '1..0 # SKIP %s\n' "$1"
    exit 77
}
bail() { printf 'Bail out! %s\n' "$*"; exit 1; }
# plan N: the plan first, for a test that knows its count; finish then
# fails the test when it ran another number of checks.
plan() {
    tap_planned=$1
    printf '1..%d\n' "$1"
}
# finish: the plan (unless given first), and the exit status: 1 when a check
# failed or the planned count was not run.
finish() {
    if [[ -z $tap_planned ]]; then
        printf '1..%d\n' "$tap_count"
    elif ((tap_count != tap_planned)); then
        bail "ran $tap_count checks, planned $tap_planned"
    fi
    if ((tap_failures)); then
        diag "$tap_failures of $tap_count checks failed"
        exit 1
    fi
    exit 0
}
now() { date +%s.%N; }
# elapsed FROM [TO]: seconds between two now (or $EPOCHREALTIME) values (TO: now)
elapsed() { awk -v a="$1" -v b="${2:-$(now)}" 'BEGIN { printf "%.3f", b - a }'; }

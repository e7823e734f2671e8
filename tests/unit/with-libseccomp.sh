#!/bin/bash
# with-libseccomp.sh SUITE VERSION PROGRAM [ARGS...]: runs a unit test
# against Debian SUITE's libseccomp (scripts/provision-libseccomp), and
# makes the test check that VERSION is the one it loaded. The filter is
# built by whatever libseccomp the package links, so the policy tests run
# against each supported release's.
set -uo pipefail
source "$(dirname "$0")/../lib-tap.sh"
suite=$1 version=$2
shift 2
if ! libdir=$("$(dirname "$0")/../../scripts/provision-libseccomp" "$suite" 2>"${TMPDIR:-/tmp}/provision-libseccomp.$$"); then
    reason=$(tail -n 1 "${TMPDIR:-/tmp}/provision-libseccomp.$$")
    rm -f "${TMPDIR:-/tmp}/provision-libseccomp.$$"
    skip_all "Debian $suite's libseccomp could not be fetched: $reason"
fi
rm -f "${TMPDIR:-/tmp}/provision-libseccomp.$$"
export LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} OVH_EXPECT_LIBSECCOMP=$version
exec "$@"

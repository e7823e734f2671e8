/* SPDX-License-Identifier: MIT */
#pragma once

/* A classic-BPF interpreter for seccomp programs, so tests can ask what an
 * exported filter answers for any arch and syscall number, including the
 * compat ABIs that cannot be executed on the test machine. The one evaluator
 * of the test kit: the unit tests (tests/unit), the integration probe's
 * --filter-eval (tests/integration/probe.c, also cross-built by
 * tests/arm64/run) and the bench (tests/bench/seccomp-cost.c) link it. It
 * needs nothing but libc and the kernel headers.
 *
 * It accepts exactly what the kernel accepts when a seccomp filter is
 * loaded (the classic-BPF checks plus seccomp's own opcode allow-list) and
 * computes what the kernel computes; anything else is -EINVAL rather than a
 * guess, because a wrong "allowed"/"denied" here would make a policy test
 * pass for a filter the kernel would refuse or read differently. */

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>

/* Load-time validation, as seccomp(SECCOMP_SET_MODE_FILTER) does it:
 * 1 <= len <= BPF_MAXINSNS; only the opcodes seccomp permits (no BPF_MOD,
 * no byte/half-word or indirect loads, no BPF_RET|BPF_X); loads from
 * seccomp_data 4-byte aligned and inside it; every jump target inside the
 * program; no constant division by zero; no constant shift >= 32; scratch
 * cells < BPF_MEMWORDS and written before read on every path; the last
 * instruction a return, so execution cannot fall off the end.
 * Returns 0 or -EINVAL. */
int bpf_check(const struct sock_filter *prog, size_t len);

/* Runs the program against one syscall and stores the 32-bit value it
 * returns (SECCOMP_RET_* action | data) in *ret. The program is checked with
 * bpf_check() first; on -EINVAL *ret is left untouched.
 * Runtime semantics are the kernel's: A and X start at 0; arithmetic wraps
 * at 32 bits; jumps compare unsigned; loads read the host-endian 32-bit word
 * at that offset of struct seccomp_data (so on little-endian hosts the low
 * half of args[i] is at offsetof(args[i]) and the high half 4 bytes later);
 * a division by X == 0 ends the program with return value 0, which seccomp
 * reads as SECCOMP_RET_KILL_THREAD. */
int bpf_eval(const struct sock_filter *prog, size_t len, const struct seccomp_data *data, uint32_t *ret);

/* What evaluations did, for callers that measure programs rather than only
 * ask them (the bench: how many instructions the kernel runs per syscall,
 * and whether the answer depended on more than the arch and number). */
typedef struct BpfTrace {
        /* instructions executed, the return included */
        size_t steps;
        /* bit i: the 32-bit word at offset 4 * i of seccomp_data was loaded */
        uint16_t loaded;
} BpfTrace;

/* bpf_eval() that also adds what the run did to *trace (steps summed,
 * loaded words or'ed in), so one trace can cover a stack of programs run
 * for the same syscall. trace may be NULL. */
int bpf_eval_traced(const struct sock_filter *prog, size_t len, const struct seccomp_data *data, uint32_t *ret,
                    BpfTrace *trace);

/* SPDX-License-Identifier: MIT */
#pragma once

/* Asks an exported seccomp program (see bpf_export_filter()) what it answers
 * for a syscall on a given ABI, the way the kernel would ask it: with the
 * AUDIT_ARCH_* value and the syscall number that ABI puts in seccomp_data.
 * This is how tests prove the policy on the compat ABIs (i386, x32, arm),
 * whose binaries cannot run on the machines the tests run on. */

#include <linux/filter.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>

/* Exports a libseccomp filter as the program seccomp_load() would install
 * (seccomp_export_bpf() through a memfd), for the evaluator
 * (tests/lib/bpf-eval.h). On success *ret_prog is a malloc()ed array of
 * *ret_len instructions, for free()/g_free().
 * Returns 0, or the negative errno from libseccomp or the memfd. */
int bpf_export_filter(const scmp_filter_ctx filter, struct sock_filter **ret_prog, size_t *ret_len);

/* The value seccomp_data.arch holds for a libseccomp arch token
 * (SCMP_ARCH_*; SCMP_ARCH_NATIVE means this build's arch). It equals the
 * token except for x32, which the kernel reports as AUDIT_ARCH_X86_64 and
 * tells apart only by __X32_SYSCALL_BIT in the syscall number.
 * Returns 0, or -EINVAL for a token libseccomp does not know. */
int seccomp_expect_audit_arch(uint32_t scmp_arch, uint32_t *ret_audit_arch);

/* The number seccomp_data.nr holds when a program of that ABI calls the
 * named syscall (x32 numbers include __X32_SYSCALL_BIT).
 * Where the ABI also reaches the syscall through a multiplexer (socket()
 * and SysV IPC calls on i386: socketcall(2)/ipc(2)), this is the direct
 * syscall; check the multiplexed path by naming "socketcall" or "ipc" with
 * the call number in args[0].
 * Returns 0, -ENOENT if the ABI has no such syscall (e.g. "open" on
 * aarch64) or libseccomp does not know the name, -EINVAL for a bad token. */
int seccomp_expect_syscall_nr(uint32_t scmp_arch, const char *syscall_name, int *ret_nr);

/* What the program answers (SECCOMP_RET_* action | data, e.g.
 * SCMP_ACT_ERRNO(EPERM)) when a process of ABI scmp_arch calls
 * syscall_name with args (NULL: all zero). Arguments are given as the
 * 64-bit values seccomp_data carries; for a 32-bit ABI the kernel fills
 * only the low halves, but any value may be passed to probe the program.
 * Returns 0, -ENOENT/-EINVAL as seccomp_expect_syscall_nr(), or -EINVAL
 * if the kernel would refuse the program (see bpf_check()). */
int seccomp_expect_action(const struct sock_filter *prog, size_t len, uint32_t scmp_arch, const char *syscall_name,
                          const uint64_t args[6], uint32_t *ret_action);

/* The same for a raw AUDIT_ARCH_* value and syscall number, e.g. to probe
 * an arch the filter does not cover, or numbers no name resolves to.
 * Returns 0 or -EINVAL. */
int seccomp_expect_action_nr(const struct sock_filter *prog, size_t len, uint32_t audit_arch, int nr,
                             const uint64_t args[6], uint32_t *ret_action);

/* Spells a return value the way test failures should show it:
 * "ALLOW", "ERRNO(1)", "KILL_PROCESS", "TRACE(7)", ...; an unknown action
 * as "0x%08x". Writes into buf and returns it. */
#define SECCOMP_EXPECT_ACTION_STRING_MAX 32
const char *seccomp_expect_action_to_string(uint32_t action, char buf[static SECCOMP_EXPECT_ACTION_STRING_MAX]);

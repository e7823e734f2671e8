/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>

/* What [Sandbox] in launcher.conf says about the filter. */
typedef struct {
        bool allow_namespaces; /* AllowNamespaces=: unshare/setns/clone(CLONE_NEW*) allowed */
        char **allow_syscalls; /* AllowSyscalls=: names or @groups taken off the deny list */
        char **deny_syscalls; /* DenySyscalls=: names or @groups added (EPERM) */
} OvhSandboxOptions;

/* One row of the policy: a syscall (or @group) we deny, why, and how. */
typedef struct {
        const char *name; /* syscall name */
        const char *group; /* "@mount", ... (AllowSyscalls=/DenySyscalls= take it), or NULL */
        const char *why; /* rationale, for docs/seccomp-policy.md and the tests */
} OvhDenyRule;

/* g_auto(scmp_filter_ctx) f = NULL; releases the filter on scope exit. */
G_DEFINE_AUTO_CLEANUP_FREE_FUNC(scmp_filter_ctx, seccomp_release, NULL)

/* The architectures the filter covers for the running build: the native one
 * first, then its compat ABIs (x86_64: x86 and x32; aarch64: arm). Returns
 * the count; arches[] receives SCMP_ARCH_* tokens. */
size_t ovh_sandbox_arches(uint32_t arches[static 4]);

/* Pure policy: builds (does not load) the filter for the given arches.
 * Default action ALLOW; every denied syscall answers EPERM, clone3 answers
 * ENOSYS so libc falls back to clone(), whose flags can be inspected.
 * Unknown names in AllowSyscalls=/DenySyscalls= fail with EX_CONFIG. */
int ovh_sandbox_build(const OvhSandboxOptions *options, const uint32_t *arches, size_t n_arches, scmp_filter_ctx *ret,
                      GError **error);

/* Loads a built filter into the calling thread (seccomp(2) with TSYNC). */
int ovh_sandbox_load(scmp_filter_ctx filter, GError **error);

/* The plain deny table (rows without argument conditions), terminated by a
 * row whose name is NULL. Argument-conditional rules (clone flags,
 * personality, socket families, ioctl requests) and clone3 are built by
 * ovh_sandbox_build() in addition. */
const OvhDenyRule *ovh_sandbox_deny_table(void);

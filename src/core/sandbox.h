/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <linux/filter.h>
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
        const char *why; /* rationale: every row has one (test-sandbox checks it) */
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

/* Syscalls newer than the libseccomp the launcher was built with cannot be
 * named in a libseccomp filter (it rejects unknown numbers). For those this
 * builds a small second classic-BPF program over their numbers (unified
 * across architectures since Linux 5.1, 424 and up; x32 adds its bit) that
 * answers EPERM; the kernel stacks it on the first. *ret_prog is NULL when
 * libseccomp knows every one of them. Free with g_free(). */
int ovh_sandbox_build_late(const OvhSandboxOptions *options, const uint32_t *arches, size_t n_arches,
                           struct sock_filter **ret_prog, size_t *ret_len, GError **error);

/* The filter as the kernel takes it: the libseccomp program and, if any,
 * the late program, both classic BPF. */
typedef struct {
        struct sock_filter *main;
        size_t n_main;
        struct sock_filter *late; /* NULL when there is none */
        size_t n_late;
        bool prebuilt; /* taken from the build, not compiled now */
} OvhSandboxProgram;

void ovh_sandbox_program_clear(OvhSandboxProgram *program);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OvhSandboxProgram, ovh_sandbox_program_clear)

/* Exports a libseccomp filter as a classic-BPF program (g_free it). */
int ovh_sandbox_export(scmp_filter_ctx filter, struct sock_filter **ret_prog, size_t *ret_len, GError **error);

/* True when the options are the defaults (nothing in [Sandbox] changes
 * the filter), so the program compiled at build time applies. */
bool ovh_sandbox_options_are_default(const OvhSandboxOptions *options);

/* The filter for the running machine's arches. Compiling it with
 * libseccomp costs milliseconds at every start; with default options and a
 * `prebuilt` program (generated at build time by the same code), that one
 * is used instead. `prebuilt` may be NULL. */
int ovh_sandbox_program(const OvhSandboxOptions *options, const OvhSandboxProgram *prebuilt, OvhSandboxProgram *ret,
                        GError **error);

/* Loads the program(s) into the calling process, all threads
 * (seccomp(2) with SECCOMP_FILTER_FLAG_TSYNC). */
int ovh_sandbox_load(const OvhSandboxProgram *program, GError **error);

/* Rows the late program can hold: syscalls named here by number, either
 * on every arch (arch 0: numbers unified since Linux 5.1, 424 and up; used
 * when libseccomp cannot name them) or on one arch only (a libseccomp
 * filter covering several arches cannot deny a name on just one). */
typedef struct {
        const char *name;
        int nr;
        uint32_t arch; /* SCMP_ARCH_* the number belongs to, 0 for all */
        const char *group;
        const char *why;
} OvhLateRule;
const OvhLateRule *ovh_sandbox_late_table(void);

/* The plain deny table (rows without argument conditions), terminated by a
 * row whose name is NULL. Argument-conditional rules (clone flags,
 * personality, socket families, ioctl requests) and clone3 are built by
 * ovh_sandbox_build() in addition. */
const OvhDenyRule *ovh_sandbox_deny_table(void);

/* The program [Sandbox] asks for: none with Seccomp=no (ret stays empty),
 * else ovh_sandbox_program() with AllowNamespaces=, AllowSyscalls= and
 * DenySyscalls=. */
typedef struct OvhConfig OvhConfig;
int ovh_sandbox_program_for_config(const OvhConfig *config, const OvhSandboxProgram *prebuilt, OvhSandboxProgram *ret,
                                   GError **error);

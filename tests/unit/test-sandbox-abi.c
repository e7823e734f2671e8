/* SPDX-License-Identifier: MIT */
/* The launcher's real filter program, evaluated per ABI. 32-bit binaries
 * cannot run on these machines (ENOEXEC) and seccomp does not work under
 * qemu-user, so the compat ABIs (i386, x32, arm) are proven on the exported
 * BPF program itself: for every denied syscall the answer on each compat ABI
 * must be the same as on the native one, and what must keep working must
 * answer ALLOW. */
#include <errno.h>
#include <glib.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../lib/bpf-eval.h"
#include "sandbox.h"
#include "seccomp-expect.h"

#define RET_EPERM (SECCOMP_RET_ERRNO | EPERM)
#define RET_ENOSYS (SECCOMP_RET_ERRNO | ENOSYS)

typedef struct {
        const char *name;
        uint32_t native;
        uint32_t compat[2];
        size_t n_compat;
} Family;

static const Family families[] = {
        { "x86_64", SCMP_ARCH_X86_64, { SCMP_ARCH_X86, SCMP_ARCH_X32 }, 2 },
        { "aarch64", SCMP_ARCH_AARCH64, { SCMP_ARCH_ARM }, 1 },
};

typedef struct {
        struct sock_filter *prog;
        size_t len;
} Program;

static Program build(const Family *f, bool allow_namespaces) {
        uint32_t arches[3] = { f->native, f->compat[0], f->compat[1] };
        OvhSandboxOptions o = { .allow_namespaces = allow_namespaces };
        g_auto(scmp_filter_ctx) ctx = NULL;
        g_autoptr(GError) error = NULL;
        Program p = {};

        g_assert_cmpint(ovh_sandbox_build(&o, arches, 1 + f->n_compat, &ctx, &error), ==, 0);
        g_assert_no_error(error);
        g_assert_cmpint(bpf_export_filter(ctx, &p.prog, &p.len), ==, 0);
        return p;
}

/* The action for NAME(args) on ARCH, or -ENOENT if that ABI lacks it. */
static int64_t action(const Program *p, uint32_t arch, const char *name, const uint64_t args[6]) {
        uint32_t ret;
        int r = seccomp_expect_action(p->prog, p->len, arch, name, args, &ret);
        if (r == -ENOENT)
                return -ENOENT;
        g_assert_cmpint(r, ==, 0);
        return ret;
}

static void expect(const Program *p, uint32_t arch, const char *arch_name, const char *name, const uint64_t args[6],
                   uint32_t want) {
        int64_t got = action(p, arch, name, args);
        if (got == -ENOENT)
                return;
        if ((uint32_t) got != want) {
                char a[SECCOMP_EXPECT_ACTION_STRING_MAX], b[SECCOMP_EXPECT_ACTION_STRING_MAX];
                g_error("%s: %s(0x%" G_GINT64_MODIFIER "x, 0x%" G_GINT64_MODIFIER "x) answers %s, want %s", arch_name,
                        name, args ? args[0] : 0, args ? args[1] : 0,
                        seccomp_expect_action_to_string((uint32_t) got, a), seccomp_expect_action_to_string(want, b));
        }
}

static void test_family(gconstpointer data) {
        const Family *f = data;
        Program p = build(f, false);
        uint32_t all[3] = { f->native, f->compat[0], f->compat[1] };
        unsigned denied_checked = 0;

        for (size_t a = 0; a < 1 + f->n_compat; a++) {
                uint32_t arch = all[a];
                const char *an = arch == SCMP_ARCH_X86_64    ? "x86_64"
                                 : arch == SCMP_ARCH_X86     ? "i386"
                                 : arch == SCMP_ARCH_X32     ? "x32"
                                 : arch == SCMP_ARCH_AARCH64 ? "aarch64"
                                                             : "arm";

                for (const OvhDenyRule *row = ovh_sandbox_deny_table(); row->name; row++) {
                        int64_t got = action(&p, arch, row->name, NULL);
                        if (got == -ENOENT)
                                continue;
                        expect(&p, arch, an, row->name, NULL, RET_EPERM);
                        denied_checked++;
                }
                expect(&p, arch, an, "clone3", NULL, RET_ENOSYS);

                static const uint64_t ns_flags[] = {
                        CLONE_NEWNS,   CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
                        CLONE_NEWUSER, CLONE_NEWPID,    CLONE_NEWNET,
                };
                for (size_t i = 0; i < G_N_ELEMENTS(ns_flags); i++) {
                        uint64_t args[6] = { ns_flags[i] | CLONE_VM | 17 };
                        expect(&p, arch, an, "clone", args, RET_EPERM);
                }
                /* What fork(), pthread_create() and posix_spawn() pass. */
                uint64_t thread[6] = { CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                                       CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID };
                uint64_t fork_flags[6] = { CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | 17 };
                expect(&p, arch, an, "clone", thread, SECCOMP_RET_ALLOW);
                expect(&p, arch, an, "clone", fork_flags, SECCOMP_RET_ALLOW);

                /* ioctl: the request is an unsigned int; garbage in the high
                 * word of a 64-bit register must not slip past. */
                uint64_t sti[6] = { 0, TIOCSTI };
                uint64_t sti_high[6] = { 0, 0xdead000000000000ull | TIOCSTI };
                uint64_t linux_req[6] = { 0, 0x541C };
                uint64_t winsz[6] = { 0, TIOCGWINSZ };
                expect(&p, arch, an, "ioctl", sti, RET_EPERM);
                expect(&p, arch, an, "ioctl", sti_high, RET_EPERM);
                expect(&p, arch, an, "ioctl", linux_req, RET_EPERM);
                expect(&p, arch, an, "ioctl", winsz, SECCOMP_RET_ALLOW);

                uint64_t vsock[6] = { 40 }, alg[6] = { 38 }, inet[6] = { 2 }, unix_[6] = { 1 },
                         vsock_high[6] = { 0x100000000ull | 40 };
                expect(&p, arch, an, "socket", vsock, RET_EPERM);
                expect(&p, arch, an, "socket", alg, RET_EPERM);
                expect(&p, arch, an, "socket", vsock_high, RET_EPERM);
                expect(&p, arch, an, "socket", inet, SECCOMP_RET_ALLOW);
                expect(&p, arch, an, "socket", unix_, SECCOMP_RET_ALLOW);

                static const uint64_t allowed_personality[] = { 0, 8, 0x20000, 0x20008, 0xffffffff };
                static const uint64_t denied_personality[] = {
                        0x0040000 /* ADDR_NO_RANDOMIZE */, 1, 9, 0x20001, 0xfffffffe, 0x7fffffff, 0x80000000, 0x400000
                };
                for (size_t i = 0; i < G_N_ELEMENTS(allowed_personality); i++) {
                        uint64_t args[6] = { allowed_personality[i] };
                        expect(&p, arch, an, "personality", args, SECCOMP_RET_ALLOW);
                }
                for (size_t i = 0; i < G_N_ELEMENTS(denied_personality); i++) {
                        uint64_t args[6] = { denied_personality[i] };
                        expect(&p, arch, an, "personality", args, RET_EPERM);
                }

                static const char *const keep[] = { "ptrace",  "process_vm_readv", "process_vm_writev",
                                                    "seccomp", "getpid",           "read",
                                                    "write",   "execve",           "prctl",
                                                    "wait4" };
                for (size_t i = 0; i < G_N_ELEMENTS(keep); i++)
                        expect(&p, arch, an, keep[i], NULL, SECCOMP_RET_ALLOW);
        }
        g_assert_cmpuint(denied_checked, >, 100);

        /* An ABI the filter does not know is killed, never allowed. */
        uint32_t ret;
        struct seccomp_data d = { .nr = 0, .arch = 0x12345678 };
        g_assert_cmpint(bpf_eval(p.prog, p.len, &d, &ret), ==, 0);
        g_assert_cmpuint(ret & SECCOMP_RET_ACTION_FULL, !=, SECCOMP_RET_ALLOW);
        free(p.prog);

        /* AllowNamespaces=yes: namespaces work on every ABI. */
        Program q = build(f, true);
        for (size_t a = 0; a < 1 + f->n_compat; a++) {
                uint64_t newuser[6] = { CLONE_NEWUSER | 17 };
                uint64_t unshare_args[6] = { CLONE_NEWUSER };
                expect(&q, all[a], "allow-namespaces", "clone", newuser, SECCOMP_RET_ALLOW);
                expect(&q, all[a], "allow-namespaces", "unshare", unshare_args, SECCOMP_RET_ALLOW);
                expect(&q, all[a], "allow-namespaces", "mount", NULL, RET_EPERM);
        }
        free(q.prog);
}

/* Syscalls newer than libseccomp: denied by the second, late program on
 * every ABI of the family; everything else passes it. */
static void test_late(gconstpointer data) {
        const Family *f = data;
        uint32_t all[3] = { f->native, f->compat[0], f->compat[1] };
        OvhSandboxOptions o = {};
        g_autoptr(GError) error = NULL;
        g_autofree struct sock_filter *late = NULL;
        size_t n_late = 0;
        unsigned checked = 0;

        g_assert_cmpint(ovh_sandbox_build_late(&o, all, 1 + f->n_compat, &late, &n_late, &error), ==, 0);
        g_assert_no_error(error);
        Program main_program = build(f, false);
        for (const OvhLateRule *l = ovh_sandbox_late_table(); l->name; l++) {
                /* Unified rows a newer libseccomp names (Debian 13's 2.6.0
                 * names lsm_*) must be in the main filter instead, on every
                 * ABI: the late program leaves them out. */
                if (l->arch == 0 && seccomp_syscall_resolve_name(l->name) != __NR_SCMP_ERROR) {
                        for (size_t a = 0; a < 1 + f->n_compat; a++) {
                                uint32_t audit, ret;
                                int nr = all[a] == SCMP_ARCH_X32 ? (0x40000000 | l->nr) : l->nr;
                                g_assert_cmpint(seccomp_expect_audit_arch(all[a], &audit), ==, 0);
                                g_assert_cmpint(seccomp_expect_action_nr(main_program.prog, main_program.len, audit, nr,
                                                                         NULL, &ret),
                                                ==, 0);
                                if (ret != RET_EPERM)
                                        g_error("%s (%d) on arch 0x%x: main filter answers 0x%x, not EPERM", l->name,
                                                nr, audit, ret);
                                checked++;
                        }
                        continue;
                }
                for (size_t a = 0; a < 1 + f->n_compat; a++) {
                        uint32_t audit, row_audit, ret;
                        int nr = all[a] == SCMP_ARCH_X32 ? (0x40000000 | l->nr) : l->nr;
                        g_assert_cmpint(seccomp_expect_audit_arch(all[a], &audit), ==, 0);
                        if (l->arch != 0) {
                                g_assert_cmpint(seccomp_expect_audit_arch(l->arch, &row_audit), ==, 0);
                                if (row_audit != audit)
                                        continue; /* checked below: other arches keep the number */
                                nr = l->nr;
                        }
                        g_assert_nonnull(late);
                        g_assert_cmpint(seccomp_expect_action_nr(late, n_late, audit, nr, NULL, &ret), ==, 0);
                        g_assert_cmpuint(ret, ==, RET_EPERM);
                        checked++;
                }
        }
        /* An arch-specific row must not leak onto the other arches: arch_prctl
         * is denied on i386 only; x86_64 and x32 need it for TLS. */
        if (f->native == SCMP_ARCH_X86_64) {
                expect(&(Program){ late, n_late }, SCMP_ARCH_X86_64, "late", "arch_prctl", NULL, SECCOMP_RET_ALLOW);
                expect(&(Program){ late, n_late }, SCMP_ARCH_X32, "late", "arch_prctl", NULL, SECCOMP_RET_ALLOW);
                expect(&(Program){ late, n_late }, SCMP_ARCH_X86, "late", "arch_prctl", NULL, RET_EPERM);
        } else {
                expect(&(Program){ late, n_late }, SCMP_ARCH_AARCH64, "late", "getpid", NULL, SECCOMP_RET_ALLOW);
                uint32_t audit, ret;
                g_assert_cmpint(seccomp_expect_audit_arch(SCMP_ARCH_AARCH64, &audit), ==, 0);
                g_assert_cmpint(seccomp_expect_action_nr(late, n_late, audit, 0xf0006, NULL, &ret), ==, 0);
                g_assert_cmpuint(ret, ==, SECCOMP_RET_ALLOW);
        }
        free(main_program.prog);
        g_assert_cmpuint(checked, >, 0);
        if (!late)
                return;
        static const char *const keep[] = { "getpid", "read", "ioctl", "clone", "ptrace" };
        for (size_t a = 0; a < 1 + f->n_compat; a++)
                for (size_t i = 0; i < G_N_ELEMENTS(keep); i++)
                        expect(&(Program){ late, n_late }, all[a], "late", keep[i], NULL, SECCOMP_RET_ALLOW);

        /* AllowSyscalls= takes them off the list like any other. */
        char *allow[] = { "open_tree_attr", "@mount", NULL };
        OvhSandboxOptions o2 = { .allow_syscalls = allow };
        g_autofree struct sock_filter *late2 = NULL;
        size_t n2 = 0;
        g_assert_cmpint(ovh_sandbox_build_late(&o2, all, 1 + f->n_compat, &late2, &n2, NULL), ==, 0);
        if (late2) {
                uint32_t audit, ret;
                g_assert_cmpint(seccomp_expect_audit_arch(f->native, &audit), ==, 0);
                g_assert_cmpint(seccomp_expect_action_nr(late2, n2, audit, 467, NULL, &ret), ==, 0);
                g_assert_cmpuint(ret, ==, SECCOMP_RET_ALLOW);
        }
}

/* Under tests/unit/with-libseccomp.sh: the filter must be built by the
 * libseccomp asked for (Debian 13's), not the build's. */
static void test_libseccomp_version(void) {
        const struct scmp_version *v = seccomp_version();
        g_autofree char *have = g_strdup_printf("%u.%u.%u", v->major, v->minor, v->micro);
        g_assert_cmpstr(have, ==, g_getenv("OVH_EXPECT_LIBSECCOMP"));
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        if (g_getenv("OVH_EXPECT_LIBSECCOMP"))
                g_test_add_func("/sandbox-abi/libseccomp-version", test_libseccomp_version);
        for (size_t i = 0; i < G_N_ELEMENTS(families); i++) {
                g_autofree char *path = g_strdup_printf("/sandbox-abi/%s", families[i].name);
                g_autofree char *late_path = g_strdup_printf("/sandbox-abi/late/%s", families[i].name);
                g_test_add_data_func(path, &families[i], test_family);
                g_test_add_data_func(late_path, &families[i], test_late);
        }
        return g_test_run();
}

/* SPDX-License-Identifier: MIT */
/* The seccomp policy, exported with seccomp_export_pfc() for every arch the
 * launcher covers (x86_64 + i386 + x32, aarch64 + arm), checked rule by rule. */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sysexits.h>
#include <unistd.h>

#include "ovh-error.h"
#include "sandbox.h"

typedef struct {
        uint32_t arch;
        const char *pfc_name; /* as seccomp_export_pfc prints it */
} ArchCase;

static const ArchCase arch_cases[] = {
        { SCMP_ARCH_X86_64, "x86_64" },   { SCMP_ARCH_X86, "x86" }, { SCMP_ARCH_X32, "x32" },
        { SCMP_ARCH_AARCH64, "aarch64" }, { SCMP_ARCH_ARM, "arm" },
};

static char *export_pfc(scmp_filter_ctx f) {
        int fd = memfd_create("pfc", MFD_CLOEXEC);
        g_assert_cmpint(fd, >=, 0);
        g_assert_cmpint(seccomp_export_pfc(f, fd), ==, 0);
        off_t size = lseek(fd, 0, SEEK_END);
        char *text = g_malloc0((gsize) size + 1);
        g_assert_cmpint(pread(fd, text, (size_t) size, 0), ==, size);
        close(fd);
        return text;
}

/* The part of the PFC text for one arch: from its "filter for arch" header
 * to the next one. */
static char *arch_section(const char *pfc, const char *name) {
        g_autofree char *header = g_strdup_printf("# filter for arch %s (", name);
        const char *start = strstr(pfc, header);
        g_assert_nonnull(start);
        const char *end = strstr(start + 1, "# filter for arch ");
        if (!end)
                end = strstr(start, "# invalid architecture action");
        g_assert_nonnull(end);
        return g_strndup(start, (gsize) (end - start));
}

/* The block of rules for `syscall` inside a section, or NULL. */
static char *syscall_block(const char *section, const char *syscall) {
        g_autofree char *header = g_strdup_printf("# filter for syscall \"%s\" (", syscall);
        const char *start = strstr(section, header);
        if (!start)
                return NULL;
        const char *end = strstr(start + 1, "# filter for syscall ");
        if (!end)
                end = strstr(start, "# default action");
        return g_strndup(start, (gsize) (end - start));
}

static bool exists_on(uint32_t arch, const char *syscall) {
        return seccomp_syscall_resolve_name_arch(arch, syscall) >= 0;
}

static char *build_pfc(const OvhSandboxOptions *o, const uint32_t *arches, size_t n) {
        g_auto(scmp_filter_ctx) f = NULL;
        g_autoptr(GError) error = NULL;
        g_assert_cmpint(ovh_sandbox_build(o, arches, n, &f, &error), ==, 0);
        g_assert_no_error(error);
        return export_pfc(f);
}

static void check_arch(const OvhSandboxOptions *o, const ArchCase *ac, bool namespaces_denied) {
        /* Build exactly the filter the launcher would on that machine. */
        uint32_t arches[3];
        size_t n = 0;
        if (ac->arch == SCMP_ARCH_X86_64 || ac->arch == SCMP_ARCH_X86 || ac->arch == SCMP_ARCH_X32) {
                arches[n++] = SCMP_ARCH_X86_64;
                arches[n++] = SCMP_ARCH_X86;
                arches[n++] = SCMP_ARCH_X32;
        } else {
                arches[n++] = SCMP_ARCH_AARCH64;
                arches[n++] = SCMP_ARCH_ARM;
        }
        g_autofree char *pfc = build_pfc(o, arches, n);
        g_autofree char *section = arch_section(pfc, ac->pfc_name);
        unsigned checked = 0;

        g_assert_nonnull(strstr(section, "action ALLOW;")); /* default allow */

        for (const OvhDenyRule *row = ovh_sandbox_deny_table(); row->name; row++) {
                if (!exists_on(ac->arch, row->name))
                        continue;
                g_autofree char *block = syscall_block(section, row->name);
                bool is_ns = row->group && g_str_equal(row->group, "@namespaces");
                if (is_ns && !namespaces_denied) {
                        g_assert_null(block);
                        continue;
                }
                if (!block)
                        g_error("%s: %s is not denied", ac->pfc_name, row->name);
                g_assert_nonnull(strstr(block, "action ERRNO(1);"));
                checked++;
        }
        g_assert_cmpuint(checked, >, 40);

        if (exists_on(ac->arch, "clone3")) {
                g_autofree char *b = syscall_block(section, "clone3");
                g_assert_nonnull(b);
                g_assert_nonnull(strstr(b, "action ERRNO(38);")); /* ENOSYS */
        }

        g_autofree char *clone = syscall_block(section, "clone");
        if (namespaces_denied) {
                g_assert_nonnull(clone);
                /* One masked test per CLONE_NEW* flag. */
                static const unsigned flags[] = {
                        0x20000, 0x2000000, 0x4000000, 0x8000000, 0x10000000, 0x20000000, 0x40000000,
                };
                for (size_t i = 0; i < G_N_ELEMENTS(flags); i++) {
                        g_autofree char *test = g_strdup_printf("& 0x%08x == %u)", flags[i], flags[i]);
                        if (!strstr(clone, test))
                                g_error("%s: clone lacks flag test %s:\n%s", ac->pfc_name, test, clone);
                }
        } else {
                g_assert_null(clone);
        }

        /* ioctl(TIOCSTI=0x5412, TIOCLINUX=0x541c) and socket(AF_ALG=38,
         * AF_VSOCK=40): compared on the low 32 bits only. */
        g_autofree char *ioctl_block = syscall_block(section, "ioctl");
        g_assert_nonnull(ioctl_block);
        g_assert_nonnull(strstr(ioctl_block, "== 21522)"));
        g_assert_nonnull(strstr(ioctl_block, "== 21532)"));
        g_assert_null(strstr(ioctl_block, "$a1.hi32 == 0"));
        if (exists_on(ac->arch, "socket")) {
                g_autofree char *sock = syscall_block(section, "socket");
                g_assert_nonnull(sock);
                g_assert_nonnull(strstr(sock, "== 38)"));
                g_assert_nonnull(strstr(sock, "== 40)"));
        }
        g_autofree char *pers = syscall_block(section, "personality");
        g_assert_nonnull(pers);
        /* 29 + 31 masked rules: the complement of Docker's five values. */
        g_auto(GStrv) pers_rules = g_strsplit(pers, "action ERRNO(1);", -1);
        g_assert_cmpuint(g_strv_length(pers_rules), ==, 61);

        /* Kept usable on purpose: debuggers and the IDE's own sandboxing. */
        static const char *const allowed[] = { "ptrace", "process_vm_readv", "process_vm_writev", "seccomp",
                                               "prctl",  "name_to_handle_at" };
        for (size_t i = 0; i < G_N_ELEMENTS(allowed); i++) {
                g_autofree char *b = syscall_block(section, allowed[i]);
                g_assert_null(b);
        }
}

static void test_default_policy(gconstpointer data) {
        const ArchCase *ac = data;
        OvhSandboxOptions o = {};
        check_arch(&o, ac, true);
}

static void test_allow_namespaces(gconstpointer data) {
        const ArchCase *ac = data;
        OvhSandboxOptions o = { .allow_namespaces = true };
        check_arch(&o, ac, false);
}

static void test_allow_and_deny_lists(void) {
        uint32_t arches[4];
        size_t n = ovh_sandbox_arches(arches);
        char *allow[] = { "@clock", "bpf", NULL };
        char *deny[] = { "ptrace", "@namespaces", NULL };
        OvhSandboxOptions o = { .allow_namespaces = true, .allow_syscalls = allow, .deny_syscalls = deny };
        g_autofree char *pfc = build_pfc(&o, arches, n);
        g_autofree char *native = arch_section(pfc, seccomp_arch_native() == SCMP_ARCH_X86_64 ? "x86_64" : "aarch64");

        g_autofree char *bpf = syscall_block(native, "bpf");
        g_autofree char *settime = syscall_block(native, "clock_settime");
        g_autofree char *ptrace_block = syscall_block(native, "ptrace");
        g_autofree char *unshare = syscall_block(native, "unshare");
        g_autofree char *mount_block = syscall_block(native, "mount");
        g_assert_null(bpf);
        g_assert_null(settime);
        g_assert_nonnull(ptrace_block);
        g_assert_nonnull(unshare); /* DenySyscalls= wins over AllowNamespaces= */
        g_assert_nonnull(mount_block);
}

static void test_unknown_names(void) {
        char *bad_allow[] = { "mountt", NULL };
        char *bad_deny[] = { "@nonsense", NULL };
        uint32_t arches[4];
        size_t n = ovh_sandbox_arches(arches);

        OvhSandboxOptions o1 = { .allow_syscalls = bad_allow };
        g_auto(scmp_filter_ctx) f1 = NULL;
        g_autoptr(GError) e1 = NULL;
        g_assert_cmpint(ovh_sandbox_build(&o1, arches, n, &f1, &e1), <, 0);
        g_assert_error(e1, OVH_ERROR, EX_CONFIG);
        g_assert_nonnull(strstr(e1->message, "AllowSyscalls=: mountt"));

        OvhSandboxOptions o2 = { .deny_syscalls = bad_deny };
        g_auto(scmp_filter_ctx) f2 = NULL;
        g_autoptr(GError) e2 = NULL;
        g_assert_cmpint(ovh_sandbox_build(&o2, arches, n, &f2, &e2), <, 0);
        g_assert_error(e2, OVH_ERROR, EX_CONFIG);
        g_assert_nonnull(strstr(e2->message, "DenySyscalls=: @nonsense"));
}

static void test_native_arches(void) {
        uint32_t arches[4];
        size_t n = ovh_sandbox_arches(arches);
        g_assert_cmpuint(arches[0], ==, seccomp_arch_native());
        if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
                g_assert_cmpuint(n, ==, 3);
                g_assert_cmpuint(arches[1], ==, SCMP_ARCH_X86);
                g_assert_cmpuint(arches[2], ==, SCMP_ARCH_X32);
        } else if (seccomp_arch_native() == SCMP_ARCH_AARCH64) {
                g_assert_cmpuint(n, ==, 2);
                g_assert_cmpuint(arches[1], ==, SCMP_ARCH_ARM);
        }
}

/* The tables are the policy's documentation: a row without its reason is
 * a rule nobody can review. */
static void test_every_rule_says_why(void) {
        unsigned rows = 0;
        for (const OvhDenyRule *r = ovh_sandbox_deny_table(); r->name; r++, rows++)
                if (!r->why || strlen(r->why) < 8)
                        g_error("deny_table row %s has no rationale", r->name);
        for (const OvhLateRule *l = ovh_sandbox_late_table(); l->name; l++, rows++)
                if (!l->why || strlen(l->why) < 8)
                        g_error("late_table row %s has no rationale", l->name);
        g_assert_cmpuint(rows, >, 100);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        for (size_t i = 0; i < G_N_ELEMENTS(arch_cases); i++) {
                g_autofree char *p1 = g_strdup_printf("/sandbox/default/%s", arch_cases[i].pfc_name);
                g_autofree char *p2 = g_strdup_printf("/sandbox/allow-namespaces/%s", arch_cases[i].pfc_name);
                g_test_add_data_func(p1, &arch_cases[i], test_default_policy);
                g_test_add_data_func(p2, &arch_cases[i], test_allow_namespaces);
        }
        g_test_add_func("/sandbox/allow-and-deny-lists", test_allow_and_deny_lists);
        g_test_add_func("/sandbox/every-rule-says-why", test_every_rule_says_why);
        g_test_add_func("/sandbox/unknown-names", test_unknown_names);
        g_test_add_func("/sandbox/native-arches", test_native_arches);
        return g_test_run();
}

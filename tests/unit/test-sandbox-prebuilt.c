/* SPDX-License-Identifier: MIT */
/* The seccomp program compiled at build time must be exactly the one the
 * launcher would compile at start for default options; any [Sandbox]
 * option makes the launcher compile its own. */
#include <glib.h>
#include <string.h>

#include "prebuilt-filter.h"

static void compile(const OvhSandboxOptions *o, OvhSandboxProgram *p) {
        g_autoptr(GError) error = NULL;
        g_assert_cmpint(ovh_sandbox_program(o, NULL, p, &error), ==, 0);
        g_assert_no_error(error);
        g_assert_false(p->prebuilt);
}

static void test_same_as_runtime(void) {
        OvhSandboxOptions defaults = {};
        OvhSandboxProgram now = {}, used = {};

        if (!ovh_prebuilt_filter.main) {
                g_test_skip("cross build: no prebuilt program");
                return;
        }
        compile(&defaults, &now);
        g_assert_cmpuint(ovh_prebuilt_filter.n_main, ==, now.n_main);
        g_assert_cmpmem(ovh_prebuilt_filter.main, ovh_prebuilt_filter.n_main * sizeof(struct sock_filter), now.main,
                        now.n_main * sizeof(struct sock_filter));
        g_assert_cmpuint(ovh_prebuilt_filter.n_late, ==, now.n_late);
        if (now.late)
                g_assert_cmpmem(ovh_prebuilt_filter.late, ovh_prebuilt_filter.n_late * sizeof(struct sock_filter),
                                now.late, now.n_late * sizeof(struct sock_filter));

        /* With default options the launcher takes the prebuilt one. */
        g_assert_cmpint(ovh_sandbox_program(&defaults, &ovh_prebuilt_filter, &used, NULL), ==, 0);
        g_assert_true(used.prebuilt);
        g_assert_cmpmem(used.main, used.n_main * sizeof(struct sock_filter), now.main,
                        now.n_main * sizeof(struct sock_filter));
        ovh_sandbox_program_clear(&now);
        ovh_sandbox_program_clear(&used);
}

static void test_options_compile_at_start(void) {
        char *allow[] = { "@clock", NULL };
        char *deny[] = { "ptrace", NULL };
        char *empty[] = { NULL };
        const OvhSandboxOptions cases[] = {
                { .allow_namespaces = true },
                { .allow_syscalls = allow },
                { .deny_syscalls = deny },
        };
        OvhSandboxOptions empty_lists = { .allow_syscalls = empty, .deny_syscalls = empty };

        g_assert_true(ovh_sandbox_options_are_default(&empty_lists));
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                OvhSandboxProgram p = {};
                g_assert_false(ovh_sandbox_options_are_default(&cases[i]));
                g_assert_cmpint(ovh_sandbox_program(&cases[i], &ovh_prebuilt_filter, &p, NULL), ==, 0);
                g_assert_false(p.prebuilt);
                if (ovh_prebuilt_filter.main)
                        g_assert_true(p.n_main != ovh_prebuilt_filter.n_main ||
                                      memcmp(p.main, ovh_prebuilt_filter.main, p.n_main * sizeof(struct sock_filter)) !=
                                              0);
                ovh_sandbox_program_clear(&p);
        }
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/sandbox-prebuilt/same-as-runtime", test_same_as_runtime);
        g_test_add_func("/sandbox-prebuilt/options-compile-at-start", test_options_compile_at_start);
        return g_test_run();
}

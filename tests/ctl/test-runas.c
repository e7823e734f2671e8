/* SPDX-License-Identifier: MIT */
/* ovh_run_as_account(): the child the extension verbs and Extensions= use
 * has the account's identity, no capabilities, no_new_privs, the seccomp
 * filter and the umask; a timeout kills it; a setup failure is an error.
 * As root the account is nobody; as anyone else, the caller. */
#include <glib.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "ovh-error.h"
#include "runas.h"

static OvhAccount account;
static OvhSandboxProgram filter;
static char *envp[] = { (char *) "PATH=/usr/bin:/bin", NULL };

static int run(char **argv, int timeout, int *status, char **err, GError **error) {
        OvhRunAs r = {
                .account = &account,
                .umask = 0027,
                .filter = &filter,
                .argv = argv,
                .envp = envp,
                .cwd = "/",
                .timeout_sec = timeout,
                .capture_stderr = err != NULL,
        };
        return ovh_run_as_account(&r, status, err, error);
}

static void test_sandboxed(void) {
        g_autoptr(GError) error = NULL;
        g_autofree char *err = NULL;
        int status = -1;
        char *argv[] = { (char *) "/bin/sh", (char *) "-c",
                         (char *) "id -u >&2; umask >&2; grep -E '^(CapEff|CapPrm|CapBnd|NoNewPrivs|Seccomp):' "
                                  "/proc/self/status >&2; pwd >&2",
                         NULL };

        g_assert_cmpint(run(argv, 30, &status, &err, &error), ==, 0);
        g_assert_no_error(error);
        g_assert_cmpint(status, ==, 0);
        g_autofree char *head = g_strdup_printf("%u\n0027\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n",
                                                (unsigned) account.uid);
        g_assert_true(g_str_has_prefix(err, head));
        g_assert_nonnull(strstr(err, "\nNoNewPrivs:\t1\nSeccomp:\t2\n/\n"));
        /* Only root can empty the bounding set. */
        if (getuid() == 0)
                g_assert_nonnull(strstr(err, "\nCapBnd:\t0000000000000000\n"));
}

static void test_exit_status(void) {
        g_autoptr(GError) error = NULL;
        int status = -1;
        char *argv[] = { (char *) "/bin/sh", (char *) "-c", (char *) "exit 3", NULL };
        g_assert_cmpint(run(argv, 30, &status, NULL, &error), ==, 0);
        g_assert_cmpint(status, ==, 3);
}

static void test_filter_applies(void) {
        g_autoptr(GError) error = NULL;
        g_autofree char *err = NULL;
        int status = -1;
        /* unshare(2) is denied by the filter with EPERM. */
        char *argv[] = { (char *) "/usr/bin/unshare", (char *) "--user", (char *) "true", NULL };
        if (access(argv[0], X_OK) < 0) {
                g_test_skip("no unshare(1)");
                return;
        }
        g_assert_cmpint(run(argv, 30, &status, &err, &error), ==, 0);
        g_assert_cmpint(status, !=, 0);
        g_assert_nonnull(strstr(err, "Operation not permitted"));
}

static void test_timeout(void) {
        g_autoptr(GError) error = NULL;
        int status = -1;
        char *argv[] = { (char *) "/bin/sleep", (char *) "30", NULL };
        gint64 start = g_get_monotonic_time();
        g_assert_cmpint(run(argv, 1, &status, NULL, &error), <, 0);
        g_assert_error(error, OVH_ERROR, EX_TEMPFAIL);
        g_assert_cmpint(g_get_monotonic_time() - start, <, 10 * G_USEC_PER_SEC);
}

static void test_exec_failure(void) {
        g_autoptr(GError) error = NULL;
        int status = -1;
        char *argv[] = { (char *) "/nonexistent/node", NULL };
        g_assert_cmpint(run(argv, 30, &status, NULL, &error), <, 0);
        g_assert_error(error, OVH_ERROR, OVH_EXIT_EXEC_NOT_FOUND);
        g_assert_nonnull(strstr(error->message, "cannot execute /nonexistent/node"));
}

/* stdout collected apart from stderr, both whole, control characters
 * included (escaping is the printer's business). */
static void test_stdout_collected(void) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GString) out = g_string_new(NULL);
        g_autofree char *err = NULL;
        int status = -1;
        char *argv[] = { (char *) "/bin/sh", (char *) "-c",
                         (char *) "printf 'one\\033]0;t\\007\\n'; echo two >&2; head -c 100000 /dev/zero", NULL };
        OvhRunAs r = {
                .account = &account,
                .umask = 0027,
                .filter = &filter,
                .argv = argv,
                .envp = envp,
                .cwd = "/",
                .timeout_sec = 30,
                .capture_stderr = true,
                .stdout_into = out,
        };
        g_assert_cmpint(ovh_run_as_account(&r, &status, &err, &error), ==, 0);
        g_assert_no_error(error);
        g_assert_cmpint(status, ==, 0);
        g_assert_cmpstr(err, ==, "two\n");
        g_assert_cmpuint(out->len, ==, 10 + 100000);
        g_assert_cmpmem(out->str, 10, "one\033]0;t\007\n", 10);
}

int main(int argc, char *argv[]) {
        g_autoptr(GError) error = NULL;
        OvhSandboxOptions defaults = {};

        g_test_init(&argc, &argv, NULL);
        struct passwd *pw = getuid() == 0 ? getpwnam("nobody") : getpwuid(getuid());
        g_assert_nonnull(pw);
        account = (OvhAccount){
                .name = g_strdup(pw->pw_name), .uid = pw->pw_uid, .gid = pw->pw_gid, .home = g_strdup("/")
        };
        account.groups = g_new(gid_t, 1);
        account.groups[0] = pw->pw_gid;
        account.n_groups = 1;
        g_assert_cmpint(ovh_sandbox_program(&defaults, NULL, &filter, &error), ==, 0);

        g_test_add_func("/runas/sandboxed", test_sandboxed);
        g_test_add_func("/runas/exit-status", test_exit_status);
        g_test_add_func("/runas/filter", test_filter_applies);
        g_test_add_func("/runas/timeout", test_timeout);
        g_test_add_func("/runas/exec-failure", test_exec_failure);
        g_test_add_func("/runas/stdout-collected", test_stdout_collected);
        int r = g_test_run();
        ovh_sandbox_program_clear(&filter);
        g_free(account.name);
        g_free(account.home);
        g_free(account.groups);
        return r;
}

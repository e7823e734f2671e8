/* SPDX-License-Identifier: MIT */
/* "Act as the account" (OvhActingAs) as root: while it acts, the kernel
 * checks files with the account's uid, gid and supplementary groups, and
 * root's identity is whole again when the scope ends. Root's own group 0
 * must not come along: a file readable by group root (sudoers is 0440
 * root:root) would otherwise open while acting as anyone. */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "privileges.h"

#define OTHER_UID 61921 /* not in passwd on purpose: setfsuid() needs none */
#define OTHER_GID 61921

static char *scratch;

static char *put(const char *name, mode_t mode, uid_t uid, gid_t gid) {
        char *path = g_build_filename(scratch, name, NULL);
        g_assert_true(g_file_set_contents(path, "secret\n", -1, NULL));
        g_assert_cmpint(chown(path, uid, gid), ==, 0);
        g_assert_cmpint(chmod(path, mode), ==, 0);
        return path;
}

static int try_open(const char *path) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        close(fd);
        return 0;
}

static void test_group_root_file(void) {
        g_autofree char *root_group = put("group-root", 0640, 0, 0);
        g_autofree char *theirs = put("theirs", 0600, OTHER_UID, OTHER_GID);
        g_autoptr(GError) error = NULL;

        g_assert_cmpint(try_open(root_group), ==, 0);
        {
                g_auto(OvhActingAs) as_other = OVH_ACTING_AS_INIT;
                g_assert_cmpint(ovh_acting_as_begin_ids(&as_other, OTHER_UID, OTHER_GID, &error), ==, 0);
                g_assert_no_error(error);
                g_assert_cmpint(try_open(root_group), ==, -EACCES);
                g_assert_cmpint(try_open(theirs), ==, 0);
        }
        /* The scope is over: root again, with its own groups. */
        g_assert_cmpint(try_open(root_group), ==, 0);
        gid_t groups[64];
        int n = getgroups(64, groups);
        g_assert_cmpint(n, >=, 0);
        for (int i = 0; i < n; i++)
                g_assert_cmpuint(groups[i], !=, OTHER_GID);
}

static void test_account(void) {
        gid_t account_groups[] = { OTHER_GID, 61922 };
        OvhAccount account = {
                .name = (char *) "other",
                .uid = OTHER_UID,
                .gid = OTHER_GID,
                .groups = account_groups,
                .n_groups = 2,
        };
        g_autofree char *root_group = put("group-root-2", 0640, 0, 0);
        g_autofree char *second = put("second-group", 0640, 0, 61922);
        g_autoptr(GError) error = NULL;

        g_auto(OvhActingAs) as_account = OVH_ACTING_AS_INIT;
        g_assert_cmpint(ovh_acting_as_begin(&as_account, &account, &error), ==, 0);
        g_assert_cmpint(try_open(root_group), ==, -EACCES);
        g_assert_cmpint(try_open(second), ==, 0); /* the account's supplementary group */
        ovh_acting_as_end(&as_account);
        g_assert_cmpint(try_open(root_group), ==, 0);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        if (geteuid() != 0) {
                if (g_strcmp0(g_getenv("CI"), "true") == 0) {
                        printf("1..1\nnot ok 1 - test-acting-as cannot run: not root (CI=true: this machine must "
                               "run it)\n");
                        return 1;
                }
                printf("1..0 # SKIP not root: acting as another uid needs root\n");
                return 77;
        }
        /* Root as a login gives it: group 0 among its supplementary groups
         * (a bare test runner may have none). */
        gid_t root_group = 0;
        g_assert_cmpint(setgroups(1, &root_group), ==, 0);
        scratch = g_dir_make_tmp("ovh-acting-as-XXXXXX", NULL);
        g_assert_nonnull(scratch);
        g_assert_cmpint(chmod(scratch, 0755), ==, 0);
        g_test_add_func("/acting-as/group-root-file", test_group_root_file);
        g_test_add_func("/acting-as/account-groups", test_account);
        int r = g_test_run();
        g_autofree char *command = g_strdup_printf("rm -rf '%s'", scratch);
        (void) !system(command);
        g_free(scratch);
        return r;
}

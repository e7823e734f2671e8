/* SPDX-License-Identifier: MIT */
/* ovh_file_replace: atomic and durable, the mode exactly as given whatever
 * the umask, nothing written when nothing changed, nothing left behind. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "ovh-error.h"

static char *make_dir(void) {
        g_autoptr(GError) error = NULL;
        char *dir = g_dir_make_tmp("ovh-fileio-XXXXXX", &error);
        g_assert_no_error(error);
        return dir;
}

static guint count_entries(const char *dir) {
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        guint n = 0;
        while (g_dir_read_name(d))
                n++;
        return n;
}

static void assert_file(const char *path, const char *content, mode_t mode) {
        g_autofree char *data = NULL;
        struct stat st;

        g_assert_cmpint(lstat(path, &st), ==, 0);
        g_assert_cmpuint(st.st_mode & 07777, ==, mode);
        g_assert_true(g_file_get_contents(path, &data, NULL, NULL));
        g_assert_cmpstr(data, ==, content);
}

static void test_replace(void) {
        g_autofree char *dir = make_dir();
        g_autofree char *path = g_build_filename(dir, "50-test.conf", NULL);
        g_autoptr(GError) error = NULL;
        mode_t old_umask = umask(077);

        g_assert_cmpint(ovh_file_replace(path, "[Account]\nUser=a\n", 0644, &error), ==, 1);
        g_assert_no_error(error);
        assert_file(path, "[Account]\nUser=a\n", 0644);
        /* The same content and mode: nothing written. */
        g_assert_cmpint(ovh_file_replace(path, "[Account]\nUser=a\n", 0644, &error), ==, 0);
        g_assert_cmpint(ovh_file_replace(path, "[Account]\nUser=a\n", 0600, &error), ==, 1);
        assert_file(path, "[Account]\nUser=a\n", 0600);
        g_assert_cmpint(ovh_file_replace(path, "[Account]\nUser=b\n", 0600, &error), ==, 1);
        assert_file(path, "[Account]\nUser=b\n", 0600);
        g_assert_no_error(error);
        /* No temporary file left behind. */
        g_assert_cmpuint(count_entries(dir), ==, 1);
        umask(old_umask);

        g_assert_cmpint(g_unlink(path), ==, 0);
        g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static void test_missing_dir(void) {
        g_autofree char *dir = make_dir();
        g_autofree char *path = g_build_filename(dir, "missing", "x.conf", NULL);
        g_autoptr(GError) error = NULL;

        g_assert_cmpint(ovh_file_replace(path, "x\n", 0644, &error), ==, -ENOENT);
        g_assert_error(error, OVH_ERROR, EX_CANTCREAT);
        g_assert_true(g_str_has_prefix(error->message, "cannot create a file in "));
        g_assert_cmpint(g_rmdir(dir), ==, 0);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/fileio/replace", test_replace);
        g_test_add_func("/fileio/missing-dir", test_missing_dir);
        return g_test_run();
}

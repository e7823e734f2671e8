/* SPDX-License-Identifier: MIT */
/* install-extension FILE.vsix opens the file once (issue 13, finding 8):
 * the zip is checked on that fd and copied from it, so replacing the path
 * after the check (here: a non-zip renamed over it, as a swap by the
 * path's owner would) does not change what is copied for the account.
 * Also: a symbolic link and a FIFO are refused without blocking, and the
 * errors test-cli.sh asserts stay. Runs as any user (the "account" is the
 * caller). */
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "cleanup.h"
#include "ovh-error.h"
#include "vsix.h"

static char *scratch;

/* The smallest complete zip: a local header, then an empty end record. */
static const char zip[] = "PK\003\004 the original extension "
                          "PK\005\006\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
#define ZIP_SIZE (sizeof(zip) - 1)

static char *write_file(const char *name, const char *content, gsize size) {
        char *path = g_build_filename(scratch, name, NULL);
        g_assert_true(g_file_set_contents(path, content, (gssize) size, NULL));
        return path;
}

static void test_swap_after_check(void) {
        g_autofree char *path = write_file("ext.vsix", zip, ZIP_SIZE);
        g_autofree char *other = write_file("secret", "not a zip: someone else's file\n", 31);
        g_autofree char *dir = g_build_filename(scratch, "copies", NULL);
        g_assert_cmpint(g_mkdir(dir, 0700), ==, 0);
        OvhAccount account = { .name = (char *) "me", .uid = getuid(), .gid = getgid(), .home = scratch };
        g_autoptr(GError) error = NULL;
        g_autofree char *copy = NULL;

        _cleanup_close_ int fd = ctl_vsix_open(path, &error);
        g_assert_no_error(error);
        g_assert_cmpint(fd, >=, 0);
        /* The swap, between the check and the copy. */
        g_assert_cmpint(rename(other, path), ==, 0);
        g_assert_cmpint(ctl_vsix_copy_for_account(&account, dir, fd, path, &copy, &error), ==, 0);
        g_assert_no_error(error);
        g_autofree char *expected = g_build_filename(dir, "ext.vsix", NULL);
        g_assert_cmpstr(copy, ==, expected);
        g_autofree char *content = NULL;
        gsize size = 0;
        g_assert_true(g_file_get_contents(copy, &content, &size, NULL));
        g_assert_cmpmem(content, size, zip, ZIP_SIZE);
        struct stat st;
        g_assert_cmpint(stat(copy, &st), ==, 0);
        g_assert_cmpuint(st.st_mode & 07777, ==, 0600);
}

static void open_fails(const char *path, int code, const char *message_start) {
        g_autoptr(GError) error = NULL;
        g_assert_cmpint(ctl_vsix_open(path, &error), <, 0);
        g_assert_error(error, OVH_ERROR, code);
        g_autofree char *want = g_strdup_printf("%s%s", path, message_start);
        if (!g_str_has_prefix(error->message, want))
                g_error("%s does not start with %s", error->message, want);
}

static void test_refused(void) {
        g_autofree char *good = write_file("good.vsix", zip, ZIP_SIZE);
        g_autofree char *link = g_build_filename(scratch, "link.vsix", NULL);
        g_assert_cmpint(symlink(good, link), ==, 0);
        open_fails(link, EX_DATAERR, " is a symbolic link; give the path of the .vsix file itself");

        g_autofree char *fifo = g_build_filename(scratch, "fifo.vsix", NULL);
        g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
        open_fails(fifo, EX_DATAERR, " is not a regular file; give the path of a .vsix file");

        g_autofree char *text = write_file("text.vsix", "not a zip\n", 10);
        open_fails(text, EX_DATAERR, " is not a .vsix: not a (complete) zip archive; download the extension again");
        g_autofree char *missing = g_build_filename(scratch, "missing.vsix", NULL);
        open_fails(missing, EX_NOINPUT, ": cannot open it (");
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        scratch = g_dir_make_tmp("ovh-vsix-XXXXXX", NULL);
        g_test_add_func("/vsix/swap-after-check", test_swap_after_check);
        g_test_add_func("/vsix/refused", test_refused);
        int r = g_test_run();
        g_autofree char *command = g_strdup_printf("rm -rf '%s'", scratch);
        (void) !system(command);
        g_free(scratch);
        return r;
}

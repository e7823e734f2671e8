/* SPDX-License-Identifier: MIT */
/* The sign-in password (src/core/password.c): the $7$ format and its
 * bounds, shared with src/signin.js; hashing; the password file's reading
 * and writing; the runtime sign-in file's text; [Auth] CookieLifetime= and
 * PASSWORD_HASH in the configuration. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"
#include "ovh-error.h"
#include "password.h"

/* libxcrypt's hash of "hunter2" (N=2^14, r=32, p=1), also in
 * tests/unit/test-signin.js: node verifies the same string. */
#define HUNTER2 "$7$CU..../....p6FaA6ZS1TtGRzMrv9J8h/$OPsp856AUyFlPHir8ZeKsuxF6Pbb02DBUExMkHk647A"

static void hash_refused(const char *hash) {
        g_autoptr(GError) error = NULL;
        int r = ovh_password_check_hash(hash, "PASSWORD_HASH", &error);
        g_assert_cmpint(r, <, 0);
        g_assert_error(error, OVH_ERROR, EX_DATAERR);
        g_assert_true(g_str_has_prefix(error->message, "PASSWORD_HASH: "));
        g_assert_nonnull(strstr(error->message, "; "));
        g_assert_null(strchr(error->message, '\n'));
        /* The hash is a secret too: never quoted. */
        if (hash && strlen(hash) > 8)
                g_assert_null(strstr(error->message, hash));
}

static void test_format(void) {
        g_autoptr(GError) error = NULL;
        g_assert_cmpint(ovh_password_check_hash(HUNTER2, "x", &error), ==, 0);
        g_assert_no_error(error);
        g_assert_true(ovh_password_matches("hunter2", HUNTER2));
        g_assert_false(ovh_password_matches("hunter3", HUNTER2));
        g_assert_false(ovh_password_matches("", HUNTER2));

        hash_refused(NULL);
        hash_refused("");
        hash_refused("$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7");
        hash_refused("$6$salt$hash");
        hash_refused("$7$CU..../....p6FaA6ZS1TtGRzMrv9J8h/"); /* a setting, no key */
        hash_refused(HUNTER2 "A");
        /* N=2^2 and N=2^23: below and above the bounds. */
        hash_refused("$7$0U..../....p6FaA6ZS1TtGRzMrv9J8h/$OPsp856AUyFlPHir8ZeKsuxF6Pbb02DBUExMkHk647A");
        hash_refused("$7$LU..../....p6FaA6ZS1TtGRzMrv9J8h/$OPsp856AUyFlPHir8ZeKsuxF6Pbb02DBUExMkHk647A");
        /* N=2^20 with r=32: 4 GiB for one check. */
        hash_refused("$7$IU..../....p6FaA6ZS1TtGRzMrv9J8h/$OPsp856AUyFlPHir8ZeKsuxF6Pbb02DBUExMkHk647A");
        /* r=0; p=17. */
        hash_refused("$7$C...../....p6FaA6ZS1TtGRzMrv9J8h/$OPsp856AUyFlPHir8ZeKsuxF6Pbb02DBUExMkHk647A");
        hash_refused("$7$CU....D/...p6FaA6ZS1TtGRzMrv9J8h/$OPsp856AUyFlPHir8ZeKsuxF6Pbb02DBUExMkHk647A");
        /* A salt with ':' or a blank; none. */
        hash_refused("$7$CU..../....p6Fa:6ZS1TtGRzMrv9J8h/$OPsp856AUyFlPHir8ZeKsuxF6Pbb02DBUExMkHk647A");
        hash_refused("$7$CU..../....p6Fa 6ZS1TtGRzMrv9J8h/$OPsp856AUyFlPHir8ZeKsuxF6Pbb02DBUExMkHk647A");
        hash_refused("$7$CU..../....$OPsp856AUyFlPHir8ZeKsuxF6Pbb02DBUExMkHk647A");
}

static void test_hash(void) {
        g_autoptr(GError) error = NULL;
        g_autofree char *hash = NULL;

        g_assert_cmpint(ovh_password_hash("correct horse", &hash, &error), ==, 0);
        g_assert_true(g_str_has_prefix(hash, "$7$CU..../....")); /* N=2^14, r=32, p=1 */
        g_assert_cmpint(ovh_password_check_hash(hash, "x", NULL), ==, 0);
        g_assert_true(ovh_password_matches("correct horse", hash));
        g_assert_false(ovh_password_matches("correct horsf", hash));

        g_autofree char *other = NULL;
        g_assert_cmpint(ovh_password_hash("correct horse", &other, NULL), ==, 0);
        g_assert_cmpstr(hash, !=, other); /* salted */

        const char *bad[] = { "", "two\nlines", "cr\r" };
        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_autoptr(GError) e = NULL;
                g_autofree char *h = NULL;
                g_assert_cmpint(ovh_password_hash(bad[i], &h, &e), <, 0);
                g_assert_error(e, OVH_ERROR, EX_DATAERR);
                g_assert_null(h);
        }
        g_autofree char *long_password = g_strnfill(OVH_PASSWORD_MAX_LENGTH + 1, 'a');
        g_autofree char *h = NULL;
        g_assert_cmpint(ovh_password_hash(long_password, &h, NULL), <, 0);
}

static void test_file(void) {
        g_autofree char *dir = g_dir_make_tmp("ovh-password-XXXXXX", NULL);
        g_autofree char *file = g_build_filename(dir, "account", NULL);
        g_autofree char *hash = NULL;
        g_autoptr(GError) error = NULL;

        g_assert_cmpint(ovh_password_read(file, &hash, &error), ==, 0); /* none */
        g_assert_null(hash);

        g_assert_true(g_file_set_contents(file, HUNTER2 "\n", -1, NULL));
        g_assert_cmpint(chmod(file, 0400), ==, 0);
        g_assert_cmpint(ovh_password_read(file, &hash, &error), ==, 1);
        g_assert_no_error(error);
        g_assert_cmpstr(hash, ==, HUNTER2);
        g_clear_pointer(&hash, g_free);

        g_assert_cmpint(chmod(file, 0440), ==, 0);
        g_assert_cmpint(ovh_password_read(file, &hash, &error), <, 0);
        g_assert_error(error, OVH_ERROR, EX_NOPERM);
        g_assert_nonnull(strstr(error->message, "chmod 0400"));
        g_clear_error(&error);

        g_assert_cmpint(chmod(file, 0600), ==, 0);
        g_assert_true(g_file_set_contents(file, "$6$x$y\n", -1, NULL));
        g_assert_cmpint(chmod(file, 0400), ==, 0);
        g_assert_cmpint(ovh_password_read(file, &hash, &error), <, 0);
        g_assert_error(error, OVH_ERROR, EX_DATAERR);
        g_assert_true(g_str_has_prefix(error->message, file));
        g_clear_error(&error);

        g_autofree char *link = g_build_filename(dir, "link", NULL);
        g_assert_cmpint(symlink(file, link), ==, 0);
        g_assert_cmpint(ovh_password_read(link, &hash, &error), <, 0);
        g_assert_nonnull(strstr(error->message, "symbolic link"));
        g_clear_error(&error);

        g_assert_cmpint(ovh_password_remove(file, NULL), ==, 0);
        g_assert_cmpint(ovh_password_remove(file, NULL), ==, 1);
        g_assert_cmpint(unlink(link), ==, 0);
        g_assert_cmpint(rmdir(dir), ==, 0);
}

/* Writing gives the file to the account: root only. */
static void test_write(void) {
        if (geteuid() != 0) {
                g_test_skip("needs root (the file is given to another uid)");
                return;
        }
        g_autofree char *top = g_dir_make_tmp("ovh-password-XXXXXX", NULL);
        g_autofree char *dir = g_build_filename(top, "password", NULL);
        g_autofree char *file = g_build_filename(dir, "account", NULL);
        g_autofree char *hash = NULL;
        g_autoptr(GError) error = NULL;
        struct stat st;

        g_assert_cmpint(chmod(top, 0755), ==, 0);
        g_assert_cmpint(ovh_password_write(file, HUNTER2, 65534, &error), ==, 0);
        g_assert_no_error(error);
        g_assert_cmpint(lstat(file, &st), ==, 0);
        g_assert_cmpuint(st.st_uid, ==, 65534);
        g_assert_cmpuint(st.st_gid, ==, 0);
        g_assert_cmpuint(st.st_mode & 07777, ==, 0400);
        g_assert_cmpint(lstat(dir, &st), ==, 0);
        g_assert_cmpuint(st.st_mode & 07777, ==, 0755);
        g_assert_cmpint(ovh_password_read(file, &hash, &error), ==, 1);
        g_assert_cmpstr(hash, ==, HUNTER2);

        /* A directory others can write is refused, and nothing is written. */
        g_assert_cmpint(ovh_password_remove(file, NULL), ==, 0);
        g_assert_cmpint(chmod(dir, 0777), ==, 0);
        g_assert_cmpint(ovh_password_write(file, HUNTER2, 65534, &error), <, 0);
        g_assert_error(error, OVH_ERROR, EX_CANTCREAT);
        g_assert_false(g_file_test(file, G_FILE_TEST_EXISTS));
        g_assert_cmpint(rmdir(dir), ==, 0);
        g_assert_cmpint(rmdir(top), ==, 0);
}

static void test_signin_text(void) {
        g_autofree char *plain = ovh_signin_text(604800, NULL);
        g_autofree char *with = ovh_signin_text(3600, HUNTER2);
        g_assert_cmpstr(plain, ==, "cookie-max-age=604800");
        g_assert_cmpstr(with, ==, "cookie-max-age=3600\npassword-hash=" HUNTER2);
}

static void test_config(void) {
        static const struct {
                const char *text;
                guint64 seconds;
        } good[] = { { "60", 60 },     { "90s", 90 },     { "30min", 1800 },   { "12h", 43200 },
                     { "7d", 604800 }, { "2w", 1209600 }, { "400d", 34560000 } };
        static const char *const bad[] = { "", "59", "1m", "401d", "7 d", "-1", "1.5h", "d", "99999999999999999999" };
        guint64 s;

        for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
                g_assert_cmpint(ovh_parse_time_span(good[i].text, OVH_COOKIE_LIFETIME_MIN, OVH_COOKIE_LIFETIME_MAX, &s),
                                ==, 0);
                g_assert_cmpuint(s, ==, good[i].seconds);
        }
        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
                g_assert_cmpint(ovh_parse_time_span(bad[i], OVH_COOKIE_LIFETIME_MIN, OVH_COOKIE_LIFETIME_MAX, &s), ==,
                                -EINVAL);

        g_autoptr(OvhConfig) c = ovh_config_new();
        g_assert_cmpuint(c->cookie_lifetime, ==, 604800);
        const char *text = "[Auth]\nCookieLifetime=1d\n";
        g_assert_cmpint(ovh_config_load_data(c, "/etc/t.conf", text, strlen(text), NULL), ==, 0);
        g_assert_cmpuint(c->cookie_lifetime, ==, 86400);

        g_autoptr(GError) error = NULL;
        const char *wrong = "[Auth]\nCookieLifetime=1y\n";
        g_assert_cmpint(ovh_config_load_data(c, "/etc/t.conf", wrong, strlen(wrong), &error), <, 0);
        g_assert_error(error, OVH_ERROR, EX_CONFIG);
        g_assert_true(g_str_has_prefix(error->message, "/etc/t.conf:2: [Auth] CookieLifetime=1y"));

        const char *env[] = { "PASSWORD_HASH=" HUNTER2, NULL };
        g_assert_cmpint(ovh_config_apply_environment(c, env, NULL, NULL), ==, 0);
        g_assert_cmpstr(c->password_hash, ==, HUNTER2);
        g_assert_cmpstr(ovh_config_origin(c, "Auth", "PasswordHash"), ==, "PASSWORD_HASH");
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/password/format", test_format);
        g_test_add_func("/password/hash", test_hash);
        g_test_add_func("/password/file", test_file);
        g_test_add_func("/password/write", test_write);
        g_test_add_func("/password/signin-text", test_signin_text);
        g_test_add_func("/password/config", test_config);
        return g_test_run();
}

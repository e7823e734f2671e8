/* SPDX-License-Identifier: MIT */
/* Token rules and the source precedence of launcher.conf(5). */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "config.h"
#include "ovh-error.h"
#include "token-rules.h"
#include "token.h"

static void test_valid(void) {
        g_assert_true(ovh_token_valid("abc"));
        g_assert_true(ovh_token_valid("A-b_9"));
        g_assert_false(ovh_token_valid(""));
        g_assert_false(ovh_token_valid("a b"));
        g_assert_false(ovh_token_valid("a/b"));
        g_assert_false(ovh_token_valid("a=b"));
        g_assert_false(ovh_token_valid("ä"));
        g_autofree char *longest = g_strnfill(OVH_TOKEN_MAX_LENGTH, 'x');
        g_autofree char *too_long = g_strnfill(OVH_TOKEN_MAX_LENGTH + 1, 'x');
        g_assert_true(ovh_token_valid(longest));
        g_assert_false(ovh_token_valid(too_long));
}

static void contents_ok(const char *data, gsize len, const char *expect) {
        g_autofree char *t = NULL;
        g_autoptr(GError) error = NULL;
        g_assert_cmpint(ovh_token_from_contents(data, len, "/f", &t, &error), ==, 0);
        g_assert_no_error(error);
        g_assert_cmpstr(t, ==, expect);
}

static void contents_bad(const char *data, gsize len, const char *expect) {
        g_autofree char *t = NULL;
        g_autoptr(GError) error = NULL;
        g_assert_cmpint(ovh_token_from_contents(data, len, "/f", &t, &error), <, 0);
        g_assert_error(error, OVH_ERROR, EX_DATAERR);
        g_assert_nonnull(strstr(error->message, expect));
        g_assert_null(t);
}

static void test_contents(void) {
        contents_ok("tok", 3, "tok");
        contents_ok("tok\n", 4, "tok");
        contents_ok("tok\r\n", 5, "tok");
        contents_bad("", 0, "empty");
        contents_bad("\n", 1, "empty");
        contents_bad("tok\n\n", 5, "character outside");
        contents_bad("to k\n", 5, "character outside");
        contents_bad("to\0k", 4, "NUL");
        /* The message names the file but never the token. */
        g_autoptr(GError) error = NULL;
        g_autofree char *t = NULL;
        g_assert_cmpint(ovh_token_from_contents("sec ret", 7, "/f", &t, &error), <, 0);
        g_assert_null(strstr(error->message, "sec ret"));
}

static void test_generate(void) {
        g_autofree char *a = NULL, *b = NULL;
        g_assert_cmpint(ovh_token_generate(&a, NULL), ==, 0);
        g_assert_cmpint(ovh_token_generate(&b, NULL), ==, 0);
        g_assert_cmpuint(strlen(a), ==, 64);
        for (const char *p = a; *p; p++)
                g_assert_true(g_ascii_isxdigit(*p) && !g_ascii_isupper(*p));
        g_assert_cmpstr(a, !=, b);
}

static void test_precedence(void) {
        g_autoptr(OvhConfig) c = ovh_config_new();
        OvhTokenSource s = {};

        /* Nothing set: generated, persisted in the state dir. */
        g_assert_cmpint(ovh_token_choose(c, NULL, false, "/home/a", &s, NULL), ==, 0);
        g_assert_cmpint(s.kind, ==, OVH_TOKEN_SOURCE_GENERATED);
        g_assert_cmpstr(s.path, ==, "/home/a/.openvscode-server/token");
        ovh_token_source_clear(&s);

        c->token = g_strdup("value");
        g_assert_cmpint(ovh_token_choose(c, NULL, false, "/home/a", &s, NULL), ==, 0);
        g_assert_cmpint(s.kind, ==, OVH_TOKEN_SOURCE_VALUE);
        ovh_token_source_clear(&s);

        c->token_file = g_strdup("/etc/tok");
        g_assert_cmpint(ovh_token_choose(c, NULL, false, "/home/a", &s, NULL), ==, 0);
        g_assert_cmpint(s.kind, ==, OVH_TOKEN_SOURCE_FILE);
        g_assert_cmpstr(s.path, ==, "/etc/tok");
        ovh_token_source_clear(&s);

        /* A credentials directory without our credential changes nothing. */
        g_assert_cmpint(ovh_token_choose(c, "/run/credentials/x", false, "/home/a", &s, NULL), ==, 0);
        g_assert_cmpint(s.kind, ==, OVH_TOKEN_SOURCE_FILE);
        ovh_token_source_clear(&s);

        g_assert_cmpint(ovh_token_choose(c, "/run/credentials/x", true, "/home/a", &s, NULL), ==, 0);
        g_assert_cmpint(s.kind, ==, OVH_TOKEN_SOURCE_CREDENTIAL);
        g_assert_cmpstr(s.path, ==, "/run/credentials/x/connection-token");
        ovh_token_source_clear(&s);

        c->auth_mode = OVH_AUTH_NONE;
        g_assert_cmpint(ovh_token_choose(c, "/run/credentials/x", true, "/home/a", &s, NULL), ==, 0);
        g_assert_cmpint(s.kind, ==, OVH_TOKEN_SOURCE_NONE);
        ovh_token_source_clear(&s);
}

static void test_bad_value(void) {
        g_autoptr(OvhConfig) c = ovh_config_new();
        g_autoptr(GError) error = NULL;
        OvhTokenSource s = {};
        c->token = g_strdup("has space");
        ovh_config_set_origin(c, "Auth", "Token", "CONNECTION_TOKEN");
        g_assert_cmpint(ovh_token_choose(c, NULL, false, "/h", &s, &error), <, 0);
        g_assert_error(error, OVH_ERROR, EX_DATAERR);
        g_assert_nonnull(strstr(error->message, "CONNECTION_TOKEN"));
        g_assert_null(strstr(error->message, "has space"));
}

static void test_files(void) {
        g_autofree char *dir = g_dir_make_tmp("ovh-token-XXXXXX", NULL);
        g_autofree char *path = g_build_filename(dir, "token", NULL);
        g_autoptr(OvhConfig) c = ovh_config_new();
        g_autoptr(GError) error = NULL;
        g_autofree char *t = NULL;
        bool is_new = true;
        struct stat st;

        g_assert_cmpint(ovh_token_write_file(path, "abc", 0600, (uid_t) -1, (gid_t) -1, &error), ==, 0);
        g_assert_no_error(error);
        g_assert_cmpint(g_stat(path, &st), ==, 0);
        g_assert_cmpuint(st.st_mode & 07777, ==, 0600);

        OvhTokenSource s = { .kind = OVH_TOKEN_SOURCE_FILE, .path = g_strdup(path), .origin = g_strdup("T") };
        g_assert_cmpint(ovh_token_obtain(c, &s, &t, &is_new, &error), ==, 0);
        g_assert_cmpstr(t, ==, "abc");
        g_assert_false(is_new);
        g_clear_pointer(&t, g_free);

        /* Readable by others: refused, with the chmod to run. */
        g_assert_cmpint(g_chmod(path, 0644), ==, 0);
        g_assert_cmpint(ovh_token_obtain(c, &s, &t, &is_new, &error), <, 0);
        g_assert_error(error, OVH_ERROR, EX_NOPERM);
        g_assert_nonnull(strstr(error->message, "chmod 0600"));
        g_clear_error(&error);
        ovh_token_source_clear(&s);

        /* Generated: missing file -> new token in memory, nothing written. */
        g_autofree char *gen = g_build_filename(dir, "gen", NULL);
        OvhTokenSource g = { .kind = OVH_TOKEN_SOURCE_GENERATED, .path = g_strdup(gen), .origin = g_strdup(gen) };
        g_assert_cmpint(ovh_token_obtain(c, &g, &t, &is_new, &error), ==, 0);
        g_assert_true(is_new);
        g_assert_cmpuint(strlen(t), ==, 64);
        g_assert_false(g_file_test(gen, G_FILE_TEST_EXISTS));
        ovh_token_source_clear(&g);

        /* No stray temporary files are left in the directory. */
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        int entries = 0;
        while (g_dir_read_name(d))
                entries++;
        g_assert_cmpint(entries, ==, 1);

        g_unlink(path);
        g_rmdir(dir);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/token/valid", test_valid);
        g_test_add_func("/token/contents", test_contents);
        g_test_add_func("/token/generate", test_generate);
        g_test_add_func("/token/precedence", test_precedence);
        g_test_add_func("/token/bad-value", test_bad_value);
        g_test_add_func("/token/files", test_files);
        return g_test_run();
}

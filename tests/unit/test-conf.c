/* SPDX-License-Identifier: MIT */
/* launcher.conf parsing, drop-in precedence, and the container's variables. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "config.h"
#include "ovh-error.h"

static OvhConfig *load_ok(const char *text) {
        OvhConfig *c = ovh_config_new();
        g_autoptr(GError) error = NULL;
        int r = ovh_config_load_data(c, "/etc/t.conf", text, strlen(text), &error);
        g_assert_no_error(error);
        g_assert_cmpint(r, ==, 0);
        return c;
}

/* Loads text that must fail: checks exit code 78 and the message parts. */
static void load_fails(const char *text, gsize length, const char *expect1, const char *expect2) {
        g_autoptr(OvhConfig) c = ovh_config_new();
        g_autoptr(GError) error = NULL;
        int r = ovh_config_load_data(c, "/etc/t.conf", text, length, &error);
        g_assert_cmpint(r, <, 0);
        g_assert_error(error, OVH_ERROR, EX_CONFIG);
        g_assert_nonnull(strstr(error->message, expect1));
        if (expect2)
                g_assert_nonnull(strstr(error->message, expect2));
        g_assert_null(strchr(error->message, '\n'));
}

static void test_defaults(void) {
        g_autoptr(OvhConfig) c = load_ok("");
        g_assert_null(c->root);
        g_assert_null(c->user);
        g_assert_true(c->seccomp);
        g_assert_false(c->allow_namespaces);
        g_assert_false(c->allow_sudo);
        g_assert_false(c->idle_shutdown);
        g_assert_false(c->umask_set);
        g_assert_cmpuint(c->umask, ==, 0022);
        g_assert_cmpstr(c->telemetry, ==, "off");
        g_assert_cmpint(c->auth_mode, ==, OVH_AUTH_TOKEN);
        g_assert_false(c->accept_microsoft_license);
        g_assert_cmpstr(c->update_mode, ==, "notify");
        g_assert_cmpuint(c->update_keep, ==, 3);
        g_assert_null(c->update_feed);
}

static void test_update_keys(void) {
        g_autoptr(OvhConfig) c = load_ok("[Server]\nAcceptMicrosoftLicense=yes\n"
                                         "[Update]\nMode=apply\nKeep=5\nFeed=http://127.0.0.1:8080/api\n");
        g_assert_true(c->accept_microsoft_license);
        g_assert_cmpstr(c->update_mode, ==, "apply");
        g_assert_cmpuint(c->update_keep, ==, 5);
        g_assert_cmpstr(c->update_feed, ==, "http://127.0.0.1:8080/api");
        static const char *const good[] = { "https://api.github.com", "https://mirror.example/gh/api/",
                                            "http://localhost:3001", "http://[::1]:80/x", "http://127.0.0.1" };
        for (size_t i = 0; i < G_N_ELEMENTS(good); i++)
                g_assert_true(ovh_feed_url_valid(good[i]));
        static const char *const bad[] = { "ftp://x",
                                           "http://example.org/",
                                           "http://127.0.0.1.evil.example/",
                                           "http://localhost.evil/",
                                           "https://user:pw@api.github.com",
                                           "https://",
                                           "https://a b",
                                           "api.github.com",
                                           "http://[::1" };
        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_test_message("%s", bad[i]);
                g_assert_false(ovh_feed_url_valid(bad[i]));
        }
        load_fails("[Update]\nFeed=http://mirror.lan/\n", 31, "/etc/t.conf:2", "not an https:// URL");
        load_fails("[Update]\nKeep=1\n", 16, "/etc/t.conf:2", "from 2 to 100");
        load_fails("[Update]\nKeep=many\n", 19, "Keep=many", "from 2 to 100");
        load_fails("[Update]\nMode=auto\n", 19, "notify|apply", NULL);
        load_fails("[Server]\nExtensionsGallery=open-vsx.org\n", 39, "/etc/t.conf:2", "such as https://open-vsx.org");
        g_autoptr(OvhConfig) g = load_ok("[Server]\nExtensionsGallery=https://vsx.example.org\n");
        g_assert_cmpstr(g->extensions_gallery, ==, "https://vsx.example.org");
}

static void test_all_keys(void) {
        g_autoptr(OvhConfig) c =
                load_ok("# comment\n"
                        "[Server]\nRoot=/opt/ovs\nNode=/usr/bin/node\nDefaultFolder=/srv/code\nBasePath=/u/alice\n"
                        "IdleShutdown=yes\nTelemetry=error\nExtraArguments=--log trace --locale 'de de'\n"
                        "[Auth]\nMode=token\nToken=abc-DEF_123\nTokenFile=/etc/tok\n"
                        "[Account]\nUser=alice\nGroup=dev\nUMask=0027\nTimeZone=Europe/Berlin\n"
                        "[Sandbox]\nSeccomp=no\nAllowNamespaces=true\nAllowSyscalls=@clock  bpf\nDenySyscalls=ptrace\n"
                        "AllowSudo=on\n");
        g_assert_cmpstr(c->root, ==, "/opt/ovs");
        g_assert_cmpstr(c->node, ==, "/usr/bin/node");
        g_assert_cmpstr(c->default_folder, ==, "/srv/code");
        g_assert_cmpstr(c->base_path, ==, "/u/alice");
        g_assert_true(c->idle_shutdown);
        g_assert_cmpstr(c->telemetry, ==, "error");
        g_assert_cmpuint(g_strv_length(c->extra_arguments), ==, 4);
        g_assert_cmpstr(c->extra_arguments[3], ==, "de de");
        g_assert_cmpstr(c->token, ==, "abc-DEF_123");
        g_assert_cmpstr(c->token_file, ==, "/etc/tok");
        g_assert_cmpstr(c->user, ==, "alice");
        g_assert_cmpstr(c->group, ==, "dev");
        g_assert_true(c->umask_set);
        g_assert_cmpuint(c->umask, ==, 0027);
        g_assert_cmpstr(c->time_zone, ==, "Europe/Berlin");
        g_assert_false(c->seccomp);
        g_assert_true(c->allow_namespaces);
        g_assert_cmpuint(g_strv_length(c->allow_syscalls), ==, 2);
        g_assert_cmpstr(c->allow_syscalls[0], ==, "@clock");
        g_assert_cmpstr(c->allow_syscalls[1], ==, "bpf");
        g_assert_cmpstr(c->deny_syscalls[0], ==, "ptrace");
        g_assert_true(c->allow_sudo);
        g_assert_cmpstr(ovh_config_origin(c, "Account", "UMask"), ==, "/etc/t.conf:17");
}

static void test_bad_values(void) {
        load_fails("[Servr]\nRoot=/x\n", 16, "unknown group [Servr]", "/etc/t.conf");
        load_fails("[Server]\nRooot=/x\n", 18, "/etc/t.conf:2", "unknown key Rooot=");
        load_fails("[Sandbox]\nSeccomp=maybe\n", 24, "/etc/t.conf:2", "use yes or no");
        load_fails("[Account]\nUMask=0999\n", 21, "UMask=0999", "octal");
        load_fails("[Account]\nUMask=22\n", 19, "UMask=22", "octal");
        load_fails("[Account]\nUMask=07777\n", 22, "UMask=07777", "octal");
        load_fails("[Server]\nRoot=opt/x\n", 20, "not an absolute path", "/etc/t.conf:2");
        load_fails("[Server]\nTelemetry=some\n", 24, "off|crash|error|all", NULL);
        load_fails("[Auth]\nMode=open\n", 17, "token|none", NULL);
        load_fails("[Account]\nUser=a\\tb\n", 20, "control character", "/etc/t.conf:2");
        load_fails("[Account]\nUser=\n", 16, "is empty", NULL);
        load_fails("[Server]\nExtraArguments='unterminated\n", 38, "cannot be split", NULL);
        load_fails("Root=/x\n", 8, "/etc/t.conf", "[Group]");
        load_fails("[Server]\nRoot=/x\0y\n", 19, "/etc/t.conf:2", "NUL byte");
        load_fails("[Server]\nRoot=/\xff\xfe\n", 17, "/etc/t.conf:2", "UTF-8");

        GString *big = g_string_new("[Server]\nRoot=/");
        for (int i = 0; i < 200 * 1024; i++)
                g_string_append_c(big, 'a');
        g_string_append_c(big, '\n');
        load_fails(big->str, big->len, "/etc/t.conf:2", "bytes long");
        g_string_free(big, TRUE);
}

static void write_file(const char *path, const char *text) {
        g_autoptr(GError) error = NULL;
        g_file_set_contents(path, text, -1, &error);
        g_assert_no_error(error);
}

static void test_dropins(void) {
        g_autofree char *dir = g_dir_make_tmp("ovh-conf-XXXXXX", NULL);
        g_autofree char *main_conf = g_build_filename(dir, "launcher.conf", NULL);
        g_autofree char *dropins = g_build_filename(dir, "launcher.conf.d", NULL);
        g_autofree char *a = g_build_filename(dropins, "10-a.conf", NULL);
        g_autofree char *b = g_build_filename(dropins, "20-b.conf", NULL);
        g_autofree char *ignored = g_build_filename(dropins, "30-c.conf.disabled", NULL);
        g_autoptr(GError) error = NULL;

        g_mkdir(dropins, 0755);
        write_file(main_conf, "[Server]\nRoot=/main\nTelemetry=all\n[Account]\nUser=one\n");
        write_file(b, "[Server]\nRoot=/from-b\n");
        write_file(a, "[Server]\nRoot=/from-a\n[Account]\nUser=two\n");
        write_file(ignored, "[Bogus]\n");

        g_autoptr(OvhConfig) c = ovh_config_new();
        g_assert_cmpint(ovh_config_load(c, main_conf, true, &error), ==, 0);
        g_assert_no_error(error);
        g_assert_cmpstr(c->root, ==, "/from-b"); /* lexical order: b after a */
        g_assert_cmpstr(c->user, ==, "two");
        g_assert_cmpstr(c->telemetry, ==, "all"); /* key by key, not file by file */
        g_autofree char *origin = g_strdup_printf("%s:2", b);
        g_assert_cmpstr(ovh_config_origin(c, "Server", "Root"), ==, origin);

        /* A broken drop-in names itself. */
        write_file(b, "[Server]\nIdle=1\n");
        g_autoptr(OvhConfig) c2 = ovh_config_new();
        g_assert_cmpint(ovh_config_load(c2, main_conf, true, &error), <, 0);
        g_assert_error(error, OVH_ERROR, EX_CONFIG);
        g_assert_nonnull(strstr(error->message, "20-b.conf:2"));
        g_clear_error(&error);

        /* A missing main file is fine unless it was asked for. */
        g_autofree char *none = g_build_filename(dir, "none.conf", NULL);
        g_autoptr(OvhConfig) c3 = ovh_config_new();
        g_assert_cmpint(ovh_config_load(c3, none, false, &error), ==, 0);
        g_assert_cmpint(ovh_config_load(c3, none, true, &error), <, 0);
        g_assert_error(error, OVH_ERROR, EX_CONFIG);

        g_unlink(a);
        g_unlink(b);
        g_unlink(ignored);
        g_rmdir(dropins);
        g_unlink(main_conf);
        g_rmdir(dir);
}

static int apply_env(OvhConfig *c, const char *const *env, GPtrArray *warnings, GError **error) {
        return ovh_config_apply_environment(c, env, warnings, error);
}

static void test_environment(void) {
        g_autoptr(OvhConfig) c = load_ok("[Account]\nUser=one\nUMask=0077\n[Auth]\nToken=fromconf\n");
        g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GError) error = NULL;
        const char *env[] = {
                "PATH=/bin",
                "PUID=65534",
                "PGID=0",
                "TZ=Etc/UTC",
                "UMASK=022",
                "CONNECTION_TOKEN=fromenv",
                "CONNECTION_SECRET=/run/secrets/tok",
                "SUDO_PASSWORD=x",
                NULL,
        };

        g_assert_cmpint(apply_env(c, env, warnings, &error), ==, 0);
        g_assert_no_error(error);
        g_assert_cmpstr(c->user, ==, "nobody");
        g_assert_cmpstr(c->group, ==, "root");
        g_assert_cmpstr(c->time_zone, ==, "Etc/UTC");
        g_assert_cmpuint(c->umask, ==, 0022);
        g_assert_cmpstr(c->token, ==, "fromenv");
        g_assert_cmpstr(c->token_file, ==, "/run/secrets/tok");
        g_assert_cmpstr(ovh_config_origin(c, "Account", "User"), ==, "PUID");
        g_assert_cmpuint(warnings->len, ==, 1);
        g_assert_nonnull(strstr(warnings->pdata[0], "openvscodectl sudo enable"));
}

static void test_environment_file_variables(void) {
        g_autofree char *dir = g_dir_make_tmp("ovh-env-XXXXXX", NULL);
        g_autofree char *secret = g_build_filename(dir, "tok", NULL);
        g_autofree char *var = g_strdup_printf("FILE__CONNECTION_TOKEN=%s", secret);
        g_autoptr(GError) error = NULL;

        write_file(secret, "s3cret_Token\n");
        g_autoptr(OvhConfig) c = ovh_config_new();
        const char *env[] = { "CONNECTION_TOKEN=plain", var, NULL };
        g_assert_cmpint(apply_env(c, env, NULL, &error), ==, 0);
        g_assert_no_error(error);
        g_assert_cmpstr(c->token, ==, "s3cret_Token"); /* FILE__ wins, newline stripped */
        g_assert_cmpstr(ovh_config_origin(c, "Auth", "Token"), ==, var);

        g_unlink(secret);
        g_rmdir(dir);
}

static void env_fails(const char *var, int code, const char *expect) {
        g_autoptr(OvhConfig) c = ovh_config_new();
        g_autoptr(GError) error = NULL;
        const char *env[] = { var, NULL };
        g_assert_cmpint(apply_env(c, env, NULL, &error), <, 0);
        g_assert_error(error, OVH_ERROR, code);
        g_assert_nonnull(strstr(error->message, expect));
}

static void test_environment_errors(void) {
        env_fails("PUID=abc", EX_CONFIG, "PUID=abc");
        env_fails("PUID=3999999", EX_NOUSER, "PUID=3999999: no user");
        env_fails("PGID=3999999", EX_NOUSER, "PGID=3999999: no group");
        env_fails("UMASK=9", EX_CONFIG, "UMASK=9");
        env_fails("CONNECTION_SECRET=relative/tok", EX_CONFIG, "CONNECTION_SECRET");
        env_fails("FILE__HOME=/etc/hostname", EX_CONFIG, "FILE__HOME");
        env_fails("FILE__CONNECTION_TOKEN=/nonexistent/tok", EX_CONFIG, "FILE__CONNECTION_TOKEN");
        env_fails("FILE__TZ=relative", EX_CONFIG, "absolute");
}

static void test_parsers(void) {
        bool b;
        mode_t m;
        g_assert_cmpint(ovh_parse_boolean("YES", &b), ==, 0);
        g_assert_true(b);
        g_assert_cmpint(ovh_parse_boolean("off", &b), ==, 0);
        g_assert_false(b);
        g_assert_cmpint(ovh_parse_boolean("", &b), <, 0);
        g_assert_cmpint(ovh_parse_boolean("2", &b), <, 0);
        g_assert_cmpint(ovh_parse_umask("022", &m), ==, 0);
        g_assert_cmpuint(m, ==, 022);
        g_assert_cmpint(ovh_parse_umask("0777", &m), ==, 0);
        g_assert_cmpuint(m, ==, 0777);
        g_assert_cmpint(ovh_parse_umask("-22", &m), <, 0);
        g_assert_cmpint(ovh_parse_umask("0o22", &m), <, 0);
        g_assert_true(ovh_has_control_chars("a\x7f"));
        g_assert_false(ovh_has_control_chars("äöü /x"));
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/conf/defaults", test_defaults);
        g_test_add_func("/conf/update-keys", test_update_keys);
        g_test_add_func("/conf/all-keys", test_all_keys);
        g_test_add_func("/conf/bad-values", test_bad_values);
        g_test_add_func("/conf/drop-ins", test_dropins);
        g_test_add_func("/conf/environment", test_environment);
        g_test_add_func("/conf/environment-file-variables", test_environment_file_variables);
        g_test_add_func("/conf/environment-errors", test_environment_errors);
        g_test_add_func("/conf/parsers", test_parsers);
        return g_test_run();
}

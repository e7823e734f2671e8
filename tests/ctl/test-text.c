/* SPDX-License-Identifier: MIT */
/* The pure parts of openvscodectl and the shared modules it brought:
 * extension ids and VS Code's manifest, the environment file, what systemd
 * says (Listen=, credentials), the URL, and the texts set-user writes. */
#include <errno.h>
#include <glib.h>
#include <string.h>
#include <sys/socket.h>

#include "ctl-text.h"
#include "envfile.h"
#include "extension-ids.h"
#include "ovh-error.h"

static void test_extension_ids(void) {
        const char *good[] = { "ms-python.python", "ovhtest.probe@1.0.0", "a_b.c-d@2.0.0-beta+1", "A.B" };
        const char *bad[] = { "",        "python", "a.b.c",  ".b",    "a.",        "a b.c",  "a.b@",
                              "a.b@1 2", "a/b.c",  "a.b;rm", "a.b\n", "../x.vsix", "a.b@1@2" };
        for (size_t i = 0; i < G_N_ELEMENTS(good); i++)
                g_assert_true(ovh_extension_id_valid(good[i]));
        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
                g_assert_false(ovh_extension_id_valid(bad[i]));

        g_assert_true(ovh_extension_is_vsix_path("/srv/x.vsix"));
        g_assert_true(ovh_extension_is_vsix_path("/srv/X.VSIX"));
        g_assert_false(ovh_extension_is_vsix_path("x.vsix"));
        g_assert_false(ovh_extension_is_vsix_path("/srv/.vsix"));
        g_assert_false(ovh_extension_is_vsix_path("/srv/x.zip"));
}

static void test_vsix_id(void) {
        struct {
                const char *path, *id;
        } cases[] = {
                { "/srv/ovhtest.probe-1.0.0.vsix", "ovhtest.probe@1.0.0" },
                { "/srv/MS-Python.python-2025.6.0.vsix", "ms-python.python@2025.6.0" },
                { "/srv/redhat.vscode-yaml-1.15.0@linux-x64.vsix", NULL }, /* platform builds: always installed */
                { "/srv/esbenp.prettier-vscode-10.4.0.vsix", "esbenp.prettier-vscode@10.4.0" },
                { "/srv/probe.vsix", NULL },
                { "/srv/probe-1.0.0.vsix", NULL },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *id = ovh_extension_vsix_id(cases[i].path);
                g_assert_cmpstr(id, ==, cases[i].id);
        }
}

/* What VS Code 1.100.3 wrote after --install-extension of a .vsix. */
static const char manifest[] =
        "[{\"identifier\":{\"id\":\"ovhtest.probe\"},\"version\":\"1.0.0\",\"location\":{\"$mid\":1,\"fsPath\":"
        "\"/tmp/vx/s/extensions/ovhtest.probe-1.0.0\",\"path\":\"/tmp/vx/s/extensions/ovhtest.probe-1.0.0\","
        "\"scheme\":\"file\"},\"relativeLocation\":\"ovhtest.probe-1.0.0\",\"metadata\":{\"installedTimestamp\":"
        "1795939694249,\"pinned\":true,\"source\":\"vsix\"}},"
        "{\"identifier\":{\"id\":\"MS-Python.Python\",\"uuid\":\"f1f59ae4-9318-4f3c-a9b5-81b2eaa5f8a5\"},\"version\":"
        "\"2025.6.0\",\"relativeLocation\":\"ms-python.python-2025.6.0\"}]";

static void test_manifest(void) {
        g_autoptr(GPtrArray) e = ovh_extensions_manifest_entries(manifest);
        g_assert_nonnull(e);
        g_assert_cmpuint(e->len, ==, 2);
        g_assert_cmpstr(e->pdata[0], ==, "ovhtest.probe@1.0.0");
        g_assert_cmpstr(e->pdata[1], ==, "ms-python.python@2025.6.0");

        g_autoptr(GPtrArray) empty = ovh_extensions_manifest_entries("[]");
        g_assert_nonnull(empty);
        g_assert_cmpuint(empty->len, ==, 0);
        /* Not a manifest: the caller installs everything. */
        g_assert_null(ovh_extensions_manifest_entries("{}"));
        g_assert_null(ovh_extensions_manifest_entries("[{\"identifier\":{\"id\":\"x y\"},\"version\":\"1\"}]"));
        g_assert_null(ovh_extensions_manifest_entries("[{\"identifier\":{\"id\":\"a.b\"}}]"));

        char *wanted[] = { "ovhtest.probe",
                           "ms-python.python@2025.6.0",
                           "ms-python.python@2024.1.0",
                           "redhat.java",
                           "/srv/ovhtest.probe-1.0.0.vsix",
                           "/srv/ovhtest.probe-2.0.0.vsix",
                           "/srv/anything.vsix",
                           NULL };
        g_auto(GStrv) missing = ovh_extensions_missing(wanted, manifest);
        g_autofree char *joined = g_strjoinv(" ", missing);
        g_assert_cmpstr(joined, ==,
                        "ms-python.python@2024.1.0 redhat.java /srv/ovhtest.probe-2.0.0.vsix /srv/anything.vsix");
        g_auto(GStrv) all = ovh_extensions_missing(wanted, NULL);
        g_assert_cmpuint(g_strv_length(all), ==, 7);
}

static void test_envfile(void) {
        const char text[] = "# comment\n"
                            "; also a comment\n"
                            "PUID=1000\n"
                            "  TZ = Europe/Berlin  \n"
                            "SUDO_PASSWORD=two words here\n"
                            "QUOTED=\"a \\\"b\\\" c\"\n"
                            "SINGLE='x y'\n"
                            "not an assignment\n"
                            "1BAD=x\n"
                            "UNCLOSED=\"x\n"
                            "PUID=1001\n";
        g_auto(GStrv) env = ovh_envfile_parse(text, strlen(text));
        /* As in systemd, an unclosed quote runs to the end of the file and
         * swallows the later PUID=1001. */
        g_assert_cmpstr(ovh_env_get(env, "PUID"), ==, "1000");
        g_assert_cmpstr(ovh_env_get(env, "TZ"), ==, "Europe/Berlin");
        g_assert_cmpstr(ovh_env_get(env, "SUDO_PASSWORD"), ==, "two words here");
        g_assert_cmpstr(ovh_env_get(env, "QUOTED"), ==, "a \"b\" c");
        g_assert_cmpstr(ovh_env_get(env, "SINGLE"), ==, "x y");
        g_assert_null(ovh_env_get(env, "1BAD"));
        g_assert_cmpstr(ovh_env_get(env, "UNCLOSED"), ==, "x\nPUID=1001\n");
        g_assert_null(ovh_env_get(env, "PUI"));
        g_assert_cmpuint(g_strv_length(env), ==, 6);

        /* The last assignment wins; backslash-newline joins lines outside
         * single quotes (in comments too); double quotes span lines. */
        const char more[] = "A=1\n# c \\\nA=2\nA=3\nTZ=Europe/Ber\\\nlin\nU=\"0\n<3>x\"\n";
        g_auto(GStrv) env2 = ovh_envfile_parse(more, strlen(more));
        g_assert_cmpstr(ovh_env_get(env2, "A"), ==, "3");
        g_assert_cmpstr(ovh_env_get(env2, "TZ"), ==, "Europe/Berlin");
        g_assert_cmpstr(ovh_env_get(env2, "U"), ==, "0\n<3>x");
        g_assert_cmpuint(g_strv_length(env2), ==, 4);

        g_auto(GStrv) none = NULL;
        g_assert_cmpint(ovh_envfile_load("/nonexistent/environment", &none, NULL), ==, 0);
        g_assert_cmpuint(g_strv_length(none), ==, 0);
}

static void test_listen(void) {
        CtlListen l;

        g_assert_true(ctl_listen_parse("[::]:3000 (Stream)", &l));
        g_assert_cmpint(l.family, ==, AF_INET6);
        g_assert_cmpstr(l.address, ==, "::");
        g_assert_cmpuint(l.port, ==, 3000);
        g_assert_true(l.wildcard);
        ctl_listen_clear(&l);

        g_assert_true(ctl_listen_parse("127.0.0.1:8443 (Stream)\n", &l));
        g_assert_cmpint(l.family, ==, AF_INET);
        g_assert_cmpstr(l.address, ==, "127.0.0.1");
        g_assert_cmpuint(l.port, ==, 8443);
        g_assert_false(l.wildcard);
        ctl_listen_clear(&l);

        g_assert_true(ctl_listen_parse("0.0.0.0:3000 (Stream)", &l));
        g_assert_true(l.wildcard);
        ctl_listen_clear(&l);

        g_assert_true(ctl_listen_parse("/run/openvscode-server-alice.sock (Stream)", &l));
        g_assert_cmpint(l.family, ==, AF_UNIX);
        g_assert_cmpstr(l.address, ==, "/run/openvscode-server-alice.sock");
        ctl_listen_clear(&l);

        const char *bad[] = { "[::]:3000 (Datagram)", "[::]:0 (Stream)", "[::]:70000 (Stream)", "3000", "",
                              "[::1 (Stream)",        "a:b:c (Stream)" };
        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_assert_false(ctl_listen_parse(bad[i], &l));
                ctl_listen_clear(&l);
        }
}

static void test_url(void) {
        struct {
                const char *host;
                unsigned port;
                const char *base, *token, *url;
        } cases[] = {
                { "host.example", 3000, NULL, "T0k_-", "http://host.example:3000/?tkn=T0k_-" },
                { "::1", 3000, NULL, "t", "http://[::1]:3000/?tkn=t" },
                { "10.0.0.2", 80, "/code", "t", "http://10.0.0.2/code/?tkn=t" },
                { "h", 8443, "/code/", NULL, "http://h:8443/code/" },
                { "h", 8443, "code", NULL, "http://h:8443/code/" },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *url = ctl_url_format(cases[i].host, cases[i].port, cases[i].base, cases[i].token);
                g_assert_cmpstr(url, ==, cases[i].url);
        }
        /* TLS= not off: https for other hosts, loopback stays plain (tls.js). */
        g_autofree char *lan = ctl_url_format_tls(true, "code.lan", 3000, NULL, "t");
        g_assert_cmpstr(lan, ==, "https://code.lan:3000/?tkn=t");
        g_autofree char *v6 = ctl_url_format_tls(true, "fd00::2", 443, NULL, NULL);
        g_assert_cmpstr(v6, ==, "https://[fd00::2]/");
        for (const char *const *h = (const char *const[]){ "localhost", "127.0.0.1", "::1", NULL }; *h; h++) {
                g_autofree char *plain = ctl_url_format_tls(true, *h, 3000, NULL, NULL);
                g_assert_true(g_str_has_prefix(plain, "http://"));
        }
        g_assert_false(ctl_url_host_is_loopback("10.0.0.1"));
}

/* systemd's merged view (drop-ins, %i and resets are systemd's work):
 * LoadCredential*= wins, SetCredential*= only when the file is missing. */
static void test_credential(void) {
        g_autofree char *source = NULL;

        const OvhUnitCredential none = {};
        g_assert_cmpint(ctl_credential_choose(&none, false, &source), ==, CTL_CREDENTIAL_NONE);
        g_assert_null(source);

        const OvhUnitCredential file = { .load = (char *) "/etc/openvscode-server/connection-token" };
        g_assert_cmpint(ctl_credential_choose(&file, true, &source), ==, CTL_CREDENTIAL_FILE);
        g_assert_cmpstr(source, ==, "/etc/openvscode-server/connection-token");
        g_clear_pointer(&source, g_free);
        /* A missing file with nothing to fall back to is still the one
         * named (the caller finds it missing). */
        g_assert_cmpint(ctl_credential_choose(&file, false, &source), ==, CTL_CREDENTIAL_FILE);
        g_clear_pointer(&source, g_free);

        const OvhUnitCredential fallback = { .load = (char *) "openvscode-server.connection-token", .set = true };
        g_assert_cmpint(ctl_credential_choose(&fallback, true, &source), ==, CTL_CREDENTIAL_FILE);
        g_assert_cmpstr(source, ==, "openvscode-server.connection-token");
        g_clear_pointer(&source, g_free);
        g_assert_cmpint(ctl_credential_choose(&fallback, false, &source), ==, CTL_CREDENTIAL_VALUE);
        g_assert_null(source);

        const OvhUnitCredential encrypted = { .load_encrypted = (char *) "/etc/credstore.encrypted/t" };
        g_assert_cmpint(ctl_credential_choose(&encrypted, false, &source), ==, CTL_CREDENTIAL_ENCRYPTED);
        g_assert_null(source);

        const OvhUnitCredential set_encrypted = { .set_encrypted = true };
        g_assert_cmpint(ctl_credential_choose(&set_encrypted, false, &source), ==, CTL_CREDENTIAL_ENCRYPTED);
        g_assert_null(source);
}

/* The package's tmpfiles.d file, as tmpfiles.d/openvscode-server.conf.in
 * fills it in. */
static const char package_tmpfiles[] =
        "# comment\n"
        "d     /var/lib/openvscode-server                         0750 openvscode-server  openvscode-server  -\n"
        "d     /var/lib/openvscode-server/workspace               0755 openvscode-server  openvscode-server  -\n"
        "d     /var/lib/openvscode-server/.openvscode-server/data 0700 openvscode-server  openvscode-server  -\n"
        "Z     /var/lib/openvscode-server/.openvscode-server/data -    openvscode-server  openvscode-server  -\n"
        "d     /var/lib/openvscode-server-other                   0700 root root -\n"
        "z     /etc/openvscode-server/launcher.conf       0600 root       root       -\n";

static void test_user_texts(void) {
        g_autofree char *conf = ctl_user_config_text("dev", "devs");
        g_assert_nonnull(strstr(conf, "[Account]\nUser=dev\nGroup=devs\n"));
        g_autofree char *conf2 = ctl_user_config_text("dev", NULL);
        g_assert_nonnull(strstr(conf2, "User=dev\n"));
        g_assert_null(strstr(conf2, "Group="));

        g_autofree char *t =
                ctl_user_tmpfiles_text(package_tmpfiles, "/var/lib/openvscode-server", "/home/dev", "dev", "devs");
        /* Someone else's home keeps its own mode and owner. */
        g_assert_null(strstr(t, "/home/dev "));
        g_assert_nonnull(strstr(t, "d  /home/dev/workspace"));
        g_assert_nonnull(strstr(t, "Z  /home/dev/.openvscode-server/data"));
        g_assert_nonnull(strstr(t, " 0700 dev        devs       -\n"));
        g_assert_null(strstr(t, "/var/lib/openvscode-server/"));
        /* Lines outside the state tree are kept as they are. */
        g_assert_nonnull(strstr(t, "d     /var/lib/openvscode-server-other"));
        g_assert_nonnull(strstr(t, "z     /etc/openvscode-server/launcher.conf"));

        g_autofree char *same = ctl_user_tmpfiles_text(package_tmpfiles, "/var/lib/openvscode-server",
                                                       "/var/lib/openvscode-server", "dev", "devs");
        g_assert_nonnull(strstr(same, "d  /var/lib/openvscode-server "));
}

static void test_printable(void) {
        g_autofree char *p = ovh_printable("a\nb\x1b[31m\r\tä\xff\xc2\x85z");
        g_assert_cmpstr(p, ==, "a\\x0ab\\x1b[31m\\x0d\\x09ä\\xff\\xc2\\x85z");
        g_autoptr(GError) error = NULL;
        ovh_fail(&error, EX_CONFIG, EINVAL, "PUID=%s: not a number", "1\n<3>forged");
        g_assert_cmpstr(error->message, ==, "PUID=1\\x0a<3>forged: not a number");
}

/* A program's output: lines and tabs stay, the rest of C0 and C1, DEL, NUL
 * and bytes that are not UTF-8 are escaped; a sequence cut at the end of
 * the text too. */
static void test_printable_text(void) {
        static const char out[] = "ovhtest.esc\x1b]0;pwned\x07name@1.0.0\n\ta\x7f\0b\r\xc2\x9b"
                                  "2J ä\xe2\x82";
        g_autofree char *p = ovh_printable_text(out, sizeof(out) - 1);
        g_assert_cmpstr(p, ==, "ovhtest.esc\\x1b]0;pwned\\x07name@1.0.0\n\ta\\x7f\\x00b\\x0d\\xc2\\x9b2J ä\\xe2\\x82");
        g_autofree char *empty = ovh_printable_text(NULL, 0);
        g_assert_cmpstr(empty, ==, "");
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/ctl/extension-ids", test_extension_ids);
        g_test_add_func("/ctl/vsix-id", test_vsix_id);
        g_test_add_func("/ctl/manifest", test_manifest);
        g_test_add_func("/ctl/envfile", test_envfile);
        g_test_add_func("/ctl/listen", test_listen);
        g_test_add_func("/ctl/url", test_url);
        g_test_add_func("/ctl/credential", test_credential);
        g_test_add_func("/ctl/user-texts", test_user_texts);
        g_test_add_func("/ctl/printable", test_printable);
        g_test_add_func("/ctl/printable-text", test_printable_text);
        return g_test_run();
}

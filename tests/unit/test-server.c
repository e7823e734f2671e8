/* SPDX-License-Identifier: MIT */
/* The server's argv and environment builders (pure). */
#include <glib.h>
#include <string.h>
#include <sysexits.h>

#include "ovh-error.h"
#include "server.h"

typedef struct {
        OvhConfig *config;
        OvhAccount account;
        OvhPayload payload;
        OvhServerPlan plan;
} Fixture;

static void fixture_init(Fixture *f, const char *const *environ_) {
        memset(f, 0, sizeof(*f));
        f->config = ovh_config_new();
        f->account =
                (OvhAccount){ .name = "alice", .uid = 1000, .gid = 1000, .home = "/home/alice", .shell = "/bin/bash" };
        f->payload = (OvhPayload){ .root = "/usr/lib/openvscode-server",
                                   .node = "/usr/lib/openvscode-server/node",
                                   .server_main = "/usr/lib/openvscode-server/out/server-main.js" };
        f->plan = (OvhServerPlan){
                .config = f->config,
                .account = &f->account,
                .payload = &f->payload,
                .sd_listen_js = "/usr/libexec/openvscode-host/sd-listen.js",
                .token_file = "/run/openvscode-server/connection-token",
                .launcher_environ = environ_,
        };
}

static void test_argv_default(void) {
        Fixture f;
        fixture_init(&f, NULL);
        g_auto(GStrv) argv = ovh_server_argv(&f.plan);
        g_autofree char *joined = g_strjoinv(" ", argv);
        g_assert_cmpstr(joined, ==,
                        "/usr/lib/openvscode-server/node --require /usr/libexec/openvscode-host/sd-listen.js "
                        "/usr/lib/openvscode-server/out/server-main.js --accept-server-license-terms "
                        "--connection-token-file /run/openvscode-server/connection-token "
                        "--server-data-dir /home/alice/.openvscode-server "
                        "--user-data-dir /home/alice/.openvscode-server/data "
                        "--extensions-dir /home/alice/.openvscode-server/extensions "
                        "--default-folder /home/alice/workspace --telemetry-level off");
        ovh_config_free(f.config);
}

static void test_argv_options(void) {
        Fixture f;
        fixture_init(&f, NULL);
        f.plan.token_file = NULL;
        f.config->base_path = g_strdup("/u/alice");
        f.config->idle_shutdown = true;
        f.config->default_folder = g_strdup("/srv/code");
        g_free(f.config->telemetry);
        f.config->telemetry = g_strdup("crash");
        f.config->extra_arguments = g_strsplit("--log trace", " ", -1);
        g_auto(GStrv) argv = ovh_server_argv(&f.plan);
        g_autofree char *joined = g_strjoinv(" ", argv);
        g_assert_nonnull(strstr(joined, " --without-connection-token "));
        g_assert_null(strstr(joined, "--connection-token-file"));
        g_assert_nonnull(strstr(joined, " --default-folder /srv/code "));
        g_assert_nonnull(strstr(joined,
                                " --telemetry-level crash --server-base-path /u/alice "
                                "--enable-remote-auto-shutdown --remote-auto-shutdown-without-delay --log trace"));
        g_assert_true(g_str_has_suffix(joined, "--log trace"));
        ovh_config_free(f.config);
}

static void test_extra_arguments_refused(void) {
        static const char *const bad[] = {
                "--connection-token=x",       "--connection-token", "--connection-token-file=/x",
                "--without-connection-token", "--host=0.0.0.0",     "--port",
                "--socket-path=/x",
        };
        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_autoptr(OvhConfig) c = ovh_config_new();
                g_autoptr(GError) error = NULL;
                c->extra_arguments = g_strsplit(bad[i], " ", -1);
                ovh_config_set_origin(c, "Server", "ExtraArguments", "/etc/x.conf:3");
                g_assert_cmpint(ovh_server_check_extra_arguments(c, &error), <, 0);
                g_assert_error(error, OVH_ERROR, EX_CONFIG);
                g_assert_nonnull(strstr(error->message, "/etc/x.conf:3"));
        }
        g_autoptr(OvhConfig) ok = ovh_config_new();
        ok->extra_arguments = g_strsplit("--log trace --hostname-like", " ", -1);
        g_assert_cmpint(ovh_server_check_extra_arguments(ok, NULL), ==, 0);
}

static void test_environ(void) {
        const char *const launcher_env[] = {
                "PATH=/sbin",   "LANG=de_DE.UTF-8", "LC_TIME=C",  "CONNECTION_TOKEN=secret",
                "LISTEN_PID=1", "LISTEN_FDS=1",     "HOME=/root", "CREDENTIALS_DIRECTORY=/run/c",
                "LC_BAD=a\nb",  "INVOCATION_ID=x",  NULL,
        };
        Fixture f;
        fixture_init(&f, launcher_env);
        f.config->time_zone = g_strdup("Europe/Berlin");
        g_auto(GStrv) env = ovh_server_environ(&f.plan, 4242, "openvscode-server.socket");
        g_autofree char *joined = g_strjoinv("|", env);
        g_assert_cmpstr(joined, ==,
                        "HOME=/home/alice|USER=alice|LOGNAME=alice|SHELL=/bin/bash|"
                        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin|"
                        "LANG=de_DE.UTF-8|LC_TIME=C|TZ=Europe/Berlin|LISTEN_FDS=1|LISTEN_PID=4242|"
                        "LISTEN_FDNAMES=openvscode-server.socket");
        ovh_config_free(f.config);

        /* No LANG inherited: C.UTF-8 so file names and terminals are UTF-8. */
        fixture_init(&f, NULL);
        g_auto(GStrv) env2 = ovh_server_environ(&f.plan, 1, "openvscode-server.socket");
        g_assert_true(g_strv_contains((const char *const *) env2, "LANG=C.UTF-8"));
        ovh_config_free(f.config);
}

static bool has(char **env, const char *entry) {
        return g_strv_contains((const char *const *) env, entry);
}

static void test_gallery(void) {
        Fixture f;
        fixture_init(&f, NULL);
        /* code-server: EXTENSIONS_GALLERY, Open VSX by default. */
        f.payload.kind = OVH_SERVER_KIND_CODE_SERVER;
        g_auto(GStrv) cs = ovh_server_environ(&f.plan, 1, "x");
        g_assert_true(has(cs, "EXTENSIONS_GALLERY={\"serviceUrl\":\"https://open-vsx.org/vscode/gallery\","
                              "\"itemUrl\":\"https://open-vsx.org/vscode/item\",\"resourceUrlTemplate\":"
                              "\"https://open-vsx.org/vscode/unpkg/{publisher}/{name}/{version}/{path}\","
                              "\"extensionUrlTemplate\":\"https://open-vsx.org/vscode/gallery/{publisher}/{name}/"
                              "latest\",\"controlUrl\":\"\",\"nlsBaseUrl\":\"\"}"));
        /* The CLI (install-extension) asks the same gallery. */
        g_auto(GStrv) cli = ovh_server_cli_environ(&f.plan);
        const char *gallery = NULL;
        for (char **e = cs; *e; e++)
                if (g_str_has_prefix(*e, "EXTENSIONS_GALLERY="))
                        gallery = *e;
        g_assert_nonnull(gallery);
        g_assert_true(has(cli, gallery));
        /* VSCodium: VSCODE_GALLERY_*, from the configured server. */
        f.payload.kind = OVH_SERVER_KIND_VSCODIUM;
        f.config->extensions_gallery = g_strdup("https://vsx.example.org/");
        g_auto(GStrv) vc = ovh_server_environ(&f.plan, 1, "x");
        g_assert_true(has(vc, "VSCODE_GALLERY_SERVICE_URL=https://vsx.example.org/vscode/gallery"));
        g_assert_true(has(vc, "VSCODE_GALLERY_ITEM_URL=https://vsx.example.org/vscode/item"));
        g_assert_true(has(vc, "VSCODE_GALLERY_RESOURCE_URL_TEMPLATE=https://vsx.example.org/vscode/unpkg/{publisher}/"
                              "{name}/{version}/{path}"));
        g_assert_true(has(vc, "VSCODE_GALLERY_EXTENSION_URL_TEMPLATE=https://vsx.example.org/vscode/gallery/"
                              "{publisher}/{name}/latest"));
        /* openvscode-server: product.json only, nothing in the environment. */
        f.payload.kind = OVH_SERVER_KIND_OPENVSCODE_SERVER;
        g_auto(GStrv) ovs = ovh_server_environ(&f.plan, 1, "x");
        for (char **e = ovs; *e; e++)
                g_assert_false(g_str_has_prefix(*e, "EXTENSIONS_GALLERY=") || g_str_has_prefix(*e, "VSCODE_GALLERY_"));
        g_assert_false(ovh_server_gallery_settable(OVH_SERVER_KIND_MICROSOFT));
        ovh_config_free(f.config);
}

static void test_package_version(void) {
        g_autofree char *v1 = ovh_package_version("{\n  \"name\": \"code-server\",\n  \"version\": \"1.100.3\",\n}");
        g_assert_cmpstr(v1, ==, "1.100.3");
        g_autofree char *v2 = ovh_package_version("{\"version\" : \"1.2.3-rc.1\"}");
        g_assert_cmpstr(v2, ==, "1.2.3-rc.1");
        g_assert_null(ovh_package_version("{\"name\": \"x\"}"));
        g_assert_null(ovh_package_version("{\"version\": 3}"));
        g_assert_null(ovh_package_version("{\"version\": \"a\\\"b\"}"));
}

static void test_time_zone(void) {
        static const char *const bad[] = { "../../etc/passwd", "/etc/localtime", "Euro pe", "" };
        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_autoptr(OvhConfig) c = ovh_config_new();
                g_autoptr(GError) error = NULL;
                c->time_zone = g_strdup(bad[i]);
                g_assert_cmpint(ovh_server_check_time_zone(c, &error), <, 0);
                g_assert_error(error, OVH_ERROR, EX_CONFIG);
        }
        if (g_file_test("/usr/share/zoneinfo/Etc/UTC", G_FILE_TEST_EXISTS)) {
                g_autoptr(OvhConfig) c = ovh_config_new();
                c->time_zone = g_strdup("Etc/UTC");
                g_assert_cmpint(ovh_server_check_time_zone(c, NULL), ==, 0);
                g_free(c->time_zone);
                c->time_zone = g_strdup("Mars/Olympus");
                g_assert_cmpint(ovh_server_check_time_zone(c, NULL), <, 0);
        }
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/server/argv-default", test_argv_default);
        g_test_add_func("/server/argv-options", test_argv_options);
        g_test_add_func("/server/extra-arguments-refused", test_extra_arguments_refused);
        g_test_add_func("/server/environ", test_environ);
        g_test_add_func("/server/package-version", test_package_version);
        g_test_add_func("/server/gallery", test_gallery);
        g_test_add_func("/server/time-zone", test_time_zone);
        return g_test_run();
}

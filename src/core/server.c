/* SPDX-License-Identifier: MIT */
#include "server.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "ovh-error.h"
#include "paths.h"

void ovh_payload_clear(OvhPayload *p) {
        g_clear_pointer(&p->root, g_free);
        g_clear_pointer(&p->node, g_free);
        g_clear_pointer(&p->server_main, g_free);
        g_clear_pointer(&p->version, g_free);
        g_clear_pointer(&p->release, g_free);
        g_clear_pointer(&p->chosen_by, g_free);
}

char *ovh_package_version(const char *json) {
        g_autofree char *v = ovh_json_top_string(json, "version");
        return ovh_server_version_valid(v) ? g_steal_pointer(&v) : NULL;
}

int ovh_payload_resolve(const OvhConfig *config, const char *store_dir, OvhPayload *ret, GError **error) {
        g_auto(OvhServerChoice) choice = {};

        ovh_server_choose(config, store_dir, &choice);
        return ovh_payload_resolve_choice(config, &choice, ret, error);
}

int ovh_payload_resolve_choice(const OvhConfig *config, const OvhServerChoice *chosen, OvhPayload *ret,
                               GError **error) {
        g_auto(OvhServerChoice) choice = { chosen->origin, g_strdup(chosen->top), g_strdup(chosen->describe) };
        g_auto(OvhServerTree) tree = {};

        ret->chosen_by = g_strdup(choice.describe);
        ret->root = g_strdup(choice.top);
        if (choice.origin == OVH_SERVER_FROM_STORE) {
                /* The entry itself, not `current`: a later switch must not
                 * move the files under a running server. */
                g_autofree char *real = realpath(choice.top, NULL);
                if (real) {
                        g_free(choice.top);
                        choice.top = g_steal_pointer(&real);
                }
        }
        g_autofree char *main_js = g_build_filename(choice.top, "out", "server-main.js", NULL);
        g_autofree char *lib_main_js = g_build_filename(choice.top, "lib", "vscode", "out", "server-main.js", NULL);
        if (access(main_js, R_OK) < 0 && access(lib_main_js, R_OK) < 0) {
                int e = errno;
                if (choice.origin == OVH_SERVER_FROM_PACKAGE)
                        return ovh_fail(error, EX_NOINPUT, e,
                                        "no VS Code server: %s not found; install one with openvscodectl server "
                                        "install code-server (or the openvscode-server package), or set [Server] "
                                        "Root= to a server tree",
                                        main_js);
                return ovh_fail(error, EX_NOINPUT, e,
                                "%s: no VS Code server at %s: neither out/server-main.js nor "
                                "lib/vscode/out/server-main.js; point it at the directory a release unpacks to",
                                choice.describe, choice.top);
        }
        int r = ovh_server_tree_detect(choice.top, &tree, error);
        if (r < 0)
                return r;
        if (tree.kind == OVH_SERVER_KIND_MICROSOFT && !config->accept_microsoft_license)
                return ovh_fail(error, EX_CONFIG, EPERM,
                                "%s is Microsoft's VS Code server, which has its own licence "
                                "(https://aka.ms/vscode-server-license); set [Server] AcceptMicrosoftLicense=yes "
                                "once you accept it, or install another kind (openvscodectl server install "
                                "code-server)",
                                choice.top);
        g_free(ret->root);
        ret->root = g_strdup(tree.root);
        ret->kind = tree.kind;
        ret->server_main = g_build_filename(tree.root, "out", "server-main.js", NULL);
        ret->version = g_steal_pointer(&tree.version);
        ret->release = g_steal_pointer(&tree.release);

        if (config->node)
                ret->node = g_strdup(config->node);
        else
                ret->node = g_strdup(tree.node ? tree.node : "/usr/bin/node");
        if (access(ret->node, X_OK) < 0)
                return ovh_fail(error, EX_NOINPUT, errno,
                                "node missing: %s is not an executable (%s); install nodejs or set [Server] Node=",
                                ret->node, g_strerror(errno));
        return 0;
}

char *ovh_server_default_folder(const OvhConfig *config, const OvhAccount *account) {
        if (config->default_folder)
                return g_strdup(config->default_folder);
        return g_build_filename(account->home, OVH_WORKSPACE_NAME, NULL);
}

int ovh_server_check_extra_arguments(const OvhConfig *config, GError **error) {
        /* These belong to the launcher: the token must only come through
         * the token file, and the server must answer on the socket systemd
         * handed over, never bind its own. */
        static const char *const owned[] = {
                "--connection-token",
                "--connection-token-file",
                "--without-connection-token",
                "--host",
                "--port",
                "--socket-path",
                "--server-data-dir",
                "--user-data-dir",
                "--extensions-dir",
        };
        const char *where = ovh_config_origin(config, "Server", "ExtraArguments");

        for (char **a = config->extra_arguments; a && *a; a++) {
                g_autofree char *flag = g_strdup(*a);
                char *eq = strchr(flag, '=');
                if (eq)
                        *eq = '\0';
                for (size_t i = 0; i < G_N_ELEMENTS(owned); i++)
                        if (g_str_equal(flag, owned[i]))
                                return ovh_fail(error, EX_CONFIG, EINVAL,
                                                "%s: [Server] ExtraArguments= may not contain %s: the launcher sets "
                                                "it (token via [Auth], address via the .socket unit); remove it",
                                                where ? where : "launcher.conf", owned[i]);
        }
        return 0;
}

/* The account's server data, user data and extensions directories: the
 * server and VS Code's CLI take the same three, so the CLI changes exactly
 * what the running server sees. */
static void add_state_dirs(GPtrArray *argv, const char *state) {
        g_ptr_array_add(argv, g_strdup("--server-data-dir"));
        g_ptr_array_add(argv, g_strdup(state));
        g_ptr_array_add(argv, g_strdup("--user-data-dir"));
        g_ptr_array_add(argv, g_build_filename(state, "data", NULL));
        g_ptr_array_add(argv, g_strdup("--extensions-dir"));
        g_ptr_array_add(argv, g_build_filename(state, "extensions", NULL));
}

char **ovh_server_argv(const OvhServerPlan *plan) {
        const OvhConfig *c = plan->config;
        g_autofree char *state = g_build_filename(plan->account->home, OVH_STATE_SUBDIR, NULL);
        GPtrArray *argv = g_ptr_array_new();

        g_ptr_array_add(argv, g_strdup(plan->payload->node));
        g_ptr_array_add(argv, g_strdup("--require"));
        g_ptr_array_add(argv, g_strdup(plan->sd_listen_js));
        g_ptr_array_add(argv, g_strdup(plan->payload->server_main));
        g_ptr_array_add(argv, g_strdup("--accept-server-license-terms"));
        if (plan->token_file) {
                g_ptr_array_add(argv, g_strdup("--connection-token-file"));
                g_ptr_array_add(argv, g_strdup(plan->token_file));
        } else {
                g_ptr_array_add(argv, g_strdup("--without-connection-token"));
        }
        add_state_dirs(argv, state);
        g_ptr_array_add(argv, g_strdup("--default-folder"));
        g_ptr_array_add(argv, ovh_server_default_folder(c, plan->account));
        g_ptr_array_add(argv, g_strdup("--telemetry-level"));
        g_ptr_array_add(argv, g_strdup(c->telemetry));
        if (c->base_path) {
                g_ptr_array_add(argv, g_strdup("--server-base-path"));
                g_ptr_array_add(argv, g_strdup(c->base_path));
        }
        if (c->idle_shutdown) {
                /* Exit when the last client closes (at once on a clean
                 * close); the socket stays with systemd, so the next
                 * connection starts the server again: zero idle cost. */
                g_ptr_array_add(argv, g_strdup("--enable-remote-auto-shutdown"));
                g_ptr_array_add(argv, g_strdup("--remote-auto-shutdown-without-delay"));
        }
        for (char **a = c->extra_arguments; a && *a; a++)
                g_ptr_array_add(argv, g_strdup(*a));
        g_ptr_array_add(argv, NULL);
        return (char **) g_ptr_array_free(argv, FALSE);
}

static bool is_locale_variable(const char *name) {
        return g_str_equal(name, "LANG") || g_str_equal(name, "LANGUAGE") || g_str_has_prefix(name, "LC_");
}

/* The environment of every process the launcher starts as the account;
 * the server itself also gets the socket's LISTEN_* variables. */
static GPtrArray *account_environ(const OvhServerPlan *plan) {
        const OvhAccount *a = plan->account;
        GPtrArray *env = g_ptr_array_new();

        g_ptr_array_add(env, g_strdup_printf("HOME=%s", a->home));
        g_ptr_array_add(env, g_strdup_printf("USER=%s", a->name));
        g_ptr_array_add(env, g_strdup_printf("LOGNAME=%s", a->name));
        g_ptr_array_add(env, g_strdup_printf("SHELL=%s", a->shell));
        g_ptr_array_add(env, g_strdup("PATH=" OVH_SERVER_PATH));

        bool have_lang = false;
        for (const char *const *e = plan->launcher_environ; e && *e; e++) {
                const char *eq = strchr(*e, '=');
                if (!eq)
                        continue;
                g_autofree char *name = g_strndup(*e, (gsize) (eq - *e));
                if (is_locale_variable(name) && !ovh_has_control_chars(eq + 1)) {
                        g_ptr_array_add(env, g_strdup(*e));
                        have_lang = have_lang || g_str_equal(name, "LANG");
                }
        }
        /* UTF-8 everywhere in the IDE (file names, terminals) by default. */
        if (!have_lang)
                g_ptr_array_add(env, g_strdup("LANG=C.UTF-8"));
        if (plan->config->time_zone)
                g_ptr_array_add(env, g_strdup_printf("TZ=%s", plan->config->time_zone));
        ovh_server_gallery_environ(plan->payload->kind, plan->config->extensions_gallery, env);
        return env;
}

const char *ovh_server_gallery_base(const OvhConfig *config) {
        return config->extensions_gallery ? config->extensions_gallery : OVH_DEFAULT_GALLERY;
}

bool ovh_server_gallery_settable(OvhServerKind kind) {
        return kind == OVH_SERVER_KIND_CODE_SERVER || kind == OVH_SERVER_KIND_VSCODIUM;
}

void ovh_server_gallery_environ(OvhServerKind kind, const char *base, GPtrArray *env) {
        g_autofree char *b = g_strdup(base ? base : OVH_DEFAULT_GALLERY);
        while (g_str_has_suffix(b, "/"))
                b[strlen(b) - 1] = '\0';
        /* An Open VSX server's paths (open-vsx.org and a self-hosted one
         * alike). The URL is validated ([Server] ExtensionsGallery=: no
         * quote, backslash or space), so it goes into JSON as it is. */
        g_autofree char *service = g_strdup_printf("%s/vscode/gallery", b);
        g_autofree char *item = g_strdup_printf("%s/vscode/item", b);
        g_autofree char *resource = g_strdup_printf("%s/vscode/unpkg/{publisher}/{name}/{version}/{path}", b);
        g_autofree char *extension = g_strdup_printf("%s/vscode/gallery/{publisher}/{name}/latest", b);
        switch (kind) {
        case OVH_SERVER_KIND_CODE_SERVER:
                /* code-server's product.ts reads EXTENSIONS_GALLERY, a JSON
                 * object shaped like product.json's extensionsGallery. */
                g_ptr_array_add(env, g_strdup_printf("EXTENSIONS_GALLERY={\"serviceUrl\":\"%s\",\"itemUrl\":\"%s\","
                                                     "\"resourceUrlTemplate\":\"%s\",\"extensionUrlTemplate\":\"%s\","
                                                     "\"controlUrl\":\"\",\"nlsBaseUrl\":\"\"}",
                                                     service, item, resource, extension));
                break;
        case OVH_SERVER_KIND_VSCODIUM:
                /* VSCodium's patch reads VSCODE_GALLERY_*. */
                g_ptr_array_add(env, g_strdup_printf("VSCODE_GALLERY_SERVICE_URL=%s", service));
                g_ptr_array_add(env, g_strdup_printf("VSCODE_GALLERY_ITEM_URL=%s", item));
                g_ptr_array_add(env, g_strdup_printf("VSCODE_GALLERY_RESOURCE_URL_TEMPLATE=%s", resource));
                g_ptr_array_add(env, g_strdup_printf("VSCODE_GALLERY_EXTENSION_URL_TEMPLATE=%s", extension));
                g_ptr_array_add(env, g_strdup("VSCODE_GALLERY_CONTROL_URL="));
                break;
        default:
                /* openvscode-server, VS Code and Microsoft's build read
                 * product.json's extensionsGallery alone: Open VSX for
                 * openvscode-server, Microsoft's Marketplace for its own. */
                break;
        }
}

char **ovh_server_environ(const OvhServerPlan *plan, pid_t pid, const char *listen_fdname) {
        GPtrArray *env = account_environ(plan);

        g_ptr_array_add(env, g_strdup("LISTEN_FDS=1"));
        g_ptr_array_add(env, g_strdup_printf("LISTEN_PID=%d", (int) pid));
        g_ptr_array_add(env, g_strdup_printf("LISTEN_FDNAMES=%s", listen_fdname));
        g_ptr_array_add(env, NULL);
        return (char **) g_ptr_array_free(env, FALSE);
}

int ovh_server_check_time_zone(const OvhConfig *config, GError **error) {
        const char *tz = config->time_zone;
        const char *where = ovh_config_origin(config, "Account", "TimeZone");

        if (!tz)
                return 0;
        const char *zone = tz[0] == ':' ? tz + 1 : tz;
        bool shape_ok = zone[0] != '\0' && zone[0] != '/' && !strstr(zone, "..");
        for (const char *p = zone; shape_ok && *p; p++)
                shape_ok = g_ascii_isalnum(*p) || strchr("/_+-", *p);
        if (!shape_ok)
                return ovh_fail(error, EX_CONFIG, EINVAL,
                                "%s: time zone \"%s\" is not a zone name; use one such as Europe/Berlin or Etc/UTC",
                                where ? where : "TimeZone", tz);
        if (!g_file_test("/usr/share/zoneinfo", G_FILE_TEST_IS_DIR))
                return 0; /* no tzdata installed: glibc falls back to UTC */
        g_autofree char *path = g_build_filename("/usr/share/zoneinfo", zone, NULL);
        if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
                return ovh_fail(error, EX_CONFIG, ENOENT,
                                "%s: time zone \"%s\" is not in /usr/share/zoneinfo; use a name such as "
                                "Europe/Berlin (see timedatectl list-timezones)",
                                where ? where : "TimeZone", tz);
        return 0;
}

char **ovh_server_cli_environ(const OvhServerPlan *plan) {
        GPtrArray *env = account_environ(plan);
        g_ptr_array_add(env, NULL);
        return (char **) g_ptr_array_free(env, FALSE);
}

char **ovh_server_cli_argv(const OvhServerPlan *plan, char *const *arguments) {
        g_autofree char *state = g_build_filename(plan->account->home, OVH_STATE_SUBDIR, NULL);
        GPtrArray *argv = g_ptr_array_new();

        g_ptr_array_add(argv, g_strdup(plan->payload->node));
        g_ptr_array_add(argv, g_strdup(plan->payload->server_main));
        add_state_dirs(argv, state);
        for (char *const *a = arguments; a && *a; a++)
                g_ptr_array_add(argv, g_strdup(*a));
        g_ptr_array_add(argv, NULL);
        return (char **) g_ptr_array_free(argv, FALSE);
}

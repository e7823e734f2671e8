/* SPDX-License-Identifier: MIT */
#include "ctl.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "config.h"
#include "envfile.h"
#include "ovh-error.h"
#include "paths.h"
#include "prebuilt-filter.h"
#include "runas.h"

extern char **environ;

/* VS Code's CLI offline answers within seconds; a marketplace that does
 * not answer must not hang the admin's shell forever. */
#define SERVER_CLI_TIMEOUT_SEC 300

void ctl_warning(const char *format, ...) {
        va_list ap;
        va_start(ap, format);
        g_autofree char *message = g_strdup_vprintf(format, ap);
        va_end(ap);
        fprintf(stderr, "openvscodectl: warning: %s\n", message);
}

void ctl_print_output(FILE *stream, const GString *text) {
        if (!text || text->len == 0)
                return;
        g_autofree char *shown = ovh_printable_text(text->str, text->len);
        fputs(shown, stream);
        if (!g_str_has_suffix(shown, "\n"))
                fputc('\n', stream);
}

int ctl_usage_error(GError **error, const char *verb, const char *format, ...) {
        va_list ap;
        va_start(ap, format);
        g_autofree char *message = g_strdup_vprintf(format, ap);
        va_end(ap);
        g_autofree char *help = verb ? g_strconcat(verb, " ", NULL) : g_strdup("");
        return ovh_fail(error, EX_USAGE, EINVAL, "%s%s%s; see openvscodectl %s--help", verb ? verb : "",
                        verb ? ": " : "", message, help);
}

bool ctl_caller_is_root(void) {
        return geteuid() == 0;
}

int ctl_require_root(const char *verb, GError **error) {
        if (ctl_caller_is_root())
                return 0;
        return ovh_fail(error, EX_NOPERM, EPERM,
                        "%s changes the system and only root may run it; run: sudo openvscodectl %s", verb, verb);
}

int ctl_require_systemd(GError **error) {
        if (g_file_test("/run/systemd/system", G_FILE_TEST_IS_DIR))
                return 0;
        return ovh_fail(error, EX_UNAVAILABLE, ENOENT,
                        "systemd is not running on this machine (no /run/systemd/system); openvscodectl needs the "
                        "systemd units of openvscode-host: boot with systemd");
}

/* One connection to systemd for the whole run of openvscodectl. */
static sd_bus *systemd_bus;

static int ctl_bus(sd_bus **ret, GError **error) {
        if (!systemd_bus) {
                int r = ovh_systemd_connect(&systemd_bus, error);
                if (r < 0)
                        return r;
        }
        *ret = systemd_bus;
        return 0;
}

int ctl_unit_state(const char *unit, OvhUnitState *ret) {
        sd_bus *bus;
        int r;

        *ret = (OvhUnitState){};
        r = ctl_bus(&bus, NULL);
        if (r < 0)
                return r;
        return ovh_systemd_unit_state(bus, unit, ret, NULL);
}

int ctl_require_unit(const char *unit, GError **error) {
        g_auto(OvhUnitState) state = {};
        (void) ctl_unit_state(unit, &state);

        if (state.load_state && g_str_equal(state.load_state, "loaded"))
                return 0;
        return ovh_fail(error, EX_UNAVAILABLE, ENOENT,
                        "%s is not installed (LoadState=%s); install the openvscode-host package", unit,
                        state.load_state ? state.load_state : "unknown");
}

int ctl_try_restart(const char *unit, GError **error) {
        sd_bus *bus;
        int r = ctl_bus(&bus, error);
        return r < 0 ? r : ovh_systemd_try_restart(bus, unit, error);
}

int ctl_stop(const char *unit, GError **error) {
        sd_bus *bus;
        int r = ctl_bus(&bus, error);
        return r < 0 ? r : ovh_systemd_stop(bus, unit, error);
}

bool ctl_unit_is_active(const char *unit) {
        g_auto(OvhUnitState) state = {};
        if (ctl_unit_state(unit, &state) < 0)
                return false;
        const char *s = state.active_state;
        return g_str_equal(s, "active") || g_str_equal(s, "activating") || g_str_equal(s, "reloading");
}

pid_t ctl_unit_main_pid(const char *unit) {
        g_auto(OvhUnitState) state = {};
        if (ctl_unit_state(unit, &state) < 0)
                return 0;
        return (pid_t) state.main_pid;
}

int ctl_socket_listen(const char *unit, char ***ret, GError **error) {
        sd_bus *bus;
        int r = ctl_bus(&bus, error);
        return r < 0 ? r : ovh_systemd_socket_listen(bus, unit, ret, error);
}

/* The credential file a LoadCredential= name resolves to, or NULL. */
static char *credential_file(const char *source) {
        if (g_path_is_absolute(source))
                return g_file_test(source, G_FILE_TEST_EXISTS) ? g_strdup(source) : NULL;
        for (const char *const *d = ctl_credstore_dirs; *d; d++) {
                g_autofree char *path = g_build_filename(*d, source, NULL);
                if (g_file_test(path, G_FILE_TEST_EXISTS))
                        return g_steal_pointer(&path);
        }
        return NULL;
}

CtlCredentialKind ctl_unit_credential(const char *unit, char **ret_source, char **ret_file) {
        g_auto(OvhUnitCredential) credential = {};
        g_autofree char *file = NULL;
        sd_bus *bus;

        *ret_source = NULL;
        *ret_file = NULL;
        if (ctl_bus(&bus, NULL) < 0 ||
            ovh_systemd_service_credential(bus, unit, OVH_CREDENTIAL_NAME, &credential, NULL) < 0)
                return CTL_CREDENTIAL_NONE;
        if (credential.load)
                file = credential_file(credential.load);
        CtlCredentialKind kind = ctl_credential_choose(&credential, file != NULL, ret_source);
        if (kind == CTL_CREDENTIAL_FILE)
                *ret_file = g_steal_pointer(&file);
        return kind;
}

void ctl_instance_clear(CtlInstance *ci) {
        g_clear_pointer(&ci->instance, g_free);
        g_clear_pointer(&ci->socket_unit, g_free);
        g_clear_pointer(&ci->service_unit, g_free);
        g_clear_pointer(&ci->runtime_dir, g_free);
        g_clear_pointer(&ci->config, ovh_config_free);
        g_clear_pointer(&ci->environment, g_strfreev);
        g_clear_pointer(&ci->account, ovh_account_free);
}

int ctl_check_instance_name(const char *user, GError **error) {
        if (!user)
                return 0;
        if (!*user || strchr(user, '/') || strchr(user, '@') || ovh_has_control_chars(user))
                return ovh_fail(error, EX_USAGE, EINVAL,
                                "--user: \"%s\" is not an account name; give the user of openvscode-server@USER", user);
        return 0;
}

/* launcher.conf is root's: another caller learns the payload ([Server]
 * Root= and Node=) from the running server's command line, which the
 * account may read: NODE --require SD_LISTEN_JS ROOT/out/server-main.js. */
static void adopt_running_server(CtlInstance *ci) {
        pid_t pid = ctl_unit_main_pid(ci->service_unit);
        g_autofree char *path = g_strdup_printf("/proc/%d/cmdline", (int) pid);
        g_autofree char *cmdline = NULL;
        gsize length = 0;

        if (pid <= 0 || !g_file_get_contents(path, &cmdline, &length, NULL) || length == 0)
                return;
        const char *node = cmdline;
        for (const char *a = cmdline; a < cmdline + length; a += strlen(a) + 1) {
                if (!g_str_has_suffix(a, "/out/server-main.js") || !g_path_is_absolute(a) || !g_path_is_absolute(node))
                        continue;
                g_autofree char *out = g_path_get_dirname(a);
                g_free(ci->config->root);
                ci->config->root = g_path_get_dirname(out);
                g_free(ci->config->node);
                ci->config->node = g_strdup(node);
                return;
        }
}

int ctl_instance_load(CtlInstance *ci, const char *user, GError **error) {
        int r;

        r = ctl_check_instance_name(user, error);
        if (r < 0)
                return r;
        ci->instance = g_strdup(user);
        if (user) {
                ci->socket_unit = g_strdup_printf(OVH_TEMPLATE_PREFIX "%s.socket", user);
                ci->service_unit = g_strdup_printf(OVH_TEMPLATE_PREFIX "%s.service", user);
                ci->runtime_dir = g_strdup_printf("/run/" OVH_TEMPLATE_PREFIX "%s", user);
        } else {
                ci->socket_unit = g_strdup(OVH_SOCKET_UNIT);
                ci->service_unit = g_strdup(OVH_SERVICE_UNIT);
                ci->runtime_dir = g_strdup(OVH_RUNTIME_DIR);
        }

        ci->config = ovh_config_new();
        if (ctl_caller_is_root()) {
                r = ovh_config_load(ci->config, OVH_CONFIG_FILE, false, error);
                if (r < 0)
                        return r;
                if (!user) {
                        /* The variables the unit's EnvironmentFile= gives the
                         * launcher: they win over launcher.conf there too. */
                        r = ovh_envfile_load(OVH_ENVIRONMENT_FILE, &ci->environment, error);
                        if (r < 0)
                                return r;
                        r = ovh_config_apply_environment(ci->config, (const char *const *) ci->environment, NULL,
                                                         error);
                        if (r < 0)
                                return r;
                }
                ci->config_read = true;
        } else {
                adopt_running_server(ci);
        }

        const char *name = user ? user : ci->config->user ? ci->config->user : OVH_DEFAULT_USER;
        g_autofree char *origin = user               ? g_strdup("--user")
                                  : ci->config->user ? g_strdup(ovh_config_origin(ci->config, "Account", "User"))
                                                     : g_strdup("the default account");
        return ovh_account_resolve(name, ci->config->group, origin ? origin : "[Account] User=", &ci->account, error);
}

int ctl_require_root_or_account(const CtlInstance *ci, const char *verb, GError **error) {
        if (ctl_caller_is_root() || (ci->account && geteuid() == ci->account->uid))
                return 0;
        return ovh_fail(error, EX_NOPERM, EPERM,
                        "%s: only root or the account %s may do this (you are uid %u); run it with sudo", verb,
                        ci->account ? ci->account->name : OVH_DEFAULT_USER, (unsigned) geteuid());
}

int ctl_instance_open(CtlInstance *ci, const char *user, const char *access_verb, bool socket, GError **error) {
        int r;

        r = ctl_require_systemd(error);
        if (r < 0)
                return r;
        r = ctl_instance_load(ci, user, error);
        if (r < 0)
                return r;
        if (access_verb) {
                r = ctl_require_root_or_account(ci, access_verb, error);
                if (r < 0)
                        return r;
        }
        return ctl_require_unit(socket ? ci->socket_unit : ci->service_unit, error);
}

char *ctl_extensions_dir(const CtlInstance *ci) {
        return g_build_filename(ci->account->home, OVH_STATE_SUBDIR, "extensions", NULL);
}

char *ctl_config_dropin(const char *name) {
        g_autofree char *dir = g_strconcat(OVH_CONFIG_FILE, ".d", NULL);
        return g_build_filename(dir, name, NULL);
}

int ctl_server_context_init(CtlServerContext *c, const CtlInstance *ci, GError **error) {
        int r;

        *c = (CtlServerContext){ 0 };
        r = ovh_payload_resolve(ci->config, OVH_SERVERS_DIR, &c->payload, error);
        if (r < 0)
                return r;
        r = ovh_sandbox_program_for_config(ci->config, &ovh_prebuilt_filter, &c->filter, error);
        if (r < 0)
                return r;
        c->plan = (OvhServerPlan){
                .config = ci->config,
                .account = ci->account,
                .payload = &c->payload,
                .launcher_environ = (const char *const *) environ,
        };
        return 0;
}

void ctl_server_context_clear(CtlServerContext *c) {
        ovh_payload_clear(&c->payload);
        ovh_sandbox_program_clear(&c->filter);
}

int ctl_run_server_cli(const CtlServerContext *c, const CtlInstance *ci, const char *verb, char *const *arguments,
                       int *ret_status, GString **ret_out, GString **ret_err, GError **error) {
        int r;

        if (!ctl_caller_is_root()) {
                /* The account itself: the CLI is one more of its own
                 * processes, which root's session never sees. */
                g_autoptr(GString) out = g_string_new(NULL);
                g_autofree char *err = NULL;
                r = ovh_server_cli_run(&c->plan, &c->filter, arguments, SERVER_CLI_TIMEOUT_SEC, ret_status, out, &err,
                                       error);
                if (r < 0)
                        return r;
                *ret_out = g_steal_pointer(&out);
                *ret_err = g_string_new(err);
                return 0;
        }

        /* Root: in the service's own sandbox, a unit of its own
         * (ovh_server_cli_run_in_unit), never in root's session. */
        return ctl_run_cli_in_unit(ci, verb, NULL, arguments, SERVER_CLI_TIMEOUT_SEC, ret_status, ret_out, ret_err,
                                   error);
}

int ctl_running_units(const char *pattern, char ***ret, GError **error) {
        sd_bus *bus;
        int r = ctl_bus(&bus, error);
        if (r < 0)
                return r;
        return ovh_systemd_running_units(bus, pattern, ret, error);
}

int ctl_run_cli_in_unit(const CtlInstance *ci, const char *verb, const char *server_root, char *const *arguments,
                        int timeout_sec, int *ret_status, GString **ret_out, GString **ret_err, GError **error) {
        sd_bus *bus;
        int r = ctl_require_systemd(error);
        if (r >= 0)
                r = ctl_bus(&bus, error);
        if (r < 0)
                return r;
        OvhServerCliInUnit cli = {
                .service = ci->service_unit,
                .instance = ci->instance,
                .account = ci->account,
                .arguments = arguments,
                .verb = verb,
                .timeout_sec = timeout_sec,
                .server_root = server_root,
        };
        return ovh_server_cli_run_in_unit(bus, &cli, ret_status, ret_out, ret_err, error);
}

void ctl_print_json(JsonBuilder *b) {
        g_autoptr(JsonGenerator) gen = json_generator_new();
        g_autoptr(JsonNode) root = json_builder_get_root(b);
        json_generator_set_root(gen, root);
        json_generator_set_pretty(gen, TRUE);
        g_autofree char *text = json_generator_to_data(gen, NULL);
        printf("%s\n", text);
}

int ctl_parse_user_option(const char *verb, const char *help, int argc, char *argv[], const char **user, bool *json,
                          GError **error) {
        static const struct option with_json[] = {
                { "user", required_argument, NULL, 'u' },
                { "help", no_argument, NULL, 'h' },
                { "json", no_argument, NULL, 'j' },
                {},
        };
        /* The same table without its --json entry. */
        static const struct option without_json[] = {
                { "user", required_argument, NULL, 'u' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        int c;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":u:h", json ? with_json : without_json, NULL)) >= 0) {
                switch (c) {
                case 'u':
                        if (ctl_check_instance_name(optarg, error) < 0)
                                return -EINVAL;
                        *user = optarg;
                        break;
                case 'j':
                        *json = true;
                        break;
                case 'h':
                        fputs(help, stdout);
                        return 0;
                case ':':
                        return ctl_usage_error(error, verb, "option %s needs a value", argv[optind - 1]);
                default:
                        return ctl_usage_error(error, verb, "unknown option %s", argv[optind - 1]);
                }
        }
        return 1;
}

/* SPDX-License-Identifier: MIT */
#include "ctl.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "command.h"
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

int ctl_systemctl(char **ret_output, int *ret_status, GError **error, ...) {
        g_autoptr(GPtrArray) argv = g_ptr_array_new();
        va_list ap;

        g_ptr_array_add(argv, (char *) "systemctl");
        va_start(ap, error);
        for (const char *a; (a = va_arg(ap, const char *));)
                g_ptr_array_add(argv, (char *) a);
        va_end(ap);
        g_ptr_array_add(argv, NULL);
        return ovh_command_run((char **) argv->pdata, NULL, ret_output, ret_status, error);
}

GHashTable *ctl_unit_properties(const char *unit, const char *const *names) {
        g_autofree char *joined = g_strjoinv(",", (char **) names);
        g_autofree char *output = NULL;
        int status;

        if (ctl_systemctl(&output, &status, NULL, "show", "-p", joined, "--", unit, NULL) < 0 || status != 0)
                return NULL;
        GHashTable *table = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_auto(GStrv) lines = g_strsplit(output, "\n", -1);
        for (char **l = lines; *l; l++) {
                char *eq = strchr(*l, '=');
                if (eq)
                        g_hash_table_replace(table, g_strndup(*l, (gsize) (eq - *l)), g_strdup(eq + 1));
        }
        return table;
}

int ctl_require_unit(const char *unit, GError **error) {
        g_autoptr(GHashTable) p = ctl_unit_properties(unit, (const char *const[]){ "LoadState", NULL });
        const char *state = p ? g_hash_table_lookup(p, "LoadState") : NULL;

        if (state && g_str_equal(state, "loaded"))
                return 0;
        return ovh_fail(error, EX_UNAVAILABLE, ENOENT,
                        "%s is not installed (LoadState=%s); install the openvscode-host package", unit,
                        state ? state : "unknown");
}

static int systemctl_checked(const char *what, GError **error, const char *verb, const char *unit) {
        g_autofree char *output = NULL;
        int status, r;

        r = ctl_systemctl(&output, &status, error, verb, unit, NULL);
        if (r < 0)
                return r;
        if (status != 0) {
                g_autofree char *line = ovh_command_first_line(output);
                return ovh_fail(error, EX_OSERR, EIO, "systemctl %s%s%s failed: %s; see journalctl -xe", verb,
                                unit ? " " : "", unit ? unit : "", line);
        }
        (void) what;
        return 0;
}

int ctl_daemon_reload(GError **error) {
        return systemctl_checked("reload", error, "daemon-reload", NULL);
}

int ctl_try_restart(const char *unit, GError **error) {
        return systemctl_checked("restart", error, "try-restart", unit);
}

bool ctl_unit_is_active(const char *unit) {
        g_autoptr(GHashTable) p = ctl_unit_properties(unit, (const char *const[]){ "ActiveState", NULL });
        const char *state = p ? g_hash_table_lookup(p, "ActiveState") : NULL;
        return state &&
               (g_str_equal(state, "active") || g_str_equal(state, "activating") || g_str_equal(state, "reloading"));
}

pid_t ctl_unit_main_pid(const char *unit) {
        g_autoptr(GHashTable) p = ctl_unit_properties(unit, (const char *const[]){ "MainPID", NULL });
        const char *pid = p ? g_hash_table_lookup(p, "MainPID") : NULL;
        return pid ? (pid_t) g_ascii_strtoll(pid, NULL, 10) : 0;
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
        r = ovh_payload_resolve(ci->config->root, ci->config->node, &c->payload, error);
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

int ctl_run_server_cli(const CtlServerContext *c, const CtlInstance *ci, char *const *arguments, int *ret_status,
                       char **ret_stderr, GError **error) {
        (void) ci; /* the plan carries the instance's account and configuration */
        return ovh_server_cli_run(&c->plan, &c->filter, arguments, SERVER_CLI_TIMEOUT_SEC, ret_status, ret_stderr,
                                  error);
}

int ctl_parse_user_option(const char *verb, const char *help, int argc, char *argv[], const char **user,
                          GError **error) {
        static const struct option options[] = {
                { "user", required_argument, NULL, 'u' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        int c;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":u:h", options, NULL)) >= 0) {
                switch (c) {
                case 'u':
                        if (ctl_check_instance_name(optarg, error) < 0)
                                return -EINVAL;
                        *user = optarg;
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

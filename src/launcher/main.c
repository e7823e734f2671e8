/* SPDX-License-Identifier: MIT */
/*
 * openvscode-launcher: the ExecStart= of openvscode-server.service.
 *
 * It starts as root (bounded by the unit), validates everything first,
 * then writes the token and the home skeleton, becomes the account, drops
 * every capability, sets no_new_privs, loads the seccomp filter and execs
 * the VS Code server in this same process, so the socket systemd passed
 * (fd 3, LISTEN_PID = our pid) is the one the server answers on.
 *
 * This file only orders the steps; each step lives in its own module, and
 * this is the single place that logs errors and picks the exit code.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account.h"
#include "command.h"
#include "config.h"
#include "extension-ids.h"
#include "fileio.h"
#include "home.h"
#include "listen.h"
#include "log.h"
#include "ovh-error.h"
#include "paths.h"
#include "prebuilt-filter.h"
#include "privileges.h"
#include "runas.h"
#include "sandbox.h"
#include "server.h"
#include "sudo.h"
#include "token.h"
#include "unit.h"

/* Extensions= at start: VS Code's CLI gets this long before the launcher
 * gives up on it and starts the server anyway. */
#define EXTENSIONS_TIMEOUT_SEC 120

extern char **environ;

static const char *arg_config = OVH_CONFIG_FILE;
static bool arg_config_given = false;
static const char *arg_user = NULL;
static const char *arg_listen = NULL;
static bool arg_check = false;
static bool arg_prepare_unit = false;

static void help(void) {
        printf("openvscode-launcher [OPTIONS]\n\n"
               "Start the VS Code server on the socket systemd passed, as an unprivileged,\n"
               "sandboxed account.\n\n"
               "  -c --config=PATH      configuration file (default %s, plus PATH.d/*.conf)\n"
               "  -u --user=NAME        account to run as (default [Account] User= or %s)\n"
               "     --listen=ADDR      not socket-activated: listen on HOST:PORT, [V6]:PORT or /path\n"
               "     --check            resolve everything, print the plan, exec nothing\n"
               "     --prepare-unit     write the unit drop-ins the configuration needs (account,\n"
               "                        SUDO_PASSWORD) and reload systemd (ExecStartPre=+), exit\n"
               "     --log-level=LEVEL  err, warning, notice, info or debug (default info)\n"
               "  -h --help             show this help\n"
               "     --version          show the launcher and server versions\n",
               OVH_CONFIG_FILE, OVH_DEFAULT_USER);
}

enum { ARG_LISTEN = 0x100, ARG_CHECK, ARG_PREPARE_UNIT, ARG_LOG_LEVEL, ARG_VERSION };

/* Returns 1 to continue, 0 to exit successfully, < 0 on a usage error. */
static int parse_argv(int argc, char *argv[], bool *show_version, GError **error) {
        static const struct option options[] = {
                { "config", required_argument, NULL, 'c' },
                { "user", required_argument, NULL, 'u' },
                { "listen", required_argument, NULL, ARG_LISTEN },
                { "check", no_argument, NULL, ARG_CHECK },
                { "prepare-unit", no_argument, NULL, ARG_PREPARE_UNIT },
                { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {},
        };
        int c, level;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":c:u:h", options, NULL)) >= 0) {
                switch (c) {
                case 'c':
                        if (!g_path_is_absolute(optarg))
                                return ovh_fail(error, EX_USAGE, EINVAL, "--config=%s: give an absolute path", optarg);
                        arg_config = optarg;
                        arg_config_given = true;
                        break;
                case 'u':
                        arg_user = optarg;
                        break;
                case ARG_LISTEN:
                        arg_listen = optarg;
                        break;
                case ARG_CHECK:
                        arg_check = true;
                        break;
                case ARG_PREPARE_UNIT:
                        arg_prepare_unit = true;
                        break;
                case ARG_LOG_LEVEL:
                        level = ovh_log_parse_level(optarg);
                        if (level < 0)
                                return ovh_fail(error, EX_USAGE, EINVAL,
                                                "--log-level=%s: use err, warning, notice, info or debug", optarg);
                        ovh_log_set_max_level(level);
                        break;
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        *show_version = true;
                        break;
                case ':':
                        return ovh_fail(error, EX_USAGE, EINVAL, "option %s needs a value; see --help",
                                        argv[optind - 1]);
                default:
                        return ovh_fail(error, EX_USAGE, EINVAL, "unknown option %s; see --help", argv[optind - 1]);
                }
        }
        if (optind < argc)
                return ovh_fail(error, EX_USAGE, EINVAL, "unexpected argument \"%s\"; see --help", argv[optind]);
        if (arg_prepare_unit && (arg_check || arg_listen || arg_user))
                return ovh_fail(error, EX_USAGE, EINVAL,
                                "--prepare-unit is for the default instance's ExecStartPre=+ alone; drop --check, "
                                "--listen and --user");
        return 1;
}

static const char *sd_listen_js(void) {
        /* Development override (scripts/try, the test suites) so an
         * uninstalled build can use the tree's preload. */
        const char *dev = getenv("OVH_SD_LISTEN_JS");
        return dev && g_path_is_absolute(dev) ? dev : OVH_SD_LISTEN_JS;
}

static char *runtime_token_path(const OvhAccount *account) {
        const char *dir = getenv("RUNTIME_DIRECTORY");
        if (dir && g_path_is_absolute(dir)) {
                /* RuntimeDirectory= may list several, separated by ':'. */
                g_autofree char *first = g_strndup(dir, strcspn(dir, ":"));
                return g_build_filename(first, OVH_RUNTIME_TOKEN_NAME, NULL);
        }
        return g_build_filename(OVH_RUNTIME_DIR, account->name, OVH_RUNTIME_TOKEN_NAME, NULL);
}

/* The token file the server reads: readable by the account only. */
static int write_runtime_token(const char *path, const char *token, const OvhAccount *account, GError **error) {
        g_autofree char *dir = g_path_get_dirname(path);
        g_autofree char *parent = g_path_get_dirname(dir);
        bool root = geteuid() == 0;
        struct stat st;
        int r, r_self;

        if (!root || getenv("RUNTIME_DIRECTORY")) {
                /* systemd's RuntimeDirectory= (root's, 0711) or our own
                 * unprivileged start: write it here, give it to the account. */
                if (g_mkdir_with_parents(dir, 0755) < 0)
                        return ovh_fail(error, EX_CANTCREAT, errno, "cannot create %s: %s", dir, g_strerror(errno));
                return ovh_token_write_file(path, token, 0400, root ? account->uid : (uid_t) -1,
                                            root ? account->gid : (gid_t) -1, error);
        }

        /* Started as root outside systemd: a directory of the account's own
         * under /run, created once by root and written as the account (root
         * here may lack CAP_DAC_OVERRIDE and CAP_FOWNER, as in the unit). */
        if (g_mkdir_with_parents(parent, 0755) < 0)
                return ovh_fail(error, EX_CANTCREAT, errno, "cannot create %s: %s", parent, g_strerror(errno));
        if (mkdir(dir, 0700) == 0) {
                if (chown(dir, account->uid, account->gid) < 0)
                        return ovh_fail(error, EX_CANTCREAT, errno, "cannot give %s to %s: %s", dir, account->name,
                                        g_strerror(errno));
        } else if (errno != EEXIST) {
                return ovh_fail(error, EX_CANTCREAT, errno, "cannot create %s: %s", dir, g_strerror(errno));
        }
        if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != account->uid || (st.st_mode & 077))
                return ovh_fail(error, EX_CANTCREAT, EPERM,
                                "%s must be a directory of %s with mode 0700; remove it (rm -r %s) and start again",
                                dir, account->name, dir);
        r = ovh_privileges_act_as(account, error);
        if (r < 0)
                return r;
        r = ovh_token_write_file(path, token, 0400, (uid_t) -1, (gid_t) -1, error);
        r_self = ovh_privileges_act_as_self(r < 0 ? NULL : error);
        return r < 0 ? r : r_self;
}

static bool no_new_privs_set(void) {
        g_autofree char *status = NULL;
        if (!g_file_get_contents("/proc/self/status", &status, NULL, NULL))
                return false;
        const char *line = strstr(status, "\nNoNewPrivs:");
        return line && strtol(line + strlen("\nNoNewPrivs:"), NULL, 10) == 1;
}

/* --prepare-unit: ExecStartPre=+ of the default unit, with full privileges
 * and the unit's environment, before the start proper.
 *
 * The account: systemd starts the launcher as the unit's User=, so an
 * account chosen by PUID/PGID or [Account] User=/Group= becomes a drop-in
 * in /run (ovh_unit_account_dropin_text()); the default account needs none.
 *
 * sudo: SUDO_PASSWORD(_HASH) set: the same steps as `openvscodectl sudo
 * enable`; unset: undo what an earlier start did from them (never what
 * openvscodectl did).
 *
 * When a drop-in changed, systemd reloads, and the ExecStart= that follows
 * runs with it. */
static int prepare_account_dropin(const OvhConfig *config, const OvhAccount *account, bool *changed, GError **error) {
        const char *origin = config->user ? ovh_config_origin(config, "Account", "User") : "the default account";
        g_autofree char *text = ovh_unit_account_dropin_text(account, origin);
        int r;

        if (!text)
                r = ovh_file_remove(OVH_ACCOUNT_UNIT_DROPIN, error);
        else if (g_mkdir_with_parents(OVH_ACCOUNT_UNIT_DROPIN_DIR, 0755) < 0)
                r = ovh_fail(error, EX_CANTCREAT, errno, "cannot create %s: %s", OVH_ACCOUNT_UNIT_DROPIN_DIR,
                             g_strerror(errno));
        else
                r = ovh_file_replace(OVH_ACCOUNT_UNIT_DROPIN, text, 0644, error);
        if (r > 0) {
                *changed = true;
                if (text)
                        ovh_log_info("%s: the service runs as %s:%s (%s)", origin, account->name, account->group_name,
                                     OVH_ACCOUNT_UNIT_DROPIN);
        }
        return r < 0 ? r : 0;
}

/* systemctl daemon-reload, when systemd runs (not in a chroot or a test). */
static int reload_systemd(GError **error) {
        g_autofree char *output = NULL;
        int status, r;

        if (!g_file_test("/run/systemd/system", G_FILE_TEST_IS_DIR))
                return 0;
        r = ovh_command_run((char *[]){ (char *) "systemctl", (char *) "daemon-reload", NULL }, NULL, &output, &status,
                            error);
        if (r >= 0 && status != 0) {
                g_autofree char *line = ovh_command_first_line(output);
                r = ovh_fail(error, EX_OSERR, EIO, "systemctl daemon-reload failed: %s", line);
        }
        return r < 0 ? r : 0;
}

static int prepare_unit(const OvhConfig *config, GError **error) {
        g_autoptr(OvhAccount) account = NULL;
        g_autofree char *hash = NULL;
        OvhSudoPaths paths = {};
        OvhSudoState state;
        bool unit_changed = false, sudo_changed = false;
        int r;

        const char *user = config->user ? config->user : OVH_DEFAULT_USER;
        r = ovh_account_resolve(user, config->group,
                                config->user ? ovh_config_origin(config, "Account", "User") : "default account",
                                &account, error);
        if (r < 0)
                return r;
        r = prepare_account_dropin(config, account, &unit_changed, error);
        if (r < 0)
                return r;
        ovh_sudo_paths_init(&paths, arg_config);
        ovh_sudo_read_state(&paths, &state);

        if (config->sudo_password_hash || config->sudo_password) {
                if (config->sudo_password_hash) {
                        r = ovh_sudo_check_hash(config->sudo_password_hash,
                                                ovh_config_origin(config, "Sudo", "SUDO_PASSWORD_HASH"), error);
                        if (r < 0)
                                goto out;
                        hash = g_strdup(config->sudo_password_hash);
                } else {
                        /* Keep the hash when it already is this password's:
                         * a new salt at every start would be a change. */
                        hash = ovh_sudo_current_hash(account->name);
                        if (!hash || !ovh_sudo_password_matches(config->sudo_password, hash)) {
                                g_clear_pointer(&hash, g_free);
                                r = ovh_sudo_hash_password(config->sudo_password, &hash, error);
                                if (r < 0)
                                        goto out;
                        }
                }
                if (!state.sudo_installed) {
                        r = ovh_fail(error, EX_CONFIG, ENOENT,
                                     "%s is set, but sudo is not installed; install sudo or remove the variable from "
                                     "%s",
                                     config->sudo_password_hash ? "SUDO_PASSWORD_HASH" : "SUDO_PASSWORD",
                                     OVH_ENVIRONMENT_FILE);
                        goto out;
                }
                r = ovh_sudo_enable(&paths, account->name, hash, OVH_SUDO_BY_ENVIRONMENT, &sudo_changed, error);
                if (r < 0)
                        goto out;
                ovh_log_warning("sudo is enabled for %s from %s: a privilege-escalation path", account->name,
                                config->sudo_password_hash ? "SUDO_PASSWORD_HASH" : "SUDO_PASSWORD");
        } else if (ovh_sudo_state_enabled(&state) && state.by_environment) {
                r = ovh_sudo_disable(&paths, account->name, &sudo_changed, error);
                if (r < 0)
                        goto out;
                ovh_log_info("SUDO_PASSWORD is no longer set: sudo for %s is disabled again", account->name);
        }

out:
        /* Even when sudo failed: the account's drop-in must reach the start
         * that follows (which then reports the sudo problem itself). */
        if (unit_changed || sudo_changed) {
                g_autoptr(GError) reload_error = NULL;
                int r_reload = reload_systemd(r < 0 ? &reload_error : error);
                if (r >= 0)
                        r = r_reload;
                else if (r_reload < 0)
                        ovh_log_warning("%s", reload_error->message);
        }
        if (hash)
                explicit_bzero(hash, strlen(hash));
        ovh_sudo_paths_clear(&paths);
        return r < 0 ? r : 0;
}

/* [Server] Extensions=: install what is missing with VS Code's own CLI, as
 * the account and in the server's sandbox. A failure is logged; the server
 * starts anyway (an unreachable marketplace must not take the IDE down). */
static void install_configured_extensions(const OvhServerPlan *plan, const OvhSandboxProgram *filter) {
        const OvhConfig *config = plan->config;
        const OvhAccount *account = plan->account;
        g_autofree char *manifest_path =
                g_build_filename(account->home, OVH_STATE_SUBDIR, "extensions", "extensions.json", NULL);
        g_autofree char *manifest = NULL;
        g_autoptr(GError) error = NULL;
        const char *where = ovh_config_origin(config, "Server", "Extensions");
        int status = 0;

        /* The manifest is the account's (0700 directory): read it as the
         * account. */
        if (ovh_privileges_act_as(account, NULL) >= 0) {
                (void) g_file_get_contents(manifest_path, &manifest, NULL, NULL);
                (void) ovh_privileges_act_as_self(NULL);
        }
        g_auto(GStrv) missing = ovh_extensions_missing(config->extensions, manifest);
        if (!missing[0]) {
                ovh_log_debug("%s: every extension of [Server] Extensions= is installed", where);
                return;
        }

        g_autoptr(GPtrArray) args = g_ptr_array_new();
        for (char **m = missing; *m; m++) {
                g_ptr_array_add(args, (char *) "--install-extension");
                g_ptr_array_add(args, *m);
        }
        g_ptr_array_add(args, NULL);
        g_auto(GStrv) argv = ovh_server_cli_argv(plan, (char *const *) args->pdata);
        g_auto(GStrv) envp = ovh_server_cli_environ(plan);
        g_autofree char *list = g_strjoinv(" ", missing);
        ovh_log_info("%s: installing %s with VS Code's CLI as %s", where, list, account->name);

        OvhRunAs run = {
                .account = account,
                .umask = config->umask,
                .filter = filter->main ? filter : NULL,
                .argv = argv,
                .envp = envp,
                .cwd = account->home,
                .timeout_sec = EXTENSIONS_TIMEOUT_SEC,
        };
        if (ovh_run_as_account(&run, &status, NULL, &error) < 0)
                ovh_log_warning("%s: cannot install %s: %s; the server starts without them", where, list,
                                error->message);
        else if (status != 0)
                ovh_log_warning("%s: VS Code's CLI could not install all of %s (exit status %d, its messages are "
                                "above); the server starts without them. Without the marketplace, name .vsix files "
                                "instead",
                                where, list, status);
        else
                ovh_log_info("%s: installed %s", where, list);
}

/* Started without root (the units' User=): the configuration must name the
 * account systemd started us as, before anything is looked at or written.
 * A mismatch means the unit and the configuration disagree, which only a
 * restart (ExecStartPre=+ --prepare-unit) or a drop-in resolves. */
static int check_start_identity(const OvhConfig *config, const OvhAccount *account, const char *origin,
                                GError **error) {
        if (geteuid() == 0)
                return 0;
        if (geteuid() != account->uid || getegid() != account->gid) {
                g_autofree char *self = ovh_account_describe_self();
                return ovh_fail(error, EX_NOPERM, EPERM,
                                "%s names %s:%s, but the launcher was started as %s and cannot switch; restart the "
                                "service (systemctl restart " OVH_SERVICE_UNIT "), whose ExecStartPre=+ sets "
                                "User=/Group= from the configuration, or start the launcher as root",
                                origin, account->name, account->group_name, self);
        }
        if (config->allow_sudo && config->seccomp)
                return ovh_fail(error, EX_CONFIG, EPERM,
                                "%s: [Sandbox] AllowSudo=yes, but the launcher was not started as root, so it could "
                                "not load its seccomp filter without no_new_privs; enable sudo with openvscodectl "
                                "sudo enable (it writes the unit drop-in that starts it as root)",
                                ovh_config_origin(config, "Sandbox", "AllowSudo"));
        return 0;
}

static void print_version(void) {
        g_autoptr(OvhConfig) config = ovh_config_new();
        OvhPayload payload = {};

        printf("openvscode-launcher %s\n", OVH_VERSION);
        (void) ovh_config_load(config, arg_config, false, NULL);
        if (ovh_payload_resolve(config->root, config->node, &payload, NULL) >= 0)
                printf("server %s (%s)\n", payload.version ? payload.version : "unknown", payload.root);
        else
                printf("server not found (%s)\n", payload.root);
        ovh_payload_clear(&payload);
}

static void print_plan(const OvhAccount *account, const OvhPayload *payload, const OvhListen *listen_socket,
                       const OvhTokenSource *token_source, const OvhSandboxProgram *filter, char **argv) {
        g_autofree char *groups = NULL;
        GString *g = g_string_new(NULL);
        for (int i = 0; i < account->n_groups; i++)
                g_string_append_printf(g, "%s%u", i ? "," : "", (unsigned) account->groups[i]);
        groups = g_string_free(g, FALSE);

        printf("user=%s\nuid=%u\ngid=%u\ngroups=%s\nhome=%s\nnode=%s\nroot=%s\nserver_version=%s\n", account->name,
               (unsigned) account->uid, (unsigned) account->gid, groups, account->home, payload->node, payload->root,
               payload->version ? payload->version : "unknown");
        printf("listen=%s%s\n", listen_socket->description, listen_socket->activated ? " (socket-activated)" : "");
        printf("token_source=%s\ntoken_origin=%s\n", ovh_token_source_name(token_source->kind),
               token_source->origin ? token_source->origin : "");
        if (filter->main)
                printf("seccomp=yes\nseccomp_program=%zu+%zu instructions (%s)\n", filter->n_main, filter->n_late,
                       filter->prebuilt ? "compiled at build time" : "compiled at start");
        else
                printf("seccomp=no\n");
        /* argv carries the token file's path, never the token itself. */
        g_autofree char *joined = g_strjoinv(" ", argv);
        printf("argv=%s\n", joined);
}

static int run(int argc, char *argv[], GError **error) {
        g_autoptr(OvhConfig) config = ovh_config_new();
        g_autoptr(OvhAccount) account = NULL;
        g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
        OvhSandboxProgram filter = {};
        g_auto(GStrv) server_argv = NULL;
        g_auto(GStrv) server_env = NULL;
        g_autofree char *token = NULL;
        g_autofree char *runtime_token = NULL;
        g_autofree char *user_origin = NULL;
        g_autofree char *credential = NULL;
        g_autofree char *folder = NULL;
        OvhListen listen_socket = { .fd = -1 };
        OvhTokenSource token_source = {};
        OvhPayload payload = {};
        bool show_version = false, token_is_new = false;
        int r;

        r = parse_argv(argc, argv, &show_version, error);
        if (r <= 0)
                return r;
        if (show_version) {
                print_version();
                return 0;
        }

        /* 1. Configuration: files, then the container's variables. */
        r = ovh_config_load(config, arg_config, arg_config_given, error);
        if (r >= 0)
                r = ovh_config_apply_environment(config, (const char *const *) environ, warnings, error);
        if (arg_prepare_unit) {
                if (r < 0) {
                        /* Not sudo's business: the sandboxed start that
                         * follows reports it once, with the exit status that
                         * RestartPreventExitStatus= judges. */
                        ovh_log_debug("--prepare-unit: leaving the configuration error to the start: %s",
                                      error && *error ? (*error)->message : g_strerror(-r));
                        g_clear_error(error);
                        return 0;
                }
                r = prepare_unit(config, error);
                goto out;
        }
        if (r < 0)
                goto out;
        for (guint i = 0; i < warnings->len; i++)
                ovh_log_warning("%s", (const char *) warnings->pdata[i]);
        if ((config->sudo_password || config->sudo_password_hash) && !arg_check && no_new_privs_set())
                ovh_log_warning("SUDO_PASSWORD is set, but sudo cannot work in this start (no_new_privs is on): "
                                "the unit's ExecStartPre=+%s --prepare-unit applies it, and its message above says "
                                "why it did not (or, without that line, run openvscodectl sudo enable)",
                                OVH_LAUNCHER_PATH);
        r = ovh_server_check_extra_arguments(config, error);
        if (r < 0)
                goto out;
        r = ovh_server_check_time_zone(config, error);
        if (r < 0)
                goto out;
        if (config->allow_sudo)
                ovh_log_warning("[Sandbox] AllowSudo=yes: no_new_privs is off and the bounding set is kept, "
                                "so sudo in the terminal can become root; this is a privilege-escalation path");

        /* 2. Account, payload. */
        const char *user = arg_user ? arg_user : config->user ? config->user : OVH_DEFAULT_USER;
        user_origin = g_strdup(arg_user       ? "--user"
                               : config->user ? ovh_config_origin(config, "Account", "User")
                                              : "default account");
        r = ovh_account_resolve(user, config->group, user_origin, &account, error);
        if (r < 0)
                goto out;
        r = check_start_identity(config, account, user_origin, error);
        if (r < 0)
                goto out;
        r = ovh_payload_resolve(config->root, config->node, &payload, error);
        if (r < 0)
                goto out;
        /* The state tree is the account's (0750/0700): look at it as the
         * account, so the unit needs no CAP_DAC_* to get in. */
        r = ovh_privileges_act_as(account, error);
        if (r < 0)
                goto out;
        r = ovh_home_check(account, error);
        int r_self = ovh_privileges_act_as_self(r < 0 ? NULL : error);
        if (r < 0 || r_self < 0) {
                r = r < 0 ? r : r_self;
                goto out;
        }

        /* 3. The listening socket: from systemd, or --listen. */
        r = ovh_listen_from_systemd(&listen_socket, error);
        if (r < 0)
                goto out;
        if (r > 0 && arg_listen) {
                r = ovh_fail(error, EX_USAGE, EINVAL,
                             "--listen=%s given, but systemd already passed a socket; drop --listen", arg_listen);
                goto out;
        }
        if (r == 0 && !arg_listen && arg_check) {
                /* An admin checking the configuration from a shell: the
                 * real start gets the socket from openvscode-server.socket. */
                listen_socket.fd = 3;
                listen_socket.fdname = g_strdup("unknown");
                listen_socket.description = g_strdup("(the socket systemd will pass)");
        } else if (r == 0 && !arg_listen) {
                r = ovh_fail(error, EX_USAGE, EINVAL,
                             "no socket: start through openvscode-server.socket (systemctl start "
                             "openvscode-server.socket) or pass --listen=HOST:PORT");
                goto out;
        }
        if (r == 0 && arg_listen) {
                struct sockaddr_storage ss;
                socklen_t len;
                r = ovh_listen_parse(arg_listen, &ss, &len, error);
                if (r < 0)
                        goto out;
                listen_socket.fd = 3;
                listen_socket.fdname = g_strdup("listen");
                listen_socket.description = g_strdup(arg_listen);
        }

        /* 4. Token: source, value (a new one is only generated in memory). */
        const char *credentials = getenv("CREDENTIALS_DIRECTORY");
        credential = credentials ? g_build_filename(credentials, OVH_CREDENTIAL_NAME, NULL) : NULL;
        r = ovh_token_choose(config, credentials, credential && access(credential, F_OK) == 0, account->home,
                             &token_source, error);
        if (r < 0)
                goto out;
        /* A generated token lives in the account's state tree: read it as the
         * account. Credentials and admin token files belong to root. */
        bool token_as_account = token_source.kind == OVH_TOKEN_SOURCE_GENERATED;
        if (token_as_account) {
                r = ovh_privileges_act_as(account, error);
                if (r < 0)
                        goto out;
        }
        r = ovh_token_obtain(config, &token_source, &token, &token_is_new, error);
        if (token_as_account) {
                r_self = ovh_privileges_act_as_self(r < 0 ? NULL : error);
                if (r >= 0 && r_self < 0)
                        r = r_self;
        }
        if (r < 0)
                goto out;
        if (token_source.kind == OVH_TOKEN_SOURCE_NONE)
                ovh_log_warning("%s: [Auth] Mode=none: the IDE is reachable without a token by anyone who can "
                                "connect to %s",
                                token_source.origin ? token_source.origin : "launcher.conf", listen_socket.description);
        else
                runtime_token = runtime_token_path(account);

        /* 5. The server's argv, environment and sandbox: all pure. */
        OvhServerPlan plan = {
                .config = config,
                .account = account,
                .payload = &payload,
                .sd_listen_js = sd_listen_js(),
                .token_file = runtime_token,
                .launcher_environ = (const char *const *) environ,
        };
        server_argv = ovh_server_argv(&plan);
        if (config->seccomp) {
                OvhSandboxOptions sandbox = {
                        .allow_namespaces = config->allow_namespaces,
                        .allow_syscalls = config->allow_syscalls,
                        .deny_syscalls = config->deny_syscalls,
                };
                r = ovh_sandbox_program(&sandbox, &ovh_prebuilt_filter, &filter, error);
                if (r < 0)
                        goto out;
        }

        if (arg_check) {
                print_plan(account, &payload, &listen_socket, &token_source, &filter, server_argv);
                r = 0;
                goto out;
        }

        /* Validation is over; from here on things change on disk. */
        if (arg_listen) {
                g_clear_pointer(&listen_socket.description, g_free);
                g_clear_pointer(&listen_socket.fdname, g_free);
                r = ovh_listen_bind(arg_listen, &listen_socket, error);
                if (r < 0)
                        goto out;
        }

        /* 6. State written as the account, runtime token as root. */
        r = ovh_privileges_act_as(account, error);
        if (r < 0)
                goto out;
        r = ovh_home_create_skeleton(account, error);
        if (r >= 0 && token_is_new)
                r = ovh_token_write_file(token_source.path, token, 0600, (uid_t) -1, (gid_t) -1, error);
        r_self = ovh_privileges_act_as_self(r < 0 ? NULL : error);
        if (r < 0 || r_self < 0) {
                r = r < 0 ? r : r_self;
                goto out;
        }
        if (token_is_new)
                ovh_log_info("generated a new connection token in %s", token_source.path);
        if (config->extensions && config->extensions[0])
                install_configured_extensions(&plan, &filter);
        if (runtime_token) {
                r = write_runtime_token(runtime_token, token, account, error);
                if (r < 0)
                        goto out;
        }
        explicit_bzero(token, token ? strlen(token) : 0);

        /* 7. Become the account for good. With AllowSudo=yes there is no
         * no_new_privs, and the kernel only lets a process without it load a
         * filter while it holds CAP_SYS_ADMIN: load it before the switch
         * (the filter allows the identity calls that follow). */
        umask(config->umask);
        if (filter.main && config->allow_sudo) {
                r = ovh_sandbox_load(&filter, error);
                if (r < 0)
                        goto out;
                ovh_sandbox_program_clear(&filter);
        }
        r = ovh_privileges_drop(account, config->allow_sudo, error);
        if (r < 0)
                goto out;
        folder = ovh_server_default_folder(config, account);
        if (chdir(folder) < 0 && chdir(account->home) < 0) {
                r = ovh_fail(error, EX_OSERR, errno, "cannot enter %s: %s", account->home, g_strerror(errno));
                goto out;
        }

        server_env = ovh_server_environ(&plan, getpid(), listen_socket.fdname);
        ovh_log_info("starting VS Code server %s as %s on %s (token: %s, seccomp: %s)",
                     payload.version ? payload.version : "(unknown version)", account->name, listen_socket.description,
                     ovh_token_source_name(token_source.kind), config->seccomp ? "on" : "off");

        r = ovh_listen_prepare_exec(&listen_socket, error);
        if (r < 0)
                goto out;

        /* 8. The filter is the very last step before execve(): everything
         * above may use syscalls it denies, nothing below does. */
        if (filter.main) {
                r = ovh_sandbox_load(&filter, error);
                if (r < 0)
                        goto out;
        }
        execve(server_argv[0], server_argv, server_env);
        r = ovh_fail(error, errno == ENOENT ? OVH_EXIT_EXEC_NOT_FOUND : OVH_EXIT_EXEC_FAILED, errno,
                     "cannot execute %s: %s; check [Server] Node=", server_argv[0], g_strerror(errno));

out:
        if (token)
                explicit_bzero(token, strlen(token));
        ovh_token_source_clear(&token_source);
        ovh_sandbox_program_clear(&filter);
        ovh_payload_clear(&payload);
        ovh_listen_clear(&listen_socket);
        return r;
}

int main(int argc, char *argv[]) {
        g_autoptr(GError) error = NULL;
        int r = run(argc, argv, &error);

        if (r >= 0)
                return EXIT_SUCCESS;
        if (error)
                ovh_log_error("%s", error->message);
        else
                ovh_log_error("failed: %s", g_strerror(-r));
        ovh_listen_answer_failed_start();
        return error && error->domain == OVH_ERROR ? error->code : EX_SOFTWARE;
}

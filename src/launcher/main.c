/* SPDX-License-Identifier: MIT */
/*
 * openvscode-launcher: the ExecStart= of openvscode-server.service.
 *
 * systemd starts it as the account with no capabilities (or as root, for
 * sudo, scripts/try and by hand). It runs five named phases, as bubblewrap
 * names its own:
 *
 *   read_configuration        files, drop-ins, the container's environment
 *   resolve                   account, payload, socket, token, argv, filter:
 *                             everything is validated, nothing is written
 *   prepare_state_as_account  the home skeleton, the token, Extensions=,
 *                             written with the account's identity
 *   become_account            identity, capabilities, no_new_privs
 *   sandbox_and_exec          the seccomp filter, then execve() of the VS
 *                             Code server in this same process, so the
 *                             socket systemd passed (fd 3, LISTEN_PID = our
 *                             pid) is the one the server answers on
 *
 * --run-cli is the ExecStart= of the transient unit in which openvscodectl
 * runs VS Code's CLI for the account: the same configuration, account,
 * payload and filter, then the CLI instead of the server (run_cli).
 *
 * Each step's work lives in the core library (src/core) or in listen.c and
 * home.c; this file orders the phases, logs, and is the single place that
 * picks the exit code.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account.h"
#include "config.h"
#include "extension-ids.h"
#include "home.h"
#include "listen.h"
#include "log.h"
#include "ovh-error.h"
#include "password.h"
#include "paths.h"
#include "prebuilt-filter.h"
#include "privileges.h"
#include "runas.h"
#include "sandbox.h"
#include "server.h"
#include "tls.h"
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
static bool arg_prepare_tls = false;
static bool arg_run_cli = false;
static char **arg_cli_arguments = NULL; /* after --run-cli -- */
static const char *arg_server_root = NULL; /* --run-cli with a tree being installed */

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
               "     --prepare-tls      TLS=auto: make or renew the certificate as root and hand the\n"
               "                        account a copy in the runtime directory (ExecStartPre=+), exit\n"
               "     --run-cli -- ARGS  run VS Code's CLI with ARGS as the account, sandboxed like\n"
               "                        the server (openvscodectl's extension verbs), instead of it\n"
               "     --server-root=DIR  with --run-cli: the server tree DIR (openvscodectl server install)\n"
               "     --log-level=LEVEL  err, warning, notice, info or debug (default info)\n"
               "  -h --help             show this help\n"
               "     --version          show the launcher and server versions\n",
               OVH_CONFIG_FILE, OVH_DEFAULT_USER);
}

enum {
        ARG_LISTEN = 0x100,
        ARG_CHECK,
        ARG_PREPARE_UNIT,
        ARG_PREPARE_TLS,
        ARG_RUN_CLI,
        ARG_SERVER_ROOT,
        ARG_LOG_LEVEL,
        ARG_VERSION
};

/* Returns 1 to continue, 0 to exit successfully, < 0 on a usage error. */
static int parse_argv(int argc, char *argv[], bool *show_version, GError **error) {
        static const struct option options[] = {
                { "config", required_argument, NULL, 'c' },
                { "user", required_argument, NULL, 'u' },
                { "listen", required_argument, NULL, ARG_LISTEN },
                { "check", no_argument, NULL, ARG_CHECK },
                { "prepare-unit", no_argument, NULL, ARG_PREPARE_UNIT },
                { "prepare-tls", no_argument, NULL, ARG_PREPARE_TLS },
                { "run-cli", no_argument, NULL, ARG_RUN_CLI },
                { "server-root", required_argument, NULL, ARG_SERVER_ROOT },
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
                case ARG_PREPARE_TLS:
                        arg_prepare_tls = true;
                        break;
                case ARG_RUN_CLI:
                        arg_run_cli = true;
                        break;
                case ARG_SERVER_ROOT:
                        if (!g_path_is_absolute(optarg))
                                return ovh_fail(error, EX_USAGE, EINVAL, "--server-root=%s: give an absolute path",
                                                optarg);
                        arg_server_root = optarg;
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
        if (arg_run_cli) {
                if (optind >= argc || !g_str_equal(argv[optind - 1], "--"))
                        return ovh_fail(error, EX_USAGE, EINVAL,
                                        "--run-cli: give VS Code's CLI arguments after --, e.g. --run-cli -- "
                                        "--list-extensions");
                if (arg_check || arg_listen || arg_prepare_unit || arg_prepare_tls)
                        return ovh_fail(error, EX_USAGE, EINVAL,
                                        "--run-cli runs the CLI alone; drop --check, --listen and --prepare-*");
                arg_cli_arguments = argv + optind;
                return 1;
        }
        if (arg_server_root)
                return ovh_fail(error, EX_USAGE, EINVAL,
                                "--server-root is for --run-cli (openvscodectl server install); set [Server] Root= "
                                "to serve a tree");
        if (optind < argc)
                return ovh_fail(error, EX_USAGE, EINVAL, "unexpected argument \"%s\"; see --help", argv[optind]);
        if (arg_prepare_unit && (arg_check || arg_listen || arg_user))
                return ovh_fail(error, EX_USAGE, EINVAL,
                                "--prepare-unit is for the default instance's ExecStartPre=+ alone; drop --check, "
                                "--listen and --user");
        if (arg_prepare_tls && (arg_check || arg_listen || arg_prepare_unit))
                return ovh_fail(error, EX_USAGE, EINVAL,
                                "--prepare-tls is for the unit's ExecStartPre=+ alone; drop --check, --listen and "
                                "--prepare-unit");
        return 1;
}

static const char *sd_listen_js(void) {
        /* Development override (scripts/try, the test suites) so an
         * uninstalled build can use the tree's preload. */
        const char *dev = getenv("OVH_SD_LISTEN_JS");
        return dev && g_path_is_absolute(dev) ? dev : OVH_SD_LISTEN_JS;
}

/* --prepare-unit (ExecStartPre=+): the account and sudo drop-ins
 * (ovh_unit_prepare), logged here. */
static int prepare_unit(const OvhConfig *config, GError **error) {
        g_auto(OvhUnitPrepared) prepared = {};
        int r = ovh_unit_prepare(config, arg_config, &prepared, error);

        if (prepared.account_dropin_written)
                ovh_log_info("%s: the service runs as %s:%s (%s)", prepared.account_origin, prepared.account->name,
                             prepared.account->group_name, OVH_ACCOUNT_UNIT_DROPIN);
        if (prepared.sudo == OVH_SUDO_ENABLED_FROM_ENVIRONMENT)
                ovh_log_warning("sudo is enabled for %s from %s: a privilege-escalation path", prepared.account->name,
                                config->sudo_password_hash ? "SUDO_PASSWORD_HASH" : "SUDO_PASSWORD");
        else if (prepared.sudo == OVH_SUDO_DISABLED_FROM_ENVIRONMENT)
                ovh_log_info("SUDO_PASSWORD is no longer set: sudo for %s is disabled again", prepared.account->name);
        if (prepared.reload_warning)
                ovh_log_warning("%s", prepared.reload_warning);
        return r < 0 ? r : 0;
}

/* --prepare-tls (ExecStartPre=+, root): TLS=auto's CA and server
 * certificate made or renewed in root's OVH_TLS_DIR, and a copy of the
 * server's pair given to the account in the runtime directory, where the
 * sandboxed start finds it. Other modes need nothing from root. */
static int prepare_tls(const OvhConfig *config, GError **error) {
        g_autoptr(OvhAccount) account = NULL;
        const char *user = arg_user ? arg_user : config->user ? config->user : OVH_DEFAULT_USER;
        int r;

        if (ovh_tls_mode(config) != OVH_TLS_AUTO || config->auth_mode == OVH_AUTH_NONE)
                return 0;
        r = ovh_account_resolve(user, config->group, arg_user ? "--user" : "the configured account", &account, error);
        if (r < 0)
                return r;
        r = ovh_tls_auto_ensure(OVH_TLS_DIR, false, g_get_real_time() / G_USEC_PER_SEC, error);
        if (r < 0)
                return r;
        if (r > 0)
                ovh_log_info("TLS=auto: a new server certificate in %s", OVH_TLS_DIR);
        g_autofree char *cert = NULL, *key = NULL;
        gsize length = 0;
        r = ovh_tls_read_file(OVH_TLS_DIR "/" OVH_TLS_SERVER_CERT_NAME, "TLS=auto", &cert, &length, error);
        if (r < 0)
                return r;
        r = ovh_tls_read_file(OVH_TLS_DIR "/" OVH_TLS_SERVER_KEY_NAME, "TLS=auto", &key, &length, error);
        if (r < 0)
                return r;
        g_autofree char *token = ovh_token_runtime_path(getenv("RUNTIME_DIRECTORY"), account->name);
        g_autofree char *dir = g_path_get_dirname(token);
        g_autofree char *cert_path = g_build_filename(dir, OVH_TLS_CREDENTIAL_CERT, NULL);
        g_autofree char *key_path = g_build_filename(dir, OVH_TLS_CREDENTIAL_KEY, NULL);
        bool in_runtime = getenv("RUNTIME_DIRECTORY") != NULL;
        r = ovh_token_write_runtime(cert_path, cert, account, in_runtime, error);
        if (r >= 0)
                r = ovh_token_write_runtime(key_path, key, account, in_runtime, error);
        explicit_bzero(key, length);
        return r < 0 ? r : 0;
}

/* [Server] Extensions=: install what is missing with VS Code's own CLI, as
 * the account and in the server's sandbox. A failure is logged; the server
 * starts anyway (an unreachable marketplace must not take the IDE down). */
static void install_configured_extensions(const OvhServerPlan *plan, const OvhSandboxProgram *filter) {
        const char *where = ovh_config_origin(plan->config, "Server", "Extensions");
        g_autofree char *manifest = ovh_extensions_read_manifest(plan->account);
        g_auto(GStrv) missing = ovh_extensions_missing(plan->config->extensions, manifest);
        g_autoptr(GError) error = NULL;
        int status = 0;

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
        g_autofree char *list = g_strjoinv(" ", missing);
        ovh_log_info("%s: installing %s with VS Code's CLI as %s", where, list, plan->account->name);

        if (ovh_server_cli_run(plan, filter, (char *const *) args->pdata, EXTENSIONS_TIMEOUT_SEC, &status, NULL, NULL,
                               &error) < 0)
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

static void print_version(void) {
        g_autoptr(OvhConfig) config = ovh_config_new();
        g_auto(OvhPayload) payload = {};

        printf("openvscode-launcher %s\n", OVH_VERSION);
        (void) ovh_config_load(config, arg_config, false, NULL);
        if (ovh_payload_resolve(config, OVH_SERVERS_DIR, &payload, NULL) >= 0)
                printf("server %s %s (%s, %s)\n", ovh_server_kind_name(payload.kind), payload.release, payload.root,
                       payload.chosen_by);
        else
                printf("server not found (%s, %s)\n", payload.root, payload.chosen_by);
}

/* Everything one start resolves and then uses, owned here. */
typedef struct {
        OvhConfig *config;
        OvhAccount *account;
        char *user_origin;
        OvhPayload payload;
        OvhListen listen_socket;
        OvhTokenSource token_source;
        char *token; /* the secret: zeroed before it is freed */
        bool token_is_new;
        char *runtime_token; /* the file the server reads; NULL with Mode=none */
        char *password_hash; /* the sign-in password's hash, or NULL (a secret too) */
        char *password_origin; /* PASSWORD_HASH or the password file */
        char *runtime_signin; /* the sign-in file beside the runtime token (signin.js) */
        char *tls_source; /* where the certificate comes from, or why TLS is off */
        char *tls_cert; /* PEM, to the runtime tls.crt; NULL: plain HTTP */
        char *tls_key; /* PEM, to the runtime tls.key (a secret: zeroed) */
        OvhTlsInfo tls_info;
        char *runtime_tls_cert; /* beside the runtime token (src/tls.js) */
        char *runtime_tls_key;
        OvhServerPlan plan;
        char **server_argv;
        OvhSandboxProgram filter;
} Launch;

static void launch_clear(Launch *l) {
        if (l->token)
                explicit_bzero(l->token, strlen(l->token));
        g_clear_pointer(&l->token, g_free);
        g_clear_pointer(&l->config, ovh_config_free);
        g_clear_pointer(&l->account, ovh_account_free);
        g_clear_pointer(&l->user_origin, g_free);
        ovh_payload_clear(&l->payload);
        ovh_listen_clear(&l->listen_socket);
        ovh_token_source_clear(&l->token_source);
        g_clear_pointer(&l->runtime_token, g_free);
        if (l->password_hash)
                explicit_bzero(l->password_hash, strlen(l->password_hash));
        g_clear_pointer(&l->password_hash, g_free);
        g_clear_pointer(&l->password_origin, g_free);
        g_clear_pointer(&l->runtime_signin, g_free);
        g_clear_pointer(&l->tls_source, g_free);
        g_clear_pointer(&l->tls_cert, g_free);
        if (l->tls_key)
                explicit_bzero(l->tls_key, strlen(l->tls_key));
        g_clear_pointer(&l->tls_key, g_free);
        ovh_tls_info_clear(&l->tls_info);
        g_clear_pointer(&l->runtime_tls_cert, g_free);
        g_clear_pointer(&l->runtime_tls_key, g_free);
        g_clear_pointer(&l->server_argv, g_strfreev);
        ovh_sandbox_program_clear(&l->filter);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Launch, launch_clear)

static void print_plan(const Launch *l) {
        const OvhAccount *account = l->account;
        GString *g = g_string_new(NULL);
        for (int i = 0; i < account->n_groups; i++)
                g_string_append_printf(g, "%s%u", i ? "," : "", (unsigned) account->groups[i]);
        g_autofree char *groups = g_string_free(g, FALSE);

        printf("user=%s\nuid=%u\ngid=%u\ngroups=%s\nhome=%s\nnode=%s\nroot=%s\n", account->name,
               (unsigned) account->uid, (unsigned) account->gid, groups, account->home, l->payload.node,
               l->payload.root);
        printf("server_kind=%s\nserver_version=%s\nserver_release=%s\nserver_chosen_by=%s\n",
               ovh_server_kind_name(l->payload.kind), l->payload.version, l->payload.release, l->payload.chosen_by);
        if (ovh_server_gallery_settable(l->payload.kind))
                printf("extensions_gallery=%s\n", ovh_server_gallery_base(l->config));
        else
                printf("extensions_gallery=product.json (a %s server reads no other)\n",
                       ovh_server_kind_name(l->payload.kind));
        printf("listen=%s%s\n", l->listen_socket.description, l->listen_socket.activated ? " (socket-activated)" : "");
        printf("token_source=%s\ntoken_origin=%s\n", ovh_token_source_name(l->token_source.kind),
               l->token_source.origin ? l->token_source.origin : "");
        printf("tls=%s\ntls_source=%s\n", l->config->tls, l->tls_source ? l->tls_source : "");
        if (l->tls_cert) {
                g_autofree char *names = g_strjoinv(",", l->tls_info.dns_names);
                g_autofree char *addresses = g_strjoinv(",", l->tls_info.addresses);
                printf("tls_names=%s\ntls_addresses=%s\ntls_not_after=%" G_GINT64_FORMAT "\n", names, addresses,
                       l->tls_info.not_after);
        }
        printf("password=%s\ncookie_lifetime=%" G_GUINT64_FORMAT "\n", l->password_origin ? l->password_origin : "none",
               l->config->cookie_lifetime);
        if (l->filter.main)
                printf("seccomp=yes\nseccomp_program=%zu+%zu instructions (%s)\n", l->filter.n_main, l->filter.n_late,
                       l->filter.prebuilt ? "compiled at build time" : "compiled at start");
        else
                printf("seccomp=no\n");
        /* argv carries the token file's path, never the token itself. */
        g_autofree char *joined = g_strjoinv(" ", l->server_argv);
        printf("argv=%s\n", joined);
}

/* Phase 1: launcher.conf and its drop-ins, then the container's variables. */
static int read_configuration(Launch *l, GError **error) {
        g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
        int r;

        l->config = ovh_config_new();
        r = ovh_config_load(l->config, arg_config, arg_config_given, error);
        if (r < 0)
                return r;
        r = ovh_config_apply_environment(l->config, (const char *const *) environ, warnings, error);
        if (r < 0)
                return r;
        if (arg_prepare_unit || arg_prepare_tls)
                return 0; /* --prepare-unit applies them itself; the start reports them */
        for (guint i = 0; i < warnings->len; i++)
                ovh_log_warning("%s", (const char *) warnings->pdata[i]);
        return 0;
}

/* The socket: systemd's, or --listen's address (bound only after
 * validation, in prepare_state_as_account). */
static int resolve_listen_socket(OvhListen *listen_socket, GError **error) {
        int r = ovh_listen_from_systemd(listen_socket, error);
        if (r < 0)
                return r;
        if (r > 0 && arg_listen)
                return ovh_fail(error, EX_USAGE, EINVAL,
                                "--listen=%s given, but systemd already passed a socket; drop --listen", arg_listen);
        if (r > 0)
                return 0;
        if (arg_listen) {
                struct sockaddr_storage ss;
                socklen_t len;
                r = ovh_listen_parse(arg_listen, &ss, &len, error);
                if (r < 0)
                        return r;
                listen_socket->fd = 3;
                listen_socket->fdname = g_strdup("listen");
                listen_socket->description = g_strdup(arg_listen);
                return 0;
        }
        if (!arg_check)
                return ovh_fail(error, EX_USAGE, EINVAL,
                                "no socket: start through openvscode-server.socket (systemctl start "
                                "openvscode-server.socket) or pass --listen=HOST:PORT");
        /* An admin checking the configuration from a shell: the real start
         * gets the socket from openvscode-server.socket. */
        listen_socket->fd = 3;
        listen_socket->fdname = g_strdup("unknown");
        listen_socket->description = g_strdup("(the socket systemd will pass)");
        return 0;
}

/* The token's source and value; a new one is only generated in memory. A
 * generated token lives in the account's state tree and is read as the
 * account; credentials and admin token files belong to root. */
static int resolve_token(Launch *l, GError **error) {
        const char *credentials = getenv("CREDENTIALS_DIRECTORY");
        g_autofree char *credential = credentials ? g_build_filename(credentials, OVH_CREDENTIAL_NAME, NULL) : NULL;
        int r;

        r = ovh_token_choose(l->config, credentials, credential && access(credential, F_OK) == 0, l->account->home,
                             &l->token_source, error);
        if (r < 0)
                return r;
        g_auto(OvhActingAs) as_account = OVH_ACTING_AS_INIT;
        if (l->token_source.kind == OVH_TOKEN_SOURCE_GENERATED) {
                r = ovh_acting_as_begin(&as_account, l->account, error);
                if (r < 0)
                        return r;
        }
        r = ovh_token_obtain(l->config, &l->token_source, &l->token, &l->token_is_new, error);
        if (r < 0)
                return r;
        ovh_acting_as_end(&as_account);

        if (l->token_source.kind == OVH_TOKEN_SOURCE_NONE)
                ovh_log_warning("%s: [Auth] Mode=none: the IDE is reachable without a token by anyone who can "
                                "connect to %s",
                                l->token_source.origin ? l->token_source.origin : "launcher.conf",
                                l->listen_socket.description);
        else
                l->runtime_token = ovh_token_runtime_path(getenv("RUNTIME_DIRECTORY"), l->account->name);
        return 0;
}

/* The sign-in password: PASSWORD_HASH, else the account's password file
 * (openvscodectl password set), read as the account. A hash that is not
 * right stops the start: the server never runs without the password the
 * administrator set. */
static int resolve_password(Launch *l, GError **error) {
        const OvhConfig *config = l->config;
        int r;

        if (config->password_hash) {
                l->password_origin = g_strdup(ovh_config_origin(config, "Auth", "PasswordHash"));
                r = ovh_password_check_hash(config->password_hash, l->password_origin, error);
                if (r < 0)
                        return r;
                l->password_hash = g_strdup(config->password_hash);
        } else {
                g_autofree char *file = ovh_password_file(l->account->name);
                g_auto(OvhActingAs) as_account = OVH_ACTING_AS_INIT;
                r = ovh_acting_as_begin(&as_account, l->account, error);
                if (r < 0)
                        return r;
                r = ovh_password_read(file, &l->password_hash, error);
                if (r < 0)
                        return r;
                if (r > 0)
                        l->password_origin = g_steal_pointer(&file);
        }
        if (l->password_hash && config->auth_mode == OVH_AUTH_NONE)
                return ovh_fail(error, EX_CONFIG, EINVAL,
                                "%s: a sign-in password is set, but [Auth] Mode=none turns sign-in off; remove one "
                                "of them",
                                l->password_origin);
        if (l->runtime_token) {
                g_autofree char *dir = g_path_get_dirname(l->runtime_token);
                l->runtime_signin = g_build_filename(dir, OVH_RUNTIME_SIGNIN_NAME, NULL);
        }
        return 0;
}

/* The account: --user, [Account] User= (or PUID), or the default. */
static int resolve_account(Launch *l, GError **error) {
        const OvhConfig *config = l->config;
        const char *user = arg_user ? arg_user : config->user ? config->user : OVH_DEFAULT_USER;

        l->user_origin = g_strdup(arg_user       ? "--user"
                                  : config->user ? ovh_config_origin(config, "Account", "User")
                                                 : "default account");
        return ovh_account_resolve(user, config->group, l->user_origin, &l->account, error);
}

/* Phase 2: everything is validated and the server's argv, environment and
 * filter are computed (pure); nothing on disk changes. */
/* Whether other hosts can reach the listening socket: not AF_UNIX, not a
 * loopback address. Unknown (--check before systemd passed it): yes. */
static bool listen_reaches_network(const OvhListen *listen_socket) {
        struct sockaddr_storage ss = {};
        socklen_t len = sizeof(ss);
        if (listen_socket->fd < 0 || getsockname(listen_socket->fd, (struct sockaddr *) &ss, &len) < 0)
                return true;
        if (ss.ss_family == AF_INET)
                return (ntohl(((struct sockaddr_in *) &ss)->sin_addr.s_addr) >> 24) != 127;
        if (ss.ss_family == AF_INET6) {
                const struct in6_addr *a = &((struct sockaddr_in6 *) &ss)->sin6_addr;
                if (IN6_IS_ADDR_V4MAPPED(a))
                        return a->s6_addr[12] != 127;
                return !IN6_IS_ADDR_LOOPBACK(a);
        }
        return false;
}

static int read_pair(Launch *l, const char *cert_path, const char *key_path, const char *cert_origin,
                     const char *key_origin, GError **error) {
        gsize cert_length = 0, key_length = 0;
        int r = ovh_tls_read_file(cert_path, cert_origin, &l->tls_cert, &cert_length, error);
        if (r < 0)
                return r;
        r = ovh_tls_read_file(key_path, key_origin, &l->tls_key, &key_length, error);
        if (r < 0)
                return r;
        g_autofree char *cert_where = g_strdup_printf("%s (%s)", cert_origin, cert_path);
        g_autofree char *key_where = g_strdup_printf("%s (%s)", key_origin, key_path);
        return ovh_tls_check(l->tls_cert, cert_length, l->tls_key, key_length, cert_where, key_where,
                             g_get_real_time() / G_USEC_PER_SEC, &l->tls_info, error);
}

/* TLS= (tls.h): the certificate and key the server gets, checked now, so
 * a bad one stops the start before anything is served. */
static int resolve_tls(Launch *l, GError **error) {
        const OvhConfig *config = l->config;
        OvhTlsMode mode = ovh_tls_mode(config);
        const char *where = ovh_config_origin(config, "Server", "TLS");
        int r;

        if (l->runtime_token) {
                g_autofree char *dir = g_path_get_dirname(l->runtime_token);
                l->runtime_tls_cert = g_build_filename(dir, OVH_TLS_CREDENTIAL_CERT, NULL);
                l->runtime_tls_key = g_build_filename(dir, OVH_TLS_CREDENTIAL_KEY, NULL);
        }
        if (mode == OVH_TLS_OFF) {
                l->tls_source = g_strdup("off (TLS=off)");
                return 0;
        }
        if (!l->runtime_token) {
                l->tls_source = g_strdup("off ([Auth] Mode=none)");
                return 0;
        }

        if (mode == OVH_TLS_FILES) {
                const char *credentials = getenv("CREDENTIALS_DIRECTORY");
                g_autofree char *cred_cert =
                        credentials ? g_build_filename(credentials, OVH_TLS_CREDENTIAL_CERT, NULL) : NULL;
                g_autofree char *cred_key =
                        credentials ? g_build_filename(credentials, OVH_TLS_CREDENTIAL_KEY, NULL) : NULL;
                if (cred_cert && (access(cred_cert, F_OK) == 0 || access(cred_key, F_OK) == 0)) {
                        l->tls_source = g_strdup("credentials tls.crt, tls.key");
                        return read_pair(l, cred_cert, cred_key, "credential tls.crt", "credential tls.key", error);
                }
                if (!config->certificate || !config->key)
                        return ovh_fail(error, EX_CONFIG, EINVAL,
                                        "%s: TLS=files without %s; set [Server] Certificate= and Key= (PEM files), "
                                        "or give the credentials tls.crt and tls.key (LoadCredential=)",
                                        where ? where : "launcher.conf",
                                        !config->certificate && !config->key ? "Certificate= and Key="
                                        : !config->certificate               ? "Certificate="
                                                                             : "Key=");
                l->tls_source = g_strdup_printf("files %s, %s", config->certificate, config->key);
                g_autofree char *cert_origin =
                        g_strdup_printf("%s: Certificate=", ovh_config_origin(config, "Server", "Certificate"));
                g_autofree char *key_origin = g_strdup_printf("%s: Key=", ovh_config_origin(config, "Server", "Key"));
                return read_pair(l, config->certificate, config->key, cert_origin, key_origin, error);
        }

        /* auto */
        if (!listen_reaches_network(&l->listen_socket)) {
                l->tls_source = g_strdup_printf("off (TLS=auto, and %s is reached from this host only)",
                                                l->listen_socket.description);
                return 0;
        }
        if (geteuid() == 0 && !arg_check) {
                /* Started by hand or by `try` as root: make what the unit's
                 * ExecStartPre=+ --prepare-tls makes. */
                r = ovh_tls_auto_ensure(OVH_TLS_DIR, false, g_get_real_time() / G_USEC_PER_SEC, error);
                if (r < 0)
                        return r;
                l->tls_source = g_strdup("auto (" OVH_TLS_DIR ")");
                return read_pair(l, OVH_TLS_DIR "/" OVH_TLS_SERVER_CERT_NAME, OVH_TLS_DIR "/" OVH_TLS_SERVER_KEY_NAME,
                                 "TLS=auto certificate", "TLS=auto key", error);
        }
        if (access(l->runtime_tls_key, F_OK) < 0 && arg_check) {
                l->tls_source = g_strdup("auto (prepared by --prepare-tls at start)");
                return 0;
        }
        if (access(l->runtime_tls_key, F_OK) < 0)
                return ovh_fail(error, EX_CONFIG, ENOENT,
                                "TLS=auto, but no certificate was prepared in %s (the unit's ExecStartPre=+%s "
                                "--prepare-tls makes it as root); run openvscodectl tls renew, or set [Server] TLS=off",
                                l->runtime_tls_key, OVH_LAUNCHER_PATH);
        l->tls_source = g_strdup("auto (" OVH_TLS_DIR ")");
        return read_pair(l, l->runtime_tls_cert, l->runtime_tls_key,
                         "TLS=auto certificate (openvscodectl tls renew makes a new one)", "TLS=auto key", error);
}

static int resolve(Launch *l, GError **error) {
        const OvhConfig *config = l->config;
        int r;

        if ((config->sudo_password || config->sudo_password_hash) && !arg_check && ovh_privileges_no_new_privs())
                ovh_log_warning("SUDO_PASSWORD is set, but sudo cannot work in this start (no_new_privs is on): "
                                "the unit's ExecStartPre=+%s --prepare-unit applies it, and its message above says "
                                "why it did not (or, without that line, run openvscodectl sudo enable)",
                                OVH_LAUNCHER_PATH);
        r = ovh_server_check_extra_arguments(config, error);
        if (r < 0)
                return r;
        r = ovh_server_check_time_zone(config, error);
        if (r < 0)
                return r;
        if (ovh_tls_mode(config) == OVH_TLS_FILES && config->auth_mode == OVH_AUTH_NONE)
                return ovh_fail(error, EX_CONFIG, EINVAL,
                                "%s: TLS=files needs the connection token, but [Auth] Mode=none; set Mode=token or "
                                "TLS=off (a proxy in front terminates TLS then)",
                                ovh_config_origin(config, "Server", "TLS"));
        if (config->allow_sudo)
                ovh_log_warning("[Sandbox] AllowSudo=yes: no_new_privs is off and the bounding set is kept, "
                                "so sudo in the terminal can become root; this is a privilege-escalation path");

        r = resolve_account(l, error);
        if (r < 0)
                return r;
        r = ovh_privileges_check_start(config, l->account, l->user_origin, error);
        if (r < 0)
                return r;
        r = ovh_payload_resolve(config, OVH_SERVERS_DIR, &l->payload, error);
        if (r < 0)
                return r;
        {
                /* The state tree is the account's (0750/0700): look at it
                 * as the account, so the unit needs no CAP_DAC_* to get in. */
                g_auto(OvhActingAs) as_account = OVH_ACTING_AS_INIT;
                r = ovh_acting_as_begin(&as_account, l->account, error);
                if (r < 0)
                        return r;
                r = ovh_home_check(l->account, error);
                if (r < 0)
                        return r;
        }
        r = resolve_listen_socket(&l->listen_socket, error);
        if (r < 0)
                return r;
        r = resolve_token(l, error);
        if (r < 0)
                return r;
        r = resolve_password(l, error);
        if (r < 0)
                return r;
        r = resolve_tls(l, error);
        if (r < 0)
                return r;

        l->plan = (OvhServerPlan){
                .config = config,
                .account = l->account,
                .payload = &l->payload,
                .sd_listen_js = sd_listen_js(),
                .token_file = l->runtime_token,
                .launcher_environ = (const char *const *) environ,
        };
        l->server_argv = ovh_server_argv(&l->plan);
        return ovh_sandbox_program_for_config(config, &ovh_prebuilt_filter, &l->filter, error);
}

/* Phase 3: validation is over; from here on things change on disk. The
 * state tree is written as the account, the runtime token by root. */
static int prepare_state_as_account(Launch *l, GError **error) {
        int r;

        if (arg_listen) {
                ovh_listen_clear(&l->listen_socket);
                r = ovh_listen_bind(arg_listen, &l->listen_socket, error);
                if (r < 0)
                        return r;
        }
        {
                g_auto(OvhActingAs) as_account = OVH_ACTING_AS_INIT;
                r = ovh_acting_as_begin(&as_account, l->account, error);
                if (r < 0)
                        return r;
                r = ovh_home_create_skeleton(l->account, error);
                if (r < 0)
                        return r;
                if (l->token_is_new) {
                        r = ovh_token_write_file(l->token_source.path, l->token, 0600, (uid_t) -1, (gid_t) -1, error);
                        if (r < 0)
                                return r;
                }
        }
        if (l->token_is_new)
                ovh_log_info("generated a new connection token in %s", l->token_source.path);
        if (l->config->extensions && l->config->extensions[0])
                install_configured_extensions(&l->plan, &l->filter);
        if (l->runtime_token) {
                r = ovh_token_write_runtime(l->runtime_token, l->token, l->account, getenv("RUNTIME_DIRECTORY") != NULL,
                                            error);
                if (r < 0)
                        return r;
        }
        if (l->runtime_signin) {
                g_autofree char *text = ovh_signin_text(l->config->cookie_lifetime, l->password_hash);
                r = ovh_token_write_runtime(l->runtime_signin, text, l->account, getenv("RUNTIME_DIRECTORY") != NULL,
                                            error);
                explicit_bzero(text, strlen(text));
                if (r < 0)
                        return r;
        }
        if (l->runtime_tls_key && l->tls_key) {
                r = ovh_token_write_runtime(l->runtime_tls_cert, l->tls_cert, l->account,
                                            getenv("RUNTIME_DIRECTORY") != NULL, error);
                if (r < 0)
                        return r;
                r = ovh_token_write_runtime(l->runtime_tls_key, l->tls_key, l->account,
                                            getenv("RUNTIME_DIRECTORY") != NULL, error);
                explicit_bzero(l->tls_key, strlen(l->tls_key));
                if (r < 0)
                        return r;
                g_autofree char *names = g_strjoinv(", ", l->tls_info.dns_names);
                g_autofree char *addresses = g_strjoinv(", ", l->tls_info.addresses);
                g_autoptr(GDateTime) expires = g_date_time_new_from_unix_utc(l->tls_info.not_after);
                g_autofree char *when = g_date_time_format(expires, "%Y-%m-%d");
                ovh_log_info("HTTPS on %s for %s%s%s, until %s (%s); plain HTTP from other hosts is redirected",
                             l->listen_socket.description, names, *addresses ? ", " : "", addresses, when,
                             l->tls_source);
                if (l->tls_info.not_after - g_get_real_time() / G_USEC_PER_SEC < OVH_TLS_RENEW_BEFORE_S)
                        ovh_log_warning("the TLS certificate expires on %s; renew it", when);
        } else if (l->runtime_tls_key) {
                /* Plain HTTP: no copy of an earlier start's key stays behind.
                 * The directory is the account's (0700 outside systemd): act
                 * as the account, as the unit's start without CAP_DAC_* is. */
                g_auto(OvhActingAs) as_account = OVH_ACTING_AS_INIT;
                r = ovh_acting_as_begin(&as_account, l->account, error);
                if (r < 0)
                        return r;
                if ((unlink(l->runtime_tls_key) < 0 && errno != ENOENT && errno != ENOTDIR) ||
                    (unlink(l->runtime_tls_cert) < 0 && errno != ENOENT && errno != ENOTDIR))
                        return ovh_fail(error, EX_CANTCREAT, errno, "cannot remove %s: %s; remove it by hand",
                                        l->runtime_tls_key, g_strerror(errno));
        }
        explicit_bzero(l->token, l->token ? strlen(l->token) : 0);
        return 0;
}

/* Phase 4: become the account for good. With AllowSudo=yes there is no
 * no_new_privs, and the kernel only lets a process without it load a
 * filter while it holds CAP_SYS_ADMIN: load it before the switch (the
 * filter allows the identity calls that follow). */
static int become_account(Launch *l, GError **error) {
        int r;

        umask(l->config->umask);
        if (l->filter.main && l->config->allow_sudo) {
                r = ovh_sandbox_load(&l->filter, error);
                if (r < 0)
                        return r;
                ovh_sandbox_program_clear(&l->filter);
        }
        r = ovh_privileges_drop(l->account, l->config->allow_sudo, error);
        if (r < 0)
                return r;
        g_autofree char *folder = ovh_server_default_folder(l->config, l->account);
        if (chdir(folder) < 0 && chdir(l->account->home) < 0)
                return ovh_fail(error, EX_OSERR, errno, "cannot enter %s: %s", l->account->home, g_strerror(errno));
        return 0;
}

/* Phase 5: the filter is the very last step before execve(): everything
 * above may use syscalls it denies, nothing below does. Returns only on
 * failure. */
static int sandbox_and_exec(Launch *l, GError **error) {
        g_auto(GStrv) server_env = ovh_server_environ(&l->plan, getpid(), l->listen_socket.fdname);
        int r;

        ovh_log_info("starting VS Code server %s as %s on %s (token: %s, seccomp: %s)",
                     l->payload.version ? l->payload.version : "(unknown version)", l->account->name,
                     l->listen_socket.description, ovh_token_source_name(l->token_source.kind),
                     l->config->seccomp ? "on" : "off");
        r = ovh_listen_prepare_exec(&l->listen_socket, error);
        if (r < 0)
                return r;
        if (l->filter.main) {
                r = ovh_sandbox_load(&l->filter, error);
                if (r < 0)
                        return r;
        }
        execve(l->server_argv[0], l->server_argv, server_env);
        return ovh_fail(error, errno == ENOENT ? OVH_EXIT_EXEC_NOT_FOUND : OVH_EXIT_EXEC_FAILED, errno,
                        "cannot execute %s: %s; check [Server] Node=", l->server_argv[0], g_strerror(errno));
}

/* --run-cli: phases 1, 2, 4 and 5 for VS Code's CLI instead of the server.
 * openvscodectl starts it in a transient unit that carries the service's
 * sandbox (ovh_server_cli_run_in_unit), as the account, without a token,
 * a socket or anything written: the configuration's account, payload and
 * filter, ovh_server_cli_argv() and ovh_server_cli_environ(), the account's
 * identity without any capability and with no_new_privs (never the sudo
 * variant: the CLI needs none), the filter last, then this process becomes
 * the CLI. */
static int run_cli(Launch *l, GError **error) {
        int r;

        r = ovh_server_check_time_zone(l->config, error);
        if (r < 0)
                return r;
        r = resolve_account(l, error);
        if (r < 0)
                return r;
        if (arg_server_root) {
                const OvhServerChoice staged = {
                        .origin = OVH_SERVER_FROM_CONFIG,
                        .top = (char *) arg_server_root,
                        .describe = (char *) "--server-root",
                };
                r = ovh_payload_resolve_choice(l->config, &staged, &l->payload, error);
        } else
                r = ovh_payload_resolve(l->config, OVH_SERVERS_DIR, &l->payload, error);
        if (r < 0)
                return r;
        l->plan = (OvhServerPlan){
                .config = l->config,
                .account = l->account,
                .payload = &l->payload,
                .launcher_environ = (const char *const *) environ,
        };
        r = ovh_sandbox_program_for_config(l->config, &ovh_prebuilt_filter, &l->filter, error);
        if (r < 0)
                return r;
        g_auto(GStrv) cli_argv = ovh_server_cli_argv(&l->plan, arg_cli_arguments);
        g_auto(GStrv) cli_env = ovh_server_cli_environ(&l->plan);

        umask(l->config->umask);
        r = ovh_privileges_drop(l->account, false, error);
        if (r < 0)
                return r;
        if (chdir(l->account->home) < 0)
                return ovh_fail(error, EX_OSERR, errno, "cannot enter %s: %s", l->account->home, g_strerror(errno));
        /* As for the server: the filter is the last step before execve(). */
        if (l->filter.main) {
                r = ovh_sandbox_load(&l->filter, error);
                if (r < 0)
                        return r;
        }
        execve(cli_argv[0], cli_argv, cli_env);
        return ovh_fail(error, errno == ENOENT ? OVH_EXIT_EXEC_NOT_FOUND : OVH_EXIT_EXEC_FAILED, errno,
                        "cannot execute %s: %s; check [Server] Node=", cli_argv[0], g_strerror(errno));
}

static int run(int argc, char *argv[], GError **error) {
        g_auto(Launch) launch = { .listen_socket = { .fd = -1 } };
        bool show_version = false;
        int r;

        r = parse_argv(argc, argv, &show_version, error);
        if (r <= 0)
                return r;
        if (show_version) {
                print_version();
                return 0;
        }

        r = read_configuration(&launch, error);
        if (arg_prepare_unit) {
                if (r >= 0)
                        return prepare_unit(launch.config, error);
                /* Not sudo's business: the sandboxed start that follows
                 * reports it once, with the exit status that
                 * RestartPreventExitStatus= judges. */
                ovh_log_debug("--prepare-unit: leaving the configuration error to the start: %s",
                              error && *error ? (*error)->message : g_strerror(-r));
                g_clear_error(error);
                return 0;
        }
        if (arg_prepare_tls) {
                if (r < 0) {
                        /* The start that follows reports it. */
                        g_clear_error(error);
                        return 0;
                }
                return prepare_tls(launch.config, error);
        }
        if (r < 0)
                return r;
        if (arg_run_cli)
                return run_cli(&launch, error);
        r = resolve(&launch, error);
        if (r < 0)
                return r;
        if (arg_check) {
                print_plan(&launch);
                return 0;
        }
        r = prepare_state_as_account(&launch, error);
        if (r < 0)
                return r;
        r = become_account(&launch, error);
        if (r < 0)
                return r;
        return sandbox_and_exec(&launch, error);
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
        if (!arg_run_cli)
                ovh_listen_answer_failed_start();
        return error && error->domain == OVH_ERROR ? error->code : EX_SOFTWARE;
}

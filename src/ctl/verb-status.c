/* SPDX-License-Identifier: MIT */
/* status and check. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl-text.h"
#include "ctl.h"
#include "envfile.h"
#include "ovh-error.h"
#include "paths.h"
#include "sudo.h"
#include "token.h"

extern char **environ;

static const char *status_help = "openvscodectl status [--user NAME]\n\n"
                                 "The socket's and the service's state, the server version, the account, where\n"
                                 "the token comes from (never the token), the listen addresses, and the live\n"
                                 "sandbox of the running server read from /proc (Uid, Gid, Cap*, NoNewPrivs,\n"
                                 "Seccomp). Root sees everything; others see what they may read.\n\n"
                                 "  --user NAME   the per-user instance openvscode-server@NAME\n"
                                 "  -h --help     show this help\n";

static const char *prop(const char *v) {
        return v && *v ? v : "unknown";
}

/* Where the token comes from, as words (the token itself never). */
static char *token_source_text(const CtlInstance *ci) {
        OvhTokenSource source = {};
        g_autofree char *credential = NULL;
        g_autofree char *file = NULL;

        if (!ci->config_read)
                return g_strdup("unknown (run as root)");
        g_autofree char *running = g_build_filename(OVH_CREDENTIALS_ROOT, ci->service_unit, OVH_CREDENTIAL_NAME, NULL);
        bool present = g_file_test(running, G_FILE_TEST_EXISTS);
        if (!present) {
                CtlCredentialKind kind = ctl_unit_credential(ci->service_unit, &credential, &file);
                present = file || kind == CTL_CREDENTIAL_ENCRYPTED || kind == CTL_CREDENTIAL_VALUE;
        }
        if (ovh_token_choose(ci->config, OVH_CREDENTIALS_ROOT, present, ci->account->home, &source, NULL) < 0)
                return g_strdup("invalid (see openvscodectl check)");
        char *text = g_strdup_printf("%s%s%s", ovh_token_source_name(source.kind), source.origin ? " (" : "",
                                     source.origin ? source.origin : "");
        if (source.origin) {
                char *closed = g_strconcat(text, ")", NULL);
                g_free(text);
                text = closed;
        }
        ovh_token_source_clear(&source);
        return text;
}

int verb_status(int argc, char *argv[], GError **error) {
        g_auto(CtlInstance) ci = {};
        g_auto(GStrv) lines = NULL;
        const char *user = NULL;
        int r;

        r = ctl_parse_user_option("status", status_help, argc, argv, &user, error);
        if (r <= 0)
                return r;
        if (optind < argc)
                return ctl_usage_error(error, "status", "unexpected argument \"%s\"", argv[optind]);
        /* Anyone may ask: what others may not read is left out below. */
        r = ctl_instance_open(&ci, user, NULL, true, error);
        if (r < 0)
                return r;

        g_auto(OvhUnitState) socket = {};
        g_auto(OvhUnitState) service = {};
        (void) ctl_unit_state(ci.socket_unit, &socket);
        (void) ctl_unit_state(ci.service_unit, &service);
        printf("Socket: %s %s %s\n", ci.socket_unit, prop(socket.active_state), prop(socket.unit_file_state));
        if (ctl_socket_listen(ci.socket_unit, &lines, NULL) < 0)
                lines = g_new0(char *, 1);
        for (char **l = lines; *l; l++) {
                CtlListen la;
                if (!ctl_listen_parse(*l, &la))
                        continue;
                if (la.family == AF_UNIX)
                        printf("Listen: %s\n", la.address);
                else
                        printf("Listen: %s%s%s:%u\n", la.family == AF_INET6 ? "[" : "", la.address,
                               la.family == AF_INET6 ? "]" : "", la.port);
                ctl_listen_clear(&la);
        }
        printf("Service: %s %s (%s)\n", ci.service_unit, prop(service.active_state), prop(service.sub_state));

        OvhPayload payload = {};
        if (ovh_payload_resolve(ci.config, OVH_SERVERS_DIR, &payload, NULL) >= 0)
                printf("Server: %s %s (VS Code %s) %s, chosen by %s\n", ovh_server_kind_name(payload.kind),
                       payload.release, payload.version, payload.root, payload.chosen_by);
        else
                printf("Server: missing (%s, chosen by %s)\n", payload.root, payload.chosen_by);
        /* What the last `server update --check` or the timer found:
         * "KIND VERSION", checked before it reaches the terminal. */
        g_autofree char *update_note = g_build_filename(OVH_SERVERS_DIR, OVH_STORE_UPDATE_NOTE, NULL);
        g_autofree char *update = NULL;
        g_auto(GStrv) kind_version = NULL;
        OvhServerKind update_kind;
        if (g_file_get_contents(update_note, &update, NULL, NULL))
                kind_version = g_strsplit(g_strstrip(update), " ", -1);
        if (kind_version && g_strv_length(kind_version) == 2 &&
            ovh_server_kind_from_name(kind_version[0], &update_kind) == 0 && ovh_server_version_valid(kind_version[1]))
                printf("Update available: %s (openvscodectl server update)\n", update);
        ovh_payload_clear(&payload);
        printf("Account: %s uid=%u gid=%u home=%s\n", ci.account->name, (unsigned) ci.account->uid,
               (unsigned) ci.account->gid, ci.account->home);
        g_autofree char *token_text = token_source_text(&ci);
        printf("Token source: %s\n", token_text);
        if (ci.config_read) {
                g_autofree char *extensions = ci.config->extensions && ci.config->extensions[0]
                                                      ? g_strjoinv(" ", ci.config->extensions)
                                                      : g_strdup("-");
                printf("Extensions at start: %s\n", extensions);
                OvhSudoPaths paths = {};
                OvhSudoState sudo;
                ovh_sudo_paths_init(&paths, OVH_CONFIG_FILE);
                ovh_sudo_read_state(&paths, &sudo);
                printf("Sudo: %s\n", !ovh_sudo_state_enabled(&sudo) ? "disabled"
                                     : sudo.by_environment          ? "enabled (SUDO_PASSWORD)"
                                                                    : "enabled (openvscodectl sudo)");
                ovh_sudo_paths_clear(&paths);
        }

        long pid = service.main_pid;
        if (pid <= 0) {
                printf("Sandbox: no server process (it starts on the first connection)\n");
                return 0;
        }
        g_autofree char *path = g_strdup_printf("/proc/%ld/status", pid);
        g_autofree char *proc_status = NULL;
        if (!g_file_get_contents(path, &proc_status, NULL, NULL)) {
                printf("Sandbox: pid %ld cannot be read (run as root)\n", pid);
                return 0;
        }
        printf("Main PID: %ld\n", pid);
        static const char *const fields[] = { "Uid",    "Gid",    "CapInh",     "CapPrm",  "CapEff",
                                              "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", NULL };
        g_auto(GStrv) status_lines = g_strsplit(proc_status, "\n", -1);
        for (const char *const *f = fields; *f; f++)
                for (char **l = status_lines; *l; l++) {
                        size_t n = strlen(*f);
                        if (strncmp(*l, *f, n) != 0 || (*l)[n] != ':')
                                continue;
                        g_autofree char *value = g_strdup(*l + n + 1);
                        g_strdelimit(g_strstrip(value), "\t", ' ');
                        printf("Sandbox %s: %s\n", *f, value);
                }
        return 0;
}

static const char *check_help = "openvscodectl check [--user NAME]\n\n"
                                "Run the launcher's --check with the service's configuration and environment\n"
                                "file: it resolves everything and prints the plan (never the token), and exits\n"
                                "with the code a real start would have. Root only.\n\n"
                                "  --user NAME   the per-user instance openvscode-server@NAME\n"
                                "  -h --help     show this help\n";

int verb_check(int argc, char *argv[], GError **error) {
        g_auto(GStrv) environment = NULL;
        const char *user = NULL;
        int r;

        r = ctl_parse_user_option("check", check_help, argc, argv, &user, error);
        if (r <= 0)
                return r;
        if (optind < argc)
                return ctl_usage_error(error, "check", "unexpected argument \"%s\"", argv[optind]);
        r = ctl_check_instance_name(user, error);
        if (r < 0)
                return r;
        r = ctl_require_root("check", error);
        if (r < 0)
                return r;

        /* The launcher's environment as the unit gives it: ours plus the
         * environment file (the default instance only), and the running
         * service's credentials when there are any. */
        g_auto(GStrv) envp = g_get_environ();
        if (!user) {
                r = ovh_envfile_load(OVH_ENVIRONMENT_FILE, &environment, error);
                if (r < 0)
                        return r;
                for (char **e = environment; *e; e++) {
                        char *eq = strchr(*e, '=');
                        g_autofree char *name = g_strndup(*e, (gsize) (eq - *e));
                        envp = g_environ_setenv(envp, name, eq + 1, TRUE);
                }
        }
        g_autofree char *service =
                user ? g_strdup_printf(OVH_TEMPLATE_PREFIX "%s.service", user) : g_strdup(OVH_SERVICE_UNIT);
        g_autofree char *credentials = g_build_filename(OVH_CREDENTIALS_ROOT, service, NULL);
        if (g_file_test(credentials, G_FILE_TEST_IS_DIR))
                envp = g_environ_setenv(envp, "CREDENTIALS_DIRECTORY", credentials, TRUE);
        else
                envp = g_environ_unsetenv(envp, "CREDENTIALS_DIRECTORY");

        g_autofree char *user_option = user ? g_strdup_printf("--user=%s", user) : NULL;
        char *argv_launcher[] = { (char *) OVH_LAUNCHER_PATH, (char *) "--check", user_option, NULL };
        fflush(stdout);
        execve(OVH_LAUNCHER_PATH, argv_launcher, envp);
        return ovh_fail(error, errno == ENOENT ? EX_UNAVAILABLE : EX_OSERR, errno,
                        "cannot run %s: %s; reinstall the openvscode-host package", OVH_LAUNCHER_PATH,
                        g_strerror(errno));
}

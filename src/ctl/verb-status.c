/* SPDX-License-Identifier: MIT */
/* status and check. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "ctl-text.h"
#include "ctl.h"
#include "envfile.h"
#include "ovh-error.h"
#include "paths.h"
#include "sudo.h"
#include "token.h"

extern char **environ;

static const char *status_help = "openvscodectl status [--user NAME] [--json]\n\n"
                                 "The socket's and the service's state, the server version, the account, where\n"
                                 "the token comes from (never the token), the listen addresses, and the live\n"
                                 "sandbox of the running server read from /proc (Uid, Gid, Cap*, NoNewPrivs,\n"
                                 "Seccomp). Root sees everything; others see what they may read.\n\n"
                                 "  --user NAME   the per-user instance openvscode-server@NAME\n"
                                 "  --json        the same facts as one JSON object\n"
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

/* What status reports, gathered once and then printed as text or JSON, so
 * the two can never tell different stories. NULL: not known to this
 * caller (not root) or not there. */
typedef struct {
        const CtlInstance *ci;
        OvhUnitState socket, service;
        GPtrArray *listen; /* "ADDRESS:PORT" or a socket path */
        OvhPayload payload;
        bool server_found;
        char *update_kind, *update_version; /* the last update check's find */
        char *token_source;
        char *sudo; /* "disabled", "enabled (...)" */
        long main_pid;
        bool sandbox_read; /* /proc/PID/status was readable */
        GPtrArray *sandbox; /* field, value, field, value, ... */
} StatusFacts;

static void status_facts_clear(StatusFacts *f) {
        ovh_unit_state_clear(&f->socket);
        ovh_unit_state_clear(&f->service);
        g_clear_pointer(&f->listen, g_ptr_array_unref);
        ovh_payload_clear(&f->payload);
        g_clear_pointer(&f->update_kind, g_free);
        g_clear_pointer(&f->update_version, g_free);
        g_clear_pointer(&f->token_source, g_free);
        g_clear_pointer(&f->sudo, g_free);
        g_clear_pointer(&f->sandbox, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(StatusFacts, status_facts_clear)

static void status_gather(const CtlInstance *ci, StatusFacts *f) {
        g_auto(GStrv) lines = NULL;

        f->ci = ci;
        (void) ctl_unit_state(ci->socket_unit, &f->socket);
        (void) ctl_unit_state(ci->service_unit, &f->service);
        f->listen = g_ptr_array_new_with_free_func(g_free);
        if (ctl_socket_listen(ci->socket_unit, &lines, NULL) < 0)
                lines = g_new0(char *, 1);
        for (char **l = lines; *l; l++) {
                CtlListen la;
                if (!ctl_listen_parse(*l, &la))
                        continue;
                if (la.family == AF_UNIX)
                        g_ptr_array_add(f->listen, g_strdup(la.address));
                else
                        g_ptr_array_add(f->listen,
                                        g_strdup_printf("%s%s%s:%u", la.family == AF_INET6 ? "[" : "", la.address,
                                                        la.family == AF_INET6 ? "]" : "", la.port));
                ctl_listen_clear(&la);
        }

        f->server_found = ovh_payload_resolve(ci->config, OVH_SERVERS_DIR, &f->payload, NULL) >= 0;
        /* What the last `server update --check` or the timer found:
         * "KIND VERSION", checked before it reaches the terminal. */
        g_autofree char *update_note = g_build_filename(OVH_SERVERS_DIR, OVH_STORE_UPDATE_NOTE, NULL);
        g_autofree char *update = NULL;
        g_auto(GStrv) kind_version = NULL;
        OvhServerKind update_kind;
        if (g_file_get_contents(update_note, &update, NULL, NULL))
                kind_version = g_strsplit(g_strstrip(update), " ", -1);
        if (kind_version && g_strv_length(kind_version) == 2 &&
            ovh_server_kind_from_name(kind_version[0], &update_kind) == 0 &&
            ovh_server_version_valid(kind_version[1])) {
                f->update_kind = g_strdup(kind_version[0]);
                f->update_version = g_strdup(kind_version[1]);
        }

        f->token_source = token_source_text(ci);
        if (ci->config_read) {
                OvhSudoPaths paths = {};
                OvhSudoState sudo;
                ovh_sudo_paths_init(&paths, OVH_CONFIG_FILE);
                ovh_sudo_read_state(&paths, &sudo);
                f->sudo = g_strdup(!ovh_sudo_state_enabled(&sudo) ? "disabled"
                                   : sudo.by_environment          ? "enabled (SUDO_PASSWORD)"
                                                                  : "enabled (openvscodectl sudo)");
                ovh_sudo_paths_clear(&paths);
        }

        f->main_pid = f->service.main_pid;
        f->sandbox = g_ptr_array_new_with_free_func(g_free);
        if (f->main_pid <= 0)
                return;
        g_autofree char *path = g_strdup_printf("/proc/%ld/status", f->main_pid);
        g_autofree char *proc_status = NULL;
        if (!g_file_get_contents(path, &proc_status, NULL, NULL))
                return;
        f->sandbox_read = true;
        static const char *const fields[] = { "Uid",    "Gid",    "CapInh",     "CapPrm",  "CapEff",
                                              "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", NULL };
        g_auto(GStrv) status_lines = g_strsplit(proc_status, "\n", -1);
        for (const char *const *field = fields; *field; field++)
                for (char **l = status_lines; *l; l++) {
                        size_t n = strlen(*field);
                        if (strncmp(*l, *field, n) != 0 || (*l)[n] != ':')
                                continue;
                        char *value = g_strdup(*l + n + 1);
                        g_strdelimit(g_strstrip(value), "\t", ' ');
                        g_ptr_array_add(f->sandbox, g_strdup(*field));
                        g_ptr_array_add(f->sandbox, value);
                }
}

static void status_print_text(const StatusFacts *f) {
        const CtlInstance *ci = f->ci;

        printf("Socket: %s %s %s\n", ci->socket_unit, prop(f->socket.active_state), prop(f->socket.unit_file_state));
        for (guint i = 0; i < f->listen->len; i++)
                printf("Listen: %s\n", (const char *) f->listen->pdata[i]);
        printf("Service: %s %s (%s)\n", ci->service_unit, prop(f->service.active_state), prop(f->service.sub_state));
        if (f->server_found)
                printf("Server: %s %s (VS Code %s) %s, chosen by %s\n", ovh_server_kind_name(f->payload.kind),
                       f->payload.release, f->payload.version, f->payload.root, f->payload.chosen_by);
        else
                printf("Server: missing (%s, chosen by %s)\n", f->payload.root, f->payload.chosen_by);
        if (f->update_kind)
                printf("Update available: %s %s (openvscodectl server update)\n", f->update_kind, f->update_version);
        printf("Account: %s uid=%u gid=%u home=%s\n", ci->account->name, (unsigned) ci->account->uid,
               (unsigned) ci->account->gid, ci->account->home);
        printf("Token source: %s\n", f->token_source);
        if (ci->config_read) {
                g_autofree char *extensions = ci->config->extensions && ci->config->extensions[0]
                                                      ? g_strjoinv(" ", ci->config->extensions)
                                                      : g_strdup("-");
                printf("Extensions at start: %s\n", extensions);
                printf("Sudo: %s\n", f->sudo);
        }
        if (f->main_pid <= 0) {
                printf("Sandbox: no server process (it starts on the first connection)\n");
                return;
        }
        if (!f->sandbox_read) {
                printf("Sandbox: pid %ld cannot be read (run as root)\n", f->main_pid);
                return;
        }
        printf("Main PID: %ld\n", f->main_pid);
        for (guint i = 0; i + 1 < f->sandbox->len; i += 2)
                printf("Sandbox %s: %s\n", (const char *) f->sandbox->pdata[i],
                       (const char *) f->sandbox->pdata[i + 1]);
}

static void json_member_string(JsonBuilder *b, const char *name, const char *value) {
        json_builder_set_member_name(b, name);
        if (value)
                json_builder_add_string_value(b, value);
        else
                json_builder_add_null_value(b);
}

/* The same facts as status_print_text, as one object. Unknown values are
 * null; keys never depend on who asks. */
static void status_print_json(const StatusFacts *f) {
        const CtlInstance *ci = f->ci;
        g_autoptr(JsonBuilder) b = json_builder_new();

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "socket");
        json_builder_begin_object(b);
        json_member_string(b, "unit", ci->socket_unit);
        json_member_string(b, "active_state", f->socket.active_state);
        json_member_string(b, "unit_file_state", f->socket.unit_file_state);
        json_builder_set_member_name(b, "listen");
        json_builder_begin_array(b);
        for (guint i = 0; i < f->listen->len; i++)
                json_builder_add_string_value(b, f->listen->pdata[i]);
        json_builder_end_array(b);
        json_builder_end_object(b);

        json_builder_set_member_name(b, "service");
        json_builder_begin_object(b);
        json_member_string(b, "unit", ci->service_unit);
        json_member_string(b, "active_state", f->service.active_state);
        json_member_string(b, "sub_state", f->service.sub_state);
        json_builder_set_member_name(b, "main_pid");
        if (f->main_pid > 0)
                json_builder_add_int_value(b, f->main_pid);
        else
                json_builder_add_null_value(b);
        json_builder_end_object(b);

        json_builder_set_member_name(b, "server");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "found");
        json_builder_add_boolean_value(b, f->server_found);
        json_member_string(b, "kind", f->server_found ? ovh_server_kind_name(f->payload.kind) : NULL);
        json_member_string(b, "release", f->server_found ? f->payload.release : NULL);
        json_member_string(b, "vscode_version", f->server_found ? f->payload.version : NULL);
        json_member_string(b, "root", f->payload.root);
        json_member_string(b, "chosen_by", f->payload.chosen_by);
        json_builder_end_object(b);

        json_builder_set_member_name(b, "update_available");
        if (f->update_kind) {
                json_builder_begin_object(b);
                json_member_string(b, "kind", f->update_kind);
                json_member_string(b, "release", f->update_version);
                json_builder_end_object(b);
        } else {
                json_builder_add_null_value(b);
        }

        json_builder_set_member_name(b, "account");
        json_builder_begin_object(b);
        json_member_string(b, "name", ci->account->name);
        json_builder_set_member_name(b, "uid");
        json_builder_add_int_value(b, ci->account->uid);
        json_builder_set_member_name(b, "gid");
        json_builder_add_int_value(b, ci->account->gid);
        json_member_string(b, "home", ci->account->home);
        json_builder_end_object(b);

        json_member_string(b, "token_source", f->token_source);
        json_builder_set_member_name(b, "extensions_at_start");
        if (ci->config_read) {
                json_builder_begin_array(b);
                for (char **e = ci->config->extensions; e && *e; e++)
                        json_builder_add_string_value(b, *e);
                json_builder_end_array(b);
        } else {
                json_builder_add_null_value(b);
        }
        json_member_string(b, "sudo", f->sudo);

        /* null: no process, or one this caller may not read. */
        json_builder_set_member_name(b, "sandbox");
        if (f->sandbox_read) {
                json_builder_begin_object(b);
                for (guint i = 0; i + 1 < f->sandbox->len; i += 2)
                        json_member_string(b, f->sandbox->pdata[i], f->sandbox->pdata[i + 1]);
                json_builder_end_object(b);
        } else {
                json_builder_add_null_value(b);
        }
        json_builder_end_object(b);

        ctl_print_json(b);
}

int verb_status(int argc, char *argv[], GError **error) {
        g_auto(CtlInstance) ci = {};
        g_auto(StatusFacts) facts = {};
        const char *user = NULL;
        bool json = false;
        int r;

        r = ctl_parse_user_option("status", status_help, argc, argv, &user, &json, error);
        if (r <= 0)
                return r;
        if (optind < argc)
                return ctl_usage_error(error, "status", "unexpected argument \"%s\"", argv[optind]);
        /* Anyone may ask: what others may not read is left out below. */
        r = ctl_instance_open(&ci, user, NULL, true, error);
        if (r < 0)
                return r;

        status_gather(&ci, &facts);
        if (json)
                status_print_json(&facts);
        else
                status_print_text(&facts);
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

        r = ctl_parse_user_option("check", check_help, argc, argv, &user, NULL, error);
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

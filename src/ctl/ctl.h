/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

#include "account.h"
#include "config.h"
#include "ctl-text.h"
#include "sandbox.h"
#include "server.h"
#include "systemd.h"

/* openvscodectl: the administrator's tool. Every verb is a function in a
 * verb-*.c file; this header holds what they share (ctl-common.c). Errors
 * are GErrors whose code is the sysexits exit code and whose message is
 * the one line printed: the cause and the fix. Nothing is changed on disk
 * before everything a verb needs has been validated. */

typedef int (*CtlVerbFunction)(int argc, char *argv[], GError **error);

int verb_url(int argc, char *argv[], GError **error);
int verb_token(int argc, char *argv[], GError **error);
int verb_install_extension(int argc, char *argv[], GError **error);
int verb_uninstall_extension(int argc, char *argv[], GError **error);
int verb_list_extensions(int argc, char *argv[], GError **error);
int verb_set_user(int argc, char *argv[], GError **error);
int verb_sudo(int argc, char *argv[], GError **error);
int verb_password(int argc, char *argv[], GError **error);
int verb_tls(int argc, char *argv[], GError **error);
int verb_import_config(int argc, char *argv[], GError **error);
int verb_status(int argc, char *argv[], GError **error);
int verb_check(int argc, char *argv[], GError **error);
int verb_server(int argc, char *argv[], GError **error);

/* Output. */
void ctl_warning(const char *format, ...) G_GNUC_PRINTF(1, 2);
int ctl_usage_error(GError **error, const char *verb, const char *format, ...) G_GNUC_PRINTF(3, 4);

/* Who may do what. */
bool ctl_caller_is_root(void);
int ctl_require_root(const char *verb, GError **error);

/* systemd, over sd-bus (src/core/systemd.h); one connection for the run. */
int ctl_require_systemd(GError **error);
/* What systemctl show says of the unit; -errno (and an empty *ret) when
 * systemd cannot be asked. */
int ctl_unit_state(const char *unit, OvhUnitState *ret);
/* The unit file must be installed (LoadState=loaded), else EX_UNAVAILABLE. */
int ctl_require_unit(const char *unit, GError **error);
int ctl_try_restart(const char *unit, GError **error);
/* The running units matching a glob (ovh_systemd_running_units). */
int ctl_running_units(const char *pattern, char ***ret, GError **error);
int ctl_stop(const char *unit, GError **error);
bool ctl_unit_is_active(const char *unit);
pid_t ctl_unit_main_pid(const char *unit);
/* The socket unit's addresses, "ADDRESS (TYPE)" (ctl_listen_parse). */
int ctl_socket_listen(const char *unit, char ***ret, GError **error);
/* The connection-token credential of the service (CTL_CREDENTIAL_NONE when
 * systemd cannot be asked); *ret_file is the file a LoadCredential= names
 * when it exists (absolute, or found in a credstore directory). */
CtlCredentialKind ctl_unit_credential(const char *unit, char **ret_source, char **ret_file);

/* The instance a verb works on: the default one (openvscode-server.socket,
 * launcher.conf + the environment file), or with --user NAME the per-user
 * openvscode-server@NAME (launcher.conf, User= replaced, no environment
 * file). */
typedef struct {
        char *instance; /* NULL for the default instance */
        char *socket_unit;
        char *service_unit;
        char *runtime_dir; /* the unit's RuntimeDirectory= */
        OvhConfig *config; /* read only by root (the environment file is root's alone) */
        bool config_read;
        char **environment; /* the environment file's variables (default instance, root) */
        OvhAccount *account;
} CtlInstance;

void ctl_instance_clear(CtlInstance *instance);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CtlInstance, ctl_instance_clear)
/* Reads the configuration (as root) and resolves the account. As another
 * user the configuration is unreadable: the account is then the instance's
 * user or the default account. */
int ctl_instance_load(CtlInstance *instance, const char *user, GError **error);
/* Root, or the instance's account itself; EX_NOPERM for anyone else. */
int ctl_require_root_or_account(const CtlInstance *instance, const char *verb, GError **error);
/* How a verb about one instance starts: systemd runs, the instance loads
 * (ctl_instance_load), the caller may see its token (root or the account:
 * ctl_require_root_or_account, unless `access_verb` is NULL), and its
 * socket unit (`socket`) or service unit is installed. */
int ctl_instance_open(CtlInstance *instance, const char *user, const char *access_verb, bool socket, GError **error);
/* A per-user instance name must be an existing account; fails early. */
int ctl_check_instance_name(const char *user, GError **error);

/* What running VS Code's CLI as the account needs. */
typedef struct {
        OvhPayload payload;
        OvhSandboxProgram filter;
        OvhServerPlan plan;
} CtlServerContext;

int ctl_server_context_init(CtlServerContext *context, const CtlInstance *instance, GError **error);
void ctl_server_context_clear(CtlServerContext *context);
/* Prints the value built in b, pretty, and a newline: the form of every
 * --json. */
typedef struct _JsonBuilder JsonBuilder;
void ctl_print_json(JsonBuilder *b);

/* Parses [--user NAME] [-h], and [--json] when json is not NULL: 1 to go
 * on, 0 after --help, < 0 on a usage error. optind is left at the first
 * operand. */
int ctl_parse_user_option(const char *verb, const char *help, int argc, char *argv[], const char **user, bool *json,
                          GError **error);

/* Runs the server's CLI with `arguments` as the account, in the server's
 * sandbox: for root in a transient unit with the service's sandbox
 * (ovh_server_cli_run_in_unit; systemd must run), for the account itself
 * as its own child (ovh_server_cli_run). What it wrote is collected in
 * *ret_out and *ret_err, unfiltered: print it with ctl_print_output. */
int ctl_run_server_cli(const CtlServerContext *context, const CtlInstance *instance, const char *verb,
                       char *const *arguments, int *ret_status, GString **ret_out, GString **ret_err, GError **error);
/* The same for root with another server tree than the configured one
 * (`server_root`, NULL for the configured one): openvscodectl server
 * install runs the tree's --version in the service's sandbox. */
int ctl_run_cli_in_unit(const CtlInstance *instance, const char *verb, const char *server_root, char *const *arguments,
                        int timeout_sec, int *ret_status, GString **ret_out, GString **ret_err, GError **error);

/* A program's output on `stream`, with its control characters escaped
 * (ovh_printable_text): it cannot drive the admin's terminal. */
void ctl_print_output(FILE *stream, const GString *text);

/* The state tree: HOME/.openvscode-server and its extensions directory. */
char *ctl_extensions_dir(const CtlInstance *instance);

/* The launcher.conf.d file openvscodectl writes NAME to. */
char *ctl_config_dropin(const char *name);

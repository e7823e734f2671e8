/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "account.h"
#include "sandbox.h"
#include "server.h"
#include "systemd.h"

/* A program run the way the launcher runs the server: in a child process
 * that takes the account's identity, empties every capability set, sets
 * no_new_privs and loads the server's seccomp filter as its last step
 * before execve(). openvscodectl runs VS Code's own CLI this way
 * (--install-extension ...), and the launcher runs it for Extensions=. */
typedef struct {
        const OvhAccount *account;
        mode_t umask;
        const OvhSandboxProgram *filter; /* NULL: [Sandbox] Seccomp=no */
        char **argv; /* argv[0]: absolute path */
        char **envp;
        const char *cwd; /* entered as the account; the home when it fails */
        int timeout_sec; /* > 0: SIGKILL after this long */
        bool capture_stderr; /* collect stderr for the caller instead of passing it on */
        GString *stdout_into; /* non-NULL: collect stdout here instead of passing it on */
} OvhRunAs;

/* Runs it and waits. *ret_status: the exit status, or 128+signal. A
 * failure to set the child up (identity, filter, exec) is an error with
 * the child's own message; a timeout is EX_TEMPFAIL. With capture_stderr,
 * *ret_stderr receives what the program wrote there. Stdout is passed on
 * unless run->stdout_into collects it. */
int ovh_run_as_account(const OvhRunAs *run, int *ret_status, char **ret_stderr, GError **error);

/* VS Code's own CLI for the plan's account (ovh_server_cli_argv and
 * ovh_server_cli_environ), run like the server: the account, no
 * capabilities, no_new_privs, `filter` (NULL or an empty program: none),
 * from the home. Both programs' stdio is flushed first, so their own
 * buffered lines come before the CLI's. It runs in the caller's unit (the
 * launcher's Extensions=, the account's own openvscodectl): root's
 * openvscodectl uses ovh_server_cli_run_in_unit. */
int ovh_server_cli_run(const OvhServerPlan *plan, const OvhSandboxProgram *filter, char *const *arguments,
                       int timeout_sec, int *ret_status, GString *stdout_into, char **ret_stderr, GError **error);

/* VS Code's CLI for an instance, run by root in the instance's own
 * sandbox: a transient unit that copies the service's sandbox
 * (ovh_systemd_run_sandboxed) and whose ExecStart= is `openvscode-launcher
 * [--user=INSTANCE] --run-cli -- ARGUMENTS`, so the configuration, the
 * argv, the environment and the filter are the launcher's, and the CLI
 * runs as the account in the service's view of the file system, with no
 * capabilities, no_new_privs and the filter, in a session of its own and
 * without a terminal. For the default instance with another account than
 * the package's, the account drop-in's additions for its home are applied
 * too (the drop-in itself only exists once the service has started).
 *
 * *ret_status is the CLI's exit status; *ret_out and *ret_err hold what it
 * wrote, unfiltered (escape it before it reaches a terminal:
 * ovh_printable_text). A failure of the launcher itself (its "<3>" line
 * with its exit status) is an error with its message and code, as is a
 * timeout (EX_TEMPFAIL). */
typedef struct {
        const char *service; /* openvscode-server.service or openvscode-server@NAME.service */
        const char *instance; /* NAME, or NULL for the default instance */
        const OvhAccount *account;
        char *const *arguments;
        const char *verb; /* for the unit's description */
        const char *server_root; /* non-NULL: this server tree, not the configured one (server install) */
        int timeout_sec;
} OvhServerCliInUnit;

int ovh_server_cli_run_in_unit(sd_bus *bus, const OvhServerCliInUnit *cli, int *ret_status, GString **ret_out,
                               GString **ret_err, GError **error);

/* The account's extensions manifest (STATE/extensions/extensions.json),
 * read as the account (its directory is 0700), or NULL when there is none
 * yet. */
char *ovh_extensions_read_manifest(const OvhAccount *account);

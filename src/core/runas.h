/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "account.h"
#include "sandbox.h"
#include "server.h"

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
} OvhRunAs;

/* Runs it and waits. *ret_status: the exit status, or 128+signal. A
 * failure to set the child up (identity, filter, exec) is an error with
 * the child's own message; a timeout is EX_TEMPFAIL. With capture_stderr,
 * *ret_stderr receives what the program wrote there. Stdout is passed on. */
int ovh_run_as_account(const OvhRunAs *run, int *ret_status, char **ret_stderr, GError **error);

/* VS Code's own CLI for the plan's account (ovh_server_cli_argv and
 * ovh_server_cli_environ), run like the server: the account, no
 * capabilities, no_new_privs, `filter` (NULL or an empty program: none),
 * from the home. Both programs' stdio is flushed first, so their own
 * buffered lines come before the CLI's. */
int ovh_server_cli_run(const OvhServerPlan *plan, const OvhSandboxProgram *filter, char *const *arguments,
                       int timeout_sec, int *ret_status, char **ret_stderr, GError **error);

/* The account's extensions manifest (STATE/extensions/extensions.json),
 * read as the account (its directory is 0700), or NULL when there is none
 * yet. */
char *ovh_extensions_read_manifest(const OvhAccount *account);

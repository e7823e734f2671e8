/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>

/* Runs a system tool (systemctl, visudo, chpasswd, systemd-tmpfiles) with
 * the caller's identity and environment, and waits for it. argv[0] is an
 * absolute path or a name looked up in PATH. `input` (may be NULL) is
 * written to its stdin, which is /dev/null otherwise; with `ret_output` its
 * stdout and stderr are collected there, else they are the caller's.
 * *ret_status is the exit status, or 128+signal. Fails only when the tool
 * cannot be run at all (EX_UNAVAILABLE when it is not installed). */
int ovh_command_run(char *const *argv, const char *input, char **ret_output, int *ret_status, GError **error);

/* ovh_command_run() for a tool that must succeed: its output is collected,
 * and an exit status other than 0 fails with EX_OSERR, -EIO and
 * "WHAT failed (exit status N): FIRST LINE OF ITS OUTPUT". `what` names
 * the tool in that message (argv[0] when NULL). */
int ovh_command_run_checked(char *const *argv, const char *input, const char *what, GError **error);

/* The first line of a tool's output, for a one-line error. */
char *ovh_command_first_line(const char *output);

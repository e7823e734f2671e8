/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>

#include "account.h"

/* install-extension FILE.vsix: the file the admin names is opened once,
 * without following a symbolic link, and everything after works from that
 * fd, so a path swapped after the check cannot change what is installed. */

/* Opens PATH and checks that it is a complete zip archive. Returns the fd,
 * or fails with one line: EX_NOINPUT (missing), EX_NOPERM (unreadable),
 * EX_DATAERR (a link, not a regular file, not a zip). */
int ctl_vsix_open(const char *path, GError **error);

/* Copies the checked FD into DIR (the account's private directory) as the
 * account, named after PATH's base name; *ret_copy is the copy's path. */
int ctl_vsix_copy_for_account(const OvhAccount *account, const char *dir, int fd, const char *path, char **ret_copy,
                              GError **error);

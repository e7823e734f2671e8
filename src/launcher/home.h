/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>

#include "account.h"

/* Read-only validation of the state tree (the account's home): the home
 * exists, and it and the server's directories that exist belong to the
 * account. Runs before anything is written. */
int ovh_home_check(const OvhAccount *account, GError **error);

/* First-start skeleton, created as the account (the caller switched the
 * file-system identity): .bashrc and .profile from /etc/skel when missing,
 * .ssh 0700 with its files 0600, .openvscode-server/{data,extensions} 0700,
 * workspace/. Existing files are kept; nothing is chowned; the workspace's
 * contents are never touched. */
int ovh_home_create_skeleton(const OvhAccount *account, GError **error);

/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "account.h"

/* File-system identity only (setfsuid/setfsgid): while acting as the
 * account, files are created as the account and the kernel drops root's
 * file capabilities (CAP_DAC_OVERRIDE, CAP_CHOWN, ...) from the effective
 * set, so the account's writes get the account's permission checks. */
int ovh_privileges_act_as(const OvhAccount *account, GError **error);
int ovh_privileges_act_as_self(GError **error);

/* The identity switch and capability drop (DESIGN sections 1 and 4), in the
 * order that works: bounding set while still privileged, ambient, groups,
 * gid, uid (verified), then permitted/effective/inheritable; finally
 * no_new_privs. With `keep_for_sudo` (AllowSudo=yes) the bounding set is kept
 * and no_new_privs is not set, so sudo can raise privileges again.
 * When not running as root the account must be the caller itself. */
int ovh_privileges_drop(const OvhAccount *account, bool keep_for_sudo, GError **error);

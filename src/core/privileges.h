/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

#include "account.h"
#include "config.h"

/* File-system identity only (setfsuid/setfsgid): while acting as the
 * account, files are created as the account and the kernel drops root's
 * file capabilities (CAP_DAC_OVERRIDE, CAP_CHOWN, ...) from the effective
 * set, so the account's writes get the account's permission checks. */
int ovh_privileges_act_as(const OvhAccount *account, GError **error);
int ovh_privileges_act_as_self(GError **error);

/* "Act as the account" for the rest of a block:
 *
 *         g_auto(OvhActingAs) as_account = OVH_ACTING_AS_INIT;
 *         r = ovh_acting_as_begin(&as_account, account, error);
 *         if (r < 0)
 *                 return r;
 *         ... file-system work as the account ...
 *
 * The identity comes back when the variable goes out of scope, or earlier
 * with ovh_acting_as_end(). Restoring cannot fail once acting succeeded (root
 * sets its own fsuid back); if it ever does, the process exits with EX_OSERR
 * rather than go on as the account. */
typedef struct {
        bool acting;
} OvhActingAs;
#define OVH_ACTING_AS_INIT ((OvhActingAs){ .acting = false })
int ovh_acting_as_begin(OvhActingAs *scope, const OvhAccount *account, GError **error);
void ovh_acting_as_end(OvhActingAs *scope);
/* The same scope with any owner's file-system identity: import-config reads
 * the container's files as their owner, so that a path swapped under it can
 * reach only what that owner could read anyway. */
int ovh_acting_as_begin_ids(OvhActingAs *scope, uid_t uid, gid_t gid, GError **error);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OvhActingAs, ovh_acting_as_end)

/* The identity switch and capability drop (openvscode-launcher(8), SECURITY), in the
 * order that works: bounding set while still privileged, ambient, groups,
 * gid, uid (verified), then permitted/effective/inheritable; finally
 * no_new_privs. With `keep_for_sudo` (AllowSudo=yes) the bounding set is kept
 * and no_new_privs is not set, so sudo can raise privileges again.
 * When not running as root the account must be the caller itself. */
int ovh_privileges_drop(const OvhAccount *account, bool keep_for_sudo, GError **error);

/* True when no_new_privs is already set on this process (NoNewPrivs: 1 in
 * /proc/self/status): sudo cannot work in such a start. */
bool ovh_privileges_no_new_privs(void);

/* Started without root (the units' User=): the configuration must name the
 * account systemd started us as, before anything is looked at or written.
 * A mismatch means the unit and the configuration disagree, which only a
 * restart (ExecStartPre=+ --prepare-unit) or a drop-in resolves. Also
 * refuses AllowSudo=yes with seccomp, which needs a root start. */
int ovh_privileges_check_start(const OvhConfig *config, const OvhAccount *account, const char *origin, GError **error);

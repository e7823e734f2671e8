/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <sys/types.h>

/* The account the server runs as, resolved through NSS. */
typedef struct {
        char *name;
        uid_t uid;
        gid_t gid; /* primary group, or [Account] Group= */
        char *group_name;
        char *home;
        char *shell;
        gid_t *groups; /* supplementary groups (initgroups semantics) */
        int n_groups;
} OvhAccount;

void ovh_account_free(OvhAccount *account);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OvhAccount, ovh_account_free)

/* `user` is a name or a numeric uid; `group` (optional) a name or gid.
 * `origin` says where the user came from, for the error. Fails with
 * EX_NOUSER for unknown users/groups and EX_CONFIG for root (the IDE is
 * never run as root) or an account without a usable home. */
int ovh_account_resolve(const char *user, const char *group, const char *origin, OvhAccount **ret, GError **error);

/* "NAME:GROUP (uid U, gid G)" of this process's effective identity, for
 * messages; numbers alone where NSS does not know them. */
char *ovh_account_describe_self(void);

/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "account.h"
#include "config.h"
#include "sudo.h"

/* The unit drop-in that follows from the configured account.
 *
 * openvscode-server.service starts the launcher as the account systemd
 * knows from User= (openvscode-server by default), with no capabilities at
 * all. The container's PUID/PGID and [Account] User=/Group= choose another
 * account: `openvscode-launcher --prepare-unit`, the unit's ExecStartPre=+,
 * turns that choice into this drop-in (in /run, so it always follows the
 * configuration) and reloads systemd, so the ExecStart= that follows runs
 * as that account. The default account needs none. */

/* True when ProtectHome=yes hides `home` (/home, /root, /run/user). */
bool ovh_unit_home_hidden(const char *home);

/* What the account drop-in adds for the account's home (pure): nothing
 * under the state directory (ReadWritePaths= already), BindPaths= with
 * ProtectHome=tmpfs where ProtectHome=yes hides it, ReadWritePaths=
 * elsewhere (ProtectSystem=strict makes it read-only). */
typedef enum {
        OVH_UNIT_HOME_IN_STATE_DIR,
        OVH_UNIT_HOME_BIND,
        OVH_UNIT_HOME_READ_WRITE,
} OvhUnitHomeAccess;
OvhUnitHomeAccess ovh_unit_home_access(const char *home);

/* The drop-in's text for `account` (pure), or NULL when the unit's own
 * User=/Group= already say it (the default account and its group).
 * `origin` names where the choice came from, for the comment. */
char *ovh_unit_account_dropin_text(const OvhAccount *account, const char *origin);

/* openvscode-launcher --prepare-unit, the default unit's ExecStartPre=+,
 * with full privileges and the unit's environment, before the start proper:
 * writes (or removes) the account drop-in in /run, applies SUDO_PASSWORD(_HASH)
 * (ovh_sudo_apply_environment), and when a drop-in changed reloads systemd so
 * the ExecStart= that follows runs with it. The account drop-in reaches
 * systemd even when the sudo part fails; the error is then the sudo one, and
 * a reload failure on top becomes *ret->reload_warning. */
typedef struct {
        OvhAccount *account; /* the configured account */
        char *account_origin; /* where it was chosen */
        bool account_dropin_written;
        OvhSudoAction sudo;
        char *reload_warning;
} OvhUnitPrepared;
void ovh_unit_prepared_clear(OvhUnitPrepared *prepared);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OvhUnitPrepared, ovh_unit_prepared_clear)
int ovh_unit_prepare(const OvhConfig *config, const char *config_file, OvhUnitPrepared *ret, GError **error);

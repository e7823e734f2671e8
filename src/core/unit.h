/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "account.h"

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

/* The drop-in's text for `account` (pure), or NULL when the unit's own
 * User=/Group= already say it (the default account and its group).
 * `origin` names where the choice came from, for the comment. */
char *ovh_unit_account_dropin_text(const OvhAccount *account, const char *origin);

/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>

#include "conf.h"

/* The linuxserver container's variables, so a docker-compose `environment:`
 * block pasted into /etc/openvscode-server/environment keeps working:
 * PUID PGID TZ UMASK CONNECTION_TOKEN CONNECTION_SECRET and FILE__NAME=path.
 * They override launcher.conf (they are the more specific, per-host choice).
 * Warnings (e.g. SUDO_PASSWORD, handled by `openvscodectl sudo`) are
 * appended to `warnings` for the caller to log. */
int ovh_config_apply_environment(OvhConfig *config, const char *const *envp, GPtrArray *warnings, GError **error);

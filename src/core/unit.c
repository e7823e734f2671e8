/* SPDX-License-Identifier: MIT */
#include "unit.h"

#include <string.h>

#include "paths.h"

static bool path_is_under(const char *path, const char *dir) {
        size_t n = strlen(dir);
        return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

bool ovh_unit_home_hidden(const char *home) {
        static const char *const hidden[] = { "/home", "/root", "/run/user" };
        for (size_t i = 0; i < G_N_ELEMENTS(hidden); i++)
                if (path_is_under(home, hidden[i]))
                        return true;
        return false;
}

OvhUnitHomeAccess ovh_unit_home_access(const char *home) {
        if (ovh_unit_home_hidden(home))
                return OVH_UNIT_HOME_BIND;
        if (!path_is_under(home, OVH_STATE_DIR))
                return OVH_UNIT_HOME_READ_WRITE;
        return OVH_UNIT_HOME_IN_STATE_DIR;
}

char *ovh_unit_account_dropin_text(const OvhAccount *account, const char *origin) {
        if (g_str_equal(account->name, OVH_DEFAULT_USER) && g_str_equal(account->group_name, OVH_DEFAULT_USER))
                return NULL;

        GString *s = g_string_new(NULL);
        g_string_append_printf(s,
                               "# Written by openvscode-launcher --prepare-unit at each start of the service,\n"
                               "# from %s: systemd starts the launcher as this account.\n"
                               "# Do not edit: change the configuration and restart the service.\n"
                               "[Service]\n"
                               "User=%s\n"
                               "Group=%s\n",
                               origin, account->name, account->group_name);
        switch (ovh_unit_home_access(account->home)) {
        case OVH_UNIT_HOME_BIND:
                /* ProtectHome=yes hides it: show this home, and only it. */
                g_string_append_printf(s, "ProtectHome=tmpfs\nBindPaths=%s\n", account->home);
                break;
        case OVH_UNIT_HOME_READ_WRITE:
                /* ProtectSystem=strict makes it read-only otherwise. */
                g_string_append_printf(s, "ReadWritePaths=%s\n", account->home);
                break;
        case OVH_UNIT_HOME_IN_STATE_DIR:
                break;
        }
        return g_string_free(s, FALSE);
}

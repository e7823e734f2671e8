/* SPDX-License-Identifier: MIT */
/* The effects of --prepare-unit; the drop-in texts are in unit.c and
 * sudo.c, and stay pure. */
#include <errno.h>

#include "fileio.h"
#include "ovh-error.h"
#include "paths.h"
#include "systemd.h"
#include "unit.h"

void ovh_unit_prepared_clear(OvhUnitPrepared *p) {
        g_clear_pointer(&p->account, ovh_account_free);
        g_clear_pointer(&p->account_origin, g_free);
        g_clear_pointer(&p->reload_warning, g_free);
}

/* Returns 1 when the drop-in changed (written or removed). */
static int write_account_dropin(const char *text, GError **error) {
        if (!text)
                return ovh_file_remove(OVH_ACCOUNT_UNIT_DROPIN, error);
        if (g_mkdir_with_parents(OVH_ACCOUNT_UNIT_DROPIN_DIR, 0755) < 0)
                return ovh_fail(error, EX_CANTCREAT, errno, "cannot create %s: %s", OVH_ACCOUNT_UNIT_DROPIN_DIR,
                                g_strerror(errno));
        return ovh_file_replace(OVH_ACCOUNT_UNIT_DROPIN, text, 0644, error);
}

int ovh_unit_prepare(const OvhConfig *config, const char *config_file, OvhUnitPrepared *ret, GError **error) {
        bool sudo_changed = false;
        int r;

        *ret = (OvhUnitPrepared){ .sudo = OVH_SUDO_UNTOUCHED };
        const char *user = config->user ? config->user : OVH_DEFAULT_USER;
        r = ovh_account_resolve(user, config->group,
                                config->user ? ovh_config_origin(config, "Account", "User") : "default account",
                                &ret->account, error);
        if (r < 0)
                return r;
        ret->account_origin =
                g_strdup(config->user ? ovh_config_origin(config, "Account", "User") : "the default account");
        g_autofree char *text = ovh_unit_account_dropin_text(ret->account, ret->account_origin);
        r = write_account_dropin(text, error);
        if (r < 0)
                return r;
        ret->account_dropin_written = r > 0 && text;

        bool unit_changed = r > 0;
        r = ovh_sudo_apply_environment(config, config_file, ret->account->name, &ret->sudo, &sudo_changed, error);
        if (!unit_changed && !sudo_changed)
                return r;

        /* Even when sudo failed: the account's drop-in must reach the start
         * that follows (which then reports the sudo problem itself). */
        g_autoptr(GError) reload_error = NULL;
        int r_reload = ovh_systemd_reload(r < 0 ? &reload_error : error);
        if (r < 0 && r_reload < 0)
                ret->reload_warning = g_strdup(reload_error->message);
        return r < 0 ? r : r_reload;
}

/* SPDX-License-Identifier: MIT */
/* The account drop-in of --prepare-unit (src/core/unit.c): pure text. */
#include <glib.h>
#include <string.h>

#include "paths.h"
#include "unit.h"

static OvhAccount *account(const char *name, const char *group, const char *home) {
        OvhAccount *a = g_new0(OvhAccount, 1);
        a->name = g_strdup(name);
        a->group_name = g_strdup(group);
        a->home = g_strdup(home);
        return a;
}

static void test_default_needs_none(void) {
        g_autoptr(OvhAccount) a = account(OVH_DEFAULT_USER, OVH_DEFAULT_USER, OVH_STATE_DIR);
        g_assert_null(ovh_unit_account_dropin_text(a, "the default account"));
}

static void test_other_group(void) {
        /* The default user in another group (PGID alone) still needs one. */
        g_autoptr(OvhAccount) a = account(OVH_DEFAULT_USER, "devs", OVH_STATE_DIR);
        g_autofree char *t = ovh_unit_account_dropin_text(a, "PGID=2345");
        g_assert_nonnull(t);
        g_assert_true(g_str_has_suffix(t, "\n[Service]\nUser=" OVH_DEFAULT_USER "\nGroup=devs\n"));
        g_assert_nonnull(strstr(t, "from PGID=2345:"));
}

static void test_home_under_home(void) {
        g_autoptr(OvhAccount) a = account("dev", "devs", "/home/dev");
        g_autofree char *t = ovh_unit_account_dropin_text(a, "PUID=1234 (/etc/openvscode-server/environment)");
        g_assert_true(
                g_str_has_suffix(t, "\n[Service]\nUser=dev\nGroup=devs\nProtectHome=tmpfs\nBindPaths=/home/dev\n"));
        g_assert_null(strstr(t, "ReadWritePaths="));
}

static void test_home_elsewhere(void) {
        g_autoptr(OvhAccount) a = account("ci", "ci", "/srv/ci");
        g_autofree char *t = ovh_unit_account_dropin_text(a, "[Account] User=");
        g_assert_true(g_str_has_suffix(t, "\nUser=ci\nGroup=ci\nReadWritePaths=/srv/ci\n"));
        g_assert_null(strstr(t, "ProtectHome"));
}

static void test_hidden(void) {
        g_assert_true(ovh_unit_home_hidden("/home/dev"));
        g_assert_true(ovh_unit_home_hidden("/home"));
        g_assert_true(ovh_unit_home_hidden("/root"));
        g_assert_true(ovh_unit_home_hidden("/run/user/1000"));
        g_assert_false(ovh_unit_home_hidden("/homes/dev"));
        g_assert_false(ovh_unit_home_hidden("/rootfs"));
        g_assert_false(ovh_unit_home_hidden(OVH_STATE_DIR));
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/unit-dropin/default", test_default_needs_none);
        g_test_add_func("/unit-dropin/other-group", test_other_group);
        g_test_add_func("/unit-dropin/home-under-home", test_home_under_home);
        g_test_add_func("/unit-dropin/home-elsewhere", test_home_elsewhere);
        g_test_add_func("/unit-dropin/hidden", test_hidden);
        return g_test_run();
}

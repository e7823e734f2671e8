/* SPDX-License-Identifier: MIT */
/* The sudo module's pure parts: which hashes are accepted, hashing and
 * matching a password, and the texts of the files it writes. */
#include <crypt.h>
#include <glib.h>
#include <string.h>

#include "ovh-error.h"
#include "sudo.h"

static void hash_refused(const char *hash) {
        g_autoptr(GError) error = NULL;
        g_assert_cmpint(ovh_sudo_check_hash(hash, "--password-hash", &error), <, 0);
        g_assert_error(error, OVH_ERROR, EX_DATAERR);
        g_assert_true(g_str_has_prefix(error->message, "--password-hash: "));
        g_assert_null(strchr(error->message, '\n'));
}

static void test_hashes(void) {
        g_autoptr(GError) error = NULL;
        g_autofree char *yescrypt = NULL;
        struct crypt_data data = {};

        g_assert_cmpint(ovh_sudo_hash_password("right horse battery", &yescrypt, &error), ==, 0);
        g_assert_no_error(error);
        g_assert_true(g_str_has_prefix(yescrypt, "$y$"));
        g_assert_cmpint(ovh_sudo_check_hash(yescrypt, "x", &error), ==, 0);
        g_assert_true(ovh_sudo_password_matches("right horse battery", yescrypt));
        g_assert_false(ovh_sudo_password_matches("wrong", yescrypt));
        g_assert_false(ovh_sudo_password_matches("right horse battery", "!*"));

        /* SHA-512, as openssl passwd -6 makes it. */
        const char *sha512 = crypt_rn("pw", "$6$saltsaltsalt$", &data, sizeof(data));
        g_assert_nonnull(sha512);
        g_autofree char *sha = g_strdup(sha512);
        g_assert_cmpint(ovh_sudo_check_hash(sha, "x", &error), ==, 0);
        g_assert_true(ovh_sudo_password_matches("pw", sha));

        hash_refused("");
        hash_refused("!*");
        hash_refused("*");
        hash_refused("!$y$j9T$abc$def");
        hash_refused("not-a-hash");
        hash_refused("$6$saltsalt"); /* a bare salt */
        hash_refused("$6$saltsaltsalt$"); /* no hash part */
        hash_refused("$y$j9T$abc:def"); /* would end the shadow field */
        hash_refused("$6$salt$x\nroot::0:0::/:/bin/sh");
        hash_refused("$99$unknown$method");

        g_autoptr(GError) empty = NULL;
        char *ignored = NULL;
        g_assert_cmpint(ovh_sudo_hash_password("", &ignored, &empty), <, 0);
        g_assert_error(empty, OVH_ERROR, EX_DATAERR);
}

static void test_texts(void) {
        g_autofree char *rule = ovh_sudo_sudoers_text("openvscode-server", OVH_SUDO_BY_CTL);
        /* The expired service account passes sudo's PAM account stage. */
        g_assert_true(g_str_has_suffix(rule, "\nDefaults:openvscode-server !pam_acct_mgmt\n"
                                             "openvscode-server ALL=(ALL:ALL) ALL\n"));
        g_assert_nonnull(strstr(rule, "openvscodectl sudo disable"));
        g_assert_null(strstr(rule, "--prepare-unit"));

        g_autofree char *env_rule = ovh_sudo_sudoers_text("abc", OVH_SUDO_BY_ENVIRONMENT);
        g_assert_nonnull(strstr(env_rule, "--prepare-unit"));

        g_autofree char *dropin = ovh_sudo_unit_dropin_text(OVH_SUDO_BY_CTL);
        /* A root start with the launcher's capabilities and sudo's. */
        g_assert_nonnull(strstr(dropin, "\n[Service]\nUser=\nGroup=\nNoNewPrivileges=no\n"
                                        "CapabilityBoundingSet=CAP_SETUID CAP_SETGID CAP_SETPCAP CAP_CHOWN "
                                        "CAP_SYS_ADMIN CAP_AUDIT_WRITE\n"));
        g_assert_nonnull(strstr(dropin, "privilege-escalation path"));

        g_autofree char *conf = ovh_sudo_config_text(OVH_SUDO_BY_ENVIRONMENT);
        g_assert_true(g_str_has_suffix(conf, "\n[Sandbox]\nAllowSudo=yes\n"));
}

static void test_paths(void) {
        OvhSudoPaths p = {};
        ovh_sudo_paths_init(&p, "/etc/openvscode-server/launcher.conf");
        g_assert_cmpstr(p.sudoers, ==, "/etc/sudoers.d/openvscode-server");
        g_assert_cmpstr(p.unit_dropin, ==,
                        "/etc/systemd/system/openvscode-server.service.d/50-openvscodectl-sudo.conf");
        g_assert_cmpstr(p.config_dropin, ==, "/etc/openvscode-server/launcher.conf.d/90-openvscodectl-sudo.conf");
        g_assert_cmpstr(p.saved_password, ==, "/etc/openvscode-server/sudo-saved-password");
        ovh_sudo_paths_clear(&p);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/sudo/hashes", test_hashes);
        g_test_add_func("/sudo/texts", test_texts);
        g_test_add_func("/sudo/paths", test_paths);
        return g_test_run();
}

/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <stdbool.h>

/* sudo in the IDE's terminal: the container's SUDO_PASSWORD and
 * SUDO_PASSWORD_HASH. Enabling writes four things, disabling removes them:
 *
 *   the sudoers rule      ACCOUNT ALL=(ALL:ALL) ALL, and no PAM account stage for
 *                         ACCOUNT (the package expires its service account),
 *                         validated with visudo -c before it is moved into
 *                         /etc/sudoers.d
 *   the account's password hash (chpasswd -e; the previous one is saved and
 *                         restored by disable)
 *   launcher.conf.d       [Sandbox] AllowSudo=yes (the launcher keeps
 *                         no_new_privs off and the bounding set)
 *   a unit drop-in        a root start (User= reset), NoNewPrivileges=no
 *                         and the capabilities that are needed without
 *                         no_new_privs
 *
 * It is a privilege-escalation path by design. openvscodectl sudo and
 * openvscode-launcher --prepare-unit (SUDO_PASSWORD at start) share this. */

typedef enum {
        OVH_SUDO_BY_CTL, /* openvscodectl sudo enable */
        OVH_SUDO_BY_ENVIRONMENT, /* SUDO_PASSWORD(_HASH), applied at start */
} OvhSudoOrigin;

typedef struct {
        char *sudoers;
        char *unit_dropin;
        char *config_dropin;
        char *saved_password;
} OvhSudoPaths;

/* The installed locations (paths.h, next to `config_file`). */
void ovh_sudo_paths_init(OvhSudoPaths *paths, const char *config_file);
void ovh_sudo_paths_clear(OvhSudoPaths *paths);

/* A crypt(5) hash that can be an account's password: a complete hash of a
 * method this system's libcrypt supports ($y$, $6$, $5$, $2b$ ...), not a
 * locked or empty one. EX_DATAERR naming `origin` otherwise. */
int ovh_sudo_check_hash(const char *hash, const char *origin, GError **error);

/* Hashes a password with libcrypt's preferred method (yescrypt). */
int ovh_sudo_hash_password(const char *password, char **ret_hash, GError **error);

/* True when `password` hashes to `hash`. */
bool ovh_sudo_password_matches(const char *password, const char *hash);

/* The files' texts (pure). */
char *ovh_sudo_sudoers_text(const char *account, OvhSudoOrigin origin);
char *ovh_sudo_unit_dropin_text(OvhSudoOrigin origin);
char *ovh_sudo_config_text(OvhSudoOrigin origin);

/* The capabilities the unit drop-in puts in the bounding set: what the
 * launcher needs as root to set up and become the account (setfsuid and
 * setresuid/setresgid/setgroups, shrink the bounding set, give the runtime
 * token file to the account), and what sudo needs without no_new_privs. */
#define OVH_LAUNCHER_ROOT_CAPABILITIES "CAP_SETUID CAP_SETGID CAP_SETPCAP CAP_CHOWN"
#define OVH_SUDO_CAPABILITIES "CAP_SYS_ADMIN CAP_AUDIT_WRITE"

typedef struct {
        bool sudoers, unit_dropin, config_dropin;
        bool by_environment; /* any of them was written from SUDO_PASSWORD */
        bool sudo_installed;
} OvhSudoState;

void ovh_sudo_read_state(const OvhSudoPaths *paths, OvhSudoState *state);
static inline bool ovh_sudo_state_enabled(const OvhSudoState *s) {
        return s->sudoers || s->unit_dropin || s->config_dropin;
}

/* Checks everything first (sudo installed, the hash, the account's name in
 * sudoers syntax, visudo -c on the new rule), then writes. *ret_unit_changed
 * says whether systemd must reload the unit. */
int ovh_sudo_enable(const OvhSudoPaths *paths, const char *account, const char *hash, OvhSudoOrigin origin,
                    bool *ret_unit_changed, GError **error);

/* The account sudo is enabled for: the name in the saved-password file,
 * else the one the sudoers rule names; NULL when sudo is not enabled. The
 * configured account may have changed since (set-user, PUID): enable,
 * disable and set-user go by this name, never by the current account. */
char *ovh_sudo_enabled_account(const OvhSudoPaths *paths);

/* Removes the four and restores the saved password (a locked one, !*, when
 * none was saved). Nothing to do when sudo was not enabled. */
int ovh_sudo_disable(const OvhSudoPaths *paths, const char *account, bool *ret_unit_changed, GError **error);

/* The account's current password field from /etc/shadow (root only), or
 * NULL. */
char *ovh_sudo_current_hash(const char *account);

/* SUDO_PASSWORD / SUDO_PASSWORD_HASH at start (openvscode-launcher
 * --prepare-unit): set, the same steps as `openvscodectl sudo enable`;
 * unset, undo what an earlier start did from them (never what openvscodectl
 * did). *ret_action says which happened (for the caller's log), and
 * *ret_changed whether a unit drop-in changed (systemd must reload). */
typedef enum {
        OVH_SUDO_UNTOUCHED,
        OVH_SUDO_ENABLED_FROM_ENVIRONMENT,
        OVH_SUDO_DISABLED_FROM_ENVIRONMENT,
} OvhSudoAction;
typedef struct OvhConfig OvhConfig;
int ovh_sudo_apply_environment(const OvhConfig *config, const char *config_file, const char *account,
                               OvhSudoAction *ret_action, bool *ret_changed, GError **error);

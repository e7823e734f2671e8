/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

/* The launcher's configuration (launcher.conf(5)) after all
 * files and the container-compatible environment have been applied. Strings
 * are NULL when unset; the launcher derives defaults from the account. */

typedef enum {
        OVH_AUTH_TOKEN,
        OVH_AUTH_NONE,
} OvhAuthMode;

typedef struct OvhConfig {
        /* [Server] */
        char *root;
        char *node;
        char *default_folder;
        char *base_path;
        bool idle_shutdown;
        char *telemetry; /* off|crash|error|all */
        char **extra_arguments;
        char **extensions; /* Extensions=: ids (publisher.name[@version]) or absolute .vsix paths */
        bool accept_microsoft_license; /* Microsoft's server build runs only with it */
        char *extensions_gallery; /* an Open VSX server's base URL; NULL: https://open-vsx.org */
        char *tls; /* TLS=: auto|off|files (docs/SECURITY.md, "TLS") */
        char *certificate; /* Certificate=: PEM certificate (chain) for TLS=files */
        char *key; /* Key=: its PEM private key */

        /* [Auth] */
        OvhAuthMode auth_mode;
        char *token; /* a value: handled like a secret, never logged */
        char *token_file;
        guint64 cookie_lifetime; /* CookieLifetime=: seconds the sign-in cookie lasts */
        char *password_hash; /* PASSWORD_HASH: the sign-in password's $7$ hash (a secret) */

        /* [Account] */
        char *user;
        char *group;
        bool umask_set;
        mode_t umask;
        char *time_zone;

        /* [Sandbox] */
        bool seccomp;
        bool allow_namespaces;
        char **allow_syscalls;
        char **deny_syscalls;
        bool allow_sudo;

        /* [Update]: openvscodectl server update and its timer */
        char *update_mode; /* notify|apply */
        unsigned update_keep; /* installed servers kept, >= 2 */
        char *update_feed; /* base URL of the release feeds; NULL: each kind's default */

        /* SUDO_PASSWORD / SUDO_PASSWORD_HASH from the environment (secrets:
         * never logged). Applied by `openvscode-launcher --prepare-unit`. */
        char *sudo_password;
        char *sudo_password_hash;

        /* "Group.Key" -> where the value came from ("FILE:LINE" or "VARIABLE"),
         * so later errors can point at the line to fix. */
        GHashTable *origins;
} OvhConfig;

OvhConfig *ovh_config_new(void);
void ovh_config_free(OvhConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OvhConfig, ovh_config_free)

/* Applies one file's text (`origin` names it in errors). Pure: no I/O.
 * Unknown groups or keys, bad booleans/enums/octal, relative paths, control
 * characters, NUL bytes, overlong lines and invalid UTF-8 are EX_CONFIG. */
int ovh_config_load_data(OvhConfig *config, const char *origin, const char *data, gsize length, GError **error);

/* Reads PATH (missing is fine when !must_exist) and then PATH.d/ *.conf in
 * lexical order; later files win key by key. */
int ovh_config_load(OvhConfig *config, const char *path, bool must_exist, GError **error);

/* Where Group.Key was set, or NULL. */
const char *ovh_config_origin(const OvhConfig *config, const char *group, const char *key);
void ovh_config_set_origin(OvhConfig *config, const char *group, const char *key, const char *origin);

/* Parses an octal umask ("022", "0027"); -EINVAL when not 000-0777. */
int ovh_parse_umask(const char *text, mode_t *ret);
/* A time span: seconds, or a number with one unit s, min, h, d or w
 * ("7d", "12h"); -EINVAL otherwise or out of [min_s, max_s]. */
int ovh_parse_time_span(const char *text, guint64 min_s, guint64 max_s, guint64 *ret);
/* [Auth] CookieLifetime=: VS Code's 7 days by default; browsers keep a
 * cookie at most 400 days. */
#define OVH_COOKIE_LIFETIME_DEFAULT (7 * 24 * 3600)
#define OVH_COOKIE_LIFETIME_MIN 60
#define OVH_COOKIE_LIFETIME_MAX (400 * 24 * 3600)
/* yes/no/true/false/on/off/1/0; -EINVAL otherwise. */
int ovh_parse_boolean(const char *text, bool *ret);
/* True if `s` has an ASCII control character (below 0x20, or 0x7f). */
/* A feed's URL: https://HOST..., or http:// to 127.0.0.1, [::1] or
 * localhost (a local mirror, the tests); no user:password@. */
bool ovh_feed_url_valid(const char *url);

bool ovh_has_control_chars(const char *s);

/* The linuxserver container's variables, so a docker-compose `environment:`
 * block pasted into /etc/openvscode-server/environment keeps working:
 * PUID PGID TZ UMASK CONNECTION_TOKEN CONNECTION_SECRET and FILE__NAME=path.
 * They override launcher.conf (they are the more specific, per-host choice).
 * Warnings (e.g. SUDO_PASSWORD, handled by `openvscodectl sudo`) are
 * appended to `warnings` for the caller to log. */
int ovh_config_apply_environment(OvhConfig *config, const char *const *envp, GPtrArray *warnings, GError **error);

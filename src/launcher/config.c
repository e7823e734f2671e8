/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "ovh-error.h"
#include "paths.h"

/* A secret file larger than this is not a token or a path. */
#define OVH_SECRET_FILE_MAX 65536

static const char *const container_variables[] = {
        "PUID", "PGID", "TZ", "UMASK", "CONNECTION_TOKEN", "CONNECTION_SECRET", "SUDO_PASSWORD", "SUDO_PASSWORD_HASH",
};

/* A value as it may appear in an error: the error is one line in the
 * journal, so a newline or another control character in a value must not
 * start a forged line of its own. */
static char *printable(const char *value) {
        return ovh_printable(value);
}

static bool is_container_variable(const char *name) {
        for (size_t i = 0; i < G_N_ELEMENTS(container_variables); i++)
                if (g_str_equal(name, container_variables[i]))
                        return true;
        return false;
}

/* FILE__NAME=path: the container's way to pass secrets (Docker secrets).
 * The value is the file's content with one trailing newline stripped. */
static int read_file_variable(const char *name, const char *path_value, char **ret, GError **error) {
        g_autofree char *path = printable(path_value);
        g_autofree char *data = NULL;
        g_autoptr(GError) read_error = NULL;
        gsize length = 0;

        if (!g_path_is_absolute(path_value) || ovh_has_control_chars(path_value))
                return ovh_fail(error, EX_CONFIG, EINVAL,
                                "FILE__%s=%s: not a clean absolute path; give the full path of the file", name, path);
        if (!g_file_get_contents(path_value, &data, &length, &read_error)) {
                if (g_error_matches(read_error, G_FILE_ERROR, G_FILE_ERROR_ACCES))
                        return ovh_fail(error, EX_CONFIG, EACCES,
                                        "FILE__%s=%s: cannot be read by uid %u, the account the launcher runs as; "
                                        "give the file to the account (0600) or to its group (0640)",
                                        name, path, (unsigned) geteuid());
                return ovh_fail(error, EX_CONFIG, ENOENT, "FILE__%s=%s: cannot be read (%s); fix the path", name, path,
                                read_error->message);
        }
        if (length > OVH_SECRET_FILE_MAX || memchr(data, '\0', length))
                return ovh_fail(error, EX_CONFIG, EINVAL,
                                "FILE__%s=%s: is not a one-line text file; put only the value in it", name, path);
        if (length > 0 && data[length - 1] == '\n')
                data[--length] = '\0';
        if (length > 0 && data[length - 1] == '\r')
                data[--length] = '\0';
        *ret = g_steal_pointer(&data);
        return 0;
}

static int parse_id(const char *name, const char *value, unsigned long *ret, GError **error) {
        char *end = NULL;

        errno = 0;
        unsigned long id = strtoul(value, &end, 10);
        if (!g_ascii_isdigit(value[0]) || errno != 0 || *end != '\0' || id >= (unsigned long) G_MAXINT32) {
                g_autofree char *shown = printable(value);
                return ovh_fail(error, EX_CONFIG, EINVAL, "%s=%s: not a numeric id; use a number such as 1000", name,
                                shown);
        }
        *ret = id;
        return 0;
}

int ovh_config_apply_environment(OvhConfig *config, const char *const *envp, GPtrArray *warnings, GError **error) {
        g_autoptr(GHashTable) vars = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_autoptr(GHashTable) via = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        int r;

        /* Collect the container's variables; FILE__NAME wins over NAME, as it
         * does in the container. */
        for (const char *const *e = envp; e && *e; e++) {
                const char *eq = strchr(*e, '=');
                if (!eq)
                        continue;
                g_autofree char *name = g_strndup(*e, (gsize) (eq - *e));
                const char *value = eq + 1;

                if (g_str_has_prefix(name, "FILE__")) {
                        const char *target = name + strlen("FILE__");
                        if (!is_container_variable(target))
                                return ovh_fail(error, EX_CONFIG, EINVAL,
                                                "%s: %s is not a variable openvscode-launcher reads (PUID, PGID, TZ, "
                                                "UMASK, CONNECTION_TOKEN, CONNECTION_SECRET); remove it from %s",
                                                name, target, OVH_ENVIRONMENT_FILE);
                        char *content = NULL;
                        r = read_file_variable(target, value, &content, error);
                        if (r < 0)
                                return r;
                        g_hash_table_replace(vars, g_strdup(target), content);
                        g_autofree char *shown = printable(value);
                        g_hash_table_replace(via, g_strdup(target), g_strdup_printf("FILE__%s=%s", target, shown));
                } else if (is_container_variable(name) && !g_hash_table_contains(via, name)) {
                        g_hash_table_replace(vars, g_strdup(name), g_strdup(value));
                        g_hash_table_replace(via, g_strdup(name), g_strdup(name));
                }
        }

        const char *v;
        if ((v = g_hash_table_lookup(vars, "PUID")) && *v) {
                unsigned long uid;
                r = parse_id("PUID", v, &uid, error);
                if (r < 0)
                        return r;
                struct passwd *pw = getpwuid((uid_t) uid);
                if (!pw)
                        return ovh_fail(error, EX_NOUSER, ENOENT,
                                        "PUID=%lu: no user has this uid; create the account first "
                                        "(useradd) or pick an existing uid",
                                        uid);
                g_free(config->user);
                config->user = g_strdup(pw->pw_name);
                ovh_config_set_origin(config, "Account", "User", g_hash_table_lookup(via, "PUID"));
        }
        if ((v = g_hash_table_lookup(vars, "PGID")) && *v) {
                unsigned long gid;
                r = parse_id("PGID", v, &gid, error);
                if (r < 0)
                        return r;
                struct group *gr = getgrgid((gid_t) gid);
                if (!gr)
                        return ovh_fail(error, EX_NOUSER, ENOENT,
                                        "PGID=%lu: no group has this gid; create the group first "
                                        "(groupadd) or pick an existing gid",
                                        gid);
                g_free(config->group);
                config->group = g_strdup(gr->gr_name);
                ovh_config_set_origin(config, "Account", "Group", g_hash_table_lookup(via, "PGID"));
        }
        if ((v = g_hash_table_lookup(vars, "TZ")) && *v) {
                if (ovh_has_control_chars(v))
                        return ovh_fail(error, EX_CONFIG, EINVAL,
                                        "TZ: contains a control character; use a zone name such as Europe/Berlin");
                g_free(config->time_zone);
                config->time_zone = g_strdup(v);
                ovh_config_set_origin(config, "Account", "TimeZone", g_hash_table_lookup(via, "TZ"));
        }
        if ((v = g_hash_table_lookup(vars, "UMASK")) && *v) {
                if (ovh_parse_umask(v, &config->umask) < 0) {
                        g_autofree char *shown = printable(v);
                        return ovh_fail(error, EX_CONFIG, EINVAL,
                                        "UMASK=%s: not an octal umask; use three or four octal digits such as 022",
                                        shown);
                }
                config->umask_set = true;
                ovh_config_set_origin(config, "Account", "UMask", g_hash_table_lookup(via, "UMASK"));
        }
        if ((v = g_hash_table_lookup(vars, "CONNECTION_TOKEN")) && *v) {
                /* The value is a secret: never echoed in messages. */
                if (config->token)
                        explicit_bzero(config->token, strlen(config->token));
                g_free(config->token);
                config->token = g_strdup(v);
                ovh_config_set_origin(config, "Auth", "Token", g_hash_table_lookup(via, "CONNECTION_TOKEN"));
        }
        if ((v = g_hash_table_lookup(vars, "CONNECTION_SECRET")) && *v) {
                if (!g_path_is_absolute(v) || ovh_has_control_chars(v)) {
                        g_autofree char *shown = printable(v);
                        return ovh_fail(error, EX_CONFIG, EINVAL,
                                        "CONNECTION_SECRET=%s: not a clean absolute path; it names the file "
                                        "that holds the token",
                                        shown);
                }
                g_free(config->token_file);
                config->token_file = g_strdup(v);
                ovh_config_set_origin(config, "Auth", "TokenFile", g_hash_table_lookup(via, "CONNECTION_SECRET"));
        }
        /* The container's sudo: a privilege-escalation path, so always said
         * out loud. `openvscode-launcher --prepare-unit` (ExecStartPre=+)
         * applies it; the server itself only reads it. */
        for (const char *const *s = (const char *const[]){ "SUDO_PASSWORD", "SUDO_PASSWORD_HASH", NULL }; *s; s++) {
                if (!(v = g_hash_table_lookup(vars, *s)) || !*v)
                        continue;
                char **field = g_str_equal(*s, "SUDO_PASSWORD") ? &config->sudo_password : &config->sudo_password_hash;
                g_free(*field);
                *field = g_strdup(v);
                ovh_config_set_origin(config, "Sudo", *s, g_hash_table_lookup(via, *s));
                if (warnings)
                        g_ptr_array_add(warnings,
                                        g_strdup_printf("%s is set: sudo in the terminal can become root, a "
                                                        "privilege-escalation path; it is applied before the start "
                                                        "like `openvscodectl sudo enable --password-stdin` (or "
                                                        "--password-hash)",
                                                        *s));
        }

        /* Only the container's variables may carry these values; drop the
         * local copies now so the token does not linger in this map. */
        GHashTableIter it;
        gpointer value;
        g_hash_table_iter_init(&it, vars);
        while (g_hash_table_iter_next(&it, NULL, &value))
                explicit_bzero(value, strlen(value));
        return 0;
}

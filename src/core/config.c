/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extension-ids.h"
#include "ovh-error.h"
#include "paths.h"

/* A line this long is not a configuration value but a pasted blob or an
 * attack on the parser: refuse it before GKeyFile sees it. */
#define OVH_CONFIG_MAX_LINE 4096

typedef enum {
        KEY_PATH, /* absolute path */
        KEY_STRING, /* free text without control characters */
        KEY_BOOLEAN,
        KEY_UMASK,
        KEY_ARGUMENTS, /* shell-quoted argument list */
        KEY_WORDS, /* whitespace-separated list */
        KEY_ENUM,
        KEY_EXTENSIONS, /* whitespace-separated extension ids or .vsix paths */
        KEY_URL, /* https://... (http:// only to a loopback address) */
        KEY_KEEP, /* a count of servers, 2 to 100 */
        KEY_COOKIE_LIFETIME, /* a time span, OVH_COOKIE_LIFETIME_MIN to _MAX */
} KeyType;

typedef struct {
        const char *group;
        const char *key;
        KeyType type;
        const char *choices; /* KEY_ENUM: '|'-separated */
        size_t offset; /* into OvhConfig */
} KeySpec;

#define FIELD(f) offsetof(OvhConfig, f)

static const KeySpec key_specs[] = {
        { "Server", "Root", KEY_PATH, NULL, FIELD(root) },
        { "Server", "Node", KEY_PATH, NULL, FIELD(node) },
        { "Server", "DefaultFolder", KEY_PATH, NULL, FIELD(default_folder) },
        { "Server", "BasePath", KEY_PATH, NULL, FIELD(base_path) },
        { "Server", "IdleShutdown", KEY_BOOLEAN, NULL, FIELD(idle_shutdown) },
        { "Server", "Telemetry", KEY_ENUM, "off|crash|error|all", FIELD(telemetry) },
        { "Server", "ExtraArguments", KEY_ARGUMENTS, NULL, FIELD(extra_arguments) },
        { "Server", "Extensions", KEY_EXTENSIONS, NULL, FIELD(extensions) },
        { "Server", "AcceptMicrosoftLicense", KEY_BOOLEAN, NULL, FIELD(accept_microsoft_license) },
        { "Server", "ExtensionsGallery", KEY_URL, NULL, FIELD(extensions_gallery) },
        { "Server", "TLS", KEY_ENUM, "auto|off|files", FIELD(tls) },
        { "Server", "Certificate", KEY_PATH, NULL, FIELD(certificate) },
        { "Server", "Key", KEY_PATH, NULL, FIELD(key) },
        { "Auth", "Mode", KEY_ENUM, "token|none", FIELD(auth_mode) },
        { "Auth", "Token", KEY_STRING, NULL, FIELD(token) },
        { "Auth", "TokenFile", KEY_PATH, NULL, FIELD(token_file) },
        { "Auth", "CookieLifetime", KEY_COOKIE_LIFETIME, NULL, FIELD(cookie_lifetime) },
        { "Account", "User", KEY_STRING, NULL, FIELD(user) },
        { "Account", "Group", KEY_STRING, NULL, FIELD(group) },
        { "Account", "UMask", KEY_UMASK, NULL, FIELD(umask) },
        { "Account", "TimeZone", KEY_STRING, NULL, FIELD(time_zone) },
        { "Sandbox", "Seccomp", KEY_BOOLEAN, NULL, FIELD(seccomp) },
        { "Sandbox", "AllowNamespaces", KEY_BOOLEAN, NULL, FIELD(allow_namespaces) },
        { "Sandbox", "AllowSyscalls", KEY_WORDS, NULL, FIELD(allow_syscalls) },
        { "Sandbox", "DenySyscalls", KEY_WORDS, NULL, FIELD(deny_syscalls) },
        { "Sandbox", "AllowSudo", KEY_BOOLEAN, NULL, FIELD(allow_sudo) },
        { "Update", "Mode", KEY_ENUM, "notify|apply", FIELD(update_mode) },
        { "Update", "Keep", KEY_KEEP, NULL, FIELD(update_keep) },
        { "Update", "Feed", KEY_URL, NULL, FIELD(update_feed) },
};

static const char *const known_groups[] = { "Server", "Auth", "Account", "Sandbox", "Update" };

OvhConfig *ovh_config_new(void) {
        OvhConfig *config = g_new0(OvhConfig, 1);

        config->auth_mode = OVH_AUTH_TOKEN;
        config->seccomp = true;
        config->umask = 0022;
        config->telemetry = g_strdup("off");
        config->tls = g_strdup("auto");
        config->update_mode = g_strdup("notify");
        config->update_keep = 3;
        config->cookie_lifetime = OVH_COOKIE_LIFETIME_DEFAULT;
        config->origins = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        return config;
}

void ovh_config_free(OvhConfig *config) {
        if (!config)
                return;
        g_free(config->root);
        g_free(config->update_mode);
        g_free(config->extensions_gallery);
        g_free(config->tls);
        g_free(config->certificate);
        g_free(config->key);
        g_free(config->update_feed);
        g_free(config->node);
        g_free(config->default_folder);
        g_free(config->base_path);
        g_free(config->telemetry);
        g_strfreev(config->extra_arguments);
        g_strfreev(config->extensions);
        if (config->token)
                explicit_bzero(config->token, strlen(config->token));
        g_free(config->token);
        g_free(config->token_file);
        if (config->password_hash)
                explicit_bzero(config->password_hash, strlen(config->password_hash));
        g_free(config->password_hash);
        g_free(config->user);
        g_free(config->group);
        g_free(config->time_zone);
        if (config->sudo_password)
                explicit_bzero(config->sudo_password, strlen(config->sudo_password));
        if (config->sudo_password_hash)
                explicit_bzero(config->sudo_password_hash, strlen(config->sudo_password_hash));
        g_free(config->sudo_password);
        g_free(config->sudo_password_hash);
        g_strfreev(config->allow_syscalls);
        g_strfreev(config->deny_syscalls);
        g_hash_table_unref(config->origins);
        g_free(config);
}

const char *ovh_config_origin(const OvhConfig *config, const char *group, const char *key) {
        g_autofree char *k = g_strdup_printf("%s.%s", group, key);
        return g_hash_table_lookup(config->origins, k);
}

void ovh_config_set_origin(OvhConfig *config, const char *group, const char *key, const char *origin) {
        g_hash_table_replace(config->origins, g_strdup_printf("%s.%s", group, key), g_strdup(origin));
}

bool ovh_feed_url_valid(const char *url) {
        static const char *const loopback[] = { "127.0.0.1", "[::1]", "localhost" };
        const char *host;

        if (!url || strpbrk(url, " \t\"'<>\\") || ovh_has_control_chars(url))
                return false;
        if (g_str_has_prefix(url, "https://"))
                host = url + strlen("https://");
        else if (g_str_has_prefix(url, "http://"))
                host = url + strlen("http://");
        else
                return false;
        size_t n = strcspn(host, ":/?#");
        if (n == 0 || host[0] == '@' || memchr(host, '@', strcspn(host, "/?#")))
                return false; /* no credentials in a URL that is shown in messages */
        if (g_str_has_prefix(url, "https://"))
                return true;
        if (host[0] == '[')
                n = strcspn(host, "]") + 1;
        for (size_t i = 0; i < G_N_ELEMENTS(loopback); i++)
                if (strlen(loopback[i]) == n && strncmp(host, loopback[i], n) == 0)
                        return true;
        return false;
}

bool ovh_has_control_chars(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < 0x20 || *s == 0x7f)
                        return true;
        return false;
}

int ovh_parse_boolean(const char *text, bool *ret) {
        static const char *const yes[] = { "yes", "true", "on", "1" };
        static const char *const no[] = { "no", "false", "off", "0" };

        for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
                if (g_ascii_strcasecmp(text, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
                if (g_ascii_strcasecmp(text, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        }
        return -EINVAL;
}

int ovh_parse_time_span(const char *text, guint64 min_s, guint64 max_s, guint64 *ret) {
        static const struct {
                const char *suffix;
                guint64 seconds;
        } units[] = { { "", 1 }, { "s", 1 }, { "min", 60 }, { "h", 3600 }, { "d", 86400 }, { "w", 7 * 86400 } };
        const char *p = text;
        guint64 n = 0;

        if (!g_ascii_isdigit(*p))
                return -EINVAL;
        for (; g_ascii_isdigit(*p); p++) {
                n = n * 10 + (guint64) (*p - '0');
                if (n > max_s)
                        return -EINVAL;
        }
        for (size_t i = 0; i < G_N_ELEMENTS(units); i++) {
                if (!g_str_equal(p, units[i].suffix))
                        continue;
                guint64 seconds = n * units[i].seconds;
                if (seconds < min_s || seconds > max_s)
                        return -EINVAL;
                *ret = seconds;
                return 0;
        }
        return -EINVAL;
}

int ovh_parse_umask(const char *text, mode_t *ret) {
        size_t n = strlen(text);
        unsigned value = 0;

        if (n < 3 || n > 4)
                return -EINVAL;
        for (const char *p = text; *p; p++) {
                if (*p < '0' || *p > '7')
                        return -EINVAL;
                value = value * 8 + (unsigned) (*p - '0');
        }
        if (value > 0777)
                return -EINVAL;
        *ret = (mode_t) value;
        return 0;
}

/* Finds the line of `key=` inside `[group]` for error messages; GKeyFile
 * does not keep line numbers. Returns 0 when not found. */
static unsigned find_key_line(const char *data, gsize length, const char *group, const char *key) {
        g_autofree char *text = g_strndup(data, length);
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        bool in_group = false;
        unsigned found = 0;
        size_t key_len = strlen(key);

        for (unsigned i = 0; lines[i]; i++) {
                const char *l = lines[i];
                while (*l == ' ' || *l == '\t')
                        l++;
                if (*l == '[') {
                        const char *end = strchr(l, ']');
                        in_group = end && (size_t) (end - l - 1) == strlen(group) &&
                                   strncmp(l + 1, group, strlen(group)) == 0;
                        continue;
                }
                if (!in_group || strncmp(l, key, key_len) != 0)
                        continue;
                l += key_len;
                while (*l == ' ' || *l == '\t')
                        l++;
                if (*l == '=')
                        found = i + 1; /* later duplicates win in GKeyFile: keep the last */
        }
        return found;
}

static unsigned line_of_offset(const char *data, gsize offset) {
        unsigned line = 1;
        for (gsize i = 0; i < offset; i++)
                if (data[i] == '\n')
                        line++;
        return line;
}

/* Checks the raw bytes before GKeyFile: it would accept some of these
 * silently (a NUL ends a C string early) or slowly (huge lines). */
static int check_raw(const char *origin, const char *data, gsize length, GError **error) {
        const char *nul = memchr(data, '\0', length);
        if (nul)
                return ovh_fail(error, EX_CONFIG, EINVAL,
                                "%s:%u: contains a NUL byte; the file must be plain UTF-8 text, "
                                "rewrite that line",
                                origin, line_of_offset(data, (gsize) (nul - data)));

        gsize line_start = 0;
        for (gsize i = 0; i <= length; i++) {
                if (i == length || data[i] == '\n') {
                        if (i - line_start > OVH_CONFIG_MAX_LINE)
                                return ovh_fail(error, EX_CONFIG, EINVAL,
                                                "%s:%u: line is %zu bytes long, more than the %d allowed; "
                                                "shorten it (values in launcher.conf are short paths and words)",
                                                origin, line_of_offset(data, line_start), (size_t) (i - line_start),
                                                OVH_CONFIG_MAX_LINE);
                        line_start = i + 1;
                }
        }

        const char *bad_utf8 = NULL;
        if (!g_utf8_validate(data, (gssize) length, &bad_utf8))
                return ovh_fail(error, EX_CONFIG, EINVAL, "%s:%u: is not valid UTF-8; save the file as UTF-8", origin,
                                line_of_offset(data, (gsize) (bad_utf8 - data)));
        return 0;
}

static const KeySpec *find_spec(const char *group, const char *key) {
        for (size_t i = 0; i < G_N_ELEMENTS(key_specs); i++)
                if (g_str_equal(key_specs[i].group, group) && g_str_equal(key_specs[i].key, key))
                        return &key_specs[i];
        return NULL;
}

static char *known_keys_of(const char *group) {
        GString *s = g_string_new(NULL);
        for (size_t i = 0; i < G_N_ELEMENTS(key_specs); i++)
                if (g_str_equal(key_specs[i].group, group))
                        g_string_append_printf(s, "%s%s=", s->len ? ", " : "", key_specs[i].key);
        return g_string_free(s, FALSE);
}

static int apply_value(OvhConfig *config, const KeySpec *spec, const char *value, const char *where, GError **error) {
        void *field = (char *) config + spec->offset;

        if (ovh_has_control_chars(value))
                return ovh_fail(error, EX_CONFIG, EINVAL,
                                "%s: [%s] %s= contains a control character; remove it (escapes like \\n "
                                "are not allowed in values)",
                                where, spec->group, spec->key);

        switch (spec->type) {
        case KEY_PATH:
                if (!g_path_is_absolute(value))
                        return ovh_fail(error, EX_CONFIG, EINVAL,
                                        "%s: [%s] %s=%s is not an absolute path; write it starting with '/'", where,
                                        spec->group, spec->key, value);
                g_free(*(char **) field);
                *(char **) field = g_strdup(value);
                return 0;

        case KEY_STRING:
                if (value[0] == '\0')
                        return ovh_fail(error, EX_CONFIG, EINVAL,
                                        "%s: [%s] %s= is empty; set a value or remove the line", where, spec->group,
                                        spec->key);
                g_free(*(char **) field);
                *(char **) field = g_strdup(value);
                return 0;

        case KEY_BOOLEAN: {
                bool b;
                if (ovh_parse_boolean(value, &b) < 0)
                        return ovh_fail(error, EX_CONFIG, EINVAL, "%s: [%s] %s=%s is not a boolean; use yes or no",
                                        where, spec->group, spec->key, value);
                *(bool *) field = b;
                return 0;
        }

        case KEY_UMASK: {
                mode_t m;
                if (ovh_parse_umask(value, &m) < 0)
                        return ovh_fail(error, EX_CONFIG, EINVAL,
                                        "%s: [%s] %s=%s is not an octal umask; use three or four octal digits "
                                        "such as 0022 or 0027",
                                        where, spec->group, spec->key, value);
                config->umask = m;
                config->umask_set = true;
                return 0;
        }

        case KEY_ARGUMENTS: {
                g_auto(GStrv) argv = NULL;
                g_autoptr(GError) parse_error = NULL;
                int argc = 0;
                if (value[0] != '\0' && !g_shell_parse_argv(value, &argc, &argv, &parse_error))
                        return ovh_fail(error, EX_CONFIG, EINVAL,
                                        "%s: [%s] %s= cannot be split into arguments (%s); fix the quoting", where,
                                        spec->group, spec->key, parse_error->message);
                g_strfreev(*(char ***) field);
                *(char ***) field = argv ? g_steal_pointer(&argv) : g_new0(char *, 1);
                return 0;
        }

        case KEY_WORDS: {
                g_auto(GStrv) words = g_strsplit_set(value, " \t", -1);
                GPtrArray *list = g_ptr_array_new();
                for (char **w = words; *w; w++)
                        if (**w)
                                g_ptr_array_add(list, g_strdup(*w));
                g_ptr_array_add(list, NULL);
                g_strfreev(*(char ***) field);
                *(char ***) field = (char **) g_ptr_array_free(list, FALSE);
                return 0;
        }

        case KEY_EXTENSIONS: {
                g_auto(GStrv) words = g_strsplit_set(value, " \t", -1);
                GPtrArray *list = g_ptr_array_new_with_free_func(g_free);
                for (char **w = words; *w; w++) {
                        if (!**w)
                                continue;
                        if (!ovh_extension_id_valid(*w) && !ovh_extension_is_vsix_path(*w)) {
                                g_ptr_array_free(list, TRUE);
                                return ovh_fail(error, EX_CONFIG, EINVAL,
                                                "%s: [%s] %s=: \"%s\" is neither an extension id (publisher.name or "
                                                "publisher.name@1.2.3) nor an absolute path to a .vsix file; fix it",
                                                where, spec->group, spec->key, *w);
                        }
                        g_ptr_array_add(list, g_strdup(*w));
                }
                g_ptr_array_set_free_func(list, NULL);
                g_ptr_array_add(list, NULL);
                g_strfreev(*(char ***) field);
                *(char ***) field = (char **) g_ptr_array_free(list, FALSE);
                return 0;
        }

        case KEY_URL:
                if (!ovh_feed_url_valid(value))
                        return ovh_fail(error, EX_CONFIG, EINVAL,
                                        "%s: [%s] %s=%s is not an https:// URL (plain http:// only to 127.0.0.1, "
                                        "[::1] or localhost); give a base URL such as %s",
                                        where, spec->group, spec->key, value,
                                        spec->offset == FIELD(extensions_gallery) ? "https://open-vsx.org"
                                                                                  : "https://api.github.com");
                g_free(*(char **) field);
                *(char **) field = g_strdup(value);
                return 0;

        case KEY_KEEP: {
                guint64 n;
                if (!g_ascii_string_to_unsigned(value, 10, 2, 100, &n, NULL))
                        return ovh_fail(error, EX_CONFIG, EINVAL,
                                        "%s: [%s] %s=%s is not a count from 2 to 100 (the current server and the "
                                        "previous one always stay); write a number such as 3",
                                        where, spec->group, spec->key, value);
                *(unsigned *) field = (unsigned) n;
                return 0;
        }

        case KEY_COOKIE_LIFETIME:
                if (ovh_parse_time_span(value, OVH_COOKIE_LIFETIME_MIN, OVH_COOKIE_LIFETIME_MAX, (guint64 *) field) < 0)
                        return ovh_fail(error, EX_CONFIG, EINVAL,
                                        "%s: [%s] %s=%s is not a time span from 1min to 400d (what browsers keep); "
                                        "write seconds or a number with s, min, h, d or w, such as 7d",
                                        where, spec->group, spec->key, value);
                return 0;

        case KEY_ENUM: {
                g_auto(GStrv) choices = g_strsplit(spec->choices, "|", -1);
                for (int i = 0; choices[i]; i++) {
                        if (!g_str_equal(choices[i], value))
                                continue;
                        if (spec->offset == FIELD(auth_mode)) {
                                config->auth_mode = i == 0 ? OVH_AUTH_TOKEN : OVH_AUTH_NONE;
                        } else {
                                g_free(*(char **) field);
                                *(char **) field = g_strdup(value);
                        }
                        return 0;
                }
                return ovh_fail(error, EX_CONFIG, EINVAL, "%s: [%s] %s=%s is not one of %s; pick one of those", where,
                                spec->group, spec->key, value, spec->choices);
        }
        }
        g_assert_not_reached();
}

int ovh_config_load_data(OvhConfig *config, const char *origin, const char *data, gsize length, GError **error) {
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autoptr(GError) parse_error = NULL;
        int r;

        r = check_raw(origin, data, length, error);
        if (r < 0)
                return r;

        if (!g_key_file_load_from_data(kf, data, length, G_KEY_FILE_NONE, &parse_error)) {
                /* GKeyFile quotes the offending line, control characters and all. */
                g_autofree char *message = ovh_printable(parse_error->message);
                return ovh_fail(error, EX_CONFIG, EINVAL, "%s: %s; write [Group] headers and Key=value lines", origin,
                                message);
        }

        g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
        for (char **g = groups; *g; g++) {
                bool known = false;
                for (size_t i = 0; i < G_N_ELEMENTS(known_groups); i++)
                        known = known || g_str_equal(*g, known_groups[i]);
                if (!known)
                        return ovh_fail(error, EX_CONFIG, EINVAL,
                                        "%s: unknown group [%s]; the groups are [Server], [Auth], [Account] "
                                        "and [Sandbox]",
                                        origin, *g);

                g_auto(GStrv) keys = g_key_file_get_keys(kf, *g, NULL, NULL);
                for (char **k = keys; *k; k++) {
                        unsigned line = find_key_line(data, length, *g, *k);
                        g_autofree char *where = line ? g_strdup_printf("%s:%u", origin, line) : g_strdup(origin);
                        const KeySpec *spec = find_spec(*g, *k);
                        if (!spec) {
                                g_autofree char *known_keys = known_keys_of(*g);
                                return ovh_fail(error, EX_CONFIG, EINVAL,
                                                "%s: unknown key %s= in [%s]; the keys of [%s] are %s", where, *k, *g,
                                                *g, known_keys);
                        }

                        g_autoptr(GError) value_error = NULL;
                        g_autofree char *value = g_key_file_get_string(kf, *g, *k, &value_error);
                        if (!value)
                                return ovh_fail(error, EX_CONFIG, EINVAL, "%s: [%s] %s=: %s; fix the value", where, *g,
                                                *k, value_error->message);
                        g_strstrip(value);
                        r = apply_value(config, spec, value, where, error);
                        if (r < 0)
                                return r;
                        ovh_config_set_origin(config, *g, *k, where);
                }
        }
        return 0;
}

static int load_file(OvhConfig *config, const char *path, bool must_exist, GError **error) {
        g_autofree char *data = NULL;
        g_autoptr(GError) read_error = NULL;
        gsize length = 0;

        if (!g_file_get_contents(path, &data, &length, &read_error)) {
                if (g_error_matches(read_error, G_FILE_ERROR, G_FILE_ERROR_NOENT) && !must_exist)
                        return 0;
                if (g_error_matches(read_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
                        return ovh_fail(error, EX_CONFIG, ENOENT,
                                        "%s: no such file; create it or pass another --config", path);
                if (g_error_matches(read_error, G_FILE_ERROR, G_FILE_ERROR_ACCES))
                        return ovh_fail(error, EX_CONFIG, EACCES,
                                        "%s: cannot be read by uid %u, and the launcher reads its configuration as "
                                        "the account it runs as; chmod 0644 %s (0640 and the account's group if it "
                                        "holds [Auth] Token=)",
                                        path, (unsigned) geteuid(), path);
                return ovh_fail(error, EX_CONFIG, EIO, "%s: cannot be read: %s; fix its permissions", path,
                                read_error->message);
        }

        g_autofree char *token_origin_before = g_strdup(ovh_config_origin(config, "Auth", "Token"));
        int r = ovh_config_load_data(config, path, data, length, error);
        if (r < 0)
                return r;
        /* The token never sits in a file everybody can read. The files are
         * 0644 so that every instance's account can read them; a token in
         * one needs 0640 and the account's group, or better a credential. */
        const char *token_origin = ovh_config_origin(config, "Auth", "Token");
        struct stat st;
        if (token_origin && g_strcmp0(token_origin, token_origin_before) != 0 && stat(path, &st) == 0 &&
            (st.st_mode & S_IROTH))
                return ovh_fail(error, EX_CONFIG, EPERM,
                                "%s: [Auth] Token= is in a file every user can read (mode %04o); move the token to "
                                "the connection-token credential, or chmod 0640 %s and chgrp it to the account's "
                                "group",
                                token_origin, (unsigned) (st.st_mode & 07777), path);
        return 0;
}

static int compare_names(gconstpointer a, gconstpointer b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int ovh_config_load(OvhConfig *config, const char *path, bool must_exist, GError **error) {
        g_autofree char *dropin_dir = g_strconcat(path, ".d", NULL);
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        int r;

        r = load_file(config, path, must_exist, error);
        if (r < 0)
                return r;

        g_autoptr(GDir) dir = g_dir_open(dropin_dir, 0, NULL);
        if (!dir)
                return 0;
        for (const char *name; (name = g_dir_read_name(dir));)
                if (g_str_has_suffix(name, ".conf") && name[0] != '.')
                        g_ptr_array_add(names, g_strdup(name));
        g_ptr_array_sort(names, compare_names);

        for (guint i = 0; i < names->len; i++) {
                g_autofree char *file = g_build_filename(dropin_dir, names->pdata[i], NULL);
                r = load_file(config, file, true, error);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The container-compatible environment: applied after the files. */

/* A secret file larger than this is not a token or a path. */
#define OVH_SECRET_FILE_MAX 65536

static const char *const container_variables[] = {
        "PUID",
        "PGID",
        "TZ",
        "UMASK",
        "CONNECTION_TOKEN",
        "CONNECTION_SECRET",
        "SUDO_PASSWORD",
        "SUDO_PASSWORD_HASH",
        "PASSWORD_HASH",
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
                                                "UMASK, CONNECTION_TOKEN, CONNECTION_SECRET, PASSWORD_HASH); remove "
                                                "it from %s",
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
        if ((v = g_hash_table_lookup(vars, "PASSWORD_HASH")) && *v) {
                /* A secret (a hash can be attacked offline): never echoed.
                 * Checked by the launcher (ovh_password_check_hash). */
                if (config->password_hash)
                        explicit_bzero(config->password_hash, strlen(config->password_hash));
                g_free(config->password_hash);
                config->password_hash = g_strdup(v);
                ovh_config_set_origin(config, "Auth", "PasswordHash", g_hash_table_lookup(via, "PASSWORD_HASH"));
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

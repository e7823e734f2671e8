/* SPDX-License-Identifier: MIT */
#include "extension-ids.h"

#include <string.h>

static bool part_valid(const char *s, size_t n) {
        if (n == 0 || n > 128)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!g_ascii_isalnum(s[i]) && s[i] != '-' && s[i] != '_')
                        return false;
        return true;
}

static bool version_valid(const char *v, size_t n) {
        if (n == 0 || n > 64)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!g_ascii_isalnum(v[i]) && !strchr(".-+", v[i]))
                        return false;
        return true;
}

bool ovh_extension_id_valid(const char *id) {
        const char *at = strchr(id, '@');
        size_t n = at ? (size_t) (at - id) : strlen(id);
        const char *dot = memchr(id, '.', n);

        if (!dot || memchr(dot + 1, '.', n - (size_t) (dot + 1 - id)))
                return false;
        if (!part_valid(id, (size_t) (dot - id)) || !part_valid(dot + 1, n - (size_t) (dot + 1 - id)))
                return false;
        return !at || version_valid(at + 1, strlen(at + 1));
}

bool ovh_extension_is_vsix_path(const char *arg) {
        size_t n = strlen(arg);
        return g_path_is_absolute(arg) && n > strlen("/.vsix") && arg[n - 6] != '/' &&
               g_ascii_strcasecmp(arg + n - 5, ".vsix") == 0;
}

char *ovh_extension_vsix_id(const char *path) {
        g_autofree char *base = g_path_get_basename(path);
        size_t n = strlen(base);

        if (n <= 5 || g_ascii_strcasecmp(base + n - 5, ".vsix") != 0)
                return NULL;
        base[n - 5] = '\0';
        /* publisher.name-1.2.3: the version starts after the last '-'
         * that is followed by a digit. */
        char *dash = NULL;
        for (char *p = base; *p; p++)
                if (*p == '-' && g_ascii_isdigit(p[1]))
                        dash = p;
        if (!dash)
                return NULL;
        *dash = '@';
        if (!ovh_extension_id_valid(base))
                return NULL;
        return g_ascii_strdown(base, -1);
}

/* Reads the string that starts at *p (just after its opening quote). */
static char *json_plain_string(const char **p) {
        size_t n = strcspn(*p, "\"\\");
        if ((*p)[n] != '"')
                return NULL;
        char *s = g_strndup(*p, n);
        *p += n + 1;
        return s;
}

GPtrArray *ovh_extensions_manifest_entries(const char *json) {
        static const char id_member[] = "\"identifier\":{\"id\":\"";
        static const char version_member[] = ",\"version\":\"";
        g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func(g_free);
        const char *p = json;

        while (g_ascii_isspace(*p))
                p++;
        if (*p != '[')
                return NULL;
        while ((p = strstr(p, id_member))) {
                p += strlen(id_member);
                g_autofree char *id = json_plain_string(&p);
                if (!id || !ovh_extension_id_valid(id) || strchr(id, '@'))
                        return NULL;
                /* The identifier object may also hold a "uuid". */
                const char *close = strchr(p, '}');
                if (!close || !g_str_has_prefix(close + 1, version_member))
                        return NULL;
                p = close + 1 + strlen(version_member);
                g_autofree char *version = json_plain_string(&p);
                if (!version || !version_valid(version, strlen(version)))
                        return NULL;
                g_autofree char *entry = g_strdup_printf("%s@%s", id, version);
                g_ptr_array_add(entries, g_ascii_strdown(entry, -1));
        }
        return g_steal_pointer(&entries);
}

static bool installed(GPtrArray *entries, const char *want) {
        /* want: "publisher.name" (any version) or "publisher.name@version" */
        bool any_version = !strchr(want, '@');
        size_t n = strlen(want);

        for (guint i = 0; entries && i < entries->len; i++) {
                const char *e = entries->pdata[i];
                if (any_version ? strncmp(e, want, n) == 0 && e[n] == '@' : g_str_equal(e, want))
                        return true;
        }
        return false;
}

char **ovh_extensions_missing(char *const *wanted, const char *manifest_json) {
        g_autoptr(GPtrArray) entries = manifest_json ? ovh_extensions_manifest_entries(manifest_json) : NULL;
        GPtrArray *missing = g_ptr_array_new();

        for (char *const *w = wanted; w && *w; w++) {
                g_autofree char *want =
                        ovh_extension_is_vsix_path(*w) ? ovh_extension_vsix_id(*w) : g_ascii_strdown(*w, -1);
                if (!want || !installed(entries, want))
                        g_ptr_array_add(missing, g_strdup(*w));
        }
        g_ptr_array_add(missing, NULL);
        return (char **) g_ptr_array_free(missing, FALSE);
}

/* SPDX-License-Identifier: MIT */
#include "envfile.h"

#include <errno.h>
#include <string.h>

#include "ovh-error.h"

static bool name_valid(const char *s, size_t n) {
        if (n == 0 || !(g_ascii_isalpha(s[0]) || s[0] == '_'))
                return false;
        for (size_t i = 1; i < n; i++)
                if (!g_ascii_isalnum(s[i]) && s[i] != '_')
                        return false;
        return true;
}

/* The value after '=': quoted or bare. NULL when a quote is not closed. */
static char *parse_value(const char *v) {
        while (*v == ' ' || *v == '\t')
                v++;
        if (*v == '\'' || *v == '"') {
                char quote = *v++;
                GString *s = g_string_new(NULL);
                for (; *v && *v != quote; v++) {
                        if (quote == '"' && *v == '\\' && v[1])
                                v++;
                        g_string_append_c(s, *v);
                }
                if (*v != quote) {
                        g_string_free(s, TRUE);
                        return NULL;
                }
                return g_string_free(s, FALSE);
        }
        char *value = g_strdup(v);
        return g_strchomp(value);
}

char **ovh_envfile_parse(const char *data, gsize length) {
        g_autofree char *text = g_strndup(data, length);
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        GPtrArray *env = g_ptr_array_new();

        for (char **l = lines; *l; l++) {
                char *line = g_strchug(*l);
                g_strchomp(line);
                if (!*line || *line == '#' || *line == ';')
                        continue;
                const char *eq = strchr(line, '=');
                if (!eq)
                        continue;
                size_t n = (size_t) (eq - line);
                while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
                        n--;
                if (!name_valid(line, n))
                        continue;
                g_autofree char *value = parse_value(eq + 1);
                if (!value)
                        continue;
                g_ptr_array_add(env, g_strdup_printf("%.*s=%s", (int) n, line, value));
        }
        g_ptr_array_add(env, NULL);
        return (char **) g_ptr_array_free(env, FALSE);
}

int ovh_envfile_load(const char *path, char ***ret_env, GError **error) {
        g_autofree char *data = NULL;
        g_autoptr(GError) read_error = NULL;
        gsize length = 0;

        if (!g_file_get_contents(path, &data, &length, &read_error)) {
                if (g_error_matches(read_error, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
                        *ret_env = g_new0(char *, 1);
                        return 0;
                }
                return ovh_fail(error, EX_NOPERM, EACCES, "cannot read %s (%s); run as root", path,
                                read_error->message);
        }
        *ret_env = ovh_envfile_parse(data, length);
        explicit_bzero(data, length);
        return 0;
}

const char *ovh_env_get(char *const *env, const char *name) {
        size_t n = strlen(name);
        const char *found = NULL;

        /* The last assignment wins, as in systemd. */
        for (char *const *e = env; e && *e; e++)
                if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
                        found = *e + n + 1;
        return found;
}

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

/* systemd's EnvironmentFile= grammar (env-file.c in systemd 252), as a
 * state machine over characters, because values may span lines: a
 * backslash before a newline joins lines (outside single quotes, and in
 * comments too), and quoted values may hold newlines. */
typedef enum {
        PRE_KEY,
        KEY,
        PRE_VALUE,
        VALUE,
        VALUE_ESCAPE,
        SINGLE_QUOTE_VALUE,
        DOUBLE_QUOTE_VALUE,
        DOUBLE_QUOTE_VALUE_ESCAPE,
        COMMENT,
        COMMENT_ESCAPE,
} State;

static void push(GPtrArray *env, GString *key, GString *value, size_t value_keep) {
        /* Trailing blanks of a bare value are dropped; quoted ones are kept
         * (value_keep marks how much of the value came from quotes). */
        while (value->len > value_keep && (value->str[value->len - 1] == ' ' || value->str[value->len - 1] == '\t'))
                g_string_truncate(value, value->len - 1);
        while (key->len > 0 && (key->str[key->len - 1] == ' ' || key->str[key->len - 1] == '\t'))
                g_string_truncate(key, key->len - 1);
        /* systemd ignores (and logs) invalid names and non-UTF-8 values. */
        if (name_valid(key->str, key->len) && g_utf8_validate(value->str, (gssize) value->len, NULL) &&
            !memchr(value->str, '\0', value->len))
                g_ptr_array_add(env, g_strdup_printf("%s=%s", key->str, value->str));
        g_string_truncate(key, 0);
        g_string_truncate(value, 0);
}

char **ovh_envfile_parse(const char *data, gsize length) {
        g_autoptr(GString) key = g_string_new(NULL);
        g_autoptr(GString) value = g_string_new(NULL);
        GPtrArray *env = g_ptr_array_new();
        State state = PRE_KEY;
        size_t value_keep = 0;

        for (gsize i = 0; i < length; i++) {
                char c = data[i];
                bool newline = c == '\n' || c == '\r';

                switch (state) {
                case PRE_KEY:
                        if (c == '#' || c == ';')
                                state = COMMENT;
                        else if (!newline && c != ' ' && c != '\t') {
                                state = KEY;
                                g_string_append_c(key, c);
                        }
                        break;
                case KEY:
                        if (newline) {
                                state = PRE_KEY; /* no '=': not an assignment */
                                g_string_truncate(key, 0);
                        } else if (c == '=') {
                                state = PRE_VALUE;
                                value_keep = 0;
                        } else
                                g_string_append_c(key, c);
                        break;
                case PRE_VALUE:
                        if (newline) {
                                state = PRE_KEY;
                                push(env, key, value, value_keep);
                        } else if (c == '\'')
                                state = SINGLE_QUOTE_VALUE;
                        else if (c == '"')
                                state = DOUBLE_QUOTE_VALUE;
                        else if (c == '\\')
                                state = VALUE_ESCAPE;
                        else if (c != ' ' && c != '\t') {
                                state = VALUE;
                                g_string_append_c(value, c);
                        }
                        break;
                case VALUE:
                        if (newline) {
                                state = PRE_KEY;
                                push(env, key, value, value_keep);
                        } else if (c == '\\')
                                state = VALUE_ESCAPE;
                        else
                                g_string_append_c(value, c);
                        break;
                case VALUE_ESCAPE:
                        state = VALUE;
                        if (!newline) /* a backslash-newline joins the lines */
                                g_string_append_c(value, c);
                        break;
                case SINGLE_QUOTE_VALUE:
                        if (c == '\'') {
                                state = PRE_VALUE;
                                value_keep = value->len;
                        } else
                                g_string_append_c(value, c);
                        break;
                case DOUBLE_QUOTE_VALUE:
                        if (c == '"') {
                                state = PRE_VALUE;
                                value_keep = value->len;
                        } else if (c == '\\')
                                state = DOUBLE_QUOTE_VALUE_ESCAPE;
                        else
                                g_string_append_c(value, c);
                        break;
                case DOUBLE_QUOTE_VALUE_ESCAPE:
                        state = DOUBLE_QUOTE_VALUE;
                        if (strchr("\"\\`$", c))
                                g_string_append_c(value, c);
                        else if (!newline) {
                                g_string_append_c(value, '\\');
                                g_string_append_c(value, c);
                        }
                        break;
                case COMMENT:
                        if (c == '\\')
                                state = COMMENT_ESCAPE;
                        else if (newline)
                                state = PRE_KEY;
                        break;
                case COMMENT_ESCAPE:
                        state = COMMENT;
                        break;
                }
        }
        /* The end of the data ends the last assignment, even inside an
         * unterminated quote (systemd keeps what it read). */
        if (state == PRE_VALUE || state == VALUE || state == VALUE_ESCAPE)
                push(env, key, value, value_keep);
        else if (state == SINGLE_QUOTE_VALUE || state == DOUBLE_QUOTE_VALUE || state == DOUBLE_QUOTE_VALUE_ESCAPE)
                push(env, key, value, value->len);
        explicit_bzero(value->str, value->allocated_len);
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

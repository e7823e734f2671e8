/* SPDX-License-Identifier: MIT */
#include "fuzz-common.h"

#include <glib/gstdio.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "config.h"
#include "ovh-error.h"

static char *secrets_dir;

void fuzz_violation(const char *check, const char *format, ...) {
        const char *tolerate = getenv("OVH_FUZZ_TOLERATE");
        va_list ap;

        if (tolerate) {
                g_auto(GStrv) names = g_strsplit(tolerate, ",", -1);
                if (g_strv_contains((const char *const *) names, check))
                        return;
        }
        fprintf(stderr, "[check:%s] ", check);
        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        fputc('\n', stderr);
        abort();
}

static void remove_secret_files(void) {
        g_autoptr(GDir) dir = g_dir_open(secrets_dir, 0, NULL);
        for (const char *name; dir && (name = g_dir_read_name(dir));) {
                g_autofree char *path = g_build_filename(secrets_dir, name, NULL);
                (void) g_unlink(path);
        }
        (void) g_rmdir(secrets_dir);
}

/* The files FILE__NAME=/anything/BASENAME can reach: one per shape the
 * launcher must tell apart. */
static void write_secret_files(void) {
        static const struct {
                const char *name;
                const char *content;
                gssize length;
        } files[] = {
                { "token", FUZZ_FILE_TOKEN "\n", -1 },
                { "id", "1000\n", -1 },
                { "root-id", "0\n", -1 },
                { "umask", "027\r\n", -1 },
                { "tz", "Europe/Berlin\n", -1 },
                { "path", "/etc/openvscode-server/token\n", -1 },
                { "empty", "", 0 },
                { "nul",
                  "12\0"
                  "34\n",
                  6 },
                { "multiline", "022\n<3>a forged journal line\n", -1 },
                { "crlf-only", "\r\n", -1 },
        };
        char template[] = "/tmp/ovh-fuzz-secrets.XXXXXX";

        if (!g_mkdtemp(template))
                abort();
        secrets_dir = g_strdup(template);
        for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
                g_autofree char *path = g_build_filename(secrets_dir, files[i].name, NULL);
                if (!g_file_set_contents(path, files[i].content, files[i].length, NULL))
                        abort();
        }
        /* Longer than the launcher's 64 KiB limit for such files. */
        g_autofree char *big = g_strnfill(70000, '7');
        g_autofree char *big_path = g_build_filename(secrets_dir, "big", NULL);
        if (!g_file_set_contents(big_path, big, -1, NULL))
                abort();
        atexit(remove_secret_files);
}

char *fuzz_redirect_file_variable(const char *entry) {
        const char *eq = strchr(entry, '=');

        if (!secrets_dir)
                write_secret_files();
        if (!g_str_has_prefix(entry, "FILE__") || !eq || eq[1] != '/')
                return g_strdup(entry);
        g_autofree char *name = g_strndup(entry, (gsize) (eq - entry));
        g_autofree char *base = g_path_get_basename(eq + 1);
        g_autofree char *path = g_build_filename(secrets_dir, base, NULL);
        return g_strdup_printf("%s=%s", name, path);
}

bool fuzz_occurs_once(const char *data, size_t size, const char *needle) {
        size_t n = strlen(needle);
        const char *first = memmem(data, size, needle, n);
        if (!first)
                return false;
        return !memmem(first + 1, size - (size_t) (first + 1 - data), needle, n);
}

void fuzz_environment_tokens(const char *data, size_t size, char *const *env, GPtrArray *tokens) {
        static const char prefix[] = "CONNECTION_TOKEN=";

        for (char *const *e = env; *e; e++) {
                const char *value = *e + strlen(prefix);
                if (!g_str_has_prefix(*e, prefix) || strlen(value) < 8 || strchr(value, '\n') ||
                    !fuzz_occurs_once(data, size, value))
                        continue;
                /* The parsed environment is what the launcher reads: the
                 * value must be nowhere else there either (quotes and
                 * escapes make it differ from the raw input). */
                bool elsewhere = false;
                for (char *const *o = env; *o && !elsewhere; o++)
                        elsewhere = o != e && strstr(*o, value);
                if (!elsewhere)
                        g_ptr_array_add(tokens, g_strdup(value));
        }
        /* The token file's content, unless another variable reads that
         * file too (then quoting it there is quoting a PUID, say). */
        unsigned readers = 0;
        bool read_as_token = false;
        for (char *const *e = env; *e; e++) {
                const char *eq = strchr(*e, '=');
                if (!g_str_has_prefix(*e, "FILE__") || !eq || !g_str_has_suffix(eq, "/token"))
                        continue;
                readers++;
                read_as_token = read_as_token || g_str_has_prefix(*e, "FILE__CONNECTION_TOKEN=");
        }
        /* The input may spell the secret itself (libFuzzer finds the
         * strings the harness compares with): then a message quoting the
         * input is not quoting the file. */
        if (read_as_token && readers == 1 && !memmem(data, size, FUZZ_FILE_TOKEN, strlen(FUZZ_FILE_TOKEN)))
                g_ptr_array_add(tokens, g_strdup(FUZZ_FILE_TOKEN));
}

/* The message with every escape sequence the launcher writes for bytes it
 * will not print (\xNN, \NNN, \n...) replaced by a newline, which no token
 * holds: "\xff" followed by "uzz..." must not read as "fuzz...". */
static char *without_escapes(const char *message) {
        GString *s = g_string_new(NULL);

        for (const char *p = message; *p; p++) {
                if (*p != '\\') {
                        g_string_append_c(s, *p);
                        continue;
                }
                g_string_append_c(s, '\n');
                if (p[1] == 'x' && g_ascii_isxdigit(p[2]) && g_ascii_isxdigit(p[3]))
                        p += 3;
                else if (p[1] >= '0' && p[1] <= '7')
                        for (int i = 0; i < 3 && p[1] >= '0' && p[1] <= '7'; i++)
                                p++;
                else if (p[1])
                        p++;
        }
        return g_string_free(s, FALSE);
}

void fuzz_check_error(int r, const GError *error, GPtrArray *tokens, const char *step) {
        if (r >= 0 && !error)
                return;
        if (r >= 0 || !error) {
                fuzz_violation("error-contract", "%s: returned %d with error %s", step, r,
                               error ? error->message : "(none)");
                return;
        }
        if (error->domain != OVH_ERROR || error->code < EX__BASE || error->code > EX__MAX)
                fuzz_violation("sysexits", "%s: error code %d is not a sysexits code: %s", step, error->code,
                               error->message);
        if (error->message[0] == '\0' || ovh_has_control_chars(error->message) ||
            !g_utf8_validate(error->message, -1, NULL)) {
                char utf8[128];
                for (int i = 0; i < 127; i++)
                        utf8[i] = (char) (0x80 + i);
                utf8[127] = '\0';
                /* escape the control characters, keep UTF-8 readable */
                g_autofree char *shown = g_strescape(error->message, utf8);
                fuzz_violation("printable", "%s: the error is not one printable line of UTF-8: \"%s\"", step, shown);
        }
        g_autofree char *unescaped = without_escapes(error->message);
        for (guint i = 0; i < tokens->len; i++)
                if (strstr(unescaped, tokens->pdata[i]))
                        fuzz_violation("token-quoted", "%s: the error quotes the token \"%s\": %s", step,
                                       (const char *) tokens->pdata[i], error->message);
}

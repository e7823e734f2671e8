/* SPDX-License-Identifier: MIT */
#include "ovh-error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

G_DEFINE_QUARK(openvscode - host - error - quark, ovh_error)

int ovh_fail(GError **error, int exit_code, int errno_value, const char *format, ...) {
        va_list ap;

        if (error) {
                va_start(ap, format);
                g_autofree char *msg = g_strdup_vprintf(format, ap);
                va_end(ap);
                /* Messages quote values from files and the environment:
                 * whatever they hold, the message stays one printable
                 * line of UTF-8 (journald and terminals take it as is). */
                g_autofree char *line = ovh_printable(msg);
                g_set_error_literal(error, OVH_ERROR, exit_code, line);
        }
        return errno_value > 0 ? -errno_value : -EINVAL;
}

/* Both escape everything but valid, printable UTF-8; `keep_lines` lets
 * newline and tab through. */
static char *escape(const char *text, gsize length, bool keep_lines) {
        GString *s = g_string_sized_new(length);
        const char *p = text ? text : "";
        const char *end = p + (text ? length : 0);

        while (p < end) {
                if (keep_lines && (*p == '\n' || *p == '\t')) {
                        g_string_append_c(s, *p);
                        p++;
                        continue;
                }
                gunichar c = g_utf8_get_char_validated(p, end - p);
                if (c == (gunichar) -1 || c == (gunichar) -2) {
                        /* Not UTF-8: the byte, escaped. */
                        g_string_append_printf(s, "\\x%02x", (unsigned char) *p);
                        p++;
                        continue;
                }
                const char *next = g_utf8_next_char(p);
                if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                        for (const char *b = p; b < next; b++)
                                g_string_append_printf(s, "\\x%02x", (unsigned char) *b);
                } else {
                        g_string_append_len(s, p, next - p);
                }
                p = next;
        }
        return g_string_free(s, FALSE);
}

char *ovh_printable(const char *text) {
        return escape(text, text ? strlen(text) : 0, false);
}

char *ovh_printable_text(const char *text, gsize length) {
        return escape(text, length, true);
}

/* SPDX-License-Identifier: MIT */
#include "ovh-error.h"

#include <errno.h>
#include <stdarg.h>

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

char *ovh_printable(const char *text) {
        GString *s = g_string_new(NULL);
        const char *p = text ? text : "";

        while (*p) {
                gunichar c = g_utf8_get_char_validated(p, -1);
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

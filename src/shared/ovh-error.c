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
                g_set_error_literal(error, OVH_ERROR, exit_code, msg);
        }
        return errno_value > 0 ? -errno_value : -EINVAL;
}

char *ovh_printable(const char *text) {
        GString *s = g_string_new(NULL);
        for (const unsigned char *p = (const unsigned char *) (text ? text : ""); *p; p++) {
                if (*p < 0x20 || *p == 0x7f)
                        g_string_append_printf(s, "\\x%02x", *p);
                else
                        g_string_append_c(s, (char) *p);
        }
        return g_string_free(s, FALSE);
}

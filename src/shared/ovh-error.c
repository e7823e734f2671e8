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

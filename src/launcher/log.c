/* SPDX-License-Identifier: MIT */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int max_level = LOG_INFO;

void ovh_log_set_max_level(int level) {
        max_level = level;
}

int ovh_log_parse_level(const char *name) {
        static const char *const names[] = {
                "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
        };

        for (int i = 0; i < (int) G_N_ELEMENTS(names); i++)
                if (g_str_equal(name, names[i]))
                        return i;
        if (g_str_equal(name, "error"))
                return LOG_ERR;
        if (name[0] >= '0' && name[0] <= '7' && name[1] == '\0')
                return name[0] - '0';
        return -EINVAL;
}

void ovh_log(int level, const char *format, ...) {
        /* Callers may pass "%m": keep errno intact through the formatting. */
        int saved_errno = errno;
        va_list ap;

        if (level > max_level)
                return;

        va_start(ap, format);
        g_autofree char *msg = g_strdup_vprintf(format, ap);
        va_end(ap);

        /* One write() per line so concurrent writers never interleave it. */
        g_autofree char *line = g_strdup_printf("<%d>%s\n", level, msg);
        (void) !write(STDERR_FILENO, line, strlen(line));
        errno = saved_errno;
}

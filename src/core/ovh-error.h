/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <sysexits.h>

/* Errors carry the sysexits code the launcher exits with as their GError
 * code, and a message that is already the one line the admin reads: what is
 * wrong, where (file:line, key or variable) and how to fix it. */
#define OVH_ERROR (ovh_error_quark())
GQuark ovh_error_quark(void);

/* Exit codes beyond sysexits.h (openvscode-launcher(8), EXIT STATUS). */
enum {
        OVH_EXIT_EXEC_FAILED = 126,
        OVH_EXIT_EXEC_NOT_FOUND = 127,
};

/* Sets *error (if error is non-NULL) and returns -errno_value, so callers can
 * write `return ovh_fail(error, EX_CONFIG, EINVAL, "...")`. */
int ovh_fail(GError **error, int exit_code, int errno_value, const char *format, ...) G_GNUC_PRINTF(4, 5);

/* A copy of `text` fit for a one-line message: control characters
 * (newline, carriage return, escape, the C1 range ...) and bytes that are
 * not UTF-8 become \xNN, so a value quoted in an error cannot start a
 * forged journal line. Valid UTF-8 is kept. ovh_fail() applies it. */
char *ovh_printable(const char *text);

/* The same for a program's output shown to the admin: `length` bytes
 * (NULs included), lines and tabs kept, every other control character
 * (escape sequences that would retitle or reprogram the terminal) and
 * every byte that is not UTF-8 shown as \xNN. */
char *ovh_printable_text(const char *text, gsize length);

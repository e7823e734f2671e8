/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <syslog.h>

/* Logging for the launcher: one line per message on stderr, prefixed with
 * the sd-daemon priority (<3> error ... <7> debug) so journald files each
 * line under its priority. Messages must never contain the token. */
void ovh_log_set_max_level(int level);
/* Parses "err", "warning", "notice", "info", "debug" or 0-7; -EINVAL else. */
int ovh_log_parse_level(const char *name);
void ovh_log(int level, const char *format, ...) G_GNUC_PRINTF(2, 3);

#define ovh_log_error(...) ovh_log(LOG_ERR, __VA_ARGS__)
#define ovh_log_warning(...) ovh_log(LOG_WARNING, __VA_ARGS__)
#define ovh_log_info(...) ovh_log(LOG_INFO, __VA_ARGS__)
#define ovh_log_debug(...) ovh_log(LOG_DEBUG, __VA_ARGS__)

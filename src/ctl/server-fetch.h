/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>

/* Downloads for openvscodectl server (libcurl). Only https://, or http://
 * to a loopback address (ovh_feed_url_valid), and redirects only to https
 * (GitHub sends release assets to another host). Errors: EX_UNAVAILABLE
 * when the host cannot be reached or answers with an error, EX_NOINPUT for
 * 404, EX_IOERR/EX_CANTCREAT when writing fails (a full disk says so). */

/* A small document (a release feed's answer), at most `max` bytes. */
int ctl_fetch_text(const char *url, gsize max, GBytes **ret, GError **error);

/* A file into `fd`, hashing it with SHA-256 as it arrives: *ret_sha256 is
 * the lower-case hex digest of what was written. */
int ctl_fetch_file(const char *url, int fd, char **ret_sha256, GError **error);

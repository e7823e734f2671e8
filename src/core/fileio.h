/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <sys/types.h>

/* Replaces PATH with CONTENT atomically: a temporary file in the same
 * directory (its name starts with '.', which sudo's includedir and
 * systemd's drop-in and conf.d readers all skip), fsync, rename, fsync of
 * the directory. Mode `mode`, owned by the caller. Returns 1 when the file
 * changed, 0 when it already had exactly this content and mode (nothing is
 * written then). */
int ovh_file_replace(const char *path, const char *content, mode_t mode, GError **error);

/* Removes PATH; returns 1 when it existed, 0 when it did not. */
int ovh_file_remove(const char *path, GError **error);

/* True if PATH exists (without following a final symlink). */
gboolean ovh_file_exists(const char *path);

/* fsync() of a directory, so a rename in it survives a crash. */
void ovh_fsync_directory(const char *dir);

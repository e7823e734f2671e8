/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <sys/types.h>

/* Replaces PATH with DATA atomically and durably: a temporary
 * "PATH.XXXXXX" in the same directory, fsync, rename, then an fsync of the
 * directory. Mode exactly `mode`
 * (the umask does not narrow it), owned by the caller. The temporary
 * name does not end in ".conf", so systemd's drop-in and tmpfiles.d
 * readers and our launcher.conf.d reader skip it, and it holds a '.',
 * which sudo's includedir skips. Returns 0 or -errno. */
int ovh_file_write_atomic(const char *path, const char *data, size_t length, mode_t mode);

/* ovh_file_write_atomic() of CONTENT with an error for the admin. Returns
 * 1 when the file changed, 0 when it already had exactly this content and
 * mode (nothing is written then). */
int ovh_file_replace(const char *path, const char *content, mode_t mode, GError **error);

/* Removes PATH; returns 1 when it existed, 0 when it did not. */
int ovh_file_remove(const char *path, GError **error);

/* True if PATH exists (without following a final symlink). */
gboolean ovh_file_exists(const char *path);

/* fsync() of a directory, so a rename in it survives a crash. */
void ovh_fsync_directory(const char *dir);

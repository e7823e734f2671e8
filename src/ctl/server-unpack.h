/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <stdbool.h>

/* Unpacks a release tarball (gzip, xz or zstd; libarchive) into `dest`, an
 * empty directory, dropping the one top directory every entry shares
 * (openvscode-server-v1.109.5-linux-x64/ ...; VSCodium's has none). Files
 * get root as owner and their mode without set-id bits or write access for
 * others. It reads the whole archive before it writes anything, and
 * refuses (EX_DATAERR) one with an entry that escapes: an absolute path, a
 * ".." component, a symbolic link whose target leaves the tree, a hard
 * link to outside, or a device, fifo or socket. A truncated or corrupt
 * archive is EX_DATAERR; a full disk EX_IOERR. On failure `dest` may hold
 * a part of the tree: the caller removes it. */
int ctl_unpack(const char *archive, const char *dest, GError **error);

/* Pure: an entry's path as a clean relative path ("a/b"; "" for the top
 * itself), or NULL when it is absolute or has a ".." component. */
char *ctl_unpack_clean_path(const char *path);

/* Pure: whether a symbolic link at `entry` (a clean relative path) with
 * `target` stays inside the tree, resolved without the file system. */
bool ctl_unpack_link_inside(const char *entry, const char *target);

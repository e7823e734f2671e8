/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "config.h"
#include "server-tree.h"

/* The installed servers (docs/server.md): OVH_SERVERS_DIR/KIND-RELEASE-ARCH/
 * trees, root's and read-only to the account, with `current` and
 * `previous` symlinks to entry names, each switched by one rename. Each
 * entry carries what installed it in ENTRY/OVH_STORE_META_NAME. */
#define OVH_STORE_META_NAME ".openvscode-host-server"
#define OVH_STORE_CURRENT "current"
#define OVH_STORE_PREVIOUS "previous"
/* What `server update --check` and the timer found ("KIND VERSION"), for status. */
#define OVH_STORE_UPDATE_NOTE ".update-available"

typedef struct {
        char *name; /* KIND-RELEASE-ARCH, the directory's name */
        OvhServerKind kind;
        char *release; /* the release's version (code-server 4.139.1) */
        char *version; /* VS Code's */
        char *arch;
        char *source; /* what `server install` was given, or the feed's asset URL */
        char *sha256;
        gint64 installed; /* seconds since the epoch */
        bool current;
        bool previous;
} OvhStoredServer;

void ovh_stored_server_free(OvhStoredServer *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OvhStoredServer, ovh_stored_server_free)

/* Pure: KIND-RELEASE-ARCH. */
char *ovh_store_entry_name(OvhServerKind kind, const char *release, const char *arch);

/* Pure: the metadata text of an entry, and back (-EINVAL for a text that
 * is not one; ret->name is left to the caller). */
char *ovh_store_meta_text(const OvhStoredServer *s);
int ovh_store_meta_parse(const char *text, OvhStoredServer *ret);

/* The entries of `dir` (newest first), with current/previous marked; an
 * empty list when `dir` does not exist. Directories without metadata
 * (staging, half-removed) are not entries. */
int ovh_store_list(const char *dir, GPtrArray **ret, GError **error);

/* The entry name `link` (current or previous) points to, or NULL. */
char *ovh_store_link(const char *dir, const char *link);

/* Points `link` at `entry` by one rename of a new symlink over it, and
 * syncs the directory. */
int ovh_store_set_link(const char *dir, const char *link, const char *entry, GError **error);

/* Pure: which entry `wanted` names: an entry name, or a release or VS Code
 * version that one entry alone has (for this architecture). NULL with
 * EX_USAGE (ambiguous) or EX_NOINPUT (unknown), listing the choices. */
const OvhStoredServer *ovh_store_find(GPtrArray *entries, const char *wanted, const char *arch, GError **error);

/* Pure: the entries prune may remove so that `keep` remain besides the
 * current and the previous one (oldest first). */
GPtrArray *ovh_store_prunable(GPtrArray *entries, unsigned keep);

/* Removes a directory tree without following a symbolic link or leaving
 * the file system: 0 or -errno. */
int ovh_remove_recursive(const char *path);

/* Removes an entry's tree: renamed out of the way first, so that a
 * half-removed tree never looks like an entry; never follows a symlink. */
int ovh_store_remove_tree(const char *dir, const char *entry, GError **error);

/* Where the launcher takes its server from, in this order:
 * [Server] Root= (its origin), the store's `current` (resolved to the
 * entry, so a later switch does not move files under a running server),
 * the packaged OVH_DEFAULT_ROOT. */
typedef enum {
        OVH_SERVER_FROM_CONFIG,
        OVH_SERVER_FROM_STORE,
        OVH_SERVER_FROM_PACKAGE,
} OvhServerOrigin;

typedef struct {
        OvhServerOrigin origin;
        char *top; /* the tree's top directory */
        char *describe; /* for --check and status: "[Server] Root= (FILE:LINE)" ... */
} OvhServerChoice;

void ovh_server_choice_clear(OvhServerChoice *c);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OvhServerChoice, ovh_server_choice_clear)

void ovh_server_choose(const OvhConfig *config, const char *store_dir, OvhServerChoice *ret);

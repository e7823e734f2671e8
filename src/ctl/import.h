/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

#include "account.h"

/* import-config: the container's /config volume (workspace/, the
 * .openvscode-server data and extensions, .ssh, dotfiles) merged into the
 * account's home. The plan is made first and changes nothing; applying it
 * never overwrites a file with other content unless forced, and creates
 * everything as the account (so it owns it, and the import can write only
 * where the account could).
 *
 * Both trees are walked through directory fds, never by path: each name is
 * opened below its parent's fd with O_NOFOLLOW, so a symbolic link swapped
 * in for a directory cannot redirect a read or a write. The source is read
 * with its owner's file-system identity (the owner of the source directory,
 * the container's abc), the home as the account. The plan records the
 * device and inode of every source entry; applying re-opens each through
 * its parent and stops, writing nothing further, at one that differs. */

typedef enum {
        IMPORT_MKDIR,
        IMPORT_COPY,
        IMPORT_SYMLINK,
        IMPORT_SAME, /* already there with the same content */
        IMPORT_CONFLICT, /* a different file or link is there: --force replaces it */
        IMPORT_CLASH, /* a file where a directory is (or the reverse): never replaced */
        IMPORT_SKIP, /* not imported, with the reason */
} ImportKind;

typedef struct {
        ImportKind kind;
        char *path; /* relative to the source and the home */
        const char *why; /* IMPORT_SKIP */
        guint64 size;
        mode_t mode;
        dev_t dev; /* the source entry as planned */
        ino_t ino;
} ImportStep;

typedef struct {
        GPtrArray *steps; /* ImportStep*, parents before children */
        guint counts[IMPORT_SKIP + 1];
        guint64 bytes; /* of the files to copy */
        /* Set by import_plan() (the fds are open only while steps is): */
        char *source, *home; /* the two roots, for messages */
        int source_fd, home_fd; /* opened once, without following symbolic links */
        uid_t source_uid; /* the source's owner: its files are read as this identity */
        gid_t source_gid;
        GHashTable *source_dirs; /* relative path -> device and inode of each source directory */
} ImportPlan;

void import_plan_clear(ImportPlan *plan);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ImportPlan, import_plan_clear)

/* True when SOURCE has the container's layout (workspace/ or
 * .openvscode-server/). */
bool import_source_looks_like_config(const char *source);

/* Compares SOURCE (read as its owner) with the account's home (read as the
 * account). SOURCE must be an absolute path without symbolic links (the
 * caller resolves it); a file the owner cannot read fails the plan
 * (EX_NOINPUT), before anything is written. */
int import_plan(const char *source, const OvhAccount *account, ImportPlan *plan, GError **error);

/* Carries the plan out. Conflicts are replaced only with `force` (the
 * caller refuses them otherwise, before calling this). *ret_written counts
 * what was created or replaced. A source entry that is no longer the one
 * planned fails with EX_DATAERR, a home directory that is no longer a
 * directory with EX_CANTCREAT: one line naming the path, nothing further
 * written. */
int import_apply(const ImportPlan *plan, const OvhAccount *account, bool force, guint *ret_written, GError **error);

/* VS Code keeps the directories of uninstalled extensions listed in
 * extensions/.obsolete until it deletes them. An extension the container
 * had installed (its extensions.json) must not stay listed there after the
 * import, or the server would hide it and then delete it. Returns how many
 * names were taken off the list. */
int import_unmark_obsolete(const ImportPlan *plan, const OvhAccount *account, guint *ret_unmarked, GError **error);

const char *import_kind_name(ImportKind kind);

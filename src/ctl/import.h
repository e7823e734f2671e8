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
 * where the account could). */

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
} ImportStep;

typedef struct {
        GPtrArray *steps; /* ImportStep*, parents before children */
        guint counts[IMPORT_SKIP + 1];
        guint64 bytes; /* of the files to copy */
} ImportPlan;

void import_plan_clear(ImportPlan *plan);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ImportPlan, import_plan_clear)

/* True when SOURCE has the container's layout (workspace/ or
 * .openvscode-server/). */
bool import_source_looks_like_config(const char *source);

/* Compares SOURCE (read as the caller) with HOME (read as the account). */
int import_plan(const char *source, const OvhAccount *account, ImportPlan *plan, GError **error);

/* Carries the plan out. Conflicts are replaced only with `force` (the
 * caller refuses them otherwise, before calling this). *ret_written counts
 * what was created or replaced. */
int import_apply(const char *source, const OvhAccount *account, const ImportPlan *plan, bool force, guint *ret_written,
                 GError **error);

/* VS Code keeps the directories of uninstalled extensions listed in
 * extensions/.obsolete until it deletes them. An extension the container
 * had installed (its extensions.json) must not stay listed there after the
 * import, or the server would hide it and then delete it. Returns how many
 * names were taken off the list. */
int import_unmark_obsolete(const char *source, const OvhAccount *account, guint *ret_unmarked, GError **error);

const char *import_kind_name(ImportKind kind);

/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "ctl.h"
#include "server-store.h"

/* One server installation (openvscodectl server install/update): the
 * tarball fetched or read, its SHA-256 checked, unpacked into a staging
 * directory in the store, its kind and architecture checked, its
 * --version run in the service's sandbox, then renamed into the store as
 * KIND-RELEASE-ARCH. Whatever fails leaves the store as it was and no
 * staging behind. */
typedef struct {
        const char *source; /* what the admin gave: a path, a URL or KIND[@VERSION] */
        const char *tarball; /* a local file, or NULL */
        const char *url; /* a URL to fetch, or NULL */
        const char *sha256; /* expected digest (the feed's or --sha256), or NULL for a local file */
        bool want_kind_set;
        OvhServerKind want_kind; /* from KIND[@VERSION]: the tree must be of it */
        const char *want_release; /* the feed's release: the tree must say it */
} CtlInstallRequest;

/* The store's lock: one install, update, use, rollback or remove at a
 * time (EX_TEMPFAIL naming the other when it is held). */
int ctl_store_lock(const char *store_dir, int *ret_fd, GError **error);

/* Installs; *ret_entry names the entry, *ret_already says it was there. */
int ctl_server_install(const CtlInstance *instance, const char *store_dir, const CtlInstallRequest *request,
                       char **ret_entry, bool *ret_already, GError **error);

/* Pure: whether an ELF file at `path` (relative to the tree) is one the
 * server may load on `arch`, i.e. one that must be for it: everything but
 * what packages carry for other platforms side by side (prebuilds/linux-x64
 * in an arm64 tree, *-musl builds on glibc, ...). `node_arch` is Node's
 * name for the architecture (x64, arm64, arm). */
bool ctl_elf_must_match(const char *path, const char *node_arch);

/* Checks node and every ELF native module (*.node) of a tree against this
 * machine's architecture: EX_DATAERR naming the first that is not. */
int ctl_check_tree_arch(const OvhServerTree *tree, GError **error);

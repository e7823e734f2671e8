/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

#include "config.h"

/* Where the connection token comes from, in DESIGN section 2's precedence:
 * credential connection-token > CONNECTION_SECRET / [Auth] TokenFile >
 * CONNECTION_TOKEN / [Auth] Token > generated (and persisted). */
typedef enum {
        OVH_TOKEN_SOURCE_NONE, /* [Auth] Mode=none */
        OVH_TOKEN_SOURCE_CREDENTIAL,
        OVH_TOKEN_SOURCE_FILE,
        OVH_TOKEN_SOURCE_VALUE,
        OVH_TOKEN_SOURCE_GENERATED,
} OvhTokenSourceKind;

typedef struct {
        OvhTokenSourceKind kind;
        char *path; /* credential, file, or the persisted generated token */
        char *origin; /* for messages and --check: "credential connection-token", ... */
} OvhTokenSource;

void ovh_token_source_clear(OvhTokenSource *source);
const char *ovh_token_source_name(OvhTokenSourceKind kind);

/* Pure: picks the source. `credentials_directory` is $CREDENTIALS_DIRECTORY
 * (or NULL) and `credential_present` whether it holds connection-token. */
int ovh_token_choose(const OvhConfig *config, const char *credentials_directory, bool credential_present,
                     const char *state_dir, OvhTokenSource *ret, GError **error);

/* Reads and validates the token. For GENERATED, reads the persisted file or,
 * when there is none, makes a new token and sets *ret_is_new. Token files
 * given by the admin must not be readable by other users. */
int ovh_token_obtain(const OvhConfig *config, const OvhTokenSource *source, char **ret_token, bool *ret_is_new,
                     GError **error);

/* Writes `token` to `path` atomically (temp file + fsync + rename) with
 * `mode`; when uid/gid are not -1 the file is given to them. */
int ovh_token_write_file(const char *path, const char *token, mode_t mode, uid_t uid, gid_t gid, GError **error);

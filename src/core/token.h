/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

#include "account.h"
#include "config.h"

/* Where the connection token comes from, in the documented precedence (launcher.conf(5), [Auth]):
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

/* G_DEFINE for g_auto(OvhTokenSource). */
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OvhTokenSource, ovh_token_source_clear)

/* Pure: where the server reads its token at run time: the first entry of
 * $RUNTIME_DIRECTORY (RuntimeDirectory= may list several, separated by
 * ':'), or /run/openvscode-server/ACCOUNT when the launcher was started
 * outside systemd. */
char *ovh_token_runtime_path(const char *runtime_directory, const char *account_name);

/* Writes the token file the server reads, readable by the account only
 * (0400). Under systemd's RuntimeDirectory= (root's, 0711) or in an
 * unprivileged start it is written there and, by root, given to the
 * account. Started as root outside systemd, root makes the account's own
 * 0700 directory under /run once and writes the file as the account (root
 * here may lack CAP_DAC_OVERRIDE and CAP_FOWNER, as in the unit). */
int ovh_token_write_runtime(const char *path, const char *token, const OvhAccount *account, bool in_runtime_directory,
                            GError **error);

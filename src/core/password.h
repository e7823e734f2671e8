/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

/* The sign-in password (docs/SECURITY.md, "Sign-in"): a salted slow hash
 * that the browser's sign-in page (src/signin.js) checks besides the
 * token. One format on both sides: crypt(5)'s scrypt, "$7$", made here by
 * libxcrypt (or by mkpasswd -m scrypt) and verified by node's
 * crypto.scrypt, which has no yescrypt:
 *
 *   $7$ N rrrrr ppppp SALT $ HASH
 *
 * N is log2 of scrypt's N as one character of crypt's base64
 * (./0-9A-Za-z), r and p five characters each (30 bits, little-endian,
 * 6 bits a character), SALT the setting's own text (its bytes are the
 * salt), HASH the 32-byte key in the same little-endian base64 (43
 * characters). Both sides accept 2^10 <= N <= 2^22, 1 <= r, 1 <= p <= 16
 * and 128 * r * N <= 256 MiB (the memory one check takes), a salt of 1 to
 * 64 characters without '$', ':' or blanks.
 *
 * Where it is kept: PASSWORD_HASH in the environment file (the
 * container's way), else OVH_PASSWORD_DIR/ACCOUNT (openvscodectl password
 * set): the account's file (0400, group root) in root's directory, so
 * only root and the account can read it. The launcher hands it to the
 * server in the runtime sign-in file beside the token (ovh_signin_text). */

#define OVH_PASSWORD_MIN_LOG2_N 10
#define OVH_PASSWORD_MAX_LOG2_N 22
#define OVH_PASSWORD_MAX_P 16
#define OVH_PASSWORD_MAX_MEMORY (256u * 1024 * 1024)
#define OVH_PASSWORD_MAX_LENGTH 1024 /* the page's limit for a secret */

/* A complete $7$ hash within the bounds, which libxcrypt computes (a probe
 * hashes to a string of the same shape). EX_DATAERR naming `origin` and
 * the fix otherwise; the hash itself is never quoted. */
int ovh_password_check_hash(const char *hash, const char *origin, GError **error);

/* Hashes `password` ($7$, libxcrypt's default cost: N=2^14, r=32, p=1). An
 * empty password, one with a newline or NUL, or one longer than
 * OVH_PASSWORD_MAX_LENGTH is EX_DATAERR. */
int ovh_password_hash(const char *password, char **ret_hash, GError **error);

/* True when `password` hashes to `hash` (compared in constant time). */
bool ovh_password_matches(const char *password, const char *hash);

/* OVH_PASSWORD_DIR/ACCOUNT (pure). */
char *ovh_password_file(const char *account_name);

/* Reads the hash from `path`: 0 and *ret_hash NULL when there is none, 1
 * when read and checked. A file others can read (any group or other bit),
 * a symlink or anything but one line of hash is an error naming the file
 * and the fix. */
int ovh_password_read(const char *path, char **ret_hash, GError **error);

/* Writes `hash` to `path` atomically, the account's (uid, gid 0), 0400;
 * creates OVH_PASSWORD_DIR (0755, root's) if needed. */
int ovh_password_write(const char *path, const char *hash, uid_t uid, GError **error);

/* Removes `path`; 0 when it was there, 1 when there was nothing to remove. */
int ovh_password_remove(const char *path, GError **error);

/* The runtime sign-in file's text (pure; src/signin.js reads it):
 * cookie-max-age=SECONDS and, with a hash, password-hash=HASH. */
char *ovh_signin_text(guint64 cookie_max_age, const char *hash);

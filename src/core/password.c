/* SPDX-License-Identifier: MIT */
#include "password.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "ovh-error.h"
#include "paths.h"

static const char itoa64[] = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static int itoa64_value(char c) {
        const char *p = c ? strchr(itoa64, c) : NULL;
        return p ? (int) (p - itoa64) : -1;
}

/* Five characters, 6 bits each, least significant first. */
static bool decode_uint30(const char *text, guint64 *ret) {
        guint64 value = 0;
        for (int i = 0; i < 5; i++) {
                int v = itoa64_value(text[i]);
                if (v < 0)
                        return false;
                value |= (guint64) v << (6 * i);
        }
        *ret = value;
        return true;
}

/* The shape and the bounds of password.h, without computing anything. */
static bool hash_shape_ok(const char *hash) {
        guint64 r, p;

        if (!g_str_has_prefix(hash, "$7$") || strlen(hash) < 3 + 1 + 5 + 5 + 1 + 1 + 43)
                return false;
        int log2_n = itoa64_value(hash[3]);
        if (log2_n < OVH_PASSWORD_MIN_LOG2_N || log2_n > OVH_PASSWORD_MAX_LOG2_N)
                return false;
        if (!decode_uint30(hash + 4, &r) || !decode_uint30(hash + 9, &p))
                return false;
        if (r < 1 || p < 1 || p > OVH_PASSWORD_MAX_P || 128 * r * ((guint64) 1 << log2_n) > OVH_PASSWORD_MAX_MEMORY)
                return false;
        const char *salt = hash + 14;
        size_t salt_length = strcspn(salt, "$");
        if (salt_length < 1 || salt_length > 64 || salt[salt_length] != '$')
                return false;
        for (size_t i = 0; i < salt_length; i++)
                if (salt[i] == ':' || g_ascii_isspace(salt[i]) || (unsigned char) salt[i] < 0x21 ||
                    (unsigned char) salt[i] >= 0x7f)
                        return false;
        const char *key = salt + salt_length + 1;
        if (strlen(key) != 43)
                return false;
        for (const char *k = key; *k; k++)
                if (itoa64_value(*k) < 0)
                        return false;
        return true;
}

int ovh_password_check_hash(const char *hash, const char *origin, GError **error) {
        struct crypt_data data = {};

        if (!hash || !*hash)
                return ovh_fail(error, EX_DATAERR, EINVAL,
                                "%s: the password hash is empty; make one with: openvscodectl password hash", origin);
        if (!hash_shape_ok(hash))
                return ovh_fail(error, EX_DATAERR, EINVAL,
                                "%s: not a scrypt password hash ($7$, 2^10 <= N <= 2^22, p <= 16, at most 256 MiB); "
                                "make one with: openvscodectl password hash (or mkpasswd -m scrypt)",
                                origin);
        /* libxcrypt reads it the same way: a probe gives the same setting
         * and a key of the same length. */
        const char *probe = crypt_rn("openvscode-host probe", hash, &data, sizeof(data));
        const char *last = strrchr(hash, '$');
        if (!probe || probe[0] == '*' || strlen(probe) != strlen(hash) ||
            strncmp(probe, hash, (size_t) (last - hash)) != 0)
                return ovh_fail(error, EX_DATAERR, EINVAL,
                                "%s: this system's libcrypt cannot compute the scrypt password hash; make one with: "
                                "openvscodectl password hash",
                                origin);
        return 0;
}

static int check_password(const char *password, GError **error) {
        size_t n = password ? strlen(password) : 0;
        if (n == 0)
                return ovh_fail(error, EX_DATAERR, EINVAL, "the password is empty; give one");
        if (n > OVH_PASSWORD_MAX_LENGTH)
                return ovh_fail(error, EX_DATAERR, EINVAL,
                                "the password is longer than %d bytes, which the sign-in page takes; give a shorter "
                                "one",
                                OVH_PASSWORD_MAX_LENGTH);
        if (strpbrk(password, "\r\n"))
                return ovh_fail(error, EX_DATAERR, EINVAL, "the password has a line break; give it on one line");
        return 0;
}

int ovh_password_hash(const char *password, char **ret_hash, GError **error) {
        struct crypt_data data = {};
        char setting[CRYPT_GENSALT_OUTPUT_SIZE];
        int r;

        r = check_password(password, error);
        if (r < 0)
                return r;
        /* Count 0: libxcrypt's default cost for $7$ (N=2^14, r=32, p=1: 64
         * MiB, about 0.15 s on this project's machines). */
        if (!crypt_gensalt_rn("$7$", 0, NULL, 0, setting, sizeof(setting)))
                return ovh_fail(error, EX_OSERR, errno, "cannot make a salt for the password: %s", g_strerror(errno));
        const char *hash = crypt_rn(password, setting, &data, sizeof(data));
        if (!hash || hash[0] == '*' || !hash_shape_ok(hash))
                return ovh_fail(error, EX_OSERR, errno ? errno : EINVAL,
                                "this system's libcrypt cannot hash with scrypt ($7$)");
        *ret_hash = g_strdup(hash);
        explicit_bzero(&data, sizeof(data));
        return 0;
}

bool ovh_password_matches(const char *password, const char *hash) {
        struct crypt_data data = {};
        if (!password || !hash || !hash_shape_ok(hash))
                return false;
        const char *h = crypt_rn(password, hash, &data, sizeof(data));
        size_t n = strlen(hash);
        if (!h || strlen(h) != n)
                return false;
        unsigned char diff = 0;
        for (size_t i = 0; i < n; i++)
                diff |= (unsigned char) (h[i] ^ hash[i]);
        explicit_bzero(&data, sizeof(data));
        return diff == 0;
}

char *ovh_password_file(const char *account_name) {
        return g_build_filename(OVH_PASSWORD_DIR, account_name, NULL);
}

int ovh_password_read(const char *path, char **ret_hash, GError **error) {
        char buf[512];
        struct stat st;

        *ret_hash = NULL;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0) {
                int e = errno;
                if (e == ENOENT)
                        return 0;
                if (e == ELOOP)
                        return ovh_fail(error, EX_NOPERM, e,
                                        "%s: the password file is a symbolic link; run openvscodectl password set "
                                        "again",
                                        path);
                return ovh_fail(error, EX_NOPERM, e,
                                "%s: the password file cannot be read by uid %u (%s); it must be the account's, "
                                "mode 0400: run openvscodectl password set again",
                                path, (unsigned) geteuid(), g_strerror(e));
        }
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return ovh_fail(error, EX_DATAERR, EINVAL,
                                "%s: the password file is not a regular file; run openvscodectl password set again",
                                path);
        if (st.st_mode & 0077)
                return ovh_fail(error, EX_NOPERM, EPERM,
                                "%s: the password file can be read by others (mode %04o); run chmod 0400 %s", path,
                                (unsigned) (st.st_mode & 07777), path);
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        if (n < 0)
                return ovh_fail(error, EX_IOERR, errno, "%s: cannot read the password file: %s", path,
                                g_strerror(errno));
        buf[n] = '\0';
        if ((size_t) n == sizeof(buf) - 1 || memchr(buf, '\0', (size_t) n))
                return ovh_fail(error, EX_DATAERR, EINVAL,
                                "%s: the password file holds more than one hash; run openvscodectl password set again",
                                path);
        if (n > 0 && buf[n - 1] == '\n')
                buf[--n] = '\0';
        int r = ovh_password_check_hash(buf, path, error);
        if (r < 0)
                return r;
        *ret_hash = g_strdup(buf);
        return 1;
}

int ovh_password_write(const char *path, const char *hash, uid_t uid, GError **error) {
        g_autofree char *dir = g_path_get_dirname(path);
        struct stat st;

        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return ovh_fail(error, EX_CANTCREAT, errno,
                                "cannot create %s: %s; the package makes its parent, is openvscode-host installed?",
                                dir, g_strerror(errno));
        /* Root writes here: the directory must be root's alone, or the
         * file could be swapped under it. */
        if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 0022))
                return ovh_fail(error, EX_CANTCREAT, EPERM,
                                "%s must be a directory of root's that only root can write (0755); fix it (chown "
                                "root:root, chmod 0755) and run this again",
                                dir);
        /* The account's before the rename makes it live; a full disk
         * leaves the old file, never a part of the new one. */
        g_autofree char *tmp = g_strdup_printf("%s.XXXXXX", path);
        _cleanup_close_ int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0400);
        if (fd < 0)
                return ovh_fail(error, EX_CANTCREAT, errno, "cannot create a file in %s: %s", dir, g_strerror(errno));
        size_t n = strlen(hash);
        if (fchmod(fd, 0400) < 0 || fchown(fd, uid, 0) < 0 || write(fd, hash, n) != (ssize_t) n ||
            write(fd, "\n", 1) != 1 || fsync(fd) < 0 || close(ovh_steal_fd(&fd)) < 0 || rename(tmp, path) < 0) {
                int e = errno ? errno : EIO;
                (void) unlink(tmp);
                return ovh_fail(error, e == ENOSPC || e == EDQUOT ? EX_CANTCREAT : EX_IOERR, e,
                                "cannot write the password file %s: %s; free space or fix permissions and run this "
                                "again",
                                path, g_strerror(e));
        }
        return 0;
}

int ovh_password_remove(const char *path, GError **error) {
        if (unlink(path) == 0)
                return 0;
        if (errno == ENOENT)
                return 1;
        return ovh_fail(error, EX_CANTCREAT, errno, "cannot remove %s: %s", path, g_strerror(errno));
}

char *ovh_signin_text(guint64 cookie_max_age, const char *hash) {
        if (hash)
                return g_strdup_printf("cookie-max-age=%" G_GUINT64_FORMAT "\npassword-hash=%s", cookie_max_age, hash);
        return g_strdup_printf("cookie-max-age=%" G_GUINT64_FORMAT, cookie_max_age);
}

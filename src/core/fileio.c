/* SPDX-License-Identifier: MIT */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "ovh-error.h"

void ovh_fsync_directory(const char *dir) {
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0)
                (void) fsync(fd);
}

static bool same_content(const char *path, const char *content, mode_t mode) {
        g_autofree char *old = NULL;
        gsize length = 0;
        struct stat st;

        if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & 07777) != mode || st.st_uid != geteuid())
                return false;
        if (!g_file_get_contents(path, &old, &length, NULL))
                return false;
        return length == strlen(content) && memcmp(old, content, length) == 0;
}

int ovh_file_write_atomic(const char *path, const char *data, size_t length, mode_t mode) {
        g_autofree char *dir = g_path_get_dirname(path);
        g_autofree char *tmp = g_strconcat(path, ".XXXXXX", NULL);
        size_t done = 0;
        int fd, e;

        /* Our own temporary file, not g_file_set_contents_full(): GLib 2.84
         * (Debian 13) gives the file it replaces the old file's mode, not
         * `mode`. fchmod: the umask narrows the mode open() was given, and
         * the reader (the account, for 0644) needs the mode as given. */
        fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, (int) mode);
        if (fd < 0)
                return -errno;
        if (fchmod(fd, mode) < 0)
                goto fail;
        while (done < length) {
                ssize_t n = write(fd, data + done, length - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        goto fail;
                done += (size_t) n;
        }
        if (fsync(fd) < 0)
                goto fail;
        e = close(fd);
        fd = -1;
        if (e < 0 || rename(tmp, path) < 0)
                goto fail;
        /* The rename must survive a crash too. */
        ovh_fsync_directory(dir);
        return 0;

fail:
        e = errno ? errno : EIO;
        if (fd >= 0)
                close(fd);
        (void) unlink(tmp);
        return -e;
}

int ovh_file_replace(const char *path, const char *content, mode_t mode, GError **error) {
        g_autofree char *dir = g_path_get_dirname(path);
        int r;

        if (same_content(path, content, mode))
                return 0;
        r = ovh_file_write_atomic(path, content, strlen(content), mode);
        if (r == -EACCES || r == -EPERM || r == -ENOENT || r == -EROFS || r == -ENOTDIR)
                return ovh_fail(error, r == -EACCES || r == -EPERM ? EX_NOPERM : EX_CANTCREAT, -r,
                                "cannot create a file in %s: %s; run as root and check that the directory exists", dir,
                                g_strerror(-r));
        if (r < 0)
                return ovh_fail(error, EX_IOERR, -r, "cannot write %s: %s", path, g_strerror(-r));
        return 1;
}

int ovh_file_remove(const char *path, GError **error) {
        if (unlink(path) == 0) {
                g_autofree char *dir = g_path_get_dirname(path);
                ovh_fsync_directory(dir);
                return 1;
        }
        if (errno == ENOENT)
                return 0;
        return ovh_fail(error, errno == EACCES || errno == EPERM ? EX_NOPERM : EX_IOERR, errno, "cannot remove %s: %s",
                        path, g_strerror(errno));
}

gboolean ovh_file_exists(const char *path) {
        struct stat st;
        return lstat(path, &st) == 0;
}

/* SPDX-License-Identifier: MIT */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ovh-error.h"

void ovh_fsync_directory(const char *dir) {
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) {
                (void) fsync(fd);
                close(fd);
        }
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

int ovh_file_replace(const char *path, const char *content, mode_t mode, GError **error) {
        g_autofree char *dir = g_path_get_dirname(path);
        g_autofree char *base = g_path_get_basename(path);
        g_autofree char *tmp = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
        size_t length = strlen(content);
        int fd, e;

        if (same_content(path, content, mode))
                return 0;
        fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, mode);
        if (fd < 0) {
                e = errno;
                return ovh_fail(error, e == EACCES || e == EPERM ? EX_NOPERM : EX_CANTCREAT, e,
                                "cannot create a file in %s: %s; run as root and check that the directory exists", dir,
                                g_strerror(e));
        }
        errno = 0;
        if (fchmod(fd, mode) < 0 || write(fd, content, length) != (ssize_t) length || fsync(fd) < 0) {
                e = errno ? errno : EIO;
                close(fd);
                (void) unlink(tmp);
                return ovh_fail(error, EX_IOERR, e, "cannot write %s: %s", path, g_strerror(e));
        }
        if (close(fd) < 0 || rename(tmp, path) < 0) {
                e = errno;
                (void) unlink(tmp);
                return ovh_fail(error, EX_IOERR, e, "cannot write %s: %s", path, g_strerror(e));
        }
        ovh_fsync_directory(dir);
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

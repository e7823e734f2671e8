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

/* The errno behind a GFileError (EIO when GLib did not say). */
static int errno_from_file_error(const GError *e) {
        static const struct {
                GFileError code;
                int errno_value;
        } map[] = {
                { G_FILE_ERROR_EXIST, EEXIST }, { G_FILE_ERROR_ISDIR, EISDIR },
                { G_FILE_ERROR_ACCES, EACCES }, { G_FILE_ERROR_NAMETOOLONG, ENAMETOOLONG },
                { G_FILE_ERROR_NOENT, ENOENT }, { G_FILE_ERROR_NOTDIR, ENOTDIR },
                { G_FILE_ERROR_ROFS, EROFS },   { G_FILE_ERROR_LOOP, ELOOP },
                { G_FILE_ERROR_NOSPC, ENOSPC }, { G_FILE_ERROR_NOMEM, ENOMEM },
                { G_FILE_ERROR_MFILE, EMFILE }, { G_FILE_ERROR_NFILE, ENFILE },
                { G_FILE_ERROR_BADF, EBADF },   { G_FILE_ERROR_INVAL, EINVAL },
                { G_FILE_ERROR_PERM, EPERM },   { G_FILE_ERROR_INTR, EINTR },
                { G_FILE_ERROR_IO, EIO },
        };

        if (e && e->domain == G_FILE_ERROR)
                for (size_t i = 0; i < G_N_ELEMENTS(map); i++)
                        if (map[i].code == (GFileError) e->code)
                                return map[i].errno_value;
        return EIO;
}

int ovh_file_write_atomic(const char *path, const char *data, size_t length, mode_t mode) {
        g_autoptr(GError) gerror = NULL;
        g_autofree char *dir = g_path_get_dirname(path);

        /* GLib creates its temporary file with open(mode), which the umask
         * narrows; the reader (the account, for 0644) needs the mode as
         * given. The programs are single-threaded where they write. */
        mode_t old_umask = umask(0);
        gboolean ok = g_file_set_contents_full(path, data, (gssize) length,
                                               G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, (int) mode,
                                               &gerror);
        umask(old_umask);
        if (!ok)
                return -errno_from_file_error(gerror);
        /* GLib syncs the file, not the rename in the directory. */
        ovh_fsync_directory(dir);
        return 0;
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

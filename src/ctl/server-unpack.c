/* SPDX-License-Identifier: MIT */
#include "server-unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "ovh-error.h"

char *ctl_unpack_clean_path(const char *path) {
        if (!path || path[0] == '/')
                return NULL;
        g_auto(GStrv) parts = g_strsplit(path, "/", -1);
        g_autoptr(GString) out = g_string_new(NULL);
        for (char **p = parts; *p; p++) {
                if (**p == '\0' || g_str_equal(*p, "."))
                        continue;
                if (g_str_equal(*p, ".."))
                        return NULL;
                g_string_append_printf(out, "%s%s", out->len ? "/" : "", *p);
        }
        return g_string_free(g_steal_pointer(&out), FALSE);
}

bool ctl_unpack_link_inside(const char *entry, const char *target) {
        if (!target || !*target || target[0] == '/')
                return false;
        /* Start in the link's directory; each ".." must stay at or below the top. */
        g_auto(GStrv) where = g_strsplit(entry, "/", -1);
        int depth = (int) g_strv_length(where) - 1;
        g_auto(GStrv) parts = g_strsplit(target, "/", -1);
        for (char **p = parts; *p; p++) {
                if (**p == '\0' || g_str_equal(*p, "."))
                        continue;
                if (g_str_equal(*p, "..")) {
                        if (--depth < 0)
                                return false;
                } else
                        depth++;
        }
        return true;
}

typedef struct {
        char *path; /* clean, before the top directory is dropped */
        mode_t type;
        char *symlink;
        char *hardlink; /* clean */
} Entry;

static void entry_free(Entry *e) {
        g_free(e->path);
        g_free(e->symlink);
        g_free(e->hardlink);
        g_free(e);
}

static void archive_read_cleanup(struct archive **a) {
        if (*a)
                archive_read_free(*a);
}

static void archive_write_cleanup(struct archive **a) {
        if (*a)
                archive_write_free(*a);
}

static int open_archive(const char *path, struct archive **ret, GError **error) {
        struct archive *a = archive_read_new();
        archive_read_support_filter_gzip(a);
        archive_read_support_filter_xz(a);
        archive_read_support_filter_zstd(a);
        archive_read_support_format_tar(a);
        if (archive_read_open_filename(a, path, 64 * 1024) != ARCHIVE_OK) {
                int e = archive_errno(a);
                g_autofree char *msg = g_strdup(archive_error_string(a));
                archive_read_free(a);
                return ovh_fail(error, e == ENOENT ? EX_NOINPUT : EX_DATAERR, e ? e : EINVAL,
                                "%s: cannot read it as a tarball (%s); give a .tar.gz, .tar.xz or .tar.zst release",
                                path, msg ? msg : "unknown format");
        }
        *ret = a;
        return 0;
}

static int corrupt(GError **error, const char *path, struct archive *a) {
        return ovh_fail(error, EX_DATAERR, EINVAL,
                        "%s: the tarball is truncated or corrupt (%s); download it again and check its sha256", path,
                        archive_error_string(a) ? archive_error_string(a) : "read error");
}

/* The first pass: every entry's path and links, nothing written. */
static int read_entries(const char *path, GPtrArray *entries, GError **error) {
        __attribute__((cleanup(archive_read_cleanup))) struct archive *a = NULL;
        struct archive_entry *ae;
        int r = open_archive(path, &a, error);
        if (r < 0)
                return r;
        for (;;) {
                r = archive_read_next_header(a, &ae);
                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN)
                        return corrupt(error, path, a);
                const char *name = archive_entry_pathname(ae);
                g_autofree char *clean = ctl_unpack_clean_path(name);
                if (!clean)
                        return ovh_fail(error, EX_DATAERR, EPERM,
                                        "%s: the entry \"%s\" escapes the tree (an absolute path or \"..\"); this is "
                                        "no release tarball, do not use it",
                                        path, name ? name : "");
                mode_t type = archive_entry_filetype(ae);
                const char *hard = archive_entry_hardlink(ae);
                if (!hard && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
                        return ovh_fail(error, EX_DATAERR, EPERM,
                                        "%s: the entry \"%s\" is a device, fifo or socket; a server tree holds only "
                                        "files, directories and links",
                                        path, name);
                Entry *e = g_new0(Entry, 1);
                e->path = g_steal_pointer(&clean);
                e->type = type;
                if (hard) {
                        e->hardlink = ctl_unpack_clean_path(hard);
                        if (!e->hardlink || !*e->hardlink) {
                                g_autofree char *shown = g_strdup(hard);
                                entry_free(e);
                                return ovh_fail(error, EX_DATAERR, EPERM,
                                                "%s: the hard link \"%s\" points outside the tree (\"%s\"); this is "
                                                "no release tarball, do not use it",
                                                path, name, shown);
                        }
                } else if (type == AE_IFLNK)
                        e->symlink = g_strdup(archive_entry_symlink(ae) ? archive_entry_symlink(ae) : "");
                g_ptr_array_add(entries, e);
                /* Reading the data proves the archive is whole. */
                if (archive_read_data_skip(a) < ARCHIVE_WARN)
                        return corrupt(error, path, a);
        }
        return 0;
}

/* The top directory every entry shares, or "" when there is none. */
static char *shared_top(GPtrArray *entries) {
        g_autofree char *top = NULL;
        bool below = false;
        for (guint i = 0; i < entries->len; i++) {
                const Entry *e = entries->pdata[i];
                if (!*e->path)
                        continue;
                size_t n = strcspn(e->path, "/");
                if (!top)
                        top = g_strndup(e->path, n);
                else if (strlen(top) != n || strncmp(top, e->path, n) != 0)
                        return g_strdup("");
                if (e->path[n] == '/')
                        below = true;
                else if (e->type != AE_IFDIR || e->hardlink)
                        return g_strdup(""); /* a file at the top: no shared directory */
        }
        return top && below ? g_steal_pointer(&top) : g_strdup("");
}

/* `path` without the top directory: NULL for the top itself. */
static const char *strip(const char *path, const char *top) {
        size_t n = strlen(top);
        if (n == 0)
                return *path ? path : NULL;
        if (strncmp(path, top, n) != 0)
                return NULL;
        return path[n] == '/' ? path + n + 1 : NULL;
}

/* The entry's data from the archive to the disk. */
static int copy_data(struct archive *in, struct archive *out) {
        for (;;) {
                const void *buf;
                size_t size;
                la_int64_t offset;
                int r = archive_read_data_block(in, &buf, &size, &offset);
                if (r == ARCHIVE_EOF)
                        return ARCHIVE_OK;
                if (r < ARCHIVE_WARN)
                        return r;
                /* Anything short of OK: libarchive says WARN when a
                 * write came up short (a full disk). */
                if (archive_write_data_block(out, buf, size, offset) != ARCHIVE_OK)
                        return ARCHIVE_FATAL;
        }
}

static int write_failed(GError **error, const char *archive_path, const char *dest, const char *at, struct archive *in,
                        struct archive *out) {
        int e = archive_errno(out);
        if (e == ENOSPC || e == EDQUOT)
                return ovh_fail(error, EX_IOERR, e,
                                "unpacking %s into %s: the disk is full; free space there and install again",
                                archive_path, dest);
        if (archive_errno(in) || !e)
                return corrupt(error, archive_path, in);
        return ovh_fail(error, EX_IOERR, e, "unpacking %s: cannot write %s/%s: %s", archive_path, dest, at,
                        archive_error_string(out) ? archive_error_string(out) : g_strerror(e));
}

static int extract(const char *archive_path, const char *dest, GPtrArray *entries, const char *top, GError **error);

int ctl_unpack(const char *archive_path, const char *dest, GError **error) {
        g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func((GDestroyNotify) entry_free);
        int r = read_entries(archive_path, entries, error);
        if (r < 0)
                return r;
        if (entries->len == 0)
                return ovh_fail(error, EX_DATAERR, EINVAL, "%s: the tarball is empty", archive_path);
        g_autofree char *top = shared_top(entries);

        /* Every link is checked where it will be, after the top is dropped. */
        for (guint i = 0; i < entries->len; i++) {
                const Entry *e = entries->pdata[i];
                const char *at = strip(e->path, top);
                if (e->symlink && (!at || !ctl_unpack_link_inside(at, e->symlink)))
                        return ovh_fail(error, EX_DATAERR, EPERM,
                                        "%s: the symbolic link \"%s\" points outside the tree (\"%s\"); this is no "
                                        "release tarball, do not use it",
                                        archive_path, e->path, e->symlink);
                if (e->hardlink && !strip(e->hardlink, top))
                        return ovh_fail(error, EX_DATAERR, EPERM,
                                        "%s: the hard link \"%s\" points outside the tree (\"%s\")", archive_path,
                                        e->path, e->hardlink);
        }

        /* The second pass writes, with paths relative to dest: libarchive
         * then also refuses to write through a symbolic link. */
        /* Directories the archive does not list get 0755 whatever root's
         * umask is: the account reads the tree. */
        mode_t old_umask = umask(0022);
        r = extract(archive_path, dest, entries, top, error);
        umask(old_umask);
        return r;
}

static int extract(const char *archive_path, const char *dest, GPtrArray *entries, const char *top, GError **error) {
        int r;
        _cleanup_close_ int here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (here < 0 || chdir(dest) < 0)
                return ovh_fail(error, EX_CANTCREAT, errno, "cannot enter %s: %s", dest, g_strerror(errno));
        __attribute__((cleanup(archive_read_cleanup))) struct archive *a = NULL;
        __attribute__((cleanup(archive_write_cleanup))) struct archive *out = archive_write_disk_new();
        archive_write_disk_set_options(out, ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
                                                    ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                                    ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
        r = open_archive(archive_path, &a, error);
        for (guint i = 0; r >= 0; i++) {
                struct archive_entry *ae;
                int ar = archive_read_next_header(a, &ae);
                if (ar == ARCHIVE_EOF)
                        break;
                if (ar < ARCHIVE_WARN || i >= entries->len) {
                        r = corrupt(error, archive_path, a);
                        break;
                }
                const Entry *e = entries->pdata[i];
                const char *at = strip(e->path, top);
                if (!at)
                        continue; /* the top directory itself */
                archive_entry_set_pathname(ae, at);
                if (e->hardlink)
                        archive_entry_set_hardlink(ae, strip(e->hardlink, top));
                archive_entry_set_uid(ae, 0);
                archive_entry_set_gid(ae, 0);
                archive_entry_set_perm(ae, archive_entry_perm(ae) & 0755);
                /* Every entry whole, or the install fails: a WARN here is
                 * a file left short or empty. */
                ar = archive_write_header(out, ae);
                if (ar == ARCHIVE_OK)
                        ar = copy_data(a, out);
                if (ar == ARCHIVE_OK)
                        ar = archive_write_finish_entry(out);
                if (ar != ARCHIVE_OK)
                        r = write_failed(error, archive_path, dest, at, a, out);
        }
        if (fchdir(here) < 0 && r >= 0)
                r = ovh_fail(error, EX_OSERR, errno, "cannot return to the working directory: %s", g_strerror(errno));
        return r;
}

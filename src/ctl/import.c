/* SPDX-License-Identifier: MIT */
#include "import.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "ovh-error.h"
#include "paths.h"
#include "privileges.h"

/* What the container had that means nothing (or harm) here. */
static const struct {
        const char *path;
        const char *why;
} skipped[] = {
        { "custom-cont-init.d", "the container's start-up hooks, which do not run on a host" },
        { "custom-services.d", "the container's extra services, which do not run on a host" },
        { OVH_STATE_SUBDIR "/" OVH_TOKEN_NAME, "the token is openvscodectl's (see token rotate)" },
        { OVH_STATE_SUBDIR "/data/logs", "the old server's logs" },
};

const char *import_kind_name(ImportKind kind) {
        static const char *const names[] = {
                [IMPORT_MKDIR] = "mkdir", [IMPORT_COPY] = "copy",         [IMPORT_SYMLINK] = "link",
                [IMPORT_SAME] = "same",   [IMPORT_CONFLICT] = "conflict", [IMPORT_CLASH] = "clash",
                [IMPORT_SKIP] = "skip",
        };
        return names[kind];
}

static void step_free(gpointer p) {
        ImportStep *s = p;
        g_free(s->path);
        g_free(s);
}

/* A source directory as planned. */
typedef struct {
        dev_t dev;
        ino_t ino;
} SourceId;

void import_plan_clear(ImportPlan *plan) {
        if (plan->steps) {
                ovh_closep(&plan->source_fd);
                ovh_closep(&plan->home_fd);
        }
        g_clear_pointer(&plan->steps, g_ptr_array_unref);
        g_clear_pointer(&plan->source_dirs, g_hash_table_unref);
        g_clear_pointer(&plan->source, g_free);
        g_clear_pointer(&plan->home, g_free);
        memset(plan->counts, 0, sizeof(plan->counts));
        plan->bytes = 0;
}

bool import_source_looks_like_config(const char *source) {
        g_autofree char *workspace = g_build_filename(source, OVH_WORKSPACE_NAME, NULL);
        g_autofree char *state = g_build_filename(source, OVH_STATE_SUBDIR, NULL);
        return g_file_test(workspace, G_FILE_TEST_IS_DIR) || g_file_test(state, G_FILE_TEST_IS_DIR);
}

static void add_step(ImportPlan *plan, ImportKind kind, const char *path, const struct stat *st, const char *why) {
        ImportStep *s = g_new0(ImportStep, 1);
        s->kind = kind;
        s->path = g_strdup(path);
        s->why = why;
        s->mode = st->st_mode;
        s->size = S_ISREG(st->st_mode) ? (guint64) st->st_size : 0;
        s->dev = st->st_dev;
        s->ino = st->st_ino;
        if (kind == IMPORT_COPY || kind == IMPORT_CONFLICT)
                plan->bytes += s->size;
        plan->counts[kind]++;
        g_ptr_array_add(plan->steps, s);
}

static bool same_inode(const struct stat *st, dev_t dev, ino_t ino) {
        return st->st_dev == dev && st->st_ino == ino;
}

/* The source is read with its owner's file-system identity. */
static int as_source_owner(OvhActingAs *scope, const ImportPlan *plan, GError **error) {
        return ovh_acting_as_begin_ids(scope, plan->source_uid, plan->source_gid, error);
}

static int source_changed(const ImportPlan *plan, const char *path, GError **error) {
        return ovh_fail(error, EX_DATAERR, ESTALE,
                        "%s/%s changed while it was imported (replaced, or a symbolic link put in its place); the "
                        "import stopped there: make sure nothing else writes to %s and run import-config again",
                        plan->source, path, plan->source);
}

static int source_unreadable(const ImportPlan *plan, const char *path, int e, GError **error) {
        return ovh_fail(error, EX_NOINPUT, e,
                        "cannot read %s/%s: %s; import-config reads the source as its owner (uid %u), who must be "
                        "able to read every file: fix its mode or move it out of %s",
                        plan->source, path, g_strerror(e), (unsigned) plan->source_uid, plan->source);
}

static int home_changed(const ImportPlan *plan, const char *path, int e, GError **error) {
        return ovh_fail(error, EX_CANTCREAT, e,
                        "%s/%s is no longer the directory the import planned for (%s); the import stopped there: "
                        "make sure nothing else writes to %s and run import-config again",
                        plan->home, path, g_strerror(e), plan->home);
}

/* The text of the symbolic link NAME in DIR_FD (NAME "" for an O_PATH fd
 * of the link itself). */
static char *read_link_at(int dir_fd, const char *name) {
        char buf[PATH_MAX];
        ssize_t n = readlinkat(dir_fd, name, buf, sizeof(buf));
        if (n >= 0 && (size_t) n >= sizeof(buf))
                errno = ENAMETOOLONG;
        if (n < 0 || (size_t) n >= sizeof(buf))
                return NULL;
        return g_strndup(buf, (gsize) n);
}

/* Opens the directory at the absolute, resolved PATH with O_NOFOLLOW on
 * every component. Returns the fd or -errno. */
static int open_directory_nofollow(const char *path) {
        _cleanup_close_ int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        g_auto(GStrv) parts = g_strsplit(path, "/", -1);

        if (fd < 0)
                return -errno;
        for (char **p = parts; *p; p++) {
                if (!**p)
                        continue;
                if (g_str_equal(*p, ".") || g_str_equal(*p, ".."))
                        return -EINVAL;
                int next = openat(fd, *p, (p[1] ? O_PATH : O_RDONLY) | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0)
                        return -errno;
                ovh_closep(&fd);
                fd = next;
        }
        return ovh_steal_fd(&fd);
}

/* Opens REL below ROOT_FD with O_NOFOLLOW on every component; the last
 * with FLAGS. Returns the fd or -errno. */
static int open_below(int root_fd, const char *rel, int flags) {
        g_auto(GStrv) parts = g_strsplit(rel, "/", -1);
        _cleanup_close_ int fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);

        if (fd < 0)
                return -errno;
        for (char **p = parts; *p; p++) {
                if (!**p || g_str_equal(*p, ".") || g_str_equal(*p, ".."))
                        return -EINVAL;
                int next = openat(fd, *p, (p[1] ? O_PATH | O_DIRECTORY : flags) | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0)
                        return -errno;
                ovh_closep(&fd);
                fd = next;
        }
        return ovh_steal_fd(&fd);
}

/* Same bytes? The target NAME is opened below TARGET_DIR without following
 * a symlink, with the account's file-system identity (the caller set it). */
static bool same_file(int source_fd, int target_dir, const char *name, off_t size) {
        _cleanup_close_ int t = openat(target_dir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        if (t < 0)
                return false;
        struct stat st;
        bool same = fstat(t, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == size;
        char a[65536], b[65536];
        off_t offset = 0;
        while (same && offset < size) {
                ssize_t n = pread(source_fd, a, sizeof(a), offset);
                if (n <= 0 || pread(t, b, (size_t) n, offset) != n || memcmp(a, b, (size_t) n) != 0)
                        same = false;
                else
                        offset += n;
        }
        return same;
}

/* g_ptr_array_sort() passes pointers to the elements. */
static gint compare_names(gconstpointer a, gconstpointer b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static const char *skip_reason(const char *path) {
        for (size_t i = 0; i < G_N_ELEMENTS(skipped); i++)
                if (g_str_equal(path, skipped[i].path))
                        return skipped[i].why;
        return NULL;
}

/* The names in the directory SOURCE_DIR, sorted; read as the owner. */
static int list_names(const ImportPlan *plan, int source_dir, const char *rel, GPtrArray *names, GError **error) {
        /* A description of its own: readdir() moves the offset. */
        int fd = openat(source_dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
                int e = errno;
                ovh_closep(&fd);
                return source_unreadable(plan, rel ? rel : ".", e, error);
        }
        for (struct dirent *de; (de = readdir(d));)
                if (!g_str_equal(de->d_name, ".") && !g_str_equal(de->d_name, ".."))
                        g_ptr_array_add(names, g_strdup(de->d_name));
        closedir(d);
        g_ptr_array_sort(names, compare_names);
        return 0;
}

/* Plans the directory REL (NULL: the root) of the source, open as
 * SOURCE_DIR, against the home's, open as TARGET_DIR (-1: not there). */
static int plan_dir(ImportPlan *plan, const OvhAccount *account, int source_dir, int target_dir, const char *rel,
                    GError **error) {
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        int r;

        {
                g_auto(OvhActingAs) as_owner = OVH_ACTING_AS_INIT;
                r = as_source_owner(&as_owner, plan, error);
                if (r < 0)
                        return r;
                r = list_names(plan, source_dir, rel, names, error);
                if (r < 0)
                        return r;
        }

        for (guint i = 0; i < names->len; i++) {
                const char *name = names->pdata[i];
                g_autofree char *path = rel ? g_build_filename(rel, name, NULL) : g_strdup(name);
                g_autofree char *link = NULL;
                _cleanup_close_ int file = -1, source_child = -1, target_child = -1;
                struct stat st, now, tt;
                const char *why = skip_reason(path);

                {
                        g_auto(OvhActingAs) as_owner = OVH_ACTING_AS_INIT;
                        r = as_source_owner(&as_owner, plan, error);
                        if (r < 0)
                                return r;
                        if (fstatat(source_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                                return errno == ENOENT ? source_changed(plan, path, error)
                                                       : source_unreadable(plan, path, errno, error);
                        if (why) {
                                add_step(plan, IMPORT_SKIP, path, &st, why);
                                continue;
                        }
                        if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
                                /* Opened now: what the owner cannot read fails
                                 * the plan, before anything is written. */
                                int fd = openat(source_dir, name,
                                                (S_ISDIR(st.st_mode) ? O_DIRECTORY : O_NONBLOCK | O_NOCTTY) | O_RDONLY |
                                                        O_NOFOLLOW | O_CLOEXEC);
                                if (fd < 0)
                                        return errno == ENOENT || errno == ELOOP || errno == ENOTDIR
                                                       ? source_changed(plan, path, error)
                                                       : source_unreadable(plan, path, errno, error);
                                if (S_ISDIR(st.st_mode))
                                        source_child = fd;
                                else
                                        file = fd;
                                if (fstat(fd, &now) < 0 || ((now.st_mode ^ st.st_mode) & S_IFMT) ||
                                    !same_inode(&now, st.st_dev, st.st_ino))
                                        return source_changed(plan, path, error);
                        } else if (S_ISLNK(st.st_mode)) {
                                link = read_link_at(source_dir, name);
                                if (!link)
                                        return source_unreadable(plan, path, errno, error);
                        } else {
                                add_step(plan, IMPORT_SKIP, path, &st, "not a file, directory or symbolic link");
                                continue;
                        }
                }

                g_auto(OvhActingAs) as_account = OVH_ACTING_AS_INIT;
                r = ovh_acting_as_begin(&as_account, account, error);
                if (r < 0)
                        return r;
                bool exists = target_dir >= 0 && fstatat(target_dir, name, &tt, AT_SYMLINK_NOFOLLOW) == 0;
                ImportKind kind;
                if (S_ISDIR(st.st_mode)) {
                        kind = !exists ? IMPORT_MKDIR : S_ISDIR(tt.st_mode) ? IMPORT_SAME : IMPORT_CLASH;
                } else if (!exists) {
                        kind = S_ISLNK(st.st_mode) ? IMPORT_SYMLINK : IMPORT_COPY;
                } else if (S_ISDIR(tt.st_mode)) {
                        kind = IMPORT_CLASH;
                } else if (S_ISLNK(st.st_mode)) {
                        g_autofree char *there = S_ISLNK(tt.st_mode) ? read_link_at(target_dir, name) : NULL;
                        kind = there && g_str_equal(link, there) ? IMPORT_SAME : IMPORT_CONFLICT;
                } else {
                        kind = same_file(file, target_dir, name, st.st_size) ? IMPORT_SAME : IMPORT_CONFLICT;
                }
                if (S_ISDIR(st.st_mode) && kind == IMPORT_SAME) {
                        target_child = openat(target_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (target_child < 0)
                                return home_changed(plan, path, errno, error);
                }
                ovh_acting_as_end(&as_account);

                if (S_ISDIR(st.st_mode) && kind == IMPORT_SAME) {
                        /* An existing directory is merged into: no step of
                         * its own, only its contents. */
                } else {
                        add_step(plan, kind, path, &st, NULL);
                }
                if (S_ISDIR(st.st_mode) && kind != IMPORT_CLASH) {
                        SourceId *id = g_new(SourceId, 1);
                        *id = (SourceId){ .dev = st.st_dev, .ino = st.st_ino };
                        g_hash_table_insert(plan->source_dirs, g_strdup(path), id);
                        r = plan_dir(plan, account, source_child, target_child, path, error);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int import_plan(const char *source, const OvhAccount *account, ImportPlan *plan, GError **error) {
        struct stat st;
        int r;

        import_plan_clear(plan);
        plan->source_fd = plan->home_fd = -1;
        plan->steps = g_ptr_array_new_with_free_func(step_free);
        plan->source_dirs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        plan->source = realpath(source, NULL);
        if (!plan->source)
                return ovh_fail(error, EX_NOINPUT, errno, "cannot read %s: %s", source, g_strerror(errno));
        /* Opened as root: the owner is known only then. */
        r = open_directory_nofollow(plan->source);
        if (r < 0 || fstat(r, &st) < 0)
                return ovh_fail(error, EX_NOINPUT, -r, "cannot read %s: %s; give the directory itself, not a link",
                                plan->source, g_strerror(-r));
        plan->source_fd = r;
        plan->source_uid = st.st_uid;
        plan->source_gid = st.st_gid;

        {
                g_auto(OvhActingAs) as_account = OVH_ACTING_AS_INIT;
                r = ovh_acting_as_begin(&as_account, account, error);
                if (r < 0)
                        return r;
                plan->home = realpath(account->home, NULL);
                r = plan->home ? open_directory_nofollow(plan->home) : -errno;
                if (r < 0)
                        return ovh_fail(error, EX_CANTCREAT, -r, "cannot open the home %s of %s: %s", account->home,
                                        account->name, g_strerror(-r));
                plan->home_fd = r;
        }
        return plan_dir(plan, account, plan->source_fd, plan->home_fd, NULL, error);
}

/* One directory of a tree, open while consecutive steps are in it. */
typedef struct {
        char *path; /* relative, "" for the root */
        int fd;
} DirCursor;
#define DIR_CURSOR_INIT ((DirCursor){ .path = NULL, .fd = -1 })

static void dir_cursor_clear(DirCursor *c) {
        g_clear_pointer(&c->path, g_free);
        ovh_closep(&c->fd);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(DirCursor, dir_cursor_clear)

/* The source directory DIR, walked from the root with O_NOFOLLOW, each
 * component checked against the plan. Read as the owner (the caller). */
static int walk_source(const ImportPlan *plan, DirCursor *c, const char *dir, GError **error) {
        if (c->path && g_str_equal(c->path, dir))
                return c->fd;
        dir_cursor_clear(c);
        _cleanup_close_ int fd = fcntl(plan->source_fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return source_unreadable(plan, ".", errno, error);
        g_autoptr(GString) walked = g_string_new(NULL);
        g_auto(GStrv) parts = g_strsplit(dir, "/", -1);
        for (char **p = parts; *dir && *p; p++) {
                g_string_append_printf(walked, "%s%s", walked->len ? "/" : "", *p);
                const SourceId *want = g_hash_table_lookup(plan->source_dirs, walked->str);
                _cleanup_close_ int next = openat(fd, *p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                struct stat st;
                if (next < 0 && errno != ENOENT && errno != ELOOP && errno != ENOTDIR)
                        return source_unreadable(plan, walked->str, errno, error);
                if (next < 0 || !want || fstat(next, &st) < 0 || !S_ISDIR(st.st_mode) ||
                    !same_inode(&st, want->dev, want->ino))
                        return source_changed(plan, walked->str, error);
                ovh_closep(&fd);
                fd = ovh_steal_fd(&next);
        }
        c->path = g_strdup(dir);
        c->fd = ovh_steal_fd(&fd);
        return c->fd;
}

/* The home's directory DIR, walked from the home with O_NOFOLLOW, as the
 * account (the caller). */
static int walk_home(const ImportPlan *plan, DirCursor *c, const char *dir, GError **error) {
        if (c->path && g_str_equal(c->path, dir))
                return c->fd;
        dir_cursor_clear(c);
        int fd = *dir ? open_below(plan->home_fd, dir, O_PATH | O_DIRECTORY) : fcntl(plan->home_fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return home_changed(plan, dir, *dir ? -fd : errno, error);
        c->path = g_strdup(dir);
        c->fd = fd;
        return fd;
}

/* A new empty file in DIR_FD, 0600, for a rename over the target. */
static int create_temporary(int dir_fd, char **ret_name) {
        for (int attempt = 0; attempt < 100; attempt++) {
                g_autofree char *name = g_strdup_printf(".openvscodectl-%08x", g_random_int());
                int fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (fd >= 0) {
                        *ret_name = g_steal_pointer(&name);
                        return fd;
                }
                if (errno != EEXIST)
                        return -errno;
        }
        return -EEXIST;
}

/* Copies IN into NAME of DIR_FD: a temporary file next to it (no setuid,
 * setgid or sticky bits from another system), renamed over it. As the
 * account (the caller). Hand-written, not g_file_set_contents_full(): it
 * streams any size, works below a directory fd and sets the times. */
static int copy_into(const ImportPlan *plan, int in, int dir_fd, const ImportStep *s, GError **error) {
        const char *name = strrchr(s->path, '/') ? strrchr(s->path, '/') + 1 : s->path;
        g_autofree char *tmp = NULL;
        struct stat st;
        int e = 0;

        _cleanup_close_ int out = create_temporary(dir_fd, &tmp);
        if (out < 0)
                return ovh_fail(error, out == -ENOSPC ? EX_CANTCREAT : EX_IOERR, -out, "cannot write %s/%s: %s",
                                plan->home, s->path, g_strerror(-out));
        char buf[65536];
        for (;;) {
                ssize_t n = read(in, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 || (n > 0 && write(out, buf, (size_t) n) != n)) {
                        e = errno ? errno : EIO;
                        break;
                }
                if (n == 0)
                        break;
        }
        if (!e && fstat(in, &st) == 0) {
                struct timespec times[2] = { st.st_atim, st.st_mtim };
                (void) futimens(out, times);
        }
        if (!e && (fchmod(out, s->mode & 0777) < 0 || close(ovh_steal_fd(&out)) < 0 ||
                   renameat(dir_fd, tmp, dir_fd, name) < 0))
                e = errno;
        if (e) {
                (void) unlinkat(dir_fd, tmp, 0);
                return ovh_fail(error, e == ENOSPC ? EX_CANTCREAT : EX_IOERR, e, "cannot write %s/%s: %s", plan->home,
                                s->path, g_strerror(e));
        }
        return 0;
}

/* Re-opens the planned source entry of S below SOURCE_DIR, as the owner
 * (the caller): a file for reading, anything else as O_PATH (a link is
 * read through it, a directory only checked). Anything but the planned
 * inode fails. */
static int reopen_source(const ImportPlan *plan, int source_dir, const ImportStep *s, GError **error) {
        const char *name = strrchr(s->path, '/') ? strrchr(s->path, '/') + 1 : s->path;
        int flags = S_ISREG(s->mode) ? O_RDONLY | O_NONBLOCK | O_NOCTTY : O_PATH;
        struct stat st;

        _cleanup_close_ int fd = openat(source_dir, name, flags | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT || errno == ELOOP ? source_changed(plan, s->path, error)
                                                         : source_unreadable(plan, s->path, errno, error);
        if (fstat(fd, &st) < 0)
                return source_unreadable(plan, s->path, errno, error);
        if (((st.st_mode ^ s->mode) & S_IFMT) || !same_inode(&st, s->dev, s->ino))
                return source_changed(plan, s->path, error);
        return ovh_steal_fd(&fd);
}

int import_apply(const ImportPlan *plan, const OvhAccount *account, bool force, guint *ret_written, GError **error) {
        g_auto(DirCursor) source_dir = DIR_CURSOR_INIT;
        g_auto(DirCursor) home_dir = DIR_CURSOR_INIT;
        guint written = 0;
        int r;

        *ret_written = 0;
        for (guint i = 0; i < plan->steps->len; i++) {
                const ImportStep *s = plan->steps->pdata[i];
                const char *slash = strrchr(s->path, '/');
                const char *name = slash ? slash + 1 : s->path;
                g_autofree char *dir = slash ? g_strndup(s->path, (gsize) (slash - s->path)) : g_strdup("");
                g_autofree char *link = NULL;
                _cleanup_close_ int in = -1;

                switch (s->kind) {
                case IMPORT_SAME:
                case IMPORT_SKIP:
                case IMPORT_CLASH:
                        continue;
                case IMPORT_CONFLICT:
                        if (!force)
                                continue;
                        break;
                default:
                        break;
                }

                {
                        g_auto(OvhActingAs) as_owner = OVH_ACTING_AS_INIT;
                        r = as_source_owner(&as_owner, plan, error);
                        if (r < 0)
                                return r;
                        int parent = walk_source(plan, &source_dir, dir, error);
                        if (parent < 0)
                                return parent;
                        in = reopen_source(plan, parent, s, error);
                        if (in < 0)
                                return in;
                        if (S_ISLNK(s->mode) && !(link = read_link_at(in, "")))
                                return source_unreadable(plan, s->path, errno, error);
                }

                g_auto(OvhActingAs) as_account = OVH_ACTING_AS_INIT;
                r = ovh_acting_as_begin(&as_account, account, error);
                if (r < 0)
                        return r;
                int target = walk_home(plan, &home_dir, dir, error);
                if (target < 0)
                        return target;
                if (S_ISREG(s->mode)) {
                        r = copy_into(plan, in, target, s, error);
                        if (r < 0)
                                return r;
                } else if (S_ISDIR(s->mode)) {
                        if (mkdirat(target, name, (s->mode & 0777) | 0700) < 0 && errno != EEXIST)
                                return ovh_fail(error, EX_CANTCREAT, errno, "cannot create %s/%s: %s", plan->home,
                                                s->path, g_strerror(errno));
                } else if (S_ISLNK(s->mode)) {
                        int e = 0;
                        if (s->kind == IMPORT_CONFLICT && unlinkat(target, name, 0) < 0 && errno != ENOENT)
                                e = errno;
                        if (!e && symlinkat(link, target, name) < 0)
                                e = errno;
                        if (e)
                                return ovh_fail(error, EX_CANTCREAT, e, "cannot create the link %s/%s: %s", plan->home,
                                                s->path, g_strerror(e));
                }
                written++;
        }
        *ret_written = written;
        return 0;
}

/* The values of every "KEY":"VALUE" (plain strings only) in a JSON text. */
static GPtrArray *json_string_values(const char *json, const char *key) {
        g_autofree char *member = g_strdup_printf("\"%s\":\"", key);
        GPtrArray *values = g_ptr_array_new_with_free_func(g_free);
        for (const char *p = json; (p = strstr(p, member));) {
                p += strlen(member);
                size_t n = strcspn(p, "\"\\");
                if (p[n] == '"')
                        g_ptr_array_add(values, g_strndup(p, n));
                p += n;
        }
        return values;
}

/* The contents of REL below ROOT_FD, opened without following a symbolic
 * link; NULL when it cannot be read. The caller sets the identity. */
static char *read_below(int root_fd, const char *rel) {
        _cleanup_close_ int fd = open_below(root_fd, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > 64 * 1024 * 1024)
                return NULL;
        g_autoptr(GString) text = g_string_sized_new((gsize) st.st_size + 1);
        char buf[65536];
        for (ssize_t n; (n = read(fd, buf, sizeof(buf))) != 0;) {
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return NULL;
                g_string_append_len(text, buf, n);
        }
        return g_string_free(g_steal_pointer(&text), FALSE);
}

/* Replaces (or, with CONTENT NULL, removes) NAME in DIR_FD; as the account. */
static int replace_at(const ImportPlan *plan, int dir_fd, const char *name, const char *content, GError **error) {
        g_autofree char *target = g_build_filename(plan->home, OVH_STATE_SUBDIR, "extensions", name, NULL);
        g_autofree char *tmp = NULL;
        int e = 0;

        if (!content) {
                if (unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT)
                        return ovh_fail(error, EX_CANTCREAT, errno, "cannot remove %s: %s", target, g_strerror(errno));
                return 0;
        }
        _cleanup_close_ int out = create_temporary(dir_fd, &tmp);
        if (out < 0)
                return ovh_fail(error, EX_CANTCREAT, -out, "cannot write %s: %s", target, g_strerror(-out));
        size_t n = strlen(content);
        if (write(out, content, n) != (ssize_t) n || fchmod(out, 0644) < 0 || fsync(out) < 0 ||
            close(ovh_steal_fd(&out)) < 0 || renameat(dir_fd, tmp, dir_fd, name) < 0)
                e = errno ? errno : EIO;
        if (e) {
                (void) unlinkat(dir_fd, tmp, 0);
                return ovh_fail(error, EX_CANTCREAT, e, "cannot write %s: %s", target, g_strerror(e));
        }
        return 0;
}

int import_unmark_obsolete(const ImportPlan *plan, const OvhAccount *account, guint *ret_unmarked, GError **error) {
        g_autofree char *manifest = NULL;
        g_autofree char *obsolete = NULL;
        _cleanup_close_ int extensions_dir = -1;
        int r;

        *ret_unmarked = 0;
        {
                g_auto(OvhActingAs) as_owner = OVH_ACTING_AS_INIT;
                r = as_source_owner(&as_owner, plan, error);
                if (r < 0)
                        return r;
                manifest = read_below(plan->source_fd, OVH_STATE_SUBDIR "/extensions/extensions.json");
        }
        if (!manifest)
                return 0;
        g_autoptr(GPtrArray) installed = json_string_values(manifest, "relativeLocation");

        /* The list is the account's: read and written as the account. */
        g_auto(OvhActingAs) as_account = OVH_ACTING_AS_INIT;
        r = ovh_acting_as_begin(&as_account, account, error);
        if (r < 0)
                return r;
        extensions_dir = open_below(plan->home_fd, OVH_STATE_SUBDIR "/extensions", O_PATH | O_DIRECTORY);
        if (extensions_dir < 0 || installed->len == 0)
                return 0;
        obsolete = read_below(extensions_dir, ".obsolete");
        if (!obsolete)
                return 0;

        /* {"publisher.name-1.0.0":true,...}, as JSON.stringify writes it. */
        GString *kept = g_string_new("{");
        const char *p = obsolete;
        while (*p == ' ' || *p == '\n')
                p++;
        bool shaped = *p == '{';
        for (p = shaped ? p + 1 : p; shaped && *p && *p != '}';) {
                if (*p == ',' || *p == ' ' || *p == '\n') {
                        p++;
                        continue;
                }
                size_t n = *p == '"' ? strcspn(p + 1, "\"\\") : 0;
                if (*p != '"' || p[1 + n] != '"' || p[2 + n] != ':') {
                        shaped = false;
                        break;
                }
                g_autofree char *name = g_strndup(p + 1, n);
                const char *value = p + 3 + n;
                size_t m = strcspn(value, ",}");
                bool drop = false;
                for (guint i = 0; i < installed->len && !drop; i++)
                        drop = g_str_equal(installed->pdata[i], name);
                if (drop)
                        (*ret_unmarked)++;
                else
                        g_string_append_printf(kept, "%s\"%s\":%.*s", kept->len > 1 ? "," : "", name, (int) m, value);
                p = value + m;
        }
        g_string_append_c(kept, '}');
        g_autofree char *text = g_string_free(kept, FALSE);

        if (!shaped) {
                /* Not what VS Code writes: without the list it keeps every
                 * extension the manifest names, which is the safe side. */
                r = replace_at(plan, extensions_dir, ".obsolete", NULL, error);
                *ret_unmarked = 1;
        } else if (*ret_unmarked > 0) {
                r = replace_at(plan, extensions_dir, ".obsolete", g_str_equal(text, "{}") ? NULL : text, error);
        }
        return r < 0 ? r : 0;
}

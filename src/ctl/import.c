/* SPDX-License-Identifier: MIT */
#include "import.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
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

void import_plan_clear(ImportPlan *plan) {
        g_clear_pointer(&plan->steps, g_ptr_array_unref);
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
        s->mode = st ? st->st_mode : 0;
        s->size = st && S_ISREG(st->st_mode) ? (guint64) st->st_size : 0;
        if (kind == IMPORT_COPY || kind == IMPORT_CONFLICT)
                plan->bytes += s->size;
        plan->counts[kind]++;
        g_ptr_array_add(plan->steps, s);
}

/* Same bytes? Both opened without following a final symlink; the target
 * is read with the account's file-system identity (the caller set it). */
static bool same_file(int source_fd, const char *target, off_t size) {
        _cleanup_close_ int t = open(target, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
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

static int plan_dir(const char *source_root, const char *home, const char *rel, const OvhAccount *account,
                    ImportPlan *plan, GError **error) {
        g_autofree char *dir_path = rel ? g_build_filename(source_root, rel, NULL) : g_strdup(source_root);
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        int r;

        DIR *d = opendir(dir_path);
        if (!d)
                return ovh_fail(error, EX_NOINPUT, errno, "cannot read %s: %s", dir_path, g_strerror(errno));
        for (struct dirent *de; (de = readdir(d));)
                if (!g_str_equal(de->d_name, ".") && !g_str_equal(de->d_name, ".."))
                        g_ptr_array_add(names, g_strdup(de->d_name));
        closedir(d);
        g_ptr_array_sort(names, compare_names);

        for (guint i = 0; i < names->len; i++) {
                const char *name = names->pdata[i];
                g_autofree char *path = rel ? g_build_filename(rel, name, NULL) : g_strdup(name);
                g_autofree char *source = g_build_filename(source_root, path, NULL);
                g_autofree char *target = g_build_filename(home, path, NULL);
                struct stat st, tt;
                const char *why = skip_reason(path);

                if (lstat(source, &st) < 0)
                        return ovh_fail(error, EX_NOINPUT, errno, "cannot read %s: %s", source, g_strerror(errno));
                if (why) {
                        add_step(plan, IMPORT_SKIP, path, &st, why);
                        continue;
                }
                if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
                        add_step(plan, IMPORT_SKIP, path, &st, "not a file, directory or symbolic link");
                        continue;
                }

                g_auto(OvhActingAs) as_account = OVH_ACTING_AS_INIT;
                r = ovh_acting_as_begin(&as_account, account, error);
                if (r < 0)
                        return r;
                bool exists = lstat(target, &tt) == 0;
                ImportKind kind;
                if (S_ISDIR(st.st_mode)) {
                        kind = !exists ? IMPORT_MKDIR : S_ISDIR(tt.st_mode) ? IMPORT_SAME : IMPORT_CLASH;
                } else if (!exists) {
                        kind = S_ISLNK(st.st_mode) ? IMPORT_SYMLINK : IMPORT_COPY;
                } else if (S_ISDIR(tt.st_mode)) {
                        kind = IMPORT_CLASH;
                } else if (S_ISLNK(st.st_mode)) {
                        g_autofree char *a = g_file_read_link(source, NULL);
                        g_autofree char *b = S_ISLNK(tt.st_mode) ? g_file_read_link(target, NULL) : NULL;
                        kind = a && b && g_str_equal(a, b) ? IMPORT_SAME : IMPORT_CONFLICT;
                } else {
                        /* The source is read as the caller (it may be another
                         * uid's, as the container's abc was). */
                        ovh_acting_as_end(&as_account);
                        _cleanup_close_ int fd = open(source, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
                        r = ovh_acting_as_begin(&as_account, account, error);
                        if (r < 0)
                                return r;
                        kind = fd >= 0 && same_file(fd, target, st.st_size) ? IMPORT_SAME : IMPORT_CONFLICT;
                }
                ovh_acting_as_end(&as_account);

                if (S_ISDIR(st.st_mode) && kind == IMPORT_SAME) {
                        /* An existing directory is merged into: no step of
                         * its own, only its contents. */
                } else {
                        add_step(plan, kind, path, &st, NULL);
                }
                if (S_ISDIR(st.st_mode) && kind != IMPORT_CLASH) {
                        r = plan_dir(source_root, home, path, account, plan, error);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int import_plan(const char *source, const OvhAccount *account, ImportPlan *plan, GError **error) {
        plan->steps = g_ptr_array_new_with_free_func(step_free);
        return plan_dir(source, account->home, NULL, account, plan, error);
}

/* Copies one file: opened as the caller, written as the account into a
 * temporary file next to the target, then renamed over it. Hand-written,
 * not g_file_set_contents_full(): it streams any size and sets the times. */
static int copy_file(const char *source, const char *target, const ImportStep *s, const OvhAccount *account,
                     GError **error) {
        g_autofree char *dir = g_path_get_dirname(target);
        g_autofree char *base = g_path_get_basename(target);
        g_autofree char *tmp = g_strdup_printf("%s/.%s.openvscodectl-XXXXXX", dir, base);
        g_auto(OvhActingAs) as_account = OVH_ACTING_AS_INIT;
        _cleanup_close_ int in = -1, out = -1;
        struct stat st;
        int r, e = 0;

        in = open(source, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (in < 0 || fstat(in, &st) < 0)
                return ovh_fail(error, EX_NOINPUT, errno, "cannot read %s: %s", source, g_strerror(errno));
        r = ovh_acting_as_begin(&as_account, account, error);
        if (r < 0)
                return r;
        /* No setuid, setgid or sticky bits from another system. */
        out = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0600);
        if (out < 0)
                return ovh_fail(error, errno == ENOSPC ? EX_CANTCREAT : EX_IOERR, errno, "cannot write %s: %s", target,
                                g_strerror(errno));
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
        if (!e) {
                struct timespec times[2] = { st.st_atim, st.st_mtim };
                (void) futimens(out, times);
                if (fchmod(out, s->mode & 0777) < 0 || close(ovh_steal_fd(&out)) < 0 || rename(tmp, target) < 0)
                        e = errno;
        }
        if (e) {
                (void) unlink(tmp);
                return ovh_fail(error, e == ENOSPC ? EX_CANTCREAT : EX_IOERR, e, "cannot write %s: %s", target,
                                g_strerror(e));
        }
        return 0;
}

int import_apply(const char *source_root, const OvhAccount *account, const ImportPlan *plan, bool force,
                 guint *ret_written, GError **error) {
        guint written = 0;
        int r;

        for (guint i = 0; i < plan->steps->len; i++) {
                const ImportStep *s = plan->steps->pdata[i];
                g_autofree char *source = g_build_filename(source_root, s->path, NULL);
                g_autofree char *target = g_build_filename(account->home, s->path, NULL);

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
                if (S_ISREG(s->mode)) {
                        r = copy_file(source, target, s, account, error);
                        if (r < 0)
                                return r;
                } else if (S_ISDIR(s->mode)) {
                        g_auto(OvhActingAs) as_account = OVH_ACTING_AS_INIT;
                        r = ovh_acting_as_begin(&as_account, account, error);
                        if (r < 0)
                                return r;
                        if (mkdir(target, (s->mode & 0777) | 0700) < 0 && errno != EEXIST)
                                return ovh_fail(error, EX_CANTCREAT, errno, "cannot create %s: %s", target,
                                                g_strerror(errno));
                } else if (S_ISLNK(s->mode)) {
                        g_autoptr(GError) link_error = NULL;
                        g_autofree char *link = g_file_read_link(source, &link_error);
                        if (!link)
                                return ovh_fail(error, EX_NOINPUT, EIO, "cannot read the link %s: %s", source,
                                                link_error->message);
                        g_auto(OvhActingAs) as_account = OVH_ACTING_AS_INIT;
                        r = ovh_acting_as_begin(&as_account, account, error);
                        if (r < 0)
                                return r;
                        int e = 0;
                        if (s->kind == IMPORT_CONFLICT && unlink(target) < 0 && errno != ENOENT)
                                e = errno;
                        if (!e && symlink(link, target) < 0)
                                e = errno;
                        if (e)
                                return ovh_fail(error, EX_CANTCREAT, e, "cannot create the link %s: %s", target,
                                                g_strerror(e));
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

int import_unmark_obsolete(const char *source_root, const OvhAccount *account, guint *ret_unmarked, GError **error) {
        g_autofree char *manifest_path =
                g_build_filename(source_root, OVH_STATE_SUBDIR, "extensions", "extensions.json", NULL);
        g_autofree char *obsolete_path =
                g_build_filename(account->home, OVH_STATE_SUBDIR, "extensions", ".obsolete", NULL);
        g_autofree char *manifest = NULL;
        g_autofree char *obsolete = NULL;
        int r;

        *ret_unmarked = 0;
        /* The source's manifest is read as the caller (the container's
         * files may be another uid's); the home's .obsolete is the
         * account's: read and written as the account. */
        if (!g_file_get_contents(manifest_path, &manifest, NULL, NULL))
                return 0;
        g_autoptr(GPtrArray) installed = json_string_values(manifest, "relativeLocation");
        g_auto(OvhActingAs) as_account = OVH_ACTING_AS_INIT;
        r = ovh_acting_as_begin(&as_account, account, error);
        if (r < 0)
                return r;
        if (!g_file_get_contents(obsolete_path, &obsolete, NULL, NULL) || installed->len == 0)
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
                r = ovh_file_remove(obsolete_path, error);
                *ret_unmarked = 1;
        } else if (*ret_unmarked > 0) {
                r = g_str_equal(text, "{}") ? ovh_file_remove(obsolete_path, error)
                                            : ovh_file_replace(obsolete_path, text, 0644, error);
        }
        return r < 0 ? r : 0;
}

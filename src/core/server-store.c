/* SPDX-License-Identifier: MIT */
#include "server-store.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "ovh-error.h"
#include "paths.h"

void ovh_stored_server_free(OvhStoredServer *s) {
        if (!s)
                return;
        g_free(s->name);
        g_free(s->release);
        g_free(s->version);
        g_free(s->arch);
        g_free(s->source);
        g_free(s->sha256);
        g_free(s);
}

char *ovh_store_entry_name(OvhServerKind kind, const char *release, const char *arch) {
        return g_strdup_printf("%s-%s-%s", ovh_server_kind_name(kind), release, arch);
}

#define META_GROUP "Server"

char *ovh_store_meta_text(const OvhStoredServer *s) {
        g_autoptr(GKeyFile) k = g_key_file_new();
        g_key_file_set_string(k, META_GROUP, "Kind", ovh_server_kind_name(s->kind));
        g_key_file_set_string(k, META_GROUP, "Release", s->release);
        g_key_file_set_string(k, META_GROUP, "Version", s->version);
        g_key_file_set_string(k, META_GROUP, "Arch", s->arch);
        g_key_file_set_string(k, META_GROUP, "Source", s->source ? s->source : "");
        g_key_file_set_string(k, META_GROUP, "Sha256", s->sha256 ? s->sha256 : "");
        g_key_file_set_int64(k, META_GROUP, "Installed", s->installed);
        return g_key_file_to_data(k, NULL, NULL);
}

int ovh_store_meta_parse(const char *text, OvhStoredServer *ret) {
        g_autoptr(GKeyFile) k = g_key_file_new();
        if (!g_key_file_load_from_data(k, text, (gsize) -1, G_KEY_FILE_NONE, NULL))
                return -EINVAL;
        g_autofree char *kind = g_key_file_get_string(k, META_GROUP, "Kind", NULL);
        if (ovh_server_kind_from_name(kind, &ret->kind) < 0)
                return -EINVAL;
        ret->release = g_key_file_get_string(k, META_GROUP, "Release", NULL);
        ret->version = g_key_file_get_string(k, META_GROUP, "Version", NULL);
        ret->arch = g_key_file_get_string(k, META_GROUP, "Arch", NULL);
        ret->source = g_key_file_get_string(k, META_GROUP, "Source", NULL);
        ret->sha256 = g_key_file_get_string(k, META_GROUP, "Sha256", NULL);
        ret->installed = g_key_file_get_int64(k, META_GROUP, "Installed", NULL);
        if (!ret->release || !ret->version || !ret->arch)
                return -EINVAL;
        return 0;
}

char *ovh_store_link(const char *dir, const char *link) {
        g_autofree char *path = g_build_filename(dir, link, NULL);
        g_autofree char *target = g_file_read_link(path, NULL);
        /* Entries are names in the store, never paths. */
        if (!target || !*target || strchr(target, '/') || target[0] == '.')
                return NULL;
        return g_steal_pointer(&target);
}

static gint newest_first(gconstpointer a, gconstpointer b) {
        const OvhStoredServer *x = *(OvhStoredServer *const *) a, *y = *(OvhStoredServer *const *) b;
        if (x->installed != y->installed)
                return x->installed > y->installed ? -1 : 1;
        return strcmp(x->name, y->name);
}

int ovh_store_list(const char *dir, GPtrArray **ret, GError **error) {
        g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func((GDestroyNotify) ovh_stored_server_free);
        g_autoptr(GError) e = NULL;
        g_autoptr(GDir) d = g_dir_open(dir, 0, &e);

        if (!d) {
                if (g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
                        *ret = g_steal_pointer(&list);
                        return 0;
                }
                return ovh_fail(error, EX_IOERR, EIO, "cannot read the installed servers in %s: %s", dir, e->message);
        }
        g_autofree char *current = ovh_store_link(dir, OVH_STORE_CURRENT);
        g_autofree char *previous = ovh_store_link(dir, OVH_STORE_PREVIOUS);
        for (const char *name; (name = g_dir_read_name(d));) {
                if (name[0] == '.' || g_str_equal(name, OVH_STORE_CURRENT) || g_str_equal(name, OVH_STORE_PREVIOUS))
                        continue;
                g_autofree char *meta = g_build_filename(dir, name, OVH_STORE_META_NAME, NULL);
                g_autofree char *text = NULL;
                struct stat st;
                g_autofree char *path = g_build_filename(dir, name, NULL);
                if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) || !g_file_get_contents(meta, &text, NULL, NULL))
                        continue;
                g_autoptr(OvhStoredServer) s = g_new0(OvhStoredServer, 1);
                if (ovh_store_meta_parse(text, s) < 0)
                        continue;
                s->name = g_strdup(name);
                s->current = current && g_str_equal(current, name);
                s->previous = previous && g_str_equal(previous, name);
                g_ptr_array_add(list, g_steal_pointer(&s));
        }
        g_ptr_array_sort(list, newest_first);
        *ret = g_steal_pointer(&list);
        return 0;
}

int ovh_store_set_link(const char *dir, const char *link, const char *entry, GError **error) {
        g_autofree char *path = g_build_filename(dir, link, NULL);
        g_autofree char *tmp = g_strdup_printf("%s/.%s.%d", dir, link, (int) getpid());

        (void) unlink(tmp);
        if (symlink(entry, tmp) < 0 || rename(tmp, path) < 0) {
                int e = errno;
                (void) unlink(tmp);
                return ovh_fail(error, EX_CANTCREAT, e, "cannot point %s at %s: %s", path, entry, g_strerror(e));
        }
        ovh_fsync_directory(dir);
        return 0;
}

const OvhStoredServer *ovh_store_find(GPtrArray *entries, const char *wanted, const char *arch, GError **error) {
        const OvhStoredServer *found = NULL;
        unsigned matches = 0;
        g_autoptr(GString) names = g_string_new(NULL);

        for (guint i = 0; i < entries->len; i++) {
                const OvhStoredServer *s = entries->pdata[i];
                g_string_append_printf(names, "%s%s", names->len ? ", " : "", s->name);
                if (g_str_equal(s->name, wanted))
                        return s;
        }
        for (guint i = 0; i < entries->len; i++) {
                const OvhStoredServer *s = entries->pdata[i];
                if (arch && !g_str_equal(s->arch, arch))
                        continue;
                if (g_str_equal(s->release, wanted) || g_str_equal(s->version, wanted)) {
                        found = s;
                        matches++;
                }
        }
        if (matches == 1)
                return found;
        if (matches > 1)
                ovh_fail(error, EX_USAGE, EINVAL,
                         "\"%s\" names more than one installed server (%s); give its full name", wanted, names->str);
        else
                ovh_fail(error, EX_NOINPUT, ENOENT,
                         "no installed server is \"%s\"; installed: %s (openvscodectl server list)", wanted,
                         names->len ? names->str : "none");
        return NULL;
}

GPtrArray *ovh_store_prunable(GPtrArray *entries, unsigned keep) {
        GPtrArray *out = g_ptr_array_new();
        unsigned kept = 0;

        /* entries are newest first: keep the first `keep` others. */
        for (guint i = 0; i < entries->len; i++) {
                OvhStoredServer *s = entries->pdata[i];
                if (s->current || s->previous)
                        continue;
                if (kept < keep) {
                        kept++;
                        continue;
                }
                g_ptr_array_insert(out, 0, s);
        }
        return out;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st;
        (void) ftw;
        if (flag == FTW_DP)
                return rmdir(path) < 0 ? -1 : 0;
        return unlink(path) < 0 ? -1 : 0;
}

int ovh_remove_recursive(const char *path) {
        /* FTW_PHYS: a symlink in the tree is removed, never followed;
         * FTW_MOUNT: never into another file system. */
        return nftw(path, remove_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 ? -errno : 0;
}

int ovh_store_remove_tree(const char *dir, const char *entry, GError **error) {
        g_autofree char *path = g_build_filename(dir, entry, NULL);
        g_autofree char *away = g_strdup_printf("%s/.removing-%s.%d", dir, entry, (int) getpid());

        if (rename(path, away) < 0)
                return ovh_fail(error, errno == ENOENT ? EX_NOINPUT : EX_IOERR, errno, "cannot remove %s: %s", path,
                                g_strerror(errno));
        ovh_fsync_directory(dir);
        /* FTW_PHYS: a symlink in the tree is removed, never followed;
         * FTW_MOUNT: never into another file system. */
        if (nftw(away, remove_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
                return ovh_fail(error, EX_IOERR, errno, "removing %s (renamed to %s) failed: %s; remove it by hand",
                                path, away, g_strerror(errno));
        return 0;
}

void ovh_server_choice_clear(OvhServerChoice *c) {
        g_clear_pointer(&c->top, g_free);
        g_clear_pointer(&c->describe, g_free);
}

void ovh_server_choose(const OvhConfig *config, const char *store_dir, OvhServerChoice *ret) {
        if (config->root) {
                const char *where = ovh_config_origin(config, "Server", "Root");
                ret->origin = OVH_SERVER_FROM_CONFIG;
                ret->top = g_strdup(config->root);
                ret->describe = g_strdup_printf("[Server] Root= (%s)", where ? where : "launcher.conf");
                return;
        }
        g_autofree char *current = store_dir ? ovh_store_link(store_dir, OVH_STORE_CURRENT) : NULL;
        if (current) {
                ret->origin = OVH_SERVER_FROM_STORE;
                ret->top = g_build_filename(store_dir, current, NULL);
                ret->describe = g_strdup_printf("openvscodectl server use (%s/%s -> %s)", store_dir, OVH_STORE_CURRENT,
                                                current);
                return;
        }
        ret->origin = OVH_SERVER_FROM_PACKAGE;
        ret->top = g_strdup(OVH_DEFAULT_ROOT);
        ret->describe = g_strdup("the packaged server (" OVH_DEFAULT_ROOT ")");
}

/* SPDX-License-Identifier: MIT */
#include "home.h"

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ovh-error.h"
#include "paths.h"

static const char *const server_dirs[] = {
        OVH_STATE_SUBDIR,
        OVH_STATE_SUBDIR "/data",
        OVH_STATE_SUBDIR "/extensions",
        ".ssh",
};

static char *ownership_fix(const OvhAccount *account, const char *path) {
        if (g_str_equal(account->home, "/var/lib/openvscode-server"))
                return g_strdup("run: systemd-tmpfiles --create " OVH_TMPFILES_CONF);
        return g_strdup_printf("run: chown %s:%s %s", account->name, account->group_name, path);
}

int ovh_home_check(const OvhAccount *account, GError **error) {
        struct stat st;

        if (lstat(account->home, &st) < 0)
                return ovh_fail(error, EX_CANTCREAT, errno,
                                "home %s of %s does not exist (%s); create it: systemd-tmpfiles --create %s "
                                "(or mkdir it owned by the account)",
                                account->home, account->name, g_strerror(errno), OVH_TMPFILES_CONF);
        if (!S_ISDIR(st.st_mode))
                return ovh_fail(error, EX_CANTCREAT, ENOTDIR, "home %s of %s is not a directory; fix the account",
                                account->home, account->name);
        if (st.st_uid != account->uid) {
                g_autofree char *fix = ownership_fix(account, account->home);
                return ovh_fail(error, EX_NOPERM, EPERM, "home %s belongs to uid %u, not to %s (uid %u); %s",
                                account->home, (unsigned) st.st_uid, account->name, (unsigned) account->uid, fix);
        }

        for (size_t i = 0; i < G_N_ELEMENTS(server_dirs); i++) {
                g_autofree char *path = g_build_filename(account->home, server_dirs[i], NULL);
                if (lstat(path, &st) < 0) {
                        if (errno == ENOENT)
                                continue;
                        return ovh_fail(error, EX_NOPERM, errno, "%s: %s", path, g_strerror(errno));
                }
                if (!S_ISDIR(st.st_mode))
                        return ovh_fail(error, EX_CANTCREAT, ENOTDIR,
                                        "%s is not a directory; move it away so the server can create it", path);
                if (st.st_uid != account->uid) {
                        g_autofree char *fix = ownership_fix(account, path);
                        return ovh_fail(error, EX_NOPERM, EPERM, "%s belongs to uid %u, not to %s (uid %u); %s", path,
                                        (unsigned) st.st_uid, account->name, (unsigned) account->uid, fix);
                }
        }
        return 0;
}

static int make_dir(const char *path, mode_t mode, GError **error) {
        if (mkdir(path, mode) < 0 && errno != EEXIST)
                return ovh_fail(error, errno == ENOSPC ? EX_CANTCREAT : EX_NOPERM, errno,
                                "cannot create %s: %s; check the ownership of its parent", path, g_strerror(errno));
        return 0;
}

/* Copies /etc/skel/NAME into the home when the home lacks it. */
static int copy_skel(const char *home, const char *name, GError **error) {
        g_autofree char *src = g_build_filename("/etc/skel", name, NULL);
        g_autofree char *dst = g_build_filename(home, name, NULL);
        g_autofree char *data = NULL;
        gsize length = 0;

        /* AT_EACCESS: check with the file-system identity (the account), not
         * the real uid, which is root's. */
        if (faccessat(AT_FDCWD, dst, F_OK, AT_EACCESS | AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
                return 0;
        if (!g_file_get_contents(src, &data, &length, NULL))
                return 0; /* no skeleton on this system: nothing to copy */

        int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return errno == EEXIST
                               ? 0
                               : ovh_fail(error, EX_CANTCREAT, errno, "cannot create %s: %s", dst, g_strerror(errno));
        bool ok = write(fd, data, length) == (ssize_t) length;
        int e = errno;
        if (close(fd) < 0 && ok) {
                ok = false;
                e = errno;
        }
        if (!ok) {
                (void) unlink(dst);
                return ovh_fail(error, EX_CANTCREAT, e, "cannot write %s: %s", dst, g_strerror(e));
        }
        return 0;
}

/* ssh refuses keys others can read: tighten the files directly in .ssh
 * that belong to the account (not recursively, nothing else). */
static void tighten_ssh_files(const char *ssh_dir, uid_t uid) {
        DIR *d = opendir(ssh_dir);
        if (!d)
                return;
        for (struct dirent *de; (de = readdir(d));) {
                struct stat st;
                if (de->d_name[0] == '.' || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (S_ISREG(st.st_mode) && st.st_uid == uid && (st.st_mode & 0077))
                        (void) !fchmodat(dirfd(d), de->d_name, st.st_mode & 0700, 0);
        }
        closedir(d);
}

int ovh_home_create_skeleton(const OvhAccount *account, GError **error) {
        static const struct {
                const char *name;
                mode_t mode;
        } dirs[] = {
                { OVH_STATE_SUBDIR, 0700 },
                { OVH_STATE_SUBDIR "/data", 0700 },
                { OVH_STATE_SUBDIR "/extensions", 0700 },
                { ".ssh", 0700 },
                { OVH_WORKSPACE_NAME, 0755 },
        };
        int r;

        for (size_t i = 0; i < G_N_ELEMENTS(dirs); i++) {
                g_autofree char *path = g_build_filename(account->home, dirs[i].name, NULL);
                r = make_dir(path, dirs[i].mode, error);
                if (r < 0)
                        return r;
        }

        g_autofree char *ssh = g_build_filename(account->home, ".ssh", NULL);
        (void) chmod(ssh, 0700);
        tighten_ssh_files(ssh, account->uid);

        r = copy_skel(account->home, ".bashrc", error);
        if (r < 0)
                return r;
        return copy_skel(account->home, ".profile", error);
}

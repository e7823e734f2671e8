/* SPDX-License-Identifier: MIT */
#include "token.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "cleanup.h"
#include "ovh-error.h"
#include "privileges.h"
#include "paths.h"
#include "token-rules.h"

void ovh_token_source_clear(OvhTokenSource *s) {
        g_clear_pointer(&s->path, g_free);
        g_clear_pointer(&s->origin, g_free);
}

const char *ovh_token_source_name(OvhTokenSourceKind kind) {
        switch (kind) {
        case OVH_TOKEN_SOURCE_NONE:
                return "none";
        case OVH_TOKEN_SOURCE_CREDENTIAL:
                return "credential";
        case OVH_TOKEN_SOURCE_FILE:
                return "file";
        case OVH_TOKEN_SOURCE_VALUE:
                return "value";
        case OVH_TOKEN_SOURCE_GENERATED:
                return "generated";
        }
        return "unknown";
}

int ovh_token_choose(const OvhConfig *config, const char *credentials_directory, bool credential_present,
                     const char *state_dir, OvhTokenSource *ret, GError **error) {
        if (config->auth_mode == OVH_AUTH_NONE) {
                ret->kind = OVH_TOKEN_SOURCE_NONE;
                ret->origin = g_strdup(ovh_config_origin(config, "Auth", "Mode"));
                return 0;
        }
        if (credentials_directory && credential_present) {
                ret->kind = OVH_TOKEN_SOURCE_CREDENTIAL;
                ret->path = g_build_filename(credentials_directory, OVH_CREDENTIAL_NAME, NULL);
                ret->origin = g_strdup("credential " OVH_CREDENTIAL_NAME);
                return 0;
        }
        if (config->token_file) {
                const char *where = ovh_config_origin(config, "Auth", "TokenFile");
                ret->kind = OVH_TOKEN_SOURCE_FILE;
                ret->path = g_strdup(config->token_file);
                ret->origin = g_strdup(where ? where : "[Auth] TokenFile=");
                return 0;
        }
        if (config->token) {
                const char *where = ovh_config_origin(config, "Auth", "Token");
                if (!ovh_token_valid(config->token))
                        return ovh_fail(error, EX_DATAERR, EINVAL,
                                        "%s: the token has a character outside [0-9A-Za-z_-] or is too long "
                                        "(VS Code rejects it); use only letters, digits, '-' and '_'",
                                        where ? where : "[Auth] Token=");
                ret->kind = OVH_TOKEN_SOURCE_VALUE;
                ret->origin = g_strdup(where ? where : "[Auth] Token=");
                return 0;
        }
        ret->kind = OVH_TOKEN_SOURCE_GENERATED;
        ret->path = g_build_filename(state_dir, OVH_STATE_SUBDIR, OVH_TOKEN_NAME, NULL);
        ret->origin = g_strdup(ret->path);
        return 0;
}

/* Reads a token file without following a symlink at the last component
 * and checks that nobody but the owner can read it. */
static int read_token_file(const char *path, const char *origin, bool check_private, char **ret, GError **error) {
        char buf[OVH_TOKEN_MAX_LENGTH + 3];
        struct stat st;
        ssize_t n;

        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0) {
                int e = errno;
                if (e == EACCES)
                        return ovh_fail(error, EX_NOPERM, e,
                                        "%s: token file %s cannot be read by uid %u, the account the launcher runs "
                                        "as; chown it to the account (mode 0600), or give it the account's group "
                                        "with mode 0640",
                                        origin, path, (unsigned) geteuid());
                return ovh_fail(error, e == ENOENT ? EX_NOINPUT : EX_NOPERM, e,
                                "%s: cannot open token file %s: %s; create it with a token, mode 0600", origin, path,
                                g_strerror(e));
        }
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return ovh_fail(error, EX_DATAERR, EINVAL, "%s: %s is not a regular file; point it at a file", origin,
                                path);
        /* Group access is allowed: a root-owned file given to the account
         * through its group (0640) is how an admin shares it without
         * handing it over. Everybody else: never. */
        if (check_private && (st.st_mode & 0007))
                return ovh_fail(error, EX_NOPERM, EPERM,
                                "%s: token file %s is readable by every user (mode %04o); run chmod 0600 %s (or "
                                "0640 with the account's group)",
                                origin, path, (unsigned) (st.st_mode & 07777), path);
        n = read(fd, buf, sizeof(buf));
        int e = errno;
        if (n < 0)
                return ovh_fail(error, EX_IOERR, e, "%s: cannot read %s: %s", origin, path, g_strerror(e));

        int r = ovh_token_from_contents(buf, (gsize) n, path, ret, error);
        explicit_bzero(buf, sizeof(buf));
        return r;
}

int ovh_token_obtain(const OvhConfig *config, const OvhTokenSource *source, char **ret_token, bool *ret_is_new,
                     GError **error) {
        *ret_is_new = false;
        switch (source->kind) {
        case OVH_TOKEN_SOURCE_NONE:
                *ret_token = NULL;
                return 0;
        case OVH_TOKEN_SOURCE_CREDENTIAL:
                /* systemd makes credentials private to the unit already. */
                return read_token_file(source->path, source->origin, false, ret_token, error);
        case OVH_TOKEN_SOURCE_FILE:
                return read_token_file(source->path, source->origin, true, ret_token, error);
        case OVH_TOKEN_SOURCE_VALUE:
                *ret_token = g_strdup(config->token);
                return 0;
        case OVH_TOKEN_SOURCE_GENERATED: {
                /* Not access(): it checks the real uid, and the caller reads
                 * this file with the account's file-system identity. */
                g_autoptr(GError) read_error = NULL;
                int r = read_token_file(source->path, "generated token (delete the file to make a new one)", true,
                                        ret_token, &read_error);
                if (r != -ENOENT) {
                        if (read_error)
                                g_propagate_error(error, g_steal_pointer(&read_error));
                        return r;
                }
                *ret_is_new = true;
                return ovh_token_generate(ret_token, error);
        }
        }
        g_assert_not_reached();
}

static int token_dir_failed(const char *dir, int e, GError **error) {
        return ovh_fail(error, e == EACCES || e == EPERM ? EX_NOPERM : EX_CANTCREAT, e,
                        "cannot create the token file in %s: %s; check that the directory exists "
                        "and belongs to the account",
                        dir, g_strerror(e));
}

int ovh_token_write_file(const char *path, const char *token, mode_t mode, uid_t uid, gid_t gid, GError **error) {
        g_autofree char *dir = g_path_get_dirname(path);
        g_autofree char *tmp = g_strdup_printf("%s/.%s.XXXXXX", dir, OVH_TOKEN_NAME);
        size_t len = strlen(token);
        _cleanup_close_ int fd = -1;
        int e;

        if (uid == (uid_t) -1) {
                g_autofree char *text = g_strconcat(token, "\n", NULL);
                int r = ovh_file_write_atomic(path, text, len + 1, mode);
                explicit_bzero(text, len + 1);
                if (r == -EACCES || r == -EPERM || r == -ENOENT || r == -ENOTDIR)
                        return token_dir_failed(dir, -r, error);
                errno = -r;
                if (r < 0)
                        goto fail;
                return 0;
        }
        /* Given to another owner: it must be theirs (fchown) before the
         * rename makes it live, which g_file_set_contents_full() cannot do. */
        fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, mode);
        if (fd < 0)
                return token_dir_failed(dir, errno, error);
        if (fchmod(fd, mode) < 0 || (uid != (uid_t) -1 && fchown(fd, uid, gid) < 0))
                goto fail;
        /* A full disk must not leave an empty or partial token behind. */
        if (write(fd, token, len) != (ssize_t) len || write(fd, "\n", 1) != 1)
                goto fail;
        if (fsync(fd) < 0)
                goto fail;
        if (close(ovh_steal_fd(&fd)) < 0)
                goto fail;
        if (rename(tmp, path) < 0)
                goto fail;
        return 0;

fail:
        e = errno ? errno : EIO;
        (void) unlink(tmp);
        return ovh_fail(error, e == ENOSPC || e == EDQUOT ? EX_CANTCREAT : EX_IOERR, e,
                        "cannot write the token file %s: %s; free space or fix permissions and restart", path,
                        g_strerror(e));
}

char *ovh_token_runtime_path(const char *runtime_directory, const char *account_name) {
        if (runtime_directory && g_path_is_absolute(runtime_directory)) {
                g_autofree char *first = g_strndup(runtime_directory, strcspn(runtime_directory, ":"));
                return g_build_filename(first, OVH_RUNTIME_TOKEN_NAME, NULL);
        }
        return g_build_filename(OVH_RUNTIME_DIR, account_name, OVH_RUNTIME_TOKEN_NAME, NULL);
}

int ovh_token_write_runtime(const char *path, const char *token, const OvhAccount *account, bool in_runtime_directory,
                            GError **error) {
        g_autofree char *dir = g_path_get_dirname(path);
        g_autofree char *parent = g_path_get_dirname(dir);
        bool root = geteuid() == 0;
        struct stat st;
        int r;

        if (!root || in_runtime_directory) {
                if (g_mkdir_with_parents(dir, 0755) < 0)
                        return ovh_fail(error, EX_CANTCREAT, errno, "cannot create %s: %s", dir, g_strerror(errno));
                return ovh_token_write_file(path, token, 0400, root ? account->uid : (uid_t) -1,
                                            root ? account->gid : (gid_t) -1, error);
        }

        if (g_mkdir_with_parents(parent, 0755) < 0)
                return ovh_fail(error, EX_CANTCREAT, errno, "cannot create %s: %s", parent, g_strerror(errno));
        if (mkdir(dir, 0700) == 0) {
                if (chown(dir, account->uid, account->gid) < 0)
                        return ovh_fail(error, EX_CANTCREAT, errno, "cannot give %s to %s: %s", dir, account->name,
                                        g_strerror(errno));
        } else if (errno != EEXIST) {
                return ovh_fail(error, EX_CANTCREAT, errno, "cannot create %s: %s", dir, g_strerror(errno));
        }
        if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != account->uid || (st.st_mode & 077))
                return ovh_fail(error, EX_CANTCREAT, EPERM,
                                "%s must be a directory of %s with mode 0700; remove it (rm -r %s) and start again",
                                dir, account->name, dir);
        g_auto(OvhActingAs) as_account = OVH_ACTING_AS_INIT;
        r = ovh_acting_as_begin(&as_account, account, error);
        if (r < 0)
                return r;
        return ovh_token_write_file(path, token, 0400, (uid_t) -1, (gid_t) -1, error);
}

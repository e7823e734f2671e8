/* SPDX-License-Identifier: MIT */
#include "server-install.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "ovh-error.h"
#include "server-fetch.h"
#include "server-unpack.h"

/* How long the tree's --version may take in the sandbox (a cold start of
 * node on a slow board). */
#define VERSION_CHECK_TIMEOUT_SEC 120

int ctl_store_lock(const char *store_dir, int *ret_fd, GError **error) {
        g_autofree char *path = g_build_filename(store_dir, ".lock", NULL);

        /* The account reads the store (never writes it): 0755 whatever
         * root's umask is, its parent too. */
        g_autofree char *parent = g_path_get_dirname(store_dir);
        if (g_mkdir_with_parents(store_dir, 0755) < 0 || chmod(parent, 0755) < 0 || chmod(store_dir, 0755) < 0)
                return ovh_fail(error, EX_CANTCREAT, errno, "cannot create %s: %s", store_dir, g_strerror(errno));
        _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return ovh_fail(error, EX_CANTCREAT, errno, "cannot open %s: %s", path, g_strerror(errno));
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                if (errno == EWOULDBLOCK)
                        return ovh_fail(error, EX_TEMPFAIL, EBUSY,
                                        "another openvscodectl server command is changing %s (it holds %s); wait "
                                        "for it to finish and try again",
                                        store_dir, path);
                return ovh_fail(error, EX_IOERR, errno, "cannot lock %s: %s", path, g_strerror(errno));
        }
        *ret_fd = fd;
        fd = -1;
        return 0;
}

/* ------------------------------------------------------------ architecture */

static const char *node_arch_of(const char *debian_arch) {
        if (g_str_equal(debian_arch, "amd64"))
                return "x64";
        if (g_str_equal(debian_arch, "armhf"))
                return "arm";
        if (g_str_equal(debian_arch, "i386"))
                return "ia32";
        return debian_arch; /* arm64, riscv64, s390x ... */
}

/* Whether a path component names an architecture, and which (Node's name). */
static const char *component_arch(const char *c) {
        static const char *const names[][2] = {
                { "x64", "x64" },       { "x86_64", "x64" }, { "amd64", "x64" }, { "arm64", "arm64" },
                { "aarch64", "arm64" }, { "arm", "arm" },    { "armhf", "arm" }, { "armv7l", "arm" },
                { "ia32", "ia32" },     { "i386", "ia32" },  { "x86", "ia32" },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
                if (g_str_equal(c, names[i][0]))
                        return names[i][1];
        return NULL;
}

bool ctl_elf_must_match(const char *path, const char *node_arch) {
        g_auto(GStrv) parts = g_strsplit(path, "/", -1);
        for (char **p = parts; *p; p++) {
                const char *c = *p;
                if (strstr(c, "musl"))
                        return false; /* musl builds: never loaded with glibc */
                /* linux-x64, linux-arm64-gnu, x64, ...: only this architecture's. */
                const char *rest = g_str_has_prefix(c, "linux-") ? c + strlen("linux-") : c;
                g_autofree char *arch = g_strndup(rest, strcspn(rest, "-"));
                const char *named = component_arch(arch);
                if (named && (rest != c || p[1]) && !g_str_equal(named, node_arch))
                        return false;
        }
        return true;
}

static struct {
        const char *top;
        const char *arch;
        const char *node_arch;
        char *bad; /* the first file for another architecture */
        unsigned checked;
} walk;

static int check_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) ftw;
        if (flag != FTW_F || !S_ISREG(st->st_mode) || !g_str_has_suffix(path, ".node"))
                return 0;
        const char *rel = path + strlen(walk.top) + 1;
        const char *arch = NULL;
        if (ovh_elf_file_arch(path, &arch) < 0 || !ctl_elf_must_match(rel, walk.node_arch))
                return 0; /* not ELF (darwin, win32 builds), or never loaded here */
        walk.checked++;
        if (!g_str_equal(arch, walk.arch)) {
                walk.bad = g_strdup_printf("%s (%s)", rel, arch);
                return 1;
        }
        return 0;
}

int ctl_check_tree_arch(const OvhServerTree *tree, GError **error) {
        const char *native = ovh_native_arch();

        if (tree->node) {
                const char *arch = NULL;
                int r = ovh_elf_file_arch(tree->node, &arch);
                if (r < 0)
                        return ovh_fail(error, EX_DATAERR, -r, "%s: its node is not a program (%s); is the tree whole?",
                                        tree->top, g_strerror(-r));
                if (!g_str_equal(arch, native))
                        return ovh_fail(error, EX_DATAERR, ENOEXEC,
                                        "%s is a server for %s (its node is an %s program), this machine is %s; "
                                        "install the %s build",
                                        tree->top, arch, arch, native, native);
        } else if (tree->kind != OVH_SERVER_KIND_VSCODE)
                return ovh_fail(error, EX_DATAERR, ENOENT,
                                "%s: a %s release carries its own node, and this one has none; is the tree whole?",
                                tree->top, ovh_server_kind_name(tree->kind));

        walk.top = tree->top;
        walk.arch = native;
        walk.node_arch = node_arch_of(native);
        walk.bad = NULL;
        walk.checked = 0;
        int r = nftw(tree->top, check_one, 64, FTW_PHYS | FTW_MOUNT);
        g_autofree char *bad = g_steal_pointer(&walk.bad);
        if (r < 0)
                return ovh_fail(error, EX_IOERR, errno, "cannot read %s: %s", tree->top, g_strerror(errno));
        if (bad)
                return ovh_fail(error, EX_DATAERR, ENOEXEC,
                                "%s: the native module %s is not for %s, this machine's architecture; install the "
                                "%s build",
                                tree->top, bad, native, native);
        return 0;
}

/* ------------------------------------------------------------ staging */

typedef struct {
        char *dir;
} Staging;

static void staging_clear(Staging *s) {
        if (s->dir)
                (void) ovh_remove_recursive(s->dir);
        g_clear_pointer(&s->dir, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Staging, staging_clear)

static int sha256_of_file(const char *path, char **ret, GError **error) {
        g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
        guchar buf[64 * 1024];

        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return ovh_fail(error, errno == ENOENT ? EX_NOINPUT : EX_NOPERM, errno,
                                "cannot read %s: %s; give the path of a release tarball", path, g_strerror(errno));
        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return ovh_fail(error, EX_IOERR, errno, "cannot read %s: %s", path, g_strerror(errno));
                if (n == 0)
                        break;
                g_checksum_update(sum, buf, n);
        }
        *ret = g_strdup(g_checksum_get_string(sum));
        return 0;
}

static int check_version_in_sandbox(const CtlInstance *ci, const OvhServerTree *tree, GError **error) {
        char *arguments[] = { (char *) "--version", NULL };
        g_autoptr(GString) out = NULL, err = NULL;
        int status = -1;

        int r = ctl_run_cli_in_unit(ci, "server install", tree->top, arguments, VERSION_CHECK_TIMEOUT_SEC, &status,
                                    &out, &err, error);
        if (r < 0)
                return r;
        g_autofree char *first = g_strndup(out ? out->str : "", strcspn(out ? out->str : "", "\n"));
        /* VS Code prints its version; a build may print its release's. */
        if (status != 0 || (!g_str_equal(first, tree->version) && !g_str_equal(first, tree->release))) {
                const char *said = err && err->len ? err->str : out ? out->str : "";
                g_autofree char *line = g_strndup(said, strcspn(said, "\n"));
                g_autofree char *shown = ovh_printable(line);
                return ovh_fail(error, EX_DATAERR, EINVAL,
                                "%s: the server does not start in the service's sandbox (--version: exit status %d, "
                                "\"%s\"; expected %s); nothing was installed",
                                tree->top, status, shown, tree->version);
        }
        return 0;
}

int ctl_server_install(const CtlInstance *ci, const char *store_dir, const CtlInstallRequest *req, char **ret_entry,
                       bool *ret_already, GError **error) {
        g_auto(Staging) staging = {};
        g_autofree char *sha256 = NULL;
        g_autofree char *tarball = NULL;
        int r;

        *ret_already = false;
        g_autofree char *pattern = g_build_filename(store_dir, ".staging-XXXXXX", NULL);
        if (!g_mkdtemp_full(pattern, 0700))
                return ovh_fail(error, EX_CANTCREAT, errno, "cannot create a staging directory in %s: %s", store_dir,
                                g_strerror(errno));
        staging.dir = g_steal_pointer(&pattern);
        /* The account runs the staged tree's --version: it must get in. */
        if (chmod(staging.dir, 0755) < 0)
                return ovh_fail(error, EX_CANTCREAT, errno, "cannot chmod %s: %s", staging.dir, g_strerror(errno));

        /* 1. The tarball and its digest. */
        if (req->url) {
                tarball = g_build_filename(staging.dir, "download", NULL);
                _cleanup_close_ int fd = open(tarball, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
                if (fd < 0)
                        return ovh_fail(error, EX_CANTCREAT, errno, "cannot create %s: %s", tarball, g_strerror(errno));
                r = ctl_fetch_file(req->url, fd, &sha256, error);
                if (r < 0)
                        return r;
                if (fsync(fd) < 0)
                        return ovh_fail(error, EX_IOERR, errno, "cannot write %s: %s", tarball, g_strerror(errno));
        } else {
                tarball = g_strdup(req->tarball);
                r = sha256_of_file(tarball, &sha256, error);
                if (r < 0)
                        return r;
        }
        if (req->sha256 && g_ascii_strcasecmp(req->sha256, sha256) != 0)
                return ovh_fail(error, EX_DATAERR, EBADMSG,
                                "%s: the SHA-256 is %s, not %s as expected; the download is corrupt or was "
                                "tampered with; nothing was installed",
                                req->url ? req->url : req->tarball, sha256, req->sha256);

        /* 2. Unpacked, and what it is. */
        g_autofree char *tree_dir = g_build_filename(staging.dir, "tree", NULL);
        if (mkdir(tree_dir, 0755) < 0 || chmod(tree_dir, 0755) < 0)
                return ovh_fail(error, EX_CANTCREAT, errno, "cannot create %s: %s", tree_dir, g_strerror(errno));
        r = ctl_unpack(tarball, tree_dir, error);
        if (r < 0)
                return r;
        if (req->url)
                (void) unlink(tarball);
        g_auto(OvhServerTree) tree = {};
        g_autoptr(GError) detect_error = NULL;
        if (ovh_server_tree_detect(tree_dir, &tree, &detect_error) < 0) {
                /* Its message names the staging directory, gone by now:
                 * name what the admin gave instead. */
                const char *m = detect_error->message;
                const char *rest = g_str_has_prefix(m, tree_dir) ? m + strlen(tree_dir) : m;
                return ovh_fail(error, detect_error->code, EINVAL, "%s (unpacked)%s", req->source, rest);
        }
        if (req->want_kind_set && tree.kind != req->want_kind)
                return ovh_fail(error, EX_DATAERR, EINVAL, "%s: the tarball holds a %s server, not %s; check the feed",
                                req->source, ovh_server_kind_name(tree.kind), ovh_server_kind_name(req->want_kind));
        if (req->want_release && !g_str_equal(tree.release, req->want_release))
                return ovh_fail(error, EX_DATAERR, EINVAL,
                                "%s: the tarball holds %s %s, not %s as the feed says; check the feed", req->source,
                                ovh_server_kind_name(tree.kind), tree.release, req->want_release);
        if (tree.kind == OVH_SERVER_KIND_MICROSOFT && !ci->config->accept_microsoft_license)
                return ovh_fail(error, EX_CONFIG, EPERM,
                                "%s is Microsoft's VS Code server, which has its own licence "
                                "(https://aka.ms/vscode-server-license); set [Server] AcceptMicrosoftLicense=yes "
                                "once you accept it",
                                req->source);
        r = ctl_check_tree_arch(&tree, error);
        if (r < 0)
                return r;

        g_autofree char *entry = ovh_store_entry_name(tree.kind, tree.release, ovh_native_arch());
        g_autofree char *entry_path = g_build_filename(store_dir, entry, NULL);
        g_autofree char *entry_meta = g_build_filename(entry_path, OVH_STORE_META_NAME, NULL);
        if (g_file_test(entry_meta, G_FILE_TEST_IS_REGULAR)) {
                *ret_already = true;
                *ret_entry = g_steal_pointer(&entry);
                return 0;
        }

        /* 3. It starts where it will run: the service's sandbox. */
        r = check_version_in_sandbox(ci, &tree, error);
        if (r < 0)
                return r;

        /* 4. Into the store by one rename. */
        OvhStoredServer meta = {
                .kind = tree.kind,
                .release = tree.release,
                .version = tree.version,
                .arch = (char *) ovh_native_arch(),
                .source = (char *) (req->url ? req->url : req->source),
                .sha256 = sha256,
                .installed = g_get_real_time() / G_USEC_PER_SEC,
        };
        g_autofree char *text = ovh_store_meta_text(&meta);
        g_autofree char *meta_path = g_build_filename(tree_dir, OVH_STORE_META_NAME, NULL);
        r = ovh_file_write_atomic(meta_path, text, strlen(text), 0644);
        if (r < 0)
                return ovh_fail(error, EX_IOERR, -r, "cannot write %s: %s", meta_path, g_strerror(-r));
        (void) ovh_remove_recursive(entry_path); /* a half-installed leftover without metadata */
        if (rename(tree_dir, entry_path) < 0)
                return ovh_fail(error, EX_IOERR, errno, "cannot move %s to %s: %s", tree_dir, entry_path,
                                g_strerror(errno));
        ovh_fsync_directory(store_dir);
        *ret_entry = g_steal_pointer(&entry);
        return 0;
}

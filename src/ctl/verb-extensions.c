/* SPDX-License-Identifier: MIT */
/* install-extension, uninstall-extension, list-extensions: VS Code's own
 * CLI (server-main.js --install-extension ...) with the server's data and
 * extensions directories, run as the account in the server's sandbox: never
 * as root. For root it runs in a transient unit with the service's sandbox
 * (ctl_run_server_cli); what it prints reaches the terminal escaped. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "command.h"
#include "ctl.h"
#include "extension-ids.h"
#include "ovh-error.h"
#include "paths.h"
#include "privileges.h"
#include "vsix.h"

/* A zip archive starts with a local file header and ends with the end of
 * its central directory (plus a comment of at most 64 KiB). */
int ctl_vsix_open(const char *path, GError **error) {
        static const char local_header[4] = { 'P', 'K', 3, 4 };
        static const char end_record[4] = { 'P', 'K', 5, 6 };
        struct stat st;
        char head[4];

        /* Opened once: what is checked here is what is copied (a path
         * swapped after the check changes nothing). No symbolic link, and
         * no FIFO that would block the open. */
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0 && errno == ELOOP)
                return ovh_fail(error, EX_DATAERR, errno,
                                "%s is a symbolic link; give the path of the .vsix file itself (readlink -f %s)", path,
                                path);
        if (fd < 0)
                return ovh_fail(error, errno == ENOENT ? EX_NOINPUT : EX_NOPERM, errno,
                                "%s: cannot open it (%s); give the path of a .vsix file you can read", path,
                                g_strerror(errno));
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return ovh_fail(error, EX_DATAERR, EINVAL, "%s is not a regular file; give the path of a .vsix file",
                                path);
        off_t tail_size = MIN(st.st_size, (off_t) (65536 + 22));
        g_autofree char *tail = g_malloc(tail_size > 0 ? (gsize) tail_size : 1);
        bool zip = st.st_size >= 22 && pread(fd, head, sizeof(head), 0) == (ssize_t) sizeof(head) &&
                   memcmp(head, local_header, 4) == 0 &&
                   pread(fd, tail, (size_t) tail_size, st.st_size - tail_size) == (ssize_t) tail_size;
        if (zip) {
                zip = false;
                for (off_t i = tail_size - 22; i >= 0 && !zip; i--)
                        zip = memcmp(tail + i, end_record, 4) == 0;
        }
        if (!zip)
                return ovh_fail(error, EX_DATAERR, EINVAL,
                                "%s is not a .vsix: not a (complete) zip archive; download the extension again", path);
        return ovh_steal_fd(&fd);
}

/* The admin's .vsix may be unreadable to the account: copy it, from the fd
 * ctl_vsix_open() checked, into a private directory the account created
 * and owns. */
int ctl_vsix_copy_for_account(const OvhAccount *account, const char *dir, int fd, const char *path, char **ret_copy,
                              GError **error) {
        g_autofree char *base = g_path_get_basename(path);
        g_autofree char *copy = g_build_filename(dir, base, NULL);
        _cleanup_close_ int out = -1;
        int r;

        {
                g_auto(OvhActingAs) as_account = OVH_ACTING_AS_INIT;
                r = ovh_acting_as_begin(&as_account, account, error);
                if (r < 0)
                        return r;
                out = open(copy, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (out < 0)
                        return ovh_fail(error, EX_CANTCREAT, errno, "cannot create %s: %s", copy, g_strerror(errno));
        }
        char buf[65536];
        for (off_t offset = 0;;) {
                ssize_t n = pread(fd, buf, sizeof(buf), offset);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 || (n > 0 && write(out, buf, (size_t) n) != n))
                        return ovh_fail(error, EX_IOERR, errno, "cannot copy %s: %s", path, g_strerror(errno));
                if (n == 0)
                        break;
                offset += n;
        }
        *ret_copy = g_steal_pointer(&copy);
        return 0;
}

/* A directory in the account's state tree (HOME/.openvscode-server),
 * created as the account: only it can read the copies, and the CLI's unit
 * sees it (the unit's /tmp is a private one). */
static int make_private_directory(const CtlInstance *ci, char **ret_dir, GError **error) {
        g_auto(OvhActingAs) as_account = OVH_ACTING_AS_INIT;
        g_autofree char *state = g_build_filename(ci->account->home, OVH_STATE_SUBDIR, NULL);
        g_autofree char *dir = g_build_filename(state, "openvscodectl-XXXXXX", NULL);
        int r = ovh_acting_as_begin(&as_account, ci->account, error);
        if (r < 0)
                return r;
        if (mkdir(state, 0700) < 0 && errno != EEXIST)
                return ovh_fail(error, EX_CANTCREAT, errno, "cannot create %s: %s", state, g_strerror(errno));
        if (!g_mkdtemp_full(dir, 0700))
                return ovh_fail(error, EX_CANTCREAT, errno, "cannot create a directory in %s: %s", state,
                                g_strerror(errno));
        *ret_dir = g_steal_pointer(&dir);
        return 0;
}

/* Removes a tree; the caller acts as the account. */
static void remove_tree(const char *path) {
        DIR *d = opendir(path);
        if (d) {
                for (struct dirent *de; (de = readdir(d));) {
                        if (g_str_equal(de->d_name, ".") || g_str_equal(de->d_name, ".."))
                                continue;
                        g_autofree char *child = g_build_filename(path, de->d_name, NULL);
                        struct stat st;
                        if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
                                remove_tree(child);
                        else
                                (void) unlink(child);
                }
                closedir(d);
        }
        (void) rmdir(path);
        (void) unlink(path);
}

/* Removes a tree as the account (our temporary copies, or what a failed
 * install left behind). */
static void remove_tree_as_account(const CtlInstance *ci, const char *path) {
        g_auto(OvhActingAs) as_account = OVH_ACTING_AS_INIT;
        if (ovh_acting_as_begin(&as_account, ci->account, NULL) >= 0)
                remove_tree(path);
}

/* The names in the extensions directory, read as the account. */
static GHashTable *list_directory(const CtlInstance *ci, const char *dir) {
        GHashTable *names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_auto(OvhActingAs) as_account = OVH_ACTING_AS_INIT;
        if (ovh_acting_as_begin(&as_account, ci->account, NULL) < 0)
                return names;
        DIR *d = opendir(dir);
        if (d) {
                for (struct dirent *de; (de = readdir(d));)
                        g_hash_table_add(names, g_strdup(de->d_name));
                closedir(d);
        }
        return names;
}

/* The line of the CLI's stderr that says what went wrong. */
static char *cli_reason(const char *stderr_text) {
        g_auto(GStrv) lines = g_strsplit(stderr_text ? stderr_text : "", "\n", -1);
        for (char **l = lines; *l; l++) {
                const char *t = g_strstrip(*l);
                if (*t && !g_str_has_prefix(t, "at ") && !g_str_has_prefix(t, "Installing extensions"))
                        return g_strdup(t);
        }
        return g_strdup("no message");
}

static bool network_failure(const char *text) {
        static const char *const marks[] = { "getaddrinfo",  "ENOTFOUND",      "EAI_AGAIN",
                                             "ECONNREFUSED", "ETIMEDOUT",      "ENETUNREACH",
                                             "EHOSTUNREACH", "socket hang up", "certificate" };
        for (size_t i = 0; i < G_N_ELEMENTS(marks); i++)
                if (text && strstr(text, marks[i]))
                        return true;
        return false;
}

static const char *install_help =
        "openvscodectl install-extension [--user NAME] [--force] [--verbose] ID|FILE.vsix...\n\n"
        "Install extensions with VS Code's own CLI, as the account, in the server's\n"
        "sandbox, into the server's extensions directory. ID is publisher.name or\n"
        "publisher.name@version (needs the marketplace); FILE.vsix works offline.\n"
        "Root or the account only.\n\n"
        "  --user NAME   the per-user instance openvscode-server@NAME\n"
        "  --force       update an installed extension (VS Code's --force)\n"
        "  --verbose     show everything VS Code's CLI printed when it fails\n"
        "  -h --help     show this help\n";

static const char *uninstall_help = "openvscodectl uninstall-extension [--user NAME] [--verbose] ID...\n\n"
                                    "Uninstall extensions with VS Code's own CLI, as the account.\n"
                                    "Root or the account only.\n\n"
                                    "  --user NAME   the per-user instance openvscode-server@NAME\n"
                                    "  --verbose     show everything VS Code's CLI printed when it fails\n"
                                    "  -h --help     show this help\n";

static const char *list_help = "openvscodectl list-extensions [--user NAME] [--show-versions] [--verbose]\n\n"
                               "List the installed extensions (VS Code's own CLI, as the account).\n"
                               "Root or the account only.\n\n"
                               "  --user NAME        the per-user instance openvscode-server@NAME\n"
                               "  --show-versions    print publisher.name@version\n"
                               "  --verbose          show everything VS Code's CLI printed when it fails\n"
                               "  -h --help          show this help\n";

typedef enum { INSTALL, UNINSTALL, LIST } Action;

static void close_fd(gpointer fd) {
        ovh_closep(fd);
}

typedef struct {
        const char *user;
        bool force, verbose, show_versions;
} Options;

static int parse_options(Action action, const char *verb, int argc, char *argv[], Options *o, GError **error) {
        static const struct option options[] = {
                { "user", required_argument, NULL, 'u' }, { "force", no_argument, NULL, 'f' },
                { "verbose", no_argument, NULL, 'v' },    { "show-versions", no_argument, NULL, 's' },
                { "help", no_argument, NULL, 'h' },       {},
        };
        const char *help = action == INSTALL ? install_help : action == UNINSTALL ? uninstall_help : list_help;
        int c;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":u:h", options, NULL)) >= 0) {
                switch (c) {
                case 'u':
                        o->user = optarg;
                        break;
                case 'f':
                        if (action != INSTALL)
                                return ctl_usage_error(error, verb, "unknown option --force");
                        o->force = true;
                        break;
                case 'v':
                        o->verbose = true;
                        break;
                case 's':
                        if (action != LIST)
                                return ctl_usage_error(error, verb, "unknown option --show-versions");
                        o->show_versions = true;
                        break;
                case 'h':
                        fputs(help, stdout);
                        return 0;
                case ':':
                        return ctl_usage_error(error, verb, "option %s needs a value", argv[optind - 1]);
                default:
                        return ctl_usage_error(error, verb, "unknown option %s", argv[optind - 1]);
                }
        }
        if (action == LIST && optind < argc)
                return ctl_usage_error(error, verb, "unexpected argument \"%s\"", argv[optind]);
        if (action != LIST && optind >= argc)
                return ctl_usage_error(error, verb, "name at least one extension");
        return 1;
}

static int run_extensions_verb(Action action, const char *verb, int argc, char *argv[], GError **error) {
        g_auto(CtlInstance) ci = {};
        g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func(g_free);
        /* The fd of each .vsix target (-1 for an id), opened once. */
        g_autoptr(GArray) vsix_fds = g_array_new(FALSE, FALSE, sizeof(int));
        g_autoptr(GPtrArray) cli = g_ptr_array_new_with_free_func(g_free);
        g_autofree char *tmpdir = NULL;
        g_autoptr(GString) cli_out = NULL, cli_err = NULL;
        g_autoptr(GHashTable) before = NULL;
        g_autofree char *extensions_dir = NULL;
        CtlServerContext server = {};
        Options o = {};
        int r, status = 0;

        r = parse_options(action, verb, argc, argv, &o, error);
        if (r <= 0)
                return r;
        g_array_set_clear_func(vsix_fds, close_fd);
        for (int i = optind; i < argc; i++)
                g_array_append_val(vsix_fds, (int){ -1 });

        /* The arguments first: a bad one changes nothing and needs no
         * privileges to be told. */
        for (int i = optind; i < argc; i++) {
                const char *a = argv[i];
                if (action == INSTALL &&
                    (g_str_has_suffix(a, ".vsix") || g_str_has_suffix(a, ".VSIX") || strchr(a, '/'))) {
                        g_autofree char *path = g_canonicalize_filename(a, NULL);
                        int fd = ctl_vsix_open(path, error);
                        if (fd < 0)
                                return fd;
                        g_array_index(vsix_fds, int, targets->len) = fd;
                        g_ptr_array_add(targets, g_steal_pointer(&path));
                } else if (ovh_extension_id_valid(a) && (action == INSTALL || !strchr(a, '@'))) {
                        g_ptr_array_add(targets, g_strdup(a));
                } else {
                        return ovh_fail(error, EX_USAGE, EINVAL,
                                        "%s: \"%s\" is not an extension id; use publisher.name%s (see "
                                        "openvscodectl list-extensions)",
                                        verb, a, action == INSTALL ? ", publisher.name@1.2.3 or a FILE.vsix" : "");
                }
        }

        r = ctl_instance_load(&ci, o.user, error);
        if (r < 0)
                return r;
        r = ctl_require_root_or_account(&ci, verb, error);
        if (r < 0)
                return r;
        extensions_dir = ctl_extensions_dir(&ci);
        r = ctl_server_context_init(&server, &ci, error);
        if (r < 0)
                goto out;

        if (action == LIST) {
                g_ptr_array_add(cli, g_strdup("--list-extensions"));
                if (o.show_versions)
                        g_ptr_array_add(cli, g_strdup("--show-versions"));
        }
        for (guint i = 0; i < targets->len; i++) {
                const char *t = targets->pdata[i];
                if (action == INSTALL && g_path_is_absolute(t) && ctl_caller_is_root()) {
                        if (!tmpdir) {
                                r = make_private_directory(&ci, &tmpdir, error);
                                if (r < 0)
                                        goto out;
                        }
                        char *copy = NULL;
                        r = ctl_vsix_copy_for_account(ci.account, tmpdir, g_array_index(vsix_fds, int, i), t, &copy,
                                                      error);
                        if (r < 0)
                                goto out;
                        g_ptr_array_add(cli, g_strdup("--install-extension"));
                        g_ptr_array_add(cli, copy);
                } else {
                        g_ptr_array_add(cli,
                                        g_strdup(action == INSTALL ? "--install-extension" : "--uninstall-extension"));
                        g_ptr_array_add(cli, g_strdup(t));
                }
        }
        if (o.force)
                g_ptr_array_add(cli, g_strdup("--force"));
        g_ptr_array_add(cli, NULL);

        before = list_directory(&ci, extensions_dir);
        r = ctl_run_server_cli(&server, &ci, verb, (char *const *) cli->pdata, &status, &cli_out, &cli_err, error);
        if (r < 0)
                goto out;
        const char *cli_stderr = cli_err->str;
        ctl_print_output(stdout, cli_out);

        if (status != 0) {
                /* VS Code extracts into a hidden temporary directory and
                 * renames it into place: one that is left is half an
                 * extension. */
                g_autoptr(GHashTable) after = list_directory(&ci, extensions_dir);
                GHashTableIter it;
                gpointer name;
                g_hash_table_iter_init(&it, after);
                while (g_hash_table_iter_next(&it, &name, NULL))
                        if (((char *) name)[0] == '.' && !g_hash_table_contains(before, name) &&
                            !g_str_equal(name, ".") && !g_str_equal(name, "..")) {
                                g_autofree char *left = g_build_filename(extensions_dir, name, NULL);
                                remove_tree_as_account(&ci, left);
                        }
                if (o.verbose)
                        ctl_print_output(stderr, cli_err);
                g_autofree char *reason = cli_reason(cli_stderr);
                if (action == INSTALL && network_failure(cli_stderr))
                        r = ovh_fail(error, EX_UNAVAILABLE, EIO,
                                     "%s: VS Code's CLI could not reach the marketplace (%s); nothing was installed "
                                     "for the ids that failed. Without network, download the .vsix and install the "
                                     "file",
                                     verb, reason);
                else
                        r = ovh_fail(error, EX_DATAERR, EIO,
                                     "%s: VS Code's CLI failed (exit status %d): %s; check the ids with "
                                     "openvscodectl list-extensions (--verbose shows all it said)",
                                     verb, status, reason);
                goto out;
        }
        ctl_print_output(stderr, cli_err);
        if (action != LIST && ctl_unit_is_active(ci.service_unit))
                printf("Reload the IDE's browser window to use the change.\n");
        r = 0;
out:
        if (tmpdir)
                remove_tree_as_account(&ci, tmpdir);
        ctl_server_context_clear(&server);
        return r;
}

int verb_install_extension(int argc, char *argv[], GError **error) {
        return run_extensions_verb(INSTALL, "install-extension", argc, argv, error);
}

int verb_uninstall_extension(int argc, char *argv[], GError **error) {
        return run_extensions_verb(UNINSTALL, "uninstall-extension", argc, argv, error);
}

int verb_list_extensions(int argc, char *argv[], GError **error) {
        return run_extensions_verb(LIST, "list-extensions", argc, argv, error);
}

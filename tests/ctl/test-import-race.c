/* SPDX-License-Identifier: MIT */
/* import-config against the attacks of issue 13, as root (the verb runs as
 * root): the source's owner swaps a planned directory for a symbolic link
 * to a directory holding a root-only file, or a planned file for another;
 * the account swaps a directory of its home for a link out of it; a source
 * file is a hard link to a root-only file. A racer process, with the
 * attacker's uid, waits with inotify for the plan to open zz-last/ (the
 * last name it plans, so everything it attacks is planned by then) and
 * swaps at once; the test waits until the swap is done before applying,
 * so that every run is the one the attacker wins: the swap falls between
 * plan and apply. Each case asserts the exact error and that no byte of
 * the secret reached the home, nor anything the import wrote left it. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glib.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "import.h"
#include "ovh-error.h"

/* Not in the passwd database on purpose: setfsuid() needs none. */
#define OWNER_UID 61911 /* the container's abc */
#define ACCOUNT_UID 61912
#define SECRET "root-only secret 5f0c2a\n"

static char *scratch;

static void put(const char *path, const char *content, mode_t mode, uid_t uid) {
        g_autofree char *dir = g_path_get_dirname(path);
        g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
        g_assert_true(g_file_set_contents(path, content, -1, NULL));
        g_assert_cmpint(chmod(path, mode), ==, 0);
        g_assert_cmpint(chown(path, uid, uid), ==, 0);
}

static void make_dir(const char *path, uid_t uid) {
        g_assert_cmpint(g_mkdir_with_parents(path, 0755), ==, 0);
        g_assert_cmpint(chown(path, uid, uid), ==, 0);
}

/* A case's trees: scratch/NAME/{config,home,secret,elsewhere,owner}. */
typedef struct {
        char *dir, *source, *home, *secret_dir, *secret, *elsewhere, *owner_dir, *trigger;
        OvhAccount account;
} Trees;

static void trees_clear(Trees *t) {
        g_free(t->dir);
        g_free(t->source);
        g_free(t->home);
        g_free(t->secret_dir);
        g_free(t->secret);
        g_free(t->elsewhere);
        g_free(t->owner_dir);
        g_free(t->trigger);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Trees, trees_clear)

static void trees_init(Trees *t, const char *name) {
        t->dir = g_build_filename(scratch, name, NULL);
        t->source = g_build_filename(t->dir, "config", NULL);
        t->home = g_build_filename(t->dir, "home", NULL);
        t->secret_dir = g_build_filename(t->dir, "secret", NULL);
        t->secret = g_build_filename(t->secret_dir, "shadow", NULL);
        t->elsewhere = g_build_filename(t->dir, "elsewhere", NULL);
        t->owner_dir = g_build_filename(t->dir, "owner", NULL);
        t->trigger = g_build_filename(t->source, "zz-last", NULL);
        t->account = (OvhAccount){ .name = (char *) "ovh-race-account",
                                   .uid = ACCOUNT_UID,
                                   .gid = ACCOUNT_UID,
                                   .group_name = (char *) "ovh-race-account",
                                   .home = t->home };

        make_dir(t->dir, 0);
        /* The container's /config: its abc's. */
        make_dir(t->source, OWNER_UID);
        g_autofree char *workspace = g_build_filename(t->source, "workspace", NULL);
        make_dir(workspace, OWNER_UID);
        g_autofree char *readme = g_build_filename(workspace, "README.md", NULL);
        put(readme, "the container's project\n", 0644, OWNER_UID);
        g_autofree char *d = g_build_filename(t->source, "d", NULL);
        make_dir(d, OWNER_UID);
        g_autofree char *decoy = g_build_filename(d, "shadow", NULL);
        put(decoy, "the owner's own file\n", 0644, OWNER_UID);
        make_dir(t->trigger, OWNER_UID);
        /* Where the owner keeps what it swaps in. */
        make_dir(t->owner_dir, OWNER_UID);
        /* The account's home, with a workspace to merge into. */
        make_dir(t->home, ACCOUNT_UID);
        g_autofree char *home_workspace = g_build_filename(t->home, "workspace", NULL);
        make_dir(home_workspace, ACCOUNT_UID);
        /* A directory the account owns outside its home. */
        make_dir(t->elsewhere, ACCOUNT_UID);
        /* root's secret: 0600, in a directory anyone may enter. */
        make_dir(t->secret_dir, 0);
        put(t->secret, SECRET, 0600, 0);
}

/* A racer: with UID's identity, waits for the first open of WATCH, then
 * renames PATH to MOVED_TO (if set), puts a link to LINK_TO (if set) or
 * renames REPLACEMENT (if set) in its place. It reports on a pipe: 'R'
 * when it watches, 'S' once the swap is done, 'E' if it failed. */
typedef struct {
        const char *watch;
        uid_t uid;
        const char *path, *moved_to, *link_to, *replacement;
        pid_t pid;
        int report;
} Racer;

static void racer_start(Racer *racer) {
        int p[2];
        g_assert_cmpint(pipe2(p, O_CLOEXEC), ==, 0);
        racer->pid = fork();
        g_assert_cmpint(racer->pid, >=, 0);
        if (racer->pid == 0) {
                char result = 'E';
                close(p[0]);
                int in = inotify_init1(IN_CLOEXEC);
                if (setresgid(racer->uid, racer->uid, racer->uid) < 0 ||
                    setresuid(racer->uid, racer->uid, racer->uid) < 0 || in < 0 ||
                    inotify_add_watch(in, racer->watch, IN_OPEN) < 0 || write(p[1], "R", 1) != 1)
                        _exit(1);
                char events[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
                if (read(in, events, sizeof(events)) > 0 &&
                    (!racer->moved_to || rename(racer->path, racer->moved_to) == 0) &&
                    (!racer->link_to || symlink(racer->link_to, racer->path) == 0) &&
                    (!racer->replacement || rename(racer->replacement, racer->path) == 0))
                        result = 'S';
                (void) !write(p[1], &result, 1);
                _exit(0);
        }
        close(p[1]);
        racer->report = p[0];
        char ready = 0;
        g_assert_cmpint(read(racer->report, &ready, 1), ==, 1);
        g_assert_cmpint(ready, ==, 'R');
}

/* Waits for the racer's report; true when it swapped. A racer that never
 * saw its open is stopped. */
static bool racer_finish(Racer *racer) {
        struct pollfd pfd = { .fd = racer->report, .events = POLLIN };
        char result = 0;
        if (poll(&pfd, 1, 10000) == 1 && read(racer->report, &result, 1) != 1)
                result = 0;
        if (result == 0)
                kill(racer->pid, SIGKILL);
        (void) waitpid(racer->pid, NULL, 0);
        close(racer->report);
        return result == 'S';
}

static const char *secret_seen;

static int look_for_secret(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        g_autofree char *content = NULL;
        if (type == FTW_F && S_ISREG(st->st_mode) && g_file_get_contents(path, &content, NULL, NULL) &&
            strstr(content, "5f0c2a"))
                secret_seen = g_intern_string(path);
        return 0;
}

/* The path of a file under ROOT holding the secret, or NULL. */
static const char *find_secret(const char *root) {
        secret_seen = NULL;
        g_assert_cmpint(nftw(root, look_for_secret, 16, FTW_PHYS), ==, 0);
        return secret_seen;
}

/* Plan, then (after the racer's swap) apply: the first failure's error. */
static GError *plan_and_apply(Trees *t, Racer *racer, bool *ret_swapped) {
        g_auto(ImportPlan) plan = {};
        GError *error = NULL;
        guint written = 0;

        if (racer)
                racer_start(racer);
        int r = import_plan(t->source, &t->account, &plan, &error);
        *ret_swapped = racer ? racer_finish(racer) : true;
        if (r >= 0)
                r = import_apply(&plan, &t->account, false, &written, &error);
        g_assert_true(r >= 0 || error);
        return error;
}

/* The reported attack: d/ is planned, then swapped for a link to root's
 * directory, whose shadow an apply by path would copy into the home (as
 * /etc and /etc/shadow in the report). */
static void test_source_directory_swapped(void) {
        g_auto(Trees) t = {};
        trees_init(&t, "source-directory");
        g_autofree char *d = g_build_filename(t.source, "d", NULL);
        g_autofree char *moved = g_build_filename(t.source, "d.planned", NULL);
        Racer racer = { .watch = t.trigger, .uid = OWNER_UID, .path = d, .moved_to = moved, .link_to = t.secret_dir };
        bool swapped;

        g_autoptr(GError) error = plan_and_apply(&t, &racer, &swapped);
        g_assert_true(swapped);
        g_assert_null(find_secret(t.home));
        g_assert_nonnull(error);
        g_assert_cmpint(error->code, ==, EX_DATAERR);
        g_autofree char *want = g_strdup_printf("%s/d changed while it was imported", t.source);
        g_assert_true(g_str_has_prefix(error->message, want));
        /* The swap was seen before d/ was created in the home. */
        g_autofree char *home_d = g_build_filename(t.home, "d", NULL);
        g_assert_false(g_file_test(home_d, G_FILE_TEST_EXISTS));
}

/* A planned file replaced by another (the owner's own): not the inode
 * planned, so not copied either. */
static void test_source_file_replaced(void) {
        g_auto(Trees) t = {};
        trees_init(&t, "source-file");
        g_autofree char *file = g_build_filename(t.source, "d", "shadow", NULL);
        g_autofree char *other = g_build_filename(t.owner_dir, "other", NULL);
        put(other, "swapped in after the plan\n", 0644, OWNER_UID);
        Racer racer = { .watch = t.trigger, .uid = OWNER_UID, .path = file, .replacement = other };
        bool swapped;

        g_autoptr(GError) error = plan_and_apply(&t, &racer, &swapped);
        g_assert_true(swapped);
        g_assert_nonnull(error);
        g_assert_cmpint(error->code, ==, EX_DATAERR);
        g_autofree char *want = g_strdup_printf("%s/d/shadow changed while it was imported", t.source);
        g_assert_true(g_str_has_prefix(error->message, want));
        g_autofree char *copied = g_build_filename(t.home, "d", "shadow", NULL);
        g_assert_false(g_file_test(copied, G_FILE_TEST_EXISTS));
}

/* The account swaps its home's workspace/ (merged into) for a link to a
 * directory outside the home: no write may follow it. */
static void test_home_directory_swapped(void) {
        g_auto(Trees) t = {};
        trees_init(&t, "home-directory");
        g_autofree char *home_workspace = g_build_filename(t.home, "workspace", NULL);
        g_autofree char *moved = g_build_filename(t.home, "workspace.planned", NULL);
        Racer racer = { .watch = t.trigger,
                        .uid = ACCOUNT_UID,
                        .path = home_workspace,
                        .moved_to = moved,
                        .link_to = t.elsewhere };
        bool swapped;

        g_autoptr(GError) error = plan_and_apply(&t, &racer, &swapped);
        g_assert_true(swapped);
        g_autofree char *leaked = g_build_filename(t.elsewhere, "README.md", NULL);
        g_assert_false(g_file_test(leaked, G_FILE_TEST_EXISTS));
        g_assert_nonnull(error);
        g_assert_cmpint(error->code, ==, EX_CANTCREAT);
        g_autofree char *want =
                g_strdup_printf("%s/workspace is no longer the directory the import planned for", t.home);
        g_assert_true(g_str_has_prefix(error->message, want));
}

/* A source file that is a hard link to root's secret (made by root here,
 * as protected_hardlinks=0 or an old link would allow): read as the
 * owner, who cannot read it, the plan fails before anything is written. */
static void test_source_hard_link(void) {
        g_auto(Trees) t = {};
        trees_init(&t, "hard-link");
        g_autofree char *leak = g_build_filename(t.source, "workspace", "leak", NULL);
        g_assert_cmpint(link(t.secret, leak), ==, 0);
        bool swapped;

        g_autoptr(GError) error = plan_and_apply(&t, NULL, &swapped);
        g_assert_null(find_secret(t.home));
        g_assert_nonnull(error);
        g_assert_cmpint(error->code, ==, EX_NOINPUT);
        g_autofree char *want = g_strdup_printf("cannot read %s/workspace/leak: %s; import-config reads the "
                                                "source as its owner (uid %u)",
                                                t.source, g_strerror(EACCES), OWNER_UID);
        g_assert_true(g_str_has_prefix(error->message, want));
        /* Nothing was written: the plan failed. */
        g_autofree char *readme = g_build_filename(t.home, "workspace", "README.md", NULL);
        g_assert_false(g_file_test(readme, G_FILE_TEST_EXISTS));
}

/* Without an attack the same trees import (the cases above fail for their
 * attack, not for the setup). */
static void test_no_attack(void) {
        g_auto(Trees) t = {};
        trees_init(&t, "no-attack");
        bool swapped;

        g_autoptr(GError) error = plan_and_apply(&t, NULL, &swapped);
        g_assert_no_error(error);
        g_autofree char *copied = g_build_filename(t.home, "d", "shadow", NULL);
        g_autofree char *content = NULL;
        g_assert_true(g_file_get_contents(copied, &content, NULL, NULL));
        g_assert_cmpstr(content, ==, "the owner's own file\n");
        struct stat st;
        g_assert_cmpint(lstat(copied, &st), ==, 0);
        g_assert_cmpuint(st.st_uid, ==, ACCOUNT_UID);
        g_assert_null(find_secret(t.home));
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        if (geteuid() != 0) {
                if (g_strcmp0(g_getenv("CI"), "true") == 0) {
                        printf("1..1\nnot ok 1 - test-import-race cannot run: not root (CI=true: this machine must "
                               "run it)\n");
                        return 1;
                }
                printf("1..0 # SKIP not root: the attacks need other uids\n");
                return 77;
        }
        scratch = g_dir_make_tmp("ovh-import-race-XXXXXX", NULL);
        g_assert_nonnull(scratch);
        g_assert_cmpint(chmod(scratch, 0755), ==, 0);
        g_test_add_func("/import-race/no-attack", test_no_attack);
        g_test_add_func("/import-race/source-directory-swapped-for-a-link", test_source_directory_swapped);
        g_test_add_func("/import-race/source-file-replaced", test_source_file_replaced);
        g_test_add_func("/import-race/home-directory-swapped-for-a-link", test_home_directory_swapped);
        g_test_add_func("/import-race/source-file-hard-linked-to-root-only", test_source_hard_link);
        int r = g_test_run();
        g_autofree char *command = g_strdup_printf("rm -rf '%s'", scratch);
        (void) !system(command);
        g_free(scratch);
        return r;
}

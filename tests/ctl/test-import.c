/* SPDX-License-Identifier: MIT */
/* import-config's engine on scratch directories: the plan, conflicts,
 * skips, --force, and that nothing changes without it. Runs as any user:
 * the "account" is the caller with a scratch home. */
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import.h"

static char *scratch;

static void put(const char *root, const char *path, const char *content, mode_t mode) {
        g_autofree char *full = g_build_filename(root, path, NULL);
        g_autofree char *dir = g_path_get_dirname(full);
        g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
        g_assert_true(g_file_set_contents(full, content, -1, NULL));
        g_assert_cmpint(chmod(full, mode), ==, 0);
}

static char *get(const char *root, const char *path) {
        g_autofree char *full = g_build_filename(root, path, NULL);
        char *content = NULL;
        return g_file_get_contents(full, &content, NULL, NULL) ? content : NULL;
}

static const ImportStep *find(const ImportPlan *plan, const char *path) {
        for (guint i = 0; i < plan->steps->len; i++) {
                const ImportStep *s = plan->steps->pdata[i];
                if (g_str_equal(s->path, path))
                        return s;
        }
        return NULL;
}

static void test_import(void) {
        g_autofree char *source = g_build_filename(scratch, "config", NULL);
        g_autofree char *home = g_build_filename(scratch, "home", NULL);
        OvhAccount account = { .name = (char *) "me", .uid = getuid(), .gid = getgid(), .home = home };
        g_autoptr(GError) error = NULL;

        put(source, "workspace/project/README.md", "hello\n", 0644);
        put(source, ".openvscode-server/data/User/settings.json", "{\"editor.fontSize\": 17}\n", 0600);
        put(source, ".openvscode-server/data/logs/old.log", "log\n", 0644);
        put(source, ".openvscode-server/token", "container-token\n", 0600);
        put(source, ".ssh/id_ed25519", "key\n", 0600);
        put(source, ".bashrc", "# container\n", 04755);
        put(source, ".profile", "same\n", 0644);
        put(source, "custom-cont-init.d/10-hook", "#!/bin/sh\n", 0755);
        put(source, "clash", "a file here\n", 0644);
        g_autofree char *link = g_build_filename(source, "workspace/link", NULL);
        g_assert_cmpint(symlink("project/README.md", link), ==, 0);

        put(home, ".bashrc", "# host skeleton\n", 0644);
        put(home, ".profile", "same\n", 0644);
        put(home, "clash/inside", "a directory there\n", 0644);
        put(home, "workspace/mine.txt", "mine\n", 0644);

        g_assert_true(import_source_looks_like_config(source));
        g_autofree char *not_config = g_build_filename(scratch, "home/clash", NULL);
        g_assert_false(import_source_looks_like_config(not_config));

        g_auto(ImportPlan) plan = {};
        g_assert_cmpint(import_plan(source, &account, &plan, &error), ==, 0);
        g_assert_no_error(error);
        g_assert_cmpint(find(&plan, ".bashrc")->kind, ==, IMPORT_CONFLICT);
        g_assert_cmpint(find(&plan, ".profile")->kind, ==, IMPORT_SAME);
        g_assert_cmpint(find(&plan, "clash")->kind, ==, IMPORT_CLASH);
        g_assert_cmpint(find(&plan, "custom-cont-init.d")->kind, ==, IMPORT_SKIP);
        g_assert_null(find(&plan, "custom-cont-init.d/10-hook"));
        g_assert_cmpint(find(&plan, ".openvscode-server/token")->kind, ==, IMPORT_SKIP);
        g_assert_cmpint(find(&plan, ".openvscode-server/data/logs")->kind, ==, IMPORT_SKIP);
        g_assert_cmpint(find(&plan, ".openvscode-server")->kind, ==, IMPORT_MKDIR);
        g_assert_cmpint(find(&plan, ".openvscode-server/data/User/settings.json")->kind, ==, IMPORT_COPY);
        g_assert_cmpint(find(&plan, "workspace/link")->kind, ==, IMPORT_SYMLINK);
        g_assert_null(find(&plan, "workspace")); /* an existing directory is merged into */
        g_assert_cmpuint(plan.counts[IMPORT_CONFLICT], ==, 1);
        g_assert_cmpuint(plan.counts[IMPORT_CLASH], ==, 1);

        /* Without force a conflict is left alone. */
        guint written = 0;
        g_assert_cmpint(import_apply(&plan, &account, false, &written, &error), ==, 0);
        g_autofree char *bashrc = get(home, ".bashrc");
        g_assert_cmpstr(bashrc, ==, "# host skeleton\n");
        g_autofree char *settings = get(home, ".openvscode-server/data/User/settings.json");
        g_assert_cmpstr(settings, ==, "{\"editor.fontSize\": 17}\n");
        g_autofree char *readme = get(home, "workspace/project/README.md");
        g_assert_cmpstr(readme, ==, "hello\n");
        g_autofree char *mine = get(home, "workspace/mine.txt");
        g_assert_cmpstr(mine, ==, "mine\n");
        g_autofree char *link_path = g_build_filename(home, "workspace/link", NULL);
        g_autofree char *link_target = g_file_read_link(link_path, NULL);
        g_assert_cmpstr(link_target, ==, "project/README.md");
        g_autofree char *token = get(home, ".openvscode-server/token");
        g_assert_null(token);
        g_autofree char *hook = get(home, "custom-cont-init.d/10-hook");
        g_assert_null(hook);
        struct stat st;
        g_autofree char *key = g_build_filename(home, ".ssh/id_ed25519", NULL);
        g_assert_cmpint(stat(key, &st), ==, 0);
        g_assert_cmpuint(st.st_mode & 07777, ==, 0600);

        /* A second plan: everything is there now but the conflict. */
        g_auto(ImportPlan) again = {};
        g_assert_cmpint(import_plan(source, &account, &again, &error), ==, 0);
        g_assert_cmpuint(again.counts[IMPORT_COPY] + again.counts[IMPORT_MKDIR] + again.counts[IMPORT_SYMLINK], ==, 0);
        g_assert_cmpuint(again.counts[IMPORT_CONFLICT], ==, 1);

        /* With force it is replaced, without the setuid bit. */
        g_assert_cmpint(import_apply(&again, &account, true, &written, &error), ==, 0);
        g_assert_cmpuint(written, ==, 1);
        g_autofree char *replaced = get(home, ".bashrc");
        g_assert_cmpstr(replaced, ==, "# container\n");
        g_autofree char *bashrc_path = g_build_filename(home, ".bashrc", NULL);
        g_assert_cmpint(stat(bashrc_path, &st), ==, 0);
        g_assert_cmpuint(st.st_mode & 07777, ==, 0755);
        /* No temporary file is left. */
        g_autoptr(GDir) d = g_dir_open(home, 0, NULL);
        for (const char *name; (name = g_dir_read_name(d));)
                g_assert_false(strstr(name, "openvscodectl-"));
}

static void test_unmark_obsolete(void) {
        g_autofree char *source = g_build_filename(scratch, "config2", NULL);
        g_autofree char *home = g_build_filename(scratch, "home2", NULL);
        OvhAccount account = { .name = (char *) "me", .uid = getuid(), .gid = getgid(), .home = home };
        g_autoptr(GError) error = NULL;
        guint unmarked = 0;

        put(source, ".openvscode-server/extensions/extensions.json",
            "[{\"identifier\":{\"id\":\"a.a\"},\"version\":\"1.0.0\",\"relativeLocation\":\"a.a-1.0.0\"}]", 0644);
        g_assert_cmpint(g_mkdir_with_parents(home, 0755), ==, 0);
        g_auto(ImportPlan) plan = {};
        g_assert_cmpint(import_plan(source, &account, &plan, &error), ==, 0);
        g_assert_cmpint(import_unmark_obsolete(&plan, &account, &unmarked, &error), ==, 0);
        g_assert_cmpuint(unmarked, ==, 0); /* no .obsolete: nothing to do */

        put(home, ".openvscode-server/extensions/.obsolete", "{\"a.a-1.0.0\":true,\"b.b-2.0.0\":true}", 0644);
        g_assert_cmpint(import_unmark_obsolete(&plan, &account, &unmarked, &error), ==, 0);
        g_assert_no_error(error);
        g_assert_cmpuint(unmarked, ==, 1);
        g_autofree char *left = get(home, ".openvscode-server/extensions/.obsolete");
        g_assert_cmpstr(left, ==, "{\"b.b-2.0.0\":true}");

        put(home, ".openvscode-server/extensions/.obsolete", "{\"a.a-1.0.0\":true}", 0644);
        g_assert_cmpint(import_unmark_obsolete(&plan, &account, &unmarked, &error), ==, 0);
        g_assert_cmpuint(unmarked, ==, 1);
        g_autofree char *gone = get(home, ".openvscode-server/extensions/.obsolete");
        g_assert_null(gone);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        scratch = g_dir_make_tmp("ovh-import-XXXXXX", NULL);
        g_test_add_func("/import/plan-and-apply", test_import);
        g_test_add_func("/import/unmark-obsolete", test_unmark_obsolete);
        int r = g_test_run();
        g_autofree char *command = g_strdup_printf("rm -rf '%s'", scratch);
        (void) !system(command);
        g_free(scratch);
        return r;
}

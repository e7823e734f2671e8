/* SPDX-License-Identifier: MIT */
/* The server kinds (server-tree.c) and the installed-servers store
 * (server-store.c): classification from facts, detection of real layouts
 * built in a temporary directory, the top-level JSON reader, entry
 * metadata, links, lookup, pruning and precedence. */
#include <errno.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ovh-error.h"
#include "paths.h"
#include "server-store.h"
#include "server-tree.h"
#include "server.h"

static void test_json_top_string(void) {
        static const struct {
                const char *json, *key, *want;
        } cases[] = {
                { "{\"version\": \"1.2.3\"}", "version", "1.2.3" },
                /* a nested "version" never answers, even when it comes first */
                { "{\"engines\": {\"version\": \"9\"}, \"version\": \"1.139.1\"}", "version", "1.139.1" },
                { "{\"a\": [1, {\"version\": \"x\"}, \"]\"], \"version\": \"2\"}", "version", "2" },
                { "{\"engines\": {\"version\": \"9\"}}", "version", NULL },
                { "{\"a\": \"}\\\"{\", \"b\": \"ok\"}", "b", "ok" },
                { "{\"version\": 3}", "version", NULL },
                { "{\"version\": \"a\\u0041\"}", "version", NULL },
                { "{\"version\": \"a\\\"b\"}", "version", "a\"b" },
                { "[\"version\", \"1\"]", "version", NULL },
                { "{\"version\": \"1\"", "version", "1" },
                { "{\"x\": \"unterminated", "version", NULL },
                { "", "version", NULL },
                { "{\"x\": {\"y\": [", "version", NULL },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *got = ovh_json_top_string(cases[i].json, cases[i].key);
                g_assert_cmpstr(got, ==, cases[i].want);
        }
}

static void test_version_valid(void) {
        g_assert_true(ovh_server_version_valid("1.139.1"));
        g_assert_true(ovh_server_version_valid("4.139.1"));
        g_assert_true(ovh_server_version_valid("1.116.02821"));
        g_assert_true(ovh_server_version_valid("1.2.3-rc.1+build"));
        g_assert_false(ovh_server_version_valid(NULL));
        g_assert_false(ovh_server_version_valid(""));
        g_assert_false(ovh_server_version_valid("../1"));
        g_assert_false(ovh_server_version_valid("1/2"));
        g_assert_false(ovh_server_version_valid(".1"));
        g_assert_false(ovh_server_version_valid("1 2"));
        g_assert_false(ovh_server_version_valid("1\n2"));
}

typedef struct {
        const char *what;
        bool top_main, lib_main;
        const char *product, *package;
        int want_kind; /* -1: refused */
        const char *root_rel, *node_rel, *version, *release;
} ClassifyCase;

static void test_classify(void) {
        static const ClassifyCase cases[] = {
                { "openvscode-server", true, false,
                  "{\"serverApplicationName\": \"openvscode-server\", \"commit\": \"abc\"}",
                  "{\"version\": \"1.109.5\"}", OVH_SERVER_KIND_OPENVSCODE_SERVER, "", "node", "1.109.5", "1.109.5" },
                { "code-server release", false, true,
                  "{\"codeServerVersion\": \"4.139.1\", \"serverApplicationName\": \"code-server-oss\"}",
                  "{\"version\": \"1.139.1\"}", OVH_SERVER_KIND_CODE_SERVER, "lib/vscode", "lib/node", "1.139.1",
                  "4.139.1" },
                { "code-server's lib/vscode as the root", true, false, "{\"codeServerVersion\": \"4.100.3\"}",
                  "{\"version\": \"1.100.3\"}", OVH_SERVER_KIND_CODE_SERVER, "", "../node", "1.100.3", "4.100.3" },
                { "vscodium", true, false, "{\"serverApplicationName\": \"codium-server\"}",
                  "{\"version\": \"1.116.02821\"}", OVH_SERVER_KIND_VSCODIUM, "", "node", "1.116.0", "1.116.02821" },
                { "microsoft", true, false,
                  "{\"nameShort\": \"Visual Studio Code\", \"serverApplicationName\": \"code-server\", "
                  "\"serverLicensePrompt\": \"Do you accept?\"}",
                  "{\"version\": \"1.139.1\"}", OVH_SERVER_KIND_MICROSOFT, "", "node", "1.139.1", "1.139.1" },
                { "a VS Code OSS tree", true, false, "{\"serverApplicationName\": \"code-server-oss\"}",
                  "{\"version\": \"1.139.1\"}", OVH_SERVER_KIND_VSCODE, "", "node", "1.139.1", "1.139.1" },
                { "no product.json", true, false, NULL, "{\"version\": \"1.0.0\"}", OVH_SERVER_KIND_VSCODE, "", "node",
                  "1.0.0", "1.0.0" },
                { "no server at all", false, false, NULL, NULL, -1, NULL, NULL, NULL, NULL },
                { "no version", true, false, "{}", "{\"name\": \"x\"}", -1, NULL, NULL, NULL, NULL },
                { "a version that is a path", true, false, "{}", "{\"version\": \"../../etc\"}", -1, NULL, NULL, NULL,
                  NULL },
                { "a code-server version that is a path", false, true, "{\"codeServerVersion\": \"4/../x\"}",
                  "{\"version\": \"1.0.0\"}", -1, NULL, NULL, NULL, NULL },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                const ClassifyCase *c = &cases[i];
                OvhServerTreeFacts f = {
                        .top_server_main = c->top_main,
                        .lib_vscode_server_main = c->lib_main,
                        .product_json = (char *) c->product,
                        .package_json = (char *) c->package,
                };
                OvhServerKind kind = _OVH_SERVER_KIND_MAX;
                const char *root_rel = NULL, *node_rel = NULL;
                g_autofree char *version = NULL, *release = NULL, *commit = NULL;
                g_autoptr(GError) error = NULL;
                int r = ovh_server_tree_classify("/t", &f, &kind, &root_rel, &node_rel, &version, &release, &commit,
                                                 &error);
                g_test_message("%s: %d %s", c->what, r, error ? error->message : ovh_server_kind_name(kind));
                if (c->want_kind < 0) {
                        g_assert_cmpint(r, <, 0);
                        g_assert_error(error, OVH_ERROR, EX_DATAERR);
                        g_assert_true(g_str_has_prefix(error->message, "/t"));
                        continue;
                }
                g_assert_cmpint(r, ==, 0);
                g_assert_cmpint(kind, ==, c->want_kind);
                g_assert_cmpstr(root_rel, ==, c->root_rel);
                g_assert_cmpstr(node_rel, ==, c->node_rel);
                g_assert_cmpstr(version, ==, c->version);
                g_assert_cmpstr(release, ==, c->release);
        }
}

static void write_file(const char *dir, const char *rel, const char *text, mode_t mode) {
        g_autofree char *path = g_build_filename(dir, rel, NULL);
        g_autofree char *parent = g_path_get_dirname(path);
        g_assert_cmpint(g_mkdir_with_parents(parent, 0755), ==, 0);
        g_assert_true(g_file_set_contents(path, text, -1, NULL));
        g_assert_cmpint(chmod(path, mode), ==, 0);
}

/* Release layouts as each upstream lays them out (docs/server.md). */
static void test_detect(void) {
        g_autofree char *tmp = g_dir_make_tmp("ovh-tree-XXXXXX", NULL);
        g_autofree char *cs = g_build_filename(tmp, "code-server-4.139.1-linux-amd64", NULL);
        write_file(cs, "lib/vscode/out/server-main.js", "", 0644);
        write_file(cs, "lib/vscode/product.json", "{\"codeServerVersion\": \"4.139.1\", \"commit\": \"c0ffee\"}", 0644);
        write_file(cs, "lib/vscode/package.json", "{\"version\": \"1.139.1\"}", 0644);
        write_file(cs, "lib/node", "#!/bin/sh\n", 0755);
        write_file(cs, "bin/code-server", "#!/bin/sh\n", 0755);

        g_auto(OvhServerTree) t = {};
        g_autoptr(GError) error = NULL;
        g_assert_cmpint(ovh_server_tree_detect(cs, &t, &error), ==, 0);
        g_assert_no_error(error);
        g_assert_cmpint(t.kind, ==, OVH_SERVER_KIND_CODE_SERVER);
        g_autofree char *want_root = g_build_filename(cs, "lib", "vscode", NULL);
        g_autofree char *want_node = g_build_filename(cs, "lib", "node", NULL);
        g_assert_cmpstr(t.root, ==, want_root);
        g_assert_cmpstr(t.node, ==, want_node);
        g_assert_cmpstr(t.release, ==, "4.139.1");
        g_assert_cmpstr(t.commit, ==, "c0ffee");

        /* The same tree given at lib/vscode: node is ../node. */
        g_auto(OvhServerTree) t2 = {};
        g_assert_cmpint(ovh_server_tree_detect(want_root, &t2, NULL), ==, 0);
        g_assert_cmpint(t2.kind, ==, OVH_SERVER_KIND_CODE_SERVER);
        g_assert_nonnull(t2.node);
        g_assert_true(g_str_has_suffix(t2.node, "lib/vscode/../node"));

        /* code-server's lib/vscode laid out as a release tree of its own
         * (scripts/provision-server-release): node beside out/. */
        g_autofree char *npm = g_build_filename(tmp, "npm-code-server", "lib", "vscode", NULL);
        write_file(npm, "out/server-main.js", "", 0644);
        write_file(npm, "product.json", "{\"codeServerVersion\": \"4.139.1\"}", 0644);
        write_file(npm, "package.json", "{\"version\": \"1.139.1\"}", 0644);
        write_file(npm, "node", "#!/bin/sh\n", 0755);
        g_auto(OvhServerTree) tn = {};
        g_assert_cmpint(ovh_server_tree_detect(npm, &tn, NULL), ==, 0);
        g_autofree char *npm_node = g_build_filename(npm, "node", NULL);
        g_assert_cmpstr(tn.node, ==, npm_node);

        /* openvscode-server, node not executable: no node of its own. */
        g_autofree char *ovs = g_build_filename(tmp, "openvscode-server-v1.109.5-linux-x64", NULL);
        write_file(ovs, "out/server-main.js", "", 0644);
        write_file(ovs, "product.json", "{\"serverApplicationName\": \"openvscode-server\"}", 0644);
        write_file(ovs, "package.json", "{\"version\": \"1.109.5\"}", 0644);
        write_file(ovs, "node", "", 0644);
        g_auto(OvhServerTree) t3 = {};
        g_assert_cmpint(ovh_server_tree_detect(ovs, &t3, NULL), ==, 0);
        g_assert_cmpint(t3.kind, ==, OVH_SERVER_KIND_OPENVSCODE_SERVER);
        g_assert_null(t3.node);

        /* Not a tree; not a directory. */
        g_autofree char *empty = g_build_filename(tmp, "empty", NULL);
        g_assert_cmpint(g_mkdir(empty, 0755), ==, 0);
        g_auto(OvhServerTree) t4 = {};
        g_autoptr(GError) e4 = NULL;
        g_assert_cmpint(ovh_server_tree_detect(empty, &t4, &e4), <, 0);
        g_assert_error(e4, OVH_ERROR, EX_DATAERR);
        g_assert_nonnull(strstr(e4->message, "lib/vscode/out/server-main.js (code-server)"));
        g_autofree char *file = g_build_filename(ovs, "package.json", NULL);
        g_auto(OvhServerTree) t5 = {};
        g_autoptr(GError) e5 = NULL;
        g_assert_cmpint(ovh_server_tree_detect(file, &t5, &e5), <, 0);
        g_assert_error(e5, OVH_ERROR, EX_NOINPUT);

        g_autofree char *rm = g_strdup_printf("rm -rf '%s'", tmp);
        g_assert_cmpint(system(rm), ==, 0);
}

static void test_elf(void) {
        const char *arch = NULL;
        g_assert_cmpint(ovh_elf_file_arch("/proc/self/exe", &arch), ==, 0);
        g_assert_cmpstr(arch, ==, ovh_native_arch());
        g_assert_cmpint(ovh_elf_file_arch("/etc/hostname", &arch), ==, -ENOEXEC);
        g_assert_cmpstr(ovh_elf_machine_arch(183), ==, "arm64");
        g_assert_cmpstr(ovh_elf_machine_arch(62), ==, "amd64");
        g_assert_null(ovh_elf_machine_arch(9999));
}

static OvhStoredServer *stored(const char *name, const char *release, gint64 when, bool current, bool previous) {
        OvhStoredServer *s = g_new0(OvhStoredServer, 1);
        s->name = g_strdup(name);
        s->kind = OVH_SERVER_KIND_CODE_SERVER;
        s->release = g_strdup(release);
        s->version = g_strdup_printf("1.%s", release + 2);
        s->arch = g_strdup("amd64");
        s->installed = when;
        s->current = current;
        s->previous = previous;
        return s;
}

static void test_store_meta(void) {
        g_autoptr(OvhStoredServer) s = stored("code-server-4.139.1-amd64", "4.139.1", 1700000000, false, false);
        s->source = g_strdup("https://example.org/x.tar.gz");
        s->sha256 = g_strdup("ab12");
        g_autofree char *text = ovh_store_meta_text(s);
        g_autoptr(OvhStoredServer) back = g_new0(OvhStoredServer, 1);
        g_assert_cmpint(ovh_store_meta_parse(text, back), ==, 0);
        g_assert_cmpint(back->kind, ==, OVH_SERVER_KIND_CODE_SERVER);
        g_assert_cmpstr(back->release, ==, "4.139.1");
        g_assert_cmpstr(back->version, ==, "1.139.1");
        g_assert_cmpstr(back->source, ==, "https://example.org/x.tar.gz");
        g_assert_cmpint(back->installed, ==, 1700000000);
        g_autoptr(OvhStoredServer) bad = g_new0(OvhStoredServer, 1);
        g_assert_cmpint(ovh_store_meta_parse("[Server]\nKind=nonsense\n", bad), ==, -EINVAL);

        g_autofree char *name = ovh_store_entry_name(OVH_SERVER_KIND_VSCODIUM, "1.116.02821", "arm64");
        g_assert_cmpstr(name, ==, "vscodium-1.116.02821-arm64");
}

static void test_store_find_and_prune(void) {
        g_autoptr(GPtrArray) e = g_ptr_array_new_with_free_func((GDestroyNotify) ovh_stored_server_free);
        /* newest first, as ovh_store_list sorts */
        g_ptr_array_add(e, stored("code-server-4.139.1-amd64", "4.139.1", 50, true, false));
        g_ptr_array_add(e, stored("code-server-4.138.0-amd64", "4.138.0", 40, false, true));
        g_ptr_array_add(e, stored("code-server-4.137.0-amd64", "4.137.0", 30, false, false));
        g_ptr_array_add(e, stored("code-server-4.136.0-amd64", "4.136.0", 20, false, false));
        g_ptr_array_add(e, stored("code-server-4.135.0-amd64", "4.135.0", 10, false, false));

        g_assert_cmpstr(ovh_store_find(e, "code-server-4.137.0-amd64", "amd64", NULL)->name, ==,
                        "code-server-4.137.0-amd64");
        g_assert_cmpstr(ovh_store_find(e, "4.136.0", "amd64", NULL)->name, ==, "code-server-4.136.0-amd64");
        g_assert_cmpstr(ovh_store_find(e, "1.136.0", "amd64", NULL)->name, ==, "code-server-4.136.0-amd64");
        g_autoptr(GError) unknown = NULL;
        g_assert_null(ovh_store_find(e, "9.9.9", "amd64", &unknown));
        g_assert_error(unknown, OVH_ERROR, EX_NOINPUT);
        g_assert_nonnull(strstr(unknown->message, "code-server-4.135.0-amd64"));

        g_autoptr(GPtrArray) p1 = ovh_store_prunable(e, 1);
        g_assert_cmpuint(p1->len, ==, 2); /* keeps current, previous and 4.137.0 */
        g_assert_cmpstr(((OvhStoredServer *) p1->pdata[0])->name, ==, "code-server-4.135.0-amd64");
        g_assert_cmpstr(((OvhStoredServer *) p1->pdata[1])->name, ==, "code-server-4.136.0-amd64");
        g_autoptr(GPtrArray) p0 = ovh_store_prunable(e, 0);
        g_assert_cmpuint(p0->len, ==, 3);
        g_autoptr(GPtrArray) p9 = ovh_store_prunable(e, 9);
        g_assert_cmpuint(p9->len, ==, 0);
}

static void make_entry(const char *dir, const char *name, gint64 when) {
        g_autoptr(OvhStoredServer) s = stored(name, "4.139.1", when, false, false);
        g_autofree char *meta = ovh_store_meta_text(s);
        g_autofree char *entry = g_build_filename(dir, name, NULL);
        write_file(entry, OVH_STORE_META_NAME, meta, 0644);
        write_file(entry, "lib/vscode/out/server-main.js", "", 0644);
}

static void test_store_on_disk(void) {
        g_autofree char *dir = g_dir_make_tmp("ovh-store-XXXXXX", NULL);
        g_autoptr(GPtrArray) none = NULL;
        g_autofree char *missing = g_build_filename(dir, "missing", NULL);
        g_assert_cmpint(ovh_store_list(missing, &none, NULL), ==, 0);
        g_assert_cmpuint(none->len, ==, 0);

        make_entry(dir, "code-server-4.139.1-amd64", 20);
        make_entry(dir, "code-server-4.138.0-amd64", 10);
        /* staging and half-removed trees are not entries */
        g_autofree char *staging = g_build_filename(dir, ".staging-x", NULL);
        g_assert_cmpint(g_mkdir(staging, 0700), ==, 0);
        g_assert_cmpint(ovh_store_set_link(dir, OVH_STORE_CURRENT, "code-server-4.139.1-amd64", NULL), ==, 0);
        g_assert_cmpint(ovh_store_set_link(dir, OVH_STORE_PREVIOUS, "code-server-4.138.0-amd64", NULL), ==, 0);

        g_autoptr(GPtrArray) list = NULL;
        g_assert_cmpint(ovh_store_list(dir, &list, NULL), ==, 0);
        g_assert_cmpuint(list->len, ==, 2);
        g_assert_true(((OvhStoredServer *) list->pdata[0])->current);
        g_assert_true(((OvhStoredServer *) list->pdata[1])->previous);

        /* Switching replaces the link by one rename: never missing. */
        g_assert_cmpint(ovh_store_set_link(dir, OVH_STORE_CURRENT, "code-server-4.138.0-amd64", NULL), ==, 0);
        g_autofree char *cur = ovh_store_link(dir, OVH_STORE_CURRENT);
        g_assert_cmpstr(cur, ==, "code-server-4.138.0-amd64");

        /* A link that is a path is not an entry. */
        g_autofree char *prev_path = g_build_filename(dir, OVH_STORE_PREVIOUS, NULL);
        g_assert_cmpint(unlink(prev_path), ==, 0);
        g_assert_cmpint(symlink("/etc", prev_path), ==, 0);
        g_assert_null(ovh_store_link(dir, OVH_STORE_PREVIOUS));

        /* Precedence: Root= first, then current, then the package. */
        g_autoptr(OvhConfig) config = ovh_config_new();
        g_auto(OvhServerChoice) c1 = {};
        ovh_server_choose(config, dir, &c1);
        g_assert_cmpint(c1.origin, ==, OVH_SERVER_FROM_STORE);
        g_autofree char *want = g_build_filename(dir, "code-server-4.138.0-amd64", NULL);
        g_assert_cmpstr(c1.top, ==, want);
        g_auto(OvhServerChoice) c2 = {};
        ovh_server_choose(config, missing, &c2);
        g_assert_cmpint(c2.origin, ==, OVH_SERVER_FROM_PACKAGE);
        g_assert_cmpstr(c2.top, ==, OVH_DEFAULT_ROOT);
        config->root = g_strdup("/opt/vscode");
        g_auto(OvhServerChoice) c3 = {};
        ovh_server_choose(config, dir, &c3);
        g_assert_cmpint(c3.origin, ==, OVH_SERVER_FROM_CONFIG);
        g_assert_cmpstr(c3.top, ==, "/opt/vscode");

        /* Removing: the tree goes, a symlink inside it is not followed. */
        g_autofree char *victim = g_build_filename(dir, "victim", NULL);
        write_file(victim, "keep", "x", 0644);
        g_autofree char *link = g_build_filename(dir, "code-server-4.139.1-amd64", "escape", NULL);
        g_assert_cmpint(symlink(victim, link), ==, 0);
        g_assert_cmpint(ovh_store_remove_tree(dir, "code-server-4.139.1-amd64", NULL), ==, 0);
        g_autofree char *gone = g_build_filename(dir, "code-server-4.139.1-amd64", NULL);
        g_assert_false(g_file_test(gone, G_FILE_TEST_EXISTS));
        g_autofree char *kept = g_build_filename(victim, "keep", NULL);
        g_assert_true(g_file_test(kept, G_FILE_TEST_EXISTS));
        g_autoptr(GError) e = NULL;
        g_assert_cmpint(ovh_store_remove_tree(dir, "code-server-4.139.1-amd64", &e), <, 0);
        g_assert_error(e, OVH_ERROR, EX_NOINPUT);

        g_autofree char *rm = g_strdup_printf("rm -rf '%s'", dir);
        g_assert_cmpint(system(rm), ==, 0);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/server-tree/json-top-string", test_json_top_string);
        g_test_add_func("/server-tree/version-valid", test_version_valid);
        g_test_add_func("/server-tree/classify", test_classify);
        g_test_add_func("/server-tree/detect", test_detect);
        g_test_add_func("/server-tree/elf", test_elf);
        g_test_add_func("/server-store/meta", test_store_meta);
        g_test_add_func("/server-store/find-and-prune", test_store_find_and_prune);
        g_test_add_func("/server-store/on-disk", test_store_on_disk);
        return g_test_run();
}

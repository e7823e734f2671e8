/* SPDX-License-Identifier: MIT */
/* openvscodectl server's pure parts and its unpacking (server-feed.c,
 * server-unpack.c, server-install.c): release feeds shaped like GitHub's
 * releases API, tarballs written here with libarchive (the release
 * layouts and the attacks: absolute paths, "..", links out of the tree,
 * devices, truncation), and the architecture check. The system suite
 * (tests/system/test-server.sh) runs the verbs for real. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ovh-error.h"
#include "server-feed.h"
#include "server-install.h"
#include "server-unpack.h"

static char *scratch;

/* ------------------------------------------------------------ feeds */

static const char release_json[] =
        "{\"tag_name\": \"v4.139.1\", \"name\": \"v4.139.1\", \"draft\": false, \"prerelease\": false,\n"
        " \"assets\": [\n"
        "  {\"name\": \"code-server-4.139.1-linux-arm64.tar.gz\", \"size\": 10,\n"
        "   \"browser_download_url\": \"https://github.com/coder/code-server/releases/download/v4.139.1/"
        "code-server-4.139.1-linux-arm64.tar.gz\",\n"
        "   \"digest\": \"sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"},\n"
        "  {\"name\": \"code-server-4.139.1-linux-amd64.tar.gz\", \"size\": 20,\n"
        "   \"browser_download_url\": \"https://github.com/coder/code-server/releases/download/v4.139.1/"
        "code-server-4.139.1-linux-amd64.tar.gz\",\n"
        "   \"digest\": \"sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"},\n"
        "  {\"name\": \"code-server_4.139.1_amd64.deb\", \"size\": 30,\n"
        "   \"browser_download_url\": \"https://github.com/x.deb\", \"digest\": null}\n"
        " ]}";

static void test_feed_pick(void) {
        g_auto(CtlFeedAsset) a = {};
        g_autoptr(GError) e = NULL;
        g_assert_cmpint(
                ctl_feed_pick(OVH_SERVER_KIND_CODE_SERVER, "arm64", release_json, strlen(release_json), "F", &a, &e),
                ==, 0);
        g_assert_no_error(e);
        g_assert_cmpstr(a.release, ==, "4.139.1");
        g_assert_cmpstr(a.asset, ==, "code-server-4.139.1-linux-arm64.tar.gz");
        g_assert_cmpstr(a.sha256, ==, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        g_assert_cmpint(a.size, ==, 10);

        /* No build for the architecture: code-server has no armhf. */
        g_auto(CtlFeedAsset) b = {};
        g_autoptr(GError) e2 = NULL;
        g_assert_cmpint(
                ctl_feed_pick(OVH_SERVER_KIND_CODE_SERVER, "armhf", release_json, strlen(release_json), "F", &b, &e2),
                <, 0);
        g_assert_error(e2, OVH_ERROR, EX_UNAVAILABLE);
        /* The release lacks this architecture's asset. */
        g_autofree char *no_amd64 = g_strdup(release_json);
        char *at = strstr(no_amd64, "linux-amd64.tar.gz\", \"size\"");
        g_assert_nonnull(at);
        memcpy(at, "linux-amd65", 11);
        g_auto(CtlFeedAsset) c = {};
        g_autoptr(GError) e3 = NULL;
        g_assert_cmpint(ctl_feed_pick(OVH_SERVER_KIND_CODE_SERVER, "amd64", no_amd64, strlen(no_amd64), "F", &c, &e3),
                        <, 0);
        g_assert_error(e3, OVH_ERROR, EX_UNAVAILABLE);
        g_assert_nonnull(strstr(e3->message, "has no code-server-4.139.1-linux-amd64.tar.gz"));

        static const struct {
                const char *json;
                int code;
                const char *says;
        } bad[] = {
                { "<html>rate limited</html>", EX_DATAERR, "not JSON" },
                { "{\"message\": \"Not Found\"}", EX_DATAERR, "no release" },
                { "{\"tag_name\": \"4.139.1\", \"assets\": []}", EX_DATAERR, "not a code-server release tag" },
                { "{\"tag_name\": \"v../../x\", \"assets\": []}", EX_DATAERR, "not a code-server release tag" },
                { "{\"tag_name\": \"v1.0.0\", \"assets\": [{\"name\": \"code-server-1.0.0-linux-amd64.tar.gz\", "
                  "\"browser_download_url\": \"http://evil.example/x\"}]}",
                  EX_DATAERR, "no https:// browser_download_url" },
                { "{\"tag_name\": \"v1.0.0\", \"assets\": [{\"name\": \"code-server-1.0.0-linux-amd64.tar.gz\", "
                  "\"browser_download_url\": \"https://x/y\", \"digest\": \"md5:abc\"}]}",
                  EX_DATAERR, "not sha256:HEX" },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_auto(CtlFeedAsset) d = {};
                g_autoptr(GError) e4 = NULL;
                g_assert_cmpint(ctl_feed_pick(OVH_SERVER_KIND_CODE_SERVER, "amd64", bad[i].json, strlen(bad[i].json),
                                              "F", &d, &e4),
                                <, 0);
                g_test_message("%s", e4->message);
                g_assert_error(e4, OVH_ERROR, bad[i].code);
                g_assert_nonnull(strstr(e4->message, bad[i].says));
                g_assert_null(strchr(e4->message, '\n'));
        }

        /* No digest: picked, with sha256 NULL (install then refuses it). */
        const char *no_digest = "{\"tag_name\": \"1.116.02821\", \"assets\": [{\"name\": "
                                "\"vscodium-reh-web-linux-x64-1.116.02821.tar.gz\", \"browser_download_url\": "
                                "\"https://x/y.tar.gz\", \"digest\": null}]}";
        g_auto(CtlFeedAsset) f = {};
        g_assert_cmpint(ctl_feed_pick(OVH_SERVER_KIND_VSCODIUM, "amd64", no_digest, strlen(no_digest), "F", &f, NULL),
                        ==, 0);
        g_assert_null(f.sha256);
        g_assert_cmpstr(f.release, ==, "1.116.02821");
}

static void test_feed_names(void) {
        g_autofree char *u1 = ctl_feed_release_url(OVH_SERVER_KIND_CODE_SERVER, NULL, NULL);
        g_assert_cmpstr(u1, ==, "https://api.github.com/repos/coder/code-server/releases/latest");
        g_autofree char *u2 =
                ctl_feed_release_url(OVH_SERVER_KIND_OPENVSCODE_SERVER, "http://127.0.0.1:8/api/", "1.109.5");
        g_assert_cmpstr(u2, ==,
                        "http://127.0.0.1:8/api/repos/gitpod-io/openvscode-server/releases/tags/"
                        "openvscode-server-v1.109.5");
        g_autofree char *u3 = ctl_feed_release_url(OVH_SERVER_KIND_VSCODIUM, NULL, "1.116.02821");
        g_assert_cmpstr(u3, ==, "https://api.github.com/repos/VSCodium/vscodium/releases/tags/1.116.02821");

        g_autofree char *n1 = ctl_feed_asset_name(OVH_SERVER_KIND_OPENVSCODE_SERVER, "1.109.5", "amd64");
        g_assert_cmpstr(n1, ==, "openvscode-server-v1.109.5-linux-x64.tar.gz");
        g_autofree char *n2 = ctl_feed_asset_name(OVH_SERVER_KIND_VSCODIUM, "1.116.02821", "arm64");
        g_assert_cmpstr(n2, ==, "vscodium-reh-web-linux-arm64-1.116.02821.tar.gz");
        g_assert_null(ctl_feed_asset_name(OVH_SERVER_KIND_CODE_SERVER, "4.139.1", "armhf"));
        g_assert_null(ctl_feed_asset_name(OVH_SERVER_KIND_MICROSOFT, "1.0.0", "amd64"));

        OvhServerKind k;
        g_autofree char *v1 = NULL, *v2 = NULL, *v3 = NULL;
        g_assert_cmpint(ctl_feed_parse_spec("code-server", &k, &v1), ==, 0);
        g_assert_cmpint(k, ==, OVH_SERVER_KIND_CODE_SERVER);
        g_assert_null(v1);
        g_assert_cmpint(ctl_feed_parse_spec("vscodium@1.116.02821", &k, &v2), ==, 0);
        g_assert_cmpstr(v2, ==, "1.116.02821");
        g_assert_cmpint(ctl_feed_parse_spec("openvscode-server@latest", &k, &v3), ==, 0);
        g_assert_null(v3);
        g_autofree char *v4 = NULL;
        g_assert_cmpint(ctl_feed_parse_spec("microsoft", &k, &v4), ==, -EINVAL);
        g_assert_cmpint(ctl_feed_parse_spec("code-server@../x", &k, &v4), ==, -EINVAL);
        g_assert_cmpint(ctl_feed_parse_spec("./code-server.tar.gz", &k, &v4), ==, -EINVAL);

        g_assert_cmpint(ctl_version_compare("4.139.1", "4.139.1"), ==, 0);
        g_assert_cmpint(ctl_version_compare("4.140.0", "4.139.1"), >, 0);
        g_assert_cmpint(ctl_version_compare("4.99.0", "4.100.0"), <, 0);
        g_assert_cmpint(ctl_version_compare("1.116.02821", "1.116.02820"), >, 0);
        g_assert_cmpint(ctl_version_compare("4.140.0-rc.1", "4.140.0"), <, 0);
        g_assert_cmpint(ctl_version_compare("4.140.0", "4.140.0-rc.1"), >, 0);
        g_assert_cmpint(ctl_version_compare("4.140.0-rc.2", "4.140.0-rc.10"), <, 0);
        g_assert_cmpint(ctl_version_compare("4.140.0-rc.1", "4.139.1"), >, 0);
        g_assert_true(ctl_sha256_valid("0123456789abcdefABCDEF0123456789abcdef0123456789abcdef0123456789"));
        g_assert_false(ctl_sha256_valid("0123"));
}

/* ------------------------------------------------------------ tarballs */

typedef struct {
        const char *path;
        char type; /* f file, d directory, l symlink, h hard link, c character device */
        const char *data; /* file content, or the link's target */
        mode_t perm;
} TarEntry;

static char *make_tarball(const char *name, const TarEntry *entries, size_t n) {
        char *path = g_build_filename(scratch, name, NULL);
        struct archive *a = archive_write_new();
        archive_write_add_filter_gzip(a);
        archive_write_set_format_pax_restricted(a);
        g_assert_cmpint(archive_write_open_filename(a, path), ==, ARCHIVE_OK);
        for (size_t i = 0; i < n; i++) {
                struct archive_entry *e = archive_entry_new();
                archive_entry_set_pathname(e, entries[i].path);
                archive_entry_set_perm(e, entries[i].perm ? entries[i].perm : 0644);
                archive_entry_set_uid(e, 1234);
                switch (entries[i].type) {
                case 'f':
                        archive_entry_set_filetype(e, AE_IFREG);
                        archive_entry_set_size(e, (la_int64_t) strlen(entries[i].data));
                        break;
                case 'd':
                        archive_entry_set_filetype(e, AE_IFDIR);
                        archive_entry_set_perm(e, 0755);
                        break;
                case 'l':
                        archive_entry_set_filetype(e, AE_IFLNK);
                        archive_entry_set_symlink(e, entries[i].data);
                        break;
                case 'h':
                        archive_entry_set_filetype(e, AE_IFREG);
                        archive_entry_set_hardlink(e, entries[i].data);
                        break;
                case 'c':
                        archive_entry_set_filetype(e, AE_IFCHR);
                        archive_entry_set_rdev(e, makedev(1, 3));
                        break;
                }
                g_assert_cmpint(archive_write_header(a, e), ==, ARCHIVE_OK);
                if (entries[i].type == 'f')
                        archive_write_data(a, entries[i].data, strlen(entries[i].data));
                archive_entry_free(e);
        }
        archive_write_close(a);
        archive_write_free(a);
        return path;
}

static char *empty_dir(const char *name) {
        char *dir = g_build_filename(scratch, name, NULL);
        g_assert_cmpint(g_mkdir(dir, 0755), ==, 0);
        return dir;
}

static bool dir_is_empty(const char *dir) {
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        return d && g_dir_read_name(d) == NULL;
}

static void test_clean_paths(void) {
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "a/b", "a/b" },        { "./a//b/", "a/b" }, { "./", "" },   { "a/./b", "a/b" },
                { "/etc/passwd", NULL }, { "a/../b", NULL },   { "..", NULL }, { "a/..", NULL },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *got = ctl_unpack_clean_path(cases[i].in);
                g_assert_cmpstr(got, ==, cases[i].out);
        }
        g_assert_true(ctl_unpack_link_inside("bin/code-server", "../lib/node"));
        g_assert_true(ctl_unpack_link_inside("a/b/c", "../../x"));
        g_assert_true(ctl_unpack_link_inside("a/b", "c/../d"));
        g_assert_false(ctl_unpack_link_inside("a/b/c", "../../../x"));
        g_assert_false(ctl_unpack_link_inside("link", "../x"));
        g_assert_false(ctl_unpack_link_inside("a/link", "/etc/shadow"));
        g_assert_false(ctl_unpack_link_inside("a/link", ""));
        g_assert_false(ctl_unpack_link_inside("a/b", "c/../../../d"));
}

static void test_unpack_layouts(void) {
        /* code-server's: one top directory, dropped. */
        const TarEntry cs[] = {
                { "code-server-4.139.1-linux-amd64/", 'd', NULL, 0 },
                { "code-server-4.139.1-linux-amd64/lib/vscode/out/server-main.js", 'f', "//", 0644 },
                { "code-server-4.139.1-linux-amd64/lib/node", 'f', "ELF?", 04755 },
                { "code-server-4.139.1-linux-amd64/bin/code-server", 'l', "../lib/node", 0 },
                { "code-server-4.139.1-linux-amd64/lib/vscode/node_modules/x/link-in", 'h',
                  "code-server-4.139.1-linux-amd64/lib/node", 0 },
                { "code-server-4.139.1-linux-amd64/writable", 'f', "w", 0666 },
        };
        g_autofree char *t1 = make_tarball("cs.tar.gz", cs, G_N_ELEMENTS(cs));
        g_autofree char *d1 = empty_dir("cs");
        g_autoptr(GError) e = NULL;
        g_assert_cmpint(ctl_unpack(t1, d1, &e), ==, 0);
        g_assert_no_error(e);
        g_autofree char *main_js = g_build_filename(d1, "lib/vscode/out/server-main.js", NULL);
        g_assert_true(g_file_test(main_js, G_FILE_TEST_IS_REGULAR));
        g_autofree char *link = g_build_filename(d1, "bin/code-server", NULL);
        g_autofree char *target = g_file_read_link(link, NULL);
        g_assert_cmpstr(target, ==, "../lib/node");
        struct stat st;
        g_autofree char *node = g_build_filename(d1, "lib/node", NULL);
        g_assert_cmpint(stat(node, &st), ==, 0);
        g_assert_cmpuint(st.st_mode & 07777, ==, 0755); /* no set-uid from the archive */
        g_assert_cmpuint(st.st_uid, ==, getuid()); /* not the archive's owner */
        g_autofree char *hard = g_build_filename(d1, "lib/vscode/node_modules/x/link-in", NULL);
        struct stat st2;
        g_assert_cmpint(stat(hard, &st2), ==, 0);
        g_assert_cmpuint(st2.st_ino, ==, st.st_ino);
        g_autofree char *writable = g_build_filename(d1, "writable", NULL);
        g_assert_cmpint(stat(writable, &st), ==, 0);
        g_assert_cmpuint(st.st_mode & 07777, ==, 0644);

        /* VSCodium's: files at the root, nothing dropped. */
        const TarEntry vsc[] = {
                { "./", 'd', NULL, 0 },
                { "./out/server-main.js", 'f', "//", 0644 },
                { "./node", 'f', "ELF?", 0755 },
                { "./product.json", 'f', "{}", 0644 },
        };
        g_autofree char *t2 = make_tarball("vscodium.tar.gz", vsc, G_N_ELEMENTS(vsc));
        g_autofree char *d2 = empty_dir("vscodium");
        g_assert_cmpint(ctl_unpack(t2, d2, NULL), ==, 0);
        g_autofree char *product = g_build_filename(d2, "product.json", NULL);
        g_assert_true(g_file_test(product, G_FILE_TEST_IS_REGULAR));
}

static void test_unpack_refuses(void) {
        static const struct {
                const char *what;
                TarEntry entries[3];
                const char *says;
        } attacks[] = {
                { "absolute path",
                  { { "t/ok", 'f', "x", 0 }, { "/tmp/ovh-escape", 'f', "x", 0 } },
                  "escapes the tree" },
                { "dot-dot", { { "t/ok", 'f', "x", 0 }, { "t/../../ovh-escape", 'f', "x", 0 } }, "escapes the tree" },
                { "symlink out", { { "t/ok", 'f', "x", 0 }, { "t/etc", 'l', "/etc", 0 } }, "points outside the tree" },
                { "symlink up",
                  { { "t/ok", 'f', "x", 0 }, { "t/a/up", 'l', "../../..", 0 } },
                  "points outside the tree" },
                /* After the top directory is dropped, "t/x" -> "../t/y" leaves the tree. */
                { "symlink through the top",
                  { { "t/ok", 'f', "x", 0 }, { "t/x", 'l', "../t/ok", 0 } },
                  "points outside the tree" },
                { "symlink then a file through it",
                  { { "t/ok", 'f', "x", 0 }, { "t/d", 'l', "/tmp", 0 }, { "t/d/ovh-escape", 'f', "x", 0 } },
                  "points outside the tree" },
                { "hard link out", { { "t/ok", 'f', "x", 0 }, { "t/h", 'h', "/etc/shadow", 0 } }, "outside the tree" },
                { "device", { { "t/ok", 'f', "x", 0 }, { "t/null", 'c', NULL, 0 } }, "device, fifo or socket" },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(attacks); i++) {
                size_t n = attacks[i].entries[2].path ? 3 : 2;
                g_autofree char *name = g_strdup_printf("attack-%zu.tar.gz", i);
                g_autofree char *dir_name = g_strdup_printf("attack-%zu", i);
                g_autofree char *t = make_tarball(name, attacks[i].entries, n);
                g_autofree char *d = empty_dir(dir_name);
                g_autoptr(GError) e = NULL;
                g_test_message("%s", attacks[i].what);
                g_assert_cmpint(ctl_unpack(t, d, &e), <, 0);
                g_test_message("  %s", e->message);
                g_assert_error(e, OVH_ERROR, EX_DATAERR);
                g_assert_nonnull(strstr(e->message, attacks[i].says));
                /* Refused before anything was written. */
                g_assert_true(dir_is_empty(d));
        }
        g_assert_false(g_file_test("/tmp/ovh-escape", G_FILE_TEST_EXISTS));

        /* Truncated: refused in the first pass, nothing written. */
        GString *big = g_string_new(NULL);
        for (int i = 0; i < 200000; i++)
                g_string_append_printf(big, "%d\n", g_random_int());
        const TarEntry one[] = { { "t/out/server-main.js", 'f', big->str, 0 } };
        g_autofree char *t = make_tarball("truncated.tar.gz", one, 1);
        g_string_free(big, TRUE);
        struct stat st;
        g_assert_cmpint(stat(t, &st), ==, 0);
        g_assert_cmpint(truncate(t, st.st_size / 2), ==, 0);
        g_autofree char *d = empty_dir("truncated");
        g_autoptr(GError) e = NULL;
        g_assert_cmpint(ctl_unpack(t, d, &e), <, 0);
        g_assert_error(e, OVH_ERROR, EX_DATAERR);
        g_assert_nonnull(strstr(e->message, "truncated or corrupt"));
        g_assert_true(dir_is_empty(d));

        /* Not a tarball at all. */
        g_autofree char *junk = g_build_filename(scratch, "junk.tar.gz", NULL);
        g_assert_true(g_file_set_contents(junk, "this is no tarball\n", -1, NULL));
        g_autofree char *d2 = empty_dir("junk");
        g_autoptr(GError) e2 = NULL;
        g_assert_cmpint(ctl_unpack(junk, d2, &e2), <, 0);
        g_assert_error(e2, OVH_ERROR, EX_DATAERR);
}

/* ------------------------------------------------------------ architecture */

static void test_elf_must_match(void) {
        g_assert_true(ctl_elf_must_match("node_modules/node-pty/build/Release/pty.node", "x64"));
        g_assert_true(ctl_elf_must_match("node_modules/x/prebuilds/linux-x64/x.node", "x64"));
        g_assert_false(ctl_elf_must_match("node_modules/x/prebuilds/linux-arm64/x.node", "x64"));
        g_assert_true(ctl_elf_must_match("node_modules/x/prebuilds/linux-arm64/x.node", "arm64"));
        g_assert_false(ctl_elf_must_match("node_modules/x/prebuilds/linux-x64/x.musl.node", "x64"));
        g_assert_false(ctl_elf_must_match("node_modules/@parcel/watcher-linux-x64-musl/w.node", "x64"));
        g_assert_false(ctl_elf_must_match("node_modules/x/bin/arm64/x.node", "x64"));
        g_assert_true(ctl_elf_must_match("node_modules/x/bin/x64/x.node", "x64"));
        /* a file named like an architecture is not a directory of one */
        g_assert_true(ctl_elf_must_match("node_modules/x/arm64", "x64"));
}

static void write_elf(const char *path, unsigned machine, mode_t mode) {
        unsigned char h[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
        h[18] = (unsigned char) (machine & 0xff);
        h[19] = (unsigned char) (machine >> 8);
        g_autofree char *parent = g_path_get_dirname(path);
        g_assert_cmpint(g_mkdir_with_parents(parent, 0755), ==, 0);
        g_assert_true(g_file_set_contents(path, (const char *) h, sizeof(h), NULL));
        g_assert_cmpint(chmod(path, mode), ==, 0);
}

static void test_tree_arch(void) {
        const char *native = ovh_native_arch();
        unsigned mine = g_str_equal(native, "arm64") ? 183 : 62;
        unsigned other = mine == 62 ? 183 : 62;
        g_autofree char *top = g_build_filename(scratch, "arch-tree", NULL);
        g_autofree char *node = g_build_filename(top, "node", NULL);
        write_elf(node, mine, 0755);
        g_autofree char *module = g_build_filename(top, "node_modules/pty/build/Release/pty.node", NULL);
        write_elf(module, mine, 0644);
        g_autofree char *foreign_prebuild =
                g_strdup_printf("%s/node_modules/pty/prebuilds/linux-%s/pty.node", top, mine == 62 ? "arm64" : "x64");
        write_elf(foreign_prebuild, other, 0644);
        OvhServerTree tree = { .kind = OVH_SERVER_KIND_OPENVSCODE_SERVER, .top = top, .node = node };
        g_autoptr(GError) e = NULL;
        g_assert_cmpint(ctl_check_tree_arch(&tree, &e), ==, 0);
        g_assert_no_error(e);

        /* A compiled module for another architecture is refused. */
        write_elf(module, other, 0644);
        g_autoptr(GError) e2 = NULL;
        g_assert_cmpint(ctl_check_tree_arch(&tree, &e2), <, 0);
        g_assert_error(e2, OVH_ERROR, EX_DATAERR);
        g_assert_nonnull(strstr(e2->message, "pty/build/Release/pty.node"));
        write_elf(module, mine, 0644);

        /* node for another architecture: "install the NATIVE build". */
        write_elf(node, other, 0755);
        g_autoptr(GError) e3 = NULL;
        g_assert_cmpint(ctl_check_tree_arch(&tree, &e3), <, 0);
        g_assert_error(e3, OVH_ERROR, EX_DATAERR);
        g_assert_nonnull(strstr(e3->message, "this machine is"));

        /* A release kind without node. */
        OvhServerTree no_node = { .kind = OVH_SERVER_KIND_CODE_SERVER, .top = top, .node = NULL };
        g_autoptr(GError) e4 = NULL;
        g_assert_cmpint(ctl_check_tree_arch(&no_node, &e4), <, 0);
        g_assert_nonnull(strstr(e4->message, "has none"));
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        scratch = g_dir_make_tmp("ovh-server-install-XXXXXX", NULL);
        g_test_add_func("/server-install/feed-pick", test_feed_pick);
        g_test_add_func("/server-install/feed-names", test_feed_names);
        g_test_add_func("/server-install/clean-paths", test_clean_paths);
        g_test_add_func("/server-install/unpack-layouts", test_unpack_layouts);
        g_test_add_func("/server-install/unpack-refuses", test_unpack_refuses);
        g_test_add_func("/server-install/elf-must-match", test_elf_must_match);
        g_test_add_func("/server-install/tree-arch", test_tree_arch);
        int r = g_test_run();
        g_autofree char *rm = g_strdup_printf("rm -rf '%s'", scratch);
        if (system(rm) != 0)
                r = 1;
        return r;
}

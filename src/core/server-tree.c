/* SPDX-License-Identifier: MIT */
#include "server-tree.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "ovh-error.h"

static const char *const kind_names[_OVH_SERVER_KIND_MAX] = {
        [OVH_SERVER_KIND_OPENVSCODE_SERVER] = "openvscode-server",
        [OVH_SERVER_KIND_CODE_SERVER] = "code-server",
        [OVH_SERVER_KIND_VSCODIUM] = "vscodium",
        [OVH_SERVER_KIND_VSCODE] = "vscode",
        [OVH_SERVER_KIND_MICROSOFT] = "microsoft",
};

const char *ovh_server_kind_name(OvhServerKind kind) {
        return kind >= 0 && kind < _OVH_SERVER_KIND_MAX ? kind_names[kind] : "unknown";
}

int ovh_server_kind_from_name(const char *name, OvhServerKind *ret) {
        for (int k = 0; k < _OVH_SERVER_KIND_MAX; k++)
                if (name && g_str_equal(name, kind_names[k])) {
                        *ret = (OvhServerKind) k;
                        return 0;
                }
        return -EINVAL;
}

void ovh_server_tree_clear(OvhServerTree *t) {
        g_clear_pointer(&t->top, g_free);
        g_clear_pointer(&t->root, g_free);
        g_clear_pointer(&t->node, g_free);
        g_clear_pointer(&t->version, g_free);
        g_clear_pointer(&t->release, g_free);
        g_clear_pointer(&t->commit, g_free);
}

void ovh_server_tree_facts_clear(OvhServerTreeFacts *f) {
        g_clear_pointer(&f->product_json, g_free);
        g_clear_pointer(&f->package_json, g_free);
}

/* ------------------------------------------------------------ JSON */

static const char *skip_space(const char *p) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
                p++;
        return p;
}

/* A JSON string at p (the opening quote): its end (after the closing
 * quote), or NULL. With `out`, its value; escapes other than \" \\ \/
 * make the value unusable (*out stays NULL) but not the scan. */
static const char *scan_string(const char *p, char **out) {
        g_autoptr(GString) s = out ? g_string_new(NULL) : NULL;
        bool plain = true;

        if (*p++ != '"')
                return NULL;
        for (; *p && *p != '"'; p++) {
                if ((unsigned char) *p < 0x20)
                        return NULL;
                if (*p == '\\') {
                        p++;
                        if (!*p)
                                return NULL;
                        if (*p == '"' || *p == '\\' || *p == '/') {
                                if (s)
                                        g_string_append_c(s, *p);
                        } else
                                plain = false;
                        continue;
                }
                if (s)
                        g_string_append_c(s, *p);
        }
        if (*p != '"')
                return NULL;
        if (out && plain)
                *out = g_string_free(g_steal_pointer(&s), FALSE);
        return p + 1;
}

/* Skips the JSON value at p: returns where it ends (the ',' or the
 * closing bracket of what holds it), or NULL when the text ends first. */
static const char *skip_value(const char *p) {
        int depth = 0;

        for (;;) {
                switch (*p) {
                case '\0':
                        return NULL;
                case '"':
                        p = scan_string(p, NULL);
                        if (!p)
                                return NULL;
                        continue;
                case '{':
                case '[':
                        depth++;
                        break;
                case '}':
                case ']':
                        if (depth == 0)
                                return p;
                        depth--;
                        break;
                case ',':
                        if (depth == 0)
                                return p;
                        break;
                default:
                        break;
                }
                p++;
        }
}

char *ovh_json_top_string(const char *json, const char *key) {
        const char *p = skip_space(json);

        if (*p++ != '{')
                return NULL;
        for (;;) {
                g_autofree char *name = NULL;
                p = skip_space(p);
                if (*p == '}')
                        return NULL;
                p = scan_string(p, &name);
                if (!p)
                        return NULL;
                p = skip_space(p);
                if (*p++ != ':')
                        return NULL;
                p = skip_space(p);
                if (name && g_str_equal(name, key)) {
                        char *value = NULL;
                        return *p == '"' && scan_string(p, &value) ? value : (g_free(value), NULL);
                }
                p = skip_value(p);
                if (!p)
                        return NULL;
                p = skip_space(p);
                if (*p != ',')
                        return NULL;
                p++;
        }
}

/* ------------------------------------------------------------ kinds */

bool ovh_server_version_valid(const char *v) {
        size_t n = v ? strlen(v) : 0;
        if (n == 0 || n > 64 || !g_ascii_isalnum(v[0]))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!g_ascii_isalnum(v[i]) && !strchr(".+_-", v[i]))
                        return false;
        return true;
}

int ovh_server_tree_classify(const char *top, const OvhServerTreeFacts *f, OvhServerKind *ret_kind,
                             const char **ret_root_rel, const char **ret_node_rel, char **ret_version,
                             char **ret_release, char **ret_commit, GError **error) {
        if (!f->top_server_main && !f->lib_vscode_server_main)
                return ovh_fail(error, EX_DATAERR, ENOENT,
                                "%s is not a VS Code server tree: expected out/server-main.js (openvscode-server, "
                                "VSCodium, VS Code) or lib/vscode/out/server-main.js (code-server); give the "
                                "directory the release tarball unpacks to",
                                top);

        g_autofree char *version = f->package_json ? ovh_json_top_string(f->package_json, "version") : NULL;
        if (!version || !*version)
                return ovh_fail(error, EX_DATAERR, EINVAL,
                                "%s: the server's package.json has no \"version\"; is the tree complete? unpack "
                                "the release again",
                                top);
        if (!ovh_server_version_valid(version))
                return ovh_fail(error, EX_DATAERR, EINVAL,
                                "%s: the server's package.json gives the version \"%s\", which is not a version "
                                "(digits, letters, '.', '+', '_', '-'); is this a VS Code server?",
                                top, version);
        const char *product = f->product_json ? f->product_json : "{}";
        g_autofree char *code_server = ovh_json_top_string(product, "codeServerVersion");
        g_autofree char *server_name = ovh_json_top_string(product, "serverApplicationName");
        g_autofree char *name_short = ovh_json_top_string(product, "nameShort");
        g_autofree char *prompt = ovh_json_top_string(product, "serverLicensePrompt");
        const char *node_rel = "node";
        const char *root_rel = "";
        OvhServerKind kind;

        if (code_server && !ovh_server_version_valid(code_server))
                return ovh_fail(error, EX_DATAERR, EINVAL,
                                "%s: product.json gives the code-server version \"%s\", which is not a version", top,
                                code_server);
        if (f->lib_vscode_server_main) {
                kind = OVH_SERVER_KIND_CODE_SERVER;
                root_rel = "lib/vscode";
                node_rel = "lib/node";
        } else if (code_server) {
                /* code-server's lib/vscode given as the root itself. */
                kind = OVH_SERVER_KIND_CODE_SERVER;
                node_rel = "../node";
        } else if (server_name && g_str_equal(server_name, "openvscode-server"))
                kind = OVH_SERVER_KIND_OPENVSCODE_SERVER;
        else if (server_name && g_str_equal(server_name, "codium-server"))
                kind = OVH_SERVER_KIND_VSCODIUM;
        else if ((prompt && *prompt) || (name_short && g_str_has_prefix(name_short, "Visual Studio Code")) ||
                 (server_name && g_str_equal(server_name, "code-server")))
                /* Microsoft's build: serverApplicationName "code-server"
                 * with node and out/ at its top (coder's code-server has
                 * lib/vscode and says codeServerVersion). */
                kind = OVH_SERVER_KIND_MICROSOFT;
        else
                kind = OVH_SERVER_KIND_VSCODE;

        g_autofree char *release = g_strdup(kind == OVH_SERVER_KIND_CODE_SERVER && code_server ? code_server : version);
        if (kind == OVH_SERVER_KIND_VSCODIUM) {
                /* VSCodium's version is VS Code's with four digits added to
                 * the patch number: 1.116.02821 is VS Code 1.116.0. */
                g_auto(GStrv) part = g_strsplit(version, ".", 3);
                if (g_strv_length(part) == 3 && strlen(part[2]) > 4 &&
                    strspn(part[2], "0123456789") == strlen(part[2])) {
                        part[2][strlen(part[2]) - 4] = '\0';
                        g_free(version);
                        version = g_strdup_printf("%s.%s.%d", part[0], part[1], atoi(part[2]));
                }
        }
        *ret_kind = kind;
        *ret_root_rel = root_rel;
        *ret_node_rel = node_rel;
        *ret_release = g_steal_pointer(&release);
        *ret_version = g_steal_pointer(&version);
        *ret_commit = ovh_json_top_string(product, "commit");
        return 0;
}

static bool is_file(const char *path) {
        struct stat st;
        return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A small text file, or NULL; a tree's JSON files are a few kB. */
static char *read_small(const char *path) {
        char *text = NULL;
        gsize length = 0;
        if (!g_file_get_contents(path, &text, &length, NULL))
                return NULL;
        if (length > 4 * 1024 * 1024 || strlen(text) != length)
                g_clear_pointer(&text, g_free);
        return text;
}

int ovh_server_tree_detect(const char *top, OvhServerTree *ret, GError **error) {
        g_auto(OvhServerTreeFacts) facts = {};
        g_autofree char *top_main = g_build_filename(top, "out", "server-main.js", NULL);
        g_autofree char *lib_main = g_build_filename(top, "lib", "vscode", "out", "server-main.js", NULL);
        struct stat st;

        if (stat(top, &st) < 0 || !S_ISDIR(st.st_mode))
                return ovh_fail(error, EX_NOINPUT, errno ? errno : ENOTDIR,
                                "server tree %s is not a directory; install a server (openvscodectl server "
                                "install) or set [Server] Root= to one",
                                top);
        facts.top_server_main = is_file(top_main);
        facts.lib_vscode_server_main = !facts.top_server_main && is_file(lib_main);
        const char *base = facts.lib_vscode_server_main ? "lib/vscode" : "";
        g_autofree char *product = g_build_filename(top, base, "product.json", NULL);
        g_autofree char *package = g_build_filename(top, base, "package.json", NULL);
        facts.product_json = read_small(product);
        facts.package_json = read_small(package);

        OvhServerKind kind;
        const char *root_rel, *node_rel;
        g_autofree char *version = NULL, *release = NULL, *commit = NULL;
        int r = ovh_server_tree_classify(top, &facts, &kind, &root_rel, &node_rel, &version, &release, &commit, error);
        if (r < 0)
                return r;
        ret->kind = kind;
        ret->top = g_strdup(top);
        ret->root = *root_rel ? g_build_filename(top, root_rel, NULL) : g_strdup(top);
        /* The kind's own place for node, then beside out/ (a code-server
         * lib/vscode laid out as a release tree of its own). */
        g_autofree char *node_at = g_str_has_prefix(node_rel, "lib/") ? g_build_filename(top, node_rel, NULL)
                                                                      : g_build_filename(ret->root, node_rel, NULL);
        g_autofree char *node_beside = g_build_filename(ret->root, "node", NULL);
        const char *const candidates[] = { node_at, node_beside };
        for (size_t i = 0; i < G_N_ELEMENTS(candidates) && !ret->node; i++)
                if (stat(candidates[i], &st) == 0 && S_ISREG(st.st_mode) && access(candidates[i], X_OK) == 0)
                        ret->node = g_strdup(candidates[i]);
        ret->version = g_steal_pointer(&version);
        ret->release = g_steal_pointer(&release);
        ret->commit = g_steal_pointer(&commit);
        return 0;
}

/* ------------------------------------------------------------ ELF */

const char *ovh_elf_machine_arch(unsigned machine) {
        switch (machine) {
        case 3:
                return "i386";
        case 8:
                return "mips64el";
        case 21:
                return "ppc64el";
        case 22:
                return "s390x";
        case 40:
                return "armhf";
        case 62:
                return "amd64";
        case 183:
                return "arm64";
        case 243:
                return "riscv64";
        case 258:
                return "loong64";
        default:
                return NULL;
        }
}

int ovh_elf_file_arch(const char *path, const char **ret_arch) {
        unsigned char h[20];

        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        ssize_t n = pread(fd, h, sizeof(h), 0);
        if (n < 0)
                return -errno;
        if (n < (ssize_t) sizeof(h) || memcmp(h,
                                              "\x7f"
                                              "ELF",
                                              4) != 0)
                return -ENOEXEC;
        /* e_machine at 18, in the file's byte order (EI_DATA: 1 little, 2 big). */
        unsigned machine = h[5] == 2 ? (unsigned) (h[18] << 8 | h[19]) : (unsigned) (h[19] << 8 | h[18]);
        const char *arch = ovh_elf_machine_arch(machine);
        *ret_arch = arch ? arch : "unknown";
        return 0;
}

const char *ovh_native_arch(void) {
#if defined(__x86_64__)
        return "amd64";
#elif defined(__aarch64__)
        return "arm64";
#elif defined(__arm__)
        return "armhf";
#elif defined(__i386__)
        return "i386";
#elif defined(__riscv) && __riscv_xlen == 64
        return "riscv64";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        return "ppc64el";
#elif defined(__s390x__)
        return "s390x";
#else
        return "unknown";
#endif
}

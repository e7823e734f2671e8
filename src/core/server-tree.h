/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <stdbool.h>

/* The kinds of VS Code server tree the launcher runs, told apart by their
 * layout and product.json (docs/server.md). */
typedef enum {
        OVH_SERVER_KIND_OPENVSCODE_SERVER, /* gitpod-io/openvscode-server's release tree */
        OVH_SERVER_KIND_CODE_SERVER, /* coder/code-server's: Root lib/vscode, Node lib/node */
        OVH_SERVER_KIND_VSCODIUM, /* VSCodium's REH-web tree */
        OVH_SERVER_KIND_VSCODE, /* any other VS Code server tree (node of its own or not) */
        OVH_SERVER_KIND_MICROSOFT, /* Microsoft's server build: its own licence */
        _OVH_SERVER_KIND_MAX,
} OvhServerKind;

const char *ovh_server_kind_name(OvhServerKind kind);
/* -EINVAL for a name that is no kind. */
int ovh_server_kind_from_name(const char *name, OvhServerKind *ret);

/* What a tree's files say, gathered by ovh_server_tree_detect() and
 * classified by the pure ovh_server_tree_classify(). */
typedef struct {
        bool top_server_main; /* TOP/out/server-main.js */
        bool lib_vscode_server_main; /* TOP/lib/vscode/out/server-main.js */
        char *product_json; /* the server root's product.json, or NULL */
        char *package_json; /* the server root's package.json, or NULL */
} OvhServerTreeFacts;

typedef struct {
        OvhServerKind kind;
        char *top; /* the tree as given */
        char *root; /* the directory with out/server-main.js */
        char *node; /* its own node (an executable file), or NULL */
        char *version; /* VS Code's version: package.json "version" */
        char *release; /* the release's version (code-server 4.139.1; else = version) */
        char *commit; /* product.json "commit", or NULL */
} OvhServerTree;

void ovh_server_tree_clear(OvhServerTree *tree);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OvhServerTree, ovh_server_tree_clear)
void ovh_server_tree_facts_clear(OvhServerTreeFacts *facts);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OvhServerTreeFacts, ovh_server_tree_facts_clear)

/* Pure: the kind, the root and node relative to the top ("" or
 * "lib/vscode"; "node", "lib/node"), VS Code's and the release's version.
 * EX_DATAERR naming what was expected when the facts fit no kind. */
int ovh_server_tree_classify(const char *top, const OvhServerTreeFacts *facts, OvhServerKind *ret_kind,
                             const char **ret_root_rel, const char **ret_node_rel, char **ret_version,
                             char **ret_release, char **ret_commit, GError **error);

/* Reads TOP's layout and classifies it: ret->root and ret->node are full
 * paths, ret->node NULL when the tree has no executable node of its own. */
int ovh_server_tree_detect(const char *top, OvhServerTree *ret, GError **error);

/* Pure: the string value of a top-level key of a JSON object text, or NULL
 * when the text is no object, the key is absent, or its value is not a
 * plain string (escapes other than \" \\ \/ are refused). Nested objects
 * are skipped, so a "version" inside one never answers. */
char *ovh_json_top_string(const char *json, const char *key);

/* Pure: a version fit for a directory name and a message: 1 to 64 of
 * [0-9A-Za-z.+_-], starting with a digit or letter. */
bool ovh_server_version_valid(const char *version);

/* Pure: the name Debian gives an ELF e_machine (amd64, arm64, armhf, i386,
 * ...), NULL for one we do not know. */
const char *ovh_elf_machine_arch(unsigned machine);

/* The Debian architecture of an ELF file (its e_machine), or -errno:
 * -ENOEXEC for a file that is no ELF. */
int ovh_elf_file_arch(const char *path, const char **ret_arch);

/* The Debian architecture this program was built for. */
const char *ovh_native_arch(void);

/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>

#include "account.h"
#include "config.h"
#include "server-store.h"
#include "server-tree.h"

/* The server payload: a VS Code server tree of one of the kinds
 * (server-tree.h), chosen by precedence (ovh_server_choose). */
typedef struct {
        OvhServerKind kind;
        char *root; /* the directory with out/server-main.js */
        char *node;
        char *server_main; /* ROOT/out/server-main.js */
        char *version; /* VS Code's version (ROOT/package.json) */
        char *release; /* the release's own version (code-server 4.139.1; else = version) */
        char *chosen_by; /* how the tree was chosen (ovh_server_choose) */
} OvhPayload;

void ovh_payload_clear(OvhPayload *payload);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OvhPayload, ovh_payload_clear)

/* Chooses the server tree ([Server] Root=, the store's current server in
 * store_dir, the packaged one), tells its kind, and resolves Node= (default
 * the tree's own node, else /usr/bin/node). EX_NOINPUT when the tree or
 * node is missing, EX_DATAERR when the tree is no server of a known kind,
 * EX_CONFIG for Microsoft's build without [Server] AcceptMicrosoftLicense=yes.
 * On failure ret->root and ret->chosen_by still say what was tried. */
int ovh_payload_resolve(const OvhConfig *config, const char *store_dir, OvhPayload *ret, GError **error);

/* The same for a tree already chosen (the launcher's --server-root). */
int ovh_payload_resolve_choice(const OvhConfig *config, const OvhServerChoice *choice, OvhPayload *ret, GError **error);

/* Reads "version" from a package.json text (pure). NULL if absent. */
char *ovh_package_version(const char *json);

/* Everything the argv and the environment depend on. */
typedef struct {
        const OvhConfig *config;
        const OvhAccount *account;
        const OvhPayload *payload;
        const char *sd_listen_js;
        const char *token_file; /* NULL with [Auth] Mode=none */
        const char *const *launcher_environ;
} OvhServerPlan;

/* Pure: NODE --require SD_LISTEN_JS ROOT/out/server-main.js ... (openvscode-launcher(8), DESCRIPTION). */
char **ovh_server_argv(const OvhServerPlan *plan);

/* Pure: the server's environment, rebuilt from scratch: HOME USER LOGNAME
 * SHELL PATH LANG LC_* TZ and LISTEN_FDS=1, LISTEN_PID=pid and
 * LISTEN_FDNAMES=listen_fdname for the one socket at fd 3 (the plan itself
 * knows no socket: openvscodectl builds the same plan without one);
 * nothing else is inherited. */
char **ovh_server_environ(const OvhServerPlan *plan, pid_t pid, const char *listen_fdname);

/* Pure: VS Code's own CLI for the account (--install-extension,
 * --list-extensions ...): NODE ROOT/out/server-main.js with the server's
 * --server-data-dir, --user-data-dir and --extensions-dir, then
 * `arguments`. The plan's sd_listen_js and token_file are not used. */
char **ovh_server_cli_argv(const OvhServerPlan *plan, char *const *arguments);

/* The extension gallery ([Server] ExtensionsGallery=, an Open VSX
 * server; https://open-vsx.org by default), passed the way each kind takes
 * it: EXTENSIONS_GALLERY (code-server), VSCODE_GALLERY_* (VSCodium); the
 * other kinds read only their product.json (ovh_server_gallery_settable).
 * Pure; the server's and the CLI's environment both carry it. */
#define OVH_DEFAULT_GALLERY "https://open-vsx.org"
void ovh_server_gallery_environ(OvhServerKind kind, const char *base, GPtrArray *env);
bool ovh_server_gallery_settable(OvhServerKind kind);
const char *ovh_server_gallery_base(const OvhConfig *config);

/* Pure: the server's environment without LISTEN_*: for the CLI. */
char **ovh_server_cli_environ(const OvhServerPlan *plan);

/* Rejects ExtraArguments= that would override what the launcher owns
 * (token, host, port, socket path) with EX_CONFIG. */
int ovh_server_check_extra_arguments(const OvhConfig *config, GError **error);

/* The default folder: DefaultFolder= or HOME/workspace. */
char *ovh_server_default_folder(const OvhConfig *config, const OvhAccount *account);

/* TimeZone=/TZ must name a zone in /usr/share/zoneinfo (when the system
 * has the database), e.g. Europe/Berlin or Etc/UTC. */
int ovh_server_check_time_zone(const OvhConfig *config, GError **error);

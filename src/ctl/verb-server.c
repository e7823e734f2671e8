/* SPDX-License-Identifier: MIT */
/* server list|install|use|rollback|remove|update: the installed VS Code
 * servers (docs/server.md). The store is src/core/server-store.c; fetching,
 * unpacking and checking a tarball server-install.c; the feeds
 * server-feed.c. Every change holds the store's lock, switches by one
 * rename and try-restarts the service, whose socket holds new connections
 * meanwhile. */
#include <errno.h>
#include <getopt.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "ctl.h"
#include "fileio.h"
#include "ovh-error.h"
#include "paths.h"
#include "server-feed.h"
#include "server-fetch.h"
#include "server-install.h"
#include "server-store.h"

/* A release feed's answer is a few kB; GitHub's are under 100 kB. */
#define FEED_MAX_BYTES (4 * 1024 * 1024)

static const char *help = "openvscodectl server list [--json]\n"
                          "openvscodectl server install SOURCE [--sha256 HEX] [--no-use]\n"
                          "openvscodectl server use NAME|VERSION\n"
                          "openvscodectl server rollback\n"
                          "openvscodectl server remove NAME|VERSION\n"
                          "openvscodectl server update [--check]\n\n"
                          "The VS Code servers installed in " OVH_SERVERS_DIR ". SOURCE is a release\n"
                          "tarball (a path), an https:// URL with --sha256, or KIND[@VERSION] from that\n"
                          "kind's release feed (latest by default): openvscode-server, code-server or\n"
                          "vscodium. A tarball is checked (SHA-256, no entry outside the tree, node and\n"
                          "native modules for this machine, --version in the service's sandbox) before\n"
                          "one rename puts it in place; install then makes it the current server\n"
                          "(not with --no-use). use, rollback and a applied update switch the current\n"
                          "server by one rename and restart the service; its socket holds new\n"
                          "connections meanwhile. The previous server stays for rollback; [Update]\n"
                          "Keep= servers are kept in all. [Server] Root= in launcher.conf, when set,\n"
                          "wins over all of this. Root only, but list.\n\n"
                          "  --sha256 HEX   the tarball's expected SHA-256 (needed for a URL)\n"
                          "  --no-use       install without switching to it\n"
                          "  --check        update: only say whether a newer release exists\n"
                          "  --timer        update: what openvscode-server-update.service runs: apply or\n"
                          "                 only notify, as [Update] Mode= says\n"
                          "  --json         list: JSON\n"
                          "  -h --help      show this help\n";

typedef struct {
        bool json, no_use, check, timer;
        const char *sha256;
} Options;

/* ------------------------------------------------------------ list */

static char *format_time(gint64 t) {
        g_autoptr(GDateTime) d = g_date_time_new_from_unix_utc(t);
        return d ? g_date_time_format(d, "%Y-%m-%d %H:%M UTC") : g_strdup("?");
}

static int server_list(bool json) {
        g_autoptr(GPtrArray) list = NULL;
        g_autoptr(GError) error = NULL;

        if (ovh_store_list(OVH_SERVERS_DIR, &list, &error) < 0) {
                fprintf(stderr, "openvscodectl: server list: %s\n", error->message);
                return error->code;
        }
        if (json) {
                g_autoptr(JsonBuilder) b = json_builder_new();
                json_builder_begin_array(b);
                for (guint i = 0; i < list->len; i++) {
                        const OvhStoredServer *s = list->pdata[i];
                        json_builder_begin_object(b);
                        json_builder_set_member_name(b, "name");
                        json_builder_add_string_value(b, s->name);
                        json_builder_set_member_name(b, "kind");
                        json_builder_add_string_value(b, ovh_server_kind_name(s->kind));
                        json_builder_set_member_name(b, "release");
                        json_builder_add_string_value(b, s->release);
                        json_builder_set_member_name(b, "vscode_version");
                        json_builder_add_string_value(b, s->version);
                        json_builder_set_member_name(b, "arch");
                        json_builder_add_string_value(b, s->arch);
                        json_builder_set_member_name(b, "current");
                        json_builder_add_boolean_value(b, s->current);
                        json_builder_set_member_name(b, "previous");
                        json_builder_add_boolean_value(b, s->previous);
                        json_builder_set_member_name(b, "source");
                        json_builder_add_string_value(b, s->source ? s->source : "");
                        json_builder_set_member_name(b, "sha256");
                        json_builder_add_string_value(b, s->sha256 ? s->sha256 : "");
                        json_builder_set_member_name(b, "installed");
                        json_builder_add_int_value(b, s->installed);
                        json_builder_end_object(b);
                }
                json_builder_end_array(b);
                ctl_print_json(b);
                return 0;
        }
        if (list->len == 0) {
                printf("No server installed with openvscodectl server (%s); install one:\n"
                       "  openvscodectl server install code-server\n",
                       OVH_SERVERS_DIR);
                return 0;
        }
        printf("  %-36s %-18s %-14s %-14s %-7s %-20s %s\n", "NAME", "KIND", "RELEASE", "VS CODE", "ARCH", "INSTALLED",
               "SHA256");
        for (guint i = 0; i < list->len; i++) {
                const OvhStoredServer *s = list->pdata[i];
                g_autofree char *when = format_time(s->installed);
                g_autofree char *sha = g_strndup(s->sha256 ? s->sha256 : "", 12);
                printf("%c %-36s %-18s %-14s %-14s %-7s %-20s %s\n",
                       s->current    ? '*'
                       : s->previous ? '-'
                                     : ' ',
                       s->name, ovh_server_kind_name(s->kind), s->release, s->version, s->arch, when, sha);
        }
        for (guint i = 0; i < list->len; i++) {
                const OvhStoredServer *s = list->pdata[i];
                if (s->current)
                        printf("\n* current: %s (from %s)\n", s->name, s->source && *s->source ? s->source : "?");
        }
        printf("- previous (openvscodectl server rollback goes back to it)\n");
        return 0;
}

/* ------------------------------------------------------------ switching */

/* The default service and every running per-user instance: each serves
 * the store's current server unless the configuration (launcher.conf, which
 * they all read) names a Root=; then a restart would change nothing, and
 * none is made. A try-restart: a stopped service starts with the new server
 * at its next connection anyway. */
static void restart_services(const OvhConfig *config) {
        if (config->root) {
                printf("no service restarted: they serve [Server] Root=%s\n", config->root);
                return;
        }
        g_auto(GStrv) instances = NULL;
        g_autoptr(GError) list_error = NULL;
        g_autoptr(GPtrArray) units = g_ptr_array_new();

        g_ptr_array_add(units, (char *) OVH_SERVICE_UNIT);
        if (ctl_running_units(OVH_TEMPLATE_PREFIX "*.service", &instances, &list_error) < 0)
                ctl_warning("%s; restart the per-user instances by hand", list_error->message);
        for (char **u = instances; u && *u; u++)
                g_ptr_array_add(units, *u);
        for (guint i = 0; i < units->len; i++) {
                g_autoptr(GError) e = NULL;
                if (ctl_try_restart(units->pdata[i], &e) < 0)
                        ctl_warning("%s was not restarted (%s); it serves the old server until it restarts",
                                    (const char *) units->pdata[i], e->message);
        }
}

/* current := entry (previous := the old current), then prune. */
static int switch_to(const char *entry, const OvhConfig *config, GError **error) {
        g_autofree char *current = ovh_store_link(OVH_SERVERS_DIR, OVH_STORE_CURRENT);
        int r;

        if (current && g_str_equal(current, entry)) {
                printf("%s is the current server already\n", entry);
                return 0;
        }
        g_autofree char *path = g_build_filename(OVH_SERVERS_DIR, entry, NULL);
        g_auto(OvhServerTree) tree = {};
        r = ovh_server_tree_detect(path, &tree, error);
        if (r < 0)
                return r;
        if (current) {
                r = ovh_store_set_link(OVH_SERVERS_DIR, OVH_STORE_PREVIOUS, current, error);
                if (r < 0)
                        return r;
        }
        r = ovh_store_set_link(OVH_SERVERS_DIR, OVH_STORE_CURRENT, entry, error);
        if (r < 0)
                return r;
        printf("current server: %s (%s %s, VS Code %s)%s%s\n", entry, ovh_server_kind_name(tree.kind), tree.release,
               tree.version, current ? "; previous: " : "", current ? current : "");
        restart_services(config);

        g_autoptr(GPtrArray) list = NULL;
        if (ovh_store_list(OVH_SERVERS_DIR, &list, NULL) >= 0) {
                g_autoptr(GPtrArray) old =
                        ovh_store_prunable(list, config->update_keep > 2 ? config->update_keep - 2 : 0);
                for (guint i = 0; i < old->len; i++) {
                        const OvhStoredServer *s = old->pdata[i];
                        g_autoptr(GError) e = NULL;
                        if (ovh_store_remove_tree(OVH_SERVERS_DIR, s->name, &e) < 0)
                                ctl_warning("%s", e->message);
                        else
                                printf("removed %s ([Update] Keep=%u)\n", s->name, config->update_keep);
                }
        }
        return 0;
}

static int find_entry(const char *wanted, char **ret, GError **error) {
        g_autoptr(GPtrArray) list = NULL;
        int r = ovh_store_list(OVH_SERVERS_DIR, &list, error);
        if (r < 0)
                return r;
        const OvhStoredServer *s = ovh_store_find(list, wanted, ovh_native_arch(), error);
        if (!s)
                return -ENOENT;
        *ret = g_strdup(s->name);
        return 0;
}

/* ------------------------------------------------------------ install */

static int resolve_feed(const CtlInstance *ci, OvhServerKind kind, const char *version, CtlFeedAsset *ret,
                        GError **error) {
        g_autofree char *url = ctl_feed_release_url(kind, ci->config->update_feed, version);
        g_autoptr(GBytes) body = NULL;
        int r = ctl_fetch_text(url, FEED_MAX_BYTES, &body, error);
        if (r < 0)
                return r;
        gsize length = 0;
        const char *data = g_bytes_get_data(body, &length);
        return ctl_feed_pick(kind, ovh_native_arch(), data, length, url, ret, error);
}

static bool looks_like_path(const char *source) {
        return strchr(source, '/') || g_str_has_suffix(source, ".tar.gz") || g_str_has_suffix(source, ".tgz") ||
               g_str_has_suffix(source, ".tar.xz") || g_str_has_suffix(source, ".tar.zst");
}

static int install(const CtlInstance *ci, const char *source, const Options *o, char **ret_entry, GError **error) {
        g_auto(CtlFeedAsset) asset = {};
        g_autofree char *version = NULL;
        g_autofree char *absolute = NULL;
        CtlInstallRequest req = { .source = source, .sha256 = o->sha256 };
        OvhServerKind kind;
        int r;

        if (g_str_has_prefix(source, "https://") || g_str_has_prefix(source, "http://")) {
                if (!ovh_feed_url_valid(source))
                        return ctl_usage_error(error, "server install",
                                               "%s is not an https:// URL (http:// only to a loopback address)",
                                               source);
                if (!o->sha256)
                        return ctl_usage_error(error, "server install",
                                               "a download needs its digest: add --sha256 HEX (the release page "
                                               "lists it), or install KIND[@VERSION] from a feed that gives one");
                req.url = source;
        } else if (ctl_feed_parse_spec(source, &kind, &version) >= 0) {
                r = resolve_feed(ci, kind, version, &asset, error);
                if (r < 0)
                        return r;
                if (!asset.sha256 && !o->sha256)
                        return ovh_fail(error, EX_DATAERR, EINVAL,
                                        "%s: the feed gives no digest for %s; install it with --sha256 HEX from a "
                                        "source you trust, or point [Update] Feed= at a feed that gives digests",
                                        source, asset.asset);
                if (asset.sha256 && o->sha256 && g_ascii_strcasecmp(asset.sha256, o->sha256) != 0)
                        return ovh_fail(error, EX_DATAERR, EBADMSG,
                                        "%s: the feed says the SHA-256 of %s is %s, --sha256 says %s; nothing was "
                                        "installed",
                                        source, asset.asset, asset.sha256, o->sha256);
                req.url = asset.url;
                req.sha256 = asset.sha256 ? asset.sha256 : o->sha256;
                req.want_kind_set = true;
                req.want_kind = kind;
                req.want_release = asset.release;
                printf("%s: %s %s, %s\n", source, ovh_server_kind_name(kind), asset.release, asset.url);
        } else if (looks_like_path(source) || g_file_test(source, G_FILE_TEST_EXISTS)) {
                absolute = g_canonicalize_filename(source, NULL);
                req.tarball = absolute;
        } else
                return ctl_usage_error(error, "server install",
                                       "\"%s\" is neither a tarball, an https:// URL nor KIND[@VERSION] "
                                       "(openvscode-server, code-server, vscodium)",
                                       source);
        if (o->sha256 && !ctl_sha256_valid(o->sha256))
                return ctl_usage_error(error, "server install", "--sha256 %s is not 64 hex digits", o->sha256);

        bool already = false;
        r = ctl_server_install(ci, OVH_SERVERS_DIR, &req, ret_entry, &already, error);
        if (r < 0)
                return r;
        printf(already ? "%s is installed already\n" : "installed %s\n", *ret_entry);
        return 0;
}

/* ------------------------------------------------------------ update */

static void note_update(const char *text) {
        g_autofree char *path = g_build_filename(OVH_SERVERS_DIR, OVH_STORE_UPDATE_NOTE, NULL);
        if (text)
                (void) ovh_file_write_atomic(path, text, strlen(text), 0644);
        else
                (void) unlink(path);
}

static int update(const CtlInstance *ci, const Options *o, GError **error) {
        g_autofree char *current = ovh_store_link(OVH_SERVERS_DIR, OVH_STORE_CURRENT);
        g_autoptr(GPtrArray) list = NULL;
        int r;

        if (!current)
                return ovh_fail(error, EX_USAGE, ENOENT,
                                "no server installed with openvscodectl server to update; install one: openvscodectl "
                                "server install code-server");
        r = ovh_store_list(OVH_SERVERS_DIR, &list, error);
        if (r < 0)
                return r;
        const OvhStoredServer *cur = ovh_store_find(list, current, NULL, error);
        if (!cur)
                return -ENOENT;
        if (!ctl_feed_kind_has_feed(cur->kind))
                return ovh_fail(error, EX_USAGE, EINVAL,
                                "the current server %s is a %s server, which has no release feed; install a newer "
                                "tarball with openvscodectl server install",
                                cur->name, ovh_server_kind_name(cur->kind));
        g_auto(CtlFeedAsset) latest = {};
        r = resolve_feed(ci, cur->kind, NULL, &latest, error);
        if (r < 0)
                return r;
        if (ctl_version_compare(latest.release, cur->release) <= 0) {
                printf("%s %s is the newest release; nothing to do\n", ovh_server_kind_name(cur->kind), cur->release);
                note_update(NULL);
                return 0;
        }
        g_autofree char *note = g_strdup_printf("%s %s\n", ovh_server_kind_name(cur->kind), latest.release);
        bool apply = !o->check && (!o->timer || g_str_equal(ci->config->update_mode, "apply"));
        if (!apply) {
                note_update(note);
                printf("update available: %s %s (installed: %s)%s\n", ovh_server_kind_name(cur->kind), latest.release,
                       cur->release, o->check ? "" : "; [Update] Mode=notify: not applied");
                return 0;
        }
        g_autofree char *spec = g_strdup_printf("%s@%s", ovh_server_kind_name(cur->kind), latest.release);
        g_autofree char *entry = NULL;
        r = install(ci, spec, o, &entry, error);
        if (r < 0)
                return r;
        note_update(NULL);
        return switch_to(entry, ci->config, error);
}

/* ------------------------------------------------------------ the verb */

int verb_server(int argc, char *argv[], GError **error) {
        static const struct option options[] = {
                { "json", no_argument, NULL, 'j' },
                { "sha256", required_argument, NULL, 's' },
                { "no-use", no_argument, NULL, 'n' },
                { "check", no_argument, NULL, 'c' },
                { "timer", no_argument, NULL, 't' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        Options o = {};
        int c, r;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h", options, NULL)) >= 0) {
                switch (c) {
                case 'j':
                        o.json = true;
                        break;
                case 's':
                        o.sha256 = optarg;
                        break;
                case 'n':
                        o.no_use = true;
                        break;
                case 'c':
                        o.check = true;
                        break;
                case 't':
                        o.timer = true;
                        break;
                case 'h':
                        fputs(help, stdout);
                        return 0;
                case ':':
                        return ctl_usage_error(error, "server", "option %s needs a value", argv[optind - 1]);
                default:
                        return ctl_usage_error(error, "server", "unknown option %s", argv[optind - 1]);
                }
        }
        if (optind >= argc)
                return ctl_usage_error(error, "server",
                                       "say what to do: list, install, use, rollback, remove or update");
        const char *action = argv[optind];
        const char *operand = optind + 1 < argc ? argv[optind + 1] : NULL;
        if (optind + 2 < argc)
                return ctl_usage_error(error, "server", "unexpected argument \"%s\"", argv[optind + 2]);

        static const struct {
                const char *name;
                bool operand;
                const char *options; /* the letters it takes */
        } actions[] = {
                { "list", false, "j" },    { "install", true, "sn" }, { "use", true, "" },
                { "rollback", false, "" }, { "remove", true, "" },    { "update", false, "ct" },
        };
        size_t a = 0;
        while (a < G_N_ELEMENTS(actions) && !g_str_equal(actions[a].name, action))
                a++;
        if (a == G_N_ELEMENTS(actions))
                return ctl_usage_error(error, "server",
                                       "unknown action \"%s\"; use list, install, use, rollback, remove or update",
                                       action);
        if (actions[a].operand != (operand != NULL))
                return ctl_usage_error(error, "server",
                                       actions[a].operand ? "%s needs one operand; see --help" : "%s takes no operand",
                                       action);
        const struct {
                char letter;
                bool set;
                const char *name;
        } given[] = { { 'j', o.json, "--json" },
                      { 's', o.sha256 != NULL, "--sha256" },
                      { 'n', o.no_use, "--no-use" },
                      { 'c', o.check, "--check" },
                      { 't', o.timer, "--timer" } };
        for (size_t i = 0; i < G_N_ELEMENTS(given); i++)
                if (given[i].set && !strchr(actions[a].options, given[i].letter))
                        return ctl_usage_error(error, "server", "%s does not take %s", action, given[i].name);
        if (o.check && o.timer)
                return ctl_usage_error(error, "server", "update takes --check or --timer, not both");

        if (g_str_equal(action, "list"))
                return server_list(o.json);

        g_autofree char *verb = g_strdup_printf("server %s", action);
        r = ctl_require_root(verb, error);
        if (r < 0)
                return r;
        g_auto(CtlInstance) ci = {};
        r = ctl_instance_open(&ci, NULL, NULL, false, error);
        if (r < 0)
                return r;
        _cleanup_close_ int lock = -1;
        r = ctl_store_lock(OVH_SERVERS_DIR, &lock, error);
        if (r < 0)
                return r;
        if (ci.config->root && !g_str_equal(action, "update"))
                ctl_warning("[Server] Root=%s (%s) wins over the servers installed here; remove it to serve them",
                            ci.config->root, ovh_config_origin(ci.config, "Server", "Root"));

        if (g_str_equal(action, "install")) {
                g_autofree char *entry = NULL;
                r = install(&ci, operand, &o, &entry, error);
                if (r < 0 || o.no_use)
                        return r;
                return switch_to(entry, ci.config, error);
        }
        if (g_str_equal(action, "use")) {
                g_autofree char *entry = NULL;
                r = find_entry(operand, &entry, error);
                if (r < 0)
                        return r;
                return switch_to(entry, ci.config, error);
        }
        if (g_str_equal(action, "rollback")) {
                g_autofree char *previous = ovh_store_link(OVH_SERVERS_DIR, OVH_STORE_PREVIOUS);
                g_autofree char *path = previous ? g_build_filename(OVH_SERVERS_DIR, previous, NULL) : NULL;
                if (!previous || !g_file_test(path, G_FILE_TEST_IS_DIR))
                        return ovh_fail(error, EX_USAGE, ENOENT,
                                        "there is no previous server to go back to; openvscodectl server list shows "
                                        "what is installed, server use NAME switches to one");
                return switch_to(previous, ci.config, error);
        }
        if (g_str_equal(action, "remove")) {
                g_autofree char *entry = NULL;
                r = find_entry(operand, &entry, error);
                if (r < 0)
                        return r;
                g_autofree char *current = ovh_store_link(OVH_SERVERS_DIR, OVH_STORE_CURRENT);
                if (current && g_str_equal(current, entry))
                        return ovh_fail(error, EX_USAGE, EBUSY,
                                        "%s is the current server; switch to another first (openvscodectl server "
                                        "use NAME or rollback)",
                                        entry);
                g_autofree char *previous = ovh_store_link(OVH_SERVERS_DIR, OVH_STORE_PREVIOUS);
                if (previous && g_str_equal(previous, entry)) {
                        g_autofree char *link = g_build_filename(OVH_SERVERS_DIR, OVH_STORE_PREVIOUS, NULL);
                        (void) unlink(link);
                }
                r = ovh_store_remove_tree(OVH_SERVERS_DIR, entry, error);
                if (r < 0)
                        return r;
                printf("removed %s\n", entry);
                return 0;
        }
        return update(&ci, &o, error);
}

/* SPDX-License-Identifier: MIT */
#include "server-feed.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ovh-error.h"

/* Each upstream's repository, tag and tarball names, as its release
 * workflow makes them (docs/server.md). */
typedef struct {
        const char *repo;
        const char *tag_prefix;
        const char *arch_names[3][2]; /* Debian name -> the upstream's */
} FeedSpec;

static const FeedSpec *feed_spec(OvhServerKind kind) {
        static const FeedSpec openvscode = {
                "gitpod-io/openvscode-server",
                "openvscode-server-v",
                { { "amd64", "x64" }, { "arm64", "arm64" }, { "armhf", "armhf" } },
        };
        static const FeedSpec code_server = {
                "coder/code-server",
                "v",
                { { "amd64", "amd64" }, { "arm64", "arm64" }, { NULL, NULL } },
        };
        static const FeedSpec vscodium = {
                "VSCodium/vscodium",
                "",
                { { "amd64", "x64" }, { "arm64", "arm64" }, { "armhf", "armhf" } },
        };
        switch (kind) {
        case OVH_SERVER_KIND_OPENVSCODE_SERVER:
                return &openvscode;
        case OVH_SERVER_KIND_CODE_SERVER:
                return &code_server;
        case OVH_SERVER_KIND_VSCODIUM:
                return &vscodium;
        default:
                return NULL;
        }
}

void ctl_feed_asset_clear(CtlFeedAsset *a) {
        g_clear_pointer(&a->tag, g_free);
        g_clear_pointer(&a->release, g_free);
        g_clear_pointer(&a->asset, g_free);
        g_clear_pointer(&a->url, g_free);
        g_clear_pointer(&a->sha256, g_free);
}

bool ctl_feed_kind_has_feed(OvhServerKind kind) {
        return feed_spec(kind) != NULL;
}

char *ctl_feed_release_url(OvhServerKind kind, const char *base, const char *version) {
        const FeedSpec *f = feed_spec(kind);
        g_autofree char *trimmed = g_strdup(base ? base : CTL_FEED_DEFAULT_BASE);

        g_assert(f);
        while (g_str_has_suffix(trimmed, "/"))
                trimmed[strlen(trimmed) - 1] = '\0';
        if (!version)
                return g_strdup_printf("%s/repos/%s/releases/latest", trimmed, f->repo);
        return g_strdup_printf("%s/repos/%s/releases/tags/%s%s", trimmed, f->repo, f->tag_prefix, version);
}

char *ctl_feed_asset_name(OvhServerKind kind, const char *release, const char *arch) {
        const FeedSpec *f = feed_spec(kind);
        if (!f)
                return NULL;
        for (size_t i = 0; i < G_N_ELEMENTS(f->arch_names); i++) {
                if (!f->arch_names[i][0] || !g_str_equal(f->arch_names[i][0], arch))
                        continue;
                const char *a = f->arch_names[i][1];
                switch (kind) {
                case OVH_SERVER_KIND_OPENVSCODE_SERVER:
                        return g_strdup_printf("openvscode-server-v%s-linux-%s.tar.gz", release, a);
                case OVH_SERVER_KIND_CODE_SERVER:
                        return g_strdup_printf("code-server-%s-linux-%s.tar.gz", release, a);
                case OVH_SERVER_KIND_VSCODIUM:
                        return g_strdup_printf("vscodium-reh-web-linux-%s-%s.tar.gz", a, release);
                default:
                        return NULL;
                }
        }
        return NULL;
}

bool ctl_sha256_valid(const char *text) {
        if (!text || strlen(text) != 64)
                return false;
        for (size_t i = 0; i < 64; i++)
                if (!g_ascii_isxdigit(text[i]))
                        return false;
        return true;
}

static const char *member_string(JsonObject *o, const char *name) {
        JsonNode *n = json_object_get_member(o, name);
        if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
                return NULL;
        return json_node_get_string(n);
}

int ctl_feed_pick(OvhServerKind kind, const char *arch, const char *json, gsize length, const char *url,
                  CtlFeedAsset *ret, GError **error) {
        const FeedSpec *f = feed_spec(kind);
        g_autoptr(JsonParser) parser = json_parser_new();
        g_autoptr(GError) parse_error = NULL;

        g_assert(f);
        if (!json_parser_load_from_data(parser, json, (gssize) length, &parse_error))
                return ovh_fail(error, EX_DATAERR, EINVAL,
                                "%s: the feed's answer is not JSON (%s); is it a mirror "
                                "of GitHub's releases API? check [Update] Feed=",
                                url, parse_error->message);
        JsonNode *root = json_parser_get_root(parser);
        JsonObject *release = root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
        const char *tag = release ? member_string(release, "tag_name") : NULL;
        JsonNode *assets_node = release ? json_object_get_member(release, "assets") : NULL;
        if (!tag || !assets_node || !JSON_NODE_HOLDS_ARRAY(assets_node))
                return ovh_fail(error, EX_DATAERR, EINVAL,
                                "%s: the feed's answer is no release (no tag_name and assets); is it a mirror of "
                                "GitHub's releases API? check [Update] Feed=",
                                url);
        if (!g_str_has_prefix(tag, f->tag_prefix) || !ovh_server_version_valid(tag + strlen(f->tag_prefix)))
                return ovh_fail(error, EX_DATAERR, EINVAL,
                                "%s: the release's tag \"%s\" is not a %s release tag (%sVERSION)", url, tag,
                                ovh_server_kind_name(kind), f->tag_prefix);
        const char *release_version = tag + strlen(f->tag_prefix);
        g_autofree char *wanted = ctl_feed_asset_name(kind, release_version, arch);
        if (!wanted)
                return ovh_fail(error, EX_UNAVAILABLE, ENOENT, "%s has no build for %s; pick another kind",
                                ovh_server_kind_name(kind), arch);

        JsonArray *assets = json_node_get_array(assets_node);
        for (guint i = 0; i < json_array_get_length(assets); i++) {
                JsonNode *n = json_array_get_element(assets, i);
                if (!JSON_NODE_HOLDS_OBJECT(n))
                        continue;
                JsonObject *a = json_node_get_object(n);
                const char *name = member_string(a, "name");
                if (!name || !g_str_equal(name, wanted))
                        continue;
                const char *download = member_string(a, "browser_download_url");
                if (!download || !ovh_feed_url_valid(download))
                        return ovh_fail(error, EX_DATAERR, EINVAL,
                                        "%s: asset %s has no https:// browser_download_url; the feed is broken", url,
                                        name);
                const char *digest = member_string(a, "digest");
                ret->sha256 = NULL;
                if (digest) {
                        if (!g_str_has_prefix(digest, "sha256:") || !ctl_sha256_valid(digest + strlen("sha256:")))
                                return ovh_fail(error, EX_DATAERR, EINVAL,
                                                "%s: asset %s has the digest \"%s\", not sha256:HEX; the feed is "
                                                "broken",
                                                url, name, digest);
                        ret->sha256 = g_ascii_strdown(digest + strlen("sha256:"), -1);
                }
                ret->tag = g_strdup(tag);
                ret->release = g_strdup(release_version);
                ret->asset = g_strdup(name);
                ret->url = g_strdup(download);
                ret->size = json_object_has_member(a, "size") ? json_object_get_int_member(a, "size") : -1;
                return 0;
        }
        return ovh_fail(error, EX_UNAVAILABLE, ENOENT,
                        "%s: release %s has no %s (no build for %s in it); pick another version or kind", url, tag,
                        wanted, arch);
}

int ctl_feed_parse_spec(const char *spec, OvhServerKind *ret_kind, char **ret_version) {
        g_autofree char *kind = g_strdup(spec);
        char *at = strchr(kind, '@');
        const char *version = NULL;

        if (at) {
                *at = '\0';
                version = at + 1;
                if (g_str_equal(version, "latest"))
                        version = NULL;
                else if (!ovh_server_version_valid(version))
                        return -EINVAL;
        }
        if (ovh_server_kind_from_name(kind, ret_kind) < 0 || !ctl_feed_kind_has_feed(*ret_kind))
                return -EINVAL;
        *ret_version = g_strdup(version);
        return 0;
}

int ctl_version_compare(const char *a, const char *b) {
        while (*a || *b) {
                if (g_ascii_isdigit(*a) && g_ascii_isdigit(*b)) {
                        char *ea, *eb;
                        unsigned long long x = strtoull(a, &ea, 10), y = strtoull(b, &eb, 10);
                        if (x != y)
                                return x < y ? -1 : 1;
                        a = ea;
                        b = eb;
                        continue;
                }
                /* A prerelease comes before its release, as in semver:
                 * 4.140.0-rc.1 < 4.140.0. */
                if (*a == '-' && !*b)
                        return -1;
                if (!*a && *b == '-')
                        return 1;
                if (*a != *b)
                        return (unsigned char) *a < (unsigned char) *b ? -1 : 1;
                a++;
                b++;
        }
        return 0;
}

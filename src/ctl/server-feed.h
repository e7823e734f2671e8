/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>

#include "server-tree.h"

/* Release feeds (docs/server.md): each kind's GitHub releases API, or a
 * mirror of it under another base URL ([Update] Feed=). All pure. */

#define CTL_FEED_DEFAULT_BASE "https://api.github.com"

typedef struct {
        char *tag;
        char *release; /* the version the tag names (code-server 4.139.1) */
        char *asset; /* the tarball's name */
        char *url; /* browser_download_url */
        char *sha256; /* lower-case hex from the asset's digest, or NULL */
        gint64 size;
} CtlFeedAsset;

void ctl_feed_asset_clear(CtlFeedAsset *a);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CtlFeedAsset, ctl_feed_asset_clear)

/* Whether a kind has a release feed (openvscode-server, code-server,
 * vscodium). */
bool ctl_feed_kind_has_feed(OvhServerKind kind);

/* The release's URL: BASE/repos/OWNER/REPO/releases/latest, or
 * .../releases/tags/TAG for a version. */
char *ctl_feed_release_url(OvhServerKind kind, const char *base, const char *version);

/* The tarball's name for a release version and a Debian architecture, or
 * NULL when the kind has no build for it (code-server on armhf). */
char *ctl_feed_asset_name(OvhServerKind kind, const char *release, const char *arch);

/* Picks this architecture's tarball from a release (a JSON object as the
 * releases API returns it). EX_DATAERR for a text that is no release,
 * EX_UNAVAILABLE when the release has no asset for the architecture; the
 * messages name `url`. */
int ctl_feed_pick(OvhServerKind kind, const char *arch, const char *json, gsize length, const char *url,
                  CtlFeedAsset *ret, GError **error);

/* KIND or KIND@VERSION: -EINVAL when it is neither. *ret_version is NULL
 * for KIND alone and for KIND@latest. */
int ctl_feed_parse_spec(const char *spec, OvhServerKind *ret_kind, char **ret_version);

/* Compares two versions number by number (1.10 > 1.9), a prerelease
 * before its release (1.2.3-rc.1 < 1.2.3): <0, 0, >0. */
int ctl_version_compare(const char *a, const char *b);

/* Whether text is 64 hex digits. */
bool ctl_sha256_valid(const char *text);

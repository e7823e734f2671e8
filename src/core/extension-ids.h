/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <stdbool.h>

/* Extension identifiers as VS Code's CLI takes them: publisher.name, with
 * an optional @version. Letters, digits, '-' and '_' in each part; VS Code
 * compares them case-insensitively. */
bool ovh_extension_id_valid(const char *id);

/* An absolute path ending in .vsix (the file itself is not looked at). */
bool ovh_extension_is_vsix_path(const char *arg);

/* For a .vsix named the way the marketplaces name downloads,
 * publisher.name-1.2.3.vsix: "publisher.name@1.2.3", lower-cased. NULL for
 * any other name. */
char *ovh_extension_vsix_id(const char *path);

/* The extensions recorded as installed in VS Code's extensions.json (the
 * extensions directory's manifest), as lower-cased "publisher.name@version"
 * strings, or NULL when the text is not shaped like one. Pure: VS Code
 * writes the file with JSON.stringify, so only its
 * {"identifier":{"id":"..."...},"version":"..."} members are read. */
GPtrArray *ovh_extensions_manifest_entries(const char *json);

/* The entries of `wanted` (Extensions=: ids, id@version or .vsix paths)
 * that are not installed according to the manifest text (NULL: none is).
 * An id without a version is present in any version; id@version and a
 * publisher.name-VERSION.vsix only in that version; a .vsix with any other
 * name is always "missing" (its id is inside the archive). */
char **ovh_extensions_missing(char *const *wanted, const char *manifest_json);

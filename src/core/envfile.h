/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <stdbool.h>

/* The container-compatible environment file (/etc/openvscode-server/
 * environment), read the way systemd's EnvironmentFile= reads it, so that
 * openvscodectl sees the same variables the service gets: KEY=VALUE lines,
 * '#' and ';' comments, values optionally in single or double quotes
 * (backslash escapes inside double quotes), surrounding blanks dropped.
 * Lines that are not assignments are skipped, as systemd skips them.
 * Hand-written: libsystemd has no public API for this grammar. */
char **ovh_envfile_parse(const char *data, gsize length);

/* Reads PATH; a missing file is an empty environment. EX_NOPERM when it
 * cannot be read (it is root's alone, 0600). */
int ovh_envfile_load(const char *path, char ***ret_env, GError **error);

/* The value of NAME in an environment list, or NULL. */
const char *ovh_env_get(char *const *env, const char *name);

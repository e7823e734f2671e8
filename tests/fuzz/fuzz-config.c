/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: the launcher's configuration, as main.c validates it.
 *
 * One input is several files. Parts are separated by lines holding only
 * "%%": the first part is launcher.conf, the following ones are drop-ins
 * (launcher.conf.d/NN.conf, applied in order), and when there are two parts
 * or more the last one is the environment (/etc/openvscode-server/environment
 * as systemd hands it over): one VAR=value per line, where the two
 * characters "\n" stand for a newline inside a value (EnvironmentFile=
 * accepts multi-line quoted values).
 *
 * FILE__NAME=path makes the launcher read a file. The harness must not
 * read whatever the fuzzer names (/dev/zero would never end), so an
 * absolute path is redirected to the file of the same base name in a
 * scratch directory holding a few fixed secrets (see write_secret_files);
 * other names do not exist there.
 *
 * Beyond "no crash, no leak, no undefined behaviour", the harness checks
 * what the launcher promises about its errors: every failure is an OVH_ERROR
 * with a sysexits code, one printable line of UTF-8, and never the token. A newline
 * would let journald split a second record off, with whatever priority
 * prefix it starts with; any other control character makes journalctl show
 * "[N blob data]" instead of the message (so does invalid UTF-8), or a
 * terminal run the escape sequence of an admin's --check. A success leaves a configuration the rest of the
 * launcher can rely on.
 */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "config.h"
#include "fuzz-common.h"
#include "config.h"
#include "ovh-error.h"
#include "sandbox.h"
#include "server.h"
#include "token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PARTS 16
#define MAX_ENV 64
/* Splits data at separator lines ("%%" alone on a line) into at most
 * MAX_PARTS byte ranges. */
static size_t split_parts(const char *data, size_t size, const char *starts[MAX_PARTS], size_t lengths[MAX_PARTS]) {
        size_t n = 0, part = 0;

        for (size_t line = 0; line < size && n < MAX_PARTS - 1;) {
                const char *nl = memchr(data + line, '\n', size - line);
                size_t line_end = nl ? (size_t) (nl - data) : size;
                if (line_end - line == 2 && data[line] == '%' && data[line + 1] == '%') {
                        starts[n] = data + part;
                        lengths[n++] = line - part;
                        part = nl ? line_end + 1 : size;
                }
                line = line_end + 1;
        }
        starts[n] = data + part;
        lengths[n++] = size - part;
        return n;
}

/* One environment entry: "\n" decoded, FILE__ paths redirected. */
static char *environment_entry(const char *line, size_t length) {
        GString *s = g_string_sized_new(length);

        for (size_t i = 0; i < length; i++) {
                if (line[i] == '\\' && i + 1 < length && line[i + 1] == 'n') {
                        g_string_append_c(s, '\n');
                        i++;
                } else {
                        g_string_append_c(s, line[i]);
                }
        }
        g_autofree char *decoded = g_string_free(s, FALSE);
        return fuzz_redirect_file_variable(decoded);
}

static char **environment_of(const char *part, size_t length) {
        GPtrArray *env = g_ptr_array_new();
        const char *p = part, *end = part + length;

        while (p < end && env->len < MAX_ENV) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                const char *line_end = nl ? nl : end;
                if (line_end > p)
                        g_ptr_array_add(env, environment_entry(p, (size_t) (line_end - p)));
                p = line_end + 1;
        }
        g_ptr_array_add(env, NULL);
        return (char **) g_ptr_array_free(env, FALSE);
}

/* The tokens this input sets ([Auth] Token=, CONNECTION_TOKEN=,
 * FILE__CONNECTION_TOKEN=): values of 8 characters or more that occur only
 * once in the input, so finding one in a message can only mean the
 * launcher quoted the token. */
static GPtrArray *tokens_of(const char *data, size_t size, char **env) {
        GPtrArray *tokens = g_ptr_array_new_with_free_func(g_free);
        g_autofree char *text = g_strndup(data, size);
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

        for (char **l = lines; *l; l++) {
                const char *v = *l + strspn(*l, " \t");
                if (!g_str_has_prefix(v, "Token"))
                        continue;
                v += strlen("Token");
                v += strspn(v, " \t");
                if (*v != '=')
                        continue;
                g_autofree char *value = g_strstrip(g_strdup(v + 1));
                if (strlen(value) >= 8 && fuzz_occurs_once(data, size, value))
                        g_ptr_array_add(tokens, g_steal_pointer(&value));
        }
        fuzz_environment_tokens(data, size, env, tokens);
        return tokens;
}

/* The files of an input split into `n` parts, as ovh_config_load() applies
 * them: launcher.conf, then the drop-ins in order. The last part is the
 * environment when there are two or more. */
static int load_files(OvhConfig *config, const char *starts[MAX_PARTS], const size_t lengths[MAX_PARTS], size_t n,
                      GError **error) {
        size_t n_files = n >= 2 ? n - 1 : n;
        int r = 0;

        for (size_t i = 0; i < n_files && r >= 0; i++) {
                g_autofree char *origin =
                        i == 0 ? g_strdup("/etc/openvscode-server/launcher.conf")
                               : g_strdup_printf("/etc/openvscode-server/launcher.conf.d/%02zu.conf", i);
                r = ovh_config_load_data(config, origin, starts[i], lengths[i], error);
        }
        return r;
}

/* The environment of an input split into `n` parts (empty below two). */
static char **environment_part(const char *starts[MAX_PARTS], const size_t lengths[MAX_PARTS], size_t n) {
        return n >= 2 ? environment_of(starts[n - 1], lengths[n - 1]) : g_new0(char *, 1);
}

/* What `data` makes the launcher say up to `stage` (1: the files, 2: then
 * the environment, 3: then the server's checks and the token's source):
 * the environment's warnings and the first error, one per line, or NULL
 * when it says nothing. */
static char *stage_error(const char *data, size_t size, int stage) {
        const char *starts[MAX_PARTS];
        size_t lengths[MAX_PARTS];
        g_autoptr(OvhConfig) config = ovh_config_new();
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) said = g_ptr_array_new_with_free_func(g_free);
        int r = 0;

        size_t n = split_parts(data, size, starts, lengths);
        r = load_files(config, starts, lengths, n, &error);
        if (r >= 0 && stage >= 2) {
                g_auto(GStrv) env = environment_part(starts, lengths, n);
                r = ovh_config_apply_environment(config, (const char *const *) env, said, &error);
        }
        if (r >= 0 && stage >= 3) {
                r = ovh_server_check_extra_arguments(config, &error);
                if (r >= 0)
                        r = ovh_server_check_time_zone(config, &error);
                OvhTokenSource source = {};
                if (r >= 0)
                        r = ovh_token_choose(config, NULL, false, "/var/lib/openvscode-server", &source, &error);
                ovh_token_source_clear(&source);
        }
        if (error)
                g_ptr_array_add(said, g_strdup(error->message));
        if (said->len == 0)
                return NULL;
        g_ptr_array_add(said, NULL);
        return g_strjoinv("\n", (char **) said->pdata);
}

static unsigned occurrences(const char *haystack, const char *needle) {
        unsigned n = 0;
        for (const char *p = haystack ? strstr(haystack, needle) : NULL; p; p = strstr(p + 1, needle))
                n++;
        return n;
}

/* A token the input spells may also be part of a message's fixed text
 * (CONNECTION_TOKEN=[Server]; "the groups are [Server], ..." of an unknown
 * group in a file; launcher.conf's path in an origin; `openvscodectl` in a
 * warning). It is only a leak if the launcher says it less often once the
 * input no longer spells it: run the stages again with the token's bytes
 * changed, and keep only the tokens whose count falls. */
static void drop_fixed_text_tokens(const char *data, size_t size, int stage, GPtrArray *tokens) {
        g_autofree char *said = stage_error(data, size, stage);

        for (guint i = 0; i < tokens->len;) {
                const char *token = tokens->pdata[i];
                /* memmem: the input may hold NUL bytes before it. */
                const char *at = memmem(data, size, token, strlen(token));
                unsigned count = occurrences(said, token);
                if (count == 0 || !at) {
                        i++;
                        continue;
                }
                g_autofree char *changed = g_memdup2(data, size);
                for (size_t k = 0; token[k]; k++)
                        changed[(size_t) (at - data) + k] = token[k] == 'Q' ? 'R' : 'Q';
                g_autofree char *again = stage_error(changed, size, stage);
                if (occurrences(again, token) >= count)
                        g_ptr_array_remove_index(tokens, i);
                else
                        i++;
        }
}

static void check_path(const char *what, const char *value) {
        if (value && (!g_path_is_absolute(value) || ovh_has_control_chars(value)))
                fuzz_violation("config", "accepted %s=\"%s\": not a clean absolute path", what, value);
}

/* What the launcher's later steps take for granted. */
static void check_config(const OvhConfig *c) {
        check_path("Root", c->root);
        check_path("Node", c->node);
        check_path("DefaultFolder", c->default_folder);
        check_path("BasePath", c->base_path);
        check_path("TokenFile", c->token_file);
        if (c->umask > 0777 || !c->telemetry ||
            !g_strv_contains((const char *const[]){ "off", "crash", "error", "all", NULL }, c->telemetry)) {
                fuzz_violation("config", "accepted umask %o, telemetry %s", (unsigned) c->umask, c->telemetry);
        }
        const char *const strings[] = { c->user, c->group, c->time_zone };
        for (size_t i = 0; i < G_N_ELEMENTS(strings); i++)
                if (strings[i] && (strings[i][0] == '\0' || ovh_has_control_chars(strings[i])))
                        fuzz_violation("config", "accepted an empty or control-character account value \"%s\"",
                                       strings[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *starts[MAX_PARTS];
        size_t lengths[MAX_PARTS];
        g_autoptr(OvhConfig) config = ovh_config_new();
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
        g_auto(GStrv) env = NULL;
        int r = 0;

        size_t n = split_parts((const char *) data, size, starts, lengths);
        env = environment_part(starts, lengths, n);
        g_autoptr(GPtrArray) tokens = tokens_of((const char *) data, size, env);

        /* 1. The files, as ovh_config_load() applies them. */
        r = load_files(config, starts, lengths, n, &error);
        if (error)
                drop_fixed_text_tokens((const char *) data, size, 1, tokens);
        fuzz_check_error(r, error, tokens, "ovh_config_load_data");
        if (r < 0)
                return 0;

        /* 2. The container's variables, then main.c's checks in its order. */
        r = ovh_config_apply_environment(config, (const char *const *) env, warnings, &error);
        if (error)
                drop_fixed_text_tokens((const char *) data, size, 2, tokens);
        fuzz_check_error(r, error, tokens, "ovh_config_apply_environment");
        if (r < 0)
                return 0;
        check_config(config);
        /* A warning's fixed text may spell a token too ("penvscod" of
         * `openvscodectl sudo enable`). */
        if (warnings->len)
                drop_fixed_text_tokens((const char *) data, size, 2, tokens);
        for (guint i = 0; i < warnings->len; i++)
                fuzz_check_error(-EINVAL, &(GError){ OVH_ERROR, EX_CONFIG, warnings->pdata[i] }, tokens, "warning");

        r = ovh_server_check_extra_arguments(config, &error);
        if (r >= 0)
                r = ovh_server_check_time_zone(config, &error);
        if (error)
                drop_fixed_text_tokens((const char *) data, size, 3, tokens);
        fuzz_check_error(r, error, tokens, "ovh_server_check_*");
        if (r < 0)
                return 0;

        OvhTokenSource source = {};
        r = ovh_token_choose(config, NULL, false, "/var/lib/openvscode-server", &source, &error);
        /* Its message names the origin (launcher.conf's path): a token
         * such as "penvscode-server" is that fixed text, not a leak. */
        if (error)
                drop_fixed_text_tokens((const char *) data, size, 3, tokens);
        fuzz_check_error(r, error, tokens, "ovh_token_choose");
        ovh_token_source_clear(&source);
        if (r < 0)
                return 0;

        /* 3. [Sandbox]: names are checked and the filter is built only when
         * the options differ from the default (the launcher then compiles
         * it at start). */
        if (config->seccomp) {
                OvhSandboxOptions options = {
                        .allow_namespaces = config->allow_namespaces,
                        .allow_syscalls = config->allow_syscalls,
                        .deny_syscalls = config->deny_syscalls,
                };
                if (!ovh_sandbox_options_are_default(&options)) {
                        uint32_t arches[4];
                        size_t n_arches = ovh_sandbox_arches(arches);
                        scmp_filter_ctx filter = NULL;
                        r = ovh_sandbox_build(&options, arches, n_arches, &filter, &error);
                        fuzz_check_error(r, error, tokens, "ovh_sandbox_build");
                        if (filter)
                                seccomp_release(filter);
                }
        }
        return 0;
}

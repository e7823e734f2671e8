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

#include "conf.h"
#include "config.h"
#include "ovh-error.h"
#include "sandbox.h"
#include "server.h"
#include "token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PARTS 16
#define MAX_ENV 64
/* A secret the launcher must never quote, in the file FILE__CONNECTION_TOKEN
 * may point at. */
#define FILE_TOKEN "fuzzSecretTokenFromFile-7f3a9c"

static char *secrets_dir;

/* A broken promise: the message goes to stderr tagged with the check's
 * name, then abort() makes it a crash libFuzzer keeps. OVH_FUZZ_TOLERATE
 * (comma-separated names) lets a known defect through, so a fuzz run can
 * look past it while its regression input still fails (tests/fuzz/run
 * sets it from the regressions that still crash). */
static void violation(const char *check, const char *format, ...) G_GNUC_PRINTF(2, 3);
static void violation(const char *check, const char *format, ...) {
        const char *tolerate = getenv("OVH_FUZZ_TOLERATE");
        va_list ap;

        if (tolerate) {
                g_auto(GStrv) names = g_strsplit(tolerate, ",", -1);
                if (g_strv_contains((const char *const *) names, check))
                        return;
        }
        fprintf(stderr, "[check:%s] ", check);
        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        fputc('\n', stderr);
        abort();
}

static void remove_secret_files(void) {
        g_autoptr(GDir) dir = g_dir_open(secrets_dir, 0, NULL);
        for (const char *name; dir && (name = g_dir_read_name(dir));) {
                g_autofree char *path = g_build_filename(secrets_dir, name, NULL);
                (void) g_unlink(path);
        }
        (void) g_rmdir(secrets_dir);
}

/* The files FILE__NAME=/anything/BASENAME can reach: one per shape the
 * launcher must tell apart. */
static void write_secret_files(void) {
        static const struct {
                const char *name;
                const char *content;
                gssize length;
        } files[] = {
                { "token", FILE_TOKEN "\n", -1 },
                { "id", "1000\n", -1 },
                { "root-id", "0\n", -1 },
                { "umask", "027\r\n", -1 },
                { "tz", "Europe/Berlin\n", -1 },
                { "path", "/etc/openvscode-server/token\n", -1 },
                { "empty", "", 0 },
                { "nul",
                  "12\0"
                  "34\n",
                  6 },
                { "multiline", "022\n<3>a forged journal line\n", -1 },
                { "crlf-only", "\r\n", -1 },
        };
        char template[] = "/tmp/ovh-fuzz-secrets.XXXXXX";

        if (!g_mkdtemp(template))
                abort();
        secrets_dir = g_strdup(template);
        for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
                g_autofree char *path = g_build_filename(secrets_dir, files[i].name, NULL);
                if (!g_file_set_contents(path, files[i].content, files[i].length, NULL))
                        abort();
        }
        /* Longer than the launcher's 64 KiB limit for such files. */
        g_autofree char *big = g_strnfill(70000, '7');
        g_autofree char *big_path = g_build_filename(secrets_dir, "big", NULL);
        if (!g_file_set_contents(big_path, big, -1, NULL))
                abort();
        atexit(remove_secret_files);
}

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
        char *eq = strchr(s->str, '=');
        if (g_str_has_prefix(s->str, "FILE__") && eq && eq[1] == '/') {
                g_autofree char *name = g_strndup(s->str, (gsize) (eq - s->str));
                g_autofree char *base = g_path_get_basename(eq + 1);
                g_autofree char *path = g_build_filename(secrets_dir, base, NULL);
                g_string_free(s, TRUE);
                return g_strdup_printf("%s=%s", name, path);
        }
        return g_string_free(s, FALSE);
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

static bool occurs_once(const char *data, size_t size, const char *needle) {
        size_t n = strlen(needle);
        const char *first = memmem(data, size, needle, n);
        if (!first)
                return false;
        return !memmem(first + 1, size - (size_t) (first + 1 - data), needle, n);
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
                if (strlen(value) >= 8 && occurs_once(data, size, value))
                        g_ptr_array_add(tokens, g_steal_pointer(&value));
        }
        for (char **e = env; *e; e++) {
                if (g_str_has_prefix(*e, "CONNECTION_TOKEN=") && strlen(*e + strlen("CONNECTION_TOKEN=")) >= 8 &&
                    !strchr(*e, '\n') && occurs_once(data, size, *e + strlen("CONNECTION_TOKEN=")))
                        g_ptr_array_add(tokens, g_strdup(*e + strlen("CONNECTION_TOKEN=")));
        }
        /* The token file's content, unless another variable reads that
         * file too (then quoting it there is quoting a PUID, say). */
        unsigned readers = 0;
        bool read_as_token = false;
        for (char **e = env; *e; e++) {
                const char *eq = strchr(*e, '=');
                if (!g_str_has_prefix(*e, "FILE__") || !eq || !g_str_has_suffix(eq, "/token"))
                        continue;
                readers++;
                read_as_token = read_as_token || g_str_has_prefix(*e, "FILE__CONNECTION_TOKEN=");
        }
        if (read_as_token && readers == 1)
                g_ptr_array_add(tokens, g_strdup(FILE_TOKEN));
        return tokens;
}

static void check_error(int r, const GError *error, GPtrArray *tokens, const char *step) {
        if (r >= 0 && !error)
                return;
        if (r >= 0 || !error) {
                violation("error-contract", "%s: returned %d with error %s", step, r,
                          error ? error->message : "(none)");
                return;
        }
        if (error->domain != OVH_ERROR || error->code < EX__BASE || error->code > EX__MAX)
                violation("sysexits", "%s: error code %d is not a sysexits code: %s", step, error->code,
                          error->message);
        if (error->message[0] == '\0' || ovh_has_control_chars(error->message) ||
            !g_utf8_validate(error->message, -1, NULL)) {
                char utf8[128];
                for (int i = 0; i < 127; i++)
                        utf8[i] = (char) (0x80 + i);
                utf8[127] = '\0';
                /* escape the control characters, keep UTF-8 readable */
                g_autofree char *shown = g_strescape(error->message, utf8);
                violation("printable", "%s: the error is not one printable line of UTF-8: \"%s\"", step, shown);
        }
        for (guint i = 0; i < tokens->len; i++)
                if (strstr(error->message, tokens->pdata[i]))
                        violation("token-quoted", "%s: the error quotes the token \"%s\": %s", step,
                                  (const char *) tokens->pdata[i], error->message);
}

static void check_path(const char *what, const char *value) {
        if (value && (!g_path_is_absolute(value) || ovh_has_control_chars(value)))
                violation("config", "accepted %s=\"%s\": not a clean absolute path", what, value);
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
                violation("config", "accepted umask %o, telemetry %s", (unsigned) c->umask, c->telemetry);
        }
        const char *const strings[] = { c->user, c->group, c->time_zone };
        for (size_t i = 0; i < G_N_ELEMENTS(strings); i++)
                if (strings[i] && (strings[i][0] == '\0' || ovh_has_control_chars(strings[i])))
                        violation("config", "accepted an empty or control-character account value \"%s\"", strings[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *starts[MAX_PARTS];
        size_t lengths[MAX_PARTS];
        g_autoptr(OvhConfig) config = ovh_config_new();
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
        g_auto(GStrv) env = NULL;
        int r = 0;

        if (!secrets_dir)
                write_secret_files();

        size_t n = split_parts((const char *) data, size, starts, lengths);
        size_t n_files = n >= 2 ? n - 1 : n;
        env = n >= 2 ? environment_of(starts[n - 1], lengths[n - 1]) : g_new0(char *, 1);
        g_autoptr(GPtrArray) tokens = tokens_of((const char *) data, size, env);

        /* 1. The files, as ovh_config_load() applies them. */
        for (size_t i = 0; i < n_files && r >= 0; i++) {
                g_autofree char *origin =
                        i == 0 ? g_strdup("/etc/openvscode-server/launcher.conf")
                               : g_strdup_printf("/etc/openvscode-server/launcher.conf.d/%02zu.conf", i);
                r = ovh_config_load_data(config, origin, starts[i], lengths[i], &error);
        }
        check_error(r, error, tokens, "ovh_config_load_data");
        if (r < 0)
                return 0;

        /* 2. The container's variables, then main.c's checks in its order. */
        r = ovh_config_apply_environment(config, (const char *const *) env, warnings, &error);
        check_error(r, error, tokens, "ovh_config_apply_environment");
        if (r < 0)
                return 0;
        check_config(config);
        for (guint i = 0; i < warnings->len; i++)
                check_error(-EINVAL, &(GError){ OVH_ERROR, EX_CONFIG, warnings->pdata[i] }, tokens, "warning");

        r = ovh_server_check_extra_arguments(config, &error);
        if (r >= 0)
                r = ovh_server_check_time_zone(config, &error);
        check_error(r, error, tokens, "ovh_server_check_*");
        if (r < 0)
                return 0;

        OvhTokenSource source = {};
        r = ovh_token_choose(config, NULL, false, "/var/lib/openvscode-server", &source, &error);
        check_error(r, error, tokens, "ovh_token_choose");
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
                        check_error(r, error, tokens, "ovh_sandbox_build");
                        if (filter)
                                seccomp_release(filter);
                }
        }
        return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: /etc/openvscode-server/environment as openvscodectl
 * reads it (ovh_envfile_parse(), which follows systemd's EnvironmentFile=
 * rules so that `openvscodectl check` and `url` see what the service gets),
 * then the variables applied to the configuration as the launcher applies
 * them.
 *
 * The parser must only hand on assignments with a valid variable name;
 * what follows keeps fuzz-config.c's error contract (one printable line of
 * UTF-8 with a sysexits code, never the token). Whether the parser reads a
 * file exactly as systemd does is measured on a real systemd by
 * tests/system/test-faults.sh (openvscodectl check against the service).
 */
#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "config.h"
#include "envfile.h"
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool name_valid(const char *name, size_t n) {
        if (n == 0 || !(g_ascii_isalpha(name[0]) || name[0] == '_'))
                return false;
        for (size_t i = 1; i < n; i++)
                if (!g_ascii_isalnum(name[i]) && name[i] != '_')
                        return false;
        return true;
}

/* A "token" the input spells may also be part of a message's fixed text
 * (CONNECTION_TOKEN=Europe/Berlin, and the TZ error's example zone). It is
 * only a leak if the message still holds it once no variable carries it:
 * run again without those variables and keep only tokens that vanish. */
static void drop_constant_text_tokens(const char *message, GPtrArray *env, GPtrArray *tokens) {
        for (guint i = 0; i < tokens->len;) {
                const char *token = tokens->pdata[i];
                if (!strstr(message, token)) {
                        i++;
                        continue;
                }
                g_autoptr(GPtrArray) without = g_ptr_array_new();
                for (guint j = 0; j + 1 < env->len; j++)
                        if (!strstr(env->pdata[j], token))
                                g_ptr_array_add(without, env->pdata[j]);
                g_ptr_array_add(without, NULL);
                g_autoptr(OvhConfig) config = ovh_config_new();
                g_autoptr(GError) again = NULL;
                (void) ovh_config_apply_environment(config, (const char *const *) without->pdata, NULL, &again);
                if (again && strstr(again->message, token))
                        g_ptr_array_remove_index(tokens, i);
                else
                        i++;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *text = (const char *) data;
        g_auto(GStrv) parsed = ovh_envfile_parse(text, size);
        g_autoptr(GPtrArray) env = g_ptr_array_new_with_free_func(g_free);

        for (char **e = parsed; *e; e++) {
                const char *eq = strchr(*e, '=');
                if (!eq || !name_valid(*e, (size_t) (eq - *e)))
                        fuzz_violation("envfile", "the parser handed on \"%s\", not NAME=VALUE", *e);
                g_autofree char *name = g_strndup(*e, eq ? (gsize) (eq - *e) : 0);
                if (eq && !ovh_env_get(parsed, name))
                        fuzz_violation("envfile", "ovh_env_get() does not find the variable of \"%s\"", *e);
                g_ptr_array_add(env, fuzz_redirect_file_variable(*e));
        }
        g_ptr_array_add(env, NULL);

        g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func(g_free);
        fuzz_environment_tokens(text, size, (char *const *) env->pdata, tokens);
        g_autoptr(OvhConfig) config = ovh_config_new();
        g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GError) error = NULL;
        int r = ovh_config_apply_environment(config, (const char *const *) env->pdata, warnings, &error);
        if (error)
                drop_constant_text_tokens(error->message, env, tokens);
        fuzz_check_error(r, error, tokens, "ovh_config_apply_environment");
        return 0;
}

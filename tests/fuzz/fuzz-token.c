/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: the token rules (src/core/token-rules.c).
 *
 * The input is the content of a token file. ovh_token_from_contents() and
 * ovh_token_valid() are compared with a model written from their
 * documentation: one trailing "\n" and then one "\r" stripped, 1 to
 * OVH_TOKEN_MAX_LENGTH characters of [0-9A-Za-z_-], nothing else, no NUL.
 * A failure must be EX_DATAERR, one line, and must not quote the content:
 * a token file with one bad character is still mostly a secret.
 */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "ovh-error.h"
#include "token-rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Longest run of token characters in the launcher's own message texts
 * ("characters" is 10): a longer run of the input found in a message can
 * only come from the input. */
#define QUOTE_RUN 12
#define ORIGIN "@token-file@"

static bool token_char(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

static bool model_valid(const char *s, size_t n) {
        if (n == 0 || n > OVH_TOKEN_MAX_LENGTH)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!token_char(s[i]))
                        return false;
        return true;
}

/* A broken promise, tagged with the check's name (see fuzz-config.c for
 * OVH_FUZZ_TOLERATE). */
static void fail(const char *check, const char *what, const char *data, size_t size) {
        const char *tolerate = getenv("OVH_FUZZ_TOLERATE");
        if (tolerate) {
                g_auto(GStrv) names = g_strsplit(tolerate, ",", -1);
                if (g_strv_contains((const char *const *) names, check))
                        return;
        }
        g_autofree char *head = g_strndup(data, size > 200 ? 200 : size);
        g_autofree char *shown = g_strescape(head, NULL);
        fprintf(stderr, "[check:%s] %s (input of %zu bytes: \"%s\")\n", check, what, size, shown);
        abort();
}

/* Aborts when the message holds QUOTE_RUN or more token characters in a
 * row taken from the input. */
static void check_not_quoted(const char *message, const char *data, size_t size) {
        size_t run = 0;
        for (size_t i = 0; i <= size; i++) {
                if (i < size && token_char(data[i])) {
                        run++;
                        continue;
                }
                if (run >= QUOTE_RUN) {
                        g_autofree char *piece = g_strndup(data + i - run, run);
                        if (strstr(message, piece))
                                fail("token-quoted", "the error quotes the token file's content", data, size);
                }
                run = 0;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *text = (const char *) data;
        g_autoptr(GError) error = NULL;
        g_autofree char *token = NULL;

        size_t n = size;
        if (n > 0 && text[n - 1] == '\n')
                n--;
        if (n > 0 && text[n - 1] == '\r')
                n--;
        bool want = model_valid(text, n);

        int r = ovh_token_from_contents(text, size, ORIGIN, &token, &error);
        if ((r == 0) != want)
                fail("token-model", want ? "a valid token was refused" : "an invalid token was accepted", text, size);
        if (r == 0) {
                if (error || !token || strlen(token) != n || memcmp(token, text, n) != 0)
                        fail("token-model", "the accepted token differs from the file's content", text, size);
                if (!ovh_token_valid(token))
                        fail("token-model", "ovh_token_valid() refuses what ovh_token_from_contents() accepted", text,
                             size);
        } else {
                if (token || !error || error->domain != OVH_ERROR || error->code != EX_DATAERR || r >= 0)
                        fail("error-contract", "a refused token file gives no EX_DATAERR error", text, size);
                if (!strstr(error->message, ORIGIN) || strpbrk(error->message, "\r\n"))
                        fail("error-contract", "the error does not name the file in one line", text, size);
                check_not_quoted(error->message, text, size);
        }

        /* ovh_token_valid() on a C string: the input up to its first NUL. */
        g_autofree char *c_string = g_strndup(text, size);
        if (ovh_token_valid(c_string) != model_valid(c_string, strlen(c_string)))
                fail("token-model", "ovh_token_valid() disagrees with VS Code's rule", text, size);
        return 0;
}

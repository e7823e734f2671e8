/* SPDX-License-Identifier: MIT */
#include "token-rules.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "ovh-error.h"

bool ovh_token_valid(const char *token) {
        size_t n = 0;

        for (const char *p = token; *p; p++, n++)
                if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_')
                        return false;
        return n > 0 && n <= OVH_TOKEN_MAX_LENGTH;
}

int ovh_token_from_contents(const char *data, gsize length, const char *origin, char **ret_token, GError **error) {
        if (length > 0 && data[length - 1] == '\n')
                length--;
        if (length > 0 && data[length - 1] == '\r')
                length--;
        if (length == 0)
                return ovh_fail(error, EX_DATAERR, EINVAL,
                                "%s: the token file is empty; write a token of letters, digits, '-' and '_' into it",
                                origin);
        if (length > OVH_TOKEN_MAX_LENGTH)
                return ovh_fail(error, EX_DATAERR, EINVAL,
                                "%s: the token is longer than %d characters; use a shorter one", origin,
                                OVH_TOKEN_MAX_LENGTH);
        /* memchr first: a NUL inside would silently shorten the token. */
        if (memchr(data, '\0', length))
                return ovh_fail(error, EX_DATAERR, EINVAL,
                                "%s: the token contains a NUL byte; only letters, digits, '-' and '_' are allowed",
                                origin);
        g_autofree char *token = g_strndup(data, length);
        if (!ovh_token_valid(token))
                return ovh_fail(error, EX_DATAERR, EINVAL,
                                "%s: the token has a character outside [0-9A-Za-z_-] (VS Code rejects it); "
                                "use only letters, digits, '-' and '_'",
                                origin);
        *ret_token = g_steal_pointer(&token);
        return 0;
}

int ovh_token_generate(char **ret_token, GError **error) {
        guint8 bytes[32];
        size_t have = 0;

        while (have < sizeof(bytes)) {
                ssize_t n = getrandom(bytes + have, sizeof(bytes) - have, 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return ovh_fail(error, EX_OSERR, errno, "getrandom() failed: %s", g_strerror(errno));
                }
                have += (size_t) n;
        }

        char *hex = g_malloc(sizeof(bytes) * 2 + 1);
        for (size_t i = 0; i < sizeof(bytes); i++)
                g_snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
        explicit_bzero(bytes, sizeof(bytes));
        *ret_token = hex;
        return 0;
}

/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <stdbool.h>

/* VS Code's own rule for connection tokens: ^[0-9A-Za-z_-]+$. */
#define OVH_TOKEN_MAX_LENGTH 1024
bool ovh_token_valid(const char *token);

/* Turns the contents of a token file into the token: one trailing newline
 * ("\n" or "\r\n") is stripped, the rest must be a valid token. `origin`
 * names the file in the error. The error never quotes the token. */
int ovh_token_from_contents(const char *data, gsize length, const char *origin, char **ret_token, GError **error);

/* 32 random bytes from getrandom(), hex encoded (64 characters). */
int ovh_token_generate(char **ret_token, GError **error);

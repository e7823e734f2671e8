/* SPDX-License-Identifier: MIT */
#pragma once

/* What the harnesses share: the promises every error of the launcher keeps,
 * how a broken one is reported, and the scratch files FILE__NAME= may
 * name. */

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

/* A secret the launcher must never quote, in the file
 * FILE__CONNECTION_TOKEN may point at. */
/* It starts with a letter no escape sequence can produce. */
#define FUZZ_FILE_TOKEN "ovhFuzzSecretFromFile-7f3a9c"

/* A broken promise: the message goes to stderr tagged "[check:NAME]", then
 * abort() makes it a crash libFuzzer keeps. OVH_FUZZ_TOLERATE (names,
 * comma-separated) lets a known defect through, so a fuzz run can look
 * past it while its regression input still fails (tests/fuzz/run sets it
 * from the regressions that still crash). */
void fuzz_violation(const char *check, const char *format, ...) G_GNUC_PRINTF(2, 3);

/* FILE__NAME=/any/path/BASENAME becomes FILE__NAME=SCRATCH/BASENAME: the
 * harness must not read whatever the fuzzer names (/dev/zero would never
 * end). The scratch directory holds one file per shape the launcher must
 * tell apart (a token, an id, a umask with CRLF, an empty file, a NUL, a
 * file over 64 KiB, a value over two lines...). Other entries are copied. */
char *fuzz_redirect_file_variable(const char *entry);

/* Does needle occur exactly once in data? */
bool fuzz_occurs_once(const char *data, size_t size, const char *needle);

/* Adds the secrets an environment sets to `tokens`: CONNECTION_TOKEN
 * values of 8 characters or more that occur once in the input, and the
 * scratch token file's content when only FILE__CONNECTION_TOKEN reads it;
 * so a message holding one can only mean the launcher quoted the token. */
void fuzz_environment_tokens(const char *data, size_t size, char *const *env, GPtrArray *tokens);

/* The error contract: r < 0 exactly when error is set; an OVH_ERROR with
 * a sysexits code; one printable line of UTF-8; none of `tokens`. */
void fuzz_check_error(int r, const GError *error, GPtrArray *tokens, const char *step);

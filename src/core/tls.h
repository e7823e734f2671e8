/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "account.h"
#include "config.h"

/* HTTPS on the socket systemd passes (docs/SECURITY.md, "TLS"). The
 * server (src/tls.js) reads a certificate and its key from the runtime
 * directory, beside the token: tls.crt and tls.key, the account's, 0400.
 * Where they come from is [Server] TLS=:
 *
 *   auto   (default) a certificate for this host's names and addresses,
 *          signed by a local CA made once; root keeps both keys in
 *          OVH_TLS_DIR and hands the server a copy of the server key at
 *          each start (--prepare-tls); only for a socket other hosts can
 *          reach (a loopback or unix socket stays plain, as before)
 *   files  the systemd credentials tls.crt/tls.key, else Certificate=/Key=
 *   off    plain HTTP, as before
 *
 * Parsing, checking and issuing are pure (no files); the effects are the
 * OVH_TLS_DIR store and the runtime copy. Uses OpenSSL's libcrypto. */

#define OVH_TLS_CA_CERT_NAME "ca.crt"
#define OVH_TLS_CA_KEY_NAME "ca.key"
#define OVH_TLS_SERVER_CERT_NAME "server.crt"
#define OVH_TLS_SERVER_KEY_NAME "server.key"
#define OVH_TLS_CREDENTIAL_CERT "tls.crt" /* systemd credentials, and the runtime copies */
#define OVH_TLS_CREDENTIAL_KEY "tls.key"
/* Browsers refuse server certificates valid longer than 398 days. */
#define OVH_TLS_SERVER_DAYS 397
#define OVH_TLS_CA_DAYS (10 * 365)
/* A certificate with less left than this is renewed at start (auto). */
#define OVH_TLS_RENEW_BEFORE_S (30 * 24 * 3600)

typedef enum {
        OVH_TLS_OFF,
        OVH_TLS_AUTO,
        OVH_TLS_FILES,
} OvhTlsMode;

/* TLS= as parsed (config.c keeps the word). */
OvhTlsMode ovh_tls_mode(const OvhConfig *config);

/* What a certificate says, for --check, logs and `openvscodectl tls status`. */
typedef struct {
        char *subject; /* the subject's CN, or the whole subject */
        char *issuer;
        char **dns_names; /* subjectAltName DNS entries */
        char **addresses; /* subjectAltName IP entries, as text */
        gint64 not_before; /* seconds since the epoch */
        gint64 not_after;
        bool is_ca;
} OvhTlsInfo;

void ovh_tls_info_clear(OvhTlsInfo *info);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OvhTlsInfo, ovh_tls_info_clear)

/* Pure: the first certificate of CERT_PEM and the private key KEY_PEM
 * (PEM; key_pem may be NULL to read the certificate alone). Fails with
 * EX_DATAERR and a line naming cert_origin/key_origin and the fix when
 * either does not parse, the key does not belong to the certificate, the
 * certificate is not valid yet at `now` or has expired (now < 0: no
 * check of time, to show an expired certificate). */
int ovh_tls_check(const char *cert_pem, gsize cert_length, const char *key_pem, gsize key_length,
                  const char *cert_origin, const char *key_origin, gint64 now, OvhTlsInfo *info, GError **error);

/* Pure: a new ECDSA P-256 CA for this host (CN "openvscode-host CA on
 * HOST", 10 years, CA:TRUE pathlen 0, keyCertSign|cRLSign). */
int ovh_tls_make_ca(const char *host, gint64 now, char **cert_pem, char **key_pem, GError **error);

/* Pure: a server certificate for dns_names and addresses (IPv4/IPv6 text),
 * signed by the CA, P-256, OVH_TLS_SERVER_DAYS, serverAuth. */
int ovh_tls_issue_server(const char *ca_cert_pem, const char *ca_key_pem, const char *const *dns_names,
                         const char *const *addresses, gint64 now, char **cert_pem, char **key_pem, GError **error);

/* This host's names (hostname, its FQDN if different, localhost) and
 * the addresses of its interfaces that are neither loopback nor
 * link-local, at the time of the call. */
void ovh_tls_host_identity(char ***dns_names, char ***addresses);

/* Effects: the auto store (OVH_TLS_DIR, root's): make the CA once, and a
 * server certificate when there is none, it expires within
 * OVH_TLS_RENEW_BEFORE_S, it was signed by another CA, or `renew`.
 * Returns 1 when a server certificate was issued, 0 when the old one
 * stays. Root only. */
int ovh_tls_auto_ensure(const char *dir, bool renew, gint64 now, GError **error);

/* Pure: the SHA-256 fingerprint of the first certificate of PEM
 * ("AB:CD:..."), and the base64 SHA-256 of its public key (what
 * Chromium's --ignore-certificate-errors-spki-list takes); NULL when PEM
 * holds no certificate. */
char *ovh_tls_fingerprint(const char *pem);
char *ovh_tls_spki_sha256(const char *pem);

/* Reads PATH whole (a certificate or a key); errors name `origin`. */
int ovh_tls_read_file(const char *path, const char *origin, char **ret, gsize *length, GError **error);

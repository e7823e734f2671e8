/* SPDX-License-Identifier: MIT */
/* TLS certificates (src/core/tls.c): the local CA and a server certificate
 * made and read back (names, addresses, validity, the chain), and each bad
 * input the launcher refuses with one line and EX_DATAERR: not PEM, a key
 * that does not match, an expired or not yet valid certificate, a key
 * behind a passphrase; TLS= in the configuration. */
#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "config.h"
#include "ovh-error.h"
#include "tls.h"

#define NOW ((gint64) 1800000000) /* 2027-01-15 */
#define DAY ((gint64) 24 * 3600)

typedef struct {
        char *ca_cert, *ca_key, *cert, *key;
} Made;

static void made_clear(Made *m) {
        g_free(m->ca_cert);
        g_free(m->ca_key);
        g_free(m->cert);
        g_free(m->key);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Made, made_clear)

static void make(Made *m) {
        g_autoptr(GError) error = NULL;
        const char *names[] = { "code", "code.lan", "localhost", "bad name,IP:1.1.1.1", NULL };
        const char *addresses[] = { "192.168.1.20", "fd00::20", "not-an-address", NULL };
        g_assert_cmpint(ovh_tls_make_ca("code", NOW, &m->ca_cert, &m->ca_key, &error), ==, 0);
        g_assert_no_error(error);
        g_assert_cmpint(ovh_tls_issue_server(m->ca_cert, m->ca_key, names, addresses, NOW, &m->cert, &m->key, &error),
                        ==, 0);
        g_assert_no_error(error);
}

/* r first, then the error it set (arguments have no order in C). */
#define REFUSED(call, error, start, inside)                                                                            \
        do {                                                                                                           \
                int r_ = (call);                                                                                       \
                refused(r_, error, start, inside);                                                                     \
        } while (0)

static void refused(int r, GError *error, const char *start, const char *inside) {
        g_assert_cmpint(r, <, 0);
        g_assert_error(error, OVH_ERROR, EX_DATAERR);
        g_assert_true(g_str_has_prefix(error->message, start));
        g_assert_nonnull(strstr(error->message, inside));
        g_assert_nonnull(strstr(error->message, "; "));
        g_assert_null(strchr(error->message, '\n'));
        /* A key is a secret: never quoted. */
        g_assert_null(strstr(error->message, "PRIVATE KEY"));
}

static void test_made(void) {
        g_auto(Made) m = {};
        make(&m);
        g_assert_true(g_str_has_prefix(m.ca_cert, "-----BEGIN CERTIFICATE-----\n"));
        g_assert_true(g_str_has_prefix(m.key, "-----BEGIN PRIVATE KEY-----\n"));

        g_auto(OvhTlsInfo) ca = {};
        g_assert_cmpint(ovh_tls_check(m.ca_cert, strlen(m.ca_cert), m.ca_key, strlen(m.ca_key), "ca.crt", "ca.key", NOW,
                                      &ca, NULL),
                        ==, 0);
        g_assert_true(ca.is_ca);
        g_assert_cmpstr(ca.subject, ==, "openvscode-host CA on code");
        g_assert_cmpint(ca.not_after - NOW, ==, OVH_TLS_CA_DAYS * DAY);

        g_auto(OvhTlsInfo) info = {};
        g_assert_cmpint(
                ovh_tls_check(m.cert, strlen(m.cert), m.key, strlen(m.key), "tls.crt", "tls.key", NOW, &info, NULL), ==,
                0);
        g_assert_false(info.is_ca);
        g_assert_cmpstr(info.subject, ==, "code");
        g_assert_cmpstr(info.issuer, ==, "openvscode-host CA on code");
        g_assert_cmpint(info.not_before, ==, NOW - 3600);
        g_assert_cmpint(info.not_after, ==, NOW + OVH_TLS_SERVER_DAYS * DAY);
        g_assert_cmpint(OVH_TLS_SERVER_DAYS, <=, 397);
        /* The name with a comma cannot smuggle a SAN entry in. */
        const char *dns[] = { "code", "code.lan", "localhost", NULL };
        const char *ips[] = { "192.168.1.20", "fd00::20", NULL };
        g_assert_cmpstrv(info.dns_names, dns);
        g_assert_cmpstrv(info.addresses, ips);

        /* The chain verifies with OpenSSL for a TLS server. */
        BIO *b = BIO_new_mem_buf(m.ca_cert, -1);
        X509 *ca_x = PEM_read_bio_X509(b, NULL, NULL, NULL);
        BIO_free(b);
        b = BIO_new_mem_buf(m.cert, -1);
        X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
        BIO_free(b);
        X509_STORE *store = X509_STORE_new();
        X509_STORE_add_cert(store, ca_x);
        X509_STORE_CTX *ctx = X509_STORE_CTX_new();
        X509_STORE_CTX_init(ctx, store, x, NULL);
        X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
        X509_STORE_CTX_set_time(ctx, 0, (time_t) NOW);
        g_assert_cmpint(X509_verify_cert(ctx), ==, 1);
        g_assert_cmpint(X509_check_host(x, "code.lan", 0, 0, NULL), ==, 1);
        g_assert_cmpint(X509_check_ip_asc(x, "192.168.1.20", 0), ==, 1);
        g_assert_cmpint(X509_check_ip_asc(x, "1.1.1.1", 0), ==, 0);
        X509_STORE_CTX_free(ctx);
        X509_STORE_free(store);
        X509_free(x);
        X509_free(ca_x);
}

static void test_bad_input(void) {
        g_auto(Made) m = {};
        g_auto(Made) other = {};
        make(&m);
        make(&other);
        g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL, e5 = NULL, e6 = NULL;

        REFUSED(ovh_tls_check(m.cert, strlen(m.cert), other.key, strlen(other.key), "/etc/c.pem", "/etc/k.pem", NOW,
                              NULL, &e1),
                e1, "/etc/k.pem does not belong to the certificate /etc/c.pem", "give the key");
        REFUSED(ovh_tls_check(m.cert, strlen(m.cert), m.key, strlen(m.key), "/etc/c.pem", "/etc/k.pem", NOW + 398 * DAY,
                              NULL, &e2),
                e2, "/etc/c.pem: the certificate expired on ", "renew it");
        REFUSED(ovh_tls_check(m.cert, strlen(m.cert), m.key, strlen(m.key), "/etc/c.pem", "/etc/k.pem", NOW - DAY, NULL,
                              &e3),
                e3, "/etc/c.pem: the certificate is valid only from ", "check the clock");
        REFUSED(ovh_tls_check("hello", 5, m.key, strlen(m.key), "Certificate=", "Key=", NOW, NULL, &e4), e4,
                "Certificate=: not a PEM certificate", "BEGIN CERTIFICATE");
        REFUSED(ovh_tls_check(m.cert, strlen(m.cert), m.cert, strlen(m.cert), "Certificate=", "Key=", NOW, NULL, &e5),
                e5, "Key=: not an unencrypted PEM private key", "without a passphrase");

        /* A key behind a passphrase is refused, never prompted for. */
        BIO *in = BIO_new_mem_buf(m.key, -1);
        EVP_PKEY *pkey = PEM_read_bio_PrivateKey(in, NULL, NULL, NULL);
        BIO_free(in);
        BIO *out = BIO_new(BIO_s_mem());
        g_assert_true(PEM_write_bio_PrivateKey(out, pkey, EVP_aes_256_cbc(), (unsigned char *) "pass", 4, NULL, NULL));
        char *data = NULL;
        long n = BIO_get_mem_data(out, &data);
        REFUSED(ovh_tls_check(m.cert, strlen(m.cert), data, n, "tls.crt", "tls.key", NOW, NULL, &e6), e6,
                "tls.key: not an unencrypted PEM private key", "passphrase");
        BIO_free(out);
        EVP_PKEY_free(pkey);
}

static void test_damaged_ca(void) {
        g_auto(Made) m = {};
        g_auto(Made) other = {};
        make(&m);
        make(&other);
        g_autoptr(GError) error = NULL;
        char *cert = NULL, *key = NULL;
        const char *names[] = { "code", NULL };
        int r = ovh_tls_issue_server(m.ca_cert, other.ca_key, names, NULL, NOW, &cert, &key, &error);
        g_assert_cmpint(r, <, 0);
        g_assert_error(error, OVH_ERROR, EX_DATAERR);
        g_assert_nonnull(strstr(error->message, "openvscodectl tls renew"));
        g_assert_null(cert);
        g_clear_error(&error);
        const char *nothing[] = { "bad/name", NULL };
        r = ovh_tls_issue_server(m.ca_cert, m.ca_key, nothing, NULL, NOW, &cert, &key, &error);
        g_assert_cmpint(r, <, 0);
}

static void test_host_identity(void) {
        g_auto(GStrv) names = NULL;
        g_auto(GStrv) addresses = NULL;
        ovh_tls_host_identity(&names, &addresses);
        g_assert_true(g_strv_contains((const char *const *) names, "localhost"));
        for (size_t i = 0; addresses[i]; i++) {
                g_assert_false(g_str_has_prefix(addresses[i], "127."));
                g_assert_cmpstr(addresses[i], !=, "::1");
                g_assert_false(g_str_has_prefix(addresses[i], "fe80:"));
        }
}

/* The auto store (root's): the CA made once, the server certificate kept
 * while more than 30 days are left, renewed when fewer are, when it has
 * expired, or on request; the keys 0600, the certificates 0644. */
static void test_auto_store(void) {
        if (geteuid() != 0) {
                g_test_skip("the store must be root's");
                return;
        }
        g_autofree char *base = g_dir_make_tmp("test-tls-XXXXXX", NULL);
        g_autofree char *dir = g_build_filename(base, "tls", NULL);
        g_autoptr(GError) error = NULL;
        g_autofree char *ca1 = NULL, *ca2 = NULL, *cert1 = NULL, *cert2 = NULL;
        gsize n = 0;
        g_autofree char *ca_path = g_build_filename(dir, OVH_TLS_CA_CERT_NAME, NULL);
        g_autofree char *cert_path = g_build_filename(dir, OVH_TLS_SERVER_CERT_NAME, NULL);

        g_assert_cmpint(ovh_tls_auto_ensure(dir, false, NOW, &error), ==, 1);
        g_assert_no_error(error);
        const char *modes[][2] = { { OVH_TLS_CA_KEY_NAME, "600" },
                                   { OVH_TLS_CA_CERT_NAME, "644" },
                                   { OVH_TLS_SERVER_KEY_NAME, "600" },
                                   { OVH_TLS_SERVER_CERT_NAME, "644" } };
        for (size_t i = 0; i < G_N_ELEMENTS(modes); i++) {
                g_autofree char *path = g_build_filename(dir, modes[i][0], NULL);
                struct stat st;
                g_assert_cmpint(stat(path, &st), ==, 0);
                g_autofree char *mode = g_strdup_printf("%o", st.st_mode & 07777);
                g_assert_cmpstr(mode, ==, modes[i][1]);
                g_assert_cmpuint(st.st_uid, ==, 0);
        }
        g_assert_true(g_file_get_contents(ca_path, &ca1, &n, NULL));
        g_assert_true(g_file_get_contents(cert_path, &cert1, &n, NULL));

        /* Kept while more than 30 days are left. */
        g_assert_cmpint(ovh_tls_auto_ensure(dir, false, NOW + 300 * DAY, &error), ==, 0);
        /* Renewed with fewer, after expiry, and on request; the CA stays. */
        g_assert_cmpint(ovh_tls_auto_ensure(dir, false, NOW + (OVH_TLS_SERVER_DAYS - 29) * DAY, &error), ==, 1);
        g_assert_cmpint(ovh_tls_auto_ensure(dir, false, NOW + 2000 * DAY, &error), ==, 1);
        g_assert_cmpint(ovh_tls_auto_ensure(dir, true, NOW + 2000 * DAY, &error), ==, 1);
        g_assert_no_error(error);
        g_assert_true(g_file_get_contents(ca_path, &ca2, &n, NULL));
        g_assert_true(g_file_get_contents(cert_path, &cert2, &n, NULL));
        g_assert_cmpstr(ca1, ==, ca2);
        g_assert_cmpstr(cert1, !=, cert2);
        g_auto(OvhTlsInfo) info = {};
        g_autofree char *key = NULL;
        g_autofree char *key_path = g_build_filename(dir, OVH_TLS_SERVER_KEY_NAME, NULL);
        g_assert_true(g_file_get_contents(key_path, &key, &n, NULL));
        g_assert_cmpint(ovh_tls_check(cert2, strlen(cert2), key, n, "c", "k", NOW + 2000 * DAY, &info, NULL), ==, 0);
        g_assert_cmpint(info.not_after, ==, NOW + (2000 + OVH_TLS_SERVER_DAYS) * DAY);

        /* A store another user can write is refused. */
        g_assert_cmpint(chmod(dir, 0777), ==, 0);
        g_assert_cmpint(ovh_tls_auto_ensure(dir, false, NOW, &error), <, 0);
        g_assert_error(error, OVH_ERROR, EX_NOPERM);
        g_clear_error(&error);
        g_autofree char *rm = g_strdup_printf("rm -rf '%s'", base);
        g_assert_cmpint(system(rm), ==, 0);
}

static void test_config(void) {
        g_autoptr(OvhConfig) config = ovh_config_new();
        g_autoptr(GError) error = NULL;
        g_assert_cmpint(ovh_tls_mode(config), ==, OVH_TLS_AUTO);
        const char *text = "[Server]\nTLS=files\nCertificate=/etc/c.pem\nKey=/etc/k.pem\n";
        g_assert_cmpint(ovh_config_load_data(config, "a.conf", text, strlen(text), &error), ==, 0);
        g_assert_cmpint(ovh_tls_mode(config), ==, OVH_TLS_FILES);
        g_assert_cmpstr(config->certificate, ==, "/etc/c.pem");
        g_assert_cmpstr(config->key, ==, "/etc/k.pem");
        text = "[Server]\nTLS=off\n";
        g_assert_cmpint(ovh_config_load_data(config, "b.conf", text, strlen(text), &error), ==, 0);
        g_assert_cmpint(ovh_tls_mode(config), ==, OVH_TLS_OFF);
        text = "[Server]\nTLS=yes\n";
        g_assert_cmpint(ovh_config_load_data(config, "c.conf", text, strlen(text), &error), <, 0);
        g_assert_error(error, OVH_ERROR, EX_CONFIG);
        g_assert_cmpstr(error->message, ==,
                        "c.conf:2: [Server] TLS=yes is not one of auto|off|files; pick one of those");
        g_clear_error(&error);
        text = "[Server]\nKey=k.pem\n";
        g_assert_cmpint(ovh_config_load_data(config, "d.conf", text, strlen(text), &error), <, 0);
        g_assert_error(error, OVH_ERROR, EX_CONFIG);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/tls/made", test_made);
        g_test_add_func("/tls/bad-input", test_bad_input);
        g_test_add_func("/tls/damaged-ca", test_damaged_ca);
        g_test_add_func("/tls/host-identity", test_host_identity);
        g_test_add_func("/tls/auto-store", test_auto_store);
        g_test_add_func("/tls/config", test_config);
        return g_test_run();
}

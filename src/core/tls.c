/* SPDX-License-Identifier: MIT */
/* TLS certificates (tls.h): checking a pair, the local CA and the server
 * certificate of TLS=auto, with OpenSSL's libcrypto. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <net/if.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cleanup.h"
#include "fileio.h"
#include "ovh-error.h"
#include "paths.h"
#include "tls.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(BIO, BIO_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(X509, X509_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BIGNUM, BN_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GENERAL_NAMES, GENERAL_NAMES_free)

/* The files of the auto store hold a key: read at most this much. */
#define PEM_MAX (1024 * 1024)

OvhTlsMode ovh_tls_mode(const OvhConfig *config) {
        if (!config->tls || g_str_equal(config->tls, "auto"))
                return OVH_TLS_AUTO;
        return g_str_equal(config->tls, "files") ? OVH_TLS_FILES : OVH_TLS_OFF;
}

void ovh_tls_info_clear(OvhTlsInfo *info) {
        g_clear_pointer(&info->subject, g_free);
        g_clear_pointer(&info->issuer, g_free);
        g_clear_pointer(&info->dns_names, g_strfreev);
        g_clear_pointer(&info->addresses, g_strfreev);
}

/* OpenSSL's first queued error, as text, and the queue emptied. */
static const char *openssl_reason(void) {
        static char text[256];
        unsigned long e = ERR_peek_last_error();
        if (e == 0)
                g_strlcpy(text, "no details", sizeof(text));
        else
                ERR_error_string_n(e, text, sizeof(text));
        ERR_clear_error();
        return text;
}

/* A key protected by a passphrase is refused, never prompted for. */
static int no_passphrase(char *buf, int size, int rwflag, void *u) {
        (void) buf;
        (void) size;
        (void) rwflag;
        (void) u;
        return -1;
}

static char *name_text(const X509_NAME *name) {
        char cn[256];
        if (X509_NAME_get_text_by_NID((X509_NAME *) name, NID_commonName, cn, sizeof(cn)) > 0)
                return g_strdup(cn);
        g_autoptr(BIO) bio = BIO_new(BIO_s_mem());
        X509_NAME_print_ex(bio, name, 0, XN_FLAG_ONELINE);
        char *data = NULL;
        long n = BIO_get_mem_data(bio, &data);
        return g_strndup(data, n);
}

static gint64 asn1_time_seconds(const ASN1_TIME *t) {
        struct tm tm = {};
        if (!ASN1_TIME_to_tm(t, &tm))
                return 0;
        return (gint64) timegm(&tm);
}

static void read_info(X509 *cert, OvhTlsInfo *info) {
        info->subject = name_text(X509_get_subject_name(cert));
        info->issuer = name_text(X509_get_issuer_name(cert));
        info->not_before = asn1_time_seconds(X509_get0_notBefore(cert));
        info->not_after = asn1_time_seconds(X509_get0_notAfter(cert));
        info->is_ca = X509_check_ca(cert) > 0;
        g_autoptr(GPtrArray) dns = g_ptr_array_new();
        g_autoptr(GPtrArray) ips = g_ptr_array_new();
        g_autoptr(GENERAL_NAMES) names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
        for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
                const GENERAL_NAME *n = sk_GENERAL_NAME_value(names, i);
                if (n->type == GEN_DNS) {
                        g_ptr_array_add(dns, g_strndup((const char *) ASN1_STRING_get0_data(n->d.dNSName),
                                                       ASN1_STRING_length(n->d.dNSName)));
                } else if (n->type == GEN_IPADD) {
                        char text[INET6_ADDRSTRLEN];
                        int len = ASN1_STRING_length(n->d.iPAddress);
                        int family = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;
                        if (family && inet_ntop(family, ASN1_STRING_get0_data(n->d.iPAddress), text, sizeof(text)))
                                g_ptr_array_add(ips, g_strdup(text));
                }
        }
        g_ptr_array_add(dns, NULL);
        g_ptr_array_add(ips, NULL);
        info->dns_names = (char **) g_ptr_array_free(g_steal_pointer(&dns), FALSE);
        info->addresses = (char **) g_ptr_array_free(g_steal_pointer(&ips), FALSE);
}

static char *format_time(gint64 t) {
        g_autoptr(GDateTime) d = g_date_time_new_from_unix_utc(t);
        return d ? g_date_time_format(d, "%Y-%m-%d %H:%M UTC") : g_strdup("?");
}

int ovh_tls_check(const char *cert_pem, gsize cert_length, const char *key_pem, gsize key_length,
                  const char *cert_origin, const char *key_origin, gint64 now, OvhTlsInfo *info, GError **error) {
        ERR_clear_error();
        g_autoptr(BIO) cert_bio = BIO_new_mem_buf(cert_pem, (int) cert_length);
        g_autoptr(X509) cert = cert_bio ? PEM_read_bio_X509(cert_bio, NULL, no_passphrase, NULL) : NULL;
        if (!cert)
                return ovh_fail(error, EX_DATAERR, EINVAL,
                                "%s: not a PEM certificate (%s); give a file that starts with -----BEGIN "
                                "CERTIFICATE-----",
                                cert_origin, openssl_reason());
        if (key_pem) {
                g_autoptr(BIO) key_bio = BIO_new_mem_buf(key_pem, (int) key_length);
                g_autoptr(EVP_PKEY) key = key_bio ? PEM_read_bio_PrivateKey(key_bio, NULL, no_passphrase, NULL) : NULL;
                if (!key)
                        return ovh_fail(error, EX_DATAERR, EINVAL,
                                        "%s: not an unencrypted PEM private key (%s); give the certificate's key "
                                        "without a passphrase",
                                        key_origin, openssl_reason());
                if (X509_check_private_key(cert, key) != 1) {
                        ERR_clear_error();
                        return ovh_fail(error, EX_DATAERR, EINVAL,
                                        "%s does not belong to the certificate %s; give the key the certificate "
                                        "was made for",
                                        key_origin, cert_origin);
                }
        }
        time_t t = (time_t) now;
        if (now >= 0 && X509_cmp_time(X509_get0_notAfter(cert), &t) <= 0) {
                g_autofree char *when = format_time(asn1_time_seconds(X509_get0_notAfter(cert)));
                return ovh_fail(error, EX_DATAERR, EINVAL, "%s: the certificate expired on %s; renew it", cert_origin,
                                when);
        }
        if (now >= 0 && X509_cmp_time(X509_get0_notBefore(cert), &t) > 0) {
                g_autofree char *when = format_time(asn1_time_seconds(X509_get0_notBefore(cert)));
                return ovh_fail(error, EX_DATAERR, EINVAL,
                                "%s: the certificate is valid only from %s; check the clock or the certificate",
                                cert_origin, when);
        }
        if (info)
                read_info(cert, info);
        return 0;
}

static char *pem_of_cert(X509 *cert) {
        g_autoptr(BIO) bio = BIO_new(BIO_s_mem());
        if (!bio || !PEM_write_bio_X509(bio, cert))
                return NULL;
        char *data = NULL;
        long n = BIO_get_mem_data(bio, &data);
        return g_strndup(data, n);
}

static char *pem_of_key(EVP_PKEY *key) {
        g_autoptr(BIO) bio = BIO_new(BIO_s_secmem());
        if (!bio || !PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL))
                return NULL;
        char *data = NULL;
        long n = BIO_get_mem_data(bio, &data);
        char *pem = g_strndup(data, n);
        explicit_bzero(data, n);
        return pem;
}

static int add_extension(X509 *cert, X509 *issuer, int nid, const char *value) {
        X509V3_CTX ctx;
        X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
        X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
        if (!ext)
                return -EINVAL;
        int ok = X509_add_ext(cert, ext, -1);
        X509_EXTENSION_free(ext);
        return ok ? 0 : -EINVAL;
}

/* A certificate with a random 128-bit serial, valid from an hour ago (a
 * client's clock a little behind) for `days`. */
static X509 *new_certificate(EVP_PKEY *key, const char *cn, gint64 now, long days) {
        g_autoptr(X509) cert = X509_new();
        g_autoptr(BIGNUM) serial = BN_new();
        if (!cert || !serial || !BN_rand(serial, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ||
            !BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert)) || !X509_set_version(cert, 2))
                return NULL;
        time_t t = (time_t) now;
        if (!X509_time_adj_ex(X509_getm_notBefore(cert), 0, -3600, &t) ||
            !X509_time_adj_ex(X509_getm_notAfter(cert), (int) days, 0, &t) || !X509_set_pubkey(cert, key))
                return NULL;
        X509_NAME *name = X509_get_subject_name(cert);
        if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *) "openvscode-host", -1, -1,
                                        0) ||
            !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *) cn, -1, -1, 0))
                return NULL;
        return g_steal_pointer(&cert);
}

int ovh_tls_make_ca(const char *host, gint64 now, char **cert_pem, char **key_pem, GError **error) {
        g_autoptr(EVP_PKEY) key = EVP_EC_gen("P-256");
        g_autofree char *cn = g_strdup_printf("openvscode-host CA on %.32s", host);
        g_autoptr(X509) cert = key ? new_certificate(key, cn, now, OVH_TLS_CA_DAYS) : NULL;
        if (!cert || !X509_set_issuer_name(cert, X509_get_subject_name(cert)) ||
            add_extension(cert, cert, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") < 0 ||
            add_extension(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign") < 0 ||
            add_extension(cert, cert, NID_subject_key_identifier, "hash") < 0 || !X509_sign(cert, key, EVP_sha256()))
                return ovh_fail(error, EX_SOFTWARE, EINVAL, "cannot make the local CA: %s", openssl_reason());
        *cert_pem = pem_of_cert(cert);
        *key_pem = pem_of_key(key);
        return 0;
}

static bool dns_name_valid(const char *name) {
        if (!name || !*name || strlen(name) > 253)
                return false;
        for (const char *p = name; *p; p++)
                if (!g_ascii_isalnum(*p) && *p != '-' && *p != '.')
                        return false;
        return name[0] != '.' && name[0] != '-';
}

int ovh_tls_issue_server(const char *ca_cert_pem, const char *ca_key_pem, const char *const *dns_names,
                         const char *const *addresses, gint64 now, char **cert_pem, char **key_pem, GError **error) {
        ERR_clear_error();
        g_autoptr(BIO) ca_cert_bio = BIO_new_mem_buf(ca_cert_pem, -1);
        g_autoptr(BIO) ca_key_bio = BIO_new_mem_buf(ca_key_pem, -1);
        g_autoptr(X509) ca = ca_cert_bio ? PEM_read_bio_X509(ca_cert_bio, NULL, no_passphrase, NULL) : NULL;
        g_autoptr(EVP_PKEY) ca_key = ca_key_bio ? PEM_read_bio_PrivateKey(ca_key_bio, NULL, no_passphrase, NULL) : NULL;
        if (!ca || !ca_key || X509_check_private_key(ca, ca_key) != 1)
                return ovh_fail(error, EX_DATAERR, EINVAL,
                                "the local CA's certificate or key is damaged (%s); remove " OVH_TLS_DIR
                                " and run openvscodectl tls renew (browsers must then trust the new CA)",
                                openssl_reason());

        g_autoptr(GString) san = g_string_new(NULL);
        for (size_t i = 0; dns_names && dns_names[i]; i++)
                if (dns_name_valid(dns_names[i]))
                        g_string_append_printf(san, "%sDNS:%s", san->len ? "," : "", dns_names[i]);
        for (size_t i = 0; addresses && addresses[i]; i++) {
                unsigned char buf[16];
                if (inet_pton(AF_INET, addresses[i], buf) == 1 || inet_pton(AF_INET6, addresses[i], buf) == 1)
                        g_string_append_printf(san, "%sIP:%s", san->len ? "," : "", addresses[i]);
        }
        if (san->len == 0)
                return ovh_fail(error, EX_DATAERR, EINVAL, "no host name or address to make a certificate for");

        const char *cn = dns_names && dns_names[0] && dns_name_valid(dns_names[0]) ? dns_names[0] : "openvscode-host";
        g_autoptr(EVP_PKEY) key = EVP_EC_gen("P-256");
        g_autoptr(X509) cert = key ? new_certificate(key, cn, now, OVH_TLS_SERVER_DAYS) : NULL;
        if (!cert || !X509_set_issuer_name(cert, X509_get_subject_name(ca)) ||
            add_extension(cert, ca, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
            add_extension(cert, ca, NID_key_usage, "critical,digitalSignature") < 0 ||
            add_extension(cert, ca, NID_ext_key_usage, "serverAuth") < 0 ||
            add_extension(cert, ca, NID_subject_alt_name, san->str) < 0 ||
            add_extension(cert, ca, NID_authority_key_identifier, "keyid:always") < 0 ||
            !X509_sign(cert, ca_key, EVP_sha256()))
                return ovh_fail(error, EX_SOFTWARE, EINVAL, "cannot make the server certificate: %s", openssl_reason());
        *cert_pem = pem_of_cert(cert);
        *key_pem = pem_of_key(key);
        return 0;
}

void ovh_tls_host_identity(char ***dns_names, char ***addresses) {
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GPtrArray) ips = g_ptr_array_new_with_free_func(g_free);
        char host[256] = "";

        if (gethostname(host, sizeof(host) - 1) == 0 && dns_name_valid(host) && !g_str_equal(host, "localhost")) {
                g_ptr_array_add(names, g_strdup(host));
                struct addrinfo hints = { .ai_flags = AI_CANONNAME, .ai_family = AF_UNSPEC };
                struct addrinfo *ai = NULL;
                if (getaddrinfo(host, NULL, &hints, &ai) == 0) {
                        if (ai && ai->ai_canonname && dns_name_valid(ai->ai_canonname) &&
                            !g_str_equal(ai->ai_canonname, host) && !g_str_equal(ai->ai_canonname, "localhost"))
                                g_ptr_array_add(names, g_strdup(ai->ai_canonname));
                        freeaddrinfo(ai);
                }
        }
        g_ptr_array_add(names, g_strdup("localhost"));

        struct ifaddrs *ifs = NULL;
        if (getifaddrs(&ifs) == 0) {
                for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
                        char text[INET6_ADDRSTRLEN];
                        if (!i->ifa_addr || (i->ifa_flags & IFF_LOOPBACK))
                                continue;
                        if (i->ifa_addr->sa_family == AF_INET) {
                                const struct in_addr *a = &((const struct sockaddr_in *) i->ifa_addr)->sin_addr;
                                if ((ntohl(a->s_addr) >> 24) == 127 || (ntohl(a->s_addr) >> 16) == 0xa9fe)
                                        continue; /* loopback, link-local 169.254/16 */
                                inet_ntop(AF_INET, a, text, sizeof(text));
                        } else if (i->ifa_addr->sa_family == AF_INET6) {
                                const struct in6_addr *a = &((const struct sockaddr_in6 *) i->ifa_addr)->sin6_addr;
                                if (IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_LINKLOCAL(a))
                                        continue; /* a URL cannot carry fe80::%zone to a certificate */
                                inet_ntop(AF_INET6, a, text, sizeof(text));
                        } else {
                                continue;
                        }
                        bool seen = false;
                        for (guint k = 0; k < ips->len; k++)
                                seen = seen || g_str_equal(g_ptr_array_index(ips, k), text);
                        if (!seen)
                                g_ptr_array_add(ips, g_strdup(text));
                }
                freeifaddrs(ifs);
        }
        g_ptr_array_add(names, NULL);
        g_ptr_array_add(ips, NULL);
        *dns_names = (char **) g_ptr_array_steal(names, NULL);
        *addresses = (char **) g_ptr_array_steal(ips, NULL);
}

static X509 *first_certificate(const char *pem) {
        g_autoptr(BIO) bio = BIO_new_mem_buf(pem, -1);
        X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, no_passphrase, NULL) : NULL;
        ERR_clear_error();
        return cert;
}

char *ovh_tls_fingerprint(const char *pem) {
        g_autoptr(X509) cert = first_certificate(pem);
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned n = 0;
        if (!cert || !X509_digest(cert, EVP_sha256(), md, &n))
                return NULL;
        GString *s = g_string_new(NULL);
        for (unsigned i = 0; i < n; i++)
                g_string_append_printf(s, "%s%02X", i ? ":" : "", md[i]);
        return g_string_free(s, FALSE);
}

char *ovh_tls_spki_sha256(const char *pem) {
        g_autoptr(X509) cert = first_certificate(pem);
        unsigned char *der = NULL;
        int n = cert ? i2d_PUBKEY(X509_get0_pubkey(cert), &der) : -1;
        if (n <= 0)
                return NULL;
        unsigned char md[32];
        EVP_Digest(der, n, md, NULL, EVP_sha256(), NULL);
        OPENSSL_free(der);
        return g_base64_encode(md, sizeof(md));
}

int ovh_tls_read_file(const char *path, const char *origin, char **ret, gsize *length, GError **error) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return ovh_fail(error,
                                errno == ENOENT   ? EX_NOINPUT
                                : errno == EACCES ? EX_NOPERM
                                                  : EX_IOERR,
                                errno, "%s: cannot read %s: %s; %s", origin, path, g_strerror(errno),
                                errno == EACCES ? "the server's account reads it: give it as the systemd credential "
                                                  "instead (LoadCredential=tls.key:PATH)"
                                                : "check the path");
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > PEM_MAX)
                return ovh_fail(error, EX_DATAERR, EINVAL, "%s: %s is not a regular file of at most 1 MiB", origin,
                                path);
        g_autofree char *data = g_malloc0(st.st_size + 1);
        gsize n = 0;
        while (n < (gsize) st.st_size) {
                ssize_t k = read(fd, data + n, st.st_size - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return ovh_fail(error, EX_IOERR, errno, "%s: cannot read %s: %s", origin, path,
                                        g_strerror(errno));
                if (k == 0)
                        break;
                n += k;
        }
        *length = n;
        *ret = g_steal_pointer(&data);
        return 0;
}

static int write_secret(const char *dir, const char *name, const char *data, mode_t mode, GError **error) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        return ovh_file_replace(path, data, mode, error);
}

int ovh_tls_auto_ensure(const char *dir, bool renew, gint64 now, GError **error) {
        g_autofree char *ca_cert = NULL, *ca_key = NULL, *cert = NULL, *key = NULL;
        g_autofree char *ca_cert_path = g_build_filename(dir, OVH_TLS_CA_CERT_NAME, NULL);
        g_autofree char *ca_key_path = g_build_filename(dir, OVH_TLS_CA_KEY_NAME, NULL);
        g_autofree char *cert_path = g_build_filename(dir, OVH_TLS_SERVER_CERT_NAME, NULL);
        g_autofree char *key_path = g_build_filename(dir, OVH_TLS_SERVER_KEY_NAME, NULL);
        gsize len = 0;
        int r;

        if (g_mkdir_with_parents(dir, 0755) < 0)
                return ovh_fail(error, EX_CANTCREAT, errno, "cannot create %s: %s", dir, g_strerror(errno));
        struct stat st;
        if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022))
                return ovh_fail(error, EX_NOPERM, EPERM,
                                "%s must be a directory of root's that only root can write; fix its owner and mode",
                                dir);

        bool new_ca = access(ca_key_path, F_OK) < 0;
        if (new_ca) {
                char host[256] = "";
                gethostname(host, sizeof(host) - 1);
                r = ovh_tls_make_ca(host, now, &ca_cert, &ca_key, error);
                if (r < 0)
                        return r;
                r = write_secret(dir, OVH_TLS_CA_KEY_NAME, ca_key, 0600, error);
                if (r < 0)
                        return r;
                r = write_secret(dir, OVH_TLS_CA_CERT_NAME, ca_cert, 0644, error);
                if (r < 0)
                        return r;
        } else {
                r = ovh_tls_read_file(ca_key_path, "the local CA", &ca_key, &len, error);
                if (r < 0)
                        return r;
                r = ovh_tls_read_file(ca_cert_path, "the local CA", &ca_cert, &len, error);
                if (r < 0)
                        return r;
        }

        if (!renew && !new_ca && ovh_tls_read_file(cert_path, "", &cert, &len, NULL) >= 0) {
                g_autofree char *old_key = NULL;
                gsize key_len = 0;
                g_auto(OvhTlsInfo) info = {};
                if (ovh_tls_read_file(key_path, "", &old_key, &key_len, NULL) >= 0 &&
                    ovh_tls_check(cert, len, old_key, key_len, cert_path, key_path, now + OVH_TLS_RENEW_BEFORE_S, &info,
                                  NULL) >= 0) {
                        explicit_bzero(old_key, key_len);
                        g_auto(OvhTlsInfo) ca_info = {};
                        if (ovh_tls_check(ca_cert, strlen(ca_cert), NULL, 0, ca_cert_path, NULL, now, &ca_info, NULL) >=
                                    0 &&
                            g_str_equal(ca_info.subject, info.issuer))
                                return 0;
                }
                if (old_key)
                        explicit_bzero(old_key, key_len);
        }
        g_clear_pointer(&cert, g_free);

        g_auto(GStrv) names = NULL;
        g_auto(GStrv) addresses = NULL;
        ovh_tls_host_identity(&names, &addresses);
        r = ovh_tls_issue_server(ca_cert, ca_key, (const char *const *) names, (const char *const *) addresses, now,
                                 &cert, &key, error);
        explicit_bzero(ca_key, strlen(ca_key));
        if (r < 0)
                return r;
        r = write_secret(dir, OVH_TLS_SERVER_KEY_NAME, key, 0600, error);
        explicit_bzero(key, strlen(key));
        if (r < 0)
                return r;
        r = write_secret(dir, OVH_TLS_SERVER_CERT_NAME, cert, 0644, error);
        return r < 0 ? r : 1;
}

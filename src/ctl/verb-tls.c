/* SPDX-License-Identifier: MIT */
/* tls ca|status|renew: HTTPS on the direct port (src/core/tls.c does the
 * work; docs/SECURITY.md, "TLS"). */
#include <errno.h>
#include <getopt.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "ovh-error.h"
#include "paths.h"
#include "tls.h"

static const char *help = "openvscodectl tls ca\n"
                          "openvscodectl tls status [--json]\n"
                          "openvscodectl tls renew\n\n"
                          "HTTPS on the service's own port ([Server] TLS= in launcher.conf).\n"
                          "ca      prints the local CA's certificate (PEM) on standard output, and on\n"
                          "        standard error how to trust it once in the OS store, Chromium and\n"
                          "        Firefox (TLS=auto, the default): openvscodectl tls ca > ca.crt\n"
                          "status  the mode, where the certificate comes from, its names, addresses\n"
                          "        and expiry, and this host's addresses it lacks\n"
                          "renew   a new server certificate for this host's names and addresses now\n"
                          "        (TLS=auto; after an address changed); root only. It is used from the\n"
                          "        service's next start (systemctl restart openvscode-server)\n\n"
                          "  --json        status as one JSON object\n"
                          "  -h --help     show this help\n";

/* launcher.conf and its drop-ins: TLS= is the host's, every instance's. */
static int load_config(OvhConfig **ret, GError **error) {
        g_autoptr(OvhConfig) config = ovh_config_new();
        int r = ovh_config_load(config, OVH_CONFIG_FILE, false, error);
        if (r < 0)
                return r;
        *ret = g_steal_pointer(&config);
        return 0;
}

static const char *mode_name(OvhTlsMode mode) {
        return mode == OVH_TLS_AUTO ? "auto" : mode == OVH_TLS_FILES ? "files" : "off";
}

static int read_store_file(const char *name, char **ret, GError **error) {
        g_autofree char *path = g_build_filename(OVH_TLS_DIR, name, NULL);
        gsize length = 0;
        int r = ovh_tls_read_file(path, "TLS=auto", ret, &length, error);
        if (r < 0 && error && *error && (*error)->code == EX_NOINPUT) {
                g_clear_error(error);
                return ovh_fail(error, EX_NOINPUT, ENOENT,
                                "no local CA yet (%s): the service makes it at its first start with TLS=auto; or run "
                                "sudo openvscodectl tls renew",
                                path);
        }
        return r;
}

static int tls_ca(GError **error) {
        g_autofree char *pem = NULL;
        int r = read_store_file(OVH_TLS_CA_CERT_NAME, &pem, error);
        if (r < 0)
                return r;
        g_auto(OvhTlsInfo) info = {};
        r = ovh_tls_check(pem, strlen(pem), NULL, 0, OVH_TLS_DIR "/" OVH_TLS_CA_CERT_NAME, NULL,
                          g_get_real_time() / G_USEC_PER_SEC, &info, error);
        if (r < 0)
                return r;
        g_autofree char *fingerprint = ovh_tls_fingerprint(pem);
        fputs(pem, stdout);
        fflush(stdout);
        fprintf(stderr,
                "\n"
                "This is the local CA of openvscode-host on this host (\"%s\"),\n"
                "SHA-256 %s.\n"
                "Trust it once on each machine whose browser opens the IDE; save it first:\n"
                "  openvscodectl tls ca > openvscode-host-ca.crt\n\n"
                "  Debian, Ubuntu:  sudo cp openvscode-host-ca.crt /usr/local/share/ca-certificates/ &&\n"
                "                   sudo update-ca-certificates\n"
                "  Fedora:          sudo cp openvscode-host-ca.crt /etc/pki/ca-trust/source/anchors/ &&\n"
                "                   sudo update-ca-trust\n"
                "  Chromium, Chrome (Linux keeps its own store):\n"
                "                   Settings > Privacy and security > Security > Manage certificates >\n"
                "                   Authorities > Import, \"Trust this certificate for identifying websites\";\n"
                "                   or: certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n openvscode-host \\\n"
                "                         -i openvscode-host-ca.crt\n"
                "  Firefox:         Settings > Privacy & Security > Certificates > View Certificates >\n"
                "                   Authorities > Import, \"Trust this CA to identify websites\"\n"
                "  Windows:         certutil -addstore -f ROOT openvscode-host-ca.crt (as administrator)\n"
                "  macOS:           sudo security add-trusted-cert -d -r trustRoot \\\n"
                "                         -k /Library/Keychains/System.keychain openvscode-host-ca.crt\n\n"
                "Compare the fingerprint before trusting a copy that came over the network.\n"
                "The CA signs only this host's certificates; its key stays root's in %s.\n",
                info.subject, fingerprint ? fingerprint : "?", OVH_TLS_DIR);
        return 0;
}

static gint64 days_left(gint64 not_after) {
        return (not_after - g_get_real_time() / G_USEC_PER_SEC) / (24 * 3600);
}

/* This host's addresses (and names) the certificate does not cover. */
static char **missing_from(const OvhTlsInfo *info) {
        g_auto(GStrv) names = NULL;
        g_auto(GStrv) addresses = NULL;
        ovh_tls_host_identity(&names, &addresses);
        g_autoptr(GPtrArray) missing = g_ptr_array_new_with_free_func(g_free);
        for (size_t i = 0; names[i]; i++)
                if (!g_strv_contains((const char *const *) info->dns_names, names[i]))
                        g_ptr_array_add(missing, g_strdup(names[i]));
        for (size_t i = 0; addresses[i]; i++)
                if (!g_strv_contains((const char *const *) info->addresses, addresses[i]))
                        g_ptr_array_add(missing, g_strdup(addresses[i]));
        g_ptr_array_add(missing, NULL);
        return (char **) g_ptr_array_steal(missing, NULL);
}

static void add_strv(JsonBuilder *b, const char *name, char **v) {
        json_builder_set_member_name(b, name);
        json_builder_begin_array(b);
        for (size_t i = 0; v && v[i]; i++)
                json_builder_add_string_value(b, v[i]);
        json_builder_end_array(b);
}

static int tls_status(bool json, GError **error) {
        g_autoptr(OvhConfig) config = NULL;
        int r = load_config(&config, error);
        if (r < 0)
                return r;
        OvhTlsMode mode = ovh_tls_mode(config);
        g_autofree char *source = NULL;
        g_autofree char *cert_path = NULL;
        g_autofree char *note = NULL;
        if (mode == OVH_TLS_AUTO) {
                source = g_strdup("auto: the local CA in " OVH_TLS_DIR);
                cert_path = g_build_filename(OVH_TLS_DIR, OVH_TLS_SERVER_CERT_NAME, NULL);
        } else if (mode == OVH_TLS_FILES) {
                if (config->certificate) {
                        source = g_strdup_printf("files: Certificate=%s, Key=%s", config->certificate,
                                                 config->key ? config->key : "(unset)");
                        cert_path = g_strdup(config->certificate);
                } else {
                        source = g_strdup("files: the service's credentials tls.crt, tls.key");
                }
        } else {
                source = g_strdup("off: plain HTTP");
        }
        if (config->auth_mode == OVH_AUTH_NONE && mode != OVH_TLS_OFF)
                note = g_strdup("[Auth] Mode=none: TLS=auto stays off (TLS=files refuses to start)");

        g_auto(OvhTlsInfo) info = {};
        g_autoptr(GError) read_error = NULL;
        g_autofree char *pem = NULL;
        bool have = false;
        if (cert_path) {
                gsize length = 0;
                r = ovh_tls_read_file(cert_path, "certificate", &pem, &length, &read_error);
                if (r >= 0)
                        r = ovh_tls_check(pem, length, NULL, 0, cert_path, NULL, -1, &info, &read_error);
                have = r >= 0;
                if (!have && mode == OVH_TLS_AUTO && read_error->code == EX_NOINPUT) {
                        g_clear_error(&read_error);
                        read_error = g_error_new_literal(OVH_ERROR, EX_NOINPUT,
                                                         "none yet: made at the service's first start, or by "
                                                         "sudo openvscodectl tls renew");
                }
        }
        g_auto(GStrv) missing = have ? missing_from(&info) : NULL;

        if (json) {
                g_autoptr(JsonBuilder) b = json_builder_new();
                json_builder_begin_object(b);
                json_builder_set_member_name(b, "mode");
                json_builder_add_string_value(b, mode_name(mode));
                json_builder_set_member_name(b, "source");
                json_builder_add_string_value(b, source);
                if (have) {
                        json_builder_set_member_name(b, "certificate");
                        json_builder_add_string_value(b, cert_path);
                        json_builder_set_member_name(b, "subject");
                        json_builder_add_string_value(b, info.subject);
                        json_builder_set_member_name(b, "issuer");
                        json_builder_add_string_value(b, info.issuer);
                        add_strv(b, "names", info.dns_names);
                        add_strv(b, "addresses", info.addresses);
                        json_builder_set_member_name(b, "not_after");
                        json_builder_add_int_value(b, info.not_after);
                        json_builder_set_member_name(b, "days_left");
                        json_builder_add_int_value(b, days_left(info.not_after));
                        add_strv(b, "host_not_covered", missing);
                }
                if (read_error) {
                        json_builder_set_member_name(b, "error");
                        json_builder_add_string_value(b, read_error->message);
                }
                if (note) {
                        json_builder_set_member_name(b, "note");
                        json_builder_add_string_value(b, note);
                }
                json_builder_end_object(b);
                g_autoptr(JsonNode) root = json_builder_get_root(b);
                g_autofree char *text = json_to_string(root, TRUE);
                printf("%s\n", text);
                return 0;
        }
        printf("Mode:        %s\nSource:      %s\n", mode_name(mode), source);
        if (have) {
                g_autofree char *names = g_strjoinv(", ", info.dns_names);
                g_autofree char *addresses = g_strjoinv(", ", info.addresses);
                g_autoptr(GDateTime) until = g_date_time_new_from_unix_utc(info.not_after);
                g_autofree char *when = g_date_time_format(until, "%Y-%m-%d %H:%M UTC");
                gint64 left = days_left(info.not_after);
                printf("Certificate: %s\nIssuer:      %s\nNames:       %s\nAddresses:   %s\n"
                       "Expires:     %s (%" G_GINT64_FORMAT " days%s)\n",
                       cert_path, info.issuer, *names ? names : "-", *addresses ? addresses : "-", when, left,
                       left < 0                                    ? ", EXPIRED"
                       : left * 24 * 3600 < OVH_TLS_RENEW_BEFORE_S ? ", renewed at the next start under auto"
                                                                   : "");
                if (missing && missing[0]) {
                        g_autofree char *list = g_strjoinv(", ", missing);
                        printf("Not covered: %s (this host's now; %s)\n", list,
                               mode == OVH_TLS_AUTO ? "sudo openvscodectl tls renew adds them"
                                                    : "a certificate for them is the administrator's");
                }
        } else if (read_error) {
                printf("Certificate: %s\n", read_error->message);
        }
        if (note)
                printf("Note:        %s\n", note);
        return 0;
}

static int tls_renew(GError **error) {
        g_autoptr(OvhConfig) config = NULL;
        int r = ctl_require_root("tls renew", error);
        if (r < 0)
                return r;
        r = load_config(&config, error);
        if (r < 0)
                return r;
        if (ovh_tls_mode(config) != OVH_TLS_AUTO)
                return ovh_fail(error, EX_CONFIG, EINVAL,
                                "[Server] TLS=%s: only TLS=auto's certificate is made here; %s", config->tls,
                                ovh_tls_mode(config) == OVH_TLS_FILES
                                        ? "replace the files (or credentials) and restart the service"
                                        : "set TLS=auto in launcher.conf first");
        r = ovh_tls_auto_ensure(OVH_TLS_DIR, true, g_get_real_time() / G_USEC_PER_SEC, error);
        if (r < 0)
                return r;
        g_autofree char *pem = NULL;
        gsize length = 0;
        r = ovh_tls_read_file(OVH_TLS_DIR "/" OVH_TLS_SERVER_CERT_NAME, "TLS=auto", &pem, &length, error);
        if (r < 0)
                return r;
        g_auto(OvhTlsInfo) info = {};
        r = ovh_tls_check(pem, length, NULL, 0, OVH_TLS_DIR "/" OVH_TLS_SERVER_CERT_NAME, NULL,
                          g_get_real_time() / G_USEC_PER_SEC, &info, error);
        if (r < 0)
                return r;
        g_autofree char *names = g_strjoinv(", ", info.dns_names);
        g_autofree char *addresses = g_strjoinv(", ", info.addresses);
        g_autoptr(GDateTime) until = g_date_time_new_from_unix_utc(info.not_after);
        g_autofree char *when = g_date_time_format(until, "%Y-%m-%d");
        printf("A new server certificate for %s%s%s, until %s, signed by the local CA (browsers that trust it\n"
               "need nothing new). The service uses it from its next start: systemctl restart %s\n",
               names, *addresses ? ", " : "", addresses, when, OVH_SERVICE_UNIT);
        return 0;
}

int verb_tls(int argc, char *argv[], GError **error) {
        static const struct option options[] = {
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        bool json = false;
        int c;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h", options, NULL)) >= 0) {
                switch (c) {
                case 'j':
                        json = true;
                        break;
                case 'h':
                        fputs(help, stdout);
                        return 0;
                case ':':
                        return ctl_usage_error(error, "tls", "option %s needs a value", argv[optind - 1]);
                default:
                        return ctl_usage_error(error, "tls", "unknown option %s", argv[optind - 1]);
                }
        }
        if (optind >= argc)
                return ctl_usage_error(error, "tls", "say what to do: ca, status or renew");
        const char *action = argv[optind];
        if (optind + 1 < argc)
                return ctl_usage_error(error, "tls", "unexpected argument \"%s\"", argv[optind + 1]);
        if (g_str_equal(action, "status"))
                return tls_status(json, error);
        if (json)
                return ctl_usage_error(error, "tls", "--json is for status");
        if (g_str_equal(action, "ca"))
                return tls_ca(error);
        if (g_str_equal(action, "renew"))
                return tls_renew(error);
        return ctl_usage_error(error, "tls", "unknown action \"%s\"; use ca, status or renew", action);
}

/* SPDX-License-Identifier: MIT */
/* url, token show, token rotate: the only verbs that print the token, and
 * only to root or the account. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "command.h"
#include "ctl-text.h"
#include "ctl.h"
#include "cleanup.h"
#include "ovh-error.h"
#include "paths.h"
#include "privileges.h"
#include "tls.h"
#include "token-rules.h"
#include "token.h"

/* Where the token comes from, as the launcher would decide at its next
 * start (the running server's own copy wins while it runs). */
typedef struct {
        OvhTokenSource source;
        CtlCredentialKind credential;
        char *credential_source; /* as written in the unit */
} TokenPlan;

static void token_plan_clear(TokenPlan *t) {
        ovh_token_source_clear(&t->source);
        g_clear_pointer(&t->credential_source, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(TokenPlan, token_plan_clear)

static int plan_token(const CtlInstance *ci, TokenPlan *t, GError **error) {
        g_autofree char *file = NULL;

        t->credential = ctl_unit_credential(ci->service_unit, &t->credential_source, &file);

        /* A credential that is not there is no credential (systemd skips it
         * too); an encrypted or inline one is there. */
        bool present = file || t->credential == CTL_CREDENTIAL_ENCRYPTED || t->credential == CTL_CREDENTIAL_VALUE;
        g_autofree char *dir = file ? g_path_get_dirname(file) : g_strdup(OVH_CREDENTIALS_ROOT);
        int r = ovh_token_choose(ci->config, dir, present, ci->account->home, &t->source, error);
        if (r < 0)
                return r;
        if (t->source.kind == OVH_TOKEN_SOURCE_CREDENTIAL) {
                g_free(t->source.path);
                t->source.path = g_steal_pointer(&file);
        }
        return 0;
}

static char *runtime_token_path(const CtlInstance *ci) {
        return g_build_filename(ci->runtime_dir, OVH_RUNTIME_TOKEN_NAME, NULL);
}

/* Reads a token file as whoever we are now; NULL with *missing when it
 * does not exist. */
static int read_token_at(const char *path, char **ret, bool *missing, GError **error) {
        *missing = false;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0) {
                if (errno == ENOENT) {
                        *missing = true;
                        return 0;
                }
                return ovh_fail(error, EX_NOPERM, errno, "cannot read the token in %s: %s; run as root", path,
                                g_strerror(errno));
        }
        char buf[OVH_TOKEN_MAX_LENGTH + 3];
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0)
                return ovh_fail(error, EX_IOERR, errno, "cannot read %s: %s", path, g_strerror(errno));
        int r = ovh_token_from_contents(buf, (gsize) n, path, ret, error);
        explicit_bzero(buf, sizeof(buf));
        return r;
}

/* The token the server answers to. While it runs: its own copy under the
 * runtime directory (root's or the account's to read). Otherwise what its
 * next start will use; a generated token that does not exist yet is made
 * now, exactly as the launcher would, so the URL works on the first
 * connection. */
static int obtain_token(const CtlInstance *ci, char **ret_token, bool *ret_none, GError **error) {
        g_autofree char *runtime = runtime_token_path(ci);
        bool missing;
        int r;

        *ret_none = false;
        if (ci->config_read && ci->config->auth_mode == OVH_AUTH_NONE) {
                *ret_none = true;
                return 0;
        }
        r = read_token_at(runtime, ret_token, &missing, NULL);
        if (r >= 0 && !missing)
                return 0;

        if (!ctl_caller_is_root()) {
                /* The account itself: only its generated token is its own to
                 * read; launcher.conf and credentials are root's. */
                g_autofree char *generated =
                        g_build_filename(ci->account->home, OVH_STATE_SUBDIR, OVH_TOKEN_NAME, NULL);
                r = read_token_at(generated, ret_token, &missing, error);
                if (r < 0)
                        return r;
                if (!missing)
                        return 0;
                return ovh_fail(error, EX_NOPERM, EACCES,
                                "the server is not running and its token is not in %s; run openvscodectl as root",
                                generated);
        }

        g_auto(TokenPlan) t = {};
        r = plan_token(ci, &t, error);
        if (r < 0)
                return r;
        switch (t.source.kind) {
        case OVH_TOKEN_SOURCE_NONE:
                *ret_none = true;
                return 0;
        case OVH_TOKEN_SOURCE_CREDENTIAL:
                if (t.credential == CTL_CREDENTIAL_FILE && t.source.path) {
                        r = read_token_at(t.source.path, ret_token, &missing, error);
                        return r;
                }
                return ovh_fail(error, EX_UNAVAILABLE, ENOENT,
                                "the token is the %s credential %s of %s, which only the running service can read; "
                                "start it first: systemctl start %s",
                                t.credential == CTL_CREDENTIAL_ENCRYPTED ? "encrypted" : "inline", OVH_CREDENTIAL_NAME,
                                ci->service_unit, ci->service_unit);
        case OVH_TOKEN_SOURCE_FILE:
        case OVH_TOKEN_SOURCE_VALUE: {
                bool is_new;
                return ovh_token_obtain(ci->config, &t.source, ret_token, &is_new, error);
        }
        case OVH_TOKEN_SOURCE_GENERATED: {
                bool is_new = false;
                /* The account's state tree: read and write it as the
                 * account, as the launcher does. */
                g_auto(OvhActingAs) as_account = OVH_ACTING_AS_INIT;
                r = ovh_acting_as_begin(&as_account, ci->account, error);
                if (r < 0)
                        return r;
                r = ovh_token_obtain(ci->config, &t.source, ret_token, &is_new, error);
                if (r >= 0 && is_new) {
                        /* A per-user instance's home has no state tree before
                         * its first start; the launcher's skeleton makes
                         * this directory the same way. */
                        g_autofree char *dir = g_path_get_dirname(t.source.path);
                        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                                r = ovh_fail(error, EX_CANTCREAT, errno, "cannot create %s: %s", dir,
                                             g_strerror(errno));
                }
                if (r >= 0 && is_new)
                        r = ovh_token_write_file(t.source.path, *ret_token, 0600, (uid_t) -1, (gid_t) -1, error);
                if (r < 0) {
                        if (*ret_token) {
                                explicit_bzero(*ret_token, strlen(*ret_token));
                                g_clear_pointer(ret_token, g_free);
                        }
                        return r;
                }
                return 0;
        }
        }
        g_assert_not_reached();
}

static void add_unique(GPtrArray *hosts, const char *host) {
        for (guint i = 0; i < hosts->len; i++)
                if (g_ascii_strcasecmp(hosts->pdata[i], host) == 0)
                        return;
        g_ptr_array_add(hosts, g_strdup(host));
}

static bool name_resolves(const char *name, int family) {
        struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_STREAM }, *res = NULL;
        if (getaddrinfo(name, NULL, &hints, &res) != 0)
                return false;
        freeaddrinfo(res);
        return true;
}

/* The names and addresses a wildcard socket answers on: host names that
 * resolve first (the FQDN, the short name), then the interfaces' addresses,
 * loopback last. */
static void wildcard_hosts(int family, GPtrArray *hosts) {
        char name[256] = "";
        g_autoptr(GPtrArray) loopback = g_ptr_array_new_with_free_func(g_free);
        int lookup_family = family == AF_INET ? AF_INET : AF_UNSPEC;

        if (gethostname(name, sizeof(name) - 1) == 0 && name[0]) {
                struct addrinfo hints = { .ai_family = lookup_family, .ai_flags = AI_CANONNAME }, *res = NULL;
                if (getaddrinfo(name, NULL, &hints, &res) == 0) {
                        if (res->ai_canonname && strchr(res->ai_canonname, '.'))
                                add_unique(hosts, res->ai_canonname);
                        freeaddrinfo(res);
                        add_unique(hosts, name);
                }
        }

        struct ifaddrs *ifs = NULL;
        if (getifaddrs(&ifs) == 0) {
                for (int pass = 0; pass < 2; pass++)
                        for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
                                if (!i->ifa_addr || !(i->ifa_flags & IFF_UP))
                                        continue;
                                int f = i->ifa_addr->sa_family;
                                /* [::] with BindIPv6Only=both takes IPv4 too. */
                                if ((pass == 0 && f != AF_INET) || (pass == 1 && f != AF_INET6))
                                        continue;
                                if (family == AF_INET && f != AF_INET)
                                        continue;
                                char text[INET6_ADDRSTRLEN] = "";
                                const void *a =
                                        f == AF_INET ? (const void *) &((struct sockaddr_in *) i->ifa_addr)->sin_addr
                                                     : (const void *) &((struct sockaddr_in6 *) i->ifa_addr)->sin6_addr;
                                if (f == AF_INET6 && IN6_IS_ADDR_LINKLOCAL((const struct in6_addr *) a))
                                        continue; /* would need a %zone in the URL */
                                if (!inet_ntop(f, a, text, sizeof(text)))
                                        continue;
                                if (i->ifa_flags & IFF_LOOPBACK)
                                        g_ptr_array_add(loopback, g_strdup(text));
                                else
                                        add_unique(hosts, text);
                        }
                freeifaddrs(ifs);
        }
        if (loopback->len > 0 && name_resolves("localhost", lookup_family))
                add_unique(hosts, "localhost");
        for (guint i = 0; i < loopback->len; i++)
                add_unique(hosts, loopback->pdata[i]);
}

/* A specific address: its name first when the name resolves back. */
static void address_hosts(const CtlListen *l, GPtrArray *hosts) {
        struct sockaddr_storage ss = {};
        socklen_t len = 0;
        char name[NI_MAXHOST] = "";

        if (l->family == AF_INET) {
                struct sockaddr_in *s = (struct sockaddr_in *) &ss;
                s->sin_family = AF_INET;
                len = sizeof(*s);
                if (inet_pton(AF_INET, l->address, &s->sin_addr) != 1)
                        len = 0;
        } else {
                struct sockaddr_in6 *s = (struct sockaddr_in6 *) &ss;
                s->sin6_family = AF_INET6;
                len = sizeof(*s);
                if (inet_pton(AF_INET6, l->address, &s->sin6_addr) != 1)
                        len = 0;
        }
        if (len > 0 && getnameinfo((struct sockaddr *) &ss, len, name, sizeof(name), NULL, 0, NI_NAMEREQD) == 0 &&
            name_resolves(name, l->family))
                add_unique(hosts, name);
        add_unique(hosts, l->address);
}

static const char *url_help = "openvscodectl url [--user NAME]\n\n"
                              "Print the access URL of the IDE with its token, one line per host name and\n"
                              "address the socket listens on (systemctl show -P Listen), host names that\n"
                              "resolve first. Only root and the account may see the token.\n\n"
                              "  --user NAME   the per-user instance openvscode-server@NAME\n"
                              "  -h --help     show this help\n";

int verb_url(int argc, char *argv[], GError **error) {
        g_auto(CtlInstance) ci = {};
        g_autofree char *token = NULL;
        g_auto(GStrv) lines = NULL;
        const char *user = NULL;
        bool none = false;
        int r;

        r = ctl_parse_user_option("url", url_help, argc, argv, &user, NULL, error);
        if (r <= 0)
                return r;
        if (optind < argc)
                return ctl_usage_error(error, "url", "unexpected argument \"%s\"", argv[optind]);
        r = ctl_instance_open(&ci, user, "url", true, error);
        if (r < 0)
                return r;
        r = ctl_socket_listen(ci.socket_unit, &lines, error);
        if (r < 0)
                return r;
        if (!lines[0])
                return ovh_fail(error, EX_UNAVAILABLE, ENOENT,
                                "%s listens nowhere; check its ListenStream= (systemctl cat %s)", ci.socket_unit,
                                ci.socket_unit);
        if (!ctl_unit_is_active(ci.socket_unit))
                ctl_warning("%s is not active, so nothing answers at these URLs yet; run: systemctl enable --now %s",
                            ci.socket_unit, ci.socket_unit);

        r = obtain_token(&ci, &token, &none, error);
        if (r < 0)
                return r;
        if (none)
                ctl_warning("[Auth] Mode=none: these URLs need no token; anyone who reaches them gets a shell");

        const char *base = ci.config_read ? ci.config->base_path : NULL;
        /* TLS=auto is the default: the account, who cannot read the
         * configuration, is shown https too. */
        bool tls = ci.config_read ? ovh_tls_mode(ci.config) != OVH_TLS_OFF && !none : !none;
        for (char **l = lines; *l; l++) {
                CtlListen listen_address;
                if (!ctl_listen_parse(*l, &listen_address))
                        continue;
                if (listen_address.family == AF_UNIX) {
                        g_autofree char *url = ctl_url_format("localhost", 80, base, token);
                        printf("%s (through the AF_UNIX socket %s)\n", url, listen_address.address);
                } else {
                        g_autoptr(GPtrArray) hosts = g_ptr_array_new_with_free_func(g_free);
                        if (listen_address.wildcard)
                                wildcard_hosts(listen_address.family, hosts);
                        else
                                address_hosts(&listen_address, hosts);
                        for (guint i = 0; i < hosts->len; i++) {
                                g_autofree char *url =
                                        ctl_url_format_tls(tls, hosts->pdata[i], listen_address.port, base, token);
                                printf("%s\n", url);
                        }
                }
                ctl_listen_clear(&listen_address);
        }
        if (token)
                explicit_bzero(token, strlen(token));
        return 0;
}

static const char *token_help = "openvscodectl token show [--user NAME]\n"
                                "openvscodectl token rotate [--user NAME]\n\n"
                                "show: print the connection token (root and the account only).\n"
                                "rotate: write a new random token where the current one comes from (the\n"
                                "generated token file, [Auth] TokenFile=/CONNECTION_SECRET, or the\n"
                                "connection-token credential file), atomically, then try-restart the\n"
                                "service: the old token is refused (403) afterwards. Root only.\n\n"
                                "  --user NAME   the per-user instance openvscode-server@NAME\n"
                                "  -h --help     show this help\n";

static int token_rotate(CtlInstance *ci, GError **error) {
        g_auto(TokenPlan) t = {};
        g_autofree char *token = NULL;
        struct stat st;
        int r;

        r = plan_token(ci, &t, error);
        if (r < 0)
                return r;
        switch (t.source.kind) {
        case OVH_TOKEN_SOURCE_NONE:
                return ovh_fail(error, EX_CONFIG, EINVAL,
                                "%s: [Auth] Mode=none: there is no token to rotate; set Mode=token first",
                                t.source.origin ? t.source.origin : "launcher.conf");
        case OVH_TOKEN_SOURCE_VALUE:
                return ovh_fail(error, EX_CONFIG, EINVAL,
                                "%s sets the token itself; change it there, or remove it to use a generated token "
                                "that openvscodectl can rotate",
                                t.source.origin);
        case OVH_TOKEN_SOURCE_CREDENTIAL:
                if (t.credential != CTL_CREDENTIAL_FILE || !t.source.path)
                        return ovh_fail(error, EX_CONFIG, EINVAL,
                                        "the token is an %s credential of %s; make a new one with systemd-creds "
                                        "and restart",
                                        t.credential == CTL_CREDENTIAL_ENCRYPTED ? "encrypted" : "inline",
                                        ci->service_unit);
                break;
        case OVH_TOKEN_SOURCE_FILE:
        case OVH_TOKEN_SOURCE_GENERATED:
                break;
        }

        r = ovh_token_generate(&token, error);
        if (r < 0)
                return r;
        if (t.source.kind == OVH_TOKEN_SOURCE_GENERATED) {
                g_auto(OvhActingAs) as_account = OVH_ACTING_AS_INIT;
                r = ovh_acting_as_begin(&as_account, ci->account, error);
                if (r < 0)
                        return r;
                r = ovh_token_write_file(t.source.path, token, 0600, (uid_t) -1, (gid_t) -1, error);
                if (r < 0)
                        return r;
        } else {
                /* The admin's file: keep its owner, never widen its mode. */
                mode_t mode = lstat(t.source.path, &st) == 0 ? (st.st_mode & 0600) | 0400 : 0600;
                uid_t uid = lstat(t.source.path, &st) == 0 ? st.st_uid : (uid_t) -1;
                gid_t gid = uid != (uid_t) -1 ? st.st_gid : (gid_t) -1;
                r = ovh_token_write_file(t.source.path, token, mode, uid, gid, error);
                if (r < 0)
                        return r;
        }
        explicit_bzero(token, strlen(token));

        bool running = ctl_unit_is_active(ci->service_unit);
        r = ctl_try_restart(ci->service_unit, error);
        if (r < 0)
                return r;
        printf("New token written to %s (%s).\n", t.source.path, ovh_token_source_name(t.source.kind));
        if (running)
                printf("%s was restarted: the old token is refused from now on.\n", ci->service_unit);
        else
                printf("%s was not running; it uses the new token when it starts.\n", ci->service_unit);
        printf("The new URL: openvscodectl url%s%s\n", ci->instance ? " --user " : "",
               ci->instance ? ci->instance : "");
        return 0;
}

int verb_token(int argc, char *argv[], GError **error) {
        g_auto(CtlInstance) ci = {};
        const char *user = NULL;
        int r;

        r = ctl_parse_user_option("token", token_help, argc, argv, &user, NULL, error);
        if (r <= 0)
                return r;
        if (optind >= argc)
                return ctl_usage_error(error, "token", "say what to do: show or rotate");
        const char *action = argv[optind];
        if (optind + 1 < argc)
                return ctl_usage_error(error, "token", "unexpected argument \"%s\"", argv[optind + 1]);
        if (!g_str_equal(action, "show") && !g_str_equal(action, "rotate"))
                return ctl_usage_error(error, "token", "unknown action \"%s\"; use show or rotate", action);

        if (g_str_equal(action, "rotate")) {
                r = ctl_require_root("token rotate", error);
                if (r < 0)
                        return r;
        }
        r = ctl_instance_open(&ci, user, "token", false, error);
        if (r < 0)
                return r;
        if (g_str_equal(action, "rotate"))
                return token_rotate(&ci, error);

        g_autofree char *token = NULL;
        bool none = false;
        r = obtain_token(&ci, &token, &none, error);
        if (r < 0)
                return r;
        if (none)
                return ovh_fail(error, EX_CONFIG, EINVAL, "[Auth] Mode=none: the server has no token");
        printf("%s\n", token);
        explicit_bzero(token, strlen(token));
        return 0;
}

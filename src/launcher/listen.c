/* SPDX-License-Identifier: MIT */
#include "listen.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "cleanup.h"
#include "ovh-error.h"

/* The kernel caps it at net.core.somaxconn; ask for plenty so a burst of
 * first connections waits in the queue instead of being refused. */
#define OVH_LISTEN_BACKLOG 4096

void ovh_listen_clear(OvhListen *l) {
        g_clear_pointer(&l->fdname, g_free);
        g_clear_pointer(&l->description, g_free);
}

char *ovh_listen_describe(int fd) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        char host[INET6_ADDRSTRLEN];

        if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0)
                return g_strdup_printf("fd:%d", fd);
        switch (ss.ss_family) {
        case AF_INET: {
                struct sockaddr_in *in = (struct sockaddr_in *) &ss;
                inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
                return g_strdup_printf("%s:%u", host, ntohs(in->sin_port));
        }
        case AF_INET6: {
                struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &ss;
                inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
                return g_strdup_printf("[%s]:%u", host, ntohs(in6->sin6_port));
        }
        case AF_UNIX: {
                struct sockaddr_un *un = (struct sockaddr_un *) &ss;
                if (len <= offsetof(struct sockaddr_un, sun_path))
                        return g_strdup("unix:(unnamed)");
                if (un->sun_path[0] == '\0')
                        return g_strdup_printf("@%.*s", (int) (len - offsetof(struct sockaddr_un, sun_path) - 1),
                                               un->sun_path + 1);
                return g_strndup(un->sun_path, len - offsetof(struct sockaddr_un, sun_path));
        }
        default:
                return g_strdup_printf("family %d", ss.ss_family);
        }
}

static int socket_family(int fd) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);

        if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0)
                return -errno;
        return ss.ss_family;
}

int ovh_listen_from_systemd(OvhListen *out, GError **error) {
        char **names = NULL;
        int n, r;

        /* unset_environment=0: LISTEN_* stay for the server, which is this
         * same process after execve (LISTEN_PID remains valid). */
        n = sd_listen_fds_with_names(0, &names);
        g_auto(GStrv) fdnames = names;
        /* sd_listen_fds() calls LISTEN_FDS=0 malformed; say what it means. */
        const char *count = getenv("LISTEN_FDS");
        if (n < 0 && count && g_str_equal(count, "0"))
                return ovh_fail(error, EX_USAGE, EINVAL,
                                "systemd passed 0 sockets, the server answers on exactly one; give "
                                "openvscode-server.socket a ListenStream=");
        if (n < 0)
                return ovh_fail(error, EX_USAGE, -n,
                                "LISTEN_FDS/LISTEN_PID are malformed (%s); start the launcher from "
                                "openvscode-server.socket or with --listen",
                                g_strerror(-n));
        if (n == 0)
                return 0;
        if (n != 1)
                return ovh_fail(error, EX_USAGE, EINVAL,
                                "systemd passed %d sockets, the server answers on exactly one; "
                                "keep a single ListenStream= in openvscode-server.socket",
                                n);

        int fd = SD_LISTEN_FDS_START;
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
                return ovh_fail(error, EX_USAGE, ENOTSOCK,
                                "fd 3 passed by systemd is not a socket; use ListenStream= in the .socket unit");
        r = sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1);
        if (r <= 0)
                return ovh_fail(error, EX_USAGE, EINVAL,
                                "fd 3 passed by systemd is not a listening stream socket; use ListenStream= "
                                "(not ListenDatagram=) and Accept=no in the .socket unit");
        int family = socket_family(fd);
        if (family != AF_INET && family != AF_INET6 && family != AF_UNIX)
                return ovh_fail(error, EX_USAGE, EAFNOSUPPORT,
                                "fd 3 passed by systemd has address family %d; use an IPv4, IPv6 or unix "
                                "ListenStream=",
                                family);

        out->fd = fd;
        out->family = family;
        out->activated = true;
        out->fdname = g_strdup(fdnames && fdnames[0] ? fdnames[0] : "unknown");
        out->description = ovh_listen_describe(fd);
        return 1;
}

int ovh_listen_parse(const char *address, struct sockaddr_storage *ret, socklen_t *ret_len, GError **error) {
        memset(ret, 0, sizeof(*ret));

        if (address[0] == '/') {
                struct sockaddr_un *un = (struct sockaddr_un *) ret;
                if (strlen(address) >= sizeof(un->sun_path))
                        return ovh_fail(error, EX_USAGE, ENAMETOOLONG,
                                        "--listen=%s: unix socket path is longer than %zu bytes; use a shorter path",
                                        address, sizeof(un->sun_path) - 1);
                un->sun_family = AF_UNIX;
                strcpy(un->sun_path, address);
                *ret_len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + strlen(address) + 1);
                return 0;
        }

        const char *colon = strrchr(address, ':');
        if (!colon)
                return ovh_fail(error, EX_USAGE, EINVAL,
                                "--listen=%s: expected HOST:PORT, [IPV6]:PORT or /path/to.sock", address);
        g_autofree char *host = g_strndup(address, (gsize) (colon - address));
        char *end = NULL;
        errno = 0;
        unsigned long port = strtoul(colon + 1, &end, 10);
        if (!g_ascii_isdigit(colon[1]) || errno != 0 || *end != '\0' || port == 0 || port > 65535)
                return ovh_fail(error, EX_USAGE, EINVAL, "--listen=%s: port must be a number from 1 to 65535", address);

        if (host[0] == '[' && g_str_has_suffix(host, "]")) {
                struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) ret;
                g_autofree char *inner = g_strndup(host + 1, strlen(host) - 2);
                if (inet_pton(AF_INET6, inner, &in6->sin6_addr) != 1)
                        return ovh_fail(error, EX_USAGE, EINVAL, "--listen=%s: %s is not an IPv6 address", address,
                                        inner);
                in6->sin6_family = AF_INET6;
                in6->sin6_port = htons((uint16_t) port);
                *ret_len = sizeof(*in6);
                return 0;
        }

        struct sockaddr_in *in = (struct sockaddr_in *) ret;
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t) port);
        *ret_len = sizeof(*in);
        if (host[0] == '\0' || g_str_equal(host, "*")) {
                in->sin_addr.s_addr = htonl(INADDR_ANY);
                return 0;
        }
        if (g_str_equal(host, "localhost")) {
                in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                return 0;
        }
        if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
                return ovh_fail(error, EX_USAGE, EINVAL,
                                "--listen=%s: %s is not an IPv4 address (names are not resolved; use an "
                                "address, [IPV6] or a /path)",
                                address, host);
        return 0;
}

int ovh_listen_bind(const char *address, OvhListen *out, GError **error) {
        struct sockaddr_storage ss;
        socklen_t len;
        _cleanup_close_ int fd = -1;
        int r;

        r = ovh_listen_parse(address, &ss, &len, error);
        if (r < 0)
                return r;

        fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return ovh_fail(error, EX_OSERR, errno, "--listen=%s: socket(): %s", address, g_strerror(errno));
        if (ss.ss_family != AF_UNIX)
                (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
        else
                (void) unlink(address); /* a stale socket file from a previous run */
        if (bind(fd, (struct sockaddr *) &ss, len) < 0 || listen(fd, OVH_LISTEN_BACKLOG) < 0)
                return ovh_fail(error, errno == EACCES ? EX_NOPERM : EX_OSERR, errno,
                                "--listen=%s: cannot listen: %s; pick a free address", address, g_strerror(errno));
        if (fd == SD_LISTEN_FDS_START)
                (void) ovh_steal_fd(&fd); /* already where the server expects it */
        else if (dup3(fd, SD_LISTEN_FDS_START, O_CLOEXEC) < 0)
                return ovh_fail(error, EX_OSERR, errno, "cannot move the socket to fd 3: %s", g_strerror(errno));
        out->fd = SD_LISTEN_FDS_START;
        out->family = ss.ss_family;
        out->activated = false;
        out->fdname = g_strdup("listen");
        out->description = ovh_listen_describe(out->fd);
        return 0;
}

int ovh_listen_prepare_exec(const OvhListen *l, GError **error) {
        int flags = fcntl(l->fd, F_GETFD);
        if (flags < 0 || fcntl(l->fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
                return ovh_fail(error, EX_OSERR, errno, "cannot clear FD_CLOEXEC on fd 3: %s", g_strerror(errno));

        /* Anything else inherited (a leaked journal fd, a test harness pipe)
         * must not reach the IDE. close_range() would do this in one call;
         * walking /proc keeps working on older kernels. */
        g_autoptr(GPtrArray) fds = g_ptr_array_new();
        DIR *d = opendir("/proc/self/fd");
        if (!d)
                return ovh_fail(error, EX_OSERR, errno, "cannot list /proc/self/fd: %s", g_strerror(errno));
        int self = dirfd(d);
        for (struct dirent *de; (de = readdir(d));) {
                int fd = atoi(de->d_name);
                if (de->d_name[0] != '.' && fd > 2 && fd != l->fd && fd != self)
                        g_ptr_array_add(fds, GINT_TO_POINTER(fd));
        }
        closedir(d);
        for (guint i = 0; i < fds->len; i++) {
                int fd = GPOINTER_TO_INT(fds->pdata[i]);
                int f = fcntl(fd, F_GETFD);
                if (f >= 0)
                        (void) fcntl(fd, F_SETFD, f | FD_CLOEXEC);
        }
        return 0;
}

void ovh_listen_answer_failed_start(void) {
        static const char response[] = "HTTP/1.1 503 Service Unavailable\r\n"
                                       "Content-Type: text/plain; charset=utf-8\r\n"
                                       "Cache-Control: no-store\r\n"
                                       "Retry-After: 10\r\n"
                                       "Connection: close\r\n"
                                       "\r\n"
                                       "openvscode-server could not start. The administrator finds the reason "
                                       "with: journalctl -u openvscode-server\n";
        const char *pid = getenv("LISTEN_PID");
        const char *fds = getenv("LISTEN_FDS");
        char buf[4096];

        if (!pid || !fds || !g_str_equal(fds, "1") || strtol(pid, NULL, 10) != (long) getpid())
                return;
        if (sd_is_socket(SD_LISTEN_FDS_START, AF_UNSPEC, SOCK_STREAM, 1) <= 0)
                return;

        /* Bounded: a flood must not keep a failed start alive. */
        for (int i = 0; i < 256; i++) {
                /* poll() first: fd 3 is blocking, and its O_NONBLOCK flag is
                 * shared with systemd's copy of the socket. */
                struct pollfd p = { .fd = SD_LISTEN_FDS_START, .events = POLLIN };
                if (poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN))
                        break; /* nobody else is waiting */
                _cleanup_close_ int c = accept4(SD_LISTEN_FDS_START, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
                if (c < 0)
                        break;
                /* Read what the client already sent, so closing does not
                 * reset the connection before it reads the answer. */
                while (recv(c, buf, sizeof(buf), MSG_DONTWAIT) > 0)
                        ;
                (void) !send(c, response, sizeof(response) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
                (void) shutdown(c, SHUT_WR);
        }
}

/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/socket.h>

/* The one listening socket the server answers on. After ovh_listen_*()
 * succeeds it is fd 3 (SD_LISTEN_FDS_START), whether systemd passed it or
 * --listen bound it, so the rest of the launcher cannot tell them apart. */
typedef struct {
        int fd;
        int family;
        bool activated; /* passed by systemd, not bound by us */
        char *fdname; /* LISTEN_FDNAMES entry */
        char *description; /* "127.0.0.1:3000", "[::]:3000", "/run/x.sock" */
} OvhListen;

void ovh_listen_clear(OvhListen *listen_socket);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OvhListen, ovh_listen_clear)

/* Takes the socket systemd passed (sd_listen_fds(0), variables kept for the
 * server). Returns 1 and fills *out when activated, 0 when not activated.
 * Exactly one SOCK_STREAM listening inet/inet6/unix socket, else EX_USAGE /
 * EX_CONFIG with the reason. */
int ovh_listen_from_systemd(OvhListen *out, GError **error);

/* Parses HOST:PORT, [V6]:PORT, :PORT or /path (pure). */
int ovh_listen_parse(const char *address, struct sockaddr_storage *ret, socklen_t *ret_len, GError **error);

/* Binds and listens on ADDRESS itself and moves the socket to fd 3. */
int ovh_listen_bind(const char *address, OvhListen *out, GError **error);

/* Describes a bound socket ("127.0.0.1:3000") from getsockname(). */
char *ovh_listen_describe(int fd);

/* Prepares fd 3 for execve(): clears FD_CLOEXEC there and marks every other
 * descriptor above 2 close-on-exec, so the server gets fds 0-3 only. */
int ovh_listen_prepare_exec(const OvhListen *listen_socket, GError **error);

/* After a failed start of a socket-activated launcher: answers the
 * connections already waiting on fd 3 with "503, see the journal" and
 * closes them. Without this, the waiting connection keeps the socket
 * readable, systemd starts the service again at once, and the loop ends
 * only when the start limit fails the socket too. Does nothing when this
 * process was not activated. */
void ovh_listen_answer_failed_start(void);

/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "systemd.h"

/* The pure parts of openvscodectl: parsers of what systemd says and the
 * texts of the files it writes. The unit tests (tests/ctl) call them. */

/* One entry of the socket unit's Listen= as systemctl show -P Listen
 * prints it (ovh_systemd_socket_listen): "[::]:3000 (Stream)",
 * "127.0.0.1:8443 (Stream)", "/run/x.sock (Stream)". */
typedef struct {
        int family; /* AF_INET, AF_INET6, AF_UNIX */
        char *address; /* "::", "127.0.0.1", "/run/x.sock" */
        unsigned port; /* 0 for AF_UNIX */
        bool wildcard; /* "::" or "0.0.0.0" */
} CtlListen;

void ctl_listen_clear(CtlListen *listen_address);
/* False for lines that are not a stream socket we can name a URL for. */
bool ctl_listen_parse(const char *line, CtlListen *ret);

/* http://HOST:PORT/BASE/?tkn=TOKEN; an IPv6 literal gets brackets, the
 * base path one trailing slash, and without a token there is no query. */
char *ctl_url_format(const char *host, unsigned port, const char *base_path, const char *token);
/* The same with https:// when `tls`: [Server] TLS= is not off and HOST is
 * not this host's loopback (tls.js serves those plain). */
char *ctl_url_format_tls(bool tls, const char *host, unsigned port, const char *base_path, const char *token);
bool ctl_url_host_is_loopback(const char *host);

/* The connection-token credential a service gets, from systemd's merged
 * view of its unit (src/core/systemd.h). LoadCredential*= wins; a
 * SetCredential*= is what systemd falls back to when the file of
 * LoadCredential= is not there (`load_found` false). */
typedef enum {
        CTL_CREDENTIAL_NONE,
        CTL_CREDENTIAL_FILE, /* LoadCredential=connection-token:PATH (absolute, or a credstore name) */
        CTL_CREDENTIAL_ENCRYPTED, /* *Encrypted= */
        CTL_CREDENTIAL_VALUE, /* SetCredential=connection-token:VALUE */
} CtlCredentialKind;

/* *ret_source is the PATH of LoadCredential= (CTL_CREDENTIAL_FILE), else NULL. */
CtlCredentialKind ctl_credential_choose(const OvhUnitCredential *credential, bool load_found, char **ret_source);

/* Where systemd looks for a LoadCredential= name that is not a path. */
extern const char *const ctl_credstore_dirs[];

/* set-user: the launcher.conf.d text, the tmpfiles.d override (the
 * package's tmpfiles text with the state tree's lines moved to HOME and
 * given to USER:GROUP). The unit's User=/Group= follow at the next start
 * (openvscode-launcher --prepare-unit, src/core/unit.h). */
char *ctl_user_config_text(const char *user, const char *group);
char *ctl_user_tmpfiles_text(const char *package_text, const char *package_state_dir, const char *home,
                             const char *user, const char *group);

/* SPDX-License-Identifier: MIT */
#include "ctl-text.h"

#include <string.h>

#include "paths.h"

const char *const ctl_credstore_dirs[] = {
        "/etc/credstore", "/run/credstore", "/usr/local/lib/credstore", "/usr/lib/credstore", NULL,
};

void ctl_listen_clear(CtlListen *l) {
        g_clear_pointer(&l->address, g_free);
}

static bool parse_port(const char *s, unsigned *ret) {
        char *end = NULL;
        guint64 v = g_ascii_strtoull(s, &end, 10);
        if (!g_ascii_isdigit(*s) || *end || v == 0 || v > 65535)
                return false;
        *ret = (unsigned) v;
        return true;
}

bool ctl_listen_parse(const char *line, CtlListen *ret) {
        g_autofree char *text = g_strstrip(g_strdup(line));
        *ret = (CtlListen){};

        /* "ADDRESS (Stream)": only stream sockets serve HTTP. */
        char *type = strrchr(text, ' ');
        if (!type || !g_str_equal(type, " (Stream)"))
                return false;
        *type = '\0';

        if (text[0] == '/' || text[0] == '@') {
                ret->family = AF_UNIX;
                ret->address = g_strdup(text);
                return true;
        }
        if (text[0] == '[') {
                char *close = strchr(text, ']');
                if (!close || close[1] != ':' || !parse_port(close + 2, &ret->port))
                        return false;
                ret->family = AF_INET6;
                ret->address = g_strndup(text + 1, (gsize) (close - text - 1));
                ret->wildcard = g_str_equal(ret->address, "::");
                return true;
        }
        char *colon = strrchr(text, ':');
        if (!colon || strchr(text, ':') != colon || !parse_port(colon + 1, &ret->port))
                return false;
        ret->family = AF_INET;
        ret->address = g_strndup(text, (gsize) (colon - text));
        ret->wildcard = g_str_equal(ret->address, "0.0.0.0");
        return true;
}

bool ctl_url_host_is_loopback(const char *host) {
        return g_str_equal(host, "localhost") || g_str_has_prefix(host, "127.") || g_str_equal(host, "::1") ||
               g_str_has_prefix(host, "::ffff:127.");
}

char *ctl_url_format(const char *host, unsigned port, const char *base_path, const char *token) {
        return ctl_url_format_tls(false, host, port, base_path, token);
}

char *ctl_url_format_tls(bool tls, const char *host, unsigned port, const char *base_path, const char *token) {
        bool https = tls && !ctl_url_host_is_loopback(host);
        GString *url = g_string_new(https ? "https://" : "http://");

        if (strchr(host, ':'))
                g_string_append_printf(url, "[%s]", host);
        else
                g_string_append(url, host);
        if (port != (https ? 443u : 80u))
                g_string_append_printf(url, ":%u", port);
        if (base_path && *base_path) {
                if (base_path[0] != '/')
                        g_string_append_c(url, '/');
                g_string_append(url, base_path);
                while (url->len > 0 && url->str[url->len - 1] == '/')
                        g_string_truncate(url, url->len - 1);
        }
        g_string_append_c(url, '/');
        if (token)
                g_string_append_printf(url, "?tkn=%s", token);
        return g_string_free(url, FALSE);
}

CtlCredentialKind ctl_credential_choose(const OvhUnitCredential *c, bool load_found, char **ret_source) {
        CtlCredentialKind kind = CTL_CREDENTIAL_NONE;
        const char *source = NULL;

        if (c->load_encrypted)
                kind = CTL_CREDENTIAL_ENCRYPTED;
        else if (c->load && (load_found || (!c->set && !c->set_encrypted))) {
                kind = CTL_CREDENTIAL_FILE;
                source = c->load;
        } else if (c->set)
                kind = CTL_CREDENTIAL_VALUE;
        else if (c->set_encrypted)
                kind = CTL_CREDENTIAL_ENCRYPTED;
        if (ret_source)
                *ret_source = g_strdup(source);
        return kind;
}

char *ctl_user_config_text(const char *user, const char *group) {
        return g_strdup_printf("# Written by openvscodectl set-user (the container's PUID/PGID). Run\n"
                               "# openvscodectl set-user " OVH_DEFAULT_USER " to go back to the default account.\n"
                               "[Account]\n"
                               "User=%s\n"
                               "%s%s%s",
                               user, group ? "Group=" : "", group ? group : "", group ? "\n" : "");
}

/* One tmpfiles.d line split into its columns; NULL when it is a comment. */
static char **tmpfiles_columns(const char *line) {
        const char *l = line;
        while (*l == ' ' || *l == '\t')
                l++;
        if (!*l || *l == '#')
                return NULL;
        g_auto(GStrv) raw = g_strsplit_set(l, " \t", -1);
        GPtrArray *columns = g_ptr_array_new();
        for (char **c = raw; *c; c++)
                if (**c)
                        g_ptr_array_add(columns, g_strdup(*c));
        g_ptr_array_add(columns, NULL);
        return (char **) g_ptr_array_free(columns, FALSE);
}

char *ctl_user_tmpfiles_text(const char *package_text, const char *package_state_dir, const char *home,
                             const char *user, const char *group) {
        GString *out = g_string_new(NULL);
        g_auto(GStrv) lines = g_strsplit(package_text, "\n", -1);
        size_t state_len = strlen(package_state_dir);
        bool home_is_state = g_str_equal(home, package_state_dir);

        g_string_append_printf(out,
                               "# Written by openvscodectl set-user %s%s%s: the package's\n"
                               "# " OVH_TMPFILES_CONF " with the server's state tree in %s, owned by\n"
                               "# %s:%s. openvscodectl set-user " OVH_DEFAULT_USER " removes this override.\n",
                               user, group ? " " : "", group ? group : "", home, user, group ? group : user);
        for (char **l = lines; *l; l++) {
                g_auto(GStrv) c = tmpfiles_columns(*l);
                if (!c || g_strv_length(c) < 2) {
                        /* The package's own comments do not describe this file. */
                        continue;
                }
                const char *path = c[1];
                bool in_state = g_str_has_prefix(path, package_state_dir) &&
                                (path[state_len] == '\0' || path[state_len] == '/');
                if (!in_state) {
                        g_string_append_printf(out, "%s\n", g_strstrip(*l));
                        continue;
                }
                /* Someone else's home keeps its mode and owner: only the
                 * server's directories in it are the server's. */
                if (path[state_len] == '\0' && !home_is_state)
                        continue;
                g_autofree char *moved = g_strconcat(home, path + state_len, NULL);
                g_string_append_printf(out, "%-2s %-50s %-4s %-10s %-10s %s\n", c[0], moved, c[2] ? c[2] : "-", user,
                                       group ? group : user, c[2] && c[3] && c[4] && c[5] ? c[5] : "-");
        }
        return g_string_free(out, FALSE);
}

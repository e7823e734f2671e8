/* SPDX-License-Identifier: MIT */
/*
 * openvscodectl: the administrator's tool for openvscode-host. It gives a
 * host what the linuxserver/openvscode-server container gave its users:
 * the URL with the token, extensions, PUID/PGID, sudo, the /config volume.
 *
 * main.c picks the verb and is the one place that prints errors and picks
 * the exit code (sysexits, as the launcher's).
 */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ovh-error.h"
#include "paths.h"

static const struct {
        const char *name;
        CtlVerbFunction run;
        const char *summary;
} verbs[] = {
        { "url", verb_url, "print the access URL(s) with the token" },
        { "token", verb_token, "show or rotate the connection token" },
        { "install-extension", verb_install_extension, "install extensions (ids or .vsix files) as the account" },
        { "uninstall-extension", verb_uninstall_extension, "uninstall extensions" },
        { "list-extensions", verb_list_extensions, "list the installed extensions" },
        { "set-user", verb_set_user, "run the server as another account (PUID/PGID)" },
        { "password", verb_password, "the sign-in page's password: set, clear, hash" },
        { "tls", verb_tls, "HTTPS on the direct port: the CA to trust, status, renew" },
        { "sudo", verb_sudo, "sudo in the IDE's terminal (SUDO_PASSWORD): enable, disable, status" },
        { "import-config", verb_import_config, "migrate a container's /config volume" },
        { "server", verb_server, "install, switch, roll back and update VS Code servers" },
        { "status", verb_status, "the service's state and the running server's sandbox" },
        { "check", verb_check, "check the configuration (the launcher's --check)" },
};

static void help(void) {
        printf("openvscodectl [--help] [--version] VERB [OPTIONS] [ARGUMENTS]\n\n"
               "Manage openvscode-server.service, VS Code in the browser on this host.\n\n"
               "Verbs:\n");
        for (size_t i = 0; i < G_N_ELEMENTS(verbs); i++)
                printf("  %-20s %s\n", verbs[i].name, verbs[i].summary);
        printf("\nopenvscodectl VERB --help shows a verb's options. See openvscodectl(1).\n");
}

static int run(int argc, char *argv[], GError **error) {
        if (argc < 2)
                return ovh_fail(error, EX_USAGE, EINVAL, "no verb given; see openvscodectl --help");
        const char *verb = argv[1];
        if (g_str_equal(verb, "-h") || g_str_equal(verb, "--help") || g_str_equal(verb, "help")) {
                help();
                return 0;
        }
        if (g_str_equal(verb, "--version")) {
                printf("openvscodectl %s\n", OVH_VERSION);
                return 0;
        }
        for (size_t i = 0; i < G_N_ELEMENTS(verbs); i++)
                if (g_str_equal(verb, verbs[i].name))
                        return verbs[i].run(argc - 1, argv + 1, error);
        return ovh_fail(error, EX_USAGE, EINVAL, "unknown verb \"%s\"; see openvscodectl --help", verb);
}

int main(int argc, char *argv[]) {
        g_autoptr(GError) error = NULL;

        setlocale(LC_ALL, "");
        int r = run(argc, argv, &error);
        fflush(stdout);
        if (r >= 0)
                return EXIT_SUCCESS;
        if (error) {
                /* One line: the cause and the fix. */
                g_autofree char *line = ovh_printable(error->message);
                fprintf(stderr, "openvscodectl: %s\n", line);
                return error->domain == OVH_ERROR ? error->code : EX_SOFTWARE;
        }
        fprintf(stderr, "openvscodectl: failed: %s\n", g_strerror(-r));
        return EX_SOFTWARE;
}

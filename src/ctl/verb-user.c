/* SPDX-License-Identifier: MIT */
/* set-user USER [GROUP]: the container's PUID/PGID on a host. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "command.h"
#include "ctl-text.h"
#include "ctl.h"
#include "envfile.h"
#include "fileio.h"
#include "ovh-error.h"
#include "paths.h"
#include "sudo.h"

static const char *help = "openvscodectl set-user USER [GROUP]\n\n"
                          "Run the server as USER (and GROUP), the container's PUID/PGID: writes\n"
                          "[Account] User=/Group= to launcher.conf.d/" OVH_USER_CONFIG_NAME
                          ", an\n" OVH_TMPFILES_OVERRIDE " that gives the server's state tree in USER's home\n"
                          "to USER:GROUP (applied at once with systemd-tmpfiles), and restarts the\n"
                          "service; at its start, systemd is told to run it as USER:GROUP (a drop-in\n"
                          "in " OVH_ACCOUNT_UNIT_DROPIN_DIR ").\n"
                          "The state lives in the account's home: HOME/.openvscode-server, HOME/workspace.\n"
                          "openvscodectl set-user " OVH_DEFAULT_USER " goes back to the default. Root only.\n\n"
                          "  -h --help   show this help\n";

int verb_set_user(int argc, char *argv[], GError **error) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                {},
        };
        g_autoptr(OvhAccount) account = NULL;
        g_auto(GStrv) environment = NULL;
        g_autofree char *package_text = NULL;
        int c, r;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h", options, NULL)) >= 0) {
                if (c == 'h') {
                        fputs(help, stdout);
                        return 0;
                }
                return ctl_usage_error(error, "set-user", "unknown option %s", argv[optind - 1]);
        }
        if (optind >= argc)
                return ctl_usage_error(error, "set-user", "name the account: set-user USER [GROUP]");
        if (argc - optind > 2)
                return ctl_usage_error(error, "set-user", "unexpected argument \"%s\"", argv[optind + 2]);
        const char *user = argv[optind];
        const char *group = argc - optind == 2 ? argv[optind + 1] : NULL;

        r = ctl_require_root("set-user", error);
        if (r < 0)
                return r;
        r = ctl_require_systemd(error);
        if (r < 0)
                return r;
        r = ctl_require_unit(OVH_SERVICE_UNIT, error);
        if (r < 0)
                return r;

        /* The environment file wins over launcher.conf at every start. */
        r = ovh_envfile_load(OVH_ENVIRONMENT_FILE, &environment, error);
        if (r < 0)
                return r;
        for (const char *const *v = (const char *const[]){ "PUID", "PGID", "FILE__PUID", "FILE__PGID", NULL }; *v;
             v++) {
                const char *value = ovh_env_get(environment, *v);
                if (value && *value)
                        return ovh_fail(error, EX_CONFIG, EINVAL,
                                        "%s=%s in %s decides the account at every start and would override "
                                        "set-user; remove it from that file first",
                                        *v, value, OVH_ENVIRONMENT_FILE);
        }

        r = ovh_account_resolve(user, group, "set-user", &account, error);
        if (r < 0)
                return r;
        struct stat st;
        if (stat(account->home, &st) < 0 || !S_ISDIR(st.st_mode))
                return ovh_fail(error, EX_CANTCREAT, ENOENT,
                                "the home %s of %s does not exist; create it (mkhomedir_helper %s, or usermod -d) "
                                "first",
                                account->home, account->name, account->name);
        bool is_default = g_str_equal(account->name, OVH_DEFAULT_USER) && !group;

        /* sudo's rule and password belong to the account it was enabled
         * for: moving the service to another account would leave them there
         * and let a later disable restore the wrong one. */
        OvhSudoPaths sudo_paths = {};
        ovh_sudo_paths_init(&sudo_paths, OVH_CONFIG_FILE);
        g_autofree char *sudo_account = ovh_sudo_enabled_account(&sudo_paths);
        ovh_sudo_paths_clear(&sudo_paths);
        if (sudo_account && !g_str_equal(sudo_account, account->name))
                return ovh_fail(error, EX_CONFIG, EBUSY,
                                "sudo is enabled for %s; run openvscodectl sudo disable first, then set-user %s, "
                                "then sudo enable again if it is still wanted",
                                sudo_account, account->name);

        /* Every text first; then the files, each replaced atomically. */
        g_autofree char *package_tmpfiles = g_build_filename(OVH_TMPFILESDIR, OVH_TMPFILES_CONF, NULL);
        if (!is_default && !g_file_get_contents(package_tmpfiles, &package_text, NULL, NULL))
                return ovh_fail(error, EX_UNAVAILABLE, ENOENT, "%s is missing; reinstall the openvscode-host package",
                                package_tmpfiles);
        g_autofree char *config_path = ctl_config_dropin(OVH_USER_CONFIG_NAME);
        g_autofree char *config_text = is_default ? NULL : ctl_user_config_text(account->name, group);
        g_autofree char *tmpfiles_text = is_default ? NULL
                                                    : ctl_user_tmpfiles_text(package_text, OVH_STATE_DIR, account->home,
                                                                             account->name, account->group_name);

        if (is_default) {
                r = ovh_file_remove(config_path, error);
                if (r >= 0)
                        r = ovh_file_remove(OVH_TMPFILES_OVERRIDE, error);
        } else {
                /* 0644: the launcher reads its configuration as the account. */
                r = ovh_file_replace(config_path, config_text, 0644, error);
                if (r >= 0)
                        r = ovh_file_replace(OVH_TMPFILES_OVERRIDE, tmpfiles_text, 0644, error);
        }
        if (r < 0)
                return r;
        /* tmpfiles picks the override in /etc over the package's file. */
        r = ovh_command_run_checked(
                (char *[]){ (char *) "systemd-tmpfiles", (char *) "--create", (char *) OVH_TMPFILES_CONF, NULL }, NULL,
                NULL, error);
        if (r < 0)
                return r;
        bool running = ctl_unit_is_active(OVH_SERVICE_UNIT);
        r = ctl_try_restart(OVH_SERVICE_UNIT, error);
        if (r < 0)
                return r;

        printf("The server runs as %s (uid %u) and group %s (gid %u); its state is in %s/%s.\n", account->name,
               (unsigned) account->uid, account->group_name, (unsigned) account->gid, account->home, OVH_STATE_SUBDIR);
        if (is_default)
                printf("The overrides of set-user were removed.\n");
        else
                printf("Written: %s, %s.\n", config_path, OVH_TMPFILES_OVERRIDE);
        printf("%s\n", running ? "The service was restarted." : "The service starts with it on the next connection.");
        return 0;
}

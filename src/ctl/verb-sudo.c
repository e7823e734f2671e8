/* SPDX-License-Identifier: MIT */
/* sudo enable|disable|status: the container's SUDO_PASSWORD and
 * SUDO_PASSWORD_HASH (src/core/sudo.c does the work). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "ctl.h"
#include "envfile.h"
#include "ovh-error.h"
#include "paths.h"
#include "sudo.h"
#include "systemd.h"

static const char *help = "openvscodectl sudo enable --password-stdin [--accept-root]\n"
                          "openvscodectl sudo enable --password-hash HASH [--accept-root]\n"
                          "openvscodectl sudo disable\n"
                          "openvscodectl sudo status\n\n"
                          "sudo in the IDE's terminal, the container's SUDO_PASSWORD/SUDO_PASSWORD_HASH.\n"
                          "THIS MAKES THE ACCOUNT ROOT ON THIS HOST: whoever has the token and the\n"
                          "password is root, with no sandbox at all (sudo systemd-run starts a process\n"
                          "outside every setting of the service). In the container sudo was root\n"
                          "inside a container; here there is no container around it. enable asks\n"
                          "for confirmation on the terminal; --accept-root gives it in scripts.\n\n"
                          "enable writes " OVH_SUDOERS_FILE " (checked with visudo -c\n"
                          "before it is moved in place), sets the account's password hash, writes\n"
                          "[Sandbox] AllowSudo=yes and the unit drop-in " OVH_SUDO_UNIT_DROPIN "\n"
                          "(a root start of the launcher, NoNewPrivileges=no, " OVH_LAUNCHER_ROOT_CAPABILITIES
                          " " OVH_SUDO_CAPABILITIES "),\n"
                          "and restarts the service.\n"
                          "disable removes all of it and restores the account's previous password.\n"
                          "Root only.\n\n"
                          "  --password-stdin      read the password from standard input (one line)\n"
                          "  --password-hash HASH  a crypt(5) hash, e.g. from mkpasswd --method=yescrypt\n"
                          "  --accept-root         confirm that the account becomes root on this host\n"
                          "  -h --help             show this help\n";

/* One line from stdin; no echo when it is a terminal. */
static int read_password(char **ret, GError **error) {
        struct termios old, quiet;
        bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
        char *line = NULL;
        size_t size = 0;

        if (tty) {
                fprintf(stderr, "Password for sudo in the IDE: ");
                quiet = old;
                quiet.c_lflag &= ~(tcflag_t) ECHO;
                (void) tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        }
        ssize_t n = getline(&line, &size, stdin);
        if (tty) {
                (void) tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
                fputc('\n', stderr);
        }
        if (n < 0) {
                free(line);
                return ovh_fail(error, EX_DATAERR, EINVAL,
                                "--password-stdin: no password on standard input; pipe it in: "
                                "printf '%%s\\n' PASSWORD | openvscodectl sudo enable --password-stdin");
        }
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                line[--n] = '\0';
        if (n == 0) {
                free(line);
                return ovh_fail(error, EX_DATAERR, EINVAL, "--password-stdin: the password is empty; give one");
        }
        *ret = g_strdup(line);
        explicit_bzero(line, size);
        free(line);
        return 0;
}

/* The admin says yes to "the account becomes root on this host": on the
 * controlling terminal, or with --accept-root where there is none. */
static int confirm_root(const char *account, bool accepted, GError **error) {
        if (accepted)
                return 0;
        _cleanup_fclose_ FILE *tty = fopen("/dev/tty", "r+e");
        if (!tty)
                return ovh_fail(error, EX_USAGE, EINVAL,
                                "sudo enable makes %s root on this host, outside every sandbox (sudo systemd-run "
                                "escapes the service's settings); confirm with --accept-root",
                                account);
        fprintf(tty,
                "sudo enable makes %s root on THIS HOST: anyone with the IDE's token and this password\n"
                "can run anything as root, outside the service's sandbox (e.g. sudo systemd-run).\n"
                "Type \"root\" to confirm: ",
                account);
        fflush(tty);
        char answer[16] = "";
        if (!fgets(answer, sizeof(answer), tty) || !g_str_equal(g_strchomp(answer), "root"))
                return ovh_fail(error, EX_USAGE, ECANCELED, "sudo enable was not confirmed; nothing was changed");
        return 0;
}

/* SUDO_PASSWORD in the environment file decides at every start (the
 * launcher's --prepare-unit): two managers of one setting would fight. */
static int check_environment(GError **error) {
        g_auto(GStrv) environment = NULL;
        int r = ovh_envfile_load(OVH_ENVIRONMENT_FILE, &environment, error);
        if (r < 0)
                return r;
        for (const char *const *v = (const char *const[]){ "SUDO_PASSWORD", "SUDO_PASSWORD_HASH", "FILE__SUDO_PASSWORD",
                                                           "FILE__SUDO_PASSWORD_HASH", NULL };
             *v; v++) {
                const char *value = ovh_env_get(environment, *v);
                if (value && *value)
                        return ovh_fail(error, EX_CONFIG, EINVAL,
                                        "%s is set in %s and decides sudo at every start; remove it from that "
                                        "file to manage sudo with openvscodectl",
                                        *v, OVH_ENVIRONMENT_FILE);
        }
        return 0;
}

static int finish(bool unit_changed, const char *what, GError **error) {
        int r;
        if (unit_changed) {
                r = ovh_systemd_reload(error);
                if (r < 0)
                        return r;
        }
        bool running = ctl_unit_is_active(OVH_SERVICE_UNIT);
        r = ctl_try_restart(OVH_SERVICE_UNIT, error);
        if (r < 0)
                return r;
        printf("%s %s\n", what, running ? "The service was restarted." : "It takes effect when the service starts.");
        return 0;
}

static int sudo_status(const CtlInstance *ci) {
        OvhSudoPaths paths = {};
        OvhSudoState state;

        ovh_sudo_paths_init(&paths, OVH_CONFIG_FILE);
        ovh_sudo_read_state(&paths, &state);
        bool complete = state.sudoers && state.unit_dropin && state.config_dropin;
        printf("sudo: %s\n", complete                         ? "enabled"
                             : ovh_sudo_state_enabled(&state) ? "partly enabled (run openvscodectl sudo disable)"
                                                              : "disabled");
        if (ovh_sudo_state_enabled(&state))
                printf("managed by: %s\n",
                       state.by_environment ? "SUDO_PASSWORD in " OVH_ENVIRONMENT_FILE : "openvscodectl sudo");
        printf("account: %s\n", ci->account->name);
        printf("sudoers rule: %s%s\n", paths.sudoers, state.sudoers ? "" : " (absent)");
        printf("unit drop-in: %s%s\n", paths.unit_dropin, state.unit_dropin ? "" : " (absent)");
        printf("AllowSudo=yes: %s%s\n", paths.config_dropin, state.config_dropin ? "" : " (absent)");
        printf("sudo installed: %s\n", state.sudo_installed ? "yes" : "no");
        pid_t pid = ctl_unit_main_pid(OVH_SERVICE_UNIT);
        if (pid > 0) {
                g_autofree char *path = g_strdup_printf("/proc/%d/status", (int) pid);
                g_autofree char *status = NULL;
                const char *nnp;
                if (g_file_get_contents(path, &status, NULL, NULL) && (nnp = strstr(status, "\nNoNewPrivs:")))
                        printf("running server (pid %d): NoNewPrivs %ld\n", (int) pid,
                               strtol(nnp + strlen("\nNoNewPrivs:"), NULL, 10));
        }
        ovh_sudo_paths_clear(&paths);
        return 0;
}

int verb_sudo(int argc, char *argv[], GError **error) {
        static const struct option options[] = {
                { "password-stdin", no_argument, NULL, 's' },
                { "password-hash", required_argument, NULL, 'H' },
                { "accept-root", no_argument, NULL, 'A' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        g_auto(CtlInstance) ci = {};
        g_autofree char *password = NULL;
        g_autofree char *hash = NULL;
        const char *given_hash = NULL;
        bool from_stdin = false, accept_root = false;
        OvhSudoPaths paths = {};
        int c, r;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h", options, NULL)) >= 0) {
                switch (c) {
                case 's':
                        from_stdin = true;
                        break;
                case 'H':
                        given_hash = optarg;
                        break;
                case 'A':
                        accept_root = true;
                        break;
                case 'h':
                        fputs(help, stdout);
                        return 0;
                case ':':
                        return ctl_usage_error(error, "sudo", "option %s needs a value", argv[optind - 1]);
                default:
                        return ctl_usage_error(error, "sudo", "unknown option %s", argv[optind - 1]);
                }
        }
        if (optind >= argc)
                return ctl_usage_error(error, "sudo", "say what to do: enable, disable or status");
        const char *action = argv[optind];
        if (optind + 1 < argc)
                return ctl_usage_error(error, "sudo", "unexpected argument \"%s\"", argv[optind + 1]);
        bool enable = g_str_equal(action, "enable");
        if (!enable && !g_str_equal(action, "disable") && !g_str_equal(action, "status"))
                return ctl_usage_error(error, "sudo", "unknown action \"%s\"; use enable, disable or status", action);
        if (enable && from_stdin == (given_hash != NULL))
                return ctl_usage_error(error, "sudo",
                                       "enable takes exactly one of --password-stdin and "
                                       "--password-hash HASH");
        if (!enable && (from_stdin || given_hash || accept_root))
                return ctl_usage_error(error, "sudo", "%s takes no password option or --accept-root", action);
        /* A bad hash is told before anything else, and changes nothing. */
        if (given_hash) {
                r = ovh_sudo_check_hash(given_hash, "--password-hash", error);
                if (r < 0)
                        return r;
        }

        r = ctl_require_root(g_str_equal(action, "status") ? "sudo status"
                             : enable                      ? "sudo enable"
                                                           : "sudo disable",
                             error);
        if (r < 0)
                return r;
        r = ctl_require_systemd(error);
        if (r < 0)
                return r;
        r = ctl_require_unit(OVH_SERVICE_UNIT, error);
        if (r < 0)
                return r;
        r = ctl_instance_load(&ci, NULL, error);
        if (r < 0)
                return r;
        if (g_str_equal(action, "status"))
                return sudo_status(&ci);
        r = check_environment(error);
        if (r < 0)
                return r;

        ovh_sudo_paths_init(&paths, OVH_CONFIG_FILE);
        bool unit_changed = false;
        if (enable) {
                r = confirm_root(ci.account->name, accept_root, error);
                if (r < 0)
                        goto out;
                if (from_stdin) {
                        r = read_password(&password, error);
                        if (r < 0)
                                goto out;
                        r = ovh_sudo_hash_password(password, &hash, error);
                        if (r < 0)
                                goto out;
                } else {
                        hash = g_strdup(given_hash);
                }
                r = ovh_sudo_enable(&paths, ci.account->name, hash, OVH_SUDO_BY_CTL, &unit_changed, error);
                if (r < 0)
                        goto out;
                fprintf(stderr,
                        "openvscodectl: warning: sudo is enabled for %s. This is a privilege-escalation path: "
                        "whoever has the token can become root on this host with this password, outside the "
                        "service's sandbox. Undo it with: openvscodectl sudo disable\n",
                        ci.account->name);
                r = finish(unit_changed, "sudo is enabled.", error);
        } else {
                OvhSudoState state;
                ovh_sudo_read_state(&paths, &state);
                if (!ovh_sudo_state_enabled(&state) && !g_file_test(paths.saved_password, G_FILE_TEST_EXISTS)) {
                        printf("sudo is not enabled; nothing to do.\n");
                        r = 0;
                        goto out;
                }
                r = ovh_sudo_disable(&paths, ci.account->name, &unit_changed, error);
                if (r < 0)
                        goto out;
                r = finish(unit_changed, "sudo is disabled; the server runs with no_new_privs again.", error);
        }
out:
        if (password)
                explicit_bzero(password, strlen(password));
        if (hash)
                explicit_bzero(hash, strlen(hash));
        ovh_sudo_paths_clear(&paths);
        return r;
}

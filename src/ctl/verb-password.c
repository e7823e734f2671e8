/* SPDX-License-Identifier: MIT */
/* password set|clear|hash: the sign-in page's password (src/core/password.c
 * does the work; docs/SECURITY.md, "Sign-in"). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "ctl.h"
#include "envfile.h"
#include "ovh-error.h"
#include "password.h"
#include "paths.h"

static const char *help =
        "openvscodectl password set [--user NAME] [--password-stdin]\n"
        "openvscodectl password clear [--user NAME]\n"
        "openvscodectl password hash [--password-stdin]\n\n"
        "The password of the browser's sign-in page, besides the connection token.\n"
        "set asks for it on the terminal (twice, without echo) or reads one line\n"
        "from standard input, and stores only its scrypt hash ($7$) in\n" OVH_PASSWORD_DIR "/ACCOUNT,\n"
        "the account's file (mode 0400) that only root and the account can read.\n"
        "clear removes it. Both take effect when the service next starts.\n"
        "hash prints the hash for PASSWORD_HASH= in " OVH_ENVIRONMENT_FILE ",\n"
        "which wins over the file for the default instance.\n"
        "set and clear: root only.\n\n"
        "  --user NAME        the per-user instance openvscode-server@NAME\n"
        "  --password-stdin   read the password from standard input (one line)\n"
        "  -h --help          show this help\n";

/* One line from the terminal without echo, or from stdin. */
static int read_line(const char *prompt, bool from_stdin, char **ret, GError **error) {
        struct termios old, quiet;
        bool tty = !from_stdin && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
        char *line = NULL;
        size_t size = 0;

        if (!from_stdin && !tty)
                return ovh_fail(error, EX_USAGE, EINVAL,
                                "standard input is not a terminal; pipe the password in with --password-stdin");
        if (tty) {
                fprintf(stderr, "%s", prompt);
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
                                "no password on standard input; pipe it in: printf '%%s\\n' PASSWORD | "
                                "openvscodectl password set --password-stdin");
        }
        if (n > 0 && line[n - 1] == '\n')
                line[--n] = '\0';
        if (n > 0 && line[n - 1] == '\r')
                line[--n] = '\0';
        *ret = g_strdup(line);
        explicit_bzero(line, size);
        free(line);
        return 0;
}

static void free_secret(char *s) {
        if (s) {
                explicit_bzero(s, strlen(s));
                g_free(s);
        }
}

/* The password (asked twice on a terminal) and its hash. */
static int read_and_hash(bool from_stdin, char **ret_hash, GError **error) {
        char *password = NULL, *again = NULL;
        int r = read_line("Sign-in password: ", from_stdin, &password, error);
        if (r >= 0 && !from_stdin) {
                r = read_line("The same again: ", false, &again, error);
                if (r >= 0 && !g_str_equal(password, again))
                        r = ovh_fail(error, EX_DATAERR, EINVAL, "the two passwords differ; nothing was changed");
        }
        if (r >= 0)
                r = ovh_password_hash(password, ret_hash, error);
        free_secret(password);
        free_secret(again);
        return r;
}

/* PASSWORD_HASH in the environment file wins at every start of the default
 * instance: a file written here would do nothing. */
static int check_environment(const CtlInstance *ci, GError **error) {
        if (ci->instance)
                return 0;
        for (const char *const *v = (const char *const[]){ "PASSWORD_HASH", "FILE__PASSWORD_HASH", NULL }; *v; v++) {
                const char *value = ovh_env_get(ci->environment, *v);
                if (value && *value)
                        return ovh_fail(error, EX_CONFIG, EINVAL,
                                        "%s is set in %s and is the password at every start; change or remove it "
                                        "there instead",
                                        *v, OVH_ENVIRONMENT_FILE);
        }
        return 0;
}

int verb_password(int argc, char *argv[], GError **error) {
        static const struct option options[] = {
                { "user", required_argument, NULL, 'u' },
                { "password-stdin", no_argument, NULL, 's' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        g_auto(CtlInstance) ci = {};
        const char *user = NULL;
        bool from_stdin = false;
        int c, r;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h", options, NULL)) >= 0) {
                switch (c) {
                case 'u':
                        user = optarg;
                        break;
                case 's':
                        from_stdin = true;
                        break;
                case 'h':
                        fputs(help, stdout);
                        return 0;
                case ':':
                        return ctl_usage_error(error, "password", "option %s needs a value", argv[optind - 1]);
                default:
                        return ctl_usage_error(error, "password", "unknown option %s", argv[optind - 1]);
                }
        }
        if (optind >= argc)
                return ctl_usage_error(error, "password", "say what to do: set, clear or hash");
        const char *action = argv[optind];
        if (optind + 1 < argc)
                return ctl_usage_error(error, "password", "unexpected argument \"%s\"", argv[optind + 1]);
        bool set = g_str_equal(action, "set"), clear = g_str_equal(action, "clear");
        if (!set && !clear && !g_str_equal(action, "hash"))
                return ctl_usage_error(error, "password", "unknown action \"%s\"; use set, clear or hash", action);
        if (clear && from_stdin)
                return ctl_usage_error(error, "password", "clear takes no --password-stdin");
        if (!set && !clear && user)
                return ctl_usage_error(error, "password", "hash takes no --user: the hash is the same for all");

        if (!set && !clear) {
                g_autofree char *hash = NULL;
                r = read_and_hash(from_stdin, &hash, error);
                if (r < 0)
                        return r;
                printf("%s\n", hash);
                return 0;
        }

        r = ctl_require_root(set ? "password set" : "password clear", error);
        if (r < 0)
                return r;
        if (user) {
                r = ctl_check_instance_name(user, error);
                if (r < 0)
                        return r;
        }
        r = ctl_instance_load(&ci, user, error);
        if (r < 0)
                return r;
        r = check_environment(&ci, error);
        if (r < 0)
                return r;
        g_autofree char *file = ovh_password_file(ci.account->name);
        const char *unit = ci.service_unit ? ci.service_unit : OVH_SERVICE_UNIT;

        if (clear) {
                r = ovh_password_remove(file, error);
                if (r < 0)
                        return r;
                if (r > 0)
                        printf("No sign-in password was set for %s (%s).\n", ci.account->name, file);
                else
                        printf("Removed the sign-in password of %s (%s). It takes effect when %s next starts "
                               "(systemctl restart %s).\n",
                               ci.account->name, file, unit, unit);
                return 0;
        }

        g_autofree char *hash = NULL;
        r = read_and_hash(from_stdin, &hash, error);
        if (r < 0)
                return r;
        r = ovh_password_write(file, hash, ci.account->uid, error);
        if (r < 0)
                return r;
        printf("Set the sign-in password of %s (%s). It takes effect when %s next starts (systemctl restart %s).\n",
               ci.account->name, file, unit, unit);
        return 0;
}

/* SPDX-License-Identifier: MIT */
/* import-config PATH [--dry-run] [--force]: the container's /config. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "command.h"
#include "ctl.h"
#include "import.h"
#include "ovh-error.h"
#include "paths.h"

static const char *help = "openvscodectl import-config [--dry-run] [--force] PATH\n\n"
                          "Migrate a linuxserver/openvscode-server container's /config volume (its\n"
                          "workspace/, .openvscode-server/ data and extensions, .ssh/ and dotfiles) into\n"
                          "the account's home (" OVH_STATE_DIR " for the default account).\n"
                          "Files are created as the account; an existing file with other content is\n"
                          "never overwritten without --force; the server's directories get their owner\n"
                          "and modes from systemd-tmpfiles. The service is stopped for the import (the\n"
                          "next connection starts it). Reports what it did. Root only.\n\n"
                          "  --dry-run   print what would be done, change nothing\n"
                          "  --force     overwrite files that exist with other content\n"
                          "  -h --help   show this help\n";

static void print_steps(const ImportPlan *plan, bool all) {
        for (guint i = 0; i < plan->steps->len; i++) {
                const ImportStep *s = plan->steps->pdata[i];
                if (!all && s->kind != IMPORT_CONFLICT && s->kind != IMPORT_CLASH && s->kind != IMPORT_SKIP)
                        continue;
                switch (s->kind) {
                case IMPORT_COPY:
                        printf("copy     %s (%" G_GUINT64_FORMAT " bytes)\n", s->path, s->size);
                        break;
                case IMPORT_CONFLICT:
                        printf("conflict %s (exists with other content; --force replaces it)\n", s->path);
                        break;
                case IMPORT_CLASH:
                        printf("clash    %s (a %s is there; move it away to import this)\n", s->path,
                               S_ISDIR(s->mode) ? "file" : "directory");
                        break;
                case IMPORT_SKIP:
                        printf("skip     %s (%s)\n", s->path, s->why);
                        break;
                default:
                        printf("%-8s %s\n", import_kind_name(s->kind), s->path);
                }
        }
}

int verb_import_config(int argc, char *argv[], GError **error) {
        static const struct option options[] = {
                { "dry-run", no_argument, NULL, 'n' },
                { "force", no_argument, NULL, 'f' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        g_auto(CtlInstance) ci = {};
        g_auto(ImportPlan) plan = {};
        bool dry_run = false, force = false;
        int c, r;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":nfh", options, NULL)) >= 0) {
                switch (c) {
                case 'n':
                        dry_run = true;
                        break;
                case 'f':
                        force = true;
                        break;
                case 'h':
                        fputs(help, stdout);
                        return 0;
                default:
                        return ctl_usage_error(error, "import-config", "unknown option %s", argv[optind - 1]);
                }
        }
        if (optind >= argc)
                return ctl_usage_error(error, "import-config", "name the directory: import-config PATH");
        if (optind + 1 < argc)
                return ctl_usage_error(error, "import-config", "unexpected argument \"%s\"", argv[optind + 1]);

        r = ctl_require_root("import-config", error);
        if (r < 0)
                return r;
        g_autofree char *source = g_canonicalize_filename(argv[optind], NULL);
        g_autofree char *real = realpath(source, NULL);
        if (!real || !g_file_test(real, G_FILE_TEST_IS_DIR))
                return ovh_fail(error, EX_NOINPUT, ENOENT,
                                "import-config: %s is not a directory; give the directory the container had at "
                                "/config",
                                source);
        if (!import_source_looks_like_config(real))
                return ovh_fail(error, EX_DATAERR, EINVAL,
                                "import-config: %s has neither workspace/ nor .openvscode-server/, so it is not the "
                                "container's /config; give that directory",
                                real);
        r = ctl_instance_load(&ci, NULL, error);
        if (r < 0)
                return r;
        g_autofree char *home = realpath(ci.account->home, NULL);
        if (!home)
                return ovh_fail(error, EX_CANTCREAT, errno,
                                "the home %s of %s does not exist; run systemd-tmpfiles --create %s", ci.account->home,
                                ci.account->name, OVH_TMPFILES_CONF);
        size_t n = strlen(home), m = strlen(real);
        if ((strncmp(real, home, n) == 0 && (real[n] == '/' || real[n] == '\0')) ||
            (strncmp(home, real, m) == 0 && home[m] == '/'))
                return ovh_fail(error, EX_USAGE, EINVAL,
                                "import-config: %s and the home %s contain each other; copy the container's /config "
                                "somewhere else first",
                                real, home);

        r = import_plan(real, ci.account, &plan, error);
        if (r < 0)
                return r;
        if (dry_run) {
                print_steps(&plan, true);
                printf("Dry run: nothing was changed. %u files (%" G_GUINT64_FORMAT " bytes), %u directories and "
                       "%u links would be created in %s; %u are already there; %u conflicts; %u skipped.\n",
                       plan.counts[IMPORT_COPY], plan.bytes, plan.counts[IMPORT_MKDIR], plan.counts[IMPORT_SYMLINK],
                       home, plan.counts[IMPORT_SAME], plan.counts[IMPORT_CONFLICT] + plan.counts[IMPORT_CLASH],
                       plan.counts[IMPORT_SKIP]);
                return 0;
        }
        if (plan.counts[IMPORT_CLASH] > 0 || (plan.counts[IMPORT_CONFLICT] > 0 && !force)) {
                print_steps(&plan, false);
                return ovh_fail(error, EX_CANTCREAT, EEXIST,
                                "import-config: %u paths in %s exist with other content (listed above); nothing was "
                                "changed: rerun with --force to replace %s",
                                plan.counts[IMPORT_CONFLICT] + plan.counts[IMPORT_CLASH], home,
                                plan.counts[IMPORT_CLASH] ? "the files (move the clashes away first)" : "them");
        }

        /* The server must not write its state while it is replaced. */
        bool have_systemd = ctl_require_systemd(NULL) >= 0;
        bool stopped = false;
        if (have_systemd && ctl_unit_is_active(ci.service_unit)) {
                g_autoptr(GError) stop_error = NULL;
                stopped = ctl_stop(ci.service_unit, &stop_error) >= 0;
                if (!stopped)
                        ctl_warning("%s", stop_error->message);
        }
        guint written = 0, unmarked = 0;
        r = import_apply(&plan, ci.account, force, &written, error);
        if (r < 0)
                return r;
        r = import_unmark_obsolete(&plan, ci.account, &unmarked, error);
        if (r < 0)
                return r;
        if (have_systemd && ovh_command_run_checked((char *[]){ (char *) "systemd-tmpfiles", (char *) "--create",
                                                                (char *) OVH_TMPFILES_CONF, NULL },
                                                    NULL, NULL, NULL) < 0)
                ctl_warning("systemd-tmpfiles --create %s failed; run it to fix the modes", OVH_TMPFILES_CONF);

        print_steps(&plan, false);
        printf("Imported %s into %s as %s: %u files (%" G_GUINT64_FORMAT " bytes), %u directories, %u links; %u "
               "already there%s; %u replaced; %u skipped.\n",
               real, home, ci.account->name, plan.counts[IMPORT_COPY], plan.bytes, plan.counts[IMPORT_MKDIR],
               plan.counts[IMPORT_SYMLINK], plan.counts[IMPORT_SAME], "", force ? plan.counts[IMPORT_CONFLICT] : 0,
               plan.counts[IMPORT_SKIP]);
        if (unmarked > 0)
                printf("%u imported extensions were listed as uninstalled in extensions/.obsolete; no longer.\n",
                       unmarked);
        if (stopped)
                printf("%s was stopped for the import; the next connection starts it.\n", ci.service_unit);
        (void) written;
        return 0;
}

/* SPDX-License-Identifier: MIT */
#include "runas.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "ovh-error.h"
#include "paths.h"
#include "privileges.h"
#include "unit.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Reports a setup failure to the parent through the error pipe and ends
 * the child. The parent tells it apart from the program's own exit. */
G_GNUC_NORETURN static void child_fail(int error_fd, int code, const char *message) {
        g_autofree char *line = g_strdup_printf("%d %s", code, message);
        (void) !write(error_fd, line, strlen(line));
        _exit(code);
}

G_GNUC_NORETURN static void child(const OvhRunAs *run, int stdout_fd, int stderr_fd, int error_fd) {
        g_autoptr(GError) error = NULL;

        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null < 0 || dup2(null, STDIN_FILENO) < 0)
                child_fail(error_fd, EX_OSERR, "cannot open /dev/null");
        if (stdout_fd >= 0 && dup2(stdout_fd, STDOUT_FILENO) < 0)
                child_fail(error_fd, EX_OSERR, "cannot redirect stdout");
        if (stderr_fd >= 0 && dup2(stderr_fd, STDERR_FILENO) < 0)
                child_fail(error_fd, EX_OSERR, "cannot redirect stderr");
        signal(SIGPIPE, SIG_DFL);

        umask(run->umask);
        if (ovh_privileges_drop(run->account, false, &error) < 0)
                child_fail(error_fd, error->code, error->message);
        if (!run->cwd || chdir(run->cwd) < 0)
                if (chdir(run->account->home) < 0)
                        child_fail(error_fd, EX_OSERR, "cannot enter the account's home");

        /* Nothing of ours (the listening socket, config files) reaches the
         * program: only fds 0-2. */
        if (syscall(__NR_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
                for (int fd = 3; fd < 1024; fd++)
                        (void) fcntl(fd, F_SETFD, FD_CLOEXEC);

        /* As in the launcher: the filter is the last step before execve(). */
        if (run->filter && run->filter->main && ovh_sandbox_load(run->filter, &error) < 0)
                child_fail(error_fd, error->code, error->message);
        execve(run->argv[0], run->argv, run->envp);
        int e = errno;
        g_autofree char *message = g_strdup_printf("cannot execute %s: %s", run->argv[0], g_strerror(e));
        child_fail(error_fd, e == ENOENT ? OVH_EXIT_EXEC_NOT_FOUND : OVH_EXIT_EXEC_FAILED, message);
}

static gint64 now_ms(void) {
        return g_get_monotonic_time() / 1000;
}

int ovh_run_as_account(const OvhRunAs *run, int *ret_status, char **ret_stderr, GError **error) {
        _cleanup_close_ int err_read = -1, err_write = -1, out_read = -1, out_write = -1;
        _cleanup_close_ int stdout_read = -1, stdout_write = -1;
        g_autoptr(GString) captured = g_string_new(NULL);
        int fds[2];

        if (pipe2(fds, O_CLOEXEC) < 0)
                return ovh_fail(error, EX_OSERR, errno, "cannot create a pipe: %s", g_strerror(errno));
        err_read = fds[0];
        err_write = fds[1];
        if (run->capture_stderr) {
                if (pipe2(fds, O_CLOEXEC) < 0)
                        return ovh_fail(error, EX_OSERR, errno, "cannot create a pipe: %s", g_strerror(errno));
                out_read = fds[0];
                out_write = fds[1];
        }
        if (run->stdout_into) {
                if (pipe2(fds, O_CLOEXEC) < 0)
                        return ovh_fail(error, EX_OSERR, errno, "cannot create a pipe: %s", g_strerror(errno));
                stdout_read = fds[0];
                stdout_write = fds[1];
        }

        pid_t pid = fork();
        if (pid < 0)
                return ovh_fail(error, EX_OSERR, errno, "cannot fork: %s", g_strerror(errno));
        if (pid == 0)
                child(run, stdout_write, out_write, err_write);

        ovh_closep(&err_write);
        ovh_closep(&out_write);
        ovh_closep(&stdout_write);

        gint64 deadline = run->timeout_sec > 0 ? now_ms() + (gint64) run->timeout_sec * 1000 : G_MAXINT64;
        bool timed_out = false;

        /* Drain the program's stderr and stdout (those captured) until it
         * closes them. */
        while (out_read >= 0 || stdout_read >= 0) {
                struct pollfd p[2] = { { .fd = out_read, .events = POLLIN }, { .fd = stdout_read, .events = POLLIN } };
                gint64 left = deadline - now_ms();
                if (left <= 0) {
                        timed_out = true;
                        break;
                }
                int n = poll(p, 2, (int) MIN(left, 1000));
                if (n < 0 && errno != EINTR)
                        break;
                for (int i = 0; n > 0 && i < 2; i++) {
                        if (!p[i].revents)
                                continue;
                        int *fd = i == 0 ? &out_read : &stdout_read;
                        char buf[4096];
                        ssize_t got = read(*fd, buf, sizeof(buf));
                        if (got < 0 && errno == EINTR)
                                continue;
                        if (got <= 0)
                                ovh_closep(fd);
                        else
                                g_string_append_len(i == 0 ? captured : run->stdout_into, buf, got);
                }
        }
        ovh_closep(&out_read);
        ovh_closep(&stdout_read);

        int status = 0;
        for (;;) {
                if (!timed_out && now_ms() >= deadline)
                        timed_out = true;
                if (timed_out)
                        (void) kill(pid, SIGKILL);
                pid_t w = waitpid(pid, &status, timed_out ? 0 : WNOHANG);
                if (w == pid)
                        break;
                if (w < 0 && errno != EINTR)
                        return ovh_fail(error, EX_OSERR, errno, "cannot wait for %s: %s", run->argv[0],
                                        g_strerror(errno));
                if (w == 0)
                        g_usleep(20 * 1000);
        }

        char message[1024];
        ssize_t n = read(err_read, message, sizeof(message) - 1);
        if (ret_stderr)
                *ret_stderr = g_string_free(g_steal_pointer(&captured), FALSE);

        if (n > 0) {
                message[n] = '\0';
                char *space = strchr(message, ' ');
                int code = atoi(message);
                if (ret_stderr)
                        g_clear_pointer(ret_stderr, g_free);
                return ovh_fail(error, code > 0 ? code : EX_OSERR, EPERM, "%s", space ? space + 1 : message);
        }
        if (timed_out) {
                if (ret_stderr)
                        g_clear_pointer(ret_stderr, g_free);
                return ovh_fail(error, EX_TEMPFAIL, ETIMEDOUT, "%s did not finish within %d s and was killed",
                                run->argv[0], run->timeout_sec);
        }
        *ret_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return 0;
}

int ovh_server_cli_run(const OvhServerPlan *plan, const OvhSandboxProgram *filter, char *const *arguments,
                       int timeout_sec, int *ret_status, GString *stdout_into, char **ret_stderr, GError **error) {
        g_auto(GStrv) argv = ovh_server_cli_argv(plan, arguments);
        g_auto(GStrv) envp = ovh_server_cli_environ(plan);
        OvhRunAs run = {
                .account = plan->account,
                .umask = plan->config->umask,
                .filter = filter && filter->main ? filter : NULL,
                .argv = argv,
                .envp = envp,
                .cwd = plan->account->home,
                .timeout_sec = timeout_sec,
                .capture_stderr = ret_stderr != NULL,
                .stdout_into = stdout_into,
        };
        fflush(stdout);
        fflush(stderr);
        return ovh_run_as_account(&run, ret_status, ret_stderr, error);
}

/* The launcher's own failure before it became the CLI: its "<N>" lines
 * at error priority (sd-daemon prefixes), which VS Code's CLI never
 * writes. Every launcher line is taken out of the CLI's stderr. */
static char *launcher_error(GString *err) {
        g_auto(GStrv) lines = g_strsplit(err->str, "\n", -1);
        g_autoptr(GString) rest = g_string_new(NULL);
        char *first_error = NULL;

        for (char **l = lines; *l; l++) {
                const char *line = *l;
                bool prefixed = line[0] == '<' && line[1] >= '0' && line[1] <= '7' && line[2] == '>';
                if (prefixed && line[1] <= '3' && !first_error)
                        first_error = g_strdup(line + 3);
                else if (!prefixed)
                        g_string_append_printf(rest, "%s%s", rest->len ? "\n" : "", line);
        }
        g_string_assign(err, rest->str);
        return first_error;
}

int ovh_server_cli_run_in_unit(sd_bus *bus, const OvhServerCliInUnit *cli, int *ret_status, GString **ret_out,
                               GString **ret_err, GError **error) {
        g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
        g_auto(GStrv) bind_paths = NULL, read_write_paths = NULL;
        g_auto(OvhSandboxedResult) result = {};
        int r;

        g_ptr_array_add(argv, g_strdup(OVH_LAUNCHER_PATH));
        if (cli->instance)
                g_ptr_array_add(argv, g_strdup_printf("--user=%s", cli->instance));
        g_ptr_array_add(argv, g_strdup("--run-cli"));
        if (cli->server_root)
                g_ptr_array_add(argv, g_strdup_printf("--server-root=%s", cli->server_root));
        g_ptr_array_add(argv, g_strdup("--"));
        for (char *const *a = cli->arguments; *a; a++)
                g_ptr_array_add(argv, g_strdup(*a));
        g_ptr_array_add(argv, NULL);

        if (!cli->instance && !g_str_equal(cli->account->name, OVH_DEFAULT_USER)) {
                char *home[] = { cli->account->home, NULL };
                OvhUnitHomeAccess access = ovh_unit_home_access(cli->account->home);
                if (access == OVH_UNIT_HOME_BIND)
                        bind_paths = g_strdupv(home);
                else if (access == OVH_UNIT_HOME_READ_WRITE)
                        read_write_paths = g_strdupv(home);
        }
        g_autofree char *description =
                g_strdup_printf("VS Code's CLI for %s (openvscodectl %s)", cli->service, cli->verb);
        OvhSandboxedCommand command = {
                .service = cli->service,
                .name_prefix = "openvscode-server-cli",
                .description = description,
                .argv = (char *const *) argv->pdata,
                .user = cli->account->name,
                .group = cli->account->group_name,
                .bind_paths = bind_paths,
                .read_write_paths = read_write_paths,
                .timeout_sec = cli->timeout_sec,
        };
        r = ovh_systemd_run_sandboxed(bus, &command, &result, error);
        if (r < 0)
                return r;
        g_autofree char *failure = launcher_error(result.err);
        if (failure && result.status != 0)
                return ovh_fail(error, result.status < 128 ? result.status : EX_SOFTWARE, EPERM, "%s", failure);
        *ret_status = result.status;
        *ret_out = g_steal_pointer(&result.out);
        *ret_err = g_steal_pointer(&result.err);
        return 0;
}

char *ovh_extensions_read_manifest(const OvhAccount *account) {
        g_autofree char *path =
                g_build_filename(account->home, OVH_STATE_SUBDIR, "extensions", "extensions.json", NULL);
        g_auto(OvhActingAs) as_account = OVH_ACTING_AS_INIT;
        char *manifest = NULL;

        if (ovh_acting_as_begin(&as_account, account, NULL) < 0)
                return NULL;
        (void) g_file_get_contents(path, &manifest, NULL, NULL);
        return manifest;
}

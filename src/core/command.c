/* SPDX-License-Identifier: MIT */
#include "command.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "ovh-error.h"

extern char **environ;

int ovh_command_run(char *const *argv, const char *input, char **ret_output, int *ret_status, GError **error) {
        g_autofree char *path = g_path_is_absolute(argv[0]) ? g_strdup(argv[0]) : g_find_program_in_path(argv[0]);
        _cleanup_close_pair_ int in[2] = { -1, -1 };
        _cleanup_close_pair_ int out[2] = { -1, -1 };
        int e;

        if (!path || access(path, X_OK) < 0)
                return ovh_fail(error, EX_UNAVAILABLE, ENOENT, "%s is not installed (not found in PATH); install it",
                                argv[0]);
        if ((input && pipe2(in, O_CLOEXEC) < 0) || (ret_output && pipe2(out, O_CLOEXEC) < 0)) {
                e = errno;
                return ovh_fail(error, EX_OSERR, e, "cannot run %s: %s", argv[0], g_strerror(e));
        }

        pid_t pid = fork();
        if (pid < 0) {
                e = errno;
                return ovh_fail(error, EX_OSERR, e, "cannot run %s: %s", argv[0], g_strerror(e));
        }
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (dup2(input ? in[0] : null, STDIN_FILENO) < 0)
                        _exit(127);
                if (ret_output && (dup2(out[1], STDOUT_FILENO) < 0 || dup2(out[1], STDERR_FILENO) < 0))
                        _exit(127);
                /* Our own signal dispositions must not leak into the tool. */
                signal(SIGPIPE, SIG_DFL);
                execve(path, argv, environ);
                _exit(127);
        }

        if (input) {
                ovh_closep(&in[0]);
                size_t left = strlen(input);
                const char *p = input;
                /* SIGPIPE from a tool that stopped reading must not kill us. */
                void (*old)(int) = signal(SIGPIPE, SIG_IGN);
                while (left > 0) {
                        ssize_t n = write(in[1], p, left);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n <= 0)
                                break;
                        p += n;
                        left -= (size_t) n;
                }
                signal(SIGPIPE, old);
                ovh_closep(&in[1]);
        }
        GString *collected = NULL;
        if (ret_output) {
                ovh_closep(&out[1]);
                collected = g_string_new(NULL);
                char buf[4096];
                for (;;) {
                        ssize_t n = read(out[0], buf, sizeof(buf));
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n <= 0)
                                break;
                        g_string_append_len(collected, buf, n);
                }
                ovh_closep(&out[0]);
        }

        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR) {
                        e = errno;
                        if (collected)
                                g_string_free(collected, TRUE);
                        return ovh_fail(error, EX_OSERR, e, "cannot wait for %s: %s", argv[0], g_strerror(e));
                }
        *ret_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (ret_output)
                *ret_output = g_string_free(collected, FALSE);
        return 0;
}

char *ovh_command_first_line(const char *output) {
        const char *p = output ? output : "";
        while (*p == '\n' || *p == ' ')
                p++;
        return g_strndup(p, strcspn(p, "\n"));
}

int ovh_command_run_checked(char *const *argv, const char *input, const char *what, GError **error) {
        g_autofree char *output = NULL;
        int status, r;

        r = ovh_command_run(argv, input, &output, &status, error);
        if (r < 0)
                return r;
        if (status == 0)
                return 0;
        g_autofree char *line = ovh_command_first_line(output);
        return ovh_fail(error, EX_OSERR, EIO, "%s failed (exit status %d): %s", what ? what : argv[0], status, line);
}

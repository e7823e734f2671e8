/* exec-timer: wall time of fork + execve + exit + wait for several commands,
 * interleaved round by round, each started the way systemd starts the
 * service: a listening socket on fd 3, LISTEN_FDS=1 and LISTEN_PID set to
 * the child's own pid.
 *
 *   exec-timer ROUNDS WARMUP :: NAME ARGV... [:: NAME ARGV...]...
 *
 * Prints one line per timed run, "NAME ROUND NANOSECONDS", on stdout.
 * Warm-up rounds run every command but print nothing. A command that does
 * not exit 0 is run once more with stderr shown, and exec-timer exits 1:
 * a figure for a launcher that refused to start is no figure.
 *
 * Why C and not the shell or python: the quantity of interest is around a
 * millisecond, and a harness that forks a python interpreter's worth of
 * address space or parses a shell line per run would add noise of the same
 * order. Here the parent is small and the child does only dup2 + execve. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

typedef struct {
        const char *name;
        char **argv;
} Command;

static int listening_socket(void) {
        struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd < 0 || bind(fd, (struct sockaddr *) &sin, sizeof(sin)) < 0 || listen(fd, 16) < 0) {
                perror("exec-timer: listening socket");
                exit(1);
        }
        /* Keep it off fd 3: dup2(3, 3) in the child would be a no-op that
         * leaves close-on-exec set, and the launcher would find no socket. */
        int high = fcntl(fd, F_DUPFD_CLOEXEC, 10);
        if (high < 0) {
                perror("exec-timer: F_DUPFD_CLOEXEC");
                exit(1);
        }
        close(fd);
        return high;
}

/* The child's environment: ours, minus any LISTEN_*, plus LISTEN_FDS=1 and
 * a LISTEN_PID slot that the child fills in after fork (its pid is only
 * known there). */
static char **child_environment(char **listen_pid_slot) {
        size_t n = 0;
        for (char **e = environ; *e; e++)
                n++;
        char **env = calloc(n + 3, sizeof(char *));
        size_t k = 0;
        if (!env)
                exit(1);
        for (char **e = environ; *e; e++)
                if (strncmp(*e, "LISTEN_", 7) != 0)
                        env[k++] = *e;
        env[k++] = "LISTEN_FDS=1";
        *listen_pid_slot = malloc(32);
        if (!*listen_pid_slot)
                exit(1);
        env[k++] = *listen_pid_slot;
        env[k] = NULL;
        return env;
}

static double now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e9 + (double) ts.tv_nsec;
}

/* Returns the wait status. quiet: stdout and stderr to /dev/null, so the
 * launcher's one info line per start costs a write to /dev/null, not a
 * terminal. */
static int run_once(const Command *c, int socket_fd, char **env, char *listen_pid, int devnull, bool quiet,
                    double *elapsed_ns) {
        int status = 0;
        double t0 = now_ns();
        pid_t pid = fork();

        if (pid < 0) {
                perror("exec-timer: fork");
                exit(1);
        }
        if (pid == 0) {
                /* /dev/null first: it may itself be fd 3, which the socket
                 * then replaces. dup2 clears FD_CLOEXEC on the new
                 * descriptor, so fd 3 survives execve. */
                if (quiet && (dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0))
                        _exit(71);
                if (dup2(socket_fd, 3) < 0)
                        _exit(71);
                snprintf(listen_pid, 32, "LISTEN_PID=%d", (int) getpid());
                execve(c->argv[0], c->argv, env);
                _exit(errno == ENOENT ? 127 : 126);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR) {
                        perror("exec-timer: waitpid");
                        exit(1);
                }
        *elapsed_ns = now_ns() - t0;
        return status;
}

int main(int argc, char *argv[]) {
        Command commands[8];
        size_t n_commands = 0;
        char *listen_pid = NULL;

        if (argc < 5 || strcmp(argv[3], "::") != 0) {
                fprintf(stderr, "usage: exec-timer ROUNDS WARMUP :: NAME ARGV... [:: NAME ARGV...]...\n");
                return 64;
        }
        long rounds = strtol(argv[1], NULL, 10), warmup = strtol(argv[2], NULL, 10);
        if (rounds < 1 || warmup < 0) {
                fprintf(stderr, "exec-timer: ROUNDS must be >= 1 and WARMUP >= 0\n");
                return 64;
        }
        /* Split the rest at "::" in place: each command's argv ends where
         * the next "::" was. */
        for (int i = 3; i < argc; i++) {
                if (strcmp(argv[i], "::") != 0)
                        continue;
                argv[i] = NULL;
                if (i + 2 >= argc || n_commands == sizeof(commands) / sizeof(commands[0])) {
                        fprintf(stderr, "exec-timer: each '::' needs NAME and a program; at most 8 commands\n");
                        return 64;
                }
                commands[n_commands++] = (Command){ .name = argv[i + 1], .argv = &argv[i + 2] };
        }

        int socket_fd = listening_socket();
        int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (devnull < 0) {
                perror("exec-timer: /dev/null");
                return 1;
        }
        char **env = child_environment(&listen_pid);

        for (long round = -warmup; round < rounds; round++) {
                /* Rotate the order every round so that no command always
                 * runs right after the same other one (cache and
                 * frequency effects then fall on all of them alike). */
                for (size_t k = 0; k < n_commands; k++) {
                        const Command *c = &commands[((size_t) (round + warmup) + k) % n_commands];
                        double ns;
                        int status = run_once(c, socket_fd, env, listen_pid, devnull, true, &ns);
                        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                                fprintf(stderr, "exec-timer: %s: %s %d; its stderr when run again:\n", c->name,
                                        WIFEXITED(status) ? "exit status" : "killed by signal",
                                        WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
                                (void) run_once(c, socket_fd, env, listen_pid, devnull, false, &ns);
                                return 1;
                        }
                        if (round >= 0)
                                printf("%s %ld %.0f\n", c->name, round, ns);
                }
        }
        return fflush(stdout) == 0 ? 0 : 1;
}

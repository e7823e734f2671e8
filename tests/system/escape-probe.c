/* SPDX-License-Identifier: MIT */
/* The classic ways out of a sandbox, tried one at a time by the "ways out"
 * system test (tests/system/test-escape.sh) from inside the service and
 * outside it (the controls). Each attempt runs in a child process, so one
 * that the kernel or a filter answers with a signal cannot end the others,
 * and prints one line: "ok", the errno's name (EPERM), or "signal NAME".
 *
 *   escape-probe ptrace PID          PTRACE_ATTACH to PID
 *   escape-probe ptrace-child        PTRACE_ATTACH to a child of its own
 *   escape-probe io_uring            io_uring_setup(2)
 *   escape-probe userns              unshare(CLONE_NEWUSER)
 *   escape-probe tiocsti             TIOCSTI on a pty that is its controlling terminal
 *   escape-probe int80-getpid        getpid through int 0x80 (i386 ABI, x86_64 only)
 *   escape-probe int80-unshare       unshare(CLONE_NEWUSER) through int 0x80
 *   escape-probe connect PATH        connect to an AF_UNIX stream socket
 *   escape-probe open PATH           open(2) a file for reading
 *
 * Built by the test with the host's gcc and bound into the container. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif

/* The attempt's result as the child's exit status: 0 success, else errno. */
static int result(long r) {
        return r < 0 ? errno : 0;
}

static int try_ptrace(pid_t pid) {
        if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0)
                return errno;
        waitpid(pid, NULL, __WALL);
        ptrace(PTRACE_DETACH, pid, NULL, NULL);
        return 0;
}

static int try_ptrace_child(void) {
        pid_t pid = fork();
        if (pid < 0)
                return errno;
        if (pid == 0) {
                pause();
                _exit(0);
        }
        int r = try_ptrace(pid);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return r;
}

static int try_io_uring(void) {
        unsigned char params[120] = { 0 }; /* struct io_uring_params */
        long fd = syscall(__NR_io_uring_setup, 1, params);
        return result(fd);
}

static int try_tiocsti(void) {
        int master = posix_openpt(O_RDWR | O_NOCTTY);
        if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
                return errno;
        /* A session of its own, with the pty as its controlling terminal:
         * the kernel itself then allows TIOCSTI to anyone (legacy_tiocsti),
         * so a refusal is the sandbox's. */
        if (setsid() < 0)
                return errno;
        int tty = open(ptsname(master), O_RDWR);
        if (tty < 0)
                return errno;
        if (ioctl(tty, TIOCSCTTY, 0) < 0)
                return errno;
        char c = '\n';
        return result(ioctl(tty, TIOCSTI, &c));
}

#if defined(__x86_64__)
static long int80(long nr, long arg) {
        long r;
        __asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(arg) : "memory");
        return r;
}
#define I386_GETPID 20
#define I386_UNSHARE 310
static int try_int80(long nr, long arg) {
        long r = int80(nr, arg);
        return r < 0 && r > -4096 ? (int) -r : 0;
}
#endif

static int try_connect(const char *path) {
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        if (strlen(path) >= sizeof(addr.sun_path))
                return ENAMETOOLONG;
        strcpy(addr.sun_path, path);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return errno;
        return result(connect(fd, (struct sockaddr *) &addr, sizeof(addr)));
}

static int attempt(int argc, char **argv) {
        const char *what = argv[1];
        if (strcmp(what, "ptrace") == 0 && argc == 3)
                return try_ptrace((pid_t) atoi(argv[2]));
        if (strcmp(what, "ptrace-child") == 0)
                return try_ptrace_child();
        if (strcmp(what, "io_uring") == 0)
                return try_io_uring();
        if (strcmp(what, "userns") == 0)
                return result(unshare(CLONE_NEWUSER));
        if (strcmp(what, "tiocsti") == 0)
                return try_tiocsti();
#if defined(__x86_64__)
        if (strcmp(what, "int80-getpid") == 0)
                return try_int80(I386_GETPID, 0);
        if (strcmp(what, "int80-unshare") == 0)
                return try_int80(I386_UNSHARE, CLONE_NEWUSER);
#endif
        if (strcmp(what, "connect") == 0 && argc == 3)
                return try_connect(argv[2]);
        if (strcmp(what, "open") == 0 && argc == 3)
                return result(open(argv[2], O_RDONLY | O_CLOEXEC));
        fprintf(stderr, "escape-probe: unknown attempt %s\n", what);
        return -1;
}

int main(int argc, char **argv) {
        if (argc < 2) {
                fprintf(stderr, "usage: escape-probe ATTEMPT [ARG]\n");
                return 64;
        }
        pid_t pid = fork();
        if (pid < 0) {
                perror("fork");
                return 71;
        }
        if (pid == 0) {
                int r = attempt(argc, argv);
                _exit(r < 0 ? 255 : r);
        }
        int status;
        if (waitpid(pid, &status, 0) < 0) {
                perror("waitpid");
                return 71;
        }
        if (WIFSIGNALED(status)) {
                printf("signal SIG%s\n", sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?");
                return 1;
        }
        int code = WEXITSTATUS(status);
        if (code == 255)
                return 64;
        if (code == 0) {
                printf("ok\n");
                return 0;
        }
        printf("%s\n", strerrorname_np(code) ? strerrorname_np(code) : "?");
        return 1;
}

/* SPDX-License-Identifier: MIT */
/* The sandbox-cost bench's worst case (tests/bench/sandbox-cost.sh): a
 * loop of the calls that bypass the kernel's seccomp action cache in the
 * unit (openat, judged by its mode argument; ioctl, by its request), and of
 * one the cache answers (getppid), so that the stack's cost per call shows
 * without the noise of real work around it.
 *
 *   syscall-loop N      N rounds of openat+close, ioctl(TCGETS), getppid
 *
 * Static, so that it runs the same in any root. Exit 0, or 1 when a call
 * fails in a way it should not. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

int main(int argc, char **argv) {
        long n = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
        struct termios t;
        if (n <= 0) {
                fprintf(stderr, "usage: syscall-loop N\n");
                return 1;
        }
        for (long i = 0; i < n; i++) {
                int fd = openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                        perror("syscall-loop: openat /dev/null");
                        return 1;
                }
                /* /dev/null is no terminal: ENOTTY, after the filters ran */
                (void) ioctl(fd, TCGETS, &t);
                close(fd);
                (void) syscall(SYS_getppid);
        }
        return 0;
}

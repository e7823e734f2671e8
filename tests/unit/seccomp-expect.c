/* SPDX-License-Identifier: MIT */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create() */
#endif

#include "seccomp-expect.h"

#include "../lib/bpf-eval.h"

#include <errno.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Direct syscall numbers are all below this on every arch libseccomp knows;
 * it bounds the reverse lookup in direct_syscall_nr(). */
#define SYSCALL_NR_SCAN_LIMIT 1024

int seccomp_expect_audit_arch(uint32_t scmp_arch, uint32_t *ret_audit_arch) {
        if (!ret_audit_arch)
                return -EINVAL;

        if (scmp_arch == SCMP_ARCH_NATIVE)
                scmp_arch = seccomp_arch_native();

        /* libseccomp has no query for a valid token; every arch has read(),
         * so a failed lookup means the token is not an arch. */
        if (seccomp_syscall_resolve_name_arch(scmp_arch, "read") == __NR_SCMP_ERROR)
                return -EINVAL;

        /* In libseccomp 2.5 x32 is the only ABI whose token is not the
         * AUDIT_ARCH_* value its filters compare against. */
        *ret_audit_arch = scmp_arch == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : scmp_arch;
        return 0;
}

static bool is_multiplexed_pseudo_nr(int nr) {
        return (nr <= __PNR_socket && nr >= __PNR_sendmmsg) || (nr <= __PNR_semop && nr >= __PNR_shmctl);
}

/* For socket and SysV IPC calls on i386 (and the other multiplexing ABIs)
 * libseccomp resolves the name to a negative pseudo number that stands for
 * both paths, and keeps the direct number to itself; find it by resolving
 * numbers back to names. */
static int direct_syscall_nr(uint32_t scmp_arch, const char *syscall_name) {
        for (int nr = 0; nr < SYSCALL_NR_SCAN_LIMIT; nr++) {
                char *name = seccomp_syscall_resolve_num_arch(scmp_arch, nr);
                bool same = name && strcmp(name, syscall_name) == 0;

                free(name);
                if (same)
                        return nr;
        }
        return -ENOENT;
}

int seccomp_expect_syscall_nr(uint32_t scmp_arch, const char *syscall_name, int *ret_nr) {
        uint32_t audit_arch;
        int nr, r;

        if (!syscall_name || !ret_nr)
                return -EINVAL;

        r = seccomp_expect_audit_arch(scmp_arch, &audit_arch);
        if (r < 0)
                return r;
        if (scmp_arch == SCMP_ARCH_NATIVE)
                scmp_arch = seccomp_arch_native();

        nr = seccomp_syscall_resolve_name_arch(scmp_arch, syscall_name);
        if (nr == __NR_SCMP_ERROR)
                return -ENOENT;
        if (is_multiplexed_pseudo_nr(nr))
                nr = direct_syscall_nr(scmp_arch, syscall_name);
        /* Any other negative number is libseccomp's placeholder for a
         * syscall this ABI lacks (__PNR_*): the kernel never sees it. */
        if (nr < 0)
                return -ENOENT;

        *ret_nr = nr;
        return 0;
}

int seccomp_expect_action_nr(const struct sock_filter *prog, size_t len, uint32_t audit_arch, int nr,
                             const uint64_t args[6], uint32_t *ret_action) {
        struct seccomp_data data = {
                .nr = nr,
                .arch = audit_arch,
        };

        if (args)
                memcpy(data.args, args, sizeof(data.args));

        return bpf_eval(prog, len, &data, ret_action);
}

int seccomp_expect_action(const struct sock_filter *prog, size_t len, uint32_t scmp_arch, const char *syscall_name,
                          const uint64_t args[6], uint32_t *ret_action) {
        uint32_t audit_arch;
        int nr, r;

        r = seccomp_expect_audit_arch(scmp_arch, &audit_arch);
        if (r < 0)
                return r;

        r = seccomp_expect_syscall_nr(scmp_arch, syscall_name, &nr);
        if (r < 0)
                return r;

        return seccomp_expect_action_nr(prog, len, audit_arch, nr, args, ret_action);
}

const char *seccomp_expect_action_to_string(uint32_t action, char buf[static SECCOMP_EXPECT_ACTION_STRING_MAX]) {
        static const struct {
                uint32_t action;
                const char *name;
                bool has_data;
        } names[] = {
                { SECCOMP_RET_KILL_PROCESS, "KILL_PROCESS", false },
                { SECCOMP_RET_KILL_THREAD, "KILL_THREAD", false },
                { SECCOMP_RET_TRAP, "TRAP", false },
                { SECCOMP_RET_ERRNO, "ERRNO", true },
                { SECCOMP_RET_USER_NOTIF, "USER_NOTIF", false },
                { SECCOMP_RET_TRACE, "TRACE", true },
                { SECCOMP_RET_LOG, "LOG", false },
                { SECCOMP_RET_ALLOW, "ALLOW", false },
        };
        uint32_t kind = action & SECCOMP_RET_ACTION_FULL;
        uint32_t data = action & SECCOMP_RET_DATA;

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                if (names[i].action != kind)
                        continue;
                /* Data is shown whenever it is there, so two different
                 * return values never print the same. */
                if (names[i].has_data || data != 0)
                        snprintf(buf, SECCOMP_EXPECT_ACTION_STRING_MAX, "%s(%u)", names[i].name, data);
                else
                        snprintf(buf, SECCOMP_EXPECT_ACTION_STRING_MAX, "%s", names[i].name);
                return buf;
        }

        snprintf(buf, SECCOMP_EXPECT_ACTION_STRING_MAX, "0x%08x", action);
        return buf;
}

int bpf_export_filter(const scmp_filter_ctx filter, struct sock_filter **ret_prog, size_t *ret_len) {
        struct sock_filter *prog = NULL;
        struct stat st;
        size_t size, done = 0;
        int fd, r;

        if (!filter || !ret_prog || !ret_len)
                return -EINVAL;

        /* libseccomp 2.5 exports only to a file descriptor; a memfd keeps the
         * program off the file system and has no pipe-buffer size limit. */
        fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
        if (fd < 0)
                return -errno;

        r = seccomp_export_bpf(filter, fd);
        if (r < 0)
                goto finish;

        if (fstat(fd, &st) < 0) {
                r = -errno;
                goto finish;
        }
        size = (size_t) st.st_size;
        if (size == 0 || size % sizeof(struct sock_filter) != 0) {
                r = -EIO;
                goto finish;
        }

        prog = malloc(size);
        if (!prog) {
                r = -ENOMEM;
                goto finish;
        }

        while (done < size) {
                ssize_t n = pread(fd, (unsigned char *) prog + done, size - done, (off_t) done);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        goto finish;
                }
                if (n == 0) {
                        r = -EIO;
                        goto finish;
                }
                done += (size_t) n;
        }

        *ret_prog = prog;
        *ret_len = size / sizeof(struct sock_filter);
        prog = NULL;
        r = 0;

finish:
        free(prog);
        close(fd);
        return r;
}

/* SPDX-License-Identifier: MIT */
/*
 * probe: a stand-in for node that the integration tests configure as Node=.
 *
 * The launcher execs it exactly as it would exec the real server, so whatever
 * this program sees (identity, capabilities, seccomp, fds, argv, environment)
 * is what VS Code's server would see. It serves ONE connection on fd 3 (the
 * socket systemd passed) and answers line commands on it:
 *
 *   identity        uid/gid/groups, Cap* lines, NoNewPrivs, Seccomp, umask,
 *                   cwd, open fds, argv, environment
 *   syscalls        deny.NAME=ERRNO for each syscall the sandbox must refuse,
 *                   works.NAME=ok for what the IDE needs, ns.NAME for
 *                   namespace creation
 *   userns          the privileged syscalls retried inside a fresh user
 *                   namespace (only possible unfiltered or AllowNamespaces=yes)
 *   report          identity + syscalls + userns
 *   pid             this process's pid
 *   exec CMD        run /bin/bash -lc CMD inside the sandbox, output on pipes
 *   exec-pty CMD    the same on a new pty as controlling terminal (how the
 *                   IDE's terminals run)
 *   quit            close and exit 0 (so does end of file)
 *
 * Every answer is key=value lines followed by a line holding only ".".
 *
 * The same binary run WITHOUT the launcher (as the same account, on a socket
 * from systemd-socket-activate) gives the kernel's own answers: every syscall
 * case uses arguments for which the unfiltered kernel fails differently
 * (bad pointer -> EFAULT, bad fd -> EBADF, bad flags -> EINVAL, ...), so an
 * EPERM in the sandboxed run can only come from the filter.
 *
 * Run as root it also reads a running process's seccomp filter and
 * evaluates it (the only way to test compat-ABI rules on a machine that
 * cannot execute 32-bit binaries):
 *
 *   probe --filter-eval PID < queries
 *
 * where each query line is "LABEL ARCH NR A0 A1 A2 A3 A4 A5" (ARCH: x86_64,
 * i386, x32, aarch64, arm; NR a number, or a syscall name for the native
 * arch) and the answer is "LABEL=ALLOW", "LABEL=ERRNO:EPERM", "LABEL=KILL..."
 * ("probe --filter-eval PID --builtin" also evaluates the built-in cases),
 * with the test kit's evaluator (tests/lib/bpf-eval.c, built into the probe).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "../lib/bpf-eval.h"

/* A pointer the kernel cannot read: page zero is never mapped
 * (vm.mmap_min_addr), so any copy_from_user() from it fails with EFAULT. */
#define BAD 16UL

/* Names this architecture's headers may lack. Such a case reports
 * "undefined" instead of silently passing. */
#define NR_UNDEFINED (-1L)
#ifndef SYS_umount2
#define SYS_umount2 NR_UNDEFINED
#endif
#ifndef SYS_iopl
#define SYS_iopl NR_UNDEFINED
#endif
#ifndef SYS_ioperm
#define SYS_ioperm NR_UNDEFINED
#endif
#ifndef SYS_modify_ldt
#define SYS_modify_ldt NR_UNDEFINED
#endif
#ifndef SYS_kexec_file_load
#define SYS_kexec_file_load NR_UNDEFINED
#endif
#ifndef SYS_lookup_dcookie
#define SYS_lookup_dcookie NR_UNDEFINED
#endif
#ifndef SYS_nfsservctl
#define SYS_nfsservctl NR_UNDEFINED
#endif
#ifndef SYS_uselib
#define SYS_uselib NR_UNDEFINED
#endif
#ifndef SYS_ustat
#define SYS_ustat NR_UNDEFINED
#endif
#ifndef SYS_sysfs
#define SYS_sysfs NR_UNDEFINED
#endif
#ifndef SYS__sysctl
#define SYS__sysctl NR_UNDEFINED
#endif
#ifndef SYS_vhangup
#define SYS_vhangup NR_UNDEFINED
#endif
#ifndef SYS_create_module
#define SYS_create_module NR_UNDEFINED
#endif
#ifndef SYS_get_kernel_syms
#define SYS_get_kernel_syms NR_UNDEFINED
#endif
#ifndef SYS_query_module
#define SYS_query_module NR_UNDEFINED
#endif
#ifndef SYS_getpmsg
#define SYS_getpmsg NR_UNDEFINED
#endif
#ifndef SYS_putpmsg
#define SYS_putpmsg NR_UNDEFINED
#endif
#ifndef SYS_afs_syscall
#define SYS_afs_syscall NR_UNDEFINED
#endif
#ifndef SYS_tuxcall
#define SYS_tuxcall NR_UNDEFINED
#endif
#ifndef SYS_security
#define SYS_security NR_UNDEFINED
#endif
#ifndef SYS_vserver
#define SYS_vserver NR_UNDEFINED
#endif
#ifndef SYS_quotactl_fd
#define SYS_quotactl_fd NR_UNDEFINED
#endif
#ifndef SYS_set_mempolicy_home_node
#define SYS_set_mempolicy_home_node NR_UNDEFINED
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr NR_UNDEFINED
#endif
#ifndef SYS_process_madvise
#define SYS_process_madvise NR_UNDEFINED
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd NR_UNDEFINED
#endif
#ifndef SYS_open_tree
#define SYS_open_tree NR_UNDEFINED
#endif
#ifndef SYS_move_mount
#define SYS_move_mount NR_UNDEFINED
#endif
#ifndef SYS_fsopen
#define SYS_fsopen NR_UNDEFINED
#endif
#ifndef SYS_fsconfig
#define SYS_fsconfig NR_UNDEFINED
#endif
#ifndef SYS_fsmount
#define SYS_fsmount NR_UNDEFINED
#endif
#ifndef SYS_fspick
#define SYS_fspick NR_UNDEFINED
#endif
#ifndef SYS_clone3
#define SYS_clone3 NR_UNDEFINED
#endif
#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup NR_UNDEFINED
#endif
#ifndef SYS_io_uring_enter
#define SYS_io_uring_enter NR_UNDEFINED
#endif
#ifndef SYS_io_uring_register
#define SYS_io_uring_register NR_UNDEFINED
#endif
#ifndef SYS_kexec_load
#define SYS_kexec_load NR_UNDEFINED
#endif
/* Since Linux 5.1 every architecture (but alpha) numbers new syscalls the
 * same from 424 on, so one number is right wherever the headers predate it.
 * open_tree_attr (6.15) is open_tree plus mount_setattr in one call: a
 * filter written against older headers may miss it. */
#ifndef SYS_open_tree_attr
#define SYS_open_tree_attr 467L
#endif

#define TIOCSTI_HIGH 0xdead000000005412UL /* the kernel truncates cmd to 32 bits */
#define HIGH_BITS 0xdead000000000000UL /* ditto for int/unsigned int arguments */
#define AF_ALG_NR 38UL
#define AF_VSOCK_NR 40UL
#define UFFD_USER_MODE_ONLY_FLAG 1UL
#define FAN_CLASS_NOTIF_REPORT_FID 0x200UL /* FAN_CLASS_NOTIF | FAN_REPORT_FID */
#define OPEN_TREE_CLONE_FLAG 1UL

/* One syscall attempt: raw number and six arguments. */
typedef struct {
        const char *name;
        long nr;
        unsigned long args[6];
} SyscallCase;

/* What the sandbox must refuse. The comment after each case is what the
 * unfiltered kernel answers an unprivileged caller, and why. */
static const SyscallCase deny_cases[] = {
        { "mount", SYS_mount, { BAD, BAD, BAD, 0, 0, 0 } }, /* EFAULT: strings copied before the capability check */
        { "umount2", SYS_umount2, { BAD, 0x100, 0, 0, 0, 0 } }, /* EINVAL: unknown flag checked first */
        { "pivot_root", SYS_pivot_root, { BAD, BAD, 0, 0, 0, 0 } }, /* EPERM: capability first; see userns.pivot_root */
        { "chroot", SYS_chroot, { BAD, 0, 0, 0, 0, 0 } }, /* EFAULT: path lookup first */
        { "swapon", SYS_swapon, { BAD, 0xffffffffUL, 0, 0, 0, 0 } }, /* EINVAL: flags checked first */
        { "swapoff", SYS_swapoff, { BAD, 0, 0, 0, 0, 0 } }, /* EPERM: capable() first; proven by --filter-eval */
        { "reboot", SYS_reboot, { 0, 0, 0, 0, 0, 0 } }, /* EPERM: capability first; see userns.reboot */
        { "init_module", SYS_init_module, { BAD, 0, BAD, 0, 0, 0 } }, /* ENOSYS without CONFIG_MODULES, else EPERM */
        { "finit_module", SYS_finit_module, { -1UL, BAD, 0, 0, 0, 0 } },
        { "delete_module", SYS_delete_module, { BAD, 0, 0, 0, 0, 0 } },
        { "kexec_load", SYS_kexec_load, { 0, 0, 0, 0, 0, 0 } }, /* ENOSYS without CONFIG_KEXEC, else EPERM */
        { "kexec_file_load", SYS_kexec_file_load, { -1UL, -1UL, 0, BAD, 0, 0 } },
        { "iopl", SYS_iopl, { 4, 0, 0, 0, 0, 0 } }, /* EINVAL (level > 3) or ENOSYS */
        { "ioperm", SYS_ioperm, { 65535, 16, 1, 0, 0, 0 } }, /* EINVAL (range) or ENOSYS */
        { "settimeofday", SYS_settimeofday, { BAD, BAD, 0, 0, 0, 0 } }, /* EFAULT: copied before the check */
        { "clock_settime", SYS_clock_settime, { CLOCK_REALTIME, BAD, 0, 0, 0, 0 } }, /* EFAULT */
        { "clock_adjtime", SYS_clock_adjtime, { CLOCK_REALTIME, BAD, 0, 0, 0, 0 } }, /* EFAULT */
        { "adjtimex", SYS_adjtimex, { BAD, 0, 0, 0, 0, 0 } }, /* EFAULT */
        { "modify_ldt", SYS_modify_ldt, { 1, BAD, 16, 0, 0, 0 } }, /* EFAULT: write_ldt copies first */
        { "bpf", SYS_bpf, { 0, BAD, 64, 0, 0, 0 } }, /* EFAULT: attr copied first */
        { "perf_event_open", SYS_perf_event_open, { BAD, 0, -1UL, -1UL, 0, 0 } }, /* EFAULT */
        { "userfaultfd",
          SYS_userfaultfd,
          { UFFD_USER_MODE_ONLY_FLAG | 2, 0, 0, 0, 0, 0 } }, /* EINVAL: user-mode-only is unprivileged, bit 1 invalid */
        { "keyctl", SYS_keyctl, { 0xdead, 0, 0, 0, 0, 0 } }, /* EOPNOTSUPP: unknown operation */
        { "add_key", SYS_add_key, { BAD, BAD, 0, 0, 0, 0 } }, /* EFAULT */
        { "request_key", SYS_request_key, { BAD, BAD, 0, 0, 0, 0 } }, /* EFAULT */
        { "io_uring_setup", SYS_io_uring_setup, { 1, BAD, 0, 0, 0, 0 } }, /* EFAULT */
        { "io_uring_enter", SYS_io_uring_enter, { -1UL, 0, 0, 0, 0, 0 } }, /* EBADF */
        { "io_uring_register",
          SYS_io_uring_register,
          { -1UL, 0, 0, 0, 0, 0 } }, /* EINVAL (opcode 0 without args) or EBADF */
        { "acct", SYS_acct, { BAD, 0, 0, 0, 0, 0 } }, /* EPERM: capable() first; proven by --filter-eval */
        { "quotactl", SYS_quotactl, { 0xff, BAD, 0, 0, 0, 0 } }, /* EINVAL: quota type >= MAXQUOTAS */
        { "lookup_dcookie", SYS_lookup_dcookie, { 0, BAD, 0, 0, 0, 0 } }, /* ENOSYS on current kernels */
        { "open_by_handle_at",
          SYS_open_by_handle_at,
          { -1UL, BAD, 0, 0, 0, 0 } }, /* EFAULT or EBADF, as the kernel orders its checks */
        { "setns", SYS_setns, { -1UL, 0, 0, 0, 0, 0 } }, /* EBADF */
        { "unshare", SYS_unshare, { CLONE_NEWUSER, 0, 0, 0, 0, 0 } }, /* ok: unprivileged user namespaces */
        /* CLONE_VFORK is not a valid unshare flag: the kernel says EINVAL
         * before any capability check, the filter must answer first. */
        { "unshare_newns", SYS_unshare, { CLONE_NEWNS | CLONE_VFORK, 0, 0, 0, 0, 0 } },
        { "unshare_newuts", SYS_unshare, { CLONE_NEWUTS | CLONE_VFORK, 0, 0, 0, 0, 0 } },
        { "unshare_newipc", SYS_unshare, { CLONE_NEWIPC | CLONE_VFORK, 0, 0, 0, 0, 0 } },
        { "unshare_newuser", SYS_unshare, { CLONE_NEWUSER | CLONE_VFORK, 0, 0, 0, 0, 0 } },
        { "unshare_newpid", SYS_unshare, { CLONE_NEWPID | CLONE_VFORK, 0, 0, 0, 0, 0 } },
        { "unshare_newnet", SYS_unshare, { CLONE_NEWNET | CLONE_VFORK, 0, 0, 0, 0, 0 } },
        { "unshare_newcgroup", SYS_unshare, { CLONE_NEWCGROUP | CLONE_VFORK, 0, 0, 0, 0, 0 } },
        { "unshare_newtime", SYS_unshare, { CLONE_NEWTIME | CLONE_VFORK, 0, 0, 0, 0, 0 } },
        /* CLONE_THREAD without CLONE_SIGHAND is EINVAL before anything is
         * created or any capability checked: only the filter says EPERM. */
        { "clone_newns", SYS_clone, { CLONE_NEWNS | CLONE_THREAD, 0, 0, 0, 0, 0 } },
        { "clone_newuts", SYS_clone, { CLONE_NEWUTS | CLONE_THREAD, 0, 0, 0, 0, 0 } },
        { "clone_newipc", SYS_clone, { CLONE_NEWIPC | CLONE_THREAD, 0, 0, 0, 0, 0 } },
        { "clone_newuser", SYS_clone, { CLONE_NEWUSER | CLONE_THREAD, 0, 0, 0, 0, 0 } },
        { "clone_newpid", SYS_clone, { CLONE_NEWPID | CLONE_THREAD, 0, 0, 0, 0, 0 } },
        { "clone_newnet", SYS_clone, { CLONE_NEWNET | CLONE_THREAD, 0, 0, 0, 0, 0 } },
        { "clone_newcgroup", SYS_clone, { CLONE_NEWCGROUP | CLONE_THREAD, 0, 0, 0, 0, 0 } },
        /* clone() uses only the low 32 bits of its flags: junk above must
         * not hide CLONE_NEWUSER from the filter. */
        { "clone_newuser_high", SYS_clone, { HIGH_BITS | CLONE_NEWUSER | CLONE_THREAD, 0, 0, 0, 0, 0 } },
        { "clone3", SYS_clone3, { BAD, 88, 0, 0, 0, 0 } }, /* EFAULT; the filter must say ENOSYS */
        { "personality_addr_no_randomize", SYS_personality, { ADDR_NO_RANDOMIZE, 0, 0, 0, 0, 0 } }, /* ok */
        { "personality_read_implies_exec", SYS_personality, { READ_IMPLIES_EXEC, 0, 0, 0, 0, 0 } }, /* ok */
        /* personality() takes an unsigned int: the high half is dropped */
        { "personality_high", SYS_personality, { HIGH_BITS | ADDR_NO_RANDOMIZE, 0, 0, 0, 0, 0 } }, /* ok */
        { "socket_vsock", SYS_socket, { AF_VSOCK_NR, SOCK_STREAM, 0, 0, 0, 0 } }, /* ok or EAFNOSUPPORT */
        { "socket_vsock_high",
          SYS_socket,
          { HIGH_BITS | AF_VSOCK_NR, SOCK_STREAM, 0, 0, 0, 0 } }, /* family is an int */
        { "socket_alg", SYS_socket, { AF_ALG_NR, SOCK_SEQPACKET, 0, 0, 0, 0 } },
        { "socket_alg_high", SYS_socket, { HIGH_BITS | AF_ALG_NR, SOCK_SEQPACKET, 0, 0, 0, 0 } },
        /* an invalid fd: the kernel says EBADF whatever the command */
        { "ioctl_tiocsti", SYS_ioctl, { -1UL, TIOCSTI, BAD, 0, 0, 0 } },
        { "ioctl_tioclinux", SYS_ioctl, { -1UL, TIOCLINUX, BAD, 0, 0, 0 } },
        { "ioctl_tiocsti_high", SYS_ioctl, { -1UL, TIOCSTI_HIGH, BAD, 0, 0, 0 } },
        { "sethostname", SYS_sethostname, { BAD, 5, 0, 0, 0, 0 } }, /* EPERM: capability first; see userns.* */
        { "setdomainname", SYS_setdomainname, { BAD, 5, 0, 0, 0, 0 } },
        { "syslog", SYS_syslog, { 3, BAD, 16, 0, 0, 0 } }, /* EPERM under dmesg_restrict; proven by --filter-eval */
        { "vhangup", SYS_vhangup, { 0, 0, 0, 0, 0, 0 } }, /* EPERM: capable() only */
        { "fanotify_init",
          SYS_fanotify_init,
          { FAN_CLASS_NOTIF_REPORT_FID, O_RDONLY, 0, 0, 0, 0 } }, /* ok: unprivileged since 5.13 */
        { "kcmp", SYS_kcmp, { 0x7fffffff, 0x7fffffff, 0, 0, 0, 0 } }, /* ESRCH */
        { "pidfd_getfd", SYS_pidfd_getfd, { -1UL, 0, 0, 0, 0, 0 } }, /* EBADF */
        { "process_madvise", SYS_process_madvise, { -1UL, 0, 0, 0, 0, 0 } }, /* EBADF */
        { "get_mempolicy", SYS_get_mempolicy, { 0, 0, 0, 0, 0xff, 0 } }, /* EINVAL: flags */
        { "set_mempolicy", SYS_set_mempolicy, { 0xff, 0, 0, 0, 0, 0 } }, /* EINVAL: mode */
        { "mbind", SYS_mbind, { 0, 0, 0xff, 0, 0, 0 } }, /* EINVAL: mode */
        { "migrate_pages", SYS_migrate_pages, { 0x7fffffff, 0, 0, 0, 0, 0 } }, /* ESRCH */
        { "move_pages", SYS_move_pages, { 0, 0, 0, 0, 0, 0xff } }, /* EINVAL: flags */
        { "fsopen", SYS_fsopen, { BAD, 0, 0, 0, 0, 0 } }, /* EPERM: capability first; see userns.fsopen */
        { "fsmount", SYS_fsmount, { -1UL, 0, 0, 0, 0, 0 } }, /* EPERM: ditto */
        { "fsconfig", SYS_fsconfig, { -1UL, 0, 0, 0, 0, 0 } }, /* EINVAL: negative fd */
        { "fspick", SYS_fspick, { -1UL, BAD, 0, 0, 0, 0 } }, /* EPERM: capability first; see userns.fspick */
        { "open_tree", SYS_open_tree, { (unsigned long) AT_FDCWD, BAD, 0, 0, 0, 0 } }, /* EFAULT */
        { "move_mount",
          SYS_move_mount,
          { -1UL, BAD, -1UL, BAD, 0, 0 } }, /* EPERM: capability first; see userns.move_mount */
        { "mount_setattr", SYS_mount_setattr, { -1UL, BAD, 0x80000000UL, BAD, 32, 0 } }, /* EINVAL: flags */
        { "nfsservctl", SYS_nfsservctl, { 0, 0, 0, 0, 0, 0 } }, /* ENOSYS */
        { "uselib", SYS_uselib, { BAD, 0, 0, 0, 0, 0 } }, /* ENOSYS or EFAULT */
        { "ustat", SYS_ustat, { 0, BAD, 0, 0, 0, 0 } }, /* EINVAL: no such device */
        { "sysfs", SYS_sysfs, { 99, 0, 0, 0, 0, 0 } }, /* EINVAL */
        { "_sysctl", SYS__sysctl, { BAD, 0, 0, 0, 0, 0 } }, /* ENOSYS */
        /* Refused by Docker's default profile too (the floor docs/seccomp-parity.md holds it to);
         * most are gone from current kernels (ENOSYS) */
        { "create_module", SYS_create_module, { 0, 0, 0, 0, 0, 0 } },
        { "get_kernel_syms", SYS_get_kernel_syms, { 0, 0, 0, 0, 0, 0 } },
        { "query_module", SYS_query_module, { 0, 0, 0, 0, 0, 0 } },
        { "getpmsg", SYS_getpmsg, { 0, 0, 0, 0, 0, 0 } },
        { "putpmsg", SYS_putpmsg, { 0, 0, 0, 0, 0, 0 } },
        { "afs_syscall", SYS_afs_syscall, { 0, 0, 0, 0, 0, 0 } },
        { "tuxcall", SYS_tuxcall, { 0, 0, 0, 0, 0, 0 } },
        { "security", SYS_security, { 0, 0, 0, 0, 0, 0 } },
        { "vserver", SYS_vserver, { 0, 0, 0, 0, 0, 0 } },
        { "quotactl_fd", SYS_quotactl_fd, { -1UL, 0xff, 0, 0, 0, 0 } }, /* EBADF */
        { "set_mempolicy_home_node", SYS_set_mempolicy_home_node, { 0, 0, 0, 0xff, 0, 0 } }, /* EINVAL: flags */
        { "open_tree_attr", SYS_open_tree_attr, { (unsigned long) AT_FDCWD, BAD, 0, 0, 0, 0 } }, /* EFAULT */
};

/* Retried inside a new user namespace (with new mount, UTS, IPC, net and
 * cgroup namespaces), where this account holds every capability: the
 * kernel then gets past its capability checks and fails on the argument,
 * so only a filter can still answer EPERM. */
static const SyscallCase userns_cases[] = {
        { "mount", SYS_mount, { BAD, BAD, BAD, 0, 0, 0 } }, /* EFAULT */
        { "umount2", SYS_umount2, { BAD, 0, 0, 0, 0, 0 } }, /* EFAULT */
        { "pivot_root", SYS_pivot_root, { BAD, BAD, 0, 0, 0, 0 } }, /* EFAULT */
        { "chroot", SYS_chroot, { BAD, 0, 0, 0, 0, 0 } }, /* EFAULT */
        { "sethostname", SYS_sethostname, { BAD, 5, 0, 0, 0, 0 } }, /* EFAULT */
        { "setdomainname", SYS_setdomainname, { BAD, 5, 0, 0, 0, 0 } }, /* EFAULT */
        { "fsopen", SYS_fsopen, { BAD, 0, 0, 0, 0, 0 } }, /* EFAULT */
        { "fsmount", SYS_fsmount, { -1UL, 0, 0, 0, 0, 0 } }, /* EBADF */
        { "fspick", SYS_fspick, { -1UL, BAD, 0, 0, 0, 0 } }, /* EFAULT */
        { "move_mount", SYS_move_mount, { -1UL, BAD, -1UL, BAD, 0, 0 } }, /* EFAULT */
        { "open_tree_clone",
          SYS_open_tree,
          { (unsigned long) AT_FDCWD, BAD, OPEN_TREE_CLONE_FLAG, 0, 0, 0 } }, /* EFAULT */
        { "mount_setattr", SYS_mount_setattr, { -1UL, BAD, 0, BAD, 32, 0 } }, /* EFAULT */
        { "open_tree_attr",
          SYS_open_tree_attr,
          { (unsigned long) AT_FDCWD, BAD, OPEN_TREE_CLONE_FLAG, 0, 0, 0 } }, /* EFAULT */
        { "setns", SYS_setns, { -1UL, 0, 0, 0, 0, 0 } }, /* EBADF: namespaces allowed */
        { "unshare_nested", SYS_unshare, { CLONE_NEWUSER, 0, 0, 0, 0, 0 } }, /* ok: namespaces allowed */
};

/* What --filter-eval checks is allowed: the IDE needs these. */
static const SyscallCase allow_cases[] = {
        { "ptrace", SYS_ptrace, { PTRACE_TRACEME, 0, 0, 0, 0, 0 } },
        { "process_vm_readv", SYS_process_vm_readv, { 1, 0, 0, 0, 0, 0 } },
        { "process_vm_writev", SYS_process_vm_writev, { 1, 0, 0, 0, 0, 0 } },
        { "clone", SYS_clone, { CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | SIGCHLD, 0, 0, 0, 0, 0 } },
        { "clone_thread",
          SYS_clone,
          { CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS |
                    CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID,
            0, 0, 0, 0, 0 } },
        { "personality_query", SYS_personality, { 0xffffffffUL, 0, 0, 0, 0, 0 } },
        { "personality_linux", SYS_personality, { 0, 0, 0, 0, 0, 0 } },
        { "socket_inet", SYS_socket, { AF_INET, SOCK_STREAM, 0, 0, 0, 0 } },
        { "socket_inet6", SYS_socket, { AF_INET6, SOCK_STREAM, 0, 0, 0, 0 } },
        { "socket_unix", SYS_socket, { AF_UNIX, SOCK_STREAM, 0, 0, 0, 0 } },
        { "socket_netlink", SYS_socket, { AF_NETLINK, SOCK_RAW, 0, 0, 0, 0 } },
        { "ioctl_tcgets", SYS_ioctl, { 0, TCGETS, 0, 0, 0, 0 } },
        { "ioctl_tiocsctty", SYS_ioctl, { 0, TIOCSCTTY, 0, 0, 0, 0 } },
        { "seccomp", SYS_seccomp, { SECCOMP_GET_ACTION_AVAIL, 0, 0, 0, 0, 0 } },
        { "name_to_handle_at", SYS_name_to_handle_at, { 0, 0, 0, 0, 0, 0 } },
        { "prctl", SYS_prctl, { PR_SET_NAME, 0, 0, 0, 0, 0 } },
        { "execve", SYS_execve, { 0, 0, 0, 0, 0, 0 } },
};

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* ---------------------------------------------------------------- output */

static int out_fd = -1;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
        char *line = NULL;
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&line, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        /* one write per line so children writing to the same connection
         * (the user-namespace case) never interleave inside a line */
        for (ssize_t done = 0; done < n;) {
                ssize_t w = write(out_fd, line + done, (size_t) (n - done));
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        break;
                done += w;
        }
        free(line);
}

/* Values may hold anything (argv, environment): keep one line per key. */
static void say_value(const char *key, const char *value) {
        size_t len = strlen(value);
        char *escaped = malloc(len * 2 + 1);
        char *p = escaped;

        if (!escaped)
                return;
        for (const char *s = value; *s; s++) {
                if (*s == '\\') {
                        *p++ = '\\';
                        *p++ = '\\';
                } else if (*s == '\n') {
                        *p++ = '\\';
                        *p++ = 'n';
                } else {
                        *p++ = *s;
                }
        }
        *p = '\0';
        say("%s=%s\n", key, escaped);
        free(escaped);
}

static const char *errno_name(int e) {
        static char buf[32];
        const char *name = strerrorname_np(e);

        if (name)
                return name;
        snprintf(buf, sizeof buf, "errno%d", e);
        return buf;
}

/* -------------------------------------------------------------- identity */

/* Taken before the probe opens anything, so the list is exactly what the
 * launcher handed over. */
static char startup_fds[512];
static int startup_fd3_flags = -2;

static void snapshot_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        int self;
        int fds[256];
        size_t n = 0;
        size_t off = 0;

        if (!d) {
                snprintf(startup_fds, sizeof startup_fds, "error:%s", errno_name(errno));
                return;
        }
        self = dirfd(d);
        for (struct dirent *de; (de = readdir(d));) {
                char *end;
                long fd = strtol(de->d_name, &end, 10);
                if (de->d_name[0] == '.' || *end || fd == self)
                        continue;
                if (n < ELEMENTSOF(fds))
                        fds[n++] = (int) fd;
        }
        closedir(d);
        /* readdir order is not numeric order */
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
                        int t = fds[j];
                        fds[j] = fds[j - 1];
                        fds[j - 1] = t;
                }
        startup_fds[0] = '\0';
        for (size_t i = 0; i < n && off < sizeof startup_fds; i++)
                off += (size_t) snprintf(startup_fds + off, sizeof startup_fds - off, "%s%d", i ? " " : "", fds[i]);
        startup_fd3_flags = fcntl(3, F_GETFD);
}

static void report_status_lines(void) {
        static const char *const keys[] = { "CapInh",     "CapPrm",  "CapEff",          "CapBnd", "CapAmb",
                                            "NoNewPrivs", "Seccomp", "Seccomp_filters", "Umask" };
        FILE *f = fopen("/proc/self/status", "re");
        char line[512];

        if (!f) {
                say("status=error:%s\n", errno_name(errno));
                return;
        }
        while (fgets(line, sizeof line, f)) {
                char *colon = strchr(line, ':');
                char *value;
                if (!colon)
                        continue;
                *colon = '\0';
                value = colon + 1;
                value += strspn(value, " \t");
                value[strcspn(value, "\n")] = '\0';
                for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                        if (strcmp(line, keys[i]) == 0)
                                say("%s=%s\n", strcmp(line, "Umask") == 0 ? "umask" : line, value);
        }
        fclose(f);
}

static char **saved_argv;
static int saved_argc;
extern char **environ;

static void report_fd3(void) {
        int listening = -1;
        socklen_t len = sizeof listening;
        struct sockaddr_storage sa;
        socklen_t salen = sizeof sa;
        struct stat st;

        say("fd3.cloexec=%s\n", startup_fd3_flags < 0 ? "closed" : (startup_fd3_flags & FD_CLOEXEC) ? "1" : "0");
        if (fstat(3, &st) < 0 || !S_ISSOCK(st.st_mode)) {
                say("fd3.socket=no\n");
                return;
        }
        say("fd3.socket=yes\n");
        if (getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0)
                say("fd3.listening=%d\n", listening);
        if (getsockname(3, (struct sockaddr *) &sa, &salen) == 0)
                say("fd3.family=%s\n", sa.ss_family == AF_INET    ? "AF_INET"
                                       : sa.ss_family == AF_INET6 ? "AF_INET6"
                                       : sa.ss_family == AF_UNIX  ? "AF_UNIX"
                                                                  : "other");
}

/* The server must be able to read the token file named on its command line
 * (it never sees the token anywhere else). */
static void report_token_file(void) {
        for (int i = 1; i + 1 < saved_argc; i++) {
                if (strcmp(saved_argv[i], "--connection-token-file") != 0)
                        continue;
                int fd = open(saved_argv[i + 1], O_RDONLY | O_CLOEXEC);
                struct stat st;
                if (fd < 0) {
                        say("tokenfile.readable=%s\n", errno_name(errno));
                        return;
                }
                if (fstat(fd, &st) == 0)
                        say("tokenfile.mode=%04o\ntokenfile.uid=%u\n", (unsigned) (st.st_mode & 07777),
                            (unsigned) st.st_uid);
                close(fd);
                say("tokenfile.readable=yes\n");
                return;
        }
        say("tokenfile.readable=no-argument\n");
}

static void report_identity(void) {
        uid_t ruid, euid, suid;
        gid_t rgid, egid, sgid;
        gid_t groups[NGROUPS_MAX];
        int ngroups;
        char cwd[PATH_MAX];
        char buf[8192];
        size_t off = 0;

        say("pid=%d\nppid=%d\n", (int) getpid(), (int) getppid());
        getresuid(&ruid, &euid, &suid);
        getresgid(&rgid, &egid, &sgid);
        say("uid=%u\ngid=%u\neuid=%u\negid=%u\nsuid=%u\nsgid=%u\n", ruid, rgid, euid, egid, suid, sgid);
        /* setfsuid() with an invalid id changes nothing and returns the current one */
        say("fsuid=%d\nfsgid=%d\n", setfsuid((uid_t) -1), setfsgid((gid_t) -1));
        ngroups = getgroups(ELEMENTSOF(groups), groups);
        buf[0] = '\0';
        for (int i = 0; i < ngroups && off < sizeof buf; i++)
                off += (size_t) snprintf(buf + off, sizeof buf - off, "%s%u", i ? " " : "", groups[i]);
        say("groups=%s\n", buf);
        report_status_lines();
        say("dumpable=%d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
        say("securebits=%d\n", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
        say("cwd=%s\n", getcwd(cwd, sizeof cwd) ? cwd : errno_name(errno));
        say("fds=%s\n", startup_fds);
        for (int fd = 0; fd <= 2; fd++) {
                char path[64];
                ssize_t n;
                snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
                n = readlink(path, buf, sizeof buf - 1);
                buf[n < 0 ? 0 : n] = '\0';
                snprintf(path, sizeof path, "fd.%d", fd);
                say_value(path, n < 0 ? "closed" : buf);
        }
        report_fd3();
        report_token_file();
        say("argc=%d\n", saved_argc);
        for (int i = 0; i < saved_argc; i++) {
                char key[32];
                snprintf(key, sizeof key, "argv[%d]", i);
                say_value(key, saved_argv[i]);
        }
        for (int i = 0; environ[i]; i++) {
                char key[32];
                snprintf(key, sizeof key, "env[%d]", i);
                say_value(key, environ[i]);
        }
}

/* -------------------------------------------------------------- syscalls */

/* Runs fn in a child so that a call that unexpectedly succeeds (a new
 * namespace, a changed personality, a new process) changes nothing here.
 * Returns "ok", an errno name, or how the child died. */
static const char *in_child(int (*fn)(const void *), const void *arg, char *buf, size_t size) {
        pid_t pid = fork();
        int status;

        if (pid < 0) {
                snprintf(buf, size, "fork:%s", errno_name(errno));
                return buf;
        }
        if (pid == 0) {
                int r = fn(arg);
                _exit(r < 0 ? 255 : r);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR) {
                        snprintf(buf, size, "waitpid:%s", errno_name(errno));
                        return buf;
                }
        if (WIFSIGNALED(status))
                snprintf(buf, size, "signal:%s", sigabbrev_np(WTERMSIG(status)) ?: "?");
        else if (WEXITSTATUS(status) == 0)
                snprintf(buf, size, "ok");
        else if (WEXITSTATUS(status) == 255)
                snprintf(buf, size, "failed");
        else
                snprintf(buf, size, "%s", errno_name(WEXITSTATUS(status)));
        return buf;
}

/* In the child: the raw call, errno as exit status. */
static int raw_call(const void *arg) {
        const SyscallCase *c = arg;
        pid_t self = getpid();
        long r;

        r = syscall(c->nr, c->args[0], c->args[1], c->args[2], c->args[3], c->args[4], c->args[5]);
        /* a clone that succeeded: the new process leaves at once */
        if (getpid() != self)
                _exit(0);
#ifdef __x86_64__
        /* the kernel returns modify_ldt's result as an unsigned int, so
         * its own errors arrive as large positive numbers (a filter's
         * errno arrives as usual) */
        if (c->nr == SYS_modify_ldt && r > 0 && (int) r < 0 && (int) r >= -4095) {
                errno = -(int) r;
                r = -1;
        }
#endif
        return r < 0 ? errno : 0;
}

static void report_cases(const char *prefix, const SyscallCase *cases, size_t n) {
        char buf[64];

        for (size_t i = 0; i < n; i++) {
                if (cases[i].nr == NR_UNDEFINED) {
                        say("%s.%s=undefined\n", prefix, cases[i].name);
                        continue;
                }
                say("%s.%s=%s\n", prefix, cases[i].name, in_child(raw_call, &cases[i], buf, sizeof buf));
        }
}

static int try_fork(const void *arg) {
        pid_t pid = fork();
        int status;

        if (pid < 0)
                return errno;
        if (pid == 0)
                _exit(0);
        if (waitpid(pid, &status, 0) < 0)
                return errno;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : ECHILD;
}

/* The clone a plain fork() makes (no namespace flags): must work. */
static int try_clone(const void *arg) {
        pid_t self = getpid();
        long pid = syscall(SYS_clone, (unsigned long) SIGCHLD, 0UL, 0UL, 0UL, 0UL);
        int status;

        if (pid < 0)
                return errno;
        if (getpid() != self)
                _exit(0);
        if (waitpid((pid_t) pid, &status, 0) < 0)
                return errno;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : ECHILD;
}

static void *thread_main(void *arg) {
        return arg;
}

/* glibc tries clone3 first and falls back to clone only on ENOSYS: threads
 * (node's workers, the libuv pool) depend on the filter answering ENOSYS. */
static int try_pthread(const void *arg) {
        pthread_t t;
        void *ret = NULL;
        int r = pthread_create(&t, NULL, thread_main, (void *) 0x1);

        if (r != 0)
                return r;
        r = pthread_join(t, &ret);
        if (r != 0)
                return r;
        return ret == (void *) 0x1 ? 0 : EIO;
}

/* How a debugger starts a program: the child asks to be traced and stops. */
static int try_ptrace_traceme(const void *arg) {
        pid_t pid = fork();
        int status;

        if (pid < 0)
                return errno;
        if (pid == 0) {
                if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
                        _exit(1);
                raise(SIGSTOP);
                _exit(0);
        }
        if (waitpid(pid, &status, 0) < 0)
                return errno;
        if (!WIFSTOPPED(status)) {
                return WIFEXITED(status) && WEXITSTATUS(status) == 1 ? EPERM : ECHILD;
        }
        errno = 0;
        if (ptrace(PTRACE_PEEKUSER, pid, NULL, NULL) < 0 && errno != 0) {
                int e = errno;
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                return e;
        }
        if (ptrace(PTRACE_DETACH, pid, NULL, NULL) < 0) {
                int e = errno;
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                return e;
        }
        if (waitpid(pid, &status, 0) < 0)
                return errno;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : ECHILD;
}

/* How a debugger attaches to a running process (gdb -p, strace -p). */
static int try_ptrace_attach(const void *arg) {
        pid_t pid = fork();
        int status;
        int r = 0;

        if (pid < 0)
                return errno;
        if (pid == 0) {
                for (;;)
                        pause();
        }
        if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0)
                r = errno;
        else if (waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status))
                r = ECHILD;
        else if (ptrace(PTRACE_DETACH, pid, NULL, NULL) < 0)
                r = errno;
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        return r;
}

static int try_process_vm_readv(const void *arg) {
        char src[] = "probe";
        char dst[sizeof src] = "";
        struct iovec local = { dst, sizeof dst };
        struct iovec remote = { src, sizeof src };

        if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != (ssize_t) sizeof src)
                return errno ? errno : EIO;
        return memcmp(src, dst, sizeof src) == 0 ? 0 : EIO;
}

static int try_personality_query(const void *arg) {
        return syscall(SYS_personality, 0xffffffffUL) < 0 ? errno : 0;
}

static int try_personality_linux(const void *arg) {
        return syscall(SYS_personality, (unsigned long) PER_LINUX) < 0 ? errno : 0;
}

static int try_socket(const void *arg) {
        const int *family = arg;
        int fd = socket(*family, *family == AF_NETLINK ? SOCK_RAW : SOCK_STREAM, 0);

        if (fd < 0)
                return errno;
        close(fd);
        return 0;
}

static int try_seccomp_action_avail(const void *arg) {
        uint32_t action = SECCOMP_RET_ERRNO;

        return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) < 0 ? errno : 0;
}

/* The kernel got the call if it answers anything but EPERM: a handle
 * (0), "buffer too small" (EOVERFLOW) or "this file system has none". */
static int try_name_to_handle_at(const void *arg) {
        struct {
                unsigned int handle_bytes;
                int handle_type;
                unsigned char f_handle[128];
        } fh = { .handle_bytes = 128 };
        int mount_id;

        if (syscall(SYS_name_to_handle_at, AT_FDCWD, "/", &fh, &mount_id, 0) == 0)
                return 0;
        return errno == EOVERFLOW || errno == EOPNOTSUPP ? 0 : errno;
}

static int try_ioctl_fionread(const void *arg) {
        int sv[2];
        int n = -1;
        int r;

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return errno;
        r = write(sv[0], "x", 1) == 1 && ioctl(sv[1], FIONREAD, &n) == 0 && n == 1 ? 0 : (errno ? errno : EIO);
        close(sv[0]);
        close(sv[1]);
        return r;
}

static int try_pty(const void *arg) {
        int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        struct winsize ws;
        int r = 0;

        if (master < 0)
                return errno;
        if (grantpt(master) < 0 || unlockpt(master) < 0 || ioctl(master, TIOCGWINSZ, &ws) < 0)
                r = errno;
        close(master);
        return r;
}

static int try_unshare_user(const void *arg) {
        return unshare(CLONE_NEWUSER) < 0 ? errno : 0;
}

static int try_unshare_user_mount(const void *arg) {
        return unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0 ? errno : 0;
}

static int try_clone_newuser(const void *arg) {
        pid_t self = getpid();
        long pid = syscall(SYS_clone, (unsigned long) (CLONE_NEWUSER | SIGCHLD), 0UL, 0UL, 0UL, 0UL);
        int status;

        if (pid < 0)
                return errno;
        if (getpid() != self)
                _exit(0);
        if (waitpid((pid_t) pid, &status, 0) < 0)
                return errno;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : ECHILD;
}

typedef struct {
        const char *name;
        int (*fn)(const void *);
        const void *arg;
} WorkCase;

static const int family_inet = AF_INET, family_inet6 = AF_INET6, family_unix = AF_UNIX, family_netlink = AF_NETLINK;

static const WorkCase works_cases[] = {
        { "fork", try_fork, NULL },
        { "clone", try_clone, NULL },
        { "pthread", try_pthread, NULL },
        { "ptrace", try_ptrace_traceme, NULL },
        { "ptrace_attach", try_ptrace_attach, NULL },
        { "process_vm_readv", try_process_vm_readv, NULL },
        { "personality_query", try_personality_query, NULL },
        { "personality_linux", try_personality_linux, NULL },
        { "socket_inet", try_socket, &family_inet },
        { "socket_inet6", try_socket, &family_inet6 },
        { "socket_unix", try_socket, &family_unix },
        { "socket_netlink", try_socket, &family_netlink },
        { "seccomp_get_action_avail", try_seccomp_action_avail, NULL },
        { "name_to_handle_at", try_name_to_handle_at, NULL },
        { "ioctl_fionread", try_ioctl_fionread, NULL },
        { "pty", try_pty, NULL },
};

/* Namespace creation: EPERM in the default sandbox, ok with
 * AllowNamespaces=yes (and unfiltered). */
static const WorkCase ns_cases[] = {
        { "unshare_user", try_unshare_user, NULL },
        { "unshare_user_mount", try_unshare_user_mount, NULL },
        { "clone_newuser", try_clone_newuser, NULL },
};

static void report_work_cases(const char *prefix, const WorkCase *cases, size_t n) {
        char buf[64];

        for (size_t i = 0; i < n; i++)
                say("%s.%s=%s\n", prefix, cases[i].name, in_child(cases[i].fn, cases[i].arg, buf, sizeof buf));
}

static void report_syscalls(void) {
        report_cases("deny", deny_cases, ELEMENTSOF(deny_cases));
        report_work_cases("works", works_cases, ELEMENTSOF(works_cases));
        report_work_cases("ns", ns_cases, ELEMENTSOF(ns_cases));
}

/* reboot() checks CAP_SYS_BOOT in the user namespace that owns the
 * caller's pid namespace: only a process inside a new one gets past it. */
static int try_reboot_in_pidns(const void *arg) {
        pid_t pid;
        int status;

        if (unshare(CLONE_NEWPID) < 0)
                return errno;
        pid = fork();
        if (pid < 0)
                return errno;
        if (pid == 0)
                _exit(syscall(SYS_reboot, 0UL, 0UL, 0UL, 0UL) < 0 ? errno : 0);
        if (waitpid(pid, &status, 0) < 0)
                return errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : ECHILD;
}

static int write_file(const char *path, const char *text) {
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = write(fd, text, strlen(text));
        n = n < 0 ? -errno : 0;
        close(fd);
        return (int) n;
}

/* Maps the account to root inside (as `unshare -r` does): without a
 * mapping a nested user namespace is refused by the kernel itself. */
static const char *map_self_as_root(uid_t outer_uid, gid_t outer_gid) {
        char map[64];
        int r;

        snprintf(map, sizeof map, "0 %u 1\n", (unsigned) outer_uid);
        if ((r = write_file("/proc/self/uid_map", map)) < 0)
                return errno_name(-r);
        snprintf(map, sizeof map, "0 %u 1\n", (unsigned) outer_gid);
        if ((r = write_file("/proc/self/setgroups", "deny\n")) < 0 || (r = write_file("/proc/self/gid_map", map)) < 0)
                return errno_name(-r);
        return "ok";
}

static void report_userns(void) {
        pid_t pid = fork();
        int status;

        if (pid < 0) {
                say("userns.setup=fork:%s\n", errno_name(errno));
                return;
        }
        if (pid == 0) {
                /* inside, before a mapping exists, ids read as the overflow id */
                uid_t outer_uid = geteuid();
                gid_t outer_gid = getegid();
                char buf[64];
                if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
                            CLONE_NEWCGROUP) < 0) {
                        say("userns.setup=%s\n", errno_name(errno));
                        _exit(0);
                }
                say("userns.setup=ok\n");
                say("userns.map=%s\n", map_self_as_root(outer_uid, outer_gid));
                report_cases("userns", userns_cases, ELEMENTSOF(userns_cases));
                say("userns.reboot=%s\n", in_child(try_reboot_in_pidns, NULL, buf, sizeof buf));
                _exit(0);
        }
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
}

/* -------------------------------------------------------------- workloads */

/* Relays a child's output as out= lines; carriage returns from a pty go. */
static void relay_output(int fd) {
        char chunk[4096];
        char line[8192];
        size_t len = 0;

        for (;;) {
                ssize_t n = read(fd, chunk, sizeof chunk);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) /* EOF, or EIO from a pty master once the slave is gone */
                        break;
                for (ssize_t i = 0; i < n; i++) {
                        if (chunk[i] == '\r')
                                continue;
                        if (chunk[i] == '\n' || len == sizeof line - 1) {
                                line[len] = '\0';
                                say("out=%s\n", line);
                                len = 0;
                                if (chunk[i] == '\n')
                                        continue;
                        }
                        line[len++] = chunk[i];
                }
        }
        if (len > 0) {
                line[len] = '\0';
                say("out=%s\n", line);
        }
}

static void report_exit(pid_t pid) {
        int status;

        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR) {
                        say("exit=waitpid:%s\n", errno_name(errno));
                        return;
                }
        if (WIFSIGNALED(status))
                say("exit=signal:%s\n", sigabbrev_np(WTERMSIG(status)) ?: "?");
        else
                say("exit=%d\n", WEXITSTATUS(status));
}

/* A workload gets at most this long; SIGALRM survives execve. */
#define WORKLOAD_TIMEOUT_SEC 600

static void exec_shell(const char *command) {
        /* node's child_process resets dispositions the same way */
        signal(SIGPIPE, SIG_DFL);
        alarm(WORKLOAD_TIMEOUT_SEC);
        execl("/bin/bash", "bash", "-lc", command, (char *) NULL);
        _exit(127);
}

static void run_piped(const char *command) {
        int pipefd[2];
        pid_t pid;

        if (pipe2(pipefd, O_CLOEXEC) < 0) {
                say("exit=pipe:%s\n", errno_name(errno));
                return;
        }
        pid = fork();
        if (pid < 0) {
                say("exit=fork:%s\n", errno_name(errno));
                return;
        }
        if (pid == 0) {
                int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (null < 0 || dup2(null, 0) < 0 || dup2(pipefd[1], 1) < 0 || dup2(pipefd[1], 2) < 0)
                        _exit(126);
                exec_shell(command);
        }
        close(pipefd[1]);
        relay_output(pipefd[0]);
        close(pipefd[0]);
        report_exit(pid);
}

/* Like the IDE's terminals: a new session whose controlling terminal is
 * a fresh pty, so job control and tty ioctls behave as they do there. */
static void run_on_pty(const char *command) {
        int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        pid_t pid;

        if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
                say("exit=pty:%s\n", errno_name(errno));
                if (master >= 0)
                        close(master);
                return;
        }
        pid = fork();
        if (pid < 0) {
                say("exit=fork:%s\n", errno_name(errno));
                close(master);
                return;
        }
        if (pid == 0) {
                const char *name = ptsname(master);
                int slave;
                struct winsize ws = { .ws_row = 24, .ws_col = 200 };
                if (setsid() < 0 || !name)
                        _exit(126);
                slave = open(name, O_RDWR);
                if (slave < 0 || ioctl(slave, TIOCSCTTY, 0) < 0 || ioctl(slave, TIOCSWINSZ, &ws) < 0)
                        _exit(126);
                if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0)
                        _exit(126);
                if (slave > 2)
                        close(slave);
                exec_shell(command);
        }
        relay_output(master);
        close(master);
        report_exit(pid);
}

/* ---------------------------------------------------------- filter-eval */

typedef struct {
        const char *name;
        uint32_t audit_arch;
        uint32_t nr_bias; /* x32 numbers carry __X32_SYSCALL_BIT */
} ArchName;

static const ArchName arch_names[] = {
        { "x86_64", AUDIT_ARCH_X86_64, 0 },   { "i386", AUDIT_ARCH_I386, 0 }, { "x32", AUDIT_ARCH_X86_64, 0x40000000u },
        { "aarch64", AUDIT_ARCH_AARCH64, 0 }, { "arm", AUDIT_ARCH_ARM, 0 },
};

#if defined(__x86_64__)
#define NATIVE_ARCH "x86_64"
#elif defined(__aarch64__)
#define NATIVE_ARCH "aarch64"
#else
#define NATIVE_ARCH NULL
#endif

typedef struct {
        struct sock_filter *insns;
        size_t len;
} Filter;

/* All filters run; the most restrictive action wins (the kernel compares
 * the action bits as a signed number, KILL_PROCESS being the lowest). Of
 * equal actions (two ERRNOs with different errnos) the most recently
 * installed filter's wins: the kernel runs the newest first and replaces
 * its answer only with a lower one. PTRACE_SECCOMP_GET_FILTER numbers the
 * filters from the oldest (index 0), so here the later one wins a tie. */
static uint32_t filters_run(const Filter *filters, size_t n, const struct seccomp_data *data) {
        uint32_t best = SECCOMP_RET_ALLOW;

        for (size_t i = 0; i < n; i++) {
                uint32_t r;
                /* Cannot fail: filter_eval() checked every program. */
                if (bpf_eval(filters[i].insns, filters[i].len, data, &r) < 0)
                        abort();
                if ((int32_t) (r & SECCOMP_RET_ACTION_FULL) <= (int32_t) (best & SECCOMP_RET_ACTION_FULL))
                        best = r;
        }
        return best;
}

static void print_action(const char *label, uint32_t r) {
        switch (r & SECCOMP_RET_ACTION_FULL) {
        case SECCOMP_RET_ALLOW:
                printf("%s=ALLOW\n", label);
                break;
        case SECCOMP_RET_ERRNO:
                printf("%s=ERRNO:%s\n", label, errno_name((int) (r & SECCOMP_RET_DATA)));
                break;
        case SECCOMP_RET_KILL_PROCESS:
                printf("%s=KILL_PROCESS\n", label);
                break;
        case SECCOMP_RET_KILL_THREAD:
                printf("%s=KILL_THREAD\n", label);
                break;
        case SECCOMP_RET_TRAP:
                printf("%s=TRAP\n", label);
                break;
        case SECCOMP_RET_TRACE:
                printf("%s=TRACE\n", label);
                break;
        case SECCOMP_RET_LOG:
                printf("%s=LOG\n", label);
                break;
        case SECCOMP_RET_USER_NOTIF:
                printf("%s=USER_NOTIF\n", label);
                break;
        default:
                printf("%s=0x%08" PRIx32 "\n", label, r);
                break;
        }
}

static void eval_case(const Filter *filters, size_t n, const char *label, const ArchName *arch, long nr,
                      const unsigned long args[6]) {
        struct seccomp_data data = { .nr = (int) ((uint32_t) nr | arch->nr_bias), .arch = arch->audit_arch };

        for (int i = 0; i < 6; i++)
                data.args[i] = args[i];
        print_action(label, filters_run(filters, n, &data));
}

static const ArchName *arch_by_name(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(arch_names); i++)
                if (strcmp(arch_names[i].name, name) == 0)
                        return &arch_names[i];
        return NULL;
}

static long native_nr_by_name(const char *name) {
        const SyscallCase *tables[] = { deny_cases, userns_cases, allow_cases };
        const size_t sizes[] = { ELEMENTSOF(deny_cases), ELEMENTSOF(userns_cases), ELEMENTSOF(allow_cases) };

        for (size_t t = 0; t < ELEMENTSOF(tables); t++)
                for (size_t i = 0; i < sizes[t]; i++)
                        if (strcmp(tables[t][i].name, name) == 0)
                                return tables[t][i].nr;
        return NR_UNDEFINED;
}

static int filter_eval(pid_t pid, bool builtin) {
        Filter filters[64];
        size_t n = 0;
        int status;
        char line[512];

        /* PTRACE_SECCOMP_GET_FILTER needs CAP_SYS_ADMIN, an unfiltered
         * tracer and a tracee in a ptrace stop. */
        if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0 || ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) < 0) {
                fprintf(stderr, "probe: cannot trace %d: %m\n", (int) pid);
                return 1;
        }
        if (waitpid(pid, &status, __WALL) < 0) {
                fprintf(stderr, "probe: waitpid %d: %m\n", (int) pid);
                return 1;
        }
        for (; n < ELEMENTSOF(filters); n++) {
                long len = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *) n, NULL);
                if (len < 0)
                        break;
                filters[n].len = (size_t) len;
                filters[n].insns = calloc((size_t) len, sizeof(struct sock_filter));
                if (!filters[n].insns || ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *) n, filters[n].insns) != len) {
                        fprintf(stderr, "probe: reading filter %zu: %m\n", n);
                        return 1;
                }
        }
        if (n == 0 && errno == EINVAL) {
                /* the kernel's answer for a process with no filter at all */
                ptrace(PTRACE_DETACH, pid, NULL, NULL);
                printf("filters=0\n");
                return 0;
        }
        if (n == 0 && errno != ENOENT) {
                fprintf(stderr, "probe: PTRACE_SECCOMP_GET_FILTER: %m\n");
                ptrace(PTRACE_DETACH, pid, NULL, NULL);
                return 1;
        }
        ptrace(PTRACE_DETACH, pid, NULL, NULL);
        /* The kernel hands back each program as it was loaded, so the
         * evaluator's load-time check must accept it; if it does not, the
         * evaluator and the kernel disagree, and no verdict can be trusted. */
        for (size_t i = 0; i < n; i++)
                if (bpf_check(filters[i].insns, filters[i].len) < 0) {
                        fprintf(stderr, "probe: filter %zu (%zu instructions) is refused by the evaluator\n", i,
                                filters[i].len);
                        return 1;
                }
        printf("filters=%zu\n", n);
        for (size_t i = 0; i < n; i++)
                printf("filter[%zu].instructions=%zu\n", i, filters[i].len);

        if (builtin && NATIVE_ARCH) {
                const ArchName *native = arch_by_name(NATIVE_ARCH);
                char label[128];
                for (size_t i = 0; i < ELEMENTSOF(deny_cases); i++) {
                        if (deny_cases[i].nr == NR_UNDEFINED)
                                continue;
                        snprintf(label, sizeof label, "deny.%s", deny_cases[i].name);
                        eval_case(filters, n, label, native, deny_cases[i].nr, deny_cases[i].args);
                }
                for (size_t i = 0; i < ELEMENTSOF(userns_cases); i++) {
                        if (userns_cases[i].nr == NR_UNDEFINED)
                                continue;
                        snprintf(label, sizeof label, "userns.%s", userns_cases[i].name);
                        eval_case(filters, n, label, native, userns_cases[i].nr, userns_cases[i].args);
                }
                for (size_t i = 0; i < ELEMENTSOF(allow_cases); i++) {
                        if (allow_cases[i].nr == NR_UNDEFINED)
                                continue;
                        snprintf(label, sizeof label, "allow.%s", allow_cases[i].name);
                        eval_case(filters, n, label, native, allow_cases[i].nr, allow_cases[i].args);
                }
        }

        while (fgets(line, sizeof line, stdin)) {
                char label[128], arch_name[32], nr_text[64];
                unsigned long args[6] = { 0 };
                const ArchName *arch;
                long nr;
                char *end;
                int fields = sscanf(line, "%127s %31s %63s %lu %lu %lu %lu %lu %lu", label, arch_name, nr_text,
                                    &args[0], &args[1], &args[2], &args[3], &args[4], &args[5]);
                if (fields < 3 || label[0] == '#')
                        continue;
                arch = arch_by_name(arch_name);
                if (!arch) {
                        printf("%s=unknown-arch\n", label);
                        continue;
                }
                nr = strtol(nr_text, &end, 0);
                if (*end) {
                        if (!NATIVE_ARCH || strcmp(arch_name, NATIVE_ARCH) != 0 ||
                            (nr = native_nr_by_name(nr_text)) == NR_UNDEFINED) {
                                printf("%s=undefined\n", label);
                                continue;
                        }
                }
                eval_case(filters, n, label, arch, nr, args);
        }
        for (size_t i = 0; i < n; i++)
                free(filters[i].insns);
        return 0;
}

/* ----------------------------------------------------------------- serve */

static int serve(void) {
        int conn;
        FILE *in;
        char *line = NULL;
        size_t cap = 0;

        /* neither the listening socket nor the connection may reach a
         * workload: a real server's children do not inherit them either */
        if (fcntl(3, F_SETFD, FD_CLOEXEC) < 0) {
                fprintf(stderr, "probe: fd 3 is not open: %m\n");
                return 1;
        }
        do
                conn = accept4(3, NULL, NULL, SOCK_CLOEXEC);
        while (conn < 0 && errno == EINTR);
        if (conn < 0) {
                fprintf(stderr, "probe: accept on fd 3: %m\n");
                return 1;
        }
        out_fd = conn;
        in = fdopen(fcntl(conn, F_DUPFD_CLOEXEC, 0), "re");
        if (!in)
                return 1;
        while (getline(&line, &cap, in) > 0) {
                line[strcspn(line, "\r\n")] = '\0';
                if (strcmp(line, "quit") == 0)
                        break;
                if (strcmp(line, "identity") == 0) {
                        report_identity();
                } else if (strcmp(line, "syscalls") == 0) {
                        report_syscalls();
                } else if (strcmp(line, "userns") == 0) {
                        report_userns();
                } else if (strcmp(line, "report") == 0) {
                        report_identity();
                        report_syscalls();
                        report_userns();
                } else if (strcmp(line, "pid") == 0) {
                        say("pid=%d\n", (int) getpid());
                } else if (strncmp(line, "exec ", 5) == 0) {
                        run_piped(line + 5);
                } else if (strncmp(line, "exec-pty ", 9) == 0) {
                        run_on_pty(line + 9);
                } else {
                        say_value("error", line);
                }
                say(".\n");
        }
        free(line);
        fclose(in);
        close(conn);
        return 0;
}

int main(int argc, char **argv) {
        snapshot_fds();
        saved_argc = argc;
        saved_argv = argv;

        if (argc >= 3 && strcmp(argv[1], "--filter-eval") == 0)
                return filter_eval((pid_t) atoi(argv[2]), argc >= 4 && strcmp(argv[3], "--builtin") == 0);
        /* a SIGPIPE from a client that went away must not look like a crash */
        signal(SIGPIPE, SIG_IGN);
        return serve();
}

/* SPDX-License-Identifier: MIT */
#include "sandbox.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "cleanup.h"
#include "config.h"
#include "ovh-error.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef AF_ALG
#define AF_ALG 38
#endif
#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif

#define G_MOUNT "@mount"
#define G_MODULE "@module"
#define G_REBOOT "@reboot"
#define G_SWAP "@swap"
#define G_RAWIO "@raw-io"
#define G_CLOCK "@clock"
#define G_OBSOLETE "@obsolete"
#define G_CPUEMU "@cpu-emulation"
#define G_NS "@namespaces"

/* Default allow, deny what an IDE never needs and what container escapes
 * and kernel exploits use. The rows cover the @groups below and every
 * syscall Docker's default profile refuses an unprivileged container
 * (the IDE's users expect what runs in that container to run here). */
static const OvhDenyRule deny_table[] = {
        { "chroot", G_MOUNT, "changes the root directory; the IDE never needs it" },
        { "fsconfig", G_MOUNT, "new mount API: mounts are the classic container escape" },
        { "fsmount", G_MOUNT, "new mount API" },
        { "fsopen", G_MOUNT, "new mount API" },
        { "fspick", G_MOUNT, "new mount API" },
        { "mount", G_MOUNT, "mounting file systems" },
        { "mount_setattr", G_MOUNT, "changes mount properties" },
        { "move_mount", G_MOUNT, "new mount API" },
        { "open_tree", G_MOUNT, "new mount API" },
        { "pivot_root", G_MOUNT, "changes the root mount" },
        { "umount", G_MOUNT, "unmounting" },
        { "umount2", G_MOUNT, "unmounting" },
        { "delete_module", G_MODULE, "kernel modules" },
        { "finit_module", G_MODULE, "kernel modules" },
        { "init_module", G_MODULE, "kernel modules" },
        { "create_module", G_MODULE, "kernel modules (obsolete)" },
        { "query_module", G_MODULE, "kernel modules (obsolete)" },
        { "get_kernel_syms", G_MODULE, "kernel modules (obsolete)" },
        { "kexec_file_load", G_REBOOT, "loads a new kernel" },
        { "kexec_load", G_REBOOT, "loads a new kernel" },
        { "reboot", G_REBOOT, "reboots the machine" },
        { "swapon", G_SWAP, "swap configuration" },
        { "swapoff", G_SWAP, "swap configuration" },
        { "ioperm", G_RAWIO, "raw port I/O" },
        { "iopl", G_RAWIO, "raw port I/O" },
        { "pciconfig_iobase", G_RAWIO, "raw PCI access" },
        { "pciconfig_read", G_RAWIO, "raw PCI access" },
        { "pciconfig_write", G_RAWIO, "raw PCI access" },
        { "s390_mmio_read", G_RAWIO, "raw MMIO" },
        { "s390_mmio_write", G_RAWIO, "raw MMIO" },
        { "adjtimex", G_CLOCK, "system clock tuning" },
        { "clock_adjtime", G_CLOCK, "system clock tuning" },
        { "clock_adjtime64", G_CLOCK, "system clock tuning" },
        { "clock_settime", G_CLOCK, "sets the system clock" },
        { "clock_settime64", G_CLOCK, "sets the system clock" },
        { "settimeofday", G_CLOCK, "sets the system clock" },
        { "stime", G_CLOCK, "sets the system clock" },
        { "_sysctl", G_OBSOLETE, "obsolete" },
        { "afs_syscall", G_OBSOLETE, "obsolete" },
        { "bdflush", G_OBSOLETE, "obsolete" },
        { "break", G_OBSOLETE, "obsolete" },
        { "ftime", G_OBSOLETE, "obsolete" },
        { "getpmsg", G_OBSOLETE, "obsolete" },
        { "gtty", G_OBSOLETE, "obsolete" },
        { "idle", G_OBSOLETE, "obsolete" },
        { "lock", G_OBSOLETE, "obsolete" },
        { "mpx", G_OBSOLETE, "obsolete" },
        { "nfsservctl", G_OBSOLETE, "obsolete" },
        { "prof", G_OBSOLETE, "obsolete" },
        { "profil", G_OBSOLETE, "obsolete" },
        { "putpmsg", G_OBSOLETE, "obsolete" },
        { "security", G_OBSOLETE, "obsolete" },
        { "sgetmask", G_OBSOLETE, "obsolete" },
        { "ssetmask", G_OBSOLETE, "obsolete" },
        { "stty", G_OBSOLETE, "obsolete" },
        { "sysfs", G_OBSOLETE, "obsolete" },
        { "tuxcall", G_OBSOLETE, "obsolete" },
        { "ulimit", G_OBSOLETE, "obsolete" },
        { "uselib", G_OBSOLETE, "obsolete, loads a library into the kernel's view" },
        { "ustat", G_OBSOLETE, "obsolete" },
        { "vserver", G_OBSOLETE, "obsolete" },
        { "modify_ldt", G_CPUEMU, "LDT changes: old exploits, only wine/dosemu need it" },
        { "subpage_prot", G_CPUEMU, "CPU emulation" },
        { "switch_endian", G_CPUEMU, "CPU emulation" },
        { "vm86", G_CPUEMU, "CPU emulation" },
        { "vm86old", G_CPUEMU, "CPU emulation" },
        { "setns", G_NS, "joins namespaces (AllowNamespaces=yes allows it)" },
        { "unshare", G_NS, "creates namespaces (AllowNamespaces=yes allows it)" },
        { "bpf", NULL, "eBPF: a large kernel attack surface" },
        { "perf_event_open", NULL, "perf events: kernel attack surface and side channels" },
        { "userfaultfd", NULL, "used to win kernel race conditions in exploits" },
        { "keyctl", NULL, "kernel keyring is not namespaced" },
        { "add_key", NULL, "kernel keyring is not namespaced" },
        { "request_key", NULL, "kernel keyring is not namespaced" },
        { "io_uring_setup", NULL, "io_uring bypasses syscall filtering and has had many exploits" },
        { "io_uring_enter", NULL, "io_uring" },
        { "io_uring_register", NULL, "io_uring" },
        { "acct", NULL, "process accounting is system-wide" },
        { "quotactl", NULL, "disk quotas are system-wide" },
        { "quotactl_fd", NULL, "disk quotas are system-wide" },
        { "lookup_dcookie", NULL, "kernel profiling" },
        { "open_by_handle_at", NULL, "opens files by handle, bypassing path checks (the shocker escape)" },
        { "sethostname", NULL, "host name is system-wide" },
        { "setdomainname", NULL, "domain name is system-wide" },
        { "syslog", NULL, "kernel log can leak kernel addresses" },
        { "vhangup", NULL, "hangs up the terminal of other sessions" },
        { "fanotify_init", NULL, "system-wide file access monitoring" },
        { "kcmp", NULL, "compares kernel objects of other processes (Docker: CAP_SYS_PTRACE only)" },
        { "pidfd_getfd", NULL, "steals file descriptors of other processes" },
        { "process_madvise", NULL, "advises on other processes' memory" },
        { "get_mempolicy", NULL, "NUMA policy (Docker: CAP_SYS_NICE only)" },
        { "set_mempolicy", NULL, "NUMA policy (Docker: CAP_SYS_NICE only)" },
        { "set_mempolicy_home_node", NULL, "NUMA policy (Docker: CAP_SYS_NICE only)" },
        { "mbind", NULL, "NUMA policy (Docker: CAP_SYS_NICE only)" },
        { "migrate_pages", NULL, "moves other processes' pages" },
        { "move_pages", NULL, "moves other processes' pages" },
        { "nice", NULL, "legacy i386 entry point Docker refuses (glibc uses setpriority)" },
        { "oldfstat", NULL, "legacy i386 entry point Docker refuses" },
        { "oldlstat", NULL, "legacy i386 entry point Docker refuses" },
        { "oldolduname", NULL, "legacy i386 entry point Docker refuses" },
        { "oldstat", NULL, "legacy i386 entry point Docker refuses" },
        { "olduname", NULL, "legacy i386 entry point Docker refuses" },
        { "readdir", NULL, "legacy i386 entry point Docker refuses" },
        { "sigaction", NULL, "legacy i386 entry point Docker refuses (glibc uses rt_sigaction)" },
        { "signal", NULL, "legacy i386 entry point Docker refuses" },
        { "sigpending", NULL, "legacy i386 entry point Docker refuses" },
        { "sigsuspend", NULL, "legacy i386 entry point Docker refuses" },
        { NULL, NULL, NULL },
};

/* Syscalls Docker's profile refuses that are newer than libseccomp 2.5.4
 * (Debian 12): it cannot name them, so ovh_sandbox_build_late() denies them
 * by number. */
static const OvhLateRule late_table[] = {
        { "lsm_get_self_attr", 459, 0, NULL, "LSM attributes (Docker: CAP_SYS_ADMIN only)" },
        { "lsm_set_self_attr", 460, 0, NULL, "LSM attributes (Docker: CAP_SYS_ADMIN only)" },
        { "lsm_list_modules", 461, 0, NULL, "LSM attributes (Docker: CAP_SYS_ADMIN only)" },
        { "open_tree_attr", 467, 0, G_MOUNT, "open_tree + mount_setattr in one call (Linux 6.15)" },
        { "file_getattr", 468, 0, NULL, "newer than Docker's profile, which refuses what it does not list" },
        { "file_setattr", 469, 0, NULL, "newer than Docker's profile, which refuses what it does not list" },
        /* Arch-specific rows Docker's profile refuses. */
        { "arch_prctl", 384, SCMP_ARCH_X86, NULL, "Docker allows arch_prctl on amd64 and x32 only, not on i386" },
        { "usr26", 0xf0003, SCMP_ARCH_ARM, NULL, "ARM private call Docker refuses (26-bit user mode)" },
        { "usr32", 0xf0004, SCMP_ARCH_ARM, NULL, "ARM private call Docker refuses" },
        { "get_tls", 0xf0006, SCMP_ARCH_ARM, NULL,
          "ARM private call Docker refuses (CPUs with a TLS register never need it)" },
        { NULL, 0, 0, NULL, NULL },
};

const OvhLateRule *ovh_sandbox_late_table(void) {
        return late_table;
}

/* Rules that look at arguments; AllowSyscalls= can name them to drop them. */
static const char *const conditional_rules[] = { "clone", "clone3", "personality", "socket", "ioctl" };

const OvhDenyRule *ovh_sandbox_deny_table(void) {
        return deny_table;
}

size_t ovh_sandbox_arches(uint32_t arches[static 4]) {
        uint32_t native = seccomp_arch_native();
        size_t n = 0;

        arches[n++] = native;
        /* Compat ABIs: without these, a 32-bit binary would enter the
         * kernel through a syscall table the filter does not cover. */
        if (native == SCMP_ARCH_X86_64) {
                arches[n++] = SCMP_ARCH_X86;
                arches[n++] = SCMP_ARCH_X32;
        } else if (native == SCMP_ARCH_AARCH64) {
                arches[n++] = SCMP_ARCH_ARM;
        }
        return n;
}

static bool is_group_name(const char *name) {
        for (const OvhDenyRule *r = deny_table; r->name; r++)
                if (r->group && g_str_equal(r->group, name))
                        return true;
        return false;
}

static bool is_known_name(const char *name) {
        if (name[0] == '@')
                return is_group_name(name);
        for (const OvhLateRule *l = late_table; l->name; l++)
                if (g_str_equal(l->name, name))
                        return true;
        for (size_t i = 0; i < G_N_ELEMENTS(conditional_rules); i++)
                if (g_str_equal(conditional_rules[i], name))
                        return true;
        return seccomp_syscall_resolve_name(name) != __NR_SCMP_ERROR;
}

static bool list_has(char *const *list, const char *name, const char *group) {
        for (char *const *p = list; p && *p; p++)
                if (g_str_equal(*p, name) || (group && g_str_equal(*p, group)))
                        return true;
        return false;
}

static int check_names(char *const *list, const char *key, GError **error) {
        for (char *const *p = list; p && *p; p++)
                if (!is_known_name(*p))
                        return ovh_fail(error, EX_CONFIG, EINVAL,
                                        "[Sandbox] %s=: %s is not a system call or group this libseccomp knows; "
                                        "check the spelling (groups: @mount @module @reboot @swap @raw-io @clock "
                                        "@obsolete @cpu-emulation @namespaces)",
                                        key, *p);
        return 0;
}

static bool denied(const OvhSandboxOptions *o, const char *name, const char *group) {
        if (group && g_str_equal(group, G_NS) && o->allow_namespaces)
                return false;
        return !list_has(o->allow_syscalls, name, group);
}

/* Adds a rule on every arch of the filter. Names unknown to this
 * libseccomp are skipped here: those we deny are in late_table and go into
 * the late program; DenySyscalls= names are checked before. */
static int add_rule(scmp_filter_ctx f, uint32_t action, const char *name, unsigned n_cmp,
                    const struct scmp_arg_cmp *cmp, GError **error) {
        int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR)
                return 0;
        int r = seccomp_rule_add_array(f, action, nr, n_cmp, cmp);
        if (r < 0 && r != -EDOM)
                return ovh_fail(error, EX_SOFTWARE, -r, "seccomp rule for %s: %s", name, g_strerror(-r));
        return 0;
}

static int add_personality_rules(scmp_filter_ctx f, GError **error) {
        /* Docker allows only personality(0), PER_LINUX32 (0x8), UNAME26
         * (0x20000), both (0x20008) and the query 0xffffffff. libseccomp
         * allows one comparison per argument, so the complement of that set
         * is written as masked equalities on the low 32 bits (the kernel
         * takes an unsigned int):
         *  (a) bit 0 clear and some other bit outside 0x20008 set, or
         *  (b) bit 0 set and some other bit clear (i.e. not 0xffffffff). */
        const uint32_t allowed_bits = 0x8 | 0x20000;
        int r;

        for (unsigned bit = 1; bit < 32; bit++) {
                uint32_t b = 1u << bit;
                if (!(b & allowed_bits)) {
                        struct scmp_arg_cmp a = SCMP_A0_64(SCMP_CMP_MASKED_EQ, 1u | b, b);
                        r = add_rule(f, SCMP_ACT_ERRNO(EPERM), "personality", 1, &a, error);
                        if (r < 0)
                                return r;
                }
                struct scmp_arg_cmp c = SCMP_A0_64(SCMP_CMP_MASKED_EQ, 1u | b, 1u);
                r = add_rule(f, SCMP_ACT_ERRNO(EPERM), "personality", 1, &c, error);
                if (r < 0)
                        return r;
        }
        return 0;
}

int ovh_sandbox_build(const OvhSandboxOptions *o, const uint32_t *arches, size_t n_arches, scmp_filter_ctx *ret,
                      GError **error) {
        g_auto(scmp_filter_ctx) f = NULL;
        int r;

        r = check_names(o->allow_syscalls, "AllowSyscalls", error);
        if (r < 0)
                return r;
        r = check_names(o->deny_syscalls, "DenySyscalls", error);
        if (r < 0)
                return r;

        f = seccomp_init(SCMP_ACT_ALLOW);
        if (!f)
                return ovh_fail(error, EX_SOFTWARE, ENOMEM, "seccomp_init() failed");
        /* A binary tree over syscall numbers instead of a linear chain.
         * (no_new_privs and thread sync are load-time matters: the program
         * is exported and loaded by ovh_sandbox_load().) */
        seccomp_attr_set(f, SCMP_FLTATR_CTL_OPTIMIZE, 2);

        bool keep_native = false;
        for (size_t i = 0; i < n_arches; i++) {
                if (arches[i] == seccomp_arch_native()) {
                        keep_native = true;
                        continue;
                }
                r = seccomp_arch_add(f, arches[i]);
                if (r < 0 && r != -EEXIST)
                        return ovh_fail(error, EX_SOFTWARE, -r, "seccomp_arch_add(%u): %s", arches[i], g_strerror(-r));
        }
        if (!keep_native) {
                r = seccomp_arch_remove(f, seccomp_arch_native());
                if (r < 0)
                        return ovh_fail(error, EX_SOFTWARE, -r, "seccomp_arch_remove: %s", g_strerror(-r));
        }

        for (const OvhDenyRule *row = deny_table; row->name; row++) {
                if (!denied(o, row->name, row->group))
                        continue;
                r = add_rule(f, SCMP_ACT_ERRNO(EPERM), row->name, 0, NULL, error);
                if (r < 0)
                        return r;
        }

        /* Rows of late_table that this libseccomp can name (lsm_* from 2.6.0,
         * open_tree_attr and file_[gs]etattr from 2.6.1) belong here, on
         * every arch: late_row_applies() leaves them out of the late program,
         * so without this they would be in neither. */
        for (const OvhLateRule *l = late_table; l->name; l++) {
                if (l->arch != 0 || (!denied(o, l->name, l->group) && !list_has(o->deny_syscalls, l->name, l->group)))
                        continue;
                r = add_rule(f, SCMP_ACT_ERRNO(EPERM), l->name, 0, NULL, error);
                if (r < 0)
                        return r;
        }

        for (char *const *p = o->deny_syscalls; p && *p; p++) {
                for (const OvhDenyRule *row = deny_table; row->name; row++)
                        if (row->group && g_str_equal(row->group, *p)) {
                                r = add_rule(f, SCMP_ACT_ERRNO(EPERM), row->name, 0, NULL, error);
                                if (r < 0)
                                        return r;
                        }
                if ((*p)[0] != '@') {
                        r = add_rule(f, SCMP_ACT_ERRNO(EPERM), *p, 0, NULL, error);
                        if (r < 0)
                                return r;
                }
        }

        /* clone3 passes its flags in memory seccomp cannot read: answer
         * ENOSYS so libc falls back to clone(), whose flags we can check. */
        if (denied(o, "clone3", NULL) && !list_has(o->deny_syscalls, "clone3", NULL)) {
                r = add_rule(f, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL, error);
                if (r < 0)
                        return r;
        }

        if (!o->allow_namespaces && denied(o, "clone", G_NS)) {
                static const uint64_t ns_flags[] = {
                        CLONE_NEWNS,   CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
                        CLONE_NEWUSER, CLONE_NEWPID,    CLONE_NEWNET,
                };
                for (size_t i = 0; i < G_N_ELEMENTS(ns_flags); i++) {
                        struct scmp_arg_cmp c = SCMP_A0_64(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]);
                        r = add_rule(f, SCMP_ACT_ERRNO(EPERM), "clone", 1, &c, error);
                        if (r < 0)
                                return r;
                }
        }

        if (denied(o, "personality", NULL)) {
                r = add_personality_rules(f, error);
                if (r < 0)
                        return r;
        }

        /* The kernel truncates these int/unsigned int arguments to 32 bits:
         * compare the low word only, or garbage in the high word would slip
         * past an exact 64-bit comparison. */
        if (denied(o, "socket", NULL)) {
                static const uint64_t families[] = { AF_VSOCK, AF_ALG };
                for (size_t i = 0; i < G_N_ELEMENTS(families); i++) {
                        struct scmp_arg_cmp c = SCMP_A0_64(SCMP_CMP_MASKED_EQ, 0xffffffffu, families[i]);
                        r = add_rule(f, SCMP_ACT_ERRNO(EPERM), "socket", 1, &c, error);
                        if (r < 0)
                                return r;
                }
        }
        if (denied(o, "ioctl", NULL)) {
                /* TIOCSTI fakes input in another program's terminal;
                 * TIOCLINUX can read and paste the console selection. */
                static const uint64_t requests[] = { TIOCSTI, TIOCLINUX };
                for (size_t i = 0; i < G_N_ELEMENTS(requests); i++) {
                        struct scmp_arg_cmp c = SCMP_A1_64(SCMP_CMP_MASKED_EQ, 0xffffffffu, requests[i]);
                        r = add_rule(f, SCMP_ACT_ERRNO(EPERM), "ioctl", 1, &c, error);
                        if (r < 0)
                                return r;
                }
        }

        *ret = g_steal_pointer(&f);
        return 0;
}

static uint32_t audit_arch_of(uint32_t arch) {
        /* libseccomp's tokens are the AUDIT_ARCH_* values, except x32, which
         * shares x86_64's and sets a bit in the syscall number instead. */
        return arch == SCMP_ARCH_X32 ? SCMP_ARCH_X86_64 : arch;
}

/* Is the late row in force for audit arch `audit` (given the arches of the
 * filter and the options)? */
static bool late_row_applies(const OvhSandboxOptions *o, const OvhLateRule *l, uint32_t audit) {
        if (!denied(o, l->name, l->group) && !list_has(o->deny_syscalls, l->name, l->group))
                return false;
        if (l->arch != 0)
                return audit_arch_of(l->arch) == audit;
        /* Unified numbers: only where libseccomp cannot name the call. */
        return seccomp_syscall_resolve_name(l->name) == __NR_SCMP_ERROR;
}

int ovh_sandbox_build_late(const OvhSandboxOptions *o, const uint32_t *arches, size_t n_arches,
                           struct sock_filter **ret_prog, size_t *ret_len, GError **error) {
        g_autoptr(GArray) prog = g_array_new(FALSE, FALSE, sizeof(struct sock_filter));
        g_autoptr(GArray) audit = g_array_new(FALSE, FALSE, sizeof(uint32_t));
        g_autoptr(GPtrArray) blocks = g_ptr_array_new_with_free_func((GDestroyNotify) g_array_unref);

        *ret_prog = NULL;
        *ret_len = 0;
        /* One list of numbers per distinct audit arch (x86_64 and x32 share
         * one: x32 numbers carry a bit the program masks off). */
        for (size_t i = 0; i < n_arches; i++) {
                uint32_t a = audit_arch_of(arches[i]);
                bool seen = false;
                for (guint j = 0; j < audit->len; j++)
                        seen = seen || g_array_index(audit, uint32_t, j) == a;
                if (seen)
                        continue;
                GArray *nrs = g_array_new(FALSE, FALSE, sizeof(uint32_t));
                for (const OvhLateRule *l = late_table; l->name; l++)
                        if (late_row_applies(o, l, a)) {
                                uint32_t nr = (uint32_t) l->nr;
                                g_array_append_val(nrs, nr);
                        }
                if (nrs->len == 0) {
                        g_array_unref(nrs);
                        continue;
                }
                g_array_append_val(audit, a);
                g_ptr_array_add(blocks, nrs);
        }
        if (audit->len == 0)
                return 0;

#define EMIT(code, k, jt, jf)                                                                                          \
        do {                                                                                                           \
                struct sock_filter ins_ = BPF_JUMP((code), (k), (jt), (jf));                                           \
                g_array_append_val(prog, ins_);                                                                        \
        } while (0)
        /* A = arch; one JEQ per arch jumping to its block; any other arch:
         * ALLOW (the libseccomp filter already kills unknown arches). Each
         * block: A = nr without the x32 bit, one JEQ per number to its
         * EPERM, else ALLOW. Block j starts after the dispatch and the
         * blocks before it; each is (2 + numbers + 2) instructions. */
        EMIT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), 0, 0);
        size_t start = 1 + audit->len + 1;
        for (guint j = 0; j < audit->len; j++) {
                size_t here = 1 + j;
                size_t jump = start - here - 1;
                if (jump > 255)
                        return ovh_fail(error, EX_SOFTWARE, E2BIG, "late seccomp program too large");
                EMIT(BPF_JMP | BPF_JEQ | BPF_K, g_array_index(audit, uint32_t, j), (uint8_t) jump, 0);
                start += 2 + ((GArray *) blocks->pdata[j])->len + 2;
        }
        EMIT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
        for (guint j = 0; j < audit->len; j++) {
                GArray *nrs = blocks->pdata[j];
                EMIT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
                EMIT(BPF_ALU | BPF_AND | BPF_K, ~0x40000000u, 0, 0);
                for (guint i = 0; i < nrs->len; i++)
                        EMIT(BPF_JMP | BPF_JEQ | BPF_K, g_array_index(nrs, uint32_t, i), (uint8_t) (nrs->len - i), 0);
                EMIT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
                EMIT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA), 0, 0);
        }
#undef EMIT

        *ret_len = prog->len;
        *ret_prog = (struct sock_filter *) g_array_free(g_steal_pointer(&prog), FALSE);
        return 0;
}

void ovh_sandbox_program_clear(OvhSandboxProgram *p) {
        g_clear_pointer(&p->main, g_free);
        g_clear_pointer(&p->late, g_free);
        p->n_main = p->n_late = 0;
}

int ovh_sandbox_export(scmp_filter_ctx filter, struct sock_filter **ret_prog, size_t *ret_len, GError **error) {
        g_autofree char *buf = NULL;
        _cleanup_close_ int fd = -1;
        int r;

        fd = memfd_create("ovh-seccomp", MFD_CLOEXEC);
        if (fd < 0)
                return ovh_fail(error, EX_OSERR, errno, "memfd_create(): %s", g_strerror(errno));
        r = seccomp_export_bpf(filter, fd);
        off_t size = r < 0 ? -1 : lseek(fd, 0, SEEK_END);
        if (r < 0 || size <= 0 || size % (off_t) sizeof(struct sock_filter) != 0)
                return ovh_fail(error, EX_SOFTWARE, r < 0 ? -r : EIO, "cannot export the seccomp filter: %s",
                                g_strerror(r < 0 ? -r : EIO));
        buf = g_malloc((gsize) size);
        ssize_t n = pread(fd, buf, (size_t) size, 0);
        if (n != size)
                return ovh_fail(error, EX_SOFTWARE, EIO, "cannot read the exported seccomp filter back");
        *ret_len = (size_t) size / sizeof(struct sock_filter);
        *ret_prog = (struct sock_filter *) g_steal_pointer(&buf);
        return 0;
}

bool ovh_sandbox_options_are_default(const OvhSandboxOptions *o) {
        return !o->allow_namespaces && !(o->allow_syscalls && o->allow_syscalls[0]) &&
               !(o->deny_syscalls && o->deny_syscalls[0]);
}

int ovh_sandbox_program(const OvhSandboxOptions *o, const OvhSandboxProgram *prebuilt, OvhSandboxProgram *ret,
                        GError **error) {
        g_auto(scmp_filter_ctx) filter = NULL;
        uint32_t arches[4];
        size_t n = ovh_sandbox_arches(arches);
        int r;

        if (prebuilt && prebuilt->main && ovh_sandbox_options_are_default(o)) {
                ret->main = g_memdup2(prebuilt->main, prebuilt->n_main * sizeof(struct sock_filter));
                ret->n_main = prebuilt->n_main;
                ret->late = prebuilt->late ? g_memdup2(prebuilt->late, prebuilt->n_late * sizeof(struct sock_filter))
                                           : NULL;
                ret->n_late = prebuilt->n_late;
                ret->prebuilt = true;
                return 0;
        }

        r = ovh_sandbox_build(o, arches, n, &filter, error);
        if (r < 0)
                return r;
        r = ovh_sandbox_export(filter, &ret->main, &ret->n_main, error);
        if (r < 0)
                return r;
        ret->prebuilt = false;
        return ovh_sandbox_build_late(o, arches, n, &ret->late, &ret->n_late, error);
}

static int load_one(const struct sock_filter *prog, size_t len, GError **error) {
        struct sock_fprog fprog = { .len = (unsigned short) len, .filter = (struct sock_filter *) prog };

        if (len == 0 || len > BPF_MAXINSNS)
                return ovh_fail(error, EX_SOFTWARE, EINVAL, "seccomp program of %zu instructions", len);
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &fprog) != 0)
                return ovh_fail(error, EX_OSERR, errno,
                                "cannot load the seccomp filter: %s; the unit's SystemCallFilter= must allow "
                                "seccomp(), or set [Sandbox] Seccomp=no",
                                g_strerror(errno));
        return 0;
}

int ovh_sandbox_load(const OvhSandboxProgram *p, GError **error) {
        int r = load_one(p->main, p->n_main, error);
        if (r < 0 || !p->late)
                return r;
        return load_one(p->late, p->n_late, error);
}

int ovh_sandbox_program_for_config(const OvhConfig *config, const OvhSandboxProgram *prebuilt, OvhSandboxProgram *ret,
                                   GError **error) {
        *ret = (OvhSandboxProgram){};
        if (!config->seccomp)
                return 0;
        OvhSandboxOptions options = {
                .allow_namespaces = config->allow_namespaces,
                .allow_syscalls = config->allow_syscalls,
                .deny_syscalls = config->deny_syscalls,
        };
        return ovh_sandbox_program(&options, prebuilt, ret, error);
}

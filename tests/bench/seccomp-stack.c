/* SPDX-License-Identifier: MIT */
/* What the whole seccomp stack of a running process costs per syscall:
 * the filters systemd installed for the unit's settings and the launcher's
 * own, read back from the kernel (PTRACE_SECCOMP_GET_FILTER), and for each
 * native syscall number
 *   - whether the kernel's action cache answers it (every filter of the
 *     stack returns SECCOMP_RET_ALLOW from the syscall number and arch
 *     alone): then no filter runs at all;
 *   - otherwise how many BPF instructions the stack runs for it (all
 *     arguments 0; each filter runs, the kernel takes the strictest answer).
 *
 *   seccomp-stack PID      (root: ptrace and CAP_SYS_ADMIN)
 *
 * Prints "filters N", "filter_len I N" per filter (0 = the oldest: the
 * kernel numbers them from the first installed; the launcher's come last),
 * "cached N", "bypass N", then one "bypass NAME STEPS ARGS"
 * line per syscall that bypasses the cache and that some arguments may get
 * through (allowed with all arguments 0, or judged by its arguments: those
 * run the whole stack in normal work), sorted by name; ARGS is the comma
 * list of filters that read its arguments (or "-"). Exit 0, or 1 with a
 * one-line reason.
 *
 * The cache emulation is the kernel's own rule (kernel/seccomp.c,
 * seccomp_is_const_allow): a filter is followed with only nr and arch known;
 * any other load, or an instruction outside the few it knows, means "not
 * constant" and the syscall bypasses the cache. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "../lib/bpf-eval.h"

#define MAX_FILTERS 256
/* Highest x86_64/aarch64 syscall number worth asking about (the tables end
 * in the 460s today; numbers past the table are ENOSYS anyway). */
#define MAX_NR 512

typedef struct Filter {
        struct sock_filter *prog;
        size_t len;
} Filter;

static bool const_allow(const Filter *f, uint32_t nr, uint32_t arch) {
        uint32_t a = 0;
        for (size_t pc = 0; pc < f->len; pc++) {
                const struct sock_filter *insn = &f->prog[pc];
                uint32_t k = insn->k;
                bool op;
                switch (insn->code) {
                case BPF_LD | BPF_W | BPF_ABS:
                        if (k == offsetof(struct seccomp_data, nr))
                                a = nr;
                        else if (k == offsetof(struct seccomp_data, arch))
                                a = arch;
                        else
                                return false;
                        break;
                case BPF_RET | BPF_K:
                        return k == SECCOMP_RET_ALLOW;
                case BPF_JMP | BPF_JA:
                        pc += k;
                        break;
                case BPF_JMP | BPF_JEQ | BPF_K:
                case BPF_JMP | BPF_JGE | BPF_K:
                case BPF_JMP | BPF_JGT | BPF_K:
                case BPF_JMP | BPF_JSET | BPF_K:
                        switch (BPF_OP(insn->code)) {
                        case BPF_JEQ:
                                op = a == k;
                                break;
                        case BPF_JGE:
                                op = a >= k;
                                break;
                        case BPF_JGT:
                                op = a > k;
                                break;
                        default:
                                op = (a & k) != 0;
                                break;
                        }
                        pc += op ? insn->jt : insn->jf;
                        break;
                case BPF_ALU | BPF_AND | BPF_K:
                        a &= k;
                        break;
                default:
                        return false;
                }
        }
        return false;
}

static int read_filters(pid_t pid, Filter *filters, size_t *n) {
        int status;
        if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0)
                return -errno;
        if (ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) < 0 || waitpid(pid, &status, __WALL) < 0) {
                int r = -errno;
                ptrace(PTRACE_DETACH, pid, NULL, NULL);
                return r;
        }
        int r = 0;
        for (*n = 0; *n < MAX_FILTERS; (*n)++) {
                long len = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *) *n, NULL);
                if (len < 0) {
                        r = errno == ENOENT ? 0 : -errno;
                        break;
                }
                filters[*n].prog = calloc((size_t) len, sizeof(struct sock_filter));
                filters[*n].len = (size_t) len;
                if (!filters[*n].prog || ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *) *n, filters[*n].prog) != len) {
                        r = filters[*n].prog ? -errno : -ENOMEM;
                        break;
                }
        }
        ptrace(PTRACE_DETACH, pid, NULL, NULL);
        return r;
}

typedef struct Bypass {
        const char *name;
        size_t steps;
        char readers[256];
} Bypass;

/* The words of seccomp_data past nr and arch: instruction_pointer, args. */
#define ARG_WORDS ((uint16_t) ~0x3u)

static int by_name(const void *a, const void *b) {
        return strcmp(((const Bypass *) a)->name, ((const Bypass *) b)->name);
}

int main(int argc, char **argv) {
        static Filter filters[MAX_FILTERS];
        static Bypass bypass[MAX_NR];
        size_t n = 0, nbypass = 0, cached = 0;
        uint32_t arch;
        if (argc != 2) {
                fprintf(stderr, "usage: seccomp-stack PID\n");
                return 1;
        }
        pid_t pid = (pid_t) strtol(argv[1], NULL, 10);
        int r = read_filters(pid, filters, &n);
        if (r < 0) {
                fprintf(stderr, "seccomp-stack: cannot read the filters of pid %d: %s\n", (int) pid, strerror(-r));
                return 1;
        }
        /* libseccomp's arch tokens are the AUDIT_ARCH_* values seccomp_data
         * carries (x32 aside, which is not a native arch of a build). */
        arch = seccomp_arch_native();
        printf("filters %zu\n", n);
        for (size_t i = 0; i < n; i++)
                printf("filter_len %zu %zu\n", i, filters[i].len);
        for (uint32_t nr = 0; nr < MAX_NR; nr++) {
                char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, (int) nr);
                if (!name)
                        continue;
                bool all_allow = true, allowed = true, by_args = false;
                BpfTrace trace = { 0 };
                struct seccomp_data d = { .nr = (int) nr, .arch = arch };
                Bypass b = { .name = name, .readers = "" };
                for (size_t i = 0; i < n; i++) {
                        uint32_t action;
                        BpfTrace one = { 0 };
                        all_allow = all_allow && const_allow(&filters[i], nr, arch);
                        if (bpf_eval_traced(filters[i].prog, filters[i].len, &d, &action, &one) < 0) {
                                fprintf(stderr, "seccomp-stack: filter %zu is not a program the kernel accepts\n", i);
                                return 1;
                        }
                        trace.steps += one.steps;
                        allowed = allowed && (action & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ALLOW;
                        if (one.loaded & ARG_WORDS) {
                                by_args = true;
                                size_t used = strlen(b.readers);
                                snprintf(b.readers + used, sizeof(b.readers) - used, "%s%zu", used ? "," : "", i);
                        }
                }
                b.steps = trace.steps;
                if (!b.readers[0])
                        strcpy(b.readers, "-");
                if (all_allow) {
                        cached++;
                        free(name);
                } else if (allowed || by_args) {
                        bypass[nbypass++] = b;
                } else {
                        free(name);
                }
        }
        qsort(bypass, nbypass, sizeof(bypass[0]), by_name);
        printf("cached %zu\nbypass %zu\n", cached, nbypass);
        for (size_t i = 0; i < nbypass; i++)
                printf("bypass %s %zu %s\n", bypass[i].name, bypass[i].steps, bypass[i].readers);
        return 0;
}

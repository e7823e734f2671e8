/* seccomp-cost: what the launcher's seccomp filter costs a running program,
 * against no filter and against the same rules compiled differently.
 *
 *   seccomp-cost describe DOCKER_RULES
 *   seccomp-cost run ROUNDS WARMUP ITERATIONS DOCKER_RULES TREE REPO
 *
 * Variants (no_new_privs is set in every one, so only the filter differs):
 *   none         no filter
 *   ours         the launcher's program: ovh_sandbox_program() with default
 *                options, the very code that made the launcher's built-in
 *                program (libseccomp SCMP_FLTATR_CTL_OPTIMIZE=2, a binary
 *                tree over syscall numbers), plus its small second program
 *   ours-linear  the same rules (ovh_sandbox_build()) with OPTIMIZE=1,
 *                libseccomp's default: a chain of comparisons
 *   docker       a Docker-style allow list: default EPERM, allow what the
 *                rules file lists (made by docker-rules.py from Docker's
 *                default profile), OPTIMIZE=1 as runc compiles it
 *   docker-tree  the same allow list with OPTIMIZE=2
 * All cover the same ABIs (ovh_sandbox_arches(): x86_64, i386, x32).
 * DOCKER_RULES "-" leaves the two Docker variants out.
 *
 * describe prints, per variant, the program's length and how many BPF
 * instructions the kernel runs for each system call of the micro benchmark
 * (the test kit's evaluator, tests/lib/bpf-eval.c, on the exported programs
 * for the native ABI), and checks that every variant lets the workloads'
 * system calls through.
 *
 * run forks one worker per variant; each loads its filter into itself and
 * then, on request, times a workload: "micro" (ITERATIONS x 8 cheap system
 * calls, in the worker itself: ns per call), "ioctl" (as many
 * ioctl(FIONREAD), a call the filter must inspect), "git" (git status in REPO) and
 * "find" (find TREE -type f -size +0c), the last two fork+exec+wait in the worker,
 * so the program runs under the filter as a terminal's would. Rounds
 * rotate the order of the variants. Prints "WORKLOAD/VARIANT ROUND VALUE"
 * (VALUE: ns per system call for micro, ns otherwise).
 *
 * Time is CPU time, not wall time: the micro loop's thread CPU time
 * (CLOCK_THREAD_CPUTIME_ID), the workload's user + system time from
 * wait4(). The filter runs in the kernel on the calling thread, so its
 * whole cost is in that figure; time spent waiting for a CPU that other
 * jobs on the machine hold is not. On a shared machine, wall time buries a
 * difference of a few percent under the neighbours' load.
 *
 * Linked with the launcher's own sandbox code (liblauncher.a): the rules
 * measured are the rules shipped. */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/bpf-eval.h"
#include "sandbox.h"

#define N_VARIANTS 5
static const char *const variant_names[N_VARIANTS] = { "none", "ours", "ours-linear", "docker", "docker-tree" };
/* 3 when DOCKER_RULES is "-" (no profile at hand): the Docker rows are left out. */
static int n_variants = N_VARIANTS;

/* ---------------------------------------------------------------- building */

static void die(const char *what, GError *error) {
        fprintf(stderr, "seccomp-cost: %s: %s\n", what, error ? error->message : g_strerror(errno));
        exit(1);
}

static void export_or_die(scmp_filter_ctx f, struct sock_filter **prog, size_t *len) {
        g_autoptr(GError) error = NULL;
        if (ovh_sandbox_export(f, prog, len, &error) < 0)
                die("export", error);
}

/* One rule per line: "allow NAME" or "errno:N NAME", optionally followed
 * by argument comparisons "ARG OP VALUE [VALUE2]" (OP: eq, lt, gt,
 * masked_eq; for masked_eq VALUE is the mask and VALUE2 the datum). Names
 * this libseccomp does not know, or that no covered ABI has, are counted
 * and skipped, as Docker skips them. */
static void add_rules_file(scmp_filter_ctx f, const char *path, unsigned *added, unsigned *skipped) {
        g_autofree char *text = NULL;
        g_autoptr(GError) error = NULL;
        if (!g_file_get_contents(path, &text, NULL, &error))
                die(path, error);
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        *added = *skipped = 0;
        for (char **l = lines; *l; l++) {
                g_auto(GStrv) w = g_strsplit_set(g_strstrip(*l), " \t", -1);
                if (!w[0] || !w[0][0] || w[0][0] == '#')
                        continue;
                if (!w[1])
                        die(*l, NULL);
                uint32_t action = strcmp(w[0], "allow") == 0         ? SCMP_ACT_ALLOW
                                  : g_str_has_prefix(w[0], "errno:") ? SCMP_ACT_ERRNO(atoi(w[0] + 6))
                                                                     : 0xffffffffu;
                if (action == 0xffffffffu)
                        die(*l, NULL);
                int nr = seccomp_syscall_resolve_name(w[1]);
                if (nr == __NR_SCMP_ERROR) {
                        (*skipped)++;
                        continue;
                }
                struct scmp_arg_cmp cmp[6];
                unsigned n_cmp = 0;
                for (char **a = w + 2; a[0] && a[1] && a[2] && n_cmp < 6; a += 3) {
                        unsigned arg = (unsigned) atoi(a[0]);
                        scmp_datum_t v = strtoull(a[2], NULL, 0);
                        if (strcmp(a[1], "eq") == 0)
                                cmp[n_cmp++] = SCMP_CMP(arg, SCMP_CMP_EQ, v);
                        else if (strcmp(a[1], "lt") == 0)
                                cmp[n_cmp++] = SCMP_CMP(arg, SCMP_CMP_LT, v);
                        else if (strcmp(a[1], "gt") == 0)
                                cmp[n_cmp++] = SCMP_CMP(arg, SCMP_CMP_GT, v);
                        else if (strcmp(a[1], "masked_eq") == 0 && a[3]) {
                                cmp[n_cmp++] = SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, v, strtoull(a[3], NULL, 0));
                                a++;
                        } else
                                die(*l, NULL);
                }
                /* _exact would refuse a rule libseccomp must rewrite for
                 * an ABI (socket on i386 becomes socketcall); Docker uses
                 * the plain call too. */
                int r = seccomp_rule_add_array(f, action, nr, n_cmp, cmp);
                if (r == -EDOM || r == -EOPNOTSUPP) {
                        (*skipped)++;
                        continue;
                }
                if (r < 0) {
                        errno = -r;
                        die(*l, NULL);
                }
                (*added)++;
        }
}

/* The programs of a variant, in the order the kernel would have them
 * stacked (it runs every one for every system call). */
typedef struct {
        struct sock_filter *prog[2];
        size_t len[2];
        size_t n;
        char note[96];
} Variant;

static void build_variant(int v, const char *docker_rules, Variant *out) {
        g_autoptr(GError) error = NULL;
        OvhSandboxOptions defaults = {};
        uint32_t arches[4];
        size_t n_arches = ovh_sandbox_arches(arches);

        memset(out, 0, sizeof(*out));
        if (v == 0)
                return;
        if (v == 1) {
                OvhSandboxProgram p = {};
                if (ovh_sandbox_program(&defaults, NULL, &p, &error) < 0)
                        die("ovh_sandbox_program", error);
                out->prog[0] = p.main;
                out->len[0] = p.n_main;
                out->n = 1;
                if (p.late) {
                        out->prog[1] = p.late;
                        out->len[1] = p.n_late;
                        out->n = 2;
                }
                snprintf(out->note, sizeof(out->note), "launcher's rules, binary tree%s",
                         p.late ? " + late-syscall program" : "");
                return;
        }
        if (v == 2) {
                g_auto(scmp_filter_ctx) f = NULL;
                if (ovh_sandbox_build(&defaults, arches, n_arches, &f, &error) < 0)
                        die("ovh_sandbox_build", error);
                seccomp_attr_set(f, SCMP_FLTATR_CTL_OPTIMIZE, 1);
                export_or_die(f, &out->prog[0], &out->len[0]);
                out->n = 1;
                if (ovh_sandbox_build_late(&defaults, arches, n_arches, &out->prog[1], &out->len[1], &error) < 0)
                        die("ovh_sandbox_build_late", error);
                if (out->prog[1])
                        out->n = 2;
                snprintf(out->note, sizeof(out->note), "launcher's rules, linear%s",
                         out->n == 2 ? " + late-syscall program" : "");
                return;
        }
        /* Docker: default EPERM (its defaultErrnoRet 1), every ABI it maps
         * x86_64 to, the rules file. */
        g_auto(scmp_filter_ctx) f = seccomp_init(SCMP_ACT_ERRNO(EPERM));
        if (!f)
                die("seccomp_init", NULL);
        for (size_t i = 0; i < n_arches; i++)
                if (arches[i] != seccomp_arch_native() && seccomp_arch_add(f, arches[i]) < 0)
                        die("seccomp_arch_add", NULL);
        seccomp_attr_set(f, SCMP_FLTATR_CTL_OPTIMIZE, v == 3 ? 1 : 2);
        unsigned added, skipped;
        add_rules_file(f, docker_rules, &added, &skipped);
        export_or_die(f, &out->prog[0], &out->len[0]);
        out->n = 1;
        snprintf(out->note, sizeof(out->note), "Docker's allow list (%u rules, %u unknown here), %s", added, skipped,
                 v == 3 ? "linear" : "binary tree");
}

static void load_variant(const Variant *var) {
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                die("PR_SET_NO_NEW_PRIVS", NULL);
        for (size_t i = 0; i < var->n; i++) {
                struct sock_fprog fprog = { .len = (unsigned short) var->len[i], .filter = var->prog[i] };
                if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0)
                        die("seccomp(SECCOMP_SET_MODE_FILTER)", NULL);
        }
}

/* ---------------------------------------------------------------- workloads */

/* The micro benchmark's mix: cheap calls an IDE's processes make all the
 * time, one of them (ioctl) with argument rules in the launcher's filter. */
#define MIX 8
static const char *const mix_names[MIX] = { "getppid", "read", "write", "fstat", "lseek", "openat", "close", "ioctl" };
static const int mix_nrs[MIX] = { SYS_getppid, SYS_read,   SYS_write, SYS_fstat,
                                  SYS_lseek,   SYS_openat, SYS_close, SYS_ioctl };

static double thread_cpu_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return (double) ts.tv_sec * 1e9 + (double) ts.tv_nsec;
}

/* ns per system call. /dev/zero takes reads and writes on one descriptor
 * and costs the same every time. */
static double micro(long iterations) {
        static char buf[64];
        int zero = open("/dev/zero", O_RDWR | O_CLOEXEC), fds[2], avail;
        struct stat st;
        if (zero < 0 || pipe2(fds, O_CLOEXEC) < 0)
                die("micro: /dev/zero or pipe", NULL);
        double t0 = thread_cpu_ns();
        for (long i = 0; i < iterations; i++) {
                if (syscall(SYS_getppid) < 0 || syscall(SYS_read, zero, buf, sizeof(buf)) != (long) sizeof(buf) ||
                    syscall(SYS_write, zero, buf, sizeof(buf)) != (long) sizeof(buf) ||
                    syscall(SYS_fstat, zero, &st) < 0 || syscall(SYS_lseek, zero, 0, SEEK_SET) < 0)
                        die("micro: a system call failed", NULL);
                long fd = syscall(SYS_openat, AT_FDCWD, "/dev/zero", O_RDONLY | O_CLOEXEC);
                if (fd < 0 || syscall(SYS_close, fd) < 0 || syscall(SYS_ioctl, fds[0], FIONREAD, &avail) < 0)
                        die("micro: a system call failed", NULL);
        }
        double elapsed = thread_cpu_ns() - t0;
        close(zero);
        close(fds[0]);
        close(fds[1]);
        return elapsed / ((double) iterations * MIX);
}

/* ns per ioctl(FIONREAD): a call whose verdict depends on its arguments
 * (the launcher's filter checks the request for TIOCSTI/TIOCLINUX), so the
 * kernel runs the filter programs every time: the cost of the program
 * itself, which the mix above mostly hides behind the action cache. */
static double micro_ioctl(long iterations) {
        int fds[2], avail;
        if (pipe2(fds, O_CLOEXEC) < 0)
                die("micro-ioctl: pipe", NULL);
        double t0 = thread_cpu_ns();
        for (long i = 0; i < iterations * MIX; i++)
                if (syscall(SYS_ioctl, fds[0], FIONREAD, &avail) < 0)
                        die("micro-ioctl: ioctl", NULL);
        double elapsed = thread_cpu_ns() - t0;
        close(fds[0]);
        close(fds[1]);
        return elapsed / ((double) iterations * MIX);
}

/* user + system CPU time of the program and its threads */
static double run_program(char *const argv[]) {
        struct rusage ru;
        pid_t pid = fork();
        int status;
        if (pid < 0)
                die("fork", NULL);
        if (pid == 0) {
                int devnull = open("/dev/null", O_WRONLY);
                if (devnull < 0 || dup2(devnull, 1) < 0)
                        _exit(71);
                execvp(argv[0], argv);
                _exit(127);
        }
        while (wait4(pid, &status, 0, &ru) < 0)
                if (errno != EINTR)
                        die("wait4", NULL);
        double elapsed = ((double) ru.ru_utime.tv_sec + (double) ru.ru_stime.tv_sec) * 1e9 +
                         ((double) ru.ru_utime.tv_usec + (double) ru.ru_stime.tv_usec) * 1e3;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                fprintf(stderr, "seccomp-cost: %s exited with status %d\n", argv[0], status);
                exit(1);
        }
        return elapsed;
}

/* ---------------------------------------------------------------- modes */

static int describe(const char *docker_rules) {
        int pipefd[2];
        if (pipe(pipefd) < 0)
                die("pipe", NULL);
        /* "*": the result depends on the arguments. Linux >= 5.11 runs the
         * filters only for those: for every other (arch, number) it
         * computed once, at load, that the stack allows it, and keeps that
         * in a bitmap (the seccomp action cache). */
        printf("%-12s %6s %6s  %s\n", "variant", "insns", "run/sc",
               "BPF instructions run per system call (*: reads arguments, so never cached)");
        for (int v = 0; v < n_variants; v++) {
                Variant var;
                build_variant(v, docker_rules, &var);
                size_t total_len = var.len[0] + var.len[1];
                GString *per = g_string_new(NULL);
                unsigned sum = 0;
                for (int m = 0; m < MIX; m++) {
                        struct seccomp_data d = { .nr = mix_nrs[m], .arch = AUDIT_ARCH_X86_64 };
                        if (mix_nrs[m] == SYS_ioctl) {
                                d.args[0] = (uint64_t) pipefd[0];
                                d.args[1] = FIONREAD;
                        }
                        BpfTrace trace = { 0 };
                        for (size_t k = 0; k < var.n; k++) {
                                uint32_t action;
                                if (bpf_eval_traced(var.prog[k], var.len[k], &d, &action, &trace) < 0) {
                                        fprintf(stderr, "seccomp-cost: variant %s: program %zu is not valid\n",
                                                variant_names[v], k);
                                        return 1;
                                }
                                if ((action & SECCOMP_RET_ACTION_FULL) != SECCOMP_RET_ALLOW) {
                                        fprintf(stderr, "seccomp-cost: variant %s does not allow %s (0x%08x)\n",
                                                variant_names[v], mix_names[m], action);
                                        return 1;
                                }
                        }
                        /* past nr and arch: the instruction pointer or the arguments */
                        bool reads_args = trace.loaded >> (offsetof(struct seccomp_data, instruction_pointer) / 4);
                        sum += (unsigned) trace.steps;
                        g_string_append_printf(per, "%s%s %zu%s", m ? ", " : "", mix_names[m], trace.steps,
                                               reads_args ? "*" : "");
                }
                printf("%-12s %6zu %6.1f  %s%s%s\n", variant_names[v], total_len, (double) sum / MIX, per->str,
                       var.note[0] ? "  -- " : "", var.note);
                g_string_free(per, TRUE);
        }
        return 0;
}

enum { W_MICRO, W_IOCTL, W_GIT, W_FIND, N_WORKLOADS };
static const char *const workload_names[N_WORKLOADS] = { "micro", "ioctl", "git", "find" };

static void worker(int v, const char *docker_rules, long iterations, const char *tree, const char *repo, int cmd_fd,
                   int result_fd) {
        Variant var;
        build_variant(v, docker_rules, &var);
        load_variant(&var);
        char *git[] = { "git", "-C", (char *) repo, "status", "--porcelain", NULL };
        /* -size makes find stat every file: a system call per file, as
         * an IDE's file watcher or search does; -type alone reads d_type. */
        char *find[] = { "find", (char *) tree, "-type", "f", "-size", "+0c", NULL };
        for (;;) {
                char w;
                if (read(cmd_fd, &w, 1) != 1 || w == 'q')
                        _exit(0);
                double value = w == W_MICRO   ? micro(iterations)
                               : w == W_IOCTL ? micro_ioctl(iterations)
                                              : run_program(w == W_GIT ? git : find);
                if (write(result_fd, &value, sizeof(value)) != sizeof(value))
                        _exit(1);
        }
}

static int run(long rounds, long warmup, long iterations, const char *docker_rules, const char *tree,
               const char *repo) {
        int cmd[N_VARIANTS], result[N_VARIANTS];
        pid_t pids[N_VARIANTS];
        for (int v = 0; v < n_variants; v++) {
                int c[2], r[2];
                if (pipe2(c, O_CLOEXEC) < 0 || pipe2(r, O_CLOEXEC) < 0)
                        die("pipe", NULL);
                pids[v] = fork();
                if (pids[v] < 0)
                        die("fork", NULL);
                if (pids[v] == 0) {
                        close(c[1]);
                        close(r[0]);
                        worker(v, docker_rules, iterations, tree, repo, c[0], r[1]);
                }
                close(c[0]);
                close(r[1]);
                cmd[v] = c[1];
                result[v] = r[0];
        }
        for (long round = -warmup; round < rounds; round++)
                for (int w = 0; w < N_WORKLOADS; w++)
                        for (int k = 0; k < n_variants; k++) {
                                /* Rotate: no variant always runs first. */
                                int v = (int) (((round + warmup) + k) % n_variants);
                                char c = (char) w;
                                double value;
                                if (write(cmd[v], &c, 1) != 1 ||
                                    read(result[v], &value, sizeof(value)) != sizeof(value)) {
                                        fprintf(stderr, "seccomp-cost: worker %s died\n", variant_names[v]);
                                        return 1;
                                }
                                if (round >= 0)
                                        printf("%s/%s %ld %.3f\n", workload_names[w], variant_names[v], round, value);
                        }
        /* Ask each to leave: later workers hold copies of the earlier
         * ones' command pipes, so closing ours is no end-of-file. */
        for (int v = 0; v < n_variants; v++) {
                int status;
                if (write(cmd[v], "q", 1) != 1)
                        return 1;
                waitpid(pids[v], &status, 0);
        }
        return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char *argv[]) {
        if (argc >= 3 && strcmp(argv[argc >= 8 ? 5 : 2], "-") == 0)
                n_variants = 3;
        if (argc == 3 && strcmp(argv[1], "describe") == 0)
                return describe(argv[2]);
        if (argc == 8 && strcmp(argv[1], "run") == 0)
                return run(atol(argv[2]), atol(argv[3]), atol(argv[4]), argv[5], argv[6], argv[7]);
        fprintf(stderr, "usage: seccomp-cost describe DOCKER_RULES\n"
                        "       seccomp-cost run ROUNDS WARMUP ITERATIONS DOCKER_RULES TREE REPO\n");
        return 64;
}

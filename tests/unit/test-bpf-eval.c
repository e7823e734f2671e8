/* SPDX-License-Identifier: MIT */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* CLONE_NEWUSER, pipe2() */
#endif

#include "../lib/bpf-eval.h"
#include "seccomp-expect.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <linux/audit.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* x32 syscall numbers carry this bit; <asm/unistd.h> defines it on x86 only,
 * and these tests build the x86 filters on any host. */
#define X32_BIT 0x40000000

/* socketcall(2)'s call number for socket(). */
#define SYS_SOCKET_CALL 1

/* Where the low and high 32-bit halves of args[i] lie in seccomp_data: the
 * u64 is stored in host byte order. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LO(i) ((uint32_t) offsetof(struct seccomp_data, args[i]))
#define ARG_HI(i) ((uint32_t) offsetof(struct seccomp_data, args[i]) + 4)
#else
#define ARG_LO(i) ((uint32_t) offsetof(struct seccomp_data, args[i]) + 4)
#define ARG_HI(i) ((uint32_t) offsetof(struct seccomp_data, args[i]))
#endif
#define NR_OFFSET ((uint32_t) offsetof(struct seccomp_data, nr))
#define ARCH_OFFSET ((uint32_t) offsetof(struct seccomp_data, arch))

#define RET_ALLOW BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

/* g_auto(scmp_filter_ctx) releases a filter at scope exit. */
G_DEFINE_AUTO_CLEANUP_FREE_FUNC(scmp_filter_ctx, seccomp_release, NULL)

/* Compares two return values as text with what they are about, so a
 * failure reads "x86 mount: ALLOW" != "x86 mount: ERRNO(1)". */
static void check_action(const char *what, uint32_t got, uint32_t want) {
        char got_buf[SECCOMP_EXPECT_ACTION_STRING_MAX], want_buf[SECCOMP_EXPECT_ACTION_STRING_MAX];
        g_autofree char *got_s = g_strdup_printf("%s: %s", what, seccomp_expect_action_to_string(got, got_buf));
        g_autofree char *want_s = g_strdup_printf("%s: %s", what, seccomp_expect_action_to_string(want, want_buf));

        g_assert_cmpstr(got_s, ==, want_s);
        g_assert_cmphex(got, ==, want);
}

static uint32_t run(const struct sock_filter *prog, size_t len, const struct seccomp_data *data) {
        uint32_t ret = 0xdeadbeef;

        g_assert_cmpint(bpf_eval(prog, len, data, &ret), ==, 0);
        return ret;
}
#define RUN(prog, data) run((prog), G_N_ELEMENTS(prog), (data))

static uint32_t native_audit_arch(void) {
        uint32_t arch = 0;

        g_assert_cmpint(seccomp_expect_audit_arch(SCMP_ARCH_NATIVE, &arch), ==, 0);
        return arch;
}

/* ---- the interpreter on hand-written programs ---- */

static void test_ret_and_initial_registers(void) {
        static const struct sock_filter ret_k[] = {
                BPF_STMT(BPF_RET | BPF_K, 0x12345678),
        };
        /* A and X start at 0; the kernel clears both before running. */
        static const struct sock_filter ret_a[] = {
                BPF_STMT(BPF_RET | BPF_A, 0),
        };
        static const struct sock_filter ret_x[] = {
                BPF_STMT(BPF_MISC | BPF_TXA, 0),
                BPF_STMT(BPF_RET | BPF_A, 0),
        };
        struct seccomp_data data = { .nr = 7, .arch = 9, .args = { 1, 2, 3, 4, 5, 6 } };

        g_assert_cmphex(RUN(ret_k, &data), ==, 0x12345678);
        g_assert_cmphex(RUN(ret_a, &data), ==, 0);
        g_assert_cmphex(RUN(ret_x, &data), ==, 0);
}

static void fill_distinct(struct seccomp_data *data) {
        data->nr = 0x11111111;
        data->arch = 0x22222222;
        data->instruction_pointer = UINT64_C(0x4444444433333333);
        for (unsigned i = 0; i < 6; i++)
                data->args[i] = (uint64_t) (0xa0000000u + 2 * i + 1) << 32 | (0xb0000000u + 2 * i);
}

/* The word at a seccomp_data offset, derived from the fields rather than
 * from memory, so the test does not share the interpreter's method. */
static uint32_t expected_word(const struct seccomp_data *data, uint32_t offset) {
        uint64_t value;
        bool second_word;

        if (offset == NR_OFFSET)
                return (uint32_t) data->nr;
        if (offset == ARCH_OFFSET)
                return data->arch;
        if (offset < offsetof(struct seccomp_data, args))
                value = data->instruction_pointer;
        else
                value = data->args[(offset - offsetof(struct seccomp_data, args)) / 8];
        second_word = offset % 8 == 4;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        return second_word ? (uint32_t) (value >> 32) : (uint32_t) value;
#else
        return second_word ? (uint32_t) value : (uint32_t) (value >> 32);
#endif
}

static void test_load_abs(void) {
        struct seccomp_data data;

        fill_distinct(&data);
        for (uint32_t offset = 0; offset < sizeof(struct seccomp_data); offset += 4) {
                struct sock_filter prog[] = {
                        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset),
                        BPF_STMT(BPF_RET | BPF_A, 0),
                };
                g_assert_cmphex(RUN(prog, &data), ==, expected_word(&data, offset));
        }

        /* The halves libseccomp compares separately: whatever the host byte
         * order, ARG_LO reads bits 0-31 and ARG_HI bits 32-63. */
        {
                static const struct sock_filter lo[] = {
                        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
                        BPF_STMT(BPF_RET | BPF_A, 0),
                };
                static const struct sock_filter hi[] = {
                        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_HI(1)),
                        BPF_STMT(BPF_RET | BPF_A, 0),
                };
                data.args[1] = UINT64_C(0x1122334455667788);
                g_assert_cmphex(RUN(lo, &data), ==, 0x55667788);
                g_assert_cmphex(RUN(hi, &data), ==, 0x11223344);
        }
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        /* On little-endian hosts (x86_64, aarch64) the low half comes first. */
        g_assert_cmpuint(ARG_LO(1), ==, 24);
        g_assert_cmpuint(ARG_HI(1), ==, 28);
#endif
}

static void test_load_len_imm_misc(void) {
        static const struct sock_filter ld_len[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
                BPF_STMT(BPF_RET | BPF_A, 0),
        };
        static const struct sock_filter ldx_len[] = {
                BPF_STMT(BPF_LDX | BPF_W | BPF_LEN, 0),
                BPF_STMT(BPF_MISC | BPF_TXA, 0),
                BPF_STMT(BPF_RET | BPF_A, 0),
        };
        static const struct sock_filter tax[] = {
                BPF_STMT(BPF_LD | BPF_IMM, 7),   BPF_STMT(BPF_MISC | BPF_TAX, 0), BPF_STMT(BPF_LD | BPF_IMM, 0),
                BPF_STMT(BPF_MISC | BPF_TXA, 0), BPF_STMT(BPF_RET | BPF_A, 0),
        };
        static const struct sock_filter ldx_imm[] = {
                BPF_STMT(BPF_LD | BPF_IMM, 1),
                BPF_STMT(BPF_LDX | BPF_IMM, 0xfedcba98),
                BPF_STMT(BPF_MISC | BPF_TXA, 0),
                BPF_STMT(BPF_RET | BPF_A, 0),
        };
        struct seccomp_data data = { 0 };

        /* The "packet length" of a seccomp program is sizeof(seccomp_data). */
        g_assert_cmphex(RUN(ld_len, &data), ==, 64);
        g_assert_cmphex(RUN(ldx_len, &data), ==, 64);
        g_assert_cmphex(RUN(tax, &data), ==, 7);
        g_assert_cmphex(RUN(ldx_imm, &data), ==, 0xfedcba98);
}

static void test_scratch_memory(void) {
        struct seccomp_data data = { 0 };

        for (uint32_t cell = 0; cell < BPF_MEMWORDS; cell++) {
                uint32_t value = 0x01010101u * (cell + 1);
                struct sock_filter st_ldx[] = {
                        BPF_STMT(BPF_LD | BPF_IMM, value), BPF_STMT(BPF_ST, cell),
                        BPF_STMT(BPF_LD | BPF_IMM, 0),     BPF_STMT(BPF_LDX | BPF_MEM, cell),
                        BPF_STMT(BPF_MISC | BPF_TXA, 0),   BPF_STMT(BPF_RET | BPF_A, 0),
                };
                struct sock_filter stx_ld[] = {
                        BPF_STMT(BPF_LDX | BPF_IMM, value), BPF_STMT(BPF_STX, cell),
                        BPF_STMT(BPF_LDX | BPF_IMM, 0),     BPF_STMT(BPF_LD | BPF_MEM, cell),
                        BPF_STMT(BPF_RET | BPF_A, 0),
                };
                g_assert_cmphex(RUN(st_ldx, &data), ==, value);
                g_assert_cmphex(RUN(stx_ld, &data), ==, value);
        }

        /* Cells are distinct: write 0..15 into all, read one back. */
        {
                struct sock_filter prog[2 * BPF_MEMWORDS + 2];
                size_t n = 0;

                for (uint32_t cell = 0; cell < BPF_MEMWORDS; cell++) {
                        prog[n++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_IMM, 100 + cell);
                        prog[n++] = (struct sock_filter) BPF_STMT(BPF_ST, cell);
                }
                prog[n++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_MEM, 5);
                prog[n++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_A, 0);
                g_assert_cmphex(run(prog, n, &data), ==, 105);
        }
}

typedef struct {
        uint16_t op; /* BPF_ADD, ..., BPF_NEG */
        uint32_t a;
        uint32_t operand; /* k for BPF_K, X for BPF_X */
        uint32_t result;
        bool k_too; /* also valid as a BPF_K instruction */
} AluCase;

static const AluCase alu_cases[] = {
        { BPF_ADD, 0xfffffff0, 0x20, 0x10, true }, /* wraps at 32 bits */
        { BPF_ADD, 1, 2, 3, true },
        { BPF_SUB, 0x10, 0x20, 0xfffffff0, true },
        { BPF_SUB, 9, 4, 5, true },
        { BPF_MUL, 0x10000, 0x10001, 0x10000, true }, /* 0x1_0001_0000 truncated */
        { BPF_MUL, 0x12345678, 3, 0x369d0368, true },
        { BPF_DIV, 100, 7, 14, true },
        { BPF_DIV, 0xffffffff, 2, 0x7fffffff, true }, /* unsigned */
        { BPF_AND, 0xf0f0, 0xff00, 0xf000, true },
        { BPF_OR, 0xf0f0, 0x0f00, 0xfff0, true },
        { BPF_XOR, 0xff00ff00, 0x0ff00ff0, 0xf0f0f0f0, true },
        { BPF_LSH, 1, 31, 0x80000000, true },
        { BPF_LSH, 0x80000001, 1, 2, true },
        { BPF_RSH, 0x80000000, 31, 1, true }, /* logical, not arithmetic */
        { BPF_RSH, 0xf0000000, 4, 0x0f000000, true },
        /* A count of 32 or more is refused as a constant; from X it is
         * taken modulo 32, as the CPU does. */
        { BPF_LSH, 3, 33, 6, false },
        { BPF_RSH, 0x80000000, 32, 0x80000000, false },
        { BPF_NEG, 1, 0, 0xffffffff, true },
        { BPF_NEG, 0, 0, 0, true },
        { BPF_NEG, 0x80000000, 0, 0x80000000, true },
};

static const char *alu_name(uint16_t op) {
        switch (op) {
        case BPF_ADD:
                return "add";
        case BPF_SUB:
                return "sub";
        case BPF_MUL:
                return "mul";
        case BPF_DIV:
                return "div";
        case BPF_AND:
                return "and";
        case BPF_OR:
                return "or";
        case BPF_XOR:
                return "xor";
        case BPF_LSH:
                return "lsh";
        case BPF_RSH:
                return "rsh";
        case BPF_NEG:
                return "neg";
        default:
                return "?";
        }
}

static void test_alu(void) {
        struct seccomp_data data = { 0 };

        for (size_t i = 0; i < G_N_ELEMENTS(alu_cases); i++) {
                const AluCase *c = &alu_cases[i];
                /* NEG has no source operand: only BPF_ALU|BPF_NEG exists. */
                uint16_t x_code = c->op == BPF_NEG ? BPF_ALU | BPF_NEG : BPF_ALU | c->op | BPF_X;
                struct sock_filter with_x[] = {
                        BPF_STMT(BPF_LD | BPF_IMM, c->a),
                        BPF_STMT(BPF_LDX | BPF_IMM, c->operand),
                        BPF_STMT(x_code, 0),
                        BPF_STMT(BPF_RET | BPF_A, 0),
                };
                struct sock_filter with_k[] = {
                        BPF_STMT(BPF_LD | BPF_IMM, c->a),
                        BPF_STMT(BPF_LDX | BPF_IMM, 0x5a5a5a5a), /* must not be used */
                        BPF_STMT(BPF_ALU | c->op | BPF_K, c->operand),
                        BPF_STMT(BPF_RET | BPF_A, 0),
                };

                g_test_message("%s 0x%x, 0x%x", alu_name(c->op), c->a, c->operand);
                g_assert_cmphex(RUN(with_x, &data), ==, c->result);
                if (c->k_too)
                        g_assert_cmphex(RUN(with_k, &data), ==, c->result);
        }
}

static void test_div_by_x_zero_returns_zero(void) {
        static const struct sock_filter prog[] = {
                BPF_STMT(BPF_LD | BPF_IMM, 5),
                BPF_STMT(BPF_LDX | BPF_IMM, 0),
                BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0),
                RET_ALLOW,
        };
        struct seccomp_data data = { 0 };

        /* The program ends there with 0: SECCOMP_RET_KILL_THREAD. */
        check_action("5 / X(0)", RUN(prog, &data), SECCOMP_RET_KILL_THREAD);
}

typedef struct {
        uint16_t op;
        uint32_t a;
        uint32_t operand;
        bool taken;
} JumpCase;

static const JumpCase jump_cases[] = {
        { BPF_JEQ, 5, 5, true },
        { BPF_JEQ, 5, 6, false },
        { BPF_JGT, 6, 5, true },
        { BPF_JGT, 5, 5, false },
        { BPF_JGT, 0xffffffff, 1, true }, /* unsigned */
        { BPF_JGT, 1, 0xffffffff, false },
        { BPF_JGE, 5, 5, true },
        { BPF_JGE, 4, 5, false },
        { BPF_JGE, 0x80000000, 0x7fffffff, true },
        { BPF_JSET, 0x10, 0x30, true },
        { BPF_JSET, 0x10, 0x20, false },
        { BPF_JSET, 0x80000000, 0x80000000, true },
};

/* Returned by the hand-written jump programs, to tell the branches apart. */
#define TAKEN 0x7
#define NOT_TAKEN 0xf

static const char *jump_name(uint16_t op) {
        switch (op) {
        case BPF_JEQ:
                return "jeq";
        case BPF_JGT:
                return "jgt";
        case BPF_JGE:
                return "jge";
        case BPF_JSET:
                return "jset";
        default:
                return "?";
        }
}

static void test_jumps(void) {
        struct seccomp_data data = { 0 };

        for (size_t i = 0; i < G_N_ELEMENTS(jump_cases); i++) {
                const JumpCase *c = &jump_cases[i];
                uint32_t want = c->taken ? TAKEN : NOT_TAKEN;
                struct sock_filter with_k[] = {
                        BPF_STMT(BPF_LD | BPF_IMM, c->a),
                        BPF_STMT(BPF_LDX | BPF_IMM, ~c->operand), /* must not be used */
                        BPF_JUMP(BPF_JMP | c->op | BPF_K, c->operand, 1, 0),
                        BPF_STMT(BPF_RET | BPF_K, NOT_TAKEN),
                        BPF_STMT(BPF_RET | BPF_K, TAKEN),
                };
                struct sock_filter with_x[] = {
                        BPF_STMT(BPF_LD | BPF_IMM, c->a),
                        BPF_STMT(BPF_LDX | BPF_IMM, c->operand),
                        BPF_JUMP(BPF_JMP | c->op | BPF_X, ~c->operand, 1, 0),
                        BPF_STMT(BPF_RET | BPF_K, NOT_TAKEN),
                        BPF_STMT(BPF_RET | BPF_K, TAKEN),
                };

                g_test_message("%s 0x%x, 0x%x", jump_name(c->op), c->a, c->operand);
                g_assert_cmphex(RUN(with_k, &data), ==, want);
                g_assert_cmphex(RUN(with_x, &data), ==, want);
        }

        /* Offsets count from the next instruction, in both directions of
         * the condition, and JA's offset is its k. */
        {
                static const struct sock_filter ja[] = {
                        BPF_STMT(BPF_JMP | BPF_JA, 2),
                        BPF_STMT(BPF_RET | BPF_K, 1),
                        BPF_STMT(BPF_RET | BPF_K, 2),
                        BPF_STMT(BPF_RET | BPF_K, 3),
                };
                static const struct sock_filter far_true[] = {
                        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 2, 1),
                        BPF_STMT(BPF_RET | BPF_K, 1),
                        BPF_STMT(BPF_RET | BPF_K, 2),
                        BPF_STMT(BPF_RET | BPF_K, 3),
                };
                static const struct sock_filter far_false[] = {
                        BPF_JUMP(BPF_JEQ | BPF_JMP | BPF_K, 1, 2, 1),
                        BPF_STMT(BPF_RET | BPF_K, 1),
                        BPF_STMT(BPF_RET | BPF_K, 2),
                        BPF_STMT(BPF_RET | BPF_K, 3),
                };
                g_assert_cmphex(RUN(ja, &data), ==, 3);
                g_assert_cmphex(RUN(far_true, &data), ==, 3);
                g_assert_cmphex(RUN(far_false, &data), ==, 2);
        }
}

/* Programs the kernel refuses or accepts at load time. Accepted ones return
 * ALLOW on every path, so a test child can load them and still report. */
#define CHECK_CASE_MAX 8
typedef struct {
        const char *name;
        struct sock_filter prog[CHECK_CASE_MAX];
        size_t len;
        bool valid;
} CheckCase;

#define CHECK_CASE(n, v, ...)                                                                                          \
        {                                                                                                              \
                .name = (n), .valid = (v), .prog = { __VA_ARGS__ },                                                    \
                .len = sizeof((struct sock_filter[]){ __VA_ARGS__ }) / sizeof(struct sock_filter),                     \
        }

static const CheckCase check_cases[] = {
        CHECK_CASE("ret only", true, RET_ALLOW),
        CHECK_CASE("ld abs last word", true, BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 60), RET_ALLOW),
        CHECK_CASE("ld abs misaligned", false, BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 2), RET_ALLOW),
        CHECK_CASE("ld abs past seccomp_data", false, BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 64), RET_ALLOW),
        CHECK_CASE("ld abs ancillary", false,
                   BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t) SKF_AD_OFF + SKF_AD_PROTOCOL), RET_ALLOW),
        CHECK_CASE("ld half word", false, BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 0), RET_ALLOW),
        CHECK_CASE("ld byte", false, BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0), RET_ALLOW),
        CHECK_CASE("ld indirect", false, BPF_STMT(BPF_LD | BPF_W | BPF_IND, 0), RET_ALLOW),
        CHECK_CASE("ldx msh", false, BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0), RET_ALLOW),
        CHECK_CASE("mod k", false, BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 3), RET_ALLOW),
        CHECK_CASE("mod x", false, BPF_STMT(BPF_LDX | BPF_IMM, 3), BPF_STMT(BPF_ALU | BPF_MOD | BPF_X, 0), RET_ALLOW),
        CHECK_CASE("neg with x bit", false, BPF_STMT(BPF_ALU | BPF_NEG | BPF_X, 0), RET_ALLOW),
        CHECK_CASE("ret x", false, BPF_STMT(BPF_RET | BPF_X, 0)),
        CHECK_CASE("unknown opcode", false, BPF_STMT(0xffff, 0), RET_ALLOW),
        CHECK_CASE("div by constant zero", false, BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), RET_ALLOW),
        CHECK_CASE("div by x", true, BPF_STMT(BPF_LDX | BPF_IMM, 3), BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0), RET_ALLOW),
        CHECK_CASE("lsh by 31", true, BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 31), RET_ALLOW),
        CHECK_CASE("lsh by 32", false, BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 32), RET_ALLOW),
        CHECK_CASE("rsh by 32", false, BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 32), RET_ALLOW),
        CHECK_CASE("st to last cell and back", true, BPF_STMT(BPF_ST, 15), BPF_STMT(BPF_LD | BPF_MEM, 15), RET_ALLOW),
        CHECK_CASE("st past the cells", false, BPF_STMT(BPF_ST, 16), RET_ALLOW),
        CHECK_CASE("stx past the cells", false, BPF_STMT(BPF_STX, 16), RET_ALLOW),
        CHECK_CASE("ld mem past the cells", false, BPF_STMT(BPF_LD | BPF_MEM, 16), RET_ALLOW),
        CHECK_CASE("ldx mem past the cells", false, BPF_STMT(BPF_LDX | BPF_MEM, 16), RET_ALLOW),
        CHECK_CASE("cell read before any write", false, BPF_STMT(BPF_LD | BPF_MEM, 0), RET_ALLOW),
        CHECK_CASE("cell written on one branch only", false, BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
                   BPF_STMT(BPF_ST, 0), BPF_STMT(BPF_LDX | BPF_MEM, 0), RET_ALLOW),
        CHECK_CASE("cell written on both branches", true, BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2),
                   BPF_STMT(BPF_ST, 0), BPF_STMT(BPF_JMP | BPF_JA, 1), BPF_STMT(BPF_STX, 0),
                   BPF_STMT(BPF_LDX | BPF_MEM, 0), RET_ALLOW),
        /* Only reachable from the JA, after cell 0 was written; the kernel
         * still refuses it because its pass carries the state across the
         * return. We must refuse it as well. */
        CHECK_CASE("cell state carried across a return", false, BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 2),
                   BPF_STMT(BPF_ST, 0), BPF_STMT(BPF_JMP | BPF_JA, 1), RET_ALLOW, BPF_STMT(BPF_LD | BPF_MEM, 0),
                   RET_ALLOW),
        CHECK_CASE("ja to the last instruction", true, BPF_STMT(BPF_JMP | BPF_JA, 1), BPF_STMT(BPF_LD | BPF_IMM, 0),
                   RET_ALLOW),
        CHECK_CASE("ja past the end", false, BPF_STMT(BPF_JMP | BPF_JA, 2), BPF_STMT(BPF_LD | BPF_IMM, 0), RET_ALLOW),
        CHECK_CASE("ja huge", false, BPF_STMT(BPF_JMP | BPF_JA, 0xffffffff), RET_ALLOW),
        CHECK_CASE("jeq true past the end", false, BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), RET_ALLOW),
        CHECK_CASE("jeq false past the end", false, BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), RET_ALLOW),
        CHECK_CASE("jset x false past the end", false, BPF_JUMP(BPF_JMP | BPF_JSET | BPF_X, 0, 0, 1), RET_ALLOW),
        CHECK_CASE("falls off the end", false, BPF_STMT(BPF_LD | BPF_IMM, 0)),
        CHECK_CASE("return not last", false, RET_ALLOW, BPF_STMT(BPF_LD | BPF_IMM, 0)),
        CHECK_CASE("branch that falls off the end", false, BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), RET_ALLOW,
                   BPF_STMT(BPF_LD | BPF_IMM, 0)),
        CHECK_CASE("ld len", true, BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0), RET_ALLOW),
        CHECK_CASE("ldx len", true, BPF_STMT(BPF_LDX | BPF_W | BPF_LEN, 0), RET_ALLOW),
};

static void test_check_cases(void) {
        struct seccomp_data data = { 0 };

        for (size_t i = 0; i < G_N_ELEMENTS(check_cases); i++) {
                const CheckCase *c = &check_cases[i];
                uint32_t ret = 0xdeadbeef;
                int want = c->valid ? 0 : -EINVAL;

                g_test_message("%s", c->name);
                g_assert_cmpint(bpf_check(c->prog, c->len), ==, want);
                g_assert_cmpint(bpf_eval(c->prog, c->len, &data, &ret), ==, want);
                /* A refused program leaves the answer untouched. */
                g_assert_cmphex(ret, ==, c->valid ? SECCOMP_RET_ALLOW : 0xdeadbeef);
        }
}

static void test_check_length(void) {
        g_autofree struct sock_filter *prog = g_new(struct sock_filter, BPF_MAXINSNS + 1);
        struct seccomp_data data = { 0 };
        uint32_t ret = 0xdeadbeef;

        for (size_t i = 0; i <= BPF_MAXINSNS; i++)
                prog[i] = (struct sock_filter) RET_ALLOW;

        g_assert_cmpint(bpf_check(prog, 0), ==, -EINVAL);
        g_assert_cmpint(bpf_check(NULL, 1), ==, -EINVAL);
        g_assert_cmpint(bpf_check(prog, 1), ==, 0);
        g_assert_cmpint(bpf_check(prog, BPF_MAXINSNS), ==, 0);
        g_assert_cmpint(bpf_check(prog, BPF_MAXINSNS + 1), ==, -EINVAL);
        g_assert_cmpint(bpf_eval(prog, 1, NULL, &ret), ==, -EINVAL);
        g_assert_cmpint(bpf_eval(prog, 1, &data, NULL), ==, -EINVAL);
        g_assert_cmphex(ret, ==, 0xdeadbeef);
}

/* The trace counts every instruction run, the return included, marks each
 * seccomp_data word loaded, and adds up over the programs of a stack. */
static void test_trace(void) {
        static const struct sock_filter prog[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFFSET),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 5, 0, 1),
                RET_ALLOW,
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)),
                BPF_STMT(BPF_RET | BPF_A, 0),
        };
        static const struct sock_filter invalid[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFFSET),
        };
        const uint16_t nr_word = 1u << (NR_OFFSET / 4), arg0_word = 1u << (ARG_LO(0) / 4);
        struct seccomp_data data = { .nr = 5, .args = { 42 } };
        BpfTrace trace = { 0 };
        uint32_t ret = 0;

        g_assert_cmpint(bpf_eval_traced(prog, G_N_ELEMENTS(prog), &data, &ret, &trace), ==, 0);
        g_assert_cmphex(ret, ==, SECCOMP_RET_ALLOW);
        g_assert_cmpuint(trace.steps, ==, 3);
        g_assert_cmphex(trace.loaded, ==, nr_word);

        data.nr = 6;
        g_assert_cmpint(bpf_eval_traced(prog, G_N_ELEMENTS(prog), &data, &ret, &trace), ==, 0);
        g_assert_cmphex(ret, ==, 42);
        g_assert_cmpuint(trace.steps, ==, 3 + 4);
        g_assert_cmphex(trace.loaded, ==, nr_word | arg0_word);

        /* A refused program leaves the trace as it was. */
        g_assert_cmpint(bpf_eval_traced(invalid, G_N_ELEMENTS(invalid), &data, &ret, &trace), ==, -EINVAL);
        g_assert_cmpuint(trace.steps, ==, 3 + 4);
        g_assert_cmphex(trace.loaded, ==, nr_word | arg0_word);

        g_assert_cmpint(bpf_eval_traced(prog, G_N_ELEMENTS(prog), &data, &ret, NULL), ==, 0);
        g_assert_cmphex(ret, ==, 42);
}

/* ---- the same programs, run by the kernel ----
 *
 * The interpreter's claim is to compute what the kernel computes. Where the
 * kernel can run a filter (the native arch, in a child process) we hold it
 * to that: a child loads the program and calls a probe syscall, and the
 * errno it gets must be the one the interpreter predicts. */

#define PROBES_MAX 4

typedef struct {
        int load_errno; /* 0: the kernel accepted the program */
        int term_signal; /* non-zero: the child was killed by it */
        int probe_errno[PROBES_MAX]; /* errno of each probe call, 0 if it succeeded */
} KernelOutcome;

static void kernel_run(const struct sock_filter *prog, size_t len, long probe_nr, const uint64_t (*probes)[6],
                       size_t n_probes, KernelOutcome *ret) {
        int fds[2], status;
        pid_t pid;
        ssize_t n;

        g_assert_cmpuint(n_probes, <=, PROBES_MAX);
        g_assert_cmpint(pipe2(fds, O_CLOEXEC), ==, 0);

        pid = fork();
        g_assert_cmpint(pid, >=, 0);
        if (pid == 0) {
                /* Only raw syscalls from here: this child is about to run
                 * under a filter made for a test. */
                KernelOutcome outcome = { 0 };
                struct sock_fprog fprog = {
                        .len = (unsigned short) len,
                        .filter = (struct sock_filter *) prog,
                };
                struct rlimit no_core = { 0, 0 };

                /* A filter that kills must not leave core files behind. */
                (void) setrlimit(RLIMIT_CORE, &no_core);
                close(fds[0]);
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        outcome.load_errno = errno;
                else if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0)
                        outcome.load_errno = errno;
                else
                        for (size_t i = 0; i < n_probes; i++) {
                                const uint64_t *a = probes[i];
                                errno = 0;
                                if (syscall(probe_nr, a[0], a[1], a[2], a[3], a[4], a[5]) < 0)
                                        outcome.probe_errno[i] = errno;
                        }
                n = write(fds[1], &outcome, sizeof(outcome));
                _exit(n == (ssize_t) sizeof(outcome) ? 0 : 1);
        }

        close(fds[1]);
        memset(ret, 0, sizeof(*ret));
        do
                n = read(fds[0], ret, sizeof(*ret));
        while (n < 0 && errno == EINTR);
        close(fds[0]);
        g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);

        if (WIFSIGNALED(status)) {
                memset(ret, 0, sizeof(*ret));
                ret->term_signal = WTERMSIG(status);
                return;
        }
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), ==, 0);
        g_assert_cmpint(n, ==, (ssize_t) sizeof(*ret));
}

/* An errno no syscall returns by itself, so only the filter can have set it. */
#define CALIBRATION_ERRNO 2047

/* Whether filters loaded here see this process's syscalls as the native
 * arch (not so under an emulator, or where seccomp is off); if not, the
 * kernel comparisons cannot be made and are skipped. */
static bool kernel_filters_usable(void) {
        static int usable = -1;

        if (usable < 0) {
                const struct sock_filter prog[] = {
                        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARCH_OFFSET),
                        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, native_audit_arch(), 0, 3),
                        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFFSET),
                        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
                        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | CALIBRATION_ERRNO),
                        RET_ALLOW,
                };
                static const uint64_t probe[1][6] = { { 0 } };
                KernelOutcome outcome;

                kernel_run(prog, G_N_ELEMENTS(prog), SYS_getppid, probe, 1, &outcome);
                usable = outcome.load_errno == 0 && outcome.term_signal == 0 &&
                         outcome.probe_errno[0] == CALIBRATION_ERRNO;
                if (!usable)
                        g_test_message("seccomp probe: load errno %d, signal %d, probe errno %d", outcome.load_errno,
                                       outcome.term_signal, outcome.probe_errno[0]);
        }
        return usable;
}

#define SKIP_UNLESS_KERNEL_FILTERS()                                                                                   \
        do {                                                                                                           \
                if (!kernel_filters_usable()) {                                                                        \
                        g_test_skip("seccomp filters cannot be run for the native arch here");                         \
                        return;                                                                                        \
                }                                                                                                      \
        } while (0)

static void test_kernel_check_agrees(void) {
        SKIP_UNLESS_KERNEL_FILTERS();

        for (size_t i = 0; i < G_N_ELEMENTS(check_cases); i++) {
                const CheckCase *c = &check_cases[i];
                KernelOutcome outcome;

                g_test_message("%s", c->name);
                kernel_run(c->prog, c->len, SYS_getppid, NULL, 0, &outcome);
                g_assert_cmpint(outcome.term_signal, ==, 0);
                g_assert_cmpint(outcome.load_errno, ==, c->valid ? 0 : EINVAL);
        }

        /* The length limit, at and past BPF_MAXINSNS. */
        {
                g_autofree struct sock_filter *prog = g_new(struct sock_filter, BPF_MAXINSNS + 1);
                KernelOutcome outcome;

                for (size_t i = 0; i <= BPF_MAXINSNS; i++)
                        prog[i] = (struct sock_filter) RET_ALLOW;
                kernel_run(prog, BPF_MAXINSNS, SYS_getppid, NULL, 0, &outcome);
                g_assert_cmpint(outcome.load_errno, ==, 0);
                g_assert_cmpint(bpf_check(prog, BPF_MAXINSNS), ==, 0);
                kernel_run(prog, BPF_MAXINSNS + 1, SYS_getppid, NULL, 0, &outcome);
                g_assert_cmpint(outcome.load_errno, ==, EINVAL);
                g_assert_cmpint(bpf_check(prog, BPF_MAXINSNS + 1), ==, -EINVAL);
        }
}

/* The kernel reports a computed A through the probe's errno, 11 bits at a
 * time: errno = 0x800 | ((A >> args[2]) & 0x7ff). 0x800 keeps it clear of
 * 0 (success) and of every real errno. */
#define WINDOW_BITS 11
#define WINDOW_MASK 0x7ffu
#define WINDOW_MARK 0x800u

static void kernel_compute(const struct sock_filter *op, uint32_t a, uint32_t x, uint32_t want) {
        const struct sock_filter prog[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFFSET),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 12),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
                BPF_STMT(BPF_MISC | BPF_TAX, 0),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)),
                *op,
                BPF_STMT(BPF_ST, 0),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(2)),
                BPF_STMT(BPF_MISC | BPF_TAX, 0),
                BPF_STMT(BPF_LD | BPF_MEM, 0),
                BPF_STMT(BPF_ALU | BPF_RSH | BPF_X, 0),
                BPF_STMT(BPF_ALU | BPF_AND | BPF_K, WINDOW_MASK),
                BPF_STMT(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO | WINDOW_MARK),
                BPF_STMT(BPF_RET | BPF_A, 0),
                RET_ALLOW,
        };
        uint64_t probes[3][6];
        KernelOutcome outcome;
        uint32_t from_kernel = 0;

        for (unsigned w = 0; w < 3; w++) {
                struct seccomp_data data = { .nr = SYS_getppid, .arch = native_audit_arch() };
                uint32_t predicted;

                memset(probes[w], 0, sizeof(probes[w]));
                probes[w][0] = a;
                probes[w][1] = x;
                probes[w][2] = w * WINDOW_BITS;
                memcpy(data.args, probes[w], sizeof(data.args));
                predicted = run(prog, G_N_ELEMENTS(prog), &data);
                g_assert_cmphex(predicted, ==,
                                SECCOMP_RET_ERRNO | WINDOW_MARK | ((want >> (w * WINDOW_BITS)) & WINDOW_MASK));
        }

        kernel_run(prog, G_N_ELEMENTS(prog), SYS_getppid, probes, 3, &outcome);
        g_assert_cmpint(outcome.load_errno, ==, 0);
        g_assert_cmpint(outcome.term_signal, ==, 0);
        for (unsigned w = 0; w < 3; w++) {
                g_assert_cmphex(outcome.probe_errno[w] & ~(int) WINDOW_MASK, ==, WINDOW_MARK);
                from_kernel |= ((uint32_t) outcome.probe_errno[w] & WINDOW_MASK) << (w * WINDOW_BITS);
        }
        g_assert_cmphex(from_kernel, ==, want);
}

static void test_kernel_alu_agrees(void) {
        SKIP_UNLESS_KERNEL_FILTERS();

        for (size_t i = 0; i < G_N_ELEMENTS(alu_cases); i++) {
                const AluCase *c = &alu_cases[i];
                uint16_t x_code = c->op == BPF_NEG ? BPF_ALU | BPF_NEG : BPF_ALU | c->op | BPF_X;
                const struct sock_filter with_x = BPF_STMT(x_code, 0);
                const struct sock_filter with_k = BPF_STMT(BPF_ALU | c->op | BPF_K, c->operand);

                g_test_message("%s 0x%x, 0x%x", alu_name(c->op), c->a, c->operand);
                kernel_compute(&with_x, c->a, c->operand, c->result);
                if (c->k_too)
                        kernel_compute(&with_k, c->a, 0x5a5a5a5a, c->result);
        }
}

static void test_kernel_jumps_agree(void) {
        SKIP_UNLESS_KERNEL_FILTERS();

        for (size_t i = 0; i < G_N_ELEMENTS(jump_cases); i++) {
                const JumpCase *c = &jump_cases[i];
                for (int use_x = 0; use_x <= 1; use_x++) {
                        const struct sock_filter prog[] = {
                                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFFSET),
                                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 6),
                                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
                                BPF_STMT(BPF_MISC | BPF_TAX, 0),
                                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)),
                                BPF_JUMP(BPF_JMP | c->op | (use_x ? BPF_X : BPF_K), use_x ? ~c->operand : c->operand, 1,
                                         0),
                                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | WINDOW_MARK | NOT_TAKEN),
                                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | WINDOW_MARK | TAKEN),
                                RET_ALLOW,
                        };
                        const uint64_t probes[1][6] = { { c->a, use_x ? c->operand : ~c->operand } };
                        struct seccomp_data data = { .nr = SYS_getppid, .arch = native_audit_arch() };
                        uint32_t want = SECCOMP_RET_ERRNO | WINDOW_MARK | (c->taken ? TAKEN : NOT_TAKEN);
                        KernelOutcome outcome;

                        g_test_message("%s%s 0x%x, 0x%x", jump_name(c->op), use_x ? " x" : "", c->a, c->operand);
                        memcpy(data.args, probes[0], sizeof(data.args));
                        g_assert_cmphex(run(prog, G_N_ELEMENTS(prog), &data), ==, want);

                        kernel_run(prog, G_N_ELEMENTS(prog), SYS_getppid, probes, 1, &outcome);
                        g_assert_cmpint(outcome.load_errno, ==, 0);
                        g_assert_cmpint(outcome.probe_errno[0], ==, (int) (want & SECCOMP_RET_DATA));
                }
        }
}

static void test_kernel_div_by_x_zero_kills(void) {
        const struct sock_filter prog[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFFSET),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 5),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
                BPF_STMT(BPF_MISC | BPF_TAX, 0),
                BPF_STMT(BPF_LD | BPF_IMM, 5),
                BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | WINDOW_MARK),
                RET_ALLOW,
        };
        const uint64_t probes[1][6] = { { 0, 0 } };
        struct seccomp_data data = { .nr = SYS_getppid, .arch = native_audit_arch() };
        KernelOutcome outcome;

        SKIP_UNLESS_KERNEL_FILTERS();

        check_action("getppid, 5 / X(0)", run(prog, G_N_ELEMENTS(prog), &data), SECCOMP_RET_KILL_THREAD);
        /* Killing the only thread ends the process with SIGSYS. */
        kernel_run(prog, G_N_ELEMENTS(prog), SYS_getppid, probes, 1, &outcome);
        g_assert_cmpint(outcome.term_signal, ==, SIGSYS);
}

/* ---- filters built by libseccomp ---- */

static const uint32_t x86_family[] = { SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32 };
static const uint32_t arm_family[] = { SCMP_ARCH_AARCH64, SCMP_ARCH_ARM };

static const char *arch_name(uint32_t arch) {
        switch (arch) {
        case SCMP_ARCH_X86_64:
                return "x86_64";
        case SCMP_ARCH_X86:
                return "x86";
        case SCMP_ARCH_X32:
                return "x32";
        case SCMP_ARCH_AARCH64:
                return "aarch64";
        case SCMP_ARCH_ARM:
                return "arm";
        default:
                return "?";
        }
}

/* A filter for exactly these arches, whatever the host: libseccomp builds
 * for any arch, only loading needs the native one. */
static scmp_filter_ctx new_filter(const uint32_t *arches, size_t n_arches, int optimize) {
        scmp_filter_ctx filter = seccomp_init(SCMP_ACT_ALLOW);
        bool keep_native = false;

        g_assert_nonnull(filter);
        g_assert_cmpint(seccomp_attr_set(filter, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS), ==, 0);
        g_assert_cmpint(seccomp_attr_set(filter, SCMP_FLTATR_CTL_OPTIMIZE, (uint32_t) optimize), ==, 0);
        for (size_t i = 0; i < n_arches; i++) {
                int r = seccomp_arch_add(filter, arches[i]);
                if (r == -EEXIST)
                        keep_native = true;
                else
                        g_assert_cmpint(r, ==, 0);
        }
        if (!keep_native)
                g_assert_cmpint(seccomp_arch_remove(filter, SCMP_ARCH_NATIVE), ==, 0);
        return filter;
}

/* A plain 64-bit equality on one argument. Spelled out because the
 * two-value SCMP_A*() macros leave datum_b out of the initializer, which
 * clang's -Wmissing-field-initializers turns into an error. */
static struct scmp_arg_cmp arg_equals(unsigned arg, uint64_t value) {
        return (struct scmp_arg_cmp){ .arg = arg, .op = SCMP_CMP_EQ, .datum_a = value };
}

/* The shape of the launcher's rules: plain denials, clone3 -> ENOSYS, and
 * argument checks through masks, the way that holds on every ABI. */
static void add_policy_rules(scmp_filter_ctx filter) {
        g_assert_cmpint(seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mount), 0), ==, 0);
        g_assert_cmpint(seccomp_rule_add(filter, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0), ==, 0);
        g_assert_cmpint(seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                                         SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER)),
                        ==, 0);
        /* ioctl's cmd is an unsigned int: the kernel ignores the upper half
         * of the register, so the rule must too. */
        g_assert_cmpint(seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                                         SCMP_A1_64(SCMP_CMP_MASKED_EQ, 0xffffffff, TIOCSTI)),
                        ==, 0);
}

static void export_filter(scmp_filter_ctx filter, struct sock_filter **ret_prog, size_t *ret_len) {
        g_assert_cmpint(bpf_export_filter(filter, ret_prog, ret_len), ==, 0);
        g_assert_cmpuint(*ret_len, >, 0);
        g_assert_cmpint(bpf_check(*ret_prog, *ret_len), ==, 0);
}

static void expect(const struct sock_filter *prog, size_t len, uint32_t arch, const char *name, uint64_t arg0,
                   uint64_t arg1, uint32_t want) {
        const uint64_t args[6] = { arg0, arg1 };
        g_autofree char *what = g_strdup_printf("%s %s(0x%" G_GINT64_MODIFIER "x, 0x%" G_GINT64_MODIFIER "x)",
                                                arch_name(arch), name, arg0, arg1);
        uint32_t got = 0xdeadbeef;

        g_assert_cmpint(seccomp_expect_action(prog, len, arch, name, args, &got), ==, 0);
        check_action(what, got, want);
}

typedef struct {
        const char *name;
        int nr[5]; /* x86_64, x86, x32, aarch64, arm */
} SyscallNumbers;

/* Pinned so the per-arch checks below cannot be comparing one number with
 * itself: each ABI really numbers these differently. */
static const SyscallNumbers syscall_numbers[] = {
        { "mount", { 165, 21, X32_BIT | 165, 40, 21 } },     { "clone", { 56, 120, X32_BIT | 56, 220, 120 } },
        { "clone3", { 435, 435, X32_BIT | 435, 435, 435 } }, { "ioctl", { 16, 54, X32_BIT | 514, 29, 54 } },
        { "getpid", { 39, 20, X32_BIT | 39, 172, 20 } },
};

static void test_syscall_numbers(void) {
        static const uint32_t arches[] = {
                SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32, SCMP_ARCH_AARCH64, SCMP_ARCH_ARM,
        };

        for (size_t i = 0; i < G_N_ELEMENTS(syscall_numbers); i++)
                for (size_t a = 0; a < G_N_ELEMENTS(arches); a++) {
                        int nr = -1;

                        g_test_message("%s on %s", syscall_numbers[i].name, arch_name(arches[a]));
                        g_assert_cmpint(seccomp_expect_syscall_nr(arches[a], syscall_numbers[i].name, &nr), ==, 0);
                        g_assert_cmpint(nr, ==, syscall_numbers[i].nr[a]);
                }
}

typedef struct {
        const uint32_t *arches;
        size_t n_arches;
        int optimize;
        const uint32_t *foreign; /* AUDIT_ARCH values the filter must kill */
        size_t n_foreign;
} FamilyCase;

static const uint32_t not_x86[] = { AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, AUDIT_ARCH_PPC64LE };
static const uint32_t not_arm[] = { AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_PPC64LE };

static const FamilyCase x86_opt1 = { x86_family, G_N_ELEMENTS(x86_family), 1, not_x86, G_N_ELEMENTS(not_x86) };
static const FamilyCase x86_opt2 = { x86_family, G_N_ELEMENTS(x86_family), 2, not_x86, G_N_ELEMENTS(not_x86) };
static const FamilyCase arm_opt1 = { arm_family, G_N_ELEMENTS(arm_family), 1, not_arm, G_N_ELEMENTS(not_arm) };
static const FamilyCase arm_opt2 = { arm_family, G_N_ELEMENTS(arm_family), 2, not_arm, G_N_ELEMENTS(not_arm) };

static void test_policy_family(gconstpointer user_data) {
        const FamilyCase *fc = user_data;
        g_auto(scmp_filter_ctx) filter = new_filter(fc->arches, fc->n_arches, fc->optimize);
        g_autofree struct sock_filter *prog = NULL;
        const uint32_t eperm = SCMP_ACT_ERRNO(EPERM), allow = SCMP_ACT_ALLOW;
        size_t len = 0;

        add_policy_rules(filter);
        export_filter(filter, &prog, &len);

        for (size_t i = 0; i < fc->n_arches; i++) {
                uint32_t arch = fc->arches[i];
                uint32_t audit_arch;
                int getpid_nr;

                expect(prog, len, arch, "mount", 0, 0, eperm);
                expect(prog, len, arch, "clone3", 0, 0, SCMP_ACT_ERRNO(ENOSYS));

                expect(prog, len, arch, "clone", CLONE_NEWUSER | SIGCHLD, 0, eperm);
                expect(prog, len, arch, "clone", CLONE_NEWUSER, 0, eperm);
                expect(prog, len, arch, "clone", 0xffffffff, 0, eperm);
                expect(prog, len, arch, "clone", SIGCHLD, 0, allow);
                expect(prog, len, arch, "clone", CLONE_NEWNS | CLONE_NEWPID | SIGCHLD, 0, allow);
                expect(prog, len, arch, "clone", ~(uint64_t) CLONE_NEWUSER & 0xffffffff, 0, allow);

                expect(prog, len, arch, "ioctl", 0, TIOCSTI, eperm);
                /* Upper bits the kernel drops must not get TIOCSTI past. */
                expect(prog, len, arch, "ioctl", 0, (UINT64_C(1) << 32) | TIOCSTI, eperm);
                expect(prog, len, arch, "ioctl", 0, UINT64_C(0xffffffff00000000) | TIOCSTI, eperm);
                expect(prog, len, arch, "ioctl", 0, TIOCGWINSZ, allow);
                expect(prog, len, arch, "ioctl", 0, (UINT64_C(1) << 32) | TIOCGWINSZ, allow);
                expect(prog, len, arch, "ioctl", 0, TCGETS, allow);

                expect(prog, len, arch, "getpid", 0, 0, allow);
                expect(prog, len, arch, "read", 0, 0, allow);

                /* Another ABI's number for mount is some other syscall
                 * here (or none); the filter must judge numbers per arch.
                 * x86_64 and x32 share an audit arch, so their numbers are
                 * one space and are not crossed. */
                g_assert_cmpint(seccomp_expect_audit_arch(arch, &audit_arch), ==, 0);
                for (size_t j = 0; j < fc->n_arches; j++) {
                        uint32_t other_audit_arch = 0, got = 0;
                        int mount_nr = -1;
                        char *local_name;

                        g_assert_cmpint(seccomp_expect_audit_arch(fc->arches[j], &other_audit_arch), ==, 0);
                        if (other_audit_arch == audit_arch)
                                continue;
                        g_assert_cmpint(seccomp_expect_syscall_nr(fc->arches[j], "mount", &mount_nr), ==, 0);
                        local_name = seccomp_syscall_resolve_num_arch(arch, mount_nr);
                        g_test_message("%s mount (%d) on %s is %s", arch_name(fc->arches[j]), mount_nr, arch_name(arch),
                                       local_name ? local_name : "no syscall");
                        free(local_name);
                        g_assert_cmpint(seccomp_expect_action_nr(prog, len, audit_arch, mount_nr, NULL, &got), ==, 0);
                        check_action("mount number of another arch", got, allow);
                }

                /* An ABI the filter does not cover is killed outright. */
                g_assert_cmpint(seccomp_expect_syscall_nr(arch, "getpid", &getpid_nr), ==, 0);
                for (size_t f = 0; f < fc->n_foreign; f++) {
                        uint32_t got = 0;
                        g_assert_cmpint(seccomp_expect_action_nr(prog, len, fc->foreign[f], getpid_nr, NULL, &got), ==,
                                        0);
                        check_action("foreign arch", got, SCMP_ACT_KILL_PROCESS);
                }
        }
}

static void test_x32_outside_filter_is_killed(void) {
        static const uint32_t only_x86_64[] = { SCMP_ARCH_X86_64 };
        g_auto(scmp_filter_ctx) filter = new_filter(only_x86_64, 1, 1);
        g_autofree struct sock_filter *prog = NULL;
        size_t len = 0;
        uint32_t got = 0;
        int nr = -1;

        add_policy_rules(filter);
        export_filter(filter, &prog, &len);

        /* x32 shares AUDIT_ARCH_X86_64; only the syscall number's bit sets
         * it apart, and a filter without x32 must not let it through. */
        g_assert_cmpint(seccomp_expect_syscall_nr(SCMP_ARCH_X32, "getpid", &nr), ==, 0);
        g_assert_cmpint(seccomp_expect_action_nr(prog, len, AUDIT_ARCH_X86_64, nr, NULL, &got), ==, 0);
        check_action("x32 getpid, no x32 in filter", got, SCMP_ACT_KILL_PROCESS);
        g_assert_cmpint(seccomp_expect_syscall_nr(SCMP_ARCH_X32, "mount", &nr), ==, 0);
        g_assert_cmpint(seccomp_expect_action_nr(prog, len, AUDIT_ARCH_X86_64, nr, NULL, &got), ==, 0);
        check_action("x32 mount, no x32 in filter", got, SCMP_ACT_KILL_PROCESS);
        expect(prog, len, SCMP_ARCH_X86_64, "mount", 0, 0, SCMP_ACT_ERRNO(EPERM));
        expect(prog, len, SCMP_ARCH_X86_64, "getpid", 0, 0, SCMP_ACT_ALLOW);
}

/* Why the policy must mask: a plain 64-bit compare on ioctl's cmd is
 * bypassed by setting upper bits the kernel then ignores. The evaluator
 * has to see that, or it could not catch the mistake in the launcher. */
static void test_unmasked_ioctl_compare_is_bypassed(void) {
        static const uint32_t arches[] = { SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64 };
        g_auto(scmp_filter_ctx) filter = new_filter(arches, G_N_ELEMENTS(arches), 1);
        g_autofree struct sock_filter *prog = NULL;
        size_t len = 0;

        g_assert_cmpint(seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1, arg_equals(1, TIOCSTI)), ==,
                        0);
        export_filter(filter, &prog, &len);

        for (size_t i = 0; i < G_N_ELEMENTS(arches); i++) {
                expect(prog, len, arches[i], "ioctl", 0, TIOCSTI, SCMP_ACT_ERRNO(EPERM));
                expect(prog, len, arches[i], "ioctl", 0, (UINT64_C(1) << 32) | TIOCSTI, SCMP_ACT_ALLOW);
        }
}

/* socket() with an argument rule on i386: the direct syscall is checked
 * by its argument, but through socketcall(2) the arguments are in memory a
 * filter cannot read, so libseccomp denies that call number outright. */
static void test_socket_rule_on_x86(void) {
        static const uint32_t arches[] = { SCMP_ARCH_X86 };
        g_auto(scmp_filter_ctx) filter = new_filter(arches, 1, 1);
        g_autofree struct sock_filter *prog = NULL;
        size_t len = 0;
        int nr = -1;

        g_assert_cmpint(seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socket), 1, arg_equals(0, AF_VSOCK)),
                        ==, 0);
        export_filter(filter, &prog, &len);

        g_assert_cmpint(seccomp_expect_syscall_nr(SCMP_ARCH_X86, "socket", &nr), ==, 0);
        g_assert_cmpint(nr, ==, 359);
        g_assert_cmpint(seccomp_expect_syscall_nr(SCMP_ARCH_X86, "socketcall", &nr), ==, 0);
        g_assert_cmpint(nr, ==, 102);

        expect(prog, len, SCMP_ARCH_X86, "socket", AF_VSOCK, 0, SCMP_ACT_ERRNO(EPERM));
        expect(prog, len, SCMP_ARCH_X86, "socket", AF_INET, 0, SCMP_ACT_ALLOW);
        expect(prog, len, SCMP_ARCH_X86, "socketcall", SYS_SOCKET_CALL, 0, SCMP_ACT_ERRNO(EPERM));
        expect(prog, len, SCMP_ARCH_X86, "socketcall", SYS_SOCKET_CALL + 1, 0, SCMP_ACT_ALLOW);
}

/* The masked ioctl rule, loaded for real on the native arch: the kernel and
 * the evaluator must agree on every probe, including the upper-bit ones.
 * ioctl(-1, ...) is harmless: EBADF when allowed, EPERM when denied. */
static void test_kernel_libseccomp_ioctl_agrees(void) {
        static const uint64_t probes[4][6] = {
                { UINT64_MAX, TIOCSTI },
                { UINT64_MAX, (UINT64_C(1) << 32) | TIOCSTI },
                { UINT64_MAX, TIOCGWINSZ },
                { UINT64_MAX, (UINT64_C(1) << 32) | TIOCGWINSZ },
        };
        static const int want_errno[4] = { EPERM, EPERM, EBADF, EBADF };

        SKIP_UNLESS_KERNEL_FILTERS();

        for (int masked = 0; masked <= 1; masked++) {
                uint32_t native = seccomp_arch_native();
                g_auto(scmp_filter_ctx) filter = new_filter(&native, 1, 1);
                g_autofree struct sock_filter *prog = NULL;
                size_t len = 0;
                KernelOutcome outcome;

                if (masked)
                        add_policy_rules(filter);
                else
                        g_assert_cmpint(seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                                                         arg_equals(1, TIOCSTI)),
                                        ==, 0);
                export_filter(filter, &prog, &len);
                kernel_run(prog, len, SYS_ioctl, probes, G_N_ELEMENTS(probes), &outcome);
                g_assert_cmpint(outcome.load_errno, ==, 0);
                g_assert_cmpint(outcome.term_signal, ==, 0);

                for (size_t i = 0; i < G_N_ELEMENTS(probes); i++) {
                        uint32_t predicted = 0;
                        int predicted_errno;

                        g_assert_cmpint(
                                seccomp_expect_action(prog, len, SCMP_ARCH_NATIVE, "ioctl", probes[i], &predicted), ==,
                                0);
                        predicted_errno = predicted == SCMP_ACT_ALLOW ? EBADF : (int) (predicted & SECCOMP_RET_DATA);
                        g_test_message("%s ioctl cmd 0x%" G_GINT64_MODIFIER "x: kernel %d, predicted %d",
                                       masked ? "masked" : "plain", probes[i][1], outcome.probe_errno[i],
                                       predicted_errno);
                        g_assert_cmpint(outcome.probe_errno[i], ==, predicted_errno);
                        /* The plain compare lets the upper-bit TIOCSTI through. */
                        g_assert_cmpint(predicted_errno, ==, masked || i != 1 ? want_errno[i] : EBADF);
                }
        }
}

/* ---- seccomp-expect itself ---- */

static void test_expect_audit_arch(void) {
        uint32_t audit = 0;

        g_assert_cmpint(seccomp_expect_audit_arch(SCMP_ARCH_X86_64, &audit), ==, 0);
        g_assert_cmphex(audit, ==, AUDIT_ARCH_X86_64);
        g_assert_cmpint(seccomp_expect_audit_arch(SCMP_ARCH_X86, &audit), ==, 0);
        g_assert_cmphex(audit, ==, AUDIT_ARCH_I386);
        g_assert_cmpint(seccomp_expect_audit_arch(SCMP_ARCH_X32, &audit), ==, 0);
        g_assert_cmphex(audit, ==, AUDIT_ARCH_X86_64);
        g_assert_cmpint(seccomp_expect_audit_arch(SCMP_ARCH_AARCH64, &audit), ==, 0);
        g_assert_cmphex(audit, ==, AUDIT_ARCH_AARCH64);
        g_assert_cmpint(seccomp_expect_audit_arch(SCMP_ARCH_ARM, &audit), ==, 0);
        g_assert_cmphex(audit, ==, AUDIT_ARCH_ARM);
        g_assert_cmpint(seccomp_expect_audit_arch(SCMP_ARCH_NATIVE, &audit), ==, 0);
#if defined(__x86_64__) && !defined(__ILP32__)
        g_assert_cmphex(audit, ==, AUDIT_ARCH_X86_64);
#elif defined(__aarch64__)
        g_assert_cmphex(audit, ==, AUDIT_ARCH_AARCH64);
#endif
        audit = 0x1234;
        g_assert_cmpint(seccomp_expect_audit_arch(0x1234, &audit), ==, -EINVAL);
        g_assert_cmphex(audit, ==, 0x1234);
}

static void test_expect_syscall_nr_errors(void) {
        int nr = -7;

        /* aarch64 has only openat. */
        g_assert_cmpint(seccomp_expect_syscall_nr(SCMP_ARCH_AARCH64, "open", &nr), ==, -ENOENT);
        g_assert_cmpint(seccomp_expect_syscall_nr(SCMP_ARCH_X86_64, "no_such_syscall", &nr), ==, -ENOENT);
        /* i386 reaches semop only through ipc(2). */
        g_assert_cmpint(seccomp_expect_syscall_nr(SCMP_ARCH_X86, "semop", &nr), ==, -ENOENT);
        g_assert_cmpint(seccomp_expect_syscall_nr(0x1234, "read", &nr), ==, -EINVAL);
        g_assert_cmpint(seccomp_expect_syscall_nr(SCMP_ARCH_X86_64, NULL, &nr), ==, -EINVAL);
        g_assert_cmpint(nr, ==, -7);

        g_assert_cmpint(seccomp_expect_syscall_nr(SCMP_ARCH_X86, "ipc", &nr), ==, 0);
        g_assert_cmpint(nr, ==, 117);
        g_assert_cmpint(seccomp_expect_syscall_nr(SCMP_ARCH_X86_64, "semop", &nr), ==, 0);
        g_assert_cmpint(nr, ==, 65);
        g_assert_cmpint(seccomp_expect_syscall_nr(SCMP_ARCH_ARM, "socket", &nr), ==, 0);
        g_assert_cmpint(nr, ==, 281);
}

static void test_expect_action_errors(void) {
        static const struct sock_filter prog[] = { RET_ALLOW };
        static const struct sock_filter bad[] = { BPF_STMT(BPF_LD | BPF_IMM, 0) };
        uint32_t got = 0xdeadbeef;

        g_assert_cmpint(seccomp_expect_action(prog, 1, SCMP_ARCH_AARCH64, "open", NULL, &got), ==, -ENOENT);
        g_assert_cmpint(seccomp_expect_action(prog, 1, 0x1234, "read", NULL, &got), ==, -EINVAL);
        g_assert_cmpint(seccomp_expect_action(bad, 1, SCMP_ARCH_X86_64, "read", NULL, &got), ==, -EINVAL);
        g_assert_cmphex(got, ==, 0xdeadbeef);
        g_assert_cmpint(seccomp_expect_action(prog, 1, SCMP_ARCH_X86_64, "read", NULL, &got), ==, 0);
        check_action("read", got, SCMP_ACT_ALLOW);
}

/* The nr, arch and args handed to the program are the ones asked for. */
static void test_expect_action_passes_data(void) {
        /* Returns ERRNO(low 12 bits of the selected word). */
        uint32_t offsets[] = { NR_OFFSET, ARCH_OFFSET, ARG_LO(0), ARG_HI(0), ARG_LO(5), ARG_HI(5) };
        const uint64_t args[6] = { UINT64_C(0x0000012300000456), 0, 0, 0, 0, UINT64_C(0x0000078900000abc) };
        uint32_t want[] = { 0x30, 0x3e, 0x456, 0x123, 0xabc, 0x789 };

        for (size_t i = 0; i < G_N_ELEMENTS(offsets); i++) {
                struct sock_filter prog[] = {
                        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsets[i]),
                        BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xfff),
                        BPF_STMT(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO),
                        BPF_STMT(BPF_RET | BPF_A, 0),
                };
                uint32_t got = 0;

                g_assert_cmpint(seccomp_expect_action_nr(prog, G_N_ELEMENTS(prog), AUDIT_ARCH_X86_64, 0x30, args, &got),
                                ==, 0);
                check_action("selected word", got, SECCOMP_RET_ERRNO | want[i]);
        }

        /* By name: x32's getpid is 39 with the x32 bit, under x86_64's arch. */
        {
                static const struct sock_filter nr_and_arch[] = {
                        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARCH_OFFSET),
                        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 3),
                        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFFSET),
                        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, X32_BIT | 39, 0, 1),
                        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
                        RET_ALLOW,
                };
                uint32_t got = 0;

                g_assert_cmpint(seccomp_expect_action(nr_and_arch, G_N_ELEMENTS(nr_and_arch), SCMP_ARCH_X32, "getpid",
                                                      NULL, &got),
                                ==, 0);
                check_action("x32 getpid", got, SECCOMP_RET_ERRNO | 1);
                g_assert_cmpint(seccomp_expect_action(nr_and_arch, G_N_ELEMENTS(nr_and_arch), SCMP_ARCH_X86_64,
                                                      "getpid", NULL, &got),
                                ==, 0);
                check_action("x86_64 getpid", got, SECCOMP_RET_ALLOW);
        }
}

static void test_expect_action_to_string(void) {
        char buf[SECCOMP_EXPECT_ACTION_STRING_MAX];

        g_assert_cmpstr(seccomp_expect_action_to_string(SECCOMP_RET_ALLOW, buf), ==, "ALLOW");
        g_assert_cmpstr(seccomp_expect_action_to_string(SCMP_ACT_ERRNO(EPERM), buf), ==, "ERRNO(1)");
        g_assert_cmpstr(seccomp_expect_action_to_string(SCMP_ACT_ERRNO(0), buf), ==, "ERRNO(0)");
        g_assert_cmpstr(seccomp_expect_action_to_string(SECCOMP_RET_KILL_PROCESS, buf), ==, "KILL_PROCESS");
        g_assert_cmpstr(seccomp_expect_action_to_string(SECCOMP_RET_KILL_THREAD, buf), ==, "KILL_THREAD");
        g_assert_cmpstr(seccomp_expect_action_to_string(SECCOMP_RET_TRAP, buf), ==, "TRAP");
        g_assert_cmpstr(seccomp_expect_action_to_string(SECCOMP_RET_TRACE | 7, buf), ==, "TRACE(7)");
        g_assert_cmpstr(seccomp_expect_action_to_string(SECCOMP_RET_LOG, buf), ==, "LOG");
        g_assert_cmpstr(seccomp_expect_action_to_string(SECCOMP_RET_USER_NOTIF, buf), ==, "USER_NOTIF");
        g_assert_cmpstr(seccomp_expect_action_to_string(SECCOMP_RET_ALLOW | 3, buf), ==, "ALLOW(3)");
        g_assert_cmpstr(seccomp_expect_action_to_string(0x12340000, buf), ==, "0x12340000");
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);

        /* The libseccomp filters here are exported and evaluated, never
         * loaded through libseccomp, which would otherwise refuse
         * KILL_PROCESS wherever the running kernel hides it (an old kernel,
         * a container whose own filter blocks seccomp()): the compat-ABI
         * checks must not depend on the machine they run on. */
        if (seccomp_api_get() < 3)
                g_assert_cmpint(seccomp_api_set(3), ==, 0);

        g_test_add_func("/bpf-eval/ret-and-initial-registers", test_ret_and_initial_registers);
        g_test_add_func("/bpf-eval/load-abs", test_load_abs);
        g_test_add_func("/bpf-eval/load-len-imm-misc", test_load_len_imm_misc);
        g_test_add_func("/bpf-eval/scratch-memory", test_scratch_memory);
        g_test_add_func("/bpf-eval/alu", test_alu);
        g_test_add_func("/bpf-eval/div-by-x-zero", test_div_by_x_zero_returns_zero);
        g_test_add_func("/bpf-eval/jumps", test_jumps);
        g_test_add_func("/bpf-eval/check-cases", test_check_cases);
        g_test_add_func("/bpf-eval/check-length", test_check_length);
        g_test_add_func("/bpf-eval/trace", test_trace);

        g_test_add_func("/bpf-eval/kernel/check-agrees", test_kernel_check_agrees);
        g_test_add_func("/bpf-eval/kernel/alu-agrees", test_kernel_alu_agrees);
        g_test_add_func("/bpf-eval/kernel/jumps-agree", test_kernel_jumps_agree);
        g_test_add_func("/bpf-eval/kernel/div-by-x-zero-kills", test_kernel_div_by_x_zero_kills);
        g_test_add_func("/bpf-eval/kernel/libseccomp-ioctl-agrees", test_kernel_libseccomp_ioctl_agrees);

        g_test_add_func("/bpf-eval/libseccomp/syscall-numbers", test_syscall_numbers);
        g_test_add_data_func("/bpf-eval/libseccomp/x86-family/optimize-1", &x86_opt1, test_policy_family);
        g_test_add_data_func("/bpf-eval/libseccomp/x86-family/optimize-2", &x86_opt2, test_policy_family);
        g_test_add_data_func("/bpf-eval/libseccomp/arm-family/optimize-1", &arm_opt1, test_policy_family);
        g_test_add_data_func("/bpf-eval/libseccomp/arm-family/optimize-2", &arm_opt2, test_policy_family);
        g_test_add_func("/bpf-eval/libseccomp/x32-outside-filter-killed", test_x32_outside_filter_is_killed);
        g_test_add_func("/bpf-eval/libseccomp/unmasked-ioctl-bypassed", test_unmasked_ioctl_compare_is_bypassed);
        g_test_add_func("/bpf-eval/libseccomp/socket-rule-on-x86", test_socket_rule_on_x86);

        g_test_add_func("/seccomp-expect/audit-arch", test_expect_audit_arch);
        g_test_add_func("/seccomp-expect/syscall-nr-errors", test_expect_syscall_nr_errors);
        g_test_add_func("/seccomp-expect/action-errors", test_expect_action_errors);
        g_test_add_func("/seccomp-expect/action-passes-data", test_expect_action_passes_data);
        g_test_add_func("/seccomp-expect/action-to-string", test_expect_action_to_string);

        return g_test_run();
}

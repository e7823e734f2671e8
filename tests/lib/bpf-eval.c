/* SPDX-License-Identifier: MIT */
#include "bpf-eval.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* Every cell of the scratch memory, as a bit set. BPF_MEMWORDS is 16 for
 * classic BPF; the bit set below depends on it. */
#define ALL_CELLS ((uint16_t) 0xffff)
_Static_assert(BPF_MEMWORDS == 16, "scratch cell bit set assumes 16 cells");
/* BpfTrace.loaded has a bit for each 32-bit word of seccomp_data. */
_Static_assert(sizeof(struct seccomp_data) == 16 * 4, "loaded-word bit set assumes 16 words");

static bool is_conditional_jump(uint16_t code) {
        switch (code) {
        case BPF_JMP | BPF_JEQ | BPF_K:
        case BPF_JMP | BPF_JEQ | BPF_X:
        case BPF_JMP | BPF_JGT | BPF_K:
        case BPF_JMP | BPF_JGT | BPF_X:
        case BPF_JMP | BPF_JGE | BPF_K:
        case BPF_JMP | BPF_JGE | BPF_X:
        case BPF_JMP | BPF_JSET | BPF_K:
        case BPF_JMP | BPF_JSET | BPF_X:
                return true;
        default:
                return false;
        }
}

/* The kernel refuses a program that may read a scratch cell no path has
 * written. Its analysis is a single forward pass: each jump narrows the set
 * of cells known written at its targets, and after a jump the next
 * instruction starts from what the jumps into it recorded. We repeat the
 * same pass, including one imprecision: after a return the set is carried
 * over to the next instruction instead of being reset, so a few valid
 * programs are refused. Being more clever would accept programs the kernel
 * rejects, which is the error this file exists to avoid. Jump targets are
 * already known to be in range. */
static int check_scratch_written_before_read(const struct sock_filter *prog, size_t len) {
        uint16_t written_at[BPF_MAXINSNS];
        uint16_t written = 0;

        for (size_t pc = 0; pc < len; pc++)
                written_at[pc] = ALL_CELLS;

        for (size_t pc = 0; pc < len; pc++) {
                const struct sock_filter *insn = &prog[pc];

                written &= written_at[pc];

                switch (insn->code) {
                case BPF_ST:
                case BPF_STX:
                        written |= (uint16_t) (1u << insn->k);
                        break;
                case BPF_LD | BPF_MEM:
                case BPF_LDX | BPF_MEM:
                        if (!(written & (1u << insn->k)))
                                return -EINVAL;
                        break;
                case BPF_JMP | BPF_JA:
                        written_at[pc + 1 + insn->k] &= written;
                        written = ALL_CELLS;
                        break;
                default:
                        if (is_conditional_jump(insn->code)) {
                                written_at[pc + 1 + insn->jt] &= written;
                                written_at[pc + 1 + insn->jf] &= written;
                                written = ALL_CELLS;
                        }
                        break;
                }
        }

        return 0;
}

int bpf_check(const struct sock_filter *prog, size_t len) {
        if (!prog || len == 0 || len > BPF_MAXINSNS)
                return -EINVAL;

        for (size_t pc = 0; pc < len; pc++) {
                const struct sock_filter *insn = &prog[pc];
                /* Jump offsets count from the next instruction, so a target
                 * is in range when the offset is below what follows. */
                size_t following = len - pc - 1;

                switch (insn->code) {
                case BPF_LD | BPF_W | BPF_ABS:
                        /* seccomp_data is the whole "packet": aligned 32-bit
                         * words only, and nothing past its 64 bytes. */
                        if (insn->k >= sizeof(struct seccomp_data) || insn->k % 4 != 0)
                                return -EINVAL;
                        break;

                case BPF_LD | BPF_W | BPF_LEN:
                case BPF_LDX | BPF_W | BPF_LEN:
                case BPF_LD | BPF_IMM:
                case BPF_LDX | BPF_IMM:
                case BPF_MISC | BPF_TAX:
                case BPF_MISC | BPF_TXA:
                case BPF_RET | BPF_K:
                case BPF_RET | BPF_A:
                case BPF_ALU | BPF_ADD | BPF_K:
                case BPF_ALU | BPF_ADD | BPF_X:
                case BPF_ALU | BPF_SUB | BPF_K:
                case BPF_ALU | BPF_SUB | BPF_X:
                case BPF_ALU | BPF_MUL | BPF_K:
                case BPF_ALU | BPF_MUL | BPF_X:
                case BPF_ALU | BPF_DIV | BPF_X:
                case BPF_ALU | BPF_AND | BPF_K:
                case BPF_ALU | BPF_AND | BPF_X:
                case BPF_ALU | BPF_OR | BPF_K:
                case BPF_ALU | BPF_OR | BPF_X:
                case BPF_ALU | BPF_XOR | BPF_K:
                case BPF_ALU | BPF_XOR | BPF_X:
                case BPF_ALU | BPF_LSH | BPF_X:
                case BPF_ALU | BPF_RSH | BPF_X:
                case BPF_ALU | BPF_NEG:
                        break;

                case BPF_ALU | BPF_DIV | BPF_K:
                        if (insn->k == 0)
                                return -EINVAL;
                        break;

                case BPF_ALU | BPF_LSH | BPF_K:
                case BPF_ALU | BPF_RSH | BPF_K:
                        if (insn->k >= 32)
                                return -EINVAL;
                        break;

                case BPF_LD | BPF_MEM:
                case BPF_LDX | BPF_MEM:
                case BPF_ST:
                case BPF_STX:
                        if (insn->k >= BPF_MEMWORDS)
                                return -EINVAL;
                        break;

                case BPF_JMP | BPF_JA:
                        if (insn->k >= following)
                                return -EINVAL;
                        break;

                default:
                        /* BPF_MOD is absent on purpose: seccomp never
                         * allowed it, although socket filters do. */
                        if (!is_conditional_jump(insn->code))
                                return -EINVAL;
                        if (insn->jt >= following || insn->jf >= following)
                                return -EINVAL;
                        break;
                }
        }

        /* Forward-only jumps that stay inside the program, and a return at
         * the end, mean every path ends in a return. */
        if (prog[len - 1].code != (BPF_RET | BPF_K) && prog[len - 1].code != (BPF_RET | BPF_A))
                return -EINVAL;

        return check_scratch_written_before_read(prog, len);
}

static uint32_t load_word(const struct seccomp_data *data, uint32_t offset) {
        uint32_t word;

        /* The kernel loads the word in host byte order from the struct as it
         * lies in memory; copying the bytes does the same on either
         * endianness, with no assumption about which half of a u64 is low. */
        memcpy(&word, (const unsigned char *) data + offset, sizeof(word));
        return word;
}

static bool jump_condition(uint16_t code, uint32_t a, uint32_t operand) {
        switch (BPF_OP(code)) {
        case BPF_JEQ:
                return a == operand;
        case BPF_JGT:
                return a > operand;
        case BPF_JGE:
                return a >= operand;
        default: /* BPF_JSET, the only other one bpf_check() lets through */
                return (a & operand) != 0;
        }
}

static void add_trace(BpfTrace *trace, const BpfTrace *run) {
        if (!trace)
                return;
        trace->steps += run->steps;
        trace->loaded |= run->loaded;
}

int bpf_eval(const struct sock_filter *prog, size_t len, const struct seccomp_data *data, uint32_t *ret) {
        return bpf_eval_traced(prog, len, data, ret, NULL);
}

int bpf_eval_traced(const struct sock_filter *prog, size_t len, const struct seccomp_data *data, uint32_t *ret,
                    BpfTrace *trace) {
        BpfTrace run = { 0 };
        uint32_t a = 0, x = 0;
        uint32_t mem[BPF_MEMWORDS] = { 0 };
        int r;

        if (!data || !ret)
                return -EINVAL;

        r = bpf_check(prog, len);
        if (r < 0)
                return r;

        for (size_t pc = 0; pc < len; pc++) {
                const struct sock_filter *insn = &prog[pc];
                uint32_t k = insn->k;

                run.steps++;
                switch (insn->code) {
                case BPF_LD | BPF_W | BPF_ABS:
                        a = load_word(data, k);
                        run.loaded |= (uint16_t) (1u << (k / 4));
                        break;
                case BPF_LD | BPF_W | BPF_LEN:
                        a = sizeof(struct seccomp_data);
                        break;
                case BPF_LDX | BPF_W | BPF_LEN:
                        x = sizeof(struct seccomp_data);
                        break;
                case BPF_LD | BPF_IMM:
                        a = k;
                        break;
                case BPF_LDX | BPF_IMM:
                        x = k;
                        break;
                case BPF_LD | BPF_MEM:
                        a = mem[k];
                        break;
                case BPF_LDX | BPF_MEM:
                        x = mem[k];
                        break;
                case BPF_ST:
                        mem[k] = a;
                        break;
                case BPF_STX:
                        mem[k] = x;
                        break;
                case BPF_MISC | BPF_TAX:
                        x = a;
                        break;
                case BPF_MISC | BPF_TXA:
                        a = x;
                        break;

                case BPF_ALU | BPF_ADD | BPF_K:
                        a += k;
                        break;
                case BPF_ALU | BPF_ADD | BPF_X:
                        a += x;
                        break;
                case BPF_ALU | BPF_SUB | BPF_K:
                        a -= k;
                        break;
                case BPF_ALU | BPF_SUB | BPF_X:
                        a -= x;
                        break;
                case BPF_ALU | BPF_MUL | BPF_K:
                        a *= k;
                        break;
                case BPF_ALU | BPF_MUL | BPF_X:
                        a *= x;
                        break;
                case BPF_ALU | BPF_DIV | BPF_K:
                        a /= k; /* k != 0, bpf_check() saw to it */
                        break;
                case BPF_ALU | BPF_DIV | BPF_X:
                        /* Classic BPF has always ended the program with 0
                         * here, and the kernel keeps that for seccomp. */
                        if (x == 0) {
                                *ret = 0;
                                add_trace(trace, &run);
                                return 0;
                        }
                        a /= x;
                        break;
                case BPF_ALU | BPF_AND | BPF_K:
                        a &= k;
                        break;
                case BPF_ALU | BPF_AND | BPF_X:
                        a &= x;
                        break;
                case BPF_ALU | BPF_OR | BPF_K:
                        a |= k;
                        break;
                case BPF_ALU | BPF_OR | BPF_X:
                        a |= x;
                        break;
                case BPF_ALU | BPF_XOR | BPF_K:
                        a ^= k;
                        break;
                case BPF_ALU | BPF_XOR | BPF_X:
                        a ^= x;
                        break;
                case BPF_ALU | BPF_LSH | BPF_K:
                        a <<= k; /* k < 32, bpf_check() saw to it */
                        break;
                case BPF_ALU | BPF_RSH | BPF_K:
                        a >>= k;
                        break;
                /* A shift by X >= 32 is not checked by the kernel; the 32-bit
                 * shift instructions of x86-64 and arm64 (interpreter and JIT
                 * alike) use the count modulo 32, so we do too. */
                case BPF_ALU | BPF_LSH | BPF_X:
                        a <<= x & 31;
                        break;
                case BPF_ALU | BPF_RSH | BPF_X:
                        a >>= x & 31;
                        break;
                case BPF_ALU | BPF_NEG:
                        a = 0u - a;
                        break;

                case BPF_JMP | BPF_JA:
                        pc += k;
                        break;
                case BPF_JMP | BPF_JEQ | BPF_K:
                case BPF_JMP | BPF_JGT | BPF_K:
                case BPF_JMP | BPF_JGE | BPF_K:
                case BPF_JMP | BPF_JSET | BPF_K:
                        pc += jump_condition(insn->code, a, k) ? insn->jt : insn->jf;
                        break;
                case BPF_JMP | BPF_JEQ | BPF_X:
                case BPF_JMP | BPF_JGT | BPF_X:
                case BPF_JMP | BPF_JGE | BPF_X:
                case BPF_JMP | BPF_JSET | BPF_X:
                        pc += jump_condition(insn->code, a, x) ? insn->jt : insn->jf;
                        break;

                case BPF_RET | BPF_K:
                        *ret = k;
                        add_trace(trace, &run);
                        return 0;
                case BPF_RET | BPF_A:
                        *ret = a;
                        add_trace(trace, &run);
                        return 0;

                default:
                        /* bpf_check() refused every other opcode. */
                        return -EINVAL;
                }
        }

        /* Unreachable: bpf_check() requires a return at the end. */
        return -EINVAL;
}

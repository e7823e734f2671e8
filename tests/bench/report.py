#!/usr/bin/python3
"""Turns the samples of the benchmark's harnesses into one table.

  report.py [SAMPLES...] [--describe FILE] [--idle FILE] [--burst FILE]

SAMPLES (exec-timer, first-response.py, seccomp-cost run) hold
"NAME ROUND VALUE" lines, VALUE in nanoseconds (for the seccomp micro
benchmark: nanoseconds per system call). --describe is seccomp-cost
describe's output, --idle the figures of tests/system/test-idle.sh
(OVH_IDLE_FIGURES), --burst burst.py's "MODE ROUND RESULT NS" lines. A
section whose samples are missing says so. For every timed row: runs,
median, p90 (nearest rank), the ratio of its median to its section's
baseline median, the difference of the two medians, and the median of the
per-round differences with its 95% bootstrap interval (rounds are
interleaved, so round r of one variant ran next to round r of the
baseline: pairing cancels slow drift that the plain difference of medians
would keep, and the interval says whether a difference is resolved at all).
"""

import argparse
import math
import random
import statistics
import sys

# (section title, [(name in the samples, label, is_baseline)], divisor from ns)
SECTIONS = [
    ('1. exec of a static program that exits 0 (fd 3 passed, LISTEN_* set), ms', [
        ('direct', 'direct execve, same argv (baseline)', True),
        ('launcher', 'launcher -> execve, Seccomp=yes', False),
        ('launcher-noseccomp', 'launcher -> execve, Seccomp=no', False),
        ('launcher-version', '  part: launcher --version (start-up only)', False),
        ('check-noseccomp', '  part: launcher --check, Seccomp=no', False),
        ('check', '  part: launcher --check, Seccomp=yes', False),
    ], 1e6),
    ('2. first complete response to GET /version, real VS Code server, ms', [
        ('bare', 'bare: spawn -> 200, polled every 5 ms (baseline)', True),
        ('activated', 'socket-activate + preload, no launcher', False),
        ('activated+launcher', 'socket-activate + launcher + preload', False),
    ], 1e6),
]
SECCOMP_VARIANTS = [
    ('none', 'no filter (baseline)', True),
    ('ours', 'launcher\'s filter (binary tree, as shipped)', False),
    ('ours-linear', 'same rules, linear (OPTIMIZE=1)', False),
    ('docker', 'Docker allow list, linear (as runc)', False),
    ('docker-tree', 'Docker allow list, binary tree', False),
]
for workload, title, scale in [
        ('micro', '3a. seccomp: 8 cheap system calls in a loop, CPU ns per call', 1),
        ('ioctl', '3b. seccomp: ioctl(FIONREAD), a call the filter inspects, CPU ns per call', 1),
        ('git', '3c. seccomp: git status, 20 000-file repository, CPU ms (user + system)', 1e6),
        ('find', '3d. seccomp: find -type f -size +0c over the same tree, CPU ms (user + system)', 1e6)]:
    SECTIONS.append((title, [(f'{workload}/{n}', label, base) for n, label, base in SECCOMP_VARIANTS], scale))


def load(path):
    samples = {}
    with open(path) as f:
        for line in f:
            name, rnd, ns = line.split()
            samples.setdefault(name, {})[int(rnd)] = float(ns)
    return samples


def paired_interval(diffs):
    """95% bootstrap interval of the median of the per-round differences:
    how far chance alone moves that figure with this many rounds. Seeded,
    so the same samples always print the same table."""
    rng = random.Random(1)
    medians = sorted(statistics.median(rng.choices(diffs, k=len(diffs))) for _ in range(1000))
    return medians[25], medians[974]


def p90(values):
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def fmt(value):
    """Three significant figures or so, whatever the unit."""
    return f'{value:.2f}' if abs(value) < 1000 else f'{value:.0f}'


def timed_sections(samples, medians):
    header = (f'{"":52} {"runs":>5} {"median":>10} {"p90":>9} {"ratio":>6} {"added":>9} '
              f'{"paired [95% CI]":>25}')
    print(header)
    print('-' * len(header))
    for title, rows, scale in SECTIONS:
        print(title)
        base = next(name for name, _, is_base in rows if is_base)
        if base not in samples:
            print('   (not measured)')
            continue
        base_runs = {r: v / scale for r, v in samples[base].items()}
        base_median = statistics.median(base_runs.values())
        for name, label, is_base in rows:
            if name not in samples:
                continue
            runs = {r: v / scale for r, v in samples[name].items()}
            median = statistics.median(runs.values())
            medians[name] = median
            paired = [runs[r] - base_runs[r] for r in runs if r in base_runs]
            if is_base:
                extra = f'{"1.00":>6} {"-":>9} {"-":>25}'
            else:
                low, high = paired_interval(paired)
                interval = f'{statistics.median(paired):+.2f} [{low:+.2f}, {high:+.2f}]'
                extra = f'{median / base_median:>6.2f} {median - base_median:>+9.2f} {interval:>25}'
            print(f'   {label:49} {len(runs):>5} {fmt(median):>10} {fmt(p90(runs.values())):>9} {extra}')


def idle_section(path):
    print('4. idle footprint of the service, real systemd (systemd-nspawn, tests/system/test-idle.sh)')
    if not path:
        print('   (not measured)')
        return
    figures = {}
    for line in open(path):
        key, *values = line.split()
        figures.setdefault(key, []).append(values)

    def footprint(label, key, target=''):
        if key not in figures:
            return
        count, rss, pss = (int(v) for v in figures[key][-1])
        print(f'   {label:49} {count:>5} processes  RSS {rss / 1024:>6.1f} MiB  PSS {pss / 1024:>6.1f} MiB{target}')

    footprint('IdleShutdown=yes, after the last tab closed', 'idle_shutdown', '   target 0, 0')
    footprint('IdleShutdown=no, 5 s after the last tab closed', 'always_on')
    footprint('either, while a browser tab is open', 'with_client')
    for key, label in [('close_to_exit_ms', 'clean tab close -> server exit (exit 0), ms'),
                       ('close_to_inactive_ms', 'clean tab close -> unit inactive, ms'),
                       ('reactivation_ms', 'next connection -> GET /version answered, ms'),
                       ('no_client_start_to_exit_ms', 'start with no workbench -> server exit, ms')]:
        if key in figures:
            print(f'   {label:49} {", ".join(v[0] for v in figures[key])}')


def burst_section(path):
    print('5. burst: concurrent first connections, GET /version each (from the common start to its response)')
    if not path:
        print('   (not measured)')
        return
    by_mode = {}
    rounds = set()
    for line in open(path):
        mode, rnd, result, ns = line.split()
        rounds.add(rnd)
        by_mode.setdefault(mode, []).append((result, int(ns) / 1e6))
    print(f'   {"":49} {"conns":>5} {"served":>7} {"refused":>7} {"failed":>6} {"p50 ms":>8} {"p99 ms":>8} {"max ms":>8}')
    labels = {'inactive': 'inactive socket: activation + launcher + start',
              'running': 'server already running (baseline)'}
    for mode in ('inactive', 'running'):
        results = by_mode.get(mode)
        if not results:
            continue
        served = sorted(ms for r, ms in results if r == 'served')

        def rank(q):
            return served[max(0, math.ceil(q * len(served)) - 1)] if served else float('nan')
        count = {k: sum(1 for r, _ in results if r == k) for k in ('served', 'refused', 'failed')}
        print(f'   {labels[mode]:49} {len(results):>5} {count["served"]:>7} {count["refused"]:>7} {count["failed"]:>6} '
              f'{rank(0.5):>8.1f} {rank(0.99):>8.1f} {rank(1.0):>8.1f}')
    print(f'   ({len(rounds)} rounds, each a fresh activator; counts are over all rounds)')


def main():
    p = argparse.ArgumentParser()
    p.add_argument('samples', nargs='*')
    p.add_argument('--describe')
    p.add_argument('--idle')
    p.add_argument('--burst')
    a = p.parse_args()
    samples = {}
    for path in a.samples:
        samples.update(load(path))

    medians = {}
    timed_sections(samples, medians)
    if a.describe:
        print('   BPF programs (interpreted here, x86_64 ABI): length and instructions run per system call')
        for line in open(a.describe):
            print(f'     {line.rstrip()}')
    idle_section(a.idle)
    burst_section(a.burst)
    print()

    # The differences the issue asks about, from the medians above.
    def line(text, a, b, target=''):
        if a in medians and b in medians:
            print(f'{text:60} {medians[a] - medians[b]:>+8.2f} ms{target}')

    def ratio(text, a, b, target=''):
        if a in medians and b in medians:
            print(f'{text:60} {medians[a] / medians[b]:>8.3f}{target}')

    line('launcher added to an exec (Seccomp=yes - direct)', 'launcher', 'direct', '   target <= +1.5 ms')
    line('of which the seccomp filter build + load (yes - no)', 'launcher', 'launcher-noseccomp')
    line('  filter build alone (--check yes - --check no)', 'check', 'check-noseccomp')
    if all(n in medians for n in ('launcher', 'launcher-noseccomp', 'check', 'check-noseccomp')):
        # "load" is what remains of the filter's cost once its build is
        # taken off: the copy of the program and seccomp(2) (and, when the
        # options are not the defaults, libseccomp's compilation).
        filter_load = (medians['launcher'] - medians['launcher-noseccomp']) - (medians['check'] - medians['check-noseccomp'])
        print(f'{"  filter load: BPF generation + seccomp(2) (the rest)":60} {filter_load:>+8.2f} ms')
    line('  launcher start-up: loader, libraries (--version - direct)', 'launcher-version', 'direct')
    line('  resolving config, account, token (--check no - --version)', 'check-noseccomp', 'launcher-version')
    line('  writes, identity drop, execve (Seccomp=no - --check no)', 'launcher-noseccomp', 'check-noseccomp')
    line('launcher in the activated start (with - without launcher)', 'activated+launcher', 'activated')
    line('activation + preload vs bare start (without launcher - bare)', 'activated', 'bare')
    line('activated + launcher vs bare start', 'activated+launcher', 'bare')
    ratio('ratio activated + launcher / bare (medians)', 'activated+launcher', 'bare', '      target <= 1.05')
    ratio('seccomp micro: launcher filter / none', 'micro/ours', 'micro/none', '      target <= 1.10')
    ratio('seccomp git status: launcher filter / none', 'git/ours', 'git/none', '      target <= 1.02')
    ratio('seccomp find: launcher filter / none', 'find/ours', 'find/none', '      target <= 1.02')
    ratio('seccomp ioctl (filter runs every call): launcher / none', 'ioctl/ours', 'ioctl/none')
    ratio('what the binary tree buys, ioctl: linear / tree', 'ioctl/ours-linear', 'ioctl/ours')
    ratio('what the binary tree buys, micro: linear / tree', 'micro/ours-linear', 'micro/ours')
    ratio('ioctl: Docker allow list (linear, as runc) / launcher', 'ioctl/docker', 'ioctl/ours')
    ratio('micro: Docker allow list (linear, as runc) / launcher', 'micro/docker', 'micro/ours')


if __name__ == '__main__':
    main()

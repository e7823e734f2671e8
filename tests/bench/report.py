#!/usr/bin/python3
"""Turns the samples of exec-timer and first-response.py into one table.

  report.py EXEC_SAMPLES SERVER_SAMPLES

Each sample file holds "NAME ROUND NANOSECONDS" lines. For every row: runs,
median, p90 (nearest rank), the ratio of its median to its section's
baseline median, the difference of the two medians, and the median of the
per-round differences with its 95% bootstrap interval (rounds are
interleaved, so round r of one variant ran next to round r of the
baseline: pairing cancels slow drift that the plain difference of medians
would keep, and the interval says whether a difference is resolved at all).
"""

import math
import random
import statistics
import sys

# (section title, [(name in the samples, label, is_baseline)], target note)
SECTIONS = [
    ('1. exec of a static program that exits 0 (fd 3 passed, LISTEN_* set)', [
        ('direct', 'direct execve, same argv (baseline)', True),
        ('launcher', 'launcher -> execve, Seccomp=yes', False),
        ('launcher-noseccomp', 'launcher -> execve, Seccomp=no', False),
        ('launcher-version', '  part: launcher --version (start-up only)', False),
        ('check-noseccomp', '  part: launcher --check, Seccomp=no', False),
        ('check', '  part: launcher --check, Seccomp=yes', False),
    ]),
    ('2. first complete response to GET /version, real VS Code server', [
        ('bare', 'bare: spawn -> 200, polled every 5 ms (baseline)', True),
        ('activated', 'socket-activate + preload, no launcher', False),
        ('activated+launcher', 'socket-activate + launcher + preload', False),
    ]),
]


def load(path):
    samples = {}
    with open(path) as f:
        for line in f:
            name, rnd, ns = line.split()
            samples.setdefault(name, {})[int(rnd)] = int(float(ns)) / 1e6
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


def main():
    samples = {}
    for path in sys.argv[1:]:
        samples.update(load(path))

    header = (f'{"":52} {"runs":>5} {"median ms":>10} {"p90 ms":>9} {"ratio":>6} {"added ms":>9} '
              f'{"paired ms [95% CI]":>25}')
    print(header)
    print('-' * len(header))
    medians = {}
    for title, rows in SECTIONS:
        print(title)
        base = next(name for name, _, is_base in rows if is_base)
        if base not in samples:
            print('   (not measured)')
            continue
        base_runs = samples[base]
        base_median = statistics.median(base_runs.values())
        for name, label, is_base in rows:
            runs = samples.get(name)
            if not runs:
                continue
            median = statistics.median(runs.values())
            medians[name] = median
            paired = [runs[r] - base_runs[r] for r in runs if r in base_runs]
            if is_base:
                extra = f'{"1.00":>6} {"-":>9} {"-":>25}'
            else:
                low, high = paired_interval(paired)
                interval = f'{statistics.median(paired):+.2f} [{low:+.2f}, {high:+.2f}]'
                extra = f'{median / base_median:>6.2f} {median - base_median:>+9.2f} {interval:>25}'
            print(f'   {label:49} {len(runs):>5} {median:>10.2f} {p90(runs.values()):>9.2f} {extra}')
    print()

    # The differences the issue asks about, from the medians above.
    def line(text, a, b, target=''):
        if a in medians and b in medians:
            print(f'{text:60} {medians[a] - medians[b]:>+8.2f} ms{target}')

    line('launcher added to an exec (Seccomp=yes - direct)', 'launcher', 'direct', '   target <= +1.5 ms')
    line('of which the seccomp filter build + load (yes - no)', 'launcher', 'launcher-noseccomp')
    line('  filter build alone (--check yes - --check no)', 'check', 'check-noseccomp')
    if all(n in medians for n in ('launcher', 'launcher-noseccomp', 'check', 'check-noseccomp')):
        # libseccomp compiles its rule database to BPF inside seccomp_load(),
        # so "load" holds that compilation as well as the kernel's share.
        filter_load = (medians['launcher'] - medians['launcher-noseccomp']) - (medians['check'] - medians['check-noseccomp'])
        print(f'{"  filter load: BPF generation + seccomp(2) (the rest)":60} {filter_load:>+8.2f} ms')
    line('  launcher start-up: loader, libraries (--version - direct)', 'launcher-version', 'direct')
    line('  resolving config, account, token (--check no - --version)', 'check-noseccomp', 'launcher-version')
    line('  writes, identity drop, execve (Seccomp=no - --check no)', 'launcher-noseccomp', 'check-noseccomp')
    line('launcher in the activated start (with - without launcher)', 'activated+launcher', 'activated')
    line('activation + preload vs bare start (without launcher - bare)', 'activated', 'bare')
    line('activated + launcher vs bare start', 'activated+launcher', 'bare')
    if 'activated+launcher' in medians and 'bare' in medians:
        ratio = medians['activated+launcher'] / medians['bare']
        print(f'{"ratio activated + launcher / bare (medians)":60} {ratio:>8.3f}      target <= 1.05')


if __name__ == '__main__':
    main()

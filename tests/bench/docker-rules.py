#!/usr/bin/python3
"""Turns Docker's default seccomp profile (JSON) into the rules an
unprivileged container on this machine gets, in seccomp-cost's format.

  docker-rules.py PROFILE.json > RULES

What Docker does for a container without added capabilities: every
"syscalls" entry whose includes/excludes match (no capabilities held, this
architecture, this kernel), with its argument conditions; the profile's
defaultAction (SCMP_ACT_ERRNO, EPERM) for everything else. The profile is
read when the benchmark runs, not kept in this tree.
"""

import json
import os
import sys

# Docker's names for the architectures, as in its profile's includes.
DOCKER_ARCH = {'x86_64': 'amd64', 'aarch64': 'arm64'}
OPS = {'SCMP_CMP_EQ': 'eq', 'SCMP_CMP_LT': 'lt', 'SCMP_CMP_GT': 'gt', 'SCMP_CMP_MASKED_EQ': 'masked_eq'}


def kernel_at_least(version):
    want = [int(x) for x in version.split('.')]
    have = [int(x) for x in os.uname().release.split('-')[0].split('.')[:len(want)]]
    return have >= want


def applies(entry, arch):
    inc, exc = entry.get('includes', {}), entry.get('excludes', {})
    if inc.get('caps'):
        return False  # needs a capability the container does not have
    if inc.get('arches') and arch not in inc['arches']:
        return False
    if inc.get('minKernel') and not kernel_at_least(inc['minKernel']):
        return False
    if arch in exc.get('arches', []):
        return False
    return True  # excludes.caps: we hold none, so it applies


def main():
    profile = json.load(open(sys.argv[1]))
    if profile.get('defaultAction') != 'SCMP_ACT_ERRNO' or profile.get('defaultErrnoRet', 1) != 1:
        sys.exit('docker-rules.py: expected defaultAction SCMP_ACT_ERRNO with EPERM')
    arch = DOCKER_ARCH.get(os.uname().machine, os.uname().machine)
    out = [f'# from {os.path.basename(sys.argv[1])} for an unprivileged container on {arch}']
    for entry in profile['syscalls']:
        if not applies(entry, arch):
            continue
        action = entry['action']
        if action == 'SCMP_ACT_ALLOW':
            word = 'allow'
        elif action == 'SCMP_ACT_ERRNO':
            word = f'errno:{entry.get("errnoRet", 1)}'
        else:
            sys.exit(f'docker-rules.py: unexpected action {action}')
        conds = []
        for a in entry.get('args') or []:
            cond = f'{a["index"]} {OPS[a["op"]]} {a["value"]}'
            if a['op'] == 'SCMP_CMP_MASKED_EQ':
                cond += f' {a.get("valueTwo", 0)}'
            conds.append(cond)
        for name in entry['names']:
            out.append(' '.join([word, name] + conds))
    print('\n'.join(out))


if __name__ == '__main__':
    main()

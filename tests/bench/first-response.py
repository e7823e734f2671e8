#!/usr/bin/python3
"""First-response latency of the real VS Code server, three ways, interleaved.

  activated+launcher  systemd-socket-activate -> openvscode-launcher -> node
                      --require sd-listen.js server-main.js (as in production:
                      the socket exists before the service does). Timed from
                      the first connect() to the complete response to
                      GET /version on that very connection.
  bare                node server-main.js --host 127.0.0.1 --port P, started
                      as the account. Timed from just before spawning to the
                      first complete 200 to GET /version, trying every 5 ms.
  activated           systemd-socket-activate -> node --require sd-listen.js
                      server-main.js, as the account, no launcher. Timed like
                      activated+launcher: separates the launcher's cost from
                      the activation and preload's.

Every variant serves the same payload with the same server arguments and the
same (warm) state directories under the account's home; one discarded
warm-up round per variant comes first. Each round uses a fresh port and
ends with every process of the server's tree gone before the next starts.

Prints "NAME ROUND NANOSECONDS" per timed round on stdout; progress on stderr.
Run by tests/bench/run, which prepares the account, configuration and paths.
"""

import argparse
import os
import pwd
import signal
import socket
import subprocess
import sys
import time

POLL_PERIOD = 0.005  # the bare server's readiness poll, as the brief for this figure fixes it
ROUND_TIMEOUT = 60.0
SETTLE = 0.25  # let the killed tree's exit work (page freeing, logs) finish before the next start

live = {}  # pid -> Popen: everything started and not yet reaped, for the cleanup


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument('--rounds', type=int, required=True)
    p.add_argument('--warmup', type=int, default=1)
    p.add_argument('--launcher', required=True)
    p.add_argument('--config', required=True)
    p.add_argument('--sd-listen-js', required=True)
    p.add_argument('--account', required=True)
    p.add_argument('--token-file', required=True, help='a copy of the token the account can read')
    p.add_argument('--logs', required=True, help='directory for the servers\' stdout/stderr')
    p.add_argument('--plan', required=True, help='output of openvscode-launcher --check')
    return p.parse_args()


def read_plan(path):
    """The launcher's own argv (from --check), so the other variants start
    node with exactly the arguments the launcher would give it."""
    plan = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.rstrip('\n').partition('=')
            plan[key] = value
    argv = plan['argv'].split(' ')  # --check joins with spaces; the bench's paths have none
    if argv[1] != '--require' or not argv[3].endswith('/out/server-main.js'):
        sys.exit(f'first-response.py: unexpected launcher argv: {plan["argv"]}')
    return plan, argv[0], argv[3], argv[4:]


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def is_listening(port):
    """Whether something listens on 127.0.0.1:port, asked of the kernel, not
    by connecting: a connect() would itself trigger the activation."""
    want = f'0100007F:{port:04X}'
    with open('/proc/net/tcp') as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[1] == want and fields[3] == '0A':
                return True
    return False


def get_version(port, timeout):
    """One GET /version on a new connection; returns the status code once the
    whole response is in, or None when nothing listens yet."""
    s = socket.socket()
    s.settimeout(timeout)
    try:
        try:
            s.connect(('127.0.0.1', port))
        except (ConnectionRefusedError, ConnectionResetError):
            return None
        s.sendall(f'GET /version HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n'.encode())
        data = b''
        while b'\r\n\r\n' not in data:
            chunk = s.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b'\r\n\r\n')
        lines = head.decode('latin-1').split('\r\n')
        status = int(lines[0].split(' ')[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(':') for l in lines[1:])}
        if 'content-length' in headers:
            while len(body) < int(headers['content-length']):
                chunk = s.recv(65536)
                if not chunk:
                    break
                body += chunk
        elif headers.get('transfer-encoding', '').lower() == 'chunked':
            while not body.endswith(b'0\r\n\r\n'):
                chunk = s.recv(65536)
                if not chunk:
                    break
                body += chunk
        else:
            while s.recv(65536):
                pass
        return status
    finally:
        s.close()


def process_tree(pid):
    """pid and its descendants, parents first (from /proc, by pid)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f'/proc/{p}/task')
        except FileNotFoundError:
            continue
        out.append(p)
        for t in tasks:
            try:
                with open(f'/proc/{p}/task/{t}/children') as f:
                    todo.extend(int(c) for c in f.read().split())
            except FileNotFoundError:
                pass
    return out


def alive(pid):
    """Exists and is not a zombie (a zombie of ours is reaped by wait())."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except (FileNotFoundError, ProcessLookupError):
        return False


def stop(proc):
    """End the server's whole tree. SIGTERM to node alone orphans VS Code's
    extension host, and an orphan is no longer below proc.pid: collect the
    tree before signalling and keep every pid seen until it is gone."""
    known = set(process_tree(proc.pid))
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for p in known:
            try:
                os.kill(p, sig)
            except ProcessLookupError:
                pass
        try:
            os.killpg(proc.pid, sig)  # its own session and group: start_new_session
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:
            if proc.poll() is None:
                known |= set(process_tree(proc.pid))
            known = {p for p in known if alive(p)}
            if not known:
                break
            time.sleep(0.02)
        if not known:
            break
    proc.wait()
    live.pop(proc.pid, None)
    if known:
        sys.exit(f'first-response.py: processes {sorted(known)} survived SIGKILL')


def cleanup(*_):
    for proc in list(live.values()):
        stop(proc)


def main():
    a = parse_args()
    plan, node, server_main, server_args = read_plan(a.plan)
    account = pwd.getpwnam(a.account)
    # The environment the launcher gives the server (server.c), so the
    # variants without it start node the same way.
    account_env = {
        'HOME': account.pw_dir, 'USER': account.pw_name, 'LOGNAME': account.pw_name,
        'SHELL': account.pw_shell, 'PATH': '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'LANG': 'C.UTF-8',
    }
    # The launcher's runtime token file is rewritten by every launcher
    # start; the others read the bench's copy of the same token.
    args = list(server_args)
    args[args.index('--connection-token-file') + 1] = a.token_file
    cwd = args[args.index('--default-folder') + 1]
    as_account = dict(user=account.pw_uid, group=account.pw_gid, extra_groups=[], cwd=cwd, env=account_env)

    def spawn(name, argv, **kw):
        log = open(os.path.join(a.logs, f'{name}.log'), 'ab')
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                start_new_session=True, **kw)
        log.close()
        live[proc.pid] = proc
        return proc

    def wait_listening(proc, port):
        deadline = time.monotonic() + ROUND_TIMEOUT
        while not is_listening(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                sys.exit(f'first-response.py: the activator for port {port} never listened '
                         f'(exit {proc.returncode}); see {a.logs}')
            time.sleep(0.001)

    def first_connection(proc, port):
        t0 = time.monotonic_ns()
        status = get_version(port, ROUND_TIMEOUT)
        t1 = time.monotonic_ns()
        if status != 200:
            sys.exit(f'first-response.py: GET /version through activation answered {status}; see {a.logs}')
        return t1 - t0

    def activated_launcher(port):
        proc = spawn('activated+launcher',
                     ['systemd-socket-activate', '-l', f'127.0.0.1:{port}',
                      '-E', f'OVH_SD_LISTEN_JS={a.sd_listen_js}', a.launcher, '-c', a.config],
                     env={'PATH': account_env['PATH'], 'LANG': 'C.UTF-8'})
        wait_listening(proc, port)
        return proc, first_connection(proc, port)

    def activated(port):
        proc = spawn('activated',
                     ['systemd-socket-activate', '-l', f'127.0.0.1:{port}',
                      node, '--require', a.sd_listen_js, server_main] + args, **as_account)
        wait_listening(proc, port)
        return proc, first_connection(proc, port)

    def bare(port):
        t0 = time.monotonic_ns()
        proc = spawn('bare', [node, server_main] + args + ['--host', '127.0.0.1', '--port', str(port)],
                     **as_account)
        tick = 0
        while True:
            status = get_version(port, ROUND_TIMEOUT)
            if status == 200:
                return proc, time.monotonic_ns() - t0
            if proc.poll() is not None:
                sys.exit(f'first-response.py: the bare server exited {proc.returncode}; see {a.logs}')
            tick += 1
            if tick * POLL_PERIOD > ROUND_TIMEOUT:
                sys.exit(f'first-response.py: the bare server never answered; see {a.logs}')
            time.sleep(max(0.0, t0 / 1e9 + tick * POLL_PERIOD - time.monotonic()))

    variants = [('activated+launcher', activated_launcher), ('bare', bare), ('activated', activated)]
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: sys.exit(130))
    try:
        for rnd in range(-a.warmup, a.rounds):
            shown = []
            for k in range(len(variants)):
                # Rotate the order each round: none always runs first.
                name, start = variants[(rnd + a.warmup + k) % len(variants)]
                proc, ns = start(free_port())
                stop(proc)
                time.sleep(SETTLE)
                if rnd >= 0:
                    print(f'{name} {rnd} {ns}', flush=True)
                shown.append(f'{name} {ns / 1e6:.0f} ms')
            label = f'round {rnd + 1}/{a.rounds}' if rnd >= 0 else 'warm-up'
            print(f'  {label}: ' + ', '.join(shown), file=sys.stderr, flush=True)
    finally:
        cleanup()


if __name__ == '__main__':
    main()

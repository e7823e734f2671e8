#!/usr/bin/python3
"""A burst of concurrent first connections to a socket whose server is not
running yet, as when several browser tabs (or a reconnecting team) hit an
idle IDE at once.

  inactive  systemd-socket-activate holds the listening socket; nothing
            runs behind it. N clients connect at the same instant and each
            sends GET /version: the first connection starts launcher +
            server, the others wait in the socket's backlog.
  running   the same burst against the same stack after it has answered
            once (the server already up): the baseline.

Each client's time runs from the common start (a barrier releases all
threads) to the complete response on its own connection. Refused (RST or
ECONNREFUSED), failed (another error or no response within the timeout)
and served (HTTP 200) are counted separately.

Prints "MODE ROUND RESULT NANOSECONDS" per connection on stdout (RESULT:
served, refused, failed). Run by tests/bench/run.
"""

import argparse
import importlib.util
import os
import socket
import sys
import threading
import time

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location('first_response', os.path.join(here, 'first-response.py'))
fr = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fr)

TIMEOUT = 60.0


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument('--rounds', type=int, required=True)
    p.add_argument('--connections', type=int, default=200)
    p.add_argument('--launcher', required=True)
    p.add_argument('--config', required=True)
    p.add_argument('--sd-listen-js', required=True)
    p.add_argument('--logs', required=True)
    return p.parse_args()


def one_client(port, barrier, results, index):
    """connect + GET /version + read all, timed from the barrier."""
    barrier.wait()
    t0 = time.monotonic_ns()
    s = socket.socket()
    s.settimeout(TIMEOUT)
    try:
        s.connect(('127.0.0.1', port))
        s.sendall(f'GET /version HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n'.encode())
        data = b''
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        status = data.split(b' ', 2)[1] if data.startswith(b'HTTP/') else b''
        results[index] = ('served' if status == b'200' else 'failed', time.monotonic_ns() - t0)
    except (ConnectionRefusedError, ConnectionResetError):
        results[index] = ('refused', time.monotonic_ns() - t0)
    except OSError:
        results[index] = ('failed', time.monotonic_ns() - t0)
    finally:
        s.close()


def burst(port, n):
    barrier = threading.Barrier(n)
    results = [('failed', 0)] * n
    threads = [threading.Thread(target=one_client, args=(port, barrier, results, i)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def main():
    a = parse_args()
    env = {'PATH': '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LANG': 'C.UTF-8'}

    def start(port):
        log = open(os.path.join(a.logs, 'burst.log'), 'ab')
        proc = fr.subprocess.Popen(
            ['systemd-socket-activate', '-l', f'127.0.0.1:{port}', '-E', f'OVH_SD_LISTEN_JS={a.sd_listen_js}',
             a.launcher, '-c', a.config],
            stdin=fr.subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, env=env)
        log.close()
        fr.live[proc.pid] = proc
        deadline = time.monotonic() + TIMEOUT
        while not fr.is_listening(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                sys.exit(f'burst.py: the activator for port {port} never listened; see {a.logs}')
            time.sleep(0.001)
        return proc

    try:
        for rnd in range(a.rounds):
            shown = []
            for mode in ('inactive', 'running') if rnd % 2 == 0 else ('running', 'inactive'):
                port = fr.free_port()
                proc = start(port)
                if mode == 'running' and fr.get_version(port, TIMEOUT) != 200:
                    sys.exit(f'burst.py: the server did not answer GET /version; see {a.logs}')
                results = burst(port, a.connections)
                fr.stop(proc)
                time.sleep(fr.SETTLE)
                for result, ns in results:
                    print(f'{mode} {rnd} {result} {ns}', flush=True)
                served = sorted(ns for r, ns in results if r == 'served')
                shown.append(f'{mode}: {len(served)}/{len(results)} served, '
                             f'slowest {served[-1] / 1e6 if served else 0:.0f} ms')
            print(f'  round {rnd + 1}/{a.rounds}: ' + '; '.join(shown), file=sys.stderr, flush=True)
    finally:
        fr.cleanup()


if __name__ == '__main__':
    main()

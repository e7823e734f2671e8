#!/usr/bin/env python3
# Starts argv with a listening socket on fd 3 and LISTEN_FDS/LISTEN_PID set,
# like systemd would, without waiting for a connection. Usage:
#   activate.py [--datagram] [--count N] [--not-socket] -- CMD...
import os, socket, sys
args = sys.argv[1:]
kind, count, not_socket = socket.SOCK_STREAM, 1, False
while args[0] != '--':
    a = args.pop(0)
    if a == '--datagram': kind = socket.SOCK_DGRAM
    elif a == '--count': count = int(args.pop(0))
    elif a == '--not-socket': not_socket = True
args.pop(0)
fds = []
for i in range(count):
    if not_socket:
        fd = os.open('/etc/hostname', os.O_RDONLY)
    else:
        s = socket.socket(socket.AF_INET, kind)
        s.bind(('127.0.0.1', 0))
        if kind == socket.SOCK_STREAM: s.listen(16)
        fd = os.dup(s.fileno()); s.close()
    fds.append(fd)
for i, fd in enumerate(fds):
    if fd != 3 + i:
        os.dup2(fd, 3 + i)
    os.set_inheritable(3 + i, True)
env = dict(os.environ, LISTEN_FDS=str(count), LISTEN_PID=str(os.getpid()))
os.execve(args[0], args, env)

#!/usr/bin/env python3
# chanclient.py SOCKET say LINE: connects to a channel's socket, sends LINE and prints
# the first line that comes back (exit 2 when none comes in 30 s).
# chanclient.py SOCKET send LINE: sends LINE and leaves.
# chanclient.py SOCKET flood N SECONDS: asks the guest for N lines of 100 bytes
# ("flood N"), reads nothing for SECONDS, then reads them all; prints the bytes read
# and "intact" when they are those lines, else "damaged" (exit 2: damaged, or not all
# come 60 s later).
import socket, sys, time

path, mode, arg = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(30)
s.connect(path)
if mode in ("say", "send"):
    s.sendall(arg.encode() + b"\n")
    if mode == "send":
        sys.exit(0)
    buf = b""
    try:
        while b"\n" not in buf:
            d = s.recv(4096)
            if not d:
                break
            buf += d
    except socket.timeout:
        pass
    print(buf.split(b"\n")[0].decode(errors="replace"))
    sys.exit(0 if b"\n" in buf else 2)
want = int(arg) * 101
s.sendall(b"flood %d\n" % int(arg))
time.sleep(float(sys.argv[4]))
got, end = bytearray(), time.monotonic() + 60
s.settimeout(5)
while len(got) < want and time.monotonic() < end:
    try:
        d = s.recv(65536)
    except socket.timeout:
        continue
    if not d:
        break
    got += d
intact = got == (b"0" * 100 + b"\n") * int(arg)
print(len(got), "intact" if intact else "damaged")
sys.exit(0 if intact else 2)

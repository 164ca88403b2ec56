#!/usr/bin/env python3
# ctlping.py SOCKET FILE PATTERN SECONDS: asks a VM's control socket for its status every
# 50 ms, a new connection each time as `vzhost ctl` makes, until FILE holds PATTERN (or
# SECONDS pass); prints "N answers, max X ms, median Y ms, ready R ms before" (an
# unanswered question counts as the time it waited, at most 5 s; R: how long before PATTERN
# was seen a status first said "ready": true, -1 never).  Exits 1 when no answer came, 2 on
# a timeout.
import re, socket, sys, time

path, file, pattern, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
want = re.compile(pattern)
end = time.monotonic() + seconds
times, unanswered, ready = [], 0, None


def seen():
    try:
        with open(file, errors="replace") as f:
            return want.search(f.read()) is not None
    except OSError:
        return False


while time.monotonic() < end and not seen():
    t0 = time.monotonic()
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(path)
        s.sendall(b'{"command":"status"}\n')
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        compact = data.replace(b" ", b"")
        if b'"ok":true' not in compact:
            unanswered += 1
        if ready is None and b'"ready":true' in compact:
            ready = time.monotonic()
    except OSError:
        unanswered += 1
    times.append((time.monotonic() - t0) * 1000)
    time.sleep(0.05)
if not times:
    print("no question asked")
    sys.exit(1)
times.sort()
print("%d answers, %d unanswered, max %.1f ms, median %.1f ms, ready %d ms before"
      % (len(times) - unanswered, unanswered, times[-1], times[len(times) // 2],
         -1 if ready is None else (time.monotonic() - ready) * 1000))
sys.exit(2 if not seen() else 1 if unanswered == len(times) else 0)

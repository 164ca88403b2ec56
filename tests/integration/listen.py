#!/usr/bin/env python3
# listen.py SOCKET LOG: a unix datagram server for the tests (a network server's end, a
# service manager's notify socket): "listening", then a line per datagram: as text
# (newlines as spaces) with --text, else "frame LEN from PEER src MAC".
import socket, sys

text = "--text" in sys.argv
path, log = [a for a in sys.argv[1:] if a != "--text"]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(60)
out = open(log, "w", buffering=1)
out.write("listening\n")
while True:
    data, peer = s.recvfrom(65536)
    if text:
        out.write(data.decode().replace("\n", " ") + "\n")
    else:
        out.write("frame %d from %s src %s\n" % (len(data), peer, data[6:12].hex(":")))

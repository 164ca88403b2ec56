#!/usr/bin/env python3
# onterminal.py: runs a command on a pseudo-terminal, as a user at a terminal would: waits for
# a pattern in its output, types, and tells whether the terminal's settings were given
# back.  Usage: onterminal.py LOG WAIT_FOR TYPE [WAIT_FOR TYPE ...] -- COMMAND...
# TYPE may hold \r and \x1d (Ctrl-]); WAIT_FOR "@2" waits 2 s after the last step.
# Exit status: the command's, or 124 on a hang; prints "termios restored" or "termios
# changed" last.
import os, pty, select, signal, sys, termios, time

args = sys.argv[1:]
# --background: the command runs in a process group of its own, as `cmd &` from
# an interactive shell does (the terminal's foreground is someone else's); it is
# sent SIGTERM once the last pattern is seen
background = args[0] == "--background"
if background:
    args.pop(0)
# --sigterm: the command runs in the foreground (a raw terminal) and is sent
# SIGTERM once the last pattern is seen, as a service manager or kill would
sigterm = args[0] == "--sigterm"
if sigterm:
    args.pop(0)
log = open(args.pop(0), "wb")
steps = []
while args and args[0] != "--":
    steps.append((args[0].encode(), args[1].encode().decode("unicode_escape").encode("latin-1")))
    args = args[2:]
cmd = args[1:]
pid, master = pty.fork()
if pid == 0:
    if background: # (a session leader cannot leave its group: a child can)
        gc = os.fork()
        if gc == 0:
            os.setpgid(0, 0)
            os.execvp(cmd[0], cmd)
        signal.signal(signal.SIGTERM, lambda *a: os.kill(gc, signal.SIGTERM))
        while True:
            try:
                _, st = os.waitpid(gc, 0)
                break
            except InterruptedError:
                continue
        os._exit(os.waitstatus_to_exitcode(st))
    os.execvp(cmd[0], cmd)
before = termios.tcgetattr(master)
seen = b""
deadline = time.time() + 60
last = time.time()
status = None
while time.time() < deadline:
    r, _, _ = select.select([master], [], [], 0.2)
    if r:
        try:
            data = os.read(master, 4096)
        except OSError:
            data = b""
        if not data:
            break
        log.write(data)
        log.flush()
        seen += data
    # "@SECONDS" as WAIT_FOR: that long after the last step (what the command
    # prints then goes elsewhere)
    timed = steps and steps[0][0].startswith(b"@")
    if steps and (timed and time.time() >= last + float(steps[0][0][1:]) or
                  not timed and steps[0][0] in seen):
        time.sleep(0.5)
        if (background or sigterm) and len(steps) == 1:
            os.kill(pid, 15)
        else:
            os.write(master, steps[0][1])
        seen = b""
        steps.pop(0)
        last = time.time()
    done, st = os.waitpid(pid, os.WNOHANG)
    if done:
        status = st
        break
# what the command wrote just before it ended is still in the terminal: read it
while True:
    r, _, _ = select.select([master], [], [], 0.2)
    if not r:
        break
    try:
        data = os.read(master, 4096)
    except OSError:
        data = b""
    if not data:
        break
    log.write(data)
    log.flush()
after = termios.tcgetattr(master)

end = time.time() + 15
while status is None and time.time() < end: # (the terminal closed first)
    done, st = os.waitpid(pid, os.WNOHANG)
    if done:
        status = st
    else:
        time.sleep(0.1)
if status is None:
    if True:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        print("termios " + ("restored" if after == before else "changed"))
        sys.exit(124)
print("termios " + ("restored" if after == before else "changed"))
sys.exit(os.waitstatus_to_exitcode(status))

#!/usr/bin/env python3
"""fullpipe.py FD PIDFILE CMD...: run CMD with its fd FD (1 or 2) on a pipe
that is full and never read, as a stalled log collector's would be.

CMD's pid goes to PIDFILE.  This process holds the pipe's read end, waits
for CMD and exits as it did (128 + N for a signal N).  CMD gets SIGINT and
SIGTERM at their default actions whatever this process inherited (a
non-interactive shell starts background jobs with SIGINT ignored).
"""
import os
import signal
import sys


def fill(w):
    """Write to w until the pipe takes no more, whatever its size."""
    os.set_blocking(w, False)
    size = 65536
    while size >= 1:
        try:
            os.write(w, b"x" * size)
        except BlockingIOError:
            size //= 2
    os.set_blocking(w, True)


def main():
    fd, pidfile, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    r, w = os.pipe()
    fill(w)
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.dup2(w, fd)
        os.close(r)
        os.close(w)
        os.execvp(cmd[0], cmd)
    os.close(w)
    with open(pidfile + ".tmp", "w") as f:
        f.write("%d\n" % pid)
    os.rename(pidfile + ".tmp", pidfile)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    sys.exit(128 - code if code < 0 else code)


main()

#!/usr/bin/env python3
"""notify.py [--creds] PATH_OR_@NAME OUTFILE: an sd_notify listener, what
systemd's end of NOTIFY_SOCKET does, for the readiness tests.

Binds an AF_UNIX SOCK_DGRAM socket at PATH, or at the abstract name NAME
for @NAME (as NOTIFY_SOCKET spells it), and only then creates OUTFILE: once
OUTFILE exists, the socket is bound, so a test waits for the file before it
starts rr.  Each datagram received is appended to OUTFILE as one line and
flushed at once: trailing newlines dropped, the newlines inside replaced by
"|" ("READY=1\\nSTATUS=x\\n" is the line "READY=1|STATUS=x").  With
--creds each line starts with "pid=N " where N is the sender's pid, from
SCM_CREDENTIALS, as systemd checks it for NotifyAccess=main.

Prints nothing else.  Runs until killed; on SIGTERM or SIGINT it removes
PATH and exits 0.
"""
import os
import signal
import socket
import struct
import sys


def main():
    args = sys.argv[1:]
    creds = "--creds" in args
    args = [a for a in args if a != "--creds"]
    if len(args) != 2:
        sys.stderr.write(__doc__.split("\n\n")[0] + "\n")
        return 2
    where, outfile = args
    path = "\0" + where[1:] if where.startswith("@") else where

    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    # before bind: a datagram sent in between would come without credentials
    s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    if not where.startswith("@") and os.path.exists(path):
        os.unlink(path)
    s.bind(path)

    def bye(signum, frame):
        if not where.startswith("@"):
            try:
                os.unlink(path)
            except OSError:
                pass
        sys.exit(0)

    signal.signal(signal.SIGTERM, bye)
    signal.signal(signal.SIGINT, bye)

    out = open(outfile, "a")	# now the test may go on
    out.flush()
    space = socket.CMSG_SPACE(struct.calcsize("3i"))
    while True:
        data, anc, _, _ = s.recvmsg(65536, space)
        line = data.decode(errors="replace").rstrip("\n").replace("\n", "|")
        if creds:
            pid = "?"
            for level, kind, value in anc:
                if level == socket.SOL_SOCKET and \
                   kind == socket.SCM_CREDENTIALS:
                    pid = str(struct.unpack("3i", value[:12])[0])
            line = "pid=%s %s" % (pid, line)
        out.write(line + "\n")
        out.flush()


if __name__ == "__main__":
    sys.exit(main())

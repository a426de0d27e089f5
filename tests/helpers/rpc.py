#!/usr/bin/env python3
"""rpc.py: a Goridge v3 RPC client, byte for byte what spiral/goridge's PHP
RPC class sends, and strict about the replies it takes.

    rpc.py [options] ADDR [METHOD [JSON_ARG]]
    rpc.py --frame FLAGS OPTIONS PAYLOAD [--bad-crc] [--length N]
    rpc.py --decode HEX
    rpc.py --selftest

ADDR is tcp://HOST:PORT or unix:///path (unix://@name: an abstract socket).
METHOD is called with JSON_ARG (default `true`), sent as given, not
re-encoded, so a test can send a malformed argument.  The result (the
payload after the method name) is printed on stdout, one line per call.

  --calls N      make the call N times on one connection (seq 1..N, or
                 from --seq), checking every reply
  --seq N        first sequence number (default 1, as the PHP client)
  --codec NAME   json (default), raw, msgpack, gob or proto: the request's
                 codec flag (the payload is the same bytes either way)
  --timeout S    seconds to wait for a connection or a reply (default 10)
  --pause S      sleep S seconds between calls
  --dribble      send every request one byte at a time (TCP_NODELAY, 1 ms
                 apart), so the server sees it in many reads
  --send-hex HEX after the calls (if any), send these raw bytes, then print
                 what comes back as hex (one line, maybe empty) until EOF
                 or the timeout (default 2 s here unless --timeout is
                 given); "eof" or "timeout" on stderr says which; exit 0.
                 HEX may be empty: a client that connects and says nothing
  --frames N     with --send-hex: stop as soon as N whole frames came back
                 ("frames" on stderr)
  --stdin        after the calls (if any), read lines "METHOD [JSON_ARG]"
                 from stdin and call each on the same connection, printing
                 "OK result" or "ERR text" (flushed at once); EOF on stdin
                 ends it with exit 0

--frame prints a frame's hex for --send-hex: FLAGS an integer (0x08 or
8), OPTIONS comma-separated integers ("" or "-" for none), PAYLOAD a string;
--bad-crc flips the CRC, --length N puts N in the length field instead of
the payload's length.  --decode prints the frames in HEX, one line each.

Exit codes: 0 ok; 2 usage; 3 the server answered with an ERROR frame (its
text on stderr); 4 the reply breaks the protocol (option count, seq,
options[1], the method echo, CRC, version, codec flags, a result that is
not JSON); 5 cannot connect, or the connection was closed (EOF, reset);
6 no reply within the timeout.

As a module: Client(addr).call(method, arg=b"true", codec=JSON) returns
the result bytes, or raises RPCError (.text), ProtocolError,
ConnectError or Timeout; request() and frame() build frames.

The reply rules are those of the PHP client (exactly 2 options,
options[0] == the seq sent) plus what the Go server always does
(options[1] == len(method), the payload starts with the method, the flags
are the request's codec, with ERROR added on an error).  One allowance: an
ERROR reply to a request in a codec other than JSON may carry the JSON
flag instead of the request's, since rr speaks only JSON.
"""
import argparse
import json
import socket
import struct
import sys
import time
import zlib

CONTROL = 0x01
CODEC_RAW = 0x04
CODEC_JSON = 0x08
CODEC_MSGPACK = 0x10
CODEC_GOB = 0x20
ERROR = 0x40
CODEC_PROTO = 0x80
CODECS = {"raw": CODEC_RAW, "json": CODEC_JSON, "msgpack": CODEC_MSGPACK,
          "gob": CODEC_GOB, "proto": CODEC_PROTO}
CODEC_BITS = CODEC_RAW | CODEC_JSON | CODEC_MSGPACK | CODEC_GOB | CODEC_PROTO
JSON = CODEC_JSON
GOB = CODEC_GOB
MAX_PAYLOAD = 64 << 20	# a reply larger than this is a protocol error


class RPCFailure(Exception):
    """Base of the errors below; .code is the CLI's exit code."""
    code = 1


class RPCError(RPCFailure):
    """The server answered with an ERROR frame; .text is its message."""
    code = 3

    def __init__(self, text):
        super().__init__(text)
        self.text = text


class ProtocolError(RPCFailure):
    code = 4


class ConnectError(RPCFailure):
    """Cannot connect, or the peer closed (EOF, reset)."""
    code = 5


class Timeout(RPCFailure):
    code = 6


def frame(flags, options, payload, bad_crc=False, length=None):
    """A Goridge v3 frame: 12 header bytes, the options, the payload."""
    if isinstance(payload, str):
        payload = payload.encode()
    hl = 3 + len(options)
    if hl > 15:
        raise ValueError("at most 12 options fit in the header length")
    n = len(payload) if length is None else length
    head = bytes([(1 << 4) | hl, flags]) + struct.pack("<I", n)
    crc = zlib.crc32(head) & 0xffffffff
    if bad_crc:
        crc ^= 0xffffffff
    return (head + struct.pack("<I", crc) + b"\0\0" +
            b"".join(struct.pack("<I", o) for o in options) + payload)


def request(seq, method, arg=b"true", codec=CODEC_JSON):
    """An RPC request as the PHP client sends it: options [seq, len(method)],
    payload method + encoded argument, flags the codec."""
    if isinstance(method, str):
        method = method.encode()
    if isinstance(arg, str):
        arg = arg.encode()
    return frame(codec, [seq, len(method)], method + arg)


def parse_header(h):
    """12 header bytes -> (header_len, flags, payload_len); checks version
    and CRC."""
    if (h[0] >> 4) != 1:
        raise ProtocolError("reply has protocol version %d, want 1" % (h[0] >> 4))
    hl = h[0] & 0x0f
    if hl < 3:
        raise ProtocolError("reply header length %d words, at least 3" % hl)
    n = struct.unpack("<I", h[2:6])[0]
    crc = struct.unpack("<I", h[6:10])[0]
    want = zlib.crc32(h[:6]) & 0xffffffff
    if crc != want:
        raise ProtocolError("reply has CRC %08x, header says %08x" % (crc, want))
    return hl * 4, h[1], n


def split_frames(data):
    """Whole frames in data -> ([(flags, options, payload)], leftover)."""
    out = []
    while len(data) >= 12:
        hlen, flags, n = parse_header(data[:12])
        if len(data) < hlen + n:
            break
        opts = list(struct.unpack("<%dI" % ((hlen - 12) // 4), data[12:hlen]))
        out.append((flags, opts, data[hlen:hlen + n]))
        data = data[hlen + n:]
    return out, data


def connect(addr, timeout):
    """A connected socket for tcp://HOST:PORT or unix:///path."""
    try:
        if addr.startswith("tcp://"):
            host, _, port = addr[6:].rpartition(":")
            host = host.strip("[]")
            s = socket.create_connection((host, int(port)), timeout=timeout)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        elif addr.startswith("unix://"):
            path = addr[7:]
            if path.startswith("@"):
                path = "\0" + path[1:]
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(timeout)
            s.connect(path)
        else:
            raise ValueError("address %r: want tcp://HOST:PORT or "
                             "unix:///path" % addr)
    except socket.timeout:
        raise Timeout("connect to %s: timed out" % addr)
    except OSError as e:
        raise ConnectError("connect to %s: %s" % (addr, e.strerror or e))
    s.settimeout(timeout)
    return s


class Client:
    """One connection; seq starts at 1 and grows by one per call, as in
    the PHP client (which also counts calls that got an ERROR reply)."""

    def __init__(self, addr, timeout=10.0, seq=1, dribble=False):
        self.addr = addr
        self.timeout = timeout
        self.seq = seq
        self.dribble = dribble
        self.sock = connect(addr, timeout)

    def close(self):
        self.sock.close()

    def send(self, data):
        try:
            if self.dribble:
                for i in range(len(data)):
                    self.sock.sendall(data[i:i + 1])
                    time.sleep(0.001)
            else:
                self.sock.sendall(data)
        except socket.timeout:
            raise Timeout("send to %s: timed out" % self.addr)
        except OSError as e:
            raise ConnectError("send to %s: %s" % (self.addr, e.strerror or e))

    def recv_exact(self, n, what):
        buf = b""
        while len(buf) < n:
            try:
                got = self.sock.recv(n - len(buf))
            except socket.timeout:
                raise Timeout("no %s from %s within %gs (%d of %d bytes)" %
                              (what, self.addr, self.timeout, len(buf), n))
            except OSError as e:
                raise ConnectError("reading the %s: %s" %
                                   (what, e.strerror or e))
            if not got:
                raise ConnectError("EOF from %s after %d of %d bytes of the %s"
                                   % (self.addr, len(buf), n, what))
            buf += got
        return buf

    def read_frame(self):
        """The next frame: (flags, options, payload)."""
        hlen, flags, n = parse_header(self.recv_exact(12, "reply header"))
        if n > MAX_PAYLOAD:
            raise ProtocolError("reply claims %d payload bytes" % n)
        raw = self.recv_exact(hlen - 12, "reply options")
        opts = list(struct.unpack("<%dI" % ((hlen - 12) // 4), raw))
        return flags, opts, self.recv_exact(n, "reply payload")

    def call(self, method, arg=b"true", codec=CODEC_JSON):
        """Call method(arg); the result bytes, after the method name."""
        if isinstance(method, str):
            method = method.encode()
        seq = self.seq
        self.seq += 1
        self.send(request(seq, method, arg, codec))
        return check_reply(self.read_frame(), seq, method, codec)

    def call_json(self, method, arg=True):
        return json.loads(self.call(method, json.dumps(arg).encode()))


def check_reply(reply, seq, method, codec):
    """The result of a reply to request (seq, method, codec), or raise."""
    flags, opts, payload = reply
    name = method.decode(errors="replace")
    if len(opts) != 2:
        raise ProtocolError("reply to %s has %d options, want 2 (seq, "
                            "method length)" % (name, len(opts)))
    if opts[0] != seq:
        raise ProtocolError("reply to %s has seq %d, sent %d" %
                            (name, opts[0], seq))
    if opts[1] != len(method):
        raise ProtocolError("reply to %s has options[1] = %d, want %d" %
                            (name, opts[1], len(method)))
    if payload[:len(method)] != method:
        raise ProtocolError("reply to %s starts with %r, not the method" %
                            (name, payload[:len(method)]))
    body = payload[len(method):]
    if flags & ERROR:
        codecs = {codec, CODEC_JSON}	# see the module's docstring
        if flags & ~ERROR not in codecs:
            raise ProtocolError("ERROR reply to %s has flags 0x%02x, want "
                                "0x%02x" % (name, flags, ERROR | codec))
        raise RPCError(body.decode(errors="replace"))
    if flags != codec:
        raise ProtocolError("reply to %s has flags 0x%02x, want 0x%02x" %
                            (name, flags, codec))
    if codec == CODEC_JSON:
        try:
            json.loads(body)
        except ValueError:
            raise ProtocolError("result of %s is not JSON: %r" %
                                (name, body[:200]))
    return body


def count_frames(data):
    """Whole frames at the start of data (a bad one ends the count)."""
    try:
        return len(split_frames(data)[0])
    except ProtocolError:
        return 0


def send_raw(c, data, timeout, frames=0):
    """Send data, print what comes back as hex until EOF, timeout, or
    (frames > 0) that many whole frames came back."""
    if data:
        c.send(data)
    c.sock.settimeout(0.1)
    got, end, why = b"", time.monotonic() + timeout, "timeout"
    while time.monotonic() < end:
        try:
            b = c.sock.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            why = "eof"	# a reset is a close too, with unread data
            break
        if not b:
            why = "eof"
            break
        got += b
        if frames and count_frames(got) >= frames:
            why = "frames"
            break
    print(got.hex(), flush=True)
    print(why, file=sys.stderr, flush=True)


def serve_stdin(c, codec):
    """Calls read from stdin, one per line, on the same connection."""
    while True:
        line = sys.stdin.readline()
        if not line:
            return
        parts = line.strip().split(None, 1)
        if not parts:
            continue
        arg = parts[1] if len(parts) > 1 else "true"
        try:
            r = c.call(parts[0], arg.encode(), codec)
            print("OK " + r.decode(errors="replace"), flush=True)
        except RPCError as e:
            print("ERR " + e.text, flush=True)


def selftest():
    """The worked example of the brief, and the reply checks."""
    want = bytes.fromhex("15 08 11 00 00 00 b0 49 0c 3a 00 00"
                         " 01 00 00 00 0d 00 00 00") + b"informer.Listtrue"
    got = request(1, "informer.List", b"true")
    assert got == want, "request bytes %s, want %s" % (got.hex(), want.hex())
    m = b"informer.List"
    ok = split_frames(frame(JSON, [1, len(m)], m + b'["ticker"]'))[0][0]
    assert check_reply(ok, 1, m, JSON) == b'["ticker"]'
    bad = [
        (JSON, [1], m + b"[]"),			# one option
        (JSON, [1, len(m), 0], m + b"[]"),	# three
        (JSON, [2, len(m)], m + b"[]"),		# wrong seq
        (JSON, [1, 3], m + b"[]"),		# wrong method length
        (GOB, [1, len(m)], m + b"[]"),		# wrong codec
        (JSON | CONTROL, [1, len(m)], m + b"[]"),
        (JSON, [1, len(m)], b"informer.Lixx[]"),	# not the method
        (JSON, [1, len(m)], m + b"[not json"),
    ]
    for f in bad:
        try:
            check_reply(f, 1, m, JSON)
        except ProtocolError:
            continue
        raise AssertionError("accepted %r" % (f,))
    try:
        check_reply((ERROR | JSON, [1, len(m)], m + b"boom"), 1, m, JSON)
        raise AssertionError("an ERROR reply returned")
    except RPCError as e:
        assert e.text == "boom"
    try:
        split_frames(frame(JSON, [1, 2], b"xx", bad_crc=True))
        raise AssertionError("bad CRC accepted")
    except ProtocolError:
        pass
    print("selftest ok")


def decode(hexstr):
    try:
        frames, rest = split_frames(bytes.fromhex(hexstr))
    except ProtocolError as e:
        print("bad frame: %s" % e)
        return 4
    for flags, opts, payload in frames:
        print("flags=0x%02x options=%s payload=%s" % (
            flags, ",".join(map(str, opts)), payload.decode(errors="replace")))
    if rest:
        print("partial %d bytes" % len(rest))
    return 0


def main():
    p = argparse.ArgumentParser(
        usage=__doc__.split("\n\n")[1], description=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("addr", nargs="?")
    p.add_argument("method", nargs="?")
    p.add_argument("arg", nargs="?", default="true")
    p.add_argument("--calls", type=int, default=1)
    p.add_argument("--seq", type=int, default=1)
    p.add_argument("--codec", choices=sorted(CODECS), default="json")
    p.add_argument("--timeout", type=float)
    p.add_argument("--pause", type=float, default=0)
    p.add_argument("--dribble", action="store_true")
    p.add_argument("--send-hex")
    p.add_argument("--frames", type=int, default=0)
    p.add_argument("--stdin", action="store_true")
    p.add_argument("--frame", nargs=3, metavar=("FLAGS", "OPTIONS", "PAYLOAD"))
    p.add_argument("--bad-crc", action="store_true")
    p.add_argument("--length", type=int)
    p.add_argument("--decode", metavar="HEX")
    p.add_argument("--selftest", action="store_true")
    a = p.parse_args()

    if a.selftest:
        selftest()
        return 0
    if a.decode is not None:
        return decode(a.decode)
    if a.frame:
        opts = [int(x, 0) for x in a.frame[1].split(",") if x not in ("", "-")]
        print(frame(int(a.frame[0], 0), opts, a.frame[2], a.bad_crc,
                    a.length).hex())
        return 0
    if not a.addr or not (a.method or a.send_hex is not None or a.stdin):
        p.print_usage(sys.stderr)
        return 2
    codec = CODECS[a.codec]
    try:
        raw = bytes.fromhex(a.send_hex) if a.send_hex is not None else None
    except ValueError:
        print("rpc.py: --send-hex: not hex", file=sys.stderr)
        return 2
    try:
        c = Client(a.addr, a.timeout or 10.0, a.seq, a.dribble)
        if a.method:
            for i in range(a.calls):
                if i and a.pause:
                    time.sleep(a.pause)
                r = c.call(a.method, a.arg.encode(), codec)
                sys.stdout.buffer.write(r + b"\n")
                sys.stdout.flush()
        if raw is not None:
            send_raw(c, raw, a.timeout or 2.0, a.frames)
        elif a.stdin:
            serve_stdin(c, codec)
    except RPCError as e:
        print(e.text, file=sys.stderr)
        return e.code
    except RPCFailure as e:
        print("rpc.py: %s" % e, file=sys.stderr)
        return e.code
    except ValueError as e:
        print("rpc.py: %s" % e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

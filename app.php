<?php
/*
 * The worker rr.yaml starts: a RoadRunner ticker worker that needs nothing
 * but php-cli.  It speaks Goridge v3 frames itself, byte for byte as
 * spiral/roadrunner-worker does (shared/vectors/goridge.txt), and logs each
 * tick on stderr, which rr logs tagged with the worker's pid.
 *
 * A worker built on spiral/roadrunner-worker works with rr unchanged; this
 * one only exists so `./rr serve` shows ticks on a bare machine.
 */
declare(strict_types=1);

const FLAG_CONTROL = 0x01;
const FLAG_ERROR = 0x40;

/* One frame, as the PHP library packs it: CRC over the first 6 bytes. */
function frame_pack(int $flags, string $payload, array $options = [],
    int $stream = 0): string
{
    $head = pack('CCV', 0x10 | (count($options) + 3), $flags, strlen($payload));
    return $head . pack('VCC', crc32($head), $stream, 0)
        . ($options ? pack('V*', ...$options) : '') . $payload;
}

function read_exactly($in, int $n): ?string
{
    $buf = '';
    while (strlen($buf) < $n) {
        $chunk = fread($in, $n - strlen($buf));
        if ($chunk === false || $chunk === '') {
            return null;
        }
        $buf .= $chunk;
    }
    return $buf;
}

/* Returns [flags, options, payload, stream byte], or null at the end. */
function frame_read($in): ?array
{
    $h = read_exactly($in, 12);
    if ($h === null) {
        return null;
    }
    $f = unpack('Cvhl/Cflags/Vlen/Vcrc/Cstream', $h);
    if ($f['vhl'] >> 4 !== 1 || crc32(substr($h, 0, 6)) !== $f['crc']) {
        throw new RuntimeException('bad frame header from rr');
    }
    $nopt = ($f['vhl'] & 0x0f) - 3;
    $rest = read_exactly($in, $nopt * 4 + $f['len']);
    if ($rest === null) {
        return null;
    }
    $options = $nopt ? array_values(unpack("V$nopt", $rest)) : [];
    return [$f['flags'], $options, substr($rest, $nopt * 4), $f['stream']];
}

function respond(string $body, string $context = ''): string
{
    return frame_pack(0, $context . $body, [strlen($context)]);
}

function serve($in, $out): int
{
    while (($frame = frame_read($in)) !== null) {
        [$flags, $options, $payload] = $frame;
        if ($flags & FLAG_CONTROL) {
            $cmd = json_decode($payload, true);
            if (!empty($cmd['stop'])) {
                return 0;
            }
            if (!empty($cmd['pid'])) {
                fwrite($out, frame_pack(FLAG_CONTROL,
                    json_encode(['pid' => getmypid()])));
                continue;
            }
            throw new RuntimeException("unknown control frame $payload");
        }
        $ctxLen = $options[0] ?? 0;
        $context = json_decode(substr($payload, 0, $ctxLen), true);
        $body = json_decode(substr($payload, $ctxLen), true);
        fprintf(STDERR, "tick %d (lastTick %d, mode %s)\n", $body['tick'] ?? -1,
            $context['lastTick'] ?? 0, getenv('RR_MODE') ?: '?');
        fwrite($out, respond('OK'));
    }
    fwrite(STDERR, "rr closed the pipe\n");
    return 0;
}

/*
 * RR_RELAY says where frames go: pipes (stdin and stdout), or a socket
 * rr listens on (tcp://host:port, unix:///path), as the PHP library's
 * SocketRelay connects to it.
 */
function relay()
{
    $relay = getenv('RR_RELAY') ?: 'pipes';
    if ($relay === 'pipes') {
        return [STDIN, STDOUT];
    }
    $sock = stream_socket_client($relay, $errno, $error, 5.0);
    if ($sock === false) {
        throw new RuntimeException("cannot connect to $relay: $error");
    }
    return [$sock, $sock];
}

if (realpath($_SERVER['argv'][0] ?? '') === __FILE__) {
    [$in, $out] = relay();
    exit(serve($in, $out));
}

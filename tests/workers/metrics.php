<?php
/*
 * A ticker worker that reports its own metrics to rr over RPC, as a PHP
 * app with spiral/roadrunner-metrics does: it connects to RR_RPC, sends
 * metrics.Declare (ignoring "tried to register existing collector", as
 * the library does), then metrics.Add with a label per tick.  The RPC
 * frames are spiral/goridge's: two options [seq, len(method)], the
 * method name, then the JSON argument; each reply must echo the seq.
 */
declare(strict_types=1);

require __DIR__ . '/../../app.php';

final class Rpc
{
    private $sock;
    private int $seq = 0;

    public function __construct(string $address)
    {
        $this->sock = stream_socket_client($address, $errno, $error, 5.0);
        if ($this->sock === false) {
            throw new RuntimeException("RPC $address: $error");
        }
    }

    public function call(string $method, $arg)
    {
        $seq = ++$this->seq;
        fwrite($this->sock, frame_pack(0x08, $method . json_encode($arg),
            [$seq, strlen($method)]));
        [$flags, $options, $payload] = frame_read($this->sock);
        if (count($options) !== 2 || $options[0] !== $seq) {
            throw new RuntimeException('RPC reply out of sequence');
        }
        $result = substr($payload, $options[1]);
        if ($flags & FLAG_ERROR) {
            throw new RuntimeException("Error '$result'");
        }
        return json_decode($result, true);
    }
}

[$in, $out] = relay();
$rpc = new Rpc(getenv('RR_RPC'));
try {
    $rpc->call('metrics.Declare', ['name' => 'ticks_seen', 'collector' => [
        'namespace' => 'app', 'type' => 'counter',
        'help' => 'Ticks a worker saw', 'labels' => ['worker']]]);
} catch (RuntimeException $e) {
    if (!str_contains($e->getMessage(), 'tried to register existing collector')) {
        throw $e;
    }
}
while (($frame = frame_read($in)) !== null) {
    [$flags, $options, $payload] = $frame;
    if ($flags & FLAG_CONTROL) {
        $cmd = json_decode($payload, true);
        if (!empty($cmd['stop'])) {
            exit(0);
        }
        fwrite($out, frame_pack(FLAG_CONTROL, json_encode(['pid' => getmypid()])));
        continue;
    }
    $rpc->call('metrics.Add', ['name' => 'ticks_seen', 'value' => 1,
        'labels' => ['w "' . getmypid() . '"']]);
    fwrite($out, respond('OK'));
}

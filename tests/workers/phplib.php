<?php
/*
 * A worker on the real spiral/roadrunner-worker library, as its README
 * writes one: Worker::create() picks the relay from RR_RELAY.  Each
 * payload becomes one line of $PHPLIB_OUT ("pid context body"), and the
 * reply says which pid answered.
 */
declare(strict_types=1);

require getenv('PHPLIB_AUTOLOAD');

use Spiral\RoadRunner\Payload;
use Spiral\RoadRunner\Worker;

$worker = Worker::create();
$out = getenv('PHPLIB_OUT');
while (($payload = $worker->waitPayload()) !== null) {
	file_put_contents($out, getmypid() . ' ' . $payload->header . ' ' .
	    $payload->body . "\n", FILE_APPEND | LOCK_EX);
	$worker->respond(new Payload('{"pid":' . getmypid() . '}'));
}

# The shipped PHP worker frames bytes exactly as spiral/roadrunner-worker
# does: its encoder reproduces every worker_* vector, and it decodes the
# server_* ones.
. "$(dirname "$0")/lib.sh"

t_vectors() {
	local out
	out=$(php -r '
		require "app.php";
		$bad = 0;
		foreach (file(getenv("RR_VECTORS")) as $line) {
			if ($line[0] === "#" || trim($line) === "") continue;
			[$name, $hex] = explode("\t", $line);
			$bytes = hex2bin($hex);
			$in = fopen("php://memory", "w+");
			fwrite($in, $bytes); rewind($in);
			[$flags, $opts, $payload, $stream] = frame_read($in);
			if (str_starts_with($name, "worker_") &&
			    frame_pack($flags, $payload, $opts, $stream) !== $bytes) {
				echo "$name re-encodes differently\n"; $bad++;
			}
		}
		exit($bad);' 2>&1) || { fail "$out"; return; }
}

php_scenario app-php-vectors t_vectors

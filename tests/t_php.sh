# The shipped PHP worker, end to end: ./rr serve with the shipped rr.yaml
# (php app.php), from the repo root.
. "$(dirname "$0")/lib.sh"

t_php() {	# [rr args...]
	local root re
	root=$(pwd)
	check "no rr.yaml in $root" [ -f rr.yaml ] || return
	check "no app.php in $root" [ -f app.php ] || return
	CONFIG=$root/rr.yaml start_rr "$@" || return
	re="$(msg worker '.*tick.*')"
	wait_count "$re" 3 30 ||
	    { fail "fewer than 3 ticks logged by the PHP worker in 30s"; return; }
	check "an ERROR line" [ "$(count_log '^[^ ]+ ERROR ')" -eq 0 ]
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
	no_workers_left
}

# The same worker on the socket relays, as RR_RELAY tells it.
t_php_unix() {
	t_php -o "server.relay=unix://$D/relay.sock"
}

t_php_tcp() {
	t_php -o "server.relay=tcp://127.0.0.1:$(free_port)"
}

php_scenario php-worker t_php
php_scenario php-worker-unix-relay t_php_unix
php_scenario php-worker-tcp-relay t_php_tcp

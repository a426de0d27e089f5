# Workers on the real spiral/roadrunner-worker library, over pipes, tcp
# and a unix socket.  The library comes from Packagist through composer
# into $O/phplib, once; without composer or the network the scenarios
# are skipped, and say so.
. "$(dirname "$0")/lib.sh"

LIB=$O_ABS/phplib
AUTOLOAD=$LIB/vendor/autoload.php

install_lib() {	# 0 when the library is there; else the reason on stdout
	[ -f "$AUTOLOAD" ] && return 0
	command -v php >/dev/null || { echo "php is not installed"; return 1; }
	command -v composer >/dev/null ||
		{ echo "composer is not installed"; return 1; }
	mkdir -p "$LIB" && cd "$LIB" || return 1
	if ! COMPOSER_HOME=$LIB/.composer timeout 300 composer require \
	    --no-interaction --no-progress --quiet \
	    'spiral/roadrunner-worker:^3' >"$LIB/install.log" 2>&1; then
		echo "composer could not install spiral/roadrunner-worker" \
		    "(offline?): $(tail -n 1 "$LIB/install.log")"
		rm -rf "$LIB/vendor"
		return 1
	fi
	cd - >/dev/null
}

payloads_seen() {	# n: the workers wrote at least n lines
	[ -f "$D/out" ] && [ "$(wc -l <"$D/out")" -ge "$1" ]
}

t_lib() {
	local n bad
	export PHPLIB_AUTOLOAD=$AUTOLOAD PHPLIB_OUT=$D/out
	basic_config "php $TOP/tests/workers/phplib.php" 100ms 2
	start_rr || return
	wait_for 30 payloads_seen 5 ||
		{ fail "fewer than 5 payloads reached the workers in 30 s"; return; }
	# every payload: the ticker's context and body
	bad=$(grep -Ev '^[0-9]+ \{"lastTick":[0-9]+\} \{"tick":[0-9]+\}$' "$D/out" | head -n 1)
	[ -z "$bad" ] || fail "a payload the worker read as: $bad"
	check "a tick failed" test "$(count_log "$(msg ticker 'tick failed')")" -eq 0
	check "a worker exited while serving" \
	    test "$(count_log "$(msg pool 'worker exited')")" -eq 0
	stop_rr
	n=$?
	check "rr exited $n on SIGTERM" test "$n" -eq 0
	check "delivered ticks" test "$(counter delivered)" -ge 5
	check_counters
}

if why=$(install_lib); then
	for relay in pipes tcp unix; do
		RELAY=$relay scenario "phplib-$relay" t_lib
	done
else
	for relay in pipes tcp unix; do
		echo "SKIP phplib-$relay: $why"
	done
fi

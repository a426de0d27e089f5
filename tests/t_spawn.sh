# Starting workers: commands that cannot run, workers that die before the
# handshake, handshakes that are slow or never come.
. "$(dirname "$0")/lib.sh"

# A worker that can never start: a clear error, growing back-off, rr keeps
# running without spinning.
never_starts() {	# ERE the error line must match
	start_rr || return
	local re c0 delays
	re=$(msg pool 'restart back-off')
	wait_count "$re" 3 || { fail "fewer than 3 '$re' in 20s"; return; }
	check "no ERROR line matching /$1/" has_log "ERROR .*($1)"
	c0=$(cpu_cs "$RRPID")
	if wait_for 5 dead "$RRPID"; then
		fail "rr exited while workers could not start"
		return
	fi
	check "rr used $(($(cpu_cs "$RRPID") - c0))0 ms of CPU in 5 s" \
	    [ $(($(cpu_cs "$RRPID") - c0)) -lt 100 ]
	delays=$(log_lines "$re" | field delay_ms | tr '\n' ' ')
	check "back-off delays not growing: $delays" awk '{
		for (i = 2; i <= NF; i++) if ($i < $(i - 1)) exit 1
		exit !($NF > $1) }' <<<"$delays"
	stop_rr
	local rc=$?
	check "rr exited $rc on SIGTERM, want 0 or 1" between "$rc" 0 1
}

# The pool's spawned, ready and exited lines, in order, one word each.
pool_events() {
	log_lines "[[:space:]]pool +worker (spawned|ready|exited)" |
	    grep -oE 'worker (spawned|ready|exited)' | cut -d' ' -f2 | tr '\n' ' '
}

t_missing_command() {
	basic_config "/nonexistent/x" 100ms 4
	never_starts '/nonexistent/x.*[Nn]o such file|[Nn]o such file.*/nonexistent/x'
	local ev
	ev=$(pool_events)
	check "a broken command is tried one process at a time: $ev" \
	    eval '[[ -n "$ev" && "$ev" != *"spawned spawned"* ]]'
}

t_missing_script() {
	basic_config "php missing.php" 100ms 1
	never_starts 'Could not open input file: missing\.php'
}

t_exit_before_handshake() {
	basic_config "$TW echo -c 0 -e 9 -o $D/once" 100ms 1
	start_rr || return
	local re="worker exited with status 9 before the handshake"
	wait_log "$re" || { fail "no '$re' in 20s"; return; }
	check "its stderr is not shown" \
	    grep -q 'crashing before the handshake' <<<"$(log_lines "$re" | field stderr)"
	check "the line is not at ERROR" has_log "ERROR .*$re"
	check "no worker became ready" wait_log "$(msg pool 'worker ready')"
}

# Never answers the pid frame: killed after relay_timeout, replaced.
t_handshake_timeout() {
	RELAY_TIMEOUT=1s basic_config "$TW echo -H -r $D/rec -o $D/once" 100ms 1
	start_rr || return
	local re p t0 t1
	re=$(msg pool 'handshake timeout')
	p=$(first_pid "$re") || { fail "no '$re' in 20s"; return; }
	t0=$(log_of "$(msg pool 'worker spawned')" "$p" | log_ms)
	t1=$(log_of "$re" "$p" | log_ms)
	check "timeout after $((t1 - t0)) ms, want >= 950" [ $((t1 - t0)) -ge 950 ]
	check "worker $p still alive 10s after the timeout" wait_for 10 dead "$p"
	check "no 'worker killed' for $p" \
	    grep -q . <<<"$(log_of "$(msg pool 'worker killed')" "$p")"
	check "no tick served by a new worker in 20s" \
	    wait_for 20 replied_by_other "$p"
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
}

# A slow handshake within relay_timeout is fine.
t_slow_handshake() {
	RELAY_TIMEOUT=5s basic_config "$TW echo -S 400 -r $D/rec" 100ms 1
	start_rr || return
	wait_log "$(msg pool 'worker ready')" || { fail "no worker ready in 20s"; return; }
	local us
	us=$(log_lines "$(msg pool 'worker ready')" | head -n 1 | field handshake_us)
	check "handshake_us=$us, want >= 400000" [ "${us:-0}" -ge 400000 ]
	check "no tick served in 20s" wait_rec reply 1
	check "a handshake timeout" [ "$(count_log 'handshake timeout')" -eq 0 ]
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
}

# Until one worker is up, one starts alone; the rest start when it is,
# after it has been given tick 0.
t_first_worker_alone() {
	basic_config "$TW echo -S 300" 1s 3
	start_rr || return
	wait_count "$(msg pool 'worker ready')" 3 ||
	    { fail "fewer than 3 workers ready in 20s"; return; }
	local ev tick0 spawn2
	ev=$(pool_events)
	check "spawned and ready in this order: $ev" \
	    [ "$ev" = "spawned ready spawned spawned ready ready " ]
	tick0=$(grep -nE "$(msg ticker tick)" "$D/rr.log" | head -n 1 | cut -d: -f1)
	spawn2=$(grep -nE "$(msg pool 'worker spawned')" "$D/rr.log" |
	    sed -n 2p | cut -d: -f1)
	check "tick 0 (log line ${tick0:-none}) before the second spawn" \
	    [ "${tick0:-999999}" -lt "${spawn2:-0}" ]
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
}

scenario first-worker-alone t_first_worker_alone
scenario missing-command t_missing_command
php_scenario missing-php-script t_missing_script
scenario exit-before-handshake t_exit_before_handshake
scenario handshake-timeout t_handshake_timeout
scenario slow-handshake t_slow_handshake

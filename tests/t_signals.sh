# Signals: graceful and forced stops, reset, and what is left afterwards.
. "$(dirname "$0")/lib.sh"

ready() {	# n: start rr and wait for n ready workers
	start_rr || return
	wait_count "$(msg pool 'worker ready')" "$1" ||
	    { fail "fewer than $1 workers ready in 20s"; return 1; }
}

graceful() {	# signal: stops with exit 0, workers gone
	basic_config "$TW echo -r $D/rec" 100ms 2
	ready 2 || return
	wait_rec recv 2 || { fail "fewer than 2 ticks in 20s"; return; }
	stop_rr "$1"
	check "rr exited $? on SIG$1" [ $? -eq 0 ]
	check "no 'stopping' line with signal=" \
	    has_log "$(msg rr stopping).*signal=\"?(SIG)?$1"
	check "no 'stopped' line with exit=0" has_log "$(msg rr stopped).*exit=0"
	check "a worker did not get the stop frame" \
	    [ "$(rec_count exit)" -eq "$(rec_count start)" ]
	no_workers_left
}

t_sigterm() {
	graceful TERM
}

# bash starts background jobs with SIGINT ignored: rr must still take it.
t_sigint() {
	graceful INT
}

# A tick in flight when SIGTERM comes is finished before the stop.
t_sigterm_running_tick() {
	basic_config "$TW echo -r $D/rec -d 1500" 100ms 1
	ready 1 || return
	wait_rec recv 1 || { fail "no tick in 20s"; return; }
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
	check "the running tick got no reply" \
	    [ "$(rec_count reply)" -eq "$(rec_count recv)" ]
	no_workers_left
}

# Workers ignoring the stop frame and SIGTERM are killed at destroy_timeout.
t_stop_ignored() {
	DESTROY_TIMEOUT=1s basic_config "$TW echo -i -T" 100ms 2
	ready 2 || return
	local t0 rc ms
	t0=$(now_us)
	stop_rr
	rc=$? ms=$((($(now_us) - t0) / 1000))
	check "rr exited $rc, want 1 (workers had to be killed)" [ "$rc" -eq 1 ]
	check "rr exited after $ms ms, want 950..15000" between "$ms" 950 15000
	check "no 'worker killed' line" has_log "$(msg pool 'worker killed')"
	no_workers_left
}

# A second SIGTERM during a graceful stop: exit 1 at once, workers killed.
t_second_sigterm() {
	DESTROY_TIMEOUT=30s basic_config "$TW echo -i -T" 100ms 2
	ready 2 || return
	kill -TERM "$RRPID"
	wait_log "$(msg rr stopping)" || { fail "no 'stopping' in 20s"; return; }
	local t0 rc ms
	t0=$(now_us)
	stop_rr
	rc=$? ms=$((($(now_us) - t0) / 1000))
	check "rr exited $rc on the second SIGTERM, want 1" [ "$rc" -eq 1 ]
	check "rr took $ms ms to exit on the second SIGTERM" [ "$ms" -lt 3000 ]
	check "no 'forced stop' line" has_log "$(msg rr 'forced stop')"
	no_workers_left
}

# SIGHUP replaces every worker; no tick is lost but those logged as skipped.
# Slow ticks (80 ms at 50 ms on 2 workers) make sure some are in flight.
t_sighup() {
	basic_config "$TW echo -r $D/rec -d 80" 50ms 2
	ready 2 || return
	wait_rec reply 4 || { fail "fewer than 4 ticks in 20s"; return; }
	local old new p bad
	old=$(ready_pids)
	kill -HUP "$RRPID"
	wait_log "$(msg rr reset)" || { fail "no 'reset' line in 20s"; return; }
	wait_count "$(msg pool 'worker ready')" 4 ||
	    { fail "fewer than 2 new workers ready in 20s"; return; }
	new=$(ready_pids | tail -n +3)
	check "pids before ($old) and after ($new) the reset overlap" \
	    [ -z "$(comm -12 <(sort <<<"$old") <(sort <<<"$new"))" ]
	for p in $old; do
		check "old worker $p alive 10s after the reset" wait_for 10 dead "$p"
	done
	check "fewer than 4 ticks served by new workers in 20s" \
	    wait_for 20 rec_match "^reply .* pid=($(paste -sd'|' <<<"$new")) " 4
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
	check "a tick got no reply" [ "$(rec_count reply)" -eq "$(rec_count recv)" ]
	check_counters
	check "failed=$(counter failed), want 0" [ "$(counter failed)" = 0 ]
	check "delivered=$(counter delivered), the workers got $(rec_count recv)" \
	    [ "$(counter delivered)" = "$(rec_count recv)" ]
	check_skips_logged
	bad=$(ticks | consecutive) || fail "tick numbers: $bad"
}

# A reset of an idle pool starts exactly one new process per worker: a
# PHP framework boots in hundreds of ms, so a spare boot is no detail.
t_sighup_idle() {
	basic_config "$TW echo -r $D/rec" 1h 3
	ready 3 || return
	local spawned
	spawned=$(msg pool 'worker spawned')
	kill -HUP "$RRPID"
	wait_log "$(msg rr reset)" || { fail "no 'reset' line in 20s"; return; }
	wait_count "$(msg pool 'worker ready')" 6 ||
	    { fail "fewer than 3 new workers ready in 20s"; return; }
	check "old workers not all stopped in 20s" wait_count \
	    "$(msg pool 'worker stopped')" 3
	check "$(count_log "$spawned") spawned for 3 workers and one reset" \
	    [ "$(count_log "$spawned")" -eq 6 ]
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
	check "spawned $(count_log "$spawned") in all, want 6" \
	    [ "$(count_log "$spawned")" -eq 6 ]
}

# A worker's own child dies with it when rr stops.
t_child() {
	basic_config "$TW echo -f $D/child.pid" 100ms 1
	ready 1 || return
	wait_for 20 test -s "$D/child.pid" || { fail "no child pid in 20s"; return; }
	local c
	c=$(cat "$D/child.pid")
	check "child $c not alive" alive "$c"
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
	check "child $c still alive 5s after rr stopped" wait_for 5 dead "$c"
}

scenario sigterm t_sigterm
scenario sigint t_sigint
scenario sigterm-running-tick t_sigterm_running_tick
scenario stop-ignored t_stop_ignored
scenario second-sigterm t_second_sigterm
scenario sighup-reset t_sighup
scenario sighup-idle-pool t_sighup_idle
scenario forked-child t_child

# ticker.pool.supervisor: each limit replaces the workers it should, when it
# should, and says so; without the section rr does not wake up for it.
. "$(dirname "$0")/lib.sh"

supervisor() {	# YAML lines for ticker.pool.supervisor
	printf '    supervisor:\n'
	printf '      %s\n' "$@"
}

replaced_for() {	# reason: ERE of the "worker replaced" line
	printf '%s.*reason=%s' "$(msg pool 'worker replaced')" "$1"
}


# A busy worker past its ttl finishes its tick first.
t_ttl_busy() {
	POOL_EXTRA=$(supervisor 'watch_tick: 100ms' 'ttl: 1s') \
	    basic_config "$TW echo -d 2500 -r $D/rec" 100ms 1
	start_rr || return
	local p
	p=$(first_pid "$(replaced_for ttl)") || { fail "no ttl replacement in 20s"; return; }
	check "the ttl line does not wait for the payload" \
	    has_log "$(replaced_for ttl).*when=\"after its payload\""
	check "worker $p did not reply before it went" wait_for 10 \
	    rec_match "^reply .* pid=$p n=1 "
	check "worker $p was not stopped after its reply" wait_for 10 \
	    rec_match "^exit .* pid=$p why=stop"
	check "a tick failed" [ "$(count_log "$(msg ticker 'tick failed')")" -eq 0 ]
	check "a worker was killed" [ "$(count_log "$(msg pool 'worker killed')")" -eq 0 ]
	check "no other worker became ready" wait_for 10 other_ready "$p"
}

# idle_ttl counts from the end of a worker's last payload: the first
# worker ran tick 0 (at 1h the only one) and goes once idle for 500 ms.
t_idle_ttl() {
	POOL_EXTRA=$(supervisor 'watch_tick: 100ms' 'idle_ttl: 500ms') \
	    basic_config "$TW echo -r $D/rec" 1h 1
	start_rr || return
	local re p
	re=$(replaced_for idle_ttl)
	p=$(first_pid "$re") || { fail "no '$re' in 20s"; return; }
	check "worker $p had not run tick 0" rec_match "^recv .* pid=$p n=1 "
	check "worker $p was not stopped" wait_for 10 \
	    rec_match "^exit .* pid=$p why=stop"
}

# As RoadRunner: a worker that never ran a payload is not idle_ttl's to
# replace.  Warm-first dispatch leaves the second worker cold; were it
# replaced, its successor would be too, a PHP boot every idle_ttl for
# nothing.  The first worker gets every tick, so is never idle that long.
t_idle_ttl_cold() {
	POOL_EXTRA=$(supervisor 'watch_tick: 100ms' 'idle_ttl: 1s') \
	    basic_config "$TW echo -r $D/rec" 100ms 2
	start_rr || return
	wait_count "$(msg pool 'worker ready')" 2 ||
	    { fail "fewer than 2 workers ready in 20s"; return; }
	# 30 ticks: 3 s, three times idle_ttl after the second worker's start
	wait_count "$(msg ticker 'tick done')" 30 30 ||
	    { fail "fewer than 30 ticks done in 30s"; return; }
	check "a worker was replaced: $(log_lines "$(replaced_for '')")" \
	    [ "$(count_log "$(msg pool 'worker replaced')")" -eq 0 ]
	check "spawned $(count_log "$(msg pool 'worker spawned')") workers, want 2" \
	    [ "$(count_log "$(msg pool 'worker spawned')")" -eq 2 ]
	check "ticks went to more than one worker: $(rec_lines recv |
	    rec_field pid | sort | uniq -c | tr '\n' ' ')" \
	    [ "$(rec_lines recv | rec_field pid | sort -u | wc -l)" -eq 1 ]
}

memory_case() {	# tworker options: its memory grows past 20 MB
	POOL_EXTRA=$(supervisor 'watch_tick: 100ms' 'max_worker_memory: 20') \
	    basic_config "$TW echo $1 -o $D/once" 100ms 1
	start_rr || return
	local re mb
	re=$(replaced_for memory)
	wait_log "$re" 30 || { fail "no '$re' in 30s"; return; }
	mb=$(log_lines "$re" | head -n 1 | field rss_mb)
	check "rss_mb=$mb is not over the 20 MB limit" [ "${mb:-0}" -gt 20 ]
	check "no worker became ready after the replacement" \
	    wait_count "$(msg pool 'worker ready')" 2
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
	no_workers_left
}

t_memory_grows() {
	memory_case "-M 5"
}

t_memory_child() {
	memory_case "-f $D/child -F 40"
}

# exec_ttl ends a hanging exec, with the child it forked, and the next
# tick is served by a new worker.
t_exec_ttl() {
	POOL_EXTRA=$(supervisor 'exec_ttl: 500ms') \
	    basic_config "$TW hang -f $D/child -o $D/once -r $D/rec" 100ms 1
	start_rr || return
	local re p child
	re="$(msg pool 'worker killed').*reason=exec_ttl"
	p=$(first_pid "$re") || { fail "no '$re' in 20s"; return; }
	check "no exec_ttl exceeded line with the exec time" \
	    has_log "$(msg pool 'exec_ttl exceeded').*exec_ms="
	check "the tick did not fail with exec_ttl" \
	    has_log "$(msg ticker 'tick failed').*reason=exec_ttl"
	child=$(cat "$D/child" 2>/dev/null)
	check "no child pid recorded" [ -n "$child" ]
	check "worker $p's child $child outlived it" wait_for 10 dead "$child"
	check "no tick served after the kill" wait_for 20 replied_by_other "$p"
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
	check "failed_exec_ttl not counted" [ "$(counter failed_exec_ttl)" -ge 1 ]
	check "restarts_exec_ttl not counted" \
	    [ "$(counter restarts_exec_ttl)" -ge 1 ]
}

wakes() {	# rr's voluntary context switches so far
	awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$RRPID/status"
}

# No supervisor section: an idle rr wakes for its ticks and nothing else.
t_no_polling() {
	basic_config "$TW echo" 1s 2
	start_rr || return
	wait_log "$(msg ticker 'tick done')" ||
	    { fail "no tick done in 20s"; return; }
	local c0 t0 ticks n
	c0=$(wakes) t0=$(count_log "$(msg ticker 'tick done')")
	sleep 5
	n=$(($(wakes) - c0))
	ticks=$(($(count_log "$(msg ticker 'tick done')") - t0))
	# each tick costs at most two waits: the timer, then the reply (+2:
	# a tick cut by either end of the window)
	check "$n voluntary context switches for $ticks ticks in 5 s" \
	    [ "$n" -le $((2 * ticks + 2)) ]
}

# Once tick 0 is done at an interval of 1h, rr sleeps: no wake-up at all
# when the supervisor has no soft limit to check, and one per watch_tick
# when it has (so this check would see a poll).
idle_wakes() {	# supervisor lines...: WAKES = rr's wake-ups over 2 s
	POOL_EXTRA=$(supervisor "$@") basic_config "$TW echo" 1h 1
	start_rr || return
	wait_log "$(msg ticker 'tick done')" ||
	    { fail "no tick done in 20s"; return 1; }
	local c0
	c0=$(wakes)
	sleep 2
	WAKES=$(($(wakes) - c0))
	stop_rr
}

t_idle_no_wakeups() {
	idle_wakes 'watch_tick: 100ms' 'exec_ttl: 1h' || return
	check "$WAKES wake-ups in 2 s with no soft limit set, want 0" \
	    [ "$WAKES" -eq 0 ]
	idle_wakes 'watch_tick: 100ms' 'ttl: 1h' || return
	check "$WAKES wake-ups in 2 s checking ttl every 100 ms, want ~20" \
	    [ "$WAKES" -ge 10 ]
}

scenario ttl-busy-worker t_ttl_busy
scenario idle-ttl t_idle_ttl
scenario idle-ttl-cold-worker t_idle_ttl_cold
scenario memory-grows t_memory_grows
scenario memory-in-child t_memory_child
scenario exec-ttl t_exec_ttl
scenario no-supervisor-no-polling t_no_polling
scenario idle-no-wakeups t_idle_no_wakeups

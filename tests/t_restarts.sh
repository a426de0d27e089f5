# Many worker restarts leak nothing: rr's fd count comes back to what it
# was, and no zombie is left.  The workers misbehave only while $D/armed
# exists, so the pool is steady before and after (with max_jobs: 1 it never
# is: then the counts are the lowest seen while workers come and go, and
# up to 2 workers may be starting at any moment: on a loaded machine one
# takes longer to start than the 10 ms between ticks that replace them).
. "$(dirname "$0")/lib.sh"

min_fds() {	# rr's fewest open fds over 10 looks, 50 ms apart
	local i n min=999999
	for i in 1 2 3 4 5 6 7 8 9 10; do
		n=$(fd_count "$RRPID")
		[ "$n" -lt "$min" ] && min=$n
		sleep 0.05
	done
	echo "$min"
}

restarts_case() {	# tworker mode and options, restarts wanted
	basic_config "$TW $1 -w $D/armed" 10ms 2
	start_rr || return
	local ready spawned before after
	ready=$(msg pool 'worker ready') spawned=$(msg pool 'worker spawned')
	wait_count "$ready" 2 || { fail "fewer than 2 workers ready in 20s"; return; }
	wait_count "$(msg ticker 'tick done')" 10 ||
	    { fail "fewer than 10 ticks done in 20s"; return; }
	before=$(min_fds)
	touch "$D/armed"
	wait_count "$spawned" $(($2 + 2)) 120 ||
	    { fail "only $(count_log "$spawned") workers spawned in 120s"; return; }
	rm -f "$D/armed"
	if ! wait_for 20 eval '[ "$(fd_count "$RRPID")" -le "$before" ]'; then
		fail "rr had $before fds before $2 restarts, $(fd_count "$RRPID") after"
		ls -l "/proc/$RRPID/fd" | sed 's/^/    /'
	fi
	check "zombies left: $(zombies "$RRPID" | tr '\n' ' ')" \
	    wait_for 5 eval '[ -z "$(zombies "$RRPID")" ]'
	# every spawned worker got ready, but for those starting right now:
	# none while the pool can settle, up to the 2 workers with max_jobs 1
	check "workers did not settle" wait_for 20 eval \
	    '[ $(($(count_log "$ready") + ${STARTING:-0})) -ge \
	    "$(count_log "$spawned")" ]'
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
}

t_replace_me_200() {
	restarts_case stopme 200
}

t_max_jobs_200() {
	STARTING=2 POOL_EXTRA='    max_jobs: 1' restarts_case echo 200
}

# Crashes restart with back-off (0.1 s doubling to 5 s): only a few.
t_crash_8() {
	restarts_case "echo -c 1 -e 3" 8
}

# Chaos: a random worker SIGKILLed every 100 ms for 5 s, as the OOM
# killer or a chaos test would.  A worker that has completed a payload
# proved the command works, so its death is no reason to wait: ticks go on
# during the storm, and 2 s after it at least 80% of due ticks are
# delivered.  (The sleeps pace the storm; nothing waits on them.)
t_chaos() {
	basic_config "$TW echo -r $D/rec" 20ms 4
	start_rr || return
	wait_count "$(msg pool 'worker ready')" 4 ||
	    { fail "fewer than 4 workers ready in 20s"; return; }
	local i p seen=0 n dry=0 s1 d1 s2 d2
	for i in $(seq 50); do
		p=$(pgrep -P "$RRPID" | shuf -n 1)
		[ -n "$p" ] && ours "$p" && kill -KILL "$p" 2>/dev/null
		sleep 0.1
		if [ $((i % 10)) -eq 0 ]; then
			n=$(rec_count recv)
			[ "$n" -gt "$seen" ] || dry=$((dry + 1))
			seen=$n
		fi
	done
	check "$dry of the storm's 5 seconds delivered no tick" [ "$dry" -eq 0 ]
	sleep 2
	kill -USR2 "$RRPID"
	wait_count "$(msg rr counters)" 1 || { fail "no counters line"; return; }
	sleep 2
	kill -USR2 "$RRPID"
	wait_count "$(msg rr counters)" 2 || { fail "no second counters line"; return; }
	s1=$(log_lines "$(msg rr counters)" | sed -n 1p | field scheduled)
	d1=$(log_lines "$(msg rr counters)" | sed -n 1p | field delivered)
	s2=$(counter scheduled) d2=$(counter delivered)
	check "2 s after the storm, $((d2 - d1)) of $((s2 - s1)) due ticks delivered" \
	    [ $((5 * (d2 - d1))) -ge $((4 * (s2 - s1))) ]
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
	check_counters
}

scenario restarts-replace-me t_replace_me_200
scenario restarts-max-jobs t_max_jobs_200
scenario restarts-crash t_crash_8
scenario chaos-kills t_chaos

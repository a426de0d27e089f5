# Ticks: payload bytes, worker environment, schedule, skips, concurrency.
. "$(dirname "$0")/lib.sh"

# The first ticks' exact bytes, and what a worker finds in its environment.
t_seed() {
	SERVER_EXTRA='  env: {foo_bar: "from config"}' \
	    basic_config "$TW echo -r $D/rec" 100ms 1
	start_rr || return
	wait_rec recv 3 || { fail "fewer than 3 ticks in 20s"; return; }
	local now first later bad pid
	now=$(date +%s)
	first=$(rec_lines recv | head -n 1)
	check "tick 0 body: $first" grep -q ' body={"tick":0}$' <<<"$first"
	check "tick 0 context: $first" \
	    grep -q ' ctx={"lastTick":0} ' <<<"$first"
	later=$(rec_lines recv | sed -n '2,$p' | rec_field ctx)
	bad=$(sed -nE 's/^\{"lastTick":([0-9]+)\}$/\1/p' <<<"$later" |
	    awk -v now="$now" '$1 < now - 5 || $1 > now + 1')
	[ -n "$later" ] && [ -z "$bad" ] &&
	    ! grep -qvE '^\{"lastTick":[0-9]+\}$' <<<"$later" ||
	    fail "later contexts not {\"lastTick\":<now>}: $later"
	bad=$(ticks | consecutive) || fail "tick numbers: $bad"
	check "RR_MODE" rec_match '^env .* RR_MODE=ticker$'
	check "RR_RELAY" rec_match "^env .* RR_RELAY=$(awk '/^  relay:/ { print $2 }' \
	    "$D/rr.yaml")\$"
	check "RR_VERSION" rec_match '^env .* RR_VERSION=[^ ]'
	check "server.env" rec_match '^env .* FOO_BAR=from\\x20config$'
	check "rr's own environment" rec_match '^env .* PATH=/'
	pid=$(rec_lines start | head -n 1 | rec_field pid)
	check "worker not its own process group leader" \
	    rec_match "^start .* pid=$pid ppid=$RRPID pgid=$pid "
	check "handshake not flags 0x09 with rr's pid" rec_match \
	    "^ctrl .* pid=$pid flags=0x09 payload=\\{\"pid\":$RRPID\\}\$"
	check "worker stderr not logged with its pid" \
	    has_log "$(msg worker "tworker echo pid=$pid").*pid=$pid"
	check "worker ready not logged" has_log "$(msg pool 'worker ready').*pid=$pid"
	check "a frame header was split across reads" \
	    [ "$(count_log 'header split')" -eq 0 ]
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
}

# 50 ms for 2 s: about 40 ticks, none early.
t_interval() {
	basic_config "$TW echo -r $D/rec" 50ms 1
	start_rr || return
	wait_rec recv 1 || { fail "no tick in 20s"; return; }
	local t0
	t0=$(rec_lines recv | head -n 1 | rec_field t)
	wait_for 20 recv_after $((t0 + 2000000000)) ||
	    { fail "no tick 2s after the first"; return; }
	local n early phase
	n=$(rec_lines recv | rec_field t |
	    awk -v t0="$t0" '$1 - t0 < 2000000000' | wc -l)
	check "$n ticks in 2s at 50ms, want 30..42" between "$n" 30 42
	phase=$(timer_phase "$RRPID" 50000000) ||
	    { fail "no 50ms timerfd in /proc/$RRPID/fdinfo"; return; }
	# Tick N is due at S0 + N * 50ms, S0 on the timer's phase.  A tick
	# received late says nothing of S0, so S0 is the phase point nearest
	# the earliest t - N * 50ms: any tick less than 25ms late pins it.
	early=$(rec_lines recv | awk -v p="$phase" -v iv=50000000 '{
		split($2, t, "="); split($NF, b, /[:}]/)
		at[NR] = t[2]; n[NR] = b[2]
		base = t[2] - b[2] * iv
		if (NR == 1 || base < min) min = base
	} END {
		r = (min - p) % iv; if (r < 0) r += iv
		s0 = r > iv / 2 ? min - r + iv : min - r
		for (k = 1; k <= NR; k++)
			if (at[k] < s0 + n[k] * iv - 2000000)
				print "tick " n[k] " " (s0 + n[k] * iv - at[k]) / 1e6 \
				    " ms early"
	}' | head -n 3)
	check "early ticks: $early" [ -z "$early" ]
}

recv_after() {	# ns: a tick was received at or after that monotonic time
	rec_lines recv | rec_field t | awk -v t="$1" '$1 >= t { f = 1 }
	    END { exit !f }'
}

# A handler taking 3 intervals on 1 worker: ticks are skipped, counted,
# and said at most once a second, each line with the count it stands for.
t_skips() {
	basic_config "$TW echo -r $D/rec -d 300" 100ms 1
	start_rr || return
	wait_count "$(skip_re)" 3 ||
	    { fail "fewer than 3 skip lines in 20s"; return; }
	check "skip lines have no due= / count= / reason=" \
	    has_log "$(skip_re).*due=.*count=.*reason="
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
	check_counters
	check_skips_logged
	check_apart "$(skip_re)"
	local delivered
	delivered=$(counter delivered)
	check "delivered=$delivered, the worker got $(rec_count recv)" \
	    [ "$delivered" -eq "$(rec_count recv)" ]
	local bad
	bad=$(ticks | consecutive) || fail "tick numbers: $bad"
}

# Slow handler, 2 workers: two ticks are in flight at once.
t_overlap() {
	basic_config "$TW echo -r $D/rec -d 250" 100ms 2
	start_rr || return
	wait_rec reply 6 || { fail "fewer than 6 replies in 20s"; return; }
	local pairs
	# [receive, reply) per pid and exec number; any two from two pids
	# that overlap?
	pairs=$(grep -E '^(recv|reply) ' "$D/rec" | awk '{
		split($2, t, "="); split($3, p, "="); split($4, x, "=")
		k = p[2] " " x[2]
		if ($1 == "recv") r[k] = t[2]; else e[k] = t[2]
	} END {
		for (a in e) for (b in e) {
			split(a, x, " "); split(b, y, " ")
			if (x[1] != y[1] && r[a] < e[b] && r[b] < e[a]) both++
		}
		print both + 0
	}')
	check "no two ticks in flight at once on two workers" [ "$pairs" -gt 0 ]
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
}

# Every 1 ms with a fast worker: replies come while the loop polls, and
# rr reads them straight off the pipe (pool_collect).  None may be lost,
# and signals must still get through.
t_fast() {
	basic_config "$TW echo -r $D/rec" 1ms 1
	start_rr || return
	wait_rec recv 500 || { fail "fewer than 500 ticks in 20s at 1ms"; return; }
	kill -USR2 "$RRPID"
	wait_log "$(msg rr counters)" 5 ||
	    fail "no counters line within 5s of SIGUSR2, ticking every 1ms"
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
	check_counters
	local delivered done
	delivered=$(counter delivered) done=$(count_log "$(msg ticker 'tick done')")
	check "delivered=$delivered, the worker got $(rec_count recv)" \
	    [ "$delivered" -eq "$(rec_count recv)" ]
	check "delivered=$delivered, but $done 'tick done' lines" \
	    [ "$delivered" -eq "$done" ]
	check "the worker replied $(rec_count reply) times, delivered=$delivered" \
	    [ "$delivered" -eq "$(rec_count reply)" ]
}

scenario seed t_seed
scenario interval-50ms t_interval
scenario skips-counted t_skips
scenario two-in-flight t_overlap
scenario every-1ms t_fast

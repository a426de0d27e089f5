# ticker.schedules: named schedules on the wall clock beside (or instead
# of) the unnamed ticker, their payloads, their overlap policies judged
# from the order of rr's own fire lines (never from timings), and their
# counters adding up.
. "$(dirname "$0")/lib.sh"

# schedules_config WORKERS [TWORKER_ARGS]: the schedules' YAML on stdin;
# TICKER_EXTRA: lines for ticker:
schedules_config() {
	write_config <<EOF
version: '3'
server:
  command: "$TW echo -r $D/rec ${2:-}"
  relay: $(relay_address)
ticker:
${TICKER_EXTRA:-}
  pool:
    num_workers: $1
    destroy_timeout: 5s
  schedules:
$(cat)
logs:
  level: debug
  mode: development
EOF
}

# The most fires of schedule $1 running at once, from the fire and fire
# done (or failed) lines in the order rr wrote them.
max_running() {
	grep -E "ticker fire(| done| failed)$TAB.*schedule=$1( |$)" "$D/rr.log" |
	    awk '/ticker fire\t/ { n++; if (n > m) m = n; next } { n-- }
	    END { print m + 0 }'
}

sched_counter() {	# schedule name: its value on the last schedule counters line
	grep -E "schedule counters${TAB}schedule=$1 " "$D/rr.log" |
	    tail -n 1 | field "$2"
}

check_sched_counters() {	# schedule: scheduled = the rest
	local s d k f i q
	s=$(sched_counter "$1" scheduled) d=$(sched_counter "$1" delivered)
	k=$(sched_counter "$1" skipped) f=$(sched_counter "$1" failed)
	i=$(sched_counter "$1" in_flight) q=$(sched_counter "$1" queued)
	[ -n "$s" ] || { fail "$1: no schedule counters line"; return 1; }
	check "$1: scheduled=$s != delivered=$d + skipped=$k + failed=$f + in_flight=$i + queued=$q" \
	    [ "$s" -eq $((d + k + f + i + q)) ]
}

t_payloads() {
	schedules_config 2 <<'EOF'
    every_second:
      cron: "* * * * * *"
    odd_one:
      interval: 1s
EOF
	start_rr || return
	wait_for 20 rec_has recv 6 || { fail "fewer than 6 fires in 20 s"; return; }
	stop_rr
	local bad
	bad=$(rec_lines recv | grep -vE 'ctx=\{"lastTick":[0-9]+,"name":"(every_second|odd_one)","scheduled":[0-9]+000\} body=\{"tick":[0-9]+,"name":"(every_second|odd_one)"\}$' | head -n 1)
	check "a payload: $bad" [ -z "$bad" ]
	check "tick 0 of every_second" rec_match 'body=\{"tick":0,"name":"every_second"\}'
	check "tick 1 of every_second" rec_match 'body=\{"tick":1,"name":"every_second"\}'
	check "tick 1 of odd_one" rec_match 'body=\{"tick":1,"name":"odd_one"\}'
	check "the unnamed ticker ran" [ "$(counter scheduled)" -eq 0 ]
	check "no lastTick after the first" rec_match 'ctx=\{"lastTick":[1-9][0-9]+,"name":"every_second"'
	check_sched_counters every_second
	check_sched_counters odd_one
}

# ticker.interval given: the unnamed ticker runs beside the schedules
t_both() {
	TICKER_EXTRA="  interval: 200ms" schedules_config 2 <<'EOF'
    secs:
      interval: 1s
EOF
	start_rr || return
	wait_for 20 rec_match 'body=\{"tick":1,"name":"secs"\}' ||
	    { fail "no second fire of secs"; return; }
	stop_rr
	check "no unnamed tick" rec_match 'body=\{"tick":3\}'
	check_counters
	check_sched_counters secs
}

t_skip() {
	schedules_config 3 "-d 625" <<'EOF'
    slow:
      interval: 250ms
EOF
	start_rr || return
	wait_log "$(msg ticker 'fires? skipped').*schedule=slow" 30 ||
	    { fail "no skip line in 30 s"; return; }
	wait_count "$(msg ticker 'fire done').*schedule=slow" 2 30 ||
	    { fail "fewer than 2 fires done"; return; }
	stop_rr
	check "reason" has_log "$(msg ticker 'fires? skipped').*reason=\"the last fire still runs\""
	check "slow ran $(max_running slow) at once" [ "$(max_running slow)" -eq 1 ]
	check "no overlap skip counted" [ "$(sched_counter slow skipped_overlap)" -ge 1 ]
	check_sched_counters slow
}

t_queue() {
	schedules_config 3 "-d 625" <<'EOF'
    slow:
      interval: 250ms
      overlap: queue
EOF
	start_rr || return
	wait_count "$(msg ticker 'fire done').*schedule=slow" 3 40 ||
	    { fail "fewer than 3 fires done in 40 s"; return; }
	stop_rr
	check "slow ran $(max_running slow) at once" [ "$(max_running slow)" -eq 1 ]
	check "a second waiting fire was not skipped" \
	    [ "$(sched_counter slow skipped_overlap)" -ge 1 ]
	# a queued fire goes when the one before is done: after the first,
	# every fire line of slow comes right after a fire done of slow
	check "a queued fire did not wait for its predecessor" [ "$(
	    grep -E "ticker fire(| done)$TAB.*schedule=slow( |$)" "$D/rr.log" |
	    awk '/ticker fire\t/ { if (n++ && !done) bad++; done = 0; next }
	    { done = 1 } END { print bad + 0 }')" -eq 0 ]
	check_sched_counters slow
}

t_allow() {
	schedules_config 3 "-d 625" <<'EOF'
    slow:
      interval: 250ms
      overlap: allow
EOF
	start_rr || return
	wait_count "$(msg ticker 'fire done').*schedule=slow" 3 40 ||
	    { fail "fewer than 3 fires done in 40 s"; return; }
	stop_rr
	check "slow never ran twice at once" [ "$(max_running slow)" -ge 2 ]
	check "an overlap skip" [ "$(sched_counter slow skipped_overlap)" -eq 0 ]
	check_sched_counters slow
}

# Many schedules and no idle worker: one skip line a second for all of
# them (by their own timestamps), whose counts add up to the counters.
t_coalesced() {
	local i
	for i in $(seq 1 30); do
		printf '    s%d:\n      interval: 250ms\n' "$i"
	done | schedules_config 1 "-d 375"
	start_rr || return
	wait_count "$(msg ticker 'fires? skipped')" 3 40 ||
	    { fail "fewer than 3 skip lines in 40 s"; return; }
	stop_rr
	local re gaps logged counted
	re="$(msg ticker 'fires? skipped')"
	check "no line for several schedules" has_log "$re.*schedules=[0-9]+"
	# the last line may come sooner: a stop tells what is left
	gaps=$(log_lines "$re" | sed '$d' | log_ms |
	    awk 'NR > 1 && $1 - p < 900 { n++ } { p = $1 } END { print n + 0 }')
	check "$gaps skip lines less than 0.9 s apart" [ "$gaps" -eq 0 ]
	logged=$(log_lines "$re" | field count | awk '{ n += $1 } END { print n + 0 }')
	counted=$(grep -E "schedule counters$TAB" "$D/rr.log" | field skipped |
	    awk '{ n += $1 } END { print n + 0 }')
	check "the skip lines count $logged, the counters $counted" \
	    [ "$logged" -eq "$counted" ]
	for i in 1 17 30; do
		check_sched_counters "s$i"
	done
}

# The metrics and ticker.Stats: a schedule label ("" the unnamed ticker)
# on every ticks family, every reason at 0 from the first scrape, and
# each schedule's figures adding up in the same scrape.
t_dimension() {
	local rpc bad stats
	METRICS=127.0.0.1:$(free_port) rpc=tcp://127.0.0.1:$(free_port)
	schedules_config 2 "-d 375" <<'EOF'
    slow:
      interval: 250ms
      overlap: queue
    "it's \"quoted\"":
      interval: 250ms
EOF
	printf 'rpc:\n  listen: %s\nmetrics:\n  address: %s\n' "$rpc" \
	    "$METRICS" >>"$D/rr.yaml"
	start_rr || return
	wait_count "$(msg ticker 'fire done').*schedule=slow" 2 30 ||
	    { fail "fewer than 2 fires of slow done"; return; }
	scrape || { fail "no scrape"; return; }
	bad=$(parse '
def total(name, sched):
    return sum(val for (n, l), val in d.items() if n == name and ("schedule", sched) in l)
for sched in ("", "slow", "it\x27s \"quoted\""):
    s = v("rr_ticker_ticks_scheduled_total", schedule=sched)
    rest = sum(v(n, schedule=sched) or 0 for n in ("rr_ticker_ticks_delivered_total",
        "rr_ticker_ticks_in_flight", "rr_ticker_ticks_queued")) + \
        total("rr_ticker_ticks_skipped_total", sched) + \
        total("rr_ticker_ticks_failed_total", sched)
    if s != rest: print(repr(sched), "scheduled", s, "!= the rest", rest)
    for r in ("overlap", "no_idle_worker", "late"):
        if v("rr_ticker_ticks_skipped_total", schedule=sched, reason=r) is None:
            print(repr(sched), "no skipped reason", r)
if (v("rr_ticker_ticks_scheduled_total", schedule="slow") or 0) < 2:
    print("slow: fewer than 2 scheduled")
')
	check "$bad" [ -z "$bad" ]
	stats=$(echo 'ticker.Stats null' | python3 "$TOP/tests/helpers/rpc.py" --stdin "$rpc")
	check "Stats: $stats" grep -qE \
	    '"schedules":\{"slow":\{"scheduled":[0-9]+,"delivered":[0-9]+,"in_flight":[0-9]+,"queued":[01],"skipped_overlap":[0-9]+,"skipped_no_idle_worker":[0-9]+,"skipped_late":[0-9]+,"skipped_claimed":0,"skipped_coordinator":0,"failed_soft_error":0' <<<"$stats"
	check "no working worker shows its schedule" wait_for 20 eval \
	    "echo 'informer.Workers \"ticker\"' | python3 '$TOP/tests/helpers/rpc.py' --stdin '$rpc' | grep -qF '\"schedule\":\"slow\"'"
	check "Stats: the quoted name" grep -qF '"it'"'"'s \"quoted\"":{' <<<"$stats"
	stop_rr
}

# rr stopped (SIGSTOP) across several fires: on waking it sends one and
# counts the ones it slept through as skipped, late; none is made up.
t_late() {
	schedules_config 1 <<'EOF'
    secs:
      cron: "* * * * * *"
EOF
	start_rr || return
	wait_log "$(msg ticker 'fire done').*schedule=secs" ||
	    { fail "no first fire"; return; }
	kill -STOP "$RRPID"
	sleep 3.5	# the fires rr is to miss, not a timing asserted
	kill -CONT "$RRPID"
	wait_log "$(msg ticker 'fires? skipped').*reason=\"rr was late\"" 20 ||
	    { fail "no late skip line after SIGCONT"; return; }
	stop_rr
	check "skipped_late=$(sched_counter secs skipped_late)" \
	    [ "$(sched_counter secs skipped_late)" -ge 1 ]
	check_sched_counters secs
}

# --check: each schedule's next three fires, and whether the unnamed
# ticker runs
t_check() {
	schedules_config 1 <<'EOF'
    reports:
      cron: "0 */5 * * * *"
      timezone: Europe/Berlin
    heartbeat:
      interval: 10s
EOF
	"$RR" serve --check -c "$D/rr.yaml" >"$D/out" 2>&1 ||
	    { fail "--check: $(cat "$D/out")"; return; }
	check "reports' fires: $(grep reports "$D/out")" grep -qE \
	    '^# schedule reports: next ([0-9-]{10}T[0-9]{2}:[0-9][05]:00\+0[12]:00(, |$)){3}' "$D/out"
	check "heartbeat's fires: $(grep heartbeat "$D/out")" grep -qE \
	    '^# schedule heartbeat: next ([0-9-]{10}T[0-9:]{7}0[+-][0-9:]{5}(, |$)){3}' "$D/out"
	check "the unnamed ticker is off" grep -qxF \
	    '# the unnamed ticker: off (schedules, and no ticker.interval)' "$D/out"
}

scenario schedules-payloads t_payloads
scenario schedules-and-ticker t_both
scenario schedules-overlap-skip t_skip
scenario schedules-overlap-queue t_queue
scenario schedules-overlap-allow t_allow
scenario schedules-skips-coalesced t_coalesced
scenario schedules-in-metrics t_dimension
scenario schedules-late t_late
scenario schedules-check t_check

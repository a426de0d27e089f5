# ticker.cluster: three rr on one Redis run the same named schedule, and
# each fire (name, scheduled time) runs exactly once in the fleet with N
# consecutive across it; with Redis stopped, fires are skipped (reason
# coordinator) and none runs, and they resume when it is back; the
# unnamed ticker is claimed as well; a claim won always finds its worker.
# Faults (SIGKILL, Redis restarted, garbage) are t_cluster_faults.sh's.
# Never timings: recorder and log lines, with generous deadlines.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/fleet.sh"

t_fleet() {
	need_redis || return
	start_redis || return
	node a && node b && node c || return
	# as many fires as 30 s of a whole-second schedule
	wait_for 60 fleet_has 30 || { fail "fewer than 30 fires in the fleet in 60 s"; return; }
	stop_nodes a b c
	local n
	check_once a b c
	fleet_recv >"$D/fleet"
	check_payloads "$FENCED" "$D/fleet"
	# N consecutive from 0 across the fleet, no duplicates
	n=$(fleet_recv | grep -oE 'body=\{"tick":[0-9]+' | grep -oE '[0-9]+$' |
	    sort -n | consecutive)
	check "ticks across the fleet not 0, 1, 2, ...: first bad $n" [ -z "$n" ]
	# three keys for the schedule, however many fires: nothing per fire
	n=$(redis_cmd DBSIZE)
	check "redis holds $n keys after the fleet's fires, not 3" [ "$n" = 3 ]
	check "some fire was lost to another server" \
	    grep -qE 'skipped_claimed=[1-9]' "$D/a/rr.log" "$D/b/rr.log" "$D/c/rr.log"
	check "a claimed skip was logged" \
	    [ -z "$(grep -lE 'fires? skipped.*(claimed|another)' "$D"/a/rr.log "$D"/b/rr.log "$D"/c/rr.log)" ]
	check_node_counters a; check_node_counters b; check_node_counters c
}

t_unavailable() {
	need_redis || return
	start_redis || return
	node a || return
	wait_for 30 grep -q '^recv ' "$D/a/rec" || { fail "no fire with redis up"; return; }
	local at before after re
	re='fires? skipped.*(reason="the fleet.s coordinator did not answer"|coordinator=[1-9])'
	kill -STOP "$REDISPID"
	at=$(wc -l <"$D/a/rr.log")
	wait_for 30 since "$D/a/rr.log" "$at" "$re" ||
	    { kill -CONT "$REDISPID"; fail "no coordinator skip with redis stopped"; return; }
	# a fire whose claim was answered before the stop has run by now
	before=$(rec_count recv "$D/a/rec")
	wait_for 30 since "$D/a/rr.log" "$at" "$re" 3 ||
	    fail "fewer than 3 coordinator skip lines with redis stopped"
	after=$(rec_count recv "$D/a/rec")
	check "fires ran with redis stopped: $before then $after" [ "$after" -eq "$before" ]
	check_apart "$re" "$D/a/rr.log"
	kill -CONT "$REDISPID"
	wait_for 40 rec_has recv $((after + 2)) "$D/a/rec" ||
	    fail "fires did not resume after SIGCONT"
	stop_node a
	check "coordinator skips counted" [ "$(node_counter a skipped_coordinator)" -ge 1 ]
	check_node_counters a
}

# The unnamed ticker in a fleet of two: on multiples of its interval, each fire once, N consecutive, the context with the fence;
# the claims in the counters line, the metrics and ticker.Stats.
t_unnamed() {
	need_redis || return
	start_redis || return
	METRICS=127.0.0.1:$(free_port)
	local rpc=tcp://127.0.0.1:$(free_port)
	NODE_TICKER="  interval: ${SLOT_MS}ms" NODE_EXTRA="metrics:
  address: $METRICS
rpc:
  listen: $rpc" node a || return
	NODE_TICKER="  interval: ${SLOT_MS}ms" node b || return
	wait_for 40 fleet_has 6 || { fail "fewer than 6 fires in 40 s"; return; }
	local bad dup n stats
	bad=$(fleet_recv a b | grep -vE 'ctx=\{"fence":[0-9]+,"lastTick":[0-9]+\} body=\{"tick":[0-9]+\}$' | head -n 1)
	check "a payload: $bad" [ -z "$bad" ]
	bad=$(fleet_recv a b | num fence | awk -v s=$SLOT_MS '$1 % s' | head -n 1)
	check "fence $bad: not a multiple of ${SLOT_MS}ms" [ -z "$bad" ]
	dup=$(fleet_recv a b | grep -oE '"fence":[0-9]+' | sort | uniq -d | head -n 1)
	check "a fire ran twice: $dup" [ -z "$dup" ]
	n=$(fleet_recv a b | grep -oE 'body=\{"tick":[0-9]+' | grep -oE '[0-9]+$' |
	    sort -n | consecutive)
	check "ticks across the fleet not 0, 1, 2, ...: first bad $n" [ -z "$n" ]
	scrape || { fail "no scrape of $METRICS"; return; }
	bad=$(parse '
won, lost, gone = (v("rr_ticker_claims_total", schedule="", result=r)
    for r in ("won", "lost", "unavailable"))
if won is None or lost is None or gone is None:
    print("no rr_ticker_claims_total of the unnamed ticker")
elif won + lost < 1:
    print("no claim won or lost: %r %r" % (won, lost))
else:
    sched = v("rr_ticker_ticks_scheduled_total", schedule="")
    if v("rr_ticker_ticks_claiming", schedule="") is None:
        print("no rr_ticker_ticks_claiming of the unnamed ticker")
    if not sched or sched < won + lost + gone:
        print("scheduled %r, claims %r" % (sched, won + lost + gone))
')
	check "metrics: $bad" [ -z "$bad" ]
	stats=$("$RPC" "$rpc" ticker.Stats true)
	check "ticker.Stats without the claims: $stats" $PY -c '
import json, sys
d = json.loads(sys.argv[1])
sys.exit(not all(isinstance(d.get(k), int) for k in
    ("claims_won", "claims_lost", "claims_unavailable", "claiming")))' "$stats"
	stop_nodes a b
	check_node_counters a '""'; check_node_counters b '""'
	check "no claims on the counters line" \
	    grep -qE 'counters.*schedule="" .*claims_won=[0-9]+ claims_lost=[0-9]+' "$D/a/rr.log"
}

# Five schedules due at once on servers of one worker each: a claim holds
# the idle worker for its fire, so every claim won runs (none is skipped
# for want of the worker it was won for) and the rest wait or are skipped
# before they are claimed.
t_won_runs() {
	need_redis || return
	start_redis || return
	local sched="  schedules:" i n k w d f q dup
	for i in 1 2 3 4 5; do
		sched="$sched
    s$i:
      cron: \"* * * * * *\""
	done
	NODE_WORKERS=1 NODE_TICKER=$sched node a || return
	NODE_WORKERS=1 NODE_TICKER=$sched node b || return
	wait_for 40 fleet_has 10 || { fail "fewer than 10 fires in 40 s"; return; }
	stop_nodes a b
	dup=$(fleet_recv a b | grep -oE '"name":"s[0-9]","scheduled":[0-9]+' |
	    sort | uniq -d | head -n 1)
	check "a fire ran twice: $dup" [ -z "$dup" ]
	for n in a b; do
		for i in 1 2 3 4 5; do
			w=$(node_counter $n claims_won s$i)
			d=$(node_counter $n delivered s$i)
			f=$(node_counter $n failed s$i)
			q=$(node_counter $n in_flight s$i)
			check "$n s$i: claims_won=$w, delivered=$d failed=$f in_flight=$q" \
			    [ -n "$w" ] && [ "$w" -eq $((d + f + q)) ]
			check_node_counters $n s$i
		done
	done
	k=$(cat "$D"/a/rr.log "$D"/b/rr.log | grep -oE 'skipped_busy=[0-9]+' |
	    awk -F= '{ n += $2 } END { print n + 0 }')
	check "no fire waited in vain for a worker (skipped_busy=$k)" [ "$k" -gt 0 ]
}

scenario cluster-fleet t_fleet
scenario cluster-unavailable t_unavailable
scenario cluster-unnamed t_unnamed
scenario cluster-won-runs t_won_runs

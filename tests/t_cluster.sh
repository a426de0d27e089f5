# ticker.cluster: three rr on one Redis run the same named schedule, and
# each fire (name, scheduled time) runs exactly once in the fleet with N
# consecutive across it; with Redis stopped, fires are skipped (reason
# coordinator) and none runs, and they resume when it is back.  Never
# timings: recorder and log lines, with generous deadlines.
. "$(dirname "$0")/lib.sh"

# start_redis: a throw-away redis-server on a free loopback port ($RPORT,
# pid $REDISPID), a helper the teardown kills.
start_redis() {
	RPORT=$(free_port)
	redis-server --port "$RPORT" --save '' --appendonly no \
	    --bind 127.0.0.1 --daemonize no >"$D/redis.log" 2>&1 &
	REDISPID=$!
	helper "$REDISPID"
	wait_for 20 redis_up || { fail "redis-server did not start"; return 1; }
}

redis_up() {
	python3 - "$RPORT" <<'EOF' 2>/dev/null
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)
s.sendall(b"PING\r\n")
sys.exit(0 if s.recv(16).startswith(b"+PONG") else 1)
EOF
}

# node NAME [ON_UNAVAILABLE]: the config of one rr in $D/NAME, started;
# its pid in PID_NAME
node() {
	mkdir -p "$D/$1"
	cat >"$D/$1/rr.yaml" <<EOF
version: '3'
server:
  command: "$TW echo -r $D/$1/rec"
  relay: $(relay_address)
ticker:
  pool:
    num_workers: 2
    destroy_timeout: 5s
  schedules:
    every_second:
      cron: "* * * * * *"
  cluster:
    redis: tcp://127.0.0.1:$RPORT
    on_unavailable: ${2:-skip}
    timeout: 300ms
logs:
  level: debug
  mode: development
EOF
	: >"$D/$1/rr.log"
	"$RR" serve -c "$D/$1/rr.yaml" >>"$D/$1/rr.log" 2>&1 &
	eval "PID_$1=$!"
	helper "$!"
	wait_for 20 grep -q "rr started" "$D/$1/rr.log" ||
	    { fail "$1: no 'rr started' line"; return 1; }
}

stop_node() {	# name: TERM, wait
	local pid
	eval "pid=\$PID_$1"
	kill -TERM "$pid" 2>/dev/null
	wait_exit "$pid" 30 || fail "$1: exit $? after TERM"
}

# node_counter NAME KEY: from its last schedule counters line
node_counter() {
	grep -E "schedule counters${TAB}schedule=every_second " "$D/$1/rr.log" |
	    tail -n 1 | field "$2"
}

check_node_counters() {	# name: scheduled = the rest, claims included
	local s d k f i q c
	s=$(node_counter "$1" scheduled) d=$(node_counter "$1" delivered)
	k=$(node_counter "$1" skipped) f=$(node_counter "$1" failed)
	i=$(node_counter "$1" in_flight) q=$(node_counter "$1" queued)
	c=$(node_counter "$1" claiming)
	[ -n "$s" ] || { fail "$1: no schedule counters line"; return 1; }
	check "$1: scheduled=$s != delivered=$d + skipped=$k + failed=$f + in_flight=$i + queued=$q + claiming=$c" \
	    [ "$s" -eq $((d + k + f + i + q + c)) ]
}

fleet_recv() {	# every recv line of the three
	cat "$D"/a/rec "$D"/b/rec "$D"/c/rec 2>/dev/null | grep '^recv '
}

fleet_has() {	# n: at least n fires recorded across the fleet
	[ "$(fleet_recv | wc -l)" -ge "$1" ]
}

t_fleet() {
	command -v redis-server >/dev/null || { echo "SKIP $SC: no redis-server"; return; }
	start_redis || return
	node a && node b && node c || return
	wait_for 40 fleet_has 8 || { fail "fewer than 8 fires in the fleet in 40 s"; return; }
	stop_node a; stop_node b; stop_node c
	local dup bad n
	# one fire, one (name, scheduled): never twice
	dup=$(fleet_recv | grep -oE '"name":"every_second","scheduled":[0-9]+' |
	    sort | uniq -d | head -n 1)
	check "a fire ran twice: $dup" [ -z "$dup" ]
	bad=$(fleet_recv | grep -vE 'ctx=\{"fence":[0-9]+,"lastTick":[0-9]+,"name":"every_second","scheduled":[0-9]+000\} body=\{"tick":[0-9]+,"name":"every_second"\}$' | head -n 1)
	check "a payload: $bad" [ -z "$bad" ]
	# the fence is the scheduled time
	bad=$(fleet_recv | grep -oE 'fence":[0-9]+,.*"scheduled":[0-9]+' |
	    awk -F'[:,]' '{ if ($2 != $NF) print }' | head -n 1)
	check "fence != scheduled: $bad" [ -z "$bad" ]
	# N consecutive from 0 across the fleet, no duplicates
	n=$(fleet_recv | grep -oE 'body=\{"tick":[0-9]+' | grep -oE '[0-9]+$' |
	    sort -n | consecutive)
	check "ticks across the fleet not 0, 1, 2, ...: first bad $n" [ -z "$n" ]
	check "some fire was lost to another server" \
	    grep -qE 'skipped_claimed=[1-9]' "$D/a/rr.log" "$D/b/rr.log" "$D/c/rr.log"
	check "a claimed skip was logged" \
	    [ -z "$(grep -lE 'fires? skipped.*(claimed|another)' "$D"/a/rr.log "$D"/b/rr.log "$D"/c/rr.log)" ]
	check_node_counters a; check_node_counters b; check_node_counters c
}

# since FILE LINE ERE [n]: at least n (1) lines after line LINE match
since() {
	[ "$(tail -n +"$(($2 + 1))" "$1" | grep -cE "$3")" -ge "${4:-1}" ]
}

t_unavailable() {
	command -v redis-server >/dev/null || { echo "SKIP $SC: no redis-server"; return; }
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
	kill -CONT "$REDISPID"
	wait_for 40 rec_has recv $((after + 2)) "$D/a/rec" ||
	    fail "fires did not resume after SIGCONT"
	stop_node a
	check "coordinator skips counted" [ "$(node_counter a skipped_coordinator)" -ge 1 ]
	check_node_counters a
}

# the unnamed ticker would run uncoordinated: rr refuses to start
t_unnamed() {
	mkdir -p "$D/u"
	cat >"$D/u/rr.yaml" <<EOF
version: '3'
server:
  command: "$TW echo"
ticker:
  interval: 1s
  cluster:
    redis: tcp://127.0.0.1:1
EOF
	local code
	"$RR" serve -c "$D/u/rr.yaml" >"$D/u/out" 2>&1
	code=$?
	check "exit $code, not 78" [ "$code" -eq 78 ]
	check "message: $(cat "$D/u/out")" grep -q \
	    'ticker.cluster: the unnamed ticker is not coordinated yet; use named schedules' "$D/u/out"
}

scenario cluster-fleet t_fleet
scenario cluster-unavailable t_unavailable
scenario cluster-unnamed t_unnamed

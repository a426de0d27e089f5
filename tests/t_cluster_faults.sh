# ticker.cluster when something breaks: a server SIGKILLed while it runs,
# redis restarted empty, redis stopped under on_unavailable: run, a
# "redis" that answers garbage, replies that come one byte at a time.
# Each fire still runs at most once in the fleet.  Never timings: recorder
# and log lines, with generous deadlines.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fleet.sh"

COORD_SKIP='fires? skipped.*(reason="the fleet.s coordinator did not answer"|coordinator=[1-9])'
UNCOORD="fire run without the fleet.s coordinator"

missing() {	# lo: of the sorted numbers on stdin, those left out from lo on
	awk -v p="$(($1 - 1))" '$1 > p { for (i = p + 1; i < $1; i++)
	    printf "%d\n", i; p = $1 }'
}

# Marks split a recorder in before and after an event: mark names...
# remembers where each ends now.
mark() {
	local n
	for n; do
		eval "MARK_$n=$(cat "$D/$n/rec" 2>/dev/null | wc -l)"
	done
}

recv_since() {	# names...: their recv lines after the mark
	local n m
	for n; do
		eval "m=\$MARK_$n"
		tail -n +$((m + 1)) "$D/$n/rec" 2>/dev/null
	done | grep '^recv '
}

recv_before() {	# names...: their recv lines up to the mark
	local n m
	for n; do
		eval "m=\$MARK_$n"
		head -n "$m" "$D/$n/rec"
	done | grep '^recv '
}

has_since() {	# n ERE names...: at least n recv lines after the marks match
	local k=$1 re=$2
	shift 2
	[ "$(recv_since "$@" | grep -cE -- "$re")" -ge "$k" ]
}

log_since() {	# name: the line rr.log ends at now, for since
	wc -l <"$D/$1/rr.log"
}

check_ticks() {	# holes file: N of its recv lines from 0, at most holes missing
	local m
	m=$(num tick <"$2" | sort -nu | missing 0 | paste -sd' ')
	check "ticks across the fleet missing (at most $1): $m" \
	    [ "$(echo $m | wc -w)" -le "$1" ]
}

# fake MODE: a python3 server on a free loopback port, $FAKE_PORT, a
# helper; one line a connection in $D/conns.  garbage: every reply is
# garbage, a kind a connection, and every other connection answers the
# handshake's PING so that claims meet garbage too.  proxy: to the test's
# redis, its replies one byte a write, so that rr reads them in pieces.
fake() {
	rm -f "$D/port"
	python3 - "$1" "$D" "${RPORT:-0}" <<'EOF' &
import os, socket, sys, threading, time
mode, d, rport = sys.argv[1], sys.argv[2], int(sys.argv[3])
GARBAGE = [b"?garbage\r\n", b"$99999999999\r\n", b"*1\r\n" * 20,
           b"*99999\r\n", b"+" + b"x" * 9000]

def note(what):
    with open(d + "/conns", "a") as f:
        f.write(what + "\n")

def nodelay(s):
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

def garbage(c, i):
    pong = i % 2 == 1
    while True:
        b = c.recv(65536)
        if not b:
            return
        if pong:
            c.sendall(b"+PONG\r\n")
            pong = False
            continue
        if b"EVAL" in b:
            note("eval")
        c.sendall(GARBAGE[i % len(GARBAGE)])

def pump(src, dst, one):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            if not one:
                dst.sendall(b)
                continue
            for k in range(len(b)):
                dst.sendall(b[k:k + 1])
                time.sleep(0.0002)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

def proxy(c, i):
    r = socket.create_connection(("127.0.0.1", rport))
    nodelay(r)
    threading.Thread(target=pump, args=(r, c, True), daemon=True).start()
    pump(c, r, False)

def serve(c, i):
    try:
        nodelay(c)
        (garbage if mode == "garbage" else proxy)(c, i)
    except OSError:
        pass

ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(16)
with open(d + "/port.new", "w") as f:
    f.write(str(ls.getsockname()[1]))
os.rename(d + "/port.new", d + "/port")
i = 0
while True:
    c, _ = ls.accept()
    note("conn")
    threading.Thread(target=serve, args=(c, i), daemon=True).start()
    i += 1
EOF
	helper $!
	wait_for 20 test -s "$D/port" ||
	    { fail "the $1 server did not start"; return 1; }
	FAKE_PORT=$(cat "$D/port")
}

conns() {	# n: at least n connections to the fake
	[ "$(grep -c '^conn' "$D/conns" 2>/dev/null)" -ge "$1" ]
}

# SIGKILL, the one stop rr cannot clean up after: its claims in flight are
# lost with it, the others go on from the next fire
t_sigkill() {
	need_redis || return
	start_redis || return
	node a && node b && node c || return
	wait_for 40 fleet_has 6 || { fail "fewer than 6 fires in the fleet in 40 s"; return; }
	local v n rest ks m left
	# the one that ran the latest fire: it claims, not only loses
	v=$(for n in a b c; do
		fleet_recv "$n" | num scheduled | sed "s/\$/ $n/"
	done | sort -n | tail -n 1 | cut -d' ' -f2)
	rest=$(printf '%s\n' a b c | grep -vx "$v" | paste -sd' ')
	ks=$(($(now_us) / 1000 / SLOT_MS))
	eval "kill -KILL \$PID_$v; wait \$PID_$v" 2>/dev/null
	mark $rest
	wait_for 40 has_since 5 . $rest ||
	    { fail "fewer than 5 fires by $rest in 40 s after $v's SIGKILL"; return; }
	fleet_recv >"$D/run"
	# its workers see EOF on their relay and exit
	wait_for 20 groups_empty $(grep -h '^start ' "$D/$v/rec" | rec_field pgid)
	left=$(live_in_groups $(grep -h '^start ' "$D/$v/rec" | rec_field pgid))
	check "$v's workers outlived it: $left" [ -z "$left" ]
	stop_nodes $rest
	check_once
	check_payloads "$FENCED" "$D/run"
	# lost with it: the fires it had claimed and not sent, scheduled
	# about the kill (a slot's grace each side), three at most
	m=$(num scheduled <"$D/run" | awk -v s=$SLOT_MS '{ printf "%d\n", $1 / s }' |
	    sort -nu | missing $((ks - 1)) | paste -sd' ')
	check "slots of ${SLOT_MS}ms the fleet did not run after $v's SIGKILL in $ks: $m" \
	    awk -v k=$((ks + 2)) '{ for (i = 1; i <= NF; i++) if ($i > k) exit 1
	    exit (NF > 3) }' <<<"$m"
	check_ticks 3 "$D/run"
	for n in $rest; do
		check_node_counters "$n"
	done
}

# Redis back empty: the fence and N start again from nothing unless the
# servers bring back what they know
t_redis_restart() {
	need_redis || return
	start_redis || return
	node a && node b || return
	wait_for 40 fleet_has 4 || { fail "fewer than 4 fires in the fleet in 40 s"; return; }
	local la lb fb fa nb na
	la=$(log_since a) lb=$(log_since b)
	kill -KILL "$REDISPID"
	wait "$REDISPID" 2>/dev/null
	# a skip each: what was claimed before the kill has been recorded
	wait_for 30 since "$D/a/rr.log" "$la" "$COORD_SKIP" &&
	    wait_for 30 since "$D/b/rr.log" "$lb" "$COORD_SKIP" ||
	    { fail "no coordinator skip in a and b with redis killed"; return; }
	mark a b
	start_redis || return
	wait_for 40 has_since 4 . a b ||
	    { fail "fewer than 4 fires in 40 s after redis restarted"; return; }
	fleet_recv a b >"$D/run"
	stop_nodes a b
	check_once a b
	check_payloads "$FENCED" "$D/run"
	fb=$(recv_before a b | num fence | sort -n | tail -n 1)
	fa=$(recv_since a b | num fence | sort -n | head -n 1)
	check "a fence after the restart $fa <= $fb before it" \
	    [ "${fa:-0}" -gt "${fb:-0}" ]
	nb=$(recv_before a b | num tick | sort -n | tail -n 1)
	na=$(recv_since a b | num tick | sort -n | head -n 1)
	check "N after the restart from $na, before it up to $nb" \
	    [ "${na:--1}" -eq $((${nb:-0} + 1)) ]
	check_ticks 0 "$D/run"
	# the fleet's lastTick, from what the servers knew
	la=$(recv_since a b | sort -t= -k2 -n | head -n 1 | num lastTick)
	check "lastTick after the restart: ${la:-none}" [ "${la:-0}" -gt 0 ]
	check_node_counters a
	check_node_counters b
}

# on_unavailable: run: a stopped redis does not stop the fires, they run
# with the local N and no fence, and are claimed again once it answers
t_run_unavailable() {
	need_redis || return
	start_redis || return
	node a run || return
	wait_for 30 grep -q '^recv .*"fence"' "$D/a/rec" ||
	    { fail "no claimed fire with redis up"; return; }
	local at k u
	at=$(log_since a)
	mark a
	kill -STOP "$REDISPID"
	wait_for 30 has_since 3 'ctx=\{"lastTick"' a ||
	    { kill -CONT "$REDISPID"; fail "fewer than 3 fires ran with redis stopped"; return; }
	wait_for 30 since "$D/a/rr.log" "$at" "$UNCOORD" 3 ||
	    fail "fewer than 3 '$UNCOORD' lines with redis stopped"
	kill -CONT "$REDISPID"
	mark a
	wait_for 40 has_since 2 'ctx=\{"fence"' a ||
	    fail "fewer than 2 claimed fires in 40 s after SIGCONT"
	grep '^recv ' "$D/a/rec" >"$D/run"
	stop_node a
	# claimed again once back, then never without
	k=$(recv_since a | awk '/"fence"/ { f = 1 } f && !/"fence"/ { print; exit }')
	check "a fire without a fence after the claims came back: $k" [ -z "$k" ]
	check_apart "$UNCOORD" "$D/a/rr.log"
	check_payloads '("fence":[0-9]+,)?' "$D/run"
	k=$(grep -vc '"fence"' "$D/run")
	u=$(node_counter a uncoordinated)
	check "uncoordinated=$u, $k fires ran without a fence" \
	    test "${u:-0}" -ge 1 -a "${u:-0}" -ge "$k"
	# alone in its fleet, a server's N goes on through the outage
	check_ticks 0 "$D/run"
	k=$(num tick <"$D/run" | sort -n | uniq -d | paste -sd' ')
	check "ticks ran twice: $k" [ -z "$k" ]
	check_node_counters a
}

# garbage from "redis" is a dropped connection and another try, the
# fires skipped: never a crash, never a fire
t_garbage() {
	need_redis || return
	fake garbage || return
	NODE_REDIS=tcp://127.0.0.1:$FAKE_PORT node a || return
	# five kinds, each in a handshake and in a claim's reply: the 11th
	# connection is after the last of them
	wait_for 60 conns $((2 * 5 + 1)) ||
	    fail "fewer than 11 connections to the fake redis in 60 s"
	check "rr exited with garbage from redis" alive "$PID_a"
	local why
	for why in "an unknown type byte" "a bulk string longer than" \
	    "arrays nested deeper than" "array elements in a reply" \
	    "a line longer than"; do
		check "no 'bad reply: connection closed' line for '$why'" \
		    grep -qE "bad reply: connection closed.*error=\"[^\"]*$why" "$D/a/rr.log"
	done
	check "no claim met garbage" grep -q '^eval' "$D/conns"
	check "a fire ran: $(grep -m 1 '^recv ' "$D/a/rec")" \
	    [ "$(rec_count recv "$D/a/rec")" -eq 0 ]
	stop_node a
	check "skipped_coordinator=$(node_counter a skipped_coordinator)" \
	    [ "$(node_counter a skipped_coordinator)" -ge 1 ]
	check_node_counters a
}

t_one_byte() {
	need_redis || return
	start_redis && fake proxy || return
	NODE_REDIS=tcp://127.0.0.1:$FAKE_PORT node a &&
	    NODE_REDIS=tcp://127.0.0.1:$FAKE_PORT node b || return
	wait_for 40 fleet_has 6 || { fail "fewer than 6 fires in the fleet in 40 s"; return; }
	fleet_recv a b >"$D/run"
	stop_nodes a b
	check_once a b
	check_payloads "$FENCED" "$D/run"
	check_ticks 0 "$D/run"
	check_node_counters a
	check_node_counters b
}

scenario cluster-sigkill t_sigkill
scenario cluster-redis-restart t_redis_restart
scenario cluster-run-unavailable t_run_unavailable
scenario cluster-garbage t_garbage
scenario cluster-one-byte t_one_byte

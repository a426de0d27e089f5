# tests/fleet.sh: several rr on one real redis-server, for the fleet
# scenarios (ticker.cluster).  Sourced after lib.sh.  Each server is a
# directory of $D with its rr.yaml, rr.log and recorder file rec.

# start_redis [args...]: a throw-away redis-server on a free loopback port
# ($RPORT, pid $REDISPID), a helper the teardown kills.  Again after it
# was killed: the same port, empty.
start_redis() {
	RPORT=${RPORT:-$(free_port)}
	redis-server --port "$RPORT" --save '' --appendonly no \
	    --bind 127.0.0.1 --daemonize no "$@" >>"$D/redis.log" 2>&1 &
	REDISPID=$!
	helper "$REDISPID"
	wait_for 20 redis_up || { fail "redis-server did not start"; return 1; }
}

redis_up() {
	[ "$(redis_cmd PING)" = PONG ]
}

redis_cmd() {	# args...: one command to the test's redis; the reply's text
	python3 - "$RPORT" "$@" <<'EOF' 2>/dev/null
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2)
args = [a.encode() for a in sys.argv[2:]]
s.sendall(b"*%d\r\n" % len(args) +
          b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
f = s.makefile("rb")
line = f.readline()
if line[:1] == b"$":
    n = int(line[1:])
    print("" if n < 0 else f.read(n).decode())
else:
    print(line[1:].decode().rstrip())
EOF
}

need_redis() {	# SKIP the scenario without redis-server (FAIL in CI)
	command -v redis-server >/dev/null && return
	if [ -n "${CI:-}" ]; then
		fail "redis-server is not installed (apt-get install -y redis-server)"
	else
		echo "SKIP $SC: no redis-server"
	fi
	return 1
}

# The servers' schedule unless NODE_TICKER says otherwise: "often", every
# SLOT_MS on the wall clock, so that a scenario sees many fires in a few
# seconds (the cluster's timeout is shorter, as it should be).
SLOT_MS=250

# node NAME [ON_UNAVAILABLE]: the config of one rr in $D/NAME, started;
# its pid in PID_NAME.  NODE_TICKER (YAML lines under ticker:, the
# schedules) and NODE_WORKERS change what it runs; NODE_REDIS where it
# finds the coordinator; NODE_EXTRA are top-level YAML lines (rpc,
# metrics).
node() {
	mkdir -p "$D/$1"
	cat >"$D/$1/rr.yaml" <<EOF
version: '3'
server:
  command: "$TW echo -r $D/$1/rec"
  relay: $(D=$D/$1 relay_address)
ticker:
  pool:
    num_workers: ${NODE_WORKERS:-2}
    destroy_timeout: 5s
${NODE_TICKER:-  schedules:
    often:
      interval: ${SLOT_MS}ms}
  cluster:
    redis: ${NODE_REDIS:-tcp://127.0.0.1:$RPORT}
    on_unavailable: ${2:-skip}
    timeout: 200ms
logs:
  level: debug
  mode: development
${NODE_EXTRA:-}
EOF
	: >"$D/$1/rr.log"
	"$RR" serve -c "$D/$1/rr.yaml" >>"$D/$1/rr.log" 2>&1 &
	eval "PID_$1=$!"
	helper "$!"
	wait_for 20 grep -q "rr started" "$D/$1/rr.log" ||
	    { fail "$1: no 'rr started' line"; return 1; }
}

# TERM every one, then wait for each: stop_node after another's TERM
# would wait out each grace period in turn.
stop_nodes() {	# names...
	local n pid
	for n; do
		eval "kill -TERM \$PID_$n" 2>/dev/null
	done
	for n; do
		eval "pid=\$PID_$n"
		wait_exit "$pid" 30 || fail "$n: exit $? after TERM"
	done
}

check_once() {	# names...: no (name, scheduled) and no N ran twice
	local dup
	dup=$(fleet_recv "$@" | grep -oE '"name":"[^"]*","scheduled":[0-9]+' |
	    sort | uniq -d | head -n 1)
	check "a fire ran twice: $dup" [ -z "$dup" ]
	dup=$(fleet_recv "$@" | num tick | sort -n | uniq -d | paste -sd' ')
	check "ticks ran twice in the fleet: $dup" [ -z "$dup" ]
}

stop_node() {	# name: TERM, wait
	local pid
	eval "pid=\$PID_$1"
	kill -TERM "$pid" 2>/dev/null
	wait_exit "$pid" 30 || fail "$1: exit $? after TERM"
}

# node_counter NAME KEY [SCHEDULE]: from its last counters line of that
# schedule (often; '""' the unnamed ticker's)
node_counter() {
	grep -E "counters${TAB}schedule=${3-often}( |$)" "$D/$1/rr.log" |
	    tail -n 1 | field "$2"
}

check_node_counters() {	# name [schedule]: scheduled = the rest
	local s d k f i q c
	s=$(node_counter "$1" scheduled "${2-often}")
	d=$(node_counter "$1" delivered "${2-often}")
	k=$(node_counter "$1" skipped "${2-often}")
	f=$(node_counter "$1" failed "${2-often}")
	i=$(node_counter "$1" in_flight "${2-often}")
	q=$(node_counter "$1" queued "${2-often}")
	c=$(node_counter "$1" claiming "${2-often}")
	[ -n "$s" ] || { fail "$1: no counters line for '${2-often}'"; return 1; }
	check "$1: scheduled=$s != delivered=$d + skipped=$k + failed=$f + in_flight=$i + queued=${q:-0} + claiming=${c:-0}" \
	    [ "$s" -eq $((d + k + f + i + ${q:-0} + ${c:-0})) ]
}

fleet_recv() {	# [names...]: every recv line of those servers (a b c)
	local n
	for n in ${*:-a b c}; do
		cat "$D/$n/rec" 2>/dev/null
	done | grep '^recv '
}

fleet_has() {	# n: at least n fires recorded across a b c
	[ "$(fleet_recv | wc -l)" -ge "$1" ]
}

FENCED='"fence":[0-9]+,'	# for check_payloads: a claimed fire's

check_payloads() {	# fence_ERE file: every fire of often well formed
	local bad
	bad=$(grep -vE "ctx=\{$1\"lastTick\":[0-9]+,\"name\":\"often\",\"scheduled\":[0-9]+\} body=\{\"tick\":[0-9]+,\"name\":\"often\"\}$" "$2" |
	    head -n 1)
	check "a payload: $bad" [ -z "$bad" ]
	bad=$(num scheduled <"$2" | awk -v s=$SLOT_MS '$1 % s' | head -n 1)
	check "scheduled $bad: not a multiple of ${SLOT_MS}ms" [ -z "$bad" ]
	# the fence is the scheduled time
	bad=$(grep -oE 'fence":[0-9]+,.*"scheduled":[0-9]+' "$2" |
	    awk -F'[:,]' '$2 != $NF' | head -n 1)
	check "fence != scheduled: $bad" [ -z "$bad" ]
}

num() {		# key: from lines on stdin, each "key":N's N
	grep -oE "\"$1\":[0-9]+" | grep -oE '[0-9]+$'
}

# since FILE LINE ERE [n]: at least n (1) lines after line LINE match
since() {
	[ "$(tail -n +"$(($2 + 1))" "$1" | grep -cE "$3")" -ge "${4:-1}" ]
}

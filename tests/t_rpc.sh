# RPC: the Goridge RPC server (rpc.listen), its methods (informer,
# resetter, rpc, ticker), what it does with hostile clients, its limits,
# the unix socket, and the commands that use it (rr workers, rr reset) or
# sit beside it (rr stop).
#
# The client is tests/helpers/rpc.py: byte for byte what PHP's
# spiral/goridge RPC class sends, and strict about replies: exit 3 for an
# ERROR reply (text on stderr), 4 for a reply that breaks the protocol, 5
# closed or refused, 6 no reply in time (see its header).  Each scenario
# starts its own rr on a free loopback port or a unix socket in $D.
# Clients left in the background are helpers (lib.sh's helper): the
# teardown kills them, whatever way the scenario ended.
. "$(dirname "$0")/lib.sh"

export PYTHONPATH=$TOP/tests/helpers	# `import rpc` in the inline scripts
export PYTHONDONTWRITEBYTECODE=1	# and no __pycache__ in the tree
unset NOTIFY_SOCKET WATCHDOG_USEC WATCHDOG_PID	# that is t_notify.sh's
ADDR= OUT= ERR= RC= SESSION_N=0

# --- config and rr -----------------------------------------------------------

# rpc_config [ADDR [WORKERS [INTERVAL [WORKER_OPTIONS]]]]: echo workers
# recording in $D/rec, 2 of them, ticks every 100ms, and rpc.listen ADDR
# (default: a free loopback port), kept in $ADDR.  RPC_EXTRA: more lines
# for the rpc section, indented by two spaces.
rpc_config() {
	ADDR=${1:-tcp://127.0.0.1:$(free_port)}
	basic_config "$TW echo -r $D/rec ${4:-}" "${3:-100ms}" "${2:-2}"
	printf 'rpc:\n  listen: %s\n%s\n' "$ADDR" "${RPC_EXTRA:-}" >>"$D/rr.yaml"
}

answers() {	# rr answers rpc.Version on $ADDR
	"$RPC" "$ADDR" rpc.Version --timeout 2 >/dev/null 2>&1
}

up() {	# [n=2] [rr args...]: start rr; wait for n ready workers and an answer
	local n=${1:-2}
	shift
	start_rr "$@" || return
	wait_count "$(msg pool 'worker ready')" "$n" ||
	    { fail "fewer than $n workers ready in 20s"; return 1; }
	wait_for 10 answers ||
	    { fail "no answer to rpc.Version on $ADDR in 10s"; return 1; }
}

live_workers() {	# pids of the workers that became ready and are alive
	local p
	for p in $(ready_pids); do
		alive "$p" && echo "$p"
	done
}

rr_in_bg() {	# log args...: another rr serve in the background; pid in $RR2
	"$RR" serve "${@:2}" >"$1" 2>&1 &
	RR2=$!
	helper "$RR2"
}

# --- calls -------------------------------------------------------------------

call() {	# rpc.py arguments after ADDR: stdout in $OUT, stderr $ERR, code $RC
	"$RPC" "$ADDR" "$@" >"$D/out" 2>"$D/err"
	RC=$?
	OUT=$(cat "$D/out") ERR=$(cat "$D/err")
}

expect_ok() {	# why want: the last call exited 0 with exactly the result want
	check "$1: exit $RC, want 0: $ERR" [ "$RC" -eq 0 ] &&
	    check "$1: result '$OUT', want '$2'" [ "$OUT" = "$2" ]
}

expect_error() {	# why text: the last call got an ERROR reply with that text
	check "$1: exit $RC, want 3 (an ERROR reply): $OUT$ERR" [ "$RC" -eq 3 ] &&
	    check "$1: error '$ERR', want '$2'" [ "$ERR" = "$2" ]
}

json_holds() {	# why expr: the Python expr over d (the JSON in $OUT) is true
	check "$1: $(head -c 400 <<<"$OUT")" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
sys.exit(0 if eval(sys.argv[2]) else 1)' "$OUT" "$2"
}

# A session: one rpc.py --stdin connection, fed one call at a time through
# the fifo $D/in (held open on fd 8), its replies ("OK result", "ERR text")
# in $D/session.  It shows that a connection outlives what happens on
# others.
session_start() {
	mkfifo "$D/in"
	"$RPC" "$ADDR" --stdin <"$D/in" >"$D/session" 2>&1 &
	helper $!
	exec 8>"$D/in"
	SESSION_N=0
}

session_has() {	# n: the session has printed n lines
	[ "$(wc -l <"$D/session")" -ge "$1" ]
}

session() {	# "METHOD [ARG]": call it on the session; the reply line in $OUT
	# a subshell that ignores SIGPIPE: if the session died, the write
	# fails instead of killing the test
	(trap '' PIPE; echo "$1" >&8) 2>/dev/null
	SESSION_N=$((SESSION_N + 1))
	if ! wait_for 10 session_has "$SESSION_N"; then
		OUT="no reply in 10s; the session said: $(tail -n 3 "$D/session")"
		return 1
	fi
	OUT=$(sed -n "${SESSION_N}p" "$D/session")
}

rpc_warnings() {	# rr.log lines at WARN or ERROR that mention rpc
	grep -ciE '^[^ ]+ +(WARN|ERROR) .*rpc' "$D/rr.log"
}

more_warnings() {	# n: more than n such lines now
	[ "$(rpc_warnings)" -gt "$1" ]
}

# --- the client itself -------------------------------------------------------

# rpc.py builds exactly the bytes of the brief's worked example (JSON, seq 1,
# informer.List(true)) and rejects the replies a PHP client would reject.
t_selftest() {
	local out
	out=$("$RPC" --selftest 2>&1)
	check "rpc.py --selftest: $out" [ "$out" = "selftest ok" ]
	out=$("$RPC" --frame 8 1,13 informer.Listtrue)
	check "rpc.py --frame: $out" \
	    [ "$out" = 150811000000b0490c3a0000010000000d000000696e666f726d65722e4c69737474727565 ]
}

# --- the listener and the workers' environment -------------------------------

# Workers get RR_RPC = rpc.listen, exactly as written.  A loopback address
# logs no warning about being reachable from outside.
t_env() {
	rpc_config
	up || return
	local starts vals
	starts=$(rec_count start)
	vals=$(rec_lines env | grep -oE ' RR_RPC=.*' | sort | uniq -c |
	    awk '{ $1 = $1; print }')
	check "RR_RPC in the workers' environment: '$vals', want $starts x $ADDR" \
	    [ "$vals" = "$starts RR_RPC=$ADDR" ]
	check "a warning about the loopback listener: $(grep -iE 'WARN .*rpc' "$D/rr.log")" \
	    [ "$(rpc_warnings)" -eq 0 ]
}

# No rpc section: no listener (rr holds no socket at all), no RR_RPC, and
# the RPC commands say that rpc.listen is missing.
t_none() {
	basic_config "$TW echo -r $D/rec" 100ms 2
	start_rr || return
	wait_count "$(msg pool 'worker ready')" 2 ||
	    { fail "fewer than 2 workers ready in 20s"; return; }
	wait_rec env 1 || { fail "no env lines recorded in 20s"; return; }
	check "RR_RPC without an rpc section: $(rec_lines env | grep RR_RPC=)" \
	    [ -z "$(rec_lines env | grep ' RR_RPC=')" ]
	local socks
	socks=$(ls -l "/proc/$RRPID/fd" 2>/dev/null | grep -c 'socket:')
	check "rr holds $socks sockets without an rpc section" [ "$socks" -eq 0 ]
	local cmd
	for cmd in workers reset; do
		(cd "$D" && "$RR" "$cmd") >"$D/cli" 2>&1
		RC=$?
		check "rr $cmd without rpc.listen: exit $RC, want 1" [ "$RC" -eq 1 ]
		check "rr $cmd without rpc.listen does not say so: $(head -c 300 "$D/cli")" \
		    grep -q 'rpc\.listen' "$D/cli"
	done
}

# rpc.listen on 0.0.0.0 reaches beyond the machine: a warning at start.
# The listener still answers on loopback.
t_public() {
	local port
	port=$(free_port)
	rpc_config "tcp://0.0.0.0:$port"
	ADDR=tcp://127.0.0.1:$port
	up || return
	check "no warning about rpc.listen on 0.0.0.0" \
	    [ "$(rpc_warnings)" -ge 1 ]
}

# --- methods -----------------------------------------------------------------

# informer.List and informer.Workers on an idle pool: after tick 0 (the
# interval is 1h) both workers are ready and, between them, have run one
# tick.  Every row is checked field by field (check_workers).
t_informer() {
	local t0
	t0=$(date +%s%N)
	rpc_config '' 2 1h
	up || return
	call informer.List true
	expect_ok informer.List '["ticker"]'
	wait_rec reply 1 || { fail "tick 0 got no reply in 20s"; return; }
	check "informer.Workers never showed 1 exec in all in 10s: $OUT" \
	    wait_for 10 execs_are 1
	call informer.Workers '"ticker"'
	check "informer.Workers: exit $RC: $ERR" [ "$RC" -eq 0 ] || return
	local bad
	bad=$(STATUS=ready check_workers "$OUT" "$t0" $(live_workers)) ||
	    fail "informer.Workers: $bad"
	call informer.Workers '"http"'
	expect_ok "informer.Workers of a plugin rr does not have" '{"workers":null}'
}

execs_are() {	# n: informer.Workers' numExecs add up to n
	call informer.Workers '"ticker"'
	[ "$RC" -eq 0 ] && python3 -c '
import json, sys
w = json.loads(sys.argv[1])["workers"]
sys.exit(sum(x["numExecs"] for x in w) != int(sys.argv[2]))' "$OUT" "$1" \
	    2>/dev/null
}

# check_workers JSON START_NS PID...: informer.Workers' reply lists exactly
# these workers, by pid, each row complete and plausible: status numbers
# and names agree, created is unix nanoseconds since START_NS (2 s slack
# for a coarse clock), memoryUsage is bytes (near /proc's VmRSS), and the
# command is the tworker.  STATUS: the statusStr every row must have.
check_workers() {
	python3 - "$@" <<'EOF'
import json, os, sys, time
names = ["inactive", "ready", "working", "invalid", "stopping", "stopped",
         "destroyed", "maxJobsReached", "errored", "idleTTLReached",
         "ttlReached", "maxMemoryReached", "execTTLReached"]
types = {"pid": int, "status": int, "numExecs": int, "created": int,
         "memoryUsage": int, "CPUPercent": (int, float), "command": str,
         "statusStr": str}
doc, start, want = json.loads(sys.argv[1]), int(sys.argv[2]), \
    sorted(map(int, sys.argv[3:]))
now, bad = time.time_ns(), []
rows = doc.get("workers") if isinstance(doc, dict) else None
if not isinstance(rows, list):
    print("no workers list in %s" % sys.argv[1][:300])
    sys.exit(1)
pids = [w.get("pid") for w in rows]
if pids != sorted(pids, key=lambda p: (p is None, p)):
    bad.append("rows not sorted by pid: %s" % pids)
if sorted(p for p in pids if p is not None) != want:
    bad.append("pids %s, want %s" % (pids, want))
for w in rows:
    p = w.get("pid")
    for k, t in types.items():
        if not isinstance(w.get(k), t) or isinstance(w.get(k), bool):
            bad.append("pid %s: %s is %r" % (p, k, w.get(k)))
    if bad:
        continue
    if not 0 <= w["status"] < len(names) or \
       names[w["status"]] != w["statusStr"]:
        bad.append("pid %d: status %d with statusStr %r" %
                   (p, w["status"], w["statusStr"]))
    if os.environ.get("STATUS") and w["statusStr"] != os.environ["STATUS"]:
        bad.append("pid %d: statusStr %r, want %r" %
                   (p, w["statusStr"], os.environ["STATUS"]))
    if not start - 2e9 <= w["created"] <= now + 2e9:
        bad.append("pid %d: created %d is not unix ns between %d and %d" %
                   (p, w["created"], start, now))
    try:
        rss = int(open("/proc/%d/status" % p).read().split("VmRSS:")[1]
                  .split()[0]) * 1024
        if w["memoryUsage"] < 65536 or \
           not rss / 4 <= w["memoryUsage"] <= rss * 4:
            bad.append("pid %d: memoryUsage %d bytes, VmRSS says %d" %
                       (p, w["memoryUsage"], rss))
    except (OSError, IndexError, ValueError):
        bad.append("pid %d: cannot read its VmRSS" % p)
    if w["CPUPercent"] < 0 or w["numExecs"] < 0:
        bad.append("pid %d: CPUPercent %r, numExecs %r" %
                   (p, w["CPUPercent"], w["numExecs"]))
    if "tworker" not in w["command"]:
        bad.append("pid %d: command %r" % (p, w["command"]))
print("; ".join(bad))
sys.exit(1 if bad else 0)
EOF
}

# A worker inside a 3 s tick shows as working (status 2); the others'
# numExecs never exceed the ticks the workers saw.
t_informer_busy() {
	local t0
	t0=$(date +%s%N)
	rpc_config '' 1 100ms '-d 3000'
	up 1 || return
	check "informer.Workers never showed the busy worker as working in 10s: $OUT" \
	    wait_for 10 shows_working
	local bad
	bad=$(check_workers "$OUT" "$t0" $(live_workers)) ||
	    fail "informer.Workers: $bad"
}

shows_working() {	# informer.Workers has a row with status 2, "working"
	call informer.Workers '"ticker"'
	[ "$RC" -eq 0 ] && grep -q '"status":2,' <<<"$OUT" &&
	    grep -q '"statusStr":"working"' <<<"$OUT"
}

# resetter.Reset replaces every worker, as SIGHUP does; informer.Workers
# then lists only new ones.  An unknown plugin is an error.
t_resetter() {
	rpc_config '' 2 1h
	up || return
	call resetter.List true
	expect_ok resetter.List '["ticker"]'
	local old new p
	old=$(ready_pids)
	call resetter.Reset '"ticker"'
	expect_ok 'resetter.Reset("ticker")' true
	wait_log "$(msg '[a-z]+' reset)" ||
	    { fail "no 'reset' line in 20s after resetter.Reset"; return; }
	wait_count "$(msg pool 'worker ready')" 4 ||
	    { fail "fewer than 2 new workers ready in 20s"; return; }
	new=$(ready_pids | tail -n +3)
	check "pids before ($old) and after ($new) resetter.Reset overlap" \
	    [ -z "$(comm -12 <(sort <<<"$old") <(sort <<<"$new"))" ]
	for p in $old; do
		check "old worker $p alive 10s after the reset" wait_for 10 dead "$p"
	done
	check "informer.Workers does not list just the new workers ($new) in 10s: $OUT" \
	    wait_for 10 lists_pids $new
	call resetter.Reset '"http"'
	expect_error 'resetter.Reset("http")' 'no such plugin: http'
}

lists_pids() {	# pid...: informer.Workers lists exactly these pids
	call informer.Workers '"ticker"'
	[ "$RC" -eq 0 ] && [ "$(grep -oE '"pid":[0-9]+' <<<"$OUT" |
	    cut -d: -f2 | sort -n | paste -sd' ')" = \
	    "$(printf '%s\n' "$@" | sort -n | paste -sd' ')" ]
}

# rpc.Version is rr --version's number, as a JSON string.
t_version() {
	rpc_config
	up || return
	local v
	v=$("$RR" --version | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n 1)
	call rpc.Version true
	expect_ok rpc.Version "\"$v\""
}

# ticker.Stats has the counters of the counters line.  At 1h nothing moves
# after tick 0, so Stats and the counters line of SIGUSR2 must agree.
t_stats() {
	rpc_config '' 1 1h
	up 1 || return
	wait_rec reply 1 || { fail "tick 0 got no reply in 20s"; return; }
	check "ticker.Stats never showed tick 0 delivered in 10s: $OUT" \
	    wait_for 10 stats_settled
	kill -USR2 "$RRPID"
	wait_log "$(msg rr counters)" || { fail "no counters line on SIGUSR2"; return; }
	local k
	for k in scheduled delivered skipped failed in_flight restarts; do
		json_holds "ticker.Stats $k != the counters line's $(counter "$k")" \
		    "d['$k'] == $(counter "$k")"
	done
}

stats_settled() {	# ticker.Stats: delivered 1, nothing in flight
	call ticker.Stats true
	[ "$RC" -eq 0 ] && python3 -c '
import json, sys
d = json.loads(sys.argv[1])
sys.exit(not (d.get("delivered") == 1 and d.get("in_flight") == 0))' "$OUT" \
	    2>/dev/null
}

# On a busy pool (80 ms ticks every 50 ms on 2 workers, so some are in
# flight) every Stats reply adds up, and scheduled never goes back.
t_stats_busy() {
	rpc_config '' 2 50ms '-d 80'
	up || return
	wait_rec reply 4 || { fail "fewer than 4 ticks in 20s"; return; }
	call ticker.Stats true --calls 20 --pause 0.05
	check "20 calls of ticker.Stats: exit $RC: $ERR" [ "$RC" -eq 0 ] || return
	local bad
	bad=$(python3 - "$D/out" <<'EOF'
import json, sys
last, keys = -1, ["scheduled", "delivered", "skipped", "failed", "in_flight",
                  "restarts"]
for line in open(sys.argv[1]):
    d = json.loads(line)
    for k in keys:
        if not isinstance(d.get(k), int) or isinstance(d.get(k), bool) or \
           d[k] < 0:
            sys.exit("%s is %r in %s" % (k, d.get(k), line.strip()))
    if d["scheduled"] != d["delivered"] + d["skipped"] + d["failed"] + \
       d["in_flight"]:
        sys.exit("does not add up: %s" % line.strip())
    if d["scheduled"] < last:
        sys.exit("scheduled went from %d to %d" % (last, d["scheduled"]))
    last = d["scheduled"]
EOF
	) || fail "ticker.Stats: $bad"
}

# Unknown services and methods, and a name without a dot: Go's net/rpc
# errors, word for word; after each, the same connection still works.
t_errors() {
	rpc_config
	up || return
	call nosuch.Method true
	expect_error "nosuch.Method" "rpc: can't find service nosuch.Method"
	call informer.Nope true
	expect_error "informer.Nope" "rpc: can't find method informer.Nope"
	call hello true
	expect_error "hello" "rpc: service/method request ill-formed: hello"
	"$RPC" "$ADDR" --stdin >"$D/out" 2>&1 <<'EOF'
nosuch.Method
informer.Nope
hello
informer.List true
EOF
	check "errors and a call on one connection: $(cat "$D/out")" \
	    [ "$(tail -n 1 "$D/out")" = 'OK ["ticker"]' ]
	check "errors on one connection: $(cat "$D/out")" \
	    [ "$(grep -c '^ERR rpc: ' "$D/out")" -eq 3 ]
}

# A request in another codec gets an ERROR reply that says rr speaks only
# JSON, and the connection goes on: a JSON call after it is answered.
t_codecs() {
	rpc_config
	up || return
	local c
	for c in raw msgpack gob proto; do
		call informer.List true --codec "$c"
		check "a $c request: exit $RC, want 3 (an ERROR reply): $OUT$ERR" \
		    [ "$RC" -eq 3 ]
		check "the error for a $c request does not say JSON: $ERR" \
		    grep -qi json <<<"$ERR"
	done
	local bad
	bad=$(python3 - "$ADDR" <<'EOF' 2>&1
import sys, rpc
c = rpc.Client(sys.argv[1])
try:
    c.call("informer.List", b"true", codec=rpc.GOB)
    sys.exit("a GOB request was answered")
except rpc.RPCError:
    pass
r = c.call("informer.List", b"true")
if r != b'["ticker"]':
    sys.exit("informer.List after a GOB request: %r" % r)
EOF
	) || fail "a JSON call after a GOB one on the same connection: $bad"
}

# --- framing -----------------------------------------------------------------

# The reply echoes any seq (up to 2^32 - 1); many calls on one connection;
# a request that comes one byte at a time; two requests in one write.
t_framing() {
	rpc_config
	up || return
	call informer.List true --calls 50
	check "50 calls on one connection: exit $RC: $ERR" [ "$RC" -eq 0 ]
	check "50 calls on one connection: $(grep -c . "$D/out") results" \
	    [ "$(grep -cxF '["ticker"]' "$D/out")" -eq 50 ]
	call informer.List true --calls 5 --seq 4294967290
	check "seq 4294967290 and up: exit $RC: $ERR" [ "$RC" -eq 0 ]
	call informer.Workers '"ticker"' --dribble
	check "a request one byte at a time: exit $RC: $ERR" [ "$RC" -eq 0 ]
	local two
	two=$("$RPC" --frame 8 1,13 informer.Listtrue)$("$RPC" --frame 8 2,11 \
	    rpc.Versiontrue)
	call --send-hex "$two" --frames 2 --timeout 10
	"$RPC" --decode "$OUT" >"$D/frames"
	check "two requests in one write: $(cat "$D/frames")" \
	    grep -qx 'flags=0x08 options=1,13 payload=informer.List\["ticker"\]' \
	    "$D/frames"
	check "two requests in one write: $(cat "$D/frames")" \
	    grep -qE '^flags=0x08 options=2,11 payload=rpc.Version"' "$D/frames"
}

# Malformed frames: rr closes that connection, logs it, and goes on: a
# connection opened before still gets answers, ticks go on.  A malformed
# argument in a good frame is no reason to close anything.
t_malformed() {
	rpc_config
	up || return
	session_start
	session "informer.List"
	check "session before the attacks: $OUT" [ "$OUT" = 'OK ["ticker"]' ]
	local what args w n
	while IFS='|' read -r what args <&3; do
		w=$(rpc_warnings)
		n=$(rec_count recv)
		# shellcheck disable=SC2086
		call --send-hex "$("$RPC" --frame $args)" --timeout 20
		check "$what: the connection was not closed in 20s" \
		    [ "$ERR" = eof ]
		check "$what: nothing logged at warn about it" \
		    wait_for 10 more_warnings "$w"
		check "rr died of $what" alive "$RRPID" || return
		session "informer.List"
		check "the session after $what: $OUT" [ "$OUT" = 'OK ["ticker"]' ]
		check "no more ticks after $what" wait_rec recv $((n + 3))
	done 3<<'EOF'
bad CRC|8 1,13 informer.Listtrue --bad-crc
one option|8 1 informer.Listtrue
three options|8 1,13,0 informer.Listtrue
no options|8 - informer.Listtrue
options[1] beyond the payload|8 1,99 informer.Listtrue
EOF
	session 'informer.Workers {not json'
	check "a bad argument: $OUT" grep -qE '^(OK|ERR) ' <<<"$OUT"
	session "rpc.Version"
	check "the session after a bad argument: $OUT" grep -q '^OK "' <<<"$OUT"
}

# A header announcing 4 GiB: rr must not try to hold it.  Whether it
# closes the connection at once or waits is its choice; it stays small
# and keeps answering others.
t_huge() {
	rpc_config
	up || return
	local rss0 peak
	rss0=$(proc_kb "$RRPID" VmRSS)
	"$RPC" "$ADDR" --send-hex "$("$RPC" --frame 8 1,13 informer.Listtrue \
	    --length 4294967295)" --timeout 300 >"$D/huge.out" 2>&1 &
	helper $!
	call informer.List true --calls 20
	check "calls beside a 4 GiB header: exit $RC: $ERR" [ "$RC" -eq 0 ]
	peak=$(proc_kb "$RRPID" VmHWM)
	check "rr's peak RSS $peak kB, at start $rss0 kB" \
	    [ "$peak" -le $((rss0 + 32768)) ]
}

# --- many and silent clients, limits -----------------------------------------

# 16 clients at once, 25 calls each, all answered.
t_many() {
	rpc_config
	up || return
	local i pids= p bad=0
	for i in $(seq 16); do
		"$RPC" "$ADDR" informer.Workers '"ticker"' --calls 25 \
		    >"$D/many.$i" 2>&1 &
		pids="$pids $!"
		helper $!
	done
	for p in $pids; do
		wait "$p" || bad=$((bad + 1))
	done
	check "$bad of 16 concurrent clients failed: $(cat "$D"/many.* |
	    grep -v '^{' | head -n 3)" [ "$bad" -eq 0 ]
	check "16 x 25 calls: $(cat "$D"/many.* | grep -c '^{"workers":\[') replies" \
	    [ "$(cat "$D"/many.* | grep -c '^{"workers":\[')" -eq 400 ]
}

# Clients that connect and say nothing, or stop in the middle of a frame,
# hold up no one else.  The half-frame ones first make a call, so rr has
# surely taken their connection before the test goes on.
t_silent() {
	rpc_config
	up || return
	local i hex
	for i in 1 2; do
		"$RPC" "$ADDR" --send-hex '' --timeout 300 >/dev/null 2>&1 &
		helper $!
	done
	hex=$("$RPC" --frame 8 1,13 informer.Listtrue)
	for i in 14 32 44; do	# inside the header, the options, the payload
		"$RPC" "$ADDR" rpc.Version --send-hex "${hex:0:$i}" \
		    --timeout 300 >"$D/half.$i" 2>&1 &
		helper $!
		check "a half-frame client's first call got no answer in 10s" \
		    wait_for 10 grep -q '^"' "$D/half.$i"
	done
	call informer.List true --calls 20
	check "calls beside silent clients: exit $RC: $ERR" [ "$RC" -eq 0 ]
	call informer.Workers '"ticker"'
	check "informer.Workers beside silent clients: exit $RC: $ERR" \
	    [ "$RC" -eq 0 ]
}

# max_connections: 3 connections are served; a 4th is closed and rr warns;
# once one of the three is gone a new one is served again.
t_max_connections() {
	RPC_EXTRA='  max_connections: 3' rpc_config
	limit_test 3
}

# The default limit is 64.
t_max_connections_default() {
	rpc_config
	limit_test 64
}

limit_test() {	# n: the limit in force
	up || return
	local w bad
	w=$(rpc_warnings)
	bad=$(python3 - "$ADDR" "$1" <<'EOF' 2>&1
import sys, time, rpc
addr, n = sys.argv[1], int(sys.argv[2])
held = []
for i in range(n):
    c = rpc.Client(addr)
    c.call("rpc.Version")	# proves rr has taken this one
    held.append(c)
try:
    extra = rpc.Client(addr, timeout=10)
    extra.call("rpc.Version")
    sys.exit("connection %d of a limit of %d was answered" % (n + 1, n))
except rpc.ConnectError:
    pass
except rpc.Timeout:
    sys.exit("connection %d was neither answered nor closed in 10s" % (n + 1))
for c in held[1:]:
    c.call("rpc.Version")
held[0].close()
end = time.monotonic() + 10	# rr sees the close at its own pace
while True:
    try:
        rpc.Client(addr, timeout=10).call("rpc.Version")
        break
    except rpc.ConnectError:
        if time.monotonic() > end:
            sys.exit("no new connection served in 10s after one closed")
        time.sleep(0.05)
EOF
	) || fail "limit of $1: $bad"
	check "no warning logged when the limit was reached" \
	    wait_for 10 more_warnings "$w"
}

# idle_timeout: 1s closes a connection that never said anything, one that
# went quiet after a call, and one stuck in the middle of a frame.  A
# connection that calls every 100 ms for 4 s stays (ten times the margin).
t_idle_timeout() {
	RPC_EXTRA='  idle_timeout: 1s' rpc_config
	up || return
	local hex p pids= i=0
	hex=$("$RPC" --frame 8 1,13 informer.Listtrue)
	"$RPC" "$ADDR" --send-hex '' --timeout 60 >/dev/null 2>"$D/idle.0" &
	pids="$pids $!" && helper $!
	"$RPC" "$ADDR" rpc.Version --send-hex '' --timeout 60 \
	    >/dev/null 2>"$D/idle.1" &
	pids="$pids $!" && helper $!
	"$RPC" "$ADDR" --send-hex "${hex:0:30}" --timeout 60 \
	    >/dev/null 2>"$D/idle.2" &
	pids="$pids $!" && helper $!
	call rpc.Version true --calls 40 --pause 0.1
	check "a connection calling every 100 ms was cut: exit $RC: $ERR" \
	    [ "$RC" -eq 0 ]
	for p in $pids; do
		check "idle client $i still connected after 60s: $(cat "$D/idle.$i")" \
		    wait_exit "$p" 65 &&
		    check "idle client $i: $(cat "$D/idle.$i")" \
		    grep -qx eof "$D/idle.$i"
		i=$((i + 1))
	done
}

# --- unix sockets ------------------------------------------------------------

# A unix socket: created mode 0600, answers, and is RR_RPC.
t_unix() {
	rpc_config "unix://$D/rpc.sock"
	up || return
	check "$D/rpc.sock is not a socket" [ -S "$D/rpc.sock" ]
	check "$D/rpc.sock has mode $(stat -c %a "$D/rpc.sock"), want 600" \
	    [ "$(stat -c %a "$D/rpc.sock")" = 600 ]
	call informer.List true
	expect_ok "informer.List on a unix socket" '["ticker"]'
	check "RR_RPC is not $ADDR: $(rec_lines env | grep RR_RPC=)" \
	    rec_match "^env .* RR_RPC=unix://$D/rpc\.sock\$"
}

# The socket file of an rr killed by SIGKILL is taken over at the next start.
t_unix_stale() {
	rpc_config "unix://$D/rpc.sock"
	up || return
	kill -KILL "$RRPID"
	wait "$RRPID" 2>/dev/null
	check "no socket file left by the killed rr" [ -S "$D/rpc.sock" ] ||
	    return
	mv "$D/rr.log" "$D/rr.log.1"
	up || return
	call informer.List true
	expect_ok "informer.List after a stale socket" '["ticker"]'
}

# A socket a live rr listens on is not taken: the second rr exits 1 naming
# the address, and the first one still answers on it.
t_unix_in_use() {
	rpc_config "unix://$D/rpc.sock"
	in_use_test "$D/rpc.sock"
}

# The same for a TCP port.
t_tcp_in_use() {
	rpc_config
	in_use_test "${ADDR#tcp://}"
}

in_use_test() {	# what: the text the second rr's message must contain
	up || return
	rr_in_bg "$D/rr2.log" -c "$D/rr.yaml"
	local rc
	wait_exit "$RR2" 20
	rc=$?
	check "a second rr on $ADDR: exit $rc, want 1 (124: still running)" \
	    [ "$rc" -eq 1 ]
	check "the second rr does not name $1: $(tail -n 3 "$D/rr2.log")" \
	    grep -qF -- "$1" "$D/rr2.log"
	call informer.List true
	expect_ok "the first rr after the second one gave up" '["ticker"]'
}

# --- rr workers, rr reset ----------------------------------------------------

rr_cli() {	# args...: rr ARGS run in $D; output in $D/cli, code in $RC
	(cd "$D" && "$RR" "$@") >"$D/cli" 2>&1
	RC=$?
}

has_header() {	# a line of $D/cli has every column name, in any case
	grep -i 'PID' "$D/cli" | grep -i 'Status' | grep -i 'Execs' |
	    grep -i 'Memory' | grep -iF 'CPU%' | grep -qi 'Created'
}

# Loose on layout: the title, one header line, and for each pid a line
# with the pid and its status.
table_ok() {	# why pid...: $D/cli is a workers table listing these pids
	local why=$1 p
	shift
	check "$why: exit $RC: $(head -c 300 "$D/cli")" [ "$RC" -eq 0 ] || return
	check "$why: no 'Workers of [ticker]:' line" \
	    grep -qF 'Workers of [ticker]:' "$D/cli"
	check "$why: no header with PID, Status, Execs, Memory, CPU%, Created" \
	    has_header
	for p in "$@"; do
		check "$why: no ready or working row for pid $p: $(cat "$D/cli")" \
		    grep -qE "(^|[^0-9])$p([^0-9].*)?(ready|working)" "$D/cli"
	done
}

# rr workers, found through -c, through the config in the current
# directory, and with the plugin named.
t_cli_workers() {
	rpc_config
	up || return
	rr_cli workers -c "$D/rr.yaml"
	table_ok "rr workers -c" $(live_workers)
	rr_cli workers
	table_ok "rr workers (rr.yaml in the current directory)" $(live_workers)
	rr_cli workers ticker
	table_ok "rr workers ticker" $(live_workers)
}

# -o and --dotenv find rpc.listen as rr serve does.
t_cli_flags() {
	local port
	port=$(free_port)
	ADDR=tcp://127.0.0.1:$port
	basic_config "$TW echo -r $D/rec" 100ms 2
	up 2 -o "rpc.listen=$ADDR" || return
	rr_cli workers -o "rpc.listen=$ADDR"
	table_ok "rr workers -o rpc.listen=..." $(live_workers)
	stop_rr
	rpc_config '${RPC_ADDR}'
	ADDR=tcp://127.0.0.1:$(free_port)
	echo "RPC_ADDR=$ADDR" >"$D/vars.env"
	up 2 --dotenv "$D/vars.env" || return
	rr_cli workers --dotenv vars.env
	table_ok "rr workers --dotenv" $(ready_pids | tail -n 2)
}

# rr workers -i redraws until stopped: the workers of a reset show up in it.
t_cli_workers_interactive() {
	rpc_config '' 2 1h
	up || return
	"$RR" workers -i -c "$D/rr.yaml" >"$D/live" 2>&1 &
	local ipid=$! p
	helper "$ipid"
	for p in $(ready_pids); do
		check "pid $p not in rr workers -i in 10s" \
		    wait_for 10 grep -qE "(^|[^0-9])$p([^0-9]|\$)" "$D/live"
	done
	kill -HUP "$RRPID"
	wait_count "$(msg pool 'worker ready')" 4 ||
	    { fail "fewer than 2 new workers ready in 20s"; return; }
	for p in $(ready_pids | tail -n 2); do
		check "new worker $p not in rr workers -i in 10s" \
		    wait_for 10 grep -qE "(^|[^0-9])$p([^0-9]|\$)" "$D/live"
	done
	kill -TERM "$ipid"
	check "rr workers -i alive 10s after SIGTERM" wait_for 10 dead "$ipid"
}

# rr reset says what it resets and replaces every worker.
t_cli_reset() {
	rpc_config '' 2 1h
	up || return
	local old new p
	old=$(ready_pids)
	rr_cli reset
	check "rr reset: exit $RC: $(cat "$D/cli")" [ "$RC" -eq 0 ]
	check "rr reset: no 'resetting plugin: [ticker]': $(cat "$D/cli")" \
	    grep -qF 'resetting plugin: [ticker]' "$D/cli"
	check "rr reset: no 'plugin reset: [ticker]': $(cat "$D/cli")" \
	    grep -qF 'plugin reset: [ticker]' "$D/cli"
	wait_count "$(msg pool 'worker ready')" 4 ||
	    { fail "fewer than 2 new workers ready in 20s after rr reset"; return; }
	new=$(ready_pids | tail -n +3)
	check "pids before ($old) and after ($new) rr reset overlap" \
	    [ -z "$(comm -12 <(sort <<<"$old") <(sort <<<"$new"))" ]
	for p in $old; do
		check "old worker $p alive 10s after rr reset" wait_for 10 dead "$p"
	done
	rr_cli reset -c "$D/rr.yaml" ticker
	check "rr reset ticker: exit $RC: $(cat "$D/cli")" [ "$RC" -eq 0 ]
	check "rr reset ticker: fewer than 2 more workers ready in 20s" \
	    wait_count "$(msg pool 'worker ready')" 6
}

# rr workers and rr reset with no rr listening: exit 1, naming the address.
t_cli_not_running() {
	rpc_config
	local cmd
	for cmd in workers reset; do
		rr_cli "$cmd"
		check "rr $cmd, nothing listening on $ADDR: exit $RC, want 1" \
		    [ "$RC" -eq 1 ]
		check "rr $cmd does not name ${ADDR#tcp://}: $(head -c 300 "$D/cli")" \
		    grep -qF "${ADDR#tcp://}" "$D/cli"
	done
	rpc_config "unix://$D/none.sock"
	rr_cli workers
	check "rr workers, no socket: exit $RC, want 1" [ "$RC" -eq 1 ]
	check "rr workers does not name $D/none.sock: $(head -c 300 "$D/cli")" \
	    grep -qF "$D/none.sock" "$D/cli"
}

# --- rr stop -----------------------------------------------------------------

# rr stop, from elsewhere, finds the .pid beside the config: SIGTERM, and
# the served rr stops cleanly.
t_cli_stop() {
	rpc_config
	up 2 -p || return
	wait_for 10 grep -qx "$RRPID" "$D/.pid" ||
	    { fail "no .pid with rr's pid in 10s"; return; }
	(cd / && "$RR" stop -c "$D/rr.yaml") >"$D/cli" 2>&1
	RC=$?
	check "rr stop: exit $RC: $(cat "$D/cli")" [ "$RC" -eq 0 ]
	wait_exit "$RRPID" 30
	RC=$?
	check "rr exited $RC after rr stop, want 0" [ "$RC" -eq 0 ]
	check "no 'stopping' line with SIGTERM" \
	    has_log "$(msg rr stopping).*signal=\"?(SIG)?TERM"
	no_workers_left
}

# rr stop -f: SIGKILL.
t_cli_stop_force() {
	rpc_config
	up 2 -p || return
	wait_for 10 grep -qx "$RRPID" "$D/.pid" ||
	    { fail "no .pid with rr's pid in 10s"; return; }
	rr_cli stop -f
	check "rr stop -f: exit $RC: $(cat "$D/cli")" [ "$RC" -eq 0 ]
	wait_exit "$RRPID" 30
	RC=$?
	check "rr exited $RC after rr stop -f, want 137 (SIGKILL)" [ "$RC" -eq 137 ]
}

# rr stop with no .pid fails and kills nothing.
t_cli_stop_no_pid() {
	rpc_config
	up || return
	rr_cli stop
	check "rr stop without a .pid: exit $RC, want non-zero" [ "$RC" -ne 0 ]
	check "rr died of an rr stop without a .pid" alive "$RRPID"
}

scenario rpc-selftest t_selftest
scenario rpc-env t_env
scenario rpc-none t_none
scenario rpc-public-warning t_public
scenario rpc-informer t_informer
scenario rpc-informer-busy t_informer_busy
scenario rpc-resetter t_resetter
scenario rpc-version t_version
scenario rpc-stats t_stats
scenario rpc-stats-busy t_stats_busy
scenario rpc-errors t_errors
scenario rpc-codecs t_codecs
scenario rpc-framing t_framing
scenario rpc-malformed t_malformed
scenario rpc-huge-header t_huge
scenario rpc-many-clients t_many
scenario rpc-silent-clients t_silent
scenario rpc-max-connections t_max_connections
scenario rpc-max-connections-default t_max_connections_default
scenario rpc-idle-timeout t_idle_timeout
scenario rpc-unix t_unix
scenario rpc-unix-stale t_unix_stale
scenario rpc-unix-in-use t_unix_in_use
scenario rpc-tcp-in-use t_tcp_in_use
scenario cli-workers t_cli_workers
scenario cli-workers-flags t_cli_flags
scenario cli-workers-interactive t_cli_workers_interactive
scenario cli-reset t_cli_reset
scenario cli-rpc-not-running t_cli_not_running
scenario cli-stop t_cli_stop
scenario cli-stop-force t_cli_stop_force
scenario cli-stop-no-pid t_cli_stop_no_pid

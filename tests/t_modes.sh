# Pool and log modes: debug pools (a fresh worker per tick), max_jobs, and
# logs.mode development / production (JSON) / raw / off, logs.level.
. "$(dirname "$0")/lib.sh"

t_debug_pool() {	# debug: true spawns a worker for each tick, stops it after
	POOL_EXTRA='    debug: true' basic_config "$TW echo -r $D/rec" 300ms 1
	start_rr || return
	wait_rec recv 4 30 || { fail "fewer than 4 ticks in 30s"; return; }
	local pids
	pids=$(rec_lines recv | head -n 4 | rec_field pid | sort -u | wc -l)
	check "4 ticks came from $pids distinct workers, want 4" [ "$pids" -eq 4 ]
	check "ticks are not numbered 0, 1, 2...: $(ticks | consecutive)" \
	    eval 'ticks | consecutive >/dev/null'
	check "no worker stopped after its tick" \
	    wait_log "$(msg pool 'worker stopped').*reason=debug"
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
	no_workers_left
}

t_max_jobs() {		# a worker is replaced after max_jobs ticks
	POOL_EXTRA='    max_jobs: 3' basic_config "$TW echo -r $D/rec" 50ms 1
	start_rr || return
	wait_rec recv 10 30 || { fail "fewer than 10 ticks in 30s"; return; }
	local most
	most=$(rec_lines recv | rec_field pid | sort | uniq -c | sort -rn |
	    awk 'NR == 1 { print $1 }')
	check "a worker served $most ticks with max_jobs: 3" [ "$most" -le 3 ]
	check "no 'worker stopped ... reason=max_jobs' line" \
	    has_log "$(msg pool 'worker stopped').*reason=max_jobs"
	stop_rr
	check_counters
}

logs_config() {		# mode level: a 50 ms ticker; the worker logs each tick
	basic_config "$TW ${3:-echo} -v" 50ms 1
	sed -i "s/^  level: debug/  level: $2/; s/^  mode: development/  mode: $1/" \
	    "$D/rr.yaml"
}

launch() {		# rr serve -s, without waiting for a development line
	"$RR" serve -s -c "$D/rr.yaml" >"$D/rr.log" 2>&1 &
	RRPID=$!
}

t_production_json() {	# every line is a JSON object with level, ts, logger, msg
	command -v php >/dev/null || return 0
	logs_config production debug
	launch
	check "no worker line in JSON" \
	    wait_for 20 grep -q '"logger":"worker"' "$D/rr.log"
	stop_rr
	local bad
	bad=$(php -r '
		foreach (file($argv[1]) as $i => $l) {
			$o = json_decode($l, true);
			if (!is_array($o) || !isset($o["level"], $o["ts"],
			    $o["logger"], $o["msg"]))
				echo "line ", $i + 1, ": $l";
		}' "$D/rr.log")
	check "lines that are not JSON log objects: $bad" [ -z "$bad" ]
}

t_raw() {		# raw: the bare message
	logs_config raw debug
	launch
	check "raw mode: no bare worker line" \
	    wait_for 20 grep -q '^tworker echo pid=' "$D/rr.log"
	stop_rr
}

t_off() {		# off: not one line, whatever happens
	logs_config off debug error
	launch
	sleep 1		# nothing to wait for: no line ever comes
	stop_rr
	check "logs.mode off wrote: $(head -c 200 "$D/rr.log")" \
	    [ ! -s "$D/rr.log" ]
}

t_level_warn() {	# logs.level: warn hides workers' stderr and info lines
	logs_config development warn error
	launch
	check "no 'tick failed' error line at level warn" \
	    wait_log "$(msg ticker 'tick failed')"
	stop_rr
	check "worker stderr shown at level warn" \
	    eval '! grep -qE " worker +tworker" "$D/rr.log"'
	check "debug or info lines at level warn" \
	    eval '! grep -qE "^[^ ]+ (DEBUG|INFO) " "$D/rr.log"'
}

t_output_stdout() {	# logs.output: stdout puts the lines on stdout only
	logs_config development debug
	printf '  output: stdout\n' >>"$D/rr.yaml"
	"$RR" serve -s -c "$D/rr.yaml" >"$D/rr.log" 2>"$D/err" &
	RRPID=$!
	check "no tick lines on stdout" wait_log "$(msg ticker 'tick done')"
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
	check "stderr is not empty: $(head -c 200 "$D/err")" [ ! -s "$D/err" ]
}

# rr's output is a socket (as journald's stdout is) that stops being read:
# rr goes on ticking, and once read again it says how many lines it dropped.
t_output_socket() {
	basic_config "$TW echo -v -r $D/rec" 20ms 1
	local ticks
	ticks=$(python3 - "$RR" "$D" <<'EOF'
import socket, subprocess, sys, time
rr, d = sys.argv[1], sys.argv[2]
ours, theirs = socket.socketpair()
for s in (ours, theirs):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
rr = subprocess.Popen([rr, 'serve', '-s', '-c', d + '/rr.yaml'],
                      stdout=theirs, stderr=theirs)
theirs.close()
log = open(d + '/rr.log', 'ab')
def received():
    try:
        return sum(1 for l in open(d + '/rec') if l.startswith('recv '))
    except OSError:
        return 0
def drain(seconds):
    ours.settimeout(0.05)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            log.write(ours.recv(65536))
        except socket.timeout:
            pass
try:
    drain(1)
    before = received()
    time.sleep(3)                       # nobody reads rr's output now
    print(received() - before)
    drain(2)
finally:
    rr.terminate()
    rr.wait(30)
    drain(0.5)
EOF
)
	check "rr served ${ticks:-no} ticks in 3 s while its output was not read" \
	    [ "${ticks:-0}" -ge 30 ]
	check "no line says how many log lines were dropped" \
	    has_log "$(msg rr 'log lines dropped: the output was full').*count="
}

scenario logs-output-stdout t_output_stdout
scenario logs-output-stalled-socket t_output_socket
scenario modes-debug-pool t_debug_pool
scenario modes-max-jobs t_max_jobs
scenario logs-production-json t_production_json
scenario logs-raw t_raw
scenario logs-off t_off
scenario logs-level-warn t_level_warn

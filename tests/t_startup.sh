# Start-up: rr never waits for its output, even before its loop runs, and
# a signal then stops it cleanly; a relative logs.output means the work
# directory, at start and on SIGUSR1; the fd limit is raised or the pool
# refused; and in production mode every line rr writes is JSON.
. "$(dirname "$0")/lib.sh"

FULLPIPE=$TOP/tests/helpers/fullpipe.py

# rr serve with fd 1 or 2 on a full pipe that nobody reads; the other to
# $D/rr.log.  Sets HOLDER (the pipe's holder, which exits as rr does).
start_on_full_pipe() {	# fd
	: >"$D/rr.log"
	if [ "$1" = 1 ]; then
		"$FULLPIPE" 1 "$D/rr.pid" "$RR" serve -c "$D/rr.yaml" \
		    2>>"$D/rr.log" &
	else
		"$FULLPIPE" 2 "$D/rr.pid" "$RR" serve -c "$D/rr.yaml" \
		    >>"$D/rr.log" &
	fi
	HOLDER=$!
	wait_for 20 test -s "$D/rr.pid" || { fail "no rr pid in 20s"; return 1; }
	RRPID=$(cat "$D/rr.pid")
}

# stdout full (a supervisor's pipe nobody drains): the start-up line is
# dropped, not waited for, so the workers start and SIGTERM works.
t_stdout_full() {
	basic_config "$TW echo -r $D/rec" 100ms 1
	start_on_full_pipe 1 || return
	check "no worker ready in 20s with stdout full" \
	    wait_log "$(msg pool 'worker ready')"
	kill -TERM "$RRPID"
	wait_exit "$HOLDER" 20
	check "rr exited $? on SIGTERM with stdout full" [ $? -eq 0 ]
}

# stderr full, with a config warning to write on it: the warning is
# dropped (and counted), the workers start, and SIGINT stops rr cleanly.
t_stderr_full() {
	basic_config "$TW echo -r $D/rec" 100ms 1
	printf 'colour: blue\n' >>"$D/rr.yaml"
	start_on_full_pipe 2 || return
	check "no worker started in 20s with stderr full" wait_rec start 1
	kill -INT "$RRPID"
	wait_exit "$HOLDER" 20
	check "rr exited $? on SIGINT with stderr full" [ $? -eq 0 ]
}

# A relative logs.output is opened in the work directory, where SIGUSR1
# (logrotate's postrotate) reopens it.
t_log_relative() {
	mkdir "$D/conf"
	basic_config "$TW echo" 1h 1
	printf '  output: rr.log\n' >>"$D/rr.yaml"	# under logs:
	mv "$D/rr.yaml" "$D/conf/rr.yaml"
	(cd "$D" && exec "$RR" serve -c conf/rr.yaml) >"$D/out" 2>&1 &
	RRPID=$!
	local log=$D/conf/rr.log
	check "no 'rr started' in conf/rr.log in 20s" \
	    wait_for 20 grep -q 'rr started' "$log"
	check "a log file in the directory rr was started from" \
	    [ ! -e "$D/rr.log" ]
	mv "$log" "$log.1"
	kill -USR1 "$RRPID"
	kill -USR2 "$RRPID"
	check "no counters line in the reopened conf/rr.log in 20s" \
	    wait_for 20 grep -q 'counters' "$log"
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
}

nofile() {	# pid: its soft and hard limits on open files
	awk '/^Max open files/ { print $4, $5 }' "/proc/$1/limits"
}

# Under a soft limit far below the hard one (systemd's 1024), rr raises
# its own, as Go programs do, and gives the workers the old one back.
t_nofile_raised() {
	basic_config "$TW echo -r $D/rec" 1h 20
	: >"$D/rr.log"
	bash -c 'ulimit -Sn 100 && exec "$@"' - "$RR" serve -c "$D/rr.yaml" \
	    >>"$D/rr.log" 2>&1 &
	RRPID=$!
	wait_count "$(msg pool 'worker ready')" 20 ||
	    { fail "fewer than 20 workers ready in 20s"; return; }
	local lim w
	lim=$(nofile "$RRPID")
	check "rr's limits are \"$lim\": soft not raised to hard" \
	    [ "${lim% *}" = "${lim#* }" ]
	w=$(first_pid "$(msg pool 'worker ready')")
	check "a worker's soft limit is $(nofile "$w"), not the 100 rr had" \
	    [ "$(nofile "$w" | cut -d' ' -f1)" = 100 ]
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
}

# A hard limit the pool cannot fit in: a config error at start, with the
# figures, instead of "Too many open files" every 100 ms for ever.
t_nofile_too_low() {
	basic_config "$TW echo" 1h 40
	bash -c 'ulimit -n 100 && exec timeout 20 "$@"' - "$RR" serve \
	    -c "$D/rr.yaml" >"$D/out" 2>&1
	local rc=$?
	check "rr exited $rc under ulimit -n 100 with 40 workers, want 78" \
	    [ "$rc" -eq 78 ]
	check "the message lacks the figures: $(head -c 300 "$D/out")" \
	    grep -qE 'num_workers: 40 workers need [0-9]+ open files .* the limit is 100' \
	    "$D/out"
}

# logs.mode production: every line on stderr is JSON, the config's
# warnings and the start-up included.
t_json_only() {
	basic_config "$TW echo -v" 100ms 1
	sed -i 's/mode: development/mode: production/' "$D/rr.yaml"
	printf 'colour: blue\n' >>"$D/rr.yaml"
	: >"$D/rr.log"
	"$RR" serve -c "$D/rr.yaml" >>"$D/rr.log" 2>&1 &
	RRPID=$!
	check "no tick done in 20s" \
	    wait_for 20 grep -q '"msg":"tick done"' "$D/rr.log"
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
	check "lines that are not JSON: $(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    try:
        json.loads(line)
    except ValueError:
        print(line.strip()[:120])' "$D/rr.log" | head -3)" python3 -c '
import json, sys
for line in open(sys.argv[1]):
    json.loads(line)' "$D/rr.log"
	check "no JSON config warning" \
	    grep -q '"logger":"config","msg":"[^"]*rr.yaml:[0-9:]* colour: unknown key' \
	    "$D/rr.log"
}

scenario stdout-full t_stdout_full
scenario stderr-full t_stderr_full
scenario log-output-relative t_log_relative
scenario nofile-raised t_nofile_raised
scenario nofile-too-low t_nofile_too_low
scenario json-only t_json_only

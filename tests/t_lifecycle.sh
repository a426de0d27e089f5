# Timeouts, on_init, the pid file, log reopening and level filtering: the
# keys that shape rr's life cycle rather than a worker's.
. "$(dirname "$0")/lib.sh"

ready() {	# n: start rr and wait for n workers ready
	start_rr || return
	wait_count "$(msg pool 'worker ready')" "$1" ||
	    { fail "fewer than $1 workers ready in 20s"; return 1; }
}

elapsed_ms() {	# start_us
	echo $((($(now_us) - $1) / 1000))
}

# Stop rr with a grace period and check the stop took lo..hi ms, needed a
# signal (exit 1), logged the ERE and left nothing behind.
timed_stop() {	# grace workers lo_ms hi_ms ERE
	write_config <<EOF
$(cat "$D/rr.yaml")
endure:
  grace_period: $1
EOF
	ready "$2" || return
	local t0 rc ms
	t0=$(now_us)
	stop_rr
	rc=$? ms=$(elapsed_ms "$t0")
	check "rr exited $rc, want 1 (a worker needed a signal)" [ "$rc" -eq 1 ]
	check "rr took $ms ms, want $3..$4" between "$ms" "$3" "$4"
	check "no line /$5/" has_log "$5"
	no_workers_left
}

# destroy_timeout: a worker that ignores the stop frame gets SIGTERM after
# it, long before the grace period ends.
t_destroy_timeout() {
	DESTROY_TIMEOUT=1s basic_config "$TW echo -i" 100ms 1
	timed_stop 30s 1 950 15000 \
	    "$(msg pool 'worker did not stop in time, SIGTERM')"
}

# endure.grace_period bounds the whole stop, even when destroy_timeout is
# longer and the worker ignores both the stop frame and SIGTERM.
t_grace_period() {
	DESTROY_TIMEOUT=60s basic_config "$TW echo -i -T" 100ms 2
	timed_stop 2s 2 1500 15000 "$(msg pool 'worker killed')"
}

# reset_timeout: SIGHUP waits for a busy worker only that long, then stops
# it although it is still in its (10 s) tick and ignores the stop frame.
t_reset_timeout() {
	POOL_EXTRA='    reset_timeout: 1s' \
	    basic_config "$TW echo -i -d 10000 -r $D/rec" 100ms 1
	ready 1 || return
	wait_rec recv 1 || { fail "no tick received in 20s"; return; }
	local p t0 ms re
	p=$(ready_pids | head -n 1)
	t0=$(now_us)
	kill -HUP "$RRPID"
	re=$(msg pool 'worker did not stop in time, SIGTERM')
	wait_log "$re" 20 || { fail "no '$re' in 20s"; return; }
	ms=$(elapsed_ms "$t0")
	check "the busy worker got SIGTERM after $ms ms, want 950..8000" \
	    between "$ms" 950 8000
	check "worker $p still runs" wait_for 10 dead "$p"
	check "no new worker ready" wait_for 10 other_ready "$p"
}

# allocate_timeout means nothing here, and rr says so.
t_allocate_timeout() {
	POOL_EXTRA='    allocate_timeout: 10s' basic_config "$TW echo" 100ms 1
	start_rr || return
	check "no warning about allocate_timeout" has_log \
	    "WARN .*allocate_timeout has no effect.*allocate_timeout_ms=10000"
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
}

on_init_config() {	# command exit_on_error
	SERVER_EXTRA="  on_init:
    command: \"$1\"
    exec_timeout: 5s
    exit_on_error: $2
    env:
      INIT_WORD: hello" basic_config "$TW echo" 100ms 1
}

# on_init runs first, its output is logged, and workers start after it.
t_on_init_ok() {
	on_init_config "sh -c 'printenv INIT_WORD; touch $D/init'" false
	ready 1 || return
	check "on_init did not run" [ -e "$D/init" ]
	check "its output was not logged" \
	    has_log "$(msg on_init hello)"
	local done_at spawn_at
	done_at=$(log_lines "$(msg pool 'on_init done')" | log_ms)
	spawn_at=$(log_lines "$(msg pool 'worker spawned')" | head -n 1 | log_ms)
	check "a worker spawned ($spawn_at) before on_init was done ($done_at)" \
	    [ -n "$done_at" ] && [ "$spawn_at" -ge "$done_at" ]
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
}

# A failing on_init is a warning unless exit_on_error says it is fatal.
t_on_init_fails() {
	on_init_config "sh -c 'echo init broke >&2; exit 3'" false
	ready 1 || return
	check "no warning with the exit status" \
	    has_log "WARN.*$(msg pool 'on_init failed').*status=3"
	check "its stderr was not logged" has_log "$(msg on_init 'init broke')"
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
}

t_on_init_fatal() {
	on_init_config "sh -c 'exit 3'" true
	start_rr || return
	local rc
	wait_exit "$RRPID" 20
	rc=$?
	check "rr exited $rc, want 1" [ "$rc" -eq 1 ]
	check "no error with the exit status" \
	    has_log "ERROR.*$(msg pool 'on_init failed').*status=3"
	check "a worker was spawned" \
	    [ "$(count_log "$(msg pool 'worker spawned')")" -eq 0 ]
}

# exec_timeout ends an on_init that hangs, with what it started.
t_on_init_timeout() {
	SERVER_EXTRA="  on_init:
    command: \"sh -c 'sleep 1000 & echo \$! > $D/child; wait'\"
    exec_timeout: 500ms" basic_config "$TW echo" 100ms 1
	ready 1 || return
	check "no 'on_init killed' line" \
	    has_log "$(msg pool 'on_init killed').*reason=exec_timeout"
	check "on_init's child outlived it" wait_for 10 dead "$(cat "$D/child")"
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
}

# on_init.user: as root, on_init runs as that user.
t_on_init_user() {
	chmod 777 "$D"
	SERVER_EXTRA="  on_init:
    command: \"sh -c 'id -u > $D/uid'\"
    user: nobody" basic_config "$TW echo" 100ms 1
	ready 1 || return
	check "on_init ran as uid $(cat "$D/uid" 2>/dev/null), want nobody's" \
	    [ "$(cat "$D/uid" 2>/dev/null)" = "$(id -u nobody)" ]
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
}

# -p: written at start, refused while that rr lives, replaced when stale,
# removed on a clean exit.
t_pidfile_stale() {
	basic_config "$TW echo" 1s
	sh -c 'exit 0' &
	local dead_pid=$!
	wait "$dead_pid"
	echo "$dead_pid" >"$D/.pid"
	start_rr -p || return
	check "the stale .pid was not replaced" \
	    wait_for 10 grep -qx "$RRPID" "$D/.pid"
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
	check ".pid left behind after a clean exit" [ ! -e "$D/.pid" ]
}

# logs.output to a file: after logrotate moves it away, SIGUSR1 makes rr
# write to a new file of that name.
t_log_reopen() {
	basic_config "$TW echo" 100ms 1
	write_config <<EOF
$(sed '/^logs:/,$d' "$D/rr.yaml")
logs:
  level: debug
  output: $D/out.log
EOF
	start_rr_file || return
	mv "$D/out.log" "$D/out.log.1"
	kill -USR1 "$RRPID"
	check "no new log file after SIGUSR1" wait_for 10 \
	    grep -q 'tick done' "$D/out.log"
	local old
	old=$(wc -l <"$D/out.log.1")
	sleep 0.5
	check "rr still writes to the moved file" \
	    [ "$(wc -l <"$D/out.log.1")" -eq "$old" ]
	kill -TERM "$RRPID"
	wait_exit "$RRPID" 30
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
}

start_rr_file() {	# rr with logs.output set: wait on that file instead
	"$RR" serve -c "$D/rr.yaml" >"$D/rr.log" 2>&1 &
	RRPID=$!
	wait_for 20 grep -q 'tick done' "$D/out.log" ||
	    { fail "no 'tick done' in $D/out.log in 20s"; return 1; }
}

# logs.level info: workers' stderr shows (at info), rr's debug lines don't.
t_level_info() {
	basic_config "$TW echo -v" 100ms 1
	sed -i 's/^  level: debug$/  level: info/' "$D/rr.yaml"
	start_rr || return
	check "no worker stderr line at level info" \
	    wait_log "INFO  worker tworker got"
	stop_rr
	check "debug lines at level info" \
	    eval '! grep -qE "^[^ ]+ DEBUG " "$D/rr.log"'
}

# SIGUSR2: the counters, now, without stopping anything.
t_counters_signal() {
	basic_config "$TW echo" 100ms 1
	start_rr || return
	wait_log "$(msg ticker 'tick done')" || { fail "no tick in 20s"; return; }
	kill -USR2 "$RRPID"
	check "no counters line after SIGUSR2" wait_log "$(msg rr counters)"
	check "rr stopped on SIGUSR2" alive "$RRPID"
	check "counters do not add up" check_counters
	check "no ticks delivered by then" [ "$(counter delivered)" -ge 1 ]
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
}

scenario counters-on-sigusr2 t_counters_signal
scenario destroy-timeout t_destroy_timeout
scenario grace-period t_grace_period
scenario reset-timeout t_reset_timeout
scenario allocate-timeout-warning t_allocate_timeout
scenario on-init-ok t_on_init_ok
scenario on-init-fails t_on_init_fails
scenario on-init-exit-on-error t_on_init_fatal
scenario on-init-timeout t_on_init_timeout
if [ "$(id -u)" -eq 0 ]; then
	scenario on-init-user t_on_init_user
else
	echo "SKIP on-init-user: not root"
fi
scenario pidfile-stale t_pidfile_stale
scenario log-reopen t_log_reopen
scenario level-info-shows-workers t_level_info

# Workers that fail while serving: crashes, soft errors, bad frames, and a
# worker asking to be replaced.  With -o only the first worker process
# misbehaves; its replacement is a plain echo worker.
. "$(dirname "$0")/lib.sh"

# The first worker is gone, and another one serves ticks.
replaced() {	# pid
	check "worker $1 still alive 10s later" wait_for 10 dead "$1"
	check "no tick served by a new worker in 20s" \
	    wait_for 20 replied_by_other "$1"
	check "no new worker ready" wait_for 20 other_ready "$1"
}

stops_cleanly() {
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
}

crash_case() {	# crash options, ERE of the expected status/signal field
	basic_config "$TW echo -r $D/rec -o $D/once -c 3 $1" 100ms 1
	start_rr || return
	local re p
	re="$(msg pool 'worker exited').*$2"
	p=$(first_pid "$re") || { fail "no 'worker exited ... $2' in 20s"; return; }
	check "exit of $p logged without during=" \
	    grep -q . <<<"$(log_of "$(msg pool 'worker exited')" "$p" | field during)"
	check "no 'tick failed' for worker $p" \
	    grep -q . <<<"$(log_of "$(msg ticker 'tick failed')" "$p")"
	replaced "$p"
	stops_cleanly
	check "failed_crash=$(counter failed_crash), want 1" \
	    [ "$(counter failed_crash)" = 1 ]
}

t_crash_status() {
	crash_case "-e 5" 'status=5( |$)'
}

t_crash_signal() {
	crash_case "-k USR1" 'signal="?(SIG)?USR1'
}

# Every exec answers with an error frame: logged, and the worker stays.
t_soft_error() {
	basic_config "$TW error -r $D/rec" 100ms 1
	start_rr || return
	local re='worker error.*message="tworker soft error"' pids
	wait_count "$re" 3 || { fail "fewer than 3 '$re' in 20s"; return; }
	pids=$(log_lines "$re" | field pid | sort -u)
	check "errors from several pids: $pids" [ "$(wc -l <<<"$pids")" -eq 1 ]
	check "the erroring worker was replaced" [ "$(rec_count start)" -eq 1 ]
	check "a worker exited" [ "$(count_log "$(msg pool 'worker exited')")" -eq 0 ]
	stops_cleanly
	check "failed_soft_error=$(counter failed_soft_error), want >= 3" \
	    [ "$(counter failed_soft_error)" -ge 3 ]
	check_counters
}

# A worker whose output is no frame: killed, replaced, the bytes are shown.
bad_frame_case() {	# tworker mode and options, ERE for error=, for bytes=
	basic_config "$TW $1 -r $D/rec -o $D/once" 100ms 1
	start_rr || return
	local re line p
	re=$(msg pool 'bad frame from worker')
	wait_log "$re" || { fail "no 'bad frame from worker' in 20s"; return; }
	line=$(log_lines "$re" | head -n 1)
	p=$(field pid <<<"$line")
	check "error= not matching /$2/" grep -qiE "$2" <<<"$(field error <<<"$line")"
	check "bytes= not matching /$3/" grep -qE "$3" <<<"$(field bytes <<<"$line")"
	replaced "$p"
	stops_cleanly
}

# On a socket relay a worker's stdout is no longer the protocol: a stray
# echo is logged as its output, and breaks nothing.
stray_output_case() {	# tworker mode and options
	basic_config "$TW $1 -r $D/rec -o $D/once" 100ms 1
	start_rr || return
	check "stdout not logged as the worker's output" \
	    wait_log "$(msg worker 'hello from echo')"
	check "no tick done in 20s" wait_log "$(msg ticker 'tick done')"
	check "a stray echo was taken for a bad frame" \
	    [ "$(count_log "$(msg pool 'bad frame from worker')")" -eq 0 ]
}

t_garbage() {
	if on_socket; then
		# its stray line stands for the reply it never sends
		POOL_EXTRA='    supervisor: {exec_ttl: 1s}' \
		    stray_output_case garbage
		return
	fi
	bad_frame_case garbage . 'hello from e'
}

t_garbage_before_handshake() {
	if on_socket; then
		stray_output_case "echo -g"
		stops_cleanly
		return
	fi
	bad_frame_case "echo -g" . 'hello from e'
}

t_bad_crc() {
	bad_frame_case badcrc crc '^"?\\x14'
}

# "Replace me": context {"stop":true}, empty body.
t_replace_me() {
	basic_config "$TW stopme -r $D/rec -o $D/once" 100ms 1
	start_rr || return
	local re p
	re="$(msg pool 'worker replaced').*reason=replace_request"
	p=$(first_pid "$re") || { fail "no '$re' in 20s"; return; }
	replaced "$p"
	check "worker $p did not get the stop frame" \
	    rec_match "^exit .* pid=$p why=stop"
	stops_cleanly
}

scenario crash-status t_crash_status
scenario crash-signal t_crash_signal
scenario soft-error t_soft_error
scenario garbage-stdout t_garbage
scenario garbage-before-handshake t_garbage_before_handshake
scenario bad-crc t_bad_crc
scenario replace-me t_replace_me

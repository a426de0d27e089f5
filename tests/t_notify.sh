# Readiness: sd_notify over NOTIFY_SOCKET (READY, STATUS, RELOADING with
# MONOTONIC_USEC, STOPPING, the watchdog) and the s6-style ready fd
# (rr serve --ready-fd N).
#
# The listener is tests/helpers/notify.py --creds: $D/notes gets one line
# per datagram, "pid=SENDER KEY=VALUE|KEY=VALUE", and exists once the
# socket is bound.  The sender's pid is checked because systemd, with
# NotifyAccess=main, drops what does not come from rr itself.  Listeners
# and readers are helpers (lib.sh's helper), killed by the teardown.
. "$(dirname "$0")/lib.sh"

NOTIFY=$TOP/tests/helpers/notify.py
unset NOTIFY_SOCKET WATCHDOG_USEC WATCHDOG_PID	# a supervisor's, if any
SOCK=

# --- the listener ------------------------------------------------------------

listen() {	# [socket]: notify.py on $D/notify.sock (or @name), kept in $SOCK
	SOCK=${1:-$D/notify.sock}
	"$NOTIFY" --creds "$SOCK" "$D/notes" 2>"$D/notify.err" &
	helper $!
	wait_for 10 test -e "$D/notes" ||
	    { fail "notify.py did not bind $SOCK in 10s: $(cat "$D/notify.err")"
	      return 1; }
}

key_re() {	# KEY=VALUE ERE: the ERE of a note with such a line
	printf '^pid=[0-9]+ ([^|]*\\|)*%s(\\|.*)?$' "$1"
}

notes() {	# KEY=VALUE ERE: how many notes have such a line
	local n
	n=$(grep -cE -- "$(key_re "$1")" "$D/notes" 2>/dev/null)
	echo "${n:-0}"
}

has_note() {	# KEY=VALUE ERE [n=1]: at least n notes have such a line
	[ "$(notes "$1")" -ge "${2:-1}" ]
}

wait_note() {	# KEY=VALUE ERE [n=1 [timeout_s=20]]
	wait_for "${3:-20}" has_note "$1" "${2:-1}"
}

note_line() {	# KEY=VALUE ERE n: the line number of the n-th such note
	grep -nE -- "$(key_re "$1")" "$D/notes" | sed -n "${2}p" | cut -d: -f1
}

# Every note came from rr's own pid, and every line of each is KEY=VALUE.
notes_well_formed() {
	local others bad
	others=$(grep -v "^pid=$RRPID " "$D/notes" | head -n 3)
	check "notes not from rr (pid $RRPID): $others" [ -z "$others" ]
	bad=$(cut -d' ' -f2- "$D/notes" | tr '|' '\n' |
	    grep -vE '^[A-Z_]+=' | head -n 3)
	check "note lines that are not KEY=VALUE: $bad" [ -z "$bad" ]
}

mono_us() {	# CLOCK_MONOTONIC in microseconds, the clock of MONOTONIC_USEC
	python3 -c 'import time; print(time.monotonic_ns() // 1000)'
}

ready_workers() {	# n: wait for n "worker ready" lines
	wait_count "$(msg pool 'worker ready')" "$1" ||
	    { fail "fewer than $1 workers ready in 20s"; return 1; }
}

# --- sd_notify ---------------------------------------------------------------

# READY=1 once the first worker is ready (each handshake takes 300 ms
# here, so "at once" would be visibly early), once only, with a STATUS=
# line; STOPPING=1 on SIGTERM.
t_ready() {
	basic_config "$TW echo -r $D/rec -S 300" 100ms 2
	listen || return
	NOTIFY_SOCKET=$SOCK start_rr || return
	wait_note 'READY=1' ||
	    { fail "no READY=1 in 20s: $(head -c 300 "$D/notes")"; return; }
	check "READY=1 came before any 'worker ready' line" \
	    has_log "$(msg pool 'worker ready')"
	check "no STATUS= line in 10s: $(head -c 300 "$D/notes")" \
	    wait_note 'STATUS=.+' 1 10
	ready_workers 2 || return
	wait_rec reply 3 || { fail "fewer than 3 ticks in 20s"; return; }
	check "$(notes 'READY=1') READY=1 notes for one start, want 1" \
	    [ "$(notes 'READY=1')" -eq 1 ]
	kill -TERM "$RRPID"
	check "no STOPPING=1 in 20s after SIGTERM" wait_note 'STOPPING=1'
	wait_exit "$RRPID" 30
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
	notes_well_formed
}

# SIGHUP: RELOADING=1 with MONOTONIC_USEC (CLOCK_MONOTONIC, read after the
# signal was sent and before it was received here) in the same datagram,
# then READY=1 again once a new worker is ready.
t_reload() {
	basic_config "$TW echo -r $D/rec" 1h 2
	listen || return
	NOTIFY_SOCKET=$SOCK start_rr || return
	wait_note 'READY=1' || { fail "no READY=1 in 20s"; return; }
	ready_workers 2 || return
	local t0 t1 usec r
	t0=$(mono_us)
	kill -HUP "$RRPID"
	wait_note 'RELOADING=1' ||
	    { fail "no RELOADING=1 in 20s after SIGHUP: $(cat "$D/notes")"; return; }
	t1=$(mono_us)
	r=$(grep -E -- "$(key_re 'RELOADING=1')" "$D/notes" | head -n 1)
	usec=$(tr '|' '\n' <<<"${r#* }" | sed -n 's/^MONOTONIC_USEC=//p')
	check "no MONOTONIC_USEC=<number> beside RELOADING=1: $r" \
	    grep -qE '^[0-9]+$' <<<"$usec" &&
	    check "MONOTONIC_USEC=$usec is not CLOCK_MONOTONIC between $t0 and $t1" \
	    between "$usec" "$t0" "$t1"
	check "no second READY=1 in 20s after SIGHUP" wait_note 'READY=1' 2
	check "the second READY=1 is not after RELOADING=1" \
	    [ "$(note_line 'READY=1' 2)" -gt "$(note_line 'RELOADING=1' 1)" ]
	check "READY=1 after the reset came before a new worker was ready" \
	    has_log "$(msg pool 'worker ready')" 3
	kill -TERM "$RRPID"
	check "no STOPPING=1 in 20s after SIGTERM" wait_note 'STOPPING=1'
	wait_exit "$RRPID" 30
	notes_well_formed
}

# NOTIFY_SOCKET=@name: an abstract socket, as systemd may hand out.
t_abstract() {
	basic_config "$TW echo -r $D/rec" 100ms 1
	listen "@rr-test-$$-$RANDOM" || return
	NOTIFY_SOCKET=$SOCK start_rr || return
	check "no READY=1 on $SOCK in 20s" wait_note 'READY=1'
	notes_well_formed
}

# Nobody listens on NOTIFY_SOCKET (a supervisor that went away): rr serves,
# resets and stops as usual.
t_nobody() {
	basic_config "$TW echo -r $D/rec" 100ms 2
	NOTIFY_SOCKET=$D/nobody.sock WATCHDOG_USEC=200000 start_rr || return
	ready_workers 2 || return
	wait_rec reply 3 || { fail "fewer than 3 ticks in 20s"; return; }
	kill -HUP "$RRPID"
	ready_workers 4 || return
	local n
	n=$(rec_count reply)
	check "no ticks after the reset" wait_rec reply $((n + 3))
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
}

# --- the watchdog ------------------------------------------------------------

# WATCHDOG_USEC=200000 and no WATCHDOG_PID: WATCHDOG=1 again and again.
# While rr is stopped (SIGSTOP) none come; after SIGCONT they come again.
t_watchdog() {
	basic_config "$TW echo -r $D/rec" 100ms 1
	listen || return
	NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=200000 start_rr || return
	wait_note 'WATCHDOG=1' 3 10 ||
	    { fail "fewer than 3 WATCHDOG=1 in 10s: $(notes 'WATCHDOG=1')"; return; }
	kill -STOP "$RRPID"
	wait_for 10 stopped "$RRPID" || { fail "rr not stopped 10s after SIGSTOP"; return; }
	# The one fixed wait: a stopped rr makes no event to wait for.  First
	# what was sent before the stop is read, then nothing may come.
	sleep 0.5
	local n
	n=$(notes 'WATCHDOG=1')
	sleep 1.5
	check "WATCHDOG=1 while rr was stopped: $n, then $(notes 'WATCHDOG=1')" \
	    [ "$(notes 'WATCHDOG=1')" -eq "$n" ]
	kill -CONT "$RRPID"
	check "fewer than 3 WATCHDOG=1 in 10s after SIGCONT" \
	    wait_note 'WATCHDOG=1' $((n + 3)) 10
	notes_well_formed
}

stopped() {	# pid: in state T (stopped)
	[ "$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null)" = T ]
}

# WATCHDOG_PID = rr's own pid: the pings are for rr.  A shell that execs
# rr gives it its own pid, known before the exec.
t_watchdog_own_pid() {
	basic_config "$TW echo -r $D/rec" 100ms 1
	listen || return
	: >"$D/rr.log"
	NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=200000 sh -c \
	    'WATCHDOG_PID=$$ exec "$0" serve -c "$1"' "$RR" "$D/rr.yaml" \
	    >>"$D/rr.log" 2>&1 &
	RRPID=$!
	wait_log "$(msg rr 'rr started')" || { fail "no 'rr started' in 20s"; return; }
	check "fewer than 3 WATCHDOG=1 in 10s with WATCHDOG_PID=rr's pid" \
	    wait_note 'WATCHDOG=1' 3 10
	notes_well_formed
}

# WATCHDOG_PID = another process (this shell): the watchdog is not rr's.
# 20 ticks at 50 ms are over 1 s of rr's time, 5 watchdog periods.
t_watchdog_other_pid() {
	basic_config "$TW echo -r $D/rec" 50ms 1
	listen || return
	NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=200000 WATCHDOG_PID=$$ start_rr ||
	    return
	wait_note 'READY=1' || { fail "no READY=1 in 20s"; return; }
	wait_rec reply 20 || { fail "fewer than 20 ticks in 20s"; return; }
	check "$(notes 'WATCHDOG=1') WATCHDOG=1 with WATCHDOG_PID=$$, not rr" \
	    [ "$(notes 'WATCHDOG=1')" -eq 0 ]
	notes_well_formed
}

# --- the ready fd ------------------------------------------------------------

# --ready-fd 7, fd 7 the write end of a fifo that cat reads: one newline
# once the first worker is ready (handshakes take 1 s here), then EOF,
# which also means no worker inherited the fd.
t_ready_fd() {
	basic_config "$TW echo -r $D/rec -S 1000" 100ms 2
	mkfifo "$D/ready.fifo"
	cat "$D/ready.fifo" >"$D/ready.out" &
	local cat=$!
	helper "$cat"
	# the redirection is start_rr's alone: only rr inherits fd 7
	start_rr --ready-fd 7 7>"$D/ready.fifo" || return
	if ! has_log "$(msg pool 'worker ready')"; then
		check "rr wrote to the ready fd before a worker was ready" \
		    [ ! -s "$D/ready.out" ]
	fi
	check "the ready fd not closed by rr and its workers in 20s" \
	    wait_for 20 dead "$cat" || return
	check "the ready fd closed before any 'worker ready' line" \
	    has_log "$(msg pool 'worker ready')"
	check "the ready fd got '$(od -An -c "$D/ready.out")', want one newline" \
	    cmp -s "$D/ready.out" <(echo)
	ready_workers 2 || return
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
}

scenario notify-ready t_ready
scenario notify-reload t_reload
scenario notify-abstract t_abstract
scenario notify-nobody-listens t_nobody
scenario notify-watchdog t_watchdog
scenario notify-watchdog-own-pid t_watchdog_own_pid
scenario notify-watchdog-other-pid t_watchdog_other_pid
scenario notify-ready-fd t_ready_fd

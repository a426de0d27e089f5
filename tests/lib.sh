# tests/lib.sh: helpers for the end-to-end scenarios, sourced by tests/t_*.sh.
#
# A scenario is a shell function run by `scenario NAME FUNCTION`: it gets a
# fresh temp dir $D, writes $D/rr.yaml (write_config, basic_config), starts
# rr (start_rr: log in $D/rr.log, pid in $RRPID), waits for log lines or
# recorder lines, and calls fail "why" for each thing that is wrong.  It
# prints "PASS NAME" when nothing failed.  Afterwards rr and every worker
# process group it started are SIGKILLed and $D is removed (kept when the
# scenario failed and KEEP=1, always with KEEP=all).
#
# Waiting is always polling with a deadline (every 50 ms), never a fixed
# sleep: the machine may be a slow, noisy VM.
#
# The test worker is $TW (tests/workers/tworker.c); `-r "$D/rec"` makes it
# record what it receives in $D/rec (line format in tworker.c).

set -u
: "${RR:?RR is unset: run the scenarios through tests/run}"
: "${O_ABS:?O_ABS is unset: run the scenarios through tests/run}"
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)	# the repo
TW=$O_ABS/tests/workers/tworker
TAB=$'\t'
D= SC= RRPID= SC_FAILED=0

# --- scenario bookkeeping ----------------------------------------------------

fail() {	# why: one FAIL line for the running scenario
	echo "FAIL $SC: $*"
	SC_FAILED=1
	return 1
}

check() {	# why command...: run the command; FAIL with why if it fails
	local why=$1
	shift
	"$@" || fail "$why"
}

scenario() {	# name function: run one scenario in its own temp dir
	SC=$1 SC_FAILED=0 RRPID=
	D=$(mktemp -d "${TMPDIR:-/tmp}/rr-$1.XXXXXX") || { fail "mktemp"; return; }
	export RR_TEST_RUN=$D	# marks rr and its workers: see ours()
	"$2"
	local rc=$?
	[ "$rc" -ne 0 ] && [ "$SC_FAILED" -eq 0 ] && fail "returned $rc"
	teardown
}

php_scenario() {	# name function: a scenario that needs php-cli
	if command -v php >/dev/null; then
		scenario "$@"
	elif [ -n "${CI:-}" ]; then
		echo "FAIL $1: php is not installed (apt-get install -y php-cli)"
	else
		echo "SKIP $1: php is not installed"
	fi
}

# Background processes a scenario starts besides rr (clients, listeners):
# helper PID, and teardown kills them.
HELPERS=

helper() {	# pid: a background process to kill after the scenario
	HELPERS="$HELPERS $1"
}

kill_helpers() {
	local p
	for p in $HELPERS; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	HELPERS=
}

teardown() {	# kill what the scenario left, report, remove $D
	[ -n "$D" ] || return 0
	kill_helpers
	kill_all
	if [ "$SC_FAILED" -eq 0 ]; then
		echo "PASS $SC"
	elif [ -f "$D/rr.log" ]; then
		echo "    last lines of $D/rr.log:"
		tail -n 25 "$D/rr.log" | cut -c1-300 | sed 's/^/    | /'
	fi
	if { [ "$SC_FAILED" -ne 0 ] && [ -n "${KEEP:-}" ]; } ||
	    [ "${KEEP:-}" = all ]; then
		echo "    kept $D"
	else
		rm -rf "$D"
	fi
	D=
}

kill_all() {	# SIGKILL rr and every worker process group seen
	local p
	if [ -n "$RRPID" ]; then
		kill -KILL "$RRPID" 2>/dev/null
		wait "$RRPID" 2>/dev/null
	fi
	for p in $(live_in_groups $(worker_pids)); do
		kill -KILL "$p" 2>/dev/null
	done
	return 0
}

# A pid read from a log may have been recycled by the time it is used, and
# then it is anyone's: only processes that carry this scenario's mark count.
ours() {	# pid
	grep -qzx "RR_TEST_RUN=$D" "/proc/$1/environ" 2>/dev/null
}

trap 'teardown' EXIT
trap 'exit 130' INT TERM

# --- config and rr -----------------------------------------------------------

write_config() {	# the YAML on stdin becomes $D/rr.yaml
	cat >"$D/rr.yaml"
}

on_socket() {	# the scenario runs on a socket relay
	[ "${RELAY:-pipes}" != pipes ]
}

# A loopback port nobody listens on now, below the kernel's range for
# outgoing connections' own ports (ip_local_port_range): a port of that
# range (what bind to port 0 gives) can be taken by any connect(2) on the
# machine before the scenario's listener binds it.
free_port() {
	python3 - <<'EOF'
import random, socket
lo = max(int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0]), 12000)
while True:
    p = random.randrange(10000, lo)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    print(p)
    break
EOF
}

relay_address() {	# $RELAY (pipes, unix or tcp) as server.relay says it
	case ${RELAY:-pipes} in
	unix) echo "unix://$D/relay.sock" ;;
	tcp) echo "tcp://127.0.0.1:$(free_port)" ;;
	*) echo pipes ;;
	esac
}

# basic_config COMMAND [INTERVAL [WORKERS]]: one ticker pool, on the relay
# that $RELAY names (tests/run runs some files on each).  Optional
# variables: RELAY_TIMEOUT, DESTROY_TIMEOUT (both 5s), SERVER_EXTRA and
# POOL_EXTRA (YAML lines indented for server: and ticker.pool:).
basic_config() {
	write_config <<EOF
version: '3'
server:
  command: "$1"
  relay: $(relay_address)
  relay_timeout: ${RELAY_TIMEOUT:-5s}
${SERVER_EXTRA:-}
ticker:
  interval: ${2:-100ms}
  pool:
    num_workers: ${3:-1}
    destroy_timeout: ${DESTROY_TIMEOUT:-5s}
${POOL_EXTRA:-}
logs:
  level: debug
  mode: development
EOF
}

start_rr() {	# [rr args...]: rr serve -c ${CONFIG:-$D/rr.yaml} in the background
	: >"$D/rr.log"
	"$RR" serve -c "${CONFIG:-$D/rr.yaml}" "$@" >>"$D/rr.log" 2>&1 &
	RRPID=$!
	if ! wait_log "$(msg rr 'rr started')"; then
		if alive "$RRPID"; then
			fail "no 'rr started' line within 20s"
		else
			wait "$RRPID"
			fail "rr exited $? at start"
		fi
		return 1
	fi
}

stop_rr() {	# [signal]: signal rr (TERM), wait for it; returns its exit code
	kill -"${1:-TERM}" "$RRPID" 2>/dev/null
	wait_exit "$RRPID" 30
}

wait_exit() {	# pid timeout_s: wait for a child to exit; its code, 124 on timeout
	wait_for "$2" dead "$1" || return 124
	wait "$1" 2>/dev/null
}

# --- waiting -----------------------------------------------------------------

now_us() {	# wall clock in microseconds
	echo "${EPOCHREALTIME//[.,]/}"
}

wait_for() {	# timeout_s command...: poll the command every 50 ms
	local end=$(($(now_us) + $1 * 1000000))
	shift
	until "$@"; do
		[ "$(now_us)" -ge "$end" ] && return 1
		sleep 0.05
	done
}

# --- rr's log ----------------------------------------------------------------
# Lines look like "TIME LEVEL COMPONENT MESSAGE<TAB>key=value key=value".

msg() {		# component message: an ERE matching that exact message
	printf '[[:space:]]%s +%s(%s|$)' "$1" "$2" "$TAB"
}

log_lines() {	# ERE: the matching lines of rr.log
	grep -E -- "$1" "$D/rr.log" 2>/dev/null
}

count_log() {	# ERE: how many lines of rr.log match
	local n
	n=$(grep -cE -- "$1" "$D/rr.log")
	echo "${n:-0}"
}

has_log() {	# ERE [n]: at least n (1) lines match
	[ "$(count_log "$1")" -ge "${2:-1}" ]
}

wait_log() {	# ERE [timeout_s=20]: wait for a matching line; 1 on timeout
	wait_for "${2:-20}" has_log "$1"
}

wait_count() {	# ERE n [timeout_s=20]: wait for n matching lines
	wait_for "${3:-20}" has_log "$1" "$2"
}

first_pid() {	# ERE [timeout_s=20]: wait for a matching line; print its pid=
	wait_log "$1" "${2:-20}" || return 1
	log_lines "$1" | head -n 1 | field pid
}

log_of() {	# ERE pid: the matching lines of rr.log whose field pid= is pid
	log_lines "$1" | grep -E "($TAB| )pid=$2( |\$)"
}

field() {	# key: from log lines on stdin, the value of key= (one a line)
	cut -f2- | grep -oE "(^| )$1=(\"([^\"\\\\]|\\\\.)*\"|[^ ]*)" |
	    sed -E "s/^ ?$1=//"
}

log_ms() {	# from log lines on stdin, their time as ms since midnight
	awk '{ split(substr($1, 12), a, /[:.Z]/);
	       print ((a[1] * 60 + a[2]) * 60 + a[3]) * 1000 + a[4] }'
}

# check_apart ERE [log]: no two lines of the log ($D/rr.log) that match
# are less than 0.9 s apart: what rr says at most once a second
check_apart() {
	local ms
	ms=$(grep -E -- "$1" "${2:-$D/rr.log}" | log_ms)
	check "lines /$1/ less than a second apart: $(paste -sd' ' <<<"$ms")" \
	    awk 'NR > 1 && $1 - prev < 900 { bad = 1 } { prev = $1 }
	    END { exit bad }' <<<"$ms"
}

worker_pids() {	# every worker pid rr or a recorder mentioned
	{
		log_lines "$(msg pool 'worker (spawned|ready)')" | field pid
		grep -h '^start ' "$D"/rec* 2>/dev/null | rec_field pid
	} | sort -un
}

ready_pids() {	# pids of "worker ready" lines, in order
	log_lines "$(msg pool 'worker ready')" | field pid
}

other_ready() {	# pid: a worker other than pid became ready
	ready_pids | grep -qvx "$1"
}

counter() {	# name: its value on the last "counters" line
	log_lines "$(msg rr counters)" | tail -n 1 | field "$1"
}

skip_re() {	# the ERE of rr's skip lines, one per second at most
	msg ticker 'ticks? skipped'
}

skips_logged() {	# ticks the skip lines stand for: the sum of their count=
	log_lines "$(skip_re)" | field count | awk '{ n += $1 } END { print n + 0 }'
}

check_skips_logged() {	# every skipped tick is in a skip line's count
	local k
	k=$(counter skipped)
	check "skipped=$k, but the skip lines count $(skips_logged)" \
	    [ "$k" = "$(skips_logged)" ]
}

check_counters() {	# the last counters line adds up (in_flight is 0 at exit)
	local s d k f i
	s=$(counter scheduled) d=$(counter delivered) k=$(counter skipped)
	f=$(counter failed) i=$(counter in_flight)
	if [ -z "$s" ] || [ -z "$d" ] || [ -z "$k" ] || [ -z "$f" ] ||
	    [ -z "$i" ]; then
		fail "no counters line with scheduled, delivered, skipped, failed"
		return 1
	fi
	check "counters: scheduled=$s != delivered=$d + skipped=$k + failed=$f + in_flight=$i" \
	    [ "$s" -eq $((d + k + f + i)) ]
}

# --- the recorder ($D/rec) ---------------------------------------------------

rec_lines() {	# kind [file]: recorder lines of that kind
	grep "^$1 " "${2:-$D/rec}" 2>/dev/null
}

rec_count() {	# kind [file]
	rec_lines "$@" | wc -l
}

rec_has() {	# kind n [file]: at least n lines of that kind
	[ "$(rec_count "$1" "${3:-$D/rec}")" -ge "$2" ]
}

wait_rec() {	# kind n [timeout_s=20]: wait for n recorder lines of a kind
	wait_for "${3:-20}" rec_has "$1" "$2"
}

rec_match() {	# ERE [n]: at least n (1) recorder lines match
	[ "$(grep -sE -- "$1" "$D/rec" | wc -l)" -ge "${2:-1}" ]
}

rec_field() {	# key: from recorder lines on stdin, the value of key=
	grep -oE "(^| )$1=[^ ]*" | sed -E "s/^ ?$1=//"
}

replied_by_other() {	# pid: a recorded reply came from another pid
	rec_lines reply | rec_field pid | grep -qvx "$1"
}

ticks() {	# tick numbers of the recorded data frames, in order
	rec_lines recv | rec_field body | sed -nE 's/^\{"tick":([0-9]+)\}$/\1/p'
}

consecutive() {	# numbers on stdin are 0, 1, 2, ...: else print the first bad
	awk 'BEGIN { n = 0 } $1 != n { print "expected " n ", got " $1; exit 1 }
	     { n++ } END { if (n == 0) { print "none"; exit 1 } }'
}

between() {	# n lo hi: lo <= n <= hi
	[ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

# --- metrics and RPC ---------------------------------------------------------

# The system's python: the Prometheus parser is a Debian package, which
# another python on PATH (pyenv, a venv) would not see.
PY=/usr/bin/python3
RPC=$TOP/tests/helpers/rpc.py

scrape() {	# [path]: the exposition of $METRICS into $D/scrape
	curl -sf "http://$METRICS${1:-/metrics}" >"$D/scrape"
}

# parse CHECKS: the scrape through the parser, then the Python in CHECKS
# with d = {(name, ((label, value), ...)): value}; prints what is wrong.
parse() {
	$PY - "$D/scrape" "$1" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
d = {}
for f in fams.values():
    for s in f.samples:
        d[(s.name, tuple(sorted(s.labels.items())))] = s.value
def v(name, **labels):
    return d.get((name, tuple(sorted(labels.items()))))
exec(sys.argv[2])
PY
}

# --- processes ---------------------------------------------------------------

timer_phase() {	# pid interval_ns: phase (monotonic ns mod interval) of its
		# timerfd with that interval, from /proc/pid/fdinfo
	python3 - "$1" "$2" <<'PY'
import os, re, sys, time
pid, iv = sys.argv[1], int(sys.argv[2])
d = "/proc/%s/fdinfo" % pid
for fd in os.listdir(d):
    try:
        s = open(os.path.join(d, fd)).read()
    except OSError:
        continue
    v = re.search(r"it_value: \((\d+), (\d+)\)", s)
    i = re.search(r"it_interval: \((\d+), (\d+)\)", s)
    if "clockid: 1" in s and v and i and \
            int(i[1]) * 10**9 + int(i[2]) == iv:
        now = time.monotonic_ns()
        print((now + int(v[1]) * 10**9 + int(v[2])) % iv)
        sys.exit(0)
sys.exit(1)
PY
}

alive() {	# pid: exists and is not a zombie
	local s
	s=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
	[ -n "$s" ] && [ "$s" != Z ]
}

dead() {	# pid
	! alive "$1"
}

live_in_groups() {	# pgid...: our live (non-zombie) processes in those groups
	local g p
	for g in "$@"; do
		for p in $(pgrep -g "$g"); do
			alive "$p" && ours "$p" && echo "$p"
		done
	done
}

groups_empty() {	# pgid...
	[ -z "$(live_in_groups "$@")" ]
}

no_workers_left() {	# nothing is left in any worker's process group
	local left
	wait_for 5 groups_empty $(worker_pids)
	left=$(live_in_groups $(worker_pids) | tr '\n' ' ')
	check "left in the worker process groups: $left" [ -z "$left" ]
}

fd_count() {	# pid: open file descriptors
	ls "/proc/$1/fd" 2>/dev/null | wc -l
}

zombies() {	# pid: its zombie children
	ps -o pid=,stat= --ppid "$1" | awk '$2 ~ /^Z/ { print $1 }'
}

cpu_cs() {	# pid: user + system CPU time in clock ticks (1/100 s)
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

proc_kb() {	# pid key: a figure in kB from /proc/pid/status (VmRSS, RssAnon...)
	awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null
}

# rr next: the fires of a cron expression, as RFC 3339 with the zone's
# offset, across DST in the rule of cronie's cron(8); exit 78 for a bad
# expression or zone, 2 for a bad count or time.  Needs the system's
# zone files (tzdata).
. "$(dirname "$0")/lib.sh"

expect() {	# what want args...: rr next args must print want, exit 0
	local what=$1 want=$2 got rc
	shift 2
	got=$("$RR" next "$@" 2>&1)
	rc=$?
	check "$what: exit $rc" [ "$rc" -eq 0 ]
	check "$what: got $(echo "$got" | tr '\n' ' ')" [ "$got" = "$want" ]
}

refuses() {	# what code message args...: exit code, stderr message
	local what=$1 code=$2 msg=$3 out rc
	shift 3
	out=$("$RR" next "$@" 2>&1 >/dev/null)
	rc=$?
	check "$what: exit $rc, not $code" [ "$rc" -eq "$code" ]
	check "$what: said $out" [ "$out" = "$msg" ]
}

t_next() {
	[ -f /usr/share/zoneinfo/America/New_York ] || [ -n "${TZDIR:-}" ] ||
	    { fail "no zone files (apt-get install tzdata)"; return; }
	expect "spring forward, fixed time" "$(printf '%s\n' \
	    2026-03-07T02:30:00-05:00 2026-03-08T03:00:00-04:00 \
	    2026-03-09T02:30:00-04:00)" \
	    -n 3 --tz America/New_York --from 2026-03-07T00:00:00-05:00 \
	    '0 30 2 * * *'
	expect "fall back, wildcard minute" "$(printf '%s\n' \
	    2026-11-01T01:00:00-04:00 2026-11-01T01:30:00-04:00 \
	    2026-11-01T01:00:00-05:00 2026-11-01T01:30:00-05:00)" \
	    -n 4 --tz America/New_York --from 2026-11-01T00:00:00-04:00 \
	    '*/30 1 * * *'
	expect "fall back, fixed time once" "$(printf '%s\n' \
	    2026-11-01T01:30:00-04:00 2026-11-02T01:30:00-05:00)" \
	    -n 2 --tz America/New_York --from 2026-11-01T00:00:00-04:00 \
	    '30 1 * * *'
	expect "strictly after, in UTC" "2026-01-01T00:00:01+00:00" \
	    -n 1 --tz UTC --from 2026-01-01T00:00:00Z '* * * * * *'
	expect "Lord Howe's half hour" "2026-10-04T02:30:00+11:00" \
	    -n 1 --tz Australia/Lord_Howe --from 2026-10-03T12:00:00Z \
	    '0 30 2 * * *'
	[ "$("$RR" next --tz UTC '@hourly' | wc -l)" -eq 5 ] ||
	    fail "the default count is not 5"
	refuses "a bad expression" 78 \
	    'rr: next: "0 0 32 * *": day of month: "32" is out of range 1-31' \
	    '0 0 32 * *'
	check "never fires is refused" [ "$("$RR" next '0 0 0 30 2 *' \
	    >/dev/null 2>&1; echo $?)" -eq 78 ]
	refuses "an unknown zone" 78 \
	    "rr: next: unknown time zone \"Nowhere/X\" (no such file /usr/share/zoneinfo/Nowhere/X)" \
	    --tz Nowhere/X '* * * * *'
	refuses "a bad count" 2 \
	    "rr: next: -n 0: expected a count from 1 to 100000" -n 0 '* * * * *'
	refuses "a bad time" 2 \
	    "rr: next: --from tomorrow: expected an RFC 3339 time such as 2026-03-08T01:30:00-05:00" \
	    --from tomorrow '* * * * *'
	check "no expression is a usage error" [ "$("$RR" next >/dev/null 2>&1;
	    echo $?)" -eq 2 ]
}

scenario next-cli t_next

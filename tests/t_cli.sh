# The command line: commands, options, exit codes, config discovery,
# overrides, dotenv, the work directory, --check and the pid file.
. "$(dirname "$0")/lib.sh"

run_rr() {	# args...: run rr to completion in $D; out in $D/out, code in $RC
	# bounded: an rr that wrongly keeps running must not hang the suite
	(cd "$D" && timeout 60 "$RR" "$@") >"$D/out" 2>&1
	RC=$?
}

expect() {	# code ERE why: the last run_rr exited code and printed ERE
	check "$3: exit $RC, want $1" [ "$RC" -eq "$1" ] &&
	    check "$3: output lacks /$2/: $(head -c 300 "$D/out")" \
	    grep -qE -- "$2" "$D/out"
}

t_version() {
	run_rr --version
	expect 0 '^rr version [0-9]+\.[0-9]+\.[0-9]+' "--version"
	run_rr -h
	expect 0 '^usage: rr serve' "-h"
}

t_usage() {
	run_rr
	expect 2 'usage: rr serve' "no command"
	run_rr serve -o ticker.interval
	expect 2 '^rr: -o ticker\.interval: expected key\.path=value' \
	    "-o without ="
	run_rr frobnicate
	expect 2 'unknown command "frobnicate"' "unknown command"
	run_rr serve --no-such-flag
	expect 2 'usage: rr serve' "unknown flag"
}

t_config_errors() {
	run_rr serve
	expect 78 'neither \.rr\.yaml nor rr\.yaml is in .*-c FILE' \
	    "no config at all"
	run_rr serve -c missing.yaml
	expect 78 '^rr: missing\.yaml: cannot open: No such file' \
	    "a named config that is missing"
	basic_config "$TW echo" 1ns
	run_rr serve -c rr.yaml
	expect 78 'ticker\.interval: 1ns is too short \(at least 1ms\)' \
	    "an interval below 1ms"
	basic_config "$TW echo" fast
	run_rr serve -c rr.yaml
	expect 78 '^rr: rr\.yaml:[0-9]+:[0-9]+: ticker\.interval: "fast" is not a duration' \
	    "bad duration"
}

t_check() {
	basic_config "$TW echo" 250ms 3
	run_rr serve -c rr.yaml --check
	expect 0 'configuration OK' "--check"
	check "--check shows the interval" grep -qE '^  interval: 250ms' "$D/out"
	check "--check fills in defaults" grep -qE 'reset_timeout: 1m' "$D/out"
	run_rr serve -c rr.yaml --check -o ticker.interval=7s \
	    -o ticker.pool.num_workers=5
	expect 0 'configuration OK' "--check with -o"
	check "-o replaces the interval" grep -qE '^  interval: 7s' "$D/out"
	check "-o replaces num_workers" grep -qE 'num_workers: 5' "$D/out"
	check "--check shows supervisor defaults" \
	    grep -qE '^    supervisor:$' "$D/out"
	check "--check shows watch_tick's default" \
	    grep -qE '^      watch_tick: 5s$' "$D/out"
}

# --check runs every check serve runs before it spawns anything, and names
# the file and line (or the -o) of the value at fault.
t_check_deep() {
	basic_config "$TW echo" 1s
	run_rr serve -c rr.yaml --check -o server.user=nosuchuser
	expect 78 '^rr: -o server\.user=nosuchuser: server\.user: (no user "nosuchuser"|switching to another user)' \
	    "--check with a user that does not exist"
	SERVER_EXTRA='  user: nosuchuser' basic_config "$TW echo" 1s
	run_rr serve -c rr.yaml --check
	expect 78 '^rr: rr\.yaml:[0-9]+:9: server\.user: ' "--check: the user's line"
	basic_config "$TW echo" 1s
	run_rr serve -c rr.yaml --check -o logs.output=/nonexistent/dir/rr.log
	expect 78 'logs\.output: cannot create /nonexistent/dir/rr\.log' \
	    "--check with a log file that cannot be made"
	run_rr serve -c rr.yaml --check -w "$D/nonexistent"
	expect 78 'work directory .*nonexistent' "--check with no work directory"
}

# The shipped rr.yaml says version '2.7', as RoadRunner's docs do: no
# warning at all.  YAML merge keys work, and x- keys hold their anchors.
t_check_yaml() {
	cp "$TOP/rr.yaml" "$D/shipped.yaml"
	run_rr serve -c shipped.yaml --check
	expect 0 'configuration OK' "--check of the shipped rr.yaml"
	check "the shipped rr.yaml warns: $(grep -i warn "$D/out")" \
	    [ -z "$(grep -i warn "$D/out")" ]
	write_config <<EOF
version: '3'
x-pool: &pool
  num_workers: 3
  max_jobs: 9
server:
  command: "$TW echo"
ticker:
  pool:
    <<: *pool
    max_jobs: 4
EOF
	run_rr serve -c rr.yaml --check
	expect 0 'configuration OK' "--check with a merge key"
	check "merged num_workers" grep -qx '    num_workers: 3' "$D/out"
	check "explicit max_jobs wins" grep -qx '    max_jobs: 4' "$D/out"
	check "a warning for a merge: $(grep warn "$D/out")" \
	    [ -z "$(grep warn "$D/out")" ]
}

t_discovery() {	# .rr.yaml first, then rr.yaml
	basic_config "$TW echo" 3s
	sed 's/interval: 3s/interval: 4s/' "$D/rr.yaml" >"$D/.rr.yaml"
	run_rr serve --check
	expect 0 'interval: 4s' ".rr.yaml wins over rr.yaml"
	rm "$D/.rr.yaml"
	run_rr serve --check
	expect 0 'interval: 3s' "rr.yaml when there is no .rr.yaml"
}

t_dotenv() {	# --dotenv loads variables first and never overwrites
	basic_config "$TW echo" '${TICK}'
	printf 'TICK=6s\nKEEP=from-file\n' >"$D/vars.env"
	run_rr serve --dotenv vars.env --check
	expect 0 'interval: 6s' "--dotenv sets TICK"
	TICK=8s run_rr serve --dotenv vars.env --check
	expect 0 'interval: 8s' "--dotenv does not overwrite TICK"
	DOTENV_PATH=vars.env run_rr serve --check
	expect 0 'interval: 6s' "DOTENV_PATH"
}

t_workdir() {	# relative commands run in the config's directory, or -w DIR
	mkdir -p "$D/conf" "$D/app"
	cp "$TW" "$D/conf/w" && cp "$TW" "$D/app/w"
	local CONFIG=$D/conf/rr.yaml
	basic_config "./w echo -r rec" 50ms
	mv "$D/rr.yaml" "$CONFIG"
	start_rr || return
	check "worker did not start in the config's directory" \
	    wait_for 20 test -s "$D/conf/rec"
	stop_rr
	start_rr -w "$D/app" || return
	check "worker did not start in -w DIR" wait_for 20 test -s "$D/app/rec"
	stop_rr
}

t_pidfile() {
	basic_config "$TW echo" 1s
	start_rr -p || return
	check "no .pid with rr's pid" wait_for 10 grep -qx "$RRPID" "$D/.pid"
	run_rr serve -c rr.yaml -p
	expect 1 'already running as pid' "second rr with the same pid file"
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
	check ".pid left behind after a clean exit" [ ! -e "$D/.pid" ]
}

# A pid file left by an rr that died names a pid that may be anyone's now:
# pid 1 in a container, or any live process.  Only a live lock on the file
# means an rr is running.
t_pidfile_stale() {
	basic_config "$TW echo" 1s
	echo 1 >"$D/.pid"
	start_rr -p || return
	check "no .pid with rr's pid over a stale pid 1" \
	    wait_for 10 grep -qx "$RRPID" "$D/.pid"
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
	echo $$ >"$D/.pid"	# this shell: alive, and not an rr
	start_rr -p || return
	check "no .pid with rr's pid over a live stranger's" \
	    wait_for 10 grep -qx "$RRPID" "$D/.pid"
	run_rr serve -c rr.yaml -p
	expect 1 "already running as pid $RRPID" "a second rr, while one lives"
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
}

# The start-up line on stdout, in plain English.
t_startup_line() {
	basic_config "$TW echo" 100ms 1
	start_rr || return
	check "no 'to 1 worker (pid' start-up line" wait_for 10 grep -qE \
	    '^rr [0-9.]+ serving ticks every 100 ms to 1 worker \(pid [0-9]+\)$' \
	    "$D/rr.log"
	stop_rr
	basic_config "$TW echo" 100ms 2
	start_rr -s || return
	check "a start-up line with -s" [ -z "$(grep 'serving ticks' "$D/rr.log")" ]
	stop_rr
}

scenario cli-version t_version
scenario cli-usage t_usage
scenario cli-config-errors t_config_errors
scenario cli-check t_check
scenario cli-check-deep t_check_deep
scenario cli-check-yaml t_check_yaml
scenario cli-discovery t_discovery
scenario cli-dotenv t_dotenv
scenario cli-workdir t_workdir
scenario cli-pidfile t_pidfile
scenario cli-pidfile-stale t_pidfile_stale
scenario cli-startup-line t_startup_line

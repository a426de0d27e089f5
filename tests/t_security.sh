# Security basics: no listening socket, worker output escaped in every log
# mode, the worker environment is exactly what REFERENCE.md lists, workers
# hold only fds 0, 1 and 2, and server.user/server.group drop privileges.
. "$(dirname "$0")/lib.sh"

HW=$O_ABS/tests/workers/hostile

root_scenario() {	# name function: only when running as root
	if [ "$(id -u)" -eq 0 ]; then
		scenario "$@"
	else
		echo "SKIP $1: not root"
	fi
}

sockets() {	# pid: the socket inodes it holds, one a line
	ls -l "/proc/$1/fd" 2>/dev/null | grep -o 'socket:\[[0-9]*\]' | sort -u
}

# Sockets rr inherited from whoever started it are not rr's doing: the
# scenario's shell holds those too.
t_no_socket() {
	basic_config "$TW echo -r $D/rec" 50ms 2
	start_rr || return
	wait_rec reply 4 || { fail "fewer than 4 ticks in 20s"; return; }
	local own
	own=$(comm -23 <(sockets "$RRPID") <(sockets $$) | tr '\n' ' ')
	check "rr holds sockets: $own" [ -z "$own" ]
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
}

# The nasty worker prints escapes, NUL, '"}', forged JSON and invalid
# UTF-8 on stderr, in an error frame and as garbage on stdout.  The echo
# workers' 120 ms replies at a 50 ms interval make sure it gets ticks.
nasty_run() {	# logs.mode
	basic_config "$HW nasty $D/claim $TW echo -d 120" 50ms 3
	sed -i "s/^  mode: development/  mode: $1/" "$D/rr.yaml"
	"$RR" serve -s -c "$D/rr.yaml" >"$D/rr.log" 2>&1 &
	RRPID=$!
	wait_for 20 test -s "$D/claim" ||
	    { fail "no worker claimed $D/claim in 20s"; return 1; }
	HPID=$(head -n 1 "$D/claim")
	check "nasty worker $HPID alive 20s later" wait_for 20 dead "$HPID"
	check "its last words were not logged in 20s" \
	    wait_for 20 grep -q 'no newline at the end' "$D/rr.log"
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
}

# Bytes of the log other than printable ASCII, UTF-8 and the allowed
# controls; 'ok' when there are none.
raw_bytes() {	# allowed control characters, as a python string
	python3 - "$D/rr.log" "$1" <<'EOF'
import sys
data = open(sys.argv[1], 'rb').read()
try:
    text = data.decode('utf-8')
except UnicodeDecodeError as e:
    sys.exit(f'invalid UTF-8 at byte {e.start}')
bad = sorted({hex(ord(c)) for c in text if c not in sys.argv[2]
              and (ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0)})
print(' '.join(bad) if bad else 'ok')
EOF
}

t_escaped_json() {
	nasty_run production || return
	local bad raw
	raw=$(raw_bytes $'\n')
	check "raw bytes in the log: $raw" [ "$raw" = ok ]
	check "a line is not JSON" python3 -c \
	    'import json,sys; [json.loads(l) for l in sys.stdin]' <"$D/rr.log"
	bad=$(python3 - "$D/rr.log" "$HPID" <<'EOF'
import json, sys
pid = int(sys.argv[2])
lines = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]
mine = [l for l in lines if l.get('pid') == pid]
def has(pred):
    return any(pred(l) for l in mine)
want = {
    'stderr line with ESC, NUL, \'"}\' and the forged JSON as text':
        lambda l: l['logger'] == 'worker' and '\x1b[31mred' in l['msg']
        and '\x00' in l['msg'] and 'quote-brace:"}' in l['msg']
        and '{"level":"error","msg":"forged"}' in l['msg'],
    'invalid UTF-8 shown as \\xff': lambda l: l['logger'] == 'worker'
        and 'bad-utf8:\\xff\\xfe' in l['msg'],
    'stderr line \'"}\'': lambda l: l['logger'] == 'worker'
        and l['msg'] == '"}',
    'error frame message': lambda l: l['logger'] != 'worker' and any(
        isinstance(v, str) and '\x1b[31mred' in v and '\x00' in v
        for v in l.values()),
    'bad frame with its bytes': lambda l: 'bad frame' in l['msg'],
}
for what, pred in want.items():
    if not has(pred):
        print(what, end='; ')
for l in lines:
    if not {'level', 'ts', 'logger', 'msg'} <= l.keys():
        print('a line without level, ts, logger, msg:', l, end='; ')
EOF
)
	check "missing from the JSON log: $bad" [ -z "$bad" ]
}

# Development lines: no raw control byte but the tab before the fields, no
# line a worker could forge (each starts with rr's time stamp), and no
# field either: every key=value after the tab reads back unambiguously.
t_escaped_console() {
	nasty_run development || return
	local forged raw
	raw=$(raw_bytes $'\n\t')
	check "raw bytes in the log: $raw" [ "$raw" = ok ]
	forged=$(grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z ' "$D/rr.log")
	check "$forged lines without rr's time stamp" [ "$forged" -eq 0 ]
	check "the stderr line with the escapes is not shown escaped" \
	    grep -qF 'worker \x1b[31mred\x1b[0m' "$D/rr.log"
	forged=$(python3 - "$D/rr.log" <<'EOF'
import re, sys
pair = re.compile(r'([^ ="]+)=("(?:[^"\\]|\\.)*"|[^ "]*)(?: |$)')
for line in open(sys.argv[1], encoding='utf-8'):
    line = line.rstrip('\n')
    if '\t' not in line:
        continue
    fields, pos, keys = line.split('\t', 1)[1], 0, []
    while pos < len(fields):
        m = pair.match(fields, pos)
        if not m:
            print(f'unreadable from column {pos}: {line}')
            break
        keys.append(m.group(1))
        pos = m.end()
    if len(keys) != len(set(keys)):
        print(f'a key twice: {line}')
EOF
)
	check "lines whose key=value fields can't be read back: $forged" \
	    [ -z "$forged" ]
}

environ() {	# pid: its environment, sorted, NUL-separated
	sort -z "/proc/$1/environ"
}

first_ready() {	# wait for a worker to be ready; its pid
	wait_log "$(msg pool 'worker ready')" ||
	    { fail "no worker ready in 20s"; return 1; }
	ready_pids | head -n 1
}

# rr's environment + server.env (keys upper-cased, values expanded, later
# ones replacing) + RR_RELAY, RR_RPC, RR_VERSION, RR_MODE: nothing more.
# RR_T_ODD is there to pass through untouched.
t_env() {
	write_config <<EOF
version: '3'
server:
  command: "$TW echo"
  env:
    foo_bar: baz
    home: /srv/h
    from_rr: "\${RR_T_SRC}-x"
rpc:
  listen: tcp://127.0.0.1:6001
ticker:
  interval: 50ms
  pool:
    num_workers: 1
EOF
	RR_T_SRC=src RR_T_ODD='a b=c;$x' start_rr || return
	local w v diffs
	w=$(first_ready) || return
	v=$("$RR" --version | awk '{ print $3 }')
	diffs=$(comm -3z <(environ "$w") <({
		tr '\0' '\n' <"/proc/$RRPID/environ" |
		    grep -vE '^(FOO_BAR|HOME|FROM_RR|RR_(RELAY|RPC|VERSION|MODE))='
		printf '%s\n' FOO_BAR=baz HOME=/srv/h FROM_RR=src-x \
		    RR_RELAY=pipes RR_RPC=tcp://127.0.0.1:6001 \
		    "RR_VERSION=$v" RR_MODE=ticker
	} | tr '\n' '\0' | sort -z) | tr '\0' ' ')
	check "worker $w env differs (worker's left, expected right): $diffs" \
	    [ -z "$diffs" ]
	check "worker $w env has a key twice" [ -z "$(tr '\0' '\n' \
	    <"/proc/$w/environ" | cut -d= -f1 | sort | uniq -d)" ]
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
}

fds_of() {	# pid: "fd -> target" for each open fd but 0, 1 and 2
	local f
	for f in /proc/"$1"/fd/*; do
		case ${f##*/} in 0|1|2) continue ;; esac
		echo "${f##*/} -> $(readlink "$f")"
	done 2>/dev/null
}

# Workers spawned while others run, and one spawned later, hold only their
# three pipes: none of rr's fds, none of the other workers' pipes, none of
# what rr itself inherited (whatever the shell holds, and fd 7 opened here).
t_worker_fds() {
	basic_config "$TW echo" 50ms 3
	local inherited
	exec 7>"$D/inherited"
	inherited=$(fds_of $$)
	start_rr
	exec 7>&-
	[ -n "$RRPID" ] || return
	wait_count "$(msg pool 'worker ready')" 3 ||
	    { fail "fewer than 3 workers ready in 20s"; return; }
	kill -KILL "$(ready_pids | head -n 1)"
	wait_count "$(msg pool 'worker ready')" 4 ||
	    { fail "no replacement ready in 20s"; return; }
	local w extra n=0
	for w in $(ready_pids); do
		alive "$w" || continue
		n=$((n + 1))
		check "worker $w: fds 0, 1, 2 are not all pipes" [ "$(for f in 0 1 2;
		    do readlink "/proc/$w/fd/$f"; done | grep -c '^pipe:')" -eq 3 ]
		extra=$(fds_of "$w" | grep -vxF "$inherited" | tr '\n' ' ')
		check "worker $w holds rr's fds: $extra" [ -z "$extra" ]
		extra=$(fds_of "$w" | grep -xF "$inherited" | tr '\n' ' ')
		check "worker $w holds fds rr inherited from its parent: $extra" \
		    [ -z "$extra" ]
	done
	check "only $n live workers looked at, want 3" [ "$n" -eq 3 ]
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
}

ids() {	# pid Uid|Gid: real, effective, saved and filesystem ids
	awk -v k="$2:" '$1 == k { print $2, $3, $4, $5 }' "/proc/$1/status"
}

# The worker must run from somewhere the user can read: a copy in $D.
ids_case() {	# server.user, server.group ('' for none)
	mkdir "$D/bin"
	cp "$TW" "$D/bin/tworker"
	chmod 755 "$D" "$D/bin"
	SERVER_EXTRA="  user: $1${2:+$'\n'"  group: $2"}" \
	    basic_config "$D/bin/tworker echo" 50ms 1
	start_rr || return
	local w u g groups want
	w=$(first_ready) || return
	u=$(id -u "$1")
	g=$(getent group "${2:-$(id -gn "$1")}" | cut -d: -f3)
	want=$({ echo "$g"; id -G "$1" | tr ' ' '\n' | tail -n +2; } |
	    sort -un | tr '\n' ' ')
	groups=$(awk '$1 == "Groups:" { $1 = ""; print }' "/proc/$w/status" |
	    tr ' ' '\n' | sed '/^$/d' | sort -un | tr '\n' ' ')
	check "worker uids $(ids "$w" Uid), want $u" \
	    [ "$(ids "$w" Uid)" = "$u $u $u $u" ]
	check "worker gids $(ids "$w" Gid), want $g" \
	    [ "$(ids "$w" Gid)" = "$g $g $g $g" ]
	check "worker groups $groups, want $want" [ "$groups" = "$want" ]
	check "worker has capabilities: $(grep ^CapEff: "/proc/$w/status")" \
	    grep -q '^CapEff:[[:space:]]*0*$' "/proc/$w/status"
	check "rr itself is no longer root: $(ids "$RRPID" Uid)" \
	    [ "$(ids "$RRPID" Uid)" = "0 0 0 0" ]
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
}

t_user_group() {
	ids_case nobody nogroup
}

t_user_only() {
	ids_case nobody ''
}

scenario no-listening-socket t_no_socket
scenario escaped-json t_escaped_json
scenario escaped-console t_escaped_console
scenario worker-env t_env
scenario worker-fds t_worker_fds
root_scenario user-group t_user_group
root_scenario user-only t_user_only

# status.address: /health and /ready with RoadRunner's codes and bodies as
# workers come, go busy and stop, and an HTTP side that a slow or hostile
# client cannot hold up.
. "$(dirname "$0")/lib.sh"

# get PATH [METHOD]: "CODE BODY" of one request to the status address.
get() {
	python3 - "$STATUS" "$@" <<'PY'
import http.client, sys
host, port = sys.argv[1].rsplit(":", 1)
c = http.client.HTTPConnection(host, int(port), timeout=10)
c.request(sys.argv[3] if len(sys.argv) > 3 else "GET", sys.argv[2])
r = c.getresponse()
print(r.status, r.read().decode())
PY
}

status_config() {	# tworker options, workers [interval]
	STATUS=127.0.0.1:$(free_port)
	basic_config "$TW echo $1" "${3:-200ms}" "$2"
	printf 'status:\n  address: %s\n  check_timeout: 2s\n' "$STATUS" \
	    >>"$D/rr.yaml"
}

ok_body='[{"plugin_name":"ticker","error_message":"","status_code":200}]'
busy_body='[{"plugin_name":"ticker","error_message":"internal server error, see logs","status_code":503}]'

# The one worker idle throughout: tick 0 done, the next an hour away (a
# tick in flight makes /ready 503, as t_busy wants).
t_codes() {
	status_config "-r $D/rec" 1 1h
	start_rr || return
	wait_log "$(msg ticker 'tick done')" || { fail "no tick done"; return; }
	check "/health: $(get /health)" [ "$(get /health)" = "200 $ok_body" ]
	check "/ready: $(get /ready)" [ "$(get /ready)" = "200 $ok_body" ]
	check "/ready?plugin=ticker: $(get '/ready?plugin=ticker')" \
	    [ "$(get '/ready?plugin=ticker')" = "200 $ok_body" ]
	check "another plugin is left out: $(get '/health?plugin=http')" \
	    [ "$(get '/health?plugin=http')" = "200 []" ]
	check "HEAD: $(get /health HEAD)" [ "$(get /health HEAD)" = "200 " ]
	check "POST: $(get /health POST)" \
	    [ "$(get /health POST)" = "405 Method Not Allowed" ]
	check "unknown path: $(get /nope)" [ "$(get /nope | cut -d' ' -f1)" = 404 ]
	stop_rr
}

# One worker busy with a long tick: alive, but not ready.
t_busy() {
	status_config "-d 3000 -r $D/rec" 1
	start_rr || return
	wait_rec recv 1 || { fail "no tick received"; return; }
	check "/health while busy: $(get /health)" \
	    [ "$(get /health)" = "200 $ok_body" ]
	check "/ready while busy: $(get /ready)" \
	    [ "$(get /ready)" = "503 $busy_body" ]
	stop_rr
}

# While rr stops (a busy worker holds the stop up), /health says so with
# 200 and /ready is unavailable.
t_stopping() {
	status_config "-d 4000 -r $D/rec" 1
	start_rr || return
	wait_rec recv 1 || { fail "no tick received"; return; }
	kill -TERM "$RRPID"
	wait_log "$(msg rr stopping)" || { fail "no stopping line"; return; }
	check "/health while stopping: $(get /health)" \
	    [ "$(get /health)" = "200 service is shutting down" ]
	check "/ready while stopping: $(get /ready | cut -c1-60)" \
	    grep -q '^503 .*service is shutting down' <<<"$(get /ready)"
	wait_exit "$RRPID" 30
}

# No worker up (the command fails before its handshake): not healthy.
t_no_worker() {
	STATUS=127.0.0.1:$(free_port)
	basic_config "$TW echo -c 0 -e 3" 200ms 1
	printf 'status:\n  address: %s\n' "$STATUS" >>"$D/rr.yaml"
	start_rr || return
	wait_log "$(msg pool 'restart back-off')" || { fail "no back-off"; return; }
	check "/health with no worker: $(get /health)" \
	    [ "$(get /health | cut -d' ' -f1)" = 503 ]
	stop_rr
}

# A client that sends half a head and stops is dropped at check_timeout;
# meanwhile, others are answered; a head too large is 431.
t_hostile_clients() {
	status_config "" 1
	start_rr || return
	wait_log "$(msg pool 'worker ready')" || { fail "no worker"; return; }
	python3 - "$STATUS" >"$D/hostile" 2>&1 <<'PY' &
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)))
s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
s.settimeout(20)
t = time.monotonic()
print("closed" if s.recv(100) == b"" else "answered")
PY
	local slow=$!
	check "a client waiting behind a half request: $(get /health)" \
	    [ "$(get /health | cut -d' ' -f1)" = 200 ]
	wait "$slow"
	check "half request not dropped: $(cat "$D/hostile")" \
	    grep -qx closed "$D/hostile"
	check "a 9 KiB head was not refused with 431" [ "$(python3 - "$STATUS" <<'PY'
import socket, sys
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)))
s.sendall(b"GET /health HTTP/1.1\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n")
print(s.recv(100).split(b"\r\n")[0].decode())
PY
)" = "HTTP/1.1 431 Request Header Fields Too Large" ]
	check "keep-alive: two requests on one connection" [ "$(python3 - "$STATUS" <<'PY'
import http.client, sys
host, port = sys.argv[1].rsplit(":", 1)
c = http.client.HTTPConnection(host, int(port), timeout=10)
for _ in range(2):
    c.request("GET", "/ready")
    r = c.getresponse()
    r.read()
print(r.status)
PY
)" = 200 ]
	stop_rr
}

scenario status-codes t_codes
scenario status-busy t_busy
scenario status-stopping t_stopping
scenario status-no-worker t_no_worker
scenario status-hostile-clients t_hostile_clients

# Socket relays (server.relay: unix:// or tcp://): only the workers rr
# started get in, each matched by the pid it answers the handshake with;
# a stranger, or a connection that never answers, is closed and logged.
# The other scenarios run again on the relays (tests/run's t_*@unix).
. "$(dirname "$0")/lib.sh"

# client.py RELAY MODE: connect to the relay as a fake worker would.
# MODE claim: read rr's pid frame, answer with pid 1 (not rr's child);
# MODE silent: connect, say nothing, wait for rr to hang up.
# Prints what happened: "closed" once rr closed the connection.
client() {
	python3 - "$@" <<'PY'
import socket, struct, sys, zlib
relay, mode = sys.argv[1], sys.argv[2]
if relay.startswith("unix://"):
    s = socket.socket(socket.AF_UNIX)
    s.connect(relay[7:])
else:
    host, port = relay[6:].rsplit(":", 1)
    s = socket.create_connection((host, int(port)))
s.settimeout(30)
hdr = s.recv(12)                      # rr speaks first: the pid frame
length = struct.unpack("<I", hdr[2:6])[0]
s.recv(length)
if mode == "claim":
    body = b'{"pid":1}'
    head = struct.pack("<BBI", 0x13, 0x01, len(body))
    s.sendall(head + struct.pack("<IBB", zlib.crc32(head), 0, 0) + body)
while s.recv(4096):
    pass
print("closed")
PY
}

relay_case() {	# relay address
	basic_config "$TW echo -r $D/rec" 100ms 1
	sed -i "s|^  relay: .*|  relay: $1|; s|relay_timeout: 5s|relay_timeout: 1s|" \
	    "$D/rr.yaml"
	start_rr || return
	wait_log "$(msg pool 'worker ready')" ||
	    { fail "no worker ready in 20s"; return; }
	check "a claim of pid 1 was not closed" \
	    [ "$(client "$1" claim)" = closed ]
	check "no line for the claim of pid 1" \
	    has_log "$(msg relay 'relay connection closed: it claims a pid rr is not waiting for').*pid=1"
	check "a silent connection was not closed" \
	    [ "$(client "$1" silent)" = closed ]
	check "no line for the silent connection" \
	    has_log "$(msg relay 'relay connection closed: no handshake in time')"
	check "the worker stopped serving" wait_count "$(msg ticker 'tick done')" 5
	check "a worker was replaced" \
	    [ "$(count_log "$(msg pool 'worker spawned')")" -eq 1 ]
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
}

t_unix_strangers() {
	relay_case "unix://$D/relay.sock"
	check "the relay socket is left behind" [ ! -e "$D/relay.sock" ]
}

t_tcp_strangers() {
	relay_case "tcp://127.0.0.1:$(free_port)"
}

# A relay socket left by a killed rr is replaced; one a live rr listens
# on is not taken over.
t_stale_socket() {
	basic_config "$TW echo" 100ms 1
	sed -i "s|^  relay: .*|  relay: unix://$D/relay.sock|" "$D/rr.yaml"
	python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' \
	    "$D/relay.sock"
	start_rr || return
	check "no worker ready over a stale socket file" \
	    wait_log "$(msg pool 'worker ready')"
	check "the socket file is not 0600: $(stat -c %a "$D/relay.sock")" \
	    [ "$(stat -c %a "$D/relay.sock")" = 600 ]
	(cd "$D" && "$RR" serve -c rr.yaml) >"$D/second" 2>&1
	check "a second rr on a live relay socket exited $?, want 1" [ $? -eq 1 ]
	check "its message does not name the socket: $(head -c 300 "$D/second")" \
	    grep -q "relay.sock: another process listens on it" "$D/second"
	check "the first rr lost its workers" wait_count "$(msg ticker 'tick done')" 3
	stop_rr
	check "rr exited $? on SIGTERM" [ $? -eq 0 ]
}

scenario relay-unix-strangers t_unix_strangers
scenario relay-tcp-strangers t_tcp_strangers
scenario relay-stale-socket t_stale_socket

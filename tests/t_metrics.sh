# metrics.address: a scrape parses with a real Prometheus parser (Debian's
# python3-prometheus-client), every family rr names is there from the
# first scrape with each known label value, the ticker's counters add up,
# and metrics that a PHP worker declares and updates over RPC appear with
# their labels, escaped as the format wants.
. "$(dirname "$0")/lib.sh"

metrics_config() {	# command, workers, interval
	METRICS=127.0.0.1:$(free_port)
	RPCADDR=tcp://127.0.0.1:$(free_port)
	basic_config "$1" "${3:-100ms}" "${2:-2}"
	printf 'rpc:\n  listen: %s\nmetrics:\n  address: %s\n' "$RPCADDR" \
	    "$METRICS" >>"$D/rr.yaml"
}

t_families() {
	command -v curl >/dev/null || { fail "curl is not installed"; return; }
	metrics_config "$TW echo -r $D/rec" 2
	start_rr || return
	wait_log "$(msg pool 'worker ready')" || { fail "no worker"; return; }
	scrape || { fail "no scrape"; return; }
	local bad
	bad=$(parse '
want = ["rr_build_info", "process_cpu_seconds", "process_resident_memory_bytes",
    "process_virtual_memory_bytes", "process_open_fds", "process_max_fds",
    "process_start_time_seconds", "rr_ticker_total_workers",
    "rr_ticker_workers_memory_bytes", "rr_ticker_worker_state",
    "rr_ticker_worker_memory_bytes", "rr_ticker_workers_ready",
    "rr_ticker_workers_working", "rr_ticker_workers_invalid",
    "rr_ticker_ticks_scheduled", "rr_ticker_ticks_delivered",
    "rr_ticker_ticks_skipped", "rr_ticker_ticks_failed",
    "rr_ticker_ticks_in_flight", "rr_ticker_tick_duration_seconds",
    "rr_ticker_tick_lateness_seconds", "rr_ticker_worker_restarts"]
for n in want:
    if n not in fams: print("missing family", n)
for r in ["soft_error", "crash", "killed", "bad_frame", "exec_ttl", "replaced"]:
    if v("rr_ticker_ticks_failed_total", schedule="", reason=r) is None: print("no failed reason", r)
for r in ["overlap", "no_idle_worker", "late"]:
    if v("rr_ticker_ticks_skipped_total", schedule="", reason=r) is None: print("no skipped reason", r)
for r in ["crash", "max_jobs", "reset", "ttl", "idle_ttl", "memory", "exec_ttl"]:
    if v("rr_ticker_worker_restarts_total", reason=r) is None: print("no restart reason", r)
if v("rr_build_info", version="'"$("$RR" --version | awk '{print $3}')"'") != 1: print("rr_build_info")
')
	check "$bad" [ -z "$bad" ]
	check "no worker_state line with state and pid" \
	    grep -qE '^rr_ticker_worker_state\{state="ready",pid="[0-9]+"\} 0$' "$D/scrape"
	check "HEAD and any path" curl -sfI "http://$METRICS/anything"
	stop_rr
}

# Ticks that are skipped and that fail: at every scrape, scheduled =
# delivered + skipped + failed + in flight, and it matches ticker.Stats.
t_accounting() {
	metrics_config "$TW error -d 150 -o $D/once -r $D/rec" 1 50ms
	start_rr || return
	wait_log "$(msg ticker 'tick failed')" || { fail "no tick failed"; return; }
	wait_log "$(skip_re)" || { fail "no tick skipped"; return; }
	local i bad
	for i in 1 2 3; do
		scrape || { fail "no scrape"; return; }
		bad=$(parse '
s = v("rr_ticker_ticks_scheduled_total", schedule="")
rest = v("rr_ticker_ticks_delivered_total", schedule="") + v("rr_ticker_ticks_in_flight", schedule="")
rest += sum(val for (n, l), val in d.items() if n in ("rr_ticker_ticks_skipped_total", "rr_ticker_ticks_failed_total"))
if s != rest: print("scheduled", s, "!= the rest", rest)
if v("rr_ticker_ticks_skipped_total", schedule="", reason="no_idle_worker") == 0: print("nothing skipped")
if v("rr_ticker_tick_duration_seconds_count") < 1: print("no duration observed")
if v("rr_ticker_tick_lateness_seconds_count") < 1: print("no lateness observed")
')
		check "scrape $i: $bad" [ -z "$bad" ]
	done
	check "the soft error was not counted" \
	    grep -qE '^rr_ticker_ticks_failed_total\{schedule="",reason="soft_error"\} [1-9]' "$D/scrape"
	stop_rr
}

# A PHP worker declares a counter over RPC and adds to it on each tick;
# the label value needs escaping (a quote).
t_app_metrics() {
	command -v php >/dev/null || { fail "php is not installed"; return; }
	metrics_config "php $TOP/tests/workers/metrics.php" 2 100ms
	start_rr || return
	wait_count "$(msg pool 'worker ready')" 2 || { fail "workers not ready"; return; }
	wait_for 20 eval 'scrape && grep -q "^app_ticks_seen{" "$D/scrape"' ||
	    { fail "no app_ticks_seen in 20s"; return; }
	local bad
	bad=$(parse '
f = fams.get("app_ticks_seen")
if f is None or f.type != "counter": print("app_ticks_seen is not a counter")
elif f.documentation != "Ticks a worker saw": print("help", f.documentation)
else:
    for s in f.samples:
        if not s.labels["worker"].startswith("w \""): print("label", s.labels)
')
	check "$bad" [ -z "$bad" ]
	check "the quote in a label value is not escaped" \
	    grep -qE '^app_ticks_seen\{worker="w \\"[0-9]+\\""\} [0-9]' "$D/scrape"
	check "an ERROR line" [ "$(count_log '^[^ ]+ ERROR ')" -eq 0 ]
	stop_rr
}

# RoadRunner's words where PHP code tests for them, and the bounds.
t_rpc_errors() {
	metrics_config "$TW echo" 1 1h
	start_rr || return
	local out
	out=$(printf '%s\n' \
	    'metrics.Declare {"name":"c","collector":{"type":"counter","labels":["a"]}}' \
	    'metrics.Declare {"name":"c","collector":{"type":"counter"}}' \
	    'metrics.Add {"name":"nope","value":1}' \
	    'metrics.Add {"name":"c","value":1}' \
	    'metrics.Add {"name":"c","value":1,"labels":["x","y"]}' \
	    'metrics.Set {"name":"c","value":1,"labels":["x"]}' \
	    'metrics.Declare {"name":"s","collector":{"type":"summary"}}' \
	    'metrics.Declare {"name":"rr_ticker_x","collector":{"type":"gauge"}}' \
	    'metrics.Unregister "c"' \
	    'metrics.Unregister "c"' |
	    python3 "$RPC" --stdin "$RPCADDR")
	local want
	want=$(printf '%s\n' 'OK true' \
	    'ERR tried to register existing collector with the name `c`' \
	    'ERR undefined collector nope, try first Declare the desired collector' \
	    'ERR required labels for collector c' \
	    'ERR inconsistent label cardinality: expected 1 label values but got 2' \
	    'ERR collector `c` does not support method `Set`' \
	    'ERR collector type summary is not supported by rr: declare a histogram' \
	    'ERR "rr_ticker_x" is not a metric name PHP may declare (letters, digits, _ and :, not rr'"'"'s own)' \
	    'OK true' 'ERR undefined collector c')
	check "replies differ: $(diff <(echo "$want") <(echo "$out") | head -5)" \
	    [ "$out" = "$want" ]
	out=$(for i in $(seq 0 256); do
		echo "metrics.Declare {\"name\":\"g$i\",\"collector\":{\"type\":\"gauge\"}}"
	done | python3 "$RPC" --stdin "$RPCADDR" | tail -n 1)
	check "the 257th family: $out" [ "$out" = \
	    "ERR too many collectors (rr keeps at most 256): unregister some first" ]
	stop_rr
}

# metrics.collect: collectors the config declares are there from the
# first scrape (one without labels at 0), PHP code updates them over RPC
# without declaring them, and its Declare of one gets the text the PHP
# library ignores.
t_collect() {
	metrics_config "$TW echo" 1 1h
	cat >>"$D/rr.yaml" <<'EOF'
  collect:
    queue_depth:
      type: gauge
      namespace: app
      help: "Jobs waiting, with a \\ and a
        new line"
    job_seconds:
      type: histogram
      labels: [queue]
      buckets: [0.01, 0.1, 1]
EOF
	start_rr || return
	scrape || { fail "no scrape"; return; }
	local bad out
	bad=$(parse '
f = fams.get("app_queue_depth")
if f is None or f.type != "gauge": print("no gauge app_queue_depth", list(fams))
elif f.documentation != "Jobs waiting, with a \\ and a new line": print("help", repr(f.documentation))
if v("app_queue_depth") != 0: print("app_queue_depth is not 0 before any Set")
f = fams.get("job_seconds")
if f is None or f.type != "histogram": print("no histogram job_seconds")
elif f.samples: print("job_seconds has samples before any Observe")
')
	check "first scrape: $bad" [ -z "$bad" ]
	out=$(printf '%s\n' \
	    'metrics.Set {"name":"queue_depth","value":7}' \
	    'metrics.Observe {"name":"job_seconds","value":0.05,"labels":["mail"]}' \
	    'metrics.Declare {"name":"queue_depth","collector":{"type":"gauge"}}' |
	    python3 "$RPC" --stdin "$RPCADDR")
	check "replies: $out" [ "$out" = "$(printf '%s\n' 'OK true' 'OK true' \
	    'ERR tried to register existing collector with the name `queue_depth`')" ]
	scrape || { fail "no second scrape"; return; }
	bad=$(parse '
if v("app_queue_depth") != 7: print("app_queue_depth", v("app_queue_depth"))
for le, n in (("0.01", 0), ("0.1", 1), ("1", 1), ("+Inf", 1)):
    if v("job_seconds_bucket", queue="mail", le=le) != n: print("bucket", le, v("job_seconds_bucket", queue="mail", le=le))
if v("job_seconds_count", queue="mail") != 1: print("count")
')
	check "second scrape: $bad" [ -z "$bad" ]
	stop_rr
}

# A collector serve cannot declare stops serve and --check alike, exit
# 78, with the file and line.
t_collect_bad() {
	metrics_config "$TW echo" 1 1h
	cat >>"$D/rr.yaml" <<'EOF'
  collect:
    ok_one:
      type: counter
    job_seconds:
      type: histogram
      buckets: [1, 0.5]
    untyped:
      help: no type
EOF
	local line rc want
	line=$(grep -n '      type: histogram' "$D/rr.yaml" | cut -d: -f1)
	want="rr: $D/rr.yaml:$line:13: metrics.collect.job_seconds: histogram buckets must be in increasing order"
	"$RR" serve --check -c "$D/rr.yaml" >"$D/out" 2>&1
	rc=$?
	check "--check exited $rc, not 78" [ "$rc" -eq 78 ]
	check "--check said: $(cat "$D/out")" grep -qxF "$want" "$D/out"
	"$RR" serve -c "$D/rr.yaml" >"$D/out" 2>&1
	rc=$?
	check "serve exited $rc, not 78" [ "$rc" -eq 78 ]
	check "serve said: $(tail -n 1 "$D/out")" grep -qF "${want#rr: }" "$D/out"
	sed -i '/buckets: \[1, 0.5\]/d' "$D/rr.yaml"
	"$RR" serve --check -c "$D/rr.yaml" >"$D/out" 2>&1
	check "no type: $(cat "$D/out")" grep -qxF \
	    "rr: $D/rr.yaml: metrics.collect.untyped.type: required (counter, gauge or histogram)" "$D/out"
}

scenario metrics-families t_families
scenario metrics-accounting t_accounting
php_scenario metrics-from-php t_app_metrics
scenario metrics-rpc-errors t_rpc_errors
scenario metrics-collect t_collect
scenario metrics-collect-bad t_collect_bad

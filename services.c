/*
 * services: see services.h.  A call allocates nothing once the reply
 * buffer has grown to its size, and looks at /proc at most once a
 * second: memory and CPU figures that old are what `rr workers -i`
 * redraws anyway, and a client calling in a loop then costs rr only the
 * JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "services.h"

#define PLUGIN		"ticker"
#define SAMPLE_EVERY	SEC_NS

/* RoadRunner's worker states, by number. */
enum rr_status {
	RR_INACTIVE, RR_READY, RR_WORKING, RR_INVALID, RR_STOPPING,
	RR_STOPPED, RR_DESTROYED, RR_MAX_JOBS, RR_ERRORED, RR_IDLE_TTL,
	RR_TTL, RR_MAX_MEMORY, RR_EXEC_TTL
};

static const char *const status_names[] = {
	"inactive", "ready", "working", "invalid", "stopping", "stopped",
	"destroyed", "maxJobsReached", "errored", "idleTTLReached",
	"ttlReached", "maxMemoryReached", "execTTLReached",
};

static int64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * SEC_NS + ts.tv_nsec;
}

/* A worker on its way out says why, as RoadRunner's would. */
static enum rr_status
status_of(const struct worker *w)
{
	switch (w->state) {
	case W_STARTING:
		return RR_INACTIVE;
	case W_READY:
		return RR_READY;
	case W_STOPPING:
		return RR_STOPPING;
	case W_DYING:
		return w->killed == WHY_EXEC_TTL ? RR_EXEC_TTL : RR_ERRORED;
	default:
		break;
	}
	switch (w->retire) {
	case WHY_NONE:
		return RR_WORKING;
	case WHY_MAX_JOBS:
		return RR_MAX_JOBS;
	case WHY_TTL:
		return RR_TTL;
	case WHY_IDLE_TTL:
		return RR_IDLE_TTL;
	case WHY_MEMORY:
		return RR_MAX_MEMORY;
	default:
		return RR_INVALID;
	}
}

/* Digits by hand: this runs for every worker of every call. */
static void
put_u64(struct rpc_out *o, uint64_t v)
{
	char d[20];
	size_t n = sizeof d;

	do
		d[--n] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	rpc_put(o, d + n, sizeof d - n);
}

/* The argument: one plugin name, as a JSON string. */
static int
plugin_arg(const char *arg, size_t len, char *name, size_t cap,
    struct rpc_out *out)
{
	struct json j;

	json_init(&j, arg, len);
	if (json_string(&j, name, cap, NULL) && json_end(&j))
		return 0;
	rpc_puts(out, "expected a plugin name as a JSON string, such as "
	    "\"" PLUGIN "\"");
	return -1;
}

static int
list_plugins(void *ctx, const char *arg, size_t len, struct rpc_out *out)
{
	(void)ctx;
	(void)arg;
	(void)len;
	rpc_puts(out, "[\"" PLUGIN "\"]");
	return 0;
}

static void
sort_by_pid(struct services *s, size_t *n)
{
	const struct pool *p = s->pool;
	size_t i, j, k;

	for (i = *n = 0; i < p->nslots; i++) {
		if (p->slots[i].state == W_FREE || p->slots[i].pid <= 0)
			continue;
		k = i;
		for (j = (*n)++; j > 0 && p->slots[s->order[j - 1]].pid >
		    p->slots[k].pid; j--)
			s->order[j] = s->order[j - 1];
		s->order[j] = k;
	}
}

static void
put_worker(struct services *s, const struct worker *w, int64_t mono,
    int64_t real, struct rpc_out *o)
{
	enum rr_status st = status_of(w);
	int64_t age = mono - w->spawned_at;
	uint64_t cpu = 0;

	/* RoadRunner's CPUPercent: the lifetime average, in hundredths */
	if (age > 0)
		cpu = (uint64_t)((double)w->cpu_ticks / (double)s->clk_tck *
		    1e4 / ((double)age / SEC_NS) + 0.5);
	rpc_puts(o, "{\"pid\":");
	put_u64(o, (uint64_t)w->pid);
	rpc_puts(o, ",\"status\":");
	put_u64(o, st);
	rpc_puts(o, ",\"numExecs\":");
	put_u64(o, w->jobs);
	rpc_puts(o, ",\"created\":");
	put_u64(o, (uint64_t)(real - age));
	rpc_puts(o, ",\"memoryUsage\":");
	put_u64(o, w->own_rss);
	rpc_puts(o, ",\"CPUPercent\":");
	put_u64(o, cpu / 100);
	rpc_put(o, ".", 1);
	rpc_put(o, &"0123456789"[cpu % 100 / 10], 1);
	rpc_put(o, &"0123456789"[cpu % 10], 1);
	rpc_puts(o, ",\"command\":");
	rpc_put(o, s->command.buf, s->command.len);
	rpc_puts(o, ",\"statusStr\":\"");
	rpc_puts(o, status_names[st]);
	rpc_puts(o, "\"}");
}

static int
informer_workers(void *ctx, const char *arg, size_t len, struct rpc_out *out)
{
	struct services *s = ctx;
	int64_t mono = clock_ns(CLOCK_MONOTONIC), real;
	char name[64];
	size_t i, n;

	if (plugin_arg(arg, len, name, sizeof name, out) == -1)
		return -1;
	/* RoadRunner's answer for a plugin without workers */
	if (strcmp(name, PLUGIN) != 0) {
		rpc_puts(out, "{\"workers\":null}");
		return 0;
	}
	sort_by_pid(s, &n);
	/* a worker never sampled (new since the last look) can't wait */
	for (i = 0; i < n && mono - s->sampled < SAMPLE_EVERY; i++)
		if (s->pool->slots[s->order[i]].own_rss == 0)
			s->sampled = INT64_MIN / 2;
	if (mono - s->sampled >= SAMPLE_EVERY) {
		worker_sample(s->pool->slots, s->pool->nslots);
		s->sampled = mono;
	}
	real = clock_ns(CLOCK_REALTIME);
	rpc_puts(out, "{\"workers\":[");
	for (i = 0; i < n; i++) {
		if (i > 0)
			rpc_put(out, ",", 1);
		put_worker(s, &s->pool->slots[s->order[i]], mono, real, out);
	}
	rpc_puts(out, "]}");
	return 0;
}

static int
resetter_reset(void *ctx, const char *arg, size_t len, struct rpc_out *out)
{
	struct services *s = ctx;
	char name[64];

	if (plugin_arg(arg, len, name, sizeof name, out) == -1)
		return -1;
	if (strcmp(name, PLUGIN) != 0) {
		rpc_puts(out, "no such plugin: ");
		rpc_puts(out, name);
		return -1;
	}
	s->reset(s->reset_arg, "rpc");
	rpc_puts(out, "true");
	return 0;
}

static int
rpc_version(void *ctx, const char *arg, size_t len, struct rpc_out *out)
{
	(void)ctx;
	(void)arg;
	(void)len;
	rpc_puts(out, "\"" RR_VERSION "\"");
	return 0;
}

static int
ticker_stats(void *ctx, const char *arg, size_t len, struct rpc_out *out)
{
	struct services *s = ctx;
	struct ticker_counter c[TICKER_COUNTERS_MAX];
	size_t i, n = ticker_counters(s->ticker, c);

	(void)arg;
	(void)len;
	rpc_put(out, "{", 1);
	for (i = 0; i < n; i++) {
		rpc_puts(out, i ? ",\"" : "\"");
		rpc_puts(out, c[i].name);
		rpc_puts(out, "\":");
		put_u64(out, c[i].value);
	}
	rpc_put(out, "}", 1);
	return 0;
}

int
services_init(struct services *s, struct rpc_server *rpc, struct pool *p,
    struct ticker *t, const struct config *cfg, reset_fn *reset, void *arg)
{
	static const struct {
		const char	*name;
		rpc_fn		*fn;
	} methods[] = {
		{ "informer.List", list_plugins },
		{ "informer.Workers", informer_workers },
		{ "resetter.List", list_plugins },
		{ "resetter.Reset", resetter_reset },
		{ "rpc.Version", rpc_version },
		{ "ticker.Stats", ticker_stats },
	};
	struct rpc_out cmd = { 0 };
	size_t i;

	memset(s, 0, sizeof *s);
	s->pool = p;
	s->ticker = t;
	s->reset = reset;
	s->reset_arg = arg;
	s->clk_tck = sysconf(_SC_CLK_TCK);
	s->sampled = INT64_MIN / 2;
	for (i = 0; i < cfg->server.command.argc; i++) {
		rpc_puts(&cmd, i ? " " : "");
		rpc_puts(&cmd, cfg->server.command.argv[i]);
	}
	rpc_put_json_string(&s->command, cmd.buf ? cmd.buf : "", cmd.len);
	free(cmd.buf);
	if (s->command.failed ||
	    (s->order = calloc(p->nslots, sizeof *s->order)) == NULL)
		return -1;
	for (i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (rpc_register(rpc, methods[i].name, methods[i].fn, s) == -1)
			return -1;
	return 0;
}

void
services_free(struct services *s)
{
	free(s->command.buf);
	free(s->order);
}

/*
 * services: see services.h.  A call allocates nothing once the reply
 * buffer has grown to its size; the pool looks at /proc at most once a
 * second (pool_sample()), so a client calling in a loop costs rr only
 * the JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "json.h"
#include "services.h"

#define PLUGIN		"ticker"

/* The argument: one plugin name, as a JSON string. */
static int
plugin_arg(const char *arg, size_t len, char *name, size_t cap,
    struct buf *out)
{
	struct json j;

	json_init(&j, arg, len);
	if (json_string(&j, name, cap, NULL) && json_end(&j))
		return 0;
	buf_puts(out, "expected a plugin name as a JSON string, such as "
	    "\"" PLUGIN "\"");
	return -1;
}

static int
list_plugins(void *ctx, const char *arg, size_t len, struct buf *out)
{
	(void)ctx;
	(void)arg;
	(void)len;
	buf_puts(out, "[\"" PLUGIN "\"]");
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

/*
 * The object of slot i's worker: its cached row, rebuilt only when what it
 * shows changes (a new process, a status, a payload, a sample of /proc),
 * since with 100 workers formatting every row on every call was most of
 * a call's CPU.  CPUPercent is RoadRunner's lifetime average as of the
 * last sample, and created is fixed when the row first sees the process.
 */
static void
put_worker(struct services *s, size_t i, int64_t mono, int64_t real,
    struct buf *o)
{
	const struct worker *w = &s->pool->slots[i];
	struct worker_row *r = &s->rows[i];
	const char *name;
	int st = worker_rr_status(w, &name);
	int64_t age = mono - w->spawned_at;
	uint64_t cpu = 0, sched = w->tag >> SCHED_TAG_SHIFT;
	char *p;

	if (r->pid != w->pid || r->spawned_at != w->spawned_at) {
		r->pid = w->pid;
		r->spawned_at = w->spawned_at;
		r->created = real - age;
		r->len = 0;
	}
	if (r->len == 0 || r->status != st || r->jobs != w->jobs ||
	    r->sampled != s->pool->sampled) {
		r->status = st;
		r->jobs = w->jobs;
		r->sampled = s->pool->sampled;
		if (age > 0)
			cpu = (uint64_t)((double)w->cpu_ticks /
			    (double)s->clk_tck * 1e4 / ((double)age / SEC_NS) +
			    0.5);
		p = buf_digits(BUF_LIT(r->text, "{\"pid\":"), (uint64_t)w->pid);
		p = buf_digits(BUF_LIT(p, ",\"status\":"), (uint64_t)st);
		p = buf_digits(BUF_LIT(p, ",\"numExecs\":"), w->jobs);
		p = buf_digits(BUF_LIT(p, ",\"created\":"), (uint64_t)r->created);
		p = buf_digits(BUF_LIT(p, ",\"memoryUsage\":"), w->own_rss);
		p = buf_digits(BUF_LIT(p, ",\"CPUPercent\":"), cpu / 100);
		*p++ = '.';
		*p++ = (char)('0' + cpu % 100 / 10);
		*p++ = (char)('0' + cpu % 10);
		p = BUF_LIT(p, ",\"command\":");
		r->head = (uint16_t)(p - r->text);
		p = BUF_LIT(p, ",\"statusStr\":\"");
		memcpy(p, name, strlen(name));
		p = BUF_LIT(p + strlen(name), "\"");
		r->len = (uint16_t)(p - r->text);
	}
	buf_put(o, r->text, r->head);
	buf_put(o, s->command.data, s->command.len);
	buf_put(o, r->text + r->head, r->len - r->head);
	/* rr's own: which schedule a working worker runs ("": the unnamed
	 * ticker); clients that map the known keys ignore it */
	if (w->state == W_WORKING) {
		buf_puts(o, ",\"schedule\":");
		if (sched == 0 || sched > s->ticker->schedules.n)
			buf_puts(o, "\"\"");
		else
			buf_put(o, s->ticker->schedules.s[sched - 1].json_name,
			    s->ticker->schedules.s[sched - 1].json_len);
	}
	buf_put(o, "}", 1);
}

static int
informer_workers(void *ctx, const char *arg, size_t len, struct buf *out)
{
	struct services *s = ctx;
	int64_t mono = clock_ns(CLOCK_MONOTONIC), real;
	char name[64];
	size_t i, n;

	if (plugin_arg(arg, len, name, sizeof name, out) == -1)
		return -1;
	/* RoadRunner's answer for a plugin without workers */
	if (strcmp(name, PLUGIN) != 0) {
		buf_puts(out, "{\"workers\":null}");
		return 0;
	}
	sort_by_pid(s, &n);
	pool_sample(s->pool, mono);
	real = clock_ns(CLOCK_REALTIME);
	buf_puts(out, "{\"workers\":[");
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_put(out, ",", 1);
		put_worker(s, s->order[i], mono, real, out);
	}
	buf_puts(out, "]}");
	return 0;
}

static int
resetter_reset(void *ctx, const char *arg, size_t len, struct buf *out)
{
	struct services *s = ctx;
	char name[64];

	if (plugin_arg(arg, len, name, sizeof name, out) == -1)
		return -1;
	if (strcmp(name, PLUGIN) != 0) {
		buf_puts(out, "no such plugin: ");
		buf_puts(out, name);
		return -1;
	}
	s->reset(s->reset_arg, "rpc");
	buf_puts(out, "true");
	return 0;
}

static int
rpc_version(void *ctx, const char *arg, size_t len, struct buf *out)
{
	(void)ctx;
	(void)arg;
	(void)len;
	buf_puts(out, "\"" RR_VERSION "\"");
	return 0;
}

/* sep, then "prefix name":n */
static void
put_count(struct buf *out, const char *sep, const char *prefix,
    const char *name, uint64_t n)
{
	buf_puts(out, sep);
	buf_puts(out, "\"");
	buf_puts(out, prefix);
	buf_puts(out, name);
	buf_puts(out, "\":");
	buf_put_u64(out, n);
}

static int
ticker_stats(void *ctx, const char *arg, size_t len, struct buf *out)
{
	struct services *s = ctx;
	struct ticker_counter c[TICKER_COUNTERS_MAX];
	size_t i, n = ticker_counters(s->ticker, c);

	struct fire_counts f;
	size_t k, j;
	int r;

	(void)arg;
	(void)len;
	buf_put(out, "{", 1);
	for (i = 0; i < n; i++)
		put_count(out, i ? "," : "", "", c[i].name, c[i].value);
	/* the named schedules, each with the counters of its line */
	buf_puts(out, ",\"schedules\":{");
	for (k = 1; k < ticker_nschedules(s->ticker); k++) {
		ticker_fire_counts(s->ticker, k, &f);
		buf_puts(out, k > 1 ? "," : "");
		buf_json_string(out, f.name, strlen(f.name));
		put_count(out, ":{", "", "scheduled", f.scheduled);
		put_count(out, ",", "", "delivered", f.delivered);
		put_count(out, ",", "", "in_flight", f.in_flight);
		put_count(out, ",", "", "queued", f.queued);
		for (r = 0; r < SKIP_NREASONS; r++)
			put_count(out, ",", "skipped_", schedules_skip_name(r),
			    f.skipped[r]);
		for (j = EXEC_OK + 1; j < EXEC_NOUTCOMES; j++)
			put_count(out, ",", "failed_",
			    pool_outcome_name((enum exec_outcome)j),
			    f.failed[j]);
		put_count(out, ",", "", "claiming", f.claiming);
		if (s->ticker->schedules.cluster != NULL) {
			put_count(out, ",", "", "claims_won", f.won);
			put_count(out, ",", "", "claims_lost", f.lost);
			put_count(out, ",", "", "claims_unavailable",
			    f.unavailable);
		}
		buf_put(out, "}", 1);
	}
	buf_puts(out, "}}");
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
	struct buf cmd = { 0 };
	size_t i;

	memset(s, 0, sizeof *s);
	s->pool = p;
	s->ticker = t;
	s->reset = reset;
	s->reset_arg = arg;
	s->clk_tck = sysconf(_SC_CLK_TCK);
	for (i = 0; i < cfg->server.command.argc; i++) {
		buf_puts(&cmd, i ? " " : "");
		buf_puts(&cmd, cfg->server.command.argv[i]);
	}
	buf_json_string(&s->command, cmd.data ? cmd.data : "", cmd.len);
	buf_free(&cmd);
	if (s->command.failed ||
	    (s->order = calloc(p->nslots, sizeof *s->order)) == NULL ||
	    (s->rows = calloc(p->nslots, sizeof *s->rows)) == NULL)
		return -1;
	for (i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (rpc_register(rpc, methods[i].name, methods[i].fn, s) == -1)
			return -1;
	return 0;
}

void
services_free(struct services *s)
{
	buf_free(&s->command);
	free(s->order);
	free(s->rows);
}

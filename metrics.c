/*
 * metrics: see metrics.h.  The families rr computes are written straight
 * from the pool and the ticker at scrape time, in one pass of the single
 * loop, so the counters add up in every scrape: scheduled = delivered +
 * the skipped + the failed + in flight.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "log.h"
#include "clock.h"
#include "expo.h"
#include "metrics.h"

#define PREFIX		"rr_ticker_"
#define NAME_MAX_LEN	128
#define VALUE_MAX_LEN	256	/* a label value from PHP */
#define HELP_MAX_LEN	512
#define STR(x)		STR_(x)
#define STR_(x)		#x

static const char *const type_names[] = { "counter", "gauge", "histogram" };

/* --- rr's own families ---------------------------------------------------- */

static uint64_t
open_fds(void)
{
	char buf[4096];
	uint64_t n = 0;
	long len, off;
	int fd;

	if ((fd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return 0;
	while ((len = getdents64(fd, buf, sizeof buf)) > 0)
		for (off = 0; off < len;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);

			off += d->d_reclen;
			n += d->d_name[0] != '.';
		}
	close(fd);
	return n > 0 ? n - 1 : 0;	/* not the one reading it */
}

/*
 * The process's figures, read from /proc at most once a second: counting
 * the open fds is a getdents64 pass that costs more with every worker,
 * and a scrape more often than that learns nothing new from it.
 */
static void
process_sample(struct metrics *m, int64_t now)
{
	unsigned long long size = 0, resident = 0;
	long page = sysconf(_SC_PAGESIZE);
	struct rlimit rl;
	char statm[128] = "";
	ssize_t n;
	int fd;

	if (m->proc_at != 0 && now - m->proc_at < SEC_NS)
		return;
	m->proc_at = now;
	if ((fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)) != -1) {
		n = read(fd, statm, sizeof statm - 1);
		statm[n > 0 ? n : 0] = '\0';
		close(fd);
		sscanf(statm, "%llu %llu", &size, &resident);
	}
	m->proc_virtual = (double)size * (double)page;
	m->proc_resident = (double)resident * (double)page;
	m->proc_fds = (double)open_fds();
	m->proc_max_fds = getrlimit(RLIMIT_NOFILE, &rl) == 0 ?
	    (double)rl.rlim_cur : 0;
}

static void
process_family(struct metrics *m, struct buf *b, int64_t now)
{
	struct rusage ru;
	uint64_t us, i;
	char *at;

	process_sample(m, now);
	getrusage(RUSAGE_SELF, &ru);
	us = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
	    (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	EXPO_FAMILY(b, "process_cpu_seconds_total", "counter",
	    "Total user and system CPU time spent in seconds.");
	/* to the microsecond, exact, with no float formatted */
	if ((at = buf_room(b, 64)) != NULL) {
		at = BUF_LIT(at, "process_cpu_seconds_total ");
		at = buf_digits(at, us / 1000000);
		*at++ = '.';
		for (i = 100000; i > 0; i /= 10)
			*at++ = (char)('0' + us / i % 10);
		*at++ = '\n';
		buf_wrote(b, at);
	}
	EXPO_SCALAR(b, "process_resident_memory_bytes", "gauge",
	    "Resident memory size in bytes.", m->proc_resident);
	EXPO_SCALAR(b, "process_virtual_memory_bytes", "gauge",
	    "Virtual memory size in bytes.", m->proc_virtual);
	EXPO_SCALAR(b, "process_open_fds", "gauge",
	    "Number of open file descriptors.", m->proc_fds);
	EXPO_SCALAR(b, "process_max_fds", "gauge",
	    "Maximum number of open file descriptors.", m->proc_max_fds);
	EXPO_SCALAR(b, "process_start_time_seconds", "gauge",
	    "Start time of the process since unix epoch in seconds.",
	    (double)m->started);
}

/* One line per worker, written in place: state names and pids need no
 * escaping.  With memory set, the memory family's lines. */
static void
worker_lines(struct buf *b, const struct pool *p, bool memory)
{
	const struct worker *w;
	const char *state;
	char *at;
	size_t i;

	for (i = 0; i < p->nslots; i++) {
		w = &p->slots[i];
		if (w->state == W_FREE || w->pid <= 0 ||
		    (at = buf_room(b, 128)) == NULL)
			continue;
		if (memory) {
			at = BUF_LIT(at, PREFIX "worker_memory_bytes{pid=\"");
			at = buf_digits(at, (uint64_t)w->pid);
			at = buf_digits(BUF_LIT(at, "\"} "), w->own_rss);
		} else {
			worker_rr_status(w, &state);
			at = BUF_LIT(at, PREFIX "worker_state{state=\"");
			memcpy(at, state, strlen(state));
			at = BUF_LIT(at + strlen(state), "\",pid=\"");
			at = BUF_LIT(buf_digits(at, (uint64_t)w->pid), "\"} 0");
		}
		*at++ = '\n';
		buf_wrote(b, at);
	}
}

static void
pool_family(struct metrics *m, struct buf *b, int64_t now)
{
	struct pool *p = m->pool;
	const char *state;
	uint64_t total = 0, memory = 0, invalid = 0;
	size_t i;

	pool_sample(p, now);
	for (i = 0; i < p->nslots; i++) {
		if (p->slots[i].state == W_FREE || p->slots[i].pid <= 0)
			continue;
		total++;
		memory += p->slots[i].own_rss;
		invalid += worker_rr_status(&p->slots[i], &state) == 3;
	}
	EXPO_SCALAR(b, PREFIX "total_workers", "gauge", "Total number of workers "
	    "used by the plugin", (double)total);
	EXPO_SCALAR(b, PREFIX "workers_memory_bytes", "gauge", "Memory usage by "
	    "workers", (double)memory);
	EXPO_FAMILY(b, PREFIX "worker_state", "gauge", "Worker current state");
	worker_lines(b, p, false);
	EXPO_FAMILY(b, PREFIX "worker_memory_bytes", "gauge", "Worker current "
	    "memory usage");
	worker_lines(b, p, true);
	EXPO_SCALAR(b, PREFIX "workers_ready", "gauge", "Workers currently in "
	    "ready state", (double)p->nidle);
	EXPO_SCALAR(b, PREFIX "workers_working", "gauge", "Workers currently in "
	    "working state", (double)p->nbusy);
	EXPO_SCALAR(b, PREFIX "workers_invalid", "gauge", "Workers currently in "
	    "invalid, killing, destroyed, errored, inactive states",
	    (double)invalid);
}

enum fire_figure {
	FC_SCHEDULED, FC_DELIVERED, FC_SKIPPED, FC_FAILED, FC_IN_FLIGHT,
	FC_QUEUED, FC_CLAIMING, FC_CLAIMS
};

/* One figure of every schedule's fires, with its schedule label (and
 * reason, for the skipped and the failed: every reason, at 0 too). */
static void
fire_family(struct metrics *m, struct buf *b, const char *name,
    enum fire_figure what)
{
	const char *kv[4] = { "schedule", NULL, "reason", NULL };
	struct fire_counts f;
	size_t i, n = ticker_nschedules(m->ticker);
	int r;

	for (i = 0; i < n; i++) {
		ticker_fire_counts(m->ticker, i, &f);
		kv[1] = f.name;
		switch (what) {
		case FC_SKIPPED:
			for (r = 0; r < SKIP_NREASONS; r++) {
				kv[3] = schedules_skip_name(r);
				expo_sample(b, name, "", kv, 4,
				    (double)f.skipped[r]);
			}
			break;
		case FC_FAILED:
			for (r = EXEC_OK + 1; r < EXEC_NOUTCOMES; r++) {
				kv[3] = pool_outcome_name(r);
				expo_sample(b, name, "", kv, 4,
				    (double)f.failed[r]);
			}
			break;
		case FC_CLAIMS:
			kv[2] = "result";
			kv[3] = "won";
			expo_sample(b, name, "", kv, 4, (double)f.won);
			kv[3] = "lost";
			expo_sample(b, name, "", kv, 4, (double)f.lost);
			kv[3] = "unavailable";
			expo_sample(b, name, "", kv, 4, (double)f.unavailable);
			break;
		default:
			expo_sample(b, name, "", kv, 2, (double)(what ==
			    FC_SCHEDULED ? f.scheduled : what == FC_DELIVERED ?
			    f.delivered : what == FC_IN_FLIGHT ? f.in_flight :
			    what == FC_QUEUED ? f.queued : f.claiming));
			break;
		}
	}
}

static const struct {
	const char	*name, *type, *help;
	enum fire_figure what;
} fires[] = {
	{ PREFIX "ticks_scheduled_total", "counter", "Ticks that came due, by "
	    "schedule (\"\": the unnamed ticker)", FC_SCHEDULED },
	{ PREFIX "ticks_delivered_total", "counter", "Ticks a worker answered",
	    FC_DELIVERED },
	{ PREFIX "ticks_skipped_total", "counter", "Ticks not sent: the last "
	    "still ran, no idle worker, or rr woke too late", FC_SKIPPED },
	{ PREFIX "ticks_failed_total", "counter", "Ticks sent that got no good "
	    "answer, by reason", FC_FAILED },
	{ PREFIX "ticks_in_flight", "gauge", "Ticks sent and not answered yet",
	    FC_IN_FLIGHT },
	{ PREFIX "ticks_queued", "gauge", "Fires waiting for the last of their "
	    "schedule to end (overlap: queue)", FC_QUEUED },
};

static void
ticker_family(struct metrics *m, struct buf *b)
{
	const struct ticker *t = m->ticker;
	const struct pool *p = m->pool;
	const char *kv[2], *hkv[2];
	int i;

	/* the ticker is set up after metrics_init(): its bounds, once */
	if (m->duration_le[0][0] == '\0') {
		expo_bounds(m->duration_le, t->duration.bounds,
		    t->duration.nbounds);
		expo_bounds(m->lateness_le, t->lateness.bounds,
		    t->lateness.nbounds);
	}

	for (i = 0; i < (int)(sizeof fires / sizeof fires[0]); i++) {
		expo_family(b, fires[i].name, fires[i].type, fires[i].help);
		fire_family(m, b, fires[i].name, fires[i].what);
	}
	if (t->schedules.cluster != NULL) {
		EXPO_FAMILY(b, PREFIX "ticks_claiming", "gauge", "Fires whose "
		    "fleet claim is in flight or waits for a worker");
		fire_family(m, b, PREFIX "ticks_claiming", FC_CLAIMING);
		EXPO_FAMILY(b, PREFIX "claims_total", "counter", "Fleet claims "
		    "of fires (ticker.cluster), by schedule and result: won, "
		    "lost to another server, or no answer from Redis");
		fire_family(m, b, PREFIX "claims_total", FC_CLAIMS);
	}
	EXPO_FAMILY(b, PREFIX "tick_duration_seconds", "histogram", "From a tick "
	    "sent to its reply");
	expo_histogram(b, &m->scratch, PREFIX "tick_duration_seconds",
	    &t->duration, m->duration_le, hkv, 0);
	EXPO_FAMILY(b, PREFIX "tick_lateness_seconds", "histogram", "From a tick "
	    "due to sent");
	expo_histogram(b, &m->scratch, PREFIX "tick_lateness_seconds",
	    &t->lateness, m->lateness_le, hkv, 0);
	EXPO_FAMILY(b, PREFIX "worker_restarts_total", "counter", "Workers "
	    "replaced, by reason");
	kv[0] = "reason";
	for (i = WHY_NONE + 1; i < WHY_NREASONS; i++) {
		if (i == WHY_SHUTDOWN)
			continue;
		kv[1] = pool_why_name(i);
		expo_sample(b, PREFIX "worker_restarts_total", "", kv, 2,
		    (double)p->left[i]);
	}
}

/* --- the app's families --------------------------------------------------- */

static void
app_families(struct metrics *m, struct buf *b)
{
	const char *kv[2 * METRICS_LABELS_MAX + 2];
	const struct app_family *f;
	const struct app_series *s;
	const char *v;
	size_t i, j, k;

	for (i = 0; i < m->nfamilies; i++) {
		f = m->families[i];
		expo_family(b, f->name, type_names[f->type], f->help);
		for (j = 0; j < f->nseries; j++) {
			s = &f->series[j];
			for (k = 0, v = s->values; k < f->nlabels; k++) {
				kv[2 * k] = f->labels[k];
				kv[2 * k + 1] = v;
				v += strlen(v) + 1;
			}
			if (f->type == MT_HISTOGRAM)
				expo_histogram(b, &m->scratch, f->name, &s->hist,
				    f->le, kv, 2 * f->nlabels);
			else
				expo_sample(b, f->name, "", kv, 2 * f->nlabels,
				    s->value);
		}
	}
}

void
metrics_render(struct metrics *m, struct buf *out)
{
	const char *kv[2] = { "version", RR_VERSION };
	int64_t now = clock_ns(CLOCK_MONOTONIC);

	EXPO_FAMILY(out, "rr_build_info", "gauge", "rr's version");
	expo_sample(out, "rr_build_info", "", kv, 2, 1);
	process_family(m, out, now);
	pool_family(m, out, now);
	ticker_family(m, out);
	app_families(m, out);
}

/* Prometheus scrapes any path, as RoadRunner's promhttp answers it. */
static void
handle(void *ctx, const struct http_request *r, struct http_reply *rep)
{
	(void)r;
	rep->type = "text/plain; version=0.0.4; charset=utf-8";
	metrics_render(ctx, rep->body);
}

int
metrics_init(struct metrics *m, const struct config *cfg, struct pool *p,
    struct ticker *t, int epfd, char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	m->http.lfd = -1;
	m->pool = p;
	m->ticker = t;
	m->started = (int64_t)time(NULL);
	if (!cfg->metrics.set)
		return 0;
	return http_init(&m->http, "metrics", cfg->metrics.address,
	    cfg->metrics.max_connections, 60 * SEC_NS, handle, m, epfd, err,
	    errlen);
}

static void
family_free(struct app_family *f)
{
	size_t i;

	for (i = 0; i < f->nseries; i++)
		free(f->series[i].values);
	for (i = 0; i < f->nlabels; i++)
		free(f->labels[i]);
	free(f->series);
	free(f->key);
	free(f->name);
	free(f->help);
	free(f);
}

void
metrics_close(struct metrics *m)
{
	size_t i;

	for (i = 0; i < m->nfamilies; i++)
		family_free(m->families[i]);
	m->nfamilies = 0;
	buf_free(&m->scratch);
	http_close(&m->http);
}

/* --- the metrics RPC service ---------------------------------------------- */

static bool
valid_name(const char *s, bool label)
{
	size_t i;

	if (*s == '\0' || (label && s[0] == '_' && s[1] == '_'))
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_' ||
		    (!label && s[i] == ':') || (i > 0 && s[i] >= '0' &&
		    s[i] <= '9')))
			return false;
	return true;
}

static struct app_family *
find_family(struct metrics *m, const char *key, size_t *at)
{
	size_t i;

	for (i = 0; i < m->nfamilies; i++)
		if (strcmp(m->families[i]->key, key) == 0) {
			if (at != NULL)
				*at = i;
			return m->families[i];
		}
	return NULL;
}

/* A JSON list of strings into out[], at most max of them. */
static bool
string_list(struct json *j, char out[][VALUE_MAX_LEN], unsigned max,
    unsigned *n)
{
	*n = 0;
	if (json_peek(j, 'n'))	/* null: none */
		return json_skip(j);
	if (!json_take(j, '['))
		return false;
	if (json_take(j, ']'))
		return true;
	do {
		if (*n == max || !json_string(j, out[*n], VALUE_MAX_LEN, NULL))
			return false;
		(*n)++;
	} while (json_take(j, ','));
	return json_take(j, ']');
}

struct update {
	char		 name[NAME_MAX_LEN];
	double		 value;
	char		 labels[METRICS_LABELS_MAX][VALUE_MAX_LEN];
	unsigned	 nlabels;
};

struct declare {
	char		 name[NAME_MAX_LEN], ns[NAME_MAX_LEN], sub[NAME_MAX_LEN];
	char		 type[32], help[HELP_MAX_LEN];
	char		 labels[METRICS_LABELS_MAX][VALUE_MAX_LEN];
	unsigned	 nlabels;
	double		 bounds[HIST_BUCKETS_MAX];
	size_t		 nbounds;
};

static bool
collector_member(struct json *j, const char *key, void *arg)
{
	struct declare *d = arg;

	if (strcmp(key, "namespace") == 0)
		return json_string(j, d->ns, sizeof d->ns, NULL);
	if (strcmp(key, "subsystem") == 0)
		return json_string(j, d->sub, sizeof d->sub, NULL);
	if (strcmp(key, "type") == 0)
		return json_string(j, d->type, sizeof d->type, NULL);
	if (strcmp(key, "help") == 0)
		return json_string(j, d->help, sizeof d->help, NULL);
	if (strcmp(key, "labels") == 0)
		return string_list(j, d->labels, METRICS_LABELS_MAX,
		    &d->nlabels);
	if (strcmp(key, "buckets") != 0 || json_peek(j, 'n'))
		return json_skip(j);
	if (!json_take(j, '['))
		return false;
	if (json_take(j, ']'))
		return true;
	do {
		if (d->nbounds == HIST_BUCKETS_MAX ||
		    !json_number(j, &d->bounds[d->nbounds++]))
			return false;
	} while (json_take(j, ','));
	return json_take(j, ']');
}

static bool
declare_member(struct json *j, const char *key, void *arg)
{
	struct declare *d = arg;

	if (strcmp(key, "name") == 0)
		return json_string(j, d->name, sizeof d->name, NULL);
	if (strcmp(key, "collector") == 0)
		return json_object(j, collector_member, d);
	return json_skip(j);
}

static int
parse_declare(const char *arg, size_t len, struct declare *d)
{
	struct json j;

	memset(d, 0, sizeof *d);
	json_init(&j, arg, len);
	return json_object(&j, declare_member, d) && json_end(&j) ? 0 : -1;
}

/* Prometheus's default buckets, for a histogram declared without any. */
static const double default_bounds[] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

/*
 * A new family as d says, from the config or from Declare; what is wrong
 * with it into out.  The texts PHP code tests for are RoadRunner's.
 */
static struct app_series *series(struct app_family *, const struct update *,
    struct buf *);

static int
declare_family(struct metrics *m, const struct declare *dp, struct buf *out)
{
	const struct declare d = *dp;
	struct app_family *f;
	char full[3 * NAME_MAX_LEN + 2];
	unsigned i;
	int type;

	if (find_family(m, d.name, NULL) != NULL) {
		buf_printf(out, "tried to register existing collector with "
		    "the name `%s`", d.name);
		return -1;
	}
	for (type = 0; type < 3 && strcmp(d.type, type_names[type]); type++)
		;
	if (type == 3) {
		buf_printf(out, strcmp(d.type, "summary") == 0 ? "collector "
		    "type summary is not supported by rr: declare a histogram"
		    : "unknown collector type %s", d.type);
		return -1;
	}
	snprintf(full, sizeof full, "%s%s%s%s%s", d.ns, *d.ns ? "_" : "",
	    d.sub, *d.sub ? "_" : "", d.name);
	if (!valid_name(full, false) || strncmp(full, PREFIX,
	    strlen(PREFIX)) == 0 || strncmp(full, "process_", 8) == 0 ||
	    strcmp(full, "rr_build_info") == 0) {
		buf_printf(out, "\"%s\" is not a metric name PHP may declare "
		    "(letters, digits, _ and :, not rr's own)", full);
		return -1;
	}
	for (i = 0; i < d.nlabels; i++)
		if (!valid_name(d.labels[i], true)) {
			buf_printf(out, "\"%s\" is not a label name",
			    d.labels[i]);
			return -1;
		}
	/* Go's client panics on these: a scrape would be meaningless */
	for (i = 1; i < d.nbounds; i++)
		if (!(d.bounds[i] > d.bounds[i - 1])) {
			buf_puts(out, "histogram buckets must be in increasing "
			    "order");
			return -1;
		}
	if (m->nfamilies == METRICS_FAMILIES_MAX) {
		buf_printf(out, "too many collectors (rr keeps at most %d): "
		    "unregister some first", METRICS_FAMILIES_MAX);
		return -1;
	}
	if ((f = calloc(1, sizeof *f)) == NULL ||
	    (f->key = strdup(d.name)) == NULL ||
	    (f->name = strdup(full)) == NULL ||
	    (f->help = strdup(*d.help ? d.help : d.name)) == NULL)
		goto nomem;
	f->type = (enum metric_type)type;
	for (i = 0; i < d.nlabels; i++, f->nlabels++)
		if ((f->labels[i] = strdup(d.labels[i])) == NULL)
			goto nomem;
	if (d.nbounds == 0 && type == MT_HISTOGRAM) {
		memcpy(f->bounds, default_bounds, sizeof default_bounds);
		f->nbounds = sizeof default_bounds / sizeof default_bounds[0];
	} else {
		memcpy(f->bounds, d.bounds, d.nbounds * sizeof d.bounds[0]);
		f->nbounds = d.nbounds;
	}
	expo_bounds(f->le, f->bounds, f->nbounds);
	/* without labels its one series exists at once, at 0, as Go's
	 * client shows a plain counter, gauge or histogram */
	if (d.nlabels == 0 && series(f, &(struct update){ .nlabels = 0 },
	    out) == NULL) {
		family_free(f);
		return -1;
	}
	m->families[m->nfamilies++] = f;
	log_debug("metrics", "collector declared", LF_STR("name", full));
	buf_puts(out, "true");
	return 0;
nomem:
	if (f != NULL)
		family_free(f);
	buf_puts(out, "out of memory");
	return -1;
}

static int
declare(void *ctx, const char *arg, size_t len, struct buf *out)
{
	struct declare d;

	if (parse_declare(arg, len, &d) == -1) {
		buf_puts(out, "expected {\"name\":...,\"collector\":{\"type\":"
		    "...}} (a JSON object)");
		return -1;
	}
	return declare_family(ctx, &d, out);
}

/* Into a fixed field of struct declare: false when it does not fit. */
static bool
copy_in(char *dst, size_t cap, const char *src)
{
	return src == NULL || (size_t)snprintf(dst, cap, "%s", src) < cap;
}

/* metrics.collect.NAME as Declare would have it, or why not in why. */
static bool
collector_declare(const struct collector_config *c, struct declare *d,
    const char **why)
{
	size_t i;

	memset(d, 0, sizeof *d);
	*why = "a name, namespace, subsystem or help too long";
	if (!copy_in(d->name, sizeof d->name, c->name) ||
	    !copy_in(d->ns, sizeof d->ns, c->namespace) ||
	    !copy_in(d->sub, sizeof d->sub, c->subsystem) ||
	    !copy_in(d->help, sizeof d->help, c->help))
		return false;
	snprintf(d->type, sizeof d->type, "%s", type_names[c->type]);
	*why = "more than " STR(METRICS_LABELS_MAX) " labels";
	if (c->labels.n > METRICS_LABELS_MAX)
		return false;
	*why = "a label name too long";
	for (i = 0; i < c->labels.n; i++, d->nlabels++)
		if (!copy_in(d->labels[i], VALUE_MAX_LEN, c->labels.v[i]))
			return false;
	*why = "more than " STR(HIST_BUCKETS_MAX) " buckets";
	if (c->buckets.n > HIST_BUCKETS_MAX)
		return false;
	for (i = 0; i < c->buckets.n; i++)
		d->bounds[d->nbounds++] = c->buckets.v[i];
	return true;
}

int
metrics_collect(struct metrics *m, const struct config *cfg, char *err,
    size_t errlen)
{
	const struct collector_config *c;
	const char *where, *why;
	struct declare d;
	struct buf msg = { 0 };
	size_t i;

	for (i = 0; i < cfg->metrics.collect.n; i++) {
		c = (const struct collector_config *)cfg->metrics.collect.items +
		    i;
		if ((where = config_where(cfg, &c->type)) == NULL) {
			snprintf(err, errlen, "%s: metrics.collect.%s.type: "
			    "required (counter, gauge or histogram)",
			    cfg->path, c->name);
			break;
		}
		buf_reset(&msg);
		if (!collector_declare(c, &d, &why))
			buf_puts(&msg, why);
		else if (declare_family(m, &d, &msg) == 0)
			continue;
		buf_put(&msg, "", 1);
		snprintf(err, errlen, "%s: metrics.collect.%s: %s", where,
		    c->name, msg.failed ? "out of memory" : msg.data);
		break;
	}
	buf_free(&msg);
	return i < cfg->metrics.collect.n ? -1 : 0;
}

/* {"name","value","labels":[...]}, as roadrunner-metrics sends it. */
static bool
update_member(struct json *j, const char *key, void *arg)
{
	struct update *u = arg;

	if (strcmp(key, "name") == 0)
		return json_string(j, u->name, sizeof u->name, NULL);
	if (strcmp(key, "value") == 0)
		return json_number(j, &u->value);
	if (strcmp(key, "labels") == 0)
		return string_list(j, u->labels, METRICS_LABELS_MAX,
		    &u->nlabels);
	return json_skip(j);
}

static int
parse_update(const char *arg, size_t len, struct update *u)
{
	struct json j;

	memset(u, 0, sizeof *u);
	json_init(&j, arg, len);
	return json_object(&j, update_member, u) && json_end(&j) ? 0 : -1;
}

/* The series of f with u's label values, made when new. */
static struct app_series *
series(struct app_family *f, const struct update *u, struct buf *out)
{
	char values[METRICS_LABELS_MAX * VALUE_MAX_LEN];
	struct app_series *s;
	size_t n = 0, i, cap;

	for (i = 0; i < u->nlabels; i++) {
		memcpy(values + n, u->labels[i], strlen(u->labels[i]) + 1);
		n += strlen(u->labels[i]) + 1;
	}
	for (i = 0; i < f->nseries; i++)
		if (f->series[i].values_len == n &&
		    memcmp(f->series[i].values, values, n) == 0)
			return &f->series[i];
	if (f->nseries == METRICS_SERIES_MAX) {
		buf_printf(out, "too many label sets for collector %s (rr "
		    "keeps at most %d)", f->key, METRICS_SERIES_MAX);
		return NULL;
	}
	if (f->nseries == f->cap) {
		cap = f->cap ? 2 * f->cap : 8;
		if ((s = realloc(f->series, cap * sizeof *s)) == NULL)
			goto nomem;
		f->series = s;
		f->cap = cap;
	}
	s = &f->series[f->nseries];
	memset(s, 0, sizeof *s);
	if ((s->values = malloc(n ? n : 1)) == NULL)
		goto nomem;
	memcpy(s->values, values, n);
	s->values_len = n;
	hist_init(&s->hist, f->bounds, f->nbounds);
	f->nseries++;
	return s;
nomem:
	buf_puts(out, "out of memory");
	return NULL;
}

static const char *const op_names[] = { "Add", "Sub", "Set", "Observe" };

/* The types each method takes, as RoadRunner's metrics plugin has them. */
static bool
allowed(enum metrics_opcode op, enum metric_type t)
{
	switch (op) {
	case OP_ADD:
		return t == MT_COUNTER || t == MT_GAUGE;
	case OP_OBSERVE:
		return t == MT_HISTOGRAM;
	default:
		return t == MT_GAUGE;
	}
}

static int
update(struct metrics *m, enum metrics_opcode op, const char *arg, size_t len,
    struct buf *out)
{
	struct app_family *f;
	struct app_series *s;
	struct update u;

	if (parse_update(arg, len, &u) == -1) {
		buf_puts(out, "expected {\"name\":...,\"value\":...,"
		    "\"labels\":[...]} (a JSON object)");
		return -1;
	}
	if ((f = find_family(m, u.name, NULL)) == NULL) {
		buf_printf(out, op == OP_ADD ? "undefined collector %s, try "
		    "first Declare the desired collector" :
		    "undefined collector %s", u.name);
		return -1;
	}
	if (!allowed(op, f->type)) {
		buf_printf(out, "collector `%s` does not support method `%s`",
		    u.name, op_names[op]);
		return -1;
	}
	if (f->nlabels > 0 && u.nlabels == 0) {
		buf_printf(out, "required labels for collector %s", u.name);
		return -1;
	}
	if (u.nlabels != f->nlabels) {
		buf_printf(out, "inconsistent label cardinality: expected %u "
		    "label values but got %u", f->nlabels, u.nlabels);
		return -1;
	}
	if (op == OP_ADD && f->type == MT_COUNTER && u.value < 0) {
		buf_puts(out, "counter cannot decrease in value");
		return -1;
	}
	if ((s = series(f, &u, out)) == NULL)
		return -1;
	switch (op) {
	case OP_ADD:
		s->value += u.value;
		break;
	case OP_SUB:
		s->value -= u.value;
		break;
	case OP_SET:
		s->value = u.value;
		break;
	case OP_OBSERVE:
		hist_observe(&s->hist, u.value);
		break;
	}
	buf_puts(out, "true");
	return 0;
}

/* Add, Sub, Set and Observe: one method each, over update(). */
static int
op_call(void *ctx, const char *arg, size_t len, struct buf *out)
{
	const struct metrics_op *o = ctx;

	return update(o->m, o->op, arg, len, out);
}

static int
unregister(void *ctx, const char *arg, size_t len, struct buf *out)
{
	struct metrics *m = ctx;
	char name[NAME_MAX_LEN];
	struct json j;
	size_t at;

	json_init(&j, arg, len);
	if (!json_string(&j, name, sizeof name, NULL) || !json_end(&j)) {
		buf_puts(out, "expected a collector name as a JSON string");
		return -1;
	}
	if (find_family(m, name, &at) == NULL) {
		buf_printf(out, "undefined collector %s", name);
		return -1;
	}
	family_free(m->families[at]);
	memmove(m->families + at, m->families + at + 1,
	    (m->nfamilies - at - 1) * sizeof m->families[0]);
	m->nfamilies--;
	buf_puts(out, "true");
	return 0;
}

int
metrics_register(struct metrics *m, struct rpc_server *rpc)
{
	static const char *const names[] = { "metrics.Add", "metrics.Sub",
	    "metrics.Set", "metrics.Observe" };
	int i;

	for (i = 0; i < 4; i++) {
		m->ops[i] = (struct metrics_op){ m, i };
		if (rpc_register(rpc, names[i], op_call, &m->ops[i]) == -1)
			return -1;
	}
	if (rpc_register(rpc, "metrics.Declare", declare, m) == -1 ||
	    rpc_register(rpc, "metrics.Unregister", unregister, m) == -1)
		return -1;
	return 0;
}

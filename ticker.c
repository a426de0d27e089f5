/*
 * ticker: see ticker.h.  The payload is formatted into stack buffers and
 * leaves through pool_exec() at once, so a tick allocates nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "ticker.h"

/* Seconds: from a fast worker's answer to a minute-long job. */
static const double duration_bounds[] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
	2.5, 5, 10, 30, 60,
};

/* Seconds from due to sent: rr's own promptness. */
static const double lateness_bounds[] = {
	0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
	0.05, 0.1, 0.25, 1,
};

int
ticker_init(struct ticker *t, const struct ticker_config *tc, struct pool *p,
    int epfd, char *err, size_t errlen)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = t };

	memset(t, 0, sizeof *t);
	t->schedules.tfd = -1;
	hist_init(&t->duration, duration_bounds,
	    sizeof duration_bounds / sizeof duration_bounds[0]);
	hist_init(&t->lateness, lateness_bounds,
	    sizeof lateness_bounds / sizeof lateness_bounds[0]);
	t->interval = tc->interval;
	/* in a fleet the schedules run it, on the wall clock */
	t->unnamed = tc->unnamed && !tc->cluster.set;
	t->pool = p;
	t->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (t->tfd == -1 || epoll_ctl(epfd, EPOLL_CTL_ADD, t->tfd, &ev) == -1) {
		snprintf(err, errlen, "timerfd: %s", strerror(errno));
		ticker_close(t);
		return -1;
	}
	if (schedules_init(&t->schedules, tc, p, &t->lateness, &t->duration,
	    epfd, err, errlen) == -1) {
		ticker_close(t);
		return -1;
	}
	return 0;
}

static struct timespec
ts(int64_t ns)
{
	return (struct timespec){ ns / SEC_NS, ns % SEC_NS };
}

bool
ticker_started(const struct ticker *t)
{
	return t->start != 0;
}

/*
 * prefix, n in decimal, then '}': out needs strlen(prefix) + 21 bytes.
 * Not snprintf: after a tick's worth of sleep its code is cold, and it
 * was most of the instructions rr spent per tick.
 */
static uint32_t
json_number(char *out, const char *prefix, uint64_t n)
{
	size_t len = strlen(prefix), ndigits = 0;
	char digits[20];

	memcpy(out, prefix, len);
	do
		digits[ndigits++] = (char)('0' + n % 10);
	while ((n /= 10) != 0);
	while (ndigits > 0)
		out[len++] = digits[--ndigits];
	out[len++] = '}';
	return (uint32_t)len;
}

static pid_t
dispatch(struct ticker *t, uint64_t n, int64_t now)
{
	char ctx[48], body[40];
	uint32_t clen, blen;

	clen = json_number(ctx, "{\"lastTick\":", (uint64_t)t->last_tick);
	blen = json_number(body, "{\"tick\":", n);
	return pool_exec(t->pool, GR_CODEC_JSON, ctx, clen, body, blen, n,
	    now);
}

/*
 * Say what was skipped at most once a second: at a short interval a
 * stalled pool skips hundreds of ticks a second, and a line for each
 * would flood the log and cost more than the ticks.  The counters stay
 * exact; the lines carry how many they stand for.
 */
static void
tell_skipped(struct ticker *t, int64_t now, bool force)
{
	uint64_t n = t->unlogged_busy + t->unlogged_late;

	if (n == 0 || (!force && t->skip_told != 0 &&
	    now - t->skip_told < SEC_NS))
		return;
	log_warn("ticker", n == 1 ? "tick skipped" : "ticks skipped",
	    LF_INT("due", t->due), LF_INT("count", n),
	    LF_STR("reason", t->unlogged_late == 0 ? "no idle worker" :
	    t->unlogged_busy == 0 ? "rr was late" :
	    "no idle worker, rr was late"));
	t->unlogged_busy = t->unlogged_late = 0;
	t->skip_told = now;
}

static void
send_tick(struct ticker *t, int64_t now)
{
	int64_t late;
	pid_t pid;

	if ((pid = dispatch(t, t->next_n, now)) == -1) {
		/* EBUSY; ESHUTDOWN can't come, the timer stops first */
		t->skipped++;
		t->skipped_busy++;
		t->unlogged_busy++;
		tell_skipped(t, now, false);
		return;
	}
	late = now - (t->start + (int64_t)t->due * t->interval);
	t->in_flight++;
	hist_observe(&t->lateness, (double)late / SEC_NS);
	log_debug("ticker", "tick", LF_INT("tick", t->next_n),
	    LF_INT("pid", pid), LF_INT("due", t->due),
	    LF_INT("late_us", late / 1000));
	t->next_n++;
	tell_skipped(t, now, false);
}

/* The next `expirations` ticks are due: the last goes out. */
static void
fire(struct ticker *t, uint64_t expirations, int64_t now)
{
	t->scheduled += expirations;
	if (expirations > 1) {
		/* rr itself was too late to see these: they never had a
		 * chance, but they count and they are logged */
		t->skipped += expirations - 1;
		t->unlogged_late += expirations - 1;
		t->due += expirations - 1;
	}
	send_tick(t, now);
	t->due++;
}

void
ticker_on_timer(struct ticker *t, int64_t now)
{
	uint64_t expirations;

	if (read(t->tfd, &expirations, sizeof expirations) ==
	    sizeof expirations)
		fire(t, expirations, now);
	/* else EAGAIN: raced with ticker_stop() */
}

int
ticker_start(struct ticker *t, int64_t now)
{
	struct itimerspec its = { ts(t->interval), ts(now + t->interval) };

	t->start = now;
	if (schedules_start(&t->schedules) == -1)
		return -1;
	if (!t->unnamed)
		return 0;
	if (timerfd_settime(t->tfd, TFD_TIMER_ABSTIME, &its, NULL) == -1)
		return -1;
	fire(t, 1, now);
	return 0;
}

void
ticker_done(void *arg, const struct exec_result *r)
{
	struct ticker *t = arg;
	int64_t us = (r->finished - r->started) / 1000;
	pid_t pid;

	if (r->tag >> SCHED_TAG_SHIFT != 0) {
		schedules_done(&t->schedules, r);
		return;
	}
	/* RoadRunner re-runs a payload whose worker asked to be replaced */
	if (r->outcome == EXEC_REPLACED &&
	    (pid = dispatch(t, r->tag, r->finished)) != -1) {
		log_debug("ticker", "tick re-sent", LF_INT("tick", r->tag),
		    LF_INT("pid", pid));
		return;
	}
	t->in_flight--;
	t->last_tick = (long long)time(NULL);
	if (r->outcome == EXEC_OK || r->outcome == EXEC_SOFT_ERROR)
		hist_observe(&t->duration, (double)(r->finished - r->started) /
		    SEC_NS);
	if (r->outcome == EXEC_OK) {
		t->delivered++;
		log_debug("ticker", "tick done", LF_INT("tick", r->tag),
		    LF_INT("pid", r->pid), LF_INT("us", us));
		return;
	}
	t->failed[r->outcome]++;
	log_error("ticker", "tick failed", LF_INT("tick", r->tag),
	    LF_INT("pid", r->pid),
	    LF_STR("reason", pool_outcome_name(r->outcome)));
}

void
ticker_stop(struct ticker *t, int64_t now)
{
	struct itimerspec off = { { 0, 0 }, { 0, 0 } };

	tell_skipped(t, now, true);
	schedules_stop(&t->schedules, now);
	if (t->tfd != -1)
		timerfd_settime(t->tfd, 0, &off, NULL);
}

void
ticker_close(struct ticker *t)
{
	if (t->tfd != -1)
		close(t->tfd);	/* closing removes it from epoll */
	t->tfd = -1;
	schedules_close(&t->schedules);
}

uint64_t
ticker_failed(const struct ticker *t)
{
	uint64_t n = 0;

	for (int i = 0; i < EXEC_NOUTCOMES; i++)
		n += t->failed[i];
	return n;
}

/* Names for the counters, built once from the reasons' names. */
static char failed_keys[EXEC_NOUTCOMES][32], left_keys[WHY_NREASONS][32];

size_t
ticker_counters(const struct ticker *t, struct ticker_counter *c)
{
	const struct pool *p = t->pool;
	uint64_t restarts = 0, skipped = 0, failed = 0;
	struct fire_counts f;
	size_t n = 0;
	int i;

	ticker_fire_counts(t, 0, &f);
	for (i = 0; i < SKIP_NREASONS; i++)
		skipped += f.skipped[i];
	for (i = 0; i < EXEC_NOUTCOMES; i++)
		failed += f.failed[i];
	for (i = 0; i < WHY_NREASONS; i++)
		if (i != WHY_SHUTDOWN && i != WHY_NONE)
			restarts += p->left[i];
	c[n++] = (struct ticker_counter){ "scheduled", f.scheduled };
	c[n++] = (struct ticker_counter){ "delivered", f.delivered };
	c[n++] = (struct ticker_counter){ "skipped", skipped };
	c[n++] = (struct ticker_counter){ "failed", failed };
	c[n++] = (struct ticker_counter){ "in_flight", f.in_flight };
	if (t->schedules.cluster != NULL) {
		c[n++] = (struct ticker_counter){ "claiming", f.claiming };
		c[n++] = (struct ticker_counter){ "claims_won", f.won };
		c[n++] = (struct ticker_counter){ "claims_lost", f.lost };
		c[n++] = (struct ticker_counter){ "claims_unavailable",
		    f.unavailable };
	}
	for (i = EXEC_OK + 1; i < EXEC_NOUTCOMES; i++) {
		snprintf(failed_keys[i], sizeof failed_keys[i], "failed_%s",
		    pool_outcome_name(i));
		c[n++] = (struct ticker_counter){ failed_keys[i],
		    f.failed[i] };
	}
	c[n++] = (struct ticker_counter){ "restarts", restarts };
	for (i = WHY_NONE + 1; i < WHY_NREASONS; i++) {
		if (i == WHY_SHUTDOWN)
			continue;
		snprintf(left_keys[i], sizeof left_keys[i], "restarts_%s",
		    pool_why_name(i));
		c[n++] = (struct ticker_counter){ left_keys[i], p->left[i] };
	}
	return n;
}

size_t
ticker_nschedules(const struct ticker *t)
{
	return 1 + t->schedules.n - t->schedules.first_named;
}

void
ticker_fire_counts(const struct ticker *t, size_t i, struct fire_counts *f)
{
	const struct schedule *s;

	memset(f, 0, sizeof *f);
	if (i == 0 && t->schedules.first_named == 0) {
		f->name = "";
		f->scheduled = t->scheduled;
		f->delivered = t->delivered;
		f->in_flight = t->in_flight;
		f->skipped[SKIP_BUSY] = t->skipped_busy;
		f->skipped[SKIP_LATE] = t->skipped - t->skipped_busy;
		f->failed = t->failed;
		return;
	}
	s = &t->schedules.s[i - 1 + t->schedules.first_named];
	f->name = s->name;
	f->scheduled = s->scheduled;
	f->delivered = s->delivered;
	f->in_flight = s->in_flight;
	f->queued = s->queued;
	f->claiming = s->claiming;
	f->won = s->won;
	f->lost = s->lost;
	f->unavailable = s->unavailable;
	memcpy(f->skipped, s->skipped, sizeof f->skipped);
	f->failed = s->failed;
}

void
ticker_log_counters(const struct ticker *t)
{
	struct ticker_counter c[TICKER_COUNTERS_MAX];
	struct log_field f[TICKER_COUNTERS_MAX + 1];
	size_t i, n = ticker_counters(t, c);

	/* the unnamed ticker's, as the schedules' lines name theirs */
	f[0] = LF_STR("schedule", "");
	for (i = 0; i < n; i++)
		f[i + 1] = LF_INT(c[i].name, c[i].value);
	if (LOG_LEVEL_INFO >= log_min_level && log_mode_ != LOGS_OFF)
		log_emit(LOG_LEVEL_INFO, "rr", "counters", strlen("counters"),
		    f, n + 1);
	schedules_log_counters(&t->schedules);
}

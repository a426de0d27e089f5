/*
 * schedules: see schedules.h.  A fire's payload is put together on the stack
 * (names are at most SCHEDULE_NAME_MAX bytes, escaped once at start), so
 * a fire allocates nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "log.h"
#include "schedules.h"

/* Fires a stalled rr skips one by one before it just starts over from
 * now: a wake-up after a long stop must not loop for each second. */
#define LATE_MAX	1000
#define TICK_MASK	((1ull << SCHED_TAG_SHIFT) - 1)

static const char *const skip_names[SKIP_NREASONS] = {
	[SKIP_OVERLAP] = "overlap", [SKIP_BUSY] = "no_idle_worker",
	[SKIP_LATE] = "late", [SKIP_CLAIMED] = "claimed",
	[SKIP_COORDINATOR] = "coordinator",
};

const char *
schedules_skip_name(enum sched_skip why)
{
	return skip_names[why];
}

/* The zone called name (NULL: rr's own), loaded once for every schedule
 * that names it. */
static const struct tz *
zone_of(struct schedules *sc, const char *name, char *err, size_t errlen)
{
	const char *want = name != NULL ? name : "";
	struct tz *z;
	size_t i;

	for (i = 0; i < sc->nzones; i++)
		if (strcmp(sc->zones[i].name, want) == 0 ||
		    (name == NULL && sc->zones[i].name[0] == '\0'))
			return &sc->zones[i];
	z = &sc->zones[sc->nzones];
	if ((name != NULL ? tz_load(z, name, err, errlen) :
	    tz_load_local(z, err, errlen)) == -1)
		return NULL;
	/* rr's own zone is found by the empty name */
	if (name == NULL)
		z->name[0] = '\0';
	sc->nzones++;
	return z;
}

/* The unnamed ticker as a fleet's schedule: as many in flight as there
 * are workers, as without a fleet. */
static int
unnamed_init(struct schedule *s, const struct ticker_config *tc)
{
	s->name = "";
	s->unnamed = true;
	s->overlap = OVERLAP_ALLOW;
	s->every_ns = tc->interval;
	if ((s->json_name = strdup("\"\"")) == NULL)
		return -1;
	s->json_len = 2;
	return 0;
}

int
schedules_init(struct schedules *sc, const struct ticker_config *tc,
    struct pool *p, struct hist *lateness, struct hist *duration, int epfd,
    char *err, size_t errlen)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = sc };
	const struct schedule_config *c;
	struct schedule *s;
	struct buf b = { 0 };
	char cerr[CRON_ERR_MAX];
	size_t i, n;

	memset(sc, 0, sizeof *sc);
	sc->tfd = -1;
	sc->pool = p;
	sc->lateness = lateness;
	sc->duration = duration;
	sc->wait_head = sc->wait_tail = UINT32_MAX;
	sc->first_named = tc->unnamed && tc->cluster.set;
	if ((n = sc->first_named + tc->schedules.n) == 0)
		return 0;
	if ((sc->s = calloc(n, sizeof *sc->s)) == NULL ||
	    (sc->heap = calloc(n, sizeof *sc->heap)) == NULL ||
	    (sc->zones = calloc(n, sizeof *sc->zones)) == NULL)
		goto nomem;
	for (i = 0; i < n; i++)
		sc->s[i] = (struct schedule){ .owner = sc, .known.fence = -1,
		    .wait_next = UINT32_MAX };
	if (sc->first_named && unnamed_init(&sc->s[sc->n++], tc) == -1)
		goto nomem;
	for (i = 0; i < tc->schedules.n; i++, sc->n++) {
		c = (const struct schedule_config *)tc->schedules.items + i;
		s = &sc->s[sc->n];
		s->name = c->name;
		s->overlap = c->overlap;
		buf_reset(&b);
		buf_json_string(&b, c->name, strlen(c->name));
		if (b.failed || (s->json_name = malloc(b.len)) == NULL)
			goto nomem;
		memcpy(s->json_name, b.data, s->json_len = b.len);
		if (c->cron == NULL)
			s->every_ns = c->interval;
		else if (cron_parse(&s->cron, c->cron, cerr, sizeof cerr) ==
		    -1) {
			snprintf(err, errlen, "ticker.schedules.%s.cron: %s",
			    c->name, cerr);
			goto fail;
		} else
			s->every_ns = s->cron.every * SEC_NS;
		if (s->every_ns == 0 &&
		    (s->zone = zone_of(sc, c->timezone, err, errlen)) == NULL)
			goto fail;
	}
	buf_free(&b);
	sc->tfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	if (sc->tfd == -1 || epoll_ctl(epfd, EPOLL_CTL_ADD, sc->tfd, &ev) ==
	    -1) {
		snprintf(err, errlen, "timerfd: %s", strerror(errno));
		schedules_close(sc);
		return -1;
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	buf_free(&b);
	schedules_close(sc);
	return -1;
}

/* The first fire of s strictly after the instant after (unix ns). */
static int64_t
next_after(const struct schedule *s, int64_t after)
{
	int64_t t;

	if (s->every_ns > 0)	/* multiples of it since the epoch */
		return (after / s->every_ns + 1) * s->every_ns;
	t = cron_next(&s->cron, s->zone, after < 0 ? -1 : after / SEC_NS);
	return t < 0 ? INT64_MAX : t * SEC_NS;
}

/* --- the heap of next fires --------------------------------------------- */

static bool
earlier(const struct schedules *sc, uint32_t a, uint32_t b)
{
	return sc->s[a].next_ns < sc->s[b].next_ns;
}

static void
sift_down(struct schedules *sc, size_t i)
{
	uint32_t v = sc->heap[i];
	size_t kid;

	for (; (kid = 2 * i + 1) < sc->nheap; i = kid) {
		if (kid + 1 < sc->nheap && earlier(sc, sc->heap[kid + 1],
		    sc->heap[kid]))
			kid++;
		if (!earlier(sc, sc->heap[kid], v))
			break;
		sc->heap[i] = sc->heap[kid];
	}
	sc->heap[i] = v;
}

/* Every schedule's next fire after now, from scratch: at start, and
 * when the clock was set. */
static void
rebuild(struct schedules *sc, int64_t now)
{
	size_t i;

	for (i = 0; i < sc->n; i++) {
		sc->s[i].next_ns = next_after(&sc->s[i], now);
		sc->heap[i] = (uint32_t)i;
	}
	sc->nheap = sc->n;
	for (i = sc->nheap / 2; i-- > 0;)
		sift_down(sc, i);
}

/* The timer at the earliest next fire; it reports a set clock too. */
static int
arm(struct schedules *sc)
{
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };
	int64_t at;

	if (sc->nheap == 0 || sc->stopped)
		return 0;
	at = sc->s[sc->heap[0]].next_ns;
	if (at == INT64_MAX)
		return 0;
	its.it_value.tv_sec = at / SEC_NS;
	its.it_value.tv_nsec = at % SEC_NS;
	return timerfd_settime(sc->tfd, TFD_TIMER_ABSTIME |
	    TFD_TIMER_CANCEL_ON_SET, &its, NULL);
}

int
schedules_start(struct schedules *sc)
{
	return schedules_clock_set(sc, clock_ns(CLOCK_REALTIME));
}

int
schedules_clock_set(struct schedules *sc, int64_t now)
{
	if (sc->n == 0)
		return 0;
	rebuild(sc, now);
	return arm(sc);
}

void
schedules_cluster(struct schedules *sc, struct cluster *c,
    enum on_unavailable on)
{
	sc->cluster = c;
	sc->on_unavailable = on;
}

int64_t
schedules_next(const struct schedules *sc)
{
	return sc->nheap > 0 ? sc->s[sc->heap[0]].next_ns : INT64_MAX;
}

/* --- fires -------------------------------------------------------------- */

/*
 * Skips are told at most once a second for all schedules together, with
 * how many and for which (one name, or how many schedules): 10,000
 * schedules and no idle worker must not make 10,000 lines a second.
 */
static void
tell_skipped(struct schedules *sc, int64_t mono, bool force)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < SKIP_NREASONS; i++)
		n += sc->unlogged[i];
	if (n == 0 || (!force && sc->skip_told != 0 &&
	    mono - sc->skip_told < SEC_NS))
		return;
	if (sc->unlogged_schedules == 1)
		log_warn("ticker", n == 1 ? "fire skipped" : "fires skipped",
		    LF_STR("schedule", sc->unlogged_first->name),
		    LF_INT("count", n), LF_STR("reason", sc->unlogged[
		    SKIP_OVERLAP] ? "the last fire still runs" :
		    sc->unlogged[SKIP_BUSY] ? "no idle worker" :
		    sc->unlogged[SKIP_COORDINATOR] ? "the fleet's coordinator "
		    "did not answer" : "rr was late"));
	else
		log_warn("ticker", "fires skipped", LF_INT("schedules",
		    sc->unlogged_schedules), LF_INT("count", n),
		    LF_INT("overlap", sc->unlogged[SKIP_OVERLAP]),
		    LF_INT("no_idle_worker", sc->unlogged[SKIP_BUSY]),
		    LF_INT("late", sc->unlogged[SKIP_LATE]),
		    LF_INT("coordinator", sc->unlogged[SKIP_COORDINATOR]));
	memset(sc->unlogged, 0, sizeof sc->unlogged);
	sc->unlogged_schedules = 0;
	sc->told_round++;
	sc->skip_told = mono;
}

static void
skip(struct schedules *sc, struct schedule *s, enum sched_skip why,
    int64_t mono)
{
	s->skipped[why]++;
	/* another server runs it: what a fleet is for, not news */
	if (why == SKIP_CLAIMED)
		return;
	sc->unlogged[why]++;
	/* a schedule counts once a line: its round is the line's */
	if (s->told_round != sc->told_round + 1) {
		s->told_round = sc->told_round + 1;
		if (sc->unlogged_schedules++ == 0)
			sc->unlogged_first = s;
	}
	tell_skipped(sc, mono, false);
}

/* prefix, the decimal n, then suffix; returns where it ends. */
static char *
put_number(char *p, const char *prefix, uint64_t n, const char *suffix)
{
	size_t len = strlen(prefix);

	memcpy(p, prefix, len);
	p = buf_digits(p + len, n);
	len = strlen(suffix);
	memcpy(p, suffix, len);
	return p + len;
}

/* The unnamed ticker's payload, "fence" first in its context as in the
 * named schedules'. */
static pid_t
dispatch_unnamed(struct schedules *sc, uint64_t tag, uint64_t n,
    long long last_tick, int64_t fence, int64_t mono)
{
	char ctx[64], body[32], *c, *b;

	c = fence < 0 ? ctx : put_number(ctx, "{\"fence\":", (uint64_t)fence,
	    "");
	c = put_number(c, c == ctx ? "{\"lastTick\":" : ",\"lastTick\":",
	    (uint64_t)last_tick, "}");
	b = put_number(body, "{\"tick\":", n, "}");
	return pool_exec(sc->pool, GR_CODEC_JSON, ctx, (uint32_t)(c - ctx),
	    body, (uint32_t)(b - body), tag, mono);
}

/* Fire n of s, scheduled for due, to an idle worker: its pid, or -1.
 * fence (ms) is the fleet's claim, -1 for none. */
static pid_t
dispatch(struct schedules *sc, struct schedule *s, uint64_t n, int64_t due,
    long long last_tick, int64_t fence, int64_t mono)
{
	char ctx[128 + 6 * SCHEDULE_NAME_MAX], body[64 + 6 * SCHEDULE_NAME_MAX];
	char *c, *b;
	uint64_t tag = ((uint64_t)(s - sc->s) + 1) << SCHED_TAG_SHIFT |
	    (n & TICK_MASK);

	if (s->unnamed)
		return dispatch_unnamed(sc, tag, n, last_tick, fence, mono);
	c = fence < 0 ? put_number(ctx, "{\"lastTick\":",
	    (uint64_t)last_tick, ",\"name\":") : put_number(put_number(ctx,
	    "{\"fence\":", (uint64_t)fence, ""), ",\"lastTick\":",
	    (uint64_t)last_tick, ",\"name\":");
	memcpy(c, s->json_name, s->json_len);
	c = put_number(c + s->json_len, ",\"scheduled\":",
	    (uint64_t)(due / MS_NS), "}");
	b = put_number(body, "{\"tick\":", n, ",\"name\":");
	memcpy(b, s->json_name, s->json_len);
	b += s->json_len;
	*b++ = '}';
	return pool_exec(sc->pool, GR_CODEC_JSON, ctx, (uint32_t)(c - ctx),
	    body, (uint32_t)(b - body), tag, mono);
}

/* The fire scheduled for `due` goes to an idle worker as fire n, or is
 * skipped. */
static bool
send_fire(struct schedules *sc, struct schedule *s, int64_t due, uint64_t n,
    long long last_tick, int64_t fence, int64_t mono)
{
	int64_t late;
	pid_t pid;

	if ((pid = dispatch(sc, s, n, due, last_tick, fence, mono)) == -1) {
		skip(sc, s, SKIP_BUSY, mono);
		return false;
	}
	late = clock_ns(CLOCK_REALTIME) - due;
	if (s->unnamed)
		hist_observe(sc->lateness, (double)late / SEC_NS);
	s->running++;
	s->in_flight++;
	s->sent_for = due;
	s->sent_fence = fence;
	s->sent_last = last_tick;
	log_debug("ticker", "fire", LF_STR("schedule", s->name),
	    LF_INT("tick", n), LF_INT("pid", pid),
	    LF_INT("late_us", late / 1000));
	tell_skipped(sc, mono, false);
	return true;
}

/* The fire with the N and lastTick this server knows, no fence: without
 * a fleet, and in one with no answer from it (its next claim takes the
 * fleet past this N). */
static bool
send_known(struct schedules *sc, struct schedule *s, int64_t due,
    int64_t mono)
{
	if (!send_fire(sc, s, due, s->known.n, s->known.last_tick, -1, mono))
		return false;
	s->known.n++;
	return true;
}

/* Fires run with no answer from the fleet: told once a second at most,
 * as skips are. */
static void
tell_uncoordinated(struct schedules *sc, const struct schedule *s,
    int64_t mono)
{
	sc->uncoordinated_unlogged++;
	if (sc->uncoordinated_told != 0 && mono - sc->uncoordinated_told <
	    SEC_NS)
		return;
	log_warn("ticker", "fire run without the fleet's coordinator",
	    LF_STR("schedule", s->name),
	    LF_INT("count", sc->uncoordinated_unlogged));
	sc->uncoordinated_unlogged = 0;
	sc->uncoordinated_told = mono;
}

/* What a claim's answer says of the fleet, kept as the floors of the
 * next claim (see cluster.h). */
static void
learn(struct schedule *s, const struct claim_reply *cr)
{
	if (cr->fence > s->known.fence)
		s->known.fence = cr->fence;
	if (cr->n > s->known.n)
		s->known.n = cr->n;
	if (cr->last_tick > s->known.last_tick)
		s->known.last_tick = cr->last_tick;
}

/* The fleet's answer to the claim of s's fire at s->claim_for. */
static void
answer(struct schedule *s, enum claim_result r, const struct claim_reply *cr,
    int64_t mono)
{
	struct schedules *sc = s->owner;
	int64_t due = s->claim_for;

	sc->claims_out--;
	s->claiming = 0;
	switch (r) {
	case CLAIM_WON:
		s->won++;
		learn(s, cr);
		s->known.n = cr->n + 1;
		send_fire(sc, s, due, cr->n, cr->last_tick, cr->fence, mono);
		break;
	case CLAIM_LOST:
		s->lost++;
		learn(s, cr);
		skip(sc, s, SKIP_CLAIMED, mono);
		break;
	case CLAIM_UNAVAILABLE:
		s->unavailable++;
		if (sc->on_unavailable == UNAVAILABLE_SKIP || sc->stopped) {
			skip(sc, s, SKIP_COORDINATOR, mono);
			break;
		}
		if (send_known(sc, s, due, mono)) {
			s->uncoordinated++;
			tell_uncoordinated(sc, s, mono);
		}
		break;
	}
}

static void	pump(struct schedules *, int64_t mono);

static void
claimed(void *arg, enum claim_result r, const struct claim_reply *cr)
{
	struct schedule *s = arg;
	int64_t mono = clock_ns(CLOCK_MONOTONIC);

	answer(s, r, cr, mono);
	pump(s->owner, mono);
}

/* Not pumping when the claim cannot even be sent: a dead coordinator
 * must not make pump() recurse once a waiting claim. */
static void
claim(struct schedules *sc, struct schedule *s, int64_t mono)
{
	static const struct claim_reply none;

	sc->claims_out++;
	if (cluster_claim(sc->cluster, s->name, s->claim_for / MS_NS,
	    &s->known, claimed, s) == -1)
		answer(s, CLAIM_UNAVAILABLE, &none, mono);
}

/* A worker idle and not held by a claim in flight. */
static bool
worker_unheld(const struct schedules *sc)
{
	return pool_room(sc->pool) > sc->claims_out;
}

/*
 * Claims waiting go, in line, while a worker is free for each; with no
 * worker idle at all they are skipped, as a fire without a fleet is.
 * Claims in flight hold the rest: their answers come back here.
 */
static void
pump(struct schedules *sc, int64_t mono)
{
	struct schedule *s;

	while (sc->wait_head != UINT32_MAX && (worker_unheld(sc) ||
	    sc->claims_out == 0 || sc->stopped)) {
		s = &sc->s[sc->wait_head];
		if ((sc->wait_head = s->wait_next) == UINT32_MAX)
			sc->wait_tail = UINT32_MAX;
		s->wait_next = UINT32_MAX;
		s->waiting = false;
		if (worker_unheld(sc) && !sc->stopped) {
			claim(sc, s, mono);
			continue;
		}
		s->claiming = 0;
		skip(sc, s, SKIP_BUSY, mono);
	}
}

/*
 * The fire goes, through the fleet's claim when there is one.  A fire
 * no worker could take is not claimed: it goes to a server that can run
 * it.  While a claim is in flight the next fire is skipped, so that a
 * stalled coordinator costs one claim per schedule, never a queue; a
 * claim still waiting for a worker gives its place to the newer fire.
 */
static void
go(struct schedules *sc, struct schedule *s, int64_t due, int64_t mono)
{
	uint32_t i = (uint32_t)(s - sc->s);

	if (sc->cluster == NULL) {
		send_known(sc, s, due, mono);
		return;
	}
	if (!pool_can_exec(sc->pool)) {
		skip(sc, s, SKIP_BUSY, mono);
		return;
	}
	if (s->waiting) {
		skip(sc, s, SKIP_BUSY, mono);
		s->claim_for = due;
		return;
	}
	if (s->claiming) {
		skip(sc, s, SKIP_COORDINATOR, mono);
		return;
	}
	s->claiming = 1;
	s->claim_for = due;
	if (worker_unheld(sc)) {
		claim(sc, s, mono);
		return;
	}
	s->waiting = true;
	if (sc->wait_tail == UINT32_MAX)
		sc->wait_head = i;
	else
		sc->s[sc->wait_tail].wait_next = i;
	sc->wait_tail = i;
}

static void
fire(struct schedules *sc, struct schedule *s, int64_t due, int64_t mono)
{
	s->scheduled++;
	if (s->running > 0 && s->overlap == OVERLAP_QUEUE && !s->queued) {
		s->queued = true;
		s->queued_for = due;
	} else if (s->running > 0 && s->overlap != OVERLAP_ALLOW)
		skip(sc, s, SKIP_OVERLAP, mono);
	else
		go(sc, s, due, mono);
}

void
schedules_on_timer(struct schedules *sc, int64_t mono)
{
	struct schedule *s;
	uint64_t expirations;
	int64_t now, next;
	int late;

	if (read(sc->tfd, &expirations, sizeof expirations) == -1) {
		if (errno != ECANCELED)
			return;		/* EAGAIN: nothing yet */
		/* the wall clock was set: every next fire is elsewhere */
		sc->clock_sets++;
		log_info("ticker", "wall clock set: next fires computed again",
		    LF_INT("times", sc->clock_sets));
		schedules_clock_set(sc, clock_ns(CLOCK_REALTIME));
		return;
	}
	now = clock_ns(CLOCK_REALTIME);
	while (!sc->stopped && sc->nheap > 0 &&
	    (s = &sc->s[sc->heap[0]])->next_ns <= now) {
		fire(sc, s, s->next_ns, mono);
		next = next_after(s, s->next_ns);
		/* fires rr slept through are counted, not made up */
		for (late = 0; next <= now && late < LATE_MAX; late++) {
			s->scheduled++;
			skip(sc, s, SKIP_LATE, mono);
			next = next_after(s, next);
		}
		s->next_ns = next <= now ? next_after(s, now) : next;
		sift_down(sc, 0);
	}
	arm(sc);
}

void
schedules_done(struct schedules *sc, const struct exec_result *r)
{
	size_t i = (size_t)(r->tag >> SCHED_TAG_SHIFT) - 1;
	struct schedule *s;

	if (i >= sc->n)
		return;
	s = &sc->s[i];
	/* RoadRunner runs a payload again whose worker asked to go */
	if (r->outcome == EXEC_REPLACED && !sc->stopped &&
	    dispatch(sc, s, r->tag & TICK_MASK, s->sent_for, s->sent_last,
	    s->sent_fence, r->finished) != -1)
		return;
	s->in_flight--;
	s->running--;
	s->known.last_tick = (long long)time(NULL);
	if (s->unnamed && (r->outcome == EXEC_OK ||
	    r->outcome == EXEC_SOFT_ERROR))
		hist_observe(sc->duration, (double)(r->finished - r->started) /
		    SEC_NS);
	if (sc->cluster != NULL)
		cluster_done(sc->cluster, s->name, s->known.last_tick);
	if (r->outcome == EXEC_OK) {
		s->delivered++;
		log_debug("ticker", "fire done", LF_STR("schedule", s->name),
		    LF_INT("tick", r->tag & TICK_MASK),
		    LF_INT("pid", r->pid),
		    LF_INT("us", (r->finished - r->started) / 1000));
	} else {
		s->failed[r->outcome]++;
		log_error("ticker", "fire failed", LF_STR("schedule", s->name),
		    LF_INT("tick", r->tag & TICK_MASK),
		    LF_INT("pid", r->pid),
		    LF_STR("reason", pool_outcome_name(r->outcome)));
	}
	if (s->queued && s->running == 0 && !sc->stopped) {
		s->queued = false;
		go(sc, s, s->queued_for, r->finished);
	}
	pump(sc, r->finished);
}

void
schedules_stop(struct schedules *sc, int64_t mono)
{
	struct itimerspec off = { { 0, 0 }, { 0, 0 } };
	size_t i;

	sc->stopped = true;
	for (i = 0; i < sc->n; i++) {
		if (sc->s[i].queued) {
			sc->s[i].queued = false;
			skip(sc, &sc->s[i], SKIP_OVERLAP, mono);
		}
	}
	pump(sc, mono);
	tell_skipped(sc, mono, true);
	if (sc->tfd != -1)
		timerfd_settime(sc->tfd, 0, &off, NULL);
}

void
schedules_close(struct schedules *sc)
{
	size_t i;

	for (i = 0; i < sc->n; i++)
		free(sc->s[i].json_name);
	for (i = 0; i < sc->nzones; i++)
		tz_free(&sc->zones[i]);
	free(sc->s);
	free(sc->heap);
	free(sc->zones);
	if (sc->tfd != -1)
		close(sc->tfd);
	memset(sc, 0, sizeof *sc);
	sc->tfd = -1;
}

unsigned
schedules_claims_out(const struct schedules *sc)
{
	return sc->claims_out;
}

void
schedules_log_counters(const struct schedules *sc)
{
	const struct schedule *s;
	uint64_t skipped, failed;
	size_t i;
	int k;

	for (i = sc->first_named; i < sc->n; i++) {
		s = &sc->s[i];
		skipped = failed = 0;
		for (k = 0; k < SKIP_NREASONS; k++)
			skipped += s->skipped[k];
		for (k = 0; k < EXEC_NOUTCOMES; k++)
			failed += s->failed[k];
		log_info("rr", "schedule counters", LF_STR("schedule", s->name),
		    LF_INT("scheduled", s->scheduled),
		    LF_INT("delivered", s->delivered),
		    LF_INT("skipped", skipped), LF_INT("failed", failed),
		    LF_INT("in_flight", s->in_flight),
		    LF_INT("queued", s->queued),
		    LF_INT("claiming", s->claiming),
		    LF_INT("skipped_overlap", s->skipped[SKIP_OVERLAP]),
		    LF_INT("skipped_busy", s->skipped[SKIP_BUSY]),
		    LF_INT("skipped_late", s->skipped[SKIP_LATE]),
		    LF_INT("skipped_claimed", s->skipped[SKIP_CLAIMED]),
		    LF_INT("skipped_coordinator",
		    s->skipped[SKIP_COORDINATOR]),
		    LF_INT("uncoordinated", s->uncoordinated),
		    LF_INT("claims_won", s->won),
		    LF_INT("claims_lost", s->lost),
		    LF_INT("claims_unavailable", s->unavailable));
	}
}

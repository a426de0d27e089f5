/*
 * ticker: RoadRunner's ticker service, and the named schedules (schedules.c)
 * beside it on one pool.  Tick k of the unnamed ticker is due at start +
 * k * interval on CLOCK_MONOTONIC (an absolute timerfd, so there is no
 * drift); each due tick goes to an idle worker with body {"tick":N} and
 * context {"lastTick":T}, or is skipped, logged and counted when none is
 * idle.  It runs when ticker.interval is given or there is no schedule.
 *
 * Accounting, exact once nothing is in flight:
 *	scheduled = delivered + skipped + failed
 */
#ifndef RR_TICKER_H
#define RR_TICKER_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "hist.h"
#include "pool.h"
#include "schedules.h"

struct ticker {
	int		 tfd;		/* -1 until started */
	duration_ns	 interval;
	bool		 unnamed;	/* the interval ticker runs */
	struct schedules schedules;
	struct pool	*pool;
	int64_t		 start;		/* when tick 0 was due */
	uint64_t	 due;		/* schedule index of the next expiry */
	uint64_t	 next_n;	/* N of the next tick sent */
	long long	 last_tick;	/* unix seconds of the last completion */

	uint64_t	 scheduled, delivered, skipped, in_flight;
	uint64_t	 skipped_busy;	/* of skipped: no idle worker; the
					 * rest: rr woke too late */
	uint64_t	 failed[EXEC_NOUTCOMES];	/* by outcome */

	/* skips not logged yet: no idle worker, or rr woke too late */
	uint64_t	 unlogged_busy, unlogged_late;
	int64_t		 skip_told;	/* the last skip line */

	struct hist	 duration;	/* sent to reply, seconds */
	struct hist	 lateness;	/* due to sent, seconds */
};

/* Create the (disarmed) timerfd and register it on epfd with data.ptr =
 * the ticker, and the schedules' (data.ptr = &ticker.schedules). */
int		 ticker_init(struct ticker *, const struct ticker_config *,
		    struct pool *, int epfd, char *err, size_t errlen);

/* Tick 0 is due now and goes out at once; the timerfd brings the rest.
 * The schedules start too.  Call once the pool can take a payload. */
int		 ticker_start(struct ticker *, int64_t now);
bool		 ticker_started(const struct ticker *);

/* The timerfd fired. */
void		 ticker_on_timer(struct ticker *, int64_t now);

/* The pool's exec_done_fn; arg is the ticker. */
void		 ticker_done(void *arg, const struct exec_result *);

/* No more ticks; those in flight still complete.  Skips not logged yet
 * are logged now. */
void		 ticker_stop(struct ticker *, int64_t now);
void		 ticker_close(struct ticker *);

uint64_t	 ticker_failed(const struct ticker *);

/* Every counter, the pool's restarts too, by name, in a fixed order:
 * for the counters line, ticker.Stats and the metrics. */
struct ticker_counter {
	const char	*name;
	uint64_t	 value;
};

#define TICKER_COUNTERS_MAX	(10 + EXEC_NOUTCOMES + WHY_NREASONS)
size_t		 ticker_counters(const struct ticker *, struct ticker_counter *);

/*
 * The fires of schedule i in one shape: 0 is the unnamed ticker (name
 * "", there even when it does not run, so that its series never
 * vanish), 1.. the named schedules in the config's order.  At any
 * moment: scheduled = delivered + Σ skipped + Σ failed + in_flight +
 * queued.
 */
struct fire_counts {
	const char	*name;
	uint64_t	 scheduled, delivered, in_flight, queued;
	uint64_t	 claiming;	/* a fleet claim in flight */
	uint64_t	 won, lost, unavailable;	/* fleet claims */
	uint64_t	 skipped[SKIP_NREASONS];
	const uint64_t	*failed;	/* [EXEC_NOUTCOMES] */
};

size_t		 ticker_nschedules(const struct ticker *);	/* 1 + named */
void		 ticker_fire_counts(const struct ticker *, size_t i,
		    struct fire_counts *);

/* One line with every counter. */
void		 ticker_log_counters(const struct ticker *);

#endif

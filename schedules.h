/*
 * schedules: the named schedules of ticker.schedules, on wall-clock time.
 * One CLOCK_REALTIME timerfd for all of them, armed at the earliest next
 * fire of a min-heap, so rr wakes only when something is due and a fire
 * costs O(log n); TFD_TIMER_CANCEL_ON_SET tells when the clock is set,
 * and every next fire is then computed again from the new time.
 *
 * A fire goes to an idle worker with body {"tick":N,"name":NAME} and
 * context {"lastTick":T,"name":NAME,"scheduled":S}: N counts the
 * schedule's fires sent, T is the unix seconds of its last completion
 * (0 before), S the fire's scheduled time in unix milliseconds.  When
 * the previous fire still runs: skip (counted and logged), allow, or
 * queue (one waits and goes when the previous ends; a second is
 * skipped).  A fire that finds no idle worker is skipped.
 *
 * With ticker.cluster (cluster.h), the unnamed ticker is one of them
 * too (s[0], name "", on multiples of ticker.interval since the epoch,
 * its payload the unnamed ticker's), so that every server agrees on
 * which fire is which.  A fire that finds an idle worker is claimed
 * first, one claim in flight per schedule: won, it runs with the
 * fleet's N and lastTick, and "fence" (the scheduled ms) in its
 * context; lost, it is skipped (claimed); unavailable, skipped
 * (coordinator) or run with the N and lastTick this server last saw,
 * as on_unavailable says.  Each
 * claim in flight holds an idle worker for its fire: claims beyond the
 * idle workers wait in line, in the order their fires came due, and go
 * as claims are answered; when no worker is idle they are skipped.
 *
 * Accounting per schedule, exact at any moment:
 *	scheduled = delivered + skipped + failed + in_flight + queued +
 *	    claiming
 */
#ifndef RR_SCHEDULES_H
#define RR_SCHEDULES_H

#include <stdbool.h>
#include <stdint.h>

#include "cluster.h"
#include "config.h"
#include "cron.h"
#include "hist.h"
#include "pool.h"
#include "tz.h"

/* Tags of pool_exec() for schedule i: (i + 1) << SCHED_TAG_SHIFT | N,
 * so the unnamed ticker's (N alone) stay below. */
#define SCHED_TAG_SHIFT	40

/* CLAIMED is the fleet's normal case, counted and never logged */
enum sched_skip {
	SKIP_OVERLAP, SKIP_BUSY, SKIP_LATE, SKIP_CLAIMED, SKIP_COORDINATOR,
	SKIP_NREASONS
};

struct schedule {
	const char	*name;		/* the config's */
	char		*json_name;	/* as a JSON string, quotes included */
	size_t		 json_len;
	struct cron	 cron;		/* when every_ns is 0 */
	const struct tz	*zone;
	int64_t		 every_ns;	/* interval, or @every */
	enum overlap	 overlap;

	int64_t		 next_ns;	/* unix ns of the next fire */
	int64_t		 sent_for;	/* scheduled time of the last one sent */
	unsigned	 running;
	bool		 queued;
	int64_t		 queued_for;
	struct schedules *owner;
	bool		 unnamed;	/* the unnamed ticker, in a fleet */
	int64_t		 claim_for;	/* scheduled time of the claim */
	bool		 waiting;	/* the claim waits for a worker */
	uint32_t	 wait_next;	/* in the line of claims waiting */
	struct claim_reply known;	/* the next N and the latest lastTick
					 * this server knows; in a fleet, the
					 * highest fence too */
	int64_t		 sent_fence;	/* ms, -1: no fence (not claimed) */
	long long	 sent_last;	/* lastTick of the one sent */

	uint64_t	 scheduled, delivered, in_flight;
	uint64_t	 claiming;	/* 0 or 1: a claim in flight */
	uint64_t	 uncoordinated;	/* run with no answer from the fleet */
	uint64_t	 won, lost, unavailable;	/* claims */
	uint64_t	 skipped[SKIP_NREASONS];
	uint64_t	 failed[EXEC_NOUTCOMES];
	uint64_t	 told_round;	/* schedules' told_round + 1: in the
					 * next skip line already */
};

struct schedules {
	int		 tfd;		/* -1 without schedules */
	struct pool	*pool;
	struct schedule	*s;
	size_t		 n;
	uint32_t	*heap;		/* schedule indexes by next_ns */
	size_t		 nheap;
	struct tz	*zones;		/* one per distinct name, shared */
	size_t		 nzones;
	uint64_t	 clock_sets;	/* times the wall clock was set */
	bool		 stopped;
	size_t		 first_named;	/* 1: s[0] is the unnamed ticker */
	struct hist	*lateness, *duration;	/* the unnamed ticker's */
	struct cluster	*cluster;	/* NULL: no fleet */
	enum on_unavailable on_unavailable;
	unsigned	 claims_out;	/* sent, not answered */
	uint32_t	 wait_head, wait_tail;	/* claims waiting */
	uint64_t	 uncoordinated_unlogged;
	int64_t		 uncoordinated_told;

	/* skips not logged yet, of how many schedules, the first of them */
	uint64_t	 unlogged[SKIP_NREASONS];
	uint64_t	 unlogged_schedules;
	const struct schedule *unlogged_first;
	uint64_t	 told_round;	/* skip lines so far */
	int64_t		 skip_told;	/* monotonic ns of the last one */
};

/* The schedules of tc, their zones loaded and expressions parsed, and
 * the unnamed ticker with ticker.cluster (its fires observed in
 * lateness and duration); the timerfd on epfd with data.ptr = sc.  err
 * says what failed. */
int	schedules_init(struct schedules *, const struct ticker_config *tc,
	    struct pool *, struct hist *lateness, struct hist *duration,
	    int epfd, char *err, size_t errlen);

/* Claim every fire through c first (see above). */
void	schedules_cluster(struct schedules *, struct cluster *c,
	    enum on_unavailable);

/* Compute every next fire from the wall clock and arm the timer. */
int	schedules_start(struct schedules *);

/* Every next fire again from now (unix ns): when the wall clock was
 * set, and at start; the timer follows.  Tests pass their own now. */
int	schedules_clock_set(struct schedules *, int64_t now);

/* The earliest next fire, unix ns; INT64_MAX for none. */
int64_t	schedules_next(const struct schedules *);

/* The timerfd fired, or the clock was set. */
void	schedules_on_timer(struct schedules *, int64_t mono_now);

/* A payload of a schedule completed (its tag has schedule bits). */
void	schedules_done(struct schedules *, const struct exec_result *);

/* No more fires; a queued one is dropped and counted as skipped. */
void	schedules_stop(struct schedules *, int64_t mono_now);
void	schedules_close(struct schedules *);

/* Claims sent and not answered yet (each is answered within the
 * cluster's timeout, or when it closes). */
unsigned schedules_claims_out(const struct schedules *);

/* One "schedule counters" line per named schedule. */
void	schedules_log_counters(const struct schedules *);

const char *schedules_skip_name(enum sched_skip);

#endif

/*
 * cluster: fleet claims for the named schedules, through one Redis
 * (ticker.cluster).  Every server of the fleet runs the same schedules;
 * before a fire runs, its server claims (schedule, scheduled time) with
 * one EVAL, so that a fire runs at most once in the fleet however skewed
 * the servers' clocks are: skew only changes who wins.
 *
 * Redis keeps three keys per schedule, PREFIX NAME ":claimed" (the
 * latest scheduled time claimed, unix ms: the fence, which only grows),
 * ":n" (fires won in the fleet) and ":last" (unix seconds of the fleet's
 * last completion); nothing grows per fire.  Each claim carries the
 * highest fence, N and lastTick its server has seen, and a Redis that
 * lost its keys (restarted empty) takes them up from there, so that N
 * stays consecutive and the fence keeps growing.  A failover to an async
 * replica can lose the last claim and so run that fire twice.
 *
 * Claims wait in a fixed table of REDIS_PENDING_MAX, as the client's
 * commands do: a claim allocates nothing.
 */
#ifndef RR_CLUSTER_H
#define RR_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "redis.h"

#define CLUSTER_PREFIX_MAX	256	/* bytes of ticker.cluster.prefix */

enum claim_result {
	CLAIM_WON,		/* run it: n and last_tick are the fleet's */
	CLAIM_LOST,		/* another server has it, or a later one */
	CLAIM_UNAVAILABLE	/* no answer: not connected, dropped, an error */
};

/* What the fleet said; nothing of it when unavailable. */
struct claim_reply {
	uint64_t	 n;	/* won: this fire's N, from 0; lost: the next */
	int64_t		 fence;	/* won: this fire's, lost: the fleet's, ms */
	long long	 last_tick;	/* the fleet's, unix seconds, 0 before */
};

typedef void cluster_claim_fn(void *arg, enum claim_result,
		    const struct claim_reply *);

struct cluster_claim {
	struct cluster	*c;
	cluster_claim_fn *cb;
	void		*arg;
	struct cluster_claim *next;	/* free */
};

struct cluster {
	bool		 set;
	struct redis	 redis;
	const char	*prefix;
	size_t		 prefix_len;
	char		 id[320];	/* hostname:pid, for log lines */
	struct cluster_claim claim[REDIS_PENDING_MAX], *free;
	/* claims = won + lost + unavailable + in flight */
	uint64_t	 claims, won, lost, unavailable, done_failed;
	uint64_t	 unexpected_unlogged;	/* replies not the script's */
	int64_t		 unexpected_told;
};

/* The client for cc (which must outlive it), first connect on the next
 * cluster_on_deadline().  Fails with a message. */
int	cluster_init(struct cluster *, const struct cluster_config *cc,
	    int epfd, char *err, size_t errlen);
void	cluster_close(struct cluster *);

/*
 * Claim the fire of schedule name scheduled at scheduled_ms (unix ms);
 * known is the highest fence, next N and latest lastTick this server has
 * seen (-1, 0 and 0 for none).  cb gets the outcome exactly once, later, from the loop.
 * Returns -1 at once, cb never called, when the claim cannot be sent
 * (not connected, the ring full): counted unavailable, the caller acts
 * on it.
 */
int	cluster_claim(struct cluster *, const char *name, int64_t scheduled_ms,
	    const struct claim_reply *known, cluster_claim_fn *cb, void *arg);

/* A fire of name completed at unix_s: the fleet's lastTick.  Fire and
 * forget: a failure is only counted. */
void	cluster_done(struct cluster *, const char *name, long long unix_s);

bool	cluster_owns(const struct cluster *, const void *ptr);
void	cluster_on_io(struct cluster *, void *ptr, uint32_t events,
	    int64_t now);
int64_t	cluster_next_deadline(const struct cluster *);	/* INT64_MAX: none */
void	cluster_on_deadline(struct cluster *, int64_t now);

#endif

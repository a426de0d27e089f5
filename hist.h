/*
 * hist: a Prometheus histogram with fixed bucket bounds: counts per
 * bucket (not cumulative; the exposition adds them up), the sum and the
 * count.  Observing is a short scan and three additions, cheap enough
 * for every tick.
 */
#ifndef RR_HIST_H
#define RR_HIST_H

#include <stddef.h>
#include <stdint.h>

#define HIST_BUCKETS_MAX	32

struct hist {
	const double	*bounds;	/* upper bounds, ascending */
	size_t		 nbounds;
	uint64_t	 counts[HIST_BUCKETS_MAX + 1];	/* the last: +Inf */
	double		 sum;
	uint64_t	 count;
};

void	hist_init(struct hist *, const double *bounds, size_t nbounds);
void	hist_observe(struct hist *, double);

#endif

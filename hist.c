/*
 * hist: see hist.h.
 */
#include <string.h>

#include "hist.h"

void
hist_init(struct hist *h, const double *bounds, size_t nbounds)
{
	memset(h, 0, sizeof *h);
	h->bounds = bounds;
	h->nbounds = nbounds < HIST_BUCKETS_MAX ? nbounds : HIST_BUCKETS_MAX;
}

void
hist_observe(struct hist *h, double v)
{
	size_t i;

	for (i = 0; i < h->nbounds && v > h->bounds[i]; i++)
		;
	h->counts[i]++;
	h->sum += v;
	h->count++;
}

/*
 * status: RoadRunner's status plugin (status.address): GET /health and
 * /ready, each with ?plugin=NAME (repeatable; none: every plugin), whose
 * body is a JSON array of {"plugin_name","error_message","status_code"}.
 * For the ticker: healthy while a worker is ready or working, ready while
 * one is idle, so a pool whose workers are all busy is alive but takes no
 * more.  It reads the pool and never changes it.
 */
#ifndef RR_STATUS_H
#define RR_STATUS_H

#include <stdbool.h>

#include "config.h"
#include "http.h"
#include "pool.h"

struct status {
	struct http_server http;
	const struct pool *pool;
	const int	*stopping;	/* rr's: non-zero once a stop began */
	int		 unavailable;	/* unavailable_status_code */
};

/* Listen on status.address (no status section: nothing). */
int	status_init(struct status *, const struct config *,
	    const struct pool *, const int *stopping, int epfd, char *err,
	    size_t errlen);
void	status_close(struct status *);

#endif

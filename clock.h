/*
 * clock: a clock's time in nanoseconds, as every deadline, timer and
 * figure in rr counts it (SEC_NS from parse.h).  CLOCK_MONOTONIC for the
 * loop, CLOCK_REALTIME for the wall-clock schedules.
 */
#ifndef RR_CLOCK_H
#define RR_CLOCK_H

#include <stdint.h>
#include <time.h>

#include "parse.h"

static inline int64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * SEC_NS + ts.tv_nsec;
}

#endif

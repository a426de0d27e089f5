/*
 * next: instants as RFC 3339 text in a zone, both ways, and `rr next`,
 * which prints the next fires of a cron expression.  Pure but for the
 * command, which reads the clock and the zone files and prints.
 */
#ifndef RR_NEXT_H
#define RR_NEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "tz.h"

#define NEXT_TIME_MAX	32	/* "2026-03-08T03:00:00-04:00" and a NUL */

/* t (unix seconds) as local time in z with its numeric offset:
 * 2026-03-08T03:00:00-04:00 (Z is written +00:00, as date -Iseconds). */
void	next_format(char out[NEXT_TIME_MAX], const struct tz *z, int64_t t);

/*
 * RFC 3339 into unix seconds: 2026-03-08T03:00:00-04:00, with Z, a
 * space for the T and fractional seconds (dropped) allowed; without an
 * offset the time is local in z (the first instant of a repeated one,
 * the end of a gap).  -1 when it is not such a time.
 */
int	next_parse(const char *s, const struct tz *z, int64_t *t);

/* For --check: whether the unnamed ticker runs, and each schedule's next
 * three fires after now (unix seconds), as # lines. */
void	next_print_schedules(const struct config *, int64_t now, FILE *);

/*
 * rr next [-n K] [--from TIME] [--tz ZONE] EXPR: the next K (5) fires
 * strictly after TIME (now), one a line.  Returns the exit code: 0, or
 * 78 with the reason on stderr for a bad expression or zone, 2 for a bad
 * count or time.
 */
int	next_command(const char *expr, const char *count, const char *from,
	    const char *zone);

#endif

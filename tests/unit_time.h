/*
 * unit_time.h: a test's instants written as text, for unit_cron and
 * unit_tz: "2026-03-08T07:00:00" as unix seconds, read as UTC.
 */
#ifndef RR_UNIT_TIME_H
#define RR_UNIT_TIME_H

#include <stdio.h>
#include <stdlib.h>

#include "tz.h"

static int64_t
at(const char *s)
{
	long long	 y;
	int		 mo, d, h, mi, sec;

	if (sscanf(s, "%lld-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &sec) != 6) {
		printf("FAIL bad test time %s\n", s);
		exit(1);
	}
	return tz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
}

#endif

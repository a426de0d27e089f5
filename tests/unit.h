/*
 * unit.h: the smallest test harness that can work.  Each check prints
 * "PASS name" or "FAIL name: why" (tests/run counts those lines); main
 * returns unit_failed so a crash or a failure both show up.
 */
#ifndef RR_UNIT_H
#define RR_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_failed;

#define CHECK(name, cond) do {						\
	if (cond)							\
		printf("PASS %s\n", (name));				\
	else {								\
		printf("FAIL %s: %s (%s:%d)\n", (name), #cond,		\
		    __FILE__, __LINE__);				\
		unit_failed++;						\
	}								\
	fflush(stdout);							\
} while (0)

#define CHECK_STR(name, got, want) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if (g_ != NULL && strcmp(g_, w_) == 0)				\
		printf("PASS %s\n", (name));				\
	else {								\
		printf("FAIL %s: got \"%s\", want \"%s\" (%s:%d)\n",	\
		    (name), g_ ? g_ : "(null)", w_, __FILE__, __LINE__);\
		unit_failed++;						\
	}								\
	fflush(stdout);							\
} while (0)

#endif

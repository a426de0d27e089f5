/*
 * fuzz.h: what the fuzz targets share.  REQUIRE() checks an invariant and
 * aborts, which libFuzzer reports as a crash with its input; unlike
 * assert() it is never compiled out.
 */
#ifndef RR_FUZZ_H
#define RR_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#define REQUIRE(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond);\
		abort();						\
	}								\
} while (0)

#endif

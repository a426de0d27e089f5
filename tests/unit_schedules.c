/*
 * unit_schedules: the schedules' next fires with injected times, as the
 * wall clock being set would move them (the machine's clock is never
 * touched): at start, after a step forward into a DST gap, and back.
 * The timerfd is real but never read.  Needs the system's zone files.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "config.h"
#include "schedules.h"
#include "unit.h"

#define SEC	1000000000LL

static const char yaml[] =
    "version: '3'\n"
    "server:\n  command: php app.php\n"
    "ticker:\n  schedules:\n"
    "    nightly:\n      cron: \"0 30 2 * * *\"\n"
    "      timezone: America/New_York\n"
    "    tens:\n      interval: 10s\n"
    "    berlin:\n      cron: \"0 0 3 * * *\"\n"
    "      timezone: Europe/Berlin\n";

static int64_t
next_of(const struct schedules *sc, const char *name)
{
	size_t i;

	for (i = 0; i < sc->n; i++)
		if (strcmp(sc->s[i].name, name) == 0)
			return sc->s[i].next_ns / SEC;
	return -1;
}

/* the least next fire of all, as the heap keeps it */
static int64_t
least(const struct schedules *sc)
{
	int64_t m = INT64_MAX;
	size_t i;

	for (i = 0; i < sc->n; i++)
		if (sc->s[i].next_ns < m)
			m = sc->s[i].next_ns;
	return m;
}

int
main(void)
{
	char dir[] = "/tmp/rr-unit-schedules-XXXXXX", path[64];
	char err[CONFIG_ERR_MAX];
	struct config cfg;
	struct schedules sc;
	FILE *f;
	int epfd;

	if (access("/usr/share/zoneinfo/America/New_York", R_OK) == -1 &&
	    getenv("TZDIR") == NULL) {
		printf("SKIP schedules: no zone files (tzdata)\n");
		return 0;
	}
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof path, "%s/rr.yaml", dir);
	if ((f = fopen(path, "w")) == NULL)
		return 1;
	fputs(yaml, f);
	fclose(f);
	if (config_load(&cfg, path, NULL, 0, err, sizeof err) == -1) {
		printf("FAIL schedules: config: %s\n", err);
		return 1;
	}
	epfd = epoll_create1(EPOLL_CLOEXEC);
	CHECK("schedules: init", schedules_init(&sc, &cfg.ticker, NULL, NULL,
	    NULL, epfd, err, sizeof err) == 0);
	CHECK("schedules: three", sc.n == 3);

	/* 2026-03-07T12:00:00Z */
	CHECK("schedules: start", schedules_clock_set(&sc, 1772884800 * SEC) ==
	    0);
	/* the next 02:30 is the 8th's, in the gap: 03:00 EDT */
	CHECK("schedules: nightly at the end of the next day's gap",
	    next_of(&sc, "nightly") == 1772953200);
	CHECK("schedules: tens at the next multiple of 10 s",
	    next_of(&sc, "tens") == 1772884810);
	CHECK("schedules: the heap's top is the least",
	    schedules_next(&sc) == least(&sc));

	/* set forward to 2026-03-08T06:59:00Z, 01:59 EST: 02:30 is in the
	 * gap, and fires when it ends, 03:00 EDT = 07:00Z */
	schedules_clock_set(&sc, 1772953140 * SEC);
	CHECK("schedules: a step into the gap's eve: nightly at its end",
	    next_of(&sc, "nightly") == 1772953200);
	CHECK("schedules: tens from the new time",
	    next_of(&sc, "tens") == 1772953150);
	CHECK("schedules: berlin's 03:00 CET the next day",
	    next_of(&sc, "berlin") == 1772935200 + 86400);
	CHECK("schedules: the heap's top after the step",
	    schedules_next(&sc) == least(&sc));

	/* set back a week, to 2026-03-01T00:00:00Z */
	schedules_clock_set(&sc, 1772323200 * SEC);
	CHECK("schedules: back a week: nightly 02:30 EST on the 1st",
	    next_of(&sc, "nightly") == 1772350200);
	CHECK("schedules: back a week: tens", next_of(&sc, "tens") ==
	    1772323210);
	CHECK("schedules: the heap's top after going back",
	    schedules_next(&sc) == least(&sc));

	schedules_close(&sc);
	config_free(&cfg);
	close(epfd);
	unlink(path);
	rmdir(dir);
	return unit_failed;
}

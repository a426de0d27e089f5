/*
 * schedules: the real rr with many named schedules on one pool of two
 * bench/echo workers, and the cron code alone.
 *
 * Fires: rr with 1 and with 10,000 schedules of "* * * * * *" (and
 * 10,000 of a mix of expressions), no unnamed ticker, for a window of
 * whole seconds.  Every schedule fires at every second's boundary, so the
 * fires due in the window are schedules x boundaries crossed (the mix:
 * rr's own "schedule counters", SIGUSR2 before and after).  With two
 * workers nearly all of 10,000 fires a second find no idle worker and
 * are skipped: the figure is what the scheduler costs per fire (the
 * heap, the next fire, the payload or the skip), beside one schedule,
 * whose every fire is a worker's round trip.  Wake-ups are rr's
 * voluntary context switches per second: one for the timer, and one per
 * reply of the fires that went out.
 *
 * Memory: rr's RssAnon with 10,000 schedules less with one, per
 * schedule.
 *
 * Next fire: cron_next() in-process for each expression of a set, in
 * UTC and in America/New_York, timed over many calls from instants a
 * few hours apart; the figure is the slowest expression's mean.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cron.h"

#define MANY		10000

/* As a user writes them: seconds, steps, names, the extensions. */
static const char *const mixed[] = {
	"* * * * * *", "*/5 * * * * *", "0 * * * * *", "30 */2 * * * *",
	"0 0 * * * *", "0 30 2 * * *", "0 0 12 * * MON-FRI", "0 0 0 L * *",
	"0 0 9 15W * *", "0 0 18 * * 5L", "0 0 8 * * 1#2", "@every 10s",
	"@hourly", "0 0 0 1 JAN *", "*/10 * 9-17 * * 1-5", "0 15 10 ? * *",
};
#define NMIXED	(sizeof mixed / sizeof mixed[0])

/* rr on n schedules (all "* * * * * *", or the mix in turn). */
static int
start(struct bench *b, struct rr_proc *r, const char *name, unsigned n,
    bool mix)
{
	char path[PATH_MAX];
	unsigned i;
	FILE *f;

	if ((f = rr_config_create(b, name, path)) == NULL)
		return -1;
	fprintf(f, "version: '3'\nserver:\n  command: [\"%s\"]\nticker:\n"
	    "  pool:\n    num_workers: 2\n  schedules:\n", b->echo);
	for (i = 0; i < n; i++)
		fprintf(f, "    s%u:\n      cron: \"%s\"\n      timezone: UTC\n",
		    i, mix ? mixed[i % NMIXED] : "* * * * * *");
	fprintf(f, "logs:\n  level: info\n");
	if (fclose(f) == EOF)
		return -1;
	if (rr_start_file(b, r, name, false) == -1)
		return -1;
	return rr_all_ready(r, 2);
}

/*
 * The sum of scheduled= over the schedule counters lines that SIGUSR2
 * number `round` (from 1) brings, n of them; -1 if they did not come.
 */
static long long
scheduled_now(const struct rr_proc *r, unsigned n, unsigned round)
{
	static const char key[] = "schedule counters";
	long long total = -1;
	int64_t until = mono_ns() + 10 * SEC;
	unsigned long seen;
	char *log, *p;

	kill(r->pid, SIGUSR2);
	while (total < 0 && mono_ns() < until) {
		sleep_until(mono_ns() + 100 * MSEC);
		if ((log = slurp(r->log)) == NULL)
			continue;
		for (seen = 0, p = log; (p = strstr(p, key)) != NULL; seen++)
			p += sizeof key - 1;
		if (seen >= (unsigned long)n * round) {
			total = 0;
			for (seen = 0, p = log; (p = strstr(p, key)) != NULL;
			    seen++) {
				p += sizeof key - 1;
				if (seen >= (unsigned long)n * (round - 1) &&
				    seen < (unsigned long)n * round &&
				    (p = strstr(p, "scheduled=")) != NULL)
					total += strtoll(p + 10, NULL, 10);
			}
		}
		free(log);
	}
	return total;
}

/* One row: n schedules for dur; figures schedules.NAME.*. */
static long
fires_row(struct bench *b, const char *name, unsigned n, bool mix,
    int64_t dur)
{
	struct rr_proc r;
	int64_t t0, t1, r0, r1, c0, c1;
	long long fires, s0 = 0, s1 = 0;
	long v0, v1, anon;
	double secs;

	if (start(b, &r, name, n, mix) == -1)
		return -1;
	/* past the first fires and the start's wake-ups */
	sleep_until(mono_ns() + 1500 * MSEC);
	if (mix && (s0 = scheduled_now(&r, n, 1)) < 0) {
		printf("  %s: no schedule counters\n", name);
		rr_stop(&r);
		return -1;
	}
	t0 = mono_ns();
	r0 = real_ns();
	v0 = proc_status(r.pid, "voluntary_ctxt_switches");
	c0 = cpu_ns(r.pid);
	sleep_until(t0 + dur);
	t1 = mono_ns();
	r1 = real_ns();
	v1 = proc_status(r.pid, "voluntary_ctxt_switches");
	c1 = cpu_ns(r.pid);
	anon = proc_status(r.pid, "RssAnon");
	if (mix && (s1 = scheduled_now(&r, n, 2)) < 0)
		s1 = s0;
	rr_stop(&r);
	secs = (double)(t1 - t0) / 1e9;
	fires = mix ? s1 - s0 : (long long)n * (r1 / SEC - r0 / SEC);
	printf("  %-10s %6u %5.1f s %9lld %12.2f %10.2f %9ld\n", name, n,
	    secs, fires, fires > 0 ? (double)(c1 - c0) / 1e3 /
	    (double)fires : 0, (double)(v1 - v0) / secs, anon);
	if (fires > 0)
		fig((double)(c1 - c0) / 1e3 / (double)fires, "us/fire",
		    "schedules.%s.cpu", name);
	fig((double)(v1 - v0) / secs, "per s", "schedules.%s.wakeups", name);
	fig((double)anon, "KiB", "schedules.%s.rssanon", name);
	return anon;
}

/* The slowest expression's mean cron_next(), in ns. */
static void
next_fire(void)
{
	static const char *const zones[] = { "UTC", "America/New_York" };
	char err[TZ_ERR_MAX];
	struct cron c;
	struct tz z;
	int64_t t0, t, worst = 0, per;
	size_t i, k, j, calls = 20000;
	const char *worst_expr = "";

	for (k = 0; k < sizeof zones / sizeof zones[0]; k++) {
		if (tz_load(&z, zones[k], err, sizeof err) == -1) {
			printf("  next fire: %s\n", err);
			continue;
		}
		for (i = 0; i < NMIXED; i++) {
			if (cron_parse(&c, mixed[i], err, sizeof err) == -1)
				continue;
			t0 = mono_ns();
			/* from instants 7 h 13 min apart, over some 16 years */
			for (j = 0, t = 1767225600; j < calls; j++,
			    t += 26000)
				(void)cron_next(&c, &z, t);
			per = (mono_ns() - t0) / (int64_t)calls;
			if (per > worst) {
				worst = per;
				worst_expr = mixed[i];
			}
		}
		tz_free(&z);
	}
	printf("  next fire: the slowest of %zu expressions in UTC and "
	    "America/New_York: %.2f us (\"%s\")\n", NMIXED,
	    (double)worst / 1e3, worst_expr);
	fig((double)worst / 1e3, "us", "schedules.next_fire");
}

void
schedules_part(struct bench *b)
{
	int64_t dur = b->quick ? 2 * SEC : 5 * SEC;
	long one, many;

	pin(b, CPU_UNPINNED, false);
	printf("\nschedules: ./rr, 2 bench/echo workers, no unnamed ticker; "
	    "every schedule fires each second\n  (\"mixed\": %zu expressions "
	    "in turn), nearly all skipped with 10,000\n", NMIXED);
	printf("  %-10s %6s %7s %9s %12s %10s %9s\n", "run", "scheds", "run",
	    "fires", "us/fire", "wakeups/s", "RssAnon");
	one = fires_row(b, "one", 1, false, dur);
	many = fires_row(b, "many", MANY, false, dur);
	fires_row(b, "mixed", MANY, true, dur);
	if (one > 0 && many > 0) {
		printf("  memory: %.0f B a schedule\n", (double)(many - one) *
		    1024 / (MANY - 1));
		fig((double)(many - one) * 1024 / (MANY - 1), "B",
		    "schedules.memory_per_schedule");
	}
	next_fire();
}

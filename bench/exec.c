/*
 * exec: rr's own pool, worker and goridge code against bench/echo, driven
 * the way rr.c drives them (one epoll loop, SIGCHLD through a signalfd,
 * waitid WNOWAIT so the pool sees an exit before the reap, deadlines as
 * the timeout), with a closed loop of callers in place of the ticker:
 * each caller hands a payload to pool_exec(), waits for the echo and
 * sends the next.  The pool never queues (EBUSY when no worker is idle),
 * so callers beyond the idle workers wait here, and the wait is part of
 * their latency, as it would be for any event source.
 *
 * "Server CPU" is this process's getrusage: rr's code plus a driver that
 * does less than the ticker does per tick.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "config.h"
#include "log.h"
#include "pool.h"

#define RING		8	/* callers at most, a power of two */
#define GROWTH_EXECS	1000000

struct driver {
	struct config	 cfg;
	struct pool	 pool;
	int		 epfd, sigfd;
	int64_t		 looked;	/* the last epoll_wait */
	const uint8_t	*body;
	uint32_t	 size;
	bool		 open;		/* a finished call makes a new one */
	uint64_t	 made, sent, done, bad;
	int64_t		 born[RING];	/* by tag: when each call was made */
	int64_t		*lat;		/* NULL: not recording */
	size_t		 nlat, maxlat;
};

static uint8_t	 payload[64 * 1024];

static void
on_done(void *arg, const struct exec_result *r)
{
	struct driver *d = arg;

	if (r->outcome != EXEC_OK || r->body_len != d->size ||
	    memcmp(r->body, d->body, r->body_len < 16 ? r->body_len : 16))
		d->bad++;
	if (d->lat != NULL && d->nlat < d->maxlat)
		d->lat[d->nlat++] = r->finished - d->born[r->tag % RING];
	d->done++;
	if (d->open)
		d->born[d->made++ % RING] = r->finished;
}

/* Calls wait here in order until a worker is idle. */
static void
send_calls(struct driver *d, int64_t now)
{
	while (d->sent < d->made && pool_exec(&d->pool, 0, NULL, 0, d->body,
	    d->size, d->sent, now) != -1)
		d->sent++;
}

/* SIGCHLD, as rr.c handles it. */
static void
reap(struct driver *d, int64_t now)
{
	struct signalfd_siginfo ssi;

	while (read(d->sigfd, &ssi, sizeof ssi) == sizeof ssi)
		;
	pool_reap(&d->pool, now);
}

/* As rr.c's: poll while the pool asks, collecting directly, then sleep. */
static int
wait_events(struct driver *d, struct epoll_event *ev, int max, int64_t now)
{
	int64_t until = now + pool_poll_ns(&d->pool, now);
	int64_t dl = pool_next_deadline(&d->pool);
	int n, ms = 100;

	while (now < until) {
		if (now - d->looked < MSEC && pool_collect(&d->pool, now))
			return 0;
		n = epoll_wait(d->epfd, ev, max, 0);
		d->looked = now;
		if (n != 0)
			return n;
		sched_yield();
		now = mono_ns();
	}
	if (dl <= now)
		ms = 0;
	else if (dl - now < 100 * MSEC)
		ms = (int)((dl - now + MSEC - 1) / MSEC);
	d->looked = now;
	return epoll_wait(d->epfd, ev, max, ms);
}

/* One turn of rr.c's serve() loop. */
static void
step(struct driver *d)
{
	struct epoll_event ev[64];
	int i, n = wait_events(d, ev, 64, mono_ns());
	int64_t now = mono_ns();

	for (i = 0; i < n; i++) {
		if (ev[i].data.ptr == &d->sigfd)
			reap(d, now);
		else
			pool_on_io(&d->pool, ev[i].data.ptr, ev[i].events,
			    now);
	}
	pool_on_deadline(&d->pool, now);
	send_calls(d, now);
}

/*
 * The workers take the affinity the harness has when they are forked, and
 * the pool forks all but the first only once that one is ready: the
 * harness keeps the workers' CPU until every worker is.
 */
static int
driver_open(struct bench *b, struct driver *d, unsigned workers,
    enum cpu_mode m)
{
	struct epoll_event ev = { .events = EPOLLIN };
	char path[PATH_MAX], err[CONFIG_ERR_MAX];
	int64_t end;
	sigset_t chld;

	memset(d, 0, sizeof *d);
	d->epfd = d->sigfd = -1;
	d->body = payload;
	tmp_path(b, "exec.yaml", path);
	if (write_file(path, "version: '3'\n"
	    "server:\n  command: [\"%s\"]\n  relay_timeout: 10s\n"
	    "ticker:\n  pool:\n    num_workers: %u\n"
	    "    destroy_timeout: 2s\n"
	    "logs:\n  level: warn\n", b->echo, workers) == -1) {
		printf("  exec: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (config_load(&d->cfg, path, NULL, 0, err, sizeof err) == -1 ||
	    log_open(&d->cfg.logs, err, sizeof err) == -1) {
		printf("  exec: %s\n", err);
		return -1;
	}
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	ev.data.ptr = &d->sigfd;
	if ((d->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (d->sigfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC)) ==
	    -1 || epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->sigfd, &ev) == -1) {
		printf("  exec: cannot set up the loop: %s\n", strerror(errno));
		return -1;
	}
	if (pool_init(&d->pool, &d->cfg, "bench", d->epfd, on_done, d, err,
	    sizeof err) == -1) {
		printf("  exec: %s\n", err);
		return -1;
	}
	pin(b, m, true);
	pool_start(&d->pool, mono_ns());
	for (end = mono_ns() + 10 * SEC; pool_room(&d->pool) < workers;) {
		if (mono_ns() > end) {
			printf("  exec: workers not ready in 10 s\n");
			return -1;
		}
		step(d);
	}
	pin(b, m, false);
	return 0;
}

static void
driver_close(struct driver *d)
{
	int64_t now = mono_ns(), end = now + 5 * SEC;

	if (d->pool.slots != NULL) {
		pool_stop(&d->pool, now, now + 2 * SEC);
		while (pool_processes(&d->pool) > 0 && mono_ns() < end)
			step(d);
		pool_kill(&d->pool);
		pool_free(&d->pool);
	}
	if (d->sigfd != -1)
		close(d->sigfd);
	if (d->epfd != -1)
		close(d->epfd);
	config_free(&d->cfg);
}

struct cost {
	double		 cpu_us;	/* user + system */
	long		 nvcsw;		/* times it went to sleep */
};

static double
tv_us(const struct timeval *tv)
{
	return (double)tv->tv_sec * 1e6 + (double)tv->tv_usec;
}

/*
 * Keep `callers` calls going until `until` (monotonic) or until `count`
 * calls are done, then let those still out finish.  Returns the calls
 * done in the window; *c gets what the window cost.
 */
static uint64_t
drive(struct driver *d, unsigned callers, int64_t until, uint64_t count,
    struct cost *c)
{
	struct rusage r0, r1;
	uint64_t done0 = d->done, n;
	int64_t now = mono_ns();

	getrusage(RUSAGE_SELF, &r0);
	d->open = true;
	while (d->made - d->done < callers)
		d->born[d->made++ % RING] = now;
	send_calls(d, now);
	while (mono_ns() < until && d->done - done0 < count)
		step(d);
	getrusage(RUSAGE_SELF, &r1);
	n = d->done - done0;
	d->open = false;
	d->lat = NULL;
	/* the pool answers every call, if only with a crash; the bound is
	 * for a pool that can no longer spawn */
	for (now = mono_ns() + 10 * SEC; d->done < d->made &&
	    mono_ns() < now;)
		step(d);
	c->cpu_us = tv_us(&r1.ru_utime) + tv_us(&r1.ru_stime) -
	    tv_us(&r0.ru_utime) - tv_us(&r0.ru_stime);
	c->nvcsw = r1.ru_nvcsw - r0.ru_nvcsw;
	return n;
}

static void
one_case(struct bench *b, unsigned workers, unsigned callers, int s,
    enum cpu_mode m, int64_t dur)
{
	const char *cpu = cpu_mode_name[m];
	struct driver d;
	struct cost c;
	int64_t t0, t1;
	uint64_t n;
	double rate, us, csw, p50, p99;
	char ratio[16] = "-";

	if (driver_open(b, &d, workers, m) == -1) {
		driver_close(&d);
		pin(b, CPU_UNPINNED, false);
		return;
	}
	d.size = bench_size[s];
	drive(&d, callers, mono_ns() + dur / 4, UINT64_MAX, &c);
	d.lat = b->lat;
	d.maxlat = b->maxlat;
	t0 = mono_ns();
	n = drive(&d, callers, t0 + dur, UINT64_MAX, &c);
	t1 = mono_ns();
	sort_ns(b->lat, d.nlat);
	rate = (double)n * 1e9 / (double)(t1 - t0);
	us = c.cpu_us / (double)n;
	csw = (double)c.nvcsw / (double)n;
	p50 = (double)pct(b->lat, d.nlat, 0.50) / 1e3;
	p99 = (double)pct(b->lat, d.nlat, 0.99) / 1e3;
	if (b->floor_rate[s][m] > 0) {
		snprintf(ratio, sizeof ratio, "%.2f",
		    rate / b->floor_rate[s][m]);
		fig(rate / b->floor_rate[s][m], "x",
		    "exec.%s.%s.w%u.c%u.floor_ratio", cpu, bench_size_name[s],
		    workers, callers);
	}
	printf("  %-6s %-9s %2u %3u %9.0f %8.1f %8.1f %9.2f %8.2f %7s%s\n",
	    bench_size_name[s], cpu, workers, callers, rate, p50, p99, us, csw,
	    ratio, d.bad ? "  BAD REPLIES" : "");
	fflush(stdout);
	fig(rate, "execs/s", "exec.%s.%s.w%u.c%u.rate", cpu,
	    bench_size_name[s], workers, callers);
	fig(p50, "us", "exec.%s.%s.w%u.c%u.p50", cpu, bench_size_name[s],
	    workers, callers);
	fig(p99, "us", "exec.%s.%s.w%u.c%u.p99", cpu, bench_size_name[s],
	    workers, callers);
	fig(us, "us/exec", "exec.%s.%s.w%u.c%u.cpu", cpu, bench_size_name[s],
	    workers, callers);
	fig(csw, "csw/exec", "exec.%s.%s.w%u.c%u.vcsw", cpu,
	    bench_size_name[s], workers, callers);
	driver_close(&d);
	pin(b, CPU_UNPINNED, false);
}

/*
 * The pinned ratio to the floor, which the targets judge.  A VM's speed
 * drifts by 10% within seconds, so a floor measured once at the start
 * judges exec cases run a minute later against another machine.  Here
 * the floor and one worker take turns, a quarter second each, and the
 * median of the rounds' ratios is the figure.
 */
static void
alternated_ratio(struct bench *b, int s)
{
	enum { ROUNDS = 7 };
	int64_t dur = b->quick ? 50 * MSEC : 250 * MSEC, t0, ratio[ROUNDS];
	struct driver d;
	struct cost c;
	struct rt floor;
	uint64_t n;
	int i;

	if (driver_open(b, &d, 1, CPU_PINNED) == -1)
		goto out;
	d.size = bench_size[s];
	drive(&d, 1, mono_ns() + dur / 4, UINT64_MAX, &c);
	for (i = 0; i < ROUNDS; i++) {
		if (ping_pong(b, CPU_PINNED, bench_size[s], dur / 10, dur,
		    &floor) == -1) {
			printf("  %s floor: %s\n", bench_size_name[s],
			    strerror(errno));
			goto out;
		}
		t0 = mono_ns();
		n = drive(&d, 1, t0 + dur, UINT64_MAX, &c);
		/* in thousandths, to reuse the ns sort */
		ratio[i] = (int64_t)((double)n * 1e12 /
		    (double)(mono_ns() - t0) / floor.rate);
	}
	sort_ns(ratio, ROUNDS);
	printf("  %-6s pinned, 1 worker, %d rounds of floor then exec, "
	    "%.2f s each: /floor median %.2f (%.2f to %.2f)%s\n",
	    bench_size_name[s], ROUNDS, (double)dur / 1e9,
	    (double)ratio[ROUNDS / 2] / 1e3, (double)ratio[0] / 1e3,
	    (double)ratio[ROUNDS - 1] / 1e3, d.bad ? "  BAD REPLIES" : "");
	fig((double)ratio[ROUNDS / 2] / 1e3, "x",
	    "exec.pinned.%s.w1.c1.floor_ratio_alternated", bench_size_name[s]);
out:
	driver_close(&d);
	pin(b, CPU_UNPINNED, false);
}

void
exec_part(struct bench *b)
{
	int64_t dur = b->quick ? 200 * MSEC : 800 * MSEC;
	unsigned w, c;
	int s, m;

	memset(payload, 'x', sizeof payload);
	printf("\nexec: pool_exec -> bench/echo -> reply, rr's pool in this "
	    "process, %.1f s per case\n", (double)dur / 1e9);
	printf("  %-6s %-9s %2s %3s %9s %8s %8s %9s %8s %7s\n", "size", "cpu",
	    "w", "in", "execs/s", "p50 us", "p99 us", "cpu us/x", "vcsw/x",
	    "/floor");
	/* split only shows what crossing CPUs costs: one worker, one call */
	for (m = 0; m < CPU_NMODES; m++) {
		for (s = 0; s < NSIZES; s++)
			for (w = 1; w <= 2; w++)
				for (c = 1; c <= 2; c++)
					if (m != CPU_SPLIT || (w == 1 &&
					    c == 1 && b->other >= 0))
						one_case(b, w, c, s, m, dur);
		printf("\n");
	}
	alternated_ratio(b, 0);
	alternated_ratio(b, 1);
	printf("\n  w: workers; in: execs in flight; cpu us/x: this process's "
	    "user+sys CPU per exec;\n  vcsw/x: its voluntary context "
	    "switches (sleeps) per exec; /floor: execs/s over the floor's\n"
	    "  round trips/s at the same size and cpu.  Unpinned, the "
	    "scheduler decides each run whether\n  the two ends share a "
	    "CPU, so unpinned rows (and their ratios) swing between the\n"
	    "  pinned and split figures from run to run.\n");
}

/* RssAnon of the pool's process before and after many execs. */
void
exec_growth(struct bench *b)
{
	uint64_t count = b->quick ? GROWTH_EXECS / 10 : GROWTH_EXECS, n;
	long before, after;
	struct driver d;
	struct cost c;
	int64_t t0, t1;

	memset(payload, 'x', sizeof payload);
	if (driver_open(b, &d, 1, CPU_PINNED) == -1) {
		driver_close(&d);
		pin(b, CPU_UNPINNED, false);
		return;
	}
	d.size = bench_size[0];
	drive(&d, 1, INT64_MAX, 10000, &c);
	before = proc_status(0, "RssAnon");
	t0 = mono_ns();
	n = drive(&d, 1, INT64_MAX, count, &c);
	t1 = mono_ns();
	after = proc_status(0, "RssAnon");
	driver_close(&d);
	pin(b, CPU_UNPINNED, false);
	printf("  %-34s %6ld KiB -> %ld KiB over %llu execs "
	    "(%.1f s, %s)\n", "RssAnon, in-process pool", before, after,
	    (unsigned long long)n, (double)(t1 - t0) / 1e9,
	    d.bad ? "BAD REPLIES" : "all echoed");
	fig((double)(after - before), "KiB", "footprint.growth_1e6");
}

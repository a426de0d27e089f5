/*
 * floor: what the kernel charges for one round trip between two processes
 * over two pipes, the least a server of pipe-connected workers can pay.
 * The child reads each message whole and writes it back; the parent times
 * every round trip.  Both sit on one CPU (pinned), on two (split) or
 * wherever the scheduler puts them (unpinned); these rates are what exec
 * compares to.
 *
 * The tick floor is the same for the ticker: a bare loop blocked on an
 * absolute timerfd sends 16 bytes to a child at each expiry and waits for
 * the answer, the time the child read them, so it wakes twice per tick as
 * rr does.  Its lateness is measured the way ticks measures rr's, and its
 * CPU per tick is what rr's is compared with (on a VM a wake-up alone
 * costs tens of microseconds).  The ticks part runs it beside rr, as is
 * and waiting in epoll_wait as rr does, which costs more on this VM, and
 * with no child at all, waking once per tick to read the timerfd: the
 * price of the wake-up alone, below which no ticker can go.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static int
xfer(int fd, uint8_t *buf, size_t len, bool in)
{
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = in ? read(fd, buf + off, len - off) :
		    write(fd, buf + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

static void __attribute__((noreturn))
mirror(int in, int out, size_t size)
{
	uint8_t *buf = malloc(size);

	while (buf != NULL && xfer(in, buf, size, true) == 0 &&
	    xfer(out, buf, size, false) == 0)
		;
	_exit(0);
}

static int
trip(int to, int from, uint8_t *buf, size_t size)
{
	if (xfer(to, buf, size, false) == -1)
		return -1;
	return xfer(from, buf, size, true);
}

int
ping_pong(struct bench *b, enum cpu_mode m, size_t size, int64_t warm,
    int64_t dur, struct rt *res)
{
	int to[2], from[2], ok = 0;
	int64_t t0, t1, start, end, c0;
	uint8_t *buf;
	size_t n = 0;
	pid_t pid;

	if ((buf = calloc(1, size)) == NULL)
		return -1;
	if (pipe2(to, O_CLOEXEC) == -1 || pipe2(from, O_CLOEXEC) == -1 ||
	    (pid = fork()) == -1) {
		free(buf);
		return -1;
	}
	if (pid == 0) {
		close(to[1]);
		close(from[0]);
		pin(b, m, true);
		mirror(to[0], from[1], size);
	}
	close(to[0]);
	close(from[1]);
	for (end = mono_ns() + warm; ok == 0 && mono_ns() < end;)
		ok = trip(to[1], from[0], buf, size);
	c0 = cpu_ns(0);
	start = t0 = mono_ns();
	for (end = start + dur; ok == 0 && t0 < end; t0 = t1) {
		ok = trip(to[1], from[0], buf, size);
		t1 = mono_ns();
		if (n < b->maxlat)
			b->lat[n++] = t1 - t0;
	}
	res->cpu_us = (double)(cpu_ns(0) - c0) / 1e3 / (double)n;
	close(to[1]);
	close(from[0]);
	reap_child(pid, SEC);
	free(buf);
	sort_ns(b->lat, n);
	res->rate = (double)n * 1e9 / (double)(t0 - start);
	res->p50 = pct(b->lat, n, 0.50);
	res->p99 = pct(b->lat, n, 0.99);
	return ok;
}

static void __attribute__((noreturn))
stamp(int in, int out)
{
	uint8_t buf[16];
	struct timespec ts;
	int64_t t;

	while (xfer(in, buf, sizeof buf, true) == 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		t = (int64_t)ts.tv_sec * SEC + ts.tv_nsec;
		memcpy(buf, &t, sizeof t);
		if (xfer(out, buf, sizeof buf, false) == -1)
			break;
	}
	_exit(0);
}

/* With ep -1, nothing: the read that follows blocks instead. */
static int
await(int ep, int fd)
{
	struct epoll_event ev[2];
	int i, n;

	while (ep != -1) {
		if ((n = epoll_wait(ep, ev, 2, -1)) == -1 && errno != EINTR)
			return -1;
		for (i = 0; i < n; i++)
			if (ev[i].data.fd == fd)
				return 0;
	}
	return 0;
}

/*
 * Without a child (TICK_TIMER_ONLY) the loop times its own wake-up: a
 * clock read after the timerfd's, a vDSO call of a few tens of ns, so
 * that its CPU per tick is still the wake-up's alone.
 */
int
tick_floor(struct bench *b, int64_t interval, int64_t dur,
    enum tick_wait how, struct tick_floor *res)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int to[2], from[2], tfd, ep = -1;
	int64_t start, t, c0, c1;
	uint64_t k = 0, exp;
	struct itimerspec its;
	uint8_t buf[16] = { 0 };
	size_t n = 0;
	pid_t pid = -1;

	if ((tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC)) == -1)
		return -1;
	if (how != TICK_TIMER_ONLY) {
		if (pipe2(to, O_CLOEXEC) == -1 ||
		    pipe2(from, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
			close(tfd);	/* a pipe already made lives until exit */
			return -1;
		}
		if (pid == 0) {
			close(to[1]);
			close(from[0]);
			stamp(to[0], from[1]);
		}
		close(to[0]);
		close(from[1]);
	}
	if (how == TICK_EPOLL) {
		ep = epoll_create1(EPOLL_CLOEXEC);
		ev.data.fd = tfd;
		epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
		ev.data.fd = from[0];
		epoll_ctl(ep, EPOLL_CTL_ADD, from[0], &ev);
	}
	start = mono_ns() + interval;
	its.it_interval = (struct timespec){ interval / SEC, interval % SEC };
	its.it_value = (struct timespec){ start / SEC, start % SEC };
	timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
	c0 = cpu_ns(0);
	while (k < (uint64_t)(dur / interval) && n < b->maxlat &&
	    await(ep, tfd) == 0 && read(tfd, &exp, sizeof exp) == sizeof exp) {
		k += exp;
		if (how == TICK_TIMER_ONLY)
			t = mono_ns();
		else {
			if (xfer(to[1], buf, sizeof buf, false) == -1 ||
			    await(ep, from[0]) == -1 ||
			    xfer(from[0], buf, sizeof buf, true) == -1)
				break;
			memcpy(&t, buf, sizeof t);
		}
		b->lat[n++] = t - (start + (int64_t)(k - 1) * interval);
	}
	c1 = cpu_ns(0);
	if (ep != -1)
		close(ep);
	close(tfd);
	if (pid != -1) {
		close(to[1]);
		close(from[0]);
		reap_child(pid, SEC);
	}
	sort_ns(b->lat, n);
	res->ticks = n;
	res->skipped = k - n;
	res->min_us = (double)pct(b->lat, n, 0) / 1e3;
	res->p50_us = (double)pct(b->lat, n, 0.5) / 1e3;
	res->p99_us = (double)pct(b->lat, n, 0.99) / 1e3;
	res->max_us = (double)pct(b->lat, n, 1) / 1e3;
	res->cpu_us = k > 0 ? (double)(c1 - c0) / 1e3 / (double)k : -1;
	return n > 0 ? 0 : -1;
}

void
floor_part(struct bench *b)
{
	int64_t dur = b->quick ? SEC / 5 : SEC;
	const char *cpu;
	struct rt r;
	int s, m;

	printf("\nfloor: pipe round trip between two processes, "
	    "%.1f s per case\n", (double)dur / 1e9);
	printf("  %-6s %-9s %9s %8s %8s %9s\n", "size", "cpu", "rt/s",
	    "p50 us", "p99 us", "cpu us/rt");
	for (m = 0; m < CPU_NMODES; m++)
		for (s = 0; s < NSIZES; s++) {
			if (m == CPU_SPLIT && b->other < 0)
				continue;
			cpu = cpu_mode_name[m];
			pin(b, m, false);
			if (ping_pong(b, m, bench_size[s], dur / 10, dur,
			    &r) == -1) {
				printf("  %-6s %-9s failed: %s\n",
				    bench_size_name[s], cpu, strerror(errno));
				continue;
			}
			b->floor_rate[s][m] = r.rate;
			printf("  %-6s %-9s %9.0f %8.1f %8.1f %9.2f\n",
			    bench_size_name[s], cpu, r.rate,
			    (double)r.p50 / 1e3, (double)r.p99 / 1e3,
			    r.cpu_us);
			fig(r.cpu_us, "us/rt", "floor.%s.%s.cpu", cpu,
			    bench_size_name[s]);
			fig(r.rate, "rt/s", "floor.%s.%s.rate", cpu,
			    bench_size_name[s]);
			fig((double)r.p50 / 1e3, "us", "floor.%s.%s.p50", cpu,
			    bench_size_name[s]);
			fig((double)r.p99 / 1e3, "us", "floor.%s.%s.p99", cpu,
			    bench_size_name[s]);
		}
	pin(b, CPU_UNPINNED, false);
}

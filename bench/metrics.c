/*
 * metrics: the real ./rr's Prometheus endpoint (metrics.address on a free
 * loopback port) scraped over one keep-alive HTTP/1.1 connection, as a
 * Prometheus server scrapes it: GET /metrics, the response read by its
 * Content-Length, the next request once the last response is in.  Plain
 * blocking sockets: one connection and one request in flight need no
 * more, and poll(2) before each read turns a hang into a failure.
 *
 * First back to back, with rr's workers at interval 1h so that after tick
 * 0 only the scrapes cost it anything, at 2 and 100 workers (the body has
 * series per worker); rr's CPU per scrape is its CPU clock over the
 * window, as the rpc part reads it, over the scrapes answered in it.
 * Then paced at about 100 a second on a thread during a 10 ms tick run,
 * beside an idle run of the same config (tick_pair()).
 *
 * Every response is checked: "HTTP/1.1 200", a Content-Length, no
 * "Connection: close" (the request asked for keep-alive), and a body with
 * the rr_ticker_total_workers sample equal to the number of workers.  A
 * bad one is counted and the first shown; a hang, a closed connection or
 * a head without a length ends the run and counts as one more.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "goridge.h"	/* goridge_escape(), to show a bad response */

#define REQUEST		"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
#define RESPONSE_MAX	(4u << 20)	/* 100 workers: some tens of KiB */
#define HANG		(2 * SEC)	/* no byte for this long: rr hangs */
#define STATUS_OK	"HTTP/1.1 200 "
#define SAMPLE		"\nrr_ticker_total_workers "
#define PACED_MAX	4096		/* latencies of the paced scrapes */

struct scraper {
	int		 fd;
	unsigned	 workers;	/* rr_ticker_total_workers must say */
	char		*in;		/* RESPONSE_MAX + 1, for a NUL */
	uint64_t	 scrapes, bad;	/* good and bad responses */
	size_t		 body_len;	/* the last good one's */
	size_t		 last_len;	/* its head and body, in `in` */
	int64_t		*lat;		/* NULL: not recorded */
	size_t		 nlat, maxlat;
	struct failure	 fl;
	char		 first_bad[512];
	/* paced, on a thread */
	int64_t		 period;
	atomic_bool	 stop;
	pthread_t	 thread;
	int64_t		 t0, t1;
	uint64_t	 missed;	/* slots passed while a scrape ran */
};

/* A header's value in the head (status line excluded), or NULL. */
static const char *
header(const char *head, const char *name)
{
	size_t len = strlen(name);
	const char *p;

	for (p = strstr(head, "\r\n"); p != NULL; p = strstr(p + 2, "\r\n"))
		if (strncasecmp(p + 2, name, len) == 0 && p[2 + len] == ':')
			return p + 3 + len + strspn(p + 3 + len, " \t");
	return NULL;
}

/* What is wrong with a complete response (NUL-terminated, its head of
 * hlen bytes), or NULL; closing: the head said "Connection: close". */
static const char *
check(const struct scraper *s, const char *in, size_t hlen, size_t len,
    bool closing)
{
	const char *at;

	if (strncmp(in, STATUS_OK, sizeof STATUS_OK - 1) != 0)
		return "not HTTP/1.1 200";
	if (closing)
		return "Connection: close on a keep-alive request";
	/* from the head's last '\n', so that the body's first line counts */
	if ((at = memmem(in + hlen - 1, len - hlen + 1, SAMPLE,
	    sizeof SAMPLE - 1)) == NULL)
		return "no rr_ticker_total_workers sample in the body";
	if (strtoul(at + sizeof SAMPLE - 1, NULL, 10) != s->workers)
		return "rr_ticker_total_workers is not the number of workers";
	return NULL;
}

/* The first bad response, as it came, the head and the body's start. */
static void
show_bad(struct scraper *s, const char *in, size_t len, const char *why)
{
	char text[GR_SHOWN_MAX * 2];

	if (s->bad++ > 0)
		return;
	goridge_escape(text, sizeof text, in, len);
	snprintf(s->first_bad, sizeof s->first_bad, "scrape %llu: %s; %zu "
	    "bytes: %s", (unsigned long long)(s->scrapes + s->bad), why, len,
	    text);
}

/*
 * One request and its response, read to its Content-Length: anything
 * more would answer no request of ours.  -1 when the run broke.
 */
static int
scrape(struct scraper *s)
{
	struct pollfd pfd = { s->fd, POLLIN, 0 };
	size_t len = 0, hlen = 0, total = RESPONSE_MAX;
	const char *why, *cl, *conn;
	bool closing = false;
	char *end;
	int64_t t;
	ssize_t n;

	t = mono_ns();
	if ((n = write(s->fd, REQUEST, sizeof REQUEST - 1)) !=
	    (ssize_t)sizeof REQUEST - 1) {
		fail(&s->fl, "write of scrape %llu: %s", (unsigned long long)
		    (s->scrapes + s->bad + 1), n == -1 ? strerror(errno) :
		    "short");
		return -1;
	}
	while (len < total) {
		if ((n = poll(&pfd, 1, (int)(HANG / MSEC))) == 0) {
			fail(&s->fl, "no response in %lld s, %zu bytes of it "
			    "in", (long long)(HANG / SEC), len);
			return -1;
		}
		if (n == -1 || (n = read(s->fd, s->in + len,
		    RESPONSE_MAX - len)) == -1) {
			if (errno == EINTR)
				continue;
			fail(&s->fl, "read: %s", strerror(errno));
			return -1;
		}
		if (n == 0) {
			fail(&s->fl, "rr closed the connection, %zu bytes of "
			    "the response in", len);
			return -1;
		}
		len += (size_t)n;
		if (hlen > 0)
			continue;
		if ((end = memmem(s->in, len, "\r\n\r\n", 4)) == NULL) {
			if (len < RESPONSE_MAX)
				continue;
			fail(&s->fl, "no end of the head in 4 MiB");
			return -1;
		}
		hlen = (size_t)(end - s->in) + 4;
		/* the head alone, for header(): the body may hold "\r\n" */
		end[2] = '\0';
		cl = header(s->in, "Content-Length");
		total = cl == NULL ? 0 : hlen + strtoul(cl, NULL, 10);
		closing = (conn = header(s->in, "Connection")) != NULL &&
		    strncasecmp(conn, "close", 5) == 0;
		end[2] = '\r';
		if (cl == NULL || total > RESPONSE_MAX) {
			fail(&s->fl, "%s in the head: %.*s", cl == NULL ?
			    "no Content-Length" : "a body over 4 MiB",
			    (int)(hlen > 300 ? 300 : hlen), s->in);
			return -1;
		}
	}
	t = mono_ns() - t;
	if (len > total) {
		fail(&s->fl, "%zu bytes after the response's %zu", len - total,
		    total);
		return -1;
	}
	s->in[total] = '\0';
	if ((why = check(s, s->in, hlen, total, closing)) != NULL) {
		show_bad(s, s->in, total, why);
		return 0;
	}
	s->scrapes++;
	s->body_len = total - hlen;
	s->last_len = total;
	if (s->lat != NULL && s->nlat < s->maxlat)
		s->lat[s->nlat++] = t;
	return 0;
}

static void
scraper_close(struct scraper *s)
{
	if (s->fd != -1)
		close(s->fd);
	free(s->in);
}

/* Connected blocking: rr listens before its workers start.  Says what
 * failed, if anything. */
static int
scraper_open(struct scraper *s, uint16_t port, unsigned workers)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
	    .sin_port = htons(port),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	memset(s, 0, sizeof *s);
	atomic_init(&s->stop, false);
	s->workers = workers;
	if ((s->in = malloc(RESPONSE_MAX + 1)) == NULL ||
	    (s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(s->fd, (struct sockaddr *)&sa, sizeof sa) == -1) {
		printf("  connection to 127.0.0.1:%u: %s\n", (unsigned)port,
		    strerror(errno));
		if (s->in == NULL)
			s->fd = -1;
		scraper_close(s);
		return -1;
	}
	return 0;
}

/* Back to back until end; -1 when the run broke. */
static int
scrape_until(struct scraper *s, int64_t end)
{
	while (!s->fl.failed && mono_ns() < end)
		scrape(s);
	return s->fl.failed ? -1 : 0;
}

/*
 * As the rpc part's client_report: how the run ended if it broke, the
 * first bad response, and the figure: bad responses, one more for a
 * broken run, so that no verdict reads 0 when rr stopped answering.
 */
static double
scraper_report(const struct scraper *s)
{
	if (s->fl.failed)
		printf("    SCRAPE FAILED: %s\n", s->fl.what);
	if (s->bad > 0)
		printf("    %llu bad responses; the first: %s\n",
		    (unsigned long long)s->bad, s->first_bad);
	return (double)s->bad + s->fl.failed;
}

static void
metrics_config(char *out, size_t len, uint16_t port)
{
	snprintf(out, len, "metrics:\n  address: 127.0.0.1:%u\n",
	    (unsigned)port);
}

/* A response to keep: head and body, as rr sent them. */
struct kept {
	char	*bytes;
	size_t	 len;
};

/*
 * One row: the server `pid` on port, scraped for dur after warm, its
 * figures named who.w<workers>.*; its bad figure.  keep, if not NULL,
 * gets the last good response.
 */
static double
scrape_row(struct bench *b, const char *who, pid_t pid, uint16_t port,
    unsigned workers, int64_t warm, int64_t dur, struct kept *keep)
{
	struct scraper s;
	int64_t t0, t1, c0, c1;
	double rate, bad, cpu = -1;

	if (scraper_open(&s, port, workers) == -1) {
		fig(1, "responses", "%s.w%u.bad", who, workers);
		return 1;
	}
	scrape_until(&s, mono_ns() + warm);
	s.scrapes = 0;
	s.lat = b->lat;
	s.maxlat = b->maxlat;
	t0 = mono_ns();
	c0 = cpu_ns(pid);
	scrape_until(&s, t0 + dur);
	t1 = mono_ns();
	c1 = cpu_ns(pid);
	if (keep != NULL && !s.fl.failed && s.scrapes > 0 &&
	    (keep->bytes = malloc(s.last_len)) != NULL)
		memcpy(keep->bytes, s.in, keep->len = s.last_len);
	scraper_close(&s);
	/* a broken run's figures would judge what was left of it */
	if (s.fl.failed) {
		printf("  %-13s %7u  the run broke\n", who, workers);
		bad = scraper_report(&s);
		fig(bad, "responses", "%s.w%u.bad", who, workers);
		return bad;
	}
	sort_ns(s.lat, s.nlat);
	rate = (double)s.scrapes / ((double)(t1 - t0) / 1e9);
	if (c0 >= 0 && c1 >= 0 && s.scrapes > 0)
		cpu = (double)(c1 - c0) / 1e3 / (double)s.scrapes;
	printf("  %-13s %7u %4.1f s %9.0f %8.1f %8.1f %8.1f %13.2f %7zu "
	    "%5llu\n", who, workers, (double)(t1 - t0) / 1e9, rate,
	    pct(s.lat, s.nlat, 0.5) / 1e3, pct(s.lat, s.nlat, 0.99) / 1e3,
	    pct(s.lat, s.nlat, 1) / 1e3, cpu, s.body_len,
	    (unsigned long long)s.bad);
	bad = scraper_report(&s);
	fig(bad, "responses", "%s.w%u.bad", who, workers);
	fig(rate, "scrapes/s", "%s.w%u.rate", who, workers);
	fig((double)pct(s.lat, s.nlat, 0.5) / 1e3, "us", "%s.w%u.p50", who,
	    workers);
	fig((double)pct(s.lat, s.nlat, 0.99) / 1e3, "us", "%s.w%u.p99", who,
	    workers);
	fig((double)s.body_len, "B", "%s.w%u.body", who, workers);
	if (cpu >= 0)
		fig(cpu, "us/scrape", "%s.w%u.cpu", who, workers);
	return bad;
}

/*
 * The floor's server, in a child: one connection, and every request on
 * it (they are all REQUEST) answered with k in one write, on a blocking
 * socket: the round trip's cost to any server, without building the
 * body.  Ends when the client closes.
 */
static void
floor_serve(int lfd, const struct kept *k)
{
	static const size_t reqlen = sizeof REQUEST - 1;
	char in[4096];
	size_t got = 0, answered = 0;
	ssize_t n;
	int fd;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		_exit(1);
	while ((n = read(fd, in, sizeof in)) > 0)
		for (got += (size_t)n; answered < got / reqlen; answered++)
			if (write(fd, k->bytes, k->len) != (ssize_t)k->len)
				_exit(1);
	_exit(0);
}

/* The floor row, k as every response: figures floor.metrics.w<N>.*. */
static double
floor_row(struct bench *b, const struct kept *k, unsigned workers,
    int64_t warm, int64_t dur)
{
	uint16_t port;
	double bad;
	pid_t pid;
	int lfd;

	if ((lfd = loopback_listen(1, &port)) == -1)
		return 1;
	if ((pid = fork()) == -1) {
		printf("  fork: %s\n", strerror(errno));
		close(lfd);
		return 1;
	}
	if (pid == 0)
		floor_serve(lfd, k);
	close(lfd);
	bad = scrape_row(b, "floor.metrics", pid, port, workers, warm, dur,
	    NULL);
	waitpid(pid, NULL, 0);
	return bad;
}

/* rr with `workers` bench/echo workers that never tick, scraped; then
 * the floor with rr's last response.  Their bad figure, 1 if rr did not
 * start. */
static double
pool_rows(struct bench *b, unsigned workers, int64_t warm, int64_t dur)
{
	struct kept k = { NULL, 0 };
	struct rr_proc r;
	uint16_t port;
	char name[32];
	double bad;

	snprintf(name, sizeof name, "metrics-w%u", workers);
	if ((port = rr_listening(b, &r, name, workers, metrics_config)) == 0)
		return 1;
	bad = scrape_row(b, "metrics", r.pid, port, workers, warm, dur, &k);
	rr_stop(&r);
	if (k.bytes != NULL)
		bad += floor_row(b, &k, workers, warm, dur);
	free(k.bytes);
	return bad;
}

/* The load of the tick run: a paced scraper on a thread of its own, so
 * that tick_run's thread only sleeps and reads. */
struct load {
	uint16_t	 port;
	int64_t		 period;
	struct scraper	 s;
	int64_t		 lat[PACED_MAX];
	bool		 ran;		/* on() started the thread */
};

/* Missed slots are skipped, not caught up in a burst: a scraper that
 * fell behind does not then scrape faster than its period. */
static void *
paced_main(void *arg)
{
	struct scraper *s = arg;
	int64_t next = mono_ns(), now;

	while (!s->fl.failed && !atomic_load(&s->stop)) {
		scrape(s);
		next += s->period;
		for (now = mono_ns(); next <= now; next += s->period)
			s->missed++;
		sleep_until(next);
	}
	return NULL;
}

static int
load_on(void *arg, const struct rr_proc *r)
{
	struct load *l = arg;
	int e;

	(void)r;
	if (scraper_open(&l->s, l->port, 2) == -1)
		return -1;
	l->s.period = l->period;
	l->s.lat = l->lat;
	l->s.maxlat = PACED_MAX;
	l->s.t0 = mono_ns();
	if ((e = pthread_create(&l->s.thread, NULL, paced_main, &l->s)) !=
	    0) {
		printf("  pthread_create: %s\n", strerror(e));
		scraper_close(&l->s);
		return -1;
	}
	l->ran = true;
	return 0;
}

static void
load_off(void *arg)
{
	struct load *l = arg;

	atomic_store(&l->s.stop, true);
	pthread_join(l->s.thread, NULL);
	l->s.t1 = mono_ns();
	scraper_close(&l->s);
}

/*
 * The tick lateness at 10 ms scraped about 100 times a second, beside an
 * rr of the same config (the listener, no scrapes) just before it.  A
 * period of exactly 10 ms would hit every tick at one phase, the same
 * all run long and set by chance at the start: a scrape just before each
 * tick, or none near any.  So it is 10 ms longer by 1/ticks of the run:
 * a scrape's phase against the ticks walks once through the whole
 * interval, as an unsynchronized Prometheus server's would, and every
 * phase gets the same share of ticks.  Returns the scraper's bad figure.
 */
static double
tick_rows(struct bench *b, struct tick_record *rec, int64_t dur)
{
	struct load *l = calloc(1, sizeof *l);
	struct tick_load busy = { .on = load_on, .off = load_off, .arg = l };
	double secs, rate, bad = 0;
	struct scraper *s;

	if (l == NULL)
		return 0;
	l->period = 10 * MSEC + 10 * MSEC * (10 * MSEC) / dur;
	s = &l->s;
	if (tick_pair(b, "10ms_midle", "10ms_scrape", dur, metrics_config,
	    &l->port, &busy, rec) == -1) {
		free(l);
		return 0;
	}
	/* rr did not start, or took no scraper: as the rpc part counts an
	 * rr that did not start, one bad, so the verdict is no pass */
	if (!l->ran) {
		printf("  10ms_scrape: no scrapes (see above)\n");
		fig(1, "responses", "ticks.10ms_scrape.bad");
		free(l);
		return 1;
	}
	secs = (double)(s->t1 - s->t0) / 1e9;
	rate = (double)s->scrapes / secs;
	sort_ns(s->lat, s->nlat);
	printf("  10ms_scrape: a scrape every %.2f ms: %llu in %.1f s, "
	    "%.1f/s, %llu slots missed,\n    latency p50 %.1f us, p99 %.1f "
	    "us, body %zu B, %llu bad\n", (double)l->period / 1e6,
	    (unsigned long long)s->scrapes, secs, rate,
	    (unsigned long long)s->missed, pct(s->lat, s->nlat, 0.5) / 1e3,
	    pct(s->lat, s->nlat, 0.99) / 1e3, s->body_len,
	    (unsigned long long)s->bad);
	bad = scraper_report(s);
	fig(rate, "scrapes/s", "ticks.10ms_scrape.scrape_rate");
	fig((double)pct(s->lat, s->nlat, 0.99) / 1e3, "us",
	    "ticks.10ms_scrape.scrape_p99");
	fig(bad, "responses", "ticks.10ms_scrape.bad");
	free(l);
	return bad;
}

void
metrics_part(struct bench *b)
{
	struct tick_record *rec = calloc(TICK_RECORDS, sizeof *rec);
	int64_t warm = b->quick ? 100 * MSEC : 300 * MSEC;
	int64_t dur = b->quick ? SEC / 2 : 2 * SEC;
	double bad;

	if (rec == NULL)
		return;
	/* rr, its workers and the client wherever the scheduler puts
	 * them, whatever an earlier part left pinned */
	pin(b, CPU_UNPINNED, false);
	printf("\nmetrics: ./rr's Prometheus endpoint, bench/echo workers at "
	    "interval 1h; GET /metrics\n  back to back on one keep-alive "
	    "connection; floor.metrics: a bare server answering\n  with rr's "
	    "response\n");
	printf("  %-13s %7s %6s %9s %8s %8s %8s %13s %7s %5s\n", "server",
	    "workers", "run", "scrapes/s", "p50 us", "p99 us", "max us",
	    "cpu us/scrape", "body B", "bad");
	bad = pool_rows(b, 2, warm, dur);
	bad += pool_rows(b, 100, warm, dur);
	printf("\nmetrics: tick lateness at 10 ms, 2 bench/echo workers, rr "
	    "with the metrics listener;\n  10ms_scrape: scraped about 100 "
	    "times a second\n");
	bad += tick_rows(b, rec, b->quick ? SEC : 5 * SEC);
	fig(bad, "responses", "metrics.bad");
	free(rec);
}

/*
 * rpc: the real ./rr's RPC server (rpc.listen on a free loopback tcp
 * port) under a closed loop of informer.Workers("ticker") calls, framed
 * byte for byte as the PHP spiral/goridge client frames them: a Goridge
 * v3 frame with the JSON codec and two options, [seq, len(method)], whose
 * payload is the method name and then the JSON argument.
 *
 * The client is one thread multiplexing its connections with epoll, each
 * with one call in flight: the next call leaves as soon as the reply to
 * the last is in.  One thread, so that on a 2-CPU machine it takes one
 * CPU at most and leaves the other to rr.  Every reply is checked (seq
 * echoed, two options, the method echoed, no ERROR flag, a {"workers":
 * [...]} body); the first reply on each connection also has its workers
 * counted.  A bad reply is counted and the first is shown as it came; a
 * reply that does not decode, a closed connection or 2 s without a reply
 * ends the run, said as it happened.
 *
 * rr's CPU per call is its CPU clock over the window (as the ticks part
 * reads it) divided by the calls answered in it.
 *
 * Its floor is the same client against a bare server, a child process
 * that answers each call with rr's own reply (kept from rr's run, the
 * seq put in) in one epoll_wait, one read and one writev: what the
 * kernel charges any server for a round trip on loopback tcp, which on
 * this VM is most of rr's figure.  The target judges what rr adds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "goridge.h"

#define METHOD		"informer.Workers"
#define ARG		"\"ticker\""
#define METHOD_LEN	(sizeof METHOD - 1)
#define REQUEST_LEN	(sizeof METHOD ARG - 1)
#define CONNS_MAX	16
#define REPLY_MAX	(4u << 20)	/* 100 workers: some 17 KiB */
#define HANG		(2 * SEC)	/* no reply for this long: rr hangs */
#define BODY_HEAD	"{\"workers\":["
#define BODY_TAIL	"]}"

struct caller {
	int			 fd;
	unsigned		 id;		/* for the messages */
	uint32_t		 seq;		/* of the call in flight */
	int64_t			 sent;
	uint8_t			 req[GR_HEADER_MAX + REQUEST_LEN];
	size_t			 req_len;	/* the last request, as sent */
	bool			 counted;	/* its workers, once */
	uint64_t		 calls;		/* good replies */
	struct goridge_decoder	 dec;
};

struct client {
	unsigned	 nconns;
	unsigned	 workers;	/* that each reply must list */
	struct caller	 c[CONNS_MAX];
	int		 epfd;
	uint64_t	 calls, bad;	/* good and bad replies */
	size_t		 reply_len;	/* the last good reply's payload */
	uint8_t		*kept;		/* the first good one, for the floor */
	size_t		 kept_len;
	int64_t		*lat;		/* NULL: not recorded */
	size_t		 nlat, maxlat;
	atomic_bool	 stop;		/* for a client on a thread */
	struct failure	 fl;		/* fl.failed: the run is over */
	char		 first_bad[1024];
	pthread_t	 thread;
	int64_t		 t0, t1;	/* of a client on a thread */
};

static void
hex(char *out, size_t len, const uint8_t *p, size_t n)
{
	size_t i, at = 0;

	out[0] = '\0';
	for (i = 0; i < n && at + 3 < len; i++)
		at += (size_t)snprintf(out + at, len - at, "%02x", p[i]);
}

/* The next call on c, in one write: the request is far below a socket
 * buffer, so a short write means something is wrong. */
static int
call(struct client *cl, struct caller *c)
{
	uint32_t opts[2] = { ++c->seq, METHOD_LEN };
	ssize_t n;

	c->req_len = goridge_put_header(c->req, GR_CODEC_JSON, 0, opts, 2,
	    REQUEST_LEN);
	memcpy(c->req + c->req_len, METHOD ARG, REQUEST_LEN);
	c->req_len += REQUEST_LEN;
	c->sent = mono_ns();
	if ((n = write(c->fd, c->req, c->req_len)) == (ssize_t)c->req_len)
		return 0;
	fail(&cl->fl, "connection %u: write of call seq %u: %s", c->id,
	    c->seq, n == -1 ? strerror(errno) : "short");
	return -1;
}

static unsigned
count_workers(const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len;
	unsigned n = 0;

	while ((p = memmem(p, (size_t)(end - p), "{\"pid\":", 7)) != NULL) {
		n++;
		p += 7;
	}
	return n;
}

/* What is wrong with a reply to c's call in flight, or NULL. */
static const char *
check(struct client *cl, struct caller *c, const struct goridge_frame *f)
{
	static const char head[] = BODY_HEAD, tail[] = BODY_TAIL;
	const uint8_t *body;
	size_t blen;

	if (f->flags & GR_ERROR)
		return "an error reply";
	if (f->flags != GR_CODEC_JSON)
		return "flags are not 0x08 (JSON)";
	if (f->noptions != 2)
		return "not two options";
	if (f->options[0] != c->seq)
		return "seq not echoed";
	if (f->options[1] != METHOD_LEN || f->len < METHOD_LEN ||
	    memcmp(f->payload, METHOD, METHOD_LEN) != 0)
		return "method not echoed";
	body = f->payload + METHOD_LEN;
	blen = f->len - METHOD_LEN;
	if (blen < sizeof head + sizeof tail - 2 ||
	    memcmp(body, head, sizeof head - 1) != 0 ||
	    memcmp(body + blen - (sizeof tail - 1), tail, sizeof tail - 1))
		return "no {\"workers\":[...]} after the method";
	if (!c->counted) {
		c->counted = true;
		if (count_workers(body, blen) != cl->workers)
			return "not one object per worker";
	}
	return NULL;
}

/* The first bad reply, with the request it answered, as they were. */
static void
show_bad(struct client *cl, const struct caller *c,
    const struct goridge_frame *f, const char *why)
{
	char req[2 * sizeof c->req + 1], text[GR_SHOWN_MAX];
	unsigned i;
	int at;

	if (cl->bad++ > 0)
		return;
	hex(req, sizeof req, c->req, c->req_len);
	goridge_escape(text, sizeof text, f->payload, f->len);
	at = snprintf(cl->first_bad, sizeof cl->first_bad, "connection %u, "
	    "seq %u: %s\n    sent (hex) %s\n    got flags 0x%02x, %u options "
	    "[", c->id, c->seq, why, req, f->flags, f->noptions);
	for (i = 0; i < f->noptions && at > 0 &&
	    (size_t)at < sizeof cl->first_bad; i++)
		at += snprintf(cl->first_bad + at, sizeof cl->first_bad -
		    (size_t)at, "%s%u", i ? ", " : "", f->options[i]);
	if (at > 0 && (size_t)at < sizeof cl->first_bad)
		snprintf(cl->first_bad + at, sizeof cl->first_bad -
		    (size_t)at, "], %u bytes: %s", f->len, text);
}

/* Whatever rr sent on c: replies are checked and the next call sent. */
static int
on_readable(struct client *cl, struct caller *c)
{
	static _Thread_local uint8_t in[64 * 1024];
	struct goridge_frame f;
	enum goridge_status st;
	size_t pos, used;
	const char *why;
	int64_t now;
	ssize_t n;

	if ((n = read(c->fd, in, sizeof in)) == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		fail(&cl->fl, "connection %u: read: %s", c->id,
		    strerror(errno));
		return -1;
	}
	now = mono_ns();
	if (n == 0) {
		fail(&cl->fl, "connection %u: rr closed it, call seq %u in "
		    "flight", c->id, c->seq);
		return -1;
	}
	for (pos = 0; pos < (size_t)n; pos += used) {
		st = goridge_feed(&c->dec, in + pos, (size_t)n - pos, &used,
		    &f);
		if (st == GR_MORE)
			break;
		if (st != GR_FRAME) {
			fail(&cl->fl, "connection %u: reply to seq %u does not "
			    "decode: %s: %s", c->id, c->seq,
			    goridge_strstatus(st), c->dec.shown);
			return -1;
		}
		if ((why = check(cl, c, &f)) != NULL)
			show_bad(cl, c, &f, why);
		else {
			cl->calls++;
			c->calls++;
			cl->reply_len = f.len;
			if (cl->kept == NULL && (cl->kept = malloc(f.len)) !=
			    NULL)
				memcpy(cl->kept, f.payload, cl->kept_len =
				    f.len);
			if (cl->lat != NULL && cl->nlat < cl->maxlat)
				cl->lat[cl->nlat++] = now - c->sent;
		}
		if (call(cl, c) == -1)
			return -1;
	}
	return 0;
}

/* Calls until end or stop; -1 when the run broke (see fl). */
static int
run(struct client *cl, int64_t end)
{
	struct epoll_event ev[CONNS_MAX];
	unsigned i;
	int j, n;

	while (!cl->fl.failed && !atomic_load(&cl->stop) && mono_ns() < end) {
		if ((n = epoll_wait(cl->epfd, ev, CONNS_MAX,
		    (int)(HANG / MSEC))) == -1) {
			if (errno != EINTR)
				fail(&cl->fl, "epoll_wait: %s",
				    strerror(errno));
			continue;
		}
		if (n == 0) {
			fail(&cl->fl, "no reply in %lld s; calls in flight:",
			    (long long)(HANG / SEC));
			for (i = 0; i < cl->nconns; i++)
				snprintf(cl->fl.what + strlen(cl->fl.what),
				    sizeof cl->fl.what - strlen(cl->fl.what),
				    " %u:seq %u", i, cl->c[i].seq);
		}
		for (j = 0; j < n && !cl->fl.failed; j++)
			on_readable(cl, ev[j].data.ptr);
	}
	return cl->fl.failed ? -1 : 0;
}

static void
client_close(struct client *cl)
{
	unsigned i;

	for (i = 0; i < cl->nconns; i++) {
		if (cl->c[i].fd != -1)
			close(cl->c[i].fd);
		goridge_decoder_free(&cl->c[i].dec);
	}
	if (cl->epfd != -1)
		close(cl->epfd);
	free(cl->kept);
}

/* nconns connections to rr, each with its first call sent; says what
 * failed, if anything. */
static int
client_open(struct client *cl, uint16_t port, unsigned nconns,
    unsigned workers)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
	    .sin_port = htons(port),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct epoll_event ev = { .events = EPOLLIN };
	struct caller *c;
	unsigned i;

	memset(cl, 0, sizeof *cl);
	atomic_init(&cl->stop, false);
	cl->workers = workers;
	if ((cl->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		printf("  epoll_create1: %s\n", strerror(errno));
		return -1;
	}
	for (i = 0; i < nconns; i++, cl->nconns++) {
		c = &cl->c[i];
		c->id = i;
		goridge_decoder_init(&c->dec, REPLY_MAX);
		/* connected blocking: rr listens before its workers start */
		if ((c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) ==
		    -1 || connect(c->fd, (struct sockaddr *)&sa,
		    sizeof sa) == -1 ||
		    fcntl(c->fd, F_SETFL, O_NONBLOCK) == -1 ||
		    (ev.data.ptr = c, epoll_ctl(cl->epfd, EPOLL_CTL_ADD, c->fd,
		    &ev)) == -1) {
			printf("  connection %u to 127.0.0.1:%u: %s\n", i,
			    (unsigned)port, strerror(errno));
			cl->nconns++;
			client_close(cl);
			return -1;
		}
	}
	for (i = 0; i < nconns; i++)
		if (call(cl, &cl->c[i]) == -1) {
			printf("  %s\n", cl->fl.what);
			client_close(cl);
			return -1;
		}
	return 0;
}

static void
rpc_config(char *out, size_t len, uint16_t port)
{
	snprintf(out, len, "rpc:\n  listen: tcp://127.0.0.1:%u\n",
	    (unsigned)port);
}

/*
 * Says how the run ended, if it broke, and what a bad reply was.  The
 * figure: bad replies, and one more for a run that broke (a hang, a
 * reply that does not decode, a closed connection), so that no verdict
 * reads 0 when rr stopped answering.
 */
static double
client_report(const struct client *cl)
{
	if (cl->fl.failed)
		printf("    RPC FAILED: %s\n", cl->fl.what);
	if (cl->bad > 0)
		printf("    %llu bad replies; the first: %s\n",
		    (unsigned long long)cl->bad, cl->first_bad);
	return (double)cl->bad + cl->fl.failed;
}

/* A reply to keep: the method and the JSON body, as rr sent them. */
struct kept {
	uint8_t	*payload;
	size_t	 len;
};

/*
 * One row: nconns callers on the server `pid` for dur after warm, its
 * figures named who.w<workers>.c<nconns>; its bad figure.  keep, if not
 * NULL, gets the first good reply.
 */
static double
round_trips(struct bench *b, const char *who, pid_t pid, uint16_t port,
    unsigned workers, unsigned nconns, int64_t warm, int64_t dur,
    struct kept *keep)
{
	struct client cl;
	int64_t t0, t1, c0, c1;
	double rate, bad, cpu = -1;
	uint64_t least = UINT64_MAX, most = 0;
	unsigned i;

	if (client_open(&cl, port, nconns, workers) == -1) {
		fig(1, "replies", "%s.w%u.c%u.bad", who, workers, nconns);
		return 1;
	}
	run(&cl, mono_ns() + warm);
	cl.calls = 0;
	for (i = 0; i < nconns; i++)
		cl.c[i].calls = 0;
	cl.lat = b->lat;
	cl.maxlat = b->maxlat;
	t0 = mono_ns();
	c0 = cpu_ns(pid);
	run(&cl, t0 + dur);
	t1 = mono_ns();
	c1 = cpu_ns(pid);
	if (keep != NULL && cl.kept != NULL) {
		keep->payload = cl.kept;
		keep->len = cl.kept_len;
		cl.kept = NULL;
	}
	client_close(&cl);
	/* a broken run's figures would judge what was left of it */
	if (cl.fl.failed) {
		printf("  %-5s %7u %5u  the run broke\n", who, workers, nconns);
		bad = client_report(&cl);
		fig(bad, "replies", "%s.w%u.c%u.bad", who, workers, nconns);
		return bad;
	}
	sort_ns(cl.lat, cl.nlat);
	rate = (double)cl.calls / ((double)(t1 - t0) / 1e9);
	if (c0 >= 0 && c1 >= 0 && cl.calls > 0)
		cpu = (double)(c1 - c0) / 1e3 / (double)cl.calls;
	printf("  %-9s %7u %5u %4.1f s %9.0f %8.1f %8.1f %8.1f %10.2f %7zu "
	    "%5llu\n", who, workers, nconns, (double)(t1 - t0) / 1e9, rate,
	    pct(cl.lat, cl.nlat, 0.5) / 1e3, pct(cl.lat, cl.nlat, 0.99) / 1e3,
	    pct(cl.lat, cl.nlat, 1) / 1e3, cpu, cl.reply_len,
	    (unsigned long long)cl.bad);
	/* a server that serves one connection while others wait shows here
	 * first, and in the p99 */
	for (i = 0; nconns > 1 && i < nconns; i++) {
		least = cl.c[i].calls < least ? cl.c[i].calls : least;
		most = cl.c[i].calls > most ? cl.c[i].calls : most;
	}
	if (nconns > 1)
		printf("    calls per connection: least %llu, most %llu\n",
		    (unsigned long long)least, (unsigned long long)most);
	bad = client_report(&cl);
	fig(bad, "replies", "%s.w%u.c%u.bad", who, workers, nconns);
	fig(rate, "calls/s", "%s.w%u.c%u.rate", who, workers, nconns);
	fig((double)pct(cl.lat, cl.nlat, 0.5) / 1e3, "us", "%s.w%u.c%u.p50",
	    who, workers, nconns);
	fig((double)pct(cl.lat, cl.nlat, 0.99) / 1e3, "us", "%s.w%u.c%u.p99",
	    who, workers, nconns);
	if (cpu >= 0)
		fig(cpu, "us/call", "%s.w%u.c%u.cpu", who, workers, nconns);
	return bad;
}

/*
 * The floor's server, in a child: accepts nconns connections and answers
 * every call with the kept reply, the caller's seq put in.  Its sockets
 * block, so a write that does not fit waits in writev, the cheapest way
 * there is.  Ends when the client has closed them all.
 */
static void
floor_serve(int lfd, unsigned nconns, const struct kept *k)
{
	static uint8_t in[64 * 1024];
	struct goridge_decoder dec[CONNS_MAX];
	struct epoll_event ev = { .events = EPOLLIN }, evs[CONNS_MAX];
	uint8_t head[GR_HEADER_MAX];
	struct iovec iov[2] = { { head, 0 }, { k->payload, k->len } };
	struct goridge_frame f;
	size_t pos, used;
	unsigned i, open;
	int epfd, fd, j, n;
	ssize_t got;

	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		_exit(1);
	for (i = 0; i < nconns; i++) {
		goridge_decoder_init(&dec[i], REPLY_MAX);
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
			_exit(1);
		ev.data.u64 = (uint64_t)fd << 32 | i;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
			_exit(1);
	}
	for (open = nconns; open > 0;) {
		if ((n = epoll_wait(epfd, evs, CONNS_MAX, -1)) == -1 &&
		    errno != EINTR)
			_exit(1);
		for (j = 0; j < n; j++) {
			fd = (int)(evs[j].data.u64 >> 32);
			i = (unsigned)evs[j].data.u64;
			if ((got = read(fd, in, sizeof in)) <= 0) {
				close(fd);
				open--;
				continue;
			}
			for (pos = 0; pos < (size_t)got; pos += used) {
				if (goridge_feed(&dec[i], in + pos,
				    (size_t)got - pos, &used, &f) != GR_FRAME)
					break;
				iov[0].iov_len = goridge_put_header(head,
				    GR_CODEC_JSON, 0, (uint32_t[]){
				    f.options[0], METHOD_LEN }, 2,
				    (uint32_t)k->len);
				if (writev(fd, iov, 2) !=
				    (ssize_t)(iov[0].iov_len + k->len))
					_exit(1);
			}
		}
	}
	_exit(0);
}

/* A floor server for nconns connections, listening on loopback: its
 * port, 0 if it could not start (said). */
static uint16_t
floor_start(const struct kept *k, unsigned nconns, pid_t *pid)
{
	uint16_t port;
	int lfd;

	if ((lfd = loopback_listen(CONNS_MAX, &port)) == -1)
		return 0;
	if ((*pid = fork()) == -1) {
		printf("  fork: %s\n", strerror(errno));
		close(lfd);
		return 0;
	}
	if (*pid == 0)
		floor_serve(lfd, nconns, k);
	close(lfd);
	return port;
}

/* The floor rows, with k as every reply: the same figures as rr's,
 * named floor.rpc.*; their bad figure. */
static double
floor_rows(struct bench *b, const struct kept *k, unsigned workers,
    int64_t warm, int64_t dur)
{
	static const unsigned conns[] = { 1, CONNS_MAX };
	double bad = 0;
	uint16_t port;
	pid_t pid;
	size_t i;

	for (i = 0; i < sizeof conns / sizeof conns[0]; i++) {
		pin(b, CPU_SPLIT, true);
		port = floor_start(k, conns[i], &pid);
		pin(b, CPU_SPLIT, false);
		if (port == 0)
			return bad + 1;
		bad += round_trips(b, "floor.rpc", pid, port, workers,
		    conns[i], warm, dur, NULL);
		waitpid(pid, NULL, 0);
	}
	return bad;
}

/* rr with `workers` bench/echo workers that never tick: only the calls
 * cost it anything; then the floor with rr's reply, which is left in k
 * (its payload NULL if there was none).  Their bad replies, 1 if rr did
 * not start. */
static double
pool_rows(struct bench *b, unsigned workers, int64_t warm, int64_t dur,
    struct kept *k)
{
	static const unsigned conns[] = { 1, CONNS_MAX };
	struct rr_proc r;
	uint16_t port;
	char name[32];
	double bad = 0;
	size_t i;

	snprintf(name, sizeof name, "rpc-w%u", workers);
	pin(b, CPU_SPLIT, true);
	port = rr_listening(b, &r, name, workers, rpc_config);
	pin(b, CPU_SPLIT, false);
	if (port == 0)
		return 1;
	for (i = 0; i < sizeof conns / sizeof conns[0]; i++)
		bad += round_trips(b, "rpc", r.pid, port, workers, conns[i],
		    warm, dur, k->payload == NULL ? k : NULL);
	rr_stop(&r);
	if (k->payload != NULL)
		bad += floor_rows(b, k, workers, warm, dur);
	return bad;
}

/* The load of a tick run: one caller on a thread of its own, so that
 * tick_run's thread only sleeps and reads; on rr, or with floor set on a
 * floor server answering with it. */
struct load {
	uint16_t	 port;		/* rr's */
	const struct kept *floor;
	pid_t		 floor_pid;
	struct client	 cl;
	bool		 ran;		/* on() started the thread */
};

static void *
load_main(void *arg)
{
	struct client *cl = arg;

	run(cl, INT64_MAX);
	return NULL;
}

static int
load_on(void *arg, const struct rr_proc *r)
{
	struct load *l = arg;
	uint16_t port = l->port;
	int e;

	(void)r;
	l->floor_pid = -1;
	if (l->floor != NULL && (port = floor_start(l->floor, 1,
	    &l->floor_pid)) == 0)
		return -1;
	if (client_open(&l->cl, port, 1, 2) == -1)
		goto fail;
	l->cl.t0 = mono_ns();
	if ((e = pthread_create(&l->cl.thread, NULL, load_main, &l->cl)) !=
	    0) {
		printf("  pthread_create: %s\n", strerror(e));
		client_close(&l->cl);
		goto fail;
	}
	l->ran = true;
	return 0;
fail:
	if (l->floor_pid != -1) {
		kill(l->floor_pid, SIGKILL);
		waitpid(l->floor_pid, NULL, 0);
	}
	return -1;
}

static void
load_off(void *arg)
{
	struct load *l = arg;

	atomic_store(&l->cl.stop, true);
	pthread_join(l->cl.thread, NULL);
	l->cl.t1 = mono_ns();
	client_close(&l->cl);
	if (l->floor_pid != -1)
		waitpid(l->floor_pid, NULL, 0);
}

/* The load's report: its figures ticks.LABEL.{calls_rate,bad}; its bad
 * replies. */
static double
load_report(const struct load *l, const char *label)
{
	double secs, rate, bad;

	if (!l->ran)
		return 0;
	secs = (double)(l->cl.t1 - l->cl.t0) / 1e9;
	rate = (double)l->cl.calls / secs;
	printf("  %s: 1 caller, %llu calls in %.1f s, %.0f calls/s, %llu "
	    "bad\n", label, (unsigned long long)l->cl.calls, secs, rate,
	    (unsigned long long)l->cl.bad);
	bad = client_report(&l->cl);
	fig(rate, "calls/s", "ticks.%s.calls_rate", label);
	fig(bad, "replies", "ticks.%s.bad", label);
	return bad;
}

/*
 * The tick lateness at 10 ms with a caller as fast as it can be: rr
 * idle (the listener, no calls); rr idle while the caller keeps a floor
 * server busy with rr's reply (k), which is the busy machine without rr
 * doing the work; and rr answering the caller.  The same config in all
 * three, so that what differs is the calls and who answers them.
 * Returns the callers' bad replies.
 */
static double
tick_rows(struct bench *b, struct tick_record *rec, const struct kept *k,
    int64_t dur)
{
	static const char *const label[] = { "10ms_idle", "10ms_rpcfloor",
	    "10ms_rpc" };
	struct load l[2] = { { .floor = k }, { .floor = NULL } };
	struct tick_load with[3] = {
		{ .on = NULL },
		{ .on = load_on, .off = load_off, .arg = &l[0] },
		{ .on = load_on, .off = load_off, .arg = &l[1] },
	};
	char config[256];
	double bad = 0;
	uint16_t port;
	size_t i;

	ticks_header();
	for (i = 0; i < 3; i++) {
		if ((port = free_port()) == 0)
			return bad + 1;
		rpc_config(config, sizeof config, port);
		l[1].port = port;
		with[i].config = config;
		if (i == 1 && k->payload == NULL)
			continue;
		tick_run(b, label[i], "10ms", 10 * MSEC, dur, &with[i], rec);
	}
	for (i = 0; i < 2; i++)
		bad += load_report(&l[i], label[i + 1]);
	return bad;
}

void
rpc_part(struct bench *b)
{
	struct tick_record *rec = calloc(TICK_RECORDS, sizeof *rec);
	int64_t warm = b->quick ? 100 * MSEC : 300 * MSEC;
	int64_t dur = b->quick ? SEC / 2 : 2 * SEC;
	struct kept w2 = { NULL, 0 }, w100 = { NULL, 0 };
	double bad;

	if (rec == NULL)
		return;
	/*
	 * The server (rr and its workers, or the floor's) on one CPU and
	 * the client on the other, as a client elsewhere would be: left to
	 * the scheduler, a call with one connection costs 10 or 60 us by
	 * whether the two share a CPU, and two runs need not agree.
	 */
	printf("\nrpc: ./rr's RPC server, bench/echo workers at interval 1h; "
	    "closed loop of %s(%s),\n  each connection one call in flight, "
	    "from one client thread on CPU %d, the server on CPU %d;\n  "
	    "floor.rpc: a bare server answering with rr's reply\n", METHOD,
	    ARG, b->cpu, b->other);
	printf("  %-9s %7s %5s %6s %9s %8s %8s %8s %10s %7s %5s\n", "server",
	    "workers", "conns", "run", "calls/s", "p50 us", "p99 us",
	    "max us", "cpu us/call", "reply B", "bad");
	bad = pool_rows(b, 2, warm, dur, &w2);
	bad += pool_rows(b, 100, warm, dur, &w100);
	/* the tick runs as the ticks part's: wherever the scheduler puts
	 * them */
	pin(b, CPU_UNPINNED, false);
	printf("\nrpc: tick lateness at 10 ms, 2 bench/echo workers, rr "
	    "with the listener; with 1 caller as fast\n  as it can be on a "
	    "floor server (10ms_rpcfloor) and on rr (10ms_rpc)\n");
	bad += tick_rows(b, rec, &w2, b->quick ? SEC : 5 * SEC);
	fig(bad, "replies", "rpc.bad");
	free(w2.payload);
	free(w100.payload);
	free(rec);
}

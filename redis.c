/*
 * redis: see redis.h.  A connection goes DOWN -> CONNECTING -> HANDSHAKE
 * -> READY, and back to DOWN only through drop(), the one place one ends.
 * A command is encoded into the output buffer and its callback pushed on
 * the ring in the same step, so the next reply always belongs to the
 * ring's head.  An entry leaves the ring before its callback runs:
 * whatever the callback does (queue a command, make the connection drop,
 * close the client), it cannot be found and called a second time.
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "clock.h"
#include "redis.h"

#define BACKOFF_MIN	(100 * MS_NS)
#define BACKOFF_MAX	(5 * SEC_NS)
#define TIMEOUT_MAX	(3600 * SEC_NS)

#define STR_(x)		#x
#define STR(x)		STR_(x)

/* The parser's place in the bytes, and why it stopped. */
struct cursor {
	const char		*buf;
	size_t			 len, pos;
	size_t			 item;	/* where the item being read starts */
	size_t			 need;	/* MORE: at least this many bytes */
	const char		*why;	/* BAD */
	struct redis_arena	*a;
};

static enum redis_parsed item(struct cursor *, struct redis_reply *, int);

static enum redis_parsed
more(struct cursor *c, size_t need)
{
	c->need = need;
	return REDIS_PARSE_MORE;
}

/* A bad reply is reported where its item starts: a type byte. */
static enum redis_parsed
bad(struct cursor *c, const char *why)
{
	c->why = why;
	c->pos = c->item;
	return REDIS_PARSE_BAD;
}

/*
 * The rest of a line, up to a CRLF that must come within REDIS_LINE_MAX
 * bytes: a peer that never ends its line is caught before the buffer
 * fills, and a lone CR or LF is never taken for the end of one.
 */
static enum redis_parsed
line(struct cursor *c, const char **s, size_t *n)
{
	const char *p = c->buf + c->pos, *cr, *lf;
	size_t avail = c->len - c->pos;
	size_t window = avail > REDIS_LINE_MAX ? REDIS_LINE_MAX + 1 : avail;

	cr = memchr(p, '\r', window);
	lf = memchr(p, '\n', cr != NULL ? (size_t)(cr - p) : window);
	if (lf != NULL)
		return bad(c, "a line feed without a carriage return");
	if (cr == NULL)
		return avail > REDIS_LINE_MAX ? bad(c, "a line longer than "
		    STR(REDIS_LINE_MAX) " bytes") : more(c, c->len + 2);
	if ((size_t)(cr - p) + 1 == avail)
		return more(c, c->len + 1);
	if (cr[1] != '\n')
		return bad(c, "a carriage return without a line feed");
	*s = p;
	*n = (size_t)(cr - p);
	c->pos += *n + 2;
	return REDIS_PARSE_DONE;
}

/* Decimal digits, at least one, their value at most max. */
static bool
digits(const char *s, size_t n, unsigned long long max, unsigned long long *v)
{
	unsigned d;
	size_t i;

	*v = 0;
	for (i = 0; i < n; i++) {
		d = (unsigned)((unsigned char)s[i] - '0');
		if (d > 9 || *v > (max - d) / 10)
			return false;
		*v = *v * 10 + d;
	}
	return n > 0;
}

/* A signed 64-bit integer, as ':' replies carry. */
static enum redis_parsed
integer(struct cursor *c, long long *v)
{
	enum redis_parsed st;
	unsigned long long u;
	const char *s;
	size_t n;
	bool neg;

	if ((st = line(c, &s, &n)) != REDIS_PARSE_DONE)
		return st;
	neg = n > 0 && s[0] == '-';
	if (!digits(s + neg, n - neg, neg ? (unsigned long long)LLONG_MAX + 1 :
	    LLONG_MAX, &u))
		return bad(c, "a bad integer");
	*v = !neg ? (long long)u : u > LLONG_MAX ? LLONG_MIN : -(long long)u;
	return REDIS_PARSE_DONE;
}

/* The length of a bulk string or an array: -1 (nil) or digits. */
static enum redis_parsed
length(struct cursor *c, long long *v)
{
	enum redis_parsed st;
	unsigned long long u;
	const char *s;
	size_t n;

	if ((st = line(c, &s, &n)) != REDIS_PARSE_DONE)
		return st;
	if (n == 2 && s[0] == '-' && s[1] == '1') {
		*v = -1;
		return REDIS_PARSE_DONE;
	}
	if (!digits(s, n, LLONG_MAX, &u))
		return bad(c, "a bad length");
	*v = (long long)u;
	return REDIS_PARSE_DONE;
}

/* The length is checked against the cap before the body is waited for. */
static enum redis_parsed
bulk(struct cursor *c, struct redis_reply *r)
{
	enum redis_parsed st;
	long long n;

	if ((st = length(c, &n)) != REDIS_PARSE_DONE)
		return st;
	if (n == -1) {
		r->type = REDIS_NIL;
		return REDIS_PARSE_DONE;
	}
	if (n > REDIS_BULK_MAX)
		return bad(c, "a bulk string longer than " STR(REDIS_BULK_MAX)
		    " bytes");
	if (c->len - c->pos < (size_t)n + 2)
		return more(c, c->pos + (size_t)n + 2);
	if (memcmp(c->buf + c->pos + n, "\r\n", 2) != 0)
		return bad(c, "a bulk string not followed by CRLF");
	r->type = REDIS_BULK;
	r->str = c->buf + c->pos;
	r->len = (size_t)n;
	c->pos += (size_t)n + 2;
	return REDIS_PARSE_DONE;
}

/*
 * An array's elements are taken from the arena, all of them as soon as
 * the count is known, so that they lie side by side whatever they hold;
 * the count must fit in what is left of it.
 */
static enum redis_parsed
array(struct cursor *c, struct redis_reply *r, int depth)
{
	struct redis_reply *el;
	enum redis_parsed st;
	long long n, i;

	if (depth > REDIS_DEPTH_MAX)
		return bad(c, "arrays nested deeper than "
		    STR(REDIS_DEPTH_MAX));
	if ((st = length(c, &n)) != REDIS_PARSE_DONE)
		return st;
	if (n == -1) {
		r->type = REDIS_NIL;
		return REDIS_PARSE_DONE;
	}
	if ((unsigned long long)n > REDIS_ELEMENTS_MAX - c->a->n)
		return bad(c, "more than " STR(REDIS_ELEMENTS_MAX) " array "
		    "elements in a reply");
	el = c->a->el + c->a->n;
	c->a->n += (size_t)n;
	for (i = 0; i < n; i++)
		if ((st = item(c, &el[i], depth + 1)) != REDIS_PARSE_DONE)
			return st;
	r->type = REDIS_ARRAY;
	r->element = el;
	r->elements = (size_t)n;
	return REDIS_PARSE_DONE;
}

/* One reply, or one element of an array at the given depth (1: the
 * reply itself), by its type byte. */
static enum redis_parsed
item(struct cursor *c, struct redis_reply *r, int depth)
{
	memset(r, 0, sizeof *r);
	if (c->pos == c->len)
		return more(c, c->len + 1);
	c->item = c->pos;
	switch (c->buf[c->pos++]) {
	case '+':
		r->type = REDIS_STATUS;
		return line(c, &r->str, &r->len);
	case '-':
		r->type = REDIS_ERROR;
		return line(c, &r->str, &r->len);
	case ':':
		r->type = REDIS_INTEGER;
		return integer(c, &r->integer);
	case '$':
		return bulk(c, r);
	case '*':
		return array(c, r, depth);
	}
	return bad(c, "an unknown type byte");
}

/*
 * Every call starts from the reply's first byte: a reply is small or
 * its length is known early, and *used then says how long to wait, so
 * a reply that comes in pieces is not parsed again for each of them.
 */
enum redis_parsed
redis_parse(const char *buf, size_t len, struct redis_reply *out,
    struct redis_arena *a, size_t *used, const char **why)
{
	struct cursor c = { .buf = buf, .len = len, .a = a };
	enum redis_parsed st;

	a->n = 0;
	st = item(&c, out, 1);
	*used = st == REDIS_PARSE_MORE ? c.need : c.pos;
	*why = c.why;
	return st;
}

/* "*3\r\n" or "$5\r\n": a type byte, a count, CRLF. */
static void
put_header(struct buf *b, char type, uint64_t n)
{
	char *p;

	if ((p = buf_room(b, 24)) == NULL)
		return;
	*p++ = type;
	p = buf_digits(p, n);
	buf_wrote(b, BUF_LIT(p, "\r\n"));
}

void
redis_encode(struct buf *b, int argc, const char *const *argv,
    const size_t *lens)
{
	size_t n;
	int i;

	put_header(b, '*', (uint64_t)argc);
	for (i = 0; i < argc; i++) {
		n = lens != NULL ? lens[i] : strlen(argv[i]);
		put_header(b, '$', n);
		buf_put(b, argv[i], n);
		buf_put(b, "\r\n", 2);
	}
}

/*
 * Queue a command and its callback together, or neither: a command the
 * buffer could not take is cut off again.
 */
static int
push(struct redis *r, redis_reply_fn *cb, void *arg, int argc,
    const char *const *argv, const size_t *lens)
{
	size_t before = r->out.len;

	if (r->count == REDIS_PENDING_MAX)
		return -1;
	redis_encode(&r->out, argc, argv, lens);
	if (r->out.failed) {
		r->out.len = before;
		r->out.failed = false;
		return -1;
	}
	r->ring[(r->head + r->count++) % REDIS_PENDING_MAX] =
	    (struct redis_pending){ cb, arg, clock_ns(CLOCK_MONOTONIC) + r->timeout };
	r->sent++;
	return 0;
}

static struct redis_pending
pop(struct redis *r)
{
	struct redis_pending p = r->ring[r->head];

	r->head = (r->head + 1) % REDIS_PENDING_MAX;
	r->count--;
	return p;
}

/*
 * Each pending callback once, with REDIS_FAILED and why.  Nothing can be
 * queued meanwhile, the client being down or closed already, so this
 * ends; a callback that closes the client empties the ring itself.
 */
static void
fail_pending(struct redis *r)
{
	struct redis_reply f = { .type = REDIS_FAILED };
	struct redis_pending p;

	while (r->count > 0) {
		p = pop(r);
		f.str = r->last_error;
		f.len = strlen(r->last_error);
		r->failed++;
		p.cb(p.arg, &f);
	}
}

static void
close_fd(struct redis *r)
{
	if (r->fd != -1) {
		epoll_ctl(r->epfd, EPOLL_CTL_DEL, r->fd, NULL);
		close(r->fd);
		r->fd = -1;
	}
	r->events = 0;
	r->in_len = r->need = 0;
	buf_reset(&r->out);
	r->gen++;
}

static void
release(struct redis *r)
{
	free(r->in);
	r->in = NULL;
	buf_free(&r->out);
}

/*
 * The one way a connection ends: say why, close it, schedule the next
 * attempt, and fail what was pending, last, so that whatever those
 * callbacks do finds the client consistent.  The caller returns at once.
 */
static void
drop(struct redis *r, const char *msg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
drop(struct redis *r, const char *msg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->last_error, sizeof r->last_error, fmt, ap);
	va_end(ap);
	log_warn("redis", msg, LF_STR("name", r->name), LF_STR("address",
	    r->addr.text), LF_STR("error", r->last_error), LF_INT("retry_ms",
	    r->backoff / MS_NS));
	close_fd(r);
	r->state = REDIS_DOWN;
	r->at = clock_ns(CLOCK_MONOTONIC) + r->backoff;
	r->backoff = r->backoff < BACKOFF_MAX / 2 ? r->backoff * 2 :
	    BACKOFF_MAX;
	r->reconnects++;
	fail_pending(r);
}

int
redis_init(struct redis *r, const struct redis_config *cfg, int epfd,
    char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	r->fd = -1;
	r->epfd = epfd;
	r->name = cfg->name != NULL ? cfg->name : "redis";
	r->username = cfg->username;
	r->password = cfg->password;
	r->timeout = cfg->timeout_ns;
	if (r->timeout <= 0 || r->timeout > TIMEOUT_MAX) {
		snprintf(err, errlen, "%s: the timeout must be above 0 and at "
		    "most an hour", r->name);
		return -1;
	}
	if (r->username != NULL && r->password == NULL) {
		snprintf(err, errlen, "%s: a username needs a password",
		    r->name);
		return -1;
	}
	if (listen_parse(cfg->address, &r->addr, err, errlen) == -1)
		return -1;
	if (cfg->db != 0)
		*buf_digits(r->db, cfg->db) = '\0';
	if ((r->in = malloc(REDIS_IN_SIZE)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", r->name);
		return -1;
	}
	r->state = REDIS_DOWN;
	r->at = INT64_MIN;	/* the first attempt: at once */
	r->backoff = BACKOFF_MIN;
	return 0;
}

void
redis_close(struct redis *r)
{
	if (r->state == REDIS_CLOSED)
		return;
	close_fd(r);
	r->state = REDIS_CLOSED;
	snprintf(r->last_error, sizeof r->last_error, "the client was closed");
	fail_pending(r);
	/* a reply being handled points into the input: dispatch() frees */
	if (!r->dispatching)
		release(r);
}

bool
redis_connected(const struct redis *r)
{
	return r->state == REDIS_READY;
}

bool
redis_owns(const struct redis *r, const void *ptr)
{
	return ptr == &r->fd;
}

/*
 * Watch what the connection needs now: the answer to connect(2); then
 * replies, always (an idle connection's EOF is news too), and room in
 * the socket while output waits.
 */
static int
want(struct redis *r)
{
	uint32_t events = r->state == REDIS_CONNECTING ? EPOLLOUT :
	    EPOLLIN | (buf_pending(&r->out) > 0 ? EPOLLOUT : 0);
	struct epoll_event ev = { .events = events, .data.ptr = &r->fd };

	if (events == r->events)
		return 0;
	if (epoll_ctl(r->epfd, EPOLL_CTL_MOD, r->fd, &ev) == -1)
		return -1;
	r->events = events;
	return 0;
}

int
redis_command(struct redis *r, redis_reply_fn *cb, void *arg, int argc,
    const char *const *argv, const size_t *lens)
{
	if (r->state != REDIS_READY || argc < 1 ||
	    push(r, cb, arg, argc, argv, lens) == -1) {
		r->refused++;
		return -1;
	}
	return 0;	/* written by redis_on_deadline() */
}

/* A non-blocking connect(2): its outcome comes as EPOLLOUT, or not in
 * time. */
static void
start_connect(struct redis *r, int64_t now)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = &r->fd };
	const char *what = "socket";

	r->fd = socket(r->addr.sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (r->fd == -1)
		goto fail;
	what = "connect";
	if (connect(r->fd, (const struct sockaddr *)&r->addr.sa,
	    r->addr.salen) == -1 && errno != EINPROGRESS)
		goto fail;
	what = "epoll";
	if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->fd, &ev) == -1)
		goto fail;
	r->events = EPOLLOUT;
	r->state = REDIS_CONNECTING;
	r->at = now + r->timeout;
	return;
fail:
	drop(r, "cannot connect", "%s: %s", what, strerror(errno));
}

/*
 * A handshake reply.  An error (a wrong password, a db out of range, a
 * server still loading) is worth a line and another try later; the last
 * good one opens the client to commands.
 */
static void
on_handshake(void *arg, const struct redis_reply *rep)
{
	struct redis *r = arg;

	if (rep->type == REDIS_FAILED)
		return;
	if (rep->type == REDIS_ERROR) {
		drop(r, "handshake refused: connection closed", "%.*s",
		    (int)rep->len, rep->str);
		return;
	}
	if (--r->handshake > 0)
		return;
	r->state = REDIS_READY;
	r->backoff = BACKOFF_MIN;
	log_info("redis", "connected", LF_STR("name", r->name),
	    LF_STR("address", r->addr.text));
}

/*
 * connect(2) has an answer.  AUTH, then SELECT, go first on every
 * connection; with neither, PING, so that ready always means Redis has
 * answered, not only that the kernel took the connection.
 */
static void
on_connect(struct redis *r)
{
	static const char *const ping[] = { "PING" };
	const char *auth[3] = { "AUTH" }, *sel[] = { "SELECT", r->db };
	const int on = 1;
	int e = 0, nauth = 1;
	socklen_t len = sizeof e;

	if (getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
		e = errno;
	if (e != 0) {
		drop(r, "cannot connect", "connect: %s", strerror(e));
		return;
	}
	if (!r->addr.unix_path)
		setsockopt(r->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	if (r->username != NULL)
		auth[nauth++] = r->username;
	auth[nauth++] = r->password;
	r->state = REDIS_HANDSHAKE;
	if ((r->password != NULL &&
	    push(r, on_handshake, r, nauth, auth, NULL) == -1) ||
	    (r->db[0] != '\0' &&
	    push(r, on_handshake, r, 2, sel, NULL) == -1) ||
	    (r->count == 0 && push(r, on_handshake, r, 1, ping, NULL) == -1) ||
	    want(r) == -1) {
		drop(r, "cannot connect", "handshake: %s", strerror(errno));
		return;
	}
	r->handshake = r->count;
}

/*
 * Hand each complete reply in the input to the ring's head.  A callback
 * may drop or close the connection under us: gen tells, and then the
 * buffers are not touched again here (but freed, after a close).
 */
static void
dispatch(struct redis *r)
{
	struct redis_reply rep;
	struct redis_pending p;
	enum redis_parsed st;
	uint64_t gen = r->gen;
	const char *why;
	size_t used, pos = 0;

	r->dispatching = true;
	while (r->gen == gen && pos < r->in_len && r->in_len - pos >= r->need) {
		if (r->count == 0) {
			drop(r, "bad reply: connection closed", "a reply to no "
			    "command");
			break;
		}
		st = redis_parse(r->in + pos, r->in_len - pos, &rep,
		    &r->arena, &used, &why);
		if (st == REDIS_PARSE_MORE) {
			r->need = used;
			break;
		}
		if (st == REDIS_PARSE_BAD) {
			drop(r, "bad reply: connection closed", "%s, at byte "
			    "%zu of a reply", why, used);
			break;
		}
		pos += used;
		r->need = 0;
		p = pop(r);
		r->replies++;
		p.cb(p.arg, &rep);
	}
	r->dispatching = false;
	if (r->gen != gen) {
		if (r->state == REDIS_CLOSED)
			release(r);
		return;
	}
	memmove(r->in, r->in + pos, r->in_len - pos);
	r->in_len -= pos;
	if (r->need > REDIS_IN_SIZE)
		drop(r, "bad reply: connection closed", "a reply longer than "
		    "%d bytes", REDIS_IN_SIZE);
}

/* ptr is always &r->fd, a client having one connection; the callbacks
 * that need the time read the clock. */
/*
 * Write what is queued now, in one write(2) and without waiting for
 * epoll to say the socket has room, which it nearly always has: EPOLLOUT
 * is asked for only while it is full.  -1: dropped.
 */
static int
flush(struct redis *r)
{
	if (buf_flush(&r->out, r->fd) == -1) {
		drop(r, "connection lost", "write: %s", strerror(errno));
		return -1;
	}
	if (want(r) == -1) {
		drop(r, "connection lost", "epoll: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void
redis_on_io(struct redis *r, void *ptr, uint32_t events, int64_t now)
{
	uint64_t gen = r->gen;
	ssize_t n;

	(void)ptr;
	(void)now;
	if (r->fd == -1)
		return;		/* dropped earlier in this batch */
	if (r->state == REDIS_CONNECTING) {
		on_connect(r);
		return;
	}
	/* one read a wake-up: epoll is level-triggered, the rest waits */
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		n = read(r->fd, r->in + r->in_len, REDIS_IN_SIZE - r->in_len);
		if (n == 0) {
			drop(r, "connection lost", "closed by the server");
			return;
		}
		if (n == -1 && errno != EAGAIN && errno != EINTR) {
			drop(r, "connection lost", "read: %s", strerror(errno));
			return;
		}
		if (n > 0) {
			r->in_len += (size_t)n;
			dispatch(r);
			if (r->gen != gen)
				return;
		}
	}
	/* with what the replies' callbacks queued */
	flush(r);
}

/* Commands queued and not written, nor waiting for room in the socket. */
static bool
unwritten(const struct redis *r)
{
	return r->state == REDIS_READY && buf_pending(&r->out) > 0 &&
	    !(r->events & EPOLLOUT);
}

int64_t
redis_next_deadline(const struct redis *r)
{
	if (unwritten(r))
		return 0;
	if (r->state == REDIS_DOWN || r->state == REDIS_CONNECTING)
		return r->at;
	if (r->state != REDIS_CLOSED && r->count > 0)
		return r->ring[r->head].deadline;
	return INT64_MAX;
}

/*
 * Write what this pass of the loop queued elsewhere (flush()).  Then
 * reconnect once the back-off is over; give up a connect, or a
 * connection whose oldest command has had no reply, after the timeout.
 */
void
redis_on_deadline(struct redis *r, int64_t now)
{
	if (unwritten(r) && flush(r) == -1)
		return;
	if (r->state == REDIS_DOWN && now >= r->at)
		start_connect(r, now);
	else if (r->state == REDIS_CONNECTING && now >= r->at)
		drop(r, "cannot connect", "connect: no answer in %lld ms",
		    (long long)(r->timeout / MS_NS));
	else if (r->state >= REDIS_HANDSHAKE && r->count > 0 &&
	    now >= r->ring[r->head].deadline)
		drop(r, "no reply in time: connection closed", "no reply in "
		    "%lld ms", (long long)(r->timeout / MS_NS));
}

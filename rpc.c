/*
 * rpc: see rpc.h.  A connection's bytes go into its own input buffer and
 * are cut into frames there; each frame is answered at once into the
 * socket, and what the socket does not take waits in the connection's
 * output buffer.  While that holds more than OUT_HIGH, rr reads no more
 * requests from the connection: a client that does not read its replies
 * stops itself, not the server.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "rpc.h"

#define IN_SIZE		(64 * 1024)	/* per connection */
#define REQUEST_MAX	(1u << 20)	/* a larger frame is a bad request */
#define OUT_HIGH	(1u << 20)	/* stop reading above this backlog */
#define BACKLOG		128
#define CALLS_PER_PASS	16	/* then the loop looks at everything else */

int
rpc_register(struct rpc_server *s, const char *name, rpc_fn *fn, void *ctx)
{
	if (s->nmethods == RPC_METHODS_MAX ||
	    strlen(name) >= sizeof s->methods[0].name)
		return -1;
	strcpy(s->methods[s->nmethods].name, name);
	s->methods[s->nmethods].fn = fn;
	s->methods[s->nmethods].ctx = ctx;
	s->nmethods++;
	return 0;
}

int
rpc_init(struct rpc_server *s, const struct config *cfg, int epfd, char *err,
    size_t errlen)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &s->lfd };
	unsigned i;

	memset(s, 0, sizeof *s);
	s->lfd = -1;
	s->epfd = epfd;
	if (!cfg->rpc.set)
		return 0;
	s->max_conns = cfg->rpc.max_connections;
	s->idle_timeout = cfg->rpc.idle_timeout;
	if ((s->conns = calloc(s->max_conns, sizeof *s->conns)) == NULL) {
		snprintf(err, errlen, "rpc: out of memory");
		return -1;
	}
	for (i = 0; i < s->max_conns; i++)
		s->conns[i].fd = -1;
	if (listen_parse(cfg->rpc.listen, &s->addr, err, errlen) == -1)
		return -1;
	if ((s->lfd = listen_open(&s->addr, 0600, BACKLOG, err, errlen)) == -1)
		return -1;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, s->lfd, &ev) == -1) {
		snprintf(err, errlen, "rpc: epoll: %s", strerror(errno));
		return -1;
	}
	if (!s->addr.unix_path && !s->addr.loopback)
		log_warn("rpc", "RPC listens beyond this machine: anyone who "
		    "reaches it can reset the workers", LF_STR("listen",
		    s->addr.text));
	log_info("rpc", "listening", LF_STR("listen", s->addr.text),
	    LF_INT("max_connections", s->max_conns));
	return 0;
}

static void
drop(struct rpc_server *s, struct rpc_conn *c)
{
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	s->nconns--;
	log_debug("rpc", "connection closed", LF_INT("conn", c->id));
}

void
rpc_close(struct rpc_server *s)
{
	unsigned i;

	for (i = 0; s->conns != NULL && i < s->max_conns; i++) {
		if (s->conns[i].fd != -1)
			drop(s, &s->conns[i]);
		goridge_decoder_free(&s->conns[i].dec);
		free(s->conns[i].in);
		buf_free(&s->conns[i].out);
	}
	free(s->conns);
	buf_free(&s->res);
	if (s->lfd != -1)
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->lfd, NULL);
	listen_close(&s->addr, s->lfd);
	s->lfd = -1;
}

bool
rpc_owns(const struct rpc_server *s, const void *ptr)
{
	const struct rpc_conn *c = ptr;

	return ptr == &s->lfd || (s->conns != NULL && c >= s->conns &&
	    c < s->conns + s->max_conns);
}

/* Watch for what the connection needs now: requests while its backlog
 * is small, room in the socket while it has any. */
static int
want(struct rpc_server *s, struct rpc_conn *c)
{
	size_t backlog = buf_pending(&c->out);
	uint32_t events = (backlog < OUT_HIGH ? EPOLLIN : 0) |
	    (backlog > 0 ? EPOLLOUT : 0);
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (events == c->events)
		return 0;
	c->events = events;
	return epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* The refusals since the last line, at most one line a second. */
static void
tell_refused(struct rpc_server *s, int64_t now)
{
	if (s->refused == s->refused_told || now - s->refused_at < SEC_NS)
		return;
	log_warn("rpc", "connection limit reached: connections refused",
	    LF_INT("count", s->refused - s->refused_told),
	    LF_INT("max_connections", s->max_conns));
	s->refused_told = s->refused;
	s->refused_at = now;
}

static void
on_accept(struct rpc_server *s, int64_t now)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct rpc_conn *c = NULL;
	unsigned i;
	int fd;

	while ((fd = listen_accept(s->lfd)) != -1) {
		for (i = 0; i < s->max_conns && c == NULL; i++)
			if (s->conns[i].fd == -1)
				c = &s->conns[i];
		if (c == NULL) {
			close(fd);
			s->refused++;
			tell_refused(s, now);
			continue;
		}
		if (c->in == NULL && (c->in = malloc(IN_SIZE)) == NULL) {
			close(fd);
			log_error("rpc", "connection refused: out of memory",
			    LF_INT("conn", s->next_id));
			continue;
		}
		if (c->dec.max_payload == 0)
			goridge_decoder_init(&c->dec, REQUEST_MAX);
		else
			goridge_decoder_reset(&c->dec);
		c->fd = fd;
		c->in_len = 0;
		c->more = false;
		buf_reset(&c->out);
		c->active = now;
		c->events = EPOLLIN;
		c->id = ++s->next_id;
		ev.data.ptr = c;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
			close(fd);
			c->fd = -1;
			continue;
		}
		s->nconns++;
		log_debug("rpc", "connection", LF_INT("conn", c->id));
		c = NULL;
	}
	if (errno != EAGAIN && errno != ECONNABORTED)
		log_warn("rpc", "accept failed", LF_STR("error",
		    strerror(errno)));
}

static bool
find_method(const struct rpc_server *s, const char *m, size_t n, size_t *at)
{
	for (*at = 0; *at < s->nmethods; (*at)++)
		if (strlen(s->methods[*at].name) == n &&
		    memcmp(s->methods[*at].name, m, n) == 0)
			return true;
	return false;
}

/* Go's net/rpc words for a name it cannot serve. */
static void
unknown(struct rpc_server *s, const char *m, size_t n)
{
	const char *dot = memchr(m, '.', n);
	size_t i, svc = dot ? (size_t)(dot - m) + 1 : 0;
	bool service = false;

	for (i = 0; dot != NULL && i < s->nmethods; i++)
		service |= strncmp(s->methods[i].name, m, svc) == 0;
	if (dot == NULL)
		buf_puts(&s->res, "rpc: service/method request ill-formed: ");
	else if (service)
		buf_puts(&s->res, "rpc: can't find method ");
	else
		buf_puts(&s->res, "rpc: can't find service ");
	buf_put(&s->res, m, n);
}

bool
rpc_call(struct rpc_server *s, const struct goridge_frame *f,
    const char **method, size_t *method_len)
{
	const char *m = (const char *)f->payload;
	size_t n = f->options[1], at;
	uint8_t codec = f->flags & ~(GR_CONTROL | GR_ERROR);
	bool error;

	*method = m;
	*method_len = n;
	buf_reset(&s->res);
	s->calls++;
	if (codec != GR_CODEC_JSON) {
		buf_printf(&s->res, "rr speaks only JSON (codec 0x%02x), as "
		    "spiral/goridge's RPC sends by default", codec);
		error = true;
	} else if (!find_method(s, m, n, &at)) {
		unknown(s, m, n);
		error = true;
	} else
		error = s->methods[at].fn(s->methods[at].ctx,
		    m + n, f->len - n, &s->res) == -1;
	if (s->res.failed) {
		buf_reset(&s->res);
		buf_puts(&s->res, "rr: out of memory");
		error = true;
	}
	s->errors += error;
	return error;
}

/* Answer one request frame; -1 when the connection must go. */
static int
answer(struct rpc_server *s, struct rpc_conn *c, const struct goridge_frame *f)
{
	uint8_t hdr[GR_HEADER_MAX];
	const char *m;
	size_t mlen, total;
	ssize_t sent = 0;
	bool error;
	struct iovec iov[3];

	error = rpc_call(s, f, &m, &mlen);
	iov[0].iov_base = hdr;
	iov[0].iov_len = goridge_put_header(hdr, (uint8_t)((f->flags &
	    ~(GR_CONTROL | GR_ERROR)) | (error ? GR_ERROR : 0)), 0, f->options,
	    2, (uint32_t)(mlen + s->res.len));
	iov[1] = (struct iovec){ (void *)m, mlen };
	iov[2] = (struct iovec){ s->res.data, s->res.len };
	total = iov[0].iov_len + mlen + s->res.len;
	if (buf_pending(&c->out) == 0) {
		buf_reset(&c->out);
		sent = writev(c->fd, iov, 3);
		if (sent == -1 && errno != EAGAIN)
			return -1;
		if (sent == (ssize_t)total)
			return 0;
		if (sent == -1)
			sent = 0;
	}
	buf_park(&c->out, iov, 3, (size_t)sent);
	return c->out.failed ? -1 : 0;
}

const char *
rpc_bad_request(const struct goridge_frame *f)
{
	if (f->noptions != 2)
		return "should be 2 options. SEQ_ID and METHOD_LEN";
	if (f->options[1] > f->len)
		return "method name longer than the payload";
	return NULL;
}

/*
 * Take whole frames from the connection's input, answering each; stops
 * early while the backlog is high.  -1 when the connection must go.
 */
static int
serve_input(struct rpc_server *s, struct rpc_conn *c)
{
	struct goridge_frame f;
	enum goridge_status st;
	const char *why;
	size_t used, pos = 0;
	int calls = 0;

	while (pos < c->in_len && buf_pending(&c->out) < OUT_HIGH &&
	    calls++ < CALLS_PER_PASS) {
		st = goridge_feed(&c->dec, c->in + pos, c->in_len - pos, &used,
		    &f);
		pos += used;
		if (st == GR_MORE)
			break;
		why = st == GR_FRAME ? rpc_bad_request(&f) :
		    goridge_strstatus(st);
		if (why != NULL) {
			log_warn("rpc", "bad frame from a client: connection "
			    "closed", LF_INT("conn", c->id), LF_STR("error",
			    why), LF_TEXT("bytes", c->dec.shown));
			s->dropped++;
			return -1;
		}
		if (answer(s, c, &f) == -1)
			return -1;
	}
	memmove(c->in, c->in + pos, c->in_len - pos);
	c->in_len -= pos;
	/* calls left for a later pass: see rpc_next_deadline() */
	c->more = c->in_len > 0 && buf_pending(&c->out) < OUT_HIGH;
	return 0;
}

static void
on_conn(struct rpc_server *s, struct rpc_conn *c, uint32_t events,
    int64_t now)
{
	ssize_t n;

	if ((events & EPOLLOUT) && buf_flush(&c->out, c->fd) == -1)
		goto gone;
	/*
	 * One read a wake-up: a client that always has its next call ready
	 * would otherwise keep the loop here, and the other clients and the
	 * timer would wait for it.  epoll is level-triggered, so whatever
	 * is left is reported again on the loop's next pass.
	 */
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && c->in_len < IN_SIZE &&
	    buf_pending(&c->out) < OUT_HIGH) {
		n = read(c->fd, c->in + c->in_len, IN_SIZE - c->in_len);
		if (n == 0 || (n == -1 && errno != EAGAIN))
			goto gone;
		if (n > 0) {
			c->in_len += (size_t)n;
			c->active = now;
		}
	}
	if (c->in_len > 0 && serve_input(s, c) == -1)
		goto gone;
	if (want(s, c) == 0)
		return;
gone:
	drop(s, c);
}

void
rpc_on_io(struct rpc_server *s, void *ptr, uint32_t events, int64_t now)
{
	struct rpc_conn *c = ptr;

	if (ptr == &s->lfd)
		on_accept(s, now);
	else if (c->fd != -1)	/* closed earlier in this batch */
		on_conn(s, c, events, now);
	tell_refused(s, now);
}

int64_t
rpc_next_deadline(const struct rpc_server *s)
{
	int64_t at = INT64_MAX;
	unsigned i;

	if (s->nconns == 0 && s->refused == s->refused_told)
		return INT64_MAX;
	for (i = 0; i < s->max_conns; i++) {
		if (s->conns[i].fd == -1)
			continue;
		if (s->conns[i].more)	/* come back at once */
			return INT64_MIN;
		if (s->conns[i].active + s->idle_timeout < at)
			at = s->conns[i].active + s->idle_timeout;
	}
	if (s->refused != s->refused_told && s->refused_at + SEC_NS < at)
		at = s->refused_at + SEC_NS;
	return at;
}

void
rpc_on_deadline(struct rpc_server *s, int64_t now)
{
	unsigned i;

	tell_refused(s, now);
	for (i = 0; i < s->max_conns && s->nconns > 0; i++) {
		struct rpc_conn *c = &s->conns[i];

		if (c->fd != -1 && c->more) {
			on_conn(s, c, 0, now);
			continue;
		}
		if (c->fd != -1 && now - c->active >= s->idle_timeout) {
			log_info("rpc", "idle connection closed",
			    LF_INT("conn", c->id), LF_INT("idle_ms",
			    (now - c->active) / MS_NS));
			drop(s, c);
		}
	}
}

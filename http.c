/*
 * http: see http.h.  A connection reads into its own head buffer; each
 * complete head is answered into its output buffer at once, in order, so
 * pipelined requests keep their order.  While replies wait to be sent, no
 * more is read: a client that does not read stops itself.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

#include "http.h"
#include "log.h"

#define BACKLOG		128
#define OUT_HIGH	(4u << 20)	/* a reply or two; then stop reading */

static const char *
reason(int status)
{
	static const struct { int code; const char *text; } texts[] = {
		{ 200, "OK" }, { 204, "No Content" }, { 400, "Bad Request" },
		{ 404, "Not Found" }, { 405, "Method Not Allowed" },
		{ 408, "Request Timeout" },
		{ 431, "Request Header Fields Too Large" },
		{ 500, "Internal Server Error" },
		{ 503, "Service Unavailable" },
		{ 505, "HTTP Version Not Supported" },
	};
	size_t i;

	for (i = 0; i < sizeof texts / sizeof texts[0]; i++)
		if (texts[i].code == status)
			return texts[i].text;
	return status < 300 ? "OK" : status < 500 ? "Client Error" :
	    "Server Error";
}

/* The end of the line starting at p (at its '\n'), or NULL. */
static const char *
line_end(const char *p, const char *end)
{
	return memchr(p, '\n', (size_t)(end - p));
}

/* A line's length without its "\r\n" or "\n". */
static size_t
line_len(const char *p, const char *nl)
{
	return (size_t)(nl - p) - (nl > p && nl[-1] == '\r');
}

static bool
token_is(const char *p, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(p, word, n) == 0;
}

/* A header line: Connection and the body's framing matter here. */
static int
header(const char *p, size_t n, bool *keep_alive, bool *body)
{
	const char *colon = memchr(p, ':', n), *v;
	size_t klen, vlen;

	if (colon == NULL || colon == p)
		return -1;
	klen = (size_t)(colon - p);
	for (v = colon + 1; v < p + n && (*v == ' ' || *v == '\t'); v++)
		;
	vlen = (size_t)(p + n - v);
	while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (token_is(p, klen, "connection")) {
		if (token_is(v, vlen, "close"))
			*keep_alive = false;
		else if (token_is(v, vlen, "keep-alive"))
			*keep_alive = true;
	} else if (token_is(p, klen, "transfer-encoding") ||
	    (token_is(p, klen, "content-length") &&
	    !(vlen == 1 && *v == '0')))
		*body = true;
	return 0;
}

long
http_parse(const char *in, size_t len, struct http_request *r,
    bool *keep_alive, int *status)
{
	const char *end = in + len, *p = in, *nl, *sp1, *sp2, *q;
	size_t n;
	bool body = false;

	memset(r, 0, sizeof *r);
	/* a blank line or two before a request is allowed (RFC 9112) */
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	if ((nl = line_end(p, end)) == NULL)
		goto more;
	n = line_len(p, nl);
	if ((sp1 = memchr(p, ' ', n)) == NULL ||
	    (sp2 = memchr(sp1 + 1, ' ', (size_t)(p + n - sp1 - 1))) == NULL ||
	    sp2 == sp1 + 1 || sp1[1] != '/')
		goto bad;
	if ((size_t)(p + n - sp2 - 1) != 8 || strncmp(sp2 + 1, "HTTP/1.", 7)) {
		*status = strncmp(sp2 + 1, "HTTP/", 5) == 0 ? 505 : 400;
		return -1;
	}
	if (sp2[8] != '0' && sp2[8] != '1')
		goto bad;
	*keep_alive = sp2[8] == '1';
	r->method = token_is(p, (size_t)(sp1 - p), "GET") ? HTTP_GET :
	    token_is(p, (size_t)(sp1 - p), "HEAD") ? HTTP_HEAD : HTTP_OTHER;
	r->path = sp1 + 1;
	r->path_len = (size_t)(sp2 - r->path);
	if ((q = memchr(r->path, '?', r->path_len)) != NULL) {
		r->query = q + 1;
		r->query_len = (size_t)(sp2 - q - 1);
		r->path_len = (size_t)(q - r->path);
	}
	for (p = nl + 1;; p = nl + 1) {
		if ((nl = line_end(p, end)) == NULL)
			goto more;
		if ((n = line_len(p, nl)) == 0)
			break;
		if (header(p, n, keep_alive, &body) == -1)
			goto bad;
	}
	/* rr's endpoints take no body: answer, then close rather than
	 * guess where the next request starts */
	if (body)
		*keep_alive = false;
	return nl + 1 - in;
more:
	if (len >= HTTP_HEAD_MAX) {
		*status = 431;
		return -1;
	}
	return 0;
bad:
	*status = 400;
	return -1;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

bool
http_query(const char *q, size_t len, const char *key, size_t *pos, char *out,
    size_t cap)
{
	const char *p, *amp, *eq, *end = q + len;
	size_t n;
	int hi, lo;

	while (*pos < len) {
		p = q + *pos;
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		*pos = (size_t)(amp - q) + 1;
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL || (size_t)(eq - p) != strlen(key) ||
		    memcmp(p, key, (size_t)(eq - p)) != 0)
			continue;
		for (p = eq + 1, n = 0; p < amp && n + 1 < cap; p++) {
			if (*p == '%' && amp - p > 2 &&
			    (hi = hexval(p[1])) >= 0 && (lo = hexval(p[2])) >= 0) {
				out[n++] = (char)(hi << 4 | lo);
				p += 2;
			} else
				out[n++] = *p == '+' ? ' ' : *p;
		}
		out[n] = '\0';
		return true;
	}
	return false;
}

int
http_init(struct http_server *s, const char *name, const char *address,
    unsigned max_conns, duration_ns timeout, http_handler *handler, void *ctx,
    int epfd, char *err, size_t errlen)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &s->lfd };
	char url[LISTEN_TEXT_MAX + 8];
	unsigned i;

	memset(s, 0, sizeof *s);
	s->name = name;
	s->lfd = -1;
	s->epfd = epfd;
	s->max_conns = max_conns;
	s->timeout = timeout;
	s->handler = handler;
	s->ctx = ctx;
	snprintf(url, sizeof url, "tcp://%s", address);
	if (listen_parse(url, &s->addr, err, errlen) == -1)
		return -1;
	snprintf(s->addr.text, sizeof s->addr.text, "%s", address);
	if ((s->conns = calloc(max_conns, sizeof *s->conns)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", address);
		return -1;
	}
	for (i = 0; i < max_conns; i++)
		s->conns[i].fd = -1;
	if ((s->lfd = listen_open(&s->addr, 0, BACKLOG, err, errlen)) == -1)
		return -1;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, s->lfd, &ev) == -1) {
		snprintf(err, errlen, "%s: epoll: %s", address, strerror(errno));
		return -1;
	}
	log_info(name, "listening", LF_STR("address", address));
	return 0;
}

static void
drop(struct http_server *s, struct http_conn *c)
{
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	s->nconns--;
}

void
http_close(struct http_server *s)
{
	unsigned i;

	for (i = 0; s->conns != NULL && i < s->max_conns; i++) {
		if (s->conns[i].fd != -1)
			drop(s, &s->conns[i]);
		free(s->conns[i].in);
		buf_free(&s->conns[i].out);
	}
	free(s->conns);
	s->conns = NULL;
	buf_free(&s->body);
	if (s->lfd != -1) {
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->lfd, NULL);
		close(s->lfd);
	}
	s->lfd = -1;
}

bool
http_owns(const struct http_server *s, const void *ptr)
{
	const struct http_conn *c = ptr;

	return s->conns != NULL && (ptr == &s->lfd ||
	    (c >= s->conns && c < s->conns + s->max_conns));
}

static void
tell_refused(struct http_server *s, int64_t now)
{
	if (s->refused == s->refused_told || now - s->refused_at < SEC_NS)
		return;
	log_warn(s->name, "connection limit reached: connections refused",
	    LF_INT("count", s->refused - s->refused_told),
	    LF_INT("max_connections", s->max_conns));
	s->refused_told = s->refused;
	s->refused_at = now;
}

static void
on_accept(struct http_server *s, int64_t now)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct http_conn *c;
	unsigned i;
	int fd;

	while ((fd = listen_accept(s->lfd)) != -1) {
		for (c = NULL, i = 0; i < s->max_conns && c == NULL; i++)
			if (s->conns[i].fd == -1)
				c = &s->conns[i];
		if (c == NULL || (c->in == NULL &&
		    (c->in = malloc(HTTP_HEAD_MAX)) == NULL)) {
			close(fd);
			s->refused++;
			continue;
		}
		ev.data.ptr = c;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->in_len = 0;
		buf_reset(&c->out);
		c->closing = false;
		c->events = EPOLLIN;
		c->deadline = now + s->timeout;
		s->nconns++;
	}
	tell_refused(s, now);
}

/*
 * Status line, headers and (but for HEAD) the body: written at once when
 * nothing else waits to go out (the body is not copied: a scrape with
 * 100 workers is 16 KiB), and what the socket did not take parked in out.
 * False when the connection must go.
 */
static bool
respond(struct http_server *s, struct http_conn *c, enum http_method m,
    int status, const char *type, const struct buf *body, bool keep)
{
	char head[256];
	struct iovec iov[2];
	ssize_t sent = 0;
	int n;

	n = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nContent-Type: "
	    "%s\r\nContent-Length: %zu\r\n%s%s\r\n", status, reason(status),
	    type, body->len, status == 405 ? "Allow: GET, HEAD\r\n" : "",
	    keep ? "" : "Connection: close\r\n");
	if (n < 0 || (size_t)n >= sizeof head)
		return false;
	iov[0] = (struct iovec){ head, (size_t)n };
	iov[1] = (struct iovec){ body->data, m != HTTP_HEAD ? body->len : 0 };
	c->closing |= !keep;
	s->requests++;
	if (buf_pending(&c->out) == 0) {
		buf_reset(&c->out);
		if ((sent = writev(c->fd, iov, 2)) == -1 && errno != EAGAIN)
			return false;
		if (sent == (ssize_t)(iov[0].iov_len + iov[1].iov_len))
			return true;
		if (sent == -1)
			sent = 0;
	}
	buf_park(&c->out, iov, 2, (size_t)sent);
	return !c->out.failed;
}

/* Answer every complete head in the input; false to close at once. */
static bool
serve_input(struct http_server *s, struct http_conn *c, int64_t now)
{
	struct http_request r;
	struct http_reply rep;
	size_t pos = 0;
	bool keep;
	long n;
	int status;

	while (!c->closing && buf_pending(&c->out) < OUT_HIGH &&
	    (n = http_parse(c->in + pos, c->in_len - pos, &r, &keep,
	    &status)) != 0) {
		buf_reset(&s->body);
		if (n < 0) {
			buf_printf(&s->body, "%s\n", reason(status));
			if (!respond(s, c, HTTP_GET, status, "text/plain",
			    &s->body, false))
				return false;
			break;
		}
		pos += (size_t)n;
		c->deadline = now + s->timeout;
		rep = (struct http_reply){ 200, "text/plain", &s->body };
		if (r.method == HTTP_OTHER) {
			rep.status = 405;
			buf_puts(&s->body, "Method Not Allowed\n");
		} else
			s->handler(s->ctx, &r, &rep);
		if (s->body.failed)
			return false;
		if (!respond(s, c, r.method, rep.status, rep.type, &s->body,
		    keep))
			return false;
	}
	memmove(c->in, c->in + pos, c->in_len - pos);
	c->in_len -= pos;
	return !c->out.failed;
}

static void
on_conn(struct http_server *s, struct http_conn *c, uint32_t events,
    int64_t now)
{
	struct epoll_event ev = { .data.ptr = c };
	ssize_t n;

	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		n = read(c->fd, c->in + c->in_len, HTTP_HEAD_MAX - c->in_len);
		if (n == 0 || (n == -1 && errno != EAGAIN))
			goto gone;
		if (n > 0)
			c->in_len += (size_t)n;
	}
	if (!serve_input(s, c, now) || buf_flush(&c->out, c->fd) == -1)
		goto gone;
	if (c->closing && buf_pending(&c->out) == 0)
		goto gone;
	/* read while nothing waits to be sent: replies go out in order */
	ev.events = buf_pending(&c->out) > 0 ? EPOLLOUT : EPOLLIN;
	if (ev.events != c->events) {
		c->events = ev.events;
		if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev) == -1)
			goto gone;
	}
	return;
gone:
	drop(s, c);
}

void
http_on_io(struct http_server *s, void *ptr, uint32_t events, int64_t now)
{
	struct http_conn *c = ptr;

	if (ptr == &s->lfd)
		on_accept(s, now);
	else if (c->fd != -1)
		on_conn(s, c, events, now);
}

int64_t
http_next_deadline(const struct http_server *s)
{
	int64_t at = INT64_MAX;
	unsigned i;

	if (s->nconns == 0 && s->refused == s->refused_told)
		return INT64_MAX;
	for (i = 0; i < s->max_conns; i++)
		if (s->conns[i].fd != -1 && s->conns[i].deadline < at)
			at = s->conns[i].deadline;
	if (s->refused != s->refused_told && s->refused_at + SEC_NS < at)
		at = s->refused_at + SEC_NS;
	return at;
}

/* A client that has not sent a whole request in time, or has sent
 * nothing since its last one, is closed: slowloris costs a slot for
 * at most the timeout. */
void
http_on_deadline(struct http_server *s, int64_t now)
{
	unsigned i;

	tell_refused(s, now);
	for (i = 0; i < s->max_conns && s->nconns > 0; i++)
		if (s->conns[i].fd != -1 && s->conns[i].deadline <= now)
			drop(s, &s->conns[i]);
}

/*
 * relay: see relay.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "relay.h"

#define HANDSHAKE_MAX	256	/* {"pid":N} is a dozen bytes */
#define BACKLOG		128

int
relay_init(struct relay *r, const char *address, size_t max_pending,
    duration_ns timeout, int epfd, pid_t rr_pid, char *err, size_t errlen)
{
	size_t i;

	memset(r, 0, sizeof *r);
	r->lfd = -1;
	r->epfd = epfd;
	r->rr_pid = rr_pid;
	r->timeout = timeout;
	if (strcmp(address, "pipes") == 0)
		return 0;
	if (listen_parse(address, &r->addr, err, errlen) == -1)
		return -1;
	if ((r->conns = calloc(max_pending, sizeof *r->conns)) == NULL) {
		snprintf(err, errlen, "server.relay: out of memory");
		return -1;
	}
	r->nconns = max_pending;
	for (i = 0; i < max_pending; i++)
		r->conns[i].fd = -1;
	return 0;
}

int
relay_listen(struct relay *r, bool chown_to, uid_t uid, gid_t gid, char *err,
    size_t errlen)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &r->lfd };
	const char *path = ((struct sockaddr_un *)&r->addr.sa)->sun_path;

	if (r->conns == NULL)
		return 0;
	if ((r->lfd = listen_open(&r->addr, 0600, BACKLOG, err, errlen)) == -1)
		return -1;
	if (r->addr.unix_path && chown_to && chown(path, uid, gid) == -1) {
		snprintf(err, errlen, "%s: chown to the workers' user: %s",
		    r->addr.text, strerror(errno));
		return -1;
	}
	if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->lfd, &ev) == -1) {
		snprintf(err, errlen, "%s: epoll: %s", r->addr.text,
		    strerror(errno));
		return -1;
	}
	if (!r->addr.unix_path && !r->addr.loopback)
		log_warn("relay", "the relay listens beyond this machine: "
		    "whoever reaches it can pose as a worker's connection",
		    LF_STR("relay", r->addr.text));
	return 0;
}

static void
drop(struct relay *r, struct relay_conn *c)
{
	epoll_ctl(r->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	r->npending--;
}

void
relay_close(struct relay *r)
{
	size_t i;

	for (i = 0; i < r->nconns; i++) {
		if (r->conns[i].fd != -1)
			drop(r, &r->conns[i]);
		goridge_decoder_free(&r->conns[i].dec);
	}
	free(r->conns);
	r->conns = NULL;
	r->nconns = 0;
	if (r->lfd != -1)
		epoll_ctl(r->epfd, EPOLL_CTL_DEL, r->lfd, NULL);
	listen_close(&r->addr, r->lfd);
	r->lfd = -1;
}

bool
relay_owns(const struct relay *r, const void *ptr)
{
	const struct relay_conn *c = ptr;

	return r->conns != NULL && (ptr == &r->lfd ||
	    (c >= r->conns && c < r->conns + r->nconns));
}

/* The pid control frame, as on a pipe: the worker's first read. */
static int
greet(struct relay *r, int fd)
{
	char json[32];
	uint8_t hdr[GR_HEADER_MIN];
	struct iovec iov[2];
	size_t len;

	len = (size_t)snprintf(json, sizeof json, "{\"pid\":%ld}",
	    (long)r->rr_pid);
	iov[0] = (struct iovec){ hdr, goridge_put_control(hdr, (uint32_t)len) };
	iov[1] = (struct iovec){ json, len };
	/* an empty socket buffer takes 30 bytes whole */
	return writev(fd, iov, 2) == (ssize_t)(iov[0].iov_len + len) ? 0 : -1;
}

static void
on_accept(struct relay *r, int64_t now)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct relay_conn *c;
	size_t i;
	int fd;

	while ((fd = listen_accept(r->lfd)) != -1) {
		for (c = NULL, i = 0; i < r->nconns && c == NULL; i++)
			if (r->conns[i].fd == -1)
				c = &r->conns[i];
		ev.data.ptr = c;
		if (c == NULL || greet(r, fd) == -1 ||
		    epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
			if (c == NULL)
				r->refused++;
			log_warn("relay", "relay connection refused",
			    LF_STR("reason", c == NULL ? "too many waiting "
			    "for their handshake" : strerror(errno)));
			close(fd);
			continue;
		}
		if (c->dec.max_payload == 0)
			goridge_decoder_init(&c->dec, HANDSHAKE_MAX);
		else
			goridge_decoder_reset(&c->dec);
		c->fd = fd;
		c->deadline = now + r->timeout;
		r->npending++;
	}
}

/* The answer to the pid frame, as pool.c reads one from a pipe. */
static long
worker_pid(const struct goridge_frame *f)
{
	const char *s = (const char *)f->payload, *end = s + f->len;
	long pid = 0;

	if (!(f->flags & GR_CONTROL))
		return 0;
	while (s < end && (*s < '0' || *s > '9'))
		s++;
	for (; s < end && *s >= '0' && *s <= '9' && pid < 1L << 30; s++)
		pid = pid * 10 + (*s - '0');
	return pid;
}

static int
on_pending(struct relay *r, struct relay_conn *c, int *fd, pid_t *pid)
{
	uint8_t buf[HANDSHAKE_MAX];
	struct goridge_frame f;
	enum goridge_status st;
	const char *why;
	size_t used;
	ssize_t n;
	long p = 0;

	n = read(c->fd, buf, sizeof buf);
	if (n == -1 && errno == EAGAIN)
		return 0;
	if (n <= 0) {
		why = n == 0 ? "closed before its handshake" : strerror(errno);
		goto bad;
	}
	st = goridge_feed(&c->dec, buf, (size_t)n, &used, &f);
	if (st == GR_MORE)
		return 0;
	why = st != GR_FRAME ? goridge_strstatus(st) : used < (size_t)n ?
	    "more than a handshake" : (p = worker_pid(&f)) <= 0 ?
	    "not a pid control frame" : NULL;
	if (why != NULL)
		goto bad;
	*fd = c->fd;
	*pid = (pid_t)p;
	epoll_ctl(r->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	c->fd = -1;
	r->npending--;
	return 1;
bad:
	log_warn("relay", "bad relay connection closed", LF_STR("reason", why),
	    LF_TEXT("bytes", c->dec.shown));
	drop(r, c);
	return 0;
}

int
relay_on_io(struct relay *r, void *ptr, int64_t now, int *fd, pid_t *pid)
{
	struct relay_conn *c = ptr;

	if (ptr == &r->lfd) {
		on_accept(r, now);
		return 0;
	}
	if (c->fd == -1)	/* gone earlier in this batch */
		return 0;
	return on_pending(r, c, fd, pid);
}

int64_t
relay_next_deadline(const struct relay *r)
{
	int64_t at = INT64_MAX;
	size_t i;

	/* asked on every pass of the loop: nothing to scan most of the time */
	for (i = 0; r->npending > 0 && i < r->nconns; i++)
		if (r->conns[i].fd != -1 && r->conns[i].deadline < at)
			at = r->conns[i].deadline;
	return at;
}

void
relay_on_deadline(struct relay *r, int64_t now)
{
	size_t i;

	for (i = 0; r->npending > 0 && i < r->nconns; i++)
		if (r->conns[i].fd != -1 && r->conns[i].deadline <= now) {
			log_warn("relay", "relay connection closed: no "
			    "handshake in time", LF_INT("timeout_ms",
			    r->timeout / MS_NS));
			drop(r, &r->conns[i]);
		}
}

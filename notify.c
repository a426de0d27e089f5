/*
 * notify: see notify.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "notify.h"

static void
send_dgram(struct notify *n, const char *msg)
{
	if (n->fd == -1)
		return;
	if (sendto(n->fd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL,
	    (struct sockaddr *)&n->addr, n->addrlen) == -1)
		log_warn("notify", "cannot tell systemd", LF_STR("message",
		    msg), LF_STR("error", strerror(errno)));
}

/* "@name" is an abstract socket: a NUL first, and no NUL counted after. */
static int
socket_addr(struct notify *n, const char *path, char *err, size_t errlen)
{
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof n->addr.sun_path ||
	    (path[0] != '/' && path[0] != '@')) {
		snprintf(err, errlen, "NOTIFY_SOCKET=%s: not a socket path "
		    "or @name", path);
		return -1;
	}
	n->addr.sun_family = AF_UNIX;
	memcpy(n->addr.sun_path, path, len);
	if (path[0] == '@')
		n->addr.sun_path[0] = '\0';
	n->addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
	    (path[0] == '@' ? 0 : 1));
	return 0;
}

int
notify_init(struct notify *n, int ready_fd, int64_t now, char *err,
    size_t errlen)
{
	const char *path = getenv("NOTIFY_SOCKET");
	const char *usec = getenv("WATCHDOG_USEC");
	const char *wpid = getenv("WATCHDOG_PID");
	long long us;

	memset(n, 0, sizeof *n);
	n->fd = -1;
	n->ready_fd = ready_fd;
	if (ready_fd != -1 && fcntl(ready_fd, F_SETFD, FD_CLOEXEC) == -1) {
		snprintf(err, errlen, "--ready-fd %d: %s", ready_fd,
		    strerror(errno));
		return -1;
	}
	if (path != NULL && *path != '\0') {
		if (socket_addr(n, path, err, errlen) == -1)
			return -1;
		n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, 0);
		if (n->fd == -1) {
			snprintf(err, errlen, "NOTIFY_SOCKET: socket: %s",
			    strerror(errno));
			return -1;
		}
	}
	/* systemd's rule: the watchdog is ours unless WATCHDOG_PID names
	 * another process */
	if (n->fd != -1 && usec != NULL && (us = atoll(usec)) > 0 &&
	    (wpid == NULL || atol(wpid) == (long)getpid())) {
		n->watchdog_every = us * 1000 / 2;
		n->watchdog_at = now;
	}
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	return 0;
}

void
notify_close(struct notify *n)
{
	if (n->fd != -1)
		close(n->fd);
	if (n->ready_fd != -1)
		close(n->ready_fd);
	n->fd = n->ready_fd = -1;
}

static void
say(struct notify *n, const char *what, const char *status)
{
	char msg[512];

	snprintf(msg, sizeof msg, "%s\nSTATUS=%s", what, status);
	send_dgram(n, msg);
}

void
notify_ready(struct notify *n, const char *status)
{
	if (n->ready)
		return;
	n->ready = true;
	say(n, "READY=1", status);
	if (n->ready_fd != -1) {
		/* s6 reads one line; a full pipe means nobody waits */
		if (write(n->ready_fd, "\n", 1) == -1)
			log_warn("notify", "cannot write the ready fd",
			    LF_STR("error", strerror(errno)));
		close(n->ready_fd);
		n->ready_fd = -1;
	}
}

void
notify_reloading(struct notify *n, int64_t now, const char *status)
{
	char what[96];

	n->reloading = true;
	snprintf(what, sizeof what, "RELOADING=1\nMONOTONIC_USEC=%lld",
	    (long long)(now / 1000));
	say(n, what, status);
}

void
notify_reloaded(struct notify *n, const char *status)
{
	if (!n->reloading)
		return;
	n->reloading = false;
	say(n, "READY=1", status);
}

void
notify_stopping(struct notify *n, const char *status)
{
	say(n, "STOPPING=1", status);
}

int64_t
notify_next_deadline(const struct notify *n)
{
	return n->watchdog_every ? n->watchdog_at : INT64_MAX;
}

/* From the loop itself, so a wedged loop stops the pings. */
void
notify_on_deadline(struct notify *n, int64_t now)
{
	if (n->watchdog_every == 0 || now < n->watchdog_at)
		return;
	send_dgram(n, "WATCHDOG=1");
	n->watchdog_at = now + n->watchdog_every;
}

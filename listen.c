/*
 * listen: see listen.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "listen.h"

static int
parse_unix(const char *path, struct listen_addr *a, char *err, size_t errlen)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&a->sa;

	if (*path == '\0' || strlen(path) >= sizeof sun->sun_path) {
		snprintf(err, errlen, "%s: %s", a->text, *path == '\0' ?
		    "no socket path" : "socket path too long (at most 107 "
		    "bytes)");
		return -1;
	}
	sun->sun_family = AF_UNIX;
	strcpy(sun->sun_path, path);
	a->salen = (socklen_t)sizeof *sun;
	a->unix_path = true;
	return 0;
}

static int
parse_tcp(const char *hostport, struct listen_addr *a, char *err,
    size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *res;
	char host[LISTEN_TEXT_MAX];
	const char *colon = strrchr(hostport, ':'), *port;
	size_t hlen;
	int r;

	if (colon == NULL || colon[1] == '\0' ||
	    colon[1 + strspn(colon + 1, "0123456789")] != '\0') {
		snprintf(err, errlen, "%s: expected tcp://host:port", a->text);
		return -1;
	}
	port = colon + 1;
	hlen = (size_t)(colon - hostport);
	if (hlen >= 2 && hostport[0] == '[' && hostport[hlen - 1] == ']') {
		hostport++;
		hlen -= 2;
	}
	memcpy(host, hostport, hlen);
	host[hlen] = '\0';
	if ((r = getaddrinfo(hlen ? host : NULL, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s: %s", a->text, gai_strerror(r));
		return -1;
	}
	memcpy(&a->sa, res->ai_addr, res->ai_addrlen);
	a->salen = res->ai_addrlen;
	freeaddrinfo(res);
	if (a->sa.ss_family == AF_INET)
		a->loopback = (ntohl(((struct sockaddr_in *)&a->sa)->
		    sin_addr.s_addr) >> 24) == 127;
	else
		a->loopback = IN6_IS_ADDR_LOOPBACK(
		    &((struct sockaddr_in6 *)&a->sa)->sin6_addr);
	return 0;
}

int
listen_parse(const char *s, struct listen_addr *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof *a);
	if (strlen(s) >= sizeof a->text) {
		snprintf(err, errlen, "address too long");
		return -1;
	}
	strcpy(a->text, s);
	if (strncmp(s, "unix://", 7) == 0)
		return parse_unix(s + 7, a, err, errlen);
	if (strncmp(s, "tcp://", 6) == 0)
		return parse_tcp(s + 6, a, err, errlen);
	snprintf(err, errlen, "%s: expected tcp://host:port or "
	    "unix:///path", s);
	return -1;
}

/*
 * Whether something listens on a unix socket file: only then is it not
 * stale.  A blocking connect on a unix socket answers at once.
 */
static bool
unix_alive(const struct listen_addr *a)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd == -1)
		return true;	/* can't tell: leave it alone */
	alive = connect(fd, (const struct sockaddr *)&a->sa, a->salen) == 0 ||
	    errno != ECONNREFUSED;
	close(fd);
	return alive;
}

/* RoadRunner removes the file before it listens; rr removes it only when
 * it is a socket nobody listens on, so two servers never share one. */
static int
clear_stale(const struct listen_addr *a, char *err, size_t errlen)
{
	const char *path = ((const struct sockaddr_un *)&a->sa)->sun_path;
	struct stat sb;

	if (lstat(path, &sb) == -1)
		return 0;
	if (!S_ISSOCK(sb.st_mode)) {
		snprintf(err, errlen, "%s: %s exists and is not a socket",
		    a->text, path);
		return -1;
	}
	if (unix_alive(a)) {
		snprintf(err, errlen, "%s: another process listens on it (is "
		    "another rr running?)", a->text);
		return -1;
	}
	if (unlink(path) == -1) {
		snprintf(err, errlen, "%s: cannot remove the stale socket: %s",
		    a->text, strerror(errno));
		return -1;
	}
	return 0;
}

int
listen_open(const struct listen_addr *a, mode_t mode, int backlog, char *err,
    size_t errlen)
{
	const int on = 1;
	mode_t old;
	int fd, r, e;

	if (a->unix_path && clear_stale(a, err, errlen) == -1)
		return -1;
	fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(err, errlen, "%s: socket: %s", a->text,
		    strerror(errno));
		return -1;
	}
	if (!a->unix_path) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
		r = bind(fd, (const struct sockaddr *)&a->sa, a->salen);
	} else {
		/* the umask decides a socket file's mode at bind: there is
		 * no moment when others could connect */
		old = umask(~mode & 0777);
		r = bind(fd, (const struct sockaddr *)&a->sa, a->salen);
		e = errno;
		umask(old);
		errno = e;
	}
	e = errno;
	if (r == -1 || listen(fd, backlog) == -1) {
		snprintf(err, errlen, "%s: %s: %s", a->text, r == -1 ? "bind" :
		    "listen", strerror(r == -1 ? e : errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
listen_accept(int fd)
{
	int c;

	do
		c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	while (c == -1 && errno == EINTR);
	return c;
}

void
listen_close(const struct listen_addr *a, int fd)
{
	if (fd == -1)
		return;
	close(fd);
	if (a->unix_path)
		unlink(((const struct sockaddr_un *)&a->sa)->sun_path);
}

int
listen_connect(const struct listen_addr *a, char *err, size_t errlen)
{
	int fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd != -1 && connect(fd, (const struct sockaddr *)&a->sa,
	    a->salen) == 0)
		return fd;
	snprintf(err, errlen, "cannot connect to %s: %s (is rr serve running "
	    "with this config?)", a->text, strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

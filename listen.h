/*
 * listen: the addresses RoadRunner writes as tcp://host:port and
 * unix:///path, for every listener rr has (RPC, socket relays) and for the
 * CLI that connects to them.  Parsing is pure; listen_open() makes a
 * non-blocking, close-on-exec listening socket, and replaces a unix socket
 * file left by a dead process but never one a live process listens on.
 */
#ifndef RR_LISTEN_H
#define RR_LISTEN_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>

#define LISTEN_TEXT_MAX	256

struct listen_addr {
	char			 text[LISTEN_TEXT_MAX];	/* as written */
	struct sockaddr_storage	 sa;
	socklen_t		 salen;
	bool			 unix_path;	/* else tcp */
	bool			 loopback;	/* tcp on 127/8 or ::1 */
};

/*
 * tcp://HOST:PORT (HOST a name, an IPv4 address, [IPv6] or empty for
 * every interface) or unix://PATH; names are resolved here, so this may
 * block on DNS: call it at start, never from the loop.
 */
int	listen_parse(const char *, struct listen_addr *, char *err,
	    size_t errlen);

/*
 * A listening socket, O_NONBLOCK and O_CLOEXEC.  A unix socket file is
 * created with mode (0600 for RPC) whatever the umask; a stale one (no
 * listener behind it) is removed first; anything else at the path is an
 * error.  Returns the fd, or -1 with a message.
 */
int	listen_open(const struct listen_addr *, mode_t mode, int backlog,
	    char *err, size_t errlen);

/* The next connection, O_NONBLOCK and O_CLOEXEC; -1 when there is none
 * (EAGAIN) or on error, with errno set. */
int	listen_accept(int fd);

/* Close a listener; a unix socket's file goes with it. */
void	listen_close(const struct listen_addr *, int fd);

/* A blocking connection, for the CLI; -1 with a message that names the
 * address and says what to check. */
int	listen_connect(const struct listen_addr *, char *err, size_t errlen);

#endif

/*
 * relay: the socket relays of server.relay (tcp://host:port, unix:///path).
 * rr listens; each worker, started with RR_RELAY set to the address,
 * connects back.  A connection is only a worker's once it has answered
 * the pid control frame: rr then knows which of its children it is.
 * Until then it is held here, bounded in number and in time
 * (relay_timeout), and anything but a handshake closes it.
 */
#ifndef RR_RELAY_H
#define RR_RELAY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "goridge.h"
#include "listen.h"

struct relay_conn {
	int			 fd;	/* -1: a free slot */
	struct goridge_decoder	 dec;
	int64_t			 deadline;
};

struct relay {
	struct listen_addr	 addr;
	int			 lfd;	/* -1: pipes, or not listening yet */
	int			 epfd;
	pid_t			 rr_pid;
	duration_ns		 timeout;
	struct relay_conn	*conns;
	size_t			 nconns;
	size_t			 npending;	/* of them in use */
	uint64_t		 refused;	/* over the pending cap */
};

/* Parse the address (pipes: no relay); nothing is opened yet. */
int	relay_init(struct relay *, const char *address, size_t max_pending,
	    duration_ns timeout, int epfd, pid_t rr_pid, char *err,
	    size_t errlen);

/* Listen; a unix socket file is made the workers' (uid, gid) when they
 * run as another user. */
int	relay_listen(struct relay *, bool chown_to, uid_t, gid_t, char *err,
	    size_t errlen);
void	relay_close(struct relay *);

bool	relay_owns(const struct relay *, const void *ptr);

/*
 * An event on the listener or a pending connection.  Returns 1 when a
 * connection has completed its handshake: *fd is now the caller's, and
 * *pid is the pid the worker said it has.
 */
int	relay_on_io(struct relay *, void *ptr, int64_t now, int *fd,
	    pid_t *pid);

int64_t	relay_next_deadline(const struct relay *);
void	relay_on_deadline(struct relay *, int64_t now);

#endif

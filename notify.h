/*
 * notify: telling a supervisor how rr is doing.  systemd's sd_notify
 * protocol ($NOTIFY_SOCKET: one datagram of KEY=VALUE lines; READY=1,
 * RELOADING=1 with MONOTONIC_USEC, STOPPING=1, STATUS=, WATCHDOG=1 every
 * half of $WATCHDOG_USEC), and s6's notification fd (a newline, then
 * close).  No libsystemd: it is one datagram.  Nothing here ever waits:
 * a datagram the socket does not take is dropped.
 */
#ifndef RR_NOTIFY_H
#define RR_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

struct notify {
	int		 fd;		/* -1: no NOTIFY_SOCKET */
	struct sockaddr_un addr;
	socklen_t	 addrlen;
	int		 ready_fd;	/* --ready-fd, -1 once used */
	int64_t		 watchdog_every;	/* 0: no watchdog */
	int64_t		 watchdog_at;
	bool		 ready;
	bool		 reloading;
};

/*
 * Read and unset NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID (workers
 * must not talk to systemd in rr's name); ready_fd is -1 or the fd of
 * --ready-fd, which must be open.
 */
int	notify_init(struct notify *, int ready_fd, int64_t now, char *err,
	    size_t errlen);
void	notify_close(struct notify *);

/* The first worker is up: READY=1 and the ready fd, once. */
void	notify_ready(struct notify *, const char *status);
/* A reset begins (RELOADING=1), and ends (READY=1). */
void	notify_reloading(struct notify *, int64_t now, const char *status);
void	notify_reloaded(struct notify *, const char *status);
void	notify_stopping(struct notify *, const char *status);

int64_t	notify_next_deadline(const struct notify *);
void	notify_on_deadline(struct notify *, int64_t now);

#endif

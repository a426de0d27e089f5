/*
 * worker: one PHP worker process and the three pipes rr shares with it.
 * This file knows processes and bytes (spawn, frames in and out, stderr
 * lines, signals to the process group); what the bytes mean and when a
 * worker changes state is the pool's business (pool.c).
 *
 * The pipe ends rr holds are O_NONBLOCK|O_CLOEXEC and registered on the
 * caller's epoll instance with data.ptr pointing at a struct worker_fd.
 */
#ifndef RR_WORKER_H
#define RR_WORKER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "buf.h"
#include "goridge.h"
#include "log.h"

#define WORKER_LINE_MAX	1024	/* longer stderr lines are cut */
#define WORKER_TAIL_MAX	512	/* last stderr bytes, for exit reports */

/* Every worker state; pool.c owns the transitions between them. */
enum worker_state {
	W_FREE,		/* no process in this slot */
	W_STARTING,	/* spawned, pid frame sent, no answer yet */
	W_READY,	/* idle */
	W_WORKING,	/* one payload in flight */
	W_STOPPING,	/* stop frame sent, waiting for it to exit */
	W_DYING,	/* killed, waiting to reap it */
	W_NSTATES
};

/* Why a worker leaves: kept per worker, counted per pool. */
enum worker_why {
	WHY_NONE,
	WHY_CRASH,		/* exited or closed stdout on its own */
	WHY_BAD_FRAME,		/* wrote something that is not a valid frame */
	WHY_HANDSHAKE,		/* no or a wrong answer to the pid frame */
	WHY_MAX_JOBS,
	WHY_REPLACE,		/* it asked: {"stop":true} */
	WHY_RESET,		/* SIGHUP */
	WHY_DEBUG,		/* debug pools use a worker once */
	WHY_SHUTDOWN,
	WHY_TTL,
	WHY_IDLE_TTL,
	WHY_MEMORY,
	WHY_EXEC_TTL,
	WHY_NREASONS
};

enum worker_fd_kind { WFD_IN, WFD_OUT, WFD_ERR };

struct worker;

/* What epoll's data.ptr points at for a worker's pipe. */
struct worker_fd {
	struct worker		*w;
	enum worker_fd_kind	 kind;
};

/* Everything a spawn needs, computed once at startup. */
struct spawn_spec {
	char *const	*argv;
	char *const	*envp;
	bool		 set_ids;	/* only when rr runs as root */
	uid_t		 uid;
	gid_t		 gid;
	gid_t		*groups;
	size_t		 ngroups;
	const struct rlimit *nofile;	/* RLIMIT_NOFILE for the child; NULL:
					 * rr's own */
	uint32_t	 max_payload;
	const char	*log_name;	/* component of its output lines */
	bool		 plain;		/* no Goridge on the pipes: stdin at
					 * EOF, stdout joins stderr (on_init,
					 * and workers on a socket relay) */
};

enum worker_input {
	WI_AGAIN,	/* nothing more to read now */
	WI_FRAME,
	WI_EOF,		/* the worker closed its stdout */
	WI_BAD		/* malformed bytes: see w->dec.failed and .shown */
};

struct worker {
	enum worker_state	 state;
	enum worker_state	 prev;		/* before the last transition */
	pid_t			 pid;
	int			 epfd;
	const char		*log_name;
	int			 fd_in;		/* frames to it, -1 when closed */
	int			 fd_out;	/* frames from it */
	bool			 sock;		/* both are one relay socket */
	int			 fd_err;	/* worker's stderr */
	struct worker_fd	 ev_in, ev_out, ev_err;
	struct goridge_decoder	 dec;

	/* Output that a full pipe did not take yet (and, while held, frames
	 * queued until the handshake is done). */
	struct buf		 outq;
	bool			 hold;

	char			 line[WORKER_LINE_MAX];
	size_t			 line_len;
	bool			 line_cut;
	char			 tail[WORKER_TAIL_MAX];
	size_t			 tail_len;

	/* pool's bookkeeping, kept here so a slot is one struct */
	int64_t			 spawned_at, ready_at, busy_since, idle_since;
	int64_t			 deadline;	/* 0: none */
	uint64_t		 rss;		/* bytes, process group */
	uint64_t		 own_rss;	/* bytes, the process alone */
	uint64_t		 cpu_ticks;	/* user + system, clock ticks */
	uint64_t		 jobs;
	uint64_t		 tag;		/* of the payload in flight */
	bool			 has_job;
	bool			 term_sent;	/* SIGTERM after the stop frame */
	enum worker_why		 retire;	/* it goes once idle */
	enum worker_why		 killed;	/* SIGKILL sent, for this */
};

/*
 * Fork and exec spec->argv in a new process group with pipes on 0, 1 and 2,
 * register rr's ends on epfd, and send the pid control frame carrying
 * rr_pid (unless spec->plain).  Returns -1 with errno set when pipes or
 * fork fail; an exec
 * failure shows up as the child's exit status 127 and its stderr line.
 */
int		 worker_spawn(struct worker *, const struct spawn_spec *,
		    int epfd, pid_t rr_pid);

/*
 * A socket relay's connection, handshake done, becomes the worker's way
 * in and out (a plain spawn left it none).
 */
int		 worker_attach(struct worker *, int fd);

/* Queue a data frame (one option: the context length). */
int		 worker_send(struct worker *, uint8_t flags, const void *ctx,
		    uint32_t ctx_len, const void *body, uint32_t body_len);

/* Queue a control frame with a JSON payload. */
int		 worker_send_control(struct worker *, const char *json);

/* Write what the pipe did not take; called on EPOLLOUT or on release. */
int		 worker_flush(struct worker *);

/* Next frame from the worker's stdout; the payload lives until the next
 * call. */
enum worker_input worker_read(struct worker *, struct goridge_frame *);

/* Log complete stderr lines tagged with the pid; closes the fd at EOF. */
void		 worker_read_stderr(struct worker *);

/*
 * Set rss of each of the n workers that has a process to the resident
 * memory of its whole process group, in one pass over /proc that
 * allocates nothing.  Returns -1 when /proc can't be read.
 */
int		 worker_measure_rss(struct worker *, size_t n);

/*
 * Set own_rss and cpu_ticks of each of the n workers that has a process,
 * from its /proc/PID/stat, allocating nothing.
 */
int		 worker_sample(struct worker *, size_t n);

/* Signal the worker's whole process group. */
void		 worker_signal(struct worker *, int sig);

/* After the process is gone: log its last stderr, close every fd, keep
 * the buffers for the slot's next process. */
void		 worker_release(struct worker *);

/* Free a slot's buffers (at exit). */
void		 worker_free(struct worker *);

/* RoadRunner's number and name for a worker's state (informer's). */
int		 worker_rr_status(const struct worker *, const char **name);

/* status=N or signal=NAME (into buf), the way the log shows how a
 * process ended. */
struct log_field worker_exit_field(int status, char *buf, size_t len);

#endif

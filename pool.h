/*
 * pool: a fixed set of workers and every decision about them: the state
 * machine (one transition function), dispatch to an idle worker, replies,
 * replacement with back-off, reset and graceful stop.  It never waits: the
 * caller's loop feeds it fd events, reaped children and deadlines.
 *
 * Any event source can drive it (the ticker, a benchmark, later an RPC
 * listener): pool_exec() hands a payload to an idle worker or fails at
 * once with EBUSY, and the outcome comes back through the exec_done_fn
 * given to pool_init().
 */
#ifndef RR_POOL_H
#define RR_POOL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>

#include "config.h"
#include "oninit.h"
#include "relay.h"
#include "worker.h"

enum exec_outcome {
	EXEC_OK,
	EXEC_SOFT_ERROR,	/* the worker called error(); it stays */
	EXEC_CRASH,		/* the worker died or closed its pipe */
	EXEC_KILLED,		/* rr killed it (reset, shutdown, timeouts) */
	EXEC_BAD_FRAME,		/* it answered with something malformed */
	EXEC_EXEC_TTL,		/* it ran longer than supervisor.exec_ttl */
	EXEC_REPLACED,		/* it asked to be replaced instead of answering */
	EXEC_NOUTCOMES
};

struct exec_result {
	enum exec_outcome	 outcome;
	uint64_t		 tag;		/* as given to pool_exec() */
	pid_t			 pid;
	const uint8_t		*ctx, *body;	/* reply, or error message in body */
	uint32_t		 ctx_len, body_len;
	int64_t			 started, finished;	/* monotonic ns */
};

typedef void exec_done_fn(void *arg, const struct exec_result *);

struct pool {
	struct pool_config	 cfg;
	duration_ns		 relay_timeout;
	struct spawn_spec	 spec;
	struct relay		 relay;		/* server.relay on a socket */
	struct rlimit		 nofile;	/* rr's limit before it raised it */
	char			**env;		/* owned; spec.envp */
	int			 epfd;
	pid_t			 rr_pid;
	exec_done_fn		*done;
	void			*done_arg;

	struct worker		*slots;
	size_t			 nslots;
	struct worker		**idle;		/* a stack: the warmest on top */
	size_t			 nidle;
	unsigned		 nbusy;		/* workers with a payload */
	int64_t			 last_reply;	/* when the latest came */
	unsigned		 want;		/* resident workers to keep */

	unsigned		 failures;	/* young deaths in a row */
	int64_t			 spawn_at;	/* back-off: no spawn before */
	int64_t			 next_deadline;	/* may be early, never late */
	bool			 stopping;
	int64_t			 stop_deadline;	/* grace period's end */
	int64_t			 term_window;	/* SIGTERM to SIGKILL */
	int64_t			 watch_at;	/* next supervisor check */
	int64_t			 sampled;	/* see pool_sample() */

	/* server.on_init: one plain process that runs before any worker */
	struct on_init		 init;
	bool			 initializing;
	bool			 failed;	/* on_init failed, exit_on_error */

	uint64_t		 spawned;
	uint64_t		 left[WHY_NREASONS];	/* workers gone, by why */
	unsigned		 forced;	/* stops that needed a signal */
};

/*
 * Set up slots and the workers' environment (rr's own + server.env +
 * RR_MODE=mode, RR_RELAY, RR_VERSION, RR_RPC) without spawning anything.
 * Raises the soft limit on open files to the hard one (workers get the
 * old one back).  Fails with a message that names the config's file and
 * line when server.user/group can't be used or the pool does not fit in
 * the fd limit.
 */
int		 pool_init(struct pool *, const struct config *, const char *mode,
		    int epfd, exec_done_fn *, void *arg, char *err, size_t errlen);
void		 pool_free(struct pool *);

/* Listen on server.relay when it is a socket (rr serve, not --check). */
int		 pool_listen(struct pool *, char *err, size_t errlen);

/* Run server.on_init, if any, then spawn the resident workers. */
void		 pool_start(struct pool *, int64_t now);

/*
 * Send a payload to an idle worker (a fresh one in debug mode).  The
 * buffers may be reused as soon as it returns.  Returns the worker's pid,
 * or -1 with errno EBUSY (no idle worker) or ESHUTDOWN (stopping).
 */
pid_t		 pool_exec(struct pool *, uint8_t flags, const void *ctx,
		    uint32_t ctx_len, const void *body, uint32_t body_len,
		    uint64_t tag, int64_t now);

/* An epoll event whose data.ptr is a struct worker_fd of this pool. */
void		 pool_on_io(struct pool *, void *ptr, uint32_t events,
		    int64_t now);

/*
 * A child exited and is not reaped yet (waitid WNOWAIT), so its pid still
 * names its process group.  Returns false when it is not a worker.
 */
bool		 pool_on_exit(struct pool *, pid_t, int status, int64_t now);

/*
 * On SIGCHLD: reap every child that has exited (signals coalesce, so one
 * SIGCHLD may stand for many), orphans adopted as PID 1 included.  Each
 * exit goes through pool_on_exit() first, while the dead leader still
 * holds its process group's id.
 */
void		 pool_reap(struct pool *, int64_t now);

/* The earliest moment pool_on_deadline() has work; INT64_MAX: none. */
int64_t		 pool_next_deadline(const struct pool *);
void		 pool_on_deadline(struct pool *, int64_t now);

/* Replace every worker gracefully; busy ones after their payload, at the
 * latest after reset_timeout. */
void		 pool_reset(struct pool *, int64_t now);

/* Stop every worker, busy ones after their payload; by deadline everyone
 * has had SIGTERM and then SIGKILL. */
void		 pool_stop(struct pool *, int64_t now, int64_t deadline);

/* SIGKILL every worker's process group, now. */
void		 pool_kill(struct pool *);

/* Whether pool_exec() may find a worker now: an idle one, or room for a
 * fresh one in debug mode; how many payloads it would take one after
 * another (UINT_MAX in debug mode). */
bool		 pool_can_exec(const struct pool *);
unsigned	 pool_room(const struct pool *);

/*
 * Refresh the workers' own_rss and cpu_ticks from /proc, at most once a
 * second (sooner for a worker never sampled): figures that old are what
 * `rr workers -i` and a scrape show anyway, and a client asking in a
 * loop then costs no /proc reads.
 */
void		 pool_sample(struct pool *, int64_t now);

/* Whether a worker that a reset replaces is still there. */
bool		 pool_resetting(const struct pool *);

/*
 * How long the loop should poll for events (epoll_wait with no timeout,
 * sched_yield between) before it sleeps; 0: sleep at once.  Sleeping lets
 * this vCPU go idle, and waking it for a reply costs about 50 us on a VM,
 * more than a fast worker takes to answer.  So the pool asks for a short
 * poll only while payloads are in flight and replies came fast lately:
 * ticks seconds apart, and an idle rr, never poll.
 */
int64_t		 pool_poll_ns(const struct pool *, int64_t now);

/*
 * While polling with exactly one payload in flight: read its worker's
 * stdout directly, one read instead of epoll_wait and read, which is
 * most of what a pinned exec costs beyond the raw round trip.  Returns
 * whether anything came (a reply, EOF, a bad frame).  It looks at that
 * one fd only, so the loop must still epoll_wait every so often.
 */
bool		 pool_collect(struct pool *, int64_t now);
unsigned	 pool_processes(const struct pool *);	/* on_init included */
const char	*pool_why_name(enum worker_why);
const char	*pool_outcome_name(enum exec_outcome);

#endif

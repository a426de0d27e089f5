/*
 * services: the RPC methods rr serves, with RoadRunner's names and JSON
 * shapes, so that `rr workers`, `rr reset` and PHP code built on
 * spiral/goridge find what they expect: informer.List, informer.Workers,
 * resetter.List, resetter.Reset, rpc.Version, and rr's own ticker.Stats.
 * It reads the pool and the ticker through their public state and never
 * changes them, but for a reset, which it asks of its owner.
 */
#ifndef RR_SERVICES_H
#define RR_SERVICES_H

#include <stdint.h>

#include "config.h"
#include "pool.h"
#include "rpc.h"
#include "ticker.h"

typedef void reset_fn(void *arg, const char *via);

/* informer.Workers' text of one worker, but for its command and what
 * it runs: head, the command, then the rest. */
struct worker_row {
	pid_t		 pid;
	int		 status;
	int64_t		 spawned_at;	/* the process's, with its pid */
	uint64_t	 jobs;
	int64_t		 sampled;	/* the pool's, when built */
	int64_t		 created;	/* unix ns */
	uint16_t	 head, len;	/* 0: not built */
	char		 text[224];
};

struct services {
	struct pool	*pool;
	struct ticker	*ticker;
	reset_fn	*reset;
	void		*reset_arg;
	struct buf	 command;	/* server.command as a JSON string */
	size_t		*order;		/* slots by pid, for informer */
	struct worker_row *rows;	/* by slot */
	long		 clk_tck;
};

/* Register every method on rpc; a reset goes through reset(arg). */
int	services_init(struct services *, struct rpc_server *, struct pool *,
	    struct ticker *, const struct config *, reset_fn *, void *arg);
void	services_free(struct services *);

#endif

/*
 * oninit: server.on_init, one plain process run before any worker, as
 * RoadRunner runs it: its own command, rr's environment plus
 * on_init.env, its own user, no Goridge on its pipes, its output logged
 * as a worker's is, and exec_timeout to finish.  What its outcome means
 * (exit_on_error) is the pool's to decide.
 */
#ifndef RR_ONINIT_H
#define RR_ONINIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>

#include "config.h"
#include "worker.h"

struct on_init {
	const struct on_init_config *cfg;	/* NULL: none */
	struct spawn_spec spec;
	char		**env;		/* owned; spec.envp */
	struct worker	 w;		/* its process; w.deadline: the end
					 * of exec_timeout, or of a stop */
};

/* From cfg's server.on_init (nothing when it is not set); the child gets
 * nofile as the workers do.  err says what failed. */
int	on_init_setup(struct on_init *, const struct config *cfg,
	    const struct rlimit *nofile, char *err, size_t errlen);
void	on_init_free(struct on_init *);

/* Start it, due by now + exec_timeout; -1 logged when it could not be
 * started at all (its exit still comes when it forked and then failed:
 * on_init_running() says so). */
int	on_init_start(struct on_init *, int epfd, pid_t rr_pid, int64_t now);
bool	on_init_running(const struct on_init *);

/* It exited with status: logged, what it left behind killed; whether it
 * succeeded. */
bool	on_init_exited(struct on_init *, int status);

/* Past its deadline (exec_timeout, or a stop's while rr stops): killed. */
void	on_init_expired(struct on_init *, bool stopping);

#endif

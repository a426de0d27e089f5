/*
 * ctl: the client side of the operator's commands, as RoadRunner's CLI
 * has them: `rr workers` and `rr reset` call the server's RPC (the
 * rpc.listen of the same config), `rr stop` signals the pid that the
 * server's locked pid file names.  A command line tool: it may block.
 * Each returns the exit code, having said on stderr what went wrong.
 */
#ifndef RR_CTL_H
#define RR_CTL_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

int	ctl_workers(const struct config *, char *const *plugins, size_t n,
	    bool interactive);
int	ctl_reset(const struct config *, char *const *plugins, size_t n,
	    bool silent);
int	ctl_stop(const char *pidfile, bool force);

#endif

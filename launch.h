/*
 * launch: what starting rr's children needs, worked out once at start: the
 * environment they get, the user and groups they run as, and room for
 * them under the limit on open files.  Starting them is worker.c's.
 */
#ifndef RR_LAUNCH_H
#define RR_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>

#include "config.h"
#include "worker.h"

/*
 * The workers' environment: rr's own, then RoadRunner's additions in its
 * order (RR_RELAY, RR_RPC, server.env, RR_VERSION, RR_MODE=mode), later
 * settings winning as in Go.  NULL when out of memory.
 */
char	**launch_env(const struct config *, const char *mode);

/* rr's environment plus extra (on_init's). */
char	**launch_plain_env(const struct env_list *extra);
void	  launch_env_free(char **);

/*
 * The user and group (fields of cfg, or NULL) into spec, resolved once:
 * the child only calls setgroups, setgid and setuid.  key names the
 * config section for messages, which name the file and line.
 */
int	  launch_ids(struct spawn_spec *, const struct config *,
	    char *const *user, char *const *group, const char *key, char *err,
	    size_t errlen);

/*
 * Raise the soft limit on open files to the hard one, as Go programs do
 * (*old gets the limit before, *raised whether it changed), then check
 * that nslots workers fit; -1 with the figures when they do not.
 */
int	  launch_fd_limit(const struct config *, size_t nslots,
	    struct rlimit *old, bool *raised, char *err, size_t errlen);

/* Where a config value came from, for a message: file:line or -o. */
const char *launch_where(const struct config *, const void *field);

#endif

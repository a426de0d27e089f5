/*
 * launch: see launch.h.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "launch.h"

#define RR_FDS		64	/* rr's own fds, and room for listeners */

extern char **environ;

/*
 * Set "KEY=VALUE" in env (room for it is the caller's), replacing KEY's
 * entry if there is one: later settings win, as in Go.  klen is KEY's
 * length in kv.
 */
static int
env_put(char **env, size_t *n, const char *kv, size_t klen)
{
	char *copy;
	size_t i;

	if ((copy = strdup(kv)) == NULL)
		return -1;
	for (i = 0; i < *n; i++)
		if (strncmp(env[i], kv, klen + 1) == 0) {
			free(env[i]);
			env[i] = copy;
			return 0;
		}
	env[(*n)++] = copy;
	return 0;
}

static int
env_put_list(char **env, size_t *n, char *const *vars, size_t nvars)
{
	const char *eq;
	size_t i;

	for (i = 0; i < nvars; i++)
		if ((eq = strchr(vars[i], '=')) != NULL &&
		    env_put(env, n, vars[i], (size_t)(eq - vars[i])) == -1)
			return -1;
	return 0;
}

static int
env_set(char **env, size_t *n, const char *key, const char *value)
{
	char kv[1024];

	if ((size_t)snprintf(kv, sizeof kv, "%s=%s", key, value) >= sizeof kv) {
		errno = E2BIG;
		return -1;
	}
	return env_put(env, n, kv, strlen(key));
}

/* rr's environment plus room for `extra` more, NULL-terminated. */
static char **
env_new(size_t extra, size_t *n)
{
	size_t max;
	char **env;

	for (max = 0; environ[max] != NULL; max++)
		;
	if ((env = calloc(max + extra + 1, sizeof *env)) == NULL)
		return NULL;
	*n = 0;
	if (env_put_list(env, n, environ, max) == -1)
		return NULL;
	return env;
}

void
launch_env_free(char **env)
{
	for (size_t i = 0; env != NULL && env[i] != NULL; i++)
		free(env[i]);
	free(env);
}

/* Workers: rr's environment, then RoadRunner's additions in its order. */
char **
launch_env(const struct config *cfg, const char *mode)
{
	const struct env_list *extra = &cfg->server.env;
	char **env;
	size_t n;

	if ((env = env_new(extra->n + 4, &n)) == NULL ||
	    env_set(env, &n, "RR_RELAY", cfg->server.relay) == -1 ||
	    (cfg->rpc.listen != NULL &&
	    env_set(env, &n, "RR_RPC", cfg->rpc.listen) == -1) ||
	    env_put_list(env, &n, extra->vars, extra->n) == -1 ||
	    env_set(env, &n, "RR_VERSION", RR_VERSION) == -1 ||
	    env_set(env, &n, "RR_MODE", mode) == -1) {
		launch_env_free(env);
		return NULL;
	}
	return env;
}

char **
launch_plain_env(const struct env_list *extra)
{
	char **env;
	size_t n;

	if ((env = env_new(extra->n, &n)) == NULL ||
	    env_put_list(env, &n, extra->vars, extra->n) == -1) {
		launch_env_free(env);
		return NULL;
	}
	return env;
}

/* Where a config value came from, for a message about it. */
const char *
launch_where(const struct config *cfg, const void *field)
{
	const char *where = config_where(cfg, field);

	return where != NULL ? where : cfg->path;
}

/* A user and group, resolved once: the child only calls setgroups,
 * setgid and setuid.  key names the config section for messages. */
int
launch_ids(struct spawn_spec *spec, const struct config *cfg,
    char *const *user, char *const *group, const char *key, char *err,
    size_t errlen)
{
	struct passwd *pw = NULL;
	struct group *gr;
	int n = 0;

	if (*user == NULL && (group == NULL || *group == NULL))
		return 0;
	if (*user == NULL)
		user = NULL;
	if (geteuid() != 0) {
		snprintf(err, errlen, "%s: %s.%s: switching to another user "
		    "needs rr to run as root (it runs as uid %ld)",
		    launch_where(cfg, user ? user : group), key, user ? "user" : "group",
		    (long)geteuid());
		return -1;
	}
	spec->set_ids = true;
	spec->uid = 0;
	spec->gid = 0;
	if (user != NULL) {
		if ((pw = getpwnam(*user)) == NULL) {
			snprintf(err, errlen, "%s: %s.user: no user \"%s\"",
			    launch_where(cfg, user), key, *user);
			return -1;
		}
		spec->uid = pw->pw_uid;
		spec->gid = pw->pw_gid;
	}
	if (group != NULL && *group != NULL) {
		if ((gr = getgrnam(*group)) == NULL) {
			snprintf(err, errlen, "%s: %s.group: no group \"%s\"",
			    launch_where(cfg, group), key, *group);
			return -1;
		}
		spec->gid = gr->gr_gid;
	}
	if (pw != NULL) {
		getgrouplist(pw->pw_name, spec->gid, NULL, &n);
		if ((spec->groups = calloc((size_t)n + 1,
		    sizeof *spec->groups)) == NULL ||
		    getgrouplist(pw->pw_name, spec->gid, spec->groups,
		    &n) == -1)
			goto nomem;
		spec->ngroups = (size_t)n;
	} else {
		if ((spec->groups = calloc(1, sizeof *spec->groups)) == NULL)
			goto nomem;
		spec->groups[0] = spec->gid;
		spec->ngroups = 1;
	}
	return 0;
nomem:
	snprintf(err, errlen, "%s.user: out of memory", key);
	return -1;
}

/*
 * Go programs, RoadRunner among them, raise the soft limit on open files
 * to the hard one, since the soft default (1024 under systemd) is far
 * below what a server may need; the workers get the old limit back, as
 * Go's children do.  Then the pool must fit, or rr would start and fail
 * to spawn forever: 3 fds a worker, for every slot (twice the pool while
 * a reset replaces it), on_init's and one spawn's, plus RR_FDS.
 */
int
launch_fd_limit(const struct config *cfg, size_t nslots, struct rlimit *old,
    bool *raised, char *err, size_t errlen)
{
	uint64_t need = 3 * ((uint64_t)nslots + 2) + RR_FDS +
	    (cfg->rpc.set ? cfg->rpc.max_connections : 0);
	struct rlimit rl;

	*raised = false;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 0;
	*old = rl;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
			*raised = true;
		else
			rl = *old;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return 0;
	snprintf(err, errlen, "%s: ticker.pool.num_workers: %u workers need "
	    "%llu open files (3 a worker, for twice the pool while a reset "
	    "replaces it, %d for rr and one per RPC connection), but the "
	    "limit is %llu: raise it (ulimit -n; LimitNOFILE= under systemd) "
	    "or use fewer workers",
	    launch_where(cfg, &cfg->ticker.pool.num_workers),
	    cfg->ticker.pool.num_workers, (unsigned long long)need, RR_FDS,
	    (unsigned long long)rl.rlim_cur);
	return -1;
}


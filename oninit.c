/*
 * oninit: see oninit.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "launch.h"
#include "log.h"
#include "oninit.h"

int
on_init_setup(struct on_init *o, const struct config *cfg,
    const struct rlimit *nofile, char *err, size_t errlen)
{
	const struct on_init_config *oi = &cfg->server.on_init;

	memset(o, 0, sizeof *o);
	o->w.fd_in = o->w.fd_out = o->w.fd_err = -1;
	if (!oi->set)
		return 0;
	o->cfg = oi;
	o->spec.argv = oi->command.argv;
	o->spec.log_name = "on_init";
	o->spec.plain = true;
	if ((o->env = launch_plain_env(&oi->env)) == NULL) {
		snprintf(err, errlen, "server.on_init: %s", strerror(errno));
		return -1;
	}
	o->spec.envp = o->env;
	o->spec.nofile = nofile;
	return launch_ids(&o->spec, cfg, &oi->user, NULL, "server.on_init",
	    err, errlen);
}

void
on_init_free(struct on_init *o)
{
	worker_free(&o->w);
	launch_env_free(o->env);
	free(o->spec.groups);
	memset(o, 0, sizeof *o);
	o->w.fd_in = o->w.fd_out = o->w.fd_err = -1;
}

int
on_init_start(struct on_init *o, int epfd, pid_t rr_pid, int64_t now)
{
	if (worker_spawn(&o->w, &o->spec, epfd, rr_pid) == -1) {
		log_error("pool", "cannot run on_init",
		    LF_STR("error", strerror(errno)));
		return -1;
	}
	log_info("pool", "on_init started", LF_INT("pid", o->w.pid));
	o->w.deadline = now + o->cfg->exec_timeout;
	return 0;
}

bool
on_init_running(const struct on_init *o)
{
	return o->w.pid > 0;
}

bool
on_init_exited(struct on_init *o, int status)
{
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	char signame[16];
	struct log_field how = worker_exit_field(status, signame,
	    sizeof signame);

	worker_signal(&o->w, SIGKILL);	/* whatever it left running */
	worker_release(&o->w);
	if (ok)
		log_info("pool", "on_init done", LF_INT("pid", o->w.pid));
	else
		LOG(o->cfg->exit_on_error ? LOG_LEVEL_ERROR : LOG_LEVEL_WARN,
		    "pool", "on_init failed", LF_INT("pid", o->w.pid), how,
		    LF_STR("exit_on_error", o->cfg->exit_on_error ? "true" :
		    "false"));
	o->w.pid = 0;
	o->w.deadline = 0;
	return ok;
}

void
on_init_expired(struct on_init *o, bool stopping)
{
	log_error("pool", "on_init killed", LF_INT("pid", o->w.pid),
	    LF_STR("reason", stopping ? "shutdown" : "exec_timeout"),
	    LF_INT("exec_timeout_ms", o->cfg->exec_timeout / MS_NS));
	worker_signal(&o->w, SIGKILL);
	o->w.deadline = 0;
}

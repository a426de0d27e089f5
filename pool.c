/*
 * pool: see pool.h.  Every state change goes through transition(); every
 * decision to spawn goes through heal(), which tops the pool up to `want`
 * live workers unless back-off or shutdown says no.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pool.h"

#define MAX_PAYLOAD	(64u << 20)	/* a reply larger than this is a bad frame */
#define YOUNG		(5 * SEC_NS)	/* dying sooner counts towards back-off */
#define BACKOFF_FIRST	(100 * MS_NS)
#define BACKOFF_MAX	(5 * SEC_NS)
#define TERM_GRACE	SEC_NS		/* between SIGTERM and SIGKILL */

extern char **environ;

static const char *const why_names[WHY_NREASONS] = {
	[WHY_NONE] = "none", [WHY_CRASH] = "crash",
	[WHY_BAD_FRAME] = "bad_frame", [WHY_HANDSHAKE] = "handshake",
	[WHY_MAX_JOBS] = "max_jobs", [WHY_REPLACE] = "replace_request",
	[WHY_RESET] = "reset", [WHY_DEBUG] = "debug",
	[WHY_SHUTDOWN] = "shutdown", [WHY_TTL] = "ttl",
	[WHY_IDLE_TTL] = "idle_ttl", [WHY_MEMORY] = "memory",
	[WHY_EXEC_TTL] = "exec_ttl",
};

static const char *const outcome_names[EXEC_NOUTCOMES] = {
	[EXEC_OK] = "ok", [EXEC_SOFT_ERROR] = "soft_error",
	[EXEC_CRASH] = "crash", [EXEC_KILLED] = "killed",
	[EXEC_BAD_FRAME] = "bad_frame", [EXEC_EXEC_TTL] = "exec_ttl",
	[EXEC_REPLACED] = "replaced",
};

/* The only state changes there are; anything else is a bug in rr. */
#define T(s)	(1u << (s))
static const unsigned allowed[W_NSTATES] = {
	[W_FREE] = T(W_STARTING),
	[W_STARTING] = T(W_READY) | T(W_WORKING) | T(W_STOPPING) | T(W_DYING) |
	    T(W_FREE),
	[W_READY] = T(W_WORKING) | T(W_STOPPING) | T(W_DYING) | T(W_FREE),
	[W_WORKING] = T(W_READY) | T(W_STOPPING) | T(W_DYING) | T(W_FREE),
	[W_STOPPING] = T(W_DYING) | T(W_FREE),
	[W_DYING] = T(W_FREE),
};

const char *
pool_why_name(enum worker_why why)
{
	return why_names[why];
}

const char *
pool_outcome_name(enum exec_outcome o)
{
	return outcome_names[o];
}

static void
set_deadline(struct pool *p, struct worker *w, int64_t at)
{
	w->deadline = at;
	if (at != 0 && at < p->next_deadline)
		p->next_deadline = at;
}

/* Keep the idle stack in step with W_READY; nothing else touches it. */
static void
transition(struct pool *p, struct worker *w, enum worker_state to, int64_t now)
{
	size_t i;

	if (!(allowed[w->state] & T(to))) {
		log_error("pool", "bug: impossible worker transition",
		    LF_INT("pid", w->pid), LF_INT("from", w->state),
		    LF_INT("to", to));
		abort();
	}
	if (w->state == W_READY) {
		for (i = p->nidle; i-- > 0;)
			if (p->idle[i] == w) {
				p->idle[i] = p->idle[--p->nidle];
				break;
			}
	}
	if (to == W_READY) {
		p->idle[p->nidle++] = w;
		w->idle_since = now;
	}
	if (to == W_WORKING)
		w->busy_since = now;
	w->prev = w->state;
	w->state = to;
}

static void
finish(struct pool *p, struct worker *w, enum exec_outcome o,
    const struct goridge_frame *f, int64_t now)
{
	struct exec_result r = {
		.outcome = o, .tag = w->tag, .pid = w->pid,
		.started = w->busy_since, .finished = now,
	};

	if (!w->has_job)
		return;
	w->has_job = false;
	if (f != NULL) {
		/* error frames carry no options: all of it is the message */
		r.ctx_len = f->noptions == 1 && f->options[0] <= f->len ?
		    f->options[0] : 0;
		r.ctx = f->payload;
		r.body = f->payload + r.ctx_len;
		r.body_len = f->len - r.ctx_len;
	}
	p->done(p->done_arg, &r);
}

static void
kill_worker(struct pool *p, struct worker *w, enum worker_why why,
    enum exec_outcome o, int64_t now)
{
	worker_signal(w, SIGKILL);
	w->killed = why;
	set_deadline(p, w, 0);
	transition(p, w, W_DYING, now);
	log_warn("pool", "worker killed", LF_INT("pid", w->pid),
	    LF_STR("reason", why_names[why]));
	finish(p, w, o, NULL, now);
}

static void
stop_worker(struct pool *p, struct worker *w, int64_t now)
{
	int64_t at = now + p->cfg.destroy_timeout;

	if (p->stopping && p->stop_deadline < at)
		at = p->stop_deadline;
	if (w->retire == WHY_NONE)
		w->retire = WHY_SHUTDOWN;
	transition(p, w, W_STOPPING, now);
	w->term_sent = false;
	set_deadline(p, w, at);
	log_debug("pool", "worker stopping", LF_INT("pid", w->pid),
	    LF_STR("reason", why_names[w->retire]));
	if (worker_send_control(w, "{\"stop\":true}") == -1)
		kill_worker(p, w, w->retire, EXEC_KILLED, now);
}

static void
spawn(struct pool *p, struct worker *w, int64_t now)
{
	w->jobs = 0;
	w->has_job = false;
	w->retire = w->killed = WHY_NONE;
	w->term_sent = false;
	w->spawned_at = w->idle_since = now;
	w->deadline = 0;
	if (worker_spawn(w, &p->spec, p->epfd, p->rr_pid) == -1) {
		log_error("pool", "cannot spawn a worker",
		    LF_STR("error", strerror(errno)));
		if (w->pid > 0) {	/* forked, then failed: reap it later */
			transition(p, w, W_STARTING, now);
			w->killed = WHY_CRASH;
			transition(p, w, W_DYING, now);
		}
		p->spawn_at = now + BACKOFF_FIRST;
		if (p->spawn_at < p->next_deadline)
			p->next_deadline = p->spawn_at;
		return;
	}
	p->spawned++;
	transition(p, w, W_STARTING, now);
	set_deadline(p, w, now + p->relay_timeout);
	log_info("pool", "worker spawned", LF_INT("pid", w->pid));
}

static struct worker *
free_slot(struct pool *p)
{
	size_t i;

	for (i = 0; i < p->nslots; i++)
		if (p->slots[i].state == W_FREE)
			return &p->slots[i];
	return NULL;
}

static unsigned
live(const struct pool *p)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < p->nslots; i++) {
		const struct worker *w = &p->slots[i];

		if (w->retire == WHY_NONE && (w->state == W_STARTING ||
		    w->state == W_READY || w->state == W_WORKING))
			n++;
	}
	return n;
}

/* Top the pool up to `want` live workers, unless it must wait. */
static void
heal(struct pool *p, int64_t now)
{
	struct worker *w;
	unsigned n;

	if (p->stopping)
		return;
	if (now < p->spawn_at) {
		if (p->spawn_at < p->next_deadline)
			p->next_deadline = p->spawn_at;
		return;
	}
	for (n = live(p); n < p->want && (w = free_slot(p)) != NULL; n++)
		spawn(p, w, now);
}

/* A worker died of its own accord: young deaths in a row slow respawns. */
static void
note_failure(struct pool *p, struct worker *w, int64_t now)
{
	int64_t delay;

	if (now - w->spawned_at >= YOUNG) {
		p->failures = 0;
		return;
	}
	p->failures++;
	delay = BACKOFF_FIRST;
	for (unsigned i = 1; i < p->failures && delay < BACKOFF_MAX; i++)
		delay *= 2;
	if (delay > BACKOFF_MAX)
		delay = BACKOFF_MAX;
	p->spawn_at = now + delay;
	log_warn("pool", "restart back-off", LF_INT("delay_ms", delay / MS_NS),
	    LF_INT("failures", p->failures));
}

/* A worker is done with its payload, or with its handshake. */
static void
become_idle(struct pool *p, struct worker *w, int64_t now)
{
	if (w->has_job) {	/* debug mode: its payload waited for this */
		transition(p, w, W_WORKING, now);
		if (worker_flush(w) == -1)
			kill_worker(p, w, WHY_CRASH, EXEC_CRASH, now);
		return;
	}
	if (p->stopping || w->retire != WHY_NONE) {
		stop_worker(p, w, now);
		heal(p, now);
		return;
	}
	transition(p, w, W_READY, now);
}

static long
parse_pid(const struct goridge_frame *f)
{
	const char *s = (const char *)f->payload, *end = s + f->len;
	const char *key = "\"pid\"";
	size_t klen = strlen(key);
	long pid = 0;

	for (; s + klen <= end && memcmp(s, key, klen) != 0; s++)
		;
	for (s += klen; s < end && (*s == ' ' || *s == ':'); s++)
		;
	for (; s < end && *s >= '0' && *s <= '9' && pid < 1L << 30; s++)
		pid = pid * 10 + (*s - '0');
	return pid;
}

static bool
handshake(struct pool *p, struct worker *w, const struct goridge_frame *f,
    int64_t now)
{
	if (!(f->flags & GR_CONTROL) || parse_pid(f) <= 0) {
		log_error("pool", "bad handshake from worker",
		    LF_INT("pid", w->pid),
		    LF_BYTES("bytes", f->payload, f->len < 200 ? f->len : 200));
		kill_worker(p, w, WHY_HANDSHAKE, EXEC_KILLED, now);
		return false;
	}
	w->ready_at = now;
	set_deadline(p, w, 0);
	log_info("pool", "worker ready", LF_INT("pid", w->pid),
	    LF_INT("handshake_us", (now - w->spawned_at) / 1000));
	become_idle(p, w, now);
	return true;
}

static bool
is_stop_request(const struct goridge_frame *f)
{
	static const char stop[] = "{\"stop\":true}";

	return f->options[0] == sizeof stop - 1 && f->len == sizeof stop - 1 &&
	    memcmp(f->payload, stop, sizeof stop - 1) == 0;
}

static void
done_with_job(struct pool *p, struct worker *w, int64_t now)
{
	w->jobs++;
	set_deadline(p, w, 0);
	if (p->cfg.max_jobs != 0 && w->jobs >= p->cfg.max_jobs &&
	    w->retire == WHY_NONE)
		w->retire = WHY_MAX_JOBS;
	if (p->cfg.debug)
		w->retire = WHY_DEBUG;
	become_idle(p, w, now);
}

static bool
reply(struct pool *p, struct worker *w, const struct goridge_frame *f,
    int64_t now)
{
	const char *why = NULL;

	if (f->flags & GR_CONTROL)
		why = "control frame instead of a reply";
	else if (f->flags & GR_ERROR) {
		log_error("pool", "worker error", LF_INT("pid", w->pid),
		    LF_BYTES("message", f->payload, f->len));
		finish(p, w, EXEC_SOFT_ERROR, f, now);
		done_with_job(p, w, now);
		return true;
	} else if (f->noptions != 1)
		why = "reply without its one option (context length)";
	else if (f->options[0] > f->len)
		why = "context length beyond the payload";
	if (why != NULL) {
		log_error("pool", "bad frame from worker", LF_INT("pid", w->pid),
		    LF_STR("error", why));
		kill_worker(p, w, WHY_BAD_FRAME, EXEC_BAD_FRAME, now);
		return false;
	}
	if (is_stop_request(f)) {
		log_info("pool", "worker asked to be replaced",
		    LF_INT("pid", w->pid));
		w->retire = WHY_REPLACE;
		finish(p, w, EXEC_REPLACED, f, now);
	} else
		finish(p, w, EXEC_OK, f, now);
	done_with_job(p, w, now);
	return true;
}

/* Returns false when the worker was killed and must not be read on. */
static bool
on_frame(struct pool *p, struct worker *w, const struct goridge_frame *f,
    int64_t now)
{
	switch (w->state) {
	case W_STARTING:
		return handshake(p, w, f, now);
	case W_WORKING:
		return reply(p, w, f, now);
	case W_READY:
		log_error("pool", "bad frame from worker", LF_INT("pid", w->pid),
		    LF_STR("error", "frame while idle"));
		kill_worker(p, w, WHY_BAD_FRAME, EXEC_BAD_FRAME, now);
		return false;
	default:		/* on its way out: whatever it says is moot */
		return true;
	}
}

static void
read_frames(struct pool *p, struct worker *w, int64_t now)
{
	struct goridge_frame f;

	for (;;) {
		switch (worker_read(w, &f)) {
		case WI_AGAIN:
			return;
		case WI_FRAME:
			if (!on_frame(p, w, &f, now))
				return;
			break;
		case WI_EOF:
			/* exiting, or closed stdout and went on: make sure it
			 * goes; its exit is reported when it is reaped */
			if (w->state != W_STOPPING && w->state != W_DYING) {
				worker_signal(w, SIGKILL);
				set_deadline(p, w, 0);
				transition(p, w, W_DYING, now);
			}
			return;
		case WI_BAD:
			log_error("pool", "bad frame from worker",
			    LF_INT("pid", w->pid),
			    LF_STR("error", goridge_strstatus(w->dec.failed)),
			    LF_TEXT("bytes", w->dec.shown));
			if (w->state != W_DYING)
				kill_worker(p, w, WHY_BAD_FRAME, EXEC_BAD_FRAME,
				    now);
			return;
		}
	}
}

void
pool_on_io(struct pool *p, void *ptr, uint32_t events, int64_t now)
{
	struct worker_fd *wf = ptr;
	struct worker *w = wf->w;

	(void)events;
	/* an event from the same epoll_wait batch may outlive its worker;
	 * if the slot was reused, a non-blocking read costs nothing */
	if (w->state == W_FREE)
		return;
	switch (wf->kind) {
	case WFD_ERR:
		worker_read_stderr(w);
		break;
	case WFD_OUT:
		read_frames(p, w, now);
		break;
	case WFD_IN:
		if (worker_flush(w) == -1 && w->state != W_DYING)
			kill_worker(p, w, WHY_CRASH, EXEC_CRASH, now);
		break;
	}
}

pid_t
pool_exec(struct pool *p, uint8_t flags, const void *ctx, uint32_t ctx_len,
    const void *body, uint32_t body_len, uint64_t tag, int64_t now)
{
	struct worker *w;

	if (p->stopping) {
		errno = ESHUTDOWN;
		return -1;
	}
	if (p->cfg.debug) {
		if (pool_processes(p) >= p->cfg.num_workers ||
		    (w = free_slot(p)) == NULL || now < p->spawn_at) {
			errno = EBUSY;
			return -1;
		}
		spawn(p, w, now);
		if (w->state != W_STARTING) {
			errno = EBUSY;
			return -1;
		}
		w->hold = true;
	} else {
		while (p->nidle > 0) {
			w = p->idle[p->nidle - 1];
			transition(p, w, W_WORKING, now);
			if (worker_send(w, flags, ctx, ctx_len, body,
			    body_len) == 0)
				goto sent;
			kill_worker(p, w, WHY_CRASH, EXEC_CRASH, now);
		}
		errno = EBUSY;
		return -1;
	}
	if (worker_send(w, flags, ctx, ctx_len, body, body_len) == -1) {
		kill_worker(p, w, WHY_CRASH, EXEC_CRASH, now);
		errno = EBUSY;
		return -1;
	}
sent:
	w->has_job = true;
	w->tag = tag;
	return w->pid;
}

/* status=N or signal=NAME, the way the log shows how a worker ended */
static struct log_field
exit_field(int status, char *buf, size_t len)
{
	const char *name;

	if (WIFSIGNALED(status)) {
		name = sigabbrev_np(WTERMSIG(status));
		snprintf(buf, len, "%s", name ? name : "?");
		return LF_STR("signal", buf);
	}
	return LF_INT("status", WEXITSTATUS(status));
}

bool
pool_on_exit(struct pool *p, pid_t pid, int status, int64_t now)
{
	struct worker *w = NULL;
	enum worker_why why;
	char signame[16], msg[96];
	struct log_field how;
	size_t i;

	for (i = 0; i < p->nslots && w == NULL; i++)
		if (p->slots[i].pid == pid && p->slots[i].state != W_FREE)
			w = &p->slots[i];
	if (w == NULL)
		return false;
	/* the leader is a zombie, so its group id can't be reused yet:
	 * whatever it left behind in its group goes with it */
	worker_signal(w, SIGKILL);
	worker_release(w);
	how = exit_field(status, signame, sizeof signame);
	why = w->killed != WHY_NONE ? w->killed : w->retire;
	/* a worker that hung up on its own died in the state it was in */
	switch (w->state == W_DYING && w->killed == WHY_NONE ? w->prev :
	    w->state) {
	case W_STARTING:
		if (WIFSIGNALED(status))
			snprintf(msg, sizeof msg, "worker killed by SIG%s before "
			    "the handshake", signame);
		else
			snprintf(msg, sizeof msg, "worker exited with status %d "
			    "before the handshake", WEXITSTATUS(status));
		log_error("pool", msg, LF_INT("pid", pid),
		    LF_BYTES("stderr", w->tail, w->tail_len));
		why = WHY_CRASH;
		break;
	case W_STOPPING:
		log_info("pool", "worker stopped", LF_INT("pid", pid),
		    LF_STR("reason", why_names[why]), how);
		break;
	case W_DYING:
		log_info("pool", "worker reaped", LF_INT("pid", pid),
		    LF_STR("reason", why_names[why]), how);
		break;
	default:
		log_error("pool", "worker exited", LF_INT("pid", pid),
		    how, LF_STR("during",
		    w->has_job ? "exec" : "idle"));
		why = WHY_CRASH;
	}
	finish(p, w, EXEC_CRASH, NULL, now);
	p->left[why]++;
	set_deadline(p, w, 0);
	transition(p, w, W_FREE, now);
	w->pid = 0;
	if (why == WHY_CRASH || why == WHY_BAD_FRAME || why == WHY_HANDSHAKE)
		note_failure(p, w, now);
	heal(p, now);
	return true;
}

int64_t
pool_next_deadline(const struct pool *p)
{
	return p->next_deadline;
}

static void
expire(struct pool *p, struct worker *w, int64_t now)
{
	w->deadline = 0;
	switch (w->state) {
	case W_STARTING:
		log_error("pool", "handshake timeout", LF_INT("pid", w->pid),
		    LF_INT("timeout_ms", p->relay_timeout / MS_NS));
		kill_worker(p, w, WHY_HANDSHAKE, EXEC_KILLED, now);
		break;
	case W_WORKING:
		/* reset_timeout or the grace period ran out; a busy worker
		 * won't read the stop frame, so signals follow at once */
		stop_worker(p, w, now);
		finish(p, w, EXEC_KILLED, NULL, now);
		/* FALLTHROUGH */
	case W_STOPPING:
		if (!w->term_sent) {
			log_warn("pool", "worker did not stop in time, SIGTERM",
			    LF_INT("pid", w->pid));
			worker_signal(w, SIGTERM);
			w->term_sent = true;
			p->forced++;
			set_deadline(p, w, now + TERM_GRACE);
		} else
			kill_worker(p, w, w->retire, EXEC_KILLED, now);
		break;
	default:
		break;
	}
}

void
pool_on_deadline(struct pool *p, int64_t now)
{
	size_t i;

	if (now < p->next_deadline)
		return;
	p->next_deadline = INT64_MAX;
	for (i = 0; i < p->nslots; i++) {
		struct worker *w = &p->slots[i];

		if (w->deadline != 0 && w->deadline <= now)
			expire(p, w, now);
		if (w->deadline != 0 && w->deadline < p->next_deadline)
			p->next_deadline = w->deadline;
	}
	heal(p, now);
}

void
pool_reset(struct pool *p, int64_t now)
{
	size_t i;

	for (i = 0; i < p->nslots; i++) {
		struct worker *w = &p->slots[i];

		if (w->retire != WHY_NONE)
			continue;
		if (w->state == W_STARTING || w->state == W_READY) {
			w->retire = WHY_RESET;
			stop_worker(p, w, now);
		} else if (w->state == W_WORKING) {
			w->retire = WHY_RESET;
			set_deadline(p, w, now + p->cfg.reset_timeout);
		}
	}
	heal(p, now);
}

void
pool_stop(struct pool *p, int64_t now, int64_t deadline)
{
	size_t i;

	p->stopping = true;
	p->stop_deadline = deadline;
	for (i = 0; i < p->nslots; i++) {
		struct worker *w = &p->slots[i];

		if (w->state == W_STARTING || w->state == W_READY)
			stop_worker(p, w, now);
		else if ((w->state == W_WORKING || w->state == W_STOPPING) &&
		    (w->deadline == 0 || w->deadline > deadline))
			set_deadline(p, w, deadline);
	}
}

void
pool_kill(struct pool *p)
{
	size_t i;

	for (i = 0; i < p->nslots; i++)
		if (p->slots[i].state != W_FREE)
			worker_signal(&p->slots[i], SIGKILL);
}

unsigned
pool_idle(const struct pool *p)
{
	return (unsigned)p->nidle;
}

unsigned
pool_processes(const struct pool *p)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < p->nslots; i++)
		if (p->slots[i].state != W_FREE)
			n++;
	return n;
}

/* Replace KEY's entry or append "KEY=VALUE"; later settings win, as in Go. */
static int
env_set(struct pool *p, size_t *n, const char *key, const char *value)
{
	size_t klen = strlen(key), i;
	char *kv;

	if (asprintf(&kv, "%s=%s", key, value) == -1)
		return -1;
	for (i = 0; i < *n; i++)
		if (strncmp(p->env[i], kv, klen + 1) == 0) {
			free(p->env[i]);
			p->env[i] = kv;
			return 0;
		}
	p->env[(*n)++] = kv;
	return 0;
}

/* rr's environment, then RoadRunner's additions in RoadRunner's order. */
static int
build_env(struct pool *p, const struct config *cfg, const char *mode)
{
	size_t n = 0, max, i;
	char key[256];
	const char *eq;

	for (max = 0; environ[max] != NULL; max++)
		;
	max += cfg->server.env.n + 5;
	if ((p->env = calloc(max, sizeof *p->env)) == NULL)
		return -1;
	for (i = 0; environ[i] != NULL; i++) {
		if ((eq = strchr(environ[i], '=')) == NULL ||
		    (size_t)(eq - environ[i]) >= sizeof key)
			continue;
		memcpy(key, environ[i], (size_t)(eq - environ[i]));
		key[eq - environ[i]] = '\0';
		if (env_set(p, &n, key, eq + 1) == -1)
			return -1;
	}
	if (env_set(p, &n, "RR_RELAY", cfg->server.relay) == -1 ||
	    (cfg->rpc_listen != NULL &&
	    env_set(p, &n, "RR_RPC", cfg->rpc_listen) == -1))
		return -1;
	for (i = 0; i < cfg->server.env.n; i++) {
		const char *kv = cfg->server.env.vars[i];

		if ((eq = strchr(kv, '=')) == NULL ||
		    (size_t)(eq - kv) >= sizeof key)
			continue;
		memcpy(key, kv, (size_t)(eq - kv));
		key[eq - kv] = '\0';
		if (env_set(p, &n, key, eq + 1) == -1)
			return -1;
	}
	if (env_set(p, &n, "RR_VERSION", RR_VERSION) == -1 ||
	    env_set(p, &n, "RR_MODE", mode) == -1)
		return -1;
	p->spec.envp = p->env;
	return 0;
}

/* server.user and server.group, resolved once: the child only calls
 * setgroups/setgid/setuid. */
static int
resolve_ids(struct pool *p, const struct server_config *sc, char *err,
    size_t errlen)
{
	struct passwd *pw = NULL;
	struct group *gr;
	int n = 0;

	if (sc->user == NULL && sc->group == NULL)
		return 0;
	if (geteuid() != 0) {
		snprintf(err, errlen, "server.%s: switching to another user "
		    "needs rr to run as root (it runs as uid %ld)",
		    sc->user ? "user" : "group", (long)geteuid());
		return -1;
	}
	p->spec.set_ids = true;
	p->spec.uid = 0;
	p->spec.gid = 0;
	if (sc->user != NULL) {
		if ((pw = getpwnam(sc->user)) == NULL) {
			snprintf(err, errlen, "server.user: no user \"%s\"",
			    sc->user);
			return -1;
		}
		p->spec.uid = pw->pw_uid;
		p->spec.gid = pw->pw_gid;
	}
	if (sc->group != NULL) {
		if ((gr = getgrnam(sc->group)) == NULL) {
			snprintf(err, errlen, "server.group: no group \"%s\"",
			    sc->group);
			return -1;
		}
		p->spec.gid = gr->gr_gid;
	}
	if (pw != NULL) {
		getgrouplist(pw->pw_name, p->spec.gid, NULL, &n);
		if ((p->spec.groups = calloc((size_t)n + 1,
		    sizeof *p->spec.groups)) == NULL ||
		    getgrouplist(pw->pw_name, p->spec.gid, p->spec.groups,
		    &n) == -1)
			goto nomem;
		p->spec.ngroups = (size_t)n;
	} else {
		if ((p->spec.groups = calloc(1, sizeof *p->spec.groups)) ==
		    NULL)
			goto nomem;
		p->spec.groups[0] = p->spec.gid;
		p->spec.ngroups = 1;
	}
	return 0;
nomem:
	snprintf(err, errlen, "server.user: out of memory");
	return -1;
}

int
pool_init(struct pool *p, const struct config *cfg, const char *mode, int epfd,
    exec_done_fn *done, void *arg, char *err, size_t errlen)
{
	size_t i;

	memset(p, 0, sizeof *p);
	p->cfg = cfg->ticker.pool;
	p->relay_timeout = cfg->server.relay_timeout;
	p->epfd = epfd;
	p->rr_pid = getpid();
	p->done = done;
	p->done_arg = arg;
	p->want = p->cfg.debug ? 0 : p->cfg.num_workers;
	p->next_deadline = INT64_MAX;
	p->spec.argv = cfg->server.command.argv;
	p->spec.max_payload = MAX_PAYLOAD;
	/* room for every worker plus a replacement for each while it stops */
	p->nslots = 2 * (size_t)p->cfg.num_workers + 1;
	if ((p->slots = calloc(p->nslots, sizeof *p->slots)) == NULL ||
	    (p->idle = calloc(p->nslots, sizeof *p->idle)) == NULL ||
	    build_env(p, cfg, mode) == -1) {
		snprintf(err, errlen, "pool: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < p->nslots; i++)
		p->slots[i].fd_in = p->slots[i].fd_out = p->slots[i].fd_err = -1;
	return resolve_ids(p, &cfg->server, err, errlen);
}

void
pool_free(struct pool *p)
{
	size_t i;

	for (i = 0; p->slots != NULL && i < p->nslots; i++)
		worker_free(&p->slots[i]);
	for (i = 0; p->env != NULL && p->env[i] != NULL; i++)
		free(p->env[i]);
	free(p->env);
	free(p->slots);
	free(p->idle);
	free(p->spec.groups);
	memset(p, 0, sizeof *p);
}

void
pool_start(struct pool *p, int64_t now)
{
	heal(p, now);
}

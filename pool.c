/*
 * pool: see pool.h.  Every state change goes through transition(); every
 * decision to spawn goes through heal(), which tops the pool up to `want`
 * live workers unless back-off or shutdown says no, one at a time until a
 * worker is up.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "oninit.h"
#include "pool.h"
#include "launch.h"

#define MAX_PAYLOAD	(64u << 20)	/* a reply larger than this is a bad frame */
#define PROVEN		(5 * SEC_NS)	/* or a payload done: see note_failure() */
#define BACKOFF_FIRST	(100 * MS_NS)
#define BACKOFF_MAX	(5 * SEC_NS)
#define TERM_GRACE	SEC_NS		/* between SIGTERM and SIGKILL */
#define EOF_GRACE	SEC_NS		/* stdout closed, yet still running */
#define POLL_FOR	(50 * MS_NS / 1000)	/* 50 us, see pool_poll_ns() */
#define POLL_RECENT	MS_NS
#define SAMPLE_EVERY	SEC_NS	/* see pool_sample() */

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

/* Keep the earlier of the worker's deadline and at. */
static void
tighten_deadline(struct pool *p, struct worker *w, int64_t at)
{
	if (w->deadline == 0 || at < w->deadline)
		set_deadline(p, w, at);
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
		/* in order, so the stack stays warmest on top; the one taken
		 * is nearly always the top, which moves nothing */
		for (i = p->nidle; i-- > 0;)
			if (p->idle[i] == w) {
				memmove(p->idle + i, p->idle + i + 1,
				    (--p->nidle - i) * sizeof *p->idle);
				break;
			}
	}
	if (to == W_READY) {
		/* warm first: a worker that has run goes on top, a fresh one
		 * at the bottom, or each newcomer would take the ticks and
		 * leave the one before it idle, for idle_ttl to replace */
		if (w->jobs > 0)
			p->idle[p->nidle] = w;
		else {
			memmove(p->idle + 1, p->idle, p->nidle * sizeof *p->idle);
			p->idle[0] = w;
		}
		p->nidle++;
		w->idle_since = now;
	}
	if (w->state == W_WORKING)
		p->nbusy--;
	if (to == W_WORKING) {
		p->nbusy++;
		w->busy_since = now;
		if (p->cfg.supervisor.exec_ttl != 0)
			set_deadline(p, w, now + p->cfg.supervisor.exec_ttl);
	}
	w->prev = w->state;
	w->state = to;
}

/* Take the payload's outcome off the worker; false when it had none. */
static bool
take_result(struct worker *w, enum exec_outcome o,
    const struct goridge_frame *f, int64_t now, struct exec_result *r)
{
	if (!w->has_job)
		return false;
	w->has_job = false;
	*r = (struct exec_result){
		.outcome = o, .tag = w->tag, .pid = w->pid,
		.started = w->busy_since, .finished = now,
	};
	if (f != NULL) {
		/* error frames carry no options: all of it is the message */
		r->ctx_len = f->noptions == 1 && f->options[0] <= f->len ?
		    f->options[0] : 0;
		r->ctx = f->payload;
		r->body = f->payload + r->ctx_len;
		r->body_len = f->len - r->ctx_len;
	}
	return true;
}

static void
finish(struct pool *p, struct worker *w, enum exec_outcome o,
    const struct goridge_frame *f, int64_t now)
{
	struct exec_result r;

	if (take_result(w, o, f, now, &r))
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

	if (p->stopping && p->stop_deadline - p->term_window < at)
		at = p->stop_deadline - p->term_window;
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

/*
 * Something failed to start: each failure in a row doubles the delay
 * before the next spawn, up to BACKOFF_MAX.
 */
static void
back_off(struct pool *p, int64_t now)
{
	int64_t delay = BACKOFF_FIRST;

	p->failures++;
	for (unsigned i = 1; i < p->failures && delay < BACKOFF_MAX; i++)
		delay *= 2;
	if (delay > BACKOFF_MAX)
		delay = BACKOFF_MAX;
	p->spawn_at = now + delay;
	if (p->spawn_at < p->next_deadline)
		p->next_deadline = p->spawn_at;
	log_warn("pool", "restart back-off", LF_INT("delay_ms", delay / MS_NS),
	    LF_INT("failures", p->failures));
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
	w->own_rss = w->cpu_ticks = 0;	/* the slot's last process's */
	if (worker_spawn(w, &p->spec, p->epfd, p->rr_pid) == -1) {
		log_error("pool", "cannot spawn a worker",
		    LF_STR("error", strerror(errno)));
		if (w->pid > 0) {	/* forked, then failed: its exit counts */
			transition(p, w, W_STARTING, now);
			w->killed = WHY_CRASH;
			transition(p, w, W_DYING, now);
		} else		/* EMFILE, EAGAIN: as a failed start */
			back_off(p, now);
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

/*
 * Top the pool up to `want` live workers, unless it must wait.  While no
 * worker is up, one starts alone: it shows that the command works before
 * the rest are spawned (a broken one then costs one process per back-off
 * step, not a pool's worth), and it has the CPU to itself, so the first
 * payload need not wait until every worker has started.  One spawn per
 * call: each holds the loop until the child has exec'd, so the rest come
 * on the loop's next passes, after whatever arrived meanwhile.
 */
static void
heal(struct pool *p, int64_t now)
{
	unsigned n, want = p->want;
	struct worker *w;

	if (p->stopping || p->initializing || p->failed)
		return;
	if (now < p->spawn_at) {
		if (p->spawn_at < p->next_deadline)
			p->next_deadline = p->spawn_at;
		return;
	}
	if (p->nidle + p->nbusy == 0 && want > 1)
		want = 1;
	if ((n = live(p)) >= want || (w = free_slot(p)) == NULL)
		return;
	spawn(p, w, now);
	if (n + 1 < want && now >= p->spawn_at)	/* not failing */
		p->next_deadline = now;
}

/*
 * A worker died of its own accord.  One that has completed a payload or
 * lived PROVEN shows that the command works: whatever killed it (the OOM
 * killer, an operator, a chaos test) is no reason to wait, so it is
 * replaced at once.  Only deaths before that count towards back-off.
 */
static void
note_failure(struct pool *p, struct worker *w, int64_t now)
{
	if (w->jobs > 0 || now - w->spawned_at >= PROVEN) {
		p->failures = 0;
		p->spawn_at = 0;
		return;
	}
	back_off(p, now);
}

/*
 * Decide that w goes, for why: now when it is idle, after its payload when
 * it is busy.  figure says what tipped it over.  The caller heals the pool
 * afterwards: a replacement spawned here would be met again by a caller
 * walking the slots (a reset would retire it too).
 */
static void
retire(struct pool *p, struct worker *w, enum worker_why why,
    struct log_field figure, int64_t now)
{
	if (w->retire != WHY_NONE)
		return;
	w->retire = why;
	LOG(why == WHY_DEBUG ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO, "pool",
	    "worker replaced", LF_INT("pid", w->pid),
	    LF_STR("reason", why_names[why]), figure,
	    LF_STR("when", w->state == W_WORKING ? "after its payload" :
	    "now"));
	if (w->state == W_READY || w->state == W_STARTING)
		stop_worker(p, w, now);
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

/* The worker answered the pid frame, on its pipe or its relay socket. */
static void
ready(struct pool *p, struct worker *w, int64_t now)
{
	w->ready_at = now;
	set_deadline(p, w, 0);
	log_info("pool", "worker ready", LF_INT("pid", w->pid),
	    LF_INT("handshake_us", (now - w->spawned_at) / 1000));
	become_idle(p, w, now);
	/* the first one up lets the rest start, once the loop has given it
	 * a payload if one is waiting */
	p->next_deadline = now;
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
	ready(p, w, now);
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
	if (p->cfg.debug)
		retire(p, w, WHY_DEBUG, LF_INT("jobs", w->jobs), now);
	else if (p->cfg.max_jobs != 0 && w->jobs >= p->cfg.max_jobs)
		retire(p, w, WHY_MAX_JOBS, LF_INT("jobs", w->jobs), now);
	become_idle(p, w, now);
}

static bool
reply(struct pool *p, struct worker *w, const struct goridge_frame *f,
    int64_t now)
{
	const char *why = NULL;
	enum exec_outcome o = EXEC_OK;
	struct exec_result r;
	bool had_job;

	if (f->flags & GR_CONTROL)
		why = "control frame instead of a reply";
	else if (f->flags & GR_ERROR) {
		log_error("pool", "worker error", LF_INT("pid", w->pid),
		    LF_BYTES("message", f->payload, f->len));
		o = EXEC_SOFT_ERROR;
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
	if (o == EXEC_OK && is_stop_request(f)) {
		retire(p, w, WHY_REPLACE, LF_INT("jobs", w->jobs), now);
		o = EXEC_REPLACED;
	}
	/* the worker is idle again before the caller hears, so the caller
	 * may hand it the next payload at once */
	p->last_reply = now;
	had_job = take_result(w, o, f, now, &r);
	done_with_job(p, w, now);
	if (had_job)
		p->done(p->done_arg, &r);
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

/* Returns whether anything happened: a frame, EOF or a bad frame. */
static bool
read_frames(struct pool *p, struct worker *w, int64_t now)
{
	struct goridge_frame f;
	bool any = false;

	for (;;) {
		switch (worker_read(w, &f)) {
		case WI_AGAIN:
			return any;
		case WI_FRAME:
			any = true;
			if (!on_frame(p, w, &f, now))
				return true;
			break;
		case WI_EOF:
			/* usually it is exiting, and its exit status tells
			 * why; one that closed stdout and went on is killed
			 * when EOF_GRACE is over */
			if (w->state != W_STOPPING && w->state != W_DYING) {
				transition(p, w, W_DYING, now);
				set_deadline(p, w, now + EOF_GRACE);
			}
			return true;
		case WI_BAD:
			if (w->state == W_DYING)	/* said and done */
				return true;
			log_error("pool", "bad frame from worker",
			    LF_INT("pid", w->pid),
			    LF_STR("error", goridge_strstatus(w->dec.failed)),
			    LF_TEXT("bytes", w->dec.shown));
			kill_worker(p, w, WHY_BAD_FRAME, EXEC_BAD_FRAME, now);
			return true;
		}
	}
}

/*
 * A relay connection says it is worker pid: it must be one rr started,
 * still waiting for its handshake, so no one can take a worker's place.
 */
static void
attach(struct pool *p, int fd, pid_t pid, int64_t now)
{
	struct worker *w = NULL;
	size_t i;

	for (i = 0; i < p->nslots && w == NULL; i++)
		if (p->slots[i].pid == pid && p->slots[i].state == W_STARTING &&
		    p->slots[i].fd_out == -1)
			w = &p->slots[i];
	if (w == NULL) {
		log_warn("relay", "relay connection closed: it claims a pid rr "
		    "is not waiting for", LF_INT("pid", pid));
		close(fd);
		return;
	}
	if (worker_attach(w, fd) == -1) {
		kill_worker(p, w, WHY_HANDSHAKE, EXEC_KILLED, now);
		return;
	}
	ready(p, w, now);
}

void
pool_on_io(struct pool *p, void *ptr, uint32_t events, int64_t now)
{
	struct worker_fd *wf = ptr;
	struct worker *w;
	pid_t pid;
	int fd;

	if (relay_owns(&p->relay, ptr)) {
		if (relay_on_io(&p->relay, ptr, now, &fd, &pid) == 1)
			attach(p, fd, pid, now);
		return;
	}
	w = wf->w;
	if (w == &p->init.w) {
		worker_read_stderr(w);
		return;
	}
	/* an event from the same epoll_wait batch may outlive its worker;
	 * if the slot was reused, a non-blocking read costs nothing */
	if (w->state == W_FREE)
		return;
	switch (wf->kind) {
	case WFD_ERR:
		worker_read_stderr(w);
		break;
	case WFD_OUT:
		/* a socket relay is one fd both ways */
		if ((events & EPOLLOUT) && worker_flush(w) == -1 &&
		    w->state != W_DYING) {
			kill_worker(p, w, WHY_CRASH, EXEC_CRASH, now);
			break;
		}
		if (events & ~EPOLLOUT)
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

/* The resident workers start once on_init is over, unless it failed
 * and exit_on_error says rr must not start. */
static void
init_done(struct pool *p, bool ok, int64_t now)
{
	p->initializing = false;
	p->init.w.deadline = 0;
	if (!ok && p->init.cfg->exit_on_error)
		p->failed = true;
	else
		heal(p, now);
}

bool
pool_on_exit(struct pool *p, pid_t pid, int status, int64_t now)
{
	struct worker *w = NULL;
	enum worker_why why;
	char signame[16], msg[96];
	struct log_field how;
	size_t i;

	if (on_init_running(&p->init) && pid == p->init.w.pid) {
		init_done(p, on_init_exited(&p->init, status), now);
		return true;
	}
	for (i = 0; i < p->nslots && w == NULL; i++)
		if (p->slots[i].pid == pid && p->slots[i].state != W_FREE)
			w = &p->slots[i];
	if (w == NULL)
		return false;
	/* the leader is a zombie, so its group id can't be reused yet:
	 * whatever it left behind in its group goes with it */
	worker_signal(w, SIGKILL);
	worker_release(w);
	how = worker_exit_field(status, signame, sizeof signame);
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
		    LF_STR("reason", why_names[WHY_CRASH]), how,
		    LF_STR("during", w->has_job ? "exec" : "idle"));
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

void
pool_reap(struct pool *p, int64_t now)
{
	siginfo_t si;
	int status;

	for (;;) {
		memset(&si, 0, sizeof si);
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == -1 ||
		    si.si_pid == 0)
			return;
		if (si.si_code == CLD_EXITED)
			status = W_EXITCODE(si.si_status, 0);
		else
			status = W_EXITCODE(0, si.si_status) |
			    (si.si_code == CLD_DUMPED ? WCOREFLAG : 0);
		pool_on_exit(p, si.si_pid, status, now);
		waitpid(si.si_pid, NULL, WNOHANG);
	}
}

int64_t
pool_next_deadline(const struct pool *p)
{
	int64_t r = relay_next_deadline(&p->relay);

	return r < p->next_deadline ? r : p->next_deadline;
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
		if (p->cfg.supervisor.exec_ttl != 0 &&
		    now - w->busy_since >= p->cfg.supervisor.exec_ttl) {
			log_error("pool", "exec_ttl exceeded",
			    LF_INT("pid", w->pid),
			    LF_INT("exec_ms", (now - w->busy_since) / MS_NS),
			    LF_INT("exec_ttl_ms",
			    p->cfg.supervisor.exec_ttl / MS_NS));
			kill_worker(p, w, WHY_EXEC_TTL, EXEC_EXEC_TTL, now);
			break;
		}
		/* reset_timeout or the grace period ran out; a busy worker
		 * won't read the stop frame, so signals follow at once */
		stop_worker(p, w, now);
		finish(p, w, EXEC_KILLED, NULL, now);
		/* FALLTHROUGH */
	case W_STOPPING:
		if (!w->term_sent) {
			log_warn("pool", "worker did not stop in time, SIGTERM",
			    LF_INT("pid", w->pid),
			    LF_STR("reason", why_names[w->retire]));
			worker_signal(w, SIGTERM);
			w->term_sent = true;
			p->forced += p->stopping;	/* shutdown's exit code */
			set_deadline(p, w, p->stopping &&
			    p->stop_deadline < now + TERM_GRACE ?
			    p->stop_deadline : now + TERM_GRACE);
		} else
			kill_worker(p, w, w->retire, EXEC_KILLED, now);
		break;
	case W_DYING:
		log_warn("pool", "worker closed its stdout but did not exit",
		    LF_INT("pid", w->pid));
		worker_signal(w, SIGKILL);
		w->killed = WHY_CRASH;
		break;
	default:
		break;
	}
}

/* The soft limits, every watch_tick: workers over one go once idle. */
static void
supervise(struct pool *p, int64_t now)
{
	const struct supervisor_config *sv = &p->cfg.supervisor;
	uint64_t limit = sv->max_worker_memory << 20;
	bool measured = limit != 0 &&
	    worker_measure_rss(p->slots, p->nslots) == 0;
	size_t i;

	for (i = 0; i < p->nslots; i++) {
		struct worker *w = &p->slots[i];

		if (w->retire != WHY_NONE ||
		    (w->state != W_READY && w->state != W_WORKING))
			continue;
		if (sv->ttl != 0 && now - w->spawned_at >= sv->ttl)
			retire(p, w, WHY_TTL, LF_INT("age_ms",
			    (now - w->spawned_at) / MS_NS), now);
		/* as RoadRunner: idle means idle since a payload, so the
		 * spare workers that warm-first dispatch leaves cold are not
		 * booted again and again for nothing */
		else if (sv->idle_ttl != 0 && w->state == W_READY &&
		    w->jobs > 0 && now - w->idle_since >= sv->idle_ttl)
			retire(p, w, WHY_IDLE_TTL, LF_INT("idle_ms",
			    (now - w->idle_since) / MS_NS), now);
		else if (measured && w->rss > limit)
			retire(p, w, WHY_MEMORY, LF_INT("rss_mb",
			    (w->rss + (1 << 20) - 1) >> 20), now);
	}
}

void
pool_on_deadline(struct pool *p, int64_t now)
{
	size_t i;

	relay_on_deadline(&p->relay, now);
	if (now < p->next_deadline)
		return;
	if (now >= p->watch_at) {
		supervise(p, now);
		p->watch_at = now + p->cfg.supervisor.watch_tick;
	}
	p->next_deadline = p->watch_at;
	/* over exec_timeout, or rr is stopping and it did not go */
	if (p->initializing && p->init.w.deadline != 0 &&
	    p->init.w.deadline <= now)
		on_init_expired(&p->init, p->stopping);
	if (p->init.w.deadline != 0 && p->init.w.deadline < p->next_deadline)
		p->next_deadline = p->init.w.deadline;
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

		if (w->retire != WHY_NONE || (w->state != W_STARTING &&
		    w->state != W_READY && w->state != W_WORKING))
			continue;
		if (w->state == W_WORKING)
			tighten_deadline(p, w, now + p->cfg.reset_timeout);
		retire(p, w, WHY_RESET, LF_INT("jobs", w->jobs), now);
	}
	heal(p, now);
}

void
pool_stop(struct pool *p, int64_t now, int64_t deadline)
{
	size_t i;

	p->stopping = true;
	p->stop_deadline = deadline;
	/* SIGKILL comes at the deadline, SIGTERM a while before it */
	p->term_window = (deadline - now) / 2 < TERM_GRACE ?
	    (deadline - now) / 2 : TERM_GRACE;
	p->watch_at = INT64_MAX;
	if (p->initializing) {
		worker_signal(&p->init.w, SIGTERM);
		set_deadline(p, &p->init.w, deadline);
	}
	for (i = 0; i < p->nslots; i++) {
		struct worker *w = &p->slots[i];

		if (w->state == W_STARTING || w->state == W_READY)
			stop_worker(p, w, now);
		else if (w->state == W_WORKING || w->state == W_STOPPING)
			tighten_deadline(p, w, w->term_sent ? deadline :
			    deadline - p->term_window);
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

bool
pool_can_exec(const struct pool *p)
{
	return pool_room(p) > 0;
}

unsigned
pool_room(const struct pool *p)
{
	if (p->stopping || p->initializing || p->failed)
		return 0;
	return p->cfg.debug ? UINT_MAX : (unsigned)p->nidle;
}

bool
pool_collect(struct pool *p, int64_t now)
{
	size_t i;

	if (p->nbusy != 1)
		return false;
	for (i = 0; i < p->nslots; i++)
		if (p->slots[i].state == W_WORKING)
			return read_frames(p, &p->slots[i], now);
	return false;
}

int64_t
pool_poll_ns(const struct pool *p, int64_t now)
{
	return p->nbusy > 0 && now - p->last_reply < POLL_RECENT ? POLL_FOR : 0;
}

void
pool_sample(struct pool *p, int64_t now)
{
	size_t i;

	/* a worker new since the last look can't wait for the next */
	for (i = 0; i < p->nslots && now - p->sampled < SAMPLE_EVERY; i++)
		if (p->slots[i].pid > 0 && p->slots[i].state != W_FREE &&
		    p->slots[i].own_rss == 0)
			p->sampled = INT64_MIN / 2;
	if (now - p->sampled < SAMPLE_EVERY)
		return;
	worker_sample(p->slots, p->nslots);
	p->sampled = now;
}

bool
pool_resetting(const struct pool *p)
{
	size_t i;

	for (i = 0; i < p->nslots; i++)
		if (p->slots[i].state != W_FREE &&
		    p->slots[i].retire == WHY_RESET)
			return true;
	return false;
}

unsigned
pool_processes(const struct pool *p)
{
	unsigned n = on_init_running(&p->init);
	size_t i;

	for (i = 0; i < p->nslots; i++)
		if (p->slots[i].state != W_FREE)
			n++;
	return n;
}

/* "WHERE: server.relay: " before a message that says only the latter. */
static void
prefix(char *err, size_t errlen, const char *where)
{
	char msg[CONFIG_ERR_MAX];

	snprintf(msg, sizeof msg, "%s", err);
	snprintf(err, errlen, "%s: server.relay: %s", where, msg);
}

int
pool_init(struct pool *p, const struct config *cfg, const char *mode, int epfd,
    exec_done_fn *done, void *arg, char *err, size_t errlen)
{
	bool raised;
	size_t i;

	memset(p, 0, sizeof *p);
	p->cfg = cfg->ticker.pool;
	p->relay_timeout = cfg->server.relay_timeout;
	p->epfd = epfd;
	p->rr_pid = getpid();
	p->done = done;
	p->done_arg = arg;
	p->want = p->cfg.debug ? 0 : p->cfg.num_workers;
	p->next_deadline = p->watch_at = INT64_MAX;
	p->sampled = INT64_MIN / 2;
	p->spec.argv = cfg->server.command.argv;
	p->spec.max_payload = MAX_PAYLOAD;
	p->spec.log_name = "worker";
	/* room for every worker plus a replacement for each while it stops */
	p->nslots = 2 * (size_t)p->cfg.num_workers + 1;
	if ((p->slots = calloc(p->nslots, sizeof *p->slots)) == NULL ||
	    (p->idle = calloc(p->nslots, sizeof *p->idle)) == NULL ||
	    (p->env = launch_env(cfg, mode)) == NULL) {
		snprintf(err, errlen, "pool: %s", strerror(errno));
		return -1;
	}
	p->spec.envp = p->env;
	for (i = 0; i < p->nslots; i++)
		p->slots[i].fd_in = p->slots[i].fd_out = p->slots[i].fd_err = -1;
	/* on a socket, a worker's stdout is no longer the protocol: it is
	 * logged with its stderr, so a stray echo breaks nothing */
	if (relay_init(&p->relay, cfg->server.relay, p->nslots + 16,
	    p->relay_timeout, epfd, p->rr_pid, err, errlen) == -1) {
		prefix(err, errlen, launch_where(cfg, &cfg->server.relay));
		return -1;
	}
	p->spec.plain = p->relay.conns != NULL;
	if (launch_fd_limit(cfg, p->nslots, &p->nofile, &raised, err,
	    errlen) == -1 ||
	    launch_ids(&p->spec, cfg, &cfg->server.user, &cfg->server.group,
	    "server", err, errlen) == -1)
		return -1;
	if (raised)	/* the workers get the old limit back */
		p->spec.nofile = &p->nofile;
	return on_init_setup(&p->init, cfg, p->spec.nofile, err, errlen);
}

int
pool_listen(struct pool *p, char *err, size_t errlen)
{
	return relay_listen(&p->relay, p->spec.set_ids, p->spec.uid,
	    p->spec.gid, err, errlen);
}

void
pool_free(struct pool *p)
{
	size_t i;

	relay_close(&p->relay);
	for (i = 0; p->slots != NULL && i < p->nslots; i++)
		worker_free(&p->slots[i]);
	on_init_free(&p->init);
	launch_env_free(p->env);
	free(p->slots);
	free(p->idle);
	free(p->spec.groups);
	memset(p, 0, sizeof *p);
}

void
pool_start(struct pool *p, int64_t now)
{
	const struct supervisor_config *sv = &p->cfg.supervisor;

	/* only the soft limits need a periodic look; exec_ttl has its own
	 * deadline on each busy worker */
	if (sv->ttl != 0 || sv->idle_ttl != 0 || sv->max_worker_memory != 0)
		p->watch_at = now + sv->watch_tick;
	if (p->watch_at < p->next_deadline)
		p->next_deadline = p->watch_at;
	if (p->init.cfg == NULL) {
		heal(p, now);
		return;
	}
	p->initializing = true;
	if (on_init_start(&p->init, p->epfd, p->rr_pid, now) == -1) {
		/* forked, then failed: its exit will tell */
		if (!on_init_running(&p->init))
			init_done(p, false, now);
		return;
	}
	if (p->init.w.deadline < p->next_deadline)
		p->next_deadline = p->init.w.deadline;
}

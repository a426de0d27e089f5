/*
 * worker: see worker.h.  rr's pipe ends are non-blocking; the worker's ends
 * stay blocking because the PHP library reads its stdin with plain fread().
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "worker.h"

#define STDERR_READS_PER_WAKE	16	/* a flooding worker can't starve rr */
#define PIPE_SIZE		(256 * 1024)

/*
 * One read buffer serves every worker: the pool drains a worker's stdout
 * until WI_AGAIN before it looks at another, so bytes left here always
 * belong to rd.owner.  A read shorter than the buffer emptied the pipe:
 * another would only say EAGAIN, and epoll (level-triggered) reports
 * whatever comes later, so that read is skipped.
 */
static struct {
	uint8_t		 buf[64 * 1024];
	size_t		 len, pos;
	bool		 emptied;
	struct worker	*owner;
} rd;

static int
watch(struct worker *w, int op, int fd, struct worker_fd *tag, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.ptr = tag };

	return epoll_ctl(w->epfd, op, fd, &e);
}

static void
close_fd(struct worker *w, int *fd, bool watched)
{
	if (*fd == -1)
		return;
	if (watched)
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, *fd, NULL);
	close(*fd);
	*fd = -1;
}

/* The relay's read side, and with a socket its write side too. */
static void
close_relay(struct worker *w)
{
	if (w->sock)
		w->fd_in = -1;
	w->sock = false;
	close_fd(w, &w->fd_out, true);
}

/*
 * Wake for room to write, or stop.  A pipe's write end has its own
 * registration; a socket, one fd both ways, has one, whose events change.
 */
static int
want_out(struct worker *w, bool on)
{
	if (w->sock)
		return watch(w, EPOLL_CTL_MOD, w->fd_out, &w->ev_out,
		    EPOLLIN | (on ? EPOLLOUT : 0));
	if (on)
		return watch(w, EPOLL_CTL_ADD, w->fd_in, &w->ev_in, EPOLLOUT);
	return epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->fd_in, NULL);
}

/*
 * In the child, which still runs in rr's memory (vfork): a message put
 * together with writev, since anything that allocates or takes a lock
 * could leave rr's heap or a lock half changed if the child dies there.
 */
static void __attribute__((noreturn))
child_fail(int status, const char *what, const char *name)
{
	const char *desc = strerrordesc_np(errno);
	const char *part[] = { "rr: cannot ", what, name != NULL ? " " : "",
	    name != NULL ? name : "", ": ", desc != NULL ? desc : "error",
	    "\n" };
	struct iovec iov[sizeof part / sizeof part[0]];
	size_t i;

	for (i = 0; i < sizeof part / sizeof part[0]; i++)
		iov[i] = (struct iovec){ (void *)part[i], strlen(part[i]) };
	writev(STDERR_FILENO, iov, (int)i);
	_exit(status);
}

/*
 * The child: pipes onto 0/1/2 and no other fd, its own process group, the
 * signal state rr changed for signalfd put back, credentials dropped, then
 * exec.  Until the exec it shares rr's memory and rr waits (vfork), so it
 * only makes system calls: no allocation, no stdio.
 */
static void __attribute__((noreturn))
child(const struct spawn_spec *spec, int in, int out, int err)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	setpgid(0, 0);
	if (dup2(in, STDIN_FILENO) == -1 ||
	    dup2(spec->plain ? err : out, STDOUT_FILENO) == -1 ||
	    dup2(err, STDERR_FILENO) == -1)
		_exit(127);
	/* rr's own fds are close-on-exec, but whatever rr inherited from
	 * its parent without that flag must not reach the worker either */
	close_range(3, ~0u, 0);
	if (spec->nofile != NULL)
		setrlimit(RLIMIT_NOFILE, spec->nofile);
	if (spec->set_ids &&
	    (setgroups(spec->ngroups, spec->groups) == -1 ||
	    setgid(spec->gid) == -1 || setuid(spec->uid) == -1))
		child_fail(126, "drop privileges", NULL);
	execvpe(spec->argv[0], spec->argv, spec->envp);
	child_fail(127, "run", spec->argv[0]);
}

static int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl == -1 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int
worker_spawn(struct worker *w, const struct spawn_spec *spec, int epfd,
    pid_t rr_pid)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	char hello[32];
	pid_t pid;
	int saved;

	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1 ||
	    pipe2(err, O_CLOEXEC) == -1)
		goto fail;
	/* a 64 KiB payload then crosses in one write and one read; where
	 * fs.pipe-max-size forbids it the default size is fine too */
	fcntl(in[1], F_SETPIPE_SZ, PIPE_SIZE);
	fcntl(out[1], F_SETPIPE_SZ, PIPE_SIZE);
	/* vfork: no copy of rr's page tables and no copy-on-write faults in
	 * rr afterwards; rr resumes once the child has exec'd, its process
	 * group already set, so no signal can race the child's own.  The
	 * price: rr waits through the exec, long only for a command on a
	 * hung network filesystem */
	if ((pid = vfork()) == -1)
		goto fail;
	if (pid == 0)
		child(spec, in[0], out[1], err[1]);
	close(in[0]);
	close(out[1]);
	close(err[1]);

	w->pid = pid;
	w->epfd = epfd;
	w->log_name = spec->log_name;
	w->fd_in = in[1];
	w->fd_out = out[0];
	w->fd_err = err[0];
	if (spec->plain) {
		close_fd(w, &w->fd_in, false);
		close_fd(w, &w->fd_out, false);
	}
	w->ev_in = (struct worker_fd){ w, WFD_IN };
	w->ev_out = (struct worker_fd){ w, WFD_OUT };
	w->ev_err = (struct worker_fd){ w, WFD_ERR };
	buf_reset(&w->outq);
	w->hold = false;
	w->line_len = 0;
	w->line_cut = false;
	w->tail_len = 0;
	if (w->dec.max_payload != spec->max_payload) {
		goridge_decoder_free(&w->dec);
		goridge_decoder_init(&w->dec, spec->max_payload);
	} else
		goridge_decoder_reset(&w->dec);
	if (set_nonblock(w->fd_err) == -1 ||
	    watch(w, EPOLL_CTL_ADD, w->fd_err, &w->ev_err, EPOLLIN) == -1 ||
	    (!spec->plain && (set_nonblock(w->fd_in) == -1 ||
	    set_nonblock(w->fd_out) == -1 ||
	    watch(w, EPOLL_CTL_ADD, w->fd_out, &w->ev_out, EPOLLIN) == -1))) {
		saved = errno;
		worker_signal(w, SIGKILL);
		errno = saved;
		return -1;	/* the pool reaps it like any other death */
	}
	if (spec->plain)
		return 0;
	/* a child that already died makes this fail with EPIPE; its exit
	 * status tells the story better, so that is what gets reported */
	snprintf(hello, sizeof hello, "{\"pid\":%ld}", (long)rr_pid);
	worker_send_control(w, hello);
	return 0;

fail:
	saved = errno;
	for (int i = 0; i < 2; i++) {
		if (in[i] != -1)
			close(in[i]);
		if (out[i] != -1)
			close(out[i]);
		if (err[i] != -1)
			close(err[i]);
	}
	errno = saved;
	return -1;
}

int
worker_attach(struct worker *w, int fd)
{
	w->fd_in = w->fd_out = fd;
	w->sock = true;
	return watch(w, EPOLL_CTL_ADD, fd, &w->ev_out, EPOLLIN);
}

/*
 * Send a whole frame with one writev when nothing is queued, so its header
 * arrives in one piece (PROTOCOL.md 9.1); park what the pipe did not take
 * and wait for EPOLLOUT.
 */
static int
send_iov(struct worker *w, const struct iovec *iov, int n)
{
	bool was_empty = buf_pending(&w->outq) == 0;
	ssize_t sent = 0;
	size_t total = 0;
	int i;

	if (w->fd_in == -1) {
		errno = EPIPE;
		return -1;
	}
	for (i = 0; i < n; i++)
		total += iov[i].iov_len;
	if (was_empty && !w->hold) {
		buf_reset(&w->outq);
		if ((sent = writev(w->fd_in, iov, n)) == -1) {
			if (errno != EAGAIN)
				return -1;
			sent = 0;
		}
		if ((size_t)sent == total)
			return 0;
	}
	buf_park(&w->outq, iov, n, (size_t)sent);
	if (w->outq.failed)
		return -1;
	if (was_empty && !w->hold && want_out(w, true) == -1)
		return -1;
	return 0;
}

int
worker_send(struct worker *w, uint8_t flags, const void *ctx, uint32_t ctx_len,
    const void *body, uint32_t body_len)
{
	uint8_t hdr[16];
	struct iovec iov[3] = {
		{ hdr, goridge_put_data(hdr, flags, ctx_len, body_len) },
		{ (void *)ctx, ctx_len },
		{ (void *)body, body_len },
	};

	return send_iov(w, iov, 3);
}

int
worker_send_control(struct worker *w, const char *json)
{
	uint8_t hdr[12];
	size_t len = strlen(json);
	struct iovec iov[2] = {
		{ hdr, goridge_put_control(hdr, (uint32_t)len) },
		{ (void *)json, len },
	};

	return send_iov(w, iov, 2);
}

int
worker_flush(struct worker *w)
{
	bool armed = !w->hold;
	int r;

	w->hold = false;
	if ((r = buf_flush(&w->outq, w->fd_in)) == -1)
		return -1;
	if (r == 1)
		return armed ? 0 : want_out(w, true);
	if (armed)
		want_out(w, false);
	return 0;
}

enum worker_input
worker_read(struct worker *w, struct goridge_frame *f)
{
	enum goridge_status st;
	size_t used;
	ssize_t n;

	for (;;) {
		if (rd.owner == w) {
			if (rd.pos < rd.len) {
				st = goridge_feed(&w->dec, rd.buf + rd.pos,
				    rd.len - rd.pos, &used, f);
				rd.pos += used;
				if (st == GR_FRAME)
					return WI_FRAME;
				if (st != GR_MORE) {
					rd.owner = NULL;
					return WI_BAD;
				}
			}
			rd.owner = NULL;
			if (rd.emptied)
				return WI_AGAIN;
		}
		if (w->fd_out == -1)
			return WI_EOF;
		n = read(w->fd_out, rd.buf, sizeof rd.buf);
		if (n > 0) {
			rd.owner = w;
			rd.len = (size_t)n;
			rd.pos = 0;
			rd.emptied = rd.len < sizeof rd.buf;
		} else if (n == -1 && errno == EAGAIN)
			return WI_AGAIN;
		else {
			close_relay(w);
			return WI_EOF;
		}
	}
}

static void
keep_tail(struct worker *w, const char *s, size_t n)
{
	size_t drop;

	if (n + 1 > sizeof w->tail) {
		s += n + 1 - sizeof w->tail;
		n = sizeof w->tail - 1;
	}
	if (w->tail_len + n + 1 > sizeof w->tail) {
		drop = w->tail_len + n + 1 - sizeof w->tail;
		memmove(w->tail, w->tail + drop, w->tail_len - drop);
		w->tail_len -= drop;
	}
	memcpy(w->tail + w->tail_len, s, n);
	w->tail_len += n;
	w->tail[w->tail_len++] = '\n';
}

/* One stderr line at info on the "worker" component (or "on_init"), as
 * RoadRunner logs it on its "server" channel, so logs.level: warn hides
 * PHP's chatter. */
static void
emit_line(struct worker *w)
{
	const struct log_field f[] = {
		LF_INT("pid", w->pid), LF_STR("cut", "longer than 1024 bytes"),
	};

	if (w->line_len == 0 && !w->line_cut)
		return;
	keep_tail(w, w->line, w->line_len);
	if (LOG_LEVEL_INFO >= log_min_level && log_mode_ != LOGS_OFF)
		log_emit(LOG_LEVEL_INFO, w->log_name, w->line, w->line_len, f,
		    w->line_cut ? 2 : 1);
	w->line_len = 0;
	w->line_cut = false;
}

static void
stderr_bytes(struct worker *w, const char *p, size_t n)
{
	const char *nl;
	size_t take;

	while (n > 0) {
		nl = memchr(p, '\n', n);
		take = nl ? (size_t)(nl - p) : n;
		if (take > sizeof w->line - w->line_len) {
			w->line_cut = true;
			memcpy(w->line + w->line_len, p,
			    sizeof w->line - w->line_len);
			w->line_len = sizeof w->line;
		} else {
			memcpy(w->line + w->line_len, p, take);
			w->line_len += take;
		}
		if (nl == NULL)
			return;
		emit_line(w);
		p = nl + 1;
		n -= take + 1;
	}
}

void
worker_read_stderr(struct worker *w)
{
	char buf[4096];
	ssize_t n;
	int i;

	for (i = 0; i < STDERR_READS_PER_WAKE && w->fd_err != -1; i++) {
		n = read(w->fd_err, buf, sizeof buf);
		if (n > 0)
			stderr_bytes(w, buf, (size_t)n);
		else if (n == -1 && errno == EAGAIN)
			return;
		else {
			emit_line(w);
			close_fd(w, &w->fd_err, true);
		}
	}
}

/* The fields of /proc/PID/stat that rr reads. */
struct proc_stat {
	long		 pgrp;
	unsigned long long cpu_ticks;	/* utime + stime */
	long		 pages;		/* resident */
};

/* /proc/PID/stat, whose second field, the command name, may hold spaces
 * and parentheses: the fields are counted from its closing one. */
static bool
read_stat(int procfd, const char *pid, struct proc_stat *st)
{
	char path[300], buf[1024], *p, *end;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof path, "%s/stat", pid);
	if ((fd = openat(procfd, path, O_RDONLY | O_CLOEXEC)) == -1)
		return false;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL)
		return false;
	memset(st, 0, sizeof *st);
	/* after the name: state is field 3, pgrp 5, utime 14, stime 15,
	 * rss 24 */
	for (field = 3, p++; field < 24 && *p != '\0'; field++) {
		while (*p == ' ')
			p++;
		if (field == 5)
			st->pgrp = strtol(p, NULL, 10);
		else if (field == 14 || field == 15)
			st->cpu_ticks += strtoull(p, NULL, 10);
		p = strchr(p, ' ');
		if (p == NULL)
			return false;
	}
	st->pages = strtol(p, &end, 10);
	return end != p;
}

static long
page_size(void)
{
	static long size;

	if (size == 0)
		size = sysconf(_SC_PAGESIZE);
	return size;
}

int
worker_sample(struct worker *ws, size_t n)
{
	struct proc_stat st;
	char pid[24];
	size_t i;
	int procfd;

	if ((procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		ws[i].own_rss = ws[i].cpu_ticks = 0;
		if (ws[i].pid <= 0)
			continue;
		snprintf(pid, sizeof pid, "%ld", (long)ws[i].pid);
		if (!read_stat(procfd, pid, &st))
			continue;
		ws[i].own_rss = (uint64_t)st.pages * (uint64_t)page_size();
		ws[i].cpu_ticks = st.cpu_ticks;
	}
	close(procfd);
	return 0;
}

int
worker_measure_rss(struct worker *ws, size_t n)
{
	struct proc_stat st;
	char buf[8192];
	long off;
	ssize_t len;
	size_t i;
	int procfd;

	for (i = 0; i < n; i++)
		ws[i].rss = 0;
	procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd == -1)
		return -1;
	/* getdents64, not readdir: opendir allocates */
	while ((len = getdents64(procfd, buf, sizeof buf)) > 0) {
		for (off = 0; off < len;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);

			off += d->d_reclen;
			if (d->d_name[0] < '1' || d->d_name[0] > '9' ||
			    !read_stat(procfd, d->d_name, &st))
				continue;
			for (i = 0; i < n; i++)
				if (ws[i].pid > 0 && ws[i].pid == st.pgrp) {
					ws[i].rss += (uint64_t)st.pages *
					    (uint64_t)page_size();
					break;
				}
		}
	}
	close(procfd);
	return len == -1 ? -1 : 0;
}

void
worker_signal(struct worker *w, int sig)
{
	if (w->pid > 0)
		kill(-w->pid, sig);
}

void
worker_release(struct worker *w)
{
	worker_read_stderr(w);	/* its last words, before the fd goes */
	emit_line(w);
	if (rd.owner == w)
		rd.owner = NULL;
	if (!w->sock)
		close_fd(w, &w->fd_in, buf_pending(&w->outq) > 0 && !w->hold);
	close_relay(w);
	close_fd(w, &w->fd_err, true);
	buf_reset(&w->outq);
}

void
worker_free(struct worker *w)
{
	goridge_decoder_free(&w->dec);
	buf_free(&w->outq);
}

struct log_field
worker_exit_field(int status, char *buf, size_t len)
{
	const char *name;

	if (WIFSIGNALED(status)) {
		name = sigabbrev_np(WTERMSIG(status));
		snprintf(buf, len, "%s", name ? name : "?");
		return LF_STR("signal", buf);
	}
	return LF_INT("status", WEXITSTATUS(status));
}

/* RoadRunner's worker states, by number. */
enum rr_status {
	RR_INACTIVE, RR_READY, RR_WORKING, RR_INVALID, RR_STOPPING,
	RR_STOPPED, RR_DESTROYED, RR_MAX_JOBS, RR_ERRORED, RR_IDLE_TTL,
	RR_TTL, RR_MAX_MEMORY, RR_EXEC_TTL
};

static const char *const status_names[] = {
	"inactive", "ready", "working", "invalid", "stopping", "stopped",
	"destroyed", "maxJobsReached", "errored", "idleTTLReached",
	"ttlReached", "maxMemoryReached", "execTTLReached",
};

/* A worker on its way out says why, as RoadRunner's would. */
static enum rr_status
status_of(const struct worker *w)
{
	switch (w->state) {
	case W_STARTING:
		return RR_INACTIVE;
	case W_READY:
		return RR_READY;
	case W_STOPPING:
		return RR_STOPPING;
	case W_DYING:
		return w->killed == WHY_EXEC_TTL ? RR_EXEC_TTL : RR_ERRORED;
	default:
		break;
	}
	switch (w->retire) {
	case WHY_NONE:
		return RR_WORKING;
	case WHY_MAX_JOBS:
		return RR_MAX_JOBS;
	case WHY_TTL:
		return RR_TTL;
	case WHY_IDLE_TTL:
		return RR_IDLE_TTL;
	case WHY_MEMORY:
		return RR_MAX_MEMORY;
	default:
		return RR_INVALID;
	}
}

int
worker_rr_status(const struct worker *w, const char **name)
{
	enum rr_status st = status_of(w);

	*name = status_names[st];
	return (int)st;
}

/*
 * rr: a small application server for PHP workers.  It reads a
 * RoadRunner-style rr.yaml, keeps a pool of workers speaking Goridge over
 * pipes, and sends them RoadRunner's ticker payloads.
 *
 * One thread, one epoll loop.  Signals arrive only through a signalfd,
 * ticks through a timerfd, and every other wait is a deadline the pool
 * hands back to the loop as epoll_wait's timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "cluster.h"
#include "config.h"
#include "ctl.h"
#include "log.h"
#include "metrics.h"
#include "next.h"
#include "notify.h"
#include "pool.h"
#include "rpc.h"
#include "services.h"
#include "status.h"
#include "ticker.h"

/* Exit codes, documented in README.md. */
#define EXIT_OK		0
#define EXIT_RUNTIME	1	/* runtime failure, or a forced stop */
#define EXIT_USAGE	2
#define EXIT_CONFIG	78	/* EX_CONFIG */

#define PIDFILE		".pid"
#define LOOK_EVERY	MS_NS	/* signals wait no longer for a busy pool */

enum rr_command {
	CMD_NONE, CMD_SERVE, CMD_WORKERS, CMD_RESET, CMD_STOP, CMD_NEXT
};

static const char *const command_names[] = {
	[CMD_SERVE] = "serve", [CMD_WORKERS] = "workers",
	[CMD_RESET] = "reset", [CMD_STOP] = "stop", [CMD_NEXT] = "next",
};

struct options {
	enum rr_command	 cmd;
	const char	*config;
	const char	*workdir;
	const char	*dotenv;
	char		**overrides;
	size_t		 noverrides;
	char		**args;		/* plugin names after the command */
	size_t		 nargs;
	int		 pidfile;
	int		 silent;
	int		 check;
	int		 interactive;	/* workers -i */
	int		 force;		/* stop -f */
	int		 ready_fd;	/* serve --ready-fd N; -1 */
	const char	*count, *from, *zone;	/* next -n, --from, --tz */
};

static const struct option longopts[] = {
	{ "config",	required_argument, NULL, 'c' },
	{ "WorkDir",	required_argument, NULL, 'w' },
	{ "workdir",	required_argument, NULL, 'w' },
	{ "override",	required_argument, NULL, 'o' },
	{ "dotenv",	required_argument, NULL, 'd' },
	{ "pid",	no_argument,	   NULL, 'p' },
	{ "silent",	no_argument,	   NULL, 's' },
	{ "check",	no_argument,	   NULL, 'k' },
	{ "from",	required_argument, NULL, 'F' },
	{ "tz",		required_argument, NULL, 'z' },
	{ "ready-fd",	required_argument, NULL, 'r' },
	{ "interactive", no_argument,	   NULL, 'i' },
	{ "force",	no_argument,	   NULL, 'f' },
	{ "version",	no_argument,	   NULL, 'v' },
	{ "help",	no_argument,	   NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: rr serve [-c FILE] [-w DIR] [-o key.path=value]... "
	    "[--dotenv FILE] [-p] [-s]\n"
	    "                [--ready-fd N] [--check]\n"
	    "       rr workers [-i] [plugin...]   (and -c, -w, -o, --dotenv)\n"
	    "       rr reset [-s] [plugin...]\n"
	    "       rr stop [-f]\n"
	    "       rr next [-n K] [--from TIME] [--tz ZONE] 'CRON "
	    "EXPRESSION'\n"
	    "       rr --version\n"
	    "       rr -h\n"
	    "\n"
	    "  -c, --config FILE   config file (default .rr.yaml, then rr.yaml)\n"
	    "  -w, --WorkDir DIR   work directory (default: the config's)\n"
	    "  -o, --override K=V  override a config value, e.g. "
	    "-o ticker.interval=5s\n"
	    "      --dotenv FILE   load variables first (or $DOTENV_PATH)\n"
	    "  -p, --pid           write " PIDFILE " in the work directory\n"
	    "  -s, --silent        no start-up line on stdout (reset: no "
	    "output)\n"
	    "      --ready-fd N    write a newline to fd N once ready (s6)\n"
	    "      --check         print the effective config and exit\n"
	    "  -i, --interactive   workers: redraw every second until ^C\n"
	    "  -f, --force         stop: SIGKILL instead of SIGTERM\n"
	    "  -n K                next: how many fires (5)\n"
	    "      --from TIME     next: after this RFC 3339 time (now)\n"
	    "      --tz ZONE       next: in this IANA zone (rr's local)\n"
	    "\n"
	    "exit: 0 ok, 1 runtime failure or forced stop, 2 usage, "
	    "78 config error\n");
}

/*
 * Startup errors: rr has not started anything yet, so it just leaves,
 * saying why through the log (which never waits, even for a full pipe).
 */
static void __attribute__((noreturn, format(printf, 2, 3)))
fatalx(int code, const char *fmt, ...)
{
	char msg[CONFIG_ERR_MAX + 256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_fatal(msg, code);
	exit(code);
}

static enum rr_command
command_of(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof command_names / sizeof command_names[0]; i++)
		if (command_names[i] != NULL &&
		    strcmp(command_names[i], name) == 0)
			return (enum rr_command)i;
	return CMD_NONE;
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("rr: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(stderr);
	exit(EXIT_USAGE);
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	char *end;
	long fd;
	int ch;

	o->ready_fd = -1;
	o->overrides = calloc((size_t)argc, sizeof *o->overrides);
	o->args = calloc((size_t)argc, sizeof *o->args);
	if (o->overrides == NULL || o->args == NULL)
		fatalx(EXIT_RUNTIME, "out of memory");
	/* a leading '-' hands back non-options in place: the command may
	 * come before or after the flags, as with RoadRunner's cobra */
	while ((ch = getopt_long(argc, argv, "-c:w:o:psvhifn:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'w': o->workdir = optarg; break;
		case 'o':
			if (strchr(optarg, '=') == NULL)
				usage_error("-o %s: expected key.path=value",
				    optarg);
			o->overrides[o->noverrides++] = optarg;
			break;
		case 'd': o->dotenv = optarg; break;
		case 'p': o->pidfile = 1; break;
		case 's': o->silent = 1; break;
		case 'k': o->check = 1; break;
		case 'n': o->count = optarg; break;
		case 'F': o->from = optarg; break;
		case 'z': o->zone = optarg; break;
		case 'i': o->interactive = 1; break;
		case 'f': o->force = 1; break;
		case 'r':
			fd = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || fd < 3 ||
			    fd > INT_MAX)
				usage_error("--ready-fd %s: expected a file "
				    "descriptor number above 2", optarg);
			o->ready_fd = (int)fd;
			break;
		case 1:
			if (o->cmd == CMD_NONE) {
				if ((o->cmd = command_of(optarg)) == CMD_NONE)
					usage_error("unknown command \"%s\"",
					    optarg);
			} else if (o->cmd == CMD_WORKERS || o->cmd == CMD_RESET ||
			    (o->cmd == CMD_NEXT && o->nargs == 0))
				o->args[o->nargs++] = optarg;
			else
				usage_error("%s takes no argument \"%s\"",
				    command_names[o->cmd], optarg);
			break;
		case 'v':
			printf("rr version %s (Goridge v3 pipes, RoadRunner "
			    "config '3' and '2.7')\n", RR_VERSION);
			exit(EXIT_OK);
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		default:
			usage(stderr);
			exit(EXIT_USAGE);
		}
	}
	if (o->cmd == CMD_NONE) {
		usage(stderr);
		exit(EXIT_USAGE);
	}
	if (o->cmd == CMD_NEXT && o->nargs == 0)
		usage_error("next needs a cron expression, such as "
		    "'0 */5 * * * *'");
	if (o->cmd != CMD_NEXT && (o->count || o->from || o->zone))
		usage_error("-n, --from and --tz are for rr next");
}

/* A daemon started with 0, 1 or 2 closed would hand them to the first
 * pipe it makes; keep them taken. */
static void
hold_std_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= STDERR_FILENO)
		;
	if (fd > STDERR_FILENO)
		close(fd);
}

/* RoadRunner's .rr.yaml, then the rr.yaml of the docs; a missing config
 * names both, since the user may have meant either. */
static const char *
find_config(const char *given)
{
	char cwd[PATH_MAX];

	if (given != NULL)
		return given;
	if (access(".rr.yaml", F_OK) == 0)
		return ".rr.yaml";
	if (access("rr.yaml", F_OK) == 0 || errno != ENOENT)
		return "rr.yaml";
	fatalx(EXIT_CONFIG, "no config file: neither .rr.yaml nor rr.yaml is "
	    "in %s (name one with -c FILE)",
	    getcwd(cwd, sizeof cwd) ? cwd : "the current directory");
}

static void
load_config(const struct options *o, struct config *cfg)
{
	const char *dotenv = o->dotenv ? o->dotenv : getenv("DOTENV_PATH");
	char err[CONFIG_ERR_MAX];

	if (dotenv != NULL && config_load_dotenv(dotenv, err, sizeof err) == -1)
		fatalx(EXIT_CONFIG, "%s", err);
	if (config_load(cfg, find_config(o->config), o->overrides,
	    o->noverrides, err, sizeof err) == -1)
		fatalx(EXIT_CONFIG, "%s", err);
}

/* Relative paths in the config (php app.php) mean the config's directory,
 * as in RoadRunner, unless -w says otherwise. */
static void
enter_workdir(const struct options *o, const struct config *cfg)
{
	char path[PATH_MAX];
	const char *dir = o->workdir;

	if (dir == NULL) {
		snprintf(path, sizeof path, "%s", cfg->path);
		dir = dirname(path);
	}
	if (chdir(dir) == -1)
		fatalx(EXIT_CONFIG, "work directory %s: %s", dir,
		    strerror(errno));
}

/*
 * The pid file is locked for rr's whole life, as BSD pidfile(3) does: a
 * live rr is the lock's holder, whatever pid a stale file says (in a
 * container the old rr and the new are both pid 1).  The lock's fd is
 * close-on-exec and workers get no fd but 0-2, so only rr holds it.
 */
static int
write_pidfile(void)
{
	char buf[32] = "";
	ssize_t n;
	int fd;

	fd = open(PIDFILE, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd == -1)
		fatalx(EXIT_RUNTIME, "%s: %s", PIDFILE, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK)
			fatalx(EXIT_RUNTIME, "%s: cannot lock: %s", PIDFILE,
			    strerror(errno));
		n = pread(fd, buf, sizeof buf - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		fatalx(EXIT_RUNTIME, "%s: rr is already running as pid %s "
		    "(it holds the file's lock)", PIDFILE, buf);
	}
	snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 ||
	    pwrite(fd, buf, strlen(buf), 0) != (ssize_t)strlen(buf))
		fatalx(EXIT_RUNTIME, "%s: %s", PIDFILE, strerror(errno));
	return fd;
}

struct server {
	const struct config	*cfg;
	int			 epfd;
	int			 sigfd;
	struct pool		 pool;
	struct ticker		 ticker;
	struct rpc_server	 rpc;
	struct services		 services;
	struct notify		 notify;
	struct status		 status;
	struct metrics		 metrics;
	/* ticker.cluster, NULL without: it holds two rings of pending
	 * commands, which an rr without a fleet would carry for nothing */
	struct cluster		*cluster;
	char			 status_line[160];	/* for the supervisor */
	int			 stopping;	/* signals seen: 0, 1, 2 */
	int64_t			 stop_deadline;	/* the grace period's end */
	int64_t			 looked;	/* the last epoll_wait */
};

static int
setup_signals(struct server *s)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &s->sigfd };
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1)
		return -1;
	signal(SIGPIPE, SIG_IGN);	/* a dead worker's pipe is EPIPE */
	s->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->sigfd == -1)
		return -1;
	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->sigfd, &ev);
}

static void
begin_stop(struct server *s, const char *sig, int64_t now)
{
	if (s->stopping++ > 0) {
		log_warn("rr", "forced stop", LF_STR("signal", sig));
		pool_kill(&s->pool);
		return;
	}
	log_info("rr", "stopping", LF_STR("signal", sig),
	    LF_INT("grace_ms", s->cfg->grace_period / MS_NS));
	notify_stopping(&s->notify, "stopping: the workers finish their ticks");
	ticker_stop(&s->ticker, now);
	s->stop_deadline = now + s->cfg->grace_period;
	/* a fire the fleet gave this server must run: the pool stops once
	 * the claims in flight are answered (at most the cluster's timeout) */
	if (schedules_claims_out(&s->ticker.schedules) == 0)
		pool_stop(&s->pool, now, s->stop_deadline);
}

/*
 * SIGHUP, `rr reset` and systemd's reload: every worker is replaced
 * gracefully.  READY=1 follows once the old ones are gone and a new one
 * is up (see serve()).
 */
static void
reset(void *arg, const char *via)
{
	struct server *s = arg;
	int64_t now = clock_ns(CLOCK_MONOTONIC);

	if (s->stopping)
		return;
	log_info("rr", "reset", LF_STR("via", via));
	notify_reloading(&s->notify, now, "resetting: new workers replace "
	    "the old ones");
	pool_reset(&s->pool, now);
}

static void
on_signals(struct server *s, int64_t now)
{
	struct signalfd_siginfo si;
	char err[256];

	while (read(s->sigfd, &si, sizeof si) == sizeof si) {
		switch (si.ssi_signo) {
		case SIGINT:
			begin_stop(s, "SIGINT", now);
			break;
		case SIGTERM:
			begin_stop(s, "SIGTERM", now);
			break;
		case SIGHUP:
			reset(s, "SIGHUP");
			break;
		case SIGCHLD:
			pool_reap(&s->pool, now);
			break;
		case SIGUSR1:
			if (log_reopen(err, sizeof err) == -1)
				log_error("rr", "cannot reopen the log",
				    LF_STR("error", err));
			break;
		case SIGUSR2:
			ticker_log_counters(&s->ticker);
			break;
		}
	}
}

static int
timeout_ms(int64_t deadline, int64_t now)
{
	int64_t ms;

	if (deadline == INT64_MAX)
		return -1;
	if (deadline <= now)
		return 0;
	ms = (deadline - now + MS_NS - 1) / MS_NS;	/* never wake early */
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* The earliest moment some part of rr has work that no fd announces. */
static int64_t
next_deadline(const struct server *s)
{
	int64_t at = pool_next_deadline(&s->pool), t;

	if ((t = rpc_next_deadline(&s->rpc)) < at)
		at = t;
	if ((t = notify_next_deadline(&s->notify)) < at)
		at = t;
	if ((t = http_next_deadline(&s->status.http)) < at)
		at = t;
	if ((t = http_next_deadline(&s->metrics.http)) < at)
		at = t;
	if (s->cluster != NULL &&
	    (t = cluster_next_deadline(s->cluster)) < at)
		at = t;
	return at;
}

/*
 * epoll_wait, after polling for as long as the pool asks.  Returns 0
 * without waiting when a reply was collected directly; the loop's other
 * sources are still looked at within LOOK_EVERY.
 */
static int
wait_events(struct server *s, struct epoll_event *ev, int max, int64_t now)
{
	int64_t until = now + pool_poll_ns(&s->pool, now);
	int n;

	/*
	 * Look before yielding: a worker on this CPU has usually answered
	 * already, having run when the write woke it.  One on another CPU
	 * answers while we spin, sparing both the wake-up of an idle CPU.
	 */
	while (now < until) {
		if (now - s->looked < LOOK_EVERY &&
		    pool_collect(&s->pool, now))
			return 0;
		n = epoll_wait(s->epfd, ev, max, 0);
		s->looked = now;
		if (n != 0)
			return n;
		sched_yield();
		now = clock_ns(CLOCK_MONOTONIC);
	}
	s->looked = now;
	return epoll_wait(s->epfd, ev, max, timeout_ms(next_deadline(s), now));
}

/*
 * The loop: returns the exit code once every worker is gone.  Events come
 * first, then tick 0 if a worker has just become ready, then the pool's
 * deadlines, which start the rest of the pool after it.
 */
static int
serve(struct server *s)
{
	struct epoll_event ev[64];
	int64_t now;
	int i, n = 0;

	pool_start(&s->pool, clock_ns(CLOCK_MONOTONIC));
	for (;;) {
		now = clock_ns(CLOCK_MONOTONIC);
		for (i = 0; i < n; i++) {
			if (ev[i].data.ptr == &s->sigfd)
				on_signals(s, now);
			else if (ev[i].data.ptr == &s->ticker)
				ticker_on_timer(&s->ticker, now);
			else if (ev[i].data.ptr == &s->ticker.schedules)
				schedules_on_timer(&s->ticker.schedules, now);
			else if (rpc_owns(&s->rpc, ev[i].data.ptr))
				rpc_on_io(&s->rpc, ev[i].data.ptr,
				    ev[i].events, now);
			else if (http_owns(&s->status.http, ev[i].data.ptr))
				http_on_io(&s->status.http, ev[i].data.ptr,
				    ev[i].events, now);
			else if (http_owns(&s->metrics.http, ev[i].data.ptr))
				http_on_io(&s->metrics.http, ev[i].data.ptr,
				    ev[i].events, now);
			else if (s->cluster != NULL &&
			    cluster_owns(s->cluster, ev[i].data.ptr))
				cluster_on_io(s->cluster, ev[i].data.ptr,
				    ev[i].events, now);
			else
				pool_on_io(&s->pool, ev[i].data.ptr,
				    ev[i].events, now);
		}
		if (s->stopping > 1)
			return EXIT_RUNTIME;
		if (s->stopping && !s->pool.stopping &&
		    schedules_claims_out(&s->ticker.schedules) == 0)
			pool_stop(&s->pool, now, s->stop_deadline);
		/* a debug pool needs no ready worker: its payload waits for
		 * the worker it spawns */
		if (!s->stopping && !ticker_started(&s->ticker) &&
		    pool_can_exec(&s->pool)) {
			ticker_start(&s->ticker, now);
			notify_ready(&s->notify, s->status_line);
		}
		if (s->notify.reloading && !pool_resetting(&s->pool) &&
		    pool_can_exec(&s->pool))
			notify_reloaded(&s->notify, s->status_line);
		pool_on_deadline(&s->pool, now);
		rpc_on_deadline(&s->rpc, now);
		http_on_deadline(&s->status.http, now);
		http_on_deadline(&s->metrics.http, now);
		if (s->cluster != NULL)
			cluster_on_deadline(s->cluster, now);
		notify_on_deadline(&s->notify, now);
		if (s->pool.failed) {
			log_error("rr", "on_init failed and exit_on_error is "
			    "set: not starting", LF_INT("exit", EXIT_RUNTIME));
			return EXIT_RUNTIME;
		}
		if (s->stopping && pool_processes(&s->pool) == 0)
			return s->pool.forced ? EXIT_RUNTIME : EXIT_OK;
		n = wait_events(s, ev, 64, clock_ns(CLOCK_MONOTONIC));
		if (n == -1 && errno != EINTR) {
			log_error("rr", "epoll_wait failed",
			    LF_STR("error", strerror(errno)));
			pool_kill(&s->pool);
			return EXIT_RUNTIME;
		}
	}
}

/* Config warnings, in the log's own form, once the log is set up. */
static void
log_warnings(const struct config *cfg)
{
	size_t i;

	if (LOG_LEVEL_WARN < log_min_level || log_mode_ == LOGS_OFF)
		return;
	for (i = 0; i < cfg->nwarnings; i++)
		log_emit(LOG_LEVEL_WARN, "config", cfg->warnings[i],
		    strlen(cfg->warnings[i]), NULL, 0);
}

/*
 * Everything serve does before it starts a process, so that --check
 * finds every error serve would: the config, the work directory, the
 * log output, the workers' user and group and the fd limit.
 */
static void
prepare(const struct options *o, struct config *cfg, struct server *s)
{
	const char *where;
	char err[CONFIG_ERR_MAX];
	size_t i;
	int r;

	load_config(o, cfg);
	enter_workdir(o, cfg);
	r = o->check ? log_check_output(&cfg->logs, err, sizeof err) :
	    log_open(&cfg->logs, err, sizeof err);
	if (r == -1) {
		where = config_where(cfg, &cfg->logs.output);
		fatalx(EXIT_CONFIG, "%s: %s", where ? where : cfg->path, err);
	}
	if (o->check)
		for (i = 0; i < cfg->nwarnings; i++)
			fprintf(stderr, "rr: warning: %s\n", cfg->warnings[i]);
	else
		log_warnings(cfg);
	/* before pool_init takes rr's environment for the workers' */
	if (!o->check && notify_init(&s->notify, o->ready_fd, clock_ns(CLOCK_MONOTONIC),
	    err, sizeof err) == -1)
		fatalx(EXIT_USAGE, "%s", err);
	if (pool_init(&s->pool, cfg, "ticker", s->epfd, ticker_done, &s->ticker,
	    err, sizeof err) == -1)
		fatalx(EXIT_CONFIG, "%s", err);
	if (cfg->rpc.set && !o->check && rpc_init(&s->rpc, cfg, s->epfd, err,
	    sizeof err) == -1)
		fatalx(EXIT_RUNTIME, "rpc.listen: %s", err);
	if (!o->check && status_init(&s->status, cfg, &s->pool, &s->stopping,
	    s->epfd, err, sizeof err) == -1)
		fatalx(EXIT_RUNTIME, "status.address: %s", err);
	if (!o->check && metrics_init(&s->metrics, cfg, &s->pool, &s->ticker,
	    s->epfd, err, sizeof err) == -1)
		fatalx(EXIT_RUNTIME, "metrics.address: %s", err);
	if (metrics_collect(&s->metrics, cfg, err, sizeof err) == -1)
		fatalx(EXIT_CONFIG, "%s", err);
	if (cfg->rpc.set && o->check &&
	    listen_parse(cfg->rpc.listen, &s->rpc.addr, err, sizeof err) == -1)
		fatalx(EXIT_CONFIG, "%s: rpc.listen: %s", config_where(cfg,
		    &cfg->rpc.listen) ? config_where(cfg, &cfg->rpc.listen) :
		    cfg->path, err);
}

/* rr serve --check: what serve would run with, or why it would not. */
static int
check(const struct options *o)
{
	struct config cfg;
	struct server s = { .cfg = &cfg, .epfd = -1, .sigfd = -1,
	    .rpc = { .lfd = -1 }, .status = { .http = { .lfd = -1 } },
	    .metrics = { .http = { .lfd = -1 } } };

	prepare(o, &cfg, &s);
	pool_free(&s.pool);
	metrics_close(&s.metrics);
	config_print(&cfg, stdout);
	next_print_schedules(&cfg, (int64_t)time(NULL), stdout);
	printf("# %s: configuration OK\n", cfg.path);
	config_free(&cfg);
	free(o->overrides);
	free(o->args);
	return EXIT_OK;
}

/* rr workers, rr reset, rr stop: a client of the server that the same
 * config (and work directory) names. */
static int
control(const struct options *o)
{
	struct config cfg;
	int code;

	load_config(o, &cfg);
	enter_workdir(o, &cfg);
	switch (o->cmd) {
	case CMD_WORKERS:
		code = ctl_workers(&cfg, o->args, o->nargs, o->interactive);
		break;
	case CMD_RESET:
		code = ctl_reset(&cfg, o->args, o->nargs, o->silent);
		break;
	default:
		code = ctl_stop(PIDFILE, o->force);
		break;
	}
	config_free(&cfg);
	free(o->overrides);
	free(o->args);
	return code;
}

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	struct config cfg;
	struct server s = { .cfg = &cfg, .epfd = -1, .sigfd = -1,
	    .rpc = { .lfd = -1 }, .status = { .http = { .lfd = -1 } },
	    .metrics = { .http = { .lfd = -1 } } };
	char line[160], err[CONFIG_ERR_MAX];
	int code, pidfd = -1;
	unsigned n;

	parse_args(argc, argv, &o);
	if (o.cmd == CMD_NEXT) {
		code = next_command(o.args[0], o.count, o.from, o.zone);
		free(o.overrides);
		free(o.args);
		return code;
	}
	hold_std_fds();
	log_early();
	if (o.cmd != CMD_SERVE)
		return control(&o);
	if (o.check)
		return check(&o);
	/* first, so that a SIGINT or SIGTERM during start-up waits for
	 * the loop, which stops cleanly, instead of killing rr midway */
	if ((s.epfd = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    setup_signals(&s) == -1)
		fatalx(EXIT_RUNTIME, "cannot set up the event loop: %s",
		    strerror(errno));
	prepare(&o, &cfg, &s);
	if (o.pidfile)
		pidfd = write_pidfile();
	if (pool_listen(&s.pool, err, sizeof err) == -1)
		fatalx(EXIT_RUNTIME, "server.relay: %s", err);
	if (ticker_init(&s.ticker, &cfg.ticker, &s.pool, s.epfd, err,
	    sizeof err) == -1)
		fatalx(EXIT_RUNTIME, "ticker: %s", err);
	if (cfg.ticker.cluster.set) {
		if ((s.cluster = malloc(sizeof *s.cluster)) == NULL)
			fatalx(EXIT_RUNTIME, "ticker.cluster: out of memory");
		if (cluster_init(s.cluster, &cfg.ticker.cluster, s.epfd, err,
		    sizeof err) == -1)
			fatalx(EXIT_CONFIG, "ticker.cluster: %s", err);
		schedules_cluster(&s.ticker.schedules, s.cluster,
		    cfg.ticker.cluster.on_unavailable);
	}
	if (cfg.rpc.set && (services_init(&s.services, &s.rpc, &s.pool,
	    &s.ticker, &cfg, reset, &s) == -1 ||
	    metrics_register(&s.metrics, &s.rpc) == -1))
		fatalx(EXIT_RUNTIME, "rpc: out of memory");
	if (cfg.ticker.pool.allocate_timeout_set)
		log_warn("rr", "ticker.pool.allocate_timeout has no effect: rr "
		    "never waits for a worker; a tick with no idle worker is "
		    "skipped and logged", LF_INT("allocate_timeout_ms",
		    cfg.ticker.pool.allocate_timeout / MS_NS));
	n = cfg.ticker.pool.num_workers;
	snprintf(s.status_line, sizeof s.status_line, "serving ticks every %lld ms to %u "
	    "worker%s", (long long)(cfg.ticker.interval / MS_NS), n,
	    n == 1 ? "" : "s");
	log_info("rr", "rr started", LF_STR("version", RR_VERSION),
	    LF_STR("config", cfg.path), LF_INT("workers", n),
	    LF_INT("interval_ms", cfg.ticker.interval / MS_NS),
	    LF_INT("pid", getpid()));
	/* a human's line: a JSON log stream must carry JSON only */
	if (!o.silent && cfg.logs.encoding != LOGS_JSON) {
		snprintf(line, sizeof line, "rr %s serving ticks every %lld ms "
		    "to %u worker%s (pid %ld)\n", RR_VERSION,
		    (long long)(cfg.ticker.interval / MS_NS), n,
		    n == 1 ? "" : "s", (long)getpid());
		log_plain(STDOUT_FILENO, line);
	}

	code = serve(&s);

	/* claims still in flight are answered now, before the counters */
	if (s.cluster != NULL) {
		cluster_close(s.cluster);
		free(s.cluster);
	}
	ticker_log_counters(&s.ticker);
	log_info("rr", "stopped", LF_INT("exit", code));
	if (pidfd != -1) {
		unlink(PIDFILE);
		close(pidfd);
	}
	ticker_close(&s.ticker);
	services_free(&s.services);
	rpc_close(&s.rpc);
	status_close(&s.status);
	metrics_close(&s.metrics);
	notify_close(&s.notify);
	pool_free(&s.pool);
	close(s.sigfd);
	close(s.epfd);
	log_close();
	config_free(&cfg);
	free(o.overrides);
	free(o.args);
	return code;
}

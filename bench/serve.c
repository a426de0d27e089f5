/*
 * serve: the real ./rr, started the way a user starts it, with bench/echo
 * or the shipped app.php as its worker.  What rr decides is read from its
 * log, what it costs from /proc and its CPU clock, and when a tick reached
 * a worker from the worker itself (echo -r FIFO).
 *
 * Lateness needs the schedule: tick k is due at start + k * interval on
 * CLOCK_MONOTONIC, where start is the moment rr saw its first ready
 * worker.  rr does not say when that was, but /proc/PID/fdinfo of its
 * timerfd shows the time left to the next expiry, which gives the phase
 * to within one read(2).  Which k a delivered tick belongs to follows
 * from when it arrived (see lateness()), so rr runs at logs.level info
 * and its CPU is not the price of a debug line per tick.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define START_RUNS	25
#define START_COLS	6	/* start_part's columns */

/* The whole log file, NUL-terminated; the caller frees it. */
char *
slurp(const char *path)
{
	char *s = NULL;
	long len;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (s = malloc((size_t)len + 1)) != NULL)
		s[fread(s, 1, (size_t)len, f)] = '\0';
	fclose(f);
	return s;
}

/*
 * Start rr serve on a config of its own (name.yaml in the scratch dir).
 * Its stderr goes to name.log, or to a pipe with pipe_log.  Says what
 * failed, if anything.
 */
int
rr_start(struct bench *b, struct rr_proc *r, const char *name,
    const char *command, const char *interval, unsigned workers,
    const char *logs, const char *extra, bool pipe_log)
{
	char cfg[PATH_MAX], file[PATH_MAX];

	snprintf(file, sizeof file, "%s.yaml", name);
	tmp_path(b, file, cfg);
	if (write_file(cfg, "version: '3'\nserver:\n  command: %s\n"
	    "ticker:\n  interval: %s\n  pool:\n    num_workers: %u\n"
	    "logs:\n%s%s", command, interval, workers, logs,
	    extra == NULL ? "" : extra) == -1) {
		printf("  %s: %s: %s\n", name, cfg, strerror(errno));
		return -1;
	}
	return rr_start_file(b, r, name, pipe_log);
}

FILE *
rr_config_create(struct bench *b, const char *name, char *path)
{
	char file[PATH_MAX];
	FILE *f;

	snprintf(file, sizeof file, "%s.yaml", name);
	tmp_path(b, file, path);
	if ((f = fopen(path, "we")) == NULL)
		printf("  %s: %s: %s\n", name, path, strerror(errno));
	return f;
}

int
rr_start_file(struct bench *b, struct rr_proc *r, const char *name,
    bool pipe_log)
{
	char cfg[PATH_MAX], file[PATH_MAX];
	int lp[2] = { -1, -1 }, err_fd;
	char *argv[] = { b->rr, "serve", "-c", cfg, "-s", NULL };
	const char *what = "rr's stderr";

	memset(r, 0, sizeof *r);
	r->log_fd = -1;
	snprintf(file, sizeof file, "%s.yaml", name);
	tmp_path(b, file, cfg);
	snprintf(file, sizeof file, "%s.log", name);
	tmp_path(b, file, r->log);
	if (pipe_log) {
		if (pipe2(lp, O_CLOEXEC) == -1)
			goto fail;
		err_fd = lp[1];
	} else if ((err_fd = open(r->log, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0644)) == -1)
		goto fail;
	r->t_real = real_ns();
	r->pid = spawn(argv, err_fd);
	close(err_fd);
	r->log_fd = lp[0];
	what = b->rr;
	if (r->pid != -1)
		return 0;
fail:
	printf("  %s: %s: %s\n", name, what, strerror(errno));
	return -1;
}

/*
 * The FIFO the recording workers write to, opened for reading before rr
 * starts so that their blocking open finds a reader.  Room for every
 * record of a run: they are read only at the end.
 */
int
records_open(struct bench *b, const char *name, char *path)
{
	char file[64];
	int fd;

	snprintf(file, sizeof file, "%s.fifo", name);
	tmp_path(b, file, path);
	if (mkfifo(path, 0600) == -1 ||
	    (fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		printf("  %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fcntl(fd, F_SETPIPE_SZ, 1 << 20) == -1) {
		printf("  %s: cannot grow it: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The last lines of rr's log file, when a run went wrong. */
void
show_tail(const struct rr_proc *r)
{
	char *s = slurp(r->log), *p;
	int n = 0;

	if (s == NULL)
		return;
	for (p = s + strlen(s); p > s && n <= 5; p--)
		if (p[-1] == '\n')
			n++;
	printf("  last lines of %s:\n%s", r->log, p + (*p == '\n'));
	free(s);
}

/* A piped log is drained to the end: rr blocks on a full pipe. */
int
rr_stop(struct rr_proc *r)
{
	struct pollfd pfd = { r->log_fd, POLLIN, 0 };
	int64_t end = mono_ns() + 10 * SEC;
	char buf[4096];
	int status;

	kill(r->pid, SIGTERM);
	while (r->log_fd != -1 && mono_ns() < end &&
	    poll(&pfd, 1, 100) >= 0)
		if ((pfd.revents & (POLLIN | POLLHUP)) &&
		    read(r->log_fd, buf, sizeof buf) <= 0)
			break;
	status = reap_child(r->pid, end - mono_ns());
	if (r->log_fd != -1)
		close(r->log_fd);
	return status;
}

static unsigned
count_in(const char *s, const char *needle)
{
	unsigned n = 0;

	while (s != NULL && (s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

/* Polls rr's log file until it holds `count` copies of needle. */
static int
wait_log(const struct rr_proc *r, const char *needle, unsigned count,
    int64_t timeout)
{
	int64_t end = mono_ns() + timeout;
	unsigned n;
	char *s;

	for (;;) {
		s = slurp(r->log);
		n = count_in(s, needle);
		free(s);
		if (n >= count)
			return 0;
		if (mono_ns() > end || waitpid(r->pid, NULL, WNOHANG) != 0)
			return -1;
		sleep_until(mono_ns() + 5 * MSEC);
	}
}

/*
 * The number after "key=" in a console log line, or -1.  Only at the
 * start of a field, not inside a longer key that ends in this one.
 */
long long
log_field(const char *s, const char *key)
{
	size_t len = strlen(key);
	const char *p;

	for (p = s; (p = strstr(p, key)) != NULL; p += len)
		if (p > s && (p[-1] == '\t' || p[-1] == ' '))
			return strtoll(p + len, NULL, 10);
	return -1;
}

/* "it_value: (S, NS)" and "it_interval: (S, NS)" of a timerfd, in ns. */
static int
timerfd_info(const char *path, int64_t *value, int64_t *interval,
    int64_t *t0, int64_t *t1)
{
	char buf[512], *v, *i;
	long long vs, vns, is, ins;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	*t0 = mono_ns();
	n = read(fd, buf, sizeof buf - 1);
	*t1 = mono_ns();
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if ((v = strstr(buf, "it_value: (")) == NULL ||
	    (i = strstr(buf, "it_interval: (")) == NULL ||
	    sscanf(v, "it_value: (%lld, %lld)", &vs, &vns) != 2 ||
	    sscanf(i, "it_interval: (%lld, %lld)", &is, &ins) != 2)
		return -1;
	*value = vs * SEC + vns;
	*interval = is * SEC + ins;
	return 0;
}

/* The fdinfo path of rr's tick timer: the timerfd with that interval. */
static int
tick_timer(pid_t pid, int64_t interval, char *path, size_t len)
{
	char dir[64], link[PATH_MAX], target[64];
	int64_t v, iv, t0, t1;
	struct dirent *de;
	bool found = false;
	ssize_t n;
	DIR *d;

	snprintf(dir, sizeof dir, "/proc/%ld/fd", (long)pid);
	if ((d = opendir(dir)) == NULL)
		return -1;
	while (!found && (de = readdir(d)) != NULL) {
		snprintf(link, sizeof link, "%s/%s", dir, de->d_name);
		if ((n = readlink(link, target, sizeof target - 1)) <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, "anon_inode:[timerfd]") != 0)
			continue;
		snprintf(path, len, "/proc/%ld/fdinfo/%s", (long)pid,
		    de->d_name);
		found = timerfd_info(path, &v, &iv, &t0, &t1) == 0 &&
		    iv == interval;
	}
	closedir(d);
	return found ? 0 : -1;
}

/*
 * The phase of rr's tick schedule (start modulo interval).  The kernel
 * reads its clock somewhere inside our read(2), so the narrowest of a few
 * tries wins; a try that lands between an expiry and rr's read of the
 * timerfd shows 0 left and says nothing.  A busy rr can sit on an expiry
 * through a whole round of tries (well under a millisecond), so a round
 * that learnt nothing is tried again once rr has had 5 ms to read it.
 */
static int
timer_phase(pid_t pid, int64_t interval, int64_t *phase)
{
	int64_t t0, t1, left, iv, best = INT64_MAX, at = 0;
	char path[PATH_MAX];
	int i, round;

	if (tick_timer(pid, interval, path, sizeof path) == -1)
		return -1;
	for (round = 0; round < 5 && best == INT64_MAX; round++) {
		if (round > 0)
			sleep_until(mono_ns() + 5 * MSEC);
		for (i = 0; i < 20; i++) {
			if (timerfd_info(path, &left, &iv, &t0, &t1) == -1)
				return -1;
			if (left > 0 && t1 - t0 < best) {
				best = t1 - t0;
				at = t0 + (t1 - t0) / 2 + left;
			}
		}
	}
	if (best == INT64_MAX)
		return -1;
	*phase = at % interval;
	return 0;
}

/* Ticks due in (t0, t1] on the schedule start + k * interval. */
static int64_t
due_between(int64_t start, int64_t interval, int64_t t0, int64_t t1)
{
	return (t1 - start) / interval - (t0 - start) / interval;
}

static int
cmp_rec(const void *a, const void *b)
{
	const struct tick_record *x = a, *y = b;

	return (x->n > y->n) - (x->n < y->n);
}

/*
 * Lateness of each record, into b->lat; *start is a due time of the
 * schedule at or before every receipt, *moved counts the ticks the bounds
 * below moved back.  last is the last index rr handled (its scheduled
 * count less one), INT64_MAX if unknown.
 *
 * On each wake-up rr reads its timerfd and sends the tick of the latest
 * expiration it read: the earlier ones it missed are counted as skipped,
 * never sent late.  So a tick whose timerfd read came at s has index
 * floor((s - start) / interval), and its receipt r is s plus a hop (the
 * rest of rr's wake-up, the pipe, the worker's wake-up), so
 * floor((r - start) / interval) is that index unless the hop crosses due
 * times.  The hop is tens of us on an idle machine, so that takes a read
 * nearly an interval late; on a busy one a worker can wait for a CPU for
 * longer than an interval.  Either way r is never before s, so the index
 * can only come out too late, and the tick then shows r less the last due
 * time before r, under the hop, instead of that plus whole intervals: the
 * error only ever hides lateness.
 * Two bounds put most of those back and never move a tick before its true
 * index: rr sends each index at most once and in order, so tick N' > N is
 * at least N' - N indices after tick N, and no tick is past last.  What
 * is left is a tick whose hop crossed a due time that rr then skipped:
 * both workers stalled at once, or rr late twice in a row.  So if rr
 * skipped nothing (and its last tick has a record) every index is exact;
 * otherwise each such tick moves a percentile by at most one rank.
 * A tick re-sent to a fresh worker (EXEC_REPLACED) would not fit; the
 * echo worker never asks for one.
 */
static size_t
lateness(struct bench *b, struct tick_record *rec, size_t nrec,
    int64_t interval, int64_t phase, int64_t last, int64_t *start,
    size_t *moved)
{
	int64_t m = INT64_MAX, d, bound = last;
	size_t i, out = 0;

	qsort(rec, nrec, sizeof *rec, cmp_rec);
	/* frames without a tick number sort last and are not ticks */
	while (nrec > 0 && rec[nrec - 1].n == UINT64_MAX)
		nrec--;
	for (i = 0; i < nrec; i++)
		if (rec[i].t < m)
			m = rec[i].t;
	*start = m - ((m - phase) % interval + interval) % interval;
	*moved = 0;
	for (i = nrec; i-- > 0; ) {
		d = (rec[i].t - *start) / interval;
		if (d > bound) {
			d = bound;
			(*moved)++;
		}
		if (out < b->maxlat)
			b->lat[out++] = rec[i].t - *start - d * interval;
		/* two records of one N (a re-send) bound nothing */
		if (i > 0 && rec[i - 1].n < rec[i].n)
			bound = d - (int64_t)(rec[i].n - rec[i - 1].n);
		else
			bound = INT64_MAX;
	}
	sort_ns(b->lat, out);
	return out;
}

size_t
read_records(int fd, struct tick_record *rec, size_t max)
{
	size_t n = 0;
	ssize_t r;

	while (n < max && (r = read(fd, rec + n, (max - n) * sizeof *rec)) > 0)
		n += (size_t)r / sizeof *rec;
	return n;
}

/* Blocks until the first record, so the window starts with the ticks. */
int
first_record(int fd, int64_t timeout, struct tick_record *first)
{
	struct pollfd pfd = { fd, POLLIN, 0 };

	if (poll(&pfd, 1, (int)(timeout / MSEC)) != 1 ||
	    read(fd, first, sizeof *first) != sizeof *first)
		return -1;
	return 0;
}

void
ticks_header(void)
{
	printf("  %-11s %6s %6s %7s %8s %8s %8s %8s %9s\n", "interval", "run",
	    "ticks", "skipped", "min us", "p50 us", "p99 us", "max us",
	    "cpu us/tick");
}

/*
 * rr logs at info level: nothing a tick, so its CPU per tick compares
 * with the bare loop's, which logs nothing either.  A load starts as soon
 * as the first tick is in, so that it is on for every tick after it, and
 * is stopped just before rr: at most the first and the last tick of the
 * records see an rr without it.
 */
void
tick_run(struct bench *b, const char *label, const char *itxt,
    int64_t interval, int64_t dur, const struct tick_load *load,
    struct tick_record *rec)
{
	struct rr_proc r;
	int64_t phase, start, ta, tb, ca, cb, ticks;
	size_t nrec, nlat, moved;
	char cmd[2 * PATH_MAX + 32], fifo[PATH_MAX], name[32], *log, *counters;
	long long sched = -1, deliv = -1, skipped = -1;
	double cpu = -1;
	bool loaded = false;
	int fd;

	snprintf(name, sizeof name, "ticks-%s", label);
	if ((fd = records_open(b, name, fifo)) == -1)
		return;
	snprintf(cmd, sizeof cmd, "[\"%s\", \"-r\", \"%s\"]", b->echo,
	    fifo);
	if (rr_start(b, &r, name, cmd, itxt, 2, "  level: info\n",
	    load == NULL ? NULL : load->config, false) == -1) {
		close(fd);
		return;
	}
	if (first_record(fd, 10 * SEC, rec) == -1) {
		printf("  %-11s no tick reached a worker in 10 s\n", label);
		goto fail;
	}
	if (load != NULL && load->on != NULL) {
		if (load->on(load->arg, &r) == -1)
			goto fail;
		loaded = true;
	}
	if (timer_phase(r.pid, interval, &phase) == -1) {
		/* without it a tick's arrival says nothing of its index */
		printf("  %-11s cannot read the phase of rr's timerfd from "
		    "/proc/%ld/fdinfo\n", label, (long)r.pid);
		goto fail;
	}
	ta = mono_ns();
	ca = cpu_ns(r.pid);
	sleep_until(rec[0].t + dur);
	tb = mono_ns();
	cb = cpu_ns(r.pid);
	if (loaded)
		load->off(load->arg);
	rr_stop(&r);
	nrec = 1 + read_records(fd, rec + 1, TICK_RECORDS - 1);
	close(fd);
	log = slurp(r.log);
	/* the unnamed ticker's line, "counters\t" then its fields (since
	 * the fleet, schedule="" first) */
	if (log != NULL && (counters = strstr(log, " counters\t")) != NULL) {
		sched = log_field(counters, "scheduled=");
		deliv = log_field(counters, "delivered=");
		skipped = log_field(counters, "skipped=");
	}
	free(log);
	nlat = lateness(b, rec, nrec, interval, phase, sched > 0 ? sched - 1 :
	    INT64_MAX, &start, &moved);
	if (nlat == 0) {
		printf("  %-11s no frame a worker got carried a tick number\n",
		    label);
		return;
	}
	ticks = due_between(start, interval, ta, tb);
	if (ca >= 0 && cb >= 0 && ticks > 0)
		cpu = (double)(cb - ca) / 1e3 / (double)ticks;
	printf("  %-11s %4.1f s %6zu %7lld %8.1f %8.1f %8.1f %8.1f %9.1f\n",
	    label, (double)dur / 1e9, nlat, skipped, pct(b->lat, nlat, 0) / 1e3,
	    pct(b->lat, nlat, 0.5) / 1e3, pct(b->lat, nlat, 0.99) / 1e3,
	    pct(b->lat, nlat, 1) / 1e3, cpu);
	printf("  %-11s rr's counters: scheduled=%lld delivered=%lld "
	    "skipped=%lld\n", "", sched, deliv, skipped);
	if (moved > 0)
		printf("  %-11s %zu ticks arrived past their next due time and "
		    "were placed back by order\n", "", moved);
	fig((double)pct(b->lat, nlat, 0.5) / 1e3, "us", "ticks.%s.p50", label);
	fig((double)pct(b->lat, nlat, 0.99) / 1e3, "us", "ticks.%s.p99",
	    label);
	fig((double)pct(b->lat, nlat, 1) / 1e3, "us", "ticks.%s.max", label);
	fig((double)nlat, "ticks", "ticks.%s.delivered", label);
	if (sched >= 0)
		fig((double)skipped, "ticks", "ticks.%s.skipped", label);
	/* under a load rr's CPU is mostly the load's, no price of a tick */
	if (cpu >= 0 && !loaded)
		fig(cpu, "us/tick", "ticks.%s.rr_cpu", label);
	return;
fail:
	if (loaded)
		load->off(load->arg);
	rr_stop(&r);
	close(fd);
	show_tail(&r);
}

/*
 * rr twice at 10 ms with a listener: idle_label with nothing on it, then
 * busy_label under load, so that the only difference is the load.  Each
 * rr gets a fresh loopback port, left in *port for load->on to connect
 * to, and listener() writes the config section that opens it.  -1 when
 * there was no port (said).
 */
int
tick_pair(struct bench *b, const char *idle_label, const char *busy_label,
    int64_t dur, void (*listener)(char *, size_t, uint16_t), uint16_t *port,
    const struct tick_load *load, struct tick_record *rec)
{
	char config[256];
	struct tick_load idle = { .config = config }, busy = *load;
	const struct tick_load *with[2] = { &idle, &busy };
	const char *label[2] = { idle_label, busy_label };
	int i;

	busy.config = config;
	ticks_header();
	for (i = 0; i < 2; i++) {
		if ((*port = free_port()) == 0)
			return -1;
		listener(config, sizeof config, *port);
		tick_run(b, label[i], "10ms", 10 * MSEC, dur, with[i], rec);
	}
	return 0;
}

/* The bare timerfd loops, by how they wait: their rows and figures. */
static const struct {
	const char	*row, *fig;
} tick_floors[TICK_NWAITS] = {
	[TICK_READ] = { "floor", "tick" },
	[TICK_EPOLL] = { "fl/epoll", "tick_epoll" },
	[TICK_TIMER_ONLY] = { "fl/wake", "tick_wake" },
};

/* One row of the bare timerfd loop; *f is left untouched if it fails. */
static void
floor_row(struct bench *b, int64_t dur, enum tick_wait how,
    struct tick_floor *f)
{
	const char *name = tick_floors[how].row;

	if (tick_floor(b, 10 * MSEC, dur, how, f) == -1) {
		printf("  %-11s %s\n", name, strerror(errno));
		return;
	}
	printf("  %-11s %4.1f s %6zu %7zu %8.1f %8.1f %8.1f %8.1f %9.1f\n",
	    name, (double)dur / 1e9, f->ticks, f->skipped, f->min_us,
	    f->p50_us, f->p99_us, f->max_us, f->cpu_us);
}

/* floor.NAME.{p50,p99,cpu}: the mean of the runs before and after rr. */
static void
floor_figures(enum tick_wait how, const struct tick_floor *before,
    const struct tick_floor *after)
{
	const char *name = tick_floors[how].fig;

	if (before->ticks == 0 || after->ticks == 0)
		return;
	fig((before->p50_us + after->p50_us) / 2, "us", "floor.%s.p50", name);
	fig((before->p99_us + after->p99_us) / 2, "us", "floor.%s.p99", name);
	fig((before->cpu_us + after->cpu_us) / 2, "us/tick", "floor.%s.cpu",
	    name);
}

/*
 * The VM's price of a wake-up drifts by 2x within a minute, so the bare
 * loops run just before and just after rr at the same interval, in
 * mirrored order, and their figures are the mean of the two.
 */
void
ticks_part(struct bench *b)
{
	struct tick_record *rec = calloc(TICK_RECORDS, sizeof *rec);
	struct tick_floor before[TICK_NWAITS] = { { .ticks = 0 } };
	struct tick_floor after[TICK_NWAITS] = { { .ticks = 0 } };
	int64_t fdur = b->quick ? SEC / 2 : 2 * SEC;
	int w;

	if (rec == NULL)
		return;
	printf("\nticks: ./rr, 2 bench/echo workers; lateness = worker's "
	    "receipt - scheduled time\n");
	ticks_header();
	for (w = 0; w < TICK_NWAITS; w++)
		floor_row(b, fdur, w, &before[w]);
	tick_run(b, "10ms", "10ms", 10 * MSEC, b->quick ? SEC : 5 * SEC, NULL,
	    rec);
	for (w = TICK_NWAITS - 1; w >= 0; w--)
		floor_row(b, fdur, w, &after[w]);
	for (w = 0; w < TICK_NWAITS; w++)
		floor_figures(w, &before[w], &after[w]);
	tick_run(b, "1ms", "1ms", MSEC, b->quick ? SEC / 2 : 2 * SEC, NULL,
	    rec);
	printf("  floor: a bare loop on a 10 ms timerfd, sending 16 B to a "
	    "child and reading its answer;\n  fl/epoll: the same loop "
	    "waiting in epoll_wait, as rr does;\n  fl/wake: the loop with "
	    "no child, one wake-up per tick to read the timerfd\n");
	free(rec);
}

/* VmHWM and RssAnon of an rr whose workers are all ready. */
static void
rr_memory(const struct rr_proc *r, unsigned workers)
{
	long hwm = proc_status(r->pid, "VmHWM");
	long anon = proc_status(r->pid, "RssAnon");

	printf("  %-34s VmHWM %5ld KiB, RssAnon %5ld KiB\n",
	    workers == 2 ? "rr, 2 workers (after the 1s run)" :
	    "rr, 100 workers", hwm, anon);
	fig((double)hwm, "KiB", "footprint.w%u.vmhwm", workers);
	fig((double)anon, "KiB", "footprint.w%u.rssanon", workers);
}

/*
 * Voluntary context switches (times rr went to sleep, so wake-ups) and CPU
 * of an rr that only ticks, over dur, starting half way between two ticks
 * when any is due in that time.
 */
static void
idle_run(const struct rr_proc *r, const char *what, const char *name,
    int64_t interval, int64_t dur)
{
	int64_t phase, t0, t1, c0, c1, ticks, next;
	long v0, v1;

	if (timer_phase(r->pid, interval, &phase) == -1) {
		printf("  %s: cannot read rr's timerfd\n", what);
		return;
	}
	/* tick 0's reply may still be on its way */
	sleep_until(mono_ns() + 100 * MSEC);
	t0 = mono_ns();
	next = t0 - (t0 - phase) % interval + interval;
	if (next - t0 < dur)
		sleep_until(next + interval / 2);
	t0 = mono_ns();
	v0 = proc_status(r->pid, "voluntary_ctxt_switches");
	c0 = cpu_ns(r->pid);
	sleep_until(t0 + dur);
	t1 = mono_ns();
	v1 = proc_status(r->pid, "voluntary_ctxt_switches");
	c1 = cpu_ns(r->pid);
	ticks = due_between(phase, interval, t0, t1);
	printf("  %-34s %ld wake-ups for %lld ticks in %.0f s, "
	    "rr CPU %.0f us\n", what, v1 - v0, (long long)ticks,
	    (double)dur / 1e9, (double)(c1 - c0) / 1e3);
	fig((double)(v1 - v0), "wakeups", "footprint.%s.wakeups", name);
	fig((double)ticks, "ticks", "footprint.%s.ticks", name);
	fig((double)(c1 - c0) / 1e3, "us", "footprint.%s.cpu", name);
	if (ticks > 0)
		fig((double)(v1 - v0) / (double)ticks, "per tick",
		    "footprint.%s.wakeups_per_tick", name);
}

/* rr with its workers all ready, or -1 having said why and stopped it. */
int
rr_ready(struct bench *b, struct rr_proc *r, const char *name,
    const char *cmd, const char *interval, unsigned workers,
    const char *extra)
{
	if (rr_start(b, r, name, cmd, interval, workers, "  level: info\n",
	    extra, false) == -1)
		return -1;
	return rr_all_ready(r, workers);
}

/* All of rr's workers ready, or -1 having said why and stopped it. */
int
rr_all_ready(struct rr_proc *r, unsigned workers)
{
	int64_t timeout = workers > 2 ? 30 * SEC : 10 * SEC;

	if (wait_log(r, "worker ready", workers, timeout) == 0)
		return 0;
	printf("  rr's %u workers were not ready in %lld s\n", workers,
	    (long long)(timeout / SEC));
	show_tail(r);
	rr_stop(r);
	return -1;
}

/* rr with `workers` bench/echo workers at interval 1h, so that after
 * tick 0 only what the part does costs it anything, and the listener
 * config() writes for a free port: that port, 0 if rr did not start. */
uint16_t
rr_listening(struct bench *b, struct rr_proc *r, const char *name,
    unsigned workers, void (*config)(char *, size_t, uint16_t))
{
	char cmd[PATH_MAX + 8], extra[256];
	uint16_t port;

	if ((port = free_port()) == 0)
		return 0;
	config(extra, sizeof extra, port);
	snprintf(cmd, sizeof cmd, "[\"%s\"]", b->echo);
	return rr_ready(b, r, name, cmd, "1h", workers, extra) == 0 ? port : 0;
}

void
footprint_part(struct bench *b)
{
	char cmd[PATH_MAX + 8];
	struct rr_proc r;
	struct stat st;

	printf("\nfootprint\n");
	snprintf(cmd, sizeof cmd, "[\"%s\"]", b->echo);
	if (rr_ready(b, &r, "tick1s", cmd, "1s", 2, NULL) == 0) {
		idle_run(&r, "rr at interval 1s, 2 workers", "tick1s", SEC,
		    b->quick ? 3 * SEC : 10 * SEC);
		rr_memory(&r, 2);
		rr_stop(&r);
	}
	/* an interval no run reaches: after tick 0 rr has nothing to do */
	if (rr_ready(b, &r, "idle", cmd, "1h", 2, NULL) == 0) {
		idle_run(&r, "rr at interval 1h, 2 workers", "idle",
		    3600 * SEC, b->quick ? SEC : 3 * SEC);
		rr_stop(&r);
	}
	if (rr_ready(b, &r, "hundred", cmd, "1s", 100, NULL) == 0) {
		rr_memory(&r, 100);
		rr_stop(&r);
	}
	exec_growth(b);
	if (stat(b->stripped, &st) == 0) {
		printf("  %-34s %lld bytes (%.1f KiB)\n", "stripped rr",
		    (long long)st.st_size, (double)st.st_size / 1024);
		fig((double)st.st_size / 1024, "KiB", "footprint.stripped");
	} else
		printf("  stripped rr: %s: %s\n", b->stripped, strerror(errno));
}

/*
 * Exec of rr to the first "tick done" in its log (the reply is in), timed
 * by the log line's own clock so that when the harness wakes up to read
 * it does not count.
 */
static double
first_tick_ms(struct bench *b, const char *command, unsigned workers)
{
	struct pollfd pfd;
	struct rr_proc r;
	char buf[1 << 16], *p;
	size_t len = 0;
	int64_t end = mono_ns() + 10 * SEC;
	double ts = -1;
	ssize_t n;

	if (rr_start(b, &r, "start", command, "1s", workers,
	    "  mode: production\n  level: debug\n", NULL, true) == -1)
		return -1;
	pfd = (struct pollfd){ r.log_fd, POLLIN, 0 };
	while (ts < 0 && len < sizeof buf - 1 && mono_ns() < end &&
	    poll(&pfd, 1, 100) >= 0) {
		if (!(pfd.revents & (POLLIN | POLLHUP)))
			continue;
		if ((n = read(r.log_fd, buf + len, sizeof buf - 1 - len)) <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if ((p = strstr(buf, "\"msg\":\"tick done\"")) != NULL) {
			while (p > buf && p[-1] != '\n')
				p--;
			if ((p = strstr(p, "\"ts\":")) != NULL)
				ts = strtod(p + 5, NULL);
		}
	}
	rr_stop(&r);
	return ts < 0 ? -1 : (ts * 1e9 - (double)r.t_real) / 1e6;
}

/*
 * Spawn of argv to its exit: the least an exec costs here, the floor of
 * a start that is an exec or two.  bench/echo exits at once, its stdin
 * being /dev/null.
 */
static double
bare_ms(char *const argv[])
{
	int64_t t0 = mono_ns();
	pid_t pid;

	if ((pid = spawn(argv, -1)) == -1 ||
	    waitpid(pid, NULL, 0) != pid)
		return -1;
	return (double)(mono_ns() - t0) / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Of the runs that worked (v >= 0), which are moved to the front. */
static int
median(double *v, int n, double *med)
{
	int i, ok = 0;

	for (i = 0; i < n; i++)
		if (v[i] >= 0)
			v[ok++] = v[i];
	if (ok == 0)
		return 0;
	qsort(v, (size_t)ok, sizeof *v, cmp_double);
	*med = v[ok / 2];
	return ok;
}

/*
 * With 2 workers (rr.yaml's count) both PHP processes start at once and,
 * on a 2-CPU machine, compete with each other for the first tick; one
 * worker shows rr's own part alone.  Runs are interleaved so that noise
 * hits every column alike.
 */
void
start_part(struct bench *b)
{
	double v[START_COLS][START_RUNS], med[START_COLS];
	int ok[START_COLS];
	char ccmd[PATH_MAX + 8], pcmd[PATH_MAX + 16];
	char *php[] = { "php", "-r", "", NULL }, *echo[] = { b->echo, NULL };
	const char *what[START_COLS] = { "C worker (bench/echo), 1 worker",
	    "C worker (bench/echo), 2 workers",
	    "PHP worker (app.php), 1 worker",
	    "PHP worker (app.php), 2 workers", "bare php -r ''",
	    "bare exec of bench/echo" };
	const char *name[START_COLS] = { "start.c.w1", "start.c.w2",
	    "start.php.w1", "start.php.w2", "start.bare_php",
	    "start.bare_exec" };
	int i, j, runs = b->quick ? 3 : START_RUNS;

	snprintf(ccmd, sizeof ccmd, "[\"%s\"]", b->echo);
	snprintf(pcmd, sizeof pcmd, "[\"php\", \"%s\"]", b->app);
	for (i = 0; i < runs; i++) {
		v[0][i] = first_tick_ms(b, ccmd, 1);
		v[1][i] = first_tick_ms(b, ccmd, 2);
		v[2][i] = first_tick_ms(b, pcmd, 1);
		v[3][i] = first_tick_ms(b, pcmd, 2);
		v[4][i] = bare_ms(php);
		v[5][i] = bare_ms(echo);
	}
	printf("\nstart: exec of rr to the first \"tick done\" in its log "
	    "(bare ones: to their exit), median of %d\n", runs);
	for (j = 0; j < START_COLS; j++) {
		if ((ok[j] = median(v[j], runs, &med[j])) == 0) {
			printf("  %-34s no run worked\n", what[j]);
			continue;
		}
		printf("  %-34s %8.2f ms  (min %.2f, max %.2f%s)\n", what[j],
		    med[j], v[j][0], v[j][ok[j] - 1],
		    ok[j] < runs ? ", some runs failed" : "");
		fig(med[j], "ms", "%s", name[j]);
	}
	if (ok[5]) {
		printf("  %-34s %8.2f ms  (rr, then its worker)\n",
		    "C worker floor: 2 bare execs", 2 * med[5]);
		fig(2 * med[5], "ms", "start.c.floor");
	}
	if (!ok[4])
		return;
	printf("  %-34s", "PHP worker start - bare php");
	for (j = 2; j < 4; j++)
		if (ok[j]) {
			printf(" %8.2f ms with %d worker%s", med[j] - med[4],
			    j - 1, j == 2 ? "" : "s");
			fig(med[j] - med[4], "ms", "start.php.w%d_over_bare",
			    j - 1);
		}
	printf("\n");
}

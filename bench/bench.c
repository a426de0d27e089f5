/*
 * bench: see bench.h.
 *
 *   bench -r RR -e ECHO -a APP.PHP -s STRIPPED_RR -t DIR [-q] [part...]
 *
 * Parts: floor exec ticks footprint start (default: all, in that order;
 * exec's ratios need floor in the same run).  Scratch files (configs,
 * rr's logs) go to a fresh directory in DIR, removed at the end.  -q
 * shortens every run, for trying the harness; its figures are not the
 * ones to quote.
 */
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define MAX_FIGURES	256
#define MAX_LATENCIES	(1u << 22)

const uint32_t bench_size[NSIZES] = { 16, 4096, 65536 };
const char *const bench_size_name[NSIZES] = { "16B", "4KiB", "64KiB" };
const char *const cpu_mode_name[CPU_NMODES] = { "pinned", "split",
	"unpinned" };

static struct figure {
	char	 name[64];
	double	 value;
	char	 unit[16];
} figures[MAX_FIGURES];
static size_t nfigures;

void
fig(double value, const char *unit, const char *fmt, ...)
{
	struct figure *f;
	va_list ap;

	if (nfigures == MAX_FIGURES)
		return;
	f = &figures[nfigures++];
	va_start(ap, fmt);
	vsnprintf(f->name, sizeof f->name, fmt, ap);
	va_end(ap);
	f->value = value;
	snprintf(f->unit, sizeof f->unit, "%s", unit);
}

bool
fig_get(double *value, const char *name)
{
	size_t i;

	for (i = 0; i < nfigures; i++)
		if (strcmp(figures[i].name, name) == 0) {
			*value = figures[i].value;
			return true;
		}
	return false;
}

/* Whole numbers from 100 up, three significant digits below. */
static const char *
fmt_value(char *buf, size_t len, double v)
{
	snprintf(buf, len, v >= 100 || v <= -100 ? "%.0f" : "%.3g", v);
	return buf;
}

/*
 * Issue 5's targets.  A figure relative to another (exec against the
 * floor, PHP against bare PHP) was computed by the part that measured
 * both, so every target here is one figure against one bound.
 */
static const struct target {
	const char	*what;
	const char	*name;
	bool		 at_least;	/* else at most */
	double		 bound;
	const char	*unit;
	const char	*floor;		/* the same figure's floor, if any */
} targets[] = {
	{ "exec pinned 16B, 1 worker / floor",
	    "exec.pinned.16B.w1.c1.floor_ratio_alternated", true, 0.8, "x", NULL },
	{ "exec pinned 4KiB, 1 worker / floor",
	    "exec.pinned.4KiB.w1.c1.floor_ratio_alternated", true, 0.7, "x", NULL },
	{ "exec unpinned 16B, 1 worker", "exec.unpinned.16B.w1.c1.rate",
	    true, 36000, "execs/s", NULL },
	{ "server CPU, pinned 16B, 1 worker", "exec.pinned.16B.w1.c1.cpu",
	    false, 5, "us/exec", "floor.pinned.16B.cpu" },
	{ "server CPU, unpinned 16B, 1 worker", "exec.unpinned.16B.w1.c1.cpu",
	    false, 5, "us/exec", "floor.unpinned.16B.cpu" },
	{ "idle rr CPU (interval 1h, 3 s)", "footprint.idle.cpu", false, 0,
	    "us", NULL },
	{ "idle rr wake-ups (interval 1h, 3 s)", "footprint.idle.wakeups",
	    false, 0, "wakeups", NULL },
	{ "ticks 10ms lateness p50", "ticks.10ms.p50", false, 150, "us",
	    "floor.tick.p50" },
	{ "ticks 10ms lateness p99", "ticks.10ms.p99", false, 500, "us",
	    "floor.tick.p99" },
	{ "ticks 10ms skipped", "ticks.10ms.skipped", false, 0, "ticks", NULL },
	{ "ticks 10ms rr CPU per tick", "ticks.10ms.rr_cpu", false, 40,
	    "us/tick", "floor.tick.cpu" },
	{ "VmHWM, 2 workers", "footprint.w2.vmhwm", false, 2048, "KiB", NULL },
	{ "RssAnon, 2 workers", "footprint.w2.rssanon", false, 512, "KiB", NULL },
	{ "RssAnon, 100 workers", "footprint.w100.rssanon", false, 2048,
	    "KiB", NULL },
	{ "RssAnon growth over 10^6 execs", "footprint.growth_1e6", false, 0,
	    "KiB", NULL },
	{ "wake-ups per tick at 1s (= the ticks)",
	    "footprint.tick1s.wakeups_per_tick", false, 1, "per tick", NULL },
	{ "start to first tick, C worker, 1 worker", "start.c.w1", false, 3,
	    "ms", "start.c.floor" },
	{ "start to first tick, C worker, 2 workers", "start.c.w2", false, 3,
	    "ms", "start.c.floor" },
	{ "PHP start - bare php start, 1 worker", "start.php.w1_over_bare",
	    false, 2, "ms", NULL },
	{ "PHP start - bare php start, 2 workers", "start.php.w2_over_bare",
	    false, 2, "ms", NULL },
	{ "stripped binary", "footprint.stripped", false, 200, "KiB", NULL },
};

/*
 * A second floor for a few targets, barer than the first (a wake-up alone
 * against a wake-up and a round trip); apart from targets[] so that its
 * other entries need not each say they have none.
 */
static const struct more_floor {
	const char	*target;	/* the target's figure */
	const char	*what;
	const char	*name;		/* the floor's figure */
} more_floors[] = {
	{ "ticks.10ms.rr_cpu", "one bare wake", "floor.tick_wake.cpu" },
};

/* "LABEL VALUE" after " (" or "; " if the figure was measured. */
static bool
print_floor(bool first, const char *what, const char *name)
{
	char val[32];
	double v;

	if (name == NULL || !fig_get(&v, name))
		return false;
	printf("%s%s %s", first ? " (" : "; ", what,
	    fmt_value(val, sizeof val, v));
	return true;
}

static void
print_targets(void)
{
	const struct target *t;
	char val[32], bound[32], goal[48];
	double v, miss;
	size_t i, j;
	bool any;

	printf("\ntargets (issue 5)\n");
	printf("  %-42s %10s  %-20s %s\n", "figure", "measured", "target",
	    "verdict");
	for (i = 0; i < sizeof targets / sizeof targets[0]; i++) {
		t = &targets[i];
		snprintf(goal, sizeof goal, "%s %s %s", t->at_least ? ">=" :
		    "<=", fmt_value(bound, sizeof bound, t->bound), t->unit);
		if (!fig_get(&v, t->name)) {
			printf("  %-42s %10s  %-20s not measured\n", t->what,
			    "-", goal);
			continue;
		}
		printf("  %-42s %10s  %-20s ", t->what,
		    fmt_value(val, sizeof val, v), goal);
		miss = t->at_least ? t->bound - v : v - t->bound;
		if (miss <= 0)
			printf("pass");
		else if (t->bound != 0)
			printf("FAIL by %.0f%%", 100 * miss / t->bound);
		else
			printf("FAIL by %s %s",
			    fmt_value(val, sizeof val, miss), t->unit);
		any = print_floor(true, "floor", t->floor);
		for (j = 0; j < sizeof more_floors / sizeof more_floors[0]; j++)
			if (strcmp(more_floors[j].target, t->name) == 0 &&
			    print_floor(!any, more_floors[j].what,
			    more_floors[j].name))
				any = true;
		printf("%s\n", any ? ")" : "");
	}
}

/*
 * The machine's own noise: the load average, and the share of CPU time
 * the hypervisor gave to others (steal) since the last call.  Figures
 * from a busy machine are not the ones to quote.
 */
static void
machine(const char *when)
{
	static unsigned long long steal0, total0;
	unsigned long long v[8] = { 0 }, total = 0;
	char load[32] = "?";
	FILE *f;
	int i;

	if ((f = fopen("/proc/loadavg", "re")) != NULL) {
		if (fscanf(f, "%31s", load) != 1)
			snprintf(load, sizeof load, "?");
		fclose(f);
	}
	if ((f = fopen("/proc/stat", "re")) != NULL) {
		if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
		    &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
		    &v[7]) != 8)
			memset(v, 0, sizeof v);
		fclose(f);
	}
	for (i = 0; i < 8; i++)
		total += v[i];
	printf("machine %s: load average %s", when, load);
	if (total0 != 0 && total > total0)
		printf(", %.1f%% of CPU time stolen by the hypervisor",
		    100.0 * (double)(v[7] - steal0) / (double)(total - total0));
	printf("\n");
	steal0 = v[7];
	total0 = total;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: bench -r RR -e ECHO -a APP.PHP -s STRIPPED "
	    "-t DIR [-q]\n             [floor|exec|ticks|footprint|start]..."
	    "\n");
	exit(2);
}

static void
absolute(const char *path, char *out)
{
	if (realpath(path, out) == NULL) {
		fprintf(stderr, "bench: %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

static const struct part {
	const char	*name;
	void		(*run)(struct bench *);
} parts[] = {
	{ "floor", floor_part }, { "exec", exec_part },
	{ "ticks", ticks_part }, { "footprint", footprint_part },
	{ "start", start_part },
};
#define NPARTS	(sizeof parts / sizeof parts[0])

int
main(int argc, char **argv)
{
	static struct bench b;
	char tmpdir[PATH_MAX] = "";
	bool want[NPARTS] = { false };
	int64_t t0 = mono_ns();
	char val[32];
	sigset_t chld;
	size_t i, j;
	int ch;

	while ((ch = getopt(argc, argv, "r:e:a:s:t:q")) != -1) {
		switch (ch) {
		case 'r': absolute(optarg, b.rr); break;
		case 'e': absolute(optarg, b.echo); break;
		case 'a': absolute(optarg, b.app); break;
		case 's': b.stripped = optarg; break;
		case 't': absolute(optarg, tmpdir); break;
		case 'q': b.quick = true; break;
		default: usage();
		}
	}
	if (!*b.rr || !*b.echo || !*b.app || b.stripped == NULL || !*tmpdir)
		usage();
	for (i = (size_t)optind; i < (size_t)argc; i++) {
		for (j = 0; j < NPARTS && strcmp(argv[i], parts[j].name); j++)
			;
		if (j == NPARTS)
			usage();
		want[j] = true;
	}
	if (optind == argc)
		for (j = 0; j < NPARTS; j++)
			want[j] = true;

	/* as in rr: SIGCHLD only through the pool's signalfd, and a dead
	 * worker's pipe is EPIPE, not a signal */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (snprintf(b.tmp, sizeof b.tmp, "%s/run.XXXXXX", tmpdir) >=
	    (int)sizeof b.tmp) {
		fprintf(stderr, "bench: %s: path too long\n", tmpdir);
		return 1;
	}
	if (mkdtemp(b.tmp) == NULL ||
	    sched_getaffinity(0, sizeof b.all, &b.all) == -1 ||
	    (b.lat = calloc(MAX_LATENCIES, sizeof *b.lat)) == NULL) {
		fprintf(stderr, "bench: %s\n", strerror(errno));
		return 1;
	}
	b.maxlat = MAX_LATENCIES;
	/* the last CPU for the server, often the one taking fewer
	 * interrupts; the one before it for a split worker */
	for (b.cpu = CPU_SETSIZE - 1; b.cpu > 0 && !CPU_ISSET(b.cpu, &b.all);)
		b.cpu--;
	for (b.other = b.cpu - 1; b.other >= 0 && !CPU_ISSET(b.other, &b.all);)
		b.other--;
	printf("rr bench: %s, %d CPUs; pinned: everything on CPU %d; "
	    "split: worker on CPU %d%s\n", b.rr, CPU_COUNT(&b.all), b.cpu,
	    b.other, b.quick ? "; QUICK (-q) RUN" : "");
	machine("before");

	for (j = 0; j < NPARTS; j++)
		if (want[j])
			parts[j].run(&b);

	printf("\n");
	machine("after");
	print_targets();
	printf("\n");
	for (i = 0; i < nfigures; i++)
		printf("bench %s %s %s\n", figures[i].name,
		    fmt_value(val, sizeof val, figures[i].value),
		    figures[i].unit);
	printf("bench total_time %.1f s\n", (double)(mono_ns() - t0) / 1e9);
	nftw(b.tmp, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/*
 * cluster: the real rr with ticker.cluster, its fires claimed through a
 * redis-server the part starts on loopback (and stops at the end).
 *
 * Lateness: rr with one schedule, s0 at 10 ms, on two recording
 * bench/echo workers, without the cluster and with it, in rounds of
 * 2.5 s in mirrored order (without, with, with, without), pooled.  A
 * fire of s0 is due at a multiple of 10 ms since the epoch; bench/echo
 * stamps its receipt on CLOCK_MONOTONIC, which the harness's own
 * reading of both clocks, before and after the run, puts on
 * CLOCK_REALTIME.  Its lateness is the receipt less the latest multiple
 * of 10 ms at or before it: this assumes lateness under 10 ms, so one
 * that comes out at 5 ms or more is counted as a late outlier (it may be
 * 10 ms more) rather than guessed at.
 *
 * The floor of the added lateness is Redis's own round trip: the harness
 * sends an EVAL of a script making the claim's calls (three GET, two
 * SET, on keys of its own) at the same 10 ms pace, on one connection,
 * in rounds of its own beside rr's, and times each answer.  Percentiles
 * do not add, but what rr adds beyond that round trip is bounded by
 * cluster <= nocluster + round trip: the targets judge that sum.
 *
 * Claims: Redis's INFO commandstats before the first round with the
 * cluster starts and after the second exited, against rr's schedule
 * counters at exit, cover the same claims: every one in flight is
 * answered before rr logs them.  A claim is one EVAL, so EVAL (and
 * EVALSHA) calls over claims answered is 1 unless rr retries or sends
 * more than one.  commandstats counts the commands a script runs inside
 * Redis too (the claim's GET and SET), so its commands per fire are
 * Redis's work, not rr's round trips.
 *
 * Fleet: 10 rr of 100 schedules of "* * * * * *" each, on one redis, the
 * tests' tworker recording every payload a server's workers get.  Over
 * the whole seconds after every server had all its workers ready and
 * before the first SIGTERM, each (schedule, second) must have run
 * exactly once in the fleet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define INTERVAL	(10 * MSEC)
#define OUTLIER		(5 * MSEC)
#define FLEET		10	/* servers */
#define FLEET_SCHEDULES	100
#define FLEET_WORKERS	15	/* each: see fleet() */
#define SHOW		5	/* missing or duplicate fires printed */

struct redis_server {
	pid_t	 pid;		/* -1: reaped */
	uint16_t port;
	char	 log[PATH_MAX];
};

/* A server's schedule counters lines at exit, summed. */
struct counters {
	unsigned	 lines;
	long long	 delivered, skipped, overlap, busy, late, coordinator;
	long long	 won, lost, unavailable;
};

/* Calls from INFO commandstats; all but the harness's own INFO. */
struct cmdstats {
	long long	 eval, set, get, all;
	long long	 eval_us;	/* Redis's time in them */
};

/*
 * One command to redis-server in the inline form, and its reply into
 * out, NUL-terminated: a status line as it came, or a bulk string's
 * contents.  A connection of its own per command: the part asks a
 * handful of times.  -1 if no whole reply came within a second.
 */
static int
redis_ask(uint16_t port, const char *cmd, char *out, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
	    .sin_port = htons(port),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { 1, 0 };
	size_t got = 0, head, body;
	char line[64], *eol;
	int fd, r = -1;
	ssize_t n;

	snprintf(line, sizeof line, "%s\r\n", cmd);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == -1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1 ||
	    write(fd, line, strlen(line)) != (ssize_t)strlen(line))
		goto out;
	while (got < len - 1 &&
	    (n = read(fd, out + got, len - 1 - got)) > 0) {
		got += (size_t)n;
		out[got] = '\0';
		if ((eol = strstr(out, "\r\n")) == NULL)
			continue;
		if (out[0] != '$') {
			*eol = '\0';
			r = 0;
			break;
		}
		head = (size_t)(eol + 2 - out);
		body = strtoul(out + 1, NULL, 10);
		if (got >= head + body + 2) {
			memmove(out, out + head, body);
			out[body] = '\0';
			r = 0;
			break;
		}
	}
out:
	close(fd);
	return r;
}

static void
redis_stop(struct redis_server *rs)
{
	if (rs->pid == -1)
		return;
	kill(rs->pid, SIGTERM);
	reap_child(rs->pid, 5 * SEC);
	rs->pid = -1;
}

/*
 * redis-server on a free loopback port, without persistence, answering
 * PING; -1 having said why.  Not installed is not a failure of rr's: the
 * part is skipped.
 */
static int
redis_start(struct bench *b, struct redis_server *rs)
{
	char port[8], reply[64];
	char *argv[] = { "redis-server", "--port", port, "--save", "",
	    "--appendonly", "no", "--bind", "127.0.0.1", "--logfile", rs->log,
	    NULL };
	struct rr_proc shown;
	int64_t until;

	rs->pid = -1;
	if ((rs->port = free_port()) == 0)
		return -1;
	snprintf(port, sizeof port, "%u", rs->port);
	tmp_path(b, "redis.log", rs->log);
	if ((rs->pid = spawn(argv, -1)) == -1) {
		if (errno == ENOENT)
			printf("  skipped: redis-server is not installed "
			    "(apt-get install redis-server)\n");
		else
			printf("  redis-server: %s\n", strerror(errno));
		return -1;
	}
	for (until = mono_ns() + 5 * SEC; mono_ns() < until;
	    sleep_until(mono_ns() + 10 * MSEC)) {
		if (redis_ask(rs->port, "PING", reply, sizeof reply) == 0 &&
		    strcmp(reply, "+PONG") == 0)
			return 0;
		if (waitpid(rs->pid, NULL, WNOHANG) == rs->pid) {
			rs->pid = -1;
			break;
		}
	}
	printf("  redis-server on port %s did not answer PING in 5 s\n", port);
	snprintf(shown.log, sizeof shown.log, "%s", rs->log);
	show_tail(&shown);
	redis_stop(rs);
	return -1;
}

static int
cmdstats(uint16_t port, struct cmdstats *cs)
{
	static char buf[1 << 16];
	char *p, *colon, *us;
	long long calls;
	size_t len;

	memset(cs, 0, sizeof *cs);
	if (redis_ask(port, "INFO commandstats", buf, sizeof buf) == -1) {
		printf("  INFO commandstats: no answer from redis-server\n");
		return -1;
	}
	for (p = buf; (p = strstr(p, "cmdstat_")) != NULL; p = colon) {
		p += sizeof "cmdstat_" - 1;
		if ((colon = strchr(p, ':')) == NULL)
			break;
		if (strncmp(colon, ":calls=", 7) != 0)
			continue;
		calls = strtoll(colon + 7, NULL, 10);
		len = (size_t)(colon - p);
		if ((len == 4 && strncmp(p, "eval", 4) == 0) ||
		    (len == 7 && strncmp(p, "evalsha", 7) == 0)) {
			cs->eval += calls;
			/* calls=N,usec=N,... */
			us = colon + strcspn(colon, ",");
			if (strncmp(us, ",usec=", 6) == 0)
				cs->eval_us += strtoll(us + 6, NULL, 10);
		}
		else if (len == 3 && strncmp(p, "set", 3) == 0)
			cs->set += calls;
		else if (len == 3 && strncmp(p, "get", 3) == 0)
			cs->get += calls;
		if (len != 4 || strncmp(p, "info", 4) != 0)
			cs->all += calls;
	}
	return 0;
}

static void
add(long long *sum, const char *line, const char *key)
{
	long long v = log_field(line, key);

	if (v > 0)
		*sum += v;
}

/* The part never sends SIGUSR2: every such line is one rr logged at
 * exit, one per schedule, for its whole life. */
static void
exit_counters(const struct rr_proc *r, struct counters *c)
{
	static const char key[] = "schedule counters";
	char *log = slurp(r->log), *p;

	memset(c, 0, sizeof *c);
	for (p = log; p != NULL && (p = strstr(p, key)) != NULL;
	    p += sizeof key - 1) {
		c->lines++;
		add(&c->delivered, p, "delivered=");
		add(&c->skipped, p, "skipped=");
		add(&c->overlap, p, "skipped_overlap=");
		add(&c->busy, p, "skipped_busy=");
		add(&c->late, p, "skipped_late=");
		add(&c->coordinator, p, "skipped_coordinator=");
		add(&c->won, p, "claims_won=");
		add(&c->lost, p, "claims_lost=");
		add(&c->unavailable, p, "claims_unavailable=");
	}
	free(log);
}

static void
counters_add(struct counters *sum, const struct counters *c)
{
	sum->lines += c->lines;
	sum->delivered += c->delivered;
	sum->skipped += c->skipped;
	sum->overlap += c->overlap;
	sum->busy += c->busy;
	sum->late += c->late;
	sum->coordinator += c->coordinator;
	sum->won += c->won;
	sum->lost += c->lost;
	sum->unavailable += c->unavailable;
}

/*
 * name.yaml: nsched schedules s0, s1... each `when`, on `workers` of
 * command (a YAML list), with the cluster on port (0: without).
 */
static int
config(struct bench *b, const char *name, const char *command,
    unsigned workers, unsigned nsched, const char *when, uint16_t port)
{
	char path[PATH_MAX];
	unsigned i;
	FILE *f;

	if ((f = rr_config_create(b, name, path)) == NULL)
		return -1;
	fprintf(f, "version: '3'\nserver:\n  command: %s\nticker:\n"
	    "  pool:\n    num_workers: %u\n  schedules:\n", command, workers);
	for (i = 0; i < nsched; i++)
		fprintf(f, "    s%u: {%s}\n", i, when);
	if (port != 0)
		fprintf(f, "  cluster:\n    redis: tcp://127.0.0.1:%u\n", port);
	fprintf(f, "logs:\n  level: info\n");
	if (fclose(f) == EOF) {
		printf("  %s: %s: %s\n", name, path, strerror(errno));
		return -1;
	}
	return 0;
}

/* CLOCK_REALTIME less CLOCK_MONOTONIC, from the try whose two monotonic
 * reads came closest around its realtime one: a preemption between
 * them would put the offset off by its length. */
static int64_t
real_offset(void)
{
	int64_t a, r, z, best = INT64_MAX, off = 0;
	int i;

	for (i = 0; i < 16; i++) {
		a = mono_ns();
		r = real_ns();
		z = mono_ns();
		if (z - a < best) {
			best = z - a;
			off = r - a - (z - a) / 2;
		}
	}
	return off;
}

/* One label's rounds, pooled. */
struct late {
	const char	*label;
	uint16_t	 port;		/* the cluster's; 0: none */
	int		 rounds;	/* that worked */
	int64_t		*lat;		/* its share of b->lat */
	size_t		 n, max, outliers;
	struct counters	 c;		/* summed over its rounds */
};

/*
 * One round: rr with s0 at 10 ms on two recording bench/echo workers,
 * with the cluster on l->port or without, for dur from the first fire's
 * receipt; its fires' lateness and counters added to l.
 */
static int
late_run(struct bench *b, struct late *l, int round, int64_t dur,
    struct tick_record *rec)
{
	char cmd[2 * PATH_MAX + 32], fifo[PATH_MAX], name[48];
	int64_t off0, off1, off, late;
	struct counters c;
	struct rr_proc r;
	size_t nrec, i;
	int fd;

	snprintf(name, sizeof name, "cluster-%s-%d", l->label, round);
	if ((fd = records_open(b, name, fifo)) == -1)
		return -1;
	snprintf(cmd, sizeof cmd, "[\"%s\", \"-r\", \"%s\"]", b->echo, fifo);
	if (config(b, name, cmd, 2, 1, "interval: 10ms", l->port) == -1 ||
	    rr_start_file(b, &r, name, false) == -1) {
		close(fd);
		return -1;
	}
	off0 = real_offset();
	if (first_record(fd, 10 * SEC, rec) == -1) {
		printf("  %-10s no fire reached a worker in 10 s\n", l->label);
		rr_stop(&r);
		close(fd);
		show_tail(&r);
		return -1;
	}
	sleep_until(rec[0].t + dur);
	rr_stop(&r);
	off1 = real_offset();
	nrec = 1 + read_records(fd, rec + 1, TICK_RECORDS - 1);
	close(fd);
	exit_counters(&r, &c);
	counters_add(&l->c, &c);
	/* the clocks drift apart only when the wall clock is stepped */
	off = off0 + (off1 - off0) / 2;
	if (off1 - off0 > 100000 || off0 - off1 > 100000)
		printf("  %-10s the wall clock moved %.0f us against the "
		    "monotonic one during the run\n", l->label,
		    (double)(off1 - off0) / 1e3);
	for (i = 0; i < nrec && l->n < l->max; i++) {
		if (rec[i].n == UINT64_MAX)
			continue;
		late = (rec[i].t + off) % INTERVAL;
		if (late >= OUTLIER)
			l->outliers++;
		l->lat[l->n++] = late;
	}
	l->rounds++;
	return 0;
}

/* The same Redis calls as rr's claim, answered with one integer line. */
static const char floor_script[] =
	"local f = tonumber(redis.call('GET', 'bf:c') or '-1')\n"
	"local n = tonumber(redis.call('GET', 'bf:n') or '0')\n"
	"redis.call('SET', 'bf:c', f + 1)\n"
	"redis.call('SET', 'bf:n', n + 1)\n"
	"redis.call('GET', 'bf:l')\n"
	"return n + 1\n";

/*
 * One round of the floor: an EVAL each 10 ms on a multiple of it, as
 * rr's fires are, for dur; each round trip into l.  -1 having said why.
 */
static int
floor_run(struct late *l, uint16_t port, int64_t dur)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
	    .sin_port = htons(port),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int64_t off = real_offset(), until = mono_ns() + dur, due, sent;
	char cmd[sizeof floor_script + 64], reply[64];
	int fd, one = 1, len;
	size_t got;
	ssize_t n;

	len = snprintf(cmd, sizeof cmd, "*3\r\n$4\r\nEVAL\r\n$%zu\r\n%s\r\n"
	    "$1\r\n0\r\n", strlen(floor_script), floor_script);

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) ==
	    -1 || connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1) {
		printf("  %-10s redis: %s\n", l->label, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	while (mono_ns() < until && l->n < l->max) {
		due = ((mono_ns() + off) / INTERVAL + 1) * INTERVAL - off;
		sleep_until(due);
		sent = mono_ns();
		if (write(fd, cmd, (size_t)len) != len)
			break;
		for (got = 0; got < 2 || memcmp(reply + got - 2, "\r\n", 2);
		    got += (size_t)n)
			if ((n = read(fd, reply + got, sizeof reply - got)) <= 0)
				goto out;
		if (reply[0] != ':') {
			printf("  %-10s redis answered %.*s\n", l->label,
			    (int)got, reply);
			break;
		}
		l->lat[l->n++] = mono_ns() - sent;
	}
out:
	close(fd);
	l->rounds++;
	return 0;
}

/* A label's row of the table and its figures cluster.LABEL.*. */
static void
late_row(struct late *l, int64_t dur)
{
	size_t n = l->n;

	if (n == 0) {
		printf("  %-10s no frame a worker got carried a tick number\n",
		    l->label);
		return;
	}
	sort_ns(l->lat, n);
	printf("  %-10s %dx%.1f s %6zu %8zu %8.1f %8.1f %8.1f %8.1f %9lld "
	    "%7lld\n", l->label, l->rounds, (double)dur / 1e9, n, l->outliers,
	    pct(l->lat, n, 0) / 1e3, pct(l->lat, n, 0.5) / 1e3,
	    pct(l->lat, n, 0.99) / 1e3, pct(l->lat, n, 1) / 1e3,
	    l->c.delivered, l->c.skipped);
	fig((double)pct(l->lat, n, 0.5) / 1e3, "us", "cluster.%s.p50",
	    l->label);
	fig((double)pct(l->lat, n, 0.99) / 1e3, "us", "cluster.%s.p99",
	    l->label);
	fig((double)pct(l->lat, n, 1) / 1e3, "us", "cluster.%s.max",
	    l->label);
	if (l->c.skipped > 0)
		printf("  %-10s rr's skips: overlap %lld, busy %lld, late %lld, "
		    "coordinator %lld\n", "", l->c.overlap, l->c.busy,
		    l->c.late, l->c.coordinator);
	fig((double)n, "fires", "cluster.%s.fires", l->label);
	fig((double)l->outliers, "fires", "cluster.%s.late_outliers",
	    l->label);
}

/* cluster.floor.p50 and .p99: the lateness without the cluster plus a
 * bare claim's round trip, at each percentile (both sorted already). */
static void
added_floor(const struct late *none, const struct late *rtt)
{
	static const double at[] = { 0.5, 0.99 };
	size_t i;

	if (none->n == 0 || rtt->n == 0)
		return;
	for (i = 0; i < 2; i++)
		fig((double)(pct(none->lat, none->n, at[i]) +
		    pct(rtt->lat, rtt->n, at[i])) / 1e3, "us",
		    "cluster.floor.p%.0f", at[i] * 100);
}

/* The cluster run's Redis commands against its claims and fires. */
static void
claims(const struct cmdstats *c0, const struct cmdstats *c1,
    const struct counters *c)
{
	long long evals = c1->eval - c0->eval, answered = c->won + c->lost;
	double fires = (double)c->delivered;

	printf("  claims: %lld EVAL for %lld answered (%lld won, %lld lost), "
	    "%lld unavailable: %.3f a claim,\n  each EVAL %.1f us inside "
	    "Redis\n", evals, answered, c->won, c->lost, c->unavailable,
	    answered > 0 ? (double)evals / (double)answered : 0,
	    evals > 0 ? (double)(c1->eval_us - c0->eval_us) /
	    (double)evals : 0);
	if (answered > 0)
		fig((double)evals / (double)answered, "per claim",
		    "cluster.claim_rtts_per_fire");
	if (evals > 0)
		fig((double)(c1->eval_us - c0->eval_us) / (double)evals, "us",
		    "cluster.eval_in_redis");
	if (c->delivered <= 0)
		return;
	printf("  redis commands a delivered fire: %.2f (EVAL %.2f, SET %.2f, "
	    "GET %.2f, other %.2f;\n  GET and SET include the claim "
	    "script's own, run inside Redis)\n",
	    (double)(c1->all - c0->all) / fires, (double)evals / fires,
	    (double)(c1->set - c0->set) / fires,
	    (double)(c1->get - c0->get) / fires,
	    (double)(c1->all - c0->all - evals - (c1->set - c0->set) -
	    (c1->get - c0->get)) / fires);
	fig((double)(c1->all - c0->all) / fires, "per fire",
	    "cluster.redis_commands_per_fire");
}

/*
 * The (schedule, second) of a tworker "recv" line, from its ctx
 * {"fence":F,"lastTick":T,"name":"sK","scheduled":MS}: -1 for another
 * line, -2 for a payload of no schedule of the fleet's or not on a whole
 * second.
 */
static int
recv_fire(const char *line, unsigned *sched, long long *second)
{
	const char *body = strstr(line, " body="), *p, *q;
	unsigned long k;
	long long ms;
	char *end;

	if (strncmp(line, "recv ", 5) != 0)
		return -1;
	if (body == NULL || (p = strstr(line, "\"name\":\"s")) == NULL ||
	    p > body || (q = strstr(line, "\"scheduled\":")) == NULL ||
	    q > body)
		return -2;
	k = strtoul(p + 9, &end, 10);
	if (*end != '"' || end == p + 9 || k >= FLEET_SCHEDULES)
		return -2;
	ms = strtoll(q + 12, &end, 10);
	if (ms <= 0 || ms % 1000 != 0)
		return -2;
	*sched = (unsigned)k;
	*second = ms / 1000;
	return 0;
}

/*
 * Each server's recorder file into count[sched * nsec + (second -
 * first)], by[] the same place's first server to run it, run[i] the
 * fires server i ran in the window.  Returns the payloads of no
 * schedule of the fleet's or not on a whole second.
 */
static long
tally(char rec[][PATH_MAX], long long first, long long nsec,
    unsigned *count, signed char *by, long *run)
{
	unsigned sched;
	long long second;
	long odd = 0;
	char *s, *line, *nl;
	size_t at;
	int i;

	for (i = 0; i < FLEET; i++) {
		run[i] = 0;
		if ((s = slurp(rec[i])) == NULL)
			continue;
		for (line = s; (nl = strchr(line, '\n')) != NULL;
		    line = nl + 1) {
			*nl = '\0';
			switch (recv_fire(line, &sched, &second)) {
			case -1:
				continue;
			case -2:
				odd++;
				continue;
			}
			if (second < first || second >= first + nsec)
				continue;
			at = (size_t)sched * (size_t)nsec +
			    (size_t)(second - first);
			if (count[at]++ == 0)
				by[at] = (signed char)i;
			run[i]++;
		}
		free(s);
	}
	return odd;
}

/* Missing and duplicate fires, the first few of each said. */
static void
judge(long long first, long long nsec, const unsigned *count,
    const signed char *by, long odd)
{
	long long missing = 0, dup = 0, twice = 0, second;
	unsigned sched;
	size_t at;

	for (sched = 0; sched < FLEET_SCHEDULES; sched++)
		for (second = first; second < first + nsec; second++) {
			at = (size_t)sched * (size_t)nsec +
			    (size_t)(second - first);
			if (count[at] == 0 && missing++ < SHOW)
				printf("  missing: s%u at %lld\n", sched,
				    second);
			if (count[at] < 2)
				continue;
			if (twice++ < SHOW)
				printf("  run %u times: s%u at %lld, first "
				    "by fleet%d\n", count[at], sched, second,
				    by[at]);
			dup += count[at] - 1;
		}
	printf("  judged: %lld s (unix %lld to %lld), %lld fires due: "
	    "%lld missing, %lld duplicates\n", nsec, first,
	    first + nsec - 1, nsec * FLEET_SCHEDULES, missing, dup);
	if (odd > 0)
		printf("  %ld payloads of no fleet schedule or not on a whole "
		    "second\n", odd);
	fig((double)(nsec * FLEET_SCHEDULES), "fires", "cluster.fleet.fires");
	fig((double)missing, "fires", "cluster.fleet.missing");
	fig((double)dup, "fires", "cluster.fleet.duplicates");
}

/* The servers' rows and the fleet's sums, from their exit counters. */
static void
fleet_rows(struct rr_proc *r, const long *run)
{
	struct counters c, sum = { 0 };
	int i;

	printf("  %-8s %8s %8s %9s %9s %9s %9s\n", "server", "pid", "fires",
	    "won", "lost", "busy", "unavail");
	for (i = 0; i < FLEET; i++) {
		exit_counters(&r[i], &c);
		if (c.lines != FLEET_SCHEDULES)
			printf("  fleet%d: %u schedule counters lines at exit, "
			    "not %d\n", i, c.lines, FLEET_SCHEDULES);
		printf("  fleet%-3d %8ld %8ld %9lld %9lld %9lld %9lld\n", i,
		    (long)r[i].pid, run[i], c.won, c.lost, c.busy,
		    c.unavailable);
		counters_add(&sum, &c);
	}
	printf("  %-8s %8s %8s %9lld %9lld %9lld %9lld\n", "all", "", "",
	    sum.won, sum.lost, sum.busy, sum.unavailable);
	if (sum.won > 0)
		fig((double)sum.lost / (double)sum.won, "per fire",
		    "cluster.fleet.claims_lost_per_fire");
}

/*
 * The fleet's run, then its judgement; the servers all stopped.  A
 * server wins at most as many fires a second as it has workers (a claim
 * holds an idle worker, and what is left in its line when none is idle
 * is skipped), so 10 each would be exactly the fleet's 100 fires a
 * second, every worker needed every second: 15 leave room for a server
 * slow to claim, so that a missing fire is the claims', not capacity.
 */
static void
fleet(struct bench *b, uint16_t port, int64_t dur)
{
	static struct rr_proc r[FLEET];
	static char rec[FLEET][PATH_MAX];
	char cmd[2 * PATH_MAX + 32], path[PATH_MAX], name[32], file[32];
	char reply[64], *log;
	long long first, nsec;
	long run[FLEET], odd;
	int64_t t0 = 0, t1 = 0, end;
	int i, up = 0, status;
	unsigned *count;
	signed char *by;
	bool ok = false;

	printf("  fleet: %d ./rr x %d schedules of \"* * * * * *\", %d "
	    "tworker echo workers each, one redis\n", FLEET, FLEET_SCHEDULES,
	    FLEET_WORKERS);
	if (*b->tworker == '\0' || access(b->tworker, X_OK) != 0) {
		printf("  skipped: the tests' worker%s%s: %s (make build-tests "
		    "builds it)\n", *b->tworker ? " " : "", b->tworker,
		    *b->tworker ? strerror(errno) : "no -w TWORKER");
		return;
	}
	/* what the claims run left in Redis is no business of the fleet's */
	if (redis_ask(port, "FLUSHALL", reply, sizeof reply) == -1) {
		printf("  FLUSHALL: no answer from redis-server\n");
		return;
	}
	for (; up < FLEET; up++) {
		snprintf(name, sizeof name, "fleet%d", up);
		snprintf(file, sizeof file, "fleet%d.rec", up);
		tmp_path(b, file, path);
		memcpy(rec[up], path, sizeof path);
		snprintf(cmd, sizeof cmd, "[\"%s\", \"echo\", \"-r\", \"%s\"]",
		    b->tworker, path);
		if (config(b, name, cmd, FLEET_WORKERS, FLEET_SCHEDULES,
		    "cron: \"* * * * * *\"", port) == -1 ||
		    rr_start_file(b, &r[up], name, false) == -1)
			goto stop;
	}
	/* rr_all_ready() stops the one that failed */
	for (i = 0; i < FLEET; i++)
		if (rr_all_ready(&r[i], FLEET_WORKERS) == -1) {
			r[i].pid = -1;
			goto stop;
		}
	for (i = 0; i < FLEET; i++) {
		log = slurp(r[i].log);
		ok = log != NULL && strstr(log, "rr started") != NULL;
		free(log);
		if (!ok) {
			printf("  fleet%d: no \"rr started\" in its log\n", i);
			show_tail(&r[i]);
			goto stop;
		}
	}
	t0 = real_ns();
	/* SIGTERM half way through a second: the last fire judged has had
	 * half a second to reach its worker */
	end = (t0 + dur) / SEC * SEC + SEC / 2;
	sleep_until(mono_ns() + end - real_ns());
	t1 = real_ns();
stop:
	for (i = 0; i < up; i++)
		if (r[i].pid > 0)
			kill(r[i].pid, SIGTERM);
	/* one SIGTERM each: a second one is a forced stop */
	for (i = 0; i < up; i++)
		if (r[i].pid > 0 && ((status = reap_child(r[i].pid, 30 * SEC)) ==
		    -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0))
			printf("  fleet%d: wait status %#x\n", i, status);
	if (!ok)
		return;
	/* strictly inside: after t0, before t1 */
	first = t0 / SEC + 1;
	nsec = (t1 - 1) / SEC - first + 1;
	if (nsec <= 0) {
		printf("  fleet: no whole second in the window\n");
		return;
	}
	count = calloc((size_t)(nsec * FLEET_SCHEDULES), sizeof *count);
	by = calloc((size_t)(nsec * FLEET_SCHEDULES), sizeof *by);
	if (count != NULL && by != NULL) {
		odd = tally(rec, first, nsec, count, by, run);
		fleet_rows(r, run);
		judge(first, nsec, count, by, odd);
	} else
		printf("  fleet: %s\n", strerror(errno));
	free(count);
	free(by);
}

void
cluster_part(struct bench *b)
{
	int64_t dur = b->quick ? SEC : 5 * SEC / 2;
	size_t third = b->maxlat / 3;
	struct late l[3] = {
		{ .label = "nocluster", .lat = b->lat, .max = third },
		{ .label = "cluster", .lat = b->lat + third, .max = third },
		{ .label = "eval_rtt", .lat = b->lat + 2 * third, .max = third },
	};
	struct cmdstats c0, c1;
	struct redis_server rs;
	struct tick_record *rec;
	bool counted;

	pin(b, CPU_UNPINNED, false);
	printf("\ncluster: ./rr with ticker.cluster on a redis-server of its "
	    "own; s0 every 10 ms on 2 bench/echo\n  workers, without and "
	    "with the cluster, in rounds of each; lateness = receipt - due\n"
	    "  time (10 ms multiples since the epoch), late outliers: 5 ms "
	    "or more\n");
	if (redis_start(b, &rs) == -1)
		return;
	if ((rec = calloc(TICK_RECORDS, sizeof *rec)) == NULL) {
		redis_stop(&rs);
		return;
	}
	l[1].port = rs.port;
	printf("  %-10s %7s %6s %8s %8s %8s %8s %8s %9s %7s\n", "run", "run",
	    "fires", "outliers", "min us", "p50 us", "p99 us", "max us",
	    "delivered", "skipped");
	/* in mirrored order, so that a VM drifting within a minute weighs
	 * on both alike; the cluster's rounds next to each other, for one
	 * pair of INFO around both */
	floor_run(&l[2], rs.port, dur);
	late_run(b, &l[0], 0, dur, rec);
	counted = cmdstats(rs.port, &c0) == 0 &&
	    late_run(b, &l[1], 0, dur, rec) == 0 &&
	    late_run(b, &l[1], 1, dur, rec) == 0 &&
	    cmdstats(rs.port, &c1) == 0;
	late_run(b, &l[0], 1, dur, rec);
	floor_run(&l[2], rs.port, dur);
	late_row(&l[0], dur);
	late_row(&l[1], dur);
	late_row(&l[2], dur);
	added_floor(&l[0], &l[2]);
	if (counted)
		claims(&c0, &c1, &l[1].c);
	free(rec);
	fleet(b, rs.port, b->quick ? 10 * SEC : 60 * SEC);
	redis_stop(&rs);
}

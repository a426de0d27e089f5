/*
 * bench: the harness behind `make bench`.  One program runs the
 * parts in order, each printing its table as it finishes:
 *
 *   floor      floor.c   raw pipe round trips, the kernel's price
 *   exec       exec.c    rr's pool driven in-process against bench/echo
 *   ticks      serve.c   the real ./rr with a recording echo worker
 *   rpc        rpc.c     ./rr's RPC server under a closed loop of calls
 *   metrics    metrics.c ./rr's Prometheus endpoint scraped back to back
 *   footprint  serve.c   memory, binary size, idle wake-ups
 *   start      serve.c   exec of rr to the first tick delivered
 *   schedules  schedules.c many named schedules; cron_next() alone
 *   cluster    cluster.c the fleet's claims through a redis-server
 *
 * then the targets, each a figure against a bound computed from a floor
 * of the same run, with a verdict each, then one line per figure,
 * "bench NAME VALUE UNIT", for scripts.
 */
#ifndef RR_BENCH_H
#define RR_BENCH_H

#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define SEC	((int64_t)1000000000)	/* in ns, as every clock here */
#define MSEC	((int64_t)1000000)

/* What bench/echo -r writes per data frame it answers. */
struct tick_record {
	uint64_t	 n;	/* N of {"tick":N}; UINT64_MAX if none */
	int64_t		 t;	/* CLOCK_MONOTONIC ns of the read */
};

#define NSIZES	3
extern const uint32_t	 bench_size[NSIZES];	/* payload bytes */
extern const char *const bench_size_name[NSIZES];

/* Where the two ends of a round trip run. */
enum cpu_mode {
	CPU_PINNED,	/* both on one CPU */
	CPU_SPLIT,	/* the server on one, the worker on another */
	CPU_UNPINNED,	/* wherever the scheduler puts them */
	CPU_NMODES
};
extern const char *const cpu_mode_name[CPU_NMODES];

struct bench {
	char		 rr[PATH_MAX];	/* absolute: rr chdirs */
	char		 echo[PATH_MAX];
	char		 app[PATH_MAX];	/* app.php */
	char		 tworker[PATH_MAX];	/* the tests' recorder; "": none */
	const char	*stripped;	/* a stripped copy of rr */
	char		 tmp[256];	/* scratch, removed at exit */
	bool		 quick;		/* shorter runs, for trying */
	int		 cpu;		/* the server's CPU when pinned */
	int		 other;		/* the worker's when split; -1 */
	cpu_set_t	 all;		/* the affinity we started with */
	double		 floor_rate[NSIZES][CPU_NMODES];	/* 0: none */
	int64_t		*lat;		/* latency samples, ns */
	size_t		 maxlat;
};

/* bench.c: figures, named by a format, kept for the targets and the
 * final lines */
void	 fig(double value, const char *unit, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* measure.c: clocks, percentiles, affinity, /proc, processes */
int64_t	 mono_ns(void);
int64_t	 real_ns(void);
void	 sleep_until(int64_t mono);
int64_t	 cpu_ns(pid_t);		/* CPU time of a process, -1 if unknown */
int	 pin(const struct bench *, enum cpu_mode, bool worker_side);
void	 sort_ns(int64_t *, size_t);
int64_t	 pct(const int64_t *sorted, size_t n, double p);
long	 proc_status(pid_t, const char *key);	/* 0: self; kB or count */
void	 tmp_path(const struct bench *, const char *name, char *out);
int	 write_file(const char *path, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
pid_t	 spawn(char *const argv[], int err_fd);
int	 reap_child(pid_t, int64_t timeout_ns);
uint16_t free_port(void);	/* on loopback, for rr; 0: none, said */
int	 loopback_listen(int backlog, uint16_t *port);	/* -1: said */

/* What ended a client's run, if anything: only the first thing that went
 * wrong is kept, as the rest follow from it. */
struct failure {
	bool	 failed;
	char	 what[512];
};
void	 fail(struct failure *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* floor.c: round trips of `size` bytes for `dur` after `warm`; the
 * caller is pinned as m says, the child pins itself */
struct rt {
	double	 rate;		/* round trips/s */
	int64_t	 p50, p99;	/* ns */
	double	 cpu_us;	/* the caller's CPU per round trip */
};
int	 ping_pong(struct bench *, enum cpu_mode m, size_t size,
	    int64_t warm, int64_t dur, struct rt *);

/* floor.c: the bare timerfd loop, see there, and how it waits */
enum tick_wait {
	TICK_READ,	/* blocked in read(2): timerfd, then pipe */
	TICK_EPOLL,	/* in epoll_wait, as rr does */
	TICK_TIMER_ONLY,	/* no child: one wake-up per tick and no more */
	TICK_NWAITS
};
struct tick_floor {
	size_t	 ticks, skipped;
	double	 min_us, p50_us, p99_us, max_us;	/* lateness */
	double	 cpu_us;	/* per tick */
};
int	 tick_floor(struct bench *, int64_t interval, int64_t dur,
	    enum tick_wait, struct tick_floor *);

/* serve.c: the real rr, started as a user starts it, on a config of its
 * own (name.yaml in the scratch dir) */
struct rr_proc {
	pid_t	 pid;
	int	 log_fd;		/* rr's stderr when piped, else -1 */
	char	 log[PATH_MAX];		/* rr's stderr when it is a file */
	int64_t	 t_real;		/* just before the spawn */
};
/* logs: the body of the logs section; extra: more top-level sections,
 * or NULL */
int	 rr_start(struct bench *, struct rr_proc *, const char *name,
	    const char *command, const char *interval, unsigned workers,
	    const char *logs, const char *extra, bool pipe_log);
char	*slurp(const char *path);	/* a whole file; NULL: none */
/* name.yaml in the scratch dir (its path into path, PATH_MAX), open for
 * writing; NULL having said why */
FILE	*rr_config_create(struct bench *, const char *name, char *path);
/* rr_start() on a name.yaml of the caller's, written already */
int	 rr_start_file(struct bench *, struct rr_proc *, const char *name,
	    bool pipe_log);
int	 rr_all_ready(struct rr_proc *, unsigned workers);	/* or stopped */
int	 rr_ready(struct bench *, struct rr_proc *, const char *name,
	    const char *command, const char *interval, unsigned workers,
	    const char *extra);		/* every worker ready */
int	 rr_stop(struct rr_proc *);
void	 show_tail(const struct rr_proc *);	/* of its log, said */
/* the number after "key=" in a console log line, -1 if none */
long long log_field(const char *line, const char *key);
/* the FIFO of bench/echo -r (name.fifo), for reading, before rr starts;
 * read at the end, read_records() after first_record() */
int	 records_open(struct bench *, const char *name, char *path);
int	 first_record(int fd, int64_t timeout, struct tick_record *first);
size_t	 read_records(int fd, struct tick_record *, size_t max);
/* rr_ready() with bench/echo workers at 1h and config(port)'s listener;
 * the port, 0 if it did not start */
uint16_t rr_listening(struct bench *, struct rr_proc *, const char *name,
	    unsigned workers, void (*config)(char *, size_t, uint16_t));

/*
 * serve.c: one run of rr with two recording echo workers and its row of
 * the ticks table (ticks_header()), figures ticks.LABEL.*.  With a load,
 * rr also gets load->config, and load->on runs once the first tick is in
 * and load->off once the window is over, just before rr stops.
 */
#define TICK_RECORDS	(1 << 16)
struct tick_load {
	const char	*config;	/* top-level sections for rr */
	int		(*on)(void *, const struct rr_proc *);	/* NULL: none */
	void		(*off)(void *);
	void		*arg;
};
void	 ticks_header(void);
void	 tick_run(struct bench *, const char *label, const char *interval_txt,
	    int64_t interval, int64_t dur, const struct tick_load *,
	    struct tick_record *rec);	/* TICK_RECORDS of them */
/* tick_run at 10 ms idle then under load, rr listening on *port */
int	 tick_pair(struct bench *, const char *idle_label,
	    const char *busy_label, int64_t dur,
	    void (*listener)(char *, size_t, uint16_t), uint16_t *port,
	    const struct tick_load *load, struct tick_record *rec);

/* the parts */
void	 floor_part(struct bench *);
void	 exec_part(struct bench *);
void	 exec_growth(struct bench *);	/* RssAnon over 10^6 execs */
void	 ticks_part(struct bench *);
void	 rpc_part(struct bench *);
void	 metrics_part(struct bench *);
void	 footprint_part(struct bench *);
void	 start_part(struct bench *);
void	 schedules_part(struct bench *);
void	 cluster_part(struct bench *);

#endif

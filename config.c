/*
 * config.c: rr.yaml into struct config: RoadRunner's keys, as tables
 * keys.c walks, and what no single key can check.
 *
 * tree.c turns the file, its includes and the -o overrides into one tree
 * of nodes that remember where they came from.  Then one walk over the
 * table of known keys checks and stores each value.  The same table gives
 * the defaults, frees what was stored and drives config_print(), so each
 * key is described exactly once.  The rules that hold for every key are
 * in keys.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "cron.h"
#include "keys.h"

/* Enum fields are written through an int pointer. */
_Static_assert(sizeof(enum log_mode) == sizeof(int), "enum size");
_Static_assert(sizeof(enum log_level) == sizeof(int), "enum size");
_Static_assert(sizeof(enum log_encoding) == sizeof(int), "enum size");

static const char *const log_modes[] = {
	"development", "production", "raw", "off", NULL
};
static const char *const log_levels[] = {
	"debug", "info", "warn", "error", NULL
};
static const char *const log_encodings[] = { "console", "json", NULL };
/* RoadRunner's summary is not among them: rr has no honest one */
static const char *const collector_types[] = {
	"counter", "gauge", "histogram", NULL
};

static const struct key on_init_keys[] = {
	{ "command", K_COMMAND, FIELD(server.on_init.command) },
	{ "exec_timeout", K_DURATION, FIELD(server.on_init.exec_timeout),
	    .def = 60 * SEC_NS },
	{ "env", K_ENV, FIELD(server.on_init.env) },
	{ "user", K_STRING, FIELD(server.on_init.user) },
	{ "exit_on_error", K_BOOL, FIELD(server.on_init.exit_on_error) },
	{ .name = NULL }
};

static const struct key server_keys[] = {
	{ "command", K_COMMAND, FIELD(server.command) },
	{ "env", K_ENV, FIELD(server.env) },
	{ "user", K_STRING, FIELD(server.user) },
	{ "group", K_STRING, FIELD(server.group) },
	{ "relay", K_RELAY, FIELD(server.relay), .defstr = "pipes" },
	{ "relay_timeout", K_DURATION, FIELD(server.relay_timeout),
	    .def = 60 * SEC_NS },
	{ "on_init", K_SECTION, .sub = on_init_keys,
	    SETS(server.on_init.set) },
	{ .name = NULL }
};

static const struct key supervisor_keys[] = {
	{ "watch_tick", K_DURATION, FIELD(ticker.pool.supervisor.watch_tick),
	    .def = 5 * SEC_NS },
	{ "ttl", K_DURATION, FIELD(ticker.pool.supervisor.ttl) },
	{ "idle_ttl", K_DURATION, FIELD(ticker.pool.supervisor.idle_ttl) },
	{ "max_worker_memory", K_NUMBER,
	    FIELD(ticker.pool.supervisor.max_worker_memory) },
	{ "exec_ttl", K_DURATION, FIELD(ticker.pool.supervisor.exec_ttl) },
	{ .name = NULL }
};

static const struct key pool_keys[] = {
	{ "num_workers", K_NUMBER, FIELD(ticker.pool.num_workers),
	    .max = CONFIG_MAX_WORKERS },
	{ "max_jobs", K_NUMBER, FIELD(ticker.pool.max_jobs) },
	{ "allocate_timeout", K_DURATION, FIELD(ticker.pool.allocate_timeout),
	    .def = 60 * SEC_NS, SETS(ticker.pool.allocate_timeout_set) },
	{ "reset_timeout", K_DURATION, FIELD(ticker.pool.reset_timeout),
	    .def = 60 * SEC_NS },
	{ "destroy_timeout", K_DURATION, FIELD(ticker.pool.destroy_timeout),
	    .def = 60 * SEC_NS },
	{ "debug", K_BOOL, FIELD(ticker.pool.debug) },
	{ "supervisor", K_SECTION, .sub = supervisor_keys },
	{ .name = NULL }
};

static const char *const overlaps[] = { "skip", "allow", "queue", NULL };

/* ticker.schedules.NAME */
static const struct key schedule_keys[] = {
	{ "cron", K_STRING, ENTRY(struct schedule_config, cron) },
	{ "interval", K_DURATION, ENTRY(struct schedule_config, interval),
	    .min = MS_NS },
	{ "timezone", K_STRING, ENTRY(struct schedule_config, timezone) },
	{ "overlap", K_ENUM, ENTRY(struct schedule_config, overlap),
	    .names = overlaps },
	{ .name = NULL }
};
_Static_assert(offsetof(struct schedule_config, name) == 0,
    "an entry's name comes first");
_Static_assert(sizeof(enum overlap) == sizeof(int), "enum size");

static const char *const unavailables[] = { "skip", "run", NULL };
_Static_assert(sizeof(enum on_unavailable) == sizeof(int), "enum size");

/* ticker.cluster: rr's own; timeout bounds a claim, so a fire waits at
 * most that long for its answer */
static const struct key cluster_keys[] = {
	{ "redis", K_STRING, FIELD(ticker.cluster.redis) },
	{ "username", K_STRING, FIELD(ticker.cluster.username) },
	{ "password", K_STRING, FIELD(ticker.cluster.password),
	    .secret = true },
	{ "db", K_NUMBER, FIELD(ticker.cluster.db), .max = 65535 },
	{ "prefix", K_STRING, FIELD(ticker.cluster.prefix),
	    .defstr = "rr:ticker:" },
	{ "on_unavailable", K_ENUM, FIELD(ticker.cluster.on_unavailable),
	    .names = unavailables },
	{ "timeout", K_DURATION, FIELD(ticker.cluster.timeout),
	    .def = 500 * MS_NS, .min = MS_NS },
	{ .name = NULL }
};

static const struct key ticker_keys[] = {
	/* below a millisecond the timer fires faster than any worker
	 * answers: the pool only skips, at full CPU */
	{ "interval", K_DURATION, FIELD(ticker.interval), .def = SEC_NS,
	    .min = MS_NS },
	{ "pool", K_SECTION, .sub = pool_keys },
	{ "schedules", NAMED(ticker.schedules, struct schedule_config,
	    schedule_keys) },
	{ "cluster", K_SECTION, .sub = cluster_keys,
	    SETS(ticker.cluster.set) },
	{ .name = NULL }
};

/* RoadRunner knows more logs and endure keys than rr does: say so. */
static const struct key logs_keys[] = {
	{ "mode", K_ENUM, FIELD(logs.mode), .names = log_modes },
	{ "level", K_ENUM, FIELD(logs.level), .names = log_levels },
	{ "encoding", K_ENUM, FIELD(logs.encoding), .names = log_encodings },
	{ "output", K_STRING, FIELD(logs.output), .defstr = "stderr" },
	{ .name = "err_output", .kind = K_UNSUPPORTED },
	{ .name = "line_ending", .kind = K_UNSUPPORTED },
	{ .name = "channels", .kind = K_UNSUPPORTED },
	{ .name = "file_logger_options", .kind = K_UNSUPPORTED },
	{ .name = NULL }
};

static const struct key endure_keys[] = {
	{ "grace_period", K_DURATION, FIELD(grace_period), .def = 30 * SEC_NS },
	{ .name = "print_graph", .kind = K_UNSUPPORTED },
	{ .name = "log_level", .kind = K_UNSUPPORTED },
	{ .name = NULL }
};

/* max_connections and idle_timeout are rr's own: RoadRunner has no
 * bound, and ignores keys it does not know */
static const struct key rpc_keys[] = {
	{ "listen", K_STRING, FIELD(rpc.listen) },
	{ "max_connections", K_NUMBER, FIELD(rpc.max_connections),
	    .max = 4096 },
	{ "idle_timeout", K_DURATION, FIELD(rpc.idle_timeout),
	    .def = 60 * SEC_NS },
	{ .name = NULL }
};

/* RoadRunner's status plugin; max_connections is rr's own */
static const struct key status_keys[] = {
	{ "address", K_STRING, FIELD(status.address) },
	{ "unavailable_status_code", K_NUMBER,
	    FIELD(status.unavailable_status_code), .max = 599 },
	{ "check_timeout", K_DURATION, FIELD(status.check_timeout),
	    .def = 60 * SEC_NS },
	{ "max_connections", K_NUMBER, FIELD(status.max_connections),
	    .max = 4096 },
	{ .name = NULL }
};

/* metrics.collect.NAME: a collector declared before any PHP runs */
static const struct key collector_keys[] = {
	{ "type", K_ENUM, ENTRY(struct collector_config, type),
	    .names = collector_types },
	{ "help", K_STRING, ENTRY(struct collector_config, help) },
	{ "namespace", K_STRING, ENTRY(struct collector_config, namespace) },
	{ "subsystem", K_STRING, ENTRY(struct collector_config, subsystem) },
	{ "labels", K_STRINGS, ENTRY(struct collector_config, labels) },
	{ "buckets", K_NUMBERS, ENTRY(struct collector_config, buckets) },
	{ .name = "objectives", .kind = K_UNSUPPORTED },
	{ .name = NULL }
};
_Static_assert(offsetof(struct collector_config, name) == 0,
    "an entry's name comes first");
_Static_assert(sizeof(enum collector_type) == sizeof(int), "enum size");

/* RoadRunner's metrics plugin; max_connections is rr's own */
static const struct key metrics_keys[] = {
	{ "address", K_STRING, FIELD(metrics.address) },
	{ "max_connections", K_NUMBER, FIELD(metrics.max_connections),
	    .max = 4096 },
	{ "collect", NAMED(metrics.collect, struct collector_config,
	    collector_keys) },
	{ .name = NULL }
};

static const struct key top_keys[] = {
	{ "version", K_VERSION, FIELD(version) },
	{ .name = "include", .kind = K_INCLUDE },
	{ "server", K_SECTION, .sub = server_keys },
	{ "ticker", K_SECTION, .sub = ticker_keys },
	{ "logs", K_SECTION, .sub = logs_keys },
	{ "endure", K_SECTION, .sub = endure_keys },
	{ "rpc", K_SECTION, .sub = rpc_keys, SETS(rpc.set) },
	{ "status", K_SECTION, .sub = status_keys, SETS(status.set) },
	{ "metrics", K_SECTION, .sub = metrics_keys, SETS(metrics.set) },
	{ .name = NULL }
};

#define NKEYS(t)	(sizeof(t) / sizeof((t)[0]))
_Static_assert(NKEYS(on_init_keys) <= MAX_KEYS && NKEYS(server_keys) <=
    MAX_KEYS && NKEYS(supervisor_keys) <= MAX_KEYS && NKEYS(pool_keys) <=
    MAX_KEYS && NKEYS(ticker_keys) <= MAX_KEYS && NKEYS(logs_keys) <=
    MAX_KEYS && NKEYS(endure_keys) <= MAX_KEYS && NKEYS(rpc_keys) <=
    MAX_KEYS && NKEYS(cluster_keys) <= MAX_KEYS && NKEYS(top_keys) <=
    MAX_KEYS, "a key table outgrew keys_walk()");

/* "WHERE: path: message", WHERE the place config_where() knows of
 * field, else the main file. */
static void __attribute__((format(printf, 6, 0)))
vnote_where(struct loader *l, const void *field, const char *path,
    char *out, size_t len, const char *fmt, va_list ap)
{
	const char	*where = config_where(l->cfg, field);
	char		 msg[CONFIG_ERR_MAX];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	snprintf(out, len, "%s: %s: %s", where ? where : l->cfg->path, path,
	    msg);
}

/* An error about field, said as vnote_where() does; always -1. */
static int __attribute__((format(printf, 4, 5)))
fail_where(struct loader *l, const void *field, const char *path,
    const char *fmt, ...)
{
	va_list		 ap;

	va_start(ap, fmt);
	vnote_where(l, field, path, l->t.err, l->t.errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* A warning about field, kept for main to log; -1 only out of memory. */
static int __attribute__((format(printf, 4, 5)))
warn_where(struct loader *l, const void *field, const char *path,
    const char *fmt, ...)
{
	char		 line[CONFIG_ERR_MAX + PATH_LEN];
	va_list		 ap;

	va_start(ap, fmt);
	vnote_where(l, field, path, line, sizeof(line), fmt, ap);
	va_end(ap);
	return tree_keep_warning(&l->t, line);
}

/*
 * A claim still unanswered when its schedule's next fire is due makes
 * that fire skipped (coordinator) on every server: the timeout must be
 * shorter than the shortest interval.  Cron fires are a second apart at
 * least; intervals are checked here.
 */
static int
check_cluster_timeout(struct loader *l)
{
	struct ticker_config	*tc = &l->cfg->ticker;
	struct schedule_config	*sc;
	duration_ns		 shortest = tc->unnamed ? tc->interval : 0;
	char			 t[32], s[32];
	size_t			 i;

	for (i = 0; i < tc->schedules.n; i++) {
		sc = (struct schedule_config *)tc->schedules.items + i;
		if (sc->interval > 0 && (shortest == 0 ||
		    sc->interval < shortest))
			shortest = sc->interval;
	}
	if (shortest == 0 || tc->cluster.timeout < shortest)
		return 0;
	config_format_duration(tc->cluster.timeout, t, sizeof t);
	config_format_duration(shortest, s, sizeof s);
	return warn_where(l, &tc->cluster.timeout, "ticker.cluster.timeout",
	    "%s is not shorter than the shortest interval (%s): a fire whose "
	    "claim is not answered by the next is skipped on every server",
	    t, s);
}

/* Each schedule has one of cron and interval, an expression that fires
 * and a zone there is; the ticker parses them again at start. */
static int
check_schedules(struct loader *l)
{
	struct ticker_config	*tc = &l->cfg->ticker;
	struct schedule_config	*sc;
	char			 path[PATH_LEN + SCHEDULE_NAME_MAX + 16];
	char			 err[TZ_ERR_MAX + CRON_ERR_MAX];
	struct cron		 c;
	struct tz		 z;
	size_t			 i;

	for (i = 0; i < tc->schedules.n; i++) {
		sc = (struct schedule_config *)tc->schedules.items + i;
		snprintf(path, sizeof(path), "ticker.schedules.%s", sc->name);
		if (strlen(sc->name) > SCHEDULE_NAME_MAX)
			return fail_where(l, NULL, path, "a name longer than "
			    "%d bytes", SCHEDULE_NAME_MAX);
		if (sc->cron != NULL && sc->interval > 0)
			return fail_where(l, &sc->cron, path, "cron and "
			    "interval both given: a schedule has one");
		if (sc->cron == NULL && sc->interval == 0)
			return fail_where(l, NULL, path, "needs cron (such as "
			    "\"0 */5 * * * *\") or interval (such as 10s)");
		if (sc->cron != NULL &&
		    cron_parse(&c, sc->cron, err, sizeof(err)) == -1)
			return fail_where(l, &sc->cron, strcat(path, ".cron"),
			    "\"%s\": %s", sc->cron, err);
		if (sc->timezone == NULL)
			continue;
		if (tz_load(&z, sc->timezone, err, sizeof(err)) == -1)
			return fail_where(l, &sc->timezone, strcat(path,
			    ".timezone"), "%s", err);
		tz_free(&z);
	}
	/* the unnamed ticker of the docs: when asked for, or alone */
	tc->unnamed = config_where(l->cfg, &tc->interval) != NULL ||
	    tc->schedules.n == 0;
	return tc->cluster.set ? check_cluster_timeout(l) : 0;
}

/* What the walk cannot check alone: required keys, derived defaults. */
static int
finish(struct loader *l)
{
	struct tree	*t = &l->t;
	struct config	*cfg = l->cfg;
	long		 ncpu;

	if (cfg->version == NULL)
		return tree_fail(t, NULL, false, "version", "required (write "
		    "version: '3' at the top)");
	if (cfg->server.command.argv == NULL)
		return tree_fail(t, NULL, false, "server.command", "required "
		    "(the PHP worker to start, e.g. command: php app.php)");
	if (cfg->server.on_init.set && cfg->server.on_init.command.argv ==
	    NULL)
		return tree_fail(t, NULL, false, "server.on_init.command",
		    "required when on_init is set");
	if (cfg->ticker.pool.num_workers == 0) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		cfg->ticker.pool.num_workers = ncpu < 1 ? 1 :
		    ncpu > CONFIG_MAX_WORKERS ? CONFIG_MAX_WORKERS :
		    (unsigned)ncpu;
	}
	/* RoadRunner's default, which is also the PHP library's RR_RPC */
	if (cfg->rpc.set && cfg->rpc.listen == NULL &&
	    (cfg->rpc.listen = strdup("tcp://127.0.0.1:6001")) == NULL)
		return tree_nomem(t);
	if (cfg->rpc.max_connections == 0)
		cfg->rpc.max_connections = 64;
	if (cfg->status.set && cfg->status.address == NULL)
		return tree_fail(t, NULL, false, "status.address", "required "
		    "when status is set (for example 127.0.0.1:2114)");
	if (cfg->status.unavailable_status_code == 0)
		cfg->status.unavailable_status_code = 503;
	else if (cfg->status.unavailable_status_code < 100)
		return tree_fail(t, NULL, false,
		    "status.unavailable_status_code",
		    "%u is not an HTTP status (100..599)",
		    cfg->status.unavailable_status_code);
	if (cfg->status.max_connections == 0)
		cfg->status.max_connections = 64;
	/* RoadRunner's default */
	if (cfg->metrics.set && cfg->metrics.address == NULL &&
	    (cfg->metrics.address = strdup("127.0.0.1:2112")) == NULL)
		return tree_nomem(t);
	if (cfg->metrics.max_connections == 0)
		cfg->metrics.max_connections = 64;
	if (cfg->ticker.cluster.set && cfg->ticker.cluster.redis == NULL)
		return tree_fail(t, NULL, false, "ticker.cluster.redis",
		    "required when cluster is set (for example "
		    "tcp://127.0.0.1:6379)");
	if (config_where(cfg, &cfg->logs.encoding) == NULL)
		cfg->logs.encoding = cfg->logs.mode == LOGS_PRODUCTION ?
		    LOGS_JSON : LOGS_CONSOLE;
	return check_schedules(l);
}

/*
 * The whole load: file and includes into a tree, overrides on top, one
 * walk, then the checks that need everything.  On error cfg is left
 * empty, so config_free() is safe either way.
 */
int
config_load(struct config *cfg, const char *path, char *const *overrides,
    size_t noverrides, char *err, size_t errlen)
{
	struct loader	 l;
	size_t		 i;
	int		 r = -1;

	memset(cfg, 0, sizeof(*cfg));
	tree_init(&l.t, path, err, errlen);
	l.cfg = cfg;
	l.base = (char *)cfg;
	if ((cfg->path = strdup(path)) == NULL)
		return tree_nomem(&l.t);
	if (keys_defaults(l.base, top_keys) == -1) {
		tree_nomem(&l.t);
		goto out;
	}
	if (tree_load(&l.t) == -1)
		goto out;
	for (i = 0; i < noverrides; i++)
		if (tree_override(&l.t, overrides[i]) == -1)
			goto out;
	if (keys_walk(&l, l.t.root, top_keys, "") == -1 || finish(&l) == -1)
		goto out;
	/* for main to log, once the logger is set up from cfg->logs */
	cfg->warnings = l.t.warnings;
	cfg->nwarnings = l.t.nwarnings;
	l.t.warnings = NULL;
	l.t.nwarnings = 0;
	r = 0;
out:
	tree_free(&l.t);
	if (r == -1)
		config_free(cfg);
	return r;
}

void
config_free(struct config *cfg)
{
	size_t	 i;

	free(cfg->path);
	keys_free((char *)cfg, top_keys);
	for (i = 0; i < cfg->nwarnings; i++)
		free(cfg->warnings[i]);
	free(cfg->warnings);
	for (i = 0; i < cfg->nplaces; i++)
		free(cfg->places[i].where);
	free(cfg->places);
	memset(cfg, 0, sizeof(*cfg));
}

/* For rr serve --check: what rr will actually run with. */
void
config_print(const struct config *cfg, FILE *f)
{
	keys_print((const char *)cfg, top_keys, 0, f);
}

/*
 * config.c: rr.yaml into struct config.
 *
 * A file is first turned into a small tree of our own (struct node), so
 * that includes and -o overrides can be merged in before anything is
 * interpreted; every node remembers where it came from, so an error can
 * name the file, line and column, or the override, of the bad value.  Then
 * one walk over a table of known keys checks and stores each value.  The
 * same table gives the defaults and drives config_print(), so each key is
 * described exactly once.
 *
 * Rules that hold for every key: keys match case-insensitively (RoadRunner
 * reads its config through viper, which lower-cases them); a null or empty
 * value (after environment expansion) leaves the default; a duration of 0
 * also means the default where the default is not 0.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <yaml.h>

#include "config.h"

#define MAX_FILE	(1024 * 1024)	/* a larger file is not a config */
#define MAX_DEPTH	64		/* nesting of maps and lists */
#define MAX_NODES	100000		/* after aliases are expanded */
#define MAX_INCLUDE	8		/* include depth; a cycle stops here */
#define MAX_KEYS	16		/* entries in one key table */
#define PATH_LEN	256		/* "ticker.pool.supervisor.ttl" */

enum node_kind { N_SCALAR, N_MAP, N_SEQ };

/* Where nodes came from: a file, or one -o string. */
struct origin {
	char		*name;
	bool		 override;
	struct origin	*next;
};

struct node {
	enum node_kind	 kind;
	char		*text;		/* N_SCALAR, as written */
	bool		 plain;		/* unquoted: may be a number or null */
	char		*key;		/* an entry of a map: its key */
	const struct origin *origin;
	unsigned	 line, col;	/* of the value, 1-based */
	unsigned	 kline, kcol;	/* of the key */
	struct node	**kids;		/* N_MAP entries or N_SEQ items */
	size_t		 nkids;
};

struct loader {
	struct config	*cfg;
	char		*err;
	size_t		 errlen;
	struct origin	*origins;
	size_t		 budget;	/* nodes left to build */
};

enum key_kind {
	K_VERSION, K_INCLUDE, K_SECTION, K_STRING, K_RELAY, K_DURATION,
	K_NUMBER, K_BOOL, K_ENUM, K_COMMAND, K_ENV, K_UNSUPPORTED
};

struct key {
	const char	*name;
	enum key_kind	 kind;
	size_t		 off, size;	/* the field in struct config */
	bool		 has_set;
	size_t		 set;		/* a bool field: the key was given */
	const struct key *sub;		/* K_SECTION */
	const char *const *names;	/* K_ENUM: values in enum order */
	duration_ns	 def;		/* K_DURATION: also used for 0 */
	duration_ns	 min;		/* K_DURATION: the least allowed */
	const char	*defstr;	/* K_STRING, K_RELAY */
	uint64_t	 max;		/* K_NUMBER; 0: what the field holds */
};

#define FIELD(m)	.off = offsetof(struct config, m), \
			.size = sizeof(((struct config *)0)->m)
#define SETS(m)		.has_set = true, .set = offsetof(struct config, m)

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

static const struct key ticker_keys[] = {
	/* below a millisecond the timer fires faster than any worker
	 * answers: the pool only skips, at full CPU */
	{ "interval", K_DURATION, FIELD(ticker.interval), .def = SEC_NS,
	    .min = MS_NS },
	{ "pool", K_SECTION, .sub = pool_keys },
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

/* RoadRunner's metrics plugin; max_connections is rr's own */
static const struct key metrics_keys[] = {
	{ "address", K_STRING, FIELD(metrics.address) },
	{ "max_connections", K_NUMBER, FIELD(metrics.max_connections),
	    .max = 4096 },
	{ .name = "collect", .kind = K_UNSUPPORTED },
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
    MAX_KEYS && NKEYS(top_keys) <= MAX_KEYS, "a key table outgrew walk()");

/* Top-level sections of RoadRunner's other plugins: one warning each. */
static const char *const other_plugins[] = {
	"amqp", "app_logger", "beanstalk", "boltdb", "broadcast",
	"centrifuge", "config", "fileserver", "grpc", "gzip", "headers",
	"http", "informer", "jobs", "kafka", "kv", "lock", "memcached",
	"memory", "nats", "otel", "redis", "reload", "service",
	"sqs", "static", "tcp", "temporal", "websockets", NULL
};

/* What a value of each kind looks like, for "found X, expected Y". */
static const char *const expected[] = {
	[K_VERSION] = "a quoted version such as '3'",
	[K_INCLUDE] = "a list of files",
	[K_SECTION] = "a map of keys",
	[K_STRING] = "a string",
	[K_RELAY] = "a relay such as pipes",
	[K_DURATION] = "a duration such as 1s",
	[K_NUMBER] = "a whole number",
	[K_BOOL] = "true or false",
	[K_ENUM] = "a string",
	[K_COMMAND] = "a command line or a list of arguments",
	[K_ENV] = "a map of NAME: value"
};

static int	walk(struct loader *, const struct node *, const struct key *,
		    const char *);
static struct node *load_tree(struct loader *, const char *, int,
		    const struct node *);

static void	vnote(char *, size_t, const struct loader *,
		    const struct origin *, unsigned, unsigned, const char *,
		    const char *, va_list) __attribute__((format(printf, 8, 0)));
static int	fail_at(struct loader *, const struct origin *, unsigned,
		    unsigned, const char *, const char *, ...)
		    __attribute__((format(printf, 6, 7)));
static int	fail(struct loader *, const struct node *, bool, const char *,
		    const char *, ...) __attribute__((format(printf, 5, 6)));
static int	warn(struct loader *, const struct node *, bool,
		    const char *, const char *, ...)
		    __attribute__((format(printf, 5, 6)));
static void	format_duration(duration_ns, char *, size_t);

/*
 * Every message starts with where the value came from, so the user can go
 * and fix it: "FILE:LINE:COL: ", "-o key=value: ", or just "FILE: " for
 * something missing from the main file.
 */
static void
vnote(char *buf, size_t len, const struct loader *l, const struct origin *o,
    unsigned line, unsigned col, const char *path, const char *fmt,
    va_list ap)
{
	size_t	 w = 0;
	int	 r;

	if (o == NULL)
		r = snprintf(buf, len, "%s: ", l->cfg->path);
	else if (o->override)
		r = snprintf(buf, len, "-o %s: ", o->name);
	else
		r = snprintf(buf, len, "%s:%u:%u: ", o->name, line, col);
	if (r > 0)
		w = (size_t)r;
	if (path != NULL && w < len) {
		r = snprintf(buf + w, len - w, "%s: ", path);
		if (r > 0)
			w += (size_t)r;
	}
	if (w < len)
		vsnprintf(buf + w, len - w, fmt, ap);
}

/* An error at a position that has no node (yet); always returns -1. */
static int
fail_at(struct loader *l, const struct origin *o, unsigned line,
    unsigned col, const char *path, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vnote(l->err, l->errlen, l, o, line, col, path, fmt, ap);
	va_end(ap);
	return -1;
}

/* An error about node n: its key, or its value; always returns -1. */
static int
fail(struct loader *l, const struct node *n, bool atkey, const char *path,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vnote(l->err, l->errlen, l, n ? n->origin : NULL,
	    n ? (atkey ? n->kline : n->line) : 0,
	    n ? (atkey ? n->kcol : n->col) : 0, path, fmt, ap);
	va_end(ap);
	return -1;
}

static int
nomem(struct loader *l)
{
	snprintf(l->err, l->errlen, "%s: out of memory", l->cfg->path);
	return -1;
}

/*
 * Warnings cannot be logged yet (the logger is configured from this very
 * file), so they are kept for main to log.
 */
static int
warn(struct loader *l, const struct node *n, bool atkey, const char *path,
    const char *fmt, ...)
{
	struct config	*cfg = l->cfg;
	char		 buf[CONFIG_ERR_MAX], *s, **v;
	va_list		 ap;

	va_start(ap, fmt);
	vnote(buf, sizeof(buf), l, n->origin, atkey ? n->kline : n->line,
	    atkey ? n->kcol : n->col, path, fmt, ap);
	va_end(ap);
	v = realloc(cfg->warnings, (cfg->nwarnings + 1) * sizeof(*v));
	if (v == NULL)
		return nomem(l);
	cfg->warnings = v;
	if ((s = strdup(buf)) == NULL)
		return nomem(l);
	cfg->warnings[cfg->nwarnings++] = s;
	return 0;
}

/* "found X, expected Y", showing X when it is a scalar. */
static int
mismatch(struct loader *l, const struct node *n, const char *path,
    const char *want)
{
	if (n->kind == N_SCALAR)
		return fail(l, n, false, path, "found \"%s\", expected %s",
		    n->text, want);
	return fail(l, n, false, path, "found a %s, expected %s",
	    n->kind == N_MAP ? "map" : "list", want);
}

static void
node_free(struct node *n)
{
	size_t	 i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->text);
	free(n->key);
	free(n);
}

static struct origin *
add_origin(struct loader *l, const char *name, bool override)
{
	struct origin	*o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	if ((o->name = strdup(name)) == NULL) {
		free(o);
		return NULL;
	}
	o->override = override;
	o->next = l->origins;
	l->origins = o;
	return o;
}

/* YAML's null: an empty, "~" or "null" plain scalar. */
static bool
is_null(const struct node *n)
{
	return n->kind == N_SCALAR && n->plain &&
	    (n->text[0] == '\0' || strcmp(n->text, "~") == 0 ||
	    strcmp(n->text, "null") == 0 || strcmp(n->text, "Null") == 0 ||
	    strcmp(n->text, "NULL") == 0);
}

/* A null where a map is wanted ("rpc:" and nothing under it). */
static void
null_to_map(struct node *n)
{
	free(n->text);
	n->text = NULL;
	n->kind = N_MAP;
}

static struct node *
map_get(const struct node *map, const char *key, size_t *index)
{
	size_t	 i;

	for (i = 0; i < map->nkids; i++)
		if (strcasecmp(map->kids[i]->key, key) == 0) {
			if (index != NULL)
				*index = i;
			return map->kids[i];
		}
	return NULL;
}

/* Put entry kid into map, replacing an entry of the same key. */
static int
map_put(struct node *map, struct node *kid)
{
	struct node	**v;
	size_t		  i;

	if (map_get(map, kid->key, &i) != NULL) {
		node_free(map->kids[i]);
		map->kids[i] = kid;
		return 0;
	}
	v = realloc(map->kids, (map->nkids + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	map->kids = v;
	map->kids[map->nkids++] = kid;
	return 0;
}

/* YAML's merge key: a plain <<, as Go's yaml (and so RoadRunner) reads it. */
static bool
is_merge_key(const yaml_node_t *kn)
{
	return kn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    kn->data.scalar.length == 2 &&
	    memcmp(kn->data.scalar.value, "<<", 2) == 0;
}

/*
 * Keep the value of a << entry of map, a map or a list of maps, for
 * merged(): the entries it brings in are only known to lose against the
 * map's own once all of those have been read.  It waits in map's kids
 * under a NUL key, which no YAML key can have.
 */
static int
merge(struct loader *l, struct node *map, struct node *src)
{
	size_t	 i;

	if (is_null(src)) {
		node_free(src);
		return 0;
	}
	for (i = 0; src->kind == N_SEQ && i < src->nkids; i++)
		if (src->kids[i]->kind != N_MAP)
			break;
	if (src->kind == N_SCALAR || (src->kind == N_SEQ && i < src->nkids)) {
		mismatch(l, src->kind == N_SEQ ? src->kids[i] : src, "<<",
		    "a map, or a list of maps, to merge");
		node_free(src);
		return -1;
	}
	if ((src->key = strdup("")) == NULL) {
		node_free(src);
		return nomem(l);
	}
	map->kids[map->nkids++] = src;
	return 0;
}

/* Move each map's entries into dst unless dst has that key: the first
 * map to give a key wins. */
static int
take_entries(struct node *dst, struct node *src)
{
	size_t	 i;

	for (i = 0; i < src->nkids; i++) {
		if (map_get(dst, src->kids[i]->key, NULL) != NULL)
			continue;
		if (map_put(dst, src->kids[i]) == -1)
			return -1;
		src->kids[i] = NULL;
	}
	return 0;
}

/*
 * Resolve the << entries of map: explicit keys win, then the merged maps
 * in the order given, the first of a list first (YAML's merge rule).
 */
static int
merged(struct node *map)
{
	struct node	**src, *m;
	size_t		  i, j, k, n = 0;
	int		  r = 0;

	for (i = 0; i < map->nkids; i++)
		n += map->kids[i]->key[0] == '\0';
	if (n == 0)
		return 0;
	if ((src = calloc(n, sizeof(*src))) == NULL)
		return -1;
	for (i = j = n = 0; i < map->nkids; i++) {
		if (map->kids[i]->key[0] == '\0')
			src[n++] = map->kids[i];
		else
			map->kids[j++] = map->kids[i];
	}
	map->nkids = j;
	for (i = 0; i < n; i++) {
		m = src[i];
		if (r == 0 && m->kind == N_MAP)
			r = take_entries(map, m);
		for (k = 0; r == 0 && m->kind == N_SEQ && k < m->nkids; k++)
			r = take_entries(map, m->kids[k]);
		node_free(m);
	}
	free(src);
	return r;
}

/*
 * Copy libyaml's node yn into our tree.  Aliases make libyaml's document a
 * graph, possibly with cycles and exponential fan-out; depth and the node
 * budget bound both.
 */
static struct node *
convert(struct loader *l, yaml_document_t *doc, yaml_node_t *yn,
    const struct origin *o, int depth)
{
	struct node		*n, *kid;
	yaml_node_t		*kn, *vn;
	yaml_node_item_t	*item;
	yaml_node_pair_t	*pair;
	size_t			 count;

	if (depth > MAX_DEPTH || l->budget == 0) {
		fail_at(l, o, (unsigned)yn->start_mark.line + 1,
		    (unsigned)yn->start_mark.column + 1, NULL, "%s",
		    depth > MAX_DEPTH ? "nested too deeply" :
		    "too many values (aliases expanding too far?)");
		return NULL;
	}
	l->budget--;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		goto oom;
	n->origin = o;
	n->line = (unsigned)yn->start_mark.line + 1;
	n->col = (unsigned)yn->start_mark.column + 1;
	switch (yn->type) {
	case YAML_SCALAR_NODE:
		n->kind = N_SCALAR;
		n->plain = yn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		if (memchr(yn->data.scalar.value, '\0',
		    yn->data.scalar.length) != NULL) {
			fail(l, n, false, NULL, "a value contains a NUL byte");
			goto bad;
		}
		n->text = strndup((char *)yn->data.scalar.value,
		    yn->data.scalar.length);
		if (n->text == NULL)
			goto oom;
		return n;
	case YAML_SEQUENCE_NODE:
		n->kind = N_SEQ;
		count = (size_t)(yn->data.sequence.items.top -
		    yn->data.sequence.items.start);
		if ((n->kids = calloc(count + 1, sizeof(*n->kids))) == NULL)
			goto oom;
		for (item = yn->data.sequence.items.start;
		    item < yn->data.sequence.items.top; item++) {
			vn = yaml_document_get_node(doc, *item);
			if (vn == NULL)
				goto broken;
			if ((kid = convert(l, doc, vn, o, depth + 1)) == NULL)
				goto bad;
			n->kids[n->nkids++] = kid;
		}
		return n;
	case YAML_MAPPING_NODE:
		n->kind = N_MAP;
		count = (size_t)(yn->data.mapping.pairs.top -
		    yn->data.mapping.pairs.start);
		if ((n->kids = calloc(count + 1, sizeof(*n->kids))) == NULL)
			goto oom;
		for (pair = yn->data.mapping.pairs.start;
		    pair < yn->data.mapping.pairs.top; pair++) {
			kn = yaml_document_get_node(doc, pair->key);
			vn = yaml_document_get_node(doc, pair->value);
			if (kn == NULL || vn == NULL)
				goto broken;
			if (kn->type != YAML_SCALAR_NODE ||
			    memchr(kn->data.scalar.value, '\0',
			    kn->data.scalar.length) != NULL) {
				fail_at(l, o, (unsigned)kn->start_mark.line + 1,
				    (unsigned)kn->start_mark.column + 1, NULL,
				    "a key must be a plain name");
				goto bad;
			}
			if ((kid = convert(l, doc, vn, o, depth + 1)) == NULL)
				goto bad;
			if (is_merge_key(kn)) {
				if (merge(l, n, kid) == -1)
					goto bad;
				continue;
			}
			n->kids[n->nkids++] = kid;
			kid->key = strndup((char *)kn->data.scalar.value,
			    kn->data.scalar.length);
			if (kid->key == NULL)
				goto oom;
			kid->kline = (unsigned)kn->start_mark.line + 1;
			kid->kcol = (unsigned)kn->start_mark.column + 1;
		}
		if (merged(n) == -1)
			goto oom;
		return n;
	default:
		goto broken;
	}
broken:
	fail(l, n, false, NULL, "libyaml returned a broken document");
	goto bad;
oom:
	nomem(l);
bad:
	node_free(n);
	return NULL;
}

/*
 * Read a whole file: libyaml then parses from memory, and reading fails
 * in one place with errno.  *why says which step failed.
 */
static char *
slurp(const char *path, size_t *lenp, const char **why)
{
	char	*buf = NULL, *nbuf;
	size_t	 len = 0, cap = 0;
	ssize_t	 r;
	int	 fd, e;

	*why = "cannot open";
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	*why = "cannot read";
	for (;;) {
		if (len == cap) {
			if (cap >= MAX_FILE) {
				*why = "larger than 1 MiB, the most a config "
				    "may be";
				errno = EFBIG;
				goto bad;
			}
			cap = cap ? cap * 2 : 4096;
			if ((nbuf = realloc(buf, cap)) == NULL)
				goto bad;
			buf = nbuf;
		}
		r = read(fd, buf + len, cap - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto bad;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	*lenp = len;
	return buf;
bad:
	e = errno;
	free(buf);
	close(fd);
	errno = e;
	return NULL;
}

/*
 * libyaml's own words, at its position.  A reader error (bad UTF-8) has
 * only a byte offset.
 */
static void
syntax_error(struct loader *l, const yaml_parser_t *p, const struct origin *o)
{
	const char	*problem = p->problem ? p->problem : "unknown";

	if (p->error == YAML_MEMORY_ERROR)
		nomem(l);
	else if (p->error == YAML_READER_ERROR)
		snprintf(l->err, l->errlen, "%s: YAML syntax error: %s at byte "
		    "%zu", o->name, problem, p->problem_offset);
	else
		fail_at(l, o, (unsigned)p->problem_mark.line + 1,
		    (unsigned)p->problem_mark.column + 1, NULL,
		    "YAML syntax error: %s%s%s", problem,
		    p->context ? " " : "", p->context ? p->context : "");
}

/* The path of an include, relative to the directory of the includer. */
static char *
resolve(const char *includer, const char *name)
{
	const char	*slash = strrchr(includer, '/');
	char		*p;
	size_t		 dlen;

	if (name[0] == '/' || slash == NULL)
		return strdup(name);
	dlen = (size_t)(slash - includer) + 1;
	if ((p = malloc(dlen + strlen(name) + 1)) == NULL)
		return NULL;
	memcpy(p, includer, dlen);
	strcpy(p + dlen, name);
	return p;
}

/*
 * Merge the files named by root's include key (a list, or one name) into
 * root: each top-level section of an include replaces the whole section
 * of the same name.  Includes nest; "version" and "include" of an
 * included file stay out.
 */
static int
apply_includes(struct loader *l, struct node *root, const char *file,
    int depth)
{
	struct node	*inc, *item, *sub, *kid;
	char		*name, *path;
	size_t		 i, j, n;

	if ((inc = map_get(root, "include", NULL)) == NULL || is_null(inc))
		return 0;
	if (inc->kind == N_MAP)
		return mismatch(l, inc, "include", expected[K_INCLUDE]);
	n = inc->kind == N_SEQ ? inc->nkids : 1;
	for (i = 0; i < n; i++) {
		item = inc->kind == N_SEQ ? inc->kids[i] : inc;
		if (item->kind != N_SCALAR)
			return mismatch(l, item, "include", "a file name");
		if ((name = config_expand_env(item->text)) == NULL)
			return nomem(l);
		if (name[0] == '\0') {
			free(name);
			return fail(l, item, false, "include",
			    "empty file name");
		}
		path = resolve(file, name);
		free(name);
		if (path == NULL)
			return nomem(l);
		if (depth >= MAX_INCLUDE) {
			fail(l, item, false, "include", "%s: includes nested "
			    "too deeply (does a file include itself?)", path);
			free(path);
			return -1;
		}
		sub = load_tree(l, path, depth + 1, item);
		free(path);
		if (sub == NULL)
			return -1;
		for (j = 0; j < sub->nkids; j++) {
			kid = sub->kids[j];
			if (strcasecmp(kid->key, "include") == 0 ||
			    strcasecmp(kid->key, "version") == 0)
				continue;
			if (map_put(root, kid) == -1) {
				node_free(sub);
				return nomem(l);
			}
			sub->kids[j] = NULL;
		}
		node_free(sub);
	}
	return 0;
}

/*
 * Parse one file into a tree, with its includes merged.  from is the
 * include item that named it (NULL for the main file), so a missing
 * include is reported where it was written.
 */
static struct node *
load_tree(struct loader *l, const char *path, int depth,
    const struct node *from)
{
	yaml_parser_t	 parser;
	yaml_document_t	 doc;
	yaml_node_t	*yroot;
	struct origin	*o;
	struct node	*root = NULL;
	const char	*why;
	char		*buf;
	size_t		 len;

	if ((buf = slurp(path, &len, &why)) == NULL) {
		if (from != NULL)
			fail(l, from, false, "include", "%s: %s: %s", path,
			    why, strerror(errno));
		else
			fail_at(l, NULL, 0, 0, NULL, "%s: %s", why,
			    strerror(errno));
		return NULL;
	}
	if ((o = add_origin(l, path, false)) == NULL) {
		free(buf);
		nomem(l);
		return NULL;
	}
	if (!yaml_parser_initialize(&parser)) {
		free(buf);
		nomem(l);
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		syntax_error(l, &parser, o);
		yaml_parser_delete(&parser);
		free(buf);
		return NULL;
	}
	yroot = yaml_document_get_root_node(&doc);
	if (yroot != NULL)
		root = convert(l, &doc, yroot, o, 0);
	else if ((root = calloc(1, sizeof(*root))) != NULL) {
		root->kind = N_MAP;
		root->origin = o;
		root->line = root->col = 1;
	} else
		nomem(l);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	free(buf);
	if (root == NULL)
		return NULL;
	if (is_null(root))
		null_to_map(root);
	if (root->kind != N_MAP) {
		mismatch(l, root, NULL, "a map of sections (version, server, "
		    "ticker, ...)");
		node_free(root);
		return NULL;
	}
	if (apply_includes(l, root, path, depth) == -1) {
		node_free(root);
		return NULL;
	}
	return root;
}

static struct node *
new_node(enum node_kind kind, const char *key, const struct origin *o)
{
	struct node	*n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	n->kind = kind;
	n->origin = o;
	if ((n->key = strdup(key)) == NULL) {
		free(n);
		return NULL;
	}
	return n;
}

/* Trim blanks at both ends of s[0..*len) in place; returns the start. */
static char *
trim(char *s, size_t *len)
{
	while (*len > 0 && isspace((unsigned char)*s)) {
		s++;
		(*len)--;
	}
	while (*len > 0 && isspace((unsigned char)s[*len - 1]))
		(*len)--;
	s[*len] = '\0';
	return s;
}

/*
 * Set one "key.path=value" (as given to -o) in the tree, creating maps on
 * the way.  The value is a string whatever it looks like (-o version=3 is
 * fine); it is expanded later, like every value.  Replacing a whole
 * section with a value is refused: it is almost surely a typo.
 */
static int
apply_override(struct loader *l, struct node *root, const char *ov)
{
	struct origin	*o;
	struct node	*map = root, *n, *val;
	char		*copy, *key, *value, *dot, *part;
	char		 path[PATH_LEN] = "";
	size_t		 klen, vlen, i;
	int		 depth = 0, r = -1;

	if ((o = add_origin(l, ov, true)) == NULL)
		return nomem(l);
	if ((copy = strdup(ov)) == NULL)
		return nomem(l);
	if ((value = strchr(copy, '=')) == NULL) {
		fail_at(l, o, 0, 0, NULL, "expected key.path=value");
		goto out;
	}
	*value++ = '\0';
	klen = strlen(copy);
	key = trim(copy, &klen);
	vlen = strlen(value);
	value = trim(value, &vlen);
	if (vlen >= 2 && (value[0] == '"' || value[0] == '\'') &&
	    value[vlen - 1] == value[0]) {
		value[vlen - 1] = '\0';
		value++;
	}
	for (part = key;; part = dot + 1) {
		if ((dot = strchr(part, '.')) != NULL)
			*dot = '\0';
		if (*part == '\0' || ++depth > MAX_DEPTH) {
			fail_at(l, o, 0, 0, NULL, "expected key.path=value");
			goto out;
		}
		i = strlen(path);
		snprintf(path + i, sizeof(path) - i, "%s%s", i ? "." : "",
		    part);
		n = map_get(map, part, NULL);
		if (dot == NULL)
			break;
		if (n == NULL) {
			if ((n = new_node(N_MAP, part, o)) == NULL ||
			    map_put(map, n) == -1) {
				node_free(n);
				nomem(l);
				goto out;
			}
		} else if (is_null(n)) {
			null_to_map(n);
		} else if (n->kind != N_MAP) {
			fail_at(l, o, 0, 0, path, "is not a map, so it has no "
			    "key %s", dot + 1);
			goto out;
		}
		map = n;
	}
	if (n != NULL && n->kind == N_MAP) {
		fail_at(l, o, 0, 0, path, "is a section, not a value (set one "
		    "of its keys: %s.KEY=value)", path);
		goto out;
	}
	if ((val = new_node(N_SCALAR, part, o)) == NULL ||
	    (val->text = strdup(value)) == NULL || map_put(map, val) == -1) {
		node_free(val);
		nomem(l);
		goto out;
	}
	r = 0;
out:
	free(copy);
	return r;
}

/*
 * The expanded text of a scalar value.  Returns 1 with *out set, 0 when
 * the value is empty (keep the default), -1 on error.
 */
static int
text_of(struct loader *l, const struct node *n, const char *path,
    const char *want, char **out)
{
	*out = NULL;
	if (n->kind != N_SCALAR)
		return mismatch(l, n, path, want);
	if ((*out = config_expand_env(n->text)) == NULL)
		return nomem(l);
	if (**out == '\0') {
		free(*out);
		*out = NULL;
		return 0;
	}
	return 1;
}

/* A plain scalar that YAML would read as a number, like 3 or 2.7. */
static bool
looks_numeric(const char *s)
{
	bool	 digits = false;

	if (*s == '-' || *s == '+')
		s++;
	for (; isdigit((unsigned char)*s) || *s == '.'; s++)
		digits |= *s != '.';
	if (digits && (*s == 'e' || *s == 'E')) {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		while (isdigit((unsigned char)*s))
			s++;
	}
	return digits && *s == '\0';
}

/*
 * version is a string in RoadRunner; an unquoted 3 is a float there, and
 * users trip on it, so the error shows the fix.
 */
static int
store_version(struct loader *l, const struct node *n, const char *path,
    char *s)
{
	char	**slot = &l->cfg->version;

	if (n->plain && looks_numeric(n->text)) {
		free(s);
		return fail(l, n, false, path, "%s must be a quoted string "
		    "(write version: '%s')", n->text, n->text);
	}
	if (strcmp(s, "3") != 0 && strcmp(s, "2.7") != 0) {
		fail(l, n, false, path, "\"%s\" is not supported (expected "
		    "'3' or '2.7')", s);
		free(s);
		return -1;
	}
	/* '2.7' is what RoadRunner's ticker docs write, and the keys rr
	 * reads mean the same in both: not worth a line at every start */
	free(*slot);
	*slot = s;
	return 0;
}

/* The address itself is checked when the pool parses it. */
static int
check_relay(struct loader *l, const struct node *n, const char *path,
    const char *s)
{
	if (strcmp(s, "pipes") == 0)
		return 0;
	if (strncmp(s, "tcp://", 6) == 0 || strncmp(s, "unix://", 7) == 0)
		return 0;
	return fail(l, n, false, path, "\"%s\" is not a valid relay "
	    "(expected pipes, tcp://host:port or unix:///path)", s);
}

/*
 * Digits only: a sign or a fraction in a count is a mistake, and the
 * range check catches 64-bit overflow before it wraps.
 */
static int
store_number(struct loader *l, const struct key *k, const struct node *n,
    const char *path, const char *s, void *p)
{
	uint64_t	 v = 0, max;
	const char	*c;

	max = k->max ? k->max :
	    k->size == sizeof(unsigned) ? UINT_MAX : UINT64_MAX;
	if (s[strspn(s, "0123456789")] != '\0')
		return fail(l, n, false, path, "\"%s\" is not a whole number",
		    s);
	for (c = s; *c != '\0' && v <= max; c++) {
		if (v > (UINT64_MAX - (uint64_t)(*c - '0')) / 10)
			break;
		v = v * 10 + (uint64_t)(*c - '0');
	}
	if (*c != '\0' || v > max)
		return fail(l, n, false, path, "%s is out of range (expected "
		    "0..%llu)", s, (unsigned long long)max);
	if (k->size == sizeof(unsigned))
		*(unsigned *)p = (unsigned)v;
	else
		*(uint64_t *)p = v;
	return 0;
}

/* YAML 1.1's booleans, which Go's yaml also reads into a bool. */
static int
store_bool(struct loader *l, const struct node *n, const char *path,
    const char *s, bool *p)
{
	static const char *const yes[] = { "true", "yes", "on", NULL };
	static const char *const no[] = { "false", "no", "off", NULL };
	int	 i;

	for (i = 0; yes[i] != NULL; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*p = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*p = false;
			return 0;
		}
	}
	return fail(l, n, false, path, "\"%s\" is not a boolean (expected "
	    "true or false)", s);
}

static int
store_enum(struct loader *l, const struct key *k, const struct node *n,
    const char *path, const char *s, int *p)
{
	char	 list[128] = "";
	size_t	 w;
	int	 i;

	for (i = 0; k->names[i] != NULL; i++)
		if (strcasecmp(s, k->names[i]) == 0) {
			*p = i;
			return 0;
		}
	for (i = 0; k->names[i] != NULL; i++) {
		w = strlen(list);
		snprintf(list + w, sizeof(list) - w, "%s%s", i ? ", " : "",
		    k->names[i]);
	}
	return fail(l, n, false, path, "\"%s\" is not a valid value "
	    "(expected one of %s)", s, list);
}

/* Check and store a scalar key's expanded value s; frees s. */
static int
store_scalar(struct loader *l, const struct key *k, const struct node *n,
    const char *path, char *s)
{
	void		*p = (char *)l->cfg + k->off;
	char		 msg[CONFIG_ERR_MAX];
	duration_ns	 d;
	int		 r = 0;

	switch (k->kind) {
	case K_VERSION:
		return store_version(l, n, path, s);
	case K_RELAY:
		if (check_relay(l, n, path, s) == -1) {
			free(s);
			return -1;
		}
		/* FALLTHROUGH */
	case K_STRING:
		free(*(char **)p);
		*(char **)p = s;
		return 0;
	case K_DURATION:
		if (config_parse_duration(s, &d, msg, sizeof(msg)) == -1)
			r = fail(l, n, false, path, "%s", msg);
		else if (d < 0)
			r = fail(l, n, false, path, "\"%s\" is negative", s);
		else if (d > 0 && d < k->min) {
			format_duration(k->min, msg, sizeof(msg));
			r = fail(l, n, false, path, "%s is too short (at least "
			    "%s)", s, msg);
		} else if (d > 0)
			*(duration_ns *)p = d;
		break;
	case K_NUMBER:
		r = store_number(l, k, n, path, s, p);
		break;
	case K_BOOL:
		r = store_bool(l, n, path, s, p);
		break;
	case K_ENUM:
		r = store_enum(l, k, n, path, s, p);
		break;
	default:
		break;
	}
	free(s);
	return r;
}

/* A command given as a list is the exact argv, items expanded. */
static int
list_command(struct loader *l, const struct node *n, const char *path,
    struct command *c)
{
	size_t	 i;

	if (n->nkids == 0)
		return fail(l, n, false, path, "empty command");
	if ((c->argv = calloc(n->nkids + 1, sizeof(*c->argv))) == NULL)
		return nomem(l);
	for (i = 0; i < n->nkids; i++) {
		if (n->kids[i]->kind != N_SCALAR)
			return mismatch(l, n->kids[i], path, "a string");
		if ((c->argv[i] = config_expand_env(n->kids[i]->text)) == NULL)
			return nomem(l);
		c->argc++;
	}
	if (c->argv[0][0] == '\0')
		return fail(l, n, false, path, "empty command");
	return 0;
}

/* Replace *cmd only once the new command is whole. */
static int
store_command(struct loader *l, const struct node *n, const char *path,
    struct command *cmd)
{
	struct command	 c = { NULL, 0 };
	char		 msg[CONFIG_ERR_MAX], *s;
	int		 r;

	if (n->kind == N_SEQ)
		r = list_command(l, n, path, &c);
	else if ((r = text_of(l, n, path, expected[K_COMMAND], &s)) == 1) {
		r = config_split_command(s, &c, msg, sizeof(msg));
		free(s);
		if (r == -1)
			fail(l, n, false, path, "%s", msg);
	} else
		return r;
	if (r == -1) {
		command_free(&c);
		return -1;
	}
	command_free(cmd);
	*cmd = c;
	return 1;
}

/* Add "NAME=value" to env, replacing an earlier NAME. */
static int
env_put(struct env_list *env, char *var)
{
	size_t	  klen = strcspn(var, "=") + 1, i;
	char	**v;

	for (i = 0; i < env->n; i++)
		if (strncmp(env->vars[i], var, klen) == 0) {
			free(env->vars[i]);
			env->vars[i] = var;
			return 0;
		}
	if ((v = realloc(env->vars, (env->n + 2) * sizeof(*v))) == NULL)
		return -1;
	env->vars = v;
	env->vars[env->n++] = var;
	env->vars[env->n] = NULL;
	return 0;
}

/* Worker environment: names upper-cased as RoadRunner does, values expanded. */
static int
store_env(struct loader *l, const struct node *n, const char *path,
    struct env_list *env)
{
	const struct node	*kid;
	char			*val, *var, *c;
	size_t			 i;

	if (n->kind != N_MAP)
		return mismatch(l, n, path, expected[K_ENV]);
	for (i = 0; i < n->nkids; i++) {
		kid = n->kids[i];
		if (kid->key[0] == '\0' || strchr(kid->key, '=') != NULL)
			return fail(l, kid, true, path, "\"%s\" is not a valid "
			    "variable name", kid->key);
		if (kid->kind != N_SCALAR)
			return mismatch(l, kid, path, "a string");
		val = config_expand_env(is_null(kid) ? "" : kid->text);
		if (val == NULL)
			return nomem(l);
		var = malloc(strlen(kid->key) + strlen(val) + 2);
		if (var == NULL) {
			free(val);
			return nomem(l);
		}
		sprintf(var, "%s=%s", kid->key, val);
		free(val);
		for (c = var; *c != '='; c++)
			*c = (char)toupper((unsigned char)*c);
		if (env_put(env, var) == -1) {
			free(var);
			return nomem(l);
		}
	}
	return 1;
}

/*
 * Check and store the value n of key k.  Returns 1 when a value was
 * stored, 0 when the default stays, -1 on error.
 */
static int
apply(struct loader *l, const struct key *k, const struct node *n,
    const char *path)
{
	void	*p = (char *)l->cfg + k->off;
	char	*s;
	int	 r;

	switch (k->kind) {
	case K_INCLUDE:		/* merged before the walk */
		return 0;
	case K_UNSUPPORTED:
		return warn(l, n, true, path, "not supported by rr, ignored");
	case K_SECTION:
		if (n->kind != N_MAP)
			return mismatch(l, n, path, expected[K_SECTION]);
		return walk(l, n, k->sub, path) == -1 ? -1 : 1;
	case K_COMMAND:
		return store_command(l, n, path, p);
	case K_ENV:
		return store_env(l, n, path, p);
	default:
		if ((r = text_of(l, n, path, expected[k->kind], &s)) != 1)
			return r;
		return store_scalar(l, k, n, path, s) == -1 ? -1 : 1;
	}
}

static const struct key *
find_key(const struct key *keys, const char *name)
{
	for (; keys->name != NULL; keys++)
		if (strcasecmp(keys->name, name) == 0)
			return keys;
	return NULL;
}

static bool
is_other_plugin(const char *name)
{
	int	 i;

	for (i = 0; other_plugins[i] != NULL; i++)
		if (strcasecmp(other_plugins[i], name) == 0)
			return true;
	return false;
}

/* Remember where key k's value came from, for config_where(). */
static int
note_place(struct loader *l, const struct key *k, const struct node *n)
{
	struct config		*cfg = l->cfg;
	struct config_place	*v;
	char			 buf[CONFIG_ERR_MAX];

	if (n->origin->override)
		snprintf(buf, sizeof(buf), "-o %s", n->origin->name);
	else
		snprintf(buf, sizeof(buf), "%s:%u:%u", n->origin->name,
		    n->line, n->col);
	v = realloc(cfg->places, (cfg->nplaces + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	cfg->places = v;
	if ((v[cfg->nplaces].where = strdup(buf)) == NULL)
		return -1;
	v[cfg->nplaces++].off = k->off;
	return 0;
}

const char *
config_where(const struct config *cfg, const void *field)
{
	size_t	 off = (size_t)((const char *)field - (const char *)cfg), i;

	for (i = cfg->nplaces; i-- > 0;)
		if (cfg->places[i].off == off)
			return cfg->places[i].where;
	return NULL;
}

/*
 * Check and store every entry of map against the key table keys.  A key
 * given twice is an error (the second would silently win); an unknown key
 * is a warning, since RoadRunner ignores it but it is usually a typo.
 */
static int
walk(struct loader *l, const struct node *map, const struct key *keys,
    const char *path)
{
	const struct node	*seen[MAX_KEYS] = { NULL }, *kid;
	const struct key	*k;
	char			 sub[PATH_LEN];
	size_t			 i;
	int			 r;

	for (i = 0; i < map->nkids; i++) {
		kid = map->kids[i];
		k = find_key(keys, kid->key);
		snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "",
		    k ? k->name : kid->key);
		/* x-name: the place for YAML anchors (&defaults) that
		 * compose files use, so it is not a typo */
		if (k == NULL && *path == '\0' &&
		    strncasecmp(kid->key, "x-", 2) == 0)
			continue;
		if (k == NULL) {
			r = warn(l, kid, true, sub, "%s", *path == '\0' &&
			    is_other_plugin(kid->key) ?
			    "not supported by rr, ignored" :
			    "unknown key, ignored");
			if (r == -1)
				return -1;
			continue;
		}
		if (seen[k - keys] != NULL)
			return fail(l, kid, true, sub, "duplicate key (first at "
			    "line %u)", seen[k - keys]->kline);
		seen[k - keys] = kid;
		if (is_null(kid))
			continue;
		if ((r = apply(l, k, kid, sub)) == -1)
			return -1;
		if (r == 1 && k->has_set)
			*(bool *)((char *)l->cfg + k->set) = true;
		if (r == 1 && k->kind != K_SECTION && note_place(l, k, kid) == -1)
			return nomem(l);
	}
	return 0;
}

/* Fill in the defaults of every key in the table, recursively. */
static int
set_defaults(struct config *cfg, const struct key *keys)
{
	const struct key	*k;
	void			*p;

	for (k = keys; k->name != NULL; k++) {
		p = (char *)cfg + k->off;
		if (k->kind == K_SECTION && set_defaults(cfg, k->sub) == -1)
			return -1;
		if (k->kind == K_DURATION)
			*(duration_ns *)p = k->def;
		if (k->defstr != NULL &&
		    (*(char **)p = strdup(k->defstr)) == NULL)
			return -1;
	}
	return 0;
}

/* What the walk cannot check alone: required keys, derived defaults. */
static int
finish(struct loader *l)
{
	struct config	*cfg = l->cfg;
	long		 ncpu;

	if (cfg->version == NULL)
		return fail(l, NULL, false, "version", "required (write "
		    "version: '3' at the top)");
	if (cfg->server.command.argv == NULL)
		return fail(l, NULL, false, "server.command", "required (the "
		    "PHP worker to start, e.g. command: php app.php)");
	if (cfg->server.on_init.set && cfg->server.on_init.command.argv ==
	    NULL)
		return fail(l, NULL, false, "server.on_init.command",
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
		return nomem(l);
	if (cfg->rpc.max_connections == 0)
		cfg->rpc.max_connections = 64;
	if (cfg->status.set && cfg->status.address == NULL)
		return fail(l, NULL, false, "status.address", "required when "
		    "status is set (for example 127.0.0.1:2114)");
	if (cfg->status.unavailable_status_code == 0)
		cfg->status.unavailable_status_code = 503;
	else if (cfg->status.unavailable_status_code < 100)
		return fail(l, NULL, false, "status.unavailable_status_code",
		    "%u is not an HTTP status (100..599)",
		    cfg->status.unavailable_status_code);
	if (cfg->status.max_connections == 0)
		cfg->status.max_connections = 64;
	/* RoadRunner's default */
	if (cfg->metrics.set && cfg->metrics.address == NULL &&
	    (cfg->metrics.address = strdup("127.0.0.1:2112")) == NULL)
		return nomem(l);
	if (cfg->metrics.max_connections == 0)
		cfg->metrics.max_connections = 64;
	if (config_where(cfg, &cfg->logs.encoding) == NULL)
		cfg->logs.encoding = cfg->logs.mode == LOGS_PRODUCTION ?
		    LOGS_JSON : LOGS_CONSOLE;
	return 0;
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
	struct node	*root = NULL;
	struct origin	*o;
	size_t		 i;
	int		 r = -1;

	memset(cfg, 0, sizeof(*cfg));
	memset(&l, 0, sizeof(l));
	l.cfg = cfg;
	l.err = err;
	l.errlen = errlen;
	l.budget = MAX_NODES;
	if (errlen > 0)
		err[0] = '\0';
	if ((cfg->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if (set_defaults(cfg, top_keys) == -1) {
		nomem(&l);
		goto out;
	}
	if ((root = load_tree(&l, path, 0, NULL)) == NULL)
		goto out;
	for (i = 0; i < noverrides; i++)
		if (apply_override(&l, root, overrides[i]) == -1)
			goto out;
	if (walk(&l, root, top_keys, "") == -1 || finish(&l) == -1)
		goto out;
	r = 0;
out:
	node_free(root);
	while ((o = l.origins) != NULL) {
		l.origins = o->next;
		free(o->name);
		free(o);
	}
	if (r == -1)
		config_free(cfg);
	return r;
}

static void
env_free(struct env_list *env)
{
	size_t	 i;

	for (i = 0; i < env->n; i++)
		free(env->vars[i]);
	free(env->vars);
	env->vars = NULL;
	env->n = 0;
}

void
config_free(struct config *cfg)
{
	size_t	 i;

	free(cfg->path);
	free(cfg->version);
	free(cfg->rpc.listen);
	free(cfg->status.address);
	free(cfg->metrics.address);
	command_free(&cfg->server.command);
	env_free(&cfg->server.env);
	free(cfg->server.user);
	free(cfg->server.group);
	free(cfg->server.relay);
	command_free(&cfg->server.on_init.command);
	env_free(&cfg->server.on_init.env);
	free(cfg->server.on_init.user);
	free(cfg->logs.output);
	for (i = 0; i < cfg->nwarnings; i++)
		free(cfg->warnings[i]);
	free(cfg->warnings);
	for (i = 0; i < cfg->nplaces; i++)
		free(cfg->places[i].where);
	free(cfg->places);
	memset(cfg, 0, sizeof(*cfg));
}

/* Double-quoted, so any byte survives and YAML reads back the same. */
static void
print_quoted(FILE *f, const char *s)
{
	unsigned char	 c;

	putc('"', f);
	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			putc(c, f);
	}
	putc('"', f);
}

/* "%llu" then up to digits fraction digits of frac, trailing zeros cut. */
static int
print_amount(char *buf, size_t len, uint64_t whole, uint64_t frac,
    int digits, const char *unit)
{
	char	 f[24] = "";
	int	 n;

	if (frac != 0) {
		snprintf(f, sizeof(f), ".%0*llu", digits,
		    (unsigned long long)frac);
		for (n = (int)strlen(f); f[n - 1] == '0'; n--)
			f[n - 1] = '\0';
	}
	return snprintf(buf, len, "%llu%s%s", (unsigned long long)whole, f,
	    unit);
}

/*
 * A duration the way a person writes it and Go parses it: 500ms, 1.5s,
 * 1m30s, 2h (Go's own String() would say 1m0s).
 */
static void
format_duration(duration_ns d, char *buf, size_t len)
{
	static const struct { uint64_t ns; int digits; const char *name; }
	    small[] = {
		{ 1000000, 6, "ms" }, { 1000, 3, "us" }, { 1, 0, "ns" }
	};
	uint64_t	 v = (uint64_t)d, h, m, s;
	size_t		 w = 0;
	int		 i;

	if (v == 0) {
		snprintf(buf, len, "0s");
		return;
	}
	if (v < (uint64_t)SEC_NS) {
		for (i = 0; v < small[i].ns; i++)
			;
		print_amount(buf, len, v / small[i].ns, v % small[i].ns,
		    small[i].digits, small[i].name);
		return;
	}
	h = v / (3600 * (uint64_t)SEC_NS);
	m = v / (60 * (uint64_t)SEC_NS) % 60;
	s = v % (60 * (uint64_t)SEC_NS);
	buf[0] = '\0';
	if (h != 0)
		w += (size_t)snprintf(buf + w, len - w, "%lluh",
		    (unsigned long long)h);
	if (m != 0 && w < len)
		w += (size_t)snprintf(buf + w, len - w, "%llum",
		    (unsigned long long)m);
	if (s != 0 && w < len)
		print_amount(buf + w, len - w, s / SEC_NS, s % SEC_NS, 9, "s");
}

/*
 * The table again, so config_print shows every key config_load knows, in
 * RoadRunner's names; sections that are off (on_init, supervisor, rpc)
 * are left out, as they would be from a config file.
 */
static void
print_keys(const struct config *cfg, const struct key *keys, int indent,
    FILE *f)
{
	const struct key	*k;
	const void		*p;
	const struct command	*c;
	const struct env_list	*e;
	char			 buf[64];
	size_t			 i;

	for (k = keys; k->name != NULL; k++) {
		p = (const char *)cfg + k->off;
		if (k->kind == K_INCLUDE || k->kind == K_UNSUPPORTED ||
		    (k->has_set && !*(const bool *)((const char *)cfg +
		    k->set) && k->kind == K_SECTION))
			continue;
		if ((k->kind == K_STRING || k->kind == K_VERSION ||
		    k->kind == K_RELAY) && *(char *const *)p == NULL)
			continue;
		fprintf(f, "%*s%s:", indent, "", k->name);
		switch (k->kind) {
		case K_SECTION:
			putc('\n', f);
			print_keys(cfg, k->sub, indent + 2, f);
			continue;
		case K_STRING:
		case K_VERSION:
		case K_RELAY:
			putc(' ', f);
			print_quoted(f, *(char *const *)p);
			break;
		case K_DURATION:
			format_duration(*(const duration_ns *)p, buf,
			    sizeof(buf));
			fprintf(f, " %s", buf);
			break;
		case K_NUMBER:
			fprintf(f, " %llu", k->size == sizeof(unsigned) ?
			    (unsigned long long)*(const unsigned *)p :
			    (unsigned long long)*(const uint64_t *)p);
			break;
		case K_BOOL:
			fprintf(f, " %s", *(const bool *)p ? "true" : "false");
			break;
		case K_ENUM:
			fprintf(f, " %s", k->names[*(const int *)p]);
			break;
		case K_COMMAND:
			c = p;
			fputs(" [", f);
			for (i = 0; i < c->argc; i++) {
				fputs(i ? ", " : "", f);
				print_quoted(f, c->argv[i]);
			}
			putc(']', f);
			break;
		case K_ENV:
			e = p;
			if (e->n == 0)
				fputs(" {}", f);
			for (i = 0; i < e->n; i++) {
				fprintf(f, "\n%*s%.*s: ", indent + 2, "",
				    (int)strcspn(e->vars[i], "="), e->vars[i]);
				print_quoted(f, strchr(e->vars[i], '=') + 1);
			}
			break;
		default:
			break;
		}
		putc('\n', f);
	}
}

/* For rr serve --check: what rr will actually run with. */
void
config_print(const struct config *cfg, FILE *f)
{
	print_keys(cfg, top_keys, 0, f);
}

/*
 * Parse the value part of a dotenv line in place: "double" (with \n, \"
 * and \\ escapes), 'single' (literal) or bare up to a " #" comment.
 * Returns NULL for an unterminated quote.
 */
static char *
dotenv_value(char *v)
{
	char	*r, *w, q = *v;

	if (q == '\'' || q == '"') {
		for (r = w = ++v; *r != q; r++) {
			if (*r == '\0')
				return NULL;
			if (q == '"' && *r == '\\' && r[1] != '\0') {
				r++;
				if (*r != 'n' && *r != '"' && *r != '\\')
					*w++ = '\\';
				*w++ = *r == 'n' ? '\n' : *r;
			} else
				*w++ = *r;
		}
		*w = '\0';
		return v;
	}
	for (r = v; *r != '\0'; r++)
		if (*r == '#' && (r == v || isblank((unsigned char)r[-1]))) {
			*r = '\0';
			break;
		}
	for (r = v + strlen(v); r > v && isblank((unsigned char)r[-1]); r--)
		r[-1] = '\0';
	return v;
}

/*
 * Variables are not expanded and values span one line: enough for the
 * .env files people keep next to rr.yaml, without a shell's rules.
 */
int
config_load_dotenv(const char *path, char *err, size_t errlen)
{
	FILE	*f;
	char	*line = NULL, *t, *k, *v, *end;
	size_t	 cap = 0, len;
	ssize_t	 n;
	unsigned lineno = 0;
	int	 r = 0;

	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
		    strerror(errno));
		return -1;
	}
	while (r == 0 && (n = getline(&line, &cap, f)) != -1) {
		lineno++;
		len = (size_t)n;
		t = k = trim(line, &len);
		if (*k == '\0' || *k == '#')
			continue;
		if (strncmp(k, "export", 6) == 0 && isblank((unsigned char)k[6]))
			for (k += 6; isblank((unsigned char)*k); k++)
				;
		end = k + strspn(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
		    "qrstuvwxyz_0123456789");
		for (v = end; isblank((unsigned char)*v); v++)
			;
		if (end == k || isdigit((unsigned char)*k) || *v != '=') {
			snprintf(err, errlen, "%s:%u: \"%s\" is not KEY=VALUE",
			    path, lineno, t);
			r = -1;
			continue;
		}
		*end = '\0';
		for (v++; isblank((unsigned char)*v); v++)
			;
		if ((v = dotenv_value(v)) == NULL) {
			snprintf(err, errlen, "%s:%u: unterminated quote", path,
			    lineno);
			r = -1;
		} else if (setenv(k, v, 0) == -1) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno,
			    strerror(errno));
			r = -1;
		}
	}
	if (r == 0 && ferror(f)) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
		    strerror(errno));
		r = -1;
	}
	free(line);
	fclose(f);
	return r;
}

static const struct unit {
	const char	*name;
	uint64_t	 ns;
} units[] = {
	{ "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 },
	{ "\xce\xbcs", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
	{ "m", 60000000000ULL }, { "h", 3600000000000ULL }
};

/* All digits with at most one '.': a duration that forgot its unit. */
static bool
is_bare_number(const char *s)
{
	size_t	 digits = strspn(s, "0123456789");

	if (s[digits] == '.')
		digits += 1 + strspn(s + digits + 1, "0123456789");
	return digits > 0 && strcmp(s, ".") != 0 && s[digits] == '\0';
}

/*
 * Go's time.ParseDuration, including its quirks ("1.s", ".5s", both
 * micro signs), except that a bare number is refused: RoadRunner would
 * read "5" as 5ns, which is never what anyone meant.
 */
int
config_parse_duration(const char *str, duration_ns *out, char *err,
    size_t errlen)
{
	const uint64_t	 limit = (uint64_t)1 << 63;
	const char	*s = str;
	uint64_t	 total = 0, whole, frac, scale, v;
	size_t		 ulen, i;
	bool		 neg = false, digits;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	if (is_bare_number(s)) {
		snprintf(err, errlen, "%s has no unit (did you mean %ss?)", str,
		    str);
		return -1;
	}
	if (*s == '\0')
		goto bad;
	while (*s != '\0') {
		whole = frac = 0;
		scale = 1;
		digits = false;
		for (; isdigit((unsigned char)*s); s++, digits = true) {
			if (whole > (limit - 9) / 10)
				goto range;
			whole = whole * 10 + (uint64_t)(*s - '0');
		}
		if (*s == '.')
			for (s++; isdigit((unsigned char)*s); s++) {
				digits = true;
				if (scale < 1000000000000000000ULL) {
					frac = frac * 10 + (uint64_t)(*s - '0');
					scale *= 10;
				}
			}
		if (!digits)
			goto bad;
		ulen = strcspn(s, ".0123456789");
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strlen(units[i].name) == ulen &&
			    strncmp(s, units[i].name, ulen) == 0)
				break;
		if (ulen == 0 || i == sizeof(units) / sizeof(units[0]))
			goto bad;
		s += ulen;
		if (whole > limit / units[i].ns)
			goto range;
		v = whole * units[i].ns + (uint64_t)((double)frac *
		    ((double)units[i].ns / (double)scale));
		if (v > limit || total > limit - v)
			goto range;
		total += v;
	}
	if (total > limit - (neg ? 0 : 1))
		goto range;
	*out = neg ? (duration_ns)(0 - total) : (duration_ns)total;
	return 0;
range:
	snprintf(err, errlen, "\"%s\" is too large for a duration (at most "
	    "2562047h)", str);
	return -1;
bad:
	snprintf(err, errlen, "\"%s\" is not a duration (examples: 500ms, 1s, "
	    "1m)", str);
	return -1;
}

/*
 * sh's word splitting and quote removal, nothing else: no $, no globs,
 * no operators, so a command line means the same with or without a shell
 * in front of it.  An unterminated quote is an error rather than a guess.
 */
int
config_split_command(const char *s, struct command *cmd, char *err,
    size_t errlen)
{
	char	 *word, **v;
	size_t	  n;
	bool	  in_word;

	memset(cmd, 0, sizeof(*cmd));
	if ((word = malloc(strlen(s) + 1)) == NULL)
		goto oom;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (*s == '\0')
			break;
		n = 0;
		in_word = false;
		while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\n') {
			if (*s == '\'') {
				for (s++; *s != '\'' && *s != '\0'; s++)
					word[n++] = *s;
				if (*s++ == '\0') {
					snprintf(err, errlen,
					    "unterminated single quote");
					goto bad;
				}
			} else if (*s == '"') {
				for (s++; *s != '"' && *s != '\0'; s++) {
					if (*s == '\\' && s[1] == '\n') {
						s++;
						continue;
					}
					if (*s == '\\' && s[1] != '\0' &&
					    strchr("\"\\$`", s[1]) != NULL)
						s++;
					word[n++] = *s;
				}
				if (*s++ == '\0') {
					snprintf(err, errlen,
					    "unterminated double quote");
					goto bad;
				}
			} else if (*s == '\\' && s[1] == '\n') {
				s += 2;
				continue;
			} else {
				if (*s == '\\' && s[1] != '\0')
					s++;
				word[n++] = *s++;
			}
			in_word = true;
		}
		if (!in_word)
			continue;
		v = realloc(cmd->argv, (cmd->argc + 2) * sizeof(*v));
		if (v == NULL)
			goto oom;
		cmd->argv = v;
		if ((v[cmd->argc] = strndup(word, n)) == NULL)
			goto oom;
		v[++cmd->argc] = NULL;
	}
	free(word);
	if (cmd->argc == 0) {
		snprintf(err, errlen, "empty command");
		return -1;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
bad:
	free(word);
	command_free(cmd);
	return -1;
}

void
command_free(struct command *cmd)
{
	size_t	 i;

	for (i = 0; i < cmd->argc; i++)
		free(cmd->argv[i]);
	free(cmd->argv);
	cmd->argv = NULL;
	cmd->argc = 0;
}

/*
 * ${V:-default} takes the default when V is unset or empty, as sh does.
 * The default is literal text up to the first '}'; a '$' that starts no
 * name and no complete ${...} stays as it is.
 */
char *
config_expand_env(const char *s)
{
	static const char namechars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_";
	const char	*name, *val, *def, *end;
	char		*out = NULL, *var;
	size_t		 olen, nlen;
	FILE		*f;

	if ((f = open_memstream(&out, &olen)) == NULL)
		return NULL;
	while (*s != '\0') {
		if (*s != '$') {
			putc(*s++, f);
			continue;
		}
		def = NULL;
		if (s[1] == '{') {
			name = s + 2;
			nlen = strspn(name, namechars);
			end = name + nlen;
			if (end[0] == ':' && end[1] == '-') {
				def = end + 2;
				end = strchr(def, '}');
			} else if (end[0] != '}')
				end = NULL;
		} else {
			name = s + 1;
			nlen = isalpha((unsigned char)*name) || *name == '_' ?
			    strspn(name, namechars) : 0;
			end = name + nlen - 1;
		}
		if (nlen == 0 || end == NULL) {
			putc(*s++, f);
			continue;
		}
		if ((var = strndup(name, nlen)) == NULL) {
			fclose(f);
			free(out);
			return NULL;
		}
		val = getenv(var);
		free(var);
		if (def != NULL && (val == NULL || *val == '\0'))
			fwrite(def, 1, (size_t)(end - def), f);
		else if (val != NULL)
			fputs(val, f);
		s = end + 1;
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/*
 * metrics: the Prometheus endpoint (metrics.address) and the `metrics`
 * RPC service of RoadRunner's metrics plugin.  A scrape, on any path,
 * gives the text exposition format 0.0.4: rr's build, the process family
 * a Go exporter has, RoadRunner's pool gauges under rr_ticker_, the
 * ticker's accounting (exact, the counters line's), its histograms, and
 * the families PHP code declared over RPC (Declare, Add, Sub, Set,
 * Observe, Unregister), bounded in number so a PHP bug cannot grow rr
 * without limit.  A scrape allocates nothing once its buffer has grown.
 */
#ifndef RR_METRICS_H
#define RR_METRICS_H

#include <stdint.h>

#include "config.h"
#include "expo.h"
#include "hist.h"
#include "http.h"
#include "pool.h"
#include "rpc.h"
#include "ticker.h"

#define METRICS_FAMILIES_MAX	256	/* declared over RPC */
#define METRICS_SERIES_MAX	1024	/* label sets in one family */
#define METRICS_LABELS_MAX	8

enum metric_type { MT_COUNTER, MT_GAUGE, MT_HISTOGRAM };

struct app_series {
	char		*values;	/* label values, each NUL-terminated */
	size_t		 values_len;
	double		 value;		/* counter, gauge */
	struct hist	 hist;
};

struct app_family {
	char		*key;		/* the name calls use */
	char		*name;		/* namespace_subsystem_key */
	char		*help;
	enum metric_type type;
	char		*labels[METRICS_LABELS_MAX];
	unsigned	 nlabels;
	double		 bounds[HIST_BUCKETS_MAX];
	char		 le[HIST_BUCKETS_MAX][EXPO_LE_LEN];
	size_t		 nbounds;
	struct app_series *series;
	size_t		 nseries, cap;
};

/* An update method's context: Add, Sub, Set, Observe. */
enum metrics_opcode { OP_ADD, OP_SUB, OP_SET, OP_OBSERVE };

struct metrics_op {
	struct metrics		*m;
	enum metrics_opcode	 op;
};

struct metrics {
	struct http_server http;
	struct pool	*pool;
	struct ticker	*ticker;
	int64_t		 started;	/* unix seconds, for the process family */
	int64_t		 proc_at;	/* the last look at /proc/self */
	double		 proc_resident, proc_virtual, proc_fds, proc_max_fds;
	struct buf	 scratch;	/* a series' labels, while rendered */
	char		 duration_le[HIST_BUCKETS_MAX][EXPO_LE_LEN];
	char		 lateness_le[HIST_BUCKETS_MAX][EXPO_LE_LEN];
	struct app_family *families[METRICS_FAMILIES_MAX];
	size_t		 nfamilies;
	struct metrics_op ops[4];
};

/* Listen on metrics.address (no section: nothing). */
int	metrics_init(struct metrics *, const struct config *, struct pool *,
	    struct ticker *, int epfd, char *err, size_t errlen);

/* The collectors of metrics.collect, declared as Declare would (with
 * or without a listener, so that --check finds what serve would);
 * "FILE:LINE:COL: metrics.collect.NAME: why" into err. */
int	metrics_collect(struct metrics *, const struct config *, char *err,
	    size_t errlen);

/* The metrics.* methods, on rr's RPC server. */
int	metrics_register(struct metrics *, struct rpc_server *);
void	metrics_close(struct metrics *);

/* The exposition, into out: what a scrape answers. */
void	metrics_render(struct metrics *, struct buf *out);

#endif

/*
 * expo: the Prometheus text exposition format 0.0.4, appended to a buf:
 * # HELP and # TYPE lines, samples with escaped labels, and histograms
 * with their cumulative buckets, _sum and _count.  Values are written as
 * Go's client writes them; nothing is allocated once the bufs have grown.
 */
#ifndef RR_EXPO_H
#define RR_EXPO_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "hist.h"

#define EXPO_LE_LEN	24	/* a bucket bound as text, "%g" */

/* s (n bytes) escaped: \\ and \n, and \" too when quote (label values). */
void	expo_escaped(struct buf *, const char *s, size_t n, bool quote);

/* # HELP name help (escaped) and # TYPE name type. */
void	expo_family(struct buf *, const char *name, const char *type,
	    const char *help);

/* A value: whole numbers as digits, NaN, +Inf, -Inf, else the fewest
 * digits that read back the same. */
void	expo_value(struct buf *, double);

/* name+suffix{k="v",...} v, from nkv strings, keys and values in turn. */
void	expo_sample(struct buf *, const char *name, const char *suffix,
	    const char *const *kv, size_t nkv, double v);

/* The n bounds as the le texts of the bucket lines, formatted once. */
void	expo_bounds(char le[][EXPO_LE_LEN], const double *bounds, size_t n);

/* h's buckets, _sum and _count under name, with the series' labels kv
 * (nkv strings, room for two more) before le; scratch is reused. */
void	expo_histogram(struct buf *, struct buf *scratch, const char *name,
	    const struct hist *h, const char (*le)[EXPO_LE_LEN],
	    const char **kv, size_t nkv);

/*
 * Families whose name, type and help are literals with no backslash or
 * newline: their # HELP and # TYPE lines are one literal each, and a
 * scalar's sample needs only its value.  With 100 workers, rr's scrape
 * put together piece by piece cost more than its round trip.
 */
#define EXPO_HEAD(name, type, help) \
	"# HELP " name " " help "\n# TYPE " name " " type "\n"
#define EXPO_FAMILY(b, name, type, help) \
	buf_put((b), EXPO_HEAD(name, type, help), \
	    sizeof EXPO_HEAD(name, type, help) - 1)
#define EXPO_SCALAR(b, name, type, help, v) do {			\
	buf_put((b), EXPO_HEAD(name, type, help) name " ",		\
	    sizeof(EXPO_HEAD(name, type, help) name " ") - 1);		\
	expo_value((b), (v));						\
	buf_put((b), "\n", 1);						\
} while (0)

#endif

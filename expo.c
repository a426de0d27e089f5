/*
 * expo: see expo.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"

/* Escapes of the text format: \\ and \n in help, and \" in label values. */
void
expo_escaped(struct buf *b, const char *s, size_t n, bool quote)
{
	size_t i, start = 0;

	for (i = 0; i < n; i++) {
		if (s[i] != '\\' && s[i] != '\n' && !(quote && s[i] == '"'))
			continue;
		buf_put(b, s + start, i - start);
		buf_put(b, s[i] == '\n' ? "\\n" : s[i] == '"' ? "\\\"" :
		    "\\\\", 2);
		start = i + 1;
	}
	buf_put(b, s + start, n - start);
}

void
expo_family(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_puts(b, "# HELP ");
	buf_puts(b, name);
	buf_put(b, " ", 1);
	expo_escaped(b, help, strlen(help), false);
	buf_puts(b, "\n# TYPE ");
	buf_puts(b, name);
	buf_put(b, " ", 1);
	buf_puts(b, type);
	buf_put(b, "\n", 1);
}

/* As Go's strconv 'g' -1: the fewest digits that read back the same. */
static void
put_shortest(struct buf *b, double v)
{
	char s[32];

	snprintf(s, sizeof s, "%.15g", v);
	if (strtod(s, NULL) != v)
		snprintf(s, sizeof s, "%.17g", v);
	buf_puts(b, s);
}

/* Whole numbers without printf: nearly every value here is one. */
void
expo_value(struct buf *b, double v)
{
	if (v != v)
		buf_puts(b, "NaN");
	else if (v > 1.7e308 || v < -1.7e308)
		buf_puts(b, v > 0 ? "+Inf" : "-Inf");
	else if (v >= 0 && v < 9007199254740992.0 && v == (double)(uint64_t)v)
		buf_put_u64(b, (uint64_t)v);
	else
		put_shortest(b, v);
}

/* name{k="v",...} value, from alternating keys and values. */
void
expo_sample(struct buf *b, const char *name, const char *suffix,
    const char *const *kv, size_t nkv, double v)
{
	size_t i;

	buf_puts(b, name);
	buf_puts(b, suffix);
	for (i = 0; i + 1 < nkv; i += 2) {
		buf_puts(b, i ? ",": "{");
		buf_puts(b, kv[i]);
		buf_puts(b, "=\"");
		expo_escaped(b, kv[i + 1], strlen(kv[i + 1]), true);
		buf_put(b, "\"", 1);
	}
	buf_puts(b, nkv ? "} " : " ");
	expo_value(b, v);
	buf_put(b, "\n", 1);
}


void
expo_bounds(char le[][EXPO_LE_LEN], const double *bounds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(le[i], EXPO_LE_LEN, "%g", bounds[i]);
}

/* The labels kv (nkv strings) as `k="v",` each, escaped, into t. */
static void
label_text(struct buf *t, const char *const *kv, size_t nkv)
{
	size_t i;

	buf_reset(t);
	for (i = 0; i + 1 < nkv; i += 2) {
		buf_puts(t, kv[i]);
		buf_put(t, "=\"", 2);
		expo_escaped(t, kv[i + 1], strlen(kv[i + 1]), true);
		buf_put(t, "\",", 2);
	}
}

/*
 * The buckets, cumulative as the format wants, then _sum and _count;
 * kv (nkv strings) are the series' own labels before le, le the bounds
 * as text (expo_bounds()).  The labels are escaped once into scratch and
 * each bucket line is then written in place, with no float formatted.
 */
void
expo_histogram(struct buf *b, struct buf *scratch, const char *name,
    const struct hist *h, const char (*le)[EXPO_LE_LEN],
    const char **kv, size_t nkv)
{
	size_t i, nlen = strlen(name), tlen;
	uint64_t n = 0;
	const char *t;
	char *at;

	label_text(scratch, kv, nkv);
	if (scratch->failed)
		b->failed = true;	/* the scrape fails, not a bucket */
	for (i = 0; i <= h->nbounds && !b->failed; i++) {
		n += h->counts[i];
		t = i < h->nbounds ? le[i] : "+Inf";
		tlen = strlen(t);
		if ((at = buf_room(b, nlen + scratch->len + tlen + 48)) == NULL)
			return;
		memcpy(at, name, nlen);
		at = BUF_LIT(at + nlen, "_bucket{");
		if (scratch->len > 0)
			memcpy(at, scratch->data, scratch->len);
		at = BUF_LIT(at + scratch->len, "le=\"");
		memcpy(at, t, tlen);
		at = buf_digits(BUF_LIT(at + tlen, "\"} "), n);
		*at++ = '\n';
		buf_wrote(b, at);
	}
	expo_sample(b, name, "_sum", kv, nkv, h->sum);
	expo_sample(b, name, "_count", kv, nkv, (double)h->count);
}

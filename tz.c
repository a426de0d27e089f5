/*
 * tz: see tz.h.  A TZif file is hostile bytes until proven otherwise:
 * each count is checked against what is left of the file before
 * anything is read or allocated, each index against what it indexes,
 * and the file as a whole against TZ_FILE_MAX.  What survives is copied
 * into one allocation that the lookups below only read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tz.h"

#define DAY		86400
#define HEADER		44		/* magic, version, reserved, 6 counts */
/* RFC 8536 3.2: an offset within a day and a bit of UTC.  Refusing the
 * rest bounds how far a local time is from the instants that show it. */
#define OFF_MIN		(-89999)
#define OFF_MAX		93599
/* Instants this far out still leave room for adding days and offsets. */
#define T_LIMIT		((int64_t)1 << 60)

static const struct tz_type utc_type = { 0, 0, 0 };

/* Rounding towards minus infinity, which the calendar needs before 1970. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

static int64_t
clamp(int64_t t)
{
	return t < -T_LIMIT ? -T_LIMIT : t > T_LIMIT ? T_LIMIT : t;
}

static int
is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

int
tz_days_in_month(int64_t year, int month)
{
	if (month == 2)
		return 28 + is_leap(year);
	return 30 + ((month + month / 8) & 1);
}

/* 0 is Sunday; 1970-01-01 was a Thursday. */
static int
weekday(int64_t days)
{
	return (int)(days - floor_div(days + 4, 7) * 7 + 4);
}

/*
 * Days before 1 March of year y of the calendar counted from 0000-03-01:
 * starting the year in March puts the leap day last, so a month's start
 * no longer depends on the year.
 */
static int64_t
march_days(int64_t y)
{
	return 365 * y + floor_div(y, 4) - floor_div(y, 100) +
	    floor_div(y, 400);
}

/* 719468 days from 0000-03-01 to 1970-01-01. */
int64_t
tz_days_from_civil(int64_t year, int month, int day)
{
	int64_t	 y = year - (month < 3);
	int	 mar = (month + 9) % 12;	/* months since March */

	return march_days(y) + (153 * mar + 2) / 5 + day - 1 - 719468;
}

/*
 * The inverse: find the 400-year era, then the year within it (the
 * estimate doe / 365 is high by at most one, as an era has fewer than
 * 365 leap days), then the month from the day within the March year.
 */
void
tz_civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
	int64_t	 z = days + 719468, era, doe, yoe, doy, mar;

	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = doe / 365;
	if (march_days(yoe) > doe)
		yoe--;
	doy = doe - march_days(yoe);
	mar = (5 * doy + 2) / 153;
	*day = (int)(doy - (153 * mar + 2) / 5 + 1);
	*month = (int)(mar < 10 ? mar + 3 : mar - 9);
	*year = era * 400 + yoe + (*month < 3);
}

static int64_t
year_of(int64_t t)
{
	int64_t	 y;
	int	 m, d;

	tz_civil_from_days(floor_div(t, DAY), &y, &m, &d);
	return y;
}

/* The day a rule's Jn, n or Mm.w.d falls on in year y. */
static int64_t
when_day(const struct tz_when *w, int64_t y)
{
	int64_t	 first;
	int	 d, ndays;

	switch (w->kind) {
	case 'J':
		return tz_days_from_civil(y, 1, 1) + w->day - 1 +
		    (w->day >= 60 && is_leap(y));
	case 'D':
		return tz_days_from_civil(y, 1, 1) + w->day;
	default:
		first = tz_days_from_civil(y, w->mon, 1);
		d = (w->wday - weekday(first) + 7) % 7 + 7 * (w->week - 1);
		ndays = tz_days_in_month(y, w->mon);
		while (d >= ndays)
			d -= 7;
		return first + d;
	}
}

/* Daylight time starts at a standard-time wall clock and ends at a
 * daylight-time one (POSIX), hence the offsets. */
static int64_t
rule_start(const struct tz_rule *r, int64_t y)
{
	return when_day(&r->start, y) * DAY + r->start.time - r->std;
}

static int64_t
rule_end(const struct tz_rule *r, int64_t y)
{
	return when_day(&r->end, y) * DAY + r->end.time - r->dst;
}

/*
 * Daylight time is on when the latest start or end at or before t is a
 * start.  Defined by the events alone, it changes only where rule_next()
 * looks, even for a rule whose times push an event into another year.
 * At equal instants the one listed later wins: a year's end over its own
 * start (no daylight time), the next year's start over an end (daylight
 * time all year).
 */
static int
rule_isdst(const struct tz_rule *r, int64_t t)
{
	int64_t	 y0, y, ev, latest = INT64_MIN;
	int	 dst = 0;

	if (!r->has_dst)
		return 0;
	y0 = year_of(t + r->std);
	for (y = y0 - 2; y <= y0 + 1; y++) {
		if ((ev = rule_start(r, y)) <= t && ev >= latest) {
			latest = ev;
			dst = 1;
		}
		if ((ev = rule_end(r, y)) <= t && ev >= latest) {
			latest = ev;
			dst = 0;
		}
	}
	return dst;
}

/*
 * The rule's first offset change after t: the earliest start or end
 * after t (those of the years around t hold it, as an event is at most
 * a week from its own year), unless it changes nothing, as where daylight
 * time all year ends at the next year's start.  Such events are stepped
 * over a few times at most, so a rule that never changes gives TZ_NEVER.
 */
static int64_t
rule_next(const struct tz_rule *r, int64_t t)
{
	int64_t	 y0, y, c, best;
	int	 tries;

	if (!r->has_dst || r->std == r->dst)
		return TZ_NEVER;
	for (tries = 0; tries < 8; tries++) {
		y0 = year_of(t + r->std);
		best = TZ_NEVER;
		for (y = y0 - 1; y <= y0 + 2; y++) {
			if ((c = rule_start(r, y)) > t && c < best)
				best = c;
			if ((c = rule_end(r, y)) > t && c < best)
				best = c;
		}
		if (rule_isdst(r, best - 1) != rule_isdst(r, best))
			return best;
		t = best;
	}
	return TZ_NEVER;
}

/* The type in effect at t, or -1 when the footer's rule decides. */
static long
find(const struct tz *z, int64_t t)
{
	size_t	 lo = 0, hi = z->ntrans, mid;

	if (z->ntrans == 0)
		return z->has_rule ? -1 : 0;
	if (t < z->trans[0])
		return 0;
	if (z->has_rule && t >= z->trans[z->ntrans - 1])
		return -1;
	while (hi - lo > 1) {			/* trans[lo] <= t < trans[hi] */
		mid = lo + (hi - lo) / 2;
		if (z->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return z->idx[lo];
}

int32_t
tz_offset(const struct tz *z, int64_t t)
{
	long	 k = find(z, clamp(t));

	if (k >= 0)
		return z->types[k].utoff;
	return rule_isdst(&z->rule, clamp(t)) ? z->rule.dst : z->rule.std;
}

const char *
tz_abbr(const struct tz *z, int64_t t)
{
	long	 k = find(z, clamp(t));

	if (k >= 0)
		return z->chars + z->types[k].abbr;
	return rule_isdst(&z->rule, clamp(t)) ? z->rule.dstname :
	    z->rule.stdname;
}

/* The table's transitions first, checked for a real change of offset,
 * then the rule's from the last of them on. */
int64_t
tz_next_transition(const struct tz *z, int64_t t)
{
	size_t	 lo = 0, hi = z->ntrans, mid;

	t = clamp(t);
	while (lo < hi) {			/* the first trans > t */
		mid = lo + (hi - lo) / 2;
		if (z->trans[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < z->ntrans; lo++)
		if (tz_offset(z, z->trans[lo] - 1) !=
		    tz_offset(z, z->trans[lo]))
			return z->trans[lo];
	if (!z->has_rule)
		return TZ_NEVER;
	if (z->ntrans > 0 && t < z->trans[z->ntrans - 1])
		t = z->trans[z->ntrans - 1];
	return rule_next(&z->rule, t);
}

/*
 * Walk the stretches of constant offset that could show `local` (offsets
 * are within OFF_MIN..OFF_MAX, so a window of about two days) and keep
 * each instant local - offset that falls inside its own stretch.  When
 * none does, local lies between the end of one stretch's wall clock and
 * the start of the next one's: that boundary is where the gap ends.
 */
int
tz_local_to_utc(const struct tz *z, int64_t local, int64_t utc[2])
{
	int64_t	 a, end, next, u, gap_end = 0;
	int32_t	 o, prev;
	int	 n = 0, gap = 0;

	local = clamp(local);
	a = local - OFF_MAX - 1;
	end = local - OFF_MIN;
	o = tz_offset(z, a);
	for (;;) {
		next = tz_next_transition(z, a);
		u = local - o;
		if (u >= a && u < next && n < 2)
			utc[n++] = u;
		if (next > end)
			break;
		prev = o;
		o = tz_offset(z, next);
		if (!gap && local >= next + prev && local < next + o) {
			gap_end = next;
			gap = 1;
		}
		a = next;
	}
	if (n == 0)
		utc[0] = gap_end;
	return n;
}

static int __attribute__((format(printf, 4, 5)))
fail(const char *name, char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	n = snprintf(err, errlen, "time zone \"%s\": ", name);
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* A cursor over the footer's TZ string. */
struct cur {
	const char	*p, *end;
};

static int
peek(const struct cur *c)
{
	return c->p < c->end ? (unsigned char)*c->p : -1;
}

static int
is_alpha(int ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

static int
is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

/* 1 to `digits` decimal digits, at most max. */
static int
number(struct cur *c, int digits, int max, int *out)
{
	int	 n = 0, i;

	for (i = 0; i < digits && is_digit(peek(c)); i++)
		n = n * 10 + (*c->p++ - '0');
	if (i == 0 || n > max)
		return -1;
	*out = n;
	return 0;
}

/* "EST" or "<+1030>": 3 to 15 characters (RFC 8536 wants at least 3). */
static int
tzname(struct cur *c, char out[16])
{
	const char	*start;
	size_t		 n;
	int		 ch;

	if (peek(c) == '<') {
		start = ++c->p;
		while ((ch = peek(c)) != -1 && (is_alpha(ch) || is_digit(ch) ||
		    ch == '+' || ch == '-'))
			c->p++;
		n = (size_t)(c->p - start);
		if (peek(c) != '>')
			return -1;
		c->p++;
	} else {
		start = c->p;
		while (is_alpha(peek(c)))
			c->p++;
		n = (size_t)(c->p - start);
	}
	if (n < 3 || n > 15)
		return -1;
	memcpy(out, start, n);
	out[n] = '\0';
	return 0;
}

/* [+-]h[:mm[:ss]] with h up to maxh, in seconds. */
static int
hms(struct cur *c, int maxh, int32_t *out)
{
	int	 neg = 0, h, m = 0, s = 0;

	if (peek(c) == '+' || peek(c) == '-')
		neg = *c->p++ == '-';
	if (number(c, 3, maxh, &h) == -1)
		return -1;
	if (peek(c) == ':') {
		c->p++;
		if (number(c, 2, 59, &m) == -1)
			return -1;
		if (peek(c) == ':') {
			c->p++;
			if (number(c, 2, 59, &s) == -1)
				return -1;
		}
	}
	*out = (h * 3600 + m * 60 + s) * (neg ? -1 : 1);
	return 0;
}

/* ",Jn", ",n" or ",Mm.w.d", then an optional "/time" (RFC 8536 3.3.1
 * lets it be negative and up to 167 hours). */
static int
when(struct cur *c, struct tz_when *w)
{
	int	 v, m, wk, d;

	if (peek(c) != ',')
		return -1;
	c->p++;
	memset(w, 0, sizeof(*w));
	w->time = 2 * 3600;
	if (peek(c) == 'J' || is_digit(peek(c))) {
		w->kind = peek(c) == 'J' ? 'J' : 'D';
		c->p += w->kind == 'J';
		if (number(c, 3, 365, &v) == -1 || (w->kind == 'J' && v == 0))
			return -1;
		w->day = (int16_t)v;
	} else if (peek(c) == 'M') {
		c->p++;
		if (number(c, 2, 12, &m) == -1 || m == 0 || peek(c) != '.')
			return -1;
		c->p++;
		if (number(c, 1, 5, &wk) == -1 || wk == 0 || peek(c) != '.')
			return -1;
		c->p++;
		if (number(c, 1, 6, &d) == -1)
			return -1;
		w->kind = 'M';
		w->mon = (uint8_t)m;
		w->week = (uint8_t)wk;
		w->wday = (uint8_t)d;
	} else
		return -1;
	if (peek(c) == '/') {
		c->p++;
		return hms(c, 167, &w->time);
	}
	return 0;
}

/* A POSIX TZ string: std offset [dst [offset] ,start[/time],end[/time]].
 * Daylight time without its rule is refused rather than guessed. */
static int
rule_parse(struct tz_rule *r, const char *s, size_t len)
{
	struct cur	 c = { s, s + len };
	int32_t		 off;

	memset(r, 0, sizeof(*r));
	if (tzname(&c, r->stdname) == -1 || hms(&c, 24, &off) == -1)
		return -1;
	r->std = -off;				/* POSIX counts west */
	if (c.p == c.end)
		return 0;
	if (tzname(&c, r->dstname) == -1)
		return -1;
	r->dst = r->std + 3600;
	if (peek(&c) != ',') {
		if (hms(&c, 24, &off) == -1)
			return -1;
		r->dst = -off;
	}
	if (when(&c, &r->start) == -1 || when(&c, &r->end) == -1 ||
	    c.p != c.end)
		return -1;
	r->has_dst = 1;
	return 0;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int64_t
be64(const uint8_t *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct counts {
	uint32_t	 isut, isstd, leap, time, type, chars;
};

/* The header at off, if the file has one there. */
static int
header(const uint8_t *b, size_t len, size_t off, struct counts *h,
    int *version)
{
	if (len < HEADER || off > len - HEADER ||
	    memcmp(b + off, "TZif", 4) != 0)
		return -1;
	*version = b[off + 4];
	h->isut = be32(b + off + 20);
	h->isstd = be32(b + off + 24);
	h->leap = be32(b + off + 28);
	h->time = be32(b + off + 32);
	h->type = be32(b + off + 36);
	h->chars = be32(b + off + 40);
	return 0;
}

/* Bytes of the data block after a header; no count can overflow this. */
static uint64_t
block_size(const struct counts *h, unsigned tsize)
{
	return (uint64_t)h->time * (tsize + 1) + (uint64_t)h->type * 6 +
	    h->chars + (uint64_t)h->leap * (tsize + 4) + h->isstd + h->isut;
}

/* Copy the data block at b, checking each value, into one allocation. */
static int
load_block(struct tz *z, const uint8_t *b, const struct counts *h,
    unsigned tsize, char *err, size_t errlen)
{
	int64_t		*trans;
	uint8_t		*idx;
	struct tz_type	*types;
	char		*chars;
	const uint8_t	*p;
	int64_t		 t;
	uint32_t	 i;

	z->mem = malloc((size_t)h->time * (sizeof(*trans) + 1) +
	    (size_t)h->type * sizeof(*types) + h->chars + 1);
	if (z->mem == NULL)
		return fail(z->name, err, errlen, "%s", strerror(errno));
	trans = z->mem;
	types = (struct tz_type *)(trans + h->time);
	idx = (uint8_t *)(types + h->type);
	chars = (char *)(idx + h->time);
	for (i = 0, p = b; i < h->time; i++, p += tsize) {
		t = tsize == 8 ? be64(p) : (int32_t)be32(p);
		if (t < -T_LIMIT || t > T_LIMIT)
			return fail(z->name, err, errlen, "transition %u out "
			    "of range", i);
		if (i > 0 && t <= trans[i - 1])
			return fail(z->name, err, errlen, "transitions out "
			    "of order at %u", i);
		trans[i] = t;
	}
	for (i = 0; i < h->time; i++, p++)
		if ((idx[i] = *p) >= h->type)
			return fail(z->name, err, errlen, "transition %u has "
			    "type %u of %u", i, *p, h->type);
	for (i = 0; i < h->type; i++, p += 6) {
		types[i].utoff = (int32_t)be32(p);
		types[i].isdst = p[4];
		types[i].abbr = p[5];
		if (types[i].utoff < OFF_MIN || types[i].utoff > OFF_MAX ||
		    p[4] > 1 || p[5] >= h->chars)
			return fail(z->name, err, errlen, "bad local time type "
			    "%u", i);
	}
	memcpy(chars, p, h->chars);
	chars[h->chars] = '\0';
	z->trans = trans;
	z->idx = idx;
	z->types = types;
	z->chars = chars;
	z->ntrans = h->time;
	z->ntypes = h->type;
	return 0;
}

/*
 * A header and its data block, then from version 2 on the same again
 * with 64-bit times and a footer.  Only the last copy is kept, so the v1
 * block is only sized to be skipped.
 */
int
tz_parse(struct tz *z, const char *name, const void *buf, size_t len,
    char *err, size_t errlen)
{
	const uint8_t	*b = buf, *nl;
	const char	*footer;
	struct counts	 h;
	uint64_t	 need;
	size_t		 off = 0, flen;
	unsigned	 tsize = 4;
	int		 version, v2;

	memset(z, 0, sizeof(*z));
	snprintf(z->name, sizeof(z->name), "%s", name);
	if (len > TZ_FILE_MAX)
		return fail(z->name, err, errlen, "larger than %d KiB",
		    TZ_FILE_MAX / 1024);
	if (header(b, len, 0, &h, &version) == -1)
		return fail(z->name, err, errlen, "not a TZif file");
	if ((v2 = version != 0)) {
		/* version 2 on repeats it all with 64-bit times: skip v1 */
		if (version < '2')
			return fail(z->name, err, errlen, "unknown TZif "
			    "version %d", version);
		need = block_size(&h, 4);
		if (need > len - HEADER || header(b, len, HEADER +
		    (size_t)need, &h, &version) == -1)
			return fail(z->name, err, errlen, "truncated or bad "
			    "second header");
		off = HEADER + (size_t)need;
		tsize = 8;
	}
	off += HEADER;
	need = block_size(&h, tsize);
	if (need > len - off)
		return fail(z->name, err, errlen, "truncated (%zu bytes, the "
		    "data needs %llu more)", len, (unsigned long long)need);
	if (h.type == 0 || h.type > 256 || h.chars == 0 ||
	    (h.isstd != 0 && h.isstd != h.type) ||
	    (h.isut != 0 && h.isut != h.type))
		return fail(z->name, err, errlen, "inconsistent counts");
	if (h.leap != 0)
		return fail(z->name, err, errlen, "leap seconds (a right/ "
		    "zone) are not supported");
	if (load_block(z, b + off, &h, tsize, err, errlen) == -1)
		goto bad;
	off += (size_t)need;
	if (v2) {
		/* the footer: a newline, the TZ string, a newline */
		if (off == len || b[off] != '\n' ||
		    (nl = memchr(b + off + 1, '\n', len - off - 1)) == NULL) {
			fail(z->name, err, errlen, "no footer");
			goto bad;
		}
		footer = (const char *)b + off + 1;
		flen = (size_t)((const char *)nl - footer);
		if (flen > 0) {
			if (rule_parse(&z->rule, footer, flen) == -1) {
				fail(z->name, err, errlen, "bad TZ string "
				    "\"%.*s\"", flen > 40 ? 40 : (int)flen,
				    footer);
				goto bad;
			}
			z->has_rule = 1;
		}
	}
	return 0;
bad:
	tz_free(z);
	return -1;
}

void
tz_free(struct tz *z)
{
	free(z->mem);
	memset(z, 0, sizeof(*z));
}

void
tz_utc(struct tz *z)
{
	memset(z, 0, sizeof(*z));
	snprintf(z->name, sizeof(z->name), "UTC");
	z->types = &utc_type;
	z->ntypes = 1;
	z->chars = "UTC";
}

/* Read a whole file of at most TZ_FILE_MAX bytes into a new buffer;
 * -1 with errno set, EFBIG when it is too large. */
static int
read_file(const char *path, uint8_t **out, size_t *len)
{
	struct stat	 st;
	uint8_t		*b = NULL;
	size_t		 cap, n = 0;
	ssize_t		 r;
	int		 fd, e;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto bad;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto bad;
	}
	if (st.st_size > TZ_FILE_MAX) {
		errno = EFBIG;
		goto bad;
	}
	cap = (size_t)st.st_size + 1;		/* + 1 notices growth */
	if ((b = malloc(cap)) == NULL)
		goto bad;
	while (n < cap) {
		if ((r = read(fd, b + n, cap - n)) == -1) {
			if (errno == EINTR)
				continue;
			goto bad;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*out = b;
	*len = n;
	return 0;
bad:
	e = errno;
	free(b);
	close(fd);
	errno = e;
	return -1;
}

/* An unknown zone is the common mistake, so it gets its own message. */
static int
load_path(struct tz *z, const char *name, const char *path, char *err,
    size_t errlen)
{
	uint8_t	*b;
	size_t	 len;
	int	 r;

	memset(z, 0, sizeof(*z));
	if (read_file(path, &b, &len) == -1) {
		if (errno == ENOENT)
			snprintf(err, errlen, "unknown time zone \"%s\" (no "
			    "such file %s)", name, path);
		else if (errno == EFBIG)
			fail(name, err, errlen, "%s: larger than %d KiB",
			    path, TZ_FILE_MAX / 1024);
		else
			fail(name, err, errlen, "%s: %s", path,
			    errno == EINVAL ? "not a regular file" :
			    strerror(errno));
		return -1;
	}
	r = tz_parse(z, name, b, len, err, errlen);
	free(b);
	return r;
}

/* An IANA name, nothing that could leave the zone directory. */
static int
valid_name(const char *s)
{
	const char	*p;

	for (p = s; *p != '\0'; p++) {
		if ((p == s || p[-1] == '/') && (*p == '.' || *p == '/'))
			return 0;
		if (!is_alpha(*p) && !is_digit(*p) &&
		    strchr("/_+-.", *p) == NULL)
			return 0;
	}
	return p > s && p[-1] != '/' && p - s < TZ_NAME_MAX;
}

int
tz_load(struct tz *z, const char *name, char *err, size_t errlen)
{
	const char	*dir = getenv("TZDIR");
	char		 path[4096];

	if (strcmp(name, "UTC") == 0) {
		tz_utc(z);
		return 0;
	}
	memset(z, 0, sizeof(*z));
	if (!valid_name(name)) {
		snprintf(err, errlen, "time zone \"%.*s\": not a zone name",
		    TZ_NAME_MAX, name);
		return -1;
	}
	if (dir == NULL || *dir == '\0')
		dir = "/usr/share/zoneinfo";
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path)) {
		snprintf(err, errlen, "time zone \"%s\": $TZDIR too long",
		    name);
		return -1;
	}
	return load_path(z, name, path, err, errlen);
}

/* TZ="JST-9" or "EST5EDT,M3.2.0,M11.1.0" with no file of that name. */
static int
posix_zone(struct tz *z, const char *s)
{
	memset(z, 0, sizeof(*z));
	if (rule_parse(&z->rule, s, strlen(s)) == -1)
		return -1;
	snprintf(z->name, sizeof(z->name), "%s", s);
	z->has_rule = 1;
	z->types = &utc_type;
	z->ntypes = 1;
	z->chars = "";
	return 0;
}

/* /etc/localtime is usually a link into the zone directory, which gives
 * the zone its name. */
int
tz_load_local(struct tz *z, char *err, size_t errlen)
{
	const char	*s = getenv("TZ"), *base;
	char		 link[4096];
	ssize_t		 n;

	if (s != NULL && *s != '\0') {
		s += *s == ':';
		if (*s == '/')
			return load_path(z, s, s, err, errlen);
		if (tz_load(z, s, err, errlen) == 0 || posix_zone(z, s) == 0)
			return 0;
		return -1;
	}
	if (access("/etc/localtime", F_OK) == -1 && errno == ENOENT) {
		tz_utc(z);
		return 0;
	}
	n = readlink("/etc/localtime", link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	base = strstr(link, "zoneinfo/");
	return load_path(z, base != NULL ? base + 9 : "localtime",
	    "/etc/localtime", err, errlen);
}

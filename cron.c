/*
 * cron: see cron.h.  A schedule is a bitmask per field, so the next fire
 * is found by jumping: to the next month in the mask, then the next day
 * that month's day mask allows, then hour, minute and second, each a
 * count of trailing zeros; a field that runs out carries into the one
 * above.  That search runs on the local wall clock, and the zone then
 * says which instants show the time found.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cron.h"
#include "parse.h"

#define DAY		86400
#define SHOW(n)		((n) > 40 ? 40 : (int)(n))	/* text in errors */

enum { F_SEC, F_MIN, F_HOUR, F_DOM, F_MON, F_DOW, F_N };

static const struct field {
	const char	*name;
	int		 lo, hi;
	const char	*names;		/* three letters each, from lo */
	const char	*what;		/* for "is not a number" */
} fields[F_N] = {
	{ "second", 0, 59, NULL, "a number" },
	{ "minute", 0, 59, NULL, "a number" },
	{ "hour", 0, 23, NULL, "a number" },
	{ "day of month", 1, 31, NULL, "a number" },
	{ "month", 1, 12, "JANFEBMARAPRMAYJUNJULAUGSEPOCTNOVDEC",
	    "a number or a month name" },
	{ "day of week", 0, 7, "SUNMONTUEWEDTHUFRISAT",
	    "a number or a day name" },
};

static const struct descriptor {
	const char	*name, *expr;
} descriptors[] = {
	{ "@yearly", "0 0 0 1 1 *" },
	{ "@annually", "0 0 0 1 1 *" },
	{ "@monthly", "0 0 0 1 * *" },
	{ "@weekly", "0 0 0 * * 0" },
	{ "@daily", "0 0 0 * * *" },
	{ "@midnight", "0 0 0 * * *" },
	{ "@hourly", "0 0 * * * *" },
};

/* The state of one parse: the masks so far and the field being read. */
struct parse {
	struct cron		*c;
	uint64_t		 mask[F_N];
	int			 which;
	const struct field	*f;
	char			*err;
	size_t			 errlen;
};

static int
up(int ch)
{
	return ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch;
}

static int
is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static int
is_space(int ch)
{
	return ch == ' ' || (ch >= '\t' && ch <= '\r');
}

static int __attribute__((format(printf, 2, 3)))
bad(struct parse *ps, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	n = snprintf(ps->err, ps->errlen, "%s: ", ps->f->name);
	if (n >= 0 && (size_t)n < ps->errlen) {
		va_start(ap, fmt);
		vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Item s..e stopped making sense at p. */
static int
unexpected(struct parse *ps, const char *s, const char *p, const char *e)
{
	if (p == e)
		return bad(ps, "\"%.*s\" ends too soon", SHOW(e - s), s);
	return bad(ps, "unexpected \"%c\" in \"%.*s\"", *p, SHOW(e - s), s);
}

/* A number, or a name in month and day of week; -1 when neither.  Long
 * numbers stop growing at four digits, enough to be out of range. */
static int
value(const struct parse *ps, const char **pp, const char *e)
{
	const char	*p = *pp, *nm = ps->f->names;
	int		 v = 0, i;

	if (p < e && is_digit(*p)) {
		for (; p < e && is_digit(*p); p++)
			if (v < 1000)
				v = v * 10 + (*p - '0');
		*pp = p;
		return v;
	}
	if (nm == NULL || e - p < 3)
		return -1;
	for (i = 0; nm[3 * i] != '\0'; i++)
		if (up(p[0]) == nm[3 * i] && up(p[1]) == nm[3 * i + 1] &&
		    up(p[2]) == nm[3 * i + 2]) {
			*pp = p + 3;
			return ps->f->lo + i;
		}
	return -1;
}

/* L, L-N and LW in day of month. */
static int
dom_last(struct parse *ps, const char *s, const char *e)
{
	const char	*p = s + 1;
	int		 n;

	if (p == e) {
		ps->c->dom_last |= 1;
		return 0;
	}
	if (p + 1 == e && up(*p) == 'W') {
		ps->c->flags |= CRON_LW;
		return 0;
	}
	if (*p != '-')
		return unexpected(ps, s, p, e);
	if (++p == e || !is_digit(*p))
		return unexpected(ps, s, p, e);
	n = value(ps, &p, e);
	if (p != e)
		return unexpected(ps, s, p, e);
	if (n > 30)
		return bad(ps, "\"%.*s\" is out of range L-0 to L-30",
		    SHOW(e - s), s);
	ps->c->dom_last |= 1u << n;
	return 0;
}

/* What follows a first value a in day of month or day of week: NW, DL
 * or D#K.  1 when p starts none of them. */
static int
day_suffix(struct parse *ps, const char *s, const char *p, const char *e,
    int a)
{
	int	 k;

	if (ps->which == F_DOM && p + 1 == e && up(*p) == 'W') {
		if (a < 1 || a > 31)
			return bad(ps, "\"%.*s\" is out of range 1W-31W",
			    SHOW(e - s), s);
		ps->c->dom_near |= 1u << a;
		return 0;
	}
	if (ps->which != F_DOW || p == e || (up(*p) != 'L' && *p != '#'))
		return 1;
	if (a > 7)
		return bad(ps, "\"%.*s\" is out of range 0-7", SHOW(e - s), s);
	if (up(*p) == 'L') {
		if (p + 1 != e)
			return unexpected(ps, s, p + 1, e);
		ps->c->dow_last |= (uint8_t)(1u << a % 7);
		return 0;
	}
	if (++p == e || !is_digit(*p))
		return unexpected(ps, s, p, e);
	k = value(ps, &p, e);
	if (p != e)
		return unexpected(ps, s, p, e);
	if (k < 1 || k > 5)
		return bad(ps, "\"%.*s\": # takes a week of 1-5", SHOW(e - s),
		    s);
	ps->c->dow_nth[k - 1] |= (uint8_t)(1u << a % 7);
	return 0;
}

/* One item of a list: *, ?, N, A-B, any of them /STEP, or an extension. */
static int
item(struct parse *ps, const char *s, const char *e)
{
	const struct field	*f = ps->f;
	const char		*p = s;
	int			 a, b, step = 1, open = 0, ranged = 0, r, v;
	int			 day = ps->which == F_DOM || ps->which == F_DOW;

	if (ps->which == F_DOM && up(*p) == 'L')
		return dom_last(ps, s, e);
	if (ps->which == F_DOW && up(*p) == 'L' && e - s == 1)
		return bad(ps, "\"L\" needs a weekday before it (5L: the last "
		    "Friday)");
	if (*p == '*' || (*p == '?' && day)) {
		a = f->lo;
		b = f->hi;
		p++;
		open = 1;
	} else if (*p == '?')
		return bad(ps, "\"?\" is only for day of month and day of "
		    "week");
	else if ((a = value(ps, &p, e)) == -1)
		return bad(ps, "\"%.*s\" is not %s", SHOW(e - s), s, f->what);
	else if ((r = day_suffix(ps, s, p, e, a)) != 1)
		return r;
	else if (p < e && *p == '-') {
		p++;
		if ((b = value(ps, &p, e)) == -1)
			return unexpected(ps, s, p, e);
		ranged = 1;
	} else
		b = a;
	if (p < e && *p == '/') {
		if (++p == e || !is_digit(*p))
			return unexpected(ps, s, p, e);
		step = value(ps, &p, e);
		open |= !ranged;
	}
	if (p != e)
		return unexpected(ps, s, p, e);
	if (open)
		b = ps->which == F_DOW ? 6 : f->hi;
	if (a < f->lo || a > f->hi || b < f->lo || b > f->hi)
		return bad(ps, "\"%.*s\" is out of range %d-%d", SHOW(e - s), s,
		    f->lo, f->hi);
	if (a > b)
		return bad(ps, "\"%.*s\" has its start after its end",
		    SHOW(e - s), s);
	if (step < 1 || step > f->hi - f->lo + 1)
		return bad(ps, "the step in \"%.*s\" is out of range 1-%d",
		    SHOW(e - s), s, f->hi - f->lo + 1);
	for (v = a; v <= b; v += step)
		ps->mask[ps->which] |= 1ULL << (ps->which == F_DOW ? v % 7 : v);
	return 0;
}

/* A comma-separated list of items. */
static int
field(struct parse *ps, int which, const char *s, const char *e)
{
	const char	*p, *q;

	ps->which = which;
	ps->f = &fields[which];
	for (p = s;; p = q + 1) {
		if ((q = memchr(p, ',', (size_t)(e - p))) == NULL)
			q = e;
		if (q == p)
			return bad(ps, "empty item in \"%.*s\"", SHOW(e - s),
			    s);
		if (item(ps, p, q) == -1)
			return -1;
		if (q == e)
			return 0;
	}
}

/* ASCII, so that no locale changes what parses. */
static int
same_word(const char *a, const char *b, size_t n)
{
	size_t	 i;

	if (strlen(b) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (up((unsigned char)a[i]) != up((unsigned char)b[i]))
			return 0;
	return 1;
}

/* @every's Go duration ("1h30m", "1.5h", "90s"), read as every other
 * duration of the config is, into whole seconds. */
static int
every(struct cron *c, const char *s, size_t len, char *err, size_t errlen)
{
	char		 text[64], why[CRON_ERR_MAX];
	duration_ns	 d;

	if (len == 0) {
		snprintf(err, errlen, "@every needs a duration, such as 1h30m");
		return -1;
	}
	if (len >= sizeof(text)) {
		snprintf(err, errlen, "@every: \"%.*s\" is too long", SHOW(len),
		    s);
		return -1;
	}
	memcpy(text, s, len);
	text[len] = '\0';
	if (config_parse_duration(text, &d, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "@every: %s", why);
		return -1;
	}
	if (d % SEC_NS != 0 || d < SEC_NS) {
		snprintf(err, errlen, "@every: \"%s\" is not a whole number "
		    "of seconds of at least 1s", text);
		return -1;
	}
	c->every = d / SEC_NS;
	return 0;
}

/* @every DURATION, or a name for an expression. */
static int
descriptor(struct cron *c, const char *s, char *err, size_t errlen)
{
	const char	*p = s, *arg, *end;
	size_t		 i, n;

	while (*p != '\0' && !is_space(*p))
		p++;
	n = (size_t)(p - s);
	while (is_space(*p))
		p++;
	for (arg = end = p; *p != '\0'; p++)
		if (!is_space(*p))
			end = p + 1;
	if (same_word(s, "@every", n))
		return every(c, arg, (size_t)(end - arg), err, errlen);
	for (i = 0; i < sizeof(descriptors) / sizeof(descriptors[0]); i++)
		if (same_word(s, descriptors[i].name, n)) {
			if (end != arg) {
				snprintf(err, errlen, "%s takes nothing after "
				    "it", descriptors[i].name);
				return -1;
			}
			return cron_parse(c, descriptors[i].expr, err, errlen);
		}
	snprintf(err, errlen, "unknown descriptor \"%.*s\"", SHOW(n), s);
	return -1;
}

/* The lowest set bit at or above from, or -1. */
static int
next_bit(uint64_t mask, int from)
{
	mask &= ~0ULL << from;
	return mask == 0 ? -1 : __builtin_ctzll(mask);
}

/* The first day (1-7) of weekday w in a month whose 1st is weekday wd1. */
static int
first_of(int w, int wd1)
{
	return 1 + (w - wd1 + 7) % 7;
}

/*
 * The days of a month of ndays days starting on weekday wd1 that the day
 * fields allow, as bits 1-31: each field's days, then cron's OR when
 * both fields are restricted, AND otherwise.
 */
static uint64_t
day_mask(const struct cron *c, int ndays, int wd1)
{
	uint64_t	 all = (2ULL << ndays) - 2, dom, dow = 0, bits;
	int		 n, d, w, k;

	dom = c->dom;
	for (bits = c->dom_last; bits != 0; bits &= bits - 1)
		if ((d = ndays - __builtin_ctzll(bits)) >= 1)
			dom |= 1ULL << d;
	for (bits = c->dom_near & all; bits != 0; bits &= bits - 1) {
		n = __builtin_ctzll(bits);
		w = (wd1 + n - 1) % 7;
		if (w == 6)
			n = n == 1 ? 3 : n - 1;
		else if (w == 0)
			n = n == ndays ? n - 2 : n + 1;
		dom |= 1ULL << n;
	}
	if (c->flags & CRON_LW) {
		w = (wd1 + ndays - 1) % 7;
		dom |= 1ULL << (ndays - (w == 6 ? 1 : w == 0 ? 2 : 0));
	}
	for (w = 0; w < 7; w++) {
		d = first_of(w, wd1);
		if (c->dow & 1u << w)
			dow |= 0x10204081ULL << d;	/* d, d+7, ... d+28 */
		if (c->dow_last & 1u << w)
			dow |= 1ULL << (d + 21 + (d + 28 <= ndays ? 7 : 0));
		for (k = 0; k < 5; k++)
			if (c->dow_nth[k] & 1u << w)
				dow |= 1ULL << (d + 7 * k);
	}
	if ((c->flags & (CRON_DOM_ANY | CRON_DOW_ANY)) == 0)
		return (dom | dow) & all;
	return dom & dow & all;
}

/*
 * The first local time at or after `from` that matches every field, no
 * later than year ylimit.  Each field jumps to its next set bit; one with
 * none left resets itself and those below and bumps the one above.
 */
static int
next_local(const struct cron *c, int64_t from, int64_t ylimit, int64_t *out)
{
	int64_t		 days, y, first = 0, cy = 0;
	uint64_t	 dm = 0;
	int		 secs, m, d, h, mi, s, v, cm = 0, nd, wd1;

	days = from / DAY - (from % DAY < 0);
	secs = (int)(from - days * DAY);
	tz_civil_from_days(days, &y, &m, &d);
	h = secs / 3600;
	mi = secs / 60 % 60;
	s = secs % 60;
	for (;;) {
		if ((c->mon & 1u << m) == 0) {
			if ((v = next_bit(c->mon, m)) == -1) {
				y++;
				v = __builtin_ctz(c->mon);
			}
			m = v;
			d = 1;
			h = mi = s = 0;
		}
		if (y > ylimit)
			return -1;
		if (y != cy || m != cm) {
			cy = y;
			cm = m;
			first = tz_days_from_civil(y, m, 1);
			nd = tz_days_in_month(y, m);
			wd1 = (int)((first % 7 + 11) % 7);
			dm = c->shapes >> ((nd - 28) * 7 + wd1) & 1 ?
			    day_mask(c, nd, wd1) : 0;
		}
		if ((v = next_bit(dm, d)) == -1) {
			if (++m > 12) {
				m = 1;
				y++;
			}
			d = 1;
			h = mi = s = 0;
			continue;
		}
		if (v != d) {
			d = v;
			h = mi = s = 0;
		}
		if ((v = next_bit(c->hour, h)) == -1) {
			d++;
			h = mi = s = 0;
			continue;
		}
		if (v != h) {
			h = v;
			mi = s = 0;
		}
		if ((v = next_bit(c->min, mi)) == -1) {
			h++;
			mi = s = 0;
			continue;
		}
		if (v != mi) {
			mi = v;
			s = 0;
		}
		if ((v = next_bit(c->sec, s)) == -1) {
			mi++;
			s = 0;
			continue;
		}
		*out = (first + d - 1) * DAY + h * 3600 + mi * 60 + v;
		return 0;
	}
}

/*
 * A wildcard schedule fires at every instant whose local time matches.
 * Within a stretch of constant offset o that is the first match at or
 * after the stretch's local start, if it comes before the stretch ends;
 * if not, the next stretch is tried, starting where the search stopped
 * when its wall clock went on from there rather than back.
 */
static int64_t
next_wildcard(const struct cron *c, const struct tz *z, int64_t after,
    int64_t ylimit)
{
	int64_t	 u = after + 1, next, start, local, from;
	int32_t	 o = tz_offset(z, u), o2;

	start = u + o;
	for (;;) {
		next = tz_next_transition(z, u);
		if (next_local(c, start, ylimit, &local) == -1)
			return -1;
		if (local - o < next)
			return local - o;
		o2 = tz_offset(z, next);
		from = next + o2;
		start = from >= start && from < local ? local : from;
		u = next;
		o = o2;
	}
}

/*
 * A fixed-time schedule fires once per matching local time, at the first
 * instant showing it, or where the gap ends for a time that was skipped;
 * those instants grow with the local time, so the first one after
 * `after` belongs to the first match after after's own local time whose
 * instant is later still.  A match whose first showing is not later
 * means after is in a second pass over repeated times: the search goes
 * on from where the first pass ended.
 */
static int64_t
next_fixed(const struct cron *c, const struct tz *z, int64_t after,
    int64_t ylimit)
{
	int64_t	 local = after + tz_offset(z, after), utc[2], end, o;
	int	 n;

	for (;;) {
		if (next_local(c, local + 1, ylimit, &local) == -1)
			return -1;
		n = tz_local_to_utc(z, local, utc);
		if (utc[0] > after)
			return utc[0];
		if (n == 0)
			continue;
		o = local - utc[0];
		end = tz_next_transition(z, utc[0]);
		if (end != TZ_NEVER && end + o - 1 > local)
			local = end + o - 1;
	}
}

/* 401 years: the Gregorian calendar repeats every 400, so a schedule
 * that parsed has fired by then. */
int64_t
cron_next(const struct cron *c, const struct tz *z, int64_t after)
{
	int64_t	 y;
	int	 m, d;

	if (after < 0 || after > CRON_MAX)
		return -1;
	if (c->every > 0)
		return after - after % c->every + c->every;
	tz_civil_from_days(after / DAY, &y, &m, &d);
	if (c->flags & CRON_WILDCARD)
		return next_wildcard(c, z, after, y + 401);
	return next_fixed(c, z, after, y + 401);
}

/*
 * Which of the 28 kinds of month (28 to 31 days, starting on any weekday)
 * have a day to fire, so that the search skips the others without
 * working out their days.  Every kind comes round within the 400 years
 * of the calendar's cycle, so a schedule fires at all when some month in
 * its mask is of a kind that has a day.
 */
static int
month_kinds(struct cron *c)
{
	int	 nd, w, m, any = 0;

	for (nd = 28; nd <= 31; nd++)
		for (w = 0; w < 7; w++)
			if (day_mask(c, nd, w) != 0)
				c->shapes |= 1u << ((nd - 28) * 7 + w);
	for (m = 1; m <= 12; m++) {
		if ((c->mon & 1u << m) == 0)
			continue;
		any |= c->shapes >> ((tz_days_in_month(2001, m) - 28) * 7) &
		    0x7f;
		if (m == 2)
			any |= c->shapes >> 7 & 0x7f;	/* leap years */
	}
	return any != 0;
}

/* The fields' texts, not their masks, decide the day rule and wildcard
 * schedules, as in cronie: "*" and "0-59" differ there. */
int
cron_parse(struct cron *c, const char *expr, char *err, size_t errlen)
{
	struct parse	 ps = { c, { 0 }, 0, &fields[0], err, errlen };
	const char	*s = expr, *f[6], *fe[6];
	int		 n = 0, i, skip;

	memset(c, 0, sizeof(*c));
	while (is_space(*s))
		s++;
	if (*s == '@')
		return descriptor(c, s, err, errlen);
	while (*s != '\0') {
		if (n < 6)
			f[n] = s;
		while (*s != '\0' && !is_space(*s))
			s++;
		if (n < 6)
			fe[n] = s;
		n++;
		while (is_space(*s))
			s++;
	}
	if (n != 5 && n != 6) {
		snprintf(err, errlen, n == 0 ? "empty expression" :
		    "expected 5 or 6 fields, found %d", n);
		return -1;
	}
	if ((skip = n == 5))
		ps.mask[F_SEC] = 1;
	for (i = 0; i < n; i++)
		if (field(&ps, i + skip, f[i], fe[i]) == -1)
			return -1;
	c->sec = ps.mask[F_SEC];
	c->min = ps.mask[F_MIN];
	c->hour = (uint32_t)ps.mask[F_HOUR];
	c->dom = (uint32_t)ps.mask[F_DOM];
	c->mon = (uint16_t)ps.mask[F_MON];
	c->dow = (uint8_t)ps.mask[F_DOW];
	i = 3 - skip;				/* day of month */
	if (fe[i] - f[i] == 1 && (*f[i] == '*' || *f[i] == '?'))
		c->flags |= CRON_DOM_ANY;
	if (fe[i + 2] - f[i + 2] == 1 && (*f[i + 2] == '*' || *f[i + 2] == '?'))
		c->flags |= CRON_DOW_ANY;
	if (*f[1 - skip] == '*' || *f[2 - skip] == '*')
		c->flags |= CRON_WILDCARD;
	if (!month_kinds(c)) {
		snprintf(err, errlen, "day of month: \"%.*s\" never occurs in "
		    "month \"%.*s\"", SHOW(fe[i] - f[i]), f[i],
		    SHOW(fe[i + 1] - f[i + 1]), f[i + 1]);
		return -1;
	}
	return 0;
}

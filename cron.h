/*
 * cron: a cron expression parsed into bitmasks, and the next instant it
 * fires.  Parsing happens once; cron_next() is pure arithmetic with no
 * allocation and no I/O.
 *
 * Fields: [second] minute hour day-of-month month day-of-week.  With 5
 * fields the second is 0.  Each field is a list of items: N, A-B, *, and
 * any of those with /STEP (N/STEP runs from N to the field's maximum).
 * Months take JAN-DEC and days SUN-SAT, in any case; a day of week is 0-7,
 * 0 and 7 both Sunday; a star or an N/STEP there stops at 6, so that
 * 1/2 is Monday, Wednesday, Friday.  `?` is `*` in the day fields.
 *
 * The day fields: a field is unrestricted when its whole text is * or ?
 * (a star with a step restricts).  When both are restricted a day
 * matching either one fires (cron's OR); otherwise a day must match both.
 *
 * Extensions, each an item of its own that may stand in a list with
 * others (1,15,L) but takes no range or step:
 *	day of month	L (the last day), L-N (N = 0-30 days before it),
 *			NW (the weekday nearest day N within the month: a
 *			Saturday 1st gives Monday 3rd, a Sunday 31st Friday
 *			29th; no day when the month has no day N), LW (the
 *			last weekday of the month)
 *	day of week	DL (the last weekday D of the month, 5L: the last
 *			Friday), D#K (the K-th weekday D, K = 1-5; no day in
 *			a month without one)
 * Refused: L alone in day of week, W or # or L in other fields, wrapped
 * ranges (22-2), steps of 0 or beyond the field's size.
 *
 * Descriptors: @yearly and @annually (0 0 0 1 1 *), @monthly (0 0 0 1 * *),
 * @weekly (0 0 0 * * 0), @daily and @midnight (0 0 0 * * *), @hourly
 * (0 0 * * * *), and @every DURATION: a Go duration (90s, 1h30m, 1.5h) of
 * a whole number of seconds, at least 1s, firing at every multiple of it
 * since the Unix epoch, in any zone.
 *
 * An expression that can never fire (0 0 0 30 2 *) is a parse error.
 *
 * Time zones and DST, the rule of cronie's cron(8): a schedule whose
 * minute or hour field starts with * is a wildcard schedule and fires at
 * every instant whose local time matches, twice in a repeated hour and
 * never in a skipped one.  Any other schedule fires once per matching
 * local time: at its first occurrence when clocks are set back, and at
 * the end of the gap when the time was skipped (once, however many
 * matching times the gap swallowed).
 */
#ifndef RR_CRON_H
#define RR_CRON_H

#include <stddef.h>
#include <stdint.h>

#include "tz.h"

#define CRON_ERR_MAX	128
#define CRON_MAX	253402300799LL	/* 9999-12-31T23:59:59Z */

#define CRON_DOM_ANY	0x01		/* day of month is * or ? */
#define CRON_DOW_ANY	0x02		/* day of week is * or ? */
#define CRON_WILDCARD	0x04		/* minute or hour starts with * */
#define CRON_LW		0x08		/* LW in day of month */

struct cron {
	uint64_t	 sec;		/* bit n: second n */
	uint64_t	 min;		/* bit n: minute n */
	int64_t		 every;		/* @every, in seconds; 0 otherwise */
	uint32_t	 hour;		/* bit n: hour n */
	uint32_t	 dom;		/* bit n: day n */
	uint32_t	 dom_last;	/* bit n: L-n */
	uint32_t	 dom_near;	/* bit n: nW */
	uint16_t	 mon;		/* bit n: month n, 1-12 */
	uint8_t		 dow;		/* bit n: weekday n, 0 = Sunday */
	uint8_t		 dow_last;	/* bit n: nL */
	uint8_t		 dow_nth[5];	/* [k - 1], bit n: n#k */
	uint8_t		 flags;		/* CRON_* */
	uint32_t	 shapes;	/* bit (days - 28) * 7 + weekday of the
					 * 1st: such a month has a day to fire */
};

/* Parse expr into c.  On error err names the field and the bad text:
 * `day of month: "32" is out of range 1-31`. */
int		 cron_parse(struct cron *c, const char *expr, char *err,
		    size_t errlen);

/* The first instant strictly after `after` at which c (from cron_parse)
 * fires, in zone z (unused by @every); -1 only when after is outside
 * 0..CRON_MAX, as whatever parses fires within every 400 years. */
int64_t		 cron_next(const struct cron *c, const struct tz *z,
		    int64_t after);

#endif

/*
 * tz: one time zone, read from a TZif file (RFC 8536; versions 1 to 4)
 * once at startup and from then on only read: every lookup is
 * arithmetic on the struct, with no I/O, no allocation and no global
 * state, so a schedule may ask as often as it likes.
 *
 * An instant is seconds since 1970-01-01 00:00:00 UTC, without leap
 * seconds.  A local time is the wall clock written the same way, as if
 * it were UTC: tz_days_from_civil(y, m, d) * 86400 + h * 3600 + m * 60 + s.
 * Past the file's last transition the footer's POSIX TZ string decides
 * ("EST5EDT,M3.2.0,M11.1.0"), in any year.  Instants are handled within
 * 2^60 seconds of the epoch; beyond that they count as at that limit.
 */
#ifndef RR_TZ_H
#define RR_TZ_H

#include <stddef.h>
#include <stdint.h>

#define TZ_ERR_MAX	192
#define TZ_NAME_MAX	64		/* longer zone names are refused */
#define TZ_FILE_MAX	(256 * 1024)	/* larger TZif files are refused */
#define TZ_NEVER	INT64_MAX	/* no transition after this one */

/* A local time type: the offset and what it is called. */
struct tz_type {
	int32_t		 utoff;		/* seconds east of UTC */
	uint8_t		 isdst;
	uint8_t		 abbr;		/* into tz.chars */
};

/* A day of the POSIX TZ string: Jn, n or Mm.w.d, then /time. */
struct tz_when {
	char		 kind;		/* 'J' 1-365 without Feb 29, 'D' 0-365,
					 * 'M' weekday of week of month */
	uint8_t		 mon, week, wday; /* 'M': 1-12, 1-5 (5: last), 0-6 */
	int16_t		 day;		/* 'J', 'D' */
	int32_t		 time;		/* from local midnight, -167 to 167 h */
};

/* The footer: standard time, and daylight time from start to end. */
struct tz_rule {
	int32_t		 std, dst;	/* seconds east of UTC */
	struct tz_when	 start, end;
	char		 stdname[16], dstname[16];
	uint8_t		 has_dst;
};

struct tz {
	char		 name[TZ_NAME_MAX];	/* "UTC", "Europe/Berlin" */
	const int64_t	*trans;		/* transition instants, ascending */
	const uint8_t	*idx;		/* idx[i]: the type from trans[i] on */
	const struct tz_type *types;	/* types[0]: before trans[0] */
	const char	*chars;		/* abbreviations, NUL-terminated */
	size_t		 ntrans, ntypes;
	int		 has_rule;	/* footer rule from the last trans */
	struct tz_rule	 rule;
	void		*mem;		/* what tz_free() frees */
};

/*
 * Load the zone called name ("America/New_York") from $TZDIR, else
 * /usr/share/zoneinfo.  "UTC" is built in and needs no file.  Names with
 * an empty, "." or ".." component, a leading '/' or characters outside
 * [A-Za-z0-9/_+-.] are refused.  On error, err says why (an unknown zone:
 * `unknown time zone "X" (no such file DIR/X)`) and z needs no tz_free().
 */
int		 tz_load(struct tz *z, const char *name, char *err,
		    size_t errlen);

/* rr's own zone: $TZ (":" allowed before it) as a zone name, an absolute
 * path or a POSIX TZ string, else /etc/localtime, else UTC. */
int		 tz_load_local(struct tz *z, char *err, size_t errlen);

/* UTC, with nothing to free; cannot fail. */
void		 tz_utc(struct tz *z);

/* Parse len bytes of TZif (at most TZ_FILE_MAX) as the zone called name.
 * Every count and offset is checked against len; nothing is kept of buf. */
int		 tz_parse(struct tz *z, const char *name, const void *buf,
		    size_t len, char *err, size_t errlen);

void		 tz_free(struct tz *z);

/* The UTC offset in effect at instant t, in seconds east of UTC. */
int32_t		 tz_offset(const struct tz *z, int64_t t);

/* The abbreviation in effect at t ("EDT", "+1030"); lives as long as z. */
const char	*tz_abbr(const struct tz *z, int64_t t);

/* The first instant after t at which the UTC offset changes (a change of
 * name or isdst alone does not count), or TZ_NEVER. */
int64_t		 tz_next_transition(const struct tz *z, int64_t t);

/*
 * The instants whose local time is `local`, ascending, and how many:
 * 1; 2 when local is in a repeated stretch (clocks set back); 0 when it
 * is in a gap (clocks set forward), and then utc[0] is the instant the
 * gap ends, the first one whose local time is later than `local`.
 */
int		 tz_local_to_utc(const struct tz *z, int64_t local,
		    int64_t utc[2]);

/* The proleptic Gregorian calendar, in days since 1970-01-01 (month 1-12,
 * day 1-31), both ways, and the length of a month. */
int64_t		 tz_days_from_civil(int64_t year, int month, int day);
void		 tz_civil_from_days(int64_t days, int64_t *year, int *month,
		    int *day);
int		 tz_days_in_month(int64_t year, int month);

#endif

/*
 * next: see next.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cron.h"
#include "next.h"

#define NEXT_DEFAULT	5
#define NEXT_MAX	100000	/* a count beyond this is a typo */

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

void
next_format(char out[NEXT_TIME_MAX], const struct tz *z, int64_t t)
{
	int32_t off = tz_offset(z, t), aoff = off < 0 ? -off : off;
	int64_t local = t + off, days = floor_div(local, 86400), year;
	int64_t sec = local - days * 86400;
	int month, day;

	tz_civil_from_days(days, &year, &month, &day);
	snprintf(out, NEXT_TIME_MAX, "%04lld-%02d-%02dT%02d:%02d:%02d%c%02d:"
	    "%02d", (long long)year, month, day, (int)(sec / 3600),
	    (int)(sec / 60 % 60), (int)(sec % 60), off < 0 ? '-' : '+',
	    (int)(aoff / 3600), (int)(aoff / 60 % 60));
}

/* n digits at *s as a number, *s moved past them; -1 if not digits. */
static int
digits(const char **s, int n)
{
	int v = 0;

	for (; n > 0; n--, (*s)++) {
		if (!isdigit((unsigned char)**s))
			return -1;
		v = v * 10 + (**s - '0');
	}
	return v;
}

int
next_parse(const char *s, const struct tz *z, int64_t *t)
{
	int y, mo, d, h, mi, sec, oh, om, sign = 0;
	int64_t local, utc[2];

	if ((y = digits(&s, 4)) < 0 || *s++ != '-' ||
	    (mo = digits(&s, 2)) < 1 || mo > 12 || *s++ != '-' ||
	    (d = digits(&s, 2)) < 1 || d > tz_days_in_month(y, mo))
		return -1;
	if (*s != 'T' && *s != 't' && *s != ' ')
		return -1;
	s++;
	if ((h = digits(&s, 2)) < 0 || h > 23 || *s++ != ':' ||
	    (mi = digits(&s, 2)) < 0 || mi > 59 || *s++ != ':' ||
	    (sec = digits(&s, 2)) < 0 || sec > 60)
		return -1;
	if (*s == '.' && isdigit((unsigned char)s[1]))
		for (s++; isdigit((unsigned char)*s); s++)
			;
	if (*s == 'Z' || *s == 'z') {
		s++;
		sign = 1;
		oh = om = 0;
	} else if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if ((oh = digits(&s, 2)) < 0 || oh > 23 || *s++ != ':' ||
		    (om = digits(&s, 2)) < 0 || om > 59)
			return -1;
	} else
		oh = om = 0;
	if (*s != '\0')
		return -1;
	/* a leap second is the second before it, as Go's time reads it */
	local = tz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
	    (sec == 60 ? 59 : sec);
	if (sign != 0) {
		*t = local - sign * (oh * 3600 + om * 60);
		return 0;
	}
	/* in a gap utc[0] is where it ends; of two, the first */
	tz_local_to_utc(z, local, utc);
	*t = utc[0];
	return 0;
}

void
next_print_schedules(const struct config *cfg, int64_t now, FILE *f)
{
	const struct schedule_config *sc;
	char err[TZ_ERR_MAX], when[NEXT_TIME_MAX], every[32];
	struct cron c;
	struct tz z;
	int64_t t, ns;
	size_t i;
	int k;

	config_format_duration(cfg->ticker.interval, every, sizeof every);
	if (cfg->ticker.unnamed && cfg->ticker.cluster.set)
		fprintf(f, "# the unnamed ticker: every %s, on multiples of it "
		    "since the epoch (ticker.cluster)\n", every);
	else if (cfg->ticker.unnamed)
		fprintf(f, "# the unnamed ticker: every %s\n", every);
	else
		fprintf(f, "# the unnamed ticker: off (schedules, and no "
		    "ticker.interval)\n");
	for (i = 0; i < cfg->ticker.schedules.n; i++) {
		sc = (const struct schedule_config *)
		    cfg->ticker.schedules.items + i;
		if ((sc->timezone ? tz_load(&z, sc->timezone, err, sizeof err) :
		    tz_load_local(&z, err, sizeof err)) == -1)
			tz_utc(&z);
		fprintf(f, "# schedule %s: next", sc->name);
		for (k = 0, t = now; k < 3; k++) {
			if (sc->cron == NULL) {
				/* multiples of the interval since the epoch */
				ns = (t * SEC_NS / sc->interval + 1) *
				    sc->interval;
				t = ns / SEC_NS;
			} else if (cron_parse(&c, sc->cron, err,
			    sizeof err) == -1 || (t = cron_next(&c, &z, t)) ==
			    -1)
				break;
			next_format(when, &z, t);
			fprintf(f, "%s %s", k ? "," : "", when);
		}
		fputc('\n', f);
		tz_free(&z);
	}
}

int
next_command(const char *expr, const char *count, const char *from,
    const char *zone)
{
	char err[TZ_ERR_MAX > CRON_ERR_MAX ? TZ_ERR_MAX : CRON_ERR_MAX];
	char when[NEXT_TIME_MAX], *end;
	struct cron c;
	struct tz z;
	long k = NEXT_DEFAULT, i;
	int64_t t = (int64_t)time(NULL);

	if (count != NULL && ((k = strtol(count, &end, 10)) < 1 ||
	    k > NEXT_MAX || *count == '\0' || *end != '\0')) {
		fprintf(stderr, "rr: next: -n %s: expected a count from 1 to "
		    "%d\n", count, NEXT_MAX);
		return 2;
	}
	if ((zone != NULL ? tz_load(&z, zone, err, sizeof err) :
	    tz_load_local(&z, err, sizeof err)) == -1) {
		fprintf(stderr, "rr: next: %s\n", err);
		return 78;
	}
	if (from != NULL && next_parse(from, &z, &t) == -1) {
		fprintf(stderr, "rr: next: --from %s: expected an RFC 3339 "
		    "time such as 2026-03-08T01:30:00-05:00\n", from);
		tz_free(&z);
		return 2;
	}
	if (cron_parse(&c, expr, err, sizeof err) == -1) {
		fprintf(stderr, "rr: next: \"%s\": %s\n", expr, err);
		tz_free(&z);
		return 78;
	}
	for (i = 0; i < k && (t = cron_next(&c, &z, t)) != -1; i++) {
		next_format(when, &z, t);
		puts(when);
	}
	tz_free(&z);
	return fflush(stdout) == 0 ? 0 : 1;
}

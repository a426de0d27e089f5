/*
 * unit_tz: tz.c against the system's zone files (America/New_York,
 * Europe/Berlin, Australia/Lord_Howe, Asia/Tokyo; skipped when they are
 * missing) and against TZif files built here, well-formed and hostile.
 * Expected instants come from zdump(8).
 */
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tz.h"
#include "unit.h"
#include "unit_time.h"

static char	 tmpdir[] = "/tmp/rr-unit-tz-XXXXXX";

static const char *
iso(int64_t t, char *buf)
{
	int64_t	 days = t / 86400 - (t % 86400 < 0), y;
	int	 s = (int)(t - days * 86400), m, d;

	tz_civil_from_days(days, &y, &m, &d);
	snprintf(buf, 32, "%04lld-%02d-%02dT%02d:%02d:%02d", (long long)y, m, d,
	    s / 3600, s / 60 % 60, s % 60);
	return buf;
}

static int
have_zones(void)
{
	const char	*z[] = { "America/New_York", "Europe/Berlin",
	    "Australia/Lord_Howe", "Asia/Tokyo" };
	char		 path[256];
	size_t		 i;

	for (i = 0; i < sizeof(z) / sizeof(z[0]); i++) {
		snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", z[i]);
		if (access(path, R_OK) == -1)
			return 0;
	}
	return 1;
}

static int
load(struct tz *z, const char *name)
{
	char	 err[TZ_ERR_MAX];

	if (tz_load(z, name, err, sizeof(err)) == -1) {
		printf("FAIL load %s: %s\n", name, err);
		return -1;
	}
	return 0;
}

static void
test_calendar(void)
{
	int64_t	 d, y;
	int	 m, dd, ok = 1;

	CHECK("civil: epoch", tz_days_from_civil(1970, 1, 1) == 0);
	CHECK("civil: 1969-12-31", tz_days_from_civil(1969, 12, 31) == -1);
	CHECK("civil: 2000-03-01", tz_days_from_civil(2000, 3, 1) == 11017);
	CHECK("civil: 2026-03-08", tz_days_from_civil(2026, 3, 8) == 20520);
	CHECK("civil: 0000-03-01", tz_days_from_civil(0, 3, 1) == -719468);
	for (d = -1000000; d <= 1000000 && ok; d++) {
		tz_civil_from_days(d, &y, &m, &dd);
		ok = tz_days_from_civil(y, m, dd) == d && m >= 1 && m <= 12 &&
		    dd >= 1 && dd <= tz_days_in_month(y, m);
	}
	CHECK("civil: round trip over 5,000 years", ok);
	tz_civil_from_days(-1, &y, &m, &dd);
	CHECK("civil: day -1", y == 1969 && m == 12 && dd == 31);
	CHECK("civil: Feb 2024", tz_days_in_month(2024, 2) == 29);
	CHECK("civil: Feb 2100", tz_days_in_month(2100, 2) == 28);
	CHECK("civil: Feb 2000", tz_days_in_month(2000, 2) == 29);
	CHECK("civil: Apr", tz_days_in_month(2026, 4) == 30);
	CHECK("civil: Aug", tz_days_in_month(2026, 8) == 31);
	CHECK("civil: Dec", tz_days_in_month(2026, 12) == 31);
}

static void
test_utc(void)
{
	struct tz	 z;
	int64_t		 u[2];
	char		 err[TZ_ERR_MAX];

	tz_utc(&z);
	CHECK_STR("utc: name", z.name, "UTC");
	CHECK("utc: offset", tz_offset(&z, at("2026-07-01T00:00:00")) == 0);
	CHECK_STR("utc: abbr", tz_abbr(&z, 0), "UTC");
	CHECK("utc: no transition", tz_next_transition(&z, 0) == TZ_NEVER);
	CHECK("utc: local", tz_local_to_utc(&z, 12345, u) == 1 &&
	    u[0] == 12345);
	tz_free(&z);
	CHECK("utc: built in", tz_load(&z, "UTC", err, sizeof(err)) == 0 &&
	    z.mem == NULL && tz_offset(&z, 0) == 0);
}

/* The offset at instant `when` (UTC) and its abbreviation. */
static void
check_at(const struct tz *z, const char *when, int32_t off, const char *abbr)
{
	char	 name[128];

	snprintf(name, sizeof(name), "%s %s: offset %d", z->name, when,
	    (int)off);
	CHECK(name, tz_offset(z, at(when)) == off);
	snprintf(name, sizeof(name), "%s %s: abbr", z->name, when);
	CHECK_STR(name, tz_abbr(z, at(when)), abbr);
}

/* The next n offset changes after `from`, as UTC times. */
static void
check_next(const struct tz *z, const char *from, const char *want)
{
	char	 got[256] = "", buf[32], name[128];
	int64_t	 t = at(from);
	int	 i;

	for (i = 0; i < 3; i++) {
		if ((t = tz_next_transition(z, t)) == TZ_NEVER) {
			strcat(got, got[0] ? " never" : "never");
			break;
		}
		if (got[0] != '\0')
			strcat(got, " ");
		strcat(got, iso(t, buf));
	}
	snprintf(name, sizeof(name), "%s: transitions after %s", z->name,
	    from);
	CHECK_STR(name, got, want);
}

/* The instants showing a local time, as "n: t1 t2" (n = 0: the gap's
 * end). */
static void
check_local(const struct tz *z, const char *local, const char *want)
{
	char	 got[128], b1[32], b2[32], name[128];
	int64_t	 u[2];
	int	 n;

	n = tz_local_to_utc(z, at(local), u);
	if (n == 2)
		snprintf(got, sizeof(got), "2: %s %s", iso(u[0], b1),
		    iso(u[1], b2));
	else
		snprintf(got, sizeof(got), "%d: %s", n, iso(u[0], b1));
	snprintf(name, sizeof(name), "%s: local %s", z->name, local);
	CHECK_STR(name, got, want);
}

static void
test_zones(void)
{
	struct tz	 z;

	if (load(&z, "America/New_York") == 0) {
		check_at(&z, "2026-03-08T06:59:59", -18000, "EST");
		check_at(&z, "2026-03-08T07:00:00", -14400, "EDT");
		check_at(&z, "2026-11-01T05:59:59", -14400, "EDT");
		check_at(&z, "2026-11-01T06:00:00", -18000, "EST");
		check_at(&z, "1883-01-01T00:00:00", -17762, "LMT");
		/* past the table, the footer EST5EDT,M3.2.0,M11.1.0 */
		check_at(&z, "2100-03-14T06:59:59", -18000, "EST");
		check_at(&z, "2100-03-14T07:00:00", -14400, "EDT");
		check_at(&z, "2100-07-01T00:00:00", -14400, "EDT");
		check_at(&z, "2100-11-07T06:00:00", -18000, "EST");
		check_next(&z, "2026-01-01T00:00:00", "2026-03-08T07:00:00 "
		    "2026-11-01T06:00:00 2027-03-14T07:00:00");
		check_next(&z, "2026-03-08T07:00:00", "2026-11-01T06:00:00 "
		    "2027-03-14T07:00:00 2027-11-07T06:00:00");
		check_next(&z, "2099-12-31T00:00:00", "2100-03-14T07:00:00 "
		    "2100-11-07T06:00:00 2101-03-13T07:00:00");
		check_local(&z, "2026-03-08T01:59:59",
		    "1: 2026-03-08T06:59:59");
		check_local(&z, "2026-03-08T02:00:00",
		    "0: 2026-03-08T07:00:00");
		check_local(&z, "2026-03-08T02:30:00",
		    "0: 2026-03-08T07:00:00");
		check_local(&z, "2026-03-08T03:00:00",
		    "1: 2026-03-08T07:00:00");
		check_local(&z, "2026-11-01T00:59:59",
		    "1: 2026-11-01T04:59:59");
		check_local(&z, "2026-11-01T01:30:00",
		    "2: 2026-11-01T05:30:00 2026-11-01T06:30:00");
		check_local(&z, "2026-11-01T02:00:00",
		    "1: 2026-11-01T07:00:00");
		check_local(&z, "2100-03-14T02:30:00",
		    "0: 2100-03-14T07:00:00");
		tz_free(&z);
	}
	if (load(&z, "Europe/Berlin") == 0) {
		check_at(&z, "2026-03-29T00:59:59", 3600, "CET");
		check_at(&z, "2026-03-29T01:00:00", 7200, "CEST");
		check_at(&z, "2026-10-25T00:59:59", 7200, "CEST");
		check_at(&z, "2026-10-25T01:00:00", 3600, "CET");
		check_at(&z, "2100-06-01T00:00:00", 7200, "CEST");
		check_next(&z, "2026-01-01T00:00:00", "2026-03-29T01:00:00 "
		    "2026-10-25T01:00:00 2027-03-28T01:00:00");
		check_local(&z, "2026-03-29T02:30:00",
		    "0: 2026-03-29T01:00:00");
		check_local(&z, "2026-10-25T02:30:00",
		    "2: 2026-10-25T00:30:00 2026-10-25T01:30:00");
		tz_free(&z);
	}
	if (load(&z, "Australia/Lord_Howe") == 0) {
		check_at(&z, "2026-04-04T14:59:59", 39600, "+11");
		check_at(&z, "2026-04-04T15:00:00", 37800, "+1030");
		check_at(&z, "2026-10-03T15:29:59", 37800, "+1030");
		check_at(&z, "2026-10-03T15:30:00", 39600, "+11");
		check_at(&z, "2100-01-01T00:00:00", 39600, "+11");
		check_at(&z, "2100-07-01T00:00:00", 37800, "+1030");
		check_next(&z, "2026-01-01T00:00:00", "2026-04-04T15:00:00 "
		    "2026-10-03T15:30:00 2027-04-03T15:00:00");
		check_local(&z, "2026-04-05T01:45:00",
		    "2: 2026-04-04T14:45:00 2026-04-04T15:15:00");
		check_local(&z, "2026-04-05T02:00:00",
		    "1: 2026-04-04T15:30:00");
		check_local(&z, "2026-10-04T02:00:00",
		    "0: 2026-10-03T15:30:00");
		check_local(&z, "2026-10-04T02:29:59",
		    "0: 2026-10-03T15:30:00");
		check_local(&z, "2026-10-04T02:30:00",
		    "1: 2026-10-03T15:30:00");
		tz_free(&z);
	}
	if (load(&z, "Asia/Tokyo") == 0) {
		check_at(&z, "2026-03-08T07:00:00", 32400, "JST");
		check_next(&z, "2026-01-01T00:00:00", "never");
		check_local(&z, "2026-03-08T02:30:00",
		    "1: 2026-03-07T17:30:00");
		tz_free(&z);
	}
}

static void
write_file(const char *path, const void *b, size_t n)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL || fwrite(b, 1, n, f) != n) {
		printf("FAIL write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	fclose(f);
}

static void
test_names(void)
{
	const char	*bad[] = { "", "../etc/passwd", "/etc/passwd",
	    "America/../Europe/Berlin", "America//New_York", "America/",
	    "./UTC", ".hidden", "Europe/Ber lin", "Europe/Berlin\n",
	    "x/.." };
	char		 err[TZ_ERR_MAX], name[64], path[512], big[300];
	struct tz	 z;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(name, sizeof(name), "name refused: \"%.*s\"",
		    (int)strcspn(bad[i], "\n"), bad[i]);
		CHECK(name, tz_load(&z, bad[i], err, sizeof(err)) == -1 &&
		    strstr(err, "not a zone name") != NULL);
	}
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK("name refused: too long",
	    tz_load(&z, big, err, sizeof(err)) == -1);

	setenv("TZDIR", tmpdir, 1);
	CHECK("unknown zone", tz_load(&z, "Foo/Bar", err, sizeof(err)) == -1);
	snprintf(path, sizeof(path), "unknown time zone \"Foo/Bar\" (no such "
	    "file %s/Foo/Bar)", tmpdir);
	CHECK_STR("unknown zone: message", err, path);
	snprintf(path, sizeof(path), "%s/Dir", tmpdir);
	mkdir(path, 0700);
	CHECK("directory refused", tz_load(&z, "Dir", err, sizeof(err)) ==
	    -1 && strstr(err, "not a regular file") != NULL);
	unsetenv("TZDIR");
}

/* A TZif file built field by field; v1 data repeats it in 32 bits. */
struct spec {
	int		 version;	/* 0, '2', '3' */
	size_t		 ntrans;
	const int64_t	*trans;
	const uint8_t	*idx;
	size_t		 ntypes;
	const int32_t	*utoff;
	const uint8_t	*isdst, *abbr;
	const char	*chars;
	size_t		 nchars;
	const char	*footer;
};

static uint8_t *
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

static uint8_t *
block(uint8_t *p, const struct spec *s, int version, unsigned tsize)
{
	size_t	 i;

	memcpy(p, "TZif", 4);
	p[4] = (uint8_t)version;
	memset(p + 5, 0, 15);
	p += 20;
	p = put32(p, 0);
	p = put32(p, 0);
	p = put32(p, 0);
	p = put32(p, (uint32_t)s->ntrans);
	p = put32(p, (uint32_t)s->ntypes);
	p = put32(p, (uint32_t)s->nchars);
	for (i = 0; i < s->ntrans; i++) {
		if (tsize == 8)
			p = put32(p, (uint32_t)((uint64_t)s->trans[i] >> 32));
		p = put32(p, (uint32_t)s->trans[i]);
	}
	for (i = 0; i < s->ntrans; i++)
		*p++ = s->idx[i];
	for (i = 0; i < s->ntypes; i++) {
		p = put32(p, (uint32_t)s->utoff[i]);
		*p++ = s->isdst[i];
		*p++ = s->abbr[i];
	}
	memcpy(p, s->chars, s->nchars);
	return p + s->nchars;
}

/* The file, and where its second header starts (0 for version 1). */
static size_t
build(const struct spec *s, uint8_t *out, size_t *second)
{
	uint8_t	*p = block(out, s, s->version, 4);

	*second = 0;
	if (s->version != 0) {
		*second = (size_t)(p - out);
		p = block(p, s, s->version, 8);
		p += sprintf((char *)p, "\n%s\n", s->footer);
	}
	return (size_t)(p - out);
}

static const int64_t	 ny_trans[] = { 1772953200, 1793512800 };
static const uint8_t	 ny_idx[] = { 1, 0 };
static const int32_t	 ny_off[] = { -18000, -14400 };
static const uint8_t	 ny_dst[] = { 0, 1 }, ny_abbr[] = { 0, 4 };
static const struct spec ny2026 = { '2', 2, ny_trans, ny_idx, 2, ny_off,
	ny_dst, ny_abbr, "EST\0EDT", 8, "EST5EDT,M3.2.0,M11.1.0" };

static int
parse(struct tz *z, const void *b, size_t n, char *err)
{
	err[0] = '\0';
	return tz_parse(z, "test", b, n, err, TZ_ERR_MAX);
}

/* Two zones agree on every half hour from..to and on the transitions. */
static int
same_zone(const struct tz *a, const struct tz *b, int64_t from, int64_t to)
{
	int64_t	 t;

	for (t = from; t < to; t += 1800)
		if (tz_offset(a, t) != tz_offset(b, t) ||
		    strcmp(tz_abbr(a, t), tz_abbr(b, t)) != 0)
			return 0;
	for (t = from; t < to; t = tz_next_transition(a, t))
		if (tz_next_transition(a, t) != tz_next_transition(b, t))
			return 0;
	return 1;
}

static void
test_built(void)
{
	static uint8_t	 b[4096];
	struct spec	 s = ny2026;
	struct tz	 z, real;
	char		 err[TZ_ERR_MAX];
	size_t		 n, second;
	int64_t		 u[2];
	static const int32_t lh_off[] = { 37800 };
	static const uint8_t zero[] = { 0 };

	n = build(&s, b, &second);
	CHECK("built v2: parses", parse(&z, b, n, err) == 0);
	CHECK("built v2: table", tz_offset(&z, at("2026-07-01T00:00:00")) ==
	    -14400 && tz_offset(&z, at("2026-12-01T00:00:00")) == -18000);
	CHECK("built v2: footer", tz_offset(&z, at("2030-07-01T00:00:00")) ==
	    -14400 && tz_offset(&z, at("2030-12-01T00:00:00")) == -18000);
	CHECK_STR("built v2: footer abbr", tz_abbr(&z,
	    at("2030-07-01T00:00:00")), "EDT");
	CHECK("built v2: before the first", tz_offset(&z, 0) == -18000);
	tz_free(&z);

	s.version = '3';
	n = build(&s, b, &second);
	CHECK("built v3: parses", parse(&z, b, n, err) == 0);
	tz_free(&z);

	s.version = 0;
	n = build(&s, b, &second);
	CHECK("built v1: parses", parse(&z, b, n, err) == 0 && !z.has_rule);
	CHECK("built v1: last type stays", tz_offset(&z,
	    at("2030-07-01T00:00:00")) == -18000 &&
	    tz_next_transition(&z, at("2027-01-01T00:00:00")) == TZ_NEVER);
	tz_free(&z);

	/* Lord_Howe from its footer alone, against the real file */
	s = (struct spec){ '2', 0, NULL, NULL, 1, lh_off, zero, zero,
	    "+1030", 6, "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0" };
	n = build(&s, b, &second);
	CHECK("footer only: parses", parse(&z, b, n, err) == 0);
	if (have_zones() && load(&real, "Australia/Lord_Howe") == 0) {
		CHECK("footer only: matches Australia/Lord_Howe 2026-2031",
		    same_zone(&z, &real, at("2026-01-01T00:00:00"),
		    at("2031-01-01T00:00:00")));
		tz_free(&real);
	}
	tz_free(&z);

	/* RFC 8536 3.3.1: negative and > 24 h transition times */
	s.footer = "<-02>2<-01>,M3.5.0/-1,M10.5.0/0";
	n = build(&s, b, &second);
	CHECK("footer v3: negative time", parse(&z, b, n, err) == 0 &&
	    tz_next_transition(&z, at("2026-01-01T00:00:00")) ==
	    at("2026-03-29T01:00:00"));
	tz_free(&z);
	s.footer = "EST5EDT,0/0,J365/25";
	n = build(&s, b, &second);
	CHECK("footer: daylight time all year", parse(&z, b, n, err) == 0 &&
	    tz_offset(&z, at("2026-01-01T04:30:00")) == -14400 &&
	    tz_offset(&z, at("2026-12-31T23:30:00")) == -14400 &&
	    tz_next_transition(&z, at("2026-06-01T00:00:00")) == TZ_NEVER);
	CHECK("footer: no gap all year", tz_local_to_utc(&z,
	    at("2027-01-01T00:30:00"), u) == 1);
	tz_free(&z);
	s.footer = "JST-9";
	n = build(&s, b, &second);
	CHECK("footer: standard time only", parse(&z, b, n, err) == 0 &&
	    tz_offset(&z, 0) == 32400);
	tz_free(&z);
	s.footer = "";
	n = build(&s, b, &second);
	CHECK("footer: empty", parse(&z, b, n, err) == 0 && !z.has_rule &&
	    tz_offset(&z, 0) == 37800);
	tz_free(&z);
}

/* Build ny2026 with one change and expect err to contain want. */
static void
hostile(const char *name, const uint8_t *b, size_t n, const char *want)
{
	struct tz	 z;
	char		 err[TZ_ERR_MAX], label[128];
	int		 r;

	r = parse(&z, b, n, err);
	snprintf(label, sizeof(label), "hostile: %s", name);
	CHECK(label, r == -1 && z.mem == NULL);
	snprintf(label, sizeof(label), "hostile: %s: says \"%s\"", name, want);
	CHECK(label, strstr(err, want) != NULL);
}

static void
test_hostile(void)
{
	static uint8_t	 good[4096], b[4096];
	uint8_t		*big;
	static const char *footers[] = { "EST5EDT,M13.1.0,M11.1.0",
	    "EST5EDT", "EST", "EST5EDT,M3.2.0", "ES5", "EST25",
	    "EST5EDT,M3.2.0,M11.1.0,", "<EST5", "EST5EDT,J0,J365",
	    "EST5EDT,M3.6.0,M11.1.0", "EST5EDT,M3.2.7,M11.1.0",
	    "EST5EDT,M3.2.0/168,M11.1.0" };
	struct spec	 s = ny2026;
	struct tz	 z;
	char		 err[TZ_ERR_MAX], name[64];
	size_t		 n, second, i, k;
	int		 ok;

	n = build(&ny2026, good, &second);
	memcpy(b, good, n);
	b[0] = 'X';
	hostile("bad magic", b, n, "not a TZif file");
	hostile("empty", b, 0, "not a TZif file");
	memcpy(b, good, n);
	b[second] = 'X';
	hostile("bad second magic", b, n, "second header");
	memcpy(b, good, n);
	b[4] = '1';
	hostile("version 1 byte", b, n, "unknown TZif version");

	for (ok = 1, k = 0; k < n && ok; k++)
		ok = parse(&z, good, k, err) == -1 && err[0] != '\0' &&
		    z.mem == NULL;
	CHECK("hostile: every proper prefix fails cleanly", ok);

	memcpy(b, good, n);
	put32(b + second + 32, 0xffffffff);
	hostile("huge timecnt", b, n, "truncated");
	memcpy(b, good, n);
	put32(b + 32, 0xffffffff);
	hostile("huge v1 timecnt", b, n, "second header");
	memcpy(b, good, n);
	put32(b + second + 36, 0);
	hostile("no types", b, n, "inconsistent counts");
	memcpy(b, good, n);
	put32(b + second + 40, 0);
	hostile("no chars", b, n, "inconsistent counts");
	memcpy(b, good, n);
	put32(b + second + 24, 1);
	hostile("isstdcnt", b, n, "inconsistent counts");
	memcpy(b, good, n);
	put32(b + second + 28, 1);
	hostile("leap seconds", b, n, "leap seconds");

	/* the v2 data: 2 x 8 times, 2 indices, 2 x 6 types, 8 chars */
	memcpy(b, good, n);
	b[second + 44 + 16] = 2;
	hostile("type index", b, n, "transition 0 has type 2");
	memcpy(b, good, n);
	memcpy(b + second + 44 + 8, b + second + 44, 8);
	hostile("unsorted", b, n, "out of order");
	memcpy(b, good, n);
	b[second + 44 + 18 + 4] = 2;
	hostile("isdst 2", b, n, "bad local time type 0");
	memcpy(b, good, n);
	b[second + 44 + 18 + 5] = 8;
	hostile("abbreviation index", b, n, "bad local time type 0");
	memcpy(b, good, n);
	put32(b + second + 44 + 18, 0x7fffffff);
	hostile("offset", b, n, "bad local time type 0");
	memcpy(b, good, n);
	put32(b + second + 44, 0x7fffffff);
	hostile("transition out of range", b, n, "transition 0 out of range");
	memcpy(b, good, n);
	b[n - 1] = 'x';
	hostile("unterminated footer", b, n, "no footer");
	hostile("no footer", good, n - 24, "no footer");

	for (i = 0; i < sizeof(footers) / sizeof(footers[0]); i++) {
		s.footer = footers[i];
		n = build(&s, b, &second);
		snprintf(name, sizeof(name), "footer \"%s\"", footers[i]);
		hostile(name, b, n, "bad TZ string");
	}
	big = calloc(1, TZ_FILE_MAX + 1);
	hostile("too large", big, TZ_FILE_MAX + 1, "larger than 256 KiB");
	free(big);
}

/* Random bytes changed in a real file: parse or refuse, never crash, and
 * what parses answers lookups. */
static void
test_mutations(void)
{
	static uint8_t	 orig[TZ_FILE_MAX], b[TZ_FILE_MAX];
	FILE		*f;
	struct tz	 z;
	char		 err[TZ_ERR_MAX];
	size_t		 n, i, k;
	int		 parsed = 0, sane = 1;
	int64_t		 u[2], t;

	if ((f = fopen("/usr/share/zoneinfo/America/New_York", "r")) == NULL)
		return;
	n = fread(orig, 1, sizeof(orig), f);
	fclose(f);
	srand(1);
	for (i = 0; i < 20000; i++) {
		memcpy(b, orig, n);
		for (k = 0; k < 1 + (size_t)rand() % 4; k++)
			b[(size_t)rand() % n] = (uint8_t)rand();
		if (parse(&z, b, n, err) == -1)
			continue;
		parsed++;
		t = (int64_t)rand() * 977 - 800000000;
		tz_offset(&z, t);
		tz_abbr(&z, t);
		if (tz_next_transition(&z, t) <= t)
			sane = 0;
		tz_local_to_utc(&z, t, u);
		tz_free(&z);
	}
	printf("# mutations: %d of 20000 parsed\n", parsed);
	CHECK("mutations: no crash, transitions move forward", sane);
}

static void
test_files(void)
{
	static uint8_t	 b[4096], *big;
	char		 err[TZ_ERR_MAX], path[512];
	struct tz	 z;
	size_t		 n, second;

	n = build(&ny2026, b, &second);
	snprintf(path, sizeof(path), "%s/Test", tmpdir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/Test/Zone", tmpdir);
	write_file(path, b, n);
	setenv("TZDIR", tmpdir, 1);
	CHECK("TZDIR: loads", tz_load(&z, "Test/Zone", err, sizeof(err)) ==
	    0 && tz_offset(&z, at("2026-07-01T00:00:00")) == -14400);
	CHECK_STR("TZDIR: name", z.name, "Test/Zone");
	tz_free(&z);

	big = calloc(1, TZ_FILE_MAX + 1);
	memcpy(big, b, n);
	snprintf(path, sizeof(path), "%s/Big", tmpdir);
	write_file(path, big, TZ_FILE_MAX + 1);
	free(big);
	CHECK("file too large", tz_load(&z, "Big", err, sizeof(err)) == -1 &&
	    strstr(err, "larger than 256 KiB") != NULL);

	setenv("TZ", "Test/Zone", 1);
	CHECK("TZ: zone name", tz_load_local(&z, err, sizeof(err)) == 0 &&
	    strcmp(z.name, "Test/Zone") == 0);
	tz_free(&z);
	setenv("TZ", ":Test/Zone", 1);
	CHECK("TZ: with a colon", tz_load_local(&z, err, sizeof(err)) == 0 &&
	    strcmp(z.name, "Test/Zone") == 0);
	tz_free(&z);
	snprintf(path, sizeof(path), "%s/Test/Zone", tmpdir);
	setenv("TZ", path, 1);
	CHECK("TZ: absolute path", tz_load_local(&z, err, sizeof(err)) == 0 &&
	    tz_offset(&z, at("2026-12-01T00:00:00")) == -18000);
	tz_free(&z);
	setenv("TZ", "<+0530>-5:30", 1);
	CHECK("TZ: POSIX string", tz_load_local(&z, err, sizeof(err)) == 0 &&
	    tz_offset(&z, 0) == 19800 && strcmp(tz_abbr(&z, 0), "+0530") == 0);
	tz_free(&z);
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	CHECK("TZ: POSIX string with DST", tz_load_local(&z, err,
	    sizeof(err)) == 0 &&
	    tz_offset(&z, at("2026-03-29T01:00:00")) == 7200 &&
	    tz_offset(&z, at("2026-03-29T00:59:59")) == 3600);
	tz_free(&z);
	setenv("TZ", "Nowhere/Zone", 1);
	CHECK("TZ: unknown", tz_load_local(&z, err, sizeof(err)) == -1 &&
	    strstr(err, "unknown time zone \"Nowhere/Zone\"") != NULL);
	setenv("TZ", "UTC", 1);
	CHECK("TZ: UTC", tz_load_local(&z, err, sizeof(err)) == 0 &&
	    strcmp(z.name, "UTC") == 0);
	tz_free(&z);
	unsetenv("TZ");
	unsetenv("TZDIR");
	CHECK("TZ unset: /etc/localtime or UTC", tz_load_local(&z, err,
	    sizeof(err)) == 0);
	printf("# local zone: %s\n", z.name);
	tz_free(&z);
}

static int
rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		printf("FAIL mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_calendar();
	test_utc();
	if (have_zones()) {
		test_zones();
		test_mutations();
	} else
		printf("SKIP zones: no /usr/share/zoneinfo\n");
	test_names();
	test_built();
	test_hostile();
	test_files();
	nftw(tmpdir, rm, 8, FTW_DEPTH | FTW_PHYS);
	return unit_failed;
}

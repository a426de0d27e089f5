/*
 * fuzz_cron: cron_parse() on any bytes, then cron_next() on what parses,
 * in UTC and in two zones built from POSIX TZ strings (New York's rule,
 * and Lord_Howe's half-hour one), so the DST paths run without zone
 * files.  A refusal must say why; a schedule must fire after every
 * instant, and asking again from just before a fire must give that fire.
 * Seeds: tests/fuzz/seed_cron/, one expression per file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cron.h"
#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct tz	 zones[3];
static int		 nzones;

static void
setup(void)
{
	static const char *rules[] = { "EST5EDT,M3.2.0,M11.1.0",
	    "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0" };
	char	 err[TZ_ERR_MAX];
	size_t	 i;

	tz_utc(&zones[nzones++]);
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		setenv("TZ", rules[i], 1);
		REQUIRE(tz_load_local(&zones[nzones++], err, sizeof(err)) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t	 afters[] = { 0, 1772952000, 1793509200,
	    4108000000, CRON_MAX - 86400 };
	struct cron	 c;
	char		*s, err[CRON_ERR_MAX];
	int64_t		 t, n;
	size_t		 i;
	int		 k;

	if (nzones == 0)
		setup();
	if ((s = strndup((const char *)data, size)) == NULL)
		return 0;
	err[0] = '\0';
	if (cron_parse(&c, s, err, sizeof(err)) == -1) {
		REQUIRE(err[0] != '\0');
		free(s);
		return 0;
	}
	for (k = 0; k < nzones; k++)
		for (i = 0; i < sizeof(afters) / sizeof(afters[0]); i++) {
			t = afters[i];
			n = cron_next(&c, &zones[k], t);
			REQUIRE(n > t);
			if (n - 1 <= CRON_MAX)
				REQUIRE(cron_next(&c, &zones[k], n - 1) == n);
			if (n <= CRON_MAX)
				REQUIRE(cron_next(&c, &zones[k], n) > n);
		}
	free(s);
	return 0;
}

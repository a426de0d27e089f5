/*
 * fuzz_tz: tz_parse() on any bytes as a TZif file.  A refusal must say
 * why and leave nothing to free; a zone that parses must answer at
 * instants from the input: the next transition is later, every instant
 * tz_local_to_utc() gives shows that local time, and a gap's end is the
 * first instant past it.  Seeds: tests/fuzz/seed_tz/, system zone files.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "tz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_local(const struct tz *z, int64_t local)
{
	int64_t	 u[2];
	int	 n, i;

	n = tz_local_to_utc(z, local, u);
	REQUIRE(n >= 0 && n <= 2);
	for (i = 0; i < n; i++)
		REQUIRE(u[i] + tz_offset(z, u[i]) == local);
	if (n == 2)
		REQUIRE(u[0] < u[1]);
	if (n == 0) {
		REQUIRE(u[0] + tz_offset(z, u[0]) > local);
		REQUIRE(u[0] - 1 + tz_offset(z, u[0] - 1) < local);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tz	 z;
	char		 err[TZ_ERR_MAX];
	int64_t		 t, next;
	size_t		 i;
	int		 k;

	err[0] = '\0';
	if (tz_parse(&z, "fuzz", data, size, err, sizeof(err)) == -1) {
		REQUIRE(err[0] != '\0' && z.mem == NULL);
		return 0;
	}
	for (i = 0; i + 8 <= size && i < 64; i += 8) {
		memcpy(&t, data + size - 8 - i, 8);
		t %= (int64_t)1 << 40;
		tz_abbr(&z, t);
		next = tz_next_transition(&z, t);
		REQUIRE(next > t);
		if (next != TZ_NEVER)
			REQUIRE(tz_offset(&z, next) != tz_offset(&z, next - 1));
		check_local(&z, t);
	}
	for (k = 0, t = 1767225600; k < 8; k++, t += 1800 * 4099)
		check_local(&z, t);
	tz_free(&z);
	return 0;
}

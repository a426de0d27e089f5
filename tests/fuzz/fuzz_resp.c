/*
 * fuzz_resp: redis_parse() on any bytes, taken as a stream of replies the
 * way redis.c takes them.  A reply must lie within its bytes, with its
 * arrays within the arena and every cap; a reply cut short must ask for
 * more, and never for more than the whole reply turned out to be (the
 * client waits for that many bytes before it parses again); MORE must
 * ask for more than it had; BAD must say why, at a byte it had.
 * Seeds: tests/fuzz/seed_resp/, one reply each.
 */
#include <stdint.h>
#include <string.h>

#include "redis.h"

#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct redis_arena arena;

static bool
within(const char *s, size_t n, const char *buf, size_t len)
{
	return s >= buf && n <= len && (size_t)(s - buf) <= len - n;
}

/* The elements below r, checking each on the way. */
static size_t
check(const struct redis_reply *r, const char *buf, size_t len, int depth)
{
	size_t i, n = 0;

	switch (r->type) {
	case REDIS_STATUS:
	case REDIS_ERROR:
		REQUIRE(within(r->str, r->len, buf, len));
		REQUIRE(r->len <= REDIS_LINE_MAX);
		REQUIRE(memchr(r->str, '\r', r->len) == NULL);
		REQUIRE(memchr(r->str, '\n', r->len) == NULL);
		break;
	case REDIS_BULK:
		REQUIRE(within(r->str, r->len, buf, len));
		REQUIRE(r->len <= REDIS_BULK_MAX);
		break;
	case REDIS_INTEGER:
	case REDIS_NIL:
		break;
	case REDIS_ARRAY:
		REQUIRE(depth <= REDIS_DEPTH_MAX);
		REQUIRE(r->element >= arena.el && r->elements <= arena.n &&
		    (size_t)(r->element - arena.el) <= arena.n - r->elements);
		for (i = 0; i < r->elements; i++)
			n += 1 + check(&r->element[i], buf, len, depth + 1);
		break;
	default:
		REQUIRE(!"a type the parser never makes");
	}
	return n;
}

/* A proper prefix of a reply of used bytes. */
static void
cut_short(const char *buf, size_t cut, size_t used)
{
	struct redis_reply r;
	const char *why;
	size_t need;

	REQUIRE(redis_parse(buf, cut, &r, &arena, &need, &why) ==
	    REDIS_PARSE_MORE);
	REQUIRE(need > cut && need <= used);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *why;
	struct redis_reply r;
	enum redis_parsed st;
	size_t pos = 0, used;

	while (pos < size) {
		st = redis_parse(buf + pos, size - pos, &r, &arena, &used,
		    &why);
		if (st == REDIS_PARSE_MORE) {
			REQUIRE(used > size - pos);
			break;
		}
		if (st == REDIS_PARSE_BAD) {
			REQUIRE(why != NULL && *why != '\0' &&
			    used < size - pos);
			break;
		}
		REQUIRE(why == NULL && used > 0 && used <= size - pos);
		REQUIRE(arena.n <= REDIS_ELEMENTS_MAX);
		REQUIRE(check(&r, buf + pos, used, 1) == arena.n);
		cut_short(buf + pos, used - 1, used);
		cut_short(buf + pos, (size_t)data[pos + used / 2] * used / 256,
		    used);
		pos += used;
	}
	return 0;
}

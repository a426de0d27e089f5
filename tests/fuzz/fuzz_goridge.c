/*
 * fuzz_goridge: the input is what a worker wrote to its stdout.  It is
 * decoded twice, whole and in chunks whose sizes come from the input, and
 * both runs must agree; every frame must be exactly the bytes it came from.
 * Seeds: tests/fuzz/seed_goridge/, one raw frame per golden vector.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goridge.h"

#define MAX_PAYLOAD	4096

#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct run {
	size_t		*ends;		/* stream offset after each frame */
	size_t		 nframes;
	enum goridge_status last;	/* GR_MORE or the error */
};

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* A frame must be the bytes data[start..end), field by field. */
static void
check_frame(const struct goridge_frame *f, const uint8_t *data, size_t start,
    size_t end)
{
	const uint8_t	*h = data + start;
	unsigned	 i, hl = h[0] & 0x0f;

	REQUIRE(f->len <= MAX_PAYLOAD);
	REQUIRE(h[0] >> 4 == 1 && hl >= 3 && hl <= 13);
	REQUIRE(f->noptions == hl - 3);
	REQUIRE(f->flags == h[1] && f->len == le32(h + 2));
	REQUIRE(le32(h + 6) == goridge_crc32(h, 6));
	REQUIRE(f->stream == h[10]);
	for (i = 0; i < f->noptions; i++)
		REQUIRE(f->options[i] == le32(h + 12 + 4 * i));
	REQUIRE(end - start == 4 * hl + (size_t)f->len);
	REQUIRE(f->payload != NULL);
	REQUIRE(memcmp(f->payload, h + 4 * hl, f->len) == 0);
}

/*
 * Feed data in chunks: all at once when chunked is 0, else each chunk
 * 1..64 bytes long as told by its own first byte.
 */
static void
decode(const uint8_t *data, size_t size, int chunked, struct run *r)
{
	struct goridge_decoder	 dec;
	struct goridge_frame	 f;
	enum goridge_status	 st;
	char			 shown[GR_SHOWN_MAX];
	size_t			 pos, chunk, off, used, start = 0;

	goridge_decoder_init(&dec, MAX_PAYLOAD);
	r->nframes = 0;
	r->last = GR_MORE;
	for (pos = 0; pos < size && r->last == GR_MORE; pos += chunk) {
		chunk = chunked ? 1 + data[pos] % 64 : size;
		if (chunk > size - pos)
			chunk = size - pos;
		st = goridge_feed(&dec, data + pos, 0, &used, &f);
		REQUIRE(st == GR_MORE && used == 0);
		for (off = 0; off < chunk; off += used) {
			st = goridge_feed(&dec, data + pos + off, chunk - off,
			    &used, &f);
			REQUIRE(used <= chunk - off);
			if (st == GR_MORE) {
				REQUIRE(off + used == chunk);
			} else if (st == GR_FRAME) {
				check_frame(&f, data, start, pos + off + used);
				start = pos + off + used;
				r->ends[r->nframes++] = start;
			} else {
				r->last = st;
				REQUIRE(dec.shown[0] != '\0' && memchr(dec.shown,
				    '\0', sizeof(dec.shown)) != NULL);
				memcpy(shown, dec.shown, sizeof(shown));
				st = goridge_feed(&dec, data, size, &used, &f);
				REQUIRE(st == r->last && used == 0);
				REQUIRE(memcmp(shown, dec.shown,
				    sizeof(shown)) == 0);
				break;
			}
		}
	}
	REQUIRE(dec.cap <= MAX_PAYLOAD);
	goridge_decoder_free(&dec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run	 whole, chunked;
	size_t		 max = size / 12 + 1;

	whole.ends = calloc(max, sizeof(size_t));
	chunked.ends = calloc(max, sizeof(size_t));
	REQUIRE(whole.ends != NULL && chunked.ends != NULL);
	decode(data, size, 0, &whole);
	decode(data, size, 1, &chunked);
	REQUIRE(whole.last == chunked.last);
	REQUIRE(whole.nframes == chunked.nframes);
	REQUIRE(memcmp(whole.ends, chunked.ends,
	    whole.nframes * sizeof(size_t)) == 0);
	free(whole.ends);
	free(chunked.ends);
	return 0;
}

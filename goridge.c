/*
 * goridge: the Goridge v3 frame codec, see goridge.h and shared/PROTOCOL.md
 * sections 1-3.  Everything a worker writes is treated as hostile: the
 * header is checked in full before a byte of payload is buffered.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "goridge.h"

#define GR_VERSION	1
#define GR_HL_MIN	3	/* header length in words: 12 bytes, no options */
#define GR_HL_MAX	(GR_HL_MIN + GR_OPTIONS_MAX)
#define GR_NOT_FOUND_TEXT "Could not op"	/* php-cli, no such script */

static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

static uint32_t
get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static size_t
min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/*
 * A nibble at a time: 16 entries (one cache line) that cost nothing to
 * warm, against 8 steps per byte bit by bit.  The codec only checksums the
 * 6 bytes at the front of a header, twice per exec.
 */
static const uint32_t crc_nibble[16] = {
	0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac,
	0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
	0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
	0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

uint32_t
goridge_crc32(const void *data, size_t len)
{
	const uint8_t	*p = data;
	uint32_t	 crc = 0xffffffff;

	while (len-- > 0) {
		crc ^= *p++;
		crc = (crc >> 4) ^ crc_nibble[crc & 15];
		crc = (crc >> 4) ^ crc_nibble[crc & 15];
	}
	return ~crc;
}

/*
 * The header is built apart from the payload so that the caller can send
 * both with one writev(): a PHP worker dies if its first 12 bytes arrive
 * in two reads (PROTOCOL.md 9.1).
 */
size_t
goridge_put_header(uint8_t *out, uint8_t flags, uint8_t stream,
    const uint32_t *opts, unsigned nopts, uint32_t payload_len)
{
	unsigned	 i;

	assert(nopts <= GR_OPTIONS_MAX);
	out[0] = GR_VERSION << 4 | (GR_HL_MIN + nopts);
	out[1] = flags;
	put_le32(out + 2, payload_len);
	put_le32(out + 6, goridge_crc32(out, 6));
	out[10] = stream;
	out[11] = 0;
	for (i = 0; i < nopts; i++)
		put_le32(out + GR_HEADER_MIN + 4 * i, opts[i]);
	return GR_HEADER_MIN + 4 * nopts;
}

/*
 * RoadRunner data frames always carry the context length as their only
 * option; the PHP worker crashes on a data frame without it.
 */
size_t
goridge_put_data(uint8_t out[16], uint8_t flags, uint32_t ctx_len,
    uint32_t body_len)
{
	assert(body_len <= UINT32_MAX - ctx_len);
	return goridge_put_header(out, flags, 0, &ctx_len, 1,
	    ctx_len + body_len);
}

/* The PHP worker only understands JSON on control frames: pid and stop. */
size_t
goridge_put_control(uint8_t out[12], uint32_t payload_len)
{
	return goridge_put_header(out, GR_CONTROL | GR_CODEC_JSON, 0, NULL, 0,
	    payload_len);
}

void
goridge_decoder_init(struct goridge_decoder *dec, uint32_t max_payload)
{
	memset(dec, 0, sizeof(*dec));
	dec->max_payload = max_payload;
}

/* Forget any partial frame and error but keep the grown buffer for reuse. */
void
goridge_decoder_reset(struct goridge_decoder *dec)
{
	dec->have = 0;
	dec->header_len = 0;
	dec->failed = GR_MORE;
	dec->shown[0] = '\0';
}

void
goridge_decoder_free(struct goridge_decoder *dec)
{
	free(dec->buf);
	goridge_decoder_init(dec, dec->max_payload);
}

/*
 * Everything that can be known from the first 12 bytes is checked here, so
 * that nothing is allocated or waited for on the word of a corrupt header.
 * "Could not op" comes first: php-cli's complaint is no frame at all.
 */
static enum goridge_status
check_header(const uint8_t *h, uint32_t max_payload)
{
	unsigned	 hl = h[0] & 0x0f;

	if (memcmp(h, GR_NOT_FOUND_TEXT, GR_HEADER_MIN) == 0)
		return GR_NOT_FOUND;
	if (h[0] >> 4 != GR_VERSION)
		return GR_BAD_VERSION;
	if (hl < GR_HL_MIN || hl > GR_HL_MAX)
		return GR_BAD_HEADER_LEN;
	if (get_le32(h + 6) != goridge_crc32(h, 6))
		return GR_BAD_CRC;
	if (get_le32(h + 2) > max_payload)
		return GR_TOO_LARGE;
	return GR_MORE;
}

/*
 * Make an error sticky and keep what the worker wrote, so that the log
 * line shows e.g. the PHP warning that ended up on stdout instead of
 * only "bad CRC".
 */
static enum goridge_status
fail(struct goridge_decoder *dec, enum goridge_status st,
    const uint8_t *rest, size_t restlen)
{
	size_t	 n;

	dec->failed = st;
	goridge_escape(dec->shown, sizeof(dec->shown), dec->header, dec->have);
	n = strlen(dec->shown);
	goridge_escape(dec->shown + n, sizeof(dec->shown) - n, rest, restlen);
	return st;
}

/*
 * Grow the payload buffer to exactly len.  The old contents are never
 * needed (growth happens before the first payload byte is copied), so
 * free and malloc rather than let realloc copy stale bytes.
 */
static int
grow(struct goridge_decoder *dec, size_t len)
{
	uint8_t	*p;

	free(dec->buf);
	dec->buf = NULL;
	dec->cap = 0;
	if ((p = malloc(len)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	dec->buf = p;
	dec->cap = len;
	return 0;
}

/*
 * Copy input into dec->header until it holds upto bytes; 1 once it does
 * (also when payload bytes already follow it).
 */
static int
fill_header(struct goridge_decoder *dec, size_t upto, const uint8_t *in,
    size_t len, size_t *pos)
{
	size_t	 n;

	if (dec->have >= upto)
		return 1;
	n = min_size(upto - dec->have, len - *pos);
	memcpy(dec->header + dec->have, in + *pos, n);
	dec->have += n;
	*pos += n;
	return dec->have == upto;
}

/*
 * Three phases keyed on dec->have: the fixed 12 bytes, then the options,
 * both kept in dec->header; then the payload.  A payload that lies whole in
 * this input is handed out in place, so the common case (a worker's reply
 * in one read) copies nothing and a zero-length payload needs no buffer.
 */
enum goridge_status
goridge_feed(struct goridge_decoder *dec, const uint8_t *in, size_t len,
    size_t *used, struct goridge_frame *frame)
{
	enum goridge_status st;
	size_t		 pos = 0, n, got, plen;
	unsigned	 i;

	*used = 0;
	if (dec->failed != GR_MORE)
		return dec->failed;
	if (len == 0)
		return GR_MORE;

	if (dec->header_len == 0) {
		if (!fill_header(dec, GR_HEADER_MIN, in, len, &pos))
			goto more;
		st = check_header(dec->header, dec->max_payload);
		if (st != GR_MORE) {
			*used = pos;
			return fail(dec, st, in + pos, len - pos);
		}
		dec->header_len = 4 * (dec->header[0] & 0x0f);
	}
	if (!fill_header(dec, dec->header_len, in, len, &pos))
		goto more;

	plen = get_le32(dec->header + 2);
	got = dec->have - dec->header_len;
	if (got == 0 && len - pos >= plen) {
		frame->payload = in + pos;
		pos += plen;
	} else {
		if (dec->cap < plen && grow(dec, plen) == -1) {
			*used = pos;
			return fail(dec, GR_TOO_LARGE, in + pos, len - pos);
		}
		n = min_size(plen - got, len - pos);
		memcpy(dec->buf + got, in + pos, n);
		dec->have += n;
		pos += n;
		if (got + n < plen)
			goto more;
		frame->payload = dec->buf;
	}

	frame->flags = dec->header[1];
	frame->stream = dec->header[10];
	frame->noptions = dec->header_len / 4 - GR_HL_MIN;
	for (i = 0; i < frame->noptions; i++)
		frame->options[i] = get_le32(dec->header + GR_HEADER_MIN + 4 * i);
	frame->len = plen;
	dec->have = 0;
	dec->header_len = 0;
	*used = pos;
	return GR_FRAME;
more:
	*used = pos;
	return GR_MORE;
}

const char *
goridge_strstatus(enum goridge_status st)
{
	switch (st) {
	case GR_MORE:
		return "need more bytes";
	case GR_FRAME:
		return "frame";
	case GR_BAD_CRC:
		return "bad CRC";
	case GR_BAD_VERSION:
		return "bad version";
	case GR_BAD_HEADER_LEN:
		return "bad header length";
	case GR_TOO_LARGE:
		return "payload too large";
	case GR_NOT_FOUND:
		return "could not open input file";
	}
	return "unknown status";
}

/*
 * Worker output goes into log lines, where a raw newline or escape
 * sequence would forge or garble entries.  An escape is never cut in half
 * so the return value tells exactly how much of the input is shown.
 */
size_t
goridge_escape(char *out, size_t outlen, const void *in, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t	*p = in;
	char		 e[4];
	size_t		 i, o = 0, n;

	assert(outlen > 0);
	for (i = 0; i < len; i++) {
		n = 2;
		e[0] = '\\';
		switch (p[i]) {
		case '\n':
			e[1] = 'n';
			break;
		case '\r':
			e[1] = 'r';
			break;
		case '\t':
			e[1] = 't';
			break;
		case '\\':
		case '"':
			e[1] = p[i];
			break;
		default:
			if (p[i] >= 0x20 && p[i] < 0x7f) {
				e[0] = p[i];
				n = 1;
			} else {
				e[1] = 'x';
				e[2] = hex[p[i] >> 4];
				e[3] = hex[p[i] & 0x0f];
				n = 4;
			}
		}
		if (outlen - o <= n)
			break;
		memcpy(out + o, e, n);
		o += n;
	}
	out[o] = '\0';
	return i;
}

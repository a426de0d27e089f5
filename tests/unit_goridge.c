/*
 * unit_goridge: the frame codec against the golden frames that the real
 * PHP and Go libraries produced (shared/vectors/goridge.txt), split and
 * corrupted in every way a pipe or a misbehaving worker can manage.
 */
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goridge.h"
#include "tests/unit.h"

#define MAX_VECTORS	64
#define MAX_BYTES	256
#define MAX_FRAMES	4
#define MIB		(1024 * 1024)

struct vector {
	char		 name[64];
	uint8_t		 bytes[MAX_BYTES];
	size_t		 len;
};

/*
 * What each golden frame must decode to, as its description in the file
 * says.  ctx is NULL for frames without options, where body is the whole
 * payload; otherwise option0 must be strlen(ctx).
 */
struct expect {
	const char	*name;
	uint8_t		 flags;
	uint8_t		 stream;
	const char	*ctx;
	const char	*body;
};

static const struct expect expects[] = {
	{ "worker_pid_reply", GR_CONTROL, 0, NULL, "{\"pid\":12345}" },
	{ "worker_respond_ok", 0, 0, "", "OK" },
	{ "worker_respond_hello_ctx", 0, 0, "{\"a\":1}", "hello" },
	{ "worker_error_boom", GR_ERROR, 0, NULL, "boom" },
	{ "worker_respond_empty", 0, 0, "", "" },
	{ "worker_respond_ctx_only", 0, 0, "ctx-only", "" },
	{ "worker_stop_request", 0, 0, "{\"stop\":true}", "" },
	{ "worker_stream_chunk", 0, GR_STREAM, "", "chunk1" },
	{ "worker_stream_last", 0, 0, "", "last" },
	{ "server_pid", GR_CONTROL | GR_CODEC_JSON, 0, NULL,
	    "{\"pid\":1000}" },
	{ "server_ticker_tick0", GR_CODEC_JSON, 0, "{\"lastTick\":0}",
	    "{\"tick\":0}" },
	{ "server_ticker_tick1", GR_CODEC_JSON, 0,
	    "{\"lastTick\":1700000000}", "{\"tick\":1}" },
	{ "server_exec_hello", 0, 0, "", "hello" },
	{ "server_exec_empty", 0, 0, "", "" },
	{ "server_stop", GR_CONTROL | GR_CODEC_JSON, 0, NULL,
	    "{\"stop\":true}" },
	{ "server_stream_stop", 0, GR_STOP, NULL, "" },
	{ "server_pong", 0, GR_PONG, NULL, "" },
};
#define NEXPECTS	(sizeof(expects) / sizeof(expects[0]))

/* A decoded frame that outlives the decoder's payload pointer. */
struct got_frame {
	struct goridge_frame f;
	uint8_t		 payload[MAX_BYTES];
	size_t		 end;		/* stream offset just past the frame */
};

struct result {
	int		 nframes;
	struct got_frame frames[MAX_FRAMES];
	enum goridge_status last;	/* GR_MORE or the error */
	int		 broken;	/* the decoder broke its contract */
	char		 shown[GR_SHOWN_MAX];
};

static struct vector	vectors[MAX_VECTORS];
static size_t		nvectors;

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * RR_VECTORS may name the vectors directory or goridge.txt itself; by
 * default the copy in tests/vectors (t_vectors.sh keeps it in step with
 * shared/vectors).
 */
static FILE *
open_vectors(void)
{
	const char	*env = getenv("RR_VECTORS");
	char		 path[4096];
	struct stat	 sb;

	if (env == NULL || *env == '\0')
		env = "tests/vectors/goridge.txt";
	if (stat(env, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		snprintf(path, sizeof(path), "%s/goridge.txt", env);
		return fopen(path, "r");
	}
	return fopen(env, "r");
}

static int
parse_hex(const char *hex, struct vector *v)
{
	int	 hi, lo;

	for (v->len = 0; hex[2 * v->len] != '\0'; v->len++) {
		hi = hexval(hex[2 * v->len]);
		lo = hi < 0 ? -1 : hexval(hex[2 * v->len + 1]);
		if (lo < 0 || v->len == MAX_BYTES)
			return -1;
		v->bytes[v->len] = hi << 4 | lo;
	}
	return 0;
}

/* Read name<TAB>hex<TAB>description lines; -1 on any malformed line. */
static int
load_vectors(void)
{
	FILE		*fp;
	char		 line[4096], *name, *hex, *tab;
	struct vector	*v;
	int		 rc = 0;

	if ((fp = open_vectors()) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (nvectors == MAX_VECTORS ||
		    (tab = strchr(line, '\t')) == NULL) {
			rc = -1;
			break;
		}
		*tab = '\0';
		name = line;
		hex = tab + 1;
		if ((tab = strchr(hex, '\t')) == NULL) {
			rc = -1;
			break;
		}
		*tab = '\0';
		v = &vectors[nvectors++];
		if (strlen(name) >= sizeof(v->name)) {
			rc = -1;
			break;
		}
		memcpy(v->name, name, strlen(name) + 1);
		if (parse_hex(hex, v) == -1) {
			rc = -1;
			break;
		}
	}
	fclose(fp);
	return rc;
}

static const struct vector *
find_vector(const char *name)
{
	size_t	 i;

	for (i = 0; i < nvectors; i++)
		if (strcmp(vectors[i].name, name) == 0)
			return &vectors[i];
	return NULL;
}

static const struct expect *
find_expect(const char *name)
{
	size_t	 i;

	for (i = 0; i < NEXPECTS; i++)
		if (strcmp(expects[i].name, name) == 0)
			return &expects[i];
	return NULL;
}

/*
 * Feed b to dec in chunks: the first of size first, the others
 * of size rest (0: all that remains), collecting frames until the input
 * is used up or an error comes.  This is how rr's read loop drives it.
 */
static void
decode_with(struct goridge_decoder *dec, const uint8_t *b, size_t n,
    size_t first, size_t rest, struct result *r)
{
	struct goridge_frame	 f;
	struct got_frame	*g;
	size_t			 pos = 0, chunk, off, used;
	enum goridge_status	 st;

	memset(r, 0, sizeof(*r));
	r->last = GR_MORE;
	for (chunk = first; pos < n; chunk = rest) {
		if (chunk == 0 || chunk > n - pos)
			chunk = n - pos;
		for (off = 0; off < chunk; off += used) {
			st = goridge_feed(dec, b + pos + off, chunk - off,
			    &used, &f);
			if (used > chunk - off || (st == GR_MORE &&
			    off + used != chunk) || (st == GR_FRAME &&
			    (used == 0 || r->nframes == MAX_FRAMES ||
			    f.len > MAX_BYTES || f.payload == NULL))) {
				r->broken = 1;
				return;
			}
			if (st == GR_FRAME) {
				g = &r->frames[r->nframes++];
				g->f = f;
				memcpy(g->payload, f.payload, f.len);
				g->f.payload = g->payload;
				g->end = pos + off + used;
			} else if (st != GR_MORE) {
				r->last = st;
				snprintf(r->shown, sizeof(r->shown), "%s",
				    dec->shown);
				return;
			}
		}
		pos += chunk;
	}
}

static void
decode(const uint8_t *b, size_t n, size_t first, size_t rest,
    struct result *r)
{
	struct goridge_decoder	 dec;

	goridge_decoder_init(&dec, MIB);
	decode_with(&dec, b, n, first, rest, r);
	goridge_decoder_free(&dec);
}

static int
frame_eq(const struct goridge_frame *a, const struct goridge_frame *b)
{
	unsigned	 i;

	if (a->flags != b->flags || a->stream != b->stream ||
	    a->noptions != b->noptions || a->len != b->len ||
	    memcmp(a->payload, b->payload, a->len) != 0)
		return 0;
	for (i = 0; i < a->noptions; i++)
		if (a->options[i] != b->options[i])
			return 0;
	return 1;
}

static int
result_eq(const struct result *a, const struct result *b)
{
	int	 i;

	if (a->broken || b->broken || a->nframes != b->nframes ||
	    a->last != b->last)
		return 0;
	for (i = 0; i < a->nframes; i++)
		if (!frame_eq(&a->frames[i].f, &b->frames[i].f) ||
		    a->frames[i].end != b->frames[i].end)
			return 0;
	return 1;
}

/* Does the one frame decoded from v match what its description says? */
static int
matches(const struct expect *e, const struct vector *v, const struct result *r)
{
	const struct goridge_frame *f = &r->frames[0].f;
	size_t	 clen = e->ctx == NULL ? 0 : strlen(e->ctx);
	size_t	 blen = strlen(e->body);

	if (r->broken || r->nframes != 1 || r->last != GR_MORE ||
	    r->frames[0].end != v->len)
		return 0;
	if (f->flags != e->flags || f->stream != e->stream ||
	    f->len != clen + blen || v->len != 12 + 4 * f->noptions + f->len)
		return 0;
	if (e->ctx == NULL)
		return f->noptions == 0 &&
		    memcmp(f->payload, e->body, blen) == 0;
	return f->noptions == 1 && f->options[0] == clen &&
	    memcmp(f->payload, e->ctx, clen) == 0 &&
	    memcmp(f->payload + clen, e->body, blen) == 0;
}

static void
test_vectors_decode(void)
{
	const struct expect	*e;
	const struct vector	*v;
	struct result		 r;
	char			 name[128];
	size_t			 i;

	CHECK("vectors: goridge.txt loads (set RR_VECTORS if elsewhere)",
	    load_vectors() == 0 && nvectors > 0);
	for (i = 0; i < nvectors; i++) {
		v = &vectors[i];
		e = find_expect(v->name);
		decode(v->bytes, v->len, 0, 0, &r);
		snprintf(name, sizeof(name), "decode %.63s: fields as described",
		    v->name);
		CHECK(name, e != NULL && matches(e, v, &r));
	}
	for (i = 0; i < NEXPECTS; i++) {
		snprintf(name, sizeof(name), "vectors: %.63s is in the file",
		    expects[i].name);
		CHECK(name, find_vector(expects[i].name) != NULL);
	}
}

/*
 * The server side must produce the reference bytes exactly: through the
 * verb meant for its kind of frame, and generically through put_header.
 */
static void
test_vectors_encode(void)
{
	const struct expect	*e;
	const struct vector	*v;
	uint8_t			 out[GR_HEADER_MAX + MAX_BYTES];
	uint32_t		 opt;
	size_t			 i, hl, clen, blen;
	char			 name[128];

	for (i = 0; i < nvectors; i++) {
		v = &vectors[i];
		if ((e = find_expect(v->name)) == NULL)
			continue;
		clen = e->ctx == NULL ? 0 : strlen(e->ctx);
		blen = strlen(e->body);
		opt = clen;
		hl = goridge_put_header(out, e->flags, e->stream, &opt,
		    e->ctx != NULL, clen + blen);
		memcpy(out + hl, e->ctx == NULL ? "" : e->ctx, clen);
		memcpy(out + hl + clen, e->body, blen);
		snprintf(name, sizeof(name), "encode %.63s: put_header",
		    v->name);
		CHECK(name, hl + clen + blen == v->len &&
		    memcmp(out, v->bytes, v->len) == 0);

		if (strncmp(v->name, "server_", 7) != 0)
			continue;
		memset(out, 0xaa, sizeof(out));
		if (e->ctx != NULL) {
			hl = goridge_put_data(out, e->flags, clen, blen);
			snprintf(name, sizeof(name),
			    "encode %.63s: put_data", v->name);
		} else if (e->flags == (GR_CONTROL | GR_CODEC_JSON)) {
			hl = goridge_put_control(out, blen);
			snprintf(name, sizeof(name),
			    "encode %.63s: put_control", v->name);
		} else
			continue;
		memcpy(out + hl, e->ctx == NULL ? "" : e->ctx, clen);
		memcpy(out + hl + clen, e->body, blen);
		CHECK(name, hl + clen + blen == v->len &&
		    memcmp(out, v->bytes, v->len) == 0);
	}
}

/* However the pipe splits a frame, the decoder sees the same frame. */
static void
test_vectors_split(void)
{
	const struct vector	*v;
	struct result		 whole, r;
	char			 name[128];
	size_t			 i, k;
	int			 bad;

	for (i = 0; i < nvectors; i++) {
		v = &vectors[i];
		decode(v->bytes, v->len, 0, 0, &whole);
		bad = whole.nframes != 1;
		for (k = 1; k < v->len; k++) {
			decode(v->bytes, v->len, k, 0, &r);
			if (!result_eq(&whole, &r)) {
				printf("# %s split at %zu differs\n",
				    v->name, k);
				bad++;
			}
		}
		snprintf(name, sizeof(name),
		    "split %.63s: two chunks at every offset", v->name);
		CHECK(name, bad == 0);

		decode(v->bytes, v->len, 1, 1, &r);
		snprintf(name, sizeof(name),
		    "split %.63s: one byte at a time", v->name);
		CHECK(name, whole.nframes == 1 && result_eq(&whole, &r));
	}
}

/*
 * What a single flipped bit at byte i, bit j must do.  Bytes 0-9 are
 * checked (version, header length, then the CRC over 0-5 stored in 6-9),
 * so any flip there is caught, and by the first check it breaks.  Bytes
 * 10 onwards are not checked: the frame comes through with that bit
 * flipped in the matching field, and the same length.
 */
static enum goridge_status
flip_verdict(const uint8_t *b, size_t i, int j)
{
	unsigned	 hl;

	if (i == 0 && j >= 4)
		return GR_BAD_VERSION;
	if (i == 0) {
		hl = (b[0] & 0x0f) ^ (1u << j);
		return hl >= 3 && hl <= 13 ? GR_BAD_CRC : GR_BAD_HEADER_LEN;
	}
	if (i < 10)
		return GR_BAD_CRC;
	return GR_FRAME;
}

/* The frame that v with byte i's bit j flipped decodes to. */
static void
flip_frame(const struct goridge_frame *orig, uint8_t *payload, size_t i,
    int j, struct goridge_frame *want)
{
	size_t	 hl = 12 + 4 * orig->noptions;

	*want = *orig;
	memcpy(payload, orig->payload, orig->len);
	want->payload = payload;
	if (i == 10)
		want->stream ^= 1u << j;
	else if (i >= 12 && i < hl)
		want->options[(i - 12) / 4] ^= 1u << (j + 8 * ((i - 12) % 4));
	else if (i >= hl)
		payload[i - hl] ^= 1u << j;
}

static void
test_vectors_bitflip(void)
{
	const struct vector	*v;
	struct result		 orig, r, r1;
	struct goridge_frame	 want;
	enum goridge_status	 verdict;
	uint8_t			 b[MAX_BYTES], payload[MAX_BYTES];
	char			 name[128];
	size_t			 i, k;
	int			 j, bad;

	for (i = 0; i < nvectors; i++) {
		v = &vectors[i];
		decode(v->bytes, v->len, 0, 0, &orig);
		bad = orig.nframes != 1;
		for (k = 0; k < v->len && !bad; k++) {
			for (j = 0; j < 8; j++) {
				memcpy(b, v->bytes, v->len);
				b[k] ^= 1u << j;
				decode(b, v->len, 0, 0, &r);
				decode(b, v->len, 1, 1, &r1);
				verdict = flip_verdict(v->bytes, k, j);
				if (verdict == GR_FRAME) {
					flip_frame(&orig.frames[0].f, payload,
					    k, j, &want);
					if (!r.broken && r.nframes == 1 &&
					    r.last == GR_MORE &&
					    r.frames[0].end == v->len &&
					    frame_eq(&r.frames[0].f, &want) &&
					    result_eq(&r, &r1))
						continue;
				} else if (!r.broken && r.nframes == 0 &&
				    r.last == verdict && result_eq(&r, &r1))
					continue;
				printf("# %s byte %zu bit %d: got %s, want %s\n",
				    v->name, k, j, r.nframes ? "frame" :
				    goridge_strstatus(r.last),
				    goridge_strstatus(verdict));
				bad++;
			}
		}
		snprintf(name, sizeof(name),
		    "bitflip %.63s: every bit of every byte", v->name);
		CHECK(name, bad == 0);
	}
}

/* Build a 12-byte header with a correct CRC claiming len payload bytes. */
static void
claim(uint8_t h[12], uint32_t len)
{
	goridge_put_header(h, 0, 0, NULL, 0, len);
}

static void
test_too_large(void)
{
	struct goridge_decoder	 dec;
	struct goridge_frame	 f;
	struct result		 r;
	uint8_t			 h[12 + 17];
	char			 shown[GR_SHOWN_MAX];
	size_t			 used;
	enum goridge_status	 st;

	goridge_decoder_init(&dec, MIB);
	claim(h, 0xffffffff);
	st = goridge_feed(&dec, h, 12, &used, &f);
	CHECK("too large: 4 GiB claim with 1 MiB cap refused",
	    st == GR_TOO_LARGE);
	CHECK("too large: nothing allocated", dec.buf == NULL && dec.cap == 0);
	st = goridge_feed(&dec, h, 12, &used, &f);
	CHECK("too large: error is sticky and takes nothing",
	    st == GR_TOO_LARGE && used == 0);
	CHECK_STR("too large: strstatus", goridge_strstatus(st),
	    "payload too large");
	snprintf(shown, sizeof(shown), "%s", dec.shown);
	st = goridge_feed(&dec, (const uint8_t *)"more", 4, &used, &f);
	CHECK_STR("too large: later input does not change shown", dec.shown,
	    shown);
	goridge_decoder_free(&dec);

	memset(h + 12, 'x', 17);
	goridge_decoder_init(&dec, 16);
	claim(h, 16);
	decode_with(&dec, h, 12 + 16, 0, 0, &r);
	CHECK("too large: payload of exactly the cap passes",
	    r.nframes == 1 && r.frames[0].f.len == 16);
	goridge_decoder_reset(&dec);
	claim(h, 17);
	decode_with(&dec, h, 12 + 17, 1, 1, &r);
	CHECK("too large: cap + 1 refused, even byte by byte",
	    r.nframes == 0 && r.last == GR_TOO_LARGE && dec.buf == NULL);
	goridge_decoder_free(&dec);
}

/* Set byte 0 to version 1 with header length hl, and fix the CRC. */
static void
set_hl(uint8_t h[12], unsigned hl)
{
	uint32_t	 crc;

	h[0] = 0x10 | hl;
	crc = goridge_crc32(h, 6);
	h[6] = crc & 0xff;
	h[7] = (crc >> 8) & 0xff;
	h[8] = (crc >> 16) & 0xff;
	h[9] = (crc >> 24) & 0xff;
}

/* Go allows 10 options at most, so HL 13; 0-2 and 14-15 are refused. */
static void
test_header_len(void)
{
	uint32_t	 opts[GR_OPTIONS_MAX];
	uint8_t		 b[GR_HEADER_MAX + 3];
	struct result	 r;
	unsigned	 i, hl;
	size_t		 n;
	int		 bad = 0;

	for (i = 0; i < GR_OPTIONS_MAX; i++)
		opts[i] = 0x01020304 * (i + 1);
	n = goridge_put_header(b, GR_CODEC_RAW, GR_STREAM, opts,
	    GR_OPTIONS_MAX, 3);
	memcpy(b + n, "abc", 3);
	CHECK("header length: 10 options make a 52-byte header",
	    n == GR_HEADER_MAX && b[0] == 0x1d);
	decode(b, n + 3, 1, 1, &r);
	CHECK("header length: 10 options decode", !r.broken &&
	    r.nframes == 1 && r.frames[0].f.noptions == GR_OPTIONS_MAX &&
	    memcmp(r.frames[0].f.options, opts, sizeof(opts)) == 0 &&
	    r.frames[0].f.len == 3 && r.frames[0].end == n + 3 &&
	    memcmp(r.frames[0].payload, "abc", 3) == 0);
	for (hl = 0; hl < 16; hl++) {
		if (hl >= 3 && hl <= 13)
			continue;
		set_hl(b, hl);
		decode(b, n + 3, 0, 0, &r);
		bad += r.broken || r.nframes != 0 ||
		    r.last != GR_BAD_HEADER_LEN;
	}
	CHECK("header length: 0-2 and 14-15 words refused, CRC correct",
	    bad == 0);
}

static void
test_back_to_back(void)
{
	const struct vector	*a = find_vector("server_ticker_tick0");
	const struct vector	*b = find_vector("worker_respond_hello_ctx");
	static const char	 garbage[] = "garbage after the frame";
	uint8_t			 buf[2 * MAX_BYTES + sizeof(garbage)];
	struct result		 r, r1;

	if (a == NULL || b == NULL) {
		CHECK("back to back: vectors present", 0);
		return;
	}
	memcpy(buf, a->bytes, a->len);
	memcpy(buf + a->len, b->bytes, b->len);
	decode(buf, a->len + b->len, 0, 0, &r);
	CHECK("back to back: two frames in one chunk both come out",
	    r.nframes == 2 && r.last == GR_MORE &&
	    r.frames[0].end == a->len &&
	    r.frames[1].end == a->len + b->len &&
	    r.frames[0].f.len == 24 && r.frames[1].f.len == 12 &&
	    memcmp(r.frames[1].payload, "{\"a\":1}hello", 12) == 0);
	decode(buf, a->len + b->len, 1, 1, &r1);
	CHECK("back to back: same one byte at a time", result_eq(&r, &r1));

	memcpy(buf + a->len, garbage, sizeof(garbage) - 1);
	decode(buf, a->len + sizeof(garbage) - 1, 0, 0, &r);
	CHECK("frame then garbage: the frame, then bad version",
	    r.nframes == 1 && r.frames[0].end == a->len &&
	    r.last == GR_BAD_VERSION);
	CHECK("frame then garbage: shown has the garbage",
	    strstr(r.shown, "garbage after the frame") != NULL);
}

/* A worker's stray stdout must end up readable in rr's log. */
static void
test_stray_output(void)
{
	static const char	 nf[] = "Could not open input file: app.php\n";
	static const char	 warn[] =
	    "warning: some weird php error\n";
	const struct vector	*v = find_vector("server_pid");
	uint8_t			 buf[64 + MAX_BYTES];
	struct result		 r;
	size_t			 n;

	decode((const uint8_t *)nf, sizeof(nf) - 1, 0, 0, &r);
	CHECK("not found: php-cli's complaint is GR_NOT_FOUND",
	    r.nframes == 0 && r.last == GR_NOT_FOUND);
	CHECK("not found: shown has the message",
	    strstr(r.shown, "Could not open input file: app.php") != NULL);
	CHECK_STR("not found: shown escapes the newline", r.shown,
	    "Could not open input file: app.php\\n");
	decode((const uint8_t *)nf, sizeof(nf) - 1, 1, 1, &r);
	CHECK("not found: also one byte at a time",
	    r.nframes == 0 && r.last == GR_NOT_FOUND);

	if (v == NULL) {
		CHECK("stray echo: server_pid vector present", 0);
		return;
	}
	n = strlen("hello world!");
	memcpy(buf, "hello world!", n);
	memcpy(buf + n, v->bytes, v->len);
	decode(buf, n + v->len, 0, 0, &r);
	CHECK("stray echo: hello world! before a frame is an error",
	    r.nframes == 0 && r.last == GR_BAD_VERSION);
	CHECK("stray echo: shown has hello world!",
	    strstr(r.shown, "hello world!") != NULL);

	n = strlen("hello world\n");
	memcpy(buf, "hello world\n", n);
	memcpy(buf + n, v->bytes, v->len);
	decode(buf, n + v->len, 0, 0, &r);
	CHECK_STR("stray echo: shown has hello world\\n, then the frame",
	    r.shown, "hello world\\n\\x13\\t\\x0c\\x00\\x00\\x00_\\x0cFs"
	    "\\x00\\x00{\\\"pid\\\":1000}");

	decode((const uint8_t *)warn, sizeof(warn) - 1, 0, 0, &r);
	CHECK("stray warning: shown has the whole warning",
	    r.last == GR_BAD_VERSION &&
	    strcmp(r.shown, "warning: some weird php error\\n") == 0);
}

static void
test_crc(void)
{
	uint8_t	 zero[4] = { 0 };

	CHECK("crc32: check value of 123456789",
	    goridge_crc32("123456789", 9) == 0xcbf43926);
	CHECK("crc32: empty input", goridge_crc32("", 0) == 0);
	CHECK("crc32: four zero bytes", goridge_crc32(zero, 4) == 0x2144df1c);
}

/* Steady state: same-sized frames reuse one buffer, never reallocated. */
static void
test_buffer_reuse(void)
{
	struct goridge_decoder	 dec;
	struct result		 r;
	uint8_t			 frame[16 + 200];
	const uint8_t		*buf;
	size_t			 cap, hl;
	int			 i, bad = 0;

	memset(frame, 'p', sizeof(frame));
	goridge_decoder_init(&dec, MIB);
	hl = goridge_put_data(frame, 0, 0, 100);
	decode_with(&dec, frame, hl + 100, 20, 0, &r);
	buf = dec.buf;
	cap = dec.cap;
	CHECK("reuse: a split payload is buffered at its size",
	    r.nframes == 1 && buf != NULL && cap == 100);
	for (i = 0; i < 1000; i++) {
		decode_with(&dec, frame, hl + 100, 7 + i % 13, 5, &r);
		if (r.nframes != 1 || dec.buf != buf || dec.cap != cap)
			bad++;
	}
	CHECK("reuse: 1000 frames of the same size, no realloc", bad == 0);

	hl = goridge_put_data(frame, 0, 0, 200);
	decode_with(&dec, frame, hl + 200, 1, 1, &r);
	CHECK("reuse: a larger frame grows the buffer to its size",
	    r.nframes == 1 && dec.cap == 200);
	hl = goridge_put_data(frame, 0, 0, 100);
	decode_with(&dec, frame, hl + 100, 1, 1, &r);
	CHECK("reuse: a smaller frame keeps it",
	    r.nframes == 1 && dec.cap == 200);
	goridge_decoder_free(&dec);
	CHECK("reuse: free releases it", dec.buf == NULL && dec.cap == 0);

	goridge_decoder_init(&dec, MIB);
	hl = goridge_put_data(frame, 0, 0, 100);
	decode_with(&dec, frame, hl + 100, 0, 0, &r);
	CHECK("in place: a frame whole in one chunk needs no buffer",
	    r.nframes == 1 && dec.buf == NULL);
	hl = goridge_put_data(frame, 0, 0, 0);
	decode_with(&dec, frame, hl, 1, 1, &r);
	CHECK("in place: an empty frame fed bytewise needs no buffer",
	    r.nframes == 1 && r.frames[0].f.len == 0 && dec.buf == NULL);
	goridge_decoder_free(&dec);
}

static void
test_reset(void)
{
	const struct vector	*v = find_vector("server_exec_hello");
	struct goridge_decoder	 dec;
	struct result		 r;

	if (v == NULL) {
		CHECK("reset: vector present", 0);
		return;
	}
	goridge_decoder_init(&dec, MIB);
	decode_with(&dec, (const uint8_t *)"hello world!", 12, 0, 0, &r);
	decode_with(&dec, v->bytes, v->len, 0, 0, &r);
	CHECK("reset: an error stays until reset",
	    r.nframes == 0 && r.last == GR_BAD_VERSION);
	goridge_decoder_reset(&dec);
	CHECK("reset: clears shown", dec.shown[0] == '\0');
	decode_with(&dec, v->bytes, v->len, 3, 0, &r);
	CHECK("reset: frames decode again",
	    r.nframes == 1 && r.frames[0].f.len == 5);
	goridge_decoder_free(&dec);
}

static void
test_escape(void)
{
	static const uint8_t	 raw[] = "a\n\r\t\\\"\x01\xff~";
	char			 out[64];
	size_t			 n;

	n = goridge_escape(out, sizeof(out), raw, sizeof(raw) - 1);
	CHECK_STR("escape: every class of byte", out,
	    "a\\n\\r\\t\\\\\\\"\\x01\\xff~");
	CHECK("escape: all input fits", n == sizeof(raw) - 1);
	n = goridge_escape(out, 5, raw, sizeof(raw) - 1);
	CHECK("escape: an escape is never cut", n == 2 &&
	    strcmp(out, "a\\n") == 0);
	n = goridge_escape(out, 1, raw, sizeof(raw) - 1);
	CHECK("escape: room for the NUL only", n == 0 && out[0] == '\0');
}

static void
test_strstatus(void)
{
	CHECK_STR("strstatus: more", goridge_strstatus(GR_MORE),
	    "need more bytes");
	CHECK_STR("strstatus: frame", goridge_strstatus(GR_FRAME), "frame");
	CHECK_STR("strstatus: crc", goridge_strstatus(GR_BAD_CRC), "bad CRC");
	CHECK_STR("strstatus: version", goridge_strstatus(GR_BAD_VERSION),
	    "bad version");
	CHECK_STR("strstatus: header length",
	    goridge_strstatus(GR_BAD_HEADER_LEN), "bad header length");
	CHECK_STR("strstatus: not found", goridge_strstatus(GR_NOT_FOUND),
	    "could not open input file");
}

int
main(void)
{
	test_vectors_decode();
	test_vectors_encode();
	test_vectors_split();
	test_vectors_bitflip();
	test_header_len();
	test_too_large();
	test_back_to_back();
	test_stray_output();
	test_crc();
	test_buffer_reuse();
	test_reset();
	test_escape();
	test_strstatus();
	return unit_failed;
}

/*
 * goridge: the Goridge v3 frame codec (wire format "version 1"), see
 * shared/PROTOCOL.md.  Pure byte work: no fds, no logging, no clocks.
 *
 * Encoding writes the header and options into a caller's buffer so that a
 * frame leaves in one writev() together with its payload.  Decoding is
 * incremental: feed it whatever read() returned and it yields whole frames,
 * after validating the header before it allocates or waits for a payload.
 */
#ifndef RR_GORIDGE_H
#define RR_GORIDGE_H

#include <stddef.h>
#include <stdint.h>

/* byte 1: flags */
#define GR_CONTROL	0x01
#define GR_CODEC_RAW	0x04
#define GR_CODEC_JSON	0x08
#define GR_CODEC_MSGPACK 0x10
#define GR_CODEC_GOB	0x20
#define GR_ERROR	0x40
#define GR_CODEC_PROTO	0x80

/* byte 10: stream flags */
#define GR_STREAM	0x01
#define GR_STOP		0x02
#define GR_PING		0x04
#define GR_PONG		0x08

#define GR_HEADER_MIN	12
#define GR_OPTIONS_MAX	10
#define GR_HEADER_MAX	(GR_HEADER_MIN + 4 * GR_OPTIONS_MAX)
#define GR_SHOWN_MAX	160	/* printable copy of offending bytes */

struct goridge_frame {
	uint8_t		 flags;
	uint8_t		 stream;
	unsigned	 noptions;
	uint32_t	 options[GR_OPTIONS_MAX];
	uint32_t	 len;
	/*
	 * Valid until the next goridge_feed() and while the input buffer is
	 * unchanged: a payload that arrived whole in one input points into it.
	 */
	const uint8_t	*payload;
};

enum goridge_status {
	GR_MORE = 0,		/* consumed everything, no complete frame yet */
	GR_FRAME,		/* *frame is filled in */
	GR_BAD_CRC,
	GR_BAD_VERSION,
	GR_BAD_HEADER_LEN,
	GR_TOO_LARGE,
	GR_NOT_FOUND		/* "Could not open input file" on stdout */
};

struct goridge_decoder {
	uint32_t	 max_payload;
	uint8_t		 header[GR_HEADER_MAX];
	size_t		 have;		/* bytes of header+options+payload so far */
	size_t		 header_len;	/* 0 until the first 12 bytes are in */
	uint8_t		*buf;		/* payload, grown to the largest seen */
	size_t		 cap;
	enum goridge_status failed;	/* sticky once an error was returned */
	char		 shown[GR_SHOWN_MAX];	/* offending bytes, escaped */
};

/* Crc32 (IEEE, as zlib and PHP's crc32()). */
uint32_t	goridge_crc32(const void *, size_t);

/*
 * Write a frame header with the given options into out (GR_HEADER_MAX
 * bytes suffice) and return its length: 12 + 4 * nopts.  payload_len is the
 * length of what follows the options.  nopts must be <= GR_OPTIONS_MAX.
 */
size_t		goridge_put_header(uint8_t *out, uint8_t flags, uint8_t stream,
		    const uint32_t *opts, unsigned nopts, uint32_t payload_len);

/*
 * A data frame's header: one option, the context length (16 bytes).  The
 * payload is ctx_len + body_len bytes, which must fit in 32 bits.
 */
size_t		goridge_put_data(uint8_t out[16], uint8_t flags,
		    uint32_t ctx_len, uint32_t body_len);

/* A control frame's header: flags CONTROL|CODEC_JSON, no options (12). */
size_t		goridge_put_control(uint8_t out[12], uint32_t payload_len);

/* Frames larger than max_payload bytes are refused before allocating. */
void		goridge_decoder_init(struct goridge_decoder *, uint32_t max_payload);
void		goridge_decoder_reset(struct goridge_decoder *);
void		goridge_decoder_free(struct goridge_decoder *);

/*
 * Consume bytes from in[0..len), set *used to how many were taken.  Returns
 * GR_FRAME as soon as one frame is complete (call again with the rest),
 * GR_MORE when all input was taken, or an error.  Errors are sticky until
 * goridge_decoder_reset() (later calls take nothing and return it again);
 * dec->shown then holds the offending bytes (the header, options and what
 * followed in this input) in printable form.
 * Memory exhaustion while growing the buffer is reported as GR_TOO_LARGE
 * with errno set to ENOMEM.
 */
enum goridge_status goridge_feed(struct goridge_decoder *, const uint8_t *in,
		    size_t len, size_t *used, struct goridge_frame *);

/* A short human phrase for a status: "bad CRC", "payload too large", ... */
const char	*goridge_strstatus(enum goridge_status);

/*
 * Escape bytes for a log line: printable ASCII as is, \n \r \t \\ \" as
 * two-character escapes, everything else (including bytes >= 0x80) as \xNN.
 * Always NUL-terminates out (outlen > 0) and returns the number of input
 * bytes that fit.
 */
size_t		goridge_escape(char *out, size_t outlen, const void *in, size_t len);

#endif

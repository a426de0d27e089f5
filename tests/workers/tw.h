/*
 * tw: a tiny blocking Goridge v1 frame reader/writer for test workers.
 * Written apart from rr's goridge.c on purpose, so that each checks the
 * other.  See shared/PROTOCOL.md section 1 for the layout.
 *
 * Reading has read-full semantics on a blocking fd.  Writing puts a whole
 * frame in one buffer and hands it to one write().
 */
#ifndef TW_H
#define TW_H

#include <stddef.h>
#include <stdint.h>

#define TW_CONTROL	0x01
#define TW_JSON		0x08
#define TW_ERROR	0x40
#define TW_MAX_OPTIONS	10

struct tw_frame {
	uint8_t		 flags;		/* byte 1 */
	uint8_t		 stream;	/* byte 10 */
	unsigned	 nopt;
	uint32_t	 opt[TW_MAX_OPTIONS];
	uint32_t	 len;
	unsigned char	*payload;	/* malloc'd, len + 1 bytes, NUL added */
};

/* Headers whose 12 bytes did not come in one read() (PHP would die). */
extern unsigned long tw_split_headers;

/* CRC32 IEEE (zlib, PHP crc32()) of n bytes. */
uint32_t tw_crc32(const void *, size_t);
void	 tw_put32(unsigned char *, uint32_t);	/* little-endian */

/*
 * Read one frame from fd.  1: a frame (free f->payload); 0: EOF before
 * the first byte; -1: error, with a reason in err (EOF inside a frame,
 * bad version, header length, CRC, read error).
 */
int	tw_read(int fd, struct tw_frame *f, char *err, size_t errlen);

/*
 * Write one frame: flags, nopt options, payload = a (na bytes) followed
 * by b (nb bytes).  crc_xor is XORed into the CRC (0 for a good frame).
 * Returns 0, or -1 with errno set.
 */
int	tw_write(int fd, uint8_t flags, const uint32_t *opt, unsigned nopt,
	    const void *a, size_t na, const void *b, size_t nb,
	    uint32_t crc_xor);

/*
 * Where frames go, from RR_RELAY: pipes (0 and 1), or a connection to
 * tcp://host:port or unix://path, made as the PHP library's SocketRelay
 * makes it.  -1 with a message on stderr when it cannot connect.
 */
int	 tw_relay(int *in, int *out);

#endif

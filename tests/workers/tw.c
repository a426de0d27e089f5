/*
 * tw: see tw.h.  Deliberately plain: bitwise CRC, read-full loops, one
 * malloc per frame.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tw.h"

#define TW_HEADER	12
#define TW_PAYLOAD_CAP	(64u << 20)

unsigned long tw_split_headers;

uint32_t
tw_crc32(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint32_t c = 0xffffffffu;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		c ^= s[i];
		for (k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
	}
	return c ^ 0xffffffffu;
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

void
tw_put32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8 & 0xff;
	p[2] = v >> 16 & 0xff;
	p[3] = v >> 24 & 0xff;
}

/* Read exactly n bytes; returns the count read (< n only at EOF), or -1. */
static ssize_t
read_full(int fd, unsigned char *p, size_t n, int *reads)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = read(fd, p + got, n - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
		(*reads)++;
	}
	return (ssize_t)got;
}

int
tw_read(int fd, struct tw_frame *f, char *err, size_t errlen)
{
	unsigned char h[TW_HEADER + 4 * TW_MAX_OPTIONS];
	unsigned hl, i;
	ssize_t r;
	int reads = 0;

	memset(f, 0, sizeof *f);
	r = read_full(fd, h, TW_HEADER, &reads);
	if (r == 0)
		return 0;
	if (r < 0) {
		snprintf(err, errlen, "read: %s", strerror(errno));
		return -1;
	}
	if (r < TW_HEADER) {
		snprintf(err, errlen, "EOF inside a header (%zd bytes)", r);
		return -1;
	}
	if (reads > 1)
		tw_split_headers++;
	if (h[0] >> 4 != 1) {
		snprintf(err, errlen, "bad version %u", h[0] >> 4);
		return -1;
	}
	hl = h[0] & 0x0f;
	if (hl < 3 || hl > 3 + TW_MAX_OPTIONS) {
		snprintf(err, errlen, "bad header length %u words", hl);
		return -1;
	}
	if (tw_crc32(h, 6) != get32(h + 6)) {
		snprintf(err, errlen, "bad CRC: got %08x, computed %08x",
		    get32(h + 6), tw_crc32(h, 6));
		return -1;
	}
	f->flags = h[1];
	f->len = get32(h + 2);
	f->stream = h[10];
	f->nopt = hl - 3;
	if (f->len > TW_PAYLOAD_CAP) {
		snprintf(err, errlen, "payload of %u bytes", f->len);
		return -1;
	}
	if (f->nopt > 0 &&
	    read_full(fd, h + TW_HEADER, 4 * f->nopt, &reads) !=
	    (ssize_t)(4 * f->nopt)) {
		snprintf(err, errlen, "EOF inside the options");
		return -1;
	}
	for (i = 0; i < f->nopt; i++)
		f->opt[i] = get32(h + TW_HEADER + 4 * i);
	if ((f->payload = malloc((size_t)f->len + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (read_full(fd, f->payload, f->len, &reads) != (ssize_t)f->len) {
		snprintf(err, errlen, "EOF inside a payload of %u bytes",
		    f->len);
		free(f->payload);
		f->payload = NULL;
		return -1;
	}
	f->payload[f->len] = '\0';
	return 1;
}

int
tw_write(int fd, uint8_t flags, const uint32_t *opt, unsigned nopt,
    const void *a, size_t na, const void *b, size_t nb, uint32_t crc_xor)
{
	size_t hlen = TW_HEADER + 4 * (size_t)nopt, n = hlen + na + nb, off;
	unsigned char *buf;
	unsigned i;
	ssize_t w;

	if (nopt > TW_MAX_OPTIONS || na + nb > 0xffffffffu) {
		errno = EINVAL;
		return -1;
	}
	if ((buf = calloc(1, n)) == NULL)
		return -1;
	buf[0] = (unsigned char)(1 << 4 | (3 + nopt));
	buf[1] = flags;
	tw_put32(buf + 2, (uint32_t)(na + nb));
	tw_put32(buf + 6, tw_crc32(buf, 6) ^ crc_xor);
	for (i = 0; i < nopt; i++)
		tw_put32(buf + TW_HEADER + 4 * i, opt[i]);
	if (na > 0)
		memcpy(buf + hlen, a, na);
	if (nb > 0)
		memcpy(buf + hlen + na, b, nb);
	/* One write(); a pipe only splits it beyond PIPE_BUF. */
	for (off = 0; off < n; off += (size_t)w) {
		w = write(fd, buf + off, n - off);
		if (w == -1 && errno == EINTR)
			w = 0;
		else if (w == -1) {
			free(buf);
			return -1;
		}
	}
	free(buf);
	return 0;
}

int
tw_relay(int *in, int *out)
{
	const char *relay = getenv("RR_RELAY");
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char host[256], *colon;
	int fd = -1, tries;

	if (relay == NULL || strcmp(relay, "pipes") == 0)
		return 0;
	if (strncmp(relay, "unix://", 7) == 0) {
		snprintf(sun.sun_path, sizeof sun.sun_path, "%s", relay + 7);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		for (tries = 0; fd != -1 && tries < 10; tries++, usleep(1000))
			if (connect(fd, (struct sockaddr *)&sun,
			    sizeof sun) == 0)
				break;
	} else if (strncmp(relay, "tcp://", 6) == 0) {
		snprintf(host, sizeof host, "%s", relay + 6);
		if ((colon = strrchr(host, ':')) == NULL)
			goto bad;
		*colon = '\0';
		if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
			goto bad;
		fd = socket(res->ai_family, SOCK_STREAM, 0);
		for (tries = 0; fd != -1 && tries < 10; tries++, usleep(1000))
			if (connect(fd, res->ai_addr, res->ai_addrlen) == 0)
				break;
		freeaddrinfo(res);
	}
	if (fd == -1 || tries == 10)
		goto bad;
	*in = *out = fd;
	return 0;
bad:
	fprintf(stderr, "tworker: cannot connect to RR_RELAY=%s: %s\n", relay,
	    strerror(errno));
	return -1;
}

/*
 * buf: see buf.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"

static bool
grow(struct buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->failed)
		return false;
	if (b->len + n <= b->cap)
		return true;
	for (cap = b->cap ? b->cap : 4096; cap < b->len + n; cap *= 2)
		;
	if ((p = realloc(b->data, cap)) == NULL) {
		b->failed = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void
buf_put(struct buf *b, const void *s, size_t n)
{
	if (n == 0 || !grow(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		buf_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n :
		    sizeof tmp - 1);
}

/* Two digits a division: a scrape with 100 workers is mostly numbers. */
char *
buf_digits(char *p, uint64_t v)
{
	static const char pairs[] =
	    "00010203040506070809101112131415161718192021222324252627282930"
	    "31323334353637383940414243444546474849505152535455565758596061"
	    "62636465666768697071727374757677787980818283848586878889909192"
	    "93949596979899";
	char d[20];
	size_t n = sizeof d;

	for (; v >= 100; v /= 100) {
		n -= 2;
		memcpy(d + n, pairs + 2 * (v % 100), 2);
	}
	if (v >= 10) {
		n -= 2;
		memcpy(d + n, pairs + 2 * v, 2);
	} else
		d[--n] = (char)('0' + v);
	memcpy(p, d + n, sizeof d - n);
	return p + sizeof d - n;
}

void
buf_put_u64(struct buf *b, uint64_t v)
{
	char *p;

	if ((p = buf_room(b, 20)) != NULL)
		buf_wrote(b, buf_digits(p, v));
}

char *
buf_room(struct buf *b, size_t n)
{
	return grow(b, n) ? b->data + b->len : NULL;
}

void
buf_wrote(struct buf *b, const char *end)
{
	b->len = (size_t)(end - b->data);
}

void
buf_json_string(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char esc[6] = "\\u00";
	size_t i, start = 0;

	buf_put(b, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_put(b, s + start, i - start);
		start = i + 1;
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			buf_put(b, esc, 2);
			esc[1] = 'u';
		} else {
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			buf_put(b, esc, 6);
		}
	}
	buf_put(b, s + start, n - start);
	buf_put(b, "\"", 1);
}

void
buf_park(struct buf *b, const struct iovec *iov, int n, size_t skip)
{
	size_t len;
	int i;

	for (i = 0; i < n; i++) {
		len = iov[i].iov_len;
		if (skip >= len) {
			skip -= len;
			continue;
		}
		buf_put(b, (const char *)iov[i].iov_base + skip, len - skip);
		skip = 0;
	}
}

int
buf_flush(struct buf *b, int fd)
{
	ssize_t n;

	while (buf_pending(b) > 0) {
		n = write(fd, b->data + b->off, buf_pending(b));
		if (n == -1)
			return errno == EAGAIN ? 1 : -1;
		b->off += (size_t)n;
	}
	buf_reset(b);
	return 0;
}

size_t
buf_pending(const struct buf *b)
{
	return b->len - b->off;
}

void
buf_reset(struct buf *b)
{
	b->len = b->off = 0;
	b->failed = false;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

/*
 * buf: a growable byte buffer, for replies being built and for output a
 * socket or pipe did not take yet.  It grows by doubling and is kept for
 * reuse, so in the steady state nothing is allocated.  Appending never
 * fails loudly: a failed allocation sets `failed`, and the owner checks
 * it once the whole thing is built.
 */
#ifndef RR_BUF_H
#define RR_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct buf {
	char		*data;
	size_t		 len;		/* bytes in it */
	size_t		 off;		/* bytes already sent, for output */
	size_t		 cap;
	bool		 failed;	/* an allocation failed */
};

void	buf_put(struct buf *, const void *, size_t);
void	buf_puts(struct buf *, const char *);
void	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	buf_put_u64(struct buf *, uint64_t);	/* digits, no printf */

/* Room for n more bytes at the end (NULL once an allocation failed): a
 * line is written there in place, then buf_wrote() with where it ends. */
char	*buf_room(struct buf *, size_t n);
void	 buf_wrote(struct buf *, const char *end);

/* Text built in place: a string literal, and the digits of v, each
 * returning where the text now ends. */
#define BUF_LIT(p, s)	(memcpy((p), (s), sizeof(s) - 1), (p) + sizeof(s) - 1)
char	*buf_digits(char *p, uint64_t v);
void	buf_json_string(struct buf *, const char *, size_t);

/* Append what is left of iov once skip bytes of it were sent. */
void	buf_park(struct buf *, const struct iovec *, int n, size_t skip);

/* Write what is pending to a non-blocking fd: 0 once all of it is out
 * (the buffer is then empty), 1 when the fd is full, -1 on an error. */
int	buf_flush(struct buf *, int fd);

/* Bytes not sent yet; and emptying it once they all are. */
size_t	buf_pending(const struct buf *);
void	buf_reset(struct buf *);
void	buf_free(struct buf *);

#endif

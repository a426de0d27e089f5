/*
 * redis: a small RESP2 client inside the loop, the transport for fleet
 * coordination (SET NX PX, INCR, EVAL, GET).  It knows commands and
 * replies, never what they mean.
 *
 * One connection, non-blocking from connect to close, with buffers kept
 * for its life: commands are pipelined, and their callbacks wait in a
 * ring of REDIS_PENDING_MAX, so a slow Redis costs a bounded ring and
 * refused commands, never rr's memory or time.  Every connection sends
 * AUTH (with a password), then SELECT (db other than 0), or else PING:
 * commands are taken only once Redis has answered.  A connection that
 * goes (EOF, an error, a bad reply, a command unanswered for the
 * timeout) fails every pending callback with REDIS_FAILED and is tried
 * again after a back-off, 100 ms doubling to 5 s.
 *
 * Replies are parsed as hostile input: a reply is at most REDIS_IN_SIZE
 * bytes (the input buffer, allocated once: only the pages replies reach
 * are ever resident), a bulk string at most REDIS_BULK_MAX, a line at most
 * REDIS_LINE_MAX, a reply's array elements at most REDIS_ELEMENTS_MAX in
 * all, nested at most REDIS_DEPTH_MAX deep; anything else closes the
 * connection with a log line.
 *
 * Times are CLOCK_MONOTONIC nanoseconds, the clock rr passes as now.
 * Writing to a peer that is gone raises SIGPIPE: rr ignores it.
 */
#ifndef RR_REDIS_H
#define RR_REDIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "listen.h"

#define REDIS_PENDING_MAX	1024	/* commands in flight */
#define REDIS_ELEMENTS_MAX	1024	/* array elements in one reply */
#define REDIS_DEPTH_MAX		8	/* arrays in arrays */
#define REDIS_BULK_MAX		1048576	/* bytes of one bulk string */
#define REDIS_LINE_MAX		8192	/* a status, an error, a header */
#define REDIS_IN_SIZE		(2 * REDIS_BULK_MAX)	/* one whole reply */

enum redis_type {
	REDIS_STATUS,		/* +OK */
	REDIS_ERROR,		/* -ERR ... */
	REDIS_INTEGER,		/* :1 */
	REDIS_BULK,		/* $1 x */
	REDIS_NIL,		/* $-1 and *-1 */
	REDIS_ARRAY,		/* *n */
	REDIS_FAILED		/* no reply: the outcome is unknown */
};

/*
 * A reply: str for STATUS, ERROR, BULK and (why) FAILED, not
 * NUL-terminated; element[0..elements) for ARRAY.  It points into the
 * client's buffers: valid only during the callback.
 */
struct redis_reply {
	enum redis_type	 type;
	long long	 integer;
	const char	*str;
	size_t		 len;
	const struct redis_reply *element;
	size_t		 elements;
};

/* Where a reply's array elements go: every parse starts it afresh. */
struct redis_arena {
	struct redis_reply el[REDIS_ELEMENTS_MAX];
	size_t		 n;
};

typedef void redis_reply_fn(void *arg, const struct redis_reply *);

/* The strings must outlive the client; NULL username or password: none. */
struct redis_config {
	const char	*name;		/* for log lines */
	const char	*address;	/* tcp://host:port or unix:///path */
	const char	*username;
	const char	*password;
	unsigned	 db;
	int64_t		 timeout_ns;	/* per command and per connect */
};

enum redis_state {
	REDIS_CLOSED,		/* before init, after close */
	REDIS_DOWN,		/* waiting to reconnect, at `at` */
	REDIS_CONNECTING,	/* connect(2) in progress until `at` */
	REDIS_HANDSHAKE,	/* AUTH, SELECT or PING not answered yet */
	REDIS_READY
};

struct redis_pending {
	redis_reply_fn	*cb;
	void		*arg;
	int64_t		 deadline;
};

struct redis {
	const char	*name, *username, *password;
	char		 db[24];	/* its digits; "" for 0 */
	struct listen_addr addr;
	int64_t		 timeout;
	int		 epfd;
	int		 fd;
	enum redis_state state;
	uint32_t	 events;	/* registered with epoll */
	int64_t		 at;		/* DOWN, CONNECTING: see above */
	int64_t		 backoff;	/* the wait after the next failure */
	uint64_t	 gen;		/* connections dropped or closed */
	unsigned	 handshake;	/* its replies still to come */
	bool		 dispatching;	/* a reply's callback is running */
	char		*in;		/* REDIS_IN_SIZE bytes */
	size_t		 in_len;
	size_t		 need;		/* bytes before a parse can finish */
	struct buf	 out;
	struct redis_pending ring[REDIS_PENDING_MAX];
	unsigned	 head, count;
	struct redis_arena arena;
	char		 last_error[192];	/* why it last went down */
	/* sent == replies + failed + count; refused: redis_command() -1 */
	uint64_t	 sent, replies, failed, refused, reconnects;
};

/*
 * Parse the address (which may block on DNS: call this at start) and
 * allocate the buffers; the first connect is due at once, on the next
 * redis_on_deadline().  Fails with a message.
 */
int		 redis_init(struct redis *, const struct redis_config *,
		    int epfd, char *err, size_t errlen);

/* Fail what is pending with REDIS_FAILED, close, free; no callback runs
 * after it.  Safe twice, and from a callback. */
void		 redis_close(struct redis *);

/* Whether commands are taken: connected, and the handshake answered. */
bool		 redis_connected(const struct redis *);

/*
 * Queue one command, argv[0..argc) as bulk strings (lens NULL: each is
 * NUL-terminated), written with the rest of the loop's pass at its
 * redis_on_deadline() (redis_next_deadline() is now until then).  cb gets its
 * reply, or REDIS_FAILED, exactly once, never from inside this call.
 * Returns -1 at once, cb never called, when not connected, the ring is
 * full or memory is short: the caller skips what it meant to do.  A
 * callback may call it.
 */
int		 redis_command(struct redis *, redis_reply_fn *cb, void *arg,
		    int argc, const char *const *argv, const size_t *lens);

/* Whether an epoll event's data.ptr is this client's; its events. */
bool		 redis_owns(const struct redis *, const void *ptr);
void		 redis_on_io(struct redis *, void *ptr, uint32_t events,
		    int64_t now);

/* The next reconnect, connect timeout or command timeout (INT64_MAX:
 * none), and acting on those due. */
int64_t		 redis_next_deadline(const struct redis *);
void		 redis_on_deadline(struct redis *, int64_t now);

enum redis_parsed { REDIS_PARSE_DONE, REDIS_PARSE_MORE, REDIS_PARSE_BAD };

/*
 * One reply from buf[0..len), pure, for the client, the fuzz target and
 * the tests.  DONE: *out is filled (pointing into buf and a), *used is
 * its length.  MORE: *used is a lower bound on the length of the whole
 * reply, more than len.  BAD: *why says what is wrong, *used where.
 */
enum redis_parsed redis_parse(const char *buf, size_t len,
		    struct redis_reply *out, struct redis_arena *a,
		    size_t *used, const char **why);

/* A command as RESP, an array of bulk strings, appended to b. */
void		 redis_encode(struct buf *b, int argc,
		    const char *const *argv, const size_t *lens);

#endif

/*
 * http: a small HTTP/1.1 server inside the loop, for the two endpoints
 * rr answers (status.address, metrics.address).  GET and HEAD, keep-alive
 * and pipelining, a request head of at most HTTP_HEAD_MAX bytes (431
 * beyond), a read timeout that drops a slowloris client, and a cap on
 * connections.  Every connection is non-blocking with buffers of its own,
 * kept per slot; the handler writes its body into a buffer that is kept
 * too, so a scrape allocates nothing once the buffers have grown.
 */
#ifndef RR_HTTP_H
#define RR_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "listen.h"

#define HTTP_HEAD_MAX	8192

enum http_method { HTTP_GET, HTTP_HEAD, HTTP_OTHER };

struct http_request {
	enum http_method method;
	const char	*path;		/* up to '?', not NUL-terminated */
	size_t		 path_len;
	const char	*query;		/* after '?' */
	size_t		 query_len;
};

/* What a handler fills in: the status, the type, and body. */
struct http_reply {
	int		 status;
	const char	*type;		/* Content-Type */
	struct buf	*body;
};

typedef void http_handler(void *ctx, const struct http_request *,
    struct http_reply *);

struct http_conn {
	int		 fd;		/* -1: a free slot */
	char		*in;		/* HTTP_HEAD_MAX bytes */
	size_t		 in_len;
	struct buf	 out;
	int64_t		 deadline;	/* a whole request by then */
	bool		 closing;	/* close once out is sent */
	uint32_t	 events;
};

struct http_server {
	const char	*name;		/* "status", "metrics": for log lines */
	struct listen_addr addr;
	int		 lfd;		/* -1: off */
	int		 epfd;
	unsigned	 max_conns;
	duration_ns	 timeout;
	struct http_conn *conns;
	unsigned	 nconns;
	http_handler	*handler;
	void		*ctx;
	struct buf	 body;
	uint64_t	 requests, refused, refused_told;
	int64_t		 refused_at;
};

/* Listen on host:port (as RoadRunner writes these addresses). */
int		 http_init(struct http_server *, const char *name,
		    const char *address, unsigned max_conns,
		    duration_ns timeout, http_handler *, void *ctx, int epfd,
		    char *err, size_t errlen);
void		 http_close(struct http_server *);

bool		 http_owns(const struct http_server *, const void *ptr);
void		 http_on_io(struct http_server *, void *ptr, uint32_t events,
		    int64_t now);
int64_t		 http_next_deadline(const struct http_server *);
void		 http_on_deadline(struct http_server *, int64_t now);

/*
 * Parse one request head from in[0..len): returns its length (through the
 * blank line), 0 when it is not complete yet, or -1 with *status set to
 * the error to answer (400, 431, 505).  Pure, for the fuzz target.
 */
long		 http_parse(const char *in, size_t len, struct http_request *,
		    bool *keep_alive, int *status);

/* The next value of key in a query string (a=1&b=2), decoded; false at
 * the end.  *pos starts at 0. */
bool		 http_query(const char *query, size_t len, const char *key,
		    size_t *pos, char *out, size_t cap);

#endif

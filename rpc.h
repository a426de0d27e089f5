/*
 * rpc: RoadRunner's RPC server (rpc.listen), wire-compatible with the PHP
 * spiral/goridge RPC client and so with every PHP library built on it.
 * Each call is a Goridge v3 frame with exactly two options, [seq,
 * len(method)], whose payload is the method name followed by its JSON
 * argument; the reply echoes both options and the codec and carries the
 * method name and the JSON result, or, flagged ERROR, the error text.
 *
 * Services register methods into a table; this file knows connections,
 * frames and bounds, never what a method does.  Every connection is
 * non-blocking with buffers of its own, allocated once per slot and
 * kept: a slow, silent or hostile client costs its slot and its bounded
 * buffers, never the loop's time or another client's answers.
 */
#ifndef RR_RPC_H
#define RR_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "goridge.h"
#include "listen.h"

#define RPC_METHODS_MAX	32

/*
 * A method: arg is its JSON argument (not NUL-terminated).  Returns 0 with
 * the JSON result in out, or -1 with an error text in out.
 */
typedef int rpc_fn(void *ctx, const char *arg, size_t arglen,
    struct buf *out);

struct rpc_conn {
	int		 fd;		/* -1: a free slot */
	struct goridge_decoder dec;
	uint8_t		*in;		/* bytes read, not yet taken */
	size_t		 in_len;
	struct buf	 out;		/* replies the socket has not taken */
	int64_t		 active;	/* the last byte read */
	uint32_t	 events;	/* registered with epoll */
	bool		 more;		/* calls read, not answered yet */
	uint64_t	 id;		/* for log lines */
};

struct rpc_server {
	struct listen_addr addr;
	int		 lfd;		/* -1: no rpc section */
	int		 epfd;
	unsigned	 max_conns;
	duration_ns	 idle_timeout;
	struct rpc_conn	*conns;
	unsigned	 nconns;
	struct {
		char	 name[64];
		rpc_fn	*fn;
		void	*ctx;
	} methods[RPC_METHODS_MAX];
	size_t		 nmethods;
	struct buf	 res;		/* the reply being built */
	uint64_t	 next_id;
	uint64_t	 refused, refused_told;
	int64_t		 refused_at;
	uint64_t	 calls, errors, dropped;	/* dropped: bad clients */
};

/*
 * Listen on cfg's rpc.listen (no section: nothing, and every call below
 * is a no-op).  Fails with a message naming the address.
 */
int		 rpc_init(struct rpc_server *, const struct config *, int epfd,
		    char *err, size_t errlen);
void		 rpc_close(struct rpc_server *);

/* Add "service.Method"; fails when the table is full. */
int		 rpc_register(struct rpc_server *, const char *name, rpc_fn *,
		    void *ctx);

/* Whether an epoll event's data.ptr is one of this server's. */
bool		 rpc_owns(const struct rpc_server *, const void *ptr);
void		 rpc_on_io(struct rpc_server *, void *ptr, uint32_t events,
		    int64_t now);

/* Idle connections: the earliest timeout (INT64_MAX: none), and closing
 * those past it. */
int64_t		 rpc_next_deadline(const struct rpc_server *);
void		 rpc_on_deadline(struct rpc_server *, int64_t now);

/* Why a frame is no request (the connection then goes), or NULL. */
const char	*rpc_bad_request(const struct goridge_frame *);

/*
 * Run one call as a connection would, for the fuzz target and tests:
 * f is a frame rpc_bad_request() passed.  Returns whether the reply is
 * an error; the reply's payload is in srv->res.
 */
bool		 rpc_call(struct rpc_server *, const struct goridge_frame *,
		    const char **method, size_t *method_len);

#endif

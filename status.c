/*
 * status: see status.h.
 */
#include <stdio.h>
#include <string.h>

#include "status.h"

#define PLUGIN	"ticker"

enum check { HEALTH, READY };

/* One report of the array; returns its status code. */
static int
report(struct status *st, enum check what, struct buf *b)
{
	const struct pool *p = st->pool;
	bool ok = what == HEALTH ? p->nidle + p->nbusy > 0 : p->nidle > 0;
	const char *msg = "";
	int code = 200;

	if (*st->stopping) {
		code = st->unavailable;
		msg = "service is shutting down";
	} else if (!ok) {
		/* RoadRunner's words for a plugin status of 500 or more */
		code = st->unavailable;
		msg = "internal server error, see logs";
	}
	buf_puts(b, "{\"plugin_name\":\"" PLUGIN "\",\"error_message\":");
	buf_json_string(b, msg, strlen(msg));
	buf_printf(b, ",\"status_code\":%d}", code);
	return code;
}

static bool
path_is(const struct http_request *r, const char *path)
{
	return r->path_len == strlen(path) &&
	    memcmp(r->path, path, r->path_len) == 0;
}

static void
handle(void *ctx, const struct http_request *r, struct http_reply *rep)
{
	struct status *st = ctx;
	char name[64];
	enum check what;
	size_t pos = 0;
	bool named = false, asked = false;

	if (path_is(r, "/health"))
		what = HEALTH;
	else if (path_is(r, "/ready"))
		what = READY;
	else {
		rep->status = 404;
		buf_puts(rep->body, "404 page not found\n");
		return;
	}
	/* as RoadRunner: a stopping server is alive until it is gone, and
	 * takes nothing new */
	if (*st->stopping && what == HEALTH) {
		buf_puts(rep->body, "service is shutting down\n");
		return;
	}
	while (http_query(r->query, r->query_len, "plugin", &pos, name,
	    sizeof name)) {
		named = true;
		asked |= strcmp(name, PLUGIN) == 0;
	}
	rep->type = "application/json";
	buf_put(rep->body, "[", 1);
	/* a plugin rr does not have is left out, as RoadRunner does */
	if ((!named || asked) && report(st, what, rep->body) >= 500)
		rep->status = st->unavailable;
	buf_put(rep->body, "]", 1);
}

int
status_init(struct status *st, const struct config *cfg,
    const struct pool *p, const int *stopping, int epfd, char *err,
    size_t errlen)
{
	memset(st, 0, sizeof *st);
	st->http.lfd = -1;
	st->pool = p;
	st->stopping = stopping;
	st->unavailable = (int)cfg->status.unavailable_status_code;
	if (!cfg->status.set)
		return 0;
	return http_init(&st->http, "status", cfg->status.address,
	    cfg->status.max_connections, cfg->status.check_timeout, handle, st,
	    epfd, err, errlen);
}

void
status_close(struct status *st)
{
	http_close(&st->http);
}

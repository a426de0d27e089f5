/*
 * ctl: see ctl.h.  The RPC client speaks exactly what spiral/goridge's
 * PHP client speaks (JSON codec, a sequence number from 1, two options)
 * and checks the replies as it does.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "goridge.h"
#include "json.h"
#include "listen.h"
#include "rpc.h"

#define REPLY_MAX	(64u << 20)
#define CALL_TIMEOUT	30	/* seconds */
#define PLUGINS_MAX	16
#define NAME_MAX_LEN	64

struct client {
	struct listen_addr	 addr;
	int			 fd;
	uint32_t		 seq;
	struct goridge_decoder	 dec;
	uint8_t			 buf[64 * 1024];
	size_t			 len, pos;
};

static void __attribute__((format(printf, 1, 2)))
complain(const char *fmt, ...)
{
	va_list ap;

	fputs("rr: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int
client_open(struct client *c, const struct config *cfg)
{
	struct timeval tv = { CALL_TIMEOUT, 0 };
	char err[CONFIG_ERR_MAX];

	memset(c, 0, sizeof *c);
	c->fd = -1;
	if (!cfg->rpc.set) {
		complain("%s has no rpc section: add rpc.listen (for example "
		    "tcp://127.0.0.1:6001) and restart rr serve", cfg->path);
		return -1;
	}
	if (listen_parse(cfg->rpc.listen, &c->addr, err, sizeof err) == -1 ||
	    (c->fd = listen_connect(&c->addr, err, sizeof err)) == -1) {
		complain("%s", err);
		return -1;
	}
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	goridge_decoder_init(&c->dec, REPLY_MAX);
	return 0;
}

static void
client_close(struct client *c)
{
	if (c->fd != -1)
		close(c->fd);
	goridge_decoder_free(&c->dec);
}

/* The next frame from the server; -1 after complaining. */
static int
next_frame(struct client *c, struct goridge_frame *f)
{
	enum goridge_status st;
	size_t used;
	ssize_t n;

	for (;;) {
		if (c->pos < c->len) {
			st = goridge_feed(&c->dec, c->buf + c->pos,
			    c->len - c->pos, &used, f);
			c->pos += used;
			if (st == GR_FRAME)
				return 0;
			if (st != GR_MORE) {
				complain("%s: a bad reply: %s", c->addr.text,
				    goridge_strstatus(st));
				return -1;
			}
		}
		n = read(c->fd, c->buf, sizeof c->buf);
		if (n <= 0) {
			complain("%s: %s", c->addr.text, n == 0 ?
			    "the server closed the connection" : errno ==
			    EAGAIN ? "no reply in 30 s" : strerror(errno));
			return -1;
		}
		c->len = (size_t)n;
		c->pos = 0;
	}
}

/*
 * Call method(arg); the result (or the error text) goes to out.
 * Returns 0, 1 for an error reply, -1 when the call itself failed.
 */
static int
call(struct client *c, const char *method, const char *arg,
    struct buf *out)
{
	uint32_t opts[2] = { ++c->seq, (uint32_t)strlen(method) };
	size_t alen = strlen(arg), total;
	uint8_t hdr[GR_HEADER_MAX];
	struct goridge_frame f;
	struct iovec iov[3];
	ssize_t n;

	iov[0] = (struct iovec){ hdr, goridge_put_header(hdr, GR_CODEC_JSON,
	    0, opts, 2, opts[1] + (uint32_t)alen) };
	iov[1] = (struct iovec){ (void *)method, opts[1] };
	iov[2] = (struct iovec){ (void *)arg, alen };
	total = iov[0].iov_len + opts[1] + alen;
	if ((n = writev(c->fd, iov, 3)) != (ssize_t)total) {
		complain("%s: cannot send: %s", c->addr.text, n == -1 ?
		    strerror(errno) : "short write");
		return -1;
	}
	if (next_frame(c, &f) == -1)
		return -1;
	if (f.noptions != 2 || f.options[0] != c->seq ||
	    f.options[1] > f.len) {
		complain("%s: a reply that does not answer the call (%u "
		    "options, seq %u for %u)", c->addr.text, f.noptions,
		    f.noptions ? f.options[0] : 0, c->seq);
		return -1;
	}
	buf_reset(out);
	buf_put(out, (const char *)f.payload + f.options[1],
	    f.len - f.options[1]);
	buf_put(out, "", 1);	/* a NUL, not counted */
	out->len--;
	return (f.flags & GR_ERROR) ? 1 : 0;
}

/* The plugins named, or those the server lists (method: X.List). */
static int
plugins(struct client *c, const char *list_method, char *const *given,
    size_t ngiven, char names[][NAME_MAX_LEN], size_t *n)
{
	struct buf out = { 0 };
	struct json j;
	int r;

	*n = 0;
	if (ngiven > 0) {
		for (; *n < ngiven && *n < PLUGINS_MAX; (*n)++)
			snprintf(names[*n], NAME_MAX_LEN, "%s", given[*n]);
		return 0;
	}
	if ((r = call(c, list_method, "true", &out)) != 0) {
		if (r == 1)
			complain("%s: %s", list_method, out.data);
		buf_free(&out);
		return -1;
	}
	json_init(&j, out.data, out.len);
	if (json_take(&j, '[') && !json_take(&j, ']'))
		do {
			if (*n == PLUGINS_MAX || !json_string(&j, names[*n],
			    NAME_MAX_LEN, NULL))
				break;
			(*n)++;
		} while (json_take(&j, ','));
	buf_free(&out);
	return 0;
}

/* --- rr workers ----------------------------------------------------------- */

#define COLS	6

struct row {
	char	 cell[COLS][48];
};

/* go-humanize's Bytes: SI units, one decimal below 10. */
static void
human_bytes(char *buf, size_t len, double b)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB",
	    "PB", "EB" };
	double v = b;
	int e = 0;

	if (b < 10) {
		snprintf(buf, len, "%.0f B", b);
		return;
	}
	while (v >= 1000 && e < 6) {
		v /= 1000;
		e++;
	}
	v = (double)(long long)(v * 10 + 0.5) / 10;
	snprintf(buf, len, v < 10 ? "%.1f %s" : "%.0f %s", v, units[e]);
}

/* go-humanize's Comma: 1,234,567. */
static void
comma(char *buf, size_t len, unsigned long long v)
{
	char digits[32];
	size_t n, i, w = 0;

	n = (size_t)snprintf(digits, sizeof digits, "%llu", v);
	for (i = 0; i < n && w + 2 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[w++] = ',';
		buf[w++] = digits[i];
	}
	buf[w] = '\0';
}

/* go-humanize's RelTime, "ago" side: "now", "3 minutes ago"... */
static void
rel_time(char *buf, size_t len, double secs)
{
	static const struct {
		double		 below, unit;
		const char	*one, *many;
	} steps[] = {
		{ 1, 1, "now", NULL },
		{ 2, 1, "1 second ago", NULL },
		{ 60, 1, NULL, "seconds" },
		{ 120, 60, "1 minute ago", NULL },
		{ 3600, 60, NULL, "minutes" },
		{ 7200, 3600, "1 hour ago", NULL },
		{ 86400, 3600, NULL, "hours" },
		{ 2 * 86400, 86400, "1 day ago", NULL },
		{ 7 * 86400, 86400, NULL, "days" },
		{ 14 * 86400, 7 * 86400, "1 week ago", NULL },
		{ 30 * 86400, 7 * 86400, NULL, "weeks" },
		{ 60 * 86400, 30 * 86400, "1 month ago", NULL },
		{ 365 * 86400, 30 * 86400, NULL, "months" },
		{ 1e300, 365 * 86400, NULL, "years" },
	};
	size_t i;

	for (i = 0; secs >= steps[i].below; i++)
		;
	if (steps[i].one != NULL)
		snprintf(buf, len, "%s", steps[i].one);
	else
		snprintf(buf, len, "%lld %s ago",
		    (long long)(secs / steps[i].unit), steps[i].many);
}

static void
rule(const size_t *w)
{
	size_t i, k;

	for (i = 0; i < COLS; i++) {
		putchar('+');
		for (k = 0; k < w[i] + 2; k++)
			putchar('-');
	}
	puts("+");
}

/* A box-drawn table as RoadRunner's tablewriter draws it: the header
 * upper-cased and centred, cells left-aligned. */
static void
print_table(const struct row *rows, size_t n)
{
	static const char *const head[COLS] = { "PID", "STATUS", "EXECS",
	    "MEMORY", "CPU%", "CREATED" };
	size_t w[COLS], i, k, len, pad;

	for (k = 0; k < COLS; k++) {
		w[k] = strlen(head[k]);
		for (i = 0; i < n; i++)
			if ((len = strlen(rows[i].cell[k])) > w[k])
				w[k] = len;
	}
	rule(w);
	for (k = 0; k < COLS; k++) {
		pad = w[k] - strlen(head[k]);
		printf("| %*s%s%*s ", (int)(pad / 2), "", head[k],
		    (int)(pad - pad / 2), "");
	}
	puts("|");
	rule(w);
	for (i = 0; i < n; i++) {
		for (k = 0; k < COLS; k++)
			printf("| %-*s ", (int)w[k], rows[i].cell[k]);
		puts("|");
	}
	rule(w);
}

struct worker_fields {
	double	 pid, execs, created, memory, cpu;
	char	 status[48];
};

static bool
worker_member(struct json *j, const char *key, void *arg)
{
	static const struct {
		const char	*key;
		size_t		 off;
	} numbers[] = {
		{ "pid", offsetof(struct worker_fields, pid) },
		{ "numExecs", offsetof(struct worker_fields, execs) },
		{ "created", offsetof(struct worker_fields, created) },
		{ "memoryUsage", offsetof(struct worker_fields, memory) },
		{ "CPUPercent", offsetof(struct worker_fields, cpu) },
	};
	struct worker_fields *w = arg;
	size_t i;

	if (strcmp(key, "statusStr") == 0)
		return json_string(j, w->status, sizeof w->status, NULL);
	for (i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
		if (strcmp(key, numbers[i].key) == 0)
			return json_number(j, (double *)((char *)w +
			    numbers[i].off));
	return json_skip(j);
}

/* One worker object of informer.Workers into a row. */
static bool
parse_worker(struct json *j, struct row *r, double now)
{
	struct worker_fields w = { 0 };

	if (!json_object(j, worker_member, &w))
		return false;
	snprintf(r->cell[0], sizeof r->cell[0], "%.0f", w.pid);
	snprintf(r->cell[1], sizeof r->cell[1], "%s", w.status);
	comma(r->cell[2], sizeof r->cell[2], (unsigned long long)w.execs);
	human_bytes(r->cell[3], sizeof r->cell[3], w.memory);
	snprintf(r->cell[4], sizeof r->cell[4], "%.2f", w.cpu);
	rel_time(r->cell[5], sizeof r->cell[5], now - w.created / 1e9);
	return true;
}

/* Returns the rows of {"workers":[...]}, or -1 for a reply it can't read. */
static long
parse_workers(const struct buf *out, struct row **rows)
{
	struct timespec ts;
	struct json j;
	char key[16];
	size_t n = 0, cap = 0;
	struct row *r;

	clock_gettime(CLOCK_REALTIME, &ts);
	*rows = NULL;
	json_init(&j, out->data, out->len);
	if (!json_take(&j, '{') || !json_string(&j, key, sizeof key, NULL) ||
	    strcmp(key, "workers") != 0 || !json_take(&j, ':'))
		return -1;
	if (!json_take(&j, '['))
		return json_skip(&j) ? 0 : -1;	/* null: no workers */
	if (json_take(&j, ']'))
		return 0;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((r = realloc(*rows, cap * sizeof *r)) == NULL)
				return -1;
			*rows = r;
		}
		if (!parse_worker(&j, &(*rows)[n++], (double)ts.tv_sec +
		    ts.tv_nsec / 1e9))
			return -1;
	} while (json_take(&j, ','));
	return json_take(&j, ']') ? (long)n : -1;
}

static int
show_workers(struct client *c, char names[][NAME_MAX_LEN], size_t n)
{
	struct buf out = { 0 }, arg = { 0 };
	struct row *rows;
	long nrows;
	size_t i;
	int r = 0;

	for (i = 0; i < n && r == 0; i++) {
		buf_reset(&arg);
		buf_json_string(&arg, names[i], strlen(names[i]));
		buf_put(&arg, "", 1);
		if ((r = call(c, "informer.Workers", arg.data, &out)) == 1)
			complain("informer.Workers(%s): %s", names[i], out.data);
		if (r != 0)
			break;
		if ((nrows = parse_workers(&out, &rows)) < 0) {
			complain("informer.Workers(%s): a reply rr cannot read",
			    names[i]);
			r = -1;
		} else if (nrows > 0) {
			printf("Workers of [%s]:\n", names[i]);
			print_table(rows, (size_t)nrows);
		}
		free(rows);
	}
	buf_free(&out);
	buf_free(&arg);
	return r == 0 ? 0 : 1;
}

static volatile sig_atomic_t interrupted;

static void
on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

int
ctl_workers(const struct config *cfg, char *const *given, size_t ngiven,
    bool interactive)
{
	struct sigaction sa = { .sa_handler = on_interrupt };
	struct timespec second = { 1, 0 };
	char names[PLUGINS_MAX][NAME_MAX_LEN];
	struct client c;
	size_t n;
	int code = 1;

	if (client_open(&c, cfg) == -1 ||
	    plugins(&c, "informer.List", given, ngiven, names, &n) == -1)
		goto out;
	if (!interactive) {
		code = show_workers(&c, names, n);
		goto out;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fputs("\033[2J", stdout);
	while (!interrupted) {
		fputs("\033[H\033[J", stdout);
		if ((code = show_workers(&c, names, n)) != 0)
			break;
		fflush(stdout);
		nanosleep(&second, NULL);
	}
out:
	client_close(&c);
	return code;
}

/* --- rr reset ------------------------------------------------------------- */

int
ctl_reset(const struct config *cfg, char *const *given, size_t ngiven,
    bool silent)
{
	char names[PLUGINS_MAX][NAME_MAX_LEN];
	struct buf out = { 0 }, arg = { 0 };
	struct client c;
	size_t i, n;
	int r = -1;

	if (client_open(&c, cfg) == -1 ||
	    plugins(&c, "resetter.List", given, ngiven, names, &n) == -1)
		goto out;
	for (i = 0, r = 0; i < n && r == 0; i++) {
		if (!silent)
			printf("resetting plugin: [%s]\n", names[i]);
		fflush(stdout);
		buf_reset(&arg);
		buf_json_string(&arg, names[i], strlen(names[i]));
		buf_put(&arg, "", 1);
		if ((r = call(&c, "resetter.Reset", arg.data, &out)) == 1)
			complain("resetter.Reset(%s): %s", names[i], out.data);
		else if (r == 0 && !silent)
			printf("plugin reset: [%s]\n", names[i]);
	}
out:
	buf_free(&out);
	buf_free(&arg);
	client_close(&c);
	return r == 0 ? 0 : 1;
}

/* --- rr stop -------------------------------------------------------------- */

/*
 * Only a pid file whose lock is held names a live rr; any other pid in
 * it may be anyone's by now, and is never signalled.
 */
int
ctl_stop(const char *pidfile, bool force)
{
	char buf[32] = "", cwd[512];
	long pid;
	ssize_t n;
	int fd;

	if (getcwd(cwd, sizeof cwd) == NULL)
		snprintf(cwd, sizeof cwd, ".");
	if ((fd = open(pidfile, O_RDONLY | O_CLOEXEC)) == -1) {
		complain("%s/%s: %s (is rr serve -p running with this "
		    "config?)", cwd, pidfile, strerror(errno));
		return 1;
	}
	n = read(fd, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = '\0';
	pid = strtol(buf, NULL, 10);
	if (flock(fd, LOCK_SH | LOCK_NB) == 0 || pid <= 0) {
		complain("%s/%s names pid %ld, but no rr holds it: a stale "
		    "file, nothing signalled", cwd, pidfile, pid);
		close(fd);
		return 1;
	}
	close(fd);
	if (kill((pid_t)pid, force ? SIGKILL : SIGTERM) == -1) {
		complain("pid %ld: %s", pid, strerror(errno));
		return 1;
	}
	return 0;
}

/*
 * unit_redis: redis.c's reply parser and command encoder on their own,
 * then the client, driven by a small epoll loop of this file's, against
 * real redis-server processes (plain, with a password, killed and
 * stopped mid-run) and fake servers forked here (garbage, and replies a
 * byte at a time).  Nothing waits on a timing: every wait is for an
 * event, with a generous limit.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "clock.h"
#include "redis.h"
#include "tests/unit.h"

#define WAIT_NS		(20 * SEC_NS)	/* the most any event may take */
#define TIMEOUT_NS	(5 * SEC_NS)	/* a command's, but where tested */
#define CLIENTS_MAX	8
#define PING_LEN	14		/* "*1\r\n$4\r\nPING\r\n" */

static struct redis_arena arena;
static int epfd = -1;
static struct redis *clients[CLIENTS_MAX];
static int nclients;
static int answers;		/* callbacks run, all clients together */

/* --- replies as text: "+OK", ":1", "$v", "nil", "[...]", "!why" --- */

static void
put_escaped(struct buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] >= 0x20 && s[i] < 0x7f)
			buf_put(b, s + i, 1);
		else
			buf_printf(b, "\\x%02x", (unsigned char)s[i]);
	}
}

static void
render(struct buf *b, const struct redis_reply *r)
{
	static const char lead[] = { '+', '-', ':', '$', 'n', '[', '!' };
	size_t i;

	if (r->type != REDIS_NIL)
		buf_put(b, &lead[r->type], 1);
	switch (r->type) {
	case REDIS_INTEGER:
		buf_printf(b, "%lld", r->integer);
		break;
	case REDIS_NIL:
		buf_puts(b, "nil");
		break;
	case REDIS_ARRAY:
		for (i = 0; i < r->elements; i++) {
			if (i > 0)
				buf_puts(b, ",");
			render(b, &r->element[i]);
		}
		buf_puts(b, "]");
		break;
	default:
		put_escaped(b, r->str, r->len);
	}
}

/* What redis_parse() makes of s: the reply as text, "MORE need=N" or
 * "BAD why at=N". */
static const char *
parse(const char *s, size_t len)
{
	static char text[512];
	struct redis_reply r;
	struct buf b = { 0 };
	const char *why;
	size_t used;

	switch (redis_parse(s, len, &r, &arena, &used, &why)) {
	case REDIS_PARSE_DONE:
		render(&b, &r);
		if (used != len)
			buf_printf(&b, " used=%zu", used);
		break;
	case REDIS_PARSE_MORE:
		buf_printf(&b, "MORE need=%zu", used);
		break;
	case REDIS_PARSE_BAD:
		buf_printf(&b, "BAD %s at=%zu", why, used);
		break;
	}
	buf_put(&b, "", 1);
	snprintf(text, sizeof text, "%s", b.failed ? "(nomem)" : b.data);
	buf_free(&b);
	return text;
}

#define P(s)	parse((s), sizeof(s) - 1)

/*
 * Feed a stream to the parser as the client does, in pieces cut at the
 * given offsets (ascending, ending with len): parse only once the hint
 * says a reply can be complete, and take every reply a piece completes.
 * Returns the replies as text, space-separated; counts the parses.
 */
static const char *
feed(const char *s, size_t len, const size_t *cuts, size_t ncuts,
    int *parses)
{
	static char text[1024];
	struct redis_reply r;
	struct buf b = { 0 };
	const char *why;
	size_t have = 0, pos = 0, need = 0, used, i;
	enum redis_parsed st;

	for (i = 0; i < ncuts; i++) {
		have = cuts[i];
		while (pos < have && have - pos >= need) {
			(*parses)++;
			st = redis_parse(s + pos, have - pos, &r, &arena, &used,
			    &why);
			if (st == REDIS_PARSE_BAD) {
				buf_printf(&b, "BAD %s", why);
				goto out;
			}
			if (st == REDIS_PARSE_MORE) {
				need = used;
				break;
			}
			if (b.len > 0)
				buf_puts(&b, " ");
			render(&b, &r);
			pos += used;
			need = 0;
		}
	}
	if (pos != len)
		buf_puts(&b, " (left over)");
out:
	buf_put(&b, "", 1);
	snprintf(text, sizeof text, "%s", b.data);
	buf_free(&b);
	return text;
}

static void
test_parse_types(void)
{
	CHECK_STR("parse: status", P("+OK\r\n"), "+OK");
	CHECK_STR("parse: error", P("-ERR no such key\r\n"),
	    "-ERR no such key");
	CHECK_STR("parse: empty status", P("+\r\n"), "+");
	CHECK_STR("parse: integer", P(":1000\r\n"), ":1000");
	CHECK_STR("parse: negative integer", P(":-42\r\n"), ":-42");
	CHECK_STR("parse: largest integer", P(":9223372036854775807\r\n"),
	    ":9223372036854775807");
	CHECK_STR("parse: smallest integer", P(":-9223372036854775808\r\n"),
	    ":-9223372036854775808");
	CHECK_STR("parse: bulk", P("$6\r\nfoobar\r\n"), "$foobar");
	CHECK_STR("parse: empty bulk", P("$0\r\n\r\n"), "$");
	CHECK_STR("parse: binary bulk", P("$5\r\na\r\n\0b\r\n"),
	    "$a\\x0d\\x0a\\x00b");
	CHECK_STR("parse: nil bulk", P("$-1\r\n"), "nil");
	CHECK_STR("parse: nil array", P("*-1\r\n"), "nil");
	CHECK_STR("parse: empty array", P("*0\r\n"), "[]");
	CHECK_STR("parse: array", P("*3\r\n:1\r\n$1\r\nx\r\n+y\r\n"),
	    "[:1,$x,+y]");
	CHECK_STR("parse: nested arrays",
	    P("*3\r\n*2\r\n:1\r\n*1\r\n$-1\r\n*-1\r\n*2\r\n-E r\r\n*0\r\n"),
	    "[[:1,[nil]],nil,[-E r,[]]]");
	CHECK_STR("parse: one reply of two", P("+A\r\n+B\r\n"), "+A used=4");
	CHECK_STR("parse: 8 arrays deep is fine", P("*1\r\n*1\r\n*1\r\n*1\r\n"
	    "*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n"), "[[[[[[[[:1]]]]]]]]");
}

static void
test_parse_more(void)
{
	CHECK_STR("parse: nothing yet", parse("", 0), "MORE need=1");
	CHECK_STR("parse: a type byte only", P("+"), "MORE need=3");
	CHECK_STR("parse: CR without its LF yet", P("+OK\r"), "MORE need=5");
	CHECK_STR("parse: a bulk header asks for the whole body",
	    P("$10\r\nab"), "MORE need=17");
	CHECK_STR("parse: the largest bulk is waited for",
	    P("$1048576\r\n"), "MORE need=1048588");
	CHECK_STR("parse: an array waits for its elements", P("*2\r\n:1\r\n"),
	    "MORE need=9");
}

static void
test_parse_bad(void)
{
	static char deep[64], wide[8192], longline[REDIS_LINE_MAX + 8];
	size_t n = 0, i;

	CHECK_STR("parse: junk type byte", P("?x\r\n"),
	    "BAD an unknown type byte at=0");
	CHECK_STR("parse: junk type byte inside an array",
	    P("*2\r\n:1\r\n%x\r\n"), "BAD an unknown type byte at=8");
	CHECK_STR("parse: LF without CR", P("+OK\n"),
	    "BAD a line feed without a carriage return at=0");
	CHECK_STR("parse: CR without LF", P("+OK\rX"),
	    "BAD a carriage return without a line feed at=0");
	CHECK_STR("parse: bulk without its CRLF", P("$3\r\nabcd\r\n"),
	    "BAD a bulk string not followed by CRLF at=0");
	CHECK_STR("parse: bulk too long", P("$1048577\r\n"),
	    "BAD a bulk string longer than 1048576 bytes at=0");
	CHECK_STR("parse: bad length (letters)", P("$abc\r\n"),
	    "BAD a bad length at=0");
	CHECK_STR("parse: bad length (empty)", P("*\r\n"),
	    "BAD a bad length at=0");
	CHECK_STR("parse: bad length (-2)", P("$-2\r\n"),
	    "BAD a bad length at=0");
	CHECK_STR("parse: bad length (+1)", P("*+1\r\n"),
	    "BAD a bad length at=0");
	CHECK_STR("parse: bad length (overflow)",
	    P("$99999999999999999999\r\n"), "BAD a bad length at=0");
	CHECK_STR("parse: bad integer", P(":12a\r\n"),
	    "BAD a bad integer at=0");
	CHECK_STR("parse: bad integer (a lone sign)", P(":-\r\n"),
	    "BAD a bad integer at=0");
	CHECK_STR("parse: integer overflow", P(":9223372036854775808\r\n"),
	    "BAD a bad integer at=0");
	CHECK_STR("parse: integer underflow", P(":-9223372036854775809\r\n"),
	    "BAD a bad integer at=0");
	for (i = 0; i < 9; i++)
		n += (size_t)snprintf(deep + n, sizeof deep - n, "*1\r\n");
	snprintf(deep + n, sizeof deep - n, ":1\r\n");
	CHECK_STR("parse: 9 arrays deep", parse(deep, strlen(deep)),
	    "BAD arrays nested deeper than 8 at=32");
	CHECK_STR("parse: too many elements", P("*1025\r\n"),
	    "BAD more than 1024 array elements in a reply at=0");
	n = (size_t)snprintf(wide, sizeof wide, "*2\r\n*600\r\n");
	for (i = 0; i < 600; i++)
		n += (size_t)snprintf(wide + n, sizeof wide - n, ":1\r\n");
	n += (size_t)snprintf(wide + n, sizeof wide - n, "*600\r\n");
	CHECK_STR("parse: too many elements in all",
	    parse(wide, n), "BAD more than 1024 array elements in a reply "
	    "at=2410");
	longline[0] = '+';
	memset(longline + 1, 'a', REDIS_LINE_MAX);
	memcpy(longline + 1 + REDIS_LINE_MAX, "\r\n", 2);
	CHECK("parse: the longest line", redis_parse(longline,
	    REDIS_LINE_MAX + 3, &(struct redis_reply){ 0 }, &arena, &n,
	    &(const char *){ NULL }) == REDIS_PARSE_DONE && n ==
	    REDIS_LINE_MAX + 3);
	longline[1 + REDIS_LINE_MAX] = 'a';
	CHECK_STR("parse: a line too long, before its end comes",
	    parse(longline, REDIS_LINE_MAX + 2),
	    "BAD a line longer than 8192 bytes at=0");
	CHECK_STR("parse: a long line is waited for",
	    parse(longline, REDIS_LINE_MAX), "MORE need=8194");
}

/* Every way to cut a stream in two, and a byte at a time. */
static void
test_parse_split(void)
{
	static const char stream[] = "+OK\r\n-ERR x\r\n:-7\r\n$3\r\na\r\n\r\n"
	    "$-1\r\n*-1\r\n*0\r\n*3\r\n$1\r\nk\r\n*2\r\n:1\r\n+s\r\n$0\r\n\r\n"
	    ":12345\r\n";
	static const char want[] = "+OK -ERR x :-7 $a\\x0d\\x0a nil nil [] "
	    "[$k,[:1,+s],$] :12345";
	size_t len = sizeof stream - 1, cuts[sizeof stream], all[1009], k;
	size_t bad = 0;
	char big[1100];
	int parses = 0;

	for (k = 0; k <= len; k++) {
		cuts[0] = k;
		cuts[1] = len;
		if (strcmp(feed(stream, len, cuts, 2, &parses), want) != 0) {
			printf("split at %zu: %s\n", k, feed(stream, len,
			    cuts, 2, &parses));
			bad++;
		}
	}
	CHECK("parse: a stream cut in two at every byte", bad == 0);
	for (k = 0; k < len; k++)
		cuts[k] = k + 1;
	CHECK_STR("parse: a stream a byte at a time",
	    feed(stream, len, cuts, len, &parses), want);

	/* the hint: a 1000-byte bulk a byte at a time is parsed once its
	 * header is complete, and once more when its body is */
	snprintf(big, sizeof big, "$1000\r\n");
	memset(big + 7, 'x', 1000);
	memcpy(big + 1007, "\r\n", 2);
	for (k = 0; k < sizeof all / sizeof all[0]; k++)
		all[k] = k + 1;
	parses = 0;
	feed(big, sizeof all / sizeof all[0], all, sizeof all / sizeof all[0],
	    &parses);
	CHECK("parse: a big bulk a byte at a time is not parsed for each byte",
	    parses <= 10);
}

static void
test_encode(void)
{
	static const char want[] = "*4\r\n$3\r\nSET\r\n$4\r\nk\0ey\r\n"
	    "$5\r\nv\r\nal\r\n$0\r\n\r\n";
	const char *argv[] = { "SET", "k\0ey", "v\r\nal", "" };
	const size_t lens[] = { 3, 4, 5, 0 };
	const char *ping[] = { "PING" };
	struct buf b = { 0 };

	redis_encode(&b, 4, argv, lens);
	CHECK("encode: binary-safe arguments, byte for byte",
	    b.len == sizeof want - 1 && memcmp(b.data, want, b.len) == 0);
	buf_reset(&b);
	redis_encode(&b, 1, ping, NULL);
	CHECK("encode: NUL-terminated arguments", b.len == PING_LEN &&
	    memcmp(b.data, "*1\r\n$4\r\nPING\r\n", PING_LEN) == 0);
	buf_free(&b);
}

/* --- the loop, clients, servers --- */

/* As rr's loop does: events, then deadlines, until done(arg) or the
 * limit.  False at the limit. */
static bool
run_for(bool (*done)(const void *), const void *arg, int64_t limit)
{
	struct epoll_event ev[16];
	int64_t until = clock_ns(CLOCK_MONOTONIC) + limit, now, at, t;
	int i, j, n, ms;

	for (;;) {
		if (done(arg))
			return true;
		now = clock_ns(CLOCK_MONOTONIC);
		if (now >= until)
			return false;
		for (at = until, j = 0; j < nclients; j++)
			if ((t = redis_next_deadline(clients[j])) < at)
				at = t;
		ms = at <= now ? 0 : (int)((at - now + MS_NS - 1) / MS_NS);
		n = epoll_wait(epfd, ev, 16, ms);
		now = clock_ns(CLOCK_MONOTONIC);
		for (i = 0; i < n; i++)
			for (j = 0; j < nclients; j++)
				if (redis_owns(clients[j], ev[i].data.ptr))
					redis_on_io(clients[j], ev[i].data.ptr,
					    ev[i].events, now);
		for (j = 0; j < nclients; j++)
			redis_on_deadline(clients[j], now);
	}
}

static bool
run(bool (*done)(const void *), const void *arg)
{
	return run_for(done, arg, WAIT_NS);
}

static bool
never(const void *arg)
{
	(void)arg;
	return false;
}

static bool
connected(const void *arg)
{
	return redis_connected(arg);
}

static bool
answered(const void *arg)
{
	return answers >= *(const int *)arg;
}

static bool
flushed(const void *arg)
{
	return buf_pending(&((const struct redis *)arg)->out) == 0;
}

struct reconnects {
	const struct redis *r;
	uint64_t	 want;
};

static bool
reconnected(const void *arg)
{
	const struct reconnects *w = arg;

	return w->r->reconnects >= w->want;
}

struct went_down {
	const struct redis *r;
	const char	*why;
};

static bool
went_down(const void *arg)
{
	const struct went_down *w = arg;

	return strstr(w->r->last_error, w->why) != NULL;
}

static struct redis *
client(const char *address, const char *user, const char *pass, unsigned db,
    int64_t timeout)
{
	struct redis_config cfg = { "test", address, user, pass, db, timeout };
	struct redis *r = calloc(1, sizeof *r);
	char err[256];

	if (r == NULL || nclients == CLIENTS_MAX ||
	    redis_init(r, &cfg, epfd, err, sizeof err) == -1) {
		printf("FAIL redis: a client for %s: %s\n", address,
		    r == NULL ? "out of memory" : err);
		exit(1);
	}
	clients[nclients++] = r;
	return r;
}

static void
client_done(struct redis *r)
{
	int i;

	redis_close(r);
	for (i = 0; i < nclients && clients[i] != r; i++)
		;
	clients[i] = clients[--nclients];
	free(r);
}

/* What a callback saw: its calls, the last reply as text. */
struct seen {
	int		 calls;
	char		 text[256];
};

static void
record(void *arg, const struct redis_reply *r)
{
	struct seen *s = arg;
	struct buf b = { 0 };

	render(&b, r);
	buf_put(&b, "", 1);
	snprintf(s->text, sizeof s->text, "%s", b.data);
	buf_free(&b);
	s->calls++;
	answers++;
}

/* Split words on spaces into argv. */
static int
words(char *line, const char **argv, int max)
{
	int argc = 0;
	char *w;

	for (w = strtok(line, " "); w != NULL && argc < max;
	    w = strtok(NULL, " "))
		argv[argc++] = w;
	return argc;
}

/* One command and its reply as text; "REFUSED" or "NO ANSWER". */
static const char *
askv(struct redis *r, int argc, const char *const *argv, const size_t *lens)
{
	static struct seen s;
	int want = answers + 1;

	memset(&s, 0, sizeof s);
	if (redis_command(r, record, &s, argc, argv, lens) == -1)
		return "REFUSED";
	if (!run(answered, &want))
		return "NO ANSWER";
	return s.text;
}

static const char *
ask(struct redis *r, const char *cmd)
{
	char line[512];
	const char *argv[16];

	snprintf(line, sizeof line, "%s", cmd);
	return askv(r, words(line, argv, 16), argv, NULL);
}

static int
free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd != -1 && bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* A blocking listener on a free loopback port, for a fake server. */
static int
fake_listener(int *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(fd, 8) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		printf("FAIL redis: a fake server: %s\n", strerror(errno));
		exit(1);
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

static bool
on_path(const char *name)
{
	const char *path = getenv("PATH"), *p, *colon;
	char file[4096];

	for (p = path; p != NULL && *p != '\0'; p = colon ? colon + 1 : NULL) {
		colon = strchr(p, ':');
		snprintf(file, sizeof file, "%.*s/%s", colon != NULL ?
		    (int)(colon - p) : (int)strlen(p), p, name);
		if (access(file, X_OK) == 0)
			return true;
	}
	return false;
}

/* Whether a server on 127.0.0.1:port answers a PING (any answer, an
 * error for want of a password too). */
static bool
answers_ping(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port) };
	struct timeval tv = { 1, 0 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char c = 0;
	bool ok;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	ok = connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0 &&
	    write(fd, "*1\r\n$4\r\nPING\r\n", PING_LEN) == PING_LEN &&
	    read(fd, &c, 1) == 1 && (c == '+' || c == '-');
	close(fd);
	return ok;
}

/* In a child: go with the test, should it crash, rather than outlive
 * it. */
static void
die_with_parent(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		_exit(1);
}

/*
 * redis-server on 127.0.0.1:port, nothing saved, with the extra
 * arguments; returns once it answers.
 */
static pid_t
start_server(int port, const char *const *extra)
{
	const char *argv[32] = { "redis-server", "--port", NULL, "--save", "",
	    "--appendonly", "no", "--bind", "127.0.0.1" };
	char portstr[16];
	int64_t until = clock_ns(CLOCK_MONOTONIC) + WAIT_NS;
	int argc = 9, null;
	pid_t pid, parent = getpid();

	snprintf(portstr, sizeof portstr, "%d", port);
	argv[2] = portstr;
	while (extra != NULL && *extra != NULL && argc < 31)
		argv[argc++] = *extra++;
	fflush(stdout);
	if ((pid = fork()) == 0) {
		die_with_parent(parent);
		if ((null = open("/dev/null", O_WRONLY)) != -1) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	while (pid > 0 && clock_ns(CLOCK_MONOTONIC) < until) {
		if (answers_ping(port))
			return pid;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			break;
		nanosleep(&(struct timespec){ 0, 20 * MS_NS }, NULL);
	}
	printf("FAIL redis: redis-server on port %d did not answer\n", port);
	exit(1);
}

static void
stop_server(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* A fake server's side: n bytes exactly, or false at EOF. */
static bool
read_n(int fd, size_t n)
{
	char b[256];
	ssize_t got;

	while (n > 0) {
		got = read(fd, b, n < sizeof b ? n : sizeof b);
		if (got <= 0)
			return false;
		n -= (size_t)got;
	}
	return true;
}

static void
wait_eof(int fd)
{
	char b[256];

	while (read(fd, b, sizeof b) > 0)
		;
}

/* Written a byte a write, with a pause, so each comes in a read of its
 * own as often as not. */
static void
write_bytewise(int fd, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (write(fd, s + i, 1) != 1)
			_exit(1);
		nanosleep(&(struct timespec){ 0, 300000 }, NULL);
	}
}

static void
write_all(int fd, const char *s, size_t n)
{
	ssize_t w;

	for (; n > 0; s += w, n -= (size_t)w)
		if ((w = write(fd, s, n)) <= 0)
			_exit(1);
}

/* --- the client against redis-server --- */

static void
test_commands(int port, const char *unix_addr)
{
	static struct seen early;
	char addr[64], sha[64];
	const char *eval[] = { "EVAL", "return redis.call('get',KEYS[1])",
	    "1", "k" };
	const char *nested[] = { "EVAL", "return {1,'two',{3,{}}}", "0" };
	const char *set[] = { "SET", "bin", "a\0b\r\nc" };
	const size_t setlens[] = { 3, 3, 6 };
	struct redis *r;

	snprintf(addr, sizeof addr, "tcp://127.0.0.1:%d", port);
	r = client(addr, NULL, NULL, 0, TIMEOUT_NS);
	CHECK("redis: commands are refused before the connection",
	    redis_command(r, record, &early, 1, (const char *[]){ "PING" },
	    NULL) == -1 && r->refused == 1 && early.calls == 0);
	CHECK("redis: connects", run(connected, r));
	CHECK_STR("redis: SET NX PX takes a free key",
	    ask(r, "SET k v NX PX 1000"), "+OK");
	CHECK_STR("redis: SET NX PX on a taken key is nil",
	    ask(r, "SET k v NX PX 1000"), "nil");
	CHECK_STR("redis: INCR", ask(r, "INCR n"), ":1");
	CHECK_STR("redis: GET", ask(r, "GET k"), "$v");
	CHECK_STR("redis: GET of no key", ask(r, "GET nokey"), "nil");
	CHECK_STR("redis: EVAL", askv(r, 4, eval, NULL), "$v");
	CHECK_STR("redis: EVAL with nested arrays", askv(r, 3, nested, NULL),
	    "[:1,$two,[:3,[]]]");
	snprintf(sha, sizeof sha, "%s", askv(r, 3, (const char *[]){ "SCRIPT",
	    "LOAD", "return 7" }, NULL));
	CHECK("redis: SCRIPT LOAD", strlen(sha) == 41 && sha[0] == '$');
	CHECK_STR("redis: EVALSHA", askv(r, 3, (const char *[]){ "EVALSHA",
	    sha + 1, "0" }, NULL), ":7");
	CHECK("redis: an unknown script is an error reply",
	    strncmp(ask(r, "EVALSHA 0000000000000000000000000000000000000000 "
	    "0"), "-NOSCRIPT", 9) == 0);
	CHECK_STR("redis: binary-safe arguments", askv(r, 3, set, setlens),
	    "+OK");
	CHECK_STR("redis: binary-safe bulk", ask(r, "GET bin"),
	    "$a\\x00b\\x0d\\x0ac");
	CHECK_STR("redis: a wrong command is an error reply",
	    ask(r, "INCR k"), "-ERR value is not an integer or out of range");
	CHECK("redis: counters", r->sent == r->replies && r->failed == 0 &&
	    r->count == 0 && r->reconnects == 0 && r->refused == 1);
	client_done(r);
	if (unix_addr != NULL) {
		r = client(unix_addr, NULL, NULL, 0, TIMEOUT_NS);
		CHECK("redis: connects on a unix socket", run(connected, r));
		CHECK_STR("redis: PING on a unix socket", ask(r, "PING"),
		    "+PONG");
		client_done(r);
	}
}

/* Replies must come in the order the commands went. */
struct order {
	long long	 next;
	int		 wrong;
};

static void
in_order(void *arg, const struct redis_reply *r)
{
	struct order *o = arg;

	if (r->type != REDIS_INTEGER || r->integer != ++o->next)
		o->wrong++;
	answers++;
}

/* Each reply asks the next question, from inside the callback. */
struct chain {
	struct redis	*r;
	int		 hops;
	int		 wrong;
};

static void
hop(void *arg, const struct redis_reply *rep)
{
	static const char *const incr[] = { "INCR", "hops" };
	struct chain *c = arg;

	answers++;
	if (rep->type != REDIS_INTEGER || rep->integer != ++c->hops)
		c->wrong++;
	if (c->hops < 10 && redis_command(c->r, hop, c, 2, incr, NULL) == -1)
		c->wrong++;
}

static void
test_pipeline(int port)
{
	static const char *const incr[] = { "INCR", "pipe" };
	static const char *const hops[] = { "INCR", "hops" };
	struct order o = { 0, 0 };
	struct chain ch = { NULL, 0, 0 };
	struct redis *r;
	char addr[64];
	int i, queued = 0, want;

	snprintf(addr, sizeof addr, "tcp://127.0.0.1:%d", port);
	r = client(addr, NULL, NULL, 0, TIMEOUT_NS);
	CHECK("redis: connects for the pipeline", run(connected, r));
	for (i = 0; i < REDIS_PENDING_MAX; i++)
		queued += redis_command(r, in_order, &o, 2, incr, NULL) == 0;
	CHECK("redis: the ring takes 1024 commands", queued ==
	    REDIS_PENDING_MAX);
	CHECK("redis: the 1025th is refused at once",
	    redis_command(r, in_order, &o, 2, incr, NULL) == -1 &&
	    r->refused == 1);
	want = answers + queued;
	CHECK("redis: 1024 pipelined INCRs are answered", run(answered, &want));
	CHECK("redis: ... in order", o.next == REDIS_PENDING_MAX &&
	    o.wrong == 0);
	ch.r = r;
	want = answers + 10;
	CHECK("redis: a callback queues the next command",
	    redis_command(r, hop, &ch, 2, hops, NULL) == 0 &&
	    run(answered, &want) && ch.hops == 10 && ch.wrong == 0);
	CHECK("redis: pipeline counters", r->sent == REDIS_PENDING_MAX + 11 &&
	    r->replies == r->sent && r->failed == 0 && r->count == 0);
	client_done(r);
}

static void
test_select(int port)
{
	struct went_down w;
	struct redis *a, *b, *c;
	char addr[64];

	snprintf(addr, sizeof addr, "tcp://127.0.0.1:%d", port);
	a = client(addr, NULL, NULL, 3, TIMEOUT_NS);
	b = client(addr, NULL, NULL, 0, TIMEOUT_NS);
	CHECK("redis: connects with SELECT 3", run(connected, a) &&
	    run(connected, b));
	CHECK_STR("redis: SET in db 3", ask(a, "SET where three"), "+OK");
	CHECK_STR("redis: not in db 0", ask(b, "GET where"), "nil");
	CHECK_STR("redis: in db 3", ask(a, "GET where"), "$three");
	CHECK_STR("redis: db 3 indeed", ask(b, "SELECT 3"), "+OK");
	CHECK_STR("redis: ... as a SELECT of its own sees",
	    ask(b, "GET where"), "$three");
	c = client(addr, NULL, NULL, 99, TIMEOUT_NS);
	w = (struct went_down){ c, "DB index is out of range" };
	CHECK("redis: SELECT 99 is refused, and said why", run(went_down, &w) &&
	    !redis_connected(c));
	client_done(a);
	client_done(b);
	client_done(c);
}

/* What the log said meanwhile: fd 2 goes to a file, then comes back. */
static int
capture_start(void)
{
	char path[] = "/tmp/unit_redis.log.XXXXXX";
	int fd = mkostemp(path, O_CLOEXEC), saved;

	unlink(path);
	saved = fcntl(2, F_DUPFD_CLOEXEC, 3);
	dup2(fd, 2);
	close(fd);
	return saved;
}

static void
capture_end(int saved, char *out, size_t cap)
{
	ssize_t n;

	n = pread(2, out, cap - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	dup2(saved, 2);
	close(saved);
}

static void
test_auth(void)
{
	static const char *const pass[] = { "--requirepass", "sekrit", NULL };
	static char log[16384];
	struct reconnects rc;
	struct went_down w;
	struct redis *a, *b, *c, *d;
	char addr[64];
	int port = free_port(), saved;
	pid_t srv = start_server(port, pass);

	snprintf(addr, sizeof addr, "tcp://127.0.0.1:%d", port);
	a = client(addr, NULL, "sekrit", 0, TIMEOUT_NS);
	b = client(addr, "default", "sekrit", 2, TIMEOUT_NS);
	CHECK("redis: AUTH pass", run(connected, a));
	CHECK_STR("redis: commands after AUTH", ask(a, "SET sec ret"), "+OK");
	CHECK("redis: AUTH user pass, then SELECT", run(connected, b));
	CHECK_STR("redis: commands after AUTH user pass",
	    ask(b, "GET sec"), "nil");
	client_done(a);
	client_done(b);

	saved = capture_start();
	c = client(addr, NULL, "hunter2", 0, TIMEOUT_NS);
	rc = (struct reconnects){ c, 3 };
	CHECK("redis: a wrong password, tried again and again",
	    run(reconnected, &rc) && !redis_connected(c));
	CHECK("redis: ... with its error reply kept",
	    strstr(c->last_error, "WRONGPASS") != NULL);
	CHECK("redis: ... backing off", c->backoff >= 800 * MS_NS);
	CHECK("redis: ... refusing commands", redis_command(c, record,
	    &(struct seen){ 0 }, 1, (const char *[]){ "PING" }, NULL) == -1);
	capture_end(saved, log, sizeof log);
	CHECK("redis: ... and saying so, with the next try",
	    strstr(log, "handshake refused") != NULL &&
	    strstr(log, "WRONGPASS") != NULL &&
	    strstr(log, "retry_ms=400") != NULL &&
	    strstr(log, "hunter2") == NULL);
	d = client(addr, NULL, NULL, 0, TIMEOUT_NS);
	w = (struct went_down){ d, "NOAUTH" };
	CHECK("redis: no password where one is needed", run(went_down, &w) &&
	    !redis_connected(d));
	client_done(c);
	client_done(d);
	stop_server(srv);
}

static bool
all_once(const struct seen *s, int n, const char *prefix)
{
	int i;

	for (i = 0; i < n; i++)
		if (s[i].calls != 1 || strncmp(s[i].text, prefix,
		    strlen(prefix)) != 0)
			return false;
	return true;
}

/* Killed while commands wait for replies, then started again. */
static pid_t
test_kill(int port, pid_t srv)
{
	static struct seen s[10];
	static const char *const get[] = { "GET", "k" };
	char addr[64];
	struct redis *r;
	uint64_t failed;
	int i, queued = 0, want;

	snprintf(addr, sizeof addr, "tcp://127.0.0.1:%d", port);
	r = client(addr, NULL, NULL, 0, TIMEOUT_NS);
	CHECK("redis: connects before the kill", run(connected, r));
	kill(srv, SIGSTOP);
	for (i = 0; i < 10; i++)
		queued += redis_command(r, record, &s[i], 2, get, NULL) == 0;
	failed = r->failed;
	CHECK("redis: 10 commands sent to a stopped server", queued == 10 &&
	    run(flushed, r));
	stop_server(srv);
	want = answers + 10;
	CHECK("redis: killed: every pending callback is called",
	    run(answered, &want));
	CHECK("redis: ... once, with REDIS_FAILED", all_once(s, 10, "!") &&
	    r->failed == failed + 10 && !redis_connected(r));
	srv = start_server(port, NULL);
	CHECK("redis: reconnects to a new server on the port",
	    run(connected, r));
	CHECK("redis: ... and its back-off starts over",
	    r->backoff == 100 * MS_NS);
	CHECK_STR("redis: ... and works", ask(r, "GET k"), "nil");
	CHECK("redis: ... and no callback ran twice", all_once(s, 10, "!"));
	client_done(r);
	return srv;
}

/* Stopped for longer than the timeout, then continued. */
static void
test_stop(int port, pid_t srv)
{
	static struct seen s[5];
	static const char *const incr[] = { "INCR", "stopped" };
	char addr[64];
	struct redis *r;
	int i, queued = 0, want;

	snprintf(addr, sizeof addr, "tcp://127.0.0.1:%d", port);
	r = client(addr, NULL, NULL, 0, 500 * MS_NS);
	CHECK("redis: connects before SIGSTOP", run(connected, r));
	kill(srv, SIGSTOP);
	for (i = 0; i < 5; i++)
		queued += redis_command(r, record, &s[i], 2, incr, NULL) == 0;
	want = answers + 5;
	CHECK("redis: stopped: the timeout fails every pending callback",
	    queued == 5 && run(answered, &want));
	CHECK("redis: ... once, with REDIS_FAILED and why",
	    all_once(s, 5, "!no reply in 500 ms"));
	CHECK("redis: ... and is not connected meanwhile",
	    !redis_connected(r) && redis_command(r, record, &s[0], 2, incr,
	    NULL) == -1);
	kill(srv, SIGCONT);
	CHECK("redis: continued: it recovers", run(connected, r));
	CHECK("redis: ... and works", strncmp(ask(r, "INCR stopped"), ":", 1)
	    == 0);
	run_for(never, NULL, 200 * MS_NS);
	CHECK("redis: ... and no callback ran twice", all_once(s, 5, "!"));
	client_done(r);
}

/* A callback that closes its own client, with more pending behind it. */
struct closer {
	struct redis	*r;
	struct seen	 seen;
	int		 refused;
};

static void
close_in_callback(void *arg, const struct redis_reply *rep)
{
	struct closer *c = arg;

	record(&c->seen, rep);
	redis_close(c->r);
	c->refused += redis_command(c->r, record, &c->seen, 1,
	    (const char *[]){ "PING" }, NULL) == -1;
}

static void
test_close_in_callback(int port)
{
	static struct seen s[3];
	static const char *const ping[] = { "PING" };
	struct closer cl;
	char addr[64];
	int want, i;

	snprintf(addr, sizeof addr, "tcp://127.0.0.1:%d", port);
	memset(&cl, 0, sizeof cl);
	cl.r = client(addr, NULL, NULL, 0, TIMEOUT_NS);
	CHECK("redis: connects to be closed", run(connected, cl.r));
	redis_command(cl.r, close_in_callback, &cl, 1, ping, NULL);
	for (i = 0; i < 3; i++)
		redis_command(cl.r, record, &s[i], 1, ping, NULL);
	want = answers + 4;
	CHECK("redis: closed from a callback", run(answered, &want));
	CHECK("redis: ... the rest fail once, at the close",
	    all_once(s, 3, "!the client was closed") && cl.seen.calls == 1 &&
	    cl.refused == 1);
	run_for(never, NULL, 200 * MS_NS);
	CHECK("redis: ... and nothing runs after", all_once(s, 3, "!") &&
	    cl.seen.calls == 1);
	client_done(cl.r);	/* a second close is safe */
}

/* --- fake servers --- */

/*
 * A server forked here on a free loopback port: it takes n connections
 * one after another, reads each one's PING, has serve(fd, i) answer,
 * and waits for the client to hang up.  Fills in the address.
 */
static pid_t
fake_server(int n, void (*serve)(int fd, int i), char *addr, size_t len)
{
	const int on = 1;
	int lfd, port, fd, i;
	pid_t pid, parent = getpid();

	lfd = fake_listener(&port);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		die_with_parent(parent);
		for (i = 0; i < n; i++) {
			if ((fd = accept(lfd, NULL, NULL)) == -1)
				_exit(1);
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
			    sizeof on);
			if (!read_n(fd, PING_LEN))
				_exit(1);
			serve(fd, i);
			wait_eof(fd);
			close(fd);
		}
		_exit(0);
	}
	close(lfd);
	snprintf(addr, len, "tcp://127.0.0.1:%d", port);
	return pid;
}

struct garbage {
	const char	*bytes;
	size_t		 len;
	const char	*why;
};

static struct garbage garbage[] = {
	{ "%junk\r\n", 7, "an unknown type byte, at byte 0" },
	{ "+PONG\r\n+EXTRA\r\n", 15, "a reply to no command" },
	{ "$1048577\r\n", 10, "a bulk string longer than 1048576" },
	{ "+PONG\n", 6, "a line feed without a carriage return" },
	{ "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", 40,
	    "arrays nested deeper than 8" },
	{ "$3\r\nabcd\r\n", 10, "a bulk string not followed by CRLF" },
	{ NULL, 0, "a reply longer than 2097152 bytes" },	/* see below */
};
#define NGARBAGE	(sizeof garbage / sizeof garbage[0])

/* The client drops the last one before it is all written: so be it. */
static void
serve_garbage(int fd, int i)
{
	write_all(fd, garbage[i].bytes, garbage[i].len);
}

static void
test_garbage(void)
{
	struct went_down w;
	struct redis *r;
	char addr[64], name[128], *huge;
	size_t i, hlen;
	pid_t pid;

	/* two bulk strings of the largest size: too much for one reply */
	hlen = 4 + 2 * (10 + REDIS_BULK_MAX + 2);
	if ((huge = malloc(hlen)) == NULL)
		exit(1);
	memset(huge, 'x', hlen);
	memcpy(huge, "*2\r\n$1048576\r\n", 14);
	memcpy(huge + 14 + REDIS_BULK_MAX, "\r\n$1048576\r\n", 12);
	memcpy(huge + hlen - 2, "\r\n", 2);
	garbage[NGARBAGE - 1].bytes = huge;
	garbage[NGARBAGE - 1].len = hlen;

	pid = fake_server(NGARBAGE, serve_garbage, addr, sizeof addr);
	r = client(addr, NULL, NULL, 0, TIMEOUT_NS);
	for (i = 0; i < NGARBAGE; i++) {
		w = (struct went_down){ r, garbage[i].why };
		snprintf(name, sizeof name, "redis: garbage: %s",
		    garbage[i].why);
		CHECK(name, run(went_down, &w));
		r->last_error[0] = '\0';
	}
	CHECK("redis: ... each a reconnect", r->reconnects >= NGARBAGE);
	client_done(r);
	CHECK("redis: the garbage server is gone", waitpid(pid, NULL, 0) ==
	    pid);
	free(huge);
}

static const char bytewise_replies[] = ":42\r\n$5\r\nhe\r\nl\r\n"
    "*4\r\n$-1\r\n*-1\r\n*2\r\n+a\r\n:-7\r\n*0\r\n-ERR x y\r\n"
    "$0\r\n\r\n";
static const char *const bytewise_cmds[] = { "A", "B", "C", "D", "E" };
#define BYTEWISE_CMDS_LEN	(5 * 11)	/* "*1\r\n$1\r\nA\r\n" each */

static void
serve_bytewise(int fd, int i)
{
	(void)i;
	write_bytewise(fd, "+PONG\r\n", 7);
	if (!read_n(fd, BYTEWISE_CMDS_LEN))
		_exit(1);
	write_bytewise(fd, bytewise_replies, sizeof bytewise_replies - 1);
}

static void
test_bytewise(void)
{
	static const char *const want[] = { ":42", "$he\\x0d\\x0al",
	    "[nil,nil,[+a,:-7],[]]", "-ERR x y", "$" };
	static struct seen s[5];
	struct redis *r;
	char addr[64], name[64];
	int i, n, ok = 1;
	pid_t pid;

	pid = fake_server(1, serve_bytewise, addr, sizeof addr);
	r = client(addr, NULL, NULL, 0, TIMEOUT_NS);
	CHECK("redis: a byte at a time: PONG", run(connected, r));
	for (i = 0; i < 5; i++)
		ok &= redis_command(r, record, &s[i], 1, &bytewise_cmds[i],
		    NULL) == 0;
	n = answers + 5;
	CHECK("redis: a byte at a time: every reply", ok && run(answered, &n));
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof name, "redis: a byte at a time: reply %d",
		    i + 1);
		CHECK_STR(name, s[i].text, want[i]);
	}
	CHECK("redis: ... no reconnect", r->reconnects == 0);
	client_done(r);
	CHECK("redis: the bytewise server is gone", waitpid(pid, NULL, 0) ==
	    pid);
}

static void
serve_silence(int fd, int i)
{
	(void)i;
	write_all(fd, "+PONG\r\n", 7);
}

/*
 * A server that answers the PING and then nothing: the timeout drops
 * the connection, and the first failed callback closes the client, so
 * that the rest are failed by the close, inside the drop's own round.
 */
static void
test_silence(void)
{
	static struct seen s[2];
	static const char *const ping[] = { "PING" };
	struct closer cl;
	char addr[64];
	int want, i;
	pid_t pid;

	pid = fake_server(1, serve_silence, addr, sizeof addr);
	memset(&cl, 0, sizeof cl);
	cl.r = client(addr, NULL, NULL, 0, 300 * MS_NS);
	CHECK("redis: silence: PONG", run(connected, cl.r));
	redis_command(cl.r, close_in_callback, &cl, 1, ping, NULL);
	for (i = 0; i < 2; i++)
		redis_command(cl.r, record, &s[i], 1, ping, NULL);
	want = answers + 3;
	CHECK("redis: silence: every callback runs", run(answered, &want));
	CHECK_STR("redis: ... the first for the timeout", cl.seen.text,
	    "!no reply in 300 ms");
	CHECK("redis: ... the rest once, for the close within",
	    all_once(s, 2, "!the client was closed") && cl.refused == 1);
	run_for(never, NULL, 200 * MS_NS);
	CHECK("redis: ... and nothing runs after", all_once(s, 2, "!") &&
	    cl.seen.calls == 1 && cl.r->failed == 3);
	client_done(cl.r);
	CHECK("redis: the silent server is gone", waitpid(pid, NULL, 0) ==
	    pid);
}

static void
test_init_errors(void)
{
	struct redis_config cfg = { "t", "tcp://127.0.0.1", NULL, NULL, 0,
	    SEC_NS };
	static struct redis r;
	char err[256];

	CHECK("init: an address without a port", redis_init(&r, &cfg, -1, err,
	    sizeof err) == -1 && strstr(err, "tcp://host:port") != NULL);
	cfg.address = "tcp://127.0.0.1:6379";
	cfg.timeout_ns = 0;
	CHECK("init: no timeout", redis_init(&r, &cfg, -1, err, sizeof err) ==
	    -1 && strstr(err, "timeout") != NULL);
	cfg.timeout_ns = SEC_NS;
	cfg.username = "u";
	CHECK("init: a username without a password", redis_init(&r, &cfg, -1,
	    err, sizeof err) == -1 && strstr(err, "password") != NULL);
	redis_close(&r);
}

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d != NULL && readdir(d) != NULL)
		n++;
	if (d != NULL)
		closedir(d);
	return n;
}

int
main(void)
{
	static const char *more[] = { "--unixsocket", NULL,
	    "--unixsocketperm", "700", NULL };
	char sock[64], unix_addr[80];
	int fds = count_fds(), port;
	pid_t srv;

	signal(SIGPIPE, SIG_IGN);	/* as rr does */
	test_parse_types();
	test_parse_more();
	test_parse_bad();
	test_parse_split();
	test_encode();
	test_init_errors();
	if (!on_path("redis-server")) {
		printf("SKIP redis: redis-server is not installed\n");
		return unit_failed != 0;
	}
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return 1;
	snprintf(sock, sizeof sock, "/tmp/unit_redis.%d.sock", (int)getpid());
	snprintf(unix_addr, sizeof unix_addr, "unix://%s", sock);
	more[1] = sock;
	port = free_port();
	srv = start_server(port, more);
	test_commands(port, unix_addr);
	test_pipeline(port);
	test_select(port);
	test_close_in_callback(port);
	srv = test_kill(port, srv);
	test_stop(port, srv);
	stop_server(srv);
	unlink(sock);
	test_auth();
	test_garbage();
	test_bytewise();
	test_silence();
	close(epfd);
	CHECK("redis: no child left", waitpid(-1, NULL, WNOHANG) == -1 &&
	    errno == ECHILD);
	CHECK("redis: no fd left open", count_fds() == fds);
	return unit_failed != 0;
}

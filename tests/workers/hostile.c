/*
 * hostile: a worker that attacks rr in one way, for tests/t_hostile.sh and
 * tests/t_security.sh.
 *
 *   hostile MODE CLAIM COMMAND...
 *
 * server.command is one command for every worker, so only the process that
 * creates the file CLAIM (O_EXCL) plays MODE; it writes its pid there.
 * Every other process, its replacements included, execs COMMAND (a plain
 * tworker echo), so the rest of the pool keeps serving.
 *
 * MODE:
 *   huge       answers its first tick with a header claiming a 4 GiB
 *              payload, then streams zeros for ever
 *   slowloris  writes its handshake reply one byte a second
 *   slowreply  writes its reply to its first tick one byte a second, then
 *              serves as echo
 *   flood      on its first tick writes 1 GiB to stderr in 64 KiB lines,
 *              says "flooded N bytes", then serves as echo
 *   garbage    on its first tick writes pseudo-random bytes to stdout for
 *              ever
 *   badshake   answers the pid frame with a data frame (no CONTROL flag)
 *   noshake    never reads stdin, never answers
 *   stubborn   serves as echo, ignores the stop frame and SIGTERM
 *   fork50     on its first tick forks 50 children that sleep holding its
 *              pipes, writes their pids to CLAIM.children, exits 0
 *   closeout   on its first tick closes stdout and sleeps for ever
 *   twice      answers its first tick with two replies in one write, then
 *              serves as echo
 *   nasty      prints terminal escapes, NUL, '"}', a forged field
 *              (" pid=1 x="), forged JSON and invalid UTF-8 to stderr at
 *              start; answers its first tick with an error frame carrying
 *              the same bytes, its second by writing them to stdout
 *
 * What it does is also said on stderr ("hostile MODE: ..."), which rr logs.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tw.h"

#define CHUNK		(64 * 1024)
#define FLOOD_BYTES	(1024LL * 1024 * 1024)
#define CHILDREN	50

enum mode {
	HUGE, SLOWLORIS, SLOWREPLY, FLOOD, GARBAGE, BADSHAKE, NOSHAKE,
	STUBBORN, FORK50, CLOSEOUT, TWICE, NASTY, NMODES
};

static const char *mode_names[NMODES] = {
	"huge", "slowloris", "slowreply", "flood", "garbage", "badshake",
	"noshake", "stubborn", "fork50", "closeout", "twice", "nasty"
};

/* Everything a log must survive; sizeof - 1 because of the NUL inside. */
static const char nasty[] =
    "\x1b[31mred\x1b[0m \x1b]0;pwned\x07 nul:\0: quote-brace:\"} "
    "field:\" pid=1 x=\" "
    "{\"level\":\"error\",\"msg\":\"forged\"} bad-utf8:\xff\xfe\xc0\xaf "
    "cr:\r del:\x7f backslash:\\ utf8:\xc3\xa9\xe2\x82\xac\n"
    "\"}\n"
    "\x1b[2J\x1b[H no newline at the end";

static enum mode mode;
static const char *claim;

static void __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hostile %s: ", mode_names[mode]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void __attribute__((noreturn))
die(const char *what)
{
	say("%s: %s", what, strerror(errno));
	exit(2);
}

static void
write_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, s, n)) == -1) {
			if (errno == EINTR)
				continue;
			die("write");
		}
		s += w;
		n -= (size_t)w;
	}
}

/* A data frame's 16-byte header (one option: the context length). */
static void
data_header(unsigned char h[16], uint32_t ctxlen, uint32_t len)
{
	memset(h, 0, 16);
	h[0] = 1 << 4 | 4;
	tw_put32(h + 2, len);
	tw_put32(h + 6, tw_crc32(h, 6));
	tw_put32(h + 12, ctxlen);
}

static void
sleep_s(time_t s)
{
	struct timespec ts = { s, 0 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void
dribble(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		write_all(1, p + i, 1);
		sleep_s(1);
	}
}

static void
echo(const struct tw_frame *f)
{
	uint32_t ctxlen = f->opt[0];

	if (tw_write(1, 0, &ctxlen, 1, f->payload, f->len, NULL, 0, 0) == -1)
		die("write");
}

static void
handshake(void)
{
	char reply[64];
	unsigned char frame[12 + sizeof reply];
	uint32_t zero = 0;
	int n;

	n = snprintf(reply, sizeof reply, "{\"pid\":%d}", (int)getpid());
	switch (mode) {
	case BADSHAKE:
		say("answering the pid frame with a data frame");
		if (tw_write(1, 0, &zero, 1, reply, (size_t)n, NULL, 0, 0) == -1)
			die("write");
		return;
	case SLOWLORIS:
		memset(frame, 0, 12);
		frame[0] = 1 << 4 | 3;
		frame[1] = TW_CONTROL;
		tw_put32(frame + 2, (uint32_t)n);
		tw_put32(frame + 6, tw_crc32(frame, 6));
		memcpy(frame + 12, reply, (size_t)n);
		say("answering the pid frame one byte a second");
		dribble(frame, 12 + (size_t)n);
		return;
	default:
		if (tw_write(1, TW_CONTROL, NULL, 0, reply, (size_t)n, NULL, 0,
		    0) == -1)
			die("write");
	}
}

static void __attribute__((noreturn))
claim_huge(void)
{
	static unsigned char zeros[CHUNK];
	unsigned char h[16];

	data_header(h, 0, 0xffffffffu);
	say("claiming a payload of %u bytes", 0xffffffffu);
	write_all(1, h, sizeof h);
	for (;;)
		write_all(1, zeros, sizeof zeros);
}

static void
flood(void)
{
	static char line[CHUNK];
	long long sent;

	memset(line, 'F', sizeof line - 1);
	line[sizeof line - 1] = '\n';
	for (sent = 0; sent < FLOOD_BYTES; sent += (long long)sizeof line)
		write_all(2, line, sizeof line);
	say("flooded %lld bytes", sent);
}

static void __attribute__((noreturn))
garbage(void)
{
	static uint32_t buf[CHUNK / 4];
	uint32_t x = 2463534242u;
	size_t i;

	say("writing garbage to stdout for ever");
	for (;;) {
		for (i = 0; i < sizeof buf / sizeof buf[0]; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = x;
		}
		write_all(1, buf, sizeof buf);
	}
}

/* The children keep rr's pipe ends: only killing the group ends them. */
static void __attribute__((noreturn))
fork50(void)
{
	char path[4096], pids[CHILDREN * 12];
	size_t len = 0;
	pid_t pid;
	int fd, i;

	for (i = 0; i < CHILDREN; i++) {
		if ((pid = fork()) == -1)
			die("fork");
		if (pid == 0)
			for (;;)
				pause();
		len += (size_t)snprintf(pids + len, sizeof pids - len, "%d\n",
		    (int)pid);
	}
	snprintf(path, sizeof path, "%s.children", claim);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1)
		die(path);
	write_all(fd, pids, len);
	close(fd);
	say("forked %d children, exiting", CHILDREN);
	exit(0);
}

static void
slow_reply(const struct tw_frame *f)
{
	unsigned char *buf;

	if ((buf = malloc(16 + (size_t)f->len)) == NULL)
		die("malloc");
	data_header(buf, f->opt[0], f->len);
	memcpy(buf + 16, f->payload, f->len);
	say("replying one byte a second");
	dribble(buf, 16 + (size_t)f->len);
	say("reply done, nobody stopped me");
	free(buf);
}

static void
twice(const struct tw_frame *f)
{
	size_t n = 16 + f->len;
	unsigned char *buf;

	if ((buf = malloc(2 * n)) == NULL)
		die("malloc");
	data_header(buf, f->opt[0], f->len);
	memcpy(buf + 16, f->payload, f->len);
	memcpy(buf + n, buf, n);
	say("replying twice to one tick");
	write_all(1, buf, 2 * n);
	free(buf);
}

static void
on_control(const struct tw_frame *f)
{
	if (strstr((const char *)f->payload, "\"stop\":true") != NULL) {
		if (mode == STUBBORN) {
			say("ignoring the stop frame");
			return;
		}
		exit(0);
	}
	handshake();
}

static void
nasty_reply(unsigned long n)
{
	if (n == 2) {
		write_all(1, nasty, sizeof nasty - 1);
		return;
	}
	if (tw_write(1, TW_ERROR, NULL, 0, nasty, sizeof nasty - 1, NULL, 0,
	    0) == -1)
		die("write");
}

static void
on_data(const struct tw_frame *f)
{
	static unsigned long n;

	if (f->nopt != 1 || f->opt[0] > f->len) {
		say("malformed data frame from rr");
		exit(2);
	}
	n++;
	if (mode == NASTY && n <= 2) {
		nasty_reply(n);
		return;
	}
	if (n == 1) {
		switch (mode) {
		case HUGE:
			claim_huge();
		case SLOWREPLY:
			slow_reply(f);
			return;
		case FLOOD:
			flood();
			break;
		case GARBAGE:
			garbage();
		case FORK50:
			fork50();
		case CLOSEOUT:
			say("closing stdout, then sleeping");
			close(1);
			for (;;)
				pause();
		case TWICE:
			twice(f);
			return;
		default:
			break;
		}
	}
	echo(f);
}

int
main(int argc, char **argv)
{
	struct tw_frame f;
	char err[256];
	int fd, r;

	if (argc < 4) {
		fprintf(stderr, "usage: hostile MODE CLAIM COMMAND...\n");
		return 64;
	}
	for (mode = 0; mode < NMODES; mode++)
		if (strcmp(argv[1], mode_names[mode]) == 0)
			break;
	if (mode == NMODES) {
		fprintf(stderr, "hostile: unknown mode %s\n", argv[1]);
		return 64;
	}
	claim = argv[2];
	if ((fd = open(claim, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644)) == -1) {
		execvp(argv[3], argv + 3);
		die(argv[3]);
	}
	dprintf(fd, "%d\n", (int)getpid());
	close(fd);
	say("pid=%d", (int)getpid());
	if (mode == STUBBORN)
		signal(SIGTERM, SIG_IGN);
	if (mode == NASTY)
		write_all(2, nasty, sizeof nasty - 1);
	if (mode == NOSHAKE) {
		say("never answering");
		for (;;)
			pause();
	}
	for (;;) {
		if ((r = tw_read(0, &f, err, sizeof err)) == 0)
			return 0;
		if (r < 0) {
			say("bad frame from rr: %s", err);
			return 2;
		}
		if (f.flags & TW_CONTROL)
			on_control(&f);
		else
			on_data(&f);
		free(f.payload);
	}
}

/*
 * tworker: the test worker.  One program, a mode and options that combine:
 *
 *   tworker MODE [options]
 *
 * MODE, what it does with a data frame:
 *   echo     reply with the same context and body
 *   error    reply with an ERROR frame (flags 0x40, no options), see -m
 *   hang     never reply (still reads frames, so a stop frame ends it)
 *   garbage  write "hello from echo\n" to stdout instead of a frame
 *   badcrc   reply with an echo frame whose CRC is wrong
 *   stopme   reply "replace me": context {"stop":true}, empty body
 *
 * Options:
 *   -r FILE  record: append one line per event to FILE (see rec())
 *   -d MS    wait MS milliseconds before each reply
 *   -c N     crash on receiving the N-th data frame while faults apply
 *            (-c 0: before the handshake), with exit status -e or signal -k
 *   -e N     exit status for -c (default 3)
 *   -k SIG   kill itself with SIG (TERM, 15, SIGUSR1...) for -c
 *   -S MS    wait MS milliseconds before answering the pid control frame
 *   -H       never answer the pid control frame
 *   -g       write "hello from echo\n" to stdout at start, before the
 *            handshake
 *   -i       ignore the stop control frame
 *   -T       ignore SIGTERM
 *   -f FILE  fork a child that sleeps (same process group), if faults
 *            apply at start; it writes its pid to FILE
 *   -F MB    the -f child first takes MB megabytes of resident memory
 *   -M MB    take MB more megabytes of resident memory with each data
 *            frame while faults apply, and keep them
 *   -m MSG   message of error replies (default "tworker soft error")
 *   -v       log each data frame on stderr, as the PHP worker does
 *   -o FILE  faults (the mode, -c, -S, -H, -g) only in the first process
 *            that creates FILE; every other process is a plain echo worker
 *   -w FILE  faults only while FILE exists
 *
 * Every process says "tworker MODE pid=N" on stderr at start.  EOF on stdin
 * at a frame boundary: a stderr line and exit 0.  A malformed frame from
 * the server (bad CRC, wrong option count...): a stderr line and exit 2.
 *
 * Recorder lines (one write(2) each, O_APPEND, so workers may share FILE);
 * t is CLOCK_MONOTONIC in ns; ctx, body and payload have every byte outside
 * '!'..'~', and '\', written as \xNN:
 *   start t= pid= ppid= pgid= mode=
 *   env pid= NAME=VALUE                  (one per variable)
 *   ctrl t= pid= flags=0xNN payload=
 *   recv t= pid= n= flags=0xNN ctx= body=
 *   reply t= pid= n= kind=echo|error|garbage|badcrc|stopme
 *   exit t= pid= why=
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

extern char **environ;

#define GARBAGE		"hello from echo\n"
#define STOP_CTX	"{\"stop\":true}"

enum mode { ECHO, ERROR, HANG, GARBAGE_MODE, BADCRC, STOPME };


/* Frames come and go on stdin and stdout, or on RR_RELAY's socket. */
static int relay_in = 0, relay_out = 1;

static const char *mode_names[] = {
	"echo", "error", "hang", "garbage", "badcrc", "stopme"
};

static struct {
	enum mode	 mode;
	const char	*record;
	long		 delay_ms;
	long		 crash_at;	/* -1: never */
	int		 status;
	int		 sig;
	long		 shake_ms;
	bool		 no_shake;
	bool		 garbage_first;
	bool		 ignore_stop;
	bool		 ignore_term;
	const char	*child_file;
	const char	*message;
	bool		 verbose;
	const char	*once_file;
	const char	*armed_file;
	long		 child_mb;
	long		 grow_mb;
} o = { ECHO, NULL, 0, -1, 3, 0, 0, false, false, false, false, NULL,
	"tworker soft error", false, NULL, NULL, 0, 0 };

static int	 rec_fd = -1;
static bool	 once_won = true;	/* -o: this process is the faulty one */
static unsigned long nexec;		/* data frames received */
static unsigned long nfaulty;		/* ... of which while faulty() */

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: tworker echo|error|hang|garbage|badcrc|stopme "
	    "[-HgiTv] [-r file] [-d ms] [-c n] [-e status] [-k sig] [-S ms]\n"
	    "       [-f file] [-F mb] [-M mb] [-m msg] [-o file] [-w file]\n");
	exit(64);
}

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Bytes as one shell-friendly word; the caller frees it. */
static char *
esc(const unsigned char *s, size_t n)
{
	char *out, *p;
	size_t i;

	if ((p = out = malloc(4 * n + 1)) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		if (s[i] > ' ' && s[i] < 0x7f && s[i] != '\\')
			*p++ = (char)s[i];
		else
			p += sprintf(p, "\\x%02x", s[i]);
	}
	*p = '\0';
	return out;
}

/* One recorder line: "KIND t=NS pid=PID " then the formatted rest. */
static void __attribute__((format(printf, 2, 3)))
rec(const char *kind, const char *fmt, ...)
{
	char *head, *rest, *line;
	va_list ap;
	int n;

	if (rec_fd == -1)
		return;
	if (asprintf(&head, "%s t=%lld pid=%d", kind, now_ns(),
	    (int)getpid()) == -1)
		abort();
	va_start(ap, fmt);
	if (vasprintf(&rest, fmt, ap) == -1)
		abort();
	va_end(ap);
	if ((n = asprintf(&line, "%s %s\n", head, rest)) == -1)
		abort();
	if (write(rec_fd, line, (size_t)n) != n)
		fprintf(stderr, "tworker: recorder: %s\n", strerror(errno));
	free(head);
	free(rest);
	free(line);
}

static bool
faulty(void)
{
	return once_won &&
	    (o.armed_file == NULL || access(o.armed_file, F_OK) == 0);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int
parse_signal(const char *s)
{
	static const struct { const char *name; int sig; } t[] = {
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
		{ "ILL", SIGILL }, { "ABRT", SIGABRT }, { "BUS", SIGBUS },
		{ "FPE", SIGFPE }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 },
		{ "SEGV", SIGSEGV }, { "USR2", SIGUSR2 }, { "PIPE", SIGPIPE },
		{ "ALRM", SIGALRM }, { "TERM", SIGTERM },
	};
	size_t i;

	if (strncmp(s, "SIG", 3) == 0)
		s += 3;
	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(s, t[i].name) == 0)
			return t[i].sig;
	return atoi(s) > 0 ? atoi(s) : (usage(), 0);
}

static void __attribute__((noreturn))
crash(const char *when)
{
	sigset_t all;

	if (o.sig != 0) {
		fprintf(stderr, "tworker: crashing %s with signal %d\n", when,
		    o.sig);
		rec("exit", "why=signal-%d", o.sig);
		signal(o.sig, SIG_DFL);
		sigfillset(&all);
		sigprocmask(SIG_UNBLOCK, &all, NULL);
		kill(getpid(), o.sig);
	}
	fprintf(stderr, "tworker: crashing %s with status %d\n", when,
	    o.status);
	rec("exit", "why=status-%d", o.status);
	exit(o.status);
}

static void *volatile held;

/* Resident, not just reserved: every page written. */
static void
take_memory(long mb)
{
	size_t len = (size_t)mb << 20;
	char *p = malloc(len);

	if (p == NULL) {
		fprintf(stderr, "tworker: cannot take %ld MB\n", mb);
		exit(2);
	}
	memset(p, 0x5a, len);
	held = p;	/* reachable, so the compiler keeps the writes */
}

/* A child in our process group that sleeps until killed. */
static void
fork_sleeper(const char *path)
{
	char tmp[4096];
	pid_t pid;
	FILE *fp;
	int fd;

	if ((pid = fork()) == -1) {
		fprintf(stderr, "tworker: fork: %s\n", strerror(errno));
		exit(2);
	}
	if (pid > 0)
		return;
	if (o.child_mb > 0)
		take_memory(o.child_mb);
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
	}
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if ((fp = fopen(tmp, "w")) != NULL) {
		fprintf(fp, "%d\n", (int)getpid());
		fclose(fp);
		rename(tmp, path);
	}
	for (;;)
		sleep(1000);
}

static void
handle_control(const struct tw_frame *f)
{
	char *p = esc(f->payload, f->len), reply[64];
	const char *s = (const char *)f->payload, *pid;
	int n;

	rec("ctrl", "flags=0x%02x payload=%s", f->flags, p);
	free(p);
	if (strstr(s, "\"stop\":true") != NULL) {
		if (o.ignore_stop) {
			fprintf(stderr, "tworker: ignoring the stop frame\n");
			return;
		}
		rec("exit", "why=stop");
		exit(0);
	}
	if ((pid = strstr(s, "\"pid\":")) == NULL || atol(pid + 6) <= 0) {
		fprintf(stderr, "tworker: unexpected control frame %s\n", s);
		exit(2);
	}
	if (faulty() && o.no_shake) {
		fprintf(stderr, "tworker: not answering the handshake\n");
		return;
	}
	if (faulty() && o.shake_ms > 0)
		sleep_ms(o.shake_ms);
	n = snprintf(reply, sizeof reply, "{\"pid\":%d}", (int)getpid());
	if (tw_write(relay_out, TW_CONTROL, NULL, 0, reply, (size_t)n, NULL, 0, 0)) {
		fprintf(stderr, "tworker: write: %s\n", strerror(errno));
		exit(2);
	}
}

static void
handle_data(const struct tw_frame *f)
{
	uint32_t ctxlen, stoplen = sizeof STOP_CTX - 1;
	const unsigned char *body;
	char *c, *b;
	unsigned long n = ++nexec;
	enum mode m;
	int r = 0;

	if (f->nopt != 1 || f->opt[0] > f->len) {
		fprintf(stderr, "tworker: data frame with %u options, "
		    "context length %u, payload %u\n", f->nopt,
		    f->nopt ? f->opt[0] : 0, f->len);
		exit(2);
	}
	ctxlen = f->opt[0];
	body = f->payload + ctxlen;
	c = esc(f->payload, ctxlen);
	b = esc(body, f->len - ctxlen);
	rec("recv", "n=%lu flags=0x%02x ctx=%s body=%s", n, f->flags, c, b);
	if (o.verbose)
		fprintf(stderr, "tworker got %s %s\n", c, b);
	free(c);
	free(b);
	if (faulty() && ++nfaulty == (unsigned long)o.crash_at)
		crash("during an exec");
	if (faulty() && o.grow_mb > 0)
		take_memory(o.grow_mb);
	if (o.delay_ms > 0)
		sleep_ms(o.delay_ms);
	m = faulty() ? o.mode : ECHO;
	switch (m) {
	case ECHO:
	case BADCRC:
		r = tw_write(relay_out, 0, &ctxlen, 1, f->payload, f->len, NULL, 0,
		    m == BADCRC ? 0xdeadbeefu : 0);
		break;
	case ERROR:
		r = tw_write(relay_out, TW_ERROR, NULL, 0, o.message,
		    strlen(o.message), NULL, 0, 0);
		break;
	case HANG:
		fprintf(stderr, "tworker: not replying\n");
		return;
	case GARBAGE_MODE:
		r = write(1, GARBAGE, sizeof GARBAGE - 1) ==
		    sizeof GARBAGE - 1 ? 0 : -1;
		break;
	case STOPME:
		r = tw_write(relay_out, 0, &stoplen, 1, STOP_CTX, stoplen, NULL, 0, 0);
		break;
	}
	if (r == -1) {
		fprintf(stderr, "tworker: write: %s\n", strerror(errno));
		exit(2);
	}
	rec("reply", "n=%lu kind=%s", n, mode_names[m]);
}

static void
record_start(void)
{
	char **e, *v;

	rec("start", "ppid=%d pgid=%d mode=%s", (int)getppid(),
	    (int)getpgrp(), mode_names[o.mode]);
	for (e = environ; *e != NULL; e++) {
		v = esc((const unsigned char *)*e, strlen(*e));
		rec("env", "%s", v);
		free(v);
	}
}

int
main(int argc, char **argv)
{
	struct tw_frame f;
	unsigned long split = 0;
	char err[256];
	size_t i;
	int ch, fd, r;

	if (argc < 2)
		usage();
	for (i = 0; i < sizeof mode_names / sizeof mode_names[0]; i++)
		if (strcmp(argv[1], mode_names[i]) == 0)
			break;
	if (i == sizeof mode_names / sizeof mode_names[0])
		usage();
	o.mode = (enum mode)i;
	while ((ch = getopt(argc - 1, argv + 1, "r:d:c:e:k:S:HgiTf:F:M:m:vo:w:"))
	    != -1) {
		switch (ch) {
		case 'r': o.record = optarg; break;
		case 'd': o.delay_ms = atol(optarg); break;
		case 'c': o.crash_at = atol(optarg); break;
		case 'e': o.status = atoi(optarg); break;
		case 'k': o.sig = parse_signal(optarg); break;
		case 'S': o.shake_ms = atol(optarg); break;
		case 'H': o.no_shake = true; break;
		case 'g': o.garbage_first = true; break;
		case 'i': o.ignore_stop = true; break;
		case 'T': o.ignore_term = true; break;
		case 'f': o.child_file = optarg; break;
		case 'F': o.child_mb = atol(optarg); break;
		case 'M': o.grow_mb = atol(optarg); break;
		case 'm': o.message = optarg; break;
		case 'v': o.verbose = true; break;
		case 'o': o.once_file = optarg; break;
		case 'w': o.armed_file = optarg; break;
		default: usage();
		}
	}
	if (optind != argc - 1)
		usage();

	if (o.ignore_term)
		signal(SIGTERM, SIG_IGN);
	if (o.record != NULL && (rec_fd = open(o.record,
	    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) == -1) {
		fprintf(stderr, "tworker: %s: %s\n", o.record, strerror(errno));
		return 2;
	}
	if (o.once_file != NULL) {
		fd = open(o.once_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0644);
		once_won = fd != -1;
		if (fd != -1)
			close(fd);
	}
	fprintf(stderr, "tworker %s pid=%d\n", mode_names[o.mode],
	    (int)getpid());
	if (tw_relay(&relay_in, &relay_out) == -1)
		return 2;
	record_start();
	if (o.child_file != NULL && faulty())
		fork_sleeper(o.child_file);
	if (faulty() && o.crash_at == 0)
		crash("before the handshake");
	if (faulty() && o.garbage_first &&
	    write(1, GARBAGE, sizeof GARBAGE - 1) != sizeof GARBAGE - 1)
		return 2;

	for (;;) {
		r = tw_read(relay_in, &f, err, sizeof err);
		if (tw_split_headers != split) {
			split = tw_split_headers;
			fprintf(stderr, "tworker: frame header split across "
			    "reads\n");
		}
		if (r == 0) {
			fprintf(stderr, "tworker: EOF on stdin, exiting\n");
			rec("exit", "why=eof");
			return 0;
		}
		if (r < 0) {
			fprintf(stderr, "tworker: bad frame from rr: %s\n",
			    err);
			rec("exit", "why=bad-frame");
			return 2;
		}
		if (f.flags & TW_CONTROL)
			handle_control(&f);
		else
			handle_data(&f);
		free(f.payload);
	}
}

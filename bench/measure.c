/*
 * measure: the small tools every part needs.  Clocks are CLOCK_MONOTONIC
 * unless the name says otherwise, in nanoseconds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

extern char **environ;

static int64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) == -1)
		return -1;
	return (int64_t)ts.tv_sec * SEC + ts.tv_nsec;
}

int64_t
mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

int64_t
real_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

void
sleep_until(int64_t mono)
{
	struct timespec ts = { mono / SEC, mono % SEC };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		;
}

/* The scheduler's own count, to the nanosecond: /proc/PID/stat only has
 * clock ticks, too coarse for a few microseconds per tick. */
int64_t
cpu_ns(pid_t pid)
{
	clockid_t id;

	if (clock_getcpuclockid(pid, &id) != 0)
		return -1;
	return clock_ns(id);
}

/* Children inherit the mask: pin the worker's side before it is forked. */
int
pin(const struct bench *b, enum cpu_mode m, bool worker_side)
{
	cpu_set_t one;

	if (m == CPU_UNPINNED)
		return sched_setaffinity(0, sizeof b->all, &b->all);
	CPU_ZERO(&one);
	CPU_SET(m == CPU_SPLIT && worker_side ? b->other : b->cpu, &one);
	return sched_setaffinity(0, sizeof one, &one);
}

static int
cmp_ns(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

void
sort_ns(int64_t *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_ns);
}

/* Nearest rank: the smallest sample with at least p of them at or below. */
int64_t
pct(const int64_t *sorted, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)(p * (double)n + 0.999999);
	return sorted[i == 0 ? 0 : i - 1];
}

long
proc_status(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long v = -1;
	FILE *f;

	if (pid == 0)
		snprintf(path, sizeof path, "/proc/self/status");
	else
		snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			v = strtol(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

void
tmp_path(const struct bench *b, const char *name, char *out)
{
	snprintf(out, PATH_MAX, "%s/%s", b->tmp, name);
}

int
write_file(const char *path, const char *fmt, ...)
{
	va_list ap;
	FILE *f;
	int r;

	if ((f = fopen(path, "we")) == NULL)
		return -1;
	va_start(ap, fmt);
	r = vfprintf(f, fmt, ap);
	va_end(ap);
	if (fclose(f) == EOF || r < 0)
		return -1;
	return 0;
}

/*
 * Start argv[0] (found on PATH) with stdin and stdout on /dev/null and
 * stderr on err_fd (-1: /dev/null).  The child gets a clean signal
 * state: the harness blocks SIGCHLD for its signalfd and ignores SIGPIPE,
 * as rr does.
 */
pid_t
spawn(char *const argv[], int err_fd)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, pipe;
	pid_t pid;
	int e;

	sigemptyset(&none);
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &pipe);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (err_fd == -1)
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null",
		    O_WRONLY, 0);
	else
		posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
	e = posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (e != 0) {
		errno = e;
		return -1;
	}
	return pid;
}

/* Its wait status; SIGKILL once the timeout is over, so no run can hang
 * the harness. */
int
reap_child(pid_t pid, int64_t timeout_ns)
{
	int64_t end = mono_ns() + timeout_ns;
	int status;
	pid_t r;

	while ((r = waitpid(pid, &status, WNOHANG)) == 0) {
		if (mono_ns() >= end) {
			kill(pid, SIGKILL);
			r = waitpid(pid, &status, 0);
			break;
		}
		sleep_until(mono_ns() + MSEC);
	}
	return r == pid ? status : -1;
}

/* A loopback port nobody listens on now, for rr to take. */
uint16_t
free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	uint16_t port = 0;
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	if (port == 0)
		printf("  no free loopback port: %s\n", strerror(errno));
	return port;
}

/* A socket listening on a loopback port of the kernel's choosing, for a
 * floor server; -1 having said why. */
int
loopback_listen(int backlog, uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) == -1 ||
	    listen(fd, backlog) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) == -1) {
		printf("  a loopback listener: %s\n", strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

/* The first failure is the one to tell: the rest follow from it. */
void
fail(struct failure *f, const char *fmt, ...)
{
	va_list ap;

	if (f->failed)
		return;
	f->failed = true;
	va_start(ap, fmt);
	vsnprintf(f->what, sizeof f->what, fmt, ap);
	va_end(ap);
}

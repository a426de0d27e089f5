/*
 * echo: the benchmark's worker.  It answers the pid control frame, sends
 * every data frame back unchanged and exits on the stop frame or at EOF.
 *
 *   echo [-r FIFO]
 *
 * -r FIFO: after each reply, write one struct tick_record (bench.h) to
 * FIFO: the N of the body {"tick":N} and the CLOCK_MONOTONIC time at
 * which the read that completed the frame returned.  The harness holds
 * the FIFO's read end; a named one because rr gives its workers no fd
 * but 0, 1 and 2.  Records are smaller than PIPE_BUF, so several workers
 * may share it.
 *
 * It uses rr's own decoder, so it is as strict as rr about what it reads,
 * and it reads and writes with plain blocking calls, as PHP does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "goridge.h"

#define MAX_PAYLOAD	(64u << 20)

static uint8_t	 in[256 * 1024];

/* The whole frame in one writev, so its header is never split. */
static void
put(const uint8_t *hdr, size_t hlen, const void *payload, size_t len)
{
	struct iovec iov[2] = {
		{ (void *)hdr, hlen }, { (void *)payload, len },
	};
	int i = 0;
	ssize_t n;

	while (i < 2) {
		if ((n = writev(STDOUT_FILENO, iov + i, 2 - i)) == -1) {
			if (errno == EINTR)
				continue;
			exit(1);
		}
		for (; i < 2 && (size_t)n >= iov[i].iov_len; i++)
			n -= (ssize_t)iov[i].iov_len;
		if (i < 2) {
			iov[i].iov_base = (uint8_t *)iov[i].iov_base + n;
			iov[i].iov_len -= (size_t)n;
		}
	}
}

static void
control(const struct goridge_frame *f)
{
	uint8_t hdr[GR_HEADER_MAX];
	char pid[32];
	int n;

	if (memmem(f->payload, f->len, "\"stop\"", 6) != NULL)
		exit(0);
	n = snprintf(pid, sizeof pid, "{\"pid\":%ld}", (long)getpid());
	put(hdr, goridge_put_header(hdr, GR_CONTROL, 0, NULL, 0, (uint32_t)n),
	    pid, (size_t)n);
}

static uint64_t
tick_number(const uint8_t *p, size_t len)
{
	const uint8_t *s = memmem(p, len, "\"tick\":", 7), *end = p + len;
	uint64_t n = 0;

	if (s == NULL)
		return UINT64_MAX;
	for (s += 7; s < end && *s >= '0' && *s <= '9'; s++)
		n = n * 10 + (uint64_t)(*s - '0');
	return n;
}

static void
data(const struct goridge_frame *f, int rec_fd, int64_t t)
{
	uint8_t hdr[16];
	uint32_t ctx = f->noptions == 1 ? f->options[0] : 0;
	struct tick_record r;

	put(hdr, goridge_put_data(hdr, 0, ctx, f->len - ctx), f->payload,
	    f->len);
	if (rec_fd == -1)
		return;
	r.n = tick_number(f->payload + ctx, f->len - ctx);
	r.t = t;
	if (write(rec_fd, &r, sizeof r) != sizeof r)
		exit(1);
}

int
main(int argc, char **argv)
{
	struct goridge_decoder dec;
	struct goridge_frame f;
	struct timespec ts;
	size_t pos, used;
	int rec_fd = -1;
	int64_t t;
	ssize_t n;

	if (argc == 3 && strcmp(argv[1], "-r") == 0) {
		if ((rec_fd = open(argv[2], O_WRONLY | O_CLOEXEC)) == -1) {
			fprintf(stderr, "echo: %s: %s\n", argv[2],
			    strerror(errno));
			return 1;
		}
	} else if (argc != 1) {
		fprintf(stderr, "usage: echo [-r fifo]\n");
		return 64;
	}
	goridge_decoder_init(&dec, MAX_PAYLOAD);
	for (;;) {
		if ((n = read(STDIN_FILENO, in, sizeof in)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			return 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		t = (int64_t)ts.tv_sec * SEC + ts.tv_nsec;
		for (pos = 0; pos < (size_t)n; pos += used) {
			switch (goridge_feed(&dec, in + pos, (size_t)n - pos,
			    &used, &f)) {
			case GR_MORE:
				break;
			case GR_FRAME:
				if (f.flags & GR_CONTROL)
					control(&f);
				else
					data(&f, rec_fd, t);
				break;
			default:
				fprintf(stderr, "echo: %s\n",
				    goridge_strstatus(dec.failed));
				return 2;
			}
		}
	}
}

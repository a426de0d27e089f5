/*
 * fuzz_config: config_load() on hostile YAML and overrides.  The input is
 * the YAML bytes, then optionally a NUL and up to four NUL-separated -o
 * strings.
 *
 * The YAML goes to a memfd that is loaded through a symlink in a private
 * directory: loaded as /proc/self/fd/N, an "include: 1" would read
 * /proc/self/fd/1, which may be a terminal and block.
 */
#include <sys/mman.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

#define MAX_OVERRIDES	4

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	 dir[] = "/tmp/rr-fuzz-config-XXXXXX";
static char	 path[sizeof(dir) + 16];
static int	 memfd;
static FILE	*devnull;

static void
cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

/* An include of /dev/stdin must not wait either; printing goes nowhere. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	 target[64];
	int	 fd;

	(void)argc;
	(void)argv;
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, 0);
		close(fd);
	}
	devnull = fopen("/dev/null", "w");
	if ((memfd = memfd_create("rr.yaml", MFD_CLOEXEC)) == -1 ||
	    mkdtemp(dir) == NULL)
		abort();
	snprintf(target, sizeof(target), "/proc/self/fd/%d", memfd);
	snprintf(path, sizeof(path), "%s/rr.yaml", dir);
	if (symlink(target, path) == -1)
		abort();
	atexit(cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	 cfg;
	const uint8_t	*nul, *end = data + size, *p;
	char		*ov[MAX_OVERRIDES], err[CONFIG_ERR_MAX];
	size_t		 yamlen, nov = 0, i, n;

	nul = memchr(data, '\0', size);
	yamlen = nul ? (size_t)(nul - data) : size;
	for (p = nul ? nul + 1 : end; p < end && nov < MAX_OVERRIDES;
	    p += n + 1) {
		nul = memchr(p, '\0', (size_t)(end - p));
		n = nul ? (size_t)(nul - p) : (size_t)(end - p);
		ov[nov++] = strndup((const char *)p, n);
	}
	if (ftruncate(memfd, 0) == -1 ||
	    pwrite(memfd, data, yamlen, 0) != (ssize_t)yamlen)
		abort();
	memset(err, 'x', sizeof(err));
	if (config_load(&cfg, path, ov, nov, err, sizeof(err)) == 0) {
		if (cfg.server.command.argv == NULL ||
		    cfg.server.command.argv[cfg.server.command.argc] != NULL ||
		    cfg.ticker.pool.num_workers < 1 ||
		    cfg.ticker.pool.num_workers > CONFIG_MAX_WORKERS ||
		    cfg.ticker.interval <= 0)
			abort();
		config_print(&cfg, devnull);
	} else if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0')
		abort();	/* an error always says something */
	config_free(&cfg);
	for (i = 0; i < nov; i++)
		free(ov[i]);
	return 0;
}

/*
 * log: see log.h.  A line is assembled in a static buffer and written with
 * one write(2), so concurrent writers (rr and anything else sharing the
 * supervisor's pipe) never interleave inside a line.
 *
 * The loop must never wait for its log: a collector that stops reading
 * costs log lines, counted and reported once it reads again, not ticks.
 * A pipe or terminal on stdout/stderr is reopened through /proc with
 * O_NONBLOCK (a new open file description, so the flag does not leak to
 * whoever shares the inherited one); a socket (journald) is sent to with
 * MSG_DONTWAIT; a regular file is written as it is.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LINE_MAX_BYTES	8192
#define TRUNCATED	"...(truncated)"

enum log_level	 log_min_level = LOG_LEVEL_INFO;
enum log_mode	 log_mode_ = LOGS_DEVELOPMENT;

/* Where lines go, and how to write there without waiting. */
struct sink {
	int	 fd;
	bool	 socket;		/* send with MSG_DONTWAIT */
};

static enum log_encoding encoding = LOGS_CONSOLE;
static struct sink out = { STDERR_FILENO, false };
static struct sink std_sinks[3] = { { -1, false }, { -1, false },
    { -1, false } };
static bool	 configured;		/* log_open() has run */
static char	*out_path;		/* set when output is a file */
static unsigned long long dropped, dropped_told;

struct line {
	char	 buf[LINE_MAX_BYTES];
	size_t	 len;
	bool	 full;
};

static struct line line;

/* The rest of a line the output took only part of: it goes first, so
 * lines never run into each other. */
static char	 pending[LINE_MAX_BYTES];
static size_t	 pending_len;

static const char *level_names[] = { "debug", "info", "warn", "error" };
static const char *level_upper[] = { "DEBUG", "INFO", "WARN", "ERROR" };

static void
put(struct line *l, const char *s, size_t n)
{
	size_t room = sizeof l->buf - sizeof TRUNCATED - 1 - l->len;

	if (l->full)
		return;
	if (n > room) {
		n = room;
		l->full = true;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void
puts_(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

/*
 * Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when the
 * bytes there are not valid UTF-8 (overlongs and surrogates included).
 */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len, i;
	unsigned long cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/*
 * Append untrusted bytes.  JSON gets JSON escapes; the console gets C-like
 * ones.  Invalid UTF-8 becomes the text \xNN in both, so a JSON line stays
 * valid whatever a worker printed.  quote adds '"' around console values
 * that would otherwise be ambiguous.
 */
static void
put_escaped(struct line *l, const char *p, size_t n, bool json, bool quote)
{
	const unsigned char *s = (const unsigned char *)p;
	char esc[8];
	size_t i, k;

	for (i = 0; i < n; i += k) {
		k = utf8_len(s + i, n - i);
		if (k > 1) {
			put(l, (const char *)s + i, k);
			continue;
		}
		if (k == 0) {
			k = 1;
			snprintf(esc, sizeof esc, json ? "\\\\x%02x" : "\\x%02x",
			    s[i]);
			puts_(l, esc);
			continue;
		}
		switch (s[i]) {
		case '\n':
			puts_(l, "\\n");
			break;
		case '\r':
			puts_(l, "\\r");
			break;
		case '\t':
			puts_(l, "\\t");
			break;
		case '\\':
			puts_(l, json || quote ? "\\\\" : "\\");
			break;
		case '"':
			puts_(l, json || quote ? "\\\"" : "\"");
			break;
		default:
			if (s[i] < 0x20 || s[i] == 0x7f) {
				snprintf(esc, sizeof esc,
				    json ? "\\u%04x" : "\\x%02x", s[i]);
				puts_(l, esc);
			} else
				put(l, (const char *)s + i, 1);
		}
	}
}

static bool
needs_quotes(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return true;
	for (i = 0; i < n; i++)
		if (s[i] == ' ' || s[i] == '"' || s[i] == '=' ||
		    (unsigned char)s[i] < 0x20)
			return true;
	return false;
}

static void
put_value(struct line *l, const struct log_field *f, bool json)
{
	char num[24];
	size_t n;

	if (f->kind == LF_INT_) {
		snprintf(num, sizeof num, "%lld", f->n);
		puts_(l, num);
		return;
	}
	n = f->kind == LF_BYTES_ ? f->len : (f->s ? strlen(f->s) : 0);
	if (f->kind == LF_TEXT_ && !json) {
		/* quotes and backslashes in it are escaped already */
		puts_(l, "\"");
		put(l, f->s, n);
		puts_(l, "\"");
	} else if (json || needs_quotes(f->s, n)) {
		puts_(l, "\"");
		put_escaped(l, f->s, n, json, true);
		puts_(l, "\"");
	} else
		put_escaped(l, f->s, n, false, false);
}

static void
put_time(struct line *l, bool json)
{
	struct timespec ts;
	struct tm tm;
	char buf[96];

	clock_gettime(CLOCK_REALTIME, &ts);
	if (json) {
		snprintf(buf, sizeof buf, "%lld.%06ld", (long long)ts.tv_sec,
		    ts.tv_nsec / 1000);
	} else {
		gmtime_r(&ts.tv_sec, &tm);
		snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	}
	puts_(l, buf);
}

static void
format_console(struct line *l, enum log_level lvl, const char *comp,
    const char *msg, size_t msglen, const struct log_field *f, size_t nf)
{
	char head[32];
	size_t i;

	put_time(l, false);
	snprintf(head, sizeof head, " %-5s %-6s ", level_upper[lvl], comp);
	puts_(l, head);
	put_escaped(l, msg, msglen, false, false);
	for (i = 0; i < nf; i++) {
		puts_(l, i == 0 ? "\t" : " ");
		puts_(l, f[i].key);
		puts_(l, "=");
		put_value(l, &f[i], false);
	}
}

static void
format_json(struct line *l, enum log_level lvl, const char *comp,
    const char *msg, size_t msglen, const struct log_field *f, size_t nf)
{
	size_t i;

	puts_(l, "{\"level\":\"");
	puts_(l, level_names[lvl]);
	puts_(l, "\",\"ts\":");
	put_time(l, true);
	puts_(l, ",\"logger\":\"");
	puts_(l, comp);
	puts_(l, "\",\"msg\":\"");
	put_escaped(l, msg, msglen, true, true);
	puts_(l, "\"");
	for (i = 0; i < nf; i++) {
		puts_(l, ",\"");
		puts_(l, f[i].key);
		puts_(l, "\":");
		put_value(l, &f[i], true);
	}
}

static ssize_t
sink_write(const struct sink *k, const char *p, size_t n)
{
	ssize_t w;

	do
		w = k->socket ? send(k->fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL) :
		    write(k->fd, p, n);
	while (w == -1 && errno == EINTR);
	return w;
}

static ssize_t
write_some(const char *p, size_t n)
{
	return sink_write(&out, p, n);
}

static bool
flush_pending(void)
{
	ssize_t w;

	while (pending_len > 0) {
		if ((w = write_some(pending, pending_len)) <= 0)
			return false;
		pending_len -= (size_t)w;
		memmove(pending, pending + w, pending_len);
	}
	return true;
}

static void
write_line(const char *p, size_t n)
{
	ssize_t w;

	if (!flush_pending() || (w = write_some(p, n)) <= 0) {
		dropped++;
		return;
	}
	pending_len = n - (size_t)w;
	memcpy(pending, p + w, pending_len);
}

/*
 * Say what was lost once the output takes lines again, at most once a
 * second (a flood against a stalled reader would otherwise alternate
 * reports and drops), and once more at the end.
 */
static void
tell_dropped(bool at_end)
{
	static const char m[] = "log lines dropped: the output was full";
	static bool telling;
	static time_t told_at;
	struct log_field n = LF_INT("count", dropped - dropped_told);
	time_t now;

	if (dropped == dropped_told || telling || !flush_pending())
		return;
	now = time(NULL);
	if (!at_end && now == told_at)
		return;
	telling = true;
	told_at = now;
	dropped_told = dropped;
	log_emit(LOG_LEVEL_WARN, "rr", m, sizeof m - 1, &n, 1);
	telling = false;
}

void
log_emit(enum log_level lvl, const char *comp, const char *msg,
    size_t msglen, const struct log_field *f, size_t nf)
{
	struct line *l = &line;

	/* before this line fills the shared buffer */
	tell_dropped(false);
	l->len = 0;
	l->full = false;
	if (log_mode_ == LOGS_RAW)
		put_escaped(l, msg, msglen, false, false);
	else if (encoding == LOGS_JSON)
		format_json(l, lvl, comp, msg, msglen, f, nf);
	else
		format_console(l, lvl, comp, msg, msglen, f, nf);
	if (l->full) {
		memcpy(l->buf + l->len, TRUNCATED, sizeof TRUNCATED - 1);
		l->len += sizeof TRUNCATED - 1;
	}
	if (encoding == LOGS_JSON && log_mode_ != LOGS_RAW) {
		if (l->full)	/* close what the cut left open */
			l->buf[l->len++] = '"';
		l->buf[l->len++] = '}';
	}
	l->buf[l->len++] = '\n';
	write_line(l->buf, l->len);
}

/*
 * stdout or stderr, as something that never blocks (see the top), made
 * once: the start-up line, fatal errors and the log share it.
 */
static const struct sink *
std_sink(int fd)
{
	struct sink *k = &std_sinks[fd];
	struct stat sb;
	char path[32];

	if (k->fd != -1)
		return k;
	k->fd = fd;
	if (fstat(fd, &sb) == -1)
		return k;
	k->socket = S_ISSOCK(sb.st_mode);
	if (!S_ISFIFO(sb.st_mode) && !S_ISCHR(sb.st_mode))
		return k;
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	k->fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (k->fd == -1)
		k->fd = fd;
	return k;
}

void
log_early(void)
{
	out = *std_sink(STDERR_FILENO);
}

void
log_plain(int fd, const char *text)
{
	if (sink_write(std_sink(fd), text, strlen(text)) <= 0)
		dropped++;
}

void
log_fatal(const char *msg, int code)
{
	char buf[LINE_MAX_BYTES];
	bool on_stderr = !configured || (out_path == NULL &&
	    out.fd == std_sink(STDERR_FILENO)->fd);

	if (configured)
		log_error("rr", msg, LF_INT("exit", code));
	if (!configured || !on_stderr || log_mode_ == LOGS_OFF) {
		snprintf(buf, sizeof buf, "rr: %s\n", msg);
		log_plain(STDERR_FILENO, buf);
	}
	log_close();
}

static int
open_output(const char *path, char *err, size_t errlen)
{
	int fd;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1)
		snprintf(err, errlen, "logs.output: cannot open %s: %s", path,
		    strerror(errno));
	return fd;
}

int
log_open(const struct logs_config *lc, char *err, size_t errlen)
{
	const char *o = lc->output ? lc->output : "stderr";
	struct sink k = { -1, false };

	if (strcmp(o, "stdout") == 0)
		k = *std_sink(STDOUT_FILENO);
	else if (strcmp(o, "stderr") == 0)
		k = *std_sink(STDERR_FILENO);
	else {
		if ((k.fd = open_output(o, err, errlen)) == -1)
			return -1;
		free(out_path);
		if ((out_path = strdup(o)) == NULL) {
			close(k.fd);
			snprintf(err, errlen, "logs.output: out of memory");
			return -1;
		}
	}
	log_close();
	out = k;
	log_mode_ = lc->mode;
	log_min_level = lc->level;
	encoding = lc->encoding;
	configured = true;
	return 0;
}

int
log_check_output(const struct logs_config *lc, char *err, size_t errlen)
{
	const char *o = lc->output ? lc->output : "stderr";
	char dir[4096], *slash;
	int fd;

	if (strcmp(o, "stdout") == 0 || strcmp(o, "stderr") == 0)
		return 0;
	if ((fd = open(o, O_WRONLY | O_APPEND | O_CLOEXEC)) != -1) {
		close(fd);
		return 0;
	}
	/* it does not exist (yet): its directory must let rr create it */
	snprintf(dir, sizeof dir, "%s", o);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (errno == ENOENT && access(dir, W_OK | X_OK) == 0)
		return 0;
	if (errno == ENOENT)
		snprintf(err, errlen, "logs.output: cannot create %s in %s: %s",
		    o, dir, strerror(errno));
	else
		snprintf(err, errlen, "logs.output: cannot open %s: %s", o,
		    strerror(errno));
	return -1;
}

int
log_reopen(char *err, size_t errlen)
{
	int fd;

	if (out_path == NULL)
		return 0;
	if ((fd = open_output(out_path, err, errlen)) == -1)
		return -1;
	close(out.fd);
	out.fd = fd;
	return 0;
}

void
log_close(void)
{
	tell_dropped(true);
	flush_pending();
	if (out_path != NULL)
		close(out.fd);
	out = *std_sink(STDERR_FILENO);
	pending_len = 0;
}

unsigned long long
log_dropped(void)
{
	return dropped;
}

/*
 * log: one logger for rr and its workers' stderr.  A line carries the time,
 * level, component ("rr", "pool", "ticker", "worker"), a message and
 * key=value fields.  logs.mode picks readable lines (development), JSON
 * lines (production), the bare message (raw) or nothing (off).
 *
 * Lines are built in a fixed buffer and leave in one write(2); nothing is
 * allocated per line.  Anything a worker wrote is escaped: control bytes and
 * invalid UTF-8 never reach the terminal or break a JSON line.
 */
#ifndef RR_LOG_H
#define RR_LOG_H

#include <stddef.h>
#include <string.h>

#include "config.h"

enum log_kind { LF_STR_, LF_BYTES_, LF_INT_, LF_TEXT_ };

struct log_field {
	const char	*key;
	enum log_kind	 kind;
	const char	*s;
	size_t		 len;
	long long	 n;
};

#define LF_STR(k, v)	 ((struct log_field){ (k), LF_STR_, (v), 0, 0 })
#define LF_BYTES(k, p, l) ((struct log_field){ (k), LF_BYTES_, \
			    (const char *)(p), (l), 0 })
/* Text escaped already (goridge's printable copy of bad bytes): the console
 * shows it as it is instead of escaping its backslashes again. */
#define LF_TEXT(k, v)	 ((struct log_field){ (k), LF_TEXT_, (v), 0, 0 })
#define LF_INT(k, v)	 ((struct log_field){ (k), LF_INT_, NULL, 0, \
			    (long long)(v) })

extern enum log_level log_min_level;

/* LOG(LOG_LEVEL_INFO, "pool", "worker ready", LF_INT("pid", pid), ...) */
#define LOG(lvl, comp, msg, ...) do {					\
	if ((lvl) >= log_min_level && log_mode_ != LOGS_OFF) {		\
		const struct log_field lf_[] = { { 0 }, __VA_ARGS__ };	\
		log_emit((lvl), (comp), (msg), strlen(msg), lf_ + 1,	\
		    sizeof lf_ / sizeof lf_[0] - 1);			\
	}								\
} while (0)

#define log_debug(c, m, ...) LOG(LOG_LEVEL_DEBUG, c, m, __VA_ARGS__)
#define log_info(c, m, ...)  LOG(LOG_LEVEL_INFO, c, m, __VA_ARGS__)
#define log_warn(c, m, ...)  LOG(LOG_LEVEL_WARN, c, m, __VA_ARGS__)
#define log_error(c, m, ...) LOG(LOG_LEVEL_ERROR, c, m, __VA_ARGS__)

extern enum log_mode log_mode_;

/*
 * Before log_open() everything at info and above goes to stderr in
 * development form.  log_early() makes that stderr non-blocking, so that
 * not even the first line can hold rr up.
 */
void	log_early(void);
int	log_open(const struct logs_config *, char *err, size_t errlen);

/* Whether log_open() could open the output, without creating it. */
int	log_check_output(const struct logs_config *, char *err, size_t errlen);

/* A whole line, as it is, to stdout or stderr (fd 1 or 2), never
 * waiting: the start-up line.  Counted as dropped when it does not fit. */
void	log_plain(int fd, const char *line);

/*
 * The last words before exit(code): an error line in the configured form,
 * with exit=code, and
 * "rr: MSG" on stderr unless that line went there (before log_open(),
 * only the latter).  Flushes what it can.
 */
void	log_fatal(const char *msg, int code);

/* Reopen a file output (SIGUSR1, after logrotate moved it away). */
int	log_reopen(char *err, size_t errlen);
void	log_close(void);

/* Lines dropped because the output would not take them. */
unsigned long long log_dropped(void);

/* msg may hold any bytes (a worker's stderr line): it is escaped. */
void	log_emit(enum log_level, const char *component, const char *msg,
	    size_t msglen, const struct log_field *, size_t);

#endif

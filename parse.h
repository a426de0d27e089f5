/*
 * parse: the config's values that are pure functions of a string, usable
 * without a config (rr.c loads a dotenv file before any).  An err gets
 * the reason without any location: the caller knows where the string
 * came from.
 */
#ifndef RR_PARSE_H
#define RR_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* Durations are nanoseconds, as Go's time.Duration. */
typedef int64_t duration_ns;
#define MS_NS	((duration_ns)1000000)
#define SEC_NS	((duration_ns)1000000000)

struct command {
	char		**argv;		/* NULL-terminated; argv[0] is the program */
	size_t		  argc;
};

/*
 * Load KEY=VALUE lines (blank lines, '#' comments, 'export ' prefixes and
 * quoted values allowed) into the environment, never overwriting a
 * variable that is already set.
 */
int		config_load_dotenv(const char *path, char *err, size_t errlen);

/*
 * Go's time.ParseDuration syntax ("300ms", "1m30s", "1.5h", "100us", "µs"),
 * checked for overflow; a bare number other than 0 is an error that
 * suggests a unit.  err gets the reason without any location.
 */
int		config_parse_duration(const char *, duration_ns *,
		    char *err, size_t errlen);

/* The other way round, as a person writes it: 500ms, 1.5s, 1m30s, 2h. */
void		config_format_duration(duration_ns, char *, size_t);

/*
 * Split a command line as sh would (single quotes, double quotes,
 * backslashes) without any expansion; fills a NULL-terminated argv.
 */
int		config_split_command(const char *, struct command *,
		    char *err, size_t errlen);
void		command_free(struct command *);

/* $V, ${V}, ${V:-default}; unset expands to "".  Returns malloc'd string. */
char		*config_expand_env(const char *);

/* Trim blanks at both ends of s[0..*len) in place; returns the start. */
char		*config_trim(char *s, size_t *len);

#endif

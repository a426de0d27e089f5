/*
 * config: loads a RoadRunner-style rr.yaml into one plain struct, see
 * shared/REFERENCE.md for keys and defaults.  Only tree.c knows YAML;
 * the values with a syntax of their own (durations, command lines, $VARS)
 * are read by parse.c, whose verbs come with this header.
 *
 * Errors are values: config_load() fills err with
 * "FILE:LINE:COL: key.path: what was found, what was expected" and returns
 * -1; nothing is printed.  Warnings (unknown keys, other plugins' sections)
 * are collected in cfg->warnings for main to log once the logger is set
 * up from cfg->logs.
 */
#ifndef RR_CONFIG_H
#define RR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "parse.h"

#define CONFIG_ERR_MAX	512
#define CONFIG_MAX_WORKERS 500

struct env_list {
	char		**vars;		/* "KEY=VALUE", keys upper-cased, expanded */
	size_t		  n;
};

/* Lists a key holds: strings, numbers, and the entries of a map of
 * names (K_NAMED in config.c), each with its name first. */
struct string_list {
	char		**v;
	size_t		  n;
};

struct number_list {
	double		 *v;
	size_t		  n;
};

struct config_list {
	void		 *items;
	size_t		  n;
};

struct on_init_config {
	bool		  set;		/* the section exists */
	struct command	  command;
	duration_ns	  exec_timeout;	/* 60s */
	struct env_list	  env;
	char		 *user;		/* NULL: rr's own */
	bool		  exit_on_error;	/* false */
};

struct server_config {
	struct command	  command;	/* required */
	struct env_list	  env;
	char		 *user;		/* NULL: rr's own */
	char		 *group;
	char		 *relay;	/* "pipes" */
	duration_ns	  relay_timeout;	/* 60s */
	struct on_init_config on_init;
};

struct supervisor_config {
	duration_ns	  watch_tick;	/* 5s */
	duration_ns	  ttl;		/* 0 = off */
	duration_ns	  idle_ttl;
	duration_ns	  exec_ttl;
	uint64_t	  max_worker_memory;	/* MB, 0 = off */
};

struct pool_config {
	unsigned	  num_workers;	/* default: online CPUs */
	uint64_t	  max_jobs;	/* 0 = unlimited */
	duration_ns	  allocate_timeout;	/* 60s */
	bool		  allocate_timeout_set;
	duration_ns	  reset_timeout;	/* 60s */
	duration_ns	  destroy_timeout;	/* 60s */
	bool		  debug;
	struct supervisor_config supervisor;
};

/* What a named schedule does when its previous fire is still running */
enum overlap { OVERLAP_SKIP, OVERLAP_ALLOW, OVERLAP_QUEUE };

#define SCHEDULE_NAME_MAX 128	/* bytes of a schedule's name */

/* ticker.schedules.NAME: exactly one of cron and interval */
struct schedule_config {
	char		 *name;
	char		 *cron;		/* 6 fields (seconds first) or 5 */
	duration_ns	  interval;	/* multiples of it since the epoch */
	char		 *timezone;	/* NULL: rr's local zone */
	enum overlap	  overlap;	/* skip */
};

/* What a named schedule does when the fleet's coordinator cannot say */
enum on_unavailable { UNAVAILABLE_SKIP, UNAVAILABLE_RUN };

/* ticker.cluster: fleet claims for the named schedules, through Redis */
struct cluster_config {
	bool		  set;		/* the section exists */
	char		 *redis;	/* tcp://host:port or unix:///path */
	char		 *username;	/* NULL: none */
	char		 *password;
	unsigned	  db;		/* 0 */
	char		 *prefix;	/* "rr:ticker:" */
	enum on_unavailable on_unavailable;	/* skip */
	duration_ns	  timeout;	/* 500ms: no reply, no claim */
};

struct ticker_config {
	duration_ns	  interval;	/* 1s, also when 0 */
	bool		  unnamed;	/* the interval ticker runs: interval
					 * was given, or there is no schedule */
	struct pool_config pool;
	struct config_list schedules;	/* of struct schedule_config */
	struct cluster_config cluster;
};

enum log_mode { LOGS_DEVELOPMENT, LOGS_PRODUCTION, LOGS_RAW, LOGS_OFF };
enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };
enum log_encoding { LOGS_CONSOLE, LOGS_JSON };

struct logs_config {
	enum log_mode	  mode;		/* development */
	enum log_level	  level;	/* debug */
	enum log_encoding encoding;	/* console, json for production */
	char		 *output;	/* "stderr", "stdout" or a path */
};

struct rpc_config {
	bool		  set;		/* the section exists: a listener */
	char		 *listen;	/* tcp://127.0.0.1:6001 */
	unsigned	  max_connections;	/* 64 */
	duration_ns	  idle_timeout;	/* 60s */
};

struct status_config {
	bool		  set;
	char		 *address;	/* host:port */
	unsigned	  unavailable_status_code;	/* 503 */
	duration_ns	  check_timeout;	/* 60s: the HTTP read timeout */
	unsigned	  max_connections;	/* 64 */
};

enum collector_type { COLLECT_COUNTER, COLLECT_GAUGE, COLLECT_HISTOGRAM };

/* metrics.collect.NAME, as RoadRunner's: declared before any PHP runs */
struct collector_config {
	char		 *name;
	enum collector_type type;	/* required */
	char		 *help;		/* default: the name */
	char		 *namespace, *subsystem;
	struct string_list labels;
	struct number_list buckets;	/* histogram; default as RoadRunner's */
};

struct metrics_config {
	bool		  set;
	char		 *address;	/* host:port, 127.0.0.1:2112 */
	unsigned	  max_connections;	/* 64 */
	struct config_list collect;	/* of struct collector_config */
};

struct config_place {
	const void	 *entry;	/* NULL: off is in struct config */
	size_t		  off;		/* of the field in struct config */
	char		 *where;	/* "FILE:LINE:COL" or "-o key=value" */
};

struct config {
	char		 *path;		/* the file that was loaded */
	char		 *version;	/* "3" or "2.7" */
	struct rpc_config rpc;
	struct status_config status;
	struct metrics_config metrics;
	struct server_config server;
	struct ticker_config ticker;
	struct logs_config logs;
	duration_ns	  grace_period;	/* endure.grace_period, 30s */
	char		**warnings;	/* "FILE:LINE:COL: key: message" */
	size_t		  nwarnings;
	struct config_place *places;	/* where each value given came from */
	size_t		  nplaces;
};

/*
 * Load path, apply its includes, then the overrides ("key.path=value", as
 * given to -o), expand environment variables and fill in defaults.
 */
int		config_load(struct config *, const char *path,
		    char *const *overrides, size_t noverrides,
		    char *err, size_t errlen);
void		config_free(struct config *);

/*
 * Where the value of a field of cfg (&cfg->server.user) was given, for
 * messages about it found after loading; NULL when it is the default.
 */
const char	*config_where(const struct config *, const void *field);

/* Print the effective configuration, defaults filled in, as YAML. */
void		config_print(const struct config *, FILE *);

#endif

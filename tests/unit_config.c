/*
 * unit_config: config.c against small YAML files written to a temporary
 * directory.  The test chdirs there and loads "rr.yaml", so expected
 * messages read exactly as a user would see them.
 */
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "unit.h"

static char	 tmpdir[] = "/tmp/rr-unit-config-XXXXXX";

static void
write_file(const char *name, const char *text)
{
	FILE	*f;

	if ((f = fopen(name, "w")) == NULL) {
		printf("FAIL write %s: %s\n", name, strerror(errno));
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

/* Write text as rr.yaml and load it with the given overrides. */
static int
load(struct config *cfg, const char *text, char *const *ov, size_t nov,
    char *err)
{
	write_file("rr.yaml", text);
	return config_load(cfg, "rr.yaml", ov, nov, err, CONFIG_ERR_MAX);
}

static long
ncpu(void)
{
	long	 n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > CONFIG_MAX_WORKERS ? CONFIG_MAX_WORKERS : n;
}

#define MIN	"version: '3'\nserver:\n  command: php app.php\n"

static void
test_seed(void)
{
	struct config	 c;
	char		 err[CONFIG_ERR_MAX] = "";
	int		 r;

	r = load(&c, "version: '2.7'\n"
	    "server:\n"
	    "  command: \"php app.php\"\n"
	    "ticker:\n"
	    "  interval: 1s\n"
	    "  pool:\n"
	    "    num_workers: 2\n", NULL, 0, err);
	CHECK("seed: loads", r == 0);
	if (r != 0) {
		printf("FAIL seed: %s\n", err);
		return;
	}
	CHECK_STR("seed: path", c.path, "rr.yaml");
	CHECK_STR("seed: version", c.version, "2.7");
	CHECK("seed: argc", c.server.command.argc == 2);
	CHECK_STR("seed: argv[0]", c.server.command.argv[0], "php");
	CHECK_STR("seed: argv[1]", c.server.command.argv[1], "app.php");
	CHECK("seed: argv NULL-terminated", c.server.command.argv[2] == NULL);
	CHECK("seed: interval", c.ticker.interval == SEC_NS);
	CHECK("seed: num_workers", c.ticker.pool.num_workers == 2);
	/* the documented config: nothing to warn about at every start */
	CHECK("seed: no warning", c.nwarnings == 0);

	CHECK("default: server.env empty", c.server.env.n == 0);
	CHECK("default: server.user", c.server.user == NULL);
	CHECK("default: server.group", c.server.group == NULL);
	CHECK_STR("default: server.relay", c.server.relay, "pipes");
	CHECK("default: server.relay_timeout",
	    c.server.relay_timeout == 60 * SEC_NS);
	CHECK("default: on_init unset", !c.server.on_init.set);
	CHECK("default: on_init.exec_timeout",
	    c.server.on_init.exec_timeout == 60 * SEC_NS);
	CHECK("default: on_init.exit_on_error",
	    !c.server.on_init.exit_on_error);
	CHECK("default: on_init.user", c.server.on_init.user == NULL);
	CHECK("default: on_init.command", c.server.on_init.command.argv ==
	    NULL);
	CHECK("default: pool.max_jobs", c.ticker.pool.max_jobs == 0);
	CHECK("default: pool.allocate_timeout",
	    c.ticker.pool.allocate_timeout == 60 * SEC_NS);
	CHECK("default: allocate_timeout not set",
	    !c.ticker.pool.allocate_timeout_set);
	CHECK("default: pool.reset_timeout",
	    c.ticker.pool.reset_timeout == 60 * SEC_NS);
	CHECK("default: pool.destroy_timeout",
	    c.ticker.pool.destroy_timeout == 60 * SEC_NS);
	CHECK("default: pool.debug", !c.ticker.pool.debug);
	CHECK("default: supervisor.watch_tick",
	    c.ticker.pool.supervisor.watch_tick == 5 * SEC_NS);
	CHECK("default: supervisor.ttl", c.ticker.pool.supervisor.ttl == 0);
	CHECK("default: supervisor.idle_ttl",
	    c.ticker.pool.supervisor.idle_ttl == 0);
	CHECK("default: supervisor.exec_ttl",
	    c.ticker.pool.supervisor.exec_ttl == 0);
	CHECK("default: supervisor.max_worker_memory",
	    c.ticker.pool.supervisor.max_worker_memory == 0);
	CHECK("default: logs.mode", c.logs.mode == LOGS_DEVELOPMENT);
	CHECK("default: logs.level", c.logs.level == LOG_LEVEL_DEBUG);
	CHECK("default: logs.encoding", c.logs.encoding == LOGS_CONSOLE);
	CHECK_STR("default: logs.output", c.logs.output, "stderr");
	CHECK("default: endure.grace_period", c.grace_period == 30 * SEC_NS);
	CHECK("default: rpc unset", !c.rpc.set && c.rpc.listen == NULL);
	config_free(&c);
	CHECK("config_free clears", c.path == NULL && c.warnings == NULL);
}

static void
test_full(void)
{
	struct config	 c;
	char		 err[CONFIG_ERR_MAX] = "";
	int		 r;

	setenv("RR_T_PHP", "/usr/bin/php", 1);
	r = load(&c, "version: \"3\"\n"
	    "rpc:\n"
	    "  listen: tcp://127.0.0.1:6001\n"
	    "server:\n"
	    "  command: [\"$RR_T_PHP\", \"-d\", \"memory_limit=1G\", w.php]\n"
	    "  env:\n"
	    "    app_env: ${RR_T_UNSET:-prod}\n"
	    "    Mixed_Case: 1\n"
	    "  user: www-data\n"
	    "  group: www\n"
	    "  relay: pipes\n"
	    "  relay_timeout: 20s\n"
	    "  on_init:\n"
	    "    command: \"php init.php --fast\"\n"
	    "    exec_timeout: 1m30s\n"
	    "    env: {A: b}\n"
	    "    user: root\n"
	    "    exit_on_error: true\n"
	    "ticker:\n"
	    "  interval: 1.5s\n"
	    "  pool:\n"
	    "    num_workers: 500\n"
	    "    max_jobs: 1000\n"
	    "    allocate_timeout: 0\n"
	    "    reset_timeout: 2s\n"
	    "    destroy_timeout: 3s\n"
	    "    debug: yes\n"
	    "    supervisor:\n"
	    "      watch_tick: 1s\n"
	    "      ttl: 1h\n"
	    "      idle_ttl: 10m\n"
	    "      max_worker_memory: 128\n"
	    "      exec_ttl: 500ms\n"
	    "logs:\n"
	    "  mode: production\n"
	    "  level: warn\n"
	    "  output: /var/log/rr.log\n"
	    "endure:\n"
	    "  grace_period: 10s\n", NULL, 0, err);
	CHECK("full: loads", r == 0);
	if (r != 0) {
		printf("FAIL full: %s\n", err);
		return;
	}
	CHECK("full: no warnings", c.nwarnings == 0);
	CHECK_STR("full: version", c.version, "3");
	CHECK("full: rpc_set", c.rpc.set);
	CHECK_STR("full: rpc.listen", c.rpc.listen, "tcp://127.0.0.1:6001");
	CHECK("full: list command argc", c.server.command.argc == 4);
	CHECK_STR("full: list item expanded", c.server.command.argv[0],
	    "/usr/bin/php");
	CHECK_STR("full: list item exact", c.server.command.argv[2],
	    "memory_limit=1G");
	CHECK("full: env count", c.server.env.n == 2);
	CHECK_STR("full: env key upper-cased, default used",
	    c.server.env.vars[0], "APP_ENV=prod");
	CHECK_STR("full: env number value", c.server.env.vars[1],
	    "MIXED_CASE=1");
	CHECK("full: env NULL-terminated", c.server.env.vars[2] == NULL);
	CHECK_STR("full: user", c.server.user, "www-data");
	CHECK_STR("full: group", c.server.group, "www");
	CHECK("full: relay_timeout", c.server.relay_timeout == 20 * SEC_NS);
	CHECK("full: on_init set", c.server.on_init.set);
	CHECK("full: on_init argc", c.server.on_init.command.argc == 3);
	CHECK_STR("full: on_init argv[2]", c.server.on_init.command.argv[2],
	    "--fast");
	CHECK("full: on_init exec_timeout",
	    c.server.on_init.exec_timeout == 90 * SEC_NS);
	CHECK_STR("full: on_init env", c.server.on_init.env.vars[0], "A=b");
	CHECK_STR("full: on_init user", c.server.on_init.user, "root");
	CHECK("full: on_init exit_on_error", c.server.on_init.exit_on_error);
	CHECK("full: interval", c.ticker.interval == 1500 * MS_NS);
	CHECK("full: num_workers", c.ticker.pool.num_workers == 500);
	CHECK("full: max_jobs", c.ticker.pool.max_jobs == 1000);
	CHECK("full: allocate_timeout 0 means default",
	    c.ticker.pool.allocate_timeout == 60 * SEC_NS);
	CHECK("full: allocate_timeout_set", c.ticker.pool.allocate_timeout_set);
	CHECK("full: reset_timeout", c.ticker.pool.reset_timeout == 2 * SEC_NS);
	CHECK("full: destroy_timeout",
	    c.ticker.pool.destroy_timeout == 3 * SEC_NS);
	CHECK("full: debug yes", c.ticker.pool.debug);
	CHECK("full: watch_tick", c.ticker.pool.supervisor.watch_tick ==
	    SEC_NS);
	CHECK("full: ttl", c.ticker.pool.supervisor.ttl == 3600 * SEC_NS);
	CHECK("full: idle_ttl", c.ticker.pool.supervisor.idle_ttl ==
	    600 * SEC_NS);
	CHECK("full: max_worker_memory",
	    c.ticker.pool.supervisor.max_worker_memory == 128);
	CHECK("full: exec_ttl", c.ticker.pool.supervisor.exec_ttl ==
	    500 * MS_NS);
	CHECK("full: logs.mode", c.logs.mode == LOGS_PRODUCTION);
	CHECK("full: logs.level", c.logs.level == LOG_LEVEL_WARN);
	CHECK("full: production means json", c.logs.encoding == LOGS_JSON);
	CHECK_STR("full: logs.output", c.logs.output, "/var/log/rr.log");
	CHECK("full: grace_period", c.grace_period == 10 * SEC_NS);
	config_free(&c);
}

/* Defaults that depend on other values or on the machine. */
static void
test_derived(void)
{
	struct config	 c;
	char		 err[CONFIG_ERR_MAX] = "";

	CHECK("derived: minimal loads", load(&c, MIN, NULL, 0, err) == 0);
	CHECK("derived: num_workers = online CPUs",
	    c.ticker.pool.num_workers == (unsigned)ncpu());
	config_free(&c);

	CHECK("derived: zero values load", load(&c, MIN "ticker:\n"
	    "  interval: 0\n  pool:\n    num_workers: 0\n", NULL, 0, err) == 0);
	CHECK("derived: interval 0 means 1s", c.ticker.interval == SEC_NS);
	CHECK("derived: num_workers 0 means CPUs",
	    c.ticker.pool.num_workers == (unsigned)ncpu());
	config_free(&c);

	unsetenv("RR_T_UNSET");
	CHECK("derived: empty expansion loads", load(&c, MIN "ticker:\n"
	    "  interval: ${RR_T_UNSET}\n", NULL, 0, err) == 0);
	CHECK("derived: empty expansion keeps default",
	    c.ticker.interval == SEC_NS);
	config_free(&c);

	CHECK("derived: production+console loads", load(&c, MIN "logs:\n"
	    "  mode: production\n  encoding: console\n", NULL, 0, err) == 0);
	CHECK("derived: explicit encoding wins over mode",
	    c.logs.encoding == LOGS_CONSOLE);
	config_free(&c);

	CHECK("derived: raw mode loads", load(&c, MIN "logs:\n  mode: raw\n"
	    "  level: ERROR\n", NULL, 0, err) == 0);
	CHECK("derived: raw keeps console", c.logs.mode == LOGS_RAW &&
	    c.logs.encoding == LOGS_CONSOLE);
	CHECK("derived: enum values ignore case",
	    c.logs.level == LOG_LEVEL_ERROR);
	config_free(&c);

	CHECK("derived: keys ignore case", load(&c, "Version: '3'\nSERVER:\n"
	    "  Command: php a.php\nTicker:\n  Interval: 2s\n", NULL, 0,
	    err) == 0);
	CHECK("derived: Ticker.Interval read", c.ticker.interval ==
	    2 * SEC_NS);
	config_free(&c);

	CHECK("derived: tcp relay loads", load(&c, MIN
	    "  relay: tcp://127.0.0.1:7000\n", NULL, 0, err) == 0);
	CHECK_STR("derived: tcp relay kept", c.server.relay,
	    "tcp://127.0.0.1:7000");
	config_free(&c);
	CHECK("derived: unix relay loads", load(&c, MIN
	    "  relay: unix:///tmp/rr.sock\n", NULL, 0, err) == 0);
	config_free(&c);

	CHECK("derived: rpc section alone listens where RoadRunner does",
	    load(&c, MIN "rpc: {}\n", NULL, 0, err) == 0 && c.rpc.set &&
	    c.rpc.listen != NULL &&
	    strcmp(c.rpc.listen, "tcp://127.0.0.1:6001") == 0 &&
	    c.rpc.max_connections == 64 &&
	    c.rpc.idle_timeout == 60 * SEC_NS);
	config_free(&c);

	CHECK("derived: null section loads", load(&c, MIN "rpc:\nticker:\n",
	    NULL, 0, err) == 0);
	CHECK("derived: null rpc is no rpc", !c.rpc.set);
	config_free(&c);
}

struct bad {
	const char	*name;
	const char	*yaml;
	const char	*ov;		/* one override, or NULL */
	const char	*want;
};

static const struct bad bads[] = {
	{ "version unquoted",
	    "version: 3\nserver:\n  command: php a.php\n", NULL,
	    "rr.yaml:1:10: version: 3 must be a quoted string "
	    "(write version: '3')" },
	{ "version 2.7 unquoted",
	    "version: 2.7\n", NULL,
	    "rr.yaml:1:10: version: 2.7 must be a quoted string "
	    "(write version: '2.7')" },
	{ "version missing",
	    "server:\n  command: php a.php\n", NULL,
	    "rr.yaml: version: required (write version: '3' at the top)" },
	{ "version unknown",
	    "version: '4'\n", NULL,
	    "rr.yaml:1:10: version: \"4\" is not supported (expected '3' or "
	    "'2.7')" },
	{ "empty file",
	    "", NULL,
	    "rr.yaml: version: required (write version: '3' at the top)" },
	{ "command missing",
	    "version: '3'\nticker:\n  interval: 1s\n", NULL,
	    "rr.yaml: server.command: required (the PHP worker to start, "
	    "e.g. command: php app.php)" },
	{ "command blank",
	    "version: '3'\nserver:\n  command: '  '\n", NULL,
	    "rr.yaml:3:12: server.command: empty command" },
	{ "command empty list",
	    "version: '3'\nserver:\n  command: []\n", NULL,
	    "rr.yaml:3:12: server.command: empty command" },
	{ "command unterminated quote",
	    "version: '3'\nserver:\n  command: php -r 'echo 1;\n", NULL,
	    "rr.yaml:3:12: server.command: unterminated single quote" },
	{ "command list of maps",
	    "version: '3'\nserver:\n  command: [php, {a: b}]\n", NULL,
	    "rr.yaml:3:18: server.command: found a map, expected a string" },
	{ "server is a string",
	    "version: '3'\nserver: php a.php\n", NULL,
	    "rr.yaml:2:9: server: found \"php a.php\", expected a map of keys" },
	{ "interval not a duration",
	    MIN "ticker:\n  interval: fast\n", NULL,
	    "rr.yaml:5:13: ticker.interval: \"fast\" is not a duration "
	    "(examples: 500ms, 1s, 1m)" },
	{ "interval without unit",
	    MIN "ticker:\n  interval: 5\n", NULL,
	    "rr.yaml:5:13: ticker.interval: 5 has no unit (did you mean 5s?)" },
	{ "interval quoted without unit",
	    MIN "ticker:\n  interval: \"5\"\n", NULL,
	    "rr.yaml:5:13: ticker.interval: 5 has no unit (did you mean 5s?)" },
	{ "interval negative",
	    MIN "ticker:\n  interval: -1s\n", NULL,
	    "rr.yaml:5:13: ticker.interval: \"-1s\" is negative" },
	{ "interval is a map",
	    MIN "ticker:\n  interval: {a: 1}\n", NULL,
	    "rr.yaml:5:13: ticker.interval: found a map, expected a duration "
	    "such as 1s" },
	{ "num_workers not a number",
	    MIN "ticker:\n  pool:\n    num_workers: two\n", NULL,
	    "rr.yaml:6:18: ticker.pool.num_workers: \"two\" is not a whole "
	    "number" },
	{ "num_workers too many",
	    MIN "ticker:\n  pool:\n    num_workers: 501\n", NULL,
	    "rr.yaml:6:18: ticker.pool.num_workers: 501 is out of range "
	    "(expected 0..500)" },
	{ "num_workers negative",
	    MIN "ticker:\n  pool:\n    num_workers: -1\n", NULL,
	    "rr.yaml:6:18: ticker.pool.num_workers: \"-1\" is not a whole "
	    "number" },
	{ "max_jobs overflow",
	    MIN "ticker:\n  pool:\n    max_jobs: 18446744073709551616\n", NULL,
	    "rr.yaml:6:15: ticker.pool.max_jobs: 18446744073709551616 is out "
	    "of range (expected 0..18446744073709551615)" },
	{ "debug not a boolean",
	    MIN "ticker:\n  pool:\n    debug: maybe\n", NULL,
	    "rr.yaml:6:12: ticker.pool.debug: \"maybe\" is not a boolean "
	    "(expected true or false)" },
	{ "supervisor ttl bad",
	    MIN "ticker:\n  pool:\n    supervisor:\n      ttl: 10x\n", NULL,
	    "rr.yaml:7:12: ticker.pool.supervisor.ttl: \"10x\" is not a "
	    "duration (examples: 500ms, 1s, 1m)" },
	{ "logs.level bad",
	    MIN "logs:\n  level: verbose\n", NULL,
	    "rr.yaml:5:10: logs.level: \"verbose\" is not a valid value "
	    "(expected one of debug, info, warn, error)" },
	{ "logs.mode bad",
	    MIN "logs:\n  mode: dev\n", NULL,
	    "rr.yaml:5:9: logs.mode: \"dev\" is not a valid value (expected "
	    "one of development, production, raw, off)" },
	{ "logs.encoding bad",
	    MIN "logs:\n  encoding: xml\n", NULL,
	    "rr.yaml:5:13: logs.encoding: \"xml\" is not a valid value "
	    "(expected one of console, json)" },
	{ "relay nonsense",
	    MIN "  relay: pipe\n", NULL,
	    "rr.yaml:4:10: server.relay: \"pipe\" is not a valid relay "
	    "(expected pipes, tcp://host:port or unix:///path)" },
	{ "env value is a list",
	    MIN "  env:\n    A: [1]\n", NULL,
	    "rr.yaml:5:8: server.env: found a list, expected a string" },
	{ "env is a list",
	    MIN "  env: [A]\n", NULL,
	    "rr.yaml:4:8: server.env: found a list, expected a map of NAME: "
	    "value" },
	{ "on_init without command",
	    MIN "  on_init:\n    exec_timeout: 5s\n", NULL,
	    "rr.yaml: server.on_init.command: required when on_init is set" },
	{ "duplicate key",
	    MIN "ticker:\n  interval: 1s\n  interval: 2s\n", NULL,
	    "rr.yaml:6:3: ticker.interval: duplicate key (first at line 5)" },
	{ "top level is a list",
	    "- a\n- b\n", NULL,
	    "rr.yaml:1:1: found a list, expected a map of sections (version, "
	    "server, ticker, ...)" },
	{ "YAML syntax: tab",
	    "version: '3'\nserver:\n\tcommand: x\n", NULL,
	    "rr.yaml:3:1: YAML syntax error: found character that cannot "
	    "start any token while scanning for the next token" },
	{ "YAML syntax: unclosed flow",
	    "version: '3'\nserver:\n  command: [a, b\n", NULL,
	    "rr.yaml:4:1: YAML syntax error: did not find expected ',' or ']' "
	    "while parsing a flow sequence" },
	{ "YAML: invalid UTF-8",
	    "version: '3'\nserver: \xff\n", NULL,
	    "rr.yaml: YAML syntax error: invalid leading UTF-8 octet at byte 21" },
	{ "YAML: NUL in a value",
	    MIN "  user: \"a\\0b\"\n", NULL,
	    "rr.yaml:4:9: a value contains a NUL byte" },
	{ "YAML: key is a list",
	    MIN "? [a]\n: b\n", NULL,
	    "rr.yaml:4:3: a key must be a plain name" },
	{ "YAML: alias bomb",
	    "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
	    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
	    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n", NULL,
	    "rr.yaml:1:35: too many values (aliases expanding too far?)" },
	{ "include missing",
	    MIN "include: [missing.yaml]\n", NULL,
	    "rr.yaml:4:11: include: missing.yaml: cannot open: No such file "
	    "or directory" },
	{ "include itself",
	    MIN "include: rr.yaml\n", NULL,
	    "rr.yaml:4:10: include: rr.yaml: includes nested too deeply "
	    "(does a file include itself?)" },
	{ "include is a map",
	    MIN "include: {a: b}\n", NULL,
	    "rr.yaml:4:10: include: found a map, expected a list of files" },
	{ "override not a duration",
	    MIN, "ticker.interval=fast",
	    "-o ticker.interval=fast: ticker.interval: \"fast\" is not a "
	    "duration (examples: 500ms, 1s, 1m)" },
	{ "override targets a section",
	    MIN "ticker:\n  interval: 1s\n", "ticker=5s",
	    "-o ticker=5s: ticker: is a section, not a value (set one of its "
	    "keys: ticker.KEY=value)" },
	{ "override through a value",
	    MIN, "server.command.x=1",
	    "-o server.command.x=1: server.command: is not a map, so it has "
	    "no key x" },
	{ "override without =",
	    MIN, "ticker.interval",
	    "-o ticker.interval: expected key.path=value" },
	{ "interval below a millisecond",
	    MIN "ticker:\n  interval: 1ns\n", NULL,
	    "rr.yaml:5:13: ticker.interval: 1ns is too short (at least 1ms)" },
	{ "interval below a millisecond, by -o",
	    MIN, "ticker.interval=999us",
	    "-o ticker.interval=999us: ticker.interval: 999us is too short "
	    "(at least 1ms)" },
	{ "merge of a scalar",
	    MIN "ticker:\n  <<: 5\n", NULL,
	    "rr.yaml:5:7: <<: found \"5\", expected a map, or a list of maps, "
	    "to merge" },
	{ "merge of a list with a scalar",
	    MIN "x-a: &a {interval: 2s}\nticker:\n  <<: [*a, 5]\n", NULL,
	    "rr.yaml:6:12: <<: found \"5\", expected a map, or a list of "
	    "maps, to merge" },
	{ "override with an empty part",
	    MIN, "ticker..interval=1s",
	    "-o ticker..interval=1s: expected key.path=value" },
	{ "cluster without redis",
	    MIN "ticker:\n  cluster:\n    prefix: x\n", NULL,
	    "rr.yaml: ticker.cluster.redis: required when cluster is set "
	    "(for example tcp://127.0.0.1:6379)" },
	{ "cluster on_unavailable",
	    MIN "ticker:\n  cluster:\n    redis: tcp://h:1\n"
	    "    on_unavailable: wait\n", NULL,
	    "rr.yaml:7:21: ticker.cluster.on_unavailable: \"wait\" is not a "
	    "valid value (expected one of skip, run)" },
	{ "collect not a map",
	    MIN "metrics:\n  collect: [a]\n", NULL,
	    "rr.yaml:5:12: metrics.collect: found a list, expected a map of "
	    "names, each a map of keys" },
	{ "a collector not a map",
	    MIN "metrics:\n  collect:\n    a: counter\n", NULL,
	    "rr.yaml:6:8: metrics.collect.a: found \"counter\", expected a "
	    "map of keys" },
	{ "a summary collector",
	    MIN "metrics:\n  collect:\n    a:\n      type: summary\n", NULL,
	    "rr.yaml:7:13: metrics.collect.a.type: \"summary\" is not a "
	    "valid value (expected one of counter, gauge, histogram)" },
	{ "buckets not numbers",
	    MIN "metrics:\n  collect:\n    a:\n      buckets: [1, x]\n", NULL,
	    "rr.yaml:7:20: metrics.collect.a.buckets: \"x\" is not a number" },
	{ "buckets a map",
	    MIN "metrics:\n  collect:\n    a:\n      buckets: {a: 1}\n", NULL,
	    "rr.yaml:7:16: metrics.collect.a.buckets: found a map, expected a "
	    "list of numbers" },
	{ "labels of lists",
	    MIN "metrics:\n  collect:\n    a:\n      labels: [[x]]\n", NULL,
	    "rr.yaml:7:16: metrics.collect.a.labels: found a list, expected a "
	    "string" },
	{ "a schedule's cron that never fires",
	    MIN "ticker:\n  schedules:\n    a:\n      cron: \"0 0 0 30 2 *\"\n",
	    NULL, "rr.yaml:7:13: ticker.schedules.a.cron: \"0 0 0 30 2 *\": "
	    "day of month: \"30\" never occurs in month \"2\"" },
	{ "a schedule with cron and interval",
	    MIN "ticker:\n  schedules:\n    a:\n      cron: \"* * * * *\"\n"
	    "      interval: 1s\n", NULL,
	    "rr.yaml:7:13: ticker.schedules.a: cron and interval both given: "
	    "a schedule has one" },
	{ "a schedule with neither",
	    MIN "ticker:\n  schedules:\n    a:\n      overlap: queue\n", NULL,
	    "rr.yaml: ticker.schedules.a: needs cron (such as \"0 */5 * * * *\") "
	    "or interval (such as 10s)" },
	{ "a schedule's unknown zone",
	    MIN "ticker:\n  schedules:\n    a:\n      interval: 1s\n"
	    "      timezone: Mars/Olympus\n", NULL,
	    "rr.yaml:8:17: ticker.schedules.a.timezone: unknown time zone "
	    "\"Mars/Olympus\" (no such file /usr/share/zoneinfo/Mars/Olympus)" },
	{ "a schedule's zone that is a path",
	    MIN "ticker:\n  schedules:\n    a:\n      interval: 1s\n"
	    "      timezone: ../etc\n", NULL,
	    "rr.yaml:8:17: ticker.schedules.a.timezone: time zone \"../etc\": "
	    "not a zone name" },
	{ "a schedule's overlap",
	    MIN "ticker:\n  schedules:\n    a:\n      interval: 1s\n"
	    "      overlap: wait\n", NULL,
	    "rr.yaml:8:16: ticker.schedules.a.overlap: \"wait\" is not a valid "
	    "value (expected one of skip, allow, queue)" },
	{ "a collector's key twice",
	    MIN "metrics:\n  collect:\n    a:\n      type: gauge\n"
	    "      type: counter\n", NULL,
	    "rr.yaml:8:7: metrics.collect.a.type: duplicate key (first at "
	    "line 7)" },
};

static void
test_bad(void)
{
	struct config	 c;
	char		 err[CONFIG_ERR_MAX], name[128];
	char		*ov[1];
	size_t		 i;
	int		 r;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		ov[0] = (char *)bads[i].ov;
		strcpy(err, "(none)");
		r = load(&c, bads[i].yaml, ov, bads[i].ov ? 1 : 0, err);
		snprintf(name, sizeof(name), "bad: %s fails", bads[i].name);
		CHECK(name, r == -1);
		snprintf(name, sizeof(name), "bad: %s message", bads[i].name);
		CHECK_STR(name, err, bads[i].want);
		CHECK("bad: cfg left empty", c.path == NULL &&
		    c.warnings == NULL && c.server.relay == NULL);
		config_free(&c);
	}
	r = config_load(&c, "nope.yaml", NULL, 0, err, sizeof(err));
	CHECK("bad: missing file fails", r == -1);
	CHECK_STR("bad: missing file message", err,
	    "nope.yaml: cannot open: No such file or directory");
	config_free(&c);
	mkdir("adir.yaml", 0700);
	r = config_load(&c, "adir.yaml", NULL, 0, err, sizeof(err));
	CHECK_STR("bad: directory message", err,
	    "adir.yaml: cannot read: Is a directory");
	r = config_load(&c, "nope.yaml", NULL, 0, err, 12);
	CHECK("bad: short err buffer truncates", strlen(err) == 11);
}

static const struct dur {
	const char	*in;
	duration_ns	 want;
	const char	*err;
} durs[] = {
	{ "300ms", 300 * MS_NS, NULL },
	{ "1s", SEC_NS, NULL },
	{ "1m30s", 90 * SEC_NS, NULL },
	{ "2h", 7200 * SEC_NS, NULL },
	{ "1.5s", 1500 * MS_NS, NULL },
	{ "100us", 100000, NULL },
	{ "100\xc2\xb5s", 100000, NULL },
	{ "100\xce\xbcs", 100000, NULL },
	{ "1.5h", 5400 * SEC_NS, NULL },
	{ "10ns", 10, NULL },
	{ "0", 0, NULL },
	{ "-0", 0, NULL },
	{ "0s", 0, NULL },
	{ ".5s", 500 * MS_NS, NULL },
	{ "1.s", SEC_NS, NULL },
	{ "1h2m3s4ms5us6ns", 3723004005006, NULL },
	{ "+5s", 5 * SEC_NS, NULL },
	{ "-1.5m", -90 * SEC_NS, NULL },
	{ "0.000000001s", 1, NULL },
	{ "2562047h47m16.854775807s", INT64_MAX, NULL },
	{ "-2562047h47m16.854775808s", INT64_MIN, NULL },
	{ "2562047h47m16.854775808s", 0,
	    "\"2562047h47m16.854775808s\" is too large for a duration (at "
	    "most 2562047h)" },
	{ "9999999999h", 0,
	    "\"9999999999h\" is too large for a duration (at most 2562047h)" },
	{ "99999999999999999999s", 0,
	    "\"99999999999999999999s\" is too large for a duration (at most "
	    "2562047h)" },
	{ "5", 0, "5 has no unit (did you mean 5s?)" },
	{ "1.5", 0, "1.5 has no unit (did you mean 1.5s?)" },
	{ "", 0, "\"\" is not a duration (examples: 500ms, 1s, 1m)" },
	{ "fast", 0, "\"fast\" is not a duration (examples: 500ms, 1s, 1m)" },
	{ "1m30", 0, "\"1m30\" is not a duration (examples: 500ms, 1s, 1m)" },
	{ ".s", 0, "\".s\" is not a duration (examples: 500ms, 1s, 1m)" },
	{ "1sec", 0, "\"1sec\" is not a duration (examples: 500ms, 1s, 1m)" },
	{ "1 s", 0, "\"1 s\" is not a duration (examples: 500ms, 1s, 1m)" },
	{ "-", 0, "\"-\" is not a duration (examples: 500ms, 1s, 1m)" },
	{ "1.5.s", 0, "\"1.5.s\" is not a duration (examples: 500ms, 1s, 1m)" },
};

static void
test_durations(void)
{
	char		 err[CONFIG_ERR_MAX], name[128];
	duration_ns	 d;
	size_t		 i;
	int		 r;

	for (i = 0; i < sizeof(durs) / sizeof(durs[0]); i++) {
		d = 12345;
		err[0] = '\0';
		r = config_parse_duration(durs[i].in, &d, err, sizeof(err));
		snprintf(name, sizeof(name), "duration: \"%s\"", durs[i].in);
		if (durs[i].err == NULL)
			CHECK(name, r == 0 && d == durs[i].want);
		else
			CHECK_STR(name, r == -1 ? err : "(accepted)",
			    durs[i].err);
	}
}

static void
test_expand(void)
{
	char	*s;

	setenv("RR_T_A", "", 1);
	unsetenv("RR_T_U");
	setenv("RR_T_Y", "y", 1);
#define EXPANDS(in, want) do {						\
	s = config_expand_env(in);					\
	CHECK_STR("expand: " in, s, want);				\
	free(s);							\
} while (0)
	EXPANDS("${RR_T_A:-x}", "x");
	EXPANDS("${RR_T_U:-x}", "x");
	EXPANDS("${RR_T_Y:-x}", "y");
	EXPANDS("$RR_T_Y", "y");
	EXPANDS("${RR_T_Y}", "y");
	EXPANDS("a${RR_T_Y}b$RR_T_Y.c", "ayby.c");
	EXPANDS("$RR_T_U", "");
	EXPANDS("${RR_T_U}", "");
	EXPANDS("${RR_T_A}", "");
	EXPANDS("${RR_T_U:-}", "");
	EXPANDS("${RR_T_U:-a b/c}", "a b/c");
	EXPANDS("cost: 5$", "cost: 5$");
	EXPANDS("$$", "$$");
	EXPANDS("$1", "$1");
	EXPANDS("${", "${");
	EXPANDS("${RR_T_Y", "${RR_T_Y");
	EXPANDS("${RR_T_U:-x", "${RR_T_U:-x");
	EXPANDS("${}", "${}");
	EXPANDS("${RR_T_U:-x} ${RR_T_Y}", "x y");
	EXPANDS("${RR_T_U:-x ${RR_T_Y}", "x ${RR_T_Y");
	EXPANDS("", "");
#undef EXPANDS
}

static void
test_overrides(void)
{
	struct config	 c;
	char		 err[CONFIG_ERR_MAX] = "";
	char		*ov[6];
	int		 r;

	setenv("RR_T_WORKERS", "7", 1);
	ov[0] = "ticker.interval=250ms";
	ov[1] = "ticker.pool.num_workers=${RR_T_WORKERS}";
	ov[2] = " server.command = \"php -d a=b w.php\" ";
	ov[3] = "version=3";
	ov[4] = "rpc.listen='tcp://127.0.0.1:6001'";
	ov[5] = "ticker.pool.nope=1";
	r = load(&c, MIN "ticker:\n  interval: 1s\n", ov, 6, err);
	CHECK("override: loads", r == 0);
	if (r != 0) {
		printf("FAIL override: %s\n", err);
		return;
	}
	CHECK("override: scalar replaced", c.ticker.interval == 250 * MS_NS);
	CHECK("override: new key, expanded", c.ticker.pool.num_workers == 7);
	CHECK("override: quotes stripped", c.server.command.argc == 4);
	CHECK_STR("override: value keeps inner =", c.server.command.argv[2],
	    "a=b");
	CHECK_STR("override: version=3 is a string", c.version, "3");
	CHECK("override: creates a section", c.rpc.set);
	CHECK_STR("override: single quotes stripped", c.rpc.listen,
	    "tcp://127.0.0.1:6001");
	CHECK("override: unknown key warns", c.nwarnings == 1);
	CHECK_STR("override: warning names the override",
	    c.nwarnings ? c.warnings[0] : NULL,
	    "-o ticker.pool.nope=1: ticker.pool.nope: unknown key, ignored");
	config_free(&c);

	ov[0] = "server.command=php other.php";
	r = load(&c, "version: '3'\nserver:\n  command: [php, a.php]\n", ov, 1,
	    err);
	CHECK("override: string replaces list", r == 0 &&
	    strcmp(c.server.command.argv[1], "other.php") == 0);
	config_free(&c);
}

static void
test_includes(void)
{
	struct config	 c;
	char		 err[CONFIG_ERR_MAX] = "";
	int		 r;

	mkdir("sub", 0700);
	mkdir("sub/conf", 0700);
	write_file("sub/rr.yaml", MIN
	    "include:\n  - conf/ticker.yaml\n  - conf/logs.yaml\n"
	    "ticker:\n  interval: 5s\n  pool:\n    num_workers: 3\n"
	    "logs:\n  level: info\n");
	write_file("sub/conf/ticker.yaml", "version: '2.7'\n"
	    "ticker:\n  interval: 2s\n");
	write_file("sub/conf/logs.yaml", "logs:\n  mode: production\n"
	    "include: [more.yaml]\n");
	write_file("sub/conf/more.yaml", "endure:\n  grace_period: 3s\n");
	r = config_load(&c, "sub/rr.yaml", NULL, 0, err, sizeof(err));
	CHECK("include: loads", r == 0);
	if (r != 0) {
		printf("FAIL include: %s\n", err);
		return;
	}
	CHECK("include: section value replaced", c.ticker.interval ==
	    2 * SEC_NS);
	CHECK("include: section replaced whole",
	    c.ticker.pool.num_workers == (unsigned)ncpu());
	CHECK("include: logs replaced whole", c.logs.mode == LOGS_PRODUCTION &&
	    c.logs.level == LOG_LEVEL_DEBUG);
	CHECK("include: nested, relative to includer",
	    c.grace_period == 3 * SEC_NS);
	CHECK_STR("include: version of the main file", c.version, "3");
	CHECK("include: no warnings", c.nwarnings == 0);
	config_free(&c);

	write_file("sub/conf/ticker.yaml", "ticker:\n  interval: slow\n");
	r = config_load(&c, "sub/rr.yaml", NULL, 0, err, sizeof(err));
	CHECK_STR("include: error names the included file", err,
	    "sub/conf/ticker.yaml:2:13: ticker.interval: \"slow\" is not a "
	    "duration (examples: 500ms, 1s, 1m)");

	write_file("sub/conf/ticker.yaml", "ticker:\n  interval: 2s\n");
	{
		char *ov[] = { "ticker.interval=9s" };

		r = config_load(&c, "sub/rr.yaml", ov, 1, err, sizeof(err));
		CHECK("include: override applies after includes", r == 0 &&
		    c.ticker.interval == 9 * SEC_NS);
		config_free(&c);
	}
}

static void
test_warnings(void)
{
	struct config	 c;
	char		 err[CONFIG_ERR_MAX] = "";
	int		 r;

	r = load(&c, MIN
	    "ticker:\n"
	    "  pool:\n"
	    "    num_worker: 2\n"
	    "http:\n"
	    "  address: 0.0.0.0:8080\n"
	    "  pool:\n"
	    "    num_workers: 4\n"
	    "jobs: {}\n"
	    "rpc:\n"
	    "  listen: tcp://127.0.0.1:6001\n"
	    "logs:\n"
	    "  channels: {}\n"
	    "colour: blue\n", NULL, 0, err);
	CHECK("warnings: loads", r == 0);
	if (r != 0) {
		printf("FAIL warnings: %s\n", err);
		return;
	}
	CHECK("warnings: count", c.nwarnings == 5);
	if (c.nwarnings != 5)
		return;
	CHECK_STR("warnings: unknown key with file:line", c.warnings[0],
	    "rr.yaml:6:5: ticker.pool.num_worker: unknown key, ignored");
	CHECK_STR("warnings: http once", c.warnings[1],
	    "rr.yaml:7:1: http: not supported by rr, ignored");
	CHECK_STR("warnings: jobs once", c.warnings[2],
	    "rr.yaml:11:1: jobs: not supported by rr, ignored");
	CHECK_STR("warnings: RoadRunner logs key", c.warnings[3],
	    "rr.yaml:15:3: logs.channels: not supported by rr, ignored");
	CHECK_STR("warnings: unknown section", c.warnings[4],
	    "rr.yaml:16:1: colour: unknown key, ignored");
	CHECK("warnings: rpc is known", c.rpc.set);
	config_free(&c);
}

/* YAML merge keys, as Go's yaml reads them: explicit keys win, then the
 * maps merged in the order given; x- keys hold the anchors quietly. */
static void
test_merge(void)
{
	struct config	 c;
	char		 err[CONFIG_ERR_MAX] = "";
	int		 r;

	r = load(&c, MIN
	    "x-defaults: &d\n"
	    "  num_workers: 3\n"
	    "  max_jobs: 10\n"
	    "x-more: &m\n"
	    "  max_jobs: 20\n"
	    "  reset_timeout: 5s\n"
	    "x-sv: &sv {ttl: 1h}\n"
	    "ticker:\n"
	    "  pool:\n"
	    "    max_jobs: 7\n"
	    "    <<: [*d, *m]\n"
	    "    supervisor:\n"
	    "      <<: *sv\n"
	    "      idle_ttl: 1m\n", NULL, 0, err);
	CHECK("merge: loads", r == 0);
	if (r != 0) {
		printf("FAIL merge: %s\n", err);
		return;
	}
	CHECK("merge: no warnings (x- keys are anchors' place)",
	    c.nwarnings == 0);
	CHECK("merge: value from the first map", c.ticker.pool.num_workers == 3);
	CHECK("merge: explicit key wins, even before <<",
	    c.ticker.pool.max_jobs == 7);
	CHECK("merge: value only the second map has",
	    c.ticker.pool.reset_timeout == 5 * SEC_NS);
	CHECK("merge: one map", c.ticker.pool.supervisor.ttl == 3600 * SEC_NS &&
	    c.ticker.pool.supervisor.idle_ttl == 60 * SEC_NS);
	CHECK_STR("merge: a merged value's place is where it was written",
	    config_where(&c, &c.ticker.pool.num_workers), "rr.yaml:5:16");
	config_free(&c);

	r = load(&c, MIN "x-a: &a {interval: 2s}\nx-b: &b {interval: 3s}\n"
	    "ticker:\n  <<: [*a, *b]\n", NULL, 0, err);
	CHECK("merge: the first of a list wins", r == 0 &&
	    c.ticker.interval == 2 * SEC_NS);
	config_free(&c);

	r = load(&c, MIN "ticker:\n  \"<<\": {interval: 2s}\n", NULL, 0, err);
	CHECK("merge: a quoted << is a plain key", r == 0 &&
	    c.nwarnings == 1 && c.ticker.interval == SEC_NS);
	config_free(&c);
}

/* A map of names (metrics.collect): entries in the file's order, each
 * with its defaults, its lists, its places and its printout. */
static void
test_named(void)
{
	const struct collector_config *a, *b;
	struct config	 c;
	char		 err[CONFIG_ERR_MAX] = "", out[4096] = "";
	char		*ov[] = { "metrics.collect.Jobs.help=from -o" };
	FILE		*f;
	int		 r;

	r = load(&c, MIN "metrics:\n  collect:\n    app_metric:\n"
	    "      type: histogram\n      labels: [\"type\", kind]\n"
	    "      buckets: [0.1, 2.5e-1, 1]\n      objectives: [{0.5: 1}]\n"
	    "    Jobs:\n      type: counter\n      namespace: app\n"
	    "      labels: queue\n    empty:\n", ov, 1, err);
	CHECK("named: loads", r == 0);
	if (r != 0) {
		printf("    %s\n", err);
		return;
	}
	a = c.metrics.collect.items;
	b = a + 1;
	CHECK("named: three entries", c.metrics.collect.n == 3);
	CHECK_STR("named: the first's name", a->name, "app_metric");
	CHECK("named: its type", a->type == COLLECT_HISTOGRAM);
	CHECK("named: its labels", a->labels.n == 2 &&
	    strcmp(a->labels.v[0], "type") == 0 &&
	    strcmp(a->labels.v[1], "kind") == 0);
	CHECK("named: its buckets", a->buckets.n == 3 &&
	    a->buckets.v[0] == 0.1 && a->buckets.v[1] == 0.25 &&
	    a->buckets.v[2] == 1);
	CHECK_STR("named: a name keeps its case", b->name, "Jobs");
	CHECK("named: a scalar is a list of one", b->labels.n == 1 &&
	    strcmp(b->labels.v[0], "queue") == 0);
	CHECK_STR("named: an override reaches an entry", b->help, "from -o");
	CHECK("named: an empty entry has the defaults",
	    a[2].type == COLLECT_COUNTER && a[2].labels.n == 0 &&
	    a[2].help == NULL);
	CHECK_STR("named: where an entry's value came from",
	    config_where(&c, &a->type), "rr.yaml:7:13");
	CHECK("named: an entry's default is nowhere",
	    config_where(&c, &a[2].type) == NULL);
	CHECK("named: objectives warned", c.nwarnings == 1 &&
	    strstr(c.warnings[0], "metrics.collect.app_metric.objectives: "
	    "not supported by rr") != NULL);
	if ((f = fmemopen(out, sizeof out - 1, "w")) != NULL) {
		config_print(&c, f);
		fclose(f);
	}
	CHECK("named: printed", strstr(out, "  collect:\n    \"app_metric\":\n"
	    "      type: histogram\n") != NULL && strstr(out,
	    "      labels: [\"type\", \"kind\"]\n      buckets: [0.1, 0.25, "
	    "1]\n") != NULL);
	config_free(&c);

	r = load(&c, MIN "ticker:\n  schedules:\n    a:\n      interval: 1s\n",
	    NULL, 0, err);
	CHECK("named: schedules alone: no unnamed ticker", r == 0 &&
	    !c.ticker.unnamed && c.ticker.schedules.n == 1);
	config_free(&c);
	r = load(&c, MIN "ticker:\n  interval: 2s\n  schedules:\n    a:\n"
	    "      interval: 1s\n", NULL, 0, err);
	CHECK("named: schedules and an interval: both", r == 0 &&
	    c.ticker.unnamed);
	config_free(&c);
	r = load(&c, MIN, NULL, 0, err);
	CHECK("named: no schedules: the unnamed ticker", r == 0 &&
	    c.ticker.unnamed);
	config_free(&c);
}

/* ticker.cluster: absent, nothing set; given, its defaults; a timeout
 * not shorter than an interval warns. */
static void
test_cluster(void)
{
	struct config	 c;
	char		 err[CONFIG_ERR_MAX];
	int		 r;

	r = load(&c, MIN, NULL, 0, err);
	CHECK("cluster: absent loads", r == 0);
	CHECK("cluster: absent not set", !c.ticker.cluster.set &&
	    c.ticker.cluster.redis == NULL);
	config_free(&c);
	r = load(&c, MIN "ticker:\n  schedules:\n    a:\n"
	    "      cron: '* * * * * *'\n  cluster:\n"
	    "    redis: tcp://127.0.0.1:6379\n", NULL, 0, err);
	CHECK("cluster: loads", r == 0);
	if (r == -1) {
		printf("  %s\n", err);
		return;
	}
	CHECK("cluster: set", c.ticker.cluster.set);
	CHECK_STR("cluster: redis", c.ticker.cluster.redis,
	    "tcp://127.0.0.1:6379");
	CHECK_STR("cluster: prefix", c.ticker.cluster.prefix, "rr:ticker:");
	CHECK("cluster: no credentials", c.ticker.cluster.username == NULL &&
	    c.ticker.cluster.password == NULL && c.ticker.cluster.db == 0);
	CHECK("cluster: on_unavailable skip",
	    c.ticker.cluster.on_unavailable == UNAVAILABLE_SKIP);
	CHECK("cluster: timeout 500ms", c.ticker.cluster.timeout ==
	    500 * MS_NS);
	CHECK("cluster: named only", !c.ticker.unnamed);
	CHECK("cluster: no warning", c.nwarnings == 0);
	config_free(&c);
	r = load(&c, MIN "ticker:\n  interval: 250ms\n  cluster:\n"
	    "    redis: tcp://127.0.0.1:6379\n    timeout: 250ms\n", NULL, 0,
	    err);
	CHECK("cluster: slow timeout loads", r == 0);
	CHECK_STR("cluster: slow timeout warns", c.nwarnings == 1 ?
	    c.warnings[0] : NULL, "rr.yaml:8:14: ticker.cluster.timeout: 250ms "
	    "is not shorter than the shortest interval (250ms): a fire whose "
	    "claim is not answered by the next is skipped on every server");
	config_free(&c);
}

/* config_where(): the place of each value given, for later messages. */
static void
test_where(void)
{
	struct config	 c;
	char		 err[CONFIG_ERR_MAX] = "";
	char		*ov[] = { "server.user=nobody" };
	FILE		*f;
	int		 r;

	r = load(&c, MIN "ticker:\n  pool:\n    num_workers: 2\n", ov, 1, err);
	CHECK("where: loads", r == 0);
	CHECK_STR("where: a file's value", r ? NULL :
	    config_where(&c, &c.ticker.pool.num_workers), "rr.yaml:6:18");
	CHECK_STR("where: an override", r ? NULL :
	    config_where(&c, &c.server.user), "-o server.user=nobody");
	CHECK("where: a default is nowhere", r ? 0 :
	    config_where(&c, &c.ticker.interval) == NULL);
	config_free(&c);

	/* a config may be at most 1 MiB, and the message says so */
	f = fopen("big.yaml", "w");
	for (r = 0; f != NULL && r < 70000; r++)
		fputs("# a comment line\n", f);
	if (f != NULL)
		fclose(f);
	r = config_load(&c, "big.yaml", NULL, 0, err, sizeof(err));
	CHECK("where: a too large config fails", r == -1);
	CHECK("where: its message names the limit",
	    strstr(err, "larger than 1 MiB, the most a config may be") != NULL);
}

static void
test_dotenv(void)
{
	char	 err[CONFIG_ERR_MAX] = "";
	int	 r;

	setenv("RR_T_KEEP", "old", 1);
	unsetenv("RR_T_NEW");
	unsetenv("RR_T_EXP");
	unsetenv("RR_T_SQ");
	unsetenv("RR_T_DQ");
	unsetenv("RR_T_CMT");
	unsetenv("RR_T_EMPTY");
	write_file(".env", "# comment\n"
	    "\n"
	    "RR_T_KEEP=new\n"
	    "RR_T_NEW = fresh \n"
	    "export RR_T_EXP=exported\n"
	    "RR_T_SQ='a \"b\" $c # d'\n"
	    "RR_T_DQ=\"x\\\"y\\\\z\\nw\"\n"
	    "RR_T_CMT=v # trailing comment\r\n"
	    "RR_T_EMPTY=\n");
	r = config_load_dotenv(".env", err, sizeof(err));
	CHECK("dotenv: loads", r == 0);
	CHECK_STR("dotenv: never overwrites", getenv("RR_T_KEEP"), "old");
	CHECK_STR("dotenv: trims", getenv("RR_T_NEW"), "fresh");
	CHECK_STR("dotenv: export prefix", getenv("RR_T_EXP"), "exported");
	CHECK_STR("dotenv: single quotes literal", getenv("RR_T_SQ"),
	    "a \"b\" $c # d");
	CHECK_STR("dotenv: double quote escapes", getenv("RR_T_DQ"),
	    "x\"y\\z\nw");
	CHECK_STR("dotenv: comment after value", getenv("RR_T_CMT"), "v");
	CHECK_STR("dotenv: empty value", getenv("RR_T_EMPTY"), "");

	write_file(".env", "OK=1\nnot a pair\n");
	r = config_load_dotenv(".env", err, sizeof(err));
	CHECK_STR("dotenv: bad line", r == -1 ? err : "(accepted)",
	    ".env:2: \"not a pair\" is not KEY=VALUE");
	write_file(".env", "A=\"open\n");
	r = config_load_dotenv(".env", err, sizeof(err));
	CHECK_STR("dotenv: unterminated quote", r == -1 ? err : "(accepted)",
	    ".env:1: unterminated quote");
	r = config_load_dotenv("none.env", err, sizeof(err));
	CHECK_STR("dotenv: missing file", r == -1 ? err : "(accepted)",
	    "none.env: cannot open: No such file or directory");
}

static const struct split {
	const char	*in;
	const char	*want;		/* argv joined with '|' */
	const char	*err;
} splits[] = {
	{ "php app.php", "php|app.php", NULL },
	{ "  php\t app.php \n", "php|app.php", NULL },
	{ "php -r 'echo \"hi\";'", "php|-r|echo \"hi\";", NULL },
	{ "a 'b c' \"d e\"", "a|b c|d e", NULL },
	{ "a\\ b", "a b", NULL },
	{ "a'b'\"c\"d", "abcd", NULL },
	{ "'' \"\" x", "||x", NULL },
	{ "\"\\\"q\\\" \\\\ \\$x \\` \\n\"", "\"q\" \\ $x ` \\n", NULL },
	{ "'\\n\\''", NULL, "unterminated single quote" },
	{ "'a\\'", "a\\", NULL },
	{ "a\\\nb", "ab", NULL },
	{ "a \\\n b", "a|b", NULL },
	{ "\"a\\\nb\"", "ab", NULL },
	{ "$HOME *.php; rm", "$HOME|*.php;|rm", NULL },
	{ "trailing\\", "trailing\\", NULL },
	{ "\\'x", "'x", NULL },
	{ "php 'unterminated", NULL, "unterminated single quote" },
	{ "php \"unterminated", NULL, "unterminated double quote" },
	{ "php \"a\\\"", NULL, "unterminated double quote" },
	{ "", NULL, "empty command" },
	{ " \t\n", NULL, "empty command" },
	{ "\\\n", NULL, "empty command" },
};

/* A test name on one line, whatever the input holds. */
static void
printable(char *buf, size_t len, const char *prefix, const char *s)
{
	size_t	 w = (size_t)snprintf(buf, len, "%s", prefix);

	for (; *s != '\0' && w + 3 < len; s++) {
		if (*s == '\n' || *s == '\t') {
			buf[w++] = '\\';
			buf[w++] = *s == '\n' ? 'n' : 't';
		} else
			buf[w++] = *s;
	}
	buf[w] = '\0';
}

static void
test_split(void)
{
	struct command	 cmd;
	char		 err[CONFIG_ERR_MAX], name[128], joined[256];
	size_t		 i, j;
	int		 r;

	for (i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
		printable(name, sizeof(name), "split: ", splits[i].in);
		err[0] = '\0';
		r = config_split_command(splits[i].in, &cmd, err, sizeof(err));
		if (splits[i].err != NULL) {
			CHECK_STR(name, r == -1 ? err : "(accepted)",
			    splits[i].err);
			CHECK("split: nothing left on error", cmd.argv == NULL &&
			    cmd.argc == 0);
			continue;
		}
		joined[0] = '\0';
		for (j = 0; r == 0 && j < cmd.argc; j++)
			snprintf(joined + strlen(joined), sizeof(joined) -
			    strlen(joined), "%s%s", j ? "|" : "", cmd.argv[j]);
		CHECK_STR(name, r == 0 ? joined : err, splits[i].want);
		CHECK("split: argv NULL-terminated", r == 0 &&
		    cmd.argv[cmd.argc] == NULL);
		command_free(&cmd);
	}
}

/* config_print's output is YAML that loads back to the same config. */
static void
test_print(void)
{
	struct config	 c, again;
	char		 err[CONFIG_ERR_MAX] = "", *out = NULL;
	size_t		 len;
	FILE		*f;
	int		 r;

	r = load(&c, "version: '3'\n"
	    "server:\n"
	    "  command: php 'my app.php'\n"
	    "  env: {app: \"a\\\"b\"}\n"
	    "  on_init:\n"
	    "    command: [php, init.php]\n"
	    "ticker:\n"
	    "  interval: 90s\n"
	    "  pool:\n"
	    "    num_workers: 4\n"
	    "    allocate_timeout: 1500us\n"
	    "    supervisor:\n"
	    "      exec_ttl: 1h30m\n"
	    "      max_worker_memory: 64\n"
	    "rpc:\n"
	    "  listen: tcp://127.0.0.1:6001\n", NULL, 0, err);
	CHECK("print: loads", r == 0);
	if (r != 0) {
		printf("FAIL print: %s\n", err);
		return;
	}
	f = open_memstream(&out, &len);
	config_print(&c, f);
	fclose(f);
	CHECK_STR("print: effective config", out,
	    "version: \"3\"\n"
	    "server:\n"
	    "  command: [\"php\", \"my app.php\"]\n"
	    "  env:\n"
	    "    APP: \"a\\\"b\"\n"
	    "  relay: \"pipes\"\n"
	    "  relay_timeout: 1m\n"
	    "  on_init:\n"
	    "    command: [\"php\", \"init.php\"]\n"
	    "    exec_timeout: 1m\n"
	    "    env: {}\n"
	    "    exit_on_error: false\n"
	    "ticker:\n"
	    "  interval: 1m30s\n"
	    "  pool:\n"
	    "    num_workers: 4\n"
	    "    max_jobs: 0\n"
	    "    allocate_timeout: 1.5ms\n"
	    "    reset_timeout: 1m\n"
	    "    destroy_timeout: 1m\n"
	    "    debug: false\n"
	    "    supervisor:\n"
	    "      watch_tick: 5s\n"
	    "      ttl: 0s\n"
	    "      idle_ttl: 0s\n"
	    "      max_worker_memory: 64\n"
	    "      exec_ttl: 1h30m\n"
	    "logs:\n"
	    "  mode: development\n"
	    "  level: debug\n"
	    "  encoding: console\n"
	    "  output: \"stderr\"\n"
	    "endure:\n"
	    "  grace_period: 30s\n"
	    "rpc:\n"
	    "  listen: \"tcp://127.0.0.1:6001\"\n"
	    "  max_connections: 64\n"
	    "  idle_timeout: 1m\n");
	r = load(&again, out, NULL, 0, err);
	CHECK("print: output loads back", r == 0);
	CHECK("print: round trip keeps values", r == 0 &&
	    again.ticker.interval == c.ticker.interval &&
	    again.ticker.pool.allocate_timeout ==
	    c.ticker.pool.allocate_timeout &&
	    again.ticker.pool.supervisor.exec_ttl ==
	    c.ticker.pool.supervisor.exec_ttl &&
	    strcmp(again.server.command.argv[1], "my app.php") == 0 &&
	    strcmp(again.server.env.vars[0], "APP=a\"b") == 0 &&
	    again.nwarnings == 0);
	config_free(&again);
	config_free(&c);
	free(out);
}

static int
rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL || chdir(tmpdir) == -1) {
		printf("FAIL setup: %s\n", strerror(errno));
		return 1;
	}
	test_seed();
	test_full();
	test_derived();
	test_bad();
	test_durations();
	test_expand();
	test_overrides();
	test_includes();
	test_warnings();
	test_merge();
	test_where();
	test_named();
	test_cluster();
	test_dotenv();
	test_split();
	test_print();
	if (chdir("/") == 0)
		nftw(tmpdir, rm, 16, FTW_DEPTH | FTW_PHYS);
	return unit_failed;
}

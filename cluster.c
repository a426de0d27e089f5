/*
 * cluster: see cluster.h.  The script is the whole design: it compares
 * the fence with the fire's scheduled time and moves it, all in one
 * step on Redis, so two servers can never both see the old fence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "cluster.h"
#include "log.h"

/*
 * KEYS[1] :claimed, the fence; KEYS[2] :n; KEYS[3] :last.  ARGV[1] the
 * scheduled unix ms; ARGV[2], ARGV[3] and ARGV[4] the fence, next N and
 * lastTick the server knows, which stand in for what Redis lost (keys
 * gone with a restart, a failover's last writes), so that neither the
 * fence nor N ever goes back.  Returns {won, next N, fence, lastTick}:
 * won 1 with this fire as the fence, or 0 when it was claimed already
 * (this fire or a later one), with the fleet's fence.  Every server thus
 * learns the fleet's N and lastTick from every claim, lost or won.  A
 * GET of a missing key is false in Lua, hence the `or`s.
 */
static const char script[] =
	"local f = math.max(tonumber(redis.call('GET', KEYS[1]) or '-1'), "
	"tonumber(ARGV[2]))\n"
	"local n = math.max(tonumber(redis.call('GET', KEYS[2]) or '0'), "
	"tonumber(ARGV[3]))\n"
	"local last = redis.call('GET', KEYS[3]) or ARGV[4]\n"
	"if f >= tonumber(ARGV[1]) then return {0, n, f, last} end\n"
	"redis.call('SET', KEYS[1], ARGV[1])\n"
	"redis.call('SET', KEYS[2], n + 1)\n"
	"return {1, n + 1, tonumber(ARGV[1]), last}\n";

#define KEY_MAX	(CLUSTER_PREFIX_MAX + SCHEDULE_NAME_MAX + 16)
#define ERROR_SHOWN	200	/* bytes of an error reply a log line shows */

int
cluster_init(struct cluster *c, const struct cluster_config *cc, int epfd,
    char *err, size_t errlen)
{
	struct redis_config rc = {
		.name = "ticker.cluster", .address = cc->redis,
		.username = cc->username, .password = cc->password,
		.db = cc->db, .timeout_ns = cc->timeout
	};
	char host[256];
	size_t i;

	memset(c, 0, sizeof *c);
	c->prefix = cc->prefix != NULL ? cc->prefix : "";
	if ((c->prefix_len = strlen(c->prefix)) > CLUSTER_PREFIX_MAX) {
		snprintf(err, errlen, "prefix: longer than %d bytes",
		    CLUSTER_PREFIX_MAX);
		return -1;
	}
	if (gethostname(host, sizeof host) == -1)
		strcpy(host, "unknown");
	host[sizeof host - 1] = '\0';
	snprintf(c->id, sizeof c->id, "%s:%ld", host, (long)getpid());
	for (i = 0; i < REDIS_PENDING_MAX; i++) {
		c->claim[i].c = c;
		c->claim[i].next = i + 1 < REDIS_PENDING_MAX ?
		    &c->claim[i + 1] : NULL;
	}
	c->free = &c->claim[0];
	if (redis_init(&c->redis, &rc, epfd, err, errlen) == -1)
		return -1;
	c->set = true;
	log_info("ticker", "fleet claims through redis",
	    LF_STR("redis", cc->redis), LF_STR("server", c->id));
	return 0;
}

void
cluster_close(struct cluster *c)
{
	if (!c->set)
		return;
	/* what is pending fails now, its callbacks with it */
	redis_close(&c->redis);
	c->set = false;
	log_info("ticker", "fleet claims", LF_INT("claims", c->claims),
	    LF_INT("won", c->won), LF_INT("lost", c->lost),
	    LF_INT("unavailable", c->unavailable),
	    LF_INT("done_failed", c->done_failed));
}

/* prefix, name, suffix into key (KEY_MAX bytes); its length. */
static size_t
key_of(const struct cluster *c, char *key, const char *name,
    const char *suffix)
{
	size_t nlen = strlen(name), slen = strlen(suffix);

	memcpy(key, c->prefix, c->prefix_len);
	memcpy(key + c->prefix_len, name, nlen);
	memcpy(key + c->prefix_len + nlen, suffix, slen + 1);
	return c->prefix_len + nlen + slen;
}

/* A bulk or integer reply as a number; 0 for anything else. */
static long long
number_of(const struct redis_reply *r)
{
	char digits[32];

	if (r->type == REDIS_INTEGER)
		return r->integer;
	if (r->type != REDIS_BULK || r->len == 0 || r->len >= sizeof digits)
		return 0;
	memcpy(digits, r->str, r->len);
	digits[r->len] = '\0';
	return strtoll(digits, NULL, 10);
}

/* A Redis that answers claims with something else (an error: the script
 * refused, a proxy in between) would otherwise say so at every fire. */
static void
tell_unexpected(struct cluster *c, const struct redis_reply *r)
{
	static const char *const types[] = {
		[REDIS_STATUS] = "status", [REDIS_ERROR] = "error",
		[REDIS_INTEGER] = "integer", [REDIS_BULK] = "bulk",
		[REDIS_NIL] = "nil", [REDIS_ARRAY] = "array",
	};
	int64_t now = clock_ns(CLOCK_MONOTONIC);

	c->unexpected_unlogged++;
	if (c->unexpected_told != 0 && now - c->unexpected_told < SEC_NS)
		return;
	log_warn("ticker", "fleet claim: unexpected reply",
	    LF_STR("type", types[r->type]), LF_BYTES("error", r->type ==
	    REDIS_ERROR ? r->str : "", r->type == REDIS_ERROR ?
	    (r->len < ERROR_SHOWN ? r->len : ERROR_SHOWN) : 0),
	    LF_INT("count", c->unexpected_unlogged));
	c->unexpected_unlogged = 0;
	c->unexpected_told = now;
}

/* {0 or 1, an integer >= it, two numbers}: the script's, nothing else */
static bool
script_reply(const struct redis_reply *r)
{
	return r->type == REDIS_ARRAY && r->elements == 4 &&
	    r->element[0].type == REDIS_INTEGER &&
	    (r->element[0].integer == 0 || r->element[0].integer == 1) &&
	    r->element[1].type == REDIS_INTEGER &&
	    r->element[1].integer >= r->element[0].integer;
}

static void
claimed(void *arg, const struct redis_reply *r)
{
	struct cluster_claim *k = arg;
	struct cluster *c = k->c;
	cluster_claim_fn *cb = k->cb;
	void *cbarg = k->arg;
	struct claim_reply cr = { 0 };

	k->next = c->free;
	c->free = k;
	if (!script_reply(r)) {
		c->unavailable++;
		/* REDIS_FAILED: the client said why when it dropped */
		if (r->type != REDIS_FAILED)
			tell_unexpected(c, r);
		cb(cbarg, CLAIM_UNAVAILABLE, &cr);
		return;
	}
	cr.n = (uint64_t)r->element[1].integer;
	cr.fence = number_of(&r->element[2]);
	cr.last_tick = number_of(&r->element[3]);
	if (r->element[0].integer == 0) {
		c->lost++;
		cb(cbarg, CLAIM_LOST, &cr);
		return;
	}
	c->won++;
	cr.n--;
	cb(cbarg, CLAIM_WON, &cr);
}

int
cluster_claim(struct cluster *c, const char *name, int64_t scheduled_ms,
    const struct claim_reply *known, cluster_claim_fn *cb, void *arg)
{
	char k1[KEY_MAX], k2[KEY_MAX], k3[KEY_MAX], ms[24], fence[24], n[24];
	char last[24];
	const char *argv[10] = { "EVAL", script, "3", k1, k2, k3, ms, fence,
	    n, last };
	struct cluster_claim *k;

	c->claims++;
	if (!c->set || (k = c->free) == NULL) {
		c->unavailable++;
		return -1;
	}
	key_of(c, k1, name, ":claimed");
	key_of(c, k2, name, ":n");
	key_of(c, k3, name, ":last");
	*buf_digits(ms, (uint64_t)scheduled_ms) = '\0';
	snprintf(fence, sizeof fence, "%lld", (long long)known->fence);
	*buf_digits(n, known->n) = '\0';
	snprintf(last, sizeof last, "%lld", known->last_tick);
	k->cb = cb;
	k->arg = arg;
	if (redis_command(&c->redis, claimed, k, 10, argv, NULL) == -1) {
		c->unavailable++;
		return -1;
	}
	c->free = k->next;
	return 0;
}

static void
set_done(void *arg, const struct redis_reply *r)
{
	struct cluster *c = arg;

	if (r->type != REDIS_STATUS)
		c->done_failed++;
}

void
cluster_done(struct cluster *c, const char *name, long long unix_s)
{
	char key[KEY_MAX], s[24];
	const char *argv[3] = { "SET", key, s };

	if (!c->set)
		return;
	key_of(c, key, name, ":last");
	snprintf(s, sizeof s, "%lld", unix_s);
	if (redis_command(&c->redis, set_done, c, 3, argv, NULL) == -1)
		c->done_failed++;
}

bool
cluster_owns(const struct cluster *c, const void *ptr)
{
	return c->set && redis_owns(&c->redis, ptr);
}

void
cluster_on_io(struct cluster *c, void *ptr, uint32_t events, int64_t now)
{
	redis_on_io(&c->redis, ptr, events, now);
}

int64_t
cluster_next_deadline(const struct cluster *c)
{
	return c->set ? redis_next_deadline(&c->redis) : INT64_MAX;
}

void
cluster_on_deadline(struct cluster *c, int64_t now)
{
	if (c->set)
		redis_on_deadline(&c->redis, now);
}

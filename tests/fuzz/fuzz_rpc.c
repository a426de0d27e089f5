/*
 * fuzz_rpc: the input is what an RPC client sent on its connection.  It
 * is cut into frames as rpc.c cuts them; each request rpc_bad_request()
 * lets through is called, against a server with rr's real method names
 * bound to stand-ins that parse their argument as the real ones do
 * (a plugin name, or any JSON value), and the real metrics.* methods, so
 * the decoder, the request checks, the method lookup, the error texts,
 * the metrics registry and json.c all see hostile bytes.
 * Seeds: tests/fuzz/seed_rpc/, one request each.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "metrics.h"
#include "rpc.h"

#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct rpc_server srv;
static struct metrics metrics;	/* its methods need no pool or ticker */
static int ready;

/* As services.c reads a plugin name. */
static int
plugin(void *ctx, const char *arg, size_t len, struct buf *out)
{
	char name[64];
	struct json j;

	(void)ctx;
	json_init(&j, arg, len);
	if (!json_string(&j, name, sizeof name, NULL) || !json_end(&j)) {
		buf_puts(out, "expected a plugin name");
		return -1;
	}
	buf_json_string(out, name, strlen(name));
	return 0;
}

/* Any JSON value, walked whole. */
static int
value(void *ctx, const char *arg, size_t len, struct buf *out)
{
	struct json j;

	(void)ctx;
	json_init(&j, arg, len);
	if (!json_skip(&j) || !json_end(&j)) {
		buf_puts(out, "not JSON");
		return -1;
	}
	buf_puts(out, "true");
	return 0;
}

static void
setup(void)
{
	static const char *const plugin_methods[] = { "informer.Workers",
	    "resetter.Reset" };
	static const char *const value_methods[] = { "informer.List",
	    "resetter.List", "rpc.Version", "ticker.Stats" };
	size_t i;

	srv.lfd = -1;
	for (i = 0; i < 2; i++)
		REQUIRE(rpc_register(&srv, plugin_methods[i], plugin, NULL) == 0);
	for (i = 0; i < 4; i++)
		REQUIRE(rpc_register(&srv, value_methods[i], value, NULL) == 0);
	REQUIRE(metrics_register(&metrics, &srv) == 0);
	ready = 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct goridge_decoder dec;
	struct goridge_frame f;
	enum goridge_status st;
	const char *m;
	size_t used, pos = 0, mlen;

	if (!ready)
		setup();
	goridge_decoder_init(&dec, 1 << 16);
	while (pos < size) {
		st = goridge_feed(&dec, data + pos, size - pos, &used, &f);
		pos += used;
		if (st != GR_FRAME || rpc_bad_request(&f) != NULL)
			break;
		rpc_call(&srv, &f, &m, &mlen);
		REQUIRE(mlen == f.options[1] && mlen <= f.len);
		REQUIRE(srv.res.len <= srv.res.cap);
	}
	goridge_decoder_free(&dec);
	return 0;
}

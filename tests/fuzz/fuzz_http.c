/*
 * fuzz_http: the input is what an HTTP client sent.  Heads are parsed one
 * after another as http.c does on a connection, and each one's query is
 * walked for plugin= values; whatever the bytes, a parse consumes within
 * the input, and the path and query lie inside it.
 * Seeds: tests/fuzz/seed_http/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "http.h"

#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct http_request r;
	char value[64];
	size_t pos = 0, q;
	bool keep;
	long n;
	int status;

	while (pos < size && (n = http_parse(in + pos, size - pos, &r, &keep,
	    &status)) > 0) {
		REQUIRE((size_t)n <= size - pos);
		REQUIRE(r.path >= in + pos && r.path + r.path_len <= in + pos + n);
		if (r.query != NULL)
			REQUIRE(r.query + r.query_len <= in + pos + n);
		for (q = 0; http_query(r.query, r.query_len, "plugin", &q,
		    value, sizeof value);)
			REQUIRE(q <= r.query_len + 1);
		pos += (size_t)n;
	}
	return 0;
}

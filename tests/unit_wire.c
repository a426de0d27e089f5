/*
 * unit_wire: the pure parts of rr's small protocols: json.c (RPC
 * arguments), buf.c's JSON strings, and http.c's request-head parser and
 * query strings.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "http.h"
#include "json.h"
#include "unit.h"

static void
test_json(void)
{
	struct json j;
	char s[16];
	double d;
	size_t n;

	json_init(&j, " \"ti\\u00e9k\\n\" ", 15);
	CHECK("json: a string with escapes", json_string(&j, s, sizeof s, &n) &&
	    strcmp(s, "ti\xc3\xa9k\n") == 0 && n == 6 && json_end(&j));
	json_init(&j, "\"\\ud83d\\ude00\"", 14);
	CHECK("json: a surrogate pair as UTF-8", json_string(&j, s, sizeof s,
	    NULL) && strcmp(s, "\xf0\x9f\x98\x80") == 0);
	json_init(&j, "\"\\udc00\"", 8);
	CHECK("json: a lone low surrogate is refused",
	    !json_string(&j, s, sizeof s, NULL));
	json_init(&j, "\"0123456789abcdef\"", 18);
	CHECK("json: a string longer than its room is refused",
	    !json_string(&j, s, sizeof s, NULL));
	json_init(&j, "\"a\x01\"", 4);
	CHECK("json: a raw control byte is refused",
	    !json_string(&j, s, sizeof s, NULL));
	json_init(&j, "-1.5e3", 6);
	CHECK("json: a number", json_number(&j, &d) && d == -1500 &&
	    json_end(&j));
	json_init(&j, "{\"a\":[1,{\"b\":null}],\"c\":\"}\"} x", 30);
	CHECK("json: skip a nested value", json_skip(&j) && json_take(&j, 'x'));
	json_init(&j, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
	    69);
	CHECK("json: nesting deeper than 32 is refused", !json_skip(&j));
	json_init(&j, "{\"a\":1", 6);
	CHECK("json: an unclosed object is refused", !json_skip(&j));
}

static bool
digit_check(uint64_t v)
{
	char want[24], got[24];

	snprintf(want, sizeof want, "%llu", (unsigned long long)v);
	*buf_digits(got, v) = '\0';
	return strcmp(want, got) == 0;
}

static bool
digits_as_printf(void)
{
	uint64_t v, p;

	for (v = 0; v <= 1000000; v++)
		if (!digit_check(v))
			return false;
	for (p = 10; p <= 1000000000000000000ull; p *= 10)
		if (!digit_check(p - 1) || !digit_check(p) ||
		    !digit_check(p + 99))
			return false;
	return digit_check(UINT64_MAX);
}

static void
test_buf(void)
{
	struct buf b = { 0 };

	buf_json_string(&b, "a\"b\\c\n\x01", 7);
	buf_put(&b, "", 1);
	CHECK_STR("buf: JSON escapes", b.data, "\"a\\\"b\\\\c\\u000a\\u0001\"");
	buf_reset(&b);
	buf_put_u64(&b, 18446744073709551615ull);
	buf_put(&b, "", 1);
	CHECK_STR("buf: the largest u64", b.data, "18446744073709551615");
	buf_free(&b);
	CHECK("buf: digits of 0..10^6 and of every power of ten, as printf's",
	    digits_as_printf());
}

static void
test_http(void)
{
	static const char two[] = "GET /health?plugin=ticker&plugin=h%74tp "
	    "HTTP/1.1\r\nHost: x\r\n\r\nHEAD /ready HTTP/1.0\r\n\r\n";
	struct http_request r;
	char v[32], head[HTTP_HEAD_MAX + 16];
	size_t pos = 0;
	bool keep;
	long n;
	int st;

	n = http_parse(two, sizeof two - 1, &r, &keep, &st);
	CHECK("http: the first of two pipelined heads", n > 0 &&
	    r.method == HTTP_GET && r.path_len == 7 &&
	    memcmp(r.path, "/health", 7) == 0 && keep);
	CHECK("http: the query's first plugin", http_query(r.query,
	    r.query_len, "plugin", &pos, v, sizeof v) &&
	    strcmp(v, "ticker") == 0);
	CHECK("http: the second, %-decoded", http_query(r.query, r.query_len,
	    "plugin", &pos, v, sizeof v) && strcmp(v, "http") == 0);
	CHECK("http: no third", !http_query(r.query, r.query_len, "plugin",
	    &pos, v, sizeof v));
	n = http_parse(two + n, sizeof two - 1 - (size_t)n, &r, &keep, &st);
	CHECK("http: HTTP/1.0 closes unless asked", n > 0 &&
	    r.method == HTTP_HEAD && !keep);
	CHECK("http: half a head waits", http_parse("GET / HTTP/1.1\r\nHo",
	    19, &r, &keep, &st) == 0);
	CHECK("http: HTTP/2 is 505", http_parse("GET / HTTP/2.0\r\n\r\n", 18,
	    &r, &keep, &st) == -1 && st == 505);
	CHECK("http: junk is 400", http_parse("hello\r\n\r\n", 9, &r, &keep,
	    &st) == -1 && st == 400);
	CHECK("http: a body means close after", http_parse("POST / HTTP/1.1\r\n"
	    "Content-Length: 3\r\n\r\nabc", 41, &r, &keep, &st) > 0 &&
	    r.method == HTTP_OTHER && !keep);
	memcpy(head, "GET / HTTP/1.1\r\nX: ", 19);
	memset(head + 19, 'a', sizeof head - 19);
	CHECK("http: a head past 8 KiB is 431", http_parse(head, HTTP_HEAD_MAX,
	    &r, &keep, &st) == -1 && st == 431);
}

int
main(void)
{
	test_json();
	test_buf();
	test_http();
	return unit_failed;
}

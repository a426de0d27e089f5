/*
 * json: see json.h.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define DEPTH_MAX	32

void
json_init(struct json *j, const char *s, size_t n)
{
	j->p = s;
	j->end = s + n;
}

static void
ws(struct json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

bool
json_peek(struct json *j, char c)
{
	ws(j);
	return j->p < j->end && *j->p == c;
}

bool
json_take(struct json *j, char c)
{
	if (!json_peek(j, c))
		return false;
	j->p++;
	return true;
}

bool
json_end(struct json *j)
{
	ws(j);
	return j->p == j->end;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits after \u. */
static long
hex4(struct json *j)
{
	long v = 0;
	int i, d;

	if (j->end - j->p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		if ((d = hexval(*j->p++)) < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* Append code point cp as UTF-8; false when out is full. */
static bool
put_utf8(char *out, size_t cap, size_t *n, long cp)
{
	char b[4];
	size_t k;

	if (cp < 0x80) {
		b[0] = (char)cp;
		k = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		k = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		k = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		k = 4;
	}
	if (*n + k >= cap)
		return false;
	memcpy(out + *n, b, k);
	*n += k;
	return true;
}

/* An escape after the backslash. */
static bool
escape(struct json *j, char *out, size_t cap, size_t *n)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e;
	long cp, lo;

	if (j->p == j->end)
		return false;
	if ((e = strchr(from, *j->p)) != NULL && *j->p != '\0') {
		j->p++;
		return put_utf8(out, cap, n, to[e - from]);
	}
	if (*j->p++ != 'u' || (cp = hex4(j)) < 0)
		return false;
	if (cp >= 0xd800 && cp < 0xdc00) {	/* a surrogate pair */
		if (j->end - j->p < 2 || j->p[0] != '\\' || j->p[1] != 'u')
			return false;
		j->p += 2;
		if ((lo = hex4(j)) < 0xdc00 || lo > 0xdfff)
			return false;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	} else if (cp >= 0xdc00 && cp < 0xe000)
		return false;
	return put_utf8(out, cap, n, cp);
}

bool
json_string(struct json *j, char *out, size_t cap, size_t *len)
{
	size_t n = 0;

	if (cap == 0 || !json_take(j, '"'))
		return false;
	while (j->p < j->end && *j->p != '"') {
		if ((unsigned char)*j->p < 0x20)
			return false;
		if (*j->p == '\\') {
			j->p++;
			if (!escape(j, out, cap, &n))
				return false;
			continue;
		}
		if (n + 1 >= cap)
			return false;
		out[n++] = *j->p++;
	}
	if (j->p == j->end)
		return false;
	j->p++;
	out[n] = '\0';
	if (len != NULL)
		*len = n;
	return true;
}

bool
json_number(struct json *j, double *v)
{
	char buf[64], *endp;
	size_t n = 0;

	ws(j);
	while (j->p + n < j->end && n < sizeof buf - 1 &&
	    strchr("+-0123456789.eE", j->p[n]) != NULL && j->p[n] != '\0')
		n++;
	if (n == 0 || n == sizeof buf - 1)
		return false;
	memcpy(buf, j->p, n);
	buf[n] = '\0';
	*v = strtod(buf, &endp);
	if (endp != buf + n)
		return false;
	j->p += n;
	return true;
}

static bool
skip_at(struct json *j, int depth)
{
	static const char *const words[] = { "true", "false", "null" };
	char close;
	size_t i, k;
	double d;

	if (depth > DEPTH_MAX)
		return false;
	ws(j);
	if (j->p == j->end)
		return false;
	if (*j->p == '"') {
		/* validate, but keep no copy */
		for (j->p++; j->p < j->end && *j->p != '"'; j->p++)
			if (*j->p == '\\' && ++j->p == j->end)
				return false;
		if (j->p == j->end)
			return false;
		j->p++;
		return true;
	}
	if (*j->p == '[' || *j->p == '{') {
		close = *j->p == '[' ? ']' : '}';
		j->p++;
		if (json_take(j, close))
			return true;
		do {
			if (close == '}' && (!skip_at(j, depth + 1) ||
			    !json_take(j, ':')))
				return false;
			if (!skip_at(j, depth + 1))
				return false;
		} while (json_take(j, ','));
		return json_take(j, close);
	}
	for (i = 0; i < sizeof words / sizeof words[0]; i++) {
		k = strlen(words[i]);
		if ((size_t)(j->end - j->p) >= k &&
		    memcmp(j->p, words[i], k) == 0) {
			j->p += k;
			return true;
		}
	}
	return json_number(j, &d);
}

bool
json_skip(struct json *j)
{
	return skip_at(j, 0);
}

bool
json_object(struct json *j, json_member_fn *member, void *arg)
{
	char key[64];

	if (!json_take(j, '{'))
		return false;
	if (json_take(j, '}'))
		return true;
	do {
		if (!json_string(j, key, sizeof key, NULL) ||
		    !json_take(j, ':') || !member(j, key, arg))
			return false;
	} while (json_take(j, ','));
	return json_take(j, '}');
}

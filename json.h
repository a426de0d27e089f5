/*
 * json: just enough JSON for RPC arguments and results: a cursor over a
 * buffer that reads one value at a time, checking bounds on every byte
 * (the bytes come from clients).  No allocation, no global state.
 */
#ifndef RR_JSON_H
#define RR_JSON_H

#include <stdbool.h>
#include <stddef.h>

struct json {
	const char	*p, *end;
};

void	json_init(struct json *, const char *, size_t);

/* Skip white space; then whether the next byte is c (taken if so). */
bool	json_take(struct json *, char c);
bool	json_peek(struct json *, char c);

/*
 * A string into out (NUL-terminated, at most cap - 1 bytes; longer ones
 * fail), escapes decoded, \u as UTF-8.  *len, if given, gets its length.
 */
bool	json_string(struct json *, char *out, size_t cap, size_t *len);
bool	json_number(struct json *, double *);

/*
 * An object: for each member, member(j, key, arg) must read its value
 * (and may skip it with json_skip()); false from it, or bad JSON, stops.
 */
typedef bool json_member_fn(struct json *, const char *key, void *arg);
bool	json_object(struct json *, json_member_fn *, void *arg);

/* Any one value, nested ones included (to a depth of 32). */
bool	json_skip(struct json *);

/* Nothing but white space is left. */
bool	json_end(struct json *);

#endif

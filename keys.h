/*
 * keys: how a table of keys is walked over a tree of nodes (tree.c):
 * each value checked and stored by its kind into a struct at the
 * loader's base, the defaults, the places values came from (for
 * config_where()), freeing what was stored, and printing it back as
 * YAML.  config.c holds RoadRunner's tables; this file knows none of
 * them.
 */
#ifndef RR_KEYS_H
#define RR_KEYS_H

#include <stdio.h>

#include "config.h"
#include "tree.h"

#define MAX_KEYS	16		/* entries in one key table */

/*
 * One load: the tree, where errors and warnings go, and what it fills.
 * Key offsets count from base: cfg, or the entry of a named map (K_NAMED)
 * being walked.
 */
struct loader {
	struct tree	 t;
	struct config	*cfg;
	char		*base;
};

/*
 * K_NAMED is a map of names the user picks, each a section of the keys
 * in sub, stored as a struct config_list of entries `size` bytes each,
 * whose first member is the name (char *).
 */
enum key_kind {
	K_VERSION, K_INCLUDE, K_SECTION, K_STRING, K_RELAY, K_DURATION,
	K_NUMBER, K_BOOL, K_ENUM, K_COMMAND, K_ENV, K_STRINGS, K_NUMBERS,
	K_NAMED, K_UNSUPPORTED
};

struct key {
	const char	*name;
	enum key_kind	 kind;
	size_t		 off, size;	/* the field, from the loader's base */
	bool		 has_set;
	size_t		 set;		/* a bool field: the key was given */
	const struct key *sub;		/* K_SECTION, K_NAMED */
	const char *const *names;	/* K_ENUM: values in enum order */
	duration_ns	 def;		/* K_DURATION: also used for 0 */
	duration_ns	 min;		/* K_DURATION: the least allowed */
	const char	*defstr;	/* K_STRING, K_RELAY */
	bool		 secret;	/* K_STRING: printed as "(hidden)" */
	uint64_t	 max;		/* K_NUMBER; 0: what the field holds */
};

#define FIELD(m)	.off = offsetof(struct config, m), \
			.size = sizeof(((struct config *)0)->m)
#define SETS(m)		.has_set = true, .set = offsetof(struct config, m)
/* A key of an entry of a named map */
#define ENTRY(type, m)	.off = offsetof(type, m), \
			.size = sizeof(((type *)0)->m)
#define NAMED(m, type, keys) .kind = K_NAMED, \
			.off = offsetof(struct config, m), \
			.size = sizeof(type), .sub = keys

/*
 * Check and store every entry of map against keys (NULL-named at the
 * end); path is the map's key path, "" at the top.  A key given twice
 * is an error; an unknown one a warning.
 */
int	keys_walk(struct loader *, const struct node *map,
	    const struct key *keys, const char *path);

/* The defaults of every key, recursively, into the struct at base. */
int	keys_defaults(char *base, const struct key *keys);

/* Free whatever the keys stored at base; the struct itself stays. */
void	keys_free(char *base, const struct key *keys);

/* The keys and their values at base as YAML, indented by indent. */
void	keys_print(const char *base, const struct key *keys, int indent,
	    FILE *);

#endif

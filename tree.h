/*
 * tree: a YAML file as a small tree of our own, for config.c to walk.
 * The only file that knows libyaml.
 *
 * The file's includes and the -o overrides are merged into the tree
 * before any key means anything.  struct tree is also where one load's
 * error and warnings go, each starting with where its value came from:
 * "FILE:LINE:COL: key.path: ", "-o key=value: key.path: ", or just
 * "FILE: key.path: " for something missing from the main file.  A verb
 * that returns int returns 0, or -1 with the error in err.
 */
#ifndef RR_TREE_H
#define RR_TREE_H

#include <stdbool.h>
#include <stddef.h>

#define PATH_LEN	256		/* "ticker.pool.supervisor.ttl" */

enum node_kind { N_SCALAR, N_MAP, N_SEQ };

/* Where nodes came from: a file, or one -o string. */
struct origin {
	char		*name;
	bool		 override;
	struct origin	*next;
};

struct node {
	enum node_kind	 kind;
	char		*text;		/* N_SCALAR, as written */
	bool		 plain;		/* unquoted: may be a number or null */
	char		*key;		/* an entry of a map: its key */
	const struct origin *origin;
	unsigned	 line, col;	/* of the value, 1-based */
	unsigned	 kline, kcol;	/* of the key */
	struct node	**kids;		/* N_MAP entries or N_SEQ items */
	size_t		 nkids;
};

struct tree {
	struct node	*root;		/* a map, once loaded */
	const char	*path;		/* the main file */
	char		*err;		/* the error, when a verb returns -1 */
	size_t		 errlen;
	char		**warnings;	/* "FILE:LINE:COL: key: message" */
	size_t		 nwarnings;
	struct origin	*origins;	/* what the nodes point at */
	size_t		 budget;	/* nodes left to build */
};

/* An empty tree of the file path; its errors go to err (emptied). */
void		tree_init(struct tree *, const char *path, char *err,
		    size_t errlen);

/* Parse the file into root, its includes merged. */
int		tree_load(struct tree *);

/* Set one "key.path=value", as given to -o, over what was loaded. */
int		tree_override(struct tree *, const char *);

/* Free the nodes, the origins and the warnings nobody took. */
void		tree_free(struct tree *);

/*
 * An error about node n, at its key when atkey, or about the main file
 * when n is NULL; path is the key path ("server.command") or NULL.
 * Always returns -1.
 */
int		tree_fail(struct tree *, const struct node *n, bool atkey,
		    const char *path, const char *fmt, ...)
		    __attribute__((format(printf, 5, 6)));

/* The same as a warning, kept in warnings; -1 only out of memory. */
int		tree_warn(struct tree *, const struct node *n, bool atkey,
		    const char *path, const char *fmt, ...)
		    __attribute__((format(printf, 5, 6)));

/* A warning written already (file:line: path: what); -1 out of memory. */
int		tree_keep_warning(struct tree *, const char *msg);

/* tree_fail() with "found X, expected want", X shown when a scalar. */
int		tree_mismatch(struct tree *, const struct node *,
		    const char *path, const char *want);

/* "FILE: out of memory"; returns -1. */
int		tree_nomem(struct tree *);

/* YAML's null: an empty, "~" or "null" plain scalar. */
bool		tree_is_null(const struct node *);

#endif

/*
 * tree.c: a YAML file into a small tree of our own (struct node).
 *
 * Includes and -o overrides are merged into the tree before anything is
 * interpreted; every node remembers where it came from, so an error can
 * name the file, line and column, or the override, of the bad value.
 * config.c then walks the tree against its table of keys.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <yaml.h>

#include "config.h"
#include "tree.h"

#define MAX_FILE	(1024 * 1024)	/* a larger file is not a config */
#define MAX_DEPTH	64		/* nesting of maps and lists */
#define MAX_NODES	100000		/* after aliases are expanded */
#define MAX_INCLUDE	8		/* include depth; a cycle stops here */

static struct node *load_tree(struct tree *, const char *, int,
		    const struct node *);

static void	vnote(char *, size_t, const struct tree *,
		    const struct origin *, unsigned, unsigned, const char *,
		    const char *, va_list)
		    __attribute__((format(printf, 8, 0)));
static int	fail_at(struct tree *, const struct origin *, unsigned,
		    unsigned, const char *, const char *, ...)
		    __attribute__((format(printf, 6, 7)));

/*
 * Every message starts with where the value came from, so the user can go
 * and fix it: "FILE:LINE:COL: ", "-o key=value: ", or just "FILE: " for
 * something missing from the main file.
 */
static void
vnote(char *buf, size_t len, const struct tree *t, const struct origin *o,
    unsigned line, unsigned col, const char *path, const char *fmt,
    va_list ap)
{
	size_t	 w = 0;
	int	 r;

	if (o == NULL)
		r = snprintf(buf, len, "%s: ", t->path);
	else if (o->override)
		r = snprintf(buf, len, "-o %s: ", o->name);
	else
		r = snprintf(buf, len, "%s:%u:%u: ", o->name, line, col);
	if (r > 0)
		w = (size_t)r;
	if (path != NULL && w < len) {
		r = snprintf(buf + w, len - w, "%s: ", path);
		if (r > 0)
			w += (size_t)r;
	}
	if (w < len)
		vsnprintf(buf + w, len - w, fmt, ap);
}

/* An error at a position that has no node (yet); always returns -1. */
static int
fail_at(struct tree *t, const struct origin *o, unsigned line,
    unsigned col, const char *path, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vnote(t->err, t->errlen, t, o, line, col, path, fmt, ap);
	va_end(ap);
	return -1;
}

/* An error about node n: its key, or its value; always returns -1. */
int
tree_fail(struct tree *t, const struct node *n, bool atkey, const char *path,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vnote(t->err, t->errlen, t, n ? n->origin : NULL,
	    n ? (atkey ? n->kline : n->line) : 0,
	    n ? (atkey ? n->kcol : n->col) : 0, path, fmt, ap);
	va_end(ap);
	return -1;
}

int
tree_nomem(struct tree *t)
{
	snprintf(t->err, t->errlen, "%s: out of memory", t->path);
	return -1;
}

/*
 * Warnings cannot be logged yet (the logger is configured from this very
 * file), so they are kept for main to log.
 */
int
tree_warn(struct tree *t, const struct node *n, bool atkey, const char *path,
    const char *fmt, ...)
{
	char	 buf[CONFIG_ERR_MAX];
	va_list	 ap;

	va_start(ap, fmt);
	vnote(buf, sizeof(buf), t, n->origin, atkey ? n->kline : n->line,
	    atkey ? n->kcol : n->col, path, fmt, ap);
	va_end(ap);
	return tree_keep_warning(t, buf);
}

int
tree_keep_warning(struct tree *t, const char *msg)
{
	char	 *s, **v;

	v = realloc(t->warnings, (t->nwarnings + 1) * sizeof(*v));
	if (v == NULL)
		return tree_nomem(t);
	t->warnings = v;
	if ((s = strdup(msg)) == NULL)
		return tree_nomem(t);
	t->warnings[t->nwarnings++] = s;
	return 0;
}

/* "found X, expected Y", showing X when it is a scalar. */
int
tree_mismatch(struct tree *t, const struct node *n, const char *path,
    const char *want)
{
	if (n->kind == N_SCALAR)
		return tree_fail(t, n, false, path, "found \"%s\", expected %s",
		    n->text, want);
	return tree_fail(t, n, false, path, "found a %s, expected %s",
	    n->kind == N_MAP ? "map" : "list", want);
}

static void
node_free(struct node *n)
{
	size_t	 i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->text);
	free(n->key);
	free(n);
}

static struct origin *
add_origin(struct tree *t, const char *name, bool override)
{
	struct origin	*o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	if ((o->name = strdup(name)) == NULL) {
		free(o);
		return NULL;
	}
	o->override = override;
	o->next = t->origins;
	t->origins = o;
	return o;
}

/* YAML's null: an empty, "~" or "null" plain scalar. */
bool
tree_is_null(const struct node *n)
{
	return n->kind == N_SCALAR && n->plain &&
	    (n->text[0] == '\0' || strcmp(n->text, "~") == 0 ||
	    strcmp(n->text, "null") == 0 || strcmp(n->text, "Null") == 0 ||
	    strcmp(n->text, "NULL") == 0);
}

/* A null where a map is wanted ("rpc:" and nothing under it). */
static void
null_to_map(struct node *n)
{
	free(n->text);
	n->text = NULL;
	n->kind = N_MAP;
}

static struct node *
map_get(const struct node *map, const char *key, size_t *index)
{
	size_t	 i;

	for (i = 0; i < map->nkids; i++)
		if (strcasecmp(map->kids[i]->key, key) == 0) {
			if (index != NULL)
				*index = i;
			return map->kids[i];
		}
	return NULL;
}

/* Put entry kid into map, replacing an entry of the same key. */
static int
map_put(struct node *map, struct node *kid)
{
	struct node	**v;
	size_t		  i;

	if (map_get(map, kid->key, &i) != NULL) {
		node_free(map->kids[i]);
		map->kids[i] = kid;
		return 0;
	}
	v = realloc(map->kids, (map->nkids + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	map->kids = v;
	map->kids[map->nkids++] = kid;
	return 0;
}

/* YAML's merge key: a plain <<, as Go's yaml (and so RoadRunner) reads it. */
static bool
is_merge_key(const yaml_node_t *kn)
{
	return kn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    kn->data.scalar.length == 2 &&
	    memcmp(kn->data.scalar.value, "<<", 2) == 0;
}

/*
 * Keep the value of a << entry of map, a map or a list of maps, for
 * merged(): the entries it brings in are only known to lose against the
 * map's own once all of those have been read.  It waits in map's kids
 * under a NUL key, which no YAML key can have.
 */
static int
merge(struct tree *t, struct node *map, struct node *src)
{
	size_t	 i;

	if (tree_is_null(src)) {
		node_free(src);
		return 0;
	}
	for (i = 0; src->kind == N_SEQ && i < src->nkids; i++)
		if (src->kids[i]->kind != N_MAP)
			break;
	if (src->kind == N_SCALAR || (src->kind == N_SEQ && i < src->nkids)) {
		tree_mismatch(t, src->kind == N_SEQ ? src->kids[i] : src, "<<",
		    "a map, or a list of maps, to merge");
		node_free(src);
		return -1;
	}
	if ((src->key = strdup("")) == NULL) {
		node_free(src);
		return tree_nomem(t);
	}
	map->kids[map->nkids++] = src;
	return 0;
}

/* Move each map's entries into dst unless dst has that key: the first
 * map to give a key wins. */
static int
take_entries(struct node *dst, struct node *src)
{
	size_t	 i;

	for (i = 0; i < src->nkids; i++) {
		if (map_get(dst, src->kids[i]->key, NULL) != NULL)
			continue;
		if (map_put(dst, src->kids[i]) == -1)
			return -1;
		src->kids[i] = NULL;
	}
	return 0;
}

/*
 * Resolve the << entries of map: explicit keys win, then the merged maps
 * in the order given, the first of a list first (YAML's merge rule).
 */
static int
merged(struct node *map)
{
	struct node	**src, *m;
	size_t		  i, j, k, n = 0;
	int		  r = 0;

	for (i = 0; i < map->nkids; i++)
		n += map->kids[i]->key[0] == '\0';
	if (n == 0)
		return 0;
	if ((src = calloc(n, sizeof(*src))) == NULL)
		return -1;
	for (i = j = n = 0; i < map->nkids; i++) {
		if (map->kids[i]->key[0] == '\0')
			src[n++] = map->kids[i];
		else
			map->kids[j++] = map->kids[i];
	}
	map->nkids = j;
	for (i = 0; i < n; i++) {
		m = src[i];
		if (r == 0 && m->kind == N_MAP)
			r = take_entries(map, m);
		for (k = 0; r == 0 && m->kind == N_SEQ && k < m->nkids; k++)
			r = take_entries(map, m->kids[k]);
		node_free(m);
	}
	free(src);
	return r;
}

/*
 * Copy libyaml's node yn into our tree.  Aliases make libyaml's document a
 * graph, possibly with cycles and exponential fan-out; depth and the node
 * budget bound both.
 */
static struct node *
convert(struct tree *t, yaml_document_t *doc, yaml_node_t *yn,
    const struct origin *o, int depth)
{
	struct node		*n, *kid;
	yaml_node_t		*kn, *vn;
	yaml_node_item_t	*item;
	yaml_node_pair_t	*pair;
	size_t			 count;

	if (depth > MAX_DEPTH || t->budget == 0) {
		fail_at(t, o, (unsigned)yn->start_mark.line + 1,
		    (unsigned)yn->start_mark.column + 1, NULL, "%s",
		    depth > MAX_DEPTH ? "nested too deeply" :
		    "too many values (aliases expanding too far?)");
		return NULL;
	}
	t->budget--;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		goto oom;
	n->origin = o;
	n->line = (unsigned)yn->start_mark.line + 1;
	n->col = (unsigned)yn->start_mark.column + 1;
	switch (yn->type) {
	case YAML_SCALAR_NODE:
		n->kind = N_SCALAR;
		n->plain = yn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		if (memchr(yn->data.scalar.value, '\0',
		    yn->data.scalar.length) != NULL) {
			tree_fail(t, n, false, NULL,
			    "a value contains a NUL byte");
			goto bad;
		}
		n->text = strndup((char *)yn->data.scalar.value,
		    yn->data.scalar.length);
		if (n->text == NULL)
			goto oom;
		return n;
	case YAML_SEQUENCE_NODE:
		n->kind = N_SEQ;
		count = (size_t)(yn->data.sequence.items.top -
		    yn->data.sequence.items.start);
		if ((n->kids = calloc(count + 1, sizeof(*n->kids))) == NULL)
			goto oom;
		for (item = yn->data.sequence.items.start;
		    item < yn->data.sequence.items.top; item++) {
			vn = yaml_document_get_node(doc, *item);
			if (vn == NULL)
				goto broken;
			if ((kid = convert(t, doc, vn, o, depth + 1)) == NULL)
				goto bad;
			n->kids[n->nkids++] = kid;
		}
		return n;
	case YAML_MAPPING_NODE:
		n->kind = N_MAP;
		count = (size_t)(yn->data.mapping.pairs.top -
		    yn->data.mapping.pairs.start);
		if ((n->kids = calloc(count + 1, sizeof(*n->kids))) == NULL)
			goto oom;
		for (pair = yn->data.mapping.pairs.start;
		    pair < yn->data.mapping.pairs.top; pair++) {
			kn = yaml_document_get_node(doc, pair->key);
			vn = yaml_document_get_node(doc, pair->value);
			if (kn == NULL || vn == NULL)
				goto broken;
			if (kn->type != YAML_SCALAR_NODE ||
			    memchr(kn->data.scalar.value, '\0',
			    kn->data.scalar.length) != NULL) {
				fail_at(t, o, (unsigned)kn->start_mark.line + 1,
				    (unsigned)kn->start_mark.column + 1, NULL,
				    "a key must be a plain name");
				goto bad;
			}
			if ((kid = convert(t, doc, vn, o, depth + 1)) == NULL)
				goto bad;
			if (is_merge_key(kn)) {
				if (merge(t, n, kid) == -1)
					goto bad;
				continue;
			}
			n->kids[n->nkids++] = kid;
			kid->key = strndup((char *)kn->data.scalar.value,
			    kn->data.scalar.length);
			if (kid->key == NULL)
				goto oom;
			kid->kline = (unsigned)kn->start_mark.line + 1;
			kid->kcol = (unsigned)kn->start_mark.column + 1;
		}
		if (merged(n) == -1)
			goto oom;
		return n;
	default:
		goto broken;
	}
broken:
	tree_fail(t, n, false, NULL, "libyaml returned a broken document");
	goto bad;
oom:
	tree_nomem(t);
bad:
	node_free(n);
	return NULL;
}

/*
 * Read a whole file: libyaml then parses from memory, and reading fails
 * in one place with errno.  *why says which step failed.
 */
static char *
slurp(const char *path, size_t *lenp, const char **why)
{
	char	*buf = NULL, *nbuf;
	size_t	 len = 0, cap = 0;
	ssize_t	 r;
	int	 fd, e;

	*why = "cannot open";
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	*why = "cannot read";
	for (;;) {
		if (len == cap) {
			if (cap >= MAX_FILE) {
				*why = "larger than 1 MiB, the most a config "
				    "may be";
				errno = EFBIG;
				goto bad;
			}
			cap = cap ? cap * 2 : 4096;
			if ((nbuf = realloc(buf, cap)) == NULL)
				goto bad;
			buf = nbuf;
		}
		r = read(fd, buf + len, cap - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto bad;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	*lenp = len;
	return buf;
bad:
	e = errno;
	free(buf);
	close(fd);
	errno = e;
	return NULL;
}

/*
 * libyaml's own words, at its position.  A reader error (bad UTF-8) has
 * only a byte offset.
 */
static void
syntax_error(struct tree *t, const yaml_parser_t *p, const struct origin *o)
{
	const char	*problem = p->problem ? p->problem : "unknown";

	if (p->error == YAML_MEMORY_ERROR)
		tree_nomem(t);
	else if (p->error == YAML_READER_ERROR)
		snprintf(t->err, t->errlen, "%s: YAML syntax error: %s at byte "
		    "%zu", o->name, problem, p->problem_offset);
	else
		fail_at(t, o, (unsigned)p->problem_mark.line + 1,
		    (unsigned)p->problem_mark.column + 1, NULL,
		    "YAML syntax error: %s%s%s", problem,
		    p->context ? " " : "", p->context ? p->context : "");
}

/* The path of an include, relative to the directory of the includer. */
static char *
resolve(const char *includer, const char *name)
{
	const char	*slash = strrchr(includer, '/');
	char		*p;
	size_t		 dlen;

	if (name[0] == '/' || slash == NULL)
		return strdup(name);
	dlen = (size_t)(slash - includer) + 1;
	if ((p = malloc(dlen + strlen(name) + 1)) == NULL)
		return NULL;
	memcpy(p, includer, dlen);
	strcpy(p + dlen, name);
	return p;
}

/*
 * Merge the files named by root's include key (a list, or one name) into
 * root: each top-level section of an include replaces the whole section
 * of the same name.  Includes nest; "version" and "include" of an
 * included file stay out.
 */
static int
apply_includes(struct tree *t, struct node *root, const char *file,
    int depth)
{
	struct node	*inc, *item, *sub, *kid;
	char		*name, *path;
	size_t		 i, j, n;

	if ((inc = map_get(root, "include", NULL)) == NULL || tree_is_null(inc))
		return 0;
	if (inc->kind == N_MAP)
		return tree_mismatch(t, inc, "include", "a list of files");
	n = inc->kind == N_SEQ ? inc->nkids : 1;
	for (i = 0; i < n; i++) {
		item = inc->kind == N_SEQ ? inc->kids[i] : inc;
		if (item->kind != N_SCALAR)
			return tree_mismatch(t, item, "include", "a file name");
		if ((name = config_expand_env(item->text)) == NULL)
			return tree_nomem(t);
		if (name[0] == '\0') {
			free(name);
			return tree_fail(t, item, false, "include",
			    "empty file name");
		}
		path = resolve(file, name);
		free(name);
		if (path == NULL)
			return tree_nomem(t);
		if (depth >= MAX_INCLUDE) {
			tree_fail(t, item, false, "include", "%s: includes "
			    "nested too deeply (does a file include itself?)",
			    path);
			free(path);
			return -1;
		}
		sub = load_tree(t, path, depth + 1, item);
		free(path);
		if (sub == NULL)
			return -1;
		for (j = 0; j < sub->nkids; j++) {
			kid = sub->kids[j];
			if (strcasecmp(kid->key, "include") == 0 ||
			    strcasecmp(kid->key, "version") == 0)
				continue;
			if (map_put(root, kid) == -1) {
				node_free(sub);
				return tree_nomem(t);
			}
			sub->kids[j] = NULL;
		}
		node_free(sub);
	}
	return 0;
}

/*
 * Parse one file into a tree, with its includes merged.  from is the
 * include item that named it (NULL for the main file), so a missing
 * include is reported where it was written.
 */
static struct node *
load_tree(struct tree *t, const char *path, int depth,
    const struct node *from)
{
	yaml_parser_t	 parser;
	yaml_document_t	 doc;
	yaml_node_t	*yroot;
	struct origin	*o;
	struct node	*root = NULL;
	const char	*why;
	char		*buf;
	size_t		 len;

	if ((buf = slurp(path, &len, &why)) == NULL) {
		if (from != NULL)
			tree_fail(t, from, false, "include", "%s: %s: %s", path,
			    why, strerror(errno));
		else
			fail_at(t, NULL, 0, 0, NULL, "%s: %s", why,
			    strerror(errno));
		return NULL;
	}
	if ((o = add_origin(t, path, false)) == NULL) {
		free(buf);
		tree_nomem(t);
		return NULL;
	}
	if (!yaml_parser_initialize(&parser)) {
		free(buf);
		tree_nomem(t);
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		syntax_error(t, &parser, o);
		yaml_parser_delete(&parser);
		free(buf);
		return NULL;
	}
	yroot = yaml_document_get_root_node(&doc);
	if (yroot != NULL)
		root = convert(t, &doc, yroot, o, 0);
	else if ((root = calloc(1, sizeof(*root))) != NULL) {
		root->kind = N_MAP;
		root->origin = o;
		root->line = root->col = 1;
	} else
		tree_nomem(t);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	free(buf);
	if (root == NULL)
		return NULL;
	if (tree_is_null(root))
		null_to_map(root);
	if (root->kind != N_MAP) {
		tree_mismatch(t, root, NULL, "a map of sections (version, "
		    "server, ticker, ...)");
		node_free(root);
		return NULL;
	}
	if (apply_includes(t, root, path, depth) == -1) {
		node_free(root);
		return NULL;
	}
	return root;
}

static struct node *
new_node(enum node_kind kind, const char *key, const struct origin *o)
{
	struct node	*n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	n->kind = kind;
	n->origin = o;
	if ((n->key = strdup(key)) == NULL) {
		free(n);
		return NULL;
	}
	return n;
}

/*
 * Set one "key.path=value" (as given to -o) in the tree, creating maps on
 * the way.  The value is a string whatever it looks like (-o version=3 is
 * fine); it is expanded later, like every value.  Replacing a whole
 * section with a value is refused: it is almost surely a typo.
 */
int
tree_override(struct tree *t, const char *ov)
{
	struct origin	*o;
	struct node	*map = t->root, *n, *val;
	char		*copy, *key, *value, *dot, *part;
	char		 path[PATH_LEN] = "";
	size_t		 klen, vlen, i;
	int		 depth = 0, r = -1;

	if ((o = add_origin(t, ov, true)) == NULL)
		return tree_nomem(t);
	if ((copy = strdup(ov)) == NULL)
		return tree_nomem(t);
	if ((value = strchr(copy, '=')) == NULL) {
		fail_at(t, o, 0, 0, NULL, "expected key.path=value");
		goto out;
	}
	*value++ = '\0';
	klen = strlen(copy);
	key = config_trim(copy, &klen);
	vlen = strlen(value);
	value = config_trim(value, &vlen);
	if (vlen >= 2 && (value[0] == '"' || value[0] == '\'') &&
	    value[vlen - 1] == value[0]) {
		value[vlen - 1] = '\0';
		value++;
	}
	for (part = key;; part = dot + 1) {
		if ((dot = strchr(part, '.')) != NULL)
			*dot = '\0';
		if (*part == '\0' || ++depth > MAX_DEPTH) {
			fail_at(t, o, 0, 0, NULL, "expected key.path=value");
			goto out;
		}
		i = strlen(path);
		snprintf(path + i, sizeof(path) - i, "%s%s", i ? "." : "",
		    part);
		n = map_get(map, part, NULL);
		if (dot == NULL)
			break;
		if (n == NULL) {
			if ((n = new_node(N_MAP, part, o)) == NULL ||
			    map_put(map, n) == -1) {
				node_free(n);
				tree_nomem(t);
				goto out;
			}
		} else if (tree_is_null(n)) {
			null_to_map(n);
		} else if (n->kind != N_MAP) {
			fail_at(t, o, 0, 0, path, "is not a map, so it has no "
			    "key %s", dot + 1);
			goto out;
		}
		map = n;
	}
	if (n != NULL && n->kind == N_MAP) {
		fail_at(t, o, 0, 0, path, "is a section, not a value (set one "
		    "of its keys: %s.KEY=value)", path);
		goto out;
	}
	if ((val = new_node(N_SCALAR, part, o)) == NULL ||
	    (val->text = strdup(value)) == NULL || map_put(map, val) == -1) {
		node_free(val);
		tree_nomem(t);
		goto out;
	}
	r = 0;
out:
	free(copy);
	return r;
}

void
tree_init(struct tree *t, const char *path, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	t->path = path;
	t->err = err;
	t->errlen = errlen;
	t->budget = MAX_NODES;
	if (errlen > 0)
		err[0] = '\0';
}

int
tree_load(struct tree *t)
{
	t->root = load_tree(t, t->path, 0, NULL);
	return t->root == NULL ? -1 : 0;
}

void
tree_free(struct tree *t)
{
	struct origin	*o;
	size_t		 i;

	node_free(t->root);
	while ((o = t->origins) != NULL) {
		t->origins = o->next;
		free(o->name);
		free(o);
	}
	for (i = 0; i < t->nwarnings; i++)
		free(t->warnings[i]);
	free(t->warnings);
	memset(t, 0, sizeof(*t));
}

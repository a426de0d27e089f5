/*
 * keys: see keys.h.
 *
 * Rules that hold for every key: keys match case-insensitively (RoadRunner
 * reads its config through viper, which lower-cases them); a null or empty
 * value (after environment expansion) leaves the default; a duration of 0
 * also means the default where the default is not 0.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keys.h"

/* Top-level sections of RoadRunner's other plugins: one warning each. */
static const char *const other_plugins[] = {
	"amqp", "app_logger", "beanstalk", "boltdb", "broadcast",
	"centrifuge", "config", "fileserver", "grpc", "gzip", "headers",
	"http", "informer", "jobs", "kafka", "kv", "lock", "memcached",
	"memory", "nats", "otel", "redis", "reload", "service",
	"sqs", "static", "tcp", "temporal", "websockets", NULL
};

/* What a value of each kind looks like, for "found X, expected Y". */
static const char *const expected[] = {
	[K_VERSION] = "a quoted version such as '3'",
	[K_SECTION] = "a map of keys",
	[K_STRING] = "a string",
	[K_RELAY] = "a relay such as pipes",
	[K_DURATION] = "a duration such as 1s",
	[K_NUMBER] = "a whole number",
	[K_BOOL] = "true or false",
	[K_ENUM] = "a string",
	[K_COMMAND] = "a command line or a list of arguments",
	[K_ENV] = "a map of NAME: value",
	[K_STRINGS] = "a list of strings",
	[K_NUMBERS] = "a list of numbers",
	[K_NAMED] = "a map of names, each a map of keys"
};


/*
 * The expanded text of a scalar value.  Returns 1 with *out set, 0 when
 * the value is empty (keep the default), -1 on error.
 */
static int
text_of(struct tree *t, const struct node *n, const char *path,
    const char *want, char **out)
{
	*out = NULL;
	if (n->kind != N_SCALAR)
		return tree_mismatch(t, n, path, want);
	if ((*out = config_expand_env(n->text)) == NULL)
		return tree_nomem(t);
	if (**out == '\0') {
		free(*out);
		*out = NULL;
		return 0;
	}
	return 1;
}

/* A plain scalar that YAML would read as a number, like 3 or 2.7. */
static bool
looks_numeric(const char *s)
{
	bool	 digits = false;

	if (*s == '-' || *s == '+')
		s++;
	for (; isdigit((unsigned char)*s) || *s == '.'; s++)
		digits |= *s != '.';
	if (digits && (*s == 'e' || *s == 'E')) {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		while (isdigit((unsigned char)*s))
			s++;
	}
	return digits && *s == '\0';
}

/*
 * version is a string in RoadRunner; an unquoted 3 is a float there, and
 * users trip on it, so the error shows the fix.
 */
static int
store_version(struct loader *l, const struct node *n, const char *path,
    char *s)
{
	struct tree	 *t = &l->t;
	char		**slot = (char **)(l->base + offsetof(struct config,
			    version));

	if (n->plain && looks_numeric(n->text)) {
		free(s);
		return tree_fail(t, n, false, path, "%s must be a quoted "
		    "string (write version: '%s')", n->text, n->text);
	}
	if (strcmp(s, "3") != 0 && strcmp(s, "2.7") != 0) {
		tree_fail(t, n, false, path, "\"%s\" is not supported "
		    "(expected '3' or '2.7')", s);
		free(s);
		return -1;
	}
	/* '2.7' is what RoadRunner's ticker docs write, and the keys rr
	 * reads mean the same in both: not worth a line at every start */
	free(*slot);
	*slot = s;
	return 0;
}

/* The address itself is checked when the pool parses it. */
static int
check_relay(struct tree *t, const struct node *n, const char *path,
    const char *s)
{
	if (strcmp(s, "pipes") == 0)
		return 0;
	if (strncmp(s, "tcp://", 6) == 0 || strncmp(s, "unix://", 7) == 0)
		return 0;
	return tree_fail(t, n, false, path, "\"%s\" is not a valid relay "
	    "(expected pipes, tcp://host:port or unix:///path)", s);
}

/*
 * Digits only: a sign or a fraction in a count is a mistake, and the
 * range check catches 64-bit overflow before it wraps.
 */
static int
store_number(struct tree *t, const struct key *k, const struct node *n,
    const char *path, const char *s, void *p)
{
	uint64_t	 v = 0, max;
	const char	*c;

	max = k->max ? k->max :
	    k->size == sizeof(unsigned) ? UINT_MAX : UINT64_MAX;
	if (s[strspn(s, "0123456789")] != '\0')
		return tree_fail(t, n, false, path, "\"%s\" is not a whole "
		    "number", s);
	for (c = s; *c != '\0' && v <= max; c++) {
		if (v > (UINT64_MAX - (uint64_t)(*c - '0')) / 10)
			break;
		v = v * 10 + (uint64_t)(*c - '0');
	}
	if (*c != '\0' || v > max)
		return tree_fail(t, n, false, path, "%s is out of range "
		    "(expected 0..%llu)", s, (unsigned long long)max);
	if (k->size == sizeof(unsigned))
		*(unsigned *)p = (unsigned)v;
	else
		*(uint64_t *)p = v;
	return 0;
}

/* YAML 1.1's booleans, which Go's yaml also reads into a bool. */
static int
store_bool(struct tree *t, const struct node *n, const char *path,
    const char *s, bool *p)
{
	static const char *const yes[] = { "true", "yes", "on", NULL };
	static const char *const no[] = { "false", "no", "off", NULL };
	int	 i;

	for (i = 0; yes[i] != NULL; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*p = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*p = false;
			return 0;
		}
	}
	return tree_fail(t, n, false, path, "\"%s\" is not a boolean (expected "
	    "true or false)", s);
}

static int
store_enum(struct tree *t, const struct key *k, const struct node *n,
    const char *path, const char *s, int *p)
{
	char	 list[128] = "";
	size_t	 w;
	int	 i;

	for (i = 0; k->names[i] != NULL; i++)
		if (strcasecmp(s, k->names[i]) == 0) {
			*p = i;
			return 0;
		}
	for (i = 0; k->names[i] != NULL; i++) {
		w = strlen(list);
		snprintf(list + w, sizeof(list) - w, "%s%s", i ? ", " : "",
		    k->names[i]);
	}
	return tree_fail(t, n, false, path, "\"%s\" is not a valid value "
	    "(expected one of %s)", s, list);
}

/* Check and store a scalar key's expanded value s; frees s. */
static int
store_scalar(struct loader *l, const struct key *k, const struct node *n,
    const char *path, char *s)
{
	struct tree	*t = &l->t;
	void		*p = l->base + k->off;
	char		 msg[CONFIG_ERR_MAX];
	duration_ns	 d;
	int		 r = 0;

	switch (k->kind) {
	case K_VERSION:
		return store_version(l, n, path, s);
	case K_RELAY:
		if (check_relay(t, n, path, s) == -1) {
			free(s);
			return -1;
		}
		/* FALLTHROUGH */
	case K_STRING:
		free(*(char **)p);
		*(char **)p = s;
		return 0;
	case K_DURATION:
		if (config_parse_duration(s, &d, msg, sizeof(msg)) == -1)
			r = tree_fail(t, n, false, path, "%s", msg);
		else if (d < 0)
			r = tree_fail(t, n, false, path, "\"%s\" is negative",
			    s);
		else if (d > 0 && d < k->min) {
			config_format_duration(k->min, msg, sizeof(msg));
			r = tree_fail(t, n, false, path, "%s is too short (at "
			    "least %s)", s, msg);
		} else if (d > 0)
			*(duration_ns *)p = d;
		break;
	case K_NUMBER:
		r = store_number(t, k, n, path, s, p);
		break;
	case K_BOOL:
		r = store_bool(t, n, path, s, p);
		break;
	case K_ENUM:
		r = store_enum(t, k, n, path, s, p);
		break;
	default:
		break;
	}
	free(s);
	return r;
}

/* A command given as a list is the exact argv, items expanded. */
static int
list_command(struct tree *t, const struct node *n, const char *path,
    struct command *c)
{
	size_t	 i;

	if (n->nkids == 0)
		return tree_fail(t, n, false, path, "empty command");
	if ((c->argv = calloc(n->nkids + 1, sizeof(*c->argv))) == NULL)
		return tree_nomem(t);
	for (i = 0; i < n->nkids; i++) {
		if (n->kids[i]->kind != N_SCALAR)
			return tree_mismatch(t, n->kids[i], path, "a string");
		if ((c->argv[i] = config_expand_env(n->kids[i]->text)) == NULL)
			return tree_nomem(t);
		c->argc++;
	}
	if (c->argv[0][0] == '\0')
		return tree_fail(t, n, false, path, "empty command");
	return 0;
}

/* Replace *cmd only once the new command is whole. */
static int
store_command(struct tree *t, const struct node *n, const char *path,
    struct command *cmd)
{
	struct command	 c = { NULL, 0 };
	char		 msg[CONFIG_ERR_MAX], *s;
	int		 r;

	if (n->kind == N_SEQ)
		r = list_command(t, n, path, &c);
	else if ((r = text_of(t, n, path, expected[K_COMMAND], &s)) == 1) {
		r = config_split_command(s, &c, msg, sizeof(msg));
		free(s);
		if (r == -1)
			tree_fail(t, n, false, path, "%s", msg);
	} else
		return r;
	if (r == -1) {
		command_free(&c);
		return -1;
	}
	command_free(cmd);
	*cmd = c;
	return 1;
}

/* Add "NAME=value" to env, replacing an earlier NAME. */
static int
env_put(struct env_list *env, char *var)
{
	size_t	  klen = strcspn(var, "=") + 1, i;
	char	**v;

	for (i = 0; i < env->n; i++)
		if (strncmp(env->vars[i], var, klen) == 0) {
			free(env->vars[i]);
			env->vars[i] = var;
			return 0;
		}
	if ((v = realloc(env->vars, (env->n + 2) * sizeof(*v))) == NULL)
		return -1;
	env->vars = v;
	env->vars[env->n++] = var;
	env->vars[env->n] = NULL;
	return 0;
}

/* Worker environment: names upper-cased as RoadRunner does, values expanded. */
static int
store_env(struct tree *t, const struct node *n, const char *path,
    struct env_list *env)
{
	const struct node	*kid;
	char			*val, *var, *c;
	size_t			 i;

	if (n->kind != N_MAP)
		return tree_mismatch(t, n, path, expected[K_ENV]);
	for (i = 0; i < n->nkids; i++) {
		kid = n->kids[i];
		if (kid->key[0] == '\0' || strchr(kid->key, '=') != NULL)
			return tree_fail(t, kid, true, path, "\"%s\" is not a "
			    "valid variable name", kid->key);
		if (kid->kind != N_SCALAR)
			return tree_mismatch(t, kid, path, "a string");
		val = config_expand_env(tree_is_null(kid) ? "" : kid->text);
		if (val == NULL)
			return tree_nomem(t);
		var = malloc(strlen(kid->key) + strlen(val) + 2);
		if (var == NULL) {
			free(val);
			return tree_nomem(t);
		}
		sprintf(var, "%s=%s", kid->key, val);
		free(val);
		for (c = var; *c != '='; c++)
			*c = (char)toupper((unsigned char)*c);
		if (env_put(env, var) == -1) {
			free(var);
			return tree_nomem(t);
		}
	}
	return 1;
}

/* A number of a list: a plain scalar strtod reads whole, and finite. */
static int
list_number(struct tree *t, const struct node *n, const char *path,
    double *out)
{
	char	*s, *end;
	int	 r;

	if ((r = text_of(t, n, path, "a number", &s)) != 1)
		return r == 0 ? tree_mismatch(t, n, path, "a number") : -1;
	errno = 0;
	*out = strtod(s, &end);
	r = *end != '\0' || end == s || errno != 0 || *out != *out ||
	    *out > 1.7e308 || *out < -1.7e308;
	if (r)
		tree_fail(t, n, false, path, "\"%s\" is not a number", s);
	free(s);
	return r ? -1 : 1;
}

/* K_STRINGS and K_NUMBERS: a list, each item expanded; one scalar is a
 * list of one, as viper reads it. */
static int
store_list(struct tree *t, const struct key *k, const struct node *n,
    const char *path, void *p)
{
	struct string_list	*sl = p;
	struct number_list	*nl = p;
	const struct node	*item;
	size_t			 i, count = n->kind == N_SEQ ? n->nkids : 1;
	int			 r;

	if (n->kind == N_MAP)
		return tree_mismatch(t, n, path, expected[k->kind]);
	if (k->kind == K_STRINGS ? (sl->v = calloc(count, sizeof *sl->v)) ==
	    NULL : (nl->v = calloc(count, sizeof *nl->v)) == NULL)
		return tree_nomem(t);
	for (i = 0; i < count; i++) {
		item = n->kind == N_SEQ ? n->kids[i] : n;
		if (item->kind != N_SCALAR)
			return tree_mismatch(t, item, path, k->kind ==
			    K_STRINGS ? "a string" : "a number");
		if (k->kind == K_NUMBERS) {
			if (list_number(t, item, path, &nl->v[nl->n]) == -1)
				return -1;
			nl->n++;
			continue;
		}
		if ((r = text_of(t, item, path, "a string", &sl->v[sl->n])) ==
		    -1)
			return -1;
		if (r == 0)
			return tree_fail(t, item, false, path, "an empty "
			    "string in the list");
		sl->n++;
	}
	return 1;
}

/*
 * K_NAMED: each entry of map is a name and a section of k->sub's keys,
 * walked with the loader's base at its own struct; entries keep the
 * order of the file.
 */
static int
store_named(struct loader *l, const struct key *k, const struct node *map,
    const char *path)
{
	struct config_list	*list = (struct config_list *)(l->base +
				    k->off);
	const struct node	*kid;
	char			 sub[PATH_LEN], *saved = l->base, *entry;
	size_t			 i;
	int			 r;

	if (map->nkids == 0)
		return 0;
	if ((list->items = calloc(map->nkids, k->size)) == NULL)
		return tree_nomem(&l->t);
	for (i = 0; i < map->nkids; i++) {
		kid = map->kids[i];
		entry = (char *)list->items + i * k->size;
		list->n++;
		if ((size_t)snprintf(sub, sizeof(sub), "%s.%s", path,
		    kid->key) >= sizeof(sub))
			return tree_fail(&l->t, kid, true, path, "a name of "
			    "%zu bytes is too long", strlen(kid->key));
		if ((*(char **)entry = strdup(kid->key)) == NULL ||
		    keys_defaults(entry, k->sub) == -1)
			return tree_nomem(&l->t);
		if (tree_is_null(kid))
			continue;
		if (kid->kind != N_MAP)
			return tree_mismatch(&l->t, kid, sub,
			    expected[K_SECTION]);
		l->base = entry;
		r = keys_walk(l, kid, k->sub, sub);
		l->base = saved;
		if (r == -1)
			return -1;
	}
	return 1;
}

/*
 * Check and store the value n of key k.  Returns 1 when a value was
 * stored, 0 when the default stays, -1 on error.
 */
static int
apply(struct loader *l, const struct key *k, const struct node *n,
    const char *path)
{
	struct tree	*t = &l->t;
	void		*p = l->base + k->off;
	char		*s;
	int		 r;

	switch (k->kind) {
	case K_INCLUDE:		/* merged before the walk */
		return 0;
	case K_UNSUPPORTED:
		return tree_warn(t, n, true, path,
		    "not supported by rr, ignored");
	case K_SECTION:
		if (n->kind != N_MAP)
			return tree_mismatch(t, n, path, expected[K_SECTION]);
		return keys_walk(l, n, k->sub, path) == -1 ? -1 : 1;
	case K_COMMAND:
		return store_command(t, n, path, p);
	case K_ENV:
		return store_env(t, n, path, p);
	case K_STRINGS:
	case K_NUMBERS:
		return store_list(t, k, n, path, p);
	case K_NAMED:
		if (n->kind != N_MAP)
			return tree_mismatch(t, n, path, expected[K_NAMED]);
		return store_named(l, k, n, path);
	default:
		if ((r = text_of(t, n, path, expected[k->kind], &s)) != 1)
			return r;
		return store_scalar(l, k, n, path, s) == -1 ? -1 : 1;
	}
}

static const struct key *
find_key(const struct key *keys, const char *name)
{
	for (; keys->name != NULL; keys++)
		if (strcasecmp(keys->name, name) == 0)
			return keys;
	return NULL;
}

static bool
is_other_plugin(const char *name)
{
	int	 i;

	for (i = 0; other_plugins[i] != NULL; i++)
		if (strcasecmp(other_plugins[i], name) == 0)
			return true;
	return false;
}

/* Remember where key k's value came from, for config_where(). */
static int
note_place(struct loader *l, const struct key *k, const struct node *n)
{
	struct config		*cfg = l->cfg;
	struct config_place	*v;
	char			 buf[CONFIG_ERR_MAX];

	if (n->origin->override)
		snprintf(buf, sizeof(buf), "-o %s", n->origin->name);
	else
		snprintf(buf, sizeof(buf), "%s:%u:%u", n->origin->name,
		    n->line, n->col);
	v = realloc(cfg->places, (cfg->nplaces + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	cfg->places = v;
	if ((v[cfg->nplaces].where = strdup(buf)) == NULL)
		return -1;
	v[cfg->nplaces].entry = l->base == (char *)cfg ? NULL : l->base;
	v[cfg->nplaces++].off = k->off;
	return 0;
}

/* A field of struct config by its offset, so that a copy of the struct
 * still finds its places; an entry's field by its address. */
const char *
config_where(const struct config *cfg, const void *field)
{
	const struct config_place *pl;
	size_t	 i;

	for (i = cfg->nplaces; i-- > 0;) {
		pl = &cfg->places[i];
		if (pl->entry != NULL ? (const char *)pl->entry + pl->off ==
		    field : (const char *)cfg + pl->off == field)
			return pl->where;
	}
	return NULL;
}

/*
 * Check and store every entry of map against the key table keys.  A key
 * given twice is an error (the second would silently win); an unknown key
 * is a warning, since RoadRunner ignores it but it is usually a typo.
 */
int
keys_walk(struct loader *l, const struct node *map, const struct key *keys,
    const char *path)
{
	struct tree		*t = &l->t;
	const struct node	*seen[MAX_KEYS] = { NULL }, *kid;
	const struct key	*k;
	char			 sub[PATH_LEN];
	size_t			 i;
	int			 r;

	for (i = 0; i < map->nkids; i++) {
		kid = map->kids[i];
		k = find_key(keys, kid->key);
		snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "",
		    k ? k->name : kid->key);
		/* x-name: the place for YAML anchors (&defaults) that
		 * compose files use, so it is not a typo */
		if (k == NULL && *path == '\0' &&
		    strncasecmp(kid->key, "x-", 2) == 0)
			continue;
		if (k == NULL) {
			r = tree_warn(t, kid, true, sub, "%s", *path == '\0' &&
			    is_other_plugin(kid->key) ?
			    "not supported by rr, ignored" :
			    "unknown key, ignored");
			if (r == -1)
				return -1;
			continue;
		}
		if (seen[k - keys] != NULL)
			return tree_fail(t, kid, true, sub, "duplicate key "
			    "(first at line %u)", seen[k - keys]->kline);
		seen[k - keys] = kid;
		if (tree_is_null(kid))
			continue;
		if ((r = apply(l, k, kid, sub)) == -1)
			return -1;
		if (r == 1 && k->has_set)
			*(bool *)(l->base + k->set) = true;
		if (r == 1 && k->kind != K_SECTION && k->kind != K_NAMED &&
		    note_place(l, k, kid) == -1)
			return tree_nomem(t);
	}
	return 0;
}

/* Fill in the defaults of every key in the table, recursively. */
int
keys_defaults(char *base, const struct key *keys)
{
	const struct key	*k;
	void			*p;

	for (k = keys; k->name != NULL; k++) {
		p = base + k->off;
		if (k->kind == K_SECTION && keys_defaults(base, k->sub) == -1)
			return -1;
		if (k->kind == K_DURATION)
			*(duration_ns *)p = k->def;
		if (k->defstr != NULL &&
		    (*(char **)p = strdup(k->defstr)) == NULL)
			return -1;
	}
	return 0;
}

static void
env_free(struct env_list *env)
{
	size_t	 i;

	for (i = 0; i < env->n; i++)
		free(env->vars[i]);
	free(env->vars);
	env->vars = NULL;
	env->n = 0;
}

/* Everything the keys of the table hold, from base, by their kinds. */
void
keys_free(char *base, const struct key *keys)
{
	const struct key	*k;
	struct config_list	*list;
	struct string_list	*sl;
	void			*p;
	size_t			 i;

	for (k = keys; k->name != NULL; k++) {
		p = base + k->off;
		switch (k->kind) {
		case K_VERSION:
		case K_STRING:
		case K_RELAY:
			free(*(char **)p);
			break;
		case K_SECTION:
			keys_free(base, k->sub);
			break;
		case K_COMMAND:
			command_free(p);
			break;
		case K_ENV:
			env_free(p);
			break;
		case K_STRINGS:
			sl = p;
			for (i = 0; i < sl->n; i++)
				free(sl->v[i]);
			free(sl->v);
			break;
		case K_NUMBERS:
			free(((struct number_list *)p)->v);
			break;
		case K_NAMED:
			list = p;
			for (i = 0; i < list->n; i++) {
				free(*(char **)((char *)list->items +
				    i * k->size));
				keys_free((char *)list->items + i * k->size,
				    k->sub);
			}
			free(list->items);
			break;
		default:
			break;
		}
	}
}

/* Double-quoted, so any byte survives and YAML reads back the same. */
static void
print_quoted(FILE *f, const char *s)
{
	unsigned char	 c;

	putc('"', f);
	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			putc(c, f);
	}
	putc('"', f);
}

/* " [\"a\", \"b\"]": a list of strings, as YAML reads it back. */
static void
print_strings(FILE *f, char *const *v, size_t n)
{
	size_t	 i;

	fputs(" [", f);
	for (i = 0; i < n; i++) {
		fputs(i ? ", " : "", f);
		print_quoted(f, v[i]);
	}
	putc(']', f);
}

/*
 * The table again, so config_print shows every key config_load knows, in
 * RoadRunner's names; sections that are off (on_init, supervisor, rpc)
 * are left out, as they would be from a config file.
 */
void
keys_print(const char *base, const struct key *keys, int indent, FILE *f)
{
	const struct key	*k;
	const void		*p;
	const struct command	*c;
	const struct env_list	*e;
	const struct config_list *list;
	const struct string_list *sl;
	const struct number_list *nl;
	const char		*entry;
	char			 buf[64];
	size_t			 i;

	for (k = keys; k->name != NULL; k++) {
		p = base + k->off;
		if (k->kind == K_INCLUDE || k->kind == K_UNSUPPORTED ||
		    (k->has_set && !*(const bool *)(base + k->set) &&
		    k->kind == K_SECTION) || (k->kind == K_NAMED &&
		    ((const struct config_list *)p)->n == 0))
			continue;
		if ((k->kind == K_STRING || k->kind == K_VERSION ||
		    k->kind == K_RELAY) && *(char *const *)p == NULL)
			continue;
		fprintf(f, "%*s%s:", indent, "", k->name);
		switch (k->kind) {
		case K_SECTION:
			putc('\n', f);
			keys_print(base, k->sub, indent + 2, f);
			continue;
		case K_NAMED:
			putc('\n', f);
			list = p;
			for (i = 0; i < list->n; i++) {
				entry = (const char *)list->items + i * k->size;
				fprintf(f, "%*s", indent + 2, "");
				print_quoted(f, *(char *const *)entry);
				fputs(":\n", f);
				keys_print(entry, k->sub, indent + 4, f);
			}
			continue;
		case K_STRINGS:
			sl = p;
			print_strings(f, sl->v, sl->n);
			break;
		case K_NUMBERS:
			nl = p;
			fputs(" [", f);
			for (i = 0; i < nl->n; i++) {
				/* the fewest digits that read back the same */
				snprintf(buf, sizeof(buf), "%.15g", nl->v[i]);
				if (strtod(buf, NULL) != nl->v[i])
					snprintf(buf, sizeof(buf), "%.17g",
					    nl->v[i]);
				fprintf(f, "%s%s", i ? ", " : "", buf);
			}
			putc(']', f);
			break;
		case K_STRING:
		case K_VERSION:
		case K_RELAY:
			putc(' ', f);
			/* --check output is pasted into tickets */
			if (k->secret)
				fputs("\"(hidden)\"", f);
			else
				print_quoted(f, *(char *const *)p);
			break;
		case K_DURATION:
			config_format_duration(*(const duration_ns *)p, buf,
			    sizeof(buf));
			fprintf(f, " %s", buf);
			break;
		case K_NUMBER:
			fprintf(f, " %llu", k->size == sizeof(unsigned) ?
			    (unsigned long long)*(const unsigned *)p :
			    (unsigned long long)*(const uint64_t *)p);
			break;
		case K_BOOL:
			fprintf(f, " %s", *(const bool *)p ? "true" : "false");
			break;
		case K_ENUM:
			fprintf(f, " %s", k->names[*(const int *)p]);
			break;
		case K_COMMAND:
			c = p;
			print_strings(f, c->argv, c->argc);
			break;
		case K_ENV:
			e = p;
			if (e->n == 0)
				fputs(" {}", f);
			for (i = 0; i < e->n; i++) {
				fprintf(f, "\n%*s%.*s: ", indent + 2, "",
				    (int)strcspn(e->vars[i], "="), e->vars[i]);
				print_quoted(f, strchr(e->vars[i], '=') + 1);
			}
			break;
		default:
			break;
		}
		putc('\n', f);
	}
}

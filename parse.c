/*
 * parse.c: the values of a config that are pure functions of a string:
 * durations, command lines, environment references, dotenv lines.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

/* Trim blanks at both ends of s[0..*len) in place; returns the start. */
char *
config_trim(char *s, size_t *len)
{
	while (*len > 0 && isspace((unsigned char)*s)) {
		s++;
		(*len)--;
	}
	while (*len > 0 && isspace((unsigned char)s[*len - 1]))
		(*len)--;
	s[*len] = '\0';
	return s;
}

/*
 * Parse the value part of a dotenv line in place: "double" (with \n, \"
 * and \\ escapes), 'single' (literal) or bare up to a " #" comment.
 * Returns NULL for an unterminated quote.
 */
static char *
dotenv_value(char *v)
{
	char	*r, *w, q = *v;

	if (q == '\'' || q == '"') {
		for (r = w = ++v; *r != q; r++) {
			if (*r == '\0')
				return NULL;
			if (q == '"' && *r == '\\' && r[1] != '\0') {
				r++;
				if (*r != 'n' && *r != '"' && *r != '\\')
					*w++ = '\\';
				*w++ = *r == 'n' ? '\n' : *r;
			} else
				*w++ = *r;
		}
		*w = '\0';
		return v;
	}
	for (r = v; *r != '\0'; r++)
		if (*r == '#' && (r == v || isblank((unsigned char)r[-1]))) {
			*r = '\0';
			break;
		}
	for (r = v + strlen(v); r > v && isblank((unsigned char)r[-1]); r--)
		r[-1] = '\0';
	return v;
}

/*
 * Variables are not expanded and values span one line: enough for the
 * .env files people keep next to rr.yaml, without a shell's rules.
 */
int
config_load_dotenv(const char *path, char *err, size_t errlen)
{
	FILE	*f;
	char	*line = NULL, *t, *k, *v, *end;
	size_t	 cap = 0, len;
	ssize_t	 n;
	unsigned lineno = 0;
	int	 r = 0;

	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
		    strerror(errno));
		return -1;
	}
	while (r == 0 && (n = getline(&line, &cap, f)) != -1) {
		lineno++;
		len = (size_t)n;
		t = k = config_trim(line, &len);
		if (*k == '\0' || *k == '#')
			continue;
		if (strncmp(k, "export", 6) == 0 && isblank((unsigned char)k[6]))
			for (k += 6; isblank((unsigned char)*k); k++)
				;
		end = k + strspn(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
		    "qrstuvwxyz_0123456789");
		for (v = end; isblank((unsigned char)*v); v++)
			;
		if (end == k || isdigit((unsigned char)*k) || *v != '=') {
			snprintf(err, errlen, "%s:%u: \"%s\" is not KEY=VALUE",
			    path, lineno, t);
			r = -1;
			continue;
		}
		*end = '\0';
		for (v++; isblank((unsigned char)*v); v++)
			;
		if ((v = dotenv_value(v)) == NULL) {
			snprintf(err, errlen, "%s:%u: unterminated quote", path,
			    lineno);
			r = -1;
		} else if (setenv(k, v, 0) == -1) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno,
			    strerror(errno));
			r = -1;
		}
	}
	if (r == 0 && ferror(f)) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
		    strerror(errno));
		r = -1;
	}
	free(line);
	fclose(f);
	return r;
}

static const struct unit {
	const char	*name;
	uint64_t	 ns;
} units[] = {
	{ "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 },
	{ "\xce\xbcs", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
	{ "m", 60000000000ULL }, { "h", 3600000000000ULL }
};

/* All digits with at most one '.': a duration that forgot its unit. */
static bool
is_bare_number(const char *s)
{
	size_t	 digits = strspn(s, "0123456789");

	if (s[digits] == '.')
		digits += 1 + strspn(s + digits + 1, "0123456789");
	return digits > 0 && strcmp(s, ".") != 0 && s[digits] == '\0';
}

/*
 * Go's time.ParseDuration, including its quirks ("1.s", ".5s", both
 * micro signs), except that a bare number is refused: RoadRunner would
 * read "5" as 5ns, which is never what anyone meant.
 */
int
config_parse_duration(const char *str, duration_ns *out, char *err,
    size_t errlen)
{
	const uint64_t	 limit = (uint64_t)1 << 63;
	const char	*s = str;
	uint64_t	 total = 0, whole, frac, scale, v;
	size_t		 ulen, i;
	bool		 neg = false, digits;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	if (is_bare_number(s)) {
		snprintf(err, errlen, "%s has no unit (did you mean %ss?)", str,
		    str);
		return -1;
	}
	if (*s == '\0')
		goto bad;
	while (*s != '\0') {
		whole = frac = 0;
		scale = 1;
		digits = false;
		for (; isdigit((unsigned char)*s); s++, digits = true) {
			if (whole > (limit - 9) / 10)
				goto range;
			whole = whole * 10 + (uint64_t)(*s - '0');
		}
		if (*s == '.')
			for (s++; isdigit((unsigned char)*s); s++) {
				digits = true;
				if (scale < 1000000000000000000ULL) {
					frac = frac * 10 + (uint64_t)(*s - '0');
					scale *= 10;
				}
			}
		if (!digits)
			goto bad;
		ulen = strcspn(s, ".0123456789");
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strlen(units[i].name) == ulen &&
			    strncmp(s, units[i].name, ulen) == 0)
				break;
		if (ulen == 0 || i == sizeof(units) / sizeof(units[0]))
			goto bad;
		s += ulen;
		if (whole > limit / units[i].ns)
			goto range;
		v = whole * units[i].ns + (uint64_t)((double)frac *
		    ((double)units[i].ns / (double)scale));
		if (v > limit || total > limit - v)
			goto range;
		total += v;
	}
	if (total > limit - (neg ? 0 : 1))
		goto range;
	*out = neg ? (duration_ns)(0 - total) : (duration_ns)total;
	return 0;
range:
	snprintf(err, errlen, "\"%s\" is too large for a duration (at most "
	    "2562047h)", str);
	return -1;
bad:
	snprintf(err, errlen, "\"%s\" is not a duration (examples: 500ms, 1s, "
	    "1m)", str);
	return -1;
}

/* "%llu" then up to digits fraction digits of frac, trailing zeros cut. */
static int
print_amount(char *buf, size_t len, uint64_t whole, uint64_t frac,
    int digits, const char *unit)
{
	char	 f[24] = "";
	int	 n;

	if (frac != 0) {
		snprintf(f, sizeof(f), ".%0*llu", digits,
		    (unsigned long long)frac);
		for (n = (int)strlen(f); f[n - 1] == '0'; n--)
			f[n - 1] = '\0';
	}
	return snprintf(buf, len, "%llu%s%s", (unsigned long long)whole, f,
	    unit);
}

/*
 * A duration the way a person writes it and Go parses it: 500ms, 1.5s,
 * 1m30s, 2h (Go's own String() would say 1m0s).
 */
void
config_format_duration(duration_ns d, char *buf, size_t len)
{
	static const struct { uint64_t ns; int digits; const char *name; }
	    small[] = {
		{ 1000000, 6, "ms" }, { 1000, 3, "us" }, { 1, 0, "ns" }
	};
	uint64_t	 v = (uint64_t)d, h, m, s;
	size_t		 w = 0;
	int		 i;

	if (v == 0) {
		snprintf(buf, len, "0s");
		return;
	}
	if (v < (uint64_t)SEC_NS) {
		for (i = 0; v < small[i].ns; i++)
			;
		print_amount(buf, len, v / small[i].ns, v % small[i].ns,
		    small[i].digits, small[i].name);
		return;
	}
	h = v / (3600 * (uint64_t)SEC_NS);
	m = v / (60 * (uint64_t)SEC_NS) % 60;
	s = v % (60 * (uint64_t)SEC_NS);
	buf[0] = '\0';
	if (h != 0)
		w += (size_t)snprintf(buf + w, len - w, "%lluh",
		    (unsigned long long)h);
	if (m != 0 && w < len)
		w += (size_t)snprintf(buf + w, len - w, "%llum",
		    (unsigned long long)m);
	if (s != 0 && w < len)
		print_amount(buf + w, len - w, s / SEC_NS, s % SEC_NS, 9, "s");
}

/*
 * sh's word splitting and quote removal, nothing else: no $, no globs,
 * no operators, so a command line means the same with or without a shell
 * in front of it.  An unterminated quote is an error rather than a guess.
 */
int
config_split_command(const char *s, struct command *cmd, char *err,
    size_t errlen)
{
	char	 *word, **v;
	size_t	  n;
	bool	  in_word;

	memset(cmd, 0, sizeof(*cmd));
	if ((word = malloc(strlen(s) + 1)) == NULL)
		goto oom;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (*s == '\0')
			break;
		n = 0;
		in_word = false;
		while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\n') {
			if (*s == '\'') {
				for (s++; *s != '\'' && *s != '\0'; s++)
					word[n++] = *s;
				if (*s++ == '\0') {
					snprintf(err, errlen,
					    "unterminated single quote");
					goto bad;
				}
			} else if (*s == '"') {
				for (s++; *s != '"' && *s != '\0'; s++) {
					if (*s == '\\' && s[1] == '\n') {
						s++;
						continue;
					}
					if (*s == '\\' && s[1] != '\0' &&
					    strchr("\"\\$`", s[1]) != NULL)
						s++;
					word[n++] = *s;
				}
				if (*s++ == '\0') {
					snprintf(err, errlen,
					    "unterminated double quote");
					goto bad;
				}
			} else if (*s == '\\' && s[1] == '\n') {
				s += 2;
				continue;
			} else {
				if (*s == '\\' && s[1] != '\0')
					s++;
				word[n++] = *s++;
			}
			in_word = true;
		}
		if (!in_word)
			continue;
		v = realloc(cmd->argv, (cmd->argc + 2) * sizeof(*v));
		if (v == NULL)
			goto oom;
		cmd->argv = v;
		if ((v[cmd->argc] = strndup(word, n)) == NULL)
			goto oom;
		v[++cmd->argc] = NULL;
	}
	free(word);
	if (cmd->argc == 0) {
		snprintf(err, errlen, "empty command");
		return -1;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
bad:
	free(word);
	command_free(cmd);
	return -1;
}

void
command_free(struct command *cmd)
{
	size_t	 i;

	for (i = 0; i < cmd->argc; i++)
		free(cmd->argv[i]);
	free(cmd->argv);
	cmd->argv = NULL;
	cmd->argc = 0;
}

/*
 * ${V:-default} takes the default when V is unset or empty, as sh does.
 * The default is literal text up to the first '}'; a '$' that starts no
 * name and no complete ${...} stays as it is.
 */
char *
config_expand_env(const char *s)
{
	static const char namechars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_";
	const char	*name, *val, *def, *end;
	char		*out = NULL, *var;
	size_t		 olen, nlen;
	FILE		*f;

	if ((f = open_memstream(&out, &olen)) == NULL)
		return NULL;
	while (*s != '\0') {
		if (*s != '$') {
			putc(*s++, f);
			continue;
		}
		def = NULL;
		if (s[1] == '{') {
			name = s + 2;
			nlen = strspn(name, namechars);
			end = name + nlen;
			if (end[0] == ':' && end[1] == '-') {
				def = end + 2;
				end = strchr(def, '}');
			} else if (end[0] != '}')
				end = NULL;
		} else {
			name = s + 1;
			nlen = isalpha((unsigned char)*name) || *name == '_' ?
			    strspn(name, namechars) : 0;
			end = name + nlen - 1;
		}
		if (nlen == 0 || end == NULL) {
			putc(*s++, f);
			continue;
		}
		if ((var = strndup(name, nlen)) == NULL) {
			fclose(f);
			free(out);
			return NULL;
		}
		val = getenv(var);
		free(var);
		if (def != NULL && (val == NULL || *val == '\0'))
			fwrite(def, 1, (size_t)(end - def), f);
		else if (val != NULL)
			fputs(val, f);
		s = end + 1;
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

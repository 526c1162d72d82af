/* --filter expressions: KEY OP VALUE, ANDed. A model whose value for a key is unknown never
 * matches a filter on that key (whatever the operator): "context>=128000" must not list
 * models whose context nobody published, and neither must "context<128000". */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog_internal.h"

enum ftype { FT_BOOL, FT_STR, FT_SUBSTR, FT_LIST, FT_COUNT, FT_PRICE, FT_DATE, FT_SIZE,
	     FT_PARAMS };

enum fkey { FK_PROVIDER, FK_FAMILY, FK_OPEN, FK_LICENSE, FK_COMMERCIAL, FK_CONTEXT,
	    FK_PRICE_IN, FK_PRICE_OUT, FK_MODALITY, FK_REASONING, FK_TOOL_CALL, FK_RELEASE,
	    FK_SIZE, FK_PARAMS, FK_FINE_TUNABLE, FK_DOMAIN, FK_SHORTLISTED };

static const struct fdef {
	const char *name;
	enum fkey key;
	enum ftype type;
	const char *help;
} FILTERS[] = {
	{ "provider", FK_PROVIDER, FT_STR, "provider id or name, e.g. provider=openai" },
	{ "family", FK_FAMILY, FT_STR, "model family, e.g. family=llama" },
	{ "open_weights", FK_OPEN, FT_BOOL, "open_weights=true|false" },
	{ "license", FK_LICENSE, FT_SUBSTR, "licence contains (any case), e.g. license=apache" },
	{ "commercial", FK_COMMERCIAL, FT_BOOL, "commercial use allowed (your annotation)" },
	{ "context", FK_CONTEXT, FT_COUNT, "context window in tokens, e.g. context>=128k, 1M" },
	{ "price_in", FK_PRICE_IN, FT_PRICE, "input price in $ per 1M tokens, e.g. price_in<=1" },
	{ "price_out", FK_PRICE_OUT, FT_PRICE, "output price in $ per 1M tokens" },
	{ "modality", FK_MODALITY, FT_LIST, "accepts this input, e.g. modality=image" },
	{ "reasoning", FK_REASONING, FT_BOOL, "reasoning=true|false" },
	{ "tool_call", FK_TOOL_CALL, FT_BOOL, "tool calling, tool_call=true|false" },
	{ "release", FK_RELEASE, FT_DATE, "release date, e.g. release>=2025-01 (YYYY[-MM[-DD]])" },
	{ "size", FK_SIZE, FT_SIZE, "size=SLM|LLM (SLM: <= 10B parameters)" },
	{ "params", FK_PARAMS, FT_PARAMS, "parameters, e.g. params<=70B, params<500M" },
	{ "fine_tunable", FK_FINE_TUNABLE, FT_BOOL, "fine-tunable (your annotation)" },
	{ "domain", FK_DOMAIN, FT_LIST, "has this domain tag (your annotation), e.g. domain=legal" },
	{ "shortlisted", FK_SHORTLISTED, FT_BOOL, "in your shortlist, shortlisted=true" },
};

enum fop { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

struct filter {
	const struct fdef *def;
	enum fop op;
	char *text;    /* strings, dates, size class */
	double num;    /* numbers and booleans */
};

struct sl_filter_set {
	struct filter *items;
	size_t len;
	char **words; /* free-text search, all must match */
	size_t n_words;
};

struct sl_filter_set *sl_filter_set_new(void)
{
	return sl_xcalloc(1, sizeof(struct sl_filter_set));
}

static void clear_search(struct sl_filter_set *set)
{
	for (size_t i = 0; i < set->n_words; i++)
		free(set->words[i]);
	free(set->words);
	set->words = NULL;
	set->n_words = 0;
}

void sl_filter_set_free(struct sl_filter_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->len; i++)
		free(set->items[i].text);
	free(set->items);
	clear_search(set);
	free(set);
}

const char *sl_filter_help(void)
{
	static char text[2048];
	if (text[0])
		return text;
	size_t off = 0;
	off += (size_t)snprintf(text + off, sizeof text - off,
				"filters are KEY OP VALUE with OP one of = != < <= > >= (yes/no and "
				"text keys take = and != only):\n");
	for (size_t i = 0; i < SL_ARRAY_LEN(FILTERS) && off < sizeof text; i++)
		off += (size_t)snprintf(text + off, sizeof text - off, "  %-13s %s\n",
					FILTERS[i].name, FILTERS[i].help);
	return text;
}

static void valid_keys(char *out, size_t n)
{
	size_t off = 0;
	for (size_t i = 0; i < SL_ARRAY_LEN(FILTERS) && off < n; i++)
		off += (size_t)snprintf(out + off, n - off, "%s%s", i ? ", " : "", FILTERS[i].name);
}

static int parse_bool(const char *s)
{
	static const char *const yes[] = { "true", "yes", "1", "y", "on" };
	static const char *const no[] = { "false", "no", "0", "n", "off" };
	for (size_t i = 0; i < SL_ARRAY_LEN(yes); i++)
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
	for (size_t i = 0; i < SL_ARRAY_LEN(no); i++)
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	return -1;
}

static bool valid_date(const char *s)
{
	/* YYYY, YYYY-MM or YYYY-MM-DD */
	size_t n = strlen(s);
	if (n != 4 && n != 7 && n != 10)
		return false;
	for (size_t i = 0; i < n; i++) {
		bool dash = i == 4 || i == 7;
		if (dash ? s[i] != '-' : !isdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int sl_filter_set_add(struct sl_filter_set *set, const char *expr, struct sl_error *err)
{
	char keys[512];
	valid_keys(keys, sizeof keys);
	const char *op_at = strpbrk(expr, "=!<>");
	if (!op_at) {
		sl_error_set(err, "filter '%s' has no operator: write KEY OP VALUE (OP one of = != "
			     "< <= > >=), e.g. context>=128k; valid keys: %s", expr, keys);
		return -1;
	}
	char *key_base = sl_xstrndup(expr, (size_t)(op_at - expr));
	char *key = trim(key_base);
	enum fop op;
	const char *v = op_at;
	if (v[0] == '!' && v[1] == '=') {
		op = OP_NE;
		v += 2;
	} else if (v[0] == '<' && v[1] == '=') {
		op = OP_LE;
		v += 2;
	} else if (v[0] == '>' && v[1] == '=') {
		op = OP_GE;
		v += 2;
	} else if (v[0] == '=' && v[1] == '=') {
		op = OP_EQ;
		v += 2;
	} else if (v[0] == '=') {
		op = OP_EQ;
		v += 1;
	} else if (v[0] == '<') {
		op = OP_LT;
		v += 1;
	} else if (v[0] == '>') {
		op = OP_GT;
		v += 1;
	} else {
		sl_error_set(err, "filter '%s': bad operator: use one of = != < <= > >=", expr);
		free(key_base);
		return -1;
	}
	const struct fdef *def = NULL;
	for (size_t i = 0; i < SL_ARRAY_LEN(FILTERS); i++)
		if (strcasecmp(FILTERS[i].name, key) == 0)
			def = &FILTERS[i];
	if (!def) {
		sl_error_set(err, "unknown filter key '%s' in '%s': valid keys are %s", key, expr,
			     keys);
		free(key_base);
		return -1;
	}
	free(key_base);
	char *value_base = sl_xstrdup(v);
	char *value = trim(value_base);
	struct filter f = { .def = def, .op = op };
	bool ordered = def->type == FT_COUNT || def->type == FT_PRICE || def->type == FT_DATE ||
		       def->type == FT_PARAMS;
	int rc = -1;
	if (!ordered && op != OP_EQ && op != OP_NE) {
		sl_error_set(err, "filter '%s': %s takes only = or !=", expr, def->name);
		goto out;
	}
	if (!*value) {
		sl_error_set(err, "filter '%s' has no value: %s", expr, def->help);
		goto out;
	}
	struct sl_error e2 = { 0 };
	switch (def->type) {
	case FT_BOOL: {
		int b = parse_bool(value);
		if (b < 0) {
			sl_error_set(err, "filter '%s': '%s' is not a yes/no value: use true or false "
				     "(also yes/no, 1/0)", expr, value);
			goto out;
		}
		f.num = b;
		break;
	}
	case FT_STR:
	case FT_SUBSTR:
	case FT_LIST:
		f.text = sl_xstrdup(value);
		break;
	case FT_SIZE:
		if (strcasecmp(value, "SLM") != 0 && strcasecmp(value, "LLM") != 0) {
			sl_error_set(err, "filter '%s': size must be SLM or LLM (SLM: <= %g B "
				     "parameters)", expr, SL_SLM_MAX_PARAMS_B);
			goto out;
		}
		f.text = sl_xstrdup(value);
		for (char *p = f.text; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		break;
	case FT_COUNT: {
		int64_t n;
		if (sl_parse_count(value, &n, &e2) != 0) {
			sl_error_set(err, "filter '%s': %s", expr, e2.msg);
			goto out;
		}
		f.num = (double)n;
		break;
	}
	case FT_PRICE: {
		char *end;
		const char *p = value[0] == '$' ? value + 1 : value;
		f.num = strtod(p, &end);
		if (end == p || *end || !(f.num >= 0) || isinf(f.num)) {
			sl_error_set(err, "filter '%s': '%s' is not a price: give US dollars per 1M "
				     "tokens, e.g. %s<=2.5", expr, value, def->name);
			goto out;
		}
		break;
	}
	case FT_DATE:
		if (!valid_date(value)) {
			sl_error_set(err, "filter '%s': '%s' is not a date: use YYYY, YYYY-MM or "
				     "YYYY-MM-DD", expr, value);
			goto out;
		}
		f.text = sl_xstrdup(value);
		break;
	case FT_PARAMS:
		if (sl_parse_params(value, &f.num, &e2) != 0) {
			sl_error_set(err, "filter '%s': %s", expr, e2.msg);
			goto out;
		}
		break;
	}
	set->items = sl_xrealloc(set->items, (set->len + 1) * sizeof *set->items);
	set->items[set->len++] = f;
	rc = 0;
out:
	free(value_base);
	return rc;
}

void sl_filter_set_search(struct sl_filter_set *set, const char *text)
{
	clear_search(set);
	if (!text)
		return;
	const char *p = text;
	while (*p) {
		while (isspace((unsigned char)*p))
			p++;
		const char *s = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (p > s) {
			set->words = sl_xrealloc(set->words, (set->n_words + 1) * sizeof *set->words);
			set->words[set->n_words++] = sl_xstrndup(s, (size_t)(p - s));
		}
	}
}

static bool cmp_ok(enum fop op, int c)
{
	switch (op) {
	case OP_EQ: return c == 0;
	case OP_NE: return c != 0;
	case OP_LT: return c < 0;
	case OP_LE: return c <= 0;
	case OP_GT: return c > 0;
	case OP_GE: return c >= 0;
	}
	return false;
}

static bool num_ok(enum fop op, double v, double want)
{
	if (isnan(v))
		return false;
	/* Prices are decimals from JSON: compare with a tolerance so 0.1+0.2 style values
	 * still equal what a user typed. */
	double eps = 1e-9 * (fabs(want) > 1 ? fabs(want) : 1);
	int c = v < want - eps ? -1 : v > want + eps ? 1 : 0;
	return cmp_ok(op, c);
}

static bool tri_ok(enum fop op, int v, double want)
{
	if (v < 0)
		return false;
	return op == OP_EQ ? v == (int)want : v != (int)want;
}

/* Is tag one of the comma-separated items of list (any case, spaces ignored)? */
static bool list_has(const char *list, const char *tag)
{
	size_t n = strlen(tag);
	const char *p = list;
	while (p && *p) {
		while (*p == ' ' || *p == ',')
			p++;
		const char *s = p;
		while (*p && *p != ',')
			p++;
		const char *e = p;
		while (e > s && e[-1] == ' ')
			e--;
		if ((size_t)(e - s) == n && strncasecmp(s, tag, n) == 0)
			return true;
	}
	return false;
}

static bool filter_ok(const struct filter *f, const struct sl_model *m)
{
	bool eq;
	switch (f->def->key) {
	case FK_PROVIDER:
		eq = sl_str_ieq(m->provider_id, f->text) || sl_str_ieq(m->provider_name, f->text);
		return f->op == OP_EQ ? eq : !eq;
	case FK_FAMILY:
		if (!m->family || !*m->family)
			return false;
		eq = sl_str_ieq(m->family, f->text);
		return f->op == OP_EQ ? eq : !eq;
	case FK_LICENSE:
		if (!m->license || !*m->license)
			return false;
		eq = sl_strcasestr(m->license, f->text) != NULL;
		return f->op == OP_EQ ? eq : !eq;
	case FK_MODALITY:
		if (!m->modalities_in || !*m->modalities_in)
			return false;
		eq = list_has(m->modalities_in, f->text);
		return f->op == OP_EQ ? eq : !eq;
	case FK_DOMAIN:
		if (!m->domains || !*m->domains)
			return false;
		eq = list_has(m->domains, f->text);
		return f->op == OP_EQ ? eq : !eq;
	case FK_SIZE:
		if (!m->size_class)
			return false;
		eq = strcmp(m->size_class, f->text) == 0;
		return f->op == OP_EQ ? eq : !eq;
	case FK_OPEN:
		return tri_ok(f->op, m->open_weights, f->num);
	case FK_COMMERCIAL:
		return tri_ok(f->op, m->commercial_use, f->num);
	case FK_FINE_TUNABLE:
		return tri_ok(f->op, m->fine_tunable, f->num);
	case FK_REASONING:
		return tri_ok(f->op, m->reasoning, f->num);
	case FK_TOOL_CALL:
		return tri_ok(f->op, m->tool_call, f->num);
	case FK_SHORTLISTED:
		return tri_ok(f->op, m->shortlisted, f->num);
	case FK_CONTEXT:
		return num_ok(f->op, m->context < 0 ? NAN : (double)m->context, f->num);
	case FK_PRICE_IN:
		return num_ok(f->op, m->price_in, f->num);
	case FK_PRICE_OUT:
		return num_ok(f->op, m->price_out, f->num);
	case FK_PARAMS:
		return num_ok(f->op, m->params_b, f->num);
	case FK_RELEASE: {
		/* Compare at the precision given: release<=2024 includes 2024-12-31. */
		if (!m->release_date || !*m->release_date)
			return false;
		size_t n = strlen(f->text);
		return cmp_ok(f->op, strncmp(m->release_date, f->text, n));
	}
	}
	return false;
}

static bool word_ok(const char *w, const struct sl_model *m)
{
	const char *fields[] = { m->key, m->name, m->family, m->provider_name };
	for (size_t i = 0; i < SL_ARRAY_LEN(fields); i++)
		if (fields[i] && sl_strcasestr(fields[i], w))
			return true;
	return false;
}

bool sl_filter_matches(const struct sl_filter_set *set, const struct sl_model *m)
{
	if (!set)
		return true;
	for (size_t i = 0; i < set->len; i++)
		if (!filter_ok(&set->items[i], m))
			return false;
	for (size_t i = 0; i < set->n_words; i++)
		if (!word_ok(set->words[i], m))
			return false;
	return true;
}

/* Reading the catalogue: every model merged with its provider, canonical model, the user's
 * annotations and shortlist; finding one model by what a user types; sorting lists. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog_internal.h"

#define MODEL_SELECT                                                                        \
	"SELECT m.key, m.provider_id, p.name, m.model_id, m.name, m.family, m.base_model,"      \
	" m.open_weights, m.reasoning, m.tool_call, m.attachment, m.structured_output,"         \
	" m.context, m.max_output, m.price_in, m.price_out, m.price_cache_read,"                \
	" m.price_cache_write, m.modalities_in, m.modalities_out, m.release_date, m.knowledge," \
	" m.last_updated, m.status, b.license, a.license, m.params_b, m.params_derived,"        \
	" a.params_b, a.fine_tunable, a.commercial_use, a.domains, a.notes,"                    \
	" s.model_key IS NOT NULL"                                                              \
	" FROM models m JOIN providers p ON p.id = m.provider_id"                               \
	" LEFT JOIN base_models b ON b.id = m.base_model"                                       \
	" LEFT JOIN annotations a ON a.model_key = m.key"                                       \
	" LEFT JOIN shortlist s ON s.model_key = m.key "

struct headline {
	char *base, *name, *date, *source;
	double score;
};

struct headlines {
	struct headline *items;
	size_t len;
};

static char *col_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? sl_xstrdup((const char *)t) : NULL;
}

static double col_num(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? NAN : sqlite3_column_double(st, col);
}

static int col_tri(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? -1 : (sqlite3_column_int(st, col) != 0);
}

static void headlines_free(struct headlines *h)
{
	for (size_t i = 0; i < h->len; i++) {
		free(h->items[i].base);
		free(h->items[i].name);
		free(h->items[i].date);
		free(h->items[i].source);
	}
	free(h->items);
	h->items = NULL;
	h->len = 0;
}

/* One headline per canonical model (rule in derive.c); base NULL loads all. */
static int headlines_load(struct sl_store *store, const char *base, struct headlines *out,
			  struct sl_error *err)
{
	out->items = NULL;
	out->len = 0;
	sqlite3_stmt *st = base
		? sl_store_prepare(store, "SELECT base_model, name, score, date, source FROM "
				   "benchmarks WHERE base_model = ?1", err)
		: sl_store_prepare(store, "SELECT base_model, name, score, date, source FROM "
				   "benchmarks ORDER BY base_model", err);
	if (!st)
		return -1;
	if (base)
		sqlite3_bind_text(st, 1, base, -1, SQLITE_TRANSIENT);
	size_t cap = 0;
	int rc;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		const char *b = sl_col_text(st, 0), *name = sl_col_text(st, 1);
		const char *date = sl_col_text(st, 3);
		struct headline *cur = out->len ? &out->items[out->len - 1] : NULL;
		if (!cur || strcmp(cur->base, b) != 0) {
			if (out->len == cap) {
				cap = cap ? cap * 2 : 64;
				out->items = sl_xrealloc(out->items, cap * sizeof *out->items);
			}
			cur = &out->items[out->len++];
			memset(cur, 0, sizeof *cur);
			cur->base = sl_xstrdup(b);
		}
		if (sl_bench_better(name, date, cur->name, cur->date)) {
			free(cur->name);
			free(cur->date);
			free(cur->source);
			cur->name = sl_xstrdup(name);
			cur->date = col_dup(st, 3);
			cur->source = col_dup(st, 4);
			cur->score = sqlite3_column_double(st, 2);
		}
	}
	sqlite3_reset(st);
	if (rc < 0) {
		headlines_free(out);
		return -1;
	}
	return 0;
}

static int headline_cmp(const void *key, const void *item)
{
	return strcmp(key, ((const struct headline *)item)->base);
}

static void model_from_row(sqlite3_stmt *st, const struct headlines *heads, struct sl_model *m)
{
	memset(m, 0, sizeof *m);
	int c = 0;
	m->key = col_dup(st, c++);
	m->provider_id = col_dup(st, c++);
	m->provider_name = col_dup(st, c++);
	m->model_id = col_dup(st, c++);
	m->name = col_dup(st, c++);
	m->family = col_dup(st, c++);
	m->base_model = col_dup(st, c++);
	m->open_weights = col_tri(st, c++);
	m->reasoning = col_tri(st, c++) == 1;
	m->tool_call = col_tri(st, c++) == 1;
	m->attachment = col_tri(st, c++) == 1;
	m->structured_output = col_tri(st, c++) == 1;
	m->context = sqlite3_column_type(st, c) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, c);
	c++;
	m->max_output = sqlite3_column_type(st, c) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, c);
	c++;
	m->price_in = col_num(st, c++);
	m->price_out = col_num(st, c++);
	m->price_cache_read = col_num(st, c++);
	m->price_cache_write = col_num(st, c++);
	m->modalities_in = col_dup(st, c++);
	m->modalities_out = col_dup(st, c++);
	m->release_date = col_dup(st, c++);
	m->knowledge = col_dup(st, c++);
	m->last_updated = col_dup(st, c++);
	m->status = col_dup(st, c++);
	char *cat_license = col_dup(st, c++);
	char *user_license = col_dup(st, c++);
	if (user_license) {
		m->license = user_license;
		m->license_annotated = true;
		free(cat_license);
	} else {
		m->license = cat_license;
	}
	double derived = col_num(st, c++);
	bool is_derived = sqlite3_column_int(st, c++) != 0;
	double annotated = col_num(st, c++);
	if (!isnan(annotated)) {
		m->params_b = annotated;
		m->params_annotated = true;
	} else {
		m->params_b = derived;
		m->params_derived = is_derived && !isnan(derived);
	}
	m->size_class = sl_size_class(m->params_b);
	m->fine_tunable = col_tri(st, c++);
	m->commercial_use = col_tri(st, c++);
	m->domains = col_dup(st, c++);
	m->notes = col_dup(st, c++);
	m->shortlisted = sqlite3_column_int(st, c++) != 0;

	m->bench_score = NAN;
	if (m->base_model && heads->len) {
		const struct headline *h = bsearch(m->base_model, heads->items, heads->len,
						   sizeof *heads->items, headline_cmp);
		if (h) {
			m->bench_score = h->score;
			m->bench_name = h->name ? sl_xstrdup(h->name) : NULL;
			m->bench_date = h->date ? sl_xstrdup(h->date) : NULL;
			m->bench_source = h->source ? sl_xstrdup(h->source) : NULL;
		}
	}
}

void sl_model_free(struct sl_model *m)
{
	if (!m)
		return;
	char **strs[] = { &m->key, &m->provider_id, &m->provider_name, &m->model_id, &m->name,
			  &m->family, &m->base_model, &m->modalities_in, &m->modalities_out,
			  &m->release_date, &m->knowledge, &m->last_updated, &m->status,
			  &m->license, &m->bench_name, &m->domains, &m->notes, &m->bench_source,
			  &m->bench_date };
	for (size_t i = 0; i < SL_ARRAY_LEN(strs); i++) {
		free(*strs[i]);
		*strs[i] = NULL;
	}
}

void sl_model_list_free(struct sl_model_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->len; i++)
		sl_model_free(&list->items[i]);
	free(list->items);
	list->items = NULL;
	list->len = 0;
}

int sl_catalog_load(struct sl_store *store, const struct sl_filter_set *filters,
		    struct sl_model_list *out, struct sl_error *err)
{
	out->items = NULL;
	out->len = 0;
	struct headlines heads;
	if (headlines_load(store, NULL, &heads, err) != 0)
		return -1;
	/* Sorted by key with memcmp semantics so bsearch over heads and this order agree. */
	sqlite3_stmt *st = sl_store_prepare(store, MODEL_SELECT "ORDER BY m.key", err);
	if (!st) {
		headlines_free(&heads);
		return -1;
	}
	size_t cap = 0;
	int rc;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		if (out->len == cap) {
			cap = cap ? cap * 2 : 1024;
			out->items = sl_xrealloc(out->items, cap * sizeof *out->items);
		}
		struct sl_model *m = &out->items[out->len];
		model_from_row(st, &heads, m);
		if (filters && !sl_filter_matches(filters, m)) {
			sl_model_free(m);
			continue;
		}
		out->len++;
	}
	sqlite3_reset(st);
	headlines_free(&heads);
	if (rc < 0) {
		sl_model_list_free(out);
		return -1;
	}
	return 0;
}

/* Run a one-row-per-model query; collects up to max rows into out. */
static int query_models(struct sl_store *store, const char *sql, const char *arg,
			struct sl_model_list *out, size_t max, struct sl_error *err)
{
	out->items = NULL;
	out->len = 0;
	sqlite3_stmt *st = sl_store_prepare(store, sql, err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
	struct headlines none = { 0 };
	int rc;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		if (out->len == max)
			continue;
		if (!out->items)
			out->items = sl_xcalloc(max, sizeof *out->items);
		model_from_row(st, &none, &out->items[out->len++]);
	}
	sqlite3_reset(st);
	if (rc < 0) {
		sl_model_list_free(out);
		return -1;
	}
	return 0;
}

static void attach_headline(struct sl_store *store, struct sl_model *m)
{
	if (!m->base_model)
		return;
	struct headlines h;
	if (headlines_load(store, m->base_model, &h, NULL) == 0 && h.len == 1) {
		m->bench_score = h.items[0].score;
		m->bench_name = h.items[0].name ? sl_xstrdup(h.items[0].name) : NULL;
		m->bench_date = h.items[0].date ? sl_xstrdup(h.items[0].date) : NULL;
		m->bench_source = h.items[0].source ? sl_xstrdup(h.items[0].source) : NULL;
	}
	headlines_free(&h);
}

/* Take the single match out of list into *out. */
static int take_one(struct sl_store *store, struct sl_model_list *list, struct sl_model *out)
{
	*out = list->items[0];
	list->items[0] = (struct sl_model){ 0 };
	sl_model_list_free(list);
	attach_headline(store, out);
	return 0;
}

static void list_keys(struct sl_buf *b, const struct sl_model_list *list, size_t total)
{
	for (size_t i = 0; i < list->len; i++)
		sl_buf_printf(b, "%s%s", i ? ", " : "", list->items[i].key);
	if (total > list->len)
		sl_buf_printf(b, ", ...");
}

static char *normalize(const char *s)
{
	char *out = sl_xmalloc(strlen(s) + 1), *o = out;
	for (; *s; s++)
		if (isalnum((unsigned char)*s))
			*o++ = (char)tolower((unsigned char)*s);
	*o = '\0';
	return out;
}

static int not_found(struct sl_store *store, const char *id, struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store, "SELECT key FROM models ORDER BY length(key), key",
					    err);
	if (!st)
		return -1;
	char *want = normalize(id);
	struct sl_buf b;
	sl_buf_init(&b);
	int n = 0, rc;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		if (!*want)
			break;
		char *k = normalize(sl_col_text(st, 0));
		if (strstr(k, want)) {
			if (n < 5)
				sl_buf_printf(&b, "%s%s", n ? ", " : "", sl_col_text(st, 0));
			else if (n == 5)
				sl_buf_puts(&b, ", ...");
			n++;
		}
		free(k);
	}
	sqlite3_reset(st);
	free(want);
	if (rc < 0) {
		sl_buf_free(&b);
		return -1;
	}
	if (n)
		sl_error_set(err, "no model '%s' in the catalogue; did you mean: %s?", id, b.data);
	else
		sl_error_set(err, "no model '%s' in the catalogue (list them with 'shortlist "
			     "models')", id);
	sl_buf_free(&b);
	return -1;
}

int sl_catalog_find(struct sl_store *store, const char *id, struct sl_model *out,
		    struct sl_error *err)
{
	memset(out, 0, sizeof *out);
	struct sl_model_list l;
	enum { MAX = 8 };
	if (!id || !*id) {
		sl_error_set(err, "no model id given: use provider/model (e.g. openai/gpt-4o), "
			     "provider:model, or a model id unique across providers");
		return -1;
	}
	/* 1. the key itself */
	if (query_models(store, MODEL_SELECT "WHERE m.key = ?1", id, &l, MAX, err) != 0)
		return -1;
	if (l.len == 1)
		return take_one(store, &l, out);
	sl_model_list_free(&l);
	/* 2. provider:model (model ids may themselves contain ':', so only when the part before
	 * the first ':' names a provider and the rest a model) */
	const char *colon = strchr(id, ':');
	if (colon) {
		char *key = sl_xasprintf("%.*s/%s", (int)(colon - id), id, colon + 1);
		int rc = query_models(store, MODEL_SELECT "WHERE m.key = ?1", key, &l, MAX, err);
		free(key);
		if (rc != 0)
			return -1;
		if (l.len == 1)
			return take_one(store, &l, out);
		sl_model_list_free(&l);
	}
	/* 3. a model id unique across providers, then the key ignoring case */
	static const char *const by[] = {
		MODEL_SELECT "WHERE m.model_id = ?1 ORDER BY m.key",
		MODEL_SELECT "WHERE m.key = ?1 COLLATE NOCASE ORDER BY m.key",
		MODEL_SELECT "WHERE m.model_id = ?1 COLLATE NOCASE ORDER BY m.key",
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(by); i++) {
		if (query_models(store, by[i], id, &l, MAX, err) != 0)
			return -1;
		if (l.len == 1)
			return take_one(store, &l, out);
		if (l.len > 1) {
			struct sl_buf b;
			sl_buf_init(&b);
			list_keys(&b, &l, MAX + 1);
			sl_error_set(err, "model '%s' is ambiguous: offered by several providers (%s); "
				     "name one as provider/model", id, b.data);
			sl_buf_free(&b);
			sl_model_list_free(&l);
			return -1;
		}
	}
	/* Not found: suggest keys that contain what was typed, ignoring case and punctuation
	 * ("gpt4o" finds openai/gpt-4o). */
	return not_found(store, id, err);
}

int sl_catalog_get(struct sl_store *store, const char *key, struct sl_model *out,
		   struct sl_error *err)
{
	memset(out, 0, sizeof *out);
	struct sl_model_list l;
	if (query_models(store, MODEL_SELECT "WHERE m.key = ?1", key ? key : "", &l, 1, err) != 0)
		return -1;
	if (l.len == 1)
		return take_one(store, &l, out);
	sl_model_list_free(&l);
	sl_error_set(err, "no model '%s' in the catalogue", key ? key : "");
	return -1;
}

int sl_catalog_benchmarks(struct sl_store *store, const char *model_key,
			  struct sl_benchmark **out, size_t *n_out, struct sl_error *err)
{
	*out = NULL;
	*n_out = 0;
	sqlite3_stmt *st = sl_store_prepare(
		store, "SELECT b.name, b.metric, b.score, b.date, b.source FROM benchmarks b"
		" JOIN models m ON m.base_model = b.base_model WHERE m.key = ?1"
		" ORDER BY b.date DESC, b.name", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, model_key, -1, SQLITE_TRANSIENT);
	size_t cap = 0;
	int rc;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		if (*n_out == cap) {
			cap = cap ? cap * 2 : 8;
			*out = sl_xrealloc(*out, cap * sizeof **out);
		}
		struct sl_benchmark *b = &(*out)[(*n_out)++];
		b->name = col_dup(st, 0);
		b->metric = col_dup(st, 1);
		b->score = sqlite3_column_double(st, 2);
		b->date = col_dup(st, 3);
		b->source = col_dup(st, 4);
	}
	sqlite3_reset(st);
	if (rc < 0) {
		sl_benchmarks_free(*out, *n_out);
		*out = NULL;
		*n_out = 0;
		return -1;
	}
	return 0;
}

/* Model i's latest score on `name` (lists are newest first), NAN if it has none. */
static double score_on(const struct sl_benchmark *list, size_t n, const char *name)
{
	for (size_t k = 0; k < n; k++)
		if (sl_bench_name_eq(list[k].name, name))
			return list[k].score;
	return NAN;
}

int sl_catalog_shared_benchmark(struct sl_store *store, const struct sl_model *models, size_t n,
				char **name, double *scores, size_t *n_with, struct sl_error *err)
{
	*name = NULL;
	*n_with = 0;
	struct sl_benchmark **lists = sl_xcalloc(n ? n : 1, sizeof *lists);
	size_t *lens = sl_xcalloc(n ? n : 1, sizeof *lens);
	int ret = 0;
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = sl_catalog_benchmarks(store, models[i].key, &lists[i], &lens[i], err);
	const char *best = NULL;
	size_t best_count = 0;
	for (size_t i = 0; i < n && ret == 0; i++)
		for (size_t k = 0; k < lens[i]; k++) {
			const char *cand = lists[i][k].name;
			size_t count = 0;
			for (size_t j = 0; j < n; j++)
				count += !isnan(score_on(lists[j], lens[j], cand));
			if (count > best_count ||
			    (count == best_count && (sl_bench_rank(cand) < sl_bench_rank(best) ||
			     (sl_bench_rank(cand) == sl_bench_rank(best) && strcmp(cand, best) < 0)))) {
				best = cand;
				best_count = count;
			}
		}
	if (best && best_count < (n > 1 ? 2u : 1u))
		best = NULL;
	for (size_t i = 0; i < n; i++)
		scores[i] = best ? score_on(lists[i], lens[i], best) : NAN;
	if (best && ret == 0) {
		*name = sl_xstrdup(best);
		*n_with = best_count;
	}
	for (size_t i = 0; i < n; i++)
		sl_benchmarks_free(lists[i], lens[i]);
	free(lists);
	free(lens);
	return ret;
}

void sl_benchmarks_free(struct sl_benchmark *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(list[i].name);
		free(list[i].metric);
		free(list[i].date);
		free(list[i].source);
	}
	free(list);
}

/* ---- sorting ---- */

enum sort_key { SK_NAME, SK_PROVIDER, SK_CONTEXT, SK_PRICE_IN, SK_PRICE_OUT, SK_RELEASE,
		SK_BENCH, SK_PARAMS, SK_OPEN, SK_KEY };

static const struct {
	const char *name;
	enum sort_key key;
} SORT_KEYS[] = {
	{ "name", SK_NAME },         { "provider", SK_PROVIDER }, { "context", SK_CONTEXT },
	{ "price_in", SK_PRICE_IN }, { "price_out", SK_PRICE_OUT }, { "release", SK_RELEASE },
	{ "bench", SK_BENCH },       { "params", SK_PARAMS },     { "open_weights", SK_OPEN },
	{ "key", SK_KEY },
};

const char *sl_sort_keys(void)
{
	return "name, provider, context, price_in, price_out, release, bench, params,\n"
	       "  open_weights, key (prefix '-' for descending; unknown values sort last)";
}

static enum sort_key sort_by;
static bool sort_desc;

static int cmp_num(double a, double b)
{
	return a < b ? -1 : a > b ? 1 : 0;
}

static int cmp_str(const char *a, const char *b)
{
	return strcasecmp(a, b);
}

/* Returns <0/>0 for known values; unknown values are flagged so they stay last. */
static int model_cmp(const void *pa, const void *pb)
{
	const struct sl_model *a = pa, *b = pb;
	bool ua = false, ub = false;
	int c = 0;
	switch (sort_by) {
	case SK_NAME:
		c = cmp_str(a->name ? a->name : "", b->name ? b->name : "");
		break;
	case SK_PROVIDER:
		c = cmp_str(a->provider_name ? a->provider_name : "",
			    b->provider_name ? b->provider_name : "");
		break;
	case SK_KEY:
		break;
	case SK_CONTEXT:
		ua = a->context < 0;
		ub = b->context < 0;
		c = cmp_num((double)a->context, (double)b->context);
		break;
	case SK_PRICE_IN:
		ua = isnan(a->price_in);
		ub = isnan(b->price_in);
		c = cmp_num(a->price_in, b->price_in);
		break;
	case SK_PRICE_OUT:
		ua = isnan(a->price_out);
		ub = isnan(b->price_out);
		c = cmp_num(a->price_out, b->price_out);
		break;
	case SK_RELEASE:
		ua = !a->release_date || !*a->release_date;
		ub = !b->release_date || !*b->release_date;
		if (!ua && !ub)
			c = strcmp(a->release_date, b->release_date);
		break;
	case SK_BENCH:
		ua = isnan(a->bench_score);
		ub = isnan(b->bench_score);
		c = cmp_num(a->bench_score, b->bench_score);
		break;
	case SK_PARAMS:
		ua = isnan(a->params_b);
		ub = isnan(b->params_b);
		c = cmp_num(a->params_b, b->params_b);
		break;
	case SK_OPEN:
		/* Ascending lists open-weights models first: what people sort this column for. */
		ua = a->open_weights < 0;
		ub = b->open_weights < 0;
		c = cmp_num(b->open_weights, a->open_weights);
		break;
	}
	if (ua || ub) {
		if (ua && ub)
			c = 0;
		else
			return ua ? 1 : -1;
	} else if (sort_desc) {
		c = -c;
	}
	if (c == 0)
		c = strcmp(a->key, b->key);
	return c;
}

int sl_model_list_sort(struct sl_model_list *list, const char *key, struct sl_error *err)
{
	bool desc = false;
	if (key && key[0] == '-') {
		desc = true;
		key++;
	}
	if (!key || !*key)
		key = "key";
	for (size_t i = 0; i < SL_ARRAY_LEN(SORT_KEYS); i++) {
		if (strcmp(SORT_KEYS[i].name, key) == 0) {
			sort_by = SORT_KEYS[i].key;
			sort_desc = desc;
			if (list->len > 1)
				qsort(list->items, list->len, sizeof *list->items, model_cmp);
			return 0;
		}
	}
	sl_error_set(err, "unknown sort key '%s': valid keys are %s", key, sl_sort_keys());
	return -1;
}

int sl_catalog_raw(struct sl_store *store, const char *model_key, char **model_json,
		   char **base_json, struct sl_error *err)
{
	*model_json = *base_json = NULL;
	sqlite3_stmt *st = sl_store_prepare(
		store, "SELECT m.raw, b.raw FROM models m LEFT JOIN base_models b"
		" ON b.id = m.base_model WHERE m.key = ?1", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, model_key, -1, SQLITE_TRANSIENT);
	int rc = sl_store_step(store, st, err);
	if (rc == SQLITE_ROW) {
		*model_json = col_dup(st, 0);
		*base_json = col_dup(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		sl_error_set(err, "no model '%s' in the catalogue", model_key);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* Statistics of a bulk write, one UPSERT per group (shortlist/stats_batch.h). The sums are
 * the triggers' own (schema.c, CELLS_STATS_ADD, CELLS_EXTRA_ADD, CELLS_TOK_ADD,
 * SCORES_STATS_ADD_RANGE) done in C: a change to what a trigger adds must be made here too
 * (test_stats_batch compares both against a recompute from the rows). A replaced row is
 * left to the triggers: the batch
 * turns them on for it. */
#include "shortlist/stats_batch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum group_kind { G_CELL, G_REPORTED, G_SCORE };

/* cell: c = n, n_err, n_cached, n_lat, n_ttft, n_cost; s = sum_lat, sum_cost, sum_tok,
 * sum_gen_ms, cost_err, cost_cached, tok_rest. reported: c[0] = n. score: c = n, n_null;
 * s = sum, sumsq, min, max (the range). */
struct group {
	enum group_kind kind;
	int64_t run_id;
	int m, p;
	char *name;         /* the reported model id, or the metric */
	bool proportion;
	uint64_t hash;
	int64_t c[6];
	double s[7];
};

struct sl_stats_batch {
	struct group *groups; /* in the order first seen */
	size_t n, cap;
	size_t *index;        /* open addressing over groups: i + 1, 0 = free */
	size_t index_cap;
	sqlite3 *triggers_back_off; /* a replace turned its triggers on till the end */
};

struct sl_stats_batch *sl_stats_batch_new(void)
{
	return sl_xcalloc(1, sizeof(struct sl_stats_batch));
}

void sl_stats_batch_disable_triggers(struct sl_store *store)
{
	sqlite3_db_config(sl_store_db(store), SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)NULL);
}

void sl_stats_batch_reset(struct sl_stats_batch *b)
{
	if (b->triggers_back_off) {
		sqlite3_db_config(b->triggers_back_off, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0,
				  (int *)NULL);
		b->triggers_back_off = NULL;
	}
	for (size_t i = 0; i < b->n; i++)
		free(b->groups[i].name);
	b->n = 0;
	if (b->index)
		memset(b->index, 0, b->index_cap * sizeof *b->index);
}

void sl_stats_batch_free(struct sl_stats_batch *b)
{
	if (!b)
		return;
	sl_stats_batch_reset(b);
	free(b->groups);
	free(b->index);
	free(b);
}

static uint64_t key_hash(enum group_kind kind, int64_t run_id, int m, int p, const char *name)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	const uint64_t parts[] = { (uint64_t)kind, (uint64_t)run_id, (uint64_t)(uint32_t)m,
				   (uint64_t)(uint32_t)p };
	for (size_t i = 0; i < SL_ARRAY_LEN(parts); i++)
		h = (h ^ parts[i]) * 1099511628211ULL;
	for (const char *s = name; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void index_put(struct sl_stats_batch *b, size_t i)
{
	size_t mask = b->index_cap - 1, h = b->groups[i].hash & mask;
	while (b->index[h])
		h = (h + 1) & mask;
	b->index[h] = i + 1;
}

static struct group *find(struct sl_stats_batch *b, enum group_kind kind, int64_t run_id, int m,
			  int p, const char *name)
{
	uint64_t h = key_hash(kind, run_id, m, p, name);
	if (b->index_cap) {
		size_t mask = b->index_cap - 1;
		for (size_t k = h & mask; b->index[k]; k = (k + 1) & mask) {
			struct group *g = &b->groups[b->index[k] - 1];
			if (g->hash == h && g->kind == kind && g->run_id == run_id && g->m == m &&
			    g->p == p && (!name || strcmp(g->name, name) == 0))
				return g;
		}
	}
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		b->groups = sl_xrealloc(b->groups, b->cap * sizeof *b->groups);
	}
	if (2 * (b->n + 1) > b->index_cap) {
		free(b->index);
		b->index_cap = b->index_cap ? b->index_cap * 2 : 32;
		b->index = sl_xcalloc(b->index_cap, sizeof *b->index);
		for (size_t i = 0; i < b->n; i++)
			index_put(b, i);
	}
	struct group *g = &b->groups[b->n];
	*g = (struct group){ .kind = kind, .run_id = run_id, .m = m, .p = p, .hash = h,
			     .name = name ? sl_xstrdup(name) : NULL };
	index_put(b, b->n++);
	return g;
}

static int set_deferred(struct sl_store *store, bool on, struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store, on
		? "UPDATE stats_deferred SET deferred = 1"
		: "UPDATE stats_deferred SET deferred = 0", err);
	if (!st || sl_store_step(store, st, err) < 0)
		return -1;
	sqlite3_reset(st);
	if (on && sqlite3_changes(sl_store_db(store)) == 0) {
		/* its row deleted by hand would leave the triggers on: the rows counted twice */
		st = sl_store_prepare(store, "INSERT INTO stats_deferred VALUES (1)", err);
		if (!st || sl_store_step(store, st, err) < 0)
			return -1;
		sqlite3_reset(st);
	}
	return 0;
}

int sl_stats_batch_begin(struct sl_store *store, struct sl_stats_batch *b, struct sl_error *err)
{
	/* outside a transaction the flag would be committed at once, for every connection */
	if (sqlite3_get_autocommit(sl_store_db(store))) {
		sl_error_set(err, "internal error: statistics deferred outside a transaction");
		return -1;
	}
	sl_stats_batch_reset(b);
	return set_deferred(store, true, err);
}

int sl_stats_batch_replace(struct sl_store *store, struct sl_stats_batch *b, sqlite3_stmt *replace,
			   struct sl_error *err)
{
	/* Turning them on makes SQLite prepare every statement of the connection again: once a
	 * transaction, not per row (a resume replaces many). */
	sqlite3 *db = sl_store_db(store);
	int on = 1;
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, -1, &on);
	if (!on) {
		sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 1, (int *)NULL);
		b->triggers_back_off = db;
	}
	if (set_deferred(store, false, err) != 0)
		return -1;
	int rc = sl_store_step(store, replace, err);
	sqlite3_reset(replace);
	if (rc < 0)
		return -1;
	return set_deferred(store, true, err);
}

void sl_stats_batch_add_cell(struct sl_stats_batch *b, const struct sl_cell_stat *c)
{
	struct group *g = find(b, G_CELL, c->run_id, c->model_idx, c->prompt_idx, NULL);
	bool ok = !c->error, has_cost = !isnan(c->cost);
	g->c[0]++;
	g->c[1] += c->error;
	g->c[2] += c->cached;
	if (ok) {
		g->c[3] += !isnan(c->latency_ms);
		g->c[4] += !isnan(c->ttft_ms);
		g->c[5] += has_cost;
		g->s[0] += isnan(c->latency_ms) ? 0 : c->latency_ms;
		g->s[1] += has_cost ? c->cost : 0;
		double ttft = isnan(c->ttft_ms) ? 0 : c->ttft_ms;
		if (c->tokens_out > 0 && !isnan(c->latency_ms) && c->latency_ms > ttft) {
			g->s[2] += (double)c->tokens_out;
			g->s[3] += c->latency_ms - ttft;
		} else if (c->tokens_out > 0) {
			g->s[6] += (double)c->tokens_out;
		}
	}
	if (has_cost && c->error)
		g->s[4] += c->cost;
	if (has_cost && c->cached)
		g->s[5] += c->cost;
	if (c->reported_model)
		find(b, G_REPORTED, c->run_id, c->model_idx, 0, c->reported_model)->c[0]++;
}

void sl_stats_batch_add_score(struct sl_stats_batch *b, int64_t run_id, const char *metric,
			      int model_idx, int prompt_idx, bool proportion, double value)
{
	struct group *g = find(b, G_SCORE, run_id, model_idx, prompt_idx, metric);
	if (g->c[0] + g->c[1] == 0)
		g->proportion = proportion; /* score_stats keeps the kind of the first row */
	if (isnan(value)) {
		g->c[1]++;
		return;
	}
	if (g->c[0]++ == 0 || value < g->s[2])
		g->s[2] = value;
	if (g->c[0] == 1 || value > g->s[3])
		g->s[3] = value;
	g->s[0] += value;
	g->s[1] += value * value;
}

static int write_group(struct sl_store *store, const struct group *g, struct sl_error *err)
{
	sqlite3_stmt *st;
	switch (g->kind) {
	case G_CELL:
		st = sl_store_prepare(store,
			"INSERT INTO cell_stats (run_id, model_idx, prompt_idx, n, n_err, n_cached,"
			" n_lat, n_ttft, n_cost, sum_lat, sum_cost, sum_tok, sum_gen_ms, cost_err,"
			" cost_cached, tok_rest) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
			" ?12, ?13, ?14, ?15, ?16) ON CONFLICT DO UPDATE SET n = n + excluded.n, n_err = n_err +"
			" excluded.n_err, n_cached = n_cached + excluded.n_cached, n_lat = n_lat +"
			" excluded.n_lat, n_ttft = n_ttft + excluded.n_ttft, n_cost = n_cost +"
			" excluded.n_cost, sum_lat = sum_lat + excluded.sum_lat, sum_cost = sum_cost +"
			" excluded.sum_cost, sum_tok = sum_tok + excluded.sum_tok, sum_gen_ms ="
			" sum_gen_ms + excluded.sum_gen_ms, cost_err = cost_err + excluded.cost_err,"
			" cost_cached = cost_cached + excluded.cost_cached, tok_rest = tok_rest +"
			" excluded.tok_rest", err);
		if (!st)
			return -1;
		for (int i = 0; i < 6; i++) {
			sqlite3_bind_int64(st, 4 + i, g->c[i]);
			sqlite3_bind_double(st, 10 + i, g->s[i]);
		}
		sqlite3_bind_double(st, 16, g->s[6]);
		break;
	case G_REPORTED:
		st = sl_store_prepare(store,
			"INSERT INTO cell_reported (run_id, model_idx, reported_model, n) VALUES (?1,"
			" ?2, ?4, ?5) ON CONFLICT DO UPDATE SET n = n + excluded.n", err);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 5, g->c[0]);
		break;
	case G_SCORE:
		st = sl_store_prepare(store,
			"INSERT INTO score_stats (run_id, model_idx, prompt_idx, metric, kind, n, sum,"
			" sumsq, n_null, vmin, vmax) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
			" ?11) ON CONFLICT DO UPDATE SET n = n + excluded.n, sum = sum + excluded.sum,"
			" sumsq = sumsq + excluded.sumsq, n_null = n_null + excluded.n_null, vmin ="
			" CASE WHEN excluded.n = 0 THEN vmin WHEN n = 0 THEN excluded.vmin ELSE"
			" min(vmin, excluded.vmin) END, vmax = CASE WHEN excluded.n = 0 THEN vmax WHEN"
			" n = 0 THEN excluded.vmax ELSE max(vmax, excluded.vmax) END", err);
		if (!st)
			return -1;
		sqlite3_bind_text(st, 5, g->proportion ? "proportion" : "mean", -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, g->c[0]);
		sqlite3_bind_double(st, 7, g->s[0]);
		sqlite3_bind_double(st, 8, g->s[1]);
		sqlite3_bind_int64(st, 9, g->c[1]);
		for (int i = 0; i < 2; i++)
			if (g->c[0])
				sqlite3_bind_double(st, 10 + i, g->s[2 + i]);
			else
				sqlite3_bind_null(st, 10 + i);
		break;
	default:
		return -1;
	}
	sqlite3_bind_int64(st, 1, g->run_id);
	sqlite3_bind_int(st, 2, g->m);
	if (g->kind != G_REPORTED)
		sqlite3_bind_int(st, 3, g->p);
	if (g->name)
		sqlite3_bind_text(st, 4, g->name, -1, SQLITE_STATIC);
	int rc = sl_store_step(store, st, err);
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

int sl_stats_batch_write(struct sl_store *store, struct sl_stats_batch *b, struct sl_error *err)
{
	for (size_t i = 0; i < b->n; i++)
		if (write_group(store, &b->groups[i], err) != 0)
			return -1;
	sl_stats_batch_reset(b);
	return set_deferred(store, false, err);
}

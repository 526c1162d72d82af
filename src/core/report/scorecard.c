/* The scorecard. Counts, sums and means come from cell_stats / score_stats, which triggers
 * keep up to date as cells and scores are written (schema.c), so they cost a few hundred
 * rows whatever the size of the run; percentiles read the two neighbouring values straight
 * off the partial indexes cells_latency / cells_ttft (walking from whichever end is nearer;
 * a model's per-prompt rows in one walk each way), so a million cells never leave SQLite,
 * and a large row keeps them in cell_percentiles for the next build (exact values, not an
 * estimate). Only a non-binary
 * quality metric's bootstrap reads its values, at most SL_BOOTSTRAP_MAX_N of them: above
 * that the normal interval (which the bootstrap converges to, stats.h says how closely) comes
 * from the sums, labelled as such, and below it values that repeat are resampled as a
 * histogram, so the cost is bounded whatever the size of the run. */
#include "shortlist/scorecard.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "shortlist/format.h"
#include "shortlist/report.h"
#include "shortlist/runs.h"
#include "shortlist/stats.h"
#include "shortlist/suite.h"

/* Below this many latencies + TTFTs in a row, walking the index is cheaper than keeping
 * the result (a p50 walks n/2 entries: ~0.1 ms per thousand). */
#define PCT_KEEP_MIN 4096
#define HUMAN_METRIC "human"

const char *const sl_scorecard_builtin_metrics[] = {
	"n", "errors", "error_rate", "p50_latency", "p95_latency", "p99_latency", "mean_latency",
	"p50_ttft", "p95_ttft", "tokens_per_s", "cost_per_request", "cost_per_1k", "total_cost",
	NULL,
};

static void row_free(struct sl_scorecard_row *r)
{
	free(r->model);
	free(r->prompt);
	for (size_t i = 0; i < r->n_metrics; i++)
		free(r->metrics[i].name);
	free(r->metrics);
}

void sl_scorecard_free(struct sl_scorecard *sc)
{
	for (size_t i = 0; i < sc->n_rows; i++)
		row_free(&sc->rows[i]);
	free(sc->rows);
	free(sc->headline);
	free(sc->price_hint);
	free(sc->batch_note);
	free(sc->only_prompt);
	memset(sc, 0, sizeof *sc);
}

/* ---- percentiles off the index ---- */

static const char *const pct_sql[2][2][2] = {
	/* [ttft][per prompt][descending] */
	{ { "SELECT latency_ms FROM cells INDEXED BY cells_latency WHERE run_id = ?1 AND "
	    "model_idx = ?2 AND error_kind IS NULL AND latency_ms IS NOT NULL "
	    "ORDER BY latency_ms LIMIT 2 OFFSET ?3",
	    "SELECT latency_ms FROM cells INDEXED BY cells_latency WHERE run_id = ?1 AND "
	    "model_idx = ?2 AND error_kind IS NULL AND latency_ms IS NOT NULL "
	    "ORDER BY latency_ms DESC LIMIT 2 OFFSET ?3" },
	  { "SELECT latency_ms FROM cells INDEXED BY cells_latency WHERE run_id = ?1 AND "
	    "model_idx = ?2 AND prompt_idx = ?4 AND error_kind IS NULL AND latency_ms IS NOT NULL "
	    "ORDER BY latency_ms LIMIT 2 OFFSET ?3",
	    "SELECT latency_ms FROM cells INDEXED BY cells_latency WHERE run_id = ?1 AND "
	    "model_idx = ?2 AND prompt_idx = ?4 AND error_kind IS NULL AND latency_ms IS NOT NULL "
	    "ORDER BY latency_ms DESC LIMIT 2 OFFSET ?3" } },
	{ { "SELECT ttft_ms FROM cells INDEXED BY cells_ttft WHERE run_id = ?1 AND "
	    "model_idx = ?2 AND error_kind IS NULL AND ttft_ms IS NOT NULL "
	    "ORDER BY ttft_ms LIMIT 2 OFFSET ?3",
	    "SELECT ttft_ms FROM cells INDEXED BY cells_ttft WHERE run_id = ?1 AND "
	    "model_idx = ?2 AND error_kind IS NULL AND ttft_ms IS NOT NULL "
	    "ORDER BY ttft_ms DESC LIMIT 2 OFFSET ?3" },
	  { "SELECT ttft_ms FROM cells INDEXED BY cells_ttft WHERE run_id = ?1 AND "
	    "model_idx = ?2 AND prompt_idx = ?4 AND error_kind IS NULL AND ttft_ms IS NOT NULL "
	    "ORDER BY ttft_ms LIMIT 2 OFFSET ?3",
	    "SELECT ttft_ms FROM cells INDEXED BY cells_ttft WHERE run_id = ?1 AND "
	    "model_idx = ?2 AND prompt_idx = ?4 AND error_kind IS NULL AND ttft_ms IS NOT NULL "
	    "ORDER BY ttft_ms DESC LIMIT 2 OFFSET ?3" } },
};

/* The p-th percentile from x[lo] and x[lo + 1] (numpy "linear"), in seconds. */
static double interpolate(int64_t n, double p, double a, double b)
{
	double rank = p / 100.0 * (double)(n - 1);
	return (a + (rank - floor(rank)) * (b - a)) / 1000.0;
}

/* numpy "linear" percentile of the n non-NULL values, in seconds. */
static int percentile(struct sl_store *store, int64_t run, const struct sl_scorecard_row *row,
		      bool ttft, int64_t n, double p, double *out, struct sl_error *err)
{
	*out = NAN;
	if (n <= 0)
		return 0;
	int64_t lo = (int64_t)floor(p / 100.0 * (double)(n - 1));
	bool desc = lo > n / 2;
	/* Descending, x[lo] and x[lo+1] are at positions n-1-lo and n-2-lo. */
	int64_t offset = desc ? (lo + 1 < n ? n - 2 - lo : 0) : lo;
	bool per_prompt = row->prompt_idx >= 0;
	sqlite3_stmt *st = sl_store_prepare(store, pct_sql[ttft][per_prompt][desc], err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int(st, 2, row->model_idx);
	sqlite3_bind_int64(st, 3, offset);
	if (per_prompt)
		sqlite3_bind_int(st, 4, row->prompt_idx);
	double v[2] = { NAN, NAN };
	int got = 0, rc;
	while (got < 2 && (rc = sl_store_step(store, st, err)) == SQLITE_ROW)
		v[got++] = sqlite3_column_double(st, 0);
	if (got == 0 && rc < 0)
		return -1;
	sqlite3_reset(st);
	double a, b;
	if (!desc) {
		a = v[0];
		b = got > 1 ? v[1] : v[0];
	} else if (lo + 1 < n) {
		a = v[1];
		b = v[0];
	} else {
		a = b = v[0];
	}
	*out = interpolate(n, p, a, b);
	return 0;
}

/* The per-prompt rows of one model, all at once: each of their percentiles needs the values
 * at two ranks of its prompt's cells, but the indexes hold a model's values, not a prompt's,
 * so a walk for one prompt's rank passes (and reads the row of) every other prompt's cell
 * below it: P prompts walked that way cost P walks of the model's cells. One walk up to the
 * highest rank wanted in the lower halves and one down to the lowest in the upper halves
 * serve every prompt: about half the model's cells, however many prompts. Exact: the same
 * ranks as percentile() reads. */
static const char *const walk_sql[2][2] = {
	/* [ttft][descending] */
	{ "SELECT latency_ms, prompt_idx FROM cells INDEXED BY cells_latency WHERE run_id = ?1 "
	  "AND model_idx = ?2 AND error_kind IS NULL AND latency_ms IS NOT NULL ORDER BY latency_ms",
	  "SELECT latency_ms, prompt_idx FROM cells INDEXED BY cells_latency WHERE run_id = ?1 "
	  "AND model_idx = ?2 AND error_kind IS NULL AND latency_ms IS NOT NULL "
	  "ORDER BY latency_ms DESC" },
	{ "SELECT ttft_ms, prompt_idx FROM cells INDEXED BY cells_ttft WHERE run_id = ?1 "
	  "AND model_idx = ?2 AND error_kind IS NULL AND ttft_ms IS NOT NULL ORDER BY ttft_ms",
	  "SELECT ttft_ms, prompt_idx FROM cells INDEXED BY cells_ttft WHERE run_id = ?1 "
	  "AND model_idx = ?2 AND error_kind IS NULL AND ttft_ms IS NOT NULL "
	  "ORDER BY ttft_ms DESC" },
};

#define N_PCT 5

/* A prompt's values in one walk: how many, how many seen each way, and for each percentile
 * the ranks (ascending) of the two values it interpolates, and those values. */
struct pct_walk {
	int64_t n, seen[2];
	int64_t rank[N_PCT][2];
	double x[N_PCT][2];
};

/* The walk that reads rank k of n: from the nearer end. */
static int walk_dir(int64_t k, int64_t n)
{
	return k > n / 2;
}

static int walk_model(struct sl_store *store, int64_t run, int model, bool ttft,
		      struct pct_walk *w, size_t n_w, struct sl_error *err)
{
	for (int desc = 0; desc < 2; desc++) {
		int64_t left = 0;
		for (size_t p = 0; p < n_w; p++)
			for (int i = 0; w[p].n > 0 && i < N_PCT; i++)
				for (int j = 0; j < 2; j++)
					left += walk_dir(w[p].rank[i][j], w[p].n) == desc;
		if (!left)
			continue;
		sqlite3_stmt *st = sl_store_prepare(store, walk_sql[ttft][desc], err);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, run);
		sqlite3_bind_int(st, 2, model);
		int rc;
		while (left > 0 && (rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
			int p = sqlite3_column_int(st, 1);
			if (p < 0 || (size_t)p >= n_w || w[p].n <= 0)
				continue;
			int64_t k = w[p].seen[desc]++;
			if (desc)
				k = w[p].n - 1 - k;
			for (int i = 0; i < N_PCT; i++)
				for (int j = 0; j < 2; j++)
					if (w[p].rank[i][j] == k && walk_dir(k, w[p].n) == desc) {
						w[p].x[i][j] = sqlite3_column_double(st, 0);
						left--;
					}
		}
		sqlite3_reset(st);
		if (left > 0 && rc < 0)
			return -1;
	}
	return 0;
}

/* ---- rows ---- */

static struct sl_scorecard_row *add_row(struct sl_scorecard *sc, size_t *cap)
{
	if (sc->n_rows == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		sc->rows = sl_xrealloc(sc->rows, *cap * sizeof *sc->rows);
	}
	struct sl_scorecard_row *r = &sc->rows[sc->n_rows++];
	memset(r, 0, sizeof *r);
	r->latency_p50 = r->latency_p95 = r->latency_p99 = r->latency_mean = NAN;
	r->latency_min = r->latency_max = r->ttft_min = r->ttft_p99 = r->ttft_max = NAN;
	r->ttft_p50 = r->ttft_p95 = r->tokens_per_s = NAN;
	r->cost_total = r->cost_per_request = r->cost_per_1k = NAN;
	r->error_rate = NAN;
	r->judge_cost = 0;
	return r;
}

static const char *const agg_sql[2] = {
	"SELECT model_idx, -1, SUM(n), SUM(n_err), SUM(n_cached), SUM(sum_lat), SUM(n_cost),"
	" SUM(sum_cost), SUM(sum_tok), SUM(sum_gen_ms), SUM(n_lat), SUM(n_ttft)"
	" FROM cell_stats WHERE run_id = ?1 GROUP BY model_idx HAVING SUM(n) > 0"
	" ORDER BY model_idx",
	"SELECT model_idx, prompt_idx, n, n_err, n_cached, sum_lat, n_cost, sum_cost, sum_tok,"
	" sum_gen_ms, n_lat, n_ttft FROM cell_stats WHERE run_id = ?1 AND n > 0"
	" ORDER BY model_idx, prompt_idx",
};

/* What a row's percentiles were computed from: any cell with a latency that is added,
 * replaced or deleted changes it (cell_stats). */
struct pct_key {
	int64_t n_lat, n_ttft;
	double sum_lat, sum_gen_ms;
};

/* latency then TTFT: min, p50, p95, p99, max (seconds) */
static const double pct_at[5] = { 0, 50, 95, 99, 100 };

static double *pct_slot(struct sl_scorecard_row *r, int i)
{
	double *slots[10] = { &r->latency_min, &r->latency_p50, &r->latency_p95, &r->latency_p99,
			      &r->latency_max, &r->ttft_min, &r->ttft_p50, &r->ttft_p95,
			      &r->ttft_p99, &r->ttft_max };
	return slots[i];
}

static void bind_pct_key(sqlite3_stmt *st, int64_t run, const struct sl_scorecard_row *r,
			 const struct pct_key *k)
{
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int(st, 2, r->model_idx);
	sqlite3_bind_int(st, 3, r->prompt_idx);
	sqlite3_bind_int64(st, 4, k->n_lat);
	sqlite3_bind_double(st, 5, k->sum_lat);
	sqlite3_bind_int64(st, 6, k->n_ttft);
	sqlite3_bind_double(st, 7, k->sum_gen_ms);
}

static bool kept_percentiles(struct sl_store *store, int64_t run, struct sl_scorecard_row *r,
			     const struct pct_key *k)
{
	sqlite3_stmt *st = sl_store_prepare(store,
		"SELECT lat_min, lat_p50, lat_p95, lat_p99, lat_max, ttft_min, ttft_p50, ttft_p95,"
		" ttft_p99, ttft_max FROM cell_percentiles WHERE run_id = ?1 AND model_idx = ?2 AND"
		" prompt_idx = ?3 AND n_lat = ?4 AND sum_lat = ?5 AND n_ttft = ?6 AND"
		" sum_gen_ms = ?7", NULL);
	if (!st)
		return false;
	bind_pct_key(st, run, r, k);
	bool hit = sl_store_step(store, st, NULL) == SQLITE_ROW;
	for (int i = 0; hit && i < 10; i++)
		*pct_slot(r, i) = sqlite3_column_type(st, i) == SQLITE_NULL
			? NAN : sqlite3_column_double(st, i);
	sqlite3_reset(st);
	return hit;
}

/* Keeping a computed figure is best effort, never waiting: not inside a caller's
 * transaction (the TUI's live run), not on a read-only store, not while another process
 * writes (the next build computes it again). keep_begin gives the statement to bind inside
 * a transaction (or NULL), keep_end runs it and commits. */
static sqlite3_stmt *keep_begin(struct sl_store *store, const char *sql)
{
	sqlite3 *db = sl_store_db(store);
	if (!sqlite3_get_autocommit(db) || sqlite3_db_readonly(db, "main") != 0 ||
	    sl_store_try_begin(store, NULL) != 0)
		return NULL;
	sqlite3_stmt *st = sl_store_prepare(store, sql, NULL);
	if (!st)
		sl_store_rollback(store);
	return st;
}

static void keep_end(struct sl_store *store, sqlite3_stmt *st)
{
	int rc = sl_store_step(store, st, NULL);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE || sl_store_commit(store, NULL) != 0)
		sl_store_rollback(store);
}

static void keep_percentiles(struct sl_store *store, int64_t run, struct sl_scorecard_row *r,
			     const struct pct_key *k)
{
	sqlite3_stmt *st = keep_begin(store,
		"INSERT OR REPLACE INTO cell_percentiles (run_id, model_idx, prompt_idx, n_lat,"
		" sum_lat, n_ttft, sum_gen_ms, lat_min, lat_p50, lat_p95, lat_p99, lat_max,"
		" ttft_min, ttft_p50, ttft_p95, ttft_p99, ttft_max) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
		" ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)");
	if (!st)
		return;
	bind_pct_key(st, run, r, k);
	for (int i = 0; i < 10; i++) {
		double v = *pct_slot(r, i);
		if (isnan(v))
			sqlite3_bind_null(st, 8 + i);
		else
			sqlite3_bind_double(st, 8 + i, v);
	}
	keep_end(store, st);
}

static bool keeps(const struct pct_key *k)
{
	return k->n_lat + k->n_ttft >= PCT_KEEP_MIN;
}

static int row_percentiles(struct sl_store *store, int64_t run, struct sl_scorecard_row *r,
			   const struct pct_key *k, struct sl_error *err)
{
	if (keeps(k) && kept_percentiles(store, run, r, k))
		return 0;
	for (int i = 0; i < 10; i++)
		if (percentile(store, run, r, i >= 5, i < 5 ? k->n_lat : k->n_ttft, pct_at[i % 5],
			       pct_slot(r, i), err))
			return -1;
	if (keeps(k))
		keep_percentiles(store, run, r, k);
	return 0;
}

/* The per-prompt rows[0..n) (by model, then prompt) of a run: a model's rows not kept
 * before are computed in its one walk each way (walk_model). */
static int prompt_row_percentiles(struct sl_store *store, int64_t run,
				  struct sl_scorecard_row *rows, const struct pct_key *keys,
				  size_t n, struct sl_error *err)
{
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i; j < n && rows[j].model_idx == rows[i].model_idx; j++)
			;
		if (rows[i].prompt_idx < 0) { /* not a prompt of the run: walked alone */
			if (row_percentiles(store, run, &rows[i], &keys[i], err))
				return -1;
			j = i + 1;
			continue;
		}
		size_t n_w = (size_t)rows[j - 1].prompt_idx + 1;
		struct pct_walk *w[2] = { sl_xcalloc(n_w, sizeof *w[0]),
					  sl_xcalloc(n_w, sizeof *w[1]) };
		bool *todo = sl_xcalloc(j - i, sizeof *todo);
		for (size_t k = i; k < j; k++) {
			todo[k - i] = !keeps(&keys[k]) || !kept_percentiles(store, run, &rows[k],
									    &keys[k]);
			for (int t = 0; todo[k - i] && t < 2; t++) {
				struct pct_walk *pw = &w[t][rows[k].prompt_idx];
				pw->n = t ? keys[k].n_ttft : keys[k].n_lat;
				for (int q = 0; q < N_PCT; q++) {
					int64_t lo = (int64_t)floor(pct_at[q] / 100.0 *
								    (double)(pw->n - 1));
					pw->rank[q][0] = lo;
					pw->rank[q][1] = lo + 1 < pw->n ? lo + 1 : lo;
					pw->x[q][0] = pw->x[q][1] = NAN;
				}
			}
		}
		int rc = walk_model(store, run, rows[i].model_idx, false, w[0], n_w, err);
		if (rc == 0)
			rc = walk_model(store, run, rows[i].model_idx, true, w[1], n_w, err);
		for (size_t k = i; rc == 0 && k < j; k++) {
			if (!todo[k - i])
				continue;
			for (int t = 0; t < 2; t++) {
				const struct pct_walk *pw = &w[t][rows[k].prompt_idx];
				for (int q = 0; q < N_PCT; q++)
					*pct_slot(&rows[k], t * N_PCT + q) =
						pw->n > 0 ? interpolate(pw->n, pct_at[q], pw->x[q][0],
									pw->x[q][1])
							  : NAN;
			}
			if (keeps(&keys[k]))
				keep_percentiles(store, run, &rows[k], &keys[k]);
		}
		free(w[0]);
		free(w[1]);
		free(todo);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static int load_rows(struct sl_store *store, int64_t run, bool per_prompt, char **model_names,
		     size_t n_model_names, char **prompt_names, size_t n_prompt_names,
		     struct sl_scorecard *sc, size_t *cap, struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store, agg_sql[per_prompt], err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	size_t first = sc->n_rows;
	struct pct_key *keys = NULL;
	int rc;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		struct sl_scorecard_row *r = add_row(sc, cap);
		r->model_idx = sqlite3_column_int(st, 0);
		r->prompt_idx = sqlite3_column_int(st, 1);
		r->model = sl_xstrdup((size_t)r->model_idx < n_model_names ? model_names[r->model_idx]
									   : "?");
		if (per_prompt)
			r->prompt = sl_xstrdup((size_t)r->prompt_idx < n_prompt_names
						       ? prompt_names[r->prompt_idx]
						       : "?");
		r->n = sqlite3_column_int64(st, 2);
		r->n_errors = sqlite3_column_int64(st, 3);
		r->n_cached = sqlite3_column_int64(st, 4);
		r->n_ok = r->n - r->n_errors;
		r->error_rate = r->n ? (double)r->n_errors / (double)r->n : NAN;
		/* Latency and TTFT counts per row, needed for the percentiles after the scan. */
		keys = sl_xrealloc(keys, (sc->n_rows - first) * sizeof *keys);
		struct pct_key *k = &keys[sc->n_rows - first - 1];
		*k = (struct pct_key){ sqlite3_column_int64(st, 10), sqlite3_column_int64(st, 11),
				       sqlite3_column_double(st, 5), sqlite3_column_double(st, 9) };
		r->n_latency = k->n_lat;
		r->n_ttft = k->n_ttft;
		if (k->n_lat > 0)
			r->latency_mean = k->sum_lat / (double)k->n_lat / 1000.0;
		r->n_cost_unknown = r->n_ok - sqlite3_column_int64(st, 6);
		r->cost_known = sqlite3_column_double(st, 7);
		if (r->n_ok > 0 && r->n_cost_unknown == 0) {
			r->cost_total = r->cost_known;
			r->cost_per_request = r->cost_total / (double)r->n_ok;
			r->cost_per_1k = r->cost_per_request * 1000;
		}
		double toks = sqlite3_column_double(st, 8), gen_ms = k->sum_gen_ms;
		if (toks > 0 && gen_ms > 0)
			r->tokens_per_s = toks / (gen_ms / 1000.0);
	}
	sqlite3_reset(st);
	if (per_prompt && rc >= 0)
		rc = prompt_row_percentiles(store, run, &sc->rows[first], keys, sc->n_rows - first,
					    err);
	for (size_t i = first; !per_prompt && rc >= 0 && i < sc->n_rows; i++)
		if (row_percentiles(store, run, &sc->rows[i], &keys[i - first], err))
			rc = -1;
	free(keys);
	return rc < 0 ? -1 : 0;
}

int sl_scorecard_dist(struct sl_store *store, const struct sl_scorecard *sc,
		      const struct sl_scorecard_row *row, bool ttft, struct sl_dist *out,
		      struct sl_error *err)
{
	(void)store; /* the build read them all */
	(void)sc;
	(void)err;
	*out = ttft ? (struct sl_dist){ row->n_ttft, row->ttft_min, row->ttft_p50, row->ttft_p95,
					row->ttft_p99, row->ttft_max }
		    : (struct sl_dist){ row->n_latency, row->latency_min, row->latency_p50,
					row->latency_p95, row->latency_p99, row->latency_max };
	return 0;
}

int sl_scorecard_cell_scores(struct sl_store *store, int64_t run_id, int model_idx,
			     int prompt_idx, int case_idx, int sample, struct sl_cell_score **out,
			     size_t *n_out, struct sl_error *err)
{
	*out = NULL;
	*n_out = 0;
	sqlite3_stmt *st = sl_store_prepare(store,
		/* by metric: the primary key starts (run_id, metric), so one lookup each */
		"SELECT metric, value, detail FROM cell_scores WHERE run_id = ?1 AND metric IN"
		" (SELECT DISTINCT metric FROM score_stats WHERE run_id = ?1) AND model_idx = ?2"
		" AND prompt_idx = ?3 AND case_idx = ?4 AND sample = ?5 ORDER BY metric", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int(st, 2, model_idx);
	sqlite3_bind_int(st, 3, prompt_idx);
	sqlite3_bind_int(st, 4, case_idx);
	sqlite3_bind_int(st, 5, sample);
	int rc;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		*out = sl_xrealloc(*out, (*n_out + 1) * sizeof **out);
		struct sl_cell_score *cs = &(*out)[(*n_out)++];
		cs->metric = sl_xstrdup(sl_col_text(st, 0));
		cs->value = sqlite3_column_type(st, 1) == SQLITE_NULL ? NAN
								      : sqlite3_column_double(st, 1);
		cs->detail = sqlite3_column_type(st, 2) == SQLITE_NULL
			? NULL : sl_xstrdup(sl_col_text(st, 2));
	}
	sqlite3_reset(st);
	if (rc < 0) {
		sl_cell_scores_free(*out, *n_out);
		*out = NULL;
		*n_out = 0;
		return -1;
	}
	return 0;
}

double sl_scorecard_cell_score(struct sl_store *store, int64_t run_id, const char *metric,
			      int model_idx, int prompt_idx, int case_idx, int sample)
{
	sqlite3_stmt *st = sl_store_prepare(store,
		"SELECT value FROM cell_scores WHERE run_id = ?1 AND metric = ?2 AND model_idx = ?3"
		" AND prompt_idx = ?4 AND case_idx = ?5 AND sample = ?6", NULL);
	if (!st)
		return NAN;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, metric, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, model_idx);
	sqlite3_bind_int(st, 4, prompt_idx);
	sqlite3_bind_int(st, 5, case_idx);
	sqlite3_bind_int(st, 6, sample);
	double v = sl_store_step(store, st, NULL) == SQLITE_ROW &&
			   sqlite3_column_type(st, 0) != SQLITE_NULL
		? sqlite3_column_double(st, 0) : NAN;
	sqlite3_reset(st);
	return v;
}

void sl_cell_scores_free(struct sl_cell_score *scores, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(scores[i].metric);
		free(scores[i].detail);
	}
	free(scores);
}

/* ---- quality metrics ---- */

static int load_metric_names(struct sl_store *store, int64_t run, char ***names, int **kinds,
			     size_t *n, struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store,
		"SELECT metric, MIN(kind) FROM score_stats WHERE run_id = ?1 GROUP BY metric "
		"HAVING SUM(n + n_null) > 0 ORDER BY metric", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	int rc;
	*n = 0;
	*names = NULL;
	*kinds = NULL;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		*names = sl_xrealloc(*names, (*n + 1) * sizeof **names);
		*kinds = sl_xrealloc(*kinds, (*n + 1) * sizeof **kinds);
		(*names)[*n] = sl_xstrdup(sl_col_text(st, 0));
		(*kinds)[*n] = strcmp(sl_col_text(st, 1), "proportion") == 0 ? SL_METRIC_PROPORTION
									      : SL_METRIC_MEAN;
		(*n)++;
	}
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	/* Human ratings (shortlist rate / ratings import) are a quality metric like the others. */
	st = sl_store_prepare(store, "SELECT EXISTS (SELECT 1 FROM ratings WHERE run_id = ?1)", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	rc = sl_store_step(store, st, err);
	bool rated = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	for (size_t i = 0; rated && i < *n; i++)
		rated = strcmp((*names)[i], HUMAN_METRIC) != 0;
	if (rated) {
		*names = sl_xrealloc(*names, (*n + 1) * sizeof **names);
		*kinds = sl_xrealloc(*kinds, (*n + 1) * sizeof **kinds);
		(*names)[*n] = sl_xstrdup(HUMAN_METRIC);
		(*kinds)[*n] = SL_METRIC_MEAN;
		(*n)++;
	}
	return 0;
}

/* The human metric of a row: each cell's rating averaged over its raters, then the mean of
 * the cells with a bootstrap interval (the normal one above SL_BOOTSTRAP_MAX_N cells, as
 * for scores: only that many values are kept). */
static int load_human(struct sl_store *store, int64_t run, struct sl_scorecard_row *r,
		      struct sl_metric_value *mv, struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store, r->prompt_idx < 0
		? "SELECT AVG(score) FROM ratings WHERE run_id = ?1 AND model_idx = ?2"
		  " GROUP BY prompt_idx, case_idx, sample"
		: "SELECT AVG(score) FROM ratings WHERE run_id = ?1 AND model_idx = ?2"
		  " AND prompt_idx = ?3 GROUP BY case_idx, sample", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int(st, 2, r->model_idx);
	if (r->prompt_idx >= 0)
		sqlite3_bind_int(st, 3, r->prompt_idx);
	double *x = NULL, sum = 0, sumsq = 0, vmin = NAN, vmax = NAN;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		double v = sqlite3_column_double(st, 0);
		vmin = n && vmin < v ? vmin : v;
		vmax = n && vmax > v ? vmax : v;
		if (n < SL_BOOTSTRAP_MAX_N) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				x = sl_xrealloc(x, cap * sizeof *x);
			}
			x[n] = v;
		}
		n++;
		sum += v;
		sumsq += v * v;
	}
	sqlite3_reset(st);
	if (rc < 0) {
		free(x);
		return -1;
	}
	mv->n = (int64_t)n;
	struct sl_interval iv;
	const char *how = n ? sl_stats_bounded_mean(n, sum, sumsq, vmin, vmax, SL_Z95, &iv) : NULL;
	if (how) {
		mv->value = iv.estimate;
		mv->lo = iv.lo;
		mv->hi = iv.hi;
		mv->method = how;
	} else if (n) {
		iv = sl_stats_bootstrap_mean_grouped(x, n, SL_BOOTSTRAP_RESAMPLES, 0.95,
						     SL_BOOTSTRAP_SEED);
		mv->value = iv.estimate;
		mv->lo = n > 1 ? iv.lo : iv.estimate;
		mv->hi = n > 1 ? iv.hi : iv.estimate;
	}
	free(x);
	return 0;
}

static struct sl_scorecard_row *find_row(struct sl_scorecard *sc, int model_idx, int prompt_idx)
{
	for (size_t i = 0; i < sc->n_rows; i++)
		if (sc->rows[i].model_idx == model_idx && sc->rows[i].prompt_idx == prompt_idx)
			return &sc->rows[i];
	return NULL;
}

/* A bootstrap interval costs up to resamples x SL_BOOTSTRAP_MAX_N draws (tens of
 * milliseconds), so the first build keeps it in score_intervals for the next ones. It is
 * used while the metric's count, sum and sum of squares are those it was computed from. */
/* ?1-?8 of score_intervals: the row, and the figures its interval was computed from */
static void bind_interval_key(sqlite3_stmt *st, int64_t run, const char *metric,
			      const struct sl_scorecard_row *row, int64_t n, double sum,
			      double sumsq)
{
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, metric, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, row->model_idx);
	sqlite3_bind_int(st, 4, row->prompt_idx);
	sqlite3_bind_int64(st, 5, n);
	sqlite3_bind_double(st, 6, sum);
	sqlite3_bind_double(st, 7, sumsq);
	sqlite3_bind_int(st, 8, SL_BOOTSTRAP_RESAMPLES);
}

static bool cached_interval(struct sl_store *store, int64_t run, const char *metric,
			    const struct sl_scorecard_row *row, double sum, double sumsq,
			    struct sl_metric_value *mv)
{
	sqlite3_stmt *st = sl_store_prepare(store,
		"SELECT lo, hi FROM score_intervals WHERE run_id = ?1 AND metric = ?2 AND "
		"model_idx = ?3 AND prompt_idx = ?4 AND n = ?5 AND sum = ?6 AND sumsq = ?7 AND "
		"resamples = ?8", NULL);
	if (!st)
		return false;
	bind_interval_key(st, run, metric, row, mv->n, sum, sumsq);
	bool hit = sl_store_step(store, st, NULL) == SQLITE_ROW;
	if (hit) {
		mv->lo = sqlite3_column_double(st, 0);
		mv->hi = sqlite3_column_double(st, 1);
	}
	sqlite3_reset(st);
	return hit;
}

static void keep_interval(struct sl_store *store, int64_t run, const char *metric,
			  const struct sl_scorecard_row *row, double sum, double sumsq,
			  const struct sl_metric_value *mv)
{
	sqlite3_stmt *st = keep_begin(store,
		"INSERT OR REPLACE INTO score_intervals (run_id, metric, model_idx, prompt_idx, n, "
		"sum, sumsq, resamples, lo, hi) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
	if (!st)
		return;
	bind_interval_key(st, run, metric, row, mv->n, sum, sumsq);
	sqlite3_bind_double(st, 9, mv->lo);
	sqlite3_bind_double(st, 10, mv->hi);
	keep_end(store, st);
}

/* A query over a scorecard row's scores: sql[0] for a model's row, sql[1] for a prompt's,
 * bound as ?1 run, ?2 metric, ?3 model, ?4 prompt. */
static sqlite3_stmt *row_scores(struct sl_store *store, const char *const sql[2], int64_t run,
				const char *metric, const struct sl_scorecard_row *row,
				struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store, sql[row->prompt_idx >= 0], err);
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, metric, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, row->model_idx);
	if (row->prompt_idx >= 0)
		sqlite3_bind_int(st, 4, row->prompt_idx);
	return st;
}

static int bootstrap_metric(struct sl_store *store, int64_t run, const char *metric,
			    const struct sl_scorecard_row *row, double sum, double sumsq,
			    struct sl_metric_value *mv, struct sl_error *err)
{
	if (cached_interval(store, run, metric, row, sum, sumsq, mv))
		return 0;
	static const char *const sql[2] = {
		"SELECT value FROM cell_scores WHERE run_id = ?1 AND metric = ?2 AND "
		"model_idx = ?3 AND value IS NOT NULL",
		"SELECT value FROM cell_scores WHERE run_id = ?1 AND metric = ?2 AND "
		"model_idx = ?3 AND prompt_idx = ?4 AND value IS NOT NULL",
	};
	sqlite3_stmt *st = row_scores(store, sql, run, metric, row, err);
	if (!st)
		return -1;
	double *x = sl_xmalloc((size_t)mv->n * sizeof *x);
	size_t k = 0;
	int rc;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW && k < (size_t)mv->n)
		x[k++] = sqlite3_column_double(st, 0);
	sqlite3_reset(st);
	if (rc < 0) {
		free(x);
		return -1;
	}
	struct sl_interval iv = sl_stats_bootstrap_mean_grouped(x, k, SL_BOOTSTRAP_RESAMPLES, 0.95,
								SL_BOOTSTRAP_SEED);
	mv->lo = iv.lo;
	mv->hi = iv.hi;
	free(x);
	if (k == (size_t)mv->n && !isnan(mv->lo) && !isnan(mv->hi))
		keep_interval(store, run, metric, row, sum, sumsq, mv);
	return 0;
}

/* The range of a mean metric's scores that a deletion left unknown (schema.c,
 * report_score_range_v1), found again for every row of the run with one statement and kept;
 * where the store cannot be written, row_range reads it for the scorecard alone. */
#define STALE_RANGE \
	" WHERE run_id = ?1 AND kind = 'mean' AND n > 0 AND (vmin IS NULL OR vmax IS NULL)"
static void repair_ranges(struct sl_store *store, int64_t run)
{
	sqlite3_stmt *st = sl_store_prepare(store,
		"SELECT EXISTS (SELECT 1 FROM score_stats" STALE_RANGE ")", NULL);
	if (!st)
		return;
	sqlite3_bind_int64(st, 1, run);
	bool any = sl_store_step(store, st, NULL) == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (!any)
		return;
	st = keep_begin(store, "UPDATE score_stats SET (vmin, vmax) = (SELECT MIN(c.value),"
			       " MAX(c.value) FROM cell_scores c WHERE c.run_id = score_stats.run_id"
			       " AND c.metric = score_stats.metric AND c.model_idx ="
			       " score_stats.model_idx AND c.prompt_idx = score_stats.prompt_idx)"
			       STALE_RANGE);
	if (!st)
		return;
	sqlite3_bind_int64(st, 1, run);
	keep_end(store, st);
}

static int row_range(struct sl_store *store, int64_t run, const char *metric,
		     const struct sl_scorecard_row *row, double *vmin, double *vmax,
		     struct sl_error *err)
{
	static const char *const sql[2] = {
		"SELECT MIN(value), MAX(value) FROM cell_scores WHERE run_id = ?1 AND metric = ?2"
		" AND model_idx = ?3",
		"SELECT MIN(value), MAX(value) FROM cell_scores WHERE run_id = ?1 AND metric = ?2"
		" AND model_idx = ?3 AND prompt_idx = ?4",
	};
	sqlite3_stmt *st = row_scores(store, sql, run, metric, row, err);
	if (!st)
		return -1;
	int rc = sl_store_step(store, st, err);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*vmin = sqlite3_column_double(st, 0);
		*vmax = sqlite3_column_double(st, 1);
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

static int load_metrics(struct sl_store *store, int64_t run, bool per_prompt,
			char **names, int *kinds, size_t n_names, struct sl_scorecard *sc,
			struct sl_error *err)
{
	/* Every row carries every metric (n = 0 where nothing was scored) so lookups by name
	 * work on any row. */
	for (size_t i = 0; i < sc->n_rows; i++) {
		struct sl_scorecard_row *r = &sc->rows[i];
		if ((r->prompt_idx >= 0) != per_prompt || r->metrics)
			continue;
		r->metrics = sl_xcalloc(n_names ? n_names : 1, sizeof *r->metrics);
		r->n_metrics = n_names;
		for (size_t m = 0; m < n_names; m++) {
			r->metrics[m].name = sl_xstrdup(names[m]);
			r->metrics[m].kind = (enum sl_metric_kind)kinds[m];
			r->metrics[m].value = r->metrics[m].lo = r->metrics[m].hi = NAN;
			r->metrics[m].method = kinds[m] == SL_METRIC_PROPORTION ? "wilson" : "bootstrap";
		}
	}
	repair_ranges(store, run);
	/* columns 11-13: whether the range is known, and the range */
	sqlite3_stmt *st = sl_store_prepare(store, per_prompt
		? "SELECT metric, model_idx, prompt_idx, n, sum, n_null, sumsq, judge_n, judge_cost,"
		  " judge_cost_unknown, judge_cached, NOT (n > 0 AND (vmin IS NULL OR vmax IS"
		  " NULL)), vmin, vmax FROM score_stats WHERE run_id = ?1"
		: "SELECT metric, model_idx, -1, SUM(n), SUM(sum), SUM(n_null), SUM(sumsq),"
		  " SUM(judge_n), SUM(judge_cost), SUM(judge_cost_unknown), SUM(judge_cached),"
		  " SUM(n > 0 AND (vmin IS NULL OR vmax IS NULL)) = 0, MIN(iif(n > 0, vmin, NULL)),"
		  " MAX(iif(n > 0, vmax, NULL)) FROM score_stats WHERE run_id = ?1"
		  " GROUP BY metric, model_idx", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	int rc;
	struct pending {
		struct sl_scorecard_row *row;
		size_t m;
		double sum, sumsq;
	} *boot = NULL;
	size_t n_boot = 0;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		const char *metric = sl_col_text(st, 0);
		struct sl_scorecard_row *r = find_row(sc, sqlite3_column_int(st, 1),
						      sqlite3_column_int(st, 2));
		if (!r)
			continue; /* scores of cells that are gone */
		size_t m = 0;
		while (m < r->n_metrics && strcmp(r->metrics[m].name, metric) != 0)
			m++;
		if (m == r->n_metrics)
			continue;
		struct sl_metric_value *mv = &r->metrics[m];
		mv->n = sqlite3_column_int64(st, 3);
		double sum = sqlite3_column_double(st, 4);
		mv->n_unscored = sqlite3_column_int64(st, 5);
		double sumsq = sqlite3_column_double(st, 6);
		int64_t judge_calls = sqlite3_column_int64(st, 7);
		if (judge_calls) {
			r->judge_calls += judge_calls;
			r->judge_cached += sqlite3_column_int64(st, 10);
			if (sqlite3_column_int64(st, 9) > 0)
				r->judge_cost = NAN;
			else
				r->judge_cost += sqlite3_column_double(st, 8);
		}
		if (mv->n == 0)
			continue;
		mv->value = sum / (double)mv->n;
		if (mv->kind == SL_METRIC_PROPORTION) {
			mv->successes = llround(sum);
			struct sl_interval iv = sl_stats_wilson((uint64_t)mv->successes,
								(uint64_t)mv->n, SL_Z95);
			mv->lo = iv.lo;
			mv->hi = iv.hi;
			continue;
		}
		double vmin = sqlite3_column_double(st, 12), vmax = sqlite3_column_double(st, 13);
		if (!sqlite3_column_int(st, 11) &&
		    row_range(store, run, metric, r, &vmin, &vmax, err) != 0) {
			rc = -1;
			break;
		}
		struct sl_interval iv;
		const char *how = sl_stats_bounded_mean((uint64_t)mv->n, sum, sumsq, vmin, vmax,
							SL_Z95, &iv);
		if (how) {
			mv->value = iv.estimate;
			mv->lo = iv.lo;
			mv->hi = iv.hi;
			mv->method = how;
		} else if (mv->n > 1) {
			boot = sl_xrealloc(boot, (n_boot + 1) * sizeof *boot);
			boot[n_boot].row = r;
			boot[n_boot].sum = sum;
			boot[n_boot].sumsq = sumsq;
			boot[n_boot++].m = m;
		} else {
			mv->lo = mv->hi = mv->value;
		}
	}
	sqlite3_reset(st);
	int ret = rc < 0 ? -1 : 0;
	for (size_t i = 0; ret == 0 && i < sc->n_rows; i++) {
		struct sl_scorecard_row *r = &sc->rows[i];
		if ((r->prompt_idx >= 0) != per_prompt)
			continue;
		for (size_t m = 0; ret == 0 && m < r->n_metrics; m++)
			if (strcmp(r->metrics[m].name, HUMAN_METRIC) == 0 && r->metrics[m].n == 0)
				ret = load_human(store, run, r, &r->metrics[m], err);
	}
	for (size_t i = 0; ret == 0 && i < n_boot; i++)
		ret = bootstrap_metric(store, run, boot[i].row->metrics[boot[i].m].name, boot[i].row,
				       boot[i].sum, boot[i].sumsq, &boot[i].row->metrics[boot[i].m],
				       err);
	free(boot);
	return ret;
}

static char *choose_headline(char **names, size_t n)
{
	static const char *const preferred[] = { "accuracy", "pass_rate", "judge", "human", "rougeL",
						 "rougeLsum", "bleu", "cosine" };
	for (size_t p = 0; p < SL_ARRAY_LEN(preferred); p++)
		for (size_t i = 0; i < n; i++)
			if (strcmp(names[i], preferred[p]) == 0)
				return sl_xstrdup(names[i]);
	return n ? sl_xstrdup(names[0]) : NULL;
}

/* The suite's first scorer is the one its author cares about most: the headline. */
static char *suite_headline(struct sl_store *store, int64_t run, char **names, size_t n)
{
	struct sl_suite *suite = sl_run_suite_load(store, run, NULL);
	char *out = NULL;
	for (size_t k = 0; suite && !out && k < suite->n_scorers; k++) {
		char *id = sl_report_metric_id(suite->scorers[k].params);
		for (size_t i = 0; id && !out && i < n; i++)
			if (strcmp(names[i], id) == 0)
				out = sl_xstrdup(id);
		free(id);
	}
	sl_suite_free(suite);
	return out;
}

static int load_names(struct sl_store *store, const char *sql, int64_t run, char ***out,
		      size_t *n, struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store, sql, err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	int rc;
	*out = NULL;
	*n = 0;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		size_t idx = (size_t)sqlite3_column_int(st, 0);
		if (idx >= *n) {
			*out = sl_xrealloc(*out, (idx + 1) * sizeof **out);
			for (size_t i = *n; i <= idx; i++)
				(*out)[i] = NULL;
			*n = idx + 1;
		}
		free((*out)[idx]);
		(*out)[idx] = sl_xstrdup(sl_col_text(st, 1));
	}
	sqlite3_reset(st);
	for (size_t i = 0; i < *n; i++)
		if (!(*out)[i])
			(*out)[i] = sl_xstrdup("?");
	return rc < 0 ? -1 : 0;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Models whose cells went to a batch API: their latency is not measured and their cost is
 * the batch price; say so rather than show an empty speed as if it were missing data. A
 * batch model all of whose cells came from the cache has no batch, but its params say it:
 * its cached answers are priced as batch cells too. */
static int mark_batch_rows(struct sl_store *store, struct sl_scorecard *sc, struct sl_error *err)
{
	sqlite3_stmt *st = sl_store_prepare(store,
		"SELECT model_idx FROM run_batches WHERE run_id = ?1 UNION "
		"SELECT m.idx FROM runs r, json_each(iif(json_valid(r.params), r.params, '{}'), "
		"'$.batch.models') j, run_models m WHERE r.id = ?1 AND m.run_id = ?1 AND "
		"m.requested = j.value",
		err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, sc->run_id);
	struct sl_buf names;
	sl_buf_init(&names);
	int rc;
	while ((rc = sl_store_step(store, st, err)) == SQLITE_ROW) {
		int m = sqlite3_column_int(st, 0);
		for (size_t i = 0; i < sc->n_rows; i++)
			if (sc->rows[i].model_idx == m) {
				if (!sc->rows[i].batch && sc->rows[i].prompt_idx < 0)
					sl_buf_printf(&names, "%s%s", names.len ? ", " : "",
						      sc->rows[i].model);
				sc->rows[i].batch = true;
			}
	}
	sqlite3_reset(st);
	if (rc >= 0 && names.len)
		sc->batch_note = sl_xasprintf(
			"%s went to the provider's batch API: cost at the batch price (50%% of the "
			"interactive price, the providers' documented batch discount; the catalogue has "
			"no batch prices); latency and TTFT measured on interactive cells only ('batch' "
			"= none: run with --batch-sample N to measure speed)", names.data);
	sl_buf_free(&names);
	return rc < 0 ? -1 : 0;
}

int sl_scorecard_build_rows(struct sl_store *store, int64_t run_id, struct sl_scorecard *out,
			    struct sl_error *err)
{
	memset(out, 0, sizeof *out);
	out->run_id = run_id;
	char **models = NULL;
	size_t n_models = 0, cap = 0;
	int ret = load_names(store, "SELECT idx, requested FROM run_models WHERE run_id = ?1",
			     run_id, &models, &n_models, err);
	if (ret == 0)
		ret = load_rows(store, run_id, false, models, n_models, NULL, 0, out, &cap, err);
	out->n_models = out->n_rows;
	if (ret == 0)
		ret = mark_batch_rows(store, out, err);
	free_names(models, n_models);
	if (ret)
		sl_scorecard_free(out);
	return ret;
}

int sl_scorecard_build(struct sl_store *store, int64_t run_id, struct sl_scorecard *out,
		       struct sl_error *err)
{
	memset(out, 0, sizeof *out);
	out->run_id = run_id;
	char **models = NULL, **prompts = NULL, **metrics = NULL;
	size_t n_models = 0, n_prompts = 0, n_metrics = 0, cap = 0;
	int *kinds = NULL;
	int ret = -1;
	if (load_names(store, "SELECT idx, requested FROM run_models WHERE run_id = ?1", run_id,
		       &models, &n_models, err) ||
	    load_names(store, "SELECT idx, name || '@' || version FROM run_prompts WHERE "
			      "run_id = ?1", run_id, &prompts, &n_prompts, err) ||
	    load_metric_names(store, run_id, &metrics, &kinds, &n_metrics, err))
		goto done;
	if (load_rows(store, run_id, false, models, n_models, prompts, n_prompts, out, &cap, err))
		goto done;
	out->n_models = out->n_rows;
	if (n_prompts == 1)
		out->only_prompt = sl_xstrdup(prompts[0]);
	if (n_prompts > 1 &&
	    load_rows(store, run_id, true, models, n_models, prompts, n_prompts, out, &cap, err))
		goto done;
	if (load_metrics(store, run_id, false, metrics, kinds, n_metrics, out, err) ||
	    (n_prompts > 1 && load_metrics(store, run_id, true, metrics, kinds, n_metrics, out, err)))
		goto done;
	out->headline = suite_headline(store, run_id, metrics, n_metrics);
	if (!out->headline)
		out->headline = choose_headline(metrics, n_metrics);
	struct sl_buf hint;
	sl_buf_init(&hint);
	for (size_t i = 0; i < out->n_models; i++) {
		const struct sl_scorecard_row *r = &out->rows[i];
		out->judge_calls += r->judge_calls;
		out->judge_cost += r->judge_cost;
		if (r->n_cost_unknown > 0)
			sl_buf_printf(&hint, "%s%s", hint.len ? ", " : "", r->model);
	}
	if (hint.len) {
		out->price_hint = sl_xasprintf(
			"cost is unknown for %s: no price for it in the catalogue. Set one in the "
			"suite, \"prices\": {\"MODEL\": {\"in\": USD, \"out\": USD}} (per 1M "
			"tokens), or name the model by a catalogue id that has prices (see "
			"'shortlist models show ID'), then run the suite again with --refresh (answers from the "
			"response cache keep the cost they had)",
			hint.data);
	}
	sl_buf_free(&hint);
	if (mark_batch_rows(store, out, err) != 0)
		goto done;
	ret = 0;
done:
	free_names(models, n_models);
	free_names(prompts, n_prompts);
	free_names(metrics, n_metrics);
	free(kinds);
	if (ret)
		sl_scorecard_free(out);
	return ret;
}

int sl_scorecard_keep(struct sl_store *store, int64_t run_id, struct sl_error *err)
{
	struct sl_scorecard sc;
	if (sl_scorecard_build(store, run_id, &sc, err) != 0)
		return -1;
	sl_scorecard_free(&sc);
	return 0;
}

/* ---- lookups ---- */

bool sl_scorecard_metric(const struct sl_scorecard_row *row, const char *name, double *value,
			 const struct sl_metric_value **quality)
{
	*quality = NULL;
	for (size_t i = 0; i < row->n_metrics; i++) {
		if (strcmp(row->metrics[i].name, name) == 0) {
			*quality = &row->metrics[i];
			*value = row->metrics[i].value;
			return true;
		}
	}
	struct {
		const char *name;
		double v;
	} b[] = {
		{ "n", (double)row->n },
		{ "errors", (double)row->n_errors },
		{ "error_rate", row->error_rate },
		{ "p50_latency", row->latency_p50 },
		{ "p95_latency", row->latency_p95 },
		{ "p99_latency", row->latency_p99 },
		{ "mean_latency", row->latency_mean },
		{ "p50_ttft", row->ttft_p50 },
		{ "p95_ttft", row->ttft_p95 },
		{ "tokens_per_s", row->tokens_per_s },
		{ "cost_per_request", row->cost_per_request },
		{ "cost_per_1k", row->cost_per_1k },
		{ "total_cost", row->cost_total },
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(b); i++) {
		if (strcmp(b[i].name, name) == 0) {
			*value = b[i].v;
			return true;
		}
	}
	*value = NAN;
	return false;
}

const struct sl_scorecard_row *sl_scorecard_model_row(const struct sl_scorecard *sc, int model_idx)
{
	for (size_t i = 0; i < sc->n_models; i++)
		if (sc->rows[i].model_idx == model_idx)
			return &sc->rows[i];
	return NULL;
}

int sl_scorecard_triangle(const struct sl_scorecard *sc, const char *metric,
			  struct sl_triangle *tri, struct sl_error *err)
{
	const char *name = metric ? metric : sc->headline;
	if (!name) {
		sl_error_set(err, "run %lld has no quality scores, so the triangle has no precision "
				  "axis: add scorers to the suite (e.g. \"scorers\": [{\"name\": "
				  "\"accuracy\"}]) and rerun", (long long)sc->run_id);
		err->code = SL_EXIT_USAGE;
		return -1;
	}
	char source[48];
	snprintf(source, sizeof source, "run %lld", (long long)sc->run_id);
	sl_triangle_set_labels(tri, name, "USD per 1k requests", "p50 latency", source);
	for (size_t i = 0; i < sc->n_models; i++) {
		const struct sl_scorecard_row *r = &sc->rows[i];
		const struct sl_metric_value *q;
		double v;
		if (!sl_scorecard_metric(r, name, &v, &q)) {
			struct sl_buf have;
			sl_buf_init(&have);
			for (size_t k = 0; k < r->n_metrics; k++)
				sl_buf_printf(&have, "%s%s", k ? ", " : "", r->metrics[k].name);
			sl_error_set(err, "run %lld has no quality metric '%s' (it has: %s)",
				     (long long)sc->run_id, name, have.len ? have.data : "none");
			sl_buf_free(&have);
			err->code = SL_EXIT_USAGE;
			return -1;
		}
		struct sl_tri_model *m = sl_triangle_add(tri, r->model);
		m->precision = v;
		if (q && q->kind == SL_METRIC_PROPORTION) {
			m->correct = q->successes;
			m->total = q->n;
		}
		m->latency_s = r->latency_p50;
		m->cost = r->cost_per_1k;
	}
	sl_triangle_normalise(tri);
	return 0;
}

/* ---- text ---- */

/* The footnote names the intervals the table shows: a big run's means take the normal
 * interval (sl_stats_bounded_mean), and saying "bootstrap" there would misstate them. */
static const char *interval_methods(const struct sl_scorecard *sc, char *buf, size_t len)
{
	bool boot = false, normal = false;
	for (size_t i = 0; i < sc->n_rows; i++)
		for (size_t m = 0; m < sc->rows[i].n_metrics; m++) {
			const struct sl_metric_value *mv = &sc->rows[i].metrics[m];
			if (mv->kind == SL_METRIC_PROPORTION || !isfinite(mv->lo) || !mv->method)
				continue;
			boot |= strcmp(mv->method, "bootstrap") == 0;
			normal |= strcmp(mv->method, "normal") == 0;
		}
	if (!normal)
		return "Wilson for proportions, bootstrap of the mean otherwise";
	if (boot)
		snprintf(buf, len, "Wilson for proportions; for means bootstrap up to %d scores, "
			 "normal above, within the scores' range", SL_BOOTSTRAP_MAX_N);
	else
		snprintf(buf, len, "Wilson for proportions; normal for means (over %d scores), "
			 "within the scores' range", SL_BOOTSTRAP_MAX_N);
	return buf;
}

void sl_scorecard_render_text(const struct sl_scorecard *sc, struct sl_buf *out)
{
	if (sc->n_rows == 0) {
		sl_buf_printf(out, "run %lld has no finished cells yet\n", (long long)sc->run_id);
		return;
	}
	size_t name_w = 5;
	for (size_t i = 0; i < sc->n_rows; i++) {
		size_t l = strlen(sc->rows[i].model) + (sc->rows[i].prompt
							? strlen(sc->rows[i].prompt) + 3 : 0);
		if (l > name_w)
			name_w = l;
	}
	if (name_w > 48)
		name_w = 48;
	sl_buf_printf(out, "%-*s %6s %6s", (int)name_w, "model", "n", "err%");
	const struct sl_scorecard_row *r0 = &sc->rows[0];
	for (size_t m = 0; m < r0->n_metrics; m++)
		sl_buf_printf(out, " %-21s", r0->metrics[m].name);
	sl_buf_printf(out, " %7s %7s %7s %8s %8s %7s %10s %10s\n", "p50", "p95", "p99", "ttft50",
		      "ttft95", "tok/s", "$/req", "$/1k");
	for (size_t i = 0; i < sc->n_rows; i++) {
		const struct sl_scorecard_row *r = &sc->rows[i];
		char name[160];
		if (r->prompt)
			snprintf(name, sizeof name, "  %s %s", r->model, r->prompt);
		else
			snprintf(name, sizeof name, "%s", r->model);
		sl_buf_printf(out, "%-*.*s %6lld %5.1f%%", (int)name_w, (int)name_w, name,
			      (long long)r->n, 100 * (isfinite(r->error_rate) ? r->error_rate : 0));
		for (size_t m = 0; m < r->n_metrics; m++) {
			const struct sl_metric_value *mv = &r->metrics[m];
			char cell[64];
			if (isnan(mv->value) && mv->n_unscored)
				snprintf(cell, sizeof cell, "%s (%lld unscored)", SL_FMT_UNKNOWN,
					 (long long)mv->n_unscored);
			else if (isnan(mv->value))
				snprintf(cell, sizeof cell, "%s", SL_FMT_UNKNOWN);
			else if (isfinite(mv->lo))
				snprintf(cell, sizeof cell, "%.3f [%.3f,%.3f]", mv->value, mv->lo, mv->hi);
			else
				snprintf(cell, sizeof cell, "%.3f", mv->value);
			sl_buf_printf(out, " %-21s", cell);
		}
		char p50[SL_FMT_LEN], p95[SL_FMT_LEN], p99[SL_FMT_LEN], t50[SL_FMT_LEN],
			t95[SL_FMT_LEN], tps[SL_FMT_LEN], req[SL_FMT_LEN], k[SL_FMT_LEN];
		sl_buf_printf(out, " %7s %7s %7s %8s %8s %7s %10s %10s\n",
			      sl_scorecard_fmt_seconds(r, r->latency_p50, p50),
			      sl_scorecard_fmt_seconds(r, r->latency_p95, p95),
			      sl_scorecard_fmt_seconds(r, r->latency_p99, p99),
			      sl_scorecard_fmt_seconds(r, r->ttft_p50, t50),
			      sl_scorecard_fmt_seconds(r, r->ttft_p95, t95),
			      sl_fmt_number(r->tokens_per_s, 1, tps),
			      sl_fmt_usd(r->cost_per_request, req), sl_fmt_usd(r->cost_per_1k, k));
	}
	char how[160];
	sl_buf_printf(out, "quality: estimate [95%% interval] (%s); latency over successful "
		      "cells.\n", interval_methods(sc, how, sizeof how));
	if (sc->judge_calls) {
		char jc[SL_FMT_LEN];
		sl_fmt_usd(sc->judge_cost, jc);
		sl_buf_printf(out, "judge: %lld judged cell%s, cost %s (not included in the models' cost)\n",
			      (long long)sc->judge_calls, sc->judge_calls == 1 ? "" : "s", jc);
	}
	if (sc->price_hint)
		sl_buf_printf(out, "note: %s\n", sc->price_hint);
	if (sc->batch_note)
		sl_buf_printf(out, "note: %s\n", sc->batch_note);
}

const char *sl_scorecard_fmt_seconds(const struct sl_scorecard_row *r, double s,
				     char out[SL_FMT_LEN])
{
	if (isnan(s) && r->batch) {
		snprintf(out, SL_FMT_LEN, "batch");
		return out;
	}
	return sl_fmt_seconds(s, out);
}

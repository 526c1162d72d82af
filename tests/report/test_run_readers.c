/* The readers of a run (runs list, runs show, the run view behind triangle and gates, the
 * reports that do not list every cell) read the trigger-kept statistics, never every cell
 * of the run: each statement they prepare is checked with EXPLAIN QUERY PLAN. And those
 * statistics agree with the cells themselves through inserts, updates, replaces and
 * deletes. */
#include "test.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>
#include <strings.h>

#include "fixture.h"
#include "shortlist/dataset.h"
#include "shortlist/pipeline.h"
#include "shortlist/report.h"
#include "shortlist/runs.h"
#include "shortlist/scorecard.h"

static void exec(struct sl_store *s, const char *sql)
{
	struct sl_error err = { 0 };
	if (sl_store_exec(s, sql, &err) != 0) {
		fprintf(stderr, "%s: %s\n", sql, err.msg);
		exit(99);
	}
}

/* 2 models, 40 cases: a few errors (some with a cost), unknown costs, scores. */
static int64_t make_run(struct sl_store *s)
{
	const char *models[] = { "fake:a", "fake:b" };
	double price[] = { 1.0, 2.0 };
	const char *prompts[] = { "p" };
	fixture_begin(s);
	int64_t run = fixture_run(s, models, price, 2, prompts, 1);
	for (int m = 0; m < 2; m++)
		for (int c = 0; c < 40; c++) {
			bool failed = c % 9 == 4;
			fixture_cell(s, run, m, 0, c, 0, failed ? NULL : "yes",
				     failed ? "HTTP 500" : NULL, 100 + c * (m + 1), 10 + c,
				     failed ? -1 : 20, c % 7 == 3 ? NAN : 0.001 * (c + 1));
			fixture_score(s, run, "accuracy", true, m, 0, c, 0, c % 3 ? 1 : 0, NULL,
				      NAN);
			fixture_score(s, run, "rougeL", false, m, 0, c, 0, 0.5 + 0.01 * c, NULL,
				      NAN);
		}
	/* the cases, as a run stores its dataset (cell_details joins them) */
	exec(s, "INSERT OR IGNORE INTO dataset_cases (dataset_hash, idx, line, vars, expected) "
		"WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 39) "
		"SELECT 'dshash', i, i + 1, json_object('q', 'question ' || i), 'yes' FROM k");
	fixture_commit(s);
	char *sql = sl_xasprintf("UPDATE runs SET suite_json = '{\"name\": \"fixture\", \"models\": "
				 "[\"fake:a\", \"fake:b\"], \"prompts\": [\"p\"], \"dataset\": "
				 "\"cases.jsonl\"}' WHERE id = %lld", (long long)run);
	exec(s, sql);
	free(sql);
	return run;
}

/* ---- the totals against the cells ---- */

static double q_real(struct sl_store *s, const char *sql, int64_t run)
{
	sqlite3_stmt *st;
	double v = NAN;
	if (sqlite3_prepare_v2(sl_store_db(s), sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(sl_store_db(s)));
		exit(99);
	}
	sqlite3_bind_int64(st, 1, run);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void check_totals(struct sl_store *s, int64_t run, const char *step)
{
	struct sl_run r;
	struct sl_error err = { 0 };
	test_current = step;
	CHECK(sl_run_get(s, run, &r, &err) == 0);
	CHECK_INT(r.n_done, (long long)q_real(s, "SELECT COUNT(*) FROM cells WHERE run_id = ?", run));
	CHECK_INT(r.n_errors, (long long)q_real(s, "SELECT COUNT(*) FROM cells WHERE run_id = ? "
						  "AND error_kind IS NOT NULL", run));
	CHECK_INT(r.n_cached, (long long)q_real(s, "SELECT COUNT(*) FROM cells WHERE run_id = ? "
						  "AND cached", run));
	CHECK_NEAR(r.cost, q_real(s, "SELECT TOTAL(cost) FROM cells WHERE run_id = ?", run), 1e-9);
	CHECK_NEAR(r.cost_spent, q_real(s, "SELECT TOTAL(cost) FROM cells WHERE run_id = ? AND "
					   "NOT cached", run), 1e-9);
	CHECK_INT(r.n_cost_unknown, (long long)q_real(s, "SELECT COUNT(*) FROM cells WHERE "
				  "run_id = ? AND error_kind IS NULL AND cost IS NULL", run));
	CHECK_INT(r.n_models, 2);
	for (size_t m = 0; m < r.n_models; m++) {
		char sql[300];
		snprintf(sql, sizeof sql, "SELECT group_concat(rm, ',') FROM (SELECT DISTINCT "
			 "reported_model AS rm FROM cells WHERE run_id = %lld AND model_idx = %zu "
			 "AND reported_model IS NOT NULL ORDER BY 1)", (long long)run, m);
		sqlite3_stmt *st;
		sqlite3_prepare_v2(sl_store_db(s), sql, -1, &st, NULL);
		sqlite3_step(st);
		const char *want = (const char *)sqlite3_column_text(st, 0);
		CHECK_STR(r.models[m].reported, want ? want : "");
		sqlite3_finalize(st);
	}
	sl_run_free(&r);
}

static void test_totals_follow_cells(void)
{
	struct sl_store *s = fixture_open("totals.db");
	int64_t run = make_run(s);
	check_totals(s, run, "insert");
	/* answered as other ids, some from the cache (the update trigger) */
	exec(s, "UPDATE cells SET reported_model = 'a-2026' WHERE model_idx = 0");
	exec(s, "UPDATE cells SET reported_model = 'b-1' WHERE model_idx = 1 AND case_idx < 20");
	exec(s, "UPDATE cells SET reported_model = 'b-2' WHERE model_idx = 1 AND case_idx >= 20");
	exec(s, "UPDATE cells SET cached = 1 WHERE case_idx % 4 = 0 AND error_kind IS NULL");
	check_totals(s, run, "update");
	/* a resume replaces failed cells; --refresh replaces cached ones */
	exec(s, "INSERT OR REPLACE INTO cells (run_id, model_idx, prompt_idx, case_idx, sample, "
		"model, reported_model, output, latency_ms, ttft_ms, tokens_out, cost, cached, "
		"finished_at) SELECT run_id, model_idx, prompt_idx, case_idx, sample, model, 'b-3', "
		"'again', 50, 5, 10, 0.5, 0, finished_at FROM cells WHERE model_idx = 1 AND "
		"(error_kind IS NOT NULL OR cached) AND case_idx < 30");
	check_totals(s, run, "replace");
	exec(s, "DELETE FROM cells WHERE model_idx = 1 AND case_idx >= 20");
	check_totals(s, run, "delete");
	exec(s, "DELETE FROM cells WHERE model_idx = 1");
	check_totals(s, run, "delete all of a model");
	int64_t other = make_run(s);
	exec(s, "DELETE FROM runs WHERE id = 1");
	CHECK(q_real(s, "SELECT COUNT(*) FROM cell_reported WHERE run_id = ?", run) == 0);
	check_totals(s, other, "another run");
	sl_store_close(s);
}

/* ---- kept percentiles: the exact values, and never stale ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* numpy's "linear" percentile of the successful cells' latency (or TTFT), in seconds,
 * straight from the cells */
static double exact_pct(struct sl_store *s, int64_t run, int model, int prompt, bool ttft,
			double p)
{
	char *sql = sl_xasprintf("SELECT %s FROM cells WHERE run_id = %lld AND model_idx = %d AND "
				 "(%d < 0 OR prompt_idx = %d) AND error_kind IS NULL AND %s IS NOT "
				 "NULL", ttft ? "ttft_ms" : "latency_ms", (long long)run, model,
				 prompt, prompt, ttft ? "ttft_ms" : "latency_ms");
	sqlite3_stmt *st;
	sqlite3_prepare_v2(sl_store_db(s), sql, -1, &st, NULL);
	double *v = NULL;
	size_t n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		v = sl_xrealloc(v, (n + 1) * sizeof *v);
		v[n++] = sqlite3_column_double(st, 0);
	}
	sqlite3_finalize(st);
	free(sql);
	qsort(v, n, sizeof *v, cmp_double);
	double rank = p / 100 * (double)(n - 1), lo = floor(rank);
	size_t i = (size_t)lo;
	double x = i + 1 < n ? v[i] + (rank - lo) * (v[i + 1] - v[i]) : v[i];
	free(v);
	return x / 1000;
}

static void check_exact(struct sl_store *s, int64_t run, const struct sl_scorecard *sc,
			const char *step)
{
	test_current = step;
	for (size_t i = 0; i < sc->n_rows; i++) {
		const struct sl_scorecard_row *r = &sc->rows[i];
		const double *got[2][5] = {
			{ &r->latency_min, &r->latency_p50, &r->latency_p95, &r->latency_p99,
			  &r->latency_max },
			{ &r->ttft_min, &r->ttft_p50, &r->ttft_p95, &r->ttft_p99, &r->ttft_max },
		};
		static const double at[5] = { 0, 50, 95, 99, 100 };
		for (int t = 0; t < 2; t++)
			for (int k = 0; k < 5; k++) {
				double want = exact_pct(s, run, r->model_idx, r->prompt_idx, t, at[k]);
				if (fabs(*got[t][k] - want) > 1e-12 * want) {
					fprintf(stderr, "%s: row %zu %s p%g: %.15g, want %.15g\n", step,
						i, t ? "ttft" : "latency", at[k], *got[t][k], want);
					test_failures++;
				}
			}
	}
}

static void test_percentiles_kept(void)
{
	struct sl_store *s = fixture_open("percentiles.db");
	const char *models[] = { "fake:a", "fake:b", "fake:c" };
	double price[] = { 1, 2, 3 };
	const char *prompts[] = { "p", "q" };
	fixture_begin(s);
	int64_t run = fixture_run(s, models, price, 3, prompts, 2);
	fixture_bulk(s, run, 3, 2, 2500); /* 4,900 latencies and TTFTs per (model, prompt) */
	fixture_commit(s);
	struct sl_error err = { 0 };
	struct sl_scorecard cold, warm;
	CHECK(sl_scorecard_build(s, run, &cold, &err) == 0);
	CHECK_INT(cold.n_rows, 3 + 3 * 2);
	check_exact(s, run, &cold, "walked the indexes");
	test_current = "kept";
	CHECK(q_real(s, "SELECT COUNT(*) FROM cell_percentiles WHERE run_id = ?", run) == 9);
	/* read back, not walked: a kept value that differs is what the next build shows */
	exec(s, "UPDATE cell_percentiles SET lat_p50 = 99 WHERE model_idx = 2 AND prompt_idx = -1");
	CHECK(sl_scorecard_build(s, run, &warm, &err) == 0);
	CHECK(warm.rows[2].latency_p50 == 99);
	exec(s, "UPDATE cell_percentiles SET lat_p50 = NULL WHERE model_idx = 2 AND prompt_idx = -1");
	sl_scorecard_free(&warm);
	CHECK(sl_scorecard_build(s, run, &warm, &err) == 0);
	CHECK(isnan(warm.rows[2].latency_p50));
	exec(s, "DELETE FROM cell_percentiles");
	sl_scorecard_free(&warm);
	CHECK(sl_scorecard_build(s, run, &warm, &err) == 0); /* walks and keeps them again */
	sl_scorecard_free(&warm);
	CHECK(sl_scorecard_build(s, run, &warm, &err) == 0);
	check_exact(s, run, &warm, "read back");
	for (size_t i = 0; i < warm.n_rows; i++) {
		struct sl_dist a, b;
		CHECK(sl_scorecard_dist(s, &warm, &warm.rows[i], true, &a, &err) == 0);
		CHECK(sl_scorecard_dist(s, &cold, &cold.rows[i], true, &b, &err) == 0);
		CHECK(a.min == b.min && a.p50 == b.p50 && a.p95 == b.p95 && a.p99 == b.p99 &&
		      a.max == b.max && a.n == b.n);
	}
	sl_scorecard_free(&warm);
	/* cells that change (a rerun's slower answers, a failure, a replaced TTFT) make the
	 * kept values stale: the next build walks again */
	exec(s, "UPDATE cells SET latency_ms = latency_ms * 3 WHERE model_idx = 0 AND case_idx < 900");
	CHECK(sl_scorecard_build(s, run, &warm, &err) == 0);
	check_exact(s, run, &warm, "latencies changed");
	sl_scorecard_free(&warm);
	exec(s, "UPDATE cells SET error_kind = 'http', output = NULL WHERE model_idx = 1 AND "
		"case_idx = 7");
	CHECK(sl_scorecard_build(s, run, &warm, &err) == 0);
	check_exact(s, run, &warm, "a cell failed");
	sl_scorecard_free(&warm);
	exec(s, "UPDATE cells SET ttft_ms = ttft_ms / 2, tokens_out = 20 WHERE model_idx = 2 AND "
		"case_idx < 600");
	CHECK(sl_scorecard_build(s, run, &warm, &err) == 0);
	check_exact(s, run, &warm, "TTFTs changed");
	sl_scorecard_free(&warm);
	sl_scorecard_free(&cold);
	sl_store_close(s);
}

/* The percentiles of the per-prompt rows cost one walk of a model's values each way, not
 * one per prompt: 3 models x 1,200 cells each, split in 2 prompts or in 6, take as many
 * SQLite VM steps within 5% (a walk per prompt took 2.4 times as many with 6,
 * each of them stepping through the other prompts' values). The values stay exact. */
static long long pct_steps;

static int count_pct_steps(unsigned type, void *ud, void *p, void *x)
{
	(void)ud;
	(void)x;
	const char *sql = sqlite3_sql(p);
	if (type == SQLITE_TRACE_PROFILE &&
	    (strstr(sql, "INDEXED BY cells_latency") || strstr(sql, "INDEXED BY cells_ttft")))
		pct_steps += sqlite3_stmt_status(p, SQLITE_STMTSTATUS_VM_STEP, 1);
	return 0;
}

static long long prompt_pct_steps(int n_prompts)
{
	char *name = sl_xasprintf("prompts%d.db", n_prompts);
	struct sl_store *s = fixture_open(name);
	const char *models[] = { "fake:a", "fake:b", "fake:c" };
	double price[] = { 1, 2, 3 };
	const char *prompts[] = { "p", "q", "r", "s", "t", "u" };
	fixture_begin(s);
	int64_t run = fixture_run(s, models, price, 3, prompts, n_prompts);
	fixture_bulk(s, run, 3, n_prompts, 1200 / n_prompts);
	fixture_commit(s);
	struct sl_error err = { 0 };
	struct sl_scorecard sc;
	pct_steps = 0;
	sqlite3_trace_v2(sl_store_db(s), SQLITE_TRACE_PROFILE, count_pct_steps, NULL);
	CHECK(sl_scorecard_build(s, run, &sc, &err) == 0);
	sqlite3_trace_v2(sl_store_db(s), 0, NULL, NULL);
	CHECK_INT(sc.n_rows, 3 + 3 * n_prompts);
	check_exact(s, run, &sc, "prompts");
	sl_scorecard_free(&sc);
	sl_store_close(s);
	free(name);
	return pct_steps;
}

static void test_prompt_percentiles_one_walk(void)
{
	long long two = prompt_pct_steps(2), six = prompt_pct_steps(6);
	printf("percentiles of 3 models x 1,200 cells: %lld SQLite VM steps in 2 prompts, %lld in "
	       "6\n", two, six);
	CHECK(two > 0);
	CHECK(six * 100 <= two * 105);
}

static int count_cell(void *ud, const struct sl_cell *c)
{
	(void)c;
	(*(int *)ud)++;
	return 0;
}

static void count_state(void *ud, int model_idx, int prompt_idx, int case_idx, int sample,
			bool failed, bool cached)
{
	(void)model_idx;
	(void)prompt_idx;
	(void)case_idx;
	(void)sample;
	(void)failed;
	(void)cached;
	(*(int *)ud)++;
}

/* ---- streamed cells carry their own scores ---- */

/* The per-cell outputs merge each metric's scores in key order with the cells: every cell's
 * scores in JSONL are those a lookup of that cell finds, with gaps (a metric that did not
 * score some cells) and unscored values (NULL) in between. */
static void test_streamed_scores(void)
{
	struct sl_store *s = fixture_open("streamed.db");
	int64_t run = make_run(s);
	exec(s, "DELETE FROM cell_scores WHERE metric = 'rougeL' AND (case_idx % 5 = 1 OR "
		"model_idx = 1 AND case_idx > 30)");
	exec(s, "DELETE FROM cell_scores WHERE metric = 'accuracy' AND model_idx = 0 AND "
		"case_idx < 3");
	exec(s, "UPDATE cell_scores SET value = NULL, detail = 'no verdict' WHERE metric = "
		"'accuracy' AND case_idx % 7 = 2");
	struct sl_error err = { 0 };
	char *path = test_path("streamed.jsonl");
	FILE *f = fopen(path, "w+");
	struct sl_report_options ro = { .format = SL_REPORT_JSONL,
					.weights = sl_tri_weights_default() };
	CHECK(sl_report_write(s, run, &ro, f, &err) == 0);
	rewind(f);
	char line[8192];
	int n = 0, scored = 0;
	static const char *const metrics[] = { "accuracy", "rougeL" };
	while (fgets(line, sizeof line, f)) {
		cJSON *o = cJSON_Parse(line);
		const char *model = cJSON_GetStringValue(cJSON_GetObjectItem(o, "model"));
		int m = model && strcmp(model, "fake:b") == 0;
		int c = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "case"));
		const cJSON *sc = cJSON_GetObjectItem(o, "scores");
		for (size_t k = 0; k < SL_ARRAY_LEN(metrics); k++) {
			const cJSON *v = cJSON_GetObjectItem(sc, metrics[k]);
			double got = cJSON_IsNumber(v) ? v->valuedouble : NAN;
			double want = sl_scorecard_cell_score(s, run, metrics[k], m, 0, c, 0);
			scored += !isnan(want);
			if (!(fabs(got - want) < 1e-12 || (isnan(got) && isnan(want)))) {
				fprintf(stderr, "cell %d/%d %s: %g, want %g\n", m, c, metrics[k], got,
					want);
				test_failures++;
			}
		}
		const cJSON *d = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "score_details"),
						     "accuracy");
		CHECK((c % 7 == 2 && !(m == 0 && c < 3)) == (d != NULL));
		cJSON_Delete(o);
		n++;
	}
	CHECK_INT(n, 80);
	CHECK(scored > 100 && scored < 160);
	fclose(f);
	free(path);
	sl_store_close(s);
}

/* ---- runs diff: a merge, not a sort and a lookup per cell ---- */

static int64_t n_started;

static int count_stmt(unsigned type, void *ud, void *p, void *x)
{
	if (type == SQLITE_TRACE_STMT && x && strncmp(x, "--", 2) != 0) /* not trigger steps */
		n_started++;
	return test_trace_stmt(type, ud, p, x);
}

struct diff_seen {
	char order[64][32];
	int n;
};

static void on_diff(void *ud, unsigned changes, const struct sl_cell *a, const struct sl_cell *b,
		    double sa, double sb)
{
	(void)changes;
	(void)sa;
	(void)sb;
	struct diff_seen *d = ud;
	const struct sl_cell *c = a ? a : b;
	if (d->n < 64)
		snprintf(d->order[d->n++], sizeof d->order[0], "%s %d", c->model, c->case_idx);
}

/* Two runs that list their models in opposite orders: cells are matched by model name.
 * The diff reads each cell once in key order: a few statements in all (it ran two score
 * lookups per matched cell, and sorted both runs' cells by name in a temporary B-tree). */
static void test_diff_merges(void)
{
	struct sl_store *s = fixture_open("diff.db");
	const char *ma[] = { "fake:b", "fake:a" }, *mb[] = { "fake:a", "fake:b" };
	const char *prompts[] = { "p" };
	fixture_begin(s);
	int64_t ra = fixture_run(s, ma, NULL, 2, prompts, 1);
	int64_t rb = fixture_run(s, mb, NULL, 2, prompts, 1);
	for (int m = 0; m < 2; m++)
		for (int c = 0; c < 100; c++) {
			/* the same model is index m in run A, 1 - m in run B */
			bool a_only = m == 0 && c == 99, b_only = m == 1 && c == 0;
			if (!b_only) {
				fixture_cell(s, ra, m, 0, c, 0, c == 7 ? "changed" : "yes", NULL, 100,
					     NAN, 1, NAN);
				fixture_score(s, ra, "accuracy", true, m, 0, c, 0, c == 11 ? 0 : 1,
					      NULL, NAN);
			}
			if (!a_only) {
				fixture_cell(s, rb, 1 - m, 0, c, 0, "yes", NULL, 100, NAN, 1, NAN);
				if (c % 2 || c == 11) /* every other score missing in B */
					fixture_score(s, rb, "accuracy", true, 1 - m, 0, c, 0, 1, NULL,
						      NAN);
			}
		}
	exec(s, "INSERT OR IGNORE INTO dataset_cases (dataset_hash, idx, line, vars, expected) "
		"WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 99) "
		"SELECT 'dshash', i, i + 1, '{}', 'yes' FROM k");
	fixture_commit(s);
	struct sl_error err = { 0 };
	char *metric = sl_runs_diff_metric(s, ra, rb);
	CHECK_STR(metric, "accuracy");
	struct sl_run_diff_stats st;
	struct diff_seen seen = { 0 };
	n_started = 0;
	sqlite3_trace_v2(sl_store_db(s), SQLITE_TRACE_STMT, count_stmt, NULL);
	CHECK(sl_runs_diff(s, ra, rb, metric, on_diff, &seen, &st, &err) == 0);
	sqlite3_trace_v2(sl_store_db(s), 0, NULL, NULL);
	printf("runs diff of 2 x 200 cells: %lld statements\n", (long long)n_started);
	CHECK(n_started <= 12);
	CHECK_INT(st.matched, 198);
	CHECK_INT(st.only_a, 1);
	CHECK_INT(st.only_b, 1);
	CHECK_INT(st.changed_output, 2); /* case 7 of either model */
	/* A scored every cell, B only odd cases and 11, where A has 0: fake:a's matched cases
	 * 1-99 differ in 49 even ones and 11, fake:b's 0-98 in 50 and 11 */
	CHECK_INT(st.changed_score, 101);
	CHECK_INT(st.same, 198 - 101 - 2);
	/* in name order, then by case: fake:a's 52 (case 0 only in B, 2, 4, 6, 7, 8 ...) */
	CHECK_INT(seen.n, 64);
	CHECK_STR(seen.order[0], "fake:a 0");
	CHECK_STR(seen.order[1], "fake:a 2");
	CHECK_STR(seen.order[4], "fake:a 7");
	CHECK_STR(seen.order[51], "fake:a 98");
	CHECK_STR(seen.order[52], "fake:b 0");
	test_current = "runs diff";
	for (size_t i = 0; i < test_n_traced; i++) {
		char *eqp = sl_xasprintf("EXPLAIN QUERY PLAN %s", test_traced[i]);
		sqlite3_stmt *q;
		CHECK(sqlite3_prepare_v2(sl_store_db(s), eqp, -1, &q, NULL) == SQLITE_OK);
		while (sqlite3_step(q) == SQLITE_ROW) {
			const char *detail = (const char *)sqlite3_column_text(q, 3);
			/* the run's few (model, prompt) pairs may be sorted, its cells not */
			if ((strstr(detail, "TEMP B-TREE") && strstr(test_traced[i], "cell")) ||
			    strncmp(detail, "SCAN c", 6) == 0) {
				fprintf(stderr, "runs diff sorts or scans: %s\n  in: %s\n", detail,
					test_traced[i]);
				test_failures++;
			}
		}
		sqlite3_finalize(q);
		free(eqp);
		free(test_traced[i]);
	}
	test_n_traced = 0;
	free(metric);
	sl_store_close(s);
}

/* ---- no reader walks the run's cells ---- */

static bool ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* The names a statement gives the cells table: "cells" and its aliases ("cells c",
 * "cells AS c"), plus "c" of the cell_details view. */
static bool names_cells(const char *sql, const char *name)
{
	if (strcmp(name, "cells") == 0 || strcmp(name, "c") == 0)
		return true;
	static const char *const keywords[] = { "WHERE", "INDEXED", "ON", "JOIN", "LEFT",
		"INNER", "CROSS", "GROUP", "ORDER", "LIMIT", "USING", "SET", "UNION", "NOT" };
	size_t n = strlen(name);
	for (const char *p = sql; (p = sl_strcasestr(p, "cells")) != NULL; p += 5) {
		if ((p > sql && ident_char(p[-1])) || ident_char(p[5]))
			continue;
		const char *q = p + 5;
		while (*q == ' ')
			q++;
		if (strncasecmp(q, "AS ", 3) == 0)
			for (q += 3; *q == ' '; q++)
				;
		bool kw = false;
		for (size_t k = 0; k < SL_ARRAY_LEN(keywords); k++)
			kw |= strncasecmp(q, keywords[k], strlen(keywords[k])) == 0 &&
			      !ident_char(q[strlen(keywords[k])]);
		if (!kw && strncmp(q, name, n) == 0 && !ident_char(q[n]))
			return true;
	}
	return false;
}

/* A plan step that reads many cells: a scan of cells, or a search of the primary key of
 * cells or cell_scores that does not pin one cell. The latency and TTFT indexes are read
 * only for percentiles, a step each from an offset (scorecard.c); cells_failed holds only
 * failed cells. The screens' windows pin a model and prompt and bound the cases, or read a
 * page of cells from a key with a LIMIT. */
static bool reads_many_cells(const char *sql, const char *detail)
{
	if (strstr(detail, "sqlite_autoindex_cells_1") &&
	    ((strstr(detail, "model_idx=? AND prompt_idx=? AND case_idx>") &&
	      strstr(detail, "case_idx<?")) ||
	     (strstr(detail, "(model_idx,prompt_idx,case_idx,sample)>(?,?,?,?)") &&
	      strstr(sql, "LIMIT ?"))))
		return false;
	if (strstr(detail, "cell_scores") || strstr(detail, "sqlite_autoindex_cells_1"))
		return !strstr(detail, "sample=?");
	if (strstr(detail, "cells_latency") || strstr(detail, "cells_ttft") ||
	    strstr(detail, "cells_failed"))
		return false;
	if (strncmp(detail, "SCAN ", 5) != 0)
		return false;
	char name[64];
	size_t i = 0;
	for (const char *p = detail + 5; ident_char(*p) && i + 1 < sizeof name; p++)
		name[i++] = *p;
	name[i] = '\0';
	return names_cells(sql, name);
}

static void check_plans(struct sl_store *s, const char *reader)
{
	test_current = reader;
	CHECK(test_n_traced > 0);
	for (size_t i = 0; i < test_n_traced; i++) {
		char *eqp = sl_xasprintf("EXPLAIN QUERY PLAN %s", test_traced[i]);
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(sl_store_db(s), eqp, -1, &st, NULL) != SQLITE_OK) {
			fprintf(stderr, "%s: %s\n", eqp, sqlite3_errmsg(sl_store_db(s)));
			test_failures++;
			free(eqp);
			continue;
		}
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *detail = (const char *)sqlite3_column_text(st, 3);
			if (reads_many_cells(test_traced[i], detail)) {
				fprintf(stderr, "%s: reads every cell of the run: %s\n  in: %s\n",
					reader, detail, test_traced[i]);
				test_failures++;
			}
		}
		sqlite3_finalize(st);
		free(eqp);
		free(test_traced[i]);
	}
	test_n_traced = 0;
}

static void test_readers_read_statistics(void)
{
	struct sl_store *s = fixture_open("plans.db");
	int64_t run = make_run(s);
	struct sl_error err = { 0 };
	/* The first scorecard computes the bootstrap intervals of rougeL from every score and
	 * keeps them; every later one reads them back, the same. */
	struct sl_scorecard cold, warm;
	CHECK(sl_scorecard_build(s, run, &cold, &err) == 0);
	CHECK(q_real(s, "SELECT COUNT(*) FROM score_intervals WHERE run_id = ?", run) == 2);
	CHECK(sl_scorecard_build(s, run, &warm, &err) == 0);
	for (size_t i = 0; i < cold.n_rows; i++)
		for (size_t m = 0; m < cold.rows[i].n_metrics; m++) {
			CHECK_STR(warm.rows[i].metrics[m].method, cold.rows[i].metrics[m].method);
			CHECK(warm.rows[i].metrics[m].lo == cold.rows[i].metrics[m].lo);
			CHECK(warm.rows[i].metrics[m].hi == cold.rows[i].metrics[m].hi);
		}
	sl_scorecard_free(&warm);
	/* a changed score is a new interval, not the kept one */
	exec(s, "UPDATE cell_scores SET value = 0 WHERE metric = 'rougeL' AND model_idx = 0 AND "
		"case_idx < 10");
	CHECK(sl_scorecard_build(s, run, &warm, &err) == 0);
	CHECK(warm.rows[0].metrics[1].lo < cold.rows[0].metrics[1].lo);
	CHECK(warm.rows[1].metrics[1].lo == cold.rows[1].metrics[1].lo);
	double lo = warm.rows[0].metrics[1].lo;
	sl_scorecard_free(&warm);
	exec(s, "DELETE FROM score_intervals");
	CHECK(sl_scorecard_build(s, run, &warm, &err) == 0);
	CHECK(warm.rows[0].metrics[1].lo == lo);
	sl_scorecard_free(&warm);
	sl_scorecard_free(&cold);

	/* prepared statements are cached by the store: a fresh connection for each reader
	 * would hide nothing, since tracing sees every execution */
	sqlite3_trace_v2(sl_store_db(s), SQLITE_TRACE_STMT, test_trace_stmt, NULL);

	struct sl_run *runs;
	size_t n;
	CHECK(sl_runs_list(s, 20, &runs, &n, &err) == 0);
	sl_runs_free(runs, n);
	check_plans(s, "runs list");

	struct sl_run r;
	CHECK(sl_run_get(s, run, &r, &err) == 0);
	sl_run_free(&r);
	check_plans(s, "runs show");

	char *gates[] = { "accuracy>=0.5", "model=fake:a:p95_latency<=2s" };
	struct sl_run_view_options vo = { .gates = gates, .n_gates = 2 };
	struct sl_run_view v;
	if (sl_run_view_build(s, run, &vo, &v, &err) != 0) {
		fprintf(stderr, "run view: %s\n", err.msg);
		exit(1);
	}
	CHECK(v.gate_report.n >= 2); /* a gate without model= is one verdict per model */
	check_plans(s, "triangle and gates (the run view)");

	static const enum sl_report_format formats[] = { SL_REPORT_MD, SL_REPORT_TEXT,
							 SL_REPORT_HTML, SL_REPORT_CSV };
	for (size_t i = 0; i < SL_ARRAY_LEN(formats); i++) {
		struct sl_report_options ro = { .format = formats[i], .csv_per_model = true,
						.weights = v.weights, .scorecard = &v.scorecard,
						.gates = &v.gate_report };
		FILE *f = fopen("/dev/null", "w");
		CHECK(sl_report_write(s, run, &ro, f, &err) == 0);
		fclose(f);
		static const char *const names[] = { "report md", "report text", "report html",
						     "report csv --by model" };
		check_plans(s, names[i]);
	}
	sl_run_view_free(&v);

	/* The TUI's readers: the Run screen's replay (per-model totals, the latest errors, the
	 * states of the cells it shows), Compare (one case, its input and scores, f), the
	 * Scorecard's drill-down (a row's first cells, their headline scores). */
	struct sl_scorecard rows;
	CHECK(sl_scorecard_build_rows(s, run, &rows, &err) == 0);
	CHECK_INT(rows.n_models, 2);
	sl_scorecard_free(&rows);
	int n_failed = 0;
	CHECK(sl_run_failed_cells_last(s, run, 6, count_cell, &n_failed, &err) == 0);
	CHECK_INT(n_failed, 6);
	check_plans(s, "Run screen: totals and latest errors");
	int n_states = 0;
	CHECK(sl_run_cell_states(s, run, 8, 16, count_state, &n_states, &err) == 0);
	CHECK_INT(n_states, 16);
	check_plans(s, "Run screen: a window of cell states");
	int n_cells = 0;
	CHECK(sl_run_cells_foreach_cases(s, run, 0, 3, 5, count_cell, &n_cells, &err) == 0);
	CHECK_INT(n_cells, 4);
	CHECK_INT(sl_run_next_failed_case(s, run, 2, 0, 4, &err), 13);
	CHECK_INT(sl_run_next_failed_case(s, run, 2, 0, 40, &err), 4); /* wraps round */
	struct sl_case kase;
	CHECK_INT(sl_run_case_get(s, run, 3, &kase, &err), 0);
	CHECK_STR(kase.expected, "yes");
	CHECK_INT(kase.line, 4);
	sl_run_case_clear(&kase);
	struct sl_cell_score *scores;
	size_t n_scores;
	CHECK(sl_scorecard_cell_scores(s, run, 1, 0, 3, 0, &scores, &n_scores, &err) == 0);
	CHECK_INT(n_scores, 2);
	sl_cell_scores_free(scores, n_scores);
	check_plans(s, "Compare: one case, its scores, the next failure");
	int after[4] = { 1, -1, -1, 0 };
	n_cells = 0;
	CHECK(sl_run_cells_foreach_page(s, run, after, 5, count_cell, &n_cells, &err) == 0);
	CHECK_INT(n_cells, 5);
	CHECK(sl_scorecard_cell_score(s, run, "accuracy", 1, 0, 4, 0) == 1);
	CHECK(sl_scorecard_cell_score(s, run, "accuracy", 1, 0, 3, 0) == 0);
	check_plans(s, "Scorecard drill-down: a row's first cells and headline scores");

	/* the check itself: the statement runs list used before issue 15, the scores of one
	 * cell and the replay's walk of every cell before issue 15's item 3 are caught */
	test_n_traced = 0;
	test_traced[test_n_traced++] = sl_xstrdup("SELECT (SELECT COUNT(*) FROM cells c WHERE c.run_id = r.id) "
				    "FROM runs r");
	test_traced[test_n_traced++] = sl_xstrdup("SELECT metric, value, detail FROM cell_scores WHERE run_id = "
				    "?1 AND model_idx = ?2 AND prompt_idx = ?3 AND case_idx = ?4 "
				    "AND sample = ?5 ORDER BY metric");
	test_traced[test_n_traced++] = sl_xstrdup("SELECT * FROM cell_details WHERE run_id = ?1 AND "
				    "(model_idx, prompt_idx, case_idx, sample) > (?2, ?3, ?4, ?5) "
				    "ORDER BY model_idx, prompt_idx, case_idx, sample");
	int before = test_failures;
	check_plans(s, "the old runs list, cell scores and replay");
	int caught = test_failures - before;
	test_failures = before;
	test_current = "the check catches a walk of every cell";
	CHECK_INT(caught, 3);
	sl_store_close(s);
}

TEST_MAIN_BEGIN
	RUN_TEST(test_totals_follow_cells);
	RUN_TEST(test_percentiles_kept);
	RUN_TEST(test_prompt_percentiles_one_walk);
	RUN_TEST(test_streamed_scores);
	RUN_TEST(test_readers_read_statistics);
	RUN_TEST(test_diff_merges);
TEST_MAIN_END

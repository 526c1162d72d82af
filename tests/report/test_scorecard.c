/* The scorecard against values computed by hand (numpy-linear percentiles, Wilson intervals
 * as statsmodels' proportion_confint(method="wilson")), unknown prices, per-prompt rows. */
#include "test.h"

#include <sqlite3.h>

#include "fixture.h"
#include "shortlist/scorecard.h"
#include "shortlist/stats.h"

/* alpha: 10 cells, latency 100..1000 ms, ttft 10..100 ms, 7 of 10 correct, $0.001 a cell.
 * beta: 8 successes at 200 ms with unknown cost, 2 errors, 6 of 10 correct. */
static int64_t two_model_run(struct sl_store *s)
{
	const char *models[] = { "fake:alpha", "fake:beta" };
	double price[] = { 1.0, NAN };
	const char *prompts[] = { "classify" };
	fixture_begin(s);
	int64_t run = fixture_run(s, models, price, 2, prompts, 1);
	for (int c = 0; c < 10; c++) {
		fixture_cell(s, run, 0, 0, c, 0, "yes", NULL, 100.0 * (c + 1), 10.0 * (c + 1), 50,
			     0.001);
		fixture_score(s, run, "accuracy", true, 0, 0, c, 0, c < 7 ? 1 : 0, NULL, NAN);
		fixture_score(s, run, "judge", false, 0, 0, c, 0, c == 3 ? NAN : 1 + c % 5,
			      "fake:judge", 0.0005);
		bool err = c >= 8;
		fixture_cell(s, run, 1, 0, c, 0, err ? NULL : "no", err ? "HTTP 500" : NULL,
			     err ? NAN : 200, err ? NAN : 20, err ? -1 : 40, NAN);
		fixture_score(s, run, "accuracy", true, 1, 0, c, 0, c < 6 ? 1 : 0, NULL, NAN);
	}
	fixture_commit(s);
	return run;
}

static void test_reference_values(void)
{
	struct sl_store *s = fixture_open("ref.db");
	int64_t run = two_model_run(s);
	struct sl_scorecard sc;
	struct sl_error err = { 0 };
	CHECK(sl_scorecard_build(s, run, &sc, &err) == 0);
	CHECK_INT(sc.n_rows, 2);
	CHECK_INT(sc.n_models, 2);
	CHECK_STR(sc.headline, "accuracy");
	const struct sl_scorecard_row *a = &sc.rows[0], *b = &sc.rows[1];
	CHECK_STR(a->model, "fake:alpha");
	CHECK_INT(a->n, 10);
	CHECK_NEAR(a->latency_p50, 0.550, 1e-12);
	CHECK_NEAR(a->latency_p95, 0.955, 1e-12);
	CHECK_NEAR(a->latency_p99, 0.991, 1e-12);
	CHECK_NEAR(a->latency_mean, 0.550, 1e-12);
	CHECK_NEAR(a->ttft_p50, 0.055, 1e-12);
	CHECK_NEAR(a->ttft_p95, 0.0955, 1e-12);
	/* 500 tokens over sum(latency - ttft) = 4.95 s: N / (E2E - TTFT), not (N - 1), and the
	 * README says so (it claimed "tokens after the first"). */
	CHECK_NEAR(a->tokens_per_s, 500 / 4.95, 1e-9);
	char *readme_path = test_source_path("README.md");
	char *readme = sl_read_file(readme_path, NULL, NULL);
	CHECK_CONTAINS(readme, "output tokens/s\n  `ΣN / Σ(E2E - TTFT)` over the successful cells");
	CHECK(readme && !strstr(readme, "tokens after the first"));
	free(readme);
	free(readme_path);
	CHECK_NEAR(a->cost_per_request, 0.001, 1e-12);
	CHECK_NEAR(a->cost_per_1k, 1.0, 1e-9);
	CHECK_NEAR(a->error_rate, 0.0, 1e-12);
	/* The box plot's numbers: the row's percentiles and the ends of the same index. */
	struct sl_dist d;
	CHECK(sl_scorecard_dist(s, &sc, a, false, &d, &err) == 0);
	CHECK_INT(d.n, 10);
	CHECK_NEAR(d.min, 0.1, 1e-12);
	CHECK_NEAR(d.p50, 0.55, 1e-12);
	CHECK_NEAR(d.p99, 0.991, 1e-12);
	CHECK_NEAR(d.max, 1.0, 1e-12);
	CHECK(sl_scorecard_dist(s, &sc, b, true, &d, &err) == 0);
	CHECK_INT(d.n, 8);
	CHECK_NEAR(d.p95, 0.020, 1e-12);
	CHECK(sl_scorecard_dist(s, &sc, a, true, &d, &err) == 0);
	CHECK_NEAR(d.min, 0.010, 1e-12);
	CHECK_NEAR(d.p99, 0.0991, 1e-12); /* TTFT's own p99, not latency's */
	CHECK_NEAR(d.max, 0.100, 1e-12);
	/* A drill-down: alpha's case 3 has an accuracy and a judge score it could not give. */
	struct sl_cell_score *cs;
	size_t n_cs;
	CHECK(sl_scorecard_cell_scores(s, run, 0, 0, 3, 0, &cs, &n_cs, &err) == 0);
	CHECK_INT(n_cs, 2);
	CHECK_STR(cs[0].metric, "accuracy");
	CHECK_NEAR(cs[0].value, 1, 1e-12);
	CHECK_STR(cs[1].metric, "judge");
	CHECK(isnan(cs[1].value));
	sl_cell_scores_free(cs, n_cs);

	double v;
	const struct sl_metric_value *q;
	CHECK(sl_scorecard_metric(a, "accuracy", &v, &q));
	CHECK(q != NULL);
	CHECK_NEAR(v, 0.7, 1e-12);
	CHECK_STR(q->method, "wilson");
	CHECK_NEAR(q->lo, 0.39677814746114537, 1e-9);
	CHECK_NEAR(q->hi, 0.8922087325936989, 1e-9);
	CHECK_INT(q->successes, 7);

	/* Judge: one unscored verdict is left out, not counted as zero. */
	CHECK(sl_scorecard_metric(a, "judge", &v, &q));
	CHECK_INT(q->n, 9);
	CHECK_INT(q->n_unscored, 1);
	CHECK_NEAR(v, (1 + 2 + 3 + 5 + 1 + 2 + 3 + 4 + 5) / 9.0, 1e-12);
	CHECK_STR(q->method, "bootstrap");
	CHECK(q->lo < v && v < q->hi);
	CHECK(q->lo >= 1 && q->hi <= 5);
	CHECK_INT(a->judge_calls, 10);
	CHECK_NEAR(a->judge_cost, 0.005, 1e-12);
	CHECK_NEAR(sc.judge_cost, 0.005, 1e-12);

	CHECK_STR(b->model, "fake:beta");
	CHECK_INT(b->n, 10);
	CHECK_INT(b->n_errors, 2);
	CHECK_NEAR(b->error_rate, 0.2, 1e-12);
	CHECK_NEAR(b->latency_p99, 0.2, 1e-12);
	/* Unknown price: unknown cost, never $0, and a hint how to set one. */
	CHECK(isnan(b->cost_per_request));
	CHECK(isnan(b->cost_per_1k));
	CHECK_INT(b->n_cost_unknown, 8);
	CHECK_CONTAINS(sc.price_hint, "fake:beta");
	CHECK_CONTAINS(sc.price_hint, "\"prices\"");
	CHECK(sl_scorecard_metric(b, "judge", &v, &q));
	CHECK(isnan(v));
	CHECK(!sl_scorecard_metric(b, "no_such_metric", &v, &q));

	struct sl_buf out;
	sl_buf_init(&out);
	sl_scorecard_render_text(&sc, &out);
	CHECK_CONTAINS(out.data, "0.700 [0.397,0.892]");
	CHECK_CONTAINS(out.data, "unknown");
	CHECK_CONTAINS(out.data, "judge: 10 judged cells");
	CHECK_CONTAINS(out.data, "(Wilson for proportions, bootstrap of the mean otherwise)");
	sl_buf_free(&out);

	struct sl_triangle tri;
	sl_triangle_init(&tri);
	CHECK(sl_scorecard_triangle(&sc, NULL, &tri, &err) == 0);
	CHECK_INT(tri.n, 2);
	CHECK_INT(tri.models[0].correct, 7);
	CHECK_INT(tri.models[0].total, 10);
	CHECK(!tri.models[1].known[SL_TRI_COST]);
	sl_triangle_free(&tri);
	sl_scorecard_free(&sc);
	sl_store_close(s);
}

/* With two prompts the scorecard adds a row per (model, prompt) with its own percentiles. */
static void test_per_prompt_rows(void)
{
	struct sl_store *s = fixture_open("prompts.db");
	const char *models[] = { "m" };
	double price[] = { 2.0 };
	const char *prompts[] = { "p1", "p2" };
	fixture_begin(s);
	int64_t run = fixture_run(s, models, price, 1, prompts, 2);
	for (int c = 0; c < 5; c++) {
		fixture_cell(s, run, 0, 0, c, 0, "x", NULL, 10.0 * (c + 1), NAN, 5, 0.01);
		fixture_cell(s, run, 0, 1, c, 0, "x", NULL, 1000.0 * (c + 1), NAN, 5, 0.03);
		fixture_score(s, run, "rougeL", false, 0, 0, c, 0, 0.5, NULL, NAN);
		fixture_score(s, run, "rougeL", false, 0, 1, c, 0, 0.25, NULL, NAN);
	}
	fixture_commit(s);
	struct sl_scorecard sc;
	struct sl_error err = { 0 };
	CHECK(sl_scorecard_build(s, run, &sc, &err) == 0);
	CHECK_INT(sc.n_models, 1);
	CHECK_INT(sc.n_rows, 3);
	CHECK(sc.rows[0].prompt == NULL);
	CHECK_INT(sc.rows[0].n, 10);
	CHECK_STR(sc.rows[1].prompt, "p1@1");
	CHECK_STR(sc.rows[2].prompt, "p2@1");
	/* 10,20,30,40,50 ms: p50 30, p95 48 */
	CHECK_NEAR(sc.rows[1].latency_p50, 0.030, 1e-12);
	CHECK_NEAR(sc.rows[1].latency_p95, 0.048, 1e-12);
	CHECK_NEAR(sc.rows[2].latency_p50, 3.0, 1e-12);
	/* all ten: 10..50 ms and 1..5 s: p50 between 50 ms and 1 s */
	CHECK_NEAR(sc.rows[0].latency_p50, (0.050 + 1.0) / 2, 1e-12);
	CHECK(isnan(sc.rows[0].ttft_p50));
	CHECK_NEAR(sc.rows[1].cost_per_1k, 10.0, 1e-9);
	CHECK_NEAR(sc.rows[2].cost_per_1k, 30.0, 1e-9);
	CHECK_NEAR(sc.rows[0].cost_per_1k, 20.0, 1e-9);
	double v;
	const struct sl_metric_value *q;
	CHECK(sl_scorecard_metric(&sc.rows[0], "rougeL", &v, &q));
	CHECK_NEAR(v, 0.375, 1e-12);
	CHECK(sl_scorecard_metric(&sc.rows[2], "rougeL", &v, &q));
	CHECK_NEAR(v, 0.25, 1e-12);
	/* A constant sample has a zero-width interval. */
	CHECK_NEAR(q->lo, 0.25, 1e-12);
	CHECK_NEAR(q->hi, 0.25, 1e-12);
	CHECK(sc.price_hint == NULL);
	sl_scorecard_free(&sc);
	sl_store_close(s);
}

static void test_empty_run(void)
{
	struct sl_store *s = fixture_open("empty.db");
	const char *models[] = { "m" };
	const char *prompts[] = { "p" };
	int64_t run = fixture_run(s, models, NULL, 1, prompts, 1);
	struct sl_scorecard sc;
	struct sl_error err = { 0 };
	CHECK(sl_scorecard_build(s, run, &sc, &err) == 0);
	CHECK_INT(sc.n_rows, 0);
	CHECK(sc.headline == NULL);
	struct sl_triangle tri;
	sl_triangle_init(&tri);
	CHECK(sl_scorecard_triangle(&sc, NULL, &tri, &err) != 0);
	CHECK_CONTAINS(err.msg, "no quality scores");
	sl_triangle_free(&tri);
	sl_scorecard_free(&sc);
	sl_store_close(s);
}

/* The trigger-kept statistics equal a fresh aggregation after REPLACE, UPDATE and DELETE. */
static void check_stats_match(struct sl_store *s)
{
	struct sl_error err = { 0 };
	sqlite3_stmt *st = sl_store_prepare(s,
		"SELECT COUNT(*) FROM (SELECT run_id, model_idx, prompt_idx, COUNT(*) AS n,"
		" SUM(error_kind IS NOT NULL) AS ne, TOTAL(CASE WHEN error_kind IS NULL THEN cost END)"
		" AS c, SUM(error_kind IS NULL AND latency_ms IS NOT NULL) AS nl FROM cells"
		" GROUP BY 1, 2, 3) a LEFT JOIN cell_stats b USING (run_id, model_idx, prompt_idx)"
		" WHERE b.n IS NOT a.n OR b.n_err IS NOT a.ne OR abs(b.sum_cost - a.c) > 1e-12"
		" OR b.n_lat IS NOT a.nl", &err);
	CHECK(st && sl_store_step(s, st, &err) == SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(st, 0), 0);
	sqlite3_reset(st);
	st = sl_store_prepare(s,
		"SELECT COUNT(*) FROM (SELECT run_id, metric, model_idx, prompt_idx, COUNT(value) AS n,"
		" TOTAL(value) AS t, SUM(value IS NULL) AS nn FROM cell_scores GROUP BY 1, 2, 3, 4) a"
		" LEFT JOIN score_stats b USING (run_id, metric, model_idx, prompt_idx)"
		" WHERE b.n IS NOT a.n OR abs(b.sum - a.t) > 1e-9 OR b.n_null IS NOT a.nn", &err);
	CHECK(st && sl_store_step(s, st, &err) == SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(st, 0), 0);
	sqlite3_reset(st);
}

static void test_stats_follow_writes(void)
{
	struct sl_store *s = fixture_open("writes.db");
	int64_t run = two_model_run(s);
	check_stats_match(s);
	struct sl_error err = { 0 };
	/* A resumed run rewrites a failed cell with INSERT OR REPLACE. */
	CHECK(sl_store_exec(s, "INSERT OR REPLACE INTO cells (run_id, model_idx, prompt_idx,"
			       " case_idx, sample, model, output, latency_ms, cost, finished_at)"
			       " VALUES (1, 1, 0, 9, 0, 'fake:beta', 'ok', 150, 0.5, 'now')", &err) == 0);
	CHECK(sl_store_exec(s, "INSERT OR REPLACE INTO cell_scores (run_id, metric, model_idx,"
			       " prompt_idx, case_idx, sample, kind, value, scored_at)"
			       " VALUES (1, 'accuracy', 1, 0, 9, 0, 'proportion', 1, 'now')", &err) == 0);
	check_stats_match(s);
	CHECK(sl_store_exec(s, "UPDATE cells SET latency_ms = 10, error_kind = 'http'"
			       " WHERE model_idx = 0 AND case_idx = 2;"
			       "UPDATE cell_scores SET value = NULL WHERE model_idx = 0 AND case_idx = 1", &err) == 0);
	check_stats_match(s);
	CHECK(sl_store_exec(s, "DELETE FROM cells WHERE case_idx >= 5;"
			       "DELETE FROM cell_scores WHERE case_idx >= 5", &err) == 0);
	check_stats_match(s);
	struct sl_scorecard sc;
	CHECK(sl_scorecard_build(s, run, &sc, &err) == 0);
	CHECK_INT(sc.rows[0].n, 5);
	CHECK_INT(sc.rows[0].n_errors, 1);
	sl_scorecard_free(&sc);
	/* Deleting the run leaves no statistics behind. */
	CHECK(sl_store_exec(s, "DELETE FROM runs", &err) == 0);
	sqlite3_stmt *st = sl_store_prepare(s, "SELECT (SELECT COUNT(*) FROM cell_stats) +"
					       " (SELECT COUNT(*) FROM score_stats)", &err);
	CHECK(st && sl_store_step(s, st, &err) == SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(st, 0), 0);
	sqlite3_reset(st);
	sl_store_close(s);
}

/* Human ratings: each cell's ratings averaged over raters, then over cells. */
static void test_human_ratings(void)
{
	struct sl_store *s = fixture_open("human.db");
	int64_t run = two_model_run(s);
	struct sl_error err = { 0 };
	CHECK(sl_store_exec(s, "INSERT INTO ratings (run_id, model_idx, prompt_idx, case_idx,"
			       " sample, rater, score, rated_at) VALUES"
			       " (1, 0, 0, 0, 0, 'ann', 4, 'now'), (1, 0, 0, 0, 0, 'bob', 5, 'now'),"
			       " (1, 0, 0, 1, 0, 'ann', 2, 'now')", &err) == 0);
	struct sl_scorecard sc;
	CHECK(sl_scorecard_build(s, run, &sc, &err) == 0);
	double v;
	const struct sl_metric_value *q;
	CHECK(sl_scorecard_metric(&sc.rows[0], "human", &v, &q));
	CHECK_NEAR(v, (4.5 + 2) / 2, 1e-12);
	CHECK_INT(q->n, 2);
	CHECK(q->lo >= 2 && q->hi <= 4.5 && q->lo < q->hi);
	CHECK(sl_scorecard_metric(&sc.rows[1], "human", &v, &q));
	CHECK(isnan(v));
	CHECK_INT(q->n, 0);
	sl_scorecard_free(&sc);
	sl_store_close(s);
}

/* The suite's first scorer is the headline by the name it reports under: a "rouge" scorer
 * without "as" reports "rougeL" (issue 11: the triangle ranked on the second scorer). */
static void test_headline_is_first_scorer(void)
{
	struct sl_store *s = fixture_open("headline.db");
	const char *models[] = { "fake:alpha", "fake:beta" };
	double price[] = { 1.0, 1.0 };
	const char *prompts[] = { "summary" };
	fixture_begin(s);
	int64_t run = fixture_run(s, models, price, 2, prompts, 1);
	char *sql = sl_xasprintf("UPDATE runs SET suite_json = '{\"name\":\"x\",\"scorers\":["
				 "{\"name\":\"rouge\",\"type\":\"rougeL\",\"stem\":true},"
				 "{\"name\":\"tfidf\"}]}' WHERE id = %lld", (long long)run);
	CHECK_INT(sqlite3_exec(sl_store_db(s), sql, NULL, NULL, NULL), SQLITE_OK);
	free(sql);
	for (int c = 0; c < 4; c++)
		for (int m = 0; m < 2; m++) {
			fixture_cell(s, run, m, 0, c, 0, "text", NULL, 100, 10, 5, 0.001);
			fixture_score(s, run, "rougeL", false, m, 0, c, 0, m ? 0.2 : 0.6, NULL, NAN);
			fixture_score(s, run, "tfidf", false, m, 0, c, 0, m ? 0.9 : 0.3, NULL, NAN);
		}
	fixture_commit(s);
	struct sl_scorecard sc;
	struct sl_error err = { 0 };
	CHECK(sl_scorecard_build(s, run, &sc, &err) == 0);
	CHECK_STR(sc.headline, "rougeL");
	struct sl_triangle tri;
	sl_triangle_init(&tri);
	CHECK(sl_scorecard_triangle(&sc, NULL, &tri, &err) == 0);
	CHECK_STR(tri.precision_label, "rougeL");
	CHECK_NEAR(tri.models[0].precision, 0.6, 1e-12);
	sl_triangle_free(&tri);
	/* either scorer by its reported name */
	sl_triangle_init(&tri);
	CHECK(sl_scorecard_triangle(&sc, "tfidf", &tri, &err) == 0);
	CHECK_NEAR(tri.models[1].precision, 0.9, 1e-12);
	sl_triangle_free(&tri);
	sl_scorecard_free(&sc);
	sl_store_close(s);
}

/* Rows of cell_scores the statements of a connection returned. */
static long score_rows;

static int count_score_rows(unsigned type, void *ud, void *p, void *x)
{
	(void)ud;
	(void)x;
	if (type == SQLITE_TRACE_ROW && strstr(sqlite3_sql(p), "cell_scores"))
		score_rows++;
	return 0;
}

static double q_double(struct sl_store *s, const char *sql)
{
	sqlite3_stmt *st;
	double v = NAN;
	if (sqlite3_prepare_v2(sl_store_db(s), sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The intervals cost no more for a large run than for a small one (issue 15): above
 * SL_BOOTSTRAP_MAX_N scores a mean gets the normal interval from the sums, without reading a
 * single score; below it, values that repeat are resampled as a histogram (a multinomial draw
 * over the distinct values, the bootstrap's law: test_stats checks it). */
static void test_intervals_bounded(void)
{
	struct sl_store *s = fixture_open("bounded.db");
	struct sl_error err = { 0 };
	/* bench_run's shape, 3 models x 2,500 cases: rouge1 and levenshtein are means over
	 * ~2,450 successful cells each */
	int64_t run = fixture_bench_run(s, 2500);
	/* the first build after the run was written: nothing kept yet */
	CHECK(sl_store_exec(s, "DELETE FROM score_intervals", &err) == 0);
	sqlite3_trace_v2(sl_store_db(s), SQLITE_TRACE_ROW, count_score_rows, NULL);
	score_rows = 0;
	struct sl_scorecard sc;
	CHECK(sl_scorecard_build(s, run, &sc, &err) == 0);
	CHECK_INT(score_rows, 0);
	double v;
	const struct sl_metric_value *q;
	CHECK(sl_scorecard_metric(&sc.rows[1], "rouge1", &v, &q));
	CHECK(q->n > SL_BOOTSTRAP_MAX_N);
	CHECK_STR(q->method, "normal");
	/* the normal interval of the scores themselves */
	double n = q_double(s, "SELECT COUNT(*) FROM cell_scores WHERE metric = 'rouge1' AND "
			       "model_idx = 1 AND value IS NOT NULL");
	double sum = q_double(s, "SELECT SUM(value) FROM cell_scores WHERE metric = 'rouge1' AND "
				 "model_idx = 1");
	double sumsq = q_double(s, "SELECT SUM(value * value) FROM cell_scores WHERE metric = "
				   "'rouge1' AND model_idx = 1");
	CHECK_INT(q->n, (int64_t)n);
	struct sl_interval nm = sl_stats_normal_mean((uint64_t)n, sum, sumsq, SL_Z95);
	CHECK_NEAR(q->lo, nm.lo, 1e-12);
	CHECK_NEAR(q->hi, nm.hi, 1e-12);
	/* the footnote names the interval the table shows, not a bootstrap */
	struct sl_buf out;
	sl_buf_init(&out);
	sl_scorecard_render_text(&sc, &out);
	CHECK_CONTAINS(out.data, "(Wilson for proportions; normal for means (over 2000 scores), "
				 "within the scores' range)");
	sl_buf_free(&out);
	sl_scorecard_free(&sc);

	/* Grades 1-5 on 600 cells of model 0: a bootstrap over the 5 distinct values, exactly
	 * the histogram's; the scores are read once. */
	CHECK(sl_store_exec(s, "UPDATE cell_scores SET value = 1 + (case_idx * 7) % 5 + "
			       "(case_idx % 3 = 0) * (4 - (case_idx * 7) % 5) WHERE metric = 'rouge1' "
			       "AND model_idx = 0 AND case_idx < 600; DELETE FROM cell_scores WHERE "
			       "metric = 'rouge1' AND model_idx = 0 AND case_idx >= 600", &err) == 0);
	score_rows = 0;
	CHECK(sl_scorecard_build(s, run, &sc, &err) == 0);
	CHECK(sl_scorecard_metric(&sc.rows[0], "rouge1", &v, &q));
	CHECK_STR(q->method, "bootstrap");
	CHECK(score_rows == q->n && q->n <= 600 && q->n > 500);
	double values[5];
	uint64_t counts[5];
	sqlite3_stmt *st;
	CHECK(sqlite3_prepare_v2(sl_store_db(s), "SELECT value, COUNT(*) FROM cell_scores WHERE "
				 "metric = 'rouge1' AND model_idx = 0 GROUP BY value ORDER BY value",
				 -1, &st, NULL) == SQLITE_OK);
	size_t k = 0;
	while (k < 5 && sqlite3_step(st) == SQLITE_ROW) {
		values[k] = sqlite3_column_double(st, 0);
		counts[k++] = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	CHECK_INT(k, 5);
	struct sl_interval h = sl_stats_bootstrap_mean_counts(values, counts, k,
							      SL_BOOTSTRAP_RESAMPLES, 0.95,
							      SL_BOOTSTRAP_SEED);
	CHECK(q->lo == h.lo && q->hi == h.hi);
	CHECK(q->lo < v && v < q->hi);
	sl_buf_init(&out);
	sl_scorecard_render_text(&sc, &out);
	CHECK_CONTAINS(out.data, "for means bootstrap up to 2000 scores, normal above");
	sl_buf_free(&out);
	sl_scorecard_free(&sc);

	/* Human ratings of more than SL_BOOTSTRAP_MAX_N cells: the normal interval too (the
	 * ratings are summed as they are read, not kept). */
	CHECK(sl_store_exec(s, "INSERT INTO ratings (run_id, model_idx, prompt_idx, case_idx, "
			       "sample, rater, score, rated_at) SELECT run_id, model_idx, prompt_idx, "
			       "case_idx, sample, 'ann', 1 + case_idx % 5, 'now' FROM cells WHERE "
			       "model_idx = 2", &err) == 0);
	sqlite3_trace_v2(sl_store_db(s), 0, NULL, NULL);
	CHECK(sl_scorecard_build(s, run, &sc, &err) == 0);
	CHECK(sl_scorecard_metric(&sc.rows[2], "human", &v, &q));
	CHECK_INT(q->n, 2500);
	CHECK_STR(q->method, "normal");
	CHECK_NEAR(v, 3, 1e-12);
	/* sd of 1..5 evenly: sqrt(2 * 2500 / 2499) */
	CHECK_NEAR(q->hi - v, SL_Z95 * sqrt(2.0 * 2500 / 2499) / 50, 1e-9);
	sl_scorecard_free(&sc);
	sl_store_close(s);
}

/* Intervals that stay where the scores can be (issue 15's "trustworthy numbers"): above
 * SL_BOOTSTRAP_MAX_N scores the normal interval of a near-perfect 0/1 score went past 1
 * (2,499 ones in 2,500: [0.99882, 1.00038]). A score that is 0 or 1 scored as a mean is a
 * proportion: Wilson's interval on both sides of the switch; any other mean is clipped to
 * the range of its scores, which score_stats keeps (and finds again after a deletion, even
 * in a store opened read-only). */
static void test_intervals_in_range(void)
{
	char *path = test_path("range.db");
	struct sl_store *s = fixture_open("range.db");
	const char *models[] = { "fake:perfect", "fake:hopeless", "fake:bounded", "fake:at2000",
				 "fake:at2001" };
	const double price[] = { NAN, NAN, NAN, NAN, NAN };
	const int cases[] = { 2500, 2500, 2500, 2000, 2001 };
	const char *prompts[] = { "p" };
	fixture_begin(s);
	int64_t run = fixture_run(s, models, price, 5, prompts, 1);
	for (int m = 0; m < 5; m++)
		for (int c = 0; c < cases[m]; c++) {
			fixture_cell(s, run, m, 0, c, 0, "x", NULL, 100, 10, 5, NAN);
			double v = m == 1 ? c == 0 : m == 2 ? (c == 0 ? 0.2 : c == 1 ? 0.5 : 0.9)
						 : c != 0;
			fixture_score(s, run, "verdict", false, m, 0, c, 0, v, NULL, NAN);
		}
	struct sl_error err = { 0 };
	/* human ratings of the perfect model: all 5 but one 4 */
	CHECK(sl_store_exec(s, "INSERT INTO ratings (run_id, model_idx, prompt_idx, case_idx, "
			       "sample, rater, score, rated_at) SELECT run_id, model_idx, prompt_idx, "
			       "case_idx, sample, 'ann', 5 - (case_idx = 0), 'now' FROM cells WHERE "
			       "model_idx = 0", &err) == 0);
	fixture_commit(s);
	struct sl_scorecard sc;
	CHECK(sl_scorecard_build(s, run, &sc, &err) == 0);
	double v;
	const struct sl_metric_value *q;
	struct sl_interval w;

	CHECK(sl_scorecard_metric(&sc.rows[0], "verdict", &v, &q));
	CHECK_INT(q->n, 2500);
	CHECK_STR(q->method, "wilson");
	w = sl_stats_wilson(2499, 2500, SL_Z95);
	CHECK(q->lo == w.lo && q->hi == w.hi && q->hi < 1);
	CHECK(q->lo < v && v < q->hi);
	CHECK_NEAR(v, 0.9996, 1e-12);

	CHECK(sl_scorecard_metric(&sc.rows[1], "verdict", &v, &q));
	CHECK_STR(q->method, "wilson");
	w = sl_stats_wilson(1, 2500, SL_Z95);
	CHECK(q->lo == w.lo && q->hi == w.hi && q->lo > 0);
	CHECK(q->lo < v && v < q->hi);

	/* 0.9 but for one 0.5 and one 0.2: the normal interval's top, 0.90011, clipped */
	CHECK(sl_scorecard_metric(&sc.rows[2], "verdict", &v, &q));
	CHECK_STR(q->method, "normal");
	struct sl_interval nm = sl_stats_normal_mean(2500, 2498 * 0.9 + 0.7,
						     2498 * 0.81 + 0.25 + 0.04, SL_Z95);
	CHECK(nm.hi > 0.9);
	CHECK_NEAR(q->lo, nm.lo, 1e-9);
	CHECK(q->hi == 0.9);
	CHECK(q->lo <= v && v <= q->hi);

	/* the switch at SL_BOOTSTRAP_MAX_N: one method on both sides, no step */
	const struct sl_metric_value *q3, *q4;
	CHECK(sl_scorecard_metric(&sc.rows[3], "verdict", &v, &q3));
	CHECK(sl_scorecard_metric(&sc.rows[4], "verdict", &v, &q4));
	CHECK_INT(q3->n, SL_BOOTSTRAP_MAX_N);
	CHECK_INT(q4->n, SL_BOOTSTRAP_MAX_N + 1);
	CHECK_STR(q3->method, "wilson");
	CHECK_STR(q4->method, "wilson");
	CHECK(fabs(q3->lo - q4->lo) < 2e-5 && fabs(q3->hi - q4->hi) < 2e-5);

	/* human ratings 4 and 5: within [4, 5] */
	CHECK(sl_scorecard_metric(&sc.rows[0], "human", &v, &q));
	CHECK_INT(q->n, 2500);
	CHECK_STR(q->method, "normal");
	CHECK(q->hi == 5 && q->lo >= 4 && q->lo < v);
	sl_scorecard_free(&sc);

	/* the 0.2 deleted by SQL: the low end is not known until a build finds it */
	CHECK(sl_store_exec(s, "DELETE FROM cell_scores WHERE model_idx = 2 AND case_idx = 0",
			    &err) == 0);
	CHECK(q_double(s, "SELECT vmin IS NULL FROM score_stats WHERE model_idx = 2") == 1);
	struct sl_store *ro = sl_store_open(path, SL_STORE_READONLY, &err);
	CHECK(ro != NULL);
	CHECK(ro && sl_scorecard_build(ro, run, &sc, &err) == 0);
	CHECK(ro && sl_scorecard_metric(&sc.rows[2], "verdict", &v, &q));
	CHECK(ro && q->lo >= 0.5 && q->hi == 0.9 && q->lo <= v);
	if (ro) {
		sl_scorecard_free(&sc);
		sl_store_close(ro);
	}
	CHECK(q_double(s, "SELECT vmin IS NULL FROM score_stats WHERE model_idx = 2") == 1);
	CHECK(sl_scorecard_build(s, run, &sc, &err) == 0);
	CHECK(sl_scorecard_metric(&sc.rows[2], "verdict", &v, &q));
	CHECK(q->lo >= 0.5 && q->hi == 0.9 && q->lo <= v);
	CHECK(q_double(s, "SELECT vmin FROM score_stats WHERE model_idx = 2") == 0.5);
	sl_scorecard_free(&sc);
	sl_store_close(s);
	free(path);
}

TEST_MAIN_BEGIN
	RUN_TEST(test_intervals_bounded);
	RUN_TEST(test_intervals_in_range);
	RUN_TEST(test_human_ratings);
	RUN_TEST(test_stats_follow_writes);
	RUN_TEST(test_reference_values);
	RUN_TEST(test_per_prompt_rows);
	RUN_TEST(test_empty_run);
	RUN_TEST(test_headline_is_first_scorer);
TEST_MAIN_END

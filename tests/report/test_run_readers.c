/* The readers of a run (runs list, runs show, the run view behind triangle and gates, the
 * reports that do not list every cell) read the trigger-kept statistics, never every cell
 * of the run: each statement they prepare is checked with EXPLAIN QUERY PLAN. And those
 * statistics agree with the cells themselves through inserts, updates, replaces and
 * deletes. */
#include "test.h"

#include <math.h>
#include <sqlite3.h>
#include <string.h>
#include <strings.h>

#include "fixture.h"
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

/* ---- no reader walks the run's cells ---- */

#define MAX_SQL 256
static char *seen[MAX_SQL];
static size_t n_seen;

static int on_stmt(unsigned type, void *ud, void *p, void *x)
{
	(void)ud;
	(void)p;
	const char *sql = x;
	if (type != SQLITE_TRACE_STMT || !sql || strncmp(sql, "--", 2) == 0) /* trigger steps */
		return 0;
	for (size_t i = 0; i < n_seen; i++)
		if (strcmp(seen[i], sql) == 0)
			return 0;
	if (n_seen < MAX_SQL)
		seen[n_seen++] = sl_xstrdup(sql);
	return 0;
}

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
 * cells or cell_scores that does not pin one cell. The latency and TTFT indexes are read only for percentiles, a
 * step each from an offset (scorecard.c). */
static bool reads_many_cells(const char *sql, const char *detail)
{
	if (strstr(detail, "cell_scores") || strstr(detail, "sqlite_autoindex_cells_1"))
		return !strstr(detail, "sample=?");
	if (strstr(detail, "cells_latency") || strstr(detail, "cells_ttft"))
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
	CHECK(n_seen > 0);
	for (size_t i = 0; i < n_seen; i++) {
		char *eqp = sl_xasprintf("EXPLAIN QUERY PLAN %s", seen[i]);
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(sl_store_db(s), eqp, -1, &st, NULL) != SQLITE_OK) {
			fprintf(stderr, "%s: %s\n", eqp, sqlite3_errmsg(sl_store_db(s)));
			test_failures++;
			free(eqp);
			continue;
		}
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *detail = (const char *)sqlite3_column_text(st, 3);
			if (reads_many_cells(seen[i], detail)) {
				fprintf(stderr, "%s: reads every cell of the run: %s\n  in: %s\n",
					reader, detail, seen[i]);
				test_failures++;
			}
		}
		sqlite3_finalize(st);
		free(eqp);
		free(seen[i]);
	}
	n_seen = 0;
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
	sqlite3_trace_v2(sl_store_db(s), SQLITE_TRACE_STMT, on_stmt, NULL);

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

	/* the check itself: the statement runs list used before issue 15 is caught */
	n_seen = 0;
	seen[n_seen++] = sl_xstrdup("SELECT (SELECT COUNT(*) FROM cells c WHERE c.run_id = r.id) "
				    "FROM runs r");
	int before = test_failures;
	check_plans(s, "the old runs list");
	int caught = test_failures - before;
	test_failures = before;
	test_current = "the check catches a walk of every cell";
	CHECK_INT(caught, 1);
	sl_store_close(s);
}

TEST_MAIN_BEGIN
	RUN_TEST(test_totals_follow_cells);
	RUN_TEST(test_readers_read_statistics);
TEST_MAIN_END

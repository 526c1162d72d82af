/* Scoring a run writes its scores in short transactions, one per page of cells, with the
 * scorers' work done outside them: a rescoring must never hold the store's write lock for
 * seconds while a run in another process waits to commit its answers (issue 14 item 2). */
#include "test.h"

#include "fixture.h"
#include "shortlist/report.h"

static int commits;

static int count_commit(void *ud)
{
	(void)ud;
	commits++;
	return 0;
}

/* The fixture's dataset with n cases of no fields. */
static void add_cases(struct sl_store *store, int n)
{
	struct sl_error err = { 0 };
	for (int i = 0; i < n; i++) {
		char sql[160];
		snprintf(sql, sizeof sql, "INSERT OR IGNORE INTO dataset_cases (dataset_hash, idx, line, "
					  "vars) VALUES ('dshash', %d, %d, '{}')", i, i + 1);
		CHECK_INT(sl_store_exec(store, sql, &err), 0);
	}
}

/* The run's suite: its models (a JSON list's items), scored by exact and contains "y". */
static void set_suite(struct sl_store *store, int64_t run, const char *models)
{
	struct sl_error err = { 0 };
	char *sql = sl_xasprintf("UPDATE runs SET suite_json = '{\"name\": \"f\", \"models\": "
				 "[%s], \"prompts\": [\"p\"], \"dataset\": \"cases.jsonl\", "
				 "\"scorers\": [{\"name\": \"exact\"}, {\"name\": \"contains\", "
				 "\"value\": \"y\"}]}' WHERE id = %lld", models, (long long)run);
	CHECK_INT(sl_store_exec(store, sql, &err), 0);
	free(sql);
}

static void test_rescoring_commits_in_pages(void)
{
	char *path = test_path("pages.db");
	struct sl_error err = { 0 };
	struct sl_store *store = sl_store_open(path, 0, &err);
	CHECK(store != NULL);
	const char *models[] = { "fake:a" };
	const char *prompts[] = { "p" };
	fixture_begin(store);
	int64_t run = fixture_run(store, models, NULL, 1, prompts, 1);
	enum { N = 1000 };
	add_cases(store, N);
	for (int i = 0; i < N; i++) {
		fixture_cell(store, run, 0, 0, i, 0, i % 2 ? "yes" : "no", NULL, 100, 10, 1, NAN);
	}
	set_suite(store, run, "\"fake:a\"");
	fixture_commit(store);

	sqlite3_commit_hook(sl_store_db(store), count_commit, NULL);
	struct sl_score_stats stats;
	CHECK_INT(sl_report_score_run(store, run, NULL, &stats, &err), 0);
	CHECK_INT(stats.cells, N);
	CHECK_INT(stats.scores, 3 * N); /* exact, contains and pass_rate */
	/* at least one transaction per page of 256 cells (plus the clearing and the marks) */
	CHECK(commits >= (N + 255) / 256);
	sqlite3_stmt *st = sl_store_prepare(store, "SELECT COUNT(*), SUM(value) FROM cell_scores "
						  "WHERE run_id = ? AND metric = 'exact'", &err);
	sqlite3_bind_int64(st, 1, run);
	CHECK_INT(sl_store_step(store, st, &err), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(st, 0), N);
	CHECK_INT(sqlite3_column_int(st, 1), N / 2); /* the "yes" answers */
	sqlite3_reset(st);
	/* nothing changed: nothing is scored or written again */
	commits = 0;
	CHECK_INT(sl_report_score_run(store, run, NULL, &stats, &err), 0);
	CHECK_INT(stats.scores, 0);
	CHECK_INT(commits, 0);
	sl_store_close(store);
	free(path);
}

/* Every metric's count, sum and unscored count, from the scores and from score_stats. */
static char *score_digest(struct sl_store *store, int64_t run)
{
	struct sl_error err = { 0 };
	struct sl_buf b;
	sl_buf_init(&b);
	static const char *const sql[] = {
		"SELECT metric, model_idx, COUNT(value), TOTAL(value), COUNT(*) - COUNT(value) "
		"FROM cell_scores WHERE run_id = ?1 GROUP BY metric, model_idx ORDER BY 1, 2",
		"SELECT metric, model_idx, SUM(n), TOTAL(sum), SUM(n_null) FROM score_stats "
		"WHERE run_id = ?1 GROUP BY metric, model_idx ORDER BY 1, 2",
	};
	for (size_t q = 0; q < SL_ARRAY_LEN(sql); q++) {
		sqlite3_stmt *st = sl_store_prepare(store, sql[q], &err);
		CHECK(st != NULL);
		if (!st)
			continue;
		sqlite3_bind_int64(st, 1, run);
		while (sl_store_step(store, st, &err) == SQLITE_ROW)
			sl_buf_printf(&b, "%s %d: %lld %.6f %lld\n", sqlite3_column_text(st, 0),
				      sqlite3_column_int(st, 1), sqlite3_column_int64(st, 2),
				      sqlite3_column_double(st, 3), sqlite3_column_int64(st, 4));
		sqlite3_reset(st);
		sl_buf_puts(&b, "--\n");
	}
	return b.data;
}

/* Whether the statements traced read cells by their rowid mark and nothing scans or sorts
 * a run's cells or scores (EXPLAIN QUERY PLAN); frees the trace. */
static bool plans_follow_the_mark(struct sl_store *store)
{
	bool ok = true, by_mark = false;
	for (size_t i = 0; i < test_n_traced; i++) {
		char *eqp = sl_xasprintf("EXPLAIN QUERY PLAN %s", test_traced[i]);
		sqlite3_stmt *st;
		bool cells_c = strstr(test_traced[i], "FROM cells c ") != NULL;
		if (sqlite3_prepare_v2(sl_store_db(store), eqp, -1, &st, NULL) == SQLITE_OK) {
			while (sqlite3_step(st) == SQLITE_ROW) {
				const char *d = (const char *)sqlite3_column_text(st, 3);
				by_mark |= strstr(d, "SEARCH c USING INTEGER PRIMARY KEY (rowid>?)") != NULL;
				if (strstr(d, "TEMP B-TREE") || strstr(d, "SCAN cell") ||
				    (cells_c && strncmp(d, "SEARCH c ", 9) == 0 &&
				     !strstr(d, "rowid>?"))) {
					fprintf(stderr, "%s\n  in: %s\n", d, test_traced[i]);
					ok = false;
				}
			}
			sqlite3_finalize(st);
		}
		free(eqp);
		free(test_traced[i]);
	}
	test_n_traced = 0;
	return ok && by_mark;
}

/* Live scoring (the TUI while a run streams in) scores each finished cell once over the
 * run's reloads, not every finished cell at every reload, and ends with the numbers a full
 * scoring gives: N cells over R reloads score N cells, not about N * R / 2 (issue 15). */
static void test_live_scoring_is_incremental(void)
{
	struct sl_error err = { 0 };
	struct sl_store *store = fixture_open("live.db");
	const char *models[] = { "fake:a", "fake:b" };
	const char *prompts[] = { "p" };
	fixture_begin(store);
	int64_t run = fixture_run(store, models, NULL, 2, prompts, 1);
	set_suite(store, run, "\"fake:a\", \"fake:b\"");
	char sql[512];
	enum { CASES = 600, RELOADS = 12, PER = CASES / RELOADS };
	add_cases(store, CASES);
	fixture_commit(store);
	int64_t since = -1, scored = 0, failed = 0;
	for (int r = 0; r < RELOADS; r++) {
		/* a batch of cells commits, both models interleaved as the runner writes them */
		fixture_begin(store);
		for (int i = r * PER; i < (r + 1) * PER; i++)
			for (int m = 0; m < 2; m++) {
				bool fail = (i + m) % 17 == 0;
				failed += fail;
				fixture_cell(store, run, m, 0, i, 0, i % 3 ? "yes" : "no",
					     fail ? "http" : NULL, 100, 10, 1, NAN);
			}
		fixture_commit(store);
		if (r == RELOADS - 1)
			sqlite3_trace_v2(sl_store_db(store), SQLITE_TRACE_STMT, test_trace_stmt, NULL);
		struct sl_score_stats st;
		CHECK_INT(sl_report_score_live(store, run, &since, &st, &err), 0);
		sqlite3_trace_v2(sl_store_db(store), 0, NULL, NULL);
		scored += st.cells;
	}
	/* the last reload read the new cells by their mark: no statement reads the run */
	CHECK(plans_follow_the_mark(store));
	int64_t ok = 2 * CASES - failed;
	CHECK_INT(scored, ok); /* each successful cell once (a full rescoring: ~ok * R / 2) */
	/* nothing new: nothing scored */
	struct sl_score_stats st;
	CHECK_INT(sl_report_score_live(store, run, &since, &st, &err), 0);
	CHECK_INT(st.cells, 0);
	/* a failed cell answered again (a resumed run rewrites it) is new: scored once */
	snprintf(sql, sizeof sql, "DELETE FROM cells WHERE run_id = %lld AND model_idx = 0 AND "
				  "case_idx = 17", (long long)run);
	CHECK_INT(sl_store_exec(store, sql, &err), 0);
	fixture_cell(store, run, 0, 0, 17, 0, "yes", NULL, 100, 10, 1, NAN);
	CHECK_INT(sl_report_score_live(store, run, &since, &st, &err), 0);
	CHECK_INT(st.cells, 1);
	char *live = score_digest(store, run);
	/* the same numbers as scoring every cell at once */
	CHECK_INT(sl_report_score_run(store, run, NULL, &st, &err), 0);
	CHECK_INT(st.cells, ok + 1);
	char *full = score_digest(store, run);
	CHECK_STR(live, full);
	CHECK(strstr(full, "exact 0:") != NULL);
	free(live);
	free(full);
	sl_store_close(store);
}

TEST_MAIN_BEGIN
	RUN_TEST(test_rescoring_commits_in_pages);
	RUN_TEST(test_live_scoring_is_incremental);
TEST_MAIN_END

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
	for (int i = 0; i < N; i++) {
		char sql[160];
		snprintf(sql, sizeof sql, "INSERT OR IGNORE INTO dataset_cases (dataset_hash, idx, line, "
					  "vars) VALUES ('dshash', %d, %d, '{}')", i, i + 1);
		CHECK_INT(sl_store_exec(store, sql, &err), 0);
		fixture_cell(store, run, 0, 0, i, 0, i % 2 ? "yes" : "no", NULL, 100, 10, 1, NAN);
	}
	char sql[512];
	snprintf(sql, sizeof sql, "UPDATE runs SET suite_json = '{\"name\": \"f\", \"models\": "
				  "[\"fake:a\"], \"prompts\": [\"p\"], \"dataset\": \"cases.jsonl\", "
				  "\"scorers\": [{\"name\": \"exact\"}, {\"name\": \"contains\", "
				  "\"value\": \"y\"}]}' WHERE id = %lld", (long long)run);
	CHECK_INT(sl_store_exec(store, sql, &err), 0);
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

TEST_MAIN_BEGIN
	RUN_TEST(test_rescoring_commits_in_pages);
TEST_MAIN_END

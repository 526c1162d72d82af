/* The cheap scorers score each batch of cells as it commits (sl_report_score_commit, issue
 * 15): the end-of-run scoring then finds every metric fresh and reads no cell, and the
 * scores are the ones a scoring from scratch writes, byte for byte, through a run whose
 * second model fails and a resume that runs its cells again. */
#include "test.h"

#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include "eval_util.h"
#include "fakeprov_client.h"
#include "shortlist/report.h"
#include "shortlist/runner.h"
#include "shortlist/store.h"

static struct fakeprov *fp;

/* rows with and without a reference (a scorer's detail then names the dataset line) */
static char *write_rows(int rows)
{
	char *path = test_path("commit/rows.jsonl");
	FILE *f = fopen(path, "w");
	for (int i = 0; f && i < rows; i++) {
		if (i % 7 == 3)
			fprintf(f, "{\"text\": \"review %d\", \"label\": \"positive\"}\n", i);
		else
			fprintf(f, "{\"text\": \"review %d\", \"label\": \"positive\", \"reference\": "
				   "\"%s\"}\n", i, i % 2 ? "positive" : "it is negative");
	}
	if (!f || fclose(f) != 0) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(99);
	}
	return path;
}

/* Statements that write score rows (a trigger's steps are traced as "-- ..."): a statement
 * per row ran the cell_scores triggers in frames allocated and zeroed for each row. Those
 * run with the connection's triggers on: even deferred (they do nothing) a trigger took a
 * frame a row and made SQLite copy a chunk's rows into a temporary table first. */
static long score_inserts, with_triggers;

static int count_score_inserts(unsigned type, void *ud, void *p, void *x)
{
	(void)ud;
	const char *sql = x;
	if (type == SQLITE_TRACE_STMT && sql && strncmp(sql, "INSERT INTO cell_scores", 23) == 0) {
		score_inserts++;
		int on = 0;
		sqlite3_db_config(sqlite3_db_handle(p), SQLITE_DBCONFIG_ENABLE_TRIGGER, -1, &on);
		with_triggers += on;
	}
	return 0;
}

/* Statement journals spilled to a file: 64 score rows in cell order touched enough leaves
 * to spill at most commits. */
static long *subjournals;

static int run(struct sl_store *s, struct sl_runner_opts *opts, struct sl_run_outcome *out,
	       int64_t *cells_scored)
{
	struct sl_score_commit *sc = sl_report_score_commit_new();
	opts->on_commit = sl_report_score_commit;
	opts->commit_ud = sc;
	struct sl_error err = { 0 };
	int rc = sl_runner_run(s, opts, out, &err);
	if (rc != 0)
		fprintf(stderr, "%s\n", err.msg);
	*cells_scored = sl_report_score_commit_stats(sc)->cells;
	sl_report_score_commit_free(sc);
	return rc;
}

static const char scores_sql[] = "SELECT metric, model_idx, prompt_idx, case_idx, sample, kind, "
				 "value, detail FROM cell_scores WHERE run_id = 1";

static void test_scored_at_commit(void)
{
	char *data = write_rows(120);
	char *suite = test_write_file("commit/suite.json",
		"{\"name\": \"commit\", \"models\": [\"fake:m1\", \"fake:m2\"], \"prompts\": [\"p\"], "
		"\"dataset\": \"rows.jsonl\", \"concurrency\": 16, \"scorers\": [{\"name\": "
		"\"contains\", \"value\": \"pos\"}, {\"name\": \"rouge\", \"type\": \"rouge1\", "
		"\"field\": \"reference\"}, {\"name\": \"levenshtein\", \"field\": \"reference\"}, "
		"{\"name\": \"latency\", \"max_ms\": 100000}]}");
	char *db = test_path("commit.db");
	struct sl_error err = { 0 };
	struct sl_store *s = sl_store_open(db, 0, &err);
	CHECK(s != NULL);
	char *p = test_path("p.json");
	struct run_result r = run_cli(db, (const char *[]){ "prompts", "add", p, NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	free(p);
	/* m1 answers a few different texts (an empty one too); m2 fails every cell */
	CHECK_INT(fakeprov_set_script(fp, "{\"default\": {\"text\": \"positive\"}, \"models\": "
		  "{\"m1\": {\"sequence\": [{\"text\": \"it is negative\"}, {\"text\": \"Positive, "
		  "it works\"}, {\"text\": \"\"}, {\"text\": \"negative\"}]}, \"m2\": {\"fault\": "
		  "\"status\", \"status\": 400}}}"), 0);
	struct sl_runner_opts opts = { .suite_path = suite, .max_cost = NAN };
	struct sl_run_outcome out;
	int64_t scored;
	sqlite3_trace_v2(sl_store_db(s), SQLITE_TRACE_STMT, count_score_inserts, NULL);
	/* the scoring at commit is the runner's writer thread's, on its own connection */
	test_trace_new_connections(SQLITE_TRACE_STMT, count_score_inserts, NULL);
	*subjournals = 0;
	CHECK_INT(run(s, &opts, &out, &scored), 0);
	test_trace_new_connections(0, NULL, NULL);
	CHECK_INT(*subjournals, 0);
	sqlite3_trace_v2(sl_store_db(s), 0, NULL, NULL);
	CHECK_INT(out.errors, 120);
	CHECK_INT(scored, 120);
	/* a commit's rows by chunks: fewer statements than rows, whatever the commits' sizes */
	long long rows = db_query_int(db, "SELECT COUNT(*) FROM cell_scores");
	printf("first run: %lld score rows in %ld statements, %ld with the triggers on\n", rows,
	       score_inserts, with_triggers);
	CHECK_INT(with_triggers, 0); /* the writer's: no row was there */
	CHECK(rows >= 5 * 120);
	CHECK(score_inserts > 0 && score_inserts < rows);
	/* the failed cells again, now answered */
	CHECK_INT(fakeprov_set_script(fp, "{\"default\": {\"text\": \"Positive: it works\"}}"), 0);
	opts.resume = true;
	CHECK_INT(run(s, &opts, &out, &scored), 0);
	CHECK(out.complete);
	CHECK_INT(scored, 120);
	CHECK_INT(db_query_int(db, "SELECT COUNT(*) FROM cell_scores WHERE run_id = 1"), 5 * 240);
	CHECK_INT(db_query_int(db, "SELECT COUNT(*) FROM score_marks WHERE run_id = 1 AND "
			       "ok_cells = 240"), 6); /* 4 scorers, pass_rate, (case checks) */

	/* the end-of-run scoring: every metric fresh, no cell read */
	sqlite3_trace_v2(sl_store_db(s), SQLITE_TRACE_STMT, test_trace_stmt, NULL);
	struct sl_score_stats st;
	CHECK_INT(sl_report_score_run(s, 1, NULL, &st, &err), 0);
	sqlite3_trace_v2(sl_store_db(s), 0, NULL, NULL);
	CHECK_INT(st.metrics_scored, 0);
	CHECK_INT(st.cells, 0);
	for (size_t i = 0; i < test_n_traced; i++) {
		if (strstr(test_traced[i], "FROM cells") || strstr(test_traced[i], "cell_details")) {
			fprintf(stderr, "the end-of-run scoring read cells: %s\n", test_traced[i]);
			test_failures++;
		}
		free(test_traced[i]);
	}
	test_n_traced = 0;

	/* the same rows as scoring every cell from scratch */
	char *keep = sl_xasprintf("CREATE TABLE at_commit AS %s; CREATE TABLE stats_at_commit AS "
				  "SELECT * FROM score_stats WHERE run_id = 1", scores_sql);
	CHECK_INT(sl_store_exec(s, keep, &err), 0);
	free(keep);
	CHECK_INT(sl_store_exec(s, "DELETE FROM score_marks WHERE run_id = 1", &err), 0);
	score_inserts = *subjournals = 0;
	sqlite3_trace_v2(sl_store_db(s), SQLITE_TRACE_STMT, count_score_inserts, NULL);
	CHECK_INT(sl_report_score_run(s, 1, NULL, &st, &err), 0);
	sqlite3_trace_v2(sl_store_db(s), 0, NULL, NULL);
	CHECK_INT(st.metrics_scored, 4);
	CHECK_INT(st.cells, 240);
	/* a page of 240 cells: 1,200 rows by chunks (37 of 32, one of 16), not 1,200 */
	printf("scoring from scratch: %d score rows in %ld statements, %ld statement journals in a "
	       "file\n", 5 * 240, score_inserts, *subjournals);
	CHECK_INT(*subjournals, 0);
	CHECK(score_inserts > 0 && score_inserts <= 5 * 240 / 32 + 6);
	char *diff = sl_xasprintf("SELECT COUNT(*) FROM (SELECT * FROM at_commit EXCEPT %s)",
				  scores_sql);
	CHECK_INT(db_query_int(db, diff), 0);
	free(diff);
	diff = sl_xasprintf("SELECT COUNT(*) FROM (%s EXCEPT SELECT * FROM at_commit)", scores_sql);
	CHECK_INT(db_query_int(db, diff), 0);
	free(diff);
	/* and the statistics the rows' writes kept (sums in another order) */
	CHECK_INT(db_query_int(db, "SELECT COUNT(*) FROM score_stats WHERE run_id = 1"), 5 * 2);
	CHECK_INT(db_query_int(db, "SELECT COUNT(*) FROM score_stats a JOIN stats_at_commit b "
			       "USING (run_id, metric, model_idx, prompt_idx, kind) WHERE a.n = b.n "
			       "AND a.n_null = b.n_null AND abs(a.sum - b.sum) < 1e-9 AND "
			       "abs(a.sumsq - b.sumsq) < 1e-9"), 5 * 2);
	/* the scorers' error detail names the dataset line, and the empty answer scored */
	CHECK_INT(db_query_int(db, "SELECT COUNT(*) FROM at_commit WHERE detail LIKE "
			       "'%dataset line 4)%'"), 2 * 2);
	CHECK(db_query_int(db, "SELECT COUNT(*) FROM cells WHERE run_id = 1 AND output = ''") > 0);
	sl_store_close(s);
	free(data);
	free(suite);
	free(db);
}

TEST_MAIN_BEGIN
	subjournals = count_subjournals();
	fp = fakeprov_start("{\"default\": {\"text\": \"positive\"}}");
	write_fake_provider(fp->base);
	free(test_write_file("p.json", "{\"name\": \"p\", \"user\": \"Sentiment: {{text}}\"}"));
	struct sl_error err = { 0 };
	char *d = test_path("commit");
	sl_mkdirs(d, &err);
	free(d);
	RUN_TEST(test_scored_at_commit);
	fakeprov_stop(fp);
TEST_MAIN_END

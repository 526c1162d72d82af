/* What `shortlist run` does after its last cell costs the same for a run of 300 cells as for
 * one of 3,000 (issue 15: the cost of a run grows with the work in flight, not with the size
 * of the run). Counted, never timed: the SQLite VM steps (SQLITE_STMTSTATUS_VM_STEP, every
 * row a statement visits costs some) of the end of a run that has no cell left to run
 * (`run --resume` of a complete run: the same end as a run's, minus its last commit):
 * sl_runner_finish, then what the CLI prints (the run, its groups, the scoring pass, the
 * scorecard). A count of the run's cells (9 steps a cell) or a walk of them for the summary
 * (49 a cell) made it grow tenfold, and so did emptying the run's dataset spool (a page
 * per few rows, counted as pages read). The groups' figures equal a recompute from the cells,
 * in process and in `run --json`, with answers that have no latency (as batch answers
 * come), whose output tokens are kept apart (cell_stats.tok_rest).
 * Likewise the start of `run --resume` of a run stopped midway (a model done but for two
 * failed cells, one done up to the middle with the holes and strays a killed run leaves
 * where it stopped, one not started): sl_runner_start and the first pump read what grows
 * with the models and prompts and the cells left to do, not with the cells done. An
 * aggregate over the done cells (9 steps a cell) or a walk of them to find the first cell to
 * do (21 a cell) grew tenfold. Not counted there: the dataset's spool (a pass over the
 * file, whose rows are the cases, not the cells) and its windows of 256 rows (bounded:
 * test_run_scale). The resumed run then asks for exactly the missing and failed cells, and
 * the progress it starts from, and the plan's, equal a recompute from the cells. */
#include "test.h"

#include <math.h>
#include <sqlite3.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "eval_util.h"
#include "fakeprov_client.h"
#include "shortlist/engine.h"
#include "shortlist/pipeline.h"
#include "shortlist/report.h"
#include "shortlist/runner.h"
#include "shortlist/runs.h"
#include "shortlist/scorecard.h"
#include "shortlist/store.h"

static struct fakeprov *fp;
static long long vm_steps;

static int count_steps(unsigned type, void *ud, void *p, void *x)
{
	(void)ud;
	(void)x;
	if (type != SQLITE_TRACE_PROFILE)
		return 0;
	int n = sqlite3_stmt_status(p, SQLITE_STMTSTATUS_VM_STEP, 1);
	const char *sql = sqlite3_sql(p);
	/* a row with fewer latencies and TTFTs than the scorecard keeps (4,096) has its
	 * percentiles walked each time, on purpose: bounded; a larger row reads them kept
	 * (test_run_scale) */
	if (!strstr(sql, "INDEXED BY cells_latency") && !strstr(sql, "INDEXED BY cells_ttft") &&
	    !strstr(sql, "dataset_spool"))
		vm_steps += n;
	return 0;
}

/* A run of 3 models x cases rows, scored with contains and levenshtein at commit, by the
 * CLI; then a third of its answers lose their latency, by hand. Its store's path. */
static char *make_run(int cases)
{
	char *name = sl_xasprintf("n%d/rows.jsonl", cases);
	char *data = test_path(name);
	struct sl_error err = { 0 };
	char *dir = sl_xasprintf("n%d", cases);
	char *dpath = test_path(dir);
	sl_mkdirs(dpath, &err);
	FILE *f = fopen(data, "w");
	for (int i = 0; f && i < cases; i++)
		fprintf(f, "{\"text\": \"review number %d: it works\", \"reference\": "
			   "\"positive\"}\n", i);
	CHECK(f && fclose(f) == 0);
	free(name);
	name = sl_xasprintf("n%d/suite.json", cases);
	char *suite = test_write_file(name,
		"{\"name\": \"tail\", \"models\": [\"fake:m1\", \"fake:m2\", \"fake:m3\"], "
		"\"prompts\": [\"p\"], \"dataset\": \"rows.jsonl\", \"concurrency\": 32, "
		"\"scorers\": [{\"name\": \"contains\", \"value\": \"pos\"}, \"levenshtein\"]}");
	free(name);
	name = sl_xasprintf("n%d/tail.db", cases);
	char *db = test_path(name);
	char *p = test_path("p.json");
	struct run_result r = run_cli(db, (const char *[]){ "prompts", "add", p, NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	fakeprov_reset(fp);
	r = run_cli(db, (const char *[]){ "run", suite, NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	struct sl_store *s = sl_store_open(db, 0, &err);
	CHECK(s && sl_store_exec(s, "UPDATE cells SET latency_ms = NULL WHERE case_idx % 3 = 0",
				 &err) == 0);
	/* the percentiles kept again, as the run's end keeps them */
	CHECK(s && sl_scorecard_keep(s, 1, &err) == 0);
	sl_store_close(s);
	free(db);
	free(name);
	free(data);
	free(dir);
	free(dpath);
	free(p);
	return suite;
}

/* The groups as the summary gives them, against a recompute from every cell. */
static void check_groups(struct sl_store *s, int64_t run, const struct sl_run_group *g,
			 size_t n)
{
	sqlite3_stmt *st;
	CHECK_INT(sqlite3_prepare_v2(sl_store_db(s),
		"SELECT model_idx, prompt_idx, COUNT(*), SUM(error_kind IS NOT NULL), "
		"SUM(error_kind IS NULL AND cached != 0), SUM(error_kind IS NULL AND cost IS NULL), "
		"SUM(iif(error_kind IS NULL AND tokens_out > 0, tokens_out, 0)), "
		"TOTAL(iif(error_kind IS NULL, cost, 0)) FROM cells WHERE run_id = ? "
		"GROUP BY 1, 2 ORDER BY 1, 2", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, run);
	size_t i = 0;
	for (; sqlite3_step(st) == SQLITE_ROW; i++) {
		if (i >= n)
			continue;
		CHECK_INT(g[i].model_idx, sqlite3_column_int(st, 0));
		CHECK_INT(g[i].prompt_idx, sqlite3_column_int(st, 1));
		CHECK_INT(g[i].n, sqlite3_column_int64(st, 2));
		CHECK_INT(g[i].errors, sqlite3_column_int64(st, 3));
		CHECK_INT(g[i].cached, sqlite3_column_int64(st, 4));
		CHECK_INT(g[i].cost_unknown, sqlite3_column_int64(st, 5));
		CHECK_INT(g[i].tokens_out, sqlite3_column_int64(st, 6));
		CHECK(g[i].tokens_out > 0);
		double cost = sqlite3_column_double(st, 7);
		CHECK(fabs(g[i].cost - cost) <= 1e-9 * (1 + cost));
	}
	CHECK_INT(i, n);
	sqlite3_finalize(st);
}

/* The VM steps of the end of `run --resume` of the complete run of suite in db, and the
 * pages read by the runner's end. */
static long long tail_steps(const char *db, const char *suite, long long cells, long *pages)
{
	struct sl_error err = { 0 };
	struct sl_store *s = sl_store_open(db, 0, &err);
	CHECK(s != NULL);
	struct sl_score_commit *commit = sl_report_score_commit_new();
	struct sl_runner_opts opts = { .suite_path = suite, .max_cost = NAN, .resume = true,
				       .validate = sl_report_validate_scorer,
				       .on_commit = sl_report_score_commit, .commit_ud = commit };
	struct sl_runner *r = sl_runner_start(s, &opts, NULL, &err);
	CHECK(r != NULL);
	while (r && sl_runner_pump(r))
		;
	/* from here on: what a statement prepared before ran is not counted */
	sqlite3 *db3 = sl_store_db(s);
	for (sqlite3_stmt *st = sqlite3_next_stmt(db3, NULL); st; st = sqlite3_next_stmt(db3, st))
		sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 1);
	vm_steps = 0;
	sqlite3_trace_v2(db3, SQLITE_TRACE_PROFILE, count_steps, NULL);
	struct sl_run_outcome out;
	int cur, hi;
	sqlite3_db_status(db3, SQLITE_DBSTATUS_CACHE_HIT, &cur, &hi, 1);
	sqlite3_db_status(db3, SQLITE_DBSTATUS_CACHE_MISS, &cur, &hi, 1);
	CHECK_INT(sl_runner_finish(r, &out, &err), 0);
	/* pages the runner's end reads (SQLite's truncate of a table visits none of its rows
	 * but every page) */
	sqlite3_db_status(db3, SQLITE_DBSTATUS_CACHE_HIT, &cur, &hi, 0);
	*pages = cur;
	sqlite3_db_status(db3, SQLITE_DBSTATUS_CACHE_MISS, &cur, &hi, 0);
	*pages += cur;
	CHECK(out.complete && out.already_complete);
	struct sl_run run;
	CHECK_INT(sl_run_get(s, out.run_id, &run, &err), 0);
	CHECK_INT(run.n_done, cells);
	struct sl_run_group *g = NULL;
	size_t n = 0;
	CHECK_INT(sl_run_groups(s, out.run_id, &g, &n, &err), 0);
	struct sl_run_view v;
	struct sl_run_view_options vo = { .score = true };
	CHECK_INT(sl_run_view_build(s, out.run_id, &vo, &v, &err), 0);
	struct sl_buf card;
	sl_buf_init(&card);
	struct sl_report_options ro = { .format = SL_REPORT_TEXT, .weights = v.weights,
					 .scorecard = &v.scorecard };
	CHECK_INT(sl_report_scorecard_text(s, out.run_id, &ro, &card, &err), 0);
	CHECK(card.len > 0);
	sqlite3_trace_v2(db3, 0, NULL, NULL);
	long long steps = vm_steps;
	CHECK_INT(n, 3);
	check_groups(s, out.run_id, g, n);
	sl_buf_free(&card);
	sl_run_view_free(&v);
	free(g);
	sl_run_free(&run);
	sl_report_score_commit_free(commit);
	sl_store_close(s);
	return steps;
}

/* `run --resume --json` prints the same groups. */
static void check_json(const char *db, const char *suite)
{
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, "--resume", "--json",
							    NULL }, NULL);
	CHECK_INT(r.status, 0);
	cJSON *j = cJSON_Parse(r.out);
	CHECK(j != NULL);
	const cJSON *g;
	int m = 0;
	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(j, "groups")) {
		double tok = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(g, "tokens_out"));
		char *sql = sl_xasprintf("SELECT SUM(tokens_out) FROM cells WHERE model_idx = %d AND "
					 "error_kind IS NULL AND tokens_out > 0", m++);
		CHECK_INT((long long)tok, db_query_int(db, sql));
		free(sql);
	}
	CHECK_INT(m, 3);
	cJSON_Delete(j);
	run_result_free(&r);
}

static void test_tail_does_not_grow(void)
{
	char *small = make_run(100), *large = make_run(1000);
	char *small_db = test_path("n100/tail.db"), *large_db = test_path("n1000/tail.db");
	long pa, pb;
	long long a = tail_steps(small_db, small, 300, &pa);
	long long b = tail_steps(large_db, large, 3000, &pb);
	printf("the end of a run: %lld SQLite VM steps at 300 cells, %lld at 3,000; the runner's "
	       "end read %ld and %ld pages\n", a, b, pa, pb);
	CHECK(a > 0);
	CHECK_INT(b, a);
	CHECK_INT(pb, pa);
	check_json(large_db, large);
	free(small);
	free(large);
	free(small_db);
	free(large_db);
}

/* Cut the complete run of `cases` rows in db back to where a killed run would have left it:
 * model 0 with two failed cells, model 1 done below the middle but for two holes and with two
 * strays above it, model 2 not started. The cells left to do. */
static long long cut_run(const char *db, int cases)
{
	struct sl_error err = { 0 };
	int h = cases / 2;
	char *sql = sl_xasprintf(
		"UPDATE cells SET error_kind = 'server', error_msg = 'HTTP 500', latency_ms = NULL "
		"WHERE model_idx = 0 AND case_idx IN (7, %d); "
		"DELETE FROM cells WHERE model_idx = 2 OR (model_idx = 1 AND (case_idx IN (%d, %d) "
		"OR (case_idx >= %d AND case_idx NOT IN (%d, %d)))); "
		"UPDATE runs SET status = 'incomplete'",
		cases - 3, h - 5, h - 3, h, h + 1, h + 4);
	struct sl_store *s = sl_store_open(db, 0, &err);
	CHECK(s && sl_store_exec(s, sql, &err) == 0);
	sl_store_close(s);
	free(sql);
	long long todo = 2 + 2 + (cases - h - 2) + cases;
	CHECK_INT(db_query_int(db, "SELECT COUNT(*) FROM cells WHERE error_kind IS NULL"),
		  3LL * cases - todo);
	return todo;
}

/* The VM steps of the start and first pump of `run --resume` of the half-done run of suite
 * in db (without the cache, so every cell to do is a request); then the run to its end. */
static long long resume_steps(const char *db, const char *suite, long long todo)
{
	struct sl_error err = { 0 };
	struct sl_store *s = sl_store_open(db, 0, &err);
	CHECK(s != NULL);
	struct sl_runner_opts opts = { .suite_path = suite, .max_cost = NAN, .resume = true,
				       .cache = SL_CACHE_OFF };
	struct sl_run_plan plan;
	CHECK_INT(sl_runner_plan(s, &opts, &plan, &err), 0);
	CHECK_INT(plan.done, plan.cells - todo);
	CHECK_INT(plan.cached + plan.to_request, todo);
	sqlite3 *db3 = sl_store_db(s);
	vm_steps = 0;
	sqlite3_trace_v2(db3, SQLITE_TRACE_PROFILE, count_steps, NULL);
	fakeprov_reset(fp);
	struct sl_engine *eng = sl_engine_new(&(struct sl_engine_options){ 0 }, &err);
	CHECK(eng != NULL);
	struct sl_runner *r = sl_runner_start(s, &opts, eng, &err);
	CHECK(r != NULL);
	if (!r)
		return 0;
	const struct sl_run_progress *pg = sl_runner_progress(r);
	CHECK_INT(pg->done, db_query_int(db, "SELECT COUNT(*) FROM cells WHERE error_kind IS "
					 "NULL"));
	CHECK_INT(pg->cached, db_query_int(db, "SELECT COUNT(*) FROM cells WHERE error_kind IS "
					   "NULL AND cached"));
	CHECK_INT(pg->cost_unknown, db_query_int(db, "SELECT COUNT(*) FROM cells WHERE "
						 "error_kind IS NULL AND cost IS NULL"));
	CHECK(sl_runner_pump(r));
	CHECK(pg->in_flight > 0);
	sqlite3_trace_v2(db3, 0, NULL, NULL);
	long long steps = vm_steps;
	do {
		sl_engine_wait(eng, NULL, 0, 20, &err);
		sl_engine_perform(eng);
	} while (sl_runner_pump(r));
	struct sl_run_outcome out;
	CHECK_INT(sl_runner_finish(r, &out, &err), 0);
	sl_engine_free(eng);
	CHECK(out.complete);
	CHECK_INT(fakeprov_route_count(fp, "openai.chat"), todo);
	sl_store_close(s);
	return steps;
}

static void test_resume_start_does_not_grow(void)
{
	char *small = make_run(200), *large = make_run(2000);
	char *small_db = test_path("n200/tail.db"), *large_db = test_path("n2000/tail.db");
	long long todo_a = cut_run(small_db, 200), todo_b = cut_run(large_db, 2000);
	long long a = resume_steps(small_db, small, todo_a);
	long long b = resume_steps(large_db, large, todo_b);
	printf("the start of a resumed run: %lld SQLite VM steps with %lld cells done, %lld with "
	       "%lld\n", a, 600 - todo_a, b, 6000 - todo_b);
	CHECK(a > 0);
	CHECK_INT(b, a);
	free(small);
	free(large);
	free(small_db);
	free(large_db);
}

TEST_MAIN_BEGIN
	fp = fakeprov_start("{\"default\": {\"text\": \"positive\", \"ttft_ms\": 0, "
			    "\"token_ms\": 0}}");
	write_fake_provider(fp->base);
	free(test_write_file("p.json", "{\"name\": \"p\", \"user\": \"Sentiment: {{text}}\"}"));
	RUN_TEST(test_tail_does_not_grow);
	RUN_TEST(test_resume_start_does_not_grow);
	fakeprov_stop(fp);
TEST_MAIN_END

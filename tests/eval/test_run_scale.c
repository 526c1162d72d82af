/* A run's memory does not grow with its dataset, and its reads of the store stay indexed as
 * the store grows (issue 15). Counted, never timed:
 * - the rows a run reads are never all in memory: the peak of live cJSON bytes (where
 *   rows live) while `run --check` walks a 50,000-row dataset, and the peak of the heap
 *   while the runner runs a 4,000-row one, are far below what holding every row takes;
 * - a resumed run asks exactly for its missing cells (learnt from the store in windows);
 * - every statement the runner and the planner prepare on cells, dataset_cases and the
 *   response cache is checked with EXPLAIN QUERY PLAN: a search of an index, never a scan
 *   and never a sort of the run's cells;
 * - after `shortlist run`, in the copy of its bundle that `tui --open` reads, and after
 *   `runs import` of that bundle, the first reader walks no latency or TTFT index and reads
 *   no metric's every score: what they would compute was kept when the run ended (the
 *   bundle was written). */
#include "test.h"

#include <malloc.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include "eval_util.h"
#include "fakeprov_client.h"
#include "shortlist/bundle.h"
#include "shortlist/dataset.h"
#include "shortlist/pipeline.h"
#include "shortlist/runs.h"
#include "shortlist/runner.h"
#include "shortlist/store.h"

static struct fakeprov *fp;

/* ---- live cJSON bytes, through cJSON's allocation hooks ---- */

/* Counted by the allocator's own block sizes, so a printed string that a caller frees
 * with free() instead of cJSON_free is only over-counted, never a crash. */
static size_t live, peak;

static void *count_malloc(size_t n)
{
	void *p = malloc(n);
	if (p)
		live += malloc_usable_size(p);
	if (live > peak)
		peak = live;
	return p;
}

static void count_free(void *p)
{
	if (p)
		live -= malloc_usable_size(p);
	free(p);
}

static void add_prompt(const char *db)
{
	char *p = test_path("p.json");
	struct run_result r = run_cli(db, (const char *[]){ "prompts", "add", p, NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	free(p);
}

/* rows of the bench's kind; pad makes each row's text that much longer */
static char *write_rows(const char *name, int rows, int pad)
{
	char *path = test_path(name);
	FILE *f = fopen(path, "w");
	for (int i = 0; f && i < rows; i++)
		fprintf(f, "{\"text\": \"review number %d: it works, mostly%*s\", \"label\": "
			   "\"positive\", \"reference\": \"positive\"}\n", i, pad, "");
	if (!f || fclose(f) != 0) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(99);
	}
	return path;
}

/* What one row costs in cJSON when it is held: the parsed object. */
static size_t row_bytes(void)
{
	size_t before = live;
	cJSON *o = cJSON_Parse("{\"text\": \"review number 12345: it works, mostly\", \"label\": "
			       "\"positive\", \"reference\": \"positive\"}");
	size_t n = live - before;
	cJSON_Delete(o);
	return n;
}

static void test_plan_streams_rows(void)
{
	size_t per_row = row_bytes();
	char *data = write_rows("plan/rows.jsonl", 50000, 0);
	char *suite = test_write_file("plan/suite.json",
		"{\"name\": \"plan\", \"models\": [\"fake:m1\"], \"prompts\": [\"p\"], "
		"\"dataset\": \"rows.jsonl\"}");
	char *db = test_path("plan.db");
	struct sl_error err = { 0 };
	struct sl_store *s = sl_store_open(db, 0, &err);
	CHECK(s != NULL);
	add_prompt(db);
	struct sl_runner_opts opts = { .suite_path = suite, .max_cost = NAN };
	struct sl_run_plan plan;
	peak = live;
	size_t base = live;
	CHECK_INT(sl_runner_plan(s, &opts, &plan, &err), 0);
	CHECK_INT(plan.cells, 50000);
	CHECK_INT(plan.to_request, 50000);
	/* every row held would be 50,000 x per_row (about 17 MB); a window is a few rows */
	size_t grew = peak - base;
	printf("run --check of 50,000 rows: peak %zu cJSON bytes (one row: %zu)\n", grew, per_row);
	CHECK(per_row > 100);
	CHECK(grew < 1000 * per_row);
	sl_store_close(s);
	free(data);
	free(suite);
	free(db);
}

static size_t heap_peak;

static size_t heap_in_use(void)
{
	return mallinfo2().uordblks;
}

static void sample_heap(void *ud, const struct sl_run_progress *p)
{
	(void)ud;
	(void)p;
	size_t n = heap_in_use();
	if (n > heap_peak)
		heap_peak = n;
}

/* ---- statements and their plans ---- */

/* The tables that grow with runs. */
static bool big_table(const char *detail)
{
	static const char *const big[] = { "cells", "dataset_cases", "dataset_spool", "response_cache",
					   "cell_scores" };
	for (size_t i = 0; i < SL_ARRAY_LEN(big); i++) {
		size_t n = strlen(big[i]);
		const char *t = strstr(detail, big[i]);
		if (t && (t == detail || t[-1] == ' ') && (t[n] == ' ' || t[n] == '\0'))
			return true;
	}
	return false;
}

static void check_plans(struct sl_store *s)
{
	size_t checked = 0;
	for (size_t i = 0; i < test_n_traced; i++) {
		char *eqp = sl_xasprintf("EXPLAIN QUERY PLAN %s", test_traced[i]);
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(sl_store_db(s), eqp, -1, &st, NULL) != SQLITE_OK) {
			free(eqp); /* a statement of another schema step (CREATE ...) */
			continue;
		}
		bool big = false, sorts = false;
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *detail = (const char *)sqlite3_column_text(st, 3);
			big |= big_table(detail);
			sorts |= strstr(detail, "TEMP B-TREE") != NULL;
			if (strncmp(detail, "SCAN ", 5) == 0 && big_table(detail)) {
				fprintf(stderr, "scans a table that grows: %s\n  in: %s\n", detail,
					test_traced[i]);
				test_failures++;
			}
		}
		/* the response cache's merge sorts the rows above its mark: at most
		 * CACHE_MERGE_ROWS (runner.c), whatever the cache holds */
		if (big && sorts && !strstr(test_traced[i], "rowid > (SELECT upto FROM")) {
			fprintf(stderr, "sorts rows of a table that grows\n  in: %s\n", test_traced[i]);
			test_failures++;
		}
		checked += big;
		sqlite3_finalize(st);
		free(eqp);
	}
	/* the window of rows, the done cells, the resume counts, the insert, the cache */
	CHECK(checked >= 5);
	for (size_t i = 0; i < test_n_traced; i++)
		free(test_traced[i]);
	test_n_traced = 0;
}

/* 2 models x 4,000 rows of 3 kB: the heap stays far below the rows' size. Then every fifth
 * cell deleted, and the run resumed without the cache asks for exactly those (the done
 * cells come from the store a window at a time: 6,400 done cells are more than one). */
static void test_resume_from_store(void)
{
	char *data = write_rows("resume/rows.jsonl", 4000, 3000);
	char *suite = test_write_file("resume/suite.json",
		"{\"name\": \"resume\", \"models\": [\"fake:m1\", \"fake:m2\"], "
		"\"prompts\": [\"p\"], \"dataset\": \"rows.jsonl\", \"concurrency\": 32}");
	char *db = test_path("resume.db");
	struct sl_error err = { 0 };
	struct sl_store *s = sl_store_open(db, 0, &err);
	CHECK(s != NULL);
	add_prompt(db);
	sqlite3_trace_v2(sl_store_db(s), SQLITE_TRACE_STMT, test_trace_stmt, NULL);
	test_trace_new_connections(SQLITE_TRACE_STMT, test_trace_stmt, NULL); /* the writer's */
	/* the heap in use, sampled at every progress report (each round of the loop): the
	 * page cache kept small, so what grows is the runner's own */
	CHECK_INT(sl_store_exec(s, "PRAGMA cache_size = -256; PRAGMA temp.cache_size = -256", &err), 0);
	struct sl_runner_opts opts = { .suite_path = suite, .max_cost = NAN,
				       .progress = sample_heap, .progress_ms = 1 };
	struct sl_run_outcome out;
	size_t base = heap_in_use();
	heap_peak = base;
	fakeprov_reset(fp);
	CHECK_INT(sl_runner_run(s, &opts, &out, &err), 0);
	CHECK(out.complete);
	/* the 4,000 rows held would be over 12 MB (with 2 kB rows the code that held them grew
	 * by 11.7 MB); the window is 256 rows (about 0.8 MB), the rest is the requests in
	 * flight, the engine's and the store's own: about 2.3 MB on an idle machine, up to 4.1 MB
	 * on one loaded by other builds (more answers arrive per round of the loop), so the
	 * bound leaves room for load and none for holding the rows */
	printf("run of 8,000 cells over 4,000 rows of 3 kB: the heap grew by at most %zu kB\n",
	       (heap_peak - base) / 1024);
	CHECK(heap_peak - base < 7u << 20);
	CHECK_INT(fakeprov_route_count(fp, "openai.chat"), 8000);
	char *sql = sl_xasprintf("DELETE FROM cells WHERE run_id = %lld AND (model_idx * 4000 + "
				 "case_idx) %% 5 = 0; UPDATE runs SET status = 'incomplete' WHERE "
				 "id = %lld", (long long)out.run_id, (long long)out.run_id);
	CHECK_INT(sl_store_exec(s, sql, &err), 0);
	free(sql);
	opts.resume = true;
	opts.cache = SL_CACHE_OFF;
	fakeprov_reset(fp);
	CHECK_INT(sl_runner_run(s, &opts, &out, &err), 0);
	CHECK(out.complete);
	CHECK_INT(fakeprov_route_count(fp, "openai.chat"), 1600);
	CHECK_INT(db_query_int(db, "SELECT COUNT(*) FROM cells WHERE run_id = 1 AND label = "
			       "'positive' AND expected IS NULL"), 8000);
	/* the plan of a resumed run walks the store's rows and done cells too */
	struct sl_run_plan plan;
	CHECK_INT(sl_runner_plan(s, &opts, &plan, &err), 0);
	CHECK_INT(plan.done, 8000);
	CHECK_INT(plan.to_request, 0);
	sqlite3_trace_v2(sl_store_db(s), 0, NULL, NULL);
	test_trace_new_connections(0, NULL, NULL);
	check_plans(s);
	sl_store_close(s);
	free(data);
	free(suite);
	free(db);
}

/* ---- the run keeps what its readers would compute ---- */

/* A statement that computes what a reader should read back: a percentile's walk of the
 * latency or TTFT index, or a bootstrap's read of a metric's every score. */
static bool computes(const char *sql)
{
	return strstr(sql, "cells_latency") || strstr(sql, "cells_ttft") ||
	       strstr(sql, "SELECT value FROM cell_scores WHERE run_id = ?1 AND metric = ?2");
}

/* The run view behind triangle, report and gates, and the TUI's Scorecard and Charts, built
 * on the latest run of db: the statements it ran that compute. */
static int count_computing(const char *db, const char *what)
{
	struct sl_error err = { 0 };
	struct sl_store *s = sl_store_open(db, 0, &err);
	int64_t run;
	CHECK(s && sl_run_resolve(s, "latest", &run, &err) == 0);
	sqlite3_trace_v2(sl_store_db(s), SQLITE_TRACE_STMT, test_trace_stmt, NULL);
	struct sl_run_view v;
	CHECK_INT(sl_run_view_build(s, run, NULL, &v, &err), 0);
	CHECK_INT(v.scorecard.n_models, 2);
	CHECK(v.scorecard.rows[0].latency_p50 > 0 && v.scorecard.rows[0].ttft_p95 > 0);
	sl_run_view_free(&v);
	sqlite3_trace_v2(sl_store_db(s), 0, NULL, NULL);
	int n = 0;
	for (size_t i = 0; i < test_n_traced; i++) {
		if (computes(test_traced[i])) {
			fprintf(stderr, "%s: a reader computes: %s\n", what, test_traced[i]);
			n++;
		}
		free(test_traced[i]);
	}
	test_n_traced = 0;
	sl_store_close(s);
	return n;
}

/* 2 models x 2,500 cases (5,000 latencies and TTFTs per model: kept, not walked) scored
 * with rouge1 (a bootstrap interval): after `shortlist run`, and after the import of the
 * run's bundle into another store, the first reader computes nothing. */
static void test_readers_after_run(void)
{
	char *data = write_rows("after/rows.jsonl", 2500, 0);
	char *suite = test_write_file("after/suite.json",
		"{\"name\": \"after\", \"models\": [\"fake:m1\", \"fake:m2\"], "
		"\"prompts\": [\"p\"], \"dataset\": \"rows.jsonl\", \"concurrency\": 32, "
		"\"scorers\": [{\"name\": \"rouge\", \"type\": \"rouge1\"}]}");
	char *db = test_path("after.db"), *other = test_path("after-import.db");
	char *bundle = test_path("after/run.slrun");
	add_prompt(db);
	fakeprov_reset(fp);
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	CHECK_INT(count_computing(db, "after shortlist run"), 0);
	r = run_cli(db, (const char *[]){ "runs", "export", "latest", "-o", bundle, NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	/* the bundle carries them: tui --open's copy computes nothing on its first view */
	CHECK_INT(db_query_int(bundle, "SELECT COUNT(*) FROM cell_percentiles"), 2);
	CHECK_INT(db_query_int(bundle, "SELECT COUNT(*) FROM score_intervals"),
		  db_query_int(db, "SELECT COUNT(*) FROM score_intervals"));
	struct sl_error err = { 0 };
	char *copy = sl_bundle_open_copy(bundle, &err);
	CHECK(copy != NULL);
	CHECK_INT(count_computing(copy, "the first view of the bundle's copy"), 0);
	sl_bundle_copy_remove(copy);
	r = run_cli(other, (const char *[]){ "runs", "import", bundle, NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	CHECK_INT(count_computing(other, "after runs import"), 0);
	/* the check itself: with the kept figures gone, the reader computes them (as it does on
	 * a bundle written before bundles carried them) */
	CHECK_INT(db_query_int(other, "SELECT COUNT(*) FROM cell_percentiles"), 2);
	struct sl_store *s = sl_store_open(other, 0, &err);
	CHECK(s && sl_store_exec(s, "DELETE FROM cell_percentiles; DELETE FROM score_intervals",
				 &err) == 0);
	sl_store_close(s);
	CHECK(count_computing(other, "the check catches a reader that computes") > 0);
	free(data);
	free(suite);
	free(db);
	free(other);
	free(bundle);
}

TEST_MAIN_BEGIN
	cJSON_InitHooks(&(cJSON_Hooks){ count_malloc, count_free });
	fp = fakeprov_start("{\"default\": {\"text\": \"positive\", \"ttft_ms\": 0, "
			    "\"token_ms\": 0}}");
	write_fake_provider(fp->base);
	free(test_write_file("p.json", "{\"name\": \"p\", \"user\": \"Sentiment: {{text}}\"}"));
	struct sl_error err = { 0 };
	char *d = test_path("plan");
	sl_mkdirs(d, &err);
	free(d);
	d = test_path("resume");
	sl_mkdirs(d, &err);
	free(d);
	d = test_path("after");
	sl_mkdirs(d, &err);
	free(d);
	RUN_TEST(test_plan_streams_rows);
	RUN_TEST(test_resume_from_store);
	RUN_TEST(test_readers_after_run);
	fakeprov_stop(fp);
TEST_MAIN_END

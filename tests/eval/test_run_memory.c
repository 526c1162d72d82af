/* A run's memory does not grow with the run (issue 15: peak RSS of `shortlist run` flat
 * from 10k to 1M cells). Counted in process, never timed: SQLite's heap high-water mark
 * over a 3,000-cell run and over a 12,000-cell run, each on a fresh store whose page caches
 * the runner chooses (the test sets none), with answers of 1 kB so that the runs write more
 * pages (about 10 and 40 MB) than any of the run's budgets holds. Every page cache of a run
 * has a fixed budget, so SQLite's heap stays under their sum whatever the run's size; with
 * the writer's cache sized to hold the store's growing indexes (16 MB) it grew by every page
 * the run wrote (11.3 MB over 3,000 cells, 18.1 MB over 12,000). The writer's connection is
 * checked against its budget (2 MB) as it closes, and the caller's connection gets its
 * cache sizes back after the run. */
#include "test.h"

#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include "eval_util.h"
#include "fakeprov_client.h"
#include "shortlist/report.h"
#include "shortlist/runner.h"
#include "shortlist/store.h"
#include "shortlist/util.h"

static struct fakeprov *fp;
static int64_t writer_cache; /* bytes in the page cache of the run's writer as it closed */

static int on_close(unsigned type, void *ud, void *p, void *x)
{
	(void)ud;
	(void)x;
	int cur = 0, hi = 0;
	if (type == SQLITE_TRACE_CLOSE) {
		sqlite3_db_status(p, SQLITE_DBSTATUS_CACHE_USED, &cur, &hi, 0);
		writer_cache = cur > writer_cache ? cur : writer_cache;
	}
	return 0;
}

static int cache_size(struct sl_store *s, const char *sql)
{
	sqlite3_stmt *st;
	CHECK_INT(sqlite3_prepare_v2(sl_store_db(s), sql, -1, &st, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_step(st), SQLITE_ROW);
	int n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* SQLite's heap high-water mark over a run of rows x 3 models on a fresh store. */
static int64_t run_highwater(const char *name, int rows)
{
	char *data = test_path("rows.jsonl");
	FILE *f = fopen(data, "w");
	for (int i = 0; f && i < rows; i++)
		fprintf(f, "{\"text\": \"review number %d: it works, mostly\"}\n", i);
	CHECK(f && fclose(f) == 0);
	free(data);
	char *suite = test_write_file("suite.json",
		"{\"name\": \"memory\", \"models\": [\"fake:m1\", \"fake:m2\", \"fake:m3\"], "
		"\"prompts\": [\"p\"], \"dataset\": \"rows.jsonl\", \"concurrency\": 32, "
		"\"scorers\": [{\"name\": \"contains\", \"value\": \"pos\"}, "
		"{\"name\": \"rouge\", \"type\": \"rouge1\"}, \"levenshtein\", "
		"{\"name\": \"latency\", \"max_ms\": 1000}]}");
	char *path = test_path(name);
	char *prompt = test_path("p.json");
	struct run_result rr = run_cli(path, (const char *[]){ "prompts", "add", prompt, NULL },
				       NULL);
	CHECK_INT(rr.status, 0);
	run_result_free(&rr);
	struct sl_error err = { 0 };
	struct sl_store *s = sl_store_open(path, 0, &err);
	CHECK(s != NULL);

	writer_cache = 0;
	test_trace_new_connections(SQLITE_TRACE_CLOSE, on_close, NULL);
	sqlite3_memory_highwater(1);
	struct sl_score_commit *commit = sl_report_score_commit_new();
	struct sl_runner_opts opts = { .suite_path = suite, .max_cost = NAN,
				       .validate = sl_report_validate_scorer,
				       .on_commit = sl_report_score_commit, .commit_ud = commit };
	struct sl_run_outcome out;
	fakeprov_reset(fp);
	CHECK_INT(sl_runner_run(s, &opts, &out, &err), 0);
	int64_t hw = sqlite3_memory_highwater(0);
	test_trace_new_connections(0, NULL, NULL);
	sl_report_score_commit_free(commit);
	CHECK(out.complete);
	CHECK_INT(fakeprov_route_count(fp, "openai.chat"), 3 * rows);
	/* the run's budgets are its own: the caller's connection reads on with SQLite's */
	CHECK_INT(cache_size(s, "PRAGMA main.cache_size"), -2000);
	int temp = cache_size(s, "PRAGMA temp.cache_size");
	CHECK(temp == -2000 || temp == 0); /* 0: as before the temp database opened */
	sl_store_close(s);
	free(prompt);
	free(path);
	free(suite);
	return hw;
}

static void test_run_memory_flat(void)
{
	int64_t small = run_highwater("small.db", 1000);
	int64_t small_writer = writer_cache;
	int64_t big = run_highwater("big.db", 4000);
	printf("SQLite's heap at its peak: %.2f MB over 3,000 cells, %.2f MB over 12,000; the "
	       "writer's page cache as it closed: %.2f MB and %.2f MB\n", small / 1048576.0,
	       big / 1048576.0, small_writer / 1048576.0, writer_cache / 1048576.0);
	/* the budgets (2 MB + 512 kB + 256 kB, about 5% more with SQLite's page headers) and
	 * the statements of two connections: a bound that does not depend on how many pages a
	 * run writes between two heartbeats (each starts the writer's cache over) */
	CHECK(big < 4.5 * 1024 * 1024);
	/* 2 MB of pages, and what SQLite keeps for each (about 5% more) */
	CHECK(small_writer > 0);
	CHECK(writer_cache <= 2150 * 1024);
}

TEST_MAIN_BEGIN
	char text[1001];
	memset(text, 'a', sizeof text - 1);
	memcpy(text, "positive ", 9);
	text[sizeof text - 1] = '\0';
	char *script = sl_xasprintf("{\"default\": {\"text\": \"%s\", \"chunks\": 4, "
				    "\"ttft_ms\": 0, \"token_ms\": 0}}", text);
	fp = fakeprov_start(script);
	free(script);
	write_fake_provider(fp->base);
	free(test_write_file("p.json", "{\"name\": \"p\", \"user\": \"Sentiment: {{text}}\"}"));
	RUN_TEST(test_run_memory_flat);
	fakeprov_stop(fp);
TEST_MAIN_END

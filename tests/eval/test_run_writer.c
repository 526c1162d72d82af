/* The runner's writer thread (runner.c): the loop keeps serving the network while a commit
 * is in progress. tests/fakeprov records when each request arrived on CLOCK_MONOTONIC, the
 * clock this process reads too (one clock per machine on Linux): a commit hook holds the
 * writer, and the requests that arrived meanwhile are counted from fakeprov's log. Identical
 * cells share answers not committed yet, and a store no second connection can open (a
 * temporary one) is committed by the loop. */
#include "test.h"

#include <math.h>
#include <poll.h>
#include <string.h>

#include "eval_util.h"
#include "fakeprov_client.h"
#include "shortlist/prompts.h"
#include "shortlist/runner.h"
#include "shortlist/store.h"

#define JOBS 4

static struct fakeprov *fp;
/* written by the hook on the writer thread, read once the run has ended (joined) */
static int commits;
static int64_t hold_from, hold_to;

/* The second commit holds the writer 300 ms, as a slow disk or a slow scorer would. */
static int slow_commit(void *ud, struct sl_store *store, struct sl_stats_batch *stats,
		       int64_t run_id, const struct sl_suite *suite, const struct sl_dataset *ds,
		       const struct sl_cell *cells, size_t n, struct sl_error *err)
{
	(void)ud, (void)store, (void)stats, (void)run_id, (void)suite, (void)ds, (void)cells,
		(void)n, (void)err;
	if (++commits == 2) {
		hold_from = sl_now_ns();
		poll(NULL, 0, 300);
		hold_to = sl_now_ns();
	}
	return 0;
}

/* rows cases; with dups, rows i and i + 8 of each 16 are the same case (the second starts
 * once the first has finished: 4 are in flight at a time). */
static char *write_suite(int rows, bool dups)
{
	char *data = test_path("rows.jsonl");
	FILE *f = fopen(data, "w");
	for (int i = 0; f && i < rows; i++)
		fprintf(f, "{\"text\": \"review %d\"}\n", dups ? i / 16 * 8 + i % 8 : i);
	CHECK(f && fclose(f) == 0);
	free(data);
	char *suite = sl_xasprintf("{\"name\": \"writer\", \"models\": [\"fake:m1\"], \"prompts\": "
				   "[\"p\"], \"dataset\": \"rows.jsonl\", \"concurrency\": %d}",
				   JOBS);
	char *path = test_write_file("suite.json", suite);
	free(suite);
	return path;
}

static void add_prompt(struct sl_store *s)
{
	cJSON *o = cJSON_Parse("{\"name\": \"p\", \"user\": \"Sentiment: {{text}}\"}");
	struct sl_prompt_version pv;
	struct sl_error err = { 0 };
	CHECK_INT(sl_prompt_from_json(o, "p.json", "p.json", &pv, &err), 0);
	bool created;
	CHECK_INT(sl_prompts_add(s, &pv, &created, &err), 0);
	sl_prompt_version_free(&pv);
	cJSON_Delete(o);
}

static void test_loop_serves_while_committing(void)
{
	char *suite = write_suite(3000, false);
	char *db = test_path("writer.db");
	struct sl_error err = { 0 };
	struct sl_store *s = sl_store_open(db, 0, &err);
	CHECK(s != NULL);
	add_prompt(s);
	struct sl_runner_opts opts = { .suite_path = suite, .max_cost = NAN,
				       .cache = SL_CACHE_OFF, .on_commit = slow_commit };
	struct sl_run_outcome out;
	fakeprov_reset(fp);
	CHECK_INT(sl_runner_run(s, &opts, &out, &err), 0);
	CHECK(out.complete);
	CHECK(commits >= 2 && hold_to > hold_from);
	cJSON *log = fakeprov_log(fp);
	CHECK(log && !cJSON_IsTrue(cJSON_GetObjectItem(log, "truncated")));
	const cJSON *req;
	int during = 0, all = 0;
	cJSON_ArrayForEach(req, cJSON_GetObjectItem(log, "requests")) {
		double at = cJSON_GetNumberValue(cJSON_GetObjectItem(req, "received_ns"));
		all++;
		during += at >= (double)hold_from && at <= (double)hold_to;
	}
	cJSON_Delete(log);
	printf("%d of %d requests arrived while a commit held the writer for %.0f ms\n", during,
	       all, (double)(hold_to - hold_from) / 1e6);
	CHECK_INT(all, 3000);
	/* at most JOBS requests were on their way when the hold began: any more were sent
	 * during it */
	CHECK(during > JOBS);
	CHECK_INT(db_query_int(db, "SELECT COUNT(*) FROM cells"), 3000);
	sl_store_close(s);
	free(db);
	free(suite);
}

/* An identical cell reuses an answer finished but not committed yet, also while the writer
 * holds it (a cell whose original is committed reads it from the response cache). */
static void test_identical_cells_share_uncommitted_answers(void)
{
	char *suite = write_suite(3200, true);
	char *db = test_path("dups.db");
	struct sl_error err = { 0 };
	struct sl_store *s = sl_store_open(db, 0, &err);
	CHECK(s != NULL);
	add_prompt(s);
	commits = 0;
	struct sl_runner_opts opts = { .suite_path = suite, .max_cost = NAN,
				       .on_commit = slow_commit };
	struct sl_run_outcome out;
	fakeprov_reset(fp);
	CHECK_INT(sl_runner_run(s, &opts, &out, &err), 0);
	CHECK(out.complete);
	CHECK_INT(fakeprov_route_count(fp, "openai.chat"), 1600);
	CHECK_INT(db_query_int(db, "SELECT COUNT(*) FROM cells WHERE cached"), 1600);
	CHECK_INT(db_query_int(db, "SELECT COUNT(*) FROM response_cache"), 1600);
	sl_store_close(s);
	free(db);
	free(suite);
}

/* A temporary store (SQLite's "" path) has no file a second connection could open. */
static void test_temporary_store_commits_on_the_loop(void)
{
	char *suite = write_suite(500, false);
	struct sl_error err = { 0 };
	struct sl_store *s = sl_store_open("", 0, &err);
	CHECK(s != NULL);
	if (!s) {
		fprintf(stderr, "%s\n", err.msg);
		free(suite);
		return;
	}
	add_prompt(s);
	commits = 0;
	struct sl_runner_opts opts = { .suite_path = suite, .max_cost = NAN,
				       .on_commit = slow_commit };
	struct sl_run_outcome out;
	CHECK_INT(sl_runner_run(s, &opts, &out, &err), 0);
	CHECK(out.complete);
	sqlite3_stmt *st;
	CHECK_INT(sqlite3_prepare_v2(sl_store_db(s), "SELECT COUNT(*) FROM cells", -1, &st, NULL),
		  SQLITE_OK);
	CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 500);
	sqlite3_finalize(st);
	sl_store_close(s);
	free(suite);
}

TEST_MAIN_BEGIN
	fp = fakeprov_start("{\"default\": {\"text\": \"positive\", \"ttft_ms\": 0, "
			    "\"token_ms\": 0}}");
	write_fake_provider(fp->base);
	RUN_TEST(test_loop_serves_while_committing);
	RUN_TEST(test_identical_cells_share_uncommitted_answers);
	RUN_TEST(test_temporary_store_commits_on_the_loop);
	fakeprov_stop(fp);
TEST_MAIN_END

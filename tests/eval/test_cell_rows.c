/* A commit's cell rows go in by chunks (issue 15, the writer's CPU per cell): a batch of n
 * new cells takes n / 32 + popcount(n % 32) INSERT statements (chunks of 32, 16, ... 1 in
 * key order), not one per cell, and no statement journal spills to a file. A resume whose
 * cells replace stored rows (the failed ones) goes row by row for the chunks that hold one,
 * and the statistics stay those of a recompute from the rows. Counted from the statements
 * SQLite traces on the writer's connection, attributed to the commit whose on_commit hook
 * ran last (the hook runs in the transaction, before the cell rows). */
#include "test.h"

#include <math.h>
#include <poll.h>
#include <sqlite3.h>
#include <string.h>

#include "eval_util.h"
#include "fakeprov_client.h"
#include "shortlist/prompts.h"
#include "shortlist/runner.h"
#include "shortlist/store.h"

enum { ROWS = 150, CELLS = 2 * ROWS, BIG_ROWS = 6000, MAX_COMMITS = 4096 };

static struct fakeprov *fp;

/* written on the writer thread, read once the run has ended (joined) */
static int n_commits;
static size_t commit_cells[MAX_COMMITS];
static long commit_inserts[MAX_COMMITS];
static long expect_requests;
static bool hold_second;

/* The second commit waits until every request has reached fakeprov (and a little for their
 * answers): the cells finished meanwhile come in one batch. */
static int on_commit(void *ud, struct sl_store *store, struct sl_stats_batch *stats,
		     int64_t run_id, const struct sl_suite *suite, const struct sl_dataset *ds,
		     const struct sl_cell *cells, size_t n, struct sl_error *err)
{
	(void)ud, (void)store, (void)stats, (void)run_id, (void)suite, (void)ds, (void)cells,
		(void)err;
	if (n_commits < MAX_COMMITS)
		commit_cells[n_commits] = n;
	if (++n_commits == 2 && hold_second) {
		int64_t until = sl_now_ns() + 30 * 1000000000LL;
		while (fakeprov_route_count(fp, "openai.chat") < expect_requests &&
		       sl_now_ns() < until)
			poll(NULL, 0, 20);
		poll(NULL, 0, 200);
	}
	return 0;
}

/* Cell rows written while their connection's triggers were on: even deferred (they do
 * nothing) a trigger took a VDBE frame a row and made SQLite copy a multi-row INSERT's rows
 * into a temporary table first (stats_batch.h). */
static long with_triggers;

static int count_cell_inserts(unsigned type, void *ud, void *p, void *x)
{
	(void)ud;
	const char *sql = x;
	if (type != SQLITE_TRACE_STMT || !sql || strncmp(sql, "INSERT INTO cells(", 18) != 0)
		return 0;
	if (n_commits > 0 && n_commits <= MAX_COMMITS)
		commit_inserts[n_commits - 1]++;
	int on = 0;
	sqlite3_db_config(sqlite3_db_handle(p), SQLITE_DBCONFIG_ENABLE_TRIGGER, -1, &on);
	with_triggers += on;
	return 0;
}

static long *subjournals; /* statement journals in a file */

static void run(struct sl_store *s, const char *suite, bool resume, long requests, bool hold)
{
	hold_second = hold;
	struct sl_runner_opts opts = { .suite_path = suite, .max_cost = NAN, .resume = resume,
				       .on_commit = on_commit };
	n_commits = 0;
	memset(commit_cells, 0, sizeof commit_cells);
	memset(commit_inserts, 0, sizeof commit_inserts);
	expect_requests = requests;
	*subjournals = 0;
	with_triggers = 0;
	struct sl_run_outcome out;
	struct sl_error err = { 0 };
	fakeprov_reset(fp);
	test_trace_new_connections(SQLITE_TRACE_STMT, count_cell_inserts, NULL);
	int rc = sl_runner_run(s, &opts, &out, &err);
	test_trace_new_connections(0, NULL, NULL);
	if (rc != 0)
		fprintf(stderr, "%s\n", err.msg);
	CHECK_INT(rc, 0);
	CHECK_INT(fakeprov_route_count(fp, "openai.chat"), requests);
	CHECK_INT(*subjournals, 0);
}

static int popcount(size_t v)
{
	int n = 0;
	for (; v; v &= v - 1)
		n++;
	return n;
}

/* cell_stats as a recompute from the rows has them */
static void check_stats(const char *db, const char *when)
{
	long long bad = db_query_int(db,
		"SELECT COUNT(*) FROM (SELECT run_id, model_idx, prompt_idx, COUNT(*) AS n, "
		"COUNT(error_kind) AS n_err, SUM(cached) AS n_cached, "
		"COUNT(CASE WHEN error_kind IS NULL THEN latency_ms END) AS n_lat, "
		"TOTAL(CASE WHEN error_kind IS NULL THEN latency_ms END) AS sum_lat FROM cells "
		"GROUP BY 1, 2, 3) r FULL JOIN cell_stats s USING (run_id, model_idx, prompt_idx) "
		"WHERE r.n IS NOT s.n OR r.n_err IS NOT s.n_err OR r.n_cached IS NOT s.n_cached "
		"OR r.n_lat IS NOT s.n_lat OR abs(r.sum_lat - s.sum_lat) > 1e-6");
	if (bad != 0) {
		fprintf(stderr, "%s: %lld groups of cell_stats differ from the rows\n", when, bad);
		test_failures++;
	}
}

/* A store with prompt p and a suite of `models` models over rows cases (name.json,
 * name.jsonl), run at concurrency jobs. */
static struct sl_store *open_store(const char *name, int rows, const char *models, int jobs,
				   char **suite, char **db)
{
	char *data_name = sl_xasprintf("%s.jsonl", name);
	char *data = test_path(data_name);
	FILE *f = fopen(data, "w");
	for (int i = 0; f && i < rows; i++)
		fprintf(f, "{\"text\": \"review %d\"}\n", i);
	CHECK(f && fclose(f) == 0);
	char *json = sl_xasprintf("{\"name\": \"%s\", \"models\": [%s], \"prompts\": [\"p\"], "
				  "\"dataset\": \"%s\", \"concurrency\": %d}", name, models,
				  data_name, jobs);
	char *suite_name = sl_xasprintf("%s.json", name);
	*suite = test_write_file(suite_name, json);
	char *db_name = sl_xasprintf("%s.db", name);
	*db = test_path(db_name);
	struct sl_error err = { 0 };
	struct sl_store *s = sl_store_open(*db, 0, &err);
	CHECK(s != NULL);
	cJSON *o = cJSON_Parse("{\"name\": \"p\", \"user\": \"Sentiment: {{text}}\"}");
	struct sl_prompt_version pv;
	CHECK_INT(sl_prompt_from_json(o, "p.json", "p.json", &pv, &err), 0);
	bool created;
	CHECK_INT(sl_prompts_add(s, &pv, &created, &err), 0);
	sl_prompt_version_free(&pv);
	cJSON_Delete(o);
	free(data_name);
	free(data);
	free(json);
	free(suite_name);
	free(db_name);
	return s;
}

static void test_cell_rows_by_chunks(void)
{
	char *suite, *db;
	struct sl_store *s = open_store("rows", ROWS, "\"fake:m1\", \"fake:m2\"", 8, &suite, &db);
	/* m2 fails every cell: stored, to be replaced by the resume */
	CHECK_INT(fakeprov_set_script(fp, "{\"default\": {\"text\": \"positive\"}, \"models\": "
		  "{\"m2\": {\"fault\": \"status\", \"status\": 400}}}"), 0);
	run(s, suite, false, CELLS, true);
	size_t cells = 0, biggest = 0;
	long inserts = 0, chunks = 0;
	for (int i = 0; i < n_commits && i < MAX_COMMITS; i++) {
		size_t n = commit_cells[i];
		cells += n;
		biggest = n > biggest ? n : biggest;
		inserts += commit_inserts[i];
		chunks += (long)(n / 32) + popcount(n % 32);
		if (commit_inserts[i] != (long)(n / 32) + popcount(n % 32)) {
			fprintf(stderr, "commit %d: %zu cells in %ld INSERT statements\n", i, n,
				commit_inserts[i]);
			test_failures++;
		}
	}
	printf("first run: %zu cells in %d commits (the largest %zu), %ld INSERT statements, %ld "
	       "with the triggers on\n", cells, n_commits, biggest, inserts, with_triggers);
	CHECK_INT(with_triggers, 0);
	CHECK_INT((long)cells, CELLS);
	CHECK(biggest >= 32); /* else the count above could not tell chunks from rows */
	CHECK(inserts == chunks && inserts < CELLS);
	CHECK_INT(db_query_int(db, "SELECT COUNT(*) FROM cells"), CELLS);
	CHECK_INT(db_query_int(db, "SELECT COUNT(*) FROM cells WHERE error_kind IS NOT NULL"),
		  ROWS);
	check_stats(db, "first run");

	/* the failed cells again, now answered: each chunk holds a stored row, row by row */
	CHECK_INT(fakeprov_set_script(fp, "{\"default\": {\"text\": \"positive\"}}"), 0);
	run(s, suite, true, ROWS, true);
	inserts = 0;
	for (int i = 0; i < n_commits && i < MAX_COMMITS; i++)
		inserts += commit_inserts[i];
	printf("resume: %d commits, %ld INSERT statements for %d replaced rows\n", n_commits,
	       inserts, ROWS);
	CHECK(inserts >= ROWS);
	CHECK_INT(db_query_int(db, "SELECT COUNT(*) FROM cells"), CELLS);
	CHECK_INT(db_query_int(db, "SELECT COUNT(*) FROM cells WHERE error_kind IS NOT NULL"), 0);
	check_stats(db, "resume");
	sl_store_close(s);
	free(db);
	free(suite);
}

/* A run big enough that a chunk's rows land on more leaves of the latency and TTFT indexes
 * than a statement journal holds in memory (64 kB): the writer's statement journals stay in
 * memory (a file costs a pwrite64 per page for the rest of each transaction). */
static void test_no_statement_journal_in_a_file(void)
{
	char *suite, *db;
	struct sl_store *s = open_store("big", BIG_ROWS, "\"fake:m1\"", 64, &suite, &db);
	CHECK_INT(fakeprov_set_script(fp, "{\"default\": {\"text\": \"positive\"}}"), 0);
	run(s, suite, false, BIG_ROWS, false);
	printf("%d cells in %d commits, %ld statement journals in a file\n", BIG_ROWS, n_commits,
	       *subjournals);
	CHECK_INT(db_query_int(db, "SELECT COUNT(*) FROM cells"), BIG_ROWS);
	check_stats(db, "big run");
	sl_store_close(s);
	free(db);
	free(suite);
}

TEST_MAIN_BEGIN
	subjournals = count_subjournals();
	fp = fakeprov_start("{\"default\": {\"text\": \"positive\"}}");
	write_fake_provider(fp->base);
	RUN_TEST(test_cell_rows_by_chunks);
	RUN_TEST(test_no_statement_journal_in_a_file);
	fakeprov_stop(fp);
TEST_MAIN_END

/* A run costs no more on a store that already holds a lot than on an empty one (issue 15).
 * Counted, never timed: the same run (2 models x 1,500 rows) in process on an empty store
 * and on one holding 40,000 answers in the response cache (300 bytes each, 14 MB) and
 * another run's 30,000 cells, with a page cache of 2 MB (SQLite's default; the runner
 * keeps a size its caller chose) so that the layout is tested, not the cache's size:
 * SQLite's page-cache misses per cell
 * (SQLITE_DBSTATUS_CACHE_MISS: a page read from the file) stay within 2x of the empty
 * store's plus what reading the cache's key index once takes. With the answers in the
 * key's B-tree every lookup and insert read a page of 14 MB at random: about 2 misses a
 * cell.
 * The writes are the runner's writer thread's, on its own connection: its misses are held to
 * that. The loop's connection only reads (the cache lookups): its page cache starts over
 * whenever the writer commits, so a lookup reads the leaf of the key's index it needs, at
 * most about one page a cell, whatever the store holds.
 * The cache's statements are checked with EXPLAIN QUERY PLAN: a search of the key table;
 * its insert with EXPLAIN: one row, no temporary table, no index entry (the keys are merged
 * in sorted bulk). The pages the writer wrote per cell are printed, not checked: they
 * depend on how many cells each commit takes, which is timing. */
#include "test.h"

#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include "../report/fixture.h"
#include "eval_util.h"
#include "fakeprov_client.h"
#include "shortlist/runner.h"
#include "shortlist/store.h"

static struct fakeprov *fp;

static struct sl_store *open_store(const char *name)
{
	char *path = test_path(name);
	struct sl_error err = { 0 };
	struct sl_store *s = sl_store_open(path, 0, &err);
	CHECK(s != NULL);
	CHECK_INT(sl_store_exec(s, "PRAGMA cache_size = -2048", &err), 0);
	char *prompt = test_path("p.json");
	struct run_result r = run_cli(path, (const char *[]){ "prompts", "add", prompt, NULL },
				      NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	free(prompt);
	free(path);
	return s;
}

/* Misses and pages written of the connections the run opened (its writer's), counted as
 * they close; with trace on, their statements too. */
static int64_t other_misses, other_writes;
static bool trace_stmts;

static int on_other(unsigned type, void *ud, void *p, void *x)
{
	int cur = 0, hi = 0;
	if (type == SQLITE_TRACE_CLOSE) {
		sqlite3_db_status(p, SQLITE_DBSTATUS_CACHE_MISS, &cur, &hi, 0);
		other_misses += cur; /* closed on the runner's own thread */
		sqlite3_db_status(p, SQLITE_DBSTATUS_CACHE_WRITE, &cur, &hi, 0);
		other_writes += cur;
	} else if (trace_stmts) {
		test_trace_stmt(type, ud, p, x);
	}
	return 0;
}

/* Page-cache misses per cell of one run of suite on s: of the connections it opened (the
 * writer's) and, in *loop, of s (each connection's own counter); in *writes the pages the
 * writer wrote (WAL frames) per cell. */
static double misses_per_cell(struct sl_store *s, const char *suite, int64_t cells, double *loop,
			      double *writes)
{
	int cur = 0, hi = 0;
	sqlite3_db_status(sl_store_db(s), SQLITE_DBSTATUS_CACHE_MISS, &cur, &hi, 1);
	other_misses = 0;
	other_writes = 0;
	test_trace_new_connections(SQLITE_TRACE_CLOSE | SQLITE_TRACE_STMT, on_other, NULL);
	struct sl_runner_opts opts = { .suite_path = suite, .max_cost = NAN };
	struct sl_run_outcome out;
	struct sl_error err = { 0 };
	fakeprov_reset(fp);
	CHECK_INT(sl_runner_run(s, &opts, &out, &err), 0);
	CHECK(out.complete);
	CHECK_INT(fakeprov_route_count(fp, "openai.chat"), cells);
	sqlite3_db_status(sl_store_db(s), SQLITE_DBSTATUS_CACHE_MISS, &cur, &hi, 0);
	test_trace_new_connections(0, NULL, NULL);
	*loop = (double)cur / (double)cells;
	*writes = (double)other_writes / (double)cells;
	return (double)other_misses / (double)cells;
}

/* The number of times opcode appears in the program of sql. */
static int count_opcode(struct sl_store *s, const char *sql, const char *opcode)
{
	char *ex = sl_xasprintf("EXPLAIN %s", sql);
	sqlite3_stmt *st;
	CHECK_INT(sqlite3_prepare_v2(sl_store_db(s), ex, -1, &st, NULL), SQLITE_OK);
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW)
		n += strcmp((const char *)sqlite3_column_text(st, 1), opcode) == 0;
	sqlite3_finalize(st);
	free(ex);
	return n;
}

static void check_cache_plans(struct sl_store *s)
{
	size_t lookups = 0, inserts = 0, merges = 0;
	for (size_t i = 0; i < test_n_traced; i++) {
		const char *sql = test_traced[i];
		if (!strstr(sql, "response_cache") || strstr(sql, "UPDATE response_cache_merged"))
			continue;
		if (strncmp(sql, "INSERT OR IGNORE INTO response_cache_keys", 41) == 0)
			continue; /* a row of the merge, by key */
		if (strncmp(sql, "INSERT INTO response_cache(", 27) == 0) {
			/* one row, VALUES: an INSERT ... SELECT reading the cache fills a
			 * temporary table for every answer first (a 4 kB page zeroed, half the
			 * answer's cost) */
			if (count_opcode(s, sql, "OpenEphemeral") != 0) {
				fprintf(stderr, "the cache's insert fills a temporary table: %s\n", sql);
				test_failures++;
			}
			/* no index entry: a key is random, and an index of them took a page
			 * written to the WAL per answer once it outgrew a commit (issue 15); the
			 * keys go to response_cache_keys in sorted bulk (the merge below) */
			if (count_opcode(s, sql, "IdxInsert") != 0) {
				fprintf(stderr, "the cache's insert writes an index entry: %s\n", sql);
				test_failures++;
			}
			CHECK(strstr(sql, "VALUES") != NULL);
			inserts++;
			continue;
		}
		char *eqp = sl_xasprintf("EXPLAIN QUERY PLAN %s", sql);
		sqlite3_stmt *st;
		CHECK_INT(sqlite3_prepare_v2(sl_store_db(s), eqp, -1, &st, NULL), SQLITE_OK);
		bool by_key = false;
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *detail = (const char *)sqlite3_column_text(st, 3);
			if (!detail)
				continue;
			if (strstr(detail, "response_cache") && !strstr(detail, "_merged") &&
			    strncmp(detail, "SCAN", 4) == 0) {
				fprintf(stderr, "scans the response cache: %s\n  in: %s\n", detail, sql);
				test_failures++;
			}
			/* the merge reads the rows above upto, the lookups a key */
			by_key |= strstr(detail, "USING PRIMARY KEY (k=?)") ||
				  strstr(detail, "response_cache USING INTEGER PRIMARY KEY (rowid>?)");
		}
		if (!by_key) {
			fprintf(stderr, "not by key: %s\n", sql);
			test_failures++;
		}
		bool merge = strstr(sql, "rowid > (SELECT upto FROM") != NULL;
		merges += merge;
		lookups += !merge && strncmp(sql, "SELECT", 6) == 0;
		sqlite3_finalize(st);
		free(eqp);
	}
	CHECK(lookups >= 1);
	CHECK_INT(merges, 1); /* when the run started */
	CHECK_INT(inserts, 1);
	for (size_t i = 0; i < test_n_traced; i++)
		free(test_traced[i]);
	test_n_traced = 0;
}

static void test_big_store_costs_as_empty(void)
{
	char *data = test_path("rows.jsonl");
	FILE *f = fopen(data, "w");
	for (int i = 0; f && i < 1500; i++)
		fprintf(f, "{\"text\": \"review number %d: it works, mostly\"}\n", i);
	CHECK(f && fclose(f) == 0);
	char *suite = test_write_file("suite.json",
		"{\"name\": \"growth\", \"models\": [\"fake:m1\", \"fake:m2\"], "
		"\"prompts\": [\"p\"], \"dataset\": \"rows.jsonl\", \"concurrency\": 32}");

	struct sl_store *empty = open_store("empty.db");
	double base_loop, grown_loop, base_writes, grown_writes;
	double base = misses_per_cell(empty, suite, 3000, &base_loop, &base_writes);
	sl_store_close(empty);

	struct sl_store *big = open_store("big.db");
	fixture_bench_run(big, 10000);
	struct sl_error err = { 0 };
	CHECK_INT(sl_store_exec(big,
		"INSERT INTO response_cache (key, endpoint, model, output, created_at) "
		"WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 39999) "
		"SELECT lower(hex(randomblob(32))), 'http://127.0.0.1/v1', 'm', "
		"  printf('%.300c', 'a'), '2026-12-03T00:00:00Z' FROM k; "
		/* their keys, as the runs that stored them leave them */
		"INSERT INTO response_cache_keys SELECT substr(key, 1, 8), rowid FROM "
		"  response_cache ORDER BY 1, 2; "
		"UPDATE response_cache_merged SET upto = (SELECT MAX(rowid) FROM response_cache)",
		&err), 0);
	sqlite3_trace_v2(sl_store_db(big), SQLITE_TRACE_STMT, test_trace_stmt, NULL);
	trace_stmts = true;
	double grown = misses_per_cell(big, suite, 3000, &grown_loop, &grown_writes);
	trace_stmts = false;
	sqlite3_trace_v2(sl_store_db(big), 0, NULL, NULL);
	printf("page-cache misses per cell of the writes: %.3f on an empty store, %.3f on one "
	       "holding 40,000 cached answers and a 30,000-cell run; of the lookups: %.3f and "
	       "%.3f\n", base, grown, base_loop, grown_loop);
	printf("pages written per cell by the writer: %.3f on the empty store, %.3f on the big "
	       "one\n", base_writes, grown_writes);
	/* reading the key index once (about 170 pages of 4 kB for 43,000 keys) is 0.06 a cell */
	CHECK(grown <= 2 * base + 0.15);
	CHECK(grown_loop <= 1.5);
	check_cache_plans(big);
	sl_store_close(big);
	free(data);
	free(suite);
}

TEST_MAIN_BEGIN
	fp = fakeprov_start("{\"default\": {\"text\": \"positive\", \"ttft_ms\": 0, "
			    "\"token_ms\": 0}}");
	write_fake_provider(fp->base);
	free(test_write_file("p.json", "{\"name\": \"p\", \"user\": \"Sentiment: {{text}}\"}"));
	RUN_TEST(test_big_store_costs_as_empty);
	fakeprov_stop(fp);
TEST_MAIN_END

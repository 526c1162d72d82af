/* The statistics the triggers keep (cell_stats with its cost extras, cell_reported,
 * score_stats) are written once per committed batch on the hot paths and stay exact on every
 * path (issue 15):
 * - a run's commits and its scoring's pages write them with one UPSERT per group and
 *   transaction, counted from the statements SQLite traces (a trigger's steps are traced as
 *   "-- STEP"): no trigger step writes them for a new cell or score;
 * - after a run with failed cells, its scoring, live scoring over those scores (which
 *   replaces them), a resume (which replaces the failed cells), a rescore, a second run
 *   (cached cells with a cost), the deletion of the first run by SQL and a bundle import into
 *   another store, every one of them equals a recompute from the cells and scores. */
#include "test.h"

#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <string.h>

#include "eval_util.h"
#include "fakeprov_client.h"
#include "shortlist/bundle.h"
#include "shortlist/report.h"
#include "shortlist/runner.h"
#include "shortlist/scorecard.h"
#include "shortlist/stats_batch.h"
#include "shortlist/store.h"

static struct fakeprov *fp;

/* ---- counting what writes the statistics ---- */

struct counts {
	long trigger_steps; /* trigger steps that write a statistics table */
	long upserts;       /* statements of the store's own that do */
	long commits;
};

static bool writes_stats(const char *sql)
{
	static const char *const verbs[] = { "INSERT INTO ", "UPDATE " };
	static const char *const tables[] = { "cell_stats", "cell_reported", "score_stats" };
	for (size_t v = 0; v < SL_ARRAY_LEN(verbs); v++) {
		size_t n = strlen(verbs[v]);
		if (strncmp(sql, verbs[v], n) != 0)
			continue;
		for (size_t t = 0; t < SL_ARRAY_LEN(tables); t++) {
			size_t k = strlen(tables[t]);
			if (strncmp(sql + n, tables[t], k) == 0 && (sql[n + k] == ' ' || !sql[n + k]))
				return true;
		}
	}
	return false;
}

/* Called on the runner's loop and writer threads both. */
static int count_stmt(unsigned type, void *ud, void *p, void *x)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	(void)p;
	struct counts *c = ud;
	const char *sql = x;
	if (type != SQLITE_TRACE_STMT || !sql)
		return 0;
	pthread_mutex_lock(&lock);
	if (strncmp(sql, "-- ", 3) == 0)
		c->trigger_steps += writes_stats(sql + 3);
	else if (strcmp(sql, "COMMIT") == 0)
		c->commits++;
	else
		c->upserts += writes_stats(sql);
	pthread_mutex_unlock(&lock);
	return 0;
}

/* ---- the statistics against a recompute ---- */

/* Both queries give rows ordered by their first n_key columns; the stored one leaves out
 * rows that count nothing (what deletions leave behind). Integers must be equal, reals equal
 * up to rounding; each row that differs is a failure. */
static void compare_rows(sqlite3 *db, const char *what, const char *stored, const char *recomputed,
			int n_key)
{
	sqlite3_stmt *a, *b;
	if (sqlite3_prepare_v2(db, stored, -1, &a, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, recomputed, -1, &b, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
		exit(99);
	}
	int bad = 0, rows = 0;
	for (;;) {
		int ra = sqlite3_step(a), rb = sqlite3_step(b);
		if (ra != SQLITE_ROW || rb != SQLITE_ROW) {
			if (ra != rb) {
				fprintf(stderr, "%s: %s has more rows\n", what,
					ra == SQLITE_ROW ? "the stored table" : "the recompute");
				bad++;
			}
			break;
		}
		rows++;
		int n = sqlite3_column_count(a);
		for (int i = 0; i < n; i++) {
			bool same;
			if (i < n_key || sqlite3_column_type(b, i) == SQLITE_TEXT ||
			    sqlite3_column_type(b, i) == SQLITE_INTEGER) {
				same = strcmp((const char *)sqlite3_column_text(a, i),
					      (const char *)sqlite3_column_text(b, i)) == 0;
			} else {
				double x = sqlite3_column_double(a, i), y = sqlite3_column_double(b, i);
				same = fabs(x - y) <= 1e-9 * (1 + fabs(y));
			}
			if (!same) {
				fprintf(stderr, "%s: row %d, %s: stored %s, recomputed %s\n", what,
					rows, sqlite3_column_name(a, i),
					(const char *)sqlite3_column_text(a, i),
					(const char *)sqlite3_column_text(b, i));
				bad++;
				break;
			}
		}
	}
	sqlite3_finalize(a);
	sqlite3_finalize(b);
	if (bad)
		fprintf(stderr, "[%s] %s differs from its recompute\n", test_current, what);
	test_failures += bad;
}

#define GEN "error_kind IS NULL AND tokens_out > 0 AND latency_ms > COALESCE(ttft_ms, 0)"

#define SAME_STATS_ROW \
	"c.run_id = t.run_id AND c.metric = t.metric AND c.model_idx = t.model_idx AND " \
	"c.prompt_idx = t.prompt_idx"
#define STALE_RANGES \
	"SELECT COUNT(*) FROM score_stats WHERE n > 0 AND (vmin IS NULL OR vmax IS NULL)"

static long long query_int(struct sl_store *s, const char *sql);

/* Every trigger-kept aggregate equals its recompute, and no deferral was left behind. */
static void check_aggregates(struct sl_store *s, const char *when)
{
	sqlite3 *db = sl_store_db(s);
	test_current = when;
	compare_rows(db, "cell_stats",
		"SELECT run_id, model_idx, prompt_idx, n, n_err, n_cached, n_lat, n_ttft, n_cost,"
		" sum_lat, sum_cost, sum_tok, sum_gen_ms, cost_err, cost_cached, tok_rest FROM"
		" cell_stats"
		" WHERE n != 0 OR n_err != 0 OR n_cached != 0 OR n_lat != 0 OR n_ttft != 0 OR"
		" n_cost != 0 ORDER BY 1, 2, 3",
		"SELECT run_id, model_idx, prompt_idx, COUNT(*), SUM(error_kind IS NOT NULL),"
		" SUM(cached != 0), SUM(error_kind IS NULL AND latency_ms IS NOT NULL),"
		" SUM(error_kind IS NULL AND ttft_ms IS NOT NULL), SUM(error_kind IS NULL AND cost"
		" IS NOT NULL), TOTAL(iif(error_kind IS NULL, latency_ms, 0)), TOTAL(iif(error_kind"
		" IS NULL, cost, 0)), TOTAL(iif(" GEN ", tokens_out, 0)), TOTAL(iif(" GEN ","
		" latency_ms - COALESCE(ttft_ms, 0), 0)), TOTAL(iif(error_kind IS NOT NULL, cost,"
		" 0)), TOTAL(iif(cached != 0, cost, 0)), TOTAL(iif(error_kind IS NULL AND tokens_out"
		" > 0 AND (latency_ms > COALESCE(ttft_ms, 0)) IS NOT 1, tokens_out, 0)) FROM cells"
		" GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
		3);
	compare_rows(db, "cell_reported",
		"SELECT run_id, model_idx, reported_model, n FROM cell_reported WHERE n != 0"
		" ORDER BY 1, 2, 3",
		"SELECT run_id, model_idx, reported_model, COUNT(*) FROM cells WHERE reported_model"
		" IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3", 3);
	compare_rows(db, "score_stats",
		"SELECT run_id, metric, model_idx, prompt_idx, kind, n, n_null, judge_n,"
		" judge_cost_unknown, judge_cached, sum, sumsq, judge_cost FROM score_stats"
		" WHERE n != 0 OR n_null != 0 ORDER BY 1, 2, 3, 4",
		"SELECT run_id, metric, model_idx, prompt_idx, MIN(kind), SUM(value IS NOT NULL),"
		" SUM(value IS NULL), SUM(judge_model IS NOT NULL), SUM(judge_model IS NOT NULL AND"
		" judge_cost IS NULL), SUM(judge_model IS NOT NULL AND judge_cached != 0),"
		" TOTAL(value), TOTAL(value * value), TOTAL(judge_cost) FROM cell_scores"
		" GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4", 4);
	/* the range of each row's scores: exact, or NULL where a replaced or deleted score was
	 * at an end of it (the next scorecard build finds it again) */
	long long wrong = query_int(s, "SELECT COUNT(*) FROM score_stats t WHERE n > 0 AND "
		"(vmin != (SELECT MIN(value) FROM cell_scores c WHERE " SAME_STATS_ROW ") OR "
		"vmax != (SELECT MAX(value) FROM cell_scores c WHERE " SAME_STATS_ROW "))");
	if (wrong)
		fprintf(stderr, "[%s] %lld score_stats ranges differ from their recompute\n", when,
			wrong);
	test_failures += wrong != 0;
	sqlite3_stmt *st;
	CHECK(sqlite3_prepare_v2(db, "SELECT deferred FROM stats_deferred", -1, &st, NULL) ==
	      SQLITE_OK);
	CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 0);
	sqlite3_finalize(st);
}

static long long query_int(struct sl_store *s, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;
	if (sqlite3_prepare_v2(sl_store_db(s), sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* 3 models x 1 prompt x 200 cases; m2 fails its first 40 requests (400: no retry); every
 * model has a price, so cells carry a cost. */
static const char suite_json[] =
	"{\"name\": \"stats\", \"models\": [\"fake:m1\", \"fake:m2\", \"fake:m3\"], "
	"\"prompts\": [\"p\"], \"dataset\": \"rows.jsonl\", \"concurrency\": 16, "
	"\"prices\": {\"fake:m1\": {\"in\": 1, \"out\": 2}, \"fake:m2\": {\"in\": 0.5, "
	"\"out\": 4}, \"fake:m3\": {\"in\": 3, \"out\": 1}}, "
	"\"scorers\": [{\"name\": \"contains\", \"value\": \"pos\"}, {\"name\": \"rouge\", "
	"\"type\": \"rouge1\"}, \"levenshtein\", {\"name\": \"latency\", \"max_ms\": 1000}]}";

static void set_script(bool m2_fails)
{
	struct sl_buf b;
	sl_buf_init(&b);
	sl_buf_puts(&b, "{\"default\": {\"text\": \"positive, mostly\", \"chunks\": 3, "
			"\"ttft_ms\": 0, \"token_ms\": 0}");
	if (m2_fails) {
		sl_buf_puts(&b, ", \"models\": {\"m2\": {\"sequence\": [");
		for (int i = 0; i < 40; i++)
			sl_buf_printf(&b, "%s{\"fault\": \"status\", \"status\": 400}", i ? ", " : "");
		sl_buf_puts(&b, "]}}");
	}
	sl_buf_puts(&b, "}");
	fakeprov_set_script(fp, b.data);
	sl_buf_free(&b);
}

/* A bulk writer's scores, as stats_batch.h says to write them: metric for every fourth case
 * of each model; rows written before go through INSERT OR REPLACE with the triggers on. No
 * writer of shortlist replaces scores in bulk today (scoring deletes a metric's rows
 * first); this is the path one would take. */
static void write_scores(struct sl_store *s, int64_t run, const char *metric, double shift)
{
	struct sl_error err = { 0 };
	struct sl_stats_batch *b = sl_stats_batch_new();
	CHECK_INT(sl_store_begin(s, &err), 0);
	CHECK_INT(sl_stats_batch_begin(s, b, &err), 0);
#define ROW "cell_scores (run_id, metric, model_idx, prompt_idx, case_idx, sample, kind, value," \
	" scored_at) VALUES (?1, ?2, ?3, 0, ?4, 0, 'mean', ?5, 'now')"
	sqlite3_stmt *ins = sl_store_prepare(s, "INSERT INTO " ROW " ON CONFLICT DO NOTHING", &err);
	int replaced = 0;
	for (int m = 0; m < 3; m++) {
		for (int k = 0; k < 200; k += 4) {
			double v = k % 9 == 0 ? NAN : (k % 7) / 7.0 + shift;
			sqlite3_stmt *st = ins;
			for (int pass = 0; pass < 2; pass++) {
				sqlite3_reset(st);
				sqlite3_bind_int64(st, 1, run);
				sqlite3_bind_text(st, 2, metric, -1, SQLITE_STATIC);
				sqlite3_bind_int(st, 3, m);
				sqlite3_bind_int(st, 4, k);
				if (isnan(v))
					sqlite3_bind_null(st, 5);
				else
					sqlite3_bind_double(st, 5, v);
				if (pass == 1) {
					CHECK_INT(sl_stats_batch_replace(s, b, st, &err), 0);
					replaced++;
					break;
				}
				CHECK(sl_store_step(s, st, &err) == SQLITE_DONE);
				if (sqlite3_changes(sl_store_db(s)) == 1) {
					sl_stats_batch_add_score(b, run, metric, m, 0, false, v);
					break;
				}
				st = sl_store_prepare(s, "INSERT OR REPLACE INTO " ROW, &err);
			}
		}
	}
#undef ROW
	sqlite3_reset(ins);
	CHECK_INT(sl_stats_batch_write(s, b, &err), 0);
	CHECK_INT(sl_store_commit(s, &err), 0);
	sl_stats_batch_free(b);
	printf("scores of %s written with shift %g: %d replaced\n", metric, shift, replaced);
}

static void test_batched_and_exact(void)
{
	char *suite = test_write_file("suite.json", suite_json);
	char *db = test_path("stats.db");
	struct sl_error err = { 0 };
	struct sl_store *s = sl_store_open(db, 0, &err);
	CHECK(s != NULL);
	char *p = test_path("p.json");
	struct run_result r = run_cli(db, (const char *[]){ "prompts", "add", p, NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	free(p);

	/* a run: its commits */
	set_script(true);
	struct counts c = { 0 };
	sqlite3_trace_v2(sl_store_db(s), SQLITE_TRACE_STMT, count_stmt, &c);
	test_trace_new_connections(SQLITE_TRACE_STMT, count_stmt, &c); /* the runner's writer */
	struct sl_runner_opts opts = { .suite_path = suite, .max_cost = NAN };
	struct sl_run_outcome out;
	CHECK_INT(sl_runner_run(s, &opts, &out, &err), 0);
	int64_t run_a = out.run_id;
	CHECK_INT(out.errors, 40);
	printf("run of 600 cells: %ld commits, %ld statements wrote the statistics, %ld trigger "
	       "steps did\n", c.commits, c.upserts, c.trigger_steps);
	CHECK_INT(c.trigger_steps, 0);
	/* per commit at most one UPSERT per model into cell_stats and cell_reported */
	CHECK(c.upserts > 0 && c.upserts <= 6 * c.commits);
	check_aggregates(s, "after a run with failed cells");

	/* its scoring: 5 metrics (4 scorers and pass_rate) x 560 scored cells, a page at a time */
	test_current = "scoring";
	c = (struct counts){ 0 };
	struct sl_score_stats ss = { 0 };
	CHECK_INT(sl_report_score_run(s, run_a, NULL, &ss, &err), 0);
	long long rows = query_int(s, "SELECT COUNT(*) FROM cell_scores");
	printf("scoring: %lld score rows in %ld commits, %ld statements wrote the statistics, %ld "
	       "trigger steps did\n", rows, c.commits, c.upserts, c.trigger_steps);
	CHECK(rows >= 4 * 560);
	CHECK_INT(c.trigger_steps, 0);
	CHECK(c.upserts <= 5 * 3 * c.commits);
	CHECK(c.upserts * 20 < rows); /* O(pages), not O(rows) */
	check_aggregates(s, "after scoring");
	CHECK_INT(query_int(s, STALE_RANGES), 0); /* only new scores: all known */

	/* live scoring again, the marks gone: every score deleted and written again */
	CHECK_INT(sl_store_exec(s, "DELETE FROM score_marks", &err), 0);
	int64_t since = -1;
	CHECK_INT(sl_report_score_live(s, run_a, &since, &ss, &err), 0);
	CHECK_INT(query_int(s, "SELECT COUNT(*) FROM cell_scores"), rows);
	check_aggregates(s, "after live scoring");
	CHECK_INT(query_int(s, STALE_RANGES), 0); /* only new scores: all known */

	/* the resume replaces the 40 failed cells: their old rows go out through the trigger */
	set_script(false);
	c = (struct counts){ 0 };
	opts.resume = true;
	CHECK_INT(sl_runner_run(s, &opts, &out, &err), 0);
	test_current = "resume";
	CHECK_INT(out.run_id, run_a);
	CHECK(out.complete);
	CHECK_INT(query_int(s, "SELECT COUNT(*) FROM cells WHERE error_kind IS NOT NULL"), 0);
	printf("resume: %ld trigger steps wrote the statistics\n", c.trigger_steps);
	/* the replaced rows, each through its triggers (out and in: cell_stats, its cost
	 * extras, cell_reported, tok_rest); the others deferred */
	CHECK(c.trigger_steps >= 40 && c.trigger_steps <= 8 * 40);
	check_aggregates(s, "after a resume that replaced failed cells");
	CHECK_INT(sl_report_score_live(s, run_a, &since, &ss, &err), 0);
	check_aggregates(s, "after live scoring of the replaced cells");
	test_current = "rescore";
	CHECK_INT(sl_report_score_run(s, run_a, NULL, &ss, &err), 0);
	check_aggregates(s, "after a rescore");
	CHECK_INT(query_int(s, STALE_RANGES), 0); /* only new scores: all known */
	sqlite3_trace_v2(sl_store_db(s), 0, NULL, NULL);
	test_trace_new_connections(0, NULL, NULL);

	/* a second run answered from the cache: cached cells with a cost */
	opts.resume = false;
	CHECK_INT(sl_runner_run(s, &opts, &out, &err), 0);
	int64_t run_b = out.run_id;
	CHECK_INT(sl_report_score_run(s, run_b, NULL, &ss, &err), 0);
	test_current = "second run";
	CHECK_INT(query_int(s, "SELECT n_cached FROM cell_stats WHERE model_idx = 0 AND run_id = "
			       "(SELECT MAX(id) FROM runs)"), 200);
	CHECK(query_int(s, "SELECT COUNT(*) FROM cell_stats WHERE cost_cached > 0") == 3);
	check_aggregates(s, "after a cached second run");
	/* answers without a latency (as batch answers come), by hand: their output tokens are
	 * not in sum_tok but in tok_rest, through the update, replace and delete triggers */
	CHECK_INT(sl_store_exec(s, "UPDATE cells SET latency_ms = NULL WHERE case_idx % 3 = 0",
				&err), 0);
	CHECK(query_int(s, "SELECT SUM(tok_rest) FROM cell_stats") > 0);
	check_aggregates(s, "after answers lost their latency");
	CHECK_INT(sl_store_exec(s, "INSERT OR REPLACE INTO cells SELECT * FROM cells WHERE "
				   "case_idx % 6 = 0", &err), 0);
	check_aggregates(s, "after such answers were replaced");
	/* its flag's row deleted by hand: the next bulk write puts it back */
	CHECK_INT(sl_store_exec(s, "DELETE FROM stats_deferred", &err), 0);
	write_scores(s, run_b, "extra", 0);
	CHECK_INT(query_int(s, "SELECT COUNT(*) FROM stats_deferred"), 1);
	check_aggregates(s, "after a bulk write of new scores");
	CHECK_INT(query_int(s, STALE_RANGES), 0); /* only new scores: all known */
	write_scores(s, run_b, "extra", 0.5);
	CHECK_INT(query_int(s, "SELECT COUNT(*) FROM cell_scores WHERE metric = 'extra'"), 150);
	check_aggregates(s, "after a bulk write that replaced scores");
	/* every replaced low end is gone: not known until a scorecard build finds it again */
	CHECK(query_int(s, STALE_RANGES) > 0);
	struct sl_scorecard sc;
	CHECK_INT(sl_scorecard_build(s, run_b, &sc, &err), 0);
	sl_scorecard_free(&sc);
	CHECK_INT(query_int(s, STALE_RANGES), 0);
	check_aggregates(s, "after a scorecard build found the ranges again");

	/* the first run deleted by hand, as with the sqlite3 shell */
	char *sql = sl_xasprintf("DELETE FROM runs WHERE id = %lld", (long long)run_a);
	CHECK_INT(sl_store_exec(s, sql, &err), 0);
	free(sql);
	check_aggregates(s, "after deleting one of two runs");

	/* a bundle of the second run imported into another store */
	char *bundle = test_path("b.slrun");
	CHECK_INT(sl_bundle_export(s, run_b, bundle, false, &err), 0);
	char *db2 = test_path("other.db");
	struct sl_store *s2 = sl_store_open(db2, 0, &err);
	CHECK(s2 != NULL);
	struct sl_bundle_import imp;
	CHECK_INT(sl_bundle_import(s2, bundle, &imp, &err), 0);
	test_current = "import";
	CHECK_INT(imp.cells, 600);
	CHECK_INT(query_int(s2, "SELECT SUM(n) FROM cell_stats"), 600);
	check_aggregates(s2, "after a bundle import");
	CHECK_INT(query_int(s2, STALE_RANGES), 0);
	sl_store_close(s2);
	sl_store_close(s);
	free(bundle);
	free(db2);
	free(suite);
	free(db);
}

TEST_MAIN_BEGIN
	fp = fakeprov_start(NULL);
	write_fake_provider(fp->base);
	free(test_write_file("p.json", "{\"name\": \"p\", \"user\": \"Sentiment: {{text}}\"}"));
	struct sl_buf rows;
	sl_buf_init(&rows);
	for (int i = 0; i < 200; i++)
		sl_buf_printf(&rows, "{\"text\": \"review %d: it works\", \"label\": \"positive\", "
				     "\"reference\": \"positive, mostly %d\"}\n", i, i % 7);
	free(test_write_file("rows.jsonl", rows.data));
	sl_buf_free(&rows);
	RUN_TEST(test_batched_and_exact);
	fakeprov_stop(fp);
TEST_MAIN_END

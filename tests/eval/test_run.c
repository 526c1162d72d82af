/* `shortlist run` end to end against tests/fakeprov: a full run, the response cache (a
 * rerun makes zero requests, counted by the server), kill -9 then --resume (same cells as
 * an uninterrupted run, no duplicates), failures and resume, the budget cap, runs
 * list/show/diff, and every configuration error stopping before any request. */
#include "test.h"

#include <math.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eval_util.h"
#include "fakeprov_client.h"
#include "shortlist/engine.h"
#include "shortlist/runner.h"
#include "shortlist/store.h"

static struct fakeprov *fp;
static char *db;

/* A number from fakeprov's /_fake/stats ("requests", "max_in_flight"). */
static long stat_of(const char *key)
{
	cJSON *s = fakeprov_stats(fp);
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(s, key);
	long v = cJSON_IsNumber(n) ? (long)n->valuedouble : -1;
	cJSON_Delete(s);
	return v;
}

static long requests(void)
{
	return stat_of("requests");
}

static void write_providers(void)
{
	char *dir = test_path("config/shortlist");
	struct sl_error err = { 0 };
	sl_mkdirs(dir, &err);
	char *json = sl_xasprintf(
		"{\"providers\": {"
		" \"fake\": {\"kind\": \"openai\", \"base_url\": \"%s/v1\", \"api_key_env\": \"FAKE_KEY\","
		"   \"limits\": {\"max_tries\": 1}},"
		" \"fakeant\": {\"kind\": \"anthropic\", \"base_url\": \"%s\", \"api_key_env\": "
		"   \"FAKE_ANT_KEY\", \"limits\": {\"max_tries\": 1}},"
		" \"together\": {\"base_url\": \"%s/v1\", \"api_key_env\": \"FAKE_KEY\"},"
		" \"fakeretry\": {\"kind\": \"openai\", \"base_url\": \"%s/v1\", \"api_key_env\": "
		"   \"FAKE_KEY\", \"limits\": {\"max_tries\": 3}},"
		" \"fakecap\": {\"kind\": \"openai\", \"base_url\": \"%s/v1\", \"api_key_env\": "
		"   \"FAKE_KEY\", \"limits\": {\"concurrency\": 3}}}}",
		fp->base, fp->base, fp->base, fp->base, fp->base);
	char *p = test_write_file("config/shortlist/providers.json", json);
	free(p);
	free(json);
	free(dir);
	setenv("FAKE_KEY", "sk-fake", 1);
	setenv("FAKE_ANT_KEY", "sk-ant-fake", 1);
}

/* A 2 models x 2 prompts x 6 cases x 2 samples = 48-cell suite. */
static char *write_fixture(const char *name, const char *extra)
{
	struct sl_error err = { 0 };
	char *dir = test_path(name);
	sl_mkdirs(dir, &err);
	char rel[256];
	snprintf(rel, sizeof rel, "%s/cases.csv", name);
	free(test_write_file(rel, "text,label\n"
				  "\"I loved it, truly\",positive\n"
				  "Terrible service,negative\n"
				  "\"Fine, \"\"I guess\"\"\",neutral\n"
				  "Best day ever,positive\n"
				  "Never again,negative\n"
				  "\"Line one\nline two\",neutral\n"));
	snprintf(rel, sizeof rel, "%s/suite.json", name);
	char *suite = sl_xasprintf(
		"{\"name\": \"%s\", \"models\": [\"fake:model-a\", \"fakeant:model-b\"],"
		" \"prompts\": [\"sentiment@1\", \"sentiment@2\"], \"dataset\": \"cases.csv\","
		" \"samples\": 2, \"concurrency\": 4, \"scorers\": [{\"name\": \"label\","
		" \"labels\": [\"positive\", \"negative\", \"neutral\"]}]%s}",
		name, extra ? extra : "");
	char *path = test_write_file(rel, suite);
	free(suite);
	free(dir);
	return path;
}

static void add_prompts(void)
{
	char *a = test_write_file("p1.json", "{\"name\": \"sentiment\", \"system\": \"Answer with one "
					     "word.\", \"user\": \"Sentiment of: {{text}}\", "
					     "\"params\": {\"temperature\": 0, \"max_tokens\": 5}}");
	char *b = test_write_file("p2.json", "{\"name\": \"sentiment\", \"system\": \"Answer with "
					     "positive, negative or neutral.\", \"user\": \"{{text}}\"}");
	struct run_result r = run_cli(db, (const char *[]){ "prompts", "add", a, NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	r = run_cli(db, (const char *[]){ "prompts", "add", b, NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	free(a);
	free(b);
}

static sqlite3 *open_db(void)
{
	return db_open(db);
}

static long long query_int(const char *sql)
{
	return db_query_int(db, sql);
}

/* A digest of a run's cells as scoring sees them (not timings, which differ per call). */
static char *cells_digest(long long run)
{
	char *sql = sl_xasprintf("SELECT group_concat(k, '|') FROM (SELECT model || '/' || "
				 "prompt_idx || '/' || case_idx || '/' || sample || '=' || "
				 "coalesce(output, 'ERR') || '/' || coalesce(expected, '') || "
				 "coalesce(label, '') AS k FROM cells WHERE run_id = %lld "
				 "ORDER BY model_idx, prompt_idx, case_idx, sample)", run);
	sqlite3 *h = open_db();
	sqlite3_stmt *st;
	char *out = NULL;
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		out = sl_xstrdup((const char *)sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
	sqlite3_finalize(st);
	sqlite3_close(h);
	free(sql);
	return out ? out : sl_xstrdup("(none)");
}

static long long last_run(void)
{
	return query_int("SELECT MAX(id) FROM runs");
}

static void test_full_run_and_cache(void)
{
	char *suite = write_fixture("full", NULL);
	fakeprov_reset(fp);
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "complete, 48/48 cells, 0 errors, 0 cached, 48 API requests");
	CHECK_CONTAINS(r.out, "fake:model-a");
	CHECK_CONTAINS(r.out, "sentiment@2");
	CHECK_CONTAINS(r.err, "progress: 48/48 cells (100%)");
	run_result_free(&r);
	CHECK_INT(requests(), 48);
	long long run1 = last_run();
	char sql[512];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM cells WHERE run_id = %lld AND output = "
				  "'positive' AND model = 'fake:model-a' AND label IS NOT NULL", run1);
	CHECK_INT(query_int(sql), 24);
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM cells WHERE run_id = %lld AND "
				  "latency_ms > 0 AND tokens_out > 0 AND reported_model IS NOT NULL",
		 run1);
	CHECK_INT(query_int(sql), 48);

	/* the rerun is answered from the cache: zero requests reach the server */
	fakeprov_reset(fp);
	r = run_cli(db, (const char *[]){ "run", suite, "--json", NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "\"cached\":\t48");
	CHECK_CONTAINS(r.out, "\"requests\":\t0");
	run_result_free(&r);
	CHECK_INT(requests(), 0);
	long long run2 = last_run();
	CHECK(run2 == run1 + 1);
	/* cached cells keep the original measurements */
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM cells a JOIN cells b ON a.model_idx = "
				  "b.model_idx AND a.prompt_idx = b.prompt_idx AND a.case_idx = "
				  "b.case_idx AND a.sample = b.sample WHERE a.run_id = %lld AND "
				  "b.run_id = %lld AND b.cached = 1 AND a.latency_ms = b.latency_ms "
				  "AND a.output = b.output", run1, run2);
	CHECK_INT(query_int(sql), 48);
	char *d1 = cells_digest(run1), *d2 = cells_digest(run2);
	CHECK_STR(d2, d1);
	free(d1);
	free(d2);

	/* --check says what a run would do and sends nothing */
	fakeprov_reset(fp);
	r = run_cli(db, (const char *[]){ "run", suite, "--check", NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "ok: 2 models x 2 prompts (sentiment@1, sentiment@2) x 6 cases x 2 "
			      "samples = 48 cells");
	CHECK_CONTAINS(r.out, "48 cells from the response cache, 0 API requests");
	run_result_free(&r);
	r = run_cli(db, (const char *[]){ "run", suite, "--check", "--no-cache", NULL }, NULL);
	CHECK_CONTAINS(r.out, "0 cells from the response cache, 48 API requests");
	run_result_free(&r);
	CHECK_INT(requests(), 0);
	CHECK_INT(last_run(), run2);

	/* --no-cache and --refresh go to the API again */
	fakeprov_reset(fp);
	r = run_cli(db, (const char *[]){ "run", suite, "--no-cache", "-j", "8", NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	CHECK_INT(requests(), 48);
	fakeprov_reset(fp);
	r = run_cli(db, (const char *[]){ "run", suite, "--refresh", NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	CHECK_INT(requests(), 48);

	/* lineage */
	r = run_cli(db, (const char *[]){ "runs", "show", "latest", NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "prompt     sentiment@1  sha256 ");
	CHECK_CONTAINS(r.out, "model      fake:model-a -> fake model-a at ");
	CHECK_CONTAINS(r.out, "reported: model-a");
	CHECK_CONTAINS(r.out, "dataset    ");
	CHECK_CONTAINS(r.out, "params     {\"cache\":\"refresh\"");
	run_result_free(&r);
	r = run_cli(db, (const char *[]){ "runs", "list", NULL }, NULL);
	CHECK_CONTAINS(r.out, "complete");
	run_result_free(&r);
	r = run_cli(db, (const char *[]){ "runs", "list", "--limit", "1", "--json", NULL }, NULL);
	cJSON *list = cJSON_Parse(r.out);
	CHECK_INT(cJSON_GetArraySize(list), 1);
	CHECK_INT((long long)cJSON_GetObjectItem(cJSON_GetArrayItem(list, 0), "id")->valuedouble,
		  last_run());
	cJSON_Delete(list);
	run_result_free(&r);
	free(suite);
}

static void test_kill_and_resume(void)
{
	/* slow enough that the kill lands mid-run: 50 ms per request, 4 at a time */
	fakeprov_set_script(fp, "{\"default\": {\"ttft_ms\": 50, \"token_ms\": 1},"
				" \"models\": {\"model-a\": {\"text\": \"positive\"},"
				" \"model-b\": {\"text\": \"negative\"}}}");
	char *suite = write_fixture("killed", NULL);
	long long run = last_run() + 1;
	int fd;
	pid_t pid = spawn_cli_watch(db, (const char *[]){ "run", suite, "--no-cache", NULL },
				    "killed", &fd);
	long seen = wait_progress(fd, 10); /* a line every 10%: the 5th cell's, then ... */
	CHECK(seen >= 10 && seen < 48);
	kill(pid, SIGKILL);
	close(fd);
	int st;
	waitpid(pid, &st, 0);
	CHECK(WIFSIGNALED(st));
	char sql[512];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM cells WHERE run_id = %lld", run);
	long long before = query_int(sql);
	CHECK(before >= 10 && before < 48);
	snprintf(sql, sizeof sql, "SELECT status FROM runs WHERE id = %lld AND status = 'running'", run);

	fakeprov_reset(fp);
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, "--resume", "--no-cache",
							     NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "complete, 48/48 cells");
	run_result_free(&r);
	CHECK_INT(last_run(), run); /* resumed, not a new run */
	/* only the missing cells were asked for */
	CHECK_INT(requests(), 48 - before);
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM cells WHERE run_id = %lld", run);
	CHECK_INT(query_int(sql), 48);
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM (SELECT DISTINCT model_idx, prompt_idx, "
				  "case_idx, sample FROM cells WHERE run_id = %lld)", run);
	CHECK_INT(query_int(sql), 48);

	/* the same final cells as an uninterrupted run of the same suite */
	r = run_cli(db, (const char *[]){ "run", suite, "--no-cache", NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	char *resumed = cells_digest(run), *fresh = cells_digest(last_run());
	CHECK_STR(resumed, fresh);
	free(resumed);
	free(fresh);
	fakeprov_set_script(fp, "{\"models\": {\"model-a\": {\"text\": \"positive\"},"
				" \"model-b\": {\"text\": \"negative\"}}}");
	free(suite);
}

/* ^C stops scheduling, cancels what is in flight (recorded as missing, not failed), marks
 * the run incomplete and exits 3; --resume finishes it. */
static void test_interrupt(void)
{
	fakeprov_set_script(fp, "{\"default\": {\"ttft_ms\": 50, \"token_ms\": 1},"
				" \"models\": {\"model-a\": {\"text\": \"positive\"},"
				" \"model-b\": {\"text\": \"negative\"}}}");
	char *suite = write_fixture("interrupted", NULL);
	long long run = last_run() + 1;
	int fd;
	pid_t pid = spawn_cli_watch(db, (const char *[]){ "run", suite, "--no-cache", NULL },
				    "interrupted", &fd);
	long seen = wait_progress(fd, 8);
	CHECK(seen >= 8 && seen < 48);
	kill(pid, SIGINT);
	wait_progress(fd, 1L << 40); /* drain stderr until it exits (a closed pipe would kill it) */
	close(fd);
	int st;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
	char *out_path = test_path("interrupted.out");
	char *out = sl_read_file(out_path, NULL, NULL);
	CHECK_CONTAINS(out, "interrupted: ");
	CHECK_CONTAINS(out, "--resume");
	free(out);
	free(out_path);
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM runs WHERE id = %lld AND status = "
				  "'incomplete' AND stop_reason = 'interrupted' AND ended_at IS NOT NULL",
		 run);
	CHECK_INT(query_int(sql), 1);
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM cells WHERE run_id = %lld AND "
				  "error_kind IS NOT NULL", run);
	CHECK_INT(query_int(sql), 0);
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, "--resume", NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "complete, 48/48 cells");
	run_result_free(&r);
	fakeprov_set_script(fp, "{\"models\": {\"model-a\": {\"text\": \"positive\"},"
				" \"model-b\": {\"text\": \"negative\"}}}");
	free(suite);
}

/* Gates from the command line (and the suite) decide exit 1; a malformed one is exit 2
 * before anything is sent. */
static void test_gates(void)
{
	char *suite = write_fixture("gates", ", \"gates\": [\"error_rate<=0.1\"]");
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "error_rate<=0.1");
	run_result_free(&r);
	r = run_cli(db, (const char *[]){ "run", suite, "--gate", "p50_latency<=0.001ms", NULL },
		    NULL);
	CHECK_INT(r.status, 1);
	CHECK_CONTAINS(r.out, "FAIL");
	run_result_free(&r);
	r = run_cli(db, (const char *[]){ "run", suite, "--json", "--gate", "p50_latency<=0.001ms",
					  NULL }, NULL);
	CHECK_INT(r.status, 1);
	cJSON *j = cJSON_Parse(r.out);
	CHECK(j != NULL);
	CHECK_INT(cJSON_GetObjectItemCaseSensitive(j, "exit_code")->valueint, 1);
	CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "gates")), 4);
	cJSON_Delete(j);
	run_result_free(&r);
	fakeprov_reset(fp);
	r = run_cli(db, (const char *[]){ "run", suite, "--no-cache", "--gate", "p50_latency<<1s",
					  NULL }, NULL);
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "p50_latency<<1s");
	run_result_free(&r);
	CHECK_INT(requests(), 0);
	free(suite);
}

/* issue 14 item 1: the documented shorthand "scorers": ["exact"] is scored like the object
 * form after the run, and report/triangle read that run too. */
static void test_scorer_shorthand(void)
{
	char *suite = write_fixture("shorthand", NULL);
	char *text = sl_read_file(suite, NULL, NULL);
	char *cut = strstr(text, "\"scorers\"");
	CHECK(cut != NULL);
	if (!cut)
		return;
	strcpy(cut, "\"scorers\": [\"exact\"]}");
	free(test_write_file("shorthand/suite.json", text));
	free(text);
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, "--check", NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	r = run_cli(db, (const char *[]){ "run", suite, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "exact");
	run_result_free(&r);
	r = run_cli(db, (const char *[]){ "report", "latest", "--format", "text", NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "exact");
	run_result_free(&r);
	r = run_cli(db, (const char *[]){ "triangle", "latest", "--metric", "exact", NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	free(suite);
}

static void test_failures_then_resume(void)
{
	/* model-b fails with a 400 (not retried): the run is incomplete, exit 3 */
	fakeprov_set_script(fp, "{\"models\": {\"model-a\": {\"text\": \"positive\"},"
				" \"model-b\": {\"fault\": \"status\", \"status\": 400}}}");
	char *suite = write_fixture("failing", NULL);
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, "--no-cache", NULL }, NULL);
	CHECK_INT(r.status, 3);
	CHECK_CONTAINS(r.out, "24 cells failed");
	run_result_free(&r);
	long long run = last_run();
	char sql[512];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM cells WHERE run_id = %lld AND error_kind = "
				  "'http' AND http_status = 400 AND error_msg IS NOT NULL", run);
	CHECK_INT(query_int(sql), 24);
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM runs WHERE id = %lld AND status = "
				  "'incomplete' AND stop_reason = 'errors'", run);
	CHECK_INT(query_int(sql), 1);
	/* failures are not cached; once the provider recovers, --resume redoes only them */
	fakeprov_set_script(fp, "{\"models\": {\"model-a\": {\"text\": \"positive\"},"
				" \"model-b\": {\"text\": \"negative\"}}}");
	fakeprov_reset(fp);
	char idbuf[32];
	snprintf(idbuf, sizeof idbuf, "%lld", run);
	r = run_cli(db, (const char *[]){ "run", suite, "--resume", idbuf, "--no-cache", NULL },
		    NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	CHECK_INT(requests(), 24);
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM cells WHERE run_id = %lld AND error_kind "
				  "IS NULL", run);
	CHECK_INT(query_int(sql), 48);

	/* diff against the failing run's successor shows the changed cells */
	r = run_cli(db, (const char *[]){ "runs", "diff", "1", idbuf, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "48 cells matched: 48 same");
	CHECK_CONTAINS(r.out, "score compared: label"); /* run scored both as they finished */
	run_result_free(&r);

	/* a changed score is listed */
	sqlite3 *h;
	CHECK(sqlite3_open(db, &h) == SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	char *ins = sl_xasprintf(
		"UPDATE cell_scores SET value = (run_id = 1) WHERE metric = 'label' AND "
		"model_idx = 0 AND prompt_idx = 0 AND case_idx = 2 AND sample = 1 AND "
		"run_id IN (1, %lld)", run);
	CHECK(sqlite3_exec(h, ins, NULL, NULL, NULL) == SQLITE_OK);
	free(ins);
	sqlite3_close(h);
	r = run_cli(db, (const char *[]){ "runs", "diff", "1", idbuf, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "fake:model-a  sentiment@1->1  case 3 sample 1: score 1 -> 0");
	CHECK_CONTAINS(r.out, "47 same, 0 output changed, 0 error changed, 1 score changed");
	CHECK_CONTAINS(r.out, "score compared: label");
	run_result_free(&r);
	free(suite);
}

static void test_budget(void)
{
	/* $1000 per million output tokens: each answer (1 token) costs ~$0.001 */
	char *suite = write_fixture("budget", ", \"prices\": {\"fake:model-a\": {\"in\": 0, \"out\": "
					      "1000}, \"fakeant:model-b\": {\"in\": 0, \"out\": 1000}}");
	fakeprov_reset(fp);
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, "--no-cache",
							     "--max-cost", "0.005", "-j", "1", NULL },
				      NULL);
	CHECK_INT(r.status, 3);
	CHECK_CONTAINS(r.out, "budget reached");
	run_result_free(&r);
	long n = requests();
	CHECK(n >= 5 && n < 48);
	char sql[512];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM runs WHERE id = %lld AND stop_reason = "
				  "'budget'", last_run());
	CHECK_INT(query_int(sql), 1);
	/* a resumed run must be the same evaluation: a changed dataset or suite is refused */
	char *data = test_path("budget/cases.csv");
	char *text = sl_read_file(data, NULL, NULL);
	char *changed = sl_xasprintf("%sOne more,positive\n", text);
	free(test_write_file("budget/cases.csv", changed));
	r = run_cli(db, (const char *[]){ "run", suite, "--resume", NULL }, NULL);
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "changed since run");
	run_result_free(&r);
	free(test_write_file("budget/cases.csv", text));
	char *stext = sl_read_file(suite, NULL, NULL);
	char *schanged = sl_xasprintf("%s\n", stext);
	free(test_write_file("budget/suite.json", schanged));
	r = run_cli(db, (const char *[]){ "run", suite, "--resume", NULL }, NULL);
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "suite.json changed since run");
	run_result_free(&r);
	free(data);
	free(text);
	free(changed);
	free(stext);
	free(schanged);
	free(suite);

	/* a budget with a model whose price is unknown is refused before any request */
	suite = write_fixture("budget2", NULL);
	fakeprov_reset(fp);
	r = run_cli(db, (const char *[]){ "run", suite, "--max-cost", "1", NULL }, NULL);
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "needs every model's price");
	run_result_free(&r);
	CHECK_INT(requests(), 0);
	free(suite);
}

static void expect_config_error(const char *name, const char *suite_extra_json,
				const char *dataset, const char *const *args, const char *want)
{
	struct sl_error err = { 0 };
	char *dir = test_path(name);
	sl_mkdirs(dir, &err);
	char rel[256];
	snprintf(rel, sizeof rel, "%s/d.jsonl", name);
	free(test_write_file(rel, dataset ? dataset : "{\"text\": \"a\"}\n{\"text\": \"b\"}\n"));
	snprintf(rel, sizeof rel, "%s/suite.json", name);
	char *suite = test_write_file(rel, suite_extra_json);
	const char *argv[16] = { "run", suite };
	int n = 2;
	for (const char *const *a = args; a && *a; a++)
		argv[n++] = *a;
	argv[n] = NULL;
	fakeprov_reset(fp);
	struct run_result r = run_cli(db, argv, NULL);
	if (r.status != 2 || !strstr(r.err, want))
		fprintf(stderr, "case %s: exit %d, stderr: %s", name, r.status, r.err);
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, want);
	CHECK_INT(requests(), 0);
	run_result_free(&r);
	free(suite);
	free(dir);
}

/* The scorecard's advice for an unknown cost is to set a price: a cached rerun must then
 * price the cached answers from their tokens, with no API call. */
static void test_price_set_after_fetching(void)
{
	char *suite = write_fixture("priced-later", NULL);
	fakeprov_reset(fp);
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "cost unknown");
	run_result_free(&r);
	long before = requests();
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM cells WHERE run_id = %lld AND cost IS NULL",
		 last_run());
	CHECK_INT(query_int(sql), 48);
	free(suite);
	suite = write_fixture("priced-later", ", \"prices\": {\"fake:model-a\": {\"in\": 0,"
					      " \"out\": 1000}, \"fakeant:model-b\": {\"in\": 0,"
					      " \"out\": 1000}}");
	r = run_cli(db, (const char *[]){ "run", suite, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "48 cached, 0 API requests");
	run_result_free(&r);
	CHECK_INT(requests() - before, 0);
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM cells WHERE run_id = %lld AND cost > 0",
		 last_run());
	CHECK_INT(query_int(sql), 48);
	free(suite);
}

/* A built-in provider whose models.dev id differs from its name ("together" is
 * "togetherai" there) is priced from the catalogue like any other. */
static void test_catalogue_price_under_another_provider_id(void)
{
	free(write_fixture("together", NULL)); /* for its cases.csv */
	char *suite = test_write_file("together/suite.json",
		"{\"name\": \"together\", \"models\": [\"together:LiquidAI/LFM2-24B-A2B\"],"
		" \"prompts\": [\"sentiment@1\"], \"dataset\": \"cases.csv\","
		" \"scorers\": [{\"name\": \"label\", \"labels\": [\"positive\", \"negative\","
		" \"neutral\"]}]}");
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, "--no-cache", NULL },
				      NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM run_models WHERE run_id = %lld AND "
				  "catalog_key = 'togetherai/LiquidAI/LFM2-24B-A2B'", last_run());
	CHECK_INT(query_int(sql), 1);
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM cells WHERE run_id = %lld AND cost > 0",
		 last_run());
	CHECK_INT(query_int(sql), 6);
	free(suite);
}

static void test_config_errors_send_nothing(void)
{
	const char *ok_models = "\"models\": [\"fake:model-a\"], \"dataset\": \"d.jsonl\"";
	char buf[512];
	snprintf(buf, sizeof buf, "{%s, \"prompts\": [\"sentiment@1\"]}", ok_models);
	expect_config_error("missingvar", buf, "{\"text\": \"a\"}\n{\"txt\": \"b\"}\n", NULL,
			    "prompt sentiment@1 uses {{text}}, but row 2 of");
	/* a prompt that shows the model its expected answer runs, with a warning */
	{
		char *pl = test_write_file("leak.json", "{\"name\": \"leaky\", \"user\": "
							"\"{{text}} (answer: {{label}})\"}");
		struct run_result a = run_cli(db, (const char *[]){ "prompts", "add", pl, NULL }, NULL);
		run_result_free(&a);
		char *ls = test_write_file("leak-suite.json", "{\"models\": [\"fake:model-a\"], "
						 "\"prompts\": [\"leaky\"], \"dataset\": \"full/cases.csv\"}");
		a = run_cli(db, (const char *[]){ "run", ls, "--check", NULL }, NULL);
		CHECK_INT(a.status, 0);
		CHECK_CONTAINS(a.err, "warning: prompt leaky@1 puts {{label}} in its user message");
		run_result_free(&a);
		free(pl);
		free(ls);
	}
	expect_config_error("missingvar2", buf, "{\"text\": \"a\"}\n{\"txt\": \"b\"}\n",
			    (const char *[]){ "--check", NULL },
			    "prompt sentiment@1 uses {{text}}, but row 2 of");
	snprintf(buf, sizeof buf, "{%s, \"prompts\": [\"nosuch\"]}", ok_models);
	expect_config_error("noprompt", buf, NULL, NULL, "no prompt named 'nosuch'");
	snprintf(buf, sizeof buf, "{%s, \"prompts\": [\"sentiment@9\"]}", ok_models);
	expect_config_error("noversion", buf, NULL, NULL, "has no version 9");
	expect_config_error("noprovider", "{\"models\": [\"nowhere:x\"], \"dataset\": \"d.jsonl\", "
					  "\"prompts\": [\"sentiment\"]}", NULL, NULL,
			    "no provider named \"nowhere\"");
	snprintf(buf, sizeof buf, "{%s, \"prompts\": [\"sentiment\"], \"smaples\": 2}", ok_models);
	expect_config_error("typo", buf, NULL, NULL, "unknown key suite.smaples");
	snprintf(buf, sizeof buf, "{%s, \"prompts\": [\"sentiment\"]}", ok_models);
	expect_config_error("badjobs", buf, NULL, (const char *[]){ "-j", "0", NULL },
			    "-j needs a number");
	expect_config_error("badcost", buf, NULL, (const char *[]){ "--max-cost", "free", NULL },
			    "--max-cost needs a positive amount");
	expect_config_error("noresume", buf, NULL, (const char *[]){ "--resume", NULL },
			    "no unfinished run of");
	expect_config_error("badjsonl", buf, "{\"text\": \"a\"}\n{\"text\": }\n", NULL,
			    "d.jsonl:2:");
	expect_config_error("nodataset", "{\"models\": [\"fake:model-a\"], \"dataset\": \"nope.csv\", "
					 "\"prompts\": [\"sentiment\"]}", NULL, NULL, "nope.csv");
	/* a missing key names the variable and nothing is sent */
	unsetenv("ANTHROPIC_API_KEY");
	unsetenv("ANTHROPIC_BASE_URL");
	expect_config_error("nokey", "{\"models\": [\"fake:model-a\", \"anthropic:claude-x\"], "
				     "\"dataset\": \"d.jsonl\", \"prompts\": [\"sentiment\"]}",
			    NULL, NULL, "set the environment variable ANTHROPIC_API_KEY");
	expect_config_error("nojudgekey", "{\"models\": [\"fake:model-a\"], \"judge\": "
					  "\"anthropic:claude-x\", \"dataset\": \"d.jsonl\", "
					  "\"prompts\": [\"sentiment\"]}", NULL, NULL,
			    "suite.judge \"anthropic:claude-x\": provider anthropic needs an API key");
	struct run_result r = run_cli(db, (const char *[]){ "run", NULL }, NULL);
	CHECK_INT(r.status, 2);
	run_result_free(&r);
}

static void other_done(void *ud, const struct sl_result *res)
{
	*(int *)ud = res->status == SL_OK ? 1 : 2;
}

/* The runner driven by an event loop it does not own (the TUI's), on a shared engine:
 * stopping it cancels its own requests and leaves the engine's other requests alone. */
/* Issue 14 item 5: in a run no one has seen a cell's streamed text, so a stream that
 * breaks after its first content chunk is sent again from scratch: every cell ends ok. */
static void test_broken_streams_restarted(void)
{
	fakeprov_set_script(fp, "{\"models\": {\"model-r\": {\"text\": \"positive\", \"chunks\": 2,"
				" \"sequence\": [{\"fault\": \"reset\", \"after_chunks\": 1},"
				" {\"fault\": \"truncate\", \"after_chunks\": 1}]}}}");
	fakeprov_reset(fp);
	free(write_fixture("restart", NULL));
	char *suite = test_write_file("restart/one.json",
		"{\"name\": \"restart\", \"models\": [\"fakeretry:model-r\"],"
		" \"prompts\": [\"sentiment@1\"], \"dataset\": \"cases.csv\", \"concurrency\": 1,"
		" \"scorers\": [{\"name\": \"label\", \"labels\": [\"positive\", \"negative\"]}]}");
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, "--no-cache", NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	CHECK_INT(requests(), 8); /* 6 cells, the first sent three times */
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM cells WHERE run_id = %lld AND error_kind "
				  "IS NULL AND output = 'positive'", last_run());
	CHECK_INT(query_int(sql), 6);
	fakeprov_set_script(fp, "{\"models\": {\"model-a\": {\"text\": \"positive\"},"
				" \"model-b\": {\"text\": \"negative\"}}}");
	free(suite);
}

/* Issue 11 item 17: -j above a provider's default cap (64) raises it for the run; a
 * limits.concurrency from providers.json stays, and the run says what caps it. */
static void test_jobs_beyond_provider_default(void)
{
	fakeprov_set_script(fp, "{\"default\": {\"ttft_ms\": 700, \"text\": \"positive\"}}");
	fakeprov_reset(fp);
	free(write_fixture("jobs", NULL));
	char *suite = test_write_file("jobs/wide.json",
		"{\"name\": \"wide\", \"models\": [\"fake:model-w\"], \"prompts\": [\"sentiment@1\"],"
		" \"dataset\": \"cases.csv\", \"samples\": 16,"
		" \"scorers\": [{\"name\": \"label\", \"labels\": [\"positive\", \"negative\"]}]}");
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, "-j", "96", "--no-cache",
							    NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK(!strstr(r.err, "caps this run"));
	run_result_free(&r);
	CHECK_INT(requests(), 96);
	CHECK_INT(stat_of("max_in_flight"), 96); /* all 96 cells at once, not 64 */
	free(suite);

	fakeprov_set_script(fp, "{\"default\": {\"ttft_ms\": 100, \"text\": \"positive\"}}");
	fakeprov_reset(fp);
	suite = test_write_file("jobs/capped.json",
		"{\"name\": \"capped\", \"models\": [\"fakecap:model-c\"], \"prompts\": [\"sentiment@1\"],"
		" \"dataset\": \"cases.csv\","
		" \"scorers\": [{\"name\": \"label\", \"labels\": [\"positive\", \"negative\"]}]}");
	r = run_cli(db, (const char *[]){ "run", suite, "-j", "6", "--no-cache", NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.err, "provider fakecap: limits.concurrency = 3 in ");
	CHECK_CONTAINS(r.err, "providers.json caps this run at 3 requests in flight to it, not 6 "
			      "(raise it there to go faster)");
	run_result_free(&r);
	CHECK_INT(stat_of("max_in_flight"), 3);
	fakeprov_set_script(fp, "{\"models\": {\"model-a\": {\"text\": \"positive\"},"
				" \"model-b\": {\"text\": \"negative\"}}}");
	free(suite);
}

static void test_runner_on_shared_engine(void)
{
	fakeprov_set_script(fp, "{\"default\": {\"ttft_ms\": 50, \"token_ms\": 1},"
				" \"models\": {\"model-a\": {\"text\": \"positive\"},"
				" \"model-b\": {\"text\": \"negative\"}}}");
	char *suite = write_fixture("shared", NULL);
	struct sl_error err = { 0 };
	struct sl_store *store = sl_store_open(db, 0, &err);
	struct sl_engine *eng = sl_engine_new(&(struct sl_engine_options){ 0 }, &err);
	CHECK(store && eng);
	if (!store || !eng) {
		fprintf(stderr, "%s\n", err.msg);
		return;
	}
	struct sl_runner_opts opts = { .suite_path = suite, .cache = SL_CACHE_OFF, .max_cost = NAN };
	struct sl_runner *r = sl_runner_start(store, &opts, eng, &err);
	CHECK(r != NULL);
	if (!r) {
		fprintf(stderr, "%s\n", err.msg);
		return;
	}
	int other = 0;
	struct sl_message msg = { SL_ROLE_USER, "unrelated" };
	struct sl_request req = { .model = "fake:model-a", .messages = &msg, .n_messages = 1,
				  .stream = true, .on_done = other_done, .user_data = &other };
	sl_params_init(&req.params);
	CHECK(sl_engine_submit(eng, &req, &err) > 0);
	bool stopped = false;
	int rounds = 0;
	while (sl_runner_pump(r) && rounds++ < 100000) {
		if (!stopped && sl_runner_progress(r)->done >= 8) {
			sl_runner_stop(r);
			stopped = true;
		}
		sl_engine_wait(eng, NULL, 0, 50, &err);
		sl_engine_perform(eng);
	}
	CHECK(stopped);
	while (sl_engine_active(eng) > 0 && rounds++ < 100000) {
		sl_engine_wait(eng, NULL, 0, 50, &err);
		sl_engine_perform(eng);
	}
	CHECK_INT(other, 1); /* the unrelated request finished normally */
	struct sl_run_outcome o;
	CHECK(sl_runner_finish(r, &o, &err) == 0);
	CHECK(!o.complete);
	CHECK(o.missing > 0 && o.missing <= 40);
	CHECK_INT(o.errors, 0);
	sl_engine_free(eng);
	sl_store_close(store);
	fakeprov_set_script(fp, "{\"models\": {\"model-a\": {\"text\": \"positive\"},"
				" \"model-b\": {\"text\": \"negative\"}}}");
	free(suite);
}

TEST_MAIN_BEGIN
	fp = fakeprov_start("{\"models\": {\"model-a\": {\"text\": \"positive\"},"
			    " \"model-b\": {\"text\": \"negative\"}}}");
	write_providers();
	db = test_path("run.db");
	add_prompts();
	RUN_TEST(test_full_run_and_cache);
	RUN_TEST(test_kill_and_resume);
	RUN_TEST(test_interrupt);
	RUN_TEST(test_runner_on_shared_engine);
	RUN_TEST(test_gates);
	RUN_TEST(test_scorer_shorthand);
	RUN_TEST(test_failures_then_resume);
	RUN_TEST(test_budget);
	RUN_TEST(test_price_set_after_fetching);
	RUN_TEST(test_catalogue_price_under_another_provider_id);
	RUN_TEST(test_config_errors_send_nothing);
	RUN_TEST(test_broken_streams_restarted);
	RUN_TEST(test_jobs_beyond_provider_default);
	fakeprov_stop(fp);
	free(db);
TEST_MAIN_END

/* `shortlist run --batch` end to end against tests/fakeprov's batch APIs (OpenAI files +
 * batches, Anthropic message batches): a 10,000-request run ends in the same cells and
 * scores as the same answers fetched interactively, at half the cost and with latency not
 * measured; a kill while polling is picked up by `runs poll` and `run --resume` without
 * sending anything again; `runs cancel`; an expired batch, partial failures, malformed and
 * missing result lines; a dead endpoint (exit 2, nothing stored lost); no key stored or
 * uploaded; a provider without a batch API refused before anything is sent. */
#include "test.h"

#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eval_util.h"
#include "fakeprov_client.h"
#include "shortlist/util.h"

static struct fakeprov *fp;
static char *db;

static long route(const char *name)
{
	return fakeprov_route_count(fp, name);
}

/* A number from the store: sql with run a for the first %lld, run b for the second. */
static long long q2(const char *fmt, long long a, long long b)
{
	return db_query_runs(db, fmt, a, b);
}

static long long q(const char *fmt, long long run)
{
	return q2(fmt, run, run);
}

static long long last_run(void)
{
	return db_query_int(db, "SELECT MAX(id) FROM runs");
}

static void write_providers(const char *base)
{
	char *json = sl_xasprintf(
		"{\"providers\": {"
		" \"fake\": {\"kind\": \"openai\", \"base_url\": \"%s/v1\", \"api_key_env\": \"FAKE_KEY\","
		"   \"limits\": {\"max_tries\": 1}},"
		" \"fakeant\": {\"kind\": \"anthropic\", \"base_url\": \"%s\", \"api_key_env\": "
		"   \"FAKE_ANT_KEY\", \"limits\": {\"max_tries\": 1}},"
		" \"local\": {\"kind\": \"ollama\", \"base_url\": \"%s\"}}}",
		base, base, base);
	char *dir = test_path("config/shortlist");
	struct sl_error err = { 0 };
	sl_mkdirs(dir, &err);
	free(dir);
	free(test_write_file("config/shortlist/providers.json", json));
	free(json);
	setenv("FAKE_KEY", "sk-fake", 1);
	setenv("FAKE_ANT_KEY", "sk-ant-fake", 1);
}

/* n cases x the two batch models (OpenAI-style and Anthropic), one prompt. */
static char *write_suite(const char *name, int n, const char *extra)
{
	struct sl_buf csv;
	sl_buf_init(&csv);
	sl_buf_printf(&csv, "text,label\n");
	for (int i = 0; i < n; i++)
		sl_buf_printf(&csv, "review number %d,%s\n", i, i % 3 ? "positive" : "negative");
	char rel[256];
	snprintf(rel, sizeof rel, "%s/cases.csv", name);
	char *dir = test_path(name);
	struct sl_error err = { 0 };
	sl_mkdirs(dir, &err);
	free(dir);
	free(test_write_file(rel, csv.data));
	sl_buf_free(&csv);
	snprintf(rel, sizeof rel, "%s/suite.json", name);
	char *suite = sl_xasprintf(
		"{\"name\": \"%s\", \"models\": [\"fake:model-a\", \"fakeant:model-b\"],"
		" \"prompts\": [\"sentiment@1\"], \"dataset\": \"cases.csv\", \"concurrency\": 64,"
		" \"prices\": {\"fake:model-a\": {\"in\": 1, \"out\": 2},"
		"              \"fakeant:model-b\": {\"in\": 3, \"out\": 4}},"
		" \"scorers\": [{\"name\": \"label\", \"labels\": [\"positive\", \"negative\"]}]%s}",
		name, extra ? extra : "");
	char *path = test_write_file(rel, suite);
	free(suite);
	return path;
}

static void script(const char *json)
{
	CHECK_INT(fakeprov_set_script(fp, json), 0);
	fakeprov_reset(fp);
}

static void test_ten_thousand(void)
{
	/* the answers depend on the request only (model and text), so both ways get the same */
	script("{\"models\": {\"model-a\": {\"text\": \"positive\"}, "
	       "\"model-b\": {\"text\": \"negative\"}}, \"batch\": {\"complete_ms\": 200}}");
	char *suite = write_suite("big", 5000, NULL);
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, "--no-cache", NULL },
				      NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	long long inter = last_run();
	fakeprov_reset(fp);
	r = run_cli(db, (const char *[]){ "run", suite, "--no-cache", "--batch", NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "10000/10000 cells, 0 errors");
	CHECK_CONTAINS(r.out, "0 API requests, 10000 from batch APIs, cost");
	run_result_free(&r);
	long long batch = last_run();
	CHECK(batch == inter + 1);
	/* one batch per model; no interactive call */
	CHECK_INT(route("openai.chat"), 0);
	CHECK_INT(route("anthropic.messages"), 0);
	CHECK_INT(route("openai.files.upload"), 1);
	CHECK_INT(route("openai.batches.create"), 1);
	CHECK_INT(route("anthropic.batches.create"), 1);
	CHECK(route("openai.files.content") >= 1);
	CHECK_INT(route("anthropic.batches.results"), 1);
	CHECK_INT(q("SELECT COUNT(*) FROM run_batches WHERE run_id = %lld AND state = 'done' "
		    "AND n_ok = 5000 AND n_failed = 0 AND n_malformed = 0 AND remote_id IS NOT NULL",
		    batch), 2);
	/* the same cells: outputs, tokens, reported models */
	CHECK_INT(q2("SELECT COUNT(*) FROM cells a JOIN cells b USING (model_idx, prompt_idx, "
		    "case_idx, sample) WHERE a.run_id = %lld AND b.run_id = %lld AND a.output = "
		    "b.output AND a.tokens_in = b.tokens_in AND a.tokens_out = b.tokens_out AND "
		    "a.reported_model = b.reported_model AND b.error_kind IS NULL", inter, batch), 10000);
	/* batch price: half; latency not measured */
	CHECK_INT(q2("SELECT COUNT(*) FROM cells a JOIN cells b USING (model_idx, prompt_idx, "
		    "case_idx, sample) WHERE a.run_id = %lld AND b.run_id = %lld AND "
		    "abs(b.cost - a.cost / 2) < 1e-12 AND b.latency_ms IS NULL AND b.ttft_ms IS "
		    "NULL AND a.latency_ms IS NOT NULL", inter, batch), 10000);
	/* the same scorecard: every score equal */
	CHECK_INT(q2("SELECT COUNT(*) FROM cell_scores a JOIN cell_scores b USING (metric, "
		    "model_idx, prompt_idx, case_idx, sample) WHERE a.run_id = %lld AND b.run_id "
		    "= %lld AND a.value IS b.value", inter, batch), 10000);
	char *a = NULL, *b = NULL;
	char *sql = sl_xasprintf("SELECT group_concat(metric || model_idx || ':' || n || '/' || "
				 "sum, ',') FROM score_stats WHERE run_id = %lld", inter);
	a = db_query_text(db, sql);
	free(sql);
	sql = sl_xasprintf("SELECT group_concat(metric || model_idx || ':' || n || '/' || sum, "
			   "',') FROM score_stats WHERE run_id = %lld", batch);
	b = db_query_text(db, sql);
	free(sql);
	CHECK_STR(b, a);
	free(a);
	free(b);
	/* the scorecard says the cost is the batch price and the speed is not measured */
	char run_s[32];
	snprintf(run_s, sizeof run_s, "%lld", batch);
	r = run_cli(db, (const char *[]){ "runs", "show", run_s, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "batch");
	run_result_free(&r);
	free(suite);
}

/* kill -9 while polling: `runs poll` and `run --resume` collect without resubmitting. */
static void test_kill_then_poll(void)
{
	script("{\"models\": {\"model-a\": {\"text\": \"positive\"}}, "
	       "\"batch\": {\"complete_ms\": 2500}}");
	char *suite = write_suite("killpoll", 40, NULL);
	long long prev = last_run();
	pid_t pid = spawn_cli(db, (const char *[]){ "run", suite, "--batch", "--no-cache", NULL }, NULL, "kp");
	long long run = db_wait_run_after(db, prev);
	CHECK(run > prev);
	CHECK(db_wait_batches_submitted(db, run, 2));
	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	CHECK(WIFSIGNALED(st));
	CHECK_INT(route("openai.batches.create"), 1);
	CHECK_INT(route("anthropic.batches.create"), 1);
	CHECK_INT(q("SELECT COUNT(*) FROM cells WHERE run_id = %lld", run), 0);
	char run_s[32];
	snprintf(run_s, sizeof run_s, "%lld", run);
	struct run_result r = run_cli(db, (const char *[]){ "runs", "poll", run_s, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "80/80 cells, 0 errors");
	run_result_free(&r);
	CHECK_INT(route("openai.batches.create"), 1);
	CHECK_INT(route("anthropic.batches.create"), 1);
	CHECK_INT(route("openai.files.upload"), 1);
	CHECK_INT(route("openai.chat") + route("anthropic.messages"), 0);
	CHECK_INT(q("SELECT COUNT(*) FROM run_batches WHERE run_id = %lld AND state = 'done'", run),
		  2);
	char *status = db_query_text(db, "SELECT status FROM runs ORDER BY id DESC LIMIT 1");
	CHECK_STR(status, "complete");
	free(status);
	/* polling a run whose batches all ended says so */
	r = run_cli(db, (const char *[]){ "runs", "poll", run_s, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "no batch at a provider's batch API");
	run_result_free(&r);

	/* the same with run --resume */
	fakeprov_reset(fp);
	prev = last_run();
	pid = spawn_cli(db, (const char *[]){ "run", suite, "--batch", "--no-cache", NULL }, NULL, "kr");
	run = db_wait_run_after(db, prev);
	CHECK(db_wait_batches_submitted(db, run, 2));
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	snprintf(run_s, sizeof run_s, "%lld", run);
	/* without --batch: the run's batches are still collected, nothing goes interactive */
	r = run_cli(db, (const char *[]){ "run", suite, "--resume", run_s, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "80/80 cells, 0 errors");
	run_result_free(&r);
	CHECK_INT(route("openai.batches.create") + route("anthropic.batches.create"), 2);
	CHECK_INT(route("openai.chat") + route("anthropic.messages"), 0);
	free(suite);
}

static void test_cancel(void)
{
	script("{\"batch\": {\"complete_ms\": 60000}}");
	char *suite = write_suite("cancel", 30, NULL);
	long long prev = last_run();
	pid_t pid = spawn_cli(db, (const char *[]){ "run", suite, "--batch", "--no-cache", NULL }, NULL, "cn");
	long long run = db_wait_run_after(db, prev);
	CHECK(db_wait_batches_submitted(db, run, 2));
	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	char run_s[32];
	snprintf(run_s, sizeof run_s, "%lld", run);
	struct run_result r = run_cli(db, (const char *[]){ "runs", "cancel", run_s, NULL }, NULL);
	CHECK_INT(r.status, 3);
	CHECK_CONTAINS(r.out, "60/60 cells, 60 errors");
	run_result_free(&r);
	CHECK_INT(route("openai.batches.cancel"), 1);
	CHECK_INT(route("anthropic.batches.cancel"), 1);
	CHECK_INT(q("SELECT COUNT(*) FROM run_batches WHERE run_id = %lld AND state = "
		    "'cancelled'", run), 2);
	CHECK_INT(q("SELECT COUNT(*) FROM cells WHERE run_id = %lld AND error_msg LIKE "
		    "'%%cancel%%'", run), 60);
	/* the cancelled cells are resumable: a new batch answers them */
	script("{\"batch\": {\"complete_ms\": 50}}");
	r = run_cli(db, (const char *[]){ "run", suite, "--batch", "--resume", run_s, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "60/60 cells, 0 errors");
	run_result_free(&r);
	free(suite);
}

static void test_expiry_failures_malformed(void)
{
	/* OpenAI expires after 4 requests; Anthropic answers request 2 with a 400, returns two
	 * malformed lines and drops the last request */
	script("{\"models\": {\"model-b\": {\"sequence\": [{}, {\"fault\": \"status\", \"status\": "
	       "400, \"message\": \"prompt is too long\"}]}}, "
	       "\"batch\": {\"complete_ms\": 50, \"expire\": true, \"expire_after\": 4, "
	       "\"malformed\": 2, \"drop\": 1}}");
	char *suite = write_suite("expire", 10, NULL);
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, "--batch", "--no-cache",
							    NULL }, NULL);
	CHECK_INT(r.status, 3);
	CHECK_CONTAINS(r.out, "4 malformed lines in the batch results were skipped");
	run_result_free(&r);
	long long run = last_run();
	/* expired: the API's state and reason, per cell */
	CHECK_INT(q("SELECT COUNT(*) FROM run_batches WHERE run_id = %lld AND state = 'expired'",
		    run), 2);
	CHECK_INT(q("SELECT COUNT(*) FROM cells WHERE run_id = %lld AND model_idx = 0 AND "
		    "error_kind IS NULL", run), 4);
	CHECK_INT(q("SELECT COUNT(*) FROM cells WHERE run_id = %lld AND model_idx = 0 AND "
		    "error_msg LIKE '%%completion window expired%%'", run), 5);
	CHECK_INT(q("SELECT COUNT(*) FROM cells WHERE run_id = %lld AND model_idx = 1 AND "
		    "error_msg LIKE 'expired: the batch ended%%'", run), 5);
	/* the request the API refused keeps the API's reason */
	CHECK_INT(q("SELECT COUNT(*) FROM cells WHERE run_id = %lld AND model_idx = 1 AND "
		    "error_msg LIKE '%%prompt is too long%%'", run), 1);
	CHECK_INT(q("SELECT SUM(n_malformed) FROM run_batches WHERE run_id = %lld", run), 4);
	/* the dropped requests fail, they are not silently missing */
	CHECK_INT(q("SELECT COUNT(*) FROM cells WHERE run_id = %lld", run), 20);
	CHECK_INT(q("SELECT COUNT(*) FROM cells WHERE run_id = %lld AND error_msg LIKE "
		    "'%%expired before this request ran%%'", run), 2);
	/* --resume sends only the failed cells, in a new batch, and completes */
	script("{\"batch\": {\"complete_ms\": 50}}");
	char run_s[32];
	snprintf(run_s, sizeof run_s, "%lld", run);
	r = run_cli(db, (const char *[]){ "run", suite, "--batch", "--resume", run_s, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "20/20 cells, 0 errors");
	run_result_free(&r);
	CHECK_INT(q("SELECT SUM(n_requests) FROM run_batches WHERE run_id = %lld AND state = "
		    "'done'", run), 13);
	free(suite);
}

/* The endpoint dies while polling: a clear message, exit 2, and what is stored stays. */
static void test_dead_endpoint(void)
{
	struct fakeprov *dead = fakeprov_start("{\"batch\": {\"complete_ms\": 600000}}");
	write_providers(dead->base);
	char *suite = write_suite("dead", 5, NULL);
	long long prev = last_run();
	pid_t pid = spawn_cli(db, (const char *[]){ "run", suite, "--batch", "--no-cache", NULL }, NULL, "dead");
	long long run = db_wait_run_after(db, prev);
	CHECK(db_wait_batches_submitted(db, run, 2));
	fakeprov_stop(dead);
	int st;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	char *errpath = test_path("dead.err");
	size_t len;
	struct sl_error e = { 0 };
	char *err = sl_read_file(errpath, &len, &e);
	CHECK_CONTAINS(err, "polling batch");
	CHECK_CONTAINS(err, "runs poll");
	free(err);
	free(errpath);
	CHECK_INT(q("SELECT COUNT(*) FROM run_batches WHERE run_id = %lld AND state = 'submitted' "
		    "AND remote_id IS NOT NULL", run), 2);
	write_providers(fp->base);
	free(suite);
}

static bool has_bytes(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return true;
	return false;
}

static void test_refused_and_secrets(void)
{
	char *suite = write_suite("refused", 3, ", \"batch\": {\"local:llama3\": true}");
	/* local:llama3 is not a suite model: the suite check names it */
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, NULL }, NULL);
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "suite.batch.local:llama3");
	run_result_free(&r);
	free(suite);
	char *dir = test_path("ollama");
	struct sl_error err = { 0 };
	sl_mkdirs(dir, &err);
	free(dir);
	free(test_write_file("ollama/cases.csv", "text,label\nx,positive\n"));
	char *s2 = test_write_file("ollama/suite.json",
		"{\"name\": \"o\", \"models\": [\"local:llama3\"], \"prompts\": [\"sentiment@1\"],"
		" \"dataset\": \"cases.csv\", \"batch\": true}");
	fakeprov_reset(fp);
	r = run_cli(db, (const char *[]){ "run", s2, NULL }, NULL);
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "has no batch API");
	CHECK_CONTAINS(r.err, "openai, anthropic");
	run_result_free(&r);
	CHECK_INT(route("ollama.chat"), 0);
	free(s2);
	/* no key in the store, nor in what was uploaded */
	CHECK_INT(db_query_int(db, "SELECT COUNT(*) FROM run_batches WHERE (coalesce(remote_id, '') "
				   "|| coalesce(input_ref, '') || coalesce(output_ref, '') || "
				   "coalesce(error_ref, '') || coalesce(message, '')) LIKE '%sk-%'"), 0);
	size_t len;
	struct sl_error e = { 0 };
	char *bytes = sl_read_file(db, &len, &e);
	CHECK(bytes && !has_bytes(bytes, len, "sk-fake") && !has_bytes(bytes, len, "sk-ant-fake"));
	free(bytes);
}

/* --batch-sample N: the first N cases of each model run interactively and give the speed */
static void test_batch_sample(void)
{
	script("{\"batch\": {\"complete_ms\": 20}}");
	char *suite = write_suite("sample", 8, NULL);
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, "--batch", "--no-cache",
							    "--batch-sample", "3", NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "16/16 cells, 0 errors");
	run_result_free(&r);
	long long run = last_run();
	CHECK_INT(route("openai.chat"), 3);
	CHECK_INT(route("anthropic.messages"), 3);
	CHECK_INT(q("SELECT SUM(n_requests) FROM run_batches WHERE run_id = %lld", run), 10);
	CHECK_INT(q("SELECT COUNT(*) FROM cells WHERE run_id = %lld AND latency_ms IS NOT NULL "
		    "AND case_idx < 3", run), 6);
	CHECK_INT(q("SELECT COUNT(*) FROM cells WHERE run_id = %lld AND latency_ms IS NULL AND "
		    "case_idx >= 3", run), 10);
	/* the split is part of the run's lineage, and a resume keeps it: a sample cell lost
	 * (as by a kill) runs interactively again without --batch-sample being repeated */
	CHECK_INT(q("SELECT COUNT(*) FROM runs WHERE id = %lld AND json_extract(params, "
		    "'$.batch.sample') = 3 AND json_array_length(params, '$.batch.models') = 2",
		    run), 1);
	char *sql = sl_xasprintf("DELETE FROM cells WHERE run_id = %lld AND case_idx = 1; UPDATE "
				 "runs SET status = 'incomplete' WHERE id = %lld", run, run);
	CHECK_INT(db_exec(db, sql), 0);
	free(sql);
	fakeprov_reset(fp);
	r = run_cli(db, (const char *[]){ "run", suite, "--resume", "--no-cache", NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "16/16 cells, 0 errors");
	run_result_free(&r);
	CHECK_INT(route("openai.chat") + route("anthropic.messages"), 2);
	CHECK_INT(q("SELECT COUNT(*) FROM run_batches WHERE run_id = %lld", run), 2);
	/* without a sample the scorecard says "batch" where speed would be */
	r = run_cli(db, (const char *[]){ "run", suite, "--batch", "--no-cache", NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	r = run_cli(db, (const char *[]){ "report", "--format", "md", NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "| batch | batch |");
	CHECK_CONTAINS(r.out, "went to the provider's batch API: cost at the batch price");
	run_result_free(&r);
	free(suite);
}

static void test_upload_has_no_key(void)
{
	script("{\"batch\": {\"complete_ms\": 10}}");
	char *suite = write_suite("upload", 3, NULL);
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, "--batch",
							    "--no-cache", NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	CHECK_INT(route("openai.files.upload"), 1);
	/* what was uploaded: the records, without the key */
	char *fid = db_query_text(db, "SELECT input_ref FROM run_batches WHERE protocol = 'openai' "
				      "ORDER BY id DESC LIMIT 1");
	char *path = sl_xasprintf("/v1/files/%s/content", fid);
	struct fakeprov_http h;
	fakeprov_http(fp, "GET", path, (const char *[]){ "Authorization: Bearer sk-fake", NULL },
		      NULL, &h);
	CHECK_INT(h.status, 200);
	CHECK_CONTAINS(h.body, "\"custom_id\":\"m0-p0-c2-s0\"");
	CHECK(h.body && !strstr(h.body, "sk-fake"));
	fakeprov_http_free(&h);
	free(path);
	free(fid);
	free(suite);
}

/* kill -9 while the create calls are at the APIs (their answers never came back): `runs
 * poll`, then `run --resume`, find the batches again instead of creating them twice, and no
 * cell is lost or doubled; `runs cancel` finds them and cancels them. */
static void test_kill_while_creating(void)
{
	char *suite = write_suite("killcreate", 25, NULL);
	for (int resume = 0; resume < 3; resume++) {
		script(resume < 2 ? "{\"batch\": {\"complete_ms\": 200, \"create_delay_ms\": 1500}}"
				  : "{\"batch\": {\"complete_ms\": 60000, \"create_delay_ms\": 1500}}");
		long long prev = last_run();
		pid_t pid = spawn_cli(db, (const char *[]){ "run", suite, "--batch", "--no-cache",
							   NULL }, NULL, resume ? "kc2" : "kc1");
		long long run = db_wait_run_after(db, prev);
		CHECK(run > prev);
		for (int i = 0; i < 2000 && route("openai.batches.create") +
						    route("anthropic.batches.create") < 2; i++)
			usleep(10000);
		kill(pid, SIGKILL);
		int st;
		waitpid(pid, &st, 0);
		CHECK_INT(route("openai.batches.create") + route("anthropic.batches.create"), 2);
		CHECK_INT(q("SELECT COUNT(*) FROM run_batches WHERE run_id = %lld AND state = "
			    "'submitting' AND remote_id IS NULL", run), 2);
		char run_s[32];
		snprintf(run_s, sizeof run_s, "%lld", run);
		if (resume == 2) {
			struct run_result r = run_cli(db, (const char *[]){ "runs", "cancel", run_s,
									    NULL }, NULL);
			CHECK_INT(r.status, 3);
			CHECK_CONTAINS(r.out, "50/50 cells, 50 errors");
			run_result_free(&r);
			CHECK_INT(route("openai.batches.create") + route("anthropic.batches.create"), 2);
			CHECK_INT(route("openai.batches.cancel") + route("anthropic.batches.cancel"), 2);
			CHECK_INT(q("SELECT COUNT(*) FROM run_batches WHERE run_id = %lld AND state = "
				    "'cancelled'", run), 2);
			break;
		}
		struct run_result r = run_cli(db, resume
			? (const char *[]){ "run", suite, "--resume", run_s, NULL }
			: (const char *[]){ "runs", "poll", run_s, NULL }, NULL);
		CHECK_INT(r.status, 0);
		CHECK_CONTAINS(r.out, "50/50 cells, 0 errors");
		run_result_free(&r);
		/* one batch per model at the provider, found again by listing */
		CHECK_INT(route("openai.batches.create"), 1);
		CHECK_INT(route("anthropic.batches.create"), 1);
		CHECK(route("openai.batches.list") >= 1 && route("anthropic.batches.list") >= 2);
		CHECK_INT(route("openai.chat") + route("anthropic.messages"), 0);
		CHECK_INT(q("SELECT COUNT(*) FROM run_batches WHERE run_id = %lld AND state = 'done' "
			    "AND n_ok = 25 AND remote_id IS NOT NULL", run), 2);
		CHECK_INT(q("SELECT COUNT(*) FROM run_batches WHERE run_id = %lld", run), 2);
		CHECK_INT(q("SELECT COUNT(*) FROM cells WHERE run_id = %lld AND error_kind IS NULL",
			    run), 50);
	}
	free(suite);
}

/* `runs poll` works from what the store holds: the suite file and its dataset gone. */
static void test_poll_without_suite(void)
{
	script("{\"batch\": {\"complete_ms\": 1500}}");
	char *suite = write_suite("nosuite", 10, NULL);
	long long prev = last_run();
	pid_t pid = spawn_cli(db, (const char *[]){ "run", suite, "--batch", "--no-cache", NULL },
			      NULL, "ns");
	long long run = db_wait_run_after(db, prev);
	CHECK(db_wait_batches_submitted(db, run, 2));
	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	char *cases = test_path("nosuite/cases.csv");
	CHECK_INT(unlink(suite), 0);
	CHECK_INT(unlink(cases), 0);
	free(cases);
	char run_s[32];
	snprintf(run_s, sizeof run_s, "%lld", run);
	struct run_result r = run_cli(db, (const char *[]){ "runs", "poll", run_s, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "20/20 cells, 0 errors");
	CHECK_CONTAINS(r.out, "label"); /* scored with the stored suite's scorer */
	run_result_free(&r);
	CHECK_INT(route("openai.batches.create") + route("anthropic.batches.create"), 2);
	CHECK_INT(q("SELECT COUNT(*) FROM cells WHERE run_id = %lld AND error_kind IS NULL AND "
		    "label IS NOT NULL", run), 20);
	char *status = db_query_text(db, "SELECT status FROM runs ORDER BY id DESC LIMIT 1");
	CHECK_STR(status, "complete");
	free(status);
	free(suite);
}

/* Cells of a run at run a and run b with the same coordinates (cases >= from) whose costs
 * are in the ratio b = a * f (within rounding). */
static long long cost_ratio(long long a, long long b, double f, int from)
{
	char *sql = sl_xasprintf("SELECT COUNT(*) FROM cells a JOIN cells b USING (model_idx, "
				 "prompt_idx, case_idx, sample) WHERE a.run_id = %%lld AND b.run_id = "
				 "%%lld AND a.case_idx >= %d AND abs(b.cost - a.cost * %g) < 1e-12",
				 from, f);
	long long n = q2(sql, a, b);
	free(sql);
	return n;
}

/* The response cache holds batch answers at the batch price and without latency: a cell
 * reports what it would be charged in its own run (list price interactive, batch price in
 * a batch), and an interactive cell never takes an answer whose speed was not measured. */
static void test_cache_prices(void)
{
	script("{\"batch\": {\"complete_ms\": 20}}");
	char *suite = write_suite("cacheprice", 4, NULL);
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, "--batch", NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	long long batch = last_run();
	/* interactive after batch: asked again, measured, at the list price */
	fakeprov_reset(fp);
	r = run_cli(db, (const char *[]){ "run", suite, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "8/8 cells, 0 errors, 0 cached");
	run_result_free(&r);
	long long inter = last_run();
	CHECK_INT(route("openai.chat") + route("anthropic.messages"), 8);
	CHECK_INT(cost_ratio(batch, inter, 2, 0), 8);
	CHECK_INT(q("SELECT COUNT(*) FROM cells WHERE run_id = %lld AND latency_ms IS NOT NULL",
		    inter), 8);
	/* interactive again: from the cache, with the measured speed and the list price */
	fakeprov_reset(fp);
	r = run_cli(db, (const char *[]){ "run", suite, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "8/8 cells, 0 errors, 8 cached");
	run_result_free(&r);
	long long again = last_run();
	CHECK_INT(route("openai.chat") + route("anthropic.messages"), 0);
	CHECK_INT(cost_ratio(inter, again, 1, 0), 8);
	CHECK_INT(q2("SELECT COUNT(*) FROM cells a JOIN cells b USING (model_idx, prompt_idx, "
		     "case_idx, sample) WHERE a.run_id = %lld AND b.run_id = %lld AND a.latency_ms "
		     "= b.latency_ms", inter, again), 8);
	/* a batch run from the cache: its batch cells at the batch price, its sample cells
	 * (case 0) at the list price with their measured speed; the scorecard says so */
	fakeprov_reset(fp);
	r = run_cli(db, (const char *[]){ "run", suite, "--batch", "--batch-sample", "1", NULL },
		    NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "8/8 cells, 0 errors, 8 cached");
	CHECK_CONTAINS(r.out, "went to the provider's batch API: cost at the batch price");
	run_result_free(&r);
	long long mixed = last_run();
	CHECK_INT(route("openai.chat") + route("anthropic.messages") +
		  route("openai.batches.create") + route("anthropic.batches.create"), 0);
	CHECK_INT(cost_ratio(inter, mixed, 1, 0) - cost_ratio(inter, mixed, 1, 1), 2);
	CHECK_INT(cost_ratio(inter, mixed, 0.5, 1), 6);
	CHECK_INT(q("SELECT COUNT(*) FROM cells WHERE run_id = %lld AND case_idx = 0 AND "
		    "latency_ms IS NOT NULL", mixed), 2);
	free(suite);

	/* batch after interactive: the interactive answers at the batch price */
	suite = write_suite("cacheprice2", 3, NULL);
	r = run_cli(db, (const char *[]){ "run", suite, NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	inter = last_run();
	r = run_cli(db, (const char *[]){ "run", suite, "--batch", NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "6/6 cells, 0 errors, 6 cached");
	run_result_free(&r);
	CHECK_INT(cost_ratio(inter, last_run(), 0.5, 0), 6);
	free(suite);
}

TEST_MAIN_BEGIN
	fp = fakeprov_start(NULL);
	write_providers(fp->base);
	db = test_path("store.db");
	char *p = test_write_file("p1.json", "{\"name\": \"sentiment\", \"system\": \"Answer with "
					     "one word.\", \"user\": \"Sentiment of: {{text}}\", "
					     "\"params\": {\"max_tokens\": 5}}");
	struct run_result r = run_cli(db, (const char *[]){ "prompts", "add", p, NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	free(p);
	RUN_TEST(test_ten_thousand);
	RUN_TEST(test_kill_then_poll);
	RUN_TEST(test_kill_while_creating);
	RUN_TEST(test_poll_without_suite);
	RUN_TEST(test_cancel);
	RUN_TEST(test_expiry_failures_malformed);
	RUN_TEST(test_refused_and_secrets);
	RUN_TEST(test_upload_has_no_key);
	RUN_TEST(test_batch_sample);
	RUN_TEST(test_cache_prices);
	RUN_TEST(test_dead_endpoint);
	fakeprov_stop(fp);
	free(db);
TEST_MAIN_END

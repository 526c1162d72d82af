/* `shortlist run --batch` on Amazon Bedrock end to end against tests/fakeprov (S3 objects
 * and model-invocation jobs): a batch run ends in the same cells and scores as the same
 * answers fetched interactively through Converse, at half the cost, latency not measured;
 * a kill while the job runs is picked up by `runs poll` and `run --resume`; `runs cancel` stops the job; a
 * partially completed or expired job leaves the failed records' cells failed with Bedrock's
 * reason, and --resume sends them again;
 * a missing bucket or role is exit 2 before anything is sent; no credential is stored or
 * uploaded. */
#define _GNU_SOURCE /* memmem */
#include "test.h"

#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eval_util.h"
#include "fakeprov_client.h"
#include "shortlist/util.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN "FQoGZXIvYXdzEXAMPLESESSIONTOKENforBATCH"
#define MODEL "amazon.nova-lite-v1:0"

static struct fakeprov *fp;
static char *db;

static long route(const char *name)
{
	return fakeprov_route_count(fp, name);
}

static long long q(const char *fmt, long long run)
{
	return db_query_runs(db, fmt, run, run);
}

static long long last_run(void)
{
	return db_query_int(db, "SELECT MAX(id) FROM runs");
}

/* providers.json: Bedrock provider "aws" (runtime, control plane and S3 all at fakeprov);
 * batch settings `batch` (NULL: none). */
static void write_providers(const char *batch)
{
	char *json = sl_xasprintf("{\"providers\": {\"aws\": {\"kind\": \"bedrock\", \"base_url\": "
				  "\"%s\", \"region\": \"us-east-1\", \"limits\": {\"max_tries\": "
				  "1}%s%s}}}", fp->base, batch ? ", \"batch\": " : "",
				  batch ? batch : "");
	free(test_write_file("config/shortlist/providers.json", json));
	free(json);
}

static char *batch_conf(void)
{
	return sl_xasprintf("{\"bucket\": \"sl-evals\", \"prefix\": \"shortlist/\", \"role_arn\": "
			    "\"arn:aws:iam::123456789012:role/BedrockBatch\", \"endpoint\": \"%s\", "
			    "\"s3_endpoint\": \"%s/s3\", \"min_records\": 1}", fp->base, fp->base);
}

/* n cases, one Bedrock model, one prompt. */
static char *write_suite(const char *name, int n)
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
		"{\"name\": \"%s\", \"models\": [\"aws:" MODEL "\"], \"prompts\": [\"sentiment@1\"],"
		" \"dataset\": \"cases.csv\", \"concurrency\": 64,"
		" \"prices\": {\"aws:" MODEL "\": {\"in\": 0.06, \"out\": 0.24}},"
		" \"scorers\": [{\"name\": \"label\", \"labels\": [\"positive\", \"negative\"]}]}",
		name);
	char *path = test_write_file(rel, suite);
	free(suite);
	return path;
}

static void script(const char *json)
{
	char *s = sl_xasprintf("{\"auth\": {\"aws_session_token\": \"" TOKEN "\"}%s%s}",
			       *json ? ", " : "", json);
	CHECK_INT(fakeprov_set_script(fp, s), 0);
	free(s);
	fakeprov_reset(fp);
}

static void test_same_scorecard(void)
{
	/* the answer depends on the model only: interactive and batch get the same */
	script("\"models\": {\"" MODEL "\": {\"text\": \"positive\"}}, "
	       "\"bedrock_batch\": {\"polls\": 2}");
	char *suite = write_suite("same", 300);
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, "--no-cache", NULL },
				      NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	long long inter = last_run();
	CHECK_INT(route("bedrock.converse") + route("bedrock.converse_stream"), 300);
	fakeprov_reset(fp);
	r = run_cli(db, (const char *[]){ "run", suite, "--no-cache", "--batch", NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "300/300 cells, 0 errors");
	run_result_free(&r);
	long long batch = last_run();
	CHECK(batch == inter + 1);
	/* one input object, one job, its output read; nothing interactive */
	CHECK_INT(route("bedrock.converse") + route("bedrock.converse_stream"), 0);
	CHECK_INT(route("s3.put"), 1);
	CHECK_INT(route("bedrock.job_create"), 1);
	CHECK(route("bedrock.job_get") >= 3);
	CHECK_INT(route("s3.get"), 1);
	cJSON *stats = fakeprov_stats(fp);
	CHECK_INT(cJSON_GetObjectItem(stats, "auth_failures")->valueint, 0);
	cJSON_Delete(stats);
	CHECK_INT(q("SELECT COUNT(*) FROM run_batches WHERE run_id = %lld AND state = 'done' AND "
		    "n_ok = 300 AND n_failed = 0 AND n_malformed = 0 AND remote_id LIKE "
		    "'arn:aws:bedrock:%%:model-invocation-job/%%'", batch), 1);
	char *sql = sl_xasprintf(
		"SELECT COUNT(*) FROM cells a JOIN cells b USING (model_idx, prompt_idx, case_idx, "
		"sample) WHERE a.run_id = %lld AND b.run_id = %lld AND a.output = b.output AND "
		"a.tokens_in = b.tokens_in AND a.tokens_out = b.tokens_out AND b.error_kind IS NULL "
		"AND abs(b.cost - a.cost / 2) < 1e-12 AND b.latency_ms IS NULL AND "
		"a.latency_ms IS NOT NULL", inter, batch);
	CHECK_INT(db_query_int(db, sql), 300);
	free(sql);
	sql = sl_xasprintf("SELECT COUNT(*) FROM cell_scores a JOIN cell_scores b USING (metric, "
			   "model_idx, prompt_idx, case_idx, sample) WHERE a.run_id = %lld AND "
			   "b.run_id = %lld AND a.value IS b.value", inter, batch);
	CHECK_INT(db_query_int(db, sql), 300);
	free(sql);
	/* no credential in the store (the uploaded input: test_batch_bedrock) */
	size_t len;
	struct sl_error e = { 0 };
	char *bytes = sl_read_file(db, &len, &e);
	CHECK(bytes && !memmem(bytes, len, SECRET, strlen(SECRET)) &&
	      !memmem(bytes, len, TOKEN, strlen(TOKEN)));
	free(bytes);
	free(suite);
}

/* kill -9 while the job runs: `runs poll`, or `run --resume`, collects without creating
 * another job. */
static void test_kill_then_poll(void)
{
	script("\"models\": {\"" MODEL "\": {\"text\": \"negative\"}}, "
	       "\"bedrock_batch\": {\"delay_ms\": 2500}");
	char *suite = write_suite("killpoll", 40);
	long long prev = last_run();
	pid_t pid = spawn_cli(db, (const char *[]){ "run", suite, "--batch", "--no-cache", NULL },
			      NULL, "kp");
	long long run = db_wait_run_after(db, prev);
	CHECK(run > prev);
	CHECK(db_wait_batches_submitted(db, run, 1));
	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	CHECK(WIFSIGNALED(st));
	CHECK_INT(route("bedrock.job_create"), 1);
	CHECK_INT(q("SELECT COUNT(*) FROM cells WHERE run_id = %lld", run), 0);
	char run_s[32];
	snprintf(run_s, sizeof run_s, "%lld", run);
	struct run_result r = run_cli(db, (const char *[]){ "runs", "poll", run_s, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "40/40 cells, 0 errors");
	run_result_free(&r);
	CHECK_INT(route("bedrock.job_create"), 1);
	CHECK_INT(route("s3.put"), 1);
	CHECK_INT(route("bedrock.converse") + route("bedrock.converse_stream"), 0);
	CHECK_INT(q("SELECT COUNT(*) FROM cells WHERE run_id = %lld AND output = 'negative'", run),
		  40);

	/* the same with run --resume */
	fakeprov_reset(fp);
	prev = last_run();
	pid = spawn_cli(db, (const char *[]){ "run", suite, "--batch", "--no-cache", NULL }, NULL,
			"kr");
	run = db_wait_run_after(db, prev);
	CHECK(db_wait_batches_submitted(db, run, 1));
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	snprintf(run_s, sizeof run_s, "%lld", run);
	r = run_cli(db, (const char *[]){ "run", suite, "--batch", "--resume", run_s, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "40/40 cells, 0 errors");
	run_result_free(&r);
	CHECK_INT(route("bedrock.job_create"), 1);
	CHECK_INT(route("s3.put"), 1);
	free(suite);
}

/* kill -9 while CreateModelInvocationJob is at Bedrock (its answer never came back): `runs
 * poll` finds the job by its name instead of creating a second one; no cell lost or
 * doubled. */
static void test_kill_while_creating(void)
{
	script("\"models\": {\"" MODEL "\": {\"text\": \"negative\"}}, "
	       "\"bedrock_batch\": {\"create_delay_ms\": 1500}");
	char *suite = write_suite("killcreate", 30);
	long long prev = last_run();
	pid_t pid = spawn_cli(db, (const char *[]){ "run", suite, "--batch", "--no-cache", NULL },
			      NULL, "kc");
	long long run = db_wait_run_after(db, prev);
	CHECK(run > prev);
	for (int i = 0; i < 2000 && route("bedrock.job_create") < 1; i++)
		usleep(10000);
	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	CHECK_INT(route("bedrock.job_create"), 1);
	CHECK_INT(q("SELECT COUNT(*) FROM run_batches WHERE run_id = %lld AND state = 'submitting' "
		    "AND remote_id IS NULL", run), 1);
	char run_s[32];
	snprintf(run_s, sizeof run_s, "%lld", run);
	struct run_result r = run_cli(db, (const char *[]){ "runs", "poll", run_s, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "30/30 cells, 0 errors");
	run_result_free(&r);
	CHECK_INT(route("bedrock.job_create"), 1);
	CHECK_INT(route("bedrock.job_list"), 1);
	CHECK_INT(route("s3.put"), 1);
	CHECK_INT(q("SELECT COUNT(*) FROM run_batches WHERE run_id = %lld AND state = 'done' AND "
		    "remote_id IS NOT NULL", run), 1);
	CHECK_INT(q("SELECT COUNT(*) FROM cells WHERE run_id = %lld AND output = 'negative'", run),
		  30);
	free(suite);
}

/* `runs cancel`: StopModelInvocationJob; the cells it never answered fail, resumably. */
static void test_cancel(void)
{
	script("\"bedrock_batch\": {\"delay_ms\": 60000, \"process\": 5}");
	char *suite = write_suite("cancel", 30);
	long long prev = last_run();
	pid_t pid = spawn_cli(db, (const char *[]){ "run", suite, "--batch", "--no-cache", NULL },
			      NULL, "cn");
	long long run = db_wait_run_after(db, prev);
	CHECK(db_wait_batches_submitted(db, run, 1));
	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	char run_s[32];
	snprintf(run_s, sizeof run_s, "%lld", run);
	struct run_result r = run_cli(db, (const char *[]){ "runs", "cancel", run_s, NULL }, NULL);
	CHECK_CONTAINS(r.out, "30/30 cells, 25 errors");
	run_result_free(&r);
	CHECK_INT(route("bedrock.job_stop"), 1);
	CHECK_INT(q("SELECT COUNT(*) FROM run_batches WHERE run_id = %lld AND state = "
		    "'cancelled'", run), 1);
	CHECK_INT(q("SELECT COUNT(*) FROM cells WHERE run_id = %lld AND error_kind IS NULL", run),
		  5);
	/* the stopped cells are resumable: a new job answers them */
	script("");
	r = run_cli(db, (const char *[]){ "run", suite, "--batch", "--resume", run_s, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "30/30 cells, 0 errors");
	run_result_free(&r);
	CHECK_INT(route("bedrock.job_create"), 1);
	free(suite);
}

/* A partially completed job: the records Bedrock failed keep its reason; broken output
 * lines are counted. */
static void test_partial_and_expired(void)
{
	script("\"models\": {\"" MODEL "\": {\"text\": \"positive\", \"sequence\": [{}, {}, "
	       "{\"fault\": \"status\", \"status\": 400, \"message\": \"Malformed input request: "
	       "extraneous key [foo] is not permitted\"}]}}, \"bedrock_batch\": {\"status\": "
	       "\"PartiallyCompleted\", \"malformed_lines\": 1}");
	char *suite = write_suite("partial", 10);
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, "--batch", "--no-cache",
							    NULL }, NULL);
	run_result_free(&r);
	long long run = last_run();
	CHECK_INT(q("SELECT COUNT(*) FROM cells WHERE run_id = %lld AND error_kind IS NOT NULL",
		    run), 1);
	CHECK_INT(q("SELECT COUNT(*) FROM cells WHERE run_id = %lld AND error_msg LIKE "
		    "'%%extraneous key [foo] is not permitted%%'", run), 1);
	CHECK_INT(q("SELECT COUNT(*) FROM run_batches WHERE run_id = %lld AND n_failed = 1 AND "
		    "n_malformed = 1 AND n_ok = 9", run), 1);
	free(suite);

	/* an expired job: what it finished is kept, the rest fail with its reason and a
	 * --resume sends them in a new job */
	script("\"bedrock_batch\": {\"status\": \"Expired\", \"process\": 3, \"message\": "
	       "\"Job timed out after 24 hours\"}");
	suite = write_suite("expired", 10);
	r = run_cli(db, (const char *[]){ "run", suite, "--batch", "--no-cache", NULL }, NULL);
	run_result_free(&r);
	run = last_run();
	CHECK_INT(q("SELECT COUNT(*) FROM cells WHERE run_id = %lld AND error_kind IS NULL", run), 3);
	CHECK_INT(q("SELECT COUNT(*) FROM cells WHERE run_id = %lld AND error_msg LIKE "
		    "'%%expired before this request ran: Job timed out after 24 hours%%'", run), 7);
	CHECK_INT(q("SELECT COUNT(*) FROM run_batches WHERE run_id = %lld AND state = 'expired'",
		    run), 1);
	script("");
	char run_s[32];
	snprintf(run_s, sizeof run_s, "%lld", run);
	r = run_cli(db, (const char *[]){ "run", suite, "--batch", "--resume", run_s, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "10/10 cells, 0 errors");
	run_result_free(&r);
	CHECK_INT(route("bedrock.job_create"), 1);
	free(suite);
}

/* No bucket or role: exit 2 naming the file and key, before anything is sent (the run's
 * row stays, with no cell: --resume after fixing the file carries on). */
static void test_missing_config(void)
{
	script("");
	write_providers(NULL);
	char *suite = write_suite("noconf", 5);
	long long prev = last_run();
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, "--batch", "--no-cache",
							    NULL }, NULL);
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "providers.json: providers.aws.batch: missing");
	run_result_free(&r);
	write_providers("{\"bucket\": \"sl-evals\"}");
	r = run_cli(db, (const char *[]){ "run", suite, "--batch", "--no-cache", NULL }, NULL);
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "providers.json: providers.aws.batch.role_arn: missing");
	run_result_free(&r);
	cJSON *stats = fakeprov_stats(fp);
	CHECK_INT(cJSON_GetObjectItem(stats, "requests")->valueint, 0);
	cJSON_Delete(stats);
	CHECK_INT(q("SELECT COUNT(*) FROM cells WHERE run_id > %lld", prev), 0);
	char *b = batch_conf();
	write_providers(b);
	free(b);
	free(suite);
}

/* Bedrock refuses a job under its minimum of records: a model's records are split so that
 * none is, e.g. 101 records with max_records 50 and min_records 20 go as 50 + 31 + 20, not
 * 50 + 50 + 1 (which stopped the run). */
static void test_split_keeps_minimum(void)
{
	script("\"models\": {\"" MODEL "\": {\"text\": \"positive\"}}");
	char *b = sl_xasprintf("{\"bucket\": \"sl-evals\", \"role_arn\": "
			       "\"arn:aws:iam::123456789012:role/BedrockBatch\", \"endpoint\": "
			       "\"%s\", \"s3_endpoint\": \"%s/s3\", \"min_records\": 20, "
			       "\"max_records\": 50}", fp->base, fp->base);
	write_providers(b);
	free(b);
	static const struct {
		int cases;
		const char *sizes; /* n_requests of the run's jobs, in order */
	} runs[] = { { 101, "50,31,20" }, { 55, "35,20" }, { 120, "50,50,20" }, { 40, "40" } };
	for (size_t i = 0; i < SL_ARRAY_LEN(runs); i++) {
		char name[32];
		snprintf(name, sizeof name, "split%d", runs[i].cases);
		char *suite = write_suite(name, runs[i].cases);
		fakeprov_reset(fp);
		struct run_result r = run_cli(db, (const char *[]){ "run", suite, "--batch",
								    "--no-cache", NULL }, NULL);
		CHECK_INT(r.status, 0);
		char want[64];
		snprintf(want, sizeof want, "%d/%d cells, 0 errors", runs[i].cases, runs[i].cases);
		CHECK_CONTAINS(r.out, want);
		run_result_free(&r);
		long long run = last_run();
		char *sql = sl_xasprintf("SELECT group_concat(n_requests) FROM (SELECT n_requests "
					 "FROM run_batches WHERE run_id = %lld AND state = 'done' "
					 "ORDER BY first_cell)", run);
		char *sizes = db_query_text(db, sql);
		CHECK_STR(sizes, runs[i].sizes);
		free(sizes);
		free(sql);
		/* every cell answered once, by its own job: the ranges do not overlap */
		CHECK_INT(q("SELECT COUNT(*) FROM run_batches a JOIN run_batches b ON a.id < b.id "
			    "AND a.run_id = b.run_id WHERE a.run_id = %lld AND a.first_cell <= "
			    "b.last_cell AND b.first_cell <= a.last_cell", run), 0);
		CHECK_INT(q("SELECT COUNT(*) FROM cells WHERE run_id = %lld AND error_kind IS NULL "
			    "AND output = 'positive'", run), runs[i].cases);
		CHECK_INT(route("bedrock.converse") + route("bedrock.converse_stream"), 0);
		free(suite);
	}
	/* quotas that contradict each other are refused with the key named, nothing sent */
	b = sl_xasprintf("{\"bucket\": \"sl-evals\", \"role_arn\": "
			 "\"arn:aws:iam::123456789012:role/BedrockBatch\", \"min_records\": 60, "
			 "\"max_records\": 50}");
	write_providers(b);
	free(b);
	char *suite = write_suite("split_bad", 5);
	fakeprov_reset(fp);
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, "--batch", "--no-cache",
							    NULL }, NULL);
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "providers.aws.batch: min_records (60) is more than max_records (50)");
	run_result_free(&r);
	cJSON *stats = fakeprov_stats(fp);
	CHECK_INT(cJSON_GetObjectItem(stats, "requests")->valueint, 0);
	cJSON_Delete(stats);
	free(suite);
	b = batch_conf();
	write_providers(b);
	free(b);
}

TEST_MAIN_BEGIN
	fp = fakeprov_start(NULL);
	char *dir = test_path("config/shortlist");
	struct sl_error err = { 0 };
	sl_mkdirs(dir, &err);
	free(dir);
	char *b = batch_conf();
	write_providers(b);
	free(b);
	setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
	setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
	setenv("AWS_SESSION_TOKEN", TOKEN, 1);
	setenv("AWS_REGION", "us-east-1", 1);
	unsetenv("AWS_BEARER_TOKEN_BEDROCK");
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_ENDPOINT_URL");
	db = test_path("store.db");
	char *p = test_write_file("p1.json", "{\"name\": \"sentiment\", \"system\": \"Answer with "
					     "one word.\", \"user\": \"Sentiment of: {{text}}\", "
					     "\"params\": {\"max_tokens\": 5}}");
	struct run_result r = run_cli(db, (const char *[]){ "prompts", "add", p, NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	free(p);
	RUN_TEST(test_same_scorecard);
	RUN_TEST(test_kill_then_poll);
	RUN_TEST(test_kill_while_creating);
	RUN_TEST(test_cancel);
	RUN_TEST(test_partial_and_expired);
	RUN_TEST(test_missing_config);
	RUN_TEST(test_split_keeps_minimum);
	fakeprov_stop(fp);
	free(db);
TEST_MAIN_END

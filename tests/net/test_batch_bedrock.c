/* Bedrock batch inference (batch_bedrock.c) against fakeprov's S3 and model-invocation-job
 * endpoints: each step's call is built by the protocol and sent here on the engine's loop
 * (transfer.h), the way the batcher does, so the wire shapes, the signatures, the job's
 * life (partial failures, malformed lines, expiry, stop, failure) and the configuration
 * checks are tested without the batcher. */
#include "test.h"

#include <cjson/cJSON.h>

#include "fakeprov_client.h"
#include "shortlist/batch.h"
#include "shortlist/engine.h"
#include "shortlist/provider.h"
#include "shortlist/providers_config.h"
#include "shortlist/sigv4.h"
#include "shortlist/transfer.h"

#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN "FQoGZXIvYXdzEXAMPLESESSIONTOKEN"

static struct fakeprov *fp;

struct reply {
	bool done;
	long status;
	char *body;
	struct sl_buf results; /* a results body, as streamed */
};

static void on_data(void *ud, const char *data, size_t len)
{
	struct reply *r = ud;
	sl_buf_append(&r->results, data, len);
}

static void on_done(void *ud, const struct sl_xfer_result *x)
{
	struct reply *r = ud;
	r->done = true;
	r->status = x->http_status;
	r->body = sl_xstrndup(x->body ? x->body : "", x->body_len);
}

/* Send one built call and wait for its answer. */
static void send_call(struct sl_engine *eng, const struct sl_batch_call *c, struct reply *r)
{
	memset(r, 0, sizeof *r);
	sl_buf_init(&r->results);
	struct sl_xfer x = { .method = c->method, .url = c->http.url,
			     .headers = (const char *const *)c->http.headers,
			     .n_headers = c->http.n_headers, .body = c->http.body,
			     .body_len = c->http.body ? strlen(c->http.body) : 0,
			     .body_file = c->body_file, .on_data = c->results ? on_data : NULL };
	struct sl_error err = { 0 };
	uint64_t id = sl_engine_xfer(eng, &x, on_done, r, &err);
	CHECK(id > 0);
	if (!id) {
		fprintf(stderr, "transfer refused: %s\n", err.msg);
		r->done = true;
		return;
	}
	while (!r->done) {
		sl_engine_perform(eng);
		if (!r->done)
			sl_engine_wait(eng, NULL, 0, 100, NULL);
	}
}

static void reply_free(struct reply *r)
{
	free(r->body);
	sl_buf_free(&r->results);
}

/* providers.json with an "aws" Bedrock provider whose batch settings are `batch`. */
static void load(struct sl_providers *p, const char *batch)
{
	char *json = sl_xasprintf("{\"providers\": {\"aws\": {\"kind\": \"bedrock\", "
				  "\"region\": \"us-east-1\"%s%s}}}", batch ? ", \"batch\": " : "",
				  batch ? batch : "");
	char *path = test_write_file("providers.json", json);
	struct sl_error err = { 0 };
	int rc = sl_providers_load(p, path, &err);
	CHECK_INT(rc, 0);
	if (rc)
		fprintf(stderr, "%s\n", err.msg);
	free(path);
	free(json);
}

static char *good_batch(const char *extra)
{
	return sl_xasprintf("{\"bucket\": \"sl-evals\", \"prefix\": \"runs/\", \"role_arn\": "
			    "\"arn:aws:iam::123456789012:role/BedrockBatch\", \"endpoint\": \"%s\", "
			    "\"s3_endpoint\": \"%s/s3\", \"min_records\": 1%s}", fp->base, fp->base,
			    extra ? extra : "");
}

/* The input file of n chat requests, written the way the batcher writes it. */
static char *write_input(const struct sl_provider_conf *conf, int n, int64_t *bytes)
{
	const struct sl_batch_ops *ops = &sl_bedrock_batch_ops;
	struct sl_buf b;
	sl_buf_init(&b);
	sl_buf_puts(&b, ops->file_head);
	struct sl_params pr;
	sl_params_init(&pr);
	pr.max_tokens = 64;
	for (int i = 0; i < n; i++) {
		char q[64], id[64];
		snprintf(q, sizeof q, "Question %d?", i);
		struct sl_message msg[2] = { { SL_ROLE_SYSTEM, "Be brief." }, { SL_ROLE_USER, q } };
		struct sl_call call = { .conf = conf, .model_id = "amazon.nova-lite-v1:0",
					.messages = msg, .n_messages = 2, .params = &pr,
					.stream = true };
		sl_batch_custom_id(id, 0, 0, i, 0);
		struct sl_error err = { 0 };
		if (i)
			sl_buf_puts(&b, ops->file_sep);
		CHECK_INT(ops->write_record(&b, id, &call, &err), 0);
	}
	sl_buf_puts(&b, ops->file_tail);
	sl_buf_putc(&b, '\0');
	*bytes = (int64_t)strlen(b.data);
	char *path = test_write_file("input.jsonl", b.data);
	sl_buf_free(&b);
	return path;
}

struct job {
	struct sl_providers provs;
	struct sl_batch b;
	char *input;
	int n_ok, n_failed, n_malformed;
	char *first_error;
	char texts[8][64];
};

static int job_open(struct job *j, const char *batch, int n, struct sl_error *err)
{
	memset(j, 0, sizeof *j);
	load(&j->provs, batch);
	const struct sl_provider_conf *conf = sl_providers_find(&j->provs, "aws");
	j->b = (struct sl_batch){ .id = 7, .ops = &sl_bedrock_batch_ops, .conf = conf,
				  .model_id = "amazon.nova-lite-v1:0", .n_requests = n,
				  .api_ok = -1, .api_failed = -1 };
	j->input = write_input(conf, n, &j->b.input_bytes);
	j->b.input_path = j->input;
	return sl_bedrock_batch_ops.open(&j->b, err);
}

static void job_free(struct job *j)
{
	sl_batch_clear(&j->b);
	sl_providers_free(&j->provs);
	free(j->input);
	free(j->first_error);
}

/* One step: build, send, read the 2xx answer. Returns the HTTP status. */
static long step(struct sl_engine *eng, struct job *j,
		 int (*build)(struct sl_batch *, struct sl_batch_call *, struct sl_error *),
		 int (*done)(struct sl_batch *, const char *, size_t, struct sl_error *))
{
	struct sl_batch_call c = { 0 };
	struct sl_error err = { 0 };
	CHECK_INT(build(&j->b, &c, &err), 0);
	struct reply r;
	send_call(eng, &c, &r);
	if (r.status / 100 == 2 && done)
		CHECK_INT(done(&j->b, r.body, strlen(r.body), &err), 0);
	long st = r.status;
	if (st / 100 != 2)
		fprintf(stderr, "(HTTP %ld: %s)\n", st, r.body);
	reply_free(&r);
	sl_batch_call_free(&c);
	return st;
}

/* Poll until the job ends (fakeprov moves it on each GET). */
static void poll_until_ended(struct sl_engine *eng, struct job *j)
{
	for (int i = 0; i < 20 && !j->b.api_ended; i++)
		CHECK_INT(step(eng, j, sl_bedrock_batch_ops.poll, sl_bedrock_batch_ops.poll_done),
			  200);
	CHECK(j->b.api_ended);
}

static long collect(struct sl_engine *eng, struct job *j)
{
	struct sl_batch_call c = { 0 };
	struct sl_error err = { 0 };
	int rc = sl_bedrock_batch_ops.fetch(&j->b, 0, &c, &err);
	if (rc == 1)
		return 0;
	CHECK_INT(rc, 0);
	CHECK(c.results);
	struct reply r;
	send_call(eng, &c, &r);
	sl_buf_putc(&r.results, '\0');
	for (char *save = NULL, *l = strtok_r(r.results.data, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		struct sl_batch_item it = { 0 };
		if (sl_bedrock_batch_ops.parse_line(&j->b, l, strlen(l), &it) != 0) {
			j->n_malformed++;
			continue;
		}
		int m, p, cs, s;
		CHECK(sl_batch_parse_custom_id(it.custom_id, &m, &p, &cs, &s));
		if (it.ok) {
			j->n_ok++;
			if (cs >= 0 && cs < 8)
				snprintf(j->texts[cs], sizeof j->texts[cs], "%s", it.result.text);
		} else {
			j->n_failed++;
			if (!j->first_error)
				j->first_error = sl_xstrdup(it.result.error);
		}
		sl_batch_item_clear(&it);
	}
	long st = r.status;
	reply_free(&r);
	sl_batch_call_free(&c);
	struct sl_batch_call c2 = { 0 };
	CHECK_INT(sl_bedrock_batch_ops.fetch(&j->b, 1, &c2, &err), 1); /* one results stream */
	sl_batch_call_free(&c2);
	return st;
}

static void set_env(void)
{
	setenv("AWS_ACCESS_KEY_ID", AKID, 1);
	setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
	setenv("AWS_SESSION_TOKEN", TOKEN, 1);
	setenv("AWS_REGION", "us-east-1", 1);
	unsetenv("AWS_BEARER_TOKEN_BEDROCK");
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_ENDPOINT_URL");
}

static const char *const auth_script = "\"auth\": {\"aws_session_token\": \"" TOKEN "\"}";

/* Script fakeprov (the auth block plus `rest`), then open a job of 3 records and, with
 * submit, upload and create it. */
static void start_job(struct sl_engine *eng, struct job *j, const char *batch,
		      const char *rest, bool submit)
{
	char *script = sl_xasprintf("{%s%s%s}", auth_script, rest ? ", " : "", rest ? rest : "");
	CHECK_INT(fakeprov_set_script(fp, script), 0);
	free(script);
	struct sl_error err = { 0 };
	CHECK_INT(job_open(j, batch, 3, &err), 0);
	if (!submit)
		return;
	CHECK_INT(step(eng, j, sl_bedrock_batch_ops.upload, sl_bedrock_batch_ops.upload_done), 200);
	CHECK_INT(step(eng, j, sl_bedrock_batch_ops.submit, sl_bedrock_batch_ops.submit_done), 200);
}

static void test_end_to_end(void)
{
	fakeprov_reset(fp);
	struct sl_engine *eng = test_engine_new("{}", NULL);
	char *batch = good_batch(NULL);
	struct job j;
	start_job(eng, &j, batch, "\"bedrock_batch\": {\"polls\": 2}", false);

	/* upload: a signed, streamed PUT of exactly the file, with nothing secret in it */
	CHECK_INT(step(eng, &j, sl_bedrock_batch_ops.upload, sl_bedrock_batch_ops.upload_done), 200);
	CHECK(j.b.input_ref && strncmp(j.b.input_ref, "s3://sl-evals/runs/shortlist-b7-", 32) == 0);
	cJSON *last = fakeprov_last(fp);
	const char *body = cJSON_GetStringValue(cJSON_GetObjectItem(last, "body"));
	const cJSON *h = cJSON_GetObjectItem(last, "headers");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(last, "route")), "s3.put");
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(last, "auth_ok")));
	CHECK_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItem(h, "authorization")),
		       "/us-east-1/s3/aws4_request");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(h, "x-amz-security-token")), TOKEN);
	char sha[65];
	sl_sha256_hex(body ? body : "", body ? strlen(body) : 0, sha);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(h, "x-amz-content-sha256")), sha);
	CHECK_CONTAINS(body, "{\"recordId\":\"m0xp0xc2xs0\",\"modelInput\":{\"messages\":");
	CHECK(body && !strstr(body, AKID) && !strstr(body, SECRET) && !strstr(body, TOKEN));
	cJSON_Delete(last);

	/* submit: CreateModelInvocationJob on the control plane, Converse records */
	CHECK_INT(step(eng, &j, sl_bedrock_batch_ops.submit, sl_bedrock_batch_ops.submit_done), 200);
	CHECK_CONTAINS(j.b.remote_id, "arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/");
	last = fakeprov_last(fp);
	cJSON *cb = cJSON_Parse(cJSON_GetStringValue(cJSON_GetObjectItem(last, "body")));
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cb, "modelInvocationType")), "Converse");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cb, "roleArn")),
		  "arn:aws:iam::123456789012:role/BedrockBatch");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cb, "modelId")), "amazon.nova-lite-v1:0");
	CHECK_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItem(
			       cJSON_GetObjectItem(last, "headers"), "authorization")),
		       "/us-east-1/bedrock/aws4_request");
	cJSON_Delete(cb);
	cJSON_Delete(last);

	/* poll: Submitted, InProgress, Completed */
	CHECK_INT(step(eng, &j, sl_bedrock_batch_ops.poll, sl_bedrock_batch_ops.poll_done), 200);
	CHECK_STR(j.b.api_status, "Submitted");
	CHECK(!j.b.api_ended);
	poll_until_ended(eng, &j);
	CHECK_STR(j.b.api_status, "Completed");
	CHECK_INT(j.b.state, SL_BATCH_PREPARING); /* the batcher moves it on; not failed */
	CHECK_CONTAINS(j.b.output_ref, "/out/fakejob");
	CHECK_CONTAINS(j.b.output_ref, "/input.jsonl.out");

	/* collect: every record answered as an interactive Converse call would be */
	CHECK_INT(collect(eng, &j), 200);
	CHECK_INT(j.n_ok, 3);
	CHECK_INT(j.n_failed + j.n_malformed, 0);
	CHECK_STR(j.texts[0], "Hello from fakeprov.");
	CHECK_STR(j.texts[2], "Hello from fakeprov.");
	CHECK_INT(fakeprov_route_count(fp, "bedrock.converse"), 0); /* nothing interactive */
	cJSON *stats = fakeprov_stats(fp);
	CHECK_INT(cJSON_GetObjectItem(stats, "auth_failures")->valueint, 0);
	cJSON_Delete(stats);
	/* nothing stored for the batch holds a credential */
	const char *stored[] = { j.b.remote_id, j.b.input_ref, j.b.output_ref, j.b.api_status,
				 j.b.message };
	for (size_t i = 0; i < SL_ARRAY_LEN(stored); i++)
		CHECK(!stored[i] || (!strstr(stored[i], AKID) && !strstr(stored[i], TOKEN)));
	job_free(&j);
	free(batch);
	sl_engine_free(eng);
}

static void test_partial_and_malformed(void)
{
	/* the second record fails like an interactive call would (its sequence says so) and
	 * the output has two broken lines: failed cells keep Bedrock's reason */
	struct sl_engine *eng = test_engine_new("{}", NULL);
	char *batch = good_batch(NULL);
	struct job j;
	start_job(eng, &j, batch,
		  "\"models\": {\"amazon.nova-lite-v1:0\": {\"text\": \"Fine.\", \"sequence\": "
		  "[{}, {\"fault\": \"status\", \"status\": 400, \"message\": \"Input is too long "
		  "for requested model.\"}, {}]}}, \"bedrock_batch\": {\"status\": "
		  "\"PartiallyCompleted\", \"message\": \"1 of 3 records failed\", "
		  "\"malformed_lines\": 2}", true);
	poll_until_ended(eng, &j);
	CHECK_STR(j.b.api_status, "PartiallyCompleted");
	CHECK_STR(j.b.message, "1 of 3 records failed");
	CHECK_INT(collect(eng, &j), 200);
	CHECK_INT(j.n_ok, 2);
	CHECK_INT(j.n_failed, 1);
	CHECK_INT(j.n_malformed, 2);
	CHECK_CONTAINS(j.first_error, "400");
	CHECK_CONTAINS(j.first_error, "Input is too long for requested model.");
	CHECK_STR(j.texts[0], "Fine.");
	CHECK_STR(j.texts[1], "");
	job_free(&j);
	free(batch);
	sl_engine_free(eng);
}

static void test_expired_stopped_failed(void)
{
	char *batch = good_batch(NULL);
	struct sl_engine *eng = test_engine_new("{}", NULL);

	/* expired after one record: that one is collected, the state says expired */
	struct job j;
	start_job(eng, &j, batch, "\"bedrock_batch\": {\"status\": \"Expired\", \"process\": 1, "
		  "\"message\": \"Job timed out after 24 hours\"}", true);
	poll_until_ended(eng, &j);
	CHECK_INT(j.b.state, SL_BATCH_EXPIRED);
	CHECK_STR(j.b.message, "Job timed out after 24 hours");
	CHECK_INT(collect(eng, &j), 200);
	CHECK_INT(j.n_ok, 1);
	job_free(&j);

	/* expired having run nothing: no output to read (Bedrock may write none) */
	start_job(eng, &j, batch, "\"bedrock_batch\": {\"status\": \"Expired\"}", true);
	poll_until_ended(eng, &j);
	CHECK_INT(j.b.state, SL_BATCH_EXPIRED);
	CHECK(j.b.output_ref == NULL);
	CHECK_INT(collect(eng, &j), 0);
	job_free(&j);

	/* stopped while running: StopModelInvocationJob, then Stopping, then Stopped */
	start_job(eng, &j, batch, "\"bedrock_batch\": {\"polls\": 5, \"process\": 2}", true);
	step(eng, &j, sl_bedrock_batch_ops.poll, sl_bedrock_batch_ops.poll_done);
	CHECK(!j.b.api_ended);
	CHECK_INT(step(eng, &j, sl_bedrock_batch_ops.cancel, NULL), 200);
	cJSON *last = fakeprov_last(fp);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(last, "route")), "bedrock.job_stop");
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(last, "auth_ok")));
	cJSON_Delete(last);
	step(eng, &j, sl_bedrock_batch_ops.poll, sl_bedrock_batch_ops.poll_done);
	CHECK_STR(j.b.api_status, "Stopped");
	CHECK_INT(j.b.state, SL_BATCH_CANCELLED);
	CHECK_INT(collect(eng, &j), 200);
	CHECK_INT(j.n_ok, 2);
	job_free(&j);

	/* failed as a whole: the reason is kept, there is nothing to collect */
	start_job(eng, &j, batch, "\"bedrock_batch\": {\"status\": \"Failed\", \"message\": "
		  "\"Access denied to s3://sl-evals/runs/\"}", true);
	poll_until_ended(eng, &j);
	CHECK_INT(j.b.state, SL_BATCH_FAILED);
	CHECK_CONTAINS(j.b.message, "Access denied");
	CHECK(j.b.output_ref == NULL);
	CHECK_INT(collect(eng, &j), 0);
	job_free(&j);
	free(batch);
	sl_engine_free(eng);
}

static void test_signature_checked(void)
{
	/* a wrong secret: fakeprov's verifier refuses the S3 PUT (the request is really signed
	 * and really checked); S3's error echoes the canonical request, session token
	 * included, and what the user is told has S3's reason but not the token */
	char *script = sl_xasprintf("{%s}", auth_script);
	CHECK_INT(fakeprov_set_script(fp, script), 0);
	free(script);
	setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret", 1);
	struct sl_engine *eng = test_engine_new("{}", NULL);
	char *batch = good_batch(NULL);
	struct job j;
	struct sl_error err = { 0 };
	CHECK_INT(job_open(&j, batch, 3, &err), 0);
	struct sl_batch_call c = { 0 };
	CHECK_INT(sl_bedrock_batch_ops.upload(&j.b, &c, &err), 0);
	struct reply r;
	send_call(eng, &c, &r);
	CHECK_INT(r.status, 403);
	CHECK_CONTAINS(r.body, "<Code>SignatureDoesNotMatch</Code>");
	CHECK_CONTAINS(r.body, TOKEN); /* the threat: S3 echoes it */
	struct sl_provider_error pe = { 0 };
	sl_bedrock_ops.classify_error(403, "", 0, r.body, strlen(r.body), &pe);
	CHECK_STR(pe.type, "SignatureDoesNotMatch");
	CHECK_CONTAINS(pe.message, "signature we calculated does not match");
	CHECK(pe.message && !strstr(pe.message, TOKEN));
	CHECK_INT(pe.retry, 0);
	free(pe.message);
	free(pe.type);
	reply_free(&r);
	sl_batch_call_free(&c);
	cJSON *last = fakeprov_last(fp);
	CHECK_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItem(last, "auth_error")),
		       "signature we calculated does not match");
	cJSON_Delete(last);
	job_free(&j);
	free(batch);
	sl_engine_free(eng);
	set_env();
}

static void test_config_errors(void)
{
	struct sl_error err = { 0 };
	struct job j;
	/* no batch settings at all: names the file, the key and what to add */
	CHECK_INT(job_open(&j, NULL, 200, &err), -1);
	CHECK_CONTAINS(err.msg, "providers.json: providers.aws.batch: missing");
	CHECK_CONTAINS(err.msg, "\"role_arn\"");
	job_free(&j);
	char *b = sl_xasprintf("{\"bucket\": \"sl-evals\"}");
	CHECK_INT(job_open(&j, b, 200, &err), -1);
	CHECK_CONTAINS(err.msg, "providers.json: providers.aws.batch.role_arn: missing");
	job_free(&j);
	free(b);
	b = sl_xasprintf("{\"role_arn\": \"arn:aws:iam::1:role/R\"}");
	CHECK_INT(job_open(&j, b, 200, &err), -1);
	CHECK_CONTAINS(err.msg, "providers.aws.batch.bucket: missing");
	job_free(&j);
	free(b);
	b = sl_xasprintf("{\"bucket\": \"s3://sl-evals/x\", \"role_arn\": \"arn:aws:iam::1:role/R\"}");
	CHECK_INT(job_open(&j, b, 200, &err), -1);
	CHECK_CONTAINS(err.msg, "providers.aws.batch.bucket: \"s3://sl-evals/x\" is not an S3 "
				"bucket name");
	job_free(&j);
	free(b);
	b = sl_xasprintf("{\"bucket\": \"sl-evals\", \"role_arn\": \"BedrockBatch\"}");
	CHECK_INT(job_open(&j, b, 200, &err), -1);
	CHECK_CONTAINS(err.msg, "providers.aws.batch.role_arn: \"BedrockBatch\" is not an IAM role");
	job_free(&j);
	free(b);
	b = sl_xasprintf("{\"bucket\": \"sl-evals\", \"role_arn\": \"arn:aws:iam::1:role/R\", "
			 "\"region\": \"x\"}");
	CHECK_INT(job_open(&j, b, 200, &err), -1);
	CHECK_CONTAINS(err.msg, "providers.aws.batch.region: unknown key");
	job_free(&j);
	free(b);

	/* fewer records than Bedrock's minimum per job: refused before anything is sent */
	b = sl_xasprintf("{\"bucket\": \"sl-evals\", \"role_arn\": \"arn:aws:iam::1:role/R\"}");
	CHECK_INT(job_open(&j, b, 40, &err), -1);
	CHECK_CONTAINS(err.msg, "at least 100 records");
	CHECK_CONTAINS(err.msg, "has 40");
	job_free(&j);

	/* a Bedrock API key cannot sign S3 requests: access keys are asked for */
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	setenv("AWS_BEARER_TOKEN_BEDROCK", "fake-bedrock-api-key", 1);
	CHECK_INT(job_open(&j, b, 200, &err), -1);
	CHECK_CONTAINS(err.msg, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
	job_free(&j);
	free(b);
	set_env();
}

TEST_MAIN_BEGIN
	set_env();
	fp = fakeprov_start(NULL);
	RUN_TEST(test_end_to_end);
	RUN_TEST(test_partial_and_malformed);
	RUN_TEST(test_expired_stopped_failed);
	RUN_TEST(test_signature_checked);
	RUN_TEST(test_config_errors);
	fakeprov_stop(fp);
TEST_MAIN_END

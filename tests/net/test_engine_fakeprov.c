/* The engine against tests/fakeprov, end to end: measured timings against scripted ones
 * (TTFT within 15 ms on every protocol), every retry path, every fault, Bedrock with SigV4
 * (verified by fakeprov from the received bytes) and with a bearer key, cancellation and
 * 256 streams in flight on one thread. */
#include "test.h"

#include <curl/curl.h>

#include "fakeprov_client.h"
#include "shortlist/engine.h"

static struct fakeprov *fp;
static struct sl_engine *eng;

#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

static const char *SCRIPT =
	"{\"models\":{"
	"\"timed\":{\"ttft_ms\":150,\"token_ms\":12,\"text\":\"one two three four five six\","
	"\"tokens\":13},"
	"\"flat\":{\"latency_ms\":100,\"text\":\"whole answer\",\"tokens\":2},"
	"\"r408\":{\"sequence\":[{\"fault\":\"status\",\"status\":408,\"retry_after_ms\":1}]},"
	"\"r409\":{\"sequence\":[{\"fault\":\"status\",\"status\":409,\"retry_after_ms\":1}]},"
	"\"r429\":{\"sequence\":[{\"fault\":\"status\",\"status\":429,\"retry_after_ms\":1}]},"
	"\"r500\":{\"sequence\":[{\"fault\":\"status\",\"status\":500,\"retry_after_ms\":1}]},"
	"\"r502\":{\"sequence\":[{\"fault\":\"status\",\"status\":502,\"retry_after_ms\":1}]},"
	"\"r503\":{\"sequence\":[{\"fault\":\"status\",\"status\":503,\"retry_after_ms\":1}]},"
	"\"r504\":{\"sequence\":[{\"fault\":\"status\",\"status\":504,\"retry_after_ms\":1}]},"
	"\"r529\":{\"sequence\":[{\"fault\":\"status\",\"status\":529,\"retry_after_ms\":1}]},"
	"\"after1s\":{\"sequence\":[{\"fault\":\"status\",\"status\":429,\"retry_after\":1}]},"
	"\"always503\":{\"fault\":\"status\",\"status\":503,\"retry_after_ms\":1},"
	"\"bad400\":{\"fault\":\"status\",\"status\":400,\"message\":\"max_tokens is too large\"},"
	"\"quota\":{\"fault\":\"status\",\"status\":429,\"error_type\":\"insufficient_quota\","
	"\"message\":\"You exceeded your current quota\"},"
	"\"gone\":{\"exists\":false},"
	"\"reset_once\":{\"sequence\":[{\"fault\":\"reset\",\"after_chunks\":0}]},"
	"\"reset_always\":{\"fault\":\"reset\",\"after_chunks\":2},"
	"\"trunc_once\":{\"sequence\":[{\"fault\":\"truncate\",\"after_chunks\":0}]},"
	"\"trunc_always\":{\"fault\":\"truncate\",\"after_chunks\":1},"
	"\"stall\":{\"fault\":\"stall\",\"after_chunks\":1,\"stall_ms\":5000},"
	"\"malformed\":{\"fault\":\"malformed_json\",\"after_chunks\":1},"
	"\"midstream\":{\"fault\":\"error_event\",\"after_chunks\":1,\"message\":\"boom at chunk 1\"},"
	"\"badcrc\":{\"fault\":\"bad_crc\",\"after_chunks\":1},"
	"\"trickle\":{\"fault\":\"trickle\",\"trickle_ms\":0.1,\"trickle_bytes\":3,"
	"\"text\":\"slowly but surely\"},"
	"\"wide\":{\"ttft_ms\":500,\"token_ms\":10}"
	"}}";

static struct sl_engine *make_engine(void)
{
	char *json = sl_xasprintf(
		"{\"providers\":{"
		"\"fo\":{\"kind\":\"openai\",\"base_url\":\"%s/v1\",\"api_key_env\":\"FAKE_OPENAI_KEY\","
		"\"limits\":{\"concurrency\":0,\"max_tries\":3},\"timeouts\":{\"idle_ms\":400}},"
		"\"fl\":{\"kind\":\"openai\",\"base_url\":\"%s/llamacpp/v1\","
		"\"limits\":{\"concurrency\":0,\"max_tries\":3}},"
		"\"fa\":{\"kind\":\"anthropic\",\"base_url\":\"%s\",\"api_key_env\":\"FAKE_ANTHROPIC_KEY\","
		"\"limits\":{\"concurrency\":0,\"max_tries\":3}},"
		"\"fb\":{\"kind\":\"bedrock\",\"base_url\":\"%s\",\"region\":\"us-east-1\","
		"\"limits\":{\"concurrency\":0,\"max_tries\":3}},"
		"\"fbk\":{\"kind\":\"bedrock\",\"base_url\":\"%s\",\"region\":\"us-east-1\","
		"\"api_key_env\":\"FAKE_BEDROCK_KEY\",\"limits\":{\"concurrency\":0,\"max_tries\":3}},"
		"\"fol\":{\"kind\":\"ollama\",\"base_url\":\"%s\","
		"\"limits\":{\"concurrency\":0,\"max_tries\":3}},"
		"\"fw\":{\"kind\":\"openai\",\"base_url\":\"%s/v1\",\"api_key_env\":\"FAKE_OPENAI_KEY\","
		"\"limits\":{\"concurrency\":0,\"max_tries\":1}}}}", fp->base, fp->base, fp->base,
		fp->base, fp->base, fp->base, fp->base);
	struct sl_providers p;
	sl_providers_defaults(&p);
	struct sl_error err = { 0 };
	if (sl_providers_merge_json(&p, json, strlen(json), "test", &err)) {
		fprintf(stderr, "providers: %s\n", err.msg);
		exit(99);
	}
	free(json);
	struct sl_engine_options o = { .providers = &p, .rng_seed = 42 };
	struct sl_engine *e = sl_engine_new(&o, &err);
	if (!e) {
		fprintf(stderr, "engine: %s\n", err.msg);
		exit(99);
	}
	sl_providers_free(&p);
	return e;
}

static void on_done(void *ud, const struct sl_result *r)
{
	*(struct sl_result **)ud = sl_result_dup(r);
}

static struct sl_result *run1(const char *model, bool stream)
{
	static const struct sl_message msg[] = { { SL_ROLE_USER, "Say hello, please." } };
	struct sl_result *res = NULL;
	struct sl_request rq = { .model = model, .messages = msg, .n_messages = 1,
				 .stream = stream, .on_done = on_done, .user_data = &res };
	sl_params_init(&rq.params);
	rq.params.max_tokens = 64;
	struct sl_error err = { 0 };
	CHECK(sl_engine_submit(eng, &rq, &err) > 0);
	sl_engine_run_until_idle(eng);
	if (!res) {
		fprintf(stderr, "%s: no result\n", model);
		exit(1);
	}
	return res;
}

static long model_count(const char *model)
{
	cJSON *s = fakeprov_stats(fp);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(s, "by_model"), model);
	long n = cJSON_IsNumber(v) ? (long)v->valuedouble : 0;
	cJSON_Delete(s);
	return n;
}

static void test_ttft_matches_script_on_every_protocol(void)
{
	static const char *providers[] = { "fo", "fl", "fa", "fb", "fbk", "fol" };
	for (size_t i = 0; i < SL_ARRAY_LEN(providers); i++) {
		char model[64];
		snprintf(model, sizeof model, "%s:timed", providers[i]);
		test_current = model;
		struct sl_result *r = run1(model, true);
		fprintf(stderr, "%-9s ttft %.1f ms (scripted 150), e2e %.1f ms (scripted 210), "
			"tokens %lld%s, tpot %.2f ms, %zu gaps\n", model, r->ttft_ms, r->e2e_ms,
			(long long)r->tokens_out, r->out_estimated ? " (estimated)" : "", r->tpot_ms,
			r->n_gaps);
		CHECK_INT(r->status, SL_OK);
		if (r->status != SL_OK)
			fprintf(stderr, "  %s\n", r->error);
		CHECK_STR(r->text, "one two three four five six");
		CHECK_NEAR(r->ttft_ms, 150, 15);
		CHECK_NEAR(r->e2e_ms, 150 + 5 * 12, 15);
		CHECK_INT(r->tokens_out, 13);
		CHECK(!r->out_estimated);
		CHECK_NEAR(r->tpot_ms, (r->e2e_ms - r->ttft_ms) / 12, 0.001);
		CHECK_INT(r->n_gaps, 5);
		for (size_t g = 0; g < r->n_gaps; g++)
			CHECK_NEAR(r->gaps_ms[g], 12, 8);
		CHECK_INT(r->tries, 1);
		sl_result_free(r);
	}
	/* Non-streamed: E2E is the scripted latency, TTFT is not measured. */
	struct sl_result *r = run1("fo:flat", false);
	CHECK_INT(r->status, SL_OK);
	CHECK_STR(r->text, "whole answer");
	CHECK_NEAR(r->e2e_ms, 100, 15);
	CHECK(isnan(r->ttft_ms));
	sl_result_free(r);
}

static void test_every_retry_status(void)
{
	static const char *models[] = { "fo:r408", "fo:r409", "fo:r429", "fo:r500", "fo:r502",
					"fo:r503", "fo:r504", "fa:r529", "fb:r429", "fol:r503",
					"fl:r500" };
	for (size_t i = 0; i < SL_ARRAY_LEN(models); i++) {
		test_current = models[i];
		CHECK_INT(fakeprov_set_script(fp, SCRIPT), 0); /* each model's sequence restarts */
		struct sl_result *r = run1(models[i], true);
		CHECK_INT(r->status, SL_OK);
		CHECK_INT(r->tries, 2);
		CHECK_STR(r->text, "Hello from fakeprov.");
		sl_result_free(r);
	}
	test_current = "retry counts at the server";
	CHECK_INT(model_count("r408"), 2);
	CHECK_INT(model_count("r529"), 2);
	CHECK_INT(model_count("r429"), 4); /* fo and fb */
}

static void test_retry_after_and_giving_up(void)
{
	/* Retry-After: 1 is honoured: the second try starts >= 1 s after the first answer. */
	int64_t t0 = sl_now_ns();
	struct sl_result *r = run1("fo:after1s", true);
	double wall = (double)(sl_now_ns() - t0) / 1e6;
	CHECK_INT(r->status, SL_OK);
	CHECK_INT(r->tries, 2);
	CHECK(wall >= 995);
	CHECK(r->queue_ms >= 990);
	sl_result_free(r);

	/* Always 503: bounded tries, then the provider's message. */
	r = run1("fo:always503", true);
	CHECK_INT(r->status, SL_ERR_HTTP);
	CHECK_INT(r->http_status, 503);
	CHECK_INT(r->tries, 3);
	CHECK_CONTAINS(r->error, "gave up after 3 tries");
	CHECK_INT(model_count("always503"), 3);
	sl_result_free(r);

	/* Not retryable: 400, insufficient_quota 429, unknown model. */
	r = run1("fo:bad400", true);
	CHECK_INT(r->status, SL_ERR_HTTP);
	CHECK_INT(r->tries, 1);
	CHECK_CONTAINS(r->error, "max_tokens is too large");
	sl_result_free(r);
	r = run1("fo:quota", true);
	CHECK_INT(r->status, SL_ERR_HTTP);
	CHECK_INT(r->tries, 1);
	CHECK_CONTAINS(r->error, "You exceeded your current quota");
	CHECK_STR(r->error_type, "insufficient_quota");
	sl_result_free(r);
	r = run1("fb:gone", true);
	CHECK_INT(r->status, SL_ERR_HTTP);
	CHECK_INT(r->tries, 1);
	CHECK_CONTAINS(r->error, "The provided model identifier is invalid.");
	CHECK_STR(r->error_type, "ValidationException");
	sl_result_free(r);
}

static void test_stream_faults(void)
{
	/* Cut before any content: retried. (The role prelude came first for OpenAI.) */
	static const char *before[] = { "fo:reset_once", "fa:reset_once", "fb:trunc_once",
					"fol:trunc_once" };
	for (size_t i = 0; i < SL_ARRAY_LEN(before); i++) {
		test_current = before[i];
		CHECK_INT(fakeprov_set_script(fp, SCRIPT), 0);
		struct sl_result *r = run1(before[i], true);
		CHECK_INT(r->status, SL_OK);
		CHECK_INT(r->tries, 2);
		sl_result_free(r);
	}
	/* Cut after content arrived: the engine's policy is not to retry once text was
	 * received (a retry would repeat it to the caller); the failure says so. */
	test_current = "reset after content";
	struct sl_result *r = run1("fo:reset_always", true);
	CHECK_INT(r->status, SL_ERR_NETWORK);
	CHECK_INT(r->tries, 1);
	CHECK_CONTAINS(r->error, "after part of the answer");
	CHECK_STR(r->text, "Hello from");
	sl_result_free(r);
	test_current = "truncated after content";
	r = run1("fa:trunc_always", true);
	CHECK(r->status == SL_ERR_NETWORK || r->status == SL_ERR_PROTOCOL);
	CHECK_INT(r->tries, 1);
	CHECK_STR(r->text, "Hello");
	sl_result_free(r);
	test_current = "test_stream_faults";

	/* A stall longer than the idle timeout (400 ms for fo) fails fast as a timeout. */
	int64_t t0 = sl_now_ns();
	r = run1("fo:stall", true);
	double wall = (double)(sl_now_ns() - t0) / 1e6;
	CHECK_INT(r->status, SL_ERR_TIMEOUT);
	CHECK(wall < 4000);
	sl_result_free(r);

	static const char *malformed[] = { "fo:malformed", "fl:malformed", "fa:malformed",
					   "fb:malformed", "fol:malformed" };
	for (size_t i = 0; i < SL_ARRAY_LEN(malformed); i++) {
		test_current = malformed[i];
		r = run1(malformed[i], true);
		CHECK_INT(r->status, SL_ERR_PROTOCOL);
		sl_result_free(r);
	}
	static const char *midstream[] = { "fo:midstream", "fa:midstream", "fb:midstream",
					   "fol:midstream" };
	for (size_t i = 0; i < SL_ARRAY_LEN(midstream); i++) {
		test_current = midstream[i];
		r = run1(midstream[i], true);
		CHECK_INT(r->status, SL_ERR_PROVIDER);
		CHECK_CONTAINS(r->error, "boom at chunk 1");
		sl_result_free(r);
	}
	test_current = "bad CRC";
	r = run1("fb:badcrc", true);
	CHECK_INT(r->status, SL_ERR_PROTOCOL);
	CHECK_CONTAINS(r->error, "CRC");
	sl_result_free(r);
	static const char *trickle[] = { "fo:trickle", "fa:trickle", "fb:trickle", "fol:trickle" };
	for (size_t i = 0; i < SL_ARRAY_LEN(trickle); i++) {
		test_current = trickle[i];
		r = run1(trickle[i], true);
		CHECK_INT(r->status, SL_OK);
		CHECK_STR(r->text, "slowly but surely");
		sl_result_free(r);
	}
}

static void test_bedrock_sigv4_end_to_end(void)
{
	CHECK_INT(fakeprov_reset(fp), 0);
	struct sl_result *r = run1("fb:amazon.nova-pro-v1:0", true);
	CHECK_INT(r->status, SL_OK);
	cJSON *last = fakeprov_last(fp);
	CHECK_STR(cJSON_GetObjectItemCaseSensitive(last, "auth")->valuestring, "sigv4");
	CHECK_STR(cJSON_GetObjectItemCaseSensitive(last, "path")->valuestring,
		  "/model/amazon.nova-pro-v1%3A0/converse-stream");
	CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(last, "auth_ok")));
	cJSON_Delete(last);
	sl_result_free(r);
	r = run1("fb:amazon.nova-pro-v1:0", false);
	CHECK_INT(r->status, SL_OK);
	sl_result_free(r);

	/* Temporary credentials: the session token is sent and signed. */
	CHECK_INT(fakeprov_set_script(fp, "{\"auth\":{\"aws_session_token\":\"tok-xyz\"}}"), 0);
	setenv("AWS_SESSION_TOKEN", "tok-xyz", 1);
	sl_engine_free(eng); /* credentials are read once per engine */
	eng = make_engine();
	r = run1("fb:anthropic.claude-3-haiku-20240307-v1:0", true);
	CHECK_INT(r->status, SL_OK);
	sl_result_free(r);
	/* A wrong secret: 403 InvalidSignatureException, not retried. */
	setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret", 1);
	sl_engine_free(eng);
	eng = make_engine();
	r = run1("fb:amazon.nova-pro-v1:0", true);
	CHECK_INT(r->status, SL_ERR_HTTP);
	CHECK_INT(r->http_status, 403);
	CHECK_INT(r->tries, 1);
	CHECK_STR(r->error_type, "InvalidSignatureException");
	CHECK(!strstr(r->error, "wrong-secret"));
	sl_result_free(r);
	setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
	unsetenv("AWS_SESSION_TOKEN");
	sl_engine_free(eng);
	eng = make_engine();
	cJSON *s = fakeprov_stats(fp);
	CHECK(cJSON_GetObjectItemCaseSensitive(s, "sigv4_verified")->valueint >= 3);
	cJSON_Delete(s);

	/* Bearer key. */
	r = run1("fbk:amazon.nova-pro-v1:0", true);
	CHECK_INT(r->status, SL_OK);
	last = fakeprov_last(fp);
	CHECK_STR(cJSON_GetObjectItemCaseSensitive(last, "auth")->valuestring, "bearer");
	cJSON_Delete(last);
	sl_result_free(r);
	CHECK_INT(fakeprov_set_script(fp, SCRIPT), 0);
}

struct cancel_ctx {
	uint64_t id;
	bool cancelled;
	struct sl_result *res;
};

static void cancel_on_delta(void *ud, uint64_t id, const char *text, size_t len, bool reasoning)
{
	struct cancel_ctx *c = ud;
	(void)text;
	(void)len;
	(void)reasoning;
	if (!c->cancelled) {
		c->cancelled = true;
		sl_engine_cancel(eng, id);
	}
}

static void cancel_done(void *ud, const struct sl_result *r)
{
	((struct cancel_ctx *)ud)->res = sl_result_dup(r);
}

static void test_cancel_frees_the_server(void)
{
	static const struct sl_message msg[] = { { SL_ROLE_USER, "hi" } };
	struct cancel_ctx c = { 0 };
	struct sl_request rq = { .model = "fa:stall", .messages = msg, .n_messages = 1,
				 .stream = true, .on_delta = cancel_on_delta, .on_done = cancel_done,
				 .user_data = &c };
	sl_params_init(&rq.params);
	struct sl_error err = { 0 };
	c.id = sl_engine_submit(eng, &rq, &err);
	int64_t t0 = sl_now_ns();
	sl_engine_run_until_idle(eng);
	CHECK(c.res && c.res->status == SL_ERR_CANCELLED);
	CHECK((sl_now_ns() - t0) / 1000000 < 2000);
	sl_result_free(c.res);
	/* fakeprov notices the hang-up and frees the stalled connection. */
	long in_flight = -1;
	for (int i = 0; i < 200; i++) {
		cJSON *s = fakeprov_stats(fp);
		in_flight = cJSON_GetObjectItemCaseSensitive(s, "in_flight")->valueint;
		cJSON_Delete(s);
		if (in_flight == 0)
			break;
		struct timespec ts = { 0, 10 * 1000000 };
		nanosleep(&ts, NULL); /* polling a condition, bounded to 2 s */
	}
	CHECK_INT(in_flight, 0);
}

static int done_ok;

static void count_done(void *ud, const struct sl_result *r)
{
	(void)ud;
	done_ok += r->status == SL_OK;
}

static void test_256_streams_in_flight(void)
{
	CHECK_INT(fakeprov_reset(fp), 0);
	static const struct sl_message msg[] = { { SL_ROLE_USER, "hi" } };
	done_ok = 0;
	for (int i = 0; i < 256; i++) {
		struct sl_request rq = { .model = "fw:wide", .messages = msg, .n_messages = 1,
					 .stream = true, .on_done = count_done };
		sl_params_init(&rq.params);
		struct sl_error err = { 0 };
		CHECK(sl_engine_submit(eng, &rq, &err) > 0);
	}
	int64_t t0 = sl_now_ns();
	sl_engine_run_until_idle(eng);
	double wall = (double)(sl_now_ns() - t0) / 1e6;
	cJSON *s = fakeprov_stats(fp);
	int max_in_flight = cJSON_GetObjectItemCaseSensitive(s, "max_in_flight")->valueint;
	cJSON_Delete(s);
	fprintf(stderr, "256 streams through the engine: %d ok in %.0f ms, %d in flight at once\n",
		done_ok, wall, max_in_flight);
	CHECK_INT(done_ok, 256);
	CHECK_INT(max_in_flight, 256);
}

TEST_MAIN_BEGIN
	curl_global_init(CURL_GLOBAL_DEFAULT);
	setenv("FAKE_OPENAI_KEY", "sk-fake", 1);
	setenv("FAKE_ANTHROPIC_KEY", "sk-ant-fake", 1);
	setenv("FAKE_BEDROCK_KEY", "fake-bedrock-api-key", 1);
	unsetenv("AWS_BEARER_TOKEN_BEDROCK");
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_PROFILE");
	setenv("AWS_ACCESS_KEY_ID", AKID, 1);
	setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
	fp = fakeprov_start(SCRIPT);
	eng = make_engine();
	RUN_TEST(test_ttft_matches_script_on_every_protocol);
	RUN_TEST(test_every_retry_status);
	RUN_TEST(test_retry_after_and_giving_up);
	RUN_TEST(test_stream_faults);
	RUN_TEST(test_bedrock_sigv4_end_to_end);
	RUN_TEST(test_cancel_frees_the_server);
	RUN_TEST(test_256_streams_in_flight);
	sl_engine_free(eng);
	fakeprov_stop(fp);
TEST_MAIN_END

/* The engine against tests/fakeprov: what tests/net/test_engine.c (the engine's own suite:
 * timing on every protocol, the retry statuses on OpenAI, Retry-After, stalls, trickles,
 * limits, 256 in flight) leaves out. Here each protocol's OWN error shapes drive the retry
 * decisions (Bedrock ThrottlingException, Anthropic 529, Ollama and llama.cpp 5xx), cuts
 * before content are retried and malformed data rejected on every protocol, unknown models
 * are not retried anywhere, Bedrock SigV4 is checked from fakeprov's side (the raw path,
 * the canonical request with %253A, a signed session token, a wrong secret), reasoning
 * streamed before the answer counts for TTFT on every protocol, and a cancelled stream
 * frees the server's connection. */
#include "test.h"

#include <curl/curl.h>

#include "measured.h"

static struct fakeprov *fp;
static struct sl_engine *eng;
static struct seen seen; /* of the latest run1() */

#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

static const char *SCRIPT =
	"{\"models\":{"
	"\"r408\":{\"sequence\":[{\"fault\":\"status\",\"status\":408,\"retry_after_ms\":1}]},"
	"\"r429\":{\"sequence\":[{\"fault\":\"status\",\"status\":429,\"retry_after_ms\":1}]},"
	"\"r500\":{\"sequence\":[{\"fault\":\"status\",\"status\":500,\"retry_after_ms\":1}]},"
	"\"r503\":{\"sequence\":[{\"fault\":\"status\",\"status\":503,\"retry_after_ms\":1}]},"
	"\"r529\":{\"sequence\":[{\"fault\":\"status\",\"status\":529,\"retry_after_ms\":1}]},"
	"\"throttled_frame\":{\"sequence\":[{\"fault\":\"error_event\",\"after_chunks\":0,"
	"\"error_type\":\"throttlingException\",\"message\":\"Too many tokens\"}]},"
	"\"gone\":{\"exists\":false},"
	"\"reset_once\":{\"sequence\":[{\"fault\":\"reset\",\"after_chunks\":0}]},"
	"\"trunc_once\":{\"sequence\":[{\"fault\":\"truncate\",\"after_chunks\":0}]},"
	"\"trunc_always\":{\"fault\":\"truncate\",\"after_chunks\":1},"
	"\"broken_twice\":{\"chunks\":4,\"sequence\":[{\"fault\":\"reset\",\"after_chunks\":1},"
	"{\"fault\":\"truncate\",\"after_chunks\":2}]},"
	"\"error_after\":{\"sequence\":[{\"fault\":\"error_event\",\"after_chunks\":1}]},"
	"\"error_before\":{\"sequence\":[{\"fault\":\"error_event\",\"after_chunks\":0}]},"
	"\"wait_hour\":{\"fault\":\"status\",\"status\":429,\"retry_after\":\"3600\"},"
	"\"wait_forever\":{\"fault\":\"status\",\"status\":503,\"retry_after\":\"1e308\"},"
	"\"stall\":{\"fault\":\"stall\",\"after_chunks\":1,\"stall_ms\":5000},"
	"\"malformed\":{\"fault\":\"malformed_json\",\"after_chunks\":1},"
	"\"thinker\":{\"reasoning\":\"let me think\",\"text\":\"the answer\",\"ttft_ms\":100,"
	"\"token_ms\":20}"
	"}}";

static struct sl_engine *make_engine(void)
{
	char *json = sl_xasprintf(
		"{\"providers\":{"
		"\"fo\":{\"kind\":\"openai\",\"base_url\":\"%s/v1\",\"api_key_env\":\"FAKE_OPENAI_KEY\","
		"\"limits\":{\"concurrency\":0,\"max_tries\":3},\"timeouts\":{\"total_ms\":10000}},"
		"\"fl\":{\"kind\":\"openai\",\"base_url\":\"%s/llamacpp/v1\","
		"\"limits\":{\"concurrency\":0,\"max_tries\":3},\"timeouts\":{\"total_ms\":10000}},"
		"\"fa\":{\"kind\":\"anthropic\",\"base_url\":\"%s\",\"api_key_env\":\"FAKE_ANTHROPIC_KEY\","
		"\"limits\":{\"concurrency\":0,\"max_tries\":3},\"timeouts\":{\"total_ms\":10000}},"
		"\"fb\":{\"kind\":\"bedrock\",\"base_url\":\"%s\",\"region\":\"us-east-1\","
		"\"limits\":{\"concurrency\":0,\"max_tries\":3},\"timeouts\":{\"total_ms\":10000}},"
		"\"fbk\":{\"kind\":\"bedrock\",\"base_url\":\"%s\",\"region\":\"us-east-1\","
		"\"api_key_env\":\"FAKE_BEDROCK_KEY\",\"limits\":{\"concurrency\":0,\"max_tries\":3},\"timeouts\":{\"total_ms\":10000}},"
		"\"fol\":{\"kind\":\"ollama\",\"base_url\":\"%s\","
		"\"limits\":{\"concurrency\":0,\"max_tries\":3},\"timeouts\":{\"total_ms\":10000}}}}", fp->base, fp->base, fp->base,
		fp->base, fp->base, fp->base);
	struct sl_engine *e = test_engine_new(json, &(struct sl_engine_options){
		.rng_seed = 42, .backoff_base_ms = 20, .backoff_cap_ms = 200 });
	free(json);
	return e;
}

static void on_delta(void *ud, uint64_t id, const char *text, size_t len, bool reasoning)
{
	(void)ud, (void)id, (void)text, (void)len, (void)reasoning;
	seen_delta(&seen);
}

static void on_done(void *ud, const struct sl_result *r)
{
	seen.done_ns = sl_now_ns();
	*(struct sl_result **)ud = sl_result_dup(r);
}

static struct sl_result *run_with(const char *model, bool stream, bool restart)
{
	fprintf(stderr, "%s (%s)\n", model, stream ? "stream" : "whole"); /* progress, for hangs */
	static const struct sl_message msg[] = { { SL_ROLE_USER, "Say hello, please." } };
	struct sl_result *res = NULL;
	struct sl_request rq = { .model = model, .messages = msg, .n_messages = 1,
				 .stream = stream, .on_delta = on_delta, .on_done = on_done,
				 .user_data = &res, .restart_broken_stream = restart };
	sl_params_init(&rq.params);
	rq.params.max_tokens = 64;
	struct sl_error err = { 0 };
	seen = (struct seen){ .submit_ns = sl_now_ns() };
	CHECK(sl_engine_submit(eng, &rq, &err) > 0);
	sl_engine_run_until_idle(eng);
	if (!res) {
		fprintf(stderr, "%s: no result\n", model);
		exit(1);
	}
	return res;
}

static struct sl_result *run1(const char *model, bool stream)
{
	return run_with(model, stream, false);
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

static void test_retry_on_every_protocol(void)
{
	static const char *models[] = { "fa:r429", "fa:r500", "fa:r529", "fb:r408", "fb:r429",
					"fb:r500", "fb:r503", "fol:r500", "fol:r503", "fl:r500",
					"fl:r503", "fbk:r429" };
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
	CHECK_INT(model_count("r529"), 2);
	/* In-stream throttling before any content (Bedrock exception frame) is retried too. */
	test_current = "bedrock throttlingException frame";
	CHECK_INT(fakeprov_set_script(fp, SCRIPT), 0);
	struct sl_result *r = run1("fb:throttled_frame", true);
	CHECK_INT(r->status, SL_OK);
	CHECK_INT(r->tries, 2);
	sl_result_free(r);
}

static void test_unknown_model_not_retried(void)
{
	static const struct {
		const char *model, *message;
		long status;
	} cases[] = {
		{ "fo:gone", "does not exist", 404 },
		{ "fa:gone", "model: gone", 404 },
		{ "fb:gone", "The provided model identifier is invalid.", 400 },
		{ "fol:gone", "not found, try pulling it first", 404 },
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		test_current = cases[i].model;
		struct sl_result *r = run1(cases[i].model, true);
		CHECK_INT(r->status, SL_ERR_HTTP);
		CHECK_INT(r->http_status, cases[i].status);
		CHECK_INT(r->tries, 1);
		CHECK_CONTAINS(r->error, cases[i].message);
		sl_result_free(r);
	}
	test_current = "fb:gone error type";
	struct sl_result *r = run1("fb:gone", false);
	CHECK_STR(r->error_type, "ValidationException"); /* coral suffix stripped */
	sl_result_free(r);
}

static void test_stream_faults(void)
{
	/* Cut before any content, on every protocol: retried, and the retry succeeds. (The
	 * OpenAI role prelude and Anthropic message_start come first: not content.) */
	static const char *before[] = { "fo:reset_once", "fl:reset_once", "fa:reset_once",
					"fb:reset_once", "fol:reset_once", "fo:trunc_once",
					"fa:trunc_once", "fb:trunc_once", "fol:trunc_once" };
	for (size_t i = 0; i < SL_ARRAY_LEN(before); i++) {
		test_current = before[i];
		CHECK_INT(fakeprov_set_script(fp, SCRIPT), 0);
		struct sl_result *r = run1(before[i], true);
		CHECK_INT(r->status, SL_OK);
		CHECK_INT(r->tries, 2);
		CHECK_STR(r->text, "Hello from fakeprov.");
		sl_result_free(r);
	}
	/* Truncated after content (a clean end without [DONE]/message_stop/metadata/done): the
	 * partial text is kept and the failure reported, not retried (the text was seen). */
	static const char *after[] = { "fo:trunc_always", "fa:trunc_always", "fb:trunc_always",
				       "fol:trunc_always" };
	for (size_t i = 0; i < SL_ARRAY_LEN(after); i++) {
		test_current = after[i];
		struct sl_result *r = run1(after[i], true);
		CHECK(r->status == SL_ERR_NETWORK || r->status == SL_ERR_PROTOCOL);
		CHECK_INT(r->tries, 1);
		CHECK_STR(r->text, "Hello");
		sl_result_free(r);
	}
	/* Malformed JSON on the protocols test_engine.c does not cover: llama.cpp, and Bedrock
	 * (a frame whose CRCs are right but whose payload is not JSON). */
	static const char *malformed[] = { "fl:malformed", "fb:malformed" };
	for (size_t i = 0; i < SL_ARRAY_LEN(malformed); i++) {
		test_current = malformed[i];
		struct sl_result *r = run1(malformed[i], true);
		CHECK_INT(r->status, SL_ERR_PROTOCOL);
		sl_result_free(r);
	}
}

/* Issue 14 item 5: with restart_broken_stream (a run: no one has seen the text), a stream
 * that breaks after content is sent again from scratch on every protocol, and the answer
 * is the last try's alone. Ollama's error events are transient like the others'. */
static void test_restart_broken_stream(void)
{
	static const char *provs[] = { "fo", "fl", "fa", "fb", "fol" };
	for (size_t i = 0; i < SL_ARRAY_LEN(provs); i++) {
		char *model = sl_xasprintf("%s:broken_twice", provs[i]);
		test_current = model;
		CHECK_INT(fakeprov_set_script(fp, SCRIPT), 0);
		CHECK_INT(fakeprov_reset(fp), 0);
		struct sl_result *r = run_with(model, true, true);
		CHECK_INT(r->status, SL_OK);
		CHECK_INT(r->tries, 3);
		CHECK_STR(r->text, "Hello from fakeprov.");
		CHECK_INT(model_count("broken_twice"), 3);
		sl_result_free(r);
		/* Without the option the text counts as seen: one try, the failure reported. */
		CHECK_INT(fakeprov_set_script(fp, SCRIPT), 0);
		r = run1(model, true);
		CHECK(r->status != SL_OK);
		CHECK_INT(r->tries, 1);
		sl_result_free(r);
		free(model);
	}
	/* Retries stay bounded: a stream that always breaks fails after max_tries. */
	test_current = "fo:trunc_always restarted";
	struct sl_result *r = run_with("fo:trunc_always", true, true);
	CHECK_INT(r->status, SL_ERR_NETWORK);
	CHECK_INT(r->tries, 3);
	sl_result_free(r);
	/* Ollama's mid-stream error object: retried before content, and after it with the
	 * option. */
	static const char *ollama[] = { "fol:error_before", "fol:error_after" };
	for (size_t i = 0; i < SL_ARRAY_LEN(ollama); i++) {
		test_current = ollama[i];
		CHECK_INT(fakeprov_set_script(fp, SCRIPT), 0);
		r = run_with(ollama[i], true, i == 1);
		CHECK_INT(r->status, SL_OK);
		CHECK_INT(r->tries, 2);
		CHECK_STR(r->text, "Hello from fakeprov.");
		sl_result_free(r);
	}
}

/* Issue 14 item 6: a server asking for a wait longer than limits.max_retry_wait_s (60 s by
 * default) fails the request at once with that reason instead of stalling it. */
static void test_long_retry_after_fails_fast(void)
{
	static const struct {
		const char *model, *reason;
		long status;
	} cases[] = {
		{ "fo:wait_hour", "Please try again in 20s. [the server asked to wait 3600 s: more "
		  "than limits.max_retry_wait_s = 60 of provider fo]", 429 },
		{ "fa:wait_hour", "[the server asked to wait 3600 s: more than "
		  "limits.max_retry_wait_s = 60 of provider fa]", 429 },
		{ "fol:wait_forever", "[the server asked to wait 1099511628 s: more than "
		  "limits.max_retry_wait_s = 60 of provider fol]", 503 },
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		test_current = cases[i].model;
		CHECK_INT(fakeprov_set_script(fp, SCRIPT), 0);
		CHECK_INT(fakeprov_reset(fp), 0);
		struct sl_result *r = run1(cases[i].model, true);
		CHECK_INT(r->status, SL_ERR_HTTP);
		CHECK_INT(r->http_status, cases[i].status);
		CHECK_INT(r->tries, 1);
		CHECK_CONTAINS(r->error, cases[i].reason);
		CHECK_INT(model_count(strchr(cases[i].model, ':') + 1), 1);
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
	/* fakeprov's recomputation used the doubly encoded path, as AWS does */
	CHECK_CONTAINS(cJSON_GetObjectItemCaseSensitive(last, "canonical_request")->valuestring,
		       "POST\n/model/amazon.nova-pro-v1%253A0/converse-stream\n");
	CHECK_CONTAINS(cJSON_GetObjectItemCaseSensitive(
			       cJSON_GetObjectItemCaseSensitive(last, "headers"), "authorization")
			       ->valuestring, "/us-east-1/bedrock/aws4_request, SignedHeaders=");
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
	last = fakeprov_last(fp);
	CHECK_CONTAINS(cJSON_GetObjectItemCaseSensitive(
			       cJSON_GetObjectItemCaseSensitive(last, "headers"), "authorization")
			       ->valuestring, ";x-amz-security-token, Signature=");
	cJSON_Delete(last);
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

/* Reasoning streamed before the answer, in each protocol's shape (OpenAI-compatible
 * reasoning_content, Anthropic thinking block, Bedrock reasoningContent, Ollama thinking):
 * TTFT is the first reasoning chunk (no earlier than fakeprov handed it out, no later than
 * the first delta reached the test), and reasoning and answer are kept apart. */
static void test_reasoning_counts_for_ttft(void)
{
	static const struct {
		const char *model, *path;
	} cases[] = {
		{ "fo:thinker", "/v1/chat/completions" },
		{ "fl:thinker", "/llamacpp/v1/chat/completions" },
		{ "fa:thinker", "/v1/messages" },
		{ "fb:thinker", "/model/thinker/converse-stream" },
		{ "fol:thinker", "/api/chat" },
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		test_current = cases[i].model;
		struct sl_result *r = run1(cases[i].model, true);
		CHECK_INT(r->status, SL_OK);
		if (r->status != SL_OK)
			fprintf(stderr, "  %s\n", r->error);
		CHECK_STR(r->reasoning, "let me think");
		CHECK_STR(r->text, "the answer");
		struct fakeprov_times t;
		CHECK_INT(fakeprov_times(fp, cases[i].path, &t), 0);
		CHECK_NEAR(t.due_first_ms, 100, 0.001); /* the first reasoning chunk */
		CHECK_INT(t.n_content, 5);              /* 3 reasoning words, 2 answer words */
		check_measured(fp, cases[i].path, r, &seen);
		sl_result_free(r);
		r = run1(cases[i].model, false);
		CHECK_INT(r->status, SL_OK);
		CHECK_STR(r->text, "the answer");
		CHECK_STR(r->reasoning, "let me think");
		sl_result_free(r);
	}
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
	sl_engine_run_until_idle(eng);
	CHECK(c.res && c.res->status == SL_ERR_CANCELLED);
	sl_result_free(c.res);
	/* The engine stopped waiting at once: fakeprov had handed out only the chunk before
	 * its 5 s stall when the engine went idle (waiting for the rest would have let it
	 * hand out all 3). */
	struct fakeprov_times t;
	CHECK_INT(fakeprov_times(fp, "/v1/messages", &t), 0);
	CHECK_INT(t.n_content, 3);
	CHECK_INT(t.n_sent, 1);
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

/* A server may echo what it was sent: the password in a base_url, a custom header's value
 * and an AWS session token never reach an error message (the key: test_engine.c). */
static void test_echoed_secrets_are_hidden(void)
{
	const char *url_pw = "url-pass-9876", *header = "custom-header-secret-42",
		   *token = "tok-session-abcdefgh0123456789";
	char *json = sl_xasprintf(
		"{\"providers\":{"
		"\"fs\":{\"kind\":\"openai\",\"base_url\":\"http://lab-user:%s@%s/v1\","
		"\"api_key_env\":\"FAKE_OPENAI_KEY\",\"headers\":{\"X-Team\":\"%s\"},"
		"\"limits\":{\"max_tries\":1}},"
		"\"fb\":{\"kind\":\"bedrock\",\"base_url\":\"%s\",\"region\":\"us-east-1\","
		"\"limits\":{\"max_tries\":1}}}}", url_pw, fp->base + strlen("http://"), header,
		fp->base);
	setenv("AWS_SESSION_TOKEN", token, 1);
	struct sl_engine *saved = eng;
	eng = test_engine_new(json, NULL);
	char *script = sl_xasprintf(
		"{\"auth\":{\"aws_session_token\":\"%s\"},\"models\":{"
		"\"m\":{\"fault\":\"status\",\"status\":400,\"message\":\"you sent X-Team %s from "
		"http://lab-user:%s@host\"},"
		"\"amazon.nova-pro-v1:0\":{\"fault\":\"status\",\"status\":400,\"message\":\"you "
		"sent token %s\"}}}", token, header, url_pw, token);
	CHECK_INT(fakeprov_set_script(fp, script), 0);
	struct sl_result *r = run1("fs:m", true);
	CHECK_INT(r->status, SL_ERR_HTTP);
	CHECK_CONTAINS(r->error, "you sent X-Team [secret] from http://[credentials]@host");
	sl_result_free(r);
	r = run1("fb:amazon.nova-pro-v1:0", true);
	CHECK_INT(r->status, SL_ERR_HTTP);
	CHECK_CONTAINS(r->error, "you sent token [secret]");
	sl_result_free(r);
	sl_engine_free(eng);
	eng = saved;
	unsetenv("AWS_SESSION_TOKEN");
	CHECK_INT(fakeprov_set_script(fp, SCRIPT), 0);
	free(script);
	free(json);
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
	RUN_TEST(test_retry_on_every_protocol);
	RUN_TEST(test_unknown_model_not_retried);
	RUN_TEST(test_stream_faults);
	RUN_TEST(test_restart_broken_stream);
	RUN_TEST(test_long_retry_after_fails_fast);
	RUN_TEST(test_bedrock_sigv4_end_to_end);
	RUN_TEST(test_reasoning_counts_for_ttft);
	RUN_TEST(test_cancel_frees_the_server);
	RUN_TEST(test_echoed_secrets_are_hidden);
	sl_engine_free(eng);
	fakeprov_stop(fp);
TEST_MAIN_END

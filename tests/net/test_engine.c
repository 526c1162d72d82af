/* The engine against tests/fakeprov: measured timings bracketed by what fakeprov logged
 * and what the test saw (measured.h: no absolute window, so load cannot fail them), every
 * retry path, every fault, cancellation, limits, 256 streams in flight. */
#include "test.h"

#include <math.h>
#include <time.h>
#include <unistd.h>

#include "measured.h"
#include "shortlist/providers_config.h"

static struct fakeprov *fp;
static struct sl_providers provs;

#define MAX_REQ 512
static struct sl_result *results[MAX_REQ];
static struct sl_buf deltas[MAX_REQ];
static struct seen seen[MAX_REQ];

static void on_delta(void *ud, uint64_t id, const char *text, size_t len, bool reasoning)
{
	size_t i = (size_t)(uintptr_t)ud;
	(void)id;
	seen_delta(&seen[i]);
	if (!reasoning)
		sl_buf_append(&deltas[i], text, len);
}

static void on_done(void *ud, const struct sl_result *r)
{
	size_t i = (size_t)(uintptr_t)ud;
	CHECK(results[i] == NULL); /* exactly one on_done per request */
	seen[i].done_ns = sl_now_ns();
	results[i] = sl_result_dup(r);
}

static void reset_results(void)
{
	for (size_t i = 0; i < MAX_REQ; i++) {
		sl_result_free(results[i]);
		results[i] = NULL;
		sl_buf_free(&deltas[i]);
	}
}

static struct sl_engine *engine(void)
{
	struct sl_error err = { 0 };
	struct sl_engine_options o = { .providers = &provs, .backoff_base_ms = 20,
				       .backoff_cap_ms = 200, .rng_seed = 42 };
	struct sl_engine *e = sl_engine_new(&o, &err);
	if (!e) {
		fprintf(stderr, "engine: %s\n", err.msg);
		exit(1);
	}
	return e;
}

static uint64_t submit(struct sl_engine *e, size_t slot, const char *model, bool stream,
		       int max_tries)
{
	static const struct sl_message msg[] = { { SL_ROLE_SYSTEM, "be brief" },
						 { SL_ROLE_USER, "Say hello to the test." } };
	struct sl_request req = { .model = model, .messages = msg, .n_messages = 2,
				  .stream = stream, .max_tries = max_tries, .on_delta = on_delta,
				  .on_done = on_done, .user_data = (void *)(uintptr_t)slot };
	sl_params_init(&req.params);
	struct sl_error err = { 0 };
	seen[slot] = (struct seen){ .submit_ns = sl_now_ns() };
	uint64_t id = sl_engine_submit(e, &req, &err);
	CHECK(id > 0);
	return id;
}

/* Wait (bounded) until the server has no request left from an earlier test, e.g. a
 * cancelled stream whose server thread has not yet noticed the hang-up. */
static void server_idle(void)
{
	for (int i = 0; i < 200; i++) {
		cJSON *st = fakeprov_stats(fp);
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(st, "in_flight");
		bool idle = cJSON_IsNumber(n) && n->valuedouble == 0;
		cJSON_Delete(st);
		if (idle)
			return;
		struct timespec ts = { 0, 10 * 1000000 };
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "fakeprov still busy after 2 s\n");
}

static void script(const char *json)
{
	CHECK(fakeprov_set_script(fp, json) == 0);
	server_idle();
	fakeprov_reset(fp);
}

static const char *const chat_models[] = { "fo:m", "fl:m", "fa:m", "fb:amazon.nova-pro-v1:0",
					   "fol:m" };
/* where each asks fakeprov, streamed and not */
static const char *const chat_paths[][2] = {
	{ "/v1/chat/completions", "/v1/chat/completions" },
	{ "/llamacpp/v1/chat/completions", "/llamacpp/v1/chat/completions" },
	{ "/v1/messages", "/v1/messages" },
	{ "/model/amazon.nova-pro-v1%3A0/converse-stream", "/model/amazon.nova-pro-v1%3A0/converse" },
	{ "/api/chat", "/api/chat" },
};

static void test_timing_every_protocol(void)
{
	script("{\"default\":{\"text\":\"one two three four five six\",\"ttft_ms\":150,"
	       "\"token_ms\":25,\"tokens\":6}}");
	struct sl_engine *e = engine();
	for (size_t i = 0; i < 5; i++)
		submit(e, i, chat_models[i], true, 1);
	sl_engine_run_until_idle(e);
	for (size_t i = 0; i < 5; i++) {
		struct sl_result *r = results[i];
		CHECK(r != NULL);
		if (!r)
			continue;
		fprintf(stderr, "%-26s ttft %.1f e2e %.1f tpot %.2f tok/s %.1f gaps %zu\n",
			chat_models[i], r->ttft_ms, r->e2e_ms, r->tpot_ms, r->tokens_per_s, r->n_gaps);
		CHECK_INT(r->status, SL_OK);
		CHECK_STR(r->text, "one two three four five six");
		CHECK_STR(deltas[i].data, "one two three four five six");
		CHECK_INT(r->tokens_out, 6);
		CHECK(!r->out_estimated);
		check_measured(fp, chat_paths[i][0], r, &seen[i]);
		struct fakeprov_times t;
		fakeprov_times(fp, chat_paths[i][0], &t);
		CHECK_NEAR(t.due_first_ms, 150, 0.001);
		CHECK_NEAR(t.due_last_ms, 150 + 5 * 25, 0.001);
		/* one gap per arrival after the first; chunks read together count once */
		CHECK(r->n_gaps <= 5);
		CHECK(r->connect_ms > 0 && r->connect_ms <= r->ttfb_ms + 1); /* a new connection */
		CHECK_INT(r->tries, 1);
	}
	reset_results();
	/* non-streamed */
	script("{\"default\":{\"text\":\"whole answer\",\"latency_ms\":120,\"tokens\":2}}");
	for (size_t i = 0; i < 5; i++)
		submit(e, i, chat_models[i], false, 1);
	sl_engine_run_until_idle(e);
	for (size_t i = 0; i < 5; i++) {
		struct sl_result *r = results[i];
		CHECK(r && r->status == SL_OK);
		if (!r)
			continue;
		CHECK_STR(r->text, "whole answer");
		check_measured(fp, chat_paths[i][1], r, &seen[i]);
		/* the connections of the first round were kept and reused */
		CHECK_NEAR(r->connect_ms, 0, 0);
		CHECK(isnan(r->ttft_ms));
		CHECK_INT(r->tokens_out, 2);
	}
	reset_results();
	sl_engine_free(e);
}

static void test_retry_statuses(void)
{
	static const int statuses[] = { 408, 409, 429, 500, 502, 503, 504, 529 };
	struct sl_engine *e = engine();
	for (size_t k = 0; k < SL_ARRAY_LEN(statuses); k++) {
		char *s = sl_xasprintf("{\"models\":{\"m\":{\"sequence\":[{\"fault\":\"status\","
				       "\"status\":%d},{}]}}}", statuses[k]);
		script(s);
		free(s);
		submit(e, 0, "fo:m", true, 3);
		sl_engine_run_until_idle(e);
		struct sl_result *r = results[0];
		CHECK(r && r->status == SL_OK);
		if (r) {
			if (r->tries != 2 || getenv("SL_TEST_VERBOSE"))
				fprintf(stderr, "status %d: %s queue %.1f ttfb %.1f e2e %.1f\n",
					statuses[k], r->error, r->queue_ms, r->ttfb_ms, r->e2e_ms);
			CHECK_INT(r->tries, 2);
		}
		reset_results();
	}
	sl_engine_free(e);
}

static void test_retry_after_honoured(void)
{
	struct sl_engine *e = engine();
	script("{\"models\":{\"m\":{\"sequence\":[{\"fault\":\"status\",\"status\":429,"
	       "\"retry_after_ms\":\"400\"},{}]}}}");
	submit(e, 0, "fo:m", true, 3);
	sl_engine_run_until_idle(e);
	CHECK(results[0] && results[0]->status == SL_OK);
	if (results[0]) {
		CHECK_INT(results[0]->tries, 2);
		CHECK(results[0]->queue_ms >= 400); /* backoff alone is at most 20 ms */
	}
	reset_results();
	script("{\"models\":{\"m\":{\"sequence\":[{\"fault\":\"status\",\"status\":529,"
	       "\"retry_after\":\"1\"},{}]}}}");
	submit(e, 0, "fa:m", true, 3);
	sl_engine_run_until_idle(e);
	CHECK(results[0] && results[0]->status == SL_OK);
	if (results[0])
		CHECK(results[0]->queue_ms >= 1000);
	reset_results();
	sl_engine_free(e);
}

static void test_non_retryable(void)
{
	struct sl_engine *e = engine();
	script("{\"models\":{\"m\":{\"fault\":\"status\",\"status\":400,\"message\":\"bad param x\"}}}");
	submit(e, 0, "fo:m", true, 4);
	sl_engine_run_until_idle(e);
	struct sl_result *r = results[0];
	CHECK(r && r->status == SL_ERR_HTTP);
	if (r) {
		CHECK_INT(r->tries, 1);
		CHECK_INT(r->http_status, 400);
		CHECK_CONTAINS(r->error, "bad param x");
		CHECK_CONTAINS(r->error, "HTTP 400");
	}
	reset_results();
	script("{\"models\":{\"m\":{\"fault\":\"status\",\"status\":429,\"error_type\":\"insufficient_quota\","
	       "\"message\":\"You exceeded your current quota\"}}}");
	submit(e, 0, "fo:m", true, 4);
	sl_engine_run_until_idle(e);
	r = results[0];
	CHECK(r && r->status == SL_ERR_HTTP);
	if (r) {
		CHECK_INT(r->tries, 1);
		CHECK_STR(r->error_type, "insufficient_quota");
		CHECK_CONTAINS(r->error, "exceeded your current quota");
	}
	reset_results();
	/* exhausted tries */
	script("{\"models\":{\"m\":{\"fault\":\"status\",\"status\":503}}}");
	submit(e, 0, "fb:m", true, 3);
	sl_engine_run_until_idle(e);
	r = results[0];
	CHECK(r && r->status == SL_ERR_HTTP);
	if (r) {
		CHECK_INT(r->tries, 3);
		CHECK_INT(r->http_status, 503);
		CHECK_CONTAINS(r->error, "gave up after 3 tries");
	}
	CHECK_INT(fakeprov_route_count(fp, "bedrock.converse_stream"), 3);
	reset_results();
	/* a wrong key: 401 with the provider's message, the key never in the error */
	setenv("FP_OPENAI_KEY", "sk-wrong-secret", 1);
	script("{}");
	submit(e, 0, "fo:m", true, 3);
	sl_engine_run_until_idle(e);
	r = results[0];
	CHECK(r && r->status == SL_ERR_HTTP && r->http_status == 401 && r->tries == 1);
	if (r) {
		CHECK_CONTAINS(r->error, "Incorrect API key");
		CHECK(!strstr(r->error, "sk-wrong-secret"));
	}
	reset_results();
	/* a server that echoes the key back: it is masked in the error */
	setenv("FP_OPENAI_KEY", "sk-test-long-key-1234", 1);
	script("{\"auth\":{\"openai\":\"sk-test-long-key-1234\"},\"models\":{\"m\":{\"fault\":\"status\","
	       "\"status\":400,\"message\":\"invalid header Bearer sk-test-long-key-1234 here\"}}}");
	submit(e, 0, "fo:m", true, 1);
	sl_engine_run_until_idle(e);
	r = results[0];
	CHECK(r && r->status == SL_ERR_HTTP);
	if (r) {
		CHECK(!strstr(r->error, "sk-test-long-key-1234"));
		CHECK_CONTAINS(r->error, "invalid header Bearer [key] here");
	}
	setenv("FP_OPENAI_KEY", "sk-fake", 1);
	reset_results();
	sl_engine_free(e);
}

static void test_missing_key(void)
{
	unsetenv("FP_ANTH_KEY");
	struct sl_engine *e = engine();
	script("{}");
	submit(e, 0, "fa:m", true, 1);
	sl_engine_run_until_idle(e);
	struct sl_result *r = results[0];
	CHECK(r && r->status == SL_ERR_CONFIG);
	if (r) {
		CHECK_CONTAINS(r->error, "set the environment variable FP_ANTH_KEY");
		CHECK_INT(r->tries, 0);
	}
	CHECK_INT(fakeprov_route_count(fp, "anthropic.messages"), 0);
	reset_results();
	submit(e, 0, "nosuch:m", true, 1);
	sl_engine_run_until_idle(e);
	CHECK(results[0] && results[0]->status == SL_ERR_CONFIG);
	reset_results();
	setenv("FP_ANTH_KEY", "sk-ant-fake", 1);
	sl_engine_free(e);
}

static void test_faults(void)
{
	struct sl_engine *e = engine();
	struct {
		const char *model, *behaviour;
		enum sl_status want;
		const char *msg;
		int tries;
	} cases[] = {
		/* cut after part of the answer: not retried (the text was shown), reported */
		{ "fo:m", "\"fault\":\"reset\",\"after_chunks\":2", SL_ERR_NETWORK, "after part of the answer", 1 },
		{ "fa:m", "\"fault\":\"reset\",\"after_chunks\":2", SL_ERR_NETWORK, NULL, 1 },
		{ "fb:amazon.nova-pro-v1:0", "\"fault\":\"reset\",\"after_chunks\":2", SL_ERR_NETWORK, NULL, 1 },
		{ "fol:m", "\"fault\":\"reset\",\"after_chunks\":2", SL_ERR_NETWORK, NULL, 1 },
		/* stall longer than the idle timeout (300 ms) */
		{ "fo:m", "\"fault\":\"stall\",\"after_chunks\":2,\"stall_ms\":3000", SL_ERR_TIMEOUT, "stalled", 1 },
		{ "fb:amazon.nova-pro-v1:0", "\"fault\":\"stall\",\"after_chunks\":1,\"stall_ms\":3000", SL_ERR_TIMEOUT, "stalled", 1 },
		/* truncated streams */
		{ "fo:m", "\"fault\":\"truncate\",\"after_chunks\":2", SL_ERR_NETWORK, NULL, 1 },
		{ "fa:m", "\"fault\":\"truncate\",\"after_chunks\":2", SL_ERR_NETWORK, NULL, 1 },
		{ "fol:m", "\"fault\":\"truncate\",\"after_chunks\":2", SL_ERR_NETWORK, NULL, 1 },
		{ "fb:amazon.nova-pro-v1:0", "\"fault\":\"truncate\",\"after_chunks\":2", SL_ERR_NETWORK, NULL, 1 },
		/* malformed JSON: a broken server, not retried */
		{ "fo:m", "\"fault\":\"malformed_json\",\"after_chunks\":2", SL_ERR_PROTOCOL, "malformed JSON", 1 },
		{ "fa:m", "\"fault\":\"malformed_json\",\"after_chunks\":2", SL_ERR_PROTOCOL, "malformed JSON", 1 },
		{ "fol:m", "\"fault\":\"malformed_json\",\"after_chunks\":2", SL_ERR_PROTOCOL, "malformed JSON", 1 },
		/* a frame with a bad CRC */
		{ "fb:amazon.nova-pro-v1:0", "\"fault\":\"bad_crc\",\"after_chunks\":2", SL_ERR_PROTOCOL, "CRC", 1 },
		/* error events mid-stream */
		{ "fo:m", "\"fault\":\"error_event\",\"after_chunks\":2,\"message\":\"boom42\"", SL_ERR_PROVIDER, "boom42", 1 },
		{ "fl:m", "\"fault\":\"error_event\",\"after_chunks\":2,\"message\":\"boom43\"", SL_ERR_PROVIDER, "boom43", 1 },
		{ "fa:m", "\"fault\":\"error_event\",\"after_chunks\":2", SL_ERR_PROVIDER, "Overloaded", 1 },
		{ "fb:amazon.nova-pro-v1:0", "\"fault\":\"error_event\",\"after_chunks\":2", SL_ERR_PROVIDER, "internalServerException", 1 },
		{ "fol:m", "\"fault\":\"error_event\",\"after_chunks\":2", SL_ERR_PROVIDER, "unexpected EOF", 1 },
		/* before any content: transient errors are retried, and keep failing here */
		{ "fa:m", "\"fault\":\"error_event\",\"after_chunks\":0", SL_ERR_PROVIDER, "Overloaded", 2 },
		{ "fo:m", "\"fault\":\"reset\",\"after_chunks\":0", SL_ERR_NETWORK, "connection failed", 2 },
	};
	for (size_t k = 0; k < SL_ARRAY_LEN(cases); k++) {
		char *s = sl_xasprintf("{\"default\":{\"text\":\"a b c d e f\",\"token_ms\":5,%s}}",
				       cases[k].behaviour);
		script(s);
		submit(e, 0, cases[k].model, true, 2);
		sl_engine_run_until_idle(e);
		struct sl_result *r = results[0];
		CHECK(r != NULL);
		if (r) {
			int before = test_failures;
			CHECK_INT(r->status, cases[k].want);
			if (cases[k].msg)
				CHECK_CONTAINS(r->error, cases[k].msg);
			CHECK_INT(r->tries, cases[k].tries);
			if (test_failures != before)
				fprintf(stderr, "  case %zu: %s %s -> %s: %s\n", k, cases[k].model, s,
					sl_status_name(r->status), r->error);
		}
		free(s);
		reset_results();
	}
	/* a slow trickle, one byte at a time, still parses to the same answer */
	for (size_t i = 0; i < 5; i++) {
		script("{\"default\":{\"text\":\"tiny pieces arrive\",\"fault\":\"trickle\","
		       "\"trickle_bytes\":3,\"trickle_ms\":0}}");
		submit(e, i, chat_models[i], true, 1);
		sl_engine_run_until_idle(e);
		CHECK(results[i] && results[i]->status == SL_OK);
		if (results[i])
			CHECK_STR(results[i]->text, "tiny pieces arrive");
	}
	reset_results();
	/* a fault on the first try only: the retry succeeds */
	script("{\"models\":{\"m\":{\"sequence\":[{\"fault\":\"reset\",\"after_chunks\":0},{}]}}}");
	submit(e, 0, "fol:m", true, 2);
	sl_engine_run_until_idle(e);
	CHECK(results[0] && results[0]->status == SL_OK && results[0]->tries == 2);
	reset_results();
	sl_engine_free(e);
}

static void test_timeouts_and_connection_failures(void)
{
	struct sl_engine *e = engine();
	/* nothing listens: connection failures are retried, then reported */
	submit(e, 0, "fdead:m", true, 2);
	sl_engine_run_until_idle(e);
	struct sl_result *r = results[0];
	CHECK(r && r->status == SL_ERR_NETWORK && r->tries == 2);
	if (r)
		CHECK_CONTAINS(r->error, "connection failed");
	reset_results();
	/* no body within first_byte_ms (200) */
	script("{\"default\":{\"ttft_ms\":1500}}");
	int64_t t0 = sl_now_ns();
	submit(e, 0, "fslow:m", true, 1);
	sl_engine_run_until_idle(e);
	double ms = (double)(sl_now_ns() - t0) / 1e6;
	r = results[0];
	CHECK(r && r->status == SL_ERR_TIMEOUT);
	if (r)
		CHECK_CONTAINS(r->error, "no answer within 200 ms");
	CHECK(ms >= 195); /* and before fakeprov's answer at 1500 ms, or it would be SL_OK */
	reset_results();
	/* the whole call over total_ms (600) while it still streams */
	script("{\"default\":{\"text\":\"a b c d e f g h i j\",\"token_ms\":100}}");
	t0 = sl_now_ns();
	submit(e, 0, "fslow:m", true, 1);
	sl_engine_run_until_idle(e);
	ms = (double)(sl_now_ns() - t0) / 1e6;
	r = results[0];
	CHECK(r && r->status == SL_ERR_TIMEOUT);
	if (r) {
		CHECK_CONTAINS(r->error, "total timeout");
		CHECK(strlen(r->text) > 0 && strlen(r->text) < strlen("a b c d e f g h i j"));
	}
	CHECK(ms >= 590); /* cut mid-stream: the partial text above */
	reset_results();
	/* tokens/min: the second call would pass the 100-token budget and waits */
	script("{}");
	static const struct sl_message msg[] = { { SL_ROLE_USER, "short" } };
	struct sl_request req = { .model = "ftpm:m", .messages = msg, .n_messages = 1,
				  .stream = true, .on_done = on_done };
	sl_params_init(&req.params);
	req.params.max_tokens = 80;
	req.user_data = (void *)(uintptr_t)0;
	sl_engine_submit(e, &req, NULL);
	req.user_data = (void *)(uintptr_t)1;
	uint64_t second = sl_engine_submit(e, &req, NULL);
	while (!results[0]) {
		sl_engine_perform(e);
		sl_engine_wait(e, NULL, 0, 50, NULL);
	}
	sl_engine_perform(e);
	CHECK(results[0]->status == SL_OK);
	CHECK_INT(sl_engine_active(e), 1);
	CHECK_INT(sl_engine_in_flight(e), 0);
	sl_engine_cancel(e, second);
	sl_engine_run_until_idle(e);
	CHECK(results[1] && results[1]->status == SL_ERR_CANCELLED && results[1]->tries == 0);
	reset_results();
	sl_engine_free(e);
}

static void test_stream_options_refused(void)
{
	struct sl_engine *e = engine();
	script("{\"models\":{\"m\":{\"sequence\":[{\"fault\":\"status\",\"status\":400,"
	       "\"message\":\"Unrecognized request argument supplied: stream_options\"},{}]}}}");
	submit(e, 0, "fo:m", true, 1);
	sl_engine_run_until_idle(e);
	CHECK(results[0] && results[0]->status == SL_OK && results[0]->tries == 1);
	cJSON *last = fakeprov_last(fp);
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(last, "body");
	CHECK(cJSON_IsString(body) && !strstr(body->valuestring, "stream_options"));
	cJSON_Delete(last);
	CHECK_INT(fakeprov_route_count(fp, "openai.chat"), 2);
	reset_results();
	/* remembered for the provider: the next call does not send it at all */
	submit(e, 0, "fo:m", true, 1);
	sl_engine_run_until_idle(e);
	CHECK(results[0] && results[0]->status == SL_OK);
	CHECK_INT(fakeprov_route_count(fp, "openai.chat"), 3);
	last = fakeprov_last(fp);
	body = cJSON_GetObjectItemCaseSensitive(last, "body");
	CHECK(cJSON_IsString(body) && !strstr(body->valuestring, "stream_options"));
	cJSON_Delete(last);
	reset_results();
	/* a server that wants max_completion_tokens instead of max_tokens */
	script("{\"models\":{\"m\":{\"sequence\":[{\"fault\":\"status\",\"status\":400,"
	       "\"message\":\"Unsupported parameter: 'max_tokens' is not supported with this model. "
	       "Use 'max_completion_tokens' instead.\"},{}]}}}");
	static const struct sl_message msg[] = { { SL_ROLE_USER, "hi" } };
	struct sl_request req = { .model = "fo:m", .messages = msg, .n_messages = 1,
				  .stream = true, .max_tries = 1, .on_done = on_done };
	sl_params_init(&req.params);
	req.params.max_tokens = 64;
	sl_engine_submit(e, &req, NULL);
	sl_engine_run_until_idle(e);
	CHECK(results[0] && results[0]->status == SL_OK && results[0]->tries == 1);
	last = fakeprov_last(fp);
	body = cJSON_GetObjectItemCaseSensitive(last, "body");
	CHECK(cJSON_IsString(body) && strstr(body->valuestring, "\"max_completion_tokens\":64") &&
	      !strstr(body->valuestring, "\"max_tokens\""));
	cJSON_Delete(last);
	reset_results();
	sl_engine_free(e);
}

static void test_event_loop_fds(void)
{
	/* The TUI's loop: keys (here a pipe) wake the wait at once while a stream is in
	 * flight, and the stream keeps going while the loop handles them. */
	struct sl_engine *e = engine();
	script("{\"default\":{\"ttft_ms\":300,\"token_ms\":50,\"text\":\"a b c d\"}}");
	submit(e, 0, "fa:m", true, 1);
	int p[2];
	CHECK(pipe(p) == 0);
	int woken = 0, deltas_seen = 0;
	bool written = false;
	int64_t t0 = sl_now_ns();
	while (sl_engine_perform(e) > 0) {
		int64_t since = (sl_now_ns() - t0) / 1000000;
		bool key = !written && since >= 100;
		if (key) {
			CHECK(write(p[1], "k", 1) == 1);
			written = true;
		}
		struct sl_waitfd fds[1] = { { p[0], SL_WAIT_IN, 0 } };
		CHECK(sl_engine_wait(e, fds, 1, 5000, NULL) == 0);
		/* at once: the very wait after the key reports it (not a later one that a
		 * network event or the timeout ended) */
		if (key)
			CHECK(fds[0].revents & SL_WAIT_IN);
		if (fds[0].revents & SL_WAIT_IN) {
			char c;
			CHECK(read(p[0], &c, 1) == 1);
			woken++;
		}
		if (deltas[0].len)
			deltas_seen = 1;
	}
	CHECK_INT(woken, 1);
	CHECK(deltas_seen);
	CHECK(results[0] && results[0]->status == SL_OK);
	if (results[0])
		check_measured(fp, "/v1/messages", results[0], &seen[0]);
	close(p[0]);
	close(p[1]);
	reset_results();
	sl_engine_free(e);
}

static void test_cancel(void)
{
	struct sl_engine *e = engine();
	script("{\"default\":{\"ttft_ms\":3000}}");
	uint64_t a = submit(e, 0, "fo:m", true, 1);
	submit(e, 1, "fa:m", true, 1);
	submit(e, 2, "fol:m", true, 1);
	/* let them start */
	for (int i = 0; i < 20 && sl_engine_in_flight(e) < 3; i++) {
		sl_engine_perform(e);
		sl_engine_wait(e, NULL, 0, 10, NULL);
	}
	CHECK(sl_engine_cancel(e, a));
	CHECK(!sl_engine_cancel(e, 999999));
	sl_engine_perform(e);
	sl_engine_wait(e, NULL, 0, 50, NULL);
	sl_engine_perform(e);
	CHECK(results[0] && results[0]->status == SL_ERR_CANCELLED);
	CHECK(results[1] == NULL);
	sl_engine_cancel_all(e);
	sl_engine_run_until_idle(e);
	for (int i = 0; i < 3; i++)
		CHECK(results[i] && results[i]->status == SL_ERR_CANCELLED);
	/* The engine hung up instead of waiting: fakeprov, which answers at 3000 ms unless the
	 * client leaves, handed nothing out (a request it never got is fine too). */
	static const char *const paths[] = { "/v1/chat/completions", "/v1/messages", "/api/chat" };
	for (int i = 0; i < 3; i++) {
		struct fakeprov_times t;
		if (fakeprov_times(fp, paths[i], &t) == 0)
			CHECK_INT(t.n_sent, 0);
	}
	reset_results();
	sl_engine_free(e);
}

static void test_limits(void)
{
	/* fcap: concurrency 4. 12 requests of 100 ms: never more than 4 at once. */
	struct sl_engine *e = engine();
	script("{\"default\":{\"latency_ms\":100,\"ttft_ms\":100}}");
	int64_t t0 = sl_now_ns();
	for (size_t i = 0; i < 12; i++)
		submit(e, i, "fcap:m", true, 1);
	size_t peak = 0;
	while (sl_engine_perform(e) > 0) {
		if (sl_engine_in_flight(e) > peak)
			peak = sl_engine_in_flight(e);
		sl_engine_wait(e, NULL, 0, 100, NULL);
	}
	double wall = (double)(sl_now_ns() - t0) / 1e6;
	CHECK_INT(peak, 4);
	/* The server counts a request until its own bookkeeping ends, which can overlap
	 * the next request by a moment: at most one more. */
	cJSON *st = fakeprov_stats(fp);
	const cJSON *mx = cJSON_GetObjectItemCaseSensitive(st, "max_in_flight");
	CHECK(cJSON_IsNumber(mx) && mx->valuedouble <= 5 && mx->valuedouble >= 3);
	cJSON_Delete(st);
	CHECK(wall >= 290);
	for (size_t i = 0; i < 12; i++)
		CHECK(results[i] && results[i]->status == SL_OK);
	/* queue time shows the wait for a slot */
	CHECK(results[11] && results[11]->queue_ms >= 150);
	reset_results();

	/* frpm: 2 requests a minute. The third waits in the queue, nothing sent. */
	submit(e, 0, "frpm:m", true, 1);
	submit(e, 1, "frpm:m", true, 1);
	uint64_t third = submit(e, 2, "frpm:m", true, 1);
	while (!results[0] || !results[1]) {
		sl_engine_perform(e);
		sl_engine_wait(e, NULL, 0, 50, NULL);
	}
	sl_engine_perform(e);
	CHECK_INT(sl_engine_active(e), 1);
	CHECK_INT(sl_engine_in_flight(e), 0);
	CHECK(results[2] == NULL);
	sl_engine_cancel(e, third);
	sl_engine_run_until_idle(e);
	CHECK(results[2] && results[2]->status == SL_ERR_CANCELLED && results[2]->tries == 0);
	reset_results();
	sl_engine_free(e);
}

static void test_many_in_flight(void)
{
	/* 256 streams at once on one thread: all in flight together, all measured. */
	struct sl_engine *e = engine();
	script("{\"default\":{\"text\":\"a b c d\",\"ttft_ms\":400,\"token_ms\":10}}");
	int64_t t0 = sl_now_ns();
	for (size_t i = 0; i < 256; i++)
		submit(e, i, i % 2 ? "fl:m" : "fa:m", true, 1);
	size_t peak = 0;
	while (sl_engine_perform(e) > 0) {
		if (sl_engine_in_flight(e) > peak)
			peak = sl_engine_in_flight(e);
		sl_engine_wait(e, NULL, 0, 100, NULL);
	}
	double wall = (double)(sl_now_ns() - t0) / 1e6;
	fprintf(stderr, "256 streams: peak in flight %zu, wall %.0f ms\n", peak, wall);
	CHECK_INT(peak, 256);
	cJSON *st = fakeprov_stats(fp);
	const cJSON *mx = cJSON_GetObjectItemCaseSensitive(st, "max_in_flight");
	CHECK(cJSON_IsNumber(mx) && mx->valuedouble >= 256);
	cJSON_Delete(st);
	size_t ok = 0; /* (how fast: bench_engine; here only that all ran at once) */
	for (size_t i = 0; i < 256; i++) {
		ok += results[i] && results[i]->status == SL_OK && results[i]->ttft_ms >= 400;
		if (results[i] && results[i]->status != SL_OK && i < ok + 3)
			fprintf(stderr, "request %zu: %s\n", i, results[i]->error);
	}
	CHECK_INT(ok, 256);
	reset_results();
	sl_engine_free(e);
}

static void test_adaptive_and_ratelimit_headers(void)
{
	struct sl_engine *e = engine();
	CHECK_INT(sl_engine_provider_cap(e, "fad"), 16);
	CHECK_INT(sl_engine_provider_cap(e, "fl"), 200);
	CHECK_INT(sl_engine_provider_cap(e, "nosuch"), -1);
	/* The first 16 calls are rate-limited: the cap halves, calls still all succeed. */
	struct sl_buf sb;
	sl_buf_init(&sb);
	sl_buf_puts(&sb, "{\"models\":{\"m\":{\"sequence\":[");
	for (int i = 0; i < 16; i++)
		sl_buf_printf(&sb, "%s{\"fault\":\"status\",\"status\":429,\"retry_after_ms\":\"30\"}",
			      i ? "," : "");
	sl_buf_puts(&sb, "]}}}");
	script(sb.data);
	sl_buf_free(&sb);
	for (size_t i = 0; i < 16; i++)
		submit(e, i, "fad:m", true, 3);
	sl_engine_run_until_idle(e);
	for (size_t i = 0; i < 16; i++)
		CHECK(results[i] && results[i]->status == SL_OK && results[i]->tries == 2);
	int cap = sl_engine_provider_cap(e, "fad");
	CHECK(cap >= 8 && cap < 16);
	reset_results();
	/* ... and climbs back as calls succeed. */
	script("{}");
	for (size_t i = 0; i < 200; i++)
		submit(e, i, "fad:m", true, 1);
	sl_engine_run_until_idle(e);
	CHECK_INT(sl_engine_provider_cap(e, "fad"), 16);
	reset_results();
	/* A success that says the requests budget is used up holds the next call. */
	script("{\"models\":{\"m\":{\"sequence\":[{\"headers\":{\"x-ratelimit-remaining-requests\":\"0\","
	       "\"x-ratelimit-reset-requests\":\"300ms\"}},{}]}}}");
	submit(e, 0, "fl:m", true, 1);
	sl_engine_run_until_idle(e);
	submit(e, 1, "fl:m", true, 1);
	sl_engine_run_until_idle(e);
	CHECK(results[0] && results[0]->status == SL_OK);
	CHECK(results[1] && results[1]->status == SL_OK);
	if (results[1])
		CHECK(results[1]->queue_ms >= 250);
	reset_results();
	sl_engine_free(e);
}

static void test_bedrock_auth(void)
{
	struct sl_engine *e;
	script("{\"auth\":{\"aws_session_token\":\"FQoGZXIvYXdzEPT//////////wEaDfake\"}}");
	/* a session token is required by this script: without it, 403 */
	unsetenv("AWS_SESSION_TOKEN");
	e = engine();
	submit(e, 0, "fb:amazon.nova-pro-v1:0", true, 1);
	sl_engine_run_until_idle(e);
	CHECK(results[0] && results[0]->status == SL_ERR_HTTP && results[0]->http_status == 403);
	reset_results();
	sl_engine_free(e);
	setenv("AWS_SESSION_TOKEN", "FQoGZXIvYXdzEPT//////////wEaDfake", 1);
	e = engine(); /* credentials are read once per engine */
	submit(e, 0, "fb:amazon.nova-pro-v1:0", true, 1);
	submit(e, 1, "fb:us.anthropic.claude-3-5-haiku-20241022-v1:0", false, 1);
	sl_engine_run_until_idle(e);
	CHECK(results[0] && results[0]->status == SL_OK);
	CHECK(results[1] && results[1]->status == SL_OK);
	reset_results();
	sl_engine_free(e);
	unsetenv("AWS_SESSION_TOKEN");

	/* bearer token (Bedrock API key) instead of SigV4 */
	script("{}");
	setenv("AWS_BEARER_TOKEN_BEDROCK", "fake-bedrock-api-key", 1);
	e = engine();
	submit(e, 0, "fb:amazon.nova-pro-v1:0", true, 1);
	sl_engine_run_until_idle(e);
	CHECK(results[0] && results[0]->status == SL_OK);
	reset_results();
	sl_engine_free(e);
	setenv("AWS_BEARER_TOKEN_BEDROCK", "wrong", 1);
	e = engine();
	submit(e, 0, "fb:amazon.nova-pro-v1:0", true, 1);
	sl_engine_run_until_idle(e);
	CHECK(results[0] && results[0]->status == SL_ERR_HTTP && results[0]->http_status == 403);
	if (results[0])
		CHECK(!strstr(results[0]->error, "wrong"));
	reset_results();
	sl_engine_free(e);
	unsetenv("AWS_BEARER_TOKEN_BEDROCK");
}

static void test_aws_profile(void)
{
	/* Credentials and region from ~/.aws (a named profile), no AWS_* variables. */
	char *aws = test_path(".aws");
	struct sl_error err = { 0 };
	CHECK(sl_mkdirs(aws, &err) == 0);
	free(aws);
	free(test_write_file(".aws/credentials",
			     "[default]\naws_access_key_id = AKIDWRONG\naws_secret_access_key = nope\n\n"
			     "[work]\naws_access_key_id = AKIDEXAMPLE\n"
			     "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n"));
	free(test_write_file(".aws/config", "[default]\nregion = eu-west-3\n\n"
					    "[profile work]\nregion = us-east-1\n"));
	char *id = sl_xstrdup(getenv("AWS_ACCESS_KEY_ID"));
	char *secret = sl_xstrdup(getenv("AWS_SECRET_ACCESS_KEY"));
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_REGION");
	setenv("AWS_PROFILE", "work", 1);
	script("{}");
	struct sl_engine *e = engine();
	submit(e, 0, "fbp:amazon.nova-pro-v1:0", true, 1);
	sl_engine_run_until_idle(e);
	CHECK(results[0] && results[0]->status == SL_OK);
	if (results[0] && results[0]->status != SL_OK)
		fprintf(stderr, "%s\n", results[0]->error);
	cJSON *last = fakeprov_last(fp);
	char *printed = cJSON_PrintUnformatted(last);
	CHECK_CONTAINS(printed, "us-east-1/bedrock/aws4_request"); /* region of [profile work] */
	free(printed);
	cJSON_Delete(last);
	reset_results();
	sl_engine_free(e);
	/* the default profile's key is wrong: fakeprov rejects it, and says so */
	unsetenv("AWS_PROFILE");
	e = engine();
	submit(e, 0, "fbp:amazon.nova-pro-v1:0", true, 1);
	sl_engine_run_until_idle(e);
	CHECK(results[0] && results[0]->status == SL_ERR_HTTP && results[0]->http_status == 403);
	reset_results();
	sl_engine_free(e);
	/* an SSO profile: said plainly, with the way out */
	free(test_write_file(".aws/config", "[profile sso]\nsso_session = corp\nregion = us-east-1\n"));
	setenv("AWS_PROFILE", "sso", 1);
	e = engine();
	submit(e, 0, "fbp:amazon.nova-pro-v1:0", true, 1);
	sl_engine_run_until_idle(e);
	CHECK(results[0] && results[0]->status == SL_ERR_CONFIG);
	if (results[0])
		CHECK_CONTAINS(results[0]->error, "export-credentials --profile sso");
	reset_results();
	sl_engine_free(e);
	unsetenv("AWS_PROFILE");
	/* no credentials anywhere: the message says what to set */
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
	e = engine();
	submit(e, 0, "fbp:amazon.nova-pro-v1:0", true, 1);
	sl_engine_run_until_idle(e);
	CHECK(results[0] && results[0]->status == SL_ERR_CONFIG);
	if (results[0]) {
		CHECK_CONTAINS(results[0]->error, "AWS_BEARER_TOKEN_BEDROCK");
		CHECK_CONTAINS(results[0]->error, "AWS_ACCESS_KEY_ID");
	}
	reset_results();
	sl_engine_free(e);
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	setenv("AWS_ACCESS_KEY_ID", id, 1);
	setenv("AWS_SECRET_ACCESS_KEY", secret, 1);
	free(id);
	free(secret);
}

static void test_embeddings(void)
{
	struct sl_engine *e = engine();
	script("{\"default\":{\"dims\":32}}");
	const char *in[] = { "the cat sat", "the cat sat down" };
	const char *models[] = { "fo:text-embedding-3-small", "fol:nomic-embed-text",
				 "fb:amazon.titan-embed-text-v2:0", "fb:cohere.embed-english-v3" };
	for (size_t i = 0; i < 4; i++) {
		struct sl_request req = { .model = models[i], .kind = SL_REQ_EMBED, .inputs = in,
					  .n_inputs = i == 2 ? 1 : 2, .on_done = on_done,
					  .user_data = (void *)(uintptr_t)i };
		sl_params_init(&req.params);
		CHECK(sl_engine_submit(e, &req, NULL) > 0);
	}
	sl_engine_run_until_idle(e);
	for (size_t i = 0; i < 4; i++) {
		struct sl_result *r = results[i];
		CHECK(r && r->status == SL_OK);
		if (!r)
			continue;
		CHECK_INT(r->n_embeddings, i == 2 ? 1 : 2);
		CHECK_INT(r->dim, 32);
		double norm = 0;
		for (size_t j = 0; j < r->dim; j++)
			norm += (double)r->embeddings[0][j] * r->embeddings[0][j];
		CHECK_NEAR(norm, 1.0, 1e-4);
		if (r->n_embeddings == 2) {
			/* similar texts, similar vectors (fakeprov's trigram embeddings) */
			double dot = 0;
			for (size_t j = 0; j < r->dim; j++)
				dot += (double)r->embeddings[0][j] * r->embeddings[1][j];
			CHECK(dot > 0.5);
		}
	}
	/* Titan takes one input per request: said before anything is sent */
	struct sl_request two = { .model = "fb:amazon.titan-embed-text-v2:0", .kind = SL_REQ_EMBED,
				  .inputs = in, .n_inputs = 2, .on_done = on_done,
				  .user_data = (void *)(uintptr_t)9 };
	sl_params_init(&two.params);
	sl_engine_submit(e, &two, NULL);
	sl_engine_run_until_idle(e);
	CHECK(results[9] && results[9]->status == SL_ERR_CONFIG);
	if (results[9])
		CHECK_CONTAINS(results[9]->error, "one input per request");
	reset_results();
	sl_engine_free(e);
}

TEST_MAIN_BEGIN
	fp = fakeprov_start(NULL);
	setenv("FP_OPENAI_KEY", "sk-fake", 1);
	setenv("FP_ANTH_KEY", "sk-ant-fake", 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_BEARER_TOKEN_BEDROCK");
	char *tmpl = (
		"{\"providers\":{"
		"\"fo\":{\"kind\":\"openai\",\"base_url\":\"@B@/v1\",\"api_key_env\":\"FP_OPENAI_KEY\",\"limits\":{\"concurrency\":200},\"timeouts\":{\"idle_ms\":300}},"
		"\"fl\":{\"kind\":\"openai\",\"base_url\":\"@B@/llamacpp/v1\",\"limits\":{\"concurrency\":200}},"
		"\"fa\":{\"kind\":\"anthropic\",\"base_url\":\"@B@\",\"api_key_env\":\"FP_ANTH_KEY\",\"limits\":{\"concurrency\":200}},"
		"\"fb\":{\"kind\":\"bedrock\",\"base_url\":\"@B@\",\"region\":\"us-east-1\",\"timeouts\":{\"idle_ms\":300}},"
		"\"fol\":{\"kind\":\"ollama\",\"base_url\":\"@B@\",\"limits\":{\"concurrency\":8}},"
		"\"fcap\":{\"kind\":\"openai\",\"base_url\":\"@B@/llamacpp/v1\",\"limits\":{\"concurrency\":4}},"
		"\"fad\":{\"kind\":\"openai\",\"base_url\":\"@B@/llamacpp/v1\",\"limits\":{\"concurrency\":16}},"
		"\"fdead\":{\"kind\":\"openai\",\"base_url\":\"http://127.0.0.1:1/v1\"},"
		"\"fslow\":{\"kind\":\"openai\",\"base_url\":\"@B@/llamacpp/v1\",\"timeouts\":{\"first_byte_ms\":200,\"total_ms\":600}},"
		"\"ftpm\":{\"kind\":\"openai\",\"base_url\":\"@B@/llamacpp/v1\",\"limits\":{\"tpm\":100}},"
		"\"fbp\":{\"kind\":\"bedrock\",\"base_url\":\"@B@\"},"
		"\"frpm\":{\"kind\":\"openai\",\"base_url\":\"@B@/llamacpp/v1\",\"limits\":{\"rpm\":2}}"
		"}}");
	struct sl_buf jb;
	sl_buf_init(&jb);
	for (const char *q = tmpl; *q; q++) {
		if (strncmp(q, "@B@", 3) == 0) {
			sl_buf_puts(&jb, fp->base);
			q += 2;
		} else {
			sl_buf_putc(&jb, *q);
		}
	}
	char *json = sl_buf_steal(&jb);
	sl_providers_defaults(&provs);
	struct sl_error err = { 0 };
	if (sl_providers_merge_json(&provs, json, strlen(json), "test", &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	free(json);
#define TIMED(fn) do { int64_t t_ = sl_now_ns(); RUN_TEST(fn); \
	fprintf(stderr, "%s: %.0f ms\n", #fn, (double)(sl_now_ns() - t_) / 1e6); } while (0)
	TIMED(test_timing_every_protocol);
	TIMED(test_retry_statuses);
	TIMED(test_retry_after_honoured);
	TIMED(test_non_retryable);
	TIMED(test_missing_key);
	TIMED(test_faults);
	TIMED(test_timeouts_and_connection_failures);
	TIMED(test_stream_options_refused);
	TIMED(test_event_loop_fds);
	TIMED(test_cancel);
	TIMED(test_limits);
	TIMED(test_many_in_flight);
	TIMED(test_adaptive_and_ratelimit_headers);
	TIMED(test_bedrock_auth);
	TIMED(test_aws_profile);
	TIMED(test_embeddings);
	sl_providers_free(&provs);
	fakeprov_stop(fp);
TEST_MAIN_END

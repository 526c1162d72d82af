/* `shortlist ask` against tests/fakeprov on every protocol, configured the way a user does
 * it: only the SDKs' environment variables (OPENAI_BASE_URL + OPENAI_API_KEY, ANTHROPIC_*,
 * AWS_* with AWS_ENDPOINT_URL_BEDROCK_RUNTIME, OLLAMA_HOST), no providers.json. */
#include "test.h"

#include <sys/wait.h>

#include "fakeprov_client.h"
#include "shortlist/util.h"

static struct fakeprov *fp;

struct run {
	int status;
	char *out, *err;
};

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* Run `shortlist ARGS` with the current environment; stdout and stderr captured. */
static struct run shortlist(const char *args)
{
	struct run r = { 0 };
	char *out = test_path("ask.out"), *err = test_path("ask.err");
	const char *bin = getenv("SHORTLIST_BIN");
	if (!bin || !*bin)
		bin = SHORTLIST_BIN_PATH;
	char *cmd = sl_xasprintf("'%s' %s >'%s' 2>'%s' </dev/null", bin, args, out, err);
	int st = system(cmd);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	r.out = sl_read_file(out, NULL, NULL);
	r.err = sl_read_file(err, NULL, NULL);
	if (!r.out)
		r.out = sl_xstrdup("");
	if (!r.err)
		r.err = sl_xstrdup("");
	free(cmd);
	free(out);
	free(err);
	return r;
}

static void clear_env(void)
{
	static const char *vars[] = { "OPENAI_BASE_URL", "OPENAI_API_KEY", "ANTHROPIC_BASE_URL",
				      "ANTHROPIC_API_KEY", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
				      "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION",
				      "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
				      "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK", "AWS_PROFILE",
				      "OLLAMA_HOST" };
	for (size_t i = 0; i < SL_ARRAY_LEN(vars); i++)
		unsetenv(vars[i]);
}

static void set_env_for(const char *which)
{
	clear_env();
	char *url;
	if (strcmp(which, "openai") == 0 || strcmp(which, "llamacpp") == 0) {
		bool l = strcmp(which, "llamacpp") == 0;
		url = sl_xasprintf("%s%s/v1", fp->base, l ? "/llamacpp" : "");
		setenv("OPENAI_BASE_URL", url, 1);
		if (!l)
			setenv("OPENAI_API_KEY", "sk-fake", 1); /* a local server needs none */
	} else if (strcmp(which, "anthropic") == 0) {
		url = sl_xstrdup(fp->base);
		setenv("ANTHROPIC_BASE_URL", url, 1);
		setenv("ANTHROPIC_API_KEY", "sk-ant-fake", 1);
	} else if (strcmp(which, "bedrock") == 0) {
		url = sl_xstrdup(fp->base);
		setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", url, 1);
		setenv("AWS_REGION", "us-east-1", 1);
		setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
		setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
	} else {
		url = sl_xstrdup(fp->base);
		setenv("OLLAMA_HOST", url, 1);
	}
	free(url);
}

static void test_ask_every_protocol(void)
{
	static const struct {
		const char *env, *model, *route;
	} cases[] = {
		{ "openai", "openai:gpt-4o-mini", "openai.chat" },
		{ "llamacpp", "openai:qwen2.5-7b", "openai.chat" },
		{ "anthropic", "anthropic:claude-3-5-haiku-latest", "anthropic.messages" },
		{ "bedrock", "bedrock:amazon.nova-pro-v1:0", "bedrock.converse_stream" },
		{ "ollama", "ollama:llama3.2", "ollama.chat" },
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		test_current = cases[i].model;
		set_env_for(cases[i].env);
		CHECK_INT(fakeprov_reset(fp), 0);
		char *args = sl_xasprintf("ask --stream %s 'Say hello'", cases[i].model);
		struct run r = shortlist(args);
		CHECK_INT(r.status, 0);
		CHECK_STR(r.out, "Hello from fakeprov.\n");
		CHECK_CONTAINS(r.err, "first token");
		CHECK_CONTAINS(r.err, "tokens         in ");
		if (r.status)
			fprintf(stderr, "%s\n", r.err);
		CHECK_INT(fakeprov_route_count(fp, cases[i].route), 1);
		if (strcmp(cases[i].env, "bedrock") == 0) {
			/* signed by the project's SigV4, verified by fakeprov */
			cJSON *s = fakeprov_stats(fp);
			CHECK_INT(cJSON_GetObjectItemCaseSensitive(s, "sigv4_verified")->valueint, 1);
			cJSON_Delete(s);
		}
		run_free(&r);
		free(args);
		/* non-streamed, options after MODEL and PROMPT as the README writes them */
		args = sl_xasprintf("ask %s 'Say hello' --quiet", cases[i].model);
		r = shortlist(args);
		CHECK_INT(r.status, 0);
		CHECK_STR(r.out, "Hello from fakeprov.\n");
		run_free(&r);
		free(args);
	}
}

/* Issue 11 item 14: an embedding's usage (input tokens only) is not called an estimate. */
static void test_ask_embed_usage(void)
{
	static const struct {
		const char *env, *model;
	} cases[] = {
		{ "openai", "openai:text-embedding-3-small" },
		{ "ollama", "ollama:nomic-embed-text" },
		{ "bedrock", "bedrock:amazon.titan-embed-text-v2:0" },
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		test_current = cases[i].model;
		set_env_for(cases[i].env);
		char *args = sl_xasprintf("ask --embed %s 'hello embeddings'", cases[i].model);
		struct run r = shortlist(args);
		CHECK_INT(r.status, 0);
		CHECK_CONTAINS(r.out, "embedding(s) of");
		CHECK_CONTAINS(r.err, ", out 0\n");
		CHECK(!strstr(r.err, "estimated"));
		if (r.status || strstr(r.err, "estimated"))
			fprintf(stderr, "%s\n", r.err);
		run_free(&r);
		free(args);
	}
	clear_env();
}

static void test_ask_failures(void)
{
	/* A missing key for the real service names the variable (nothing can be sent: the
	 * check comes before any connection). A local ANTHROPIC_BASE_URL needs no key. */
	clear_env();
	struct run r = shortlist("ask anthropic:claude-3-5-haiku-latest hi");
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "ANTHROPIC_API_KEY");
	run_free(&r);

	/* A wrong key: the provider's message, the key itself never printed. */
	set_env_for("openai");
	setenv("OPENAI_API_KEY", "sk-wrong-and-secret", 1);
	r = shortlist("ask openai:gpt-4o-mini hi");
	CHECK(r.status != 0);
	CHECK_CONTAINS(r.err, "HTTP 401");
	CHECK(!strstr(r.err, "sk-wrong-and-secret"));
	CHECK(!strstr(r.out, "sk-wrong-and-secret"));
	run_free(&r);

	/* Issue 14 item 5: a stream that breaks after text was printed says so on stderr and
	 * exits non-zero; nothing is retried (the text was shown). */
	CHECK_INT(fakeprov_set_script(fp, "{\"models\":{\"cut\":{\"fault\":\"reset\","
					  "\"after_chunks\":2}}}"), 0);
	set_env_for("openai");
	r = shortlist("ask --stream openai:cut hi");
	CHECK_INT(r.status, 3);
	CHECK_STR(r.out, "Hello from\n");
	CHECK_CONTAINS(r.err, "after part of the answer was received");
	CHECK_CONTAINS(r.err, "the stream broke: the answer printed above is incomplete");
	CHECK_CONTAINS(r.err, "tries          1");
	run_free(&r);

	/* Overloaded on every try: exits non-zero with Anthropic's error type. */
	CHECK_INT(fakeprov_set_script(fp, "{\"models\":{\"busy\":{\"fault\":\"status\","
					  "\"status\":529,\"retry_after_ms\":1}}}"), 0);
	set_env_for("anthropic");
	r = shortlist("ask --tries 2 anthropic:busy hi");
	CHECK(r.status != 0);
	CHECK_CONTAINS(r.err, "overloaded_error");
	CHECK_CONTAINS(r.err, "tries          2");
	run_free(&r);

	/* The wait before a retry is shown (issue 14 item 6); a longer one than
	 * limits.max_retry_wait_s fails at once, saying what the server asked for. */
	CHECK_INT(fakeprov_set_script(fp, "{\"models\":{\"slow\":{\"sequence\":[{\"fault\":"
					  "\"status\",\"status\":429,\"retry_after\":\"1\"}]},"
					  "\"hour\":{\"fault\":\"status\",\"status\":429,"
					  "\"retry_after\":\"3600\"}}}"), 0);
	CHECK_INT(fakeprov_reset(fp), 0);
	set_env_for("openai");
	r = shortlist("ask openai:slow hi");
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.err, "shortlist ask: try 1 failed (openai: HTTP 429: ");
	CHECK_CONTAINS(r.err, "; retrying in 1.0 s\n");
	run_free(&r);
	r = shortlist("ask openai:hour hi");
	CHECK_INT(r.status, 3);
	CHECK_CONTAINS(r.err, "[the server asked to wait 3600 s: more than "
			      "limits.max_retry_wait_s = 60 of provider openai]");
	CHECK(!strstr(r.err, "retrying in"));
	run_free(&r);
	clear_env();
}

static double num(const cJSON *o, const char *key)
{
	return cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* Issue 11 item 16: `ask --format json` gives scripts every measurement as one JSON object
 * on stdout, and the numbers are the ones fakeprov bracketed (no absolute window). */
static void test_ask_format_json(void)
{
	CHECK_INT(fakeprov_set_script(fp, "{\"models\":{\"timed\":{\"text\":\"one two three "
					  "four\",\"ttft_ms\":60,\"token_ms\":10,\"tokens\":4},"
					  "\"nousage\":{\"variant\":\"llamacpp\"}}}"), 0);
	set_env_for("openai");
	struct run r = shortlist("ask --stream --format json openai:timed hi");
	CHECK_INT(r.status, 0);
	cJSON *j = cJSON_Parse(r.out);
	CHECK(cJSON_IsObject(j));
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "answer")),
		  "one two three four");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "status")), "ok");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "model_reported")),
		  "timed");
	const cJSON *tok = cJSON_GetObjectItemCaseSensitive(j, "tokens");
	CHECK_INT(num(tok, "out"), 4);
	CHECK(num(tok, "in") > 0);
	CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(tok, "out_estimated")));
	struct fakeprov_times t;
	CHECK_INT(fakeprov_times(fp, "/v1/chat/completions", &t), 0);
	double ttft = num(j, "ttft_ms"), e2e = num(j, "e2e_ms");
	CHECK(ttft >= t.first_ms && e2e >= t.last_ms && ttft <= e2e);
	CHECK(num(j, "queue_ms") >= 0 && num(j, "connect_ms") >= 0 && num(j, "ttfb_ms") <= ttft);
	CHECK_NEAR(num(j, "tpot_ms"), (e2e - ttft) / 3, 1e-6);
	CHECK_NEAR(num(j, "tokens_per_s"), 4 / ((e2e - ttft) / 1000), 1e-6);
	const cJSON *gaps = cJSON_GetObjectItemCaseSensitive(j, "chunk_gaps_ms");
	CHECK(cJSON_IsArray(gaps) && cJSON_GetArraySize(gaps) >= 1 && cJSON_GetArraySize(gaps) <= 3);
	CHECK_INT(num(j, "tries"), 1);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "protocol")), "HTTP/1");
	/* no catalogue price for "timed": unknown, not $0 */
	CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "cost_usd")));
	CHECK(!strstr(r.err, "first token")); /* the measurements are in the JSON */
	cJSON_Delete(j);
	run_free(&r);

	/* Not streamed: no TTFT (null); tokens estimated when the API gave no usage. */
	CHECK_INT(fakeprov_set_script(fp, "{\"models\":{\"nousage\":{\"text\":\"a b\"}}}"), 0);
	r = shortlist("ask --format json openai:nousage hi");
	CHECK_INT(r.status, 0);
	j = cJSON_Parse(r.out);
	CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "ttft_ms")));
	CHECK(num(j, "e2e_ms") > 0);
	cJSON_Delete(j);
	run_free(&r);

	/* A failure is still one JSON object, with the error, and the exit code says so. */
	CHECK_INT(fakeprov_set_script(fp, "{\"models\":{\"busy\":{\"fault\":\"status\","
					  "\"status\":500,\"retry_after_ms\":1}}}"), 0);
	r = shortlist("ask --format json --tries 2 openai:busy hi");
	CHECK_INT(r.status, 3);
	j = cJSON_Parse(r.out);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "status")), "http");
	CHECK_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "error")),
		       "HTTP 500");
	CHECK_INT(num(j, "tries"), 2);
	CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "answer")));
	cJSON_Delete(j);
	run_free(&r);

	r = shortlist("ask --format yaml openai:busy hi");
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "--format must be text or json");
	run_free(&r);
	clear_env();
}

TEST_MAIN_BEGIN
	fp = fakeprov_start(NULL);
	RUN_TEST(test_ask_every_protocol);
	RUN_TEST(test_ask_failures);
	RUN_TEST(test_ask_embed_usage);
	RUN_TEST(test_ask_format_json);
	fakeprov_stop(fp);
TEST_MAIN_END

/* Provider configuration: built-ins, the SDKs' environment variables, providers.json and
 * its errors (naming the key path), model names, missing keys, plain-http rules. */
#include "test.h"

#include "shortlist/provider.h"
#include "shortlist/providers_config.h"

static void clear_env(void)
{
	const char *vars[] = { "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "OLLAMA_HOST", "AWS_REGION",
			       "AWS_DEFAULT_REGION", "AWS_PROFILE", "OPENAI_API_KEY", "MY_KEY" };
	for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
		unsetenv(vars[i]);
}

static void test_defaults(void)
{
	clear_env();
	struct sl_providers p;
	sl_providers_defaults(&p);
	const struct sl_provider_conf *c = sl_providers_find(&p, "openai");
	CHECK(c);
	CHECK_STR(c->base_url, "https://api.openai.com/v1");
	CHECK_STR(c->api_key_env, "OPENAI_API_KEY");
	CHECK_STR(sl_providers_find(&p, "anthropic")->base_url, "https://api.anthropic.com");
	CHECK_STR(sl_providers_find(&p, "ollama")->base_url, "http://127.0.0.1:11434");
	CHECK(sl_providers_find(&p, "groq") && sl_providers_find(&p, "bedrock") &&
	      sl_providers_find(&p, "gemini-openai") && sl_providers_find(&p, "openrouter"));
	sl_providers_free(&p);

	setenv("OPENAI_BASE_URL", "http://localhost:8080/v1/", 1);
	setenv("ANTHROPIC_BASE_URL", "https://proxy.example.com", 1);
	setenv("OLLAMA_HOST", "0.0.0.0:9999", 1);
	setenv("AWS_REGION", "eu-west-1", 1);
	sl_providers_defaults(&p);
	CHECK_STR(sl_providers_find(&p, "openai")->base_url, "http://localhost:8080/v1");
	CHECK_STR(sl_providers_find(&p, "anthropic")->base_url, "https://proxy.example.com");
	CHECK_STR(sl_providers_find(&p, "ollama")->base_url, "http://127.0.0.1:9999");
	CHECK_STR(sl_providers_find(&p, "bedrock")->region, "eu-west-1");
	sl_providers_free(&p);
	setenv("OLLAMA_HOST", "gpu-box", 1);
	sl_providers_defaults(&p);
	CHECK_STR(sl_providers_find(&p, "ollama")->base_url, "http://gpu-box:11434");
	sl_providers_free(&p);
	setenv("OLLAMA_HOST", "https://ollama.example.com", 1);
	sl_providers_defaults(&p);
	CHECK_STR(sl_providers_find(&p, "ollama")->base_url, "https://ollama.example.com");
	sl_providers_free(&p);
	clear_env();
}

static int merge(struct sl_providers *p, const char *json, struct sl_error *err)
{
	sl_error_clear(err);
	return sl_providers_merge_json(p, json, strlen(json), "providers.json", err);
}

static void test_file(void)
{
	clear_env();
	struct sl_providers p;
	sl_providers_defaults(&p);
	struct sl_error err = { 0 };
	CHECK(merge(&p, "{\"providers\":{\"openai\":{\"limits\":{\"rpm\":500}},"
			"\"myvllm\":{\"kind\":\"openai\",\"base_url\":\"http://10.0.0.7:8000/v1\","
			"\"api_key_env\":\"MY_KEY\",\"headers\":{\"X-Team\":\"eval\"},"
			"\"limits\":{\"concurrency\":32,\"tpm\":100000,\"max_tries\":2,"
			"\"max_retry_wait_s\":5},"
			"\"timeouts\":{\"idle_ms\":5000}}}}", &err) == 0);
	CHECK_STR(err.msg, "");
	const struct sl_provider_conf *c = sl_providers_find(&p, "openai");
	CHECK_INT(c->limits.rpm, 500);
	CHECK_INT(c->limits.concurrency, 64); /* untouched */
	CHECK_INT(c->limits.max_retry_wait_ms, 60000);
	c = sl_providers_find(&p, "myvllm");
	CHECK(c && c->kind == &sl_openai_ops);
	CHECK_INT(c->limits.concurrency, 32);
	CHECK_INT(c->limits.tpm, 100000);
	CHECK_INT(c->limits.max_tries, 2);
	CHECK_INT(c->limits.max_retry_wait_ms, 5000);
	CHECK_INT(c->limits.idle_ms, 5000);
	CHECK_INT(c->n_headers, 1);
	CHECK(c->configured);

	struct {
		const char *json, *msg;
	} bad[] = {
		{ "{\"provider\":{}}", "provider: unknown key" },
		{ "{\"providers\":{\"x\":{\"kind\":\"openai\",\"base_url\":\"https://a\",\"limit\":{}}}}",
		  "providers.x.limit: unknown key (expected one of: kind, base_url" },
		{ "{\"providers\":{\"x\":{\"kind\":\"openai\",\"base_url\":\"https://a\",\"limits\":{\"rpn\":1}}}}",
		  "providers.x.limits.rpn: unknown key (expected one of: concurrency, rpm, tpm, max_tries, max_retry_wait_s)" },
		{ "{\"providers\":{\"x\":{\"kind\":\"openai\",\"base_url\":\"https://a\",\"timeouts\":{\"idle\":1}}}}",
		  "providers.x.timeouts.idle: unknown key" },
		{ "{\"providers\":{\"x\":{\"kind\":\"gpt\"}}}", "providers.x.kind: must be one of" },
		{ "{\"providers\":{\"x\":{\"base_url\":\"https://a\"}}}", "providers.x.kind: missing" },
		{ "{\"providers\":{\"x\":{\"kind\":\"openai\"}}}", "providers.x.base_url: missing" },
		{ "{\"providers\":{\"x\":{\"kind\":\"openai\",\"base_url\":\"http://api.example.com/v1\"}}}",
		  "providers.x.base_url: \"http://api.example.com/v1\" must be https://" },
		{ "{\"providers\":{\"x\":{\"kind\":\"openai\",\"base_url\":\"https://a\",\"api_key_env\":\"sk-abc123\"}}}",
		  "providers.x.api_key_env: must be the NAME" },
		{ "{\"providers\":{\"x\":{\"kind\":\"openai\",\"base_url\":\"https://a\",\"limits\":{\"rpm\":-1}}}}",
		  "providers.x.limits.rpm: must be a whole number" },
		{ "{\"providers\":{\"x\":{\"kind\":\"openai\",\"base_url\":\"https://a\",\"limits\":{\"max_retry_wait_s\":86401}}}}",
		  "providers.x.limits.max_retry_wait_s: must be a whole number from 0 to 86400" },
		{ "{\"providers\":{\"x\":{\"kind\":\"openai\",\"base_url\":\"https://a\",\"limits\":{\"max_retry_wait_s\":0}}}}",
		  "providers.x.limits.max_retry_wait_s: must be at least 1" },
		{ "{\"providers\":{\"openai\":{\"kind\":\"anthropic\"}}}", "built-in openai provider" },
		{ "{\"providers\":{\"a:b\":{}}}", "may not be empty or contain ':'" },
		{ "{\"providers\":\n{\"x\":}}", "line 2: not valid JSON" },
		{ "{\"providers\":{\"x\":{\"kind\":\"openai\",\"base_url\":\"https://a\",\n"
		  "\"headers\":{\"X-Team\":\"caf\xe9\"}}}}", ":2:25: not valid UTF-8 (byte 0xe9)" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		CHECK(merge(&p, bad[i].json, &err) == -1);
		CHECK_CONTAINS(err.msg, bad[i].msg);
		CHECK_CONTAINS(err.msg, "providers.json");
	}
	/* all or nothing: a failed merge left the earlier state */
	CHECK(sl_providers_find(&p, "x") == NULL);
	CHECK_INT(sl_providers_find(&p, "openai")->limits.rpm, 500);
	sl_providers_free(&p);
}

static void test_load_from_xdg(void)
{
	clear_env();
	char *dir = test_path("config/shortlist");
	struct sl_error err = { 0 };
	CHECK(sl_mkdirs(dir, &err) == 0);
	char *file = sl_xasprintf("%s/providers.json", dir);
	struct sl_providers p;
	CHECK(sl_providers_load(&p, NULL, &err) == 0); /* no file: built-ins */
	CHECK(p.origin == NULL);
	sl_providers_free(&p);
	const char *json = "{\"providers\":{\"lab\":{\"kind\":\"ollama\",\"base_url\":\"http://192.168.1.5:11434\"}}}";
	CHECK(sl_write_file_atomic(file, json, strlen(json), &err) == 0);
	CHECK(sl_providers_load(&p, NULL, &err) == 0);
	CHECK(sl_providers_find(&p, "lab") != NULL);
	CHECK_CONTAINS(p.origin, "providers.json");
	sl_providers_free(&p);
	const char *broken = "{\"providers\":{\"lab\":{\"kind\":\"ollama\",\"url\":\"x\"}}}";
	CHECK(sl_write_file_atomic(file, broken, strlen(broken), &err) == 0);
	CHECK(sl_providers_load(&p, NULL, &err) == -1);
	CHECK_CONTAINS(err.msg, file);
	CHECK_CONTAINS(err.msg, "providers.lab.url: unknown key");
	free(file);
	free(dir);
}

static void test_models_and_keys(void)
{
	clear_env();
	struct sl_providers p;
	sl_providers_defaults(&p);
	const struct sl_provider_conf *c;
	char *id;
	struct sl_error err = { 0 };
	CHECK(sl_providers_resolve_model(&p, "bedrock:amazon.nova-pro-v1:0", &c, &id, &err) == 0);
	CHECK_STR(c->name, "bedrock");
	CHECK_STR(id, "amazon.nova-pro-v1:0");
	free(id);
	CHECK(sl_providers_resolve_model(&p, "openai/gpt-4o-mini", &c, &id, &err) == 0);
	CHECK_STR(c->name, "openai");
	CHECK_STR(id, "gpt-4o-mini");
	free(id);
	CHECK(sl_providers_resolve_model(&p, "amazon-bedrock/anthropic.claude-3-haiku-20240307-v1:0", &c, &id, &err) == 0);
	CHECK_STR(c->name, "bedrock");
	CHECK_STR(id, "anthropic.claude-3-haiku-20240307-v1:0");
	free(id);
	CHECK(sl_providers_resolve_model(&p, "openrouter:meta-llama/llama-3.3-70b-instruct", &c, &id, &err) == 0);
	CHECK_STR(id, "meta-llama/llama-3.3-70b-instruct");
	free(id);
	CHECK(sl_providers_resolve_model(&p, "gpt-4o", &c, &id, &err) == -1);
	CHECK_CONTAINS(err.msg, "PROVIDER:MODEL-ID");
	CHECK(sl_providers_resolve_model(&p, "nosuch:model", &c, &id, &err) == -1);
	CHECK_CONTAINS(err.msg, "no provider named \"nosuch\"");

	CHECK_STR(sl_provider_catalog_id("bedrock"), "amazon-bedrock");
	CHECK_STR(sl_provider_catalog_id("together"), "togetherai");
	CHECK_STR(sl_provider_catalog_id("gemini-openai"), "google");
	CHECK_STR(sl_provider_catalog_id("openai"), "openai");

	const char *key;
	c = sl_providers_find(&p, "openai");
	CHECK(sl_provider_api_key(c, &key, &err) == -1);
	CHECK_CONTAINS(err.msg, "set the environment variable OPENAI_API_KEY");
	setenv("OPENAI_API_KEY", "sk-secret-value", 1);
	CHECK(sl_provider_api_key(c, &key, &err) == 0);
	CHECK_STR(key, "sk-secret-value");
	c = sl_providers_find(&p, "ollama");
	CHECK(sl_provider_api_key(c, &key, &err) == 0);
	CHECK(key == NULL);
	sl_providers_free(&p);
	clear_env();
}

static void test_hosts(void)
{
	CHECK(sl_host_is_local("localhost"));
	CHECK(sl_host_is_local("127.0.0.1"));
	CHECK(sl_host_is_local("10.1.2.3"));
	CHECK(sl_host_is_local("172.16.0.1"));
	CHECK(!sl_host_is_local("172.32.0.1"));
	CHECK(sl_host_is_local("192.168.0.10"));
	CHECK(sl_host_is_local("[::1]"));
	CHECK(sl_host_is_local("gpu-box"));
	CHECK(sl_host_is_local("studio.local"));
	CHECK(!sl_host_is_local("8.8.8.8"));
	CHECK(!sl_host_is_local("api.openai.com"));
	CHECK(sl_url_scheme_allowed("https://api.openai.com/v1"));
	CHECK(sl_url_scheme_allowed("http://127.0.0.1:8080/v1"));
	CHECK(!sl_url_scheme_allowed("http://api.openai.com/v1"));
	CHECK(!sl_url_scheme_allowed("http://user@8.8.8.8/v1"));
	CHECK(!sl_url_scheme_allowed("ftp://127.0.0.1/"));
}

/* Issue 8 item 3: every protocol of the table (provider.h SL_PROTOCOLS) is complete, is a
 * providers.json kind, and brings its built-in provider; nothing else lists them. */
static void test_protocol_table(void)
{
	clear_env();
	struct sl_providers p;
	sl_providers_defaults(&p);
	struct sl_buf names;
	sl_buf_init(&names);
	size_t n = 0;
	for (const struct sl_provider_ops *k; (k = sl_protocol_at(n)); n++) {
		test_current = k->name;
		CHECK(k->build && k->stream_begin && k->stream_feed && k->stream_end &&
		      k->parse_body && k->classify_error && k->ping_build);
		CHECK(k->default_concurrency > 0);
		CHECK(!k->prepare == !k->state_free);
		CHECK(sl_protocol_find(k->name) == k);
		const struct sl_provider_conf *c = sl_providers_find(&p, k->name);
		CHECK(c && c->builtin && c->kind == k);
		CHECK_STR(sl_provider_kind_name(k), k->name);
		char *json = sl_xasprintf("{\"providers\":{\"mine\":{\"kind\":\"%s\","
					  "\"base_url\":\"https://example.test\"}}}", k->name);
		struct sl_error err = { 0 };
		CHECK(merge(&p, json, &err) == 0);
		CHECK(sl_providers_find(&p, "mine")->kind == k);
		free(json);
		sl_buf_printf(&names, "%s%s", n ? ", " : "", k->name);
	}
	test_current = "the table";
	CHECK_INT(n, 4);
	CHECK_STR(names.data, "openai, anthropic, bedrock, ollama");
	CHECK(sl_protocol_find("gemini") == NULL);
	sl_buf_free(&names);
	sl_providers_free(&p);
}

TEST_MAIN_BEGIN
	RUN_TEST(test_protocol_table);
	RUN_TEST(test_defaults);
	RUN_TEST(test_file);
	RUN_TEST(test_load_from_xdg);
	RUN_TEST(test_models_and_keys);
	RUN_TEST(test_hosts);
TEST_MAIN_END

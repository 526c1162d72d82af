/* shortlist ping and local model discovery against tests/fakeprov: each verdict (ok, not
 * set up, failed) with the message that says what to do. */
#include "test.h"

#include <math.h>

#include "fakeprov_client.h"
#include "shortlist/probe.h"
#include "shortlist/providers_config.h"

static struct fakeprov *fp;

static void load(struct sl_providers *p)
{
	char *json = sl_xasprintf(
		"{\"providers\":{"
		"\"po\":{\"kind\":\"openai\",\"base_url\":\"%s/v1\",\"api_key_env\":\"P_OPENAI\"},"
		"\"pa\":{\"kind\":\"anthropic\",\"base_url\":\"%s\",\"api_key_env\":\"P_ANTH\"},"
		"\"pb\":{\"kind\":\"bedrock\",\"base_url\":\"%s\",\"region\":\"us-east-1\"},"
		"\"pol\":{\"kind\":\"ollama\",\"base_url\":\"%s\"},"
		"\"pdead\":{\"kind\":\"ollama\",\"base_url\":\"http://127.0.0.1:1\"},"
		"\"p404\":{\"kind\":\"openai\",\"base_url\":\"%s/nothing\"}}}",
		fp->base, fp->base, fp->base, fp->base, fp->base);
	sl_providers_defaults(p);
	struct sl_error err = { 0 };
	CHECK(sl_providers_merge_json(p, json, strlen(json), "test", &err) == 0);
	free(json);
}

static const struct sl_ping_result *find(const struct sl_ping_result *r, size_t n,
					 const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(r[i].provider, name) == 0)
			return &r[i];
	return NULL;
}

static void test_ping(void)
{
	struct sl_providers p;
	setenv("P_OPENAI", "sk-fake", 1);
	setenv("P_ANTH", "sk-ant-fake", 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
	unsetenv("GROQ_API_KEY");
	load(&p);
	struct sl_ping_result *r;
	size_t n;
	struct sl_error err = { 0 };
	CHECK(sl_ping(&p, NULL, 5000, &r, &n, &err) == 0);
	CHECK_INT(n, p.len);
	const struct sl_ping_result *x;
	x = find(r, n, "po");
	CHECK(x && x->state == SL_PING_OK && x->n_models >= 1 && x->http_status == 200);
	x = find(r, n, "pa");
	CHECK(x && x->state == SL_PING_OK);
	x = find(r, n, "pb");
	CHECK(x && x->state == SL_PING_OK);
	if (x)
		CHECK_CONTAINS(x->message, "credentials accepted");
	x = find(r, n, "pol");
	CHECK(x && x->state == SL_PING_OK && x->n_models >= 1);
	x = find(r, n, "pdead");
	CHECK(x && x->state == SL_PING_FAILED); /* configured explicitly: a failure */
	if (x)
		CHECK_CONTAINS(x->message, "cannot reach http://127.0.0.1:1/api/tags");
	x = find(r, n, "p404");
	CHECK(x && x->state == SL_PING_FAILED);
	if (x)
		CHECK_CONTAINS(x->message, "is base_url");
	x = find(r, n, "groq");
	CHECK(x && x->state == SL_PING_NO_KEY);
	if (x)
		CHECK_CONTAINS(x->message, "GROQ_API_KEY");
	sl_ping_results_free(r, n);

	/* wrong keys: each says which variable holds the rejected key, never the key */
	setenv("P_OPENAI", "sk-wrong-123456", 1);
	setenv("P_ANTH", "sk-ant-wrong-123456", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret", 1);
	CHECK(sl_ping(&p, NULL, 5000, &r, &n, &err) == 0);
	x = find(r, n, "po");
	CHECK(x && x->state == SL_PING_FAILED && x->http_status == 401);
	if (x) {
		CHECK_CONTAINS(x->message, "the key in P_OPENAI was rejected");
		CHECK(!strstr(x->message, "sk-wrong-123456"));
	}
	x = find(r, n, "pa");
	CHECK(x && x->state == SL_PING_FAILED);
	if (x)
		CHECK_CONTAINS(x->message, "the key in P_ANTH was rejected");
	x = find(r, n, "pb");
	CHECK(x && x->state == SL_PING_FAILED && x->http_status == 403);
	if (x) {
		CHECK_CONTAINS(x->message, "AWS rejected the credentials");
		CHECK(!strstr(x->message, "not-the-secret"));
	}
	sl_ping_results_free(r, n);

	/* one provider by name; an unknown name is an error listing the known ones */
	CHECK(sl_ping(&p, "pol", 5000, &r, &n, &err) == 0);
	CHECK_INT(n, 1);
	sl_ping_results_free(r, n);
	CHECK(sl_ping(&p, "nosuch", 5000, &r, &n, &err) == -1);
	CHECK_CONTAINS(err.msg, "no provider named \"nosuch\"");
	CHECK_CONTAINS(err.msg, "pol");
	sl_providers_free(&p);
}

static void test_local(void)
{
	char *ollama = sl_xasprintf("%s", fp->base + strlen("http://"));
	setenv("OLLAMA_HOST", ollama, 1);
	char *oa = sl_xasprintf("%s/v1", fp->base);
	setenv("OPENAI_BASE_URL", oa, 1);
	setenv("OPENAI_API_KEY", "sk-fake", 1);
	struct sl_providers p;
	sl_providers_defaults(&p);
	struct sl_local_scan s;
	sl_local_discover(&p, 3000, &s);
	size_t ol = 0, op = 0;
	for (size_t i = 0; i < s.n; i++) {
		ol += strcmp(s.models[i].provider, "ollama") == 0;
		op += strcmp(s.models[i].provider, "openai") == 0;
	}
	CHECK(ol >= 1);
	CHECK(op >= 1);
	CHECK_CONTAINS(s.notes, "Ollama at http://127.0.0.1:");
	CHECK_CONTAINS(s.notes, "OPENAI_BASE_URL");
	sl_local_scan_free(&s);
	sl_providers_free(&p);

	setenv("OLLAMA_HOST", "127.0.0.1:1", 1);
	unsetenv("OPENAI_BASE_URL");
	sl_providers_defaults(&p);
	sl_local_discover(&p, 3000, &s);
	CHECK_INT(s.n, 0);
	CHECK_CONTAINS(s.notes, "no Ollama at http://127.0.0.1:1");
	CHECK_CONTAINS(s.notes, "OPENAI_BASE_URL not set");
	sl_local_scan_free(&s);
	sl_providers_free(&p);
	unsetenv("OLLAMA_HOST");
	unsetenv("OPENAI_API_KEY");
	free(ollama);
	free(oa);
}

TEST_MAIN_BEGIN
	fp = fakeprov_start(NULL);
	RUN_TEST(test_ping);
	RUN_TEST(test_local);
	fakeprov_stop(fp);
TEST_MAIN_END

/* OpenAI's request body is written without a tree per request but reads exactly as the
 * cJSON tree it replaced printed: messages with quotes, backslashes, control bytes and
 * UTF-8, every parameter, streamed or not, with each quirk. */
#include "test.h"

#include <cjson/cJSON.h>

#include "shortlist/provider.h"

/* The body as openai.c built it with one cJSON tree. */
static char *tree_body(const struct sl_call *call, bool max_completion, bool no_options)
{
	const struct sl_params *pr = call->params;
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "model", call->model_id);
	cJSON *msgs = cJSON_AddArrayToObject(body, "messages");
	static const char *const roles[] = { "system", "user", "assistant" };
	for (size_t i = 0; i < call->n_messages; i++) {
		cJSON *m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "role", roles[call->messages[i].role]);
		cJSON_AddStringToObject(m, "content", call->messages[i].content);
		cJSON_AddItemToArray(msgs, m);
	}
	if (!isnan(pr->temperature))
		cJSON_AddNumberToObject(body, "temperature", pr->temperature);
	if (!isnan(pr->top_p))
		cJSON_AddNumberToObject(body, "top_p", pr->top_p);
	if (pr->max_tokens > 0)
		cJSON_AddNumberToObject(body, max_completion ? "max_completion_tokens" : "max_tokens",
					pr->max_tokens);
	if (pr->n_stop) {
		cJSON *stop = cJSON_AddArrayToObject(body, "stop");
		for (size_t i = 0; i < pr->n_stop; i++)
			cJSON_AddItemToArray(stop, cJSON_CreateString(pr->stop[i]));
	}
	if (pr->has_seed)
		cJSON_AddNumberToObject(body, "seed", (double)pr->seed);
	if (pr->json) {
		cJSON *rf = cJSON_AddObjectToObject(body, "response_format");
		cJSON_AddStringToObject(rf, "type", "json_object");
	}
	if (pr->logprobs) {
		cJSON_AddBoolToObject(body, "logprobs", 1);
		if (pr->top_logprobs > 0)
			cJSON_AddNumberToObject(body, "top_logprobs", pr->top_logprobs);
	}
	if (call->stream) {
		cJSON_AddBoolToObject(body, "stream", 1);
		if (!no_options) {
			cJSON *so = cJSON_AddObjectToObject(body, "stream_options");
			cJSON_AddBoolToObject(so, "include_usage", 1);
		}
	}
	char *s = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	return s;
}

static void test_same_text(void)
{
	struct sl_provider_conf conf = { .name = "t", .kind = &sl_openai_ops };
	const struct sl_message msgs[] = {
		{ SL_ROLE_SYSTEM, "Be \"exact\" \\ no\ttabs\x01\x1f caf\xc3\xa9 </script>" },
		{ SL_ROLE_USER, "Q:\r\n one" },
		{ SL_ROLE_ASSISTANT, "" },
	};
	const char *const stop[] = { "\"end\"", "\n" };
	for (int v = 0; v < 16; v++) {
		struct sl_params p;
		sl_params_init(&p);
		if (v & 1) {
			p.temperature = 0.7;
			p.top_p = 1.0 / 3;
			p.max_tokens = 64;
			p.stop = stop;
			p.n_stop = 2;
			p.has_seed = true;
			p.seed = 12345678901LL;
		}
		if (v & 2) {
			p.json = true;
			p.logprobs = true;
			p.top_logprobs = 3;
		}
		unsigned quirks = v & 4 ? 3u : 0u; /* no stream_options, max_completion_tokens */
		struct sl_call call = { .conf = &conf, .model_id = "gpt-\"x\"", .kind = SL_REQ_CHAT,
					.messages = msgs, .n_messages = v & 8 ? 1 : 3, .params = &p,
					.stream = v & 8, .base_url = "http://127.0.0.1:1/v1",
					.quirks = quirks };
		struct sl_http_request h = { 0 };
		struct sl_error err = { 0 };
		CHECK_INT(sl_openai_ops.build(&call, &h, &err), 0);
		char *want = tree_body(&call, quirks & 2, quirks & 1);
		CHECK_STR(h.body, want);
		cJSON_free(want);
		sl_http_request_free(&h);
	}
}

TEST_MAIN_BEGIN
	RUN_TEST(test_same_text);
TEST_MAIN_END

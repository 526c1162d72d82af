/* The batch protocols' pure parts (batch.h): the table, custom ids, the records they write
 * and the results lines they read, in each API's documented shape. */
#include "test.h"

#include <cjson/cJSON.h>

#include "shortlist/batch.h"

static struct sl_provider_conf conf_of(const struct sl_provider_ops *kind)
{
	return (struct sl_provider_conf){ .name = (char *)kind->name, .kind = kind,
					  .base_url = (char *)"http://127.0.0.1:1" };
}

static void test_table(void)
{
	CHECK(sl_batch_ops_for(&sl_openai_ops) == &sl_openai_batch_ops);
	CHECK(sl_batch_ops_for(&sl_anthropic_ops) == &sl_anthropic_batch_ops);
	CHECK(sl_batch_ops_for(&sl_ollama_ops) == NULL);
	struct sl_buf b;
	sl_buf_init(&b);
	sl_batch_protocol_names(&b);
	CHECK_CONTAINS(b.data, "openai");
	sl_buf_free(&b);
	for (int s = SL_BATCH_PREPARING; s <= SL_BATCH_CANCELLED; s++)
		CHECK_INT(sl_batch_state_parse(sl_batch_state_name(s)), s);
	CHECK_INT(sl_batch_state_parse("nope"), -1);
}

static void test_custom_id(void)
{
	char id[64];
	sl_batch_custom_id(id, 2, 0, 12345, 3);
	CHECK_STR(id, "m2-p0-c12345-s3");
	int m, p, c, s;
	CHECK(sl_batch_parse_custom_id(id, &m, &p, &c, &s));
	CHECK(m == 2 && p == 0 && c == 12345 && s == 3);
	CHECK(!sl_batch_parse_custom_id("m1-p0-c1-s0x", &m, &p, &c, &s));
	CHECK(!sl_batch_parse_custom_id("request-1", &m, &p, &c, &s));
	CHECK(!sl_batch_parse_custom_id("m-1-p0-c1-s0", &m, &p, &c, &s));
}

static void test_records(void)
{
	struct sl_provider_conf oc = conf_of(&sl_openai_ops), ac = conf_of(&sl_anthropic_ops);
	struct sl_message msg = { SL_ROLE_USER, "Hi \"there\"" };
	struct sl_params pr;
	sl_params_init(&pr);
	struct sl_call call = { .conf = &oc, .model_id = "gpt-4o-mini", .messages = &msg,
				.n_messages = 1, .params = &pr, .stream = true,
				.api_key = "sk-SECRET", .base_url = oc.base_url };
	struct sl_buf b;
	sl_buf_init(&b);
	struct sl_error err = { 0 };
	CHECK_INT(sl_openai_batch_ops.write_record(&b, "m0-p0-c1-s0", &call, &err), 0);
	cJSON *j = cJSON_Parse(b.data);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "custom_id")), "m0-p0-c1-s0");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "url")), "/v1/chat/completions");
	cJSON *body = cJSON_GetObjectItem(j, "body");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(body, "model")), "gpt-4o-mini");
	CHECK(!cJSON_IsTrue(cJSON_GetObjectItem(body, "stream"))); /* batches do not stream */
	CHECK(!strstr(b.data, "SECRET"));                          /* keys stay in headers */
	cJSON_Delete(j);
	sl_buf_reset(&b);
	call.conf = &ac;
	call.model_id = "claude-x";
	CHECK_INT(sl_anthropic_batch_ops.write_record(&b, "m1-p0-c0-s0", &call, &err), 0);
	j = cJSON_Parse(b.data);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "custom_id")), "m1-p0-c0-s0");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "params"),
							   "model")), "claude-x");
	CHECK(!strstr(b.data, "SECRET"));
	cJSON_Delete(j);
	sl_buf_free(&b);
}

static int line(const struct sl_batch_ops *ops, struct sl_provider_conf *conf, const char *text,
		struct sl_batch_item *it)
{
	struct sl_batch b = { .ops = ops, .conf = conf, .model_id = "m" };
	memset(it, 0, sizeof *it);
	return ops->parse_line(&b, text, strlen(text), it);
}

static void test_openai_lines(void)
{
	struct sl_provider_conf oc = conf_of(&sl_openai_ops);
	struct sl_batch_item it;
	CHECK_INT(line(&sl_openai_batch_ops, &oc,
		       "{\"id\":\"batch_req_1\",\"custom_id\":\"m0-p0-c7-s0\",\"response\":{"
		       "\"status_code\":200,\"request_id\":\"r\",\"body\":{\"id\":\"x\",\"object\":"
		       "\"chat.completion\",\"model\":\"gpt-4o-mini-2024\",\"choices\":[{\"index\":0,"
		       "\"message\":{\"role\":\"assistant\",\"content\":\"Paris\"},\"finish_reason\":"
		       "\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3,"
		       "\"total_tokens\":15}}},\"error\":null}", &it), 0);
	CHECK_STR(it.custom_id, "m0-p0-c7-s0");
	CHECK(it.ok);
	CHECK_STR(it.result.text, "Paris");
	CHECK_STR(it.result.reported_model, "gpt-4o-mini-2024");
	CHECK_INT(it.result.tokens_in, 12);
	CHECK_INT(it.result.tokens_out, 3);
	sl_batch_item_clear(&it);
	CHECK_INT(line(&sl_openai_batch_ops, &oc,
		       "{\"id\":\"b2\",\"custom_id\":\"m0-p0-c8-s0\",\"response\":{\"status_code\":400,"
		       "\"body\":{\"error\":{\"message\":\"Invalid max_tokens\",\"type\":"
		       "\"invalid_request_error\"}}},\"error\":null}", &it), 0);
	CHECK(!it.ok);
	CHECK_INT(it.result.http_status, 400);
	CHECK_CONTAINS(it.result.error, "Invalid max_tokens");
	sl_batch_item_clear(&it);
	CHECK_INT(line(&sl_openai_batch_ops, &oc,
		       "{\"id\":\"b3\",\"custom_id\":\"m0-p0-c9-s0\",\"response\":null,\"error\":{"
		       "\"code\":\"batch_expired\",\"message\":\"This request could not be executed "
		       "before the completion window expired.\"}}", &it), 0);
	CHECK(!it.ok);
	CHECK_STR(it.result.error_type, "batch_expired");
	sl_batch_item_clear(&it);
	CHECK_INT(line(&sl_openai_batch_ops, &oc, "{\"custom_id\":\"m0-p0-c1", &it), -1);
	CHECK_INT(line(&sl_openai_batch_ops, &oc, "[1,2]", &it), -1);
	CHECK_INT(line(&sl_openai_batch_ops, &oc, "{\"custom_id\":\"x\"}", &it), -1);
	sl_batch_item_clear(&it);
}

static void test_anthropic_lines(void)
{
	struct sl_provider_conf ac = conf_of(&sl_anthropic_ops);
	struct sl_batch_item it;
	CHECK_INT(line(&sl_anthropic_batch_ops, &ac,
		       "{\"custom_id\":\"m1-p0-c2-s0\",\"result\":{\"type\":\"succeeded\",\"message\":"
		       "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":"
		       "\"claude-x\",\"content\":[{\"type\":\"text\",\"text\":\"Rome\"}],"
		       "\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":9,"
		       "\"output_tokens\":2}}}}", &it), 0);
	CHECK(it.ok);
	CHECK_STR(it.result.text, "Rome");
	CHECK_INT(it.result.tokens_out, 2);
	sl_batch_item_clear(&it);
	CHECK_INT(line(&sl_anthropic_batch_ops, &ac,
		       "{\"custom_id\":\"m1-p0-c3-s0\",\"result\":{\"type\":\"errored\",\"error\":{"
		       "\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":"
		       "\"max_tokens: too large\"}}}}", &it), 0);
	CHECK(!it.ok);
	CHECK_STR(it.result.error_type, "invalid_request_error");
	CHECK_CONTAINS(it.result.error, "max_tokens: too large");
	sl_batch_item_clear(&it);
	CHECK_INT(line(&sl_anthropic_batch_ops, &ac,
		       "{\"custom_id\":\"m1-p0-c4-s0\",\"result\":{\"type\":\"expired\"}}", &it), 0);
	CHECK(!it.ok);
	CHECK_CONTAINS(it.result.error, "expired");
	sl_batch_item_clear(&it);
	CHECK_INT(line(&sl_anthropic_batch_ops, &ac, "{\"custom_id\":\"m1\",\"result\":{}}", &it),
		  -1);
	sl_batch_item_clear(&it);
}

static void test_anthropic_results_origin(void)
{
	/* the key goes to results_url: only on the configured endpoint */
	struct sl_provider_conf ac = conf_of(&sl_anthropic_ops);
	struct sl_batch b = { .ops = &sl_anthropic_batch_ops, .conf = &ac,
			      .base_url = "http://127.0.0.1:1" };
	const char *evil = "{\"id\":\"msgbatch_1\",\"processing_status\":\"ended\",\"results_url\":"
			   "\"http://127.0.0.1:2/v1/messages/batches/msgbatch_1/results\"}";
	struct sl_error err = { 0 };
	CHECK_INT(sl_anthropic_batch_ops.poll_done(&b, evil, strlen(evil), &err), -1);
	CHECK_CONTAINS(err.msg, "not sending the key");
	sl_batch_clear(&b);
	const char *ok = "{\"id\":\"msgbatch_1\",\"processing_status\":\"ended\",\"results_url\":"
			 "\"http://127.0.0.1:1/v1/messages/batches/msgbatch_1/results\","
			 "\"request_counts\":{\"succeeded\":3,\"errored\":0,\"expired\":1,"
			 "\"canceled\":0,\"processing\":0}}";
	CHECK_INT(sl_anthropic_batch_ops.poll_done(&b, ok, strlen(ok), &err), 0);
	CHECK(b.api_ended);
	CHECK_INT(b.state, SL_BATCH_EXPIRED);
	CHECK_CONTAINS(b.output_ref, "/results");
	sl_batch_clear(&b);
}

TEST_MAIN_BEGIN
	RUN_TEST(test_table);
	RUN_TEST(test_custom_id);
	RUN_TEST(test_records);
	RUN_TEST(test_openai_lines);
	RUN_TEST(test_anthropic_lines);
	RUN_TEST(test_anthropic_results_origin);
TEST_MAIN_END

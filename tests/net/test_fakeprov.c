/* fakeprov itself, seen from a plain HTTP client: each protocol's shape, auth, every fault,
 * the scripted timing, and 300 concurrent streams. The engine's own tests build on this. */
#include "test.h"

#include <time.h>

#include <curl/curl.h>

#include "fakeprov_client.h"
#include "shortlist/eventstream.h"

static struct fakeprov *fp;

struct raw {
	long status;
	int curl_code;
	struct sl_buf body;
	struct sl_buf headers;
	double chunk_ms[4096]; /* arrival time of each write callback, ms after start */
	size_t chunk_len[4096];
	size_t n_chunks;
	int64_t t0;
};

static size_t raw_write(char *p, size_t size, size_t n, void *ud)
{
	struct raw *r = ud;
	if (r->n_chunks < 4096) {
		r->chunk_ms[r->n_chunks] = (double)(sl_now_ns() - r->t0) / 1e6;
		r->chunk_len[r->n_chunks++] = size * n;
	}
	sl_buf_append(&r->body, p, size * n);
	return size * n;
}

static size_t raw_header(char *p, size_t size, size_t n, void *ud)
{
	sl_buf_append(&((struct raw *)ud)->headers, p, size * n);
	return size * n;
}

static CURL *raw_easy(const char *path, const char *const *headers, const char *body,
		      struct raw *r, struct curl_slist **hl)
{
	memset(r, 0, sizeof *r);
	sl_buf_init(&r->body);
	sl_buf_init(&r->headers);
	CURL *c = curl_easy_init();
	char *url = sl_xasprintf("%s%s", fp->base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	free(url);
	*hl = NULL;
	for (const char *const *h = headers; h && *h; h++)
		*hl = curl_slist_append(*hl, *h);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, *hl);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, raw_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, raw_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	return c;
}

static void raw_call(const char *path, const char *const *headers, const char *body,
		     struct raw *r)
{
	struct curl_slist *hl;
	CURL *c = raw_easy(path, headers, body, r, &hl);
	r->t0 = sl_now_ns();
	r->curl_code = (int)curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	sl_buf_putc(&r->body, '\0');
	r->body.len--;
	sl_buf_putc(&r->headers, '\0');
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
}

static void raw_free(struct raw *r)
{
	sl_buf_free(&r->body);
	sl_buf_free(&r->headers);
}

static const char *const OPENAI_H[] = { "Authorization: Bearer sk-fake",
					"Content-Type: application/json", NULL };
static const char *const ANTH_H[] = { "x-api-key: sk-ant-fake", "anthropic-version: 2023-06-01",
				      "Content-Type: application/json", NULL };
static const char *const BEDROCK_H[] = { "Authorization: Bearer fake-bedrock-api-key",
					 "Content-Type: application/json", NULL };

static char *chat_body(const char *model, bool stream, bool usage)
{
	return sl_xasprintf("{\"model\":\"%s\",\"stream\":%s%s,\"max_tokens\":50,"
			    "\"messages\":[{\"role\":\"user\",\"content\":\"Say hello please\"}]}",
			    model, stream ? "true" : "false",
			    usage ? ",\"stream_options\":{\"include_usage\":true}" : "");
}

/* The JSON payloads of "data:" lines, in order ([DONE] kept as a string). */
static int sse_data(const char *body, cJSON **out, int max, char events[][32])
{
	int n = 0;
	const char *p = body;
	char ev[32] = "";
	while (*p && n < max) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len > 7 && strncmp(p, "event: ", 7) == 0)
			snprintf(ev, sizeof ev, "%.*s", (int)(len - 7), p + 7);
		if (len > 6 && strncmp(p, "data: ", 6) == 0) {
			char *d = sl_xstrndup(p + 6, len - 6);
			out[n] = strcmp(d, "[DONE]") == 0 ? cJSON_CreateString("[DONE]") : cJSON_Parse(d);
			if (events)
				snprintf(events[n], 32, "%s", ev);
			n++;
			free(d);
		}
		p += len + (e ? 1 : 0);
	}
	return n;
}

static void free_all(cJSON **j, int n)
{
	for (int i = 0; i < n; i++)
		cJSON_Delete(j[i]);
}

static const cJSON *path_get(const cJSON *j, const char *a, const char *b)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(j, a);
	return b ? cJSON_GetObjectItemCaseSensitive(x, b) : x;
}

static const cJSON *delta0(const cJSON *chunk)
{
	return cJSON_GetObjectItemCaseSensitive(
		cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(chunk, "choices"), 0), "delta");
}

static void test_openai_stream_shape(void)
{
	struct raw r;
	char *b = chat_body("gpt-4o-mini", true, true);
	raw_call("/v1/chat/completions", OPENAI_H, b, &r);
	free(b);
	CHECK_INT(r.status, 200);
	CHECK_CONTAINS(r.headers.data, "text/event-stream");
	cJSON *ev[64];
	int n = sse_data(r.body.data, ev, 64, NULL);
	CHECK_INT(n, 3 + 1 + 1 + 1 + 1); /* role, 3 words, finish, usage, [DONE] */
	if (n == 7) {
		CHECK_STR(path_get(delta0(ev[0]), "role", NULL)->valuestring, "assistant");
		CHECK_STR(path_get(delta0(ev[0]), "content", NULL)->valuestring, "");
		CHECK(cJSON_IsNull(path_get(ev[0], "usage", NULL)));
		CHECK_STR(path_get(delta0(ev[1]), "content", NULL)->valuestring, "Hello");
		CHECK_STR(path_get(delta0(ev[3]), "content", NULL)->valuestring, " fakeprov.");
		CHECK_STR(cJSON_GetArrayItem(path_get(ev[4], "choices", NULL), 0)
				  ->child->next->next->next->valuestring, "stop");
		CHECK_INT(cJSON_GetArraySize(path_get(ev[5], "choices", NULL)), 0);
		CHECK_INT(path_get(ev[5], "usage", "completion_tokens")->valueint, 3);
		CHECK_STR(ev[6]->valuestring, "[DONE]");
	}
	free_all(ev, n);
	raw_free(&r);

	/* Without stream_options there is no usage field at all. */
	b = chat_body("gpt-4o-mini", true, false);
	raw_call("/v1/chat/completions", OPENAI_H, b, &r);
	free(b);
	CHECK(!strstr(r.body.data, "\"usage\""));
	CHECK_CONTAINS(r.body.data, "data: [DONE]\n\n");
	raw_free(&r);

	/* Non-streaming, and auth. */
	b = chat_body("gpt-4o-mini", false, false);
	raw_call("/v1/chat/completions", OPENAI_H, b, &r);
	CHECK_CONTAINS(r.body.data, "\"object\":\"chat.completion\"");
	CHECK_CONTAINS(r.body.data, "\"content\":\"Hello from fakeprov.\"");
	raw_free(&r);
	const char *const bad[] = { "Authorization: Bearer sk-wrong", NULL };
	raw_call("/v1/chat/completions", bad, b, &r);
	CHECK_INT(r.status, 401);
	CHECK_CONTAINS(r.body.data, "\"code\":\"invalid_api_key\"");
	raw_free(&r);
	raw_call("/v1/chat/completions", OPENAI_H, "{not json", &r);
	CHECK_INT(r.status, 400);
	CHECK_CONTAINS(r.body.data, "\"type\":\"invalid_request_error\"");
	raw_free(&r);
	free(b);
}

static void test_llamacpp_variant(void)
{
	struct raw r;
	char *b = chat_body("qwen", true, true);
	raw_call("/llamacpp/v1/chat/completions", NULL, b, &r);
	free(b);
	CHECK_INT(r.status, 200);
	cJSON *ev[64];
	int n = sse_data(r.body.data, ev, 64, NULL);
	CHECK_INT(n, 3 + 1 + 1); /* 3 words, finish with usage + timings, [DONE] */
	if (n == 5) {
		CHECK(path_get(delta0(ev[0]), "role", NULL) == NULL);
		CHECK_STR(path_get(delta0(ev[0]), "content", NULL)->valuestring, "Hello");
		CHECK_INT(path_get(ev[3], "usage", "completion_tokens")->valueint, 3);
		CHECK(cJSON_IsNumber(path_get(ev[3], "timings", "predicted_per_second")));
		CHECK(cJSON_IsNumber(path_get(ev[3], "timings", "prompt_ms")));
	}
	free_all(ev, n);
	raw_free(&r);
	raw_call("/llamacpp/v1/chat/completions", NULL, "{\"model\":", &r);
	CHECK_INT(r.status, 500);
	CHECK_CONTAINS(r.body.data, "\"code\":500");
	raw_free(&r);
	raw_call("/llamacpp/v1/chat/completions", NULL, "{\"model\":\"q\"}", &r);
	CHECK_INT(r.status, 500);
	raw_free(&r);
}

static void test_anthropic_shape(void)
{
	CHECK_INT(fakeprov_set_script(fp, "{\"models\":{\"claude-x\":{\"text\":\"a b c d\","
					  "\"tokens\":9}}}"), 0);
	struct raw r;
	char *b = chat_body("claude-x", true, false);
	raw_call("/v1/messages", ANTH_H, b, &r);
	CHECK_INT(r.status, 200);
	cJSON *ev[64];
	char names[64][32];
	int n = sse_data(r.body.data, ev, 64, names);
	static const char *want[] = { "message_start", "content_block_start", "ping",
				      "content_block_delta", "ping", "content_block_delta",
				      "content_block_delta", "content_block_delta",
				      "content_block_stop", "message_delta", "message_stop" };
	CHECK_INT(n, (int)SL_ARRAY_LEN(want));
	for (int i = 0; i < n && i < (int)SL_ARRAY_LEN(want); i++) {
		CHECK_STR(names[i], want[i]);
		CHECK_STR(path_get(ev[i], "type", NULL)->valuestring, want[i]);
	}
	if (n == (int)SL_ARRAY_LEN(want)) {
		CHECK_INT(path_get(path_get(ev[0], "message", "usage"), "output_tokens", NULL)
				  ->valueint, 1);
		CHECK_INT(path_get(ev[9], "usage", "output_tokens")->valueint, 9);
		CHECK_STR(path_get(ev[9], "delta", "stop_reason")->valuestring, "end_turn");
	}
	free_all(ev, n);
	raw_free(&r);

	const char *const nover[] = { "x-api-key: sk-ant-fake", NULL };
	raw_call("/v1/messages", nover, b, &r);
	CHECK_INT(r.status, 400);
	CHECK_CONTAINS(r.body.data, "anthropic-version");
	raw_free(&r);
	const char *const badver[] = { "x-api-key: sk-ant-fake", "anthropic-version: 2024-10-22",
				       NULL };
	raw_call("/v1/messages", badver, b, &r);
	CHECK_INT(r.status, 400);
	CHECK_CONTAINS(r.body.data, "anthropic-version: \\\"2024-10-22\\\" is not a valid version");
	raw_free(&r);
	const char *const badkey[] = { "x-api-key: nope", "anthropic-version: 2023-06-01", NULL };
	raw_call("/v1/messages", badkey, b, &r);
	CHECK_INT(r.status, 401);
	CHECK_CONTAINS(r.body.data, "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\"");
	raw_free(&r);
	free(b);

	CHECK_INT(fakeprov_set_script(fp, "{\"models\":{\"busy\":{\"fault\":\"status\","
					  "\"status\":529}}}"), 0);
	b = chat_body("busy", true, false);
	raw_call("/v1/messages", ANTH_H, b, &r);
	CHECK_INT(r.status, 529);
	CHECK_CONTAINS(r.body.data, "\"type\":\"overloaded_error\"");
	CHECK_CONTAINS(r.headers.data, "request-id: req_fakeprov");
	raw_free(&r);
	free(b);
}

struct frames {
	int n;
	char type[32][32];
	char mtype[32][16];
	struct sl_buf text;
	int out_tokens;
};

static int on_frame(void *ud, const struct sl_es_message *m)
{
	struct frames *f = ud;
	if (f->n < 32) {
		sl_es_message_header_str(m, ":message-type", f->mtype[f->n], 16);
		if (strcmp(f->mtype[f->n], "exception") == 0)
			sl_es_message_header_str(m, ":exception-type", f->type[f->n], 32);
		else
			sl_es_message_header_str(m, ":event-type", f->type[f->n], 32);
	}
	cJSON *j = cJSON_ParseWithLength((const char *)m->payload, m->payload_len);
	const cJSON *t = path_get(path_get(j, "delta", NULL), "text", NULL);
	if (cJSON_IsString(t))
		sl_buf_puts(&f->text, t->valuestring);
	const cJSON *u = path_get(j, "usage", "outputTokens");
	if (cJSON_IsNumber(u))
		f->out_tokens = u->valueint;
	CHECK(j != NULL);
	cJSON_Delete(j);
	f->n++;
	return 0;
}

static int decode_frames(const struct raw *r, struct frames *f, struct sl_error *err)
{
	memset(f, 0, sizeof *f);
	sl_buf_init(&f->text);
	struct sl_es_decoder d;
	sl_es_decoder_init(&d);
	int rc = sl_es_decoder_feed(&d, r->body.data, r->body.len, on_frame, f, err);
	if (rc == 0 && sl_es_decoder_pending(&d))
		rc = -2;
	sl_es_decoder_free(&d);
	sl_buf_putc(&f->text, '\0');
	return rc;
}

static void test_bedrock_stream_and_errors(void)
{
	CHECK_INT(fakeprov_set_script(fp,
		"{\"models\":{\"amazon.nova-pro-v1:0\":{\"text\":\"one two three\",\"tokens\":5},"
		"\"crc\":{\"fault\":\"bad_crc\",\"after_chunks\":1},"
		"\"exc\":{\"fault\":\"error_event\",\"after_chunks\":2,"
		"\"error_type\":\"throttlingException\"}}}"), 0);
	const char *body = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}";
	struct raw r;
	raw_call("/model/amazon.nova-pro-v1%3A0/converse-stream", BEDROCK_H, body, &r);
	CHECK_INT(r.status, 200);
	CHECK_CONTAINS(r.headers.data, "application/vnd.amazon.eventstream");
	struct frames f;
	struct sl_error err = { 0 };
	CHECK_INT(decode_frames(&r, &f, &err), 0);
	static const char *want[] = { "messageStart", "contentBlockDelta", "contentBlockDelta",
				      "contentBlockDelta", "contentBlockStop", "messageStop",
				      "metadata" };
	CHECK_INT(f.n, 7);
	for (int i = 0; i < f.n && i < 7; i++)
		CHECK_STR(f.type[i], want[i]);
	CHECK_STR(f.text.data, "one two three");
	CHECK_INT(f.out_tokens, 5);
	sl_buf_free(&f.text);
	raw_free(&r);

	raw_call("/model/crc/converse-stream", BEDROCK_H, body, &r);
	CHECK_INT(decode_frames(&r, &f, &err), -1);
	CHECK_CONTAINS(err.msg, "message 3: message CRC mismatch");
	CHECK_INT(f.n, 2);
	sl_buf_free(&f.text);
	raw_free(&r);

	raw_call("/model/exc/converse-stream", BEDROCK_H, body, &r);
	CHECK_INT(decode_frames(&r, &f, &err), 0);
	CHECK_INT(f.n, 4);
	if (f.n == 4) {
		CHECK_STR(f.mtype[3], "exception");
		CHECK_STR(f.type[3], "throttlingException");
	}
	sl_buf_free(&f.text);
	raw_free(&r);

	/* Converse (non-streaming) and the error shapes. */
	raw_call("/model/amazon.nova-pro-v1%3A0/converse", BEDROCK_H, body, &r);
	CHECK_INT(r.status, 200);
	CHECK_CONTAINS(r.body.data, "\"output\":{\"message\":{\"content\":[{\"text\":\"one two three\"}]");
	CHECK_CONTAINS(r.body.data, "\"usage\":{\"inputTokens\":");
	raw_free(&r);
	const char *const wrong[] = { "Authorization: Bearer wrong", NULL };
	raw_call("/model/amazon.nova-pro-v1%3A0/converse", wrong, body, &r);
	CHECK_INT(r.status, 403);
	CHECK_CONTAINS(r.headers.data, "x-amzn-ErrorType: UnrecognizedClientException:");
	raw_free(&r);
	raw_call("/model/amazon.nova-pro-v1%3A0/converse", NULL, body, &r);
	CHECK_INT(r.status, 403);
	CHECK_CONTAINS(r.body.data, "{\"message\":\"Missing Authentication Token\"}");
	raw_free(&r);
	raw_call("/model/amazon.nova-pro-v1%3A0/converse", BEDROCK_H, "{}", &r);
	CHECK_INT(r.status, 400);
	CHECK_CONTAINS(r.headers.data, "x-amzn-ErrorType: ValidationException:");
	raw_free(&r);
	/* Titan embeddings through InvokeModel. */
	raw_call("/model/amazon.titan-embed-text-v2%3A0/invoke", BEDROCK_H,
		 "{\"inputText\":\"hello\",\"dimensions\":8}", &r);
	CHECK_INT(r.status, 200);
	cJSON *j = cJSON_Parse(r.body.data);
	CHECK_INT(cJSON_GetArraySize(path_get(j, "embedding", NULL)), 8);
	CHECK(cJSON_IsNumber(path_get(j, "inputTextTokenCount", NULL)));
	cJSON_Delete(j);
	raw_free(&r);
	/* Cohere embeddings through InvokeModel: texts + input_type. */
	raw_call("/model/cohere.embed-english-v3/invoke", BEDROCK_H,
		 "{\"texts\":[\"a\",\"b c\"],\"input_type\":\"search_document\"}", &r);
	CHECK_INT(r.status, 200);
	j = cJSON_Parse(r.body.data);
	CHECK_INT(cJSON_GetArraySize(path_get(j, "embeddings", NULL)), 2);
	CHECK_STR(path_get(j, "response_type", NULL)->valuestring, "embeddings_floats");
	cJSON_Delete(j);
	raw_free(&r);
	raw_call("/model/cohere.embed-english-v3/invoke", BEDROCK_H, "{\"texts\":[\"a\"]}", &r);
	CHECK_INT(r.status, 400);
	CHECK_CONTAINS(r.body.data, "input_type");
	raw_free(&r);
}

static void test_ollama_shape(void)
{
	CHECK_INT(fakeprov_set_script(fp, "{\"models\":{\"llama3.2:latest\":{\"tokens\":4},"
					  "\"gone\":{\"exists\":false}}}"), 0);
	struct raw r;
	raw_call("/api/chat", NULL, "{\"model\":\"llama3.2:latest\",\"messages\":[{\"role\":"
		 "\"user\",\"content\":\"hi\"}]}", &r);
	CHECK_INT(r.status, 200);
	CHECK_CONTAINS(r.headers.data, "application/x-ndjson");
	int lines = 0, done = 0;
	for (char *save = NULL, *l = strtok_r(r.body.data, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		cJSON *j = cJSON_Parse(l);
		CHECK(j != NULL);
		lines++;
		if (cJSON_IsTrue(path_get(j, "done", NULL))) {
			done++;
			CHECK_INT(path_get(j, "eval_count", NULL)->valueint, 4);
			CHECK(cJSON_IsNumber(path_get(j, "eval_duration", NULL)));
			CHECK(cJSON_IsNumber(path_get(j, "prompt_eval_count", NULL)));
		}
		cJSON_Delete(j);
	}
	CHECK_INT(lines, 5);
	CHECK_INT(done, 1);
	raw_free(&r);
	raw_call("/api/chat", NULL, "{\"model\":\"gone\",\"messages\":[]}", &r);
	CHECK_INT(r.status, 404);
	CHECK_STR(r.body.data, "{\"error\":\"model \\\"gone\\\" not found, try pulling it first\"}");
	raw_free(&r);
	raw_call("/api/tags", NULL, NULL, &r);
	CHECK_CONTAINS(r.body.data, "\"name\":\"llama3.2:latest\"");
	CHECK(!strstr(r.body.data, "\"gone\""));
	raw_free(&r);
	raw_call("/api/embed", NULL, "{\"model\":\"all-minilm\",\"input\":[\"a\",\"b\"]}", &r);
	cJSON *j = cJSON_Parse(r.body.data);
	CHECK_INT(cJSON_GetArraySize(path_get(j, "embeddings", NULL)), 2);
	cJSON_Delete(j);
	raw_free(&r);
	raw_call("/v1/embeddings", OPENAI_H, "{\"model\":\"e\",\"input\":\"the cat sat\","
		 "\"encoding_format\":\"base64\",\"dimensions\":4}", &r);
	CHECK_CONTAINS(r.body.data, "\"embedding\":\""); /* 16 bytes -> 24 base64 chars */
	raw_free(&r);
}

/* Reasoning before the answer: each protocol's own shape. */
static void test_reasoning_shapes(void)
{
	CHECK_INT(fakeprov_set_script(fp, "{\"default\":{\"reasoning\":\"hmm ok\","
					  "\"text\":\"yes\"}}"), 0);
	struct raw r;
	char *b = chat_body("t", true, false);
	raw_call("/v1/messages", ANTH_H, b, &r);
	cJSON *ev[64];
	char names[64][32];
	int n = sse_data(r.body.data, ev, 64, names);
	static const char *want[] = { "message_start", "content_block_start", "ping",
				      "content_block_delta", "ping", "content_block_delta",
				      "content_block_delta", "content_block_stop",
				      "content_block_start", "content_block_delta",
				      "content_block_stop", "message_delta", "message_stop" };
	CHECK_INT(n, (int)SL_ARRAY_LEN(want));
	for (int i = 0; i < n && i < (int)SL_ARRAY_LEN(want); i++)
		CHECK_STR(names[i], want[i]);
	if (n == (int)SL_ARRAY_LEN(want)) {
		CHECK_STR(path_get(ev[1], "content_block", "type")->valuestring, "thinking");
		CHECK_STR(path_get(ev[3], "delta", "type")->valuestring, "thinking_delta");
		CHECK_STR(path_get(ev[3], "delta", "thinking")->valuestring, "hmm");
		CHECK_STR(path_get(ev[6], "delta", "type")->valuestring, "signature_delta");
		CHECK_INT(path_get(ev[8], "index", NULL)->valueint, 1);
		CHECK_STR(path_get(ev[9], "delta", "text")->valuestring, "yes");
		CHECK_INT(path_get(ev[10], "index", NULL)->valueint, 1);
	}
	free_all(ev, n);
	raw_free(&r);
	raw_call("/v1/chat/completions", OPENAI_H, b, &r);
	CHECK_CONTAINS(r.body.data, "\"delta\":{\"reasoning_content\":\"hmm\"}");
	CHECK_CONTAINS(r.body.data, "\"delta\":{\"content\":\"yes\"}");
	raw_free(&r);
	raw_call("/api/chat", NULL, b, &r);
	CHECK_CONTAINS(r.body.data, "\"content\":\"\",\"thinking\":\"hmm\"");
	raw_free(&r);
	free(b);
	raw_call("/model/m/converse-stream", BEDROCK_H, "{\"messages\":[]}", &r);
	struct frames f;
	struct sl_error err = { 0 };
	CHECK_INT(decode_frames(&r, &f, &err), 0);
	static const char *bw[] = { "messageStart", "contentBlockDelta", "contentBlockDelta",
				    "contentBlockDelta", "contentBlockStop", "contentBlockDelta",
				    "contentBlockStop", "messageStop", "metadata" };
	CHECK_INT(f.n, (int)SL_ARRAY_LEN(bw));
	for (int i = 0; i < f.n && i < (int)SL_ARRAY_LEN(bw); i++)
		CHECK_STR(f.type[i], bw[i]);
	CHECK_STR(f.text.data, "yes");
	sl_buf_free(&f.text);
	raw_free(&r);
	raw_call("/model/m/converse", BEDROCK_H, "{\"messages\":[]}", &r);
	CHECK_CONTAINS(r.body.data, "{\"reasoningContent\":{\"reasoningText\":{\"text\":\"hmm ok\",");
	raw_free(&r);
	CHECK_INT(fakeprov_set_script(fp, "{}"), 0);
}

static void test_faults(void)
{
	CHECK_INT(fakeprov_set_script(fp, "{\"models\":{"
		"\"limited\":{\"sequence\":[{\"fault\":\"status\",\"status\":429,\"retry_after\":2},"
		"{\"fault\":\"status\",\"status\":503}]},"
		"\"reset\":{\"fault\":\"reset\",\"after_chunks\":2,\"token_ms\":5},"
		"\"trunc\":{\"fault\":\"truncate\",\"after_chunks\":1},"
		"\"stall\":{\"fault\":\"stall\",\"after_chunks\":1,\"stall_ms\":150},"
		"\"bad\":{\"fault\":\"malformed_json\",\"after_chunks\":0},"
		"\"slow\":{\"fault\":\"trickle\",\"trickle_ms\":0.2,\"trickle_bytes\":7},"
		"\"midway\":{\"fault\":\"error_event\",\"after_chunks\":1}}}"), 0);
	struct raw r;
	char *b = chat_body("limited", true, true);
	raw_call("/v1/chat/completions", OPENAI_H, b, &r);
	CHECK_INT(r.status, 429);
	CHECK_CONTAINS(r.headers.data, "retry-after: 2");
	CHECK_CONTAINS(r.body.data, "\"code\":\"rate_limit_exceeded\"");
	raw_free(&r);
	raw_call("/v1/chat/completions", OPENAI_H, b, &r);
	CHECK_INT(r.status, 503);
	raw_free(&r);
	raw_call("/v1/chat/completions", OPENAI_H, b, &r); /* sequence exhausted: normal */
	CHECK_INT(r.status, 200);
	raw_free(&r);
	free(b);

	b = chat_body("reset", true, false);
	raw_call("/v1/chat/completions", OPENAI_H, b, &r);
	CHECK_INT(r.curl_code, CURLE_RECV_ERROR); /* a real RST: "Connection reset by peer" */
	CHECK_CONTAINS(r.body.data, " from"); /* chunks 0 and 1 arrived */
	CHECK(!strstr(r.body.data, "fakeprov."));
	raw_free(&r);
	free(b);

	b = chat_body("trunc", true, false);
	raw_call("/v1/chat/completions", OPENAI_H, b, &r);
	CHECK_INT(r.curl_code, CURLE_OK);
	CHECK_CONTAINS(r.body.data, "\"content\":\"Hello\"");
	CHECK(!strstr(r.body.data, "[DONE]"));
	raw_free(&r);
	/* Non-streaming truncation: Content-Length promises more than arrives. */
	free(b);
	b = chat_body("trunc", false, false);
	raw_call("/v1/chat/completions", OPENAI_H, b, &r);
	CHECK(r.curl_code == CURLE_PARTIAL_FILE || r.curl_code == CURLE_RECV_ERROR);
	raw_free(&r);
	free(b);

	b = chat_body("stall", true, false);
	raw_call("/v1/chat/completions", OPENAI_H, b, &r);
	/* Chunk 0 at once, chunks 1 and 2 after the 150 ms stall, never sooner (the client
	 * measures from before it sent, so it sees at least what the server logged). */
	struct fakeprov_times t;
	CHECK_INT(fakeprov_times(fp, "/v1/chat/completions", &t), 0);
	CHECK_NEAR(t.due_first_ms, 0, 0.001);
	CHECK_NEAR(t.due_last_ms, 150, 0.001);
	CHECK(t.n_sent == 3 && t.last_ms >= t.due_last_ms);
	CHECK(r.n_chunks > 0 && r.chunk_ms[r.n_chunks - 1] >= t.last_ms);
	CHECK_CONTAINS(r.body.data, "[DONE]");
	raw_free(&r);
	free(b);

	b = chat_body("bad", true, false);
	raw_call("/v1/chat/completions", OPENAI_H, b, &r);
	cJSON *ev[32];
	int n = sse_data(r.body.data, ev, 32, NULL);
	CHECK(n >= 2 && ev[1] == NULL); /* the first content chunk is not JSON */
	free_all(ev, n);
	raw_free(&r);
	free(b);

	b = chat_body("slow", true, true);
	raw_call("/v1/chat/completions", OPENAI_H, b, &r);
	CHECK_INT(r.curl_code, CURLE_OK);
	CHECK(r.n_chunks >= r.body.len / 7 / 2); /* many small pieces */
	for (size_t i = 0; i < r.n_chunks; i++)
		CHECK(r.chunk_len[i] <= 7);
	CHECK_CONTAINS(r.body.data, "[DONE]");
	raw_free(&r);
	free(b);

	b = chat_body("midway", true, false);
	raw_call("/v1/chat/completions", OPENAI_H, b, &r);
	CHECK_CONTAINS(r.body.data, "data: {\"error\":{\"message\":");
	CHECK(!strstr(r.body.data, "[DONE]"));
	raw_free(&r);
	free(b);
}

static bool has(const char *p, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(p + i, needle, k) == 0)
			return true;
	return false;
}

static void test_scripted_timing(void)
{
	CHECK_INT(fakeprov_set_script(fp, "{\"models\":{\"timed\":{\"ttft_ms\":120,\"token_ms\":20,"
					  "\"text\":\"a b c d e\"}}}"), 0);
	struct raw r;
	char *b = chat_body("timed", true, false);
	raw_call("/v1/chat/completions", OPENAI_H, b, &r);
	free(b);
	/* Find the arrival of the first and last content chunks. */
	double first = -1, last = -1;
	size_t off = 0;
	for (size_t i = 0; i < r.n_chunks; i++) {
		if (has(r.body.data + off, r.chunk_len[i], "\"content\":\"a\""))
			first = r.chunk_ms[i];
		if (has(r.body.data + off, r.chunk_len[i], "\"content\":\" e\""))
			last = r.chunk_ms[i];
		off += r.chunk_len[i];
	}
	fprintf(stderr, "raw client: first content at %.1f ms (scripted 120), last at %.1f ms "
		"(scripted 200)\n", first, last);
	/* Never sooner than scripted, as logged; the client sees each no sooner than the
	 * server handed it out. (How close to the script: bench_engine.) */
	struct fakeprov_times t;
	CHECK_INT(fakeprov_times(fp, "/v1/chat/completions", &t), 0);
	CHECK_NEAR(t.due_first_ms, 120, 0.001);
	CHECK_NEAR(t.due_last_ms, 200, 0.001);
	CHECK(t.n_sent == 5 && t.first_ms >= 120 && t.last_ms >= 200);
	CHECK(first >= t.first_ms && last >= t.last_ms);
	/* The role prelude is due at once, and goes out before the first content. */
	cJSON *log = fakeprov_log(fp);
	cJSON *reqs = cJSON_GetObjectItemCaseSensitive(log, "requests");
	cJSON *ev0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetArrayItem(reqs, cJSON_GetArraySize(reqs) - 1), "events"), 0);
	CHECK_INT(cJSON_GetObjectItemCaseSensitive(ev0, "content")->valueint, -1);
	CHECK_NEAR(cJSON_GetObjectItemCaseSensitive(ev0, "due_ms")->valuedouble, 0, 0.001);
	CHECK(cJSON_GetObjectItemCaseSensitive(ev0, "sent_ms")->valuedouble <= t.first_ms);
	cJSON_Delete(log);
	CHECK(r.n_chunks > 0 && r.chunk_ms[0] <= first);
	raw_free(&r);
}

/* An answer without delays goes out in one write (not one per chunk: the server's and the
 * client's syscalls per cell at -j 64); with token_ms, one write per content chunk, the
 * pieces due at the same instant (prelude, usage, terminator) riding with a chunk. Counted
 * by the server against its schedule, so a loaded machine gives the same numbers. */
static void test_writes_per_answer(void)
{
	static const struct {
		const char *path, *const *headers;
		const char *body;
		int prelude; /* writes before the first content chunk when ttft_ms > 0 */
	} routes[] = {
		{ "/v1/chat/completions", OPENAI_H, "{\"model\":\"w\",\"stream\":true,"
		  "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\","
		  "\"content\":\"hi\"}]}", 1 },
		{ "/v1/messages", ANTH_H, "{\"model\":\"w\",\"stream\":true,\"max_tokens\":50,"
		  "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", 1 },
		{ "/model/w/converse-stream", BEDROCK_H, "{\"messages\":[{\"role\":\"user\","
		  "\"content\":[{\"text\":\"hi\"}]}]}", 1 },
		{ "/api/chat", NULL, "{\"model\":\"w\",\"messages\":[{\"role\":\"user\","
		  "\"content\":\"hi\"}]}", 0 },
	};
	static const struct {
		const char *script;
		int writes; /* plus the route's prelude when ttft > 0 */
		bool ttft;
	} cases[] = {
		{ "{\"models\":{\"w\":{\"tokens\":32}}}", 1, false },
		{ "{\"models\":{\"w\":{\"tokens\":32,\"token_ms\":2}}}", 32, false },
		{ "{\"models\":{\"w\":{\"tokens\":32,\"ttft_ms\":5,\"token_ms\":2}}}", 32, true },
	};
	for (size_t c = 0; c < SL_ARRAY_LEN(cases); c++) {
		CHECK_INT(fakeprov_set_script(fp, cases[c].script), 0);
		for (size_t i = 0; i < SL_ARRAY_LEN(routes); i++) {
			struct raw r;
			raw_call(routes[i].path, routes[i].headers, routes[i].body, &r);
			CHECK_INT(r.status, 200);
			CHECK(r.body.len > 0);
			struct fakeprov_times t;
			CHECK_INT(fakeprov_times(fp, routes[i].path, &t), 0);
			int want = cases[c].writes + (cases[c].ttft ? routes[i].prelude : 0);
			if (t.writes != want)
				fprintf(stderr, "%s, %s: %d writes\n", cases[c].script, routes[i].path,
					t.writes);
			CHECK_INT(t.writes, want);
			CHECK_INT(t.n_content, 32);
			CHECK_INT(t.n_sent, 32);
			raw_free(&r);
		}
	}
}

static void test_control_endpoints(void)
{
	struct fakeprov_http h;
	CHECK_INT(fakeprov_http(fp, "POST", "/_fake/script", NULL,
				"{\"models\":{\"m\":{\"ttf_ms\":5}}}", &h), 400);
	CHECK_CONTAINS(h.body, "models.\\\"m\\\": unknown key \\\"ttf_ms\\\"");
	fakeprov_http_free(&h);
	CHECK_INT(fakeprov_http(fp, "POST", "/_fake/script", NULL,
				"{\"models\":{\"m\":{\"fault\":\"explode\"}}}", &h), 400);
	CHECK_CONTAINS(h.body, "unknown fault");
	fakeprov_http_free(&h);
	CHECK_INT(fakeprov_reset(fp), 0);
	CHECK_INT(fakeprov_route_count(fp, "openai.chat"), 0);
	struct raw r;
	char *b = chat_body("x", false, false);
	raw_call("/v1/chat/completions", OPENAI_H, b, &r);
	raw_free(&r);
	raw_call("/v1/chat/completions", OPENAI_H, b, &r);
	raw_free(&r);
	free(b);
	CHECK_INT(fakeprov_route_count(fp, "openai.chat"), 2);
	CHECK_INT(fakeprov_route_count(fp, "anthropic.messages"), 0);
	cJSON *last = fakeprov_last(fp);
	CHECK_STR(path_get(last, "route", NULL)->valuestring, "openai.chat");
	CHECK_STR(path_get(last, "headers", "authorization")->valuestring, "Bearer sk-fake");
	cJSON_Delete(last);
}

/* The verifier, fed AWS's published SigV4 test-suite requests with their published
 * Authorization headers (credentials AKIDEXAMPLE, service "service"), accepts each and
 * rejects any tampering. */
static cJSON *verify(const char *method, const char *path, const char *query, const char *hdrs,
		     const char *body)
{
	char *req = sl_xasprintf("{\"method\":\"%s\",\"path\":\"%s\",\"query\":\"%s\","
				 "\"service\":\"service\",\"body\":\"%s\",\"headers\":{%s}}",
				 method, path, query, body, hdrs);
	struct fakeprov_http h;
	int st = fakeprov_http(fp, "POST", "/_fake/verify-sigv4", NULL, req, &h);
	CHECK_INT(st, 200);
	cJSON *j = cJSON_Parse(h.body);
	fakeprov_http_free(&h);
	free(req);
	return j;
}

#define SUITE_AUTH(signed_headers, sig)                                                     \
	"\"Authorization\":\"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/"     \
	"service/aws4_request, SignedHeaders=" signed_headers ", Signature=" sig "\""
#define SUITE_HOST "\"Host\":\"example.amazonaws.com\",\"X-Amz-Date\":\"20150830T123600Z\","

static void test_verifier_on_aws_test_suite(void)
{
	static const struct {
		const char *name, *method, *path, *query, *headers, *body;
	} ok[] = {
		{ "get-vanilla", "GET", "/", "", SUITE_HOST SUITE_AUTH("host;x-amz-date",
		  "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"), "" },
		{ "get-vanilla-query-order-key-case", "GET", "/", "Param2=value2&Param1=value1",
		  SUITE_HOST SUITE_AUTH("host;x-amz-date",
		  "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"), "" },
		{ "get-header-value-trim", "GET", "/", "", SUITE_HOST "\"My-Header1\":\" value1\","
		  "\"My-Header2\":\"\\\"a   b   c\\\"\"," SUITE_AUTH("host;my-header1;my-header2;x-amz-date",
		  "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"), "" },
		{ "get-utf8", "GET", "/\u1234", "", SUITE_HOST SUITE_AUTH("host;x-amz-date",
		  "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"), "" },
		{ "post-x-www-form-urlencoded", "POST", "/", "", SUITE_HOST
		  "\"Content-Type\":\"application/x-www-form-urlencoded\","
		  SUITE_AUTH("content-type;host;x-amz-date",
		  "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"), "Param1=value1" },
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(ok); i++) {
		test_current = ok[i].name;
		cJSON *j = verify(ok[i].method, ok[i].path, ok[i].query, ok[i].headers, ok[i].body);
		CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "ok")));
		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "ok"))) {
			char *p = cJSON_Print(j);
			fprintf(stderr, "%s\n", p);
			free(p);
		}
		cJSON_Delete(j);
	}
	test_current = "tampered suite requests";
	/* one hex digit of the signature */
	cJSON *j = verify("GET", "/", "", SUITE_HOST SUITE_AUTH("host;x-amz-date",
		"5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf30"), "");
	CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "ok")));
	CHECK_STR(cJSON_GetObjectItemCaseSensitive(j, "error_type")->valuestring,
		  "InvalidSignatureException");
	cJSON_Delete(j);
	/* the body */
	j = verify("POST", "/", "", SUITE_HOST "\"Content-Type\":\"application/x-www-form-urlencoded\","
		   SUITE_AUTH("content-type;host;x-amz-date",
		   "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"), "Param1=value2");
	CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "ok")));
	cJSON_Delete(j);
	/* the path, the query, a signed header's value */
	j = verify("GET", "/x", "", SUITE_HOST SUITE_AUTH("host;x-amz-date",
		   "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"), "");
	CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "ok")));
	cJSON_Delete(j);
	j = verify("GET", "/", "Param1=value1", SUITE_HOST SUITE_AUTH("host;x-amz-date",
		   "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"), "");
	CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "ok")));
	cJSON_Delete(j);
	j = verify("GET", "/", "", "\"Host\":\"example.amazonaws.com\",\"X-Amz-Date\":"
		   "\"20150830T123601Z\"," SUITE_AUTH("host;x-amz-date",
		   "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"), "");
	CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "ok")));
	cJSON_Delete(j);
	/* a header listed in SignedHeaders but absent */
	j = verify("GET", "/", "", SUITE_HOST SUITE_AUTH("host;my-header1;x-amz-date",
		   "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"), "");
	CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "ok")));
	CHECK_CONTAINS(cJSON_GetObjectItemCaseSensitive(j, "reason")->valuestring, "my-header1");
	cJSON_Delete(j);
}

static long stat_num(const char *a, const char *b)
{
	cJSON *s = fakeprov_stats(fp);
	const cJSON *v = path_get(s, a, b);
	long n = cJSON_IsNumber(v) ? (long)v->valuedouble : -1;
	cJSON_Delete(s);
	return n;
}

static void multi_done(CURLM *m, CURL *e, struct curl_slist *hl, struct raw *r)
{
	curl_multi_remove_handle(m, e);
	curl_easy_cleanup(e);
	curl_slist_free_all(hl);
	raw_free(r);
}

static void test_300_concurrent_streams(void)
{
	CHECK_INT(fakeprov_set_script(fp, "{\"models\":{\"wide\":{\"ttft_ms\":400,"
					  "\"token_ms\":10}}}"), 0);
	CHECK_INT(fakeprov_reset(fp), 0);
	enum { N = 300 };
	CURLM *m = curl_multi_init();
	curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, 0L);
	static struct raw rs[N];
	struct curl_slist *hls[N];
	CURL *es[N];
	char *b = chat_body("wide", true, true);
	int64_t t0 = sl_now_ns();
	for (int i = 0; i < N; i++) {
		es[i] = raw_easy("/v1/chat/completions", OPENAI_H, b, &rs[i], &hls[i]);
		rs[i].t0 = t0;
		curl_multi_add_handle(m, es[i]);
	}
	int running = 1;
	while (running) {
		curl_multi_perform(m, &running);
		if (running)
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	}
	double wall = (double)(sl_now_ns() - t0) / 1e6;
	int ok = 0;
	for (int i = 0; i < N; i++) {
		long st = 0;
		curl_easy_getinfo(es[i], CURLINFO_RESPONSE_CODE, &st);
		sl_buf_putc(&rs[i].body, '\0');
		if (st == 200 && strstr(rs[i].body.data, "[DONE]"))
			ok++;
		multi_done(m, es[i], hls[i], &rs[i]);
	}
	curl_multi_cleanup(m);
	free(b);
	long max_in_flight = stat_num("max_in_flight", NULL);
	fprintf(stderr, "%d concurrent streams: %d complete in %.0f ms, server max in flight %ld\n",
		N, ok, wall, max_in_flight);
	CHECK_INT(ok, N);
	CHECK(max_in_flight >= 256);
}

/* 64 streams waiting at once (shortlist's -j 64) hold no thread each: the server's threads
 * stay a constant few (main, its two event loops, the waiter), and when the clients hang up the
 * waiting connections are dropped at once, not after their 60 s. */
static void test_threads_bounded(void)
{
	CHECK_INT(fakeprov_set_script(fp, "{\"models\":{\"slow\":{\"ttft_ms\":60000}}}"), 0);
	CHECK_INT(fakeprov_reset(fp), 0);
	enum { N = 64 };
	CURLM *m = curl_multi_init();
	static struct raw rs[N];
	struct curl_slist *hls[N];
	CURL *es[N];
	char *b = chat_body("slow", true, true);
	for (int i = 0; i < N; i++) {
		es[i] = raw_easy("/v1/chat/completions", OPENAI_H, b, &rs[i], &hls[i]);
		curl_easy_setopt(es[i], CURLOPT_TIMEOUT, 0L);
		curl_multi_add_handle(m, es[i]);
	}
	int running = 1;
	long in_flight = 0;
	for (int tries = 0; tries < 2000 && in_flight < N; tries++) {
		curl_multi_perform(m, &running);
		curl_multi_poll(m, NULL, 0, 10, NULL);
		in_flight = stat_num("in_flight", NULL);
	}
	CHECK_INT(in_flight, N);
	long threads = stat_num("process", "threads");
	fprintf(stderr, "%d streams waiting: %ld server threads\n", N, threads);
	CHECK(threads >= 1 && threads <= 4);
	for (int i = 0; i < N; i++)
		multi_done(m, es[i], hls[i], &rs[i]);
	curl_multi_cleanup(m);
	free(b);
	for (int tries = 0; tries < 2000 && in_flight > 0; tries++) {
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
		in_flight = stat_num("in_flight", NULL);
	}
	CHECK_INT(in_flight, 0);
}

TEST_MAIN_BEGIN
	curl_global_init(CURL_GLOBAL_DEFAULT);
	fp = fakeprov_start(NULL);
	RUN_TEST(test_openai_stream_shape);
	RUN_TEST(test_llamacpp_variant);
	RUN_TEST(test_anthropic_shape);
	RUN_TEST(test_bedrock_stream_and_errors);
	RUN_TEST(test_ollama_shape);
	RUN_TEST(test_reasoning_shapes);
	RUN_TEST(test_faults);
	RUN_TEST(test_scripted_timing);
	RUN_TEST(test_writes_per_answer);
	RUN_TEST(test_control_endpoints);
	RUN_TEST(test_verifier_on_aws_test_suite);
	RUN_TEST(test_300_concurrent_streams);
	RUN_TEST(test_threads_bounded);
	fakeprov_stop(fp);
TEST_MAIN_END

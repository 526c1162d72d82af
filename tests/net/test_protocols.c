/* Each protocol's stream parser, fed captured-style streams split at every byte boundary:
 * the text, usage, finish reason and end detection must not depend on the split; role
 * preludes, pings and usage-only chunks must not count as content. */
#include "test.h"

#include <math.h>

#include "shortlist/eventstream.h"
#include "shortlist/provider.h"

struct outcome {
	char *text, *reasoning, *finish, *model, *error, *error_type;
	int64_t in, out, cached, reasoning_tokens;
	bool done, failed;
	enum sl_status fail_status;
	int content_events; /* arrivals that were clocked as content */
	double server_ms;
	size_t n_logprobs;
};

static void outcome_free(struct outcome *o)
{
	free(o->text);
	free(o->reasoning);
	free(o->finish);
	free(o->model);
	free(o->error);
	free(o->error_type);
}

static char *dup0(const char *s)
{
	return s ? sl_xstrdup(s) : NULL;
}

/* Feed stream in two parts (split), each part stamped with its own arrival time. */
static struct outcome run(const struct sl_provider_ops *ops, const char *data, size_t len,
			  size_t split)
{
	struct sl_stream s;
	sl_stream_init(&s);
	struct sl_call call = { 0 };
	ops->stream_begin(&s, &call);
	s.t0_ns = 1000;
	s.now_ns = 2000;
	ops->stream_feed(&s, data, split);
	s.now_ns = 3000;
	if (!s.failed)
		ops->stream_feed(&s, data + split, len - split);
	ops->stream_end(&s);
	struct outcome o = {
		.text = sl_xstrdup(s.text.data ? s.text.data : ""),
		.reasoning = sl_xstrdup(s.reasoning.data ? s.reasoning.data : ""),
		.finish = dup0(s.finish_reason), .model = dup0(s.model), .error = dup0(s.error),
		.error_type = dup0(s.error_type),
		.in = s.tokens_in, .out = s.tokens_out, .cached = s.tokens_cached,
		.reasoning_tokens = s.tokens_reasoning, .done = s.done, .failed = s.failed,
		.fail_status = s.fail_status, .content_events = s.first_content_ns ? 1 + (int)s.n_gaps : 0,
		.server_ms = s.server_ms, .n_logprobs = s.n_logprobs,
	};
	sl_stream_free(&s);
	return o;
}

#define FOR_EACH_SPLIT(ops, data, len, o, body)                                            \
	for (size_t split_ = 0; split_ <= (len); split_++) {                               \
		struct outcome o = run(ops, data, len, split_);                            \
		int before_ = test_failures;                                               \
		body;                                                                      \
		outcome_free(&o);                                                          \
		if (test_failures != before_) {                                            \
			fprintf(stderr, "  (split at byte %zu)\n", split_);                \
			break;                                                             \
		}                                                                          \
	}

static void test_openai_stream(void)
{
	/* OpenAI: role-only prelude, content, finish, usage in a last chunk with empty choices. */
	const char *s =
		"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}\n\n"
		"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}],\"usage\":null}\n\n"
		"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo \\u00e9\"},\"finish_reason\":null}],\"usage\":null}\n\n"
		"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"
		"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3,\"total_tokens\":15,\"prompt_tokens_details\":{\"cached_tokens\":4},\"completion_tokens_details\":{\"reasoning_tokens\":0}}}\n\n"
		"data: [DONE]\n\n";
	FOR_EACH_SPLIT(&sl_openai_ops, s, strlen(s), o, {
		CHECK_STR(o.text, "Hello \xC3\xA9");
		CHECK_STR(o.finish, "stop");
		CHECK_STR(o.model, "gpt-4o-mini-2024-07-18");
		CHECK_INT(o.in, 12);
		CHECK_INT(o.out, 3);
		CHECK_INT(o.cached, 4);
		CHECK_INT(o.reasoning_tokens, 0);
		CHECK(o.done);
		CHECK(!o.failed);
	});
}

static void test_llamacpp_stream(void)
{
	/* llama.cpp server: no role chunk, usage and timings in the finish chunk, no [DONE]. */
	const char *s =
		"data: {\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\"Hi\"}}],\"created\":1,\"id\":\"x\",\"model\":\"llama\",\"object\":\"chat.completion.chunk\"}\n\n"
		"data: {\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\" there\"}}],\"created\":1,\"id\":\"x\",\"model\":\"llama\",\"object\":\"chat.completion.chunk\"}\n\n"
		"data: {\"choices\":[{\"finish_reason\":\"stop\",\"index\":0,\"delta\":{}}],\"created\":1,\"id\":\"x\",\"model\":\"llama\",\"object\":\"chat.completion.chunk\",\"usage\":{\"completion_tokens\":2,\"prompt_tokens\":9,\"total_tokens\":11},\"timings\":{\"prompt_n\":9,\"prompt_ms\":12.5,\"predicted_n\":2,\"predicted_ms\":30.25}}\n\n";
	FOR_EACH_SPLIT(&sl_openai_ops, s, strlen(s), o, {
		CHECK_STR(o.text, "Hi there");
		CHECK_INT(o.in, 9);
		CHECK_INT(o.out, 2);
		CHECK(o.done);
		CHECK(!o.failed);
		CHECK_NEAR(o.server_ms, 42.75, 1e-9);
	});
}

static void test_groq_and_xai_usage(void)
{
	/* Groq: usage in x_groq of the last chunk; xAI: cumulative usage in every chunk. */
	const char *groq =
		"data: {\"id\":\"c\",\"model\":\"llama-3.1-8b-instant\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}],\"x_groq\":{\"id\":\"req_1\"}}\n\n"
		"data: {\"id\":\"c\",\"model\":\"llama-3.1-8b-instant\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Yes\"}}]}\n\n"
		"data: {\"id\":\"c\",\"model\":\"llama-3.1-8b-instant\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"x_groq\":{\"id\":\"req_1\",\"usage\":{\"queue_time\":0.01,\"prompt_tokens\":18,\"prompt_time\":0.002,\"completion_tokens\":2,\"completion_time\":0.004,\"total_tokens\":20,\"total_time\":0.006}}}\n\n"
		"data: [DONE]\n\n";
	FOR_EACH_SPLIT(&sl_openai_ops, groq, strlen(groq), o, {
		CHECK_STR(o.text, "Yes");
		CHECK_INT(o.in, 18);
		CHECK_INT(o.out, 2);
		CHECK_NEAR(o.server_ms, 6, 1e-9);
		CHECK(o.done);
	});
	const char *xai =
		"data: {\"model\":\"grok\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Coca\",\"role\":\"assistant\"}}],\"usage\":{\"prompt_tokens\":38,\"completion_tokens\":1,\"total_tokens\":39}}\n\n"
		"data: {\"model\":\"grok\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"-Cola\",\"role\":\"assistant\"}}],\"usage\":{\"prompt_tokens\":38,\"completion_tokens\":2,\"total_tokens\":40}}\n\n"
		"data: {\"model\":\"grok\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":38,\"completion_tokens\":2,\"total_tokens\":40}}\n\n"
		"data: [DONE]\n\n";
	FOR_EACH_SPLIT(&sl_openai_ops, xai, strlen(xai), o, {
		CHECK_STR(o.text, "Coca-Cola");
		CHECK_INT(o.out, 2); /* the last cumulative count, not the sum */
		CHECK(o.done);
	});
}

static void test_openai_reasoning_and_error(void)
{
	const char *s =
		"data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}\n\n"
		"data: {\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"think\"}}]}\n\n"
		"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"}}]}\n\n"
		": OPENROUTER PROCESSING\n\n"
		"data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}\n\n";
	FOR_EACH_SPLIT(&sl_openai_ops, s, strlen(s), o, {
		CHECK_STR(o.reasoning, "think");
		CHECK_STR(o.text, "ok");
		CHECK(o.failed);
		CHECK_INT(o.fail_status, SL_ERR_PROVIDER);
		CHECK_STR(o.error_type, "server_error");
		CHECK_CONTAINS(o.error, "The server had an error");
	});
}

static void test_openai_refusal(void)
{
	const char *s = "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,\"refusal\":\"\"}}]}\n\n"
			"data: {\"choices\":[{\"index\":0,\"delta\":{\"refusal\":\"I can't\"}}]}\n\n"
			"data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
			"data: [DONE]\n\n";
	FOR_EACH_SPLIT(&sl_openai_ops, s, strlen(s), o, {
		CHECK_STR(o.text, "I can't");
		CHECK_INT(o.content_events, 1);
		CHECK(o.done);
	});
}

static void test_vllm_error(void)
{
	const char *s = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n"
			"data: {\"object\":\"error\",\"message\":\"The decoder prompt is too long\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}\n\n";
	FOR_EACH_SPLIT(&sl_openai_ops, s, strlen(s), o, {
		CHECK(o.failed);
		CHECK_INT(o.fail_status, SL_ERR_PROVIDER);
		CHECK_STR(o.error_type, "BadRequestError");
		CHECK_CONTAINS(o.error, "prompt is too long");
	});
}

static void test_openai_truncated_and_malformed(void)
{
	const char *cut = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n";
	FOR_EACH_SPLIT(&sl_openai_ops, cut, strlen(cut), o, {
		CHECK(o.failed);
		CHECK_INT(o.fail_status, SL_ERR_NETWORK);
		CHECK_STR(o.text, "a");
	});
	const char *bad = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n"
			  "data: {\"choices\":[{\"ind\n\n";
	FOR_EACH_SPLIT(&sl_openai_ops, bad, strlen(bad), o, {
		CHECK(o.failed);
		CHECK_INT(o.fail_status, SL_ERR_PROTOCOL);
		CHECK_CONTAINS(o.error, "malformed JSON");
	});
	/* A server that ignored stream:true and answered with one JSON document. */
	const char *whole = "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"whole\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}";
	FOR_EACH_SPLIT(&sl_openai_ops, whole, strlen(whole), o, {
		CHECK(!o.failed);
		CHECK_STR(o.text, "whole");
		CHECK_INT(o.out, 1);
	});
}

/* Issue 14 item 10: usage numbers too large for an integer are absent (tokens are then
 * estimated and flagged), never cast (undefined; on x86 a negative count), and so are
 * counts past a trillion, whose sums over a run would overflow. */
static void test_huge_usage(void)
{
	const char *oa = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}],"
			 "\"usage\":{\"prompt_tokens\":1e300,\"completion_tokens\":1000000000000000,"
			 "\"prompt_tokens_details\":{\"cached_tokens\":1e19}}}\n\ndata: [DONE]\n\n";
	FOR_EACH_SPLIT(&sl_openai_ops, oa, strlen(oa), o, {
		CHECK(!o.failed);
		CHECK_INT(o.in, -1);
		CHECK_INT(o.out, -1);
		CHECK_INT(o.cached, -1);
	});
	const char *ol = "{\"model\":\"x\",\"message\":{\"content\":\"a\"},\"done\":true,\"prompt_eval_count\":1e999,\"eval_count\":3}\n";
	FOR_EACH_SPLIT(&sl_ollama_ops, ol, strlen(ol), o, {
		CHECK_INT(o.in, -1);
		CHECK_INT(o.out, 3);
	});
}

static void test_openai_logprobs_body(void)
{
	const char *body = "{\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"7\"},"
			   "\"logprobs\":{\"content\":[{\"token\":\"7\",\"logprob\":-0.1,\"top_logprobs\":[{\"token\":\"7\",\"logprob\":-0.1},{\"token\":\"8\",\"logprob\":-2.5}]}]},"
			   "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":1}}";
	struct sl_stream s;
	sl_stream_init(&s);
	struct sl_call call = { .kind = SL_REQ_CHAT };
	sl_openai_ops.parse_body(&s, &call, body, strlen(body));
	CHECK(!s.failed);
	CHECK_STR(s.text.data, "7");
	CHECK_INT(s.n_logprobs, 1);
	if (s.n_logprobs == 1) {
		CHECK_STR(s.logprobs[0].token, "7");
		CHECK_NEAR(s.logprobs[0].logprob, -0.1, 1e-12);
		CHECK_INT(s.logprobs[0].n_top, 2);
		CHECK_STR(s.logprobs[0].top[1].token, "8");
	}
	sl_stream_free(&s);

	const char *emb = "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":1,\"embedding\":[0,1]},{\"object\":\"embedding\",\"index\":0,\"embedding\":[1,0]}],\"model\":\"e\",\"usage\":{\"prompt_tokens\":4,\"total_tokens\":4}}";
	sl_stream_init(&s);
	call.kind = SL_REQ_EMBED;
	sl_openai_ops.parse_body(&s, &call, emb, strlen(emb));
	CHECK(!s.failed);
	CHECK_INT(s.n_embeddings, 2);
	CHECK_INT(s.dim, 2);
	if (s.n_embeddings == 2) {
		CHECK_NEAR(s.embeddings[0][0], 1.0, 0); /* sorted by index */
		CHECK_NEAR(s.embeddings[1][1], 1.0, 0);
	}
	sl_stream_free(&s);
}

static void test_error_classification(void)
{
	struct sl_provider_error pe = { .retry = -1 };
	const char *quota = "{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":\"insufficient_quota\",\"param\":null,\"code\":\"insufficient_quota\"}}";
	sl_openai_ops.classify_error(429, "", 0, quota, strlen(quota), &pe);
	CHECK_INT(pe.retry, 0);
	CHECK_STR(pe.type, "insufficient_quota");
	CHECK_CONTAINS(pe.message, "exceeded your current quota");
	free(pe.message);
	free(pe.type);

	pe = (struct sl_provider_error){ .retry = -1 };
	const char *over = "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"},\"request_id\":\"r\"}";
	sl_anthropic_ops.classify_error(529, "", 0, over, strlen(over), &pe);
	CHECK_INT(pe.retry, -1);
	CHECK_STR(pe.type, "overloaded_error");
	CHECK_STR(pe.message, "Overloaded");
	free(pe.message);
	free(pe.type);

	pe = (struct sl_provider_error){ .retry = -1 };
	const char *h = "HTTP/1.1 400 Bad Request\r\nx-amzn-ErrorType: ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/\r\n\r\n";
	const char *bb = "{\"message\":\"The provided model identifier is invalid.\"}";
	sl_bedrock_ops.classify_error(400, h, strlen(h), bb, strlen(bb), &pe);
	CHECK_INT(pe.retry, 0);
	CHECK_STR(pe.type, "ValidationException");
	CHECK_STR(pe.message, "The provided model identifier is invalid.");
	free(pe.message);
	free(pe.type);

	pe = (struct sl_provider_error){ .retry = -1 };
	const char *ol = "{\"error\":\"model \\\"nope\\\" not found, try pulling it first\"}";
	sl_ollama_ops.classify_error(404, "", 0, ol, strlen(ol), &pe);
	CHECK_CONTAINS(pe.message, "try pulling it first");
	free(pe.message);
	free(pe.type);
}

static void test_anthropic_stream(void)
{
	const char *s =
		"event: message_start\n"
		"data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-3-5-haiku-20241022\",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":25,\"cache_read_input_tokens\":5,\"output_tokens\":1}}}\n\n"
		"event: content_block_start\n"
		"data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
		"event: ping\n"
		"data: {\"type\": \"ping\"}\n\n"
		"event: content_block_delta\n"
		"data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n"
		"event: content_block_delta\n"
		"data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"!\"}}\n\n"
		"event: content_block_stop\n"
		"data: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
		"event: message_delta\n"
		"data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":7}}\n\n"
		"event: message_delta\n"
		"data: {\"type\":\"message_delta\",\"delta\":{},\"usage\":{\"output_tokens\":15}}\n\n"
		"event: some_future_event\n"
		"data: {\"type\":\"some_future_event\"}\n\n"
		"event: message_stop\n"
		"data: {\"type\":\"message_stop\"}\n\n";
	FOR_EACH_SPLIT(&sl_anthropic_ops, s, strlen(s), o, {
		CHECK_STR(o.text, "Hello!");
		CHECK_STR(o.finish, "end_turn");
		CHECK_STR(o.model, "claude-3-5-haiku-20241022");
		CHECK_INT(o.out, 15); /* cumulative: the last, not the sum */
		CHECK_INT(o.in, 30);  /* input + cache read */
		CHECK_INT(o.cached, 5);
		CHECK(o.done);
		CHECK(!o.failed);
	});
	const char *err =
		"event: message_start\n"
		"data: {\"type\":\"message_start\",\"message\":{\"model\":\"m\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}\n\n"
		"event: error\n"
		"data: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
	FOR_EACH_SPLIT(&sl_anthropic_ops, err, strlen(err), o, {
		CHECK(o.failed);
		CHECK_INT(o.fail_status, SL_ERR_PROVIDER);
		CHECK_STR(o.error_type, "overloaded_error");
		CHECK_STR(o.text, "");
		CHECK_INT(o.content_events, 0);
	});
	const char *thinking =
		"event: content_block_delta\n"
		"data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"hmm\"}}\n\n"
		"event: message_stop\n"
		"data: {\"type\":\"message_stop\"}\n\n";
	FOR_EACH_SPLIT(&sl_anthropic_ops, thinking, strlen(thinking), o, {
		CHECK_STR(o.reasoning, "hmm");
		CHECK(o.done);
	});
}

static void test_ollama_stream(void)
{
	const char *s =
		"{\"model\":\"llama3.2\",\"created_at\":\"2024-01-01T00:00:00Z\",\"message\":{\"role\":\"assistant\",\"content\":\"The\"},\"done\":false}\n"
		"{\"model\":\"llama3.2\",\"created_at\":\"2024-01-01T00:00:00Z\",\"message\":{\"role\":\"assistant\",\"content\":\" sky\"},\"done\":false}\n"
		"{\"model\":\"llama3.2\",\"created_at\":\"2024-01-01T00:00:00Z\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\",\"total_duration\":5043500667,\"load_duration\":5025959,\"prompt_eval_count\":26,\"prompt_eval_duration\":325953000,\"eval_count\":290,\"eval_duration\":4709213000}\n";
	FOR_EACH_SPLIT(&sl_ollama_ops, s, strlen(s), o, {
		CHECK_STR(o.text, "The sky");
		CHECK_STR(o.finish, "stop");
		CHECK_INT(o.in, 26);
		CHECK_INT(o.out, 290);
		CHECK_NEAR(o.server_ms, 5043.500667, 1e-6);
		CHECK(o.done);
	});
	const char *err = "{\"model\":\"x\",\"message\":{\"content\":\"a\"},\"done\":false}\n{\"error\":\"an error was encountered while running the model\"}\n";
	FOR_EACH_SPLIT(&sl_ollama_ops, err, strlen(err), o, {
		CHECK(o.failed);
		CHECK_CONTAINS(o.error, "while running the model");
	});
	/* A bad line is quoted alone: not the lines after it, nor bytes past the data
	 * (issue 14 item 7: "%.120s" read on past the unterminated line). */
	const char *bad = "{\"model\":\"x\",\"message\":{\"content\":\"a\"},\"done\":false}\n"
			  "{not json\r\n{\"model\":\"x\",\"done\":true}\n";
	FOR_EACH_SPLIT(&sl_ollama_ops, bad, strlen(bad), o, {
		CHECK(o.failed);
		CHECK_INT(o.fail_status, SL_ERR_PROTOCOL);
		CHECK_STR(o.error, "malformed JSON line in the stream: {not json");
	});
	/* The same line alone in a heap block without a NUL: ASan catches a read past it. */
	static const char line[] = "{not json\n";
	char *exact = sl_xmalloc(sizeof line - 1);
	memcpy(exact, line, sizeof line - 1);
	struct sl_stream hs;
	sl_stream_init(&hs);
	struct sl_call hcall = { 0 };
	sl_ollama_ops.stream_begin(&hs, &hcall);
	sl_ollama_ops.stream_feed(&hs, exact, sizeof line - 1);
	CHECK_STR(hs.error, "malformed JSON line in the stream: {not json");
	sl_stream_free(&hs);
	free(exact);
	const char *cut = "{\"model\":\"x\",\"message\":{\"content\":\"a\"},\"done\":false}\n";
	FOR_EACH_SPLIT(&sl_ollama_ops, cut, strlen(cut), o, {
		CHECK(o.failed);
		CHECK_INT(o.fail_status, SL_ERR_NETWORK);
	});
}

static void es_event(struct sl_buf *out, const char *type, const char *json)
{
	struct sl_es_header h[3] = {
		sl_es_header_string(":event-type", type),
		sl_es_header_string(":content-type", "application/json"),
		sl_es_header_string(":message-type", "event"),
	};
	struct sl_error err = { 0 };
	CHECK(sl_es_encode(out, h, 3, json, strlen(json), &err) == 0);
}

static void test_bedrock_stream(void)
{
	struct sl_buf b;
	sl_buf_init(&b);
	es_event(&b, "messageStart", "{\"p\":\"abcd\",\"role\":\"assistant\"}");
	es_event(&b, "contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"reasoningContent\":{\"text\":\"r\"}},\"p\":\"ab\"}");
	es_event(&b, "contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Hi\"},\"p\":\"ab\"}");
	es_event(&b, "contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\" you\"},\"p\":\"ab\"}");
	es_event(&b, "contentBlockStop", "{\"contentBlockIndex\":0,\"p\":\"x\"}");
	es_event(&b, "messageStop", "{\"stopReason\":\"end_turn\",\"p\":\"x\"}");
	es_event(&b, "metadata", "{\"metrics\":{\"latencyMs\":321},\"usage\":{\"inputTokens\":10,\"outputTokens\":3,\"totalTokens\":13},\"p\":\"x\"}");
	FOR_EACH_SPLIT(&sl_bedrock_ops, b.data, b.len, o, {
		CHECK_STR(o.text, "Hi you");
		CHECK_STR(o.reasoning, "r");
		CHECK_STR(o.finish, "end_turn");
		CHECK_INT(o.in, 10);
		CHECK_INT(o.out, 3);
		CHECK_NEAR(o.server_ms, 321, 0);
		CHECK(o.done);
		CHECK(!o.failed);
	});
	/* Cut in the middle of a frame. */
	FOR_EACH_SPLIT(&sl_bedrock_ops, b.data, b.len - 5, o, {
		CHECK(o.failed);
		CHECK_INT(o.fail_status, SL_ERR_NETWORK);
	});
	/* A flipped payload byte: the message CRC no longer matches. */
	char *bad = sl_xmalloc(b.len);
	memcpy(bad, b.data, b.len);
	bad[60] ^= 0x01;
	FOR_EACH_SPLIT(&sl_bedrock_ops, bad, b.len, o, {
		CHECK(o.failed);
		CHECK_INT(o.fail_status, SL_ERR_PROTOCOL);
		CHECK_CONTAINS(o.error, "CRC");
	});
	free(bad);
	/* An exception in the stream. */
	sl_buf_reset(&b);
	es_event(&b, "messageStart", "{\"role\":\"assistant\"}");
	struct sl_es_header h[3] = {
		sl_es_header_string(":exception-type", "throttlingException"),
		sl_es_header_string(":content-type", "application/json"),
		sl_es_header_string(":message-type", "exception"),
	};
	const char *payload = "{\"message\":\"Too many requests, please wait before trying again.\"}";
	struct sl_error err = { 0 };
	sl_es_encode(&b, h, 3, payload, strlen(payload), &err);
	FOR_EACH_SPLIT(&sl_bedrock_ops, b.data, b.len, o, {
		CHECK(o.failed);
		CHECK_INT(o.fail_status, SL_ERR_PROVIDER);
		CHECK_STR(o.error_type, "throttlingException");
		CHECK_CONTAINS(o.error, "Too many requests");
	});
	sl_buf_free(&b);
}

static void test_nonstream_bodies(void)
{
	struct sl_call call = { .kind = SL_REQ_CHAT };
	struct sl_stream s;
	const char *anth = "{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"t\"},{\"type\":\"text\",\"text\":\"Hi\"}],\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":3,\"output_tokens\":2}}";
	sl_stream_init(&s);
	sl_anthropic_ops.parse_body(&s, &call, anth, strlen(anth));
	CHECK_STR(s.text.data, "Hi");
	CHECK_STR(s.reasoning.data, "t");
	CHECK_INT(s.tokens_out, 2);
	sl_stream_free(&s);

	const char *br = "{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":[{\"text\":\"Yo\"}]}},\"stopReason\":\"max_tokens\",\"usage\":{\"inputTokens\":4,\"outputTokens\":9,\"totalTokens\":13},\"metrics\":{\"latencyMs\":77}}";
	sl_stream_init(&s);
	sl_bedrock_ops.parse_body(&s, &call, br, strlen(br));
	CHECK_STR(s.text.data, "Yo");
	CHECK_STR(s.finish_reason, "max_tokens");
	CHECK_INT(s.tokens_out, 9);
	CHECK_NEAR(s.server_ms, 77, 0);
	sl_stream_free(&s);

	call.kind = SL_REQ_EMBED;
	const char *titan = "{\"embedding\":[0.5,0.25,-1],\"inputTextTokenCount\":3}";
	sl_stream_init(&s);
	sl_bedrock_ops.parse_body(&s, &call, titan, strlen(titan));
	CHECK_INT(s.n_embeddings, 1);
	CHECK_INT(s.dim, 3);
	CHECK_INT(s.tokens_in, 3);
	sl_stream_free(&s);

	const char *oe = "{\"model\":\"all-minilm\",\"embeddings\":[[0.1,0.2],[0.3,0.4]]}";
	sl_stream_init(&s);
	sl_ollama_ops.parse_body(&s, &call, oe, strlen(oe));
	CHECK_INT(s.n_embeddings, 2);
	CHECK_INT(s.dim, 2);
	sl_stream_free(&s);

	sl_stream_init(&s);
	sl_openai_ops.parse_body(&s, &call, "{\"choices\":", 11);
	CHECK(s.failed);
	CHECK_INT(s.fail_status, SL_ERR_PROTOCOL);
	sl_stream_free(&s);
}

static void test_request_bodies(void)
{
	struct sl_provider_conf conf = { .name = "p", .base_url = "https://x/v1" };
	struct sl_params pr;
	sl_params_init(&pr);
	pr.temperature = 0;
	pr.max_tokens = 50;
	pr.json = true;
	pr.logprobs = true;
	pr.top_logprobs = 5;
	struct sl_message msgs[] = { { SL_ROLE_SYSTEM, "be brief" }, { SL_ROLE_USER, "hi" } };
	struct sl_call call = { .conf = &conf, .model_id = "gpt-4o-mini", .kind = SL_REQ_CHAT,
				.messages = msgs, .n_messages = 2, .params = &pr, .stream = true,
				.api_key = "sk-test", .base_url = conf.base_url };
	struct sl_http_request http = { 0 };
	struct sl_error err = { 0 };
	CHECK(sl_openai_ops.build(&call, &http, &err) == 0);
	CHECK_STR(http.url, "https://x/v1/chat/completions");
	CHECK_CONTAINS(http.body, "\"stream_options\":{\"include_usage\":true}");
	CHECK_CONTAINS(http.body, "\"response_format\":{\"type\":\"json_object\"}");
	CHECK_CONTAINS(http.body, "\"top_logprobs\":5");
	CHECK_CONTAINS(http.body, "\"temperature\":0");
	CHECK_STR(http.headers[0], "Authorization: Bearer sk-test");
	sl_http_request_free(&http);

	conf.base_url = "https://api.anthropic.com";
	call.base_url = conf.base_url;
	CHECK(sl_anthropic_ops.build(&call, &http, &err) == 0);
	CHECK_STR(http.url, "https://api.anthropic.com/v1/messages");
	CHECK_CONTAINS(http.body, "\"system\":\"be brief");
	CHECK(!strstr(http.body, "\"role\":\"system\""));
	CHECK_CONTAINS(http.body, "\"max_tokens\":50");
	sl_http_request_free(&http);

	call.base_url = "https://bedrock-runtime.us-east-1.amazonaws.com";
	call.model_id = "amazon.nova-pro-v1:0";
	call.api_key = NULL;
	CHECK(sl_bedrock_ops.build(&call, &http, &err) == 0);
	CHECK_STR(http.url, "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-pro-v1%3A0/converse-stream");
	CHECK(http.sign);
	CHECK_CONTAINS(http.body, "\"inferenceConfig\":{\"maxTokens\":50,\"temperature\":0}");
	CHECK_CONTAINS(http.body, "\"system\":[{\"text\":\"be brief");
	sl_http_request_free(&http);

	call.base_url = "http://127.0.0.1:11434";
	call.stream = false;
	CHECK(sl_ollama_ops.build(&call, &http, &err) == 0);
	CHECK_STR(http.url, "http://127.0.0.1:11434/api/chat");
	CHECK_CONTAINS(http.body, "\"stream\":false");
	CHECK_CONTAINS(http.body, "\"num_predict\":50");
	CHECK_CONTAINS(http.body, "\"format\":\"json\"");
	sl_http_request_free(&http);
}

TEST_MAIN_BEGIN
	RUN_TEST(test_huge_usage);
	RUN_TEST(test_openai_stream);
	RUN_TEST(test_llamacpp_stream);
	RUN_TEST(test_groq_and_xai_usage);
	RUN_TEST(test_openai_reasoning_and_error);
	RUN_TEST(test_openai_refusal);
	RUN_TEST(test_vllm_error);
	RUN_TEST(test_openai_truncated_and_malformed);
	RUN_TEST(test_openai_logprobs_body);
	RUN_TEST(test_error_classification);
	RUN_TEST(test_anthropic_stream);
	RUN_TEST(test_ollama_stream);
	RUN_TEST(test_bedrock_stream);
	RUN_TEST(test_nonstream_bodies);
	RUN_TEST(test_request_bodies);
TEST_MAIN_END

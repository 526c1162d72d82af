/* jscan (the tree-less JSON scanner of streamed chunks): it reads what cJSON reads or says
 * the text is not its to read; OpenAI's streamed chunks of the usual shape are read without
 * building a cJSON tree, and the answer comes out the same either way. */
#include "test.h"

#include <cjson/cJSON.h>

#include "jscan_check.h"
#include "shortlist/jscan.h"
#include "shortlist/provider.h"

static const struct {
	const char *text;
	bool plain; /* in jscan's subset */
} cases[] = {
	{ "{}", true },
	{ " [ ] ", true },
	{ "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}", true },
	{ "{\"a\":1,\"a\":2}", true }, /* the first one counts, as in cJSON */
	{ "[-0, 0.5, 1e3, -1.25E-2, 12345678901234567890, 1e999]", true },
	{ "\"tab\\t nl\\n quote\\\" bs\\\\ slash\\/ \\b\\f\\r\"", true },
	{ "\"\\u00e9 \\u20AC \\ud83d\\ude00 caf\xc3\xa9\"", true },
	{ "{\"k\":\"\\u0041\"}", true },
	{ "[[[[[[[[[[1]]]]]]]]]]", true },
	/* strings are checked eight bytes at a time: escapes and bytes on either side of it */
	{ "[\"abcdefghijklmnop\\nq\", \"abcdefg\\\\\", \"\xff\xfe\x80\x9f\xc3\xa9" "abcdefgh\"]", true },
	/* cJSON reads these in its own way: not ours */
	{ "{\"a\":1}xyz", false },              /* trailing text */
	{ "\xef\xbb\xbf{}", false },            /* byte order mark */
	{ "{\"a\":01}", false },
	{ "[1.]", false },
	{ "[+1]", false },
	{ "[.5]", false },
	{ "{\"a\":1,}", false },
	{ "[1,]", false },
	{ "\"\\u0000\"", false },
	{ "\"\\ud800\"", false },
	{ "\"\\udc00\"", false },
	{ "\"\\ud800\\u0041\"", false },
	{ "\"\\x\"", false },
	{ "\"raw\nnewline\"", false },
	{ "{\"k\\u0041\":1}", false },          /* an escaped key */
	{ "{\"a\" 1}", false },
	{ "nul", false },
	{ "tru", false },
	{ "", false },
	{ "   ", false },
	{ "[1\x01]", false },                   /* cJSON skips any byte below 33 */
	{ "\"abcdefghij\x1fklmnop\"", false },
	{ "\"abcdefgh\x7f\x20\x01\"", false },
	{ "[1234567890123456789012345678901234567890123456789012345678901234]", false },
};

static void test_agrees_with_cjson(void)
{
	struct sl_jscan j;
	sl_jscan_init(&j);
	/* an empty string first (found by fuzz_jscan: it was not terminated) */
	CHECK(sl_jscan_parse(&j, "{\"a\":\"\"}", 8));
	CHECK_STR(sl_jscan_str(&j, sl_jscan_get(&j, 0, "a"), NULL), "");
	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		size_t len = strlen(cases[i].text);
		if (!jscan_agrees(cases[i].text, len))
			fprintf(stderr, "  disagrees with cJSON: %s\n", cases[i].text);
		CHECK(jscan_agrees(cases[i].text, len));
		CHECK_INT(sl_jscan_parse(&j, cases[i].text, len), cases[i].plain);
	}
	/* deeper than 64: left to cJSON */
	char deep[200];
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	CHECK(!sl_jscan_parse(&j, deep, 130 + 70));
	CHECK(sl_jscan_parse(&j, deep + 36, 128));
	/* accessors on a parsed text */
	const char *t = "{\"choices\":[{\"delta\":{\"content\":\"hi\"}}],\"n\":3,\"choices\":5}";
	CHECK(sl_jscan_parse(&j, t, strlen(t)));
	int c = sl_jscan_get(&j, 0, "choices");
	CHECK_INT(sl_jscan_type(&j, c), SL_JARRAY);
	CHECK_INT(sl_jscan_count(&j, 0), 3);
	int d = sl_jscan_get(&j, sl_jscan_child(&j, c), "delta");
	CHECK_STR(sl_jscan_str(&j, sl_jscan_get(&j, d, "content"), NULL), "hi");
	CHECK(sl_jscan_num(&j, sl_jscan_get(&j, 0, "n")) == 3);
	CHECK_INT(sl_jscan_get(&j, c, "delta"), -1); /* not an object */
	CHECK_INT(sl_jscan_get(&j, 0, "none"), -1);
	sl_jscan_free(&j);
}

/* cJSON's allocations, counted through its hooks */
static long cjson_allocs;

static void *counting_malloc(size_t n)
{
	cjson_allocs++;
	return malloc(n);
}

struct answer {
	char *text, *model, *finish, *error;
	int64_t in, out, cached, reasoning;
	bool done, failed;
	int tools;
	size_t logprobs;
	double server_ms;
};

static struct answer read_stream(const char *body)
{
	struct sl_stream s;
	sl_stream_init(&s);
	struct sl_call call = { 0 };
	sl_openai_ops.stream_begin(&s, &call);
	s.t0_ns = 1000;
	s.now_ns = 2000;
	sl_openai_ops.stream_feed(&s, body, strlen(body));
	if (!s.failed)
		sl_openai_ops.stream_end(&s);
	struct answer a = {
		sl_xstrdup(s.text.data ? s.text.data : ""), s.model ? sl_xstrdup(s.model) : NULL,
		s.finish_reason ? sl_xstrdup(s.finish_reason) : NULL,
		s.error ? sl_xstrdup(s.error) : NULL, s.tokens_in, s.tokens_out, s.tokens_cached,
		s.tokens_reasoning, s.done, s.failed, s.first_content_ns ? 1 + (int)s.n_gaps : 0,
		s.n_logprobs, s.server_ms,
	};
	sl_stream_free(&s);
	return a;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void answer_free(struct answer *a)
{
	free(a->text);
	free(a->model);
	free(a->finish);
	free(a->error);
}

/* fakeprov's answer, as every streamed cell of a run gets it */
static const char fakeprov_stream[] =
	"data: {\"id\":\"chatcmpl-fakeprov20005\",\"object\":\"chat.completion.chunk\",\"created\":"
	"1764288000,\"model\":\"m1\",\"service_tier\":\"default\",\"system_fingerprint\":"
	"\"fp_fakeprov\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":"
	"\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"
	"data: {\"id\":\"chatcmpl-fakeprov20005\",\"object\":\"chat.completion.chunk\",\"created\":"
	"1764288000,\"model\":\"m1\",\"service_tier\":\"default\",\"system_fingerprint\":"
	"\"fp_fakeprov\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"posi\\u00e9tive\\n\"},"
	"\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"
	"data: {\"id\":\"chatcmpl-fakeprov20005\",\"object\":\"chat.completion.chunk\",\"created\":"
	"1764288000,\"model\":\"m1\",\"service_tier\":\"default\",\"system_fingerprint\":"
	"\"fp_fakeprov\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,"
	"\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"
	"data: {\"id\":\"chatcmpl-fakeprov20005\",\"object\":\"chat.completion.chunk\",\"created\":"
	"1764288000,\"model\":\"m1\",\"service_tier\":\"default\",\"system_fingerprint\":"
	"\"fp_fakeprov\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":1,"
	"\"total_tokens\":13,\"prompt_tokens_details\":{\"cached_tokens\":3,\"audio_tokens\":0},"
	"\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
	"\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}\n\n"
	"data: [DONE]\n\n";

static void test_chunks_without_tree(void)
{
	cJSON_InitHooks(&(cJSON_Hooks){ counting_malloc, free });
	cjson_allocs = 0;
	struct answer a = read_stream(fakeprov_stream);
	CHECK_INT(cjson_allocs, 0); /* no cJSON tree for the usual chunks */
	CHECK_STR(a.text, "posi\xc3\xa9tive\n");
	CHECK_STR(a.model, "m1");
	CHECK_STR(a.finish, "stop");
	CHECK_INT(a.in, 12);
	CHECK_INT(a.out, 1);
	CHECK_INT(a.cached, 3);
	CHECK_INT(a.reasoning, 0);
	CHECK(a.done && !a.failed);
	answer_free(&a);
	cJSON_InitHooks(NULL);
}

/* The same streams read with and without jscan give the same answer. */
static void test_same_answer(void)
{
	static const char *const streams[] = {
		fakeprov_stream,
		/* reasoning, refusal, tool calls, timings, an object as choices */
		"data: {\"choices\":[{\"delta\":{\"reasoning_content\":\"hm\",\"content\":null,"
		"\"refusal\":\"no\"}}]}\n\n"
		"data: {\"choices\":[{\"delta\":{\"reasoning\":\"r\",\"tool_calls\":[{}]}}]}\n\n"
		"data: {\"choices\":{\"x\":{\"delta\":{\"content\":\"obj\"},\"finish_reason\":\"\"}},"
		"\"timings\":{\"prompt_ms\":1.5,\"predicted_ms\":2.25}}\n\n"
		"data: {\"choices\":[{\"delta\":{\"content\":\"a\"},\"finish_reason\":\"length\"}],"
		"\"usage\":{\"prompt_tokens\":-1,\"completion_tokens\":1e13,\"total_time\":0.5}}\n\n",
		/* logprobs, Groq's usage, an error object, vLLM's error: left to cJSON */
		"data: {\"choices\":[{\"delta\":{\"content\":\"x\"},\"logprobs\":{\"content\":[{\"token\":"
		"\"x\",\"logprob\":-0.5,\"top_logprobs\":[]}]}}]}\n\n"
		"data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}],\"x_groq\":{\"usage\":"
		"{\"prompt_tokens\":4,\"completion_tokens\":5}}}\n\ndata: [DONE]\n\n",
		"data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n"
		"data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n",
		"data: {\"object\":\"error\",\"message\":\"bad\",\"type\":\"BadRequest\"}\n\n",
		"data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\ndata: {\"choices\": 01}\n\n",
		"event: error\ndata: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n",
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(streams); i++) {
		sl_openai_scan_chunks = false;
		struct answer want = read_stream(streams[i]);
		sl_openai_scan_chunks = true;
		struct answer got = read_stream(streams[i]);
		bool same = same_str(got.text, want.text) && same_str(got.model, want.model) &&
			    same_str(got.finish, want.finish) && same_str(got.error, want.error) &&
			    got.in == want.in && got.out == want.out && got.cached == want.cached &&
			    got.reasoning == want.reasoning && got.done == want.done &&
			    got.failed == want.failed && got.tools == want.tools &&
			    got.logprobs == want.logprobs &&
			    (got.server_ms == want.server_ms ||
			     (isnan(got.server_ms) && isnan(want.server_ms)));
		if (!same)
			fprintf(stderr, "  stream %zu: \"%s\" vs \"%s\"\n", i, got.text, want.text);
		CHECK(same);
		answer_free(&want);
		answer_free(&got);
	}
}

TEST_MAIN_BEGIN
	RUN_TEST(test_agrees_with_cjson);
	RUN_TEST(test_chunks_without_tree);
	RUN_TEST(test_same_answer);
TEST_MAIN_END

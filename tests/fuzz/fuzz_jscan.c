/* jscan against cJSON: a text in jscan's subset must read the same with both (every value,
 * key and lookup), and an OpenAI chunk made of it must give the same answer with and
 * without jscan. A difference aborts. */
#include "fuzz.h"

#include "../net/jscan_check.h"
#include "shortlist/provider.h"


static void read_chunk(const char *sse, size_t len, struct sl_stream *s)
{
	sl_stream_init(s);
	struct sl_call call = { 0 };
	sl_openai_ops.stream_begin(s, &call);
	sl_openai_ops.stream_feed(s, sse, len);
	if (!s->failed)
		sl_openai_ops.stream_end(s);
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* in an allocation of exactly its size: reading past the text is caught */
	char *text = malloc(size ? size : 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	if (!jscan_agrees(text, size))
		abort();
	free(text);

	/* the text as one SSE data line (its line ends made spaces) */
	char *sse = malloc(size + 9);
	if (!sse)
		abort();
	memcpy(sse, "data: ", 6);
	for (size_t i = 0; i < size; i++)
		sse[6 + i] = data[i] == '\n' || data[i] == '\r' ? ' ' : (char)data[i];
	memcpy(sse + 6 + size, "\n\n", 2);
	struct sl_stream a, b;
	sl_openai_scan_chunks = false;
	read_chunk(sse, size + 8, &a);
	sl_openai_scan_chunks = true;
	read_chunk(sse, size + 8, &b);
	bool ok = same(a.text.data, b.text.data) && same(a.reasoning.data, b.reasoning.data) &&
		  same(a.model, b.model) && same(a.finish_reason, b.finish_reason) &&
		  same(a.error, b.error) && same(a.error_type, b.error_type) &&
		  a.tokens_in == b.tokens_in && a.tokens_out == b.tokens_out &&
		  a.tokens_cached == b.tokens_cached && a.tokens_reasoning == b.tokens_reasoning &&
		  a.failed == b.failed && a.done == b.done && a.n_gaps == b.n_gaps &&
		  a.first_content_ns == b.first_content_ns && a.n_logprobs == b.n_logprobs &&
		  memcmp(&a.server_ms, &b.server_ms, sizeof a.server_ms) == 0;
	sl_stream_free(&a);
	sl_stream_free(&b);
	free(sse);
	if (!ok)
		abort();
	return 0;
}

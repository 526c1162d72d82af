/* One provider's response parsing (built once per protocol with -DFUZZ_OPS=sl_NAME_ops):
 * the first byte picks a streamed body in pieces, a whole body, or an HTTP error body with
 * headers, and a chat or embeddings call. */
#include "fuzz.h"

#include "shortlist/provider.h"

static const struct sl_provider_ops *ops;

static void feed(void *ud, const char *piece, size_t n)
{
	struct sl_stream *s = ud;
	if (!s->failed)
		ops->stream_feed(s, piece, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	ops = &FUZZ_OPS;
	struct sl_provider_conf conf = { .name = "fuzz", .kind = ops };
	struct sl_params params;
	sl_params_init(&params);
	unsigned mode = data[0] % 3, step = data[0] / 3 % 32 + 1;
	struct sl_call call = { .conf = &conf, .model_id = "m", .params = &params,
				.kind = data[0] & 0x80 ? SL_REQ_EMBED : SL_REQ_CHAT,
				.stream = mode == 0, .base_url = "http://127.0.0.1:1" };
	/* NUL-terminated past len, like the engine's body buffer */
	char *body = fuzz_str(data + 1, size - 1);
	size_t len = size - 1;
	struct sl_stream s;
	sl_stream_init(&s);
	if (mode == 0) {
		ops->stream_begin(&s, &call);
		fuzz_pieces(data + 1, size - 1, step, feed, &s);
		if (!s.failed)
			ops->stream_end(&s);
	} else if (mode == 1) {
		ops->parse_body(&s, &call, body, len);
	} else {
		/* the raw header lines, a blank line, then the body */
		size_t hlen = 0;
		while (hlen + 1 < len && !(body[hlen] == '\n' && body[hlen + 1] == '\n'))
			hlen++;
		if (hlen + 1 >= len)
			hlen = 0;
		struct sl_provider_error pe = { 0 };
		ops->classify_error(400 + data[0] % 200, body, hlen, body + hlen, len - hlen, &pe);
		free(pe.message);
		free(pe.type);
	}
	struct sl_result r = { 0 };
	sl_stream_to_result(&s, mode == 0, 1000000, &r);
	sl_result_clear(&r);
	sl_stream_free(&s);
	free(body);
	return 0;
}

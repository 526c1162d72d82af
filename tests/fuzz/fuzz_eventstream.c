/* The AWS event-stream decoder (Bedrock ConverseStream), fed in pieces of every size. */
#include "fuzz.h"

#include "shortlist/eventstream.h"

static int on_message(void *ud, const struct sl_es_message *m)
{
	char type[64];
	(void)sl_es_message_header_str(m, ":event-type", type, sizeof type);
	(void)sl_es_message_header_is(m, ":message-type", "event");
	return 0;
}

struct feed_ctx {
	struct sl_es_decoder d;
	bool failed;
};

static void feed(void *ud, const char *piece, size_t n)
{
	struct feed_ctx *c = ud;
	struct sl_error err = { 0 };
	if (!c->failed)
		c->failed = sl_es_decoder_feed(&c->d, piece, n, on_message, NULL, &err) != 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct feed_ctx c = { .failed = false };
	sl_es_decoder_init(&c.d);
	fuzz_pieces(data + 1, size - 1, (data[0] % 32 + 1) * 8, feed, &c);
	(void)sl_es_decoder_pending(&c.d);
	sl_es_decoder_free(&c.d);
	return 0;
}

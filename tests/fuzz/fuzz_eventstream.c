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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t step = data[0] % 32 + 1;
	struct sl_es_decoder d;
	sl_es_decoder_init(&d);
	struct sl_error err = { 0 };
	for (size_t off = 1; off < size; ) {
		size_t n = fuzz_piece(step * 8, size - off);
		if (sl_es_decoder_feed(&d, data + off, n, on_message, NULL, &err) != 0)
			break;
		off += n;
	}
	(void)sl_es_decoder_pending(&d);
	sl_es_decoder_free(&d);
	return 0;
}

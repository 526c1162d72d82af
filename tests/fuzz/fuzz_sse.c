/* The Server-Sent Events parser, fed in pieces of every size. */
#include "fuzz.h"

#include "shortlist/provider.h"

static void on_event(void *ud, const char *event, const char *data, size_t len)
{
	size_t *n = ud;
	*n += strlen(event) + len + (len ? (unsigned char)data[len - 1] : 0);
}

static size_t seen;

static void feed(void *ud, const char *piece, size_t n)
{
	sl_sse_feed(ud, piece, n, on_event, &seen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct sl_sse p;
	sl_sse_init(&p);
	fuzz_pieces(data + 1, size - 1, data[0] % 32 + 1, feed, &p);
	sl_sse_free(&p);
	return 0;
}

/* The Server-Sent Events parser, fed in pieces of every size. */
#include "fuzz.h"

#include "shortlist/provider.h"

static void on_event(void *ud, const char *event, const char *data, size_t len)
{
	size_t *n = ud;
	*n += strlen(event) + len + (len ? (unsigned char)data[len - 1] : 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t step = data[0] % 32 + 1, seen = 0;
	struct sl_sse p;
	sl_sse_init(&p);
	for (size_t off = 1; off < size; ) {
		size_t n = fuzz_piece(step, size - off);
		sl_sse_feed(&p, (const char *)data + off, n, on_event, &seen);
		off += n;
	}
	sl_sse_free(&p);
	return 0;
}

/* The NDJSON line splitter (Ollama), fed in pieces of every size. */
#include "fuzz.h"

#include "shortlist/provider.h"

static void on_line(void *ud, const char *line, size_t len)
{
	size_t *n = ud;
	*n += len ? (unsigned char)line[0] + (unsigned char)line[len - 1] : 0;
}

static size_t seen;

static void feed(void *ud, const char *piece, size_t n)
{
	sl_lines_feed(ud, piece, n, on_line, &seen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct sl_buf pending;
	sl_buf_init(&pending);
	fuzz_pieces(data + 1, size - 1, data[0] % 32 + 1, feed, &pending);
	sl_lines_end(&pending, on_line, &seen);
	sl_buf_free(&pending);
	return 0;
}

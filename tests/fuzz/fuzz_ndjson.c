/* The NDJSON line splitter (Ollama), fed in pieces of every size. */
#include "fuzz.h"

#include "shortlist/provider.h"

static void on_line(void *ud, const char *line, size_t len)
{
	size_t *n = ud;
	*n += len ? (unsigned char)line[0] + (unsigned char)line[len - 1] : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t step = data[0] % 32 + 1, seen = 0;
	struct sl_buf pending;
	sl_buf_init(&pending);
	for (size_t off = 1; off < size; ) {
		size_t n = fuzz_piece(step, size - off);
		sl_lines_feed(&pending, (const char *)data + off, n, on_line, &seen);
		off += n;
	}
	sl_lines_end(&pending, on_line, &seen);
	sl_buf_free(&pending);
	return 0;
}

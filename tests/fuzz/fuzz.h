/* Helpers for the libFuzzer targets (tests/fuzz/README.md). Each target calls a parser
 * through its public header only, so refactors behind it keep the harness working. */
#ifndef SHORTLIST_FUZZ_H
#define SHORTLIST_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a NUL-terminated string (inner NULs end it early, as they would in C). */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = 0;
	return s;
}

/* Feed data in pieces of step bytes (the last one shorter), each in its own allocation of
 * exactly its size, as curl hands them: a parser reading past a piece is caught. The step
 * comes from the input, so the fuzzer also explores where the network splits the bytes. */
typedef void (*fuzz_piece_fn)(void *ud, const char *piece, size_t n);
static inline void fuzz_pieces(const uint8_t *data, size_t size, size_t step,
			       fuzz_piece_fn fn, void *ud)
{
	for (size_t off = 0; off < size; ) {
		size_t n = step < size - off ? step : size - off;
		char *piece = malloc(n);
		if (!piece)
			abort();
		memcpy(piece, data + off, n);
		fn(ud, piece, n);
		free(piece);
		off += n;
	}
}

/* Split the input at its first NUL into two strings (the second may be empty). */
static inline void fuzz_split2(const uint8_t *data, size_t size, char **a, char **b)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t n = nul ? (size_t)(nul - data) : size;
	*a = fuzz_str(data, n);
	*b = nul ? fuzz_str(nul + 1, size - n - 1) : fuzz_str((const uint8_t *)"", 0);
}

#endif

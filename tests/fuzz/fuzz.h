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

/* The next piece of a streamed body: its length comes from the first byte of the input
 * (1..32), so the fuzzer also explores where the network splits the bytes. */
static inline size_t fuzz_piece(size_t step, size_t left)
{
	size_t n = step ? step : 1;
	return n < left ? n : left;
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

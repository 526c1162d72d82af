/* Internal to src/core/score: interning of tokens and n-grams to dense integer ids, so
 * that every n-gram count and LCS compares integers instead of strings. Strings and pairs
 * of ids share one id space: an n-gram's id is the pair (id of its first n-1 tokens, id of
 * its last token), so equal n-grams get equal ids with no hashing collisions. */
#ifndef SHORTLIST_SCORE_TOKMAP_H
#define SHORTLIST_SCORE_TOKMAP_H

#include <stddef.h>
#include <stdint.h>

#include "shortlist/util.h"

struct tokmap {
	/* open addressing; slot value is id + 1, 0 = empty */
	uint32_t *slots;
	size_t cap;
	uint32_t count;
	/* per id: a string (offset/length into arena) or a pair key */
	uint64_t *keys;     /* pair key, or string hash */
	uint32_t *str_off;  /* UINT32_MAX for pairs */
	uint32_t *str_len;
	size_t ids_cap;
	struct sl_buf arena;
};

void tokmap_init(struct tokmap *m);
void tokmap_free(struct tokmap *m);
/* Forget every id, keep the memory. */
void tokmap_reset(struct tokmap *m);
uint32_t tokmap_intern(struct tokmap *m, const char *s, size_t len);
uint32_t tokmap_pair(struct tokmap *m, uint32_t a, uint32_t b);
/* The string of a string id (not NUL-terminated: use len). */
const char *tokmap_str(const struct tokmap *m, uint32_t id, size_t *len);

#endif

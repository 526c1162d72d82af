/* A JSON scanner without a tree: one pass records where each value is (no allocation once
 * its token array has grown), for the hot path of streamed answers, which would otherwise
 * build and free a cJSON tree per chunk.
 *
 * It accepts only plain RFC 8259 JSON that cJSON reads the same way: no escaped keys, no
 * \u0000, no lone surrogates, no raw control bytes in strings, numbers of at most 63
 * characters, nesting of at most 64, nothing but whitespace after the value. Anything else
 * makes sl_jscan_parse() return false and the caller parses with cJSON as before, so every
 * input gets exactly cJSON's reading (tests/fuzz/fuzz_jscan compares the two). */
#ifndef SHORTLIST_JSCAN_H
#define SHORTLIST_JSCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "shortlist/util.h"

enum sl_jtype { SL_JNULL, SL_JFALSE, SL_JTRUE, SL_JNUMBER, SL_JSTRING, SL_JARRAY, SL_JOBJECT };

struct sl_jtok {
	unsigned type : 3;
	unsigned escaped : 1;  /* a string with a backslash in it */
	unsigned start : 28;   /* offset of the value (strings: after the opening quote) */
	unsigned len;          /* bytes of the value (strings: between the quotes) */
	unsigned end;          /* index of the token after this value and all it contains */
	int key;               /* an object member's key token, else -1 */
};

struct sl_jscan {
	const char *src;
	struct sl_jtok *tok;
	size_t n, cap;
	struct sl_buf str;     /* the last string decoded by sl_jscan_str */
};

void sl_jscan_init(struct sl_jscan *j);
void sl_jscan_free(struct sl_jscan *j);
/* Scan text (len bytes; it must outlive the lookups). Token 0 is the value. False: not in
 * the plain subset described above (parse it with cJSON). */
bool sl_jscan_parse(struct sl_jscan *j, const char *text, size_t len);

/* Like cJSON's accessors: the first member named key of an object (-1 if obj is not an
 * object, is -1, or has none); the first child of an array or object (-1 if none); how
 * many children (0 for a scalar); the next sibling of a child (-1 after the last). */
int sl_jscan_get(const struct sl_jscan *j, int obj, const char *key);
int sl_jscan_child(const struct sl_jscan *j, int v);
int sl_jscan_count(const struct sl_jscan *j, int v);
int sl_jscan_next(const struct sl_jscan *j, int parent, int v);
enum sl_jtype sl_jscan_type(const struct sl_jscan *j, int v); /* SL_JNULL for -1 */
/* The key of an object member (as written: keys have no escapes), not NUL-terminated. */
const char *sl_jscan_key(const struct sl_jscan *j, int v, size_t *len);

/* A string's value, decoded, NUL-terminated; valid until the next call (NULL if v is not a
 * string). A number's value as cJSON's strtod reads it (NAN if v is not a number). */
const char *sl_jscan_str(struct sl_jscan *j, int v, size_t *len);
double sl_jscan_num(const struct sl_jscan *j, int v);

#endif

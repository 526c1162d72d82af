/* ROUGE-N, ROUGE-L and ROUGE-Lsum exactly as Google's reference implementation
 * (github.com/google-research/google-research, rouge/; PyPI rouge-score) computes them:
 *  - tokens: lowercase, every run of characters outside [a-z0-9] is a separator (so
 *    non-Latin text has no tokens: ROUGE is 0 for it, as in the reference), optional
 *    Porter stemming of tokens longer than 3 characters;
 *  - ROUGE-N: clipped n-gram overlap, P = overlap / #candidate n-grams, R = overlap /
 *    #reference n-grams;
 *  - ROUGE-L: longest common subsequence of the whole token sequences;
 *  - ROUGE-Lsum: summary-level LCS over sentences split at "\n" (Lin 2004 §3.2), the union
 *    of LCS hits per reference sentence, with ROUGE-1.5.5's clipping of token counts;
 *  - F = 2PR / (P + R), 0 when P + R = 0.
 * Argument order follows rouge_score: the REFERENCE (target) first, then the candidate.
 *
 * Stemming uses libstemmer's "porter" (Martin Porter's original algorithm); rouge_score
 * uses NLTK's PorterStemmer in its default NLTK_EXTENSIONS mode, which differs on a few
 * words (see README "Scoring"). */
#ifndef SHORTLIST_ROUGE_H
#define SHORTLIST_ROUGE_H

#include <stdbool.h>
#include <stddef.h>

#include "shortlist/util.h"

struct sl_prf {
	double precision, recall, f;
};

/* Which ROUGE: 1..9 for ROUGE-N, or one of these. */
enum {
	SL_ROUGE_L = -1,
	SL_ROUGE_LSUM = -2,
};

/* Parse "rouge1".."rouge9", "rougeL", "rougeLsum" (also "rouge-1", "rouge-l",
 * "rouge-lsum", any case). Returns 0 and sets *type, or -1 with err naming the value. */
int sl_rouge_type_parse(const char *name, int *type, struct sl_error *err);
const char *sl_rouge_type_name(int type); /* "rouge1", "rougeL", ... */

/* A scorer keeps its token tables and scratch memory between calls, so scoring many
 * pairs allocates nothing in the steady state. Not shared between threads. */
struct sl_rouge;

/* NULL with err set if stemming was asked for and the stemmer cannot be created. */
struct sl_rouge *sl_rouge_new(bool stem, struct sl_error *err);
void sl_rouge_free(struct sl_rouge *r);

/* Score one pair for one ROUGE type. */
struct sl_prf sl_rouge_score(struct sl_rouge *r, int type, const char *reference,
			     const char *candidate);

/* Tokenize as the scorer does: returns the number of tokens and, if tokens is not NULL,
 * a NULL-terminated array of strings the caller frees with sl_rouge_tokens_free. */
size_t sl_rouge_tokenize(struct sl_rouge *r, const char *text, char ***tokens);
void sl_rouge_tokens_free(char **tokens);

/* LCS length of two integer sequences (bit-parallel, exposed for tests and benches). */
size_t sl_lcs_length(const unsigned *a, size_t na, const unsigned *b, size_t nb);

#endif

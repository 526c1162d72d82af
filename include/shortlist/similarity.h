/* String and vector similarity beyond ROUGE and BLEU: Levenshtein (edit distance and the
 * InDel ratio), cosine of embedding vectors, and a lexical TF-IDF cosine for when no
 * embedding model is configured. Every cosine result says which kind it is: the two are
 * not comparable and must never share a column. */
#ifndef SHORTLIST_SIMILARITY_H
#define SHORTLIST_SIMILARITY_H

#include <stddef.h>
#include <stdint.h>

#include "shortlist/util.h"

/* Levenshtein distance with unit costs (insert, delete, substitute = 1) over Unicode code
 * points of UTF-8 text (an invalid byte counts as one character). */
size_t sl_levenshtein_distance(const char *a, const char *b);

/* The ratio of python-Levenshtein / rapidfuzz `Levenshtein.ratio`: the normalised InDel
 * similarity 1 - indel_distance / (len_a + len_b), where indel distance allows only
 * insertions and deletions (equivalently Levenshtein with substitution cost 2), so it
 * equals 2·LCS / (len_a + len_b). Over code points; 1.0 when both are empty. */
double sl_levenshtein_ratio(const char *a, const char *b);

/* 1 - distance / max(len_a, len_b), the other common "normalised Levenshtein"; 1.0 when
 * both are empty. */
double sl_levenshtein_normalized(const char *a, const char *b);

/* Which cosine a number is. */
enum sl_cosine_kind {
	SL_COSINE_EMBEDDING, /* of vectors from an embedding model */
	SL_COSINE_TFIDF,     /* of lexical TF-IDF vectors: word overlap, not meaning */
};
const char *sl_cosine_kind_name(enum sl_cosine_kind kind); /* "embedding", "tfidf" */

/* Cosine of two vectors of the same dimension. -1 with err when the dimensions differ,
 * a vector is empty, has a zero norm, or holds a non-finite value. */
int sl_cosine(const double *a, const double *b, size_t dim, double *out, struct sl_error *err);
int sl_cosine_f32(const float *a, const float *b, size_t dim, double *out, struct sl_error *err);

/* Embedding cosine: embed both texts with `model` ("provider:model-id" as everywhere) in one
 * request through the provider engine and take the cosine of the two vectors. eng may be
 * NULL: an engine is then made from the provider configuration for this call. -1 with err
 * (naming the model) when the call fails or the answer holds no two vectors of one size. */
struct sl_engine;
int sl_embedding_cosine(struct sl_engine *eng, const char *model, const char *a, const char *b,
			double *out, struct sl_error *err);
/* The same inside the caller's event loop: the request goes to eng (which may be shared)
 * and fn runs from sl_engine_perform with the cosine, or with err set (value NAN). Returns
 * the request id (0 with err set when it could not be submitted; fn is then not called). */
typedef void (*sl_cosine_fn)(void *ud, double value, const struct sl_error *err);
uint64_t sl_embedding_cosine_submit(struct sl_engine *eng, const char *model, const char *a,
				    const char *b, sl_cosine_fn fn, void *ud,
				    struct sl_error *err);
/* The embedding model configured for similarity: $SHORTLIST_EMBEDDING_MODEL, or NULL
 * (then similarity falls back to the lexical TF-IDF cosine, labelled as such). */
const char *sl_embedding_model_default(void);

/* Lexical TF-IDF cosine (scikit-learn TfidfVectorizer defaults, except tokenisation):
 * tf = raw term count, idf = ln((1 + N) / (1 + df)) + 1 (smooth_idf), vectors L2
 * normalised. Tokens are scikit-learn's: runs of word characters (Python's re \w: Unicode
 * letters, digits and '_') of the text lowercased as str.lower() does, except that tokens
 * of one character are kept too. The document frequencies come
 * from the corpus added with sl_tfidf_add (typically every reference and output of a run);
 * scoring a pair adds nothing, and a term absent from the corpus gets df = 0. */
struct sl_tfidf;
struct sl_tfidf *sl_tfidf_new(void);
void sl_tfidf_free(struct sl_tfidf *t);
void sl_tfidf_add(struct sl_tfidf *t, const char *document);
size_t sl_tfidf_documents(const struct sl_tfidf *t);
/* Cosine in [0, 1]; 0 when either text has no tokens. */
double sl_tfidf_cosine(struct sl_tfidf *t, const char *a, const char *b);

#endif

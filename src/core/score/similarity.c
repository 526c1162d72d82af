/* Levenshtein distances over code points, vector cosine, and lexical TF-IDF cosine. */
#include "shortlist/similarity.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shortlist/rouge.h"
#include "shortlist/utf8.h"
#include "tokmap.h"

/* Decode UTF-8 into code points (a bad byte is its own value, see utf8.h). */
static unsigned *codepoints(const char *s, size_t *n)
{
	size_t len = strlen(s), k = 0;
	unsigned *out = sl_xmalloc((len + 1) * sizeof *out);
	for (size_t i = 0; i < len; k++) {
		uint32_t cp;
		i += sl_utf8_decode(s + i, len - i, &cp);
		out[k] = cp;
	}
	*n = k;
	return out;
}

size_t sl_levenshtein_distance(const char *a, const char *b)
{
	if (strcmp(a, b) == 0)
		return 0;
	size_t na, nb;
	unsigned *x0 = codepoints(a, &na), *y0 = codepoints(b, &nb), *x = x0, *y = y0;
	/* a common prefix and suffix cost no edit: only the middle needs the table */
	while (na && nb && *x == *y) {
		x++;
		y++;
		na--;
		nb--;
	}
	while (na && nb && x[na - 1] == y[nb - 1]) {
		na--;
		nb--;
	}
	size_t *row = sl_xmalloc((nb + 1) * sizeof *row);
	for (size_t j = 0; j <= nb; j++)
		row[j] = j;
	for (size_t i = 1; i <= na; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t up = row[j];
			size_t best = diag + (x[i - 1] != y[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	size_t d = row[nb];
	free(row);
	free(x0);
	free(y0);
	return d;
}

double sl_levenshtein_ratio(const char *a, const char *b)
{
	if (strcmp(a, b) == 0) /* 2n / 2n, or 1 for two empty texts */
		return 1.0;
	size_t na, nb;
	unsigned *x = codepoints(a, &na), *y = codepoints(b, &nb);
	double r = 1.0;
	if (na + nb > 0)
		r = 2.0 * (double)sl_lcs_length(x, na, y, nb) / (double)(na + nb);
	free(x);
	free(y);
	return r;
}

double sl_levenshtein_normalized(const char *a, const char *b)
{
	if (strcmp(a, b) == 0) /* 1 - 0 / max_len, or 1 for two empty texts */
		return 1.0;
	size_t na, nb;
	free(codepoints(a, &na));
	free(codepoints(b, &nb));
	size_t m = na > nb ? na : nb;
	if (m == 0)
		return 1.0;
	return 1.0 - (double)sl_levenshtein_distance(a, b) / (double)m;
}

const char *sl_cosine_kind_name(enum sl_cosine_kind kind)
{
	return kind == SL_COSINE_EMBEDDING ? "embedding" : "tfidf";
}

static int cosine_finish(double dot, double na, double nb, size_t dim, double *out,
			 struct sl_error *err)
{
	if (!isfinite(dot) || !isfinite(na) || !isfinite(nb)) {
		sl_error_set(err, "cosine: a vector holds a non-finite value");
		return -1;
	}
	if (na == 0 || nb == 0) {
		sl_error_set(err, "cosine: a vector of dimension %zu has zero norm", dim);
		return -1;
	}
	double c = dot / (sqrt(na) * sqrt(nb));
	*out = c > 1 ? 1 : c < -1 ? -1 : c;
	return 0;
}

int sl_cosine(const double *a, const double *b, size_t dim, double *out, struct sl_error *err)
{
	if (dim == 0) {
		sl_error_set(err, "cosine: empty vectors");
		return -1;
	}
	double dot = 0, na = 0, nb = 0;
	for (size_t i = 0; i < dim; i++) {
		dot += a[i] * b[i];
		na += a[i] * a[i];
		nb += b[i] * b[i];
	}
	return cosine_finish(dot, na, nb, dim, out, err);
}

int sl_cosine_f32(const float *a, const float *b, size_t dim, double *out, struct sl_error *err)
{
	if (dim == 0) {
		sl_error_set(err, "cosine: empty vectors");
		return -1;
	}
	double dot = 0, na = 0, nb = 0;
	for (size_t i = 0; i < dim; i++) {
		dot += (double)a[i] * b[i];
		na += (double)a[i] * a[i];
		nb += (double)b[i] * b[i];
	}
	return cosine_finish(dot, na, nb, dim, out, err);
}

/* ---- TF-IDF ---- */

struct sl_tfidf {
	struct tokmap map;
	uint32_t *df;
	size_t df_cap;
	size_t docs;
	/* scratch */
	uint32_t *ids;
	size_t nids, ids_cap;
	uint32_t *seen;
	size_t seen_cap;
};

struct sl_tfidf *sl_tfidf_new(void)
{
	struct sl_tfidf *t = sl_xcalloc(1, sizeof *t);
	tokmap_init(&t->map);
	return t;
}

void sl_tfidf_free(struct sl_tfidf *t)
{
	if (!t)
		return;
	tokmap_free(&t->map);
	free(t->df);
	free(t->ids);
	free(t->seen);
	free(t);
}

static void grow_ids(struct sl_tfidf *t)
{
	size_t need = t->map.count;
	if (t->df_cap < need) {
		size_t cap = t->df_cap ? t->df_cap : 256;
		while (cap < need)
			cap *= 2;
		t->df = sl_xrealloc(t->df, cap * sizeof *t->df);
		memset(t->df + t->df_cap, 0, (cap - t->df_cap) * sizeof *t->df);
		t->seen = sl_xrealloc(t->seen, cap * sizeof *t->seen);
		memset(t->seen + t->df_cap, 0, (cap - t->df_cap) * sizeof *t->seen);
		t->df_cap = cap;
	}
}

/* Python's re \w+ over text.lower(), as scikit-learn's token pattern sees words (every
 * length is kept, see similarity.h). */
static void tokens(struct sl_tfidf *t, const char *text)
{
	t->nids = 0;
	char *low = sl_utf8_lower(text);
	size_t len = strlen(low);
	for (size_t i = 0; i <= len;) {
		size_t start = i;
		while (i < len) {
			uint32_t cp;
			size_t n = sl_utf8_decode(low + i, len - i, &cp);
			if (!sl_utf8_is_word(cp))
				break;
			i += n;
		}
		if (i > start) {
			if (t->nids == t->ids_cap) {
				t->ids_cap = t->ids_cap ? t->ids_cap * 2 : 64;
				t->ids = sl_xrealloc(t->ids, t->ids_cap * sizeof *t->ids);
			}
			/* an absurdly long token is truncated, not split */
			size_t tl = i - start > 256 ? sl_utf8_prefix(low + start, 256) : i - start;
			t->ids[t->nids++] = tokmap_intern(&t->map, low + start, tl);
		}
		if (i >= len)
			break;
		uint32_t cp;
		i += sl_utf8_decode(low + i, len - i, &cp);
	}
	free(low);
	grow_ids(t);
}

void sl_tfidf_add(struct sl_tfidf *t, const char *document)
{
	tokens(t, document);
	t->docs++;
	for (size_t i = 0; i < t->nids; i++) {
		uint32_t id = t->ids[i];
		if (t->seen[id] != t->docs) {
			t->seen[id] = (uint32_t)t->docs;
			t->df[id]++;
		}
	}
}

size_t sl_tfidf_documents(const struct sl_tfidf *t)
{
	return t->docs;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Sorted (id, weight) pairs of one text's TF-IDF vector, not yet normalised. */
static size_t vector(struct sl_tfidf *t, const char *text, uint32_t **ids_out, double **w_out)
{
	tokens(t, text);
	if (t->nids) /* qsort(NULL, 0) is undefined */
		qsort(t->ids, t->nids, sizeof *t->ids, cmp_u32);
	uint32_t *ids = sl_xmalloc((t->nids + 1) * sizeof *ids);
	double *w = sl_xmalloc((t->nids + 1) * sizeof *w);
	size_t k = 0;
	double n = (double)t->docs;
	for (size_t i = 0; i < t->nids;) {
		size_t j = i;
		while (j < t->nids && t->ids[j] == t->ids[i])
			j++;
		double idf = log((1 + n) / (1 + (double)t->df[t->ids[i]])) + 1;
		ids[k] = t->ids[i];
		w[k++] = (double)(j - i) * idf;
		i = j;
	}
	*ids_out = ids;
	*w_out = w;
	return k;
}

double sl_tfidf_cosine(struct sl_tfidf *t, const char *a, const char *b)
{
	uint32_t *ia, *ib;
	double *wa, *wb;
	size_t na = vector(t, a, &ia, &wa), nb = vector(t, b, &ib, &wb);
	double dot = 0, sa = 0, sb = 0;
	for (size_t i = 0; i < na; i++)
		sa += wa[i] * wa[i];
	for (size_t i = 0; i < nb; i++)
		sb += wb[i] * wb[i];
	for (size_t i = 0, j = 0; i < na && j < nb;) {
		if (ia[i] == ib[j])
			dot += wa[i++] * wb[j++];
		else if (ia[i] < ib[j])
			i++;
		else
			j++;
	}
	free(ia);
	free(ib);
	free(wa);
	free(wb);
	if (sa == 0 || sb == 0)
		return 0;
	double c = dot / (sqrt(sa) * sqrt(sb));
	return c > 1 ? 1 : c;
}

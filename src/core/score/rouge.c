/* ROUGE as rouge_score computes it (see rouge.h). Tokens become integer ids once; ROUGE-N
 * counts interned n-gram ids, ROUGE-L uses a bit-parallel LCS (64 table cells per machine
 * word, which is what makes long pairs cheap), ROUGE-Lsum needs the LCS positions and so
 * keeps the reference's DP table and its exact backtracking order. */
#include "shortlist/rouge.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shortlist/utf8.h"
#include "porter.h"
#include "tokmap.h"

struct u32vec {
	uint32_t *v;
	size_t n, cap;
};

static void vec_push(struct u32vec *a, uint32_t x)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->v = sl_xrealloc(a->v, a->cap * sizeof *a->v);
	}
	a->v[a->n++] = x;
}

static void vec_reserve(struct u32vec *a, size_t n)
{
	if (a->cap < n) {
		a->cap = n;
		a->v = sl_xrealloc(a->v, a->cap * sizeof *a->v);
	}
}

struct sl_rouge {
	bool stem;
	struct tokmap map;
	struct u32vec ref, cand;        /* token ids */
	struct u32vec ref_g, cand_g;    /* n-gram ids */
	struct u32vec counts, counts2;  /* per id */
	struct u32vec sent_ref, sent_cand; /* sentence boundaries (start offsets) */
	struct u32vec table;            /* LCS DP table (Lsum) */
	struct u32vec mark;
	uint64_t *masks;                /* bit-parallel LCS */
	size_t masks_cap;
	uint64_t *v;
	size_t v_cap;
	char *word; /* the token being built, lowercased */
	size_t word_len, word_cap;
};

int sl_rouge_type_parse(const char *name, int *type, struct sl_error *err)
{
	const char *s = name;
	if (strncasecmp(s, "rouge", 5) != 0)
		goto bad;
	s += 5;
	if (*s == '-' || *s == '_')
		s++;
	if (s[0] >= '1' && s[0] <= '9' && s[1] == '\0') {
		*type = s[0] - '0';
		return 0;
	}
	if (strcasecmp(s, "l") == 0) {
		*type = SL_ROUGE_L;
		return 0;
	}
	if (strcasecmp(s, "lsum") == 0) {
		*type = SL_ROUGE_LSUM;
		return 0;
	}
bad:
	sl_error_set(err, "unknown ROUGE type '%s': use rouge1 .. rouge9, rougeL or rougeLsum",
		     name);
	return -1;
}

const char *sl_rouge_type_name(int type)
{
	static const char *const n[] = { "rouge1", "rouge2", "rouge3", "rouge4", "rouge5",
					 "rouge6", "rouge7", "rouge8", "rouge9" };
	if (type == SL_ROUGE_L)
		return "rougeL";
	if (type == SL_ROUGE_LSUM)
		return "rougeLsum";
	if (type >= 1 && type <= 9)
		return n[type - 1];
	return "rouge?";
}

struct sl_rouge *sl_rouge_new(bool stem, struct sl_error *err)
{
	struct sl_rouge *r = sl_xcalloc(1, sizeof *r);
	tokmap_init(&r->map);
	r->word_cap = 256;
	r->word = sl_xmalloc(r->word_cap);
	r->stem = stem;
	(void)err;
	return r;
}

void sl_rouge_free(struct sl_rouge *r)
{
	if (!r)
		return;
	tokmap_free(&r->map);
	struct u32vec *vs[] = { &r->ref, &r->cand, &r->ref_g, &r->cand_g, &r->counts,
				&r->counts2, &r->sent_ref, &r->sent_cand, &r->table, &r->mark };
	for (size_t i = 0; i < SL_ARRAY_LEN(vs); i++)
		free(vs[i]->v);
	free(r->masks);
	free(r->v);
	free(r->word);
	free(r);
}

/* ---- tokenizer ---- */

static void emit_word(struct sl_rouge *r, struct u32vec *out)
{
	if (r->word_len == 0)
		return;
	char *w = r->word;
	size_t len = r->word_len;
	r->word_len = 0;
	/* In place: the stemmer never makes a word longer. */
	if (r->stem && len > 3)
		len = porter_stem(w, len);
	/* The reference drops tokens that are not ^[a-z0-9]+$ after stemming: the stemmer
	 * only shortens or rewrites letters, so only an empty result can be dropped here. */
	if (len > 0)
		vec_push(out, tokmap_intern(&r->map, w, len));
}

static inline void word_add(struct sl_rouge *r, char c)
{
	/* +1: the stemmer writes a terminating NUL */
	if (r->word_len + 1 >= r->word_cap) {
		r->word_cap *= 2;
		r->word = sl_xrealloc(r->word, r->word_cap);
	}
	r->word[r->word_len++] = c;
}

/* Python's text.lower() then re.sub(r"[^a-z0-9]+", " ") then split: ASCII letters and
 * digits make tokens, everything else separates them. Two non-ASCII characters lower to
 * ASCII in Python and so do make tokens: U+0130 (capital I with dot) lowers to "i" plus a
 * combining dot (a separator), U+212A (Kelvin sign) lowers to "k". */
static void tokenize_span(struct sl_rouge *r, const char *text, size_t len, struct u32vec *out)
{
	/* Lookup of ASCII classes: 1 lowercase letter or digit, 2 uppercase letter. */
	static const unsigned char cls[128] = {
		['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
		['8'] = 1, ['9'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
		['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
		['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1,
		['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1, ['A'] = 2, ['B'] = 2, ['C'] = 2, ['D'] = 2,
		['E'] = 2, ['F'] = 2, ['G'] = 2, ['H'] = 2, ['I'] = 2, ['J'] = 2, ['K'] = 2, ['L'] = 2,
		['M'] = 2, ['N'] = 2, ['O'] = 2, ['P'] = 2, ['Q'] = 2, ['R'] = 2, ['S'] = 2, ['T'] = 2,
		['U'] = 2, ['V'] = 2, ['W'] = 2, ['X'] = 2, ['Y'] = 2, ['Z'] = 2,
	};
	const unsigned char *s = (const unsigned char *)text, *end = s + len;
	r->word_len = 0;
	while (s < end) {
		unsigned c = *s;
		if (c < 0x80) {
			unsigned k = cls[c];
			if (k == 1)
				word_add(r, (char)c);
			else if (k == 2)
				word_add(r, (char)(c + 32));
			else
				emit_word(r, out);
			s++;
			continue;
		}
		uint32_t cp;
		s += sl_utf8_decode((const char *)s, (size_t)(end - s), &cp);
		if (cp == 0x212a) {
			word_add(r, 'k');
		} else if (cp == 0x130) {
			word_add(r, 'i');
			emit_word(r, out);
		} else {
			emit_word(r, out);
		}
	}
	emit_word(r, out);
}

size_t sl_rouge_tokenize(struct sl_rouge *r, const char *text, char ***tokens)
{
	tokmap_reset(&r->map);
	r->ref.n = 0;
	tokenize_span(r, text, strlen(text), &r->ref);
	if (tokens) {
		char **t = sl_xcalloc(r->ref.n + 1, sizeof *t);
		for (size_t i = 0; i < r->ref.n; i++) {
			size_t len;
			const char *s = tokmap_str(&r->map, r->ref.v[i], &len);
			t[i] = sl_xstrndup(s, len);
		}
		*tokens = t;
	}
	return r->ref.n;
}

void sl_rouge_tokens_free(char **tokens)
{
	if (!tokens)
		return;
	for (char **t = tokens; *t; t++)
		free(*t);
	free(tokens);
}

/* ---- scores ---- */

static struct sl_prf prf(double p, double rc)
{
	struct sl_prf s = { p, rc, p + rc > 0 ? 2 * p * rc / (p + rc) : 0 };
	return s;
}

static void ngrams(struct sl_rouge *r, const struct u32vec *tok, int n, struct u32vec *out)
{
	out->n = 0;
	if (tok->n < (size_t)n)
		return;
	size_t count = tok->n - (size_t)n + 1;
	vec_reserve(out, count);
	for (size_t i = 0; i < count; i++) {
		uint32_t id = tok->v[i];
		for (int k = 1; k < n; k++)
			id = tokmap_pair(&r->map, id, tok->v[i + (size_t)k]);
		out->v[i] = id;
	}
	out->n = count;
}

static uint32_t *zeroed_counts(struct u32vec *c, size_t n)
{
	vec_reserve(c, n);
	memset(c->v, 0, n * sizeof *c->v);
	return c->v;
}

static struct sl_prf score_ngrams(struct sl_rouge *r, int n)
{
	ngrams(r, &r->ref, n, &r->ref_g);
	ngrams(r, &r->cand, n, &r->cand_g);
	uint32_t *cnt = zeroed_counts(&r->counts, r->map.count);
	for (size_t i = 0; i < r->ref_g.n; i++)
		cnt[r->ref_g.v[i]]++;
	size_t overlap = 0;
	for (size_t i = 0; i < r->cand_g.n; i++) {
		uint32_t id = r->cand_g.v[i];
		if (cnt[id]) {
			cnt[id]--;
			overlap++;
		}
	}
	double p = (double)overlap / (double)(r->cand_g.n ? r->cand_g.n : 1);
	double rc = (double)overlap / (double)(r->ref_g.n ? r->ref_g.n : 1);
	return prf(p, rc);
}

/* Bit-parallel LCS length (Allison & Dix 1986; Hyyro 2004): one bit per position of a,
 * a column of the DP table per symbol of b, O(|a|·|b|/64) word operations. The symbols
 * are dense ids below `alphabet`. */
static size_t lcs_bits(struct sl_rouge *r, const uint32_t *a, size_t na, const uint32_t *b,
		       size_t nb, size_t alphabet)
{
	if (!na || !nb)
		return 0;
	size_t words = (na + 63) / 64;
	/* Masks only for symbols of a: slot index per id in counts2 (0 = no mask). */
	uint32_t *slot = zeroed_counts(&r->counts2, alphabet);
	size_t nsym = 0;
	for (size_t i = 0; i < na; i++)
		if (!slot[a[i]])
			slot[a[i]] = (uint32_t)++nsym;
	size_t need = (nsym + 1) * words;
	if (r->masks_cap < need) {
		r->masks_cap = need;
		r->masks = sl_xrealloc(r->masks, need * sizeof *r->masks);
	}
	memset(r->masks, 0, need * sizeof *r->masks);
	for (size_t i = 0; i < na; i++)
		r->masks[slot[a[i]] * words + i / 64] |= (uint64_t)1 << (i % 64);
	if (r->v_cap < words) {
		r->v_cap = words;
		r->v = sl_xrealloc(r->v, words * sizeof *r->v);
	}
	uint64_t *v = r->v;
	for (size_t w = 0; w < words; w++)
		v[w] = ~(uint64_t)0;
	for (size_t j = 0; j < nb; j++) {
		uint32_t s = b[j] < alphabet ? slot[b[j]] : 0;
		if (!s)
			continue; /* no match anywhere: V is unchanged */
		const uint64_t *m = r->masks + (size_t)s * words;
		uint64_t carry = 0;
		for (size_t w = 0; w < words; w++) {
			uint64_t u = v[w] & m[w];
			uint64_t sum = v[w] + u;
			uint64_t c1 = sum < v[w];
			uint64_t sum2 = sum + carry;
			uint64_t c2 = sum2 < sum;
			carry = c1 | c2;
			v[w] = sum2 | (v[w] & ~m[w]);
		}
	}
	size_t zeros = 0;
	for (size_t w = 0; w < words; w++) {
		uint64_t x = ~v[w];
		if (w == words - 1 && na % 64)
			x &= ((uint64_t)1 << (na % 64)) - 1;
		zeros += (size_t)__builtin_popcountll(x);
	}
	return zeros;
}

size_t sl_lcs_length(const unsigned *a, size_t na, const unsigned *b, size_t nb)
{
	/* A common prefix and suffix belong to some longest common subsequence: only the
	 * middle needs the bit table (equal texts need none). */
	size_t pre = 0, suf = 0;
	while (pre < na && pre < nb && a[pre] == b[pre])
		pre++;
	while (suf < na - pre && suf < nb - pre && a[na - 1 - suf] == b[nb - 1 - suf])
		suf++;
	a += pre;
	b += pre;
	na -= pre + suf;
	nb -= pre + suf;
	if (!na || !nb)
		return pre + suf;
	/* Dense ids for a's code points through a small open-addressing table (an alphabet
	 * as large as the highest code point would be a megabyte per CJK pair); b's others
	 * get the id `alphabet`, which matches nothing. */
	size_t cap = 16;
	while (cap < 2 * na)
		cap *= 2;
	unsigned *keys = sl_xmalloc(cap * sizeof *keys);
	uint32_t *ids = sl_xcalloc(cap, sizeof *ids); /* id + 1, 0 = free */
	uint32_t *aa = sl_xmalloc((na + nb) * sizeof *aa), *bb = aa + na;
	uint32_t alphabet = 0;
	for (size_t i = 0; i < na; i++) {
		size_t h = (a[i] * 0x9e3779b1u) & (cap - 1);
		while (ids[h] && keys[h] != a[i])
			h = (h + 1) & (cap - 1);
		if (!ids[h]) {
			keys[h] = a[i];
			ids[h] = ++alphabet;
		}
		aa[i] = ids[h] - 1;
	}
	for (size_t j = 0; j < nb; j++) {
		size_t h = (b[j] * 0x9e3779b1u) & (cap - 1);
		while (ids[h] && keys[h] != b[j])
			h = (h + 1) & (cap - 1);
		bb[j] = ids[h] ? ids[h] - 1 : alphabet;
	}
	struct sl_rouge r = { 0 }; /* lcs_bits' scratch only: no token map */
	size_t l = lcs_bits(&r, aa, na, bb, nb, alphabet);
	free(r.counts2.v);
	free(r.masks);
	free(r.v);
	free(aa);
	free(ids);
	free(keys);
	return pre + suf + l;
}

static struct sl_prf score_lcs(struct sl_rouge *r)
{
	if (!r->ref.n || !r->cand.n)
		return prf(0, 0);
	size_t l = lcs_bits(r, r->ref.v, r->ref.n, r->cand.v, r->cand.n, r->map.count);
	return prf((double)l / (double)r->cand.n, (double)l / (double)r->ref.n);
}

/* Mark the positions of ref that one LCS with cand uses, choosing among equal LCSs exactly
 * as rouge_score's _backtrack_norec does (prefer moving left in cand only when that
 * cell is strictly larger), so the union over candidate sentences is the same. */
static void lcs_mark(struct sl_rouge *r, const uint32_t *ref, size_t nr, const uint32_t *can,
		     size_t nc, uint32_t *mark)
{
	if (!nr || !nc)
		return;
	size_t cols = nc + 1;
	vec_reserve(&r->table, (nr + 1) * cols);
	uint32_t *t = r->table.v;
	memset(t, 0, cols * sizeof *t);
	for (size_t i = 1; i <= nr; i++) {
		uint32_t *row = t + i * cols, *up = row - cols;
		row[0] = 0;
		for (size_t j = 1; j <= nc; j++) {
			if (ref[i - 1] == can[j - 1])
				row[j] = up[j - 1] + 1;
			else
				row[j] = up[j] > row[j - 1] ? up[j] : row[j - 1];
		}
	}
	size_t i = nr, j = nc;
	while (i > 0 && j > 0) {
		if (ref[i - 1] == can[j - 1]) {
			mark[i - 1] = 1;
			i--;
			j--;
		} else if (t[i * cols + j - 1] > t[(i - 1) * cols + j]) {
			j--;
		} else {
			i--;
		}
	}
}

/* Split at "\n", dropping empty lines (not blank ones: "  " is a sentence with no
 * tokens, as in the reference), and tokenize each; bounds[k] is where sentence k starts. */
static void split_sentences(struct sl_rouge *r, const char *text, struct u32vec *tok,
			    struct u32vec *bounds)
{
	tok->n = 0;
	bounds->n = 0;
	const char *s = text;
	for (;;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		if (len > 0) {
			vec_push(bounds, (uint32_t)tok->n);
			tokenize_span(r, s, len, tok);
		}
		if (!nl)
			break;
		s = nl + 1;
	}
	vec_push(bounds, (uint32_t)tok->n);
}

static struct sl_prf score_lsum(struct sl_rouge *r, const char *reference, const char *candidate)
{
	split_sentences(r, reference, &r->ref, &r->sent_ref);
	split_sentences(r, candidate, &r->cand, &r->sent_cand);
	size_t nrs = r->sent_ref.n - 1, ncs = r->sent_cand.n - 1;
	size_t m = r->ref.n, n = r->cand.n;
	if (!nrs || !ncs || !m || !n)
		return prf(0, 0);
	uint32_t *cnt_r = zeroed_counts(&r->counts, r->map.count);
	uint32_t *cnt_c = zeroed_counts(&r->counts2, r->map.count);
	for (size_t i = 0; i < m; i++)
		cnt_r[r->ref.v[i]]++;
	for (size_t i = 0; i < n; i++)
		cnt_c[r->cand.v[i]]++;
	size_t hits = 0;
	for (size_t k = 0; k < nrs; k++) {
		const uint32_t *rs = r->ref.v + r->sent_ref.v[k];
		size_t nr = r->sent_ref.v[k + 1] - r->sent_ref.v[k];
		uint32_t *mark = zeroed_counts(&r->mark, nr + 1);
		for (size_t c = 0; c < ncs; c++)
			lcs_mark(r, rs, nr, r->cand.v + r->sent_cand.v[c],
				 r->sent_cand.v[c + 1] - r->sent_cand.v[c], mark);
		for (size_t i = 0; i < nr; i++) {
			uint32_t t = rs[i];
			if (mark[i] && cnt_c[t] > 0 && cnt_r[t] > 0) {
				hits++;
				cnt_c[t]--;
				cnt_r[t]--;
			}
		}
	}
	return prf((double)hits / (double)n, (double)hits / (double)m);
}

struct sl_prf sl_rouge_score(struct sl_rouge *r, int type, const char *reference,
			     const char *candidate)
{
	tokmap_reset(&r->map);
	if (type == SL_ROUGE_LSUM)
		return score_lsum(r, reference, candidate);
	r->ref.n = 0;
	r->cand.n = 0;
	tokenize_span(r, reference, strlen(reference), &r->ref);
	tokenize_span(r, candidate, strlen(candidate), &r->cand);
	if (type == SL_ROUGE_L)
		return score_lcs(r);
	if (type >= 1 && type <= 9)
		return score_ngrams(r, type);
	return prf(0, 0);
}

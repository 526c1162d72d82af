/* Corpus BLEU the way sacreBLEU computes it (see bleu.h). The 13a tokenizer is a chain of
 * Python regular-expression substitutions there; here each substitution is one left-to-
 * right pass with the same non-overlapping match semantics, on code points (a UTF-8
 * sequence is one "character" for [^0-9]), and whitespace is Python's str.isspace set. */
#include "shortlist/bleu.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shortlist/utf8.h"
#include "tokmap.h"

/* ---- characters ---- */

static size_t cp_len(const unsigned char *s, const unsigned char *end)
{
	uint32_t cp;
	return sl_utf8_decode((const char *)s, (size_t)(end - s), &cp);
}

/* Byte length of the whitespace character at s (Python's str.isspace), or 0. */
static size_t ws_len(const unsigned char *s, const unsigned char *end)
{
	uint32_t cp;
	size_t n = sl_utf8_decode((const char *)s, (size_t)(end - s), &cp);
	return sl_utf8_is_space(cp) ? n : 0;
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* ---- 13a ---- */

static void replace_all(struct sl_buf *b, const char *from, const char *to)
{
	if (!strstr(b->data ? b->data : "", from))
		return;
	struct sl_buf out;
	sl_buf_init(&out);
	size_t fl = strlen(from);
	const char *s = b->data, *hit;
	while ((hit = strstr(s, from))) {
		sl_buf_append(&out, s, (size_t)(hit - s));
		sl_buf_puts(&out, to);
		s = hit + fl;
	}
	sl_buf_puts(&out, s);
	sl_buf_free(b);
	*b = out;
}

/* r'([\{-\~\[-\` -\&\(-\+\:-\@\/])' -> r' \1 ' */
static bool punct13a(unsigned char c)
{
	return (c >= '{' && c <= '~') || (c >= '[' && c <= '`') || (c >= ' ' && c <= '&') ||
	       (c >= '(' && c <= '+') || (c >= ':' && c <= '@') || c == '/';
}

char *sl_bleu_tokenize_13a(const char *line)
{
	struct sl_buf b;
	sl_buf_init(&b);
	sl_buf_puts(&b, line);
	replace_all(&b, "<skipped>", "");
	replace_all(&b, "-\n", "");
	replace_all(&b, "\n", " ");
	replace_all(&b, "&quot;", "\"");
	replace_all(&b, "&amp;", "&");
	replace_all(&b, "&lt;", "<");
	replace_all(&b, "&gt;", ">");

	struct sl_buf t;
	sl_buf_init(&t);
	sl_buf_putc(&t, ' ');
	for (size_t i = 0; i < b.len; i++) {
		unsigned char c = (unsigned char)b.data[i];
		if (punct13a(c)) {
			sl_buf_putc(&t, ' ');
			sl_buf_putc(&t, (char)c);
			sl_buf_putc(&t, ' ');
		} else {
			sl_buf_putc(&t, (char)c);
		}
	}
	sl_buf_putc(&t, ' ');
	sl_buf_free(&b);

	/* r'([^0-9])([\.,])' -> r'\1 \2 ' : a non-digit character, then . or , */
	sl_buf_init(&b);
	{
		const unsigned char *s = (const unsigned char *)t.data, *end = s + t.len;
		while (s < end) {
			size_t n = cp_len(s, end);
			if (!(n == 1 && is_digit(*s)) && s + n < end && (s[n] == '.' || s[n] == ',')) {
				sl_buf_append(&b, s, n);
				sl_buf_putc(&b, ' ');
				sl_buf_putc(&b, (char)s[n]);
				sl_buf_putc(&b, ' ');
				s += n + 1;
			} else {
				sl_buf_append(&b, s, n);
				s += n;
			}
		}
	}
	/* r'([\.,])([^0-9])' -> r' \1 \2' : . or , then a non-digit character */
	sl_buf_reset(&t);
	{
		const unsigned char *s = (const unsigned char *)b.data, *end = s + b.len;
		while (s < end) {
			if ((*s == '.' || *s == ',') && s + 1 < end) {
				size_t n = cp_len(s + 1, end);
				if (!(n == 1 && is_digit(s[1]))) {
					sl_buf_putc(&t, ' ');
					sl_buf_putc(&t, (char)*s);
					sl_buf_putc(&t, ' ');
					sl_buf_append(&t, s + 1, n);
					s += 1 + n;
					continue;
				}
			}
			sl_buf_putc(&t, (char)*s);
			s++;
		}
	}
	/* r'([0-9])(-)' -> r'\1 \2 ' */
	sl_buf_reset(&b);
	{
		const unsigned char *s = (const unsigned char *)t.data, *end = s + t.len;
		while (s < end) {
			if (is_digit(*s) && s + 1 < end && s[1] == '-') {
				sl_buf_putc(&b, (char)*s);
				sl_buf_puts(&b, " - ");
				s += 2;
				continue;
			}
			sl_buf_putc(&b, (char)*s);
			s++;
		}
	}
	sl_buf_free(&t);

	/* ' '.join(line.strip().split()) */
	struct sl_buf out;
	sl_buf_init(&out);
	sl_buf_puts(&out, "");
	const unsigned char *s = (const unsigned char *)b.data, *end = s + b.len;
	bool in_word = false;
	while (s < end) {
		size_t w = ws_len(s, end);
		if (w) {
			in_word = false;
			s += w;
			continue;
		}
		if (!in_word && out.len)
			sl_buf_putc(&out, ' ');
		in_word = true;
		size_t n = cp_len(s, end);
		sl_buf_append(&out, s, n);
		s += n;
	}
	sl_buf_free(&b);
	return sl_buf_steal(&out);
}

/* ---- statistics ---- */

struct sl_bleu {
	struct sl_bleu_opts opts;
	struct tokmap map;
	uint64_t sys_len, ref_len;
	double counts[SL_BLEU_MAX_ORDER], totals[SL_BLEU_MAX_ORDER];
	size_t nrefs; /* of the first segment; SIZE_MAX once it varies */
	size_t segments;
	/* scratch, indexed by interned id */
	uint32_t *ref_max, *tmp;
	size_t ids_cap;
	uint32_t *touched;
	size_t ntouched, touched_cap;
	uint32_t *toks;
	size_t ntoks, toks_cap;
	uint32_t *grams;
	size_t grams_cap;
};

struct sl_bleu *sl_bleu_new(const struct sl_bleu_opts *opts)
{
	struct sl_bleu *b = sl_xcalloc(1, sizeof *b);
	if (opts)
		b->opts = *opts;
	else
		b->opts.smooth_value = -1;
	tokmap_init(&b->map);
	return b;
}

void sl_bleu_free(struct sl_bleu *b)
{
	if (!b)
		return;
	tokmap_free(&b->map);
	free(b->ref_max);
	free(b->tmp);
	free(b->touched);
	free(b->toks);
	free(b->grams);
	free(b);
}

/* Preprocess like sacreBLEU's _preprocess_segment: lowercase if asked, rstrip, tokenize;
 * then split on whitespace into interned ids in b->toks. */
static void segment_tokens(struct sl_bleu *b, const char *text)
{
	char *s = b->opts.lowercase ? sl_utf8_lower(text) : sl_xstrdup(text);
	/* rstrip(): drop trailing whitespace characters */
	{
		const unsigned char *u = (const unsigned char *)s, *end = u + strlen(s);
		const unsigned char *last = u; /* end of the last non-space character */
		while (u < end) {
			size_t w = ws_len(u, end);
			if (w) {
				u += w;
			} else {
				u += cp_len(u, end);
				last = u;
			}
		}
		s[last - (const unsigned char *)s] = '\0';
	}
	char *tok = b->opts.tokenize == SL_BLEU_TOK_13A ? sl_bleu_tokenize_13a(s) : sl_xstrdup(s);
	free(s);
	b->ntoks = 0;
	const unsigned char *u = (const unsigned char *)tok, *end = u + strlen(tok);
	while (u < end) {
		size_t w = ws_len(u, end);
		if (w) {
			u += w;
			continue;
		}
		const unsigned char *start = u;
		while (u < end && !ws_len(u, end))
			u += cp_len(u, end);
		if (b->ntoks == b->toks_cap) {
			b->toks_cap = b->toks_cap ? b->toks_cap * 2 : 64;
			b->toks = sl_xrealloc(b->toks, b->toks_cap * sizeof *b->toks);
		}
		b->toks[b->ntoks++] = tokmap_intern(&b->map, (const char *)start, (size_t)(u - start));
	}
	free(tok);
}

/* n-gram ids of b->toks for order n into b->grams; returns how many. */
static int order_of(const struct sl_bleu_opts *o)
{
	return o->max_order >= 1 && o->max_order <= SL_BLEU_MAX_ORDER ? o->max_order
									: SL_BLEU_DEFAULT_ORDER;
}

static size_t make_grams(struct sl_bleu *b, int n)
{
	if (b->ntoks < (size_t)n)
		return 0;
	size_t count = b->ntoks - (size_t)n + 1;
	if (b->grams_cap < count) {
		b->grams_cap = count;
		b->grams = sl_xrealloc(b->grams, count * sizeof *b->grams);
	}
	for (size_t i = 0; i < count; i++) {
		uint32_t id = b->toks[i];
		for (int k = 1; k < n; k++)
			id = tokmap_pair(&b->map, id, b->toks[i + (size_t)k]);
		b->grams[i] = id;
	}
	return count;
}

static void ensure_ids(struct sl_bleu *b)
{
	if (b->map.count <= b->ids_cap)
		return;
	size_t old = b->ids_cap, cap = old ? old : 1024;
	while (cap < b->map.count)
		cap *= 2;
	b->ref_max = sl_xrealloc(b->ref_max, cap * sizeof *b->ref_max);
	b->tmp = sl_xrealloc(b->tmp, cap * sizeof *b->tmp);
	memset(b->ref_max + old, 0, (cap - old) * sizeof *b->ref_max);
	memset(b->tmp + old, 0, (cap - old) * sizeof *b->tmp);
	b->ids_cap = cap;
}

static void touch(struct sl_bleu *b, uint32_t id)
{
	if (b->ntouched == b->touched_cap) {
		b->touched_cap = b->touched_cap ? b->touched_cap * 2 : 256;
		b->touched = sl_xrealloc(b->touched, b->touched_cap * sizeof *b->touched);
	}
	b->touched[b->ntouched++] = id;
}

void sl_bleu_add(struct sl_bleu *b, const char *hypothesis, const char *const *refs, size_t nrefs)
{
	if (b->segments++ == 0)
		b->nrefs = nrefs;
	else if (b->nrefs != nrefs)
		b->nrefs = SIZE_MAX;

	/* Reference n-gram counts: the maximum over references, per n-gram. */
	size_t ref_touched_start = 0;
	b->ntouched = 0;
	size_t *ref_lens = sl_xmalloc((nrefs ? nrefs : 1) * sizeof *ref_lens);
	for (size_t r = 0; r < nrefs; r++) {
		segment_tokens(b, refs[r]);
		ref_lens[r] = b->ntoks;
		size_t mark = b->ntouched;
		for (int n = 1; n <= order_of(&b->opts); n++) {
			size_t g = make_grams(b, n);
			ensure_ids(b);
			for (size_t i = 0; i < g; i++) {
				if (b->tmp[b->grams[i]]++ == 0)
					touch(b, b->grams[i]);
			}
		}
		for (size_t i = mark; i < b->ntouched; i++) {
			uint32_t id = b->touched[i];
			if (b->tmp[id] > b->ref_max[id])
				b->ref_max[id] = b->tmp[id];
			b->tmp[id] = 0;
		}
	}
	size_t ref_end = b->ntouched;

	/* Hypothesis: clipped matches per order. */
	segment_tokens(b, hypothesis);
	size_t hyp_len = b->ntoks;
	for (int n = 1; n <= order_of(&b->opts); n++) {
		size_t g = make_grams(b, n);
		ensure_ids(b);
		b->totals[n - 1] += (double)g;
		size_t mark = b->ntouched;
		for (size_t i = 0; i < g; i++)
			if (b->tmp[b->grams[i]]++ == 0)
				touch(b, b->grams[i]);
		for (size_t i = mark; i < b->ntouched; i++) {
			uint32_t id = b->touched[i];
			uint32_t c = b->tmp[id], m = b->ref_max[id];
			b->counts[n - 1] += c < m ? c : m;
			b->tmp[id] = 0;
		}
	}
	for (size_t i = ref_touched_start; i < ref_end; i++)
		b->ref_max[b->touched[i]] = 0;

	/* Closest reference length; the shorter one on a tie. */
	size_t closest = 0;
	long best = -1;
	for (size_t r = 0; r < nrefs; r++) {
		long diff = labs((long)hyp_len - (long)ref_lens[r]);
		if (best < 0 || diff < best) {
			best = diff;
			closest = ref_lens[r];
		} else if (diff == best && ref_lens[r] < closest) {
			closest = ref_lens[r];
		}
	}
	free(ref_lens);
	b->sys_len += hyp_len;
	b->ref_len += closest;
	/* The id space only grows; a long corpus keeps its vocabulary, which is what lets
	 * reference counts be reset by the touched list instead of a full clear. */
}

static double my_log(double x)
{
	return x > 0 ? log(x) : -9999999999.0;
}

void sl_bleu_compute(const double *counts_in, const double *totals_in, uint64_t sys_len,
		     uint64_t ref_len, const struct sl_bleu_opts *opts, struct sl_bleu_result *out)
{
	int order = order_of(opts);
	double counts[SL_BLEU_MAX_ORDER] = { 0 }, totals[SL_BLEU_MAX_ORDER] = { 0 };
	memcpy(counts, counts_in, (size_t)order * sizeof *counts);
	memcpy(totals, totals_in, (size_t)order * sizeof *totals);
	double smooth_value = opts->smooth_value;
	if (smooth_value < 0)
		smooth_value = opts->smooth == SL_BLEU_SMOOTH_FLOOR ? 0.1 :
			       opts->smooth == SL_BLEU_SMOOTH_ADD_K ? 1.0 : 0.0;
	memset(out, 0, offsetof(struct sl_bleu_result, signature));
	out->order = order;
	out->sys_len = sys_len;
	out->ref_len = ref_len;
	out->ratio = ref_len ? (double)sys_len / (double)ref_len : 0;
	if (sys_len < ref_len)
		out->bp = sys_len > 0 ? exp(1.0 - (double)ref_len / (double)sys_len) : 0.0;
	else
		out->bp = 1.0;
	bool any = false;
	for (int n = 0; n < order; n++)
		any |= counts[n] != 0;
	if (!any) {
		memcpy(out->counts, counts, sizeof counts);
		memcpy(out->totals, totals, sizeof totals);
		return;
	}
	double smooth_mteval = 1.0;
	int eff_order = order;
	for (int n = 1; n <= order; n++) {
		if (opts->smooth == SL_BLEU_SMOOTH_ADD_K && n > 1) {
			counts[n - 1] += smooth_value;
			totals[n - 1] += smooth_value;
		}
		if (totals[n - 1] == 0)
			break;
		if (opts->effective_order)
			eff_order = n;
		if (counts[n - 1] == 0) {
			if (opts->smooth == SL_BLEU_SMOOTH_EXP) {
				smooth_mteval *= 2;
				out->precisions[n - 1] = 100.0 / (smooth_mteval * totals[n - 1]);
			} else if (opts->smooth == SL_BLEU_SMOOTH_FLOOR) {
				out->precisions[n - 1] = 100.0 * smooth_value / totals[n - 1];
			}
		} else {
			out->precisions[n - 1] = 100.0 * counts[n - 1] / totals[n - 1];
		}
	}
	double sum = 0;
	for (int n = 0; n < eff_order; n++)
		sum += my_log(out->precisions[n]);
	out->score = out->bp * exp(sum / eff_order);
	memcpy(out->counts, counts, sizeof counts);
	memcpy(out->totals, totals, sizeof totals);
}

static const char *smooth_name(enum sl_bleu_smooth s)
{
	switch (s) {
	case SL_BLEU_SMOOTH_NONE: return "none";
	case SL_BLEU_SMOOTH_FLOOR: return "floor";
	case SL_BLEU_SMOOTH_ADD_K: return "add-k";
	case SL_BLEU_SMOOTH_EXP: break;
	}
	return "exp";
}

void sl_bleu_result(const struct sl_bleu *b, struct sl_bleu_result *out)
{
	sl_bleu_compute(b->counts, b->totals, b->sys_len, b->ref_len, &b->opts, out);
	char smooth[32];
	if (b->opts.smooth == SL_BLEU_SMOOTH_FLOOR || b->opts.smooth == SL_BLEU_SMOOTH_ADD_K) {
		double v = b->opts.smooth_value >= 0 ? b->opts.smooth_value
			   : b->opts.smooth == SL_BLEU_SMOOTH_FLOOR ? 0.1 : 1.0;
		snprintf(smooth, sizeof smooth, "%s[%.2f]", smooth_name(b->opts.smooth), v);
	} else {
		snprintf(smooth, sizeof smooth, "%s", smooth_name(b->opts.smooth));
	}
	char nrefs[24];
	if (b->nrefs == SIZE_MAX)
		snprintf(nrefs, sizeof nrefs, "var");
	else
		snprintf(nrefs, sizeof nrefs, "%zu", b->nrefs);
	/* sacreBLEU's signature fields; "version" would name a sacreBLEU release we are not,
	 * so the implementation is named instead. */
	snprintf(out->signature, sizeof out->signature,
		 "nrefs:%s|case:%s|eff:%s|tok:%s|smooth:%s|impl:shortlist", nrefs,
		 b->opts.lowercase ? "lc" : "mixed", b->opts.effective_order ? "yes" : "no",
		 b->opts.tokenize == SL_BLEU_TOK_13A ? "13a" : "none", smooth);
}

int sl_bleu_smooth_parse(const char *name, enum sl_bleu_smooth *out, struct sl_error *err)
{
	static const char *const names[] = { "exp", "none", "floor", "add-k" };
	for (int i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0) {
			*out = (enum sl_bleu_smooth)i;
			return 0;
		}
	sl_error_set(err, "unknown BLEU smoothing '%s': use exp, none, floor or add-k", name);
	return -1;
}

int sl_bleu_tokenizer_parse(const char *name, enum sl_bleu_tokenizer *out, struct sl_error *err)
{
	if (strcmp(name, "13a") == 0) {
		*out = SL_BLEU_TOK_13A;
		return 0;
	}
	if (strcmp(name, "none") == 0) {
		*out = SL_BLEU_TOK_NONE;
		return 0;
	}
	sl_error_set(err, "unknown BLEU tokenizer '%s': use 13a or none", name);
	return -1;
}

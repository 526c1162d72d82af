/* A unified line diff for prompt versions. Prompts are short, so a plain LCS table is
 * simpler than Myers and fast enough (a 2,000 x 2,000 line diff is 4M cells). */
#include "shortlist/prompts.h"

#include <stdlib.h>
#include <string.h>

struct lines {
	const char **s;
	size_t *len;
	size_t n;
};

static void split_lines(const char *text, struct lines *l)
{
	l->n = 0;
	size_t cap = 16;
	l->s = sl_xmalloc(cap * sizeof *l->s);
	l->len = sl_xmalloc(cap * sizeof *l->len);
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (l->n == cap) {
			cap *= 2;
			l->s = sl_xrealloc(l->s, cap * sizeof *l->s);
			l->len = sl_xrealloc(l->len, cap * sizeof *l->len);
		}
		l->s[l->n] = p;
		l->len[l->n++] = len;
		p += len + (nl ? 1 : 0);
	}
}

static bool line_eq(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->len[i] == b->len[j] && memcmp(a->s[i], b->s[j], a->len[i]) == 0;
}

enum { OP_SAME, OP_DEL, OP_ADD };
struct op {
	int kind;
	size_t ia, ib; /* line indexes in a and b at this op */
};

char *sl_text_diff(const char *a_text, const char *b_text, const char *label_a,
		   const char *label_b)
{
	struct lines a, b;
	split_lines(a_text, &a);
	split_lines(b_text, &b);
	size_t w = b.n + 1;
	/* lcs[i][j] = LCS length of a[i..] and b[j..] */
	uint32_t *lcs = sl_xcalloc((a.n + 1) * w, sizeof *lcs);
	for (size_t i = a.n; i-- > 0;)
		for (size_t j = b.n; j-- > 0;)
			lcs[i * w + j] = line_eq(&a, i, &b, j)
				? lcs[(i + 1) * w + j + 1] + 1
				: (lcs[(i + 1) * w + j] >= lcs[i * w + j + 1] ? lcs[(i + 1) * w + j]
									       : lcs[i * w + j + 1]);
	struct op *ops = sl_xmalloc((a.n + b.n + 1) * sizeof *ops);
	size_t n_ops = 0, i = 0, j = 0;
	bool changed = false;
	while (i < a.n || j < b.n) {
		if (i < a.n && j < b.n && line_eq(&a, i, &b, j)) {
			ops[n_ops++] = (struct op){ OP_SAME, i++, j++ };
		} else if (j < b.n && (i == a.n || lcs[i * w + j + 1] >= lcs[(i + 1) * w + j])) {
			ops[n_ops++] = (struct op){ OP_ADD, i, j++ };
			changed = true;
		} else {
			ops[n_ops++] = (struct op){ OP_DEL, i++, j };
			changed = true;
		}
	}
	free(lcs);
	struct sl_buf out;
	sl_buf_init(&out);
	if (changed) {
		sl_buf_printf(&out, "--- %s\n+++ %s\n", label_a, label_b);
		const size_t ctx = 3;
		size_t k = 0;
		while (k < n_ops) {
			/* find the next change, then extend the hunk while changes are close */
			while (k < n_ops && ops[k].kind == OP_SAME)
				k++;
			if (k == n_ops)
				break;
			size_t start = k > ctx ? k - ctx : 0;
			while (start < k && ops[start].kind != OP_SAME)
				start++;
			size_t end = k; /* exclusive */
			for (;;) {
				while (end < n_ops && ops[end].kind != OP_SAME)
					end++;
				size_t same = 0;
				while (end + same < n_ops && ops[end + same].kind == OP_SAME)
					same++;
				if (end + same < n_ops && same <= 2 * ctx) {
					end += same;
					continue;
				}
				end += same < ctx ? same : ctx;
				break;
			}
			size_t a0 = ops[start].ia, b0 = ops[start].ib, na = 0, nb = 0;
			for (size_t t = start; t < end; t++) {
				na += ops[t].kind != OP_ADD;
				nb += ops[t].kind != OP_DEL;
			}
			sl_buf_printf(&out, "@@ -%zu,%zu +%zu,%zu @@\n", na ? a0 + 1 : a0, na,
				      nb ? b0 + 1 : b0, nb);
			for (size_t t = start; t < end; t++) {
				const struct op *o = &ops[t];
				if (o->kind == OP_ADD) {
					sl_buf_putc(&out, '+');
					sl_buf_append(&out, b.s[o->ib], b.len[o->ib]);
				} else {
					sl_buf_putc(&out, o->kind == OP_DEL ? '-' : ' ');
					sl_buf_append(&out, a.s[o->ia], a.len[o->ia]);
				}
				sl_buf_putc(&out, '\n');
			}
			k = end;
		}
	}
	free(ops);
	free(a.s);
	free(a.len);
	free(b.s);
	free(b.len);
	return sl_buf_steal(&out);
}

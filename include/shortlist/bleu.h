/* Corpus BLEU compatible with sacreBLEU (Post 2018; github.com/mjpost/sacrebleu,
 * sacrebleu/metrics/bleu.py): defaults are its defaults — the 13a tokenizer
 * (mteval-v13a.pl), case-sensitive, 4-gram precisions clipped against the maximum count
 * over the references, the closest reference length (shorter wins ties), brevity penalty
 * exp(1 - r/c), smoothing "exp" (NIST: the k-th zero precision becomes 1/2^k / total), and
 * the score on sacreBLEU's 0-100 scale. Hypotheses that are empty are kept, as sacreBLEU
 * keeps them. Lowercasing (case:lc) folds ASCII letters only. */
#ifndef SHORTLIST_BLEU_H
#define SHORTLIST_BLEU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shortlist/util.h"

#define SL_BLEU_MAX_ORDER 4

enum sl_bleu_smooth {
	SL_BLEU_SMOOTH_EXP = 0, /* sacreBLEU's default */
	SL_BLEU_SMOOTH_NONE,
	SL_BLEU_SMOOTH_FLOOR,   /* zero precisions become smooth_value / total */
	SL_BLEU_SMOOTH_ADD_K,   /* add smooth_value to counts and totals for n > 1 */
};

enum sl_bleu_tokenizer {
	SL_BLEU_TOK_13A = 0, /* sacreBLEU's default */
	SL_BLEU_TOK_NONE,    /* split on whitespace only */
};

struct sl_bleu_opts {
	enum sl_bleu_tokenizer tokenize;
	enum sl_bleu_smooth smooth;
	double smooth_value; /* < 0: the method's default (floor 0.1, add-k 1) */
	bool lowercase;
	bool effective_order;
};

struct sl_bleu_result {
	double score; /* 0-100 */
	double precisions[SL_BLEU_MAX_ORDER]; /* 0-100 */
	double counts[SL_BLEU_MAX_ORDER];     /* matched n-grams (add-k adds to them) */
	double totals[SL_BLEU_MAX_ORDER];     /* hypothesis n-grams */
	double bp;
	uint64_t sys_len, ref_len;
	double ratio;
	char signature[160]; /* sacreBLEU-style "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|..." */
};

struct sl_bleu;

struct sl_bleu *sl_bleu_new(const struct sl_bleu_opts *opts);
void sl_bleu_free(struct sl_bleu *b);
/* Add one segment: a hypothesis and its references (at least one). */
void sl_bleu_add(struct sl_bleu *b, const char *hypothesis, const char *const *refs,
		 size_t nrefs);
/* The corpus score over every segment added so far. */
void sl_bleu_result(const struct sl_bleu *b, struct sl_bleu_result *out);

/* BLEU from sufficient statistics (sacreBLEU's compute_bleu). counts/totals are copied. */
void sl_bleu_compute(const double *counts, const double *totals, uint64_t sys_len,
		     uint64_t ref_len, const struct sl_bleu_opts *opts,
		     struct sl_bleu_result *out);

/* The 13a tokenizer on one line (what sacreBLEU applies after rstrip). Caller frees. */
char *sl_bleu_tokenize_13a(const char *line);

/* Parse names used on the command line: "exp", "none", "floor", "add-k"; "13a", "none". */
int sl_bleu_smooth_parse(const char *name, enum sl_bleu_smooth *out, struct sl_error *err);
int sl_bleu_tokenizer_parse(const char *name, enum sl_bleu_tokenizer *out, struct sl_error *err);

#endif

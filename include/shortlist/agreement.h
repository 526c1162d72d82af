/* Agreement between raters (humans, or a judge against humans): Cohen's kappa for two
 * raters, unweighted or with linear / quadratic weights (scikit-learn's cohen_kappa_score,
 * weights over the sorted label indices), and Krippendorff's alpha for any number of raters
 * with missing ratings (nominal, ordinal, interval, ratio; Krippendorff 2011, "Computing
 * Krippendorff's Alpha-Reliability"). Ratings are numbers; NAN marks a missing rating. */
#ifndef SHORTLIST_AGREEMENT_H
#define SHORTLIST_AGREEMENT_H

#include <stddef.h>

enum sl_kappa_weights {
	SL_KAPPA_UNWEIGHTED,
	SL_KAPPA_LINEAR,
	SL_KAPPA_QUADRATIC,
};

/* Kappa of two raters over n units both rated (pairs with a NAN on either side are
 * skipped). NAN when no pair remains or expected disagreement is zero (one label only). */
double sl_cohen_kappa(const double *a, const double *b, size_t n, enum sl_kappa_weights w);
/* The same kappa from the two raters' k x k table of counts over k sorted labels
 * (table[i * k + j]: units rater a gave label i and rater b label j), so a caller can count
 * as it reads; labels neither rater gave are left out (the weights are over the indices of
 * the labels seen, as scikit-learn's). */
double sl_cohen_kappa_table(const double *table, size_t k, enum sl_kappa_weights w);

enum sl_alpha_level {
	SL_ALPHA_NOMINAL,
	SL_ALPHA_ORDINAL,
	SL_ALPHA_INTERVAL,
	SL_ALPHA_RATIO,
};
const char *sl_alpha_level_name(enum sl_alpha_level level);

/* Krippendorff's alpha over a raters x units matrix (row-major: data[r * n_units + u]),
 * NAN = not rated. Units with fewer than two ratings are not pairable and ignored.
 * Returns NAN when no unit is pairable or only one value occurs (alpha is undefined);
 * *pairable (may be NULL) gets the number of pairable values n. */
double sl_krippendorff_alpha(const double *data, size_t n_raters, size_t n_units,
			     enum sl_alpha_level level, size_t *pairable);
/* The same alpha from its k x k coincidence matrix over k sorted values (each ordered pair
 * of values in a unit with m values adds 1 / (m - 1)), so a caller can count it unit by unit
 * as it reads; values that no pairable unit holds may be listed (they change nothing). */
double sl_krippendorff_alpha_coincidence(const double *values, size_t k, const double *o,
					 enum sl_alpha_level level, size_t *pairable);

#endif

/* Bradley-Terry strengths from pairwise votes, fitted with Hunter's (2004) MM algorithm
 * ("MM algorithms for generalized Bradley-Terry models", Ann. Statist. 32(1)):
 *   p_i <- W_i / sum_{j != i} n_ij / (p_i + p_j),  then normalised,
 * where W_i counts i's wins (a tie is half a win for each side) and n_ij the comparisons of
 * i and j. P(i beats j) = p_i / (p_i + p_j). An optional prior adds `prior` virtual ties to
 * every pair that was compared, which keeps an unbeaten or winless model finite (the plain
 * MLE is then at infinity or zero). Intervals: percentile bootstrap over the votes with
 * the seeded RNG of stats.h. */
#ifndef SHORTLIST_BRADLEY_TERRY_H
#define SHORTLIST_BRADLEY_TERRY_H

#include <stddef.h>
#include <stdint.h>

#include "shortlist/stats.h"

struct sl_vote {
	int a, b;       /* item indices */
	double outcome; /* 1: a won, 0: b won, 0.5: tie */
};

struct sl_bt_result {
	size_t n_items;
	double *strength;      /* normalised to sum 1 over the items that were compared; NAN
				* for an item in no vote (it takes no share of the scale) */
	struct sl_interval *ci; /* per item, over the resamples that compared it; NULL without
				 * bootstrap */
	int iterations;
	int converged;         /* 1 when the last change was below the tolerance */
};

/* Fit; returns 0, or -1 when an item index is out of range. resamples 0: no intervals. */
int sl_bradley_terry(const struct sl_vote *votes, size_t n_votes, size_t n_items, double prior,
		     unsigned resamples, uint64_t seed, struct sl_bt_result *out);
void sl_bt_result_free(struct sl_bt_result *r);

#endif

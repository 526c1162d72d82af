/* Statistics every scoring and report module shares: summaries, percentiles, intervals,
 * and one seeded random number generator so that every bootstrap, shuffle and blind
 * ordering can be reproduced from its recorded seed. */
#ifndef SHORTLIST_STATS_H
#define SHORTLIST_STATS_H

#include <stddef.h>
#include <stdint.h>

/* The z value for a two-sided 95% interval (qnorm(0.975)). */
#define SL_Z95 1.959963984540054

/* ---- random numbers ----
 * xoshiro256** 1.0 (Blackman & Vigna, https://prng.di.unimi.it/xoshiro256starstar.c), state
 * seeded from one 64-bit seed by four steps of splitmix64 (the seeding its authors
 * recommend). Same seed, same sequence, on every platform: results that depend on
 * resampling are reproducible when the seed is stored next to them. */
struct sl_rng {
	uint64_t s[4];
};

void sl_rng_seed(struct sl_rng *rng, uint64_t seed);
uint64_t sl_rng_next(struct sl_rng *rng);
/* Uniform integer in [0, bound) without modulo bias (rejection of the low residues).
 * bound 0 returns 0. */
uint64_t sl_rng_below(struct sl_rng *rng, uint64_t bound);
/* Uniform double in [0, 1) with 53 random bits. */
double sl_rng_double(struct sl_rng *rng);
/* Fisher-Yates shuffle of n elements of size `size`. */
void sl_rng_shuffle(struct sl_rng *rng, void *base, size_t n, size_t size);
/* Binomial(n, p), exactly: by inversion (a sequential search of the pmf, O(np)) when
 * n·min(p, 1-p) < 30, else by Hörmann's BTRS transformed rejection, O(1) expected (W.
 * Hörmann, "The generation of binomial random variates", J. Statist. Comput. Simul. 46,
 * 1993). p <= 0 gives 0, p >= 1 gives n. */
uint64_t sl_rng_binomial(struct sl_rng *rng, uint64_t n, double p);

/* ---- summaries ----
 * All functions return NAN when the statistic is undefined (n == 0, or n <= ddof). */
double sl_stats_mean(const double *x, size_t n);
/* Standard deviation with divisor n - ddof: ddof 0 is numpy's default, 1 pandas'. */
double sl_stats_std(const double *x, size_t n, int ddof);
double sl_stats_min(const double *x, size_t n);
double sl_stats_max(const double *x, size_t n);

/* Percentile p in [0, 100] by linear interpolation between closest ranks, numpy's default
 * ("linear", Hyndman & Fan type 7): rank = p/100 * (n - 1), value = x[floor] + frac *
 * (x[floor+1] - x[floor]). _sorted expects ascending input; the other copies and sorts. */
double sl_stats_percentile_sorted(const double *sorted, size_t n, double p);
double sl_stats_percentile(const double *x, size_t n, double p);
/* Sort ascending in place (NaNs last). */
void sl_stats_sort(double *x, size_t n);

/* Everything a scorecard row shows about a sample. std uses ddof 1 (sample std). */
struct sl_summary {
	size_t n;
	double mean, std, min, max;
	double p50, p90, p95, p99;
};
void sl_stats_summarize(const double *x, size_t n, struct sl_summary *out);

/* ---- correlation ----
 * Pearson's r, and Spearman's rho as Pearson's r of the ranks (ties get their average
 * rank, as scipy.stats.spearmanr does). NAN with fewer than 2 pairs or a constant side. */
double sl_stats_pearson(const double *x, const double *y, size_t n);
double sl_stats_spearman(const double *x, const double *y, size_t n);

/* ---- intervals ---- */
struct sl_interval {
	double estimate; /* the point estimate the interval belongs to */
	double lo, hi;
};

/* Wilson score interval for a proportion successes/n (Wilson 1927), with z (use SL_Z95):
 * centre (p + z²/2n) / (1 + z²/n), half-width z/(1 + z²/n) · sqrt(p(1-p)/n + z²/4n²).
 * Stays inside [0, 1] and is sane at p = 0 or 1, where the Wald interval collapses.
 * n == 0 gives NAN everywhere. */
struct sl_interval sl_stats_wilson(uint64_t successes, uint64_t n, double z);

/* A statistic over a sample, for the bootstrap. */
typedef double (*sl_statistic_fn)(const double *x, size_t n, void *ud);

/* Percentile bootstrap: draw `resamples` samples of size n with replacement (sl_rng seeded
 * with `seed`), compute the statistic on each, and take the (1-level)/2 and (1+level)/2
 * percentiles (linear interpolation as above) of those values as lo and hi. estimate is the
 * statistic on the original sample. Resamples whose statistic is NaN are dropped.
 * n == 0 or resamples == 0 gives NAN everywhere. */
struct sl_interval sl_stats_bootstrap(const double *x, size_t n, sl_statistic_fn stat,
				      void *ud, unsigned resamples, double level, uint64_t seed);
/* The bootstrap of the mean, the common case. */
struct sl_interval sl_stats_bootstrap_mean(const double *x, size_t n, unsigned resamples,
					   double level, uint64_t seed);
/* The same bootstrap from a histogram: k distinct values (not NaN) and how often each
 * occurs, n = the sum of the counts. A resample's counts are one multinomial draw (a binomial
 * per value, given those before it): exactly the law of the counts of n draws with
 * replacement, so the interval has the per-value bootstrap's distribution (not its draws:
 * the random stream differs) at O(resamples x k) instead of O(resamples x n). */
struct sl_interval sl_stats_bootstrap_mean_counts(const double *values, const uint64_t *counts,
						  size_t k, unsigned resamples, double level,
						  uint64_t seed);
/* The bootstrap of the mean by whichever of the two above is cheaper for x: over its
 * histogram when its n values take at most n/16 distinct values (a binomial draw costs about
 * as much as 16 draws of a value), else by value (then sl_stats_bootstrap_mean's interval,
 * draw for draw). Memory O(n). */
struct sl_interval sl_stats_bootstrap_mean_grouped(const double *x, size_t n,
						   unsigned resamples, double level,
						   uint64_t seed);
/* The normal interval of a mean from its count, sum and sum of squares: mean ± z·s/√n,
 * s the sample standard deviation. What the bootstrap of the mean converges to as n grows;
 * n < 2 gives the mean at both ends. */
struct sl_interval sl_stats_normal_mean(uint64_t n, double sum, double sumsq, double z);
/* The interval of a mean of n values observed within [min, max], from their count, sum and
 * sum of squares, that never leaves [min, max] (a 0/1 score stays within [0, 1]):
 * - values that are all 0 or 1, both seen (a check or a pass/fail verdict scored as a mean),
 *   are a proportion: Wilson's interval of the count of ones, whatever n (so the switch
 *   from the bootstrap at SL_BOOTSTRAP_MAX_N makes no jump: near 0/n or n/n the percentile
 *   bootstrap's interval is Wald's, narrower than Wilson's by a visible step);
 * - otherwise, when n > SL_BOOTSTRAP_MAX_N, the normal interval clipped to [min, max] (it
 *   contains the mean, which lies within [min, max]); the bootstrap's percentiles never
 *   leave the observed range either.
 * Returns the method ("wilson" or "normal") and sets *out, or NULL when neither applies (n
 * <= SL_BOOTSTRAP_MAX_N values that are not two-valued: bootstrap them), or when min or max
 * is NAN (unknown). */
const char *sl_stats_bounded_mean(uint64_t n, double sum, double sumsq, double min, double max,
				  double z, struct sl_interval *out);

/* ---- running median ----
 * The median of values added one at a time, equal to sl_stats_percentile(x, n, 50) for the
 * first SL_MEDIAN_EXACT values, at O(log n) per value (a max-heap of the lower half, a
 * min-heap of the upper half): live progress shows it after every cell. Past that its
 * memory stops growing (a run may have a million cells): the values are counted in buckets
 * 2% wide on a log scale and the median is its bucket's middle, within 1% (values below
 * 0.001 count as 0). Zero-initialised is empty; NaNs are ignored. */
#define SL_MEDIAN_EXACT 4096
struct sl_running_median {
	double *lo, *hi; /* lo holds negated values, so both are min-heaps */
	size_t n_lo, n_hi, cap_lo, cap_hi;
	uint32_t *buckets; /* past SL_MEDIAN_EXACT values (the heaps are freed) */
	uint64_t n;
};
void sl_running_median_add(struct sl_running_median *m, double x);
double sl_running_median_get(const struct sl_running_median *m); /* NAN when empty */
void sl_running_median_free(struct sl_running_median *m);

/* Defaults the scorecard uses; recorded next to the results. */
#define SL_BOOTSTRAP_RESAMPLES 1000
#define SL_BOOTSTRAP_SEED 20261128u
/* Above this many values the scorecard gives a mean the normal interval instead of the
 * bootstrap: there each end of the normal interval is within 5% of the half-width of the
 * bootstrap's (for samples with |skewness| up to 5.5; test_stats checks it on seeded data),
 * less than the Monte Carlo error of 1,000 resamples (about 4%), and the interval costs
 * nothing (no score is read). */
#define SL_BOOTSTRAP_MAX_N 2000

#endif

/* Summaries, percentiles, Wilson and bootstrap intervals, and the seeded RNG behind every
 * resampling and shuffle in shortlist. Pure C, no I/O. */
#include "shortlist/stats.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "shortlist/util.h"

/* ---- xoshiro256** seeded by splitmix64 ---- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void sl_rng_seed(struct sl_rng *rng, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&x);
}

uint64_t sl_rng_next(struct sl_rng *rng)
{
	uint64_t *s = rng->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t sl_rng_below(struct sl_rng *rng, uint64_t bound)
{
	if (bound == 0)
		return 0;
	/* Reject the lowest 2^64 mod bound values so every residue is equally likely
	 * (OpenBSD arc4random_uniform's method; portable C, no 128-bit products). */
	uint64_t threshold = -bound % bound;
	for (;;) {
		uint64_t r = sl_rng_next(rng);
		if (r >= threshold)
			return r % bound;
	}
}

double sl_rng_double(struct sl_rng *rng)
{
	return (double)(sl_rng_next(rng) >> 11) * 0x1.0p-53;
}

void sl_rng_shuffle(struct sl_rng *rng, void *base, size_t n, size_t size)
{
	if (n < 2)
		return;
	unsigned char *b = base;
	unsigned char tmp[64];
	unsigned char *swap = size <= sizeof tmp ? tmp : sl_xmalloc(size);
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = (size_t)sl_rng_below(rng, (uint64_t)i + 1);
		if (j == i)
			continue;
		memcpy(swap, b + i * size, size);
		memcpy(b + i * size, b + j * size, size);
		memcpy(b + j * size, swap, size);
	}
	if (swap != tmp)
		free(swap);
}

/* Uniform in (0, 1), never 0 or 1: the logarithms below need both ends open. */
static double rng_open01(struct sl_rng *rng)
{
	return ((double)(sl_rng_next(rng) >> 11) + 0.5) * 0x1.0p-53;
}

/* p <= 0.5, np < 30: inversion by sequential search from 0, the pmf by its recurrence
 * P(k) = P(k-1) (n-k+1)/k p/q from P(0) = q^n (>= e^-30 here, no underflow); restarted in
 * the rare case rounding carries the search past any plausible k (as numpy does). */
static uint64_t binomial_inversion(struct sl_rng *rng, uint64_t n, double p)
{
	double q = 1 - p, s = p / q, a = ((double)n + 1) * s, p0 = pow(q, (double)n);
	double np = (double)n * p, bound = fmin((double)n, np + 10 * sqrt(np * q + 1));
	for (;;) {
		double u = sl_rng_double(rng), pk = p0;
		uint64_t k = 0;
		while (u > pk && (double)k < bound) {
			u -= pk;
			k++;
			pk *= a / (double)k - s;
		}
		if (u <= pk)
			return k;
	}
}

/* p <= 0.5, np >= 30: BTRS (Hörmann 1993, algorithm BTRS), with the log-density ratio from
 * lgamma rather than Stirling's series (it is only needed outside the squeeze). */
static uint64_t binomial_btrs(struct sl_rng *rng, uint64_t n, double p)
{
	double nn = (double)n, q = 1 - p;
	double spq = sqrt(nn * p * q);
	double b = 1.15 + 2.53 * spq;
	double a = -0.0873 + 0.0248 * b + 0.01 * p;
	double c = nn * p + 0.5;
	double vr = 0.92 - 4.2 / b;
	double alpha = (2.83 + 5.1 / b) * spq;
	double lpq = log(p / q);
	double m = floor((nn + 1) * p);
	double h = lgamma(m + 1) + lgamma(nn - m + 1);
	for (;;) {
		double u = rng_open01(rng) - 0.5, v = rng_open01(rng);
		double us = 0.5 - fabs(u);
		double k = floor((2 * a / us + b) * u + c);
		if (k < 0 || k > nn)
			continue;
		if (us >= 0.07 && v <= vr)
			return (uint64_t)k;
		v = log(v * alpha / (a / (us * us) + b));
		if (v <= h - lgamma(k + 1) - lgamma(nn - k + 1) + (k - m) * lpq)
			return (uint64_t)k;
	}
}

uint64_t sl_rng_binomial(struct sl_rng *rng, uint64_t n, double p)
{
	if (n == 0 || !(p > 0))
		return 0;
	if (p >= 1)
		return n;
	bool flip = p > 0.5; /* both methods want the smaller tail */
	double pp = flip ? 1 - p : p;
	uint64_t k = (double)n * pp < 30 ? binomial_inversion(rng, n, pp)
					 : binomial_btrs(rng, n, pp);
	return flip ? n - k : k;
}

/* ---- summaries ---- */

double sl_stats_mean(const double *x, size_t n)
{
	if (n == 0)
		return NAN;
	/* Kahan summation: latency sums over a million cells should not drift. */
	double sum = 0, c = 0;
	for (size_t i = 0; i < n; i++) {
		double y = x[i] - c;
		double t = sum + y;
		c = (t - sum) - y;
		sum = t;
	}
	return sum / (double)n;
}

double sl_stats_std(const double *x, size_t n, int ddof)
{
	if (ddof < 0 || n <= (size_t)ddof)
		return NAN;
	/* Two passes: the textbook one-pass formula cancels badly for large means. */
	double mean = sl_stats_mean(x, n);
	double ss = 0;
	for (size_t i = 0; i < n; i++)
		ss += (x[i] - mean) * (x[i] - mean);
	return sqrt(ss / (double)(n - (size_t)ddof));
}

double sl_stats_min(const double *x, size_t n)
{
	if (n == 0)
		return NAN;
	double m = x[0];
	for (size_t i = 1; i < n; i++)
		if (x[i] < m)
			m = x[i];
	return m;
}

double sl_stats_max(const double *x, size_t n)
{
	if (n == 0)
		return NAN;
	double m = x[0];
	for (size_t i = 1; i < n; i++)
		if (x[i] > m)
			m = x[i];
	return m;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	if (isnan(x))
		return isnan(y) ? 0 : 1;
	if (isnan(y))
		return -1;
	return (x > y) - (x < y);
}

void sl_stats_sort(double *x, size_t n)
{
	if (n > 1)
		qsort(x, n, sizeof *x, cmp_double);
}

double sl_stats_percentile_sorted(const double *sorted, size_t n, double p)
{
	if (n == 0 || !(p >= 0 && p <= 100))
		return NAN;
	double rank = p / 100.0 * (double)(n - 1);
	size_t lo = (size_t)floor(rank);
	if (lo >= n - 1)
		return sorted[n - 1];
	double frac = rank - (double)lo;
	return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

double sl_stats_percentile(const double *x, size_t n, double p)
{
	if (n == 0)
		return NAN;
	double *copy = sl_xmalloc(n * sizeof *copy);
	memcpy(copy, x, n * sizeof *copy);
	sl_stats_sort(copy, n);
	double v = sl_stats_percentile_sorted(copy, n, p);
	free(copy);
	return v;
}

void sl_stats_summarize(const double *x, size_t n, struct sl_summary *out)
{
	out->n = n;
	out->mean = sl_stats_mean(x, n);
	out->std = sl_stats_std(x, n, 1);
	if (n == 0) {
		out->min = out->max = out->p50 = out->p90 = out->p95 = out->p99 = NAN;
		return;
	}
	double *s = sl_xmalloc(n * sizeof *s);
	memcpy(s, x, n * sizeof *s);
	sl_stats_sort(s, n);
	out->min = s[0];
	out->max = s[n - 1];
	out->p50 = sl_stats_percentile_sorted(s, n, 50);
	out->p90 = sl_stats_percentile_sorted(s, n, 90);
	out->p95 = sl_stats_percentile_sorted(s, n, 95);
	out->p99 = sl_stats_percentile_sorted(s, n, 99);
	free(s);
}

/* ---- intervals ---- */

struct sl_interval sl_stats_wilson(uint64_t successes, uint64_t n, double z)
{
	struct sl_interval r = { NAN, NAN, NAN };
	if (n == 0 || successes > n)
		return r;
	double nn = (double)n;
	double p = (double)successes / nn;
	double z2 = z * z;
	double denom = 1 + z2 / nn;
	double centre = (p + z2 / (2 * nn)) / denom;
	double half = z / denom * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
	r.estimate = p;
	r.lo = centre - half;
	r.hi = centre + half;
	/* Rounding can push the ends a hair past the bounds at p = 0 or 1. */
	if (r.lo < 0)
		r.lo = 0;
	if (r.hi > 1)
		r.hi = 1;
	return r;
}

/* The percentile interval of `kept` resampled statistics (sorted in place). */
static void percentile_ends(struct sl_interval *r, double *values, size_t kept, double level)
{
	if (kept == 0)
		return;
	sl_stats_sort(values, kept);
	r->lo = sl_stats_percentile_sorted(values, kept, (1 - level) / 2 * 100);
	r->hi = sl_stats_percentile_sorted(values, kept, (1 + level) / 2 * 100);
}

struct sl_interval sl_stats_bootstrap(const double *x, size_t n, sl_statistic_fn stat,
				      void *ud, unsigned resamples, double level, uint64_t seed)
{
	struct sl_interval r = { NAN, NAN, NAN };
	if (n == 0 || resamples == 0 || !(level > 0 && level < 1))
		return r;
	r.estimate = stat(x, n, ud);
	struct sl_rng rng;
	sl_rng_seed(&rng, seed);
	double *sample = sl_xmalloc(n * sizeof *sample);
	double *values = sl_xmalloc(resamples * sizeof *values);
	size_t kept = 0;
	for (unsigned b = 0; b < resamples; b++) {
		for (size_t i = 0; i < n; i++)
			sample[i] = x[sl_rng_below(&rng, n)];
		double v = stat(sample, n, ud);
		if (!isnan(v))
			values[kept++] = v;
	}
	percentile_ends(&r, values, kept, level);
	free(sample);
	free(values);
	return r;
}

static double stat_mean(const double *x, size_t n, void *ud)
{
	(void)ud;
	return sl_stats_mean(x, n);
}

struct sl_interval sl_stats_bootstrap_mean(const double *x, size_t n, unsigned resamples,
					   double level, uint64_t seed)
{
	return sl_stats_bootstrap(x, n, stat_mean, NULL, resamples, level, seed);
}

struct sl_interval sl_stats_bootstrap_mean_counts(const double *values, const uint64_t *counts,
						  size_t k, unsigned resamples, double level,
						  uint64_t seed)
{
	struct sl_interval r = { NAN, NAN, NAN };
	uint64_t n = 0;
	double sum = 0, c = 0; /* Kahan, as sl_stats_mean */
	for (size_t i = 0; i < k; i++) {
		n += counts[i];
		double y = (double)counts[i] * values[i] - c;
		double t = sum + y;
		c = (t - sum) - y;
		sum = t;
	}
	if (n == 0 || resamples == 0 || !(level > 0 && level < 1))
		return r;
	r.estimate = sum / (double)n;
	struct sl_rng rng;
	sl_rng_seed(&rng, seed);
	double *means = sl_xmalloc(resamples * sizeof *means);
	for (unsigned b = 0; b < resamples; b++) {
		/* draws left to place, and the counts of the values not yet drawn for */
		uint64_t left = n, rest = n;
		double s = 0;
		for (size_t i = 0; i < k && left; i++) {
			uint64_t d = sl_rng_binomial(&rng, left, (double)counts[i] / (double)rest);
			s += (double)d * values[i];
			left -= d;
			rest -= counts[i];
		}
		means[b] = s / (double)n;
	}
	percentile_ends(&r, means, resamples, level);
	free(means);
	return r;
}

/* Values per distinct value below which a draw per value is cheaper (measured: a binomial
 * about 60 ns at small means, a value about 7 ns, on the 2-core CI machine). */
#define GROUP_MIN_REPEAT 16

struct sl_interval sl_stats_bootstrap_mean_grouped(const double *x, size_t n,
						   unsigned resamples, double level,
						   uint64_t seed)
{
	double *v = sl_xmalloc((n ? n : 1) * sizeof *v);
	memcpy(v, x, n * sizeof *v);
	sl_stats_sort(v, n);
	uint64_t *counts = sl_xmalloc((n / GROUP_MIN_REPEAT + 1) * sizeof *counts);
	size_t k = 0;
	bool grouped = n > 0 && !isnan(v[n - 1]); /* NaN sorts last; the per-value one drops it */
	for (size_t i = 0; grouped && i < n; i++) {
		if (k && v[i] == v[k - 1]) {
			counts[k - 1]++;
			continue;
		}
		grouped = k < n / GROUP_MIN_REPEAT;
		if (grouped) {
			v[k] = v[i];
			counts[k++] = 1;
		}
	}
	struct sl_interval r = grouped
		? sl_stats_bootstrap_mean_counts(v, counts, k, resamples, level, seed)
		: sl_stats_bootstrap_mean(x, n, resamples, level, seed);
	free(v);
	free(counts);
	return r;
}

struct sl_interval sl_stats_normal_mean(uint64_t n, double sum, double sumsq, double z)
{
	struct sl_interval r = { NAN, NAN, NAN };
	if (n == 0)
		return r;
	double nn = (double)n;
	r.estimate = r.lo = r.hi = sum / nn;
	if (n < 2)
		return r;
	double var = (sumsq - sum * sum / nn) / (nn - 1);
	double half = z * sqrt(var > 0 ? var : 0) / sqrt(nn);
	r.lo -= half;
	r.hi += half;
	return r;
}

/* ---- correlation ---- */

double sl_stats_pearson(const double *x, const double *y, size_t n)
{
	if (n < 2)
		return NAN;
	double mx = sl_stats_mean(x, n), my = sl_stats_mean(y, n);
	double sxy = 0, sxx = 0, syy = 0;
	for (size_t i = 0; i < n; i++) {
		sxy += (x[i] - mx) * (y[i] - my);
		sxx += (x[i] - mx) * (x[i] - mx);
		syy += (y[i] - my) * (y[i] - my);
	}
	if (sxx == 0 || syy == 0)
		return NAN;
	return sxy / sqrt(sxx * syy);
}

struct ranked {
	double v;
	size_t i;
};

static int cmp_ranked(const void *a, const void *b)
{
	double x = ((const struct ranked *)a)->v, y = ((const struct ranked *)b)->v;
	return (x > y) - (x < y);
}

/* Average ranks (1-based) with ties sharing the mean of their positions. */
static void ranks(const double *x, size_t n, double *out)
{
	struct ranked *r = sl_xmalloc(n * sizeof *r);
	for (size_t i = 0; i < n; i++) {
		r[i].v = x[i];
		r[i].i = i;
	}
	qsort(r, n, sizeof *r, cmp_ranked);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && r[j].v == r[i].v)
			j++;
		double avg = ((double)i + (double)j - 1) / 2 + 1;
		for (size_t k = i; k < j; k++)
			out[r[k].i] = avg;
		i = j;
	}
	free(r);
}

double sl_stats_spearman(const double *x, const double *y, size_t n)
{
	if (n < 2)
		return NAN;
	double *rx = sl_xmalloc(n * sizeof *rx), *ry = sl_xmalloc(n * sizeof *ry);
	ranks(x, n, rx);
	ranks(y, n, ry);
	double r = sl_stats_pearson(rx, ry, n);
	free(rx);
	free(ry);
	return r;
}

/* ---- running median ---- */

static void heap_push(double **h, size_t *n, size_t *cap, double x)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*h = sl_xrealloc(*h, *cap * sizeof **h);
	}
	size_t i = (*n)++;
	while (i > 0 && (*h)[(i - 1) / 2] > x) {
		(*h)[i] = (*h)[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	(*h)[i] = x;
}

static double heap_pop(double *h, size_t *n)
{
	double top = h[0], x = h[--*n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= *n)
			break;
		if (c + 1 < *n && h[c + 1] < h[c])
			c++;
		if (h[c] >= x)
			break;
		h[i] = h[c];
		i = c;
	}
	if (*n)
		h[i] = x;
	return top;
}

/* Buckets of the approximate mode: 0 holds [0, 0.001), bucket i >= 1 holds
 * [0.001 * 1.02^(i-1), 0.001 * 1.02^i), the last one everything above 1e9. */
#define MEDIAN_BUCKETS 1400
#define MEDIAN_MIN 1e-3
#define MEDIAN_STEP 1.02

static size_t median_bucket(double x)
{
	if (!(x >= MEDIAN_MIN))
		return 0;
	double i = floor(log(x / MEDIAN_MIN) / log(MEDIAN_STEP)) + 1;
	return i >= MEDIAN_BUCKETS - 1 ? MEDIAN_BUCKETS - 1 : (size_t)i;
}

void sl_running_median_add(struct sl_running_median *m, double x)
{
	if (isnan(x))
		return;
	m->n++;
	if (m->buckets) {
		m->buckets[median_bucket(x)]++;
		return;
	}
	if (m->n_lo == 0 || x <= -m->lo[0])
		heap_push(&m->lo, &m->n_lo, &m->cap_lo, -x);
	else
		heap_push(&m->hi, &m->n_hi, &m->cap_hi, x);
	if (m->n_lo > m->n_hi + 1)
		heap_push(&m->hi, &m->n_hi, &m->cap_hi, -heap_pop(m->lo, &m->n_lo));
	else if (m->n_hi > m->n_lo)
		heap_push(&m->lo, &m->n_lo, &m->cap_lo, -heap_pop(m->hi, &m->n_hi));
	if (m->n < SL_MEDIAN_EXACT)
		return;
	m->buckets = sl_xcalloc(MEDIAN_BUCKETS, sizeof *m->buckets);
	for (size_t i = 0; i < m->n_lo; i++)
		m->buckets[median_bucket(-m->lo[i])]++;
	for (size_t i = 0; i < m->n_hi; i++)
		m->buckets[median_bucket(m->hi[i])]++;
	free(m->lo);
	free(m->hi);
	m->lo = m->hi = NULL;
	m->n_lo = m->n_hi = m->cap_lo = m->cap_hi = 0;
}

double sl_running_median_get(const struct sl_running_median *m)
{
	if (m->buckets) {
		uint64_t rank = (m->n + 1) / 2, seen = 0;
		size_t i = 0;
		while (i < MEDIAN_BUCKETS - 1 && (seen += m->buckets[i]) < rank)
			i++;
		return i == 0 ? 0 : MEDIAN_MIN * pow(MEDIAN_STEP, (double)i - 0.5);
	}
	if (m->n_lo == 0)
		return NAN;
	if (m->n_lo > m->n_hi)
		return -m->lo[0];
	return (-m->lo[0] + m->hi[0]) / 2;
}

void sl_running_median_free(struct sl_running_median *m)
{
	free(m->buckets);
	free(m->lo);
	free(m->hi);
	*m = (struct sl_running_median){ 0 };
}

/* The count of ones when all n values in [0, 1] are 0 or 1, else -1: then sum x(1 - x),
 * which no value strictly inside leaves at 0, is 0 up to the sums' rounding (exactly 0 for
 * 0/1 values: both sums are whole numbers). */
static int64_t count_of_ones(uint64_t n, double sum, double sumsq, double min, double max)
{
	if (min != 0 || max != 1 || fabs(sum - sumsq) > 1e-9 * (double)n)
		return -1;
	double k = round(sum);
	return k >= 0 && k <= (double)n ? (int64_t)k : -1;
}

const char *sl_stats_bounded_mean(uint64_t n, double sum, double sumsq, double min, double max,
				  double z, struct sl_interval *out)
{
	if (n == 0 || isnan(min) || isnan(max) || min > max)
		return NULL;
	int64_t k = count_of_ones(n, sum, sumsq, min, max);
	if (k >= 0) {
		*out = sl_stats_wilson((uint64_t)k, n, z);
		return "wilson";
	}
	if (n <= SL_BOOTSTRAP_MAX_N)
		return NULL;
	*out = sl_stats_normal_mean(n, sum, sumsq, z);
	/* the mean itself may round a hair past the range when every value is the same */
	out->estimate = fmin(fmax(out->estimate, min), max);
	out->lo = fmin(fmax(out->lo, min), out->estimate);
	out->hi = fmax(fmin(out->hi, max), out->estimate);
	return "normal";
}

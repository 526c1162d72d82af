/* Statistics shared by scoring and reports: values checked against numpy's documented
 * percentile behaviour, R's prop.test Wilson interval, and hand-derived cases. */
#include "test.h"

#include "shortlist/stats.h"
#include "shortlist/util.h"

static void test_mean_std(void)
{
	double x[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	CHECK_NEAR(sl_stats_mean(x, 8), 5.0, 1e-12);
	/* The classic population-std example: sqrt(32/8) = 2; sample std sqrt(32/7). */
	CHECK_NEAR(sl_stats_std(x, 8, 0), 2.0, 1e-12);
	CHECK_NEAR(sl_stats_std(x, 8, 1), sqrt(32.0 / 7.0), 1e-12);
	CHECK(isnan(sl_stats_mean(x, 0)));
	CHECK(isnan(sl_stats_std(x, 1, 1)));
	CHECK_NEAR(sl_stats_min(x, 8), 2, 0);
	CHECK_NEAR(sl_stats_max(x, 8), 9, 0);
	/* Large offset: a one-pass formula would lose every digit here. */
	double big[] = { 1e9 + 1, 1e9 + 2, 1e9 + 3 };
	CHECK_NEAR(sl_stats_std(big, 3, 1), 1.0, 1e-9);
}

static void test_percentile(void)
{
	/* numpy.percentile docs example: a = [[10, 7, 4], [3, 2, 1]], np.percentile(a, 50)
	 * == 3.5 (numpy/lib/function_base.py docstring). */
	double a[] = { 10, 7, 4, 3, 2, 1 };
	CHECK_NEAR(sl_stats_percentile(a, 6, 50), 3.5, 1e-12);
	/* rank = p/100 (n-1): [1,2,3,4] at 90 -> rank 2.7 -> 3 + 0.7 = 3.7 */
	double b[] = { 4, 1, 3, 2 };
	CHECK_NEAR(sl_stats_percentile(b, 4, 90), 3.7, 1e-12);
	CHECK_NEAR(sl_stats_percentile(b, 4, 0), 1, 0);
	CHECK_NEAR(sl_stats_percentile(b, 4, 100), 4, 0);
	CHECK_NEAR(sl_stats_percentile(b, 4, 25), 1.75, 1e-12);
	CHECK_NEAR(sl_stats_percentile(b, 1, 99), 4, 0);
	CHECK(isnan(sl_stats_percentile(b, 0, 50)));
	CHECK(isnan(sl_stats_percentile(b, 4, 101)));
	/* Input left untouched. */
	CHECK_NEAR(b[0], 4, 0);

	double lat[101];
	for (int i = 0; i <= 100; i++)
		lat[i] = 100 - i; /* 0..100 reversed */
	struct sl_summary s;
	sl_stats_summarize(lat, 101, &s);
	CHECK_INT(s.n, 101);
	CHECK_NEAR(s.p50, 50, 1e-12);
	CHECK_NEAR(s.p95, 95, 1e-12);
	CHECK_NEAR(s.p99, 99, 1e-12);
	CHECK_NEAR(s.min, 0, 0);
	CHECK_NEAR(s.max, 100, 0);
}

/* The running median equals the sorted percentile after every value, ties and NaNs included. */
static void test_running_median(void)
{
	struct sl_running_median m = { 0 };
	CHECK(isnan(sl_running_median_get(&m)));
	struct sl_rng rng;
	sl_rng_seed(&rng, 7);
	double x[501];
	size_t n = 0;
	for (int i = 0; i < 600; i++) {
		double v = i % 97 == 5 ? NAN : (double)sl_rng_below(&rng, 50) / 4;
		sl_running_median_add(&m, v);
		if (!isnan(v))
			x[n++] = v;
		if (n == sizeof x / sizeof x[0])
			break;
		CHECK_NEAR(sl_running_median_get(&m), sl_stats_percentile(x, n, 50), 1e-12);
	}
	sl_running_median_free(&m);
}

/* Past SL_MEDIAN_EXACT values the running median keeps counts, not values (a million-cell
 * run's live progress in fixed memory), and stays within 1% of the exact median. */
static void test_running_median_bounded(void)
{
	struct sl_running_median m = { 0 };
	struct sl_rng rng;
	sl_rng_seed(&rng, 11);
	size_t n = 3 * SL_MEDIAN_EXACT + 1;
	double *x = sl_xmalloc(n * sizeof *x);
	for (size_t i = 0; i < n; i++) {
		x[i] = 0.5 + (double)sl_rng_below(&rng, 100000) / 100;
		sl_running_median_add(&m, x[i]);
		if (i + 2 == SL_MEDIAN_EXACT)
			CHECK(m.buckets == NULL);
	}
	CHECK(m.buckets != NULL && m.lo == NULL && m.hi == NULL);
	double exact = sl_stats_percentile(x, n, 50), got = sl_running_median_get(&m);
	CHECK(fabs(got - exact) <= 0.01 * exact);
	sl_running_median_add(&m, 0); /* below the buckets' range: counts as 0 */
	CHECK(fabs(sl_running_median_get(&m) - exact) <= 0.01 * exact);
	sl_running_median_free(&m);
	free(x);
}

static void test_wilson(void)
{
	/* R: prop.test(5, 10, correct = FALSE, conf.level = 0.9)$conf.int =
	 * 0.2692718 0.7307282 (the expectation of tern's prop_wilson unit test). */
	struct sl_interval w = sl_stats_wilson(5, 10, 1.6448536269514722);
	CHECK_NEAR(w.lo, 0.2692718, 1e-7);
	CHECK_NEAR(w.hi, 0.7307282, 1e-7);
	CHECK_NEAR(w.estimate, 0.5, 0);
	/* 8/10 at 95%: the closed form evaluated independently (Python, math module). */
	w = sl_stats_wilson(8, 10, SL_Z95);
	CHECK_NEAR(w.lo, 0.4901624715, 1e-9);
	CHECK_NEAR(w.hi, 0.9433178485, 1e-9);
	/* The edges stay inside [0, 1] and are not degenerate like Wald's. */
	w = sl_stats_wilson(0, 10, SL_Z95);
	CHECK_NEAR(w.lo, 0, 0);
	CHECK_NEAR(w.hi, 0.2775327999, 1e-9);
	w = sl_stats_wilson(10, 10, SL_Z95);
	CHECK_NEAR(w.lo, 0.7224672001, 1e-9);
	CHECK(w.hi <= 1.0);
	w = sl_stats_wilson(0, 0, SL_Z95);
	CHECK(isnan(w.lo) && isnan(w.hi));
}

static void test_rng(void)
{
	/* xoshiro256** from the splitmix64 seeding: deterministic for a seed, different
	 * across seeds. */
	struct sl_rng a, b, c;
	sl_rng_seed(&a, 42);
	sl_rng_seed(&b, 42);
	sl_rng_seed(&c, 43);
	int same = 0, diff = 0;
	for (int i = 0; i < 100; i++) {
		uint64_t x = sl_rng_next(&a), y = sl_rng_next(&b), z = sl_rng_next(&c);
		same += x == y;
		diff += x != z;
	}
	CHECK_INT(same, 100);
	CHECK_INT(diff, 100);
	/* splitmix64's first output for seed 0 is the published 0xe220a8397b1dcdaf. */
	struct sl_rng z;
	sl_rng_seed(&z, 0);
	CHECK(z.s[0] == 0xe220a8397b1dcdafu);

	/* Uniform below: every value hit, counts roughly equal (chi-square-free sanity). */
	int counts[6] = { 0 };
	for (int i = 0; i < 60000; i++) {
		uint64_t v = sl_rng_below(&a, 6);
		CHECK(v < 6);
		counts[v]++;
	}
	for (int k = 0; k < 6; k++)
		CHECK(counts[k] > 9500 && counts[k] < 10500);
	double d = sl_rng_double(&a);
	CHECK(d >= 0 && d < 1);

	int perm[10];
	for (int i = 0; i < 10; i++)
		perm[i] = i;
	sl_rng_shuffle(&a, perm, 10, sizeof perm[0]);
	int seen = 0;
	for (int i = 0; i < 10; i++)
		seen |= 1 << perm[i];
	CHECK_INT(seen, 0x3ff);
}

static void test_bootstrap(void)
{
	double x[50];
	for (int i = 0; i < 50; i++)
		x[i] = i % 5; /* mean 2, sd ~1.43 */
	struct sl_interval r1 = sl_stats_bootstrap_mean(x, 50, 2000, 0.95, 7);
	struct sl_interval r2 = sl_stats_bootstrap_mean(x, 50, 2000, 0.95, 7);
	CHECK_NEAR(r1.estimate, 2.0, 1e-12);
	CHECK(r1.lo == r2.lo && r1.hi == r2.hi); /* same seed, same interval */
	CHECK(r1.lo < 2.0 && r1.hi > 2.0);
	/* Normal theory half-width 1.96 * 1.4142/sqrt(50) = 0.39; the bootstrap agrees
	 * within sampling noise. */
	CHECK(r1.hi - r1.lo > 0.6 && r1.hi - r1.lo < 0.95);
	/* A constant sample has a zero-width interval. */
	double c[5] = { 3, 3, 3, 3, 3 };
	struct sl_interval rc = sl_stats_bootstrap_mean(c, 5, 100, 0.95, 1);
	CHECK_NEAR(rc.lo, 3, 0);
	CHECK_NEAR(rc.hi, 3, 0);
	CHECK(isnan(sl_stats_bootstrap_mean(c, 0, 100, 0.95, 1).lo));
}

/* 99.9% point of chi-square with df degrees of freedom (Wilson-Hilferty, within 1% here). */
static double chisq_999(double df)
{
	double a = 2 / (9 * df);
	return df * pow(1 - a + 3.090232 * sqrt(a), 3);
}

/* Each sampler regime (inversion, BTRS, both mirrored for p > 0.5, and either side of the
 * switch at np = 30) against the exact pmf: a chi-square test over 100,000 draws (cells
 * with fewer than 5 expected draws pooled into their neighbours) at the 0.1% level, and the
 * mean. */
static void test_binomial(void)
{
	static const struct { uint64_t n; double p; } cases[] = {
		{ 20, 0.3 }, { 1000, 0.004 }, { 100, 0.5 }, { 3000, 0.2 }, { 50, 0.9 },
		{ 10000, 0.7 }, { 40, 0.25 }, { 1, 0.5 }, { 60, 0.49 }, { 100, 0.31 },
	};
	enum { DRAWS = 100000 };
	struct sl_rng rng;
	sl_rng_seed(&rng, 11);
	for (size_t t = 0; t < SL_ARRAY_LEN(cases); t++) {
		uint64_t n = cases[t].n;
		double p = cases[t].p;
		uint64_t *seen = sl_xcalloc(n + 1, sizeof *seen);
		double sum = 0;
		for (int i = 0; i < DRAWS; i++) {
			uint64_t k = sl_rng_binomial(&rng, n, p);
			CHECK(k <= n);
			seen[k <= n ? k : n]++;
			sum += (double)k;
		}
		CHECK_NEAR(sum / DRAWS, (double)n * p, 4 * sqrt((double)n * p * (1 - p) / DRAWS));
		double chi = 0, exp_cell = 0, obs_cell = 0;
		int df = -1;
		for (uint64_t k = 0; k <= n; k++) {
			double lp = lgamma((double)n + 1) - lgamma((double)k + 1) -
				    lgamma((double)(n - k) + 1) + (double)k * log(p) +
				    (double)(n - k) * log1p(-p);
			exp_cell += DRAWS * exp(lp);
			obs_cell += (double)seen[k];
			if (exp_cell >= 5 || k == n) {
				chi += (obs_cell - exp_cell) * (obs_cell - exp_cell) /
				       (exp_cell > 0 ? exp_cell : 1);
				exp_cell = obs_cell = 0;
				df++;
			}
		}
		if (df > 0 && !(chi < chisq_999(df))) {
			fprintf(stderr, "binomial(%llu, %g): chi-square %.1f on %d df\n",
				(unsigned long long)n, p, chi, df);
			CHECK(chi < chisq_999(df));
		}
		free(seen);
	}
	CHECK_INT(sl_rng_binomial(&rng, 0, 0.5), 0);
	CHECK_INT(sl_rng_binomial(&rng, 7, 0), 0);
	CHECK_INT(sl_rng_binomial(&rng, 7, 1), 7);
}

/* The bootstrap over a histogram has the per-value bootstrap's distribution: at 10,000
 * resamples each, the 0.5%, 5%, 25%, 75%, 95% and 99.5% points of the resampled means agree
 * within 6% of the 95% half-width (the Monte Carlo error of each is about 1.4%). */
static void test_bootstrap_counts(void)
{
	double values[] = { 0, 0.25, 0.5, 0.75, 1 };
	uint64_t counts[] = { 37, 12, 80, 3, 268 }; /* n = 400, skewed to 1 */
	double x[400];
	size_t n = 0;
	for (size_t i = 0; i < 5; i++)
		for (uint64_t c = 0; c < counts[i]; c++)
			x[n++] = values[i];
	/* shuffled: the per-value bootstrap must not depend on the order either */
	struct sl_rng rng;
	sl_rng_seed(&rng, 3);
	sl_rng_shuffle(&rng, x, n, sizeof *x);
	struct sl_interval h95 = sl_stats_bootstrap_mean_counts(values, counts, 5, 20000, 0.95, 5);
	CHECK_NEAR(h95.estimate, sl_stats_mean(x, n), 1e-12);
	double half = (h95.hi - h95.lo) / 2;
	CHECK(half > 0);
	static const double levels[] = { 0.99, 0.9, 0.5 };
	for (size_t l = 0; l < SL_ARRAY_LEN(levels); l++) {
		struct sl_interval h = sl_stats_bootstrap_mean_counts(values, counts, 5, 10000,
								      levels[l], 5);
		struct sl_interval v = sl_stats_bootstrap_mean(x, n, 10000, levels[l], 6);
		CHECK_NEAR(h.lo, v.lo, 0.06 * half);
		CHECK_NEAR(h.hi, v.hi, 0.06 * half);
	}
	/* Two values: the resampled mean is Binomial(1000, 0.03) / 1000 exactly, whose 2.5% and
	 * 97.5% points are 20 and 41 (R: qbinom(c(.025, .975), 1000, .03)). */
	double bin[] = { 0, 1 };
	uint64_t bc[] = { 970, 30 };
	struct sl_interval b = sl_stats_bootstrap_mean_counts(bin, bc, 2, 20000, 0.95, 9);
	CHECK_NEAR(b.estimate, 0.03, 1e-15);
	CHECK_NEAR(b.lo, 0.020, 0.0011);
	CHECK_NEAR(b.hi, 0.041, 0.0011);
	/* the same seed, the same interval; one value, no width; nothing, NaN */
	struct sl_interval again = sl_stats_bootstrap_mean_counts(values, counts, 5, 20000, 0.95, 5);
	CHECK(again.lo == h95.lo && again.hi == h95.hi);
	double three = 3;
	uint64_t five = 5;
	struct sl_interval c = sl_stats_bootstrap_mean_counts(&three, &five, 1, 100, 0.95, 1);
	CHECK(c.lo == 3 && c.hi == 3);
	CHECK(isnan(sl_stats_bootstrap_mean_counts(values, counts, 0, 100, 0.95, 1).lo));

	/* grouped: 5 distinct values in 400 go by the histogram (sorted, as the counts above);
	 * 400 distinct ones by value, draw for draw */
	struct sl_interval g = sl_stats_bootstrap_mean_grouped(x, n, 20000, 0.95, 5);
	CHECK(g.lo == h95.lo && g.hi == h95.hi);
	for (size_t i = 0; i < n; i++)
		x[i] = (double)i / 7;
	g = sl_stats_bootstrap_mean_grouped(x, n, 1000, 0.95, 5);
	struct sl_interval v = sl_stats_bootstrap_mean(x, n, 1000, 0.95, 5);
	CHECK(g.lo == v.lo && g.hi == v.hi);
	CHECK(isnan(sl_stats_bootstrap_mean_grouped(x, 0, 1000, 0.95, 5).lo));
}

/* Seeded samples shaped like the scores that get a mean (ROUGE-like with many zeros, a
 * skewed similarity, a judge's grades, nearly all ones, exponential): n values. */
static double *score_sample(int shape, size_t n, uint64_t seed)
{
	struct sl_rng rng;
	sl_rng_seed(&rng, seed);
	double *x = sl_xmalloc(n * sizeof *x);
	for (size_t i = 0; i < n; i++) {
		double u = sl_rng_double(&rng);
		switch (shape) {
		case 0: x[i] = u < 0.4 ? 0 : sl_rng_double(&rng) * sl_rng_double(&rng); break;
		case 1: x[i] = u * u * u * u; break;
		case 2: x[i] = u < 0.6 ? 5 : u < 0.8 ? 4 : u < 0.9 ? 3 : u < 0.95 ? 2 : 1; break;
		case 3: x[i] = u < 0.97 ? 1 : 0; break;
		default: x[i] = -log(1 - u); break;
		}
	}
	return x;
}

/* The scorecard's switch to the normal interval above SL_BOOTSTRAP_MAX_N values: from
 * there on, each end is within 5% of the half-width of the bootstrap's (10,000 resamples,
 * Monte Carlo error about 1.4%) for every shape above, the worst skewness being 5.5 (97%
 * ones), give or take one step of the bootstrap's means (the values' smallest gap / n: on
 * 0/1 values its ends are multiples of 1/n, 7% of the half-width here). Worst seen: 2.6%
 * on continuous values, 3.7% on 0/1 values. Far below the threshold the two do differ by
 * more: the switch is not free everywhere. */
static void test_normal_switch(void)
{
	for (int shape = 0; shape < 5; shape++) {
		size_t n = SL_BOOTSTRAP_MAX_N;
		double *x = score_sample(shape, n, 100 + (uint64_t)shape);
		double sum = 0, sumsq = 0;
		for (size_t i = 0; i < n; i++) {
			sum += x[i];
			sumsq += x[i] * x[i];
		}
		struct sl_interval nm = sl_stats_normal_mean(n, sum, sumsq, SL_Z95);
		struct sl_interval bs = sl_stats_bootstrap_mean_grouped(x, n, 10000, 0.95, 1);
		sl_stats_sort(x, n);
		double gap = INFINITY;
		for (size_t i = 1; i < n; i++)
			if (x[i] > x[i - 1] && x[i] - x[i - 1] < gap)
				gap = x[i] - x[i - 1];
		double half = (nm.hi - nm.lo) / 2, tol = 0.05 * half + gap / (double)n;
		if (!(fabs(nm.lo - bs.lo) <= tol && fabs(nm.hi - bs.hi) <= tol))
			fprintf(stderr, "shape %d: normal [%.5f, %.5f], bootstrap [%.5f, %.5f]: "
				"%.1f%%, %.1f%% of the half-width\n", shape, nm.lo, nm.hi, bs.lo,
				bs.hi, 100 * (nm.lo - bs.lo) / half, 100 * (nm.hi - bs.hi) / half);
		CHECK_NEAR(nm.estimate, sum / (double)n, 1e-12);
		CHECK_NEAR(nm.lo, bs.lo, tol);
		CHECK_NEAR(nm.hi, bs.hi, tol);
		free(x);
	}
	/* exponential values, n = 20: the bootstrap is lopsided, the normal interval is not (its
	 * low end is 8.6% of the half-width below the bootstrap's) */
	double *x = score_sample(4, 20, 105);
	double sum = 0, sumsq = 0;
	for (size_t i = 0; i < 20; i++) {
		sum += x[i];
		sumsq += x[i] * x[i];
	}
	struct sl_interval nm = sl_stats_normal_mean(20, sum, sumsq, SL_Z95);
	struct sl_interval bs = sl_stats_bootstrap_mean(x, 20, 20000, 0.95, 1);
	CHECK(fabs(nm.lo - bs.lo) > 0.05 * (nm.hi - nm.lo) / 2);
	free(x);
	struct sl_interval one = sl_stats_normal_mean(1, 0.5, 0.25, SL_Z95);
	CHECK(one.lo == 0.5 && one.hi == 0.5);
	CHECK(isnan(sl_stats_normal_mean(0, 0, 0, SL_Z95).lo));
}

/* sl_stats_bounded_mean: inside the observed range, always containing the mean. */
static void test_bounded_mean(void)
{
	struct sl_interval iv;
	/* 0/1 values are a proportion at any n: Wilson's interval, exactly */
	CHECK_STR(sl_stats_bounded_mean(10, 8, 8, 0, 1, SL_Z95, &iv), "wilson");
	struct sl_interval w = sl_stats_wilson(8, 10, SL_Z95);
	CHECK(iv.lo == w.lo && iv.hi == w.hi && iv.estimate == 0.8);
	CHECK_STR(sl_stats_bounded_mean(2500, 2499, 2499, 0, 1, SL_Z95, &iv), "wilson");
	CHECK(iv.hi < 1 && iv.lo < 0.9996);
	/* every value the same: the interval is that value */
	CHECK_STR(sl_stats_bounded_mean(3000, 3000 * 0.1, 3000 * 0.01, 0.1, 0.1, SL_Z95, &iv),
		  "normal");
	CHECK(iv.lo == 0.1 && iv.hi == 0.1 && iv.estimate == 0.1);
	/* any other mean: the bootstrap's below the switch, the normal interval clipped above */
	CHECK(sl_stats_bounded_mean(2000, 1000.5, 800, 0, 1, SL_Z95, &iv) == NULL);
	CHECK(sl_stats_bounded_mean(2001, 1000.5, 800, 0.2, NAN, SL_Z95, &iv) == NULL);
	double sum = 2498 * 0.9 + 0.7, sumsq = 2498 * 0.81 + 0.29;
	struct sl_interval nm = sl_stats_normal_mean(2500, sum, sumsq, SL_Z95);
	CHECK_STR(sl_stats_bounded_mean(2500, sum, sumsq, 0.2, 0.9, SL_Z95, &iv), "normal");
	CHECK(nm.hi > 0.9 && iv.hi == 0.9 && iv.lo == nm.lo);
	CHECK(iv.lo <= iv.estimate && iv.estimate <= iv.hi);
}

static void test_correlation(void)
{
	/* scipy.stats.spearmanr docstring: spearmanr([1,2,3,4,5], [5,6,7,8,7]) = 0.8207826816681233 */
	double a[] = { 1, 2, 3, 4, 5 }, b[] = { 5, 6, 7, 8, 7 };
	CHECK_NEAR(sl_stats_spearman(a, b, 5), 0.8207826816681233, 1e-12);
	/* scipy.stats.pearsonr docstring: pearsonr([1,2,3,4,5], [10,9,2.5,6,4]) = -0.7426106572325057 */
	double c[] = { 10, 9, 2.5, 6, 4 };
	CHECK_NEAR(sl_stats_pearson(a, c, 5), -0.7426106572325057, 1e-12);
	CHECK(isnan(sl_stats_pearson(a, a, 1)));
	double k[] = { 3, 3, 3, 3, 3 };
	CHECK(isnan(sl_stats_spearman(a, k, 5)));
}

TEST_MAIN_BEGIN
	RUN_TEST(test_mean_std);
	RUN_TEST(test_percentile);
	RUN_TEST(test_running_median);
	RUN_TEST(test_running_median_bounded);
	RUN_TEST(test_wilson);
	RUN_TEST(test_rng);
	RUN_TEST(test_bootstrap);
	RUN_TEST(test_binomial);
	RUN_TEST(test_bootstrap_counts);
	RUN_TEST(test_normal_switch);
	RUN_TEST(test_bounded_mean);
	RUN_TEST(test_correlation);
TEST_MAIN_END

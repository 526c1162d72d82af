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
	RUN_TEST(test_correlation);
TEST_MAIN_END

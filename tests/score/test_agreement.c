/* Agreement and Bradley-Terry. Expected values: scikit-learn's test_cohen_kappa
 * (sklearn/metrics/tests/test_classification.py, citing Artstein & Poesio 2008), and
 * fast-krippendorff's tests/test_krippendorff.py (Krippendorff 2011 and the Wikipedia
 * computational example). */
#include "test.h"

#include "shortlist/agreement.h"
#include "shortlist/bradley_terry.h"
#include "shortlist/util.h"

static size_t fill(double *v, size_t at, double x, size_t count)
{
	for (size_t i = 0; i < count; i++)
		v[at + i] = x;
	return at + count;
}

static void test_kappa(void)
{
	double a[104], b[104];
	size_t n;
	/* Artstein & Poesio Table 1: contingency [[20, 20], [10, 50]] -> 0.348 */
	n = fill(a, 0, 0, 40);
	n = fill(a, n, 1, 60);
	n = fill(b, 0, 0, 20);
	n = fill(b, n, 1, 20);
	n = fill(b, n, 0, 10);
	n = fill(b, n, 1, 50);
	double k = sl_cohen_kappa(a, b, 100, SL_KAPPA_UNWEIGHTED);
	CHECK_NEAR(k, 0.348, 5e-4);
	CHECK_NEAR(sl_cohen_kappa(b, a, 100, SL_KAPPA_UNWEIGHTED), k, 1e-15);
	CHECK_NEAR(sl_cohen_kappa(a, a, 100, SL_KAPPA_UNWEIGHTED), 1.0, 1e-15);
	/* Units one rater skipped (NAN) take no part. */
	a[100] = 2;
	b[100] = NAN;
	CHECK_NEAR(sl_cohen_kappa(a, b, 101, SL_KAPPA_UNWEIGHTED), k, 1e-15);

	/* Artstein & Poesio Table 4 (multiclass) -> 0.8013 */
	n = fill(a, 0, 0, 46);
	n = fill(a, n, 1, 44);
	n = fill(a, n, 2, 10);
	n = fill(b, 0, 0, 52);
	n = fill(b, n, 1, 32);
	n = fill(b, n, 2, 16);
	CHECK_NEAR(sl_cohen_kappa(a, b, 100, SL_KAPPA_UNWEIGHTED), 0.8013, 5e-5);
	/* weighting example: 0.9315 none, 0.9412 linear, 0.9541 quadratic */
	n = fill(b, 0, 0, 50);
	n = fill(b, n, 1, 40);
	n = fill(b, n, 2, 10);
	CHECK_NEAR(sl_cohen_kappa(a, b, 100, SL_KAPPA_UNWEIGHTED), 0.9315, 5e-5);
	CHECK_NEAR(sl_cohen_kappa(a, b, 100, SL_KAPPA_LINEAR), 0.9412, 5e-5);
	CHECK_NEAR(sl_cohen_kappa(a, b, 100, SL_KAPPA_QUADRATIC), 0.9541, 5e-5);
	/* One label only: undefined. */
	double c[3] = { 1, 1, 1 };
	CHECK(isnan(sl_cohen_kappa(c, c, 3, SL_KAPPA_UNWEIGHTED)));
	CHECK(isnan(sl_cohen_kappa(c, c, 0, SL_KAPPA_UNWEIGHTED)));
}

#define X NAN

static void test_alpha(void)
{
	/* test_nominal_metric_reliability_data / test_interval_metric (the Wikipedia
	 * example): 3 coders x 15 units -> nominal 0.691358, interval 0.810845 */
	const double w[3 * 15] = {
		X, X, X, X, X, 3, 4, 1, 2, 1, 1, 3, 3, X, 3,
		1, X, 2, 1, 3, 3, 4, 3, X, X, X, X, X, X, X,
		X, X, 2, 1, 3, 4, 4, X, 2, 1, 1, 3, 3, X, 4,
	};
	size_t pairable;
	CHECK_NEAR(sl_krippendorff_alpha(w, 3, 15, SL_ALPHA_NOMINAL, &pairable), 0.691358, 5e-7);
	CHECK_INT(pairable, 26); /* 12 pairable units: ten with 2 values, two with 3 */
	CHECK_NEAR(sl_krippendorff_alpha(w, 3, 15, SL_ALPHA_INTERVAL, NULL), 0.810845, 5e-7);

	/* Krippendorff (2011) §C, 4 observers x 12 units with missing values:
	 * ordinal 0.815 and ratio 0.797 (test_ordinal_metric / test_ratio_metric); nominal
	 * 0.743 and interval 0.849 are the values the paper itself reports. */
	const double k[4 * 12] = {
		1, 2, 3, 3, 2, 1, 4, 1, 2, X, X, X,
		1, 2, 3, 3, 2, 2, 4, 1, 2, 5, X, 3,
		X, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, X,
		1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, X,
	};
	CHECK_NEAR(sl_krippendorff_alpha(k, 4, 12, SL_ALPHA_ORDINAL, NULL), 0.815, 5e-4);
	CHECK_NEAR(sl_krippendorff_alpha(k, 4, 12, SL_ALPHA_RATIO, NULL), 0.797, 5e-4);
	CHECK_NEAR(sl_krippendorff_alpha(k, 4, 12, SL_ALPHA_NOMINAL, NULL), 0.743, 5e-4);
	CHECK_NEAR(sl_krippendorff_alpha(k, 4, 12, SL_ALPHA_INTERVAL, NULL), 0.849, 5e-4);

	/* test_string_labels_nominal: pos/neg/neu coded 1/2/3 -> 0.722222 */
	const double s[3 * 4] = { 1, 2, 3, X, 1, 2, 3, 1, 1, 2, 1, 1 };
	CHECK_NEAR(sl_krippendorff_alpha(s, 3, 4, SL_ALPHA_NOMINAL, NULL), 0.722222, 5e-7);
	/* test_perfect_agreement, test_ratio_metric_with_zeros */
	const double p[3 * 4] = { 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4 };
	CHECK_NEAR(sl_krippendorff_alpha(p, 3, 4, SL_ALPHA_NOMINAL, NULL), 1.0, 1e-15);
	CHECK_NEAR(sl_krippendorff_alpha(p, 3, 4, SL_ALPHA_INTERVAL, NULL), 1.0, 1e-15);
	const double z[2 * 3] = { 0, 1, 2, 0, 1, 2 };
	CHECK_NEAR(sl_krippendorff_alpha(z, 2, 3, SL_ALPHA_RATIO, NULL), 1.0, 1e-15);
	/* Undefined: one value only, or no unit rated twice. */
	const double one[2 * 2] = { 1, 1, 1, 1 };
	CHECK(isnan(sl_krippendorff_alpha(one, 2, 2, SL_ALPHA_NOMINAL, NULL)));
	const double lone[2 * 2] = { 1, X, X, 2 };
	CHECK(isnan(sl_krippendorff_alpha(lone, 2, 2, SL_ALPHA_NOMINAL, NULL)));
	CHECK_STR(sl_alpha_level_name(SL_ALPHA_ORDINAL), "ordinal");
}

static void test_bradley_terry(void)
{
	struct sl_bt_result r;
	/* Two items, A beats B 3 times, B beats A once: the MLE is p_A / p_B = 3. */
	struct sl_vote v[] = { { 0, 1, 1 }, { 0, 1, 1 }, { 1, 0, 0 }, { 0, 1, 0 } };
	CHECK_INT(sl_bradley_terry(v, 4, 2, 0, 0, 1, &r), 0);
	CHECK(r.converged);
	CHECK_NEAR(r.strength[0] / r.strength[1], 3.0, 1e-8);
	CHECK_NEAR(r.strength[0] + r.strength[1], 1.0, 1e-12);
	CHECK(r.ci == NULL);
	sl_bt_result_free(&r);

	/* Three items in a cycle with unequal counts: at the MLE the expected wins equal the
	 * observed wins for every item (the likelihood equations). Ties count half. */
	struct sl_vote c[] = {
		{ 0, 1, 1 }, { 0, 1, 1 }, { 0, 1, 0 }, { 1, 2, 1 }, { 1, 2, 1 }, { 1, 2, 1 },
		{ 2, 1, 0.5 }, { 2, 0, 1 }, { 0, 2, 1 }, { 0, 2, 1 }, { 2, 0, 0.5 },
	};
	size_t nc = SL_ARRAY_LEN(c);
	CHECK_INT(sl_bradley_terry(c, nc, 3, 0, 200, 42, &r), 0);
	double wins[3] = { 0 }, expect[3] = { 0 };
	for (size_t i = 0; i < nc; i++) {
		double pa = r.strength[c[i].a], pb = r.strength[c[i].b];
		wins[c[i].a] += c[i].outcome;
		wins[c[i].b] += 1 - c[i].outcome;
		expect[c[i].a] += pa / (pa + pb);
		expect[c[i].b] += pb / (pa + pb);
	}
	for (int i = 0; i < 3; i++)
		CHECK_NEAR(expect[i], wins[i], 1e-6);
	for (int i = 0; i < 3; i++)
		CHECK(r.ci[i].lo <= r.strength[i] + 1e-12 && r.strength[i] <= r.ci[i].hi + 1e-12);
	struct sl_bt_result r2;
	sl_bradley_terry(c, nc, 3, 0, 200, 42, &r2);
	CHECK(r2.ci[1].lo == r.ci[1].lo && r2.ci[1].hi == r.ci[1].hi); /* seeded */
	sl_bt_result_free(&r2);
	sl_bt_result_free(&r);

	/* An unbeaten item: the prior keeps every strength finite and positive. */
	struct sl_vote u[] = { { 0, 1, 1 }, { 0, 1, 1 } };
	CHECK_INT(sl_bradley_terry(u, 2, 2, 0.5, 0, 1, &r), 0);
	CHECK(r.strength[1] > 0 && r.strength[0] > r.strength[1]);
	sl_bt_result_free(&r);
	/* Only items 0 and 1 were compared: item 2 has no strength (NAN), and the other two
	 * share the whole scale as if it were not there (it kept 1/3 and shrank them to 0.500
	 * and 0.167). The same holds in every bootstrap resample. */
	struct sl_vote two[] = { { 0, 1, 1 }, { 0, 1, 1 }, { 0, 1, 1 }, { 1, 0, 1 } };
	CHECK_INT(sl_bradley_terry(two, 4, 3, 0, 200, 7, &r), 0);
	CHECK_NEAR(r.strength[0], 0.75, 1e-8);
	CHECK_NEAR(r.strength[1], 0.25, 1e-8);
	CHECK(isnan(r.strength[2]));
	CHECK(isnan(r.ci[2].lo) && isnan(r.ci[2].hi));
	CHECK(r.ci[0].lo <= 0.75 && r.ci[0].hi >= 0.75 && r.ci[0].hi <= 1);
	CHECK(r.ci[1].lo >= 0 && r.ci[1].lo <= 0.25 && r.ci[1].hi >= 0.25);
	sl_bt_result_free(&r);
	/* Votes among 0 and 2 and among 1 and 2 only in some resamples: intervals stay finite. */
	struct sl_vote sparse[] = { { 0, 1, 1 }, { 1, 2, 1 }, { 0, 2, 0.5 }, { 0, 1, 0 },
				    { 1, 2, 0 }, { 3, 0, 0 } };
	CHECK_INT(sl_bradley_terry(sparse, 6, 5, 0.5, 200, 3, &r), 0);
	double sum = 0;
	for (int i = 0; i < 4; i++) {
		CHECK(isfinite(r.strength[i]) && isfinite(r.ci[i].lo) && isfinite(r.ci[i].hi));
		sum += r.strength[i];
	}
	CHECK_NEAR(sum, 1, 1e-9);
	CHECK(isnan(r.strength[4]));
	sl_bt_result_free(&r);
	struct sl_vote bad[] = { { 0, 5, 1 } };
	CHECK_INT(sl_bradley_terry(bad, 1, 2, 0, 0, 1, &r), -1);
}

TEST_MAIN_BEGIN
	RUN_TEST(test_kappa);
	RUN_TEST(test_alpha);
	RUN_TEST(test_bradley_terry);
TEST_MAIN_END

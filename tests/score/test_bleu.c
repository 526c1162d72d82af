/* BLEU against sacreBLEU's published expectations: every expected value below is asserted
 * in mjpost/sacrebleu test/test_bleu.py as of commit 785d26bb (sacreBLEU 2.x; the list it
 * comes from is named next to it). */
#include "test.h"

#include "shortlist/bleu.h"

static const char *const refs_a[] = { "The dog bit the man.", "It was not unexpected.",
				      "The man bit him first." };
static const char *const refs_b[] = { "The dog had bit the man.", "No one was surprised.",
				      "The man had bitten the dog." };
static const char *const hyps[] = { "The dog bit the man.", "It wasn't surprising.",
				    "The man had just bitten him." };

static double corpus(const char *const *h, struct sl_bleu_opts opts, struct sl_bleu_result *res)
{
	struct sl_bleu *b = sl_bleu_new(&opts);
	for (int i = 0; i < 3; i++) {
		const char *refs[2] = { refs_a[i], refs_b[i] };
		sl_bleu_add(b, h[i], refs, 2);
	}
	sl_bleu_result(b, res);
	sl_bleu_free(b);
	return res->score;
}

static void test_corpus_bleu(void)
{
	/* test_corpus_bleu_cases */
	struct sl_bleu_result r;
	struct sl_bleu_opts def = { .smooth_value = -1 };
	CHECK_NEAR(corpus(hyps, def, &r), 48.530827, 1e-6);
	CHECK_STR(r.signature, "nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|impl:shortlist");
	const char *const empty[] = { "", "", "" };
	CHECK_NEAR(corpus(empty, def, &r), 0.0, 0);
	CHECK_INT(r.sys_len, 0);
	struct sl_bleu_opts none = { .tokenize = SL_BLEU_TOK_NONE, .smooth_value = -1 };
	CHECK_NEAR(corpus(hyps, none, &r), 49.1919566, 1e-6);
	struct sl_bleu_opts nosmooth = { .smooth = SL_BLEU_SMOOTH_NONE, .smooth_value = -1 };
	CHECK_NEAR(corpus(hyps, nosmooth, &r), 48.530827, 1e-6);
}

/* sacrebleu.raw_corpus_bleu(hyps, [refs], offset): floor smoothing with that value, no
 * tokenization, effective order. */
static double raw(const char *const *h, const char *const *refs, int n, double offset,
		  struct sl_bleu_result *res)
{
	struct sl_bleu_opts o = { .tokenize = SL_BLEU_TOK_NONE, .smooth = SL_BLEU_SMOOTH_FLOOR,
				  .smooth_value = offset, .effective_order = true };
	struct sl_bleu *b = sl_bleu_new(&o);
	for (int i = 0; i < n; i++)
		sl_bleu_add(b, h[i], &refs[i], 1);
	sl_bleu_result(b, res);
	sl_bleu_free(b);
	return res->score / 100;
}

static void test_raw_bleu(void)
{
	struct sl_bleu_result r;
	/* test_raw_bleu_cases; the first "now returns 0.0 score (#141)": no match at all is
	 * 0 whatever the smoothing (it was 0.0037991784 before sacreBLEU 2.0). */
	const char *h1[] = { "this is a test", "another test" }, *r1[] = { "ref1", "ref2" };
	CHECK_NEAR(raw(h1, r1, 2, .01, &r), 0.0, 1e-8);
	const char *h2[] = { "this is a test" }, *r2[] = { "this is a test" };
	CHECK_NEAR(raw(h2, r2, 1, .01, &r), 1.0, 1e-8);
	const char *h3[] = { "this is a fest" }, *r3[] = { "this is a test" };
	CHECK_NEAR(raw(h3, r3, 1, .01, &r), 0.223606797749979, 1e-8);
	/* test_case_effective_order */
	const char *e1[] = { "test" }, *f1[] = { "a test" };
	CHECK_NEAR(raw(e1, f1, 1, .01, &r), 0.3678794411714425, 1e-8);
	const char *e2[] = { "a test" }, *f2[] = { "a test" };
	CHECK_NEAR(raw(e2, f2, 1, .01, &r), 1.0, 1e-8);
	const char *e3[] = { "a little test" }, *f3[] = { "a test" };
	CHECK_NEAR(raw(e3, f3, 1, .01, &r), 0.03218297948685433, 1e-8);
	/* test_case_statistics */
	const char *s1[] = { "am I am a character sequence" },
		   *t1[] = { "I am a symbol string sequence a a" };
	raw(s1, t1, 1, .01, &r);
	double counts[] = { 4, 2, 1, 0 }, totals[] = { 6, 5, 4, 3 };
	for (int i = 0; i < 4; i++) {
		CHECK_NEAR(r.counts[i], counts[i], 0);
		CHECK_NEAR(r.totals[i], totals[i], 0);
	}
	/* test_case_offset: 0.1555722182 with the default floor 0.1, 0 without offset */
	CHECK_NEAR(raw(s1, t1, 1, -1, &r), 0.1555722182, 1e-8);
	CHECK_NEAR(raw(s1, t1, 1, 0.0, &r), 0.0, 1e-8);
}

static void test_compute(void)
{
	/* test_case_scoring: compute_bleu([9,7,5,3], [10,8,6,4], 11, 11) (smooth none) */
	struct sl_bleu_opts o = { .smooth = SL_BLEU_SMOOTH_NONE, .smooth_value = -1 };
	struct sl_bleu_result r;
	double c[] = { 9, 7, 5, 3 }, t[] = { 10, 8, 6, 4 };
	sl_bleu_compute(c, t, 11, 11, &o, &r);
	CHECK_NEAR(r.score / 100, 0.8375922397, 1e-8);
	/* test_case_degenerate_stats (floor smoothing with the given offset): all 0 */
	struct {
		double c[4], t[4];
		uint64_t sys, ref;
		double offset;
	} d[] = {
		{ { 0, 0, 0, 0 }, { 4, 4, 2, 1 }, 0, 1, 0.0 },
		{ { 0, 0, 0, 0 }, { 10, 11, 12, 0 }, 14, 10, 0.0 },
		{ { 0, 0, 0, 0 }, { 0, 0, 0, 0 }, 0, 0, 0.0 },
		{ { 6, 5, 4, 0 }, { 6, 5, 4, 3 }, 6, 6, 0.0 },
		{ { 0, 0, 0, 0 }, { 0, 0, 0, 0 }, 0, 0, 0.1 },
		{ { 0, 0, 0, 0 }, { 0, 0, 0, 0 }, 1, 5, 0.01 },
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(d); i++) {
		struct sl_bleu_opts f = { .smooth = SL_BLEU_SMOOTH_FLOOR, .smooth_value = d[i].offset };
		sl_bleu_compute(d[i].c, d[i].t, d[i].sys, d[i].ref, &f, &r);
		CHECK(r.score == 0.0);
	}
}

static void test_max_order(void)
{
	/* test_bleu_max_order (commit 785d26bb): orders 1-6 on the README example */
	const char *want[] = { "77.65", "60.50", "53.93", "48.53", "46.14", "43.28" };
	for (int k = 1; k <= 6; k++) {
		struct sl_bleu_opts o = { .smooth_value = -1, .max_order = k };
		struct sl_bleu_result r;
		char got[16];
		snprintf(got, sizeof got, "%.2f", corpus(hyps, o, &r));
		CHECK_STR(got, want[k - 1]);
		CHECK_INT(r.order, k);
	}
}

static void test_tokenizer(void)
{
	char *t;
	/* mteval-v13a behaviour: punctuation split, but not inside numbers; apostrophes and
	 * hyphens between letters stay. */
	t = sl_bleu_tokenize_13a("It wasn't surprising.");
	CHECK_STR(t, "It wasn't surprising .");
	free(t);
	t = sl_bleu_tokenize_13a("Pay $3,000.50 on 2019-05-01, ok?");
	CHECK_STR(t, "Pay $ 3,000.50 on 2019 - 05 - 01 , ok ?");
	free(t);
	t = sl_bleu_tokenize_13a("a &amp; b &lt;c&gt; &quot;d&quot; e-\nf <skipped>g");
	CHECK_STR(t, "a & b < c > \" d \" ef g");
	free(t);
	t = sl_bleu_tokenize_13a("  caf\xc3\xa9. \xc3\xa9,x  ");
	CHECK_STR(t, "caf\xc3\xa9 . \xc3\xa9 , x");
	free(t);
	t = sl_bleu_tokenize_13a("");
	CHECK_STR(t, "");
	free(t);
}

/* --lowercase is Python's str.lower() as in sacreBLEU (sentence_bleu: effective order):
 * with only A-Z lowered this pair
 * scored 17.97 instead of 100. */
static void test_lowercase_unicode(void)
{
	struct sl_bleu_opts o = { .lowercase = true, .smooth_value = -1, .effective_order = true };
	struct sl_bleu *b = sl_bleu_new(&o);
	const char *ref = "\xc3\x89" "COLE Stra\xc3\x9f" "e \xc3\x86ON";
	sl_bleu_add(b, "\xc3\xa9" "cole stra\xc3\x9f" "e \xc3\xa6on", &ref, 1);
	struct sl_bleu_result r;
	sl_bleu_result(b, &r);
	sl_bleu_free(b);
	CHECK_NEAR(r.score, 100.0, 1e-9);
	CHECK_CONTAINS(r.signature, "case:lc");
}

TEST_MAIN_BEGIN
	RUN_TEST(test_corpus_bleu);
	RUN_TEST(test_raw_bleu);
	RUN_TEST(test_compute);
	RUN_TEST(test_max_order);
	RUN_TEST(test_tokenizer);
	RUN_TEST(test_lowercase_unicode);
TEST_MAIN_END

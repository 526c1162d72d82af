/* Levenshtein against the python-Levenshtein documentation (maxbachmann/Levenshtein,
 * src/Levenshtein/__init__.py docstrings), cosine and TF-IDF against hand computation. */
#include "test.h"

#include "shortlist/similarity.h"

static void test_levenshtein(void)
{
	/* Levenshtein.distance("lewenstein", "levenshtein") == 2 (docstring) */
	CHECK_INT(sl_levenshtein_distance("lewenstein", "levenshtein"), 2);
	/* Levenshtein.ratio("lewenstein", "levenshtein") == 0.85714285714285 (docstring);
	 * with substitution weight 2 the distance is 3 (docstring), and 1 - 3/21 = 0.857. */
	CHECK_NEAR(sl_levenshtein_ratio("lewenstein", "levenshtein"), 0.857142857142857, 1e-12);
	/* kitten -> sitting: 3 edits (Levenshtein 1966; the textbook example). */
	CHECK_INT(sl_levenshtein_distance("kitten", "sitting"), 3);
	CHECK_NEAR(sl_levenshtein_normalized("kitten", "sitting"), 1 - 3.0 / 7, 1e-12);
	CHECK_NEAR(sl_levenshtein_ratio("", ""), 1.0, 0);
	CHECK_NEAR(sl_levenshtein_ratio("abc", ""), 0.0, 0);
	CHECK_NEAR(sl_levenshtein_normalized("", ""), 1.0, 0);
	/* Code points, not bytes: "café" vs "cafe" is one substitution. */
	CHECK_INT(sl_levenshtein_distance("caf\xc3\xa9", "cafe"), 1);
	CHECK_NEAR(sl_levenshtein_ratio("caf\xc3\xa9", "cafe"), 6.0 / 8, 1e-12);
	/* Invalid bytes count as one character each and match nothing valid. */
	CHECK_INT(sl_levenshtein_distance("a\xff", "a\xfe"), 1);
	/* a stray continuation byte and an overlong lead (undefined shift before, caught by
	 * -fsanitize=undefined) */
	CHECK_INT(sl_levenshtein_distance("a\x80", "a\xc1"), 1);
	CHECK_INT(sl_levenshtein_distance("\xe2\x82", "\xe2"), 1); /* truncated sequences */
	CHECK_NEAR(sl_levenshtein_ratio("same", "same"), 1.0, 0);
	CHECK_NEAR(sl_levenshtein_normalized("same", "same"), 1.0, 0);
	/* Pairs with shared ends (which skip the table) against the textbook table. */
	static const char *const pairs[][2] = {
		{ "abcxdef", "abcydef" }, { "abc", "abcabc" }, { "xabc", "abc" }, { "aaa", "aa" },
		{ "abab", "baba" }, { "prefix-only", "prefix" }, { "caf\xc3\xa9s", "cafes" },
	};
	for (size_t k = 0; k < sizeof pairs / sizeof *pairs; k++) {
		const char *a = pairs[k][0], *b = pairs[k][1];
		size_t na = strlen(a), nb = strlen(b), t[16][16];
		for (size_t i = 0; i <= na; i++)
			for (size_t j = 0; j <= nb; j++)
				t[i][j] = !i ? j : !j ? i : a[i - 1] == b[j - 1] ? t[i - 1][j - 1]
					: 1 + (t[i - 1][j - 1] < t[i - 1][j] ? t[i - 1][j - 1] < t[i][j - 1]
					       ? t[i - 1][j - 1] : t[i][j - 1] : t[i - 1][j] < t[i][j - 1]
					       ? t[i - 1][j] : t[i][j - 1]);
		/* bytes: the one non-ASCII pair differs by one character and one byte alike */
		CHECK_INT(sl_levenshtein_distance(a, b), t[na][nb] - (k == 6));
	}
}

static void test_cosine(void)
{
	struct sl_error err = { 0 };
	double c;
	double a[] = { 1, 0, 0 }, b[] = { 0, 1, 0 }, d[] = { 2, 0, 0 }, e[] = { 1, 1, 0 };
	CHECK_INT(sl_cosine(a, b, 3, &c, &err), 0);
	CHECK_NEAR(c, 0, 0);
	CHECK_INT(sl_cosine(a, d, 3, &c, &err), 0);
	CHECK_NEAR(c, 1, 1e-15);
	CHECK_INT(sl_cosine(a, e, 3, &c, &err), 0);
	CHECK_NEAR(c, 1 / sqrt(2), 1e-15);
	double z[] = { 0, 0, 0 };
	CHECK_INT(sl_cosine(a, z, 3, &c, &err), -1);
	CHECK_CONTAINS(err.msg, "zero norm");
	CHECK_INT(sl_cosine(a, z, 0, &c, &err), -1);
	float fa[] = { 3, 4 }, fb[] = { 4, 3 };
	CHECK_INT(sl_cosine_f32(fa, fb, 2, &c, &err), 0);
	CHECK_NEAR(c, 24.0 / 25, 1e-12);
	CHECK_STR(sl_cosine_kind_name(SL_COSINE_TFIDF), "tfidf");
	CHECK_STR(sl_cosine_kind_name(SL_COSINE_EMBEDDING), "embedding");
}

static void test_tfidf(void)
{
	/* Expected values: the same formula written independently in Python
	 * (idf = ln((1+N)/(1+df)) + 1, raw tf, L2). */
	struct sl_tfidf *t = sl_tfidf_new();
	sl_tfidf_add(t, "the cat sat on the mat");
	sl_tfidf_add(t, "the dog sat on the log");
	sl_tfidf_add(t, "cats and dogs");
	CHECK_INT(sl_tfidf_documents(t), 3);
	CHECK_NEAR(sl_tfidf_cosine(t, "the cat sat on the mat", "the dog sat on the log"),
		   0.6343958037358576, 1e-12);
	CHECK_NEAR(sl_tfidf_cosine(t, "the cat sat on the mat", "A cat, on a mat!"),
		   0.3398235230812342, 1e-12);
	CHECK_NEAR(sl_tfidf_cosine(t, "same words", "Same words"), 1.0, 1e-12);
	CHECK_NEAR(sl_tfidf_cosine(t, "", "anything"), 0.0, 0);
	/* Unicode case and word boundaries: was 0 when only A-Z was lowercased. */
	CHECK_NEAR(sl_tfidf_cosine(t, "na\xc3\xafve caf\xc3\xa9", "NA\xc3\x8fVE CAF\xc3\x89"), 1.0, 1e-12);
	CHECK_NEAR(sl_tfidf_cosine(t, "\xc2\xab" "caf\xc3\xa9\xc2\xbb\xe2\x80\x94" "ok", "caf\xc3\xa9" " ok"), 1.0, 1e-12);
	CHECK_NEAR(sl_tfidf_cosine(t, "...", "!!!"), 0.0, 0);
	/* Scoring does not change the corpus. */
	CHECK_INT(sl_tfidf_documents(t), 3);
	sl_tfidf_free(t);
	/* nothing ever tokenised: no vector to sort (qsort(NULL, 0) was undefined behaviour,
	 * caught by -fsanitize=undefined) */
	t = sl_tfidf_new();
	CHECK_NEAR(sl_tfidf_cosine(t, "", "..."), 0.0, 0);
	sl_tfidf_free(t);
}

TEST_MAIN_BEGIN
	RUN_TEST(test_levenshtein);
	RUN_TEST(test_cosine);
	RUN_TEST(test_tfidf);
TEST_MAIN_END

/* ROUGE against rouge_score's published expectations. Every expected value below is the
 * one asserted in google-research/google-research rouge/rouge_scorer_test.py (the test
 * named next to it); the fixture files under tests/score/data are that test's data. */
#include "test.h"

#include "shortlist/rouge.h"
#include "shortlist/util.h"
#include "src/core/score/porter.h"

static struct sl_rouge *plain, *stemmed;

static char *fixture_line(const char *name, int line)
{
	char *path = test_source_path(name);
	struct sl_error err = { 0 };
	char *text = sl_read_file(path, NULL, &err);
	free(path);
	if (!text) {
		fprintf(stderr, "%s\n", err.msg);
		exit(99);
	}
	char *s = text;
	for (int i = 0; i < line && s; i++) {
		s = strchr(s, '\n');
		if (s)
			s++;
	}
	/* f.readlines() keeps the newline; the tokenizer treats it as a separator. */
	char *end = s ? strchr(s, '\n') : NULL;
	char *out = s ? sl_xstrndup(s, end ? (size_t)(end - s) + 1 : strlen(s)) : sl_xstrdup("");
	free(text);
	return out;
}

static char *fixture(const char *name)
{
	char *path = test_source_path(name);
	char *text = sl_read_file(path, NULL, NULL);
	free(path);
	return text;
}

#define CHECK_PRF(s, ep, er, ef, tol)                                                      \
	do {                                                                               \
		CHECK_NEAR((s).precision, ep, tol);                                        \
		CHECK_NEAR((s).recall, er, tol);                                           \
		CHECK_NEAR((s).f, ef, tol);                                                \
	} while (0)

static void test_tokenize(void)
{
	char **t;
	/* rouge/tokenize_test.py: testTokenize / testTokenizeWithNewlines */
	CHECK_INT(sl_rouge_tokenize(plain, "one Two three", &t), 3);
	CHECK_STR(t[0], "one");
	CHECK_STR(t[1], "two");
	CHECK_STR(t[2], "three");
	sl_rouge_tokens_free(t);
	CHECK_INT(sl_rouge_tokenize(plain, "one\n Two \nthree", NULL), 3);
	/* Apostrophes, hyphens and non-ASCII letters separate tokens; digits stay. */
	CHECK_INT(sl_rouge_tokenize(plain, "don't re-use caf\xc3\xa9 42x", &t), 6);
	CHECK_STR(t[0], "don");
	CHECK_STR(t[1], "t");
	CHECK_STR(t[4], "caf");
	CHECK_STR(t[5], "42x");
	sl_rouge_tokens_free(t);
	/* Python's lower(): KELVIN SIGN -> "k" joins the token; CAPITAL I WITH DOT ABOVE ->
	 * "i" + combining dot, which ends the token. */
	CHECK_INT(sl_rouge_tokenize(plain, "\xe2\x84\xaa" "elvin \xc4\xb0" "stanbul", &t), 3);
	CHECK_STR(t[0], "kelvin");
	CHECK_STR(t[1], "i");
	CHECK_STR(t[2], "stanbul");
	sl_rouge_tokens_free(t);
	/* Non-Latin text has no tokens at all, as in the reference. */
	CHECK_INT(sl_rouge_tokenize(plain, "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", NULL), 0);
	/* Stemming only for tokens longer than 3 characters. */
	CHECK_INT(sl_rouge_tokenize(stemmed, "running runs ran ties", &t), 4);
	CHECK_STR(t[0], "run");
	CHECK_STR(t[1], "run");
	CHECK_STR(t[2], "ran");
	sl_rouge_tokens_free(t);
}

static void test_types(void)
{
	struct sl_error err = { 0 };
	int type;
	/* testValidRougeTypes / testInvalidRougeTypes */
	CHECK_INT(sl_rouge_type_parse("rouge1", &type, &err), 0);
	CHECK_INT(type, 1);
	CHECK_INT(sl_rouge_type_parse("rouge9", &type, &err), 0);
	CHECK_INT(sl_rouge_type_parse("rougeL", &type, &err), 0);
	CHECK_INT(type, SL_ROUGE_L);
	CHECK_INT(sl_rouge_type_parse("rougeLsum", &type, &err), 0);
	CHECK_INT(type, SL_ROUGE_LSUM);
	CHECK_INT(sl_rouge_type_parse("rouge-l", &type, &err), 0);
	CHECK_INT(type, SL_ROUGE_L);
	CHECK_INT(sl_rouge_type_parse("rougen", &type, &err), -1);
	CHECK_CONTAINS(err.msg, "rougen");
	CHECK_INT(sl_rouge_type_parse("rouge0", &type, &err), -1);
	CHECK_INT(sl_rouge_type_parse("rouge10", &type, &err), -1);
	CHECK_STR(sl_rouge_type_name(SL_ROUGE_LSUM), "rougeLsum");
}

static void test_small(void)
{
	struct sl_prf s;
	/* testRouge1 */
	s = sl_rouge_score(plain, 1, "testing one two", "testing");
	CHECK_PRF(s, 1.0, 1.0 / 3, 0.5, 1e-12);
	/* testRougeEmpty */
	int types[] = { 1, 2, SL_ROUGE_L, SL_ROUGE_LSUM };
	for (size_t i = 0; i < 4; i++) {
		s = sl_rouge_score(plain, types[i], "testing one two", "");
		CHECK_PRF(s, 0, 0, 0, 0);
	}
	/* testRouge2 */
	s = sl_rouge_score(plain, 2, "testing one two", "testing one");
	CHECK_PRF(s, 1.0, 0.5, 2.0 / 3, 1e-12);
	/* testRougeLConsecutive */
	s = sl_rouge_score(plain, SL_ROUGE_L, "testing one two", "testing one");
	CHECK_PRF(s, 1.0, 2.0 / 3, 0.8, 1e-12);
	/* testRougeLNonConsecutive */
	s = sl_rouge_score(plain, SL_ROUGE_L, "testing one two", "testing two");
	CHECK_PRF(s, 1.0, 2.0 / 3, 0.8, 1e-12);
	/* testMultipleRougeTypes: rouge1 on the same pair */
	s = sl_rouge_score(plain, 1, "testing one two", "testing one");
	CHECK_PRF(s, 1.0, 2.0 / 3, 0.8, 1e-12);
}

static void test_against_rouge155(void)
{
	char *t0 = fixture_line("tests/score/data/rouge_target.txt", 0);
	char *t1 = fixture_line("tests/score/data/rouge_target.txt", 1);
	char *p0 = fixture_line("tests/score/data/rouge_prediction.txt", 0);
	char *p1 = fixture_line("tests/score/data/rouge_prediction.txt", 1);
	struct sl_prf s;
	/* testRouge1AgainstRouge155 */
	s = sl_rouge_score(plain, 1, t0, p0);
	CHECK_PRF(s, 0.68750, 0.40741, 0.51163, 5e-6);
	s = sl_rouge_score(plain, 1, t1, p1);
	CHECK_PRF(s, 0.65385, 0.40476, 0.50000, 5e-6);
	/* testRouge1AgainstRouge155WithStemming */
	s = sl_rouge_score(stemmed, 1, t0, p0);
	CHECK_PRF(s, 0.68750, 0.40741, 0.51163, 5e-6);
	s = sl_rouge_score(stemmed, 1, t1, p1);
	CHECK_PRF(s, 0.69231, 0.42857, 0.52941, 5e-6);
	/* testRouge2AgainstRouge155 */
	s = sl_rouge_score(plain, 2, t0, p0);
	CHECK_PRF(s, 0.53333, 0.30769, 0.39024, 5e-6);
	s = sl_rouge_score(plain, 2, t1, p1);
	CHECK_PRF(s, 0.48000, 0.29268, 0.36364, 5e-6);
	/* testRouge2AgainstRouge155WithStemming */
	s = sl_rouge_score(stemmed, 2, t0, p0);
	CHECK_PRF(s, 0.53333, 0.30769, 0.39024, 5e-6);
	s = sl_rouge_score(stemmed, 2, t1, p1);
	CHECK_PRF(s, 0.48000, 0.29268, 0.36364, 5e-6);
	/* testRougeLAgainstRouge155 */
	s = sl_rouge_score(plain, SL_ROUGE_L, t0, p0);
	CHECK_PRF(s, 0.68750, 0.40741, 0.51163, 5e-6);
	s = sl_rouge_score(plain, SL_ROUGE_L, t1, p1);
	CHECK_PRF(s, 0.65385, 0.40476, 0.50000, 5e-6);
	free(t0);
	free(t1);
	free(p0);
	free(p1);

	/* testRougeLSumAgainstRouge155WithStemming */
	char *tm = fixture("tests/score/data/rouge_target_multi.0.txt");
	char *pm = fixture("tests/score/data/rouge_prediction_multi.0.txt");
	s = sl_rouge_score(stemmed, SL_ROUGE_LSUM, tm, pm);
	CHECK_PRF(s, 0.66667, 0.36538, 0.47205, 5e-6);
	free(tm);
	free(pm);
}

static void test_lsum(void)
{
	struct sl_prf s;
	/* testRougeLsum */
	s = sl_rouge_score(plain, SL_ROUGE_LSUM, "w1 w2 w3 w4 w5", "w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5");
	CHECK_NEAR(s.recall, 0.8, 1e-12);
	CHECK_NEAR(s.precision, 0.4, 1e-12);
	CHECK_NEAR(s.f, 0.5333, 5e-4);
	s = sl_rouge_score(plain, SL_ROUGE_LSUM, "w1 w2 w3 w4 w5", "");
	CHECK_PRF(s, 0, 0, 0, 0);
	s = sl_rouge_score(plain, SL_ROUGE_LSUM, "", "w1");
	CHECK_PRF(s, 0, 0, 0, 0);
	s = sl_rouge_score(plain, SL_ROUGE_LSUM, "w1 w2 w3 w4 w5", "/");
	CHECK_PRF(s, 0, 0, 0, 0);
	/* Without newlines Lsum is sentence-level LCS over one sentence. */
	struct sl_prf a = sl_rouge_score(plain, SL_ROUGE_LSUM, "a b c d", "a c b d");
	struct sl_prf b = sl_rouge_score(plain, SL_ROUGE_L, "a b c d", "a c b d");
	CHECK_NEAR(a.f, b.f, 1e-12);
}

/* NLTK's PorterStemmer() (NLTK_EXTENSIONS), which rouge_score uses: expected stems are
 * NLTK 3.8's output for the examples of Porter (1980) and NLTK's own extensions. */
static void test_porter(void)
{
	static const char *const pairs[][2] = {
		{ "caresses", "caress" },
		{ "ponies", "poni" },
		{ "ties", "tie" },
		{ "dies", "die" },
		{ "died", "die" },
		{ "cried", "cri" },
		{ "agreed", "agre" },
		{ "feed", "feed" },
		{ "plastered", "plaster" },
		{ "bled", "bled" },
		{ "motoring", "motor" },
		{ "sing", "sing" },
		{ "conflated", "conflat" },
		{ "troubled", "troubl" },
		{ "sized", "size" },
		{ "hopping", "hop" },
		{ "tanned", "tan" },
		{ "falling", "fall" },
		{ "hissing", "hiss" },
		{ "fizzed", "fizz" },
		{ "failing", "fail" },
		{ "filing", "file" },
		{ "happy", "happi" },
		{ "sky", "sky" },
		{ "skies", "sky" },
		{ "dying", "die" },
		{ "news", "news" },
		{ "innings", "inning" },
		{ "proceed", "proceed" },
		{ "relational", "relat" },
		{ "conditional", "condit" },
		{ "rational", "ration" },
		{ "valenci", "valenc" },
		{ "hesitanci", "hesit" },
		{ "digitizer", "digit" },
		{ "conformabli", "conform" },
		{ "radicalli", "radic" },
		{ "differentli", "differ" },
		{ "vileli", "vile" },
		{ "analogousli", "analog" },
		{ "vietnamization", "vietnam" },
		{ "predication", "predic" },
		{ "operator", "oper" },
		{ "feudalism", "feudal" },
		{ "decisiveness", "decis" },
		{ "hopefulness", "hope" },
		{ "callousness", "callous" },
		{ "formaliti", "formal" },
		{ "sensitiviti", "sensit" },
		{ "sensibiliti", "sensibl" },
		{ "triplicate", "triplic" },
		{ "formative", "form" },
		{ "formalize", "formal" },
		{ "electriciti", "electr" },
		{ "electrical", "electr" },
		{ "hopeful", "hope" },
		{ "goodness", "good" },
		{ "revival", "reviv" },
		{ "allowance", "allow" },
		{ "inference", "infer" },
		{ "airliner", "airlin" },
		{ "gyroscopic", "gyroscop" },
		{ "adjustable", "adjust" },
		{ "defensible", "defens" },
		{ "irritant", "irrit" },
		{ "replacement", "replac" },
		{ "adjustment", "adjust" },
		{ "dependent", "depend" },
		{ "adoption", "adopt" },
		{ "homologou", "homolog" },
		{ "communism", "commun" },
		{ "activate", "activ" },
		{ "angulariti", "angular" },
		{ "homologous", "homolog" },
		{ "effective", "effect" },
		{ "bowdlerize", "bowdler" },
		{ "probate", "probat" },
		{ "rate", "rate" },
		{ "cease", "ceas" },
		{ "controll", "control" },
		{ "roll", "roll" },
		{ "days", "day" },
		{ "always", "alway" },
		{ "array", "array" },
		{ "enjoy", "enjoy" },
		{ "spy", "spi" },
		{ "anthology", "antholog" },
		{ "additionally", "addit" },
		{ "carefully", "care" },
		{ "ales", "ale" },
		{ "generalizations", "gener" }
,
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(pairs); i++) {
		char buf[64];
		snprintf(buf, sizeof buf, "%s", pairs[i][0]);
		size_t n = porter_stem(buf, strlen(buf));
		CHECK_STR(buf, pairs[i][1]);
		CHECK_INT(n, strlen(pairs[i][1]));
	}
	/* libstemmer's original-algorithm "porter" would give "dai" and "alwai" here. */
	char **t;
	CHECK_INT(sl_rouge_tokenize(stemmed, "Days always", &t), 2);
	CHECK_STR(t[0], "day");
	CHECK_STR(t[1], "alway");
	sl_rouge_tokens_free(t);
}

static void test_lcs(void)
{
	/* testLcsTable: ref [1,2,3,4,5], c1 [2,5,3,4] -> 3; [8,9] -> 0 */
	unsigned ref[] = { 1, 2, 3, 4, 5 }, c1[] = { 2, 5, 3, 4 }, c2[] = { 8, 9 };
	CHECK_INT(sl_lcs_length(ref, 5, c1, 4), 3);
	CHECK_INT(sl_lcs_length(ref, 5, c2, 2), 0);
	/* Long sequences cross 64-bit words: compare against the O(nm) table. */
	enum { N = 300, M = 257 };
	static unsigned a[N], b[M];
	static unsigned short t[N + 1][M + 1];
	uint64_t x = 12345;
	for (int i = 0; i < N; i++) {
		x = x * 6364136223846793005u + 1442695040888963407u;
		a[i] = (unsigned)(x >> 60);
	}
	for (int j = 0; j < M; j++) {
		x = x * 6364136223846793005u + 1442695040888963407u;
		b[j] = (unsigned)(x >> 60);
	}
	for (int i = 1; i <= N; i++)
		for (int j = 1; j <= M; j++)
			t[i][j] = a[i - 1] == b[j - 1] ? t[i - 1][j - 1] + 1
				  : t[i - 1][j] > t[i][j - 1] ? t[i - 1][j] : t[i][j - 1];
	CHECK_INT(sl_lcs_length(a, N, b, M), t[N][M]);
	CHECK_INT(sl_lcs_length(b, M, a, N), t[N][M]);
	/* Short pairs with shared ends (stripped before the table) over high code points
	 * (remapped to dense ids), against the same table. */
	for (int trial = 0; trial < 300; trial++) {
		x = x * 6364136223846793005u + 1442695040888963407u;
		int n = (int)(x >> 58) % 24, m = (int)(x >> 50) % 24;
		for (int i = 0; i < n || i < m; i++) {
			x = x * 6364136223846793005u + 1442695040888963407u;
			a[i] = 0x4e00u + (unsigned)(x >> 40) % 3 * 0x1000u;
			b[i] = 0x4e00u + (unsigned)(x >> 20) % 3 * 0x1000u;
		}
		int ends = n < m ? n : m;
		int head = trial % (ends + 1), tail = trial % 3 % (ends - head + 1);
		for (int k = 0; k < head; k++)
			b[k] = a[k];
		for (int k = 0; k < tail; k++)
			b[m - 1 - k] = a[n - 1 - k];
		for (int i = 1; i <= n; i++)
			for (int j = 1; j <= m; j++)
				t[i][j] = a[i - 1] == b[j - 1] ? t[i - 1][j - 1] + 1
					  : t[i - 1][j] > t[i][j - 1] ? t[i - 1][j] : t[i][j - 1];
		CHECK_INT(sl_lcs_length(a, (size_t)n, b, (size_t)m), t[n][m]);
		CHECK_INT(sl_lcs_length(b, (size_t)m, a, (size_t)n), t[n][m]);
	}
}

TEST_MAIN_BEGIN
	struct sl_error err = { 0 };
	plain = sl_rouge_new(false, &err);
	stemmed = sl_rouge_new(true, &err);
	if (!plain || !stemmed) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	RUN_TEST(test_tokenize);
	RUN_TEST(test_types);
	RUN_TEST(test_small);
	RUN_TEST(test_against_rouge155);
	RUN_TEST(test_lsum);
	RUN_TEST(test_porter);
	RUN_TEST(test_lcs);
	sl_rouge_free(plain);
	sl_rouge_free(stemmed);
TEST_MAIN_END

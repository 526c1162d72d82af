/* Accuracy matching, the classification report (against scikit-learn's documented
 * examples), the JSON Schema subset and the scorer registry. */
#include "test.h"

#include <cjson/cJSON.h>
#include <malloc.h>

#include "shortlist/accuracy.h"
#include "shortlist/jsonschema.h"
#include "shortlist/scorer.h"

static void test_match(void)
{
	CHECK(sl_match_exact("Paris\n", "Paris"));
	CHECK(!sl_match_exact("paris", "Paris"));
	CHECK(!sl_match_exact(NULL, "Paris"));
	char *n = sl_text_normalize("  The  Answer:\tParis!! ");
	CHECK_STR(n, "the answer paris");
	free(n);
	CHECK(sl_match_normalized("PARIS.", "paris"));
	CHECK(!sl_match_normalized("Paris, France", "paris"));

	const char *labels[] = { "positive", "negative", "neutral", "very positive" };
	CHECK_INT(sl_extract_label("Sentiment: Negative, not positive.", labels, 4), 1);
	CHECK_INT(sl_extract_label("I'd say very positive overall", labels, 4), 3);
	CHECK_INT(sl_extract_label("nonpositive", labels, 4), -1); /* not a whole word */
	CHECK_INT(sl_extract_label("no idea", labels, 4), -1);

	CHECK_INT(sl_extract_choice("B", NULL), 'B');
	CHECK_INT(sl_extract_choice("(C)", NULL), 'C');
	CHECK_INT(sl_extract_choice("**D**.", NULL), 'D');
	CHECK_INT(sl_extract_choice("A good question. The answer is C.", NULL), 'C');
	CHECK_INT(sl_extract_choice("Answer: (B) because...", NULL), 'B');
	CHECK_INT(sl_extract_choice("I think (A) is right", NULL), 'A');
	CHECK_INT(sl_extract_choice("Reasoning...\nD) twelve", NULL), 'D');
	CHECK_INT(sl_extract_choice("A cat is not a dog", NULL), 0);
	CHECK_INT(sl_extract_choice("Option E", "ABCDE"), 'E');
	CHECK_INT(sl_extract_choice("none of them", NULL), 0);

	regex_t re;
	CHECK_INT(regcomp(&re, "answer: *([0-9]+)", REG_EXTENDED | REG_ICASE), 0);
	char *cap = sl_regex_capture(&re, "So the Answer: 42.");
	CHECK_STR(cap, "42");
	free(cap);
	CHECK(sl_regex_capture(&re, "no number") == NULL);
	regfree(&re);

	const char *why = NULL;
	char *f = sl_json_field("Here:\n```json\n{\"a\": {\"b\": [1, {\"c\": \"x\"}]}}\n```", "a.b[1].c", &why);
	CHECK_STR(f, "x");
	free(f);
	f = sl_json_field("{\"n\": 4.5, \"o\": {\"k\": true}}", "o", &why);
	CHECK_STR(f, "{\"k\":true}");
	free(f);
	f = sl_json_field("The result is {\"n\": 3} as asked", "n", &why);
	CHECK_STR(f, "3");
	free(f);
	CHECK(sl_json_field("{\"n\": 3}", "m", &why) == NULL);
	CHECK_CONTAINS(why, "no such field");
	CHECK(sl_json_field("plain text", "m", &why) == NULL);
	CHECK_CONTAINS(why, "not JSON");
}

static void test_classify(void)
{
	/* sklearn precision_recall_fscore_support docstring: y_true = [cat, dog, pig, cat,
	 * dog, pig], y_pred = [cat, pig, dog, cat, cat, dog] -> macro (0.22.., 0.33.., 0.26..);
	 * f1_score docstring (same pattern as 0/1/2) -> per class [0.8, 0, 0]. */
	const char *t[] = { "cat", "dog", "pig", "cat", "dog", "pig" };
	const char *p[] = { "cat", "pig", "dog", "cat", "cat", "dog" };
	struct sl_classify *c = sl_classify_new(NULL, 0);
	for (int i = 0; i < 6; i++)
		sl_classify_add(c, t[i], p[i]);
	struct sl_classify_report r;
	sl_classify_report(c, &r);
	CHECK_INT(r.n_classes, 3);
	CHECK_NEAR(r.macro_precision, 2.0 / 9, 1e-12);
	CHECK_NEAR(r.macro_recall, 1.0 / 3, 1e-12);
	CHECK_NEAR(r.macro_f1, 0.8 / 3, 1e-12);
	CHECK_NEAR(r.weighted_f1, 0.8 / 3, 1e-12);
	CHECK_NEAR(r.classes[0].f1, 0.8, 1e-12);
	CHECK_NEAR(r.classes[1].f1, 0, 0);
	CHECK_NEAR(r.accuracy, 2.0 / 6, 1e-12);
	sl_classify_report_free(&r);
	sl_classify_free(c);

	/* sklearn confusion_matrix docstring: y_true = [2, 0, 2, 2, 0, 1],
	 * y_pred = [0, 0, 2, 2, 0, 2] -> [[2, 0, 0], [0, 0, 1], [1, 0, 2]] */
	const char *labels[] = { "0", "1", "2" };
	const char *yt[] = { "2", "0", "2", "2", "0", "1" }, *yp[] = { "0", "0", "2", "2", "0", "2" };
	c = sl_classify_new(labels, 3);
	for (int i = 0; i < 6; i++)
		sl_classify_add(c, yt[i], yp[i]);
	sl_classify_add(c, "1", NULL);    /* nothing extracted */
	sl_classify_add(c, "0", "maybe"); /* outside the label set */
	sl_classify_report(c, &r);
	uint64_t want[3][4] = { { 2, 0, 0, 1 }, { 0, 0, 1, 1 }, { 1, 0, 2, 0 } };
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 4; j++)
			CHECK_INT(r.confusion[i * 4 + j], want[i][j]);
	CHECK_INT(r.n, 8);
	CHECK_INT(r.correct, 4);
	CHECK_INT(r.classes[1].support, 2);
	sl_classify_report_free(&r);
	sl_classify_free(c);
}

/* `score --run` adds every cell of a run: the report's memory grows with the labels, not
 * with the cells (it kept two indices per cell: 16 MB at 1M cells). */
static size_t heap_in_use(void)
{
	struct mallinfo2 m = mallinfo2();
	return m.uordblks + m.hblkhd; /* big blocks are mmapped */
}

static void test_classify_bounded(void)
{
	if (TEST_UNDER_ASAN) /* its allocator keeps no mallinfo2 */
		return;
	const char *labels[] = { "positive", "negative" };
	for (int fixed = 0; fixed < 2; fixed++) {
		struct sl_classify *c = sl_classify_new(fixed ? labels : NULL, fixed ? 2 : 0);
		sl_classify_add(c, "positive", "negative");
		sl_classify_add(c, "negative", "neutral");
		size_t before = heap_in_use();
		for (int i = 0; i < 200000; i++)
			sl_classify_add(c, labels[i % 2], i % 3 ? labels[i % 2] : NULL);
		size_t grew = heap_in_use() - before;
		printf("200,000 cells added (%s labels): heap grew %zu bytes\n",
		       fixed ? "fixed" : "seen", grew);
		CHECK(grew < 4096);
		struct sl_classify_report r;
		sl_classify_report(c, &r);
		CHECK_INT(r.n, 200002);
		CHECK_INT(r.correct, 133333);
		sl_classify_report_free(&r);
		sl_classify_free(c);
	}
}

static void test_schema(void)
{
	struct sl_error err = { 0 };
	cJSON *s = cJSON_Parse("{\"type\": \"object\", \"required\": [\"name\", \"tags\"],"
			       " \"properties\": {\"name\": {\"type\": \"string\", \"minLength\": 2},"
			       " \"age\": {\"type\": \"integer\", \"minimum\": 0, \"maximum\": 150},"
			       " \"tags\": {\"type\": \"array\", \"items\": {\"enum\": [\"a\", \"b\"]}, \"maxItems\": 2}},"
			       " \"additionalProperties\": false}");
	CHECK_INT(sl_jsonschema_check(s, "schema", &err), 0);
	char why[256];
	cJSON *d = cJSON_Parse("{\"name\": \"Al\", \"age\": 30, \"tags\": [\"a\"]}");
	CHECK(sl_jsonschema_validate(s, d, why, sizeof why));
	cJSON_Delete(d);
	d = cJSON_Parse("{\"name\": \"Al\", \"age\": 30.5, \"tags\": []}");
	CHECK(!sl_jsonschema_validate(s, d, why, sizeof why));
	CHECK_CONTAINS(why, "$.age: expected integer");
	cJSON_Delete(d);
	d = cJSON_Parse("{\"name\": \"Al\", \"tags\": [\"a\", \"c\"]}");
	CHECK(!sl_jsonschema_validate(s, d, why, sizeof why));
	CHECK_CONTAINS(why, "$.tags[1]: value is not one of the enum values");
	cJSON_Delete(d);
	d = cJSON_Parse("{\"name\": \"Al\"}");
	CHECK(!sl_jsonschema_validate(s, d, why, sizeof why));
	CHECK_CONTAINS(why, "missing required property 'tags'");
	cJSON_Delete(d);
	d = cJSON_Parse("{\"name\": \"Al\", \"tags\": [], \"x\": 1}");
	CHECK(!sl_jsonschema_validate(s, d, why, sizeof why));
	CHECK_CONTAINS(why, "property 'x' is not allowed");
	cJSON_Delete(d);
	cJSON_Delete(s);
	s = cJSON_Parse("{\"type\": \"string\", \"pattern\": \"^a\"}");
	CHECK_INT(sl_jsonschema_check(s, "suite.scorers[0].schema", &err), -1);
	CHECK_CONTAINS(err.msg, "suite.scorers[0].schema: the schema keyword 'pattern' is not supported");
	cJSON_Delete(s);
}

static struct sl_cell cell_of(const char *output, const char *expected)
{
	struct sl_cell c;
	memset(&c, 0, sizeof c);
	c.output = output;
	c.expected = expected;
	c.latency_ms = NAN;
	c.ttft_ms = NAN;
	c.cost = NAN;
	c.case_line = 7;
	return c;
}

static struct sl_score run(const char *json, struct sl_cell c)
{
	struct sl_error err = { 0 };
	cJSON *spec = cJSON_Parse(json);
	struct sl_scorer *s = sl_scorer_new(spec, "t", &err);
	struct sl_score out;
	memset(&out, 0, sizeof out);
	out.status = SL_SCORE_ERROR;
	if (!s) {
		fprintf(stderr, "scorer %s: %s\n", json, err.msg);
		test_failures++;
	} else {
		sl_scorer_apply(s, &c, &out);
		sl_scorer_free(s);
	}
	cJSON_Delete(spec);
	return out;
}

static void test_registry(void)
{
	struct sl_score r;
	r = run("{\"name\": \"exact\"}", cell_of("Paris\n", "Paris"));
	CHECK(r.status == SL_SCORE_OK && r.pass && r.value == 1);
	r = run("{\"name\": \"normalized\"}", cell_of("PARIS!", "paris"));
	CHECK(r.pass);
	r = run("{\"name\": \"label\", \"labels\": [\"yes\", \"no\"]}", cell_of("No, never.", "no"));
	CHECK(r.pass);
	CHECK_STR(r.predicted, "no");
	r = run("{\"name\": \"choice\"}", cell_of("The answer is (C).", "C"));
	CHECK(r.pass);
	r = run("{\"name\": \"regex_capture\", \"pattern\": \"= *([0-9]+)\"}", cell_of("x = 12", "12"));
	CHECK(r.pass);
	r = run("{\"name\": \"json_field\", \"path\": \"n\"}", cell_of("{\"n\": 12.0}", "12"));
	CHECK(r.pass);
	r = run("{\"name\": \"contains\", \"values\": [\"a\", \"z\"], \"mode\": \"all\"}", cell_of("abc", NULL));
	CHECK(!r.pass);
	CHECK_CONTAINS(r.detail, "missing \"z\"");
	r = run("{\"name\": \"contains\", \"values\": [\"A\", \"z\"], \"case_sensitive\": false}", cell_of("abc", NULL));
	CHECK(r.pass);
	r = run("{\"name\": \"not_contains\", \"values\": [\"sorry\", \"cannot\"]}", cell_of("Sure!", NULL));
	CHECK(r.pass);
	r = run("{\"name\": \"not_contains\", \"values\": [\"sorry\", \"cannot\"]}", cell_of("sorry", NULL));
	CHECK(!r.pass);
	r = run("{\"name\": \"not_contains\", \"values\": [\"sorry\", \"cannot\"], \"mode\": \"all\"}", cell_of("sorry", NULL));
	CHECK(r.pass);
	r = run("{\"name\": \"starts_with\", \"value\": \"Yes\"}", cell_of("\n Yes, it is", NULL));
	CHECK(r.pass);
	r = run("{\"name\": \"regex\", \"pattern\": \"^[A-D]$\"}", cell_of("E", NULL));
	CHECK(!r.pass);
	r = run("{\"name\": \"is_json\"}", cell_of("```json\n[1,2]\n```", NULL));
	CHECK(r.pass);
	r = run("{\"name\": \"is_json\", \"strict\": true}", cell_of("```json\n[1,2]\n```", NULL));
	CHECK(!r.pass);
	r = run("{\"name\": \"json_schema\", \"schema\": {\"type\": \"object\", \"required\": [\"a\"]}}",
		cell_of("{\"b\": 1}", NULL));
	CHECK(!r.pass);
	CHECK_CONTAINS(r.detail, "missing required property 'a'");
	r = run("{\"name\": \"max_length\", \"max\": 3}", cell_of("caf\xc3\xa9", NULL));
	CHECK(!r.pass);
	r = run("{\"name\": \"max_length\", \"max\": 2, \"unit\": \"words\"}", cell_of(" two  words\n", NULL));
	CHECK(r.pass);
	struct sl_cell c = cell_of("x", NULL);
	c.latency_ms = 1500;
	r = run("{\"name\": \"latency\", \"max_ms\": 2000}", c);
	CHECK(r.pass);
	r = run("{\"name\": \"cost\", \"max_usd\": 0.01}", c);
	CHECK(r.status == SL_SCORE_ERROR); /* unknown price is not $0 */
	CHECK_CONTAINS(r.detail, "cost unknown");
	c.cost = 0.02;
	r = run("{\"name\": \"cost\", \"max_usd\": 0.01}", c);
	CHECK(r.status == SL_SCORE_OK && !r.pass);

	c = cell_of("testing one", NULL);
	c.reference = "testing one two";
	r = run("{\"name\": \"rouge\", \"type\": \"rouge2\"}", c);
	CHECK_NEAR(r.value, 2.0 / 3, 1e-12); /* rouge_scorer_test.py testRouge2 */
	r = run("{\"name\": \"rouge\", \"threshold\": 0.9}", c);
	CHECK(r.status == SL_SCORE_OK && !r.pass);
	r = run("{\"name\": \"levenshtein\"}", c);
	CHECK_NEAR(r.value, 22.0 / 26, 1e-12);
	r = run("{\"name\": \"bleu\"}", c);
	CHECK(r.value > 0 && r.value < 1);
	r = run("{\"name\": \"tfidf\"}", c);
	CHECK(r.value > 0 && r.value < 1);

	/* Missing expected answers and failed cells. */
	r = run("{\"name\": \"exact\"}", cell_of("x", NULL));
	CHECK(r.status == SL_SCORE_ERROR);
	CHECK_CONTAINS(r.detail, "dataset line 7");
	r = run("{\"name\": \"exact\"}", cell_of(NULL, "x"));
	CHECK(r.status == SL_SCORE_SKIPPED);
}

static void test_registry_errors(void)
{
	struct sl_error err = { 0 };
	const struct {
		const char *json, *msg;
	} bad[] = {
		{ "{\"name\": \"contains\", \"value\": \"a\", \"tresh\": 1}",
		  "suite.scorers[1]: unknown parameter \"tresh\" for scorer \"contains\"" },
		{ "{\"name\": \"contians\"}", "suite.scorers[1]: unknown scorer \"contians\"" },
		{ "{\"name\": \"regex\"}", "needs \"pattern\"" },
		{ "{\"name\": \"regex\", \"pattern\": \"(\"}", "suite.scorers[1].pattern: invalid POSIX" },
		/* glibc expands repetitions: these take 4 MB and 128 MB
		 * to compile (and 24 GB with 40 '+'s) */
		{ "{\"name\": \"regex\", \"pattern\": \"ab++++++++++++c\"}",
		  "suite.scorers[1].pattern: regex too large once its repetitions are expanded" },
		{ "{\"name\": \"regex_capture\", \"pattern\": \"a(.{0,4000})c\"}", "regex too large" },
		{ "{\"name\": \"contains\"}", "exactly one of \"value\"" },
		{ "{\"name\": \"rouge\", \"type\": \"rouge0\"}", "suite.scorers[1].type" },
		{ "{\"name\": \"max_length\", \"max\": \"ten\"}", "suite.scorers[1].max: must be a number" },
		{ "{\"name\": \"label\", \"labels\": []}", "suite.scorers[1].labels" },
		{ "{\"name\": \"exact\", \"field\": \"answer\"}", "not expected, reference or label" },
		{ "{\"name\": \"json_schema\", \"schema\": {\"$ref\": \"#\"}}", "'$ref' is not supported" },
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(bad); i++) {
		cJSON *spec = cJSON_Parse(bad[i].json);
		CHECK(spec != NULL);
		CHECK_INT(sl_scorer_validate(NULL, "x", spec, "suite.scorers[1]", &err), -1);
		CHECK_CONTAINS(err.msg, bad[i].msg);
		CHECK_INT(err.code, SL_EXIT_USAGE);
		cJSON_Delete(spec);
	}
	/* Ordinary patterns stay well under the bound. */
	const char *fine[] = { "^.*?answer: *([A-D])\\b", "[0-9]{1,3}(\\.[0-9]{1,3}){3}",
			       "x{1000}", "(yes|no)+[[:space:]]*[]a-z{]+$", "a.{0,1500}z" };
	for (size_t i = 0; i < SL_ARRAY_LEN(fine); i++) {
		cJSON *spec = cJSON_CreateObject();
		cJSON_AddStringToObject(spec, "name", "regex");
		cJSON_AddStringToObject(spec, "pattern", fine[i]);
		sl_error_clear(&err);
		CHECK_INT(sl_scorer_validate(NULL, "x", spec, "suite.scorers[1]", &err), 0);
		CHECK_STR(err.msg, "");
		cJSON_Delete(spec);
	}
	const struct sl_scorer_info *list;
	size_t n = sl_scorer_list(&list);
	CHECK(n >= 19);
	CHECK_STR(list[0].name, "exact");
}

TEST_MAIN_BEGIN
	RUN_TEST(test_match);
	RUN_TEST(test_classify);
	RUN_TEST(test_classify_bounded);
	RUN_TEST(test_schema);
	RUN_TEST(test_registry);
	RUN_TEST(test_registry_errors);
TEST_MAIN_END

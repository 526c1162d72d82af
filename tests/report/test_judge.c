/* The judge's pure parts: strict verdict parsing, G-Eval weighting (deepeval's
 * calculate_weighted_summed_score, values computed by hand), pairwise combination, and
 * scorer validation. The engine-driven part runs against fakeprov in test_report_cli. */
#include "test.h"

#include <math.h>

#include "shortlist/judge.h"

static void test_verdicts(void)
{
	struct sl_error err = { 0 };
	int score = 0;
	char *expl = NULL;
	CHECK(sl_judge_parse_verdict("{\"explanation\": \"good\", \"score\": 4}", 5, &score, &expl,
				     &err) == 0);
	CHECK_INT(score, 4);
	CHECK_STR(expl, "good");
	free(expl);
	/* A fenced reply is accepted; anything around the object is not. */
	CHECK(sl_judge_parse_verdict("```json\n{\"score\": 9, \"explanation\": \"x\"}\n```", 10,
				     &score, &expl, &err) == 0);
	CHECK_INT(score, 9);
	free(expl);
	CHECK(sl_judge_parse_verdict("Sure! {\"score\": 4, \"explanation\": \"x\"}", 5, &score,
				     &expl, &err) != 0);
	CHECK_CONTAINS(err.msg, "not a JSON object");
	CHECK(sl_judge_parse_verdict("{\"score\": 4, \"explanation\": \"x\"} thanks", 5, &score,
				     &expl, &err) != 0);
	CHECK_CONTAINS(err.msg, "text after");
	CHECK(sl_judge_parse_verdict("{\"score\": 6, \"explanation\": \"x\"}", 5, &score, &expl,
				     &err) != 0);
	CHECK_CONTAINS(err.msg, "from 1 to 5");
	CHECK(sl_judge_parse_verdict("{\"score\": 3.5, \"explanation\": \"x\"}", 5, &score, &expl,
				     &err) != 0);
	CHECK(sl_judge_parse_verdict("{\"score\": \"4\", \"explanation\": \"x\"}", 5, &score, &expl,
				     &err) != 0);
	CHECK_CONTAINS(err.msg, "numeric");
	CHECK(sl_judge_parse_verdict("{\"score\": 4}", 5, &score, &expl, &err) != 0);
	CHECK_CONTAINS(err.msg, "explanation");
	CHECK(sl_judge_parse_verdict("", 5, &score, &expl, &err) != 0);

	enum sl_pair_verdict v;
	CHECK(sl_judge_parse_pair_verdict("{\"explanation\": \"e\", \"winner\": \"b\"}", &v, &expl,
					  &err) == 0);
	CHECK_INT(v, SL_PAIR_B);
	free(expl);
	CHECK(sl_judge_parse_pair_verdict("{\"explanation\": \"e\", \"winner\": \"Tie\"}", &v, NULL,
					  &err) == 0);
	CHECK_INT(v, SL_PAIR_TIE);
	CHECK(sl_judge_parse_pair_verdict("{\"explanation\": \"e\", \"winner\": \"C\"}", &v, NULL,
					  &err) != 0);
	CHECK_CONTAINS(err.msg, "not A, B or tie");
}

/* Both orders must agree, else it is a tie (MT-Bench's position-swap rule). */
static void test_pair_combine(void)
{
	/* first: candidate is A; swapped: candidate is B */
	CHECK_INT(sl_judge_pair_combine(SL_PAIR_A, SL_PAIR_B), SL_PAIR_A);
	CHECK_INT(sl_judge_pair_combine(SL_PAIR_B, SL_PAIR_A), SL_PAIR_B);
	CHECK_INT(sl_judge_pair_combine(SL_PAIR_A, SL_PAIR_A), SL_PAIR_TIE); /* position bias */
	CHECK_INT(sl_judge_pair_combine(SL_PAIR_B, SL_PAIR_B), SL_PAIR_TIE);
	CHECK_INT(sl_judge_pair_combine(SL_PAIR_TIE, SL_PAIR_TIE), SL_PAIR_TIE);
	CHECK_INT(sl_judge_pair_combine(SL_PAIR_A, SL_PAIR_TIE), SL_PAIR_TIE);
}

static void test_weighted_score(void)
{
	/* Output tokens: {"explanation": "4 is fair", "score": 4}. The last "4" carries the
	 * alternatives 4 (p .6), 3 (p .3), 5 (p .095), "x" (non-decimal, dropped) and 2
	 * (p .005 < 1%, dropped): (4*.6 + 3*.3 + 5*.095) / (.6 + .3 + .095). */
	struct sl_top_logprob early_top[] = { { "4", log(0.5) }, { "1", log(0.5) } };
	struct sl_top_logprob top[] = { { "4", log(0.6) }, { "3", log(0.3) }, { "5", log(0.095) },
					{ "x", log(0.2) }, { "2", log(0.005) } };
	struct sl_token_logprob lp[] = {
		{ "4", log(0.5), early_top, 2 },
		{ "score", -0.01, NULL, 0 },
		{ "4", log(0.6), top, 5 },
		{ "}", -0.001, NULL, 0 },
	};
	bool weighted;
	double w = sl_judge_weighted_score(lp, 4, 4, &weighted);
	CHECK(weighted);
	CHECK_NEAR(w, (4 * 0.6 + 3 * 0.3 + 5 * 0.095) / (0.6 + 0.3 + 0.095), 1e-12);
	CHECK_NEAR(w, 3.7939698492462317, 1e-12);
	/* No matching token, or no log-probabilities at all: the raw integer. */
	CHECK_NEAR(sl_judge_weighted_score(lp, 4, 5, &weighted), 5.0, 0);
	CHECK(!weighted);
	CHECK_NEAR(sl_judge_weighted_score(NULL, 0, 3, &weighted), 3.0, 0);
	CHECK(!weighted);
}

static void check_invalid(const char *json, const char *words)
{
	struct sl_error err = { 0 };
	cJSON *j = cJSON_Parse(json);
	CHECK(j != NULL);
	CHECK(sl_judge_validate(j, "suite.scorers[2]", &err) != 0);
	CHECK_INT(err.code, SL_EXIT_USAGE);
	CHECK_CONTAINS(err.msg, "suite.scorers[2]");
	CHECK_CONTAINS(err.msg, words);
	cJSON_Delete(j);
}

static void test_validate(void)
{
	struct sl_error err = { 0 };
	cJSON *ok = cJSON_Parse("{\"name\": \"judge\", \"scale\": 10, \"reference\": true,"
				" \"rubric\": \"r\", \"as\": \"quality\", \"tries\": 2}");
	CHECK(sl_judge_validate(ok, "s", &err) == 0);
	char *id = sl_judge_metric_id(ok);
	CHECK_STR(id, "quality");
	free(id);
	cJSON_Delete(ok);
	ok = cJSON_Parse("{\"name\": \"judge_pairwise\", \"baseline\": \"openai:gpt-4o\"}");
	CHECK(sl_judge_validate(ok, "s", &err) == 0);
	id = sl_judge_metric_id(ok);
	CHECK_STR(id, "judge_pairwise");
	free(id);
	cJSON_Delete(ok);
	check_invalid("{\"name\": \"judge\", \"scale\": 7}", "scale: must be 5 or 10");
	check_invalid("{\"name\": \"judge\", \"rubrik\": \"x\"}", ".rubrik: unknown parameter");
	check_invalid("{\"name\": \"judge\", \"reference\": \"yes\"}", "true or false");
	check_invalid("{\"name\": \"judge_pairwise\"}", "needs \"baseline\"");
	check_invalid("{\"name\": \"judge\", \"baseline\": \"m\"}", ".baseline: unknown");
	check_invalid("{\"name\": \"judge\", \"tries\": 0}", "tries");
	CHECK(sl_judge_is_judge_scorer("judge"));
	CHECK(!sl_judge_is_judge_scorer("rouge"));
}

TEST_MAIN_BEGIN
	RUN_TEST(test_verdicts);
	RUN_TEST(test_pair_combine);
	RUN_TEST(test_weighted_score);
	RUN_TEST(test_validate);
TEST_MAIN_END

/* Suite files: every key checked, with its path; scorers validated by a callback. */
#include "test.h"

#include <math.h>

#include "shortlist/suite.h"

static struct sl_suite *parse(const char *text, struct sl_error *err)
{
	return sl_suite_parse(text, strlen(text), "/tmp/x/s.json", NULL, NULL, err);
}

/* A stand-in for the scoring registry: knows "accuracy" {threshold} and "rouge" {}. */
static int validate(void *ud, const char *name, const cJSON *scorer, const char *path,
		    struct sl_error *err)
{
	int *calls = ud;
	(*calls)++;
	if (strcmp(name, "accuracy") != 0 && strcmp(name, "rouge") != 0) {
		sl_error_set(err, "%s.name: unknown scorer \"%s\"", path, name);
		return -1;
	}
	for (const cJSON *it = scorer->child; it; it = it->next)
		if (strcmp(it->string, "name") != 0 &&
		    !(strcmp(name, "accuracy") == 0 && strcmp(it->string, "threshold") == 0)) {
			sl_error_set(err, "unknown key %s.%s", path, it->string);
			return -1;
		}
	return 0;
}

static void test_full_suite(void)
{
	struct sl_error err = { 0 };
	int calls = 0;
	const char *text =
		"{\"name\": \"demo\", \"models\": [\"openai:gpt-4o-mini\", \"ollama:llama3.2\"],"
		" \"prompts\": [\"triage@2\", \"triage\"], \"dataset\": \"data/t.csv\","
		" \"scorers\": [{\"name\": \"accuracy\", \"threshold\": 0.5}, \"rouge\"],"
		" \"judge\": \"openai:gpt-4o\", \"weights\": {\"speed\": 0.2, \"precision\": 0.5,"
		" \"cost\": 0.3}, \"samples\": 3, \"concurrency\": 4, \"gates\": [\"accuracy>=0.8\"],"
		" \"max_cost\": 1.5, \"params\": {\"temperature\": 0},"
		" \"prices\": {\"ollama:llama3.2\": {\"in\": 0, \"out\": 0}}}";
	struct sl_suite *s = sl_suite_parse(text, strlen(text), "/tmp/x/s.json", validate, &calls,
					    &err);
	CHECK(s != NULL);
	if (!s) {
		fprintf(stderr, "%s\n", err.msg);
		return;
	}
	CHECK_INT(calls, 2);
	CHECK_STR(s->name, "demo");
	CHECK_INT(s->n_models, 2);
	CHECK_INT(s->n_prompts, 2);
	CHECK_STR(s->dataset, "/tmp/x/data/t.csv");
	CHECK_INT(s->n_scorers, 2);
	CHECK_STR(s->scorers[1].name, "rouge");
	CHECK_STR(s->scorers[1].path, "suite.scorers[1]");
	CHECK_NEAR(s->w_cost, 0.3, 1e-12);
	CHECK_INT(s->samples, 3);
	CHECK_INT(s->concurrency, 4);
	CHECK_INT(s->n_gates, 1);
	CHECK_NEAR(s->max_cost, 1.5, 1e-12);
	CHECK_INT(s->n_prices, 1);
	CHECK_INT(strlen(s->hash), 64);
	sl_suite_free(s);

	s = parse("{\"models\": [\"a:b\"], \"prompts\": \"p\", \"dataset\": \"d.jsonl\"}", &err);
	CHECK(s != NULL);
	if (s) {
		CHECK_STR(s->name, "s"); /* from the file name */
		CHECK_INT(s->samples, 1);
		CHECK(isnan(s->max_cost));
		sl_suite_free(s);
	}
}

static void test_bad_suites(void)
{
	struct sl_error err = { 0 };
	int calls = 0;
	const char *scorer_typo =
		"{\"models\": [\"a:b\"], \"prompts\": [\"p\"], \"dataset\": \"d.jsonl\","
		" \"scorers\": [\"rouge\", {\"name\": \"accuracy\", \"tresh\": 0.5}]}";
	CHECK(sl_suite_parse(scorer_typo, strlen(scorer_typo), "s.json", validate, &calls, &err) ==
	      NULL);
	CHECK_CONTAINS(err.msg, "s.json");
	CHECK_CONTAINS(err.msg, "suite.scorers[1].tresh");
	CHECK_INT(err.code, SL_EXIT_USAGE);

	struct {
		const char *text, *want;
	} cases[] = {
		{ "{\"modles\": []}", "unknown key suite.modles" },
		{ "{\"models\": [\"a:b\"], \"prompts\": [\"p\"]}", "suite.dataset is missing" },
		{ "{\"prompts\": [\"p\"], \"dataset\": \"d.csv\"}", "suite.models is missing" },
		{ "{\"models\": [], \"prompts\": [\"p\"], \"dataset\": \"d.csv\"}", "suite.models is empty" },
		{ "{\"models\": [\"a:b\", 3], \"prompts\": [\"p\"], \"dataset\": \"d.csv\"}",
		  "suite.models[1] must be a non-empty string" },
		{ "{\"models\": [\"a:b\", \"a:b\"], \"prompts\": [\"p\"], \"dataset\": \"d.csv\"}",
		  "suite.models[1] \"a:b\" repeats suite.models[0]" },
		{ "{\"models\": [\"a:b\"], \"prompts\": [\"p@x\"], \"dataset\": \"d.csv\"}",
		  "suite.prompts[0] \"p@x\"" },
		{ "{\"models\": [\"a:b\"], \"prompts\": [\"p\"], \"dataset\": \"d.csv\", \"samples\": 0}",
		  "suite.samples must be an integer from 1" },
		{ "{\"models\": [\"a:b\"], \"prompts\": [\"p\"], \"dataset\": \"d.csv\", "
		  "\"weights\": {\"speed\": 0.5, \"precision\": 0.6, \"cost\": 0}}",
		  "suite.weights must sum to 1" },
		{ "{\"models\": [\"a:b\"], \"prompts\": [\"p\"], \"dataset\": \"d.csv\", "
		  "\"weights\": {\"speed\": 0.5, \"precison\": 0.5, \"cost\": 0}}",
		  "unknown key suite.weights.precison" },
		{ "{\"models\": [\"a:b\"], \"prompts\": [\"p\"], \"dataset\": \"d.csv\", "
		  "\"params\": {\"temprature\": 0}}", "unknown key suite.params.temprature" },
		{ "{\"models\": [\"a:b\"], \"prompts\": [\"p\"], \"dataset\": \"d.csv\", "
		  "\"prices\": {\"c:d\": {\"in\": 1, \"out\": 1}}}", "suite.prices.c:d: \"c:d\" is not one" },
		{ "{\"models\": [\"a:b\"], \"prompts\": [\"p\"], \"dataset\": \"d.csv\", "
		  "\"prices\": {\"a:b\": {\"in\": 1, \"output\": 1}}}", "unknown key suite.prices.a:b.output" },
		{ "{\"models\": [\"a:b\"], \"prompts\": [\"p\"], \"dataset\": \"d.csv\", "
		  "\"max_cost\": -1}", "suite.max_cost must be a positive" },
		{ "{\"models\": [\"a:b\"], \"prompts\": [\"p\"], \"dataset\": \"d.csv\", "
		  "\"scorers\": [{\"threshold\": 1}]}", "suite.scorers[0].name is missing" },
		{ "{\"models\": [\"a:b\"],\n \"prompts\": [\"p\"]\n \"dataset\": \"d.csv\"}", "s.json:3:2: not valid JSON" },
		{ "[1]", "a suite is a JSON object" },
		/* bytes that are not UTF-8 were kept by the JSON parser and sent in requests */
		{ "{\"models\": [\"a:b\"],\n \"prompts\": [\"caf\xe9\"]}", "s.json:2:18: not valid UTF-8 (byte 0xe9)" },
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		struct sl_suite *s = parse(cases[i].text, &err);
		CHECK(s == NULL);
		CHECK_CONTAINS(err.msg, cases[i].want);
		CHECK_INT(err.code, SL_EXIT_USAGE);
		sl_suite_free(s);
	}
	CHECK(sl_suite_load("/nonexistent/suite.json", NULL, NULL, &err) == NULL);
	CHECK_CONTAINS(err.msg, "/nonexistent/suite.json");
}

TEST_MAIN_BEGIN
	RUN_TEST(test_full_suite);
	RUN_TEST(test_bad_suites);
TEST_MAIN_END

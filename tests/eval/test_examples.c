/* The example suites in data/examples run unchanged against fakeprov (the SDK base-URL
 * variables point the built-in providers at it), and their datasets and prompts are valid. */
#include "test.h"

#include "eval_util.h"
#include "fakeprov_client.h"
#include "shortlist/dataset.h"

static void test_datasets_parse(void)
{
	const char *files[] = { "data/examples/sentiment/reviews.csv",
				"data/examples/summaries/articles.jsonl",
				"data/examples/open-questions/questions.jsonl" };
	size_t want[] = { 24, 8, 8 };
	for (size_t i = 0; i < 3; i++) {
		struct sl_error err = { 0 };
		char *p = test_source_path(files[i]);
		struct sl_dataset *ds = sl_dataset_load(p, &err);
		CHECK(ds != NULL);
		if (ds) {
			CHECK_INT(ds->n_cases, want[i]);
			for (size_t k = 0; k < ds->n_cases; k++)
				CHECK(ds->cases[k].label || ds->cases[k].reference ||
				      cJSON_GetObjectItemCaseSensitive(ds->cases[k].vars, "rubric"));
		} else {
			fprintf(stderr, "%s\n", err.msg);
		}
		sl_dataset_free(ds);
		free(p);
	}
}

static void test_suites_run_against_fakeprov(void)
{
	/* gpt-4o is the open-questions suite's judge: it grades every answer 4. */
	struct fakeprov *fp = fakeprov_start(
		"{\"models\": {\"gpt-4o-mini\": {\"text\": \"positive\"},"
		" \"claude-haiku-4-5\": {\"text\": \"negative\"},"
		" \"gpt-4o\": {\"text\": \"{\\\"explanation\\\": \\\"Correct but brief.\\\","
		" \\\"score\\\": 4}\"}}}");
	char *url = sl_xasprintf("%s/v1", fp->base);
	setenv("OPENAI_BASE_URL", url, 1);
	setenv("OPENAI_API_KEY", "sk-fake", 1);
	setenv("ANTHROPIC_BASE_URL", fp->base, 1);
	setenv("ANTHROPIC_API_KEY", "sk-ant-fake", 1);
	setenv("OLLAMA_HOST", fp->base + strlen("http://"), 1);
	free(url);
	char *db = test_path("examples.db");
	char *prompts = test_source_path("data/examples/prompts");
	struct run_result r = run_cli(db, (const char *[]){ "prompts", "import", prompts, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "imported 4 new versions");
	run_result_free(&r);
	const char *suites[] = { "data/examples/sentiment/suite.json",
				 "data/examples/summaries/suite.json",
				 "data/examples/open-questions/suite.json" };
	const char *want[] = { "144/144 cells, 0 errors", "48/48 cells, 0 errors",
			       "24/24 cells, 0 errors" };
	/* What each example's scorecard must show, from fakeprov's fixed answers: 8 of the 24
	 * reviews are positive, the judge grades 4 of 5, the summaries share few words. */
	const char *card[][2] = {
		{ "openai:gpt-4o-mini", "0.333 [" },  /* accuracy, 8/24 */
		{ "rougeL", "tfidf" },
		{ "judge", "4.000 [" },
	};
	const int want_status[] = { 1, 0, 0 }; /* the sentiment suite gates accuracy>=0.85 */
	for (size_t i = 0; i < 3; i++) {
		char *s = test_source_path(suites[i]);
		r = run_cli(db, (const char *[]){ "run", s, NULL }, NULL);
		CHECK_INT(r.status, want_status[i]);
		CHECK_CONTAINS(r.out, want[i]);
		CHECK_CONTAINS(r.out, "ollama:llama3.2");
		CHECK_CONTAINS(r.out, "scorecard");
		CHECK_CONTAINS(r.out, card[i][0]);
		CHECK_CONTAINS(r.out, card[i][1]);
		CHECK_CONTAINS(r.out, " pick ");
		if (i == 0)
			CHECK_CONTAINS(r.out, "FAIL  accuracy>=0.85: accuracy 0.3333 < 0.85 for "
					      "openai:gpt-4o-mini");
		run_result_free(&r);
		free(s);
		/* every report format, from the stored run */
		const char *formats[] = { "json", "jsonl", "csv", "md", "html", "junit" };
		const char *starts[] = { "{", "{\"run\"", "run,model,", "### shortlist run",
					 "<!DOCTYPE html>", "<?xml" };
		for (size_t f = 0; f < SL_ARRAY_LEN(formats); f++) {
			test_current = formats[f];
			r = run_cli(db, (const char *[]){ "report", "latest", "--format", formats[f],
							  NULL }, NULL);
			CHECK_INT(r.status, want_status[i]); /* the suite's gates decide, as for run */
			CHECK(sl_str_starts_with(r.out, starts[f]));
			if (!sl_str_starts_with(r.out, starts[f]))
				fprintf(stderr, "%s report starts: %.60s\n", formats[f], r.out);
			run_result_free(&r);
		}
		test_current = NULL;
	}
	cJSON *st = fakeprov_stats(fp);
	const cJSON *routes = cJSON_GetObjectItemCaseSensitive(st, "by_route");
	CHECK(cJSON_GetObjectItemCaseSensitive(routes, "openai.chat") != NULL);
	CHECK(cJSON_GetObjectItemCaseSensitive(routes, "anthropic.messages") != NULL);
	CHECK(cJSON_GetObjectItemCaseSensitive(routes, "ollama.chat") != NULL);
	cJSON_Delete(st);
	fakeprov_stop(fp);
	free(prompts);
	free(db);
}

TEST_MAIN_BEGIN
	RUN_TEST(test_datasets_parse);
	RUN_TEST(test_suites_run_against_fakeprov);
TEST_MAIN_END

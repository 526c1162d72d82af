/* `shortlist import promptfoo`: tests/import/every-construct.yaml maps every construct the
 * importer knows (prompts inline, labelled and file:// globs; openai/anthropic/bedrock/ollama
 * providers and an OpenAI-compatible apiBaseUrl; defaultTest and per-test vars and asserts)
 * and lists each one it cannot with its config path; then an imported config runs against
 * fakeprov (`run --check`, then `run`) with its per-case checks scored. */
#include "test.h"

#include "eval_util.h"
#include "fakeprov_client.h"
#include "shortlist/util.h"

static struct fakeprov *fp;
static char *db;

static cJSON *read_json(const char *path)
{
	size_t len;
	struct sl_error err = { 0 };
	char *text = sl_read_file(path, &len, &err);
	cJSON *j = text ? cJSON_Parse(text) : NULL;
	free(text);
	CHECK(j != NULL);
	return j;
}

static char *compact(const cJSON *j)
{
	return cJSON_PrintUnformatted(j);
}

static void test_every_construct(void)
{
	char *config = test_source_path("tests/import/every-construct.yaml");
	char *out = test_path("every");
	struct run_result r = run_cli(db, (const char *[]){ "import", "promptfoo", config, "-o",
							     out, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "4 prompts, 2 cases, 5 models, 4 suite scorers");
	/* every construct without an equivalent, by its path */
	static const char *const unmapped[] = {
		"  outputPath: not imported",
		"  prompts[3]: Nunjucks beyond {{var}}",
		"  prompts[4]: file://prompts/none-*.md matches no file",
		"  providers[4]: apiBaseUrl http://127.0.0.1:9/v1: the suite calls it \"imported\"",
		"  providers[5]: provider \"vertex:gemini-pro\" has no shortlist equivalent",
		"  defaultTest.assert[4]: \"javascript\" has no shortlist equivalent",
		"  tests[1].vars.many: a list or object value",
		"  tests[1].vars.doc: a file:// variable",
		"  tests[1].assert[4]: promptfoo's levenshtein threshold is an edit distance",
		"  tests[1].assert[5]: \"not-regex\"",
		"  tests[1].assert[6]: \"select-best\" has no shortlist equivalent",
		"  tests[1].assert[7]: \"python\" has no shortlist equivalent",
		"  tests[2]: a test from a file",
		"  tests[0].assert[1]: \"weight\" is not imported",
		"  tests[1]: \"options\" is not imported",
	};
	for (size_t i = 0; i < sizeof unmapped / sizeof *unmapped; i++)
		CHECK_CONTAINS(r.out, unmapped[i]);
	CHECK_CONTAINS(r.out, "not imported or changed (15):");
	run_result_free(&r);

	char *path = sl_xasprintf("%s/suite.json", out);
	cJSON *suite = read_json(path);
	free(path);
	char *s = compact(suite);
	CHECK_CONTAINS(s, "\"models\":[\"openai:gpt-4o-mini\",\"anthropic:claude-haiku-4-5\","
			  "\"bedrock:amazon.nova-lite-v1:0\",\"ollama:llama3.2\","
			  "\"imported:local-model\"]");
	CHECK_CONTAINS(s, "\"prompts\":[\"french\",\"german\",\"prompt2\",\"labelled\"]");
	CHECK_CONTAINS(s, "{\"name\":\"latency\",\"max_ms\":5000,\"as\":\"latency\"}");
	CHECK_CONTAINS(s, "{\"name\":\"cost\",\"max_usd\":0.01,\"as\":\"cost\"}");
	CHECK_CONTAINS(s, "{\"name\":\"is_json\",\"as\":\"is_json\"}");
	CHECK_CONTAINS(s, "{\"name\":\"judge\",\"rubric\":\"answers in French\",\"as\":"
			  "\"llm_rubric\"}");
	CHECK_CONTAINS(s, "\"judge\":\"openai:gpt-4o\"");
	free(s);
	cJSON_Delete(suite);

	path = sl_xasprintf("%s/cases.jsonl", out);
	size_t len;
	struct sl_error err = { 0 };
	char *rows = sl_read_file(path, &len, &err);
	free(path);
	CHECK(rows != NULL);
	static const char *const mapped[] = {
		"{\"lang\":\"fr\",\"text\":\"hello\",\"expected\":\"bonjour\",\"reference\":\"bonjour\"",
		"{\"name\":\"exact\",\"as\":\"equals\"}",
		"{\"name\":\"contains\",\"value\":\"bon\",\"as\":\"has_bon\"}",
		"{\"name\":\"contains\",\"value\":\"BON\",\"case_sensitive\":false,\"as\":\"icontains\"}",
		"{\"name\":\"contains\",\"values\":[\"bon\",\"jour\"],\"mode\":\"any\",\"as\":\"contains_any\"}",
		"{\"name\":\"contains\",\"values\":[\"bon\",\"jour\"],\"mode\":\"all\",\"as\":\"contains_all\"}",
		"{\"name\":\"contains\",\"values\":[\"BON\"],\"mode\":\"any\",\"case_sensitive\":false,"
		"\"as\":\"icontains_any\"}",
		"\"mode\":\"all\",\"case_sensitive\":false,\"as\":\"icontains_all\"}",
		"{\"name\":\"not_contains\",\"value\":\"hello\",\"as\":\"not_contains\"}",
		"{\"name\":\"not_contains\",\"value\":\"HELLO\",\"case_sensitive\":false,\"as\":"
		"\"not_icontains\"}",
		"{\"name\":\"not_contains\",\"values\":[\"foo\",\"bar\"],\"mode\":\"any\",\"as\":"
		"\"not_contains_any\"}",
		"\"mode\":\"all\",\"as\":\"not_contains_all\"}",
		"{\"name\":\"starts_with\",\"value\":\"bon\",\"as\":\"starts_with\"}",
		"{\"name\":\"regex\",\"pattern\":\"^b.n\",\"as\":\"regex\"}",
		"{\"name\":\"is_json\",\"as\":\"contains_json\"}",
		"{\"name\":\"rouge\",\"type\":\"rouge1\",\"threshold\":0.5,\"as\":\"rouge_n\"}",
		"{\"lang\":\"fr\",\"text\":\"thanks\",\"reference\":\"merci\",\"rubric\":\"is polite\"",
		"{\"name\":\"bleu\",\"threshold\":0.5,\"as\":\"bleu\"}",
		"{\"name\":\"cosine\",\"threshold\":0.8,\"as\":\"similar\"}",
	};
	for (size_t i = 0; rows && i < sizeof mapped / sizeof *mapped; i++)
		CHECK_CONTAINS(rows, mapped[i]);
	free(rows);
	/* the prompts are in the catalogue, with their {{ var }} placeholders */
	r = run_cli(db, (const char *[]){ "prompts", "show", "french", NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "Translate to French: {{ text }}");
	run_result_free(&r);
	free(out);
	free(config);
}

static void test_import_then_run(void)
{
	write_fake_provider(fp->base);
	char *json = sl_xasprintf("{\"providers\": {\"imported\": {\"kind\": \"openai\", "
				  "\"base_url\": \"%s/v1\", \"api_key_env\": \"FAKE_KEY\"}}}", fp->base);
	free(test_write_file("config/shortlist/providers.json", json));
	free(json);
	char *yaml = sl_xasprintf(
		"description: capitals\n"
		"prompts:\n  - 'Capital of {{country}}?'\n"
		"providers:\n  - id: openai:chat:model-a\n    config:\n      apiBaseUrl: %s/v1\n"
		"defaultTest:\n  assert:\n    - type: latency\n      threshold: 100000\n"
		"tests:\n"
		"  - vars: {country: France}\n    assert:\n      - type: icontains\n        value: PARIS\n"
		"  - vars: {country: Italy}\n    assert:\n      - type: equals\n        value: Rome\n",
		fp->base);
	struct sl_error err = { 0 };
	char *dir = test_path("e2e");
	sl_mkdirs(dir, &err);
	free(dir);
	char *config = test_write_file("e2e/promptfooconfig.yaml", yaml);
	free(yaml);
	struct run_result r = run_cli(db, (const char *[]){ "import", "promptfoo", config, NULL },
				      NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "providers[0]: apiBaseUrl");
	run_result_free(&r);
	char *suite = test_path("e2e/shortlist/suite.json");
	fakeprov_reset(fp);
	r = run_cli(db, (const char *[]){ "run", suite, "--check", NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "ok: 1 model");
	run_result_free(&r);
	r = run_cli(db, (const char *[]){ "run", suite, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "icontains");
	run_result_free(&r);
	/* the answer is "Paris is the capital": France passes icontains, Italy fails equals */
	CHECK_INT(db_query_int(db, "SELECT value FROM cell_scores WHERE run_id = (SELECT MAX(id) "
				   "FROM runs) AND metric = 'icontains' AND case_idx = 0"), 1);
	CHECK_INT(db_query_int(db, "SELECT value FROM cell_scores WHERE run_id = (SELECT MAX(id) "
				   "FROM runs) AND metric = 'equals' AND case_idx = 1"), 0);
	CHECK_INT(db_query_int(db, "SELECT COUNT(*) FROM cell_scores WHERE run_id = (SELECT "
				   "MAX(id) FROM runs) AND metric = 'latency' AND value = 1"), 2);
	free(suite);
	free(config);
}

static void test_bad_input(void)
{
	struct run_result r = run_cli(db, (const char *[]){ "import", "promptfoo", "/nonexistent.yaml",
							     NULL }, NULL);
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "/nonexistent.yaml");
	run_result_free(&r);
	char *bad = test_write_file("bad.yaml", "prompts:\n  - a\n tests: [\n");
	r = run_cli(db, (const char *[]){ "import", "promptfoo", bad, NULL }, NULL);
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "bad.yaml:3:");
	run_result_free(&r);
	r = run_cli(db, (const char *[]){ "import", "langsmith", bad, NULL }, NULL);
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "unknown format 'langsmith'");
	run_result_free(&r);
	free(bad);
}

TEST_MAIN_BEGIN
	fp = fakeprov_start("{\"models\": {\"model-a\": {\"text\": \"Paris is the capital\"}}}");
	db = test_path("import.db");
	RUN_TEST(test_every_construct);
	RUN_TEST(test_import_then_run);
	RUN_TEST(test_bad_input);
	fakeprov_stop(fp);
	free(db);
TEST_MAIN_END

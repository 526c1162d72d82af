/* Scoring, gates, reports and the triangle through the shortlist binary, against
 * tests/fakeprov: a failed gate fails the process (exit 1), a malformed one is a usage error
 * (exit 2) pointing at the character, every report format is well formed, the judge grades
 * through the engine (malformed verdicts retried then recorded as judge errors, verdicts
 * cached), and the triangle works on catalogue priors before any run. */
#include "test.h"

#include <sys/stat.h>

#include <sqlite3.h>

#include "eval_util.h"
#include "fakeprov_client.h"
#include "shortlist/store.h"
#include "shortlist/utf8.h"

static struct fakeprov *fp;
static char *db;

static long requests(void)
{
	cJSON *s = fakeprov_stats(fp);
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(s, "requests");
	long v = cJSON_IsNumber(n) ? (long)n->valuedouble : -1;
	cJSON_Delete(s);
	return v;
}

static struct run_result cli(const char *const *argv)
{
	return run_cli(db, argv, NULL);
}

static void setup(void)
{
	/* gpt-4o-mini is right on 2 of the 3 cases (positive, positive, negative), the judge
	 * (gpt-4o) answers a rubric verdict, so a pairwise judge gets a malformed one. */
	fp = fakeprov_start(
		"{\"default\": {\"ttft_ms\": 2, \"token_ms\": 1},"
		" \"models\": {\"gpt-4o-mini\": {\"text\": \"positive\"},"
		"  \"claude-haiku-4-5\": {\"text\": \"negative\", \"ttft_ms\": 20},"
		"  \"gpt-4o\": {\"text\": \"{\\\"explanation\\\": \\\"Mostly right.\\\","
		" \\\"score\\\": 4}\"},"
		"  \"gpt-4.1\": {\"text\": \"{\\\"explanation\\\": \\\"A is better.\\\","
		" \\\"winner\\\": \\\"A\\\"}\"},"
		"  \"gone-judge\": {\"exists\": false},"
		/* never a JSON verdict; and one malformed verdict first, then good ones */
		"  \"stubborn-judge\": {\"text\": \"I would say 4.\"},"
		"  \"late-judge\": {\"text\": \"{\\\"explanation\\\": \\\"Fine.\\\","
		" \\\"score\\\": 5}\", \"sequence\": [{\"text\": \"Five.\"}]},"
		/* a judge no catalogue knows, priced by the suite; 1000 tokens in, 10 out */
		"  \"local-judge\": {\"text\": \"{\\\"explanation\\\": \\\"Fine.\\\","
		" \\\"score\\\": 5}\", \"input_tokens\": 1000, \"tokens\": 10},"
		/* Claude Sonnet 4.5 writing 1M prompt-cache tokens per call */
		"  \"claude-sonnet-4-5\": {\"text\": \"positive\", \"input_tokens\": 2,"
		" \"cache_write_tokens\": 1000000},"
		/* a judge whose API returns log-probabilities: P(4) 0.6, P(5) 0.3, P(3) 0.1 */
		"  \"geval-judge\": {\"text\": \"{\\\"explanation\\\": \\\"Close.\\\","
		" \\\"score\\\": 4}\", \"logprobs\": ["
		"   {\"token\": \"{\\\"explanation\\\": \\\"Close.\\\", \\\"score\\\": \","
		"    \"logprob\": 0, \"top_logprobs\": []},"
		"   {\"token\": \"4\", \"logprob\": -0.5108, \"top_logprobs\": ["
		"    {\"token\": \"4\", \"logprob\": -0.5108256},"
		"    {\"token\": \"5\", \"logprob\": -1.2039728},"
		"    {\"token\": \"3\", \"logprob\": -2.3025851}]},"
		"   {\"token\": \"}\", \"logprob\": 0, \"top_logprobs\": []}]}}}");
	char *url = sl_xasprintf("%s/v1", fp->base);
	setenv("OPENAI_BASE_URL", url, 1);
	setenv("OPENAI_API_KEY", "sk-fake", 1);
	setenv("ANTHROPIC_BASE_URL", fp->base, 1);
	setenv("ANTHROPIC_API_KEY", "sk-ant-fake", 1);
	free(url);
	db = test_path("report.db");
	char *p = test_write_file("p.json", "{\"name\": \"sentiment\", \"system\": \"One word.\","
					    " \"user\": \"{{text}}\"}");
	struct run_result r = cli((const char *[]){ "prompts", "add", p, NULL });
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	free(p);
	free(test_write_file("cases.csv", "text,label\n\"Great, really\",positive\n"
					  "Lovely,positive\nAwful,negative\n"));
}

/* A suite over cases.csv; `more` adds scorers after the label one, `tail` top-level keys. */
static char *suite_with(const char *name, const char *more, const char *tail)
{
	char *json = sl_xasprintf(
		"{\"name\": \"%s\", \"models\": [\"openai:gpt-4o-mini\","
		" \"anthropic:claude-haiku-4-5\"], \"prompts\": [\"sentiment\"],"
		" \"dataset\": \"cases.csv\", \"scorers\": [{\"name\": \"label\", \"as\": \"accuracy\","
		" \"labels\": [\"positive\", \"negative\", \"neutral\"]}%s],"
		" \"weights\": {\"speed\": 0.2, \"precision\": 0.5, \"cost\": 0.3}%s}",
		name, more ? more : "", tail ? tail : "");
	char file[64];
	snprintf(file, sizeof file, "%s.json", name);
	char *path = test_write_file(file, json);
	free(json);
	return path;
}

static char *suite(const char *name, const char *more)
{
	return suite_with(name, more, NULL);
}

static void test_gates_decide_the_exit_code(void)
{
	char *s = suite("gates", NULL);
	struct run_result r = cli((const char *[]){ "run", s, "--gate", "accuracy>=0.6", NULL });
	/* gpt-4o-mini 2/3, claude-haiku 1/3: the gate fails for one model. */
	CHECK_INT(r.status, 1);
	CHECK_CONTAINS(r.out, "1 of 2 gate checks failed");
	CHECK_CONTAINS(r.out, "FAIL  accuracy>=0.6: accuracy 0.3333 < 0.6 for "
			      "anthropic:claude-haiku-4-5");
	run_result_free(&r);

	r = cli((const char *[]){ "run", s, "--gate", "model=gpt-4o-mini:accuracy>=0.6",
				  "--gate", "cost_per_1k<=$100", NULL });
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "all 3 gate checks passed");
	run_result_free(&r);

	/* Malformed: exit 2 before any request, the caret under the fault. */
	long before = requests();
	r = cli((const char *[]){ "run", s, "--gate", "p95_latency<=2sec", NULL });
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "unknown unit 'sec'");
	CHECK_CONTAINS(r.err, "\n  p95_latency<=2sec\n                ^");
	CHECK_INT(requests(), before);
	run_result_free(&r);

	/* A gate on a metric the run does not have is a configuration error. */
	r = cli((const char *[]){ "report", "--gate", "rougeL>=0.3", NULL });
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "no metric 'rougeL'");
	run_result_free(&r);
	/* report checks gates too. */
	r = cli((const char *[]){ "report", "--gate", "accuracy>=0.9", "-o",
				  "/dev/null", NULL });
	CHECK_INT(r.status, 1);
	run_result_free(&r);
	/* -o writes a device in place: renaming over it (as root) would replace /dev/null. */
	struct stat st;
	CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode));
	free(s);
}

/* The recommendation is made among the models that pass the gates, saying which were
 * excluded and by which gate; when none passes it says so and shows the best as failing.
 * Text and JSON alike (the JSON's triangle marks each excluded model). */
static void test_gates_decide_the_pick(void)
{
	char *s = suite("gates", NULL);
	struct run_result r = cli((const char *[]){ "run", s, NULL });
	run_result_free(&r);
	r = cli((const char *[]){ "report", "latest", "--format", "text", "--gate",
				  "model=openai:gpt-4o-mini:accuracy>=0.9", NULL });
	CHECK_INT(r.status, 1);
	CHECK_CONTAINS(r.out, "pick anthropic:claude-haiku-4-5:");
	CHECK_CONTAINS(r.out, "excluded by gates: openai:gpt-4o-mini "
			      "(model=openai:gpt-4o-mini:accuracy>=0.9)");
	run_result_free(&r);
	r = cli((const char *[]){ "report", "latest", "--format", "text", "--gate",
				  "accuracy>=0.6", NULL });
	CHECK_CONTAINS(r.out, "pick openai:gpt-4o-mini:");
	CHECK_CONTAINS(r.out, "excluded by gates: anthropic:claude-haiku-4-5 (accuracy>=0.6)");
	run_result_free(&r);
	r = cli((const char *[]){ "report", "latest", "--gate", "accuracy>=0.9", NULL });
	CHECK_CONTAINS(r.out, "no model passes the gates; under speed 0.20 / precision 0.50 / "
			      "cost 0.30 the best is openai:gpt-4o-mini, which fails accuracy>=0.9: ");
	run_result_free(&r);
	r = cli((const char *[]){ "report", "latest", "--format", "json", "--gate",
				  "accuracy>=0.6", NULL });
	cJSON *j = cJSON_Parse(r.out);
	CHECK(j != NULL);
	char *flat = j ? cJSON_PrintUnformatted(j) : NULL;
	CHECK_CONTAINS(flat ? flat : "", "\"excluded\":\"accuracy>=0.6\"");
	CHECK_CONTAINS(flat ? flat : "", "excluded by gates: anthropic:claude-haiku-4-5");
	cJSON_free(flat);
	cJSON_Delete(j);
	run_result_free(&r);
	free(s);
}

static char *slurp(const char *name)
{
	char *p = test_path(name);
	char *t = sl_read_file(p, NULL, NULL);
	free(p);
	return t ? t : sl_xstrdup("");
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void test_report_formats(void)
{
	const char *formats[] = { "json", "jsonl", "csv", "md", "html", "junit" };
	for (size_t i = 0; i < 6; i++) {
		char name[32];
		snprintf(name, sizeof name, "out.%s", formats[i]);
		char *out = test_path(name);
		struct run_result r = cli((const char *[]){ "report", "latest", "--format",
							    formats[i], "-o", out, "--gate",
							    "accuracy>=0.5", NULL });
		CHECK_INT(r.status, 1); /* claude-haiku is under 0.5 */
		run_result_free(&r);
		free(out);
	}
	char *json = slurp("out.json");
	cJSON *j = cJSON_Parse(json);
	CHECK(j != NULL);
	const cJSON *cells = cJSON_GetObjectItemCaseSensitive(j, "cells");
	CHECK_INT(cJSON_GetArraySize(cells), 6);
	const cJSON *run = cJSON_GetObjectItemCaseSensitive(j, "run");
	CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(run, "suite_hash")));
	CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(run, "dataset_hash")));
	CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(run, "prompts")), 1);
	const cJSON *tri = cJSON_GetObjectItemCaseSensitive(j, "triangle");
	CHECK_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(tri, "recommendation")),
		       "under speed 0.20 / precision 0.50 / cost 0.30 pick openai:gpt-4o-mini");
	CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "gates")), 2);
	cJSON_Delete(j);
	free(json);

	char *jsonl = slurp("out.jsonl");
	CHECK_INT(count(jsonl, "\n"), 6);
	CHECK_CONTAINS(jsonl, "\"scores\":{\"accuracy\":1}");
	CHECK_CONTAINS(jsonl, "\"score_details\":{\"accuracy\":\"predicted: positive");
	free(jsonl);

	char *csv = slurp("out.csv");
	CHECK(sl_str_starts_with(csv, "run,model,reported_model,prompt,prompt_version,case,"));
	CHECK_INT(count(csv, "\r\n"), 7);
	CHECK_CONTAINS(csv, "\"Great, really\"");
	free(csv);

	char *md = slurp("out.md");
	CHECK_CONTAINS(md, "| model | n | errors | accuracy (95% CI) |");
	CHECK_CONTAINS(md, "| openai:gpt-4o-mini | 3 | 0.0% | 0.667 (0.208–0.939) |");
	CHECK_CONTAINS(md, "**Recommendation:**");
	CHECK_CONTAINS(md, "❌ `accuracy>=0.5`");
	free(md);

	/* Self-contained: no scripts, no external resources. */
	char *html = slurp("out.html");
	CHECK(sl_str_starts_with(html, "<!DOCTYPE html>"));
	CHECK_CONTAINS(html, "<style>");
	CHECK_CONTAINS(html, "aria-label=\"quality against cost\"");
	CHECK_CONTAINS(html, "aria-label=\"latency per model\"");
	CHECK_CONTAINS(html, "aria-label=\"weight regions\"");
	CHECK(!strstr(html, "<script"));
	CHECK(!strstr(html, "src=\"http"));
	CHECK(!strstr(html, "href=\"http"));
	CHECK_CONTAINS(html, "</html>");
	free(html);

	char *xml = slurp("out.junit");
	CHECK_CONTAINS(xml, "<testsuite name=\"shortlist.gates\" tests=\"2\" failures=\"1\">");
	CHECK_CONTAINS(xml, "name=\"accuracy&gt;=0.5 [anthropic:claude-haiku-4-5]\"");
	/* failing cells: gpt-4o-mini misses "Awful", claude-haiku misses both positives */
	CHECK_INT(count(xml, "<failure type=\"check\""), 3);
	free(xml);

	struct run_result r = cli((const char *[]){ "report", "--format", "csv", "--by", "model",
						    NULL });
	CHECK_INT(r.status, 0);
	CHECK(sl_str_starts_with(r.out, "model,prompt,n,errors,error_rate,accuracy,"));
	run_result_free(&r);
	r = cli((const char *[]){ "report", "--format", "text", NULL });
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "0.667 [0.208,0.939]");
	CHECK_CONTAINS(r.out, "under speed 0.20 / precision 0.50 / cost 0.30 pick");
	run_result_free(&r);
	r = cli((const char *[]){ "report", "--metric", "acuracy", NULL });
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "no quality metric 'acuracy' (it has: accuracy)");
	run_result_free(&r);
	r = cli((const char *[]){ "report", "--format", "pdf", NULL });
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "unknown report format 'pdf'");
	run_result_free(&r);
}

/* A model answer with bytes that are not UTF-8 (a server's Latin-1, a cut character) made
 * --format json/jsonl invalid UTF-8; they now show as U+FFFD. */
static void test_json_stays_utf8(void)
{
	struct sl_store *st = sl_store_open(db, 0, NULL);
	CHECK(st != NULL);
	CHECK_INT(sqlite3_exec(sl_store_db(st),
		"UPDATE cells SET output = 'caf' || CAST(x'e9' AS TEXT) || ' ' || CAST(x'e282' AS TEXT)"
		" WHERE run_id = (SELECT MAX(id) FROM runs) AND case_idx = 0", NULL, NULL, NULL),
		SQLITE_OK);
	sl_store_close(st);
	const char *formats[] = { "json", "jsonl" };
	for (size_t i = 0; i < 2; i++) {
		struct run_result r = cli((const char *[]){ "report", "latest", "--format", formats[i], NULL });
		CHECK_INT(r.status, 0);
		CHECK_INT(sl_utf8_check(r.out, strlen(r.out)), strlen(r.out));
		CHECK_CONTAINS(r.out, "\"output\":\"caf\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\"");
		run_result_free(&r);
	}
	/* and the terminal listing shows them, never the raw bytes */
	struct run_result r = cli((const char *[]){ "runs", "show", "latest", "--cells", NULL });
	CHECK_INT(r.status, 0);
	CHECK_INT(sl_utf8_check(r.out, strlen(r.out)), strlen(r.out));
	CHECK_CONTAINS(r.out, "caf\xef\xbf\xbd ");
	run_result_free(&r);
}

static void test_judge_through_the_engine(void)
{
	char *s = suite_with("judged", ", {\"name\": \"judge\", \"as\": \"quality\", \"tries\": 2},"
				       " {\"name\": \"judge_pairwise\", \"baseline\":"
				       " \"anthropic:claude-haiku-4-5\", \"tries\": 2}",
			     ", \"judge\": \"openai:gpt-4o\"");
	long before = requests();
	struct run_result r = cli((const char *[]){ "run", s, "--gate", "quality>=4", NULL });
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "pass  quality>=4: quality 4 >= 4 for openai:gpt-4o-mini");
	run_result_free(&r);
	long after = requests();
	/* The 6 cells come from the response cache; 6 rubric verdicts + pairwise: 3 cases x 2
	 * orders x 2 tries of malformed (rubric-shaped) verdicts for the non-baseline model. */
	CHECK_INT(after - before, 6 + 12);

	r = cli((const char *[]){ "report", "--format", "json", NULL });
	CHECK_INT(r.status, 0);
	cJSON *j = cJSON_Parse(r.out);
	const cJSON *sc = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "scorecard"), 0);
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(sc, "quality");
	const cJSON *pair = cJSON_GetObjectItemCaseSensitive(q, "judge_pairwise");
	/* Malformed verdicts are judge errors, not zeros. */
	CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(pair, "value")));
	CHECK_INT(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(pair, "unscored")), 3);
	const cJSON *qual = cJSON_GetObjectItemCaseSensitive(q, "quality");
	CHECK_NEAR(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(qual, "value")), 4, 1e-12);
	const cJSON *judge = cJSON_GetObjectItemCaseSensitive(j, "judge");
	/* judged cells: 6 rubric + 3 pairwise */
	CHECK_INT(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(judge, "judged_cells")), 9);
	cJSON_Delete(j);
	run_result_free(&r);
	/* Reports never judge again. */
	CHECK_INT(requests(), after);

	/* The judge prompts are versioned in the prompt catalogue. */
	r = cli((const char *[]){ "prompts", "show", "judge-rubric@1", NULL });
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "impartial judge");
	run_result_free(&r);
	free(s);

	/* A pairwise judge that always prefers whichever answer it sees first: the two orders
	 * disagree on every case, so every comparison is a tie (0.5), not a win. Run twice:
	 * the second run answers every cell and every verdict from the caches. */
	s = suite_with("pairwise", ", {\"name\": \"judge_pairwise\", \"model\": \"openai:gpt-4.1\","
				   " \"baseline\": \"anthropic:claude-haiku-4-5\"}", NULL);
	before = requests();
	r = cli((const char *[]){ "run", s, "--gate", "judge_pairwise==0.5", NULL });
	/* The baseline is not compared with itself: a gate on it cannot pass. */
	CHECK_INT(r.status, 1);
	CHECK_CONTAINS(r.out, "pass  judge_pairwise==0.5: judge_pairwise 0.5 == 0.5 for "
			      "openai:gpt-4o-mini");
	CHECK_CONTAINS(r.out, "no cell of it was scored with judge_pairwise");
	run_result_free(&r);
	CHECK_INT(requests() - before, 3 * 2);
	before = requests();
	r = cli((const char *[]){ "run", s, "--gate", "model=gpt-4o-mini:judge_pairwise==0.5",
				  NULL });
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	CHECK_INT(requests() - before, 0);
	r = cli((const char *[]){ "report", "--format", "jsonl", NULL });
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "\"judge_pairwise\":0.5");
	run_result_free(&r);
	free(s);
}

/* Reference-guided grading shows the judge the case's expected answer, with the rubric
 * and the logprobs request an OpenAI-compatible judge can answer. */
static void test_reference_guided_judge(void)
{
	char *s = suite_with("refjudge", ", {\"name\": \"judge\", \"reference\": true,"
				    " \"rubric\": \"5 = same label as the reference.\"}",
			     ", \"judge\": \"openai:gpt-4o\", \"models\": [\"openai:gpt-4o-mini\"]");
	/* "models" given twice would be a JSON duplicate: drop the first list. */
	char *text = sl_read_file(s, NULL, NULL);
	char *dup = strstr(text, "\"models\": [\"openai:gpt-4o-mini\", \"anthropic:claude-haiku-4-5\"], ");
	CHECK(dup != NULL);
	if (dup) {
		size_t cut = strlen("\"models\": [\"openai:gpt-4o-mini\", \"anthropic:claude-haiku-4-5\"], ");
		memmove(dup, dup + cut, strlen(dup + cut) + 1);
		sl_write_file_atomic(s, text, strlen(text), NULL);
	}
	free(text);
	struct run_result r = cli((const char *[]){ "run", s, "--gate", "judge>=4", NULL });
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	cJSON *last = fakeprov_last(fp);
	const char *body = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(last, "body"));
	CHECK_CONTAINS(body, "[Reference answer]\\n");
	CHECK_CONTAINS(body, "5 = same label as the reference.");
	CHECK_CONTAINS(body, "\"logprobs\":true");
	CHECK_CONTAINS(body, "\"temperature\":0");
	cJSON_Delete(last);
	free(s);
}

/* G-Eval end to end: the judge asks for log-probabilities and scores the probability-
 * weighted grade, 0.6 x 4 + 0.3 x 5 + 0.1 x 3 = 4.2, not the raw 4. */
static void test_geval_through_the_engine(void)
{
	char *s = suite_with("geval", ", {\"name\": \"judge\", \"model\": \"openai:geval-judge\"}",
			     NULL);
	struct run_result r = cli((const char *[]){ "run", s, "--gate", "judge>=4.1", NULL });
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "pass  judge>=4.1: judge 4.2 >= 4.1 for openai:gpt-4o-mini");
	run_result_free(&r);
	cJSON *last = fakeprov_last(fp);
	const char *body = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(last, "body"));
	CHECK_CONTAINS(body, "\"top_logprobs\":20");
	cJSON_Delete(last);
	r = cli((const char *[]){ "report", "--format", "jsonl", NULL });
	CHECK_INT(r.status, 0);
	const char *end;
	cJSON *cell = cJSON_ParseWithOpts(r.out, &end, false); /* the first line: one cell */
	const cJSON *scores = cJSON_GetObjectItemCaseSensitive(cell, "scores");
	CHECK_NEAR(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(scores, "judge")), 4.2,
		   1e-6);
	cJSON_Delete(cell);
	run_result_free(&r);
	free(s);
}

static char *query_text(const char *sql)
{
	struct sl_store *st = sl_store_open(db, 0, NULL);
	sqlite3_stmt *q = NULL;
	char *out = NULL;
	if (st && sqlite3_prepare_v2(sl_store_db(st), sql, -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		out = sl_xstrdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	if (st)
		sl_store_close(st);
	return out ? out : sl_xstrdup("");
}

/* A malformed verdict is asked again only in a way that can change the answer: the judge
 * runs at temperature 0, so the retry shows it its reply and why it could not be read;
 * when the same reply comes back, asking again cannot differ and it stops (it used to send
 * the identical request three times). */
static void test_malformed_verdict_retry(void)
{
	char *s = suite_with("stubborn", ", {\"name\": \"judge\", \"model\": "
			     "\"openai:stubborn-judge\"}", NULL);
	long before = requests();
	struct run_result r = cli((const char *[]){ "run", s, NULL });
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	/* 6 cells: the first ask and one clarifying ask each, not 3 identical ones */
	CHECK_INT(requests() - before, 6 * 2);
	cJSON *last = fakeprov_last(fp);
	const char *body = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(last, "body"));
	CHECK_CONTAINS(body, "\"role\":\"assistant\",\"content\":\"I would say 4.\"");
	CHECK_CONTAINS(body, "could not be read");
	CHECK_CONTAINS(body, "\"temperature\":0");
	cJSON_Delete(last);
	char *detail = query_text("SELECT detail FROM cell_scores WHERE metric = 'judge' AND"
				  " value IS NULL AND run_id = (SELECT MAX(id) FROM runs)");
	CHECK_CONTAINS(detail, "malformed verdict after 2 tries");
	CHECK_CONTAINS(detail, "the same reply came back to the clarifying retry");
	free(detail);
	free(s);

	/* Once malformed, then readable: the clarifying retry scores the cell. */
	s = suite_with("late", ", {\"name\": \"judge\", \"model\": \"openai:late-judge\"}",
		       NULL);
	before = requests();
	r = cli((const char *[]){ "run", s, "--gate", "judge>=5", NULL });
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	CHECK_INT(requests() - before, 6 + 1);
	free(s);
}

/* A judge that cannot be reached is not a verdict: the cells stay unscored and the next
 * report asks again, instead of recording the failure for good. */
static void test_unreachable_judge_is_retried(void)
{
	char *s = suite_with("gone", ", {\"name\": \"judge\", \"model\": \"openai:gone-judge\"}",
			     NULL);
	struct run_result r = cli((const char *[]){ "run", s, NULL });
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	long before = requests();
	r = cli((const char *[]){ "report", NULL });
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.err, "warning: 6 judge calls got no answer");
	CHECK_CONTAINS(r.out, "| ? (3 unscored) |");
	run_result_free(&r);
	long once = requests() - before;
	CHECK(once >= 6);
	r = cli((const char *[]){ "report", NULL });
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	CHECK_INT(requests() - before, 2 * once);
	free(s);
}

/* Similarity scorers without a threshold are measurements, not checks: two of them make no
 * pass rate (it was 100% for every model, and ranked on), and the triangle ranks on the
 * suite's first scorer by the name it reports ("rougeL" for a "rouge" entry). */
static void test_pass_rate_counts_only_checks(void)
{
	char *s = test_write_file("sim.json",
		"{\"name\": \"sim\", \"models\": [\"openai:gpt-4o-mini\","
		" \"anthropic:claude-haiku-4-5\"], \"prompts\": [\"sentiment\"],"
		" \"dataset\": \"cases.csv\", \"scorers\": ["
		" {\"name\": \"rouge\", \"type\": \"rougeL\", \"field\": \"label\"},"
		" {\"name\": \"rouge\", \"type\": \"rouge1\", \"field\": \"label\"}]}");
	struct run_result r = cli((const char *[]){ "run", s, NULL });
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	r = cli((const char *[]){ "report", "--format", "json", NULL });
	CHECK_INT(r.status, 0);
	cJSON *j = cJSON_Parse(r.out);
	const cJSON *sc = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "scorecard"), 0);
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(sc, "quality");
	CHECK(cJSON_GetObjectItemCaseSensitive(q, "rougeL") != NULL);
	CHECK(cJSON_GetObjectItemCaseSensitive(q, "pass_rate") == NULL);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "headline_metric")),
		  "rougeL");
	cJSON_Delete(j);
	run_result_free(&r);
	/* A pass rate an older version stored for this run is dropped, not shown. */
	struct sl_store *st = sl_store_open(db, 0, NULL);
	CHECK(st != NULL);
	CHECK_INT(sqlite3_exec(sl_store_db(st),
		"INSERT INTO cell_scores (run_id, metric, model_idx, prompt_idx, case_idx, sample,"
		" kind, value, scored_at) SELECT run_id, 'pass_rate', model_idx, prompt_idx,"
		" case_idx, sample, 'proportion', 1, 'x' FROM cell_scores WHERE metric = 'rougeL' AND run_id ="
		" (SELECT MAX(id) FROM runs);"
		"INSERT INTO score_marks (run_id, metric, ok_cells, scored_at) SELECT MAX(id),"
		" 'pass_rate', 6, 'x' FROM runs", NULL, NULL, NULL), SQLITE_OK);
	sl_store_close(st);
	r = cli((const char *[]){ "report", "--format", "json", NULL });
	CHECK(!strstr(r.out, "pass_rate"));
	run_result_free(&r);
	r = cli((const char *[]){ "triangle", "--json", NULL });
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "\"rougeL\"");
	CHECK(!strstr(r.out, "pass_rate"));
	run_result_free(&r);
	free(s);

	/* With a threshold, a similarity scorer is a check: with the label scorer, two checks
	 * make a pass rate, and a cell passes only when both pass. */
	s = suite("simcheck", ", {\"name\": \"rouge\", \"type\": \"rouge1\", \"field\":"
			      " \"label\", \"threshold\": 0.5}, {\"name\": \"rouge\", \"type\":"
			      " \"rougeL\", \"field\": \"label\"}");
	r = cli((const char *[]){ "run", s, "--gate", "model=gpt-4o-mini:pass_rate>=0.6", NULL });
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "pass_rate 0.6667");
	run_result_free(&r);
	free(s);
}

static void test_triangle_cli(void)
{
	struct run_result r = cli((const char *[]){ "triangle", "--weights", "0.2,0.3,0.5",
						    NULL });
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "weights speed 0.20 / precision 0.30 / cost 0.50");
	CHECK_CONTAINS(r.out, "pick openai:gpt-4o-mini");
	CHECK_CONTAINS(r.out, "precision");
	run_result_free(&r);
	r = cli((const char *[]){ "triangle", "1", "--weights", "0.2,0.6,0.2", "--json", NULL });
	CHECK_INT(r.status, 0);
	cJSON *j = cJSON_Parse(r.out);
	const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "ranking"), 0);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(first, "model")),
		  "openai:gpt-4o-mini");
	CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(first, "pareto")));
	CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "priors")));
	cJSON_Delete(j);
	run_result_free(&r);
	r = cli((const char *[]){ "triangle", "--weights", "0.5,0.5,0.5", NULL });
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "sum to 1.5");
	run_result_free(&r);

	/* Priors before any run: a fresh database with two shortlisted catalogue models. */
	char *fresh = test_path("priors.db");
	char *saved = db;
	db = fresh;
	r = cli((const char *[]){ "triangle", NULL });
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "shortlist shortlist add");
	run_result_free(&r);
	r = cli((const char *[]){ "shortlist", "add", "openai/gpt-4o", NULL });
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	r = cli((const char *[]){ "shortlist", "add", "openai/gpt-4o-mini", NULL });
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	r = cli((const char *[]){ "triangle", NULL });
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "PRIORS");
	CHECK_CONTAINS(r.out, "catalogue priors, not measured");
	CHECK_CONTAINS(r.out, "speed is unknown for every model");
	/* Both report Aider Polyglot (gpt-4o 23.1, gpt-4o-mini 3.6): compared on it, named. */
	CHECK_CONTAINS(r.out, "precision = published Aider Polyglot score,");
	run_result_free(&r);
	/* Claude Sonnet 4.5 reports only SWE-Bench Pro: its 43.6 is not compared with the
	 * others' Aider Polyglot scores (it was, as "mixed benchmarks"). */
	r = cli((const char *[]){ "shortlist", "add", "anthropic/claude-sonnet-4-5", NULL });
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	r = cli((const char *[]){ "triangle", "--json", NULL });
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "published Aider Polyglot score (2 of 3 models report it)");
	CHECK(!strstr(r.out, "43.6"));
	CHECK(!strstr(r.out, "mixed"));
	run_result_free(&r);
	r = cli((const char *[]){ "shortlist", "rm", "openai/gpt-4o", NULL });
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	r = cli((const char *[]){ "triangle", NULL });
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "no benchmark is reported by two of these models");
	CHECK_CONTAINS(r.out, "so speed and cost decide");
	run_result_free(&r);
	db = saved;
	free(fresh);
}

static double query_double(const char *sql)
{
	sqlite3 *h = NULL;
	double v = NAN;
	sqlite3_stmt *st;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
			v = sqlite3_column_double(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return v;
}

/* issue 11 item 6: Anthropic cache-write tokens at the catalogue's cache-write price
 * (Claude Sonnet 4.5: $3.75 per 1M, not the input's $3.00). */
static void test_cache_write_priced(void)
{
	char *path = test_write_file("cachew.json", "{\"name\": \"cachew\", \"models\": "
				     "[\"anthropic/claude-sonnet-4-5\"], \"prompts\": [\"sentiment\"],"
				     " \"dataset\": \"cases.csv\", \"scorers\": [\"exact\"]}");
	struct run_result r = cli((const char *[]){ "run", path, "--no-cache", NULL });
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	/* per call: 2 fresh input tokens at $3, 1M written at $3.75, 1 output token at $15 */
	double want = (2 * 3.0 + 1e6 * 3.75 + 1 * 15.0) / 1e6;
	CHECK_NEAR(query_double("SELECT MIN(cost) FROM cells WHERE run_id = "
				"(SELECT MAX(id) FROM runs)"), want, 1e-9);
	CHECK_NEAR(query_double("SELECT MAX(cost) FROM cells WHERE run_id = "
				"(SELECT MAX(id) FROM runs)"), want, 1e-9);
	free(path);
}

/* issue 11 item 7: the judge's calls are priced from the suite's "prices", also for a
 * judge model that is not one of the suite's models. */
static void test_judge_priced_by_suite(void)
{
	char *s = suite_with("judgeprice", ", {\"name\": \"judge\", \"as\": \"quality\"}",
			     ", \"judge\": \"openai:local-judge\", \"prices\": "
			     "{\"openai:local-judge\": {\"in\": 1, \"out\": 2}}");
	struct run_result r = cli((const char *[]){ "run", s, "--check", NULL });
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	r = cli((const char *[]){ "run", s, NULL });
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	r = cli((const char *[]){ "report", "--format", "json", NULL });
	CHECK_INT(r.status, 0);
	cJSON *j = cJSON_Parse(r.out);
	const cJSON *judge = cJSON_GetObjectItemCaseSensitive(j, "judge");
	/* 6 verdicts of 1000 tokens in at $1 and 10 out at $2 per 1M */
	CHECK_NEAR(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(judge, "cost_usd")),
		   6 * (1000 * 1.0 + 10 * 2.0) / 1e6, 1e-12);
	cJSON_Delete(j);
	run_result_free(&r);
	free(s);
}

/* issue 14 item 4: a judge scorer without a judge model, and a gate on a metric the suite
 * does not score, stop `run` and `run --check` with exit 2 before anything is sent. */
static void test_suite_problems_caught_before_sending(void)
{
	char *s = suite("nojudge", ", {\"name\": \"judge\", \"as\": \"quality\"}");
	long before = requests();
	const char *const checks[][6] = {
		{ "run", NULL, "--check", NULL },
		{ "run", NULL, "--no-cache", NULL },
	};
	for (size_t i = 0; i < 2; i++) {
		const char *argv[6];
		memcpy(argv, checks[i], sizeof argv);
		argv[1] = s;
		struct run_result r = cli(argv);
		CHECK_INT(r.status, 2);
		CHECK_CONTAINS(r.err, "suite.scorers[1] (\"judge\") needs a judge model");
		run_result_free(&r);
	}
	free(s);
	s = suite_with("badgate", NULL, ", \"gates\": [\"rougeL>=0.3\"]");
	struct run_result r = cli((const char *[]){ "run", s, "--no-cache", NULL });
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "gate 'rougeL>=0.3' is on metric 'rougeL', which this suite does "
			      "not score: its scorers give accuracy, and every run has n,");
	run_result_free(&r);
	r = cli((const char *[]){ "run", s, "--check", "--gate", "quality>=4", NULL });
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "gate 'quality>=4' is on metric 'quality'");
	run_result_free(&r);
	free(s);
	s = suite("goodgate", NULL);
	r = cli((const char *[]){ "run", s, "--check", "--gate", "model=gpt-4o-mini:accuracy>=0.5",
				  "--gate", "p95_ttft<=2s", NULL });
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	free(s);
	CHECK_INT(requests(), before);
}

TEST_MAIN_BEGIN
	setup();
	RUN_TEST(test_gates_decide_the_exit_code);
	RUN_TEST(test_gates_decide_the_pick);
	RUN_TEST(test_report_formats);
	RUN_TEST(test_json_stays_utf8);
	RUN_TEST(test_judge_through_the_engine);
	RUN_TEST(test_reference_guided_judge);
	RUN_TEST(test_geval_through_the_engine);
	RUN_TEST(test_unreachable_judge_is_retried);
	RUN_TEST(test_malformed_verdict_retry);
	RUN_TEST(test_triangle_cli);
	RUN_TEST(test_pass_rate_counts_only_checks);
	RUN_TEST(test_cache_write_priced);
	RUN_TEST(test_judge_priced_by_suite);
	RUN_TEST(test_suite_problems_caught_before_sending);
	fakeprov_stop(fp);
	free(db);
TEST_MAIN_END

/* A suite may turn streaming off ("stream": false, or {"MODEL": false}) for providers that
 * do not stream: those requests go out without "stream", and TTFT shows as not measured in
 * the stored cells, the scorecard, the JSON report and the TUI, while streamed models keep
 * theirs. A bad "stream" value stops the run before any request. */
#include "test.h"

#include "eval_util.h"
#include "fakeprov_client.h"
#include "shortlist/util.h"

static struct fakeprov *fp;
static char *db;

static void setup(void)
{
	write_fake_provider(fp->base);
	char *p = test_write_file("p.json", "{\"name\": \"echo\", \"user\": \"Say {{text}}\"}");
	struct run_result r = run_cli(db, (const char *[]){ "prompts", "add", p, NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	free(p);
	free(test_write_file("cases.csv", "text\nhello\nworld\nagain\n"));
}

static char *suite_with(const char *name, const char *stream)
{
	char rel[64];
	snprintf(rel, sizeof rel, "%s.json", name);
	char *json = sl_xasprintf("{\"models\": [\"fake:model-a\", \"fake:model-b\"], \"prompts\": "
				  "[\"echo\"], \"dataset\": \"cases.csv\", \"scorers\": "
				  "[{\"name\": \"contains\", \"value\": \"hello\"}]%s%s}", stream ? ", \"stream\": " : "",
				  stream ? stream : "");
	char *path = test_write_file(rel, json);
	free(json);
	return path;
}

/* How many requests fakeprov saw with "stream" set as `streamed`. */
static int logged(bool streamed)
{
	cJSON *log = fakeprov_log(fp);
	int n = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(log, "requests")) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "stream");
		if (cJSON_IsBool(s) && cJSON_IsTrue(s) == streamed)
			n++;
	}
	cJSON_Delete(log);
	return n;
}

/* Run a fresh suite; fakeprov must see `streamed` and `unstreamed` requests. */
static char *run_counted(const char *name, const char *stream, int streamed, int unstreamed)
{
	char *suite = suite_with(name, stream);
	fakeprov_reset(fp);
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, "--no-cache", NULL },
				      NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	CHECK_INT(logged(true), streamed);
	CHECK_INT(logged(false), unstreamed);
	return suite;
}

static void test_per_model(void)
{
	char *suite = run_counted("per-model", "{\"fake:model-b\": false}", 3, 3);
	struct run_result r;
	/* stored: model-b has no TTFT, model-a has one for every cell */
	CHECK_INT(db_query_int(db, "SELECT COUNT(*) FROM cells WHERE run_id = (SELECT MAX(id) "
				   "FROM runs) AND model = 'fake:model-b' AND ttft_ms IS NULL "
				   "AND latency_ms > 0 AND output IS NOT NULL"), 3);
	CHECK_INT(db_query_int(db, "SELECT COUNT(*) FROM cells WHERE run_id = (SELECT MAX(id) "
				   "FROM runs) AND model = 'fake:model-a' AND ttft_ms > 0"), 3);
	char *params = db_query_text(db, "SELECT params FROM runs ORDER BY id DESC LIMIT 1");
	CHECK_CONTAINS(params, "\"stream\":{\"fake:model-b\":false}");
	free(params);

	/* the JSON report: null TTFT for model-b only */
	r = run_cli(db, (const char *[]){ "report", "latest", "--format", "json", NULL }, NULL);
	CHECK_INT(r.status, 0);
	cJSON *rep = cJSON_Parse(r.out);
	CHECK(rep != NULL);
	int nulls = 0, numbers = 0;
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(rep, "scorecard"), *row;
	cJSON_ArrayForEach(row, rows) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(row, "model");
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(row, "ttft_p50_s");
		bool b = cJSON_IsString(m) && strcmp(m->valuestring, "fake:model-b") == 0;
		if (b && cJSON_IsNull(t))
			nulls++;
		if (!b && cJSON_IsNumber(t))
			numbers++;
	}
	CHECK_INT(nulls, 1);
	CHECK_INT(numbers, 1);
	cJSON_Delete(rep);
	run_result_free(&r);

	/* the TUI's scorecard: an unknown mark in model-b's TTFT50 column */
	char *keys = test_write_file("sc.keys", "5\n:dump scorecard\n");
	r = run_cli(db, (const char *[]){ "tui", "--script", keys, "--size", "200x30", NULL },
		    NULL);
	CHECK_INT(r.status, 0);
	const char *hdr = strstr(r.out, "TTFT50");
	const char *b = hdr ? strstr(hdr, "fake:model-b") : NULL;
	CHECK(b != NULL);
	if (b) {
		/* columns are right-aligned: the cell ends at the header's column. Count columns,
		 * not bytes: a row may carry a ★ (3 bytes, 1 column) depending on measured speed. */
		const char *line = hdr, *lb = b;
		while (line > r.out && line[-1] != '\n')
			line--;
		while (lb > r.out && lb[-1] != '\n')
			lb--;
		int col = 0;
		for (const char *q = line; q < hdr; q++)
			col += ((unsigned char)*q & 0xC0) != 0x80;
		col += (int)strlen("TTFT50");
		const char *end = lb;
		for (int c = 0; *end && *end != '\n' && c < col; c++)
			do
				end++;
			while (((unsigned char)*end & 0xC0) == 0x80);
		const char *start = end;
		while (start > lb && start[-1] != ' ')
			start--;
		char cell[16] = "";
		snprintf(cell, sizeof cell, "%.*s", (int)(end - start), start);
		CHECK(strcmp(cell, "?") == 0 || strcmp(cell, "—") == 0);
	}
	run_result_free(&r);
	free(keys);
	free(suite);
}

static void test_all_off(void)
{
	char *suite = run_counted("all-off", "false", 0, 6);
	struct run_result r;
	CHECK_INT(db_query_int(db, "SELECT COUNT(*) FROM cells WHERE run_id = (SELECT MAX(id) "
				   "FROM runs) AND ttft_ms IS NULL AND output IS NOT NULL"), 6);
	r = run_cli(db, (const char *[]){ "report", "latest", NULL }, NULL);
	CHECK_INT(r.status, 0);
	/* the text scorecard: "TTFT p50" is the 8th column */
	for (const char *m = r.out; (m = strstr(m, "| fake:model-")) != NULL; m++) {
		const char *f = m;
		for (int k = 0; k < 7 && f; k++)
			f = strchr(f + 1, '|');
		CHECK(f && strncmp(f, "| ? |", 5) == 0);
	}
	CHECK_CONTAINS(r.out, "TTFT p50");
	run_result_free(&r);
	free(suite);
}

/* A streamed and an unstreamed answer are not the same cache entry: the unstreamed one has
 * no TTFT, so reusing either for the other would store timings that were not measured so. */
static void test_cache_apart(void)
{
	static const char *const modes[] = { "true", "false", "true", "false" };
	static const int fetched[][2] = { { 6, 0 }, { 0, 6 }, { 0, 0 }, { 0, 0 } };
	for (size_t i = 0; i < 4; i++) {
		char *suite = suite_with("cached", modes[i]);
		fakeprov_reset(fp);
		struct run_result r = run_cli(db, (const char *[]){ "run", suite, NULL }, NULL);
		CHECK_INT(r.status, 0);
		run_result_free(&r);
		CHECK_INT(logged(true), fetched[i][0]);
		CHECK_INT(logged(false), fetched[i][1]);
		/* the cached cells keep the timings of the way they were fetched */
		CHECK_INT(db_query_int(db, "SELECT COUNT(*) FROM cells WHERE run_id = (SELECT "
					   "MAX(id) FROM runs) AND ttft_ms IS NULL"), i % 2 ? 6 : 0);
		free(suite);
	}
}

static void test_bad_values(void)
{
	static const char *const bad[][2] = {
		{ "\"no\"", "suite.stream must be true, false or {\"MODEL\": false}" },
		{ "{\"fake:model-c\": false}", "suite.stream.fake:model-c: \"fake:model-c\" is not "
					       "one of suite.models" },
		{ "{\"fake:model-a\": 0}", "suite.stream.fake:model-a must be true or false" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char *suite = suite_with("bad", bad[i][0]);
		fakeprov_reset(fp);
		struct run_result r = run_cli(db, (const char *[]){ "run", suite, NULL }, NULL);
		CHECK_INT(r.status, 2);
		CHECK_CONTAINS(r.err, bad[i][1]);
		CHECK_CONTAINS(r.err, "bad.json");
		run_result_free(&r);
		CHECK_INT(logged(true) + logged(false), 0);
		free(suite);
	}
}

TEST_MAIN_BEGIN
	fp = fakeprov_start("{\"models\": {\"model-a\": {\"text\": \"hello world again\"},"
			    " \"model-b\": {\"text\": \"hello world again\"}}}");
	db = test_path("stream.db");
	setup();
	RUN_TEST(test_per_model);
	RUN_TEST(test_all_off);
	RUN_TEST(test_cache_apart);
	RUN_TEST(test_bad_values);
	fakeprov_stop(fp);
	free(db);
TEST_MAIN_END

/* The LLM judge and a run's scoring inside the caller's event loop (judge.h's and
 * report.h's start/pump/finish) on a shared engine, against tests/fakeprov: starting never waits, the caller's other request is
 * answered while the (slower) judge is still out, the verdicts are written at finish, and a
 * task dropped early cancels its requests and writes nothing. */
#include "test.h"

#include <math.h>

#include "fakeprov_client.h"
#include "fixture.h"
#include "shortlist/engine.h"
#include "shortlist/judge.h"
#include "shortlist/report.h"
#include "shortlist/runs.h"
#include "shortlist/store.h"

static struct fakeprov *fp;

static void other_done(void *ud, const struct sl_result *res)
{
	*(int *)ud = res->status == SL_OK ? 1 : 2;
}

static long long count_scores(struct sl_store *store, int64_t run)
{
	sqlite3_stmt *st;
	long long n = -1;
	if (sqlite3_prepare_v2(sl_store_db(store), "SELECT COUNT(*) FROM cell_scores WHERE run_id = ?"
			       " AND metric = 'judge' AND value IS NOT NULL", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, run);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return n;
}

/* A store with a one-model run of n answered cells; NULL if it cannot be opened. */
static struct sl_store *fixture_store(const char *name, int n, int64_t *run)
{
	struct sl_error err = { 0 };
	char *path = test_path(name);
	struct sl_store *store = sl_store_open(path, 0, &err);
	free(path);
	CHECK(store != NULL);
	if (!store)
		return NULL;
	const char *models[] = { "fake:model-a" };
	const char *prompts[] = { "p" };
	*run = fixture_run(store, models, NULL, 1, prompts, 1);
	for (int c = 0; c < n; c++) {
		char *sql = sl_xasprintf("INSERT OR IGNORE INTO dataset_cases (dataset_hash, idx, "
					 "line, vars) VALUES ('dshash', %d, %d, '{\"q\": \"%d\"}')",
					 c, c + 1, c);
		CHECK(sl_store_exec(store, sql, &err) == 0);
		free(sql);
		fixture_cell(store, *run, 0, 0, c, 0, "an answer", NULL, 100, 10, 2, NAN);
	}
	return store;
}

static void test_judge_in_the_callers_loop(void)
{
	struct sl_error err = { 0 };
	int64_t run;
	struct sl_store *store = fixture_store("loop.db", 3, &run);
	if (!store)
		return;
	const char *models[] = { "fake:model-a" };
	const char *prompts[] = { "p" };
	struct sl_run r;
	CHECK(sl_run_get(store, run, &r, &err) == 0);
	struct sl_engine *eng = sl_engine_new(&(struct sl_engine_options){ 0 }, &err);
	CHECK(eng != NULL);
	cJSON *spec = cJSON_Parse("{\"name\": \"judge\"}");
	struct sl_judge_options jo = { .engine = eng, .model = "fake:slow-judge" };

	int other = 0;
	struct sl_message msg = { SL_ROLE_USER, "unrelated" };
	struct sl_request req = { .model = "fake:quick", .messages = &msg, .n_messages = 1,
				  .stream = true, .on_done = other_done, .user_data = &other };
	sl_params_init(&req.params);
	CHECK(sl_engine_submit(eng, &req, &err) > 0);

	struct sl_judge_task *t = sl_judge_start(store, &r, spec, "judge", &jo, &err);
	CHECK(t != NULL);
	if (!t) {
		fprintf(stderr, "%s\n", err.msg);
		return;
	}
	CHECK(sl_judge_pump(t)); /* submitted, nothing answered: start did not wait */
	CHECK_INT(count_scores(store, run), 0);
	bool other_first = false;
	for (int i = 0; i < 100000 && sl_judge_pump(t); i++) {
		sl_engine_wait(eng, NULL, 0, 50, &err);
		sl_engine_perform(eng);
		if (other && sl_judge_pump(t))
			other_first = true;
	}
	CHECK_INT(other, 1);
	CHECK(other_first); /* the loop went on while the judge was out */
	struct sl_score_stats st = { 0 };
	CHECK(sl_judge_finish(t, &st, &err) == 0);
	CHECK_INT(st.scores, 3);
	CHECK_INT(st.judge_calls, 3);
	CHECK_INT(count_scores(store, run), 3);

	/* dropped early: its requests are cancelled, their callbacks are harmless, nothing is
	 * written */
	int64_t run2 = fixture_run(store, models, NULL, 1, prompts, 1);
	fixture_cell(store, run2, 0, 0, 0, 0, "another answer", NULL, 100, 10, 2, NAN);
	struct sl_run r2;
	CHECK(sl_run_get(store, run2, &r2, &err) == 0);
	t = sl_judge_start(store, &r2, spec, "judge", &jo, &err);
	CHECK(t != NULL && sl_judge_pump(t));
	sl_judge_free(t);
	sl_engine_run_until_idle(eng);
	CHECK_INT(count_scores(store, run2), 0);

	sl_run_free(&r2);
	cJSON_Delete(spec);
	sl_run_free(&r);
	sl_engine_free(eng);
	sl_store_close(store);
}

/* A whole run's scoring the same way (report.h's sl_report_score_start/pump/finish): the
 * suite's judge scorer is answered inside the loop and marked scored at finish. */
static void test_score_run_in_the_callers_loop(void)
{
	struct sl_error err = { 0 };
	int64_t run;
	struct sl_store *store = fixture_store("loop2.db", 2, &run);
	if (!store)
		return;
	CHECK(sl_store_exec(store, "UPDATE runs SET suite_json = '{\"models\": [\"fake:model-a\"], "
			    "\"prompts\": [\"p\"], \"dataset\": \"cases.jsonl\", \"scorers\": "
			    "[\"judge\"], \"judge\": \"fake:slow-judge\"}'", &err) == 0);
	struct sl_engine *eng = sl_engine_new(&(struct sl_engine_options){ 0 }, &err);
	struct sl_judge_options jo = { .engine = eng, .model = "fake:slow-judge" };
	struct sl_score_stats st;
	struct sl_score_task *t = sl_report_score_start(store, run, &jo, &st, &err);
	CHECK(t != NULL);
	if (!t) {
		fprintf(stderr, "%s\n", err.msg);
		return;
	}
	CHECK(sl_report_score_pump(t));
	int rounds = 0;
	while (sl_report_score_pump(t) && rounds++ < 100000) {
		sl_engine_wait(eng, NULL, 0, 50, &err);
		sl_engine_perform(eng);
	}
	CHECK(sl_report_score_finish(t, &err) == 0);
	CHECK_INT(st.scores, 2);
	CHECK_INT(st.metrics_scored, 1);
	CHECK_INT(count_scores(store, run), 2);
	/* marked scored: the next scoring asks nothing */
	CHECK(sl_report_score_run(store, run, &jo, &st, &err) == 0);
	CHECK_INT(st.metrics_scored, 0);
	CHECK_INT(st.metrics_fresh, 1);
	sl_engine_free(eng);
	sl_store_close(store);
}

/* Scores of the metric with a value; without a metric, the run's score marks. */
static long long count_metric(struct sl_store *store, int64_t run, const char *metric)
{
	sqlite3_stmt *st;
	long long n = -1;
	if (sqlite3_prepare_v2(sl_store_db(store), metric ? "SELECT COUNT(*) FROM cell_scores WHERE "
			       "run_id = ?1 AND metric = ?2 AND value IS NOT NULL"
			       : "SELECT COUNT(*) FROM score_marks", -1, &st, NULL) == SQLITE_OK) {
		if (metric) {
			sqlite3_bind_int64(st, 1, run);
			sqlite3_bind_text(st, 2, metric, -1, SQLITE_STATIC);
		}
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return n;
}

/* Embedding cosines the same way: starting sends the texts without waiting (several per
 * request, a reference shared by cells once), the loop goes on while they are out, the
 * scores and the pass rate they take part in are written as the vectors come, and the
 * vectors are cached: scoring again needs no request. */
static void test_embeddings_in_the_callers_loop(void)
{
	struct sl_error err = { 0 };
	int64_t run;
	struct sl_store *store = fixture_store("embed.db", 6, &run);
	if (!store)
		return;
	CHECK(sl_store_exec(store, "UPDATE runs SET suite_json = '{\"models\": [\"fake:model-a\"], "
			    "\"prompts\": [\"p\"], \"dataset\": \"cases.jsonl\", \"scorers\": "
			    "[{\"name\": \"cosine\", \"model\": \"fake:slow-embed\", \"threshold\": "
			    "0.1}, {\"name\": \"contains\", \"value\": \"answer\"}]}';"
			    "UPDATE cells SET output = 'answer number ' || case_idx, "
			    "reference = 'the reference ' || (case_idx % 2)", &err) == 0);
	struct sl_engine *eng = sl_engine_new(&(struct sl_engine_options){ 0 }, &err);
	struct sl_judge_options jo = { .engine = eng };
	fakeprov_reset(fp);
	struct sl_score_stats st;
	struct sl_score_task *t = sl_report_score_start(store, run, &jo, &st, &err);
	CHECK(t != NULL);
	if (!t) {
		fprintf(stderr, "%s\n", err.msg);
		return;
	}
	CHECK(sl_report_score_pump(t)); /* the vectors are still out */
	CHECK_INT(count_metric(store, run, "cosine"), 0);
	int other = 0;
	struct sl_message msg = { SL_ROLE_USER, "unrelated" };
	struct sl_request req = { .model = "fake:quick", .messages = &msg, .n_messages = 1,
				  .on_done = other_done, .user_data = &other };
	sl_params_init(&req.params);
	CHECK(sl_engine_submit(eng, &req, &err) > 0);
	bool other_first = false;
	int rounds = 0;
	while (sl_report_score_pump(t) && rounds++ < 100000) {
		sl_engine_wait(eng, NULL, 0, 50, &err);
		sl_engine_perform(eng);
		if (other && sl_report_score_pump(t))
			other_first = true;
	}
	CHECK(other_first); /* the loop went on while the embeddings were out */
	CHECK(sl_report_score_finish(t, &err) == 0);
	/* 6 outputs and 2 distinct references: 8 texts in one request, not one per cell */
	CHECK_INT(fakeprov_route_count(fp, "openai.embeddings"), 1);
	CHECK_INT(st.embed_texts, 8);
	CHECK_INT(count_metric(store, run, "cosine"), 6);
	CHECK_INT(count_metric(store, run, "pass_rate"), 6);
	/* marked scored: the next scoring asks nothing */
	CHECK(sl_report_score_run(store, run, &jo, &st, &err) == 0);
	CHECK_INT(st.metrics_scored, 0);
	CHECK_INT(fakeprov_route_count(fp, "openai.embeddings"), 1);
	/* scored again from scratch: the vectors come from the cache */
	CHECK(sl_store_exec(store, "DELETE FROM score_marks", &err) == 0);
	CHECK(sl_report_score_run(store, run, &jo, &st, &err) == 0);
	CHECK_INT(st.embed_cached, 8);
	CHECK_INT(st.embed_texts, 0);
	CHECK_INT(fakeprov_route_count(fp, "openai.embeddings"), 1);
	CHECK_INT(count_metric(store, run, "cosine"), 6);
	/* without the caller's engine (the CLI's report): scoring makes its own */
	CHECK(sl_store_exec(store, "DELETE FROM score_marks; DELETE FROM embedding_cache", &err) == 0);
	CHECK(sl_report_score_run(store, run, NULL, &st, &err) == 0);
	CHECK_INT(st.embed_texts, 8);
	CHECK_INT(fakeprov_route_count(fp, "openai.embeddings"), 2);
	CHECK_INT(count_metric(store, run, "cosine"), 6);
	CHECK_INT(count_metric(store, run, "pass_rate"), 6);
	sl_engine_free(eng);
	sl_store_close(store);
}

/* The TUI's scoring while cells stream in (local_only): the registry's scorers only, no
 * request to the judge or for embeddings (it must never wait on the network), and no mark,
 * so that the final scoring scores everything, vectors and verdicts included. */
static void test_local_only_sends_nothing(void)
{
	struct sl_error err = { 0 };
	int64_t run;
	struct sl_store *store = fixture_store("local.db", 6, &run);
	if (!store)
		return;
	CHECK(sl_store_exec(store, "UPDATE runs SET suite_json = '{\"models\": [\"fake:model-a\"], "
			    "\"prompts\": [\"p\"], \"dataset\": \"cases.jsonl\", \"judge\": "
			    "\"fake:slow-judge\", \"scorers\": [{\"name\": \"cosine\", \"model\": "
			    "\"fake:slow-embed\", \"threshold\": 0.1}, {\"name\": \"judge\"}, "
			    "{\"name\": \"contains\", \"value\": \"answer\"}]}';"
			    "UPDATE cells SET output = 'answer number ' || case_idx, "
			    "reference = 'the reference ' || (case_idx % 2)", &err) == 0);
	fakeprov_reset(fp);
	struct sl_score_stats st;
	struct sl_judge_options live = { .local_only = true };
	CHECK(sl_report_score_run(store, run, &live, &st, &err) == 0);
	CHECK_INT(fakeprov_route_count(fp, "openai.embeddings"), 0);
	CHECK_INT(fakeprov_route_count(fp, "openai.chat"), 0);
	CHECK_INT(count_metric(store, run, "contains"), 6);
	CHECK_INT(count_metric(store, run, "cosine"), 0);
	CHECK_INT(count_metric(store, run, "judge"), 0);
	CHECK_INT(count_metric(store, 0, NULL), 0); /* no mark */
	/* the final scoring, with an engine: everything, the vectors and verdicts too */
	struct sl_engine *eng = sl_engine_new(&(struct sl_engine_options){ 0 }, &err);
	struct sl_judge_options jo = { .engine = eng };
	CHECK(sl_report_score_run(store, run, &jo, &st, &err) == 0);
	CHECK_INT(fakeprov_route_count(fp, "openai.embeddings"), 1);
	CHECK_INT(count_metric(store, run, "cosine"), 6);
	CHECK_INT(count_metric(store, run, "judge"), 6);
	CHECK_INT(count_metric(store, run, "contains"), 6);
	sl_engine_free(eng);
	sl_store_close(store);
}

TEST_MAIN_BEGIN
	fp = fakeprov_start("{\"models\": {\"slow-embed\": {\"latency_ms\": 300}, "
			    "\"slow-judge\": {\"ttft_ms\": 300, \"text\": "
			    "\"{\\\"explanation\\\": \\\"Good.\\\", \\\"score\\\": 4}\"}}}");
	char *dir = test_path("config/shortlist");
	sl_mkdirs(dir, &(struct sl_error){ 0 });
	free(dir);
	char *json = sl_xasprintf("{\"providers\": {\"fake\": {\"kind\": \"openai\", \"base_url\": "
				  "\"%s/v1\", \"api_key_env\": \"FAKE_KEY\"}}}", fp->base);
	free(test_write_file("config/shortlist/providers.json", json));
	free(json);
	setenv("FAKE_KEY", "sk-fake", 1);
	RUN_TEST(test_judge_in_the_callers_loop);
	RUN_TEST(test_score_run_in_the_callers_loop);
	RUN_TEST(test_embeddings_in_the_callers_loop);
	RUN_TEST(test_local_only_sends_nothing);
	fakeprov_stop(fp);
TEST_MAIN_END

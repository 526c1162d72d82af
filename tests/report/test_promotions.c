/* Promotion records: the gates of the run are re-checked for the promoted model (a failure
 * refuses with exit 1 naming the gate and its value unless forced with a reason), bad input
 * is exit 2 and stores nothing, the history is append-only, and 'current' says what is live
 * at each stage since when. Through the core and through the shortlist binary. */
#include "test.h"

#include <sqlite3.h>

#include <cjson/cJSON.h>

#include "eval_util.h"
#include "fixture.h"
#include "shortlist/promotions.h"
#include "shortlist/store.h"

static char *db;
static struct sl_store *s;
static int64_t run;

/* alpha is right on 9 of 10 cases, beta on 6: the suite's gate accuracy>=0.7 passes for
 * alpha and fails for beta. */
static struct sl_store *make_store(void)
{
	struct sl_error err = { 0 };
	db = test_path("promote.db");
	struct sl_store *st = sl_store_open(db, 0, &err);
	if (!st) {
		fprintf(stderr, "%s\n", err.msg);
		exit(99);
	}
	const char *models[] = { "fake:alpha", "fake:beta" };
	double price[] = { 1.0, 2.0 };
	const char *prompts[] = { "classify" };
	fixture_begin(st);
	run = fixture_run(st, models, price, 2, prompts, 1);
	for (int c = 0; c < 10; c++) {
		fixture_cell(st, run, 0, 0, c, 0, "yes", NULL, 100.0 * (c + 1), NAN, 50, 0.001);
		fixture_score(st, run, "accuracy", true, 0, 0, c, 0, c < 9 ? 1 : 0, NULL, NAN);
		fixture_cell(st, run, 1, 0, c, 0, "no", NULL, 300, NAN, 40, 0.002);
		fixture_score(st, run, "accuracy", true, 1, 0, c, 0, c < 6 ? 1 : 0, NULL, NAN);
	}
	fixture_commit(st);
	char *sql = sl_xasprintf("UPDATE runs SET suite_json = '{\"name\": \"fixture\", \"models\":"
				 " [\"fake:alpha\", \"fake:beta\"], \"prompts\": [\"classify\"],"
				 " \"dataset\": \"cases.jsonl\", \"gates\": [\"accuracy>=0.7\"]}'"
				 " WHERE id = %lld", (long long)run);
	CHECK(sl_store_exec(st, sql, &err) == 0);
	free(sql);
	return st;
}

static size_t count(void)
{
	struct sl_error err = { 0 };
	struct sl_promotion *list;
	size_t n = 0;
	CHECK(sl_promotions_list(s, NULL, &list, &n, &err) == 0);
	sl_promotions_free(list, n);
	return n;
}

static void test_core(void)
{
	struct sl_error err = { 0 };
	struct sl_promotion p;
	setenv("SHORTLIST_USER", "alice", 1);

	/* The run has a failed check (beta), but not about alpha: alpha goes live. */
	struct sl_promotion_request rq = { .run_id = run, .model = "fake:alpha",
					   .prompt = "classify@1", .stage = "pre-prod",
					   .note = "ticket 42" };
	CHECK_INT(sl_promote(s, &rq, &p, &err), 0);
	CHECK_STR(p.user, "alice");
	CHECK_STR(p.model, "fake:alpha");
	CHECK_STR(p.prompt_name, "classify");
	CHECK_INT(p.prompt_version, 1);
	CHECK_INT(p.gates_checked, 1);
	CHECK_INT(p.gates_failed, 0);
	CHECK(!p.forced);
	CHECK_STR(p.note, "ticket 42");
	CHECK_CONTAINS(p.evidence, "\"gate\":\"accuracy>=0.7\",\"passed\":true,\"value\":0.9");
	CHECK_CONTAINS(p.evidence, "\"accuracy\":{\"value\":0.9");
	sl_promotion_free(&p);

	/* beta fails it: refused with exit 1, the gate and its value named, nothing stored. */
	rq.model = "fake:beta";
	rq.stage = "prod";
	err = (struct sl_error){ 0 };
	CHECK_INT(sl_promote(s, &rq, &p, &err), -1);
	CHECK_INT(err.code, SL_EXIT_GATE);
	CHECK_CONTAINS(err.msg, "FAIL  accuracy>=0.7: accuracy 0.6");
	CHECK_CONTAINS(err.msg, "--force --reason");
	CHECK_INT(count(), 1);

	/* --force needs a reason; with one it is recorded as an override. */
	rq.force = true;
	err = (struct sl_error){ 0 };
	CHECK_INT(sl_promote(s, &rq, &p, &err), -1);
	CHECK_INT(err.code, SL_EXIT_USAGE);
	CHECK_CONTAINS(err.msg, "--reason");
	rq.reason = "hotfix: alpha is down";
	CHECK_INT(sl_promote(s, &rq, &p, &err), 0);
	CHECK(p.forced);
	CHECK_STR(p.reason, "hotfix: alpha is down");
	CHECK_INT(p.gates_failed, 1);
	sl_promotion_free(&p);
	CHECK_INT(count(), 2);

	/* Bad input: exit 2, a message naming what exists, nothing stored. */
	struct {
		const char *model, *prompt, *stage, *want;
	} bad[] = {
		{ "fake:gamma", "classify@1", "prod", "run 1 has no model 'fake:gamma' (its models: "
						      "fake:alpha, fake:beta)" },
		{ "fake:alpha", "classify@2", "prod", "no prompt version 'classify@2' (its prompts: "
						      "classify@1)" },
		{ "fake:alpha", "other", "prod", "no prompt version 'other'" },
		{ "fake:alpha", "classify@x", "prod", "no prompt version 'classify@x'" },
		{ "fake:alpha", "classify@1", "staging", "unknown stage 'staging' (stages: pre-prod, "
							 "prod)" },
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(bad); i++) {
		struct sl_promotion_request b = { .run_id = run, .model = bad[i].model,
						  .prompt = bad[i].prompt, .stage = bad[i].stage };
		err = (struct sl_error){ 0 };
		CHECK_INT(sl_promote(s, &b, NULL, &err), -1);
		CHECK_INT(err.code, SL_EXIT_USAGE);
		CHECK_CONTAINS(err.msg, bad[i].want);
	}
	struct sl_promotion_request none = { .run_id = run + 100, .model = "fake:alpha",
					     .prompt = "classify@1", .stage = "prod" };
	err = (struct sl_error){ 0 };
	CHECK_INT(sl_promote(s, &none, NULL, &err), -1);
	CHECK_INT(err.code, SL_EXIT_USAGE);
	CHECK_INT(count(), 2);

	/* The API model id finds the model too ("alpha" is fake:alpha's id in the fixture). */
	struct sl_promotion_request by_id = { .run_id = run, .model = "fake:alpha",
					      .prompt = "classify", .stage = "prod" };
	CHECK_INT(sl_promote(s, &by_id, &p, &err), 0);
	CHECK_STR(p.model, "fake:alpha");
	sl_promotion_free(&p);

	/* History is append-only. */
	err = (struct sl_error){ 0 };
	CHECK(sl_store_exec(s, "UPDATE promotions SET stage = 'prod'", &err) != 0);
	CHECK_CONTAINS(err.msg, "promotion records are history");
	CHECK(sl_store_exec(s, "DELETE FROM promotions", &err) != 0);
	CHECK_INT(count(), 3);
}

/* What is live: the newest record per stage, live since the first of its unbroken run of
 * records (an older record of the same release, written here with an old date). */
static void test_live_now(void)
{
	struct sl_error err = { 0 };
	struct sl_promotion cur[SL_PROMOTION_N_STAGES];
	CHECK_INT(sl_promotions_current(s, cur, &err), 0);
	CHECK_STR(cur[0].model, "fake:alpha"); /* pre-prod */
	CHECK_STR(cur[0].live_since, cur[0].promoted_at);
	CHECK_STR(cur[1].model, "fake:alpha"); /* prod: alpha replaced the forced beta */
	CHECK_STR(cur[1].live_since, cur[1].promoted_at);
	for (int i = 0; i < SL_PROMOTION_N_STAGES; i++)
		sl_promotion_free(&cur[i]);

	/* pre-prod history: beta (2025), alpha (2026-01), then alpha again now. */
	char *sql = sl_xasprintf(
		"CREATE TEMP TABLE keep AS SELECT * FROM promotions;"
		"INSERT INTO promotions (stage, run_id, model, prompt_name, prompt_version, user,"
		" gates_checked, gates_failed, evidence, promoted_at) VALUES"
		" ('pre-prod', %lld, 'fake:beta', 'classify', 1, 'bob', 0, 0, '{}',"
		"  '2025-06-01T00:00:00Z'),"
		" ('pre-prod', %lld, 'fake:alpha', 'classify', 1, 'bob', 0, 0, '{}',"
		"  '2026-01-01T00:00:00Z')", (long long)run, (long long)run);
	CHECK(sl_store_exec(s, sql, &err) == 0);
	free(sql);
	struct sl_promotion_request rq = { .run_id = run, .model = "fake:alpha",
					   .prompt = "classify@1", .stage = "pre-prod" };
	struct sl_promotion p;
	CHECK_INT(sl_promote(s, &rq, &p, &err), 0);
	sl_promotion_free(&p);
	CHECK_INT(sl_promotions_current(s, cur, &err), 0);
	CHECK_STR(cur[0].live_since, "2026-01-01T00:00:00Z");
	CHECK_INT(cur[0].run_id, run);
	for (int i = 0; i < SL_PROMOTION_N_STAGES; i++)
		sl_promotion_free(&cur[i]);

	struct sl_promotion *list;
	size_t n;
	CHECK_INT(sl_promotions_list(s, "pre-prod", &list, &n, &err), 0);
	CHECK_INT(n, 4);
	CHECK_STR(list[n - 1].user, "alice"); /* oldest last: the first record of the test */
	sl_promotions_free(list, n);
	CHECK_INT(sl_promotions_list(s, "dev", &list, &n, &err), -1);
	CHECK_INT(err.code, SL_EXIT_USAGE);
}

static struct run_result cli(const char *const *argv)
{
	return run_cli(db, argv, (const char *const[]){ "SHORTLIST_USER", "carol", NULL });
}

static void test_cli(void)
{
	char r_s[24];
	snprintf(r_s, sizeof r_s, "%lld", (long long)run);
	struct run_result r = cli((const char *[]){ "promote", r_s, "--model", "fake:beta",
						    "--prompt", "classify@1", "--stage", "prod",
						    NULL });
	CHECK_INT(r.status, 1);
	CHECK_CONTAINS(r.err, "not promoted: 1 of 1 gate check failed for fake:beta");
	CHECK_CONTAINS(r.err, "accuracy>=0.7: accuracy 0.6");
	run_result_free(&r);

	r = cli((const char *[]){ "promote", "latest", "--model", "fake:beta", "--prompt",
				  "classify@1", "--stage", "prod", "--force", "--reason", "demo",
				  "--note", "for the meeting", NULL });
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "promoted fake:beta with classify@1 to prod on run");
	CHECK_CONTAINS(r.out, "0/1 FORCED), by carol");
	CHECK_CONTAINS(r.err, "1 gate check failed and was overridden");
	run_result_free(&r);

	/* bad input: exit 2 with the fix named */
	const char *const *bad[] = {
		(const char *[]){ "promote", "99", "--model", "fake:beta", "--prompt", "classify@1",
				  "--stage", "prod", NULL },
		(const char *[]){ "promote", r_s, "--model", "fake:beta", "--prompt", "classify@1",
				  "--stage", "qa", NULL },
		(const char *[]){ "promote", r_s, "--model", "fake:beta", "--stage", "prod", NULL },
		(const char *[]){ "promote", r_s, "--model", "nope", "--prompt", "classify@1",
				  "--stage", "prod", NULL },
		(const char *[]){ "promotions", "--stage", "qa", NULL },
	};
	const char *want[] = { "no run 99", "unknown stage 'qa'", "missing --prompt NAME@VERSION",
			       "has no model 'nope'", "unknown stage 'qa'" };
	for (size_t i = 0; i < SL_ARRAY_LEN(bad); i++) {
		r = cli(bad[i]);
		CHECK_INT(r.status, 2);
		CHECK_CONTAINS(r.err, want[i]);
		run_result_free(&r);
	}

	r = cli((const char *[]){ "promotions", "current", NULL });
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "pre-prod  fake:alpha with classify@1\n"
			      "          live since 2026-01-01T00:00:00Z; last promoted");
	CHECK_CONTAINS(r.out, "prod      fake:beta with classify@1\n");
	CHECK_CONTAINS(r.out, "gates 0/1 FORCED; accuracy 0.600 (95% CI ");
	CHECK_CONTAINS(r.out, "override reason: demo\n");
	CHECK_CONTAINS(r.out, "note: for the meeting\n");
	run_result_free(&r);

	r = cli((const char *[]){ "promotions", "--stage", "prod", "--json", NULL });
	CHECK_INT(r.status, 0);
	cJSON *a = cJSON_Parse(r.out);
	CHECK(cJSON_IsArray(a));
	CHECK_INT(cJSON_GetArraySize(a), 3);
	const cJSON *first = cJSON_GetArrayItem(a, 0);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(first, "user")), "carol");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(first, "reason")), "demo");
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(first, "forced")));
	const cJSON *gates = cJSON_GetObjectItem(cJSON_GetObjectItem(first, "evidence"), "gates");
	CHECK_INT(cJSON_GetArraySize(gates), 1);
	cJSON_Delete(a);
	run_result_free(&r);

	/* Shell completion offers this store's run ids, the run's models and prompt versions. */
	r = cli((const char *[]){ "__complete", "--", "promote", "", NULL });
	CHECK_INT(r.status, 0);
	CHECK_STR(r.out, "1\n");
	run_result_free(&r);
	r = cli((const char *[]){ "__complete", "--", "promote", "1", "--model", "fake:", NULL });
	CHECK_STR(r.out, "fake:alpha\nfake:beta\n");
	run_result_free(&r);
	r = cli((const char *[]){ "__complete", "--", "promote", "1", "--model", "fake:alpha",
				  "--prompt", "", NULL });
	CHECK_STR(r.out, "classify@1\n");
	run_result_free(&r);

	r = cli((const char *[]){ "promotions", NULL });
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "PROMOTED");
	CHECK_CONTAINS(r.out, "0/1 FORCED    carol\n      override reason: demo\n");
	run_result_free(&r);
}

TEST_MAIN_BEGIN
	s = make_store();
	RUN_TEST(test_core);
	RUN_TEST(test_live_now);
	sl_store_close(s);
	RUN_TEST(test_cli);
	free(db);
TEST_MAIN_END

/* The scoring commands end to end through the real binary (path in argv[1]): output,
 * exit codes and error messages. */
#include "test.h"

#include <sys/wait.h>

#include <cjson/cJSON.h>

#include "shortlist/store.h"
#include "shortlist/utf8.h"
#include "shortlist/util.h"

static const char *exe;

/* Run the binary with a shell-quoted argument string; returns the exit status and the
 * combined output (caller frees). */
static int run(const char *args, char **output)
{
	char *cmd = sl_xasprintf("'%s' %s 2>&1", exe, args);
	FILE *p = popen(cmd, "r");
	free(cmd);
	struct sl_buf b;
	sl_buf_init(&b);
	sl_buf_puts(&b, "");
	char chunk[4096];
	size_t n;
	while (p && (n = fread(chunk, 1, sizeof chunk, p)) > 0)
		sl_buf_append(&b, chunk, n);
	int st = p ? pclose(p) : -1;
	*output = sl_buf_steal(&b);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_rouge(void)
{
	char *out;
	CHECK_INT(run("score rouge --reference 'testing one two' --candidate 'testing one' --json", &out), 0);
	cJSON *j = cJSON_Parse(out);
	CHECK(j != NULL);
	const cJSON *r2 = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "scores"), "rouge2");
	/* rouge_scorer_test.py testRouge2: P 1, R 1/2, F 2/3 */
	CHECK_NEAR(cJSON_GetObjectItem(r2, "f")->valuedouble, 2.0 / 3, 1e-12);
	CHECK_NEAR(cJSON_GetObjectItem(r2, "recall")->valuedouble, 0.5, 1e-12);
	cJSON_Delete(j);
	free(out);

	/* rouge_scorer_test.py testRougeLSumAgainstRouge155WithStemming through files */
	char *t = test_source_path("tests/score/data/rouge_target_multi.0.txt");
	char *p = test_source_path("tests/score/data/rouge_prediction_multi.0.txt");
	char *args = sl_xasprintf("score rougeLsum --reference-file '%s' --candidate-file '%s' --stem", t, p);
	CHECK_INT(run(args, &out), 0);
	CHECK_CONTAINS(out, "rougeLsum     0.6667    0.3654    0.4720");
	CHECK_CONTAINS(out, "Porter-stemmed");
	free(out);
	free(args);
	free(t);
	free(p);
}

static void test_bleu(void)
{
	/* sacreBLEU test_bleu.py: the README example with two references -> 48.530827 */
	char *h = test_write_file("hyp.txt", "The dog bit the man.\nIt wasn't surprising.\nThe man had just bitten him.\n");
	char *r1 = test_write_file("ref1.txt", "The dog bit the man.\nIt was not unexpected.\nThe man bit him first.\n");
	char *r2 = test_write_file("ref2.txt", "The dog had bit the man.\nNo one was surprised.\nThe man had bitten the dog.\n");
	char *args = sl_xasprintf("score bleu --candidate-file '%s' --reference-file '%s' --reference-file '%s'", h, r1, r2);
	char *out;
	CHECK_INT(run(args, &out), 0);
	CHECK_CONTAINS(out, "BLEU = 48.53 ");
	CHECK_CONTAINS(out, "signature: nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp");
	free(out);
	free(args);
	/* line counts must agree */
	char *short_ref = test_write_file("short.txt", "one line\n");
	args = sl_xasprintf("score bleu --candidate-file '%s' --reference-file '%s'", h, short_ref);
	CHECK_INT(run(args, &out), 2);
	CHECK_CONTAINS(out, "has 1 lines but the candidate has 3");
	free(out);
	free(args);
	free(short_ref);
	/* Unicode lowercasing as sacreBLEU's str.lower() (was 0.00 with only A-Z lowered) */
	CHECK_INT(run("score bleu --reference '\xc3\x89" "COLE Stra\xc3\x9f" "e \xc3\x86ON' --candidate "
		      "'\xc3\xa9" "cole stra\xc3\x9f" "e \xc3\xa6on' --lowercase --max-order 3", &out), 0);
	CHECK_CONTAINS(out, "BLEU = 100.00 ");
	free(out);
	/* a --param was silently ignored */
	CHECK_INT(run("score bleu --reference 'a b' --candidate 'a b' --param tokenize=none", &out), 2);
	CHECK_CONTAINS(out, "bleu takes no --param: use --tokenize");
	free(out);
	CHECK_INT(run("score rouge2 --reference 'a b' --candidate 'a b' --param type=rouge1", &out), 2);
	CHECK_CONTAINS(out, "rouge2 takes no --param");
	free(out);
	free(h);
	free(r1);
	free(r2);
}

static void test_scorers(void)
{
	char *out;
	CHECK_INT(run("score levenshtein --reference lewenstein --candidate levenshtein", &out), 0);
	CHECK_CONTAINS(out, "distance    2");
	CHECK_CONTAINS(out, "ratio       0.8571");
	free(out);
	CHECK_INT(run("score tfidf --reference 'a b' --candidate 'a b' --json", &out), 0);
	CHECK_CONTAINS(out, "\"kind\":\t\"tfidf\"");
	free(out);
	CHECK_INT(run("score contains --candidate 'hello world' --param value=world", &out), 0);
	CHECK_CONTAINS(out, "contains (assert): pass");
	free(out);
	CHECK_INT(run("score contains --candidate 'hello' --param value=world", &out), 1);
	CHECK_CONTAINS(out, "fail");
	free(out);
	CHECK_INT(run("score choice --reference B --candidate 'The answer is (B).'", &out), 0);
	CHECK_CONTAINS(out, "extracted: \"B\"");
	free(out);
	CHECK_INT(run("score contains --candidate x --param valeu=y", &out), 2);
	CHECK_CONTAINS(out, "unknown parameter \"valeu\" for scorer \"contains\"");
	free(out);
	CHECK_INT(run("score nosuch --reference a --candidate b", &out), 2);
	CHECK_CONTAINS(out, "unknown scorer \"nosuch\"");
	free(out);
	CHECK_INT(run("score rouge --candidate b", &out), 2);
	CHECK_CONTAINS(out, "--reference");
	free(out);
	/* a quoted value cut inside a character made --json invalid UTF-8 */
	char *v = sl_xstrdup("a");
	for (int i = 0; i < 60; i++) {
		char *w = sl_xasprintf("%s\xc3\xa9", v);
		free(v);
		v = w;
	}
	char *args = sl_xasprintf("score contains --candidate x --param 'value=%s' --json", v);
	CHECK_INT(run(args, &out), 1);
	CHECK_CONTAINS(out, "\"detail\":");
	CHECK_INT(sl_utf8_check(out, strlen(out)), strlen(out));
	free(out);
	free(args);
	free(v);
	/* the label scorer trims the expected value as exact does: tab and CR too */
	CHECK_INT(run("score label --param 'labels=[\"positive\",\"negative\"]' --reference "
		      "\"$(printf '\\tpositive\\r')\" --candidate positive", &out), 0);
	CHECK_CONTAINS(out, "label (match): pass");
	free(out);
	CHECK_INT(run("score --list", &out), 0);
	CHECK_CONTAINS(out, "json_schema");
	free(out);
}

static void test_ratings_cli(void)
{
	struct sl_error err = { 0 };
	char *db = test_path("cli.db");
	struct sl_store *st = sl_store_open(db, 0, &err);
	CHECK(st != NULL);
	const char *sql =
		"INSERT INTO prompts VALUES ('qa', '', 't');"
		"INSERT INTO prompt_versions (name, version, messages, params, author, note, "
		"created_at, hash) VALUES ('qa', 1, '[]', '{}', NULL, NULL, 't', 'h');"
		"INSERT INTO datasets VALUES ('d', 'd.jsonl', 'jsonl', '[]', 2, 't');"
		"INSERT INTO dataset_cases VALUES ('d', 0, 1, '{}', 'yes', NULL, NULL), ('d', 1, 2, '{}', 'no', NULL, NULL);"
		"INSERT INTO runs (id, suite_name, suite_path, suite_hash, suite_json, dataset_hash, dataset_path,"
		" status, n_cells, samples, concurrency, params, shortlist_version, user, started_at)"
		" VALUES (1, 's', 's.json', 'h', '{}', 'd', 'd.jsonl', 'complete', 4, 1, 1, '{}', '0', 'me', 't');"
		"INSERT INTO run_models (run_id, idx, requested) VALUES (1, 0, 'a:one'), (1, 1, 'b:two');"
		"INSERT INTO run_prompts VALUES (1, 0, 'qa', 1, 'h');"
		"INSERT INTO cells (run_id, model_idx, prompt_idx, case_idx, sample, model, output, expected, finished_at)"
		" VALUES (1, 0, 0, 0, 0, 'a:one', 'yes', 'yes', 't'), (1, 0, 0, 1, 0, 'a:one', 'no', 'no', 't'),"
		" (1, 1, 0, 0, 0, 'b:two', 'yes', 'yes', 't'), (1, 1, 0, 1, 0, 'b:two', 'yes', 'no', 't');";
	CHECK_INT(sl_store_exec(st, sql, &err), 0);
	sl_store_close(st);

	char *out, *args;
	char *csv = test_path("r.csv");
	args = sl_xasprintf("--db '%s' ratings export 1 -o '%s' --rater ann", db, csv);
	CHECK_INT(run(args, &out), 0);
	free(out);
	free(args);
	char *text = sl_read_file(csv, NULL, NULL);
	CHECK_CONTAINS(text, "cell,case_line,rater,score,comment,input,output");
	free(text);
	char *good = test_write_file("good.csv", "cell,rater,score\n1:0:0:0:0,ann,5\n1:1:0:1:0,ann,1\n"
						 "1:0:0:0:0,bob,4\n1:1:0:1:0,bob,2\n");
	args = sl_xasprintf("--db '%s' ratings import '%s'", db, good);
	CHECK_INT(run(args, &out), 0);
	CHECK_CONTAINS(out, "imported 4 ratings");
	free(out);
	free(args);
	char *bad = test_write_file("bad.csv", "cell,rater,score\n1:0:0:0:0,ann,5\n1:1:0:1:0,ann,six\n");
	args = sl_xasprintf("--db '%s' ratings import '%s'", db, bad);
	CHECK_INT(run(args, &out), 2);
	CHECK_CONTAINS(out, "bad.csv:3: column score: 'six' is not an integer from 1 to 5");
	free(out);
	free(args);
	args = sl_xasprintf("--db '%s' ratings agreement 1 --json", db);
	CHECK_INT(run(args, &out), 0);
	cJSON *j = cJSON_Parse(out);
	CHECK(j != NULL);
	CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(j, "raters")), 2);
	CHECK_INT(cJSON_GetObjectItem(j, "ratings")->valuedouble, 4);
	cJSON_Delete(j);
	free(out);
	free(args);
	/* terminal rating: one score with a comment, then quit */
	args = sl_xasprintf("--db '%s' rate 1 --rater cy <<'EOF'\n4\nok\nq\nEOF", db);
	CHECK_INT(run(args, &out), 0);
	CHECK_CONTAINS(out, "saved 1 rating as cy");
	free(out);
	free(args);
	args = sl_xasprintf("--db '%s' rate 1 --pairwise --rater cy --seed 3 <<'EOF'\nb\n\nt\n\nEOF", db);
	CHECK_INT(run(args, &out), 0);
	CHECK_CONTAINS(out, "order seed 3");
	CHECK_CONTAINS(out, "saved 2 votes as cy");
	CHECK(strstr(out, "a:one") == NULL && strstr(out, "b:two") == NULL); /* blind */
	free(out);
	free(args);
	args = sl_xasprintf("--db '%s' score --run 1 --scorer '{\"name\": \"exact\"}'", db);
	CHECK_INT(run(args, &out), 0);
	CHECK_CONTAINS(out, "b:two: accuracy 0.500");
	free(out);
	free(args);
	args = sl_xasprintf("--db '%s' ratings agreement 7", db);
	CHECK_INT(run(args, &out), 2);
	free(out);
	free(args);
	free(good);
	free(bad);
	free(csv);
	free(db);
}

int test_failures;
const char *test_current;

int main(int argc, char **argv)
{
	test_env_pin();
	if (argc < 2) {
		fprintf(stderr, "usage: test_cli_score PATH-TO-SHORTLIST\n");
		return 99;
	}
	exe = argv[1];
	RUN_TEST(test_rouge);
	RUN_TEST(test_bleu);
	RUN_TEST(test_scorers);
	RUN_TEST(test_ratings_cli);
	if (test_failures)
		fprintf(stderr, "%d check(s) failed\n", test_failures);
	return test_failures ? 1 : 0;
}

/* Per-case checks end to end: a suite scorer's parameters filled from each case
 * ("value": "{{expected}}", "max_ms": "{{max_ms}}"), a row's own "assert" checks (JSONL list,
 * CSV JSON text) scored for that case only and reported under their names, and bad ones
 * refused by `run --check` with the dataset line before any request. */
#include "test.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eval_util.h"
#include "fakeprov_client.h"
#include "shortlist/util.h"

static struct fakeprov *fp;
static char *db;

static void setup(void)
{
	write_fake_provider(fp->base);
	char *p = test_write_file("p.json", "{\"name\": \"capital\", \"user\": \"Capital of {{q}}?\"}");
	struct run_result r = run_cli(db, (const char *[]){ "prompts", "add", p, NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	free(p);
}

static char *suite_for(const char *name, const char *dataset)
{
	char rel[64];
	snprintf(rel, sizeof rel, "%s.json", name);
	char *json = sl_xasprintf(
		"{\"models\": [\"fake:model-a\"], \"prompts\": [\"capital\"], \"dataset\": \"%s\", "
		"\"scorers\": [{\"name\": \"contains\", \"value\": \"{{expected}}\"}, "
		"{\"name\": \"latency\", \"max_ms\": \"{{max_ms}}\", \"as\": \"fast\"}]}", dataset);
	char *path = test_write_file(rel, json);
	free(json);
	return path;
}

/* A cell's score, by case (1-based) and metric; -1 when it has none. */
static long long score(int case_no, const char *metric)
{
	char *sql = sl_xasprintf("SELECT COALESCE((SELECT value FROM cell_scores WHERE run_id = "
				 "(SELECT MAX(id) FROM runs) AND case_idx = %d AND metric = '%s'), -1)",
				 case_no - 1, metric);
	long long v = db_query_int(db, sql);
	free(sql);
	return v;
}

static void test_jsonl(void)
{
	free(test_write_file("cases.jsonl",
		"{\"q\": \"France\", \"expected\": \"Paris\", \"max_ms\": 100000}\n"
		"{\"q\": \"Italy\", \"expected\": \"Rome\", \"max_ms\": \"0.000001\"}\n"
		"{\"q\": \"France\", \"expected\": \"Paris\", \"max_ms\": 100000, \"assert\": "
		"[{\"name\": \"contains\", \"value\": \"capital\", \"as\": \"says_capital\"}, "
		"{\"name\": \"not_contains\", \"value\": \"{{q}}\", \"as\": \"no_country\"}]}\n"));
	char *suite = suite_for("jsonl", "cases.jsonl");
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	/* the output is "Paris is the capital": "{{expected}}" is the case's answer, not text */
	CHECK_INT(score(1, "contains"), 1);
	CHECK_INT(score(2, "contains"), 0);
	CHECK_INT(score(3, "contains"), 1);
	/* a number parameter from the case: 100 s passes, a microsecond does not */
	CHECK_INT(score(1, "fast"), 1);
	CHECK_INT(score(2, "fast"), 0);
	/* the third row's own checks, for that case only */
	CHECK_INT(score(3, "says_capital"), 1);
	CHECK_INT(score(3, "no_country"), 1);
	CHECK_INT(score(1, "says_capital"), -1);
	CHECK_INT(score(2, "no_country"), -1);
	/* the scorecard reports them by name like the suite's */
	r = run_cli(db, (const char *[]){ "report", "latest", "--format", "json", NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "\"says_capital\"");
	CHECK_CONTAINS(r.out, "\"no_country\"");
	run_result_free(&r);
	r = run_cli(db, (const char *[]){ "report", "latest", NULL }, NULL);
	CHECK_CONTAINS(r.out, "says\\_capital (95% CI)");
	run_result_free(&r);
	free(suite);
}

static void test_csv(void)
{
	free(test_write_file("cases.csv",
		"q,expected,max_ms,assert\n"
		"France,Paris,100000,\"[{\"\"name\"\": \"\"starts_with\"\", \"\"value\"\": "
		"\"\"Paris\"\", \"\"as\"\": \"\"leads\"\"}]\"\n"
		"Italy,Rome,100000,\n"));
	char *suite = suite_for("csv", "cases.csv");
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	CHECK_INT(score(1, "leads"), 1);
	CHECK_INT(score(2, "leads"), -1);
	CHECK_INT(score(2, "contains"), 0);
	free(suite);
}

static void test_bad_checks_send_nothing(void)
{
	static const char *const bad[][2] = {
		{ "{\"q\": \"x\", \"expected\": \"y\", \"max_ms\": \"soon\"}",
		  "cases-bad.jsonl:1 (case 1): suite.scorers[1].max_ms: \"{{max_ms}}\" gave "
		  "\"soon\", not a number" },
		{ "{\"q\": \"x\", \"max_ms\": 5}", "cases-bad.jsonl:1 (case 1): suite.scorers[0]" },
		{ "{\"q\": \"x\", \"expected\": \"y\", \"max_ms\": 5, \"assert\": "
		  "[{\"name\": \"containz\"}]}", "cases-bad.jsonl:1 (case 1): assert[0]" },
		{ "{\"q\": \"x\", \"expected\": \"y\", \"max_ms\": 5, \"assert\": 3}",
		  "cases-bad.jsonl:1 (case 1): \"assert\" must be a list of scorer objects" },
		{ "{\"q\": \"x\", \"expected\": \"y\", \"max_ms\": 5, \"assert\": "
		  "[{\"name\": \"judge\", \"criteria\": \"good\"}]}",
		  "a judge scorer cannot be a per-case check" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char *line = sl_xasprintf("%s\n", bad[i][0]);
		free(test_write_file("cases-bad.jsonl", line));
		free(line);
		char *suite = suite_for("bad", "cases-bad.jsonl");
		fakeprov_reset(fp);
		struct run_result r = run_cli(db, (const char *[]){ "run", suite, "--check", NULL },
					      NULL);
		CHECK_INT(r.status, 2);
		CHECK_CONTAINS(r.err, bad[i][1]);
		run_result_free(&r);
		r = run_cli(db, (const char *[]){ "run", suite, NULL }, NULL);
		CHECK_INT(r.status, 2);
		run_result_free(&r);
		cJSON *st = fakeprov_stats(fp);
		CHECK_INT((long long)cJSON_GetObjectItem(st, "requests")->valuedouble, 0);
		cJSON_Delete(st);
		free(suite);
	}
}

/* The dataset is read once per run, checks included: a dataset that can be read only once
 * (a named pipe, a shell's <(...)) runs. The writer serves its rows to the first reader
 * and nothing to any later one (until it is killed), so a second read finds no rows. */
static void test_dataset_read_once(void)
{
	char *fifo = test_path("piped.jsonl");
	unlink(fifo);
	CHECK_INT(mkfifo(fifo, 0600), 0);
	pid_t writer = fork();
	if (writer == 0) {
		static const char rows[] =
			"{\"q\": \"France\", \"expected\": \"Paris\", \"max_ms\": 100000}\n"
			"{\"q\": \"Spain\", \"expected\": \"Paris\", \"max_ms\": 100000, "
			"\"assert\": [{\"name\": \"contains\", \"value\": \"capital\"}]}\n";
		for (int serve = 0;; serve++) {
			int fd = open(fifo, O_WRONLY);
			if (fd < 0)
				_exit(1);
			if (serve == 0 && write(fd, rows, sizeof rows - 1) != (ssize_t)sizeof rows - 1)
				_exit(1);
			close(fd);
		}
	}
	char *suite = suite_for("piped", "piped.jsonl");
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "2/2 cells");
	run_result_free(&r);
	kill(writer, SIGKILL);
	waitpid(writer, NULL, 0);
	unlink(fifo);
	free(fifo);
	free(suite);
}

TEST_MAIN_BEGIN
	fp = fakeprov_start("{\"models\": {\"model-a\": {\"text\": \"Paris is the capital\"}}}");
	db = test_path("checks.db");
	setup();
	RUN_TEST(test_jsonl);
	RUN_TEST(test_csv);
	RUN_TEST(test_bad_checks_send_nothing);
	RUN_TEST(test_dataset_read_once);
	fakeprov_stop(fp);
	free(db);
TEST_MAIN_END

/* The runner's durability against tests/fakeprov: lock contention from another process,
 * stale and concurrently resumed runs, a resumed run keeping its cache mode, identical
 * requests shared within a run, resuming a complete run, duplicated JSON keys, and the
 * budget message when the budget comes from the suite. */
#include "test.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eval_util.h"
#include "fakeprov_client.h"
#include "shortlist/runs.h"
#include "shortlist/store.h"

static struct fakeprov *fp;
static char *db;

static long requests(void)
{
	return fakeprov_route_count(fp, "openai.chat");
}

static const char providers_json[] =
	"{\"providers\": {\"fake\": {\"kind\": \"openai\", \"base_url\": \"%s/v1\", "
	"\"api_key_env\": \"FAKE_KEY\", \"limits\": {\"max_tries\": 1}}}}";

static void write_providers(const char *extra)
{
	char *dir = test_path("config/shortlist");
	struct sl_error err = { 0 };
	sl_mkdirs(dir, &err);
	char *json = sl_xasprintf(providers_json, fp->base);
	if (extra) { /* splice extra text in after the first brace */
		char *spliced = sl_xasprintf("{%s%s", extra, json + 1);
		free(json);
		json = spliced;
	}
	free(test_write_file("config/shortlist/providers.json", json));
	free(json);
	free(dir);
	setenv("FAKE_KEY", "sk-fake", 1);
}

/* One model x one prompt x n cases x 1 sample; rows i and i + dup_every repeat (when
 * dup_every > 0), so identical requests occur within the run. */
static char *write_suite(const char *name, int n, int dup_every, const char *extra)
{
	struct sl_error err = { 0 };
	char *dir = test_path(name);
	sl_mkdirs(dir, &err);
	struct sl_buf csv;
	sl_buf_init(&csv);
	sl_buf_printf(&csv, "text,label\n");
	for (int i = 0; i < n; i++)
		sl_buf_printf(&csv, "%s case %d,positive\n", name, dup_every > 0 ? i % dup_every : i);
	char rel[256];
	snprintf(rel, sizeof rel, "%s/cases.csv", name);
	free(test_write_file(rel, csv.data));
	sl_buf_free(&csv);
	snprintf(rel, sizeof rel, "%s/suite.json", name);
	char *suite = sl_xasprintf(
		"{\"name\": \"%s\", \"models\": [\"fake:model-a\"], \"prompts\": [\"echo@1\"],"
		" \"dataset\": \"cases.csv\", \"samples\": 1, \"concurrency\": 4,"
		" \"scorers\": [{\"name\": \"label\", \"labels\": [\"positive\", \"negative\"]}]%s}",
		name, extra ? extra : "");
	char *path = test_write_file(rel, suite);
	free(suite);
	free(dir);
	return path;
}

static void add_prompt(void)
{
	char *a = test_write_file("echo.json", "{\"name\": \"echo\", \"user\": \"Label: {{text}}\","
					       " \"params\": {\"temperature\": 0}}");
	struct run_result r = run_cli(db, (const char *[]){ "prompts", "add", a, NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	free(a);
}

static long long query_int(const char *sql)
{
	return db_query_int(db, sql);
}

static char *query_text(const char *sql)
{
	return db_query_text(db, sql);
}

static long long last_run(void)
{
	return query_int("SELECT MAX(id) FROM runs");
}

/* $1000 per million output tokens: each one-token answer costs $0.001 */
#define PRICES ", \"prices\": {\"fake:model-a\": {\"in\": 0, \"out\": 1000}}"

/* issue 11 item 8: a run started with --no-cache and resumed without flags keeps asking
 * the API (the cache holds every answer) and its lineage stays "cache off"; an explicit
 * --refresh on resume is recorded in the run's params. */
static void test_resume_keeps_cache_mode(void)
{
	char *suite = write_suite("mode", 12, 0, PRICES);
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, NULL }, NULL);
	CHECK_INT(r.status, 0); /* fills the cache */
	run_result_free(&r);

	fakeprov_reset(fp);
	r = run_cli(db, (const char *[]){ "run", suite, "--no-cache", "--max-cost", "0.003", "-j",
					  "1", NULL }, NULL);
	CHECK_INT(r.status, 3);
	run_result_free(&r);
	long long run = last_run();
	long sent = requests();
	CHECK(sent >= 3 && sent < 12);
	fakeprov_reset(fp);
	r = run_cli(db, (const char *[]){ "run", suite, "--resume", NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "0 cached");
	run_result_free(&r);
	CHECK_INT(requests(), 12 - sent);
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM cells WHERE run_id = %lld AND cached", run);
	CHECK_INT(query_int(sql), 0);
	snprintf(sql, sizeof sql, "SELECT params FROM runs WHERE id = %lld", run);
	char *params = query_text(sql);
	CHECK_CONTAINS(params, "\"cache\":\"off\"");
	CHECK(!strstr(params, "resumes"));
	free(params);

	/* an explicit other mode is the user's choice, and the lineage says so */
	r = run_cli(db, (const char *[]){ "run", suite, "--no-cache", "--max-cost", "0.003", "-j",
					  "1", NULL }, NULL);
	CHECK_INT(r.status, 3);
	run_result_free(&r);
	run = last_run();
	r = run_cli(db, (const char *[]){ "run", suite, "--resume", "--refresh", NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	snprintf(sql, sizeof sql, "SELECT params FROM runs WHERE id = %lld", run);
	params = query_text(sql);
	CHECK_CONTAINS(params, "\"cache\":\"off\"");
	CHECK_CONTAINS(params, "\"resumes\":[{\"at\":\"");
	CHECK_CONTAINS(params, "\"cache\":\"refresh\"}]");
	free(params);
	free(suite);
}

/* issue 14 item 12: --resume of a complete run exits 0, sends nothing, changes nothing */
static void test_resume_complete_run(void)
{
	char *suite = write_suite("complete", 4, 0, NULL);
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, "--no-cache", NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	long long run = last_run();
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT status || ended_at || coalesce(resumed_at, '-') FROM runs "
				  "WHERE id = %lld", run);
	char *before = query_text(sql);
	fakeprov_reset(fp);
	r = run_cli(db, (const char *[]){ "run", suite, "--resume", NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "is already complete: nothing to resume");
	run_result_free(&r);
	char ref[32];
	snprintf(ref, sizeof ref, "%lld", run);
	r = run_cli(db, (const char *[]){ "run", suite, "--resume", ref, NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "is already complete");
	run_result_free(&r);
	CHECK_INT(requests(), 0);
	CHECK_INT(last_run(), run);
	char *after = query_text(sql);
	CHECK_STR(after, before);
	free(before);
	free(after);
	/* a suite never run still has nothing to resume */
	char *other = write_suite("never", 2, 0, NULL);
	r = run_cli(db, (const char *[]){ "run", other, "--resume", NULL }, NULL);
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "--resume: no unfinished run of");
	run_result_free(&r);
	free(other);
	free(suite);
}

/* issue 14 item 12: the budget in the message is the suite's, not the amount spent */
static void test_budget_from_suite(void)
{
	char *suite = write_suite("suitebudget", 12, 0, PRICES ", \"max_cost\": 0.0035");
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, "--no-cache", "-j", "1",
							     NULL }, NULL);
	CHECK_INT(r.status, 3);
	CHECK_CONTAINS(r.out, " of $0.0035; ");
	run_result_free(&r);
	free(suite);
}

/* issue 14 item 12: a key given twice is an error naming the file, place and key (cJSON
 * would silently read the first) */
static void test_duplicate_keys(void)
{
	char *suite = write_suite("dupkey", 2, 0, ",\n \"samples\": 3");
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, "--check", NULL }, NULL);
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "suite.json:2:2: duplicate key \"samples\"");
	run_result_free(&r);
	free(suite);

	char *p = test_write_file("dup-prompt.json", "{\"name\": \"d\", \"user\": \"x\",\n"
						     " \"params\": {\"temperature\": 0, "
						     "\"temperature\": 1}}");
	r = run_cli(db, (const char *[]){ "prompts", "add", p, NULL }, NULL);
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "dup-prompt.json:2:31: duplicate key \"temperature\"");
	run_result_free(&r);
	free(p);

	/* the same key in two different objects is fine */
	suite = write_suite("dupok", 2, 0, ", \"params\": {\"name\": 1}");
	r = run_cli(db, (const char *[]){ "run", suite, "--check", NULL }, NULL);
	CHECK(!strstr(r.err, "duplicate key"));
	run_result_free(&r);
	free(suite);

	write_providers("\"providers\": {},\n");
	suite = write_suite("dupprov", 2, 0, NULL);
	r = run_cli(db, (const char *[]){ "run", suite, "--check", NULL }, NULL);
	CHECK_INT(r.status, 2);
	CHECK_CONTAINS(r.err, "providers.json: line 2: duplicate key \"providers\"");
	run_result_free(&r);
	write_providers(NULL);
	free(suite);
}

/* Read the child's stderr until needle appears (true) or it ends or stays silent 20 s. */
static bool wait_text(int fd, const char *needle)
{
	struct sl_buf seen;
	sl_buf_init(&seen);
	bool found = false;
	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		char buf[4096];
		ssize_t k = poll(&pfd, 1, 20000) > 0 ? read(fd, buf, sizeof buf) : -1;
		if (k <= 0)
			break;
		sl_buf_append(&seen, buf, (size_t)k);
		if ((found = strstr(seen.data, needle) != NULL))
			break;
	}
	sl_buf_free(&seen);
	return found;
}

/* issue 14 item 2: another process holding the write lock for longer than the busy
 * timeout neither stops the run's requests nor loses a finished answer; readers go on. */
static void test_lock_contention(void)
{
	fakeprov_set_script(fp, "{\"default\": {\"text\": \"positive\", \"ttft_ms\": 20}}");
	char *suite = write_suite("locked", 60, 0, NULL);
	fakeprov_reset(fp);
	int fd;
	pid_t pid = spawn_cli_watch(db, (const char *[]){ "run", suite, "--no-cache", "-j", "4",
							   NULL }, "locked", &fd);
	long seen = wait_progress(fd, 6);
	CHECK(seen >= 6 && seen < 60);
	sqlite3 *h = NULL;
	CHECK_INT(sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(h, 10000);
	CHECK_INT(sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	/* readers do not wait for the writer (WAL) */
	struct run_result r = run_cli(db, (const char *[]){ "runs", "list", NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "running");
	run_result_free(&r);
	/* every request is answered while the lock is held, then the run waits to store them
	 * (and says so after 2 s) instead of giving up after 5 */
	CHECK(wait_text(fd, "is locked by another process: waiting to store"));
	CHECK_INT(requests(), 60);
	CHECK_INT(sqlite3_exec(h, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	CHECK(!wait_text(fd, "\n\n")); /* to the end: a closed pipe would kill it */
	close(fd);
	int st;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM cells WHERE run_id = %lld AND output = "
				  "'positive'", last_run());
	CHECK_INT(query_int(sql), 60);
	snprintf(sql, sizeof sql, "SELECT status FROM runs WHERE id = %lld", last_run());
	char *status = query_text(sql);
	CHECK_STR(status, "complete");
	free(status);
	status = query_text("PRAGMA journal_mode");
	CHECK_STR(status, "wal");
	free(status);
	fakeprov_set_script(fp, "{\"default\": {\"text\": \"positive\"}}");
	free(suite);
}

/* issue 14 item 3: a killed run is shown as interrupted, not running forever; a second
 * process resuming a run that is being run is refused (exit 2) instead of sending the same
 * requests again; once the first is gone, --resume takes over and asks only what is missing */
static void test_stale_runs_and_one_resumer(void)
{
	fakeprov_set_script(fp, "{\"default\": {\"text\": \"positive\", \"ttft_ms\": 40}}");
	char *suite = write_suite("lease", 40, 0, NULL);
	fakeprov_reset(fp);
	int fd;
	pid_t pid = spawn_cli_watch(db, (const char *[]){ "run", suite, "--no-cache", "-j", "2",
							   NULL }, "lease", &fd);
	long seen = wait_progress(fd, 4);
	CHECK(seen >= 4 && seen < 40);
	long long run = last_run();
	char ref[32];
	snprintf(ref, sizeof ref, "%lld", run);
	struct run_result r = run_cli(db, (const char *[]){ "runs", "list", NULL }, NULL);
	CHECK_CONTAINS(r.out, "running");
	run_result_free(&r);
	/* a second process may not resume it while it runs */
	r = run_cli(db, (const char *[]){ "run", suite, "--resume", ref, "--no-cache", NULL }, NULL);
	CHECK_INT(r.status, 2);
	char msg[128];
	snprintf(msg, sizeof msg, "run %lld is being run by process %ld on ", run, (long)pid);
	CHECK_CONTAINS(r.err, msg);
	run_result_free(&r);

	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	close(fd);
	r = run_cli(db, (const char *[]){ "runs", "list", "--json", NULL }, NULL);
	CHECK_CONTAINS(r.out, "\"status\":\t\"interrupted\"");
	run_result_free(&r);
	r = run_cli(db, (const char *[]){ "runs", "show", ref, NULL }, NULL);
	CHECK_CONTAINS(r.out, "interrupted");
	run_result_free(&r);

	char sql[256];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM cells WHERE run_id = %lld", run);
	long long have = query_int(sql);
	fakeprov_reset(fp);
	r = run_cli(db, (const char *[]){ "run", suite, "--resume", NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	CHECK_INT(requests(), 40 - have);
	CHECK_INT(query_int(sql), 40);
	fakeprov_set_script(fp, "{\"default\": {\"text\": \"positive\"}}");
	free(suite);

	/* the rule itself: a dead pid on this host at once; another host by its heartbeat */
	char host[256] = "";
	gethostname(host, sizeof host - 1);
	int64_t now = sl_wall_ms();
	CHECK(sl_run_owner_alive(getpid(), host, now));
	CHECK(!sl_run_owner_alive(pid, host, now)); /* killed above */
	CHECK(!sl_run_owner_alive(getpid(), host, now - SL_RUN_STALE_MS - 1000));
	CHECK(sl_run_owner_alive(1, "another-machine", now - 1000));
	CHECK(!sl_run_owner_alive(1, "another-machine", now - SL_RUN_STALE_MS - 1000));
	CHECK(!sl_run_owner_alive(0, NULL, now));
}

/* issue 11 item 9: identical requests within a run are sent once: cells whose request is
 * in flight wait for its answer, cells after it take the answer not yet committed; they are
 * recorded as cached with the original's answer, and the cache keeps that first answer. Each
 * request gets a different text, so a second request would show. */
static void test_identical_requests_shared(void)
{
	static const char script[] =
		"{\"default\": {\"ttft_ms\": 30}, \"models\": {\"model-a\": {\"sequence\": ["
		"{\"text\": \"one\"}, {\"text\": \"two\"}, {\"text\": \"three\"}, {\"text\": "
		"\"four\"}, {\"text\": \"five\"}, {\"text\": \"six\"}, {\"text\": \"seven\"}, "
		"{\"text\": \"eight\"}]}}}";
	char *suite = write_suite("shared", 12, 3, NULL); /* 3 requests, each 4 times */
	struct run_result c = run_cli(db, (const char *[]){ "run", suite, "--check", NULL }, NULL);
	CHECK_CONTAINS(c.out, "9 cells from the response cache, 3 API requests");
	run_result_free(&c);
	const char *jobs[] = { "12", "1" }; /* all in flight at once; one after another */
	for (int j = 0; j < 2; j++) {
		fakeprov_set_script(fp, script); /* restarts the sequence */
		fakeprov_reset(fp);
		const char *mode = j ? "--refresh" : NULL; /* the second time the cache is full */
		struct run_result r = run_cli(db, (const char *[]){ "run", suite, "-j", jobs[j],
								     mode, NULL }, NULL);
		CHECK_INT(r.status, 0);
		run_result_free(&r);
		CHECK_INT(requests(), 3);
		long long run = last_run();
		char sql[512];
		snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM cells WHERE run_id = %lld AND cached",
			 run);
		CHECK_INT(query_int(sql), 9);
		/* every copy of a request has the same answer, and it is the cached one */
		snprintf(sql, sizeof sql, "SELECT COUNT(DISTINCT c.output) FROM cells c JOIN "
					  "response_cache k ON k.key = c.cache_key AND k.output = c.output "
					  "WHERE c.run_id = %lld", run);
		CHECK_INT(query_int(sql), 3);
		snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM cells c JOIN response_cache k ON "
					  "k.key = c.cache_key AND k.output = c.output WHERE c.run_id = "
					  "%lld", run);
		CHECK_INT(query_int(sql), 12);
	}

	/* a failed request fails the cells that waited for it too (an error is not cached):
	 * --resume asks again, once per distinct request */
	char *failing = write_suite("sharedfail", 8, 2, NULL);
	fakeprov_set_script(fp, "{\"default\": {\"ttft_ms\": 30, \"fault\": \"status\", "
				"\"status\": 400}}");
	fakeprov_reset(fp);
	struct run_result r = run_cli(db, (const char *[]){ "run", failing, "-j", "8", NULL }, NULL);
	CHECK_INT(r.status, 3);
	CHECK_CONTAINS(r.out, "8 errors, 0 cached");
	run_result_free(&r);
	CHECK_INT(requests(), 2);
	fakeprov_set_script(fp, "{\"default\": {\"text\": \"positive\", \"ttft_ms\": 30}}");
	fakeprov_reset(fp);
	r = run_cli(db, (const char *[]){ "run", failing, "--resume", "-j", "8", NULL }, NULL);
	CHECK_INT(r.status, 0);
	CHECK_CONTAINS(r.out, "0 errors, 6 cached");
	run_result_free(&r);
	CHECK_INT(requests(), 2);
	free(failing);
	fakeprov_set_script(fp, "{\"default\": {\"text\": \"positive\"}}");
	free(suite);
}

TEST_MAIN_BEGIN
	fp = fakeprov_start("{\"default\": {\"text\": \"positive\"}}");
	write_providers(NULL);
	db = test_path("durability.db");
	add_prompt();
	RUN_TEST(test_resume_keeps_cache_mode);
	RUN_TEST(test_resume_complete_run);
	RUN_TEST(test_budget_from_suite);
	RUN_TEST(test_duplicate_keys);
	RUN_TEST(test_lock_contention);
	RUN_TEST(test_stale_runs_and_one_resumer);
	RUN_TEST(test_identical_requests_shared);
	fakeprov_stop(fp);
	free(db);
TEST_MAIN_END

/* Faults and crashes against tests/fakeprov: a 5,000-cell run over every protocol with every
 * fault type in 20% of the requests ends with each cell answered or failed with its reason
 * and totals that add up; a run killed (SIGKILL) 10 times at random moments, itself and
 * its resumes, ends equal to an uninterrupted run, with an intact database. */
#include "test.h"

#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "eval_util.h"
#include "fakeprov_client.h"
#include "shortlist/store.h"

static struct fakeprov *fp;
static char *db;

static const char *const models[] = { "fo:m-openai", "fl:m-llama", "fa:m-anth", "fb:m-bedrock",
				      "fol:m-ollama" };

static void write_providers(void)
{
	struct sl_error err = { 0 };
	char *dir = test_path("config/shortlist");
	sl_mkdirs(dir, &err);
	free(dir);
	/* fast retries, so the faults cost seconds, not minutes */
	const char *lim = "\"limits\": {\"max_tries\": 3, \"concurrency\": 32}, "
			  "\"timeouts\": {\"idle_ms\": 5000, \"total_ms\": 20000}";
	char *json = sl_xasprintf(
		"{\"providers\": {"
		" \"fo\": {\"kind\": \"openai\", \"base_url\": \"%s/v1\", \"api_key_env\": \"FK\", %s},"
		" \"fl\": {\"kind\": \"openai\", \"base_url\": \"%s/llamacpp/v1\", %s},"
		" \"fa\": {\"kind\": \"anthropic\", \"base_url\": \"%s\", \"api_key_env\": \"FAK\", %s},"
		" \"fb\": {\"kind\": \"bedrock\", \"base_url\": \"%s\", \"region\": \"us-east-1\","
		"   \"api_key_env\": \"FBK\", %s},"
		" \"fol\": {\"kind\": \"ollama\", \"base_url\": \"%s\", %s}}}",
		fp->base, lim, fp->base, lim, fp->base, lim, fp->base, lim, fp->base, lim);
	free(test_write_file("config/shortlist/providers.json", json));
	free(json);
	setenv("FK", "sk-fake", 1);
	setenv("FAK", "sk-ant-fake", 1);
	setenv("FBK", "fake-bedrock-api-key", 1);
}

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A fakeprov script where one request in five of each model gets a fault, every type in
 * turn (and bad_crc for Bedrock), at a random place in the stream. */
static char *fault_script(int per_model)
{
	/* each gets ", after_chunks: N}" appended (where a stream fault strikes) */
	static const char *const faults[] = {
		"{\"fault\": \"status\", \"status\": 500",
		"{\"fault\": \"status\", \"status\": 503",
		"{\"fault\": \"status\", \"status\": 429, \"retry_after_ms\": \"5\"",
		"{\"fault\": \"status\", \"status\": 400",
		"{\"fault\": \"reset\"",
		"{\"fault\": \"stall\", \"stall_ms\": 20",
		"{\"fault\": \"truncate\"",
		"{\"fault\": \"malformed_json\"",
		"{\"fault\": \"error_event\"",
		"{\"fault\": \"trickle\", \"trickle_ms\": 1, \"trickle_bytes\": 97",
		"{\"fault\": \"bad_crc\"",
	};
	struct sl_buf b;
	sl_buf_init(&b);
	sl_buf_puts(&b, "{\"default\": {\"text\": \"the answer is forty-two\", \"chunks\": 4},"
			" \"models\": {");
	for (size_t m = 0; m < SL_ARRAY_LEN(models); m++) {
		const char *name = strchr(models[m], ':') + 1;
		bool bedrock = strstr(name, "bedrock") != NULL;
		sl_buf_printf(&b, "%s\"%s\": {\"sequence\": [", m ? ", " : "", name);
		for (int i = 0; i < per_model; i++) {
			if (i)
				sl_buf_putc(&b, ',');
			if (next_rand() % 5) {
				sl_buf_puts(&b, "{}");
				continue;
			}
			size_t n = SL_ARRAY_LEN(faults) - (bedrock ? 0 : 1);
			sl_buf_puts(&b, faults[next_rand() % n]);
			sl_buf_printf(&b, ", \"after_chunks\": %d}", (int)(next_rand() % 4));
		}
		sl_buf_puts(&b, "]}");
	}
	sl_buf_puts(&b, "}}");
	return sl_buf_steal(&b);
}

static long long query_num(const char *fmt, ...) SL_PRINTF(1, 2);
static long long query_num(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *sql = sl_xvasprintf(fmt, ap);
	va_end(ap);
	long long n = db_query_int(db, sql);
	free(sql);
	return n;
}

static char *write_suite(const char *name, int cases, int concurrency)
{
	struct sl_buf ds;
	sl_buf_init(&ds);
	for (int i = 0; i < cases; i++)
		sl_buf_printf(&ds, "{\"q\": \"question %d\", \"expected\": \"the answer is forty-two\"}\n",
			      i);
	char rel[128];
	snprintf(rel, sizeof rel, "%s.jsonl", name);
	free(test_write_file(rel, ds.data));
	sl_buf_free(&ds);
	snprintf(rel, sizeof rel, "%s.json", name);
	struct sl_buf s;
	sl_buf_init(&s);
	sl_buf_printf(&s, "{\"name\": \"%s\", \"prompts\": [\"q@1\"], \"dataset\": \"%s.jsonl\", "
			  "\"concurrency\": %d, \"scorers\": [{\"name\": \"exact\"}], \"models\": [",
		      name, name, concurrency);
	for (size_t m = 0; m < SL_ARRAY_LEN(models); m++)
		sl_buf_printf(&s, "%s\"%s\"", m ? ", " : "", models[m]);
	sl_buf_puts(&s, "]}");
	char *path = test_write_file(rel, s.data);
	sl_buf_free(&s);
	return path;
}

static double num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* 5 protocols x 1,000 cases, 20% of the requests faulty. */
static void test_faults_everywhere(void)
{
	enum { CASES = 1000, CELLS = CASES * 5 };
	char *script = fault_script(CASES * 2);
	CHECK_INT(fakeprov_set_script(fp, script), 0);
	free(script);
	char *suite = write_suite("faults", CASES, 64);
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, "--json", NULL }, NULL);
	cJSON *j = cJSON_Parse(r.out);
	CHECK(j != NULL);
	if (!j) {
		fprintf(stderr, "exit %d\n%s\n%s\n", r.status, r.out, r.err);
		run_result_free(&r);
		free(suite);
		return;
	}
	long long run = (long long)num(j, "run");
	/* failed cells make the run incomplete (3); nothing else may go wrong */
	CHECK_INT(r.status, (int)num(j, "exit_code"));
	CHECK(r.status == 0 || r.status == 3);
	CHECK_INT((long)num(j, "cells"), CELLS);
	CHECK_INT((long)num(j, "done"), CELLS);
	CHECK_INT((long)num(j, "missing"), 0);
	long errors = (long)num(j, "errors");
	/* the 400s are never retried, so some cells fail; most faults are retried away */
	CHECK(errors > 0 && errors < CELLS / 5);
	long sum_cells = 0, sum_errors = 0;
	const cJSON *g;
	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(j, "groups")) {
		sum_cells += (long)num(g, "cells");
		sum_errors += (long)num(g, "errors");
	}
	CHECK_INT(sum_cells, CELLS);
	CHECK_INT(sum_errors, errors);
	/* every cell stored once, either with an answer or with what went wrong */
	CHECK_INT(query_num("SELECT COUNT(*) FROM cells WHERE run_id = %lld", run), CELLS);
	CHECK_INT(query_num("SELECT COUNT(*) FROM (SELECT DISTINCT model_idx, prompt_idx, case_idx, "
			    "sample FROM cells WHERE run_id = %lld)", run), CELLS);
	CHECK_INT(query_num("SELECT COUNT(*) FROM cells WHERE run_id = %lld AND output IS NOT NULL "
			    "AND error_kind IS NULL", run), CELLS - errors);
	CHECK_INT(query_num("SELECT COUNT(*) FROM cells WHERE run_id = %lld AND output IS NULL AND "
			    "error_kind IS NOT NULL AND length(error_msg) > 0", run), errors);
	CHECK_INT(query_num("SELECT COUNT(*) FROM cells WHERE run_id = %lld AND output IS NOT NULL "
			    "AND output != 'the answer is forty-two'", run), 0);
	/* the faults were met: the server answered more requests than there are cells */
	cJSON *stats = fakeprov_stats(fp);
	CHECK(num(stats, "requests") > CELLS + CELLS / 20);
	cJSON_Delete(stats);
	if (test_failures)
		fprintf(stderr, "%s\n", r.out);
	cJSON_Delete(j);
	run_result_free(&r);
	free(suite);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

/* Kill the run (then each resume) 10 times at random moments; resume to the end. */
static void test_random_kills(void)
{
	enum { CASES = 60, CELLS = CASES * 5 };
	CHECK_INT(fakeprov_set_script(fp, "{\"default\": {\"text\": \"the answer is forty-two\","
					  " \"chunks\": 4, \"ttft_ms\": 50, \"token_ms\": 2}}"), 0);
	CHECK_INT(fakeprov_reset(fp), 0);
	char *suite = write_suite("killed", CASES, 4); /* ~4 s uninterrupted */
	long long run = query_num("SELECT COALESCE(MAX(id), 0) + 1 FROM runs");
	int kills = 0;
	for (int i = 0; i < 10; i++) {
		const char *const first[] = { "run", suite, "--no-cache", NULL };
		const char *const again[] = { "run", suite, "--resume", "--no-cache", NULL };
		/* a kill may land before the run is created (a loaded machine): start it again */
		bool created = query_num("SELECT COUNT(*) FROM runs WHERE id = %lld", run) > 0;
		pid_t pid = spawn_cli(db, created ? again : first, NULL, "killed");
		sleep_ms(40 + (long)(next_rand() % 400)); /* where it dies is the point: random */
		kill(pid, SIGKILL);
		int st;
		waitpid(pid, &st, 0);
		kills += WIFSIGNALED(st);
	}
	fprintf(stderr, "%d of 10 SIGKILLs landed before the process ended\n", kills);
	CHECK(kills >= 8); /* (one landing after a resume had finished proves nothing) */
	struct run_result r = run_cli(db, (const char *[]){ "run", suite, "--resume", "--no-cache",
							     NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	CHECK_INT(query_num("SELECT COUNT(*) FROM cells WHERE run_id = %lld", run), CELLS);
	CHECK_INT(query_num("SELECT COUNT(*) FROM (SELECT DISTINCT model_idx, prompt_idx, case_idx, "
			    "sample FROM cells WHERE run_id = %lld)", run), CELLS);
	CHECK_INT(query_num("SELECT COUNT(*) FROM runs WHERE id = %lld AND status = 'complete'", run),
		  1);
	/* the same cells as a run never interrupted */
	r = run_cli(db, (const char *[]){ "run", suite, "--no-cache", NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	char *sql = sl_xasprintf(
		"SELECT COUNT(*) FROM (SELECT model_idx, prompt_idx, case_idx, sample, output, "
		"error_kind FROM cells WHERE run_id = %lld EXCEPT SELECT model_idx, prompt_idx, "
		"case_idx, sample, output, error_kind FROM cells WHERE run_id = %lld + 1)", run, run);
	char *diff = db_query_text(db, sql);
	CHECK_STR(diff, "0");
	free(diff);
	free(sql);
	CHECK_INT(query_num("SELECT COUNT(*) FROM cells WHERE run_id = %lld + 1", run), CELLS);
	char *ok = db_query_text(db, "PRAGMA integrity_check");
	CHECK_STR(ok, "ok");
	free(ok);
	free(suite);
}

TEST_MAIN_BEGIN
	fp = fakeprov_start(NULL);
	write_providers();
	db = test_path("faults.db");
	char *p = test_write_file("q.json", "{\"name\": \"q\", \"user\": \"{{q}}\"}");
	struct run_result r = run_cli(db, (const char *[]){ "prompts", "add", p, NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	free(p);
	RUN_TEST(test_faults_everywhere);
	RUN_TEST(test_random_kills);
	fakeprov_stop(fp);
	free(db);
TEST_MAIN_END

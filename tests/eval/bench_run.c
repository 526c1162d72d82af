/* Benchmark: a 10,000-cell `shortlist run` against fakeprov at zero latency (cells/s
 * including the SQLite writes, peak RSS of the shortlist process), then the fully cached
 * rerun, then the CPU time per cell of a streamed, stored and scored run (32-chunk answers,
 * four cheap scorers). Prints figures; asserts only that the runs completed. */
#include "test.h"

#include <sys/resource.h>
#include <sys/wait.h>

#include "eval_util.h"
#include "fakeprov_client.h"
#include "shortlist/util.h"

static double cpu_s; /* user + system CPU of the last measured process */

static double run_measured(const char *db, const char *const *argv, long *rss_kb, int *status)
{
	int64_t t0 = sl_now_ns();
	pid_t pid = spawn_cli(db, argv, NULL, "bench");
	int st = 0;
	struct rusage ru;
	wait4(pid, &st, 0, &ru);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	*rss_kb = ru.ru_maxrss;
	cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		(double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	return (double)(sl_now_ns() - t0) / 1e9;
}

TEST_MAIN_BEGIN
	struct fakeprov *fp = fakeprov_start("{\"default\": {\"text\": \"positive\", \"ttft_ms\": 0, "
					     "\"token_ms\": 0}}");
	char *json = sl_xasprintf("{\"providers\": {\"fake\": {\"kind\": \"openai\", \"base_url\": "
				  "\"%s/v1\", \"api_key_env\": \"FAKE_KEY\", \"limits\": "
				  "{\"concurrency\": 64, \"max_tries\": 1}}}}", fp->base);
	struct sl_error err = { 0 };
	char *cfg = test_path("config/shortlist");
	sl_mkdirs(cfg, &err);
	free(test_write_file("config/shortlist/providers.json", json));
	setenv("FAKE_KEY", "sk-fake", 1);
	/* 1,000 cases x 2 models x 1 prompt x 5 samples = 10,000 cells */
	struct sl_buf data;
	sl_buf_init(&data);
	for (int i = 0; i < 1000; i++)
		sl_buf_printf(&data, "{\"text\": \"review number %d: it works, mostly\", \"label\": "
				     "\"positive\"}\n", i);
	free(test_write_file("bench.jsonl", data.data));
	free(test_write_file("p.json", "{\"name\": \"bench\", \"user\": \"Sentiment: {{text}}\"}"));
	char *suite = test_write_file("suite.json",
		"{\"name\": \"bench\", \"models\": [\"fake:m1\", \"fake:m2\"], \"prompts\": "
		"[\"bench\"], \"dataset\": \"bench.jsonl\", \"samples\": 5, \"concurrency\": 64}");
	char *db = test_path("bench.db");
	char *p = test_path("p.json");
	struct run_result r = run_cli(db, (const char *[]){ "prompts", "add", p, NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);

	long rss;
	int status;
	double t = run_measured(db, (const char *[]){ "run", suite, "-j", "64", NULL }, &rss, &status);
	CHECK_INT(status, 0);
	long requests = fakeprov_route_count(fp, "openai.chat");
	printf("10,000-cell run, zero latency, -j 64: %.2f s, %.0f cells/s (incl. SQLite writes), "
	       "%ld API requests, peak RSS %.1f MB\n", t, 10000 / t, requests, rss / 1024.0);
	fakeprov_reset(fp);
	t = run_measured(db, (const char *[]){ "run", suite, "-j", "64", NULL }, &rss, &status);
	CHECK_INT(status, 0);
	printf("fully cached rerun: %.2f s, %.0f cells/s, %ld API requests, peak RSS %.1f MB\n", t,
	       10000 / t, fakeprov_route_count(fp, "openai.chat"), rss / 1024.0);

	/* CPU per cell of a streamed run: 32 chunks per answer, every cell stored, then scored
	 * by four cheap scorers (the run scores when it ends) */
	fakeprov_set_script(fp, "{\"default\": {\"text\": \"positive because the review says it "
				"works and the writer would buy it again without a doubt so we call it "
				"positive overall\", \"chunks\": 32, \"ttft_ms\": 0, \"token_ms\": 0}}");
	char *suite2 = test_write_file("suite2.json",
		"{\"name\": \"bench2\", \"models\": [\"fake:m1\", \"fake:m2\"], \"prompts\": "
		"[\"bench\"], \"dataset\": \"bench.jsonl\", \"samples\": 5, \"concurrency\": 64, "
		"\"scorers\": [{\"name\": \"label\", \"labels\": [\"positive\", \"negative\"]}, "
		"{\"name\": \"contains\", \"value\": \"works\"}, {\"name\": \"max_length\", "
		"\"max\": 500}, {\"name\": \"starts_with\", \"value\": \"positive\"}]}");
	t = run_measured(db, (const char *[]){ "run", suite2, "-j", "64", "--no-cache", NULL },
			 &rss, &status);
	CHECK_INT(status, 0);
	printf("streamed run, 32 chunks per answer, stored and scored (4 scorers), 10,000 cells: "
	       "%.2f s, CPU %.3f ms per cell (user+system of the shortlist process)\n", t,
	       cpu_s * 1000 / 10000);
	free(suite2);
	fflush(stdout);
	fakeprov_stop(fp);
	sl_buf_free(&data);
	free(json);
	free(cfg);
	free(suite);
	free(db);
	free(p);
TEST_MAIN_END

/* Benchmark: the growth curve of a run. For each size (cells; default 10,000, 100,000 and
 * 1,000,000, or the comma-separated $BENCH_RUN_CELLS), a fresh store gets a `shortlist run`
 * against fakeprov at zero latency, -j 64, streamed: 3 models x 1 prompt x N/3 cases, scored
 * with contains, rouge1, levenshtein and latency. Printed: wall time, cells/s (SQLite
 * writes and the end-of-run scoring included), peak RSS of the run, then the time and peak
 * RSS of each reader of that run. Then the fully cached rerun at the first size, and the CPU
 * time per cell of a streamed, stored and scored run (32-chunk answers, four cheap scorers).
 * BENCH_RUN_STORE=sql writes each store by SQL instead of running it (the readers' figures
 * in minutes rather than the quarter hour a 1M-cell run takes); BENCH_RUN_PER_CELL=0 skips
 * the readers that go through every cell.
 * Prints figures; asserts only that every command succeeded. */
#include "test.h"

#include <sys/resource.h>
#include <sys/wait.h>

#include "../report/fixture.h"
#include "eval_util.h"
#include "fakeprov_client.h"
#include "shortlist/util.h"

static double cpu_s; /* user + system CPU of the last measured process */

/* fakeprov's own CPU and context switches so far (its /_fake/stats "process"). */
struct fp_cost {
	double user_ms, system_ms, switches;
};

static struct fp_cost fakeprov_cost(struct fakeprov *fp)
{
	cJSON *s = fakeprov_stats(fp);
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(s, "process");
	struct fp_cost c = {
		cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(p, "user_ms")),
		cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(p, "system_ms")),
		cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(p, "voluntary_switches")) +
			cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(p, "involuntary_switches")),
	};
	cJSON_Delete(s);
	return c;
}

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

/* Readers of a run: those that go through every cell are marked (the cells of JSON, JSONL
 * and CSV; junit's failing cells; score --run scores every cell again): they stream, their
 * time grows with the run by nature and is not held to the 100 ms goal. */
static const struct reader {
	const char *name;
	const char *argv[8];
	bool per_cell;
} readers[] = {
	{ "runs list", { "runs", "list", NULL }, false },
	{ "runs show", { "runs", "show", "latest", NULL }, false },
	{ "runs show --json", { "runs", "show", "latest", "--json", NULL }, false },
	{ "triangle", { "triangle", "latest", NULL }, false },
	{ "triangle --json", { "triangle", "latest", "--json", NULL }, false },
	{ "report --format md", { "report", "--format", "md", NULL }, false },
	{ "report --format text", { "report", "--format", "text", NULL }, false },
	{ "report --format html", { "report", "--format", "html", NULL }, false },
	{ "report --format junit", { "report", "--format", "junit", NULL }, true },
	{ "report --format csv --by model", { "report", "--format", "csv", "--by", "model", NULL },
	  false },
	{ "report --gate (gates)", { "report", "--format", "md", "--gate", "contains>=0.5", NULL },
	  false },
	{ "score --run (accuracy per model)", { "score", "--run", "latest", "--scorer",
	  "{\"name\": \"label\", \"labels\": [\"positive\", \"negative\"]}", NULL },
	  true },
	{ "report --format json (cells streamed)", { "report", "--format", "json", "-o", "/dev/null",
	  NULL }, true },
	{ "report --format jsonl (cells streamed)", { "report", "--format", "jsonl", "-o",
	  "/dev/null", NULL }, true },
	{ "report --format csv (cells streamed)", { "report", "--format", "csv", "-o", "/dev/null",
	  NULL }, true },
};

static void bench_size(struct fakeprov *fp, long cells, bool cached_rerun)
{
	long cases = (cells + 2) / 3;
	cells = cases * 3;
	char *dir = sl_xasprintf("n%ld", cells);
	char *data_name = sl_xasprintf("%s/bench.jsonl", dir);
	struct sl_error err = { 0 };
	char *dpath = test_path(dir);
	sl_mkdirs(dpath, &err);
	char *dataset = test_path(data_name);
	FILE *f = fopen(dataset, "w");
	for (long i = 0; f && i < cases; i++)
		fprintf(f, "{\"text\": \"review number %ld: it works, mostly\", \"label\": "
			   "\"positive\", \"reference\": \"positive\"}\n", i);
	if (!f || fclose(f) != 0) {
		fprintf(stderr, "cannot write %s\n", dataset);
		exit(99);
	}
	char *suite_name = sl_xasprintf("%s/suite.json", dir);
	char *suite = test_write_file(suite_name,
		"{\"name\": \"bench\", \"models\": [\"fake:m1\", \"fake:m2\", \"fake:m3\"], "
		"\"prompts\": [\"bench\"], \"dataset\": \"bench.jsonl\", \"concurrency\": 64, "
		"\"scorers\": [{\"name\": \"contains\", \"value\": \"pos\"}, "
		"{\"name\": \"rouge\", \"type\": \"rouge1\"}, \"levenshtein\", "
		"{\"name\": \"latency\", \"max_ms\": 1000}]}");
	char *db_name = sl_xasprintf("%s/bench.db", dir);
	char *db = test_path(db_name);
	char *p = test_path("p.json");
	struct run_result r = run_cli(db, (const char *[]){ "prompts", "add", p, NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);

	long rss;
	int status;
	double t;
	const char *store = getenv("BENCH_RUN_STORE");
	if (store && strcmp(store, "sql") == 0) {
		/* the readers only: the same shape written by SQL in a fraction of the run's time */
		int64_t t0 = sl_now_ns();
		struct sl_store *s = sl_store_open(db, 0, &err);
		if (!s) {
			fprintf(stderr, "%s\n", err.msg);
			exit(99);
		}
		fixture_bench_run(s, cases);
		sl_store_close(s);
		cached_rerun = false;
		printf("%ld cells: store written by SQL in %.1f s (BENCH_RUN_STORE=sql: no run)\n",
		       cells, (double)(sl_now_ns() - t0) / 1e9);
	} else {
		fakeprov_reset(fp);
		struct fp_cost c0 = fakeprov_cost(fp);
		t = run_measured(db, (const char *[]){ "run", suite, "-j", "64", NULL }, &rss,
				 &status);
		CHECK_INT(status, 0);
		struct fp_cost c1 = fakeprov_cost(fp);
		long reqs = fakeprov_route_count(fp, "openai.chat");
		printf("%ld cells: run %.2f s, %.0f cells/s (SQLite writes and scoring included), "
		       "%ld API requests, peak RSS %.1f MB, CPU %.3f ms per cell\n", cells, t,
		       cells / t, reqs, rss / 1024.0, cpu_s * 1000 / cells);
		double n = reqs > 0 ? (double)reqs : 1;
		printf("  fakeprov: CPU %.3f ms per request (user %.3f + system %.3f), %.2f context "
		       "switches per request\n", (c1.user_ms + c1.system_ms - c0.user_ms -
		       c0.system_ms) / n, (c1.user_ms - c0.user_ms) / n,
		       (c1.system_ms - c0.system_ms) / n, (c1.switches - c0.switches) / n);
	}
	fflush(stdout);
	const char *per_cell = getenv("BENCH_RUN_PER_CELL");
	for (size_t i = 0; i < sizeof readers / sizeof *readers; i++) {
		if (readers[i].per_cell && per_cell && strcmp(per_cell, "0") == 0)
			continue;
		t = run_measured(db, readers[i].argv, &rss, &status);
		CHECK(status == 0 || status == 1); /* a gate may fail */
		printf("  %-40s %8.1f ms, peak RSS %6.1f MB%s\n", readers[i].name, t * 1e3,
		       rss / 1024.0, readers[i].per_cell ? " (every cell)" : "");
		fflush(stdout);
	}
	if (cached_rerun) {
		fakeprov_reset(fp);
		t = run_measured(db, (const char *[]){ "run", suite, "-j", "64", NULL }, &rss,
				 &status);
		CHECK_INT(status, 0);
		printf("  fully cached rerun: %.2f s, %.0f cells/s, %ld API requests, peak RSS "
		       "%.1f MB\n", t, cells / t, fakeprov_route_count(fp, "openai.chat"),
		       rss / 1024.0);
	}
	fflush(stdout);
	if (!getenv("SHORTLIST_KEEP_TEST_DIR")) { /* a 1M-cell store is large */
		remove(db);
		remove(dataset);
	}
	free(dir);
	free(data_name);
	free(dpath);
	free(dataset);
	free(suite_name);
	free(suite);
	free(db_name);
	free(db);
	free(p);
}

/* CPU per cell of a streamed run: 32 chunks per answer, every cell stored, then scored by
 * four cheap scorers (the run scores when it ends). */
static void bench_cpu_per_cell(struct fakeprov *fp)
{
	fakeprov_set_script(fp, "{\"default\": {\"text\": \"positive because the review says it "
				"works and the writer would buy it again without a doubt so we call it "
				"positive overall\", \"chunks\": 32, \"ttft_ms\": 0, \"token_ms\": 0}}");
	struct sl_error err = { 0 };
	char *dir = test_path("cpu");
	sl_mkdirs(dir, &err);
	free(dir);
	struct sl_buf data;
	sl_buf_init(&data);
	for (int i = 0; i < 1000; i++)
		sl_buf_printf(&data, "{\"text\": \"review number %d: it works, mostly\", \"label\": "
				     "\"positive\"}\n", i);
	free(test_write_file("cpu/bench.jsonl", data.data));
	sl_buf_free(&data);
	char *suite = test_write_file("cpu/suite.json",
		"{\"name\": \"bench2\", \"models\": [\"fake:m1\", \"fake:m2\"], \"prompts\": "
		"[\"bench\"], \"dataset\": \"bench.jsonl\", \"samples\": 5, \"concurrency\": 64, "
		"\"scorers\": [{\"name\": \"label\", \"labels\": [\"positive\", \"negative\"]}, "
		"{\"name\": \"contains\", \"value\": \"works\"}, {\"name\": \"max_length\", "
		"\"max\": 500}, {\"name\": \"starts_with\", \"value\": \"positive\"}]}");
	char *db = test_path("cpu/bench.db");
	char *p = test_path("p.json");
	struct run_result r = run_cli(db, (const char *[]){ "prompts", "add", p, NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	long rss;
	int status;
	double t = run_measured(db, (const char *[]){ "run", suite, "-j", "64", "--no-cache", NULL },
				&rss, &status);
	CHECK_INT(status, 0);
	printf("streamed run, 32 chunks per answer, stored and scored (4 scorers), 10,000 cells: "
	       "%.2f s, CPU %.3f ms per cell (user+system of the shortlist process)\n", t,
	       cpu_s * 1000 / 10000);
	free(suite);
	free(db);
	free(p);
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
	free(test_write_file("p.json", "{\"name\": \"bench\", \"user\": \"Sentiment: {{text}}\"}"));
	const char *sizes = getenv("BENCH_RUN_CELLS");
	if (!sizes || !*sizes)
		sizes = "10000,100000,1000000";
	printf("suite: 3 models x 1 prompt x N/3 cases, contains + rouge1 + levenshtein + "
	       "latency, streamed, zero latency, -j 64 (sizes: %s)\n", sizes);
	bool first = true;
	for (const char *s = sizes; *s;) {
		char *end;
		long n = strtol(s, &end, 10);
		if (end == s || n < 3) {
			fprintf(stderr, "BENCH_RUN_CELLS: expected sizes like 10000,100000 at '%s'\n", s);
			exit(99);
		}
		bench_size(fp, n, first);
		first = false;
		s = *end == ',' ? end + 1 : end;
	}
	bench_cpu_per_cell(fp);
	fakeprov_stop(fp);
	free(json);
	free(cfg);
TEST_MAIN_END

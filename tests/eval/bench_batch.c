/* Benchmark: a 100,000-request batch run (`shortlist run --batch`) against fakeprov's OpenAI
 * batch API: records written to the input file, uploaded (streamed, multipart) in batches
 * of 50,000, polled, the output files downloaded and parsed line by line, every answer
 * stored and scored. Printed: wall time, cells/s, peak RSS of the shortlist process (goal:
 * at most 60 MB). $BENCH_BATCH_CELLS changes the size. Asserts only that the run succeeded
 * and that every cell came from the batch API. */
#include "test.h"

#include <sys/resource.h>
#include <sys/wait.h>

#include "eval_util.h"
#include "fakeprov_client.h"
#include "shortlist/util.h"

TEST_MAIN_BEGIN
	long cells = getenv("BENCH_BATCH_CELLS") ? atol(getenv("BENCH_BATCH_CELLS")) : 100000;
	struct fakeprov *fp = fakeprov_start("{\"batch\": {\"complete_ms\": 100}}");
	char *json = sl_xasprintf("{\"providers\": {\"fake\": {\"kind\": \"openai\", \"base_url\": "
				  "\"%s/v1\", \"api_key_env\": \"FAKE_KEY\"}}}", fp->base);
	char *dir = test_path("config/shortlist");
	struct sl_error err = { 0 };
	sl_mkdirs(dir, &err);
	free(test_write_file("config/shortlist/providers.json", json));
	setenv("FAKE_KEY", "sk-fake", 1);
	char *db = test_path("store.db");
	char *p = test_write_file("p.json", "{\"name\": \"sentiment\", \"system\": \"Answer with one "
					    "word.\", \"user\": \"Sentiment of: {{text}}\"}");
	struct run_result r = run_cli(db, (const char *[]){ "prompts", "add", p, NULL }, NULL);
	CHECK_INT(r.status, 0);
	run_result_free(&r);
	struct sl_buf csv;
	sl_buf_init(&csv);
	sl_buf_printf(&csv, "text,label\n");
	for (long i = 0; i < cells; i++)
		sl_buf_printf(&csv, "customer review number %ld of the benchmark,%s\n", i,
			      i % 2 ? "positive" : "negative");
	free(test_write_file("cases.csv", csv.data));
	sl_buf_free(&csv);
	char *suite = test_write_file("suite.json",
		"{\"name\": \"bench-batch\", \"models\": [\"fake:model-a\"], \"prompts\": "
		"[\"sentiment@1\"], \"dataset\": \"cases.csv\", \"scorers\": [{\"name\": \"label\", "
		"\"labels\": [\"positive\", \"negative\"]}]}");
	int64_t t0 = sl_now_ns();
	pid_t pid = spawn_cli(db, (const char *[]){ "run", suite, "--batch", "--no-cache", NULL },
			      NULL, "bench");
	int st = 0;
	struct rusage ru;
	wait4(pid, &st, 0, &ru);
	double t = (double)(sl_now_ns() - t0) / 1e9;
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_INT(fakeprov_route_count(fp, "openai.chat"), 0);
	long batches = fakeprov_route_count(fp, "openai.batches.create");
	CHECK_INT(db_query_int(db, "SELECT COUNT(*) FROM cells WHERE error_kind IS NULL"), cells);
	printf("batch run of %ld requests (%ld batches, OpenAI files + batches on fakeprov): "
	       "%.2f s, %.0f cells/s, peak RSS %.1f MB (goal <= 60 MB)\n", cells, batches, t,
	       cells / t, ru.ru_maxrss / 1024.0);
	fakeprov_stop(fp);
	free(suite);
	free(db);
	free(p);
	free(dir);
	free(json);
TEST_MAIN_END

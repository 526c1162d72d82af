/* Engine benchmarks against tests/fakeprov (run in its own process, so the figures below are
 * the engine's alone). Prints figures; asserts only that the requests succeeded.
 *   bench_engine a   3,000 requests, 64 in flight, 200 ms scripted latency: wall time vs
 *                    the ideal 3000 x 0.2 s / 64
 *   bench_engine b   zero latency: requests/s and CPU microseconds per request
 *   bench_engine c   peak RSS with 256 streams in flight
 *   bench_engine d   how much later than fakeprov handed out the first and last chunk the
 *                    engine's TTFT and E2E end (the window the unit tests no longer assert) */
#include "test.h"

#include <sys/resource.h>

#include <curl/curl.h>

#include "fakeprov_client.h"
#include "shortlist/engine.h"

static struct fakeprov *fp;
static int n_ok, n_fail;
static double *e2e, *lag;
static size_t n_e2e;
static int64_t submit_ns;
static char first_error[512];

static struct sl_engine *make_engine(int concurrency)
{
	char *json = sl_xasprintf(
		"{\"providers\":{\"bench\":{\"kind\":\"openai\",\"base_url\":\"%s/v1\","
		"\"api_key_env\":\"FAKE_OPENAI_KEY\",\"limits\":{\"concurrency\":%d,\"max_tries\":1}}}}",
		fp->base, concurrency);
	struct sl_engine *e = test_engine_new(json, &(struct sl_engine_options){
		.rng_seed = 1, .max_in_flight = 1024 });
	free(json);
	return e;
}

static void on_done(void *ud, const struct sl_result *r)
{
	(void)ud;
	if (r->status == SL_OK) {
		n_ok++;
		if (e2e) {
			/* done-callback time minus (queue + e2e): how late completion is noticed */
			lag[n_e2e] = (double)(sl_now_ns() - submit_ns) / 1e6 - r->queue_ms - r->e2e_ms;
			e2e[n_e2e++] = r->e2e_ms;
		}
	} else {
		if (!n_fail)
			snprintf(first_error, sizeof first_error, "%s", r->error ? r->error : "?");
		n_fail++;
	}
}

static double cpu_us(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec * 1e6 + (double)ru.ru_utime.tv_usec +
	       (double)ru.ru_stime.tv_sec * 1e6 + (double)ru.ru_stime.tv_usec;
}

/* VmHWM from /proc, not getrusage's ru_maxrss: Linux keeps ru_maxrss across execve, so
 * under meson (a Python parent) it reports Python's size, not ours. */
static long proc_status_kb(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	size_t n = strlen(field);
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, field, n) == 0 && line[n] == ':')
			kb = atol(line + n + 1);
	if (f)
		fclose(f);
	return kb;
}

static long peak_rss_kb(void)
{
	return proc_status_kb("VmHWM");
}

/* Submit n requests for model, run until all are done; returns wall seconds. */
static double run(struct sl_engine *eng, const char *model, int n, bool stream)
{
	static const struct sl_message msg[] = { { SL_ROLE_USER, "Benchmark prompt." } };
	n_ok = n_fail = 0;
	int64_t t0 = sl_now_ns();
	submit_ns = t0;
	for (int i = 0; i < n; i++) {
		struct sl_request rq = { .model = model, .messages = msg, .n_messages = 1,
					 .stream = stream, .on_done = on_done };
		sl_params_init(&rq.params);
		struct sl_error err = { 0 };
		if (!sl_engine_submit(eng, &rq, &err)) {
			fprintf(stderr, "submit: %s\n", err.msg);
			exit(1);
		}
	}
	sl_engine_run_until_idle(eng);
	double wall = (double)(sl_now_ns() - t0) / 1e9;
	if (n_fail)
		fprintf(stderr, "%d of %d failed, first: %s\n", n_fail, n, first_error);
	CHECK_INT(n_ok, n);
	return wall;
}

static int server_max_in_flight(void)
{
	cJSON *s = fakeprov_stats(fp);
	int v = s ? cJSON_GetObjectItemCaseSensitive(s, "max_in_flight")->valueint : -1;
	cJSON_Delete(s);
	return v;
}

static void bench_a(void)
{
	struct sl_engine *eng = make_engine(64);
	run(eng, "bench:warm", 64, false); /* open the 64 connections first */
	fakeprov_reset(fp);
	e2e = sl_xcalloc(3000, sizeof *e2e);
	lag = sl_xcalloc(3000, sizeof *lag);
	double wall = run(eng, "bench:lat200", 3000, false);
	double ideal = 3000 * 0.2 / 64;
	printf("bench a: 3000 requests, 64 in flight, 200 ms scripted latency: wall %.3f s, "
	       "ideal %.3f s, ratio %.4f (%+.2f%%), server saw max %d in flight; per-request "
	       "latency p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
	       wall, ideal, wall / ideal, (wall / ideal - 1) * 100, server_max_in_flight(),
	       sl_percentile(e2e, n_e2e, 50), sl_percentile(e2e, n_e2e, 99),
	       sl_percentile(e2e, n_e2e, 100));
	printf("  completion noticed after the last byte: p50 %.2f ms, p99 %.2f ms\n",
	       sl_percentile(lag, n_e2e, 50), sl_percentile(lag, n_e2e, 99));
	n_e2e = 0;
	double w2 = run(eng, "bench:lat200s", 3000, true);
	printf("bench a (streamed, first and only chunk at 200 ms): wall %.3f s, ratio %.4f "
	       "(%+.2f%%); per-request latency p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", w2,
	       w2 / ideal, (w2 / ideal - 1) * 100, sl_percentile(e2e, n_e2e, 50),
	       sl_percentile(e2e, n_e2e, 99), sl_percentile(e2e, n_e2e, 100));
	printf("  completion noticed after the last byte: p50 %.2f ms, p99 %.2f ms\n",
	       sl_percentile(lag, n_e2e, 50), sl_percentile(lag, n_e2e, 99));
	free(e2e);
	free(lag);
	e2e = NULL;
	sl_engine_free(eng);
}

static void bench_b(void)
{
	struct sl_engine *eng = make_engine(64);
	run(eng, "bench:zero", 200, false); /* warm-up: connections, allocator */
	for (int stream = 0; stream < 2; stream++) {
		int n = 10000;
		double c0 = cpu_us();
		double wall = run(eng, "bench:zero", n, stream);
		double cpu = cpu_us() - c0;
		printf("bench b: zero latency, %s, %d requests, 64 in flight: %.0f requests/s, "
		       "%.1f CPU us per request (engine process, user+sys)\n",
		       stream ? "streamed (3 chunks + usage)" : "non-streamed", n, n / wall, cpu / n);
	}
	sl_engine_free(eng);
}

static void bench_c(void)
{
	long before = peak_rss_kb();
	struct sl_engine *eng = make_engine(0);
	fakeprov_reset(fp);
	run(eng, "bench:hold", 256, true);
	int conc = server_max_in_flight();
	printf("bench c: 256 streams in flight (server saw %d at once), 40 chunks each: peak RSS "
	       "%.1f MB (VmHWM; %.1f MB before the engine started)\n", conc,
	       peak_rss_kb() / 1024.0, before / 1024.0);
	CHECK_INT(conc, 256);
	sl_engine_free(eng);
}

static struct sl_result *last_result;

static void keep_result(void *ud, const struct sl_result *r)
{
	(void)ud;
	sl_result_free(last_result);
	last_result = sl_result_dup(r);
}

static void bench_d(void)
{
	enum { N = 100 };
	struct sl_engine *eng = make_engine(1);
	static const struct sl_message msg[] = { { SL_ROLE_USER, "Benchmark prompt." } };
	double ttft[N], e2e_late[N];
	for (int i = 0; i < N; i++) {
		struct sl_request rq = { .model = "bench:timed", .messages = msg, .n_messages = 1,
					 .stream = true, .on_done = keep_result };
		sl_params_init(&rq.params);
		struct sl_error err = { 0 };
		CHECK(sl_engine_submit(eng, &rq, &err) > 0);
		sl_engine_run_until_idle(eng);
		struct fakeprov_times t;
		CHECK_INT(fakeprov_times(fp, "/v1/chat/completions", &t), 0);
		CHECK(last_result && last_result->status == SL_OK);
		ttft[i] = last_result->ttft_ms - t.first_ms;
		e2e_late[i] = last_result->e2e_ms - t.last_ms;
	}
	printf("bench d: %d streams one at a time (TTFT 150 ms, 6 chunks 25 ms apart): engine TTFT "
	       "after fakeprov handed out the first chunk p50 %.2f ms, p99 %.2f ms; E2E after the "
	       "last p50 %.2f ms, p99 %.2f ms\n", N, sl_percentile(ttft, N, 50),
	       sl_percentile(ttft, N, 99), sl_percentile(e2e_late, N, 50),
	       sl_percentile(e2e_late, N, 99));
	sl_result_free(last_result);
	last_result = NULL;
	sl_engine_free(eng);
}

int test_failures;
const char *test_current;

int main(int argc, char **argv)
{
	test_env_pin();
	setenv("FAKE_OPENAI_KEY", "sk-fake", 1);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	fp = fakeprov_start(
		"{\"models\":{"
		"\"warm\":{\"latency_ms\":50},"
		"\"lat200\":{\"latency_ms\":200,\"text\":\"ok\"},"
		"\"lat200s\":{\"ttft_ms\":200,\"text\":\"ok\"},"
		"\"zero\":{\"text\":\"one two three\"},"
		"\"hold\":{\"ttft_ms\":300,\"token_ms\":25,\"tokens\":40},"
		"\"timed\":{\"text\":\"one two three four five six\",\"ttft_ms\":150,"
		"\"token_ms\":25}}}");
	const char *which = argc > 1 ? argv[1] : "abc";
	test_current = which;
	if (strchr(which, 'c'))
		bench_c(); /* first: its peak RSS must not include the other runs */
	if (strchr(which, 'a'))
		bench_a();
	if (strchr(which, 'b'))
		bench_b();
	if (strchr(which, 'd'))
		bench_d();
	fakeprov_stop(fp);
	return test_failures ? 1 : 0;
}

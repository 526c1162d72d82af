/* Engine benchmarks against tests/fakeprov (figures printed, nothing asserted):
 *  (a) 3,000 requests, 64 in flight, 200 ms scripted latency: wall time vs the ideal
 *      3000 x 0.2 s / 64;
 *  (b) zero latency: requests/s through the engine and client CPU microseconds a request;
 *  (c) peak RSS of this process with 256 streams in flight. */
#include "test.h"

#include <sys/resource.h>

#include "fakeprov_client.h"
#include "shortlist/engine.h"
#include "shortlist/providers_config.h"

static struct fakeprov *fp;
static struct sl_providers provs;
static size_t done_ok, done_fail;

static void on_done(void *ud, const struct sl_result *r)
{
	if (r->status == SL_OK)
		done_ok++;
	else if (done_fail++ < 3)
		fprintf(stderr, "failed: %s\n", r->error);
}

static double cpu_us(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static double run(const char *model, size_t n, bool stream, size_t *peak)
{
	struct sl_engine_options o = { .providers = &provs };
	struct sl_engine *e = sl_engine_new(&o, NULL);
	static const struct sl_message msg[] = { { SL_ROLE_USER, "benchmark prompt" } };
	done_ok = done_fail = 0;
	int64_t t0 = sl_now_ns();
	for (size_t i = 0; i < n; i++) {
		struct sl_request req = { .model = model, .messages = msg, .n_messages = 1,
					  .stream = stream, .max_tries = 1, .on_done = on_done };
		sl_params_init(&req.params);
		sl_engine_submit(e, &req, NULL);
	}
	size_t pk = 0;
	while (sl_engine_perform(e) > 0) {
		if (sl_engine_in_flight(e) > pk)
			pk = sl_engine_in_flight(e);
		sl_engine_wait(e, NULL, 0, 100, NULL);
	}
	double wall = (double)(sl_now_ns() - t0) / 1e9;
	if (peak)
		*peak = pk;
	sl_engine_free(e);
	return wall;
}

TEST_MAIN_BEGIN
	fp = fakeprov_start("{\"models\":{"
			    "\"lat200\":{\"latency_ms\":200,\"ttft_ms\":200,\"text\":\"ok\"},"
			    "\"zero\":{\"text\":\"ok\"},"
			    "\"long\":{\"ttft_ms\":1500,\"token_ms\":20,\"chunks\":20,"
			    "\"text\":\"a fairly ordinary answer of some twenty words that streams out "
			    "slowly enough to keep every stream open at once\"}}}");
	char *json = sl_xasprintf("{\"providers\":{"
				  "\"b64\":{\"kind\":\"openai\",\"base_url\":\"%s/llamacpp/v1\",\"limits\":{\"concurrency\":64}},"
				  "\"b256\":{\"kind\":\"openai\",\"base_url\":\"%s/llamacpp/v1\",\"limits\":{\"concurrency\":256}}}}",
				  fp->base, fp->base);
	sl_providers_defaults(&provs);
	if (sl_providers_merge_json(&provs, json, strlen(json), "bench", NULL) != 0)
		return 1;
	free(json);

	/* (c) first, so the peak RSS is that of the 256 streams alone */
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	long before = ru.ru_maxrss;
	size_t peak = 0;
	double wall = run("b256:long", 256, true, &peak);
	getrusage(RUSAGE_SELF, &ru);
	printf("(c) 256 streams: peak in flight %zu, peak RSS %.1f MB (%.1f MB before), %.2f s, "
	       "%zu ok\n", peak, (double)ru.ru_maxrss / 1024, (double)before / 1024, wall, done_ok);

	/* (a) */
	wall = run("b64:lat200", 3000, false, NULL);
	double ideal = 3000 * 0.2 / 64;
	printf("(a) 3000 requests, 64 in flight, 200 ms latency: %.2f s (ideal %.2f s, +%.1f%%), "
	       "%zu ok, %zu failed\n", wall, ideal, (wall / ideal - 1) * 100, done_ok, done_fail);

	/* (b) */
	run("b64:zero", 500, false, NULL); /* warm the connections */
	double c0 = cpu_us();
	wall = run("b64:zero", 20000, false, NULL);
	double cpu = cpu_us() - c0;
	printf("(b) zero latency, 64 in flight: %.0f requests/s, %.1f us client CPU a request "
	       "(%zu ok, %zu failed)\n", 20000 / wall, cpu / 20000, done_ok, done_fail);
	c0 = cpu_us();
	wall = run("b64:zero", 5000, true, NULL);
	cpu = cpu_us() - c0;
	printf("    streamed: %.0f requests/s, %.1f us client CPU a request\n", 5000 / wall,
	       cpu / 5000);

	sl_providers_free(&provs);
	fakeprov_stop(fp);
TEST_MAIN_END

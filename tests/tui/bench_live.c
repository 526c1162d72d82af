/* Live-run benchmarks (suite bench): figures printed, nothing asserted about time.
 *  - a 10,000-cell run (2 models x 5,000 cases, 64 requests in flight) headless against
 *    fakeprov: wall time, CPU of the TUI process, peak RSS;
 *  - the real terminal path in a pty while 64 streams are in flight (each answer streams
 *    20 chunks 10 ms apart): key-to-screen latency (a key moves the matrix cursor; the time
 *    until the status line shows the new case) and the TUI's CPU over the run. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fakeprov_client.h"
#include "pty_harness.h"
#include "shortlist/util.h"
#include "test.h"
#include "tui_harness.h"

static const char *bin;
static struct fakeprov *fp;

static void write_suite(const char *name, int cases)
{
	struct sl_buf csv;
	sl_buf_init(&csv);
	sl_buf_puts(&csv, "text,label\n");
	for (int i = 0; i < cases; i++)
		sl_buf_printf(&csv, "review number %d,positive\n", i);
	char file[64];
	snprintf(file, sizeof file, "%s.csv", name);
	free(test_write_file(file, csv.data));
	sl_buf_free(&csv);
	char *suite = sl_xasprintf(
		"{\"name\": \"%s\", \"models\": [\"fake:m1\", \"fake:m2\"], \"prompts\": "
		"[\"p@1\"], \"dataset\": \"%s\", \"concurrency\": 64}", name, file);
	snprintf(file, sizeof file, "%s.json", name);
	free(test_write_file(file, suite));
	free(suite);
}

static char *prepare_db(const char *template_db, const char *name)
{
	char *db = test_path(name);
	remove(db);
	if (harness_copy(template_db, db) != 0)
		exit(99);
	char *p = test_write_file("p.json", "{\"name\": \"p\", \"user\": \"Sentiment: {{text}}\"}");
	char *argv[] = { (char *)bin, "--db", db, "prompts", "add", p, NULL };
	char *out = NULL, *err = NULL;
	if (harness_run(argv, &out, &err, NULL) != 0) {
		fprintf(stderr, "prompts add failed: %s\n", err ? err : "");
		exit(99);
	}
	free(out);
	free(err);
	free(p);
	return db;
}

static void bench_headless_10k(const char *template_db)
{
	fakeprov_set_script(fp, "{\"default\": {\"text\": \"positive\"}}");
	write_suite("big", 5000);
	char *db = prepare_db(template_db, "big.db");
	char *keys = test_write_file("big.keys", "3<Colon>open big.json<Enter>\n<Enter>\n"
						 ":wait run 1 finished\n");
	char *argv[] = { (char *)bin, "--db", db, "tui", "--script", keys, "--size", "120x40", NULL };
	char *out = NULL, *err = NULL;
	struct rusage ru;
	double t0 = harness_ms();
	int rc = harness_run(argv, &out, &err, &ru);
	double wall = harness_ms() - t0;
	double cpu = ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 + ru.ru_stime.tv_sec * 1e3 +
		     ru.ru_stime.tv_usec / 1e3;
	if (rc != 0)
		fprintf(stderr, "headless run failed (%d): %s\n%s", rc, err ? err : "", out ? out : "");
	printf("live run, 10,000 cells, 64 in flight, headless (renders after every wake-up): "
	       "%.0f ms wall, CPU %.0f%% of one core, peak RSS %.1f MB\n",
	       wall, 100 * cpu / wall, ru.ru_maxrss / 1024.0);
	free(out);
	free(err);
	free(keys);
	free(db);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double proc_cpu_ms(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');
	unsigned long ut = 0, st = 0;
	/* after ") S": fields 4..; utime is field 14, stime 15 */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

static void bench_pty_latency(const char *template_db)
{
	fakeprov_set_script(fp, "{\"default\": {\"tokens\": 20, \"token_ms\": 10, \"ttft_ms\": 50}}");
	write_suite("stream", 3000);
	char *db = prepare_db(template_db, "stream.db");
	char *argv[] = { (char *)bin, "--db", db, "tui", NULL };
	struct pty_session s;
	if (pty_start(&s, argv, 40, 120) != 0)
		exit(99);
	pty_wait_text(&s, "Released", 1, 10000);
	pty_send(&s, "3:open stream.json\r");
	pty_wait_text(&s, "Enter start the run", -1, 10000);
	pty_send(&s, "\r");
	if (!pty_wait_text(&s, "elapsed", -1, 10000)) {
		char *scr = pty_screen(&s);
		fprintf(stderr, "the run did not start:\n%s\n", scr);
		free(scr);
	}
	double cpu0 = proc_cpu_ms(s.pid), t0 = harness_ms();
	double lat[40];
	int n = 0;
	for (int i = 0; i < 40; i++) {
		char want[32];
		snprintf(want, sizeof want, "case %d:", i + 2);
		double k0 = harness_ms();
		pty_send(&s, "l");
		if (!pty_wait_text(&s, want, 38, 5000)) {
			char *scr = pty_screen(&s);
			fprintf(stderr, "key %d: the screen did not show '%s':\n%s\n", i, want, scr);
			free(scr);
			break;
		}
		lat[n++] = harness_ms() - k0;
	}
	double cpu1 = proc_cpu_ms(s.pid), t1 = harness_ms();
	char *screen = pty_screen(&s);
	bool still_live = strstr(screen, "live") != NULL;
	free(screen);
	qsort(lat, (size_t)n, sizeof *lat, cmp_double);
	if (n)
		printf("key-to-screen with 64 streams in flight (pty, %d keys%s): p50 %.1f ms, max "
		       "%.1f ms; TUI CPU meanwhile %.0f%% of one core\n",
		       n, still_live ? "" : ", the run ended during the keys", lat[n / 2], lat[n - 1],
		       100 * (cpu1 - cpu0) / (t1 - t0));
	pty_send(&s, "Qy");
	pty_wait_exit(&s, 10000);
	pty_free(&s);
	free(db);
}

int test_failures;
const char *test_current;

int main(int argc, char **argv)
{
	test_env_pin();
	if (argc < 2) {
		fprintf(stderr, "usage: bench_live PATH-TO-SHORTLIST\n");
		return 2;
	}
	static char abs_bin[4096];
	if (!realpath(argv[1], abs_bin))
		return 99;
	bin = abs_bin;
	char *template_db = harness_template_db(bin);
	fp = fakeprov_start(NULL);
	char *json = sl_xasprintf("{\"providers\": {\"fake\": {\"kind\": \"openai\", \"base_url\": "
				  "\"%s/v1\", \"api_key_env\": \"FAKE_KEY\"}}}", fp->base);
	struct sl_error err = { 0 };
	char *dir = test_path("config/shortlist");
	sl_mkdirs(dir, &err);
	free(dir);
	free(test_write_file("config/shortlist/providers.json", json));
	free(json);
	setenv("FAKE_KEY", "sk-fake", 1);
	if (chdir(test_env_pin()) != 0)
		return 99;
	bench_headless_10k(template_db);
	bench_pty_latency(template_db);
	fakeprov_stop(fp);
	free(template_db);
	return 0;
}

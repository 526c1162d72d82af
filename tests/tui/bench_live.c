/* Live-run benchmarks (suite bench): figures printed, nothing asserted about time.
 *  - a 10,000-cell run (2 models x 5,000 cases, 64 requests in flight) headless against
 *    fakeprov: wall time, CPU of the TUI process, peak RSS;
 *  - the real terminal path in a pty while 64 streams are in flight, per screen in front
 *    (Run matrix, Scorecard, Charts; Compare with four columns streaming), over a window of
 *    a few seconds: the TUI's CPU (/proc/PID/stat), frames sent to the terminal per second
 *    and the longest gap between two (SHORTLIST_FRAME_LOG), bytes written to the terminal
 *    per second (what "redraw only what changed" costs), key-to-screen latency (a key every
 *    100 ms; the time until the pty shows its effect, and the part of it inside the TUI),
 *    the process's peak RSS, and the TTFT it stored next to `shortlist run`'s for the same
 *    suite (the TUI reads the network in batches of TUI_NET_BATCH_MS). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fakeprov_client.h"
#include "pty_harness.h"
#include "shortlist/store.h"
#include "shortlist/util.h"
#include "test.h"
#include "tui_harness.h"

static const char *bin;
static struct fakeprov *fp;

static void write_suite(const char *name, int cases, int models)
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
	static const char *const model_list[] = { "", "\"fake:m1\"", "\"fake:m1\", \"fake:m2\"",
						   "", "\"fake:m1\", \"fake:m2\", \"fake:m3\", \"fake:m4\"" };
	char *suite = sl_xasprintf(
		"{\"name\": \"%s\", \"models\": [%s], \"prompts\": "
		"[\"p@1\"], \"dataset\": \"%s\", \"concurrency\": 64}", name, model_list[models],
		file);
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
	write_suite("big", 5000, 2);
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

/* The frames the TUI sent to the terminal (SHORTLIST_FRAME_LOG: per line the CLOCK_MONOTONIC
 * ns it was sent, the clock harness_ms reads, when the loop woke to the key it answers (0
 * for live data) and how long rendering and sending it took), in ms. */
struct frame {
	double sent, woke, draw;
};

static struct frame *read_frame_log(const char *path, size_t *n)
{
	*n = 0;
	char *text = sl_read_file(path, NULL, NULL);
	if (!text)
		return NULL;
	size_t cap = 1024;
	struct frame *f = sl_xcalloc(cap, sizeof *f);
	for (char *p = text; *p;) {
		char *end;
		long long sent = strtoll(p, &end, 10), woke = strtoll(end, &p, 10);
		if (end == text || p == end)
			break;
		long long draw = strtoll(p, &p, 10);
		if (*n == cap)
			f = sl_xrealloc(f, (cap *= 2) * sizeof *f);
		f[(*n)++] = (struct frame){ (double)sent / 1e6, (double)woke / 1e6, (double)draw / 1e6 };
		p += *p == '\n';
	}
	free(text);
	return f;
}

/* One screen measured over a window while the run streams. */
struct window {
	const char *name;
	double t0, t1, cpu_ms;
	unsigned long long bytes;
	double lat[128];
	int n_lat;
};

/* The i-th key of a screen and the text (on row) that shows its effect: its appearing, or
 * with *absent its going. */
typedef void (*key_fn)(int i, char *key, char *want, size_t wn, int *row, bool *absent,
		       void *ud);

static bool wait_gone(struct pty_session *s, const char *text, int row, int timeout_ms)
{
	double deadline = harness_ms() + timeout_ms;
	for (;;) {
		char *r = pty_row(s, row);
		bool gone = !strstr(r, text);
		free(r);
		if (gone)
			return true;
		if (harness_ms() > deadline || !pty_pump(s, (int)(deadline - harness_ms()) + 1)) {
			fprintf(stderr, "timed out waiting for \"%s\" to go from row %d\n", text, row);
			return false;
		}
	}
}

#define WINDOW_MS 3000
#define KEY_EVERY_MS 100
#define STATUS_ROW 38 /* at 120x40: the status line; the key hints are on row 39 */
#define HINTS_ROW 39

static void measure(struct pty_session *s, struct window *w, key_fn next_key, void *ud)
{
	w->n_lat = 0;
	w->t0 = harness_ms();
	double cpu0 = proc_cpu_ms(s->pid);
	unsigned long long b0 = s->bytes_read;
	double due = w->t0 + KEY_EVERY_MS / 2;
	for (;;) {
		double now = harness_ms();
		if (now >= w->t0 + WINDOW_MS)
			break;
		if (now < due) {
			pty_pump(s, (int)(due - now) + 1);
			continue;
		}
		char key[8], want[256];
		int row = -1;
		bool absent = false;
		next_key(w->n_lat, key, want, sizeof want, &row, &absent, ud);
		double k0 = harness_ms();
		pty_send(s, key);
		if (absent ? !wait_gone(s, want, row, 5000) : !pty_wait_text(s, want, row, 5000))
			break;
		double k1 = harness_ms();
		if (w->n_lat < (int)SL_ARRAY_LEN(w->lat))
			w->lat[w->n_lat++] = k1 - k0;
		due = k1 + KEY_EVERY_MS;
	}
	w->t1 = harness_ms();
	w->cpu_ms = proc_cpu_ms(s->pid) - cpu0;
	w->bytes = s->bytes_read - b0;
}

static void print_quantiles(const double *v, int k)
{
	double sorted[128];
	memcpy(sorted, v, (size_t)k * sizeof *sorted);
	qsort(sorted, (size_t)k, sizeof *sorted, cmp_double);
	printf("p50 %.1f ms, p95 %.1f ms, max %.1f ms", sorted[k / 2],
	       sorted[(k * 95 + 99) / 100 - 1], sorted[k - 1]);
}

static void report(const struct window *w, const struct frame *frames, size_t n_frames)
{
	double secs = (w->t1 - w->t0) / 1000;
	size_t n = 0;
	double prev = -1, gap = 0, inside[128], draw[128];
	int n_inside = 0, n_draw = 0;
	for (size_t i = 0; i < n_frames; i++) {
		double t = frames[i].sent;
		if (t < w->t0 || t > w->t1)
			continue;
		n++;
		if (prev >= 0 && t - prev > gap)
			gap = t - prev;
		prev = t;
		if (frames[i].woke > 0 && n_inside < (int)SL_ARRAY_LEN(inside))
			inside[n_inside++] = t - frames[i].woke;
		else if (frames[i].woke == 0 && n_draw < (int)SL_ARRAY_LEN(draw))
			draw[n_draw++] = frames[i].draw;
	}
	printf("  %s:\n    CPU %.0f%% of one core, %.1f frames/s (longest gap %.0f ms), %.1f KB/s to "
	       "the terminal\n",
	       w->name, 100 * w->cpu_ms / (w->t1 - w->t0), (double)n / secs, gap,
	       (double)w->bytes / 1024 / secs);
	if (w->n_lat) {
		printf("    key to screen (%d keys): ", w->n_lat);
		print_quantiles(w->lat, w->n_lat);
		printf("\n");
	}
	if (n_inside) {
		printf("    of which inside the TUI, wake-up to frame written: ");
		print_quantiles(inside, n_inside);
		printf("\n");
	}
	if (n_draw) {
		printf("    rendering and sending a frame of live data: ");
		print_quantiles(draw, n_draw);
		printf("\n");
	}
}

/* Run matrix: l moves the cursor one case right; the status line names the case. */
static void run_key(int i, char *key, char *want, size_t wn, int *row, bool *absent, void *ud)
{
	(void)absent;
	int *first = ud;
	strcpy(key, "l");
	snprintf(want, wn, "case %d:", *first + i + 1);
	*row = STATUS_ROW;
}

/* Compare: n and p step between the first two cases, both streaming. */
static void compare_key(int i, char *key, char *want, size_t wn, int *row, bool *absent,
			void *ud)
{
	(void)ud;
	(void)absent;
	strcpy(key, i % 2 ? "p" : "n");
	snprintf(want, wn, "case %d of", i % 2 ? 1 : 2);
	*row = STATUS_ROW;
}

/* Any screen: ? opens the help and closes it again; the help's key hints (the last row)
 * show "Esc close", the screen's do not. */
#define HELP_HINT "Esc close"

static void toggle_key(int i, char *key, char *want, size_t wn, int *row, bool *absent,
		       void *ud)
{
	(void)ud;
	strcpy(key, "?");
	snprintf(want, wn, "%s", HELP_HINT);
	*row = HINTS_ROW;
	*absent = i % 2;
}

static void pump_for(struct pty_session *s, double ms)
{
	double end = harness_ms() + ms;
	while (harness_ms() < end)
		pty_pump(s, (int)(end - harness_ms()) + 1);
}

/* TTFT as stored for the cells of db (median, mean), to see what reading the network in
 * batches costs the TUI's timings next to `shortlist run`. */
static void print_ttft(const char *who, const char *db)
{
	struct sl_error err = { 0 };
	struct sl_store *st = sl_store_open(db, SL_STORE_READONLY, &err);
	if (!st)
		return;
	sqlite3_stmt *q;
	double sum = 0, *v = NULL;
	size_t n = 0, cap = 0;
	if (sqlite3_prepare_v2(sl_store_db(st), "SELECT ttft_ms FROM cells WHERE ttft_ms IS NOT "
				"NULL ORDER BY ttft_ms", -1, &q, NULL) == SQLITE_OK) {
		while (sqlite3_step(q) == SQLITE_ROW) {
			if (n == cap)
				v = sl_xrealloc(v, (cap = cap ? cap * 2 : 1024) * sizeof *v);
			v[n] = sqlite3_column_double(q, 0);
			sum += v[n++];
		}
		sqlite3_finalize(q);
	}
	if (n)
		printf("  TTFT stored by %s (fakeprov waits 50 ms): p50 %.1f ms, mean %.1f ms over "
		       "%zu cells\n", who, v[n / 2], sum / (double)n, n);
	free(v);
	sl_store_close(st);
}

/* The same suite shape run by `shortlist run` (reads the network at once), 1,000 cells. */
static void bench_cli_ttft(const char *template_db)
{
	fakeprov_set_script(fp, "{\"default\": {\"tokens\": 20, \"token_ms\": 10, \"ttft_ms\": 50}}");
	write_suite("cli", 500, 2);
	char *db = prepare_db(template_db, "cli.db");
	char *argv[] = { (char *)bin, "--db", db, "run", "cli.json", NULL };
	char *out = NULL, *err = NULL;
	if (harness_run(argv, &out, &err, NULL) != 0)
		fprintf(stderr, "shortlist run failed: %s\n", err ? err : "");
	else
		print_ttft("shortlist run", db);
	free(out);
	free(err);
	free(db);
}

/* A TUI in a pty (120x40) logging its frames, running the suite NAME.json (models x cases,
 * answers as the fakeprov script says) from a fresh store. */
struct session {
	struct pty_session pty;
	char *db, *log;
};

static void session_start(struct session *ss, const char *template_db, const char *name,
			  int cases, int models, const char *script)
{
	fakeprov_set_script(fp, script);
	write_suite(name, cases, models);
	char file[64];
	snprintf(file, sizeof file, "%s.db", name);
	ss->db = prepare_db(template_db, file);
	snprintf(file, sizeof file, "frames-%s.log", name);
	ss->log = test_path(file);
	char *argv[] = { (char *)bin, "--db", ss->db, "tui", NULL };
	char *env_log = sl_xasprintf("SHORTLIST_FRAME_LOG=%s", ss->log);
	const char *env[] = { env_log, NULL };
	if (pty_start_env(&ss->pty, argv, env, 40, 120) != 0)
		exit(99);
	free(env_log);
	struct pty_session *s = &ss->pty;
	pty_wait_text(s, "Released", 1, 10000);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "3:open %s.json\r", name);
	pty_send(s, cmd);
	bool started = pty_wait_text(s, "Enter start the run", -1, 10000);
	if (started) {
		pty_send(s, "\r");
		started = pty_wait_text(s, "elapsed", -1, 10000);
	}
	if (!started) {
		fprintf(stderr, "%s: the run did not start\n", name);
		exit(1);
	}
}

/* Whether text is still on the screen (the run still streaming), then quit and report. */
static void session_finish(struct session *ss, const char *live_text, const char *what,
			   struct window *w, int n_w)
{
	struct pty_session *s = &ss->pty;
	char *screen = pty_screen(s);
	bool live = strstr(screen, live_text) != NULL;
	free(screen);
	printf("64 streams in flight (pty 120x40, %s%s), %d s per screen:\n", what,
	       live ? "" : "; THE STREAMS ENDED during the windows", WINDOW_MS / 1000);
	pty_send(s, "Qy");
	pty_wait_exit(s, 20000);
	size_t n_frames;
	struct frame *frames = read_frame_log(ss->log, &n_frames);
	for (int i = 0; i < n_w; i++)
		report(&w[i], frames, n_frames);
	printf("  peak RSS of the TUI process: %.1f MB\n", s->usage.ru_maxrss / 1024.0);
	print_ttft("the TUI", ss->db);
	free(frames);
	pty_free(s);
	free(ss->db);
	free(ss->log);
}

/* 2 models x 3,000 cases, each answer 20 chunks 10 ms apart: a steady 64 streams, cells
 * finishing at about 250 a second, while the Run matrix, Scorecard and Charts are in front. */
static void bench_pty_screens(const char *template_db)
{
	struct session ss;
	session_start(&ss, template_db, "stream", 3000, 2,
		      "{\"default\": {\"tokens\": 20, \"token_ms\": 10, \"ttft_ms\": 50}}");
	struct pty_session *s = &ss.pty;
	struct window w[3] = { { .name = "Run matrix (l moves the cursor)" },
			       { .name = "Scorecard (? opens/closes help)" },
			       { .name = "Charts (? opens/closes help)" } };
	pump_for(s, 500);
	int first = 1;
	measure(s, &w[0], run_key, &first);
	static const char *const go[] = { "5", "6" };
	for (int i = 0; i < 2; i++) {
		pty_send(s, go[i]);
		pump_for(s, 500);
		measure(s, &w[i + 1], toggle_key, NULL);
	}
	session_finish(&ss, "live", "2 models x 3,000 cases, 20 chunks 10 ms apart", w, 3);
}

/* 4 models x 16 cases: all 64 answers stream at once (500 chunks 10 ms apart, 5 s), so the
 * Compare screen's four columns all grow during the window. */
static void bench_pty_compare(const char *template_db)
{
	struct session ss;
	session_start(&ss, template_db, "cmp", 16, 4,
		      "{\"default\": {\"tokens\": 500, \"token_ms\": 10, \"ttft_ms\": 50}}");
	struct pty_session *s = &ss.pty;
	struct window w = { .name = "Compare (4 columns streaming, n/p)" };
	pty_send(s, "4");
	if (pty_wait_text(s, "streaming", -1, 10000)) {
		pump_for(s, 300);
		measure(s, &w, compare_key, NULL);
	}
	session_finish(&ss, "streaming", "4 models x 16 cases, 500 chunks 10 ms apart", &w, 1);
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
	bench_pty_screens(template_db);
	bench_cli_ttft(template_db);
	bench_pty_compare(template_db);
	fakeprov_stop(fp);
	free(template_db);
	return 0;
}

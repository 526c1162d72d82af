/* Benchmark: the growth curve of a run. For each size (cells; default 10,000, 100,000 and
 * 1,000,000, or the comma-separated $BENCH_RUN_CELLS), a fresh store gets a `shortlist run`
 * against fakeprov at zero latency, -j 64, streamed: 3 models x 1 prompt x N/3 cases, scored
 * with contains, rouge1, levenshtein and latency. Printed per size: wall time, cells/s (SQLite
 * writes and the end-of-run scoring included), peak RSS and CPU of the run (and fakeprov's
 * CPU and context switches per request), then each reader of that run twice (first and
 * second read; CLI readers each as its own process, so process start is included), and the
 * first frame of the TUI's Runs, Scorecard and Charts screens (in process). Then one table, a row per size and the ratio of the last size to the first
 * per column: the growth curve (issue 15 item 4). Then the fully cached rerun at the first
 * size, and the CPU time per cell of a streamed, stored and scored run (32-chunk answers,
 * four cheap scorers).
 * BENCH_RUN_STORE=sql writes each store by SQL instead of running it (the readers' figures
 * in minutes rather than the quarter hour a 1M-cell run takes; no cells/s nor RSS then);
 * BENCH_RUN_PER_CELL=0 skips the readers that go through every cell.
 * Prints figures; asserts only that every command succeeded. */
#include "test.h"

#include <sys/resource.h>
#include <sys/wait.h>

#include "../report/fixture.h"
#include "../tui/bench_frames.h"
#include "eval_util.h"
#include "fakeprov_client.h"
#include "shortlist/runs.h"
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
 * time grows with the run by nature and is not held to the 100 ms goal. col: the reader's
 * column in the growth table (the others are printed, not tabled). */
static const struct reader {
	const char *name;
	const char *argv[8];
	bool per_cell;
	const char *col;
} readers[] = {
	/* what every process pays before it reads anything, for scale */
	{ "process start (--version)", { "--version", NULL }, false, "start" },
	{ "runs list", { "runs", "list", NULL }, false, "runs list" },
	{ "runs show", { "runs", "show", "latest", NULL }, false, "runs show" },
	{ "runs show --json", { "runs", "show", "latest", "--json", NULL }, false, NULL },
	{ "triangle", { "triangle", "latest", NULL }, false, "triangle" },
	{ "triangle --json", { "triangle", "latest", "--json", NULL }, false, NULL },
	{ "report --format md", { "report", "--format", "md", NULL }, false, "md" },
	{ "report --format text", { "report", "--format", "text", NULL }, false, "text" },
	{ "report --format html", { "report", "--format", "html", NULL }, false, "html" },
	{ "report --format junit", { "report", "--format", "junit", NULL }, true, NULL },
	{ "report --format csv --by model", { "report", "--format", "csv", "--by", "model", NULL },
	  false, "csv by model" },
	{ "report --gate (gates)", { "report", "--format", "md", "--gate", "contains>=0.5", NULL },
	  false, "gates" },
	{ "score --run (accuracy per model)", { "score", "--run", "latest", "--scorer",
	  "{\"name\": \"label\", \"labels\": [\"positive\", \"negative\"]}", NULL },
	  true, NULL },
	{ "report --format json (cells streamed)", { "report", "--format", "json", "-o", "/dev/null",
	  NULL }, true, NULL },
	{ "report --format jsonl (cells streamed)", { "report", "--format", "jsonl", "-o",
	  "/dev/null", NULL }, true, NULL },
	{ "report --format csv (cells streamed)", { "report", "--format", "csv", "-o", "/dev/null",
	  NULL }, true, NULL },
};

/* score --run on a store written by SQL: its cells have no label, their expected answer is
 * "yes" (the label scorer above would find nothing to classify). */
static const char *const score_by_sql[] = { "score", "--run", "latest", "--scorer",
	"{\"name\": \"label\", \"labels\": [\"yes\", \"no\"], \"field\": \"expected\"}",
	NULL };

/* The TUI's screens of a run, each its first frame from a fresh app. */
static const struct screen {
	const char *name, *col;
	enum tui_screen screen;
} screens[] = {
	{ "TUI Runs: first frame", "TUI Runs", TUI_SCREEN_RUNS },
	{ "TUI Scorecard: first frame", "TUI Scorecard", TUI_SCREEN_SCORECARD },
	{ "TUI Charts: load and draw, first frame", "TUI Charts", TUI_SCREEN_CHARTS },
};

/* The growth table: a row per size, the first read's wall and CPU ms per column. */
enum { MAX_SIZES = 8, MAX_COLS = 16 };
static struct growth_row {
	long cells;
	double cells_s, rss_mb; /* NAN: the store was written by SQL */
	double wall[MAX_COLS], cpu[MAX_COLS];
} growth[MAX_SIZES];
static size_t n_growth;
static const char *cols[MAX_COLS];
static size_t n_cols;

static size_t col_of(const char *name)
{
	size_t i = 0;
	while (i < n_cols && strcmp(cols[i], name) != 0)
		i++;
	if (i == n_cols && n_cols < MAX_COLS)
		cols[n_cols++] = name;
	return i < MAX_COLS ? i : MAX_COLS - 1;
}

static void table_put(struct growth_row *g, const char *col, double wall, double cpu)
{
	size_t i = col_of(col);
	g->wall[i] = wall;
	g->cpu[i] = cpu;
}

/* 10002 -> "10k", 1000002 -> "1M" */
static void size_label(long n, char out[32])
{
	if (n >= 1000000)
		snprintf(out, 32, "%.3gM", n / 1e6);
	else if (n >= 1000)
		snprintf(out, 32, "%.3gk", n / 1e3);
	else
		snprintf(out, 32, "%ld", n);
}

static void print_growth(void)
{
	if (!n_growth)
		return;
	printf("\ngrowth curve: each reader's first read after the run, wall ms (CPU ms). CLI "
	       "readers: a process each (process start included); TUI: in process, a fresh app\n"
	       "| cells | cells/s | peak RSS |");
	for (size_t c = 0; c < n_cols; c++)
		printf(" %s |", cols[c]);
	printf("\n|---|---|---|");
	for (size_t c = 0; c < n_cols; c++)
		printf("---|");
	printf("\n");
	for (size_t r = 0; r < n_growth; r++) {
		const struct growth_row *g = &growth[r];
		printf("| %ld |", g->cells);
		if (isnan(g->cells_s))
			printf(" (SQL) | (SQL) |");
		else
			printf(" %.0f | %.1f MB |", g->cells_s, g->rss_mb);
		for (size_t c = 0; c < n_cols; c++)
			printf(" %.1f (%.1f) |", g->wall[c], g->cpu[c]);
		printf("\n");
	}
	if (n_growth < 2)
		return;
	const struct growth_row *a = &growth[0], *b = &growth[n_growth - 1];
	char la[32], lb[32];
	size_label(a->cells, la);
	size_label(b->cells, lb);
	printf("| %s / %s |", lb, la);
	if (isnan(a->cells_s) || isnan(b->cells_s))
		printf(" - | - |");
	else
		printf(" %.2f | %.2f |", b->cells_s / a->cells_s, b->rss_mb / a->rss_mb);
	for (size_t c = 0; c < n_cols; c++)
		printf(" %.2f (%.2f) |", b->wall[c] / a->wall[c], b->cpu[c] / a->cpu[c]);
	printf("\n");
}

/* The TUI's screens on the latest run of db, in this process. */
static void bench_screens(const char *db, struct growth_row *g)
{
	struct sl_error err = { 0 };
	struct sl_store *s = sl_store_open(db, 0, &err);
	int64_t run;
	if (!s || sl_run_resolve(s, "latest", &run, &err) != 0) {
		fprintf(stderr, "%s: %s\n", db, err.msg);
		exit(99);
	}
	for (size_t i = 0; i < SL_ARRAY_LEN(screens); i++) {
		double cpu, cpu2;
		double t = bench_first_frame(s, run, screens[i].screen, NULL, 0, &cpu);
		double t2 = bench_first_frame(s, run, screens[i].screen, NULL, 0, &cpu2);
		printf("  %-40s first %8.1f ms (CPU %6.1f), second %8.1f ms (CPU %6.1f)\n",
		       screens[i].name, t, cpu, t2, cpu2);
		fflush(stdout);
		table_put(g, screens[i].col, t, cpu);
	}
	sl_store_close(s);
}

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
	struct growth_row *g = n_growth < MAX_SIZES ? &growth[n_growth++] : &growth[MAX_SIZES - 1];
	*g = (struct growth_row){ .cells = cells, .cells_s = NAN, .rss_mb = NAN };
	const char *store = getenv("BENCH_RUN_STORE");
	bool by_sql = store && strcmp(store, "sql") == 0;
	if (by_sql) {
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
		printf("%ld cells: store written by SQL, and kept as a run's end keeps, in %.1f s "
		       "(BENCH_RUN_STORE=sql: no run)\n", cells, (double)(sl_now_ns() - t0) / 1e9);
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
		g->cells_s = cells / t;
		g->rss_mb = rss / 1024.0;
	}
	fflush(stdout);
	const char *per_cell = getenv("BENCH_RUN_PER_CELL");
	for (size_t i = 0; i < sizeof readers / sizeof *readers; i++) {
		if (readers[i].per_cell && per_cell && strcmp(per_cell, "0") == 0)
			continue;
		const char *const *argv = readers[i].argv;
		if (by_sql && strcmp(argv[0], "score") == 0)
			argv = score_by_sql;
		t = run_measured(db, argv, &rss, &status);
		CHECK(status == 0 || status == 1); /* a gate may fail */
		double cpu = cpu_s;
		if (readers[i].per_cell) {
			printf("  %-40s %8.1f ms (CPU %8.1f, %.2f us a cell), peak RSS %6.1f MB "
			       "(every cell)\n", readers[i].name, t * 1e3, cpu * 1e3,
			       cpu * 1e6 / (double)cells, rss / 1024.0);
			fflush(stdout);
			continue;
		}
		long rss2;
		double t2 = run_measured(db, readers[i].argv, &rss2, &status);
		printf("  %-40s first %8.1f ms (CPU %6.1f), second %8.1f ms (CPU %6.1f), peak RSS "
		       "%5.1f MB\n", readers[i].name, t * 1e3, cpu * 1e3, t2 * 1e3, cpu_s * 1e3,
		       rss / 1024.0);
		fflush(stdout);
		if (readers[i].col)
			table_put(g, readers[i].col, t * 1e3, cpu * 1e3);
	}
	bench_screens(db, g);
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
	print_growth();
	bench_cpu_per_cell(fp);
	fakeprov_stop(fp);
	free(json);
	free(cfg);
TEST_MAIN_END

/* Benchmark (suite bench): every reader of a run at 10k, 100k and 1M cells (or the
 * comma-separated $BENCH_RUN_CELLS), in process, on a store written by SQL (fixture_bulk:
 * 3 models x 1 prompt x N/3 cases, four scores per successful cell, as bench_run's suite):
 * runs list, runs show, the run view (scorecard, triangle, gates), the reports that do not
 * list every cell, the charts' box plots, then the per-cell outputs with their peak RSS
 * growth. Each reader is timed cold (the first read after the run was written and ended:
 * the fixture keeps what a run's end keeps) and warm (best of 3). Prints figures; asserts
 * only that every reader succeeded. */
#include "test.h"

#include <math.h>
#include <sys/resource.h>

#include "fixture.h"
#include "shortlist/pipeline.h"
#include "shortlist/report.h"
#include "shortlist/runs.h"
#include "shortlist/scorecard.h"

static struct sl_store *store;
static int64_t run;

static void must(int rc, struct sl_error *err, const char *what)
{
	if (rc != 0) {
		fprintf(stderr, "%s: %s\n", what, err->msg);
		exit(1);
	}
}

static void read_list(void)
{
	struct sl_error err = { 0 };
	struct sl_run *runs;
	size_t n;
	must(sl_runs_list(store, 20, &runs, &n, &err), &err, "runs list");
	sl_runs_free(runs, n);
}

static void read_show(void)
{
	struct sl_error err = { 0 };
	struct sl_run r;
	must(sl_run_get(store, run, &r, &err), &err, "runs show");
	sl_run_free(&r);
}

static void read_view(void)
{
	struct sl_error err = { 0 };
	char *gates[] = { "contains>=0.5", "model=fake:m1:p95_latency<=2s" };
	struct sl_run_view_options vo = { .gates = gates, .n_gates = 2 };
	struct sl_run_view v;
	must(sl_run_view_build(store, run, &vo, &v, &err), &err, "run view");
	sl_run_view_free(&v);
}

static void report(enum sl_report_format format, bool by_model)
{
	struct sl_error err = { 0 };
	struct sl_report_options ro = { .format = format, .csv_per_model = by_model,
					.weights = sl_tri_weights_default() };
	FILE *f = fopen("/dev/null", "w");
	must(sl_report_write(store, run, &ro, f, &err), &err, "report");
	fclose(f);
}

static void read_md(void) { report(SL_REPORT_MD, false); }
static void read_html(void) { report(SL_REPORT_HTML, false); }
static void read_csv_model(void) { report(SL_REPORT_CSV, true); }
static void read_jsonl(void) { report(SL_REPORT_JSONL, false); }
static void read_json(void) { report(SL_REPORT_JSON, false); }
static void read_csv(void) { report(SL_REPORT_CSV, false); }
static void read_junit(void) { report(SL_REPORT_JUNIT, false); }

/* The Charts screen's numbers: the scorecard, then each model's latency and TTFT box plot. */
static void read_charts(void)
{
	struct sl_error err = { 0 };
	struct sl_scorecard sc;
	must(sl_scorecard_build(store, run, &sc, &err), &err, "scorecard");
	for (size_t m = 0; m < sc.n_models; m++) {
		struct sl_dist d;
		must(sl_scorecard_dist(store, &sc, &sc.rows[m], false, &d, &err), &err, "latency");
		must(sl_scorecard_dist(store, &sc, &sc.rows[m], true, &d, &err), &err, "ttft");
	}
	sl_scorecard_free(&sc);
}

static const struct reader {
	const char *name;
	void (*fn)(void);
	bool per_cell;
} readers[] = {
	{ "runs list", read_list, false },
	{ "runs show", read_show, false },
	{ "triangle and gates (the run view)", read_view, false },
	{ "report --format md", read_md, false },
	{ "report --format html", read_html, false },
	{ "report --format csv --by model", read_csv_model, false },
	{ "charts: scorecard and box plots", read_charts, false },
	{ "report --format jsonl", read_jsonl, true },
	{ "report --format json", read_json, true },
	{ "report --format csv (cells)", read_csv, true },
	{ "report --format junit", read_junit, true },
};

static long peak_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static double ms_of(void (*fn)(void))
{
	int64_t t0 = sl_now_ns();
	fn();
	return (double)(sl_now_ns() - t0) / 1e6;
}

static void bench_size(long cells)
{
	long cases = (cells + 2) / 3;
	char name[64];
	snprintf(name, sizeof name, "readers-%ld.db", cases * 3);
	char *path = test_path(name);
	remove(path);
	free(path);
	store = fixture_open(name);
	int64_t t0 = sl_now_ns();
	run = fixture_bench_run(store, cases);
	printf("%ld cells: store written by SQL (and kept as a run's end keeps) in %.1f s\n",
	       cases * 3, (double)(sl_now_ns() - t0) / 1e9);
	fflush(stdout);
	for (size_t i = 0; i < SL_ARRAY_LEN(readers); i++) {
		long rss0 = peak_rss_kb();
		double cold = ms_of(readers[i].fn), warm = 1e12;
		for (int r = 0; r < (readers[i].per_cell ? 0 : 3); r++) {
			double t = ms_of(readers[i].fn);
			warm = t < warm ? t : warm;
		}
		if (readers[i].per_cell)
			printf("  %-36s %9.1f ms (every cell), peak RSS grew %.1f MB\n",
			       readers[i].name, cold, (double)(peak_rss_kb() - rss0) / 1024);
		else
			printf("  %-36s cold %7.1f ms, warm %7.2f ms\n", readers[i].name, cold, warm);
		fflush(stdout);
	}
	sl_store_close(store);
}

TEST_MAIN_BEGIN
	const char *env = getenv("BENCH_RUN_CELLS");
	char *sizes = sl_xstrdup(env && *env ? env : "10000,100000,1000000");
	for (char *tok = strtok(sizes, ","); tok; tok = strtok(NULL, ","))
		bench_size(atol(tok));
	free(sizes);
TEST_MAIN_END

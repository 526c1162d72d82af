/* Benchmarks (suite bench): the scorecard of 50 models over 1M cells (goal < 1 s), the
 * triangle ranking recomputed on a weight change for 50 models (goal < 1 ms), and the CPU of
 * the quality intervals of bench_run's shape at 10k, 100k and 1M cells (or the
 * comma-separated $BENCH_RUN_CELLS). Prints the figures; asserts nothing about time. */
#include "test.h"

#include <sys/resource.h>

#include "fixture.h"
#include "shortlist/scorecard.h"
#include "shortlist/stats.h"

#define MODELS 50
#define CELLS_PER_MODEL 20000

static double secs(int64_t ns)
{
	return (double)ns / 1e9;
}

static void bench_scorecard(void)
{
	struct sl_error err = { 0 };
	char *path = test_path("bench.db");
	struct sl_store *s = sl_store_open(path, 0, &err);
	free(path);
	if (!s) {
		fprintf(stderr, "%s\n", err.msg);
		exit(99);
	}
	const char *models[MODELS];
	double price[MODELS];
	char names[MODELS][32];
	for (int m = 0; m < MODELS; m++) {
		snprintf(names[m], sizeof names[m], "bench:model-%02d", m);
		models[m] = names[m];
		price[m] = m % 10 == 9 ? NAN : 0.1 * (m + 1);
	}
	const char *prompts[] = { "bench" };
	struct sl_rng rng;
	sl_rng_seed(&rng, 42);
	int64_t t0 = sl_now_ns();
	fixture_begin(s);
	int64_t run = fixture_run(s, models, price, MODELS, prompts, 1);
	fixture_commit(s);
	/* One transaction per model, as the runner writes in batches. */
	for (int m = 0; m < MODELS; m++) {
		fixture_begin(s);
		for (int c = 0; c < CELLS_PER_MODEL; c++) {
			bool fail = sl_rng_below(&rng, 100) == 0;
			double lat = 200 + 10 * m + sl_rng_double(&rng) * 800;
			fixture_cell(s, run, m, 0, c, 0, fail ? NULL : "answer", fail ? "HTTP 500" : NULL,
				     fail ? NAN : lat, fail ? NAN : lat / 4, 100,
				     isnan(price[m]) ? NAN : price[m] / 1000);
			fixture_score(s, run, "accuracy", true, m, 0, c, 0,
				      sl_rng_double(&rng) < 0.5 + m / 100.0, NULL, NAN);
			fixture_score(s, run, "rougeL", false, m, 0, c, 0, sl_rng_double(&rng), NULL,
				      NAN);
		}
		fixture_commit(s);
	}
	int64_t t1 = sl_now_ns();
	printf("setup: %d cells and %d scores written in %.1f s (%.1f us per row, statistics "
	       "triggers included)\n", MODELS * CELLS_PER_MODEL, 2 * MODELS * CELLS_PER_MODEL,
	       secs(t1 - t0), secs(t1 - t0) * 1e6 / (3.0 * MODELS * CELLS_PER_MODEL));

	double best = 1e9, total = 0;
	int reps = 3;
	for (int r = 0; r < reps; r++) {
		struct sl_scorecard sc;
		int64_t a = sl_now_ns();
		if (sl_scorecard_build(s, run, &sc, &err) != 0) {
			fprintf(stderr, "%s\n", err.msg);
			exit(1);
		}
		double t = secs(sl_now_ns() - a);
		total += t;
		best = t < best ? t : best;
		if (r == 0)
			printf("scorecard rows: %zu, model-00 p95 %.3f s, accuracy %.4f, rougeL CI %s\n",
			       sc.n_rows, sc.rows[0].latency_p95, sc.rows[0].metrics[0].value,
			       sc.rows[0].metrics[1].method);
		sl_scorecard_free(&sc);
	}
	printf("scorecard, %d models x %d cells (1M cells, 2M scores): best %.3f s, mean %.3f s "
	       "over %d builds (goal < 1 s)\n", MODELS, CELLS_PER_MODEL, best, total / reps, reps);

	/* What the TUI's charts read: the scorecard, then each model's latency and TTFT box
	 * plot off the index, the triangle with its regions and the two 2-D frontiers. */
	best = 1e9;
	for (int r = 0; r < reps; r++) {
		int64_t a = sl_now_ns();
		struct sl_scorecard sc;
		struct sl_triangle tri;
		sl_triangle_init(&tri);
		if (sl_scorecard_build(s, run, &sc, &err) != 0 ||
		    sl_scorecard_triangle(&sc, NULL, &tri, &err) != 0) {
			fprintf(stderr, "%s\n", err.msg);
			exit(1);
		}
		double x[MODELS], y[MODELS];
		bool front[MODELS];
		for (size_t m = 0; m < sc.n_models; m++) {
			struct sl_dist d;
			if (sl_scorecard_dist(s, &sc, &sc.rows[m], false, &d, &err) ||
			    sl_scorecard_dist(s, &sc, &sc.rows[m], true, &d, &err)) {
				fprintf(stderr, "%s\n", err.msg);
				exit(1);
			}
			x[m] = sc.rows[m].cost_per_1k;
			y[m] = sc.rows[m].metrics[0].value;
		}
		sl_pareto_front_2d(x, y, sc.n_models, front);
		struct sl_tri_weights w = sl_tri_weights_default();
		sl_triangle_rank(&tri, &w);
		sl_triangle_regions(&tri, 60);
		double t = secs(sl_now_ns() - a);
		best = t < best ? t : best;
		sl_triangle_free(&tri);
		sl_scorecard_free(&sc);
	}
	printf("chart data (scorecard, latency and TTFT box plots of %d models, triangle, regions, "
	       "frontiers), 1M cells: best %.3f s over %d (goal < 0.1 s)\n", MODELS, best, reps);
	sl_store_close(s);
}

static void bench_triangle(void)
{
	struct sl_triangle tri;
	sl_triangle_init(&tri);
	struct sl_rng rng;
	sl_rng_seed(&rng, 7);
	for (int m = 0; m < MODELS; m++) {
		char name[32];
		snprintf(name, sizeof name, "model-%02d", m);
		struct sl_tri_model *t = sl_triangle_add(&tri, name);
		t->precision = sl_rng_double(&rng);
		t->latency_s = 0.2 + sl_rng_double(&rng) * 3;
		t->cost = sl_rng_double(&rng) * 20;
	}
	int64_t a = sl_now_ns();
	sl_triangle_normalise(&tri);
	int64_t norm_ns = sl_now_ns() - a;
	int iters = 100000;
	double checksum = 0;
	a = sl_now_ns();
	for (int i = 0; i < iters; i++) {
		double ws = sl_rng_double(&rng), wp = sl_rng_double(&rng) * (1 - ws);
		struct sl_tri_weights w = { { ws, wp, 1 - ws - wp } };
		sl_triangle_rank(&tri, &w);
		checksum += (double)tri.order[0];
	}
	int64_t rank_ns = sl_now_ns() - a;
	a = sl_now_ns();
	sl_triangle_regions(&tri, 100);
	int64_t region_ns = sl_now_ns() - a;
	printf("triangle, %d models: normalise + frontier %.1f us; rank on a weight change %.2f us "
	       "mean over %d changes (goal < 1 ms); region map at 1/100 steps %.2f ms "
	       "(checksum %.0f)\n", MODELS, norm_ns / 1e3, rank_ns / 1e3 / iters, iters,
	       region_ns / 1e6, checksum);
	sl_triangle_free(&tri);
}

static double cpu_now(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static long score_rows; /* rows a statement on cell_scores returned */

static int count_score_rows(unsigned type, void *ud, void *p, void *x)
{
	(void)ud;
	(void)x;
	if (type == SQLITE_TRACE_ROW && strstr(sqlite3_sql(p), "cell_scores"))
		score_rows++;
	return 0;
}

/* CPU (user + system) of a scorecard build, and the score rows it read. */
static double build_cpu(struct sl_store *s, int64_t run)
{
	struct sl_error err = { 0 };
	struct sl_scorecard sc;
	score_rows = 0;
	double t = cpu_now();
	int rc = sl_scorecard_build(s, run, &sc, &err);
	t = cpu_now() - t;
	if (rc != 0) {
		fprintf(stderr, "%s\n", err.msg);
		exit(1);
	}
	sl_scorecard_free(&sc);
	return t;
}

/* The quality intervals of bench_run's shape (fixture_bulk: contains, latency and pass_rate
 * are proportions; rouge1 and levenshtein take 1,000 distinct values), then with rouge1 and
 * levenshtein cut to 5 distinct values (a judge's grades; bench_run's own answers score one
 * value): the first build after the run was written, with its percentiles kept (the store
 * keeps them and the intervals at a run's end: the intervals are dropped here), so its CPU
 * is the intervals'; then a later build. */
static void bench_intervals(long cells)
{
	long cases = (cells + 2) / 3;
	char name[64];
	snprintf(name, sizeof name, "intervals-%ld.db", cases * 3);
	char *path = test_path(name);
	remove(path);
	struct sl_store *s = fixture_open(name);
	int64_t run = fixture_bench_run(s, cases);
	sqlite3_trace_v2(sl_store_db(s), SQLITE_TRACE_ROW, count_score_rows, NULL);
	for (int shape = 0; shape < 2; shape++) {
		struct sl_error err = { 0 };
		if ((shape == 1 && sl_store_exec(s, "UPDATE cell_scores SET value = round(value * 4) "
						 "/ 4 WHERE metric IN ('rouge1', 'levenshtein')",
						 &err) != 0) ||
		    sl_store_exec(s, "DELETE FROM score_intervals", &err) != 0) {
			fprintf(stderr, "%s\n", err.msg);
			exit(1);
		}
		double cold = build_cpu(s, run);
		long rows = score_rows;
		double warm = build_cpu(s, run);
		printf("quality intervals, %ld cells, %s: first build %.1f ms CPU (%ld score rows "
		       "read), later builds %.2f ms\n", cases * 3, shape ? "5 distinct values"
		       : "1,000 distinct values", cold * 1e3, rows, warm * 1e3);
		fflush(stdout);
	}
	sl_store_close(s);
	remove(path);
	free(path);
}

TEST_MAIN_BEGIN
	bench_triangle();
	const char *env = getenv("BENCH_RUN_CELLS");
	char *sizes = sl_xstrdup(env && *env ? env : "10000,100000,1000000");
	for (char *tok = strtok(sizes, ","); tok; tok = strtok(NULL, ","))
		bench_intervals(atol(tok));
	free(sizes);
	bench_scorecard();
TEST_MAIN_END

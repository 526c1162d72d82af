/* Benchmarks of the Scorecard and Charts screens (suite bench): they print figures and
 * assert nothing about time. Both drive the app in-process, as the terminal loop does: an
 * event through tui_app_handle, then tui_app_render into the cell grid.
 *  - 50 models: an arrow key moving the priority point (re-rank, recommendation, nearest
 *    change, redraw of the triangle with its regions) and a weight key on the Scorecard,
 *    at 80x24 and 200x60 (goal <= 16 ms);
 *  - a run of BENCH_CELLS cells (default 1,000,000) over 10 models, written by SQL: the
 *    first frame of each screen that reads it from a fresh app, after what a run's end
 *    keeps (sl_scorecard_keep) was kept (Runs: goal <= 50 ms;
 *    Charts, loading and drawing: goal <= 100 ms), Compare's jumps, the Scorecard's
 *    drill-down; then loading the charts' numbers and drawing each chart. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../report/fixture.h"
#include "shortlist/scorecard.h"
#include "shortlist/report.h"
#include "shortlist/stats.h"
#include "shortlist/store.h"
#include "test.h"
#include "bench_frames.h"
#include "../../src/tui/app.h"
#include "../../src/tui/charts.h"
#include "../../src/tui/rundata.h"

static struct sl_store *bench_store(const char *name, int models, int cells_per_model)
{
	struct sl_error err = { 0 };
	char *path = test_path(name);
	remove(path);
	struct sl_store *s = sl_store_open(path, 0, &err);
	free(path);
	if (!s) {
		fprintf(stderr, "%s\n", err.msg);
		exit(99);
	}
	const char **names = sl_xcalloc((size_t)models, sizeof *names);
	double *price = sl_xcalloc((size_t)models, sizeof *price);
	for (int m = 0; m < models; m++) {
		names[m] = sl_xasprintf("bench:model-%02d", m);
		price[m] = 0.05 * (m + 1);
	}
	const char *prompts[] = { "bench" };
	struct sl_rng rng;
	sl_rng_seed(&rng, 42);
	fixture_begin(s);
	int64_t run = fixture_run(s, names, price, models, prompts, 1);
	for (int m = 0; m < models; m++) {
		/* Each model its own speed, quality and price, so the regions are many. */
		double speed = 200 + 40 * sl_rng_double(&rng) * m, q = sl_rng_double(&rng);
		for (int c = 0; c < cells_per_model; c++) {
			double lat = speed + sl_rng_double(&rng) * 800;
			fixture_cell(s, run, m, 0, c, 0, "answer", NULL, lat, lat / 4, 100,
				     price[m] / 1000);
			fixture_score(s, run, "accuracy", true, m, 0, c, 0, sl_rng_double(&rng) < q,
				      NULL, NAN);
		}
		if (m % 2 == 1) { /* commit in batches, as the runner writes */
			fixture_commit(s);
			fixture_begin(s);
		}
	}
	fixture_commit(s);
	for (int m = 0; m < models; m++)
		free((char *)names[m]);
	free(names);
	free(price);
	return s;
}

static double ms_since(int64_t t0)
{
	return (double)(sl_now_ns() - t0) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Per-key time of a sequence of keys on one screen: handle + render. */
static void time_keys(struct tui_app *app, enum tui_screen screen, const int *keys, int n_keys,
		      int reps, const char *what)
{
	tui_app_show(app, screen);
	tui_app_render(app);
	double *t = sl_xcalloc((size_t)(n_keys * reps), sizeof *t);
	int k = 0;
	for (int r = 0; r < reps; r++)
		for (int i = 0; i < n_keys; i++) {
			struct tui_event ev = { .key = keys[i] };
			int64_t t0 = sl_now_ns();
			tui_app_handle(app, &ev);
			tui_app_render(app);
			t[k++] = ms_since(t0);
		}
	qsort(t, (size_t)k, sizeof *t, cmp_double);
	double sum = 0;
	for (int i = 0; i < k; i++)
		sum += t[i];
	printf("%-52s %dx%d: mean %.2f ms, p95 %.2f ms, max %.2f ms over %d keys (goal <= 16 ms)\n",
	       what, app->grid.cols, app->grid.lines, sum / k, t[k * 95 / 100], t[k - 1], k);
	free(t);
}

static void bench_keys(void)
{
	struct sl_store *s = bench_store("bench-keys.db", 50, 20);
	static const int sizes[][2] = { { 80, 24 }, { 200, 60 } };
	static const int arrows[] = { TK_LEFT, TK_LEFT, TK_UP, TK_UP, TK_RIGHT, TK_RIGHT,
				      TK_RIGHT, TK_DOWN, TK_DOWN, TK_LEFT };
	static const int weights[] = { 'c', 'c', 'p', 'p', 's', 'S', 'C', 'P', 'c', 's' };
	for (size_t z = 0; z < SL_ARRAY_LEN(sizes); z++) {
		struct tui_app app;
		struct sl_error err = { 0 };
		if (tui_app_init(&app, s, sizes[z][0], sizes[z][1], &err) != 0) {
			fprintf(stderr, "%s\n", err.msg);
			exit(1);
		}
		time_keys(&app, TUI_SCREEN_CHARTS, arrows, 10, 20,
			  "50 models: arrow moves the priority point, Charts");
		time_keys(&app, TUI_SCREEN_SCORECARD, weights, 10, 20,
			  "50 models: weight key, Scorecard");
		tui_app_free(&app);
	}
	sl_store_close(s);
}

static void time_screen(struct sl_store *s, int64_t run, long cells, const char *what,
			enum tui_screen screen, const int *keys, int n_keys)
{
	double cold_cpu, cpu, best_cpu = 1e12;
	double cold = bench_first_frame(s, run, screen, keys, n_keys, &cold_cpu), best = 1e12;
	for (int r = 0; r < 3; r++) {
		double t = bench_first_frame(s, run, screen, keys, n_keys, &cpu);
		best = t < best ? t : best;
		best_cpu = cpu < best_cpu ? cpu : best_cpu;
	}
	printf("%ld cells: %-58s first %7.1f ms (CPU %6.1f), then best %6.1f ms (CPU %6.1f) of "
	       "3\n", cells, what, cold, cold_cpu, best, best_cpu);
	fflush(stdout);
}

static void bench_screens(struct sl_store *s, int64_t run, long cells)
{
	/* Each screen from a fresh app (nothing loaded), 200x60; "first" is the first read
	 * after the run was written and ended. */
	time_screen(s, run, cells, "Runs: first frame (goal <= 50 ms)", TUI_SCREEN_RUNS, NULL, 0);
	time_screen(s, run, cells, "Run: the replayed matrix, first frame", TUI_SCREEN_RUN, NULL,
		    0);
	static const int right[] = { TK_RIGHT, TK_RIGHT, TK_RIGHT, TK_RIGHT, TK_RIGHT };
	time_screen(s, run, cells, "Run: first frame and 5 steps right", TUI_SCREEN_RUN, right, 5);
	time_screen(s, run, cells, "Compare: first frame", TUI_SCREEN_COMPARE, NULL, 0);
	static const int f[] = { 'f', 'f', 'f' }, d[] = { 'd', 'd', 'd' };
	time_screen(s, run, cells, "Compare: first frame, then f (next failure) x3",
		    TUI_SCREEN_COMPARE, f, 3);
	time_screen(s, run, cells, "Compare: first frame, then d (next disagreement) x3",
		    TUI_SCREEN_COMPARE, d, 3);
	static const int preview[] = { 'n' };
	time_screen(s, run, cells, "Prompts: first frame, n (the preview's first row)",
		    TUI_SCREEN_PROMPTS, preview, 1);
	time_screen(s, run, cells, "Scorecard: first frame", TUI_SCREEN_SCORECARD, NULL, 0);
	static const int enter[] = { TK_ENTER };
	time_screen(s, run, cells, "Scorecard: first frame, Enter (a model's cases)",
		    TUI_SCREEN_SCORECARD, enter, 1);
	time_screen(s, run, cells, "Charts: load and draw, first frame (goal <= 100 ms)",
		    TUI_SCREEN_CHARTS, NULL, 0);
}

static void bench_big_run(void)
{
	const char *env = getenv("BENCH_CELLS");
	long cells = env ? atol(env) : 1000000;
	int models = 10;
	long cases = cells / models;
	cells = cases * models;
	int64_t t0 = sl_now_ns();
	/* BENCH_CHARTS_DB: the latest run of that store instead (a 1M-cell store takes minutes
	 * to write) */
	const char *db = getenv("BENCH_CHARTS_DB");
	if (db) {
		struct sl_error err = { 0 };
		struct sl_store *s = sl_store_open(db, 0, &err);
		int64_t run;
		struct sl_run r;
		if (!s || sl_run_resolve(s, "latest", &run, &err) || sl_run_get(s, run, &r, &err)) {
			fprintf(stderr, "%s: %s\n", db, err.msg);
			exit(99);
		}
		printf("%s: run %lld, %lld cells over %zu models\n", db, (long long)run,
		       (long long)r.n_done, r.n_models);
		bench_screens(s, run, (long)r.n_done);
		sl_run_free(&r);
		sl_store_close(s);
		return;
	}
	char *path = test_path("bench-big.db");
	remove(path);
	free(path);
	/* Written by SQL (fixture_bulk): each model its own speed and price, 1 cell in 50
	 * failed, five scores per successful cell. */
	struct sl_store *s = fixture_open("bench-big.db");
	const char *names[10];
	double price[10];
	char buf[10][32];
	for (int m = 0; m < models; m++) {
		snprintf(buf[m], sizeof buf[m], "bench:model-%02d", m);
		names[m] = buf[m];
		price[m] = 0.05 * (m + 1);
	}
	const char *prompts[] = { "bench" };
	fixture_begin(s);
	int64_t run = fixture_run(s, names, price, models, prompts, 1);
	fixture_bulk(s, run, models, 1, cases);
	fixture_commit(s);
	struct sl_error kerr = { 0 };
	int64_t t1 = sl_now_ns();
	if (sl_scorecard_keep(s, run, &kerr) != 0) { /* as a run's end does */
		fprintf(stderr, "%s\n", kerr.msg);
		exit(1);
	}
	printf("setup: %ld cells and their scores over %d models written in %.1f s, their "
	       "percentiles kept (as a run's end does) in %.0f ms\n", cells, models,
	       ms_since(t0) / 1000, ms_since(t1));
	fflush(stdout);
	bench_screens(s, run, cells);

	struct tui_app app;
	struct sl_error err = { 0 };
	if (tui_app_init(&app, s, 200, 60, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		exit(1);
	}
	app.run_id = run;
	/* Loading: scorecard, box plots, triangle and regions, frontiers (once per run change). */
	double best = 1e9;
	for (int r = 0; r < 3; r++) {
		app.run_version++;
		t0 = sl_now_ns();
		tui_app_rundata(&app);
		double t = ms_since(t0);
		best = t < best ? t : best;
	}
	printf("%ld cells: loading the charts' numbers from the store: best %.1f ms of 3\n", cells,
	       best);
	/* Drawing, data loaded: the four charts at once at 200x60, then each alone at 80x24. */
	tui_app_show(&app, TUI_SCREEN_CHARTS);
	tui_app_render(&app);
	best = 1e9;
	for (int r = 0; r < 5; r++) {
		app.dirty = true;
		t0 = sl_now_ns();
		tui_app_render(&app);
		double t = ms_since(t0);
		best = t < best ? t : best;
	}
	printf("%ld cells: drawing all four charts at 200x60: best %.2f ms of 5 (goal <= 100 ms)\n",
	       cells, best);
	if (getenv("BENCH_DUMP")) {
		struct sl_buf b;
		sl_buf_init(&b);
		tui_grid_dump(&app.grid, &b);
		fputs(b.data, stdout);
		sl_buf_free(&b);
	}
	struct tui_event rs = { .key = TK_RESIZE, .cols = 80, .lines = 24 };
	tui_app_handle(&app, &rs);
	for (int c = 0; c < 4; c++) {
		best = 1e9;
		for (int r = 0; r < 5; r++) {
			app.dirty = true;
			t0 = sl_now_ns();
			tui_app_render(&app);
			double t = ms_since(t0);
			best = t < best ? t : best;
		}
		printf("%ld cells: drawing chart %d alone at 80x24: best %.2f ms of 5\n", cells,
		       c + 1, best);
		struct tui_event v = { .key = 'v' };
		tui_app_handle(&app, &v);
	}
	tui_app_free(&app);
	sl_store_close(s);
}

static double cpu_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* The Scorecard and Charts' reload while a run of BENCH_LIVE_CELLS cells (default 100,000;
 * bench_run's suite: 3 models, contains, rouge1, levenshtein, latency) streams in: the
 * cells finished since the last reload scored (sl_report_score_live), then the screens'
 * numbers loaded (tui_rundata_load), in CPU time; against rescoring every finished cell,
 * as each reload did before issue 15. */
static void bench_live_reload(void)
{
	const char *env = getenv("BENCH_LIVE_CELLS");
	long cells = env ? atol(env) : 100000, cases = cells / 3;
	enum { RELOADS = 5, NEW_CASES = 334 }; /* ~1,000 new cells per reload */
	char *path = test_path("bench-live.db");
	remove(path);
	free(path);
	struct sl_store *s = fixture_open("bench-live.db");
	int64_t run = fixture_bench_run(s, cases);
	fixture_begin(s);
	/* as while it streams: nothing scored yet, its last cases still to come */
	long first_later = cases - RELOADS * NEW_CASES;
	char *sql = sl_xasprintf("DELETE FROM cell_scores WHERE run_id = %lld; DELETE FROM "
				 "score_marks WHERE run_id = %lld; UPDATE runs SET status = "
				 "'running' WHERE id = %lld; CREATE TEMP TABLE later AS SELECT * "
				 "FROM cells WHERE run_id = %lld AND case_idx >= %ld; DELETE FROM "
				 "cells WHERE run_id = %lld AND case_idx >= %ld;", (long long)run,
				 (long long)run, (long long)run, (long long)run, first_later,
				 (long long)run, first_later);
	struct sl_error err = { 0 };
	if (sl_store_exec(s, sql, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		exit(99);
	}
	free(sql);
	fixture_commit(s);
	int64_t since = -1;
	struct sl_score_stats st;
	double t = cpu_ms();
	sl_report_score_live(s, run, &since, &st, &err);
	printf("live run, %ld cells finished: the first reload scores them all: %.0f ms CPU\n",
	       (long)st.cells, cpu_ms() - t);
	double score = 0, load = 0;
	long scored = 0;
	for (int r = 0; r < RELOADS; r++) {
		long from = first_later + (long)r * NEW_CASES;
		sql = sl_xasprintf("INSERT INTO cells SELECT * FROM temp.later WHERE case_idx >= %ld "
				   "AND case_idx < %ld", from, from + NEW_CASES);
		sl_store_exec(s, sql, &err);
		free(sql);
		t = cpu_ms();
		if (sl_report_score_live(s, run, &since, &st, &err) != 0)
			fprintf(stderr, "%s\n", err.msg);
		score += cpu_ms() - t;
		scored += (long)st.cells;
		struct tui_rundata d;
		tui_rundata_init(&d);
		t = cpu_ms();
		tui_rundata_load(&d, s, run);
		load += cpu_ms() - t;
		tui_rundata_free(&d);
	}
	long done = (first_later + RELOADS * NEW_CASES) * 3;
	printf("live run at %ld cells, a reload after ~%d new cells (mean of %d): scoring them "
	       "%.1f ms CPU (%ld cells scored per reload), loading Scorecard and Charts %.1f ms "
	       "CPU\n", done, 3 * NEW_CASES, RELOADS, score / RELOADS, scored / RELOADS,
	       load / RELOADS);
	since = -1;
	t = cpu_ms();
	sl_report_score_live(s, run, &since, &st, &err);
	printf("live run at %ld cells: rescoring every finished cell instead, as every reload did "
	       "before: %.0f ms CPU (%ld cells)\n", done, cpu_ms() - t, (long)st.cells);
	fflush(stdout);
	sl_store_close(s);
}

TEST_MAIN_BEGIN
	bench_keys();
	bench_live_reload();
	bench_big_run();
TEST_MAIN_END

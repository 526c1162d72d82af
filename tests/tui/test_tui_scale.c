/* Screens over a large run open in flat memory (issue 15): the Prompts screen's preview reads
 * the one row on screen from the store by its index, and Compare the one case it shows,
 * never the whole dataset. In process, as bench_charts drives the app: the heap's growth
 * from opening each screen on a 200,000-row dataset (holding its rows took ~60 MB).
 * The Scorecard's drill-down reads the row's cells a page at a time: opening it on a row of
 * 6,000 cells runs as many SQLite instructions as on a row of 300 (counted by a progress
 * handler), where it read the first 5,000 cells with their texts and headline scores.
 * Compare's d stops at the first case where the answers differ, reading each model's
 * answers side by side by key. */
#include <malloc.h>
#include <sqlite3.h>
#include <string.h>

#include "../report/fixture.h"
#include "shortlist/store.h"
#include "test.h"
#include "app_drive.h"

enum { ROWS = 200000 };

static size_t heap_in_use(void)
{
	return mallinfo2().uordblks;
}

/* A run of one model over ROWS cases, its dataset stored as a run stores it and also on
 * disk at the run's dataset path (where a screen that loads the file would find it). */
static int64_t big_run(struct sl_store *s)
{
	const char *models[] = { "fake:a" };
	const char *prompts[] = { "p" };
	fixture_begin(s);
	int64_t run = fixture_run(s, models, NULL, 1, prompts, 1);
	char *file = test_path("big-cases.jsonl");
	FILE *f = fopen(file, "w");
	if (!f)
		exit(99);
	for (int i = 0; i < ROWS; i++)
		fprintf(f, "{\"q\": \"question number %d with a few words of padding\"}\n", i);
	fclose(f);
	char *sql = sl_xasprintf(
		"INSERT INTO dataset_cases (dataset_hash, idx, line, vars) "
		"WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i + 1 < %d) "
		"SELECT 'dshash', i, i + 1, json_object('q', 'question number ' || i || "
		"  ' with a few words of padding') FROM k; "
		"UPDATE datasets SET n_cases = %d, path = '%s' WHERE hash = 'dshash'; "
		"UPDATE runs SET n_cells = %d, dataset_path = '%s' WHERE id = %lld;",
		ROWS, ROWS, file, ROWS, file, (long long)run);
	struct sl_error err = { 0 };
	CHECK_INT(sl_store_exec(s, sql, &err), 0);
	fixture_commit(s);
	free(sql);
	free(file);
	return run;
}

static void sample_heap(void *ud)
{
	size_t *peak = ud, now = heap_in_use();
	*peak = now > *peak ? now : *peak;
}

/* The screen's frame after keys, and the heap's peak growth from before the app was made. */
static char *open_screen(struct sl_store *s, int64_t run, enum tui_screen screen,
			 const int *keys, int n_keys, size_t *grew)
{
	size_t before = heap_in_use(), peak = before;
	struct tui_app app;
	struct sl_error err = { 0 };
	CHECK_INT(tui_app_init(&app, s, 120, 40, &err), 0);
	app_drive(&app, run, screen, keys, n_keys, sample_heap, &peak);
	struct sl_buf b;
	sl_buf_init(&b);
	tui_grid_dump(&app.grid, &b);
	tui_app_free(&app);
	*grew = peak - before;
	return b.data;
}

static void test_screens_window_a_large_dataset(void)
{
	struct sl_store *s = fixture_open("tui-scale.db");
	int64_t run = big_run(s);
	size_t grew;
	/* the preview (n: its first row, then the next) */
	static const int next[] = { 'n', 'n' };
	char *frame = open_screen(s, run, TUI_SCREEN_PROMPTS, next, 2, &grew);
	CHECK_CONTAINS(frame, "row 2 of 200000 (big-cases.jsonl line 2)");
	printf("Prompts preview: heap grew %.1f MB\n", (double)grew / 1e6);
	CHECK(grew < 4000000);
	free(frame);
	frame = open_screen(s, run, TUI_SCREEN_COMPARE, NULL, 0, &grew);
	CHECK_CONTAINS(frame, "case 1 of 200000");
	CHECK_CONTAINS(frame, "question number 0 with");
	printf("Compare: heap grew %.1f MB\n", (double)grew / 1e6);
	CHECK(grew < 4000000);
	free(frame);
	sl_store_close(s);
}

static int count_ops(void *ud)
{
	(*(long *)ud)++;
	return 0;
}

/* SQLite's instructions (in thousands) that Enter on the Scorecard's first row ran, then the
 * frame after `downs` presses of j. */
static char *drill_down(struct sl_store *s, int64_t run, int downs, long *kilo_ops)
{
	struct tui_app app;
	struct sl_error err = { 0 };
	CHECK_INT(tui_app_init(&app, s, 120, 40, &err), 0);
	app_drive(&app, run, TUI_SCREEN_SCORECARD, NULL, 0, NULL, NULL);
	*kilo_ops = 0;
	sqlite3_progress_handler(sl_store_db(s), 1000, count_ops, kilo_ops);
	tui_app_handle(&app, &(struct tui_event){ .key = TK_ENTER });
	tui_app_render(&app);
	sqlite3_progress_handler(sl_store_db(s), 0, NULL, NULL);
	for (int i = 0; i < downs; i++) {
		tui_app_handle(&app, &(struct tui_event){ .key = 'j' });
		tui_app_render(&app);
	}
	struct sl_buf b;
	sl_buf_init(&b);
	tui_grid_dump(&app.grid, &b);
	tui_app_free(&app);
	return b.data;
}

static void test_drill_down_reads_a_page(void)
{
	struct sl_store *s = fixture_open("tui-drill.db");
	const char *models[] = { "fake:a" };
	const char *prompts[] = { "p" };
	int64_t runs[2];
	const long cases[2] = { 300, 6000 };
	fixture_begin(s);
	for (int i = 0; i < 2; i++) {
		runs[i] = fixture_run(s, models, NULL, 1, prompts, 1);
		fixture_bulk(s, runs[i], 1, 1, cases[i]);
	}
	fixture_commit(s);
	long ops[2];
	for (int i = 0; i < 2; i++)
		free(drill_down(s, runs[i], 0, &ops[i]));
	printf("drill-down: %ldk SQLite instructions on a row of 300 cells, %ldk on 6,000\n",
	       ops[0], ops[1]);
	CHECK(ops[1] < 2 * ops[0]);
	/* the pages after the first are read as the cursor reaches them */
	char *frame = drill_down(s, runs[1], 600, &ops[1]);
	CHECK_CONTAINS(frame, "6000 cases (first 5000 listed)");
	CHECK_CONTAINS(frame, "case 601 ");
	CHECK_CONTAINS(frame, "question 600");
	free(frame);
	sl_store_close(s);
}

/* SQLite's instructions (in hundreds) of one d on Compare, and the frame after it. */
static long press_d(struct tui_app *app, struct sl_store *s, char **frame)
{
	long hecto_ops = 0;
	sqlite3_progress_handler(sl_store_db(s), 100, count_ops, &hecto_ops);
	tui_app_handle(app, &(struct tui_event){ .key = 'd' });
	tui_app_render(app);
	sqlite3_progress_handler(sl_store_db(s), 0, NULL, NULL);
	struct sl_buf b;
	sl_buf_init(&b);
	tui_grid_dump(&app->grid, &b);
	*frame = b.data;
	return hecto_ops;
}

/* Compare's d reads each model's answers side by side, the case and output only, and stops
 * at the first difference: the next case over costs a sliver of what 5,000 agreeing cases
 * do (it read and sorted 512 cases with every column of their cells before looking). */
static void test_next_disagreement_stops_there(void)
{
	struct sl_store *s = fixture_open("tui-compare.db");
	const char *models[] = { "fake:a", "fake:b" };
	const char *prompts[] = { "p" };
	fixture_begin(s);
	int64_t run = fixture_run(s, models, NULL, 2, prompts, 1);
	fixture_bulk(s, run, 2, 1, 6000);
	/* the models agree (up to case and punctuation) but on cases 2 and 5002 */
	char *sql = sl_xasprintf("UPDATE cells SET output = upper(output) || '!' WHERE run_id = "
				 "%lld AND model_idx = 1; UPDATE cells SET output = 'no' WHERE "
				 "run_id = %lld AND model_idx = 1 AND case_idx IN (1, 5001)",
				 (long long)run, (long long)run);
	struct sl_error err = { 0 };
	CHECK_INT(sl_store_exec(s, sql, &err), 0);
	free(sql);
	fixture_commit(s);
	struct tui_app app;
	CHECK_INT(tui_app_init(&app, s, 120, 40, &err), 0);
	app_drive(&app, run, TUI_SCREEN_COMPARE, NULL, 0, NULL, NULL);
	char *frame;
	long near = press_d(&app, s, &frame);
	CHECK_CONTAINS(frame, "case 2/6000");
	free(frame);
	sqlite3_trace_v2(sl_store_db(s), SQLITE_TRACE_STMT, test_trace_stmt, NULL);
	long far = press_d(&app, s, &frame);
	sqlite3_trace_v2(sl_store_db(s), 0, NULL, NULL);
	CHECK_CONTAINS(frame, "case 5002/6000");
	free(frame);
	/* each model's answers in key order: one statement, a search of the key, no sort */
	int searches = 0;
	for (size_t i = 0; i < test_n_traced; i++) {
		char *eqp = sl_xasprintf("EXPLAIN QUERY PLAN %s", test_traced[i]);
		sqlite3_stmt *st;
		if (strstr(test_traced[i], "case_idx, output FROM cells") &&
		    sqlite3_prepare_v2(sl_store_db(s), eqp, -1, &st, NULL) == SQLITE_OK) {
			while (sqlite3_step(st) == SQLITE_ROW) {
				const char *detail = (const char *)sqlite3_column_text(st, 3);
				CHECK(strstr(detail, "TEMP B-TREE") == NULL);
				CHECK(strncmp(detail, "SCAN", 4) != 0);
				searches += strstr(detail, "SEARCH cells") != NULL;
			}
			sqlite3_finalize(st);
		}
		free(eqp);
		free(test_traced[i]);
	}
	test_n_traced = 0;
	CHECK(searches == 1);
	printf("Compare's d: %.1fk SQLite instructions to the next case, %.1fk over 5,000 cases\n",
	       near / 10.0, far / 10.0);
	CHECK(near * 50 < far);
	tui_app_free(&app);
	sl_store_close(s);
}

TEST_MAIN_BEGIN
	RUN_TEST(test_screens_window_a_large_dataset);
	RUN_TEST(test_drill_down_reads_a_page);
	RUN_TEST(test_next_disagreement_stops_there);
TEST_MAIN_END

/* Screens over a large run open in flat memory (issue 15): the Prompts screen's preview reads
 * the one row on screen from the store by its index, and Compare the one case it shows,
 * never the whole dataset. In process, as bench_charts drives the app: the heap's growth
 * from opening each screen on a 200,000-row dataset (holding its rows took ~60 MB). */
#include <malloc.h>

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

TEST_MAIN_BEGIN
	RUN_TEST(test_screens_window_a_large_dataset);
TEST_MAIN_END

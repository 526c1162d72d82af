/* Benchmark: import the full shipped catalogue (4 MB, ~5300 models) into a fresh store and
 * into one that already holds it (the update path). Prints figures; asserts nothing about
 * time. */
#include "test.h"

#include "shortlist/catalog.h"

static double import_ms(struct sl_store *s, const char *path)
{
	struct sl_error err = { 0 };
	int64_t t0 = sl_now_ns();
	if (sl_catalog_import_file(s, path, &err) != 0) {
		fprintf(stderr, "import failed: %s\n", err.msg);
		exit(1);
	}
	return (double)(sl_now_ns() - t0) / 1e6;
}

TEST_MAIN_BEGIN
	struct sl_error err = { 0 };
	char *db = test_path("bench.db");
	char *src = test_source_path("data/models.dev-catalog.json");
	struct sl_store *s = sl_store_open(db, 0, &err);
	if (!s) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	double first = import_ms(s, src);
	double best = 1e9, total = 0;
	enum { RUNS = 5 };
	for (int i = 0; i < RUNS; i++) {
		double t = import_ms(s, src);
		total += t;
		if (t < best)
			best = t;
	}
	struct sl_model_list l;
	int64_t t0 = sl_now_ns();
	CHECK(sl_catalog_load(s, NULL, &l, &err) == 0);
	double load = (double)(sl_now_ns() - t0) / 1e6;
	printf("catalogue import (fresh store): %.1f ms\n", first);
	printf("catalogue re-import (update path): best %.1f ms, mean %.1f ms over %d runs\n",
	       best, total / RUNS, RUNS);
	printf("catalogue load of %zu models (merged, headline scores): %.1f ms\n", l.len, load);
	sl_model_list_free(&l);
	sl_store_close(s);
	free(db);
	free(src);
TEST_MAIN_END

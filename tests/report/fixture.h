/* Runs written straight into the store with SQL, so scorecard, gate and report tests do not
 * depend on the runner: every number they check is one this fixture put there. */
#ifndef SHORTLIST_TEST_REPORT_FIXTURE_H
#define SHORTLIST_TEST_REPORT_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "shortlist/store.h"

/* A fresh store in the test directory (exits 99 if it cannot be opened). */
struct sl_store *fixture_open(const char *name);
/* A run with the given models (price_in NAN = unknown price) and prompts; returns its id. */
int64_t fixture_run(struct sl_store *store, const char *const *models, const double *price_in,
		    int n_models, const char *const *prompts, int n_prompts);
/* One cell. error NULL = success; cost NAN = unknown; ttft NAN = not streamed. */
void fixture_cell(struct sl_store *store, int64_t run, int model, int prompt, int case_idx,
		  int sample, const char *output, const char *error, double latency_ms,
		  double ttft_ms, int64_t tokens_out, double cost);
/* One score row; value NAN = could not be scored. */
void fixture_score(struct sl_store *store, int64_t run, const char *metric, bool proportion,
		   int model, int prompt, int case_idx, int sample, double value,
		   const char *judge_model, double judge_cost);
/* A large run written by SQL alone: every model x prompt x case, with bench_run's scores
 * per successful cell (see fixture.c). */
void fixture_bulk(struct sl_store *store, int64_t run, int n_models, int n_prompts, long cases);
/* bench_run's shape written by SQL: 3 models x 1 prompt x `cases`, its suite stored, and
 * what the end of a run keeps for its readers (sl_scorecard_keep). */
int64_t fixture_bench_run(struct sl_store *store, long cases);
/* Wrap many fixture calls in one transaction. */
void fixture_begin(struct sl_store *store);
void fixture_commit(struct sl_store *store);

#endif

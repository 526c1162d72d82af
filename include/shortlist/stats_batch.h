/* The statistics of a bulk write (cell_stats, cell_reported, score_stats: schema.c), added
 * up in memory and written once per group at the end of the write transaction instead of
 * by a trigger per row. For writers that insert many rows per transaction:
 *
 *   sl_store_begin(store) ... sl_stats_batch_begin(store, b)
 *   each INSERT (OR REPLACE) INTO cells / cell_scores, then sl_stats_batch_add_cell / _score
 *   sl_stats_batch_write(store, b) ... sl_store_commit(store)
 *
 * On failure roll the transaction back and call sl_stats_batch_reset: the deferral was
 * never committed, so no other connection saw it. Only the INSERTs between begin and write
 * are deferred; a replaced row still takes its old values out through its trigger, and
 * UPDATE and DELETE keep theirs. */
#ifndef SHORTLIST_STATS_BATCH_H
#define SHORTLIST_STATS_BATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "shortlist/store.h"

struct sl_stats_batch;

/* What a cell's statistics read of its row. NaN and a negative count are SQL NULL. */
struct sl_cell_stat {
	int64_t run_id;
	int model_idx, prompt_idx;
	bool error;                 /* error_kind IS NOT NULL */
	bool cached;
	double latency_ms, ttft_ms, cost;
	int64_t tokens_out;
	const char *reported_model; /* NULL: none */
};

struct sl_stats_batch *sl_stats_batch_new(void);
void sl_stats_batch_free(struct sl_stats_batch *b);
/* Inside the caller's write transaction: defer the insert triggers of this connection. */
int sl_stats_batch_begin(struct sl_store *store, struct sl_stats_batch *b, struct sl_error *err);
void sl_stats_batch_add_cell(struct sl_stats_batch *b, const struct sl_cell_stat *c);
/* A score row without a judge (value NaN: unscored). */
void sl_stats_batch_add_score(struct sl_stats_batch *b, int64_t run_id, const char *metric,
			      int model_idx, int prompt_idx, bool proportion, double value);
/* One UPSERT per group, then the triggers on again; the batch is empty after. */
int sl_stats_batch_write(struct sl_store *store, struct sl_stats_batch *b, struct sl_error *err);
/* Forget what was added (after a rollback). */
void sl_stats_batch_reset(struct sl_stats_batch *b);

#endif

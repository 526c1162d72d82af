/* The statistics of a bulk write (cell_stats, cell_reported, score_stats: schema.c), added
 * up in memory and written once per group at the end of the write transaction instead of
 * by triggers per row. For writers that insert many rows per transaction:
 *
 *   sl_store_begin(store) ... sl_stats_batch_begin(store, b)
 *   each row: INSERT INTO cells / cell_scores ... ON CONFLICT DO NOTHING, then
 *     a row went in (sqlite3_changes() == 1): sl_stats_batch_add_cell / _score
 *     its key was there (0): the same row through INSERT OR REPLACE, sl_stats_batch_replace
 *   (or many rows a statement: chunks that fail as a whole when one row was there)
 *   sl_stats_batch_write(store, b) ... sl_store_commit(store)
 *
 * Between begin and write the connection's insert and replace triggers on cells and
 * cell_scores do nothing (a plain INSERT OR REPLACE would leave the replaced row's values
 * in the statistics); UPDATE and DELETE keep theirs. On failure roll the transaction back
 * and call sl_stats_batch_reset: the deferral was never committed, so no other connection
 * saw it.
 * A connection that writes cells and cell_scores only this way (the runner's writer) may run
 * with its triggers off (sl_stats_batch_disable_triggers): even deferred, a trigger costs a
 * row a VDBE frame and a multi-row INSERT a temporary table of its rows (about 40% of a
 * score row). sl_stats_batch_replace turns them on for the rest of the transaction. */
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
/* The connection's triggers off for good: it must not write a table with triggers but
 * through batches (cells, cell_scores), nor UPDATE or DELETE their rows. */
void sl_stats_batch_disable_triggers(struct sl_store *store);
/* Inside the caller's write transaction: defer the insert triggers of this connection. */
int sl_stats_batch_begin(struct sl_store *store, struct sl_stats_batch *b, struct sl_error *err);
void sl_stats_batch_add_cell(struct sl_stats_batch *b, const struct sl_cell_stat *c);
/* A score row without a judge (value NaN: unscored). */
void sl_stats_batch_add_score(struct sl_stats_batch *b, int64_t run_id, const char *metric,
			      int model_idx, int prompt_idx, bool proportion, double value);
/* Step replace (INSERT OR REPLACE of a row whose key is there, bound) with the triggers on:
 * they take out the old row's values and add the new one's. Such a row is not added. A
 * connection whose triggers are off has them on until the batch is written or reset. */
int sl_stats_batch_replace(struct sl_store *store, struct sl_stats_batch *b, sqlite3_stmt *replace,
			   struct sl_error *err);
/* One UPSERT per group, then the triggers undeferred; the batch is empty after. */
int sl_stats_batch_write(struct sl_store *store, struct sl_stats_batch *b, struct sl_error *err);
/* Forget what was added (after a rollback); a connection's triggers off again. */
void sl_stats_batch_reset(struct sl_stats_batch *b);

#endif

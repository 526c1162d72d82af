/* The batcher: a run's batch cells through the providers' batch APIs (include/shortlist/
 * batch.h says how). The runner owns the grid and writes the cells; the batcher owns the
 * batches: their input files, their run_batches rows and their network steps. Internal to
 * eval (runner.c is its one user). */
#ifndef SHORTLIST_BATCHER_H
#define SHORTLIST_BATCHER_H

#include <stdbool.h>
#include <stdint.h>

#include "shortlist/batch.h"
#include "shortlist/engine.h"
#include "shortlist/store.h"

/* What the runner tells the batcher about its grid, and how results come back. */
struct sl_batcher_host {
	void *ud;
	int64_t (*index)(void *ud, int m, int p, int c, int s); /* -1 outside the grid */
	void (*coords)(void *ud, int64_t idx, int *m, int *p, int *c, int *s);
	bool (*done)(void *ud, int64_t idx);     /* the cell has a successful row */
	bool (*in_batch)(void *ud, int64_t idx); /* the cell goes to a batch (not interactive) */
	/* A result for a cell (answered or failed); price_factor scales its cost. */
	void (*result)(void *ud, int64_t idx, const struct sl_result *res, double price_factor);
	size_t (*pending)(void *ud);             /* finished cells not committed yet */
};

/* Per model of the run: where its batches go (ops NULL: the model is interactive). */
struct sl_batcher_model {
	const struct sl_provider_conf *conf;
	const char *model_id;
	const struct sl_batch_ops *ops;
	/* records per batch (sl_batch_ops.limits); the batcher splits a model's records so
	 * that no batch falls under min_requests when max_requests >= 2 * min_requests */
	int64_t min_requests, max_requests;
};

struct sl_batcher;

struct sl_batcher *sl_batcher_new(struct sl_store *store, int64_t run_id, struct sl_engine *eng,
				  const struct sl_batcher_host *host,
				  const struct sl_batcher_model *models, size_t n_models);
void sl_batcher_free(struct sl_batcher *bt);
/* Pick up the run's stored batches: submitted ones are polled and collected; ones killed
 * before they were submitted are marked failed (their cells run again). */
int sl_batcher_load(struct sl_batcher *bt, struct sl_error *err);
/* The cell belongs to a stored batch still at the API: do not send it again. */
bool sl_batcher_claimed(const struct sl_batcher *bt, int64_t idx);
/* Add a cell's request to its model's batch being prepared. */
int sl_batcher_add(struct sl_batcher *bt, int64_t idx, int model, const struct sl_message *msgs,
		   size_t n_msgs, const struct sl_params *params, struct sl_error *err);
/* No more cells for now: close the batches being prepared (they are then sent). */
void sl_batcher_seal(struct sl_batcher *bt);
/* Non-blocking: start due steps, store what changed. Returns true while batches remain;
 * false when done or failed (then sl_batcher_error says why). */
bool sl_batcher_pump(struct sl_batcher *bt);
const struct sl_error *sl_batcher_error(const struct sl_batcher *bt);
/* Stop: cancel transfers in flight, drop batches not yet stored; stored ones stay as they
 * are (resumable). */
void sl_batcher_stop(struct sl_batcher *bt);
/* Batches at the APIs (not final), and cells in them. */
size_t sl_batcher_active(const struct sl_batcher *bt);
int64_t sl_batcher_cells(const struct sl_batcher *bt);
/* Send the API's cancel for every stored batch still running (runs cancel). */
int sl_batcher_cancel_all(struct sl_batcher *bt, struct sl_error *err);
/* Malformed result lines seen (all batches of this invocation). */
int64_t sl_batcher_malformed(const struct sl_batcher *bt);

#endif

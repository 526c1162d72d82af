/* The runner: expands a suite into cells (models x prompts x cases x samples), answers
 * what it can from the response cache, sends the rest through the engine on the caller's
 * thread, and writes each finished cell to the store in short batched transactions, so a
 * killed run loses at most the cells in flight and can be resumed. */
#ifndef SHORTLIST_RUNNER_H
#define SHORTLIST_RUNNER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "shortlist/engine.h"
#include "shortlist/store.h"
#include "shortlist/suite.h"
#include "shortlist/util.h"

struct sl_run_progress {
	int64_t total;      /* cells planned */
	int64_t done;       /* cells with a result (this run and earlier, when resuming) */
	int64_t errors;
	int64_t cached;
	int64_t in_flight;
	int64_t fetched;    /* cells answered by the API in this invocation */
	double cost;        /* known cost of every done cell, cached included */
	double spent;       /* cost of API calls made in this invocation */
	int64_t cost_unknown; /* successful cells with unknown cost */
	double elapsed_s;   /* since this invocation started */
	double rate;        /* cells per second in this invocation */
	bool budget_hit;    /* --max-cost reached: no new cells are scheduled */
	bool finished;      /* the last call: nothing left to do */
};

typedef void (*sl_run_progress_fn)(void *ud, const struct sl_run_progress *p);

enum sl_cache_mode {
	SL_CACHE_USE = 0, /* read and write the response cache */
	SL_CACHE_OFF,     /* --no-cache: neither read nor write it */
	SL_CACHE_REFRESH, /* --refresh: ask the API again and overwrite the cache */
};

struct sl_runner_opts {
	const char *suite_path;
	int concurrency;            /* -j; 0 = the suite's */
	enum sl_cache_mode cache;
	double max_cost;            /* --max-cost; NAN = the suite's (which may be none) */
	bool resume;                /* --resume */
	const char *resume_ref;     /* run to resume; NULL = newest unfinished run of the suite */
	sl_scorer_validate_fn validate; /* scorer registry check, may be NULL */
	void *validate_ud;
	const struct sl_providers *providers; /* NULL = built-ins + providers.json */
	sl_run_progress_fn progress; /* may be NULL; called at most every progress_ms */
	void *progress_ud;
	int progress_ms;            /* 0 = 200 */
	volatile sig_atomic_t *stop; /* set (by a signal handler) to stop scheduling and end */
	/* Tests: stop after this many cells were written in this invocation, without marking
	 * the run ended (as if killed). 0 = off. */
	int64_t test_abort_after;
};

struct sl_run_outcome {
	int64_t run_id;
	bool complete;      /* every cell has a successful result */
	int64_t missing;    /* cells never run (budget, interruption) */
	int64_t errors;
	bool budget_hit;
	double spent;
	int64_t requests;   /* engine requests made in this invocation */
};

/* Run (or resume) a suite. Configuration problems (suite, prompts, dataset placeholders,
 * unknown providers, missing keys) fail before any API call with err->code = 2. */
int sl_runner_run(struct sl_store *store, const struct sl_runner_opts *opts,
		  struct sl_run_outcome *out, struct sl_error *err);

#endif

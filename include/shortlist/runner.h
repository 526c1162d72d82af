/* The runner: expands a suite into cells (models x prompts x cases x samples), answers
 * what it can from the response cache, sends the rest through the engine on the caller's
 * thread, and writes each finished cell to the store in short batched transactions, so a
 * killed run loses at most the cells in flight (and the last finished ones not committed)
 * and can be resumed. The commits run on a writer thread of the runner's, with its own
 * connection to the store's file, so the caller's loop never waits for them; a store no
 * second connection can open (in memory, temporary, read-only, not in WAL mode) is
 * committed on the caller's thread instead. Everything else (callbacks, events, progress,
 * warnings) happens on the caller's thread. */
#ifndef SHORTLIST_RUNNER_H
#define SHORTLIST_RUNNER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "shortlist/dataset.h"
#include "shortlist/engine.h"
#include "shortlist/store.h"
#include "shortlist/suite.h"
#include "shortlist/util.h"

struct sl_cell;        /* runs.h */
struct sl_stats_batch; /* stats_batch.h */

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
	int64_t batched;    /* cells at a provider's batch API, not answered yet */
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
	double max_cost;            /* --max-cost USD; 0 or NAN = the suite's (may be none) */
	bool resume;                /* --resume: keeps the run's cache mode unless cache is set
				     * to another mode than SL_CACHE_USE (recorded in params) */
	const char *resume_ref;     /* run to resume; NULL = newest unfinished run of the suite */
	sl_scorer_validate_fn validate; /* scorer registry check, may be NULL */
	void *validate_ud;
	const struct sl_providers *providers; /* NULL = built-ins + providers.json */
	sl_run_progress_fn progress; /* may be NULL; called at most every progress_ms */
	void *progress_ud;
	int progress_ms;            /* 0 = 200 */
	volatile sig_atomic_t *stop; /* set (by a signal handler) to stop scheduling and end */
	/* Things worth knowing that do not stop a run (a prompt that shows the model the
	 * expected answer); may be NULL. */
	void (*warn)(void *ud, const char *msg);
	void *warn_ud;
	/* Provider batch APIs (batch.h): batch every model (--batch; the suite's "batch" picks
	 * some), except the first batch_sample cases of each, run interactively to measure
	 * speed. batch_collect (runs poll): only collect the run's stored batches, send nothing
	 * new, with the suite and the cases the run (resume_ref) stored, not the files (they
	 * may have moved or gone); batch_cancel (runs cancel): cancel them first. */
	bool batch;
	int batch_sample;
	bool batch_collect;
	bool batch_cancel;
	/* What the caller knows is wrong with a suite and its dataset before anything is sent
	 * (sl_pipeline_check_run: judge model, gates); given the dataset the run will use, so
	 * it is read once. May be NULL. */
	int (*check)(void *ud, const struct sl_suite *suite, const struct sl_dataset *ds,
		     struct sl_error *err);
	void *check_ud;
	/* Called in the write transaction of each batch of finished cells, before their rows
	 * (sl_report_score_commit: the cheap scorers' rows and marks go in with the cells);
	 * rows it writes add their statistics to the transaction's `stats`. The cells carry
	 * no case fields (vars_json NULL). May be NULL. It runs on the writer thread, with
	 * the writer's store (the same one every call), one call at a time: it must not touch
	 * the caller's store, front end or anything else the caller's thread uses; what it
	 * keeps in commit_ud is the caller's to read once sl_runner_finish/_run/_free has
	 * returned (the thread has ended then). */
	int (*on_commit)(void *ud, struct sl_store *store, struct sl_stats_batch *stats,
			 int64_t run_id,
			 const struct sl_suite *suite, const struct sl_dataset *ds,
			 const struct sl_cell *cells, size_t n, struct sl_error *err);
	void *commit_ud;
};

struct sl_run_outcome {
	int64_t run_id;
	bool complete;      /* every cell has a successful result */
	int64_t missing;    /* cells never run (budget, interruption) */
	int64_t errors;
	bool budget_hit;
	double spent;
	double max_cost;    /* the budget in force (--max-cost or the suite's), NAN if none */
	int64_t requests;   /* engine requests made in this invocation */
	int64_t batch_results; /* cells answered by a batch API in this invocation */
	bool already_complete; /* --resume of a complete run: nothing was done */
	int64_t batches_pending; /* batches still at the APIs (stored: runs poll) */
	int64_t batched;         /* cells in them */
	int64_t malformed;       /* malformed batch result lines skipped */
};

/* Run (or resume) a suite to the end on its own engine, blocking (the CLI). Configuration
 * problems (suite, prompts, dataset placeholders, unknown providers, missing keys) fail
 * before any API call with err->code = 2. */
int sl_runner_run(struct sl_store *store, const struct sl_runner_opts *opts,
		  struct sl_run_outcome *out, struct sl_error *err);

/* Check a suite as sl_runner_run would (everything before the first request) and count
 * what a run would do, without creating a run or sending anything (`run --check`). */
struct sl_run_plan {
	size_t n_models, n_prompts, n_cases;
	int samples;
	char prompts[512];  /* "name@v, name@v" as they would run */
	int64_t cells;      /* models x prompts x cases x samples */
	int64_t done;       /* with --resume: cells already done in that run */
	int64_t resume_run; /* with --resume: the run it would continue, else 0 */
	int64_t cached;     /* cells the response cache would answer */
	int64_t to_request; /* cells that would go to the APIs */
};
int sl_runner_plan(struct sl_store *store, const struct sl_runner_opts *opts,
		   struct sl_run_plan *plan, struct sl_error *err);

/* The same, driven by someone else's event loop (the TUI's):
 *     struct sl_runner *r = sl_runner_start(store, &opts, eng, &err);
 *     loop: sl_engine_wait(eng, ...); sl_engine_perform(eng);
 *           if (!sl_runner_pump(r)) break;   // schedules cells, writes finished ones
 *     sl_runner_finish(r, &outcome, &err);
 * eng may be NULL (the runner makes its own: then call sl_runner_run instead). The opts
 * must outlive the runner. A runner on a shared engine cancels only its own requests. */
struct sl_runner;
struct sl_runner *sl_runner_start(struct sl_store *store, const struct sl_runner_opts *opts,
				  struct sl_engine *eng, struct sl_error *err);
/* Non-blocking: schedule what fits, hand finished cells to the writer (or commit them). False
 * when nothing is left to do (or a store error happened: sl_runner_finish reports it). It
 * never waits for the store: while a commit is in progress or another process holds the
 * write lock, finished cells stay in memory (no new cells start while 1024 wait). The
 * writer wakes eng's sl_engine_wait when it has committed; without a writer, call again
 * within ~20 ms while the store is busy. sl_runner_finish waits as long as it takes to
 * store them. */
bool sl_runner_pump(struct sl_runner *r);
/* Stop scheduling and cancel this run's requests in flight (they stay missing). */
void sl_runner_stop(struct sl_runner *r);
const struct sl_run_progress *sl_runner_progress(const struct sl_runner *r);
/* Cells this invocation has committed so far: readable on the caller's connection once this
 * moves (a front end reloads what it shows from the store then). *waiting (may be NULL):
 * finished cells not committed yet. */
int64_t sl_runner_committed(const struct sl_runner *r, int64_t *waiting);
int64_t sl_runner_run_id(const struct sl_runner *r);
/* Mark the run complete or incomplete, fill out, free the runner. */
int sl_runner_finish(struct sl_runner *r, struct sl_run_outcome *out, struct sl_error *err);
/* Drop a runner without finishing (the run stays "running", resumable). */
void sl_runner_free(struct sl_runner *r);

#endif

/* Reading evaluation runs back: the list of runs, one run with its lineage, and its cells.
 * Scoring, reports and the TUI read runs only through this header (or the tables and the
 * cell_details view documented in src/core/base/schema.c). */
#ifndef SHORTLIST_RUNS_H
#define SHORTLIST_RUNS_H

#include <stdbool.h>
#include <stdint.h>

#include "shortlist/store.h"
#include "shortlist/util.h"

/* A model as a run asked for it, and what the API said it was. */
struct sl_run_model {
	int idx;
	char *requested;   /* as the suite names it: "openai:gpt-4o-mini" or a catalogue key */
	char *provider;    /* provider id, NULL if it could not be resolved */
	char *model_id;    /* the id sent to the API */
	char *endpoint;    /* base URL the requests went to */
	char *catalog_key; /* NULL when the model is not in the catalogue */
	double price_in, price_out; /* USD per 1M tokens, NAN when unknown */
	char *reported;    /* distinct model ids the API reported, comma separated ("" if none) */
};

struct sl_run_prompt {
	int idx;
	char *name;
	int version;
	char *hash;
};

/* One run and its lineage. Unknown numbers are NAN, missing strings NULL. */
struct sl_run {
	int64_t id;
	char *suite_name, *suite_path, *suite_hash;
	char *suite_json;      /* the suite file as it was run (scorers, gates, weights...) */
	char *dataset_path, *dataset_hash;
	char *status;          /* "running", "complete" or "incomplete"; "interrupted" for a
				* run stored as running whose process is gone (killed, crashed) */
	char *stop_reason;     /* NULL unless incomplete: "budget", "interrupted", "errors" */
	char *params_json;     /* suite parameter overrides, cache mode, max_cost */
	char *shortlist_version, *user, *host;
	char *started_at, *ended_at, *resumed_at; /* ISO 8601 UTC, ended/resumed may be NULL */
	int samples, concurrency;
	double max_cost;       /* NAN when no cap */
	int64_t n_cells;       /* planned: models x prompts x cases x samples */
	int64_t n_done;        /* cells with a row (success or error) */
	int64_t n_errors;      /* cells that ended in an error */
	int64_t n_cached;      /* cells answered from the response cache */
	double cost;           /* sum of known cell costs, cached cells included */
	double cost_spent;     /* cost of cells fetched from the API in this run (not cached) */
	int64_t n_cost_unknown; /* successful cells whose cost is unknown */
	int64_t owner_pid;     /* the process running it (0 unknown), on owner_host */
	char *owner_host;
	int64_t heartbeat_ms;  /* when that process last said it was alive (Unix ms; 0 never) */
	struct sl_run_model *models;
	size_t n_models;
	struct sl_run_prompt *prompts;
	size_t n_prompts;
};

/* One cell as scoring sees it. Strings are valid only during the callback; NULL when absent.
 * Unknown numbers are NAN (latency, ttft, cost) or -1 (tokens). */
struct sl_cell {
	int64_t run_id;
	int model_idx, prompt_idx, case_idx, sample;
	const char *model;          /* requested model id */
	const char *reported_model; /* id the API reported */
	const char *prompt_name;
	int prompt_version;
	const char *prompt_hash;
	const char *vars_json;      /* the case's fields as a JSON object */
	int case_line;              /* line in the dataset file */
	const char *expected, *reference, *label;
	const char *output;         /* NULL when the cell failed */
	const char *finish_reason;
	const char *error_kind;     /* NULL on success, e.g. "http", "timeout", "network" */
	const char *error_msg;
	int http_status;            /* 0 when none */
	bool cached;
	double latency_ms, ttft_ms;
	int64_t tokens_in, tokens_out;
	bool tokens_estimated;
	double cost;                /* USD, NAN when the price is unknown */
};

/* Return non-zero from the callback to stop the iteration (that value is returned). */
typedef int (*sl_cell_fn)(void *ud, const struct sl_cell *cell);

/* A running run's owner counts as gone after this long without a heartbeat (the runner
 * writes one every SL_RUN_HEARTBEAT_MS); on the same host a dead pid counts at once. */
#define SL_RUN_HEARTBEAT_MS 5000
#define SL_RUN_STALE_MS 60000
/* Whether the process recorded as owner (pid on host, last heartbeat) is still at work. */
bool sl_run_owner_alive(int64_t pid, const char *host, int64_t heartbeat_ms);

/* Runs newest first, with their counts but without models/prompts (n_models = 0).
 * limit <= 0: all. */
int sl_runs_list(struct sl_store *store, int limit, struct sl_run **out, size_t *n_out,
		 struct sl_error *err);
void sl_runs_free(struct sl_run *runs, size_t n);

/* Resolve a run reference: a run id ("12"), "latest" / "last", or "-N" (N-th newest,
 * -1 = latest). Fails naming the reference when no such run exists. */
int sl_run_resolve(struct sl_store *store, const char *ref, int64_t *id_out,
		   struct sl_error *err);

/* One run with its full lineage (models with the ids the API reported, prompt versions). */
int sl_run_get(struct sl_store *store, int64_t id, struct sl_run *out, struct sl_error *err);
void sl_run_free(struct sl_run *run);
/* A run's cells per model and prompt, from its statistics (cell_stats: a few rows, never a
 * walk of the cells), in model then prompt order; groups without cells are left out.
 * cached, cost, cost_unknown and tokens_out count the successful cells only. */
struct sl_run_group {
	int model_idx, prompt_idx;
	int64_t n, errors, cached, cost_unknown, tokens_out;
	double cost;
};
int sl_run_groups(struct sl_store *store, int64_t run_id, struct sl_run_group **out,
		  size_t *n_out, struct sl_error *err);
/* The suite a run was run with, parsed from the stored file exactly as the run parsed it
 * (shorthands expanded); scorers are not checked against the registry again. The one way
 * to read a run's scorers, judge, weights, gates and prices. NULL with err (code 2). */
struct sl_suite;
struct sl_suite *sl_run_suite(const struct sl_run *run, struct sl_error *err);
/* The same by run id. */
struct sl_suite *sl_run_suite_load(struct sl_store *store, int64_t run_id, struct sl_error *err);

/* Every finished cell of a run ordered by model, prompt, case, sample. */
int sl_run_cells_foreach(struct sl_store *store, int64_t run_id, sl_cell_fn fn, void *ud,
			 struct sl_error *err);
/* The same for at most limit cells (<= 0: all) after the cell at (model, prompt, case,
 * sample) = after[0..3] (NULL: from the first). Each page is its own read, so a caller may
 * write between pages in short transactions (a read open across a write would pin an old
 * snapshot: SQLITE_BUSY_SNAPSHOT once another process has written). */
int sl_run_cells_foreach_page(struct sl_store *store, int64_t run_id, const int after[4],
			      int limit, sl_cell_fn fn, void *ud, struct sl_error *err);

/* Cells in the order they were written (cells' rowid: a rewritten cell counts as new):
 * sl_run_cells_newest is the mark of the last written cell of any run (0: none, -1 error);
 * sl_run_cells_foreach_since reads at most limit cells of run_id written after *since and
 * moves *since to the last one read, so a caller that follows a run reads each cell once. */
int64_t sl_run_cells_newest(struct sl_store *store, struct sl_error *err);
int sl_run_cells_foreach_since(struct sl_store *store, int64_t run_id, int64_t *since,
			       int limit, sl_cell_fn fn, void *ud, struct sl_error *err);

/* Windows of a run by index, for screens that show a part of a large run (none walks every
 * cell of the run):
 * - every model's cells of one prompt for cases [case_from, case_to), ordered by case,
 *   model, sample; */
int sl_run_cells_foreach_cases(struct sl_store *store, int64_t run_id, int prompt_idx,
			       int case_from, int case_to, sl_cell_fn fn, void *ud,
			       struct sl_error *err);
/* - the last `limit` failed cells in (model, prompt, case, sample) order, the last first; */
int sl_run_failed_cells_last(struct sl_store *store, int64_t run_id, int limit, sl_cell_fn fn,
			     void *ud, struct sl_error *err);
/* - the first case after `after` (wrapping round to the first) where a model's sample 0 of
 *   the prompt failed: its index, or -1 when none did; */
int sl_run_next_failed_case(struct sl_store *store, int64_t run_id, int n_models,
			    int prompt_idx, int after, struct sl_error *err);
/* - the first case of [case_from, case_to) where two models' sample-0 answers of the prompt
 *   differ by `same` (failed cells have none), or -1 (also on an error, with err set): each
 *   model's answers are read side by
 *   side in key order, the case and the output only, and the search stops at the first
 *   difference (no window read and sorted first); */
int sl_run_next_differing_case(struct sl_store *store, int64_t run_id, int n_models,
			       int prompt_idx, int case_from, int case_to,
			       bool (*same)(const char *a, const char *b), struct sl_error *err);
/* - the state of each finished cell of cases [case_from, to) of every model and prompt. */
typedef void (*sl_cell_state_fn)(void *ud, int model_idx, int prompt_idx, int case_idx,
				 int sample, bool failed, bool cached);
int sl_run_cell_states(struct sl_store *store, int64_t run_id, int case_from, int case_to,
		       sl_cell_state_fn fn, void *ud, struct sl_error *err);
/* A case's dataset row as the run stored it (no file needed): 0, or 1 when the store has
 * no such case, -1 on error. Free with sl_run_case_clear. */
struct sl_case;
int sl_run_case_get(struct sl_store *store, int64_t run_id, int case_idx, struct sl_case *out,
		    struct sl_error *err);
void sl_run_case_clear(struct sl_case *c);

/* Differences between two runs, matched by (model requested, prompt name, case, sample)
 * so runs of different prompt versions or model versions compare cell by cell, and by their
 * stored score of `metric` (NULL: outputs and errors only). */
enum sl_cell_change {
	SL_CELL_SAME = 0,
	SL_CELL_OUTPUT = 1 << 0, /* output text differs */
	SL_CELL_SCORE = 1 << 1,  /* score differs */
	SL_CELL_ERROR = 1 << 2,  /* one failed, the other did not (or different error) */
	SL_CELL_ONLY_A = 1 << 3, /* cell missing in B */
	SL_CELL_ONLY_B = 1 << 4, /* cell missing in A */
};
/* Called for each changed pair; a or b is NULL for ONLY_A / ONLY_B. */
typedef void (*sl_cell_diff_fn)(void *ud, unsigned changes, const struct sl_cell *a,
				const struct sl_cell *b, double score_a, double score_b);
struct sl_run_diff_stats {
	int64_t matched, same, changed_output, changed_score, changed_error, only_a, only_b;
};
int sl_runs_diff(struct sl_store *store, int64_t run_a, int64_t run_b, const char *metric,
		 sl_cell_diff_fn diff_fn, void *diff_ud, struct sl_run_diff_stats *stats,
		 struct sl_error *err);
/* The metric a diff compares when none is asked for: the first by name scored in either
 * run; NULL when neither was scored. Caller frees. */
char *sl_runs_diff_metric(struct sl_store *store, int64_t run_a, int64_t run_b);

#endif

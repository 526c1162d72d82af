/* The scorecard: one row per model (and per model and prompt version) of a run, built by
 * aggregating its cells and their scores in SQL. Quality metrics carry 95% intervals (Wilson
 * for proportions, bootstrap otherwise); speed is latency and TTFT percentiles and output
 * tokens/s; cost per request and per 1,000 requests is unknown (NAN), never $0, when a
 * model's price is unknown. */
#ifndef SHORTLIST_SCORECARD_H
#define SHORTLIST_SCORECARD_H

#include <stdbool.h>
#include <stdint.h>

#include "shortlist/format.h"
#include "shortlist/store.h"
#include "shortlist/triangle.h"
#include "shortlist/util.h"

/* How a quality metric aggregates its per-cell values. */
enum sl_metric_kind {
	SL_METRIC_PROPORTION, /* per-cell 0/1 (pass, correct): mean with a Wilson interval */
	SL_METRIC_MEAN,       /* per-cell number (ROUGE, judge grade): mean with a bootstrap */
};

struct sl_metric_value {
	char *name;           /* "accuracy", "rougeL", "judge" */
	enum sl_metric_kind kind;
	double value, lo, hi; /* estimate and 95% interval; NAN when no cell was scored */
	int64_t n;            /* cells with a score */
	int64_t successes;    /* proportions: cells scoring 1 */
	int64_t n_unscored;   /* cells the scorer could not score (e.g. judge errors) */
	const char *method;   /* "wilson" (proportions, and means whose scores are all at
			       * the two ends of their range), "bootstrap", or "normal" (n >
			       * SL_BOOTSTRAP_MAX_N, where the two agree, clipped to the range
			       * of the scores: sl_stats_bounded_mean) */
};

struct sl_scorecard_row {
	char *model;          /* as the run requested it */
	int model_idx;
	char *prompt;         /* "name@version"; NULL on the per-model row (all prompts) */
	int prompt_idx;       /* -1 on the per-model row */
	int64_t n;            /* cells (successes + errors) */
	int64_t n_ok, n_errors, n_cached;
	double error_rate;
	/* Seconds, over successful cells; NAN when none. */
	double latency_p50, latency_p95, latency_p99, latency_mean;
	double ttft_p50, ttft_p95;
	double latency_min, latency_max, ttft_min, ttft_p99, ttft_max; /* the box plots' */
	int64_t n_latency, n_ttft; /* successful cells with a latency / a TTFT */
	double tokens_per_s;  /* sum(N) / sum(E2E - TTFT) over successful cells, N = output tokens
			       * (each cell's N / (E2E - TTFT), as engine.h; no TTFT: E2E) */
	double cost_total;    /* USD of successful cells; NAN when any price is unknown */
	double cost_per_request, cost_per_1k;
	double cost_known;    /* USD of the successful cells that have a cost */
	int64_t n_cost_unknown; /* successful cells without a cost */
	struct sl_metric_value *metrics;
	size_t n_metrics;
	/* The judge's own calls (not part of the model's cost). */
	double judge_cost;    /* NAN when the judge's price is unknown */
	int64_t judge_calls, judge_cached;
	/* Cells went to the provider's batch API (batch.h): their cost is the batch price and
	 * their latency is not measured (latency figures come from interactive cells only). */
	bool batch;
};

struct sl_scorecard {
	int64_t run_id;
	struct sl_scorecard_row *rows; /* per-model rows (prompt_idx -1) first, in model order,
					* then per (model, prompt) rows when the run has more
					* than one prompt */
	size_t n_rows;
	size_t n_models;
	char *headline;       /* the quality metric the triangle and gates default to */
	double judge_cost;    /* all judge calls of the run */
	int64_t judge_calls;
	char *price_hint;     /* how to set a price, when some cost is unknown; else NULL */
	char *batch_note;     /* what batch rows measure differently, when any; else NULL */
	char *only_prompt;    /* "name@version" when the run has exactly one prompt (then the
			       * per-model rows are that prompt's rows); else NULL */
};

/* The per-model rows of a run's scorecard without its quality metrics (no bootstrap, no
 * headline): counts, cost, latency and TTFT, tokens/s. */
int sl_scorecard_build_rows(struct sl_store *store, int64_t run_id, struct sl_scorecard *out,
			    struct sl_error *err);
/* Build the scorecard of a run from its cells and cell_scores. */
int sl_scorecard_build(struct sl_store *store, int64_t run_id, struct sl_scorecard *out,
		       struct sl_error *err);
void sl_scorecard_free(struct sl_scorecard *sc);
/* Compute and keep what a scorecard keeps (latency and TTFT percentiles, bootstrap
 * intervals) for the run's current cells and scores, so that no reader pays for them: call
 * it where a run's cells or scores are written (the end of a run and of its scoring, a
 * bundle's import). Best effort: a store another process writes to is left as it is. */
int sl_scorecard_keep(struct sl_store *store, int64_t run_id, struct sl_error *err);

/* A metric of a row by name: quality metrics by their name, and the built-ins n, errors,
 * error_rate, p50_latency, p95_latency, p99_latency, mean_latency, p50_ttft, p95_ttft,
 * tokens_per_s, cost_per_request, cost_per_1k, total_cost. Returns false if the name is
 * unknown; *value is NAN when the metric is known but has no value (e.g. unknown cost). */
bool sl_scorecard_metric(const struct sl_scorecard_row *row, const char *name, double *value,
			 const struct sl_metric_value **quality);
/* The per-model row of model_idx, or NULL. */
const struct sl_scorecard_row *sl_scorecard_model_row(const struct sl_scorecard *sc, int model_idx);

/* Fill a triangle from the per-model rows: speed = p50 latency, precision = the headline
 * metric (or `metric` when given), cost = per 1,000 requests. */
int sl_scorecard_triangle(const struct sl_scorecard *sc, const char *metric,
			  struct sl_triangle *tri, struct sl_error *err);

/* A latency or TTFT distribution of a row, in seconds (NAN when no cell has one): the row's
 * percentiles and ends, which the build read with the others (store and err are unused). */
struct sl_dist {
	int64_t n;
	double min, p50, p95, p99, max;
};
int sl_scorecard_dist(struct sl_store *store, const struct sl_scorecard *sc,
		      const struct sl_scorecard_row *row, bool ttft, struct sl_dist *out,
		      struct sl_error *err);

/* Every score of one cell (a drill-down from a scorecard row): metric, value (NAN when it
 * could not be scored) and detail (extracted label, judge explanation, error; may be NULL). */
struct sl_cell_score {
	char *metric;
	double value;
	char *detail;
};
int sl_scorecard_cell_scores(struct sl_store *store, int64_t run_id, int model_idx,
			     int prompt_idx, int case_idx, int sample, struct sl_cell_score **out,
			     size_t *n_out, struct sl_error *err);
/* One stored score of a cell (NAN when it has none or it could not be scored). */
double sl_scorecard_cell_score(struct sl_store *store, int64_t run_id, const char *metric,
			      int model_idx, int prompt_idx, int case_idx, int sample);
void sl_cell_scores_free(struct sl_cell_score *scores, size_t n);

/* Names of the built-in metrics, for help texts and errors. */
extern const char *const sl_scorecard_builtin_metrics[];

/* Text for the terminal: the per-model table (and per prompt when there are several). */
void sl_scorecard_render_text(const struct sl_scorecard *sc, struct sl_buf *out);
/* A row's latency or TTFT figure for display: "batch" when the row's cells went to a batch
 * API and none was measured, else sl_fmt_seconds. */
const char *sl_scorecard_fmt_seconds(const struct sl_scorecard_row *r, double s,
				     char out[SL_FMT_LEN]);

#endif

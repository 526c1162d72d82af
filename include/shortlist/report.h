/* Scoring a run with its suite's scorers, and the reports: JSON (everything, lineage
 * included), JSONL (one cell per line, streamed), CSV (per cell or per model), Markdown (a
 * scorecard table for a pull request), HTML (one self-contained file with inline CSS and
 * SVG charts) and JUnit XML (a test case per gate and per failing cell). */
#ifndef SHORTLIST_REPORT_H
#define SHORTLIST_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "shortlist/gates.h"
#include "shortlist/scorecard.h"
#include "shortlist/store.h"
#include "shortlist/triangle.h"
#include "shortlist/util.h"

struct sl_judge_options; /* judge.h */

struct sl_score_stats {
	int64_t cells;     /* cells looked at */
	int64_t scores;    /* score rows written */
	int64_t unscored;  /* scores that could not be computed (value NULL) */
	size_t metrics_scored, metrics_fresh; /* rescored / already up to date */
	int64_t judge_calls, judge_cached;
	int64_t judge_failed; /* judge calls that got no answer (network, key, HTTP error): the
			       * metric is not marked scored, so the next report asks again */
	char judge_error[256]; /* the first such failure */
	int64_t embed_texts, embed_cached; /* texts sent to an embedding model / from its cache */
};

/* Score every successful cell of a run with the scorers of the suite it was run with, and
 * write cell_scores. A metric already scored for every successful cell is left alone, so
 * calling this before each report costs nothing the second time. Judge scorers need
 * `judge` (NULL: they are reported as not scored, with the reason). */
int sl_report_score_run(struct sl_store *store, int64_t run_id,
			const struct sl_judge_options *judge, struct sl_score_stats *stats,
			struct sl_error *err);

/* Scoring while a run streams in (the TUI's reloads): the scorers that need no network,
 * nothing marked (judge->local_only). *since < 0 scores every finished cell; then *since
 * marks the last cell scored, and the next call scores only the cells written after it on
 * top of the scores already there, so a reload costs the cells finished since the last one,
 * not the run. The scores are the same as a full scoring's. stats->cells: cells scored. */
int sl_report_score_live(struct sl_store *store, int64_t run_id, int64_t *since,
			 struct sl_score_stats *stats, struct sl_error *err);

/* Scoring as a run commits its cells (sl_runner_opts.on_commit = sl_report_score_commit,
 * commit_ud = an sl_score_commit): the suite's scorers that need neither the case's fields
 * (templated), nor a network (judge, embeddings) write their rows in each batch's
 * transaction, with the pass rate and the rows' own checks when the dataset has no
 * "assert" field, and their marks count up with the batch's successful cells. So the
 * end-of-run scoring finds them fresh and reads no cell for them; the scores are the
 * same. A metric whose mark did not cover the run's successful cells when this invocation
 * started (a run interrupted before its scoring) is left to the end-of-run scoring. */
struct sl_score_commit;
struct sl_suite;
struct sl_dataset;
struct sl_cell;
struct sl_stats_batch;
struct sl_score_commit *sl_report_score_commit_new(void);
void sl_report_score_commit_free(struct sl_score_commit *c);
/* What was scored at commit: cells, scores, unscored, metrics_scored. */
const struct sl_score_stats *sl_report_score_commit_stats(const struct sl_score_commit *c);
int sl_report_score_commit(void *ud, struct sl_store *store, struct sl_stats_batch *stats,
			   int64_t run_id,
			   const struct sl_suite *suite, const struct sl_dataset *ds,
			   const struct sl_cell *cells, size_t n, struct sl_error *err);

/* The same inside the caller's event loop (the TUI's) on judge->engine, which it may share:
 *     struct sl_score_task *t = sl_report_score_start(store, run, &judge, &stats, &err);
 *     loop: sl_engine_wait(eng, ...); sl_engine_perform(eng);
 *           if (!sl_report_score_pump(t)) break;   // verdicts or vectors still out
 *     sl_report_score_finish(t, &err);              // writes the verdicts, frees t
 * start scores with the registry's scorers (CPU only, short transactions) and submits the
 * judges' and the embedding cosines' requests without waiting (the judge model is
 * judge->model, else the suite's "judge"; without judge->engine the
 * task makes its own for embeddings, which pump drives); stats and judge must outlive the
 * task. pump writes cosines as their vectors come. sl_report_score_free drops it early (its
 * requests are cancelled; what was written stays, unmarked, so the next scoring redoes it). */
struct sl_score_task;
struct sl_score_task *sl_report_score_start(struct sl_store *store, int64_t run_id,
					    const struct sl_judge_options *judge,
					    struct sl_score_stats *stats, struct sl_error *err);
bool sl_report_score_pump(struct sl_score_task *t);
/* What scoring waits for, to show it: a judge's metric ("judge") or "embeddings", with its
 * cells done of total; false when nothing is out. */
struct sl_score_progress {
	const char *what;
	size_t done, total;
};
bool sl_report_score_progress(const struct sl_score_task *t, struct sl_score_progress *p);
int sl_report_score_finish(struct sl_score_task *t, struct sl_error *err);
void sl_report_score_free(struct sl_score_task *t);

/* The metric name a suite's scorer entry reports its scores under ("as", else the
 * scorer's own choice: "rougeL" for {"name": "rouge"}, "judge" for a judge); NULL if the
 * entry is invalid. Caller frees. */
char *sl_report_metric_id(const cJSON *spec);

/* Check a suite's scorer entry: the registry's scorers plus the judge scorers. Matches
 * suite.h's sl_scorer_validate_fn. */
int sl_report_validate_scorer(void *ud, const char *name, const cJSON *spec,
			      const char *path, struct sl_error *err);

enum sl_report_format {
	SL_REPORT_JSON,
	SL_REPORT_JSONL,
	SL_REPORT_CSV,
	SL_REPORT_MD,
	SL_REPORT_HTML,
	SL_REPORT_JUNIT,
	SL_REPORT_TEXT,  /* the scorecard, recommendation and gates for a terminal */
};

int sl_report_format_parse(const char *name, enum sl_report_format *out, struct sl_error *err);

struct sl_report_options {
	enum sl_report_format format;
	bool csv_per_model;          /* CSV: the scorecard instead of the cells */
	struct sl_tri_weights weights; /* for the triangle section */
	const char *metric;          /* precision axis; NULL = the scorecard's headline */
	const struct sl_gate_report *gates; /* may be NULL */
	const struct sl_scorecard *scorecard; /* the run's, built already (a run view's); NULL:
					       * build it (it walks the latency indexes) */
};

/* Write the report of a run to out. Cells are streamed, never all held in memory. */
int sl_report_write(struct sl_store *store, int64_t run_id, const struct sl_report_options *opts,
		    FILE *out, struct sl_error *err);

/* The scorecard table and the triangle's recommendation as text (no header, no gates):
 * what `shortlist run` prints after its summary. */
int sl_report_scorecard_text(struct sl_store *store, int64_t run_id,
			     const struct sl_report_options *opts, struct sl_buf *out,
			     struct sl_error *err);

#endif

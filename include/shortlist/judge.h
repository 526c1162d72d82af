/* LLM-as-judge through the engine. Two scorers a suite can name:
 *   {"name": "judge", "scale": 5|10, "rubric": "...", "reference": true, "model": "...",
 *    "prompt": "judge-rubric@1", "input_field": "question", "as": "helpfulness"}
 *     a rubric grade with a strict JSON verdict {"explanation": ..., "score": n}; where the
 *     judge's API returns token log-probabilities, the G-Eval probability-weighted score
 *     replaces the integer (the raw integer is kept in the detail).
 *   {"name": "judge_pairwise", "baseline": "MODEL", ...}
 *     each model's answer against the baseline model's answer to the same case, judged in
 *     both orders; a disagreement between the two orders is a tie. Score: 1 win, 0.5 tie,
 *     0 loss (so the mean is a win rate with ties counted half).
 * The rubric is the case's own "rubric" field when the dataset has one, else the scorer's
 * "rubric", else a generic 1-5 anchor; "reference": true shows the judge the case's reference
 * (or expected answer, or label).
 * A malformed verdict is asked again (up to "tries" calls, default 3) only in a way that can
 * change the answer: the judge runs at temperature 0, so the retry shows it its reply and
 * why it could not be read, and stops when the same reply comes back. Then it is recorded
 * as a judge error, with the reason: value NULL, never a zero. Judge prompts live in the prompt catalogue as
 * "judge-rubric" and "judge-pairwise" (added on first use, versioned like any prompt; a
 * scorer may name another prompt or version). Verdicts are cached in judge_cache; their
 * cost is stored apart from the models' cost. */
#ifndef SHORTLIST_JUDGE_H
#define SHORTLIST_JUDGE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "shortlist/engine.h"
#include "shortlist/report.h"
#include "shortlist/runs.h"
#include "shortlist/store.h"
#include "shortlist/util.h"

struct sl_judge_options {
	struct sl_engine *engine; /* calls the judge; NULL = judge scorers fail with a message */
	const char *model;        /* default judge model (the suite's "judge"), may be NULL */
	bool no_cache;            /* ask again even when a verdict is cached */
	/* Score only what needs no request (the TUI while cells stream in): judges and
	 * embedding cosines wait for the final scoring, and nothing is marked scored, so that
	 * scoring does it all again. Never blocks on the network. */
	bool local_only;
};

bool sl_judge_is_judge_scorer(const char *name);
int sl_judge_validate(const cJSON *spec, const char *path, struct sl_error *err);
/* The metric name: "as", else the scorer's name. Caller frees. */
char *sl_judge_metric_id(const cJSON *spec);

/* Parse a verdict: one JSON object (optionally inside a ```json fence) with an integer
 * "score" in 1..scale and a string "explanation". Anything else fails with the reason. */
int sl_judge_parse_verdict(const char *text, int scale, int *score, char **explanation,
			   struct sl_error *err);

enum sl_pair_verdict { SL_PAIR_A, SL_PAIR_B, SL_PAIR_TIE };
/* {"explanation": ..., "winner": "A" | "B" | "tie"} */
int sl_judge_parse_pair_verdict(const char *text, enum sl_pair_verdict *out, char **explanation,
				struct sl_error *err);
/* Combine the two orders: first has the candidate as A, swapped has it as B. The result is
 * from the candidate's side: A = candidate wins, B = baseline wins, TIE otherwise. */
enum sl_pair_verdict sl_judge_pair_combine(enum sl_pair_verdict first,
					   enum sl_pair_verdict swapped);

/* G-Eval score (deepeval's calculate_weighted_summed_score): the last output token equal to
 * the raw score; over its top alternatives that are decimal numbers with probability >= 1%,
 * sum(value * p) / sum(p). Returns raw_score when there are no usable log-probabilities. */
double sl_judge_weighted_score(const struct sl_token_logprob *lp, size_t n, int raw_score,
			       bool *weighted);

/* Score a run's successful cells with one judge scorer and write cell_scores: the blocking
 * form of the three calls below (it waits on opts->engine). */
int sl_judge_score_run(struct sl_store *store, const struct sl_run *run, const cJSON *spec,
		       const char *metric, const struct sl_judge_options *opts,
		       struct sl_score_stats *stats, struct sl_error *err);

/* The same inside the caller's event loop (the TUI's), on an engine it may share:
 *     struct sl_judge_task *t = sl_judge_start(store, run, spec, metric, &opts, &err);
 *     loop: sl_engine_wait(eng, ...); sl_engine_perform(eng);
 *           if (!sl_judge_pump(t)) break;        // verdicts arrive in the engine's callbacks
 *     sl_judge_finish(t, &stats, &err);          // writes the scores, frees t
 * start answers cached verdicts and submits the rest, never waiting; spec and opts->model
 * must outlive the task, run need not. sl_judge_free drops a task early (its requests are cancelled, nothing is written). */
struct sl_judge_task;
struct sl_judge_task *sl_judge_start(struct sl_store *store, const struct sl_run *run,
				     const cJSON *spec, const char *metric,
				     const struct sl_judge_options *opts, struct sl_error *err);
bool sl_judge_pump(const struct sl_judge_task *t); /* true while verdicts are outstanding */
/* Cells with their verdict (or their judge error) of the cells to judge. */
void sl_judge_progress(const struct sl_judge_task *t, size_t *done, size_t *total);
int sl_judge_finish(struct sl_judge_task *t, struct sl_score_stats *stats, struct sl_error *err);
void sl_judge_free(struct sl_judge_task *t);

#endif

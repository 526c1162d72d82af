/* Human ratings of a run's cells: 1-5 scores with a comment, and blind pairwise votes
 * (left / right / tie) between two cells answering the same case, stored per rater. CSV
 * export and import let raters work offline; the agreement report turns the ratings into
 * Cohen's kappa, Krippendorff's alpha, per-model means and Bradley-Terry strengths. */
#ifndef SHORTLIST_RATINGS_H
#define SHORTLIST_RATINGS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "shortlist/stats.h"
#include "shortlist/store.h"
#include "shortlist/util.h"

/* A cell, as "RUN:MODEL:PROMPT:CASE:SAMPLE" (indices) in files: opaque to raters. */
struct sl_cell_key {
	int64_t run_id;
	int model_idx, prompt_idx, case_idx, sample;
};
int sl_cell_key_parse(const char *s, struct sl_cell_key *k);
void sl_cell_key_format(const struct sl_cell_key *k, char out[80]);

/* The rater to record when none is given: $USER, else "unknown". */
const char *sl_ratings_default_rater(void);

/* Record (or replace) a 1-5 rating. Fails naming the cell if it does not exist. */
int sl_rating_put(struct sl_store *store, const struct sl_cell_key *cell, const char *rater,
		  int score, const char *comment, struct sl_error *err);

/* Take back a rating (an undo): 1 if one was removed, 0 if there was none, -1 on error. */
int sl_rating_delete(struct sl_store *store, const struct sl_cell_key *cell, const char *rater,
		     struct sl_error *err);

enum sl_vote_value { SL_VOTE_LEFT, SL_VOTE_RIGHT, SL_VOTE_TIE };
int sl_vote_parse(const char *s, enum sl_vote_value *out); /* left/right/tie, a/b/t */
const char *sl_vote_name(enum sl_vote_value v);

/* Record (or replace) a pairwise vote; left is the cell shown first. order_seed < 0:
 * unknown (imported). */
int sl_vote_put(struct sl_store *store, const struct sl_cell_key *left,
		const struct sl_cell_key *right, const char *rater, enum sl_vote_value vote,
		int64_t order_seed, const char *comment, struct sl_error *err);

/* The pairs a blind pairwise rating shows: every two successful cells of different models
 * with the same prompt, case and sample, each pair's order and the pairs' order shuffled
 * with `seed`. Returns the number of pairs; *out (caller frees) holds left/right keys. */
struct sl_pair {
	struct sl_cell_key left, right;
};
int sl_ratings_pairs(struct sl_store *store, int64_t run_id, uint64_t seed, struct sl_pair **out,
		     size_t *n_out, struct sl_error *err);

/* Cells with an output that `rater` has not rated yet, in case order (for `shortlist rate`). */
int sl_ratings_todo(struct sl_store *store, int64_t run_id, const char *rater,
		    struct sl_cell_key **out, size_t *n_out, struct sl_error *err);
/* Take back rater's vote on this pair (in either order): 1 removed, 0 none, -1 error. */
int sl_vote_delete(struct sl_store *store, const struct sl_pair *p, const char *rater,
		   struct sl_error *err);
/* 1 if rater already voted on this pair (in either order), 0 if not, -1 on error. */
int sl_vote_exists(struct sl_store *store, const struct sl_pair *p, const char *rater,
		   struct sl_error *err);
/* A cell's dataset line, input variables (JSON) and output; caller frees the strings. */
int sl_ratings_cell_text(struct sl_store *store, const struct sl_cell_key *k, int *case_line,
			 char **input, char **output, struct sl_error *err);

/* CSV for offline rating. Ratings: "cell,case_line,rater,score,comment,input,output" with
 * score and comment empty except where `rater` already rated (model names are not
 * shown). Pairwise: "pair,case_line,rater,vote,comment,input,left_output,right_output" in
 * the seeded blind order; pair is RUN:SEED:INDEX:CHECK, which names neither model: import
 * recomputes the pair from the run and the seed and checks it. */
int sl_ratings_export(struct sl_store *store, int64_t run_id, bool pairwise, const char *rater,
		      uint64_t seed, FILE *out, struct sl_error *err);

/* Import a file written by export (the header says which kind; pairwise files may also
 * name cells directly with left_cell and right_cell columns). Every row is checked
 * first; the first bad row fails the whole import with "FILE:LINE: column NAME: why" and
 * nothing is written. Rows with an empty score/vote are skipped; an empty rater is
 * default_rater. */
struct sl_import_counts {
	int64_t rows, imported, skipped;
	bool pairwise;
};
int sl_ratings_import(struct sl_store *store, const char *path, const char *default_rater,
		      struct sl_import_counts *counts, struct sl_error *err);

/* ---- the agreement report ---- */

struct sl_rater_pair_kappa {
	char *rater_a, *rater_b;
	int64_t n; /* cells both rated */
	double kappa, kappa_linear, kappa_quadratic;
};

struct sl_model_rating {
	char *model;        /* requested model name */
	int64_t n;          /* ratings */
	struct sl_interval mean; /* mean 1-5 with a bootstrap 95% interval */
	/* pairwise */
	int64_t wins, losses, ties;
	double bt_strength;  /* Bradley-Terry, strengths sum to 1; NAN without votes */
	struct sl_interval bt_ci;
};

struct sl_ratings_report {
	int64_t run_id;
	char **raters;
	size_t n_raters;
	int64_t n_ratings, n_cells_rated;
	double alpha_nominal, alpha_ordinal, alpha_interval; /* NAN when undefined */
	size_t alpha_pairable;
	struct sl_rater_pair_kappa *kappas;
	size_t n_kappas;
	int64_t n_votes, votes_left, votes_right, votes_tie;
	double vote_alpha; /* nominal alpha of raters' votes on the same pair; NAN if undefined */
	double bt_prior;   /* virtual ties per compared pair used (0, or 0.5 when a model is unbeaten or winless) */
	struct sl_model_rating *models;
	size_t n_models;
	uint64_t seed; /* of the bootstraps */
};

/* A scorer's numbers (cell_scores, e.g. an LLM judge) against the human 1-5 ratings of the
 * same cells: Spearman and Pearson correlation with the mean human rating per cell, and
 * Krippendorff's interval alpha with the metric as one more rater when its values lie on
 * the 1-5 rating scale (NAN otherwise). */
struct sl_metric_vs_humans {
	char *metric;
	int64_t n;         /* cells with both a value and a human rating */
	double spearman, pearson;
	double alpha_interval;
	bool on_rating_scale;
};
int sl_ratings_against(struct sl_store *store, int64_t run_id, const char *metric,
		       struct sl_metric_vs_humans *out, struct sl_error *err);

int sl_ratings_report(struct sl_store *store, int64_t run_id, struct sl_ratings_report *out,
		      struct sl_error *err);
void sl_ratings_report_free(struct sl_ratings_report *r);

#endif

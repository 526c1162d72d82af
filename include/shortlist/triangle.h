/* The speed-precision-cost triangle: put the shortlisted models on three 0-1 axes, rank them
 * under the user's weights, mark the Pareto frontier, say which model to pick and why, and
 * show for each model the region of weight space in which it would win.
 *
 * Pure computation: no store, no I/O. The scorecard (measured) and the catalogue (priors)
 * fill the raw values; the CLI, the reports and the TUI render the result. */
#ifndef SHORTLIST_TRIANGLE_H
#define SHORTLIST_TRIANGLE_H

#include <stdbool.h>
#include <stddef.h>

#include "shortlist/util.h"

enum sl_tri_axis { SL_TRI_SPEED, SL_TRI_PRECISION, SL_TRI_COST, SL_TRI_AXES };

/* Weights in axis order (speed, precision, cost); they sum to 1. */
struct sl_tri_weights {
	double w[SL_TRI_AXES];
};

/* One model on the triangle. Raw values use the caller's units; NAN means unknown. */
struct sl_tri_model {
	char *name;
	double latency_s; /* speed, lower is better (p50 end-to-end latency) */
	double precision; /* higher is better (accuracy, ROUGE-L, judge score, published score) */
	long correct, total; /* when precision is a proportion: "4/5"; total 0 otherwise */
	double cost;      /* lower is better (USD per 1,000 requests, or list price for priors) */

	/* Filled by sl_triangle_normalise(). */
	double norm[SL_TRI_AXES]; /* 0 worst .. 1 best among the models; unknown scores 0 */
	bool known[SL_TRI_AXES];
	bool pareto;              /* no other model is at least as good on all three axes and
				   * better on one */
	double region_share;      /* share of weight space in which it ranks first (0..1) */

	/* Filled by sl_triangle_rank(). */
	double score;             /* weighted sum of norm[] */
	int rank;                 /* 1 = first under the weights */

	char *excluded;           /* why it may not be picked ("accuracy>=0.85"), NULL if
				   * it may: sl_triangle_exclude */
};

struct sl_triangle {
	struct sl_tri_model *models;
	size_t n, cap;
	bool priors;            /* values are catalogue priors, not measurements */
	char *precision_label;  /* "accuracy", "rougeL", "published score (MMLU-Pro)" */
	char *cost_label;       /* "USD per 1k requests", "list price USD per 1M tokens" */
	char *speed_label;      /* "p50 latency" */
	char *source;           /* "run 12" or "catalogue priors" */
	size_t *order;          /* model indices, best first, after sl_triangle_rank() */
	/* Winner per point of the sampled weight simplex (sl_triangle_regions). */
	int region_steps;
	int *region_winner;     /* (steps+1)(steps+2)/2 entries, see sl_tri_grid_index() */
};

void sl_triangle_init(struct sl_triangle *tri);
void sl_triangle_free(struct sl_triangle *tri);
/* Adds a model (name copied) and returns it for the caller to fill; values start unknown. */
struct sl_tri_model *sl_triangle_add(struct sl_triangle *tri, const char *name);
void sl_triangle_set_labels(struct sl_triangle *tri, const char *precision, const char *cost,
			    const char *speed, const char *source);

/* Parse "0.2,0.3,0.5" or "20,30,50" (speed, precision, cost). Each must be >= 0 and they must
 * sum to 1 (or 100); the message names the offending part. */
int sl_tri_weights_parse(const char *text, struct sl_tri_weights *out, struct sl_error *err);
/* Equal thirds. */
struct sl_tri_weights sl_tri_weights_default(void);
/* "speed 0.20 / precision 0.30 / cost 0.50" */
void sl_tri_weights_format(const struct sl_tri_weights *w, char out[64]);

/* Min-max normalise each axis across the models (higher = better), then mark the Pareto
 * frontier. An axis nobody has a value for, or where all are equal, does not separate the
 * models. A model with an unknown value on an axis others know is scored worst there. */
void sl_triangle_normalise(struct sl_triangle *tri);
/* Score and order the models under the weights; ties go to higher precision, then lower
 * cost, then name. Cheap enough to call on every keypress (no allocation after the first). */
void sl_triangle_rank(struct sl_triangle *tri, const struct sl_tri_weights *w);
/* Sample the weight simplex at `steps` divisions per axis and record the winner at each
 * point; fills region_share of every model. */
void sl_triangle_regions(struct sl_triangle *tri, int steps);
/* Index of the grid point with weights (i/steps speed, j/steps precision, rest cost). */
size_t sl_tri_grid_index(int steps, int i, int j);

/* Keep the model named name from being picked, for why (a failed gate: "accuracy>=0.85");
 * a second reason is added to the first. Unknown names are ignored. */
void sl_triangle_exclude(struct sl_triangle *tri, const char *name, const char *why);

/* One line: "under speed 0.20 / precision 0.30 / cost 0.50 pick FM2: 4/5 accuracy at a fifth
 * of FM1's cost". The pick is the first model in rank order not excluded; the line names
 * the excluded ones and why, and when every model is excluded it says so and shows the
 * best of them as failing. Needs sl_triangle_rank() first. */
void sl_triangle_recommend(const struct sl_triangle *tri, const struct sl_tri_weights *w,
			   struct sl_buf *out);

/* Plain-text view for the terminal: priors banner, the ranked table with the frontier, the
 * recommendation and an ASCII map of the weight regions (needs sl_triangle_regions()). */
void sl_triangle_render_text(const struct sl_triangle *tri, const struct sl_tri_weights *w,
			     struct sl_buf *out);
/* The weight-region map alone as ASCII: precision at the top, speed bottom-left, cost
 * bottom-right, one letter per model (legend A, B, C... in list order); the point nearest
 * `here` (may be NULL) is marked '*'. */
void sl_triangle_render_map(const struct sl_triangle *tri, int rows,
			    const struct sl_tri_weights *here, struct sl_buf *out);
/* The same map as an inline SVG fragment of the given width (for HTML reports). */
void sl_triangle_render_map_svg(const struct sl_triangle *tri, int width, struct sl_buf *out);

/* Everything above as JSON: weights, labels, priors flag, the recommendation and each model
 * with its raw and normalised values, score, rank, frontier flag and region share. Needs
 * sl_triangle_rank() (and sl_triangle_regions() for the shares). */
struct cJSON;
struct cJSON *sl_triangle_json(const struct sl_triangle *tri, const struct sl_tri_weights *w);

/* The model that ranks first under w (the same order as sl_triangle_rank), -1 if none. */
int sl_triangle_winner(const struct sl_triangle *tri, const struct sl_tri_weights *w);

/* Where the winner changes when one weight moves and the other two keep their ratio: the
 * winner is linear in that weight along such a path, so the change points are exact. */
struct sl_tri_change {
	int axis;      /* enum sl_tri_axis whose weight moves */
	bool up;       /* the weight grows (true) or shrinks */
	double at;     /* the weight at which the winner changes */
	int winner;    /* the model that wins just beyond `at` */
};
/* The first change moving axis's weight up or down from w; false if the winner holds all
 * the way to 1 (or 0). */
bool sl_triangle_next_change(const struct sl_triangle *tri, const struct sl_tri_weights *w,
			     int axis, bool up, struct sl_tri_change *out);
/* The nearest change over every axis and direction: the smallest move of one weight that
 * changes the recommendation. */
bool sl_triangle_nearest_change(const struct sl_triangle *tri, const struct sl_tri_weights *w,
				struct sl_tri_change *out);
/* "llama3.2 wins when cost weight > 0.55" */
void sl_tri_change_format(const struct sl_triangle *tri, const struct sl_tri_change *c,
			  struct sl_buf *out);

/* Add delta to one weight and take it from (or give it to) the other two in proportion,
 * staying on the simplex. */
void sl_tri_weights_nudge(struct sl_tri_weights *w, int axis, double delta);
/* The triangle as a plane: speed corner (0,0), cost corner (1,0), precision corner
 * (0.5,1); y is up. A point outside is clamped to the nearest weights. */
void sl_tri_weights_to_plane(const struct sl_tri_weights *w, double *x, double *y);
struct sl_tri_weights sl_tri_weights_from_plane(double x, double y);

/* The Pareto frontier of two axes, lower x and higher y better (quality against cost per
 * 1k, or against p95 latency): front[i] is true when no other point is at least as good on
 * both and better on one. Points with an unknown (NAN) value are never on it. */
void sl_pareto_front_2d(const double *x, const double *y, size_t n, bool *front);

/* Letter used for model i on the maps. */
char sl_tri_letter(size_t i);

#endif

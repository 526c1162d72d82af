/* What the Scorecard and Charts screens show, loaded once per run through core calls and
 * shared by both, so moving the priority point on one re-ranks the other: the scorecard,
 * the triangle with its win regions, the gates, the recommendation and the charts' box
 * plots and frontiers. Before any run, the catalogue priors of the shortlist. */
#ifndef SHORTLIST_TUI_RUNDATA_H
#define SHORTLIST_TUI_RUNDATA_H

#include <stdbool.h>
#include <stdint.h>

#include "shortlist/gates.h"
#include "shortlist/runs.h"
#include "shortlist/scorecard.h"
#include "shortlist/triangle.h"

struct tui_rundata {
	int64_t run_id;          /* 0: no run (priors only) */
	bool loaded;
	struct sl_run run;
	struct sl_scorecard sc;
	struct sl_triangle tri;  /* measured, or the catalogue priors when run_id is 0 */
	struct sl_triangle priors; /* the shortlist's catalogue priors, loaded when first drawn */
	bool priors_loaded, has_priors;
	char priors_note[1100];
	bool has_tri;
	char note[1100];        /* why there is no triangle, or a load error */
	struct sl_tri_weights w;
	bool seen_weights;       /* w is the user's (else the next run shows the suite's) */
	struct sl_gate *gates;
	size_t n_gates;
	struct sl_gate_report gate_report;
	/* Per model row (sc.n_models), for the charts. */
	struct sl_dist *lat, *ttft;
	bool *front_cost, *front_p95; /* on the quality/cost and quality/p95 frontiers */
	struct sl_buf recommendation;
	struct sl_buf change;    /* "llama3.2 wins when cost weight > 0.55", or empty */
	int winner;              /* model index in tri, -1 if none */
	unsigned long version;   /* bumped on every load: views cache derived layouts */
	int64_t loaded_ns;       /* when, and how long it took: paces reloads while a run */
	int64_t load_cost_ns;    /* is still streaming in */
	bool stale;              /* ratings changed: reload before the scorecard shows */
	bool redact_clock;       /* key script on a run measured here: timings drawn as "~" */
	int64_t seen_run;        /* app->run_id and run_version of the last load */
	unsigned long seen_version;
};

void tui_rundata_init(struct tui_rundata *d);
void tui_rundata_free(struct tui_rundata *d);
/* Load run_id (0: the newest run, or priors when there is none). A failure leaves a
 * readable note and returns -1. */
int tui_rundata_load(struct tui_rundata *d, struct sl_store *store, int64_t run_id);
/* New weights: re-rank, recommendation and the nearest change, no store access. */
void tui_rundata_set_weights(struct tui_rundata *d, const struct sl_tri_weights *w);
/* The catalogue priors of the shortlist (sl_priors_triangle), or NULL with priors_note. */
const struct sl_triangle *tui_rundata_priors(struct tui_rundata *d, struct sl_store *store);
/* The headline quality value of model row i (NAN if none) and its interval. */
double tui_rundata_quality(const struct tui_rundata *d, size_t i, double *lo, double *hi);

#endif

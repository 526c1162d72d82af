/* One run from its cells to a recommendation, each step a core call that prints nothing, so
 * the CLI and the TUI show the same figures:
 *
 *     run        sl_runner_run / sl_runner_start + pump         (runner.h)
 *     check      sl_pipeline_check_suite, before anything is sent
 *     score      sl_pipeline_score (the judge's engine made here when a scorer needs it)
 *     view       sl_run_view_build: scorecard -> triangle -> gates -> recommendation
 *
 * A screen gets everything it shows about a run id from one sl_run_view. */
#ifndef SHORTLIST_PIPELINE_H
#define SHORTLIST_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shortlist/dataset.h"
#include "shortlist/gates.h"
#include "shortlist/report.h"
#include "shortlist/scorecard.h"
#include "shortlist/store.h"
#include "shortlist/suite.h"
#include "shortlist/triangle.h"

/* What can be known wrong about a suite before a request is sent (exit 2 with the key to
 * fix): a judge scorer with no judge model (its "model" or the suite's "judge"), a case's
 * own checks (ds: the suite's dataset, NULL to skip them), and a gate (parsed: the suite's
 * and the caller's) on a metric the run will not have. */
int sl_pipeline_check_suite(const struct sl_suite *suite, const struct sl_dataset *ds,
			    const struct sl_gate *gates, size_t n_gates, struct sl_error *err);

/* The same as the runner's check (sl_runner_opts.check), on the dataset the runner loaded:
 * ud is a struct sl_pipeline_gates with the caller's gate expressions besides the suite's
 * own, or NULL for the suite's alone. */
struct sl_pipeline_gates {
	char *const *exprs;
	size_t n;
};
int sl_pipeline_check_run(void *ud, const struct sl_suite *suite, const struct sl_dataset *ds,
			  struct sl_error *err);

/* Score a run with the scorers of its stored suite (sl_report_score_run), making an engine
 * for the judge when a judge scorer needs one; judge calls are priced by price.h (the
 * suite's "prices", then the catalogue). Blocking. */
int sl_pipeline_score(struct sl_store *store, int64_t run_id, struct sl_score_stats *stats,
		      struct sl_error *err);

/* The triangle weights of a run's suite, else equal thirds. */
struct sl_tri_weights sl_pipeline_weights(struct sl_store *store, int64_t run_id);

struct sl_run_view_options {
	const struct sl_tri_weights *weights; /* NULL = the suite's, else equal thirds */
	const char *metric;       /* precision axis; NULL = the scorecard's headline */
	char *const *gates;       /* gate expressions checked besides the suite's */
	size_t n_gates;
	bool no_suite_gates;      /* check only the gates above */
	bool score;               /* score first (sl_pipeline_score); else use the stored scores */
	int region_steps;         /* weight-map resolution; 0 = 60 */
};

/* Everything shown about a run: its scorecard, the triangle ranked under the weights (with
 * its weight regions), the gates' verdicts and the recommendation. */
struct sl_run_view {
	int64_t run_id;
	struct sl_score_stats score;  /* what scoring did (zero when not asked) */
	struct sl_scorecard scorecard;
	struct sl_tri_weights weights;
	struct sl_triangle triangle;  /* empty (n == 0) when no_triangle is set */
	struct sl_error no_triangle;  /* why there is no triangle (no quality scores yet), when
					 no metric was asked for; else msg "" */
	struct sl_gate *gates;        /* parsed: the options', then the suite's */
	size_t n_gates;
	struct sl_gate_report gate_report; /* n == 0 when there are no gates */
	char *recommendation;         /* one line (sl_triangle_recommend), NULL without a
					 triangle */
};

/* Bad gates or a metric the run lacks fail with err->code 2; a failed gate is not an error
 * (gate_report.n_failed). */
int sl_run_view_build(struct sl_store *store, int64_t run_id,
		      const struct sl_run_view_options *opts, struct sl_run_view *out,
		      struct sl_error *err);
void sl_run_view_free(struct sl_run_view *v);

#endif

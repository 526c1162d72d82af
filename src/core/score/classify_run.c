/* Per-model accuracy and classification report of a run (see classify_run.h). */
#include "shortlist/classify_run.h"

#include <stdlib.h>
#include <string.h>

#include "shortlist/runs.h"

struct acc_ctx {
	struct sl_scorer *scorer;
	struct sl_classify **per_model;
	struct sl_model_accuracy *models;
	size_t n_models;
};

static int on_cell(void *ud, const struct sl_cell *cell)
{
	struct acc_ctx *x = ud;
	if (cell->model_idx < 0 || (size_t)cell->model_idx >= x->n_models)
		return 0;
	struct sl_model_accuracy *m = &x->models[cell->model_idx];
	struct sl_score sc;
	sl_scorer_apply(x->scorer, cell, &sc);
	if (sc.status == SL_SCORE_SKIPPED) {
		m->failed++;
		return 0;
	}
	if (sc.status != SL_SCORE_OK) {
		m->unscorable++;
		return 0;
	}
	m->scored++;
	sl_classify_add(x->per_model[cell->model_idx], sc.truth,
			sc.predicted[0] ? sc.predicted : NULL);
	return 0;
}

int sl_run_accuracy(struct sl_store *store, int64_t run_id, struct sl_scorer *scorer,
		    struct sl_model_accuracy **out, size_t *n_out, struct sl_error *err)
{
	*out = NULL;
	*n_out = 0;
	if (sl_scorer_kind(scorer) != SL_SCORER_MATCH) {
		sl_error_set(err, "scorer \"%s\" is not an accuracy match (its kind is %s): use exact, "
				  "normalized, label, choice, regex_capture or json_field",
			     sl_scorer_name(scorer), sl_scorer_kind_name(sl_scorer_kind(scorer)));
		err->code = SL_EXIT_USAGE;
		return -1;
	}
	struct sl_run run;
	if (sl_run_get(store, run_id, &run, err) != 0)
		return -1;
	struct acc_ctx x = { .scorer = scorer, .n_models = run.n_models };
	x.models = sl_xcalloc(run.n_models ? run.n_models : 1, sizeof *x.models);
	x.per_model = sl_xcalloc(run.n_models ? run.n_models : 1, sizeof *x.per_model);
	size_t nl;
	const char *const *labels = sl_scorer_labels(scorer, &nl);
	for (size_t i = 0; i < run.n_models; i++) {
		x.models[i].model = sl_xstrdup(run.models[i].requested ? run.models[i].requested : "?");
		x.per_model[i] = sl_classify_new(labels, nl);
	}
	sl_run_free(&run);
	int rc = sl_run_cells_foreach(store, run_id, on_cell, &x, err);
	for (size_t i = 0; i < x.n_models; i++) {
		if (rc == 0) {
			sl_classify_report(x.per_model[i], &x.models[i].report);
			x.models[i].accuracy = sl_stats_wilson(x.models[i].report.correct,
							       x.models[i].report.n, SL_Z95);
		}
		sl_classify_free(x.per_model[i]);
	}
	free(x.per_model);
	if (rc != 0) {
		sl_run_accuracy_free(x.models, x.n_models);
		return -1;
	}
	*out = x.models;
	*n_out = x.n_models;
	return 0;
}

void sl_run_accuracy_free(struct sl_model_accuracy *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].model);
		sl_classify_report_free(&m[i].report);
	}
	free(m);
}
